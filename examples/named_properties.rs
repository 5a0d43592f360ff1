//! Named properties: categories (`Keywords`), a custom string-named property
//! in PS_PUBLIC_STRINGS, and Internet headers (PS_INTERNET_HEADERS).
//!
//! Run: `cargo run --example named_properties [-- FILE.msg]`.
//!
//! Without an argument it builds a message in memory, sets named
//! properties on it, writes it to bytes, opens the bytes again and checks
//! that every named property reads back. With a FILE it lists that file's
//! named-property map (MAPI's GetNamesFromIDs) and the value each name has
//! on the top-level message.

use std::io::Cursor;

use oxmsg::kind::Unicode;
use oxmsg::named::{self, NamedProp, NamedTag, PropName, PS_INTERNET_HEADERS, PS_PUBLIC_STRINGS};
use oxmsg::{tags, Access, Message, PropType, PropValue, Session};

/// A custom string-named property. PS_PUBLIC_STRINGS is the property set
/// for general string names; the name is matched exactly (case-sensitive).
const PROJECT_CODE: NamedTag<Unicode> = NamedTag::string(PS_PUBLIC_STRINGS, "Project Code");

/// An Internet header as a named property. Header names are compared
/// case-insensitively and stored lower-cased, as Outlook does.
const X_TICKET: NamedTag<Unicode> = NamedTag::string(PS_INTERNET_HEADERS, "X-Ticket-Id");

fn main() -> oxmsg::Result<()> {
    let session = Session::new();
    match std::env::args().nth(1) {
        Some(path) => {
            let msg = session.opener().path(&path)?;
            list(&msg)?;
            for w in msg.warnings() {
                println!("warning: {w}");
            }
        }
        None => build_and_read_back(&session)?,
    }
    Ok(())
}

fn build_and_read_back(session: &Session) -> oxmsg::Result<()> {
    let msg = session.opener().create_in_memory()?;
    msg.set(tags::SUBJECT, "Named properties demo")?;

    // Categories: PidNameKeywords, a multi-valued string in PS_PUBLIC_STRINGS.
    let categories = vec!["Blue category".to_string(), "Project X".to_string()];
    msg.set_named(named::KEYWORDS, categories.clone())?;
    // A custom string-named property.
    msg.set_named(PROJECT_CODE, "APOLLO-11")?;
    // Internet headers, as an Internet gateway stores them.
    msg.set_named(named::X_MAILER, "oxmsg example")?;
    msg.set_named(named::CONTENT_CLASS, "urn:content-classes:message")?;
    msg.set_named(X_TICKET, "T-4242")?;
    // A numeric (LID) named property with the dynamic API.
    msg.set_named_value(&named::REMINDER_DELTA.name(), PropValue::Long(15))?;

    // Names get ids 0x8000, 0x8001, … in the order they are first used.
    let ids = msg
        .ids_from_names(&[named::KEYWORDS.name(), PROJECT_CODE.name()])?
        .into_iter()
        .map(|i| i.id())
        .collect::<Vec<u16>>();
    println!(
        "Keywords is 0x{:04X}, Project Code is 0x{:04X} in this file",
        ids[0], ids[1]
    );

    let bytes = msg.to_bytes()?;
    drop(msg);

    // Read it back: the ids are file-local, so names are resolved again.
    let read = session.opener().reader(Cursor::new(bytes))?;
    assert_eq!(read.get_named(named::KEYWORDS)?, Some(categories));
    assert_eq!(read.get_named(PROJECT_CODE)?.as_deref(), Some("APOLLO-11"));
    assert_eq!(read.get_named(named::X_MAILER)?.as_deref(), Some("oxmsg example"));
    assert_eq!(
        read.get_named(named::CONTENT_CLASS)?.as_deref(),
        Some("urn:content-classes:message")
    );
    // Any spelling of a header name finds it.
    let x_ticket_upper: NamedTag<Unicode> = NamedTag::string(PS_INTERNET_HEADERS, "X-TICKET-ID");
    assert_eq!(read.get_named(x_ticket_upper)?.as_deref(), Some("T-4242"));
    assert_eq!(read.get_named(named::REMINDER_DELTA)?, Some(15));
    // A name that is not mapped has no value; it is not an error.
    assert_eq!(read.get_named(named::LOCATION)?, None);

    println!("Internet headers stored as named properties:");
    for (name, value) in internet_headers(&read)? {
        println!("  {name}: {value}");
    }
    println!();
    list(&read)?;
    println!("\nevery named property read back");
    Ok(())
}

/// The PS_INTERNET_HEADERS string names of the file with their values on `msg`.
fn internet_headers<A: Access>(msg: &Message<'_, A>) -> oxmsg::Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for (_, name) in msg.named_props()? {
        if let (true, PropName::String(s)) = (name.guid == PS_INTERNET_HEADERS, &name.name) {
            if let Some(v) = msg.get_named_value(&name, PropType::UNICODE)? {
                out.push((s.clone(), v.as_string().unwrap_or_default()));
            }
        }
    }
    Ok(out)
}

/// Prints the file's named-property map and, for each name, the value the
/// message has (most names of a real file are used by other item types or
/// by attachments and recipients only, so many have none here).
fn list<A: Access>(msg: &Message<'_, A>) -> oxmsg::Result<()> {
    let map = msg.named_props()?;
    println!("{} named properties mapped in this file:", map.len());
    let tags = msg.prop_list()?;
    for (id, name) in &map {
        let value = match tags.iter().find(|t| t.id() == *id) {
            Some(&t) => msg.get_value(t)?.map(|v| show(&v)).unwrap_or_default(),
            None => "(not set on the message)".into(),
        };
        println!("  0x{id:04X}  {}  {value}", describe(name));
    }
    Ok(())
}

fn describe(name: &NamedProp) -> String {
    let set = match name.guid {
        g if g == named::PS_PUBLIC_STRINGS => "PS_PUBLIC_STRINGS".to_string(),
        g if g == named::PS_INTERNET_HEADERS => "PS_INTERNET_HEADERS".to_string(),
        g if g == named::PSETID_COMMON => "PSETID_Common".to_string(),
        g if g == named::PSETID_APPOINTMENT => "PSETID_Appointment".to_string(),
        g if g == named::PSETID_ADDRESS => "PSETID_Address".to_string(),
        g if g == named::PSETID_TASK => "PSETID_Task".to_string(),
        g if g == named::PS_MAPI => "PS_MAPI".to_string(),
        g => g.to_string(),
    };
    format!("{set}:{}", name.name)
}

fn show(v: &PropValue) -> String {
    let s = match v.as_string() {
        Some(s) => format!("{s:?}"),
        None => match v {
            PropValue::Binary(b) if b.len() > 24 => format!("Binary({} bytes)", b.len()),
            other => format!("{other:?}"),
        },
    };
    if s.chars().count() > 100 {
        format!("{}…", s.chars().take(100).collect::<String>())
    } else {
        s
    }
}
