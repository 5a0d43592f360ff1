//! `Session`: MAPI's message session (`OpenIMsgSession`, `CloseIMsgSession`)
//! and the calls that open messages in it (`OpenIMsgOnIStg`).

use std::sync::atomic::{AtomicU64, Ordering};

use crate::access::ReadOnly;
use crate::arena::Key;
use crate::error::Result;
use crate::opener::Opener;
use crate::options::OpenOptions;
use crate::store::open::NewFile;
use crate::store::{Engine, Node};

/// `STORE_UNICODE_OK`: PR_STORE_SUPPORT_MASK bit of a Unicode .msg (MS-OXMSG 2.1.1.1).
pub const STORE_UNICODE_OK: u32 = crate::store::open::STORE_UNICODE_OK;

static NEXT_SESSION: AtomicU64 = AtomicU64::new(1);

/// How a session opens and creates messages.
///
/// ```
/// let opts = oxmsg::SessionOptions::default().unicode(false);
/// let session = oxmsg::Session::with_options(opts);
/// let msg = session.opener().create_in_memory().unwrap();
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
/// let msg = session.opener().create_in_memory()?;
/// msg.set(tags::SUBJECT, "Hello")?;
/// let bytes = msg.to_bytes()?;
/// drop(msg);
/// let read = session.opener().reader(std::io::Cursor::new(bytes))?;
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
    /// [`Error::Busy`](crate::Error::Busy) when called back from a caller's reader or writer in
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

    /// The way to open or create a message in this session: choose the
    /// access, the reading options and the source. See [`Opener`].
    ///
    /// # MAPI
    /// `OpenIMsgOnIStg`.
    pub fn opener(&self) -> Opener<'_, ReadOnly> {
        Opener::new(self, self.options.open.clone())
    }

    pub(crate) fn new_file(&self) -> NewFile {
        NewFile {
            unicode: self.options.unicode,
            ansi_codepage: self.options.ansi_codepage,
        }
    }
}

static_assertions::assert_not_impl_any!(Session: Send, Sync);
