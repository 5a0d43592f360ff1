//! Where `mail-parser` reads MIME differently from the RFCs, the reading
//! `open_eml` uses instead: quoted-printable decoded as RFC 2045 6.7 asks
//! of a robust decoder, and the body parts found by MIME structure
//! (RFC 2046) when `mail-parser` set a body part aside.

use mail_parser::{MessagePart, MimeHeaders, PartType};

/// Quoted-printable data (the part's body, without the line break that
/// belongs to the boundary after it, RFC 2046 5.1.1), decoded as RFC 2045
/// 6.7 asks of a robust decoder:
///
/// - `=` and two hexadecimal digits (either case) is that octet;
/// - `=` at the end of a line (white space after it is transport padding)
///   is a soft line break: it and the line break are removed, also when it
///   ends the data (`mail-parser` then drops the octet before it);
/// - `=` followed by anything else is kept as written (note 2);
/// - white space at the end of a line is deleted (rule 3);
/// - a hard line break is CRLF when `binary` (rule 4: the canonical form of
///   a type other than text has no other line break, so a line break there
///   can only stand for the octets CR LF), else the line end as written
///   (LF or CRLF, as Python's `email` and `mail-parser` keep text).
///
/// Returns the octets and whether an `=` started no escape.
pub(super) fn quoted_printable(raw: &[u8], binary: bool) -> (Vec<u8>, bool) {
    let mut out = Vec::with_capacity(raw.len());
    let mut bad = false;
    let mut lines = raw.split(|&b| b == b'\n').peekable();
    while let Some(line) = lines.next() {
        let last = lines.peek().is_none();
        let (line, eol): (&[u8], &[u8]) = match line.strip_suffix(b"\r") {
            Some(l) if !last => (l, b"\r\n"),
            _ => (line, b"\n"),
        };
        let end = line.iter().rposition(|&b| b != b' ' && b != b'\t').map_or(0, |p| p + 1);
        let line = &line[..end];
        let (content, soft) = match line.strip_suffix(b"=") {
            Some(c) => (c, true),
            None => (line, false),
        };
        let mut i = 0;
        while i < content.len() {
            let b = content[i];
            if b == b'=' {
                let hex = |j: usize| content.get(j).and_then(|&c| (c as char).to_digit(16));
                if let (Some(h), Some(l)) = (hex(i + 1), hex(i + 2)) {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                    continue;
                }
                bad = true;
            }
            out.push(b);
            i += 1;
        }
        if !soft && !last {
            out.extend_from_slice(if binary { b"\r\n" } else { eol });
        }
    }
    (out, bad)
}

/// Whether a leaf part's Content-Transfer-Encoding is quoted-printable.
pub(super) fn is_quoted_printable(part: &MessagePart<'_>) -> bool {
    part.encoding == mail_parser::Encoding::QuotedPrintable
        || part
            .content_transfer_encoding()
            .is_some_and(|c| c.trim().eq_ignore_ascii_case("quoted-printable"))
}

/// The text of a text part from its transfer-decoded octets, through the
/// part's charset as `mail-parser` decodes its text parts (its own decoder
/// for the label, else UTF-8 with bad bytes replaced).
pub(super) fn text_of(part: &MessagePart<'_>, octets: &[u8]) -> String {
    match part
        .content_type()
        .and_then(|ct| ct.attribute("charset"))
        .and_then(|c| mail_parser::decoders::charsets::map::charset_decoder(c.trim().as_bytes()))
    {
        Some(decode) => decode(octets),
        None => String::from_utf8_lossy(octets).into_owned(),
    }
}

/// The `type/subtype` of a part, lower case; `text/plain` without a
/// Content-Type (RFC 2045 5.2).
pub(super) fn content_type(part: &MessagePart<'_>) -> String {
    part.content_type()
        .map(|ct| format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or("")).to_ascii_lowercase())
        .unwrap_or_else(|| "text/plain".into())
}

/// The part that is the message's `text/<subtype>` body by MIME structure:
/// the root when it is such a part; in multipart/alternative the last
/// alternative that has one (RFC 2046 5.1.4: the last is the preferred); in
/// multipart/related its root part (RFC 2387 3.2: the `start` parameter, else
/// the first part); in any other multipart its first part (RFC 2046 5.1.3).
/// A part that is an attachment (RFC 2183 `attachment`, or a file name) is
/// not a body.
///
/// `open_eml` asks only when `mail-parser` found no such body: it sets a
/// part aside as an attachment when its transfer encoding is damaged
/// (quoted-printable with a bare `=`), even where the structure says it is
/// the body.
pub(super) fn body_by_structure(parts: &[MessagePart<'_>], subtype: &str) -> Option<u32> {
    fn find(parts: &[MessagePart<'_>], id: u32, subtype: &str, depth: u32) -> Option<u32> {
        let part = parts.get(id as usize)?;
        if depth > 64 {
            return None;
        }
        let ctype = content_type(part);
        match &part.body {
            PartType::Multipart(children) => {
                if ctype == "multipart/alternative" {
                    children.iter().rev().find_map(|&c| find(parts, c, subtype, depth + 1))
                } else if ctype == "multipart/related" {
                    let start = part
                        .content_type()
                        .and_then(|ct| ct.attribute("start"))
                        .map(|s| s.trim().trim_start_matches('<').trim_end_matches('>').to_string());
                    let root = start
                        .and_then(|s| {
                            children.iter().copied().find(|&c| {
                                parts
                                    .get(c as usize)
                                    .and_then(|p| p.content_id())
                                    .is_some_and(|cid| cid.trim().trim_start_matches('<').trim_end_matches('>') == s)
                            })
                        })
                        .or_else(|| children.first().copied())?;
                    find(parts, root, subtype, depth + 1)
                } else {
                    find(parts, *children.first()?, subtype, depth + 1)
                }
            }
            PartType::Message(_) => None,
            _ => {
                let attachment = part.content_disposition().is_some_and(|d| d.is_attachment())
                    || part.attachment_name().is_some_and(|n| !n.trim().is_empty());
                (ctype == format!("text/{subtype}") && !attachment).then_some(id)
            }
        }
    }
    find(parts, 0, subtype, 0)
}

#[cfg(test)]
mod tests {
    use super::quoted_printable;

    #[test]
    fn quoted_printable_as_rfc_2045_asks() {
        // Escapes in either case, a soft break, trailing padding deleted.
        assert_eq!(
            quoted_printable(b"a=3Db=3db =\nc  \nd", false),
            (b"a=b=b c\nd".to_vec(), false)
        );
        // A line end as written for text, CRLF for other types.
        assert_eq!(quoted_printable(b"a\r\nb\nc", false).0, b"a\r\nb\nc");
        assert_eq!(quoted_printable(b"a\nb", true).0, b"a\r\nb");
        // A soft break that ends the data keeps the octet before it.
        assert_eq!(quoted_printable(b"=00;=", true).0, b"\0;");
        assert_eq!(quoted_printable(b"x=\r\n", true).0, b"x");
        // An `=` that starts no escape is kept, with what follows it.
        assert_eq!(
            quoted_printable(b"<p a=\"1\">=F6=Z", false),
            (b"<p a=\"1\">\xF6=Z".to_vec(), true)
        );
        // White space after a soft break's `=` is padding; before it, data.
        assert_eq!(quoted_printable(b"a =  \nb", false).0, b"a b");
    }
}
