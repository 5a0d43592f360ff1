// Promise 3: an embedded message has the access of its attachment; one
// opened through a read-only message is read-only too.
use oxmsg::{Message, ReadWrite, Session};

fn main() {
    let session = Session::new();
    let msg = session.opener().path("in.msg").unwrap();
    let att = msg.open_attachment(0).unwrap();
    let embedded: Message<'_, ReadWrite> = att.open_embedded().unwrap();
    embedded.save_changes().unwrap();
}
