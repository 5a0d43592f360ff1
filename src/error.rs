//! The one error type of the crate and its mapping to MAPI `SCODE`s.
//!
//! Every variant says what was wrong and where: the storage path inside the
//! compound file, the property tag, the limit that was exceeded. `Error::scode`
//! gives the MAPI code a MAPI programmer would have seen for the same failure.

use std::io;

use crate::prop::PropTag;

/// `Result` with [`Error`] as its error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// MAPI status codes (`SCODE`s) used by [`Error::scode`], from `mapicode.h`.
pub mod scode {
    /// `MAPI_E_CALL_FAILED` (= `E_FAIL`).
    pub const MAPI_E_CALL_FAILED: u32 = 0x8000_4005;
    /// `MAPI_E_NOT_ENOUGH_MEMORY` (= `E_OUTOFMEMORY`).
    pub const MAPI_E_NOT_ENOUGH_MEMORY: u32 = 0x8007_000E;
    /// `MAPI_E_INVALID_PARAMETER` (= `E_INVALIDARG`).
    pub const MAPI_E_INVALID_PARAMETER: u32 = 0x8007_0057;
    /// `MAPI_E_NO_ACCESS` (= `E_ACCESSDENIED`).
    pub const MAPI_E_NO_ACCESS: u32 = 0x8007_0005;
    /// `MAPI_E_NO_SUPPORT`.
    pub const MAPI_E_NO_SUPPORT: u32 = 0x8004_0102;
    /// `MAPI_E_BAD_CHARWIDTH`.
    pub const MAPI_E_BAD_CHARWIDTH: u32 = 0x8004_0103;
    /// `MAPI_E_INVALID_OBJECT`.
    pub const MAPI_E_INVALID_OBJECT: u32 = 0x8004_0108;
    /// `MAPI_E_OBJECT_DELETED`.
    pub const MAPI_E_OBJECT_DELETED: u32 = 0x8004_010A;
    /// `MAPI_E_BUSY`.
    pub const MAPI_E_BUSY: u32 = 0x8004_010B;
    /// `MAPI_E_NOT_ENOUGH_DISK`.
    pub const MAPI_E_NOT_ENOUGH_DISK: u32 = 0x8004_010D;
    /// `MAPI_E_NOT_FOUND`.
    pub const MAPI_E_NOT_FOUND: u32 = 0x8004_010F;
    /// `MAPI_E_DISK_ERROR`.
    pub const MAPI_E_DISK_ERROR: u32 = 0x8004_0116;
    /// `MAPI_E_TOO_COMPLEX`.
    pub const MAPI_E_TOO_COMPLEX: u32 = 0x8004_0117;
    /// `MAPI_E_COMPUTED`.
    pub const MAPI_E_COMPUTED: u32 = 0x8004_011A;
    /// `MAPI_E_CORRUPT_DATA`.
    pub const MAPI_E_CORRUPT_DATA: u32 = 0x8004_011B;
    /// `MAPI_E_UNKNOWN_CPID`.
    pub const MAPI_E_UNKNOWN_CPID: u32 = 0x8004_011E;
    /// `MAPI_E_BAD_VALUE`.
    pub const MAPI_E_BAD_VALUE: u32 = 0x8004_0301;
    /// `MAPI_E_INVALID_TYPE`.
    pub const MAPI_E_INVALID_TYPE: u32 = 0x8004_0302;
    /// `MAPI_E_TOO_BIG`.
    pub const MAPI_E_TOO_BIG: u32 = 0x8004_0305;
    /// `MAPI_E_UNEXPECTED_ID`.
    pub const MAPI_E_UNEXPECTED_ID: u32 = 0x8004_0307;
    /// `MAPI_E_COLLISION`.
    pub const MAPI_E_COLLISION: u32 = 0x8004_0604;
}

/// Everything that can go wrong in oxmsg.
///
/// `Error` is `Send + Sync + 'static`, so it can cross threads and be boxed
/// into `anyhow`-style errors. [`Error::scode`] maps each variant to the MAPI
/// `SCODE` that MAPI returns for the same failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file, or a part of it, breaks MS-OXMSG or MS-CFB.
    /// MAPI: `MAPI_E_CORRUPT_DATA`.
    #[error("corrupt data in {path}: {detail}")]
    CorruptData {
        /// Storage path inside the compound file (`/` is the root storage).
        path: String,
        /// What was wrong.
        detail: String,
        /// The low-level error, when there was one.
        #[source]
        source: Option<io::Error>,
    },

    /// A property, stream, storage, attachment or recipient is not there.
    /// MAPI: `MAPI_E_NOT_FOUND`.
    #[error("not found: {what}")]
    NotFound {
        /// What was looked for, and where.
        what: String,
    },

    /// A property that the object does not have.
    /// MAPI: `MAPI_E_NOT_FOUND`.
    #[error("property {tag} not found on {object}")]
    PropNotFound {
        /// The tag that was asked for.
        tag: PropTag,
        /// The object (storage path) it was asked on.
        object: String,
    },

    /// An id kept as plain data names an object that was deleted or closed.
    /// MAPI: `MAPI_E_OBJECT_DELETED`.
    #[error("object deleted: {what}")]
    ObjectDeleted {
        /// Which object.
        what: String,
    },

    /// The operation is not allowed on this object or property (read-only
    /// storage, property without the writable attribute, …).
    /// MAPI: `MAPI_E_NO_ACCESS`.
    #[error("no access: {detail}")]
    NoAccess {
        /// Why.
        detail: String,
    },

    /// A computed property (PR_ATTACH_NUM, PR_ROWID, …) cannot be set or
    /// deleted directly. MAPI: `MAPI_E_COMPUTED`.
    #[error("property {tag} is computed by oxmsg and cannot be set or deleted")]
    Computed {
        /// The property.
        tag: PropTag,
    },

    /// An argument was not acceptable. MAPI: `MAPI_E_INVALID_PARAMETER`.
    #[error("invalid parameter: {detail}")]
    InvalidParameter {
        /// What was wrong with it.
        detail: String,
    },

    /// A value does not fit the property's type, or a string cannot be
    /// represented in the message's code page. MAPI: `MAPI_E_INVALID_TYPE`
    /// or `MAPI_E_BAD_CHARWIDTH`.
    #[error("bad value for {tag}: {detail}")]
    BadValue {
        /// The property.
        tag: PropTag,
        /// What was wrong.
        detail: String,
        /// The MAPI code (`MAPI_E_INVALID_TYPE`, `MAPI_E_BAD_CHARWIDTH`, `MAPI_E_BAD_VALUE`).
        scode: u32,
    },

    /// A code page that oxmsg cannot decode or encode. MAPI: `MAPI_E_UNKNOWN_CPID`.
    #[error("unknown or unsupported code page {codepage}")]
    UnknownCodepage {
        /// The Windows code page number.
        codepage: u32,
    },

    /// Something read from a file exceeds a limit of [`crate::Limits`].
    /// MAPI: `MAPI_E_TOO_BIG`.
    #[error("limit {limit} exceeded at {path}: {value} > {max}")]
    LimitExceeded {
        /// The name of the limit (a field of [`crate::Limits`]).
        limit: &'static str,
        /// The value found.
        value: u64,
        /// The limit in force.
        max: u64,
        /// Where it was found.
        path: String,
    },

    /// The operation is not supported by a message on a compound file.
    /// MAPI: `MAPI_E_NO_SUPPORT`.
    #[error("not supported: {detail}")]
    NoSupport {
        /// What was asked.
        detail: String,
    },

    /// An id from one session was used in another.
    /// MAPI: `MAPI_E_INVALID_OBJECT`.
    #[error("{what} belongs to another session")]
    WrongSession {
        /// Which kind of id.
        what: &'static str,
    },

    /// A named property that is not mapped (GetNamesFromIDs of an unknown id,
    /// or GetIDsFromNames without create). MAPI: `MAPI_E_NOT_FOUND` /
    /// `MAPI_E_UNEXPECTED_ID`.
    #[error("named property not mapped: {what}")]
    NameNotMapped {
        /// The id or name.
        what: String,
    },

    /// The named-property map is full (0x7FFF entries). MAPI: `MAPI_E_TOO_BIG`.
    #[error("the named-property map is full")]
    NameMapFull,

    /// A leniently read message had items that could not be read and were
    /// skipped; saving would leave them out, so it needs the caller's
    /// explicit choice ([`crate::Message::accept_damage`]).
    /// MAPI: `MAPI_E_CORRUPT_DATA`.
    #[error("{} item(s) of this message could not be read and would be left out by saving (call accept_damage to save anyway); first: {}", skipped.len(), skipped.first().map(|w| w.to_string()).unwrap_or_default())]
    DamageNotAccepted {
        /// Each skipped item, with its storage path and reason.
        skipped: Vec<crate::Warning>,
    },

    /// A call back into the session from a caller's reader or writer (or
    /// a property stream being read) needed a compound file that the
    /// unfinished outer call is using. Nothing changed; retry after the
    /// outer call returns. MAPI: `MAPI_E_BUSY`.
    #[error("busy: {what}")]
    Busy {
        /// What was busy.
        what: String,
    },

    /// A save was asked while a stream written on the object (or on an
    /// object inside it) is open and not committed, so the save would leave
    /// its bytes out. Commit or drop the stream first. MAPI: `MAPI_E_BUSY`.
    #[error("a written stream is still open on {what}: commit or drop it before saving")]
    StreamOpen {
        /// The object the stream is open on.
        what: String,
    },

    /// Every attachment or recipient number that the file allows has been
    /// used: numbers are never reused within a file's life.
    /// MAPI: `MAPI_E_TOO_BIG`.
    #[error("no {what} number is left: numbers are never reused and the file's next number is {next}")]
    IdsExhausted {
        /// `attachment` or `recipient`.
        what: &'static str,
        /// The next number the file names.
        next: u64,
    },

    /// An I/O error outside the compound file's contents: the file system,
    /// the caller's reader or writer.
    #[error("I/O error while {context}")]
    Io {
        /// What oxmsg was doing.
        context: String,
        /// The error.
        #[source]
        source: io::Error,
    },
}

impl Error {
    /// The MAPI `SCODE` for this error (see [`scode`]).
    ///
    /// # MAPI
    /// `IMAPIProp::GetLastError` / the HRESULT a MAPI call returns.
    pub fn scode(&self) -> u32 {
        use scode::*;
        match self {
            Error::CorruptData { .. } | Error::DamageNotAccepted { .. } => MAPI_E_CORRUPT_DATA,
            Error::NotFound { .. } | Error::PropNotFound { .. } => MAPI_E_NOT_FOUND,
            Error::ObjectDeleted { .. } => MAPI_E_OBJECT_DELETED,
            Error::NoAccess { .. } => MAPI_E_NO_ACCESS,
            Error::Computed { .. } => MAPI_E_COMPUTED,
            Error::InvalidParameter { .. } => MAPI_E_INVALID_PARAMETER,
            Error::BadValue { scode, .. } => *scode,
            Error::UnknownCodepage { .. } => MAPI_E_UNKNOWN_CPID,
            Error::LimitExceeded { .. } => MAPI_E_TOO_BIG,
            Error::NoSupport { .. } => MAPI_E_NO_SUPPORT,
            Error::WrongSession { .. } => MAPI_E_INVALID_OBJECT,
            Error::NameNotMapped { .. } => MAPI_E_NOT_FOUND,
            Error::NameMapFull => MAPI_E_TOO_BIG,
            Error::Busy { .. } | Error::StreamOpen { .. } => MAPI_E_BUSY,
            Error::IdsExhausted { .. } => MAPI_E_TOO_BIG,
            Error::Io { source, .. } => io_scode(source),
        }
    }

    /// A corrupt-data error at `path`.
    pub(crate) fn corrupt(path: impl Into<String>, detail: impl Into<String>) -> Error {
        Error::CorruptData {
            path: path.into(),
            detail: detail.into(),
            source: None,
        }
    }

    /// Maps an `io::Error` from the `cfb` layer or the file system by kind
    /// (the MapStorageSCode of MAPI): a missing entry becomes `NotFound`
    /// naming `path`, malformed data becomes `CorruptData` at `path`, and the
    /// rest stays an I/O error with `context`.
    pub(crate) fn from_cfb(err: io::Error, path: &str, context: &str) -> Error {
        match err.kind() {
            io::ErrorKind::NotFound => Error::NotFound {
                what: format!("{path} ({err})"),
            },
            io::ErrorKind::InvalidData | io::ErrorKind::UnexpectedEof => Error::CorruptData {
                path: path.to_string(),
                detail: format!("{context}: {err}"),
                source: Some(err),
            },
            _ => Error::Io {
                context: format!("{context} ({path})"),
                source: err,
            },
        }
    }

    /// Wraps a file-system or caller I/O error.
    pub(crate) fn io(err: io::Error, context: impl Into<String>) -> Error {
        Error::Io {
            context: context.into(),
            source: err,
        }
    }
}

/// A caller's I/O error, for `?` in code that mixes `std::io` and oxmsg
/// calls. oxmsg's own I/O errors carry what oxmsg was doing instead.
impl From<io::Error> for Error {
    fn from(err: io::Error) -> Error {
        Error::Io {
            context: "an I/O operation".into(),
            source: err,
        }
    }
}

/// The MAPI code of an I/O error: by its kind, and a full disk by its OS
/// error (`io::ErrorKind::StorageFull` is newer than the crate's MSRV).
fn io_scode(e: &io::Error) -> u32 {
    use scode::*;
    // ENOSPC on Unix; ERROR_HANDLE_DISK_FULL, ERROR_DISK_FULL on Windows.
    let disk_full = if cfg!(windows) { [39, 112] } else { [28, 28] };
    if e.raw_os_error().is_some_and(|c| disk_full.contains(&c)) {
        return MAPI_E_NOT_ENOUGH_DISK;
    }
    match e.kind() {
        io::ErrorKind::NotFound => MAPI_E_NOT_FOUND,
        io::ErrorKind::PermissionDenied => MAPI_E_NO_ACCESS,
        io::ErrorKind::OutOfMemory => MAPI_E_NOT_ENOUGH_MEMORY,
        io::ErrorKind::InvalidData | io::ErrorKind::UnexpectedEof => MAPI_E_CORRUPT_DATA,
        io::ErrorKind::InvalidInput => MAPI_E_INVALID_PARAMETER,
        io::ErrorKind::AlreadyExists => MAPI_E_COLLISION,
        io::ErrorKind::Unsupported => MAPI_E_NO_SUPPORT,
        _ => MAPI_E_DISK_ERROR,
    }
}

static_assertions::assert_impl_all!(Error: Send, Sync, std::error::Error);
