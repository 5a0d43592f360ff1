//! Strict and lenient reading, skipped items and the explicit choice to save
//! without them, and the limits on what is trusted from a file.

use std::io::{Cursor, Write};

use oxmsg::{tags, Error, Limits, OpenOptions, RecipientType, Session, WarningKind};

/// A message with a subject, a body, two recipients and two attachments,
/// the second holding an embedded message.
fn sample() -> Vec<u8> {
    let s = Session::new();
    let m = s.opener().create_in_memory().unwrap();
    m.set(tags::SUBJECT, "Subject").unwrap();
    m.set(tags::BODY, "Body").unwrap();
    m.add_recipient(RecipientType::To, "Ann", "ann@example.com").unwrap();
    m.add_recipient(RecipientType::Cc, "Bob", "bob@example.com").unwrap();
    let a = m.create_attachment().unwrap();
    a.set(tags::ATTACH_LONG_FILENAME, "a.txt").unwrap();
    a.write_data(&mut &b"data"[..]).unwrap();
    a.save_changes().unwrap();
    drop(a);
    let a = m.create_attachment().unwrap();
    let mut e = a.create_embedded().unwrap();
    e.set(tags::SUBJECT, "Inner").unwrap();
    e.save_changes().unwrap();
    drop(e);
    a.save_changes().unwrap();
    drop(a);
    m.to_bytes().unwrap()
}

/// Edits a compound file in memory with `cfb`.
fn edit(bytes: Vec<u8>, f: impl FnOnce(&mut cfb::CompoundFile<Cursor<Vec<u8>>>)) -> Vec<u8> {
    let mut cf = cfb::CompoundFile::open(Cursor::new(bytes)).unwrap();
    f(&mut cf);
    cf.flush().unwrap();
    cf.into_inner().into_inner()
}

fn strict() -> OpenOptions {
    OpenOptions::new().strict(true)
}

#[test]
fn an_entry_without_its_stream_is_skipped_leniently_and_refused_strictly() {
    let bytes = edit(sample(), |cf| cf.remove_stream("/__substg1.0_0037001F").unwrap());
    let s = Session::new();

    let m = s.opener().reader(Cursor::new(bytes.clone())).unwrap();
    assert_eq!(m.get(tags::SUBJECT).unwrap(), None);
    assert_eq!(m.get(tags::BODY).unwrap().as_deref(), Some("Body"));
    let w = m.warnings();
    assert!(
        w.iter()
            .any(|w| w.reason.contains("0x0037001F") && w.path == "/" && w.kind == WarningKind::Skipped),
        "{w:?}"
    );
    drop(m);

    match s.opener().options(strict()).reader(Cursor::new(bytes)) {
        Err(Error::CorruptData { path, detail, .. }) => {
            assert_eq!(path, "/");
            assert!(detail.contains("0x0037001F"), "{detail}");
        }
        other => panic!("strict reading must refuse the file: {other:?}"),
    };
}

#[test]
fn saving_a_damaged_message_needs_an_explicit_choice() {
    let bytes = edit(sample(), |cf| cf.remove_stream("/__substg1.0_0037001F").unwrap());
    let s = Session::new();
    let mut m = s.opener().read_write().reader(Cursor::new(bytes)).unwrap();
    m.set(tags::IMPORTANCE, oxmsg::Importance::High).unwrap();
    match m.save_changes() {
        Err(Error::DamageNotAccepted { skipped }) => {
            assert_eq!(skipped.len(), 1);
            assert!(skipped[0].reason.contains("0x0037001F"));
            assert_eq!(skipped[0].kind, WarningKind::Skipped);
        }
        other => panic!("a save must not drop skipped items silently: {other:?}"),
    }
    // The copy to bytes is refused the same way, until the caller accepts.
    assert!(matches!(m.to_bytes(), Err(Error::DamageNotAccepted { .. })));
    m.accept_damage().unwrap();
    let saved = m.to_bytes().unwrap();
    let back = s.opener().reader(Cursor::new(saved)).unwrap();
    assert_eq!(back.get(tags::IMPORTANCE).unwrap(), Some(oxmsg::Importance::High));
    assert_eq!(back.get(tags::BODY).unwrap().as_deref(), Some("Body"));
    assert_eq!(back.recipients().unwrap().len(), 2);
    assert!(back.warnings().is_empty(), "{:?}", back.warnings());
}

#[test]
fn a_broken_recipient_is_skipped_leniently_and_refused_strictly() {
    let bytes = edit(sample(), |cf| {
        let mut s = cf
            .create_stream("/__recip_version1.0_#00000001/__properties_version1.0")
            .unwrap();
        s.write_all(&[1, 2, 3]).unwrap(); // shorter than its 8-byte header
    });
    let s = Session::new();
    let m = s.opener().reader(Cursor::new(bytes.clone())).unwrap();
    let rows = m.recipients().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].display_name().as_deref(), Some("Ann"));
    assert!(
        m.warnings()
            .iter()
            .any(|w| w.reason.contains("recipient #1") && w.kind == WarningKind::Skipped),
        "{:?}",
        m.warnings()
    );
    drop(m);

    let m = s.opener().options(strict()).reader(Cursor::new(bytes.clone())).unwrap();
    match m.recipients() {
        Err(Error::CorruptData { path, .. }) => {
            assert_eq!(path, "/__recip_version1.0_#00000001/__properties_version1.0")
        }
        other => panic!("strict reading must refuse the recipient: {other:?}"),
    }
    drop(m);

    // A save after reading the recipients would drop the broken one.
    let mut m = s.opener().read_write().reader(Cursor::new(bytes)).unwrap();
    m.recipients().unwrap();
    assert!(matches!(m.save_changes(), Err(Error::DamageNotAccepted { .. })));
}

#[test]
fn a_broken_attachment_is_skipped_and_kept_whole_by_a_save() {
    let broken = b"\x01\x02";
    let bytes = edit(sample(), |cf| {
        let mut s = cf
            .create_stream("/__attach_version1.0_#00000000/__properties_version1.0")
            .unwrap();
        s.write_all(broken).unwrap();
    });
    let s = Session::new();
    let m = s.opener().read_write().reader(Cursor::new(bytes)).unwrap();
    assert_eq!(m.attachment_numbers().unwrap(), vec![0, 1]);
    let atts = m.attachments().unwrap();
    assert_eq!(atts.iter().map(|a| a.num()).collect::<Vec<_>>(), vec![1]);
    drop(atts);
    assert!(
        m.warnings()
            .iter()
            .any(|w| w.reason.contains("attachment #0") && w.kind == WarningKind::ReadPast),
        "{:?}",
        m.warnings()
    );
    // Nothing was dropped: the unread attachment is copied whole.
    m.set(tags::SUBJECT, "Changed").unwrap();
    let saved = m.to_bytes().unwrap();
    let mut cf = cfb::CompoundFile::open(Cursor::new(saved)).unwrap();
    let mut got = Vec::new();
    std::io::Read::read_to_end(
        &mut cf
            .open_stream("/__attach_version1.0_#00000000/__properties_version1.0")
            .unwrap(),
        &mut got,
    )
    .unwrap();
    assert_eq!(got, broken);
    assert!(cf.is_stream("/__attach_version1.0_#00000000/__substg1.0_37010102"));
}

#[test]
fn limits_name_the_limit_and_the_place() {
    let bytes = sample();
    let s = Session::new();

    let mut opts = OpenOptions::default();
    opts.limits.max_children = 1;
    match s.opener().options(opts.clone()).reader(Cursor::new(bytes.clone())) {
        Err(Error::LimitExceeded {
            limit,
            value,
            max,
            path,
        }) => {
            assert_eq!((limit, value, max), ("max_children", 2, 1));
            assert!(path.contains("__recip_version1.0_#"), "{path}");
        }
        other => panic!("{other:?}"),
    }

    let mut opts = OpenOptions::default();
    opts.limits.max_depth = 0;
    let m = s
        .opener()
        .options(opts.clone())
        .reader(Cursor::new(bytes.clone()))
        .unwrap();
    let a = m.open_attachment(1).unwrap();
    match a.open_embedded() {
        Err(Error::LimitExceeded { limit, .. }) => assert_eq!(limit, "max_depth"),
        other => panic!("{other:?}"),
    }
    drop(a);
    drop(m);

    let mut opts = OpenOptions::default();
    opts.limits.max_value_bytes = 4;
    let m = s
        .opener()
        .options(opts.clone())
        .reader(Cursor::new(bytes.clone()))
        .unwrap();
    match m.get(tags::SUBJECT) {
        Err(Error::LimitExceeded { limit, value, path, .. }) => {
            assert_eq!(limit, "max_value_bytes");
            assert_eq!(value, 14); // "Subject" in UTF-16LE
            assert_eq!(path, "/__substg1.0_0037001F");
        }
        other => panic!("{other:?}"),
    }
    // The stream is still readable piece by piece.
    assert_eq!(m.open_stream(tags::SUBJECT).unwrap().len(), 14);
    drop(m);

    let mut opts = OpenOptions::default();
    opts.limits.max_property_stream_bytes = 40;
    assert!(matches!(
        s.opener().options(opts.clone()).reader(Cursor::new(bytes)),
        Err(Error::LimitExceeded {
            limit: "max_property_stream_bytes",
            ..
        })
    ));
    assert_eq!(Limits::default().max_children, 2048);
}
