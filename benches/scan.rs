//! Throughput of `oxmsg scan`'s engine with 1 and 2 worker threads, and the
//! peak resident memory of the `oxmsg scan` process over the corpus.
//!
//! ```text
//! OXMSG_CORPUS=../shared/corpus cargo bench --features cli --bench scan
//! ```
//!
//! The files of `$OXMSG_CORPUS/public` (or, without it, a generated sample
//! of 200 messages) are listed `REPEAT` times so that one pass lasts long
//! enough to time; passes with 1 and 2 threads alternate (so that load from
//! other processes falls on both alike) and the median of each is reported,
//! with the speedup. Records are built exactly as `oxmsg scan` builds them
//! (`src/bin/oxmsg/scan.rs`), output discarded. The files are in the page
//! cache after the first pass: this measures parsing, not the disk.

#[path = "../src/bin/oxmsg/json.rs"]
mod json;
#[path = "../src/bin/oxmsg/sample.rs"]
mod sample;
#[path = "../src/bin/oxmsg/scan.rs"]
mod scan;

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

const REPEAT: usize = 8;
const PASSES: usize = 7;

fn main() {
    let _tmp;
    let dir: PathBuf = match std::env::var_os("OXMSG_CORPUS") {
        Some(c) => PathBuf::from(c).join("public"),
        None => {
            let t = tempfile::tempdir().expect("temp dir");
            sample::write_sample_folder(t.path(), 200).expect("sample");
            eprintln!("OXMSG_CORPUS not set: a generated sample of 200 messages");
            let d = t.path().to_path_buf();
            _tmp = t;
            d
        }
    };
    let found = scan::find_msg_files(&dir);
    let bytes: u64 = found.iter().map(|i| i.size).sum();
    let mut inputs = Vec::new();
    for _ in 0..REPEAT {
        inputs.extend(found.iter().cloned());
    }
    scan::sort_largest_first(&mut inputs);
    let never = AtomicBool::new(false);
    let pass = |threads: usize| -> f64 {
        let start = Instant::now();
        let n = scan::scan_parallel(&inputs, threads, false, &never, |_, s| -> Result<(), String> {
            std::hint::black_box(s);
            Ok(())
        })
        .expect("scan");
        assert_eq!(n, inputs.len());
        n as f64 / start.elapsed().as_secs_f64()
    };
    pass(2); // warm the page cache and the allocator
    let (mut one, mut two) = (Vec::new(), Vec::new());
    for _ in 0..PASSES {
        one.push(pass(1));
        two.push(pass(2));
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (m1, m2) = (median(&mut one), median(&mut two));
    println!(
        "scan: {} files ({} distinct, {:.1} MiB) per pass, {PASSES} passes each, median:",
        inputs.len(),
        found.len(),
        (bytes * REPEAT as u64) as f64 / (1 << 20) as f64
    );
    println!("  1 thread : {m1:8.1} files/s");
    println!("  2 threads: {m2:8.1} files/s  ({:.2}x)", m2 / m1);
    println!(
        "  cores available: {}",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );

    // Peak RSS of the command over the folder (GNU time's %M, in KiB).
    let bin = env!("CARGO_BIN_EXE_oxmsg");
    match Command::new("/usr/bin/time")
        .args(["-f", "%M", bin, "scan", "-q", "-j", "2", "-o", "/dev/null"])
        .arg(&dir)
        .output()
    {
        Ok(o) if o.status.success() => {
            let text = String::from_utf8_lossy(&o.stderr);
            let kib = text.lines().last().unwrap_or("?").trim().to_string();
            println!("  peak RSS of `oxmsg scan -j 2` over {}: {kib} KiB", dir.display());
        }
        _ => println!("  peak RSS: /usr/bin/time not available"),
    }
}
