// Mutators take typed ids, which know their message: a bare number (perhaps
// taken from another message) is not accepted.
use oxmsg::Session;

fn main() {
    let session = Session::new();
    let mut msg = session.opener().create_in_memory().unwrap();
    let num: u32 = 0;
    msg.delete_attachment(num).unwrap();
}
