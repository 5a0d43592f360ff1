//! msgdump: prints what a .msg holds.
//!
//! ```text
//! cargo run --example msgdump                      # dump a message built in memory
//! cargo run --example msgdump -- FILE.msg          # human-readable dump of a file
//! cargo run --example msgdump -- --json FILE.msg   # one JSON object
//! ```
//!
//! The human-readable dump lists every property (tag, type, value) of the
//! message, its recipients and its attachments, and recurses into embedded
//! messages. The JSON form has fixed keys (see [`message_json`]) so that
//! scripts and tests can compare it with other readers.
//!
//! Errors go to stderr, naming the file, with exit code 1 (2 for a bad
//! command line).

use std::fmt::Write as _;
use std::io::{self, BufWriter, Cursor, Read, Write};
use std::process::ExitCode;

use oxmsg::{
    tags, Access, AttachMethod, Attachment, Error, FileTime, Message, PropName, PropRead, PropTag, PropType, PropValue,
    RecipientType, Session,
};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const USAGE: &str = "usage: msgdump [--json] [FILE]\n\
    \n\
    Dumps the properties, recipients and attachments of an Outlook .msg file.\n\
    Without FILE, dumps a message that msgdump builds in memory.\n\
    \n\
    \x20 --json      print one JSON object instead of the human-readable dump\n\
    \x20 -h, --help  print this help\n";

/// What went wrong: reading the message (one line for stderr, naming
/// where), or writing the output.
enum Failure {
    Read(String),
    Write(io::Error),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        Failure::Read(chain(&e))
    }
}

/// `?` on a `write!` gives an output failure; errors reading data are
/// mapped with [`read_err`] instead.
impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Failure {
        Failure::Write(e)
    }
}

fn read_err(e: io::Error) -> Failure {
    Failure::Read(chain(&e))
}

/// An error with its causes, `outer: inner: …`.
fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        // Errors often repeat their source in their own text: say it once.
        let c_text = c.to_string();
        if !s.contains(&c_text) {
            let _ = write!(s, ": {c_text}");
        }
        cur = c.source();
    }
    s
}

/// Adds where an error happened (`attachment 2: …`).
trait Context<T> {
    fn ctx(self, what: impl FnOnce() -> String) -> Result<T, Failure>;
}

impl<T, E: Into<Failure>> Context<T> for Result<T, E> {
    fn ctx(self, what: impl FnOnce() -> String) -> Result<T, Failure> {
        self.map_err(|e| match e.into() {
            Failure::Read(m) => Failure::Read(format!("{}: {m}", what())),
            w => w,
        })
    }
}

fn main() -> ExitCode {
    let mut json = false;
    let mut file = None;
    let mut only_files = false;
    for arg in std::env::args_os().skip(1) {
        match arg.to_str() {
            Some("--json") if !only_files => json = true,
            Some("-h" | "--help") if !only_files => {
                let _ = io::stdout().write_all(USAGE.as_bytes());
                return ExitCode::SUCCESS;
            }
            Some("--") if !only_files => only_files = true,
            Some(s) if s.starts_with('-') && s.len() > 1 && !only_files => {
                eprintln!("msgdump: unknown option {s}\n\n{USAGE}");
                return ExitCode::from(2);
            }
            _ if file.is_some() => {
                eprintln!("msgdump: more than one file given\n\n{USAGE}");
                return ExitCode::from(2);
            }
            _ => file = Some(std::path::PathBuf::from(arg)),
        }
    }

    let name = match &file {
        Some(p) => p.display().to_string(),
        None => "(built-in default message)".to_string(),
    };
    match run(file.as_deref(), json, &name) {
        Ok(()) => ExitCode::SUCCESS,
        // `msgdump FILE | head` is not an error worth a message.
        Err(Failure::Write(e)) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(Failure::Write(e)) => {
            eprintln!("msgdump: {name}: writing the output: {}", chain(&e));
            ExitCode::from(1)
        }
        Err(Failure::Read(msg)) => {
            eprintln!("msgdump: {name}: {msg}");
            ExitCode::from(1)
        }
    }
}

fn run(file: Option<&std::path::Path>, json: bool, name: &str) -> Result<(), Failure> {
    let session = Session::new();
    let msg = match file {
        Some(path) => session.opener().path(path)?,
        None => {
            let bytes = build_default(&session).ctx(|| "building the message".into())?;
            session.opener().reader(Cursor::new(bytes))?
        }
    };
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    if json {
        let v = message_json(&msg)?;
        writeln!(out, "{v:#}")?;
    } else {
        writeln!(out, "{name}")?;
        dump_message(&mut out, &msg, 1)?;
    }
    out.flush()?;
    Ok(())
}

// ----- the built-in default message ------------------------------------------

/// Builds a message in memory with a bit of everything and returns its bytes.
fn build_default(session: &Session) -> oxmsg::Result<Vec<u8>> {
    let sent = FileTime::from_unix_secs(1_700_000_000); // fixed, so the dump is reproducible
    let msg = session.opener().create_in_memory()?;
    msg.set(tags::SUBJECT, "Minutes of the Tuesday meeting")?;
    msg.set(
        tags::BODY,
        "Hello all,\r\n\r\nthe minutes are attached, and Dave's note is forwarded.\r\n",
    )?;
    msg.set(
        tags::HTML,
        b"<html><body><p>Hello all,</p><p>the minutes are attached.</p></body></html>".to_vec(),
    )?;
    msg.set_sender("Alice Example", "alice@example.com")?;
    msg.set(tags::CLIENT_SUBMIT_TIME, sent)?;
    msg.set(tags::IMPORTANCE, oxmsg::Importance::Normal)?;
    msg.set(tags::READ_RECEIPT_REQUESTED, false)?;
    msg.add_recipient(RecipientType::To, "Bob Example", "bob@example.com")?;
    msg.add_recipient(RecipientType::Cc, "Carol Example", "carol@example.com")?;
    msg.add_recipient(RecipientType::Bcc, "Erin Example", "erin@example.com")?;

    let att = msg.create_attachment()?;
    att.set(tags::ATTACH_LONG_FILENAME, "minutes.txt")?;
    att.set(tags::ATTACH_FILENAME, "minutes.txt")?;
    att.set(tags::ATTACH_MIME_TAG, "text/plain")?;
    att.write_data(&mut &b"1. Budget approved.\r\n2. Next meeting on Friday.\r\n"[..])?;
    att.save_changes()?;

    let att = msg.create_attachment()?;
    att.set(tags::DISPLAY_NAME, "Note from Dave")?;
    {
        let mut inner = att.create_embedded()?;
        inner.set(tags::MESSAGE_CLASS, "IPM.Note")?;
        inner.set(tags::SUBJECT, "Note from Dave")?;
        inner.set(tags::BODY, "I cannot make it on Tuesday.\r\n")?;
        inner.set(tags::SENDER_NAME, "Dave Example")?;
        inner.set(tags::SENDER_EMAIL_ADDRESS, "dave@example.com")?;
        inner.set(tags::CLIENT_SUBMIT_TIME, FileTime::from_unix_secs(1_699_900_000))?;
        inner.add_recipient(RecipientType::To, "Alice Example", "alice@example.com")?;
        let a = inner.create_attachment()?;
        a.set(tags::ATTACH_LONG_FILENAME, "apology.txt")?;
        a.write_data(&mut &b"Sorry!"[..])?;
        a.save_changes()?;
        drop(a);
        inner.save_changes()?;
    }
    att.save_changes()?;
    msg.to_bytes()
}

// ----- JSON ------------------------------------------------------------------

/// The JSON dump of a message (top-level or embedded), with the keys
/// `message_class`, `subject`, `sender_name`, `sender_email`, `body_text`,
/// `body_html_sha256`, `has_rtf_compressed`, `recipients`, `attachments`,
/// `named_properties`, `properties`. Embedded messages are dumped the same
/// way, recursively, in their attachment's `embedded`.
fn message_json<A: Access>(msg: &Message<'_, A>) -> Result<Value, Failure> {
    let props = msg.props().ctx(|| "reading the properties".into())?;
    let find = |id: u16| props.iter().find(|(t, _)| t.id() == id).map(|(_, v)| v);
    // The first of `tags` that is present and not empty, as text.
    let first_string = |tags: &[u16]| -> Value {
        tags.iter()
            .filter_map(|&id| find(id).and_then(PropValue::as_string))
            .find(|s| !s.is_empty())
            .map_or(Value::Null, Value::String)
    };
    let string = |id: u16| first_string(&[id]);

    let html_sha256 = match find(tags::HTML.tag().id()) {
        Some(PropValue::Binary(b)) => Value::String(hex(&Sha256::digest(b))),
        Some(PropValue::String8(s)) => Value::String(hex(&Sha256::digest(&s.bytes))),
        Some(PropValue::Unicode(s)) => Value::String(hex(&Sha256::digest(s.as_bytes()))),
        _ => Value::Null,
    };

    // The bodies: what body() chose, the HTML in any form it can be had, and
    // the decompressed RTF's hash.
    let best = msg.body().ctx(|| "reading the body".into())?;
    let body_html = msg.body_html().ctx(|| "reading the HTML body".into())?;
    let rtf_sha256 = msg
        .body_rtf()
        .ctx(|| "reading the RTF body".into())?
        .map(|rtf| hex(&Sha256::digest(&rtf)));

    let mut recipients = Vec::new();
    for r in msg.recipients().ctx(|| "reading the recipients".into())? {
        let kind = match r.recipient_type() {
            RecipientType::To => "to".to_string(),
            RecipientType::Cc => "cc".to_string(),
            RecipientType::Bcc => "bcc".to_string(),
            other => other.value().to_string(),
        };
        let email = r
            .get(tags::SMTP_ADDRESS)
            .filter(|s| !s.is_empty())
            .or_else(|| r.get(tags::EMAIL_ADDRESS));
        recipients.push(json!({ "name": r.display_name(), "email": email, "type": kind }));
    }

    let mut attachments = Vec::new();
    for num in msg.attachment_numbers()? {
        let att = msg.open_attachment(num).ctx(|| format!("attachment {num}"))?;
        attachments.push(attachment_json(&att).ctx(|| format!("attachment {num}"))?);
    }

    // The names of the named properties this message has (ids 0x8000 and
    // up, resolved through the top-level file's mapping).
    let mut named_properties = Vec::new();
    for (tag, _) in props.iter().filter(|(t, _)| t.is_named()) {
        let Ok(names) = msg.names_from_ids(&[tag.id()]) else {
            continue;
        };
        for n in names {
            named_properties.push(match n.name {
                PropName::Id(lid) => json!({ "guid": n.guid.to_string(), "id": lid }),
                PropName::String(name) => json!({ "guid": n.guid.to_string(), "name": name }),
            });
        }
    }

    let properties: Vec<Value> = props
        .iter()
        .map(|(tag, v)| json!({ "tag": format!("0x{:08X}", tag.0), "value": value_json(v) }))
        .collect();

    Ok(json!({
        "message_class": string(tags::MESSAGE_CLASS.tag().id()),
        "subject": string(tags::SUBJECT.tag().id()),
        "sender_name": first_string(&[tags::SENDER_NAME.tag().id(), tags::SENT_REPRESENTING_NAME.tag().id()]),
        "sender_email": first_string(&[
            tags::SENDER_SMTP_ADDRESS.tag().id(),
            tags::SENDER_EMAIL_ADDRESS.tag().id(),
            tags::SENT_REPRESENTING_EMAIL_ADDRESS.tag().id(),
        ]),
        "body_text": find(tags::BODY.tag().id()).and_then(PropValue::as_string),
        "body_html_sha256": html_sha256,
        "has_rtf_compressed": find(tags::RTF_COMPRESSED.tag().id()).is_some(),
        "body_kind": best.as_ref().map(oxmsg::Body::kind),
        "body_html": body_html,
        "rtf_sha256": rtf_sha256,
        "recipients": recipients,
        "attachments": attachments,
        "named_properties": named_properties,
        "properties": properties,
    }))
}

/// `{filename, size, sha256, method, embedded}` of one attachment.
fn attachment_json<A: Access>(att: &Attachment<'_, A>) -> Result<Value, Failure> {
    let (mut size, mut sha256, mut embedded) = (Value::Null, Value::Null, Value::Null);
    if att.is_embedded() {
        let inner = att.open_embedded().ctx(|| "opening the embedded message".into())?;
        embedded = message_json(&inner).ctx(|| "embedded message".into())?;
    } else if let Some(mut data) = open_data(att)? {
        // Stream the data through the hasher: an attachment may be large.
        let mut hasher = Sha256::new();
        let n = io::copy(&mut data, &mut hasher)
            .map_err(read_err)
            .ctx(|| "reading the attachment data".into())?;
        size = n.into();
        sha256 = Value::String(hex(&hasher.finalize()));
    }
    Ok(json!({
        "filename": att.filename()?,
        "size": size,
        "sha256": sha256,
        "method": att.method()?.map(|m| m.value()),
        "embedded": embedded,
    }))
}

/// The attachment's data stream, or `None` when it has no PR_ATTACH_DATA_BIN.
fn open_data<'a, A: Access>(att: &'a Attachment<'_, A>) -> Result<Option<oxmsg::PropStream<'a>>, Failure> {
    match att.data() {
        Ok(s) => Ok(Some(s)),
        Err(Error::PropNotFound { .. } | Error::NoSupport { .. }) => Ok(None),
        Err(e) => Err(e).ctx(|| "opening the attachment data".into()),
    }
}

/// A property value as JSON: strings as strings; integers, floats,
/// PT_CURRENCY (ten-thousandths) and PT_ERROR as numbers (a NaN float as
/// null); booleans; PT_SYSTIME as RFC 3339 UTC; binary, PT_CLSID, PT_SVREID
/// and unknown types as lower-case hex; multi-valued as arrays; PT_OBJECT
/// as null.
fn value_json(v: &PropValue) -> Value {
    use PropValue::*;
    fn float(f: f64) -> Value {
        serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
    }
    fn arr<T>(v: &[T], f: impl Fn(&T) -> Value) -> Value {
        Value::Array(v.iter().map(f).collect())
    }
    match v {
        I2(n) => (*n).into(),
        Long(n) => (*n).into(),
        R4(f) => float(f64::from(*f)),
        Double(f) | AppTime(f) => float(*f),
        Currency(n) | I8(n) => (*n).into(),
        Error(code) => (*code).into(),
        Boolean(b) => (*b).into(),
        String8(s) => s.to_string_lossy().into(),
        Unicode(s) => s.clone().into(),
        SysTime(t) => t.to_rfc3339().into(),
        Clsid(g) => hex(g.as_bytes()).into(),
        SvrEid(b) | Binary(b) => hex(b).into(),
        Object => Value::Null,
        MvI2(v) => arr(v, |n| (*n).into()),
        MvLong(v) => arr(v, |n| (*n).into()),
        MvR4(v) => arr(v, |f| float(f64::from(*f))),
        MvDouble(v) | MvAppTime(v) => arr(v, |f| float(*f)),
        MvCurrency(v) | MvI8(v) => arr(v, |n| (*n).into()),
        MvString8(v) => arr(v, |s| s.to_string_lossy().into()),
        MvUnicode(v) => arr(v, |s| s.clone().into()),
        MvSysTime(v) => arr(v, |t| t.to_rfc3339().into()),
        MvClsid(v) => arr(v, |g| hex(g.as_bytes()).into()),
        MvBinary(v) => arr(v, |b| hex(b).into()),
        Other { bytes, .. } => hex(bytes).into(),
        // PropValue is #[non_exhaustive]: a type added later shows as debug text.
        other => format!("{other:?}").into(),
    }
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

// ----- human-readable dump ---------------------------------------------------

/// Longest string or binary prefix shown in the human-readable dump.
const SHOW_CHARS: usize = 200;
const SHOW_BYTES: usize = 32;

fn pad(depth: usize) -> String {
    "  ".repeat(depth)
}

fn dump_message<A: Access>(out: &mut impl Write, msg: &Message<'_, A>, depth: usize) -> Result<(), Failure> {
    let p = pad(depth);
    writeln!(
        out,
        "{p}Message ({}, code page {}{})",
        if msg.is_unicode() { "Unicode" } else { "ANSI" },
        msg.codepage(),
        if msg.is_embedded() { ", embedded" } else { "" }
    )?;
    for w in msg.warnings() {
        writeln!(out, "{p}  warning: {w}")?;
    }
    dump_props(out, msg, depth + 1).ctx(|| "reading the properties".into())?;

    // The best body (MS-OXBBODY), its first lines.
    match msg.body().ctx(|| "reading the body".into())? {
        None => writeln!(out, "{p}  Body: none")?,
        Some(body) => {
            let text = match &body {
                oxmsg::Body::Text(t) | oxmsg::Body::Html(t) => t.clone(),
                oxmsg::Body::Rtf(_) => msg.body_text().ctx(|| "reading the body".into())?.unwrap_or_default(),
            };
            writeln!(out, "{p}  Body ({}):", body.kind())?;
            for line in text.lines().filter(|l| !l.trim().is_empty()).take(5) {
                let line: String = line.chars().take(SHOW_CHARS).collect();
                writeln!(out, "{p}    | {line}")?;
            }
        }
    }

    let recipients = msg.recipients().ctx(|| "reading the recipients".into())?;
    writeln!(out, "{p}  Recipients ({}):", recipients.len())?;
    for r in &recipients {
        writeln!(
            out,
            "{p}    [row {}] {:?}: {} <{}>",
            r.row_id(),
            r.recipient_type(),
            r.display_name().unwrap_or_default(),
            r.email().unwrap_or_default()
        )?;
        for (tag, v) in r.props() {
            writeln!(out, "{p}      {}", prop_line(*tag, v))?;
        }
    }

    let nums = msg.attachment_numbers()?;
    writeln!(out, "{p}  Attachments ({}):", nums.len())?;
    for num in nums {
        let att = msg.open_attachment(num).ctx(|| format!("attachment {num}"))?;
        dump_attachment(out, &att, depth + 2).ctx(|| format!("attachment {num}"))?;
    }
    Ok(())
}

fn dump_attachment<A: Access>(out: &mut impl Write, att: &Attachment<'_, A>, depth: usize) -> Result<(), Failure> {
    let p = pad(depth);
    let method = match att.method()? {
        Some(AttachMethod::ByValue) => "by value".to_string(),
        Some(AttachMethod::ByReference) => "by reference".to_string(),
        Some(AttachMethod::EmbeddedMessage) => "embedded message".to_string(),
        Some(AttachMethod::Ole) => "OLE object".to_string(),
        Some(n) => format!("method {}", n.value()),
        None => "no method".to_string(),
    };
    let name = att.filename()?.unwrap_or_else(|| "(no name)".into());
    writeln!(out, "{p}[#{}] {name:?}, {method}", att.num())?;
    dump_props(out, att, depth + 1)?;
    if att.is_embedded() {
        let inner = att.open_embedded().ctx(|| "opening the embedded message".into())?;
        dump_message(out, &inner, depth + 1).ctx(|| "embedded message".into())?;
    }
    Ok(())
}

/// Lists every property of `obj`. Binary values longer than a screen line
/// are read as streams, so large attachment data is never loaded.
fn dump_props(out: &mut impl Write, obj: &impl PropRead, depth: usize) -> Result<(), Failure> {
    let p = pad(depth);
    let tags = obj.prop_list()?;
    writeln!(out, "{p}Properties ({}):", tags.len())?;
    for tag in tags {
        let base = tag.prop_type();
        let line = if base == PropType::BINARY || base == PropType::SVREID {
            let mut s = obj.open_stream(tag).ctx(|| format!("property {tag}"))?;
            let len = s.len();
            let mut head = Vec::with_capacity(SHOW_BYTES);
            (&mut s)
                .take(SHOW_BYTES as u64)
                .read_to_end(&mut head)
                .map_err(read_err)
                .ctx(|| format!("property {tag}"))?;
            format!("{} {}", head_of(tag), binary_text(&head, len))
        } else {
            match obj.get_value(tag).ctx(|| format!("property {tag}"))? {
                Some(v) => prop_line(tag, &v),
                None => continue,
            }
        };
        writeln!(out, "{p}  {line}")?;
    }
    Ok(())
}

/// `0x0037001F PT_UNICODE`, padded.
fn head_of(tag: PropTag) -> String {
    let ty = tag.prop_type();
    let name = ty.name().map_or_else(|| format!("0x{:04X}", ty.0), str::to_string);
    format!("0x{:08X}  {name:<16}", tag.0)
}

fn prop_line(tag: PropTag, v: &PropValue) -> String {
    format!("{} {}", head_of(tag), value_text(v))
}

fn binary_text(head: &[u8], len: u64) -> String {
    let more = if len as usize > head.len() { "…" } else { "" };
    format!("{len} bytes: {}{more}", hex(head))
}

fn string_text(s: &str) -> String {
    let n = s.chars().count();
    if n <= SHOW_CHARS {
        format!("{s:?}")
    } else {
        let cut: String = s.chars().take(SHOW_CHARS).collect();
        format!("{cut:?}… ({n} characters)")
    }
}

fn currency_text(n: i64) -> String {
    let sign = if n < 0 { "-" } else { "" };
    let a = n.unsigned_abs();
    format!("{sign}{}.{:04}", a / 10_000, a % 10_000)
}

fn value_text(v: &PropValue) -> String {
    use PropValue::*;
    fn list<T>(v: &[T], f: impl Fn(&T) -> String) -> String {
        let items: Vec<String> = v.iter().map(f).collect();
        format!("[{}] ({} values)", items.join(", "), v.len())
    }
    match v {
        I2(n) => n.to_string(),
        Long(n) => format!("{n} (0x{n:08X})"),
        R4(f) => f.to_string(),
        Double(f) => f.to_string(),
        AppTime(f) => format!("{f} days since 1899-12-30"),
        Currency(n) => currency_text(*n),
        I8(n) => n.to_string(),
        Error(code) => format!("error 0x{code:08X}"),
        Boolean(b) => b.to_string(),
        String8(s) => format!("{} (code page {})", string_text(&s.to_string_lossy()), s.codepage),
        Unicode(s) => string_text(s),
        SysTime(t) if t.is_none_sentinel() => format!("{} (Outlook's \"none\")", t.to_rfc3339()),
        SysTime(t) => t.to_rfc3339(),
        Clsid(g) => g.to_string(),
        SvrEid(b) | Binary(b) => binary_text(&b[..b.len().min(SHOW_BYTES)], b.len() as u64),
        Object => "(object: a sub-storage)".to_string(),
        MvI2(v) => list(v, |n| n.to_string()),
        MvLong(v) => list(v, |n| n.to_string()),
        MvR4(v) => list(v, |f| f.to_string()),
        MvDouble(v) | MvAppTime(v) => list(v, |f| f.to_string()),
        MvCurrency(v) => list(v, |n| currency_text(*n)),
        MvI8(v) => list(v, |n| n.to_string()),
        MvString8(v) => list(v, |s| string_text(&s.to_string_lossy())),
        MvUnicode(v) => list(v, |s| string_text(s)),
        MvSysTime(v) => list(v, |t| t.to_rfc3339()),
        MvClsid(v) => list(v, |g| g.to_string()),
        MvBinary(v) => list(v, |b| binary_text(&b[..b.len().min(SHOW_BYTES)], b.len() as u64)),
        Other { bytes, .. } => binary_text(&bytes[..bytes.len().min(SHOW_BYTES)], bytes.len() as u64),
        other => format!("{other:?}"),
    }
}
