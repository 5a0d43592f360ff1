//! Code pages of RTF text: `\fcharsetN` to a Windows code page, and a
//! decoder that keeps the bytes of one code page together (so double-byte
//! lead and trail bytes, or UTF-8 sequences, given as separate `\'hh`
//! escapes decode as one character).

use crate::format::codepage;

/// The Windows code page of an RTF `\fcharsetN` ([MSFT-RTF] font table),
/// or `None` when the charset means "the document's default code page"
/// (0 ANSI, 1 DEFAULT) or is unknown.
///
/// 2 (SYMBOL) is read as 1252: symbol fonts map their glyphs onto the byte
/// values, which have no Unicode meaning of their own.
pub fn codepage_for_charset(charset: i32) -> Option<u32> {
    Some(match charset {
        2 => 1252,
        77 => 10000,
        128 => 932,
        129 => 949,
        130 => 1361,
        134 => 936,
        136 => 950,
        161 => 1253,
        162 => 1254,
        163 => 1258,
        177 => 1255,
        178 => 1256,
        186 => 1257,
        204 => 1251,
        222 => 874,
        238 => 1250,
        255 => 437,
        _ => return None,
    })
}

/// Decodes `bytes` in `codepage`; code pages `encoding_rs` does not know
/// (437 OEM, 1361 Johab, EBCDIC, ...) are read as windows-1252. Malformed
/// sequences become U+FFFD.
pub(crate) fn decode_into(out: &mut String, bytes: &[u8], codepage: u32) {
    let encoding = codepage::encoding_for(codepage).unwrap_or(encoding_rs::WINDOWS_1252);
    let (text, _) = encoding.decode_without_bom_handling(bytes);
    out.push_str(&text);
}

/// Text being produced: bytes wait in `pending` while they share a code
/// page, Unicode characters go straight to `out`.
#[derive(Debug, Default)]
pub(crate) struct TextDecoder {
    out: String,
    pending: Vec<u8>,
    pending_cp: u32,
    high_surrogate: Option<u16>,
}

impl TextDecoder {
    /// Appends raw bytes in `codepage`.
    pub(crate) fn bytes(&mut self, bytes: &[u8], codepage: u32) {
        if bytes.is_empty() {
            return;
        }
        if self.pending_cp != codepage {
            self.flush_bytes();
            self.pending_cp = codepage;
        }
        self.drop_surrogate();
        self.pending.extend_from_slice(bytes);
    }

    /// Appends a character.
    pub(crate) fn char(&mut self, c: char) {
        self.flush_bytes();
        self.drop_surrogate();
        self.out.push(c);
    }

    /// Appends the UTF-16 code unit of a `\uN` (N negative for units above
    /// 0x7FFF); a surrogate pair given as two `\uN` becomes one character.
    pub(crate) fn unicode(&mut self, n: i32) {
        self.flush_bytes();
        let unit = (n & 0xFFFF) as u16;
        match unit {
            0xD800..=0xDBFF => {
                self.drop_surrogate();
                self.high_surrogate = Some(unit);
            }
            0xDC00..=0xDFFF => {
                let c = match self.high_surrogate.take() {
                    Some(high) => char::decode_utf16([high, unit])
                        .next()
                        .and_then(Result::ok)
                        .unwrap_or('\u{FFFD}'),
                    None => '\u{FFFD}',
                };
                self.out.push(c);
            }
            _ => {
                self.drop_surrogate();
                self.out.push(char::from_u32(u32::from(unit)).unwrap_or('\u{FFFD}'));
            }
        }
    }

    fn drop_surrogate(&mut self) {
        if self.high_surrogate.take().is_some() {
            self.out.push('\u{FFFD}');
        }
    }

    fn flush_bytes(&mut self) {
        if !self.pending.is_empty() {
            decode_into(&mut self.out, &self.pending, self.pending_cp);
            self.pending.clear();
        }
    }

    /// Everything decoded so far, leaving the decoder empty.
    pub(crate) fn take(&mut self) -> String {
        self.flush_bytes();
        self.drop_surrogate();
        std::mem::take(&mut self.out)
    }

    /// Whether nothing is waiting to be taken.
    pub(crate) fn is_empty(&self) -> bool {
        self.out.is_empty() && self.pending.is_empty() && self.high_surrogate.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn double_byte_pairs_stay_together() {
        let mut d = TextDecoder::default();
        d.bytes(&[0x93], 932);
        d.bytes(&[0xfa], 932);
        d.bytes(&[0x96], 932);
        d.bytes(&[0x7b], 932);
        assert_eq!(d.take(), "日本");
    }

    #[test]
    fn utf8_bytes_and_surrogates() {
        let mut d = TextDecoder::default();
        d.bytes(&[0xc3], 65001);
        d.bytes(&[0xa5], 65001);
        d.unicode(-10179);
        d.unicode(-8694);
        d.bytes(b"x", 1252);
        assert_eq!(d.take(), "å😊x");
    }
}
