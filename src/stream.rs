//! Property streams: large values read and written without loading them
//! whole (MAPI: `IMAPIProp::OpenProperty(tag, IID_IStream, …)`).

use std::io::{self, Read, Seek, SeekFrom, Write};

use crate::error::{Error, Result};
use crate::prop::PropTag;
use crate::store::backing::ReadSeek;
use crate::store::engine::Ctx;
use crate::store::props::{OpenedValue, PropChange};
use crate::store::state::Spill;
use crate::store::{Engine, FileKey, NodeKey, OpenWriters};

/// A property value opened as a stream for reading; it borrows the object
/// it was opened on, so it cannot outlive it, and the object cannot be
/// saved while it is open.
///
/// The bytes are the value as stored: UTF-16LE for PT_UNICODE, code-page
/// bytes for PT_STRING8, raw bytes for PT_BINARY; without terminator.
///
/// Reading it reads the message's compound file; if that file is a
/// caller's reader and the reader calls back into the session, a call that
/// needs the same file gets [`Error::Busy`](crate::Error::Busy).
///
/// # MAPI
/// `IMAPIProp::OpenProperty(tag, IID_IStream, 0, 0)`.
pub struct PropStream<'o> {
    ctx: Ctx<'o>,
    file: Option<FileKey>,
    inner: Box<dyn ReadSeek + 'o>,
    tag: PropTag,
    len: u64,
}

impl<'o> PropStream<'o> {
    pub(crate) fn new(ctx: Ctx<'o>, opened: OpenedValue<'o>) -> Result<PropStream<'o>> {
        let mut s = PropStream {
            ctx,
            file: opened.file,
            inner: opened.reader,
            tag: opened.tag,
            len: 0,
        };
        let tag = s.tag;
        s.len = s
            .seek(SeekFrom::End(0))
            .and_then(|l| s.rewind().map(|_| l))
            .map_err(|e| Error::io(e, format!("opening the stream of {tag}")))?;
        Ok(s)
    }

    /// The tag of the value, with its stored type.
    pub fn tag(&self) -> PropTag {
        self.tag
    }

    /// The length of the value in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the value is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Runs `f` on the reader, holding the compound file it reads (so no
    /// other call enters the same file meanwhile).
    fn with_reader<T>(&mut self, f: impl FnOnce(&mut dyn ReadSeek) -> io::Result<T>) -> io::Result<T> {
        let _lease = match self.file {
            Some(file) => Some(self.ctx.lease(file).map_err(io::Error::other)?),
            None => None,
        };
        f(&mut *self.inner)
    }
}

impl Read for PropStream<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.with_reader(|r| r.read(buf))
    }
}

impl Seek for PropStream<'_> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.with_reader(|r| r.seek(pos))
    }
}

impl std::fmt::Debug for PropStream<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PropStream")
            .field("tag", &self.tag)
            .field("len", &self.len)
            .finish()
    }
}

/// Where written bytes go: memory first, a temporary file past 1 MiB.
enum Buffer {
    Memory(io::Cursor<Vec<u8>>),
    File(tempfile::NamedTempFile),
}

/// A property value opened for writing, on a read-write object.
///
/// What is written becomes the value only when [`PropStreamMut::commit`]
/// succeeds; dropping the stream without committing discards it and leaves
/// the old value exactly as it was (git2's `BlobWriter`, rusqlite's
/// `DropBehavior::Rollback`). While a written stream is open, its object
/// (and any message it is part of) refuses to save with
/// [`Error::StreamOpen`](crate::Error::StreamOpen), so a save never leaves
/// out what was written. Large values go to a temporary file, not memory.
///
/// # MAPI
/// `OpenProperty(tag, IID_IStream, STGM_WRITE, MAPI_MODIFY | MAPI_CREATE)`
/// and `IStream::Commit`. MAPI's transacted streams also discard on
/// Release without Commit.
pub struct PropStreamMut<'o> {
    engine: &'o Engine,
    key: NodeKey,
    tag: PropTag,
    buf: Option<Buffer>,
    open_writers: OpenWriters,
}

impl<'o> PropStreamMut<'o> {
    pub(crate) fn new(engine: &'o Engine, key: NodeKey, tag: PropTag, open_writers: OpenWriters) -> Self {
        open_writers.opened();
        PropStreamMut {
            engine,
            key,
            tag,
            buf: Some(Buffer::Memory(io::Cursor::new(Vec::new()))),
            open_writers,
        }
    }

    /// The tag being written.
    pub fn tag(&self) -> PropTag {
        self.tag
    }

    /// Makes what was written the property's value (an unsaved change of
    /// the object, like any `set`).
    ///
    /// # Errors
    /// [`Error::ObjectDeleted`] when the object was deleted or closed;
    /// [`Error::BadValue`] for bytes that are not a value of the tag's
    /// type; I/O errors of the temporary file. On error the old value stays.
    ///
    /// # MAPI
    /// `IStream::Commit`.
    pub fn commit(self) -> Result<()> {
        self.commit_with(Vec::new())
    }

    /// Commits, and makes `then` with it: all or nothing.
    pub(crate) fn commit_with(mut self, then: Vec<PropChange>) -> Result<()> {
        let Some(buf) = self.buf.take() else { return Ok(()) };
        let spill = match buf {
            Buffer::Memory(c) => Spill::Memory(c.into_inner()),
            Buffer::File(mut f) => {
                let len = f
                    .as_file_mut()
                    .seek(SeekFrom::End(0))
                    .map_err(|e| Error::io(e, "finishing a written stream"))?;
                f.as_file_mut()
                    .flush()
                    .map_err(|e| Error::io(e, "finishing a written stream"))?;
                Spill::File { file: f, len }
            }
        };
        self.engine.ctx().set_spilled(self.key, self.tag, spill, then)
    }

    fn buffer(&mut self) -> io::Result<&mut Buffer> {
        self.buf
            .as_mut()
            .ok_or_else(|| io::Error::other("stream already committed"))
    }
}

impl Write for PropStreamMut<'_> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let buf = self.buffer()?;
        if let Buffer::Memory(c) = buf {
            if c.get_ref().len().saturating_add(data.len()) > Spill::MEMORY_MAX {
                let mut f = tempfile::NamedTempFile::new()?;
                f.write_all(c.get_ref())?;
                f.as_file_mut().seek(SeekFrom::Start(c.position()))?;
                *buf = Buffer::File(f);
            }
        }
        match buf {
            Buffer::Memory(c) => c.write(data),
            Buffer::File(f) => f.write(data),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self.buffer()? {
            Buffer::Memory(_) => Ok(()),
            Buffer::File(f) => f.flush(),
        }
    }
}

impl Seek for PropStreamMut<'_> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        match self.buffer()? {
            Buffer::Memory(c) => c.seek(pos),
            Buffer::File(f) => f.as_file_mut().seek(pos),
        }
    }
}

impl Drop for PropStreamMut<'_> {
    fn drop(&mut self) {
        // Not committed: the written bytes are discarded with the buffer.
        self.open_writers.closed();
    }
}

impl std::fmt::Debug for PropStreamMut<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PropStreamMut").field("tag", &self.tag).finish()
    }
}
