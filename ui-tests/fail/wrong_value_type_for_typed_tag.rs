// Promise 4: a typed tag accepts only its type's value: PR_SUBJECT is
// `Tag<Unicode>`, which takes a string, not an integer.
use oxmsg::{tags, Session};

fn main() {
    let session = Session::new();
    let msg = session.opener().create_in_memory().unwrap();
    msg.set(tags::SUBJECT, 42).unwrap();
}
