// Promise 3: a read-only message cannot create attachments.
use oxmsg::Session;

fn main() {
    let session = Session::new();
    let msg = session.opener().path("in.msg").unwrap();
    let _att = msg.create_attachment().unwrap();
}
