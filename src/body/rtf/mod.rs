//! Reading RTF bodies: de-encapsulation of HTML and text ([MS-OXRTFEX]
//! section 2.2.3) and rendering of plain RTF as text or HTML.
//!
//! All functions here take the decompressed RTF (see
//! [`decompress`](super::decompress)) and never panic; groups nest at most
//! [`MAX_GROUP_DEPTH`] deep, and nothing is allocated from a size read in
//! the input.
//!
//! Code pages: `\'hh` bytes and 8-bit text are decoded in the code page of
//! the current font (`\fN` → the font table's `\fcharsetN` or `\cpgN`),
//! else of the document (`\ansicpgN`; `\mac`, `\pc`, `\pca`; else 1252);
//! `\ansicpg65001` is UTF-8. Consecutive bytes of one code page are decoded
//! together, so double-byte characters given as two escapes stay whole.
//! Inside `{\*\htmltag}` content the document's code page is used, as
//! MS-OXRTFEX 2.2.3.2 says. Code pages `encoding_rs` lacks (437, 850,
//! 1361) are read as 1252.
//!
//! Rendering plain RTF leaves out pictures (`\pict`), embedded objects'
//! data, headers, footers, footnotes and annotations.
//!
//! [MS-OXRTFEX]: https://learn.microsoft.com/en-us/openspecs/exchange_server_protocols/ms-oxrtfex/

mod charset;
mod interp;
pub mod lexer;
mod output;

pub use charset::codepage_for_charset;
pub(crate) use output::escape_into as escape_html_into;

use super::RtfError;
use interp::{Mode, Reader};
use lexer::{Lexer, Token};
use output::{HtmlOut, PlainOut};

/// Deepest group nesting accepted; deeper input is [`RtfError::GroupTooDeep`].
pub const MAX_GROUP_DEPTH: usize = 1024;
/// Largest `\ucN` accepted; larger is [`RtfError::BadUnicodeSkip`].
pub const MAX_UC_SKIP: usize = 255;

/// What an RTF body holds, from its header (MS-OXRTFEX 2.2.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RtfKind {
    /// `\fromhtml1`: HTML encapsulated in RTF.
    Html,
    /// `\fromtext`: plain text encapsulated in RTF.
    Text,
    /// Neither: the RTF is the body.
    Rtf,
}

/// Which body an RTF document encapsulates (MS-OXRTFEX 2.2.3.1,
/// "Recognizing RTF Containing Encapsulation").
///
/// Looks for `\fromhtml1` or `\fromtext` in the RTF header: the control
/// words of the outermost group before its first nested group (the font
/// table, normally). A keyword later in the document does not count, as the
/// spec says. Input that is not RTF, or that is malformed before the first
/// nested group, is [`RtfKind::Rtf`].
///
/// # MAPI
///
/// What Outlook's RTFSync decides before it fills `PR_HTML` or `PR_BODY`
/// from `PR_RTF_COMPRESSED`.
pub fn rtf_kind(rtf: &[u8]) -> RtfKind {
    let mut lexer = Lexer::new(rtf);
    while let Ok(Some((_, token))) = lexer.next_token() {
        match token {
            Token::GroupStart if lexer.depth() > 1 => break,
            Token::GroupEnd => break,
            Token::ControlWord {
                name: "fromhtml",
                param: Some(1),
            } => return RtfKind::Html,
            Token::ControlWord {
                name: "fromtext",
                param: None,
            } => return RtfKind::Text,
            _ => {}
        }
    }
    RtfKind::Rtf
}

/// The HTML encapsulated in a `\fromhtml1` RTF body (MS-OXRTFEX 2.2.3.2,
/// "Extracting Encapsulated HTML from RTF"); `None` when the RTF does not
/// encapsulate HTML.
///
/// Emitted: the content of `{\*\htmltagN ...}` groups and the text outside
/// them that is not between `\htmlrtf` and `\htmlrtf0` (a toggle scoped to
/// its group). In both, `\par` and `\line` give CRLF, `\tab` a TAB,
/// `\{ \} \\` themselves, `\'hh` a byte, `\uN` a UTF-16 unit (its `\ucN`
/// fallback characters skipped, a `\'hh` counting as one), `\lquote`,
/// `\emdash`, `\~` and the other special characters theirs. Not emitted:
/// `{\*\mhtmltagN}` (the original of a rewritten URL: the `htmltag` beside
/// it holds the one the HTML uses), other `{\*\...}` destinations, the font
/// and colour tables and the other header destinations.
///
/// # Errors
///
/// [`RtfError`] for malformed RTF: groups too deep, a bad `\'` escape, a
/// `\binN` past the end, a parameter out of range, `\ucN` too large, groups
/// left open at the end.
///
/// # MAPI
///
/// RTFSync's de-encapsulation, which Outlook uses to give `PR_HTML` of a
/// message whose best body is RTF.
pub fn html_from_rtf(rtf: &[u8]) -> Result<Option<String>, RtfError> {
    if rtf_kind(rtf) != RtfKind::Html {
        return Ok(None);
    }
    read_plain(Mode::DeencapHtml, rtf).map(Some)
}

/// The plain text encapsulated in a `\fromtext` RTF body (MS-OXRTFEX
/// 2.2.3.3, "Extracting Original Plain Text from RTF"); `None` when the RTF
/// does not encapsulate text.
///
/// The text of the document outside the header and ignorable destinations:
/// `\par` and `\line` give CRLF, `\tab` a TAB, escapes and `\uN` as in
/// [`html_from_rtf`].
///
/// # Errors
///
/// As [`html_from_rtf`].
///
/// # MAPI
///
/// RTFSync's de-encapsulation of text (`PR_BODY` from `PR_RTF_COMPRESSED`).
pub fn text_from_rtf(rtf: &[u8]) -> Result<Option<String>, RtfError> {
    if rtf_kind(rtf) != RtfKind::Text {
        return Ok(None);
    }
    read_plain(Mode::DeencapText, rtf).map(Some)
}

/// Plain text of any RTF document, rendered: paragraphs (`\par`, `\sect`,
/// `\page`) and `\line` as CRLF, `\tab` and table cells as TAB, rows as
/// CRLF, field results kept and field instructions dropped; the header
/// tables, document information, pictures, objects' data, headers, footers,
/// footnotes and ignorable destinations left out.
///
/// # Errors
///
/// As [`html_from_rtf`].
pub fn text_from_plain_rtf(rtf: &[u8]) -> Result<String, RtfError> {
    read_plain(Mode::Render, rtf)
}

/// HTML of any RTF document, rendered: a `<p>` per paragraph, `<br>` for
/// `\line`, `<b>`, `<i>`, `<u>` for `\b`, `\i`, `\ul` (with their `0` forms,
/// `\plain` and group scoping), `<span style="color:#rrggbb">` for `\cfN`,
/// `<a href>` for `HYPERLINK` fields, `<table><tr><td>` for `\intbl`
/// paragraphs, `\cell` and `\row`. Text is HTML-escaped. Pictures and what
/// [`text_from_plain_rtf`] leaves out are left out.
///
/// # Errors
///
/// As [`html_from_rtf`].
pub fn html_from_plain_rtf(rtf: &[u8]) -> Result<String, RtfError> {
    let mut out = HtmlOut::default();
    Reader::new(Mode::Render, &mut out).run(rtf)?;
    Ok(out.finish())
}

fn read_plain(mode: Mode, rtf: &[u8]) -> Result<String, RtfError> {
    let mut out = PlainOut::default();
    Reader::new(mode, &mut out).run(rtf)?;
    Ok(out.text)
}

#[cfg(test)]
mod tests;
