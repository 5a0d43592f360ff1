// Both sides of a copy are alive for the call: a destination that is an
// embedded message cannot outlive its attachment to be copied into later.
use oxmsg::{CopyOptions, Session};

fn main() {
    let session = Session::new();
    let source = session.opener().create_in_memory().unwrap();
    let fw = session.opener().create_in_memory().unwrap();
    let emb = {
        let att = fw.create_attachment().unwrap();
        att.create_embedded().unwrap()
    };
    source.copy_to(&emb, &CopyOptions::all()).unwrap();
}
