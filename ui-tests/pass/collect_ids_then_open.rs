// Collect attachment numbers and ids as plain data first, then open each:
// the numbers and ids borrow nothing.
use std::io::Cursor;

use oxmsg::{tags, AttachmentId, Session};

fn main() -> oxmsg::Result<()> {
    let session = Session::new();
    let bytes = {
        let mut msg = session.opener().create_in_memory()?;
        for name in ["one.txt", "two.txt", "three.txt"] {
            let att = msg.create_attachment()?;
            att.set(tags::ATTACH_LONG_FILENAME, name)?;
            att.write_data(&mut name.as_bytes())?;
            att.save_changes()?;
        }
        msg.save_changes()?;
        msg.to_bytes()?
    };

    let msg = session.opener().reader(Cursor::new(bytes))?;
    let nums: Vec<u32> = msg.attachment_numbers()?;
    assert_eq!(nums.len(), 3);
    let mut ids: Vec<AttachmentId> = Vec::new();
    for &n in &nums {
        let att = msg.open_attachment(n)?;
        assert_eq!(att.num(), n);
        ids.push(att.id());
    }
    let mut names = Vec::new();
    for id in ids {
        let att = msg.open_attachment_by_id(id)?;
        assert_eq!(att.num(), id.num());
        names.push(att.filename()?.unwrap());
    }
    assert_eq!(names, ["one.txt", "two.txt", "three.txt"]);
    drop(msg);
    session.close();
    Ok(())
}
