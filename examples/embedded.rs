//! Walks a message tree of any depth (attachments holding messages holding
//! attachments…) and extracts each embedded message as its own .msg.
//!
//! `cargo run --example embedded [FILE.msg]`: without FILE it builds a
//! message with messages nested three deep.

use oxmsg::{tags, Access, Message, Session};

fn walk<A: Access>(msg: &Message<'_, A>, depth: usize, out: &std::path::Path) -> oxmsg::Result<()> {
    let pad = "  ".repeat(depth);
    println!("{pad}message: {:?}", msg.get(tags::SUBJECT)?.unwrap_or_default());
    for att in msg.attachments()? {
        if att.is_embedded() {
            let inner = att.open_embedded()?;
            // A standalone copy: 32-byte header, its own named-property map.
            let file = out.join(format!("level{}-att{}.msg", depth / 2 + 1, att.num()));
            inner.save_as(&file)?;
            println!(
                "{pad}  attachment #{} holds a message, saved as {}",
                att.num(),
                file.display()
            );
            walk(&inner, depth + 2, out)?;
        } else {
            println!("{pad}  attachment #{}: {:?}", att.num(), att.filename()?);
        }
    }
    Ok(())
}

fn build(session: &Session, path: &std::path::Path) -> oxmsg::Result<()> {
    let mut top = session.opener().create(path)?;
    top.set(tags::SUBJECT, "Level 0")?;
    let a1 = top.create_attachment()?;
    let mut m1 = a1.create_embedded()?;
    m1.set(tags::SUBJECT, "Level 1")?;
    let a2 = m1.create_attachment()?;
    let mut m2 = a2.create_embedded()?;
    m2.set(tags::SUBJECT, "Level 2")?;
    let a3 = m2.create_attachment()?;
    let mut m3 = a3.create_embedded()?;
    m3.set(tags::SUBJECT, "Level 3")?;
    // Save from the inside out: each save folds a child into its parent,
    // and a message saves only once nothing borrowed from it is alive.
    m3.save_changes()?;
    drop(m3);
    a3.save_changes()?;
    drop(a3);
    m2.save_changes()?;
    drop(m2);
    a2.save_changes()?;
    drop(a2);
    m1.save_changes()?;
    drop(m1);
    a1.save_changes()?;
    drop(a1);
    top.save_changes()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let session = Session::new();
    let path = match std::env::args().nth(1) {
        Some(f) => std::path::PathBuf::from(f),
        None => {
            let p = dir.path().join("nested.msg");
            build(&session, &p)?;
            p
        }
    };
    let msg = session.opener().path(&path)?;
    walk(&msg, 0, dir.path())?;
    Ok(())
}
