//! Robustness: every corpus file, damaged in fixed-seed ways, is opened and
//! walked (`walk_bytes`): truncations, bit flips, zeroed sectors, sector-chain
//! loops, huge declared sizes, overwritten directory words and edited
//! property / named-property streams. Each input is walked in a worker
//! thread under `catch_unwind` with a timeout: no panic, no hang, and (on
//! Linux) the process's resident memory stays bounded.
//!
//! The mutations are deterministic (a splitmix64 generator seeded from the
//! file name), so a failure names an input that can be rebuilt exactly:
//! the failure message gives the file, the mutation and its parameters.
//!
//! Run: `OXMSG_CORPUS=../shared/corpus cargo test --test mutation -- --nocapture`
//! `OXMSG_MUTATION_SCALE=4` multiplies the number of random mutations
//! (for a longer local run); `OXMSG_MUTATION_FILTER=<substring>` limits
//! the run to matching corpus files.

#[path = "common/walk.rs"]
mod walk;

use std::collections::BTreeMap;
use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long one walk may take before the test calls it a hang. A debug
/// build walks the largest corpus file in well under a second.
const TIMEOUT: Duration = Duration::from_secs(20);

/// Memory a walk may hold at its peak (counted by the allocator below):
/// this many times the input's size, plus the slack. A walk that trusts a
/// declared size (0x0F000000 is under the default 256 MiB value limit)
/// instead of the stream's real length goes far beyond it.
const MAX_ALLOC_FACTOR: usize = 16;
const MAX_ALLOC_SLACK: usize = 64 << 20;

/// Resident memory allowed after any input (Linux only).
const MAX_RSS_BYTES: u64 = 1536 << 20;

// ---------------------------------------------------------------------------
// A counting allocator: the largest single allocation and the peak of live
// bytes during each walk (resident memory alone would miss a huge
// allocation that is never touched).
// ---------------------------------------------------------------------------

mod counting {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

    pub struct Counting;

    static LIVE: AtomicUsize = AtomicUsize::new(0);
    static PEAK: AtomicUsize = AtomicUsize::new(0);
    static LARGEST: AtomicUsize = AtomicUsize::new(0);

    fn grew(size: usize) {
        let live = LIVE.fetch_add(size, Relaxed) + size;
        PEAK.fetch_max(live, Relaxed);
    }

    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, l: Layout) -> *mut u8 {
            let p = System.alloc(l);
            if !p.is_null() {
                grew(l.size());
                LARGEST.fetch_max(l.size(), Relaxed);
            }
            p
        }
        unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
            let p = System.alloc_zeroed(l);
            if !p.is_null() {
                grew(l.size());
                LARGEST.fetch_max(l.size(), Relaxed);
            }
            p
        }
        unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
            System.dealloc(p, l);
            LIVE.fetch_sub(l.size(), Relaxed);
        }
        unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
            let q = System.realloc(p, l, new);
            if !q.is_null() {
                LIVE.fetch_sub(l.size(), Relaxed);
                grew(new);
                LARGEST.fetch_max(new, Relaxed);
            }
            q
        }
    }

    /// Starts a measurement: (live bytes now).
    pub fn reset() -> usize {
        let live = LIVE.load(Relaxed);
        PEAK.store(live, Relaxed);
        LARGEST.store(0, Relaxed);
        live
    }

    /// (peak live bytes, largest single allocation) since `reset`.
    pub fn read() -> (usize, usize) {
        (PEAK.load(Relaxed), LARGEST.load(Relaxed))
    }
}

#[global_allocator]
static ALLOC: counting::Counting = counting::Counting;

// ---------------------------------------------------------------------------
// A small deterministic generator.
// ---------------------------------------------------------------------------

/// splitmix64 (Steele, Lea, Flood 2014).
struct Rng(u64);

impl Rng {
    fn from_name(name: &str) -> Rng {
        // FNV-1a of the name, so each file has its own fixed sequence.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in name.bytes() {
            h ^= b as u64;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        Rng(h)
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> Option<&'a T> {
        if v.is_empty() {
            None
        } else {
            Some(&v[self.below(v.len())])
        }
    }
}

// ---------------------------------------------------------------------------
// Just enough MS-CFB to aim the damage.
// ---------------------------------------------------------------------------

const FREESECT: u32 = 0xFFFF_FFFF;
const ENDOFCHAIN: u32 = 0xFFFF_FFFE;
const MAXREGSECT: u32 = 0xFFFF_FFFA;

fn u32_at(b: &[u8], off: usize) -> Option<u32> {
    b.get(off..off + 4).map(|s| u32::from_le_bytes(s.try_into().unwrap()))
}

fn put_u32(b: &mut [u8], off: usize, v: u32) {
    if let Some(s) = b.get_mut(off..off + 4) {
        s.copy_from_slice(&v.to_le_bytes());
    }
}

/// The layout of a compound file as far as the header, the FAT and the
/// directory chain can be read (every lookup bounded by the file).
struct CfbLayout {
    sector_size: usize,
    /// FAT sector numbers (from the header's 109 DIFAT slots only).
    fat_sectors: Vec<u32>,
    /// The FAT, concatenated from `fat_sectors`.
    fat: Vec<u32>,
    /// Directory sectors, in chain order.
    dir_sectors: Vec<u32>,
    /// First mini FAT sector.
    minifat_start: u32,
}

impl CfbLayout {
    fn parse(b: &[u8]) -> Option<CfbLayout> {
        if b.len() < 512 || b[0..8] != [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] {
            return None;
        }
        let shift = u16::from_le_bytes([b[0x1E], b[0x1F]]);
        if !(9..=12).contains(&shift) {
            return None;
        }
        let sector_size = 1usize << shift;
        let nsect = (b.len() / sector_size).saturating_sub(1);
        let mut fat_sectors = Vec::new();
        for i in 0..109 {
            let s = u32_at(b, 0x4C + 4 * i)?;
            if s > MAXREGSECT {
                break;
            }
            fat_sectors.push(s);
        }
        let mut fat = Vec::new();
        for &s in &fat_sectors {
            let off = (s as usize + 1) * sector_size;
            for j in 0..sector_size / 4 {
                fat.push(u32_at(b, off + 4 * j).unwrap_or(FREESECT));
            }
        }
        let mut dir_sectors = Vec::new();
        let mut s = u32_at(b, 0x30)?;
        while s <= MAXREGSECT && (s as usize) < nsect && dir_sectors.len() < nsect && !dir_sectors.contains(&s) {
            dir_sectors.push(s);
            s = *fat.get(s as usize).unwrap_or(&ENDOFCHAIN);
        }
        Some(CfbLayout {
            sector_size,
            fat_sectors,
            fat,
            dir_sectors,
            minifat_start: u32_at(b, 0x3C)?,
        })
    }

    fn offset(&self, sector: u32) -> usize {
        (sector as usize + 1) * self.sector_size
    }

    /// The byte offsets of every directory entry.
    fn dir_entries(&self, len: usize) -> Vec<usize> {
        let mut v = Vec::new();
        for &s in &self.dir_sectors {
            let off = self.offset(s);
            for k in 0..self.sector_size / 128 {
                if off + 128 * (k + 1) <= len {
                    v.push(off + 128 * k);
                }
            }
        }
        v
    }

    /// A chain (as sector numbers) starting at `start`, bounded.
    fn chain(&self, start: u32) -> Vec<u32> {
        let mut v = Vec::new();
        let mut s = start;
        while s <= MAXREGSECT && (s as usize) < self.fat.len() && v.len() < 4096 && !v.contains(&s) {
            v.push(s);
            s = self.fat[s as usize];
        }
        v
    }

    /// Byte offset of FAT entry `i` in the file.
    fn fat_entry_offset(&self, i: u32) -> Option<usize> {
        let per = self.sector_size / 4;
        let sect = *self.fat_sectors.get(i as usize / per)?;
        Some(self.offset(sect) + 4 * (i as usize % per))
    }
}

// ---------------------------------------------------------------------------
// The mutations.
// ---------------------------------------------------------------------------

struct Mutant {
    /// Kind (for the summary).
    kind: &'static str,
    /// What was done, precisely enough to rebuild the input.
    what: String,
    bytes: Vec<u8>,
}

/// Random counts, multiplied by `OXMSG_MUTATION_SCALE`.
struct Counts {
    truncations: usize,
    bit_flips: usize,
    zero_sectors: usize,
    dir_words: usize,
    stream_edits: usize,
}

fn counts() -> Counts {
    let scale: usize = std::env::var("OXMSG_MUTATION_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1)
        .max(1);
    Counts {
        truncations: 6 * scale,
        bit_flips: 24 * scale,
        zero_sectors: 4 * scale,
        dir_words: 10 * scale,
        stream_edits: 10 * scale,
    }
}

/// Every mutant of `orig` (built lazily, one at a time, by the caller
/// iterating the returned closures).
fn mutations(name: &str, orig: &[u8], c: &Counts) -> Vec<Box<dyn FnOnce() -> Option<Mutant>>> {
    let mut rng = Rng::from_name(name);
    let len = orig.len();
    // Fewer random mutations of the few large files, whose walks dominate
    // the run time (the fixed, aimed mutations are kept for every file).
    let div = if len > 1 << 20 {
        4
    } else if len > 512 << 10 {
        2
    } else {
        1
    };
    let c = &Counts {
        truncations: c.truncations.div_ceil(div),
        bit_flips: c.bit_flips.div_ceil(div),
        zero_sectors: c.zero_sectors.div_ceil(div),
        dir_words: c.dir_words.div_ceil(div),
        stream_edits: c.stream_edits.div_ceil(div),
    };
    let layout = CfbLayout::parse(orig);
    let mut out: Vec<Box<dyn FnOnce() -> Option<Mutant>>> = Vec::new();
    let orig: std::sync::Arc<[u8]> = orig.into();

    // 1. Truncations: fixed offsets and random ones.
    let mut cuts = vec![
        0,
        1,
        8,
        76,
        511,
        512,
        513,
        1024,
        len / 4,
        len / 2,
        (3 * len) / 4,
        len.saturating_sub(513),
    ];
    cuts.push(len.saturating_sub(512));
    cuts.push(len.saturating_sub(1));
    for _ in 0..c.truncations {
        cuts.push(rng.below(len.max(1)));
    }
    cuts.retain(|&n| n < len);
    cuts.sort_unstable();
    cuts.dedup();
    for n in cuts {
        let o = orig.clone();
        out.push(Box::new(move || {
            Some(Mutant {
                kind: "truncate",
                what: format!("truncated to {n} bytes"),
                bytes: o[..n].to_vec(),
            })
        }));
    }

    // 2. Single bit flips: half anywhere, half in the header, FAT and
    //    directory sectors (where a flip changes structure, not content).
    let mut structural: Vec<(usize, usize)> = vec![(0, 512.min(len))];
    if let Some(l) = &layout {
        for &s in l.fat_sectors.iter().chain(&l.dir_sectors) {
            let off = l.offset(s);
            if off < len {
                structural.push((off, (off + l.sector_size).min(len)));
            }
        }
    }
    for i in 0..c.bit_flips {
        let off = if i % 2 == 0 {
            rng.below(len.max(1))
        } else {
            let (a, b) = structural[rng.below(structural.len())];
            a + rng.below((b - a).max(1))
        };
        let bit = rng.below(8);
        if off >= len {
            continue;
        }
        let o = orig.clone();
        out.push(Box::new(move || {
            let mut b = o.to_vec();
            b[off] ^= 1 << bit;
            Some(Mutant {
                kind: "bit flip",
                what: format!("bit {bit} of byte {off} flipped"),
                bytes: b,
            })
        }));
    }

    // 3. Zeroed sectors: the header, the first directory and FAT sectors,
    //    the mini FAT's first sector, and random ones.
    let ss = layout.as_ref().map(|l| l.sector_size).unwrap_or(512);
    let mut zero: Vec<(String, usize)> = vec![("header".into(), 0)];
    if let Some(l) = &layout {
        if let Some(&d) = l.dir_sectors.first() {
            zero.push((format!("first directory sector {d}"), l.offset(d)));
        }
        if let Some(&d) = l.dir_sectors.last() {
            zero.push((format!("last directory sector {d}"), l.offset(d)));
        }
        if let Some(&f) = l.fat_sectors.first() {
            zero.push((format!("first FAT sector {f}"), l.offset(f)));
        }
        if l.minifat_start <= MAXREGSECT {
            zero.push((
                format!("first mini FAT sector {}", l.minifat_start),
                l.offset(l.minifat_start),
            ));
        }
    }
    for _ in 0..c.zero_sectors {
        let n = len / ss;
        if n > 1 {
            let s = 1 + rng.below(n - 1);
            zero.push((format!("file sector {}", s - 1), s * ss));
        }
    }
    for (label, off) in zero {
        if off >= len {
            continue;
        }
        let o = orig.clone();
        out.push(Box::new(move || {
            let mut b = o.to_vec();
            let end = (off + ss).min(b.len());
            b[off..end].fill(0);
            Some(Mutant {
                kind: "zero sector",
                what: format!("zeroed {label} (bytes {off}..{end})"),
                bytes: b,
            })
        }));
    }

    // 4. Sector-chain loops: a FAT entry pointing to itself or back into
    //    its own chain (the directory chain, the mini FAT chain, the mini
    //    stream's chain, random chains), and a DIFAT slot naming a FAT
    //    sector twice.
    if let Some(l) = &layout {
        let mut loops: Vec<(String, usize, u32)> = Vec::new();
        let add_chain_loops = |label: &str, chain: &[u32], rng: &mut Rng, loops: &mut Vec<(String, usize, u32)>| {
            if let Some(&first) = chain.first() {
                if let Some(off) = l.fat_entry_offset(first) {
                    loops.push((format!("FAT[{first}] ({label} start) -> itself"), off, first));
                }
            }
            if chain.len() >= 2 {
                let last = chain[chain.len() - 1];
                let back = chain[rng.below(chain.len() - 1)];
                if let Some(off) = l.fat_entry_offset(last) {
                    loops.push((format!("FAT[{last}] ({label} end) -> earlier sector {back}"), off, back));
                }
            }
        };
        let dir_chain = l.dir_sectors.clone();
        add_chain_loops("directory chain", &dir_chain, &mut rng, &mut loops);
        if l.minifat_start <= MAXREGSECT {
            let mf = l.chain(l.minifat_start);
            add_chain_loops("mini FAT chain", &mf, &mut rng, &mut loops);
        }
        // The root entry's start sector is the mini stream's chain.
        if let Some(&root) = l.dir_entries(len).first() {
            if let Some(ms) = u32_at(&orig, root + 116) {
                let chain = l.chain(ms);
                add_chain_loops("mini stream chain", &chain, &mut rng, &mut loops);
            }
        }
        // Random links among the first FAT sector's entries.
        let per = l.sector_size / 4;
        let links: Vec<u32> = (0..per.min(l.fat.len()) as u32)
            .filter(|&i| l.fat[i as usize] <= MAXREGSECT)
            .collect();
        for _ in 0..2 {
            if let Some(&i) = rng.pick(&links) {
                if let Some(off) = l.fat_entry_offset(i) {
                    loops.push((format!("FAT[{i}] -> itself"), off, i));
                }
            }
        }
        // A FAT sector listed twice in the DIFAT.
        if let Some(&f) = l.fat_sectors.first() {
            let slot = l.fat_sectors.len();
            if slot < 109 {
                loops.push((format!("DIFAT[{slot}] -> FAT sector {f} again"), 0x4C + 4 * slot, f));
            }
        }
        for (label, off, v) in loops {
            let o = orig.clone();
            out.push(Box::new(move || {
                let mut b = o.to_vec();
                put_u32(&mut b, off, v);
                Some(Mutant {
                    kind: "chain loop",
                    what: label,
                    bytes: b,
                })
            }));
        }
    }

    // 5. Huge declared sizes in directory entries (stream size at +120, and
    //    the start sector at +116), and random directory words overwritten.
    if let Some(l) = &layout {
        let entries = l.dir_entries(len);
        let streams: Vec<usize> = entries
            .iter()
            .copied()
            .filter(|&e| orig.get(e + 66) == Some(&2))
            .collect();
        let mut edits: Vec<(String, Vec<(usize, u32)>)> = Vec::new();
        if let Some(&root) = entries.first() {
            edits.push((
                "root entry (mini stream) size = 0x7FFFFFFF".into(),
                vec![(root + 120, 0x7FFF_FFFF)],
            ));
        }
        for (k, size) in [
            (0u32, 0x7FFF_FFFFu32),
            (1, 0xFFFF_FFF0),
            (2, 0x0000_1000),
            (3, 0xFFFF_FFFF),
            (4, 0x0F00_0000),
        ] {
            if let Some(&e) = rng.pick(&streams) {
                let name = dir_name(&orig, e);
                let mut w = vec![(e + 120, size)];
                if k == 3 {
                    // A 64-bit size (the high half is reserved in version 3).
                    w.push((e + 124, 0x7FFF_FFFF));
                }
                edits.push((
                    format!(
                        "stream {name:?} (entry at {e}) size = {size:#x}{}",
                        if k == 3 { ", high half 0x7FFFFFFF" } else { "" }
                    ),
                    w,
                ));
            }
        }
        if let Some(&e) = rng.pick(&streams) {
            let name = dir_name(&orig, e);
            edits.push((
                format!("stream {name:?} (entry at {e}) start sector = 0xFFFFFFF0"),
                vec![(e + 116, 0xFFFF_FFF0)],
            ));
        }
        if !entries.is_empty() {
            let k = rng.below(entries.len());
            let e = entries[k];
            let name = dir_name(&orig, e);
            edits.push((
                format!("entry #{k} {name:?} (at {e}) child = itself"),
                vec![(e + 76, k as u32)],
            ));
        }
        for _ in 0..c.dir_words {
            if let Some(&e) = rng.pick(&entries) {
                let word = rng.below(32);
                let v = if rng.below(2) == 0 { 0xFFFF_FFFF } else { 0x7FFF_FFFF };
                let name = dir_name(&orig, e);
                edits.push((
                    format!("entry {name:?} (at {e}) word {word} (byte {}) = {v:#x}", 4 * word),
                    vec![(e + 4 * word, v)],
                ));
            }
        }
        for (label, words) in edits {
            let o = orig.clone();
            out.push(Box::new(move || {
                let mut b = o.to_vec();
                for (off, v) in words {
                    put_u32(&mut b, off, v);
                }
                Some(Mutant {
                    kind: "directory",
                    what: label,
                    bytes: b,
                })
            }));
        }
    }

    // 6. Edits inside streams, made through `cfb` so that the compound file
    //    stays valid: property-stream entries with huge sizes, wrong types
    //    and odd lengths; named-property streams with huge offsets; random
    //    words of value streams set to 0xFFFFFFFF.
    let seeds: Vec<u64> = (0..c.stream_edits).map(|_| rng.next()).collect();
    for (i, seed) in seeds.into_iter().enumerate() {
        let o = orig.clone();
        out.push(Box::new(move || stream_edit(&o, i, seed)));
    }
    out
}

/// The name of a directory entry (UTF-16LE, bounded).
fn dir_name(b: &[u8], e: usize) -> String {
    let n = (u16::from_le_bytes([b[e + 64], b[e + 65]]) as usize).min(64) / 2;
    let units: Vec<u16> = (0..n.saturating_sub(1))
        .map(|i| u16::from_le_bytes([b[e + 2 * i], b[e + 2 * i + 1]]))
        .collect();
    String::from_utf16_lossy(&units)
}

/// One edit inside a stream of a copy of `orig`, chosen by `seed`; `None`
/// when `cfb` cannot open the file or it has no stream of the kind.
fn stream_edit(orig: &[u8], i: usize, seed: u64) -> Option<Mutant> {
    let mut rng = Rng(seed);
    let mut cf = cfb::CompoundFile::open(Cursor::new(orig.to_vec())).ok()?;
    let streams: Vec<PathBuf> = cf
        .walk()
        .filter(|e| e.is_stream())
        .map(|e| e.path().to_path_buf())
        .collect();
    let is = |p: &PathBuf, s: &str| {
        p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.eq_ignore_ascii_case(s))
    };
    let props: Vec<&PathBuf> = streams.iter().filter(|p| is(p, "__properties_version1.0")).collect();
    let named: Vec<&PathBuf> = streams
        .iter()
        .filter(|p| {
            p.parent()
                .and_then(|d| d.file_name())
                .is_some_and(|d| d == "__nameid_version1.0")
        })
        .collect();
    let values: Vec<&PathBuf> = streams
        .iter()
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("__substg1.0_"))
        })
        .collect();
    let (path, what, new): (PathBuf, String, Vec<u8>) = match i % 5 {
        // A property-stream entry: a huge size, a changed type, a changed tag.
        0 | 1 => {
            let p = (*rng.pick(&props)?).clone();
            let mut data = read_stream(&mut cf, &p)?;
            let header = header_len(&p);
            let n = data.len().saturating_sub(header) / 16;
            if n == 0 {
                return None;
            }
            let e = header + 16 * rng.below(n);
            let what = match rng.below(5) {
                0 => {
                    put_u32(&mut data, e + 8, 0xFFFF_FFFF);
                    format!("entry at {e}: value/size = 0xFFFFFFFF")
                }
                1 => {
                    // Just under and far over the default 256 MiB value limit.
                    let v = [0x7FFF_FFF0u32, 0x0F00_0000][rng.below(2)];
                    put_u32(&mut data, e + 8, v);
                    format!("entry at {e}: value/size = {v:#x}")
                }
                2 => {
                    let ty = [
                        0x0000u16, 0x0001, 0x000D, 0x001E, 0x001F, 0x0102, 0x1003, 0x101F, 0x1102, 0x0048, 0xFFFF,
                    ][rng.below(11)];
                    data[e..e + 2].copy_from_slice(&ty.to_le_bytes());
                    format!("entry at {e}: type = {ty:#06x}")
                }
                3 => {
                    // An odd length: the last entry cut short.
                    let cut = data.len() - 1 - rng.below(15);
                    data.truncate(cut);
                    format!("stream truncated to {cut} bytes")
                }
                _ => {
                    // A second copy of an entry (a duplicate tag).
                    let copy = data[e..e + 16].to_vec();
                    data.extend_from_slice(&copy);
                    format!("entry at {e} duplicated at the end")
                }
            };
            (p, what, data)
        }
        // The named-property map: huge offsets and counts.
        2 => {
            let p = (*rng.pick(&named)?).clone();
            let mut data = read_stream(&mut cf, &p)?;
            if data.len() < 4 {
                return None;
            }
            let w = 4 * rng.below(data.len() / 4);
            let v = [0xFFFF_FFFFu32, 0x7FFF_FFFF, 0xFFFF_0000, 0x0000_FFFF][rng.below(4)];
            put_u32(&mut data, w, v);
            (p, format!("word at {w} = {v:#x}"), data)
        }
        // A value stream (a body, attachment data, an MV length table).
        3 => {
            let p = (*rng.pick(&values)?).clone();
            let mut data = read_stream(&mut cf, &p)?;
            if data.len() < 4 {
                return None;
            }
            let w = 4 * rng.below(data.len() / 4);
            let v = [0xFFFF_FFFFu32, 0x7FFF_FFFF][rng.below(2)];
            put_u32(&mut data, w, v);
            (p, format!("word at {w} = {v:#x}"), data)
        }
        // A property stream emptied or cut inside its header.
        _ => {
            let p = (*rng.pick(&props)?).clone();
            let data = read_stream(&mut cf, &p)?;
            let cut = rng.below(header_len(&p) + 1).min(data.len());
            (
                p,
                format!("stream truncated to {cut} bytes (inside its header)"),
                data[..cut].to_vec(),
            )
        }
    };
    let mut s = cf.create_stream(&path).ok()?;
    s.write_all(&new).ok()?;
    drop(s);
    cf.flush().ok()?;
    let bytes = cf.into_inner().into_inner();
    Some(Mutant {
        kind: "stream edit",
        what: format!("{}: {what}", path.display()),
        bytes,
    })
}

fn read_stream(cf: &mut cfb::CompoundFile<Cursor<Vec<u8>>>, p: &Path) -> Option<Vec<u8>> {
    let mut s = cf.open_stream(p).ok()?;
    let mut v = Vec::new();
    s.read_to_end(&mut v).ok()?;
    Some(v)
}

/// The header length of a property stream (MS-OXMSG 2.4.1) by its storage.
fn header_len(p: &Path) -> usize {
    let parent = p
        .parent()
        .and_then(|d| d.file_name())
        .and_then(|d| d.to_str())
        .unwrap_or("");
    if p.parent()
        .is_none_or(|d| d == Path::new("/") || d.as_os_str().is_empty())
    {
        32
    } else if parent.eq_ignore_ascii_case("__substg1.0_3701000D") {
        24
    } else {
        8
    }
}

// ---------------------------------------------------------------------------
// Running one input.
// ---------------------------------------------------------------------------

enum Outcome {
    Ok(usize),
    Err(String),
    Panic(String),
    Timeout,
}

/// Runs `walk_bytes(bytes)` in a worker thread under `catch_unwind`,
/// waiting at most `TIMEOUT`.
fn run_one(bytes: Vec<u8>) -> Outcome {
    let (tx, rx) = mpsc::channel();
    let worker = std::thread::Builder::new()
        .name("walk".into())
        .spawn(move || {
            let r = std::panic::catch_unwind(move || walk::walk_bytes(bytes));
            let _ = tx.send(match r {
                Ok(Ok(n)) => Outcome::Ok(n),
                Ok(Err(e)) => Outcome::Err(format!("{e}")),
                Err(p) => Outcome::Panic(
                    p.downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| p.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "(non-string panic payload)".into()),
                ),
            });
        })
        .expect("spawn worker");
    match rx.recv_timeout(TIMEOUT) {
        Ok(o) => {
            let _ = worker.join();
            o
        }
        // The worker is left running; the test fails at once.
        Err(_) => Outcome::Timeout,
    }
}

/// VmRSS of this process in bytes (Linux), else `None`.
fn rss_bytes() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn corpus_files() -> Option<Vec<PathBuf>> {
    let Some(dir) = std::env::var_os("OXMSG_CORPUS") else {
        eprintln!("skipped: OXMSG_CORPUS not set");
        return None;
    };
    let filter = std::env::var("OXMSG_MUTATION_FILTER").unwrap_or_default();
    let mut files: Vec<PathBuf> = std::fs::read_dir(PathBuf::from(dir).join("public"))
        .expect("$OXMSG_CORPUS/public")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("msg")))
        .filter(|p| p.to_string_lossy().contains(&filter))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no .msg files in $OXMSG_CORPUS/public");
    Some(files)
}

#[derive(Default)]
struct KindTally {
    tried: usize,
    ok: usize,
    err: usize,
}

#[test]
fn mutated_corpus_never_panics_hangs_or_balloons() {
    let Some(files) = corpus_files() else { return };
    let c = counts();
    let start = Instant::now();
    let mut per_kind: BTreeMap<&'static str, KindTally> = BTreeMap::new();
    let mut errors: BTreeMap<String, (usize, String)> = BTreeMap::new();
    let mut allocs: Vec<(usize, usize, usize, String)> = Vec::new();
    let mut per_file: Vec<(Duration, String)> = Vec::new();
    let mut failures: Vec<String> = Vec::new();
    let mut slowest = (Duration::ZERO, String::new());
    let mut originals = (0usize, 0usize);
    let mut peak_rss = 0u64;
    let mut visited = 0usize;
    let rss_at_start = rss_bytes();

    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let orig = std::fs::read(path).expect("read corpus file");
        // The original itself first.
        match run_one(orig.clone()) {
            Outcome::Ok(_) => originals.0 += 1,
            Outcome::Err(_) => originals.1 += 1,
            Outcome::Panic(p) => failures.push(format!("{name} (unmodified): PANIC {p}")),
            Outcome::Timeout => panic!("{name} (unmodified): no answer within {TIMEOUT:?}"),
        }
        let file_start = Instant::now();
        for make in mutations(&name, &orig, &c) {
            let Some(m) = make() else { continue };
            let input_len = m.bytes.len();
            let base = counting::reset();
            let t = Instant::now();
            let outcome = run_one(m.bytes);
            let took = t.elapsed();
            let (peak, largest) = counting::read();
            let extra = peak.saturating_sub(base);
            if extra > MAX_ALLOC_FACTOR * input_len + MAX_ALLOC_SLACK {
                failures.push(format!(
                    "{name}, {}: HUGE ALLOCATION: {} MiB live at the peak (largest single allocation {} MiB) for a {input_len}-byte input",
                    m.what,
                    extra >> 20,
                    largest >> 20
                ));
            }
            allocs.push((largest, extra, input_len, format!("{name}: {}", m.what)));
            if took > slowest.0 {
                slowest = (took, format!("{name}: {}", m.what));
            }
            let k = per_kind.entry(m.kind).or_default();
            k.tried += 1;
            match outcome {
                Outcome::Ok(n) => {
                    k.ok += 1;
                    visited += n;
                }
                Outcome::Err(e) => {
                    k.err += 1;
                    // Group error messages by their first words.
                    let key: String = e.split(':').next().unwrap_or("").chars().take(60).collect();
                    errors
                        .entry(key)
                        .or_insert_with(|| (0, format!("{name}, {}: {e}", m.what)))
                        .0 += 1;
                }
                Outcome::Panic(p) => failures.push(format!("{name}, {}: PANIC {p}", m.what)),
                Outcome::Timeout => {
                    panic!(
                        "{name}, {}: HANG (no answer within {TIMEOUT:?}); the worker is still running",
                        m.what
                    )
                }
            }
            if let Some(rss) = rss_bytes() {
                peak_rss = peak_rss.max(rss);
                assert!(
                    rss < MAX_RSS_BYTES,
                    "{name}, {}: resident memory {} MiB after the walk (limit {} MiB)",
                    m.what,
                    rss >> 20,
                    MAX_RSS_BYTES >> 20
                );
            }
        }
        per_file.push((file_start.elapsed(), name.clone()));
    }

    let tried: usize = per_kind.values().map(|k| k.tried).sum();
    let ok: usize = per_kind.values().map(|k| k.ok).sum();
    let err: usize = per_kind.values().map(|k| k.err).sum();
    eprintln!("=== mutation summary ===");
    eprintln!(
        "{} corpus files (unmodified: {} walk Ok, {} Err); {tried} mutated inputs tried: {ok} Ok, {err} Err, {} failures (panic or huge allocation); {:.1} s",
        files.len(),
        originals.0,
        originals.1,
        failures.len(),
        start.elapsed().as_secs_f64()
    );
    eprintln!("  things visited by the Ok walks: {visited}");
    for (kind, k) in &per_kind {
        eprintln!("  {kind:12} tried {:5}  Ok {:5}  Err {:5}", k.tried, k.ok, k.err);
    }
    per_file.sort();
    for (d, n) in per_file.iter().rev().take(5) {
        eprintln!("  slow file: {:.1} s for {n}", d.as_secs_f64());
    }
    eprintln!("  slowest input: {:.2} s ({})", slowest.0.as_secs_f64(), slowest.1);
    if let (Some(a), true) = (rss_at_start, peak_rss > 0) {
        eprintln!(
            "  VmRSS: {} MiB at start, {} MiB peak after an input",
            a >> 20,
            peak_rss >> 20
        );
    }
    eprintln!("  errors by kind:");
    let mut by_count: Vec<_> = errors.into_iter().collect();
    by_count.sort_by_key(|e| std::cmp::Reverse(e.1 .0));
    for (e, (n, example)) in by_count.iter().take(15) {
        eprintln!(
            "    {n:5} × {e}\n            e.g. {}",
            example.chars().take(300).collect::<String>()
        );
    }
    allocs.sort_by_key(|a| std::cmp::Reverse(a.0));
    eprintln!("  largest single allocations during a walk:");
    for (largest, extra, len, what) in allocs.iter().take(8) {
        eprintln!(
            "    {:8.1} MiB (peak {:8.1} MiB over the input's {len} bytes): {what}",
            *largest as f64 / 1048576.0,
            *extra as f64 / 1048576.0
        );
    }
    for f in &failures {
        eprintln!("  FAILURE: {f}");
    }
    assert!(
        failures.is_empty(),
        "{} inputs panicked; first: {}",
        failures.len(),
        failures[0]
    );
}

/// A corrupt directory entry in an in-memory input is corrupt data, not an
/// I/O error: nothing was read from a device.
///
/// `cfb` reports some malformed directory entries with
/// `io::ErrorKind::InvalidInput` ("Object name cannot contain ! character",
/// for a name character flipped to `!`); that is corrupt data in the file,
/// `Error::CorruptData` (MAPI_E_CORRUPT_DATA), not an I/O error.
#[test]
fn corrupt_directory_name_is_corrupt_data_not_io() {
    let Some(files) = corpus_files() else { return };
    let Some(path) = files.iter().find(|p| p.ends_with("aquasync__Swetlana_Novikova.msg")) else {
        eprintln!("skipped: aquasync__Swetlana_Novikova.msg not in the corpus");
        return;
    };
    let mut b = std::fs::read(path).unwrap();
    b[5412] ^= 1 << 4;
    let session = oxmsg::Session::new();
    let e = session
        .opener()
        .reader(Cursor::new(b))
        .expect_err("a corrupt directory entry");
    assert!(
        matches!(e, oxmsg::Error::CorruptData { .. }) && e.scode() == oxmsg::scode::MAPI_E_CORRUPT_DATA,
        "a corrupt directory entry of an in-memory input gave {e:?} (SCODE {:#010x})",
        e.scode()
    );
}
