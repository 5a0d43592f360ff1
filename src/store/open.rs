//! OpenIMsgOnIStg: a top-level message over a compound file (read before it
//! enters the session state, so a caller's reader runs with nothing
//! borrowed), or a new, empty one.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use crate::compound::repair;
use crate::error::{Error, Result};
use crate::format::names;
use crate::format::propstream::HeaderKind;
use crate::options::OpenOptions;
use crate::prop::{tags, PropAttr, PropTag, PropType, PropValue};

use super::backing::{CompoundStore, ReadOnlyFile, StoreView};
use super::engine::Ctx;
use super::load;
use super::state::{MessageState, PropEntry, Val};
use super::{FileState, NodeKey, Target};
use crate::compound::indexed::IndexedFile;

/// `STORE_UNICODE_OK`: PR_STORE_SUPPORT_MASK bit of a Unicode .msg (MS-OXMSG 2.1.1.1).
pub(crate) const STORE_UNICODE_OK: u32 = 0x0004_0000;

/// What a new file is made with.
#[derive(Clone, Copy, Debug)]
pub(crate) struct NewFile {
    pub(crate) unicode: bool,
    pub(crate) ansi_codepage: u32,
}

/// The properties that say how a message's strings are stored, as Outlook
/// writes them at the top of a file and in every embedded message
/// (digest 7.5): PR_STORE_SUPPORT_MASK (and PR_STORE_UNICODE_MASK) with
/// `STORE_UNICODE_OK` iff Unicode; PR_MESSAGE_CODEPAGE in an ANSI file.
pub(crate) fn file_identity(unicode: bool, codepage: u32) -> Vec<(PropTag, PropValue)> {
    let mask = (0x0000_0E79 | if unicode { STORE_UNICODE_OK } else { 0 }) as i32;
    let mut out = vec![(tags::STORE_SUPPORT_MASK.tag(), PropValue::Long(mask))];
    if unicode {
        out.push((PropTag::new(0x340F, PropType::LONG), PropValue::Long(mask)));
    } else {
        out.push((tags::MESSAGE_CODEPAGE.tag(), PropValue::Long(codepage as i32)));
    }
    out
}

/// A new top-level message: `IPM.Note`, a draft (`MSGFLAG_READ |
/// MSGFLAG_UNSENT`), and the file identity above.
fn new_state(new: NewFile) -> MessageState {
    let mut st = MessageState::new(HeaderKind::TopLevel);
    let mut put = |tag: PropTag, v: PropValue, flags: u32| {
        st.props.map.insert(
            tag.0,
            PropEntry {
                tag,
                flags,
                val: Val::Value(v),
            },
        );
    };
    put(
        tags::MESSAGE_CLASS.tag(),
        PropValue::Unicode("IPM.Note".into()),
        PropAttr::DEFAULT.0,
    );
    put(tags::MESSAGE_FLAGS.tag(), PropValue::Long(0x9), PropAttr::DEFAULT.0);
    for (tag, v) in file_identity(new.unicode, new.ansi_codepage) {
        let flags = if tag.id() == tags::MESSAGE_CODEPAGE.id() {
            PropAttr::DEFAULT.0
        } else {
            PropAttr::READABLE
        };
        put(tag, v, flags);
    }
    st
}

fn file_state(store: Option<Box<dyn CompoundStore>>, target: Target, unicode: bool, options: OpenOptions) -> FileState {
    FileState {
        store,
        leased: false,
        target,
        unicode,
        options,
        damage_accepted: false,
        repairs: Vec::new(),
        names: None,
        names_dirty: false,
        on_release: None,
    }
}

/// Maps an error opening a compound file.
pub(crate) fn open_err(e: std::io::Error, what: impl std::fmt::Display) -> Error {
    match e.kind() {
        // cfb reports a malformed header or directory as InvalidData, a name
        // it cannot accept (from the file's directory) as InvalidInput.
        std::io::ErrorKind::InvalidData
        | std::io::ErrorKind::UnexpectedEof
        | std::io::ErrorKind::NotFound
        | std::io::ErrorKind::InvalidInput => Error::CorruptData {
            path: "/".into(),
            detail: format!("{what} is not a readable compound file: {e}"),
            source: None,
        },
        _ => Error::io(e, format!("opening {what}")),
    }
}

/// Opens a path's compound file for reading (a save replaces the file; it
/// never writes into it). A file of at most `memory_threshold` bytes is read
/// into memory at once (one read instead of one per directory sector and
/// stream) and read through oxmsg's own compound-file index
/// (`compound::index`, held to `cfb`'s answers by a differential test); a
/// larger one is read from the file by `cfb` as values are asked for.
pub(crate) fn open_path_store(path: &Path, memory_threshold: u64) -> Result<(Box<dyn CompoundStore>, Vec<String>)> {
    let opening = |e| Error::io(e, format!("opening {}", path.display()));
    let mut f = File::open(path).map_err(opening)?;
    let len = f.metadata().map_err(opening)?.len();
    if len <= memory_threshold {
        let mut bytes = Vec::with_capacity(len as usize);
        f.read_to_end(&mut bytes)
            .map_err(|e| Error::io(e, format!("reading {}", path.display())))?;
        let (indexed, repairs) = IndexedFile::parse(bytes).map_err(|e| open_err(e, path.display()))?;
        return Ok((Box::new(indexed), repairs));
    }
    let (cf, repairs) = repair::open_repaired(ReadOnlyFile(f)).map_err(|e| open_err(e, path.display()))?;
    Ok((Box::new(cf), repairs))
}

impl Ctx<'_> {
    /// A new, empty top-level message.
    pub(crate) fn create_message(&self, target: Target, new: NewFile, options: OpenOptions) -> Result<NodeKey> {
        let file = file_state(None, target, new.unicode, options);
        Ok(self.state()?.add_top(file, new_state(new)))
    }

    /// Reads the top-level message of `store` and opens it. `may_be_empty`
    /// lets a storage without a property stream become a new message.
    pub(crate) fn open_store(
        &self,
        mut store: Box<dyn CompoundStore>,
        repairs: Vec<String>,
        target: Target,
        may_be_empty: bool,
        new: NewFile,
        opts: &OpenOptions,
    ) -> Result<NodeKey> {
        let has_props = store
            .children("/")
            .map(|c| {
                c.iter()
                    .any(|e| e.is_stream && e.name.eq_ignore_ascii_case(names::PROPERTIES))
            })
            .unwrap_or(false);
        if !has_props {
            if !may_be_empty {
                return Err(Error::corrupt(
                    "/",
                    "the compound file has no __properties_version1.0 stream: it is not a .msg",
                ));
            }
            let mut file = file_state(Some(store), target, new.unicode, opts.clone());
            file.repairs = repairs;
            return Ok(self.state()?.add_top(file, new_state(new)));
        }
        // The file key is needed for the state's sources: reserve it, then
        // read with nothing borrowed (the store may call a caller's reader).
        let fkey = {
            let mut file = file_state(None, target, true, opts.clone());
            file.repairs = repairs;
            file.leased = true;
            self.state()?.files.insert(file)
        };
        let loaded = load::load_message(
            &mut StoreView::new(store.as_mut(), self.bytes),
            fkey,
            "/",
            HeaderKind::TopLevel,
            opts,
        );
        let mut st = self.state()?;
        let state = match loaded {
            Ok(s) => s,
            Err(e) => {
                st.files.remove(fkey);
                return Err(e);
            }
        };
        // MS-OXMSG 2.1.1.1: STORE_UNICODE_OK in PR_STORE_SUPPORT_MASK; without
        // the property, any PT_UNICODE string means a Unicode file.
        let unicode = match state.props.long(tags::STORE_SUPPORT_MASK.id()) {
            Some(mask) => mask as u32 & STORE_UNICODE_OK != 0,
            None => state.props.map.values().any(|e| e.tag.prop_type() == PropType::UNICODE),
        };
        let f = st.files.get_mut(fkey).ok_or_else(|| Error::ObjectDeleted {
            what: "the message's file".into(),
        })?;
        f.store = Some(store);
        f.leased = false;
        f.unicode = unicode;
        Ok(st.add_top_node(fkey, state))
    }
}

impl Ctx<'_> {
    /// Registers the release callback of top-level message `key`'s file;
    /// the one it replaces is dropped without running, with the state free.
    pub(crate) fn set_release_hook(&self, key: NodeKey, f: Box<dyn FnOnce() + Send>) -> Result<()> {
        let old = {
            let mut st = self.state()?;
            let m = st.message(key)?;
            if m.parent.is_some() {
                return Err(Error::InvalidParameter {
                    detail: "a release callback is registered on a top-level message (MSGCALLRELEASE)".into(),
                });
            }
            let file = m.file;
            let fs = st.files.get_mut(file).ok_or_else(|| Error::ObjectDeleted {
                what: "the message's file".into(),
            })?;
            fs.on_release.replace(super::ReleaseHook::new(f))
        };
        if let Some(old) = old {
            old.cancel();
        }
        Ok(())
    }

    /// Whether the file of `key` stores strings as PT_UNICODE.
    pub(crate) fn is_unicode(&self, key: NodeKey) -> Result<bool> {
        Ok(self.state()?.file(key)?.unicode)
    }

    /// Whether `key` is an embedded message.
    pub(crate) fn is_embedded(&self, key: NodeKey) -> Result<bool> {
        Ok(self.state()?.message(key)?.parent.is_some())
    }

    /// The caller accepts that skipped items are left out of saves.
    pub(crate) fn accept_damage(&self, key: NodeKey) -> Result<()> {
        let mut st = self.state()?;
        let file = st.message(key)?.file;
        if let Some(f) = st.files.get_mut(file) {
            f.damage_accepted = true;
        }
        Ok(())
    }

    /// Takes the compound file of top-level message `key` out of the
    /// session, when it is a `cfb::CompoundFile` of type `expected`; with
    /// `inner`, gives what is under it. Checked before anything is taken.
    pub(crate) fn take_top_store(
        &self,
        key: NodeKey,
        expected: std::any::TypeId,
        inner: bool,
    ) -> Result<Box<dyn std::any::Any>> {
        let file = {
            let st = self.state()?;
            let m = st.message(key)?;
            if m.parent.is_some() {
                return Err(Error::InvalidParameter {
                    detail: "an embedded message has no compound file of its own; take it from the top-level message"
                        .into(),
                });
            }
            m.file
        };
        let mut lease = self.lease(file)?;
        if !lease.store().writable().is_ok_and(|s| s.is_type(expected)) {
            return Err(Error::InvalidParameter {
                detail: "the message was not opened over a compound file of this type".into(),
            });
        }
        let store = lease.take();
        self.store_lost(file);
        Ok(if inner {
            store.into_inner_any()
        } else {
            store.into_any()
        })
    }
}

impl Ctx<'_> {
    /// Whether the file of `key` is read strictly.
    pub(crate) fn strict(&self, key: NodeKey) -> Result<bool> {
        Ok(self.state()?.strict(key))
    }
}

impl Ctx<'_> {
    /// The limits the file of `key` is read with.
    pub(crate) fn limits(&self, key: NodeKey) -> Result<crate::options::Limits> {
        Ok(self.state()?.limits(key))
    }
}
