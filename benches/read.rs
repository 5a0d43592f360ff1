//! Reading speed: oxmsg against the floor (reading every stream of the
//! compound file with `cfb` alone) and a peer (the `msg_parser` crate),
//! over the same files in the same run.
//!
//! With `OXMSG_CORPUS` set, the inputs are the corpus files every reader
//! opens; otherwise a few messages made here. Run: `cargo bench --bench read`.

use std::io::{self, Read};
use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use oxmsg::{tags, Access, Message, Session};

/// The input files: the corpus's readable files, or generated ones.
fn inputs() -> (Vec<PathBuf>, Option<tempfile::TempDir>) {
    if let Some(dir) = std::env::var_os("OXMSG_CORPUS") {
        let mut files: Vec<PathBuf> = std::fs::read_dir(PathBuf::from(dir).join("public"))
            .expect("corpus folder")
            .map(|e| e.unwrap().path())
            .filter(|p| Session::new().opener().path(p).is_ok() && cfb::open(p).is_ok())
            .filter(|p| msg_parser::Outlook::from_path(p).is_ok())
            .collect();
        files.sort();
        return (files, None);
    }
    let tmp = tempfile::tempdir().unwrap();
    let session = Session::new();
    let mut files = Vec::new();
    for i in 0..8 {
        let path = tmp.path().join(format!("m{i}.msg"));
        let mut m = session.opener().create(&path).unwrap();
        m.set(tags::SUBJECT, format!("Message {i}")).unwrap();
        m.set(tags::BODY, "Body text. ".repeat(500)).unwrap();
        for r in 0..5 {
            m.add_recipient(oxmsg::RecipientType::To, &format!("R{r}"), &format!("r{r}@example.com"))
                .unwrap();
        }
        for a in 0..3 {
            let att = m.create_attachment().unwrap();
            att.set(tags::ATTACH_LONG_FILENAME, format!("file{a}.bin")).unwrap();
            att.write_data(&mut io::repeat(a as u8).take(20_000 * (i + 1))).unwrap();
            att.save_changes().unwrap();
        }
        m.save_changes().unwrap();
        files.push(path);
    }
    (files, Some(tmp))
}

/// Reads every stream of the compound file: the least any reader must do
/// to see everything.
fn cfb_floor(path: &PathBuf) -> u64 {
    let mut cf = cfb::open(path).unwrap();
    let streams: Vec<PathBuf> = cf
        .walk()
        .filter(|e| e.is_stream())
        .map(|e| e.path().to_path_buf())
        .collect();
    let mut n = 0;
    for s in streams {
        n += io::copy(&mut cf.open_stream(&s).unwrap(), &mut io::sink()).unwrap();
    }
    n
}

/// What an archive index reads: subject, sender, dates, recipients,
/// attachment names and sizes.
fn oxmsg_summary(session: &Session, path: &PathBuf) -> usize {
    let m = session.opener().path(path).unwrap();
    let mut n = m.get(tags::SUBJECT).unwrap().map_or(0, |s| s.len());
    n += m.get(tags::SENDER_NAME).unwrap().map_or(0, |s| s.len());
    n += m.get(tags::CLIENT_SUBMIT_TIME).unwrap().map_or(0, |_| 1);
    n += m
        .recipients()
        .unwrap()
        .iter()
        .map(|r| r.email().map_or(0, |e| e.len()))
        .sum::<usize>();
    for a in m.attachments().unwrap() {
        n += a.filename().unwrap().map_or(0, |f| f.len());
        n += a.size().unwrap().unwrap_or(0) as usize;
    }
    n
}

/// Every property of every object, every attachment's data, every nested message.
fn walk<A: Access>(m: &Message<'_, A>) -> usize {
    let mut n = m.props().unwrap().len();
    n += m.recipients().unwrap().len();
    for a in m.attachments().unwrap() {
        n += a.props().unwrap().len();
        if a.is_embedded() {
            n += walk(&a.open_embedded().unwrap());
        } else if let Ok(mut d) = a.data() {
            n += io::copy(&mut d, &mut io::sink()).unwrap() as usize;
        }
    }
    n
}

fn bench(c: &mut Criterion) {
    let (files, _tmp) = inputs();
    let bytes: u64 = files.iter().map(|p| std::fs::metadata(p).unwrap().len()).sum();
    eprintln!("{} files, {} bytes", files.len(), bytes);
    let mut g = c.benchmark_group("read");
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function("cfb floor: every stream", |b| {
        b.iter(|| files.iter().map(cfb_floor).sum::<u64>())
    });
    g.bench_function("oxmsg: summary", |b| {
        let session = Session::new();
        b.iter(|| files.iter().map(|p| oxmsg_summary(&session, p)).sum::<usize>())
    });
    g.bench_function("oxmsg: everything", |b| {
        let session = Session::new();
        b.iter(|| {
            files
                .iter()
                .map(|p| walk(&session.opener().path(p).unwrap()))
                .sum::<usize>()
        })
    });
    g.bench_function("msg_parser: parse", |b| {
        b.iter(|| {
            files
                .iter()
                .map(|p| msg_parser::Outlook::from_path(p).unwrap().subject.len())
                .sum::<usize>()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
