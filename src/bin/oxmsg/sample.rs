//! Built-in messages: the one `oxmsg dump` and `msgdump` show without a
//! file, and the sample folder `oxmsg scan` and `examples/scan.rs` walk
//! without one (this file is compiled into each of them).

#![allow(dead_code)]

use oxmsg::{tags, FileTime, RecipientType, Session};

/// Builds a message in memory with a bit of everything and returns its bytes.
pub fn build_default(session: &Session) -> oxmsg::Result<Vec<u8>> {
    let sent = FileTime::from_unix_secs(1_700_000_000); // fixed, so the dump is reproducible
    let msg = session.opener().create_in_memory()?;
    msg.set(tags::SUBJECT, "Minutes of the Tuesday meeting")?;
    msg.set(
        tags::BODY,
        "Hello all,\r\n\r\nthe minutes are attached, and Dave's note is forwarded.\r\n",
    )?;
    msg.set(
        tags::HTML,
        b"<html><body><p>Hello all,</p><p>the minutes are attached.</p></body></html>".to_vec(),
    )?;
    msg.set_sender("Alice Example", "alice@example.com")?;
    msg.set(tags::CLIENT_SUBMIT_TIME, sent)?;
    msg.set(tags::IMPORTANCE, oxmsg::Importance::Normal)?;
    msg.set(tags::READ_RECEIPT_REQUESTED, false)?;
    msg.add_recipient(RecipientType::To, "Bob Example", "bob@example.com")?;
    msg.add_recipient(RecipientType::Cc, "Carol Example", "carol@example.com")?;
    msg.add_recipient(RecipientType::Bcc, "Erin Example", "erin@example.com")?;

    let att = msg.create_attachment()?;
    att.set(tags::ATTACH_LONG_FILENAME, "minutes.txt")?;
    att.set(tags::ATTACH_FILENAME, "minutes.txt")?;
    att.set(tags::ATTACH_MIME_TAG, "text/plain")?;
    att.write_data(&mut &b"1. Budget approved.\r\n2. Next meeting on Friday.\r\n"[..])?;
    att.save_changes()?;

    let att = msg.create_attachment()?;
    att.set(tags::DISPLAY_NAME, "Note from Dave")?;
    {
        let mut inner = att.create_embedded()?;
        inner.set(tags::MESSAGE_CLASS, "IPM.Note")?;
        inner.set(tags::SUBJECT, "Note from Dave")?;
        inner.set(tags::BODY, "I cannot make it on Tuesday.\r\n")?;
        inner.set(tags::SENDER_NAME, "Dave Example")?;
        inner.set(tags::SENDER_EMAIL_ADDRESS, "dave@example.com")?;
        inner.set(tags::CLIENT_SUBMIT_TIME, FileTime::from_unix_secs(1_699_900_000))?;
        inner.add_recipient(RecipientType::To, "Alice Example", "alice@example.com")?;
        let a = inner.create_attachment()?;
        a.set(tags::ATTACH_LONG_FILENAME, "apology.txt")?;
        a.write_data(&mut &b"Sorry!"[..])?;
        a.save_changes()?;
        drop(a);
        inner.save_changes()?;
    }
    att.save_changes()?;
    msg.to_bytes()
}

/// Topics of the sample messages; each body names its topic's word, so a
/// search for `budget` or `pineapple` finds known files.
const TOPICS: [(&str, &str); 6] = [
    ("Budget review", "budget"),
    ("Team lunch", "pineapple"),
    ("Server migration", "kubernetes"),
    ("Holiday schedule", "vacation"),
    ("Invoice 2024-117", "invoice"),
    ("Quarterly figures", "revenue"),
];

/// Writes a sample mailbox export under `dir`: `count` messages spread over
/// three sub-folders, with recipients, a few attachments of growing size
/// (so that sizes differ), an embedded message in every fifth one, one
/// damaged file (`damaged/truncated.msg`, the first half of a message) and
/// one file that is not a .msg (`notes.txt`, which a scan skips). Returns
/// the .msg paths written.
pub fn write_sample_folder(dir: &std::path::Path, count: usize) -> Result<Vec<std::path::PathBuf>, String> {
    let io = |e: std::io::Error, what: &str| format!("{what}: {e}");
    let build = |e: oxmsg::Error| format!("building a sample message: {e}");
    let session = Session::new();
    let mut paths = Vec::new();
    for sub in ["inbox", "sent", "archive/2023", "damaged"] {
        std::fs::create_dir_all(dir.join(sub)).map_err(|e| io(e, "creating the sample folders"))?;
    }
    for i in 0..count {
        let (subject, word) = TOPICS[i % TOPICS.len()];
        let msg = session.opener().create_in_memory().map_err(build)?;
        msg.set(tags::SUBJECT, format!("{subject} #{i}")).map_err(build)?;
        msg.set_body_text(&format!(
            "Hello,\r\n\r\nmessage {i} is about the {word}.\r\n{}\r\nRegards,\r\nAlice\r\n",
            "Some filler text to vary the sizes. ".repeat(i % 7)
        ))
        .map_err(build)?;
        msg.set_sender("Alice Example", "alice@example.com").map_err(build)?;
        msg.set(
            tags::CLIENT_SUBMIT_TIME,
            FileTime::from_unix_secs(1_700_000_000 + 3600 * i as i64),
        )
        .map_err(build)?;
        msg.add_recipient(RecipientType::To, "Bob Example", "bob@example.com")
            .map_err(build)?;
        if i % 3 == 0 {
            msg.add_recipient(RecipientType::Cc, "Carol Example", "carol@example.com")
                .map_err(build)?;
        }
        for k in 0..(i % 3) {
            let att = msg.create_attachment().map_err(build)?;
            att.set(tags::ATTACH_LONG_FILENAME, format!("{word}-{i}-{k}.txt"))
                .map_err(build)?;
            let data = format!("{word} attachment {k} of message {i}\n").repeat(1 + 40 * i);
            att.write_data(&mut data.as_bytes()).map_err(build)?;
            att.save_changes().map_err(build)?;
        }
        if i % 5 == 4 {
            let att = msg.create_attachment().map_err(build)?;
            att.set(tags::DISPLAY_NAME, "Forwarded note").map_err(build)?;
            {
                let mut inner = att.create_embedded().map_err(build)?;
                inner.set(tags::MESSAGE_CLASS, "IPM.Note").map_err(build)?;
                inner.set(tags::SUBJECT, "Forwarded note").map_err(build)?;
                inner.set(tags::BODY, "The forwarded text.\r\n").map_err(build)?;
                inner.save_changes().map_err(build)?;
            }
            att.save_changes().map_err(build)?;
        }
        let bytes = msg.to_bytes().map_err(build)?;
        let sub = ["inbox", "sent", "archive/2023"][i % 3];
        let path = dir.join(sub).join(format!("message-{i:03}.msg"));
        std::fs::write(&path, &bytes).map_err(|e| io(e, "writing a sample message"))?;
        paths.push(path);
        if i == 0 {
            let damaged = dir.join("damaged").join("truncated.msg");
            std::fs::write(&damaged, &bytes[..bytes.len() / 2]).map_err(|e| io(e, "writing the damaged sample"))?;
            paths.push(damaged);
        }
    }
    std::fs::write(dir.join("notes.txt"), "not a message\n").map_err(|e| io(e, "writing the sample"))?;
    Ok(paths)
}
