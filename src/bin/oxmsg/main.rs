//! `oxmsg`: the command-line tool of the oxmsg crate (feature `cli`).
//!
//! ```text
//! cargo install oxmsg --features cli
//! oxmsg dump FILE.msg                      # the tree a person reads
//! oxmsg json FILE.msg                      # one JSON object (the same as msgdump --json)
//! oxmsg body FILE.msg --html               # a body on stdout
//! oxmsg extract FILE.msg -o DIR            # attachments and embedded messages
//! oxmsg validate FILE.msg                  # will Outlook open it? exit 0/1/2
//! oxmsg scan DIR --index mail.sqlite       # one JSON line per message, in parallel
//! oxmsg search mail.sqlite "invoice"       # paths of matching messages
//! oxmsg completions bash                   # a shell completion script
//! ```
//!
//! Every subcommand has `--help` with an example. Errors go to stderr,
//! naming the file; the exit status is 0 on success, 1 on an error (for
//! `validate`: findings), 2 for a bad command line (for `validate`: a file
//! that cannot be read at all).

#![forbid(unsafe_code)]

mod dump;
mod index;
mod json;
mod sample;
mod scan;
mod scan_cmd;
mod validate;

use std::io::{self, BufWriter, Cursor, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{ArgGroup, CommandFactory, Parser, Subcommand};
use oxmsg::{Body, Session};

use json::{chain, message_json_opts, Context, Failure};

/// Reads, checks and scans Outlook .msg files (MS-OXMSG), safely, fast.
#[derive(Parser)]
#[command(name = "oxmsg", version, propagate_version = true)]
#[command(after_help = "Run `oxmsg COMMAND --help` for a command's options and an example.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print what a message holds: every property (tag, name, type, value),
    /// the best body's first lines, recipients, attachments, embedded
    /// messages.
    #[command(after_help = "Example:\n  oxmsg dump mail.msg\n  oxmsg dump            # a built-in sample message")]
    Dump {
        /// The .msg file (without it, a message built in memory).
        file: Option<PathBuf>,
    },
    /// Print a message as one JSON object: the fixed keys of `msgdump
    /// --json`, listed in examples/README.md.
    #[command(after_help = "Example:\n  oxmsg json mail.msg | jq .subject")]
    Json {
        /// The .msg file (without it, a message built in memory).
        file: Option<PathBuf>,
        /// Also list every property of each recipient and attachment (the
        /// attachment data itself is given by size and SHA-256).
        #[arg(long)]
        all_properties: bool,
    },
    /// Print a body on stdout: the best one (as Outlook chooses), or the
    /// form asked for.
    #[command(group(ArgGroup::new("form").args(["text", "html", "rtf"])))]
    #[command(after_help = "Example:\n  oxmsg body mail.msg --html > mail.html")]
    Body {
        /// The .msg file.
        file: PathBuf,
        /// Plain text (PR_BODY, else made from the HTML or RTF).
        #[arg(long)]
        text: bool,
        /// HTML (PR_HTML, else from the RTF).
        #[arg(long)]
        html: bool,
        /// The decompressed RTF (PR_RTF_COMPRESSED).
        #[arg(long)]
        rtf: bool,
    },
    /// Write the attachments into a folder with safe names (never outside
    /// it, never over an existing file); embedded messages become
    /// standalone .msg files. Prints each path written.
    #[command(after_help = "Example:\n  oxmsg extract mail.msg -o attachments/")]
    Extract {
        /// The .msg file.
        file: PathBuf,
        /// The folder to write into (created if missing).
        #[arg(short, long, value_name = "DIR")]
        output: PathBuf,
        /// Leave out inline images (attachments the HTML body shows by
        /// content id, or flagged ATT_MHTML_REF).
        #[arg(long)]
        no_inline: bool,
        /// Write embedded messages as .eml (MIME) instead of .msg; what
        /// MIME cannot hold is listed on stderr.
        #[arg(long)]
        eml: bool,
    },
    /// Check a file against what MS-OXMSG and Outlook require; print each
    /// finding with its rule and where. Exit 0: it passes; 1: findings; 2:
    /// it cannot be read.
    #[command(
        after_help = "Example:\n  oxmsg validate written.msg && echo 'Outlook will open it'\n  oxmsg validate --rules"
    )]
    Validate {
        /// The .msg file.
        #[arg(required_unless_present = "rules")]
        file: Option<PathBuf>,
        /// Count warnings as failures too (exit 1).
        #[arg(long)]
        strict: bool,
        /// Print the findings as JSON.
        #[arg(long)]
        json: bool,
        /// List the rules checked, and exit.
        #[arg(long)]
        rules: bool,
    },
    /// Read every .msg under a folder (or the paths on stdin) in parallel
    /// and write one record per file: JSON Lines (default) or CSV,
    /// optionally a SQLite full-text index.
    #[command(after_help = scan_cmd::AFTER_HELP)]
    Scan(scan_cmd::ScanArgs),
    /// Search an index built by `scan --index`: one matching path per
    /// line, best match first.
    #[command(after_help = "Example:\n  oxmsg search mail.sqlite 'invoice AND sender:alice'\n\n\
        QUERY is FTS5 syntax: words, \"a phrase\", AND/OR/NOT, prefix*, and the\n\
        columns subject:, sender:, recipients:, body:, attachments:.")]
    Search {
        /// The index file.
        db: PathBuf,
        /// What to look for.
        query: String,
        /// At most this many paths.
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// Print a shell completion script.
    #[command(after_help = "Example:\n  oxmsg completions bash > /etc/bash_completion.d/oxmsg")]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Convert .msg to .eml or .eml to .msg, by the input's extension;
    /// what the target format cannot hold is listed on stderr (the
    /// conversion report). The output is replaced only when the conversion
    /// succeeded.
    #[command(after_help = "Example:\n  oxmsg convert mail.msg mail.eml\n  oxmsg convert mail.eml mail.msg")]
    Convert {
        /// The .msg or .eml file.
        input: PathBuf,
        /// Where to write the other format.
        output: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Dump { file } => with_message(file.as_deref(), |msg, name, out| {
            writeln!(out, "{name}")?;
            dump::dump_message(&mut &mut *out, msg, 1)
        }),
        Command::Json { file, all_properties } => with_message(file.as_deref(), |msg, _, out| {
            let v = message_json_opts(msg, all_properties)?;
            writeln!(out, "{v:#}")?;
            Ok(())
        }),
        Command::Body { file, text, html, rtf } => body(&file, text, html, rtf),
        Command::Extract {
            file,
            output,
            no_inline,
            eml,
        } => extract(&file, &output, no_inline, eml),
        Command::Convert { input, output } => convert(&input, &output),
        Command::Validate {
            file,
            strict,
            json,
            rules,
        } => return validate_cmd(file.as_deref(), strict, json, rules),
        Command::Scan(args) => return scan_cmd::run(args),
        Command::Search { db, query, limit } => search(&db, &query, limit),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "oxmsg", &mut io::stdout());
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // `oxmsg dump FILE | head` is not an error worth a message.
        Err(Failure::Write(e)) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(Failure::Write(e)) => {
            eprintln!("oxmsg: writing the output: {}", chain(&e));
            ExitCode::from(1)
        }
        Err(Failure::Read(msg)) => {
            eprintln!("oxmsg: {msg}");
            ExitCode::from(1)
        }
    }
}

/// Opens `file` read-only (or builds the sample message) and runs `f` with a
/// buffered stdout; errors name the file.
fn with_message(
    file: Option<&Path>,
    f: impl FnOnce(&oxmsg::Message<'_, oxmsg::ReadOnly>, &str, &mut dyn Write) -> Result<(), Failure>,
) -> Result<(), Failure> {
    let name = file.map_or_else(|| "(built-in default message)".to_string(), |p| p.display().to_string());
    let session = Session::new();
    let msg = match file {
        Some(path) => session.opener().path(path).ctx(|| name.clone())?,
        None => {
            let bytes = sample::build_default(&session).ctx(|| "building the sample message".into())?;
            session.opener().reader(Cursor::new(bytes)).ctx(|| name.clone())?
        }
    };
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    f(&msg, &name, &mut out).ctx(|| name.clone())?;
    out.flush()?;
    Ok(())
}

fn body(file: &Path, text: bool, html: bool, rtf: bool) -> Result<(), Failure> {
    let name = file.display().to_string();
    let session = Session::new();
    let msg = session.opener().path(file).ctx(|| name.clone())?;
    let what = if text {
        "text"
    } else if html {
        "HTML"
    } else if rtf {
        "RTF"
    } else {
        "any"
    };
    let bytes: Option<Vec<u8>> = if text {
        msg.body_text().ctx(|| name.clone())?.map(String::into_bytes)
    } else if html {
        msg.body_html().ctx(|| name.clone())?.map(String::into_bytes)
    } else if rtf {
        msg.body_rtf().ctx(|| name.clone())?
    } else {
        match msg.body().ctx(|| name.clone())? {
            None => None,
            Some(Body::Text(t) | Body::Html(t)) => Some(t.into_bytes()),
            Some(Body::Rtf(r)) => Some(r),
        }
    };
    let Some(bytes) = bytes else {
        return Err(Failure::Read(format!("{name}: the message has no {what} body")));
    };
    let mut out = io::stdout().lock();
    out.write_all(&bytes)?;
    out.flush()?;
    Ok(())
}

fn extract(file: &Path, dir: &Path, no_inline: bool, eml: bool) -> Result<(), Failure> {
    let name = file.display().to_string();
    let session = Session::new();
    let msg = session.opener().path(file).ctx(|| name.clone())?;
    std::fs::create_dir_all(dir).map_err(|e| Failure::Read(format!("creating {}: {}", dir.display(), chain(&e))))?;
    let mut written = msg
        .save_attachments_to_dir_where(dir, |a| {
            // Embedded messages are written below when they go out as .eml.
            let leave_out = if a.is_embedded() {
                eml
            } else {
                no_inline && a.is_inline()?
            };
            Ok(!leave_out)
        })
        .ctx(|| name.clone())?;
    if eml {
        for a in msg.attachments().ctx(|| name.clone())? {
            if !a.is_embedded() {
                continue;
            }
            let inner = a.open_embedded().ctx(|| name.clone())?;
            let subject = inner
                .get(oxmsg::tags::SUBJECT)
                .ctx(|| name.clone())?
                .unwrap_or_default();
            let base = oxmsg::safe_file_name(&subject, &format!("message {}", a.num()));
            let (path, f) = create_new_in(dir, &base, "eml")?;
            let mut out = BufWriter::new(f);
            let report = inner.to_eml(&mut out).ctx(|| path.display().to_string())?;
            out.flush()?;
            for loss in &report.losses {
                eprintln!("{}: {loss}", path.display());
            }
            written.push(path);
        }
    }
    let mut out = io::stdout().lock();
    for p in written {
        writeln!(out, "{}", p.display())?;
    }
    Ok(())
}

/// A new file `base.ext` in `dir` (`base (2).ext`, … when taken): never
/// over an existing file.
fn create_new_in(dir: &Path, base: &str, ext: &str) -> Result<(PathBuf, std::fs::File), Failure> {
    for n in 1..10_000 {
        let name = if n == 1 {
            format!("{base}.{ext}")
        } else {
            format!("{base} ({n}).{ext}")
        };
        let path = dir.join(name);
        match std::fs::OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(f) => return Ok((path, f)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(Failure::Read(format!("creating {}: {}", path.display(), chain(&e)))),
        }
    }
    Err(Failure::Read(format!(
        "no free name for {base}.{ext} in {}",
        dir.display()
    )))
}

/// `convert IN OUT`: .msg → .eml or .eml → .msg by IN's extension; the
/// conversion report on stderr. The output is written beside its place and
/// renamed over it only when the conversion succeeded (a device such as
/// `/dev/stdout` is written into).
fn convert(input: &Path, output: &Path) -> Result<(), Failure> {
    let name = input.display().to_string();
    let ext = input
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let session = Session::new();
    let report = match ext.as_str() {
        "eml" => {
            let f = std::fs::File::open(input).map_err(|e| Failure::Read(format!("{name}: {}", chain(&e))))?;
            let (msg, report) = session.open_eml(io::BufReader::new(f)).ctx(|| name.clone())?;
            msg.save_as(output).ctx(|| output.display().to_string())?;
            report
        }
        "msg" => {
            let msg = session.opener().path(input).ctx(|| name.clone())?;
            let special = std::fs::metadata(output).is_ok_and(|m| !m.is_file());
            if special {
                let mut out = BufWriter::new(
                    std::fs::OpenOptions::new()
                        .write(true)
                        .open(output)
                        .map_err(|e| Failure::Read(format!("{}: {}", output.display(), chain(&e))))?,
                );
                let report = msg.to_eml(&mut out).ctx(|| name.clone())?;
                out.flush()?;
                report
            } else {
                let dir = output
                    .parent()
                    .filter(|d| !d.as_os_str().is_empty())
                    .unwrap_or(Path::new("."));
                let tmp = tempfile::NamedTempFile::new_in(dir)
                    .map_err(|e| Failure::Read(format!("creating a file in {}: {}", dir.display(), chain(&e))))?;
                let mut out = BufWriter::new(tmp);
                let report = msg.to_eml(&mut out).ctx(|| name.clone())?;
                let tmp = out
                    .into_inner()
                    .map_err(|e| Failure::Read(format!("{}: {}", output.display(), chain(e.error()))))?;
                tmp.persist(output)
                    .map_err(|e| Failure::Read(format!("{}: {}", output.display(), chain(&e.error))))?;
                report
            }
        }
        _ => {
            return Err(Failure::Read(format!(
                "{name}: the input must end in .msg or .eml (the extension chooses the direction)"
            )))
        }
    };
    for loss in &report.losses {
        eprintln!("{name}: not carried: {loss}");
    }
    Ok(())
}

fn validate_cmd(file: Option<&Path>, strict: bool, as_json: bool, rules: bool) -> ExitCode {
    if rules {
        for (id, what) in validate::RULES {
            println!("{id:<20} {what}");
        }
        return ExitCode::SUCCESS;
    }
    let Some(file) = file else { return ExitCode::from(2) };
    let name = file.display().to_string();
    let bytes = match std::fs::read(file) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("oxmsg: {name}: {}", chain(&e));
            return ExitCode::from(2);
        }
    };
    let findings = match validate::validate(bytes) {
        validate::Outcome::Checked(f) => f,
        validate::Outcome::Unreadable(e) => {
            eprintln!("oxmsg: {name}: cannot be read: {e}");
            return ExitCode::from(2);
        }
    };
    let errors = findings.iter().filter(|f| f.level == validate::Level::Error).count();
    let warnings = findings.len() - errors;
    let mut out = io::stdout().lock();
    let written = if as_json {
        let list: Vec<_> = findings
            .iter()
            .map(|f| {
                serde_json::json!({
                    "level": if f.level == validate::Level::Error { "error" } else { "warning" },
                    "rule": f.rule,
                    "at": f.at,
                    "message": f.message,
                })
            })
            .collect();
        writeln!(
            out,
            "{:#}",
            serde_json::json!({ "file": name, "errors": errors, "warnings": warnings, "findings": list })
        )
    } else {
        findings
            .iter()
            .try_for_each(|f| writeln!(out, "{name}: {f}"))
            .and_then(|()| {
                writeln!(
                    out,
                    "{name}: {}: {errors} errors, {warnings} warnings",
                    if errors == 0 && (warnings == 0 || !strict) {
                        "passes"
                    } else {
                        "fails"
                    }
                )
            })
    };
    if let Err(e) = written {
        if e.kind() != io::ErrorKind::BrokenPipe {
            eprintln!("oxmsg: writing the output: {e}");
        }
    }
    if errors > 0 || (strict && warnings > 0) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn search(db: &Path, query: &str, limit: usize) -> Result<(), Failure> {
    let paths = index::search(db, query, limit).map_err(Failure::Read)?;
    let mut out = BufWriter::new(io::stdout().lock());
    for p in paths {
        writeln!(out, "{p}")?;
    }
    out.flush()?;
    Ok(())
}
