//! A message's state as Outlook shows it, and the IMessage calls around it:
//! a draft becomes a sent item and then a received mail (PR_MESSAGE_FLAGS
//! and the times), read and unread (SetReadFlag), who received it; a
//! complete one-off recipient row built by hand; a release callback
//! (MSGCALLRELEASE); moving properties between messages (CopyTo with
//! MAPI_MOVE); attaching a .msg file as an embedded message; and what a .msg
//! cannot do (SubmitMessage), with what MAPI's GetLastError would say.
//!
//! `cargo run --example message_state`

use std::error::Error as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use oxmsg::{read_flag, tags, CopyOptions, FileTime, PropValue, RecipientChange, RecipientType, Session};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let session = Session::new();
    let msg = session.opener().create_in_memory()?;
    msg.set(tags::SUBJECT, "Quarterly figures")?;

    // A recipient row as Outlook writes it for a one-off SMTP address, with
    // one property more.
    msg.modify_recipients(
        [RecipientChange::one_off(RecipientType::To, "Ann", "ann@example.com", 1)
            .with(tags::TRANSMITABLE_DISPLAY_NAME, PropValue::Unicode("Ann Smith".into()))],
    )?;

    // Draft → sent → received; read flags.
    msg.mark_draft()?;
    println!("draft: {}", msg.is_draft()?);
    let sent = FileTime::from_unix_secs(1_764_662_400); // 2025-12-02 08:00 UTC
    msg.mark_sent(sent)?;
    msg.mark_received(FileTime::from_unix_secs(1_764_662_460), false)?;
    msg.set_received_by("Ann", "ann@example.com")?;
    println!("received, read: {}", msg.is_read()?);
    msg.set_read_flag(0)?; // MSGFLAG_READ
    println!("after SetReadFlag(0), read: {}", msg.is_read()?);
    msg.set_read_flag(read_flag::CLEAR_READ_FLAG)?;
    println!("after CLEAR_READ_FLAG, read: {}", msg.is_read()?);

    // Move the subject to another message (CopyProps with MAPI_MOVE).
    let other = session.opener().create_in_memory()?;
    msg.move_to(&other, &CopyOptions::only([tags::SUBJECT]))?;
    println!(
        "moved subject: here {:?}, there {:?}",
        msg.get(tags::SUBJECT)?,
        other.get(tags::SUBJECT)?
    );

    // Attach a .msg file as an embedded message.
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("minutes.msg");
    let minutes = session.opener().create_in_memory()?;
    minutes.set(tags::SUBJECT, "Minutes")?;
    minutes.save_as(&file)?;
    let att = other.attach_message_file(&file)?;
    println!("attached: {:?}", att.open_embedded()?.get(tags::SUBJECT)?);
    drop(att);

    // A release callback runs when the message is closed (here: dropped).
    let released = Arc::new(AtomicBool::new(false));
    other.on_release(Arc::clone(&released), |flag| flag.store(true, Ordering::SeqCst))?;
    drop(other);
    println!("release callback ran: {}", released.load(Ordering::SeqCst));

    // What a .msg cannot do is an error that says why, with GetLastError's
    // component and code.
    if let Err(e) = msg.submit_message() {
        println!("SubmitMessage: {e}");
        println!("  last error: {}", e.last_error());
        if let Some(source) = e.source() {
            println!("  source: {source}");
        }
    }
    Ok(())
}
