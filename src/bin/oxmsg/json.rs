//! The JSON dump of a message: the fixed object that `oxmsg json FILE` and
//! `cargo run --example msgdump -- --json FILE` both print (this file is
//! compiled into both; `examples/README.md` documents it field by field),
//! and the error type the two report with.

// Included by the example too, which uses only part of it.
#![allow(dead_code)]

use std::fmt::Write as _;
use std::io;

use oxmsg::{tags, Access, Attachment, Error, Message, PropName, PropValue, RecipientType};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// What went wrong: reading the message (one line for stderr, naming
/// where), or writing the output.
pub enum Failure {
    /// Reading the message failed: one line for stderr, naming where.
    Read(String),
    /// Writing the output failed.
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

pub fn read_err(e: io::Error) -> Failure {
    Failure::Read(chain(&e))
}

/// An error with its causes, `outer: inner: …`.
pub fn chain(e: &dyn std::error::Error) -> String {
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
pub trait Context<T> {
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

/// The JSON dump of a message (top-level or embedded), with the keys
/// `message_class`, `subject`, `sender_name`, `sender_email`, `body_text`,
/// `body_html_sha256`, `has_rtf_compressed`, `recipients`, `attachments`,
/// `named_properties`, `properties`. Embedded messages are dumped the same
/// way, recursively, in their attachment's `embedded`.
pub fn message_json<A: Access>(msg: &Message<'_, A>) -> Result<Value, Failure> {
    message_json_opts(msg, false)
}

/// [`message_json`], and with `all_properties` every recipient and
/// attachment object gains a `properties` array too (the same form as the
/// message's), recursively (`oxmsg json --all-properties`).
pub fn message_json_opts<A: Access>(msg: &Message<'_, A>, all_properties: bool) -> Result<Value, Failure> {
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
        let mut rj = json!({ "name": r.display_name(), "email": email, "type": kind });
        if all_properties {
            rj["properties"] = properties_json(r.props());
        }
        recipients.push(rj);
    }

    let mut attachments = Vec::new();
    for num in msg.attachment_numbers()? {
        let att = msg.open_attachment(num).ctx(|| format!("attachment {num}"))?;
        attachments.push(attachment_json_opts(&att, all_properties).ctx(|| format!("attachment {num}"))?);
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

    let properties = properties_json(&props);

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
pub fn attachment_json<A: Access>(att: &Attachment<'_, A>) -> Result<Value, Failure> {
    attachment_json_opts(att, false)
}

/// `[{"tag": "0x0037001F", "value": …}]` of a property list.
pub fn properties_json(props: &[(oxmsg::PropTag, PropValue)]) -> Value {
    props
        .iter()
        .map(|(tag, v)| json!({ "tag": format!("0x{:08X}", tag.0), "value": value_json(v) }))
        .collect()
}

fn attachment_json_opts<A: Access>(att: &Attachment<'_, A>, all_properties: bool) -> Result<Value, Failure> {
    let (mut size, mut sha256, mut embedded) = (Value::Null, Value::Null, Value::Null);
    if att.is_embedded() {
        let inner = att.open_embedded().ctx(|| "opening the embedded message".into())?;
        embedded = message_json_opts(&inner, all_properties).ctx(|| "embedded message".into())?;
    } else if let Some(mut data) = open_data(att)? {
        // Stream the data through the hasher: an attachment may be large.
        let mut hasher = Sha256::new();
        let n = io::copy(&mut data, &mut hasher)
            .map_err(read_err)
            .ctx(|| "reading the attachment data".into())?;
        size = n.into();
        sha256 = Value::String(hex(&hasher.finalize()));
    }
    let mut v = json!({
        "filename": att.filename()?,
        "size": size,
        "sha256": sha256,
        "method": att.method()?.map(|m| m.value()),
        "embedded": embedded,
    });
    if all_properties {
        // Attachment data can be large: its value is left out here (its
        // size and hash are above), every other property is listed.
        let mut props = Vec::new();
        for tag in att.prop_list()?.into_iter().filter(|t| t.id() != 0x3701) {
            if let Some(value) = att.get_value(tag).ctx(|| format!("property {tag}"))? {
                props.push((tag, value));
            }
        }
        v["properties"] = properties_json(&props);
    }
    Ok(v)
}

/// The attachment's data stream, or `None` when it has no PR_ATTACH_DATA_BIN.
pub fn open_data<'a, A: Access>(att: &'a Attachment<'_, A>) -> Result<Option<oxmsg::PropStream<'a>>, Failure> {
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
pub fn value_json(v: &PropValue) -> Value {
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

pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}
