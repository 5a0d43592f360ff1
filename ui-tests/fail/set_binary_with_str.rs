// A PT_BINARY tag takes bytes, not a string.
use oxmsg::{tags, Session};

fn main() {
    let session = Session::new();
    let msg = session.opener().create_in_memory().unwrap();
    msg.set(tags::CONVERSATION_INDEX, "not bytes").unwrap();
}
