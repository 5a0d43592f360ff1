//! Reading states from a compound file (OpenIMsgOnIStg on an existing
//! storage): property streams, child storages, values on demand.

use std::borrow::Cow;
use std::io::Read;
use std::sync::Arc;

use crate::arena::Key;
use crate::compound::index::EntryId;
use crate::error::{Error, Result};
use crate::format::names;
use crate::format::propstream::{self, HeaderKind, MvElement};
use crate::options::{Limits, OpenOptions};
use crate::prop::{PropTag, PropType, PropValue};
use crate::warning::{Warning, WarningKind};

use super::backing::StoreView;
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

/// The properties of the object at `path`, and what its children are.
struct LoadedProps {
    props: PropBag,
    header: propstream::Header,
    origin: Origin,
    children: ChildScan,
}

/// What one pass over a storage's children finds, with no name formatted
/// or upper-cased: value streams and sub-storages by tag, recipient and
/// attachment storages by number.
#[derive(Default)]
struct ChildScan {
    /// The property stream: found, and its entry when the file is indexed.
    properties: Option<Option<EntryId>>,
    /// `(tag, entry)` of each `__substg1.0_TTTTTTTT` stream, sorted by tag
    /// (entry `None` unless indexed, or when two names give the same tag).
    streams: Vec<(u32, Option<EntryId>)>,
    /// Tags of the `__substg1.0_TTTTTTTT` storages, sorted.
    storages: Vec<u32>,
    recipients: Vec<u32>,
    attachments: Vec<u32>,
    /// The identity of the indexed file the entries belong to.
    indexed: Option<u64>,
}

impl ChildScan {
    fn add(&mut self, name: &str, is_stream: bool, id: Option<EntryId>) {
        if is_stream {
            if name.eq_ignore_ascii_case(names::PROPERTIES) {
                // Two property streams (names differing in case): found by path.
                self.properties = Some(if self.properties.is_some() { None } else { id });
            } else if let Some((tag, None)) = names::parse_value_stream(name) {
                self.streams.push((tag.0, id));
            }
        } else if let Some((tag, None)) = names::parse_value_stream(name) {
            self.storages.push(tag.0);
        } else if let Some(n) = names::child_number(name, names::RECIP_PREFIX) {
            self.recipients.push(n);
        } else if let Some(n) = names::child_number(name, names::ATTACH_PREFIX) {
            self.attachments.push(n);
        }
    }

    fn scan(store: &StoreView<'_, '_>, path: &str) -> std::io::Result<ChildScan> {
        let mut scan = ChildScan::default();
        match store.indexed() {
            Some((ix, _)) => {
                scan.indexed = Some(ix.identity());
                for (id, e) in ix.children_with_ids(path)? {
                    scan.add(e.name(), e.is_stream(), Some(id));
                }
            }
            None => {
                for c in store.children(path)? {
                    scan.add(&c.name, c.is_stream, None);
                }
            }
        }
        scan.finish();
        Ok(scan)
    }

    /// Sorts what [`ChildScan::add`] gathered, for lookups by tag.
    fn finish(&mut self) {
        self.streams.sort_unstable_by_key(|&(t, _)| t);
        // A tag named twice (names differing in case): present, but read
        // by path, which finds the entry `cfb` would.
        self.streams.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                kept.1 = None;
            }
            same
        });
        self.storages.sort_unstable();
    }

    fn has_stream(&self, tag: u32) -> bool {
        self.streams.binary_search_by_key(&tag, |&(t, _)| t).is_ok()
    }

    fn has_storage(&self, tag: u32) -> bool {
        self.storages.binary_search(&tag).is_ok()
    }

    /// The entries of the value streams, for reading values without a
    /// path lookup.
    fn located(&self) -> Option<Arc<Located>> {
        let file = self.indexed?;
        let streams: Vec<(u32, EntryId)> = self.streams.iter().filter_map(|&(t, id)| Some((t, id?))).collect();
        Some(Arc::new(Located { file, streams }))
    }
}

/// Reads stream `id` of the indexed file behind `store` when that file is
/// `file` (the identity the id was found in); `None` when there is no id or
/// another file is behind `store`: the stream is then read by path.
fn read_located<'v>(
    store: &'v StoreView<'_, '_>,
    file: Option<u64>,
    id: Option<EntryId>,
    path: impl Fn() -> String,
    max: u64,
    limit: &'static str,
) -> Result<Option<Cow<'v, [u8]>>> {
    let (Some(file), Some(id), Some((ix, bytes))) = (file, id, store.indexed()) else {
        return Ok(None);
    };
    if ix.identity() != file {
        return Ok(None);
    }
    let len = ix.stream_len(id).unwrap_or(0);
    if len > max {
        return Err(Error::LimitExceeded {
            limit,
            value: len,
            max,
            path: path(),
        });
    }
    ix.stream_by_id(bytes, id)
        .map(Some)
        .map_err(|e| Error::from_cfb(e, &path(), "reading stream"))
}

fn load_props(
    store: &mut StoreView<'_, '_>,
    file: Key<FileState>,
    path: &str,
    kind: HeaderKind,
    opts: &OpenOptions,
) -> Result<LoadedProps> {
    let limits = &opts.limits;
    let children = ChildScan::scan(store, path).map_err(|e| Error::from_cfb(e, path, "listing storage"))?;
    let prop_path = || names::join(path, names::PROPERTIES);
    let Some(props_id) = children.properties else {
        return Err(Error::corrupt(
            path,
            "no __properties_version1.0 stream: not a message object",
        ));
    };
    let located = read_located(
        store,
        children.indexed,
        props_id,
        prop_path,
        limits.max_property_stream_bytes,
        "max_property_stream_bytes",
    )?;
    let bytes = match located {
        Some(bytes) => bytes,
        None => Cow::Owned(read_stream(
            store,
            &prop_path(),
            limits.max_property_stream_bytes,
            "max_property_stream_bytes",
        )?),
    };
    let max_entries = (limits.max_property_stream_bytes / 16) as usize;
    let parsed = propstream::parse(&bytes, kind, max_entries).map_err(|d| Error::corrupt(prop_path(), d))?;
    drop(bytes);

    let mut warnings = Vec::new();
    let mut skipped = Vec::new();
    for w in parsed.warnings {
        opts.problem(&prop_path(), WarningKind::ReadPast, w, &mut warnings)?;
    }
    // A property that cannot be read: refused when strict, else left out and
    // reported (a save then needs the caller's consent).
    let mut skip = |detail: String, warnings: &mut Vec<Warning>| -> Result<()> {
        opts.problem(path, WarningKind::Skipped, detail.clone(), warnings)?;
        skipped.push(Warning::new(path, WarningKind::Skipped, detail));
        Ok(())
    };

    let mut props = PropBag::default();
    let mut source_tags = Vec::with_capacity(parsed.entries.len());
    for e in &parsed.entries {
        let tag = e.tag;
        let ptype = tag.prop_type();
        source_tags.push(tag);
        let val = if ptype.is_inline() {
            Val::Value(propstream::decode_inline(ptype, &e.value).expect("inline type"))
        } else if ptype == PropType::OBJECT {
            if children.has_storage(tag.0) {
                Val::StoredObject
            } else {
                skip(format!("entry {tag} has no sub-storage; left out"), &mut warnings)?;
                continue;
            }
        } else if children.has_stream(tag.0) {
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
                located: children.located(),
            }),
            source_tags,
            warnings,
            skipped,
            edited: false,
        },
        children,
    })
}

/// Sorted, deduplicated child numbers, within `max_children`.
fn child_numbers(mut nums: Vec<u32>, prefix: &str, path: &str, limits: &Limits) -> Result<Vec<u32>> {
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
    let mut lp = load_props(store, file, path, kind, opts)?;
    let recips = child_numbers(
        std::mem::take(&mut lp.children.recipients),
        names::RECIP_PREFIX,
        path,
        &opts.limits,
    )?;
    let attachments = child_numbers(
        std::mem::take(&mut lp.children.attachments),
        names::ATTACH_PREFIX,
        path,
        &opts.limits,
    )?
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

/// PR_ATTACH_DATA_OBJ, whose sub-storage holds an embedded message or an
/// OLE object.
const ATTACH_DATA_OBJ_TAG: u32 = 0x3701_000D;

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
    let obj = lp.children.has_storage(ATTACH_DATA_OBJ_TAG);
    // An embedded message: method 5 (ATTACH_EMBEDDED_MSG), or a data
    // storage that holds a property stream.
    let embedded = match obj {
        true if method == Some(5) => Some(EmbeddedSlot::Stored),
        true => {
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
        false => None,
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
    located: Option<&Located>,
    tag: PropTag,
    codepage: u32,
    limits: &Limits,
) -> Result<PropValue> {
    let ptype = tag.prop_type();
    let value_path = || names::join(obj_path, &names::value_stream(tag));
    if !propstream::is_mv_variable(ptype) {
        let file = located.map(|l| l.file);
        let id = located.and_then(|l| l.stream(tag.0));
        if let Some(bytes) = read_located(store, file, id, value_path, limits.max_value_bytes, "max_value_bytes")? {
            return decode_value(ptype, &bytes, codepage, limits, value_path);
        }
    }
    let path = value_path();
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
    decode_value(ptype, &bytes, codepage, limits, || path.clone())
}

/// Decodes the bytes of a (not multi-valued variable-length) value stream.
fn decode_value(
    ptype: PropType,
    bytes: &[u8],
    codepage: u32,
    limits: &Limits,
    path: impl Fn() -> String,
) -> Result<PropValue> {
    let v = propstream::decode_stream(ptype, bytes, codepage).map_err(|d| Error::corrupt(path(), d))?;
    let n = v.value_count() as u64;
    if ptype.is_multi() && n > limits.max_mv_values as u64 {
        return Err(Error::LimitExceeded {
            limit: "max_mv_values",
            value: n,
            max: limits.max_mv_values as u64,
            path: path(),
        });
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan_of(children: &[(&str, bool)]) -> ChildScan {
        let mut scan = ChildScan {
            indexed: Some(7),
            ..ChildScan::default()
        };
        for (i, (name, is_stream)) in children.iter().enumerate() {
            scan.add(name, *is_stream, Some(i as EntryId + 1));
        }
        scan.finish();
        scan
    }

    #[test]
    fn one_pass_finds_streams_storages_and_rows_case_insensitively() {
        let scan = scan_of(&[
            ("__properties_version1.0", true),
            ("__substg1.0_0037001f", true),
            ("__SUBSTG1.0_1000001F", true),
            ("__substg1.0_8003101F-00000000", true),
            ("__substg1.0_3701000D", false),
            ("__recip_version1.0_#0000000A", false),
            ("__attach_version1.0_#00000001", false),
            ("__substg1.0_3701000D", true),
            ("__recip_version1.0_#00000002", true),
        ]);
        assert_eq!(scan.properties, Some(Some(1)));
        // Element streams of multi-valued properties are not value streams.
        assert_eq!(
            scan.streams,
            vec![(0x0037_001F, Some(2)), (0x1000_001F, Some(3)), (0x3701_000D, Some(8))]
        );
        assert!(scan.has_storage(0x3701_000D) && scan.has_stream(0x3701_000D));
        assert_eq!(scan.recipients, vec![10], "a stream is not a recipient storage");
        assert_eq!(scan.attachments, vec![1]);
        let located = scan.located().unwrap();
        assert_eq!((located.file, located.stream(0x0037_001F)), (7, Some(2)));
    }

    #[test]
    fn entry_ids_are_used_only_with_the_file_they_were_found_in() {
        use crate::compound::indexed::IndexedFile;
        use std::io::{Cursor, Write};
        let mut cf = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
        cf.create_stream("/__substg1.0_0037001F")
            .unwrap()
            .write_all(b"h\0i\0")
            .unwrap();
        cf.flush().unwrap();
        let bytes = cf.into_inner().into_inner();
        let (mut first, _) = IndexedFile::parse(bytes.clone()).unwrap();
        let (mut second, _) = IndexedFile::parse(bytes).unwrap();
        let id = first.children_with_ids("/").unwrap().next().unwrap().0;
        let file = first.identity();
        let read = |ix: &mut IndexedFile| {
            let view = StoreView::new(ix, None);
            read_located(&view, Some(file), Some(id), || "/x".into(), 100, "max")
                .unwrap()
                .map(|b| b.into_owned())
        };
        assert_eq!(read(&mut first).as_deref(), Some(&b"h\0i\0"[..]));
        assert_eq!(read(&mut second), None, "another file: read by path instead");
        // A stream longer than the limit is refused, naming the path.
        let view = StoreView::new(&mut first, None);
        let err = read_located(&view, Some(file), Some(id), || "/x".into(), 3, "max").unwrap_err();
        assert!(err.to_string().contains("/x"), "{err}");
    }

    #[test]
    fn a_name_given_twice_is_present_but_read_by_path() {
        let scan = scan_of(&[
            ("__substg1.0_0037001F", true),
            ("__substg1.0_0037001f", true),
            ("__properties_version1.0", true),
            ("__PROPERTIES_VERSION1.0", true),
        ]);
        assert!(scan.has_stream(0x0037_001F));
        assert_eq!(scan.streams, vec![(0x0037_001F, None)]);
        assert_eq!(scan.properties, Some(None));
        assert_eq!(scan.located().unwrap().stream(0x0037_001F), None);
    }
}
