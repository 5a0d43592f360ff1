// The consuming `save_read_only` turns a read-write handle into a read-only
// one (MAPI's KEEP_OPEN_READONLY), which can then be read.
use oxmsg::{tags, Message, ReadOnly, Session};

fn main() -> oxmsg::Result<()> {
    let session = Session::new();
    let rw = session.opener().create_in_memory()?;
    rw.set(tags::SUBJECT, "saved")?;
    rw.set(tags::BODY, "body text")?;
    let ro: Message<'_, ReadOnly> = rw.save_read_only()?;
    assert_eq!(ro.get(tags::SUBJECT)?.as_deref(), Some("saved"));
    assert_eq!(ro.get(tags::BODY)?.as_deref(), Some("body text"));
    drop(ro);
    session.close();
    Ok(())
}
