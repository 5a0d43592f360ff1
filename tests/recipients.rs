//! Recipients: MODRECIP_ADD / MODIFY / REMOVE semantics, row ids, the
//! display lists, and the SMTP address in a one-off entry id.

use std::io::Cursor;

use oxmsg::{tags, Error, PropTag, PropValue, RecipientChange, RecipientType, Session};

fn s(v: &str) -> PropValue {
    PropValue::Unicode(v.into())
}

#[test]
fn modify_recipients_follows_modrecip_semantics() {
    let session = Session::new();
    let m = session.opener().create_in_memory().unwrap();
    m.add_recipient(RecipientType::To, "Ann", "ann@example.com").unwrap();
    m.add_recipient(RecipientType::Cc, "Bob", "bob@example.com").unwrap();
    let rows = m.recipients().unwrap();
    assert_eq!(rows.iter().map(|r| r.row_id()).collect::<Vec<_>>(), vec![0, 1]);
    assert_eq!(rows[0].get(tags::ROWID), Some(0));
    assert_eq!(m.get(tags::DISPLAY_TO).unwrap().as_deref(), Some("Ann"));
    assert_eq!(m.get(tags::DISPLAY_CC).unwrap().as_deref(), Some("Bob"));

    // MODIFY replaces the whole row: properties not given are gone.
    let bob_id = m.recipients().unwrap()[1].id();
    m.modify_recipients([RecipientChange::Modify(
        bob_id,
        vec![
            (tags::DISPLAY_NAME.tag(), s("Robert")),
            (tags::RECIPIENT_TYPE.tag(), PropValue::Long(1)),
        ],
    )])
    .unwrap();
    let bob = m.recipients().unwrap().remove(1);
    assert_eq!(bob.row_id(), 1);
    assert_eq!(bob.display_name().as_deref(), Some("Robert"));
    assert_eq!(bob.get(tags::SMTP_ADDRESS), None);
    assert_eq!(m.get(tags::DISPLAY_TO).unwrap().as_deref(), Some("Ann; Robert"));
    assert_eq!(m.get(tags::DISPLAY_CC).unwrap(), None);

    // ADD assigns new row ids, never reusing removed ones.
    let ann = m.recipients().unwrap()[0].id();
    m.modify_recipients([RecipientChange::Remove(ann)]).unwrap();
    assert!(matches!(m.recipient(ann), Err(Error::ObjectDeleted { .. })));
    m.modify_recipients([RecipientChange::Add(vec![(tags::DISPLAY_NAME.tag(), s("Cy"))])])
        .unwrap();
    let ids: Vec<u32> = m.recipients().unwrap().iter().map(|r| r.row_id()).collect();
    assert_eq!(ids, vec![1, 2]);

    // Unknown rows and PT_NULL values are refused, and a refused batch
    // changes nothing.
    let before = m.recipients().unwrap().len();
    let r = m.modify_recipients([
        RecipientChange::Add(vec![(tags::DISPLAY_NAME.tag(), s("Dee"))]),
        RecipientChange::Remove(ann),
    ]);
    assert!(matches!(r, Err(Error::ObjectDeleted { .. })));
    assert_eq!(m.recipients().unwrap().len(), before);

    // All of it survives a write.
    let back = session.opener().reader(Cursor::new(m.to_bytes().unwrap())).unwrap();
    let names: Vec<_> = back
        .recipients()
        .unwrap()
        .iter()
        .map(|r| r.display_name().unwrap())
        .collect();
    assert_eq!(names, ["Robert", "Cy"]);
    assert_eq!(back.to().unwrap().len(), 2, "Robert, and Cy whose type defaults to To");
}

/// A one-off entry id (MS-OXCDATA 2.2.5.1) with Unicode strings.
fn one_off(name: &str, addrtype: &str, email: &str) -> Vec<u8> {
    let mut e = vec![0, 0, 0, 0];
    e.extend_from_slice(&[
        0x81, 0x2B, 0x1F, 0xA4, 0xBE, 0xA3, 0x10, 0x19, 0x9D, 0x6E, 0x00, 0xDD, 0x01, 0x0F, 0x54, 0x02,
    ]);
    e.extend_from_slice(&[0, 0]); // version
    e.extend_from_slice(&0x9001u16.to_le_bytes()); // MAPI_ONE_OFF_UNICODE | NO_RICH_INFO
    for s in [name, addrtype, email] {
        for u in s.encode_utf16() {
            e.extend_from_slice(&u.to_le_bytes());
        }
        e.extend_from_slice(&[0, 0]);
    }
    e
}

#[test]
fn the_smtp_address_comes_from_the_best_property() {
    let session = Session::new();
    let m = session.opener().create_in_memory().unwrap();
    m.modify_recipients([
        // Only a one-off entry id.
        RecipientChange::Add(vec![
            (tags::DISPLAY_NAME.tag(), s("Entry")),
            (
                tags::ENTRYID.tag(),
                PropValue::Binary(one_off("Entry", "SMTP", "entry@example.com")),
            ),
        ]),
        // An Exchange address with its SMTP address.
        RecipientChange::Add(vec![
            (tags::ADDRTYPE.tag(), s("EX")),
            (tags::EMAIL_ADDRESS.tag(), s("/o=Org/ou=Site/cn=Recipients/cn=eve")),
            (tags::SMTP_ADDRESS.tag(), s("eve@example.com")),
        ]),
        // An Exchange address alone: no SMTP address to give, so the X.500 one.
        RecipientChange::Add(vec![
            (tags::ADDRTYPE.tag(), s("EX")),
            (tags::EMAIL_ADDRESS.tag(), s("/o=Org/cn=x")),
        ]),
    ])
    .unwrap();
    let emails: Vec<_> = m.recipients().unwrap().iter().map(|r| r.email()).collect();
    assert_eq!(
        emails,
        [
            Some("entry@example.com".into()),
            Some("eve@example.com".into()),
            Some("/o=Org/cn=x".into())
        ]
    );
    let r = &m.recipients().unwrap()[0];
    assert_eq!(
        r.recipient_type(),
        RecipientType::To,
        "absent PR_RECIPIENT_TYPE reads as To"
    );
    assert!(
        r.get_value(PropTag(0x0FFF_0000)).is_some(),
        "PT_UNSPECIFIED finds any type"
    );
}

/// A change whose display lists cannot be made (a stored display name that
/// cannot be read) changes nothing: not the rows, not PR_DISPLAY_TO.
#[test]
fn a_recipient_change_that_fails_half_way_changes_nothing() {
    let session = Session::new();
    let m = session.opener().create_in_memory().unwrap();
    m.add_recipient(RecipientType::To, "Ann", "ann@example.com").unwrap();
    m.add_recipient(RecipientType::To, "Bob", "bob@example.com").unwrap();
    let bytes = m.to_bytes().unwrap();
    drop(m);
    // Bob's display-name stream loses its sectors: its entry says 60 bytes,
    // its chain now ends at once.
    let mut cf = cfb::CompoundFile::open(Cursor::new(bytes)).unwrap();
    let name = "/__recip_version1.0_#00000001/__substg1.0_3001001F";
    assert!(cf.is_stream(name));
    cf.remove_stream(name).unwrap();
    cf.create_stream(name).unwrap();
    cf.flush().unwrap();
    let mut bytes = cf.into_inner().into_inner();
    // The directory entry of the recreated (empty) stream gets a length
    // its (empty) chain cannot hold.
    let utf16: Vec<u8> = "__substg1.0_3001001F"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let entry = bytes
        .windows(utf16.len())
        .enumerate()
        .filter(|(i, w)| *w == &utf16[..] && i % 128 == 0)
        .map(|(i, _)| i)
        .next_back()
        .expect("directory entry");
    bytes[entry + 120..entry + 124].copy_from_slice(&60u32.to_le_bytes());

    let m = session.opener().read_write().reader(Cursor::new(bytes)).unwrap();
    let before_to = m.get(tags::DISPLAY_TO).unwrap();
    let before_rows = m.recipients_with(&[]).unwrap().len();
    let err = m.add_recipient(RecipientType::Cc, "Cy", "cy@example.com");
    assert!(err.is_err(), "the unreadable name must fail the change: {err:?}");
    assert_eq!(m.get(tags::DISPLAY_TO).unwrap(), before_to);
    assert_eq!(m.get(tags::DISPLAY_CC).unwrap(), None);
    assert_eq!(m.recipients_with(&[]).unwrap().len(), before_rows);
}
