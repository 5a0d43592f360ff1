//! The visible text of an HTML body.
//!
//! A small tokenizer rather than the `html2text` crate: html2text pulls in
//! html5ever and its tree builder (a large build on our 2-core CI) and lays
//! text out for a terminal (wrapping, link footnotes), where a message
//! store wants the words and line breaks, as `PR_BODY` holds them.

use super::encapsulate::find_ascii_ci;

/// The visible text of `html`, as a search index or a `PR_BODY` fallback
/// wants it.
///
/// - Comments, `<!...>` and `<?...>` declarations, and the content of
///   `<script>`, `<style>` and `<head>` (up to `</head>` or `<body>`) are
///   dropped.
/// - The start and end tags of `br`, `p`, `div`, `tr` and `li` give a line
///   break (`\n`); other tags give nothing, so `</td><td>` joins two cells.
/// - Character references are decoded: numeric ones, and the named ones of
///   HTML 4 (Latin-1, symbols and typography), `&apos;` and the five
///   legacy names without `;` (`&amp &lt &gt &quot &nbsp`).
///
/// Whitespace is kept as written (HTML would fold it when displaying).
pub fn text_from_html(html: &str) -> String {
    let mut out = String::with_capacity(html.len() / 2);
    let mut rest = html;
    let mut in_head = false;
    while !rest.is_empty() {
        let Some(lt) = rest.find('<') else {
            if !in_head {
                decode_text_into(&mut out, rest);
            }
            break;
        };
        if !in_head {
            decode_text_into(&mut out, &rest[..lt]);
        }
        rest = &rest[lt..];
        let bytes = rest.as_bytes();
        if rest.starts_with("<!--") {
            rest = rest[4..].find("-->").map_or("", |i| &rest[i + 7..]);
            continue;
        }
        let next = bytes.get(1).copied().unwrap_or(b' ');
        let closing = next == b'/';
        let name_start = usize::from(closing) + 1;
        if next == b'!' || next == b'?' {
            rest = rest.find('>').map_or("", |i| &rest[i + 1..]);
            continue;
        }
        if !bytes.get(name_start).is_some_and(u8::is_ascii_alphabetic) {
            if !in_head {
                out.push('<');
            }
            rest = &rest[1..];
            continue;
        }
        let name_len = rest[name_start..]
            .bytes()
            .take_while(|b| !b.is_ascii_whitespace() && *b != b'>' && *b != b'/')
            .count();
        let name = rest[name_start..name_start + name_len].to_ascii_lowercase();
        let end = tag_len(rest);
        rest = &rest[end..];
        match (name.as_str(), closing) {
            ("head", false) => in_head = true,
            ("head", true) | ("body", false) => in_head = false,
            ("script" | "style", false) => {
                let close = format!("</{name}");
                rest = match find_ascii_ci(rest, &close) {
                    Some(i) => {
                        let after = &rest[i..];
                        &after[tag_len(after)..]
                    }
                    None => "",
                };
            }
            ("br" | "p" | "div" | "tr" | "li", _) if !in_head => out.push('\n'),
            _ => {}
        }
    }
    out
}

/// Length of the tag at the start of `html` through its `>` (quoted
/// attribute values may hold `>`), or all of `html`.
fn tag_len(html: &str) -> usize {
    let mut quote = None;
    for (i, b) in html.bytes().enumerate().skip(1) {
        match (quote, b) {
            (None, b'"' | b'\'') if html.as_bytes()[i - 1] == b'=' || html.as_bytes()[i - 1].is_ascii_whitespace() => {
                quote = Some(b)
            }
            (Some(q), _) if q == b => quote = None,
            (None, b'>') => return i + 1,
            _ => {}
        }
    }
    html.len()
}

/// Appends `text` with its character references decoded.
fn decode_text_into(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let body_len = rest[1..]
            .bytes()
            .take(32)
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'#')
            .count();
        let with_semicolon = rest.as_bytes().get(1 + body_len) == Some(&b';');
        let reference = &rest[..1 + body_len + usize::from(with_semicolon)];
        match decode_reference(reference) {
            Some(c) => {
                out.push(c);
                rest = &rest[reference.len()..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
}

/// The character of a reference `&...;` (or a legacy name without `;`).
pub(crate) fn decode_reference(reference: &str) -> Option<char> {
    let body = reference.strip_prefix('&')?;
    let (body, terminated) = match body.strip_suffix(';') {
        Some(b) => (b, true),
        None => (body, false),
    };
    if let Some(num) = body.strip_prefix('#') {
        if !terminated && num.is_empty() {
            return None;
        }
        let value = match num.strip_prefix(['x', 'X']) {
            Some(hex) if !hex.is_empty() && hex.len() <= 8 => u32::from_str_radix(hex, 16).ok()?,
            None if !num.is_empty() && num.len() <= 10 => num.parse::<u32>().ok()?,
            _ => return None,
        };
        // HTML maps 0x80..=0x9F to windows-1252 and invalid values to U+FFFD.
        if (0x80..=0x9F).contains(&value) {
            let byte = [value as u8];
            let (s, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(&byte);
            return s.chars().next();
        }
        return Some(char::from_u32(value).filter(|&c| c != '\0').unwrap_or('\u{FFFD}'));
    }
    if !terminated {
        return match body {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "nbsp" => Some('\u{A0}'),
            _ => None,
        };
    }
    if let Some(i) = LATIN1.iter().position(|&n| n == body) {
        return char::from_u32(0xA0 + i as u32);
    }
    OTHER.iter().find(|(n, _)| *n == body).map(|&(_, c)| c)
}

/// HTML 4 names of U+00A0..=U+00FF, in order.
const LATIN1: [&str; 96] = [
    "nbsp", "iexcl", "cent", "pound", "curren", "yen", "brvbar", "sect", "uml", "copy", "ordf", "laquo", "not", "shy",
    "reg", "macr", "deg", "plusmn", "sup2", "sup3", "acute", "micro", "para", "middot", "cedil", "sup1", "ordm",
    "raquo", "frac14", "frac12", "frac34", "iquest", "Agrave", "Aacute", "Acirc", "Atilde", "Auml", "Aring", "AElig",
    "Ccedil", "Egrave", "Eacute", "Ecirc", "Euml", "Igrave", "Iacute", "Icirc", "Iuml", "ETH", "Ntilde", "Ograve",
    "Oacute", "Ocirc", "Otilde", "Ouml", "times", "Oslash", "Ugrave", "Uacute", "Ucirc", "Uuml", "Yacute", "THORN",
    "szlig", "agrave", "aacute", "acirc", "atilde", "auml", "aring", "aelig", "ccedil", "egrave", "eacute", "ecirc",
    "euml", "igrave", "iacute", "icirc", "iuml", "eth", "ntilde", "ograve", "oacute", "ocirc", "otilde", "ouml",
    "divide", "oslash", "ugrave", "uacute", "ucirc", "uuml", "yacute", "thorn", "yuml",
];

/// Other HTML 4 names (markup, typography, common symbols).
const OTHER: &[(&str, char)] = &[
    ("amp", '&'),
    ("lt", '<'),
    ("gt", '>'),
    ("quot", '"'),
    ("apos", '\''),
    ("OElig", '\u{152}'),
    ("oelig", '\u{153}'),
    ("Scaron", '\u{160}'),
    ("scaron", '\u{161}'),
    ("Yuml", '\u{178}'),
    ("fnof", '\u{192}'),
    ("circ", '\u{2C6}'),
    ("tilde", '\u{2DC}'),
    ("ensp", '\u{2002}'),
    ("emsp", '\u{2003}'),
    ("thinsp", '\u{2009}'),
    ("zwnj", '\u{200C}'),
    ("zwj", '\u{200D}'),
    ("lrm", '\u{200E}'),
    ("rlm", '\u{200F}'),
    ("ndash", '\u{2013}'),
    ("mdash", '\u{2014}'),
    ("lsquo", '\u{2018}'),
    ("rsquo", '\u{2019}'),
    ("sbquo", '\u{201A}'),
    ("ldquo", '\u{201C}'),
    ("rdquo", '\u{201D}'),
    ("bdquo", '\u{201E}'),
    ("dagger", '\u{2020}'),
    ("Dagger", '\u{2021}'),
    ("bull", '\u{2022}'),
    ("hellip", '\u{2026}'),
    ("permil", '\u{2030}'),
    ("prime", '\u{2032}'),
    ("Prime", '\u{2033}'),
    ("lsaquo", '\u{2039}'),
    ("rsaquo", '\u{203A}'),
    ("euro", '\u{20AC}'),
    ("trade", '\u{2122}'),
    ("larr", '\u{2190}'),
    ("uarr", '\u{2191}'),
    ("rarr", '\u{2192}'),
    ("darr", '\u{2193}'),
    ("harr", '\u{2194}'),
    ("minus", '\u{2212}'),
    ("le", '\u{2264}'),
    ("ge", '\u{2265}'),
    ("ne", '\u{2260}'),
    ("infin", '\u{221E}'),
    ("loz", '\u{25CA}'),
    ("spades", '\u{2660}'),
    ("clubs", '\u{2663}'),
    ("hearts", '\u{2665}'),
    ("diams", '\u{2666}'),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visible_text() {
        let html = "<html><head><title>T</title><style>p{}</style></head><body><!-- c -->\
<p>A&amp;B&nbsp;&eacute;&#233;&#x263a;&#150;&bogus;</p><script>x<y</script>a<b>b</b><br/>\
<table><tr><td>1</td><td>2</td></tr></table><![if !x]>z<![endif]>1 < 2</body></html>";
        assert_eq!(text_from_html(html), "\nA&B\u{a0}éé☺\u{2013}&bogus;\nab\n\n12\nz1 < 2");
    }

    #[test]
    fn head_ends_at_body() {
        assert_eq!(text_from_html("<head><title>x</title><body>y"), "y");
        assert_eq!(text_from_html("<p title=\"a>b\">c"), "\nc");
    }
}
