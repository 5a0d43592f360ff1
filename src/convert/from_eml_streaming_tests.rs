//! `Session::open_eml` with base64 runs set aside (the streamed path) gives
//! exactly the message of the input parsed as read: each case is converted
//! with a threshold that sets its runs aside and with one that sets nothing
//! aside, and the two messages (every property of the message, its
//! recipients, attachments and embedded messages, attachment data, the
//! report) must be the same. Each case also says which way it must go.

use std::hash::{Hash, Hasher};
use std::io::Read;

use super::from_eml::EmlPath;
use crate::access::Access;
use crate::prop::PropValue;
use crate::{tags, Message, Session};

/// Never sets a run aside.
const WHOLE: usize = usize::MAX;

fn data(n: usize, seed: u32) -> Vec<u8> {
    (0..n as u32)
        .map(|i| (i.wrapping_add(seed).wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect()
}

fn b64(data: &[u8], width: usize, eol: &str) -> String {
    use base64::Engine as _;
    let text = base64::engine::general_purpose::STANDARD.encode(data);
    text.as_bytes()
        .chunks(width)
        .map(|c| format!("{}{eol}", std::str::from_utf8(c).unwrap()))
        .collect()
}

fn hash(b: &[u8]) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    b.hash(&mut h);
    h.finish()
}

fn value(v: &PropValue) -> String {
    match v {
        PropValue::Binary(b) if b.len() > 64 => format!("Binary({} bytes, {:x})", b.len(), hash(b)),
        v => format!("{v:?}"),
    }
}

/// Everything of a message, in order (save times left out: they are "now"
/// when the mail has no date).
fn dump<A: Access>(msg: &Message<'_, A>, at: &str, out: &mut Vec<String>) {
    let times = [tags::LAST_MODIFICATION_TIME.tag(), tags::CREATION_TIME.tag()];
    for (tag, v) in msg.props().unwrap() {
        if !times.contains(&tag) {
            out.push(format!("{at} {tag:?} {}", value(&v)));
        }
    }
    for r in msg.recipients().unwrap() {
        out.push(format!("{at} recipient {:?}", r.props()));
    }
    for a in msg.attachments().unwrap() {
        let here = format!("{at}/attachment {}", a.num());
        for (tag, v) in a.props().unwrap() {
            if !times.contains(&tag) {
                out.push(format!("{here} {tag:?} {}", value(&v)));
            }
        }
        if a.is_embedded() {
            dump(&a.open_embedded().unwrap(), &here, out);
        } else if let Ok(mut s) = a.data() {
            let mut b = Vec::new();
            s.read_to_end(&mut b).unwrap();
            out.push(format!("{here} data {} {:x}", b.len(), hash(&b)));
        }
    }
}

/// A message dumped and its report's losses, or the error.
type Outcome = Result<(Vec<String>, String), String>;

/// What `open_eml_with` gives at `threshold`: the message dumped and the
/// report, or the error; and the way it went.
fn convert(session: &Session, eml: &[u8], threshold: usize) -> (Outcome, Option<EmlPath>) {
    match session.open_eml_with(eml, threshold) {
        Ok((msg, report, path)) => {
            let mut out = Vec::new();
            dump(&msg, "", &mut out);
            (Ok((out, format!("{:?}", report.losses))), Some(path))
        }
        Err(e) => (Err(e.to_string()), None),
    }
}

/// Converts `eml` setting aside runs longer than `threshold` and setting
/// nothing aside; the results must be the same. Returns the way the first
/// went.
fn same(session: &Session, eml: &[u8], threshold: usize) -> Option<EmlPath> {
    let (whole, path) = convert(session, eml, WHOLE);
    assert!(path.is_none() || path == Some(EmlPath::Whole));
    let (streamed, path) = convert(session, eml, threshold);
    if whole != streamed {
        let (a, b) = (format!("{whole:#?}"), format!("{streamed:#?}"));
        let first = a.lines().zip(b.lines()).position(|(x, y)| x != y);
        panic!(
            "threshold {threshold} ({path:?}) differs from the input parsed as read, first at line {first:?}:\n{}\nvs\n{}",
            first.and_then(|i| a.lines().nth(i)).unwrap_or(""),
            first.and_then(|i| b.lines().nth(i)).unwrap_or("")
        );
    }
    path
}

fn check(eml: &str, want: EmlPath) {
    let session = Session::new();
    assert_eq!(
        same(&session, eml.as_bytes(), 1000),
        Some(want),
        "{}",
        &eml[..eml.len().min(600)]
    );
}

const HEAD: &str = "From: Ann <ann@example.com>\r\nTo: bob@example.com\r\nSubject: s\r\nDate: Tue, 01 Dec 2026 10:00:00 +0100\r\nMIME-Version: 1.0\r\n";

fn mixed(parts: &[String]) -> String {
    let mut s = format!("{HEAD}Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\npreamble\r\n");
    for p in parts {
        s.push_str("--b1\r\n");
        s.push_str(p);
    }
    s.push_str("--b1--\r\nepilogue\r\n");
    s
}

fn text_part() -> String {
    "Content-Type: text/plain; charset=utf-8\r\n\r\nSee attached.\r\n".to_string()
}

fn b64_part(ctype: &str, extra: &str, body: &str) -> String {
    format!("Content-Type: {ctype}\r\n{extra}Content-Transfer-Encoding: base64\r\n\r\n{body}")
}

fn attachment(n: usize, seed: u32) -> String {
    b64_part(
        "application/octet-stream; name=\"big.bin\"",
        "Content-Disposition: attachment; filename=\"big.bin\"\r\n",
        &b64(&data(n, seed), 76, "\r\n"),
    )
}

#[test]
fn a_big_attachment_is_streamed_and_exact() {
    let eml = mixed(&[text_part(), attachment(20_000, 1)]);
    check(&eml, EmlPath::Streamed);
    let session = Session::new();
    let (msg, report, path) = session.open_eml_with(eml.as_bytes(), 1000).unwrap();
    assert_eq!(path, EmlPath::Streamed);
    assert!(report.is_empty(), "{report}");
    let att = msg.open_attachment(0).unwrap();
    let mut got = Vec::new();
    att.data().unwrap().read_to_end(&mut got).unwrap();
    assert_eq!(got, data(20_000, 1));
    assert_eq!(att.size().unwrap(), Some(20_000));
    assert_eq!(att.filename().unwrap().as_deref(), Some("big.bin"));
}

#[test]
fn several_runs_small_ones_and_inline_images() {
    let html = "Content-Type: text/html; charset=utf-8\r\n\r\n<p>x</p><img src=\"cid:pic@x\">\r\n".to_string();
    let related = format!(
        "Content-Type: multipart/related; boundary=\"rel\"\r\n\r\n--rel\r\n{html}--rel\r\n{}--rel--\r\n",
        b64_part(
            "image/png",
            "Content-ID: <pic@x>\r\nContent-Disposition: inline\r\n",
            &b64(&data(9000, 2), 76, "\r\n")
        )
    );
    let eml = mixed(&[
        related,
        attachment(20_000, 3),
        attachment(300, 4), // below the threshold
        b64_part("text/csv; name=\"t.csv\"", "", &b64(&data(5000, 5), 64, "\r\n")),
        attachment(7000, 6),
    ]);
    check(&eml, EmlPath::Streamed);
}

#[test]
fn line_ends_padding_and_odd_lines_decode_as_mail_parser_decodes_them() {
    let d = data(6000, 7);
    let bodies = [
        b64(&d, 76, "\n"),
        b64(&d, 60, "\r\n"),
        b64(&data(6001, 8), 76, "\r\n"),
        b64(&data(6002, 9), 76, "\r\n"),
        // padding in the middle, a truncated last quantum, short lines
        format!(
            "{}QQ==\r\nQUJD\r\nQUI=\r\n{}QUJDRA\r\n",
            b64(&d, 76, "\r\n"),
            b64(&d, 76, "\r\n")
        ),
        format!("{}Q\r\n", b64(&d, 76, "\r\n")),
        format!("{}===\r\n", b64(&d, 76, "\r\n")),
        // white space around the run
        format!("\r\n  \r\n{}\t \r\n\r\n", b64(&d, 76, "\r\n")),
        // a space at the end of the last line
        format!("{} \r\n", b64(&d, 76, "\r\n").trim_end()),
    ];
    for body in bodies {
        let eml = mixed(&[text_part(), b64_part("application/octet-stream; name=a", "", &body)]);
        check(&eml, EmlPath::Streamed);
    }
}

#[test]
fn lf_only_mail_and_a_last_line_without_its_end() {
    let eml = mixed(&[text_part(), attachment(20_000, 10)]).replace("\r\n", "\n");
    check(&eml, EmlPath::Streamed);
    // A single-part message whose body is the run, no line end at the end.
    let body = b64(&data(20_000, 11), 76, "\r\n");
    let eml = format!(
        "{HEAD}Content-Type: application/pdf; name=a.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n{}",
        body.trim_end()
    );
    check(&eml, EmlPath::Streamed);
}

#[test]
fn folded_headers_and_white_space_before_the_header() {
    let part = attachment(20_000, 12).replace(
        "Content-Transfer-Encoding: base64",
        "content-transfer-ENCODING:\r\n  BASE64",
    );
    let eml = format!("  \r\n\t\r\n{}", mixed(&[text_part(), part]));
    check(&eml, EmlPath::Streamed);
}

#[test]
fn an_s_mime_blob_and_a_single_part_attachment_are_streamed() {
    let body = b64(&data(20_000, 13), 76, "\r\n");
    let opaque = format!(
        "{HEAD}Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m\r\nContent-Transfer-Encoding: base64\r\n\r\n{body}"
    );
    check(&opaque, EmlPath::Streamed);
}

#[test]
fn a_signed_entity_stays_byte_for_byte() {
    let entity_body = format!(
        "--inner\r\n{}--inner\r\n{}--inner--\r\n",
        text_part(),
        attachment(20_000, 14)
    );
    let eml = format!(
        "{HEAD}Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=\"sig\"\r\n\r\n--sig\r\nContent-Type: multipart/mixed; boundary=\"inner\"\r\n\r\n{entity_body}--sig\r\n{}--sig--\r\n",
        b64_part("application/pkcs7-signature; name=smime.p7s", "", &b64(&data(3000, 15), 76, "\r\n"))
    );
    check(&eml, EmlPath::Streamed);
    let session = Session::new();
    let (msg, _, _) = session.open_eml_with(eml.as_bytes(), 1000).unwrap();
    let att = msg.open_attachment(0).unwrap();
    let mut got = Vec::new();
    att.data().unwrap().read_to_end(&mut got).unwrap();
    let start = eml.find("Content-Type: multipart/signed").unwrap();
    let head_end = eml.find("\r\n\r\n").unwrap();
    let want = format!("{}\r\n{}", &eml[start..head_end + 2], &eml[head_end + 4..]);
    assert_eq!(String::from_utf8(got).unwrap(), want);
}

#[test]
fn embedded_messages_are_streamed_and_too_deep_ones_kept_whole() {
    let inner = format!(
        "From: c@example.com\r\nSubject: inner\r\nContent-Type: multipart/mixed; boundary=\"b2\"\r\n\r\n--b2\r\n{}--b2\r\n{}--b2--\r\n",
        text_part(),
        attachment(20_000, 16)
    );
    let eml = mixed(&[
        text_part(),
        format!("Content-Type: message/rfc822\r\n\r\n{inner}"),
        attachment(5000, 17),
    ]);
    check(&eml, EmlPath::Streamed);
    // Beyond the depth limit the embedded message is an .eml attachment
    // made of the raw bytes: the runs are put back there.
    let mut options = crate::SessionOptions::default();
    options.open.limits.max_depth = 1;
    let session = Session::with_options(options);
    assert_eq!(same(&session, eml.as_bytes(), 1000), Some(EmlPath::Streamed));
    // A single-part embedded message whose body is the run.
    let inner = format!(
        "From: c@example.com\r\nSubject: inner\r\nContent-Type: image/gif\r\nContent-Transfer-Encoding: base64\r\n\r\n{}",
        b64(&data(20_000, 18), 76, "\r\n")
    );
    let eml = mixed(&[text_part(), format!("Content-Type: message/rfc822\r\n\r\n{inner}")]);
    check(&eml, EmlPath::Streamed);
}

#[test]
fn runs_that_are_not_a_base64_part_s_whole_body_go_back() {
    // A text body sent base64: it is the message's body (held whole).
    let text = format!(
        "{HEAD}Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{}",
        b64(&b"Hello world, long text. ".repeat(1000), 76, "\r\n")
    );
    check(&text, EmlPath::Fallback);
    // What looks like a base64 part inside a 7bit text part.
    let fake = format!(
        "Content-Type: text/plain; name=quoted.txt\r\nContent-Disposition: attachment\r\n\r\n--b0\r\nContent-Transfer-Encoding: base64\r\n\r\n{}--b0--\r\n",
        b64(&data(20_000, 19), 76, "\r\n")
    );
    check(&mixed(&[text_part(), fake]), EmlPath::Fallback);
    // A message/rfc822 part sent base64 (parsed from its decoded bytes).
    let inner = mixed(&[text_part(), attachment(5000, 20)]);
    let encoded = format!(
        "Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n{}",
        b64(inner.as_bytes(), 76, "\r\n")
    );
    check(&mixed(&[text_part(), encoded]), EmlPath::Fallback);
    // Something else in the body after the run: mail-parser decodes it
    // with the run (or gives up), so the marker is not the whole body.
    for tail in ["!!!\r\n", "QUJD-x\r\n", "not base64 at all\r\n"] {
        let body = format!("{}{tail}", b64(&data(20_000, 21), 76, "\r\n"));
        check(
            &mixed(&[text_part(), b64_part("application/octet-stream", "", &body)]),
            EmlPath::Fallback,
        );
    }
    // Two runs in one body (a blank line between).
    let body = format!(
        "{}\r\n{}",
        b64(&data(6000, 22), 76, "\r\n"),
        b64(&data(6000, 23), 76, "\r\n")
    );
    check(
        &mixed(&[text_part(), b64_part("application/octet-stream", "", &body)]),
        EmlPath::Fallback,
    );
}

#[test]
fn cut_and_damaged_inputs_give_the_same_message_either_way() {
    // Every case above, cut short at many places and with one byte
    // changed: whatever mail-parser makes of it, the two ways agree.
    let session = Session::new();
    let inner = format!(
        "From: c@example.com\r\nSubject: inner\r\nContent-Type: multipart/mixed; boundary=\"b2\"\r\n\r\n--b2\r\n{}--b2--\r\n",
        attachment(3000, 24)
    );
    let cases = [
        mixed(&[text_part(), attachment(3000, 25), attachment(2000, 26)]),
        mixed(&[text_part(), format!("Content-Type: message/rfc822\r\n\r\n{inner}")]),
    ];
    let mut ways = std::collections::BTreeMap::new();
    for eml in &cases {
        let b = eml.as_bytes();
        let step = (b.len() / 97).max(1);
        for cut in (0..b.len()).step_by(step) {
            let mut way = vec![same(&session, &b[..cut], 200)];
            for byte in [b'-', b' ', b'\n', b'=', b'!'] {
                let mut m = b.to_vec();
                m[cut] = byte;
                way.push(same(&session, &m, 200));
            }
            for w in way {
                *ways.entry(format!("{w:?}")).or_insert(0) += 1;
            }
        }
    }
    // Most changes leave the runs' parts whole; a cut through a part
    // leaves it without its boundary, which mail-parser reads as damaged.
    eprintln!("{ways:?}");
    assert!(ways.get("Some(Streamed)").is_some_and(|&n| n > 200), "{ways:?}");
    assert!(ways.get("Some(Fallback)").is_some_and(|&n| n > 50), "{ways:?}");
}

#[test]
fn every_corpus_eml_gives_the_same_message_with_every_run_set_aside() {
    let Some(dir) = std::env::var_os("OXMSG_CORPUS").map(|d| std::path::PathBuf::from(d).join("eml")) else {
        eprintln!("OXMSG_CORPUS not set: skipped");
        return;
    };
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty());
    let session = Session::new();
    let mut ways = std::collections::BTreeMap::new();
    for p in &paths {
        let eml = std::fs::read(p).unwrap();
        let path = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| same(&session, &eml, 0)))
            .unwrap_or_else(|_| panic!("{}", p.display()));
        *ways.entry(format!("{path:?}")).or_insert(0) += 1;
        if path == Some(EmlPath::Fallback) {
            eprintln!("parsed as read: {}", p.display());
        }
    }
    eprintln!("{} files: {ways:?}", paths.len());
    assert!(ways.get("Some(Streamed)").copied().unwrap_or(0) > 0);
}
