// A message opened over borrowed bytes borrows them: the buffer cannot be
// dropped while the message (or anything opened from it) is alive.
use oxmsg::{tags, Session};

fn main() {
    let session = Session::new();
    let msg;
    {
        let bytes: Vec<u8> = std::fs::read("in.msg").unwrap();
        msg = session.opener().bytes(&bytes).unwrap();
    }
    let _ = msg.get(tags::SUBJECT);
}
