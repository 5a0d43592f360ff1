//! The access markers of handles: `ReadOnly` and `ReadWrite` (a sealed trait).

mod sealed {
    pub trait Sealed {}
}

/// The access mode of a message or attachment handle, fixed by the call
/// that opened it. Sealed: implemented by [`ReadOnly`] and [`ReadWrite`].
pub trait Access: sealed::Sealed + 'static {
    /// Whether the handle may write.
    const WRITABLE: bool;
}

/// Read-only access: the handle has no setter and no save
/// (MAPI: an object opened without `MAPI_MODIFY`).
#[derive(Debug, Clone, Copy)]
pub enum ReadOnly {}

/// Read-write access (MAPI: `MAPI_MODIFY`, a storage opened `STGM_READWRITE | STGM_TRANSACTED`).
#[derive(Debug, Clone, Copy)]
pub enum ReadWrite {}

impl sealed::Sealed for ReadOnly {}
impl sealed::Sealed for ReadWrite {}
impl Access for ReadOnly {
    const WRITABLE: bool = false;
}
impl Access for ReadWrite {
    const WRITABLE: bool = true;
}

/// The access of handles that may write: only [`ReadWrite`]. Methods that
/// change an object require `A: Writable`, so calling one on a read-only
/// handle is a compile error that says so.
#[diagnostic::on_unimplemented(
    message = "this object was opened read-only: `{Self}` access has no `set`, `delete`, `save_changes` or other write",
    label = "needs a `ReadWrite` handle",
    note = "open the message read-write to write it: `session.opener().read_write().path(..)` (or `.reader(..)`), or create one with `session.opener().create(..)`"
)]
pub trait Writable: Access {}
impl Writable for ReadWrite {}
