//! Compressed-RTF decompression and RTF de-encapsulation throughput, against
//! the floor of copying the same bytes, in one interleaved run (A B C, A B C,
//! …, so machine noise moves all three alike). Over every PR_RTF_COMPRESSED
//! of the public corpus when `OXMSG_CORPUS` is set, else over generated
//! HTML bodies.
//!
//! `cargo bench --bench rtf`

use std::hint::black_box;
use std::io::Read;
use std::time::{Duration, Instant};

use oxmsg::{body, tags, Session};

fn corpus_streams() -> Vec<Vec<u8>> {
    let Some(dir) = std::env::var_os("OXMSG_CORPUS") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(std::path::Path::new(&dir).join("public")) else {
        return out;
    };
    let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        let session = Session::new();
        let Ok(msg) = session.opener().path(&p) else { continue };
        let Ok(mut s) = msg.open_stream(tags::RTF_COMPRESSED) else {
            continue;
        };
        let mut bytes = Vec::new();
        if s.read_to_end(&mut bytes).is_ok() {
            out.push(bytes);
        }
    }
    out
}

fn generated_streams() -> Vec<Vec<u8>> {
    (1..=40)
        .map(|i| {
            let para = "<p>Quarterly figures for the <b>north</b> region &amp; notes, caf\u{e9}.</p>\r\n";
            let html = format!("<html><body>{}</body></html>", para.repeat(i * 10));
            body::compress(&body::rtf_from_html(&html))
        })
        .collect()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let mut streams = corpus_streams();
    let source = if streams.is_empty() {
        streams = generated_streams();
        "generated HTML bodies"
    } else {
        "the public corpus"
    };
    let rtfs: Vec<Vec<u8>> = streams
        .iter()
        .filter_map(|s| body::decompress(s, 1 << 30).ok())
        .collect();
    let compressed: usize = streams.iter().map(Vec::len).sum();
    let raw: usize = rtfs.iter().map(Vec::len).sum();
    println!(
        "{} compressed RTF streams from {source}: {compressed} bytes compressed, {raw} bytes of RTF",
        streams.len()
    );

    let (mut copy, mut decompress, mut deencap) = (Vec::new(), Vec::new(), Vec::new());
    let rounds = 31;
    for round in 0..rounds {
        // Rotate the order each round.
        for step in 0..3 {
            match (round + step) % 3 {
                0 => {
                    let t = Instant::now();
                    for r in &rtfs {
                        black_box(r.to_vec());
                    }
                    copy.push(t.elapsed());
                }
                1 => {
                    let t = Instant::now();
                    for s in &streams {
                        let _ = black_box(body::decompress(black_box(s), 1 << 30));
                    }
                    decompress.push(t.elapsed());
                }
                _ => {
                    let t = Instant::now();
                    for r in &rtfs {
                        let _ = black_box(body::html_from_any_rtf(black_box(r)));
                    }
                    deencap.push(t.elapsed());
                }
            }
        }
    }
    let mbs = |bytes: usize, d: Duration| bytes as f64 / d.as_secs_f64() / 1e6;
    let (c, d, e) = (median(copy), median(decompress), median(deencap));
    println!("medians of {rounds} interleaved rounds:");
    println!(
        "  copy the RTF (floor)          {:>10.3} ms  {:>9.1} MB/s of RTF",
        c.as_secs_f64() * 1e3,
        mbs(raw, c)
    );
    println!(
        "  decompress (LZFu/MELA, CRC)   {:>10.3} ms  {:>9.1} MB/s of RTF  ({:.1}x the floor)",
        d.as_secs_f64() * 1e3,
        mbs(raw, d),
        d.as_secs_f64() / c.as_secs_f64()
    );
    println!(
        "  HTML from RTF (de-encap/render) {:>8.3} ms  {:>9.1} MB/s of RTF  ({:.1}x the floor)",
        e.as_secs_f64() * 1e3,
        mbs(raw, e),
        e.as_secs_f64() / c.as_secs_f64()
    );
}
