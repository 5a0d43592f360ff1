//! The engine behind the handles: the files of a session, the open objects
//! (messages and attachments) in a generational arena, and the operations
//! the public handles call. Handles hold a `Key<Node>`; every method here
//! checks that the key is still live.

pub(crate) mod attachments;
pub(crate) mod backing;
pub(crate) mod commit;
pub(crate) mod copy;
pub(crate) mod derived;
pub(crate) mod engine;
pub(crate) mod load;
pub(crate) mod named;
pub(crate) mod ole;
pub(crate) mod open;
pub(crate) mod props;
pub(crate) mod recipients;
pub(crate) mod save;
pub(crate) mod state;

pub(crate) use engine::{Engine, FileKey};

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use crate::arena::{Arena, Key};
use crate::error::{Error, Result};
use crate::format::propstream;
use crate::options::{Limits, OpenOptions};
use crate::prop::{PropAttr, PropTag, PropType, PropValue};

use backing::CompoundStore;
use state::*;

/// Where a top-level message is saved.
pub(crate) enum Target {
    /// A file: saved by writing beside it and renaming over it.
    Path(PathBuf),
    /// The compound file it was opened on, rewritten in place; `commit`
    /// false is MAPI's `IMSG_NO_ISTG_COMMIT` (no flush).
    InPlace { commit: bool },
    /// Only in memory: saved with `save_to`.
    Memory,
}

/// A top-level message's compound file and file-wide settings.
pub(crate) struct FileState {
    /// The compound file read from; `None` for a message made in memory,
    /// and while it is out on a [`engine::Lease`].
    pub(crate) store: Option<Box<dyn CompoundStore>>,
    /// The compound file is out on a lease.
    pub(crate) leased: bool,
    pub(crate) target: Target,
    /// Whether strings are written as PT_UNICODE.
    pub(crate) unicode: bool,
    /// How the file is read: limits, strictness, code page override.
    pub(crate) options: OpenOptions,
    /// The caller accepted that skipped items are left out of saves.
    pub(crate) damage_accepted: bool,
    /// What was repaired in the compound-file structure to read the file.
    pub(crate) repairs: Vec<String>,
    /// The named-property mapping (read on first use).
    pub(crate) names: Option<crate::format::nameid::NameMap>,
    /// Whether `names` changed since it was read.
    pub(crate) names_dirty: bool,
    /// MSGCALLRELEASE: run when the file is closed (when this state is
    /// dropped, which the engine does with the session free).
    pub(crate) on_release: Option<ReleaseHook>,
}

/// A caller's release callback (MSGCALLRELEASE), run when dropped. Behind a
/// mutex so that the file state stays `Sync`.
pub(crate) struct ReleaseHook(std::sync::Mutex<Option<Box<dyn FnOnce() + Send>>>);

impl ReleaseHook {
    pub(crate) fn new(f: Box<dyn FnOnce() + Send>) -> ReleaseHook {
        ReleaseHook(std::sync::Mutex::new(Some(f)))
    }

    /// Drops the callback without running it (replaced by another).
    pub(crate) fn cancel(self) {
        let mut g = match self.0.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        g.take();
    }
}

impl Drop for ReleaseHook {
    fn drop(&mut self) {
        let f = match self.0.get_mut() {
            Ok(f) => f.take(),
            Err(p) => p.into_inner().take(),
        };
        if let Some(f) = f {
            f();
        }
    }
}

/// An open object.
pub(crate) enum Node {
    Message(MessageNode),
    Attachment(AttachNode),
}

/// An open message: top-level (no parent) or embedded (parent attachment).
pub(crate) struct MessageNode {
    pub(crate) file: Key<FileState>,
    pub(crate) parent: Option<NodeKey>,
    pub(crate) state: MessageState,
    pub(crate) open_attachments: HashMap<u32, NodeKey>,
    pub(crate) refs: usize,
    /// Nesting depth: 0 for a top-level message.
    pub(crate) depth: u32,
    /// Written streams open on this message and not yet committed or dropped.
    pub(crate) writers: OpenWriters,
}

/// An open attachment.
pub(crate) struct AttachNode {
    pub(crate) file: Key<FileState>,
    pub(crate) parent: NodeKey,
    pub(crate) state: AttachState,
    pub(crate) open_embedded: Option<NodeKey>,
    pub(crate) refs: usize,
    /// Deleted from its message while open: every use is `ObjectDeleted`.
    pub(crate) deleted: bool,
    /// Written streams open on this attachment.
    pub(crate) writers: OpenWriters,
}

pub(crate) type NodeKey = Key<Node>;

/// The number of written streams open on an object and not yet committed
/// or dropped; shared with the streams, which count themselves in and out
/// without the session state.
#[derive(Clone, Debug, Default)]
pub(crate) struct OpenWriters(std::sync::Arc<std::sync::atomic::AtomicUsize>);

impl OpenWriters {
    pub(crate) fn get(&self) -> usize {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
    pub(crate) fn opened(&self) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    pub(crate) fn closed(&self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
}

/// PR_ATTACH_NUM, PR_ROWID, PR_MESSAGE_RECIPIENTS, PR_MESSAGE_ATTACHMENTS:
/// computed by oxmsg, never set by callers (MAPI_E_COMPUTED).
pub(crate) fn is_computed(id: u16) -> bool {
    matches!(id, 0x0E21 | 0x3000 | 0x0E12 | 0x0E13)
}

/// The session's state: files and open objects.
#[derive(Default)]
pub(crate) struct Inner {
    pub(crate) files: Arena<FileState>,
    pub(crate) nodes: Arena<Node>,
}

impl Inner {
    // ----- node access -------------------------------------------------

    pub(crate) fn node(&self, key: NodeKey) -> Result<&Node> {
        self.nodes.get(key).ok_or_else(|| Error::ObjectDeleted {
            what: "a closed object".into(),
        })
    }

    pub(crate) fn node_mut(&mut self, key: NodeKey) -> Result<&mut Node> {
        self.nodes.get_mut(key).ok_or_else(|| Error::ObjectDeleted {
            what: "a closed object".into(),
        })
    }

    /// Fails with `ObjectDeleted` when the object, or an attachment it is
    /// inside, was deleted.
    pub(crate) fn check_live(&self, mut key: NodeKey) -> Result<()> {
        loop {
            match self.node(key)? {
                Node::Attachment(a) => {
                    if a.deleted {
                        return Err(Error::ObjectDeleted {
                            what: format!("attachment #{}", a.state.num),
                        });
                    }
                    key = a.parent;
                }
                Node::Message(m) => match m.parent {
                    Some(p) => key = p,
                    None => return Ok(()),
                },
            }
        }
    }

    pub(crate) fn message(&self, key: NodeKey) -> Result<&MessageNode> {
        match self.node(key)? {
            Node::Message(m) => Ok(m),
            Node::Attachment(_) => Err(Error::InvalidParameter {
                detail: "not a message".into(),
            }),
        }
    }

    pub(crate) fn message_mut(&mut self, key: NodeKey) -> Result<&mut MessageNode> {
        match self.node_mut(key)? {
            Node::Message(m) => Ok(m),
            Node::Attachment(_) => Err(Error::InvalidParameter {
                detail: "not a message".into(),
            }),
        }
    }

    pub(crate) fn attachment(&self, key: NodeKey) -> Result<&AttachNode> {
        match self.node(key)? {
            Node::Attachment(a) => Ok(a),
            Node::Message(_) => Err(Error::InvalidParameter {
                detail: "not an attachment".into(),
            }),
        }
    }

    pub(crate) fn attachment_mut(&mut self, key: NodeKey) -> Result<&mut AttachNode> {
        match self.node_mut(key)? {
            Node::Attachment(a) => Ok(a),
            Node::Message(_) => Err(Error::InvalidParameter {
                detail: "not an attachment".into(),
            }),
        }
    }

    fn file_of(&self, key: NodeKey) -> Result<Key<FileState>> {
        Ok(match self.node(key)? {
            Node::Message(m) => m.file,
            Node::Attachment(a) => a.file,
        })
    }

    pub(crate) fn file(&self, key: NodeKey) -> Result<&FileState> {
        let f = self.file_of(key)?;
        self.files.get(f).ok_or_else(|| Error::ObjectDeleted {
            what: "the message's file".into(),
        })
    }

    /// The properties, origin and file of an object.
    pub(crate) fn parts(&self, key: NodeKey) -> Result<(&PropBag, &Origin, Key<FileState>)> {
        self.check_live(key)?;
        Ok(match self.node(key)? {
            Node::Message(m) => (&m.state.props, &m.state.origin, m.file),
            Node::Attachment(a) => (&a.state.props, &a.state.origin, a.file),
        })
    }

    /// The properties of an object, to change: the object counts as
    /// edited from then on (its computed properties are made true by the
    /// next save; an untouched object is written back as it was read).
    fn props_mut(&mut self, key: NodeKey) -> Result<&mut PropBag> {
        self.check_live(key)?;
        Ok(match self.node_mut(key)? {
            Node::Message(m) => {
                m.state.origin.edited = true;
                &mut m.state.props
            }
            Node::Attachment(a) => {
                a.state.origin.edited = true;
                &mut a.state.props
            }
        })
    }

    /// A description of the object for errors: its storage path.
    pub(crate) fn describe(&self, key: NodeKey) -> String {
        match self.parts(key) {
            Ok((_, o, _)) => o
                .source
                .as_ref()
                .map(|s| s.path.clone())
                .unwrap_or_else(|| "a new object".into()),
            Err(_) => "a closed object".into(),
        }
    }

    // ----- code pages ---------------------------------------------------

    /// The code page of the PT_STRING8 values of object `key`: the caller's
    /// override; else PR_MESSAGE_CODEPAGE; else the ANSI code page of
    /// PR_MESSAGE_LOCALE_ID; else PR_INTERNET_CPID when it is a Windows ANSI
    /// code page; else the enclosing message's; else 1252.
    pub(crate) fn codepage(&self, key: NodeKey) -> u32 {
        use crate::format::codepage as cp;
        let Ok(file) = self.file(key) else { return 1252 };
        if let Some(c) = file.options.codepage_override {
            return c;
        }
        let mut k = Some(key);
        while let Some(key) = k {
            let Ok(node) = self.node(key) else { break };
            let (props, parent) = match node {
                Node::Message(m) => (Some(&m.state.props), m.parent),
                Node::Attachment(a) => (None, Some(a.parent)),
            };
            if let Some(p) = props {
                if let Some(c) = p
                    .long(0x3FFD)
                    .filter(|&c| c > 0 && cp::encoding_for(c as u32).is_some())
                {
                    return c as u32;
                }
                if let Some(c) = p.long(0x3FF1).and_then(|l| cp::ansi_codepage_for_lcid(l as u32)) {
                    return c;
                }
                if let Some(c) = p.long(0x3FDE).filter(|&c| c > 0 && cp::is_windows_ansi(c as u32)) {
                    return c as u32;
                }
            }
            k = parent;
        }
        1252
    }

    // ----- properties (IMAPIProp) -----------------------------------------

    /// GetPropList: every tag, PT_OBJECT ones included.
    pub(crate) fn prop_list(&self, key: NodeKey) -> Result<Vec<PropTag>> {
        let (props, _, _) = self.parts(key)?;
        Ok(props.map.values().map(|e| e.tag).collect())
    }

    /// GetAttribIMsgOnIStg for one tag.
    pub(crate) fn attributes(&self, key: NodeKey, tag: PropTag) -> Result<Option<PropAttr>> {
        let (props, _, _) = self.parts(key)?;
        Ok(props.find(tag).map(|e| PropAttr(e.flags)))
    }

    /// SetAttribIMsgOnIStg for one tag.
    pub(crate) fn set_attributes(&mut self, key: NodeKey, tag: PropTag, attr: PropAttr) -> Result<()> {
        let what = self.describe(key);
        let props = self.props_mut(key)?;
        let t = props
            .find(tag)
            .map(|e| e.tag)
            .ok_or(Error::PropNotFound { tag, object: what })?;
        let e = props.map.get_mut(&t.0).expect("found");
        // PROPATTR_NOT_PRESENT (0x8) is never stored.
        e.flags = attr.0 & 0x7;
        Ok(())
    }

    pub(crate) fn check_writable(&self, key: NodeKey, tag: PropTag) -> Result<()> {
        if is_computed(tag.id()) || derived::is_derived(tag.id()) {
            return Err(Error::Computed { tag });
        }
        self.check_attributes(key, tag)
    }

    /// Refuses a write to a property whose attributes lack `PROPATTR_WRITABLE`.
    pub(crate) fn check_attributes(&self, key: NodeKey, tag: PropTag) -> Result<()> {
        let (props, _, _) = self.parts(key)?;
        for e in props.by_id(tag.id()) {
            if !PropAttr(e.flags).is_writable() && e.flags != 0 {
                return Err(Error::NoAccess {
                    detail: format!("property {} is not writable (PROPATTR flags 0x{:X})", e.tag, e.flags),
                });
            }
        }
        Ok(())
    }

    /// SetProps for one value.
    pub(crate) fn set_value(&mut self, key: NodeKey, tag: PropTag, value: PropValue) -> Result<()> {
        self.check_writable(key, tag)?;
        let vt = value.prop_type();
        if vt == PropType::OBJECT {
            return Err(Error::InvalidParameter {
                detail: format!("{tag}: PT_OBJECT values are set through attachments, not SetProps"),
            });
        }
        let tt = tag.prop_type();
        let strings_alike = tt.base().is_string() && vt.base().is_string() && tt.is_multi() == vt.is_multi();
        if tt != vt && tt != PropType::UNSPECIFIED && !strings_alike {
            return Err(Error::BadValue {
                tag,
                detail: format!("a value of type {vt:?} cannot be stored in a property of type {tt:?}"),
                scode: crate::error::scode::MAPI_E_INVALID_TYPE,
            });
        }
        self.check_representable(key, tag, &value)?;
        let tag = tag.with_type(vt);
        if tag.prop_type().is_multi() && value.value_count() == 0 {
            return Err(Error::InvalidParameter {
                detail: format!("{tag}: a multi-valued property needs at least one value"),
            });
        }
        self.note_change(key, tag, Some(&value));
        self.props_mut(key)?.set(tag, Val::Value(value));
        Ok(())
    }

    /// Sets a property oxmsg computes (PR_ATTACH_SIZE with the data it
    /// measures): no `MAPI_E_COMPUTED`, but the attributes still apply.
    pub(crate) fn set_derived(&mut self, key: NodeKey, tag: PropTag, value: PropValue) -> Result<()> {
        self.check_attributes(key, tag)?;
        self.props_mut(key)?.set(tag, Val::Value(value));
        Ok(())
    }

    /// In an ANSI file, a string that the file's code page cannot hold is
    /// an error, unless the file was opened with lossy ANSI writing.
    pub(crate) fn check_representable(&self, key: NodeKey, tag: PropTag, value: &PropValue) -> Result<()> {
        let file = self.file(key)?;
        if file.unicode || file.options.lossy_ansi {
            return Ok(());
        }
        let codepage = self.codepage(key);
        let check = |s: &str| -> Result<()> {
            match crate::format::codepage::encode(s, codepage) {
                Some((_, false)) => Ok(()),
                Some((_, true)) => Err(Error::BadValue {
                    tag,
                    detail: format!(
                        "the message is ANSI with code page {codepage}, which cannot hold every character of {:?} \
                         (use a Unicode message, or allow lossy ANSI writing in the open options)",
                        s.chars().take(40).collect::<String>()
                    ),
                    scode: crate::error::scode::MAPI_E_BAD_CHARWIDTH,
                }),
                None => Err(Error::UnknownCodepage { codepage }),
            }
        };
        match value {
            PropValue::Unicode(s) => check(s),
            PropValue::MvUnicode(v) => v.iter().try_for_each(|s| check(s)),
            _ => Ok(()),
        }
    }

    /// Sets a value written through a stream.
    pub(crate) fn set_spilled(&mut self, key: NodeKey, tag: PropTag, spill: Spill) -> Result<()> {
        self.set_spilled_shared(key, tag, Arc::new(spill))
    }

    /// Sets a value given as its stream's bytes (shared, so that an
    /// all-or-nothing change can be retried).
    pub(crate) fn set_spilled_shared(&mut self, key: NodeKey, tag: PropTag, spill: Arc<Spill>) -> Result<()> {
        self.check_writable(key, tag)?;
        let val = match &*spill {
            Spill::Memory(bytes) if bytes.len() <= 4096 && !tag.prop_type().is_multi() => {
                let v = propstream::decode_stream(tag.prop_type(), bytes, self.codepage(key)).map_err(|d| {
                    Error::BadValue {
                        tag,
                        detail: d,
                        scode: crate::error::scode::MAPI_E_INVALID_TYPE,
                    }
                })?;
                Val::Value(v)
            }
            _ => Val::Spilled(spill),
        };
        self.props_mut(key)?.set(tag, val);
        Ok(())
    }

    /// DeleteProps for one tag (every type of its id).
    pub(crate) fn delete(&mut self, key: NodeKey, tag: PropTag) -> Result<bool> {
        if is_computed(tag.id()) || derived::is_derived(tag.id()) {
            return Err(Error::Computed { tag });
        }
        let (props, _, _) = self.parts(key)?;
        if let Some(e) = props.by_id(tag.id()).find(|e| PropAttr(e.flags).is_mandatory()) {
            return Err(Error::NoAccess {
                detail: format!("property {} is mandatory (PROPATTR_MANDATORY)", e.tag),
            });
        }
        let removed = self.props_mut(key)?.remove_id(tag.id()).is_some();
        if removed {
            self.note_change(key, tag, None);
        }
        Ok(removed)
    }

    // ----- lifetimes of nodes ----------------------------------------------

    /// Adds a handle to a node.
    pub(crate) fn retain(&mut self, key: NodeKey) {
        if let Some(n) = self.nodes.get_mut(key) {
            match n {
                Node::Message(m) => m.refs += 1,
                Node::Attachment(a) => a.refs += 1,
            }
        }
    }

    /// Drops a handle; the last one closes the object and discards what was
    /// not saved (MAPI: Release without SaveChanges). Closing a top-level
    /// message closes its file, which is returned: the caller drops it with
    /// the state free, since its compound file may be a caller's reader.
    pub(crate) fn release(&mut self, key: NodeKey) -> Option<FileState> {
        let n = self.nodes.get_mut(key)?;
        let refs = match n {
            Node::Message(m) => &mut m.refs,
            Node::Attachment(a) => &mut a.refs,
        };
        *refs = refs.saturating_sub(1);
        if *refs > 0 {
            return None;
        }
        match self.nodes.remove(key)? {
            Node::Message(m) => match m.parent {
                Some(p) => {
                    if let Ok(a) = self.attachment_mut(p) {
                        a.open_embedded = None;
                    }
                    self.release(p)
                }
                None => self.files.remove(m.file),
            },
            Node::Attachment(a) => {
                if let Ok(m) = self.message_mut(a.parent) {
                    if m.open_attachments.get(&a.state.num) == Some(&key) {
                        m.open_attachments.remove(&a.state.num);
                    }
                }
                self.release(a.parent)
            }
        }
    }

    /// Opens a new top-level message node over `file`.
    pub(crate) fn add_top(&mut self, file: FileState, state: MessageState) -> NodeKey {
        let file = self.files.insert(file);
        self.add_top_node(file, state)
    }

    /// Opens a new top-level message node over the file `file`.
    pub(crate) fn add_top_node(&mut self, file: Key<FileState>, state: MessageState) -> NodeKey {
        self.nodes.insert(Node::Message(MessageNode {
            file,
            parent: None,
            state,
            open_attachments: HashMap::new(),
            refs: 1,
            depth: 0,
            writers: Default::default(),
        }))
    }

    /// The counter of open written streams of `key`.
    pub(crate) fn writers(&self, key: NodeKey) -> Result<OpenWriters> {
        self.check_live(key)?;
        Ok(match self.node(key)? {
            Node::Message(m) => m.writers.clone(),
            Node::Attachment(a) => a.writers.clone(),
        })
    }

    /// The top-level message nodes.
    pub(crate) fn top_messages(&self) -> Vec<NodeKey> {
        self.nodes
            .keys()
            .filter(|&k| matches!(self.nodes.get(k), Some(Node::Message(m)) if m.parent.is_none()))
            .collect()
    }

    pub(crate) fn limits(&self, key: NodeKey) -> Limits {
        self.file(key).map(|f| f.options.limits.clone()).unwrap_or_default()
    }

    /// Whether the file of `key` is read strictly.
    pub(crate) fn strict(&self, key: NodeKey) -> bool {
        self.file(key).is_ok_and(|f| f.options.strict)
    }

    /// Refuses a save of message `key` that would leave out skipped items,
    /// unless the caller accepted that.
    pub(crate) fn check_damage(&self, key: NodeKey) -> Result<()> {
        let m = self.message(key)?;
        if self.files.get(m.file).is_some_and(|f| f.damage_accepted) {
            return Ok(());
        }
        let mut skipped = Vec::new();
        m.state.skipped(&mut skipped);
        if skipped.is_empty() {
            Ok(())
        } else {
            Err(Error::DamageNotAccepted { skipped })
        }
    }
}

impl Inner {
    /// The warnings of an object, and for a top-level message also the
    /// repairs made to its compound file.
    pub(crate) fn warnings(&self, key: NodeKey) -> Vec<crate::Warning> {
        let mut out = Vec::new();
        if let Ok(Node::Message(m)) = self.node(key) {
            if m.parent.is_none() {
                if let Some(f) = self.files.get(m.file) {
                    out.extend(
                        f.repairs
                            .iter()
                            .map(|r| crate::Warning::new("/", crate::WarningKind::Repaired, r.clone())),
                    );
                }
            }
        }
        if let Ok((_, origin, _)) = self.parts(key) {
            out.extend(origin.warnings.iter().cloned());
        }
        out
    }
}
