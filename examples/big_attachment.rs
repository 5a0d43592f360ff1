//! Streams a large attachment into a .msg and back out, and reports the
//! process's peak memory: attachment data goes through temporary files and
//! compound-file streams, never whole into memory.
//!
//! `cargo run --release --example big_attachment [MEGABYTES]` (default 200).

use std::io::{self, Read};

use oxmsg::{tags, Session};
use sha2::{Digest, Sha256};

/// `len` bytes of a fixed pseudo-random sequence, generated as read.
struct Pattern {
    left: u64,
    state: u64,
}

impl Read for Pattern {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len().min(self.left as usize);
        for b in &mut buf[..n] {
            self.state = self
                .state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            *b = (self.state >> 56) as u8;
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// Hashes what is written to it.
struct HashWriter(Sha256);

impl io::Write for HashWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Peak resident set size in KiB (Linux), from /proc/self/status.
fn peak_rss_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mb: u64 = std::env::args().nth(1).map(|a| a.parse()).transpose()?.unwrap_or(200);
    let len = mb << 20;
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("big.msg");

    let mut expected = HashWriter(Sha256::new());
    io::copy(&mut Pattern { left: len, state: 1 }, &mut expected)?;
    let expected = expected.0.finalize();

    let session = Session::new();
    {
        let mut msg = session.opener().create(&path)?;
        msg.set(tags::SUBJECT, "A large attachment")?;
        let att = msg.create_attachment()?;
        att.set(tags::ATTACH_LONG_FILENAME, "big.bin")?;
        let n = att.write_data(&mut Pattern { left: len, state: 1 })?;
        assert_eq!(n, len);
        att.save_changes()?;
        drop(att);
        msg.save_changes()?;
    }
    println!(
        "written {} MiB: file {} bytes, peak RSS {} KiB",
        mb,
        std::fs::metadata(&path)?.len(),
        peak_rss_kib().unwrap_or(0)
    );

    let msg = session.opener().path(&path)?;
    let att = msg.open_attachment(0)?;
    let mut data = att.data()?;
    let mut got = HashWriter(Sha256::new());
    let n = io::copy(&mut data, &mut got)?;
    let got = got.0.finalize();
    println!(
        "read back {} bytes, sha256 {}",
        n,
        if got == expected { "matches" } else { "DIFFERS" }
    );
    let peak = peak_rss_kib().unwrap_or(0);
    println!("peak RSS {} KiB ({:.1} MiB)", peak, peak as f64 / 1024.0);
    if got != expected || n != len {
        return Err("data differs".into());
    }
    Ok(())
}
