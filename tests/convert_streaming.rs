//! `Session::open_eml` on .eml files whose base64 attachments are above the
//! 1 MiB threshold past which their base64 lines are set aside in a
//! temporary file and decoded from there (issue 10: a big attachment is not
//! held in memory). The bytes must be what mail-parser decodes from the
//! same input, the signed entity of a multipart/signed message must stay
//! byte for byte, and a body sent base64 (read as before, the whole input
//! in memory) must be read.
//!
//! The unit tests `convert::from_eml_streaming_tests` compare the two ways
//! (runs set aside, nothing set aside) property for property; the peak
//! memory of a 200 MiB attachment is measured by hand (ARCHITECTURE.md).

use std::io::Read;

use oxmsg::{tags, Session};
use sha2::{Digest, Sha256};

fn data(n: usize, seed: u32) -> Vec<u8> {
    (0..n as u32)
        .map(|i| (i.wrapping_add(seed).wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect()
}

fn b64(data: &[u8]) -> String {
    use base64::Engine as _;
    let text = base64::engine::general_purpose::STANDARD.encode(data);
    text.as_bytes()
        .chunks(76)
        .map(|c| format!("{}\r\n", std::str::from_utf8(c).unwrap()))
        .collect()
}

fn sha(b: &[u8]) -> String {
    format!("{:x}", Sha256::digest(b))
}

fn attachment_data(att: &oxmsg::Attachment<'_, impl oxmsg::Access>) -> Vec<u8> {
    let mut b = Vec::new();
    att.data().unwrap().read_to_end(&mut b).unwrap();
    b
}

/// What mail-parser decodes for each attachment of `eml`.
fn mail_parser_attachments(eml: &[u8]) -> Vec<Vec<u8>> {
    let parsed = mail_parser::MessageParser::default().parse(eml).unwrap();
    parsed
        .attachments()
        .map(|p| match &p.body {
            mail_parser::PartType::Binary(b) | mail_parser::PartType::InlineBinary(b) => b.to_vec(),
            other => panic!("{other:?}"),
        })
        .collect()
}

const HEAD: &str = "From: Ann <ann@example.com>\r\nTo: bob@example.com\r\nSubject: big\r\nDate: Tue, 01 Dec 2026 10:00:00 +0100\r\nMIME-Version: 1.0\r\n";

#[test]
fn base64_attachments_above_the_threshold_convert_exactly() {
    let big = data(3 << 20, 1);
    let image = data((5 << 20) / 2 + 1, 2); // a partial last quantum: `=` padding
    let eml = format!(
        "{HEAD}Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\n\
         Content-Type: multipart/related; boundary=\"rel\"\r\n\r\n--rel\r\n\
         Content-Type: text/html; charset=utf-8\r\n\r\n<p>x</p><img src=\"cid:pic@x\">\r\n--rel\r\n\
         Content-Type: image/png\r\nContent-ID: <pic@x>\r\nContent-Transfer-Encoding: base64\r\n\r\n{}--rel--\r\n\
         --b1\r\nContent-Type: application/octet-stream; name=\"big.bin\"\r\n\
         Content-Disposition: attachment; filename=\"big.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}--b1--\r\n",
        b64(&image),
        b64(&big)
    );
    let expected = mail_parser_attachments(eml.as_bytes());
    assert_eq!(expected, vec![image.clone(), big.clone()]);

    let session = Session::new();
    let (msg, report) = session.open_eml(eml.as_bytes()).unwrap();
    assert!(report.is_empty(), "{report}");
    let atts = msg.attachments().unwrap();
    assert_eq!(atts.len(), 2);
    assert_eq!(sha(&attachment_data(&atts[0])), sha(&image));
    assert_eq!(atts[0].size().unwrap(), Some(image.len() as u64));
    assert_eq!(atts[0].content_id().unwrap().as_deref(), Some("pic@x"));
    assert!(atts[0].is_hidden().unwrap());
    assert_eq!(sha(&attachment_data(&atts[1])), sha(&big));
    assert_eq!(atts[1].size().unwrap(), Some(big.len() as u64));
    assert_eq!(atts[1].filename().unwrap().as_deref(), Some("big.bin"));

    // Saved and opened again.
    let bytes = msg.to_bytes().unwrap();
    drop(atts);
    drop(msg);
    let again = session.opener().bytes(&bytes).unwrap();
    let atts = again.attachments().unwrap();
    assert_eq!(sha(&attachment_data(&atts[1])), sha(&big));
}

#[test]
fn a_signed_message_with_a_big_attachment_keeps_its_entity_byte_for_byte() {
    let big = data(3 << 20, 3);
    let entity_head = "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=\"sig\"\r\n";
    let body = format!(
        "--sig\r\nContent-Type: multipart/mixed; boundary=\"inner\"\r\n\r\n--inner\r\n\
         Content-Type: text/plain\r\n\r\nsigned text\r\n--inner\r\n\
         Content-Type: application/octet-stream; name=\"big.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}--inner--\r\n\
         --sig\r\nContent-Type: application/pkcs7-signature; name=smime.p7s\r\nContent-Transfer-Encoding: base64\r\n\r\n{}--sig--\r\n",
        b64(&big),
        b64(&data(2000, 4))
    );
    let eml = format!("{HEAD}{entity_head}\r\n{body}");
    let session = Session::new();
    let (msg, _) = session.open_eml(eml.as_bytes()).unwrap();
    assert_eq!(
        msg.get(tags::MESSAGE_CLASS).unwrap().as_deref(),
        Some("IPM.Note.SMIME.MultipartSigned")
    );
    let att = msg.open_attachment(0).unwrap();
    let got = attachment_data(&att);
    let want = format!("{entity_head}\r\n{body}");
    assert_eq!(got.len(), want.len());
    assert!(got == want.as_bytes(), "the signed entity changed");
}

#[test]
fn a_big_text_body_sent_base64_is_read() {
    let text = "Long text body, sent base64. ".repeat(60_000);
    let eml = format!(
        "{HEAD}Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{}",
        b64(text.as_bytes())
    );
    let session = Session::new();
    let (msg, report) = session.open_eml(eml.as_bytes()).unwrap();
    assert!(report.is_empty(), "{report}");
    assert_eq!(msg.body_text().unwrap().as_deref(), Some(text.as_str()));
}
