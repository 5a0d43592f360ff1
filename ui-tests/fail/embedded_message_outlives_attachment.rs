// Promise 2: an embedded message borrows its attachment and cannot outlive it.
use oxmsg::{tags, Session};

fn main() {
    let session = Session::new();
    let msg = session.opener().path("in.msg").unwrap();
    let att = msg.open_attachment(0).unwrap();
    let embedded = att.open_embedded().unwrap();
    drop(att);
    let _ = embedded.get(tags::SUBJECT);
}
