//! Property streams: large values read and written without loading them
//! whole (MAPI: `IMAPIProp::OpenProperty(tag, IID_IStream, …)`).

use std::io::{self, Read, Seek, SeekFrom, Write};
use std::marker::PhantomData;

use crate::error::{Error, Result};
use crate::prop::PropTag;
use crate::session::Session;
use crate::store::backing::ReadSeek;
use crate::store::state::Spill;
use crate::store::NodeKey;

/// A property value opened as a stream for reading; it borrows the object
/// it was opened on, so it cannot outlive it.
///
/// The bytes are the value as stored: UTF-16LE for PT_UNICODE, code-page
/// bytes for PT_STRING8, raw bytes for PT_BINARY; without terminator.
///
/// MAPI: `OpenProperty(tag, IID_IStream, 0, 0)`.
pub struct PropStream<'o> {
    inner: Box<dyn ReadSeek>,
    tag: PropTag,
    len: u64,
    _object: PhantomData<&'o ()>,
}

impl<'o> PropStream<'o> {
    pub(crate) fn new(tag: PropTag, mut inner: Box<dyn ReadSeek>) -> Result<PropStream<'o>> {
        let len = inner
            .seek(SeekFrom::End(0))
            .and_then(|l| inner.rewind().map(|_| l))
            .map_err(|e| Error::io(e, format!("opening the stream of {tag}")))?;
        Ok(PropStream {
            inner,
            tag,
            len,
            _object: PhantomData,
        })
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
}

impl Read for PropStream<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf)
    }
}

impl Seek for PropStream<'_> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.inner.seek(pos)
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

/// A property value opened for writing, on a read-write object. What is
/// written replaces the value when the stream is committed
/// ([`PropStreamMut::commit`], or dropped); the value then becomes part of
/// the object's unsaved changes, like any `set`. Large values go to a
/// temporary file, not memory.
///
/// MAPI: `OpenProperty(tag, IID_IStream, STGM_WRITE, MAPI_MODIFY | MAPI_CREATE)`
/// and `IStream::Commit`.
pub struct PropStreamMut<'o> {
    session: &'o Session,
    key: NodeKey,
    tag: PropTag,
    buf: Option<Buffer>,
}

impl<'o> PropStreamMut<'o> {
    pub(crate) fn new(session: &'o Session, key: NodeKey, tag: PropTag) -> PropStreamMut<'o> {
        PropStreamMut {
            session,
            key,
            tag,
            buf: Some(Buffer::Memory(io::Cursor::new(Vec::new()))),
        }
    }

    /// The tag being written.
    pub fn tag(&self) -> PropTag {
        self.tag
    }

    /// Sets the value to what was written. MAPI: `IStream::Commit`.
    ///
    /// # Errors
    /// The object was deleted or closed ([`Error::ObjectDeleted`]), or the
    /// temporary file failed.
    pub fn commit(mut self) -> Result<()> {
        self.finish()
    }

    fn finish(&mut self) -> Result<()> {
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
        self.session.inner.borrow_mut().set_spilled(self.key, self.tag, spill)
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
            if c.get_ref().len() + data.len() > Spill::MEMORY_MAX {
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
        // Most MAPI callers never call Commit; a dropped stream commits too.
        let _ = self.finish();
    }
}

impl std::fmt::Debug for PropStreamMut<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PropStreamMut").field("tag", &self.tag).finish()
    }
}
