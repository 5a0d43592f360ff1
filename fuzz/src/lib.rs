//! Shared code of the oxmsg fuzz targets: a walk that touches everything a
//! reader can reach from an opened message, and an in-memory read-write
//! buffer whose bytes stay reachable after `opener().read_write().reader(..)` took it.

use std::io::{self, Cursor, Read, Seek, SeekFrom, Write};
use std::sync::{Arc, Mutex};

use oxmsg::{Access, Message, PropRead, Session};

/// Walks everything reachable from `msg`: properties, warnings, code page,
/// recipients and the recipient table, named properties, every attachment
/// with its properties, data stream and embedded message (recursively), and
/// the attachment table. Errors are ignored (bad input may fail); only a
/// panic, a hang or a huge allocation is a finding.
pub fn walk<A: Access>(msg: &Message<'_, A>) {
    walk_props(msg);
    let _ = msg.is_unicode();
    let _ = msg.is_embedded();
    if let Ok(rs) = msg.recipients() {
        for r in &rs {
            let _ = r.display_name();
            let _ = r.email();
            let _ = r.recipient_type();
            let _ = r.props().len();
        }
    }
    if let Ok(mut t) = msg.recipient_table() {
        let n = t.row_count();
        let _ = t.query_rows(n);
    }
    if let Ok(nums) = msg.attachment_numbers() {
        for num in nums {
            let Ok(att) = msg.open_attachment(num) else {
                continue;
            };
            walk_props(&att);
            let _ = att.method();
            let _ = att.filename();
            if let Ok(mut data) = att.data() {
                let _ = io::copy(&mut data, &mut io::sink());
            }
            if let Ok(inner) = att.open_embedded() {
                walk(&inner);
            };
        }
    }
    if let Ok(mut t) = msg.attachment_table() {
        let n = t.row_count();
        let _ = t.query_rows(n);
    }
}

/// What messages and attachments share (MAPI's IMAPIProp).
fn walk_props(o: &impl PropRead) {
    let _ = o.props();
    let _ = o.prop_list();
    let _ = o.warnings();
    let _ = o.codepage();
    let _ = o.named_props();
}

/// Writes `msg` with `to_bytes` and, when that succeeds, asserts that what
/// oxmsg wrote opens again, then walks the copy. Returns the bytes written.
pub fn write_and_reopen<A: Access>(msg: &Message<'_, A>, what: &str) -> Option<Vec<u8>> {
    let bytes = msg.to_bytes().ok()?;
    let session = Session::new();
    match session.opener().reader(Cursor::new(bytes.clone())) {
        Ok(copy) => walk(&copy),
        Err(e) => panic!("{what}: oxmsg cannot reopen what it wrote: {e}"),
    }
    Some(bytes)
}

/// An in-memory file shared between the caller and a message opened over
/// it with `opener().read_write().reader(..)`, so the saved bytes can be read back.
#[derive(Clone, Default)]
pub struct SharedBuf(pub Arc<Mutex<Cursor<Vec<u8>>>>);

impl SharedBuf {
    /// A buffer holding `data`, positioned at its start.
    pub fn new(data: Vec<u8>) -> SharedBuf {
        SharedBuf(Arc::new(Mutex::new(Cursor::new(data))))
    }

    /// A copy of the bytes now in the buffer.
    pub fn bytes(&self) -> Vec<u8> {
        self.0.lock().unwrap().get_ref().clone()
    }
}

impl Read for SharedBuf {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.lock().unwrap().read(buf)
    }
}

impl Write for SharedBuf {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Seek for SharedBuf {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.0.lock().unwrap().seek(pos)
    }
}
