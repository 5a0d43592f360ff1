//! The differential check between [`CompoundIndex`] and `cfb`, shared by
//! `tests/compound_differential.rs` and the `compound_diff` fuzz target.
//!
//! `cfb` is opened the way oxmsg opens files
//! (`crate::compound::repair::open_repaired`, so with its repairs), then
//! walked; every stream of the walk is read by its path with `read_to_end`.
//! The index does the same through [`CompoundIndex::walk`],
//! [`CompoundIndex::entry_by_path`] and [`CompoundIndex::read_stream`]. The
//! two must both refuse the file, or both open it and give the same walk
//! (path, type, CLSID, state bits, size, timestamps) and, for every stream,
//! the same bytes or both an error. Where `cfb` panics, the index must
//! refuse the file.

use std::fmt::Write as _;
use std::io::{Cursor, Read};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::SystemTime;

use super::indexed::filetime_to_system_time;

use super::index::{CompoundIndex, EntryKind};

/// One entry of a walk, as both sides report it.
#[derive(Debug, PartialEq)]
pub struct EntrySnapshot {
    /// The path `walk` gave.
    pub path: String,
    /// "root", "storage" or "stream".
    pub kind: &'static str,
    /// The CLSID.
    pub clsid: uuid::Uuid,
    /// The state bits.
    pub state_bits: u32,
    /// The size.
    pub len: u64,
    /// Creation time, as `cfb` converts it.
    pub created: SystemTime,
    /// Modification time, as `cfb` converts it.
    pub modified: SystemTime,
    /// For a stream, its bytes read by path, or `Err` if that failed.
    pub data: Option<Result<Vec<u8>, ()>>,
}

/// What one side made of the input.
#[derive(Debug)]
pub enum Outcome {
    /// Opened, with the walk.
    Opened(Vec<EntrySnapshot>),
    /// Refused, with the error.
    Refused(String),
    /// Panicked (only `cfb` may), with the message.
    Panicked(String),
}

/// How the two sides agreed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Agreement {
    /// Both opened the file and agree on `entries` entries, `streams` of
    /// them streams (`unreadable` of those failing to read on both sides).
    BothOpened {
        /// Entries walked.
        entries: usize,
        /// Streams read.
        streams: usize,
        /// Streams both sides failed to read.
        unreadable: usize,
        /// Whether the file needed `open_repaired`'s repairs.
        repaired: bool,
    },
    /// Both refused the file.
    BothRefused,
    /// `cfb` panicked and the index refused the file.
    CfbPanickedIndexRefused,
}

/// Compares `cfb` and the index on `bytes`; `Err` describes the first
/// disagreement.
pub fn compare(bytes: &[u8]) -> Result<Agreement, String> {
    let reference = cfb_outcome(bytes);
    let index = index_outcome(bytes);
    match (reference, index) {
        (Outcome::Opened(want), Outcome::Opened(got)) => compare_walks(&want, &got).map(|()| Agreement::BothOpened {
            entries: want.len(),
            streams: want.iter().filter(|e| e.data.is_some()).count(),
            unreadable: want.iter().filter(|e| matches!(e.data, Some(Err(())))).count(),
            repaired: CompoundIndex::parse(bytes).is_ok_and(|i| !i.repairs().is_empty()),
        }),
        (Outcome::Refused(_), Outcome::Refused(_)) => Ok(Agreement::BothRefused),
        (Outcome::Panicked(_), Outcome::Refused(_)) => Ok(Agreement::CfbPanickedIndexRefused),
        (Outcome::Opened(_), Outcome::Refused(error)) => {
            Err(format!("cfb opens the file, the index refuses it: {error}"))
        }
        (Outcome::Refused(error), Outcome::Opened(_)) => {
            Err(format!("cfb refuses the file ({error}), the index opens it"))
        }
        (Outcome::Panicked(panic), Outcome::Opened(_)) => {
            Err(format!("cfb panics ({panic}), the index opens the file"))
        }
        (_, Outcome::Panicked(panic)) => Err(format!("the index panics: {panic}")),
    }
}

fn compare_walks(want: &[EntrySnapshot], got: &[EntrySnapshot]) -> Result<(), String> {
    for (i, (w, g)) in want.iter().zip(got).enumerate() {
        if w != g {
            let mut message = format!("entry {i} differs:\n  cfb:   ");
            describe(&mut message, w);
            message.push_str("\n  index: ");
            describe(&mut message, g);
            return Err(message);
        }
    }
    if want.len() != got.len() {
        return Err(format!("cfb walks {} entries, the index {}", want.len(), got.len()));
    }
    Ok(())
}

fn describe(out: &mut String, entry: &EntrySnapshot) {
    let data = match &entry.data {
        None => String::from("-"),
        Some(Ok(bytes)) => format!("{} bytes", bytes.len()),
        Some(Err(())) => String::from("read error"),
    };
    let _ = write!(
        out,
        "{} {} clsid {} bits {:#x} len {} created {:?} modified {:?} data {data}",
        entry.path, entry.kind, entry.clsid, entry.state_bits, entry.len, entry.created, entry.modified
    );
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| String::from("(non-string panic payload)"))
}

/// `cfb`, opened as oxmsg opens files, walked and read.
pub fn cfb_outcome(bytes: &[u8]) -> Outcome {
    match catch_unwind(AssertUnwindSafe(|| cfb_walk(bytes))) {
        Ok(Ok(entries)) => Outcome::Opened(entries),
        Ok(Err(error)) => Outcome::Refused(error.to_string()),
        Err(payload) => Outcome::Panicked(panic_message(payload.as_ref())),
    }
}

fn cfb_walk(bytes: &[u8]) -> std::io::Result<Vec<EntrySnapshot>> {
    let (mut compound, _notes) = crate::compound::repair::open_repaired(Cursor::new(bytes))?;
    let walked: Vec<cfb::Entry> = compound.walk().collect();
    let mut entries = Vec::with_capacity(walked.len());
    for entry in walked {
        let data = if entry.is_stream() {
            let mut data = Vec::new();
            let read = compound
                .open_stream(entry.path())
                .and_then(|mut stream| stream.read_to_end(&mut data));
            Some(read.map(|_| data).map_err(|_| ()))
        } else {
            None
        };
        entries.push(EntrySnapshot {
            path: entry.path().to_string_lossy().into_owned(),
            kind: if entry.is_root() {
                "root"
            } else if entry.is_stream() {
                "stream"
            } else {
                "storage"
            },
            clsid: *entry.clsid(),
            state_bits: entry.state_bits(),
            len: entry.len(),
            created: entry.created(),
            modified: entry.modified(),
            data,
        });
    }
    Ok(entries)
}

/// The index, walked and read the same way.
pub fn index_outcome(bytes: &[u8]) -> Outcome {
    match catch_unwind(AssertUnwindSafe(|| index_walk(bytes))) {
        Ok(Ok(entries)) => Outcome::Opened(entries),
        Ok(Err(error)) => Outcome::Refused(error.to_string()),
        Err(payload) => Outcome::Panicked(panic_message(payload.as_ref())),
    }
}

fn index_walk(bytes: &[u8]) -> std::io::Result<Vec<EntrySnapshot>> {
    let index = CompoundIndex::parse(bytes)?;
    let mut entries = Vec::new();
    for (path, id) in index.walk() {
        let Some(entry) = index.entry(id) else { continue };
        let data = entry.is_stream().then(|| {
            index
                .entry_by_path(&path)
                .and_then(|found| index.read_stream(bytes, found))
                .map_err(|_| ())
        });
        entries.push(EntrySnapshot {
            path,
            kind: match entry.kind() {
                EntryKind::Root => "root",
                EntryKind::Stream => "stream",
                _ => "storage",
            },
            clsid: uuid::Uuid::from_bytes_le(entry.clsid()),
            state_bits: entry.state_bits(),
            len: entry.len(),
            created: filetime_to_system_time(entry.created()),
            modified: filetime_to_system_time(entry.modified()),
            data,
        });
    }
    Ok(entries)
}

/// For `benches/compound_index.rs`: opens `bytes` with `cfb` as oxmsg does
/// and reads every stream of the walk by its path; returns the bytes read.
pub fn cfb_read_all(bytes: &[u8]) -> std::io::Result<usize> {
    let (mut compound, _notes) = crate::compound::repair::open_repaired(Cursor::new(bytes))?;
    let streams: Vec<cfb::Entry> = compound.walk().filter(|e| e.is_stream()).collect();
    let mut total = 0;
    let mut data = Vec::new();
    for entry in streams {
        data.clear();
        compound.open_stream(entry.path())?.read_to_end(&mut data)?;
        total += data.len();
    }
    Ok(total)
}

/// For `benches/compound_index.rs`: parses `bytes` with the index and gets
/// every stream of the walk by its path, borrowed where contiguous
/// (`copy`: copied, as `cfb` must); returns the bytes read.
pub fn index_read_all(bytes: &[u8], copy: bool) -> std::io::Result<usize> {
    let index = CompoundIndex::parse(bytes)?;
    let mut total = 0;
    for (path, id) in index.walk() {
        if !index.entry(id).is_some_and(|e| e.is_stream()) {
            continue;
        }
        let found = index.entry_by_path(&path)?;
        total += if copy {
            index.read_stream(bytes, found)?.len()
        } else {
            index.stream_bytes(bytes, found)?.len()
        };
    }
    Ok(total)
}
