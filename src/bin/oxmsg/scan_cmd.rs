//! `oxmsg scan`: the command around `scan.rs`: where the inputs come from,
//! the output formats (JSON Lines, CSV, SQLite index), the progress bar and
//! Ctrl-C.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::Value;

use crate::index::Index;
use crate::sample::write_sample_folder;
use crate::scan::{find_msg_files, read_path_list, scan_parallel, sort_largest_first, Input, Scanned};

pub const AFTER_HELP: &str = "Examples:\n  \
    oxmsg scan                                   # a generated sample folder\n  \
    oxmsg scan ~/export > records.jsonl\n  \
    oxmsg scan ~/export --csv -j 4 -o records.csv\n  \
    find /mnt/a -name '*.msg' | oxmsg scan - --index shard-a.sqlite\n\n\
    Each record has: path, size, sha256 (of the file), ok, error, warnings,\n\
    message_class, subject, sender_name, sender_email, date (submit time,\n\
    else delivery time, RFC 3339), recipients [{name, email, type}],\n\
    attachments [{name, size, sha256, embedded}], body_kind, body_text_len.\n\
    A file that cannot be read is one record with ok=false and its error.\n\
    Files are read largest first; records come out in that order whatever\n\
    the number of threads. Ctrl-C stops starting files, writes the records\n\
    of those started and commits the index (exit 130).";

/// The options of `oxmsg scan`.
#[derive(Args)]
pub struct ScanArgs {
    /// A folder to walk (recursively, for *.msg), a single file, or `-` to
    /// read paths from stdin, one per line. Without it, a sample folder is
    /// generated in a temporary directory and scanned.
    input: Option<PathBuf>,
    /// Write CSV instead of JSON Lines.
    #[arg(long)]
    csv: bool,
    /// Worker threads (default: all cores).
    #[arg(short = 'j', long, value_name = "N")]
    threads: Option<usize>,
    /// Also build (or update) a SQLite full-text index for `oxmsg search`.
    #[arg(long, value_name = "FILE.sqlite")]
    index: Option<PathBuf>,
    /// Write the records to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// No progress bar and no summary on stderr.
    #[arg(short, long)]
    quiet: bool,
}

/// Set by the first Ctrl-C: start no new file.
static STOP: AtomicBool = AtomicBool::new(false);

/// The CSV columns; list-valued fields are joined with "; ".
const CSV_HEADER: [&str; 16] = [
    "path",
    "size",
    "sha256",
    "ok",
    "error",
    "message_class",
    "subject",
    "sender_name",
    "sender_email",
    "date",
    "recipients",
    "attachments",
    "attachment_sha256",
    "body_kind",
    "body_text_len",
    "warnings",
];

enum Sink {
    Jsonl(Box<dyn Write>),
    Csv(Box<csv::Writer<Box<dyn Write>>>),
}

fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn csv_row(r: &Value) -> Vec<String> {
    let list = |key: &str, f: &dyn Fn(&Value) -> String| -> String {
        r[key]
            .as_array()
            .map(|a| a.iter().map(f).collect::<Vec<_>>().join("; "))
            .unwrap_or_default()
    };
    let recipient = |x: &Value| match (x["name"].as_str(), x["email"].as_str()) {
        (Some(n), Some(e)) => format!("{n} <{e}>"),
        (Some(n), None) => n.to_string(),
        (None, Some(e)) => format!("<{e}>"),
        (None, None) => String::new(),
    };
    vec![
        text(&r["path"]),
        text(&r["size"]),
        text(&r["sha256"]),
        text(&r["ok"]),
        text(&r["error"]),
        text(&r["message_class"]),
        text(&r["subject"]),
        text(&r["sender_name"]),
        text(&r["sender_email"]),
        text(&r["date"]),
        list("recipients", &recipient),
        list("attachments", &|x| text(&x["name"])),
        list("attachments", &|x| text(&x["sha256"])),
        text(&r["body_kind"]),
        text(&r["body_text_len"]),
        list("warnings", &text),
    ]
}

impl Sink {
    fn write(&mut self, r: &Value) -> Result<(), String> {
        match self {
            Sink::Jsonl(w) => {
                let mut line = serde_json::to_vec(r).map_err(|e| e.to_string())?;
                line.push(b'\n');
                w.write_all(&line).map_err(|e| format!("writing the records: {e}"))?;
            }
            Sink::Csv(w) => w
                .write_record(csv_row(r))
                .map_err(|e| format!("writing the records: {e}"))?,
        }
        // One record, one write: a process killed at any moment leaves
        // whole lines (and the index, committed in batches, whole rows).
        self.flush()
    }

    fn flush(&mut self) -> Result<(), String> {
        match self {
            Sink::Jsonl(w) => w.flush(),
            Sink::Csv(w) => w.flush(),
        }
        .map_err(|e| format!("writing the records: {e}"))
    }
}

/// Runs `oxmsg scan`.
pub fn run(args: ScanArgs) -> ExitCode {
    match scan(args) {
        Ok(code) => code,
        Err(e) if e.contains("Broken pipe") => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("oxmsg scan: {e}");
            ExitCode::from(1)
        }
    }
}

fn scan(args: ScanArgs) -> Result<ExitCode, String> {
    // The first Ctrl-C stops starting files; a second one ends at once
    // (the index keeps its committed records: SQLite rolls back the rest).
    let _ = ctrlc::set_handler(|| {
        if STOP.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
    });

    // The inputs.
    let mut _sample_dir = None;
    let mut inputs: Vec<Input> = match &args.input {
        None => {
            let dir = tempfile::Builder::new()
                .prefix("oxmsg-sample-")
                .tempdir()
                .map_err(|e| format!("creating a temporary folder: {e}"))?;
            write_sample_folder(dir.path(), 60)?;
            if !args.quiet {
                eprintln!(
                    "oxmsg scan: no folder given; scanning a generated sample in {} (deleted afterwards)",
                    dir.path().display()
                );
            }
            let found = find_msg_files(dir.path());
            _sample_dir = Some(dir);
            found
        }
        Some(p) if p.as_os_str() == "-" => {
            read_path_list(io::stdin().lock()).map_err(|e| format!("reading paths from stdin: {e}"))?
        }
        Some(p) if p.is_file() => {
            vec![Input {
                path: p.clone(),
                size: p.metadata().map_or(0, |m| m.len()),
                error: None,
            }]
        }
        Some(p) if p.is_dir() => find_msg_files(p),
        Some(p) => return Err(format!("{}: no such file or folder", p.display())),
    };
    sort_largest_first(&mut inputs);
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);

    // The outputs.
    let out: Box<dyn Write> = match &args.output {
        Some(p) => Box::new(BufWriter::new(
            std::fs::File::create(p).map_err(|e| format!("creating {}: {e}", p.display()))?,
        )),
        None => Box::new(BufWriter::new(io::stdout())),
    };
    let mut sink = if args.csv {
        let mut w = csv::Writer::from_writer(out);
        w.write_record(CSV_HEADER)
            .map_err(|e| format!("writing the records: {e}"))?;
        Sink::Csv(Box::new(w))
    } else {
        Sink::Jsonl(out)
    };
    let mut index = args.index.as_deref().map(Index::open).transpose()?;

    let bar = if args.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::with_draw_target(Some(inputs.len() as u64), ProgressDrawTarget::stderr())
    };
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} files  {rate}  {msg}  ETA {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .with_key("rate", |s: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{:.0} files/s", s.per_sec());
            }),
    );
    bar.set_message("0 errors");

    let start = Instant::now();
    let mut errors = 0usize;
    let want_body = index.is_some();
    let mut emit = |_: usize, s: Scanned| -> Result<(), String> {
        if s.record["ok"] != Value::Bool(true) {
            errors += 1;
            bar.set_message(format!("{errors} errors"));
        }
        sink.write(&s.record)?;
        if let Some(ix) = index.as_mut() {
            ix.add(&s)?;
        }
        bar.inc(1);
        Ok(())
    };
    let result = scan_parallel(&inputs, threads, want_body, &STOP, &mut emit);
    bar.finish_and_clear();
    // Whatever happened, what was written is made whole and durable.
    let flushed = sink.flush();
    let committed = index.map_or(Ok(()), Index::finish);
    let done = result?;
    flushed?;
    committed?;

    let secs = start.elapsed().as_secs_f64();
    let stopped = STOP.load(Ordering::SeqCst) && done < inputs.len();
    if !args.quiet {
        eprintln!(
            "oxmsg scan: {done} files ({errors} errors) in {secs:.2} s, {:.1} files/s, {threads} thread{}{}",
            done as f64 / secs.max(1e-9),
            if threads == 1 { "" } else { "s" },
            if stopped {
                format!("; interrupted, {} files not scanned", inputs.len() - done)
            } else {
                String::new()
            }
        );
    }
    Ok(if stopped {
        ExitCode::from(130)
    } else {
        ExitCode::SUCCESS
    })
}
