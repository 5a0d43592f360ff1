//! scan: read a folder of .msg files in parallel, one JSON line per message.
//!
//! ```text
//! cargo run --release --example scan                 # a generated sample folder
//! cargo run --release --example scan -- DIR [THREADS]
//! ```
//!
//! How to read many files fast with oxmsg:
//!
//! - one `Session` per worker thread (a session is not `Send`; what it
//!   holds is one worker's alone, so workers never wait on each other);
//! - the largest files first, handed out one at a time from a shared
//!   counter, so that a big file started last does not leave the other
//!   workers idle at the end;
//! - each file read once into memory (hashed and parsed from the same
//!   bytes; files over 32 MiB are hashed as a stream and opened by path);
//! - a damaged file is one record with `"ok": false` and its error, never a
//!   stop.
//!
//! Records come out in the largest-first order whatever the number of
//! threads, so two runs give the same output. At the end it prints the
//! files per second on stderr. The same code is `oxmsg scan` (`--features
//! cli`), which adds CSV, a SQLite full-text index, a progress bar and
//! Ctrl-C handling.

#[path = "../src/bin/oxmsg/json.rs"]
mod json;
#[path = "../src/bin/oxmsg/sample.rs"]
mod sample;
#[path = "../src/bin/oxmsg/scan.rs"]
mod scan;

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let dir = args.next().map(PathBuf::from);
    let threads = match args.next().map(|a| a.to_string_lossy().parse::<usize>()) {
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
        Some(Ok(n)) if n > 0 => n,
        Some(_) => {
            eprintln!("usage: scan [DIR [THREADS]]  (THREADS: a number above 0)");
            return ExitCode::from(2);
        }
    };

    // Without a folder: a generated sample in a temporary folder.
    let _sample;
    let dir = match dir {
        Some(d) => d,
        None => {
            let tmp = match tempfile::tempdir() {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("scan: creating a temporary folder: {e}");
                    return ExitCode::from(1);
                }
            };
            if let Err(e) = sample::write_sample_folder(tmp.path(), 60) {
                eprintln!("scan: {e}");
                return ExitCode::from(1);
            }
            eprintln!(
                "scan: no folder given; scanning a generated sample in {}",
                tmp.path().display()
            );
            let d = tmp.path().to_path_buf();
            _sample = tmp;
            d
        }
    };

    let mut inputs = scan::find_msg_files(&dir);
    scan::sort_largest_first(&mut inputs);
    let start = Instant::now();
    let mut out = BufWriter::new(io::stdout().lock());
    let mut errors = 0;
    let never = AtomicBool::new(false);
    let result = scan::scan_parallel(&inputs, threads, false, &never, |_, s| -> Result<(), String> {
        if s.record["ok"] != true {
            errors += 1;
        }
        writeln!(out, "{}", s.record).map_err(|e| e.to_string())
    });
    let flushed = out.flush();
    match result {
        Ok(n) => {
            let secs = start.elapsed().as_secs_f64();
            eprintln!(
                "scan: {n} files ({errors} could not be read) in {secs:.2} s with {threads} threads: {:.1} files/s",
                n as f64 / secs.max(1e-9)
            );
            if flushed.is_err() {
                return ExitCode::from(1);
            }
            ExitCode::SUCCESS
        }
        Err(e) if e.contains("Broken pipe") => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("scan: writing the output: {e}");
            ExitCode::from(1)
        }
    }
}
