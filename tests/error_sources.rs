//! Every `Error` carries what MAPI's GetLastError gives (the component and
//! the low-level cause) through `std::error::Error::source`.

use std::error::Error as _;
use std::io::Cursor;

use oxmsg::{scode, tags, LastError, Session};

#[test]
fn errors_without_an_io_cause_have_their_component_and_code_as_source() {
    let s = Session::new();
    let m = s.opener().create_in_memory().unwrap();
    let cases = [
        (m.set(tags::HASATTACH, true).unwrap_err(), scode::MAPI_E_COMPUTED),
        (m.open_attachment(9).map(|_| ()).unwrap_err(), scode::MAPI_E_NOT_FOUND),
        (m.submit_message().unwrap_err(), scode::MAPI_E_NO_SUPPORT),
        (m.set_read_flag(0x8000).unwrap_err(), scode::MAPI_E_INVALID_PARAMETER),
    ];
    for (e, code) in cases {
        let src = e.source().unwrap_or_else(|| panic!("{e}: no source"));
        let last = src.downcast_ref::<LastError>().unwrap_or_else(|| panic!("{e}: {src}"));
        assert_eq!(last.low_level, code, "{e}");
        assert_eq!(e.scode(), code);
        assert!(last.component.starts_with("oxmsg "), "{last}");
        assert_eq!(e.last_error(), *last);
    }
}

#[test]
fn io_errors_have_the_io_error_as_source() {
    let s = Session::new();
    let e = s
        .opener()
        .path("/nonexistent/dir/for/oxmsg/x.msg")
        .map(|_| ())
        .unwrap_err();
    let io = e.source().and_then(|s| s.downcast_ref::<std::io::Error>()).unwrap();
    assert_eq!(io.kind(), std::io::ErrorKind::NotFound);
    // ENOENT as the low-level error of GetLastError.
    assert_eq!(e.last_error().low_level, io.raw_os_error().unwrap() as u32);

    // A file that is not a compound file: corrupt data, with its cause.
    let e = s
        .opener()
        .reader(Cursor::new(b"not a compound file at all, not even close".to_vec()))
        .map(|_| ())
        .unwrap_err();
    assert_eq!(e.scode(), scode::MAPI_E_CORRUPT_DATA, "{e}");
    assert!(e.source().is_some(), "{e}");
}
