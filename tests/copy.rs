//! IMAPIProp::CopyTo / CopyProps (MAPI_NOREPLACE, MAPI_MOVE), attaching a
//! message, and OLE-object attachments. What is checked is what the MAPI
//! digest (shared/spec/mapi-digest.md, "CopyTo"/"CopyProps") says a copy
//! does, read back through a saved and reopened file.

use std::io::{Cursor, Read, Write};

use oxmsg::{
    scode, tags, AttachMethod, CopyOptions, Error, Guid, NamedProp, PropTag, PropType, PropValue, RecipientType,
    Session, SessionOptions,
};

const PS_PUBLIC_STRINGS: Guid = Guid::from_fields(0x0002_0329, 0, 0, [0xC0, 0, 0, 0, 0, 0, 0, 0x46]);

/// A message with a subject, a body, two recipients, a named property, an
/// attachment by value and an embedded message with its own attachment.
fn sample(session: &Session) -> Vec<u8> {
    let mut m = session.opener().create_in_memory().unwrap();
    m.set(tags::SUBJECT, "RE: Budget").unwrap();
    m.set(tags::BODY, "See attached.").unwrap();
    m.set_sender("Alice Example", "alice@example.com").unwrap();
    m.add_recipient(RecipientType::To, "Bob", "bob@example.com").unwrap();
    m.add_recipient(RecipientType::Cc, "Carol", "carol@example.com")
        .unwrap();
    // Two named properties so that the interesting one is not at the first id.
    m.set_named_value(&NamedProp::string(PS_PUBLIC_STRINGS, "filler"), PropValue::Long(1))
        .unwrap();
    m.set_named_value(
        &NamedProp::string(PS_PUBLIC_STRINGS, "x-project"),
        PropValue::Unicode("apollo".into()),
    )
    .unwrap();
    {
        let a = m.create_attachment().unwrap();
        a.set(tags::ATTACH_LONG_FILENAME, "numbers.csv").unwrap();
        a.write_data(&mut &b"a,b\n1,2\n"[..]).unwrap();
        a.save_changes().unwrap();
        let e = m.create_attachment().unwrap();
        {
            let inner = e.create_embedded().unwrap();
            inner.set(tags::SUBJECT, "Inner").unwrap();
            inner
                .add_recipient(RecipientType::To, "Dan", "dan@example.com")
                .unwrap();
            let ia = inner.create_attachment().unwrap();
            ia.set(tags::ATTACH_LONG_FILENAME, "deep.bin").unwrap();
            ia.write_data(&mut &[7u8; 3000][..]).unwrap();
            ia.save_changes().unwrap();
            drop(ia);
            let mut inner = inner;
            inner.save_changes().unwrap();
        }
        e.save_changes().unwrap();
    }
    m.save_changes().unwrap();
    m.to_bytes().unwrap()
}

fn data(a: &oxmsg::Attachment<'_, impl oxmsg::Access>) -> Vec<u8> {
    let mut v = Vec::new();
    a.data().unwrap().read_to_end(&mut v).unwrap();
    v
}

#[test]
fn copy_to_another_session_copies_properties_recipients_attachments_and_nested_messages() {
    let s1 = Session::new();
    let src = s1.opener().reader(Cursor::new(sample(&s1))).unwrap();
    let s2 = Session::new();
    let dst = s2.opener().create_in_memory().unwrap();
    // The destination already uses the id the source gave its named property
    // for something else: the copy must map by name, not by id.
    dst.set_named_value(&NamedProp::string(PS_PUBLIC_STRINGS, "other"), PropValue::Long(5))
        .unwrap();
    let problems = src.copy_to(&dst, &CopyOptions::all()).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    let bytes = dst.to_bytes().unwrap();
    drop(dst);

    let back = s2.opener().reader(Cursor::new(bytes)).unwrap();
    assert_eq!(back.get(tags::SUBJECT).unwrap().as_deref(), Some("RE: Budget"));
    assert_eq!(back.get(tags::BODY).unwrap().as_deref(), Some("See attached."));
    assert_eq!(
        back.get(tags::SENDER_EMAIL_ADDRESS).unwrap().as_deref(),
        Some("alice@example.com")
    );
    let x = back
        .get_named_value(&NamedProp::string(PS_PUBLIC_STRINGS, "x-project"), PropType::UNICODE)
        .unwrap();
    assert_eq!(x, Some(PropValue::Unicode("apollo".into())));
    let other = back
        .get_named_value(&NamedProp::string(PS_PUBLIC_STRINGS, "other"), PropType::LONG)
        .unwrap();
    assert_eq!(other, Some(PropValue::Long(5)));
    let r = back.recipients().unwrap();
    assert_eq!(r.len(), 2);
    assert_eq!(r[0].email().as_deref(), Some("bob@example.com"));
    assert_eq!(r[1].email().as_deref(), Some("carol@example.com"));
    assert_eq!(back.get(tags::DISPLAY_TO).unwrap().as_deref(), Some("Bob"));
    assert_eq!(back.get(tags::DISPLAY_CC).unwrap().as_deref(), Some("Carol"));
    let atts = back.attachments().unwrap();
    assert_eq!(atts.len(), 2);
    assert_eq!(atts[0].filename().unwrap().as_deref(), Some("numbers.csv"));
    assert_eq!(data(&atts[0]), b"a,b\n1,2\n");
    assert_eq!(atts[1].method().unwrap(), Some(AttachMethod::EmbeddedMessage));
    let inner = atts[1].open_embedded().unwrap();
    assert_eq!(inner.get(tags::SUBJECT).unwrap().as_deref(), Some("Inner"));
    assert_eq!(
        inner.recipients().unwrap()[0].email().as_deref(),
        Some("dan@example.com")
    );
    let deep = inner.attachments().unwrap();
    assert_eq!(data(&deep[0]), vec![7u8; 3000]);
    assert_eq!(back.get(tags::HASATTACH).unwrap(), Some(true));
}

#[test]
fn copy_props_copies_only_what_is_listed_and_exclusions_are_by_id() {
    let s = Session::new();
    let src = s.opener().reader(Cursor::new(sample(&s))).unwrap();
    let dst = s.opener().create_in_memory().unwrap();
    src.copy_to(&dst, &CopyOptions::only([tags::SUBJECT.tag()])).unwrap();
    assert_eq!(dst.get(tags::SUBJECT).unwrap().as_deref(), Some("RE: Budget"));
    assert_eq!(dst.get(tags::BODY).unwrap(), None);
    assert!(dst.recipients().unwrap().is_empty());
    assert!(dst.attachment_numbers().unwrap().is_empty());

    let dst2 = s.opener().create_in_memory().unwrap();
    // Excluding by a tag of another type still excludes the id.
    let body_as_binary = PropTag::new(tags::BODY.id(), PropType::BINARY);
    src.copy_to(&dst2, &CopyOptions::all().exclude(body_as_binary).without_attachments())
        .unwrap();
    assert_eq!(dst2.get(tags::BODY).unwrap(), None);
    assert_eq!(dst2.recipients().unwrap().len(), 2);
    assert!(dst2.attachment_numbers().unwrap().is_empty());

    let dst3 = s.opener().create_in_memory().unwrap();
    src.copy_to(&dst3, &CopyOptions::only([tags::SUBJECT.tag()]).and_recipients())
        .unwrap();
    assert_eq!(dst3.recipients().unwrap().len(), 2);
    assert!(dst3.attachment_numbers().unwrap().is_empty());
}

#[test]
fn no_replace_keeps_the_destinations_properties_and_recipients() {
    let s = Session::new();
    let src = s.opener().reader(Cursor::new(sample(&s))).unwrap();
    let dst = s.opener().create_in_memory().unwrap();
    dst.set(tags::SUBJECT, "Mine").unwrap();
    dst.add_recipient(RecipientType::To, "Zed", "zed@example.com").unwrap();
    src.copy_to(&dst, &CopyOptions::all().no_replace()).unwrap();
    assert_eq!(dst.get(tags::SUBJECT).unwrap().as_deref(), Some("Mine"));
    assert_eq!(dst.get(tags::BODY).unwrap().as_deref(), Some("See attached."));
    let r = dst.recipients().unwrap();
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].email().as_deref(), Some("zed@example.com"));

    // Without NOREPLACE, the recipients are replaced (ModifyRecipients(0)).
    let dst = s.opener().create_in_memory().unwrap();
    dst.add_recipient(RecipientType::To, "Zed", "zed@example.com").unwrap();
    src.copy_to(&dst, &CopyOptions::all()).unwrap();
    let emails: Vec<_> = dst.recipients().unwrap().iter().map(|r| r.email()).collect();
    assert_eq!(
        emails,
        vec![
            Some("bob@example.com".to_string()),
            Some("carol@example.com".to_string())
        ]
    );
}

#[test]
fn move_deletes_what_was_copied_from_the_source() {
    let s = Session::new();
    let src = s.opener().read_write().reader(Cursor::new(sample(&s))).unwrap();
    let dst = s.opener().create_in_memory().unwrap();
    src.move_to(&dst, &CopyOptions::all()).unwrap();
    assert_eq!(dst.get(tags::BODY).unwrap().as_deref(), Some("See attached."));
    assert_eq!(src.get(tags::BODY).unwrap(), None);
    assert_eq!(src.get(tags::SUBJECT).unwrap(), None);
    assert!(src.recipients().unwrap().is_empty());
    assert!(src.attachment_numbers().unwrap().is_empty());
    assert_eq!(dst.attachment_numbers().unwrap().len(), 2);
}

#[test]
fn property_attributes_are_kept_through_copy_to() {
    let s = Session::new();
    let src = s.opener().create_in_memory().unwrap();
    src.set(tags::SUBJECT, "Fixed").unwrap();
    src.set(tags::BODY, "Text").unwrap();
    let read_only = oxmsg::PropAttr(oxmsg::PropAttr::READABLE);
    src.set_attributes(tags::SUBJECT, read_only).unwrap();
    let dst = s.opener().create_in_memory().unwrap();
    src.copy_to(&dst, &CopyOptions::all()).unwrap();
    assert_eq!(dst.attributes(tags::SUBJECT).unwrap(), Some(read_only));
    assert_eq!(dst.attributes(tags::BODY).unwrap(), Some(oxmsg::PropAttr::DEFAULT));
    // SetAttribIMsgOnIStg's rule holds on the copy, and after a save.
    assert!(matches!(
        dst.set(tags::SUBJECT, "x").unwrap_err(),
        Error::NoAccess { .. }
    ));
    let back = s.opener().reader(Cursor::new(dst.to_bytes().unwrap())).unwrap();
    assert_eq!(back.attributes(tags::SUBJECT).unwrap(), Some(read_only));
    // A destination property without PROPATTR_WRITABLE is a problem, the rest is copied.
    let dst = s.opener().create_in_memory().unwrap();
    dst.set(tags::BODY, "Mine").unwrap();
    dst.set_attributes(tags::BODY, read_only).unwrap();
    let problems = src.copy_to(&dst, &CopyOptions::all()).unwrap();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].tag.id(), tags::BODY.id());
    assert_eq!(problems[0].scode, scode::MAPI_E_NO_ACCESS);
    assert_eq!(dst.get(tags::BODY).unwrap().as_deref(), Some("Mine"));
    assert_eq!(dst.get(tags::SUBJECT).unwrap().as_deref(), Some("Fixed"));
}

#[test]
fn a_copy_onto_itself_is_no_access() {
    let s = Session::new();
    let m = s.opener().create_in_memory().unwrap();
    let e = m.copy_to(&m, &CopyOptions::all()).unwrap_err();
    assert!(matches!(e, Error::NoAccess { .. }), "{e}");
    assert_eq!(e.scode(), scode::MAPI_E_NO_ACCESS);
}

#[test]
fn attachments_copy_to_attachments_with_their_data() {
    let s = Session::new();
    let src = s.opener().reader(Cursor::new(sample(&s))).unwrap();
    let dst = s.opener().create_in_memory().unwrap();
    let sa = src.open_attachment(0).unwrap();
    let da = dst.create_attachment().unwrap();
    sa.copy_to(&da, &CopyOptions::all()).unwrap();
    assert_eq!(da.filename().unwrap().as_deref(), Some("numbers.csv"));
    assert_eq!(data(&da), b"a,b\n1,2\n");
    // Its own number, not the source's.
    assert_eq!(da.get(tags::ATTACH_NUM).unwrap(), Some(da.num() as i32));
}

#[test]
fn a_string_an_ansi_destination_cannot_hold_is_a_problem_and_the_rest_is_copied() {
    let s = Session::new();
    let src = s.opener().create_in_memory().unwrap();
    src.set(tags::SUBJECT, "Plain").unwrap();
    src.set(tags::BODY, "Привет").unwrap();
    let ansi = Session::with_options(SessionOptions::default().unicode(false));
    let dst = ansi.opener().create_in_memory().unwrap();
    let problems = src.copy_to(&dst, &CopyOptions::all()).unwrap();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].tag.id(), tags::BODY.id());
    assert_eq!(problems[0].scode, scode::MAPI_E_BAD_CHARWIDTH);
    assert_eq!(dst.get(tags::SUBJECT).unwrap().as_deref(), Some("Plain"));
    assert_eq!(dst.get(tags::BODY).unwrap(), None);
}

#[test]
fn attach_message_stores_an_embedded_message_not_a_blob() {
    let s = Session::new();
    let original = s.opener().reader(Cursor::new(sample(&s))).unwrap();
    let mut fw = s.opener().create_in_memory().unwrap();
    fw.set(tags::SUBJECT, "FW: RE: Budget").unwrap();
    {
        let att = fw.attach_message(&original).unwrap();
        assert_eq!(att.method().unwrap(), Some(AttachMethod::EmbeddedMessage));
        assert!(att.data().is_err());
    }
    fw.save_changes().unwrap();
    let bytes = fw.to_bytes().unwrap();
    let back = s.opener().reader(Cursor::new(bytes)).unwrap();
    let a = back.open_attachment(0).unwrap();
    assert_eq!(a.get(tags::DISPLAY_NAME).unwrap().as_deref(), Some("RE: Budget"));
    let e = a.open_embedded().unwrap();
    assert_eq!(e.get(tags::SUBJECT).unwrap().as_deref(), Some("RE: Budget"));
    assert_eq!(e.recipients().unwrap().len(), 2);
    assert_eq!(e.attachments().unwrap().len(), 2);
}

#[test]
fn attach_message_file_reads_a_msg_path() {
    let s = Session::new();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("orig.msg");
    std::fs::File::create(&p).unwrap().write_all(&sample(&s)).unwrap();
    let fw = s.opener().create_in_memory().unwrap();
    let att = fw.attach_message_file(&p).unwrap();
    assert_eq!(
        att.open_embedded().unwrap().get(tags::SUBJECT).unwrap().as_deref(),
        Some("RE: Budget")
    );
}

/// A small compound file standing for an OLE object: a CLSID, a stream at
/// the root and one in a sub-storage.
fn ole_object(clsid: Guid) -> cfb::CompoundFile<Cursor<Vec<u8>>> {
    let mut cf = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
    cf.set_storage_clsid("/", uuid_of(clsid)).unwrap();
    cf.create_stream("/\u{1}Ole10Native")
        .unwrap()
        .write_all(b"native bytes")
        .unwrap();
    cf.create_storage("/ObjectPool").unwrap();
    cf.create_stream("/ObjectPool/Contents")
        .unwrap()
        .write_all(&[1, 2, 3])
        .unwrap();
    cf
}

fn uuid_of(g: Guid) -> uuid::Uuid {
    uuid::Uuid::from(g)
}

#[test]
fn an_ole_object_attachment_keeps_its_storage_and_clsid() {
    let clsid = Guid::from_fields(0x0003_000C, 0, 0, [0xC0, 0, 0, 0, 0, 0, 0, 0x46]); // Package
    let s = Session::new();
    let mut m = s.opener().create_in_memory().unwrap();
    {
        let a = m.create_attachment().unwrap();
        a.set_ole_object(&mut ole_object(clsid)).unwrap();
        a.set(tags::DISPLAY_NAME, "Package").unwrap();
        a.save_changes().unwrap();
    }
    m.save_changes().unwrap();
    let bytes = m.to_bytes().unwrap();
    drop(m);
    // Read the storage with cfb directly: the object's own storage is there.
    let mut cf = cfb::CompoundFile::open(Cursor::new(bytes.clone())).unwrap();
    let obj = "/__attach_version1.0_#00000000/__substg1.0_3701000D";
    assert_eq!(cf.entry(obj).unwrap().clsid(), &uuid_of(clsid));
    let mut v = Vec::new();
    cf.open_stream(format!("{obj}/ObjectPool/Contents"))
        .unwrap()
        .read_to_end(&mut v)
        .unwrap();
    assert_eq!(v, [1, 2, 3]);
    // Through oxmsg: ATTACH_OLE, the CLSID; and a copy keeps both.
    let back = s.opener().reader(Cursor::new(bytes)).unwrap();
    let a = back.open_attachment(0).unwrap();
    assert_eq!(a.method().unwrap(), Some(AttachMethod::Ole));
    assert_eq!(a.ole_clsid().unwrap(), Some(clsid));
    let dst = s.opener().create_in_memory().unwrap();
    back.copy_to(&dst, &CopyOptions::all()).unwrap();
    let da = dst.open_attachment(dst.attachment_numbers().unwrap()[0]).unwrap();
    assert_eq!(da.method().unwrap(), Some(AttachMethod::Ole));
    assert_eq!(da.ole_clsid().unwrap(), Some(clsid));
}

#[test]
fn a_copy_that_fails_half_way_leaves_the_destination_as_it_was() {
    let s = Session::new();
    let src = s.opener().reader(Cursor::new(sample(&s))).unwrap();
    // A destination that may hold one recipient and one attachment: the
    // second recipient fails, after the properties were copied.
    let mut limits = oxmsg::Limits::default();
    limits.max_children = 1;
    let dst = s.opener().limits(limits).create_in_memory().unwrap();
    dst.set(tags::SUBJECT, "Before").unwrap();
    let before = dst.props().unwrap();
    let e = src.copy_to(&dst, &CopyOptions::all()).unwrap_err();
    assert!(matches!(e, Error::LimitExceeded { .. }), "{e}");
    assert_eq!(format!("{:?}", dst.props().unwrap()), format!("{before:?}"));
    assert!(dst.recipients().unwrap().is_empty());
    assert!(dst.attachment_numbers().unwrap().is_empty());
    // And it still works afterwards.
    src.copy_to(&dst, &CopyOptions::all().without_attachments().without_recipients())
        .unwrap();
    assert_eq!(dst.get(tags::SUBJECT).unwrap().as_deref(), Some("RE: Budget"));
}
