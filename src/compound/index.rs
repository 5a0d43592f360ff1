//! A read-only index of an OLE compound file ([MS-CFB]) over borrowed bytes.
//!
//! [`CompoundIndex::parse`] reads the header (MS-CFB section 2.2), the DIFAT
//! (2.5), the FAT (2.3), the directory (2.6) and the mini FAT (2.4) of a
//! file held in memory and keeps only small tables: the FAT and mini FAT,
//! the directory entries with their names normalised once for lookups, and
//! the sector chain of the mini stream. It never keeps the bytes: every read
//! takes them again ([`CompoundIndex::read_stream`],
//! [`CompoundIndex::stream_bytes`], which borrows instead of copying when a
//! stream is contiguous in the file).
//!
//! # Same answers as `cfb`
//!
//! The `cfb` crate (0.16, opened the way oxmsg opens files, through
//! `crate::compound::repair::open_repaired`) is the reference. The index
//! accepts exactly the files `cfb` accepts in its permissive mode, and
//! refuses (with an error) the files it refuses; for the files it accepts
//! it shows the same entries (names, types, CLSIDs, state bits, sizes,
//! timestamps), finds the same entry for a path, and reads the same bytes,
//! or fails, for every stream. Each function below says which check of
//! `cfb`'s `open` it mirrors where that is not obvious. `tests/
//! compound_differential.rs` and the `compound_diff` fuzz target hold the
//! two to that.
//!
//! Where `cfb` is lenient, so is the index: a version 3 header's directory
//! sector count, a root entry's name, a stream's CLSID and timestamps and a
//! storage's start sector and size are ignored; adjacent red nodes and
//! unbalanced sibling trees are accepted (only each parent-child pair of a
//! sibling tree must be in order); FAT entries past the end of the file
//! that are zero, free or FAT/DIFAT markers are dropped, and FAT entries
//! pointing past the end end their chain there; the mini FAT is cut to the
//! size of the mini stream. When the file is refused as it is, the repairs
//! of `open_repaired` are tried (see `repair.rs`).
//!
//! [MS-CFB]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-cfb/

use std::borrow::Cow;
use std::io;
use std::ops::Range;
use std::rc::Rc;

use super::names::{hash_name, Name};
use super::repair_plan::{self, Repairs};

/// Length of the compound file header (MS-CFB 2.2), in bytes.
pub(crate) const HEADER_LEN: usize = 512;
/// The header signature (MS-CFB 2.2).
pub(crate) const MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
/// Where the header's DIFAT slots start, and how many there are.
pub(crate) const HEADER_DIFAT_OFFSET: usize = 76;
pub(crate) const HEADER_DIFAT_SLOTS: usize = 109;
/// Sector numbers (MS-CFB 2.1): the largest regular one, then the markers.
pub(crate) const MAX_REGULAR_SECTOR: u32 = 0xFFFF_FFFA;
const INVALID_SECTOR: u32 = 0xFFFF_FFFB;
pub(crate) const DIFAT_SECTOR: u32 = 0xFFFF_FFFC;
pub(crate) const FAT_SECTOR: u32 = 0xFFFF_FFFD;
pub(crate) const END_OF_CHAIN: u32 = 0xFFFF_FFFE;
pub(crate) const FREE_SECTOR: u32 = 0xFFFF_FFFF;
/// Streams shorter than this live in the mini stream (MS-CFB 2.2).
pub(crate) const MINI_STREAM_CUTOFF: u64 = 4096;
const MINI_SECTOR_SHIFT: u16 = 6;
const MINI_SECTOR_LEN: usize = 64;
const BYTE_ORDER_MARK: u16 = 0xFFFE;
/// Directory entries (MS-CFB 2.6).
const DIR_ENTRY_LEN: usize = 128;
const NO_STREAM: u32 = 0xFFFF_FFFF;
const MAX_REGULAR_STREAM_ID: u32 = 0xFFFF_FFFA;
const ROOT_ID: EntryId = 0;
const ROOT_NAME: &str = "Root Entry";

/// The number of a directory entry: its position in the directory.
pub type EntryId = u32;

/// The little-endian `u32` at `offset`; 0 if `bytes` is too short (callers
/// read fixed offsets of slices they have sized).
pub(crate) fn le_u32(bytes: &[u8], offset: usize) -> u32 {
    let mut word = [0u8; 4];
    if let Some(src) = offset.checked_add(4).and_then(|end| bytes.get(offset..end)) {
        word.copy_from_slice(src);
    }
    u32::from_le_bytes(word)
}

/// The little-endian `u64` at `offset`; 0 if `bytes` is too short.
pub(crate) fn le_u64(bytes: &[u8], offset: usize) -> u64 {
    u64::from(le_u32(bytes, offset)) | (u64::from(le_u32(bytes, offset.saturating_add(4))) << 32)
}

fn le_u16(bytes: &[u8], offset: usize) -> u16 {
    let lo = bytes.get(offset).copied().unwrap_or(0);
    let hi = bytes.get(offset.saturating_add(1)).copied().unwrap_or(0);
    u16::from_le_bytes([lo, hi])
}

fn invalid_data(message: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.into())
}

fn truncated() -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        "compound file ends inside a sector it uses",
    )
}

//===========================================================================//

/// What a directory entry is (MS-CFB 2.6.1, Object Type).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKind {
    /// An unused directory slot.
    Unallocated,
    /// A storage (a folder).
    Storage,
    /// A stream (a file).
    Stream,
    /// The root storage; its stream is the mini stream.
    Root,
}

impl EntryKind {
    fn from_byte(byte: u8) -> Option<EntryKind> {
        match byte {
            0 => Some(EntryKind::Unallocated),
            1 => Some(EntryKind::Storage),
            2 => Some(EntryKind::Stream),
            5 => Some(EntryKind::Root),
            _ => None,
        }
    }
}

/// One directory entry (MS-CFB 2.6.1), as `cfb` reports it.
#[derive(Clone, Debug)]
pub struct DirEntry {
    name: Name,
    kind: EntryKind,
    left: u32,
    right: u32,
    child: u32,
    clsid: [u8; 16],
    state_bits: u32,
    created: u64,
    modified: u64,
    start_sector: u32,
    len: u64,
}

impl DirEntry {
    /// The entry's name ("Root Entry" for the root, whatever the file says).
    pub fn name(&self) -> &str {
        self.name.as_str()
    }

    /// What the entry is.
    pub fn kind(&self) -> EntryKind {
        self.kind
    }

    /// Whether the entry is a stream.
    pub fn is_stream(&self) -> bool {
        self.kind == EntryKind::Stream
    }

    /// Whether the entry is a storage or the root storage.
    pub fn is_storage(&self) -> bool {
        matches!(self.kind, EntryKind::Storage | EntryKind::Root)
    }

    /// The CLSID as stored (a little-endian GUID); all zeroes for streams.
    pub fn clsid(&self) -> [u8; 16] {
        self.clsid
    }

    /// The user-defined state bits.
    pub fn state_bits(&self) -> u32 {
        self.state_bits
    }

    /// Creation time as a FILETIME (100 ns since 1601); 0 for streams.
    pub fn created(&self) -> u64 {
        self.created
    }

    /// Modification time as a FILETIME; 0 for streams.
    pub fn modified(&self) -> u64 {
        self.modified
    }

    /// The stream's size in bytes (the mini stream's for the root; 0 for
    /// storages). Version 3 files keep only the low 32 bits.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether [`len`](Self::len) is 0.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// The header fields the index uses (MS-CFB 2.2).
struct Header {
    major_version: u16,
    sector_len: usize,
    num_fat_sectors: u32,
    first_dir_sector: u32,
    first_minifat_sector: u32,
    first_difat_sector: u32,
    /// The header's DIFAT slots up to the first `FREESECT`, then free.
    initial_difat: [u32; HEADER_DIFAT_SLOTS],
}

/// The file as the parser sees it: its bytes, its geometry and the repairs
/// to apply while reading the DIFAT and FAT.
struct View<'a> {
    bytes: &'a [u8],
    sector_len: usize,
    /// Sectors after the header, counting a partial last one (as `cfb`).
    num_sectors: u32,
    repairs: &'a Repairs,
}

impl View<'_> {
    /// The byte range of `len` bytes from `within` into `sector`, if the
    /// file holds all of it.
    fn range(&self, sector: u32, within: usize, len: usize) -> io::Result<Range<usize>> {
        if sector >= self.num_sectors {
            return Err(invalid_data(format!(
                "sector {sector} is past the end of the file ({} sectors)",
                self.num_sectors
            )));
        }
        let start = (sector as usize)
            .checked_add(1)
            .and_then(|s| s.checked_mul(self.sector_len))
            .and_then(|s| s.checked_add(within))
            .ok_or_else(truncated)?;
        let end = start.checked_add(len).ok_or_else(truncated)?;
        if end > self.bytes.len() {
            return Err(truncated());
        }
        Ok(start..end)
    }

    /// A whole sector.
    fn sector(&self, sector: u32) -> io::Result<&[u8]> {
        let range = self.range(sector, 0, self.sector_len)?;
        self.bytes.get(range).ok_or_else(truncated)
    }

    fn entries_per_sector(&self) -> usize {
        self.sector_len / 4
    }
}

/// An index of a compound file's structure; see the module documentation.
#[derive(Debug)]
pub struct CompoundIndex {
    file_len: usize,
    major_version: u16,
    sector_len: usize,
    /// One entry per sector of the file, FAT and DIFAT sectors marked.
    fat: Vec<u32>,
    minifat: Vec<u32>,
    /// The root entry's sector chain, or `None` if it cannot be followed
    /// (then reading from the mini stream fails, as with `cfb`).
    mini_stream_sectors: Option<Vec<u32>>,
    entries: Vec<DirEntry>,
    /// Whether each entry is reachable from the root (so its links were
    /// checked and cannot loop).
    reachable: Vec<bool>,
    /// `(parent, hash of the child's name key, child)` for every entry
    /// reachable from the root, sorted; one per name.
    lookup: Vec<(EntryId, u64, EntryId)>,
    repair_notes: Vec<String>,
}

impl CompoundIndex {
    /// Parses the structure of the compound file `bytes`.
    ///
    /// Refuses (with an `InvalidData` or `UnexpectedEof` error, or
    /// `InvalidInput` for a name `cfb` cannot represent) exactly the files
    /// `cfb` 0.16 refuses when opened as oxmsg opens them.
    pub fn parse(bytes: &[u8]) -> io::Result<CompoundIndex> {
        let as_is = Repairs::default();
        let error = match parse_view(bytes, &as_is) {
            Ok(index) => return Ok(index),
            Err(error) => error,
        };
        // `open_repaired` repairs only what `cfb` calls invalid data.
        if error.kind() != io::ErrorKind::InvalidData {
            return Err(error);
        }
        let Some(repairs) = repair_plan::plan(bytes) else {
            return Err(error);
        };
        match parse_view(bytes, &repairs) {
            Ok(mut index) => {
                index.repair_notes = repairs.notes;
                Ok(index)
            }
            Err(_) => Err(error),
        }
    }

    /// The repairs made to read the file (empty for a tidy file), worded as
    /// `open_repaired` words them.
    pub fn repairs(&self) -> &[String] {
        &self.repair_notes
    }

    /// The file's major version: 3 (512-byte sectors) or 4 (4096).
    pub fn major_version(&self) -> u16 {
        self.major_version
    }

    /// The root storage.
    pub fn root(&self) -> EntryId {
        ROOT_ID
    }

    /// The directory entry `id`, if the directory has one.
    pub fn entry(&self, id: EntryId) -> Option<&DirEntry> {
        self.entries.get(id as usize)
    }

    /// The children of `storage`, in the order of their sibling tree (the
    /// order `cfb`'s `walk` and `read_storage` give); none if `storage` is
    /// not a storage reachable from the root.
    pub fn children(&self, storage: EntryId) -> Children<'_> {
        let mut children = Children {
            index: self,
            stack: Vec::new(),
        };
        let reachable = self.reachable.get(storage as usize) == Some(&true);
        if let Some(entry) = self.entry(storage).filter(|e| reachable && e.is_storage()) {
            children.push_left_spine(entry.child);
        }
        children
    }

    /// The child of `parent` called `name`, compared the MS-CFB way (case
    /// insensitive); allocates nothing.
    pub fn find(&self, parent: EntryId, name: &str) -> Option<EntryId> {
        let hash = hash_name(name);
        let first = self.lookup.partition_point(|&(p, h, _)| (p, h) < (parent, hash));
        let candidates = self.lookup.get(first..).unwrap_or_default();
        candidates
            .iter()
            .take_while(|&&(p, h, _)| (p, h) == (parent, hash))
            .map(|&(_, _, child)| child)
            .find(|&child| {
                self.entry(child)
                    .is_some_and(|entry| entry.name.key().cmp_name(name) == std::cmp::Ordering::Equal)
            })
    }

    /// The entry at `path` ("/", "/a/b"), resolved as `cfb` resolves paths:
    /// empty and "." components are skipped, and ".." drops the name before
    /// it before anything is looked up ("/nope/../a" is "/a").
    pub fn entry_by_path(&self, path: &str) -> io::Result<EntryId> {
        let names = path.split('/').filter(|c| !matches!(*c, "" | "."));
        if !path.split('/').any(|c| c == "..") {
            return self.entry_by_names(names, path);
        }
        let mut kept: Vec<&str> = Vec::new();
        for name in names {
            if name != ".." {
                kept.push(name);
            } else if kept.pop().is_none() {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "Invalid path (must be within root)",
                ));
            }
        }
        self.entry_by_names(kept.into_iter(), path)
    }

    fn entry_by_names<'p>(&self, names: impl Iterator<Item = &'p str>, path: &str) -> io::Result<EntryId> {
        let mut current = ROOT_ID;
        for name in names {
            current = self
                .find(current, name)
                .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("No such object: {path:?}")))?;
        }
        Ok(current)
    }

    /// Every entry reachable from the root, with its path, in `cfb`'s
    /// `walk` order: the root, then each storage's children in sibling
    /// order, each followed by its own subtree.
    pub fn walk(&self) -> Walk<'_> {
        Walk {
            index: self,
            stack: vec![(Rc::from("/"), ROOT_ID, false)],
        }
    }

    /// The bytes of stream `id`, copied.
    pub fn read_stream(&self, bytes: &[u8], id: EntryId) -> io::Result<Vec<u8>> {
        self.stream_bytes(bytes, id).map(Cow::into_owned)
    }

    /// The bytes of stream `id`: borrowed from `bytes` (the same bytes the
    /// index was parsed from) when the stream is contiguous in the file,
    /// else gathered into a new buffer. Fails where `cfb`'s `read_to_end`
    /// fails: a broken or short chain, or a stream running past the end of
    /// the file.
    pub fn stream_bytes<'a>(&self, bytes: &'a [u8], id: EntryId) -> io::Result<Cow<'a, [u8]>> {
        let runs = self.stream_runs(bytes, id)?;
        match runs.as_slice() {
            [] => Ok(Cow::Borrowed(&[])),
            [only] => bytes.get(only.clone()).map(Cow::Borrowed).ok_or_else(truncated),
            _ => {
                let mut out = Vec::with_capacity(runs.iter().map(|r| r.len()).sum());
                for run in runs {
                    out.extend_from_slice(bytes.get(run).ok_or_else(truncated)?);
                }
                Ok(Cow::Owned(out))
            }
        }
    }

    /// The byte ranges of `bytes` that make up stream `id`, in order, with
    /// adjacent ranges merged.
    pub fn stream_runs(&self, bytes: &[u8], id: EntryId) -> io::Result<Vec<Range<usize>>> {
        if bytes.len() != self.file_len {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not the bytes the compound index was parsed from",
            ));
        }
        let entry = self
            .entry(id)
            .filter(|e| e.is_stream())
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "Not a stream"))?;
        let view = View {
            bytes,
            sector_len: self.sector_len,
            num_sectors: self.fat.len() as u32,
            repairs: &Repairs::default(),
        };
        let len = entry.len;
        let in_mini_stream = len < MINI_STREAM_CUTOFF;
        // As `cfb`'s `read_to_end`: the chain is followed (and must be
        // sound) even for an empty stream, unless it starts at ENDOFCHAIN.
        let chain = if entry.start_sector == END_OF_CHAIN {
            Vec::new()
        } else if in_mini_stream {
            follow_chain(&self.minifat, entry.start_sector)?
        } else {
            follow_chain(&self.fat, entry.start_sector)?
        };
        let unit = if in_mini_stream {
            MINI_SECTOR_LEN
        } else {
            self.sector_len
        };
        let len = usize::try_from(len).map_err(|_| truncated())?;
        if (chain.len() as u64) * (unit as u64) < len as u64 {
            return Err(truncated());
        }
        let mut runs = Runs::default();
        let mut left = len;
        for &sector in &chain {
            if left == 0 {
                break;
            }
            let take = left.min(unit);
            let range = if in_mini_stream {
                self.mini_sector_range(&view, sector, take)?
            } else {
                view.range(sector, 0, take)?
            };
            runs.push(range);
            left -= take;
        }
        Ok(runs.0)
    }

    /// The file bytes of the first `len` bytes of mini sector `mini`.
    fn mini_sector_range(&self, view: &View<'_>, mini: u32, len: usize) -> io::Result<Range<usize>> {
        let per_sector = self.sector_len / MINI_SECTOR_LEN;
        let sector = self
            .mini_stream_sectors
            .as_ref()
            .and_then(|sectors| sectors.get(mini as usize / per_sector))
            .ok_or_else(|| invalid_data("mini sector outside the mini stream"))?;
        view.range(*sector, (mini as usize % per_sector) * MINI_SECTOR_LEN, len)
    }
}

/// Byte ranges, merged when one starts where the last ended.
#[derive(Default)]
struct Runs(Vec<Range<usize>>);

impl Runs {
    fn push(&mut self, range: Range<usize>) {
        match self.0.last_mut() {
            Some(last) if last.end == range.start => last.end = range.end,
            _ => self.0.push(range),
        }
    }
}

/// Iterator over a storage's children; see [`CompoundIndex::children`].
pub struct Children<'a> {
    index: &'a CompoundIndex,
    stack: Vec<EntryId>,
}

impl Children<'_> {
    fn push_left_spine(&mut self, mut id: u32) {
        while let Some(entry) = self.index.entry(id) {
            self.stack.push(id);
            id = entry.left;
        }
    }
}

impl Iterator for Children<'_> {
    type Item = EntryId;

    fn next(&mut self) -> Option<EntryId> {
        let id = self.stack.pop()?;
        if let Some(entry) = self.index.entry(id) {
            self.push_left_spine(entry.right);
        }
        Some(id)
    }
}

/// Iterator over every entry with its path; see [`CompoundIndex::walk`].
pub struct Walk<'a> {
    index: &'a CompoundIndex,
    /// `(parent path, entry, whether to visit its right siblings)`, as in
    /// `cfb`'s `Entries`; siblings share their parent's path.
    stack: Vec<(Rc<str>, EntryId, bool)>,
}

impl Walk<'_> {
    fn push_left_spine(&mut self, parent: &Rc<str>, mut id: u32) {
        while let Some(entry) = self.index.entry(id) {
            self.stack.push((Rc::clone(parent), id, true));
            id = entry.left;
        }
    }
}

impl Iterator for Walk<'_> {
    type Item = (String, EntryId);

    fn next(&mut self) -> Option<(String, EntryId)> {
        let (parent, id, visit_siblings) = self.stack.pop()?;
        let entry = self.index.entry(id)?;
        let path = if entry.kind == EntryKind::Root {
            String::from(&*parent)
        } else {
            join_path(&parent, entry.name())
        };
        if visit_siblings {
            self.push_left_spine(&parent, entry.right);
        }
        if entry.kind != EntryKind::Stream && entry.child != NO_STREAM {
            self.push_left_spine(&Rc::from(path.as_str()), entry.child);
        }
        Some((path, id))
    }
}

/// `parent` joined with `name` as `PathBuf::push` joins them.
fn join_path(parent: &str, name: &str) -> String {
    let mut path = String::with_capacity(parent.len() + 1 + name.len());
    path.push_str(parent);
    if !parent.ends_with('/') {
        path.push('/');
    }
    path.push_str(name);
    path
}

//===========================================================================//
// Parsing, in the order `cfb`'s `CompoundFile::open` checks things.

fn parse_view(bytes: &[u8], repairs: &Repairs) -> io::Result<CompoundIndex> {
    if bytes.len() < HEADER_LEN {
        return Err(invalid_data(format!(
            "Invalid CFB file ({} bytes is too small)",
            bytes.len()
        )));
    }
    let header = parse_header(bytes, repairs)?;
    let file_len = bytes.len() as u64;
    let sector_len = header.sector_len as u64;
    if file_len > (u64::from(MAX_REGULAR_SECTOR) + 1) * sector_len {
        return Err(invalid_data("Invalid CFB file (too large)"));
    }
    if file_len < sector_len {
        return Err(invalid_data("Invalid CFB file (shorter than a sector)"));
    }
    let num_sectors =
        u32::try_from(file_len.div_ceil(sector_len) - 1).map_err(|_| invalid_data("Invalid CFB file (too large)"))?;
    let view = View {
        bytes,
        sector_len: header.sector_len,
        num_sectors,
        repairs,
    };
    let (difat, difat_sectors) = read_difat(&view, &header)?;
    let mut fat = read_fat(&view, &difat)?;
    check_fat(&mut fat, &difat_sectors, &difat)?;
    let entries = read_directory(&view, &header, &fat)?;
    let reachable = check_tree(&entries)?;
    let lookup = build_lookup(&entries);
    let minifat = read_minifat(&view, &header, &fat, &entries)?;
    let mini_stream_sectors = entries.first().and_then(|root| match root.start_sector {
        END_OF_CHAIN => Some(Vec::new()),
        start => follow_chain(&fat, start).ok(),
    });
    Ok(CompoundIndex {
        file_len: bytes.len(),
        major_version: header.major_version,
        sector_len: header.sector_len,
        fat,
        minifat,
        mini_stream_sectors,
        entries,
        reachable,
        lookup,
        repair_notes: Vec::new(),
    })
}

/// The header (MS-CFB 2.2), checked as `cfb`'s `Header::read_from` checks
/// it in permissive mode.
fn parse_header(bytes: &[u8], repairs: &Repairs) -> io::Result<Header> {
    let header = bytes.get(..HEADER_LEN).ok_or_else(truncated)?;
    if header.get(..8) != Some(&MAGIC[..]) {
        return Err(invalid_data("Invalid CFB file (wrong magic number)"));
    }
    let major_version = le_u16(header, 26);
    if le_u16(header, 28) != BYTE_ORDER_MARK {
        return Err(invalid_data("Invalid CFB byte order mark"));
    }
    let (sector_shift, sector_len) = match major_version {
        3 => (9, 512),
        4 => (12, 4096),
        other => return Err(invalid_data(format!("CFB version {other} is not supported"))),
    };
    if le_u16(header, 30) != sector_shift {
        return Err(invalid_data("Incorrect sector shift for CFB version"));
    }
    if le_u16(header, 32) != MINI_SECTOR_SHIFT {
        return Err(invalid_data("Incorrect mini sector shift"));
    }
    if u64::from(le_u32(header, 56)) != MINI_STREAM_CUTOFF {
        return Err(invalid_data("Incorrect mini stream cutoff"));
    }
    let mut first_difat_sector = le_u32(header, 68);
    // Some writers end the DIFAT chain with FREESECT.
    if first_difat_sector == FREE_SECTOR {
        first_difat_sector = END_OF_CHAIN;
    }
    let mut initial_difat = [FREE_SECTOR; HEADER_DIFAT_SLOTS];
    let read_as_free_from = repairs.header_difat_free_from.unwrap_or(HEADER_DIFAT_SLOTS);
    for (slot, entry) in initial_difat.iter_mut().enumerate().take(read_as_free_from) {
        let value = le_u32(header, HEADER_DIFAT_OFFSET + 4 * slot);
        if value == FREE_SECTOR {
            break;
        }
        if value > MAX_REGULAR_SECTOR {
            return Err(invalid_data(format!(
                "Initial DIFAT array refers to invalid sector index 0x{value:08X}"
            )));
        }
        *entry = value;
    }
    Ok(Header {
        major_version,
        sector_len,
        num_fat_sectors: le_u32(header, 44),
        first_dir_sector: le_u32(header, 48),
        first_minifat_sector: le_u32(header, 60),
        first_difat_sector,
        initial_difat,
    })
}

/// A set of sector numbers below the file's sector count.
struct SectorSet(Vec<bool>);

impl SectorSet {
    fn new(num_sectors: u32) -> SectorSet {
        SectorSet(vec![false; num_sectors as usize])
    }

    /// Adds `sector`; false if it was there already (or is out of range).
    fn insert(&mut self, sector: u32) -> bool {
        match self.0.get_mut(sector as usize) {
            Some(seen) if !*seen => {
                *seen = true;
                true
            }
            _ => false,
        }
    }
}

/// The DIFAT (MS-CFB 2.5): the FAT sector numbers, from the header's slots
/// and the DIFAT sector chain, trimmed as `cfb` trims them; and the DIFAT
/// sectors.
fn read_difat(view: &View<'_>, header: &Header) -> io::Result<(Vec<u32>, Vec<u32>)> {
    let mut difat: Vec<u32> = header.initial_difat.to_vec();
    let mut difat_sectors = Vec::new();
    let mut seen = SectorSet::new(view.num_sectors);
    let mut current = header.first_difat_sector;
    let slots_per_sector = view.entries_per_sector() - 1;
    while current != END_OF_CHAIN && current != FREE_SECTOR {
        if current > MAX_REGULAR_SECTOR || current >= view.num_sectors {
            return Err(invalid_data(format!(
                "DIFAT chain includes invalid sector index {current}"
            )));
        }
        if !seen.insert(current) {
            return Err(invalid_data(format!(
                "DIFAT chain includes duplicate sector index {current}"
            )));
        }
        difat_sectors.push(current);
        let sector = view.sector(current)?;
        let read_as_free_from = match view.repairs.difat_sector_free_from {
            Some((repaired, slot)) if repaired == current => slot,
            _ => slots_per_sector,
        };
        for slot in 0..slots_per_sector {
            let value = if slot < read_as_free_from {
                le_u32(sector, 4 * slot)
            } else {
                FREE_SECTOR
            };
            if value != FREE_SECTOR && value > MAX_REGULAR_SECTOR {
                return Err(invalid_data(format!("DIFAT refers to invalid sector index {value}")));
            }
            difat.push(value);
        }
        current = le_u32(sector, 4 * slots_per_sector);
    }
    // Zero padding of DIFAT sectors (rust-cfb issue 41), then free slots.
    while difat.len() > HEADER_DIFAT_SLOTS && difat.len() > header.num_fat_sectors as usize && difat.last() == Some(&0)
    {
        difat.pop();
    }
    while difat.last() == Some(&FREE_SECTOR) {
        difat.pop();
    }
    Ok((difat, difat_sectors))
}

/// The FAT (MS-CFB 2.3), one entry per sector of the file. `cfb` reads
/// every FAT sector the DIFAT lists, then drops trailing entries past the
/// end of the file that are zero, free or FAT/DIFAT markers, and refuses
/// the file if any other entry is left past the end. The same is decided
/// here without holding the entries past the end.
fn read_fat(view: &View<'_>, difat: &[u32]) -> io::Result<Vec<u32>> {
    let num_sectors = view.num_sectors as usize;
    let mut fat = Vec::with_capacity(num_sectors);
    let mut kept_past_end = 0usize;
    let mut index = 0usize;
    for &fat_sector in difat {
        if fat_sector >= view.num_sectors {
            return Err(invalid_data(format!(
                "DIFAT refers to sector {fat_sector}, but sector count is only {}",
                view.num_sectors
            )));
        }
        for value in view.sector(fat_sector)?.chunks_exact(4).map(|c| le_u32(c, 0)) {
            if index < num_sectors {
                fat.push(value);
            } else {
                let forgiven =
                    !view.repairs.fat_tail.is_empty() || matches!(value, 0 | DIFAT_SECTOR | FAT_SECTOR | FREE_SECTOR);
                if !forgiven {
                    kept_past_end = index + 1;
                }
            }
            index += 1;
        }
    }
    if kept_past_end > num_sectors {
        return Err(invalid_data(format!(
            "Malformed FAT (FAT has {kept_past_end} entries, but file has only {num_sectors} sectors)"
        )));
    }
    fat.resize(num_sectors, FREE_SECTOR);
    Ok(fat)
}

/// Marks the DIFAT and FAT sectors in the FAT and checks its links, as
/// `cfb`'s `Allocator::validate` does in permissive mode: a sector may be
/// pointed to only once, and a link past the end ends the chain there.
fn check_fat(fat: &mut [u32], difat_sectors: &[u32], fat_sectors: &[u32]) -> io::Result<()> {
    for (&sector, marker) in difat_sectors
        .iter()
        .map(|s| (s, DIFAT_SECTOR))
        .chain(fat_sectors.iter().map(|s| (s, FAT_SECTOR)))
    {
        let entry = fat
            .get_mut(sector as usize)
            .ok_or_else(|| invalid_data(format!("Malformed FAT (DIFAT lists sector {sector} past the FAT)")))?;
        *entry = marker;
    }
    let len = fat.len();
    let mut pointees = vec![false; len];
    for entry in fat.iter_mut() {
        let to = *entry;
        if to <= MAX_REGULAR_SECTOR {
            match pointees.get_mut(to as usize) {
                None => *entry = END_OF_CHAIN,
                Some(true) => return Err(invalid_data(format!("Malformed FAT (sector {to} pointed to twice)"))),
                Some(seen) => *seen = true,
            }
        } else if to == INVALID_SECTOR {
            return Err(invalid_data("Malformed FAT (0xFFFFFFFB is not a valid FAT entry)"));
        }
    }
    Ok(())
}

/// The sectors of the chain starting at `start` in `table` (the FAT or mini
/// FAT), as `cfb`'s `Chain::new` follows it. The table's links were
/// checked (no sector pointed to twice), so a chain can only loop back to
/// its start.
fn follow_chain(table: &[u32], start: u32) -> io::Result<Vec<u32>> {
    let mut chain = Vec::new();
    let mut current = start;
    while current != END_OF_CHAIN {
        chain.push(current);
        let next = *table
            .get(current as usize)
            .ok_or_else(|| invalid_data(format!("Found reference to sector {current} past the end of the table")))?;
        if next != END_OF_CHAIN && (next > MAX_REGULAR_SECTOR || next as usize >= table.len()) {
            return Err(invalid_data(format!("next_id ({next}) is invalid")));
        }
        if next == start {
            return Err(invalid_data(format!("Chain contained duplicate sector id {next}")));
        }
        current = next;
    }
    Ok(chain)
}

/// Every directory entry of the directory chain (MS-CFB 2.6), each checked
/// as `cfb`'s `DirEntry::read_from` checks it.
fn read_directory(view: &View<'_>, header: &Header, fat: &[u32]) -> io::Result<Vec<DirEntry>> {
    let mut entries = Vec::new();
    let mut seen = SectorSet::new(view.num_sectors);
    let mut current = header.first_dir_sector;
    while current != END_OF_CHAIN {
        if current > MAX_REGULAR_SECTOR || current >= view.num_sectors {
            return Err(invalid_data(format!(
                "Directory chain includes invalid sector index {current}"
            )));
        }
        if !seen.insert(current) {
            return Err(invalid_data(format!(
                "Directory chain includes duplicate sector index {current}"
            )));
        }
        for slot in 0..view.sector_len / DIR_ENTRY_LEN {
            let range = view.range(current, slot * DIR_ENTRY_LEN, DIR_ENTRY_LEN)?;
            let raw = view.bytes.get(range).ok_or_else(truncated)?;
            entries.push(parse_dir_entry(raw, header.major_version)?);
        }
        current = next_in_fat(fat, current)?;
    }
    Ok(entries)
}

/// `cfb`'s `Allocator::next`: the sector after `sector` in its chain.
fn next_in_fat(fat: &[u32], sector: u32) -> io::Result<u32> {
    let next = *fat
        .get(sector as usize)
        .ok_or_else(|| invalid_data(format!("Found reference to sector {sector} past the FAT")))?;
    if next != END_OF_CHAIN && (next > MAX_REGULAR_SECTOR || next as usize >= fat.len()) {
        return Err(invalid_data(format!("next_id ({next}) is invalid")));
    }
    Ok(next)
}

fn malformed_entry(what: impl std::fmt::Display) -> io::Error {
    invalid_data(format!("Malformed directory entry ({what})"))
}

/// One 128-byte directory entry (MS-CFB 2.6.1).
fn parse_dir_entry(raw: &[u8], major_version: u16) -> io::Result<DirEntry> {
    let name_len_bytes = le_u16(raw, 64);
    if name_len_bytes > 64 {
        return Err(malformed_entry(format!("name length too large: {name_len_bytes}")));
    }
    if name_len_bytes % 2 != 0 {
        return Err(malformed_entry(format!("odd name length: {name_len_bytes}")));
    }
    let name_units = usize::from(name_len_bytes / 2).saturating_sub(1);
    let mut name = decode_name(raw, name_units)?;
    let kind = EntryKind::from_byte(raw.get(66).copied().unwrap_or(0xFF))
        .ok_or_else(|| malformed_entry(format!("invalid object type: {}", raw.get(66).copied().unwrap_or(0))))?;
    if kind == EntryKind::Root {
        if name != ROOT_NAME {
            name = String::from(ROOT_NAME);
        }
    } else {
        check_name(&name)?;
    }
    // The colour (0 red, 1 black) is only checked: like `cfb` in
    // permissive mode, the index accepts adjacent red nodes.
    if !matches!(raw.get(67), Some(0 | 1)) {
        return Err(malformed_entry("invalid color"));
    }
    let left = le_u32(raw, 68);
    let right = le_u32(raw, 72);
    let child = le_u32(raw, 76);
    if left != NO_STREAM && left > MAX_REGULAR_STREAM_ID {
        return Err(malformed_entry(format!("invalid left sibling: {left}")));
    }
    if right != NO_STREAM && right > MAX_REGULAR_STREAM_ID {
        return Err(malformed_entry(format!("invalid right sibling: {right}")));
    }
    if child != NO_STREAM {
        if kind == EntryKind::Stream {
            return Err(malformed_entry(format!("non-empty stream child: {child}")));
        }
        if child > MAX_REGULAR_STREAM_ID {
            return Err(malformed_entry(format!("invalid child: {child}")));
        }
    }
    let is_stream = kind == EntryKind::Stream;
    let mut clsid = [0u8; 16];
    if !is_stream {
        if let Some(src) = raw.get(80..96) {
            clsid.copy_from_slice(src);
        }
    }
    let (created, modified) = if is_stream {
        (0, 0)
    } else {
        (le_u64(raw, 100), le_u64(raw, 108))
    };
    let mut len = le_u64(raw, 120);
    if major_version == 3 {
        len &= 0xFFFF_FFFF;
    }
    let (start_sector, len) = if kind == EntryKind::Storage {
        (0, 0)
    } else {
        (le_u32(raw, 116), len)
    };
    Ok(DirEntry {
        name: Name::from_string(name),
        kind,
        left,
        right,
        child,
        clsid,
        state_bits: le_u32(raw, 96),
        created,
        modified,
        start_sector,
        len,
    })
}

/// The first `units` UTF-16 code units of a directory entry's name field,
/// in a string with room for the upper-cased copy [`Name`] appends.
fn decode_name(raw: &[u8], units: usize) -> io::Result<String> {
    let field = raw.get(..2 * units).ok_or_else(truncated)?;
    // Nearly every name is ASCII: gathered on the stack, then one
    // allocation with room for the upper-cased copy `Name` appends.
    let mut ascii = [0u8; 32];
    let mut n = 0;
    for unit in field.chunks_exact(2) {
        match (unit, ascii.get_mut(n)) {
            ([low, 0], Some(slot)) if *low < 0x80 => {
                *slot = *low;
                n += 1;
            }
            _ => {
                let code_units = field.chunks_exact(2).map(|unit| le_u16(unit, 0));
                return char::decode_utf16(code_units)
                    .collect::<Result<String, _>>()
                    .map_err(|_| malformed_entry("name not valid UTF-16"));
            }
        }
    }
    let mut name = String::with_capacity(2 * n);
    name.push_str(std::str::from_utf8(&ascii[..n]).unwrap_or_default());
    Ok(name)
}

/// `cfb`'s `validate_name`: at most 31 UTF-16 code units (always true of a
/// name read from a 64-byte field), none of `/ \ : !`.
fn check_name(name: &str) -> io::Result<()> {
    match name.chars().find(|c| matches!(c, '/' | '\\' | ':' | '!')) {
        Some(forbidden) => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("Object name cannot contain {forbidden} character"),
        )),
        None => Ok(()),
    }
}

fn malformed_directory(what: impl std::fmt::Display) -> io::Error {
    invalid_data(format!("Malformed directory ({what})"))
}

/// The storage tree (MS-CFB 2.6.4), checked as `cfb`'s
/// `Directory::validate` checks it in permissive mode: every entry
/// reachable from the root (through siblings and children, the root's own
/// siblings included) is reached once, has a type that fits its place, and
/// sorts after its left sibling and before its right one. Returns which
/// entries are reachable.
fn check_tree(entries: &[DirEntry]) -> io::Result<Vec<bool>> {
    let root = entries
        .first()
        .ok_or_else(|| malformed_directory("root entry is missing"))?;
    if root.len % MINI_SECTOR_LEN as u64 != 0 {
        return Err(malformed_directory(format!(
            "root stream len is {}, but should be multiple of {MINI_SECTOR_LEN}",
            root.len
        )));
    }
    let mut visited = vec![false; entries.len()];
    let mut stack = vec![ROOT_ID];
    while let Some(id) = stack.pop() {
        let (Some(seen), Some(entry)) = (visited.get_mut(id as usize), entries.get(id as usize)) else {
            return Err(malformed_directory(format!("entry {id} out of range")));
        };
        if *seen {
            return Err(malformed_directory("loop in tree"));
        }
        *seen = true;
        let kind_fits = if id == ROOT_ID {
            entry.kind == EntryKind::Root
        } else {
            matches!(entry.kind, EntryKind::Storage | EntryKind::Stream)
        };
        if !kind_fits {
            return Err(malformed_directory(format!(
                "entry {id} has object type {:?}",
                entry.kind
            )));
        }
        for (link, sibling_first) in [(entry.left, true), (entry.right, false)] {
            if link == NO_STREAM {
                continue;
            }
            let sibling = entries.get(link as usize).ok_or_else(|| {
                malformed_directory(format!("sibling index is {link}, but entry count is {}", entries.len()))
            })?;
            let (smaller, larger) = if sibling_first {
                (sibling, entry)
            } else {
                (entry, sibling)
            };
            if smaller.name.key().cmp_key(&larger.name.key()) != std::cmp::Ordering::Less {
                return Err(malformed_directory(format!(
                    "name ordering, {:?} vs {:?}",
                    entry.name(),
                    sibling.name()
                )));
            }
            stack.push(link);
        }
        if entry.child != NO_STREAM {
            if entry.child as usize >= entries.len() {
                return Err(malformed_directory(format!(
                    "child index is {}, but entry count is {}",
                    entry.child,
                    entries.len()
                )));
            }
            stack.push(entry.child);
        }
    }
    Ok(visited)
}

/// The name lookup table: `cfb`'s `build_name_index` inserts every entry
/// reachable from the root under `(parent, name key)`, the root's own
/// siblings as children of the root, visiting the tree depth first; where
/// two siblings share a key the one inserted last wins. The result here is
/// the same map as a vector sorted by parent and hash of the name key, so
/// that a lookup compares integers until it reaches the one name that can
/// match.
fn build_lookup(entries: &[DirEntry]) -> Vec<(EntryId, u64, EntryId)> {
    // (parent, child, insertion order), in the order `cfb` inserts them.
    let mut inserted: Vec<(EntryId, EntryId, usize)> = Vec::new();
    let mut stack = vec![(ROOT_ID, ROOT_ID)];
    while let Some((id, parent)) = stack.pop() {
        let Some(entry) = entries.get(id as usize) else {
            continue;
        };
        if id != ROOT_ID {
            inserted.push((parent, id, inserted.len()));
        }
        for sibling in [entry.left, entry.right] {
            if sibling != NO_STREAM {
                stack.push((sibling, parent));
            }
        }
        if entry.child != NO_STREAM {
            stack.push((entry.child, id));
        }
    }
    let key = |id: EntryId| entries.get(id as usize).map(|e| e.name.key());
    let same_key = |a: EntryId, b: EntryId| match (key(a), key(b)) {
        (Some(a), Some(b)) => a.cmp_key(&b) == std::cmp::Ordering::Equal,
        _ => false,
    };
    // (parent, hash, insertion order, child), sorted by parent, hash, key
    // (compared only when hashes are equal) and insertion order: entries
    // with equal keys end up next to each other, the last inserted last.
    let mut by_hash: Vec<(EntryId, u64, usize, EntryId)> = inserted
        .into_iter()
        .map(|(parent, child, order)| (parent, key(child).map_or(0, |k| k.hash()), order, child))
        .collect();
    // Sorted by (parent, hash, insertion order); then the rare runs of one
    // parent and hash (a name twice, or a collision) by key and insertion
    // order.
    by_hash.sort_unstable_by_key(|&(parent, hash, order, _)| (parent, hash, order));
    let mut start = 0;
    while start < by_hash.len() {
        let head = (by_hash[start].0, by_hash[start].1);
        let run = by_hash[start..].iter().take_while(|e| (e.0, e.1) == head).count();
        if run > 1 {
            by_hash[start..start + run].sort_by(|a, b| {
                match (key(a.3), key(b.3)) {
                    (Some(ka), Some(kb)) => ka.cmp_key(&kb),
                    _ => std::cmp::Ordering::Equal,
                }
                .then(a.2.cmp(&b.2))
            });
        }
        start += run;
    }
    let mut lookup: Vec<(EntryId, u64, EntryId)> = Vec::with_capacity(by_hash.len());
    for (parent, hash, _, child) in by_hash {
        match lookup.last_mut() {
            Some(last) if last.0 == parent && last.1 == hash && same_key(last.2, child) => last.2 = child,
            _ => lookup.push((parent, hash, child)),
        }
    }
    lookup
}

/// The mini FAT (MS-CFB 2.4), read and checked as `cfb` reads it: the
/// whole chain, trailing free entries dropped, cut to the size of the mini
/// stream, each mini sector pointed to at most once.
fn read_minifat(view: &View<'_>, header: &Header, fat: &[u32], entries: &[DirEntry]) -> io::Result<Vec<u32>> {
    let chain = if header.first_minifat_sector == END_OF_CHAIN {
        Vec::new()
    } else {
        follow_chain(fat, header.first_minifat_sector)?
    };
    let mut minifat = Vec::with_capacity(chain.len().saturating_mul(view.entries_per_sector()));
    for &sector in &chain {
        minifat.extend(view.sector(sector)?.chunks_exact(4).map(|c| le_u32(c, 0)));
    }
    while minifat.last() == Some(&FREE_SECTOR) {
        minifat.pop();
    }
    let root_len = entries.first().map_or(0, |root| root.len);
    let mini_sectors_in_root = root_len / MINI_SECTOR_LEN as u64;
    if mini_sectors_in_root < minifat.len() as u64 {
        minifat.truncate(mini_sectors_in_root as usize);
    }
    let mut pointees = vec![false; minifat.len()];
    for &to in &minifat {
        if to <= MAX_REGULAR_SECTOR {
            match pointees.get_mut(to as usize) {
                None => return Err(invalid_data(format!("Malformed MiniFAT (mini sector points to {to})"))),
                Some(true) => {
                    return Err(invalid_data(format!(
                        "Malformed MiniFAT (mini sector {to} pointed to twice)"
                    )))
                }
                Some(seen) => *seen = true,
            }
        }
    }
    Ok(minifat)
}
