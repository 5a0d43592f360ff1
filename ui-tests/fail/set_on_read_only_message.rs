// Promise 3: a read-only message has no setter.
use oxmsg::{tags, Session};

fn main() {
    let session = Session::new();
    let msg = session.opener().path("in.msg").unwrap();
    msg.set(tags::SUBJECT, "x").unwrap();
}
