//! `Session`: MAPI's message session (`OpenIMsgSession`, `CloseIMsgSession`)
//! and the calls that open messages in it (`OpenIMsgOnIStg`).

use std::cell::RefCell;
use std::fs::File;
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::access::{ReadOnly, ReadWrite};
use crate::arena::Key;
use crate::error::{Error, Result};
use crate::format::cfb_fixup;
use crate::format::names;
use crate::format::propstream::HeaderKind;
use crate::message::Message;
use crate::options::OpenOptions;
use crate::prop::{PropAttr, PropTag, PropType, PropValue};
use crate::store::backing::{CompoundStore, ReadOnlyFile};
use crate::store::state::{MessageState, PropEntry, Val};
use crate::store::{load, FileState, Inner, Node, Target};

/// `STORE_UNICODE_OK`: PR_STORE_SUPPORT_MASK bit of a Unicode .msg (MS-OXMSG 2.1.1.1).
pub const STORE_UNICODE_OK: u32 = 0x0004_0000;

static NEXT_SESSION: AtomicU64 = AtomicU64::new(1);

/// How a session opens and creates messages.
///
/// ```
/// let opts = oxmsg::SessionOptions { unicode: false, ..Default::default() };
/// let session = oxmsg::Session::with_options(opts);
/// let msg = session.create_in_memory().unwrap();
/// assert!(!msg.is_unicode());
/// ```
#[derive(Clone, Debug)]
pub struct SessionOptions {
    /// Create Unicode messages (PT_UNICODE strings, `STORE_UNICODE_OK`);
    /// MAPI's `MAPI_UNICODE` flag. Default `true`. With `false`, new
    /// messages are ANSI: strings are written as PT_STRING8 in
    /// `ansi_codepage`.
    pub unicode: bool,
    /// Code page of new ANSI messages (written as PR_MESSAGE_CODEPAGE).
    /// Default 1252.
    pub ansi_codepage: u32,
    /// How the plain `open*` calls read files (limits, strict or lenient,
    /// code page override); the `open*_with` calls take their own.
    pub open: OpenOptions,
}

impl Default for SessionOptions {
    fn default() -> Self {
        SessionOptions {
            unicode: true,
            ansi_codepage: 1252,
            open: OpenOptions::default(),
        }
    }
}

/// The id of an open message, kept as plain data; it never names another
/// message once its message is closed.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct MessageId {
    pub(crate) session: u64,
    pub(crate) node: Key<Node>,
}

/// A message session: it keeps every message opened in it, and closing it
/// closes them all.
///
/// MAPI: `OpenIMsgSession` creates one, `CloseIMsgSession` closes it
/// ([`Session::close`]). Messages borrow the session, so the compiler
/// refuses a `close` while any message, attachment or stream of it is
/// alive, and no message outlives its session.
///
/// A session is used from one thread: it is neither `Send` nor `Sync`, and
/// neither are its messages. Use one session per thread.
///
/// ```
/// use oxmsg::{Session, tags};
/// let session = Session::new();
/// let msg = session.create_in_memory()?;
/// msg.set(tags::SUBJECT, "Hello")?;
/// let bytes = msg.to_bytes()?;
/// drop(msg);
/// let read = session.open(std::io::Cursor::new(bytes))?;
/// assert_eq!(read.get(tags::SUBJECT)?.as_deref(), Some("Hello"));
/// drop(read);
/// session.close();
/// # Ok::<(), oxmsg::Error>(())
/// ```
pub struct Session {
    pub(crate) inner: RefCell<Inner>,
    pub(crate) id: u64,
    options: SessionOptions,
    _not_send: std::marker::PhantomData<*const ()>,
}

impl Default for Session {
    fn default() -> Self {
        Session::new()
    }
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("id", &self.id)
            .field("open_messages", &self.open_messages().len())
            .finish()
    }
}

/// Opens a path's compound file for reading (the file is replaced, never
/// written, when its message is saved).
pub(crate) fn open_store_rw(path: &Path) -> Result<(Box<dyn CompoundStore>, Vec<String>)> {
    let f = File::open(path).map_err(|e| Error::io(e, format!("opening {}", path.display())))?;
    let (cf, repairs) = cfb_fixup::open_repaired(ReadOnlyFile(f)).map_err(|e| open_err(e, path.display()))?;
    Ok((Box::new(cf), repairs))
}

fn open_err(e: std::io::Error, what: impl std::fmt::Display) -> Error {
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

impl Session {
    /// A session with default options: new messages are Unicode.
    ///
    /// MAPI: `OpenIMsgSession(lpMalloc, MAPI_UNICODE, &lpMsgSess)`.
    pub fn new() -> Session {
        Session::with_options(SessionOptions::default())
    }

    /// A session with `options`.
    ///
    /// MAPI: `OpenIMsgSession` with `ulFlags` (`MAPI_UNICODE` is
    /// [`SessionOptions::unicode`]).
    pub fn with_options(options: SessionOptions) -> Session {
        Session {
            inner: RefCell::new(Inner::default()),
            id: NEXT_SESSION.fetch_add(1, Ordering::Relaxed),
            options,
            _not_send: std::marker::PhantomData,
        }
    }

    /// The options this session was made with.
    pub fn options(&self) -> &SessionOptions {
        &self.options
    }

    /// Closes the session and every message in it; changes not saved are
    /// discarded, and no file is written.
    ///
    /// MAPI: `CloseIMsgSession`. Unlike MAPI, which force-closes live
    /// objects, this cannot be called while any handle borrowed from the
    /// session is alive: it does not compile.
    pub fn close(self) {
        let mut inner = self.inner.borrow_mut();
        inner.nodes.clear();
        inner.files.clear();
    }

    /// The ids of the top-level messages open in this session.
    pub fn open_messages(&self) -> Vec<MessageId> {
        self.inner
            .borrow()
            .top_messages()
            .into_iter()
            .map(|node| MessageId { session: self.id, node })
            .collect()
    }

    /// Whether the message `id` is still open in this session.
    pub fn is_open(&self, id: MessageId) -> bool {
        id.session == self.id && self.inner.borrow().nodes.get(id.node).is_some()
    }

    /// Opens a .msg read-only from any reader, reading it as
    /// [`SessionOptions::open`] says. The compound-file directory and the
    /// top-level property stream are read now; values when asked for.
    ///
    /// MAPI: `OpenIMsgOnIStg` on a storage opened `STGM_READ`.
    ///
    /// # Errors
    /// [`Error::CorruptData`] when the bytes are not a compound file or not
    /// a message; [`Error::LimitExceeded`] when a limit is exceeded.
    pub fn open<R: Read + Seek + 'static>(&self, reader: R) -> Result<Message<'_, ReadOnly>> {
        self.open_with(reader, &self.options.open)
    }

    /// [`Session::open`] with its own [`OpenOptions`] (limits, strict or
    /// lenient reading, code page override).
    ///
    /// # Errors
    /// As [`Session::open`]; in strict mode also [`Error::CorruptData`] for
    /// anything that breaks MS-OXMSG.
    pub fn open_with<R: Read + Seek + 'static>(&self, reader: R, opts: &OpenOptions) -> Result<Message<'_, ReadOnly>> {
        let (cf, repairs) = cfb_fixup::open_repaired(ReadOnlyFile(reader)).map_err(|e| open_err(e, "the input"))?;
        let key = self.open_store(Box::new(cf), repairs, Target::Memory, false, opts)?;
        Ok(Message::from_key(self, key))
    }

    /// Opens the .msg at `path` read-only. See [`Session::open`].
    ///
    /// # Errors
    /// As [`Session::open`], and I/O errors opening the file.
    pub fn open_file(&self, path: impl AsRef<Path>) -> Result<Message<'_, ReadOnly>> {
        self.open_file_with(path, &self.options.open)
    }

    /// [`Session::open_file`] with its own [`OpenOptions`].
    ///
    /// # Errors
    /// As [`Session::open_with`].
    pub fn open_file_with(&self, path: impl AsRef<Path>, opts: &OpenOptions) -> Result<Message<'_, ReadOnly>> {
        let (store, repairs) = open_store_rw(path.as_ref())?;
        let key = self.open_store(store, repairs, Target::Memory, false, opts)?;
        Ok(Message::from_key(self, key))
    }

    /// Opens the .msg at `path` read-write. Saving writes a new file beside
    /// it, syncs it and renames it over the old one, so a failed or
    /// interrupted save leaves the old file as it was.
    ///
    /// MAPI: `OpenIMsgOnIStg` on a storage opened
    /// `STGM_READWRITE | STGM_TRANSACTED`.
    ///
    /// # Errors
    /// As [`Session::open_file`]; an I/O error when the file cannot be
    /// written.
    pub fn open_file_rw(&self, path: impl AsRef<Path>) -> Result<Message<'_, ReadWrite>> {
        self.open_file_rw_with(path, &self.options.open)
    }

    /// [`Session::open_file_rw`] with its own [`OpenOptions`].
    ///
    /// # Errors
    /// As [`Session::open_file_rw`].
    pub fn open_file_rw_with(&self, path: impl AsRef<Path>, opts: &OpenOptions) -> Result<Message<'_, ReadWrite>> {
        let path = path.as_ref();
        // Refuse at once what could never be saved.
        std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(|e| Error::io(e, format!("opening {} for writing", path.display())))?;
        let (store, repairs) = open_store_rw(path)?;
        let key = self.open_store(store, repairs, Target::Path(path.to_path_buf()), false, opts)?;
        Ok(Message::from_key(self, key))
    }

    /// Opens a .msg read-write over any reader-writer; saving rewrites the
    /// message's storages in place and flushes. Entries of the root storage
    /// whose names do not start with `__` are left untouched. Unlike a
    /// path, a reader-writer cannot be replaced atomically: a save that
    /// fails half-way leaves it damaged. Use [`Session::open_file_rw`] for
    /// crash safety.
    ///
    /// MAPI: `OpenIMsgOnIStg` with a read-write transacted storage.
    ///
    /// # Errors
    /// As [`Session::open`].
    pub fn open_rw<F: Read + Write + Seek + 'static>(&self, inner: F) -> Result<Message<'_, ReadWrite>> {
        self.open_rw_with(inner, &self.options.open)
    }

    /// [`Session::open_rw`] with its own [`OpenOptions`].
    ///
    /// # Errors
    /// As [`Session::open_with`].
    pub fn open_rw_with<F: Read + Write + Seek + 'static>(
        &self,
        inner: F,
        opts: &OpenOptions,
    ) -> Result<Message<'_, ReadWrite>> {
        let (cf, repairs) = cfb_fixup::open_repaired(inner).map_err(|e| open_err(e, "the input"))?;
        let key = self.open_store(Box::new(cf), repairs, Target::InPlace { commit: true }, false, opts)?;
        Ok(Message::from_key(self, key))
    }

    /// Opens (or, when its root storage holds no message yet, creates) a
    /// message over the caller's own compound file. With `commit == false`
    /// (MAPI's `IMSG_NO_ISTG_COMMIT`), saving writes the message's storages
    /// but does not flush the compound file, so the caller can add storages
    /// of its own (names not starting with `__`) and flush it. Take the
    /// compound file back with [`Message::into_compound_file`].
    ///
    /// MAPI: `OpenIMsgOnIStg(…, lpStg, …, IMSG_NO_ISTG_COMMIT, …)`.
    pub fn open_compound<F: Read + Write + Seek + 'static>(
        &self,
        cf: cfb::CompoundFile<F>,
        commit: bool,
    ) -> Result<Message<'_, ReadWrite>> {
        let key = self.open_store(
            Box::new(cf),
            Vec::new(),
            Target::InPlace { commit },
            true,
            &self.options.open,
        )?;
        Ok(Message::from_key(self, key))
    }

    /// Creates a new, empty message that will be written to `path` by its
    /// first `save_changes` (an existing file there is replaced then, not
    /// now).
    ///
    /// MAPI: `StgCreateDocfile` + `OpenIMsgOnIStg` on the new storage.
    pub fn create(&self, path: impl AsRef<Path>) -> Result<Message<'_, ReadWrite>> {
        let key = self.create_node(Target::Path(PathBuf::from(path.as_ref())));
        Ok(Message::from_key(self, key))
    }

    /// Creates a new, empty message in memory; write it with
    /// [`Message::save_to`] or [`Message::to_bytes`].
    pub fn create_in_memory(&self) -> Result<Message<'_, ReadWrite>> {
        Ok(Message::from_key(self, self.create_node(Target::Memory)))
    }

    fn file_state(
        &self,
        store: Option<Box<dyn CompoundStore>>,
        target: Target,
        unicode: bool,
        options: &OpenOptions,
    ) -> FileState {
        FileState {
            store,
            target,
            unicode,
            options: options.clone(),
            damage_accepted: false,
            repairs: Vec::new(),
            names: None,
            names_dirty: false,
        }
    }

    fn new_state(&self) -> MessageState {
        let mut st = MessageState::new(HeaderKind::TopLevel);
        let unicode = self.options.unicode;
        let mut put = |id: u16, v: PropValue, flags: u32| {
            let tag = PropTag::new(id, v.prop_type());
            st.props.map.insert(
                tag.0,
                PropEntry {
                    tag,
                    flags,
                    val: Val::Value(v),
                },
            );
        };
        put(0x001A, PropValue::Unicode("IPM.Note".into()), PropAttr::DEFAULT.0);
        // MSGFLAG_READ | MSGFLAG_UNSENT: a draft that Outlook opens editable.
        put(0x0E07, PropValue::Long(0x9), PropAttr::DEFAULT.0);
        // What Outlook writes (digest 7.5), with STORE_UNICODE_OK iff Unicode.
        let mask = 0x0000_0E79 | if unicode { STORE_UNICODE_OK } else { 0 };
        put(0x340D, PropValue::Long(mask as i32), PropAttr::READABLE);
        if unicode {
            put(0x340F, PropValue::Long(mask as i32), PropAttr::READABLE);
        } else {
            put(
                0x3FFD,
                PropValue::Long(self.options.ansi_codepage as i32),
                PropAttr::DEFAULT.0,
            );
        }
        st
    }

    fn create_node(&self, target: Target) -> Key<Node> {
        let file = self.file_state(None, target, self.options.unicode, &self.options.open);
        let st = self.new_state();
        self.inner.borrow_mut().add_top(file, st)
    }

    /// Reads the top-level message of `store`; `may_be_empty` lets a
    /// storage without a property stream become a new message.
    fn open_store(
        &self,
        mut store: Box<dyn CompoundStore>,
        repairs: Vec<String>,
        target: Target,
        may_be_empty: bool,
        opts: &OpenOptions,
    ) -> Result<Key<Node>> {
        let has_props = store
            .children("/")
            .map(|c| {
                c.iter()
                    .any(|e| e.is_stream && e.name.eq_ignore_ascii_case(names::PROPERTIES))
            })
            .unwrap_or(false);
        if !has_props {
            if may_be_empty {
                let mut file = self.file_state(Some(store), target, self.options.unicode, opts);
                file.repairs = repairs;
                let st = self.new_state();
                return Ok(self.inner.borrow_mut().add_top(file, st));
            }
            return Err(Error::corrupt(
                "/",
                "the compound file has no __properties_version1.0 stream: it is not a .msg",
            ));
        }
        let mut inner = self.inner.borrow_mut();
        // The file key is needed for the state's sources: reserve it first.
        let mut file = self.file_state(None, target, true, opts);
        file.repairs = repairs;
        let fkey = inner.files.insert(file);
        let st = match load::load_message(store.as_mut(), fkey, "/", HeaderKind::TopLevel, opts) {
            Ok(st) => st,
            Err(e) => {
                inner.files.remove(fkey);
                return Err(e);
            }
        };
        // MS-OXMSG 2.1.1.1: STORE_UNICODE_OK in PR_STORE_SUPPORT_MASK; without
        // the property, any PT_UNICODE string means a Unicode file.
        let unicode = match st.props.long(0x340D) {
            Some(mask) => mask as u32 & STORE_UNICODE_OK != 0,
            None => st.props.map.values().any(|e| e.tag.prop_type() == PropType::UNICODE),
        };
        let f = inner.files.get_mut(fkey).expect("just inserted");
        f.store = Some(store);
        f.unicode = unicode;
        Ok(inner.nodes.insert(Node::Message(crate::store::MessageNode {
            file: fkey,
            parent: None,
            state: st,
            open_attachments: Default::default(),
            refs: 1,
            depth: 0,
        })))
    }
}

static_assertions::assert_not_impl_any!(Session: Send, Sync);
