// A typed tag takes exactly its value type: PR_IMPORTANCE is an Importance,
// not a bool (which `impl Into<i32>` used to accept) nor a bare number.
use oxmsg::{tags, Session};

fn main() {
    let session = Session::new();
    let msg = session.opener().create_in_memory().unwrap();
    msg.set(tags::IMPORTANCE, true).unwrap();
    msg.set(tags::IMPORTANCE, 2).unwrap();
}
