//! Forwards a message as Outlook does with "Forward as Attachment": a new
//! draft whose subject is `FW: ` and the original's, with chosen properties
//! of the original copied (CopyProps), and the original attached whole as
//! an embedded message (ATTACH_EMBEDDED_MSG) that Outlook opens as a
//! message.
//!
//! `cargo run --example forward [-- IN.msg OUT.msg]`: without arguments it
//! forwards a message it builds (a received mail with two recipients and an
//! attachment) and writes `forward.msg` in the current folder.

use std::path::PathBuf;

use oxmsg::{tags, Access, CopyOptions, Message, RecipientType, Session};

/// A received mail, as a sample original.
fn sample(session: &Session) -> oxmsg::Result<Vec<u8>> {
    let msg = session.opener().create_in_memory()?;
    msg.set(tags::SUBJECT, "Quarterly numbers")?;
    msg.set_sender("Alice Example", "alice@example.com")?;
    msg.add_recipient(RecipientType::To, "Bob Example", "bob@example.com")?;
    msg.add_recipient(RecipientType::Cc, "Carol Example", "carol@example.com")?;
    msg.set_body_text("Hi Bob,\n\nthe numbers are attached.\n\nAlice")?;
    msg.set(tags::IMPORTANCE, oxmsg::Importance::High)?;
    msg.mark_received(oxmsg::FileTime::from(std::time::SystemTime::now()), false)?;
    let att = msg.create_attachment()?;
    att.set(tags::ATTACH_LONG_FILENAME, "q3.csv")?;
    att.set(tags::ATTACH_MIME_TAG, "text/csv")?;
    att.write_data(&mut &b"quarter,revenue\nQ3,42\n"[..])?;
    att.save_changes()?;
    drop(att);
    msg.to_bytes()
}

/// The forward of `original`, written to `out`.
fn forward<A: Access>(session: &Session, original: &Message<'_, A>, out: &std::path::Path) -> oxmsg::Result<()> {
    let subject = original.get(tags::SUBJECT)?.unwrap_or_default();
    let mut fw = session.opener().create(out)?;
    // What of the original a forward keeps: its importance and sensitivity
    // (MAPI CopyProps); nothing else, not its recipients.
    let problems = original.copy_to(
        &fw,
        &CopyOptions::only([tags::IMPORTANCE.tag(), tags::SENSITIVITY.tag()]),
    )?;
    for p in problems {
        eprintln!("not copied: {} ({})", p.tag, p.detail);
    }
    // The subject's parts (PR_SUBJECT_PREFIX "FW: ", PR_NORMALIZED_SUBJECT)
    // follow.
    fw.set(tags::SUBJECT, format!("FW: {subject}").as_str())?;
    fw.set_body_text("Please see the attached message.")?;
    fw.mark_draft()?;
    {
        let att = fw.attach_message(original)?;
        println!(
            "attached {:?} as attachment #{} ({:?})",
            subject,
            att.num(),
            att.method()?
        );
    }
    let warnings = fw.save_with_warnings()?;
    for w in warnings {
        eprintln!("warning: {w}");
    }
    Ok(())
}

fn main() -> oxmsg::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let session = Session::new();
    let (original, out) = match args.as_slice() {
        [] => (
            session.opener().reader(std::io::Cursor::new(sample(&session)?))?,
            PathBuf::from("forward.msg"),
        ),
        [input, out] => (session.opener().path(input)?, PathBuf::from(out)),
        _ => {
            eprintln!("usage: forward [IN.msg OUT.msg]");
            std::process::exit(2);
        }
    };
    forward(&session, &original, &out)?;
    // Read it back: the embedded message is a message.
    let fw = session.opener().path(&out)?;
    println!("{}: {:?}", out.display(), fw.get(tags::SUBJECT)?);
    for att in fw.attachments()? {
        if att.is_embedded() {
            let inner = att.open_embedded()?;
            println!(
                "  embedded: {:?}, {} recipient(s), {} attachment(s)",
                inner.get(tags::SUBJECT)?,
                inner.recipients()?.len(),
                inner.attachment_numbers()?.len()
            );
        }
    }
    Ok(())
}
