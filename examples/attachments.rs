//! Lists a message's attachments, extracts them to a folder with safe
//! names, adds one, and saves the message.
//!
//! `cargo run --example attachments [FILE.msg [OUT_DIR]]`: without FILE it
//! builds a message in a temporary folder first.

use oxmsg::{tags, Session};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let work = tempfile::tempdir()?;
    let session = Session::new();

    // The message to work on: a copy, so the input is never changed.
    let path = work.path().join("work.msg");
    match args.first() {
        Some(f) => {
            std::fs::copy(f, &path)?;
        }
        None => {
            let mut msg = session.opener().create(&path)?;
            msg.set(tags::SUBJECT, "Two attachments")?;
            for (name, data) in [("../../etc/passwd", &b"not really"[..]), ("report.txt", b"numbers")] {
                let att = msg.create_attachment()?;
                att.set(tags::ATTACH_LONG_FILENAME, name)?;
                att.write_data(&mut &data[..])?;
                att.save_changes()?;
            }
            msg.save_changes()?;
        }
    }

    // Open it read-write; list what is there (MAPI: the attachment table).
    let mut msg = session.opener().read_write().path(&path)?;
    let mut table = msg.attachment_table()?;
    table.set_columns(&[
        tags::ATTACH_NUM.tag(),
        tags::ATTACH_LONG_FILENAME.tag(),
        tags::ATTACH_METHOD.tag(),
    ]);
    for row in table.query_rows(usize::MAX) {
        println!("{:?}", row.iter().map(|(_, v)| v).collect::<Vec<_>>());
    }

    // Extract: names from the file are made safe; nothing escapes the folder.
    let out = match args.get(1) {
        Some(d) => std::path::PathBuf::from(d),
        None => work.path().join("out"),
    };
    std::fs::create_dir_all(&out)?;
    for p in msg.save_attachments_to_dir(&out)? {
        println!("wrote {}", p.display());
    }
    // The same with a filter: here everything but the inline images (which
    // the HTML body shows), as `oxmsg extract --no-inline` does.
    let files_only = out.join("files-only");
    std::fs::create_dir_all(&files_only)?;
    for p in msg.save_attachments_to_dir_where(&files_only, |a| Ok(!a.is_inline()?))? {
        println!("wrote {}", p.display());
    }

    // Add one and save: the new file replaces the old one atomically.
    let att = msg.create_attachment()?;
    att.set(tags::ATTACH_LONG_FILENAME, "added.txt")?;
    att.set(tags::ATTACH_MIME_TAG, "text/plain")?;
    att.write_data(&mut &b"added by oxmsg"[..])?;
    att.save_changes()?;
    drop(att);
    msg.save_changes()?;
    drop(msg);

    let reread = session.opener().path(&path)?;
    println!("now {} attachments", reread.attachment_numbers()?.len());
    Ok(())
}
