//! The compound file behind a top-level message, with its storage type
//! erased: a caller's reader, a file, a buffer or a caller's own
//! `cfb::CompoundFile<F>` all look the same to the rest of the crate.

use std::any::Any;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};

use crate::error::{Error, Result};

use crate::compound::index::DirEntry;
use crate::compound::indexed::{filetime_to_system_time, IndexedFile};
use crate::prop::Guid;

/// What a storage or stream of the compound file looks like.
#[derive(Clone, Debug)]
pub(crate) struct EntryInfo {
    pub(crate) name: String,
    pub(crate) is_stream: bool,
    pub(crate) clsid: Guid,
    pub(crate) state_bits: u32,
    pub(crate) created: std::time::SystemTime,
    pub(crate) modified: std::time::SystemTime,
}

impl EntryInfo {
    fn from_cfb(e: &cfb::Entry) -> EntryInfo {
        EntryInfo {
            name: e.name().to_string(),
            is_stream: e.is_stream(),
            clsid: Guid::from(*e.clsid()),
            state_bits: e.state_bits(),
            created: e.created(),
            modified: e.modified(),
        }
    }
}

impl EntryInfo {
    fn from_index(e: &DirEntry) -> EntryInfo {
        EntryInfo {
            name: e.name().to_string(),
            is_stream: e.is_stream(),
            clsid: Guid::from(uuid::Uuid::from_bytes_le(e.clsid())),
            state_bits: e.state_bits(),
            created: filetime_to_system_time(e.created()),
            modified: filetime_to_system_time(e.modified()),
        }
    }
}

/// A readable stream of a compound file.
pub(crate) trait ReadSeek: Read + Seek {}
impl<T: Read + Seek> ReadSeek for T {}

/// The operations oxmsg needs from a compound file. `Send`, so that the
/// session state is `Send`: a session is kept off other threads by one
/// public marker, not by what it holds.
pub(crate) trait CompoundStore: Send {
    /// The children of a storage.
    fn children(&self, storage: &str) -> io::Result<Vec<EntryInfo>>;
    /// One entry.
    fn entry(&self, path: &str) -> io::Result<EntryInfo>;
    /// Opens a stream for reading.
    fn open_read(&mut self, path: &str) -> io::Result<Box<dyn ReadSeek>>;
    /// Creates (or truncates) a stream for writing.
    fn create_stream(&mut self, path: &str) -> io::Result<Box<dyn Write + '_>>;
    /// Creates a storage.
    fn create_storage(&mut self, path: &str) -> io::Result<()>;
    /// Removes a stream, or a storage with everything in it.
    fn remove(&mut self, path: &str) -> io::Result<()>;
    /// Sets a storage's CLSID.
    fn set_clsid(&mut self, path: &str, clsid: Guid) -> io::Result<()>;
    /// Sets an entry's state bits.
    fn set_state_bits(&mut self, path: &str, bits: u32) -> io::Result<()>;
    /// Sets a storage's creation and modification times.
    fn set_times(
        &mut self,
        path: &str,
        created: std::time::SystemTime,
        modified: std::time::SystemTime,
    ) -> io::Result<()>;
    /// The reader or writer under the compound file, for handing it back
    /// to its owner.
    fn into_inner_any(self: Box<Self>) -> Box<dyn Any>;
    /// Whether the compound file is a `cfb::CompoundFile` of type `T`.
    fn is_type(&self, t: std::any::TypeId) -> bool;
    /// The `cfb::CompoundFile<F>` itself, for handing it back to its owner.
    fn into_any(self: Box<Self>) -> Box<dyn Any>;
    /// Rewrites the message in place (see [`rewrite_in_place`]); gives back
    /// the store (reopened over the same file) and the outcome.
    fn rewrite(self: Box<Self>, image: File, commit: bool) -> (Option<Box<dyn CompoundStore>>, Result<()>);
    /// The file, when oxmsg's own index reads it (its bytes may be a
    /// caller's, given with each read: [`StoreView::Lent`]).
    fn as_indexed(&self) -> Option<&IndexedFile> {
        None
    }
}

/// A leased compound file as the engine reads and writes it: the store
/// itself, or the index of a caller's borrowed bytes with those bytes (`'a`:
/// the readers it opens live as long as the borrow, not the lease).
pub(crate) enum StoreView<'l, 'a> {
    Own(&'l mut dyn CompoundStore),
    Lent(&'l IndexedFile, &'a [u8]),
}

impl<'l, 'a> StoreView<'l, 'a> {
    /// `store` as read with `bytes`: lent when it is the index of exactly
    /// those borrowed bytes, else the store itself.
    pub(crate) fn new(store: &'l mut dyn CompoundStore, bytes: Option<&'a [u8]>) -> StoreView<'l, 'a> {
        let lent = bytes.filter(|b| store.as_indexed().is_some_and(|ix| ix.is_borrowed_from(b)));
        match lent {
            Some(bytes) => match store.as_indexed() {
                Some(indexed) => StoreView::Lent(indexed, bytes),
                None => unreachable!("`lent` is set only for an indexed file"),
            },
            None => StoreView::Own(store),
        }
    }

    /// The children of a storage.
    pub(crate) fn children(&self, storage: &str) -> io::Result<Vec<EntryInfo>> {
        match self {
            StoreView::Own(s) => s.children(storage),
            StoreView::Lent(ix, _) => Ok(ix.children(storage)?.map(EntryInfo::from_index).collect()),
        }
    }
    /// The index and the bytes it reads, when the file is read through
    /// oxmsg's index (its own bytes or a caller's).
    pub(crate) fn indexed(&self) -> Option<(&IndexedFile, &[u8])> {
        match self {
            StoreView::Own(s) => s.as_indexed().and_then(|ix| Some((ix, ix.owned_bytes()?))),
            StoreView::Lent(ix, bytes) => Some((ix, bytes)),
        }
    }
    /// One entry.
    pub(crate) fn entry(&self, path: &str) -> io::Result<EntryInfo> {
        match self {
            StoreView::Own(s) => s.entry(path),
            StoreView::Lent(ix, _) => ix.entry(path).map(EntryInfo::from_index),
        }
    }
    /// Opens a stream for reading; the reader does not borrow the lease.
    pub(crate) fn open_read(&mut self, path: &str) -> io::Result<Box<dyn ReadSeek + 'a>> {
        match self {
            StoreView::Own(s) => s.open_read(path),
            StoreView::Lent(ix, bytes) => Ok(Box::new(ix.open_stream_in(bytes, path)?)),
        }
    }
    /// The store, for writing: a caller's borrowed bytes are never written.
    pub(crate) fn writable(&mut self) -> io::Result<&mut dyn CompoundStore> {
        match self {
            StoreView::Own(s) => Ok(&mut **s),
            StoreView::Lent(..) => Err(read_only()),
        }
    }
}

impl<F: Read + Write + Seek + Send + Sync + 'static> CompoundStore for cfb::CompoundFile<F> {
    fn children(&self, storage: &str) -> io::Result<Vec<EntryInfo>> {
        Ok(self.read_storage(storage)?.map(|e| EntryInfo::from_cfb(&e)).collect())
    }
    fn entry(&self, path: &str) -> io::Result<EntryInfo> {
        Ok(EntryInfo::from_cfb(&cfb::CompoundFile::entry(self, path)?))
    }
    fn open_read(&mut self, path: &str) -> io::Result<Box<dyn ReadSeek>> {
        Ok(Box::new(self.open_stream(path)?))
    }
    fn create_stream(&mut self, path: &str) -> io::Result<Box<dyn Write + '_>> {
        Ok(Box::new(cfb::CompoundFile::create_stream(self, path)?))
    }
    fn create_storage(&mut self, path: &str) -> io::Result<()> {
        cfb::CompoundFile::create_storage(self, path)
    }
    fn remove(&mut self, path: &str) -> io::Result<()> {
        if self.is_stream(path) {
            self.remove_stream(path)
        } else {
            self.remove_storage_all(path)
        }
    }
    fn set_clsid(&mut self, path: &str, clsid: Guid) -> io::Result<()> {
        self.set_storage_clsid(path, clsid.into())
    }
    fn set_state_bits(&mut self, path: &str, bits: u32) -> io::Result<()> {
        cfb::CompoundFile::set_state_bits(self, path, bits)
    }
    fn set_times(
        &mut self,
        path: &str,
        created: std::time::SystemTime,
        modified: std::time::SystemTime,
    ) -> io::Result<()> {
        self.set_created_time(path, created)?;
        self.set_modified_time(path, modified)
    }
    fn into_any(self: Box<Self>) -> Box<dyn Any> {
        self
    }
    fn into_inner_any(self: Box<Self>) -> Box<dyn Any> {
        Box::new((*self).into_inner())
    }
    fn is_type(&self, t: std::any::TypeId) -> bool {
        std::any::TypeId::of::<Self>() == t
    }
    fn rewrite(self: Box<Self>, image: File, commit: bool) -> (Option<Box<dyn CompoundStore>>, Result<()>) {
        let mut inner = (*self).into_inner();
        let result = rewrite_in_place(&mut inner, image, commit);
        let reopened = cfb::CompoundFile::open(inner).map(|cf| Box::new(cf) as Box<dyn CompoundStore>);
        match (reopened, result) {
            (Ok(store), result) => (Some(store), result),
            (Err(e), Ok(())) => (None, Err(Error::from_cfb(e, "/", "reopening the rewritten file"))),
            (Err(_), Err(e)) => (None, Err(e)),
        }
    }
}

/// A file in memory read through oxmsg's own index: read-only (a path's
/// file is replaced by a save, never edited).
impl CompoundStore for IndexedFile {
    fn children(&self, storage: &str) -> io::Result<Vec<EntryInfo>> {
        Ok(IndexedFile::children(self, storage)?
            .map(EntryInfo::from_index)
            .collect())
    }
    fn entry(&self, path: &str) -> io::Result<EntryInfo> {
        IndexedFile::entry(self, path).map(EntryInfo::from_index)
    }
    fn open_read(&mut self, path: &str) -> io::Result<Box<dyn ReadSeek>> {
        Ok(Box::new(self.open_stream(path)?))
    }
    fn create_stream(&mut self, _path: &str) -> io::Result<Box<dyn Write + '_>> {
        Err(read_only())
    }
    fn create_storage(&mut self, _path: &str) -> io::Result<()> {
        Err(read_only())
    }
    fn remove(&mut self, _path: &str) -> io::Result<()> {
        Err(read_only())
    }
    fn set_clsid(&mut self, _path: &str, _clsid: Guid) -> io::Result<()> {
        Err(read_only())
    }
    fn set_state_bits(&mut self, _path: &str, _bits: u32) -> io::Result<()> {
        Err(read_only())
    }
    fn set_times(&mut self, _: &str, _: std::time::SystemTime, _: std::time::SystemTime) -> io::Result<()> {
        Err(read_only())
    }
    fn into_inner_any(self: Box<Self>) -> Box<dyn Any> {
        Box::new(self.into_bytes())
    }
    fn is_type(&self, _t: std::any::TypeId) -> bool {
        false
    }
    fn into_any(self: Box<Self>) -> Box<dyn Any> {
        self
    }
    fn as_indexed(&self) -> Option<&IndexedFile> {
        Some(self)
    }
    fn rewrite(self: Box<Self>, _image: File, _commit: bool) -> (Option<Box<dyn CompoundStore>>, Result<()>) {
        let refused = Error::io(read_only(), "rewriting a message read from a path in place");
        (Some(self), Err(refused))
    }
}

fn read_only() -> io::Error {
    io::Error::new(io::ErrorKind::PermissionDenied, "message opened read-only")
}

/// Saves a message in place over the caller's file `inner`: the new
/// compound file `image` (written fresh by `cfb`, with the caller's own
/// entries copied into it) is written over `inner` from its start. `cfb` is
/// never asked to change the caller's file in place, which it cannot do
/// safely on a file it only partly validated when reading (the fuzzer found
/// three such panics). A file is never shrunk in place, so when `image` is
/// shorter than `inner`, it is first padded with free sectors (a stream
/// written and removed: `cfb` keeps a file's length) so that it covers all
/// of `inner` and leaves none of the old bytes behind. A crash while the
/// image is copied over `inner` can still leave it half-written: only a
/// path is replaced atomically.
fn rewrite_in_place<F: Read + Write + Seek>(inner: &mut F, mut image: File, commit: bool) -> Result<()> {
    let io_err = |e: io::Error| Error::io(e, "rewriting the message in place");
    let old_len = inner.seek(SeekFrom::End(0)).map_err(io_err)?;
    let new_len = image.seek(SeekFrom::End(0)).map_err(io_err)?;
    if new_len < old_len {
        image.rewind().map_err(io_err)?;
        let mut cf = cfb::CompoundFile::open(image).map_err(io_err)?;
        const PAD: &str = "/__oxmsg_padding";
        // At least the mini-stream cutoff, so that it takes whole sectors.
        let pad = (old_len - new_len).max(4096);
        let mut s = cfb::CompoundFile::create_stream(&mut cf, PAD).map_err(io_err)?;
        io::copy(&mut io::repeat(0).take(pad), &mut s).map_err(io_err)?;
        s.flush().map_err(io_err)?;
        drop(s);
        cf.remove_stream(PAD).map_err(io_err)?;
        cfb::CompoundFile::flush(&mut cf).map_err(io_err)?;
        image = cf.into_inner();
    }
    image.rewind().map_err(io_err)?;
    inner.rewind().map_err(io_err)?;
    io::copy(&mut image, inner).map_err(io_err)?;
    if commit {
        inner.flush().map_err(io_err)?;
    }
    Ok(())
}

/// Gives a reader the `Write` that `cfb::CompoundFile` wants for a uniform
/// type; every write fails. Read-only messages never write (the `ReadOnly`
/// marker has no saving method), so this is a second line of defence.
pub(crate) struct ReadOnlyFile<R>(pub(crate) R);

impl<R: Read> Read for ReadOnlyFile<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}
impl<R: Seek> Seek for ReadOnlyFile<R> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.0.seek(pos)
    }
}
impl<R> Write for ReadOnlyFile<R> {
    fn write(&mut self, _buf: &[u8]) -> io::Result<usize> {
        Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            "message opened read-only",
        ))
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
