//! CopyTo of every readable corpus file into a new message, saved and
//! reopened: the same properties (named ones compared by name, strings as
//! text since an ANSI original becomes Unicode), recipients and attachments
//! (data, embedded messages, OLE storages) as the original; the computed
//! properties are those of the new message (MAPI digest, "computed
//! properties": PR_HASATTACH from the attachments, PR_DISPLAY_TO/CC from
//! the recipients, PR_OBJECT_TYPE 5).

mod common;

use std::collections::HashMap;
use std::io::Cursor;

use common::*;
use oxmsg::{tags, Access, CopyOptions, Message, NamedProp, PropTag, PropType, PropValue, Session};

/// Ids a copy does not carry: computed by the destination, or describing
/// its own file.
const NOT_COPIED: &[u16] = &[
    0x0E21, 0x3000, 0x0E12, 0x0E13, 0x0E1B, 0x0E04, 0x0E03, 0x0E02, 0x0E08, 0x0E20, 0x0FFE, 0x340D, 0x340F,
];

/// A value in a form both files share: strings as text.
fn norm(v: PropValue) -> PropValue {
    match v {
        PropValue::String8(s) => PropValue::Unicode(s.to_string_lossy()),
        PropValue::MvString8(v) => PropValue::MvUnicode(v.iter().map(|s| s.to_string_lossy()).collect()),
        v => v,
    }
}

/// Every property as (key, value): ids below 0x8000 by tag id, named ones
/// by name; PT_OBJECT and what a copy does not carry are left out.
fn props_of(
    list: Vec<(PropTag, PropValue)>,
    names: &HashMap<u16, NamedProp>,
    extra_skip: &[u16],
) -> Vec<(String, PropValue)> {
    let mut out: Vec<(String, PropValue)> = list
        .into_iter()
        .filter(|(t, v)| {
            t.prop_type() != PropType::OBJECT && !NOT_COPIED.contains(&t.id()) && !extra_skip.contains(&t.id())
                // MS-OXMSG 2.4.2.2: an empty string is not written (the
                // corpus's writers wrote some; oxmsg's writer leaves them out).
                && !matches!(norm(v.clone()), PropValue::Unicode(s) if s.is_empty())
        })
        .map(|(t, v)| {
            // PT_STRING8 of an ANSI original is PT_UNICODE in the copy.
            let base = match t.prop_type().base() {
                PropType::STRING8 => PropType::UNICODE,
                b => b,
            };
            // MSGFLAG_HASATTACH follows the copy's attachments.
            let v = match (t.id(), v) {
                (0x0E07, PropValue::Long(f)) => PropValue::Long(f & !0x10),
                (_, v) => v,
            };
            let key = if t.id() >= 0x8000 {
                match names.get(&t.id()) {
                    // PS_INTERNET_HEADERS names are case-insensitive
                    // (MS-OXCPRPT 3.1.5.2): oxmsg's GetIDsFromNames folds
                    // them, so the copy may spell them in lower case.
                    Some(n) if n.to_string().starts_with("{00020386-") => {
                        format!("{}/{:?}", n.to_string().to_lowercase(), base)
                    }
                    Some(n) => format!("{n}/{:?}", base),
                    None => format!("unnamed 0x{:04X}", t.id()),
                }
            } else {
                format!("0x{:04X}/{:?}", t.id(), base)
            };
            (key, norm(v))
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// The properties a new message and a new attachment have before anything
/// is copied into them (a copy adds to them; it does not clear them).
fn fresh_ids() -> Vec<String> {
    let s = Session::new();
    let m = s.opener().create_in_memory().unwrap();
    let a = m.create_attachment().unwrap();
    let none = HashMap::new();
    props_of(m.props().unwrap(), &none, &[])
        .into_iter()
        .chain(props_of(a.props().unwrap(), &none, &[]))
        .map(|(k, _)| k)
        .collect()
}

thread_local! {
    static FRESH: Vec<String> = fresh_ids();
}

fn compare_props(what: &str, a: &[(String, PropValue)], b: &[(String, PropValue)], bad: &mut Vec<String>) {
    let am: HashMap<_, _> = a.iter().map(|(k, v)| (k, v)).collect();
    let bm: HashMap<_, _> = b.iter().map(|(k, v)| (k, v)).collect();
    for (k, v) in &am {
        match bm.get(k) {
            // Left out with a MAPI_E_NOT_FOUND problem (checked by the caller).
            None if k.starts_with("unnamed ") => {}
            None => bad.push(format!("{what}: {k} lost")),
            Some(w) if !value_eq(v, w) => bad.push(format!("{what}: {k}: {} -> {}", short(v), short(w))),
            _ => {}
        }
    }
    for k in bm.keys() {
        if !am.contains_key(k) && !FRESH.with(|f| f.contains(k)) && !k.starts_with("unnamed ") {
            bad.push(format!("{what}: {k} appeared"));
        }
    }
}

/// Whether the source's map names `id` (then a copy must carry it).
fn na_has<A: Access>(m: &Message<'_, A>, id: u16) -> bool {
    names_of(m).contains_key(&id)
}

fn names_of<A: Access>(m: &Message<'_, A>) -> HashMap<u16, NamedProp> {
    m.named_props().unwrap_or_default().into_iter().collect()
}

fn compare_message<A: Access, B: Access>(
    what: &str,
    a: &Message<'_, A>,
    b: &Message<'_, B>,
    names_a: &HashMap<u16, NamedProp>,
    names_b: &HashMap<u16, NamedProp>,
    bad: &mut Vec<String>,
) -> oxmsg::Result<()> {
    compare_props(
        what,
        &props_of(a.props()?, names_a, &[]),
        &props_of(b.props()?, names_b, &[]),
        bad,
    );
    let ra = a.recipients()?;
    let rb = b.recipients()?;
    if ra.len() != rb.len() {
        bad.push(format!("{what}: {} recipients -> {}", ra.len(), rb.len()));
    } else {
        for (i, (x, y)) in ra.iter().zip(&rb).enumerate() {
            compare_props(
                &format!("{what} recipient {i}"),
                &props_of(x.props().to_vec(), names_a, &[]),
                &props_of(y.props().to_vec(), names_b, &[]),
                bad,
            );
        }
    }
    // Computed for the copy, from what it holds.
    let n = b.attachment_numbers()?.len();
    if b.get(tags::HASATTACH)? != Some(n > 0) {
        bad.push(format!(
            "{what}: PR_HASATTACH {:?} with {n} attachments",
            b.get(tags::HASATTACH)?
        ));
    }
    let to: Vec<String> = rb
        .iter()
        .filter(|r| r.get(tags::RECIPIENT_TYPE).map(|t| t.value() & 0xF) == Some(1))
        .filter_map(|r| r.display_name())
        .collect();
    if b.get(tags::DISPLAY_TO)?.unwrap_or_default() != to.join("; ") {
        bad.push(format!(
            "{what}: PR_DISPLAY_TO {:?} for {to:?}",
            b.get(tags::DISPLAY_TO)?
        ));
    }
    if b.get(tags::OBJECT_TYPE)? != Some(5) {
        bad.push(format!("{what}: PR_OBJECT_TYPE {:?}", b.get(tags::OBJECT_TYPE)?));
    }
    let aa = a.attachments()?;
    let ab = b.attachments()?;
    if aa.len() != ab.len() {
        bad.push(format!("{what}: {} attachments -> {}", aa.len(), ab.len()));
        return Ok(());
    }
    for (x, y) in aa.iter().zip(&ab) {
        let at = format!("{what} attachment #{}", x.num());
        compare_props(
            &at,
            &props_of(x.props()?, names_a, &[]),
            &props_of(y.props()?, names_b, &[]),
            bad,
        );
        if x.is_embedded() != y.is_embedded() {
            bad.push(format!("{at}: embedded {} -> {}", x.is_embedded(), y.is_embedded()));
        } else if x.is_embedded() {
            compare_message(
                &format!("{at}/embedded"),
                &x.open_embedded()?,
                &y.open_embedded()?,
                names_a,
                names_b,
                bad,
            )?;
        }
        if x.ole_clsid()? != y.ole_clsid()? {
            bad.push(format!("{at}: OLE CLSID {:?} -> {:?}", x.ole_clsid()?, y.ole_clsid()?));
        }
    }
    Ok(())
}

#[test]
fn copy_to_of_every_corpus_file_keeps_properties_recipients_and_attachments() {
    let dir = corpus_or_skip!();
    let mut checked = 0;
    let mut failures = Vec::new();
    for rec in records(&dir) {
        if rec.is_broken() {
            continue;
        }
        let s = Session::new();
        let Ok(orig) = s.opener().path(&rec.msg) else { continue };
        if !orig.warnings().is_empty() {
            // Read past damage: the original itself is not whole.
            continue;
        }
        let dst = s.opener().create_in_memory().unwrap();
        let problems = match orig.copy_to(&dst, &CopyOptions::all()) {
            Ok(p) => p,
            Err(e) => {
                failures.push(format!("{}: copy failed: {e}", rec.name));
                continue;
            }
        };
        // The one problem the digest names for a copy between files: a named
        // id the source's map cannot name is left out (MAPI_E_NOT_FOUND).
        let unnamed: Vec<u16> = problems
            .iter()
            .filter(|p| p.scode == oxmsg::scode::MAPI_E_NOT_FOUND && p.tag.id() >= 0x8000)
            .map(|p| p.tag.id())
            .collect();
        if problems.len() != unnamed.len() || unnamed.iter().any(|id| na_has(&orig, *id)) {
            failures.push(format!("{}: problems {problems:?}", rec.name));
            continue;
        }
        let bytes = dst.to_bytes().unwrap();
        drop(dst);
        let back = s.opener().reader(Cursor::new(bytes)).unwrap();
        let mut bad = Vec::new();
        let (na, nb) = (names_of(&orig), names_of(&back));
        if let Err(e) = compare_message("/", &orig, &back, &na, &nb, &mut bad) {
            bad.push(format!("reading: {e}"));
        }
        if !bad.is_empty() {
            failures.push(format!("{}: {}", rec.name, bad.join("; ")));
        }
        checked += 1;
    }
    eprintln!("copy_to round trip: {checked} corpus files checked");
    assert!(checked > 50, "only {checked} corpus files were checked");
    assert!(
        failures.is_empty(),
        "{} file(s) differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
