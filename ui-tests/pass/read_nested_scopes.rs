// Reading a message, its attachments and their embedded messages in nested
// scopes: each child lives inside the scope of its parent.
use std::io::{Cursor, Read};

use oxmsg::{tags, Session};

fn sample(session: &Session) -> oxmsg::Result<Vec<u8>> {
    let mut msg = session.opener().create_in_memory()?;
    msg.set(tags::SUBJECT, "outer")?;
    {
        let att = msg.create_attachment()?;
        att.set(tags::ATTACH_LONG_FILENAME, "a.txt")?;
        att.write_data(&mut &b"data"[..])?;
        att.save_changes()?;
    }
    {
        let att = msg.create_attachment()?;
        {
            let mut inner = att.create_embedded()?;
            inner.set(tags::SUBJECT, "inner")?;
            inner.save_changes()?;
        }
        att.save_changes()?;
    }
    msg.save_changes()?;
    msg.to_bytes()
}

fn main() -> oxmsg::Result<()> {
    let session = Session::new();
    let bytes = sample(&session)?;
    {
        let msg = session.opener().reader(Cursor::new(bytes))?;
        assert_eq!(msg.get(tags::SUBJECT)?.as_deref(), Some("outer"));
        let mut seen_data = false;
        let mut seen_embedded = false;
        for att in msg.attachments()? {
            if att.is_embedded() {
                let inner = att.open_embedded()?;
                assert_eq!(inner.get(tags::SUBJECT)?.as_deref(), Some("inner"));
                assert!(inner.is_embedded());
                seen_embedded = true;
            } else {
                assert_eq!(att.filename()?.as_deref(), Some("a.txt"));
                let mut data = Vec::new();
                att.data()?.read_to_end(&mut data).unwrap();
                assert_eq!(data, b"data");
                seen_data = true;
            }
        }
        assert!(seen_data && seen_embedded);
    }
    session.close();
    Ok(())
}
