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
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The file, or a part of it, breaks MS-OXMSG or MS-CFB.
    /// MAPI: `MAPI_E_CORRUPT_DATA`.
    CorruptData {
        /// Storage path inside the compound file (`/` is the root storage).
        path: String,
        /// What was wrong.
        detail: String,
        /// The low-level error, when there was one.
        source: Option<io::Error>,
    },

    /// A property, stream, storage, attachment or recipient is not there.
    /// MAPI: `MAPI_E_NOT_FOUND`.
    NotFound {
        /// What was looked for, and where.
        what: String,
    },

    /// A property that the object does not have.
    /// MAPI: `MAPI_E_NOT_FOUND`.
    PropNotFound {
        /// The tag that was asked for.
        tag: PropTag,
        /// The object (storage path) it was asked on.
        object: String,
    },

    /// An id kept as plain data names an object that was deleted or closed.
    /// MAPI: `MAPI_E_OBJECT_DELETED`.
    ObjectDeleted {
        /// Which object.
        what: String,
    },

    /// The operation is not allowed on this object or property (read-only
    /// storage, property without the writable attribute, …).
    /// MAPI: `MAPI_E_NO_ACCESS`.
    NoAccess {
        /// Why.
        detail: String,
    },

    /// A computed property (PR_ATTACH_NUM, PR_ROWID, …) cannot be set or
    /// deleted directly. MAPI: `MAPI_E_COMPUTED`.
    Computed {
        /// The property.
        tag: PropTag,
    },

    /// An argument was not acceptable. MAPI: `MAPI_E_INVALID_PARAMETER`.
    InvalidParameter {
        /// What was wrong with it.
        detail: String,
    },

    /// A value does not fit the property's type, or a string cannot be
    /// represented in the message's code page. MAPI: `MAPI_E_INVALID_TYPE`
    /// or `MAPI_E_BAD_CHARWIDTH`.
    BadValue {
        /// The property.
        tag: PropTag,
        /// What was wrong.
        detail: String,
        /// The MAPI code (`MAPI_E_INVALID_TYPE`, `MAPI_E_BAD_CHARWIDTH`, `MAPI_E_BAD_VALUE`).
        scode: u32,
    },

    /// A code page that oxmsg cannot decode or encode. MAPI: `MAPI_E_UNKNOWN_CPID`.
    UnknownCodepage {
        /// The Windows code page number.
        codepage: u32,
    },

    /// Something read from a file exceeds a limit of [`crate::Limits`].
    /// MAPI: `MAPI_E_TOO_BIG`.
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
    NoSupport {
        /// What was asked.
        detail: String,
    },

    /// An id from one session was used in another.
    /// MAPI: `MAPI_E_INVALID_OBJECT`.
    WrongSession {
        /// Which kind of id.
        what: &'static str,
    },

    /// A named property that is not mapped (GetNamesFromIDs of an unknown id,
    /// or GetIDsFromNames without create). MAPI: `MAPI_E_NOT_FOUND` /
    /// `MAPI_E_UNEXPECTED_ID`.
    NameNotMapped {
        /// The id or name.
        what: String,
    },

    /// The named-property map is full (0x7FFF entries). MAPI: `MAPI_E_TOO_BIG`.
    NameMapFull,

    /// A leniently read message had items that could not be read and were
    /// skipped; saving would leave them out, so it needs the caller's
    /// explicit choice ([`crate::Message::accept_damage`]).
    /// MAPI: `MAPI_E_CORRUPT_DATA`.
    DamageNotAccepted {
        /// Each skipped item, with its storage path and reason.
        skipped: Vec<crate::Warning>,
    },

    /// A call back into the session from a caller's reader or writer (or
    /// a property stream being read) needed a compound file that the
    /// unfinished outer call is using. Nothing changed; retry after the
    /// outer call returns. MAPI: `MAPI_E_BUSY`.
    Busy {
        /// What was busy.
        what: String,
    },

    /// A save was asked while a stream written on the object (or on an
    /// object inside it) is open and not committed, so the save would leave
    /// its bytes out. Commit or drop the stream first. MAPI: `MAPI_E_BUSY`.
    StreamOpen {
        /// The object the stream is open on.
        what: String,
    },

    /// Every attachment or recipient number that the file allows has been
    /// used: numbers are never reused within a file's life.
    /// MAPI: `MAPI_E_TOO_BIG`.
    IdsExhausted {
        /// `attachment` or `recipient`.
        what: &'static str,
        /// The next number the file names.
        next: u64,
    },

    /// An I/O error outside the compound file's contents: the file system,
    /// the caller's reader or writer.
    Io {
        /// What oxmsg was doing.
        context: String,
        /// The error.
        source: io::Error,
    },
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::CorruptData { path, detail, .. } => write!(f, "corrupt data in {path}: {detail}"),
            Error::NotFound { what } => write!(f, "not found: {what}"),
            Error::PropNotFound { tag, object } => write!(f, "property {tag} not found on {object}"),
            Error::ObjectDeleted { what } => write!(f, "object deleted: {what}"),
            Error::NoAccess { detail } => write!(f, "no access: {detail}"),
            Error::Computed { tag } => write!(f, "property {tag} is computed by oxmsg and cannot be set or deleted"),
            Error::InvalidParameter { detail } => write!(f, "invalid parameter: {detail}"),
            Error::BadValue { tag, detail, .. } => write!(f, "bad value for {tag}: {detail}"),
            Error::UnknownCodepage { codepage } => write!(f, "unknown or unsupported code page {codepage}"),
            Error::LimitExceeded {
                limit,
                value,
                max,
                path,
            } => {
                write!(f, "limit {limit} exceeded at {path}: {value} > {max}")
            }
            Error::NoSupport { detail } => write!(f, "not supported: {detail}"),
            Error::WrongSession { what } => write!(f, "{what} belongs to another session"),
            Error::NameNotMapped { what } => write!(f, "named property not mapped: {what}"),
            Error::NameMapFull => write!(f, "the named-property map is full"),
            Error::DamageNotAccepted { skipped } => write!(
                f,
                "{} item(s) of this message could not be read and would be left out by saving \
                 (call accept_damage to save anyway); first: {}",
                skipped.len(),
                skipped.first().map(|w| w.to_string()).unwrap_or_default()
            ),
            Error::Busy { what } => write!(f, "busy: {what}"),
            Error::StreamOpen { what } => {
                write!(
                    f,
                    "a written stream is still open on {what}: commit or drop it before saving"
                )
            }
            Error::IdsExhausted { what, next } => write!(
                f,
                "no {what} number is left: numbers are never reused and the file's next number is {next}"
            ),
            Error::Io { context, .. } => write!(f, "I/O error while {context}"),
        }
    }
}

/// What MAPI's `GetLastError` gives for an error (its `MAPIERROR`): the
/// component that failed (`lpszComponent`) and the low-level cause
/// (`ulLowLevelError`, here the MAPI code). It is the
/// [`source`](std::error::Error::source) of every [`Error`] that has no
/// I/O error under it; an I/O error's source is the `std::io::Error`
/// itself (the operating system's or the caller's), and
/// [`Error::last_error`] gives the component of any error.
///
/// ```
/// use std::error::Error as _;
/// let s = oxmsg::Session::new();
/// let m = s.opener().create_in_memory()?;
/// let e = m.set(oxmsg::tags::HASATTACH, true).unwrap_err();
/// let last = e.source().unwrap().downcast_ref::<oxmsg::LastError>().unwrap();
/// assert_eq!(last.component, "oxmsg property engine");
/// assert_eq!(last.low_level, oxmsg::scode::MAPI_E_COMPUTED);
/// # Ok::<(), oxmsg::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LastError {
    /// The part of oxmsg that failed (MAPI `lpszComponent`).
    pub component: &'static str,
    /// The MAPI code of the failure (MAPI `ulLowLevelError`).
    pub low_level: u32,
}

impl std::fmt::Display for LastError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (MAPI 0x{:08X})", self.component, self.low_level)
    }
}

impl std::error::Error for LastError {}

macro_rules! last_errors {
    ($($name:ident = $component:literal, $code:expr;)*) => {
        $(static $name: LastError = LastError { component: $component, low_level: $code };)*
    };
}

last_errors! {
    LE_FORMAT = "oxmsg message-format reader", scode::MAPI_E_CORRUPT_DATA;
    LE_NOT_FOUND = "oxmsg message store", scode::MAPI_E_NOT_FOUND;
    LE_PROP_NOT_FOUND = "oxmsg property engine", scode::MAPI_E_NOT_FOUND;
    LE_DELETED = "oxmsg object table", scode::MAPI_E_OBJECT_DELETED;
    LE_NO_ACCESS = "oxmsg property engine", scode::MAPI_E_NO_ACCESS;
    LE_COMPUTED = "oxmsg property engine", scode::MAPI_E_COMPUTED;
    LE_PARAMETER = "oxmsg API", scode::MAPI_E_INVALID_PARAMETER;
    LE_INVALID_TYPE = "oxmsg property engine", scode::MAPI_E_INVALID_TYPE;
    LE_CHARWIDTH = "oxmsg code pages", scode::MAPI_E_BAD_CHARWIDTH;
    LE_BAD_VALUE = "oxmsg property engine", scode::MAPI_E_BAD_VALUE;
    LE_CODEPAGE = "oxmsg code pages", scode::MAPI_E_UNKNOWN_CPID;
    LE_LIMIT = "oxmsg limits", scode::MAPI_E_TOO_BIG;
    LE_NO_SUPPORT = "oxmsg message on a compound file", scode::MAPI_E_NO_SUPPORT;
    LE_SESSION = "oxmsg session", scode::MAPI_E_INVALID_OBJECT;
    LE_NAMES = "oxmsg named-property map", scode::MAPI_E_NOT_FOUND;
    LE_NAMES_FULL = "oxmsg named-property map", scode::MAPI_E_TOO_BIG;
    LE_DAMAGE = "oxmsg lenient reader", scode::MAPI_E_CORRUPT_DATA;
    LE_BUSY = "oxmsg session lock", scode::MAPI_E_BUSY;
    LE_STREAM = "oxmsg property streams", scode::MAPI_E_BUSY;
    LE_IDS = "oxmsg attachment and recipient numbering", scode::MAPI_E_TOO_BIG;
}

impl std::error::Error for Error {
    /// The low-level cause: the I/O error under an I/O or compound-file
    /// failure; otherwise the [`LastError`] (component and MAPI code).
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            Error::CorruptData { source: Some(e), .. } => Some(e),
            _ => self
                .static_last_error()
                .map(|e| e as &(dyn std::error::Error + 'static)),
        }
    }
}

impl Error {
    fn static_last_error(&self) -> Option<&'static LastError> {
        Some(match self {
            Error::CorruptData { .. } => &LE_FORMAT,
            Error::NotFound { .. } => &LE_NOT_FOUND,
            Error::PropNotFound { .. } => &LE_PROP_NOT_FOUND,
            Error::ObjectDeleted { .. } => &LE_DELETED,
            Error::NoAccess { .. } => &LE_NO_ACCESS,
            Error::Computed { .. } => &LE_COMPUTED,
            Error::InvalidParameter { .. } => &LE_PARAMETER,
            Error::BadValue { scode, .. } => match *scode {
                scode::MAPI_E_BAD_CHARWIDTH => &LE_CHARWIDTH,
                scode::MAPI_E_INVALID_TYPE => &LE_INVALID_TYPE,
                _ => &LE_BAD_VALUE,
            },
            Error::UnknownCodepage { .. } => &LE_CODEPAGE,
            Error::LimitExceeded { .. } => &LE_LIMIT,
            Error::NoSupport { .. } => &LE_NO_SUPPORT,
            Error::WrongSession { .. } => &LE_SESSION,
            Error::NameNotMapped { .. } => &LE_NAMES,
            Error::NameMapFull => &LE_NAMES_FULL,
            Error::DamageNotAccepted { .. } => &LE_DAMAGE,
            Error::Busy { .. } => &LE_BUSY,
            Error::StreamOpen { .. } => &LE_STREAM,
            Error::IdsExhausted { .. } => &LE_IDS,
            Error::Io { .. } => return None,
        })
    }

    /// What MAPI's `IMAPIProp::GetLastError` gives for this error: the
    /// component and the low-level code (for an I/O error, the operating
    /// system's error number when there is one, else the MAPI code).
    pub fn last_error(&self) -> LastError {
        match self {
            Error::Io { source, .. } => LastError {
                component: "oxmsg file and stream I/O",
                low_level: source
                    .raw_os_error()
                    .map(|c| c as u32)
                    .unwrap_or_else(|| io_scode(source)),
            },
            Error::CorruptData { source: Some(_), .. } => LE_FORMAT,
            e => *e.static_last_error().expect("every other variant has one"),
        }
    }

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
