//! Files written by oxmsg, read back by independent readers: Python
//! `extract-msg` (tests/interop/extract_msg_dump.py) and Perl `msgconvert`
//! (tests/interop/msgconvert_dump.sh + mime_summary.py). `.ci/run` installs
//! both and sets OXMSG_REQUIRE_INTEROP=1; without them and without that
//! variable the tests print that they were skipped.

use std::path::{Path, PathBuf};
use std::process::Command;

use oxmsg::{tags, FileTime, Guid, PropTag, PropValue, RecipientType, Session, SessionOptions, String8};
use serde_json::Value;
use sha2::{Digest, Sha256};

fn interop_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop")
}

/// Whether the readers are there; panics when they are required but missing.
fn readers_available() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import extract_msg"])
        .output()
        .is_ok_and(|o| o.status.success())
        && Command::new("msgconvert").arg("--help").output().is_ok();
    if !ok {
        if std::env::var_os("OXMSG_REQUIRE_INTEROP").is_some() {
            panic!("OXMSG_REQUIRE_INTEROP is set but python3 extract-msg or msgconvert is missing");
        }
        eprintln!("skipped: python3 extract-msg or msgconvert not installed");
    }
    ok
}

fn extract_msg(path: &Path) -> Value {
    let out = Command::new("python3")
        .arg(interop_dir().join("extract_msg_dump.py"))
        .arg(path)
        .output()
        .expect("run python3");
    assert!(
        out.status.success(),
        "extract_msg_dump failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON from extract_msg_dump");
    assert_eq!(
        v["ok"],
        Value::Bool(true),
        "extract-msg could not open {}: {}",
        path.display(),
        v["error"]
    );
    v
}

fn msgconvert(path: &Path) -> Value {
    let cmd = format!(
        "bash {} {} | python3 {}",
        interop_dir().join("msgconvert_dump.sh").display(),
        path.display(),
        interop_dir().join("mime_summary.py").display()
    );
    let out = Command::new("bash")
        .args(["-o", "pipefail", "-c", &cmd])
        .output()
        .expect("run msgconvert");
    assert!(
        out.status.success(),
        "msgconvert failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON from mime_summary")
}

fn sha256_hex(b: &[u8]) -> String {
    Sha256::digest(b).iter().map(|x| format!("{x:02x}")).collect()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// One value of every single-valued type and of every multi-valued type,
/// on ids in the 0x6600 (provider-defined) range.
fn every_type() -> Vec<(PropTag, PropValue)> {
    let guid = Guid::parse("{11223344-5566-7788-99AA-BBCCDDEEFF00}").unwrap();
    let t = FileTime::from_unix_secs(1_700_000_000);
    let v = vec![
        PropValue::I2(-12),
        PropValue::Long(-123_456),
        PropValue::R4(1.5),
        PropValue::Double(-2.25),
        PropValue::Currency(12_345_678),
        PropValue::AppTime(45_000.5),
        PropValue::Error(0x8004_010F),
        PropValue::Boolean(true),
        PropValue::I8(-9_000_000_000),
        PropValue::Unicode("Grüße, 世界".into()),
        PropValue::SysTime(t),
        PropValue::Clsid(guid),
        PropValue::Binary(vec![0, 1, 2, 0xFE, 0xFF]),
        PropValue::MvI2(vec![1, -2]),
        PropValue::MvLong(vec![7, -8, 9]),
        PropValue::MvR4(vec![0.5, 2.0]),
        PropValue::MvDouble(vec![0.25, -4.0]),
        PropValue::MvCurrency(vec![10_000, -20_000]),
        PropValue::MvAppTime(vec![1.0, 2.5]),
        PropValue::MvI8(vec![1 << 40, -5]),
        PropValue::MvUnicode(vec!["alpha".into(), "βeta".into()]),
        PropValue::MvSysTime(vec![t, FileTime::from_unix_secs(0)]),
        PropValue::MvClsid(vec![guid]),
        PropValue::MvBinary(vec![vec![1, 2, 3], vec![0xAB]]),
    ];
    v.into_iter()
        .enumerate()
        .map(|(i, v)| (PropTag::new(0x6600 + i as u16, v.prop_type()), v))
        .collect()
}

/// What extract_msg_dump prints for a value of ours, where the mapping is
/// exact: extract-msg reads integers as unsigned, strings stripped of NULs,
/// binary as hex, GUIDs in braces.
fn expected_json(v: &PropValue) -> Option<Value> {
    Some(match v {
        PropValue::I2(x) => Value::from(*x as u16),
        PropValue::Long(x) => Value::from(*x as u32),
        PropValue::I8(x) => Value::from(*x as u64),
        PropValue::Error(x) => Value::from(*x),
        PropValue::Boolean(b) => Value::Bool(*b),
        PropValue::R4(x) => Value::from(*x as f64),
        PropValue::Double(x) => Value::from(*x),
        PropValue::Unicode(s) => Value::from(s.clone()),
        PropValue::Binary(b) => Value::from(hex(b)),
        PropValue::MvLong(v) => Value::from(v.iter().map(|x| *x as u32).collect::<Vec<_>>()),
        PropValue::MvI2(v) => Value::from(v.iter().map(|x| *x as u16).collect::<Vec<_>>()),
        PropValue::MvI8(v) => Value::from(v.iter().map(|x| *x as u64).collect::<Vec<_>>()),
        PropValue::MvDouble(v) => Value::from(v.clone()),
        PropValue::MvUnicode(v) => Value::from(v.clone()),
        PropValue::MvBinary(v) => Value::from(v.iter().map(|b| hex(b)).collect::<Vec<_>>()),
        _ => return None,
    })
}

fn build(session: &Session, path: &Path, depth: u32) -> oxmsg::Result<()> {
    let mut msg = session.opener().create(path)?;
    fill(&msg, "Top level", depth)?;
    for (t, v) in every_type() {
        msg.set_value(t, v)?;
    }
    msg.set_sender("Ann Sender", "ann@example.com")?;
    msg.set(tags::CLIENT_SUBMIT_TIME, FileTime::from_unix_secs(1_700_000_000))?;
    msg.save_changes()
}

/// Subject, body, three recipients, two attachments and (depth > 0) an
/// embedded message holding the same, one level less.
fn fill(msg: &oxmsg::Message<'_, oxmsg::ReadWrite>, subject: &str, depth: u32) -> oxmsg::Result<()> {
    msg.set(tags::SUBJECT, subject)?;
    msg.set(tags::BODY, format!("Body of {subject}.\r\nSecond line."))?;
    msg.add_recipient(RecipientType::To, "Bob To", "bob@example.com")?;
    msg.add_recipient(RecipientType::Cc, "Cid Cc", "cid@example.com")?;
    msg.add_recipient(RecipientType::Bcc, "Dee Bcc", "dee@example.com")?;
    for (name, data) in [
        ("notes.txt", b"plain text data".to_vec()),
        ("image.bin", (0..=255u8).cycle().take(5000).collect()),
    ] {
        let att = msg.create_attachment()?;
        att.set(tags::ATTACH_LONG_FILENAME, format!("{subject} {name}"))?;
        att.set(tags::ATTACH_FILENAME, name)?;
        att.set(tags::DISPLAY_NAME, format!("{subject} {name}"))?;
        att.set(tags::ATTACH_MIME_TAG, "application/octet-stream")?;
        att.write_data(&mut &data[..])?;
        att.save_changes()?;
    }
    if depth > 0 {
        let att = msg.create_attachment()?;
        att.set(tags::DISPLAY_NAME, format!("Nested {depth}"))?;
        let mut inner = att.create_embedded()?;
        fill(&inner, &format!("Nested {depth}"), depth - 1)?;
        inner.save_changes()?;
        drop(inner);
        att.save_changes()?;
    }
    Ok(())
}

fn data_for(subject: &str, name: &str) -> Vec<u8> {
    let _ = subject;
    if name == "notes.txt" {
        b"plain text data".to_vec()
    } else {
        (0..=255u8).cycle().take(5000).collect()
    }
}

/// Checks one level of an extract-msg dump against what `fill` wrote.
fn check_extract_level(v: &Value, subject: &str, depth: u32) {
    assert_eq!(v["subject"], Value::from(subject));
    assert_eq!(
        v["body"].as_str().map(|s| s.replace("\r\n", "\n")),
        Some(format!("Body of {subject}.\nSecond line."))
    );
    let recips: Vec<(String, String, i64)> = v["recipients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap_or("").into(),
                r["email"].as_str().unwrap_or("").into(),
                r["type"].as_i64().unwrap_or(-1),
            )
        })
        .collect();
    assert_eq!(
        recips,
        vec![
            ("Bob To".into(), "bob@example.com".into(), 1),
            ("Cid Cc".into(), "cid@example.com".into(), 2),
            ("Dee Bcc".into(), "dee@example.com".into(), 3)
        ]
    );
    let atts = v["attachments"].as_array().unwrap();
    assert_eq!(atts.len(), if depth > 0 { 3 } else { 2 });
    for (a, name) in atts.iter().zip(["notes.txt", "image.bin"]) {
        assert_eq!(a["long_filename"], Value::from(format!("{subject} {name}")));
        assert_eq!(a["sha256"], Value::from(sha256_hex(&data_for(subject, name))));
        assert_eq!(a["is_embedded"], Value::Bool(false));
    }
    if depth > 0 {
        let nested = &atts[2];
        assert_eq!(nested["is_embedded"], Value::Bool(true));
        let inner = format!("Nested {depth}");
        assert_eq!(nested["nested_subject"], Value::from(inner.clone()));
        check_extract_level(&nested["nested"], &inner, depth - 1);
    }
}

#[test]
fn extract_msg_and_msgconvert_read_what_oxmsg_writes() {
    if !readers_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for unicode in [true, false] {
        // The ANSI file opts into lossy writing: 世界 is not in code page 1252
        // (without the option that is an error, tests/safety.rs).
        let session = Session::with_options(
            SessionOptions::default()
                .unicode(unicode)
                .open(oxmsg::OpenOptions::new().lossy_ansi(!unicode)),
        );
        let path = dir.path().join(if unicode { "unicode.msg" } else { "ansi.msg" });
        build(&session, &path, 3).unwrap();

        let v = extract_msg(&path);
        check_extract_level(&v, "Top level", 3);
        assert_eq!(v["sender_name"], Value::from("Ann Sender"));
        assert_eq!(v["sender_email"], Value::from("ann@example.com"));
        let props = &v["props"];
        for (tag, value) in every_type() {
            // An ANSI file stores strings as PT_STRING8.
            let tag = match (unicode, tag.prop_type()) {
                (false, oxmsg::PropType::UNICODE) => tag.with_type(oxmsg::PropType::STRING8),
                (false, oxmsg::PropType::MV_UNICODE) => tag.with_type(oxmsg::PropType::MV_STRING8),
                _ => tag,
            };
            let key = format!("0x{:08X}", tag.0);
            let got = &props[&key];
            assert!(
                !got.is_null(),
                "extract-msg lacks {key} ({value:?}) in the {} file",
                if unicode { "Unicode" } else { "ANSI" }
            );
            let value = match (&value, unicode) {
                (PropValue::Unicode(s), false) => PropValue::Unicode(
                    String8 {
                        bytes: s.bytes().collect(),
                        codepage: 1252,
                    }
                    .to_string_lossy(),
                ),
                _ => value,
            };
            if let (false, PropValue::Unicode(_) | PropValue::MvUnicode(_)) = (unicode, &value) {
                continue; // checked through raw_string8 below
            }
            if let Some(want) = expected_json(&value) {
                assert_eq!(got, &want, "{key}");
            }
        }
        if !unicode {
            // "Grüße" is encodable in 1252; 世界 is not and, written lossily, becomes "??".
            let raw = v["raw_string8"]["0x6609001E"].as_str().expect("PT_STRING8 stream");
            assert_eq!(raw, hex(&[b"Gr".as_slice(), &[0xFC, 0xDF], b"e, ??"].concat()));
        }
        let ft = &v["props_filetime"]["0x660A0040"];
        assert_eq!(ft, &Value::from(FileTime::from_unix_secs(1_700_000_000).0));

        let m = msgconvert(&path);
        assert_eq!(m["subject"], Value::from("Top level"));
        assert!(m["to"].to_string().contains("bob@example.com"), "{}", m["to"]);
        assert!(m["cc"].to_string().contains("cid@example.com"), "{}", m["cc"]);
        assert_eq!(
            m["body_text"]
                .as_str()
                .map(|s| s.replace("\r\n", "\n").trim_end().to_string()),
            Some("Body of Top level.\nSecond line.".to_string())
        );
        let names: Vec<&str> = m["attachments"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|a| a["filename"].as_str())
            .collect();
        assert!(names.contains(&"Top level notes.txt"), "{names:?}");
        let shas: Vec<&str> = m["attachments"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|a| a["sha256"].as_str())
            .collect();
        assert!(shas.contains(&sha256_hex(b"plain text data").as_str()));
        // The nested messages, as message/rfc822 parts, to depth 3.
        let mut level = &m;
        for d in (1..=3).rev() {
            let nested = level["nested"].as_array().expect("nested list");
            assert_eq!(nested.len(), 1, "one embedded message at depth {d}");
            assert_eq!(nested[0]["subject"], Value::from(format!("Nested {d}")));
            level = &nested[0];
        }
    }
}

#[test]
fn an_extracted_embedded_message_is_a_standalone_msg() {
    if !readers_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let session = Session::new();
    let path = dir.path().join("outer.msg");
    build(&session, &path, 2).unwrap();
    let msg = session.opener().path(&path).unwrap();
    let att = msg.open_attachment(2).unwrap();
    let inner = att.open_embedded().unwrap();
    let out = dir.path().join("inner.msg");
    inner.save_as(&out).unwrap();

    let v = extract_msg(&out);
    check_extract_level(&v, "Nested 2", 1);
    let m = msgconvert(&out);
    assert_eq!(m["subject"], Value::from("Nested 2"));

    // And oxmsg reads it as a top-level message with a 32-byte header.
    let cf = cfb::open(&out).unwrap();
    assert_eq!(cf.entry("/__properties_version1.0").unwrap().len() % 16, 0);
    assert!(cf.is_storage("/__nameid_version1.0"));
    let top = session.opener().path(&out).unwrap();
    assert!(!top.is_embedded());
    assert_eq!(top.get(tags::SUBJECT).unwrap().as_deref(), Some("Nested 2"));
}

#[test]
fn extract_msg_reads_named_properties_on_a_message_a_recipient_and_an_attachment() {
    use oxmsg::kind::{Long, Unicode};
    use oxmsg::named::{NamedTag, PSETID_COMMON, PS_PUBLIC_STRINGS};
    use oxmsg::{PropType, RecipientChange};
    if !readers_available() {
        return;
    }
    // String-named and numeric named properties (the LIDs are made up, in a
    // well-known set, so that no reader gives them meaning of its own).
    const PROJECT: NamedTag<Unicode> = NamedTag::string(PS_PUBLIC_STRINGS, "oxmsg-project");
    const SEQUENCE: NamedTag<Long> = NamedTag::id(PSETID_COMMON, 0x8F01);
    const REVIEWER: NamedTag<Unicode> = NamedTag::string(PS_PUBLIC_STRINGS, "oxmsg-reviewer");
    const PAGES: NamedTag<Long> = NamedTag::id(PSETID_COMMON, 0x8F02);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("named.msg");
    let session = Session::new();
    let mut m = session.opener().create(&path).unwrap();
    m.set(tags::SUBJECT, "Named").unwrap();
    m.set_named(PROJECT, "Apollo").unwrap();
    m.set_named(SEQUENCE, 7).unwrap();
    let reviewer = m.map_named(REVIEWER).unwrap();
    let seq = m.map_named(SEQUENCE).unwrap();
    m.modify_recipients([RecipientChange::Add(vec![
        (tags::DISPLAY_NAME.tag(), PropValue::Unicode("Bob".into())),
        (tags::SMTP_ADDRESS.tag(), PropValue::Unicode("bob@example.com".into())),
        (tags::RECIPIENT_TYPE.tag(), PropValue::Long(1)),
        (reviewer.prop_tag(), PropValue::Unicode("yes, Bob".into())),
        (seq.prop_tag(), PropValue::Long(3)),
    ])])
    .unwrap();
    let a = m.create_attachment().unwrap();
    a.set(tags::ATTACH_LONG_FILENAME, "spec.txt").unwrap();
    a.write_data(&mut &b"spec"[..]).unwrap();
    a.set_named(PAGES, 12).unwrap();
    a.set_named(PROJECT, "Apollo attachment").unwrap();
    a.save_changes().unwrap();
    drop(a);
    m.save_changes().unwrap();

    let v = extract_msg(&path);
    let key = |id: u16, t: PropType| format!("0x{:04X}{:04X}", id, t.0);
    let id = |t: oxmsg::NamedProp| {
        m.ids_from_names(&[t])
            .unwrap()
            .into_iter()
            .map(|i| i.id())
            .collect::<Vec<u16>>()[0]
    };
    // The names: extract-msg's map has every one, at the id oxmsg gave it.
    let named = v["named"].as_array().unwrap();
    for (name, want) in [
        (PROJECT.name(), "oxmsg-project"),
        (REVIEWER.name(), "oxmsg-reviewer"),
        (SEQUENCE.name(), "8F01"),
        (PAGES.name(), "8F02"),
    ] {
        let tag = format!("0x{:04X}", id(name.clone()));
        let e = named
            .iter()
            .find(|e| e["tag"].as_str() == Some(tag.as_str()))
            .unwrap_or_else(|| panic!("{tag} missing"));
        assert_eq!(
            e["name"].as_str().map(str::to_ascii_uppercase),
            Some(want.to_ascii_uppercase()),
            "{e}"
        );
        assert_eq!(
            e["guid"].as_str().map(str::to_ascii_uppercase),
            Some(name.guid.to_string()),
            "{e}"
        );
    }
    // The values, on each object.
    let msg_props = &v["props"];
    assert_eq!(
        msg_props[key(id(PROJECT.name()), PropType::UNICODE)],
        Value::from("Apollo")
    );
    assert_eq!(msg_props[key(id(SEQUENCE.name()), PropType::LONG)], Value::from(7));
    let r = &v["recipients"][0]["props"];
    assert_eq!(r[key(id(REVIEWER.name()), PropType::UNICODE)], Value::from("yes, Bob"));
    assert_eq!(r[key(id(SEQUENCE.name()), PropType::LONG)], Value::from(3));
    let a = &v["attachments"][0]["props"];
    assert_eq!(a[key(id(PAGES.name()), PropType::LONG)], Value::from(12));
    assert_eq!(
        a[key(id(PROJECT.name()), PropType::UNICODE)],
        Value::from("Apollo attachment")
    );
}

/// An HTML draft with an inline image, written by `Draft`: extract-msg reads
/// the same visible text from PR_HTML and from the RTF it de-encapsulates,
/// and msgconvert makes a text/html part with the image as a related part
/// carrying its content id.
#[test]
fn an_html_draft_with_an_inline_image_reads_the_same_in_extract_msg_and_msgconvert() {
    if !readers_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("draft.msg");
    let png: Vec<u8> = (0u8..=255).cycle().take(3000).collect();
    let html = "<html><body><p>Hello <b>Bob</b> &amp; caf\u{e9},</p><p>the chart:</p><img src=\"cid:chart-1@oxmsg\"><ul><li>one</li><li>two</li></ul></body></html>";
    let session = Session::new();
    oxmsg::Draft::new("Draft with a chart")
        .to("Bob Example", "bob@example.com")
        .html(html)
        .inline_image("chart-1@oxmsg", "chart.png", "image/png", png.clone())
        .save_as(&session, &path)
        .unwrap();

    let out = Command::new("python3")
        .arg(interop_dir().join("extract_msg_bodies.py"))
        .arg(&path)
        .output()
        .expect("run python3");
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON from extract_msg_bodies");
    assert!(v.get("error").is_none(), "{v}");
    let want = "Hello Bob & caf\u{e9}, the chart: one two";
    assert_eq!(v["html_stored"].as_str(), Some(want), "{v}");
    assert_eq!(v["html_from_rtf"].as_str(), Some(want), "{v}");
    assert_eq!(v["rtf_present"], Value::Bool(true));

    let m = msgconvert(&path);
    assert_eq!(m["subject"].as_str(), Some("Draft with a chart"), "{m}");
    assert_eq!(m["body_html"], Value::Bool(true), "{m}");
    let atts = m["attachments"].as_array().unwrap();
    let image = atts
        .iter()
        .find(|a| a["filename"].as_str() == Some("chart.png"))
        .unwrap_or_else(|| panic!("no image part: {m}"));
    assert_eq!(image["sha256"].as_str(), Some(sha256_hex(&png).as_str()));
    assert_eq!(image["content_type"].as_str(), Some("image/png"), "{m}");
    assert!(
        image["content_id"]
            .as_str()
            .is_some_and(|c| c.contains("chart-1@oxmsg")),
        "{m}"
    );
}

/// Five Outlook-written corpus mails with recipients and attachments (one
/// of them with an embedded message of its own).
const FORWARDED: [&str; 5] = [
    "bbottema__HTML_mail_with_replyto_and_attachment_and_embedded_image.msg",
    "sicos__HtmlSampleEmailWithAttachment.msg",
    "marirs__test_email_2.msg",
    "hiraoka__attachAndInline.msg",
    "sicos__EmailWithMsgAttachment.msg",
];

/// What examples/forward.rs does: a draft `FW: ` + the subject, the
/// original's importance and sensitivity copied, the original attached as
/// an embedded message.
fn forward(session: &Session, original: &Path, out: &Path) -> oxmsg::Result<()> {
    let orig = session.opener().path(original)?;
    let mut fw = session.opener().create(out)?;
    orig.copy_to(
        &fw,
        &oxmsg::CopyOptions::only([tags::IMPORTANCE.tag(), tags::SENSITIVITY.tag()]),
    )?;
    let subject = orig.get(tags::SUBJECT)?.unwrap_or_default();
    fw.set(tags::SUBJECT, format!("FW: {subject}").as_str())?;
    fw.set_body_text("See the attached message.")?;
    fw.mark_draft()?;
    drop(fw.attach_message(&orig)?);
    fw.save_changes()
}

/// (subject, recipient addresses, attachment hashes) as extract-msg sees a
/// message dump.
fn extract_view(v: &Value) -> (Value, Vec<Value>, Vec<Value>) {
    let emails = v["recipients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["email"].clone())
        .collect();
    let atts = v["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            if a["is_embedded"] == Value::Bool(true) {
                a["nested_subject"].clone()
            } else {
                a["sha256"].clone()
            }
        })
        .collect();
    (v["subject"].clone(), emails, atts)
}

/// (subject, To, Cc, attachment hashes) as msgconvert's MIME shows it.
fn mime_view(v: &Value) -> (Value, Value, Value, Vec<Value>) {
    let atts = v["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["sha256"].clone())
        .collect();
    (v["subject"].clone(), v["to"].clone(), v["cc"].clone(), atts)
}

#[test]
fn a_forward_made_as_examples_forward_does_carries_the_original_intact_for_both_readers() {
    let Some(corpus) = std::env::var_os("OXMSG_CORPUS").map(PathBuf::from) else {
        eprintln!("skipped: OXMSG_CORPUS not set");
        return;
    };
    if !readers_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for name in FORWARDED {
        let original = corpus.join("public").join(name);
        let out = dir.path().join(format!("fw-{name}"));
        forward(&Session::new(), &original, &out).unwrap_or_else(|e| panic!("{name}: {e}"));

        // extract-msg: one attachment, a message, equal to the original.
        let orig = extract_msg(&original);
        let fw = extract_msg(&out);
        let subject = orig["subject"].as_str().unwrap_or_default();
        assert_eq!(fw["subject"], Value::from(format!("FW: {subject}")), "{name}");
        let atts = fw["attachments"].as_array().unwrap();
        assert_eq!(atts.len(), 1, "{name}");
        assert_eq!(atts[0]["kind"], Value::from("MSG"), "{name}: not an embedded message");
        assert_eq!(atts[0]["attach_method"], Value::from(5), "{name}");
        let nested = &atts[0]["nested"];
        assert_eq!(extract_view(nested), extract_view(&orig), "{name}: extract-msg");
        assert!(!orig["recipients"].as_array().unwrap().is_empty(), "{name}");

        // msgconvert: the forward's one message/rfc822 part is the original.
        let orig = msgconvert(&original);
        let fw = msgconvert(&out);
        let parts = fw["nested"].as_array().unwrap();
        assert_eq!(parts.len(), 1, "{name}: {fw}");
        assert_eq!(mime_view(&parts[0]), mime_view(&orig), "{name}: msgconvert");
        assert!(
            !orig["attachments"].as_array().unwrap().is_empty() || !orig["nested"].as_array().unwrap().is_empty(),
            "{name}"
        );
    }
}

/// Why oxmsg does not write a property an Outlook-written mail has, or
/// `None` when it should write it. Keys are `0xIIII` for ids below 0x8000
/// and `{GUID} name` for named properties, as extract-msg names them.
fn why_not_written(key: &str, outlook_value: &Value) -> Option<&'static str> {
    if outlook_value == &Value::from("") {
        return Some("an empty string: MS-OXMSG 2.4.2.2 says writers must not write empty string streams");
    }
    if key.starts_with("{00062008-")
        || key.starts_with("{23239608-")
        || key.starts_with("{41F28F13-")
        || key.starts_with("{33EBA41F-")
        || key.starts_with("{00020329-")
    {
        return Some("Outlook's or Exchange's own bookkeeping as named properties (PSETID_Common reminders, side effects, version; Exchange classification and entity extraction): re-created by the client and service, not part of the mail");
    }
    if key.starts_with("{00020386-") {
        return Some("an Internet header promoted to a named property (PS_INTERNET_HEADERS) by the receiving server; oxmsg keeps the whole header block in PR_TRANSPORT_MESSAGE_HEADERS instead");
    }
    Some(match key {
        "0x0E06" => "PR_MESSAGE_DELIVERY_TIME on a draft: nothing was delivered; Outlook stores the time it saved the draft, and mark_received/mark_sent set it when it is true",
        "0x0FF4" | "0x0FF7" => "PR_ACCESS / PR_ACCESS_LEVEL: what the store lets the opener do, computed when the item is opened (the MAPI digest's computed-property table), not a property of the mail",
        "0x3FF1" => "PR_MESSAGE_LOCALE_ID: the locale of the machine that wrote it; oxmsg does not guess the caller's locale (it writes PR_INTERNET_CPID)",
        "0x3FFD" => "PR_MESSAGE_CODEPAGE: the code page of an ANSI file's strings; oxmsg writes Unicode files, where it has no use",
        "0x0FF6" | "0x0FF9" => "PR_INSTANCE_KEY / PR_RECORD_KEY of a recipient row: keys the address book or table gives a row when it is listed, computed by the reader's table",
        "0x0057" | "0x0058" | "0x0059" => "PR_MESSAGE_TO_ME / _CC_ME / _RECIP_ME: set by the store that delivered it, relative to its mailbox owner",
        "0x0C06" => "PR_NON_RECEIPT_NOTIFICATION_REQUESTED: the sender's request, absent (not requested) unless set",
        "0x0E05" | "0x0E23" | "0x3014" | "0x3016" | "0x65E2" | "0x65E3" | "0x3FFA" | "0x3FFB" | "0x5D0A" | "0x5D0B" => {
            "assigned by the Exchange store that held the item (folder, article number, change keys, last modifier): a .msg has no store"
        }
        "0x0E02" | "0x0E03" => "PR_DISPLAY_BCC / _CC: computed from the recipients; absent when there is none of that type",
        "0x0E2F" | "0x0E4C" | "0x0E59" | "0x0ECD" | "0x0F02" | "0x0F03" | "0x0F0A" | "0x1015" | "0x120B" | "0x1213"
        | "0x3677" | "0x4022" | "0x4023" | "0x4024" | "0x4025" | "0x4030" | "0x4031" | "0x4034" | "0x4035" | "0x4038"
        | "0x4039" | "0x405A" | "0x4084" | "0x5D16" => {
            "set by the Exchange server or transport that delivered the mail (transport and store internals, server-side copies of addresses); not in the MAPI digest, and a .msg writer has no server"
        }
        _ => return None,
    })
}

/// The properties of a message dump (top level or a recipient), keyed as
/// `why_not_written` takes them.
fn keyed(dump: &Value, props: &Value) -> std::collections::BTreeMap<String, Value> {
    let names: std::collections::HashMap<String, String> = dump["named"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["tag"].as_str().unwrap()[2..].to_ascii_uppercase(),
                format!("{} {}", n["guid"].as_str().unwrap(), n["name"]),
            )
        })
        .collect();
    props
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            let id = &k[2..6];
            let key = if u16::from_str_radix(id, 16).unwrap() >= 0x8000 {
                names.get(id).cloned().unwrap_or_else(|| format!("unnamed 0x{id}"))
            } else {
                format!("0x{id}")
            };
            (key, v.clone())
        })
        .collect()
}

fn compare_with_outlook(what: &str, outlook: &Path, ours: &Path) {
    let (a, b) = (extract_msg(outlook), extract_msg(ours));
    let mut rows = Vec::new();
    let mut unexplained = Vec::new();
    for (level, pa, pb) in [
        ("message", keyed(&a, &a["props"]), keyed(&b, &b["props"])),
        (
            "recipient",
            keyed(&a, &a["recipients"][0]["props"]),
            keyed(&b, &b["recipients"][0]["props"]),
        ),
    ] {
        for (k, v) in &pa {
            if pb.contains_key(k) {
                rows.push(format!("| {what} | {level} | {k} | written |"));
            } else {
                match why_not_written(k, v) {
                    Some(why) => rows.push(format!("| {what} | {level} | {k} | not written: {why} |")),
                    None => unexplained.push(format!("{level} {k} = {v}")),
                }
            }
        }
        for k in pb.keys().filter(|k| !pa.contains_key(*k)) {
            rows.push(format!("| {what} | {level} | {k} | written by oxmsg only |"));
        }
    }
    eprintln!("{}", rows.join("\n"));
    assert!(
        unexplained.is_empty(),
        "{what}: Outlook writes these and oxmsg neither writes them nor says why: {unexplained:#?}"
    );
}

#[test]
fn a_draft_and_a_received_mail_by_oxmsg_have_what_outlook_writes_or_a_reason() {
    let Some(corpus) = std::env::var_os("OXMSG_CORPUS").map(PathBuf::from) else {
        eprintln!("skipped: OXMSG_CORPUS not set");
        return;
    };
    if !readers_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let s = Session::new();
    // The draft of hiraoka__Subject.msg (an Outlook 15.0 draft: MSGFLAG_UNSENT,
    // three recipients), as a caller writes it with oxmsg.
    let draft = dir.path().join("draft.msg");
    oxmsg::Draft::new("Subject")
        .to("ToUser", "to@example.com")
        .cc("ToCc", "cc@example.com")
        .bcc("ToBcc", "bcc@example.com")
        .text("Message")
        .save_as(&s, &draft)
        .unwrap();
    compare_with_outlook("draft", &corpus.join("public/hiraoka__Subject.msg"), &draft);

    // The received mail of lolo101__2_test.msg (delivered by Exchange Online,
    // read: MSGFLAG_READ | MSGFLAG_HASATTACH).
    let received = dir.path().join("received.msg");
    {
        let mut m = oxmsg::Draft::new("test")
            .to("guilingjun@outlook.com", "guilingjun@outlook.com")
            .html("<p>hello</p>")
            .attach("a.txt", "text/plain", b"attached".to_vec())
            .create(&s)
            .unwrap();
        m.set_sender("Gui Lingjun", "guilingjun@outlook.com").unwrap();
        m.set_received_by("guilingjun@outlook.com", "guilingjun@outlook.com")
            .unwrap();
        m.set(tags::INTERNET_MESSAGE_ID, "<1@example.com>").unwrap();
        m.set(tags::TRANSPORT_MESSAGE_HEADERS, "From: guilingjun@outlook.com\r\n")
            .unwrap();
        m.mark_received(FileTime::from_unix_secs(1_656_291_065), true).unwrap();
        m.save_changes().unwrap();
        m.save_as(&received).unwrap();
    }
    compare_with_outlook("received", &corpus.join("public/lolo101__2_test.msg"), &received);
}

#[test]
fn msgconvert_shows_a_stale_header_block_which_the_save_warns_about() {
    if !readers_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("received.msg");
    let s = Session::new();
    {
        let mut m = s.opener().create(&path).unwrap();
        m.set(tags::SUBJECT, "Original subject").unwrap();
        m.set_sender("Ann", "ann@example.com").unwrap();
        m.add_recipient(RecipientType::To, "Bob", "bob@example.com").unwrap();
        m.set_body_text("Hello").unwrap();
        m.set(
            tags::TRANSPORT_MESSAGE_HEADERS,
            "From: Ann <ann@example.com>\r\nTo: Bob <bob@example.com>\r\nSubject: Original subject\r\n\
             Date: Tue, 14 Nov 2023 22:13:20 +0000\r\nMessage-ID: <1@example.com>\r\n\r\n",
        )
        .unwrap();
        m.mark_received(FileTime::from_unix_secs(1_700_000_000), true).unwrap();
        m.save_changes().unwrap();
    }
    assert_eq!(msgconvert(&path)["subject"], Value::from("Original subject"));
    {
        let mut m = s.opener().read_write().path(&path).unwrap();
        m.set(tags::SUBJECT, "New subject").unwrap();
        let w = m.save_with_warnings().unwrap();
        assert_eq!(w.len(), 1, "{w:?}");
    }
    // What the warning is about: msgconvert takes the header block over the
    // properties, so it still shows the old subject.
    assert_eq!(msgconvert(&path)["subject"], Value::from("Original subject"));
    assert_eq!(extract_msg(&path)["subject"], Value::from("New subject"));
    {
        let mut m = s.opener().read_write().path(&path).unwrap();
        m.delete(tags::TRANSPORT_MESSAGE_HEADERS).unwrap();
        assert!(m.save_with_warnings().unwrap().is_empty());
    }
    assert_eq!(msgconvert(&path)["subject"], Value::from("New subject"));
}
