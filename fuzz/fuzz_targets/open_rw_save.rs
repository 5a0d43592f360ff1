//! Opens arbitrary bytes read-write over an in-memory buffer, sets the
//! subject, saves in place, and checks that the saved buffer opens again
//! with the new subject.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oxmsg::{tags, Session};
use oxmsg_fuzz::SharedBuf;

// ASCII, so that it survives any ANSI code page the input may declare.
const SUBJECT: &str = "fuzzed subject";

fuzz_target!(|data: &[u8]| {
    let buf = SharedBuf::new(data.to_vec());
    let session = Session::new();
    let Ok(mut msg) = session.opener().read_write().reader(buf.clone()) else {
        return;
    };
    if msg.set(tags::SUBJECT, SUBJECT).is_err() {
        return;
    }
    if msg.save_changes().is_err() {
        return;
    }
    drop(msg);
    let saved = buf.bytes();
    let check = Session::new();
    let reopened = match check.opener().reader(std::io::Cursor::new(saved)) {
        Ok(m) => m,
        Err(e) => panic!("a message saved in place by oxmsg does not reopen: {e}"),
    };
    match reopened.get(tags::SUBJECT) {
        Ok(Some(s)) => assert_eq!(s, SUBJECT, "the saved subject reads back differently"),
        other => panic!("the saved subject does not read back: {other:?}"),
    }
    oxmsg_fuzz::walk(&reopened);
});
