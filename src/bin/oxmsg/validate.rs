//! `oxmsg validate`: "will Outlook open this?". Checks a file against what
//! MS-OXMSG requires and what Outlook needs (the checklist of the spec
//! digest, section 3.11), at the byte level (the compound file, the
//! property streams, the named-property map) and then through the library
//! (every property, recipient, attachment, embedded message and body read).
//!
//! Each finding names its rule (a stable id, listed in [`RULES`]), its
//! level, where it is (the storage or stream path) and what is wrong.
//! `error`: a rule of MS-OXMSG or of Outlook is broken (Outlook refuses the
//! file, misreads it, or it does not say what a reader needs). `warning`:
//! allowed but known to trouble some readers (old Outlook versions,
//! scanners).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::io::{Cursor, Read};

use oxmsg::Session;

use crate::json::{chain, message_json};

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Allowed, but known to trouble some readers.
    Warning,
    /// Breaks a rule of MS-OXMSG or of Outlook.
    Error,
}

/// One thing wrong with a file.
#[derive(Clone, Debug)]
pub struct Finding {
    /// How bad it is.
    pub level: Level,
    /// The rule (an id of [`RULES`]).
    pub rule: &'static str,
    /// Where: a storage or stream path (`/` for the root).
    pub at: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.level {
            Level::Error => "error",
            Level::Warning => "warning",
        };
        write!(f, "{level}: [{}] {}: {}", self.rule, self.at, self.message)
    }
}

/// Every rule: id, and what it checks (with its source). `oxmsg validate
/// --rules` prints this table.
pub const RULES: &[(&str, &str)] = &[
    ("compound-file", "a well-formed MS-CFB compound file (version 3, 512-byte sectors, as Outlook writes); a file that only a lenient reader opens is a warning"),
    ("root-clsid", "the root storage's CLSID is CLSID_MailMessage {00020D0B-0000-0000-C000-000000000046} (KB171907; a warning: older Outlook versions wrote none, scanners and some readers want it)"),
    ("nameid", "__nameid_version1.0 at the top level with its GUID (00020102), entry (00030102) and string (00040102) streams, of whole records, with GUID indexes, string offsets and property indexes in range (MS-OXMSG 2.2.3)"),
    ("nameid-in-embedded", "no __nameid_version1.0 inside an embedded message (MS-OXMSG 2.2.3)"),
    ("property-stream", "every message, recipient and attachment storage has __properties_version1.0 with its header (32 bytes top level, 24 embedded, 8 recipient/attachment) and whole 16-byte entries (MS-OXMSG 2.4)"),
    ("header-counts", "the header's next ids are above every storage number (an error: a new recipient or attachment would overwrite one), and its recipient and attachment counts equal the storages present (a warning: readers trust the storages) (MS-OXMSG 2.4.1)"),
    ("storage-names", "recipient and attachment storages are named __recip_version1.0_#XXXXXXXX / __attach_version1.0_#XXXXXXXX, value streams __substg1.0_XXXXXXXX[-XXXXXXXX], with 8 hex digits (MS-OXMSG 2.2)"),
    ("count-limit", "at most 2048 recipients and 2048 attachments per message (MS-OXMSG 2.2.1, 2.2.2)"),
    ("string-mode", "PR_STORE_SUPPORT_MASK has STORE_UNICODE_OK exactly when the strings are PT_UNICODE, and string types are not mixed (MS-OXMSG 2.1.1.1)"),
    ("message-class", "PR_MESSAGE_CLASS present on every message (Outlook chooses the form with it)"),
    ("message-flags", "PR_MESSAGE_FLAGS present and sane (warnings): MSGFLAG_HASATTACH iff there are attachments; a draft (MSGFLAG_UNSENT) has no delivery time; a mail that is not a draft was sent or received (a submit or delivery time)"),
    ("rtf-with-html", "an HTML body (PR_HTML) comes with PR_RTF_COMPRESSED, which Outlook displays and edits (MS-OXCMSG 2.2.1.56, MS-OXRTFEX)"),
    ("entry-stream", "every variable-length entry has its stream with the right Size (+2 PT_UNICODE, +1 PT_STRING8, 0xFFFFFFFF objects; a string Size without the terminator, which Outlook itself writes, is a warning), fixed-length values have none, no stream without an entry (a warning) (MS-OXMSG 2.4.2)"),
    ("multi-value", "multi-valued properties: a length stream of whole 4- or 8-byte records, one value stream per value with the length it declares, fixed-size values in whole elements (MS-OXMSG 2.1.4)"),
    ("empty-string", "no zero-length PT_STRING8 / PT_UNICODE stream: Outlook 2003-2010 refuse such files (MS-OXMSG 2.4.2.2)"),
    ("attachment", "each attachment has PR_ATTACH_METHOD, and its content matches it: data for by-value (1), a message storage for embedded (5), a storage for OLE (6)"),
    ("embedded-clsid", "an embedded message's storage carries CLSID_MailMessage, as Outlook writes it"),
    ("readable", "the library reads every property, recipient, attachment, embedded message and body without an error or a warning"),
];

/// CLSID_MailMessage as stored on disk (mixed-endian).
const CLSID_MAIL_MESSAGE: [u8; 16] = [0x0B, 0x0D, 0x02, 0, 0, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46];
const STORE_UNICODE_OK: u32 = 0x0004_0000;
const MSGFLAG_UNSENT: u32 = 0x8;
const MSGFLAG_HASATTACH: u32 = 0x10;
const MAX_CHILDREN: usize = 2048;
/// Problems listed one by one for one multi-valued property.
const MAX_LISTED: usize = 10;
/// Deepest embedded message followed (the library's default limit too).
const MAX_DEPTH: usize = 64;

/// What validating a file gave: the findings, or that it could not be read
/// at all (`oxmsg validate` exits 2 then).
pub enum Outcome {
    /// The file was read; these are its findings (empty: it passes).
    Checked(Vec<Finding>),
    /// Neither a compound-file reader nor the library could read it.
    Unreadable(String),
}

/// Validates the bytes of a .msg file.
pub fn validate(bytes: Vec<u8>) -> Outcome {
    let mut v = Validator::default();
    // The byte level, with a plain MS-CFB reader: what Outlook's own
    // compound-file layer would see.
    let cf_error = match cfb::CompoundFile::open_strict(Cursor::new(&bytes[..])) {
        Ok(cf) => {
            v.check_file(cf);
            None
        }
        Err(strict) => match cfb::CompoundFile::open(Cursor::new(&bytes[..])) {
            Ok(cf) => {
                v.add(
                    Level::Warning,
                    "compound-file",
                    "/",
                    format!("only a lenient MS-CFB reader opens it: {strict}"),
                );
                v.check_file(cf);
                None
            }
            Err(e) => Some(e),
        },
    };
    // The library level: read everything.
    let session = Session::new();
    match session.opener().reader(Cursor::new(bytes)) {
        Ok(msg) => {
            if let Some(e) = &cf_error {
                v.add(
                    Level::Error,
                    "compound-file",
                    "/",
                    format!("a standard MS-CFB reader refuses it (oxmsg repaired it to read it): {e}"),
                );
            }
            if let Err(e) = message_json(&msg) {
                let text = match e {
                    crate::json::Failure::Read(m) => m,
                    crate::json::Failure::Write(e) => chain(&e),
                };
                v.add(Level::Error, "readable", "/", text);
            }
            for w in msg.warnings() {
                v.add(
                    Level::Error,
                    "readable",
                    &w.path,
                    format!("{} ({:?})", w.reason, w.kind),
                );
            }
        }
        // Unreadable for both layers: nothing can be said about its rules.
        Err(e) if cf_error.is_some() => return Outcome::Unreadable(chain(&e)),
        Err(e) => v.add(
            Level::Error,
            "readable",
            "/",
            format!("oxmsg cannot open it: {}", chain(&e)),
        ),
    }
    v.findings
        .sort_by(|a, b| b.level.cmp(&a.level).then_with(|| a.at.cmp(&b.at)));
    Outcome::Checked(v.findings)
}

/// What kind of message storage is being checked.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    TopLevel,
    Embedded,
    Child,
}

impl Kind {
    fn header(self) -> u64 {
        match self {
            Kind::TopLevel => 32,
            Kind::Embedded => 24,
            Kind::Child => 8,
        }
    }
}

/// One entry of a property stream.
struct Entry {
    tag: u32,
    value: [u8; 8],
}

impl Entry {
    fn ptype(&self) -> u16 {
        (self.tag & 0xFFFF) as u16
    }
    fn size(&self) -> u32 {
        u32::from_le_bytes([self.value[0], self.value[1], self.value[2], self.value[3]])
    }
    fn long(&self) -> u32 {
        self.size()
    }
}

#[derive(Default)]
struct Validator {
    findings: Vec<Finding>,
    /// String types seen anywhere in the file (0x001E, 0x001F).
    string_types: BTreeSet<u16>,
    /// Where the first string of each type was seen.
    string_at: BTreeMap<u16, String>,
    /// PR_STORE_SUPPORT_MASK of the top-level message.
    store_mask: Option<u32>,
}

fn path_str(p: &std::path::Path) -> String {
    let s = p.to_string_lossy().replace('\\', "/");
    if s.is_empty() {
        "/".to_string()
    } else {
        s
    }
}

fn is_fixed(t: u16) -> bool {
    matches!(
        t,
        0x0002 | 0x0003 | 0x0004 | 0x0005 | 0x0006 | 0x0007 | 0x000A | 0x000B | 0x0014 | 0x0040
    )
}

/// Element size of a fixed-length multi-valued type.
fn mv_fixed_size(t: u16) -> Option<u64> {
    Some(match t {
        0x1002 => 2,
        0x1003 | 0x1004 => 4,
        0x1005 | 0x1006 | 0x1007 | 0x1014 | 0x1040 => 8,
        0x1048 => 16,
        _ => return None,
    })
}

/// Eight hex digits (either case: compound-file names compare without
/// regard to case, and Outlook finds lower-case ones).
fn is_hex8(s: &str) -> bool {
    s.len() == 8 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `name` without `prefix`, compared without regard to ASCII case.
fn strip_prefix_ci<'a>(name: &'a str, prefix: &str) -> Option<&'a str> {
    let head = name.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &name[prefix.len()..])
}

impl Validator {
    fn add(&mut self, level: Level, rule: &'static str, at: &str, message: impl Into<String>) {
        self.findings.push(Finding {
            level,
            rule,
            at: at.to_string(),
            message: message.into(),
        });
    }

    fn check_file<F: Read + std::io::Seek>(&mut self, mut cf: cfb::CompoundFile<F>) {
        if cf.version() != cfb::Version::V3 {
            self.add(
                Level::Warning,
                "compound-file",
                "/",
                "version 4 (4096-byte sectors): Outlook writes version 3 (512-byte sectors)",
            );
        }
        let root = cf.root_entry();
        if root.clsid().to_bytes_le() != CLSID_MAIL_MESSAGE {
            // Older Outlook versions left it nil, so Outlook does not need
            // it; scanners and some readers do.
            let swapped = root.clsid().as_bytes() == &CLSID_MAIL_MESSAGE;
            self.add(
                Level::Warning,
                "root-clsid",
                "/",
                format!(
                    "the root CLSID is {{{}}}, not CLSID_MailMessage{}",
                    root.clsid().hyphenated(),
                    if swapped {
                        " (it is CLSID_MailMessage with its fields' byte order reversed)"
                    } else {
                        ""
                    }
                ),
            );
        }
        self.check_nameid(&mut cf);
        self.check_message(&mut cf, std::path::Path::new("/"), Kind::TopLevel, 0);

        // The file's string mode.
        let mask_unicode = self.store_mask.map(|m| m & STORE_UNICODE_OK != 0);
        let has8 = self.string_types.contains(&0x001E);
        let has16 = self.string_types.contains(&0x001F);
        match (mask_unicode, has8, has16) {
            (None, _, true) => self.add(
                Level::Error,
                "string-mode",
                "/__properties_version1.0",
                "PR_STORE_SUPPORT_MASK is missing: readers take the PT_UNICODE strings of this file for an ANSI file's",
            ),
            (None, true, false) => self.add(
                Level::Warning,
                "string-mode",
                "/__properties_version1.0",
                "PR_STORE_SUPPORT_MASK is missing (an ANSI file is assumed)",
            ),
            (Some(false), _, true) => {
                let at = self.string_at.get(&0x001F).cloned().unwrap_or_default();
                self.add(
                    Level::Error,
                    "string-mode",
                    &at,
                    "a PT_UNICODE string in a file whose PR_STORE_SUPPORT_MASK lacks STORE_UNICODE_OK",
                )
            }
            (Some(true), true, _) => {
                let at = self.string_at.get(&0x001E).cloned().unwrap_or_default();
                self.add(
                    Level::Warning,
                    "string-mode",
                    &at,
                    "a PT_STRING8 string in a Unicode file (STORE_UNICODE_OK set): string types are mixed",
                )
            }
            _ => {}
        }
    }

    fn check_nameid<F: Read + std::io::Seek>(&mut self, cf: &mut cfb::CompoundFile<F>) {
        let base = "/__nameid_version1.0";
        if !cf.is_storage(base) {
            self.add(
                Level::Error,
                "nameid",
                base,
                "the named-property storage is missing (required even when empty)",
            );
            return;
        }
        let read = |cf: &mut cfb::CompoundFile<F>, id: &str| -> Option<Vec<u8>> {
            let p = format!("{base}/__substg1.0_{id}");
            let mut s = cf.open_stream(&p).ok()?;
            let mut b = Vec::new();
            s.read_to_end(&mut b).ok()?;
            Some(b)
        };
        let guids = read(cf, "00020102");
        let entries = read(cf, "00030102");
        let strings = read(cf, "00040102");
        for (name, s) in [("00020102", &guids), ("00030102", &entries), ("00040102", &strings)] {
            if s.is_none() {
                self.add(
                    Level::Error,
                    "nameid",
                    &format!("{base}/__substg1.0_{name}"),
                    "stream missing or unreadable",
                );
            }
        }
        let (Some(guids), Some(entries), Some(strings)) = (guids, entries, strings) else {
            return;
        };
        if guids.len() % 16 != 0 {
            self.add(
                Level::Error,
                "nameid",
                &format!("{base}/__substg1.0_00020102"),
                format!("{} bytes: not whole 16-byte GUIDs", guids.len()),
            );
        }
        if entries.len() % 8 != 0 {
            self.add(
                Level::Error,
                "nameid",
                &format!("{base}/__substg1.0_00030102"),
                format!("{} bytes: not whole 8-byte entries", entries.len()),
            );
        }
        let guid_count = guids.len() / 16;
        let at = format!("{base}/__substg1.0_00030102");
        let mut bad = 0usize;
        let mut first_bad = String::new();
        for (i, e) in entries.chunks_exact(8).enumerate() {
            let name_or_offset = u32::from_le_bytes([e[0], e[1], e[2], e[3]]);
            let index_kind = u16::from_le_bytes([e[4], e[5]]);
            let prop_index = u16::from_le_bytes([e[6], e[7]]);
            let guid_index = (index_kind >> 1) as usize;
            let problem = if guid_index == 0 || guid_index > guid_count + 2 {
                Some(format!("GUID index {guid_index} (the GUID stream holds {guid_count})"))
            } else if prop_index as usize != i {
                Some(format!("property index {prop_index} at position {i}"))
            } else if index_kind & 1 == 1 {
                let off = name_or_offset as usize;
                match strings.get(off..off.saturating_add(4)) {
                    None => Some(format!(
                        "string offset {off} past the string stream ({} bytes)",
                        strings.len()
                    )),
                    Some(l) => {
                        let len = u32::from_le_bytes([l[0], l[1], l[2], l[3]]) as usize;
                        (off + 4 + len > strings.len() || len % 2 != 0)
                            .then(|| format!("a name of {len} bytes at offset {off} runs past the string stream"))
                    }
                }
            } else {
                None
            };
            if let Some(p) = problem {
                if bad == 0 {
                    first_bad = format!("entry {i} (id 0x{:04X}): {p}", 0x8000 + i);
                }
                bad += 1;
            }
        }
        if bad > 0 {
            self.add(
                Level::Error,
                "nameid",
                &at,
                format!("{bad} bad entries; first: {first_bad}"),
            );
        }
    }

    /// Checks one message storage (`dir`), its recipients and attachments,
    /// and embedded messages below it.
    fn check_message<F: Read + std::io::Seek>(
        &mut self,
        cf: &mut cfb::CompoundFile<F>,
        dir: &std::path::Path,
        kind: Kind,
        depth: usize,
    ) {
        if depth > MAX_DEPTH {
            self.add(
                Level::Error,
                "attachment",
                &path_str(dir),
                "embedded messages nested deeper than 64",
            );
            return;
        }
        let Some((header, entries)) = self.check_props(cf, dir, kind) else {
            return;
        };
        let here = path_str(dir);
        if kind == Kind::Embedded && cf.is_storage(dir.join("__nameid_version1.0")) {
            self.add(
                Level::Error,
                "nameid-in-embedded",
                &path_str(&dir.join("__nameid_version1.0")),
                "an embedded message uses its top-level message's map and holds none",
            );
        }
        if kind == Kind::TopLevel {
            self.store_mask = entries.iter().find(|e| e.tag == 0x340D_0003).map(Entry::long);
        }

        // Recipient and attachment storages.
        let children: Vec<(String, bool)> = match cf.read_storage(dir) {
            Ok(it) => it.map(|e| (e.name().to_string(), e.is_storage())).collect(),
            Err(e) => {
                self.add(
                    Level::Error,
                    "compound-file",
                    &here,
                    format!("cannot list the storage: {e}"),
                );
                return;
            }
        };
        let mut recips = Vec::new();
        let mut attachs = Vec::new();
        for (name, is_storage) in &children {
            for (prefix, list) in [
                ("__recip_version1.0_#", &mut recips),
                ("__attach_version1.0_#", &mut attachs),
            ] {
                if let Some(num) = strip_prefix_ci(name, prefix) {
                    if !is_hex8(num) || !is_storage {
                        self.add(
                            Level::Error,
                            "storage-names",
                            &path_str(&dir.join(name)),
                            "not a storage named with 8 hex digits",
                        );
                    } else {
                        list.push(u32::from_str_radix(num, 16).unwrap_or(0));
                    }
                }
            }
        }
        for (what, n) in [("recipients", recips.len()), ("attachments", attachs.len())] {
            if n > MAX_CHILDREN {
                self.add(
                    Level::Error,
                    "count-limit",
                    &here,
                    format!("{n} {what}: more than {MAX_CHILDREN}"),
                );
            }
        }
        if let Some(h) = header {
            let (next_r, next_a, count_r, count_a) = h;
            let at = path_str(&dir.join("__properties_version1.0"));
            if count_r as usize != recips.len() {
                self.add(
                    Level::Warning,
                    "header-counts",
                    &at,
                    format!(
                        "the header counts {count_r} recipients; {} storages present",
                        recips.len()
                    ),
                );
            }
            if count_a as usize != attachs.len() {
                self.add(
                    Level::Warning,
                    "header-counts",
                    &at,
                    format!(
                        "the header counts {count_a} attachments; {} storages present",
                        attachs.len()
                    ),
                );
            }
            if let Some(&max) = recips.iter().max() {
                if next_r <= max {
                    self.add(
                        Level::Error,
                        "header-counts",
                        &at,
                        format!("next recipient id {next_r} is not above recipient #{max:08X}"),
                    );
                }
            }
            if let Some(&max) = attachs.iter().max() {
                if next_a <= max {
                    self.add(
                        Level::Error,
                        "header-counts",
                        &at,
                        format!("next attachment id {next_a} is not above attachment #{max:08X}"),
                    );
                }
            }
        }

        // The message's own properties.
        let find = |tag: u32| entries.iter().find(|e| e.tag == tag);
        let has_id = |id: u16| entries.iter().any(|e| (e.tag >> 16) as u16 == id);
        if !has_id(0x001A) {
            self.add(Level::Error, "message-class", &here, "PR_MESSAGE_CLASS is missing");
        }
        match find(0x0E07_0003) {
            None => self.add(Level::Warning, "message-flags", &here, "PR_MESSAGE_FLAGS is missing"),
            Some(f) => {
                let flags = f.long();
                let has_att = !attachs.is_empty();
                if (flags & MSGFLAG_HASATTACH != 0) != has_att {
                    self.add(
                        Level::Warning,
                        "message-flags",
                        &here,
                        format!(
                            "MSGFLAG_HASATTACH is {} but the message has {} attachments",
                            if flags & MSGFLAG_HASATTACH != 0 { "set" } else { "clear" },
                            attachs.len()
                        ),
                    );
                }
                let delivered = has_id(0x0E06);
                let is_note = self.note_class(cf, dir, &entries);
                if is_note && flags & MSGFLAG_UNSENT == 0 && !delivered && !has_id(0x0039) {
                    self.add(
                        Level::Warning,
                        "message-flags",
                        &here,
                        "neither a draft (MSGFLAG_UNSENT) nor sent or received (no submit or delivery time): \
                         Outlook shows it as a sent mail without a date, not as an editable draft",
                    );
                }
                if flags & MSGFLAG_UNSENT != 0 && delivered {
                    self.add(
                        Level::Warning,
                        "message-flags",
                        &here,
                        "MSGFLAG_UNSENT (a draft) but PR_MESSAGE_DELIVERY_TIME says it was received",
                    );
                }
            }
        }
        if has_id(0x1013) && !has_id(0x1009) {
            self.add(
                Level::Warning,
                "rtf-with-html",
                &here,
                "PR_HTML without PR_RTF_COMPRESSED: Outlook writes both for an HTML mail, and readers that take the RTF body find none",
            );
        }

        for num in recips {
            let d = dir.join(format!("__recip_version1.0_#{num:08X}"));
            self.check_props(cf, &d, Kind::Child);
        }
        for num in attachs {
            let d = dir.join(format!("__attach_version1.0_#{num:08X}"));
            self.check_attachment(cf, &d, depth);
        }
    }

    /// Whether the message class (read from its stream) is a mail,
    /// `IPM.Note` or a class derived from it.
    fn note_class<F: Read + std::io::Seek>(
        &self,
        cf: &mut cfb::CompoundFile<F>,
        dir: &std::path::Path,
        entries: &[Entry],
    ) -> bool {
        let Some(e) = entries.iter().find(|e| (e.tag >> 16) == 0x001A) else {
            return false;
        };
        let Ok(s) = cf.open_stream(dir.join(format!("__substg1.0_{:08X}", e.tag))) else {
            return false;
        };
        let mut b = Vec::new();
        if s.take(256).read_to_end(&mut b).is_err() {
            return false;
        }
        let class: String = if e.ptype() == 0x001F {
            char::decode_utf16(b.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])))
                .map(|c| c.unwrap_or('?'))
                .collect()
        } else {
            b.iter().map(|&c| c as char).collect()
        };
        let class = class.trim_end_matches('\0').to_ascii_uppercase();
        class == "IPM.NOTE" || class.starts_with("IPM.NOTE.")
    }

    fn check_attachment<F: Read + std::io::Seek>(
        &mut self,
        cf: &mut cfb::CompoundFile<F>,
        dir: &std::path::Path,
        depth: usize,
    ) {
        let Some((_, entries)) = self.check_props(cf, dir, Kind::Child) else {
            return;
        };
        let here = path_str(dir);
        let method = entries.iter().find(|e| e.tag == 0x3705_0003).map(Entry::long);
        let obj = dir.join("__substg1.0_3701000D");
        let has_obj = cf.is_storage(&obj);
        let has_data = cf.is_stream(dir.join("__substg1.0_37010102"));
        match method {
            None => self.add(Level::Error, "attachment", &here, "PR_ATTACH_METHOD is missing"),
            Some(1) if !has_data => self.add(
                Level::Error,
                "attachment",
                &here,
                "by value (method 1) without PR_ATTACH_DATA_BIN",
            ),
            Some(5) | Some(6) if !has_obj => self.add(
                Level::Error,
                "attachment",
                &here,
                format!(
                    "method {} without the __substg1.0_3701000D storage",
                    method.unwrap_or(0)
                ),
            ),
            _ => {}
        }
        if method == Some(5) && has_obj {
            match cf.entry(&obj) {
                Ok(e) if e.clsid().to_bytes_le() != CLSID_MAIL_MESSAGE => self.add(
                    Level::Warning,
                    "embedded-clsid",
                    &path_str(&obj),
                    format!("CLSID {{{}}}, not CLSID_MailMessage", e.clsid().hyphenated()),
                ),
                _ => {}
            }
            self.check_message(cf, &obj, Kind::Embedded, depth + 1);
        }
    }

    /// Checks a property stream and the value streams of its entries;
    /// returns the header's (next recipient id, next attachment id,
    /// recipient count, attachment count) for messages, and the entries.
    #[allow(clippy::type_complexity)]
    fn check_props<F: Read + std::io::Seek>(
        &mut self,
        cf: &mut cfb::CompoundFile<F>,
        dir: &std::path::Path,
        kind: Kind,
    ) -> Option<(Option<(u32, u32, u32, u32)>, Vec<Entry>)> {
        let ps = dir.join("__properties_version1.0");
        let at = path_str(&ps);
        let bytes = match cf.open_stream(&ps) {
            Ok(mut s) => {
                let mut b = Vec::new();
                if let Err(e) = s.read_to_end(&mut b) {
                    self.add(Level::Error, "property-stream", &at, format!("unreadable: {e}"));
                    return None;
                }
                b
            }
            Err(_) => {
                self.add(Level::Error, "property-stream", &at, "missing");
                return None;
            }
        };
        let header = kind.header();
        let len = bytes.len() as u64;
        if len < header || (len - header) % 16 != 0 {
            let fits: Vec<String> = [32u64, 24, 8]
                .iter()
                .filter(|&&h| h != header && len >= h && (len - h) % 16 == 0)
                .map(|h| h.to_string())
                .collect();
            let hint = if fits.is_empty() {
                String::new()
            } else {
                format!(" (it fits a {}-byte header)", fits.join(" or "))
            };
            self.add(
                Level::Error,
                "property-stream",
                &at,
                format!("{len} bytes: not a {header}-byte header and whole 16-byte entries{hint}"),
            );
            return None;
        }
        let counts = (kind != Kind::Child).then(|| {
            let u = |o: usize| u32::from_le_bytes([bytes[o], bytes[o + 1], bytes[o + 2], bytes[o + 3]]);
            (u(8), u(12), u(16), u(20))
        });
        let entries: Vec<Entry> = bytes[header as usize..]
            .chunks_exact(16)
            .map(|c| Entry {
                tag: u32::from_le_bytes([c[0], c[1], c[2], c[3]]),
                value: c[8..16].try_into().unwrap_or([0; 8]),
            })
            .collect();

        // The value streams of the storage.
        let listing: Vec<(String, bool, u64)> = match cf.read_storage(dir) {
            Ok(it) => it.map(|e| (e.name().to_string(), e.is_stream(), e.len())).collect(),
            Err(_) => Vec::new(),
        };
        let mut streams: BTreeMap<String, (bool, u64)> = BTreeMap::new();
        for (name, is_stream, size) in &listing {
            if let Some(rest) = strip_prefix_ci(name, "__substg1.0_") {
                let (tag, index) = match rest.split_once('-') {
                    Some((t, i)) => (t, Some(i)),
                    None => (rest, None),
                };
                if !is_hex8(tag) || index.is_some_and(|i| !is_hex8(i)) {
                    self.add(
                        Level::Error,
                        "storage-names",
                        &path_str(&dir.join(name)),
                        "a value stream not named __substg1.0_ and 8 hex digits (-8 hex digits for a multi-valued value)",
                    );
                    continue;
                }
                streams.insert(
                    format!("__substg1.0_{}", rest.to_ascii_uppercase()),
                    (*is_stream, *size),
                );
            }
        }
        let mut claimed = BTreeSet::new();
        for e in &entries {
            let t = e.ptype();
            if matches!(t, 0x001E | 0x001F | 0x101E | 0x101F) {
                let base = t & 0x0FFF;
                self.string_types.insert(base);
                self.string_at.entry(base).or_insert_with(|| at.clone());
            }
            if is_fixed(t) {
                continue;
            }
            let name = format!("__substg1.0_{:08X}", e.tag);
            let sp = path_str(&dir.join(&name));
            claimed.insert(name.clone());
            let stream = streams.get(&name).copied();
            if t == 0x000D {
                if e.size() != 0xFFFF_FFFF {
                    self.add(
                        Level::Warning,
                        "entry-stream",
                        &at,
                        format!("object 0x{:08X}: Size 0x{:08X}, not 0xFFFFFFFF", e.tag, e.size()),
                    );
                }
                if !matches!(stream, Some((false, _))) {
                    self.add(Level::Error, "entry-stream", &sp, "object entry without its storage");
                }
                continue;
            }
            let Some((is_stream, slen)) = stream else {
                self.add(
                    Level::Error,
                    "entry-stream",
                    &sp,
                    "the property has an entry but no stream",
                );
                continue;
            };
            if !is_stream {
                self.add(
                    Level::Error,
                    "entry-stream",
                    &sp,
                    "a storage where a stream is expected",
                );
                continue;
            }
            let size = u64::from(e.size());
            match t {
                0x001F | 0x001E => {
                    let extra = if t == 0x001F { 2 } else { 1 };
                    if size == slen {
                        // Common in files from Outlook itself (readers go
                        // by the stream's length), so only a warning.
                        self.add(
                            Level::Warning,
                            "entry-stream",
                            &sp,
                            format!("Size {size} leaves out the terminator (MS-OXMSG: stream length + {extra})"),
                        );
                    } else if size != slen + extra {
                        self.add(
                            Level::Error,
                            "entry-stream",
                            &sp,
                            format!(
                                "Size {size} in the entry, stream of {slen} bytes (expected {})",
                                slen + extra
                            ),
                        );
                    }
                    if slen == 0 {
                        self.add(Level::Warning, "empty-string", &sp, "zero-length string stream");
                    } else if t == 0x001F && slen % 2 != 0 {
                        self.add(
                            Level::Error,
                            "entry-stream",
                            &sp,
                            format!("UTF-16 string of odd length {slen}"),
                        );
                    }
                }
                0x1002..=0x1048 if mv_fixed_size(t).is_some() => {
                    let el = mv_fixed_size(t).unwrap_or(1);
                    if slen % el != 0 || size != slen {
                        self.add(
                            Level::Error,
                            "multi-value",
                            &sp,
                            format!("Size {size}, stream of {slen} bytes, elements of {el} bytes"),
                        );
                    }
                }
                0x101E | 0x101F | 0x1102 => {
                    let rec = if t == 0x1102 { 8 } else { 4 };
                    if slen % rec != 0 || size != slen {
                        self.add(
                            Level::Error,
                            "multi-value",
                            &sp,
                            format!("length stream of {slen} bytes (Size {size}): not whole {rec}-byte records"),
                        );
                        continue;
                    }
                    let lens = match cf.open_stream(dir.join(&name)) {
                        Ok(mut s) => {
                            let mut b = Vec::new();
                            let _ = s.read_to_end(&mut b);
                            b
                        }
                        Err(_) => Vec::new(),
                    };
                    // A hostile length stream can declare millions of
                    // values: the first few problems are listed, the rest
                    // counted.
                    let mut problems = 0usize;
                    for (i, r) in lens.chunks_exact(rec as usize).enumerate() {
                        let want = u64::from(u32::from_le_bytes([r[0], r[1], r[2], r[3]]));
                        let vname = format!("{name}-{i:08X}");
                        let problem = match streams.get(&vname) {
                            Some(&(true, got)) if got == want => None,
                            Some(&(true, got)) => Some(format!("value of {got} bytes; the length stream says {want}")),
                            _ => Some("value stream missing".to_string()),
                        };
                        claimed.insert(vname.clone());
                        if let Some(p) = problem {
                            problems += 1;
                            if problems <= MAX_LISTED {
                                self.add(Level::Error, "multi-value", &path_str(&dir.join(&vname)), p);
                            }
                        }
                    }
                    if problems > MAX_LISTED {
                        self.add(
                            Level::Error,
                            "multi-value",
                            &sp,
                            format!("{} more values with the same kind of problem", problems - MAX_LISTED),
                        );
                    }
                }
                _ => {
                    if size != slen {
                        self.add(
                            Level::Error,
                            "entry-stream",
                            &sp,
                            format!("Size {size} in the entry, stream of {slen} bytes"),
                        );
                    }
                }
            }
        }
        for (name, (is_stream, _)) in &streams {
            if claimed.contains(name) {
                continue;
            }
            let tag_hex = &name["__substg1.0_".len()..];
            let tag = u32::from_str_radix(&tag_hex[..8], 16).unwrap_or(0);
            if entries.iter().any(|e| e.tag == tag) && is_fixed((tag & 0xFFFF) as u16) {
                self.add(
                    Level::Error,
                    "entry-stream",
                    &path_str(&dir.join(name)),
                    "a stream for a fixed-length property (its value belongs in the entry)",
                );
            } else if *is_stream || !name.ends_with("000D") {
                self.add(
                    Level::Warning,
                    "entry-stream",
                    &path_str(&dir.join(name)),
                    "a value stream without an entry in the property stream (readers ignore it)",
                );
            }
        }
        Some((counts, entries))
    }
}
