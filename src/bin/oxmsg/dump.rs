//! The human-readable dump of a message: every property with its tag, its
//! name (PR_SUBJECT, PidLidAppointmentStartWhole, …), type and value; the
//! best body's first lines; recipients; attachments; embedded messages,
//! recursively. Printed by `oxmsg dump` and `cargo run --example msgdump`
//! (this file is compiled into both).

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{Read, Write};

use oxmsg::prop::names::{named_prop_name, property_set_name, tag_name};
use oxmsg::{Access, AttachMethod, Attachment, Message, NamedProp, PropName, PropRead, PropTag, PropType, PropValue};

use crate::json::{hex, read_err, Context, Failure};

/// Longest string or binary prefix shown in the human-readable dump.
const SHOW_CHARS: usize = 200;
const SHOW_BYTES: usize = 32;

fn pad(depth: usize) -> String {
    "  ".repeat(depth)
}

/// The names of a file's named-property ids (0x8000 and up), from its
/// `__nameid_version1.0` map; empty when the map cannot be read (the dump
/// then shows those properties by tag alone).
pub struct Names(HashMap<u16, NamedProp>);

impl Names {
    /// The map of the file `msg` belongs to.
    pub fn of(msg: &impl PropRead) -> Names {
        Names(msg.named_props().map(|v| v.into_iter().collect()).unwrap_or_default())
    }

    /// `PR_SUBJECT`, `PidLidAppointmentStartWhole`, or for a named property
    /// without a well-known name its set and name (`PS_INTERNET_HEADERS:x-mailer`,
    /// `{guid}:0x8101`); empty when nothing is known.
    pub fn name(&self, tag: PropTag) -> String {
        if !tag.is_named() {
            return tag_name(tag.id()).unwrap_or("").to_string();
        }
        let Some(n) = self.0.get(&tag.id()) else {
            return String::new();
        };
        if let Some(name) = named_prop_name(&n.guid, &n.name) {
            return name.to_string();
        }
        let set = property_set_name(&n.guid).map_or_else(|| n.guid.to_string(), str::to_string);
        match &n.name {
            PropName::Id(lid) => format!("{set}:0x{lid:04X}"),
            PropName::String(s) => format!("{set}:{s}"),
        }
    }
}

/// Dumps a top-level message: its properties, best body, recipients and
/// attachments, and embedded messages recursively, indented by `depth`.
pub fn dump_message<A: Access>(out: &mut impl Write, msg: &Message<'_, A>, depth: usize) -> Result<(), Failure> {
    let names = Names::of(msg);
    dump_message_with(out, msg, depth, &names)
}

fn dump_message_with<A: Access>(
    out: &mut impl Write,
    msg: &Message<'_, A>,
    depth: usize,
    names: &Names,
) -> Result<(), Failure> {
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
    dump_props(out, msg, depth + 1, names).ctx(|| "reading the properties".into())?;

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
            writeln!(out, "{p}      {}", prop_line(*tag, v, names))?;
        }
    }

    let nums = msg.attachment_numbers()?;
    writeln!(out, "{p}  Attachments ({}):", nums.len())?;
    for num in nums {
        let att = msg.open_attachment(num).ctx(|| format!("attachment {num}"))?;
        dump_attachment(out, &att, depth + 2, names).ctx(|| format!("attachment {num}"))?;
    }
    Ok(())
}

fn dump_attachment<A: Access>(
    out: &mut impl Write,
    att: &Attachment<'_, A>,
    depth: usize,
    names: &Names,
) -> Result<(), Failure> {
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
    dump_props(out, att, depth + 1, names)?;
    if att.is_embedded() {
        let inner = att.open_embedded().ctx(|| "opening the embedded message".into())?;
        dump_message_with(out, &inner, depth + 1, names).ctx(|| "embedded message".into())?;
    }
    Ok(())
}

/// Lists every property of `obj`. Binary values longer than a screen line
/// are read as streams, so large attachment data is never loaded.
fn dump_props(out: &mut impl Write, obj: &impl PropRead, depth: usize, names: &Names) -> Result<(), Failure> {
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
            format!("{} {}", head_of(tag, names), binary_text(&head, len))
        } else {
            match obj.get_value(tag).ctx(|| format!("property {tag}"))? {
                Some(v) => prop_line(tag, &v, names),
                None => continue,
            }
        };
        writeln!(out, "{p}  {line}")?;
    }
    Ok(())
}

/// `0x0037001F PT_UNICODE       PR_SUBJECT`, padded.
fn head_of(tag: PropTag, names: &Names) -> String {
    let ty = tag.prop_type();
    let ty_name = ty.name().map_or_else(|| format!("0x{:04X}", ty.0), str::to_string);
    let name = names.name(tag);
    format!("0x{:08X}  {ty_name:<16} {name:<34}", tag.0)
}

fn prop_line(tag: PropTag, v: &PropValue, names: &Names) -> String {
    format!("{} {}", head_of(tag, names), value_text(v))
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
