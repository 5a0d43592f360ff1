//! Opening compound files that `cfb` refuses over a harmless deviation.
//!
//! `cfb` 0.16 validates a compound file (MS-CFB) before it hands out any
//! stream, and even in its permissive mode it refuses a few deviations that
//! real writers produce and that Windows (ole32) and Python's `olefile`
//! read without complaint. Rather than fork `cfb` or copy whole files into
//! memory, [`open_repaired`] puts an overlay reader, [`Repaired`], between
//! `cfb` and the file. The overlay serves every byte from the file except a
//! few whole sectors held in memory in repaired form; the file on disk is
//! never modified. `cfb` stays the compound-file layer: the repair only
//! changes what it is shown, and only after it has refused the file as is.
//!
//! # What is repaired
//!
//! * **FAT entries beyond the end of the file that are not free.** The FAT
//!   is stored in whole sectors (128 entries each in a version 3 file, 1024
//!   in version 4), so its last sector usually holds entries for sectors the
//!   file does not have. MS-CFB section 2.3 (Compound File FAT Sectors)
//!   says the entries that cover sectors past the end of the file are to be
//!   marked `FREESECT` (0xFFFFFFFF), and `cfb` counts on it (its own
//!   comments cite that section): once it has dropped the trailing entries
//!   it forgives (`FREESECT`, zero, `FATSECT`, `DIFSECT`), any entry left
//!   past the end makes it refuse the file with "Malformed FAT (FAT has 128
//!   entries, but file has only 16 sectors)". Some writers fill those
//!   entries with `ENDOFCHAIN` (0xFFFFFFFE) instead: the corpus file
//!   `oxmsg__no-attachments.msg` has 16 sectors and 112 end-of-chain
//!   markers after them. Outlook and `olefile` read such files; `olefile`
//!   simply cuts its FAT to the number of sectors in the file
//!   (`self.fat = self.fat[:self.nb_sect]` in `loadfat`). The repair shows
//!   every FAT entry at an index at or past the file's sector count as
//!   `FREESECT`, which is what MS-CFB asks for.
//!
//!   It is harmless because an entry for a sector that does not exist can
//!   only matter to a chain that reaches that sector, and before repairing
//!   we check that none does: no FAT entry of an existing sector points past
//!   the end, and no chain *starts* past the end (the header's directory and
//!   mini FAT chains, the root entry's mini stream, every stream stored in
//!   the FAT). A file that fails that check is truncated, not merely
//!   untidy, and is left to fail with `cfb`'s own error.
//!
//! * **DIFAT padding with reserved markers.** The DIFAT (the 109 slots in
//!   the header, then DIFAT sectors of 127 slots plus a link) lists the FAT
//!   sectors; unused slots hold `FREESECT`, which MS-CFB (section 2.1)
//!   defines as marking an unallocated entry of the FAT, mini FAT or DIFAT.
//!   `cfb` stops at the first `FREESECT` but refuses any reserved value
//!   (0xFFFFFFFB to 0xFFFFFFFE) with "Initial DIFAT array refers to invalid
//!   sector index 0xFFFFFFFE" (header) or "DIFAT refers to invalid sector
//!   index ..." (DIFAT sector). `olefile` stops at either `FREESECT` or
//!   `ENDOFCHAIN` (`loadfat_sect`). The repair shows such padding as
//!   `FREESECT`, but only when it is clearly padding: every slot from the
//!   first reserved value to the end of its sector is `FREESECT` or
//!   reserved, the sector is the last one of the DIFAT, and the FAT sectors
//!   listed before it cover every sector of the file (so nothing the file
//!   holds can be described by a FAT sector the padding hides).
//!
//! # What is not repaired
//!
//! Everything else `cfb` refuses stays refused, with `cfb`'s error: a file
//! shorter than a sector or not a compound file; a header with the wrong
//! byte order, version, sector shift or mini stream cutoff; a DIFAT, FAT,
//! directory or mini FAT chain that loops or points past the end of the
//! file (the usual result of truncation); a sector claimed by two chains;
//! directory entries `cfb` cannot parse (name longer than 64 bytes, unknown
//! object type or colour, sibling or child index out of range) and
//! directory trees whose names are out of order. Those are what truncated
//! and fuzzed files look like, and repairing them would mean guessing.
//!
//! # Cost
//!
//! Opening a file `cfb` accepts costs the wrapper (and one small shared
//! slot used to get the file back should `cfb` refuse it) and nothing else.
//! Only when `cfb` refuses a file with `InvalidData` does [`open_repaired`]
//! read the header, the DIFAT, the FAT sectors and the directory once more
//! itself, bounded by the file's length, and keep copies of the (few)
//! sectors it changes.

use std::collections::BTreeMap;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::sync::{Arc, Mutex};

use super::index::{FREE_SECTOR, HEADER_DIFAT_OFFSET, HEADER_DIFAT_SLOTS, HEADER_LEN};
use super::repair_plan::{self, SectorSource};

//===========================================================================//

/// A reader over `F` that shows a few byte ranges of it in repaired form.
///
/// Reads are served from the inner file except where they overlap a patch:
/// a byte range (in practice a whole sector) held in memory. Seeks go to
/// the inner file, so its length and positions are the file's own. Writes
/// (when `F` is writable) go through to the inner file and also update any
/// patch they overlap, so a compound file opened read-write over the
/// overlay keeps reading back what it wrote. Patches are never written to
/// the inner file by themselves: a repaired file written through the
/// overlay keeps its deviation on disk, except where `cfb` happens to
/// rewrite the bytes concerned.
pub(crate) struct Repaired<F> {
    /// The wrapped file; `None` only while being dropped or unwrapped.
    inner: Option<F>,
    /// The position of `inner`, when known. Kept equal to the inner file's
    /// own position so that relative seeks can be passed straight through.
    pos: Option<u64>,
    /// Patched byte ranges by start offset; they never overlap and are
    /// never empty.
    patches: BTreeMap<u64, Vec<u8>>,
    /// Where to hand the inner file back if this wrapper is dropped, so
    /// that a failed `cfb` open (which drops what it was given) does not
    /// lose the file; see [`open_repaired`].
    give_back: Option<Arc<Mutex<Option<F>>>>,
}

impl<F> Repaired<F> {
    /// Wraps `inner` with no patches: every read is the file's own.
    pub(crate) fn new(inner: F) -> Self {
        Repaired {
            inner: Some(inner),
            pos: None,
            patches: BTreeMap::new(),
            give_back: None,
        }
    }

    /// Wraps `inner`, showing each `(offset, bytes)` patch in place of the
    /// file's bytes there. Patches must not overlap or be empty.
    fn with_patches(inner: F, patches: Vec<(u64, Vec<u8>)>) -> Self {
        let mut repaired = Repaired::new(inner);
        for (offset, bytes) in patches {
            debug_assert!(!bytes.is_empty());
            repaired.patches.insert(offset, bytes);
        }
        repaired
    }

    /// Whether any byte range is shown in repaired form.
    #[cfg(test)]
    pub(crate) fn is_patched(&self) -> bool {
        !self.patches.is_empty()
    }

    /// Unwraps the file, dropping the patches. The file itself was never
    /// changed by them.
    #[cfg(test)]
    pub(crate) fn into_inner(mut self) -> F {
        self.give_back = None;
        self.inner.take().expect("Repaired: inner file present")
    }

    /// Unwraps the file (for handing it back to its owner), dropping the
    /// patches; `None` when it was lost to a failed read.
    pub(crate) fn take_inner(mut self) -> Option<F> {
        self.give_back = None;
        self.inner.take()
    }

    fn inner_mut(&mut self) -> io::Result<&mut F> {
        match self.inner.as_mut() {
            Some(inner) => Ok(inner),
            None => Err(io::Error::other("Repaired: inner file missing")),
        }
    }

    /// Total number of patched bytes held in memory.
    #[cfg(test)]
    fn patched_len(&self) -> usize {
        self.patches.values().map(Vec::len).sum()
    }
}

impl<F: Seek> Repaired<F> {
    /// The current position, asking the inner file if it is not known.
    fn position(&mut self) -> io::Result<u64> {
        match self.pos {
            Some(pos) => Ok(pos),
            None => {
                let pos = self.inner_mut()?.stream_position()?;
                self.pos = Some(pos);
                Ok(pos)
            }
        }
    }
}

impl<F> Drop for Repaired<F> {
    fn drop(&mut self) {
        if let (Some(slot), Some(inner)) = (self.give_back.take(), self.inner.take()) {
            let mut slot = slot.lock().unwrap_or_else(|e| e.into_inner());
            *slot = Some(inner);
        }
    }
}

impl<F: Read + Seek> Read for Repaired<F> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.patches.is_empty() {
            let pos = self.pos.take();
            let n = self.inner_mut()?.read(buf)?;
            self.pos = pos.map(|p| p + n as u64);
            return Ok(n);
        }
        let pos = self.position()?;
        // Inside a patch: serve from it, then move the inner file along.
        if let Some((&start, bytes)) = self.patches.range(..=pos).next_back() {
            let within = pos - start;
            if within < bytes.len() as u64 {
                let within = within as usize;
                let n = buf.len().min(bytes.len() - within);
                buf[..n].copy_from_slice(&bytes[within..within + n]);
                let new_pos = pos + n as u64;
                self.pos = None;
                self.inner_mut()?.seek(SeekFrom::Start(new_pos))?;
                self.pos = Some(new_pos);
                return Ok(n);
            }
        }
        // Outside: read from the file, stopping short of the next patch.
        let limit = match self.patches.range(pos..).next() {
            Some((&next, _)) => buf.len().min(usize::try_from(next - pos).unwrap_or(usize::MAX)),
            None => buf.len(),
        };
        self.pos = None;
        let n = self.inner_mut()?.read(&mut buf[..limit])?;
        self.pos = Some(pos + n as u64);
        Ok(n)
    }
}

impl<F: Seek> Seek for Repaired<F> {
    fn seek(&mut self, from: SeekFrom) -> io::Result<u64> {
        self.pos = None;
        let pos = self.inner_mut()?.seek(from)?;
        self.pos = Some(pos);
        Ok(pos)
    }
}

impl<F: Write + Seek> Write for Repaired<F> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.patches.is_empty() {
            let pos = self.pos.take();
            let n = self.inner_mut()?.write(buf)?;
            self.pos = pos.map(|p| p + n as u64);
            return Ok(n);
        }
        let pos = self.position()?;
        self.pos = None;
        let n = self.inner_mut()?.write(buf)?;
        self.pos = Some(pos + n as u64);
        // Keep every patch the write overlaps in step with the file.
        let end = pos + n as u64;
        for (&start, bytes) in self.patches.range_mut(..end).rev() {
            let patch_end = start + bytes.len() as u64;
            if patch_end <= pos {
                break; // patches are disjoint and sorted: none further back
            }
            let from = start.max(pos);
            let to = patch_end.min(end);
            let dst = (from - start) as usize..(to - start) as usize;
            let src = (from - pos) as usize..(to - pos) as usize;
            bytes[dst].copy_from_slice(&buf[src]);
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner_mut()?.flush()
    }
}

//===========================================================================//

/// Opens a compound file with `cfb`, repairing known harmless deviations
/// in memory if `cfb` refuses it as it is.
///
/// Returns the compound file and a human-readable description of each
/// repair made (empty when `cfb` accepted the file unchanged). If `cfb`
/// refuses the file and no repair explains the refusal, or `cfb` still
/// refuses the repaired file, returns `cfb`'s error for the file as it is.
/// See the module documentation for what is repaired and why that is safe.
/// The inner file is never written to except by the caller through the
/// returned compound file.
pub(crate) fn open_repaired<F: Read + Seek>(inner: F) -> io::Result<(cfb::CompoundFile<Repaired<F>>, Vec<String>)> {
    let slot = Arc::new(Mutex::new(None));
    let mut first = Repaired::new(inner);
    first.give_back = Some(Arc::clone(&slot));
    let original = match cfb::CompoundFile::open(first) {
        Ok(compound) => return Ok((compound, Vec::new())),
        Err(err) => err,
    };
    if original.kind() != io::ErrorKind::InvalidData {
        return Err(original);
    }
    // `cfb` dropped the wrapper, which handed the file back.
    let taken = slot.lock().unwrap_or_else(|e| e.into_inner()).take();
    let Some(mut inner) = taken else {
        return Err(original);
    };
    let Some(plan) = plan_repairs(&mut inner) else {
        return Err(original);
    };
    match cfb::CompoundFile::open(Repaired::with_patches(inner, plan.patches)) {
        Ok(compound) => Ok((compound, plan.notes)),
        Err(_) => Err(original),
    }
}

/// The repairs for one file: patched sectors and what was done.
struct Plan {
    patches: Vec<(u64, Vec<u8>)>,
    notes: Vec<String>,
}

fn put_le_u32(bytes: &mut [u8], offset: usize, value: u32) {
    bytes[offset..offset + 4].copy_from_slice(&value.to_le_bytes());
}

/// A reader as the repair planner reads it.
struct ReadAt<'f, F>(&'f mut F);

impl<F: Read + Seek> SectorSource for ReadAt<'_, F> {
    fn len(&mut self) -> Option<u64> {
        self.0.seek(SeekFrom::End(0)).ok()
    }
    fn read(&mut self, offset: u64, len: usize) -> Option<Vec<u8>> {
        self.0.seek(SeekFrom::Start(offset)).ok()?;
        let mut buf = vec![0u8; len];
        self.0.read_exact(&mut buf).ok()?;
        Some(buf)
    }
}

/// Works out the repairs a file needs (`repair_plan::plan_from`, the
/// planner the index uses too) and the sectors to show `cfb` in repaired
/// form: the header or a DIFAT sector with its padding slots free, and the
/// FAT sectors with their entries past the end of the file free.
fn plan_repairs<F: Read + Seek>(file: &mut F) -> Option<Plan> {
    let repairs = repair_plan::plan_from(&mut ReadAt(&mut *file))?;
    let mut src = ReadAt(file);
    let sector_len = repairs.sector_len;
    let offset = |sector: u32| (u64::from(sector) + 1) * sector_len as u64;
    let mut patches = Vec::new();
    if let Some(from) = repairs.header_difat_free_from {
        let mut header = src.read(0, HEADER_LEN)?;
        for slot in from..HEADER_DIFAT_SLOTS {
            put_le_u32(&mut header, HEADER_DIFAT_OFFSET + 4 * slot, FREE_SECTOR);
        }
        patches.push((0, header));
    }
    // A DIFAT sector's last slot links to the next one: it is kept.
    let padded = repairs
        .difat_sector_free_from
        .map(|(s, from)| (s, from, sector_len / 4 - 1));
    let fat_tail = repairs.fat_tail.iter().map(|&(s, from)| (s, from, sector_len / 4));
    for (sector, from, to) in padded.into_iter().chain(fat_tail) {
        let mut bytes = src.read(offset(sector), sector_len)?;
        for slot in from..to {
            put_le_u32(&mut bytes, 4 * slot, FREE_SECTOR);
        }
        patches.push((offset(sector), bytes));
    }
    Some(Plan {
        patches,
        notes: repairs.notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compound::index::{le_u32, END_OF_CHAIN, FAT_SECTOR, MAX_REGULAR_SECTOR};
    use std::io::Cursor;
    use std::path::PathBuf;

    const SECTOR: usize = 512;

    fn pattern(len: usize, seed: u8) -> Vec<u8> {
        (0..len)
            .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
            .collect()
    }

    /// The streams of the test file, by path.
    fn contents() -> Vec<(&'static str, Vec<u8>)> {
        vec![
            ("/small", pattern(100, 1)),
            ("/big", pattern(10_000, 2)),
            ("/sub/inner", pattern(5_000, 3)),
            ("/sub/tiny", pattern(7, 4)),
        ]
    }

    /// A valid version 3 compound file holding `contents()`.
    fn valid_file() -> Vec<u8> {
        let mut compound = cfb::CompoundFile::create_with_version(cfb::Version::V3, Cursor::new(Vec::new())).unwrap();
        compound.create_storage("/sub").unwrap();
        for (path, data) in contents() {
            compound.create_stream(path).unwrap().write_all(&data).unwrap();
        }
        compound.flush().unwrap();
        compound.into_inner().into_inner()
    }

    fn sectors_in(bytes: &[u8]) -> usize {
        bytes.len().div_ceil(SECTOR) - 1
    }

    /// Sets every FAT entry past the end of the file to `value`, as the
    /// writer of `oxmsg__no-attachments.msg` did with end-of-chain. Returns
    /// how many entries that was.
    fn fill_fat_tail(bytes: &mut [u8], value: u32) -> usize {
        assert!(le_u32(bytes, HEADER_DIFAT_OFFSET + 4) > MAX_REGULAR_SECTOR);
        let fat_sector = le_u32(bytes, HEADER_DIFAT_OFFSET) as usize;
        let num_sectors = sectors_in(bytes);
        assert!(num_sectors < SECTOR / 4, "test file must leave a FAT tail");
        let offset = (fat_sector + 1) * SECTOR;
        for i in num_sectors..SECTOR / 4 {
            put_le_u32(bytes, offset + 4 * i, value);
        }
        SECTOR / 4 - num_sectors
    }

    fn fat_entry(bytes: &[u8], index: usize) -> u32 {
        let fat_sector = le_u32(bytes, HEADER_DIFAT_OFFSET) as usize;
        le_u32(bytes, (fat_sector + 1) * SECTOR + 4 * index)
    }

    fn read_stream<F: Read + Seek>(compound: &mut cfb::CompoundFile<F>, path: &str) -> Vec<u8> {
        let mut data = Vec::new();
        compound.open_stream(path).unwrap().read_to_end(&mut data).unwrap();
        data
    }

    fn check_contents<F: Read + Seek>(compound: &mut cfb::CompoundFile<F>) {
        for (path, data) in contents() {
            assert_eq!(read_stream(compound, path), data, "{path}");
        }
    }

    fn plain_error(bytes: &[u8]) -> String {
        match cfb::CompoundFile::open(Cursor::new(bytes.to_vec())) {
            Ok(_) => panic!("plain cfb accepted the file"),
            Err(err) => err.to_string(),
        }
    }

    #[test]
    fn valid_file_needs_no_repair() {
        let bytes = valid_file();
        let (mut compound, notes) = open_repaired(Cursor::new(bytes.clone())).unwrap();
        assert!(notes.is_empty());
        check_contents(&mut compound);
        let repaired = compound.into_inner();
        assert!(!repaired.is_patched());
        assert_eq!(repaired.into_inner().into_inner(), bytes);
    }

    #[test]
    fn end_of_chain_fat_tail_is_read_as_free() {
        let mut bytes = valid_file();
        let filled = fill_fat_tail(&mut bytes, END_OF_CHAIN);
        let error = plain_error(&bytes);
        assert!(error.contains("Malformed FAT"), "{error}");

        let (mut compound, notes) = open_repaired(Cursor::new(bytes.clone())).unwrap();
        check_contents(&mut compound);
        assert_eq!(notes.len(), 1, "{notes:?}");
        let num_sectors = sectors_in(&bytes);
        assert!(
            notes[0].contains(&format!("FAT entries {num_sectors}..128"))
                && notes[0].contains(&format!("{filled} end-of-chain")),
            "{notes:?}"
        );
        let repaired = compound.into_inner();
        assert!(repaired.is_patched());
        assert_eq!(repaired.patched_len(), SECTOR, "only the FAT sector");
        // The file itself is untouched.
        assert_eq!(repaired.into_inner().into_inner(), bytes);
    }

    #[test]
    fn other_values_in_fat_tail_are_read_as_free() {
        for value in [0x0000_0003, 0xFFFF_FFFB, FAT_SECTOR, 0x0012_3456] {
            let mut bytes = valid_file();
            fill_fat_tail(&mut bytes, value);
            // Put an end-of-chain last so that `cfb`'s own stripping of
            // trailing values it forgives does not hide the problem.
            let fat_sector = le_u32(&bytes, HEADER_DIFAT_OFFSET) as usize;
            put_le_u32(&mut bytes, (fat_sector + 2) * SECTOR - 4, END_OF_CHAIN);
            plain_error(&bytes);
            let (mut compound, notes) = open_repaired(Cursor::new(bytes)).unwrap();
            check_contents(&mut compound);
            assert_eq!(notes.len(), 1, "{value:#x}: {notes:?}");
        }
    }

    #[test]
    fn header_difat_padded_with_end_of_chain_is_read_as_free() {
        let mut bytes = valid_file();
        for slot in 1..HEADER_DIFAT_SLOTS {
            put_le_u32(&mut bytes, HEADER_DIFAT_OFFSET + 4 * slot, END_OF_CHAIN);
        }
        let error = plain_error(&bytes);
        assert!(error.contains("Initial DIFAT array"), "{error}");
        let (mut compound, notes) = open_repaired(Cursor::new(bytes.clone())).unwrap();
        check_contents(&mut compound);
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].starts_with("header DIFAT slots 1..109"), "{notes:?}");

        // Both deviations at once.
        fill_fat_tail(&mut bytes, END_OF_CHAIN);
        let (mut compound, notes) = open_repaired(Cursor::new(bytes)).unwrap();
        check_contents(&mut compound);
        assert_eq!(notes.len(), 2, "{notes:?}");
    }

    #[test]
    fn difat_marker_where_a_fat_sector_belongs_still_fails() {
        let mut bytes = valid_file();
        put_le_u32(&mut bytes, HEADER_DIFAT_OFFSET, END_OF_CHAIN);
        let error = plain_error(&bytes);
        let got = open_repaired(Cursor::new(bytes)).err().unwrap();
        assert_eq!(got.to_string(), error);
    }

    /// Reads every stream of `contents()`, which must either come back
    /// unchanged or fail: never silently differ.
    fn check_contents_or_errors<F: Read + Seek>(compound: &mut cfb::CompoundFile<F>) -> usize {
        let mut failed = 0;
        for (path, data) in contents() {
            let mut got = Vec::new();
            let read = compound
                .open_stream(path)
                .and_then(|mut stream| stream.read_to_end(&mut got));
            match read {
                Ok(_) => assert_eq!(got, data, "{path}"),
                Err(_) => failed += 1,
            }
        }
        failed
    }

    #[test]
    fn truncated_files_still_fail() {
        let mut bytes = valid_file();
        fill_fat_tail(&mut bytes, END_OF_CHAIN);
        assert_eq!(bytes.len() % SECTOR, 0);
        for len in (0..bytes.len()).step_by(SECTOR / 4) {
            let cut = &bytes[..len];
            let error = match cfb::CompoundFile::open(Cursor::new(cut.to_vec())) {
                Ok(_) => continue,
                Err(error) => error.to_string(),
            };
            match open_repaired(Cursor::new(cut.to_vec())) {
                Err(got) => assert_eq!(got.to_string(), error, "len {len}"),
                Ok((mut compound, _)) => {
                    // Only a cut inside the last sector goes unnoticed by
                    // the FAT (the sector still counts, as in `cfb`); what
                    // it lost then fails to read, as it would with `cfb`.
                    assert!(len > bytes.len() - SECTOR, "len {len}");
                    assert_eq!(check_contents_or_errors(&mut compound), 1);
                }
            }
        }
        // The same cut into a file with a tidy FAT behaves the same.
        let cut = &valid_file()[..bytes.len() - SECTOR / 2];
        let mut compound = cfb::CompoundFile::open(Cursor::new(cut.to_vec())).unwrap();
        assert_eq!(check_contents_or_errors(&mut compound), 1);
    }

    /// The start sector of the stream `name` directly in the root storage,
    /// found by walking the directory by hand.
    fn start_sector(bytes: &[u8], name: &str) -> u32 {
        let wanted: Vec<u8> = name.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let mut sector = le_u32(bytes, 48);
        while sector != END_OF_CHAIN {
            let offset = (sector as usize + 1) * SECTOR;
            for entry in bytes[offset..offset + SECTOR].chunks_exact(128) {
                let name_len = u16::from_le_bytes([entry[64], entry[65]]);
                if usize::from(name_len) == wanted.len() + 2 && entry[..wanted.len()] == wanted[..] {
                    return le_u32(entry, 116);
                }
            }
            sector = fat_entry(bytes, sector as usize);
        }
        panic!("no entry {name}");
    }

    #[test]
    fn file_cut_before_a_whole_stream_still_fails() {
        // Add a stream that lands at the end of the file.
        let mut compound = cfb::CompoundFile::open(Cursor::new(valid_file())).unwrap();
        compound
            .create_stream("/last")
            .unwrap()
            .write_all(&pattern(8192, 5))
            .unwrap();
        compound.flush().unwrap();
        let mut bytes = compound.into_inner().into_inner();
        let start = start_sector(&bytes, "last");
        // Its 16 sectors are the last ones of the file, in one run.
        assert_eq!(start as usize + 16, sectors_in(&bytes));
        fill_fat_tail(&mut bytes, END_OF_CHAIN);
        bytes.truncate((start as usize + 1) * SECTOR);
        // No sector left in the file points past its end: only the
        // directory knows that a stream started there.
        for index in 0..start as usize {
            let next = fat_entry(&bytes, index);
            assert!(next >= MAX_REGULAR_SECTOR || next < start);
        }
        let error = plain_error(&bytes);
        let got = open_repaired(Cursor::new(bytes)).err().unwrap();
        assert_eq!(got.to_string(), error);
    }

    #[test]
    fn difat_pointing_past_the_end_still_fails() {
        let mut bytes = valid_file();
        fill_fat_tail(&mut bytes, END_OF_CHAIN);
        put_le_u32(&mut bytes, HEADER_DIFAT_OFFSET, 5000);
        let error = plain_error(&bytes);
        let got = open_repaired(Cursor::new(bytes)).err().unwrap();
        assert_eq!(got.to_string(), error);
    }

    #[test]
    fn garbage_directory_still_fails() {
        let mut bytes = valid_file();
        fill_fat_tail(&mut bytes, END_OF_CHAIN);
        let dir = (le_u32(&bytes, 48) as usize + 1) * SECTOR;
        for byte in &mut bytes[dir..dir + SECTOR] {
            *byte = 0xA5;
        }
        let error = plain_error(&bytes);
        let got = open_repaired(Cursor::new(bytes)).err().unwrap();
        assert_eq!(got.to_string(), error);
    }

    #[test]
    fn not_a_compound_file_fails() {
        for bytes in [Vec::new(), b"hello world".to_vec(), vec![0u8; 4096]] {
            let error = plain_error(&bytes);
            let got = open_repaired(Cursor::new(bytes)).err().unwrap();
            assert_eq!(got.to_string(), error);
        }
    }

    /// Damages the metadata of a repairable file at pseudo-random places;
    /// whatever comes out, nothing may panic or hang, and a repaired file
    /// must not read differently from... anything: just open and walk it.
    #[test]
    fn damaged_files_never_panic() {
        let mut base = valid_file();
        fill_fat_tail(&mut base, END_OF_CHAIN);
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        // Header, FAT and directory sectors are where it matters.
        let fat = (le_u32(&base, HEADER_DIFAT_OFFSET) as usize + 1) * SECTOR;
        let dir = (le_u32(&base, 48) as usize + 1) * SECTOR;
        let regions = [(0, HEADER_LEN), (fat, SECTOR), (dir, SECTOR)];
        for _ in 0..3000 {
            let mut bytes = base.clone();
            for _ in 0..1 + next() % 4 {
                let (start, len) = regions[(next() % 3) as usize];
                let at = start + (next() as usize) % len;
                bytes[at] = match next() % 4 {
                    0 => 0xFF,
                    1 => 0xFE,
                    2 => 0,
                    _ => next() as u8,
                };
            }
            if next() % 8 == 0 {
                let keep = (next() as usize) % bytes.len();
                bytes.truncate(keep);
            }
            if let Ok((mut compound, _)) = open_repaired(Cursor::new(bytes)) {
                let paths: Vec<_> = compound
                    .walk()
                    .filter(|e| e.is_stream())
                    .map(|e| e.path().to_path_buf())
                    .collect();
                for path in paths {
                    if let Ok(mut stream) = compound.open_stream(&path) {
                        let _ = stream.read_to_end(&mut Vec::new());
                    }
                }
            }
        }
    }

    #[test]
    fn overlay_reads_and_writes_around_patches() {
        let data: Vec<u8> = (0..1000u32).map(|i| i as u8).collect();
        let mut overlay = Repaired::with_patches(
            Cursor::new(data.clone()),
            vec![(100, vec![0xAA; 10]), (500, vec![0xBB; 20])],
        );
        let mut expected = data.clone();
        expected[100..110].fill(0xAA);
        expected[500..520].fill(0xBB);

        // Whole read, in odd-sized pieces.
        let mut got = Vec::new();
        let mut buf = [0u8; 7];
        loop {
            let n = overlay.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
        }
        assert_eq!(got, expected);

        // Relative seeks land where they should, in and out of patches.
        overlay.seek(SeekFrom::Start(95)).unwrap();
        let mut buf = [0u8; 20];
        overlay.read_exact(&mut buf).unwrap();
        assert_eq!(buf[..], expected[95..115]);
        overlay.seek(SeekFrom::Current(-10)).unwrap();
        let mut byte = [0u8];
        overlay.read_exact(&mut byte).unwrap();
        assert_eq!(byte[0], expected[105]);
        assert_eq!(overlay.seek(SeekFrom::End(-1)).unwrap(), 999);

        // A write across a patch reaches the file and the patch.
        overlay.seek(SeekFrom::Start(505)).unwrap();
        overlay.write_all(&[0x11; 30]).unwrap();
        expected[505..535].fill(0x11);
        overlay.seek(SeekFrom::Start(0)).unwrap();
        let mut got = Vec::new();
        overlay.read_to_end(&mut got).unwrap();
        assert_eq!(got, expected);
        let inner = overlay.into_inner().into_inner();
        assert_eq!(inner[505..535], [0x11; 30]);
        assert_eq!(inner[500..505], data[500..505], "patch not written out");
    }

    #[test]
    fn repaired_file_can_be_written() {
        let mut bytes = valid_file();
        fill_fat_tail(&mut bytes, END_OF_CHAIN);
        let (mut compound, notes) = open_repaired(Cursor::new(bytes)).unwrap();
        assert!(!notes.is_empty());
        let new = pattern(20_000, 9);
        compound.create_stream("/new").unwrap().write_all(&new).unwrap();
        compound.open_stream("/small").unwrap().write_all(&[7; 50]).unwrap();
        compound.flush().unwrap();
        assert_eq!(read_stream(&mut compound, "/new"), new);
        let mut small = contents()[0].1.clone();
        small[..50].fill(7);
        assert_eq!(read_stream(&mut compound, "/small"), small);

        let bytes = compound.into_inner().into_inner().into_inner();
        let (mut compound, _) = open_repaired(Cursor::new(bytes)).unwrap();
        assert_eq!(read_stream(&mut compound, "/new"), new);
        assert_eq!(read_stream(&mut compound, "/small"), small);
        assert_eq!(read_stream(&mut compound, "/big"), contents()[1].1);
    }

    /// The FAT sector locations of a file, read by hand from the header
    /// and the DIFAT sectors, with the DIFAT sectors themselves.
    fn fat_sectors(bytes: &[u8], sector_len: usize) -> (Vec<u32>, Vec<u32>) {
        let mut fat = Vec::new();
        for slot in 0..HEADER_DIFAT_SLOTS {
            fat.push(le_u32(bytes, HEADER_DIFAT_OFFSET + 4 * slot));
        }
        let mut difat = Vec::new();
        let mut sector = le_u32(bytes, 68);
        while sector <= MAX_REGULAR_SECTOR {
            difat.push(sector);
            let offset = (sector as usize + 1) * sector_len;
            for slot in 0..sector_len / 4 - 1 {
                fat.push(le_u32(bytes, offset + 4 * slot));
            }
            sector = le_u32(bytes, offset + sector_len - 4);
        }
        fat.retain(|&s| s <= MAX_REGULAR_SECTOR);
        (fat, difat)
    }

    /// Like `fill_fat_tail`, for any file: fills the FAT entries past the
    /// end of the file with end-of-chain markers.
    fn fill_any_fat_tail(bytes: &mut [u8], sector_len: usize) -> usize {
        let (fat, _) = fat_sectors(bytes, sector_len);
        let num_sectors = bytes.len().div_ceil(sector_len) - 1;
        let per_sector = sector_len / 4;
        let mut filled = 0;
        for (index, &sector) in fat.iter().enumerate() {
            for i in 0..per_sector {
                if index * per_sector + i >= num_sectors {
                    let at = (sector as usize + 1) * sector_len + 4 * i;
                    put_le_u32(bytes, at, END_OF_CHAIN);
                    filled += 1;
                }
            }
        }
        filled
    }

    #[test]
    fn version_4_fat_tail_is_read_as_free() {
        let mut compound = cfb::CompoundFile::create_with_version(cfb::Version::V4, Cursor::new(Vec::new())).unwrap();
        compound.create_storage("/sub").unwrap();
        for (path, data) in contents() {
            compound.create_stream(path).unwrap().write_all(&data).unwrap();
        }
        compound.flush().unwrap();
        let mut bytes = compound.into_inner().into_inner();
        let filled = fill_any_fat_tail(&mut bytes, 4096);
        assert!(filled > 1000);
        plain_error(&bytes);
        let (mut compound, notes) = open_repaired(Cursor::new(bytes)).unwrap();
        check_contents(&mut compound);
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert_eq!(compound.into_inner().patched_len(), 4096);
    }

    /// A file big enough to need a DIFAT sector (more than 109 FAT
    /// sectors, so over 6.8 MB).
    #[test]
    fn file_with_difat_sectors_is_repaired() {
        let big = pattern(7_500_000, 6);
        let mut compound = cfb::CompoundFile::create_with_version(cfb::Version::V3, Cursor::new(Vec::new())).unwrap();
        compound.create_stream("/huge").unwrap().write_all(&big).unwrap();
        compound.create_stream("/small").unwrap().write_all(b"hi").unwrap();
        compound.flush().unwrap();
        let mut bytes = compound.into_inner().into_inner();
        let (fat, difat) = fat_sectors(&bytes, SECTOR);
        assert!(fat.len() > HEADER_DIFAT_SLOTS && difat.len() == 1);

        // The FAT tail.
        assert!(fill_any_fat_tail(&mut bytes, SECTOR) > 0);
        let error = plain_error(&bytes);
        assert!(error.contains("Malformed FAT"), "{error}");
        let (mut compound, notes) = open_repaired(Cursor::new(bytes.clone())).unwrap();
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert_eq!(read_stream(&mut compound, "/huge"), big);
        assert_eq!(read_stream(&mut compound, "/small"), b"hi");
        assert_eq!(compound.into_inner().patched_len(), SECTOR);

        // And the DIFAT sector's unused slots padded with end-of-chain.
        let difat_offset = (difat[0] as usize + 1) * SECTOR;
        let used = fat.len() - HEADER_DIFAT_SLOTS;
        for slot in used..SECTOR / 4 - 1 {
            put_le_u32(&mut bytes, difat_offset + 4 * slot, END_OF_CHAIN);
        }
        let error = plain_error(&bytes);
        assert!(error.contains("DIFAT refers to invalid sector"), "{error}");
        let (mut compound, notes) = open_repaired(Cursor::new(bytes.clone())).unwrap();
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(notes[0].starts_with(&format!("DIFAT sector {} slots {used}..127", difat[0])));
        assert_eq!(read_stream(&mut compound, "/huge"), big);
        assert_eq!(compound.into_inner().patched_len(), 2 * SECTOR);

        // Padding that hides a FAT sector the file needs is not padding.
        put_le_u32(&mut bytes, difat_offset + 4 * (used - 1), END_OF_CHAIN);
        let error = plain_error(&bytes);
        let got = open_repaired(Cursor::new(bytes)).err().unwrap();
        assert_eq!(got.to_string(), error);
    }

    fn corpus_file(name: &str) -> Option<PathBuf> {
        match std::env::var_os("OXMSG_CORPUS") {
            Some(dir) => Some(PathBuf::from(dir).join("public").join(name)),
            None => {
                eprintln!("OXMSG_CORPUS is not set; skipped reading {name}");
                None
            }
        }
    }

    #[test]
    fn corpus_no_attachments_opens() {
        let Some(path) = corpus_file("oxmsg__no-attachments.msg") else {
            return;
        };
        let file = std::fs::File::open(&path).unwrap();
        let error = cfb::CompoundFile::open(&file).err().unwrap();
        assert!(error.to_string().contains("Malformed FAT"), "{error}");

        let (mut compound, notes) = open_repaired(file).unwrap();
        assert_eq!(
            notes,
            ["FAT entries 16..128 lie beyond the end of the file (16 \
              sectors) and held 112 end-of-chain markers instead of free \
              markers; read as free"]
        );
        let subject = read_stream(&mut compound, "/__substg1.0_0037001F");
        let subject: Vec<u16> = subject
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        assert_eq!(String::from_utf16(&subject).unwrap(), "This is the subject");
        let paths: Vec<_> = compound
            .walk()
            .filter(|e| e.is_stream())
            .map(|e| e.path().to_path_buf())
            .collect();
        assert_eq!(paths.len(), 32);
        for path in paths {
            let mut data = Vec::new();
            compound.open_stream(&path).unwrap().read_to_end(&mut data).unwrap();
        }
        assert_eq!(compound.into_inner().patched_len(), SECTOR);
    }
}
