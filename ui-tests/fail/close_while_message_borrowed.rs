// Promise 1: `Session::close` cannot be called while a message borrowed from
// the session is alive (here, one that is dropped only after the close).
use oxmsg::Session;

fn main() {
    let session = Session::new();
    let msg = session.opener().create_in_memory().unwrap();
    session.close();
    drop(msg);
}
