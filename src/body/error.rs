//! The error type of the body codecs.

use std::fmt;

/// What went wrong while decoding a compressed-RTF stream or an RTF document.
///
/// Every variant names the problem and, where there is one, the byte offset in
/// the input at which it was found (for compressed RTF, an offset into the
/// whole stream, header included). The integrator maps this into
/// `oxmsg::Error` (`MAPI_E_CORRUPT_DATA` with the property's path).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RtfError {
    /// The compressed-RTF stream ends before the byte(s) it needs.
    Truncated {
        /// Offset at which more input was needed.
        offset: usize,
        /// What was being read there.
        what: &'static str,
    },
    /// COMPSIZE in the header is smaller than the header itself (12).
    BadCompSize {
        /// The COMPSIZE field.
        comp_size: u32,
    },
    /// COMPTYPE is neither `LZFu` nor `MELA`.
    BadCompType {
        /// The COMPTYPE field.
        comp_type: u32,
    },
    /// The CRC in the header does not match the CRC of the compressed content.
    BadCrc {
        /// The CRC the header claims.
        stored: u32,
        /// The CRC computed over the content.
        computed: u32,
    },
    /// RAWSIZE in the header exceeds the caller's limit.
    TooLarge {
        /// RAWSIZE from the header.
        raw_size: u32,
        /// The caller's `max_size`.
        max_size: u64,
    },
    /// The compressed content ended without the end-of-stream reference while
    /// less than RAWSIZE bytes had been produced.
    MissingEnd {
        /// Offset of the end of the compressed content.
        offset: usize,
        /// Bytes produced.
        produced: usize,
        /// RAWSIZE from the header.
        raw_size: u32,
    },
    /// RTF groups nest deeper than [`crate::body::rtf::MAX_GROUP_DEPTH`].
    GroupTooDeep {
        /// Offset of the `{` that went too deep.
        offset: usize,
    },
    /// A control word's numeric parameter is longer than 10 digits or does not
    /// fit in an `i32`.
    ParameterOutOfRange {
        /// Offset of the control word's backslash.
        offset: usize,
    },
    /// A control word's name is longer than 32 letters (MSFT-RTF's limit).
    ControlWordTooLong {
        /// Offset of the control word's backslash.
        offset: usize,
    },
    /// `\binN` announces more bytes than the input has, or a negative count.
    BinPastEnd {
        /// Offset of the `\bin` control word.
        offset: usize,
        /// N.
        len: i64,
    },
    /// A `\'` escape is not followed by two hexadecimal digits.
    BadHexEscape {
        /// Offset of the backslash.
        offset: usize,
    },
    /// `\ucN` with N outside 0..=[`crate::body::rtf::MAX_UC_SKIP`].
    BadUnicodeSkip {
        /// Offset of the `\uc` control word.
        offset: usize,
        /// N.
        count: i32,
    },
    /// A backslash is the last byte of the input.
    TrailingBackslash {
        /// Offset of the backslash.
        offset: usize,
    },
    /// The input does not start with `{\rtf`.
    NotRtf,
    /// The document ends with groups still open.
    UnclosedGroup {
        /// How many groups were still open.
        depth: usize,
    },
}

impl fmt::Display for RtfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Truncated { offset, what } => {
                write!(f, "compressed RTF truncated at offset {offset}: {what} missing")
            }
            Self::BadCompSize { comp_size } => {
                write!(f, "compressed RTF header: COMPSIZE {comp_size} is smaller than 12")
            }
            Self::BadCompType { comp_type } => {
                write!(
                    f,
                    "compressed RTF header: COMPTYPE {comp_type:#010x} is neither LZFu nor MELA"
                )
            }
            Self::BadCrc { stored, computed } => write!(
                f,
                "compressed RTF header: CRC {stored:#010x} does not match the content's CRC {computed:#010x}"
            ),
            Self::TooLarge { raw_size, max_size } => write!(
                f,
                "compressed RTF header: RAWSIZE {raw_size} exceeds the limit of {max_size} bytes"
            ),
            Self::MissingEnd {
                offset,
                produced,
                raw_size,
            } => write!(
                f,
                "compressed RTF ends at offset {offset} without its end marker after {produced} of {raw_size} bytes"
            ),
            Self::GroupTooDeep { offset } => write!(
                f,
                "RTF groups nest deeper than {} at offset {offset}",
                crate::body::rtf::MAX_GROUP_DEPTH
            ),
            Self::ParameterOutOfRange { offset } => {
                write!(f, "RTF control word parameter out of range at offset {offset}")
            }
            Self::ControlWordTooLong { offset } => write!(f, "RTF control word too long at offset {offset}"),
            Self::BinPastEnd { offset, len } => {
                write!(f, "RTF \\bin{len} at offset {offset} runs past the end of the input")
            }
            Self::BadHexEscape { offset } => {
                write!(f, "RTF \\' escape at offset {offset} is not followed by two hex digits")
            }
            Self::BadUnicodeSkip { offset, count } => write!(
                f,
                "RTF \\uc{count} at offset {offset} is outside 0..={}",
                crate::body::rtf::MAX_UC_SKIP
            ),
            Self::TrailingBackslash { offset } => write!(f, "RTF ends with a lone backslash at offset {offset}"),
            Self::NotRtf => write!(f, "input does not start with {{\\rtf"),
            Self::UnclosedGroup { depth } => write!(f, "RTF ends with {depth} group(s) still open"),
        }
    }
}

impl std::error::Error for RtfError {}
