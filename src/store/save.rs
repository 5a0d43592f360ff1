//! Writing states into a compound file (SaveChanges): property streams,
//! value streams, child storages; untouched data is copied across without
//! being decoded.

use std::collections::{HashMap, HashSet};
use std::io::{self, Write};

use crate::error::{Error, Result};
use crate::format::names;
use crate::format::propstream::{self, Header, HeaderKind, RawEntry};
use crate::prop::{Guid, PropTag, PropType, PropValue, String8};

use super::backing::{CompoundStore, StoreView};
use super::engine::FileKey;
use super::state::*;

/// CLSID_MailMessage {00020D0B-0000-0000-C000-000000000046}, the class of a
/// .msg root storage and of embedded-message storages.
pub(crate) const CLSID_MAIL_MESSAGE: Guid = Guid::from_fields(0x0002_0D0B, 0, 0, [0xC0, 0, 0, 0, 0, 0, 0, 0x46]);

/// Writes states into `out`, reading untouched data from the message's own
/// compound file (`source`, leased for the save).
pub(crate) struct Writer<'a> {
    pub(crate) out: &'a mut dyn CompoundStore,
    pub(crate) source: Option<StoreView<'a, 'a>>,
    /// The file `source` is; a state from another file cannot be copied.
    pub(crate) source_file: FileKey,
    /// Whether strings are written as PT_UNICODE (else PT_STRING8 in `codepage`).
    pub(crate) unicode: bool,
    pub(crate) codepage: u32,
    /// Write characters the code page cannot hold as `?` instead of failing.
    pub(crate) lossy_ansi: bool,
    /// The children of source storages, by upper-cased name: the names as
    /// the source spells them (`#0000000a` stays lower-case).
    pub(crate) listings: HashMap<String, HashMap<String, String>>,
    /// Bytes of streams written so far (for PR_MESSAGE_SIZE and PR_ATTACH_SIZE).
    pub(crate) written: u64,
}

/// How an object's property stream is laid out, and whether its size
/// property (PR_MESSAGE_SIZE / PR_ATTACH_SIZE, from the bytes written
/// since the given count) is computed.
struct Layout<'a> {
    kind: HeaderKind,
    header: &'a Header,
    /// Child storages that are written apart (recipients, attachments).
    skip_prefixes: &'a [&'a str],
    size: Option<(PropTag, u64)>,
}

const NO_HEADER: Header = Header {
    next_recipient_id: 0,
    next_attachment_id: 0,
    recipient_count: 0,
    attachment_count: 0,
};

impl Layout<'static> {
    fn child(size: Option<(PropTag, u64)>) -> Layout<'static> {
        Layout {
            kind: HeaderKind::Child,
            header: &NO_HEADER,
            skip_prefixes: &[],
            size,
        }
    }
}

fn out_err(e: io::Error, path: &str) -> Error {
    Error::io(e, format!("writing {path}"))
}

impl<'a> Writer<'a> {
    fn source_store<'b>(
        source: &'b mut Option<StoreView<'a, 'a>>,
        source_file: FileKey,
        src: &Source,
    ) -> Result<&'b mut StoreView<'a, 'a>> {
        if src.file != source_file {
            return Err(Error::NoSupport {
                detail: format!("{} belongs to another file of the session", src.path),
            });
        }
        match source {
            Some(s) => Ok(s),
            None => Err(Error::ObjectDeleted {
                what: format!("the file behind {}", src.path),
            }),
        }
    }

    fn create_storage(&mut self, path: &str, clsid: Option<Guid>) -> Result<()> {
        self.out.create_storage(path).map_err(|e| out_err(e, path))?;
        if let Some(c) = clsid {
            self.out.set_clsid(path, c).map_err(|e| out_err(e, path))?;
        }
        Ok(())
    }

    fn write_stream(&mut self, path: &str, bytes: &[u8]) -> Result<()> {
        let mut w = self.out.create_stream(path).map_err(|e| out_err(e, path))?;
        w.write_all(bytes)
            .and_then(|_| w.flush())
            .map_err(|e| out_err(e, path))?;
        self.written += bytes.len() as u64;
        Ok(())
    }

    /// Copies one stream from a source file; returns its length.
    fn copy_stream(&mut self, src: &Source, from: &str, to: &str) -> Result<u64> {
        let store = Self::source_store(&mut self.source, self.source_file, src)?;
        let mut r = store
            .open_read(from)
            .map_err(|e| Error::from_cfb(e, from, "copying stream"))?;
        let mut w = self.out.create_stream(to).map_err(|e| out_err(e, to))?;
        let n = io::copy(&mut r, &mut w).map_err(|e| Error::from_cfb(e, from, "copying stream"))?;
        w.flush().map_err(|e| out_err(e, to))?;
        self.written += n;
        Ok(n)
    }

    /// Copies a storage and everything in it, CLSIDs and state bits included.
    pub(crate) fn copy_tree(&mut self, src: &Source, from: &str, to: &str) -> Result<()> {
        let store = Self::source_store(&mut self.source, self.source_file, src)?;
        let info = store
            .entry(from)
            .map_err(|e| Error::from_cfb(e, from, "copying storage"))?;
        let children = store
            .children(from)
            .map_err(|e| Error::from_cfb(e, from, "copying storage"))?;
        if to != "/" {
            self.create_storage(to, (info.clsid != Guid::default()).then_some(info.clsid))?;
        }
        if info.state_bits != 0 {
            self.out
                .set_state_bits(to, info.state_bits)
                .map_err(|e| out_err(e, to))?;
        }
        for c in children {
            let f = names::join(from, &c.name);
            let t = names::join(to, &c.name);
            if c.is_stream {
                self.copy_stream(src, &f, &t)?;
            } else {
                self.copy_tree(src, &f, &t)?;
            }
        }
        self.keep_times(to, &info)
    }

    /// Gives storage `to` the times its source had (after its children were
    /// written, which touches it).
    fn keep_times(&mut self, to: &str, info: &super::backing::EntryInfo) -> Result<()> {
        if to == "/" {
            return Ok(());
        }
        self.out
            .set_times(to, info.created, info.modified)
            .map_err(|e| out_err(e, to))
    }

    /// The name of entry `name` of the source storage `src` as the source
    /// spells it (compound-file names compare case-insensitively).
    fn source_name(&mut self, src: &Source, name: &str) -> Result<String> {
        if !self.listings.contains_key(&src.path) {
            let store = Self::source_store(&mut self.source, self.source_file, src)?;
            let listing = store
                .children(&src.path)
                .map_err(|e| Error::from_cfb(e, &src.path, "listing storage"))?
                .into_iter()
                .map(|c| (c.name.to_ascii_uppercase(), c.name))
                .collect();
            self.listings.insert(src.path.clone(), listing);
        }
        Ok(self.listings[&src.path]
            .get(&name.to_ascii_uppercase())
            .cloned()
            .unwrap_or_else(|| name.to_string()))
    }

    /// Gives the storage written at `to` for an object read from `origin`
    /// the times its source storage had.
    fn keep_source_times(&mut self, to: &str, origin: &Origin) -> Result<()> {
        let Some(src) = origin.source.clone() else {
            return Ok(());
        };
        let store = Self::source_store(&mut self.source, self.source_file, &src)?;
        let info = store
            .entry(&src.path)
            .map_err(|e| Error::from_cfb(e, &src.path, "reading storage"))?;
        self.keep_times(to, &info)
    }

    /// The name of child storage `name` of a message read from `origin`.
    fn child_name(&mut self, origin: &Origin, name: String) -> Result<String> {
        match origin.source.clone() {
            Some(src) => self.source_name(&src, &name),
            None => Ok(name),
        }
    }

    /// Writes a top-level or embedded message at `path` (the storage exists).
    pub(crate) fn write_message(&mut self, path: &str, st: &MessageState) -> Result<()> {
        let start = self.written;
        // Recipients.
        let mut recip_nums = Vec::new();
        match &st.recipients {
            Recipients::Stored(nums) => {
                let src = st.origin.stored_source(path, "the recipient table")?;
                for &n in nums {
                    let name = self.source_name(&src, &names::recipient_storage(n))?;
                    self.copy_tree(&src, &names::join(&src.path, &name), &names::join(path, &name))?;
                    recip_nums.push(n);
                }
            }
            Recipients::Loaded(rows) => {
                for r in rows {
                    let name = self.child_name(&st.origin, names::recipient_storage(r.num))?;
                    let rpath = names::join(path, &name);
                    self.create_storage(&rpath, None)?;
                    self.write_object(&rpath, &r.props, &r.origin, Layout::child(None))?;
                    self.keep_source_times(&rpath, &r.origin)?;
                    recip_nums.push(r.num);
                }
            }
        }
        // Attachments.
        for (&num, slot) in &st.attachments {
            let name = self.child_name(&st.origin, names::attachment_storage(num))?;
            let apath = names::join(path, &name);
            match slot {
                AttachSlot::Stored => {
                    let src = st.origin.stored_source(path, "an attachment")?;
                    self.copy_tree(&src, &names::join(&src.path, &name), &apath)?;
                }
                AttachSlot::Loaded(a) => self.write_attachment(&apath, a)?,
            }
        }
        let next =
            |stored: u32, nums: &mut dyn Iterator<Item = u32>| nums.map(|n| n.saturating_add(1)).fold(stored, u32::max);
        let header = Header {
            next_recipient_id: next(st.header.next_recipient_id, &mut recip_nums.iter().copied()),
            next_attachment_id: next(st.header.next_attachment_id, &mut st.attachments.keys().copied()),
            recipient_count: recip_nums.len() as u32,
            attachment_count: st.attachments.len() as u32,
        };
        let skip = [names::RECIP_PREFIX, names::ATTACH_PREFIX];
        let size = st.origin.refreshed_on_save().then_some((PropTag(0x0E08_0003), start));
        self.write_object(
            path,
            &st.props,
            &st.origin,
            Layout {
                kind: st.kind,
                header: &header,
                skip_prefixes: &skip,
                size,
            },
        )
    }

    fn write_attachment(&mut self, apath: &str, a: &AttachState) -> Result<()> {
        let start = self.written;
        self.create_storage(apath, None)?;
        let obj_path = names::join(apath, names::ATTACH_DATA_OBJ);
        let mut props = a.props.clone();
        match &a.embedded {
            Some(EmbeddedSlot::Loaded(m)) => {
                self.create_storage(&obj_path, Some(CLSID_MAIL_MESSAGE))?;
                self.write_message(&obj_path, m)?;
                self.keep_source_times(&obj_path, &m.origin)?;
            }
            Some(EmbeddedSlot::Stored) => {
                let src = a.origin.stored_source(apath, "an embedded message")?;
                self.copy_tree(&src, &names::join(&src.path, names::ATTACH_DATA_OBJ), &obj_path)?;
            }
            None => {}
        }
        if a.embedded.is_some() {
            // The PT_OBJECT entry of the storage just written.
            let tag = PropTag(0x3701_000D);
            let flags = props
                .find(tag)
                .map(|e| e.flags)
                .unwrap_or(crate::prop::PropAttr::DEFAULT.0);
            props.remove_id(0x3701);
            props.map.insert(
                tag.0,
                PropEntry {
                    tag,
                    flags,
                    val: Val::Value(PropValue::Object),
                },
            );
        }
        let size = a.origin.refreshed_on_save().then_some((PropTag(0x0E20_0003), start));
        self.write_object(apath, &props, &a.origin, Layout::child(size))?;
        self.keep_source_times(apath, &a.origin)
    }

    /// Writes an object's value streams and property stream, then copies
    /// what else its source storage held that oxmsg does not manage.
    fn write_object(&mut self, path: &str, props: &PropBag, origin: &Origin, layout: Layout<'_>) -> Result<()> {
        let Layout {
            kind,
            header,
            skip_prefixes,
            size,
        } = layout;
        let mut entries = Vec::with_capacity(props.map.len() + 1);
        for e in props.map.values() {
            if let Some(raw) = self.write_value(path, e, origin)? {
                entries.push(raw);
            }
        }
        // PR_MESSAGE_SIZE / PR_ATTACH_SIZE: the bytes written for the
        // object (its values, its children) and its property stream.
        if let Some((tag, start)) = size {
            let flags = props
                .find(tag)
                .map(|e| e.flags)
                .unwrap_or(crate::prop::PropAttr::DEFAULT.0);
            entries.retain(|e| e.tag.id() != tag.id());
            let stream = 32 + 16 * (entries.len() as u64 + 1);
            let n = (self.written - start + stream).min(i32::MAX as u64) as u32;
            let mut value = [0u8; 8];
            value[..4].copy_from_slice(&n.to_le_bytes());
            entries.push(RawEntry { tag, flags, value });
        }
        entries.sort_by_key(|e| e.tag.0);
        let bytes = propstream::write(kind, header, &entries);
        self.write_stream(&names::join(path, names::PROPERTIES), &bytes)?;

        // Foreign entries: whatever the source storage held that is not ours.
        let Some(src) = origin.source.clone() else {
            return Ok(());
        };
        let ours: HashSet<u32> = origin
            .source_tags
            .iter()
            .chain(props.map.values().map(|e| &e.tag))
            .map(|t| t.0)
            .collect();
        let store = Self::source_store(&mut self.source, self.source_file, &src)?;
        let children = store
            .children(&src.path)
            .map_err(|e| Error::from_cfb(e, &src.path, "listing storage"))?;
        for c in children {
            let upper = c.name.to_ascii_uppercase();
            if upper == names::PROPERTIES.to_ascii_uppercase()
                || (kind == HeaderKind::TopLevel && upper == names::NAMEID.to_ascii_uppercase())
                || skip_prefixes.iter().any(|p| names::child_number(&c.name, p).is_some())
            {
                continue;
            }
            if let Some((tag, _)) = names::parse_value_stream(&c.name) {
                if ours.contains(&tag.0) {
                    continue;
                }
            }
            let from = names::join(&src.path, &c.name);
            let to = names::join(path, &c.name);
            if c.is_stream {
                self.copy_stream(&src, &from, &to)?;
            } else {
                self.copy_tree(&src, &from, &to)?;
            }
        }
        Ok(())
    }

    /// Writes one property's streams; returns its entry, or `None` when the
    /// property is not written (empty strings and empty multi-valued
    /// values, which Outlook refuses, MS-OXMSG 2.4.2.2).
    fn write_value(&mut self, path: &str, e: &PropEntry, origin: &Origin) -> Result<Option<RawEntry>> {
        let mut tag = e.tag;
        let entry = |tag: PropTag, value: [u8; 8]| RawEntry {
            tag,
            flags: e.flags,
            value,
        };
        let sized = |tag: PropTag, len: u64| {
            let mut v = [0u8; 8];
            v[..4].copy_from_slice(&propstream::size_field(tag.prop_type(), len).to_le_bytes());
            entry(tag, v)
        };
        match &e.val {
            Val::RawInline(raw) => Ok(Some(entry(tag, *raw))),
            Val::Storage(image) => {
                self.write_image(&names::join(path, &names::value_stream(tag)), image)?;
                Ok(Some(sized(tag, 0)))
            }
            Val::Value(PropValue::Object) | Val::StoredObject => {
                if matches!(e.val, Val::StoredObject) {
                    let src = origin.stored_source(path, "an object")?;
                    let name = self.source_name(&src, &names::value_stream(tag))?;
                    self.copy_tree(&src, &names::join(&src.path, &name), &names::join(path, &name))?;
                }
                Ok(Some(sized(tag, 0)))
            }
            Val::Value(v) => {
                let v = self.for_file(tag, v)?;
                tag = tag.with_type(v.prop_type());
                if let Some(raw) = propstream::encode_inline(&v) {
                    return Ok(Some(entry(tag, raw)));
                }
                if v.prop_type().is_multi() && v.value_count() == 0 {
                    return Ok(None);
                }
                if let Some((lengths, elements)) = propstream::encode_mv_variable(&v) {
                    for (i, el) in elements.iter().enumerate() {
                        self.write_stream(&names::join(path, &names::mv_element_stream(tag, i as u32)), el)?;
                    }
                    self.write_stream(&names::join(path, &names::value_stream(tag)), &lengths)?;
                    return Ok(Some(sized(tag, lengths.len() as u64)));
                }
                let bytes = propstream::encode_stream(&v).expect("stream-stored value");
                if bytes.is_empty() && tag.prop_type().is_string() {
                    return Ok(None);
                }
                self.write_stream(&names::join(path, &names::value_stream(tag)), &bytes)?;
                Ok(Some(sized(tag, bytes.len() as u64)))
            }
            Val::Stored => {
                let src = origin.stored_source(path, "a value")?;
                let name = self.source_name(&src, &names::value_stream(tag))?;
                let n = self.copy_stream(&src, &names::join(&src.path, &name), &names::join(path, &name))?;
                Ok(Some(sized(tag, n)))
            }
            Val::StoredMv => {
                let src = origin.stored_source(path, "a value")?;
                let name = self.source_name(&src, &names::value_stream(tag))?;
                let from = names::join(&src.path, &name);
                let n = self.copy_stream(&src, &from, &names::join(path, &name))?;
                let step = if tag.prop_type() == PropType::MV_BINARY { 8 } else { 4 };
                for i in 0..(n / step) as u32 {
                    let el = self.source_name(&src, &names::mv_element_stream(tag, i))?;
                    let from_el = names::join(&src.path, &el);
                    let exists = Self::source_store(&mut self.source, self.source_file, &src)?
                        .entry(&from_el)
                        .is_ok();
                    if exists {
                        self.copy_stream(&src, &from_el, &names::join(path, &el))?;
                    }
                }
                Ok(Some(sized(tag, n)))
            }
            Val::Spilled(s) => {
                let p = names::join(path, &names::value_stream(tag));
                let mut w = self.out.create_stream(&p).map_err(|e| out_err(e, &p))?;
                let n = s
                    .copy_to(&mut w)
                    .and_then(|n| w.flush().map(|_| n))
                    .map_err(|e| out_err(e, &p))?;
                self.written += n;
                if n == 0 && tag.prop_type().is_string() {
                    drop(w);
                    self.out.remove(&p).map_err(|e| out_err(e, &p))?;
                    return Ok(None);
                }
                Ok(Some(sized(tag, n)))
            }
        }
    }

    /// Strings in the file's form: PT_UNICODE values of an ANSI file are
    /// encoded with its code page. A character the code page cannot hold is
    /// an error naming the property, unless lossy writing was chosen (then
    /// it becomes `?`, as `WideCharToMultiByte` does).
    fn for_file(&self, tag: PropTag, v: &PropValue) -> Result<PropValue> {
        if self.unicode {
            return Ok(v.clone());
        }
        let enc = |s: &str| -> Result<String8> {
            let (bytes, lossy) = crate::format::codepage::encode(s, self.codepage).ok_or(Error::UnknownCodepage {
                codepage: self.codepage,
            })?;
            if lossy && !self.lossy_ansi {
                return Err(Error::BadValue {
                    tag,
                    detail: format!(
                        "code page {} of this ANSI message cannot hold every character of the value",
                        self.codepage
                    ),
                    scode: crate::error::scode::MAPI_E_BAD_CHARWIDTH,
                });
            }
            Ok(String8 {
                bytes,
                codepage: self.codepage,
            })
        };
        Ok(match v {
            PropValue::Unicode(s) => PropValue::String8(enc(s)?),
            PropValue::MvUnicode(v) => PropValue::MvString8(v.iter().map(|s| enc(s)).collect::<Result<_>>()?),
            other => other.clone(),
        })
    }
}
