// A session is used from one thread: `Session` is not `Send`.
use oxmsg::Session;

fn main() {
    let session = Session::new();
    std::thread::spawn(move || {
        let _msg = session.opener().create_in_memory();
    })
    .join()
    .unwrap();
}
