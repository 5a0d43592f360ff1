//! Lists a message's attachments, extracts them to a folder with safe
//! names, adds one and an OLE object (a storage of the caller's, its class
//! kept), and saves the message.
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

    // An OLE object (ATTACH_OLE) from a compound file of the caller's: its
    // CLSID is kept, and it can be taken out again as a file of its own.
    let mut object = cfb::CompoundFile::create(std::io::Cursor::new(Vec::new()))?;
    let word_document = uuid::Uuid::parse_str("00020906-0000-0000-c000-000000000046")?;
    object.set_storage_clsid("/", word_document)?;
    std::io::Write::write_all(&mut object.create_stream("/WordDocument")?, b"...")?;
    let ole = msg.create_attachment()?;
    ole.set(tags::ATTACH_LONG_FILENAME, "report.doc")?;
    ole.set_ole_object(&mut object)?;
    ole.save_changes()?;
    println!(
        "OLE object: class {:?}, {} bytes as a compound file of its own",
        ole.ole_clsid()?,
        ole.ole_object_file()?.map_or(0, |f| f.len())
    );
    drop(ole);
    msg.save_changes()?;
    drop(msg);

    let reread = session.opener().path(&path)?;
    println!("now {} attachments", reread.attachment_numbers()?.len());
    Ok(())
}
