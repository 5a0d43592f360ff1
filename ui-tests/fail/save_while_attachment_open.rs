// A message saves only once nothing borrowed from it is alive: save the
// attachment, drop it, then save the message.
use oxmsg::{tags, Session};

fn main() {
    let session = Session::new();
    let mut msg = session.opener().create_in_memory().unwrap();
    let att = msg.create_attachment().unwrap();
    att.save_changes().unwrap();
    msg.save_changes().unwrap();
    att.set(tags::DISPLAY_NAME, "late").unwrap();
}
