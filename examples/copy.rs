//! IMAPIProp::CopyTo and CopyProps: copies a message (properties,
//! recipients, attachments, embedded messages) into a new message of
//! another session and file. Named properties are mapped to the
//! destination's ids by name, so a property keeps its meaning although its
//! id differs.
//!
//! `cargo run --example copy [-- IN.msg OUT.msg [--only 0xTAG]... [--exclude 0xTAG]... [--no-replace]]`:
//! without arguments it copies a message it builds, whose named property
//! lands on another id in the destination, and prints both.

use std::io::Cursor;

use oxmsg::{tags, CopyOptions, Guid, NamedProp, PropTag, PropType, PropValue, RecipientType, Session};

const PS_PUBLIC_STRINGS: Guid = Guid::from_fields(0x0002_0329, 0, 0, [0xC0, 0, 0, 0, 0, 0, 0, 0x46]);

fn parse_tag(s: &str) -> PropTag {
    let hex = s.trim_start_matches("0x").trim_start_matches("0X");
    match u32::from_str_radix(hex, 16) {
        // A four-digit id, or a whole tag.
        Ok(v) if hex.len() <= 4 => PropTag::new(v as u16, PropType::UNSPECIFIED),
        Ok(v) => PropTag(v),
        Err(_) => {
            eprintln!("not a hex tag: {s}");
            std::process::exit(2);
        }
    }
}

fn with_files(args: &[String]) -> oxmsg::Result<()> {
    let (input, output) = (&args[0], &args[1]);
    let mut opts = CopyOptions::all();
    let mut only = Vec::new();
    let mut it = args[2..].iter();
    let mut no_replace = false;
    while let Some(a) = it.next() {
        match (a.as_str(), it.clone().next()) {
            ("--only", Some(t)) => {
                only.push(parse_tag(t));
                it.next();
            }
            ("--exclude", Some(t)) => {
                opts = opts.exclude(parse_tag(t));
                it.next();
            }
            ("--no-replace", _) => no_replace = true,
            _ => {
                eprintln!("usage: copy IN.msg OUT.msg [--only 0xTAG]... [--exclude 0xTAG]... [--no-replace]");
                std::process::exit(2);
            }
        }
    }
    if !only.is_empty() {
        opts = CopyOptions::only(only);
    }
    if no_replace {
        opts = opts.no_replace();
    }
    let session = Session::new();
    let source = session.opener().path(input)?;
    let mut dest = session.opener().create(output)?;
    let problems = source.copy_to(&dest, &opts)?;
    for p in &problems {
        eprintln!("not copied: {} (0x{:08X}): {}", p.tag, p.scode, p.detail);
    }
    dest.save_changes()?;
    println!(
        "{output}: {} properties, {} recipients, {} attachments",
        dest.prop_list()?.len(),
        dest.recipients()?.len(),
        dest.attachment_numbers()?.len()
    );
    Ok(())
}

fn built_in() -> oxmsg::Result<()> {
    let project = NamedProp::string(PS_PUBLIC_STRINGS, "x-project");
    // The source, in one session.
    let s1 = Session::new();
    let src = s1.opener().create_in_memory()?;
    src.set(tags::SUBJECT, "Launch plan")?;
    src.add_recipient(RecipientType::To, "Bob Example", "bob@example.com")?;
    src.set_named_value(&project, PropValue::Unicode("apollo".into()))?;
    let att = src.create_attachment()?;
    att.set(tags::ATTACH_LONG_FILENAME, "plan.txt")?;
    att.write_data(&mut &b"T-10 and counting"[..])?;
    att.save_changes()?;
    drop(att);
    let src = s1.opener().reader(Cursor::new(src.to_bytes()?))?;

    // The destination, in another session, already maps another name.
    let s2 = Session::new();
    let dst = s2.opener().create_in_memory()?;
    dst.set_named_value(&NamedProp::string(PS_PUBLIC_STRINGS, "x-other"), PropValue::Long(1))?;
    let problems = src.copy_to(&dst, &CopyOptions::all())?;
    println!("copied with {} problem(s)", problems.len());

    println!(
        "x-project is 0x{:04X} in the source and 0x{:04X} in the copy: {:?}",
        src.ids_from_names(std::slice::from_ref(&project))?[0].id(),
        dst.ids_from_names(std::slice::from_ref(&project))?[0].id(),
        dst.get_named_value(&project, PropType::UNICODE)?
    );
    println!(
        "subject {:?}, {} recipient(s), attachment {:?}",
        dst.get(tags::SUBJECT)?,
        dst.recipients()?.len(),
        dst.open_attachment(dst.attachment_numbers()?[0])?.filename()?
    );

    // CopyProps: only the subject, and nothing the destination has already.
    let only = s2.opener().create_in_memory()?;
    only.set(tags::SUBJECT, "Kept")?;
    src.copy_to(
        &only,
        &CopyOptions::only([tags::SUBJECT.tag(), tags::BODY.tag()]).no_replace(),
    )?;
    println!("CopyProps with MAPI_NOREPLACE kept {:?}", only.get(tags::SUBJECT)?);
    Ok(())
}

fn main() -> oxmsg::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() >= 2 {
        with_files(&args)
    } else if args.is_empty() {
        built_in()
    } else {
        eprintln!("usage: copy [IN.msg OUT.msg [--only 0xTAG]... [--exclude 0xTAG]... [--no-replace]]");
        std::process::exit(2);
    }
}
