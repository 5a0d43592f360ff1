//! The repairs oxmsg makes when `cfb` refuses a file, decided from the
//! file's header, DIFAT, FAT and directory: one planner for both read paths.
//!
//! Two harmless deviations are repaired (`compound::repair`'s module
//! documentation says why they are harmless and when they are not
//! repaired): FAT entries for sectors past the end of the file that are not
//! `FREESECT` (MS-CFB section 2.3), and DIFAT slots padded with reserved
//! markers instead of `FREESECT` (section 2.5). [`plan_from`] reads any
//! [`SectorSource`] and returns [`Repairs`]: the index applies them as it
//! reads the header's DIFAT, the DIFAT sectors and the FAT; `repair`'s
//! overlay turns them into patched sectors that `cfb` is shown.

use std::collections::HashSet;

use super::index::{
    le_u32, le_u64, DIFAT_SECTOR, END_OF_CHAIN, FAT_SECTOR, FREE_SECTOR, HEADER_DIFAT_OFFSET, HEADER_DIFAT_SLOTS,
    HEADER_LEN, MAGIC, MAX_REGULAR_SECTOR, MINI_STREAM_CUTOFF,
};

const DIR_ENTRY_LEN: usize = 128;
const OBJ_TYPE_STREAM: u8 = 2;
const OBJ_TYPE_ROOT: u8 = 5;
/// How many DIFAT sectors beyond the number the file's size calls for are
/// followed before the file is given up on.
const SPARE_DIFAT_SECTORS: u64 = 16;

/// Where the planner reads a compound file from: bytes in memory, or a
/// reader (`repair::open_repaired`).
pub(crate) trait SectorSource {
    /// The file's length in bytes.
    fn len(&mut self) -> Option<u64>;
    /// `len` bytes at `offset`; `None` when they cannot all be read.
    fn read(&mut self, offset: u64, len: usize) -> Option<Vec<u8>>;
}

impl SectorSource for &[u8] {
    fn len(&mut self) -> Option<u64> {
        Some(<[u8]>::len(self) as u64)
    }
    fn read(&mut self, offset: u64, len: usize) -> Option<Vec<u8>> {
        let start = usize::try_from(offset).ok()?;
        self.get(start..start.checked_add(len)?).map(<[u8]>::to_vec)
    }
}

/// What is read differently from the file, and why.
#[derive(Debug, Default)]
pub(crate) struct Repairs {
    /// Header DIFAT slots from this one on are read as `FREESECT`.
    pub(crate) header_difat_free_from: Option<usize>,
    /// In this DIFAT sector, the slots from this one on (not the link to
    /// the next DIFAT sector) are read as `FREESECT`.
    pub(crate) difat_sector_free_from: Option<(u32, usize)>,
    /// FAT entries at or past the file's sector count are read as
    /// `FREESECT`: the FAT sectors that hold such entries which are not
    /// free, each with the first slot past the end.
    pub(crate) fat_tail: Vec<(u32, usize)>,
    /// The file's sector length (512 or 4096).
    pub(crate) sector_len: usize,
    /// One human-readable line per repair, as `open_repaired` words them.
    pub(crate) notes: Vec<String>,
}

/// Whether a DIFAT or FAT value is one of the reserved markers
/// (0xFFFFFFFB to 0xFFFFFFFE), which never name a sector.
fn is_marker(value: u32) -> bool {
    value > MAX_REGULAR_SECTOR && value != FREE_SECTOR
}

/// Whether DIFAT slots from some point on are padding: free or reserved
/// markers only.
fn is_padding(slots: &[u32]) -> bool {
    slots.iter().all(|&v| v > MAX_REGULAR_SECTOR)
}

/// The geometry of a file, from its header and length.
struct Layout<'a> {
    src: &'a mut dyn SectorSource,
    major_version: u16,
    sector_len: usize,
    /// Sectors after the header, counting a partial last one.
    num_sectors: u32,
}

impl Layout<'_> {
    fn entries_per_sector(&self) -> usize {
        self.sector_len / 4
    }

    /// A whole sector of the file, or `None` past its end.
    fn sector(&mut self, sector: u32) -> Option<Vec<u8>> {
        if sector >= self.num_sectors {
            return None;
        }
        let offset = (u64::from(sector) + 1) * self.sector_len as u64;
        self.src.read(offset, self.sector_len)
    }

    fn values(&mut self, sector: u32) -> Option<Vec<u32>> {
        let bytes = self.sector(sector)?;
        Some(bytes.chunks_exact(4).map(|c| le_u32(c, 0)).collect())
    }
}

/// The repairs for the compound file `bytes`; see [`plan_from`].
pub(crate) fn plan(mut bytes: &[u8]) -> Option<Repairs> {
    plan_from(&mut bytes)
}

/// The repairs the file needs, reading only its header, DIFAT, FAT and
/// directory; `None` when it needs none (nothing known to repair, or a
/// file broken in a way no repair should paper over).
pub(crate) fn plan_from(src: &mut dyn SectorSource) -> Option<Repairs> {
    let file_len = src.len()?;
    let header = src.read(0, HEADER_LEN)?;
    let header = &header[..];
    if header.get(..8)? != MAGIC {
        return None;
    }
    let major_version = u16::from_le_bytes([*header.get(26)?, *header.get(27)?]);
    let sector_shift = u16::from_le_bytes([*header.get(30)?, *header.get(31)?]);
    let sector_len: usize = match (major_version, sector_shift) {
        (3, 9) => 512,
        (4, 12) => 4096,
        _ => return None,
    };
    if file_len < sector_len as u64 {
        return None;
    }
    let num_sectors = file_len.div_ceil(sector_len as u64) - 1;
    if num_sectors > u64::from(MAX_REGULAR_SECTOR) + 1 {
        return None;
    }
    let mut layout = Layout {
        src,
        major_version,
        sector_len,
        num_sectors: u32::try_from(num_sectors).ok()?,
    };
    let num_fat_sectors = le_u32(header, 44) as usize;
    let first_dir_sector = le_u32(header, 48);
    let first_minifat_sector = le_u32(header, 60);
    let first_difat_sector = le_u32(header, 68);

    let mut repairs = Repairs {
        sector_len,
        ..Repairs::default()
    };
    let difat = read_difat(&mut layout, header, num_fat_sectors, first_difat_sector, &mut repairs)?;
    if let Some(tail) = read_fat(&mut layout, &difat)? {
        check_nothing_reaches_past_end(&mut layout, &tail.fat, first_dir_sector, first_minifat_sector)?;
        repairs.notes.push(tail.describe(layout.num_sectors));
        repairs.fat_tail = tail.sectors;
    }
    if repairs.notes.is_empty() {
        return None;
    }
    Some(repairs)
}

/// The FAT sector locations, as `cfb` reads them from the DIFAT, plus the
/// DIFAT sectors themselves.
struct Difat {
    fat_sectors: Vec<u32>,
    difat_sectors: Vec<u32>,
}

/// Reads the DIFAT the way `cfb` does, noting padding with reserved markers
/// in `repairs`.
fn read_difat(
    layout: &mut Layout<'_>,
    header: &[u8],
    num_fat_sectors: usize,
    first_difat_sector: u32,
    repairs: &mut Repairs,
) -> Option<Difat> {
    let entries_per_sector = layout.entries_per_sector();
    let fat_needed = u64::from(layout.num_sectors).div_ceil(entries_per_sector as u64).max(1);
    let difat_needed = fat_needed
        .saturating_sub(HEADER_DIFAT_SLOTS as u64)
        .div_ceil(entries_per_sector as u64 - 1);
    let max_difat_sectors = difat_needed + SPARE_DIFAT_SECTORS;

    let slots: Vec<u32> = (0..HEADER_DIFAT_SLOTS)
        .map(|i| le_u32(header, HEADER_DIFAT_OFFSET + 4 * i))
        .collect();
    let mut difat: Vec<u32> = Vec::with_capacity(HEADER_DIFAT_SLOTS);
    let mut padded = false;
    for (i, &slot) in slots.iter().enumerate() {
        if slot == FREE_SECTOR {
            break;
        }
        if is_marker(slot) {
            if !is_padding(slots.get(i..)?) || (i as u64) < fat_needed {
                return None;
            }
            repairs.header_difat_free_from = Some(i);
            repairs.notes.push(format!(
                "header DIFAT slots {i}..{HEADER_DIFAT_SLOTS} were padded \
                 with reserved markers (such as end-of-chain) instead of \
                 free markers; read as free"
            ));
            padded = true;
            break;
        }
        difat.push(slot);
    }
    difat.resize(HEADER_DIFAT_SLOTS, FREE_SECTOR);

    let mut difat_sectors = Vec::new();
    let mut seen = HashSet::new();
    let mut current = if first_difat_sector == FREE_SECTOR {
        END_OF_CHAIN
    } else {
        first_difat_sector
    };
    while current != END_OF_CHAIN && current != FREE_SECTOR {
        if padded || current >= layout.num_sectors || !seen.insert(current) || seen.len() as u64 > max_difat_sectors {
            return None;
        }
        let values = layout.values(current)?;
        let (entries, link) = values.split_at(entries_per_sector - 1);
        let next = *link.first()?;
        let listed = difat.iter().filter(|&&v| v != FREE_SECTOR).count();
        match entries.iter().position(|&v| is_marker(v)) {
            Some(i) => {
                let last = next == END_OF_CHAIN || next == FREE_SECTOR;
                let before = listed + entries.get(..i)?.iter().filter(|&&v| v != FREE_SECTOR).count();
                if !last || !is_padding(entries.get(i..)?) || (before as u64) < fat_needed {
                    return None;
                }
                repairs.difat_sector_free_from = Some((current, i));
                repairs.notes.push(format!(
                    "DIFAT sector {current} slots {i}..{} were padded with \
                     reserved markers (such as end-of-chain) instead of free \
                     markers; read as free",
                    entries_per_sector - 1
                ));
                difat.extend_from_slice(entries.get(..i)?);
                difat.resize(difat.len() + entries.len() - i, FREE_SECTOR);
            }
            None => difat.extend_from_slice(entries),
        }
        difat_sectors.push(current);
        current = next;
    }

    // As `cfb` does: drop zero padding past the header's FAT sector count,
    // then free slots at the end.
    while difat.len() > HEADER_DIFAT_SLOTS && difat.len() > num_fat_sectors && difat.last() == Some(&0) {
        difat.pop();
    }
    while difat.last() == Some(&FREE_SECTOR) {
        difat.pop();
    }
    // Every FAT sector must be a distinct sector of the file, and not a
    // DIFAT sector.
    let mut fat_seen = HashSet::new();
    for &sector in &difat {
        if sector >= layout.num_sectors || !fat_seen.insert(sector) || seen.contains(&sector) {
            return None;
        }
    }
    Some(Difat {
        fat_sectors: difat,
        difat_sectors,
    })
}

/// The FAT entries past the end of the file that were not free.
struct Tail {
    /// The FAT entries of the file's own sectors, with FAT and DIFAT
    /// sectors marked as `cfb` marks them.
    fat: Vec<u32>,
    /// Index one past the last FAT entry.
    fat_len: u64,
    /// The FAT sectors holding entries past the end that are not free, each
    /// with its first slot past the end.
    sectors: Vec<(u32, usize)>,
    end_of_chain: u64,
    fat_difat_markers: u64,
    other_markers: u64,
    sector_numbers: u64,
}

impl Tail {
    fn describe(&self, num_sectors: u32) -> String {
        let mut kinds = Vec::new();
        for (count, what) in [
            (self.end_of_chain, "end-of-chain markers"),
            (self.fat_difat_markers, "FAT/DIFAT sector markers"),
            (self.other_markers, "reserved 0xFFFFFFFB values"),
            (self.sector_numbers, "sector numbers"),
        ] {
            if count > 0 {
                kinds.push(format!("{count} {what}"));
            }
        }
        format!(
            "FAT entries {num_sectors}..{} lie beyond the end of the file \
             ({num_sectors} sectors) and held {} instead of free markers; \
             read as free",
            self.fat_len,
            kinds.join(", ")
        )
    }
}

/// Reads the FAT sectors; returns `Some(None)` if no entry past the end of
/// the file needs repairing.
fn read_fat(layout: &mut Layout<'_>, difat: &Difat) -> Option<Option<Tail>> {
    let entries_per_sector = layout.entries_per_sector() as u64;
    let num_sectors = u64::from(layout.num_sectors);
    let covered = difat.fat_sectors.len() as u64 * entries_per_sector;
    let mut tail = Tail {
        fat: Vec::with_capacity(covered.min(num_sectors) as usize),
        fat_len: covered,
        sectors: Vec::new(),
        end_of_chain: 0,
        fat_difat_markers: 0,
        other_markers: 0,
        sector_numbers: 0,
    };
    for (index, &sector) in difat.fat_sectors.iter().enumerate() {
        let values = layout.values(sector)?;
        let base = index as u64 * entries_per_sector;
        let mut repaired_here = false;
        for (i, value) in values.into_iter().enumerate() {
            if base + (i as u64) < num_sectors {
                tail.fat.push(value);
                continue;
            }
            match value {
                FREE_SECTOR => continue,
                END_OF_CHAIN => tail.end_of_chain += 1,
                FAT_SECTOR | DIFAT_SECTOR => tail.fat_difat_markers += 1,
                v if is_marker(v) => tail.other_markers += 1,
                _ => tail.sector_numbers += 1,
            }
            repaired_here = true;
        }
        if repaired_here {
            let first_past_end = num_sectors.saturating_sub(base) as usize;
            tail.sectors.push((sector, first_past_end));
        }
    }
    if tail.sectors.is_empty() {
        return Some(None);
    }
    for &sector in &difat.difat_sectors {
        if let Some(entry) = tail.fat.get_mut(sector as usize) {
            *entry = DIFAT_SECTOR;
        }
    }
    for &sector in &difat.fat_sectors {
        if let Some(entry) = tail.fat.get_mut(sector as usize) {
            *entry = FAT_SECTOR;
        }
    }
    Some(Some(tail))
}

/// Checks that no chain of the file reaches a sector past its end: no FAT
/// entry of an existing sector points past the end, and no chain starts
/// there.
fn check_nothing_reaches_past_end(
    layout: &mut Layout<'_>,
    fat: &[u32],
    first_dir_sector: u32,
    first_minifat_sector: u32,
) -> Option<()> {
    let num_sectors = layout.num_sectors;
    let past_end = |sector: u32| sector <= MAX_REGULAR_SECTOR && sector >= num_sectors;
    if fat.iter().any(|&next| past_end(next)) || past_end(first_minifat_sector) {
        return None;
    }
    let mut seen = HashSet::new();
    let mut current = first_dir_sector;
    while current != END_OF_CHAIN {
        if current >= num_sectors || !seen.insert(current) {
            return None;
        }
        for entry in layout.sector(current)?.chunks_exact(DIR_ENTRY_LEN) {
            let obj_type = *entry.get(66)?;
            let start = le_u32(entry, 116);
            let mut len = le_u64(entry, 120);
            if layout.major_version == 3 {
                len &= 0xFFFF_FFFF;
            }
            let in_fat = match obj_type {
                OBJ_TYPE_STREAM => len >= MINI_STREAM_CUTOFF,
                OBJ_TYPE_ROOT => len > 0,
                _ => false,
            };
            if in_fat && past_end(start) {
                return None;
            }
        }
        current = *fat.get(current as usize)?;
        if current != END_OF_CHAIN && current > MAX_REGULAR_SECTOR {
            return None;
        }
    }
    Some(())
}
