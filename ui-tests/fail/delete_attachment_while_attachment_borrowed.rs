// `Message::delete_attachment` takes `&mut self`, so no attachment opened
// through that handle can be alive while it runs.
use oxmsg::{tags, Session};

fn main() {
    let session = Session::new();
    let mut msg = session.opener().read_write().path("in.msg").unwrap();
    let att = msg.open_attachment(0).unwrap();
    let id = att.id();
    msg.delete_attachment(id).unwrap();
    let _ = att.get(tags::ATTACH_LONG_FILENAME);
}
