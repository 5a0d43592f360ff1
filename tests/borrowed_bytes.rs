//! `Opener::bytes`: a message read over the caller's buffer, borrowed (no
//! copy, no `'static`), must read exactly as the same bytes read through a
//! reader (`cfb`), including saving copies of it; and it must not copy the
//! buffer. The compile-time half (the buffer outlives the message and stays
//! unchanged) is in `ui-tests/fail/borrowed_bytes_*`.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::{self, Cursor, Read};

use oxmsg::{tags, Access, Message, RecipientType, Session};

struct LiveBytes;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn grew(by: isize) {
    let _ = LIVE.try_with(|l| {
        l.set(l.get() + by);
        let _ = PEAK.try_with(|p| p.set(p.get().max(l.get())));
    });
}

// SAFETY: forwards every call to `System` unchanged; only counts sizes.
unsafe impl GlobalAlloc for LiveBytes {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        grew(layout.size() as isize);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        grew(-(layout.size() as isize));
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        grew(new_size as isize - layout.size() as isize);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: LiveBytes = LiveBytes;

/// The most bytes live at once on this thread during `f`, above what was
/// live before it.
fn peak_during<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(base));
    let r = f();
    (r, (PEAK.with(Cell::get) - base).max(0) as usize)
}

/// Everything a reader sees in a message, as text: every property of the
/// message, of each recipient and attachment, each attachment's data
/// (hashed) and each embedded message, recursively.
fn content<A: Access>(m: &Message<'_, A>) -> String {
    let mut out = String::new();
    match m.props() {
        Ok(props) => {
            for (tag, value) in props {
                out += &format!("{tag}={value:?}\n");
            }
        }
        Err(e) => out += &format!("props: {e}\n"),
    }
    match m.recipients() {
        Ok(rows) => {
            for r in rows {
                out += &format!("recipient {:?}\n", r.props());
            }
        }
        Err(e) => out += &format!("recipients: {e}\n"),
    }
    match m.attachments() {
        Ok(atts) => {
            for a in atts {
                out += &format!("attachment {:?}\n", a.props().map_err(|e| e.to_string()));
                if a.is_embedded() {
                    match a.open_embedded() {
                        Ok(e) => out += &format!("embedded {{\n{}}}\n", content(&e)),
                        Err(e) => out += &format!("embedded: {e}\n"),
                    }
                } else if let Ok(mut d) = a.data() {
                    let mut data = Vec::new();
                    match d.read_to_end(&mut data) {
                        Ok(_) => out += &format!("data {}\n", common::sha256_hex(&data)),
                        Err(e) => out += &format!("data: {e}\n"),
                    }
                }
            }
        }
        Err(e) => out += &format!("attachments: {e}\n"),
    }
    out
}

/// A message with recipients, an attachment of `data_len` bytes and an
/// embedded message.
fn sample(data_len: usize) -> Vec<u8> {
    let s = Session::new();
    let m = s.opener().create_in_memory().unwrap();
    m.set(tags::SUBJECT, "Borrowed").unwrap();
    m.set(tags::BODY, "Body text").unwrap();
    m.add_recipient(RecipientType::To, "Ann", "ann@example.com").unwrap();
    m.add_recipient(RecipientType::Cc, "Bob", "bob@example.com").unwrap();
    let a = m.create_attachment().unwrap();
    a.set(tags::ATTACH_LONG_FILENAME, "big.bin").unwrap();
    a.write_data(&mut io::repeat(7).take(data_len as u64)).unwrap();
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

#[test]
fn borrowed_bytes_read_as_a_reader_reads_them() {
    let bytes = sample(100_000);
    let session = Session::new();
    let borrowed = session.opener().bytes(&bytes).unwrap();
    let read = session.opener().reader(Cursor::new(bytes.clone())).unwrap();
    assert_eq!(borrowed.get(tags::SUBJECT).unwrap().as_deref(), Some("Borrowed"));
    assert_eq!(
        borrowed.recipients().unwrap()[1].email().as_deref(),
        Some("bob@example.com")
    );
    assert_eq!(content(&borrowed), content(&read));
    assert!(content(&borrowed).contains("embedded {"));
}

#[test]
fn every_corpus_file_reads_the_same_borrowed_and_through_a_reader() {
    let Some(dir) = common::corpus_dir() else { return };
    let mut files: Vec<_> = std::fs::read_dir(dir.join("public"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("msg")))
        .collect();
    files.sort();
    let (mut opened, mut refused) = (0, 0);
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        let session = Session::new();
        let borrowed = session.opener().bytes(&bytes);
        let read = session.opener().reader(Cursor::new(bytes.clone()));
        match (borrowed, read) {
            (Ok(b), Ok(r)) => {
                assert_eq!(content(&b), content(&r), "{}", path.display());
                opened += 1;
            }
            (Err(_), Err(_)) => refused += 1,
            (b, r) => panic!(
                "{}: borrowed {:?}, reader {:?}",
                path.display(),
                b.map(|_| ()).map_err(|e| e.to_string()),
                r.map(|_| ()).map_err(|e| e.to_string())
            ),
        };
    }
    eprintln!("{opened} corpus files read alike, {refused} refused by both");
    assert!(opened > 0);
}

#[test]
fn a_borrowed_message_saves_copies_of_itself_and_its_embedded_message() {
    let bytes = sample(10_000);
    let session = Session::new();
    let msg = session.opener().bytes(&bytes).unwrap();
    let copy = msg.to_bytes().unwrap();
    let reopened = session.opener().reader(Cursor::new(copy)).unwrap();
    assert_eq!(content(&reopened), content(&msg));

    let dir = tempfile::tempdir().unwrap();
    let inner_path = dir.path().join("inner.msg");
    let att = msg.open_attachment(1).unwrap();
    att.open_embedded().unwrap().save_as(&inner_path).unwrap();
    let inner = session.opener().path(&inner_path).unwrap();
    assert_eq!(inner.get(tags::SUBJECT).unwrap().as_deref(), Some("Inner"));
}

#[test]
fn opening_and_streaming_borrowed_bytes_copies_nothing() {
    const DATA: usize = 8 << 20;
    let bytes = sample(DATA);
    assert!(bytes.len() > DATA);
    let session = Session::new();
    let (streamed, peak) = peak_during(|| {
        let msg = session.opener().bytes(&bytes).unwrap();
        let att = msg.open_attachment(0).unwrap();
        let mut data = att.data().unwrap();
        io::copy(&mut data, &mut io::sink()).unwrap()
    });
    assert_eq!(streamed, DATA as u64);
    // The whole attachment was read, and at no time was even a quarter of
    // it held: the stream is served from the caller's buffer. (Through a
    // reader, `cfb` also streams; what this rules out is a copy of the
    // buffer, which would be over 8 MiB.)
    assert!(peak < DATA / 4, "{peak} bytes live at the peak");
}

#[test]
fn damaged_borrowed_bytes_are_an_error_not_a_panic() {
    let session = Session::new();
    for bytes in [
        &b""[..],
        &b"not a compound file"[..],
        &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1][..],
    ] {
        let err = session.opener().bytes(bytes).unwrap_err();
        assert!(matches!(err, oxmsg::Error::CorruptData { .. }), "{err:?}");
    }
}
