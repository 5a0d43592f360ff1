//! Concurrency: a `Session` and its handles are single-threaded (`!Send`,
//! `!Sync`), and the way to work in parallel is one session per thread.
//! These tests check that sessions on many threads at once read the same
//! files exactly as one thread does: no shared state leaks between them.
//!
//! Run: `OXMSG_CORPUS=../shared/corpus cargo test --test threads -- --nocapture`

#[path = "common/walk.rs"]
mod walk;

use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Barrier;
use std::time::Instant;

use oxmsg::{tags, Access, Message, ReadOnly, Session};
use rayon::prelude::*;
use sha2::{Digest, Sha256};

// The auto-trait facts these tests rely on (also proven by the crate's own
// assertions and ui-tests).
static_assertions::assert_not_impl_any!(Session: Send, Sync);
static_assertions::assert_not_impl_any!(Message<'static, ReadOnly>: Send, Sync);
static_assertions::assert_impl_all!(oxmsg::Error: Send, Sync);

type R<T> = Result<T, String>;

fn r<T>(x: oxmsg::Result<T>) -> R<T> {
    x.map_err(|e| e.to_string())
}

/// What one reading of a message gives, down to the attachment bytes.
#[derive(Debug, PartialEq)]
struct MsgSummary {
    subject: R<Option<String>>,
    class: R<Option<String>>,
    unicode: bool,
    codepage: u32,
    /// sha256 of the Debug form of every property value.
    props_digest: R<String>,
    recipients: R<Vec<(Option<String>, Option<String>)>>,
    named_props: R<usize>,
    attachments: R<Vec<AttSummary>>,
    warnings: Vec<String>,
}

#[derive(Debug, PartialEq)]
struct AttSummary {
    num: u32,
    name: R<Option<String>>,
    method: R<Option<i32>>,
    /// (length, sha256) of PR_ATTACH_DATA_BIN read as a stream.
    data: R<Option<(u64, String)>>,
    embedded: Option<R<Box<MsgSummary>>>,
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn summarize<A: Access>(msg: &Message<'_, A>) -> MsgSummary {
    let props_digest = r(msg.props()).map(|ps| {
        let mut h = Sha256::new();
        for (t, v) in ps {
            h.update(format!("{t:?}={v:?};").as_bytes());
        }
        hex(&h.finalize())
    });
    let attachments = r(msg.attachment_numbers()).map(|nums| {
        nums.into_iter()
            .map(|n| match msg.open_attachment(n) {
                Err(e) => AttSummary {
                    num: n,
                    name: Err(e.to_string()),
                    method: Err(String::new()),
                    data: Err(String::new()),
                    embedded: None,
                },
                Ok(a) => {
                    let embedded = a
                        .is_embedded()
                        .then(|| r(a.open_embedded()).map(|m| Box::new(summarize(&m))));
                    let data = if a.is_embedded() {
                        Ok(None)
                    } else {
                        match a.data() {
                            Ok(mut s) => {
                                let mut h = Sha256::new();
                                let mut buf = [0u8; 8192];
                                let mut n = 0u64;
                                loop {
                                    match s.read(&mut buf) {
                                        Ok(0) => break Ok(Some((n, hex(&h.finalize())))),
                                        Ok(k) => {
                                            n += k as u64;
                                            h.update(&buf[..k]);
                                        }
                                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                                        Err(e) => break Err(e.to_string()),
                                    }
                                }
                            }
                            Err(oxmsg::Error::PropNotFound { .. }) => Ok(None),
                            Err(e) => Err(e.to_string()),
                        }
                    };
                    AttSummary {
                        num: n,
                        name: r(a.filename()),
                        method: r(a.method()).map(|m| m.map(|m| m.value())),
                        data,
                        embedded,
                    }
                }
            })
            .collect()
    });
    MsgSummary {
        subject: r(msg.get(tags::SUBJECT)),
        class: r(msg.get(tags::MESSAGE_CLASS)),
        unicode: msg.is_unicode(),
        codepage: msg.codepage(),
        props_digest,
        recipients: r(msg.recipients()).map(|rs| rs.iter().map(|x| (x.display_name(), x.email())).collect()),
        named_props: r(msg.named_props()).map(|n| n.len()),
        attachments,
        warnings: msg.warnings().iter().map(|w| w.to_string()).collect(),
    }
}

/// Opens `path` in a session of its own and summarizes it.
fn summarize_file(path: &Path) -> R<MsgSummary> {
    let session = Session::new();
    let msg = session.opener().path(path).map_err(|e| e.to_string())?;
    Ok(summarize(&msg))
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

fn count_attachments(s: &MsgSummary) -> usize {
    s.attachments
        .as_ref()
        .map(|v| {
            v.iter()
                .map(|a| {
                    1 + a
                        .embedded
                        .as_ref()
                        .and_then(|e| e.as_ref().ok())
                        .map_or(0, |e| count_attachments(e))
                })
                .sum()
        })
        .unwrap_or(0)
}

/// Every corpus file opened on 16 threads at once (three rounds, in a
/// different order each), each with its own session: every summary equals
/// the one computed on this thread alone.
#[test]
fn corpus_read_in_parallel_equals_serial() {
    let Some(files) = corpus_files() else { return };
    let t = Instant::now();
    let serial: Vec<R<MsgSummary>> = files.iter().map(|p| summarize_file(p)).collect();
    let serial_time = t.elapsed();
    let ok = serial.iter().filter(|s| s.is_ok()).count();
    let attachments: usize = serial.iter().flatten().map(count_attachments).sum();

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(16)
        .build()
        .expect("thread pool");
    let t = Instant::now();
    // Round k visits the files in a rotated order, so that different
    // files overlap in time in each round.
    let jobs: Vec<(usize, usize)> = (0..3)
        .flat_map(|round| {
            let n = files.len();
            (0..n).map(move |i| (round, (i * (2 * round + 1) + round * 17) % n))
        })
        .collect();
    let mismatches: Vec<String> = pool.install(|| {
        jobs.par_iter()
            .filter_map(|&(round, i)| {
                let got = summarize_file(&files[i]);
                (got != serial[i]).then(|| {
                    format!(
                        "round {round}, {}:\n  serial:   {:?}\n  parallel: {:?}",
                        files[i].display(),
                        serial[i],
                        got
                    )
                })
            })
            .collect()
    });
    eprintln!(
        "=== threads: {} files ({ok} open, {attachments} attachments incl. nested); serial {:.2} s; {} parallel reads on 16 threads {:.2} s; {} mismatches",
        files.len(),
        serial_time.as_secs_f64(),
        jobs.len(),
        t.elapsed().as_secs_f64(),
        mismatches.len()
    );
    for m in &mismatches {
        eprintln!("MISMATCH {m}");
    }
    assert!(
        mismatches.is_empty(),
        "{} parallel reads differ from the serial one",
        mismatches.len()
    );
}

/// The same bytes walked by 8 threads at the same moment (a barrier
/// releases them together), each with its own session, several times:
/// every walk gives the serial result.
#[test]
fn same_file_walked_on_8_threads_at_once() {
    let Some(files) = corpus_files() else { return };
    // The files with the most to walk, one with nested embedded messages,
    // and one that does not open.
    let mut picked: Vec<PathBuf> = Vec::new();
    for want in [
        "hiraoka__msgInMsgInMsg.msg",
        "jotlmsg__many-attachments.msg",
        "hiraoka__200_recipients.msg",
        "sicos__EmailWithMsgAttachment.msg",
        "derived-truncated__hiraoka__msgInMsgInMsg__43929.msg",
    ] {
        if let Some(p) = files.iter().find(|p| p.file_name().is_some_and(|n| n == want)) {
            picked.push(p.clone());
        }
    }
    if picked.is_empty() {
        picked.extend(files.iter().take(3).cloned());
    }
    const THREADS: usize = 8;
    const ROUNDS: usize = 4;
    for path in &picked {
        let bytes = std::fs::read(path).expect("read");
        let expected = walk::walk_bytes(bytes.clone()).map_err(|e| e.to_string());
        let barrier = Barrier::new(THREADS);
        let t = Instant::now();
        let results: Vec<Vec<R<usize>>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..THREADS)
                .map(|k| {
                    let (bytes, barrier) = (&bytes, &barrier);
                    s.spawn(move || {
                        (0..ROUNDS)
                            .map(|round| {
                                barrier.wait();
                                // Half the threads read from memory, half from the file.
                                if (k + round) % 2 == 0 {
                                    walk::walk_bytes(bytes.clone()).map_err(|e| e.to_string())
                                } else {
                                    let session = Session::new();
                                    let m = session.opener().path(path).map_err(|e| e.to_string())?;
                                    walk::walk_message(&m).map_err(|e| e.to_string())
                                }
                            })
                            .collect()
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("walker thread panicked"))
                .collect()
        });
        eprintln!(
            "{}: {THREADS} threads × {ROUNDS} walks in {:.2} s; serial walk: {:?}",
            path.file_name().unwrap().to_string_lossy(),
            t.elapsed().as_secs_f64(),
            expected
        );
        for (k, rs) in results.iter().enumerate() {
            for (round, got) in rs.iter().enumerate() {
                // The file-based open names the path in its errors where the
                // in-memory one says "the input": compare Ok counts exactly,
                // and errors by being errors.
                match (&expected, got) {
                    (Ok(a), Ok(b)) => assert_eq!(a, b, "{}: thread {k} round {round}", path.display()),
                    (Err(_), Err(_)) => {}
                    _ => panic!(
                        "{}: thread {k} round {round}: serial {expected:?}, threaded {got:?}",
                        path.display()
                    ),
                }
            }
        }
    }
}
