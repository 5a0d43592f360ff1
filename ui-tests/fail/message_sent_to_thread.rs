// A message borrows a `!Sync` session, so it is not `Send`: it cannot be
// moved to another thread, even a scoped one that ends before the session.
use oxmsg::{tags, Message, ReadWrite, Session};

fn main() {
    let session = Session::new();
    let msg: Message<'_, ReadWrite> = session.opener().create_in_memory().unwrap();
    std::thread::scope(|s| {
        s.spawn(move || {
            msg.set(tags::SUBJECT, "from another thread").unwrap();
        });
    });
}
