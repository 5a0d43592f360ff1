//! The in-memory state of messages, attachments and recipients.
//!
//! States are plain values: opening a child clones its state out of the
//! parent's, saving the child writes it back (MAPI's nested transactions).
//! Values not yet read stay in the source compound file (`Val::Stored*`).

use std::collections::BTreeMap;
use std::io::{self, Read, Seek, Write};
use std::sync::Arc;

use crate::arena::Key;
use crate::format::propstream::{Header, HeaderKind};
use crate::prop::{PropAttr, PropTag, PropType, PropValue};

use super::FileState;

/// Where an object's unread values are: a storage of a file of the session.
#[derive(Clone, Debug)]
pub(crate) struct Source {
    pub(crate) file: Key<FileState>,
    /// The storage path of the object (`/` for a top-level message).
    pub(crate) path: String,
    /// The entries of the object's value streams, when the file was read
    /// through oxmsg's index: a value is then read without a path lookup.
    pub(crate) located: Option<Arc<Located>>,
}

/// The value streams of one storage of an indexed file, found while listing
/// the storage (stream names resolved once per object).
#[derive(Debug)]
pub(crate) struct Located {
    /// [`IndexedFile::identity`](crate::compound::indexed::IndexedFile::identity)
    /// of the file the ids belong to.
    pub(crate) file: u64,
    /// `(tag, entry)` of each `__substg1.0_TTTTTTTT` stream, by tag; a tag
    /// named twice (names differing in case) is left out and found by path.
    pub(crate) streams: Vec<(u32, crate::compound::index::EntryId)>,
}

impl Located {
    /// The entry of the value stream of `tag` in file [`Located::file`].
    pub(crate) fn stream(&self, tag: u32) -> Option<crate::compound::index::EntryId> {
        let i = self.streams.binary_search_by_key(&tag, |&(t, _)| t).ok()?;
        self.streams.get(i).map(|&(_, id)| id)
    }
}

/// Bytes written through a property stream, in memory or in a temporary
/// file once they grow past [`Spill::MEMORY_MAX`].
#[derive(Debug)]
pub(crate) enum Spill {
    Memory(Vec<u8>),
    File { file: tempfile::NamedTempFile, len: u64 },
}

impl Spill {
    /// Above this many bytes, written values go to a temporary file.
    pub(crate) const MEMORY_MAX: usize = 1 << 20;

    /// A fresh reader over the bytes.
    pub(crate) fn reader(&self) -> io::Result<Box<dyn super::backing::ReadSeek>> {
        match self {
            Spill::Memory(v) => Ok(Box::new(io::Cursor::new(v.clone()))),
            Spill::File { file, .. } => {
                let mut f = file.reopen()?;
                f.rewind()?;
                Ok(Box::new(f))
            }
        }
    }

    /// Copies the bytes to `out`.
    pub(crate) fn copy_to(&self, out: &mut dyn Write) -> io::Result<u64> {
        match self {
            Spill::Memory(v) => {
                out.write_all(v)?;
                Ok(v.len() as u64)
            }
            Spill::File { file, .. } => {
                let mut f = file.reopen()?;
                f.rewind()?;
                io::copy(&mut f, out)
            }
        }
    }

    /// Reads the bytes into memory.
    pub(crate) fn to_vec(&self) -> io::Result<Vec<u8>> {
        match self {
            Spill::Memory(v) => Ok(v.clone()),
            Spill::File { file, len } => {
                let mut f = file.reopen()?;
                f.rewind()?;
                let mut v = Vec::with_capacity(*len as usize);
                f.read_to_end(&mut v)?;
                Ok(v)
            }
        }
    }
}

/// A property's value in a state.
#[derive(Clone, Debug)]
pub(crate) enum Val {
    /// In memory: read from the property stream, or set.
    Value(PropValue),
    /// The raw 8-byte value field of an entry whose type oxmsg does not
    /// know and that has no stream; kept so it survives a save.
    RawInline([u8; 8]),
    /// In the source: one stream `__substg1.0_TAG`.
    Stored,
    /// In the source: a multi-valued variable-length value (length stream
    /// plus element streams).
    StoredMv,
    /// In the source: a PT_OBJECT sub-storage.
    StoredObject,
    /// Written through a stream: the raw stream bytes.
    Spilled(Arc<Spill>),
    /// A PT_OBJECT storage given whole (an OLE object's), written as is.
    Storage(Arc<super::ole::StorageImage>),
}

/// One property: tag, `PROPATTR_*` flags, value.
#[derive(Clone, Debug)]
pub(crate) struct PropEntry {
    pub(crate) tag: PropTag,
    pub(crate) flags: u32,
    pub(crate) val: Val,
}

/// The properties of one object, by tag. One id normally has one type; a
/// file with the same id under two types keeps both until one is set.
#[derive(Clone, Debug, Default)]
pub(crate) struct PropBag {
    pub(crate) map: BTreeMap<u32, PropEntry>,
}

impl PropBag {
    /// The entry for `tag`: exact match first; a string tag also finds the
    /// other string type; PT_UNSPECIFIED finds any type of the id.
    pub(crate) fn find(&self, tag: PropTag) -> Option<&PropEntry> {
        if let Some(e) = self.map.get(&tag.0) {
            return Some(e);
        }
        let ptype = tag.prop_type();
        let alt = match ptype {
            PropType::UNICODE => Some(PropType::STRING8),
            PropType::STRING8 => Some(PropType::UNICODE),
            PropType::MV_UNICODE => Some(PropType::MV_STRING8),
            PropType::MV_STRING8 => Some(PropType::MV_UNICODE),
            _ => None,
        };
        if let Some(alt) = alt {
            return self.map.get(&tag.with_type(alt).0);
        }
        if ptype == PropType::UNSPECIFIED {
            return self.by_id(tag.id()).next();
        }
        None
    }

    /// All entries with property id `id`.
    pub(crate) fn by_id(&self, id: u16) -> impl Iterator<Item = &PropEntry> {
        let lo = (id as u32) << 16;
        self.map.range(lo..=lo | 0xFFFF).map(|(_, e)| e)
    }

    /// Sets `tag`, replacing every type of its id; keeps the old flags.
    pub(crate) fn set(&mut self, tag: PropTag, val: Val) {
        let flags = self.remove_id(tag.id()).map(|e| e.flags).unwrap_or(PropAttr::DEFAULT.0);
        self.map.insert(tag.0, PropEntry { tag, flags, val });
    }

    /// Removes every type of `id`; returns one removed entry.
    pub(crate) fn remove_id(&mut self, id: u16) -> Option<PropEntry> {
        let tags: Vec<u32> = self.by_id(id).map(|e| e.tag.0).collect();
        let mut last = None;
        for t in tags {
            last = self.map.remove(&t);
        }
        last
    }

    /// The in-memory value of `tag` when it is an inline value (cheap; no I/O).
    pub(crate) fn inline(&self, tag: PropTag) -> Option<&PropValue> {
        match self.find(tag).map(|e| &e.val) {
            Some(Val::Value(v)) => Some(v),
            _ => None,
        }
    }

    /// `PT_LONG` value of `id`, when in memory.
    pub(crate) fn long(&self, id: u16) -> Option<i32> {
        match self.inline(PropTag::new(id, PropType::LONG)) {
            Some(PropValue::Long(v)) => Some(*v),
            _ => None,
        }
    }
}

/// Everything loaded from a file's object that is not a property: tags of
/// its property stream (to tell its own streams from foreign ones) and
/// what was wrong in it.
#[derive(Clone, Debug, Default)]
pub(crate) struct Origin {
    pub(crate) source: Option<Source>,
    /// Tags of the source's property stream.
    pub(crate) source_tags: Vec<PropTag>,
    /// Problems read past, with the storage path.
    pub(crate) warnings: Vec<crate::Warning>,
    /// Items that could not be read and are left out of this state (a save
    /// would drop them), with the storage path and reason.
    pub(crate) skipped: Vec<crate::Warning>,
    /// Changed since it was read: its properties, or (for a message) its
    /// recipients or attachments.
    pub(crate) edited: bool,
}

impl Origin {
    /// Whether a save makes the object's computed properties true: it is
    /// new, or was edited (an untouched object is written as it was read).
    pub(crate) fn refreshed_on_save(&self) -> bool {
        self.edited || self.source.is_none()
    }

    /// Where the object's unread parts are. Only an object read from a file
    /// has parts stored there, so a stored part without a source is a state
    /// oxmsg never builds; it is reported as corrupt data at `at` (what was
    /// being written or read) rather than trusted.
    pub(crate) fn stored_source(&self, at: &str, what: &str) -> crate::error::Result<Source> {
        self.source
            .clone()
            .ok_or_else(|| crate::error::Error::corrupt(at, format!("{what} is stored but has no source")))
    }
}

/// A recipient row (`__recip_version1.0_#XXXXXXXX`).
#[derive(Clone, Debug)]
pub(crate) struct RecipientState {
    /// The storage number, which is also PR_ROWID.
    pub(crate) num: u32,
    pub(crate) origin: Origin,
    pub(crate) props: PropBag,
}

/// The recipients of a message: not read yet (the storage numbers), or read.
#[derive(Clone, Debug)]
pub(crate) enum Recipients {
    Stored(Vec<u32>),
    Loaded(Vec<RecipientState>),
}

/// An attachment of a message state.
#[derive(Clone, Debug)]
pub(crate) enum AttachSlot {
    /// Unchanged in the source, at `__attach_version1.0_#num`.
    Stored,
    /// Read, and possibly changed.
    Loaded(Box<AttachState>),
}

/// The embedded message of an attachment.
#[derive(Clone, Debug)]
pub(crate) enum EmbeddedSlot {
    /// Unchanged in the source, in `__substg1.0_3701000D`.
    Stored,
    Loaded(Box<MessageState>),
}

/// An attachment (`__attach_version1.0_#XXXXXXXX`).
#[derive(Clone, Debug)]
pub(crate) struct AttachState {
    pub(crate) num: u32,
    pub(crate) origin: Origin,
    pub(crate) props: PropBag,
    /// The embedded message, when PR_ATTACH_DATA_OBJ holds one.
    pub(crate) embedded: Option<EmbeddedSlot>,
}

/// A message: top-level or embedded.
#[derive(Clone, Debug)]
pub(crate) struct MessageState {
    pub(crate) kind: HeaderKind,
    pub(crate) origin: Origin,
    pub(crate) props: PropBag,
    /// Next ids and counts as read; counts are recomputed on save.
    pub(crate) header: Header,
    pub(crate) recipients: Recipients,
    pub(crate) attachments: BTreeMap<u32, AttachSlot>,
    /// What changed since it was read (for the stale-header warning).
    pub(crate) changed: super::derived::Changed,
}

impl MessageState {
    /// Every skipped item in the loaded parts of this message's tree (parts
    /// never loaded are copied whole and lose nothing).
    pub(crate) fn skipped(&self, out: &mut Vec<crate::Warning>) {
        out.extend(self.origin.skipped.iter().cloned());
        if let Recipients::Loaded(rows) = &self.recipients {
            for r in rows {
                out.extend(r.origin.skipped.iter().cloned());
            }
        }
        for slot in self.attachments.values() {
            if let AttachSlot::Loaded(a) = slot {
                out.extend(a.origin.skipped.iter().cloned());
                if let Some(EmbeddedSlot::Loaded(m)) = &a.embedded {
                    m.skipped(out);
                }
            }
        }
    }

    /// A new, empty message.
    pub(crate) fn new(kind: HeaderKind) -> MessageState {
        MessageState {
            kind,
            origin: Origin::default(),
            props: PropBag::default(),
            header: Header::default(),
            recipients: Recipients::Loaded(Vec::new()),
            attachments: BTreeMap::new(),
            changed: Default::default(),
        }
    }
}
