//! `Session::open_eml` on damaged and hostile MIME: a message with the
//! damage reported, or an error, never a panic or unbounded memory; and the
//! report and header guarantees on small hand-written messages.

use oxmsg::{tags, LossKind, Session};

fn convert(eml: &[u8]) -> oxmsg::Result<(Vec<u8>, oxmsg::ConversionReport)> {
    let session = Session::new();
    let (msg, report) = session.open_eml(eml)?;
    let bytes = msg.to_bytes()?;
    // What was made saves, and converts back.
    let mut back = Vec::new();
    msg.to_eml(&mut back)?;
    assert!(!bytes.is_empty());
    Ok((back, report))
}

#[test]
fn ten_thousand_nested_multiparts_convert_without_a_panic() {
    let mut eml = String::from("From: a@example.com\r\nSubject: deep\r\nMIME-Version: 1.0\r\n");
    for i in 0..10_000 {
        eml.push_str(&format!(
            "Content-Type: multipart/mixed; boundary=\"b{i}\"\r\n\r\n--b{i}\r\n"
        ));
    }
    eml.push_str("Content-Type: text/plain\r\n\r\ninnermost\r\n");
    let (back, _) = convert(eml.as_bytes()).expect("a message");
    assert!(String::from_utf8_lossy(&back).contains("Subject: deep"));
}

#[test]
fn ten_thousand_nested_messages_stop_at_the_depth_limit() {
    let mut eml = String::new();
    for _ in 0..10_000 {
        eml.push_str("From: a@example.com\r\nSubject: level\r\nContent-Type: message/rfc822\r\n\r\n");
    }
    eml.push_str("From: a@example.com\r\nSubject: bottom\r\n\r\nbody\r\n");
    match convert(eml.as_bytes()) {
        Err(oxmsg::Error::LimitExceeded { limit, .. }) => assert_eq!(limit, "MAX_MESSAGE_PARTS"),
        other => panic!("{:?}", other.map(|(_, r)| r)),
    }
    // Within the limit: a message (mail-parser stops nesting where it cannot
    // follow; anything beyond the session's depth would be reported).
    let mut eml = String::new();
    for _ in 0..500 {
        eml.push_str("From: a@example.com\r\nSubject: level\r\nContent-Type: message/rfc822\r\n\r\n");
    }
    eml.push_str("From: a@example.com\r\nSubject: bottom\r\n\r\nbody\r\n");
    let (_, report) = convert(eml.as_bytes()).expect("a message");
    assert!(report.of_kind(LossKind::TooDeep).count() <= 1, "{report}");
}

#[test]
fn an_unterminated_boundary_keeps_what_is_there() {
    let eml = b"From: a@example.com\r\nSubject: open\r\nContent-Type: multipart/mixed; boundary=\"x\"\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nthe text\r\n--x\r\nContent-Type: application/pdf; name=\"a.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n";
    let session = Session::new();
    let (msg, _) = session.open_eml(&eml[..]).unwrap();
    assert_eq!(msg.body_text().unwrap().as_deref().map(str::trim), Some("the text"));
    let att = msg.open_attachment(0).unwrap();
    assert_eq!(att.filename().unwrap().as_deref(), Some("a.pdf"));
    // mail-parser gives an unterminated last part undecoded.
    assert!(att.size().unwrap().is_some_and(|n| n > 0));
}

#[test]
fn an_absurd_header_length_is_read() {
    let long = "x".repeat(8 << 20);
    let eml = format!("From: a@example.com\r\nSubject: {long}\r\nX-Long: {long}\r\n\r\nbody\r\n");
    let (back, _) = convert(eml.as_bytes()).expect("a message");
    assert!(back.len() > 8 << 20);
}

#[test]
fn bytes_without_a_header_are_an_error() {
    let session = Session::new();
    for bad in [&b""[..], b"\r\n\r\n", b"   \r\n"] {
        match session.open_eml(bad) {
            Err(oxmsg::Error::CorruptData { detail, .. }) => assert!(detail.contains("header"), "{detail}"),
            Err(e) => panic!("{e}"),
            Ok(_) => panic!("{bad:?} gave a message"),
        }
    }
}

#[test]
fn an_unknown_charset_is_reported() {
    let eml =
        b"From: a@example.com\r\nSubject: cs\r\nContent-Type: text/plain; charset=x-no-such-charset\r\n\r\nhello\r\n";
    let session = Session::new();
    let (msg, report) = session.open_eml(&eml[..]).unwrap();
    assert_eq!(report.of_kind(LossKind::UnknownCharset).count(), 1, "{report}");
    assert!(report.to_string().contains("x-no-such-charset"));
    assert_eq!(report.to_string().lines().count(), report.losses.len());
    assert_eq!(msg.body_text().unwrap().as_deref().map(str::trim), Some("hello"));
}

#[test]
fn eml_msg_eml_keeps_every_header_in_order() {
    let head = "Received: from a by b; Tue, 1 Dec 2026 10:00:01 +0000\r\nReceived: from c by a; Tue, 1 Dec 2026 10:00:00 +0000\r\nDKIM-Signature: v=1; a=rsa-sha256; d=example.com;\r\n\tb=abc\r\nFrom: =?utf-8?q?Zo=C3=AB?= <zoe@example.com>\r\nTo: bob@example.com\r\nSubject: hi\r\nX-Custom: 1\r\n";
    let eml = format!("{head}MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nbody\r\n");
    let (back, report) = convert(eml.as_bytes()).unwrap();
    assert!(report.is_empty(), "{report}");
    assert!(String::from_utf8_lossy(&back).starts_with(head));
}

#[test]
fn a_msg_without_smtp_sender_reports_it() {
    let session = Session::new();
    let msg = session.opener().create_in_memory().unwrap();
    msg.set(tags::MESSAGE_FLAGS, 1).unwrap();
    msg.set(tags::SENDER_NAME, "Ann").unwrap();
    msg.set(tags::SENDER_ADDRTYPE, "EX").unwrap();
    msg.set(tags::SENDER_EMAIL_ADDRESS, "/O=EXAMPLE/CN=ANN").unwrap();
    let mut eml = Vec::new();
    let report = msg.to_eml(&mut eml).unwrap();
    assert_eq!(report.of_kind(LossKind::NoSmtpAddress).count(), 1, "{report}");
    assert!(!String::from_utf8_lossy(&eml).contains("From:"));
}

#[test]
fn reply_to_goes_both_ways() {
    let eml =
        b"From: a@example.com\r\nReply-To: \"List, The\" <list@example.com>, b@example.com\r\nSubject: r\r\n\r\nx\r\n";
    let session = Session::new();
    let (msg, _) = session.open_eml(&eml[..]).unwrap();
    assert_eq!(
        msg.get(tags::REPLY_RECIPIENT_NAMES).unwrap().as_deref(),
        Some("List, The; b@example.com")
    );
    // Built from properties (no kept headers), the header comes back.
    msg.delete(tags::TRANSPORT_MESSAGE_HEADERS).unwrap();
    let mut out = Vec::new();
    msg.to_eml(&mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains("Reply-To: \"List, The\" <list@example.com>, <b@example.com>\r\n")
            || text.contains("Reply-To: \"List, The\" <list@example.com>, b@example.com\r\n"),
        "{text}"
    );
}

#[test]
fn an_unresolved_recipient_typed_as_an_address_is_written() {
    let session = Session::new();
    let msg = session.opener().create_in_memory().unwrap();
    msg.modify_recipients([oxmsg::RecipientChange::Add(vec![
        (
            tags::DISPLAY_NAME.tag(),
            oxmsg::PropValue::Unicode("typed@example.com".into()),
        ),
        (tags::RECIPIENT_TYPE.tag(), oxmsg::PropValue::Long(1)),
    ])])
    .unwrap();
    let mut out = Vec::new();
    let report = msg.to_eml(&mut out).unwrap();
    assert!(String::from_utf8(out).unwrap().contains("To: <typed@example.com>\r\n"));
    assert_eq!(report.of_kind(LossKind::NoSmtpAddress).count(), 0, "{report}");
}

#[test]
fn empty_or_broken_message_parts_give_a_message() {
    // Found by the open_eml fuzz target: a nested message mail-parser
    // could not read, whose part list is empty.
    for inner in ["", "\r\n", "--\r\n", "x"] {
        let eml = format!(
            "From: a@example.com\r\nSubject: outer\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nt\r\n--b\r\nContent-Type: message/rfc822\r\n\r\n{inner}\r\n--b--\r\n"
        );
        let (back, _) = convert(eml.as_bytes()).expect("a message");
        assert!(String::from_utf8_lossy(&back).contains("Subject: outer"));
    }
}

/// The attachment data of the one by-value attachment named `name`.
fn attachment_data<A: oxmsg::Access>(msg: &oxmsg::Message<'_, A>, name: &str) -> Vec<u8> {
    let att = msg
        .attachments()
        .unwrap()
        .into_iter()
        .find(|a| a.filename().unwrap().as_deref() == Some(name))
        .unwrap_or_else(|| panic!("no attachment {name}"));
    let mut data = Vec::new();
    std::io::Read::read_to_end(&mut att.data().unwrap(), &mut data).unwrap();
    data
}

#[test]
fn quoted_printable_attachments_decode_as_rfc_2045_says() {
    // The shape of flanker's torture test: a non-text part in
    // quoted-printable with a hard line break (RFC 2045 6.7 rule 4: it
    // stands for CR LF) and a soft line break right before the boundary
    // (the last octet before it is data).
    for eol in ["\n", "\r\n"] {
        let eml = "From: a@example.com\nSubject: qp\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nsee the image\n--b\nContent-Type: image/gif; name=i.gif\nContent-Transfer-Encoding: quoted-printable\n\nGIF=01=02\n=03;=\n--b\nContent-Type: application/octet-stream; name=t.bin\nContent-Transfer-Encoding: quoted-printable\n\nend =\n--b--\n"
            .replace('\n', eol);
        let session = Session::new();
        let (msg, report) = session.open_eml(eml.as_bytes()).unwrap();
        assert!(report.is_empty(), "{report}");
        assert_eq!(attachment_data(&msg, "i.gif"), b"GIF\x01\x02\r\n\x03;", "{eol:?}");
        assert_eq!(attachment_data(&msg, "t.bin"), b"end ", "{eol:?}");
    }
}

#[test]
fn an_html_body_with_bare_equals_in_its_quoted_printable_is_the_html_body() {
    // The shape of stalwart's thirdparty/019 (Thunderbird): the HTML of a
    // multipart/related inside a multipart/alternative, quoted-printable with
    // `=` signs left unencoded. mail-parser sets it aside as an attachment;
    // the MIME structure says it is the HTML body (RFC 2046 5.1.4, RFC 2387),
    // and RFC 2045 6.7 note 2 says to keep such an `=` as written.
    let eml = b"From: a@example.com\nTo: b@example.com\nSubject: qp html\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"m\"\n\n--m\nContent-Type: multipart/alternative; boundary=\"a\"\n\n--a\nContent-Type: text/plain; charset=windows-1252\nContent-Transfer-Encoding: quoted-printable\n\nSearch for h=E4h=E4\n\n--a\nContent-Type: multipart/related; boundary=\"r\"\n\n--r\nContent-Type: text/html; charset=windows-1252\nContent-Transfer-Encoding: quoted-printable\n\n<html><body text=\"#000000\">\n<p>Search for h=F6h=F6</p><img src=\"cid:img@x\" alt=\"\">\n</body></html>\n\n--r\nContent-Type: image/png; name=\"i.png\"\nContent-Transfer-Encoding: base64\nContent-ID: <img@x>\nContent-Disposition: inline; filename=\"i.png\"\n\niVBORw0KGgo=\n--r--\n\n--a--\n\n--m\nContent-Type: image/png; name=\"attach2.png\"\nContent-Transfer-Encoding: base64\nContent-Disposition: attachment; filename=\"attach2.png\"\n\niVBORw0KGgo=\n--m--\n";
    let session = Session::new();
    let (msg, report) = session.open_eml(&eml[..]).unwrap();
    let html = "<html><body text=\"#000000\">\n<p>Search for h\u{f6}h\u{f6}</p><img src=\"cid:img@x\" alt=\"\">\n</body></html>\n";
    assert_eq!(msg.body_html().unwrap().as_deref(), Some(html));
    // PR_HTML holds the part's own octets (windows-1252), decoded.
    assert_eq!(
        msg.get(tags::HTML).unwrap().as_deref(),
        Some(&encoding_rs::WINDOWS_1252.encode(html).0[..])
    );
    assert_eq!(msg.get(tags::INTERNET_CPID).unwrap(), Some(1252));
    assert_eq!(
        msg.body_text().unwrap().as_deref().map(str::trim),
        Some("Search for h\u{e4}h\u{e4}")
    );
    // The two images, the one the HTML shows hidden; no text/html attachment.
    let atts = msg.attachments().unwrap();
    let names: Vec<_> = atts.iter().map(|a| a.filename().unwrap()).collect();
    assert_eq!(names, [Some("i.png".to_string()), Some("attach2.png".to_string())]);
    assert!(atts[0].is_hidden().unwrap() && !atts[1].is_hidden().unwrap());
    // The damage is reported once, for what it is.
    let damage: Vec<_> = report.of_kind(LossKind::MalformedMime).collect();
    assert_eq!(damage.len(), 1, "{report}");
    assert!(damage[0].detail.contains("quoted-printable"), "{report}");

    // The same for a text/plain body in multipart/mixed.
    let eml = b"From: a@example.com\nSubject: qp text\nContent-Type: multipart/mixed; boundary=\"m\"\n\n--m\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\na=b c=C3=A9\n--m\nContent-Type: application/pdf; name=\"a.pdf\"\nContent-Transfer-Encoding: base64\n\nJVBERi0=\n--m--\n";
    let (msg, _) = session.open_eml(&eml[..]).unwrap();
    assert_eq!(msg.body_text().unwrap().as_deref(), Some("a=b c\u{e9}"));
    let names: Vec<_> = msg
        .attachments()
        .unwrap()
        .iter()
        .map(|a| a.filename().unwrap())
        .collect();
    assert_eq!(names, [Some("a.pdf".to_string())]);
}

/// What a reader of the report expects to see for a named property: its
/// property set's name (else its GUID), its LID or quoted string name, and
/// its MS-OXPROPS name when there is one. Built from the message's own
/// name map (`named_props`), not from the report.
fn named_labels<A: oxmsg::Access>(m: &oxmsg::Message<'_, A>) -> Vec<String> {
    use oxmsg::prop::names::{named_prop_name, property_set_name};
    let present: Vec<u16> = m.prop_list().unwrap().iter().map(|t| t.id()).collect();
    m.named_props()
        .unwrap()
        .into_iter()
        .filter(|(id, n)| present.contains(id) && !n.is_internet_header() && !n.matches(&oxmsg::named::KEYWORDS.name()))
        .map(|(_, n)| {
            let set = property_set_name(&n.guid).map_or_else(|| n.guid.to_string(), str::to_string);
            match named_prop_name(&n.guid, &n.name) {
                Some(known) => format!("{set}:{} ({known})", n.name),
                None => format!("{set}:{}", n.name),
            }
        })
        .collect()
}

#[test]
fn named_properties_without_a_header_are_one_loss_per_message_naming_them() {
    use oxmsg::named::{self, NamedProp, PS_PUBLIC_STRINGS};
    let session = Session::new();
    let msg = session.opener().create_in_memory().unwrap();
    msg.set(tags::SUBJECT, "named").unwrap();
    msg.set_named(named::REMINDER_SET, true).unwrap();
    msg.set_named(named::INTERNET_ACCOUNT_NAME, "work").unwrap();
    for i in 0..13 {
        let name = NamedProp::string(PS_PUBLIC_STRINGS, format!("x-custom-{i:02}"));
        msg.set_named_value(&name, oxmsg::PropValue::Long(i)).unwrap();
    }
    // Carried by headers (Keywords, X-Mailer): not losses.
    msg.set_named(named::KEYWORDS, vec!["Blue".to_string()]).unwrap();
    msg.set_named(named::X_MAILER, "test").unwrap();
    let att = msg.create_attachment().unwrap();
    {
        let mut inner = att.create_embedded().unwrap();
        inner.set(tags::SUBJECT, "inner").unwrap();
        inner.set_named(named::LOCATION, "Room 1").unwrap();
        inner.save_changes().unwrap();
    }
    att.save_changes().unwrap();
    drop(att);

    let report = msg.to_eml(std::io::sink()).unwrap();
    let losses: Vec<_> = report.of_kind(LossKind::NamedProperty).collect();
    assert_eq!(losses.len(), 2, "one per message:\n{report}");

    // The message: 15 names, the first 8 listed, then how many more.
    let labels = named_labels(&msg);
    assert_eq!(labels.len(), 15, "{labels:?}");
    assert!(labels.contains(&"PSETID_Common:0x8503 (PidLidReminderSet)".to_string()));
    assert!(labels.contains(&"PS_PUBLIC_STRINGS:\"x-custom-00\"".to_string()));
    let (location, detail) = (&losses[0].location, &losses[0].detail);
    assert_eq!(location, "message");
    let listed = detail
        .strip_prefix("15 named properties have no MIME header: ")
        .and_then(|d| d.strip_suffix(", and 7 more"))
        .unwrap_or_else(|| panic!("{detail}"));
    let listed: Vec<&str> = listed.split(", ").collect();
    assert_eq!(listed.len(), 8, "{detail}");
    assert!(listed.iter().all(|l| labels.iter().any(|x| x == l)), "{detail}");

    // The embedded message: its one name, in full.
    let att = msg.open_attachment(0).unwrap();
    let inner = att.open_embedded().unwrap();
    assert_eq!(named_labels(&inner), ["PSETID_Appointment:0x8208 (PidLidLocation)"]);
    assert_eq!(losses[1].location, "attachment 0/embedded/message");
    assert_eq!(
        losses[1].detail,
        "1 named property has no MIME header: PSETID_Appointment:0x8208 (PidLidLocation)"
    );
    // One line per loss.
    assert_eq!(report.to_string().lines().count(), report.losses.len());
}
