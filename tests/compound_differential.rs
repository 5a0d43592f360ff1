//! The compound-file index against `cfb`, the reference: on every corpus
//! file and every input `tests/mutation.rs` makes of it, the index must
//! open the file exactly when `cfb` opens it (as oxmsg opens files, with
//! `cfb_fixup::open_repaired`), walk the same entries, and read the same
//! bytes, or fail, for every stream (`oxmsg::__fuzz::compare`).
//!
//! Run: `OXMSG_CORPUS=/work/shared/corpus cargo test --release --test
//! compound_differential -- --nocapture`

#[path = "common/mutate.rs"]
mod mutate;

use std::collections::BTreeMap;
use std::io::{Cursor, Write};
use std::path::PathBuf;

use oxmsg::__fuzz::{compare, Agreement};

#[derive(Default, Debug)]
struct Tally {
    inputs: usize,
    both_opened: usize,
    repaired: usize,
    both_refused: usize,
    cfb_panicked: usize,
    entries: usize,
    streams: usize,
    unreadable: usize,
}

impl Tally {
    fn add(&mut self, agreement: Agreement) {
        self.inputs += 1;
        match agreement {
            Agreement::BothOpened {
                entries,
                streams,
                unreadable,
                repaired,
            } => {
                self.both_opened += 1;
                self.repaired += usize::from(repaired);
                self.entries += entries;
                self.streams += streams;
                self.unreadable += unreadable;
            }
            Agreement::BothRefused => self.both_refused += 1,
            Agreement::CfbPanickedIndexRefused => self.cfb_panicked += 1,
        }
    }
}

fn corpus_files() -> Option<Vec<PathBuf>> {
    let Some(dir) = std::env::var_os("OXMSG_CORPUS") else {
        eprintln!("skipped: OXMSG_CORPUS not set");
        return None;
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(PathBuf::from(dir).join("public"))
        .expect("$OXMSG_CORPUS/public")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("msg")))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no .msg files in $OXMSG_CORPUS/public");
    Some(files)
}

#[test]
fn index_agrees_with_cfb_on_corpus_and_mutations() {
    let Some(files) = corpus_files() else { return };
    let counts = mutate::counts();
    let mut originals = Tally::default();
    let mut mutants = Tally::default();
    let mut per_kind: BTreeMap<&'static str, Tally> = BTreeMap::new();
    let mut failures = Vec::new();
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let orig = std::fs::read(path).expect("read corpus file");
        match compare(&orig) {
            Ok(agreement) => originals.add(agreement),
            Err(why) => failures.push(format!("{name} (unmodified): {why}")),
        }
        for make in mutate::mutations(&name, &orig, &counts) {
            let Some(mutant) = make() else { continue };
            match compare(&mutant.bytes) {
                Ok(agreement) => {
                    mutants.add(agreement);
                    per_kind.entry(mutant.kind).or_default().add(agreement);
                }
                Err(why) => failures.push(format!("{name}, {}: {why}", mutant.what)),
            }
        }
    }
    println!("corpus files: {} ({originals:?})", files.len());
    println!("mutated inputs: {} ({mutants:?})", mutants.inputs + failures.len());
    for (kind, tally) in &per_kind {
        println!("  {kind}: {tally:?}");
    }
    println!(
        "agreements: {} of {} inputs",
        originals.inputs + mutants.inputs,
        originals.inputs + mutants.inputs + failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} disagreements:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(originals.inputs, files.len());
    assert!(originals.both_opened > 0);
}

// ---------------------------------------------------------------------------
// Hand-made files, for what the corpus may not show.
// ---------------------------------------------------------------------------

fn build(version: cfb::Version, contents: &[(&str, Vec<u8>)], storages: &[&str]) -> Vec<u8> {
    let mut compound = cfb::CompoundFile::create_with_version(version, Cursor::new(Vec::new())).unwrap();
    for storage in storages {
        compound.create_storage(storage).unwrap();
    }
    for (path, data) in contents {
        compound.create_stream(path).unwrap().write_all(data).unwrap();
    }
    compound.flush().unwrap();
    compound.into_inner().into_inner()
}

fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

fn sample(version: cfb::Version) -> Vec<u8> {
    build(
        version,
        &[
            ("/small", pattern(100, 1)),
            ("/big", pattern(10_000, 2)),
            ("/sub/inner", pattern(5_000, 3)),
            ("/sub/tiny", pattern(7, 4)),
            ("/sub/empty", Vec::new()),
            ("/Straße", pattern(64, 5)),
            ("/sub/deeper/x", pattern(4096, 6)),
        ],
        &["/sub", "/sub/deeper"],
    )
}

fn assert_agrees(bytes: &[u8]) -> Agreement {
    match compare(bytes) {
        Ok(agreement) => agreement,
        Err(why) => panic!("{why}"),
    }
}

#[test]
fn hand_made_files_agree() {
    for version in [cfb::Version::V3, cfb::Version::V4] {
        let bytes = sample(version);
        assert!(matches!(
            assert_agrees(&bytes),
            Agreement::BothOpened { streams: 7, .. }
        ));
        // Every single-byte change of the header and of the first sectors.
        let limit = bytes.len().min(4096 + 2048);
        for at in 0..limit {
            for value in [0x00, 0xFF, 0xFE, bytes[at] ^ 0x01] {
                let mut changed = bytes.clone();
                changed[at] = value;
                if let Err(why) = compare(&changed) {
                    panic!("{version:?}, byte {at} = {value:#04x}: {why}");
                }
            }
        }
        // Every truncation on a 64-byte grid.
        for cut in (0..bytes.len()).step_by(64) {
            if let Err(why) = compare(&bytes[..cut]) {
                panic!("{version:?}, cut at {cut}: {why}");
            }
        }
    }
}

#[test]
fn lookups_are_case_insensitive_and_borrow_contiguous_streams() {
    use oxmsg::__fuzz::CompoundIndex;
    let bytes = sample(cfb::Version::V3);
    let index = CompoundIndex::parse(&bytes).unwrap();
    let sub = index.find(index.root(), "SUB").unwrap();
    let inner = index.find(sub, "Inner").unwrap();
    assert_eq!(index.entry_by_path("/sub/INNER").unwrap(), inner);
    assert_eq!(index.entry_by_path("/sub/./deeper/../inner").unwrap(), inner);
    assert!(index.entry_by_path("/STRASSE").is_err());
    assert!(index.entry_by_path("/straße").is_ok());
    assert!(index.entry_by_path("/..").is_err());
    // As with `cfb`, ".." drops the name before it before anything is
    // looked up.
    assert_eq!(index.entry_by_path("/nope/../sub").unwrap(), sub);
    let compound = cfb::CompoundFile::open(Cursor::new(&bytes[..])).unwrap();
    for path in [
        "/nope/../sub",
        "/sub/..",
        "/..",
        "/SUB/Deeper/X",
        "/sub/x",
        "//sub///tiny/",
    ] {
        assert_eq!(compound.exists(path), index.entry_by_path(path).is_ok(), "{path}");
    }
    assert_eq!(index.read_stream(&bytes, inner).unwrap(), pattern(5_000, 3));
    let names: Vec<&str> = index.children(sub).map(|id| index.entry(id).unwrap().name()).collect();
    assert_eq!(names, ["tiny", "empty", "inner", "deeper"]);
    // A stream written in one go lies in consecutive sectors.
    let big = index.entry_by_path("/big").unwrap();
    assert!(matches!(
        index.stream_bytes(&bytes, big).unwrap(),
        std::borrow::Cow::Borrowed(_)
    ));
    // Other bytes than the parsed ones are refused.
    assert!(index.read_stream(&bytes[..bytes.len() - 1], big).is_err());
}

/// The byte offsets of the directory entries of a file made by `build`
/// (no DIFAT sector).
fn dir_entry_offsets(bytes: &[u8]) -> Vec<usize> {
    let u32_at = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap());
    let sector_len = 1usize << u16::from_le_bytes([bytes[30], bytes[31]]);
    let fat_entry = |sector: usize| {
        let fat_sector = u32_at(76 + 4 * (sector / (sector_len / 4))) as usize;
        u32_at((fat_sector + 1) * sector_len + 4 * (sector % (sector_len / 4)))
    };
    let mut offsets = Vec::new();
    let mut sector = u32_at(48);
    while sector < 0xFFFF_FFFA {
        let start = (sector as usize + 1) * sector_len;
        offsets.extend((0..sector_len / 128).map(|k| start + 128 * k));
        sector = fat_entry(sector as usize);
    }
    offsets
}

/// Sibling trees `cfb` accepts but a strict reader would not: names
/// copied between entries (duplicates that are not parent and child, so
/// only the last one `cfb` indexes can be found), and every sibling and
/// child link pointed at every entry (the root's own siblings, shared
/// subtrees, loops, streams as storages).
#[test]
fn edited_directory_trees_agree() {
    for version in [cfb::Version::V3, cfb::Version::V4] {
        let bytes = sample(version);
        let entries = dir_entry_offsets(&bytes);
        let used: Vec<usize> = entries.iter().copied().filter(|&e| bytes[e + 66] != 0).collect();
        let mut tally = Tally::default();
        for &from in &used {
            for &to in &used {
                let mut changed = bytes.clone();
                changed.copy_within(from..from + 66, to);
                match compare(&changed) {
                    Ok(agreement) => tally.add(agreement),
                    Err(why) => panic!("{version:?}, name of entry at {from} copied to {to}: {why}"),
                }
            }
        }
        for &entry in &used {
            for field in [68, 72, 76] {
                for target in (0..entries.len() as u32 + 1).chain([0xFFFF_FFFF]) {
                    let mut changed = bytes.clone();
                    changed[entry + field..entry + field + 4].copy_from_slice(&target.to_le_bytes());
                    match compare(&changed) {
                        Ok(agreement) => tally.add(agreement),
                        Err(why) => panic!("{version:?}, entry at {entry}, link at {field} = {target}: {why}"),
                    }
                }
            }
        }
        println!("{version:?}: {tally:?}");
        assert!(tally.both_opened > 0 && tally.both_refused > 0);
    }
}

/// A file big enough for a DIFAT sector (over 109 FAT sectors), which no
/// corpus file has: as written, with the DIFAT sector's unused slots
/// padded with ENDOFCHAIN (which `open_repaired` repairs), with the FAT's
/// tail past the end of the file filled with ENDOFCHAIN (repaired too),
/// and with the DIFAT chain looping or pointing past the end.
#[test]
fn file_with_difat_sector_agrees() {
    let bytes = build(
        cfb::Version::V3,
        &[("/huge", pattern(7_500_000, 6)), ("/small", b"hi".to_vec())],
        &[],
    );
    let u32_at = |b: &[u8], at: usize| u32::from_le_bytes(b[at..at + 4].try_into().unwrap());
    let put = |b: &mut Vec<u8>, at: usize, v: u32| b[at..at + 4].copy_from_slice(&v.to_le_bytes());
    let difat_sector = u32_at(&bytes, 68);
    assert!(difat_sector < 0xFFFF_FFFA, "the file needs a DIFAT sector");
    let difat_at = (difat_sector as usize + 1) * 512;
    assert!(matches!(
        assert_agrees(&bytes),
        Agreement::BothOpened { repaired: false, .. }
    ));

    let used = (0..127)
        .take_while(|&i| u32_at(&bytes, difat_at + 4 * i) != 0xFFFF_FFFF)
        .count();
    let mut padded = bytes.clone();
    for slot in used..127 {
        put(&mut padded, difat_at + 4 * slot, 0xFFFF_FFFE);
    }
    assert!(matches!(
        assert_agrees(&padded),
        Agreement::BothOpened { repaired: true, .. }
    ));

    // The last FAT sector's entries past the end of the file.
    let num_sectors = bytes.len().div_ceil(512) - 1;
    let last_fat = u32_at(&bytes, difat_at + 4 * (used - 1)) as usize;
    let first_past_end = num_sectors - (108 + used) * 128;
    let mut tail = bytes.clone();
    for i in first_past_end..128 {
        put(&mut tail, (last_fat + 1) * 512 + 4 * i, 0xFFFF_FFFE);
    }
    assert!(matches!(
        assert_agrees(&tail),
        Agreement::BothOpened { repaired: true, .. }
    ));

    for (what, slot, value) in [
        ("DIFAT link to itself", 127, difat_sector),
        ("DIFAT link past the end", 127, 1_000_000),
        ("DIFAT link FREESECT", 127, 0xFFFF_FFFF),
        ("FAT sector past the end", 0, 1_000_000),
        ("FAT sector listed twice", 1, u32_at(&bytes, difat_at)),
        ("FAT sector is the DIFAT sector", 0, difat_sector),
    ] {
        for base in [&bytes, &padded, &tail] {
            let mut changed = base.clone();
            put(&mut changed, difat_at + 4 * slot, value);
            if let Err(why) = compare(&changed) {
                panic!("{what}: {why}");
            }
        }
    }
}

/// `children` of an entry the tree does not reach gives nothing, even when
/// that entry's own links loop (they were never checked).
#[test]
fn children_of_unreachable_entries_is_empty() {
    use oxmsg::__fuzz::CompoundIndex;
    let mut bytes = sample(cfb::Version::V3);
    let entries = dir_entry_offsets(&bytes);
    // An unused slot made into a storage whose child is itself.
    let (slot, &at) = entries
        .iter()
        .enumerate()
        .rev()
        .find(|(_, &e)| bytes[e + 66] == 0)
        .unwrap();
    bytes[at + 66] = 1;
    bytes[at + 76..at + 80].copy_from_slice(&(slot as u32).to_le_bytes());
    let index = CompoundIndex::parse(&bytes).unwrap();
    assert!(index.entry(slot as u32).unwrap().is_storage());
    assert_eq!(index.children(slot as u32).count(), 0);
    assert_eq!(index.children(index.root()).count(), 4);
}

/// Many siblings with the same name: a zigzag ("m" whose left child is
/// "a", whose right child is "m", ...) is in order wherever `cfb` looks
/// (parent and child only), so `cfb` opens it and finds, for "/m" and
/// "/a", the entry its name index took last. The index must find the same
/// one, without a cost quadratic in the number of duplicates.
#[test]
fn duplicate_names_resolve_as_cfb_resolves_them() {
    use oxmsg::__fuzz::CompoundIndex;
    const N: u32 = 3000;
    let contents: Vec<(String, Vec<u8>)> = (0..N).map(|i| (format!("/s{i:05}"), Vec::new())).collect();
    let contents: Vec<(&str, Vec<u8>)> = contents.iter().map(|(p, d)| (p.as_str(), d.clone())).collect();
    let mut bytes = build(cfb::Version::V3, &contents, &[]);
    let entries = dir_entry_offsets(&bytes);
    let put = |b: &mut Vec<u8>, at: usize, v: u32| b[at..at + 4].copy_from_slice(&v.to_le_bytes());
    put(&mut bytes, entries[0] + 76, 1); // the root's child
    for id in 1..=N {
        let at = entries[id as usize];
        let odd = id % 2 == 1;
        bytes[at..at + 64].fill(0);
        bytes[at] = if odd { b'm' } else { b'a' };
        bytes[at + 64..at + 66].copy_from_slice(&4u16.to_le_bytes());
        bytes[at + 66] = 2; // stream
        bytes[at + 67] = 1; // black
        let next = if id < N { id + 1 } else { 0xFFFF_FFFF };
        put(&mut bytes, at + 68, if odd { next } else { 0xFFFF_FFFF });
        put(&mut bytes, at + 72, if odd { 0xFFFF_FFFF } else { next });
        put(&mut bytes, at + 76, 0xFFFF_FFFF);
        put(&mut bytes, at + 96, id); // state bits: which entry it is
    }
    let start = std::time::Instant::now();
    let index = CompoundIndex::parse(&bytes).unwrap();
    let parsed_in = start.elapsed();
    let compound = cfb::CompoundFile::open(Cursor::new(&bytes[..])).unwrap();
    for path in ["/m", "/a", "/M", "/A"] {
        let want = compound.entry(path).unwrap().state_bits();
        let got = index.entry(index.entry_by_path(path).unwrap()).unwrap().state_bits();
        assert_eq!(got, want, "{path}");
    }
    assert_eq!(index.walk().count(), N as usize + 1);
    assert!(matches!(assert_agrees(&bytes), Agreement::BothOpened { .. }));
    assert!(
        parsed_in < std::time::Duration::from_secs(1),
        "parse took {parsed_in:?}"
    );
}
