//! PT_STRING8 code pages: the undecoded bytes of every ANSI string of the
//! corpus, the code page each file implies, and the decoded text.
//!
//! The rule (mapi-digest 3.10 and `Message::codepage`): PR_MESSAGE_CODEPAGE
//! (0x3FFD0003) if present; else the ANSI code page of PR_MESSAGE_LOCALE_ID
//! (0x3FF10003); else PR_INTERNET_CPID (0x3FDE0003) when it is a Windows ANSI
//! code page (874, 932, 936, 949, 950, 1250..=1258); else 1252. The test
//! computes the expected code page itself from the record's raw_props, with
//! its own small LCID table, and decodes the bytes itself: Windows-1252 with
//! the table below, UTF-8 with std, and the non-Latin files (CP1251, CP932)
//! against strings decoded once by hand with Python's codecs and written
//! here.
//!
//! Run: `OXMSG_CORPUS=../shared/corpus cargo test --test codepage -- --nocapture`

mod common;

use common::*;
use oxmsg::{tags, PropTag, PropType, PropValue, Session, SessionOptions};
use serde_json::Value;

/// The default ANSI code page (LOCALE_IDEFAULTANSICODEPAGE) of the LCIDs that
/// occur in the corpus's PR_MESSAGE_LOCALE_ID. Windows facts (National
/// Language Support, "Locale identifiers" / "Code page identifiers"):
/// 0x0407 de-DE → 1252, 0x0409 en-US → 1252, 0x0411 ja-JP → 932,
/// 0x0419 ru-RU → 1251, 0x0804 zh-CN → 936.
fn lcid_ansi_codepage(lcid: u32) -> u32 {
    match lcid {
        0x0407 => 1252,
        0x0409 => 1252,
        0x0411 => 932,
        0x0419 => 1251,
        0x0804 => 936,
        other => panic!("LCID 0x{other:04X} occurs in the corpus but is not in this test's table: add it"),
    }
}

/// Windows ANSI code pages (the values GetACP can return).
fn is_windows_ansi(cp: i64) -> bool {
    matches!(cp, 874 | 932 | 936 | 949 | 950 | 1250..=1258)
}

/// The code page the file implies, from the record's raw_props.
fn expected_codepage(rec: &Record) -> u32 {
    let long = |tag: u32| rec.raw(tag).and_then(|v| v.as_i64());
    if let Some(cp) = long(0x3FFD_0003) {
        return cp as u32;
    }
    if let Some(lcid) = long(0x3FF1_0003) {
        return lcid_ansi_codepage(lcid as u32);
    }
    if let Some(cp) = long(0x3FDE_0003).filter(|&c| is_windows_ansi(c)) {
        return cp as u32;
    }
    1252
}

/// Windows-1252 bytes 0x80..=0x9F (the rest is ISO-8859-1). The five
/// positions Windows leaves undefined (81, 8D, 8F, 90, 9D) decode to the C1
/// control of the same value, as MultiByteToWideChar and the WHATWG index do.
const CP1252_80_9F: [char; 32] = [
    '\u{20AC}', '\u{0081}', '\u{201A}', '\u{0192}', '\u{201E}', '\u{2026}', '\u{2020}', '\u{2021}', '\u{02C6}',
    '\u{2030}', '\u{0160}', '\u{2039}', '\u{0152}', '\u{008D}', '\u{017D}', '\u{008F}', '\u{0090}', '\u{2018}',
    '\u{2019}', '\u{201C}', '\u{201D}', '\u{2022}', '\u{2013}', '\u{2014}', '\u{02DC}', '\u{2122}', '\u{0161}',
    '\u{203A}', '\u{0153}', '\u{009D}', '\u{017E}', '\u{0178}',
];

fn decode_cp1252(b: &[u8]) -> String {
    b.iter()
        .map(|&x| match x {
            0x80..=0x9F => CP1252_80_9F[(x - 0x80) as usize],
            _ => x as char,
        })
        .collect()
}

/// Strings of the non-Latin ANSI files, decoded by hand once with Python
/// (`bytes.fromhex(raw_string8[tag]).decode("cp1251"/"cp932")`) from the
/// bytes in the records, and written here.
fn hand_decoded(file: &str, tag: u32) -> Option<&'static str> {
    Some(match (file, tag) {
        // 5375626a65637420 e0e2f2eeece0f2e8f7e5f1eae8 205375626a656374, cp1251
        ("poi__ASCII_CP1251_LCID1049", 0x0037_001E) => "Subject автоматически Subject",
        ("poi__ASCII_CP1251_LCID1049", 0x1000_001E) => "Body автоматически Body",
        ("poi__ASCII_CP1251_LCID1049", 0x1013_001E) => {
            "<!DOCTYPE html><html><meta charset=\\\"windows-1251\\\"><body>HTML автоматически</body></html>"
        }
        // 93fa967b8cea 204e6f6e20556e69636f646520 835e83438367838b, cp932
        ("hiraoka__nonUnicodeCP932", 0x0037_001E | 0x0070_001E | 0x0E1D_001E) => "日本語 Non Unicode タイトル",
        ("hiraoka__nonUnicodeCP932", 0x1000_001E) => "日本語 Non Unicode 本文\r\n",
        ("hiraoka__contactAnsi", 0x0037_001E | 0x0070_001E | 0x0E1D_001E | 0x8026_001E) => {
            "コム ドット イグザンプル 殿"
        }
        ("hiraoka__contactAnsi", 0x3001_001E) => "Mr. イグザンプル ドット コム 殿",
        ("hiraoka__contactAnsi", 0x3A05_001E) => "殿",
        ("hiraoka__contactAnsi", 0x3A06_001E) => "コム",
        ("hiraoka__contactAnsi", 0x3A11_001E) => "イグザンプル",
        ("hiraoka__contactAnsi", 0x3A26_001E | 0x802F_001E) => "日本",
        ("hiraoka__contactAnsi", 0x3A44_001E) => "ドット",
        ("hiraoka__contactAnsi", 0x800A_001E) => "コム ドット イグザンプル 殿 (test@example.com)",
        ("hiraoka__contactAnsi", 0x8010_001E) => "イグザンプル, コム ドット",
        ("hiraoka__contactAnsi", 0x8025_001E) => "コム ドット イグザンプル 殿@+81 06-0001-0003",
        _ => return None,
    })
}

/// The text these bytes are in code page `cp`, decoded by the test.
fn expected_text(file: &str, tag: u32, cp: u32, bytes: &[u8]) -> Option<String> {
    if bytes.is_ascii() {
        // Every code page in play is ASCII-compatible.
        return Some(String::from_utf8(bytes.to_vec()).unwrap());
    }
    match cp {
        1252 => Some(decode_cp1252(bytes)),
        65001 => Some(String::from_utf8_lossy(bytes).into_owned()),
        _ => hand_decoded(file, tag).map(str::to_string),
    }
}

/// The record's bytes of a raw_string8 entry (hex), or its {size, sha256}.
enum RecBytes {
    Full(Vec<u8>),
    Digest { size: usize, sha256: String },
}

fn rec_bytes(v: &Value) -> RecBytes {
    match v {
        Value::String(h) => RecBytes::Full(unhex(h)),
        Value::Object(o) => RecBytes::Digest {
            size: o["size"].as_u64().unwrap() as usize,
            sha256: o["sha256"].as_str().unwrap().to_string(),
        },
        other => panic!("unexpected raw_string8 value {other}"),
    }
}

#[test]
fn ansi_strings_bytes_codepage_and_text() {
    let dir = corpus_or_skip!();
    let mut t = Tally::default();
    let mut files = 0;
    for rec in records(&dir).iter().filter(|r| r.ok()) {
        let Some(raw8) = rec.raw_string8() else { continue };
        files += 1;
        let session = Session::new();
        let msg = session
            .opener()
            .path(&rec.msg)
            .unwrap_or_else(|e| panic!("{}: {e}", rec.name));
        let cp = expected_codepage(rec);
        t.check("codepage()", &rec.name, msg.codepage() == cp, || {
            format!("oxmsg {}, the rule gives {cp}", msg.codepage())
        });
        for (k, v) in raw8 {
            let tag = PropTag(parse_tag_key(k));
            let what = format!("{} {tag}", rec.name);
            let ox = msg
                .raw_string8(tag)
                .unwrap_or_else(|e| panic!("{what}: raw_string8: {e}"));
            let Some(ox) = ox else {
                t.disagree("raw_string8 bytes", &what, "oxmsg has no PT_STRING8 value");
                continue;
            };
            let ox = strip_nul_bytes(&ox).to_vec();
            // 1. The undecoded bytes (trailing NULs stripped on both sides:
            //    MS-OXMSG single-valued strings carry no terminator, some
            //    writers add one anyway).
            let full = match rec_bytes(v) {
                RecBytes::Full(b) => {
                    let b = strip_nul_bytes(&b).to_vec();
                    t.check("raw_string8 bytes", &what, ox == b, || {
                        format!("oxmsg {}, record {}", hex(&ox), hex(&b))
                    });
                    b
                }
                RecBytes::Digest { size, sha256 } => {
                    let mut padded = ox.clone();
                    padded.resize(size.max(ox.len()), 0);
                    t.check("raw_string8 bytes", &what, sha256_hex(&padded) == sha256, || {
                        format!("sha256 of oxmsg's bytes (NUL-padded to {size}) differs from the record's")
                    });
                    ox.clone()
                }
            };
            // 2. get_value: a PT_STRING8 carrying those bytes and the code page.
            match msg.get_value(tag).unwrap_or_else(|e| panic!("{what}: get_value: {e}")) {
                Some(PropValue::String8(s)) => {
                    t.check(
                        "get_value String8 bytes",
                        &what,
                        strip_nul_bytes(&s.bytes) == &full[..],
                        || format!("bytes {} vs {}", hex(&s.bytes), hex(&full)),
                    );
                    t.check("get_value String8 codepage", &what, s.codepage == cp, || {
                        format!("oxmsg decodes with {}, the file implies {cp}", s.codepage)
                    });
                }
                other => t.disagree("get_value String8 bytes", &what, format!("not a String8: {other:?}")),
            }
            // 3. The decoded text, through a typed string tag.
            let text = msg
                .get(oxmsg::Tag::<oxmsg::kind::Unicode>::new(tag.id()))
                .unwrap_or_else(|e| panic!("{what}: get: {e}"))
                .unwrap_or_default();
            match expected_text(&rec.name, tag.0, cp, &full) {
                Some(exp) => t.check("decoded text", &what, strip_nuls(&text) == strip_nuls(&exp), || {
                    format!("oxmsg {text:?}, decoded in code page {cp} by the test: {exp:?}")
                }),
                None => t.disagree(
                    "decoded text",
                    &what,
                    format!("no hand-decoded expectation for code page {cp}: add one"),
                ),
            }
        }
    }
    eprintln!("ANSI files in the corpus: {files}");
    t.print("codepage: ANSI strings");
    assert!(files > 0);
    assert_eq!(t.total_disagreements(), 0, "see the DISAGREE lines above");
}

/// The case: internet code page 1251 (PR_INTERNET_CPID) but a German
/// locale (PR_MESSAGE_LOCALE_ID 0x0407) and no PR_MESSAGE_CODEPAGE: the
/// locale wins, so the subject is CP1252 ("öäü"), not CP1251 ("цдь").
#[test]
fn internet_cpid_1251_with_german_locale_decodes_as_1252() {
    let dir = corpus_or_skip!();
    let path = dir.join("public/poi__HTMLBodyBinary_CP1251.msg");
    let session = Session::new();
    let msg = session.opener().path(&path).expect("open");
    assert_eq!(msg.get(tags::INTERNET_CPID).unwrap(), Some(1251));
    assert_eq!(msg.get(tags::MESSAGE_LOCALE_ID).unwrap(), Some(0x0407));
    assert_eq!(msg.get(tags::MESSAGE_CODEPAGE).unwrap(), None);
    assert_eq!(msg.codepage(), 1252);
    // Bytes 5375626a65637420 f6e4fc 205375626a656374: F6 E4 FC are ö ä ü in
    // CP1252 (and ц д ь in CP1251).
    assert_eq!(
        msg.raw_string8(tags::SUBJECT).unwrap().as_deref(),
        Some(&b"Subject \xF6\xE4\xFC Subject"[..])
    );
    assert_eq!(msg.get(tags::SUBJECT).unwrap().as_deref(), Some("Subject öäü Subject"));
}

/// `SessionOptions::codepage_override` replaces what the file implies.
#[test]
fn codepage_override_changes_the_decoding() {
    let dir = corpus_or_skip!();
    let path = dir.join("public/poi__HTMLBodyBinary_CP1251.msg");
    let mut opts = SessionOptions::default();
    opts.open.codepage_override = Some(1251);
    let session = Session::with_options(opts);
    let msg = session.opener().path(&path).expect("open");
    assert_eq!(msg.codepage(), 1251);
    assert_eq!(msg.get(tags::SUBJECT).unwrap().as_deref(), Some("Subject цдь Subject"));
    match msg.get_value(tags::SUBJECT.tag()).unwrap() {
        Some(PropValue::String8(s)) => assert_eq!(s.codepage, 1251),
        other => panic!("expected a PT_STRING8 subject, got {other:?}"),
    }
    // And the other way: the Cyrillic file read as CP1252 gives Latin-1 letters.
    let path = dir.join("public/poi__ASCII_CP1251_LCID1049.msg");
    let mut opts = SessionOptions::default();
    opts.open.codepage_override = Some(1252);
    let s2 = Session::with_options(opts);
    let m2 = s2.opener().path(&path).expect("open");
    let bytes = m2.raw_string8(tags::SUBJECT).unwrap().unwrap();
    assert_eq!(m2.get(tags::SUBJECT).unwrap().unwrap(), decode_cp1252(&bytes));
    // Without the override the same file is Cyrillic (LCID 0x0419 → 1251).
    let s3 = Session::new();
    let m3 = s3.opener().path(&path).expect("open");
    assert_eq!(m3.codepage(), 1251);
    assert_eq!(
        m3.get(tags::SUBJECT).unwrap().as_deref(),
        Some("Subject автоматически Subject")
    );
}

/// (PR_MESSAGE_CODEPAGE, PR_MESSAGE_LOCALE_ID, PR_INTERNET_CPID, expected code page).
type Case = (Option<i32>, Option<i32>, Option<i32>, u32);

/// The precedence of the rule on messages made here, independent of the
/// corpus: each level is tried with the levels above it absent, in memory
/// and after a write and a reopen.
#[test]
fn codepage_rule_precedence_on_new_ansi_messages() {
    let opts = SessionOptions::default().unicode(false);
    let session = Session::with_options(opts);
    // (PR_MESSAGE_CODEPAGE, PR_MESSAGE_LOCALE_ID, PR_INTERNET_CPID) → expected
    let cases: &[Case] = &[
        (Some(1250), Some(0x0419), Some(932), 1250), // PR_MESSAGE_CODEPAGE first
        (None, Some(0x0419), Some(1250), 1251),      // then the locale (ru-RU)
        (None, Some(0x0411), None, 932),             // ja-JP
        (None, None, Some(1253), 1253),              // then a Windows ANSI internet code page
        (None, None, Some(65001), 1252),             // UTF-8 is not an ANSI code page
        (None, None, Some(20127), 1252),             // nor US-ASCII
        (None, None, Some(50220), 1252),             // nor ISO-2022-JP
        (None, None, None, 1252),                    // else 1252
    ];
    for &(cp, lcid, icpid, want) in cases {
        let msg = session.opener().create_in_memory().unwrap();
        msg.delete(tags::MESSAGE_CODEPAGE).unwrap();
        if let Some(v) = cp {
            msg.set(tags::MESSAGE_CODEPAGE, v).unwrap();
        }
        if let Some(v) = lcid {
            msg.set(tags::MESSAGE_LOCALE_ID, v).unwrap();
        }
        if let Some(v) = icpid {
            msg.set(tags::INTERNET_CPID, v).unwrap();
        }
        assert_eq!(msg.codepage(), want, "in memory: {cp:?} {lcid:?} {icpid:?}");
        let bytes = msg.to_bytes().unwrap();
        drop(msg);
        let back = session.opener().reader(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(back.codepage(), want, "reopened: {cp:?} {lcid:?} {icpid:?}");
    }
}

/// A string written in an ANSI session is stored as PT_STRING8 in the
/// session's code page and reads back as the same text.
#[test]
fn ansi_session_writes_string8_in_its_codepage() {
    let opts = SessionOptions::default().unicode(false).ansi_codepage(1251);
    let session = Session::with_options(opts);
    let msg = session.opener().create_in_memory().unwrap();
    msg.set(tags::SUBJECT, "Привет").unwrap();
    let bytes = msg.to_bytes().unwrap();
    drop(msg);
    let back = session.opener().reader(std::io::Cursor::new(bytes)).unwrap();
    assert!(!back.is_unicode());
    assert_eq!(back.codepage(), 1251);
    assert_eq!(back.get(tags::MESSAGE_CODEPAGE).unwrap(), Some(1251));
    // "Привет" in CP1251: CF F0 E8 E2 E5 F2 (Windows code page table).
    assert_eq!(
        back.raw_string8(tags::SUBJECT).unwrap().as_deref(),
        Some(&[0xCF, 0xF0, 0xE8, 0xE2, 0xE5, 0xF2][..])
    );
    assert_eq!(back.get(tags::SUBJECT).unwrap().as_deref(), Some("Привет"));
    assert!(back
        .prop_list()
        .unwrap()
        .contains(&PropTag::new(0x0037, PropType::STRING8)));
}
