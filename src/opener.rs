//! `Opener`: the one way to open or create a message in a session
//! (MAPI's `OpenIMsgOnIStg`), in the manner of `std::fs::OpenOptions`.

use std::io::{Read, Seek, Write};
use std::marker::PhantomData;
use std::path::Path;

use crate::access::{Access, ReadOnly, ReadWrite};
use crate::compound::indexed::IndexedFile;
use crate::compound::repair;
use crate::error::{Error, Result};
use crate::message::Message;
use crate::options::{Limits, OpenOptions};
use crate::session::Session;
use crate::store::backing::ReadOnlyFile;
use crate::store::open::{open_err, open_path_store};
use crate::store::Target;

/// How to open a message: the source is chosen by the last call, the access
/// by [`Opener::read_write`] (so the returned [`Message`] has the access in
/// its type), the reading by [`Opener::strict`], [`Opener::limits`],
/// [`Opener::codepage`] and [`Opener::lossy_ansi`]. Made by
/// [`Session::opener`], with the session's [`SessionOptions::open`](crate::SessionOptions::open).
///
/// ```
/// use oxmsg::{tags, Session};
/// let session = Session::new();
/// let draft = session.opener().create_in_memory()?;
/// draft.set(tags::SUBJECT, "Hello")?;
/// let bytes = draft.to_bytes()?;
///
/// let msg = session.opener().strict(true).reader(std::io::Cursor::new(bytes))?;
/// assert_eq!(msg.get(tags::SUBJECT)?.as_deref(), Some("Hello"));
/// # Ok::<(), oxmsg::Error>(())
/// ```
///
/// # MAPI
/// `OpenIMsgOnIStg` on a storage from `StgOpenStorage` (a path),
/// `StgOpenStorageOnILockBytes` (a reader) or the caller's own `IStorage`
/// ([`Opener::compound`]); `STGM_READ` or `STGM_READWRITE | STGM_TRANSACTED`.
#[must_use = "an Opener does nothing until a source is given (path, reader, compound, create)"]
pub struct Opener<'s, A: Access> {
    session: &'s Session,
    options: OpenOptions,
    _access: PhantomData<A>,
}

impl<'s> Opener<'s, ReadOnly> {
    pub(crate) fn new(session: &'s Session, options: OpenOptions) -> Opener<'s, ReadOnly> {
        Opener {
            session,
            options,
            _access: PhantomData,
        }
    }

    /// Opens read-write: the message returned is `Message<'_, ReadWrite>`.
    pub fn read_write(self) -> Opener<'s, ReadWrite> {
        Opener {
            session: self.session,
            options: self.options,
            _access: PhantomData,
        }
    }

    /// Opens the .msg at `path` read-only. The compound-file directory and
    /// the top-level property stream are read now; values when asked for.
    ///
    /// # Errors
    /// I/O errors opening the file; [`Error::CorruptData`] when it is not a
    /// compound file or not a message; [`Error::LimitExceeded`].
    pub fn path(self, path: impl AsRef<Path>) -> Result<Message<'s, ReadOnly>> {
        let (store, repairs) = open_path_store(path.as_ref(), self.options.memory_threshold)?;
        self.finish(store, repairs, Target::Memory, false)
    }

    /// Opens a .msg read-only from any reader. The reader is read when
    /// values are asked for; if it calls back into the session then, a call
    /// that needs the same file gets [`Error::Busy`].
    ///
    /// # Errors
    /// As [`Opener::path`].
    pub fn reader<R: Read + Seek + Send + Sync + 'static>(self, reader: R) -> Result<Message<'s, ReadOnly>> {
        let (cf, repairs) = repair::open_repaired(ReadOnlyFile(reader)).map_err(|e| open_err(e, "the input"))?;
        self.finish(Box::new(cf), repairs, Target::Memory, false)
    }

    /// Opens a .msg read-only over bytes the caller keeps (a buffer, a
    /// memory-mapped file): nothing is copied, and the bytes need not be
    /// `'static` — the message and everything opened from it borrow them,
    /// so the compiler keeps them alive and unchanged while it is open.
    /// oxmsg's own compound-file index reads them (held to `cfb`'s answers
    /// by a differential test over the corpus and mutated files); values
    /// that are stored whole in the file are read in place.
    ///
    /// ```
    /// use oxmsg::{tags, Session};
    /// let session = Session::new();
    /// let draft = session.opener().create_in_memory()?;
    /// draft.set(tags::SUBJECT, "Borrowed")?;
    /// let bytes: Vec<u8> = draft.to_bytes()?;
    ///
    /// let msg = session.opener().bytes(&bytes)?;
    /// assert_eq!(msg.get(tags::SUBJECT)?.as_deref(), Some("Borrowed"));
    /// # Ok::<(), oxmsg::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Opener::path`].
    ///
    /// # MAPI
    /// `StgOpenStorageOnILockBytes` over the caller's `ILockBytes`, then
    /// `OpenIMsgOnIStg`.
    pub fn bytes(self, bytes: &'s [u8]) -> Result<Message<'s, ReadOnly>> {
        let (indexed, repairs) = IndexedFile::parse_borrowed(bytes).map_err(|e| open_err(e, "the input"))?;
        self.finish_over(Box::new(indexed), repairs, Target::Memory, false, Some(bytes))
    }
}

impl<'s> Opener<'s, ReadWrite> {
    /// Opens the .msg at `path` read-write. Saving writes a new file beside
    /// it, syncs it and renames it over the old one, so a failed or
    /// interrupted save leaves the old file as it was.
    ///
    /// # Errors
    /// As [`Opener::path`] for reading; an I/O error when the file cannot
    /// be written.
    pub fn path(self, path: impl AsRef<Path>) -> Result<Message<'s, ReadWrite>> {
        let path = path.as_ref();
        // Refuse at once what could never be saved.
        std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(|e| Error::io(e, format!("opening {} for writing", path.display())))?;
        let (store, repairs) = open_path_store(path, self.options.memory_threshold)?;
        self.finish(store, repairs, Target::Path(path.to_path_buf()), false)
    }

    /// Opens a .msg read-write over any reader-writer; saving rewrites it
    /// in place and flushes, and [`Message::into_inner`] gives it back.
    /// Entries of the root storage whose names do not start with `__` are
    /// kept. Unlike a path, a reader-writer cannot be replaced atomically:
    /// a save that fails half-way leaves it damaged; use
    /// [`Opener::path`] for crash safety.
    ///
    /// # Errors
    /// As [`Opener::path`].
    pub fn reader<F: Read + Write + Seek + Send + Sync + 'static>(self, inner: F) -> Result<Message<'s, ReadWrite>> {
        let (cf, repairs) = repair::open_repaired(inner).map_err(|e| open_err(e, "the input"))?;
        self.finish(Box::new(cf), repairs, Target::InPlace { commit: true }, false)
    }

    /// Opens (or, when its root storage holds no message yet, creates) a
    /// message over the caller's own compound file. With `commit == false`
    /// (MAPI's `IMSG_NO_ISTG_COMMIT`), saving writes the message's storages
    /// but does not flush the compound file, so the caller can add storages
    /// of its own (names not starting with `__`) and flush it. Take the
    /// compound file back with [`Message::into_compound_file`].
    ///
    /// # Errors
    /// As [`Opener::path`].
    ///
    /// # MAPI
    /// `OpenIMsgOnIStg(…, lpStg, …, IMSG_NO_ISTG_COMMIT, …)`.
    pub fn compound<F: Read + Write + Seek + Send + Sync + 'static>(
        self,
        cf: cfb::CompoundFile<F>,
        commit: bool,
    ) -> Result<Message<'s, ReadWrite>> {
        self.finish(Box::new(cf), Vec::new(), Target::InPlace { commit }, true)
    }
}

impl<'s, A: Access> Opener<'s, A> {
    /// All the reading options at once.
    pub fn options(mut self, options: OpenOptions) -> Self {
        self.options = options;
        self
    }

    /// Refuse, rather than skip and report, what breaks MS-OXMSG
    /// (see [`OpenOptions`]).
    pub fn strict(mut self, strict: bool) -> Self {
        self.options.strict = strict;
        self
    }

    /// Bounds on sizes, counts and depths read from the file.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.options.limits = limits;
        self
    }

    /// Decode PT_STRING8 values with this code page instead of the one the
    /// file implies.
    pub fn codepage(mut self, codepage: u32) -> Self {
        self.options.codepage_override = Some(codepage);
        self
    }

    /// In an ANSI message, write characters its code page cannot hold as
    /// `?` instead of failing.
    pub fn lossy_ansi(mut self, lossy: bool) -> Self {
        self.options.lossy_ansi = lossy;
        self
    }

    /// Creates a new, empty message (read-write, Unicode or ANSI as the
    /// session's [`SessionOptions`](crate::SessionOptions) say) that its
    /// first `save_changes` writes to `path` (an existing file there is
    /// replaced then, atomically, not now).
    ///
    /// # Errors
    /// [`Error::Busy`] when called back from a caller's reader or writer in
    /// the middle of another call.
    ///
    /// # MAPI
    /// `StgCreateDocfile` + `OpenIMsgOnIStg` on the new storage.
    pub fn create(self, path: impl AsRef<Path>) -> Result<Message<'s, ReadWrite>> {
        let key = self.session.engine.ctx().create_message(
            Target::Path(path.as_ref().to_path_buf()),
            self.session.new_file(),
            self.options,
        )?;
        Ok(Message::from_key(self.session, key, None))
    }

    /// Creates a new, empty message in memory; write it with
    /// [`Message::save_to`], [`Message::to_bytes`] or [`Message::save_as`].
    ///
    /// # Errors
    /// As [`Opener::create`].
    pub fn create_in_memory(self) -> Result<Message<'s, ReadWrite>> {
        let key = self
            .session
            .engine
            .ctx()
            .create_message(Target::Memory, self.session.new_file(), self.options)?;
        Ok(Message::from_key(self.session, key, None))
    }

    fn finish<B: Access>(
        self,
        store: Box<dyn crate::store::backing::CompoundStore>,
        repairs: Vec<String>,
        target: Target,
        may_be_empty: bool,
    ) -> Result<Message<'s, B>> {
        self.finish_over(store, repairs, target, may_be_empty, None)
    }

    /// Opens `store`; `bytes` are the caller's bytes it indexes, if borrowed.
    fn finish_over<B: Access>(
        self,
        store: Box<dyn crate::store::backing::CompoundStore>,
        repairs: Vec<String>,
        target: Target,
        may_be_empty: bool,
        bytes: Option<&'s [u8]>,
    ) -> Result<Message<'s, B>> {
        let ctx = crate::store::engine::Ctx {
            engine: &self.session.engine,
            bytes,
        };
        let key = ctx.open_store(
            store,
            repairs,
            target,
            may_be_empty,
            self.session.new_file(),
            &self.options,
        )?;
        Ok(Message::from_key(self.session, key, bytes))
    }
}

impl<A: Access> std::fmt::Debug for Opener<'_, A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Opener")
            .field("options", &self.options)
            .field("writable", &A::WRITABLE)
            .finish()
    }
}
