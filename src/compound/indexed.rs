//! A whole compound file in memory, read through oxmsg's own index
//! ([`CompoundIndex`]) instead of `cfb`: what a message opened from a path
//! below the memory threshold reads from. Read-only: saves of such a message
//! write a new file (the engine never edits a path's file in place).

use std::io::{self, Read, Seek, SeekFrom};
use std::ops::Range;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::index::{CompoundIndex, DirEntry, EntryId};

/// The bytes of a compound file and their index.
pub(crate) struct IndexedFile {
    index: CompoundIndex,
    bytes: Arc<Vec<u8>>,
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
                bytes: Arc::new(bytes),
            },
            repairs,
        ))
    }

    /// The entry at `path`.
    pub(crate) fn entry(&self, path: &str) -> io::Result<&DirEntry> {
        let id = self.index.entry_by_path(path)?;
        self.index.entry(id).ok_or_else(|| not_found(path))
    }

    /// The children of the storage at `path`, in sibling order.
    pub(crate) fn children(&self, path: &str) -> io::Result<impl Iterator<Item = &DirEntry> + '_> {
        let id = self.index.entry_by_path(path)?;
        if !self.index.entry(id).is_some_and(DirEntry::is_storage) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("Not a storage: {path:?}"),
            ));
        }
        Ok(self.index.children(id).filter_map(|child| self.index.entry(child)))
    }

    /// A reader of the stream at `path`, sharing the file's bytes (nothing
    /// is copied).
    pub(crate) fn open_stream(&self, path: &str) -> io::Result<StreamReader> {
        let id: EntryId = self.index.entry_by_path(path)?;
        let runs = self.index.stream_runs(&self.bytes, id)?;
        let len = runs.iter().map(|r| r.len() as u64).sum();
        Ok(StreamReader {
            bytes: Arc::clone(&self.bytes),
            runs,
            len,
            pos: 0,
        })
    }

    /// The file's bytes.
    pub(crate) fn into_bytes(self) -> Arc<Vec<u8>> {
        self.bytes
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
/// order.
pub(crate) struct StreamReader {
    bytes: Arc<Vec<u8>>,
    runs: Vec<Range<usize>>,
    len: u64,
    pos: u64,
}

impl Read for StreamReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut start = 0u64;
        for run in &self.runs {
            let run_len = run.len() as u64;
            if self.pos < start + run_len {
                let skip = (self.pos - start) as usize;
                let from = run.start + skip;
                let n = buf.len().min(run.end - from);
                let src = self.bytes.get(from..from + n).ok_or_else(|| {
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

impl Seek for StreamReader {
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
            bytes: Arc::new(b"0123456789abcdef".to_vec()),
            runs: vec![2..5, 10..12, 0..1],
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
