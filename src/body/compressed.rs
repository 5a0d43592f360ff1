//! Compressed RTF (`PR_RTF_COMPRESSED`) as specified by [MS-OXRTFCP].
//!
//! The codec is written here rather than taken from the `compressed-rtf`
//! crate: it is about 200 lines, follows the specification's sections 2.1
//! and 3.1–3.3 step by step, and lets every bound be checked where the spec
//! leaves it open (RAWSIZE against the caller's limit before any allocation,
//! output never past RAWSIZE, the MELA size quirk of some writers).
//!
//! Format (section 2.1): a 16-byte header of four little-endian `u32`s —
//! COMPSIZE (stream length − 4), RAWSIZE (length of the RTF), COMPTYPE
//! (`LZFu` compressed, `MELA` uncompressed) and CRC (section 3.1.3, over the
//! compressed content; 0 for MELA) — then the content. LZFu content is runs of
//! one control byte and eight tokens (a literal byte, or a big-endian 16-bit
//! reference of a 12-bit dictionary offset and a 4-bit length − 2) against a
//! 4096-byte circular dictionary preloaded with 207 bytes of common RTF.
//!
//! [MS-OXRTFCP]: https://learn.microsoft.com/en-us/openspecs/exchange_server_protocols/ms-oxrtfcp/

use std::io::{self, Write};

use super::RtfError;

/// COMPTYPE of compressed content: the bytes `LZFu`.
pub const COMPRESSED: u32 = 0x7546_5A4C;
/// COMPTYPE of uncompressed content: the bytes `MELA`.
pub const UNCOMPRESSED: u32 = 0x414C_454D;

const HEADER_LEN: usize = 16;
const DICT_SIZE: usize = 4096;
const DICT_MASK: usize = DICT_SIZE - 1;
const MAX_MATCH: usize = 17;

/// The dictionary preload of MS-OXRTFCP section 3.1.1 (207 bytes).
const PRELOAD: &[u8; 207] = b"{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss \\fmodern \\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier{\\colortbl\\red0\\green0\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx";

/// The CRC of MS-OXRTFCP section 3.1.3: CRC-32 with initial value 0 and no
/// final XOR (unlike zlib's).
pub fn crc32(bytes: &[u8]) -> u32 {
    crate::format::crc::crc32(bytes)
}

fn u32_at(bytes: &[u8], offset: usize) -> u32 {
    let mut word = [0u8; 4];
    word.copy_from_slice(&bytes[offset..offset + 4]);
    u32::from_le_bytes(word)
}

/// Decompresses a `PR_RTF_COMPRESSED` stream (MS-OXRTFCP section 3.2).
///
/// - `LZFu`: the CRC over the content (the COMPSIZE − 12 bytes after the
///   header) is verified; the output stops at RAWSIZE; bytes after COMPSIZE
///   are ignored.
/// - `MELA`: the content is the RTF itself. Some writers (aspose) give a
///   RAWSIZE 12 more than the bytes present; the result is the bytes present,
///   at most RAWSIZE of them. COMPSIZE and CRC are not checked.
///
/// # Guarantees
///
/// RAWSIZE is checked against `max_size` before anything is allocated; at
/// most `min(RAWSIZE, max_size)` bytes are reserved and the output never
/// exceeds RAWSIZE. Never panics.
///
/// # Errors
///
/// [`RtfError::Truncated`] (header, content or a reference cut short),
/// [`RtfError::BadCompSize`], [`RtfError::BadCompType`], [`RtfError::BadCrc`],
/// [`RtfError::TooLarge`] (RAWSIZE > `max_size`), [`RtfError::MissingEnd`]
/// (the content ends without the end reference before RAWSIZE bytes).
///
/// # MAPI
///
/// What `WrapCompressedRTFStream` without `MAPI_MODIFY` gives a reader of
/// `PR_RTF_COMPRESSED`.
pub fn decompress(bytes: &[u8], max_size: u64) -> Result<Vec<u8>, RtfError> {
    decompress_checked(bytes, max_size, true)
}

/// [`decompress`] without the CRC check of `LZFu` content.
///
/// For readers that follow the digest's advice on third-party files (a CRC
/// mismatch is a warning, the data is still read): call [`decompress`], and
/// on [`RtfError::BadCrc`] report it and call this. Every other check and
/// bound of [`decompress`] applies.
///
/// # Errors
///
/// As [`decompress`], except [`RtfError::BadCrc`].
pub fn decompress_ignoring_crc(bytes: &[u8], max_size: u64) -> Result<Vec<u8>, RtfError> {
    decompress_checked(bytes, max_size, false)
}

fn decompress_checked(bytes: &[u8], max_size: u64, check_crc: bool) -> Result<Vec<u8>, RtfError> {
    if bytes.len() < HEADER_LEN {
        return Err(RtfError::Truncated {
            offset: bytes.len(),
            what: "16-byte header",
        });
    }
    let comp_size = u32_at(bytes, 0);
    let raw_size = u32_at(bytes, 4);
    let comp_type = u32_at(bytes, 8);
    let stored_crc = u32_at(bytes, 12);
    if comp_type != COMPRESSED && comp_type != UNCOMPRESSED {
        return Err(RtfError::BadCompType { comp_type });
    }
    if u64::from(raw_size) > max_size {
        return Err(RtfError::TooLarge { raw_size, max_size });
    }
    let raw_size_usize = usize::try_from(raw_size).unwrap_or(usize::MAX);
    if comp_type == UNCOMPRESSED {
        let content = &bytes[HEADER_LEN..];
        return Ok(content[..content.len().min(raw_size_usize)].to_vec());
    }
    if comp_size < 12 {
        return Err(RtfError::BadCompSize { comp_size });
    }
    let end = usize::try_from(u64::from(comp_size) + 4).unwrap_or(usize::MAX);
    if end > bytes.len() {
        return Err(RtfError::Truncated {
            offset: bytes.len(),
            what: "content announced by COMPSIZE",
        });
    }
    let content = &bytes[HEADER_LEN..end];
    let computed = crc32(content);
    if check_crc && computed != stored_crc {
        return Err(RtfError::BadCrc {
            stored: stored_crc,
            computed,
        });
    }
    lzfu_decode(content, raw_size_usize, raw_size)
}

/// The decoder loop of MS-OXRTFCP section 3.2.2 over the content after the
/// header; `limit` is RAWSIZE.
fn lzfu_decode(content: &[u8], limit: usize, raw_size: u32) -> Result<Vec<u8>, RtfError> {
    let mut dict = [0u8; DICT_SIZE];
    dict[..PRELOAD.len()].copy_from_slice(PRELOAD);
    let mut wpos = PRELOAD.len();
    // A reference yields at most 17 bytes per 2 input bytes: never reserve
    // more than that ratio allows.
    let mut out = Vec::with_capacity(limit.min(content.len().saturating_mul(9)));
    let mut pos = 0;
    let offset_of = |pos: usize| pos + HEADER_LEN;
    while pos < content.len() {
        let control = content[pos];
        pos += 1;
        for bit in 0..8 {
            if pos >= content.len() {
                break;
            }
            if control & (1 << bit) == 0 {
                let b = content[pos];
                pos += 1;
                if out.len() < limit {
                    out.push(b);
                }
                dict[wpos] = b;
                wpos = (wpos + 1) & DICT_MASK;
            } else {
                if pos + 1 >= content.len() {
                    return Err(RtfError::Truncated {
                        offset: offset_of(pos),
                        what: "second byte of a reference",
                    });
                }
                let reference = u16::from_be_bytes([content[pos], content[pos + 1]]);
                pos += 2;
                let mut offset = usize::from(reference >> 4);
                let len = usize::from(reference & 0xF) + 2;
                if offset == wpos {
                    return Ok(out);
                }
                for _ in 0..len {
                    let b = dict[offset];
                    offset = (offset + 1) & DICT_MASK;
                    if out.len() < limit {
                        out.push(b);
                    }
                    dict[wpos] = b;
                    wpos = (wpos + 1) & DICT_MASK;
                }
            }
        }
        if out.len() >= limit {
            // Everything RAWSIZE announced is there; what follows can only be
            // the end reference and padding.
            return Ok(out);
        }
    }
    if out.len() < limit {
        return Err(RtfError::MissingEnd {
            offset: offset_of(content.len()),
            produced: out.len(),
            raw_size,
        });
    }
    Ok(out)
}

/// Compresses RTF into a `PR_RTF_COMPRESSED` stream (`LZFu`, MS-OXRTFCP
/// section 3.3), header and CRC included.
///
/// Greedy longest match (2 to 17 bytes, overlapping the write position
/// allowed) against the dictionary with its preload, found through hash
/// chains of 2-byte prefixes (at most 512 candidates per position). On
/// equal lengths the oldest dictionary position wins, as in the spec's
/// worked examples, which this reproduces byte for byte; the search stops
/// early at a match of the longest possible length.
///
/// # Panics
///
/// Never; RTF longer than 4 GiB − 17 cannot be described by the header and
/// is cut to that length (bodies that size do not occur).
///
/// # MAPI
///
/// What `WrapCompressedRTFStream(MAPI_MODIFY)` writes on commit.
pub fn compress(rtf: &[u8]) -> Vec<u8> {
    let rtf = &rtf[..rtf.len().min(u32::MAX as usize - 17)];
    let mut out = vec![0u8; HEADER_LEN];
    Compressor::new().run(rtf, &mut out);
    let comp_size = (out.len() - 4) as u32;
    let crc = crc32(&out[HEADER_LEN..]);
    out[0..4].copy_from_slice(&comp_size.to_le_bytes());
    out[4..8].copy_from_slice(&(rtf.len() as u32).to_le_bytes());
    out[8..12].copy_from_slice(&COMPRESSED.to_le_bytes());
    out[12..16].copy_from_slice(&crc.to_le_bytes());
    out
}

/// The compressor's dictionary with hash chains over 2-byte prefixes.
struct Compressor {
    dict: [u8; DICT_SIZE],
    wpos: usize,
    /// Most recent dictionary position whose two bytes hash to the index.
    head: Vec<u16>,
    /// Previous position in the same chain; `NONE` ends it.
    prev: Vec<u16>,
}

const NONE: u16 = u16::MAX;
/// How many chain entries a search looks at: a bound on work per byte.
const MAX_CHAIN: usize = 512;

impl Compressor {
    fn new() -> Self {
        let mut c = Compressor {
            dict: [0; DICT_SIZE],
            wpos: 0,
            head: vec![NONE; 1 << 16],
            prev: vec![NONE; DICT_SIZE],
        };
        for &b in PRELOAD {
            c.put(b);
        }
        c
    }

    fn key(a: u8, b: u8) -> usize {
        usize::from(a) << 8 | usize::from(b)
    }

    /// Appends a byte at the write position and indexes the pair that now
    /// ends there.
    fn put(&mut self, b: u8) {
        self.dict[self.wpos] = b;
        let start = (self.wpos + DICT_SIZE - 1) & DICT_MASK;
        let key = Self::key(self.dict[start], b);
        self.prev[start] = self.head[key];
        self.head[key] = start as u16;
        self.wpos = (self.wpos + 1) & DICT_MASK;
    }

    /// Length of the match of `input` at dictionary position `p`, reading as
    /// the decoder would: bytes it has already rewritten during this copy are
    /// the input's own.
    fn match_len(&self, p: usize, input: &[u8]) -> usize {
        let max = input.len().min(MAX_MATCH);
        let mut k = 0;
        while k < max {
            let q = (p + k) & DICT_MASK;
            let back = (q + DICT_SIZE - self.wpos) & DICT_MASK;
            let byte = if back < k { input[back] } else { self.dict[q] };
            if byte != input[k] {
                break;
            }
            k += 1;
        }
        k
    }

    /// Age of a dictionary position: smaller is older.
    fn age(&self, p: usize) -> usize {
        (p + DICT_SIZE - self.wpos - 1) & DICT_MASK
    }

    fn longest_match(&self, input: &[u8]) -> (usize, usize) {
        let mut best = (0, 0);
        if input.len() < 2 {
            return best;
        }
        let consider = |p: usize, best: &mut (usize, usize)| {
            if p == self.wpos {
                return;
            }
            let len = self.match_len(p, input);
            if len > best.1 || (len == best.1 && len >= 2 && self.age(p) < self.age(best.0)) {
                *best = (p, len);
            }
        };
        let longest_possible = input.len().min(MAX_MATCH);
        let mut p = self.head[Self::key(input[0], input[1])];
        let mut steps = 0;
        // The chain runs newest first: once a match is as long as can be,
        // older ones can only tie, which is not worth the walk.
        while p != NONE && steps < MAX_CHAIN && best.1 < longest_possible {
            consider(usize::from(p), &mut best);
            p = self.prev[usize::from(p)];
            steps += 1;
        }
        // The chain cannot see a match that starts at the last byte written
        // (its pair is not complete yet): runs need it.
        consider((self.wpos + DICT_SIZE - 1) & DICT_MASK, &mut best);
        best
    }

    fn run(&mut self, rtf: &[u8], out: &mut Vec<u8>) {
        let mut i = 0;
        let mut control_at = out.len();
        out.push(0);
        let mut bit = 0;
        loop {
            if bit == 8 {
                control_at = out.len();
                out.push(0);
                bit = 0;
            }
            if i >= rtf.len() {
                out[control_at] |= 1 << bit;
                let end = (self.wpos as u16) << 4;
                out.extend_from_slice(&end.to_be_bytes());
                return;
            }
            let (p, len) = self.longest_match(&rtf[i..]);
            if len >= 2 {
                out[control_at] |= 1 << bit;
                let reference = (p as u16) << 4 | (len - 2) as u16;
                out.extend_from_slice(&reference.to_be_bytes());
                for &b in &rtf[i..i + len] {
                    self.put(b);
                }
                i += len;
            } else {
                out.push(rtf[i]);
                self.put(rtf[i]);
                i += 1;
            }
            bit += 1;
        }
    }
}

/// A writer that compresses the RTF written to it into a `PR_RTF_COMPRESSED`
/// stream on [`finish`](Self::finish).
///
/// The RTF is buffered in memory until `finish` (bodies are small, and the
/// header, written first, needs the sizes and CRC of everything); nothing
/// reaches the inner writer before then, so dropping the writer unfinished
/// writes nothing.
///
/// # MAPI
///
/// `WrapCompressedRTFStream(MAPI_MODIFY)`: the caller writes uncompressed RTF,
/// the wrapped stream holds it compressed once committed (`finish`).
#[derive(Debug)]
pub struct CompressedRtfWriter<W: Write> {
    inner: W,
    rtf: Vec<u8>,
}

impl<W: Write> CompressedRtfWriter<W> {
    /// A writer that will write the compressed stream to `inner`.
    pub fn new(inner: W) -> Self {
        CompressedRtfWriter { inner, rtf: Vec::new() }
    }

    /// Compresses everything written so far, writes the stream (header
    /// first) to the inner writer, flushes it, and returns it.
    ///
    /// # Errors
    ///
    /// Any error of the inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.inner.write_all(&compress(&self.rtf))?;
        self.inner.flush()?;
        Ok(self.inner)
    }
}

impl<W: Write> Write for CompressedRtfWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let room = (u32::MAX as usize - 17).saturating_sub(self.rtf.len());
        if room == 0 && !buf.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "compressed RTF cannot exceed 4 GiB",
            ));
        }
        let n = buf.len().min(room);
        self.rtf.extend_from_slice(&buf[..n]);
        Ok(n)
    }

    /// Does nothing: the stream is only written by [`finish`](Self::finish).
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// MS-OXRTFCP 4.1: compressing with no dictionary references... and
    /// 4.2: with dictionary references (the two spec vectors).
    const SPEC_SIMPLE_RTF: &[u8] = b"{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n";
    const SPEC_SIMPLE: &str = "2d0000002b0000004c5a4675f1c5c7a703000a007263706731323542320af32068656c0900206277\
                               05b06c647d0a800fa0";
    const SPEC_RUNS_RTF: &[u8] = b"{\\rtf1 WXYZWXYZWXYZWXYZWXYZ}";
    const SPEC_RUNS: &str = "1a0000001c0000004c5a4675e2d44b5141000420 5758595a0d6e7d010eb0";

    #[test]
    fn preload_is_207_bytes() {
        assert_eq!(PRELOAD.len(), 207);
    }

    #[test]
    fn spec_example_simple_decompresses() {
        assert_eq!(decompress(&hex(SPEC_SIMPLE), 1 << 20).unwrap(), SPEC_SIMPLE_RTF);
    }

    #[test]
    fn spec_example_runs_decompresses() {
        assert_eq!(decompress(&hex(SPEC_RUNS), 1 << 20).unwrap(), SPEC_RUNS_RTF);
    }

    #[test]
    fn spec_examples_compress_byte_for_byte() {
        assert_eq!(compress(SPEC_SIMPLE_RTF), hex(SPEC_SIMPLE));
        assert_eq!(compress(SPEC_RUNS_RTF), hex(SPEC_RUNS));
    }

    #[test]
    fn spec_crc_matches_header() {
        let stream = hex(SPEC_RUNS);
        assert_eq!(crc32(&stream[16..]), 0x514B_D4E2);
    }

    #[test]
    fn uncompressed_mela() {
        // MS-OXRTFCP 4.3: COMPTYPE MELA, CRC 0, the RTF follows.
        let rtf = b"{\\rtf1\\ansi\\ansicpg1252\\pard test}";
        let mut stream = Vec::new();
        stream.extend_from_slice(&((rtf.len() + 12) as u32).to_le_bytes());
        stream.extend_from_slice(&(rtf.len() as u32).to_le_bytes());
        stream.extend_from_slice(&UNCOMPRESSED.to_le_bytes());
        stream.extend_from_slice(&0u32.to_le_bytes());
        stream.extend_from_slice(rtf);
        assert_eq!(decompress(&stream, 1 << 20).unwrap(), rtf);
        // RAWSIZE 12 too large (aspose): the bytes present.
        stream[4..8].copy_from_slice(&((rtf.len() + 12) as u32).to_le_bytes());
        assert_eq!(decompress(&stream, 1 << 20).unwrap(), rtf);
        // RAWSIZE smaller: cut there.
        stream[4..8].copy_from_slice(&5u32.to_le_bytes());
        assert_eq!(decompress(&stream, 1 << 20).unwrap(), &rtf[..5]);
    }

    #[test]
    fn huge_rawsize_is_refused_before_allocating() {
        let mut stream = hex(SPEC_RUNS);
        stream[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(
            decompress(&stream, 1 << 20),
            Err(RtfError::TooLarge {
                raw_size: u32::MAX,
                max_size: 1 << 20
            })
        );
    }

    #[test]
    fn truncated_and_corrupted_inputs_are_errors() {
        let stream = hex(SPEC_SIMPLE);
        for cut in 0..stream.len() {
            assert!(decompress(&stream[..cut], 1 << 20).is_err(), "cut at {cut}");
        }
        for i in 16..stream.len() {
            let mut bad = stream.clone();
            bad[i] ^= 0x55;
            assert!(
                matches!(decompress(&bad, 1 << 20), Err(RtfError::BadCrc { .. })),
                "byte {i}"
            );
            // Without the CRC check: some other error or some output, never a panic.
            let _ = decompress_ignoring_crc(&bad, 1 << 20);
        }
        let mut bad_crc = hex(SPEC_SIMPLE);
        bad_crc[12] ^= 1;
        assert_eq!(decompress_ignoring_crc(&bad_crc, 1 << 20).unwrap(), SPEC_SIMPLE_RTF);
        let mut bad = stream.clone();
        bad[8] = b'X';
        assert!(matches!(decompress(&bad, 1 << 20), Err(RtfError::BadCompType { .. })));
        let mut bad = stream;
        bad[0..4].copy_from_slice(&3u32.to_le_bytes());
        assert_eq!(decompress(&bad, 1 << 20), Err(RtfError::BadCompSize { comp_size: 3 }));
    }

    #[test]
    fn output_stops_at_rawsize() {
        let mut stream = hex(SPEC_RUNS);
        stream[4..8].copy_from_slice(&10u32.to_le_bytes());
        assert_eq!(decompress(&stream, 1 << 20).unwrap(), &SPEC_RUNS_RTF[..10]);
    }

    #[test]
    fn writer_matches_compress() {
        let mut w = CompressedRtfWriter::new(Vec::new());
        w.write_all(&SPEC_SIMPLE_RTF[..10]).unwrap();
        w.write_all(&SPEC_SIMPLE_RTF[10..]).unwrap();
        assert_eq!(w.finish().unwrap(), hex(SPEC_SIMPLE));
    }

    #[test]
    fn empty_and_long_runs_round_trip() {
        for input in [&b""[..], &[0u8; 5000][..], &[b'a'; 70][..], b"\x00\x01"] {
            assert_eq!(decompress(&compress(input), 1 << 20).unwrap(), input);
        }
        let compressed = compress(&[b'x'; 10_000]);
        assert!(compressed.len() < 1500, "runs compress: {}", compressed.len());
    }

    proptest::proptest! {
        #[test]
        fn compress_round_trips(input in proptest::collection::vec(proptest::num::u8::ANY, 0..3000)) {
            proptest::prop_assert_eq!(decompress(&compress(&input), 1 << 20).unwrap(), input);
        }

        #[test]
        fn compress_round_trips_rtf_like(input in "[{}\\\\a-z0-9 \\r\\n\u{0}\u{80}-\u{ff}]{0,2000}") {
            let input = input.as_bytes();
            proptest::prop_assert_eq!(decompress(&compress(input), 1 << 20).unwrap(), input);
        }

        #[test]
        fn decompress_never_panics(content in proptest::collection::vec(proptest::num::u8::ANY, 0..300), raw in 0u32..5000) {
            // A valid header and CRC around random content, so that the
            // decoder loop itself is exercised.
            let mut stream = Vec::new();
            stream.extend_from_slice(&((content.len() + 12) as u32).to_le_bytes());
            stream.extend_from_slice(&raw.to_le_bytes());
            stream.extend_from_slice(&COMPRESSED.to_le_bytes());
            stream.extend_from_slice(&crc32(&content).to_le_bytes());
            stream.extend_from_slice(&content);
            if let Ok(out) = decompress(&stream, 4096) {
                proptest::prop_assert!(out.len() <= raw as usize);
            }
        }
    }
}
