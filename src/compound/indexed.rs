//! A whole compound file in memory, read through oxmsg's own index
//! ([`CompoundIndex`]) instead of `cfb`: what a message opened from a path
//! below the memory threshold, or over a caller's borrowed bytes, reads
//! from. Read-only: saves of such a message write a new file.
//!
//! Borrowed bytes are not kept here (the session state outlives any borrow):
//! the index remembers only where they are and how long, and each read is
//! given them again by the handle that holds the borrow
//! ([`IndexedFile::open_stream_in`]), after checking they are the same bytes.

use std::borrow::Cow;
use std::io::{self, Read, Seek, SeekFrom};
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::index::{CompoundIndex, DirEntry, EntryId};

/// The bytes of a compound file (or where a caller keeps them) and their
/// index.
pub(crate) struct IndexedFile {
    index: CompoundIndex,
    bytes: Backing,
    /// Unique among the files of this process: entry ids remembered by
    /// the states read from this file are only valid with it.
    identity: u64,
}

/// The next [`IndexedFile::identity`].
static NEXT_IDENTITY: AtomicU64 = AtomicU64::new(1);

fn new_identity() -> u64 {
    NEXT_IDENTITY.fetch_add(1, Ordering::Relaxed)
}

/// Where an [`IndexedFile`]'s bytes are.
enum Backing {
    /// In memory oxmsg owns.
    Owned(Shared),
    /// In a caller's buffer, lent to the handles of the message: its address
    /// and length, to recognise it (never dereferenced).
    Borrowed { addr: usize, len: usize },
}

impl IndexedFile {
    /// Indexes `bytes`; gives the repairs made (as `repair::open_repaired`
    /// words them) with the file.
    ///
    /// # Errors
    /// Where `cfb` (with oxmsg's repairs) refuses the bytes; the
    /// differential test (`tests/compound_differential.rs`) holds the two
    /// to the same answers.
    pub(crate) fn parse(bytes: Vec<u8>) -> io::Result<(IndexedFile, Vec<String>)> {
        let index = CompoundIndex::parse(&bytes)?;
        let repairs = index.repairs().to_vec();
        Ok((
            IndexedFile {
                index,
                bytes: Backing::Owned(Shared(Arc::new(bytes))),
                identity: new_identity(),
            },
            repairs,
        ))
    }

    /// Indexes a caller's `bytes` without keeping them: every read is given
    /// them again ([`IndexedFile::open_stream_in`]).
    ///
    /// # Errors
    /// As [`IndexedFile::parse`].
    pub(crate) fn parse_borrowed(bytes: &[u8]) -> io::Result<(IndexedFile, Vec<String>)> {
        let index = CompoundIndex::parse(bytes)?;
        let repairs = index.repairs().to_vec();
        let backing = Backing::Borrowed {
            addr: bytes.as_ptr() as usize,
            len: bytes.len(),
        };
        Ok((
            IndexedFile {
                index,
                bytes: backing,
                identity: new_identity(),
            },
            repairs,
        ))
    }

    /// Whether the bytes are a caller's, to be given with each read.
    pub(crate) fn is_borrowed(&self) -> bool {
        matches!(self.bytes, Backing::Borrowed { .. })
    }

    /// Whether `bytes` are the very bytes this file was indexed from (same
    /// place, same length: a shared borrow cannot have changed them).
    pub(crate) fn is_borrowed_from(&self, bytes: &[u8]) -> bool {
        matches!(self.bytes, Backing::Borrowed { addr, len } if addr == bytes.as_ptr() as usize && len == bytes.len())
    }

    /// Which file this is: no other [`IndexedFile`] of the process has the
    /// same identity, so an [`EntryId`] kept with it cannot be used on
    /// another file.
    pub(crate) fn identity(&self) -> u64 {
        self.identity
    }

    /// The bytes oxmsg owns (`None` for a caller's borrowed bytes).
    pub(crate) fn owned_bytes(&self) -> Option<&[u8]> {
        match &self.bytes {
            Backing::Owned(bytes) => Some(bytes.as_ref()),
            Backing::Borrowed { .. } => None,
        }
    }

    /// The children of the storage at `path` with their ids, in sibling
    /// order (no allocation per child).
    ///
    /// # Errors
    /// As [`IndexedFile::children`].
    pub(crate) fn children_with_ids(&self, path: &str) -> io::Result<impl Iterator<Item = (EntryId, &DirEntry)> + '_> {
        let id = self.index.entry_by_path(path)?;
        if !self.index.entry(id).is_some_and(DirEntry::is_storage) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("Not a storage: {path:?}"),
            ));
        }
        Ok(self
            .index
            .children(id)
            .filter_map(|child| self.index.entry(child).map(|e| (child, e))))
    }

    /// The whole of stream `id` (as [`IndexedFile::open_stream`] followed by
    /// `read_to_end` would give it), from `bytes`, the file's own bytes
    /// ([`IndexedFile::owned_bytes`]) or the borrowed ones it was indexed
    /// from: borrowed from them when the stream lies in one run.
    ///
    /// # Errors
    /// Where reading the stream would fail; `NotFound` when `id` is not a
    /// stream; an error of kind `Other` for other bytes than the file's.
    pub(crate) fn stream_by_id<'b>(&self, bytes: &'b [u8], id: EntryId) -> io::Result<Cow<'b, [u8]>> {
        let own = self.owned_bytes().is_some_and(|own| std::ptr::eq(own, bytes));
        if !own && !self.is_borrowed_from(bytes) {
            return Err(io::Error::other("not the bytes the message was opened over"));
        }
        match self.index.entry(id) {
            Some(e) if e.is_stream() && e.is_empty() => Ok(Cow::Borrowed(&[])),
            Some(e) if e.is_stream() => self.index.stream_bytes(bytes, id),
            _ => Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("No stream with id {id}"),
            )),
        }
    }

    /// The length of stream `id`, as its entry gives it.
    pub(crate) fn stream_len(&self, id: EntryId) -> Option<u64> {
        self.index.entry(id).filter(|e| e.is_stream()).map(DirEntry::len)
    }

    /// The entry at `path`.
    pub(crate) fn entry(&self, path: &str) -> io::Result<&DirEntry> {
        let id = self.index.entry_by_path(path)?;
        self.index.entry(id).ok_or_else(|| not_found(path))
    }

    /// The children of the storage at `path`, in sibling order.
    pub(crate) fn children(&self, path: &str) -> io::Result<impl Iterator<Item = &DirEntry> + '_> {
        Ok(self.children_with_ids(path)?.map(|(_, entry)| entry))
    }

    /// A reader of the stream at `path`, sharing the file's bytes (nothing
    /// is copied).
    ///
    /// # Errors
    /// As `cfb`'s `open_stream`; for borrowed bytes, always (they must be
    /// given: [`IndexedFile::open_stream_in`]).
    pub(crate) fn open_stream(&self, path: &str) -> io::Result<StreamReader<Shared>> {
        match &self.bytes {
            Backing::Owned(bytes) => self.reader(bytes.clone(), path),
            Backing::Borrowed { .. } => Err(io::Error::other(
                "the message's bytes are borrowed: they are read through the message's handles",
            )),
        }
    }

    /// A reader of the stream at `path` of the borrowed `bytes`, which must
    /// be the bytes this file was indexed from ([`IndexedFile::is_borrowed_from`]).
    pub(crate) fn open_stream_in<'a>(&self, bytes: &'a [u8], path: &str) -> io::Result<StreamReader<&'a [u8]>> {
        if !self.is_borrowed_from(bytes) {
            return Err(io::Error::other("not the bytes the message was opened over"));
        }
        self.reader(bytes, path)
    }

    /// A reader of stream `path`. As `cfb`'s streams, it is lazy: opening
    /// needs only the directory entry, its length is the entry's, and the
    /// sector chain is followed (and must be sound) at the first read of a
    /// byte, so a damaged chain is an error of the read, as it is with `cfb`.
    fn reader<B: AsRef<[u8]>>(&self, bytes: B, path: &str) -> io::Result<StreamReader<B>> {
        let id: EntryId = self.index.entry_by_path(path)?;
        let entry = self.index.entry(id).ok_or_else(|| not_found(path))?;
        if !entry.is_stream() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("Not a stream: {path:?}"),
            ));
        }
        let runs = match entry.len() {
            0 => Ok(Vec::new()),
            _ => self.index.stream_runs(bytes.as_ref(), id),
        };
        Ok(StreamReader {
            bytes,
            runs,
            len: entry.len(),
            pos: 0,
        })
    }

    /// The file's bytes, when oxmsg owns them.
    pub(crate) fn into_bytes(self) -> Option<Arc<Vec<u8>>> {
        match self.bytes {
            Backing::Owned(Shared(bytes)) => Some(bytes),
            Backing::Borrowed { .. } => None,
        }
    }
}

/// Bytes shared by a file and the readers of its streams.
#[derive(Clone)]
pub(crate) struct Shared(Arc<Vec<u8>>);

impl AsRef<[u8]> for Shared {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

fn not_found(path: &str) -> io::Error {
    io::Error::new(io::ErrorKind::NotFound, format!("No such object: {path:?}"))
}

/// A FILETIME as `cfb` 0.16 converts it: the Unix epoch when the result
/// does not fit a `SystemTime`.
pub(crate) fn filetime_to_system_time(filetime: u64) -> SystemTime {
    const UNIX_EPOCH_FILETIME: u64 = 116_444_736_000_000_000;
    let duration = |delta: u64| Duration::new(delta / 10_000_000, (delta % 10_000_000) as u32 * 100);
    let time = if filetime >= UNIX_EPOCH_FILETIME {
        UNIX_EPOCH.checked_add(duration(filetime - UNIX_EPOCH_FILETIME))
    } else {
        UNIX_EPOCH.checked_sub(duration(UNIX_EPOCH_FILETIME - filetime))
    };
    time.unwrap_or(UNIX_EPOCH)
}

/// One stream of an [`IndexedFile`]: its byte ranges in the file, read in
/// order, or why they cannot be (reported by reads, not by opening).
pub(crate) struct StreamReader<B> {
    bytes: B,
    runs: io::Result<Vec<Range<usize>>>,
    len: u64,
    pos: u64,
}

impl<B: AsRef<[u8]>> Read for StreamReader<B> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() || self.pos >= self.len {
            return Ok(0);
        }
        let runs = match &self.runs {
            Ok(runs) => runs,
            Err(e) => return Err(io::Error::new(e.kind(), e.to_string())),
        };
        let mut start = 0u64;
        for run in runs {
            let run_len = run.len() as u64;
            if self.pos < start + run_len {
                let skip = (self.pos - start) as usize;
                let from = run.start + skip;
                let n = buf.len().min(run.end - from);
                let src = self.bytes.as_ref().get(from..from + n).ok_or_else(|| {
                    io::Error::new(io::ErrorKind::UnexpectedEof, "stream runs past the end of the file")
                })?;
                let Some(dst) = buf.get_mut(..n) else { return Ok(0) };
                dst.copy_from_slice(src);
                self.pos += n as u64;
                return Ok(n);
            }
            start += run_len;
        }
        Ok(0)
    }
}

impl<B> Seek for StreamReader<B> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let target = match pos {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::End(d) => self.len.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        self.pos = target.ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "seek to a negative or overflowing position",
            )
        })?;
        Ok(self.pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stream_in_several_runs_reads_and_seeks_as_one() {
        let mut r = StreamReader {
            bytes: b"0123456789abcdef",
            runs: Ok(vec![2..5, 10..12, 0..1]),
            len: 6,
            pos: 0,
        };
        let mut all = Vec::new();
        r.read_to_end(&mut all).unwrap();
        assert_eq!(all, b"234ab0");
        assert_eq!(r.seek(SeekFrom::End(-3)).unwrap(), 3);
        let mut two = [0u8; 2];
        r.read_exact(&mut two).unwrap();
        assert_eq!(&two, b"ab");
        assert_eq!(r.seek(SeekFrom::Current(-1)).unwrap(), 4);
        assert!(r.seek(SeekFrom::Current(-5)).is_err());
        assert_eq!(r.seek(SeekFrom::Start(100)).unwrap(), 100);
        assert_eq!(r.read(&mut two).unwrap(), 0);
    }
}
