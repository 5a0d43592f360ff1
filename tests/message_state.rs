//! SetReadFlag and the message states Outlook shows; computed and derived
//! properties; the save's warnings; complete one-off recipients and
//! senders; the release callback; the calls a .msg cannot do. Expected
//! values are the MAPI digest's (shared/spec/mapi-digest.md: SetReadFlag,
//! the computed-property table, the minimum recipient row) and MS-OXCMSG's
//! (PR_MESSAGE_FLAGS bits, subject prefix rules).

use std::io::Cursor;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use oxmsg::read_flag::*;
use oxmsg::{scode, tags, Error, FileTime, PropTag, PropType, PropValue, RecipientType, Session, WarningKind};

const MSGFLAG_READ: i32 = 0x1;
const MSGFLAG_UNSENT: i32 = 0x8;
const MSGFLAG_FROMME: i32 = 0x20;
const MSGFLAG_RN_PENDING: i32 = 0x100;
const MSGFLAG_NRN_PENDING: i32 = 0x200;

fn flags(m: &oxmsg::Message<'_, impl oxmsg::Access>) -> i32 {
    m.get(tags::MESSAGE_FLAGS).unwrap().unwrap()
}

#[test]
fn set_read_flag_sets_and_clears_msgflag_read_and_the_pending_receipt_flags() {
    let s = Session::new();
    let m = s.opener().create_in_memory().unwrap();
    m.set(tags::MESSAGE_FLAGS, MSGFLAG_RN_PENDING | MSGFLAG_NRN_PENDING)
        .unwrap();
    m.set_read_flag(0).unwrap();
    assert_eq!(flags(&m), MSGFLAG_READ | MSGFLAG_RN_PENDING | MSGFLAG_NRN_PENDING);
    m.set_read_flag(CLEAR_READ_FLAG | CLEAR_RN_PENDING).unwrap();
    assert_eq!(flags(&m), MSGFLAG_NRN_PENDING);
    m.set_read_flag(SUPPRESS_RECEIPT | CLEAR_NRN_PENDING).unwrap();
    assert_eq!(flags(&m), MSGFLAG_READ);
    // SUPPRESS_RECEIPT | GENERATE_RECEIPT_ONLY: no receipt requested, flag unchanged.
    m.set(tags::READ_RECEIPT_REQUESTED, true).unwrap();
    m.set_read_flag(SUPPRESS_RECEIPT | GENERATE_RECEIPT_ONLY).unwrap();
    assert_eq!(m.get(tags::READ_RECEIPT_REQUESTED).unwrap(), Some(false));
    assert_eq!(flags(&m), MSGFLAG_READ);
    // Kept by a save.
    let back = s.opener().reader(Cursor::new(m.to_bytes().unwrap())).unwrap();
    assert!(back.is_read().unwrap());
}

#[test]
fn set_read_flag_refuses_what_mapi_refuses() {
    let s = Session::new();
    let m = s.opener().create_in_memory().unwrap();
    let before = flags(&m);
    for bad in [
        SUPPRESS_RECEIPT | CLEAR_READ_FLAG,
        SUPPRESS_RECEIPT | CLEAR_READ_FLAG | GENERATE_RECEIPT_ONLY,
        CLEAR_READ_FLAG | GENERATE_RECEIPT_ONLY,
        0x8000,
    ] {
        let e = m.set_read_flag(bad).unwrap_err();
        assert_eq!(e.scode(), scode::MAPI_E_INVALID_PARAMETER, "0x{bad:X}: {e}");
    }
    // A receipt alone would have to be sent: no transport.
    let e = m.set_read_flag(GENERATE_RECEIPT_ONLY).unwrap_err();
    assert_eq!(e.scode(), scode::MAPI_E_NO_SUPPORT, "{e}");
    assert_eq!(flags(&m), before);
}

#[test]
fn draft_received_and_sent_states_set_the_flags_and_times_outlook_shows() {
    let s = Session::new();
    let m = s.opener().create_in_memory().unwrap();
    let t = FileTime::from_unix_secs(1_700_000_000);
    m.mark_received(t, false).unwrap();
    assert_eq!(flags(&m) & (MSGFLAG_READ | MSGFLAG_UNSENT), 0);
    assert!(!m.is_draft().unwrap());
    assert_eq!(m.get(tags::MESSAGE_DELIVERY_TIME).unwrap(), Some(t));
    assert_eq!(m.get(tags::CLIENT_SUBMIT_TIME).unwrap(), Some(t));
    assert_eq!(m.get(tags::CREATION_TIME).unwrap(), Some(t));
    m.mark_received(t, true).unwrap();
    assert!(m.is_read().unwrap());

    let sent = FileTime::from_unix_secs(1_600_000_000);
    m.mark_sent(sent).unwrap();
    assert_eq!(
        flags(&m) & (MSGFLAG_READ | MSGFLAG_FROMME | MSGFLAG_UNSENT),
        MSGFLAG_READ | MSGFLAG_FROMME
    );
    assert_eq!(m.get(tags::CLIENT_SUBMIT_TIME).unwrap(), Some(sent));
    assert_eq!(m.get(tags::MESSAGE_DELIVERY_TIME).unwrap(), Some(sent));

    m.mark_draft().unwrap();
    assert_eq!(
        flags(&m) & (MSGFLAG_READ | MSGFLAG_UNSENT),
        MSGFLAG_READ | MSGFLAG_UNSENT
    );
    assert!(m.is_draft().unwrap());
    assert_eq!(m.get(tags::CLIENT_SUBMIT_TIME).unwrap(), None);
    assert_eq!(m.get(tags::MESSAGE_DELIVERY_TIME).unwrap(), None);
    // The creation time of the message stays.
    assert_eq!(m.get(tags::CREATION_TIME).unwrap(), Some(t));
}

#[test]
fn a_save_of_an_edited_message_keeps_its_modification_time_and_an_untouched_one_keeps_its_own() {
    let s = Session::new();
    let old = FileTime::from_unix_secs(946_684_800); // 2000-01-01
    let m = s.opener().create_in_memory().unwrap();
    m.set(tags::CREATION_TIME, old).unwrap();
    m.set(tags::LAST_MODIFICATION_TIME, old).unwrap();
    let bytes = m.to_bytes().unwrap();
    drop(m);
    let mut m = s.opener().read_write().reader(Cursor::new(bytes)).unwrap();
    m.save_changes().unwrap();
    assert_eq!(m.get(tags::LAST_MODIFICATION_TIME).unwrap(), Some(old), "untouched");
    m.set(tags::SUBJECT, "edited").unwrap();
    m.save_changes().unwrap();
    let t = m.get(tags::LAST_MODIFICATION_TIME).unwrap().unwrap();
    assert!(t > old, "{t:?}");
    assert_eq!(m.get(tags::CREATION_TIME).unwrap(), Some(old));
}

#[test]
fn computed_properties_are_refused_to_callers_and_true_after_a_save() {
    let s = Session::new();
    let mut m = s.opener().create_in_memory().unwrap();
    for tag in [
        tags::HASATTACH.tag(),
        tags::DISPLAY_TO.tag(),
        tags::DISPLAY_CC.tag(),
        tags::DISPLAY_BCC.tag(),
        PropTag::new(0x0E08, PropType::LONG), // PR_MESSAGE_SIZE
        tags::OBJECT_TYPE.tag(),
        tags::ATTACH_NUM.tag(),
    ] {
        let v = if tag.prop_type() == PropType::BOOLEAN {
            PropValue::Boolean(true)
        } else if tag.prop_type() == PropType::UNICODE {
            PropValue::Unicode("x".into())
        } else {
            PropValue::Long(1)
        };
        let e = m.set_value(tag, v).unwrap_err();
        assert!(matches!(e, Error::Computed { .. }), "{tag}: {e}");
        assert_eq!(e.scode(), scode::MAPI_E_COMPUTED);
        assert!(matches!(m.delete(tag).unwrap_err(), Error::Computed { .. }), "{tag}");
    }
    m.add_recipient(RecipientType::Bcc, "Dora", "dora@example.com").unwrap();
    {
        let a = m.create_attachment().unwrap();
        assert!(matches!(
            a.set(tags::ATTACH_SIZE, 5).unwrap_err(),
            Error::Computed { .. }
        ));
        a.write_data(&mut &[1u8; 1000][..]).unwrap();
        a.save_changes().unwrap();
    }
    m.save_changes().unwrap();
    let back = s.opener().reader(Cursor::new(m.to_bytes().unwrap())).unwrap();
    assert_eq!(back.get(tags::HASATTACH).unwrap(), Some(true));
    assert_eq!(back.get(tags::DISPLAY_BCC).unwrap().as_deref(), Some("Dora"));
    assert_eq!(back.get(tags::OBJECT_TYPE).unwrap(), Some(5)); // MAPI_MESSAGE
    let size = back
        .get_value(PropTag::new(0x0E08, PropType::LONG))
        .unwrap()
        .and_then(|v| if let PropValue::Long(n) = v { Some(n) } else { None })
        .unwrap();
    let a = back.open_attachment(0).unwrap();
    assert_eq!(a.get(tags::OBJECT_TYPE).unwrap(), Some(7)); // MAPI_ATTACH
    let att_size = a.get(tags::ATTACH_SIZE).unwrap().unwrap();
    // Approximate sizes (MAPI: "the sum, in bytes, of all properties"): at
    // least the data, and the message at least its attachment.
    assert!(att_size >= 1000, "{att_size}");
    assert!(size > att_size, "{size} {att_size}");
}

#[test]
fn the_subject_prefix_normalized_subject_and_topic_follow_the_subject() {
    let s = Session::new();
    let m = s.opener().create_in_memory().unwrap();
    // MS-OXCMSG 2.2.1.9: a prefix is 1-3 non-digit characters, a colon and a space.
    for (subject, prefix, rest) in [
        ("RE: Hello", Some("RE: "), "Hello"),
        ("FW: RE: Hello", Some("FW: "), "RE: Hello"),
        ("AW:Hi", Some("AW:"), "Hi"),
        ("Hello", None, "Hello"),
        ("123: numbers", None, "123: numbers"),
        ("Meeting: today", None, "Meeting: today"),
    ] {
        m.set(tags::SUBJECT, subject).unwrap();
        assert_eq!(m.get(tags::SUBJECT_PREFIX).unwrap().as_deref(), prefix, "{subject}");
        assert_eq!(
            m.get(tags::NORMALIZED_SUBJECT).unwrap().as_deref(),
            Some(rest),
            "{subject}"
        );
        assert_eq!(
            m.get(tags::CONVERSATION_TOPIC).unwrap().as_deref(),
            Some(rest),
            "{subject}"
        );
    }
    m.delete(tags::SUBJECT).unwrap();
    assert_eq!(m.get(tags::NORMALIZED_SUBJECT).unwrap(), None);
}

/// A received message with a transport header block, as bytes.
fn received_with_headers(s: &Session) -> Vec<u8> {
    let m = s.opener().create_in_memory().unwrap();
    m.set(tags::SUBJECT, "Original subject").unwrap();
    m.set(
        tags::TRANSPORT_MESSAGE_HEADERS,
        "From: a@example.com\r\nTo: b@example.com\r\nSubject: Original subject\r\n\r\n",
    )
    .unwrap();
    m.mark_received(FileTime::from_unix_secs(1_700_000_000), true).unwrap();
    m.to_bytes().unwrap()
}

#[test]
fn changing_the_subject_under_a_received_header_block_warns_at_save() {
    let s = Session::new();
    let mut m = s
        .opener()
        .read_write()
        .reader(Cursor::new(received_with_headers(&s)))
        .unwrap();
    // Untouched: nothing to warn about.
    assert!(m.save_with_warnings().unwrap().is_empty());
    m.set(tags::SUBJECT, "New subject").unwrap();
    let w = m.save_with_warnings().unwrap();
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].kind, WarningKind::Stale);
    assert!(w[0].reason.contains("subject"), "{}", w[0].reason);
    assert!(m.warnings().contains(&w[0]));
    // Recipients and sender count too.
    let mut m = s
        .opener()
        .read_write()
        .reader(Cursor::new(received_with_headers(&s)))
        .unwrap();
    m.add_recipient(RecipientType::To, "Carl", "carl@example.com").unwrap();
    m.set_sender("Zed", "zed@example.com").unwrap();
    let w = m.save_with_warnings().unwrap();
    assert!(w[0].reason.contains("sender, recipients"), "{}", w[0].reason);
    // Dropping the stale block is the remedy: no warning.
    let mut m = s
        .opener()
        .read_write()
        .reader(Cursor::new(received_with_headers(&s)))
        .unwrap();
    m.set(tags::SUBJECT, "New subject").unwrap();
    m.delete(tags::TRANSPORT_MESSAGE_HEADERS).unwrap();
    assert!(m.save_with_warnings().unwrap().is_empty());
}

#[test]
fn adding_an_attachment_to_a_signed_message_warns() {
    let s = Session::new();
    let m = s.opener().create_in_memory().unwrap();
    m.set(tags::MESSAGE_CLASS, "IPM.Note.SMIME.MultipartSigned").unwrap();
    let bytes = m.to_bytes().unwrap();
    drop(m);
    let mut m = s.opener().read_write().reader(Cursor::new(bytes)).unwrap();
    {
        let a = m.create_attachment().unwrap();
        a.write_data(&mut &b"x"[..]).unwrap();
        a.save_changes().unwrap();
    }
    let w = m.save_with_warnings().unwrap();
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].reason.contains("signature"), "{}", w[0].reason);
}

#[test]
fn add_recipient_writes_the_one_off_row_outlook_writes() {
    let s = Session::new();
    let m = s.opener().create_in_memory().unwrap();
    m.add_recipient(RecipientType::To, "Ann Example", "ann@example.com")
        .unwrap();
    m.add_recipient(RecipientType::Cc, "Bob", "bob@example.com").unwrap();
    let back = s.opener().reader(Cursor::new(m.to_bytes().unwrap())).unwrap();
    let rows = back.recipients().unwrap();
    let r = &rows[1];
    let long = |id: u16| match r.get_value(PropTag::new(id, PropType::LONG)) {
        Some(PropValue::Long(v)) => *v,
        v => panic!("0x{id:04X}: {v:?}"),
    };
    assert_eq!(long(0x0C15), 2); // PR_RECIPIENT_TYPE MAPI_CC
    assert_eq!(long(0x0FFE), 6); // PR_OBJECT_TYPE MAPI_MAILUSER
    assert_eq!(long(0x3900), 0); // PR_DISPLAY_TYPE DT_MAILUSER
    assert_eq!(long(0x3905), 0); // PR_DISPLAY_TYPE_EX
    assert_eq!(long(0x5FFD), 1); // PR_RECIPIENT_FLAGS recipSendable
    assert_eq!(long(0x5FFF), 0); // PR_RECIPIENT_TRACK_STATUS none
    assert_eq!(long(0x5FDF), 2); // PR_RECIPIENT_ORDER
    assert_eq!(long(0x3000), r.row_id() as i32); // PR_ROWID, written
    assert_eq!(r.get(tags::RESPONSIBILITY), Some(false));
    assert_eq!(r.get(tags::RECIPIENT_DISPLAY_NAME).as_deref(), Some("Bob"));
    assert_eq!(r.get(tags::ADDRTYPE).as_deref(), Some("SMTP"));
    // PidTagSearchKey: "SMTP:" + the address upper-cased, NUL-terminated.
    assert_eq!(r.get(tags::SEARCH_KEY).unwrap(), b"SMTP:BOB@EXAMPLE.COM\0");
    let entry = r.get(tags::ENTRYID).unwrap();
    assert_eq!(r.get(tags::RECIPIENT_ENTRYID).unwrap(), entry);
    // MS-OXCDATA 2.2.5.1: flags 0, MUIDOOP {812B1FA4-BEA3-1019-9D6E-00DD010F5402}.
    assert_eq!(&entry[..4], &[0, 0, 0, 0]);
    assert_eq!(
        &entry[4..20],
        &[0x81, 0x2B, 0x1F, 0xA4, 0xBE, 0xA3, 0x10, 0x19, 0x9D, 0x6E, 0x00, 0xDD, 0x01, 0x0F, 0x54, 0x02]
    );
}

#[test]
fn the_recipient_builder_makes_the_same_row_as_add_recipient() {
    let s = Session::new();
    let a = s.opener().create_in_memory().unwrap();
    a.add_recipient(RecipientType::To, "Ann", "ann@example.com").unwrap();
    let b = s.opener().create_in_memory().unwrap();
    b.modify_recipients([
        oxmsg::RecipientChange::one_off(RecipientType::To, "Ann", "ann@example.com", 1)
            .with(tags::SEND_RICH_INFO, PropValue::Boolean(true)),
    ])
    .unwrap();
    let (ra, rb) = (&a.recipients().unwrap()[0], &b.recipients().unwrap()[0]);
    let differ: Vec<_> = ra
        .props()
        .iter()
        .filter(|(t, v)| rb.get_value(*t) != Some(v))
        .map(|(t, _)| *t)
        .collect();
    assert_eq!(differ, vec![tags::SEND_RICH_INFO.tag()]);
    assert_eq!(ra.props().len(), rb.props().len());
}

#[test]
fn set_sender_writes_entry_ids_and_search_keys() {
    let s = Session::new();
    let m = s.opener().create_in_memory().unwrap();
    m.set_sender("Alice", "alice@example.com").unwrap();
    let key = b"SMTP:ALICE@EXAMPLE.COM\0".to_vec();
    assert_eq!(m.get(tags::SENDER_SEARCH_KEY).unwrap(), Some(key.clone()));
    assert_eq!(m.get(tags::SENT_REPRESENTING_SEARCH_KEY).unwrap(), Some(key));
    let e = m.get(tags::SENDER_ENTRYID).unwrap().unwrap();
    assert_eq!(m.get(tags::SENT_REPRESENTING_ENTRYID).unwrap(), Some(e.clone()));
    // The address inside the one-off entry id, UTF-16LE.
    let addr: Vec<u8> = "alice@example.com".encode_utf16().flat_map(u16::to_le_bytes).collect();
    assert!(e.windows(addr.len()).any(|w| w == addr));
}

#[test]
fn the_release_callback_runs_once_with_its_data_when_the_message_closes() {
    let s = Session::new();
    let seen = Arc::new(AtomicU32::new(0));
    let m = s.opener().create_in_memory().unwrap();
    let a = m.create_attachment().unwrap();
    let emb = a.create_embedded().unwrap();
    assert!(matches!(
        emb.on_release((), |_| {}).unwrap_err(),
        Error::InvalidParameter { .. }
    ));
    drop(emb);
    drop(a);
    let s1 = seen.clone();
    m.on_release(7u32, move |d| {
        s1.fetch_add(d, Ordering::SeqCst);
    })
    .unwrap();
    m.close();
    assert_eq!(seen.load(Ordering::SeqCst), 7);

    // Replaced: only the second runs; at drop.
    let m = s.opener().create_in_memory().unwrap();
    let (s2, s3) = (seen.clone(), seen.clone());
    m.on_release(100u32, move |d| {
        s2.fetch_add(d, Ordering::SeqCst);
    })
    .unwrap();
    m.on_release(1000u32, move |d| {
        s3.fetch_add(d, Ordering::SeqCst);
    })
    .unwrap();
    drop(m);
    assert_eq!(seen.load(Ordering::SeqCst), 1007);

    // At the session's close too.
    let m = s.opener().create_in_memory().unwrap();
    let s4 = seen.clone();
    m.on_release(5u32, move |d| {
        s4.fetch_add(d, Ordering::SeqCst);
    })
    .unwrap();
    std::mem::forget(m); // a leaked handle: the session still closes the file
    s.close();
    assert_eq!(seen.load(Ordering::SeqCst), 1012);
}

#[test]
fn what_a_msg_cannot_do_is_no_support_with_the_reason() {
    let s = Session::new();
    let m = s.opener().create_in_memory().unwrap();
    let results = [
        m.submit_message().map(|_| ()),
        m.message_status().map(|_| ()),
        m.advise(),
        m.resolve_names(),
    ];
    for r in results {
        let e = r.unwrap_err();
        assert_eq!(e.scode(), scode::MAPI_E_NO_SUPPORT);
        assert!(e.to_string().len() > 40, "{e}");
    }
}
