//! Bad input to `oxmsg::body` gives an error naming the problem, never a
//! panic, and never an allocation sized by the input's claims (DESIGN.md
//! promise 7).
//!
//! A counting global allocator records the largest single allocation made by
//! the current thread, so the RAWSIZE test can show that nothing near the
//! claimed size was allocated.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use oxmsg::body::{
    compress, decompress, html_from_plain_rtf, html_from_rtf, text_from_plain_rtf, text_from_rtf, RtfError,
};

struct LargestAllocation;

thread_local! {
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards every call to `System` unchanged; only records sizes.
unsafe impl GlobalAlloc for LargestAllocation {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = LARGEST.try_with(|l| l.set(l.get().max(layout.size())));
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = LARGEST.try_with(|l| l.set(l.get().max(new_size)));
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: LargestAllocation = LargestAllocation;

fn largest_allocation_during<T>(f: impl FnOnce() -> T) -> (T, usize) {
    LARGEST.with(|l| l.set(0));
    let result = f();
    (result, LARGEST.with(Cell::get))
}

fn header(comp_size: u32, raw_size: u32, comp_type: &[u8; 4], crc: u32) -> Vec<u8> {
    [
        comp_size.to_le_bytes(),
        raw_size.to_le_bytes(),
        *comp_type,
        crc.to_le_bytes(),
    ]
    .concat()
}

#[test]
fn rawsize_of_4_gib_is_refused_without_allocating_it() {
    let mut stream = compress(b"{\\rtf1 tiny}");
    stream[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
    let (result, largest) = largest_allocation_during(|| decompress(&stream, 1 << 20));
    assert_eq!(
        result,
        Err(RtfError::TooLarge {
            raw_size: u32::MAX,
            max_size: 1 << 20
        })
    );
    assert!(largest < 4096, "largest allocation {largest} bytes");
    // Under the limit but far beyond what the input can produce: the
    // reservation follows the input, not RAWSIZE.
    stream[4..8].copy_from_slice(&(1u32 << 30).to_le_bytes());
    let (result, largest) = largest_allocation_during(|| decompress(&stream, u64::MAX));
    assert_eq!(result.unwrap(), b"{\\rtf1 tiny}");
    assert!(largest < 64 * 1024, "largest allocation {largest} bytes");
}

#[test]
fn truncated_corrupted_and_oversized_streams() {
    let good = compress(b"{\\rtf1\\ansi hello hello hello}");
    for cut in 0..good.len() {
        let err = decompress(&good[..cut], 1 << 20).unwrap_err();
        assert!(
            matches!(err, RtfError::Truncated { .. } | RtfError::BadCrc { .. }),
            "cut {cut}: {err}"
        );
    }
    let mut bad_type = good.clone();
    bad_type[8..12].copy_from_slice(b"ABCD");
    assert!(decompress(&bad_type, 1 << 20)
        .unwrap_err()
        .to_string()
        .contains("COMPTYPE"));
    let mut bad_crc = good.clone();
    *bad_crc.last_mut().unwrap() ^= 0xFF;
    assert!(matches!(decompress(&bad_crc, 1 << 20), Err(RtfError::BadCrc { .. })));
    assert!(matches!(
        decompress(&good, 5),
        Err(RtfError::TooLarge {
            raw_size: 30,
            max_size: 5
        })
    ));
    // A reference whose content ends after its first byte: truncated, with
    // the offset. Control byte 0x01 = a reference first.
    let content = [0x01u8, 0x00];
    let mut stream = header(14, 10, b"LZFu", 0);
    let crc = oxmsg::body::compressed::crc32(&content);
    stream[12..16].copy_from_slice(&crc.to_le_bytes());
    stream.extend_from_slice(&content);
    assert_eq!(
        decompress(&stream, 1 << 20),
        Err(RtfError::Truncated {
            offset: 17,
            what: "second byte of a reference"
        })
    );
    // Content without its end marker, short of RAWSIZE.
    let content = [0x00u8, b'a', b'b'];
    let mut stream = header(15, 10, b"LZFu", oxmsg::body::compressed::crc32(&content));
    stream.extend_from_slice(&content);
    assert!(matches!(
        decompress(&stream, 1 << 20),
        Err(RtfError::MissingEnd {
            produced: 2,
            raw_size: 10,
            ..
        })
    ));
}

#[test]
fn malformed_rtf_is_an_error_naming_the_problem() {
    let nested = [b"{\\rtf1\\fromhtml1 ".as_slice(), &vec![b'{'; 100_000]].concat();
    for err in [
        html_from_rtf(&nested).unwrap_err(),
        text_from_plain_rtf(&nested).unwrap_err(),
        html_from_plain_rtf(&nested).unwrap_err(),
    ] {
        assert!(matches!(err, RtfError::GroupTooDeep { offset: 1040 }), "{err}");
    }
    let err = text_from_plain_rtf(b"{\\rtf1 \\uc999999999 x}").unwrap_err();
    assert_eq!(err.to_string(), "RTF \\uc999999999 at offset 7 is outside 0..=255");
    let err = text_from_plain_rtf(b"{\\rtf1 \\bin999999999999 x}").unwrap_err();
    assert_eq!(err, RtfError::ParameterOutOfRange { offset: 7 });
    let err = text_from_plain_rtf(b"{\\rtf1 \\bin99999 x}").unwrap_err();
    assert_eq!(err, RtfError::BinPastEnd { offset: 7, len: 99999 });
    let err = text_from_rtf(b"{\\rtf1\\fromtext x\\'").unwrap_err();
    assert_eq!(err, RtfError::BadHexEscape { offset: 17 });
    let err = text_from_rtf(b"{\\rtf1\\fromtext x\\").unwrap_err();
    assert_eq!(err, RtfError::TrailingBackslash { offset: 17 });
    // Unbalanced: an unclosed group is an error; extra closing braces are
    // dropped (lenient, documented in oxmsg::body::rtf::lexer).
    assert_eq!(
        text_from_plain_rtf(b"{\\rtf1 {a"),
        Err(RtfError::UnclosedGroup { depth: 2 })
    );
    assert_eq!(text_from_plain_rtf(b"{\\rtf1 a}}").unwrap(), "a");
}
