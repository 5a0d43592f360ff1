//! Quickstart: write a .msg with a sender, recipients and an attachment,
//! then open it again read-only and print what it holds.
//!
//! Run: `cargo run --example quickstart [-- OUT.msg]` (default `quickstart.msg`).

use std::time::SystemTime;

use oxmsg::{tags, FileTime, RecipientType, Session};

fn main() -> oxmsg::Result<()> {
    let path = std::env::args().nth(1).unwrap_or_else(|| "quickstart.msg".into());

    // A session holds every message you open; messages borrow it (MAPI's OpenIMsgSession).
    let session = Session::new();

    // A new read-write message; nothing is written until save_changes.
    let mut msg = session.opener().create(&path)?;
    msg.set(tags::SUBJECT, "Quarterly report")?;
    msg.set(tags::BODY, "Hello,\n\nthe figures are attached.\n\nAlice")?;
    // The sender, and who it is sent on behalf of (here the same person).
    msg.set_sender("Alice Example", "alice@example.com")?;
    msg.set(tags::CLIENT_SUBMIT_TIME, FileTime::from(SystemTime::now()))?;
    msg.set(tags::IMPORTANCE, oxmsg::Importance::High)?; // a typed tag takes exactly its type

    msg.add_recipient(RecipientType::To, "Bob Example", "bob@example.com")?;
    msg.add_recipient(RecipientType::Cc, "Carol Example", "carol@example.com")?;

    // An attachment is an object of its own: set its properties, stream its
    // data in, and save it into the message.
    let att = msg.create_attachment()?;
    att.set(tags::ATTACH_LONG_FILENAME, "figures.csv")?;
    att.write_data(&mut "quarter,revenue\nQ3,42\n".as_bytes())?;
    att.save_changes()?;
    drop(att); // a message saves only once nothing borrowed from it is alive

    // Write the file (atomically: a temporary file beside it, then a rename).
    msg.save_changes()?;

    // Open it again, read-only: a Message<ReadOnly> has no setters at all.
    let read = session.opener().path(&path)?;
    println!("file:     {path}");
    println!("subject:  {}", read.get(tags::SUBJECT)?.unwrap_or_default());
    println!(
        "from:     {} <{}>",
        read.get(tags::SENDER_NAME)?.unwrap_or_default(),
        read.get(tags::SENDER_SMTP_ADDRESS)?.unwrap_or_default()
    );
    if let Some(sent) = read.get(tags::CLIENT_SUBMIT_TIME)? {
        println!("sent:     {}", sent.to_rfc3339());
    }
    for r in read.recipients()? {
        let name = r.display_name().unwrap_or_default();
        let email = r.email().unwrap_or_default();
        println!(
            "{:<9} {name} <{email}>",
            format!("{:?}:", r.recipient_type()).to_lowercase()
        );
    }
    for a in read.attachments()? {
        // data() is a stream over the attachment: its length needs no loading.
        let size = a.data()?.len();
        println!("attached: {} ({size} bytes)", a.filename()?.unwrap_or_default());
    }
    println!("body:\n{}", read.get(tags::BODY)?.unwrap_or_default());
    Ok(())
}
