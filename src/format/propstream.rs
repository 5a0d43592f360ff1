//! The property stream `__properties_version1.0` (MS-OXMSG 2.4) and the
//! byte forms of property values (MS-OXMSG 2.1, MS-OXCDATA 2.11.1).

use crate::prop::{FileTime, Guid, PropTag, PropType, PropValue, String8};

/// Which header a property stream has; it depends on where the stream is,
/// not on its contents (MS-OXMSG 2.4.1).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum HeaderKind {
    /// The top-level message: 32 bytes.
    TopLevel,
    /// An embedded message (inside `__substg1.0_3701000D`): 24 bytes.
    Embedded,
    /// A recipient or attachment storage: 8 bytes.
    Child,
}

impl HeaderKind {
    /// The header length in bytes.
    pub(crate) const fn len(self) -> usize {
        match self {
            HeaderKind::TopLevel => 32,
            HeaderKind::Embedded => 24,
            HeaderKind::Child => 8,
        }
    }
}

/// The counters of a message's property-stream header (MS-OXMSG 2.4.1.1).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub(crate) struct Header {
    pub(crate) next_recipient_id: u32,
    pub(crate) next_attachment_id: u32,
    pub(crate) recipient_count: u32,
    pub(crate) attachment_count: u32,
}

/// One 16-byte property entry (MS-OXMSG 2.4.2).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct RawEntry {
    pub(crate) tag: PropTag,
    /// `PROPATTR_*` bits.
    pub(crate) flags: u32,
    /// The value field: an inline value, or `Size` + reserved.
    pub(crate) value: [u8; 8],
}

/// A parsed property stream.
#[derive(Clone, Debug, Default)]
pub(crate) struct PropStream {
    pub(crate) header: Header,
    pub(crate) entries: Vec<RawEntry>,
    /// Things that were wrong but could be read past.
    pub(crate) warnings: Vec<String>,
}

/// Parses a property stream. A stream shorter than its header is an error;
/// trailing bytes that do not make a whole entry are a warning.
pub(crate) fn parse(bytes: &[u8], kind: HeaderKind, max_entries: usize) -> Result<PropStream, String> {
    let hlen = kind.len();
    if bytes.len() < hlen {
        return Err(format!(
            "property stream is {} bytes, shorter than its {}-byte header",
            bytes.len(),
            hlen
        ));
    }
    let u32_at = |o: usize| u32::from_le_bytes(bytes[o..o + 4].try_into().expect("4 bytes"));
    let header = match kind {
        HeaderKind::Child => Header::default(),
        _ => Header {
            next_recipient_id: u32_at(8),
            next_attachment_id: u32_at(12),
            recipient_count: u32_at(16),
            attachment_count: u32_at(20),
        },
    };
    let body = &bytes[hlen..];
    let mut warnings = Vec::new();
    if body.len() % 16 != 0 {
        warnings.push(format!(
            "{} trailing bytes after the last whole 16-byte entry were ignored",
            body.len() % 16
        ));
    }
    let count = body.len() / 16;
    if count > max_entries {
        return Err(format!("{count} property entries exceed the limit of {max_entries}"));
    }
    let mut entries = Vec::with_capacity(count);
    for chunk in body.chunks_exact(16) {
        let tag = PropTag(u32::from_le_bytes(chunk[0..4].try_into().expect("4 bytes")));
        let flags = u32::from_le_bytes(chunk[4..8].try_into().expect("4 bytes"));
        let value: [u8; 8] = chunk[8..16].try_into().expect("8 bytes");
        entries.push(RawEntry { tag, flags, value });
    }
    Ok(PropStream {
        header,
        entries,
        warnings,
    })
}

/// Writes a property stream: the header for `kind` and the entries in the
/// order given (callers sort them by tag, as Outlook does).
pub(crate) fn write(kind: HeaderKind, header: &Header, entries: &[RawEntry]) -> Vec<u8> {
    let mut out = Vec::with_capacity(kind.len() + entries.len() * 16);
    out.extend_from_slice(&[0u8; 8]);
    if kind != HeaderKind::Child {
        out.extend_from_slice(&header.next_recipient_id.to_le_bytes());
        out.extend_from_slice(&header.next_attachment_id.to_le_bytes());
        out.extend_from_slice(&header.recipient_count.to_le_bytes());
        out.extend_from_slice(&header.attachment_count.to_le_bytes());
    }
    if kind == HeaderKind::TopLevel {
        out.extend_from_slice(&[0u8; 8]);
    }
    for e in entries {
        out.extend_from_slice(&e.tag.0.to_le_bytes());
        out.extend_from_slice(&e.flags.to_le_bytes());
        out.extend_from_slice(&e.value);
    }
    out
}

/// Decodes an inline (fixed-length) value from the entry's 8-byte field.
/// `None` when the type is not an inline type.
pub(crate) fn decode_inline(ptype: PropType, v: &[u8; 8]) -> Option<PropValue> {
    let u16_ = u16::from_le_bytes([v[0], v[1]]);
    let u32_ = u32::from_le_bytes([v[0], v[1], v[2], v[3]]);
    let u64_ = u64::from_le_bytes(*v);
    Some(match ptype {
        PropType::I2 => PropValue::I2(u16_ as i16),
        PropType::LONG => PropValue::Long(u32_ as i32),
        PropType::R4 => PropValue::R4(f32::from_bits(u32_)),
        PropType::DOUBLE => PropValue::Double(f64::from_bits(u64_)),
        PropType::CURRENCY => PropValue::Currency(u64_ as i64),
        PropType::APPTIME => PropValue::AppTime(f64::from_bits(u64_)),
        PropType::ERROR => PropValue::Error(u32_),
        // MS-OXCDATA stores one byte; MAPI's SPropValue holds a 16-bit value.
        PropType::BOOLEAN => PropValue::Boolean(u16_ != 0),
        PropType::I8 => PropValue::I8(u64_ as i64),
        PropType::SYSTIME => PropValue::SysTime(FileTime(u64_)),
        _ => return None,
    })
}

/// Encodes an inline value into the entry's 8-byte field (zero padded).
/// `None` when the value is not of an inline type.
pub(crate) fn encode_inline(value: &PropValue) -> Option<[u8; 8]> {
    let mut out = [0u8; 8];
    match value {
        PropValue::I2(x) => out[..2].copy_from_slice(&x.to_le_bytes()),
        PropValue::Long(x) => out[..4].copy_from_slice(&x.to_le_bytes()),
        PropValue::R4(x) => out[..4].copy_from_slice(&x.to_bits().to_le_bytes()),
        PropValue::Double(x) | PropValue::AppTime(x) => out.copy_from_slice(&x.to_bits().to_le_bytes()),
        PropValue::Currency(x) | PropValue::I8(x) => out.copy_from_slice(&x.to_le_bytes()),
        PropValue::Error(x) => out[..4].copy_from_slice(&x.to_le_bytes()),
        PropValue::Boolean(b) => out[0] = *b as u8,
        PropValue::SysTime(t) => out.copy_from_slice(&t.0.to_le_bytes()),
        _ => return None,
    }
    Some(out)
}

/// The `Size` field written for a stream-backed value whose stream (or,
/// for multi-valued variable-length types, length stream) is `stream_len`
/// bytes (MS-OXMSG 2.4.2.2).
pub(crate) fn size_field(ptype: PropType, stream_len: u64) -> u32 {
    let extra = match ptype {
        PropType::UNICODE => 2,
        PropType::STRING8 => 1,
        PropType::OBJECT => return u32::MAX,
        _ => 0,
    };
    (stream_len + extra).min(u32::MAX as u64 - 1) as u32
}

/// PT_MV_STRING8, PT_MV_UNICODE, PT_MV_BINARY: a length stream plus one
/// stream per value (MS-OXMSG 2.1.4.2).
pub(crate) fn is_mv_variable(ptype: PropType) -> bool {
    matches!(ptype, PropType::MV_STRING8 | PropType::MV_UNICODE | PropType::MV_BINARY)
}

/// UTF-16LE bytes to a `String`, without trailing NULs. An odd last byte is
/// dropped; unpaired surrogates become U+FFFD.
pub(crate) fn utf16_to_string(bytes: &[u8]) -> String {
    let mut units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    while units.last() == Some(&0) {
        units.pop();
    }
    String::from_utf16_lossy(&units)
}

/// A `str` as UTF-16LE bytes, without terminator.
pub(crate) fn string_to_utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect()
}

fn strip_nuls(mut b: &[u8]) -> &[u8] {
    while let [rest @ .., 0] = b {
        b = rest;
    }
    b
}

/// Decodes the contents of a single value stream: a single-valued
/// variable-length value (strings, binary, CLSID, opaque types) or a
/// multi-valued fixed-length value (MS-OXMSG 2.1.3, 2.1.4.1).
pub(crate) fn decode_stream(ptype: PropType, bytes: &[u8], codepage: u32) -> Result<PropValue, String> {
    fn elems<const N: usize, T>(bytes: &[u8], f: impl Fn([u8; N]) -> T) -> Result<Vec<T>, String> {
        if bytes.len() % N != 0 {
            return Err(format!(
                "multi-valued stream of {} bytes is not a whole number of {N}-byte values",
                bytes.len()
            ));
        }
        Ok(bytes
            .chunks_exact(N)
            .map(|c| f(c.try_into().expect("N bytes")))
            .collect())
    }
    Ok(match ptype {
        PropType::STRING8 => PropValue::String8(String8 {
            bytes: strip_nuls(bytes).to_vec(),
            codepage,
        }),
        PropType::UNICODE => PropValue::Unicode(utf16_to_string(bytes)),
        PropType::BINARY => PropValue::Binary(bytes.to_vec()),
        PropType::SVREID => PropValue::SvrEid(bytes.to_vec()),
        PropType::CLSID => {
            let g: [u8; 16] = bytes
                .get(..16)
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| format!("PT_CLSID stream is {} bytes, not 16", bytes.len()))?;
            PropValue::Clsid(Guid(g))
        }
        PropType::MV_I2 => PropValue::MvI2(elems(bytes, i16::from_le_bytes)?),
        PropType::MV_LONG => PropValue::MvLong(elems(bytes, i32::from_le_bytes)?),
        PropType::MV_R4 => PropValue::MvR4(elems(bytes, f32::from_le_bytes)?),
        PropType::MV_DOUBLE => PropValue::MvDouble(elems(bytes, f64::from_le_bytes)?),
        PropType::MV_CURRENCY => PropValue::MvCurrency(elems(bytes, i64::from_le_bytes)?),
        PropType::MV_APPTIME => PropValue::MvAppTime(elems(bytes, f64::from_le_bytes)?),
        PropType::MV_I8 => PropValue::MvI8(elems(bytes, i64::from_le_bytes)?),
        PropType::MV_SYSTIME => PropValue::MvSysTime(elems(bytes, |b| FileTime(u64::from_le_bytes(b)))?),
        PropType::MV_CLSID => PropValue::MvClsid(elems(bytes, Guid)?),
        other => PropValue::Other {
            ptype: other,
            bytes: bytes.to_vec(),
        },
    })
}

/// Encodes a value that lives in one stream (see [`decode_stream`]).
/// Strings are written without terminator. `None` for inline, object and
/// multi-valued variable-length values.
pub(crate) fn encode_stream(value: &PropValue) -> Option<Vec<u8>> {
    fn cat<T: Copy, const N: usize>(v: &[T], f: impl Fn(T) -> [u8; N]) -> Vec<u8> {
        v.iter().flat_map(|x| f(*x)).collect()
    }
    Some(match value {
        PropValue::String8(s) => s.bytes.clone(),
        PropValue::Unicode(s) => string_to_utf16(s),
        PropValue::Binary(b) | PropValue::SvrEid(b) => b.clone(),
        PropValue::Clsid(g) => g.0.to_vec(),
        PropValue::MvI2(v) => cat(v, i16::to_le_bytes),
        PropValue::MvLong(v) => cat(v, i32::to_le_bytes),
        PropValue::MvR4(v) => cat(v, f32::to_le_bytes),
        PropValue::MvDouble(v) | PropValue::MvAppTime(v) => cat(v, f64::to_le_bytes),
        PropValue::MvCurrency(v) | PropValue::MvI8(v) => cat(v, i64::to_le_bytes),
        PropValue::MvSysTime(v) => cat(v, |t: FileTime| t.0.to_le_bytes()),
        PropValue::MvClsid(v) => cat(v, |g: Guid| g.0),
        PropValue::Other { bytes, .. } => bytes.clone(),
        _ => return None,
    })
}

/// The element lengths in the length stream of a multi-valued
/// variable-length property: u32 per string value (terminator included),
/// u32 + 4 reserved bytes per binary value (MS-OXMSG 2.1.4.2).
pub(crate) fn parse_mv_lengths(ptype: PropType, bytes: &[u8]) -> Result<Vec<u32>, String> {
    let step = if ptype == PropType::MV_BINARY { 8 } else { 4 };
    if bytes.len() % step != 0 {
        return Err(format!(
            "length stream of {} bytes is not a whole number of {step}-byte entries",
            bytes.len()
        ));
    }
    Ok(bytes
        .chunks_exact(step)
        .map(|c| u32::from_le_bytes(c[..4].try_into().expect("4 bytes")))
        .collect())
}

/// Decodes one element stream of a multi-valued variable-length property.
pub(crate) enum MvElement {
    String8(String8),
    Unicode(String),
    Binary(Vec<u8>),
}

/// Decodes one element of PT_MV_STRING8 / PT_MV_UNICODE / PT_MV_BINARY;
/// the one terminating NUL of strings is stripped.
pub(crate) fn decode_mv_element(ptype: PropType, bytes: &[u8], codepage: u32) -> MvElement {
    match ptype {
        PropType::MV_STRING8 => MvElement::String8(String8 {
            bytes: strip_nuls(bytes).to_vec(),
            codepage,
        }),
        PropType::MV_UNICODE => MvElement::Unicode(utf16_to_string(bytes)),
        _ => MvElement::Binary(bytes.to_vec()),
    }
}

/// The length stream and element streams of a multi-valued variable-length
/// value; string elements carry their terminator (MS-OXMSG 2.1.4.2).
pub(crate) fn encode_mv_variable(value: &PropValue) -> Option<(Vec<u8>, Vec<Vec<u8>>)> {
    let elements: Vec<Vec<u8>> = match value {
        PropValue::MvString8(v) => v
            .iter()
            .map(|s| {
                let mut b = s.bytes.clone();
                b.push(0);
                b
            })
            .collect(),
        PropValue::MvUnicode(v) => v
            .iter()
            .map(|s| {
                let mut b = string_to_utf16(s);
                b.extend_from_slice(&[0, 0]);
                b
            })
            .collect(),
        PropValue::MvBinary(v) => v.clone(),
        _ => return None,
    };
    let binary = matches!(value, PropValue::MvBinary(_));
    let mut lengths = Vec::new();
    for e in &elements {
        lengths.extend_from_slice(&(e.len() as u32).to_le_bytes());
        if binary {
            lengths.extend_from_slice(&[0u8; 4]);
        }
    }
    Some((lengths, elements))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_of_the_digest_example() {
        // Digest 7.3: 2 recipients, 1 attachment.
        let h = Header {
            next_recipient_id: 2,
            next_attachment_id: 1,
            recipient_count: 2,
            attachment_count: 1,
        };
        let bytes = write(HeaderKind::TopLevel, &h, &[]);
        let mut expected = vec![0u8; 8];
        for v in [2u32, 1, 2, 1] {
            expected.extend_from_slice(&v.to_le_bytes());
        }
        expected.extend_from_slice(&[0u8; 8]);
        assert_eq!(bytes, expected);
        assert_eq!(write(HeaderKind::Embedded, &h, &[]).len(), 24);
        assert_eq!(write(HeaderKind::Child, &h, &[]), vec![0u8; 8]);
        let parsed = parse(&bytes, HeaderKind::TopLevel, 100).unwrap();
        assert_eq!(parsed.header, h);
        assert!(parsed.entries.is_empty());
    }

    #[test]
    fn entries_of_the_digest_examples() {
        // PR_MESSAGE_FLAGS = 9: 03 00 07 0E | 06 00 00 00 | 09 00 ...
        let e = RawEntry {
            tag: PropTag(0x0E07_0003),
            flags: 6,
            value: encode_inline(&PropValue::Long(9)).unwrap(),
        };
        let bytes = write(HeaderKind::Child, &Header::default(), &[e]);
        assert_eq!(
            &bytes[8..],
            &[0x03, 0x00, 0x07, 0x0E, 6, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0]
        );
        // PR_SUBJECT = "Hi": Size = 4 + 2.
        assert_eq!(size_field(PropType::UNICODE, 4), 6);
        assert_eq!(size_field(PropType::STRING8, 8), 9);
        assert_eq!(size_field(PropType::OBJECT, 0), 0xFFFF_FFFF);
        // PT_MV_UNICODE ["a", "bc"]: lengths 4 and 6, terminated elements.
        let (lengths, elems) = encode_mv_variable(&PropValue::MvUnicode(vec!["a".into(), "bc".into()])).unwrap();
        assert_eq!(lengths, vec![4, 0, 0, 0, 6, 0, 0, 0]);
        assert_eq!(elems[0], vec![0x61, 0, 0, 0]);
        assert_eq!(elems[1], vec![0x62, 0, 0x63, 0, 0, 0]);
    }

    #[test]
    fn inline_values_round_trip() {
        let values = [
            PropValue::I2(-2),
            PropValue::Long(-5),
            PropValue::R4(1.5),
            PropValue::Double(-2.25),
            PropValue::Currency(12_345_678),
            PropValue::AppTime(949_998.0),
            PropValue::Error(0x8004_010F),
            PropValue::Boolean(true),
            PropValue::I8(i64::MIN),
            PropValue::SysTime(FileTime::NONE_SENTINEL),
        ];
        for v in values {
            let raw = encode_inline(&v).unwrap();
            assert_eq!(decode_inline(v.prop_type(), &raw), Some(v));
        }
        // A boolean written as a 16-bit TRUE by some writers still reads true.
        assert_eq!(
            decode_inline(PropType::BOOLEAN, &[0, 1, 0, 0, 0, 0, 0, 0]),
            Some(PropValue::Boolean(true))
        );
    }

    #[test]
    fn short_and_odd_streams() {
        assert!(parse(&[0u8; 20], HeaderKind::TopLevel, 10).is_err());
        let p = parse(&[0u8; 8 + 16 + 5], HeaderKind::Child, 10).unwrap();
        assert_eq!(p.entries.len(), 1);
        assert_eq!(p.warnings.len(), 1);
        assert!(parse(&[0u8; 8 + 48], HeaderKind::Child, 2).is_err());
        assert!(decode_stream(PropType::CLSID, &[1, 2], 1252).is_err());
        assert!(decode_stream(PropType::MV_LONG, &[1, 2, 3], 1252).is_err());
        assert!(parse_mv_lengths(PropType::MV_BINARY, &[0u8; 12]).is_err());
    }
}
