// Promise 3: a read-only message cannot open a property for writing.
use std::io::Write;

use oxmsg::{tags, Session};

fn main() {
    let session = Session::new();
    let msg = session.opener().path("in.msg").unwrap();
    let mut body = msg.open_stream_mut(tags::BODY).unwrap();
    body.write_all(b"new body").unwrap();
}
