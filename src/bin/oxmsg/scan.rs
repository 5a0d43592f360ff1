//! Scanning many .msg files: finding them, reading each into one record
//! (path, hashes, envelope, recipients, attachments, errors), and running
//! the reads on worker threads, one `Session` per worker, largest files
//! first, with the records handed out in a fixed order. `oxmsg scan` and
//! `examples/scan.rs` both use this file.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, BufRead, Cursor, Read};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

use oxmsg::{tags, Access, Message, RecipientType, Session};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::json::{chain, hex};

/// Files up to this size are read once into memory (hashed and parsed from
/// the same bytes); larger ones are hashed as a stream and opened by path,
/// so that memory stays bounded whatever the folder holds.
pub const IN_MEMORY_MAX: u64 = 32 << 20;

/// One file to scan: its path and its size (for the largest-first order).
#[derive(Clone, Debug)]
pub struct Input {
    /// The path as found (relative paths stay relative).
    pub path: PathBuf,
    /// Its size in bytes, or 0 when it could not be read.
    pub size: u64,
    /// Why the path could not be listed, if so: the record reports it.
    pub error: Option<String>,
}

/// What one scan produces per file: the record (JSON Lines / CSV / index
/// row) and, when asked for, the full body text for a search index.
pub struct Scanned {
    /// The record: see [`record_for`] for its keys.
    pub record: Value,
    /// The plain-text body (PR_BODY, else text from HTML or RTF), when
    /// the caller asked for it.
    pub body_text: Option<String>,
}

/// Every `.msg` file (any case of the extension) under `dir`, recursively.
/// Symbolic links are not followed (no loops, nothing outside the tree);
/// a folder that cannot be read becomes an input carrying its error, so it
/// is reported as one record instead of stopping the scan.
pub fn find_msg_files(dir: &Path) -> Vec<Input> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = match fs::read_dir(&d) {
            Ok(e) => e,
            Err(e) => {
                out.push(Input {
                    path: d.clone(),
                    size: 0,
                    error: Some(format!("reading the folder: {e}")),
                });
                continue;
            }
        };
        let mut names: Vec<_> = entries.filter_map(|e| e.ok()).collect();
        names.sort_by_key(|e| e.file_name());
        for e in names {
            let Ok(ft) = e.file_type() else { continue };
            let p = e.path();
            if ft.is_dir() {
                stack.push(p);
            } else if ft.is_file() && p.extension().is_some_and(|x| x.eq_ignore_ascii_case("msg")) {
                let size = e.metadata().map_or(0, |m| m.len());
                out.push(Input {
                    path: p,
                    size,
                    error: None,
                });
            }
        }
    }
    out
}

/// Paths read one per line from `r` (empty lines skipped), as given: a job
/// runner can shard a mailbox by handing each worker a list.
pub fn read_path_list(r: impl BufRead) -> io::Result<Vec<Input>> {
    let mut out = Vec::new();
    for line in r.lines() {
        let line = line?;
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            continue;
        }
        let path = PathBuf::from(line);
        let (size, error) = match fs::metadata(&path) {
            Ok(m) if m.is_file() => (m.len(), None),
            Ok(_) => (0, Some("not a file".to_string())),
            Err(e) => (0, Some(format!("reading the file: {e}"))),
        };
        out.push(Input { path, size, error });
    }
    Ok(out)
}

/// Largest first, so that one big file started last does not leave the
/// other workers idle at the end; ties by path, so the order (and the
/// output) is the same on every run.
pub fn sort_largest_first(inputs: &mut [Input]) {
    inputs.sort_by(|a, b| b.size.cmp(&a.size).then_with(|| a.path.cmp(&b.path)));
}

/// Reads every input on `threads` worker threads (a rayon pool), one
/// `Session` per worker, and calls `emit` on the calling thread with each
/// record **in input order** (a record waits until those before it are
/// out, so 1 or N threads give the same output). Workers take the next
/// input from a shared counter, so the largest-first order holds across
/// workers. When `stop` becomes true, no new input is started; the records
/// of those already started are still emitted, so the output ends at a
/// whole record. Returns how many inputs were emitted.
///
/// # Errors
/// The first error `emit` returns (the workers are then stopped), or an
/// error building the thread pool.
pub fn scan_parallel<E>(
    inputs: &[Input],
    threads: usize,
    want_body: bool,
    stop: &AtomicBool,
    mut emit: impl FnMut(usize, Scanned) -> Result<(), E>,
) -> Result<usize, E>
where
    E: From<String>,
{
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .thread_name(|i| format!("oxmsg-scan-{i}"))
        .build()
        .map_err(|e| E::from(format!("starting the worker threads: {e}")))?;
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let (tx, rx) = mpsc::channel::<(usize, Scanned)>();
    let mut emitted = 0;
    let mut result = Ok(());
    pool.in_place_scope(|scope| {
        for _ in 0..threads.max(1) {
            let tx = tx.clone();
            let (next, failed) = (&next, &failed);
            scope.spawn(move |_| {
                // One session per worker: a Session is not Send, and one
                // session's state is one worker's alone.
                let session = Session::new();
                loop {
                    if stop.load(Ordering::Relaxed) || failed.load(Ordering::Relaxed) {
                        break;
                    }
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(input) = inputs.get(i) else { break };
                    let scanned = scan_one(&session, input, want_body);
                    if tx.send((i, scanned)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        // The records, in order: those that finish early wait here.
        let mut pending = BTreeMap::new();
        for (i, s) in rx.iter() {
            pending.insert(i, s);
            while let Some(s) = pending.remove(&emitted) {
                if result.is_ok() {
                    if let Err(e) = emit(emitted, s) {
                        result = Err(e);
                        failed.store(true, Ordering::Relaxed);
                    }
                }
                emitted += 1;
            }
        }
    });
    result.map(|()| emitted)
}

/// Scans one input into its record; never fails and never panics through:
/// whatever goes wrong is the record's `error`.
pub fn scan_one(session: &Session, input: &Input, want_body: bool) -> Scanned {
    let mut rec = empty_record(input);
    if let Some(e) = &input.error {
        rec["error"] = e.clone().into();
        return Scanned {
            record: rec,
            body_text: None,
        };
    }
    let outcome = catch_unwind(AssertUnwindSafe(|| fill_record(session, input, want_body, &mut rec)));
    let body_text = match outcome {
        Ok(Ok(body)) => {
            rec["ok"] = true.into();
            body
        }
        Ok(Err(e)) => {
            rec["error"] = e.into();
            None
        }
        Err(_) => {
            rec["error"] = "internal error: the reader panicked (please report this file)".into();
            None
        }
    };
    Scanned { record: rec, body_text }
}

/// The record's keys, all present from the start (null until known), so
/// that every line has the same shape, error records included.
fn empty_record(input: &Input) -> Value {
    json!({
        "path": input.path.to_string_lossy(),
        "size": input.size,
        "sha256": null,
        "ok": false,
        "error": null,
        "warnings": [],
        "message_class": null,
        "subject": null,
        "sender_name": null,
        "sender_email": null,
        "date": null,
        "recipients": [],
        "attachments": [],
        "body_kind": null,
        "body_text_len": null,
    })
}

fn fill_record(session: &Session, input: &Input, want_body: bool, rec: &mut Value) -> Result<Option<String>, String> {
    let path = &input.path;
    let msg = if input.size <= IN_MEMORY_MAX {
        let mut bytes = Vec::with_capacity(input.size as usize);
        fs::File::open(path)
            .and_then(|f| f.take(IN_MEMORY_MAX + 1).read_to_end(&mut bytes))
            .map_err(|e| format!("reading the file: {e}"))?;
        rec["size"] = bytes.len().into();
        rec["sha256"] = hex(&Sha256::digest(&bytes)).into();
        session.opener().reader(Cursor::new(bytes))
    } else {
        let mut hasher = Sha256::new();
        let n = fs::File::open(path)
            .and_then(|mut f| io::copy(&mut f, &mut hasher))
            .map_err(|e| format!("reading the file: {e}"))?;
        rec["size"] = n.into();
        rec["sha256"] = hex(&hasher.finalize()).into();
        session.opener().path(path)
    }
    .map_err(|e| chain(&e))?;
    summarize(&msg, want_body, rec)
}

/// Fills the envelope, recipients, attachments and body length of `rec`.
pub fn summarize<A: Access>(msg: &Message<'_, A>, want_body: bool, rec: &mut Value) -> Result<Option<String>, String> {
    let ctx = |what: &'static str| move |e: oxmsg::Error| format!("{what}: {}", chain(&e));
    let nonempty = |s: Option<String>| s.filter(|s| !s.is_empty());
    rec["message_class"] = msg.get(tags::MESSAGE_CLASS).map_err(ctx("message class"))?.into();
    rec["subject"] = msg.get(tags::SUBJECT).map_err(ctx("subject"))?.into();
    rec["sender_name"] = nonempty(msg.get(tags::SENDER_NAME).map_err(ctx("sender"))?)
        .or(nonempty(msg.get(tags::SENT_REPRESENTING_NAME).map_err(ctx("sender"))?))
        .into();
    rec["sender_email"] = nonempty(msg.get(tags::SENDER_SMTP_ADDRESS).map_err(ctx("sender"))?)
        .or(nonempty(msg.get(tags::SENDER_EMAIL_ADDRESS).map_err(ctx("sender"))?))
        .or(nonempty(
            msg.get(tags::SENT_REPRESENTING_EMAIL_ADDRESS).map_err(ctx("sender"))?,
        ))
        .into();
    let date = match msg.get(tags::CLIENT_SUBMIT_TIME).map_err(ctx("date"))? {
        Some(t) => Some(t),
        None => msg.get(tags::MESSAGE_DELIVERY_TIME).map_err(ctx("date"))?,
    };
    rec["date"] = date.filter(|t| !t.is_none_sentinel()).map(|t| t.to_rfc3339()).into();

    let mut recipients = Vec::new();
    // Only the columns the record needs are read (not every value of every row).
    for r in msg
        .recipients_with(&oxmsg::Recipient::ADDRESS_COLUMNS)
        .map_err(ctx("recipients"))?
    {
        let kind = match r.recipient_type() {
            RecipientType::To => "to".to_string(),
            RecipientType::Cc => "cc".to_string(),
            RecipientType::Bcc => "bcc".to_string(),
            other => other.value().to_string(),
        };
        let email = nonempty(r.get(tags::SMTP_ADDRESS)).or_else(|| r.get(tags::EMAIL_ADDRESS));
        recipients.push(json!({ "name": r.display_name(), "email": email, "type": kind }));
    }
    rec["recipients"] = recipients.into();

    let mut attachments = Vec::new();
    for a in msg.attachments().map_err(ctx("attachments"))? {
        let num = a.num();
        let at = |e: oxmsg::Error| format!("attachment {num}: {}", chain(&e));
        let name = a.filename().map_err(at)?;
        let (mut size, mut sha256) = (Value::Null, Value::Null);
        let embedded = a.is_embedded();
        if !embedded {
            match a.data() {
                Ok(mut data) => {
                    let mut hasher = Sha256::new();
                    let n = io::copy(&mut data, &mut hasher)
                        .map_err(|e| format!("attachment {num}: reading the data: {}", chain(&e)))?;
                    size = n.into();
                    sha256 = hex(&hasher.finalize()).into();
                }
                Err(oxmsg::Error::PropNotFound { .. } | oxmsg::Error::NoSupport { .. }) => {}
                Err(e) => return Err(at(e)),
            }
        }
        attachments.push(json!({ "name": name, "size": size, "sha256": sha256, "embedded": embedded }));
    }
    rec["attachments"] = attachments.into();

    let body = msg.body().map_err(ctx("body"))?;
    rec["body_kind"] = body.as_ref().map(oxmsg::Body::kind).into();
    let text = match body {
        None => None,
        Some(oxmsg::Body::Text(t)) => Some(t),
        Some(_) => msg.body_text().map_err(ctx("body"))?,
    };
    rec["body_text_len"] = text.as_ref().map(|t| t.chars().count()).into();
    rec["warnings"] = msg
        .warnings()
        .iter()
        .map(|w| Value::from(w.to_string()))
        .collect::<Vec<_>>()
        .into();
    Ok(if want_body { text } else { None })
}
