//! `Session`: MAPI's message session (`OpenIMsgSession`, `CloseIMsgSession`)
//! and the calls that open messages in it (`OpenIMsgOnIStg`).

use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::access::{ReadOnly, ReadWrite};
use crate::arena::Key;
use crate::compound::repair;
use crate::error::{Error, Result};
use crate::message::Message;
use crate::options::OpenOptions;
use crate::store::backing::ReadOnlyFile;
use crate::store::open::{open_err, open_path_store, NewFile};
use crate::store::{Engine, Node, Target};

/// `STORE_UNICODE_OK`: PR_STORE_SUPPORT_MASK bit of a Unicode .msg (MS-OXMSG 2.1.1.1).
pub const STORE_UNICODE_OK: u32 = crate::store::open::STORE_UNICODE_OK;

static NEXT_SESSION: AtomicU64 = AtomicU64::new(1);

/// How a session opens and creates messages.
///
/// ```
/// let opts = oxmsg::SessionOptions::default().unicode(false);
/// let session = oxmsg::Session::with_options(opts);
/// let msg = session.create_in_memory().unwrap();
/// assert!(!msg.is_unicode());
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
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

impl SessionOptions {
    /// Create Unicode messages (`true`) or ANSI ones.
    pub fn unicode(mut self, unicode: bool) -> SessionOptions {
        self.unicode = unicode;
        self
    }
    /// The code page of new ANSI messages.
    pub fn ansi_codepage(mut self, codepage: u32) -> SessionOptions {
        self.ansi_codepage = codepage;
        self
    }
    /// How the plain `open*` calls read files.
    pub fn open(mut self, open: OpenOptions) -> SessionOptions {
        self.open = open;
        self
    }
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
    pub(crate) engine: Engine,
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
            .field("id", &self.engine.id)
            .field("open_messages", &self.engine.peek(|st| st.top_messages().len()))
            .finish()
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
            engine: Engine::new(NEXT_SESSION.fetch_add(1, Ordering::Relaxed)),
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
        drop(self);
    }

    /// The ids of the top-level messages open in this session.
    ///
    /// # Errors
    /// [`Error::Busy`] when called back from a caller's reader or writer in
    /// the middle of another call.
    pub fn open_messages(&self) -> Result<Vec<MessageId>> {
        Ok(self
            .engine
            .state()?
            .top_messages()
            .into_iter()
            .map(|node| MessageId {
                session: self.engine.id,
                node,
            })
            .collect())
    }

    /// Whether the message `id` is still open in this session.
    pub fn is_open(&self, id: MessageId) -> bool {
        id.session == self.engine.id && self.engine.peek(|st| st.nodes.get(id.node).is_some()).unwrap_or(true)
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
        let (cf, repairs) = repair::open_repaired(ReadOnlyFile(reader)).map_err(|e| open_err(e, "the input"))?;
        let key = self
            .engine
            .open_store(Box::new(cf), repairs, Target::Memory, false, self.new_file(), opts)?;
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
        let (store, repairs) = open_path_store(path.as_ref())?;
        let key = self
            .engine
            .open_store(store, repairs, Target::Memory, false, self.new_file(), opts)?;
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
        let (store, repairs) = open_path_store(path)?;
        let key = self.engine.open_store(
            store,
            repairs,
            Target::Path(path.to_path_buf()),
            false,
            self.new_file(),
            opts,
        )?;
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
        let (cf, repairs) = repair::open_repaired(inner).map_err(|e| open_err(e, "the input"))?;
        let key = self.engine.open_store(
            Box::new(cf),
            repairs,
            Target::InPlace { commit: true },
            false,
            self.new_file(),
            opts,
        )?;
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
        let key = self.engine.open_store(
            Box::new(cf),
            Vec::new(),
            Target::InPlace { commit },
            true,
            self.new_file(),
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
        let key = self.engine.create_message(
            Target::Path(PathBuf::from(path.as_ref())),
            self.new_file(),
            self.options.open.clone(),
        )?;
        Ok(Message::from_key(self, key))
    }

    /// Creates a new, empty message in memory; write it with
    /// [`Message::save_to`] or [`Message::to_bytes`].
    pub fn create_in_memory(&self) -> Result<Message<'_, ReadWrite>> {
        let key = self
            .engine
            .create_message(Target::Memory, self.new_file(), self.options.open.clone())?;
        Ok(Message::from_key(self, key))
    }

    fn new_file(&self) -> NewFile {
        NewFile {
            unicode: self.options.unicode,
            ansi_codepage: self.options.ansi_codepage,
        }
    }
}

static_assertions::assert_not_impl_any!(Session: Send, Sync);
