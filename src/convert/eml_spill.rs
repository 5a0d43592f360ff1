//! Reading an .eml with its long base64 runs set aside, so that a big
//! attachment is never held in memory (issue 10's streaming requirement).
//!
//! mail-parser parses a `&[u8]` and decodes every part at once. So the
//! input is read line by line into a *skeleton*: the same bytes, except that
//! each run of base64 lines longer than a threshold, in the body of a part
//! whose header says `Content-Transfer-Encoding: base64`, goes to a
//! temporary file and the skeleton holds one short base64 word instead (the
//! run's *marker*: 32 characters that decode to 24 bytes no mail holds).
//! mail-parser parses the skeleton, where that part is tiny; `from_eml` then
//! finds the part whose body is exactly a marker and writes the attachment
//! by decoding the run from the file ([`RunDecoder`]), a chunk at a time,
//! with mail-parser's own base64 decoder.
//!
//! Which lines are bodies and which are headers is only guessed here (no
//! MIME parser of our own: a line starting with `--` starts a header block,
//! a blank line ends one). A wrong guess costs nothing but the saving:
//! `from_eml` uses the skeleton only when every marker is the whole body
//! of a base64 part of mail-parser's own parse, and otherwise puts the runs
//! back ([`Input::into_whole`]) and parses the input as it was read.
//!
//! What makes a marker part mean the same as the run it stands for: a run
//! holds only the base64 alphabet (`A-Za-z0-9+/=`) and line ends, so it has
//! no `-` (it never holds or breaks a boundary) and nothing that makes
//! mail-parser's base64 decoding fail; mail-parser walks the skeleton and
//! the input alike, part for part, and only the marker part's decoded bytes
//! differ (see `Diverted::bind` in `from_eml.rs`).

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};

use crate::error::{Error, Result};

use super::from_eml::MAX_EML_BYTES;

/// Runs of base64 lines longer than this many bytes are set aside while an
/// .eml is read (1 MiB).
pub(crate) const SPILL_THRESHOLD: usize = 1 << 20;

/// Bytes of a marker (decoded).
pub(super) const MARKER_LEN: usize = 24;
/// Characters of a marker (base64, no padding).
pub(super) const MARKER_TEXT_LEN: usize = 32;
/// The most bytes of a line handled at once (longer lines come in pieces).
const PIECE: u64 = 64 << 10;
/// The most bytes of one header field looked at (the rest is copied only).
const FIELD_CAP: usize = 16 << 10;
/// Bytes read from the temporary file per decoding step.
const DECODE_CHUNK: usize = 64 << 10;

/// One run set aside.
#[derive(Debug)]
pub(super) struct Run {
    /// Where its marker is in the skeleton.
    pub(super) at: usize,
    /// The marker, decoded.
    pub(super) marker: [u8; MARKER_LEN],
    /// The marker as the skeleton holds it.
    pub(super) text: [u8; MARKER_TEXT_LEN],
    /// Where the run's bytes are in the temporary file, and how many.
    start: u64,
    len: u64,
}

/// An .eml as read: the skeleton, the runs set aside, and what was counted
/// on the way.
#[derive(Debug)]
pub(super) struct Input {
    /// The input with each run replaced by its marker.
    pub(super) skeleton: Vec<u8>,
    /// The runs, in input order (so `at` ascends).
    pub(super) runs: Vec<Run>,
    /// How often the input (runs included) names `message/`, ASCII case
    /// ignored: what `MAX_MESSAGE_PARTS` bounds.
    pub(super) nested: u64,
    spill: Option<File>,
}

/// Reads `input` (at most [`MAX_EML_BYTES`]), setting aside base64 runs
/// longer than `threshold` bytes.
pub(super) fn read(input: impl Read, threshold: usize) -> Result<Input> {
    let mut reader = BufReader::with_capacity(PIECE as usize, input.take(MAX_EML_BYTES + 1));
    let mut scan = Scanner::new(threshold);
    let mut piece = Vec::with_capacity(PIECE as usize);
    let mut total = 0u64;
    loop {
        piece.clear();
        let n = (&mut reader)
            .take(PIECE)
            .read_until(b'\n', &mut piece)
            .map_err(|e| Error::io(e, "reading the .eml"))?;
        if n == 0 {
            break;
        }
        total += n as u64;
        if total > MAX_EML_BYTES {
            return Err(Error::LimitExceeded {
                limit: "MAX_EML_BYTES",
                value: total,
                max: MAX_EML_BYTES,
                path: "the .eml".into(),
            });
        }
        scan.nested.feed(&piece);
        scan.piece(&piece).map_err(spill_err)?;
    }
    scan.finish().map_err(spill_err)
}

fn spill_err(e: io::Error) -> Error {
    Error::io(e, "setting aside a base64 run of the .eml in a temporary file")
}

impl Input {
    /// The input as it was read (the runs put back in place of their
    /// markers), in the skeleton's own buffer, so that no more than the
    /// input is held.
    pub(super) fn into_whole(mut self) -> Result<Vec<u8>> {
        let err = |e| Error::io(e, "reading back a base64 run of the .eml");
        let mut skeleton = std::mem::take(&mut self.skeleton);
        if self.runs.iter().any(|r| r.len < MARKER_TEXT_LEN as u64) {
            // Only with a threshold below the marker's length (tests).
            let mut out = Vec::new();
            let mut at = 0;
            for (i, r) in self.runs.iter().enumerate() {
                out.extend_from_slice(&skeleton[at..r.at]);
                self.run_reader(i).read_to_end(&mut out).map_err(err)?;
                at = r.at + MARKER_TEXT_LEN;
            }
            out.extend_from_slice(&skeleton[at..]);
            return Ok(out);
        }
        // Every run is at least as long as its marker: from the last run to
        // the first, the bytes after a marker move back to where they were
        // read and the run is read in before them; nothing is moved over
        // bytes not moved yet.
        let grow: u64 = self.runs.iter().map(|r| r.len - MARKER_TEXT_LEN as u64).sum();
        let old_len = skeleton.len();
        let new_len = usize::try_from(old_len as u64 + grow)
            .map_err(|_| Error::io(io::ErrorKind::OutOfMemory.into(), "putting the .eml together again"))?;
        skeleton.resize(new_len, 0);
        let mut shift = usize::try_from(grow).unwrap_or(usize::MAX);
        let mut end = old_len;
        for (i, r) in self.runs.iter().enumerate().rev() {
            let len = r.len as usize;
            let after = r.at + MARKER_TEXT_LEN;
            skeleton.copy_within(after..end, after + shift);
            shift -= len - MARKER_TEXT_LEN;
            let slot = r.at + shift;
            self.run_reader(i)
                .read_exact(&mut skeleton[slot..slot + len])
                .map_err(err)?;
            end = r.at;
        }
        Ok(skeleton)
    }

    /// The bytes of run `i` as read (base64 text and line ends).
    fn run_reader(&self, i: usize) -> RunReader<'_> {
        let r = &self.runs[i];
        RunReader {
            file: self.spill.as_ref(),
            pos: r.start,
            end: r.start + r.len,
        }
    }

    /// What run `i` decodes to, as mail-parser decodes a base64 body.
    pub(super) fn decoded(&self, i: usize) -> RunDecoder<RunReader<'_>> {
        RunDecoder::new(self.run_reader(i))
    }

    /// The input bytes that `skeleton[from..]` stands for, runs put back:
    /// `None` when `from` falls inside a marker.
    pub(super) fn expanded_from(&self, from: usize) -> Option<Segments<'_>> {
        let mut parts = VecDeque::new();
        let mut at = from.min(self.skeleton.len());
        for (i, r) in self.runs.iter().enumerate() {
            if r.at + MARKER_TEXT_LEN <= at {
                continue;
            }
            if r.at < at {
                return None;
            }
            parts.push_back(Segment::Bytes(&self.skeleton[at..r.at]));
            parts.push_back(Segment::Run(self.run_reader(i)));
            at = r.at + MARKER_TEXT_LEN;
        }
        parts.push_back(Segment::Bytes(&self.skeleton[at..]));
        Some(Segments { parts })
    }
}

/// A run's bytes read back from the temporary file.
#[derive(Debug)]
pub(super) struct RunReader<'a> {
    file: Option<&'a File>,
    pos: u64,
    end: u64,
}

impl Read for RunReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let want = usize::try_from(self.end - self.pos)
            .unwrap_or(usize::MAX)
            .min(buf.len());
        if want == 0 {
            return Ok(0);
        }
        let mut f = self
            .file
            .ok_or_else(|| io::Error::other("a base64 run without its temporary file"))?;
        f.seek(SeekFrom::Start(self.pos))?;
        let n = f.read(&mut buf[..want])?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        self.pos += n as u64;
        Ok(n)
    }
}

/// Bytes of the skeleton and runs read back, one after the other.
pub(super) struct Segments<'a> {
    parts: VecDeque<Segment<'a>>,
}

enum Segment<'a> {
    Bytes(&'a [u8]),
    Run(RunReader<'a>),
}

impl<'a> Segments<'a> {
    /// Plain bytes.
    pub(super) fn bytes(b: &'a [u8]) -> Self {
        Segments {
            parts: VecDeque::from([Segment::Bytes(b)]),
        }
    }
}

impl Read for Segments<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        while let Some(front) = self.parts.front_mut() {
            let n = match front {
                Segment::Bytes(b) => {
                    let n = b.len().min(buf.len());
                    buf[..n].copy_from_slice(&b[..n]);
                    *b = &b[n..];
                    n
                }
                Segment::Run(r) => r.read(buf)?,
            };
            if n > 0 {
                return Ok(n);
            }
            self.parts.pop_front();
        }
        Ok(0)
    }
}

/// Base64 text decoded a chunk at a time with mail-parser's own decoder
/// (`mail_parser::decoders::base64::base64_decode`, the decoder of a base64
/// body but for the boundary), so the bytes are exactly mail-parser's:
/// each chunk ends where that decoder holds no partial quantum (after a
/// multiple of four alphabet characters since the last `=`), and a partial
/// quantum at the very end is dropped, as mail-parser drops it at a
/// boundary.
pub(super) struct RunDecoder<R> {
    src: R,
    /// Bytes read and not decoded yet: they start where the decoder holds
    /// no partial quantum.
    chunk: Vec<u8>,
    /// Characters of a partial quantum at the end of `chunk` (0 to 3).
    held: u8,
    /// The end of the longest prefix of `chunk` after which none is held.
    cut: usize,
    buf: Vec<u8>,
    out: Vec<u8>,
    pos: usize,
    eof: bool,
}

impl<R: Read> RunDecoder<R> {
    pub(super) fn new(src: R) -> Self {
        RunDecoder {
            src,
            chunk: Vec::new(),
            held: 0,
            cut: 0,
            buf: vec![0; DECODE_CHUNK],
            out: Vec::new(),
            pos: 0,
            eof: false,
        }
    }

    fn refill(&mut self) -> io::Result<()> {
        let n = loop {
            match self.src.read(&mut self.buf) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        };
        let new = &self.buf[..n];
        // As mail-parser's decoder counts: `=` ends a quantum, an alphabet
        // character adds to it, anything else is skipped. The characters
        // held at the end of the new bytes:
        // (`=` is rare: counted first, which is fast, looked for only when there.)
        let has_eq = new.iter().fold(false, |eq, &c| eq | (c == b'='));
        let last_eq = if has_eq {
            new.iter().rposition(|&c| c == b'=')
        } else {
            None
        };
        self.held = match last_eq {
            Some(eq) => (alphabet_count(&new[eq + 1..]) & 3) as u8,
            None => ((usize::from(self.held) + alphabet_count(new)) & 3) as u8,
        };
        self.chunk.extend_from_slice(new);
        self.cut = if n == 0 {
            self.eof = true;
            self.chunk.len()
        } else {
            // Back from the end to where none is held (at most three
            // alphabet characters back; the chunk starts with none held).
            let mut held = self.held;
            let mut cut = self.chunk.len();
            while held != 0 && cut > 0 {
                if is_alphabet(self.chunk[cut - 1]) {
                    held -= 1;
                }
                cut -= 1;
            }
            cut
        };
        if self.cut == 0 {
            self.out.clear();
        } else {
            self.out = mail_parser::decoders::base64::base64_decode(&self.chunk[..self.cut])
                .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "a base64 run that is not base64"))?;
            self.chunk.drain(..self.cut);
            self.cut = 0;
        }
        self.pos = 0;
        Ok(())
    }
}

impl<R: Read> Read for RunDecoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.out.len() {
            if self.eof {
                return Ok(0);
            }
            self.refill()?;
        }
        let n = buf.len().min(self.out.len() - self.pos);
        buf[..n].copy_from_slice(&self.out[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// A character of the base64 alphabet (`=` aside).
fn is_alphabet(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'+' || c == b'/'
}

/// How many characters of `b` are of the base64 alphabet (counted in
/// bytes, 255 at a time, which compilers turn into wide instructions).
fn alphabet_count(b: &[u8]) -> usize {
    b.chunks(255)
        .map(|c| usize::from(c.iter().fold(0u8, |n, &x| n + u8::from(is_alphabet(x)))))
        .sum()
}

/// A byte of a base64 run: the alphabet and `=`.
fn is_b64(c: u8) -> bool {
    is_alphabet(c) || c == b'='
}

/// How many bytes `b` starts with that may be in a base64 run.
fn b64_prefix(b: &[u8]) -> usize {
    // Most lines are base64 to the end: counted without stopping first.
    let body = b.strip_suffix(b"\n").unwrap_or(b);
    let body = body.strip_suffix(b"\r").unwrap_or(body);
    if !body.iter().fold(false, |bad, &c| bad | !is_b64(c)) {
        return body.len();
    }
    b.iter().take_while(|&&c| is_b64(c)).count()
}

/// Counts `message/` (ASCII case ignored) across pieces, as
/// `bytes.windows(8).filter(|w| w.eq_ignore_ascii_case(b"message/"))` over
/// the whole input would.
#[derive(Default)]
struct NeedleCount {
    /// The last bytes fed (up to 7).
    tail: [u8; 7],
    tail_len: usize,
    count: u64,
}

impl NeedleCount {
    const NEEDLE: &'static [u8] = b"message/";

    fn feed(&mut self, bytes: &[u8]) {
        const N: usize = 8;
        // Occurrences that start in the bytes fed before.
        let t = self.tail_len;
        let mut joined = [0u8; 2 * (N - 1)];
        joined[..t].copy_from_slice(&self.tail[..t]);
        let k = bytes.len().min(N - 1);
        joined[t..t + k].copy_from_slice(&bytes[..k]);
        self.count += joined[..t + k]
            .windows(N)
            .filter(|w| w.eq_ignore_ascii_case(Self::NEEDLE))
            .count() as u64;
        // Those within `bytes`, found by their `/`.
        self.count += bytes
            .iter()
            .enumerate()
            .filter(|&(i, &b)| {
                b == b'/' && i + 1 >= N && bytes[i + 1 - N..i].eq_ignore_ascii_case(&Self::NEEDLE[..N - 1])
            })
            .count() as u64;
        // The last 7 bytes of all fed.
        let keep = joined[..t + k].len().min(N - 1);
        if bytes.len() >= N - 1 {
            self.tail.copy_from_slice(&bytes[bytes.len() - (N - 1)..]);
        } else {
            let from = t + k - keep;
            self.tail[..keep].copy_from_slice(&joined[from..t + k]);
        }
        self.tail_len = if bytes.len() >= N - 1 { N - 1 } else { keep };
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// In a header block.
    Header,
    /// In a body; `true` when its header block said base64.
    Body(bool),
}

/// What the current line of a base64 body is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Line {
    /// Base64 so far: its bytes go to the run.
    Run,
    /// Base64, then a `\r` that ended its piece: a line end if `\n` follows.
    RunCr,
    /// Anything else: its bytes go to the skeleton.
    Other,
}

/// What a header block said.
#[derive(Default)]
struct Block {
    /// The field being read (unfolded, capped at [`FIELD_CAP`]).
    field: Vec<u8>,
    /// Content-Transfer-Encoding seen (the first one counts).
    cte_seen: bool,
    base64: bool,
    /// base64 or quoted-printable: a message/rfc822 so encoded is one body.
    encoded: bool,
    /// Content-Type message/rfc822 or message/global: another header block follows.
    message: bool,
}

impl Block {
    fn end_field(&mut self) {
        let field = std::mem::take(&mut self.field);
        let Some(colon) = field.iter().position(|&b| b == b':') else {
            return;
        };
        let name = field[..colon].trim_ascii();
        let value = field[colon + 1..].trim_ascii();
        if name.eq_ignore_ascii_case(b"content-transfer-encoding") && !self.cte_seen {
            self.cte_seen = true;
            self.base64 = value.eq_ignore_ascii_case(b"base64");
            self.encoded = self.base64 || value.eq_ignore_ascii_case(b"quoted-printable");
        } else if name.eq_ignore_ascii_case(b"content-type") {
            let v = value.to_ascii_lowercase();
            if v.starts_with(b"message/rfc822") || v.starts_with(b"message/global") {
                self.message = true;
            }
        }
    }
}

/// The run being read.
struct RunBuf {
    /// In the temporary file (else in `Scanner::pending`).
    spilled: bool,
    start: u64,
    len: u64,
}

struct Scanner {
    threshold: usize,
    skeleton: Vec<u8>,
    mode: Mode,
    /// Before the first header line (white-space lines are skipped there).
    leading: bool,
    /// The next piece starts a line.
    line_start: bool,
    /// Header mode: the line so far (capped); body: its first bytes.
    line: Vec<u8>,
    line_capped: bool,
    kind: Line,
    block: Block,
    run: Option<RunBuf>,
    /// A run's bytes while it is below the threshold.
    pending: Vec<u8>,
    /// The line end of the run's last line, placed when the run goes on or ends.
    held: &'static [u8],
    spill: Option<BufWriter<File>>,
    spill_len: u64,
    runs: Vec<Run>,
    nested: NeedleCount,
    seed: u64,
}

impl Scanner {
    fn new(threshold: usize) -> Self {
        use std::hash::BuildHasher;
        Scanner {
            threshold,
            skeleton: Vec::new(),
            mode: Mode::Header,
            leading: true,
            line_start: true,
            line: Vec::new(),
            line_capped: false,
            kind: Line::Other,
            block: Block::default(),
            run: None,
            pending: Vec::new(),
            held: b"",
            spill: None,
            spill_len: 0,
            runs: Vec::new(),
            nested: NeedleCount::default(),
            seed: std::collections::hash_map::RandomState::new().hash_one(0x006f_786d_7367_u64),
        }
    }

    /// One piece of a line: up to and including its `\n`, or [`PIECE`]
    /// bytes of it, or its end at the end of the input.
    fn piece(&mut self, p: &[u8]) -> io::Result<()> {
        let first = self.line_start;
        let ends = p.last() == Some(&b'\n');
        self.line_start = ends;
        if first {
            self.line.clear();
            self.line_capped = false;
        }
        match self.mode {
            Mode::Header => {
                self.skeleton.extend_from_slice(p);
                let room = FIELD_CAP.saturating_sub(self.line.len());
                self.line.extend_from_slice(&p[..p.len().min(room)]);
                self.line_capped |= p.len() > room;
                if ends {
                    self.header_line();
                }
            }
            Mode::Body(false) => {
                self.skeleton.extend_from_slice(p);
                self.note_line_head(p);
                if ends && self.line.starts_with(b"--") {
                    self.new_block();
                }
            }
            Mode::Body(true) => self.base64_piece(p, first, ends)?,
        }
        Ok(())
    }

    /// Keeps the first two bytes of a body line (to see a boundary).
    fn note_line_head(&mut self, p: &[u8]) {
        let room = 2usize.saturating_sub(self.line.len());
        self.line.extend_from_slice(&p[..p.len().min(room)]);
    }

    fn new_block(&mut self) {
        self.mode = Mode::Header;
        self.block = Block::default();
    }

    /// A complete header line (in `self.line`, with its `\n` unless capped).
    fn header_line(&mut self) {
        let line = std::mem::take(&mut self.line);
        let content = if self.line_capped {
            &line[..]
        } else {
            line.strip_suffix(b"\n").unwrap_or(&line)
        };
        if self.leading {
            // As `open_eml` skips them: lines of only white space (but not
            // a bare `\r`) before the first header.
            if !self.line_capped
                && !content.is_empty()
                && content.iter().all(|b| b.is_ascii_whitespace())
                && content != b"\r"
            {
                self.line = line;
                return;
            }
            self.leading = false;
        }
        let content = if self.line_capped {
            content
        } else {
            content.strip_suffix(b"\r").unwrap_or(content)
        };
        if content.is_empty() {
            self.block.end_field();
            let block = std::mem::take(&mut self.block);
            self.mode = if block.base64 {
                Mode::Body(true)
            } else if block.message && !block.encoded {
                Mode::Header
            } else {
                Mode::Body(false)
            };
        } else if content[0] == b' ' || content[0] == b'\t' {
            let room = FIELD_CAP.saturating_sub(self.block.field.len());
            self.block.field.extend_from_slice(&content[..content.len().min(room)]);
        } else {
            self.block.end_field();
            self.block
                .field
                .extend_from_slice(&content[..content.len().min(FIELD_CAP)]);
        }
        self.line = line;
    }

    fn base64_piece(&mut self, p: &[u8], first: bool, ends: bool) -> io::Result<()> {
        let mut rest = p;
        if first {
            self.note_line_head(p);
            if p.first().copied().is_some_and(is_b64) {
                self.kind = Line::Run;
                if self.run.is_none() {
                    self.run = Some(RunBuf {
                        spilled: false,
                        start: 0,
                        len: 0,
                    });
                } else {
                    let eol = std::mem::take(&mut self.held);
                    self.run_push(eol)?;
                }
            } else {
                self.end_run()?;
                self.kind = Line::Other;
            }
        } else {
            self.note_line_head(p);
        }
        if self.kind == Line::RunCr {
            if rest == b"\n" {
                self.held = b"\r\n";
                self.kind = Line::Run;
                return Ok(());
            }
            self.end_run()?;
            self.skeleton.push(b'\r');
            self.kind = Line::Other;
        }
        if self.kind == Line::Run {
            let k = b64_prefix(rest);
            self.run_push(&rest[..k])?;
            match &rest[k..] {
                b"" => return Ok(()),
                b"\n" => {
                    self.held = b"\n";
                    return Ok(());
                }
                b"\r\n" => {
                    self.held = b"\r\n";
                    return Ok(());
                }
                b"\r" => {
                    self.kind = Line::RunCr;
                    return Ok(());
                }
                tail => {
                    // Something else on the line: the run ends before it.
                    self.end_run()?;
                    self.kind = Line::Other;
                    rest = tail;
                }
            }
        }
        self.skeleton.extend_from_slice(rest);
        if ends && self.line.starts_with(b"--") {
            self.new_block();
        }
        Ok(())
    }

    fn run_push(&mut self, bytes: &[u8]) -> io::Result<()> {
        let Some(run) = self.run.as_mut() else {
            return Ok(());
        };
        run.len += bytes.len() as u64;
        if run.spilled {
            let w = self
                .spill
                .as_mut()
                .ok_or_else(|| io::Error::other("no temporary file"))?;
            w.write_all(bytes)?;
            self.spill_len += bytes.len() as u64;
            return Ok(());
        }
        self.pending.extend_from_slice(bytes);
        if self.pending.len() > self.threshold {
            if self.spill.is_none() {
                match tempfile::tempfile() {
                    Ok(f) => self.spill = Some(BufWriter::with_capacity(PIECE as usize, f)),
                    Err(_) => {
                        // No temporary file to be had: the runs stay in
                        // memory, as everything did before.
                        self.threshold = usize::MAX;
                        return Ok(());
                    }
                }
            }
            let w = self
                .spill
                .as_mut()
                .ok_or_else(|| io::Error::other("no temporary file"))?;
            w.write_all(&self.pending)?;
            run.start = self.spill_len;
            run.spilled = true;
            self.spill_len += self.pending.len() as u64;
            self.pending.clear();
        }
        Ok(())
    }

    /// Ends the run (if any): its marker, or its bytes when it stayed
    /// short, go to the skeleton, then the line end held back.
    fn end_run(&mut self) -> io::Result<()> {
        if let Some(run) = self.run.take() {
            if run.spilled {
                let (marker, text) = self.marker(self.runs.len());
                let at = self.skeleton.len();
                self.skeleton.extend_from_slice(&text);
                self.runs.push(Run {
                    at,
                    marker,
                    text,
                    start: run.start,
                    len: run.len,
                });
            } else {
                self.skeleton.extend_from_slice(&self.pending);
                self.pending.clear();
            }
        }
        let eol = std::mem::take(&mut self.held);
        self.skeleton.extend_from_slice(eol);
        Ok(())
    }

    /// A marker no input holds by chance: a fixed tag, a random number (drawn
    /// per .eml read) and the run's index; its text never names `message/`.
    fn marker(&mut self, index: usize) -> ([u8; MARKER_LEN], [u8; MARKER_TEXT_LEN]) {
        use base64::Engine as _;
        loop {
            self.seed = self.seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut marker = [0u8; MARKER_LEN];
            marker[..12].copy_from_slice(b"\0oxmsg-spill");
            marker[12..20].copy_from_slice(&self.seed.to_le_bytes());
            marker[20..].copy_from_slice(&(index as u32).to_be_bytes());
            let mut text = [0u8; MARKER_TEXT_LEN];
            let n = base64::engine::general_purpose::STANDARD
                .encode_slice(marker, &mut text)
                .unwrap_or(0);
            let names_message = text
                .windows(NeedleCount::NEEDLE.len())
                .any(|w| w.eq_ignore_ascii_case(NeedleCount::NEEDLE));
            if n == MARKER_TEXT_LEN && !names_message {
                return (marker, text);
            }
        }
    }

    fn finish(mut self) -> io::Result<Input> {
        let cr = self.mode == Mode::Body(true) && self.kind == Line::RunCr;
        self.end_run()?;
        if cr {
            self.skeleton.push(b'\r');
        }
        let spill = match self.spill {
            Some(w) => {
                let f = w.into_inner().map_err(|e| e.into_error())?;
                Some(f)
            }
            None => None,
        };
        Ok(Input {
            skeleton: self.skeleton,
            runs: self.runs,
            nested: self.nested.count,
            spill,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(data: &[u8], width: usize, eol: &str) -> String {
        use base64::Engine as _;
        let text = base64::engine::general_purpose::STANDARD.encode(data);
        let mut out = String::new();
        for chunk in text.as_bytes().chunks(width) {
            out.push_str(std::str::from_utf8(chunk).unwrap());
            out.push_str(eol);
        }
        out
    }

    fn data(n: usize) -> Vec<u8> {
        (0..n as u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect()
    }

    fn eml(body: &str, eol: &str) -> String {
        format!(
            "From: a@example.com{eol}Subject: s{eol}Content-Type: multipart/mixed; boundary=b{eol}{eol}--b{eol}\
             Content-Type: application/octet-stream; name=x.bin{eol}Content-Transfer-Encoding: base64{eol}{eol}\
             {body}--b--{eol}"
        )
    }

    #[test]
    fn a_long_run_is_set_aside_and_put_back() {
        for eol in ["\r\n", "\n"] {
            let text = eml(&b64(&data(5000), 76, eol), eol);
            let input = read(text.as_bytes(), 1000).unwrap();
            assert_eq!(input.runs.len(), 1);
            let r = &input.runs[0];
            assert_eq!(&input.skeleton[r.at..r.at + MARKER_TEXT_LEN], &r.text[..]);
            // The marker stands alone on its line, the line end after it.
            assert_eq!(input.skeleton[r.at - 1], b'\n');
            assert!(input.skeleton[r.at + MARKER_TEXT_LEN..].starts_with(format!("{eol}--b--").as_bytes()));
            assert!(input.skeleton.len() < 400, "{}", input.skeleton.len());
            assert_eq!(
                mail_parser::decoders::base64::base64_decode(&r.text).unwrap(),
                r.marker.to_vec()
            );
            assert_eq!(input.into_whole().unwrap(), text.as_bytes());
        }
    }

    #[test]
    fn several_runs_are_put_back_in_place() {
        let part = |n: usize| {
            format!(
                "--b\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\n{}",
                b64(&data(n), 76, "\r\n")
            )
        };
        let text = format!(
            "From: a@example.com\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n{}{}{}{}--b--\r\n",
            part(4000),
            part(100),
            part(9000),
            part(1500)
        );
        let input = read(text.as_bytes(), 1000).unwrap();
        assert_eq!(input.runs.len(), 3);
        assert_eq!(input.into_whole().unwrap(), text.as_bytes());
        // Runs shorter than a marker (a threshold of 0) are put back too.
        let input = read(text.as_bytes(), 0).unwrap();
        assert_eq!(input.runs.len(), 4);
        let short = "From: a@example.com\r\nContent-Transfer-Encoding: base64\r\n\r\nQQ==\r\n";
        let input = read(short.as_bytes(), 0).unwrap();
        assert!(input.runs[0].len < MARKER_TEXT_LEN as u64);
        assert_eq!(input.into_whole().unwrap(), short.as_bytes());
    }

    #[test]
    fn short_runs_and_other_bodies_stay() {
        let text = eml(&b64(&data(500), 76, "\r\n"), "\r\n");
        let input = read(text.as_bytes(), 1000).unwrap();
        assert!(input.runs.is_empty());
        assert_eq!(input.skeleton, text.as_bytes());
        // Not base64: a 7bit part of base64-looking lines stays.
        let text = text.replace("Content-Transfer-Encoding: base64", "Content-Transfer-Encoding: 7bit");
        let input = read(text.as_bytes(), 0).unwrap();
        assert!(input.runs.is_empty());
        assert_eq!(input.skeleton, text.as_bytes());
    }

    #[test]
    fn folded_and_odd_case_headers_are_read() {
        let body = b64(&data(3000), 76, "\r\n");
        let text = eml(&body, "\r\n").replace(
            "Content-Transfer-Encoding: base64",
            "content-TRANSFER-encoding:\r\n\tBASE64",
        );
        let input = read(text.as_bytes(), 1000).unwrap();
        assert_eq!(input.runs.len(), 1);
        assert_eq!(input.into_whole().unwrap(), text.as_bytes());
    }

    #[test]
    fn a_run_ends_at_anything_but_base64() {
        // A line with a space ends the run in the middle of the line; a
        // bare CR ends it; the bytes after stay in the skeleton.
        let body = b64(&data(3000), 76, "\r\n");
        for odd in [" tail\r\n", "\rXYZ\r\n", "\r", "!\r\n", "\r\n\r\n"] {
            let text = eml(&format!("{}{odd}{body}", body.trim_end()), "\r\n");
            let input = read(text.as_bytes(), 1000).unwrap();
            assert!(!input.runs.is_empty(), "{odd:?}");
            assert_eq!(input.into_whole().unwrap(), text.as_bytes(), "{odd:?}");
        }
        // At the very end, without a line end, and with a lone CR.
        for end in ["", "\r"] {
            let text = format!("{}{end}", eml(&body, "\r\n").split("--b--").next().unwrap().trim_end());
            let input = read(text.as_bytes(), 1000).unwrap();
            assert_eq!(input.runs.len(), 1, "{end:?}");
            assert_eq!(input.into_whole().unwrap(), text.as_bytes(), "{end:?}");
        }
    }

    #[test]
    fn lines_longer_than_a_piece_are_read_in_pieces() {
        // One line of 300 KiB of base64, then a line that turns out not to
        // be base64 after 100 KiB.
        let one = b64(&data(300 << 10), usize::MAX, "\r\n");
        let bad = format!("{}!\r\n", &one[..100 << 10]);
        for body in [one.clone(), format!("{one}{bad}"), format!("{bad}{one}")] {
            let text = eml(&body, "\r\n");
            let input = read(text.as_bytes(), 1000).unwrap();
            assert!(!input.runs.is_empty());
            assert_eq!(input.into_whole().unwrap(), text.as_bytes());
        }
        // A CR at the very end of a piece, before its LF.
        let line = format!("{}\r\n", "QUJD".repeat((PIECE as usize - 1) / 4));
        let text = eml(&line.repeat(3), "\r\n");
        let input = read(text.as_bytes(), 1000).unwrap();
        assert_eq!(input.runs.len(), 1);
        assert_eq!(input.into_whole().unwrap(), text.as_bytes());
    }

    #[test]
    fn the_decoder_gives_mail_parsers_bytes() {
        use mail_parser::decoders::base64::base64_decode;
        let texts: Vec<Vec<u8>> = vec![
            b64(&data(200_000), 76, "\r\n").into_bytes(),
            b64(&data(200_001), 76, "\n").into_bytes(),
            b64(&data(200_002), 72, "\r\n").into_bytes(),
            b64(&data(100_000), usize::MAX, "").into_bytes(),
            // Truncated last quantum, padding in the middle, odd line lengths.
            b"QUJDRA\r\nQQ==QUJD\r\nQUI=QQ\r\nQ".repeat(5000),
            b"QUJ\r\nDRE\r\nVG\r\n=\r\n==\r\nQUJ".repeat(7000),
        ];
        for t in &texts {
            let mut out = Vec::new();
            RunDecoder::new(&t[..]).read_to_end(&mut out).unwrap();
            assert_eq!(out, base64_decode(t).unwrap());
            // A reader that gives one byte at a time.
            struct Slow<'a>(&'a [u8]);
            impl Read for Slow<'_> {
                fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                    let n = self.0.len().min(buf.len()).min(1);
                    buf[..n].copy_from_slice(&self.0[..n]);
                    self.0 = &self.0[n..];
                    Ok(n)
                }
            }
            let t = &t[..t.len().min(20_000)];
            let mut slow = Vec::new();
            RunDecoder::new(Slow(t)).read_to_end(&mut slow).unwrap();
            assert_eq!(slow, base64_decode(t).unwrap());
        }
        // And what mail-parser's MIME parser gives the part.
        let t = &texts[4];
        let text = eml(std::str::from_utf8(t).unwrap(), "\r\n");
        let parsed = mail_parser::MessageParser::default().parse(text.as_bytes()).unwrap();
        let mail_parser::PartType::Binary(b) = &parsed.parts[1].body else {
            panic!()
        };
        let mut out = Vec::new();
        RunDecoder::new(&t[..]).read_to_end(&mut out).unwrap();
        assert_eq!(out, b.as_ref());
    }

    #[test]
    fn message_is_counted_across_pieces_and_runs() {
        let mut n = NeedleCount::default();
        for piece in [&b"xx mess"[..], b"AGE/ message/", b"messagemessage/", b"m", b"essage/"] {
            n.feed(piece);
        }
        assert_eq!(n.count, 4);
        // Any split of the input counts what `windows` counts over it whole.
        let text = b"message/MESSAGE/mmessage/ message//essage/messag/message/x".repeat(7);
        let want = text.windows(8).filter(|w| w.eq_ignore_ascii_case(b"message/")).count() as u64;
        for step in 1..20 {
            let mut n = NeedleCount::default();
            let mut at = 0;
            let mut size = 1;
            while at < text.len() {
                let end = (at + size).min(text.len());
                n.feed(&text[at..end]);
                at = end;
                size = size % step + 1;
            }
            assert_eq!(n.count, want, "{step}");
        }
        let text = eml(
            &format!("bWVzc2FnZS8messAGE/\r\n{}", b64(&data(3000), 76, "\r\n")),
            "\r\n",
        );
        let input = read(text.as_bytes(), 100).unwrap();
        assert_eq!(input.runs.len(), 1);
        let nested = input.nested;
        let whole = input.into_whole().unwrap();
        let windows = whole.windows(8).filter(|w| w.eq_ignore_ascii_case(b"message/")).count() as u64;
        assert_eq!(nested, windows);
        assert_eq!(nested, 1);
    }
}
