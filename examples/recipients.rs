//! Reads, adds, changes and removes recipients (MAPI: the recipient table
//! and ModifyRecipients).
//!
//! `cargo run --example recipients [FILE.msg]`: prints FILE's recipients;
//! without FILE it builds a message and edits its recipient list.

use oxmsg::{tags, PropValue, Recipient, RecipientChange, RecipientType, Session};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let session = Session::new();
    if let Some(f) = std::env::args().nth(1) {
        let msg = session.opener().path(f)?;
        // Only the columns needed here are read (IMAPITable::SetColumns).
        for r in msg.recipients_with(&Recipient::ADDRESS_COLUMNS)? {
            println!(
                "{:?} {:?} <{}>",
                r.recipient_type(),
                r.display_name(),
                r.email().unwrap_or_default()
            );
        }
        return Ok(());
    }

    let msg = session.opener().create_in_memory()?;
    msg.add_recipient(RecipientType::To, "Ann", "ann@example.com")?;
    msg.add_recipient(RecipientType::Cc, "Bob", "bob@example.com")?;
    msg.add_recipient(RecipientType::Bcc, "Cy", "cy@example.com")?;
    println!("To: {:?}", msg.get(tags::DISPLAY_TO)?);

    // Rows keep their PR_ROWID; MODIFY replaces a whole row, REMOVE drops it.
    let rows = msg.recipients()?;
    let bob = rows[1].id();
    let cy = rows[2].id();
    msg.modify_recipients([
        RecipientChange::Modify(
            bob,
            vec![
                (tags::DISPLAY_NAME.tag(), PropValue::Unicode("Robert".into())),
                (
                    tags::SMTP_ADDRESS.tag(),
                    PropValue::Unicode("robert@example.com".into()),
                ),
                (tags::RECIPIENT_TYPE.tag(), PropValue::Long(RecipientType::To.value())),
            ],
        ),
        RecipientChange::Remove(cy),
    ])?;
    for r in msg.to()? {
        println!(
            "to: {:?} <{}> (row {})",
            r.display_name(),
            r.email().unwrap_or_default(),
            r.row_id()
        );
    }
    // A RowId kept as plain data names its row or nothing.
    println!("removed row: {}", msg.recipient(cy).unwrap_err());
    Ok(())
}
