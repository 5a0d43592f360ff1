// save_changes takes &mut self: a property stream borrowed from the message
// cannot be alive across a save (it would read a file the save replaced).
use oxmsg::{tags, Session};
use std::io::Read;

fn main() {
    let session = Session::new();
    let mut msg = session.opener().create_in_memory().unwrap();
    msg.set(tags::BODY, "text").unwrap();
    let mut stream = msg.open_stream(tags::BODY).unwrap();
    msg.save_changes().unwrap();
    let mut buf = Vec::new();
    stream.read_to_end(&mut buf).unwrap();
}
