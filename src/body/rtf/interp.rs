//! The RTF reader shared by the de-encapsulators and the renderers: group
//! state, destinations, font and colour tables, code pages, `\uN`/`\ucN`,
//! `\htmlrtf`, fields. What it reads goes to an [`Output`].

use std::collections::BTreeMap;

use super::charset::{codepage_for_charset, TextDecoder};
use super::lexer::{Lexer, Token};
use super::{RtfError, MAX_UC_SKIP};

/// What the reader is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// MS-OXRTFEX 2.2.3.2: HTMLTAG content and text outside `\htmlrtf`.
    DeencapHtml,
    /// MS-OXRTFEX 2.2.3.3: the text.
    DeencapText,
    /// A plain RTF document, rendered (fields, tables, formatting).
    Render,
}

/// Character formatting of the current group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Format {
    pub(crate) bold: bool,
    pub(crate) italic: bool,
    pub(crate) underline: bool,
    /// `#rrggbb` from `\cfN`; `None` for the default colour.
    pub(crate) color: Option<(u8, u8, u8)>,
}

/// Where the reader sends what it reads. Text arrives decoded; every
/// structural call comes after the text before it.
pub(crate) trait Output {
    fn text(&mut self, text: &str, format: &Format, in_table: bool);
    fn par(&mut self, in_table: bool);
    fn line(&mut self);
    fn tab(&mut self);
    fn cell(&mut self) {}
    fn row(&mut self) {}
    fn link_start(&mut self, _url: &str) {}
    fn link_end(&mut self) {}
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dest {
    /// Document text.
    Normal,
    /// `{\*\htmltagN ...}`.
    HtmlTag,
    /// Not rendered.
    Skip,
    FontTable,
    ColorTable,
    /// `\fldinst`: collected to find a HYPERLINK.
    FieldInst,
}

#[derive(Debug, Clone, Copy)]
struct Group {
    dest: Dest,
    htmlrtf: bool,
    font: Option<i32>,
    uc: usize,
    format: Format,
    in_table: bool,
    /// This group is a `\fldrslt` whose link must be closed at its end.
    closes_link: bool,
    /// This group holds a `\field` (its index in `fields` + 1).
    field: usize,
}

/// Longest HYPERLINK instruction kept, in bytes.
const MAX_FIELD_INST: usize = 8192;
/// Fonts and colours kept (more are ignored).
const MAX_TABLE_ENTRIES: usize = 4096;

pub(crate) struct Reader<'o, O: Output> {
    mode: Mode,
    out: &'o mut O,
    decoder: TextDecoder,
    stack: Vec<Group>,
    group: Group,
    /// The next token is the first of a group.
    group_start: bool,
    /// `\*` seen at the start of this group.
    starred: bool,
    default_cp: u32,
    ansicpg_seen: bool,
    default_font: Option<i32>,
    /// Font number → code page (0: the document's).
    fonts: BTreeMap<i32, u32>,
    font_entry: Option<i32>,
    colors: Vec<(u8, u8, u8)>,
    color: (u8, u8, u8),
    skip: usize,
    fields: Vec<String>,
    /// Last format sent with text.
    pending_format: Format,
    /// Still in the RTF header (MSFT-RTF "Header"): whitespace between the
    /// header's tables is not document text.
    in_header: bool,
}

impl<'o, O: Output> Reader<'o, O> {
    pub(crate) fn new(mode: Mode, out: &'o mut O) -> Self {
        let group = Group {
            dest: Dest::Normal,
            htmlrtf: false,
            font: None,
            uc: 1,
            format: Format::default(),
            in_table: false,
            closes_link: false,
            field: 0,
        };
        Reader {
            mode,
            out,
            decoder: TextDecoder::default(),
            stack: Vec::new(),
            group,
            group_start: false,
            starred: false,
            default_cp: 1252,
            ansicpg_seen: false,
            default_font: None,
            fonts: BTreeMap::new(),
            font_entry: None,
            colors: Vec::new(),
            color: (0, 0, 0),
            skip: 0,
            fields: Vec::new(),
            pending_format: Format::default(),
            in_header: true,
        }
    }

    /// Reads the whole document: from its `{` to the matching `}`.
    ///
    /// # Errors
    ///
    /// The lexer's errors, [`RtfError::NotRtf`] when the input does not start
    /// with `{\rtf`, [`RtfError::BadUnicodeSkip`], [`RtfError::UnclosedGroup`].
    pub(crate) fn run(mut self, rtf: &[u8]) -> Result<(), RtfError> {
        let start = rtf.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(rtf.len());
        if !rtf[start..].starts_with(b"{\\rtf") {
            return Err(RtfError::NotRtf);
        }
        let mut lexer = Lexer::new(&rtf[start..]);
        // The outermost group has closed. What follows is normally nothing,
        // or NULs and line ends; some writers (aspose) close it early with an
        // unbalanced `}` and go on: that is read as more of the document.
        let mut ended = false;
        while let Some((offset, token)) = lexer.next_token()? {
            let offset = offset + start;
            if ended {
                if let Token::Text(text) = token {
                    if text.iter().all(|b| b.is_ascii_whitespace() || *b == 0) {
                        continue;
                    }
                }
                ended = false;
            }
            let first = std::mem::replace(&mut self.group_start, false);
            match token {
                Token::GroupStart => {
                    self.skip = 0;
                    self.stack.push(self.group);
                    self.group.closes_link = false;
                    self.group.field = 0;
                    self.group_start = true;
                    self.starred = false;
                }
                Token::GroupEnd => {
                    self.skip = 0;
                    self.end_group();
                    if lexer.depth() == 0 {
                        self.flush();
                        ended = true;
                    }
                }
                Token::ControlSymbol(b'*') if first => {
                    self.starred = true;
                    self.group_start = true;
                }
                Token::ControlWord { name, param } => {
                    if first && self.destination(name, param) {
                        continue;
                    }
                    self.control_word(name, param, offset)?;
                }
                Token::ControlSymbol(c) => {
                    if self.starred_unknown(first) || self.skipped() || !self.visible() {
                        continue;
                    }
                    let text = match c {
                        b'{' | b'}' | b'\\' => Some(char::from(c)),
                        b'~' => Some('\u{A0}'),
                        b'_' => Some(if self.mode == Mode::DeencapHtml {
                            '\u{AD}'
                        } else {
                            '\u{2011}'
                        }),
                        _ => None,
                    };
                    if let Some(c) = text {
                        self.emit_char(c);
                    }
                }
                Token::HexByte(b) => {
                    if self.starred_unknown(first) || self.skipped() || !self.visible() {
                        continue;
                    }
                    self.emit_bytes(&[b]);
                }
                Token::Binary(_) => {
                    if self.skip > 0 {
                        self.skip -= 1;
                    }
                }
                Token::Text(mut text) => {
                    if self.starred_unknown(first) {
                        continue;
                    }
                    let n = self.skip.min(text.len());
                    self.skip -= n;
                    text = &text[n..];
                    if self.in_header && self.visible() && text.iter().all(u8::is_ascii_whitespace) {
                        continue;
                    }
                    if !text.is_empty() && self.visible() {
                        self.in_header = false;
                        self.emit_bytes(text);
                    } else if self.group.dest == Dest::FontTable && !text.is_empty() {
                        // `;` ends a font entry without its own group.
                        if text.contains(&b';') {
                            self.font_entry = None;
                        }
                    } else if self.group.dest == Dest::ColorTable {
                        for _ in text.iter().filter(|&&b| b == b';') {
                            if self.colors.len() < MAX_TABLE_ENTRIES {
                                self.colors.push(self.color);
                            }
                            self.color = (0, 0, 0);
                        }
                    }
                }
            }
        }
        if lexer.depth() == 0 {
            self.flush();
            return Ok(());
        }
        Err(RtfError::UnclosedGroup { depth: lexer.depth() })
    }

    /// `{\*\unknown ...}`: the group is skipped from its first token on.
    fn starred_unknown(&mut self, first: bool) -> bool {
        if first && self.starred {
            self.group.dest = Dest::Skip;
            return true;
        }
        false
    }

    /// A `\uN` fallback character is being skipped (counts one).
    fn skipped(&mut self) -> bool {
        if self.skip > 0 {
            self.skip -= 1;
            return true;
        }
        false
    }

    /// Whether text here goes to the output.
    fn visible(&self) -> bool {
        match self.group.dest {
            Dest::Normal => !(self.mode == Mode::DeencapHtml && self.group.htmlrtf),
            Dest::HtmlTag => !self.group.htmlrtf,
            Dest::FieldInst => true,
            _ => false,
        }
    }

    fn codepage(&self) -> u32 {
        if self.group.dest == Dest::HtmlTag {
            // MS-OXRTFEX 2.2.3.2: HTMLTAG content is in the default code page.
            return self.default_cp;
        }
        self.group
            .font
            .or(self.default_font)
            .and_then(|f| self.fonts.get(&f))
            .map_or(self.default_cp, |&cp| if cp == 0 { self.default_cp } else { cp })
    }

    fn emit_bytes(&mut self, bytes: &[u8]) {
        if self.group.dest == Dest::FieldInst {
            let field = self.fields.last_mut();
            if let Some(inst) = field {
                let room = MAX_FIELD_INST.saturating_sub(inst.len());
                inst.push_str(&String::from_utf8_lossy(&bytes[..bytes.len().min(room)]));
            }
            return;
        }
        self.sync_format();
        let cp = self.codepage();
        self.decoder.bytes(bytes, cp);
    }

    fn emit_char(&mut self, c: char) {
        if self.group.dest == Dest::FieldInst {
            if let Some(inst) = self.fields.last_mut() {
                if inst.len() < MAX_FIELD_INST {
                    inst.push(c);
                }
            }
            return;
        }
        self.sync_format();
        self.decoder.char(c);
    }

    /// Text already decoded must go out with the format it was read in.
    fn sync_format(&mut self) {
        if self.pending_format != self.group.format {
            self.flush();
            self.pending_format = self.group.format;
        }
    }

    fn flush(&mut self) {
        if !self.decoder.is_empty() {
            let text = self.decoder.take();
            self.out.text(&text, &self.pending_format, self.group.in_table);
        }
    }

    fn end_group(&mut self) {
        let ended = self.group;
        if ended.closes_link {
            self.flush();
            self.out.link_end();
        }
        if ended.field != 0 {
            self.fields.truncate(ended.field - 1);
        }
        if ended.dest == Dest::FontTable || ended.dest == Dest::Normal {
            self.font_entry = None;
        }
        if let Some(outer) = self.stack.pop() {
            if ended.in_table != outer.in_table {
                self.flush();
            }
            self.group = outer;
        }
    }

    /// The first control word of a group, when it names a destination.
    /// Returns whether it was handled.
    fn destination(&mut self, name: &str, param: Option<i32>) -> bool {
        let inherited = self.group.dest;
        if inherited == Dest::Skip {
            return true;
        }
        let dest = match name {
            "htmltag" if self.starred && self.mode == Mode::DeencapHtml => {
                self.in_header = false;
                Dest::HtmlTag
            }
            "fldinst" if self.mode == Mode::Render => {
                if self.fields.is_empty() {
                    Dest::Skip
                } else {
                    Dest::FieldInst
                }
            }
            "fonttbl" => Dest::FontTable,
            "colortbl" => Dest::ColorTable,
            "fldrslt" => {
                if self.mode == Mode::Render {
                    if let Some(url) = self.fields.last().and_then(|inst| hyperlink_target(inst)) {
                        self.flush();
                        self.out.link_start(&url);
                        self.group.closes_link = true;
                    }
                }
                return true;
            }
            "field" => {
                if self.fields.len() < super::MAX_GROUP_DEPTH {
                    self.fields.push(String::new());
                    self.group.field = self.fields.len();
                }
                return true;
            }
            // List numbers and bullets: shown by a renderer, but not part of
            // encapsulated HTML or text (MSFT-RTF: text generated for readers
            // that do not regenerate numbering from `\pn` / `\ls`).
            "pntext" | "listtext" if self.mode == Mode::Render => return true,
            _ if self.starred || is_skipped_destination(name) => Dest::Skip,
            _ if inherited == Dest::FontTable => {
                // A font entry group `{\fN ...;}`: handled as a word.
                let _ = param;
                return false;
            }
            _ => return false,
        };
        self.group.dest = dest;
        true
    }

    fn control_word(&mut self, name: &str, param: Option<i32>, offset: usize) -> Result<(), RtfError> {
        match self.group.dest {
            Dest::Skip => return Ok(()),
            Dest::FontTable => {
                match name {
                    "f" => {
                        if let Some(n) = param {
                            self.font_entry = Some(n);
                            if self.fonts.len() < MAX_TABLE_ENTRIES {
                                self.fonts.entry(n).or_insert(0);
                            }
                        }
                    }
                    "fcharset" | "cpg" => {
                        let cp = if name == "cpg" {
                            param.and_then(|p| u32::try_from(p).ok())
                        } else {
                            param.and_then(codepage_for_charset)
                        };
                        if let (Some(entry), Some(cp)) = (self.font_entry, cp) {
                            if let Some(font_cp) = self.fonts.get_mut(&entry) {
                                // `\cpg` wins over `\fcharset`.
                                if name == "cpg" || *font_cp == 0 {
                                    *font_cp = cp;
                                }
                            }
                        }
                    }
                    _ => {}
                }
                return Ok(());
            }
            Dest::ColorTable => {
                let v = param.unwrap_or(0).clamp(0, 255) as u8;
                match name {
                    "red" => self.color.0 = v,
                    "green" => self.color.1 = v,
                    "blue" => self.color.2 = v,
                    _ => {}
                }
                return Ok(());
            }
            _ => {}
        }
        // Words that change state apply even inside `\htmlrtf` (MSFT-RTF
        // keeps the state; MS-OXRTFEX only suppresses output).
        match name {
            "ansicpg" => {
                if let Some(cp) = param.and_then(|p| u32::try_from(p).ok()).filter(|&cp| cp != 0) {
                    self.default_cp = cp;
                    self.ansicpg_seen = true;
                }
                return Ok(());
            }
            "mac" | "pc" | "pca" | "ansi" if !self.ansicpg_seen => {
                self.default_cp = match name {
                    "mac" => 10000,
                    "pc" => 437,
                    "pca" => 850,
                    _ => 1252,
                };
                return Ok(());
            }
            "deff" => {
                self.default_font = param;
                return Ok(());
            }
            "f" => {
                self.group.font = param;
                return Ok(());
            }
            "uc" => {
                let n = param.unwrap_or(1);
                let count = usize::try_from(n).ok().filter(|&c| c <= MAX_UC_SKIP);
                self.group.uc = count.ok_or(RtfError::BadUnicodeSkip { offset, count: n })?;
                return Ok(());
            }
            "htmlrtf" => {
                if self.mode == Mode::DeencapHtml {
                    self.flush();
                }
                self.group.htmlrtf = param != Some(0);
                return Ok(());
            }
            "b" => self.group.format.bold = param != Some(0),
            "i" => self.group.format.italic = param != Some(0),
            "ul" => self.group.format.underline = param != Some(0),
            "ulnone" => self.group.format.underline = false,
            "cf" => {
                let index = param.and_then(|p| usize::try_from(p).ok()).unwrap_or(0);
                self.group.format.color = if index == 0 {
                    None
                } else {
                    self.colors.get(index).copied()
                };
            }
            "plain" | "sectd" => {
                self.in_header = false;
                if name == "plain" {
                    self.group.format = Format::default();
                }
            }
            "intbl" | "pard" => {
                self.in_header = false;
                self.flush();
                self.group.in_table = name == "intbl";
            }
            _ => {}
        }
        if !self.visible() || self.group.dest == Dest::FieldInst {
            return Ok(());
        }
        match name {
            "par" | "sect" | "page" => {
                if self.group.dest == Dest::HtmlTag || self.mode != Mode::Render {
                    self.emit_char('\r');
                    self.emit_char('\n');
                } else {
                    self.flush();
                    self.out.par(self.group.in_table);
                }
            }
            "line" => {
                if self.mode == Mode::Render {
                    self.flush();
                    self.out.line();
                } else {
                    self.emit_char('\r');
                    self.emit_char('\n');
                }
            }
            "tab" => {
                if self.mode == Mode::Render {
                    self.flush();
                    self.out.tab();
                } else {
                    self.emit_char('\t');
                }
            }
            "cell" | "nestcell" if self.mode == Mode::Render => {
                self.flush();
                self.out.cell();
            }
            "row" | "nestrow" if self.mode == Mode::Render => {
                self.flush();
                self.out.row();
            }
            // `\u` without a number is not a Unicode escape: ignored.
            "u" if param.is_some() => {
                self.sync_format();
                self.decoder.unicode(param.unwrap_or(0));
                self.skip = self.group.uc;
            }
            _ => {
                if let Some(c) = special_char(name) {
                    self.emit_char(c);
                }
            }
        }
        Ok(())
    }
}

/// Characters of MSFT-RTF's "special characters" control words.
fn special_char(name: &str) -> Option<char> {
    Some(match name {
        "lquote" => '\u{2018}',
        "rquote" => '\u{2019}',
        "ldblquote" => '\u{201C}',
        "rdblquote" => '\u{201D}',
        "bullet" => '\u{2022}',
        "endash" => '\u{2013}',
        "emdash" => '\u{2014}',
        "enspace" => '\u{2002}',
        "emspace" => '\u{2003}',
        "qmspace" => '\u{2005}',
        "zwj" => '\u{200D}',
        "zwnj" => '\u{200C}',
        "ltrmark" => '\u{200E}',
        "rtlmark" => '\u{200F}',
        _ => return None,
    })
}

/// Destinations that are not document text (MSFT-RTF): header tables,
/// document information, pictures, objects' data, headers and footers,
/// footnotes and annotations, list and revision tables, bookmarks, index
/// entries.
fn is_skipped_destination(name: &str) -> bool {
    matches!(
        name,
        "stylesheet"
            | "info"
            | "pict"
            | "shppict"
            | "nonshppict"
            | "objdata"
            | "objclass"
            | "objname"
            | "header"
            | "headerl"
            | "headerr"
            | "headerf"
            | "footer"
            | "footerl"
            | "footerr"
            | "footerf"
            | "footnote"
            | "annotation"
            | "atnid"
            | "atnauthor"
            | "listtable"
            | "listoverridetable"
            | "revtbl"
            | "rsidtbl"
            | "filetbl"
            | "fldinst"
            | "xe"
            | "tc"
            | "txe"
            | "bkmkstart"
            | "bkmkend"
            | "pntext"
            | "pntxta"
            | "pntxtb"
            | "listtext"
            | "themedata"
            | "colorschememapping"
            | "latentstyles"
            | "datastore"
            | "xmlnstbl"
            | "generator"
            | "template"
            | "private"
            | "fchars"
            | "lchars"
            | "sp"
            | "sn"
            | "sv"
    )
}

/// The URL of a `HYPERLINK "url"` field instruction (with `\l "anchor"`
/// appended as `#anchor`).
fn hyperlink_target(inst: &str) -> Option<String> {
    let rest = inst.trim_start();
    let rest = rest
        .strip_prefix("HYPERLINK")
        .or_else(|| rest.strip_prefix("hyperlink"))?;
    let mut url = String::new();
    let mut anchor = None;
    let mut words = QuotedWords(rest);
    while let Some(word) = words.next() {
        if word == "\\l" {
            anchor = words.next();
        } else if word.starts_with('\\') {
            // Other switches (\o "tip", \t "frame", \m, \n): skip their argument.
            if matches!(word, "\\o" | "\\t") {
                words.next();
            }
        } else if url.is_empty() {
            url = word.to_owned();
        }
    }
    if let Some(anchor) = anchor {
        url.push('#');
        url.push_str(anchor);
    }
    (!url.is_empty()).then_some(url)
}

/// Splits a field instruction into words, a quoted string being one word.
struct QuotedWords<'a>(&'a str);

impl<'a> Iterator for QuotedWords<'a> {
    type Item = &'a str;
    fn next(&mut self) -> Option<&'a str> {
        let s = self.0.trim_start();
        if s.is_empty() {
            return None;
        }
        if let Some(quoted) = s.strip_prefix('"') {
            let end = quoted.find('"').unwrap_or(quoted.len());
            self.0 = quoted.get(end + 1..).unwrap_or("");
            return Some(&quoted[..end]);
        }
        let end = s.find(char::is_whitespace).unwrap_or(s.len());
        self.0 = &s[end..];
        Some(&s[..end])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hyperlink_instructions() {
        assert_eq!(
            hyperlink_target(" HYPERLINK \"http://a/b\" ").as_deref(),
            Some("http://a/b")
        );
        assert_eq!(hyperlink_target("HYPERLINK \\l \"top\"").as_deref(), Some("#top"));
        assert_eq!(
            hyperlink_target("HYPERLINK http://x \\o \"tip\"").as_deref(),
            Some("http://x")
        );
        assert_eq!(hyperlink_target("PAGE"), None);
    }
}
