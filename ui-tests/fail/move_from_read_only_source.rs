// MAPI_MOVE deletes from the source: a read-only source cannot move.
use oxmsg::{CopyOptions, Session};

fn main() {
    let session = Session::new();
    let source = session.opener().path("in.msg").unwrap(); // read-only
    let dest = session.opener().create_in_memory().unwrap();
    source.move_to(&dest, &CopyOptions::all()).unwrap();
}
