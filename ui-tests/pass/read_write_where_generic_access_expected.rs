// A `Message<'_, ReadWrite>` (and its attachments) can be used wherever
// code is generic over the access marker.
use std::io::Cursor;

use oxmsg::{tags, Access, Attachment, Message, ReadOnly, ReadWrite, Session};

fn subject<A: Access>(m: &Message<'_, A>) -> Option<String> {
    m.get(tags::SUBJECT).unwrap()
}

fn attachment_names<A: Access>(m: &Message<'_, A>) -> Vec<String> {
    m.attachments()
        .unwrap()
        .iter()
        .map(|a: &Attachment<'_, A>| a.filename().unwrap().unwrap_or_default())
        .collect()
}

fn main() -> oxmsg::Result<()> {
    let session = Session::new();
    let rw: Message<'_, ReadWrite> = session.opener().create_in_memory()?;
    rw.set(tags::SUBJECT, "generic")?;
    let att = rw.create_attachment()?;
    att.set(tags::ATTACH_LONG_FILENAME, "g.bin")?;
    att.save_changes()?;
    drop(att);
    assert_eq!(subject(&rw).as_deref(), Some("generic"));
    assert_eq!(attachment_names(&rw), ["g.bin"]);
    assert!(<ReadWrite as Access>::WRITABLE);

    let ro: Message<'_, ReadOnly> = session.opener().reader(Cursor::new(rw.to_bytes()?))?;
    assert_eq!(subject(&ro), subject(&rw));
    assert_eq!(attachment_names(&ro), attachment_names(&rw));
    Ok(())
}
