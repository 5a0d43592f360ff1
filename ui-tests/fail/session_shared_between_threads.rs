// A session is used from one thread: `Session` is not `Sync`, so `&Session`
// cannot be shared with other threads, even scoped ones.
use oxmsg::Session;

fn main() {
    let session = Session::new();
    let shared = &session;
    std::thread::scope(|s| {
        s.spawn(move || {
            let _msg = shared.opener().create_in_memory();
        });
        s.spawn(move || {
            let _msg = shared.opener().create_in_memory();
        });
    });
}
