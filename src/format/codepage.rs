//! Windows code pages for `PT_STRING8` strings, via `encoding_rs`.
//!
//! MAPI stores 8-bit strings (`PT_STRING8`) in the code page of the client
//! that wrote them: normally the Windows ANSI code page of the writer's
//! locale, or the code page named by `PR_MESSAGE_CODEPAGE` /
//! `PR_INTERNET_CPID`. This module maps Windows code page identifiers to
//! `encoding_rs` encodings, maps locale ids (LCIDs) to their default ANSI
//! code page, and decodes/encodes with Windows' conventions (lossy decoding,
//! `?` for unrepresentable characters when encoding).

use encoding_rs::{EncoderResult, Encoding};

/// Maps a Windows code page identifier to an `encoding_rs` encoding.
///
/// The identifiers are those of Windows' `MultiByteToWideChar` (the
/// "Code Page Identifiers" list), which is what MAPI stores in
/// `PR_MESSAGE_CODEPAGE`, `PR_INTERNET_CPID` and friends. `encoding_rs`
/// implements the WHATWG Encoding Standard, whose encodings are in a few
/// places supersets of, or stand-ins for, the Windows code pages; each such
/// choice is commented below.
///
/// Returns `None` for code pages `encoding_rs` cannot handle (EBCDIC, the DOS
/// OEM code pages other than 866, UTF-7, HZ, Johab, ...).
pub(crate) fn encoding_for(codepage: u32) -> Option<&'static Encoding> {
    use encoding_rs as e;
    let encoding = match codepage {
        // DOS Cyrillic (OEM code page of Russian Windows).
        866 => e::IBM866,
        // Thai. WHATWG windows-874 is Windows' cp874.
        874 => e::WINDOWS_874,
        // Japanese. WHATWG Shift_JIS is Microsoft's cp932 (Windows-31J,
        // including the NEC/IBM extensions), not plain JIS X 0208 Shift_JIS.
        932 => e::SHIFT_JIS,
        // Simplified Chinese. 936 is GBK; 20936 is GB2312 and 51936 is EUC-CN,
        // both subsets of GBK (WHATWG maps the "gb2312" label to GBK).
        936 | 20936 | 51936 => e::GBK,
        // Korean. WHATWG EUC-KR is Microsoft's cp949 (Unified Hangul Code), a
        // superset of EUC-KR proper (51949).
        949 | 51949 => e::EUC_KR,
        // Traditional Chinese. WHATWG Big5 is Big5 plus the HKSCS extensions;
        // for decoding it is a superset of cp950 (the encoder leaves out the
        // HKSCS-only characters, matching cp950).
        950 => e::BIG5,
        // UTF-16 (decode only in encoding_rs; `encode` handles these itself).
        1200 => e::UTF_16LE,
        1201 => e::UTF_16BE,
        // Windows ANSI code pages.
        1250 => e::WINDOWS_1250,
        1251 => e::WINDOWS_1251,
        1252 => e::WINDOWS_1252,
        1253 => e::WINDOWS_1253,
        1254 => e::WINDOWS_1254,
        1255 => e::WINDOWS_1255,
        1256 => e::WINDOWS_1256,
        1257 => e::WINDOWS_1257,
        1258 => e::WINDOWS_1258,
        // Mac OS Roman.
        10000 => e::MACINTOSH,
        // Mac Cyrillic; WHATWG maps the "x-mac-ukrainian" label (10017) to
        // x-mac-cyrillic as well.
        10007 | 10017 => e::X_MAC_CYRILLIC,
        // US-ASCII. encoding_rs has no ASCII encoding; windows-1252 agrees with
        // it on 0x00..=0x7F and decodes stray high bytes leniently (WHATWG
        // maps the "us-ascii" label to windows-1252 too). `encode` special-cases
        // 20127 so that only ASCII bytes are ever produced.
        20127 => e::WINDOWS_1252,
        // Cyrillic KOI8-R and KOI8-U.
        20866 => e::KOI8_R,
        21866 => e::KOI8_U,
        // ISO-8859-1. WHATWG (and every browser) decodes it as windows-1252,
        // which only differs in 0x80..=0x9F (C1 controls in Latin-1, which
        // real text never contains). `encode` special-cases 28591 to produce
        // strict Latin-1.
        28591 => e::WINDOWS_1252,
        28592 => e::ISO_8859_2,
        28593 => e::ISO_8859_3,
        28594 => e::ISO_8859_4,
        28595 => e::ISO_8859_5,
        28596 => e::ISO_8859_6,
        28597 => e::ISO_8859_7,
        // ISO-8859-8 "visual" Hebrew; 38598 is the "logical" ISO-8859-8-I.
        28598 => e::ISO_8859_8,
        38598 => e::ISO_8859_8_I,
        // ISO-8859-9 (Turkish): WHATWG decodes it as windows-1254, its superset.
        28599 => e::WINDOWS_1254,
        28600 => e::ISO_8859_10,
        // ISO-8859-11 (Thai): WHATWG decodes it as windows-874, its superset.
        28601 => e::WINDOWS_874,
        // 28602 would be ISO-8859-12, which was never published.
        28603 => e::ISO_8859_13,
        28604 => e::ISO_8859_14,
        28605 => e::ISO_8859_15,
        28606 => e::ISO_8859_16,
        // ISO-2022-JP. 50220 is plain ISO-2022-JP, 50221 allows half-width
        // katakana via `ESC ( I` and 50222 via SO/SI. encoding_rs decodes the
        // `ESC ( I` form (not SO/SI) and, like 50220, encodes half-width
        // katakana as their full-width equivalents.
        50220..=50222 => e::ISO_2022_JP,
        // EUC-JP (51932); 20932 is JIS X 0208/0212 in EUC form, which WHATWG
        // EUC-JP decodes as well.
        20932 | 51932 => e::EUC_JP,
        // GB18030, which can represent all of Unicode.
        54936 => e::GB18030,
        // UTF-8.
        65001 => e::UTF_8,
        // Not supported by encoding_rs: 52936 (HZ-GB-2312), 65000 (UTF-7),
        // 1361 (Johab), the DOS OEM code pages (437, 850, ...), EBCDIC, ...
        _ => return None,
    };
    Some(encoding)
}

/// Whether `codepage` is one of the Windows ANSI code pages that a MAPI
/// client uses for 8-bit (`PT_STRING8`) strings.
///
/// These are the values `GetACP()` returns on a Windows system: the
/// single-byte `125x` pages and Thai 874, plus the East Asian double-byte
/// (DBCS) pages 932 (Japanese), 936 (Simplified Chinese), 949 (Korean) and
/// 950 (Traditional Chinese).
pub(crate) fn is_windows_ansi(codepage: u32) -> bool {
    matches!(codepage, 874 | 932 | 936 | 949 | 950 | 1250..=1258)
}

/// The default ANSI code page (`LOCALE_IDEFAULTANSICODEPAGE`) of a Windows
/// locale id.
///
/// An LCID is `sort id << 16 | sublanguage << 10 | primary language`; the
/// primary language (`lcid & 0x3FF`) decides the code page, except for
/// languages written in more than one script (Chinese, Serbian/Bosnian,
/// Azerbaijani, Uzbek, Mongolian, ...), where the sublanguage
/// (`(lcid >> 10) & 0x3F`) selects the script. The sort id is ignored.
///
/// Returns `None` for unknown languages, for the neutral/default
/// pseudo-locales (0x0000, `LOCALE_USER_DEFAULT` 0x0400,
/// `LOCALE_SYSTEM_DEFAULT` 0x0800), whose code page depends on the machine,
/// and for "Unicode-only" locales (Hindi, Tamil, Georgian, Armenian, ...),
/// for which Windows has no ANSI code page (it reports `CP_ACP`, 0).
pub(crate) fn ansi_codepage_for_lcid(lcid: u32) -> Option<u32> {
    let primary = lcid & 0x3FF;
    let sub = (lcid >> 10) & 0x3F;
    let codepage = match primary {
        // Western European and other Latin-script languages with cp1252.
        0x03 // ca Catalan
        | 0x06 // da Danish
        | 0x07 // de German
        | 0x09 // en English
        | 0x0A // es Spanish
        | 0x0B // fi Finnish
        | 0x0C // fr French
        | 0x0F // is Icelandic
        | 0x10 // it Italian
        | 0x13 // nl Dutch
        | 0x14 // no/nb/nn Norwegian
        | 0x16 // pt Portuguese
        | 0x17 // rm Romansh
        | 0x1D // sv Swedish
        | 0x21 // id Indonesian
        | 0x2D // eu Basque
        | 0x2E // hsb/dsb Upper and Lower Sorbian
        | 0x32 // tn Setswana
        | 0x34 // xh isiXhosa
        | 0x35 // zu isiZulu
        | 0x36 // af Afrikaans
        | 0x38 // fo Faroese
        | 0x3B // se/smj/sma/sms/smn Sami
        | 0x3C // ga Irish
        | 0x3E // ms Malay
        | 0x41 // sw Kiswahili
        | 0x52 // cy Welsh
        | 0x56 // gl Galician
        | 0x62 // fy Frisian
        | 0x64 // fil Filipino
        | 0x68 // ha Hausa (Latin)
        | 0x6A // yo Yoruba
        | 0x6B // quz Quechua
        | 0x6C // nso Sesotho sa Leboa
        | 0x6E // lb Luxembourgish
        | 0x6F // kl Greenlandic
        | 0x70 // ig Igbo
        | 0x7A // arn Mapudungun
        | 0x7C // moh Mohawk
        | 0x7E // br Breton
        | 0x7F // the invariant locale (LOCALE_INVARIANT)
        | 0x82 // oc Occitan
        | 0x83 // co Corsican
        | 0x84 // gsw Alsatian
        | 0x86 // qut K'iche'
        | 0x87 // rw Kinyarwanda
        | 0x88 // wo Wolof
        | 0x91 // gd Scottish Gaelic
        => 1252,
        // Inuktitut: only the Latin variant (iu-Latn-CA, 0x085D) has one.
        0x5D if sub == 0x02 => 1252,
        // Tamazight: only the Latin variant (tzm-Latn-DZ, 0x085F) has one.
        0x5F if sub == 0x02 => 1252,

        // Central European.
        0x05 // cs Czech
        | 0x0E // hu Hungarian
        | 0x15 // pl Polish
        | 0x18 // ro Romanian
        | 0x1B // sk Slovak
        | 0x1C // sq Albanian
        | 0x24 // sl Slovenian
        | 0x42 // tk Turkmen (Latin script, cp1250 on Windows)
        => 1250,
        // Croatian, Serbian and Bosnian share primary language 0x1A; the
        // sublanguage picks the script: sr-Cyrl-CS 0x0C1A, sr-Cyrl-BA 0x1C1A,
        // bs-Cyrl-BA 0x201A, sr-Cyrl-RS 0x281A, sr-Cyrl-ME 0x301A and the
        // neutral bs-Cyrl 0x641A and sr-Cyrl 0x6C1A are Cyrillic; everything
        // else (hr, bs-Latn, sr-Latn, neutral sr 0x7C1A) is Latin.
        0x1A => match sub {
            0x03 | 0x07 | 0x08 | 0x0A | 0x0C | 0x19 | 0x1B => 1251,
            _ => 1250,
        },

        // Cyrillic.
        0x02 // bg Bulgarian
        | 0x19 // ru Russian
        | 0x22 // uk Ukrainian
        | 0x23 // be Belarusian
        | 0x28 // tg Tajik (Cyrillic)
        | 0x2F // mk Macedonian
        | 0x3F // kk Kazakh
        | 0x40 // ky Kyrgyz
        | 0x44 // tt Tatar
        | 0x6D // ba Bashkir
        | 0x85 // sah Yakut
        => 1251,
        // Mongolian: Cyrillic (mn-MN 0x0450, neutral mn-Cyrl 0x7850) is
        // cp1251; traditional Mongolian script (mn-Mong-CN 0x0850) is
        // Unicode-only.
        0x50 => match sub {
            0x02 => return None,
            _ => 1251,
        },

        // Greek.
        0x08 => 1253,

        // Turkish, and the Latin variants of Azerbaijani and Uzbek.
        0x1F => 1254,
        // Azerbaijani: az-Cyrl-AZ 0x082C and neutral az-Cyrl 0x742C are
        // Cyrillic; az-Latn-AZ 0x042C and neutral az-Latn 0x782C are Latin.
        0x2C => match sub {
            0x02 | 0x1D => 1251,
            _ => 1254,
        },
        // Uzbek: uz-Cyrl-UZ 0x0843 and neutral uz-Cyrl 0x7843 are Cyrillic;
        // uz-Latn-UZ 0x0443 and neutral uz-Latn 0x7C43 are Latin.
        0x43 => match sub {
            0x02 | 0x1E => 1251,
            _ => 1254,
        },

        // Hebrew.
        0x0D => 1255,

        // Arabic script.
        0x01 // ar Arabic
        | 0x20 // ur Urdu
        | 0x29 // fa Persian
        | 0x80 // ug Uyghur
        | 0x8C // prs Dari
        | 0x92 // ku Central Kurdish
        => 1256,

        // Baltic: et Estonian 0x25, lv Latvian 0x26, lt Lithuanian 0x27.
        0x25..=0x27 => 1257,

        // Vietnamese.
        0x2A => 1258,

        // Thai.
        0x1E => 874,

        // Japanese (Shift_JIS, cp932).
        0x11 => 932,

        // Korean (Unified Hangul Code, cp949).
        0x12 => 949,

        // Chinese: Traditional (zh-TW 0x0404, zh-HK 0x0C04, zh-MO 0x1404,
        // neutral zh-Hant 0x7C04) uses Big5 (cp950); Simplified (zh-CN 0x0804,
        // zh-SG 0x1004, neutral zh-Hans 0x0004) uses GBK (cp936).
        0x04 => match sub {
            0x01 | 0x03 | 0x05 | 0x1F => 950,
            _ => 936,
        },

        // Everything else: LANG_NEUTRAL (0x00, which also covers
        // LOCALE_USER_DEFAULT and LOCALE_SYSTEM_DEFAULT), Unicode-only
        // languages (hi, bn, ta, te, ka, hy, am, mt, ps, ...) and unknown ids.
        _ => return None,
    };
    Some(codepage)
}

/// Decodes `bytes` from `codepage`, the way `MultiByteToWideChar` would.
///
/// No BOM sniffing takes place: a `PT_STRING8` value is in its declared code
/// page, so a leading `EF BB BF` in cp1252 is three characters, and a UTF-8
/// BOM in 65001 stays a U+FEFF. Malformed byte sequences become U+FFFD.
/// Trailing NUL characters are removed: the stored value is not supposed to
/// include the terminator, but some writers include it (and the
/// variable-length property stream sizes sometimes count it).
///
/// Returns `None` when `encoding_for` does not know the code page.
pub(crate) fn decode(bytes: &[u8], codepage: u32) -> Option<String> {
    encoding_for(codepage).map(|encoding| decode_with(encoding, bytes))
}

/// Decodes `bytes` from `codepage` like [`decode`], but falls back to
/// windows-1252 for a code page `encoding_rs` does not know.
///
/// windows-1252 is the ANSI code page of US and Western European Windows,
/// the most common writer of `PT_STRING8` values, and it maps every byte to
/// some character, so the result is always readable text.
pub(crate) fn decode_lossy(bytes: &[u8], codepage: u32) -> String {
    let encoding = encoding_for(codepage).unwrap_or(encoding_rs::WINDOWS_1252);
    decode_with(encoding, bytes)
}

/// Lossy, BOM-less decoding with trailing NULs stripped.
fn decode_with(encoding: &'static Encoding, bytes: &[u8]) -> String {
    let (text, _had_errors) = encoding.decode_without_bom_handling(bytes);
    text.trim_end_matches('\0').to_owned()
}

/// Encodes `text` to `codepage`, the way `WideCharToMultiByte` does with a
/// default character: each character the code page cannot represent becomes
/// a single `?`.
///
/// Returns the bytes and whether any character was replaced (Windows' "used
/// default char" flag). No terminator is appended.
///
/// encoding_rs's replacing encoder writes HTML numeric character references
/// (`&#1046;`), which is right for web forms but wrong for MAPI, so the
/// encoder is driven without replacement and a `?` is pushed for each
/// unmappable character. UTF-16 (1200/1201), which encoding_rs cannot encode
/// to, is produced directly. US-ASCII (20127) and ISO-8859-1 (28591) are
/// encoded exactly (bytes up to 0x7F, respectively 0xFF) rather than as the
/// windows-1252 superset `encoding_for` uses to decode them.
///
/// Returns `None` when `encoding_for` does not know the code page.
pub(crate) fn encode(text: &str, codepage: u32) -> Option<(Vec<u8>, bool)> {
    match codepage {
        1200 => Some((text.encode_utf16().flat_map(u16::to_le_bytes).collect(), false)),
        1201 => Some((text.encode_utf16().flat_map(u16::to_be_bytes).collect(), false)),
        20127 => Some(encode_single_byte_prefix(text, 0x7F)),
        28591 => Some(encode_single_byte_prefix(text, 0xFF)),
        _ => encoding_for(codepage).map(|encoding| encode_with(encoding, text)),
    }
}

/// Encodes to a code page whose bytes are exactly U+0000..=`max` (US-ASCII,
/// ISO-8859-1), replacing every other character with `?`.
fn encode_single_byte_prefix(text: &str, max: u8) -> (Vec<u8>, bool) {
    let mut replaced = false;
    let bytes = text
        .chars()
        .map(|c| match u8::try_from(c) {
            Ok(b) if b <= max => b,
            _ => {
                replaced = true;
                b'?'
            }
        })
        .collect();
    (bytes, replaced)
}

/// Drives an `encoding_rs` encoder without replacement, writing `?` for each
/// unmappable character.
fn encode_with(encoding: &'static Encoding, text: &str) -> (Vec<u8>, bool) {
    // Large enough for any single character plus a trailing escape sequence
    // (ISO-2022-JP), so every call makes progress.
    const CHUNK: usize = 1024;

    let mut encoder = encoding.new_encoder();
    let mut out = Vec::with_capacity(text.len());
    let mut buffer = [0u8; CHUNK];
    let mut rest = text;
    let mut replaced = false;
    loop {
        let (result, read, written) = encoder.encode_from_utf8_without_replacement(rest, &mut buffer, true);
        out.extend_from_slice(&buffer[..written]);
        rest = &rest[read..];
        match result {
            EncoderResult::InputEmpty => break,
            EncoderResult::OutputFull => {}
            // The ISO-2022-JP encoder has already switched back to ASCII when
            // it reports an unmappable character, so a literal `?` is valid
            // in every encoding.
            EncoderResult::Unmappable(_) => {
                out.push(b'?');
                replaced = true;
            }
        }
    }
    (out, replaced)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_for_windows_code_pages() {
        assert_eq!(encoding_for(1252), Some(encoding_rs::WINDOWS_1252));
        assert_eq!(encoding_for(1251), Some(encoding_rs::WINDOWS_1251));
        assert_eq!(encoding_for(874), Some(encoding_rs::WINDOWS_874));
        assert_eq!(encoding_for(932), Some(encoding_rs::SHIFT_JIS));
        assert_eq!(encoding_for(936), Some(encoding_rs::GBK));
        assert_eq!(encoding_for(20936), Some(encoding_rs::GBK));
        assert_eq!(encoding_for(949), Some(encoding_rs::EUC_KR));
        assert_eq!(encoding_for(950), Some(encoding_rs::BIG5));
        assert_eq!(encoding_for(54936), Some(encoding_rs::GB18030));
        assert_eq!(encoding_for(65001), Some(encoding_rs::UTF_8));
        assert_eq!(encoding_for(1200), Some(encoding_rs::UTF_16LE));
        assert_eq!(encoding_for(1201), Some(encoding_rs::UTF_16BE));
        assert_eq!(encoding_for(20866), Some(encoding_rs::KOI8_R));
        assert_eq!(encoding_for(21866), Some(encoding_rs::KOI8_U));
        assert_eq!(encoding_for(866), Some(encoding_rs::IBM866));
        assert_eq!(encoding_for(10000), Some(encoding_rs::MACINTOSH));
        assert_eq!(encoding_for(51932), Some(encoding_rs::EUC_JP));
        assert_eq!(encoding_for(51949), Some(encoding_rs::EUC_KR));
        for cp in 50220..=50222 {
            assert_eq!(encoding_for(cp), Some(encoding_rs::ISO_2022_JP));
        }
    }

    #[test]
    fn encoding_for_whatwg_stand_ins() {
        // WHATWG: "iso-8859-1" and "us-ascii" are labels of windows-1252,
        // "iso-8859-9" of windows-1254, "iso-8859-11" of windows-874.
        assert_eq!(encoding_for(28591), Some(encoding_rs::WINDOWS_1252));
        assert_eq!(encoding_for(20127), Some(encoding_rs::WINDOWS_1252));
        assert_eq!(encoding_for(28599), Some(encoding_rs::WINDOWS_1254));
        assert_eq!(encoding_for(28601), Some(encoding_rs::WINDOWS_874));
        assert_eq!(encoding_for(28592), Some(encoding_rs::ISO_8859_2));
        assert_eq!(encoding_for(28605), Some(encoding_rs::ISO_8859_15));
        assert_eq!(encoding_for(38598), Some(encoding_rs::ISO_8859_8_I));
        assert_eq!(encoding_for(28598), Some(encoding_rs::ISO_8859_8));
    }

    #[test]
    fn encoding_for_unsupported() {
        assert_eq!(encoding_for(0), None); // CP_ACP is not a real code page
        assert_eq!(encoding_for(437), None); // DOS US
        assert_eq!(encoding_for(850), None); // DOS Latin-1
        assert_eq!(encoding_for(1361), None); // Johab
        assert_eq!(encoding_for(28602), None); // ISO-8859-12 does not exist
        assert_eq!(encoding_for(52936), None); // HZ-GB-2312
        assert_eq!(encoding_for(65000), None); // UTF-7
    }

    #[test]
    fn windows_ansi_code_pages() {
        for cp in [
            874, 932, 936, 949, 950, 1250, 1251, 1252, 1253, 1254, 1255, 1256, 1257, 1258,
        ] {
            assert!(is_windows_ansi(cp), "{cp}");
            assert!(encoding_for(cp).is_some(), "{cp}");
        }
        for cp in [0, 437, 866, 1200, 1249, 1259, 20127, 28591, 50220, 54936, 65001] {
            assert!(!is_windows_ansi(cp), "{cp}");
        }
    }

    #[test]
    fn lcid_examples() {
        assert_eq!(ansi_codepage_for_lcid(0x0409), Some(1252)); // en-US
        assert_eq!(ansi_codepage_for_lcid(0x0809), Some(1252)); // en-GB
        assert_eq!(ansi_codepage_for_lcid(0x0407), Some(1252)); // de-DE
        assert_eq!(ansi_codepage_for_lcid(0x040C), Some(1252)); // fr-FR
        assert_eq!(ansi_codepage_for_lcid(0x0C0A), Some(1252)); // es-ES modern
        assert_eq!(ansi_codepage_for_lcid(0x0414), Some(1252)); // nb-NO
        assert_eq!(ansi_codepage_for_lcid(0x0814), Some(1252)); // nn-NO
        assert_eq!(ansi_codepage_for_lcid(0x0405), Some(1250)); // cs-CZ
        assert_eq!(ansi_codepage_for_lcid(0x0415), Some(1250)); // pl-PL
        assert_eq!(ansi_codepage_for_lcid(0x041A), Some(1250)); // hr-HR
        assert_eq!(ansi_codepage_for_lcid(0x0419), Some(1251)); // ru-RU
        assert_eq!(ansi_codepage_for_lcid(0x0422), Some(1251)); // uk-UA
        assert_eq!(ansi_codepage_for_lcid(0x0402), Some(1251)); // bg-BG
        assert_eq!(ansi_codepage_for_lcid(0x0408), Some(1253)); // el-GR
        assert_eq!(ansi_codepage_for_lcid(0x041F), Some(1254)); // tr-TR
        assert_eq!(ansi_codepage_for_lcid(0x040D), Some(1255)); // he-IL
        assert_eq!(ansi_codepage_for_lcid(0x0401), Some(1256)); // ar-SA
        assert_eq!(ansi_codepage_for_lcid(0x0429), Some(1256)); // fa-IR
        assert_eq!(ansi_codepage_for_lcid(0x0420), Some(1256)); // ur-PK
        assert_eq!(ansi_codepage_for_lcid(0x0425), Some(1257)); // et-EE
        assert_eq!(ansi_codepage_for_lcid(0x0426), Some(1257)); // lv-LV
        assert_eq!(ansi_codepage_for_lcid(0x0427), Some(1257)); // lt-LT
        assert_eq!(ansi_codepage_for_lcid(0x042A), Some(1258)); // vi-VN
        assert_eq!(ansi_codepage_for_lcid(0x041E), Some(874)); // th-TH
        assert_eq!(ansi_codepage_for_lcid(0x0411), Some(932)); // ja-JP
        assert_eq!(ansi_codepage_for_lcid(0x0412), Some(949)); // ko-KR
    }

    #[test]
    fn lcid_chinese_by_sublanguage() {
        assert_eq!(ansi_codepage_for_lcid(0x0804), Some(936)); // zh-CN
        assert_eq!(ansi_codepage_for_lcid(0x1004), Some(936)); // zh-SG
        assert_eq!(ansi_codepage_for_lcid(0x0004), Some(936)); // zh-Hans
        assert_eq!(ansi_codepage_for_lcid(0x0404), Some(950)); // zh-TW
        assert_eq!(ansi_codepage_for_lcid(0x0C04), Some(950)); // zh-HK
        assert_eq!(ansi_codepage_for_lcid(0x1404), Some(950)); // zh-MO
        assert_eq!(ansi_codepage_for_lcid(0x7C04), Some(950)); // zh-Hant
    }

    #[test]
    fn lcid_script_variants() {
        // Serbian / Bosnian.
        assert_eq!(ansi_codepage_for_lcid(0x081A), Some(1250)); // sr-Latn-CS
        assert_eq!(ansi_codepage_for_lcid(0x241A), Some(1250)); // sr-Latn-RS
        assert_eq!(ansi_codepage_for_lcid(0x141A), Some(1250)); // bs-Latn-BA
        assert_eq!(ansi_codepage_for_lcid(0x0C1A), Some(1251)); // sr-Cyrl-CS
        assert_eq!(ansi_codepage_for_lcid(0x1C1A), Some(1251)); // sr-Cyrl-BA
        assert_eq!(ansi_codepage_for_lcid(0x201A), Some(1251)); // bs-Cyrl-BA
        assert_eq!(ansi_codepage_for_lcid(0x281A), Some(1251)); // sr-Cyrl-RS
        assert_eq!(ansi_codepage_for_lcid(0x301A), Some(1251)); // sr-Cyrl-ME
                                                                // Azerbaijani / Uzbek.
        assert_eq!(ansi_codepage_for_lcid(0x042C), Some(1254)); // az-Latn-AZ
        assert_eq!(ansi_codepage_for_lcid(0x082C), Some(1251)); // az-Cyrl-AZ
        assert_eq!(ansi_codepage_for_lcid(0x0443), Some(1254)); // uz-Latn-UZ
        assert_eq!(ansi_codepage_for_lcid(0x0843), Some(1251)); // uz-Cyrl-UZ
                                                                // Mongolian.
        assert_eq!(ansi_codepage_for_lcid(0x0450), Some(1251)); // mn-MN
        assert_eq!(ansi_codepage_for_lcid(0x0850), None); // mn-Mong-CN
    }

    #[test]
    fn lcid_sort_id_is_ignored() {
        assert_eq!(ansi_codepage_for_lcid(0x0001_0407), Some(1252)); // de-DE phone book
        assert_eq!(ansi_codepage_for_lcid(0x0002_0804), Some(936)); // zh-CN stroke
        assert_eq!(ansi_codepage_for_lcid(0x0003_0404), Some(950)); // zh-TW bopomofo
    }

    #[test]
    fn lcid_without_ansi_code_page() {
        assert_eq!(ansi_codepage_for_lcid(0x0000), None); // neutral
        assert_eq!(ansi_codepage_for_lcid(0x0400), None); // LOCALE_USER_DEFAULT
        assert_eq!(ansi_codepage_for_lcid(0x0800), None); // LOCALE_SYSTEM_DEFAULT
        assert_eq!(ansi_codepage_for_lcid(0x0439), None); // hi-IN
        assert_eq!(ansi_codepage_for_lcid(0x0449), None); // ta-IN
        assert_eq!(ansi_codepage_for_lcid(0x0437), None); // ka-GE
        assert_eq!(ansi_codepage_for_lcid(0x042B), None); // hy-AM
        assert_eq!(ansi_codepage_for_lcid(0x03FF), None); // unknown
    }

    #[test]
    fn every_lcid_code_page_is_a_windows_ansi_code_page() {
        for lcid in 0..=0xFFFF {
            if let Some(cp) = ansi_codepage_for_lcid(lcid) {
                assert!(is_windows_ansi(cp), "{lcid:#06x} -> {cp}");
            }
        }
    }

    #[test]
    fn decode_single_byte() {
        assert_eq!(decode(&[0xC0], 1251).as_deref(), Some("\u{0410}")); // А
        assert_eq!(decode(&[0x80], 1252).as_deref(), Some("€"));
        assert_eq!(decode(&[0x8A, 0xB9], 1250).as_deref(), Some("Šą"));
        assert_eq!(decode(&[0xC1], 1253).as_deref(), Some("\u{0391}")); // Α
        assert_eq!(decode(&[0xDD], 1254).as_deref(), Some("\u{0130}")); // İ
        assert_eq!(decode(&[0xE0], 1255).as_deref(), Some("\u{05D0}")); // א
        assert_eq!(decode(&[0xC7], 1256).as_deref(), Some("\u{0627}")); // ا
        assert_eq!(decode(&[0xD0], 1257).as_deref(), Some("\u{0160}")); // Š
        assert_eq!(decode(&[0xC3], 1258).as_deref(), Some("\u{0102}")); // Ă
        assert_eq!(decode(&[0xA1], 874).as_deref(), Some("\u{0E01}")); // ก
        assert_eq!(decode(&[0xC1], 20866).as_deref(), Some("\u{0430}")); // а
        assert_eq!(decode(&[0xE9], 28591).as_deref(), Some("é"));
    }

    #[test]
    fn decode_double_byte() {
        assert_eq!(decode(&[0x82, 0xA0], 932).as_deref(), Some("あ"));
        assert_eq!(decode(&[0xC4, 0xE3, 0xBA, 0xC3], 936).as_deref(), Some("你好"));
        assert_eq!(decode(&[0xA7, 0x41, 0xA6, 0x6E], 950).as_deref(), Some("你好"));
        assert_eq!(decode(&[0xB0, 0xA1], 949).as_deref(), Some("가"));
        assert_eq!(decode(&[0xA4, 0xA2], 51932).as_deref(), Some("あ"));
        assert_eq!(decode(b"\x1b$B\x24\x22\x1b(B", 50220).as_deref(), Some("あ"));
    }

    #[test]
    fn decode_unicode() {
        assert_eq!(decode("é".as_bytes(), 65001).as_deref(), Some("é"));
        assert_eq!(decode(&[0x41, 0x00, 0xAC, 0x20], 1200).as_deref(), Some("A€"));
        assert_eq!(decode(&[0x00, 0x41, 0x20, 0xAC], 1201).as_deref(), Some("A€"));
    }

    #[test]
    fn decode_is_lossy() {
        // A lone Shift_JIS lead byte and an unassigned cp1253 byte.
        assert_eq!(decode(&[b'a', 0x82], 932).as_deref(), Some("a\u{FFFD}"));
        assert_eq!(decode(&[0xAA], 1253).as_deref(), Some("\u{FFFD}"));
        assert_eq!(decode(&[0xFF], 65001).as_deref(), Some("\u{FFFD}"));
    }

    #[test]
    fn decode_does_not_sniff_bom() {
        assert_eq!(decode(&[0xEF, 0xBB, 0xBF, b'a'], 1252).as_deref(), Some("ï»¿a"));
        assert_eq!(decode(&[0xEF, 0xBB, 0xBF, b'a'], 65001).as_deref(), Some("\u{FEFF}a"));
        assert_eq!(decode(&[0xFF, 0xFE, b'a'], 1252).as_deref(), Some("ÿþa"));
    }

    #[test]
    fn decode_strips_trailing_nuls_only() {
        assert_eq!(decode(b"abc\0", 1252).as_deref(), Some("abc"));
        assert_eq!(decode(b"abc\0\0\0", 1252).as_deref(), Some("abc"));
        assert_eq!(decode(b"a\0b", 1252).as_deref(), Some("a\0b"));
        assert_eq!(decode(b"\0", 1252).as_deref(), Some(""));
        assert_eq!(decode(b"", 1252).as_deref(), Some(""));
        assert_eq!(decode(&[0x82, 0xA0, 0x00], 932).as_deref(), Some("あ"));
        assert_eq!(decode(&[0x41, 0x00, 0x00, 0x00], 1200).as_deref(), Some("A"));
    }

    #[test]
    fn decode_unknown_code_page() {
        assert_eq!(decode(b"abc", 437), None);
        assert_eq!(decode(b"abc", 65000), None);
    }

    #[test]
    fn decode_lossy_falls_back_to_windows_1252() {
        assert_eq!(decode_lossy(&[0x80, b'x', 0], 437), "€x");
        assert_eq!(decode_lossy(&[0xC0], 0), "À");
        assert_eq!(decode_lossy(&[0xC0], 1251), "\u{0410}");
    }

    #[test]
    fn encode_mappable() {
        assert_eq!(encode("€", 1252), Some((vec![0x80], false)));
        assert_eq!(encode("Hello", 1252), Some((b"Hello".to_vec(), false)));
        assert_eq!(encode("\u{0410}", 1251), Some((vec![0xC0], false)));
        assert_eq!(encode("あ", 932), Some((vec![0x82, 0xA0], false)));
        assert_eq!(encode("你好", 936), Some((vec![0xC4, 0xE3, 0xBA, 0xC3], false)));
        assert_eq!(encode("你好", 950), Some((vec![0xA7, 0x41, 0xA6, 0x6E], false)));
        assert_eq!(encode("가", 949), Some((vec![0xB0, 0xA1], false)));
        assert_eq!(encode("é", 65001), Some((vec![0xC3, 0xA9], false)));
        assert_eq!(encode("😀", 54936).map(|(_, r)| r), Some(false));
    }

    #[test]
    fn encode_replaces_unmappable_with_question_mark() {
        assert_eq!(encode("Ж", 1252), Some((b"?".to_vec(), true)));
        assert_eq!(encode("aЖb", 1252), Some((b"a?b".to_vec(), true)));
        // One `?` per character, even outside the BMP (a surrogate pair).
        assert_eq!(encode("x😀y", 1252), Some((b"x?y".to_vec(), true)));
        assert_eq!(encode("€", 1251), Some((vec![0x88], false)));
        assert_eq!(encode("Ω€", 1250), Some((vec![b'?', 0x80], true)));
        assert_eq!(encode("aあ", 1251), Some((b"a?".to_vec(), true)));
        // Never HTML numeric character references.
        let (bytes, replaced) = encode("日本語Жx", 1253).unwrap();
        assert!(replaced);
        assert_eq!(bytes, b"????x");
        assert!(!bytes.windows(2).any(|w| w == b"&#"));
    }

    #[test]
    fn encode_iso_2022_jp_returns_to_ascii_before_replacement() {
        assert_eq!(encode("あ", 50220), Some((b"\x1b$B\x24\x22\x1b(B".to_vec(), false)));
        let (bytes, replaced) = encode("あ😀", 50220).unwrap();
        assert!(replaced);
        assert_eq!(bytes, b"\x1b$B\x24\x22\x1b(B?");
        assert_eq!(decode(&bytes, 50220).as_deref(), Some("あ?"));
    }

    #[test]
    fn encode_us_ascii() {
        assert_eq!(encode("abc", 20127), Some((b"abc".to_vec(), false)));
        assert_eq!(encode("café €", 20127), Some((b"caf? ?".to_vec(), true)));
    }

    #[test]
    fn encode_latin1_is_strict() {
        assert_eq!(encode("é\u{FF}", 28591), Some((vec![0xE9, 0xFF], false)));
        assert_eq!(encode("é€", 28591), Some((vec![0xE9, b'?'], true)));
    }

    #[test]
    fn encode_utf16_by_hand() {
        assert_eq!(
            encode("A€😀", 1200),
            Some((vec![0x41, 0x00, 0xAC, 0x20, 0x3D, 0xD8, 0x00, 0xDE], false))
        );
        assert_eq!(
            encode("A€😀", 1201),
            Some((vec![0x00, 0x41, 0x20, 0xAC, 0xD8, 0x3D, 0xDE, 0x00], false))
        );
    }

    #[test]
    fn encode_long_input_spans_several_chunks() {
        let text = "Привет, мир! ".repeat(500);
        let (bytes, replaced) = encode(&text, 1251).unwrap();
        assert!(!replaced);
        assert_eq!(bytes.len(), text.chars().count());
        assert_eq!(decode(&bytes, 1251).as_deref(), Some(text.as_str()));

        let text = "日本語のテキスト😀".repeat(300);
        let (bytes, replaced) = encode(&text, 50220).unwrap();
        assert!(replaced);
        assert_eq!(decode(&bytes, 50220).unwrap(), text.replace('😀', "?"));
    }

    #[test]
    fn encode_unknown_code_page() {
        assert_eq!(encode("abc", 437), None);
        assert_eq!(encode("abc", 65000), None);
        assert_eq!(encode("abc", 52936), None);
    }

    #[test]
    fn round_trip_windows_ansi() {
        let samples = [
            (874, "สวัสดี"),
            (932, "日本語テキスト"),
            (936, "简体中文"),
            (949, "한국어"),
            (950, "繁體中文"),
            (1250, "Příliš žluťoučký kůň"),
            (1251, "Съешь же ещё"),
            (1252, "Grüße, café, naïve €"),
            (1253, "Καλημέρα"),
            (1254, "Günaydın, İstanbul"),
            (1255, "שלום"),
            (1256, "مرحبا"),
            (1257, "Labas rytas, ąčęėįšųūž"),
            (1258, "Xin chào"),
        ];
        for (cp, text) in samples {
            let (bytes, replaced) = encode(text, cp).unwrap();
            assert!(!replaced, "{cp}: {text}");
            assert_eq!(decode(&bytes, cp).as_deref(), Some(text), "{cp}");
        }
    }
}
