//! Message bodies: compressed RTF, RTF-encapsulated HTML and text, and text
//! from HTML — the byte-level codecs behind `PR_RTF_COMPRESSED`,
//! `PR_HTML` and `PR_BODY`.
//!
//! - [`decompress`], [`compress`], [`CompressedRtfWriter`]: compressed RTF
//!   ([MS-OXRTFCP]); [`decompress_ignoring_crc`] for third-party files with a
//!   wrong CRC.
//! - [`rtf_kind`], [`html_from_rtf`], [`text_from_rtf`]: de-encapsulation
//!   ([MS-OXRTFEX] 2.2.3).
//! - [`text_from_plain_rtf`], [`html_from_plain_rtf`]: RTF that encapsulates
//!   nothing, rendered (pictures left out).
//! - [`html_from_any_rtf`], [`text_from_any_rtf`]: whichever of the above
//!   applies.
//! - [`rtf_from_html`], [`rtf_from_text`]: encapsulation ([MS-OXRTFEX] 2.1),
//!   what RTFSync writes.
//! - [`text_from_html`]: the visible text of HTML.
//!
//! Everything here is a pure function over bytes or strings; nothing panics
//! on any input, and nothing is allocated from a size read in the input
//! before it is checked. Errors are [`RtfError`], which names the problem
//! and its byte offset.
//!
//! [MS-OXRTFCP]: https://learn.microsoft.com/en-us/openspecs/exchange_server_protocols/ms-oxrtfcp/
//! [MS-OXRTFEX]: https://learn.microsoft.com/en-us/openspecs/exchange_server_protocols/ms-oxrtfex/

pub mod compressed;
mod encapsulate;
mod error;
mod html_text;
pub mod rtf;

pub use compressed::{compress, decompress, decompress_ignoring_crc, CompressedRtfWriter};
pub use encapsulate::{rtf_from_html, rtf_from_text};
pub use error::RtfError;
pub use html_text::text_from_html;
pub use rtf::{html_from_plain_rtf, html_from_rtf, rtf_kind, text_from_plain_rtf, text_from_rtf, RtfKind};

/// The HTML of an RTF body, whatever it holds: the encapsulated HTML of a
/// `\fromhtml1` body ([`html_from_rtf`]), the encapsulated text of a
/// `\fromtext` body as escaped HTML (`<br>` per line break), else the RTF
/// rendered as HTML ([`html_from_plain_rtf`]).
///
/// # Errors
///
/// [`RtfError`] for malformed RTF.
///
/// # MAPI
///
/// What Outlook shows as `PR_HTML` when the best body is RTF (MS-OXBBODY,
/// with RTFSync de-encapsulating).
pub fn html_from_any_rtf(rtf: &[u8]) -> Result<String, RtfError> {
    match rtf_kind(rtf) {
        RtfKind::Html => html_from_rtf(rtf).map(Option::unwrap_or_default),
        RtfKind::Text => Ok(html_from_text(&text_from_rtf(rtf)?.unwrap_or_default())),
        RtfKind::Rtf => html_from_plain_rtf(rtf),
    }
}

/// The plain text of an RTF body, whatever it holds: the encapsulated text
/// of a `\fromtext` body ([`text_from_rtf`]), the visible text of the
/// encapsulated HTML of a `\fromhtml1` body ([`text_from_html`]), else the
/// RTF rendered as text ([`text_from_plain_rtf`]).
///
/// # Errors
///
/// [`RtfError`] for malformed RTF.
///
/// # MAPI
///
/// What RTFSync gives as `PR_BODY` from `PR_RTF_COMPRESSED`.
pub fn text_from_any_rtf(rtf: &[u8]) -> Result<String, RtfError> {
    match rtf_kind(rtf) {
        RtfKind::Html => Ok(text_from_html(&html_from_rtf(rtf)?.unwrap_or_default())),
        RtfKind::Text => text_from_rtf(rtf).map(Option::unwrap_or_default),
        RtfKind::Rtf => text_from_plain_rtf(rtf),
    }
}

/// Plain text as an HTML document: escaped, a `<br>` per line break.
fn html_from_text(text: &str) -> String {
    let mut html = String::from("<html><head><meta charset=\"utf-8\"></head><body>\r\n");
    let mut first = true;
    for line in text.split("\r\n").flat_map(|l| l.split(['\r', '\n'])) {
        if !first {
            html.push_str("<br>\r\n");
        }
        first = false;
        rtf::escape_html_into(&mut html, line);
    }
    html.push_str("\r\n</body></html>\r\n");
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_rtf_dispatches_on_kind() {
        let html = "<p>a &amp; b</p>";
        let rtf = rtf_from_html(html);
        assert_eq!(html_from_any_rtf(&rtf).unwrap(), html);
        assert_eq!(text_from_any_rtf(&rtf).unwrap(), "\na & b\n");
        let rtf = rtf_from_text("x < y\r\nz");
        assert_eq!(text_from_any_rtf(&rtf).unwrap(), "x < y\r\nz");
        assert!(html_from_any_rtf(&rtf).unwrap().contains("x &lt; y<br>\r\nz"));
        let rtf = b"{\\rtf1 {\\b bold}\\par}";
        assert_eq!(text_from_any_rtf(rtf).unwrap(), "bold\r\n");
        assert!(html_from_any_rtf(rtf).unwrap().contains("<p><b>bold</b></p>"));
    }

    #[test]
    fn compressed_html_body_end_to_end() {
        let html = "<html><body>Gr\u{fc}\u{df}e {x}</body></html>";
        let stream = compress(&rtf_from_html(html));
        let rtf = decompress(&stream, 1 << 20).unwrap();
        assert_eq!(html_from_rtf(&rtf).unwrap().as_deref(), Some(html));
    }
}
