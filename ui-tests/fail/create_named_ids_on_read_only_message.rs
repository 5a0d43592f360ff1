// GetIDsFromNames with MAPI_CREATE changes the file's named-property map:
// only a read-write message may do it. Looking names up works on both.
use oxmsg::{named, Session};

fn main() {
    let session = Session::new();
    let bytes = session.opener().create_in_memory().unwrap().to_bytes().unwrap();
    let msg = session.opener().reader(std::io::Cursor::new(bytes)).unwrap();
    let _ = msg.ids_from_names(&[named::LOCATION.name()]);
    let _ = msg.create_ids_from_names(&[named::LOCATION.name()]);
}
