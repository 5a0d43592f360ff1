// Promise 2: an attachment borrows its message and cannot outlive it.
use oxmsg::{Attachment, ReadOnly, Session};

fn main() {
    let session = Session::new();
    let att: Attachment<'_, ReadOnly>;
    {
        let msg = session.opener().path("in.msg").unwrap();
        att = msg.open_attachment(0).unwrap();
    }
    let _ = att.filename();
}
