//! Limits on what oxmsg trusts from a file, in one place.

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
