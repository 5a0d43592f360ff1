//! The session lifecycle: messages open in a session, a caller's own
//! compound file (IMSG_NO_ISTG_COMMIT), lazy reading.

use std::io::{self, Cursor, Read, Seek, SeekFrom, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use oxmsg::{tags, Error, Session};

#[path = "common/shared_buf.rs"]
mod shared_buf;
use shared_buf::SharedBuf;

#[test]
fn a_session_enumerates_its_open_messages() {
    let s = Session::new();
    assert!(s.open_messages().unwrap().is_empty());
    let a = s.opener().create_in_memory().unwrap();
    let bytes = a.to_bytes().unwrap();
    let b = s.opener().reader(Cursor::new(bytes)).unwrap();
    let ids = s.open_messages().unwrap();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&a.id()) && ids.contains(&b.id()));
    // Attachments and embedded messages are not top-level messages.
    let att = a.create_attachment().unwrap();
    let _inner = att.create_embedded().unwrap();
    assert_eq!(s.open_messages().unwrap().len(), 2);
    let b_id = b.id();
    drop(b);
    assert!(!s.is_open(b_id));
    assert_eq!(s.open_messages().unwrap().len(), 1);
    // An id from another session names nothing here.
    let other = Session::new();
    assert!(!other.is_open(a.id()));
}

#[test]
fn a_message_on_the_callers_compound_file_saves_without_commit() {
    let cf = cfb::CompoundFile::create_with_version(cfb::Version::V3, Cursor::new(Vec::new())).unwrap();
    let s = Session::new();
    let mut msg = s.opener().read_write().compound(cf, false).unwrap();
    msg.set(tags::SUBJECT, "On the caller's storage").unwrap();
    msg.save_changes().unwrap();
    let mut cf: cfb::CompoundFile<Cursor<Vec<u8>>> = msg.into_compound_file().unwrap();
    // The caller adds its own storage (not starting with "__") and commits.
    cf.create_storage("/MyApp").unwrap();
    cf.create_stream("/MyApp/state")
        .unwrap()
        .write_all(b"caller data")
        .unwrap();
    cf.flush().unwrap();
    let bytes = cf.into_inner().into_inner();

    let read = s.opener().reader(Cursor::new(bytes.clone())).unwrap();
    assert_eq!(
        read.get(tags::SUBJECT).unwrap().as_deref(),
        Some("On the caller's storage")
    );
    drop(read);

    // Saving again keeps the caller's storage: only "__" entries are rewritten.
    let cf = cfb::CompoundFile::open(Cursor::new(bytes)).unwrap();
    let mut msg = s.opener().read_write().compound(cf, true).unwrap();
    assert_eq!(
        msg.get(tags::SUBJECT).unwrap().as_deref(),
        Some("On the caller's storage")
    );
    msg.set(tags::SUBJECT, "Second").unwrap();
    msg.save_changes().unwrap();
    let mut cf: cfb::CompoundFile<Cursor<Vec<u8>>> = msg.into_compound_file().unwrap();
    let mut data = Vec::new();
    cf.open_stream("/MyApp/state").unwrap().read_to_end(&mut data).unwrap();
    assert_eq!(data, b"caller data");
    let read = s.opener().reader(Cursor::new(cf.into_inner().into_inner())).unwrap();
    assert_eq!(read.get(tags::SUBJECT).unwrap().as_deref(), Some("Second"));
}

#[test]
fn into_compound_file_checks_the_type() {
    let cf = cfb::CompoundFile::create_with_version(cfb::Version::V3, Cursor::new(Vec::new())).unwrap();
    let s = Session::new();
    let msg = s.opener().read_write().compound(cf, true).unwrap();
    assert!(matches!(
        msg.into_compound_file::<std::fs::File>(),
        Err(Error::InvalidParameter { .. })
    ));
}

/// Counts the bytes read through it.
struct Counting<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

impl<R: Seek> Seek for Counting<R> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.inner.seek(pos)
    }
}

#[test]
fn opening_reads_the_directory_and_the_property_stream_not_the_values() {
    let s = Session::new();
    let m = s.opener().create_in_memory().unwrap();
    m.set(tags::SUBJECT, "Small").unwrap();
    m.set(tags::BODY, "x".repeat(1 << 20)).unwrap();
    let a = m.create_attachment().unwrap();
    a.write_data(&mut io::repeat(7).take(4 << 20)).unwrap();
    a.save_changes().unwrap();
    drop(a);
    let bytes = m.to_bytes().unwrap();
    let total = bytes.len() as u64;

    let read = Arc::new(AtomicU64::new(0));
    let msg = s
        .opener()
        .reader(Counting {
            inner: Cursor::new(bytes),
            read: read.clone(),
        })
        .unwrap();
    assert_eq!(msg.get(tags::SUBJECT).unwrap().as_deref(), Some("Small"));
    assert_eq!(msg.attachment_numbers().unwrap(), vec![0]);
    let summary = read.load(Ordering::Relaxed);
    assert!(summary * 20 < total, "a summary read {summary} of {total} bytes");
    // The large values are read when asked for.
    let body = msg.get(tags::BODY).unwrap().unwrap();
    assert_eq!(body.len(), 1 << 20);
    assert!(
        read.load(Ordering::Relaxed) > summary + (2 << 20) - 1,
        "the body is 2 MiB of UTF-16"
    );
}

#[test]
fn an_in_place_save_that_shrinks_the_message_leaves_no_old_bytes() {
    let s = Session::new();
    let m = s.opener().create_in_memory().unwrap();
    m.set(tags::SUBJECT, "Shrinking").unwrap();
    let a = m.create_attachment().unwrap();
    let secret = b"SECRET-ATTACHMENT-DATA-".repeat(4000);
    a.write_data(&mut &secret[..]).unwrap();
    a.save_changes().unwrap();
    drop(a);
    let bytes = m.to_bytes().unwrap();
    let old_len = bytes.len();
    let buf = SharedBuf::new(bytes);

    let mut msg = s.opener().read_write().reader(buf.clone()).unwrap();
    let id = msg.open_attachment(0).unwrap().id();
    msg.delete_attachment(id).unwrap();
    msg.save_changes().unwrap();
    drop(msg);
    let after = buf.contents();
    // The file is not shorter (it cannot be truncated), holds nothing of the
    // deleted data, and opens without the attachment.
    assert!(after.len() >= old_len);
    assert!(!after.windows(23).any(|w| w == b"SECRET-ATTACHMENT-DATA-"));
    let back = s.opener().reader(Cursor::new(after)).unwrap();
    assert!(back.attachment_numbers().unwrap().is_empty());
    assert_eq!(back.get(tags::SUBJECT).unwrap().as_deref(), Some("Shrinking"));
}

#[test]
fn a_file_opened_by_path_reads_the_same_in_memory_or_streamed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.msg");
    let s = Session::new();
    let m = s.opener().create(&path).unwrap();
    m.set(tags::SUBJECT, "by path").unwrap();
    m.set(tags::BODY, "x".repeat(10_000)).unwrap();
    let mut m = m;
    m.save_changes().unwrap();
    drop(m);
    let mut subject = "by path".to_string();
    for threshold in [0, 32 << 20] {
        let opts = oxmsg::OpenOptions::new().memory_threshold(threshold);
        let r = s.opener().options(opts.clone()).path(&path).unwrap();
        assert_eq!(r.get(tags::SUBJECT).unwrap(), Some(subject.clone()));
        assert_eq!(r.get(tags::BODY).unwrap().map(|b| b.len()), Some(10_000));
        drop(r);
        let mut w = s.opener().options(opts).read_write().path(&path).unwrap();
        subject = format!("saved with threshold {threshold}");
        w.set(tags::SUBJECT, &subject).unwrap();
        w.save_changes().unwrap();
        // Still readable after the save replaced the file.
        assert_eq!(w.get(tags::BODY).unwrap().map(|b| b.len()), Some(10_000));
    }
    let r = s.opener().path(&path).unwrap();
    assert_eq!(
        r.get(tags::SUBJECT).unwrap().as_deref(),
        Some("saved with threshold 33554432")
    );
}
