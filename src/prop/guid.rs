//! PT_CLSID values and property-set GUIDs, in the on-disk (mixed-endian) layout.

use std::fmt;

/// A GUID as MAPI stores it: `Data1` u32 LE, `Data2` u16 LE, `Data3` u16 LE,
/// then 8 bytes (MS-DTYP 2.3.4.1). Displays as `{00020329-0000-0000-C000-000000000046}`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Guid(pub [u8; 16]);

impl Guid {
    /// Builds a GUID from its textual fields: `{d1-d2-d3-d4[0..2]-d4[2..8]}`.
    pub const fn from_fields(d1: u32, d2: u16, d3: u16, d4: [u8; 8]) -> Guid {
        let a = d1.to_le_bytes();
        let b = d2.to_le_bytes();
        let c = d3.to_le_bytes();
        Guid([
            a[0], a[1], a[2], a[3], b[0], b[1], c[0], c[1], d4[0], d4[1], d4[2], d4[3], d4[4], d4[5], d4[6], d4[7],
        ])
    }

    /// The 16 bytes as stored in a .msg.
    pub const fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// Parses `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}` (braces optional).
    pub fn parse(s: &str) -> Option<Guid> {
        let u = uuid::Uuid::parse_str(s.trim_start_matches('{').trim_end_matches('}')).ok()?;
        Some(Guid::from(u))
    }
}

impl From<uuid::Uuid> for Guid {
    fn from(u: uuid::Uuid) -> Guid {
        Guid(u.to_bytes_le())
    }
}

impl From<Guid> for uuid::Uuid {
    fn from(g: Guid) -> uuid::Uuid {
        uuid::Uuid::from_bytes_le(g.0)
    }
}

impl fmt::Display for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let u = uuid::Uuid::from(*self);
        write!(f, "{{{}}}", u.hyphenated().to_string().to_ascii_uppercase())
    }
}

impl fmt::Debug for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Guid({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_strings_layout() {
        // MS-OXMSG / digest: PS_PUBLIC_STRINGS on disk.
        let g = Guid::from_fields(0x0002_0329, 0, 0, [0xC0, 0, 0, 0, 0, 0, 0, 0x46]);
        assert_eq!(g.0, [0x29, 0x03, 0x02, 0, 0, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46]);
        assert_eq!(g.to_string(), "{00020329-0000-0000-C000-000000000046}");
        assert_eq!(Guid::parse("{00020329-0000-0000-C000-000000000046}"), Some(g));
    }
}
