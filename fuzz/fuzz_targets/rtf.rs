//! Feeds arbitrary bytes to the body codecs: compressed-RTF decompression
//! (with a small limit), and, as RTF, to the de-encapsulators and renderers.
//! Also checks that what oxmsg compresses decompresses to the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oxmsg::body;

fuzz_target!(|data: &[u8]| {
    if let Ok(rtf) = body::decompress(data, 1 << 20) {
        assert!(rtf.len() <= 1 << 20);
        let _ = body::html_from_any_rtf(&rtf);
    }
    let _ = body::rtf_kind(data);
    let _ = body::html_from_rtf(data);
    let _ = body::text_from_rtf(data);
    let _ = body::text_from_plain_rtf(data);
    let _ = body::html_from_plain_rtf(data);
    let _ = body::text_from_any_rtf(data);
    let round_trip = body::decompress(&body::compress(data), u64::MAX).expect("compress output decompresses");
    assert_eq!(round_trip, data, "compress/decompress round trip");
    if let Ok(text) = std::str::from_utf8(data) {
        let html = body::html_from_rtf(&body::rtf_from_html(text)).expect("encapsulated HTML reads back");
        assert_eq!(html.as_deref(), Some(text), "HTML encapsulation round trip");
        let _ = body::text_from_html(text);
    }
});
