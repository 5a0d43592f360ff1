//! .msg → .eml: [`Message::to_eml`].

use std::io::{self, Write};

use mail_builder::headers::address::Address;
use mail_builder::headers::date::Date;
use mail_builder::headers::message_id::MessageId;
use mail_builder::headers::text::Text;
use mail_builder::mime::{BodyPart, MimePart};

use super::mime_write::{legacy_name_param, param, MimeOut};
use super::report::{ConversionReport, LossKind};
use crate::access::Access;
use crate::attach::Attachment;
use crate::error::{Error, Result};
use crate::message::Message;
use crate::message_body::Body;
use crate::prop::{named, tags, AttachMethod, Importance, PropName, Sensitivity};

/// MSGFLAG_UNSENT (MS-OXCMSG 2.2.1.6).
const MSGFLAG_UNSENT: i32 = 0x8;

fn io_err(e: io::Error) -> Error {
    Error::io(e, "writing the .eml")
}

/// The MIME tree of a message, before it is written.
enum Node {
    Multipart(&'static str, Vec<Node>),
    Text(&'static str, String),
    /// The HTML body as PR_HTML stores it, in its charset, base64 (so its
    /// bytes, line ends included, come out unchanged).
    Html(Vec<u8>, &'static str),
    /// A by-value attachment, by number.
    File {
        num: u32,
        inline: bool,
    },
    /// An OLE object's storage, as a compound file of its own, and a name.
    Ole(Vec<u8>, String),
    /// An embedded message, by attachment number.
    Embedded(u32),
}

impl<A: Access> Message<'_, A> {
    /// Writes the message as an Internet message (RFC 5322 / MIME, a
    /// `.eml`) to `out`, and says what the .eml could not hold.
    ///
    /// - Headers: when PR_TRANSPORT_MESSAGE_HEADERS is there, its headers
    ///   are written as received (order, `Received` chain, DKIM signatures),
    ///   less the `Content-*` and `MIME-Version` fields, which describe the
    ///   body rebuilt here; a From, To, Cc, Subject, Date or Message-ID it
    ///   lacks is added from the properties. Otherwise every header is built
    ///   from properties: From (PR_SENT_REPRESENTING_*), Sender (PR_SENDER_*
    ///   when another address), To, Cc, Bcc (a draft only), Reply-To
    ///   (PR_REPLY_RECIPIENT_ENTRIES and _NAMES), Date
    ///   (PR_CLIENT_SUBMIT_TIME, else PR_MESSAGE_DELIVERY_TIME, else
    ///   PR_LAST_MODIFICATION_TIME or PR_CREATION_TIME), Subject,
    ///   Message-ID, In-Reply-To, References, Importance and X-Priority,
    ///   Priority, Sensitivity, Keywords (the Outlook categories), and
    ///   X-Unsent for a draft. Non-ASCII text is RFC 2047-encoded, display
    ///   names RFC 5322-quoted.
    /// - Body: text/plain (always, from any body form) and text/html (for
    ///   an HTML or RTF body, RTF rendered to HTML) in
    ///   multipart/alternative; images the HTML shows by `cid:` with it in
    ///   multipart/related; other attachments in multipart/mixed with file
    ///   name (RFC 2231 for non-ASCII), MIME type and size; embedded
    ///   messages as message/rfc822 parts, recursively; OLE objects as
    ///   application/octet-stream parts with their name, holding the
    ///   object's storage as a compound file of its own
    ///   ([`Attachment::ole_object_file`](crate::Attachment::ole_object_file)).
    /// - S/MIME: `IPM.Note.SMIME.MultipartSigned` is written as its stored
    ///   multipart/signed entity, byte for byte, under the outer headers (the
    ///   signature still verifies); `IPM.Note.SMIME` as an
    ///   application/pkcs7-mime message.
    ///
    /// Attachment data is streamed from the file in blocks: a large
    /// attachment is never held in memory.
    ///
    /// ```
    /// # let session = oxmsg::Session::new();
    /// let msg = oxmsg::Draft::new("Hello").to("Bob", "bob@example.com").text("Hi Bob").create(&session)?;
    /// let mut eml = Vec::new();
    /// let report = msg.to_eml(&mut eml)?;
    /// let text = String::from_utf8(eml).unwrap();
    /// assert!(text.contains("Subject: Hello\r\n"));
    /// assert!(report.is_empty(), "{report}");
    /// # Ok::<(), oxmsg::Error>(())
    /// ```
    ///
    /// # Errors
    /// I/O errors of `out`; errors reading the message (a damaged
    /// attachment or embedded message is reported as a loss, not an error).
    pub fn to_eml(&self, out: impl Write) -> Result<ConversionReport> {
        let mut report = ConversionReport::default();
        let mut w = MimeOut::new(out);
        write_message(self, &mut w, &mut report, "")?;
        w.out.flush().map_err(io_err)?;
        Ok(report)
    }
}

fn loc(path: &str, what: &str) -> String {
    if path.is_empty() {
        what.to_string()
    } else {
        format!("{path}/{what}")
    }
}

/// One whole message (headers and body) at `path` ("" for the top).
fn write_message<A: Access, W: Write>(
    msg: &Message<'_, A>,
    w: &mut MimeOut<W>,
    report: &mut ConversionReport,
    path: &str,
) -> Result<()> {
    let class = msg.get(tags::MESSAGE_CLASS)?.unwrap_or_else(|| "IPM.Note".into());
    let lower = class.to_ascii_lowercase();
    write_headers(msg, w, report, path)?;
    w.raw(b"MIME-Version: 1.0\r\n").map_err(io_err)?;

    if lower.starts_with("ipm.note.smime") {
        if let Some(done) = write_smime(
            msg,
            w,
            report,
            path,
            lower.starts_with("ipm.note.smime.multipartsigned"),
        )? {
            return Ok(done);
        }
    }
    if !(lower.starts_with("ipm.note") || lower.starts_with("ipm.post") || lower.starts_with("report.")) {
        report.add(
            LossKind::Property,
            &loc(path, "message"),
            format!("a {class} item becomes a mail: only its subject, people, body and attachments are carried"),
        );
    }
    let tree = build_tree(msg, report, path)?;
    write_node(msg, tree, w, report, path)?;
    Ok(())
}

/// The SMTP address of the sender fields with `prefix` (SENDER or
/// SENT_REPRESENTING), with its display name.
fn person<A: Access>(msg: &Message<'_, A>, representing: bool) -> Result<(Option<String>, Option<String>)> {
    let (name, smtp, email, addrtype) = if representing {
        (
            tags::SENT_REPRESENTING_NAME,
            tags::SENT_REPRESENTING_SMTP_ADDRESS,
            tags::SENT_REPRESENTING_EMAIL_ADDRESS,
            tags::SENT_REPRESENTING_ADDRTYPE,
        )
    } else {
        (
            tags::SENDER_NAME,
            tags::SENDER_SMTP_ADDRESS,
            tags::SENDER_EMAIL_ADDRESS,
            tags::SENDER_ADDRTYPE,
        )
    };
    let name = msg.get(name)?.filter(|s| !s.trim().is_empty());
    let smtp = msg.get(smtp)?.filter(|s| s.contains('@'));
    let email = msg.get(email)?;
    let addrtype = msg.get(addrtype)?;
    let addr = smtp.or_else(|| {
        email.filter(|e| e.contains('@') && addrtype.as_deref().is_none_or(|t| t.eq_ignore_ascii_case("SMTP")))
    });
    Ok((name, addr))
}

/// Whether `s` is a plain addr-spec (`local@domain`, no spaces).
fn looks_like_address(s: &str) -> bool {
    let s = s.trim();
    s.matches('@').count() == 1
        && !s.starts_with('@')
        && !s.ends_with('@')
        && s.bytes()
            .all(|b| b.is_ascii_graphic() && !b"<>()[],;:\\\"".contains(&b))
}

fn address<'x>(name: Option<String>, email: String) -> Address<'x> {
    Address::new_address(name.filter(|n| n != &email), email)
}

/// The header names in a header block, lower-cased.
fn header_fields(block: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in block.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            if out.is_empty() {
                continue;
            }
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some(last) = out.last_mut() {
                last.1.push_str("\r\n");
                last.1.push_str(line);
            }
            continue;
        }
        match line.split_once(':') {
            Some((name, _)) if !name.is_empty() && name.trim_end().bytes().all(|b| (33..127).contains(&b)) => {
                out.push((name.trim_end().to_ascii_lowercase(), line.to_string()))
            }
            // Not a header line (e.g. an mbox "From " line): dropped below.
            _ => out.push((String::new(), line.to_string())),
        }
    }
    out
}

fn write_headers<A: Access, W: Write>(
    msg: &Message<'_, A>,
    w: &mut MimeOut<W>,
    report: &mut ConversionReport,
    path: &str,
) -> Result<()> {
    let here = loc(path, "message");
    let flags = msg.get(tags::MESSAGE_FLAGS)?.unwrap_or(0);
    let draft = flags & MSGFLAG_UNSENT != 0;
    let transport = msg
        .get(tags::TRANSPORT_MESSAGE_HEADERS)?
        .filter(|h| h.contains(':'))
        .map(|h| header_fields(&h))
        .unwrap_or_default();
    let has = |n: &str| transport.iter().any(|(name, _)| name == n);
    for (name, line) in &transport {
        if name.is_empty() {
            report.add(
                LossKind::MalformedMime,
                &here,
                format!("a line of PR_TRANSPORT_MESSAGE_HEADERS that is not a header was left out: {line:.60?}"),
            );
            continue;
        }
        if name.starts_with("content-") || name == "mime-version" {
            continue;
        }
        w.raw(line.as_bytes()).map_err(io_err)?;
        w.raw(b"\r\n").map_err(io_err)?;
    }

    let (from_name, from) = person(msg, true)?;
    let (sender_name, sender) = person(msg, false)?;
    let (from_name, from) = match from {
        Some(f) => (from_name, Some(f)),
        None => (from_name.or(sender_name.clone()), sender.clone()),
    };
    if !has("from") {
        match &from {
            Some(f) => w
                .header("From", address(from_name.clone(), f.clone()))
                .map_err(io_err)?,
            None if !draft => {
                let who = from_name.clone().or(msg.get(tags::SENDER_EMAIL_ADDRESS)?);
                if let Some(who) = who {
                    report.add(
                        LossKind::NoSmtpAddress,
                        &here,
                        format!("the sender {who:?} has no SMTP address: no From header"),
                    );
                }
            }
            None => {}
        }
    }
    if transport.is_empty() {
        if let (Some(s), Some(f)) = (&sender, &from) {
            if !s.eq_ignore_ascii_case(f) {
                w.header("Sender", address(sender_name, s.clone())).map_err(io_err)?;
            }
        }
    }

    let mut to = Vec::new();
    let mut cc = Vec::new();
    let mut bcc = Vec::new();
    for r in msg.recipients()? {
        let name = r.display_name().filter(|n| !n.trim().is_empty());
        let kind = r.recipient_type();
        // An address typed and never resolved (an unsent draft) may be only
        // the display name: used when it is an addr-spec.
        let typed = name.clone().filter(|n| looks_like_address(n));
        match r.email().filter(|e| e.contains('@')).or(typed) {
            Some(e) => match kind {
                crate::RecipientType::Cc => cc.push(address(name, e)),
                crate::RecipientType::Bcc => bcc.push(address(name, e)),
                crate::RecipientType::To => to.push(address(name, e)),
                _ => {}
            },
            None => report.add(
                LossKind::NoSmtpAddress,
                &loc(path, &format!("recipient {}", r.row_id())),
                format!(
                    "{:?} ({}) has no SMTP address: left out of the {kind:?} header",
                    name.unwrap_or_default(),
                    r.email().unwrap_or_default()
                ),
            ),
        }
    }
    if !to.is_empty() && !has("to") {
        w.header("To", Address::new_list(to)).map_err(io_err)?;
    }
    if !cc.is_empty() && !has("cc") {
        w.header("Cc", Address::new_list(cc)).map_err(io_err)?;
    }
    if !bcc.is_empty() && !has("bcc") {
        if draft {
            w.header("Bcc", Address::new_list(bcc)).map_err(io_err)?;
        } else {
            report.add(
                LossKind::BccNotShown,
                &here,
                format!("{} Bcc recipient(s) of a sent message are not written", bcc.len()),
            );
        }
    }
    if !has("reply-to") {
        let entries = msg.get(tags::REPLY_RECIPIENT_ENTRIES)?.unwrap_or_default();
        let names = msg.get(tags::REPLY_RECIPIENT_NAMES)?.unwrap_or_default();
        let names: Vec<&str> = names.split(';').map(str::trim).collect();
        let list: Vec<Address<'_>> = crate::format::entryid::parse_flat_entry_list(&entries)
            .into_iter()
            .enumerate()
            .filter_map(|(i, e)| {
                let addr = crate::format::entryid::one_off_smtp_address(e)?;
                Some(address(
                    names.get(i).filter(|n| !n.is_empty()).map(|n| n.to_string()),
                    addr,
                ))
            })
            .collect();
        if !list.is_empty() {
            w.header("Reply-To", Address::new_list(list)).map_err(io_err)?;
        }
    }
    if !has("date") {
        // RFC 5322 3.6 requires a Date: the submit time, else delivery,
        // else when the item was last changed or made.
        let mut when = None;
        for t in [
            tags::CLIENT_SUBMIT_TIME,
            tags::MESSAGE_DELIVERY_TIME,
            tags::LAST_MODIFICATION_TIME,
            tags::CREATION_TIME,
        ] {
            if let Some(v) = msg.get(t)?.filter(|t| !t.is_none_sentinel() && t.0 != 0) {
                when = Some(v);
                break;
            }
        }
        if let Some(t) = when.filter(|t| !t.is_none_sentinel() && t.0 != 0) {
            w.header("Date", Date::new(t.to_unix().0)).map_err(io_err)?;
        }
    }
    if !has("subject") {
        if let Some(s) = msg.get(tags::SUBJECT)?.filter(|s| !s.is_empty()) {
            w.header("Subject", Text::new(s)).map_err(io_err)?;
        }
    }
    let ids = |s: &str| -> Vec<String> {
        s.split(|c: char| c.is_whitespace() || c == ',')
            .map(|id| id.trim().trim_start_matches('<').trim_end_matches('>').to_string())
            .filter(|id| !id.is_empty())
            .collect()
    };
    if !has("message-id") {
        if let Some(id) = msg
            .get(tags::INTERNET_MESSAGE_ID)?
            .map(|s| ids(&s))
            .and_then(|v| v.into_iter().next())
        {
            w.header("Message-ID", MessageId::new(id)).map_err(io_err)?;
        }
    }
    if transport.is_empty() {
        if let Some(v) = msg
            .get(tags::IN_REPLY_TO_ID)?
            .map(|s| ids(&s))
            .filter(|v| !v.is_empty())
        {
            w.header("In-Reply-To", MessageId::new_list(v.into_iter()))
                .map_err(io_err)?;
        }
        if let Some(v) = msg
            .get(tags::INTERNET_REFERENCES)?
            .map(|s| ids(&s))
            .filter(|v| !v.is_empty())
        {
            w.header("References", MessageId::new_list(v.into_iter()))
                .map_err(io_err)?;
        }
        match msg.get(tags::IMPORTANCE)? {
            Some(Importance::High) => {
                w.raw(b"Importance: high\r\nX-Priority: 1\r\n").map_err(io_err)?;
            }
            Some(Importance::Low) => {
                w.raw(b"Importance: low\r\nX-Priority: 5\r\n").map_err(io_err)?;
            }
            _ => {}
        }
        match msg.get(tags::PRIORITY)? {
            Some(1) => w.raw(b"Priority: urgent\r\n").map_err(io_err)?,
            Some(-1) => w.raw(b"Priority: non-urgent\r\n").map_err(io_err)?,
            _ => {}
        }
        // RFC 2156 5.3.4 values.
        let sens = match msg.get(tags::SENSITIVITY)? {
            Some(Sensitivity::Personal) => Some("Personal"),
            Some(Sensitivity::Private) => Some("Private"),
            Some(Sensitivity::Confidential) => Some("Company-Confidential"),
            _ => None,
        };
        if let Some(s) = sens {
            w.header_raw("Sensitivity", s).map_err(io_err)?;
        }
        if let Some(k) = msg.get_named(named::KEYWORDS)?.filter(|k| !k.is_empty()) {
            w.header("Keywords", Text::new(k.join(", "))).map_err(io_err)?;
        }
        // Internet headers Outlook kept as named properties (PS_INTERNET_HEADERS).
        for (id, name) in msg.named_props()? {
            if !name.is_internet_header() {
                continue;
            }
            let PropName::String(h) = &name.name else { continue };
            let value = msg.get_value(crate::PropTag::new(id, crate::PropType::UNICODE))?;
            if let Some(crate::PropValue::Unicode(v)) = value {
                if h.bytes().all(|b| (33..127).contains(&b) && b != b':') && !v.contains(['\r', '\n']) {
                    w.header(h, Text::new(v)).map_err(io_err)?;
                }
            }
        }
        if draft {
            w.raw(b"X-Unsent: 1\r\n").map_err(io_err)?;
        }
    }
    report_named(msg, report, &here)?;
    Ok(())
}

/// How many named properties a [`LossKind::NamedProperty`] loss names
/// before it says how many more there are.
const NAMED_LISTED: usize = 8;

/// A named property for people: its property set's name where oxmsg knows
/// it (else the GUID), its LID or string name, and its MS-OXPROPS name where
/// known: `PSETID_Common:0x8503 (PidLidReminderSet)`.
fn named_label(name: &crate::prop::NamedProp) -> String {
    let set = crate::prop::names::property_set_name(&name.guid).map_or_else(|| name.guid.to_string(), str::to_string);
    match crate::prop::names::named_prop_name(&name.guid, &name.name) {
        Some(known) => format!("{set}:{} ({known})", name.name),
        None => format!("{set}:{}", name.name),
    }
}

/// One loss for the named properties of the message that no header holds,
/// naming them (the first [`NAMED_LISTED`], then how many more).
fn report_named<A: Access>(msg: &Message<'_, A>, report: &mut ConversionReport, here: &str) -> Result<()> {
    let present: Vec<u16> = msg
        .prop_list()?
        .iter()
        .map(|t| t.id())
        .filter(|&id| id >= 0x8000)
        .collect();
    if present.is_empty() {
        return Ok(());
    }
    let mut labels = Vec::new();
    for (id, name) in msg.named_props()? {
        if !present.contains(&id) || name.is_internet_header() || name.matches(&named::KEYWORDS.name()) {
            continue;
        }
        labels.push(named_label(&name));
    }
    if labels.is_empty() {
        return Ok(());
    }
    let n = labels.len();
    let mut detail = if n == 1 {
        "1 named property has no MIME header: ".to_string()
    } else {
        format!("{n} named properties have no MIME header: ")
    };
    detail.push_str(&labels[..n.min(NAMED_LISTED)].join(", "));
    if n > NAMED_LISTED {
        detail.push_str(&format!(", and {} more", n - NAMED_LISTED));
    }
    report.add(LossKind::NamedProperty, here, detail);
    Ok(())
}

/// The S/MIME shapes; `None` when the message is not shaped as Outlook
/// shapes them (then it is written as an ordinary message).
fn write_smime<A: Access, W: Write>(
    msg: &Message<'_, A>,
    w: &mut MimeOut<W>,
    report: &mut ConversionReport,
    path: &str,
    multipart_signed: bool,
) -> Result<Option<()>> {
    let atts = msg.attachments()?;
    let Some(att) = atts.iter().find(|a| !a.is_embedded() && a.data().is_ok()) else {
        return Ok(None);
    };
    let mime = att.mime_type()?.unwrap_or_default().to_ascii_lowercase();
    if multipart_signed {
        // The whole signed entity: its own Content-Type header, a blank
        // line, the signed body and the signature part, byte for byte.
        let mut head = [0u8; 64];
        let n = read_up_to(&mut att.data()?, &mut head)?;
        let starts_with_header = head[..n]
            .iter()
            .position(|&b| b == b':')
            .is_some_and(|c| c > 0 && head[..c].iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-'));
        if !starts_with_header && !mime.starts_with("multipart/signed") {
            return Ok(None);
        }
        if !starts_with_header {
            // Only the body was stored: the header is rebuilt from the MIME tag.
            w.raw(b"Content-Type: ").map_err(io_err)?;
            w.raw(att.mime_type()?.unwrap_or_default().as_bytes()).map_err(io_err)?;
            w.raw(b"\r\n\r\n").map_err(io_err)?;
        }
        io::copy(&mut att.data()?, &mut w.out).map_err(io_err)?;
        let _ = (report, path);
        return Ok(Some(()));
    }
    if !(mime.contains("pkcs7-mime") || mime.is_empty() || mime == "application/octet-stream") {
        let name = att.filename()?.unwrap_or_default().to_ascii_lowercase();
        if !name.ends_with(".p7m") {
            return Ok(None);
        }
    }
    let mut head = [0u8; 64];
    let n = read_up_to(&mut att.data()?, &mut head)?;
    let smime_type = smime_type(&head[..n]);
    let name = att.filename()?.unwrap_or_else(|| "smime.p7m".into());
    w.header_raw(
        "Content-Type",
        &format!(
            "application/pkcs7-mime; smime-type={smime_type}; {}",
            legacy_name_param(&name)
        ),
    )
    .map_err(io_err)?;
    w.header_raw(
        "Content-Disposition",
        &format!("attachment; {}", param("filename", &name)),
    )
    .map_err(io_err)?;
    w.raw(b"Content-Transfer-Encoding: base64\r\n\r\n").map_err(io_err)?;
    w.base64_from(&mut att.data()?).map_err(io_err)?;
    Ok(Some(()))
}

/// `signed-data` or `enveloped-data` from the CMS content type OID near the
/// start of a PKCS #7 blob (RFC 5652: 1.2.840.113549.1.7.2 / .3).
fn smime_type(der: &[u8]) -> &'static str {
    const OID: [u8; 10] = [0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07];
    match der.windows(11).find(|w| w[..10] == OID).map(|w| w[10]) {
        Some(2) => "signed-data",
        Some(3) => "enveloped-data",
        Some(9) => "compressed-data",
        _ => "enveloped-data",
    }
}

fn read_up_to(r: &mut impl io::Read, buf: &mut [u8]) -> Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::io(e, "reading an attachment")),
        }
    }
    Ok(n)
}

fn build_tree<A: Access>(msg: &Message<'_, A>, report: &mut ConversionReport, path: &str) -> Result<Node> {
    let here = loc(path, "message");
    let body = match msg.body() {
        Ok(b) => b,
        Err(e) => {
            report.add(LossKind::Unreadable, &here, format!("the body could not be read: {e}"));
            None
        }
    };
    let soft = |r: Result<Option<String>>, what: &str, report: &mut ConversionReport| match r {
        Ok(v) => v,
        Err(e) => {
            report.add(
                LossKind::Unreadable,
                &here,
                format!("the {what} body could not be read: {e}"),
            );
            None
        }
    };
    let (text, html) = match &body {
        None => (None, None),
        Some(Body::Text(t)) => {
            // A stored HTML body beside a text best body is carried too.
            let stored_html = msg.prop_list()?.iter().any(|t| t.id() == tags::HTML.id());
            let html = if stored_html {
                soft(msg.body_html(), "HTML", report)
            } else {
                None
            };
            (Some(t.clone()), html)
        }
        Some(Body::Html(h)) => (soft(msg.body_text(), "text", report), Some(h.clone())),
        Some(Body::Rtf(_)) => {
            report.add(
                LossKind::RtfFormatting,
                &here,
                "the body is RTF only: written as HTML rendered from it and its text; pictures and other RTF-only formatting are not carried",
            );
            (
                soft(msg.body_text(), "text", report),
                soft(msg.body_html(), "HTML", report),
            )
        }
    };
    let text = text.unwrap_or_default();
    let mut body_node = Node::Text("text/plain", text);
    if let Some(h) = &html {
        let html_node = match stored_html_bytes(msg, h)? {
            Some((bytes, charset)) => Node::Html(bytes, charset),
            None => Node::Text("text/html", h.clone()),
        };
        body_node = Node::Multipart("alternative", vec![body_node, html_node]);
    }
    let html_lower = html.as_deref().unwrap_or("").to_ascii_lowercase();

    let mut inline = Vec::new();
    let mut mixed = Vec::new();
    for a in msg.attachments()? {
        let num = a.id().num();
        let at = loc(path, &format!("attachment {num}"));
        if a.is_embedded() {
            mixed.push(Node::Embedded(num));
            continue;
        }
        let method = a.get(tags::ATTACH_METHOD)?.unwrap_or(AttachMethod::ByValue);
        let name = a.filename()?.unwrap_or_default();
        match method {
            AttachMethod::Ole => {
                match a.ole_object_file() {
                    Ok(Some(bytes)) => {
                        let name = if name.is_empty() {
                            format!("ole-object-{num}.bin")
                        } else {
                            name
                        };
                        report.add(
                            LossKind::OleObject,
                            &at,
                            format!(
                                "the OLE object {name:?} is carried as application/octet-stream (its storage as \
                                 a compound file); MIME has no place for its class and rendering"
                            ),
                        );
                        mixed.push(Node::Ole(bytes, name));
                        continue;
                    }
                    // No storage: its data, if any, goes out as a file below.
                    Ok(None) => {}
                    Err(e) => {
                        report.add(
                            LossKind::Unreadable,
                            &at,
                            format!("the OLE object {name:?} could not be read: {e}"),
                        );
                        continue;
                    }
                }
            }
            AttachMethod::ByReference | AttachMethod::ByRefResolve | AttachMethod::ByRefOnly => {
                let p = a.get(tags::ATTACH_LONG_PATHNAME)?.or(a.get(tags::ATTACH_PATHNAME)?);
                report.add(
                    LossKind::AttachmentByReference,
                    &at,
                    format!(
                        "{name:?} is attached by reference to {:?}: no data to carry",
                        p.unwrap_or_default()
                    ),
                );
                continue;
            }
            _ => {}
        }
        if let Err(e) = a.data() {
            if !matches!(e, Error::PropNotFound { .. }) {
                report.add(LossKind::Unreadable, &at, format!("{name:?} could not be read: {e}"));
                continue;
            }
        }
        let cid = a.content_id()?.map(|c| clean_cid(&c)).filter(|c| !c.is_empty());
        let referenced = cid
            .as_deref()
            .is_some_and(|c| html_lower.contains(&format!("cid:{}", c.to_ascii_lowercase())));
        if referenced {
            inline.push(Node::File { num, inline: true });
        } else {
            mixed.push(Node::File { num, inline: false });
        }
    }
    if !inline.is_empty() {
        let mut parts = vec![body_node];
        parts.extend(inline);
        body_node = Node::Multipart("related", parts);
    }
    if !mixed.is_empty() {
        let mut parts = vec![body_node];
        parts.extend(mixed);
        body_node = Node::Multipart("mixed", parts);
    }
    Ok(body_node)
}

/// PR_HTML's bytes and the charset they are in, when the HTML body is
/// PR_HTML (binary, PR_INTERNET_CPID a charset encoding_rs knows) and not
/// one derived from RTF.
fn stored_html_bytes<A: Access>(msg: &Message<'_, A>, html: &str) -> Result<Option<(Vec<u8>, &'static str)>> {
    let Some(crate::PropValue::Binary(bytes)) = msg.get_value(tags::HTML)? else {
        return Ok(None);
    };
    let Some(enc) = msg
        .get(tags::INTERNET_CPID)?
        .filter(|&c| c > 0)
        .and_then(|c| crate::format::codepage::encoding_for(c as u32))
    else {
        return Ok(None);
    };
    if enc == encoding_rs::UTF_16LE || enc == encoding_rs::UTF_16BE {
        return Ok(None);
    }
    let (text, _) = enc.decode_without_bom_handling(&bytes);
    if text.trim_end_matches('\0') != html {
        return Ok(None);
    }
    let end = bytes.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    Ok(Some((bytes[..end].to_vec(), enc.name())))
}

fn clean_cid(c: &str) -> String {
    c.trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim()
        .to_string()
}

fn write_node<A: Access, W: Write>(
    msg: &Message<'_, A>,
    node: Node,
    w: &mut MimeOut<W>,
    report: &mut ConversionReport,
    path: &str,
) -> Result<()> {
    match node {
        Node::Multipart(sub, children) => {
            let b = w.boundary();
            w.raw(format!("Content-Type: multipart/{sub};\r\n boundary=\"{b}\"\r\n\r\n").as_bytes())
                .map_err(io_err)?;
            for (i, child) in children.into_iter().enumerate() {
                let delimiter = if i == 0 {
                    format!("--{b}\r\n")
                } else {
                    format!("\r\n--{b}\r\n")
                };
                w.raw(delimiter.as_bytes()).map_err(io_err)?;
                write_node(msg, child, w, report, path)?;
            }
            w.raw(format!("\r\n--{b}--\r\n").as_bytes()).map_err(io_err)?;
        }
        Node::Text(ctype, text) => {
            MimePart::new(
                mail_builder::headers::content_type::ContentType::new(ctype).attribute("charset", "utf-8"),
                BodyPart::Text(text.into()),
            )
            .write_part(&mut w.out)
            .map_err(io_err)?;
        }
        Node::Html(bytes, charset) => {
            w.raw(
                format!("Content-Type: text/html; charset=\"{charset}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
                    .as_bytes(),
            )
            .map_err(io_err)?;
            w.base64_from(&mut &bytes[..]).map_err(io_err)?;
        }
        Node::File { num, inline } => {
            let a = msg.open_attachment(num)?;
            write_file(&a, inline, w).map_err(io_err)?;
        }
        Node::Ole(bytes, name) => {
            w.header_raw(
                "Content-Type",
                &format!("application/octet-stream; {}", legacy_name_param(&name)),
            )
            .map_err(io_err)?;
            w.header_raw(
                "Content-Disposition",
                &format!("attachment; {}; size={}", param("filename", &name), bytes.len()),
            )
            .map_err(io_err)?;
            w.raw(b"Content-Transfer-Encoding: base64\r\n\r\n").map_err(io_err)?;
            w.base64_from(&mut &bytes[..]).map_err(io_err)?;
        }
        Node::Embedded(num) => {
            let a = msg.open_attachment(num)?;
            let at = loc(path, &format!("attachment {num}"));
            match a.open_embedded() {
                Ok(inner) => {
                    let subject = inner.get(tags::SUBJECT).ok().flatten().unwrap_or_default();
                    let name = a
                        .filename()?
                        .unwrap_or_else(|| format!("{}.eml", if subject.is_empty() { "message" } else { &subject }));
                    w.raw(b"Content-Type: message/rfc822\r\n").map_err(io_err)?;
                    w.header_raw(
                        "Content-Disposition",
                        &format!("attachment; {}", param("filename", &name)),
                    )
                    .map_err(io_err)?;
                    w.raw(b"\r\n").map_err(io_err)?;
                    write_message(&inner, w, report, &format!("{at}/embedded"))?;
                }
                Err(e) => {
                    report.add(
                        LossKind::Unreadable,
                        &at,
                        format!("the embedded message could not be read: {e}"),
                    );
                    w.raw(b"Content-Type: text/plain; charset=utf-8\r\n\r\n")
                        .map_err(io_err)?;
                }
            };
        }
    }
    Ok(())
}

/// A by-value attachment as a base64 leaf, streamed from its data.
fn write_file<A: Access, W: Write>(a: &Attachment<'_, A>, inline: bool, w: &mut MimeOut<W>) -> io::Result<()> {
    let e = |e: Error| io::Error::other(e.to_string());
    let name = a.filename().map_err(e)?;
    let mime = a
        .mime_type()
        .map_err(e)?
        .map(|m| m.trim().to_ascii_lowercase())
        .filter(|m| m.contains('/') && m.bytes().all(|b| b.is_ascii_graphic()))
        // message/* and multipart/* cannot be base64 (RFC 2045 6.4): a
        // by-value file of such a type is carried as bytes.
        .filter(|m| !m.starts_with("message/") && !m.starts_with("multipart/"))
        .unwrap_or_else(|| guess_mime(name.as_deref().unwrap_or("")).to_string());
    let size = a.size().map_err(e)?.unwrap_or(0);
    let mut ct = mime.clone();
    if let Some(n) = &name {
        ct.push_str("; ");
        ct.push_str(&legacy_name_param(n));
    }
    w.header_raw("Content-Type", &ct)?;
    let mut cd = String::from(if inline { "inline" } else { "attachment" });
    if let Some(n) = &name {
        cd.push_str("; ");
        cd.push_str(&param("filename", n));
    }
    cd.push_str(&format!("; size={size}"));
    w.header_raw("Content-Disposition", &cd)?;
    if let Some(cid) = a
        .content_id()
        .map_err(e)?
        .map(|c| clean_cid(&c))
        .filter(|c| !c.is_empty())
    {
        if cid.bytes().all(|b| b.is_ascii_graphic()) {
            w.raw(format!("Content-ID: <{cid}>\r\n").as_bytes())?;
        }
    }
    if let Some(l) = a
        .get(tags::ATTACH_CONTENT_LOCATION)
        .map_err(e)?
        .filter(|l| !l.is_empty())
    {
        if l.bytes().all(|b| b.is_ascii_graphic()) {
            w.raw(format!("Content-Location: {l}\r\n").as_bytes())?;
        }
    }
    w.raw(b"Content-Transfer-Encoding: base64\r\n\r\n")?;
    match a.data() {
        Ok(mut d) => {
            w.base64_from(&mut d)?;
        }
        Err(Error::PropNotFound { .. }) => {}
        Err(err) => return Err(e(err)),
    }
    Ok(())
}

/// A MIME type for a file name's extension, for attachments without
/// PR_ATTACH_MIME_TAG.
fn guess_mime(name: &str) -> &'static str {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "txt" | "log" | "csv" => "text/plain",
        "htm" | "html" => "text/html",
        "pdf" => "application/pdf",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "bmp" => "image/bmp",
        "zip" => "application/zip",
        "xml" => "application/xml",
        "rtf" => "application/rtf",
        "ics" => "text/calendar",
        "vcf" => "text/vcard",
        "doc" => "application/msword",
        "xls" => "application/vnd.ms-excel",
        "ppt" => "application/vnd.ms-powerpoint",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        _ => "application/octet-stream",
    }
}
