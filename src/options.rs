//! How messages are opened: limits on what is trusted from a file, and
//! strict or lenient reading, in one place.

/// Bounds on every size, count and depth read from a file. A file that
/// exceeds one gives [`crate::Error::LimitExceeded`] naming the limit and the
/// storage path. Raise a limit by setting its field.
///
/// ```
/// let mut limits = oxmsg::Limits::default();
/// limits.max_value_bytes = 1 << 30; // read values up to 1 GiB into memory
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Largest value read into memory by `get`/`props` (a larger one is
    /// still readable as a stream with `open_stream`). Default 256 MiB.
    pub max_value_bytes: u64,
    /// Largest property stream (`__properties_version1.0`). Default 4 MiB
    /// (262,142 properties).
    pub max_property_stream_bytes: u64,
    /// Most values in one multi-valued property. Default 1,000,000.
    pub max_mv_values: u32,
    /// Most recipient storages, and most attachment storages, of one
    /// message. Default 2048, the MS-OXMSG maximum.
    pub max_children: u32,
    /// Deepest nesting of embedded messages. Default 64.
    pub max_depth: u32,
    /// Most named-property entries. Default 0x7FFF, the MAPI maximum.
    pub max_named_entries: u32,
    /// Largest decompressed RTF body. Default 256 MiB.
    pub max_rtf_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_value_bytes: 256 << 20,
            max_property_stream_bytes: 4 << 20,
            max_mv_values: 1_000_000,
            max_children: 2048,
            max_depth: 64,
            max_named_entries: 0x7FFF,
            max_rtf_bytes: 256 << 20,
        }
    }
}

/// How a message is read: the limits, strict or lenient reading, and the
/// code page of PT_STRING8 values. Pass one to [`crate::Opener::options`]
/// (or set single fields with the `Opener`'s methods);
/// [`crate::SessionOptions::open`] is what [`crate::Session::opener`] starts from.
///
/// **Lenient** reading (the default) reads what can be read: a property
/// whose entry has no stream, a duplicate entry, a recipient storage that
/// cannot be read are skipped, and each skipped item is reported with its
/// storage path and reason in `warnings()`. A message with skipped items is
/// not saved until the caller accepts that they will be left out
/// ([`crate::Message::accept_damage`]); parts that were never loaded are
/// copied byte for byte and lose nothing.
///
/// **Strict** reading refuses anything that breaks MS-OXMSG with
/// [`crate::Error::CorruptData`] naming the storage path and the problem.
/// (Writing is always strict: oxmsg never writes what MS-OXMSG forbids.)
///
/// ```
/// use oxmsg::{OpenOptions, Session};
/// let mut opts = OpenOptions::default();
/// opts.strict = true;
/// opts.limits.max_depth = 8;
/// let session = Session::new();
/// let bytes = session.opener().create_in_memory()?.to_bytes()?;
/// let msg = session.opener().options(opts).reader(std::io::Cursor::new(bytes))?;
/// # Ok::<(), oxmsg::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct OpenOptions {
    /// Bounds on sizes, counts and depths read from the file.
    pub limits: Limits,
    /// Refuse, rather than skip, what breaks MS-OXMSG. Default `false`.
    pub strict: bool,
    /// Decode PT_STRING8 values with this code page instead of the one the
    /// file implies. Default `None`.
    pub codepage_override: Option<u32>,
    /// In an ANSI message, write a character its code page cannot hold as
    /// `?` (as `WideCharToMultiByte` does) instead of failing with
    /// [`crate::Error::BadValue`]. Default `false`: nothing is lost silently.
    pub lossy_ansi: bool,
    /// A file opened by path and at most this many bytes long is read into
    /// memory at once; a larger one is read from the file as values are
    /// asked for (so a summary of a large file reads a small part of it).
    /// Default 32 MiB.
    pub memory_threshold: u64,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions {
            limits: Limits::default(),
            strict: false,
            codepage_override: None,
            lossy_ansi: false,
            memory_threshold: 32 << 20,
        }
    }
}

impl OpenOptions {
    /// Default options: lenient reading, default limits.
    pub fn new() -> OpenOptions {
        OpenOptions::default()
    }
    /// Refuse, rather than skip, what breaks MS-OXMSG.
    pub fn strict(mut self, strict: bool) -> OpenOptions {
        self.strict = strict;
        self
    }
    /// Bounds on sizes, counts and depths read from the file.
    pub fn limits(mut self, limits: Limits) -> OpenOptions {
        self.limits = limits;
        self
    }
    /// Decode PT_STRING8 values with this code page.
    pub fn codepage_override(mut self, codepage: Option<u32>) -> OpenOptions {
        self.codepage_override = codepage;
        self
    }
    /// Read files opened by path into memory up to this size (see
    /// [`OpenOptions::memory_threshold`]).
    pub fn memory_threshold(mut self, bytes: u64) -> OpenOptions {
        self.memory_threshold = bytes;
        self
    }
    /// Allow lossy ANSI writing (see [`OpenOptions::lossy_ansi`]).
    pub fn lossy_ansi(mut self, lossy: bool) -> OpenOptions {
        self.lossy_ansi = lossy;
        self
    }
}

impl OpenOptions {
    /// Records a problem found while reading `path`: an error when strict,
    /// else a warning of `kind` in `warnings`.
    pub(crate) fn problem(
        &self,
        path: &str,
        kind: crate::WarningKind,
        detail: String,
        warnings: &mut Vec<crate::Warning>,
    ) -> crate::Result<()> {
        if self.strict {
            Err(crate::Error::corrupt(path, detail))
        } else {
            warnings.push(crate::Warning::new(path, kind, detail));
            Ok(())
        }
    }
}
