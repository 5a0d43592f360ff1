//! Reading states from a compound file (OpenIMsgOnIStg on an existing
//! storage): property streams, child storages, values on demand.

use std::collections::HashSet;
use std::io::Read;

use crate::arena::Key;
use crate::error::{Error, Result};
use crate::format::names;
use crate::format::propstream::{self, HeaderKind, MvElement};
use crate::options::{Limits, OpenOptions};
use crate::prop::{PropTag, PropType, PropValue};
use crate::warning::{Warning, WarningKind};

use super::backing::{EntryInfo, StoreView};
use super::state::*;
use super::FileState;

/// Reads at most `max` bytes of a stream; a longer stream is a limit error.
pub(crate) fn read_stream(store: &mut StoreView<'_, '_>, path: &str, max: u64, limit: &'static str) -> Result<Vec<u8>> {
    let mut s = store
        .open_read(path)
        .map_err(|e| Error::from_cfb(e, path, "opening stream"))?;
    let len = s
        .seek(std::io::SeekFrom::End(0))
        .and_then(|l| s.rewind().map(|_| l))
        .map_err(|e| Error::from_cfb(e, path, "reading stream"))?;
    if len > max {
        return Err(Error::LimitExceeded {
            limit,
            value: len,
            max,
            path: path.to_string(),
        });
    }
    // The declared length comes from the file: grow as bytes arrive rather
    // than trusting it for one allocation.
    let mut buf = Vec::with_capacity(len.min(1 << 20) as usize);
    s.take(max)
        .read_to_end(&mut buf)
        .map_err(|e| Error::from_cfb(e, path, "reading stream"))?;
    Ok(buf)
}

/// The properties of the object at `path`, and the names of its children.
struct LoadedProps {
    props: PropBag,
    header: propstream::Header,
    origin: Origin,
    children: Vec<EntryInfo>,
}

fn load_props(
    store: &mut StoreView<'_, '_>,
    file: Key<FileState>,
    path: &str,
    kind: HeaderKind,
    opts: &OpenOptions,
) -> Result<LoadedProps> {
    let limits = &opts.limits;
    let children = store
        .children(path)
        .map_err(|e| Error::from_cfb(e, path, "listing storage"))?;
    let prop_path = names::join(path, names::PROPERTIES);
    if !children
        .iter()
        .any(|c| c.is_stream && c.name.eq_ignore_ascii_case(names::PROPERTIES))
    {
        return Err(Error::corrupt(
            path,
            "no __properties_version1.0 stream: not a message object",
        ));
    }
    let bytes = read_stream(
        store,
        &prop_path,
        limits.max_property_stream_bytes,
        "max_property_stream_bytes",
    )?;
    let max_entries = (limits.max_property_stream_bytes / 16) as usize;
    let parsed = propstream::parse(&bytes, kind, max_entries).map_err(|d| Error::corrupt(&prop_path, d))?;

    let mut warnings = Vec::new();
    let mut skipped = Vec::new();
    for w in parsed.warnings {
        opts.problem(&prop_path, WarningKind::ReadPast, w, &mut warnings)?;
    }
    // A property that cannot be read: refused when strict, else left out and
    // reported (a save then needs the caller's consent).
    let mut skip = |detail: String, warnings: &mut Vec<Warning>| -> Result<()> {
        opts.problem(path, WarningKind::Skipped, detail.clone(), warnings)?;
        skipped.push(Warning::new(path, WarningKind::Skipped, detail));
        Ok(())
    };
    // Streams and storages present, by upper-cased name (compound-file names
    // compare case-insensitively).
    let streams: HashSet<String> = children
        .iter()
        .filter(|c| c.is_stream)
        .map(|c| c.name.to_ascii_uppercase())
        .collect();
    let storages: HashSet<String> = children
        .iter()
        .filter(|c| !c.is_stream)
        .map(|c| c.name.to_ascii_uppercase())
        .collect();

    let mut props = PropBag::default();
    let mut source_tags = Vec::with_capacity(parsed.entries.len());
    for e in &parsed.entries {
        let tag = e.tag;
        let ptype = tag.prop_type();
        source_tags.push(tag);
        let stream_name = names::value_stream(tag).to_ascii_uppercase();
        let val = if ptype.is_inline() {
            Val::Value(propstream::decode_inline(ptype, &e.value).expect("inline type"))
        } else if ptype == PropType::OBJECT {
            if storages.contains(&stream_name) {
                Val::StoredObject
            } else {
                skip(format!("entry {tag} has no sub-storage; left out"), &mut warnings)?;
                continue;
            }
        } else if streams.contains(&stream_name) {
            if propstream::is_mv_variable(ptype) {
                Val::StoredMv
            } else {
                Val::Stored
            }
        } else if ptype.name().is_none() || ptype == PropType::NULL || ptype == PropType::UNSPECIFIED {
            Val::RawInline(e.value)
        } else {
            skip(format!("entry {tag} has no value stream; left out"), &mut warnings)?;
            continue;
        };
        if props.map.contains_key(&tag.0) {
            skip(
                format!("entry {tag} appears twice; the second is left out"),
                &mut warnings,
            )?;
            continue;
        }
        props.map.insert(
            tag.0,
            PropEntry {
                tag,
                flags: e.flags,
                val,
            },
        );
    }
    Ok(LoadedProps {
        props,
        header: parsed.header,
        origin: Origin {
            source: Some(Source {
                file,
                path: path.to_string(),
            }),
            source_tags,
            warnings,
            skipped,
            edited: false,
        },
        children,
    })
}

fn child_numbers(children: &[EntryInfo], prefix: &str, path: &str, limits: &Limits) -> Result<Vec<u32>> {
    let mut nums: Vec<u32> = children
        .iter()
        .filter(|c| !c.is_stream)
        .filter_map(|c| names::child_number(&c.name, prefix))
        .collect();
    if nums.len() as u64 > limits.max_children as u64 {
        return Err(Error::LimitExceeded {
            limit: "max_children",
            value: nums.len() as u64,
            max: limits.max_children as u64,
            path: format!("{path} ({prefix}…)"),
        });
    }
    nums.sort_unstable();
    nums.dedup();
    Ok(nums)
}

/// Reads a message (top-level or embedded) at `path`: its property stream
/// and the numbers of its recipients and attachments. Nothing else is read.
pub(crate) fn load_message(
    store: &mut StoreView<'_, '_>,
    file: Key<FileState>,
    path: &str,
    kind: HeaderKind,
    opts: &OpenOptions,
) -> Result<MessageState> {
    let lp = load_props(store, file, path, kind, opts)?;
    let recips = child_numbers(&lp.children, names::RECIP_PREFIX, path, &opts.limits)?;
    let attachments = child_numbers(&lp.children, names::ATTACH_PREFIX, path, &opts.limits)?
        .into_iter()
        .map(|n| (n, AttachSlot::Stored))
        .collect();
    Ok(MessageState {
        kind,
        origin: lp.origin,
        props: lp.props,
        header: lp.header,
        recipients: Recipients::Stored(recips),
        attachments,
        changed: Default::default(),
    })
}

/// Reads recipient `num` of the message at `msg_path`.
pub(crate) fn load_recipient(
    store: &mut StoreView<'_, '_>,
    file: Key<FileState>,
    msg_path: &str,
    num: u32,
    opts: &OpenOptions,
) -> Result<RecipientState> {
    let path = names::join(msg_path, &names::recipient_storage(num));
    let lp = load_props(store, file, &path, HeaderKind::Child, opts)?;
    Ok(RecipientState {
        num,
        origin: lp.origin,
        props: lp.props,
    })
}

/// Reads attachment `num` of the message at `msg_path`.
pub(crate) fn load_attachment(
    store: &mut StoreView<'_, '_>,
    file: Key<FileState>,
    msg_path: &str,
    num: u32,
    opts: &OpenOptions,
) -> Result<AttachState> {
    let path = names::join(msg_path, &names::attachment_storage(num));
    let lp = load_props(store, file, &path, HeaderKind::Child, opts)?;
    let method = lp.props.long(0x3705);
    let obj = lp
        .children
        .iter()
        .find(|c| !c.is_stream && c.name.eq_ignore_ascii_case(names::ATTACH_DATA_OBJ));
    // An embedded message: method 5 (ATTACH_EMBEDDED_MSG), or a data
    // storage that holds a property stream.
    let embedded = match obj {
        Some(_) if method == Some(5) => Some(EmbeddedSlot::Stored),
        Some(_) => {
            let sub = names::join(&path, names::ATTACH_DATA_OBJ);
            let has_props = store
                .children(&sub)
                .map(|c| {
                    c.iter()
                        .any(|e| e.is_stream && e.name.eq_ignore_ascii_case(names::PROPERTIES))
                })
                .unwrap_or(false);
            has_props.then_some(EmbeddedSlot::Stored)
        }
        None => None,
    };
    Ok(AttachState {
        num,
        origin: lp.origin,
        props: lp.props,
        embedded,
    })
}

/// Reads a stream-backed value into memory and decodes it.
pub(crate) fn read_value(
    store: &mut StoreView<'_, '_>,
    obj_path: &str,
    tag: PropTag,
    codepage: u32,
    limits: &Limits,
) -> Result<PropValue> {
    let ptype = tag.prop_type();
    let path = names::join(obj_path, &names::value_stream(tag));
    if propstream::is_mv_variable(ptype) {
        let lengths = read_stream(store, &path, limits.max_value_bytes, "max_value_bytes")?;
        let lengths = propstream::parse_mv_lengths(ptype, &lengths).map_err(|d| Error::corrupt(&path, d))?;
        if lengths.len() as u64 > limits.max_mv_values as u64 {
            return Err(Error::LimitExceeded {
                limit: "max_mv_values",
                value: lengths.len() as u64,
                max: limits.max_mv_values as u64,
                path,
            });
        }
        let mut total = 0u64;
        let mut s8 = Vec::new();
        let mut uni = Vec::new();
        let mut bin = Vec::new();
        for i in 0..lengths.len() as u32 {
            let epath = names::join(obj_path, &names::mv_element_stream(tag, i));
            let bytes = read_stream(store, &epath, limits.max_value_bytes - total, "max_value_bytes")?;
            total += bytes.len() as u64;
            match propstream::decode_mv_element(ptype, &bytes, codepage) {
                MvElement::String8(s) => s8.push(s),
                MvElement::Unicode(s) => uni.push(s),
                MvElement::Binary(b) => bin.push(b),
            }
        }
        return Ok(match ptype {
            PropType::MV_STRING8 => PropValue::MvString8(s8),
            PropType::MV_UNICODE => PropValue::MvUnicode(uni),
            _ => PropValue::MvBinary(bin),
        });
    }
    let bytes = read_stream(store, &path, limits.max_value_bytes, "max_value_bytes")?;
    let v = propstream::decode_stream(ptype, &bytes, codepage).map_err(|d| Error::corrupt(&path, d))?;
    let n = v.value_count() as u64;
    if ptype.is_multi() && n > limits.max_mv_values as u64 {
        return Err(Error::LimitExceeded {
            limit: "max_mv_values",
            value: n,
            max: limits.max_mv_values as u64,
            path,
        });
    }
    Ok(v)
}
