// Promise 1: no message outlives its session. `Message<'s, A>` borrows
// `&'s Session`, so it cannot be carried out of the scope of the session.
use oxmsg::{Message, ReadOnly, Session};

fn main() {
    let msg: Message<'_, ReadOnly>;
    {
        let session = Session::new();
        msg = session.opener().path("in.msg").unwrap();
    }
    let _ = msg.get(oxmsg::tags::SUBJECT);
}
