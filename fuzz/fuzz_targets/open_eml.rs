//! Converts arbitrary bytes from .eml with `Session::open_eml`; what it
//! gives must save, open again, and convert back to .eml.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oxmsg::Session;

fuzz_target!(|data: &[u8]| {
    let session = Session::new();
    let Ok((msg, _report)) = session.open_eml(data) else {
        return;
    };
    let bytes = msg.to_bytes().expect("a message open_eml made must save");
    let mut eml = Vec::new();
    msg.to_eml(&mut eml).expect("a message open_eml made must convert back");
    drop(msg);
    let again = session
        .opener()
        .reader(std::io::Cursor::new(bytes))
        .expect("a saved message must open again");
    oxmsg_fuzz::walk(&again);
});
