//! An OLE-object attachment (ATTACH_OLE) goes into a .eml as an
//! `application/octet-stream` part holding its storage as a compound file of
//! its own, with its name, and the report says what MIME could not carry.

use std::io::{Cursor, Read, Write};

use mail_parser::MimeHeaders;
use oxmsg::{tags, LossKind, Session};

#[test]
fn an_ole_object_goes_out_as_a_compound_file_part_with_its_name() {
    // The caller's object: a storage with a class and a stream.
    let clsid = uuid::Uuid::parse_str("00020906-0000-0000-c000-000000000046").unwrap(); // Word.Document.8
    let mut object = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
    object.set_storage_clsid("/", clsid).unwrap();
    object
        .create_stream("/WordDocument")
        .unwrap()
        .write_all(b"the document")
        .unwrap();

    let session = Session::new();
    let msg = session.opener().create_in_memory().unwrap();
    msg.set(tags::SUBJECT, "With an object").unwrap();
    msg.set(tags::BODY, "see the object").unwrap();
    let att = msg.create_attachment().unwrap();
    att.set(tags::ATTACH_LONG_FILENAME, "report.doc").unwrap();
    att.set_ole_object(&mut object).unwrap();
    att.save_changes().unwrap();
    drop(att);

    let mut eml = Vec::new();
    let report = msg.to_eml(&mut eml).unwrap();
    assert_eq!(report.of_kind(LossKind::OleObject).count(), 1, "{report}");

    // Read back with mail-parser (not oxmsg's own reader).
    let parsed = mail_parser::MessageParser::default().parse(&eml[..]).unwrap();
    let part = parsed.attachments().next().expect("one attachment");
    assert_eq!(part.attachment_name(), Some("report.doc"));
    let ct = part.content_type().unwrap();
    assert_eq!((ct.ctype(), ct.subtype()), ("application", Some("octet-stream")));
    let mut cf = cfb::CompoundFile::open(Cursor::new(part.contents().to_vec())).unwrap();
    assert_eq!(*cf.root_entry().clsid(), clsid);
    let mut data = Vec::new();
    cf.open_stream("/WordDocument").unwrap().read_to_end(&mut data).unwrap();
    assert_eq!(data, b"the document");
}
