// Promise 3: a read-only message has no save.
use oxmsg::Session;

fn main() {
    let session = Session::new();
    let msg = session.opener().path("in.msg").unwrap();
    msg.save_changes().unwrap();
}
