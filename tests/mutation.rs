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

#[path = "common/mutate.rs"]
mod mutate;
#[path = "common/walk.rs"]
mod walk;

use mutate::{counts, mutations};

use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::PathBuf;
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
// Running one input.
// ---------------------------------------------------------------------------

enum Outcome {
    Ok(usize),
    Err(String),
    Panic(String),
    Timeout,
}

/// Runs `walk_bytes_both_ways(bytes)` (the reader and the borrowed bytes
/// must agree) in a worker thread under `catch_unwind`,
/// waiting at most `TIMEOUT`.
fn run_one(bytes: Vec<u8>) -> Outcome {
    let (tx, rx) = mpsc::channel();
    let worker = std::thread::Builder::new()
        .name("walk".into())
        .spawn(move || {
            let r = std::panic::catch_unwind(move || walk::walk_bytes_both_ways(bytes));
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
