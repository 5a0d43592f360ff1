//! CopyTo speed: every readable corpus file (or a few generated messages
//! without `OXMSG_CORPUS`) copied whole (properties, recipients,
//! attachments, embedded messages) into a new message of another session
//! and written, against the floor of opening the same file and writing it
//! back untouched (which copies storages byte for byte).
//!
//! Run: `OXMSG_CORPUS=../shared/corpus cargo bench --bench copy`. Prints
//! the median of 7 passes over all files for each.

use std::io::Cursor;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use oxmsg::{tags, CopyOptions, Session};

fn inputs() -> Vec<Vec<u8>> {
    if let Some(dir) = std::env::var_os("OXMSG_CORPUS") {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(PathBuf::from(dir).join("public"))
            .expect("corpus folder")
            .map(|e| e.unwrap().path())
            .collect();
        paths.sort();
        return paths
            .into_iter()
            .filter(|p| {
                let s = Session::new();
                let ok = s.opener().path(p).map(|m| m.warnings().is_empty()).unwrap_or(false);
                ok
            })
            .map(|p| std::fs::read(p).unwrap())
            .collect();
    }
    let s = Session::new();
    (0..8)
        .map(|i| {
            let m = s.opener().create_in_memory().unwrap();
            m.set(tags::SUBJECT, format!("Message {i}")).unwrap();
            m.set(tags::BODY, "Body text. ".repeat(500)).unwrap();
            for r in 0..5 {
                m.add_recipient(oxmsg::RecipientType::To, &format!("R{r}"), &format!("r{r}@example.com"))
                    .unwrap();
            }
            for a in 0..3u8 {
                let att = m.create_attachment().unwrap();
                att.set(tags::ATTACH_LONG_FILENAME, format!("file{a}.bin")).unwrap();
                att.write_data(&mut &vec![a; 20_000 * (i + 1)][..]).unwrap();
                att.save_changes().unwrap();
            }
            m.to_bytes().unwrap()
        })
        .collect()
}

fn untouched_save(bytes: &[u8]) -> usize {
    let s = Session::new();
    let m = s.opener().reader(Cursor::new(bytes.to_vec())).unwrap();
    m.to_bytes().unwrap().len()
}

fn copy_to(bytes: &[u8]) -> usize {
    let s1 = Session::new();
    let src = s1.opener().reader(Cursor::new(bytes.to_vec())).unwrap();
    let s2 = Session::new();
    let dst = s2.opener().create_in_memory().unwrap();
    src.copy_to(&dst, &CopyOptions::all()).unwrap();
    dst.to_bytes().unwrap().len()
}

fn median(f: impl Fn() -> usize) -> (Duration, usize) {
    let mut times = Vec::new();
    let mut out = 0;
    for _ in 0..7 {
        let t = Instant::now();
        out = std::hint::black_box(f());
        times.push(t.elapsed());
    }
    times.sort();
    (times[3], out)
}

fn main() {
    let files = inputs();
    let total: usize = files.iter().map(Vec::len).sum();
    println!("{} files, {:.1} MiB", files.len(), total as f64 / (1 << 20) as f64);
    let (t, n) = median(|| files.iter().map(|b| untouched_save(b)).sum());
    println!(
        "open + untouched save: {:>8.1} ms per pass ({n} bytes written)",
        t.as_secs_f64() * 1e3
    );
    let (t, n) = median(|| files.iter().map(|b| copy_to(b)).sum());
    println!(
        "open + CopyTo + save:  {:>8.1} ms per pass ({n} bytes written)",
        t.as_secs_f64() * 1e3
    );
}
