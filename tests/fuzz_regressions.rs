//! Regression tests for what fuzzing (`fuzz/`, cargo-fuzz) found: each test
//! builds the minimal input in code and runs it through what the fuzz target
//! did, in a thread, and fails if that panics or takes longer than
//! [`TIME_LIMIT`]. Reading may refuse bad input, never crash (DESIGN.md,
//! promise 7); the in-place saves that crashed `cfb` must now succeed.
//!
//! Each finding says which target found it, when, and what it is. The
//! inputs are small hand-made compound files (see [`cfb_v3`]); the fuzzer's
//! own artifacts are not kept in the repository.

use std::io::Cursor;
use std::sync::mpsc;
use std::time::Duration;

use oxmsg::{tags, Access, Message, Session};

#[path = "common/shared_buf.rs"]
mod shared_buf;
#[path = "common/walk.rs"]
mod walker;

use shared_buf::SharedBuf;

/// How long one input may take (open, walk, write, reopen).
const TIME_LIMIT: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------
// Harness: run in a thread, bounded in time, report a panic by its message.
// ---------------------------------------------------------------------------

/// Runs `f` on its own thread; fails the test if it panics or does not
/// finish within [`TIME_LIMIT`].
fn bounded(what: &str, f: impl FnOnce() + Send + 'static) {
    if let Err(e) = try_bounded(what, f) {
        panic!("{e}");
    }
}

/// Runs `f` on its own thread; `Err` describing the panic, or the hang
/// when it does not finish within [`TIME_LIMIT`].
fn try_bounded(what: &str, f: impl FnOnce() + Send + 'static) -> Result<(), String> {
    let (tx, rx) = mpsc::channel();
    let handle = std::thread::Builder::new()
        .name(what.to_string())
        .spawn(move || {
            f();
            let _ = tx.send(());
        })
        .expect("spawn the test thread");
    match rx.recv_timeout(TIME_LIMIT) {
        Ok(()) => {
            let _ = handle.join();
            Ok(())
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            let payload = handle.join().expect_err("the thread ended without reporting");
            let msg = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "(no message)".into());
            Err(format!("{what}: panicked: {msg}"))
        }
        // The thread is left running; the test process ends with the test.
        Err(mpsc::RecvTimeoutError::Timeout) => Err(format!("{what}: did not finish within {TIME_LIMIT:?} (hang)")),
    }
}

/// What the `open_walk` fuzz target does: open read-only, walk everything,
/// write with `to_bytes` and require that what oxmsg wrote opens again.
fn open_walk(data: Vec<u8>) {
    let session = Session::new();
    let Ok(msg) = session.opener().reader(Cursor::new(data)) else {
        return;
    };
    walk(&msg);
    if let Ok(bytes) = msg.to_bytes() {
        let again = Session::new();
        match again.opener().reader(Cursor::new(bytes)) {
            Ok(copy) => walk(&copy),
            Err(e) => panic!("oxmsg cannot reopen what it wrote: {e}"),
        };
    }
}

/// What the fix guarantees for the three findings: the file saves in place
/// (oxmsg writes a fresh compound file over the caller's bytes, never asking
/// `cfb` to change a file it only partly checked) and reopens with the new
/// subject.
fn must_save_in_place(data: Vec<u8>) {
    let buf = SharedBuf::new(data);
    let session = Session::new();
    let mut msg = session
        .opener()
        .read_write()
        .reader(buf.clone())
        .expect("the input opens read-write");
    msg.set(tags::SUBJECT, "saved").expect("set");
    msg.save_changes().expect("the input saves in place");
    drop(msg);
    let back = session
        .opener()
        .reader(Cursor::new(buf.contents()))
        .expect("the saved bytes reopen");
    assert_eq!(back.get(tags::SUBJECT).unwrap().as_deref(), Some("saved"));
}

/// Touches everything reachable from a message; errors are ignored (bad
/// input may fail), panics and hangs are what these tests catch.
fn walk<A: Access>(msg: &Message<'_, A>) {
    let _ = walker::walk_message(msg);
}

// ---------------------------------------------------------------------------
// A tiny compound-file writer, enough to build the minimal inputs by hand.
// ---------------------------------------------------------------------------

const NOSTREAM: u32 = 0xFFFF_FFFF;
const ENDOFCHAIN: u32 = 0xFFFF_FFFE;
const FATSECT: u32 = 0xFFFF_FFFD;
const FREESECT: u32 = 0xFFFF_FFFF;
const OBJ_STREAM: u8 = 2;
const OBJ_ROOT: u8 = 5;

/// One 128-byte directory entry (MS-CFB 2.6), coloured black.
struct Dir {
    name: &'static str,
    obj_type: u8,
    left: u32,
    right: u32,
    child: u32,
    start: u32,
    size: u64,
}

impl Dir {
    /// A stream entry with no siblings, empty and without sectors.
    fn stream(name: &'static str) -> Dir {
        Dir {
            name,
            obj_type: OBJ_STREAM,
            left: NOSTREAM,
            right: NOSTREAM,
            child: NOSTREAM,
            start: ENDOFCHAIN,
            size: 0,
        }
    }

    fn bytes(&self) -> [u8; 128] {
        let mut e = [0u8; 128];
        let name: Vec<u8> = self.name.encode_utf16().chain([0]).flat_map(u16::to_le_bytes).collect();
        e[..name.len()].copy_from_slice(&name);
        e[64..66].copy_from_slice(&(name.len() as u16).to_le_bytes());
        e[66] = self.obj_type;
        e[67] = 1; // black
        e[68..72].copy_from_slice(&self.left.to_le_bytes());
        e[72..76].copy_from_slice(&self.right.to_le_bytes());
        e[76..80].copy_from_slice(&self.child.to_le_bytes());
        e[116..120].copy_from_slice(&self.start.to_le_bytes());
        e[120..128].copy_from_slice(&self.size.to_le_bytes());
        e
    }
}

/// A version 3 compound file (512-byte sectors) of 5 sectors: the header,
/// sector 0 the FAT, sector 1 the directory (at most 4 entries, entry 0 the
/// root), sector 2 the mini FAT, sector 3 the mini stream holding `mini`
/// (at most 512 bytes, as consecutive 64-byte mini sectors from 0). The root
/// entry's start and size should be 3 and `mini.len()` rounded up to 64.
fn cfb_v3(entries: &[Dir], mini: &[u8]) -> Vec<u8> {
    assert!(entries.len() <= 4 && mini.len() <= 512);
    let mut f = Vec::with_capacity(5 * 512);
    f.extend_from_slice(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
    f.extend_from_slice(&[0; 16]); // CLSID
    for v in [0x003Eu16, 3, 0xFFFE, 9, 6] {
        // minor version, major version 3, byte order, sector shift, mini shift
        f.extend_from_slice(&v.to_le_bytes());
    }
    f.extend_from_slice(&[0; 6]);
    // directory sectors (0 in v3), FAT sectors, first directory sector,
    // transaction, mini stream cutoff, first mini FAT sector, mini FAT
    // sectors, first DIFAT sector, DIFAT sectors, then DIFAT[0] = sector 0.
    for v in [0u32, 1, 1, 0, 0x1000, 2, 1, ENDOFCHAIN, 0, 0] {
        f.extend_from_slice(&v.to_le_bytes());
    }
    f.resize(512, 0xFF); // the other 108 DIFAT slots are free
    let mut fat = vec![FATSECT, ENDOFCHAIN, ENDOFCHAIN, ENDOFCHAIN];
    fat.resize(128, FREESECT);
    f.extend(fat.iter().flat_map(|v| v.to_le_bytes()));
    for i in 0..4 {
        f.extend_from_slice(&entries.get(i).map_or([0; 128], Dir::bytes));
    }
    let mini_sectors = mini.len().div_ceil(64) as u32;
    let mut minifat: Vec<u32> = (1..mini_sectors).collect();
    if mini_sectors > 0 {
        minifat.push(ENDOFCHAIN);
    }
    minifat.resize(128, FREESECT);
    f.extend(minifat.iter().flat_map(|v| v.to_le_bytes()));
    f.extend_from_slice(mini);
    f.resize(5 * 512, 0);
    f
}

/// A top-level message: a root whose children are a 32-byte, empty
/// `__properties_version1.0` (in the mini stream) and the two streams
/// given, linked as `props.left = a`, `a.right = b`. With `a < b < props`
/// in compound-file name order (shorter names first, then by upper-cased
/// UTF-16) that is a valid sibling tree; with `b > props` every parent-child
/// link is still locally ordered, which is all `cfb` checks on open, but
/// `b` sits in the left subtree of a smaller name.
fn message_with_root_tree(a: &'static str, b: &'static str) -> Vec<u8> {
    let entries = [
        Dir {
            name: "Root Entry",
            obj_type: OBJ_ROOT,
            child: 1,
            start: 3,
            size: 64,
            ..Dir::stream("")
        },
        Dir {
            left: 2,
            start: 0,
            size: 32,
            ..Dir::stream("__properties_version1.0")
        },
        Dir {
            right: 3,
            ..Dir::stream(a)
        },
        Dir::stream(b),
    ];
    cfb_v3(&entries, &[0; 32])
}

// ---------------------------------------------------------------------------
// Findings.
// ---------------------------------------------------------------------------

/// The control for finding 1: the same layout with a well-ordered tree
/// (`__a` < `__b` < `__properties_version1.0`) opens, saves and reopens.
#[test]
fn rw_save_well_ordered_root_tree_control() {
    let data = message_with_root_tree("__a", "__b");
    bounded("open_walk(control)", {
        let data = data.clone();
        move || open_walk(data)
    });
    bounded("open_rw_save(control)", move || must_save_in_place(data));
}

/// Finding 1 (open_rw_save, 2026-11-25): a panic inside `cfb` when
/// `save_changes` removes the old `__…` entries of the root storage of a
/// file whose sibling tree is ordered parent-to-child but not as a whole.
///
/// `cfb` 0.16 validates on open only that each left/right sibling compares
/// less/greater than its parent, and looks names up through a hash index,
/// so such a file opens and reads fine. But `CompoundFile::remove_stream`
/// (`remove_dir_entry`, cfb-0.16.0/src/internal/directory.rs:579) finds the
/// entry again by walking the tree by comparison: here, after `__a` is
/// removed, `__not_a_message_stream_xyz` (longer, so greater than
/// `__properties_version1.0`) is the left child of the properties stream,
/// the walk goes right from it, reaches NOSTREAM and panics
/// (`debug_assert_ne!` at directory.rs:582 with debug assertions; index out
/// of bounds at directory.rs:168 without). Called from
/// `src/store/backing.rs:78` (`CompoundStore::remove`) in
/// `save_top` (removing the root's old entries), before the fix.
///
/// Since oxmsg writes a fresh compound file over the caller's bytes instead
/// of asking `cfb` to change this one, the file saves in place.
#[test]
fn rw_save_globally_disordered_root_tree() {
    let data = message_with_root_tree("__a", "__not_a_message_stream_xyz");
    bounded("open_walk(finding 1)", {
        let data = data.clone();
        move || open_walk(data)
    });
    bounded("open_rw_save(finding 1)", move || must_save_in_place(data));
}

/// A top-level message whose root holds the 32-byte, empty property stream
/// (mini sector 0) and an empty (0-byte) stream `__x` whose start sector is
/// `start` instead of ENDOFCHAIN.
fn message_with_empty_stream_starting_at(start: u32) -> Vec<u8> {
    let entries = [
        Dir {
            name: "Root Entry",
            obj_type: OBJ_ROOT,
            child: 1,
            start: 3,
            size: 64,
            ..Dir::stream("")
        },
        Dir {
            left: 2,
            start: 0,
            size: 32,
            ..Dir::stream("__properties_version1.0")
        },
        Dir {
            start,
            ..Dir::stream("__x")
        },
    ];
    cfb_v3(&entries, &[0; 32])
}

/// The control for finding 2: the empty stream's start is ENDOFCHAIN, as
/// MS-CFB asks; the message saves in place and reopens.
#[test]
fn rw_save_empty_stream_control() {
    let data = message_with_empty_stream_starting_at(ENDOFCHAIN);
    bounded("open_rw_save(control)", move || must_save_in_place(data));
}

/// Finding 2 (open_rw_save, 2026-11-25): a panic inside `cfb` when
/// `save_changes` removes an empty stream whose directory entry has a start
/// sector other than ENDOFCHAIN.
///
/// A 0-byte stream is read without touching its chain, so it opens, reads
/// and is copied to the new image fine; but `CompoundFile::remove_stream`
/// frees its (mini) chain from the recorded start sector, and
/// `MiniAllocator::free_mini_chain` (cfb-0.16.0/src/internal/minialloc.rs:470)
/// indexes the mini FAT with it unchecked: "index out of bounds: the len is
/// 1 but the index is 1000". With start sector 0 (what some writers put in
/// empty streams) it first frees mini sector 0, which belongs to
/// `__properties_version1.0` (wiping it and shrinking the mini FAT to
/// nothing), and then panics when that stream is removed in turn: "index
/// out of bounds: the len is 0 but the index is 0". Called from
/// `src/store/backing.rs:76` (`remove_stream` in `CompoundStore::remove`)
/// in `save_top`, before the fix.
///
/// Since oxmsg writes a fresh compound file over the caller's bytes instead
/// of asking `cfb` to change this one, the file saves in place.
#[test]
fn rw_save_empty_stream_with_bad_start_sector() {
    let mut failures = Vec::new();
    for start in [1000, 0, FREESECT] {
        let data = message_with_empty_stream_starting_at(start);
        let walk = {
            let data = data.clone();
            move || open_walk(data)
        };
        failures.extend(try_bounded(&format!("open_walk(finding 2, start {start:#x})"), walk).err());
        let save = move || must_save_in_place(data);
        failures.extend(try_bounded(&format!("open_rw_save(finding 2, start {start:#x})"), save).err());
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A top-level message (root, the empty property stream, two empty streams
/// `__x` and `__y` filling the one directory sector) followed by
/// `extra_sectors` zero-filled 512-byte sectors that its FAT does not list.
/// The file's single FAT sector covers 128 sectors; the message uses 4.
fn message_with_trailing_sectors(extra_sectors: usize) -> Vec<u8> {
    let entries = [
        Dir {
            name: "Root Entry",
            obj_type: OBJ_ROOT,
            child: 1,
            start: 3,
            size: 64,
            ..Dir::stream("")
        },
        Dir {
            left: 2,
            start: 0,
            size: 32,
            ..Dir::stream("__properties_version1.0")
        },
        Dir {
            right: 3,
            ..Dir::stream("__x")
        },
        Dir::stream("__y"),
    ];
    let mut f = cfb_v3(&entries, &[0; 32]);
    f.resize(f.len() + extra_sectors * 512, 0);
    f
}

/// The control for finding 3: trailing sectors that the one FAT sector
/// still covers (4 + 124 = 128) are harmless.
#[test]
fn rw_save_trailing_sectors_within_fat_control() {
    let data = message_with_trailing_sectors(124);
    bounded("open_rw_save(control)", move || must_save_in_place(data));
}

/// Finding 3 (open_rw_save, 2026-11-25): a panic inside `cfb` when a save in
/// place allocates a sector of a file that is longer than its FAT covers.
///
/// On open `cfb` pads the FAT with FREESECT entries up to the number of
/// sectors in the file (cfb-0.16.0/src/lib.rs:608) but keeps the DIFAT as
/// read, so those free sectors have no FAT sector behind them. The first
/// allocation takes one of them (`Allocator::take_sector_id` pops the
/// highest free sector) and `Allocator::set_fat` / `set_fat_run` index the
/// DIFAT with it: "index out of bounds: the len is 1 but the index is 1"
/// (cfb-0.16.0/src/internal/alloc.rs:518; alloc.rs:402 when a stream grows).
/// Here the save needs a fifth directory entry (for the subject) and so a
/// second directory sector. One sector past the FAT's 128 is enough; the
/// fuzzer found it by appending data to corpus files. Called from
/// `src/store/commit.rs` (`save_top`, `copy_between` writing the new
/// entries into the compound file in place).
///
/// Since oxmsg writes a fresh compound file over the caller's bytes instead
/// of asking `cfb` to change this one, the file saves in place.
#[test]
fn rw_save_trailing_sectors_beyond_fat() {
    let data = message_with_trailing_sectors(125);
    bounded("open_walk(finding 3)", {
        let data = data.clone();
        move || open_walk(data)
    });
    bounded("open_rw_save(finding 3)", move || must_save_in_place(data));
}
