//! The bodies through the message API (`body_rtf`, `body_html`,
//! `body_text`, `body`) on every corpus file, against what the independent
//! reader recorded in `$OXMSG_CORPUS/expected-bodies/` (see its README).

use std::path::PathBuf;

use oxmsg::{Body, Session};
use sha2::{Digest, Sha256};

fn fold(s: &str) -> String {
    s.split(char::is_whitespace)
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn bodies_through_the_message_api_agree_with_the_independent_reader() {
    let Some(corpus) = std::env::var_os("OXMSG_CORPUS").map(PathBuf::from) else {
        eprintln!("bodies_api: OXMSG_CORPUS is not set; test skipped");
        return;
    };
    let mut files = 0;
    let mut rtf_checked = 0;
    let mut text_checked = 0;
    let mut problems = Vec::new();
    let mut kinds = std::collections::BTreeMap::new();
    let mut entries: Vec<_> = std::fs::read_dir(corpus.join("expected-bodies"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    entries.sort();
    for exp_path in entries {
        let name = exp_path.file_stem().unwrap().to_string_lossy().to_string();
        let msg_path = corpus.join("public").join(format!("{name}.msg"));
        let exp: serde_json::Value = serde_json::from_slice(&std::fs::read(&exp_path).unwrap()).unwrap();
        let session = Session::new();
        let Ok(msg) = session.opener().path(&msg_path) else {
            continue;
        };
        files += 1;
        // The decompressed RTF, byte for byte.
        match (msg.body_rtf(), exp["rtf_sha256"].as_str()) {
            (Ok(Some(rtf)), Some(want)) => {
                rtf_checked += 1;
                let got = format!("{:x}", Sha256::digest(&rtf));
                if got != want {
                    problems.push(format!("{name}: RTF sha256 {got} != {want}"));
                }
            }
            (Ok(None), Some(_)) => problems.push(format!("{name}: no RTF, the reader had one")),
            (Err(e), Some(_)) => problems.push(format!("{name}: body_rtf: {e}")),
            _ => {}
        }
        // PR_BODY as text, where the reader decoded it as Unicode.
        if exp["body_type"].as_str() == Some("0x001F") {
            if let Some(want) = exp["body_text_folded"].as_str() {
                text_checked += 1;
                match msg.body_text() {
                    Ok(Some(t)) if fold(&t) == want => {}
                    other => problems.push(format!(
                        "{name}: body_text differs: {:?}",
                        other.map(|t| t.map(|t| fold(&t).chars().take(60).collect::<String>()))
                    )),
                }
            }
        }
        // The best body never fails on a readable file, and its kind follows
        // what is stored.
        match msg.body() {
            Ok(b) => {
                let kind = b.as_ref().map(Body::kind).unwrap_or("none");
                *kinds.entry(kind).or_insert(0) += 1;
                if exp["rtf_present"] == serde_json::Value::Bool(false)
                    && exp["html_present"] == serde_json::Value::Bool(false)
                    && matches!(b, Some(Body::Rtf(_)) | Some(Body::Html(_)))
                {
                    problems.push(format!("{name}: body() is {kind} without RTF or HTML"));
                }
            }
            Err(e) => problems.push(format!("{name}: body(): {e}")),
        }
        if let Err(e) = msg.body_html() {
            problems.push(format!("{name}: body_html: {e}"));
        }
    }
    eprintln!(
        "bodies_api: {files} files; RTF checked {rtf_checked}; PR_BODY text checked {text_checked}; best body kinds {kinds:?}"
    );
    for p in &problems {
        eprintln!("  {p}");
    }
    assert!(files > 100, "the corpus should have over 100 readable files");
    assert!(problems.is_empty(), "{} problems", problems.len());
}

#[test]
fn the_best_body_follows_ms_oxbbody() {
    use oxmsg::{body, tags, Error};
    let s = Session::new();
    let html = "<html><body><p>Hello <b>world</b></p></body></html>";
    let rtf = body::compress(&body::rtf_from_html(html));

    // Only text.
    let m = s.opener().create_in_memory().unwrap();
    m.set(tags::BODY, "plain").unwrap();
    assert_eq!(m.body().unwrap(), Some(Body::Text("plain".into())));
    assert_eq!(m.body_html().unwrap(), None);

    // RTF in sync wins, and its encapsulated HTML is the body.
    m.set(tags::RTF_COMPRESSED, rtf.clone()).unwrap();
    m.set(tags::RTF_IN_SYNC, true).unwrap();
    assert_eq!(m.body().unwrap(), Some(Body::Html(html.into())));
    assert_eq!(m.body_text().unwrap().as_deref(), Some("plain"));
    // Not in sync: the text is the best body (no PR_HTML).
    m.set(tags::RTF_IN_SYNC, false).unwrap();
    assert_eq!(m.body().unwrap(), Some(Body::Text("plain".into())));
    // PR_NATIVE_BODY_INFO decides when set.
    m.set(tags::NATIVE_BODY_INFO, 2).unwrap();
    assert_eq!(m.body().unwrap(), Some(Body::Html(html.into())));

    // PR_HTML in PR_INTERNET_CPID.
    let m = s.opener().create_in_memory().unwrap();
    let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode("<p>Отчёт</p>");
    m.set(tags::HTML, bytes.to_vec()).unwrap();
    m.set(tags::INTERNET_CPID, 1251).unwrap();
    assert_eq!(m.body().unwrap(), Some(Body::Html("<p>Отчёт</p>".into())));
    assert_eq!(m.body_text().unwrap().as_deref().map(str::trim), Some("Отчёт"));
    // Without PR_INTERNET_CPID, the <meta> charset decides.
    let m = s.opener().create_in_memory().unwrap();
    let (bytes, _, _) =
        encoding_rs::WINDOWS_1251.encode("<html><head><meta charset=\"windows-1251\"></head><body>Отчёт</body></html>");
    m.set(tags::HTML, bytes.to_vec()).unwrap();
    assert!(m.body_html().unwrap().unwrap().contains("Отчёт"));

    // A damaged RTF stream is an error naming the stream; an oversized one
    // is the limit, before anything is allocated.
    let m = s.opener().create_in_memory().unwrap();
    let mut bad = rtf.clone();
    let last = bad.len() - 1;
    bad[last] ^= 0xFF;
    m.set(tags::RTF_COMPRESSED, bad).unwrap();
    assert!(matches!(m.body_rtf(), Err(Error::CorruptData { path, .. }) if path.contains("10090102")));
    let mut huge = rtf.clone();
    huge[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
    m.set(tags::RTF_COMPRESSED, huge).unwrap();
    assert!(matches!(
        m.body_rtf(),
        Err(Error::LimitExceeded {
            limit: "max_rtf_bytes",
            ..
        })
    ));
}

#[test]
fn setting_a_body_replaces_every_stale_form() {
    use oxmsg::{tags, PropTag, PropType};
    let s = Session::new();
    let m = s.opener().create_in_memory().unwrap();
    m.set_body_html("<p>first <i>draft</i></p>").unwrap();
    // A stale RTF sync counter from an older body.
    m.set_value(PropTag::new(0x1006, PropType::LONG), oxmsg::PropValue::Long(7))
        .unwrap();
    let bytes = m.to_bytes().unwrap();
    let mut m = s.opener().read_write().reader(std::io::Cursor::new(bytes)).unwrap();
    m.set_body_text("second, plain").unwrap();
    m.save_changes().unwrap();
    let back: std::io::Cursor<Vec<u8>> = m.into_inner().unwrap();
    let r = s.opener().reader(std::io::Cursor::new(back.into_inner())).unwrap();
    assert_eq!(r.body().unwrap(), Some(Body::Text("second, plain".into())));
    assert_eq!(r.get(tags::HTML).unwrap(), None, "the old HTML is gone");
    assert_eq!(r.get_value(PropTag::new(0x1006, PropType::LONG)).unwrap(), None);
    assert_eq!(r.get(tags::RTF_IN_SYNC).unwrap(), Some(true));
    assert_eq!(r.get(tags::NATIVE_BODY_INFO).unwrap(), Some(1));
    // The RTF holds the new text, encapsulated.
    let rtf = r.body_rtf().unwrap().unwrap();
    assert_eq!(oxmsg::body::rtf_kind(&rtf), oxmsg::body::RtfKind::Text);
    assert_eq!(
        oxmsg::body::text_from_rtf(&rtf).unwrap().as_deref(),
        Some("second, plain")
    );
}

#[test]
fn html_body_in_every_form_and_inline_images() {
    use oxmsg::{tags, Draft, InlineImages};
    let s = Session::new();
    let png = vec![0x89, b'P', b'N', b'G', 1, 2, 3];
    let html = "<p>Chart:</p><img src=\"cid:c1@x\"><img src=\"CID:c1@x\"><img src=\"cid:c1@xy\">";
    let d = Draft::new("Report")
        .to("Ann", "ann@example.com")
        .cc("Cy", "cy@example.com")
        .html(html)
        .inline_image("c1@x", "chart.png", "image/png", png.clone())
        .attach("data.csv", "text/csv", b"a,b\n".to_vec())
        .create(&s)
        .unwrap();
    // What a draft carries.
    assert_eq!(d.get(tags::MESSAGE_FLAGS).unwrap(), Some(0x9 | 0x10));
    assert_eq!(d.get(tags::HTML).unwrap().as_deref(), Some(html.as_bytes()));
    assert_eq!(d.get(tags::INTERNET_CPID).unwrap(), Some(65001));
    assert_eq!(d.get(tags::NATIVE_BODY_INFO).unwrap(), Some(3));
    assert!(d.get(tags::CREATION_TIME).unwrap().is_some());
    assert_eq!(d.get(tags::DISPLAY_TO).unwrap().as_deref(), Some("Ann"));
    let r = &d.recipients().unwrap()[0];
    assert_eq!(r.email().as_deref(), Some("ann@example.com"));
    assert!(r.get(tags::ENTRYID).is_some() && r.get(tags::RECIPIENT_ENTRYID).is_some());
    let img = d.open_attachment(0).unwrap();
    assert_eq!(img.content_id().unwrap().as_deref(), Some("c1@x"));
    assert!(img.is_hidden().unwrap() && img.is_inline().unwrap());
    assert!(!d.open_attachment(1).unwrap().is_hidden().unwrap());
    drop(img);
    // Data URIs: both references to c1@x, not the one to c1@xy.
    let shown = d.body_html_with_inline_images(&InlineImages::DataUri).unwrap().unwrap();
    assert_eq!(
        shown.matches("data:image/png;base64,iVBORwECAw==").count(),
        2,
        "{shown}"
    );
    assert!(shown.contains("cid:c1@xy"));
    // File names, as save_attachments_to_dir wrote them.
    let dir = tempfile::tempdir().unwrap();
    let written = d.save_attachments_to_dir(dir.path()).unwrap();
    let shown = d
        .body_html_with_inline_images(&InlineImages::Files(written))
        .unwrap()
        .unwrap();
    assert!(shown.contains("src=\"chart.png\""), "{shown}");
}
