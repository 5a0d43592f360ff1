//! Opens arbitrary bytes read-only and walks everything reachable; writes
//! what was opened with `to_bytes` and checks that it opens again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oxmsg::Session;

fuzz_target!(|data: &[u8]| {
    let session = Session::new();
    let Ok(msg) = session.opener().reader(std::io::Cursor::new(data.to_vec())) else {
        return;
    };
    oxmsg_fuzz::walk(&msg);
    oxmsg_fuzz::write_and_reopen(&msg, "top-level message");
    // Every embedded message, written on its own, must open again too.
    embedded_to_bytes(&msg, 1);
});

fn embedded_to_bytes<A: oxmsg::Access>(msg: &oxmsg::Message<'_, A>, depth: u32) {
    if depth > 3 {
        return;
    }
    let Ok(nums) = msg.attachment_numbers() else {
        return;
    };
    for num in nums {
        let Ok(att) = msg.open_attachment(num) else {
            continue;
        };
        if let Ok(inner) = att.open_embedded() {
            oxmsg_fuzz::write_and_reopen(&inner, "embedded message");
            embedded_to_bytes(&inner, depth + 1);
        };
    }
}
