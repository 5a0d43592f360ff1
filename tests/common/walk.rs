//! Opens a message and visits everything reachable through the public API:
//! the robustness tests (mutation, threads) run it over hostile inputs.
//!
//! Declared by each test that uses it with
//! `#[path = "common/walk.rs"] mod walk;`.
//!
//! The walk does not stop at the first error: each part (a property, a
//! recipient row, an attachment, an embedded message, a table) is visited on
//! its own, so a broken part does not hide the rest from the test. The first
//! error met is returned after everything else has been visited.
#![allow(dead_code)]

use std::io::{self, Cursor};

use oxmsg::{Access, Attachment, Message, PropRead, PropType, Session};

/// What a walk visited, and the first error it met.
#[derive(Default)]
pub struct Walker {
    /// Things visited: properties, streams, rows, attachments, messages, names.
    pub count: usize,
    /// Bytes read from value streams.
    pub stream_bytes: u64,
    /// The first error met.
    pub first_err: Option<oxmsg::Error>,
    /// How many operations failed.
    pub errors: usize,
}

impl Walker {
    fn note<T>(&mut self, r: oxmsg::Result<T>) -> Option<T> {
        match r {
            Ok(v) => {
                self.count += 1;
                Some(v)
            }
            Err(e) => {
                self.errors += 1;
                if self.first_err.is_none() {
                    self.first_err = Some(e);
                }
                None
            }
        }
    }

    fn io<T>(&mut self, r: io::Result<T>) -> Option<T> {
        match r {
            Ok(v) => {
                self.count += 1;
                Some(v)
            }
            Err(e) => {
                self.errors += 1;
                if self.first_err.is_none() {
                    self.first_err = Some(oxmsg::Error::Io {
                        context: "reading a value stream".into(),
                        source: e,
                    });
                }
                None
            }
        }
    }

    fn finish(self) -> Result<usize, oxmsg::Error> {
        match self.first_err {
            Some(e) => Err(e),
            None => Ok(self.count),
        }
    }
}

/// Opens `bytes` with a fresh `Session::new()` and walks everything; the
/// number of things visited, or the first error (opening included).
pub fn walk_bytes(bytes: Vec<u8>) -> Result<usize, oxmsg::Error> {
    let session = Session::new();
    let msg = session.opener().reader(Cursor::new(bytes))?;
    walk_message(&msg)
}

/// Opens `bytes` twice, with `cfb` behind a reader and with oxmsg's own
/// index over the borrowed bytes (`Opener::bytes`), and walks both: they
/// must visit the same number of things and both succeed or both fail (a
/// panic otherwise). The result of the reader's walk.
pub fn walk_bytes_both_ways(bytes: Vec<u8>) -> Result<usize, oxmsg::Error> {
    let borrowed = {
        let session = Session::new();
        session.opener().bytes(&bytes).and_then(|msg| walk_message(&msg))
    };
    let read = walk_bytes(bytes.clone());
    match (&read, &borrowed) {
        (Ok(a), Ok(b)) if a == b => {}
        (Err(_), Err(_)) => {}
        _ => panic!(
            "the reader and the borrowed bytes disagree: {:?} vs {:?}",
            read.as_ref().map_err(|e| e.to_string()),
            borrowed.as_ref().map_err(|e| e.to_string())
        ),
    }
    read
}

/// Walks an open message (top-level or embedded) and everything under it.
pub fn walk_message<A: Access>(msg: &Message<'_, A>) -> Result<usize, oxmsg::Error> {
    let mut w = Walker::default();
    walk_message_into(msg, &mut w);
    w.finish()
}

/// Walks `msg` into `w` (for callers that want the counters).
pub fn walk_message_into<A: Access>(msg: &Message<'_, A>, w: &mut Walker) {
    w.count += 1;
    let _ = msg.is_unicode();
    let _ = msg.is_embedded();
    let _ = msg.codepage();
    walk_props(msg, w);

    // Recipients, as rows and as a table.
    if let Some(rows) = w.note(msg.recipients()) {
        for r in &rows {
            w.count += r.props().len();
            let _ = (r.email(), r.display_name(), r.recipient_type(), r.row_id());
        }
        // `recipient(id)` reads every row to return one: look up the first
        // and the last only (a lookup per row is quadratic).
        for r in rows.first().into_iter().chain(rows.last()) {
            w.note(msg.recipient(r.id()));
        }
    }
    if let Some(mut t) = w.note(msg.recipient_table()) {
        let n = t.row_count();
        w.count += t.query_rows(n).len();
    }

    // Attachments, each opened on its own.
    if let Some(nums) = w.note(msg.attachment_numbers()) {
        for n in nums {
            if let Some(a) = w.note(msg.open_attachment(n)) {
                walk_attachment(&a, w);
            }
        }
    }
    if let Some(mut t) = w.note(msg.attachment_table()) {
        let n = t.row_count();
        w.count += t.query_rows(n).len();
    }
}

fn walk_attachment<A: Access>(a: &Attachment<'_, A>, w: &mut Walker) {
    w.count += 1;
    let _ = a.num();
    let _ = a.id();
    w.note(a.method());
    w.note(a.filename());
    walk_props(a, w);
    if a.is_embedded() {
        if let Some(m) = w.note(a.open_embedded()) {
            walk_message_into(&m, w);
        }
    } else {
        match a.data() {
            Ok(mut s) => {
                let len = s.len();
                if let Some(n) = w.io(io::copy(&mut s, &mut io::sink())) {
                    w.stream_bytes += n;
                    assert_eq!(
                        n,
                        len,
                        "attachment #{}: the data stream's len() and its bytes differ",
                        a.num()
                    );
                }
            }
            Err(oxmsg::Error::PropNotFound { .. }) | Err(oxmsg::Error::NoSupport { .. }) => {}
            Err(e) => {
                w.note::<()>(Err(e));
            }
        }
    }
}

/// What messages and attachments share (MAPI's IMAPIProp): every property
/// one by one, the stream-shaped ones as streams, all at once, and the
/// file's named-property map.
fn walk_props(o: &impl PropRead, w: &mut Walker) {
    w.count += o.warnings().len();
    if let Some(tags) = w.note(o.prop_list()) {
        for t in tags {
            w.note(o.get_value(t));
            w.note(o.attributes(t));
            // PR_ATTACH_DATA_OBJ is an object (embedded message or OLE
            // storage), not a stream.
            if t.id() != 0x3701 {
                walk_stream(w, t.prop_type(), || o.open_stream(t));
            }
        }
    }
    w.note(o.props());
    if let Some(names) = w.note(o.named_props()) {
        w.count += names.len();
        let ids: Vec<u16> = names.iter().map(|(id, _)| *id).collect();
        w.note(o.names_from_ids(&ids));
    }
}

/// Opens a binary or string value as a stream and reads it to the end.
fn walk_stream<'o>(w: &mut Walker, ty: PropType, open: impl FnOnce() -> oxmsg::Result<oxmsg::PropStream<'o>>) {
    if !matches!(ty, PropType::BINARY | PropType::STRING8 | PropType::UNICODE) {
        return;
    }
    match open() {
        Ok(mut s) => {
            if let Some(n) = w.io(io::copy(&mut s, &mut io::sink())) {
                w.stream_bytes += n;
            }
        }
        Err(oxmsg::Error::PropNotFound { .. }) | Err(oxmsg::Error::NoSupport { .. }) => {}
        Err(e) => {
            w.note::<()>(Err(e));
        }
    }
}
