//! Encapsulating HTML and plain text in RTF (MS-OXRTFEX section 2.1,
//! "Encapsulating RTF Writer"), so that the de-encapsulators give them back.

/// `N` of `{\*\htmltagN}` for a tag, as Outlook writes it for the common
/// tags (MS-OXRTFEX 2.1.3.1.4.1; a de-encapsulating reader ignores it).
fn tag_parameter(name: &str, closing: bool) -> u32 {
    let open = match name {
        "html" => 19,
        "head" => 34,
        "body" => 50,
        "p" => 64,
        "a" => 84,
        "br" => 116,
        "div" => 148,
        _ => 0,
    };
    open + if closing { 8 } else { 0 }
}

/// Tags after which the RTF rendering starts a new paragraph.
fn breaks_line(name: &str, closing: bool) -> bool {
    match name {
        "br" => true,
        "p" | "div" | "tr" | "li" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "table" | "ul" | "ol" | "blockquote" => {
            closing
        }
        _ => false,
    }
}

const HTML_HEADER: &str = "{\\rtf1\\ansi\\ansicpg1252\\fromhtml1 \\deff0{\\fonttbl{\\f0\\fswiss\\fcharset0 Arial;}\
{\\f1\\fmodern\\fcharset0 Courier New;}}\r\n{\\*\\htmltag64}\r\n\\uc1\\pard\\plain\\deftab360 \\f0\\fs24 ";

/// An RTF document that encapsulates `html` (MS-OXRTFEX 2.1.3.2), such
/// that [`html_from_rtf`](super::html_from_rtf) gives back exactly `html`.
///
/// Tags, comments, `<!DOCTYPE>`, the content of `<script>` and `<style>`,
/// character references and line breaks go into `{\*\htmltagN ...}` groups;
/// the text between them is RTF text, so that an RTF reader shows it. A
/// character reference is followed by its character and a line-ending tag
/// (`<br>`, `</p>`, `</div>`, ...) by `\par`, both between `\htmlrtf` and
/// `\htmlrtf0` (the readable RTF fallback that de-encapsulation drops).
/// Non-ASCII characters are written as `\uN?`, `{ } \` as `\{ \} \\`, control
/// characters as `\'hh`, CRLF as `\par`.
///
/// # MAPI
///
/// What RTFSync writes to `PR_RTF_COMPRESSED` for an HTML body (then
/// compressed with [`compress`](super::compress)).
pub fn rtf_from_html(html: &str) -> Vec<u8> {
    let mut rtf = String::with_capacity(HTML_HEADER.len() + html.len() * 2);
    rtf.push_str(HTML_HEADER);
    let mut rest = html;
    while !rest.is_empty() {
        let (kind, len) = next_html_piece(rest);
        let piece = &rest[..len];
        match kind {
            Piece::Text => {
                let mut text = piece;
                while !text.is_empty() {
                    let cut = text.find(['\r', '\n', '&']).unwrap_or(text.len());
                    escape_text(&mut rtf, &text[..cut]);
                    text = &text[cut..];
                    if let Some(after) = text.strip_prefix("\r\n") {
                        rtf.push_str("{\\*\\htmltag0 \\par }\\htmlrtf  \\htmlrtf0 ");
                        text = after;
                    } else if let Some(after) = text.strip_prefix('\r') {
                        rtf.push_str("{\\*\\htmltag0 \\'0d}\\htmlrtf  \\htmlrtf0 ");
                        text = after;
                    } else if let Some(after) = text.strip_prefix('\n') {
                        rtf.push_str("{\\*\\htmltag0 \\'0a}\\htmlrtf  \\htmlrtf0 ");
                        text = after;
                    } else if text.starts_with('&') {
                        let n = character_reference_len(text);
                        if n == 0 {
                            rtf.push('&');
                            text = &text[1..];
                        } else {
                            rtf.push_str("{\\*\\htmltag0 ");
                            escape_tag(&mut rtf, &text[..n]);
                            rtf.push('}');
                            if let Some(c) = super::html_text::decode_reference(&text[..n]) {
                                rtf.push_str("\\htmlrtf ");
                                escape_text(&mut rtf, c.encode_utf8(&mut [0; 4]));
                                rtf.push_str("\\htmlrtf0 ");
                            }
                            text = &text[n..];
                        }
                    }
                }
            }
            Piece::Tag { ref name, closing } => {
                rtf.push_str(&format!("{{\\*\\htmltag{} ", tag_parameter(name, closing)));
                escape_tag(&mut rtf, piece);
                rtf.push('}');
                if breaks_line(name, closing) {
                    rtf.push_str("\\htmlrtf \\par \\htmlrtf0 ");
                }
            }
            Piece::Markup => {
                rtf.push_str("{\\*\\htmltag0 ");
                escape_tag(&mut rtf, piece);
                rtf.push('}');
            }
        }
        rest = &rest[len..];
    }
    rtf.push_str("}\r\n");
    rtf.into_bytes()
}

/// An RTF document that encapsulates plain text (MS-OXRTFEX 2.1.3.3), such
/// that [`text_from_rtf`](super::text_from_rtf) gives it back with every
/// line break (CRLF, CR or LF) as CRLF.
///
/// Line breaks are written as `\par`, tabs as `\tab`, non-ASCII characters
/// as `\uN?`, `{ } \` escaped, other control characters as `\'hh`.
///
/// # MAPI
///
/// What RTFSync writes to `PR_RTF_COMPRESSED` for a plain-text body.
pub fn rtf_from_text(text: &str) -> Vec<u8> {
    let mut rtf = String::with_capacity(text.len() * 2 + 160);
    rtf.push_str(
        "{\\rtf1\\ansi\\ansicpg1252\\fromtext \\deff0{\\fonttbl{\\f0\\fswiss\\fcharset0 Arial;}}\r\n\
\\uc1\\pard\\plain\\deftab360 \\f0\\fs20 ",
    );
    let mut rest = text;
    while !rest.is_empty() {
        let cut = rest.find(['\r', '\n']).unwrap_or(rest.len());
        escape_text(&mut rtf, &rest[..cut]);
        rest = &rest[cut..];
        let skip = if rest.starts_with("\r\n") { 2 } else { 1 };
        if !rest.is_empty() {
            rtf.push_str("\\par\r\n");
            rest = &rest[skip..];
        }
    }
    rtf.push_str("}\r\n");
    rtf.into_bytes()
}

/// Writes `text` as RTF text: `{ } \` escaped, TAB as `\tab`, non-ASCII as
/// `\uN?`, other control characters as `\'hh`.
fn escape_text(rtf: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '{' | '}' | '\\' => {
                rtf.push('\\');
                rtf.push(c);
            }
            '\t' => rtf.push_str("\\tab "),
            ' '..='~' => rtf.push(c),
            '\0'..='\u{7f}' => rtf.push_str(&format!("\\'{:02x}", c as u32)),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    rtf.push_str(&format!("\\u{}?", *unit as i16));
                }
            }
        }
    }
}

/// Writes HTML markup inside an htmltag group: as [`escape_text`], with
/// CRLF as `\par`.
fn escape_tag(rtf: &mut String, markup: &str) {
    let mut rest = markup;
    while let Some(i) = rest.find("\r\n") {
        escape_text(rtf, &rest[..i]);
        rtf.push_str("\\par\r\n");
        rest = &rest[i + 2..];
    }
    escape_text(rtf, rest);
}

enum Piece {
    Text,
    Tag {
        name: String,
        closing: bool,
    },
    /// Comments, `<!DOCTYPE>`, `<?...>`, script and style content.
    Markup,
}

/// The kind and byte length of the HTML piece at the start of `html`.
fn next_html_piece(html: &str) -> (Piece, usize) {
    let bytes = html.as_bytes();
    if bytes[0] != b'<' {
        return (Piece::Text, html.find('<').unwrap_or(html.len()).max(1));
    }
    if let Some(comment) = html.strip_prefix("<!--") {
        let end = comment.find("-->").map_or(html.len(), |i| i + 7);
        return (Piece::Markup, end);
    }
    let next = bytes.get(1).copied().unwrap_or(b' ');
    let closing = next == b'/';
    let name_start = usize::from(closing) + 1;
    let starts_tag = bytes.get(name_start).is_some_and(u8::is_ascii_alphabetic);
    if !(starts_tag || next == b'!' || next == b'?') {
        return (Piece::Text, html[1..].find('<').map_or(html.len(), |i| i + 1));
    }
    let end = tag_end(html);
    if !starts_tag {
        return (Piece::Markup, end);
    }
    let name: String = html[name_start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if !closing && (name == "script" || name == "style") {
        // Raw text up to the end tag: all of it is markup.
        let close = format!("</{name}");
        let body_end = find_ascii_ci(&html[end..], &close).map_or(html.len(), |i| end + i);
        let close_end = if body_end < html.len() {
            body_end + tag_end(&html[body_end..])
        } else {
            body_end
        };
        return (Piece::Markup, close_end);
    }
    (Piece::Tag { name, closing }, end)
}

/// Length of the tag at the start of `html` up to its `>` (quotes
/// respected), or all of it.
fn tag_end(html: &str) -> usize {
    let mut quote = None;
    for (i, b) in html.bytes().enumerate().skip(1) {
        match (quote, b) {
            (None, b'"' | b'\'') => quote = Some(b),
            (Some(q), _) if q == b => quote = None,
            (None, b'>') => return i + 1,
            _ => {}
        }
    }
    html.len()
}

/// Position of `needle` (ASCII) in `haystack`, ignoring ASCII case.
pub(crate) fn find_ascii_ci(haystack: &str, needle: &str) -> Option<usize> {
    let n = needle.len();
    haystack
        .as_bytes()
        .windows(n)
        .position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// Length of a character reference (`&name;`, `&#123;`, `&#x7B;`) at the
/// start of `text`, 0 when there is none.
fn character_reference_len(text: &str) -> usize {
    let body = &text.as_bytes()[1..];
    let len = body
        .iter()
        .take(32)
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'#')
        .count();
    if len > 0 && body.get(len) == Some(&b';') {
        len + 2
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::super::{html_from_rtf, rtf_kind, text_from_plain_rtf, text_from_rtf, RtfKind};
    use super::*;

    fn normalise_line_breaks(text: &str) -> String {
        text.replace("\r\n", "\n").replace('\r', "\n").replace('\n', "\r\n")
    }

    #[test]
    fn html_round_trip_and_rendering() {
        let html = "<!DOCTYPE html><html><head><style>p {color:red}\r\n</style></head>\r\n<body>\
<p class=\"x\">Caf\u{e9} &amp; {braces} \\ back&nbsp;slash<br>\nline &#x263A;</p><script>if (a<b) {}</script>\
</body></html>";
        let rtf = rtf_from_html(html);
        assert_eq!(rtf_kind(&rtf), RtfKind::Html);
        assert_eq!(html_from_rtf(&rtf).unwrap().unwrap(), html);
        let shown = text_from_plain_rtf(&rtf).unwrap();
        assert!(
            shown.contains("Caf\u{e9} & {braces} \\ back\u{a0}slash\r\n line \u{263A}\r\n"),
            "{shown:?}"
        );
        assert!(!shown.contains("color:red"), "{shown:?}");
    }

    #[test]
    fn text_round_trip() {
        let text = "Line 1\r\nLine 2\nLine 3\rTabs\there {x} \\ \u{e9}\u{1F600}\u{1}\r\n";
        let rtf = rtf_from_text(text);
        assert_eq!(rtf_kind(&rtf), RtfKind::Text);
        assert_eq!(text_from_rtf(&rtf).unwrap().unwrap(), normalise_line_breaks(text));
    }

    proptest::proptest! {
        #[test]
        fn any_html_round_trips(html in "(<[a-z]{1,3}( [a-z]=\"[^\"]{0,5}\")?>|</[a-z]{1,3}>|<!--[^>]{0,5}-->|&[a-z#0-9]{1,5};|[a-z \\\\{}<>&;\r\n\t]|[\u{80}-\u{10FFFF}]){0,40}") {
            proptest::prop_assert_eq!(html_from_rtf(&rtf_from_html(&html)).unwrap().unwrap(), html);
        }

        #[test]
        fn any_string_round_trips_as_html(html in proptest::string::string_regex("(?s).{0,80}").unwrap()) {
            proptest::prop_assert_eq!(html_from_rtf(&rtf_from_html(&html)).unwrap().unwrap(), html);
        }

        #[test]
        fn any_text_round_trips(text in proptest::string::string_regex("(?s).{0,80}").unwrap()) {
            proptest::prop_assert_eq!(text_from_rtf(&rtf_from_text(&text)).unwrap().unwrap(), normalise_line_breaks(&text));
        }
    }
}
