//! Writes a few small messages made by oxmsg itself into a corpus folder, as
//! seeds that are quicker to mutate than the large public corpus files:
//! `cargo run --manifest-path fuzz/Cargo.toml --example make_seeds -- fuzz/corpus/open_walk`

use oxmsg::{named, tags, Message, ReadWrite, RecipientType, Session, SessionOptions};

fn fill(msg: &Message<'_, ReadWrite>, depth: u32) -> oxmsg::Result<()> {
    msg.set(tags::SUBJECT, "Seed \u{e9}")?;
    msg.set(tags::BODY, "Body text.")?;
    msg.set(tags::IMPORTANCE, oxmsg::Importance::High)?;
    msg.add_recipient(RecipientType::To, "Ann", "ann@example.com")?;
    msg.add_recipient(RecipientType::Cc, "Bob", "bob@example.com")?;
    msg.set_named(named::LOCATION, "Room 1")?;
    msg.set_named(named::KEYWORDS, vec!["a".to_string(), "b".to_string()])?;
    let att = msg.create_attachment()?;
    att.set(tags::ATTACH_LONG_FILENAME, "a.txt")?;
    att.write_data(&mut &b"attachment data"[..])?;
    att.save_changes()?;
    drop(att);
    if depth > 0 {
        let att = msg.create_attachment()?;
        let mut inner = att.create_embedded()?;
        fill(&inner, depth - 1)?;
        inner.save_changes()?;
        drop(inner);
        att.save_changes()?;
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).ok_or("usage: make_seeds <corpus dir>")?;
    std::fs::create_dir_all(&dir)?;
    for unicode in [true, false] {
        let session = Session::with_options(SessionOptions::default().unicode(unicode));
        for depth in 0..3 {
            let msg = session.opener().create_in_memory()?;
            fill(&msg, depth)?;
            let bytes = msg.to_bytes()?;
            let name = format!("seed-{}-depth{depth}.msg", if unicode { "unicode" } else { "ansi" });
            std::fs::write(std::path::Path::new(&dir).join(&name), &bytes)?;
            println!("{name}: {} bytes", bytes.len());
        }
        let empty = session.opener().create_in_memory()?;
        let name = format!("seed-{}-empty.msg", if unicode { "unicode" } else { "ansi" });
        std::fs::write(std::path::Path::new(&dir).join(&name), empty.to_bytes()?)?;
    }
    Ok(())
}
