// Sessions are not `Send`, but each thread can make its own: several
// sessions on several threads, one per thread. What crosses threads is
// plain data (the bytes of a message).
use std::io::Cursor;

use oxmsg::{tags, Session};

fn main() {
    let handles: Vec<_> = (0..4)
        .map(|i| {
            std::thread::spawn(move || -> oxmsg::Result<Vec<u8>> {
                let session = Session::new();
                let mut msg = session.opener().create_in_memory()?;
                msg.set(tags::SUBJECT, format!("thread {i}"))?;
                msg.save_changes()?;
                let bytes = msg.to_bytes()?;
                drop(msg);
                session.close();
                Ok(bytes)
            })
        })
        .collect();
    let outputs: Vec<Vec<u8>> = handles
        .into_iter()
        .map(|h| h.join().unwrap().unwrap())
        .collect();

    let readers: Vec<_> = outputs
        .into_iter()
        .enumerate()
        .map(|(i, bytes)| {
            std::thread::spawn(move || {
                let session = Session::new();
                let msg = session.opener().reader(Cursor::new(bytes)).unwrap();
                assert_eq!(msg.get(tags::SUBJECT).unwrap(), Some(format!("thread {i}")));
            })
        })
        .collect();
    for h in readers {
        h.join().unwrap();
    }
}
