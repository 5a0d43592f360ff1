// Promise 2: a property stream borrows its object and cannot outlive it.
use std::io::Read;

use oxmsg::{tags, Session};

fn main() {
    let session = Session::new();
    let msg = session.opener().path("in.msg").unwrap();
    let mut stream = msg.open_stream(tags::BODY).unwrap();
    drop(msg);
    let mut body = Vec::new();
    stream.read_to_end(&mut body).unwrap();
}
