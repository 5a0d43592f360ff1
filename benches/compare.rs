//! oxmsg against its peers and floors, measured in one run with the modes
//! interleaved: each round runs every mode of a comparison once (A B C, then
//! B C A, then C A B, …: the order rotates so that no mode always runs
//! first), and the report gives each mode's median and the median of the
//! per-round ratios to the comparison's reference. Machine noise moves a
//! round's modes alike, so the ratios hold where absolute times drift.
//!
//! Comparisons (times are for the whole input set per round):
//! - **summary**: what an archive index reads (class, subject, sender, date,
//!   recipients' names and addresses, attachment names and sizes), oxmsg over
//!   borrowed bytes vs `msg_parser` from the same bytes;
//! - **read everything** (every property of every object, every attachment's
//!   data, every nested message) vs the `cfb` floor (opening the compound file
//!   and reading every stream), from memory and from files;
//! - **write**: three shapes (a small mail; 50 recipients and 10 named
//!   properties; five 1 MB attachments and an embedded message), oxmsg to
//!   memory vs `cfb` writing the same tree to a `Vec`, and oxmsg to a path vs
//!   `cfb` writing it to a file with `fsync`;
//! - **scaling**: per recipient (summary of messages with 10 … 1,000
//!   recipients, oxmsg vs `msg_parser`) and per directory entry;
//! - **bodies**: compressed-RTF decompression and RTF de-encapsulation in MB/s.
//!
//! Inputs: the readable files of `$OXMSG_CORPUS/public` (those oxmsg, `cfb`
//! and `msg_parser` all open) when `OXMSG_CORPUS` is set, else a generated
//! set. Run: `cargo bench --bench compare` (`OXMSG_BENCH_ROUNDS`, default 15).

use std::hint::black_box;
use std::io::{self, Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use oxmsg::named::{NamedProp, PS_PUBLIC_STRINGS};
use oxmsg::{tags, Access, Message, PropValue, Recipient, RecipientType, Session};

type Mode<'a> = (&'static str, Box<dyn FnMut() -> u64 + 'a>);

fn rounds() -> usize {
    std::env::var("OXMSG_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(15)
}

fn median_f64(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Runs `modes` interleaved for `rounds` rounds; prints each mode's median
/// time and its median per-round ratio to the first mode (the reference).
/// Returns the median ratios.
fn compare(title: &str, bytes_per_round: Option<u64>, modes: &mut [Mode<'_>]) -> Vec<f64> {
    let n = modes.len();
    let rounds = rounds();
    let mut times = vec![Vec::new(); n];
    // One warm-up pass of every mode, not timed.
    for (_, f) in modes.iter_mut() {
        black_box(f());
    }
    for round in 0..rounds {
        for k in 0..n {
            let i = (round + k) % n;
            let start = Instant::now();
            black_box((modes[i].1)());
            times[i].push(start.elapsed());
        }
    }
    println!("\n## {title} ({rounds} rounds, reference: {})", modes[0].0);
    let mut ratios = Vec::new();
    for i in 0..n {
        let median = median_f64(times[i].iter().map(Duration::as_secs_f64).collect());
        let ratio = median_f64(
            (0..rounds)
                .map(|r| times[i][r].as_secs_f64() / times[0][r].as_secs_f64())
                .collect(),
        );
        let rate = bytes_per_round.map_or(String::new(), |b| format!("  {:8.1} MB/s", b as f64 / median / 1e6));
        println!("{:<48} {:>10.3} ms  {:>6.2}×{rate}", modes[i].0, median * 1e3, ratio);
        ratios.push(ratio);
    }
    ratios
}

// ---------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------

/// The corpus files every reader opens, or a generated set; with their bytes.
fn inputs(tmp: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    if let Some(dir) = std::env::var_os("OXMSG_CORPUS") {
        let mut files: Vec<PathBuf> = std::fs::read_dir(PathBuf::from(dir).join("public"))
            .expect("corpus folder")
            .map(|e| e.expect("corpus entry").path())
            .filter(|p| Session::new().opener().path(p).is_ok() && cfb::open(p).is_ok())
            .filter(|p| msg_parser::Outlook::from_path(p).is_ok())
            .collect();
        files.sort();
        return files
            .into_iter()
            .map(|p| {
                let b = std::fs::read(&p).expect("read corpus file");
                (p, b)
            })
            .collect();
    }
    (0..12)
        .map(|i| {
            let bytes = generated(i % 4 * 5 + 1, i % 3, 20_000 * (i + 1));
            let path = tmp.join(format!("g{i}.msg"));
            std::fs::write(&path, &bytes).expect("write generated file");
            (path, bytes)
        })
        .collect()
}

/// A message with `recipients` recipients and `attachments` attachments of
/// `size` bytes.
fn generated(recipients: usize, attachments: usize, size: usize) -> Vec<u8> {
    let session = Session::new();
    let m = session.opener().create_in_memory().expect("create");
    m.set(tags::SUBJECT, "Generated message").expect("set");
    m.set(tags::BODY, "Body text. ".repeat(200)).expect("set");
    m.set(tags::SENDER_NAME, "Sender").expect("set");
    m.set(tags::SENDER_EMAIL_ADDRESS, "sender@example.com").expect("set");
    for r in 0..recipients {
        m.add_recipient(
            RecipientType::To,
            &format!("Recipient {r}"),
            &format!("r{r}@example.com"),
        )
        .expect("recipient");
    }
    for a in 0..attachments {
        let att = m.create_attachment().expect("attachment");
        att.set(tags::ATTACH_LONG_FILENAME, format!("file{a}.bin"))
            .expect("set");
        att.write_data(&mut io::repeat(a as u8).take(size as u64))
            .expect("data");
        att.save_changes().expect("save attachment");
    }
    m.to_bytes().expect("to_bytes")
}

// ---------------------------------------------------------------------------
// What each reader does
// ---------------------------------------------------------------------------

fn oxmsg_summary<A: Access>(m: &Message<'_, A>) -> u64 {
    let len = |s: Option<String>| s.map_or(0, |s| s.len() as u64);
    let mut n = len(m.get(tags::MESSAGE_CLASS).unwrap_or_default());
    n += len(m.get(tags::SUBJECT).unwrap_or_default());
    n += len(m.get(tags::SENDER_NAME).unwrap_or_default());
    n += len(m.get(tags::SENDER_EMAIL_ADDRESS).unwrap_or_default());
    n += m.get(tags::CLIENT_SUBMIT_TIME).ok().flatten().map_or(0, |_| 1);
    for r in m.recipients_with(&Recipient::ADDRESS_COLUMNS).unwrap_or_default() {
        n += r.display_name().map_or(0, |s| s.len() as u64);
        n += r.email().map_or(0, |s| s.len() as u64);
    }
    for a in m.attachments().unwrap_or_default() {
        n += a.filename().ok().flatten().map_or(0, |s| s.len() as u64);
        n += a.size().ok().flatten().unwrap_or(0);
    }
    n
}

fn msg_parser_summary(bytes: &[u8]) -> u64 {
    let o = msg_parser::Outlook::from_slice(bytes).expect("msg_parser");
    let mut n = (o.message_class.len() + o.subject.len() + o.sender.name.len() + o.sender.email.len()) as u64;
    n += o.client_submit_time.len() as u64;
    for r in o.to.iter().chain(&o.cc).chain(&o.bcc) {
        n += (r.name.len() + r.email.len()) as u64;
    }
    for a in &o.attachments {
        n += (a.long_file_name.len() + a.payload_bytes.len()) as u64;
    }
    n
}

/// Every property of every object, every attachment's data, every nested message.
fn oxmsg_everything<A: Access>(m: &Message<'_, A>) -> u64 {
    let mut n = m.props().map_or(0, |p| p.len() as u64);
    n += m
        .recipients()
        .map_or(0, |r| r.iter().map(|r| r.props().len() as u64).sum());
    for a in m.attachments().unwrap_or_default() {
        n += a.props().map_or(0, |p| p.len() as u64);
        if a.is_embedded() {
            if let Ok(e) = a.open_embedded() {
                n += oxmsg_everything(&e);
            }
        } else if let Ok(mut d) = a.data() {
            n += io::copy(&mut d, &mut io::sink()).unwrap_or(0);
        }
    }
    n
}

/// The floor: `cfb` opens the file and reads every stream.
fn cfb_floor<F: Read + io::Seek>(mut cf: cfb::CompoundFile<F>) -> u64 {
    let streams: Vec<PathBuf> = cf
        .walk()
        .filter(|e| e.is_stream())
        .map(|e| e.path().to_path_buf())
        .collect();
    let mut n = 0;
    for s in streams {
        n += io::copy(&mut cf.open_stream(&s).expect("stream"), &mut io::sink()).expect("copy");
    }
    n
}

/// The tree of a compound file (storages with CLSIDs, streams with bytes),
/// to write again with `cfb` alone.
enum Node {
    Storage(String, [u8; 16]),
    Stream(String, Vec<u8>),
}

fn tree_of(bytes: &[u8]) -> Vec<Node> {
    let mut cf = cfb::CompoundFile::open(Cursor::new(bytes)).expect("open written file");
    let entries: Vec<(String, bool, [u8; 16])> = cf
        .walk()
        .skip(1)
        .map(|e| {
            (
                e.path().to_string_lossy().into_owned(),
                e.is_stream(),
                *e.clsid().as_bytes(),
            )
        })
        .collect();
    entries
        .into_iter()
        .map(|(path, is_stream, clsid)| {
            if is_stream {
                let mut data = Vec::new();
                cf.open_stream(&path)
                    .expect("stream")
                    .read_to_end(&mut data)
                    .expect("read");
                Node::Stream(path, data)
            } else {
                Node::Storage(path, clsid)
            }
        })
        .collect()
}

fn cfb_write<F: Read + Write + io::Seek>(tree: &[Node], file: F) -> cfb::CompoundFile<F> {
    let mut cf = cfb::CompoundFile::create_with_version(cfb::Version::V3, file).expect("create");
    for node in tree {
        match node {
            Node::Storage(path, clsid) => {
                cf.create_storage(path).expect("storage");
                cf.set_storage_clsid(path, uuid::Uuid::from_bytes(*clsid))
                    .expect("clsid");
            }
            Node::Stream(path, data) => cf.create_stream(path).expect("stream").write_all(data).expect("write"),
        }
    }
    cf.flush().expect("flush");
    cf
}

/// The three write shapes, built by oxmsg into `m`.
fn fill(shape: usize, m: &Message<'_, oxmsg::ReadWrite>) {
    m.set(tags::SUBJECT, "Quarterly report").expect("set");
    m.set(tags::BODY, "Hello,\r\nplease find the figures attached.\r\n")
        .expect("set");
    m.set(tags::MESSAGE_CLASS, "IPM.Note").expect("set");
    let recipients = if shape == 1 { 50 } else { 2 };
    for r in 0..recipients {
        m.add_recipient(RecipientType::To, &format!("Person {r}"), &format!("p{r}@example.com"))
            .expect("recipient");
    }
    if shape == 1 {
        for i in 0..10 {
            m.set_named_value(
                &NamedProp::string(PS_PUBLIC_STRINGS, format!("Field {i}")),
                PropValue::Unicode(format!("value {i}")),
            )
            .expect("named");
        }
    }
    if shape == 2 {
        for a in 0..5 {
            let att = m.create_attachment().expect("attachment");
            att.set(tags::ATTACH_LONG_FILENAME, format!("part{a}.bin"))
                .expect("set");
            att.write_data(&mut io::repeat(a as u8).take(1 << 20)).expect("data");
            att.save_changes().expect("save");
        }
        let att = m.create_attachment().expect("attachment");
        let mut inner = att.create_embedded().expect("embedded");
        inner.set(tags::SUBJECT, "Forwarded").expect("set");
        inner.save_changes().expect("save");
        drop(inner);
        att.save_changes().expect("save");
    }
}

fn main() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let files = inputs(tmp.path());
    let total: u64 = files.iter().map(|(_, b)| b.len() as u64).sum();
    println!(
        "# oxmsg compare: {} files, {} bytes ({}); {}",
        files.len(),
        total,
        if std::env::var_os("OXMSG_CORPUS").is_some() {
            "public corpus"
        } else {
            "generated"
        },
        std::env::consts::ARCH
    );

    // Summary, from memory.
    compare(
        "summary, from memory",
        Some(total),
        &mut [
            (
                "msg_parser: parse",
                Box::new(|| files.iter().map(|(_, b)| msg_parser_summary(b)).sum()),
            ),
            (
                "oxmsg: summary (borrowed bytes)",
                Box::new(|| {
                    let session = Session::new();
                    files
                        .iter()
                        .map(|(_, b)| oxmsg_summary(&session.opener().bytes(b).expect("open")))
                        .sum()
                }),
            ),
        ],
    );

    // Read everything, from memory and from files.
    compare(
        "read everything, from memory",
        Some(total),
        &mut [
            (
                "cfb floor: every stream",
                Box::new(|| {
                    files
                        .iter()
                        .map(|(_, b)| cfb_floor(cfb::CompoundFile::open(Cursor::new(&b[..])).expect("cfb")))
                        .sum()
                }),
            ),
            (
                "oxmsg: everything (borrowed bytes)",
                Box::new(|| {
                    let session = Session::new();
                    files
                        .iter()
                        .map(|(_, b)| oxmsg_everything(&session.opener().bytes(b).expect("open")))
                        .sum()
                }),
            ),
            (
                "oxmsg: everything (reader, via cfb)",
                Box::new(|| {
                    let session = Session::new();
                    files
                        .iter()
                        .map(|(_, b)| oxmsg_everything(&session.opener().reader(Cursor::new(b.clone())).expect("open")))
                        .sum()
                }),
            ),
        ],
    );
    compare(
        "read everything, from files",
        Some(total),
        &mut [
            (
                "cfb floor: every stream",
                Box::new(|| files.iter().map(|(p, _)| cfb_floor(cfb::open(p).expect("cfb"))).sum()),
            ),
            (
                "oxmsg: everything (path)",
                Box::new(|| {
                    let session = Session::new();
                    files
                        .iter()
                        .map(|(p, _)| oxmsg_everything(&session.opener().path(p).expect("open")))
                        .sum()
                }),
            ),
        ],
    );

    // Write shapes.
    let shape_names = ["small mail", "50 recipients + 10 named", "5 × 1 MB + embedded"];
    for (shape, name) in shape_names.iter().enumerate() {
        let session = Session::new();
        let m = session.opener().create_in_memory().expect("create");
        fill(shape, &m);
        let tree = tree_of(&m.to_bytes().expect("to_bytes"));
        drop(m);
        let out = tmp.path().join(format!("w{shape}.msg"));
        let cfb_out = tmp.path().join(format!("c{shape}.msg"));
        compare(
            &format!("write: {name}, to memory"),
            None,
            &mut [
                (
                    "cfb: same tree → Vec",
                    Box::new(|| {
                        cfb_write(&tree, Cursor::new(Vec::new()))
                            .into_inner()
                            .into_inner()
                            .len() as u64
                    }),
                ),
                (
                    "oxmsg: create, fill, to_bytes",
                    Box::new(|| {
                        let s = Session::new();
                        let m = s.opener().create_in_memory().expect("create");
                        fill(shape, &m);
                        m.to_bytes().expect("to_bytes").len() as u64
                    }),
                ),
            ],
        );
        compare(
            &format!("write: {name}, to a path (fsync)"),
            None,
            &mut [
                (
                    "cfb: same tree → file + fsync",
                    Box::new(|| {
                        let f = std::fs::File::create(&cfb_out).expect("create");
                        let f = cfb_write(&tree, f).into_inner();
                        f.sync_all().expect("fsync");
                        1
                    }),
                ),
                (
                    "oxmsg: create(path), fill, save_changes",
                    Box::new(|| {
                        let s = Session::new();
                        let mut m = s.opener().create(&out).expect("create");
                        fill(shape, &m);
                        m.save_changes().expect("save");
                        1
                    }),
                ),
            ],
        );
    }

    // Scaling with recipients (summary) and directory entries (everything).
    for recipients in [10, 100, 1000] {
        let bytes = generated(recipients, 0, 0);
        let ratios = compare(
            &format!("scaling: summary of a message with {recipients} recipients"),
            None,
            &mut [
                ("msg_parser: parse", Box::new(|| msg_parser_summary(&bytes))),
                (
                    "oxmsg: summary (borrowed bytes)",
                    Box::new(|| oxmsg_summary(&Session::new().opener().bytes(&bytes).expect("open"))),
                ),
                (
                    "oxmsg: everything (borrowed bytes)",
                    Box::new(|| oxmsg_everything(&Session::new().opener().bytes(&bytes).expect("open"))),
                ),
                (
                    "cfb floor: every stream",
                    Box::new(|| cfb_floor(cfb::CompoundFile::open(Cursor::new(&bytes[..])).expect("cfb"))),
                ),
            ],
        );
        let entries = cfb::CompoundFile::open(Cursor::new(&bytes[..]))
            .expect("cfb")
            .walk()
            .count();
        println!(
            "({entries} directory entries; oxmsg summary / msg_parser = {:.2}×)",
            ratios[1]
        );
    }

    // Bodies.
    let rtf = {
        let html = format!(
            "<html><body>{}</body></html>",
            "<p>Hello <b>world</b>, a paragraph of text with <i>some</i> markup.</p>\n".repeat(5000)
        );
        oxmsg::body::rtf_from_html(&html)
    };
    let compressed = oxmsg::body::compress(&rtf);
    compare(
        "bodies: compressed RTF (MS-OXRTFCP) and de-encapsulation (MS-OXRTFEX)",
        Some(rtf.len() as u64),
        &mut [
            (
                "memcpy of the RTF (floor)",
                Box::new(|| black_box(rtf.clone()).len() as u64),
            ),
            (
                "decompress",
                Box::new(|| {
                    oxmsg::body::decompress(&compressed, u64::MAX)
                        .expect("decompress")
                        .len() as u64
                }),
            ),
            (
                "de-encapsulate HTML from RTF",
                Box::new(|| oxmsg::body::html_from_any_rtf(&rtf).expect("html").len() as u64),
            ),
        ],
    );
}
