// CopyTo writes the destination: a read-only one is refused at compile time.
use oxmsg::{CopyOptions, Session};

fn main() {
    let session = Session::new();
    let source = session.opener().create_in_memory().unwrap();
    let dest = session.opener().path("out.msg").unwrap(); // read-only
    source.copy_to(&dest, &CopyOptions::all()).unwrap();
}
