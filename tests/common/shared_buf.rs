//! An in-memory file that a message opened with `Session::open_rw` and the
//! test share, so that the test can read the bytes the message saved.
//!
//! Declared by each test that uses it with
//! `#[path = "common/shared_buf.rs"] mod shared_buf;`.
#![allow(dead_code)]

use std::io::{self, Cursor, Read, Seek, SeekFrom, Write};
use std::sync::{Arc, Mutex};

/// A clonable handle on one in-memory file.
#[derive(Clone)]
pub struct SharedBuf(Arc<Mutex<Cursor<Vec<u8>>>>);

impl SharedBuf {
    /// A file holding `bytes`.
    pub fn new(bytes: Vec<u8>) -> SharedBuf {
        SharedBuf(Arc::new(Mutex::new(Cursor::new(bytes))))
    }

    /// The file's bytes now.
    pub fn contents(&self) -> Vec<u8> {
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
