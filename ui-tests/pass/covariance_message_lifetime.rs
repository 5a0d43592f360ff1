// Handles are covariant in their lifetime: a `Message<'long, A>` can be
// used where a `Message<'short, A>` is expected.
use std::io::Cursor;

use oxmsg::{tags, Attachment, Message, ReadOnly, Session};

fn pick<'a>(
    a: &'a Message<'a, ReadOnly>,
    b: &'a Message<'a, ReadOnly>,
) -> &'a Message<'a, ReadOnly> {
    if a.get(tags::SUBJECT).unwrap().is_some() {
        a
    } else {
        b
    }
}

fn subject_of<'short>(m: &Message<'short, ReadOnly>) -> Option<String> {
    m.get(tags::SUBJECT).unwrap()
}

fn shorten<'long: 'short, 'short>(m: Message<'long, ReadOnly>) -> Message<'short, ReadOnly> {
    m
}

fn shorten_attachment<'long: 'short, 'short>(
    a: Attachment<'long, ReadOnly>,
) -> Attachment<'short, ReadOnly> {
    a
}

fn main() -> oxmsg::Result<()> {
    let session = Session::new();
    let bytes = {
        let m = session.opener().create_in_memory()?;
        m.set(tags::SUBJECT, "long-lived")?;
        let att = m.create_attachment()?;
        att.set(tags::ATTACH_LONG_FILENAME, "c.txt")?;
        att.save_changes()?;
        drop(att);
        m.to_bytes()?
    };
    // `long` borrows the session for the whole of `main`.
    let long: Message<'_, ReadOnly> = session.opener().reader(Cursor::new(bytes.clone()))?;
    {
        // `short` is opened from a session that lives in this block only.
        let inner_session = Session::new();
        let short = inner_session.opener().reader(Cursor::new(bytes))?;
        // Both must have the same lifetime `'a`: `long` shrinks to `short`'s.
        let chosen = pick(&long, &short);
        assert_eq!(subject_of(chosen).as_deref(), Some("long-lived"));
    }
    let att = shorten_attachment(long.open_attachment(0)?);
    assert_eq!(att.filename()?.as_deref(), Some("c.txt"));
    drop(att);
    let shorter = shorten(long);
    assert_eq!(subject_of(&shorter).as_deref(), Some("long-lived"));
    Ok(())
}
