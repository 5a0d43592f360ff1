// Promise 2: the data stream of an attachment borrows the attachment.
use std::io::Read;

use oxmsg::Session;

fn main() {
    let session = Session::new();
    let msg = session.opener().path("in.msg").unwrap();
    let mut data = {
        let att = msg.open_attachment(0).unwrap();
        att.data().unwrap()
    };
    let mut bytes = Vec::new();
    data.read_to_end(&mut bytes).unwrap();
}
