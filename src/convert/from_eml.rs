//! .eml → .msg: [`Session::open_eml`].

use std::borrow::Cow;
use std::io::Read;

use mail_parser::{HeaderName, MessageParser, MimeHeaders, PartType};

use super::eml_spill;
use super::mime_read;
use super::report::{ConversionReport, LossKind};
use crate::access::{ReadWrite, Writable};
use crate::error::{Error, Result};
use crate::format::entryid::one_off_smtp;
use crate::message::Message;
use crate::prop::{named, tags, AttachMethod, FileTime, Importance, PropValue, RecipientType, Sensitivity};
use crate::session::Session;

/// The largest .eml [`Session::open_eml`] reads (1 GiB).
pub const MAX_EML_BYTES: u64 = 1 << 30;

/// The most message/* parts an .eml may have (each could be nested in the
/// one before, and the MIME parser recurses once per level).
pub const MAX_MESSAGE_PARTS: u64 = 512;

/// MSGFLAG_READ (MS-OXCMSG 2.2.1.6).
const MSGFLAG_READ: i32 = 0x1;

type Parsed<'x> = mail_parser::Message<'x>;

impl Session {
    /// Reads an Internet message (RFC 5322 / MIME, a `.eml`) into a new
    /// in-memory read-write message, as Outlook stores a received mail, and
    /// says what the .msg could not hold. Save it with
    /// [`Message::save_as`], [`Message::save_to`] or [`Message::to_bytes`].
    ///
    /// The message is `IPM.Note` with MSGFLAG_READ (received, not a draft),
    /// with PR_SENDER_* and PR_SENT_REPRESENTING_* (From, or Sender when it
    /// names another address) with one-off entry ids; one recipient row per
    /// To, Cc and Bcc address (SMTP address, one-off entry id; PR_DISPLAY_TO,
    /// _CC, _BCC follow); Reply-To as PR_REPLY_RECIPIENT_NAMES and
    /// PR_REPLY_RECIPIENT_ENTRIES (one-off entry ids); PR_CLIENT_SUBMIT_TIME (Date) and
    /// PR_MESSAGE_DELIVERY_TIME (the newest Received date, else Date);
    /// PR_SUBJECT with PR_SUBJECT_PREFIX, PR_NORMALIZED_SUBJECT and
    /// PR_CONVERSATION_TOPIC; PR_INTERNET_MESSAGE_ID, PR_IN_REPLY_TO_ID,
    /// PR_INTERNET_REFERENCES; PR_IMPORTANCE (Importance or X-Priority),
    /// PR_PRIORITY, PR_SENSITIVITY, the categories (Keywords); the whole
    /// header block in PR_TRANSPORT_MESSAGE_HEADERS; the bodies through
    /// [`Message::set_body_html`] / [`Message::set_body_text`] (text, HTML
    /// and RTF in step; the MIME text part kept as PR_BODY); every attachment
    /// with its name, MIME type, content id and location (images the HTML
    /// shows are hidden, `ATT_MHTML_REF`); message/rfc822 parts as embedded
    /// messages, recursively. Every charset is decoded with `encoding_rs`.
    ///
    /// S/MIME: a multipart/signed message becomes
    /// `IPM.Note.SMIME.MultipartSigned` whose one attachment (`smime.p7m`,
    /// multipart/signed) holds the signed entity byte for byte, as Outlook
    /// stores it; an application/pkcs7-mime message becomes `IPM.Note.SMIME`
    /// with the PKCS #7 blob as `smime.p7m`.
    ///
    /// Streaming: `input` is read once, a line at a time. A run of base64
    /// lines longer than 1 MiB in a part whose header says
    /// `Content-Transfer-Encoding: base64` goes to a temporary file as it is
    /// read (MIME is still parsed by `mail-parser`, over the rest), and the
    /// attachment it is the body of is decoded from there, a chunk at a
    /// time, into the attachment's data stream (a temporary file too past 1
    /// MiB; a signed entity is copied from there the same way). So a big
    /// attachment is never held in memory: with a 200 MiB attachment,
    /// `examples/eml2msg.rs` peaks below 10 MB. When a run is not the whole
    /// body of one base64 attachment as `mail-parser` parses the message (a
    /// body part sent base64, a message/rfc822 part sent base64, base64-like
    /// lines inside a text part), the input is put together again and parsed
    /// in memory, as a whole: the message is the same either way.
    ///
    /// ```
    /// let session = oxmsg::Session::new();
    /// let eml = "From: Ann <ann@example.com>\r\nTo: bob@example.com\r\nSubject: RE: Hi\r\n\r\nHello\r\n";
    /// let (msg, report) = session.open_eml(eml.as_bytes())?;
    /// assert_eq!(msg.get(oxmsg::tags::NORMALIZED_SUBJECT)?.as_deref(), Some("Hi"));
    /// assert_eq!(msg.recipients()?[0].email().as_deref(), Some("bob@example.com"));
    /// assert!(report.is_empty(), "{report}");
    /// # Ok::<(), oxmsg::Error>(())
    /// ```
    ///
    /// # Errors
    /// I/O errors of `input` and of the temporary files;
    /// [`Error::LimitExceeded`] beyond
    /// [`MAX_EML_BYTES`](crate::convert::MAX_EML_BYTES); [`Error::CorruptData`]
    /// when the input has no header at all. Damaged MIME is read as well as
    /// can be and reported, not refused.
    ///
    /// # MAPI
    /// What Outlook's MIME-to-MAPI conversion (`IConverterSession::MIMEToMAPI`)
    /// does, on a message from `OpenIMsgOnIStg` over a new storage.
    pub fn open_eml(&self, input: impl Read) -> Result<(Message<'_, ReadWrite>, ConversionReport)> {
        self.open_eml_with(input, eml_spill::SPILL_THRESHOLD)
            .map(|(msg, report, _)| (msg, report))
    }

    /// [`Session::open_eml`], setting aside base64 runs longer than
    /// `threshold` bytes; also says which way the message was made.
    pub(crate) fn open_eml_with(
        &self,
        input: impl Read,
        threshold: usize,
    ) -> Result<(Message<'_, ReadWrite>, ConversionReport, EmlPath)> {
        let input = eml_spill::read(input, threshold)?;
        // mail-parser parses and drops nested messages recursively: a few
        // thousand levels overflow the stack. Count them before parsing:
        // `input.nested` is how often the input names `message/` (an upper
        // bound of its nesting depth), runs set aside included.
        if input.nested > MAX_MESSAGE_PARTS {
            return Err(Error::LimitExceeded {
                limit: "MAX_MESSAGE_PARTS",
                value: input.nested,
                max: MAX_MESSAGE_PARTS,
                path: "the .eml".into(),
            });
        }
        if input.runs.is_empty() {
            let bytes = &input.skeleton[header_start(&input.skeleton)..];
            let (msg, report) = self.convert_eml(bytes, &Diverted::none())?;
            return Ok((msg, report, EmlPath::Whole));
        }
        if let Some((msg, report)) = self.convert_diverted(&input) {
            return Ok((msg, report, EmlPath::Streamed));
        }
        // The runs put back: the input parsed as it was read.
        let whole = input.into_whole()?;
        let bytes = &whole[header_start(&whole)..];
        let (msg, report) = self.convert_eml(bytes, &Diverted::none())?;
        Ok((msg, report, EmlPath::Fallback))
    }

    /// The message of the skeleton of `input`, its runs decoded from the
    /// temporary file; `None` when that would not be exactly the message of
    /// the input as read (a marker that is not the whole body of one base64
    /// part, or anything failing on the way).
    fn convert_diverted(&self, input: &eml_spill::Input) -> Option<(Message<'_, ReadWrite>, ConversionReport)> {
        let start = header_start(&input.skeleton);
        let bytes = &input.skeleton[start..];
        let parsed = parse_eml(bytes).ok()?;
        let mut d = Diverted {
            input: Some(input),
            base: bytes,
            start,
            bound: Vec::new(),
        };
        if !d.bind(&parsed) {
            return None;
        }
        self.fill_new(&parsed, &d).ok()
    }

    /// The message of the .eml `bytes` (leading white-space lines skipped).
    fn convert_eml(&self, bytes: &[u8], d: &Diverted<'_>) -> Result<(Message<'_, ReadWrite>, ConversionReport)> {
        let parsed = parse_eml(bytes)?;
        self.fill_new(&parsed, d)
    }

    fn fill_new(&self, parsed: &Parsed<'_>, d: &Diverted<'_>) -> Result<(Message<'_, ReadWrite>, ConversionReport)> {
        let max_depth = self.options().open.limits.max_depth;
        let mut report = ConversionReport::default();
        let mut msg = self.opener().create_in_memory()?;
        fill(&msg, parsed, &mut report, "", 0, max_depth, d)?;
        msg.save_changes()?;
        Ok((msg, report))
    }
}

/// Which way [`Session::open_eml_with`] made the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EmlPath {
    /// No run was set aside: the input was parsed as read.
    Whole,
    /// From the skeleton, runs decoded from the temporary file.
    Streamed,
    /// Runs were set aside but the skeleton could not stand for the input:
    /// parsed as read, the runs put back.
    Fallback,
}

/// Where the header starts: lines of only white space before the first
/// header (seen in real mail) are not a header, and are skipped, as
/// Python's email package does.
fn header_start(bytes: &[u8]) -> usize {
    let mut start = 0;
    while let Some(nl) = bytes[start..].iter().position(|&b| b == b'\n') {
        let line = &bytes[start..start + nl];
        if line.is_empty() || line.iter().any(|b| !b.is_ascii_whitespace()) || line == b"\r" {
            break;
        }
        start += nl + 1;
    }
    start
}

/// mail-parser's parse of `bytes`, refused when it has no header.
fn parse_eml(bytes: &[u8]) -> Result<Parsed<'_>> {
    // mail-parser is not ours: a panic inside it is an error here, not
    // a crash of the caller.
    let parsed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| MessageParser::default().parse(bytes)))
        .map_err(|_| Error::corrupt("the .eml", "the MIME parser failed on this input"))?
        .filter(|m| !m.parts.is_empty())
        .ok_or_else(|| Error::corrupt("the .eml", "no header: not an Internet message"))?;
    if parsed.parts[0].headers.is_empty() {
        return Err(Error::corrupt("the .eml", "no header: not an Internet message"));
    }
    Ok(parsed)
}

/// The runs of the input set aside (none when the input is parsed as read),
/// and which part of mail-parser's parse of the skeleton stands for each.
struct Diverted<'a> {
    input: Option<&'a eml_spill::Input>,
    /// What mail-parser parsed: the skeleton from `start` on.
    base: &'a [u8],
    start: usize,
    /// For each run, the address of its part.
    bound: Vec<usize>,
}

impl<'a> Diverted<'a> {
    fn none() -> Self {
        Diverted {
            input: None,
            base: &[],
            start: 0,
            bound: Vec::new(),
        }
    }

    /// Whether `m`'s raw bytes are the skeleton (the top message and the
    /// messages mail-parser read in place; a base64 message/rfc822 part is
    /// parsed from its own decoded bytes).
    fn is_base(&self, m: &Parsed<'_>) -> bool {
        self.input.is_some() && m.raw_message.as_ptr() == self.base.as_ptr() && m.raw_message.len() == self.base.len()
    }

    /// Finds, for every run, the one part whose body is exactly its marker:
    /// a leaf of a message read in place, base64 without a decoding
    /// problem, whose body is the marker at the run's place with nothing
    /// but spaces, tabs and line ends around it. `false` when a run has no
    /// such part, or more than one.
    ///
    /// When every run has one, mail-parser parsed the skeleton as it parses
    /// the input: the two differ only inside those bodies, where a marker
    /// stands for a run, and a run (base64 alphabet and line ends only)
    /// holds no `-` (no boundary) and nothing mail-parser's base64 decoding
    /// fails on, so the parse goes the same way through both, part for
    /// part, with the same headers, kinds, lists and encoding problems;
    /// only those parts' decoded bytes differ, and the spaces, tabs and
    /// line ends around a run are skipped by the decoder, so the input's
    /// part decodes to what the run alone decodes to. Every other byte
    /// `fill` reads (header fields, other bodies) is the input's own, except
    /// where it copies a whole range that holds a marker ([`Self::raw_from`]
    /// puts the runs back there).
    fn bind(&mut self, top: &Parsed<'_>) -> bool {
        let Some(input) = self.input else { return false };
        let mut found = vec![0usize; input.runs.len()];
        self.bound = vec![0; input.runs.len()];
        let mut stack = vec![top];
        while let Some(m) = stack.pop() {
            if !self.is_base(m) {
                continue;
            }
            // A body is held whole as a property anyway: a run in a body
            // part stays unbound, and the input is parsed as read.
            let (text_id, html_id) = body_parts(m);
            for (n, part) in m.parts.iter().enumerate() {
                if [text_id, html_id].contains(&Some(n as u32)) {
                    continue;
                }
                let binary = match &part.body {
                    PartType::Message(inner) => {
                        stack.push(inner);
                        continue;
                    }
                    PartType::Binary(b) | PartType::InlineBinary(b) => Some(b.as_ref()),
                    PartType::Text(_) | PartType::Html(_) => None,
                    PartType::Multipart(_) => continue,
                };
                if part.is_encoding_problem || part.encoding != mail_parser::Encoding::Base64 {
                    continue;
                }
                let Some(body) = self.base.get(part.offset_body as usize..part.offset_end as usize) else {
                    continue;
                };
                let ws = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
                let lead = body.iter().take_while(|b| ws(b)).count();
                let trail = body[lead..].iter().rev().take_while(|b| ws(b)).count();
                let text = &body[lead..body.len() - trail];
                let at = self.start + part.offset_body as usize + lead;
                let Ok(i) = input.runs.binary_search_by_key(&at, |r| r.at) else {
                    continue;
                };
                let run = &input.runs[i];
                if text != run.text || binary.is_some_and(|b| b != run.marker) {
                    continue;
                }
                found[i] += 1;
                self.bound[i] = part as *const mail_parser::MessagePart<'_> as usize;
            }
        }
        found.iter().all(|&n| n == 1)
    }

    /// The run whose marker is `part`'s body.
    fn run_of(&self, part: &mail_parser::MessagePart<'_>) -> Option<usize> {
        let addr = part as *const mail_parser::MessagePart<'_> as usize;
        self.bound.iter().position(|&a| a == addr)
    }

    /// The bytes of `m` from `from` on, as the input holds them (runs put
    /// back in place of their markers).
    fn raw_from<'m>(&'m self, m: &'m Parsed<'_>, from: usize) -> Result<eml_spill::Segments<'m>> {
        match self.input {
            Some(input) if self.is_base(m) => input
                .expanded_from(self.start + from.min(self.base.len()))
                .ok_or_else(|| Error::corrupt("the .eml", "a range that cuts a base64 run set aside")),
            _ => Ok(eml_spill::Segments::bytes(
                m.raw_message.get(from..).unwrap_or_default(),
            )),
        }
    }
}

fn loc(path: &str, what: &str) -> String {
    if path.is_empty() {
        what.to_string()
    } else {
        format!("{path}/{what}")
    }
}

/// PR_SUBJECT_PREFIX as MS-OXCMSG 2.2.1.9 finds it: one to three
/// characters, not digits or spaces, then a colon and a space.
fn split_subject(subject: &str) -> (&str, &str) {
    for (i, c) in subject.char_indices().take(4) {
        if c == ':' {
            let prefix = &subject[..i];
            if !prefix.is_empty()
                && prefix.chars().all(|c| !c.is_whitespace() && !c.is_ascii_digit())
                && subject[i + 1..].starts_with(' ')
            {
                return (&subject[..i + 2], &subject[i + 2..]);
            }
            break;
        }
    }
    ("", subject)
}

fn filetime(d: &mail_parser::DateTime) -> FileTime {
    FileTime::from_unix_secs(d.to_timestamp())
}

/// The addresses of an address header, groups flattened.
fn addrs<'a>(a: Option<&'a mail_parser::Address<'a>>) -> Vec<(Option<String>, String)> {
    a.map(|a| {
        a.iter()
            .filter_map(|x| {
                let addr = x.address()?.trim().to_string();
                if addr.is_empty() {
                    return None;
                }
                Some((x.name().map(|n| n.trim().to_string()).filter(|n| !n.is_empty()), addr))
            })
            .collect()
    })
    .unwrap_or_default()
}

/// The text of a header, raw (unfolded, trimmed).
fn raw_header(m: &Parsed<'_>, name: &str) -> Option<String> {
    m.parts[0]
        .headers
        .iter()
        .find(|h| h.name.as_str().eq_ignore_ascii_case(name))
        .and_then(|h| {
            m.raw_message
                .get(h.offset_start as usize..h.offset_end as usize)
                .map(|b| String::from_utf8_lossy(b).replace(['\r', '\n'], "").trim().to_string())
        })
}

fn message_ids(v: &mail_parser::HeaderValue<'_>) -> Vec<String> {
    match v {
        mail_parser::HeaderValue::Text(t) => vec![format!("<{t}>")],
        mail_parser::HeaderValue::TextList(l) => l.iter().map(|t| format!("<{t}>")).collect(),
        _ => Vec::new(),
    }
}

/// Base64 decoded as leniently as Python's email package does: characters
/// outside the alphabet are skipped, missing padding is added.
fn lenient_base64(raw: &[u8]) -> Option<Vec<u8>> {
    use base64::Engine as _;
    let mut clean: Vec<u8> = raw
        .iter()
        .copied()
        .take_while(|&b| b != b'=')
        .filter(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/')
        .collect();
    if clean.len() % 4 == 1 {
        clean.pop();
    }
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::RequireNone),
    );
    engine.decode(&clean).ok()
}

/// The transfer-decoded bytes of a leaf part, before any charset decoding.
fn leaf_bytes<'x>(m: &'x Parsed<'_>, part: &'x mail_parser::MessagePart<'_>) -> Cow<'x, [u8]> {
    let raw_body = || {
        m.raw_message
            .get(part.offset_body as usize..part.offset_end as usize)
            .unwrap_or_default()
    };
    let base64_cte = part
        .content_transfer_encoding()
        .is_some_and(|c| c.trim().eq_ignore_ascii_case("base64"));
    if part.is_encoding_problem && (part.encoding == mail_parser::Encoding::Base64 || base64_cte) {
        if let Some(d) = lenient_base64(raw_body()) {
            return Cow::Owned(d);
        }
    }
    // Quoted-printable is decoded here, from the raw part: mail-parser drops
    // the last octet before a final soft line break and keeps a line break
    // of a non-text part as LF (mime_read::quoted_printable).
    if !matches!(part.body, PartType::Message(_) | PartType::Multipart(_)) && mime_read::is_quoted_printable(part) {
        let binary = !mime_read::content_type(part).starts_with("text/");
        return Cow::Owned(mime_read::quoted_printable(raw_body(), binary).0);
    }
    match &part.body {
        PartType::Binary(b) | PartType::InlineBinary(b) => Cow::Borrowed(b.as_ref()),
        PartType::Text(t) | PartType::Html(t) => {
            let raw = m
                .raw_message
                .get(part.offset_body as usize..part.offset_end as usize)
                .unwrap_or_default();
            // The Content-Transfer-Encoding field decides (mail-parser's
            // `encoding` is not always set for text parts).
            let cte = part
                .content_transfer_encoding()
                .map(|c| c.trim().to_ascii_lowercase())
                .unwrap_or_default();
            let decoded = if part.encoding == mail_parser::Encoding::Base64 || cte == "base64" {
                mail_parser::decoders::base64::base64_decode(raw)
            } else {
                Some(raw.to_vec())
            };
            match decoded {
                Some(d) => Cow::Owned(d),
                None => Cow::Borrowed(t.as_bytes()),
            }
        }
        _ => Cow::Borrowed(&[]),
    }
}

/// The text/plain and text/html body parts of `m`: the first of each that
/// mail-parser names; when it set a body part aside (a damaged transfer
/// encoding), the part the MIME structure makes the body.
fn body_parts(m: &Parsed<'_>) -> (Option<u32>, Option<u32>) {
    let first = |ids: &[u32], html: bool, subtype: &str| {
        ids.iter()
            .copied()
            .find(|&i| {
                m.parts.get(i as usize).is_some_and(|p| match p.body {
                    PartType::Text(_) => !html,
                    PartType::Html(_) => html,
                    _ => false,
                })
            })
            .or_else(|| mime_read::body_by_structure(&m.parts, subtype))
    };
    (first(&m.text_body, false, "plain"), first(&m.html_body, true, "html"))
}

/// The transfer-decoded bytes of a leaf part as a reader: decoded from its
/// run when the part stands for a run set aside, else [`leaf_bytes`].
fn leaf_data<'x>(m: &'x Parsed<'_>, part: &'x mail_parser::MessagePart<'_>, d: &'x Diverted<'_>) -> Box<dyn Read + 'x> {
    match (d.run_of(part), d.input) {
        (Some(i), Some(input)) => Box::new(input.decoded(i)),
        _ => Box::new(std::io::Cursor::new(leaf_bytes(m, part))),
    }
}

/// The Windows code page of a text part's charset (for PR_INTERNET_CPID),
/// when the charset is one encoding_rs decodes exactly as that code page.
fn part_codepage(part: &mail_parser::MessagePart<'_>) -> Option<u32> {
    let label = part
        .content_type()
        .and_then(|ct| ct.attribute("charset"))
        .unwrap_or("us-ascii")
        .trim();
    let enc = encoding_rs::Encoding::for_label(label.as_bytes())?;
    const CANDIDATES: [u32; 36] = [
        65001, 1252, 1250, 1251, 1253, 1254, 1255, 1256, 1257, 1258, 874, 866, 932, 936, 949, 950, 10000, 10007, 20866,
        21866, 28592, 28593, 28594, 28595, 28596, 28597, 28598, 38598, 28600, 28603, 28604, 28605, 28606, 50220, 51932,
        54936,
    ];
    CANDIDATES
        .into_iter()
        .find(|&cp| crate::format::codepage::encoding_for(cp) == Some(enc))
}

/// Reports a charset that encoding_rs does not know.
fn check_charset(part: &mail_parser::MessagePart<'_>, report: &mut ConversionReport, at: &str) {
    if let Some(cs) = part.content_type().and_then(|ct| ct.attribute("charset")) {
        let cs = cs.trim();
        if !cs.is_empty()
            && encoding_rs::Encoding::for_label(cs.as_bytes()).is_none()
            && !cs.eq_ignore_ascii_case("us-ascii")
        {
            report.add(
                LossKind::UnknownCharset,
                at,
                format!("charset {cs:?} is unknown: the text was read as UTF-8, bad bytes replaced"),
            );
        }
    }
}

fn set_one_off<A: Writable>(msg: &Message<'_, A>, sender: bool, name: &str, email: &str) -> Result<()> {
    let id = PropValue::Binary(one_off_smtp(name, email));
    let mut key = format!("SMTP:{}", email.to_uppercase()).into_bytes();
    key.push(0);
    if sender {
        msg.set_value(tags::SENDER_ENTRYID, id)?;
        msg.set(tags::SENDER_SEARCH_KEY, key)?;
    } else {
        msg.set_value(tags::SENT_REPRESENTING_ENTRYID, id)?;
    }
    Ok(())
}

/// Fills `msg` from the parsed MIME message `m` (at `path`, `depth` levels
/// of embedding down). Part data and whole ranges of the raw message are
/// read through `d`, which puts back the runs set aside.
fn fill<A: Writable>(
    msg: &Message<'_, A>,
    m: &Parsed<'_>,
    report: &mut ConversionReport,
    path: &str,
    depth: u32,
    max_depth: u32,
    d: &Diverted<'_>,
) -> Result<()> {
    let here = loc(path, "message");
    // mail-parser's accessors index parts[0]: a message without parts (a
    // nested one it could not read) is checked by the caller.
    let Some(root) = m.parts.first() else {
        report.add(LossKind::MalformedMime, &here, "a message without any part: left empty");
        return Ok(());
    };
    let ctype = root
        .content_type()
        .map(|ct| format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or("")).to_ascii_lowercase())
        .unwrap_or_default();
    let signed = ctype == "multipart/signed";
    let opaque = ctype == "application/pkcs7-mime" || ctype == "application/x-pkcs7-mime";
    let class = if signed {
        "IPM.Note.SMIME.MultipartSigned"
    } else if opaque {
        "IPM.Note.SMIME"
    } else {
        "IPM.Note"
    };
    msg.set(tags::MESSAGE_CLASS, class)?;
    msg.set(tags::MESSAGE_FLAGS, MSGFLAG_READ)?;

    // The header block, as received.
    let head_end = (root.offset_body as usize).min(m.raw_message.len());
    let head = &m.raw_message[root.offset_header as usize..head_end.max(root.offset_header as usize)];
    let head_text = match std::str::from_utf8(head) {
        Ok(s) => s.to_string(),
        Err(_) => {
            report.add(
                LossKind::MalformedMime,
                &here,
                "the header block has bytes that are not UTF-8: PR_TRANSPORT_MESSAGE_HEADERS holds them replaced",
            );
            String::from_utf8_lossy(head).into_owned()
        }
    };
    if !head_text.trim().is_empty() {
        msg.set(tags::TRANSPORT_MESSAGE_HEADERS, head_text)?;
    }

    if let Some(s) = m.subject() {
        let s = s.replace(['\r', '\n'], "");
        let (prefix, normalized) = split_subject(&s);
        msg.set(tags::SUBJECT, &s)?;
        msg.set(tags::SUBJECT_PREFIX, prefix)?;
        msg.set(tags::NORMALIZED_SUBJECT, normalized)?;
        msg.set(tags::CONVERSATION_TOPIC, normalized)?;
    }

    let from = addrs(m.from()).into_iter().next();
    let sender = addrs(m.sender()).into_iter().next();
    if let Some((name, addr)) = from.as_ref().or(sender.as_ref()) {
        let name = name.clone().unwrap_or_else(|| addr.clone());
        msg.set_sender(&name, addr)?;
        set_one_off(msg, true, &name, addr)?;
        set_one_off(msg, false, &name, addr)?;
    }
    if let (Some((sname, saddr)), Some((_, faddr))) = (&sender, &from) {
        if !saddr.eq_ignore_ascii_case(faddr) {
            let sname = sname.clone().unwrap_or_else(|| saddr.clone());
            msg.set(tags::SENDER_NAME, &sname)?;
            msg.set(tags::SENDER_EMAIL_ADDRESS, saddr)?;
            msg.set(tags::SENDER_SMTP_ADDRESS, saddr)?;
            set_one_off(msg, true, &sname, saddr)?;
        }
    }
    for (kind, list) in [
        (RecipientType::To, addrs(m.to())),
        (RecipientType::Cc, addrs(m.cc())),
        (RecipientType::Bcc, addrs(m.bcc())),
    ] {
        for (name, addr) in list {
            msg.add_recipient(kind, name.as_deref().unwrap_or(&addr), &addr)?;
        }
    }

    let reply_to = addrs(m.reply_to());
    if !reply_to.is_empty() {
        let names: Vec<String> = reply_to
            .iter()
            .map(|(n, a)| n.clone().unwrap_or_else(|| a.clone()))
            .collect();
        let entries: Vec<Vec<u8>> = reply_to
            .iter()
            .zip(&names)
            .map(|((_, a), n)| one_off_smtp(n, a))
            .collect();
        msg.set(tags::REPLY_RECIPIENT_NAMES, names.join("; "))?;
        msg.set(
            tags::REPLY_RECIPIENT_ENTRIES,
            crate::format::entryid::flat_entry_list(&entries),
        )?;
    }
    let date = m.date().map(filetime);
    let received = m
        .header_values(HeaderName::Received)
        .filter_map(|v| v.as_received().and_then(|r| r.date.as_ref()).map(filetime))
        .next();
    if let Some(d) = date {
        msg.set(tags::CLIENT_SUBMIT_TIME, d)?;
    }
    if let Some(d) = received.or(date) {
        msg.set(tags::MESSAGE_DELIVERY_TIME, d)?;
        msg.set(tags::CREATION_TIME, d)?;
        msg.set(tags::LAST_MODIFICATION_TIME, d)?;
    }
    if let Some(id) = m.message_id() {
        msg.set(tags::INTERNET_MESSAGE_ID, format!("<{id}>"))?;
    }
    let irt = message_ids(m.in_reply_to());
    if !irt.is_empty() {
        msg.set(tags::IN_REPLY_TO_ID, irt.join(" "))?;
    }
    let refs = message_ids(m.references());
    if !refs.is_empty() {
        msg.set(tags::INTERNET_REFERENCES, refs.join(" "))?;
    }
    let importance = match raw_header(m, "Importance").map(|s| s.to_ascii_lowercase()) {
        Some(s) if s.starts_with("high") => Some(Importance::High),
        Some(s) if s.starts_with("low") => Some(Importance::Low),
        Some(s) if s.starts_with("normal") => Some(Importance::Normal),
        _ => match raw_header(m, "X-Priority").and_then(|s| s.trim().chars().next()) {
            Some('1') | Some('2') => Some(Importance::High),
            Some('4') | Some('5') => Some(Importance::Low),
            Some('3') => Some(Importance::Normal),
            _ => None,
        },
    };
    msg.set(tags::IMPORTANCE, importance.unwrap_or(Importance::Normal))?;
    match raw_header(m, "Priority").map(|s| s.to_ascii_lowercase()) {
        Some(s) if s == "urgent" => msg.set(tags::PRIORITY, 1)?,
        Some(s) if s == "non-urgent" => msg.set(tags::PRIORITY, -1)?,
        _ => msg.set(tags::PRIORITY, 0)?,
    }
    let sensitivity = match raw_header(m, "Sensitivity").map(|s| s.to_ascii_lowercase()) {
        Some(s) if s == "personal" => Sensitivity::Personal,
        Some(s) if s == "private" => Sensitivity::Private,
        Some(s) if s == "company-confidential" => Sensitivity::Confidential,
        _ => Sensitivity::Normal,
    };
    msg.set(tags::SENSITIVITY, sensitivity)?;
    let keywords: Vec<String> = m
        .header_values(HeaderName::Keywords)
        .flat_map(|v| match v {
            mail_parser::HeaderValue::Text(t) => vec![t.to_string()],
            mail_parser::HeaderValue::TextList(l) => l.iter().map(|t| t.to_string()).collect(),
            _ => Vec::new(),
        })
        .flat_map(|s| s.split(',').map(|k| k.trim().to_string()).collect::<Vec<_>>())
        .filter(|k| !k.is_empty())
        .collect();
    if !keywords.is_empty() {
        msg.set_named(named::KEYWORDS, keywords)?;
    }

    let (text_id, html_id) = body_parts(m);
    let text_part = text_id.and_then(|i| m.parts.get(i as usize));
    let html_part = html_id.and_then(|i| m.parts.get(i as usize));
    for p in [text_part, html_part].into_iter().flatten() {
        check_charset(p, report, &here);
        if p.is_encoding_problem {
            report.add(
                LossKind::MalformedMime,
                &here,
                if mime_read::is_quoted_printable(p) {
                    "a body part's quoted-printable has an `=` that starts no escape: kept as written (RFC 2045 6.7)"
                } else {
                    "a body part had a bad transfer encoding: read as far as it went"
                },
            );
        }
    }
    // Quoted-printable text is decoded from the raw part (leaf_bytes).
    let body_text = |p: &mail_parser::MessagePart<'_>| {
        if mime_read::is_quoted_printable(p) {
            Some(mime_read::text_of(p, &leaf_bytes(m, p)))
        } else {
            p.text_contents().map(str::to_string)
        }
    };
    let text = text_part.and_then(body_text);
    let html = html_part.and_then(body_text);
    match (&html, &text) {
        (Some(h), t) => {
            msg.set_body_html(h)?;
            // PR_HTML keeps the part's own bytes in its own charset
            // (PR_INTERNET_CPID names it), so they come back unchanged.
            if let Some(p) = html_part {
                if let Some(cpid) = part_codepage(p) {
                    let raw = leaf_bytes(m, p);
                    let same = crate::format::codepage::encoding_for(cpid)
                        .is_some_and(|e| e.decode_without_bom_handling(&raw).0 == h.as_str());
                    if same {
                        msg.set(tags::HTML, raw.to_vec())?;
                        msg.set(tags::INTERNET_CPID, cpid as i32)?;
                    }
                }
            }
            if let Some(t) = t {
                msg.set(tags::BODY, t)?;
            }
        }
        (None, Some(t)) => msg.set_body_text(t)?,
        (None, None) => {}
    }
    let html_lower = html.as_deref().unwrap_or("").to_ascii_lowercase();

    if signed {
        // The signed entity, byte for byte: its Content-* header fields as
        // written, the blank line, and the body to the end.
        let raw = &m.raw_message[..];
        let mut entity = Vec::new();
        for h in &root.headers {
            if h.name.as_str().to_ascii_lowercase().starts_with("content-") {
                if let Some(b) = raw.get(h.offset_field as usize..h.offset_end as usize) {
                    entity.extend_from_slice(b);
                }
            }
        }
        let eol: &[u8] = if head.windows(2).any(|w| w == b"\r\n") {
            b"\r\n"
        } else {
            b"\n"
        };
        entity.extend_from_slice(eol);
        let mut body = d.raw_from(m, root.offset_body as usize)?;
        add_blob(
            msg,
            "smime.p7m",
            "multipart/signed",
            &mut (&entity[..]).chain(&mut body),
        )?;
        return Ok(());
    }
    if opaque {
        let name = root.attachment_name().unwrap_or("smime.p7m").to_string();
        add_blob(msg, &name, &ctype, &mut leaf_data(m, root, d))?;
        return Ok(());
    }

    // Body parts other than the text and HTML chosen above (e.g. a second
    // inline text/plain with a file name) become attachments: nothing is
    // dropped.
    let chosen: Vec<u32> = [text_id, html_id].into_iter().flatten().collect();
    let mut files: Vec<u32> = m.attachments.clone();
    for &i in m.text_body.iter().chain(&m.html_body) {
        if i != 0 && !chosen.contains(&i) && !files.contains(&i) {
            files.push(i);
        }
    }
    files.retain(|i| !chosen.contains(i));
    files.sort_unstable();
    files.dedup();
    for (n, &i) in files.iter().enumerate() {
        let Some(part) = m.parts.get(i as usize) else { continue };
        let at = loc(path, &format!("part {i}"));
        if std::ptr::eq(part, root) && !matches!(part.body, PartType::Binary(_) | PartType::InlineBinary(_)) {
            continue;
        }
        if part.is_encoding_problem && !matches!(part.body, PartType::Message(_)) {
            report.add(
                LossKind::MalformedMime,
                &at,
                "the part had a bad transfer encoding: its data is what could be decoded",
            );
        }
        let att = msg.create_attachment()?;
        let name = part_name(m, part);
        if let PartType::Message(inner) = &part.body {
            if inner.parts.is_empty() || depth + 1 >= max_depth {
                if inner.parts.is_empty() {
                    report.add(
                        LossKind::MalformedMime,
                        &at,
                        "a message/rfc822 part that could not be read as a message is kept as a .eml file",
                    );
                } else {
                    report.add(
                        LossKind::TooDeep,
                        &at,
                        format!("an embedded message deeper than {max_depth} levels is kept as a .eml file"),
                    );
                }
                set_names(&att, name.as_deref().or(Some("message.eml")))?;
                att.set(tags::ATTACH_MIME_TAG, "message/rfc822")?;
                att.write_data(&mut d.raw_from(inner, 0)?)?;
                att.save_changes()?;
                continue;
            }
            let display = name
                .clone()
                .or_else(|| inner.subject().map(|s| s.to_string()))
                .unwrap_or_default();
            if !display.is_empty() {
                att.set(tags::DISPLAY_NAME, &display)?;
            }
            att.set(tags::ATTACH_MIME_TAG, "message/rfc822")?;
            {
                let mut emb = att.create_embedded()?;
                fill(
                    &emb,
                    inner,
                    report,
                    &loc(path, &format!("attachment {n}/embedded")),
                    depth + 1,
                    max_depth,
                    d,
                )?;
                emb.save_changes()?;
            }
            att.save_changes()?;
            continue;
        }
        if matches!(part.body, PartType::Text(_) | PartType::Html(_)) {
            check_charset(part, report, &at);
        }
        let mut data = leaf_data(m, part, d);
        let mime = part
            .content_type()
            .map(|ct| format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or("octet-stream")).to_ascii_lowercase())
            .unwrap_or_else(|| "text/plain".into());
        att.set(tags::ATTACH_METHOD, AttachMethod::ByValue)?;
        set_names(&att, name.as_deref())?;
        att.set(tags::ATTACH_MIME_TAG, &mime)?;
        if let Some(cid) = part.content_id() {
            let cid = cid.trim().trim_start_matches('<').trim_end_matches('>').to_string();
            if !cid.is_empty() {
                att.set(tags::ATTACH_CONTENT_ID, &cid)?;
                if html_lower.contains(&format!("cid:{}", cid.to_ascii_lowercase())) {
                    att.set(tags::ATTACHMENT_HIDDEN, true)?;
                    att.set(tags::ATTACH_FLAGS, 0x4)?; // ATT_MHTML_REF
                }
            }
        }
        if let Some(l) = part.content_location() {
            att.set(tags::ATTACH_CONTENT_LOCATION, l)?;
        }
        att.write_data(&mut data)?;
        att.save_changes()?;
    }
    Ok(())
}

/// The file name of a part: mail-parser's, else the `filename` /
/// `name` parameter read from the raw Content-Disposition / Content-Type
/// field (mail-parser misses RFC 2047 words folded inside a quoted value),
/// its encoded words decoded by mail-parser.
fn part_name(m: &Parsed<'_>, part: &mail_parser::MessagePart<'_>) -> Option<String> {
    if let Some(n) = part.attachment_name().filter(|n| !n.trim().is_empty()) {
        return Some(n.replace(['\r', '\n'], ""));
    }
    for (field, param) in [("content-disposition", "filename="), ("content-type", "name=")] {
        let Some(h) = part
            .headers
            .iter()
            .find(|h| h.name.as_str().eq_ignore_ascii_case(field))
        else {
            continue;
        };
        let raw = m.raw_message.get(h.offset_start as usize..h.offset_end as usize)?;
        let text = String::from_utf8_lossy(raw).replace("\r\n", "").replace('\n', "");
        let lower = text.to_ascii_lowercase();
        let Some(at) = lower
            .match_indices(param)
            .map(|(i, _)| i)
            .find(|&i| i == 0 || !lower.as_bytes()[i - 1].is_ascii_alphanumeric())
        else {
            continue;
        };
        let rest = text[at + param.len()..].trim_start();
        let value = if let Some(q) = rest.strip_prefix('"') {
            q.split('"').next().unwrap_or("")
        } else {
            rest.split(';').next().unwrap_or("").trim()
        };
        if value.is_empty() {
            continue;
        }
        let fake = format!("Subject: {value}\r\n\r\n");
        let decoded = MessageParser::default()
            .parse(fake.as_bytes())
            .and_then(|p| p.subject().map(str::to_string))
            .unwrap_or_else(|| value.to_string());
        return Some(decoded);
    }
    None
}

/// PR_ATTACH_LONG_FILENAME, PR_ATTACH_FILENAME, PR_DISPLAY_NAME and
/// PR_ATTACH_EXTENSION from a file name.
fn set_names<A: Writable>(att: &crate::Attachment<'_, A>, name: Option<&str>) -> Result<()> {
    let Some(name) = name.filter(|n| !n.is_empty()) else {
        return Ok(());
    };
    att.set(tags::ATTACH_LONG_FILENAME, name)?;
    att.set(tags::ATTACH_FILENAME, name)?;
    att.set(tags::DISPLAY_NAME, name)?;
    if let Some((_, ext)) = name.rsplit_once('.') {
        if !ext.is_empty() && ext.len() < 16 {
            att.set(tags::ATTACH_EXTENSION, format!(".{ext}"))?;
        }
    }
    Ok(())
}

/// One by-value attachment (the S/MIME shapes).
fn add_blob<A: Writable>(msg: &Message<'_, A>, name: &str, mime: &str, data: &mut impl Read) -> Result<()> {
    let att = msg.create_attachment()?;
    att.set(tags::ATTACH_METHOD, AttachMethod::ByValue)?;
    set_names(&att, Some(name))?;
    att.set(tags::ATTACH_MIME_TAG, mime)?;
    att.write_data(data)?;
    att.save_changes()
}

#[cfg(test)]
mod tests {
    use super::split_subject;

    #[test]
    fn subject_prefixes_as_ms_oxcmsg_finds_them() {
        assert_eq!(split_subject("RE: Hi"), ("RE: ", "Hi"));
        assert_eq!(split_subject("AW: x: y"), ("AW: ", "x: y"));
        assert_eq!(split_subject("Fwd: x"), ("Fwd: ", "x"));
        assert_eq!(split_subject("Meeting: x"), ("", "Meeting: x"));
        assert_eq!(split_subject("10: x"), ("", "10: x"));
        assert_eq!(split_subject("RE:x"), ("", "RE:x"));
    }
}
