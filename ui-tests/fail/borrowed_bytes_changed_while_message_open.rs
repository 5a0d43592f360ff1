// The bytes a message was opened over cannot change under it: the borrow is
// shared, so the buffer cannot be written while the message is alive.
use oxmsg::{tags, Session};

fn main() {
    let session = Session::new();
    let mut bytes: Vec<u8> = std::fs::read("in.msg").unwrap();
    let msg = session.opener().bytes(&bytes).unwrap();
    bytes.clear();
    let _ = msg.get(tags::SUBJECT);
}
