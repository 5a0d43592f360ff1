//! Reading a message's body in every form: the best body as Outlook chooses
//! it (MS-OXBBODY), the RTF (MAPI's `WrapCompressedRTFStream` for reading),
//! HTML and text, each derived from another stored form when it is not
//! stored itself.

use std::io::Read;

use crate::access::Access;
use crate::body::{self, RtfKind};
use crate::error::{Error, Result};
use crate::format::codepage;
use crate::message::Message;
use crate::prop::{tags, PropTag, PropType, PropValue};
use crate::store::props::PropChange;

/// The path of PR_RTF_COMPRESSED in the message's storage, for errors.
const RTF_STREAM: &str = "__substg1.0_10090102";

/// A message's body in the form Outlook would show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Body {
    /// Plain text: PR_BODY, or the text an RTF body encapsulates (`\fromtext`).
    Text(String),
    /// HTML: PR_HTML decoded, or the HTML an RTF body encapsulates (`\fromhtml1`).
    Html(String),
    /// Rich text (the decompressed PR_RTF_COMPRESSED, neither HTML nor text
    /// encapsulated in it).
    Rtf(Vec<u8>),
}

impl Body {
    /// `"text"`, `"html"` or `"rtf"`.
    pub fn kind(&self) -> &'static str {
        match self {
            Body::Text(_) => "text",
            Body::Html(_) => "html",
            Body::Rtf(_) => "rtf",
        }
    }
}

fn rtf_error(e: body::RtfError) -> Error {
    match e {
        body::RtfError::TooLarge { raw_size, max_size } => Error::LimitExceeded {
            limit: "max_rtf_bytes",
            value: u64::from(raw_size),
            max: max_size,
            path: format!("/{RTF_STREAM}"),
        },
        e => Error::corrupt(format!("/{RTF_STREAM}"), e.to_string()),
    }
}

/// The charset a `<meta>` of an HTML document names, from its first 4 KiB.
fn meta_charset(html: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    let head = &html[..html.len().min(4096)];
    let lower: Vec<u8> = head.to_ascii_lowercase();
    let at = lower.windows(8).position(|w| w == b"charset=")? + 8;
    let rest = &head[at..];
    let rest = rest
        .strip_prefix(b"\"")
        .or_else(|| rest.strip_prefix(b"'"))
        .unwrap_or(rest);
    let end = rest
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b':' || b == b'.'))
        .unwrap_or(rest.len());
    encoding_rs::Encoding::for_label(&rest[..end])
}

impl<A: Access> Message<'_, A> {
    /// The RTF body: PR_RTF_COMPRESSED decompressed (LZFu or MELA, CRC
    /// checked), or `None` when the message has none. The decompressed size
    /// is bounded by [`Limits::max_rtf_bytes`](crate::Limits::max_rtf_bytes)
    /// before anything is allocated.
    ///
    /// # Errors
    /// [`Error::CorruptData`] naming the problem and its offset for a
    /// damaged stream; [`Error::LimitExceeded`] (`max_rtf_bytes`).
    ///
    /// # MAPI
    /// `WrapCompressedRTFStream` on `OpenProperty(PR_RTF_COMPRESSED)`, read
    /// to the end.
    pub fn body_rtf(&self) -> Result<Option<Vec<u8>>> {
        let mut stream = match self.open_stream(tags::RTF_COMPRESSED) {
            Ok(s) => s,
            Err(Error::PropNotFound { .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        let max = self.ctx().limits(self.key)?.max_rtf_bytes;
        // The compressed stream is at most a few times smaller than the
        // RTF; a compressed stream larger than the RTF limit is refused too.
        if stream.len() > max.saturating_add(16) {
            return Err(Error::LimitExceeded {
                limit: "max_rtf_bytes",
                value: stream.len(),
                max,
                path: format!("/{RTF_STREAM}"),
            });
        }
        let mut compressed = Vec::with_capacity(stream.len().min(1 << 20) as usize);
        stream
            .read_to_end(&mut compressed)
            .map_err(|e| Error::from_cfb(e, RTF_STREAM, "reading the compressed RTF"))?;
        body::decompress(&compressed, max).map(Some).map_err(rtf_error)
    }

    /// The HTML body: PR_HTML (stored as PT_BINARY in PR_INTERNET_CPID, else
    /// in the charset its `<meta>` names, else UTF-8 when it is valid UTF-8,
    /// else the message's code page; or as PT_STRING8 / PT_UNICODE); else
    /// the HTML that an RTF body encapsulates (`\fromhtml1`), or HTML
    /// rendered from a plain RTF body (paragraphs, bold, italic, underline,
    /// colour, links, tables; pictures are left out); `None` when the
    /// message has neither HTML nor RTF.
    ///
    /// # Errors
    /// As [`Self::body_rtf`], and errors reading PR_HTML.
    pub fn body_html(&self) -> Result<Option<String>> {
        if let Some(html) = self.stored_html()? {
            return Ok(Some(html));
        }
        match self.body_rtf()? {
            Some(rtf) => body::html_from_any_rtf(&rtf).map(Some).map_err(rtf_error),
            None => Ok(None),
        }
    }

    /// The plain-text body: PR_BODY; else the text an RTF body encapsulates
    /// or its visible text; else the visible text of the HTML body; `None`
    /// when the message has no body.
    ///
    /// # Errors
    /// As [`Self::body_html`].
    pub fn body_text(&self) -> Result<Option<String>> {
        if let Some(text) = self.get(tags::BODY)? {
            return Ok(Some(text));
        }
        if let Some(rtf) = self.body_rtf()? {
            return body::text_from_any_rtf(&rtf).map(Some).map_err(rtf_error);
        }
        Ok(self.stored_html()?.map(|h| body::text_from_html(&h)))
    }

    /// The best body, chosen as Outlook chooses it: PR_NATIVE_BODY_INFO when
    /// it is set; else the RTF when PR_RTF_IN_SYNC says it is current; else
    /// PR_HTML; else PR_BODY; else the RTF. An RTF body that encapsulates
    /// HTML or text is given as that HTML or text.
    ///
    /// # Errors
    /// As [`Self::body_html`].
    ///
    /// # MAPI
    /// The best body algorithm of MS-OXBBODY 2.1.3.1.
    pub fn body(&self) -> Result<Option<Body>> {
        let has = |tag: PropTag| -> Result<bool> {
            Ok(self
                .prop_list()?
                .iter()
                .any(|t| t.id() == tag.id() && t.prop_type() != PropType::ERROR))
        };
        let has_rtf = has(tags::RTF_COMPRESSED.tag())?;
        let has_html = has(tags::HTML.tag())?;
        let has_text = has(tags::BODY.tag())?;
        let in_sync = self.get(tags::RTF_IN_SYNC)?.unwrap_or(false);
        let native = self.get(tags::NATIVE_BODY_INFO)?.unwrap_or(0);
        let rtf = || -> Result<Option<Body>> {
            let Some(rtf) = self.body_rtf()? else { return Ok(None) };
            Ok(Some(match body::rtf_kind(&rtf) {
                RtfKind::Html => Body::Html(body::html_from_rtf(&rtf).map_err(rtf_error)?.unwrap_or_default()),
                RtfKind::Text => Body::Text(body::text_from_rtf(&rtf).map_err(rtf_error)?.unwrap_or_default()),
                _ => Body::Rtf(rtf),
            }))
        };
        let html = || -> Result<Option<Body>> { Ok(self.stored_html()?.map(Body::Html)) };
        let text = || -> Result<Option<Body>> { Ok(self.get(tags::BODY)?.map(Body::Text)) };
        match native {
            1 if has_text => return text(),
            2 if has_rtf => return rtf(),
            3 if has_html => return html(),
            3 if has_rtf => return rtf(),
            _ => {}
        }
        if has_rtf && in_sync {
            return rtf();
        }
        if has_html {
            return html();
        }
        if has_text {
            return text();
        }
        if has_rtf {
            return rtf();
        }
        Ok(None)
    }

    /// PR_HTML as stored, decoded.
    fn stored_html(&self) -> Result<Option<String>> {
        match self.get_value(PropTag::new(tags::HTML.id(), PropType::UNSPECIFIED))? {
            None => Ok(None),
            Some(PropValue::Unicode(s)) => Ok(Some(s)),
            Some(PropValue::String8(s)) => Ok(Some(s.to_string_lossy())),
            Some(PropValue::Binary(bytes)) => {
                let cpid = self.get(tags::INTERNET_CPID)?.filter(|&c| c > 0).map(|c| c as u32);
                let text = match cpid.and_then(codepage::encoding_for) {
                    Some(enc) => enc.decode_without_bom_handling(&bytes).0.into_owned(),
                    None => match meta_charset(&bytes) {
                        Some(enc) => enc.decode_without_bom_handling(&bytes).0.into_owned(),
                        None => match std::str::from_utf8(&bytes) {
                            Ok(s) => s.to_string(),
                            Err(_) => codepage::decode_lossy(&bytes, self.codepage()),
                        },
                    },
                };
                Ok(Some(text.trim_end_matches('\0').to_string()))
            }
            Some(other) => Err(Error::BadValue {
                tag: tags::HTML.tag(),
                detail: format!("PR_HTML stored with type {:?}", other.prop_type()),
                scode: crate::scode::MAPI_E_INVALID_TYPE,
            }),
        }
    }
}

/// The RTF sync properties of Outlook's RTFSync (PR_RTF_SYNC_BODY_CRC,
/// _BODY_COUNT, _BODY_TAG, _PREFIX_COUNT, _TRAILING_COUNT): they describe an
/// RTF body that a new body replaces, so a body writer removes them.
const RTF_SYNC_IDS: [u16; 5] = [0x1006, 0x1007, 0x1008, 0x1010, 0x1011];

/// `PR_NATIVE_BODY_INFO` values (MS-OXCMSG 2.2.1.58.3).
const NATIVE_TEXT: i32 = 1;
const NATIVE_HTML: i32 = 3;

impl<A: crate::access::Writable> Message<'_, A> {
    /// Sets an HTML body and keeps every stored form of the body in step:
    /// PR_HTML (UTF-8, PR_INTERNET_CPID 65001), PR_BODY (the HTML's visible
    /// text), PR_RTF_COMPRESSED with the HTML encapsulated (`\fromhtml1`,
    /// with a readable `\htmlrtf` fallback: Outlook shows an HTML draft as
    /// HTML only when this RTF is there), PR_RTF_IN_SYNC and
    /// PR_NATIVE_BODY_INFO (HTML). RTF sync counters of an older body are
    /// removed, so no reader sees a stale body.
    ///
    /// ```
    /// # let session = oxmsg::Session::new();
    /// let msg = session.opener().create_in_memory()?;
    /// msg.set_body_html("<p>Hello <b>world</b></p>")?;
    /// assert_eq!(msg.body_text()?.as_deref().map(str::trim), Some("Hello world"));
    /// assert!(matches!(msg.body()?, Some(oxmsg::Body::Html(_))));
    /// # Ok::<(), oxmsg::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Message::set`] (an ANSI message whose code page cannot hold the
    /// text is an error).
    ///
    /// # MAPI
    /// `SetProps` of the three bodies, then what `RTFSync` would leave.
    pub fn set_body_html(&self, html: &str) -> Result<()> {
        let text = body::text_from_html(html);
        let rtf = body::compress(&body::rtf_from_html(html));
        self.replace_bodies(Some(&text), Some(html), &rtf, NATIVE_HTML)
    }

    /// Sets a plain-text body and keeps every stored form in step: PR_BODY,
    /// PR_RTF_COMPRESSED with the text encapsulated (`\fromtext`),
    /// PR_RTF_IN_SYNC and PR_NATIVE_BODY_INFO (text); an older PR_HTML and
    /// RTF sync counters are removed.
    ///
    /// # Errors
    /// As [`Message::set`].
    ///
    /// # MAPI
    /// `SetProps(PR_BODY)`, then what `RTFSync` would leave.
    pub fn set_body_text(&self, text: &str) -> Result<()> {
        let rtf = body::compress(&body::rtf_from_text(text));
        self.replace_bodies(Some(text), None, &rtf, NATIVE_TEXT)
    }

    /// Sets the bodies in one change: all of them, or (on any error) none.
    fn replace_bodies(&self, text: Option<&str>, html: Option<&str>, rtf: &[u8], native: i32) -> Result<()> {
        let any = |id: u16| PropTag::new(id, PropType::UNSPECIFIED);
        let mut changes = Vec::new();
        if let Some(t) = text {
            changes.push(PropChange::Set(tags::BODY.tag(), PropValue::Unicode(t.to_string())));
        }
        match html {
            Some(h) => {
                changes.push(PropChange::Set(
                    tags::HTML.tag(),
                    PropValue::Binary(h.as_bytes().to_vec()),
                ));
                changes.push(PropChange::Set(tags::INTERNET_CPID.tag(), PropValue::Long(65001)));
            }
            None => changes.push(PropChange::Delete(any(tags::HTML.id()))),
        }
        changes.extend(RTF_SYNC_IDS.iter().map(|&id| PropChange::Delete(any(id))));
        changes.push(PropChange::Set(
            tags::RTF_COMPRESSED.tag(),
            PropValue::Binary(rtf.to_vec()),
        ));
        changes.push(PropChange::Set(tags::RTF_IN_SYNC.tag(), PropValue::Boolean(true)));
        changes.push(PropChange::Set(tags::NATIVE_BODY_INFO.tag(), PropValue::Long(native)));
        self.ctx().change_props(self.key, changes)
    }
}

/// How [`Message::body_html_with_inline_images`] points `cid:` references
/// at the images.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum InlineImages {
    /// As `data:` URIs (the HTML stands alone; images are base64 in it).
    DataUri,
    /// As the file names under which
    /// [`Message::save_attachments_to_dir`] wrote them (give it the paths
    /// it returned, in its order).
    Files(Vec<std::path::PathBuf>),
}

impl<A: Access> Message<'_, A> {
    /// The HTML body (as [`Self::body_html`]) with every `cid:` reference to
    /// an attachment of this message (by its PR_ATTACH_CONTENT_ID) replaced,
    /// so the HTML shows as it did in Outlook.
    ///
    /// # Errors
    /// As [`Self::body_html`]; errors reading attachment data.
    pub fn body_html_with_inline_images(&self, how: &InlineImages) -> Result<Option<String>> {
        use base64::Engine as _;
        let Some(mut html) = self.body_html()? else {
            return Ok(None);
        };
        let by_value: Vec<_> = self
            .attachments()?
            .into_iter()
            .filter(|a| !a.is_embedded() && a.data().is_ok())
            .collect();
        for (i, a) in by_value.iter().enumerate() {
            let Some(cid) = a.content_id()? else { continue };
            let cid = cid.trim().trim_start_matches('<').trim_end_matches('>').to_string();
            if cid.is_empty() {
                continue;
            }
            let target = match how {
                InlineImages::DataUri => {
                    let mut data = Vec::new();
                    a.data()?
                        .read_to_end(&mut data)
                        .map_err(|e| Error::io(e, "reading an inline image"))?;
                    let mime = a.mime_type()?.unwrap_or_else(|| "application/octet-stream".into());
                    format!(
                        "data:{mime};base64,{}",
                        base64::engine::general_purpose::STANDARD.encode(&data)
                    )
                }
                InlineImages::Files(paths) => match paths.get(i).and_then(|p| p.file_name()) {
                    Some(name) => name.to_string_lossy().into_owned(),
                    None => continue,
                },
            };
            html = replace_cid(&html, &cid, &target);
        }
        Ok(Some(html))
    }
}

/// Replaces `cid:ID` (the scheme in any case) by `target` in `html`.
fn replace_cid(html: &str, cid: &str, target: &str) -> String {
    let needle = format!("cid:{}", cid.to_ascii_lowercase());
    let lower = html.to_ascii_lowercase();
    let mut out = String::with_capacity(html.len());
    let mut last = 0;
    for (at, _) in lower.match_indices(&needle) {
        // Only a whole reference: the id must end there.
        let end = at + needle.len();
        if lower[end..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric() || "@.-_$".contains(c))
        {
            continue;
        }
        out.push_str(&html[last..at]);
        out.push_str(target);
        last = end;
    }
    out.push_str(&html[last..]);
    out
}
