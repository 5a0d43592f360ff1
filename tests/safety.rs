//! Safety without exceptions: each test is a misuse, written against the
//! public API, that used to panic, reach another object or lose data.

use std::cell::RefCell;
use std::io::{self, Cursor, Read, Seek, SeekFrom, Write};
use std::rc::Rc;
use std::time::{Duration, SystemTime};

use oxmsg::{tags, AttachMethod, Error, Limits, OpenOptions, PropTag, PropValue, Session, SessionOptions};

/// A small message with a body long enough to live in its own stream and
/// one attachment.
fn sample() -> Vec<u8> {
    let s = Session::new();
    let m = s.opener().create_in_memory().unwrap();
    m.set(tags::SUBJECT, "Quarterly").unwrap();
    m.set(tags::BODY, "x".repeat(5000)).unwrap();
    let a = m.create_attachment().unwrap();
    a.set(tags::ATTACH_LONG_FILENAME, "a.txt").unwrap();
    a.write_data(&mut &b"data"[..]).unwrap();
    a.save_changes().unwrap();
    drop(a);
    m.to_bytes().unwrap()
}

/// Whether a re-entrant call's outcome is one the docs allow.
fn ok_or_busy<T>(r: oxmsg::Result<T>) -> bool {
    matches!(r, Ok(_) | Err(Error::Busy { .. }))
}

thread_local! {
    /// What a caller's reader does when it is called: the test's code, with
    /// the session in reach (a reader given to a session is `Send + Sync`,
    /// so it reaches the session through the thread it runs on).
    static HOOK: RefCell<Option<Box<dyn FnMut()>>> = RefCell::new(None);
}

fn call_hook() {
    // Take the hook out while it runs, so that a read from inside it does
    // not run it again.
    let hook = HOOK.with(|h| h.borrow_mut().take());
    if let Some(mut f) = hook {
        f();
        HOOK.with(|h| *h.borrow_mut() = Some(f));
    }
}

/// A reader over bytes that calls back into its session on every read,
/// seek and write.
struct CallbackReader {
    inner: Cursor<Vec<u8>>,
}

impl Read for CallbackReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        call_hook();
        self.inner.read(buf)
    }
}

impl Seek for CallbackReader {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        call_hook();
        self.inner.seek(pos)
    }
}

impl Write for CallbackReader {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        call_hook();
        self.inner.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Installs a hook that calls back into `session` in every way a caller
/// might (list, look up, create and write a message, debug-print, drop a
/// handle) and records whether each outcome was Ok or `Busy`.
fn install_hook(session: &Rc<Session>) -> Rc<RefCell<Vec<bool>>> {
    let calls = Rc::new(RefCell::new(Vec::new()));
    let (s, c) = (Rc::downgrade(session), calls.clone());
    let hook: Box<dyn FnMut()> = Box::new(move || {
        let Some(s) = s.upgrade() else { return };
        let mut calls = c.borrow_mut();
        calls.push(ok_or_busy(s.open_messages()));
        if let Ok(ids) = s.open_messages() {
            calls.push(ids.iter().all(|&id| s.is_open(id)));
        }
        match s.opener().create_in_memory() {
            Ok(m) => {
                calls.push(ok_or_busy(m.set(tags::SUBJECT, "inner")));
                calls.push(!format!("{m:?}").is_empty());
                drop(m);
            }
            Err(e) => calls.push(matches!(e, Error::Busy { .. })),
        }
        calls.push(!format!("{s:?}").is_empty());
    });
    HOOK.with(|h| *h.borrow_mut() = Some(hook));
    calls
}

fn remove_hook() {
    HOOK.with(|h| *h.borrow_mut() = None);
}

#[test]
fn a_reader_that_calls_back_into_the_session_never_panics() {
    let session = Rc::new(Session::new());
    let calls = install_hook(&session);
    let msg = session
        .opener()
        .reader(CallbackReader {
            inner: Cursor::new(sample()),
        })
        .unwrap();
    // Lazy reads go through the caller's reader.
    assert_eq!(msg.get(tags::BODY).unwrap().map(|b| b.len()), Some(5000));
    let att = msg.open_attachment(0).unwrap();
    let mut data = Vec::new();
    att.data().unwrap().read_to_end(&mut data).unwrap();
    assert_eq!(data, b"data");
    assert_eq!(msg.recipients().unwrap().len(), 0);
    remove_hook();
    let calls = calls.borrow();
    assert!(!calls.is_empty());
    assert!(calls.iter().all(|&ok| ok), "every call back was Ok or Busy");
}

#[test]
fn a_read_write_target_that_calls_back_during_save_never_panics() {
    let session = Rc::new(Session::new());
    let calls = install_hook(&session);
    let mut msg = session
        .opener()
        .read_write()
        .reader(CallbackReader {
            inner: Cursor::new(sample()),
        })
        .unwrap();
    msg.set(tags::SUBJECT, "changed").unwrap();
    msg.save_changes().unwrap();
    assert_eq!(msg.get(tags::SUBJECT).unwrap().as_deref(), Some("changed"));
    remove_hook();
    assert!(calls.borrow().iter().all(|&ok| ok));
    let back: CallbackReader = msg.into_inner().unwrap();
    let again = Session::new();
    let m = again.opener().reader(Cursor::new(back.inner.into_inner())).unwrap();
    assert_eq!(m.get(tags::SUBJECT).unwrap().as_deref(), Some("changed"));
}

/// A writer that reads the message, prints an attachment and drops a
/// written stream while it is being written to.
struct CallbackWriter<'a, 'm> {
    msg: &'a oxmsg::Message<'m, oxmsg::ReadWrite>,
    stream: Option<oxmsg::PropStreamMut<'a>>,
    out: Vec<u8>,
    seen: Vec<bool>,
}

impl Write for CallbackWriter<'_, '_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.seen.push(ok_or_busy(self.msg.get(tags::SUBJECT)));
        if let Ok(a) = self.msg.open_attachment(0) {
            self.seen.push(format!("{a:?}").contains("num"));
        }
        self.stream = None; // dropped inside the callback: discarded
        self.out.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_writer_that_calls_back_during_save_to_works() {
    let s = Session::new();
    let msg = s.opener().read_write().reader(Cursor::new(sample())).unwrap();
    let mut w = CallbackWriter {
        msg: &msg,
        stream: Some(msg.open_stream_mut(tags::BODY).unwrap()),
        out: Vec::new(),
        seen: Vec::new(),
    };
    // The open written stream refuses the save: its bytes would be left out.
    assert!(matches!(msg.save_to(&mut w), Err(Error::StreamOpen { .. })));
    w.stream = None;
    msg.save_to(&mut w).unwrap();
    assert!(w.seen.iter().all(|&ok| ok) && !w.seen.is_empty());
    let back = Session::new();
    let m = back.opener().reader(Cursor::new(w.out)).unwrap();
    assert_eq!(m.get(tags::SUBJECT).unwrap().as_deref(), Some("Quarterly"));
    assert_eq!(m.get(tags::BODY).unwrap().map(|b| b.len()), Some(5000));
}

#[test]
fn a_stream_dropped_without_commit_is_discarded_and_commit_makes_it_visible() {
    let s = Session::new();
    let m = s.opener().create_in_memory().unwrap();
    m.set(tags::BODY, "old").unwrap();
    {
        let mut w = m.open_stream_mut(tags::BODY).unwrap();
        w.write_all(&oxmsg_utf16("new")).unwrap();
    }
    assert_eq!(m.get(tags::BODY).unwrap().as_deref(), Some("old"));
    let mut w = m.open_stream_mut(tags::BODY).unwrap();
    w.write_all(&oxmsg_utf16("new")).unwrap();
    w.commit().unwrap();
    assert_eq!(m.get(tags::BODY).unwrap().as_deref(), Some("new"));
}

fn oxmsg_utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// A reader that fails after `n` bytes.
struct FailAfter(usize);
impl Read for FailAfter {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.0 == 0 {
            return Err(io::Error::other("disk gone"));
        }
        let k = buf.len().min(self.0);
        buf[..k].fill(b'z');
        self.0 -= k;
        Ok(k)
    }
}

#[test]
fn a_failed_write_data_leaves_the_old_data_exactly_as_it_was() {
    let s = Session::new();
    let m = s.opener().create_in_memory().unwrap();
    let a = m.create_attachment().unwrap();
    a.write_data(&mut &b"original"[..]).unwrap();
    assert!(a.write_data(&mut FailAfter(3)).is_err());
    let mut data = Vec::new();
    a.data().unwrap().read_to_end(&mut data).unwrap();
    assert_eq!(data, b"original");
    assert_eq!(a.get(tags::ATTACH_SIZE).unwrap(), Some(8));
}

#[test]
fn attachment_numbers_are_never_reused_and_stale_ids_find_nothing() {
    let s = Session::new();
    let mut m = s.opener().create_in_memory().unwrap();
    let mut ids = Vec::new();
    for _ in 0..3 {
        let a = m.create_attachment().unwrap();
        a.save_changes().unwrap();
        ids.push(a.id());
    }
    // Deleting the highest number must not free it.
    m.delete_attachment(ids[2]).unwrap();
    let new = m.create_attachment().unwrap();
    assert_eq!(new.num(), 3);
    new.set(tags::ATTACH_LONG_FILENAME, "new.txt").unwrap();
    new.save_changes().unwrap();
    drop(new);
    assert!(matches!(
        m.open_attachment_by_id(ids[2]),
        Err(Error::ObjectDeleted { .. })
    ));
    // ... also after a save and reopen: the header keeps the number retired.
    let bytes = m.to_bytes().unwrap();
    let r = s.opener().read_write().reader(Cursor::new(bytes)).unwrap();
    let b = r.create_attachment().unwrap();
    assert_eq!(b.num(), 4);
}

#[test]
fn ids_of_another_message_are_refused() {
    let s = Session::new();
    let mut a = s.opener().create_in_memory().unwrap();
    let b = s.opener().create_in_memory().unwrap();
    let att = b.create_attachment().unwrap();
    att.save_changes().unwrap();
    let other = att.id();
    drop(att);
    a.create_attachment().unwrap().save_changes().unwrap();
    assert!(matches!(
        a.delete_attachment(other),
        Err(Error::InvalidParameter { .. })
    ));
    assert_eq!(a.attachment_numbers().unwrap(), vec![0]);
    b.add_recipient(oxmsg::RecipientType::To, "B", "b@example.com").unwrap();
    a.add_recipient(oxmsg::RecipientType::To, "A", "a@example.com").unwrap();
    let row = b.recipients().unwrap()[0].id();
    let r = a.modify_recipients([oxmsg::RecipientChange::Remove(row)]);
    assert!(matches!(r, Err(Error::InvalidParameter { .. })));
    assert_eq!(a.recipients().unwrap().len(), 1);
}

/// Rewrites the top-level property stream's header counters of a .msg.
fn patch_header(bytes: Vec<u8>, next_recipient: u32, next_attachment: u32) -> Vec<u8> {
    let mut cf = cfb::CompoundFile::open(Cursor::new(bytes)).unwrap();
    let mut props = Vec::new();
    cf.open_stream("/__properties_version1.0")
        .unwrap()
        .read_to_end(&mut props)
        .unwrap();
    props[8..12].copy_from_slice(&next_recipient.to_le_bytes());
    props[12..16].copy_from_slice(&next_attachment.to_le_bytes());
    cf.create_stream("/__properties_version1.0")
        .unwrap()
        .write_all(&props)
        .unwrap();
    cf.flush().unwrap();
    cf.into_inner().into_inner()
}

#[test]
fn a_header_next_id_at_the_end_of_the_range_is_an_error_not_an_overflow() {
    let bytes = patch_header(sample(), u32::MAX, u32::MAX);
    let s = Session::new();
    let m = s.opener().read_write().reader(Cursor::new(bytes)).unwrap();
    assert!(matches!(m.create_attachment(), Err(Error::IdsExhausted { .. })));
    assert!(matches!(
        m.add_recipient(oxmsg::RecipientType::To, "A", "a@example.com"),
        Err(Error::IdsExhausted { .. })
    ));
    // Attachment #0 is untouched.
    assert_eq!(
        m.open_attachment(0).unwrap().filename().unwrap().as_deref(),
        Some("a.txt")
    );
}

#[test]
fn a_header_next_id_of_zero_does_not_reuse_present_numbers() {
    let bytes = patch_header(sample(), 0, 0);
    let s = Session::new();
    let m = s.opener().read_write().reader(Cursor::new(bytes)).unwrap();
    let a = m.create_attachment().unwrap();
    assert_eq!(a.num(), 1);
}

#[test]
fn into_compound_file_on_an_embedded_message_takes_nothing() {
    let s = Session::new();
    let cf = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
    let mut m = s.opener().read_write().compound(cf, true).unwrap();
    let att = m.create_attachment().unwrap();
    let emb = att.create_embedded().unwrap();
    let r = emb.into_compound_file::<Cursor<Vec<u8>>>();
    assert!(matches!(r, Err(Error::InvalidParameter { .. })));
    att.save_changes().unwrap();
    drop(att);
    m.set(tags::SUBJECT, "still mine").unwrap();
    m.save_changes().unwrap();
    let cf = m.into_compound_file::<Cursor<Vec<u8>>>().unwrap();
    let back = Session::new();
    let r = back.opener().reader(Cursor::new(cf.into_inner().into_inner())).unwrap();
    assert_eq!(r.get(tags::SUBJECT).unwrap().as_deref(), Some("still mine"));
}

#[test]
fn unsaved_attachment_handles_count_against_the_limit() {
    let mut limits = Limits::default();
    limits.max_children = 10;
    let opts = SessionOptions::default().open(OpenOptions::new().limits(limits));
    let s = Session::with_options(opts);
    let m = s.opener().create_in_memory().unwrap();
    let handles: Vec<_> = (0..10).map(|_| m.create_attachment().unwrap()).collect();
    assert!(matches!(m.create_attachment(), Err(Error::LimitExceeded { .. })));
    for h in &handles {
        h.save_changes().unwrap();
    }
    drop(handles);
    let bytes = m.to_bytes().unwrap();
    assert_eq!(
        s.opener()
            .reader(Cursor::new(bytes))
            .unwrap()
            .attachment_numbers()
            .unwrap()
            .len(),
        10
    );
}

#[test]
fn the_dynamic_setter_refuses_a_value_of_another_type() {
    let s = Session::new();
    let m = s.opener().create_in_memory().unwrap();
    let a = m.create_attachment().unwrap();
    a.set(tags::ATTACH_LONG_FILENAME, "x.txt").unwrap();
    let r = a.set_value(tags::ATTACH_LONG_FILENAME, PropValue::Long(7));
    assert!(matches!(r, Err(Error::BadValue { .. })));
    assert_eq!(a.filename().unwrap().as_deref(), Some("x.txt"));
    // A PT_UNSPECIFIED tag takes the value's type.
    a.set_value(PropTag::new(0x6601, oxmsg::PropType::UNSPECIFIED), PropValue::Long(7))
        .unwrap();
    a.set(tags::ATTACH_METHOD, AttachMethod::ByValue).unwrap();
}

#[test]
fn an_ansi_message_refuses_characters_its_code_page_cannot_hold() {
    let s = Session::with_options(SessionOptions::default().unicode(false));
    let m = s.opener().create_in_memory().unwrap();
    let r = m.set(tags::SUBJECT, "Отчёт");
    match r {
        Err(Error::BadValue { detail, .. }) => assert!(detail.contains("1252"), "{detail}"),
        other => panic!("expected BadValue, got {other:?}"),
    }
    m.set(tags::SUBJECT, "Report é").unwrap();
    // With lossy writing chosen, `?` is written.
    let lossy = Session::with_options(
        SessionOptions::default()
            .unicode(false)
            .open(OpenOptions::new().lossy_ansi(true)),
    );
    let m = lossy.opener().create_in_memory().unwrap();
    m.set(tags::SUBJECT, "Отчёт").unwrap();
    let back = Session::new();
    let r = back.opener().reader(Cursor::new(m.to_bytes().unwrap())).unwrap();
    assert_eq!(r.get(tags::SUBJECT).unwrap().as_deref(), Some("?????"));
}

#[test]
fn an_embedded_message_of_an_ansi_message_keeps_its_code_page() {
    let s = Session::with_options(SessionOptions::default().unicode(false).ansi_codepage(936));
    let m = s.opener().create_in_memory().unwrap();
    let att = m.create_attachment().unwrap();
    let mut emb = att.create_embedded().unwrap();
    emb.set(tags::SUBJECT, "报告").unwrap();
    assert_eq!(emb.get(tags::MESSAGE_CODEPAGE).unwrap(), Some(936));
    let alone = emb.to_bytes().unwrap();
    emb.save_changes().unwrap();
    drop(emb);
    att.save_changes().unwrap();
    drop(att);
    let bytes = m.to_bytes().unwrap();
    let r = Session::new();
    let top = r.opener().reader(Cursor::new(bytes)).unwrap();
    let a = top.open_attachment(0).unwrap();
    let e = a.open_embedded().unwrap();
    assert_eq!(e.get(tags::SUBJECT).unwrap().as_deref(), Some("报告"));
    // Saved on its own, it is a complete ANSI .msg in code page 936.
    let own = r.opener().reader(Cursor::new(alone)).unwrap();
    assert!(!own.is_unicode());
    assert!(own.get(tags::STORE_SUPPORT_MASK).unwrap().is_some());
    assert_eq!(own.get(tags::SUBJECT).unwrap().as_deref(), Some("报告"));
}

#[test]
fn an_untouched_save_keeps_storage_times_and_names() {
    // A file whose attachment storage has an old time and a lower-case name.
    let s = Session::new();
    let m = s.opener().create_in_memory().unwrap();
    for _ in 0..11 {
        m.create_attachment().unwrap().save_changes().unwrap();
    }
    let bytes = m.to_bytes().unwrap();
    let src = cfb::CompoundFile::open(Cursor::new(bytes)).unwrap();
    let mut dst = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
    let old = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    let entries: Vec<_> = src.walk().map(|e| (e.path().to_path_buf(), e.is_stream())).collect();
    let mut src = src;
    for (path, is_stream) in &entries {
        let p = path.to_string_lossy().replace("#0000000A", "#0000000a");
        if p == "/" {
            continue;
        }
        if *is_stream {
            let mut data = Vec::new();
            src.open_stream(path).unwrap().read_to_end(&mut data).unwrap();
            dst.create_stream(&p).unwrap().write_all(&data).unwrap();
        } else {
            dst.create_storage(&p).unwrap();
        }
    }
    let lower = "/__attach_version1.0_#0000000a";
    dst.set_modified_time(lower, old).unwrap();
    dst.set_created_time(lower, old).unwrap();
    dst.flush().unwrap();
    let bytes = dst.into_inner().into_inner();

    let s = Session::new();
    let mut m = s.opener().read_write().reader(Cursor::new(bytes)).unwrap();
    m.set(tags::SUBJECT, "touched the message only").unwrap();
    m.save_changes().unwrap();
    let back: Cursor<Vec<u8>> = m.into_inner().unwrap();
    let cf = cfb::CompoundFile::open(Cursor::new(back.into_inner())).unwrap();
    let names: Vec<String> = cf.read_root_storage().map(|e| e.name().to_string()).collect();
    assert!(names.iter().any(|n| n == "__attach_version1.0_#0000000a"), "{names:?}");
    let e = cf.entry(lower).unwrap();
    assert_eq!(e.modified(), old);
    assert_eq!(e.created(), old);
}

#[test]
fn a_named_tag_mapped_in_one_file_is_refused_on_another() {
    let s = Session::new();
    let a = s.opener().create_in_memory().unwrap();
    let b = s.opener().create_in_memory().unwrap();
    // File B maps another name first, so the same id means something else there.
    b.set_named(oxmsg::named::KEYWORDS, vec!["other".to_string()]).unwrap();
    let location = a.map_named(oxmsg::named::LOCATION).unwrap();
    a.set(location, "Room 4").unwrap();
    assert_eq!(a.get(location).unwrap().as_deref(), Some("Room 4"));
    assert!(matches!(b.get(location), Err(Error::InvalidParameter { .. })));
    assert!(matches!(b.set(location, "x"), Err(Error::InvalidParameter { .. })));
    let ids = a.ids_from_names(&[oxmsg::named::LOCATION.name()]).unwrap();
    let dynamic = ids[0].with_type(oxmsg::PropType::UNICODE);
    assert!(a.get_value(dynamic).unwrap().is_some());
    assert!(matches!(b.get_value(dynamic), Err(Error::InvalidParameter { .. })));
    // An attachment of file A is in file A.
    let att = a.create_attachment().unwrap();
    att.set(location, "on the attachment").unwrap();
    // A recipient row of B finds nothing under A's tag.
    b.add_recipient(oxmsg::RecipientType::To, "B", "b@example.com").unwrap();
    assert_eq!(b.recipients().unwrap()[0].get(location), None);
    // The easy path resolves in each file on its own.
    assert_eq!(b.get_named(oxmsg::named::LOCATION).unwrap(), None);
}

#[test]
fn an_embedded_message_saved_alone_keeps_the_code_page_and_locale_around_it() {
    let s = Session::new();
    let m = s.opener().create_in_memory().unwrap();
    m.set(tags::INTERNET_CPID, 1251).unwrap();
    m.set(tags::MESSAGE_LOCALE_ID, 0x0419).unwrap();
    let att = m.create_attachment().unwrap();
    let emb = att.create_embedded().unwrap();
    emb.set(tags::SUBJECT, "inner").unwrap();
    let alone = emb.to_bytes().unwrap();
    let r = Session::new();
    let own = r.opener().reader(Cursor::new(alone)).unwrap();
    assert_eq!(own.get(tags::INTERNET_CPID).unwrap(), Some(1251));
    assert_eq!(own.get(tags::MESSAGE_LOCALE_ID).unwrap(), Some(0x0419));
    assert!(own.is_unicode());
    assert!(own.get(tags::STORE_SUPPORT_MASK).unwrap().is_some());
}

#[test]
fn with_a_header_next_id_of_zero_a_deleted_number_is_not_reused() {
    // Three attachments, and a header that says the next id is 0.
    let s = Session::new();
    let m = s.opener().create_in_memory().unwrap();
    for _ in 0..3 {
        m.create_attachment().unwrap().save_changes().unwrap();
    }
    let bytes = patch_header(m.to_bytes().unwrap(), 0, 0);
    drop(m);
    let mut m = s.opener().read_write().reader(Cursor::new(bytes)).unwrap();
    let old = m.open_attachment(2).unwrap().id();
    m.delete_attachment(old).unwrap();
    let new = m.create_attachment().unwrap();
    assert_eq!(new.num(), 3, "number 2 is retired");
    new.set(tags::ATTACH_LONG_FILENAME, "new").unwrap();
    new.save_changes().unwrap();
    drop(new);
    assert!(matches!(m.open_attachment_by_id(old), Err(Error::ObjectDeleted { .. })));
}

#[test]
fn a_callers_compound_file_that_calls_back_during_save_never_panics() {
    let session = Rc::new(Session::new());
    let calls = install_hook(&session);
    let cf = cfb::CompoundFile::create(CallbackReader {
        inner: Cursor::new(Vec::new()),
    })
    .unwrap();
    let mut msg = session.opener().read_write().compound(cf, true).unwrap();
    msg.set(tags::SUBJECT, "in the caller's file").unwrap();
    msg.save_changes().unwrap();
    remove_hook();
    assert!(!calls.borrow().is_empty());
    assert!(calls.borrow().iter().all(|&ok| ok));
    let cf = msg.into_compound_file::<CallbackReader>().unwrap();
    let back = Session::new();
    let r = back
        .opener()
        .reader(Cursor::new(cf.into_inner().inner.into_inner()))
        .unwrap();
    assert_eq!(r.get(tags::SUBJECT).unwrap().as_deref(), Some("in the caller's file"));
}

/// A reader for `write_data` that uses the session on every read.
struct ReentrantData<'a, 'm> {
    msg: &'a oxmsg::Message<'m, oxmsg::ReadWrite>,
    left: usize,
    seen: Vec<bool>,
}

impl Read for ReentrantData<'_, '_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.seen.push(ok_or_busy(self.msg.get(tags::SUBJECT)));
        self.seen.push(ok_or_busy(self.msg.attachment_numbers()));
        if let Ok(other) = self.msg.create_attachment() {
            self.seen
                .push(ok_or_busy(other.set(tags::DISPLAY_NAME, "dropped unsaved")));
        }
        let n = buf.len().min(self.left).min(1000);
        buf[..n].fill(b'd');
        self.left -= n;
        Ok(n)
    }
}

#[test]
fn attachment_data_from_a_reader_that_calls_back_is_written_whole() {
    let s = Session::new();
    let msg = s.opener().create_in_memory().unwrap();
    msg.set(tags::SUBJECT, "s").unwrap();
    let att = msg.create_attachment().unwrap();
    let mut data = ReentrantData {
        msg: &msg,
        left: 5000,
        seen: Vec::new(),
    };
    assert_eq!(att.write_data(&mut data).unwrap(), 5000);
    assert!(data.seen.iter().all(|&ok| ok) && !data.seen.is_empty());
    att.save_changes().unwrap();
    drop(att);
    // The attachments created inside the reader were dropped unsaved.
    assert_eq!(msg.attachment_numbers().unwrap().len(), 1);
    let mut back = Vec::new();
    msg.open_attachment(0)
        .unwrap()
        .data()
        .unwrap()
        .read_to_end(&mut back)
        .unwrap();
    assert_eq!(back, vec![b'd'; 5000]);
}

#[test]
fn a_body_or_sender_refused_half_way_changes_nothing() {
    use oxmsg::PropAttr;
    let s = Session::with_options(SessionOptions::default().unicode(false));
    let m = s.opener().create_in_memory().unwrap();
    m.set_body_text("old body").unwrap();
    m.set_sender("Ann", "ann@example.com").unwrap();
    // PR_NATIVE_BODY_INFO is set last: made read-only, the whole body
    // change must fail and leave every form of the old body.
    m.set_attributes(tags::NATIVE_BODY_INFO, PropAttr(PropAttr::READABLE))
        .unwrap();
    assert!(matches!(m.set_body_html("<p>new</p>"), Err(Error::NoAccess { .. })));
    assert_eq!(m.get(tags::BODY).unwrap().as_deref(), Some("old body"));
    assert_eq!(m.get(tags::HTML).unwrap(), None);
    assert_eq!(
        oxmsg::body::text_from_rtf(&m.body_rtf().unwrap().unwrap())
            .unwrap()
            .as_deref(),
        Some("old body")
    );
    // A sender name the ANSI code page cannot hold: none of the eight change.
    assert!(m.set_sender("Анна", "anna@example.com").is_err());
    assert_eq!(m.get(tags::SENDER_NAME).unwrap().as_deref(), Some("Ann"));
    assert_eq!(
        m.get(tags::SENDER_EMAIL_ADDRESS).unwrap().as_deref(),
        Some("ann@example.com")
    );
    // write_data: data and PR_ATTACH_SIZE change together or not at all.
    let a = m.create_attachment().unwrap();
    a.write_data(&mut &b"first"[..]).unwrap();
    a.set_attributes(tags::ATTACH_SIZE, PropAttr(PropAttr::READABLE))
        .unwrap();
    assert!(a.write_data(&mut &b"second, longer"[..]).is_err());
    let mut data = Vec::new();
    a.data().unwrap().read_to_end(&mut data).unwrap();
    assert_eq!(data, b"first");
}

/// A reader whose `Drop` calls back into the session.
struct DropsIntoSession {
    inner: Cursor<Vec<u8>>,
}
impl Read for DropsIntoSession {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf)
    }
}
impl Seek for DropsIntoSession {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.inner.seek(pos)
    }
}
impl Drop for DropsIntoSession {
    fn drop(&mut self) {
        call_hook();
    }
}

#[test]
fn a_readers_drop_runs_with_the_session_free() {
    let session = Rc::new(Session::new());
    // Records whether the session could be used (not even `Busy`).
    let calls = Rc::new(RefCell::new(Vec::new()));
    let (s, c) = (Rc::downgrade(&session), calls.clone());
    let hook: Box<dyn FnMut()> = Box::new(move || {
        if let Some(s) = s.upgrade() {
            c.borrow_mut().push(s.open_messages().is_ok());
        }
    });
    HOOK.with(|h| *h.borrow_mut() = Some(hook));
    let msg = session
        .opener()
        .reader(DropsIntoSession {
            inner: Cursor::new(sample()),
        })
        .unwrap();
    assert_eq!(msg.get(tags::SUBJECT).unwrap().as_deref(), Some("Quarterly"));
    drop(msg); // closes the file: the reader's Drop calls into the session
    remove_hook();
    let calls = calls.borrow();
    assert!(!calls.is_empty(), "the reader was dropped");
    // Every call from the Drop worked: none saw the session busy.
    assert!(calls.iter().all(|&ok| ok));
    assert!(session.open_messages().unwrap().is_empty());
}
