//! Helpers shared by the corpus, code-page, round-trip and proptest tests.
//!
//! Nothing here decides what is right: expected values come from the
//! independent reader's records (`$OXMSG_CORPUS/expected/*.json`, made by
//! Python extract-msg 0.57) or from the specifications. These helpers only
//! load them, hash, parse dates and count agreements.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::io::Read;
use std::path::{Path, PathBuf};

use oxmsg::{FileTime, PropValue};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The corpus folder named by `OXMSG_CORPUS`, or `None` (the caller prints
/// that it was skipped and returns).
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("OXMSG_CORPUS")?;
    let dir = PathBuf::from(dir);
    assert!(
        dir.join("expected").is_dir() && dir.join("public").is_dir(),
        "OXMSG_CORPUS={} has no expected/ and public/ folders",
        dir.display()
    );
    Some(dir)
}

/// Returns the corpus folder, or prints the skip line and returns `None`.
#[macro_export]
macro_rules! corpus_or_skip {
    () => {
        match common::corpus_dir() {
            Some(d) => d,
            None => {
                eprintln!("skipped: OXMSG_CORPUS not set");
                return;
            }
        }
    };
}

/// One corpus file with the independent reader's record of it.
pub struct Record {
    /// The file name without `.msg`.
    pub name: String,
    /// `public/<name>.msg`.
    pub msg: PathBuf,
    /// `expected/<name>.json`.
    pub json: Value,
    /// The MANIFEST.tsv features column.
    pub features: String,
}

impl Record {
    /// `"ok": false` (the reader could not open it) or `broken` in the manifest.
    pub fn is_broken(&self) -> bool {
        self.json.get("ok") != Some(&Value::Bool(true)) || self.features.split_whitespace().any(|f| f == "broken")
    }
    pub fn ok(&self) -> bool {
        !self.is_broken()
    }
    pub fn raw_props(&self) -> &serde_json::Map<String, Value> {
        self.json["raw_props"].as_object().expect("raw_props object")
    }
    pub fn raw_string8(&self) -> Option<&serde_json::Map<String, Value>> {
        self.json
            .get("raw_string8")
            .and_then(|v| v.as_object())
            .filter(|m| !m.is_empty())
    }
    /// The record's raw_props value of `tag`, if any.
    pub fn raw(&self, tag: u32) -> Option<&Value> {
        self.raw_props().get(&tag_key(tag))
    }
}

/// `"0x0037001F"`, the key form of the records.
pub fn tag_key(tag: u32) -> String {
    format!("0x{tag:08X}")
}

pub fn parse_tag_key(k: &str) -> u32 {
    u32::from_str_radix(k.trim_start_matches("0x"), 16).expect("tag key")
}

/// The MANIFEST.tsv features column by file name (with `.msg`).
pub fn manifest(dir: &Path) -> HashMap<String, String> {
    let text = std::fs::read_to_string(dir.join("MANIFEST.tsv")).expect("MANIFEST.tsv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split('\t').collect();
    let file_col = header.iter().position(|h| *h == "file").expect("file column");
    let feat_col = header
        .iter()
        .position(|h| h.starts_with("features"))
        .expect("features column");
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            (
                cols[file_col].to_string(),
                cols.get(feat_col).unwrap_or(&"").to_string(),
            )
        })
        .collect()
}

/// Every `expected/<name>.json` that has its `public/<name>.msg`, sorted by name.
pub fn records(dir: &Path) -> Vec<Record> {
    let man = manifest(dir);
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir.join("expected")).expect("expected/") {
        let p = e.expect("dir entry").path();
        if p.extension().and_then(|x| x.to_str()) != Some("json") {
            continue;
        }
        let name = p.file_stem().unwrap().to_string_lossy().into_owned();
        let msg = dir.join("public").join(format!("{name}.msg"));
        if !msg.is_file() {
            continue;
        }
        let json: Value = serde_json::from_str(&std::fs::read_to_string(&p).expect("read json")).expect("json");
        let features = man.get(&format!("{name}.msg")).cloned().unwrap_or_default();
        out.push(Record {
            name,
            msg,
            json,
            features,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    assert!(!out.is_empty(), "no records in {}", dir.display());
    out
}

pub fn sha256_hex(b: &[u8]) -> String {
    hex(&Sha256::digest(b))
}

pub fn hex(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        write!(s, "{x:02x}").unwrap();
    }
    s
}

pub fn unhex(s: &str) -> Vec<u8> {
    assert!(s.len() % 2 == 0, "odd hex {s}");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

pub fn strip_nuls(s: &str) -> &str {
    s.trim_end_matches('\0')
}

pub fn strip_nul_bytes(b: &[u8]) -> &[u8] {
    let mut n = b.len();
    while n > 0 && b[n - 1] == 0 {
        n -= 1;
    }
    &b[..n]
}

/// Reads a whole stream.
pub fn read_all(mut r: impl Read) -> Vec<u8> {
    let mut v = Vec::new();
    r.read_to_end(&mut v).expect("read stream");
    v
}

/// Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's
/// `days_from_civil`), written here independently of oxmsg's own converter.
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Microseconds since the Unix epoch of an ISO 8601 date-time as Python's
/// `isoformat()` or RFC 3339 writes it: `YYYY-MM-DDTHH:MM:SS[.f+][Z|±HH:MM]`.
/// A naive time (no offset) is read as UTC.
pub fn parse_iso_micros(s: &str) -> Option<i128> {
    let b = s.as_bytes();
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || (b[10] != b'T' && b[10] != b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, mo, d, h, mi, se) = (
        num(0..4)?,
        num(5..7)?,
        num(8..10)?,
        num(11..13)?,
        num(14..16)?,
        num(17..19)?,
    );
    let mut rest = &s[19..];
    let mut micros: i128 = 0;
    if let Some(r) = rest.strip_prefix('.') {
        let digits: String = r.chars().take_while(|c| c.is_ascii_digit()).collect();
        rest = &r[digits.len()..];
        let mut frac = digits.clone();
        frac.truncate(6);
        while frac.len() < 6 {
            frac.push('0');
        }
        micros = frac.parse::<i128>().ok()?;
    }
    let offset_secs: i64 = match rest {
        "" | "Z" => 0,
        o if o.len() == 6 && (o.starts_with('+') || o.starts_with('-')) => {
            let sign = if o.starts_with('-') { -1 } else { 1 };
            sign * (o[1..3].parse::<i64>().ok()? * 3600 + o[4..6].parse::<i64>().ok()? * 60)
        }
        _ => return None,
    };
    let secs = days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + se - offset_secs;
    Some(secs as i128 * 1_000_000 + micros)
}

/// 100-ns ticks from 1601-01-01 to 1970-01-01 (MS-DTYP 2.3.3).
pub const UNIX_EPOCH_TICKS: i128 = 116_444_736_000_000_000;

/// Microseconds since the Unix epoch of a FILETIME, truncated as Python's
/// `datetime` (microsecond resolution) truncates it.
pub fn filetime_micros(t: FileTime) -> i128 {
    (t.0 as i128 - UNIX_EPOCH_TICKS).div_euclid(10)
}

/// Equality of property values with floats compared by their bits (so NaN
/// equals itself and 0.0 differs from -0.0).
pub fn value_eq(a: &PropValue, b: &PropValue) -> bool {
    use PropValue::*;
    match (a, b) {
        (R4(x), R4(y)) => x.to_bits() == y.to_bits(),
        (Double(x), Double(y)) | (AppTime(x), AppTime(y)) => x.to_bits() == y.to_bits(),
        (MvR4(x), MvR4(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| p.to_bits() == q.to_bits()),
        (MvDouble(x), MvDouble(y)) | (MvAppTime(x), MvAppTime(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| p.to_bits() == q.to_bits())
        }
        _ => a == b,
    }
}

/// A short printable form of a value for messages.
pub fn short(v: &PropValue) -> String {
    let s = format!("{v:?}");
    if s.len() > 160 {
        format!(
            "{}…",
            &s[..s
                .char_indices()
                .take_while(|(i, _)| *i < 160)
                .last()
                .map(|(i, c)| i + c.len_utf8())
                .unwrap_or(0)]
        )
    } else {
        s
    }
}

pub fn short_json(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 160 {
        format!("{}…", s.chars().take(160).collect::<String>())
    } else {
        s
    }
}

/// Agreement counts per field: how many comparisons agreed, which were
/// excused by a documented, spec-justified exception, and which disagreed.
#[derive(Default)]
pub struct Tally {
    fields: BTreeMap<String, FieldTally>,
}

#[derive(Default)]
pub struct FieldTally {
    pub agree: usize,
    /// (file, what, why it is excused)
    pub excused: Vec<String>,
    /// (file, what)
    pub disagree: Vec<String>,
}

impl Tally {
    pub fn agree(&mut self, field: &str) {
        self.fields.entry(field.to_string()).or_default().agree += 1;
    }
    pub fn excuse(&mut self, field: &str, file: &str, why: impl AsRef<str>) {
        self.fields
            .entry(field.to_string())
            .or_default()
            .excused
            .push(format!("{file}: {}", why.as_ref()));
    }
    pub fn disagree(&mut self, field: &str, file: &str, what: impl AsRef<str>) {
        self.fields
            .entry(field.to_string())
            .or_default()
            .disagree
            .push(format!("{file}: {}", what.as_ref()));
    }
    /// `ok` → agree, else disagree with `what`.
    pub fn check(&mut self, field: &str, file: &str, ok: bool, what: impl FnOnce() -> String) {
        if ok {
            self.agree(field)
        } else {
            self.disagree(field, file, what())
        }
    }

    /// Prints "field: a/n agree (x excused); disagreements: …".
    pub fn print(&self, title: &str) {
        eprintln!("=== {title} ===");
        for (name, f) in &self.fields {
            let n = f.agree + f.excused.len() + f.disagree.len();
            eprintln!(
                "{name}: {}/{n} agree, {} excused by documented exceptions, {} disagree",
                f.agree,
                f.excused.len(),
                f.disagree.len()
            );
            for (i, e) in f.excused.iter().enumerate() {
                if i == 12 {
                    eprintln!("    excused: … and {} more", f.excused.len() - 12);
                    break;
                }
                eprintln!("    excused: {e}");
            }
            for d in &f.disagree {
                eprintln!("    DISAGREE: {d}");
            }
        }
    }

    pub fn total_disagreements(&self) -> usize {
        self.fields.values().map(|f| f.disagree.len()).sum()
    }

    pub fn field(&self, name: &str) -> Option<&FieldTally> {
        self.fields.get(name)
    }

    /// Disagreements of every field except `except`.
    pub fn disagreements_except(&self, except: &[&str]) -> Vec<String> {
        self.fields
            .iter()
            .filter(|(n, _)| !except.contains(&n.as_str()))
            .flat_map(|(n, f)| f.disagree.iter().map(move |d| format!("{n}: {d}")))
            .collect()
    }
}

/// Every entry of a compound file: path → (is_stream, length, CLSID).
pub fn cfb_tree(path: &Path) -> BTreeMap<String, (bool, u64, String)> {
    let (cf, _) = cfb_open_lenient(path);
    cfb_tree_of(&cf)
}

/// Opens a compound file with the `cfb` crate; a file shorter than its FAT
/// says (MS-CFB 2.3: the FAT may describe free sectors past the end, which
/// olefile and Windows accept, the `cfb` crate does not) is read from a
/// zero-padded copy. Returns the note when padding was needed.
pub fn cfb_open_lenient(path: &Path) -> (cfb::CompoundFile<std::io::Cursor<Vec<u8>>>, Option<String>) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    match cfb::CompoundFile::open(std::io::Cursor::new(bytes.clone())) {
        Ok(cf) => (cf, None),
        Err(first) => {
            let nfat = u32_at(&bytes, 0x2C) as usize;
            let mut padded = bytes.clone();
            padded.resize((1 + 128 * nfat) * 512, 0);
            let cf = cfb::CompoundFile::open(std::io::Cursor::new(padded))
                .unwrap_or_else(|e| panic!("cfb cannot open {} even zero-padded: {first}; {e}", path.display()));
            (
                cf,
                Some(format!(
                    "cfb refuses the file as is ({first}); read from a zero-padded copy"
                )),
            )
        }
    }
}

pub fn cfb_tree_of<F>(cf: &cfb::CompoundFile<F>) -> BTreeMap<String, (bool, u64, String)> {
    cf.walk()
        .map(|e| {
            (
                e.path().to_string_lossy().replace('\\', "/"),
                (
                    e.is_stream(),
                    e.len(),
                    e.clsid().hyphenated().to_string().to_ascii_uppercase(),
                ),
            )
        })
        .collect()
}

/// The bytes of one stream of a compound file.
pub fn cfb_stream(path: &Path, stream: &str) -> Vec<u8> {
    let (mut cf, _) = cfb_open_lenient(path);
    let s = cf
        .open_stream(stream)
        .unwrap_or_else(|e| panic!("{stream} in {}: {e}", path.display()));
    read_all(s)
}

/// One entry of a property stream (MS-OXMSG 2.4.2), parsed here by hand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawEntry {
    pub tag: u32,
    pub flags: u32,
    pub value: [u8; 8],
}

impl RawEntry {
    /// The Size field of a variable-length entry (MS-OXMSG 2.4.2.2).
    pub fn size(&self) -> u32 {
        u32::from_le_bytes(self.value[0..4].try_into().unwrap())
    }
}

/// The header and 16-byte entries of a `__properties_version1.0` stream:
/// `header_len` is 32 for a top-level message, 24 for an embedded one, 8
/// for recipients and attachments (MS-OXMSG 2.4.1).
pub fn parse_prop_stream(bytes: &[u8], header_len: usize) -> (Vec<u8>, Vec<RawEntry>) {
    assert!(bytes.len() >= header_len, "property stream shorter than its header");
    let entries = bytes[header_len..]
        .chunks_exact(16)
        .map(|c| RawEntry {
            tag: u32::from_le_bytes(c[0..4].try_into().unwrap()),
            flags: u32::from_le_bytes(c[4..8].try_into().unwrap()),
            value: c[8..16].try_into().unwrap(),
        })
        .collect();
    (bytes[..header_len].to_vec(), entries)
}

pub fn u32_at(b: &[u8], off: usize) -> u32 {
    u32::from_le_bytes(b[off..off + 4].try_into().unwrap())
}

/// A temporary copy of `src` in a fresh temporary folder.
pub fn temp_copy(src: &Path) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let dst = dir.path().join(src.file_name().unwrap());
    std::fs::copy(src, &dst).expect("copy");
    (dir, dst)
}

pub fn file_sha(path: &Path) -> String {
    sha256_hex(&std::fs::read(path).expect("read file"))
}

/// `save_changes`, and when the message was read with skipped items, the
/// explicit choice to save without them: the first save must refuse with
/// `DamageNotAccepted`, listing items the message also reports in its
/// warnings. Returns whether damage had to be accepted.
pub fn save_accepting_damage(m: &mut oxmsg::Message<'_, oxmsg::ReadWrite>) -> oxmsg::Result<bool> {
    match m.save_changes() {
        Ok(()) => Ok(false),
        Err(oxmsg::Error::DamageNotAccepted { skipped }) => {
            let warnings = m.warnings();
            assert!(!skipped.is_empty());
            for s in &skipped {
                assert!(
                    warnings.contains(s),
                    "skipped item {s:?} is not among the warnings {warnings:?}"
                );
            }
            m.accept_damage().unwrap();
            m.save_changes().map(|()| true)
        }
        Err(e) => Err(e),
    }
}
