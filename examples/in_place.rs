//! Messages over the caller's own storage, and what they give back:
//! a read-write message over a `Cursor<Vec<u8>>` (saved in place, the buffer
//! taken back with `into_inner`); a message inside the caller's own compound
//! file beside storages of the caller's (MAPI's `IMSG_NO_ISTG_COMMIT`, the
//! file taken back with `into_compound_file`); an ANSI message where a
//! character its code page cannot hold is an error unless lossy writing is
//! chosen; a named property mapped once and used through its tag; and a
//! message read over bytes the caller keeps (borrowed, not copied).
//!
//! `cargo run --example in_place`

use std::io::{Cursor, Write};

use oxmsg::{named, tags, Session, SessionOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let session = Session::new();

    // 1. Read-write over a buffer: saved in place, the buffer given back.
    let bytes = session.opener().create_in_memory()?.to_bytes()?;
    let mut msg = session.opener().read_write().reader(Cursor::new(bytes))?;
    msg.set(tags::SUBJECT, "edited in place")?;
    msg.save_changes()?;
    let buffer: Cursor<Vec<u8>> = msg.into_inner()?;
    println!("in place: {} bytes after the save", buffer.get_ref().len());

    // 2. Inside the caller's compound file, beside the caller's own storage;
    //    `commit == false` leaves flushing the file to the caller.
    let cf = cfb::CompoundFile::create(Cursor::new(Vec::new()))?;
    let mut msg = session.opener().read_write().compound(cf, false)?;
    msg.set(tags::SUBJECT, "inside my file")?;
    // A named property: the name is mapped once in this file, and the tag
    // remembers the file it was mapped in.
    let location = msg.map_named(named::LOCATION)?;
    msg.set(location, "Room 4")?;
    msg.save_changes()?;
    let mut cf = msg.into_compound_file::<Cursor<Vec<u8>>>()?;
    cf.create_stream("/MyAppData")?.write_all(b"the caller's own data")?;
    cf.flush()?;
    let file = cf.into_inner().into_inner();
    let back = session.opener().reader(Cursor::new(file))?;
    println!(
        "caller's file: subject {:?}, location {:?}",
        back.get(tags::SUBJECT)?,
        back.get_named(named::LOCATION)?
    );

    // 3. ANSI: a character outside the code page is an error, not a `?`,
    //    unless the caller chooses lossy writing.
    let ansi = Session::with_options(SessionOptions::default().unicode(false).ansi_codepage(1252));
    let strict = ansi.opener().create_in_memory()?;
    match strict.set(tags::SUBJECT, "Отчёт") {
        Err(e) => println!("ANSI 1252: {e}"),
        Ok(()) => println!("ANSI 1252: accepted"),
    }
    let lossy = ansi.opener().lossy_ansi(true).create_in_memory()?;
    lossy.set(tags::SUBJECT, "Отчёт")?;
    let read = session.opener().reader(Cursor::new(lossy.to_bytes()?))?;
    println!("ANSI 1252, lossy: {:?}", read.get(tags::SUBJECT)?);

    // 4. Over bytes the caller keeps (a buffer, a memory map): borrowed, not
    //    copied; the message and its attachments cannot outlive them.
    let draft = session.opener().create_in_memory()?;
    draft.set(tags::SUBJECT, "read in place")?;
    let att = draft.create_attachment()?;
    att.set(tags::ATTACH_LONG_FILENAME, "notes.txt")?;
    att.write_data(&mut &b"kept by the caller"[..])?;
    att.save_changes()?;
    drop(att);
    let kept: Vec<u8> = draft.to_bytes()?;
    let msg = session.opener().bytes(&kept)?;
    let mut data = String::new();
    std::io::Read::read_to_string(&mut msg.open_attachment(0)?.data()?, &mut data)?;
    println!("borrowed: subject {:?}, attachment {data:?}", msg.get(tags::SUBJECT)?);
    Ok(())
}
