//! The engine's front door: the session state behind a lock, and the rule
//! that no borrow of it is held while code that is not oxmsg's runs.
//!
//! Code that is not oxmsg's runs in three places: a caller's reader, writer
//! or compound file behind a message (its `Read`/`Write`/`Seek`), a reader
//! or writer passed to one call (`write_data`, `save_to`), and `Drop`.
//! Every compound file lives in its [`FileState`]; an operation that reads
//! or writes it first takes it out of the state with a [`Lease`], lets go of
//! the state, does its I/O, and puts it back. So while a caller's code runs
//! the state is free: a call back into the session works, and only a call
//! that needs the very compound file that is busy gets [`Error::Busy`]
//! (cfb cannot be entered twice). A handle dropped while the state is
//! borrowed (which oxmsg never lets happen, but `Drop` cannot fail) is
//! released at the next call instead of being forgotten.

use std::sync::{Mutex, MutexGuard, TryLockError};

use crate::arena::Key;
use crate::error::{Error, Result};

use super::backing::{CompoundStore, StoreView};
use super::{FileState, Inner, NodeKey};

/// The key of a file of the session.
pub(crate) type FileKey = Key<FileState>;

/// What arrived while the state was borrowed and is applied at the next
/// borrow: handle releases and compound files coming back from leases.
#[derive(Default)]
struct Parked {
    releases: Vec<NodeKey>,
    stores: Vec<(FileKey, Box<dyn CompoundStore>)>,
}

/// Files and compound files closed under the lock, dropped after it.
#[derive(Default)]
struct Closed {
    files: Vec<FileState>,
    stores: Vec<Box<dyn CompoundStore>>,
}

/// The session's state and the borrow discipline around it.
pub(crate) struct Engine {
    state: Mutex<Inner>,
    parked: Mutex<Parked>,
    /// The session's number, recorded in ids so that an id of another
    /// session is recognised.
    pub(crate) id: u64,
}

/// Takes a lock without waiting: `None` when it is held (by this thread:
/// a session is used from one thread, so a held lock means a call back into
/// the session from inside another call). A poisoned lock is taken anyway:
/// no engine operation leaves the state half-changed across a panic point.
fn lock<T>(m: &Mutex<T>) -> Option<MutexGuard<'_, T>> {
    match m.try_lock() {
        Ok(g) => Some(g),
        Err(TryLockError::Poisoned(p)) => Some(p.into_inner()),
        Err(TryLockError::WouldBlock) => None,
    }
}

fn busy(what: &str) -> Error {
    Error::Busy { what: what.to_string() }
}

impl Engine {
    pub(crate) fn new(id: u64) -> Engine {
        Engine {
            state: Mutex::new(Inner::default()),
            parked: Mutex::new(Parked::default()),
            id,
        }
    }

    /// Borrows the state for the length of one engine operation. Never
    /// held across a caller's code; a borrow that finds it taken (which
    /// would mean oxmsg broke that rule) is [`Error::Busy`], not a panic.
    /// What was parked meanwhile is applied first, and what that closes is
    /// dropped with the state free (a caller's reader has a `Drop` of its
    /// own).
    pub(crate) fn state(&self) -> Result<MutexGuard<'_, Inner>> {
        let taken = || busy("the session is in the middle of another call");
        let mut st = lock(&self.state).ok_or_else(taken)?;
        let closed = match lock(&self.parked) {
            Some(mut parked) if !parked.stores.is_empty() || !parked.releases.is_empty() => {
                let mut closed = Closed::default();
                for (file, store) in parked.stores.drain(..) {
                    closed.stores.extend(st.put_store(file, store));
                }
                for key in std::mem::take(&mut parked.releases) {
                    closed.files.extend(st.release(key));
                }
                closed
            }
            _ => return Ok(st),
        };
        drop(st);
        drop(closed);
        lock(&self.state).ok_or_else(taken)
    }

    /// Drops one handle on `key`; deferred when the state is borrowed. A
    /// file it closes is dropped with the state free.
    pub(crate) fn release(&self, key: NodeKey) {
        let closed = match self.state() {
            Ok(mut st) => st.release(key),
            Err(_) => {
                if let Some(mut parked) = lock(&self.parked) {
                    parked.releases.push(key);
                }
                None
            }
        };
        drop(closed);
    }

    /// Puts a compound file into the state (after a lease, or a reopen).
    fn give_back(&self, file: FileKey, store: Box<dyn CompoundStore>) {
        match lock(&self.state) {
            Some(mut st) => {
                let orphan = st.put_store(file, store);
                drop(st);
                drop(orphan);
            }
            None => {
                if let Some(mut parked) = lock(&self.parked) {
                    parked.stores.push((file, store));
                }
            }
        }
    }

    /// Whether the state is free (for `Debug` output, which cannot fail).
    pub(crate) fn peek<T>(&self, f: impl FnOnce(&Inner) -> T) -> Option<T> {
        lock(&self.state).map(|st| f(&st))
    }
}

/// The engine as one handle sees it: with the bytes the handle borrows when
/// its message was opened over a caller's buffer (`Opener::bytes`). The
/// session state cannot hold a borrow (it outlives it), so the handles
/// carry it, and every operation that reads the message's file is given it
/// here. Everything else is the [`Engine`]'s (`Deref`).
#[derive(Clone, Copy)]
pub(crate) struct Ctx<'a> {
    pub(crate) engine: &'a Engine,
    pub(crate) bytes: Option<&'a [u8]>,
}

impl std::ops::Deref for Ctx<'_> {
    type Target = Engine;
    fn deref(&self) -> &Engine {
        self.engine
    }
}

impl Engine {
    /// The engine for a call that borrows no bytes.
    pub(crate) fn ctx(&self) -> Ctx<'_> {
        Ctx {
            engine: self,
            bytes: None,
        }
    }
}

impl<'a> Ctx<'a> {
    /// Takes the compound file of `file` out of the state for I/O.
    ///
    /// # Errors
    /// [`Error::Busy`] when it is already out (a caller's reader or writer
    /// called back into the session while oxmsg was using that file);
    /// [`Error::CorruptData`] when the message has no compound file;
    /// [`Error::NoSupport`] when the file is a caller's borrowed bytes and
    /// this call was not given them (a call from another message's handle).
    pub(crate) fn lease(&self, file: FileKey) -> Result<Lease<'a>> {
        let engine = self.engine;
        let mut st = engine.state()?;
        let fs = st.files.get_mut(file).ok_or_else(|| Error::ObjectDeleted {
            what: "the message's file".into(),
        })?;
        if fs.leased {
            return Err(busy(
                "the message's compound file is being read or written by an unfinished call \
                 (a reader or writer called back into the session)",
            ));
        }
        let store = fs
            .store
            .take()
            .ok_or_else(|| Error::corrupt("/", "the message has no compound file"))?;
        fs.leased = true;
        drop(st);
        let mut lease = Lease {
            engine,
            file,
            store: Some(store),
            bytes: None,
        };
        if let Some(indexed) = lease.store.as_deref().and_then(|s| s.as_indexed()) {
            if indexed.is_borrowed() {
                match self.bytes {
                    Some(bytes) if indexed.is_borrowed_from(bytes) => lease.bytes = Some(bytes),
                    _ => {
                        return Err(Error::NoSupport {
                            detail: "a message opened over borrowed bytes is read only through its own handles".into(),
                        })
                    }
                }
            }
        }
        Ok(lease)
    }
}

impl Inner {
    /// Puts `store` back as the compound file of `file`; gives it back when
    /// the file was closed meanwhile (for the caller to drop with the state
    /// free).
    fn put_store(&mut self, file: FileKey, store: Box<dyn CompoundStore>) -> Option<Box<dyn CompoundStore>> {
        match self.files.get_mut(file) {
            Some(fs) => {
                fs.store = Some(store);
                fs.leased = false;
                None
            }
            None => Some(store),
        }
    }
}

/// A compound file taken out of the state; put back when dropped. For a
/// message over borrowed bytes, it also holds the bytes (`'a`).
pub(crate) struct Lease<'a> {
    engine: &'a Engine,
    file: FileKey,
    store: Option<Box<dyn CompoundStore>>,
    bytes: Option<&'a [u8]>,
}

impl<'a> Lease<'a> {
    /// The compound file, with its bytes when they are borrowed.
    pub(crate) fn store(&mut self) -> StoreView<'_, 'a> {
        let store = self
            .store
            .as_deref_mut()
            .expect("a lease holds its store until dropped");
        StoreView::new(store, self.bytes)
    }

    /// Takes the compound file for good (it is not put back). The file
    /// state stays marked as leased, so later uses are `Busy` until
    /// a new store is given ([`Engine::set_store`], [`Engine::store_lost`]).
    pub(crate) fn take(mut self) -> Box<dyn CompoundStore> {
        self.store.take().expect("a lease holds its store until dropped")
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        if let Some(store) = self.store.take() {
            self.engine.give_back(self.file, store);
        }
    }
}

impl Engine {
    /// Marks `file` as having no compound file (after a lease was taken for
    /// good and nothing could be put back).
    pub(crate) fn store_lost(&self, file: FileKey) {
        if let Ok(mut st) = self.state() {
            if let Some(fs) = st.files.get_mut(file) {
                fs.leased = false;
                fs.store = None;
            }
        }
    }

    /// Gives `file` a compound file (after a save reopened it).
    pub(crate) fn set_store(&self, file: FileKey, store: Box<dyn CompoundStore>) {
        self.give_back(file, store);
    }
}

static_assertions::assert_impl_all!(Engine: Send, Sync);
