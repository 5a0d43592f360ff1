//! msgdump: prints what a .msg holds.
//!
//! ```text
//! cargo run --example msgdump                      # dump a message built in memory
//! cargo run --example msgdump -- FILE.msg          # human-readable dump of a file
//! cargo run --example msgdump -- --json FILE.msg   # one JSON object
//! ```
//!
//! The human-readable dump lists every property (tag, name, type, value) of
//! the message, its best body's first lines, its recipients and its
//! attachments, and recurses into embedded messages. The JSON form has fixed
//! keys (`examples/README.md` lists them) so that scripts and tests can
//! compare it with other readers.
//!
//! The dump and the JSON are the same code as the `oxmsg dump` and `oxmsg
//! json` commands (`--features cli`): the modules below are the command's
//! own files, so the two always print the same.
//!
//! Errors go to stderr, naming the file, with exit code 1 (2 for a bad
//! command line).

#[path = "../src/bin/oxmsg/dump.rs"]
mod dump;
#[path = "../src/bin/oxmsg/json.rs"]
mod json;
#[path = "../src/bin/oxmsg/sample.rs"]
mod sample;

use std::io::{self, BufWriter, Cursor, Write};
use std::process::ExitCode;

use oxmsg::Session;

use dump::dump_message;
use json::{chain, message_json, Context, Failure};
use sample::build_default;

const USAGE: &str = "usage: msgdump [--json] [FILE]\n\
    \n\
    Dumps the properties, recipients and attachments of an Outlook .msg file.\n\
    Without FILE, dumps a message that msgdump builds in memory.\n\
    \n\
    \x20 --json      print one JSON object instead of the human-readable dump\n\
    \x20 -h, --help  print this help\n";

fn main() -> ExitCode {
    let mut json = false;
    let mut file = None;
    let mut only_files = false;
    for arg in std::env::args_os().skip(1) {
        match arg.to_str() {
            Some("--json") if !only_files => json = true,
            Some("-h" | "--help") if !only_files => {
                let _ = io::stdout().write_all(USAGE.as_bytes());
                return ExitCode::SUCCESS;
            }
            Some("--") if !only_files => only_files = true,
            Some(s) if s.starts_with('-') && s.len() > 1 && !only_files => {
                eprintln!("msgdump: unknown option {s}\n\n{USAGE}");
                return ExitCode::from(2);
            }
            _ if file.is_some() => {
                eprintln!("msgdump: more than one file given\n\n{USAGE}");
                return ExitCode::from(2);
            }
            _ => file = Some(std::path::PathBuf::from(arg)),
        }
    }

    let name = match &file {
        Some(p) => p.display().to_string(),
        None => "(built-in default message)".to_string(),
    };
    match run(file.as_deref(), json, &name) {
        Ok(()) => ExitCode::SUCCESS,
        // `msgdump FILE | head` is not an error worth a message.
        Err(Failure::Write(e)) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(Failure::Write(e)) => {
            eprintln!("msgdump: {name}: writing the output: {}", chain(&e));
            ExitCode::from(1)
        }
        Err(Failure::Read(msg)) => {
            eprintln!("msgdump: {name}: {msg}");
            ExitCode::from(1)
        }
    }
}

fn run(file: Option<&std::path::Path>, json: bool, name: &str) -> Result<(), Failure> {
    let session = Session::new();
    let msg = match file {
        Some(path) => session.opener().path(path)?,
        None => {
            let bytes = build_default(&session).ctx(|| "building the message".into())?;
            session.opener().reader(Cursor::new(bytes))?
        }
    };
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    if json {
        let v = message_json(&msg)?;
        writeln!(out, "{v:#}")?;
    } else {
        writeln!(out, "{name}")?;
        dump_message(&mut out, &msg, 1)?;
    }
    out.flush()?;
    Ok(())
}
