//! Attachments: every attach method, shared state between handles, deletion
//! and kept ids, tables, and the header counters.

use std::io::{Cursor, Read, Write};

use oxmsg::table::Restriction;
use oxmsg::{tags, AttachMethod, Error, PropTag, PropValue, RecipientType, Session};

const ATTACH_BY_REFERENCE: AttachMethod = AttachMethod::ByReference;
const ATTACH_OLE: AttachMethod = AttachMethod::Ole;

fn read_stream(cf: &mut cfb::CompoundFile<Cursor<Vec<u8>>>, path: &str) -> Vec<u8> {
    let mut v = Vec::new();
    cf.open_stream(path).unwrap().read_to_end(&mut v).unwrap();
    v
}

/// The 32-byte header counters of a written file (MS-OXMSG 2.4.1.1).
fn header(bytes: &[u8]) -> [u32; 4] {
    let mut cf = cfb::CompoundFile::open(Cursor::new(bytes.to_vec())).unwrap();
    let p = read_stream(&mut cf, "/__properties_version1.0");
    let at = |o: usize| u32::from_le_bytes(p[o..o + 4].try_into().unwrap());
    [at(8), at(12), at(16), at(20)]
}

/// A message whose attachment #0 is an OLE object (ATTACH_OLE): its
/// `__substg1.0_3701000D` storage holds the object's own streams and CLSID,
/// written with `cfb` as an OLE server would.
fn with_ole_attachment() -> Vec<u8> {
    let s = Session::new();
    let m = s.opener().create_in_memory().unwrap();
    m.set(tags::SUBJECT, "OLE").unwrap();
    let a = m.create_attachment().unwrap();
    a.set(tags::ATTACH_METHOD, ATTACH_OLE).unwrap();
    a.set(tags::DISPLAY_NAME, "Worksheet").unwrap();
    a.save_changes().unwrap();
    drop(a);
    let bytes = m.to_bytes().unwrap();
    let mut cf = cfb::CompoundFile::open(Cursor::new(bytes)).unwrap();
    let obj = "/__attach_version1.0_#00000000/__substg1.0_3701000D";
    cf.create_storage(obj).unwrap();
    let clsid = uuid::Uuid::parse_str("00020820-0000-0000-C000-000000000046").unwrap();
    cf.set_storage_clsid(obj, clsid).unwrap();
    cf.create_stream(format!("{obj}/\u{1}Ole"))
        .unwrap()
        .write_all(&[1, 0, 0, 2, 0, 0, 0, 0])
        .unwrap();
    cf.create_stream(format!("{obj}/CONTENTS"))
        .unwrap()
        .write_all(&vec![0xAB; 5000])
        .unwrap();
    cf.create_storage(format!("{obj}/Sub")).unwrap();
    cf.create_stream(format!("{obj}/Sub/Deep"))
        .unwrap()
        .write_all(b"deep")
        .unwrap();
    // The PT_OBJECT entry: Size 0xFFFFFFFF (MS-OXMSG 2.4.2.2).
    let pp = "/__attach_version1.0_#00000000/__properties_version1.0";
    let mut props = read_stream(&mut cf, pp);
    props.extend_from_slice(&[0x0D, 0x00, 0x01, 0x37, 6, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0]);
    cf.create_stream(pp).unwrap().write_all(&props).unwrap();
    cf.flush().unwrap();
    cf.into_inner().into_inner()
}

#[test]
fn an_ole_storage_survives_a_save_byte_for_byte() {
    let bytes = with_ole_attachment();
    let s = Session::new();
    let m = s.opener().read_write().reader(Cursor::new(bytes.clone())).unwrap();
    let a = m.open_attachment(0).unwrap();
    assert_eq!(a.method().unwrap(), Some(ATTACH_OLE));
    assert!(!a.is_embedded());
    assert!(a.prop_list().unwrap().contains(&PropTag(0x3701_000D)));
    // Edit the attachment, so that it is rewritten rather than copied whole.
    a.set(tags::DISPLAY_NAME, "Renamed worksheet").unwrap();
    a.save_changes().unwrap();
    drop(a);
    let saved = m.to_bytes().unwrap();

    let mut before = cfb::CompoundFile::open(Cursor::new(bytes)).unwrap();
    let mut after = cfb::CompoundFile::open(Cursor::new(saved.clone())).unwrap();
    let obj = "/__attach_version1.0_#00000000/__substg1.0_3701000D";
    assert_eq!(before.entry(obj).unwrap().clsid(), after.entry(obj).unwrap().clsid());
    for p in ["\u{1}Ole", "CONTENTS", "Sub/Deep"] {
        let p = format!("{obj}/{p}");
        assert_eq!(read_stream(&mut before, &p), read_stream(&mut after, &p), "{p}");
    }
    let back = s.opener().reader(Cursor::new(saved)).unwrap();
    let a = back.open_attachment(0).unwrap();
    assert_eq!(a.get(tags::DISPLAY_NAME).unwrap().as_deref(), Some("Renamed worksheet"));
}

#[test]
fn a_by_reference_attachment_keeps_its_path() {
    let s = Session::new();
    let m = s.opener().create_in_memory().unwrap();
    let a = m.create_attachment().unwrap();
    a.set(tags::ATTACH_METHOD, ATTACH_BY_REFERENCE).unwrap();
    a.set(tags::ATTACH_LONG_PATHNAME, "\\\\server\\share\\report.pdf")
        .unwrap();
    a.set(tags::ATTACH_PATHNAME, "\\\\server\\share\\REPORT~1.PDF").unwrap();
    a.save_changes().unwrap();
    drop(a);
    let back = s.opener().reader(Cursor::new(m.to_bytes().unwrap())).unwrap();
    let a = back.open_attachment(0).unwrap();
    assert_eq!(a.method().unwrap(), Some(ATTACH_BY_REFERENCE));
    assert_eq!(
        a.get(tags::ATTACH_LONG_PATHNAME).unwrap().as_deref(),
        Some("\\\\server\\share\\report.pdf")
    );
    assert!(matches!(a.data(), Err(Error::PropNotFound { .. })));
}

#[test]
fn two_opens_of_one_attachment_share_its_state() {
    let s = Session::new();
    let m = s.opener().create_in_memory().unwrap();
    let a = m.create_attachment().unwrap();
    a.save_changes().unwrap();
    let b = m.open_attachment(a.num()).unwrap();
    a.set(tags::DISPLAY_NAME, "seen by both").unwrap();
    assert_eq!(b.get(tags::DISPLAY_NAME).unwrap().as_deref(), Some("seen by both"));
}

#[test]
fn unsaved_attachments_vanish_and_deleted_ones_give_object_deleted() {
    let s = Session::new();
    let mut m = s.opener().create_in_memory().unwrap();
    {
        let a = m.create_attachment().unwrap(); // never saved
        a.set(tags::DISPLAY_NAME, "gone").unwrap();
    }
    assert!(m.attachment_numbers().unwrap().is_empty());
    let id = {
        let a = m.create_attachment().unwrap();
        a.save_changes().unwrap();
        a.id()
    };
    assert_eq!(id.num(), 1, "attachment numbers are never reused");
    assert_eq!(m.get(tags::HASATTACH).unwrap(), Some(true));
    m.delete_attachment(id).unwrap();
    assert!(matches!(m.open_attachment_by_id(id), Err(Error::ObjectDeleted { .. })));
    assert_eq!(m.get(tags::HASATTACH).unwrap(), Some(false));
    assert!(matches!(m.delete_attachment(id), Err(Error::ObjectDeleted { .. })));

    // A handle opened through another handle of the same embedded message
    // sees the deletion at run time.
    let outer = m.create_attachment().unwrap();
    let e1 = outer.create_embedded().unwrap();
    let inner_att = e1.create_attachment().unwrap();
    inner_att.save_changes().unwrap();
    let inner_id = inner_att.id();
    let mut e2 = outer.open_embedded().unwrap(); // the same embedded message
    e2.delete_attachment(inner_id).unwrap();
    assert!(matches!(
        inner_att.set(tags::DISPLAY_NAME, "x"),
        Err(Error::ObjectDeleted { .. })
    ));
    assert!(matches!(inner_att.save_changes(), Err(Error::ObjectDeleted { .. })));
}

#[test]
fn header_counters_follow_the_storages() {
    let s = Session::new();
    let mut m = s.opener().create_in_memory().unwrap();
    m.add_recipient(RecipientType::To, "A", "a@example.com").unwrap();
    m.add_recipient(RecipientType::To, "B", "b@example.com").unwrap();
    let mut ids = Vec::new();
    for _ in 0..3 {
        let a = m.create_attachment().unwrap();
        a.save_changes().unwrap();
        ids.push(a.id());
    }
    m.delete_attachment(ids[1]).unwrap();
    let first = m.recipients().unwrap()[0].id();
    m.modify_recipients([oxmsg::RecipientChange::Remove(first)]).unwrap();
    // next recipient id, next attachment id, recipient count, attachment count
    assert_eq!(header(&m.to_bytes().unwrap()), [2, 3, 1, 2]);
}

#[test]
fn tables_choose_columns_sort_restrict_and_page() {
    let s = Session::new();
    let m = s.opener().create_in_memory().unwrap();
    for (name, pos) in [("b.txt", -1), ("a.png", 10), ("c.doc", -1)] {
        let a = m.create_attachment().unwrap();
        a.set(tags::ATTACH_LONG_FILENAME, name).unwrap();
        a.set(tags::RENDERING_POSITION, pos).unwrap();
        a.write_data(&mut &b"x"[..]).unwrap();
        a.save_changes().unwrap();
    }
    let mut t = m.attachment_table().unwrap();
    assert_eq!(&t.columns()[..2], &[tags::ATTACH_NUM.tag(), PropTag(0x0FF6_0102)]);
    t.set_columns(&[tags::ATTACH_LONG_FILENAME.tag(), tags::ATTACH_CONTENT_ID.tag()]);
    t.sort_by(tags::ATTACH_LONG_FILENAME.tag(), true);
    let names: Vec<String> = t.query_rows(10).iter().map(|r| r[0].1.as_string().unwrap()).collect();
    assert_eq!(names, ["a.png", "b.txt", "c.doc"]);
    // A missing column is PT_ERROR / MAPI_E_NOT_FOUND, as in MAPI tables.
    t.seek(0);
    let row = &t.query_rows(1)[0];
    assert_eq!(
        row[1],
        (PropTag(0x3712_000A), PropValue::Error(oxmsg::scode::MAPI_E_NOT_FOUND))
    );
    // Paging: the cursor advances; an empty page at the end.
    t.seek(0);
    assert_eq!(t.query_rows(2).len(), 2);
    assert_eq!(t.query_rows(2).len(), 1);
    assert!(t.query_rows(2).is_empty());
    // Restrictions.
    t.restrict(Some(&Restriction::Equals(
        tags::RENDERING_POSITION.tag(),
        PropValue::Long(-1),
    )));
    assert_eq!(t.row_count(), 2);
    t.restrict(Some(&Restriction::Contains(
        tags::ATTACH_LONG_FILENAME.tag(),
        "PNG".into(),
    )));
    assert_eq!(t.row_count(), 1);
    t.restrict(Some(&Restriction::Not(Box::new(Restriction::Exists(
        tags::ATTACH_LONG_FILENAME.tag(),
    )))));
    assert_eq!(t.row_count(), 0);
    t.restrict(None);
    assert_eq!(t.row_count(), 3);
}

#[test]
fn convenience_accessors() {
    let s = Session::new();
    let m = s.opener().create_in_memory().unwrap();
    let a = m.create_attachment().unwrap();
    a.set(tags::ATTACH_FILENAME, "LOGO~1.PNG").unwrap();
    a.set(tags::ATTACH_MIME_TAG, "image/png").unwrap();
    a.set(tags::ATTACH_CONTENT_ID, "logo@example").unwrap();
    a.set(tags::ATTACHMENT_HIDDEN, true).unwrap();
    a.write_data(&mut &[1u8, 2, 3][..]).unwrap();
    assert_eq!(
        a.filename().unwrap().as_deref(),
        Some("LOGO~1.PNG"),
        "the short name when no long one"
    );
    a.set(tags::ATTACH_LONG_FILENAME, "logo.png").unwrap();
    assert_eq!(a.filename().unwrap().as_deref(), Some("logo.png"));
    assert_eq!(a.mime_type().unwrap().as_deref(), Some("image/png"));
    assert_eq!(a.content_id().unwrap().as_deref(), Some("logo@example"));
    assert_eq!(a.size().unwrap(), Some(3));
    assert!(a.is_inline().unwrap());
    assert!(a.is_hidden().unwrap());
    let b = m.create_attachment().unwrap();
    b.set(tags::ATTACH_METHOD, ATTACH_BY_REFERENCE).unwrap();
    // PR_ATTACH_SIZE is computed (the MAPI digest's table of computed
    // properties): a caller's write is MAPI_E_COMPUTED.
    let e = b.set(tags::ATTACH_SIZE, 1234).unwrap_err();
    assert!(matches!(e, oxmsg::Error::Computed { .. }), "{e}");
    assert_eq!(b.size().unwrap(), None);
    assert!(!b.is_inline().unwrap());
    assert!(!b.is_hidden().unwrap());
}
