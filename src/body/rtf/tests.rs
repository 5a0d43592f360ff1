use super::*;

/// MS-OXRTFEX section 3.1, "Encapsulating HTML into RTF": the spec's RTF.
const SPEC_HTML_RTF: &str = r#"{\rtf1\ANSI\ansicpg1251\fromhtml1 \deff0
{\fonttbl {\f0\fmodern Courier New;}{\f1\fswiss Arial;}{\f2\fswiss\fcharset0 Arial;}}
{\colortbl\red0\green0\blue0;\red0\green0\blue255;} 
{\*\htmltag64}
\uc1\pard\plain\deftab360 \f0\fs24
{\*\htmltag <HTML><head>\par
<style>\par
<!--\par
 /* Style Definitions */\par
 p.MsoNormal, li.MsoNormal \{font-family:Arial;\}\par
-->\par
</style>\par
\tab <!-- This is a HTML comment.\par
There is a horizontal tab (%x09) character before the comment, \par
and some new lines inside the comment. -->\par
</head>\par
<body>\par
<p\par
class="MsoNormal">}
{\htmlrtf \f1 \htmlrtf0 Note the line break inside a P tag. {\*\htmltag <b>}{\htmlrtf \b \htmlrtf0 This is a bold text{\*\htmltag </b>}} \htmlrtf\par\htmlrtf0}
\htmlrtf \par \htmlrtf0
{\*\htmltag </p>\par
<p class="MsoNormal">\par}
{\htmlrtf \f1 \htmlrtf0 This is a normal text with a character references:
{\*\htmltag &nbsp;}\htmlrtf \'a0\htmlrtf0  {\*\htmltag &lt;}\htmlrtf <\htmlrtf0  {\*\htmltag &uml;}\htmlrtf {\f2\'a8}\htmlrtf0{\*\htmltag <br>\par}\htmlrtf\line\htmlrtf0
characters which have special meaning in RTF: \{\}\\{\*\htmltag <br>\par}\htmlrtf\line\htmlrtf0\htmlrtf\par\htmlrtf0}
{\*\htmltag </p>\par
<ol>\par
    <li class="MsoNormal">}{\htmlrtf {{\*\pn\pnlvlbody\pndec\pnstart1\pnindent360{\pntxta.}}\li360\fi-360{\pntext 1.\tab} \f1 \htmlrtf0 This is a list item}\htmlrtf\par\htmlrtf0}
{\*\htmltag \par
</ol>\par
</body>\par
</HTML>\par }}"#;

/// The HTML of MS-OXRTFEX 3.1 as the 2.2.3.2 algorithm gives it back: the
/// spec's source HTML with CRLF line ends and the whitespace the writer
/// normalised ("differ only minimally", MS-OXRTFEX 1.3.1).
const SPEC_HTML: &str = "<HTML><head>\r\n<style>\r\n<!--\r\n /* Style Definitions */\r\n \
p.MsoNormal, li.MsoNormal {font-family:Arial;}\r\n-->\r\n</style>\r\n\t<!-- This is a HTML comment.\r\n\
There is a horizontal tab (%x09) character before the comment, \r\nand some new lines inside the comment. -->\r\n\
</head>\r\n<body>\r\n<p\r\nclass=\"MsoNormal\">Note the line break inside a P tag. <b>This is a bold text</b> \
</p>\r\n<p class=\"MsoNormal\">\r\nThis is a normal text with a character references:&nbsp; &lt; &uml;<br>\r\n\
characters which have special meaning in RTF: {}\\<br>\r\n</p>\r\n<ol>\r\n    <li class=\"MsoNormal\">\
This is a list item\r\n</ol>\r\n</body>\r\n</HTML>\r\n";

#[test]
fn spec_html_example_deencapsulates() {
    let html = html_from_rtf(SPEC_HTML_RTF.as_bytes()).unwrap().unwrap();
    assert_eq!(html, SPEC_HTML);
}

#[test]
fn spec_html_example_kind_and_rendering() {
    let rtf = SPEC_HTML_RTF.as_bytes();
    assert_eq!(rtf_kind(rtf), RtfKind::Html);
    assert_eq!(text_from_rtf(rtf).unwrap(), None);
    // Read as plain RTF, the same document shows its RTF rendering.
    let text = text_from_plain_rtf(rtf).unwrap();
    assert!(
        text.contains("Note the line break inside a P tag. This is a bold text"),
        "{text:?}"
    );
    assert!(
        text.contains("characters which have special meaning in RTF: {}\\"),
        "{text:?}"
    );
    assert!(!text.contains("<HTML>"));
}

#[test]
fn kind_is_read_from_the_header_only() {
    assert_eq!(rtf_kind(b"{\\rtf1\\ansi\\fromtext \\deff0{\\fonttbl}}"), RtfKind::Text);
    assert_eq!(rtf_kind(b"{\\rtf1\\ansi{\\fonttbl}\\fromhtml1 x}"), RtfKind::Rtf);
    assert_eq!(rtf_kind(b"{\\rtf1\\ansi\\fromhtml0 x}"), RtfKind::Rtf);
    assert_eq!(rtf_kind(b"not rtf"), RtfKind::Rtf);
}

#[test]
fn text_deencapsulation() {
    let rtf = b"{\\rtf1\\ansi\\ansicpg1252\\fromtext \\fbidis \\deff0{\\fonttbl\r\n{\\f0\\fswiss\\fcharset0 Arial;}\r\n\
{\\f1\\fmodern Courier New;}\r\n{\\f2\\fnil\\fcharset2 Symbol;}\r\n{\\f3\\fmodern\\fcharset0 Courier New;}}\r\n\
{\\colortbl\\red0\\green0\\blue0;\\red0\\green0\\blue255;}\r\n\\uc1\\pard\\plain\\deftab360 \\f0\\fs20 Caf\\'e9 \\{x\\}\\par\r\n\
tab\\tab end\\line\r\nsmile \\u9786?\\par\r\n}";
    assert_eq!(rtf_kind(rtf), RtfKind::Text);
    assert_eq!(
        text_from_rtf(rtf).unwrap().unwrap(),
        "Café {x}\r\ntab\tend\r\nsmile \u{263A}\r\n"
    );
}

#[test]
fn code_pages_follow_fonts() {
    // \ansicpg65001 with \fcharset0: UTF-8 (bbottema__tst_unicode).
    let rtf = b"{\\rtf1\\ansi\\ansicpg65001\\fromhtml1{\\fonttbl{\\f0\\fcharset0 Arial;}}\\f0 Char-\\'c3\\'a5-Char}";
    assert_eq!(html_from_rtf(rtf).unwrap().unwrap(), "Char-\u{e5}-Char");
    // A Japanese font: the lead and trail bytes decode together.
    let rtf = b"{\\rtf1\\ansi\\ansicpg1252\\fromtext{\\fonttbl{\\f0\\fcharset0 Arial;}{\\f1\\fcharset128 MS Mincho;}}\
\\f1 \\'93\\'fa\\'96\\'7b\\f0 \\'e9}";
    assert_eq!(text_from_rtf(rtf).unwrap().unwrap(), "日本é");
    // Cyrillic by \fcharset204 in a 1252 document; \cpg wins over \fcharset.
    let rtf = b"{\\rtf1\\ansi\\ansicpg1252{\\fonttbl{\\f0\\fcharset204 A;}{\\f1\\fcharset0\\cpg1253 B;}}\
\\f0 \\'cf\\'f0\\'e8\\f1 \\'e1}";
    assert_eq!(text_from_plain_rtf(rtf).unwrap(), "Приα");
    // Inside htmltag: the document's code page, whatever the font.
    let rtf = b"{\\rtf1\\ansi\\ansicpg1251\\fromhtml1{\\fonttbl{\\f0\\fcharset0 Arial;}}\\f0{\\*\\htmltag <p title=\"\\'cf\">}\\'e9}";
    assert_eq!(html_from_rtf(rtf).unwrap().unwrap(), "<p title=\"П\">й");
}

#[test]
fn unicode_skip_counts() {
    let rtf = b"{\\rtf1\\fromtext \\uc2 a\\u1234\\'81\\'82b{\\uc0\\u1235 c}\\u1236 xyz\\uc1\\u-10179?\\u-8694?}";
    assert_eq!(
        text_from_rtf(rtf).unwrap().unwrap(),
        "a\u{4D2}b\u{4D3}c\u{4D4}z\u{1F60A}"
    );
    // A lone surrogate becomes U+FFFD; `\u` without a number is ignored.
    let rtf = b"{\\rtf1\\fromtext \\u-10179?x\\u y}";
    assert_eq!(text_from_rtf(rtf).unwrap().unwrap(), "\u{FFFD}xy");
}

#[test]
fn mhtmltag_and_ignorable_destinations() {
    let rtf = b"{\\rtf1\\ansi\\fromhtml1 {\\*\\generator x;}{\\*\\mhtmltag84 <img src=\"a.png\">}\
{\\*\\htmltag84 <img src=\"cid:a\">}{\\*\\unknown zzz}{\\*\\htmlbase http://b/}ok}";
    assert_eq!(html_from_rtf(rtf).unwrap().unwrap(), "<img src=\"cid:a\">ok");
}

#[test]
fn plain_rtf_to_text() {
    let rtf = br#"{\rtf1\ansi\deff0{\fonttbl{\f0 Arial;}}{\colortbl;\red255\green0\blue0;}{\stylesheet{\s0 Normal;}}
{\info{\title T}}\pard Hello {\b bold}\tab x\line y\par
{\field{\*\fldinst HYPERLINK "http://a.example/?q=1&r=2"}{\fldrslt link}}{\pict\wmetafile8 0102}\par
\trowd\cellx1000\cellx2000\intbl A\cell B\cell\row\pard after\par
{\listtext -\tab}item\par}"#;
    assert_eq!(
        text_from_plain_rtf(rtf).unwrap(),
        "Hello bold\tx\r\ny\r\nlink\r\nA\tB\t\r\nafter\r\n-\titem\r\n"
    );
}

#[test]
fn plain_rtf_to_html() {
    let rtf = br#"{\rtf1\ansi\deff0{\fonttbl{\f0 Arial;}}{\colortbl;\red255\green0\blue0;}
\pard a<b {\b bold \i both}\b0  {\cf1 red}\plain  \ul u\ulnone\line x\par
{\field{\*\fldinst HYPERLINK "http://a.example/?q=1&r=2"}{\fldrslt link}}\par
\trowd\cellx1000\cellx2000\intbl A\cell B\cell\row\pard after\par}"#;
    let html = html_from_plain_rtf(rtf).unwrap();
    let body = html
        .split("<body>\r\n")
        .nth(1)
        .unwrap()
        .split("</body>")
        .next()
        .unwrap();
    assert_eq!(
        body,
        "<p>a&lt;b <b>bold </b><b><i>both</i></b> <span style=\"color:#ff0000\">red</span> <u>u</u><br>x</p>\r\n\
<p><a href=\"http://a.example/?q=1&amp;r=2\">link</a></p>\r\n\
<table><tr><td>A</td><td>B</td></tr>\r\n</table>\r\n<p>after</p>\r\n"
    );
}

#[test]
fn bad_rtf_is_an_error_not_a_panic() {
    let deep = [b"{\\rtf1 ".as_slice(), &[b'{'; 100_000]].concat();
    assert!(matches!(text_from_plain_rtf(&deep), Err(RtfError::GroupTooDeep { .. })));
    assert!(matches!(
        text_from_plain_rtf(b"{\\rtf1 \\uc999999999 x}"),
        Err(RtfError::BadUnicodeSkip { count: 999_999_999, .. })
    ));
    assert!(matches!(
        text_from_plain_rtf(b"{\\rtf1 \\bin999999999999 x}"),
        Err(RtfError::ParameterOutOfRange { .. })
    ));
    assert!(matches!(
        text_from_plain_rtf(b"{\\rtf1 x\\'"),
        Err(RtfError::BadHexEscape { .. })
    ));
    assert!(matches!(
        text_from_plain_rtf(b"{\\rtf1 {x}"),
        Err(RtfError::UnclosedGroup { depth: 1 })
    ));
    assert!(matches!(html_from_plain_rtf(b"hello"), Err(RtfError::NotRtf)));
    // An early close of the outermost group (aspose) does not end the
    // document; stray closing braces are dropped; NULs and line ends after
    // the end are not text.
    assert_eq!(text_from_plain_rtf(b"{\\rtf1 a}}}b}").unwrap(), "ab");
    assert_eq!(text_from_plain_rtf(b"{\\rtf1 a}\r\n\0").unwrap(), "a");
    assert_eq!(
        html_from_rtf(b"{\\rtf1\\fromhtml1 x\\'").unwrap_err(),
        RtfError::BadHexEscape { offset: 18 }
    );
}

proptest::proptest! {
    #[test]
    fn readers_never_panic(body in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
        for prefix in [&b"{\\rtf1\\fromhtml1 "[..], b"{\\rtf1\\fromtext ", b"{\\rtf1 "] {
            let rtf = [prefix, &body].concat();
            let _ = html_from_rtf(&rtf);
            let _ = text_from_rtf(&rtf);
            let _ = text_from_plain_rtf(&rtf);
            let _ = html_from_plain_rtf(&rtf);
        }
    }

    #[test]
    fn readers_never_panic_on_rtf_like(body in "([{}\\\\]|\\\\[a-z]{1,6}-?[0-9]{0,3} ?|\\\\'[0-9a-f]{2}|[a-z ;]|\\\\\\*){0,80}") {
        for prefix in [&b"{\\rtf1\\fromhtml1 "[..], b"{\\rtf1\\fromtext ", b"{\\rtf1 "] {
            let rtf = [prefix, body.as_bytes()].concat();
            let _ = html_from_rtf(&rtf);
            let _ = text_from_rtf(&rtf);
            let _ = text_from_plain_rtf(&rtf);
            let _ = html_from_plain_rtf(&rtf);
        }
    }
}
