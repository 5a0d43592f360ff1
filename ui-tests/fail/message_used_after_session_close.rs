// Promise 1: `Session::close(self)` consumes the session, so a message
// opened in it cannot be used afterwards.
use oxmsg::{tags, Session};

fn main() {
    let session = Session::new();
    let msg = session.opener().path("in.msg").unwrap();
    session.close();
    let _ = msg.get(tags::SUBJECT);
}
