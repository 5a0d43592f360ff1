//! Property tags and property types (MS-OXCDATA 2.9 and 2.11.1).

use std::fmt;

/// A MAPI property type (`PT_*`, MS-OXCDATA `Ptyp*`), the low 16 bits of a tag.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(transparent)]
pub struct PropType(pub u16);

impl PropType {
    /// `PT_UNSPECIFIED`: a request-only marker, never stored.
    pub const UNSPECIFIED: PropType = PropType(0x0000);
    /// `PT_NULL`: never stored.
    pub const NULL: PropType = PropType(0x0001);
    /// `PT_I2` (PtypInteger16).
    pub const I2: PropType = PropType(0x0002);
    /// `PT_LONG` (PtypInteger32).
    pub const LONG: PropType = PropType(0x0003);
    /// `PT_R4` (PtypFloating32).
    pub const R4: PropType = PropType(0x0004);
    /// `PT_DOUBLE` (PtypFloating64).
    pub const DOUBLE: PropType = PropType(0x0005);
    /// `PT_CURRENCY` (PtypCurrency), ten-thousandths in an `i64`.
    pub const CURRENCY: PropType = PropType(0x0006);
    /// `PT_APPTIME` (PtypFloatingTime), days since 1899-12-30.
    pub const APPTIME: PropType = PropType(0x0007);
    /// `PT_ERROR` (PtypErrorCode), an SCODE.
    pub const ERROR: PropType = PropType(0x000A);
    /// `PT_BOOLEAN` (PtypBoolean).
    pub const BOOLEAN: PropType = PropType(0x000B);
    /// `PT_OBJECT` (PtypObject): a sub-storage (embedded message, OLE storage).
    pub const OBJECT: PropType = PropType(0x000D);
    /// `PT_I8` (PtypInteger64).
    pub const I8: PropType = PropType(0x0014);
    /// `PT_STRING8` (PtypString8): 8-bit string in the message's code page.
    pub const STRING8: PropType = PropType(0x001E);
    /// `PT_UNICODE` (PtypString): UTF-16LE string.
    pub const UNICODE: PropType = PropType(0x001F);
    /// `PT_SYSTIME` (PtypTime): a FILETIME.
    pub const SYSTIME: PropType = PropType(0x0040);
    /// `PT_CLSID` (PtypGuid).
    pub const CLSID: PropType = PropType(0x0048);
    /// `PT_SVREID` (PtypServerId): opaque server entry id.
    pub const SVREID: PropType = PropType(0x00FB);
    /// `PtypServerId`, the MS-OXCDATA name of [`PropType::SVREID`].
    pub const SERVERID: PropType = PropType(0x00FB);
    /// `PT_SRESTRICTION` (PtypRestriction): opaque in a .msg.
    pub const SRESTRICTION: PropType = PropType(0x00FD);
    /// `PT_ACTIONS` (PtypRuleAction): opaque in a .msg.
    pub const ACTIONS: PropType = PropType(0x00FE);
    /// `PT_BINARY` (PtypBinary).
    pub const BINARY: PropType = PropType(0x0102);
    /// `MV_FLAG`: set on multi-valued types.
    pub const MV_FLAG: u16 = 0x1000;
    /// `PT_MV_I2`.
    pub const MV_I2: PropType = PropType(0x1002);
    /// `PT_MV_LONG`.
    pub const MV_LONG: PropType = PropType(0x1003);
    /// `PT_MV_R4`.
    pub const MV_R4: PropType = PropType(0x1004);
    /// `PT_MV_DOUBLE`.
    pub const MV_DOUBLE: PropType = PropType(0x1005);
    /// `PT_MV_CURRENCY`.
    pub const MV_CURRENCY: PropType = PropType(0x1006);
    /// `PT_MV_APPTIME`.
    pub const MV_APPTIME: PropType = PropType(0x1007);
    /// `PT_MV_I8`.
    pub const MV_I8: PropType = PropType(0x1014);
    /// `PT_MV_STRING8`.
    pub const MV_STRING8: PropType = PropType(0x101E);
    /// `PT_MV_UNICODE`.
    pub const MV_UNICODE: PropType = PropType(0x101F);
    /// `PT_MV_SYSTIME`.
    pub const MV_SYSTIME: PropType = PropType(0x1040);
    /// `PT_MV_CLSID`.
    pub const MV_CLSID: PropType = PropType(0x1048);
    /// `PT_MV_BINARY`.
    pub const MV_BINARY: PropType = PropType(0x1102);

    /// Whether `MV_FLAG` is set.
    pub const fn is_multi(self) -> bool {
        self.0 & Self::MV_FLAG != 0
    }

    /// The single-valued type of a multi-valued type (itself otherwise).
    pub const fn base(self) -> PropType {
        PropType(self.0 & !Self::MV_FLAG)
    }

    /// The multi-valued form of this type.
    pub const fn multi(self) -> PropType {
        PropType(self.0 | Self::MV_FLAG)
    }

    /// Size in bytes of one value of a fixed-length type, as stored in a
    /// multi-valued stream (MS-OXMSG 2.1.4); `None` for variable-length types.
    pub const fn fixed_size(self) -> Option<usize> {
        match self.base().0 {
            0x0002 => Some(2),
            0x0003 | 0x0004 | 0x000A => Some(4),
            0x0005 | 0x0006 | 0x0007 | 0x0014 | 0x0040 => Some(8),
            0x000B => Some(1),
            0x0048 => Some(16),
            _ => None,
        }
    }

    /// Whether a single value of this type lives inside the 8-byte value
    /// field of the property stream (MS-OXMSG 2.1.2). PT_CLSID is fixed-size
    /// but is stored in a stream (MS-OXMSG 2.1.3).
    pub const fn is_inline(self) -> bool {
        !self.is_multi()
            && matches!(
                self.0,
                0x0002 | 0x0003 | 0x0004 | 0x0005 | 0x0006 | 0x0007 | 0x000A | 0x000B | 0x0014 | 0x0040
            )
    }

    /// Whether this is PT_STRING8 or PT_UNICODE (single-valued).
    pub const fn is_string(self) -> bool {
        matches!(self.0, 0x001E | 0x001F)
    }

    /// The MAPI name (`PT_UNICODE`, `PT_MV_LONG`, …), or `None` for a type
    /// oxmsg does not know.
    pub fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            0x0000 => "PT_UNSPECIFIED",
            0x0001 => "PT_NULL",
            0x0002 => "PT_I2",
            0x0003 => "PT_LONG",
            0x0004 => "PT_R4",
            0x0005 => "PT_DOUBLE",
            0x0006 => "PT_CURRENCY",
            0x0007 => "PT_APPTIME",
            0x000A => "PT_ERROR",
            0x000B => "PT_BOOLEAN",
            0x000D => "PT_OBJECT",
            0x0014 => "PT_I8",
            0x001E => "PT_STRING8",
            0x001F => "PT_UNICODE",
            0x0040 => "PT_SYSTIME",
            0x0048 => "PT_CLSID",
            0x00FB => "PT_SVREID",
            0x00FD => "PT_SRESTRICTION",
            0x00FE => "PT_ACTIONS",
            0x0102 => "PT_BINARY",
            0x1002 => "PT_MV_I2",
            0x1003 => "PT_MV_LONG",
            0x1004 => "PT_MV_R4",
            0x1005 => "PT_MV_DOUBLE",
            0x1006 => "PT_MV_CURRENCY",
            0x1007 => "PT_MV_APPTIME",
            0x1014 => "PT_MV_I8",
            0x101E => "PT_MV_STRING8",
            0x101F => "PT_MV_UNICODE",
            0x1040 => "PT_MV_SYSTIME",
            0x1048 => "PT_MV_CLSID",
            0x1102 => "PT_MV_BINARY",
            _ => return None,
        })
    }
}

impl fmt::Debug for PropType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "PropType(0x{:04X})", self.0),
        }
    }
}

/// A property tag: `id << 16 | type` (MAPI `PROP_TAG`).
///
/// Displays as `0x0037001F`, the form used by MFCMAPI and the MS-OXPROPS index.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(transparent)]
pub struct PropTag(pub u32);

impl PropTag {
    /// `PR_NULL`.
    pub const NULL: PropTag = PropTag(0x0000_0001);

    /// `PROP_TAG(type, id)`.
    pub const fn new(id: u16, ptype: PropType) -> PropTag {
        PropTag(((id as u32) << 16) | ptype.0 as u32)
    }

    /// `PROP_ID(tag)`.
    pub const fn id(self) -> u16 {
        (self.0 >> 16) as u16
    }

    /// `PROP_TYPE(tag)`.
    pub const fn prop_type(self) -> PropType {
        PropType(self.0 as u16)
    }

    /// The same id with another type (`CHANGE_PROP_TYPE`).
    pub const fn with_type(self, ptype: PropType) -> PropTag {
        PropTag::new(self.id(), ptype)
    }

    /// Whether the id is in the named-property range 0x8000..=0xFFFE.
    pub const fn is_named(self) -> bool {
        self.id() >= 0x8000
    }
}

impl fmt::Display for PropTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{:08X}", self.0)
    }
}

impl fmt::Debug for PropTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PropTag(0x{:08X})", self.0)
    }
}

impl From<u32> for PropTag {
    fn from(v: u32) -> PropTag {
        PropTag(v)
    }
}

/// The attribute bits of a property (`PROPATTR_*`), stored in the Flags
/// field of every MS-OXMSG property entry.
///
/// MAPI: `GetAttribIMsgOnIStg` / `SetAttribIMsgOnIStg`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[repr(transparent)]
pub struct PropAttr(pub u32);

impl PropAttr {
    /// `PROPATTR_MANDATORY`: the property must not be deleted.
    pub const MANDATORY: u32 = 0x1;
    /// `PROPATTR_READABLE`.
    pub const READABLE: u32 = 0x2;
    /// `PROPATTR_WRITEABLE`.
    pub const WRITABLE: u32 = 0x4;
    /// What oxmsg gives new properties, as Outlook does: readable and writable.
    pub const DEFAULT: PropAttr = PropAttr(Self::READABLE | Self::WRITABLE);

    /// Whether the mandatory bit is set.
    pub const fn is_mandatory(self) -> bool {
        self.0 & Self::MANDATORY != 0
    }
    /// Whether the readable bit is set.
    pub const fn is_readable(self) -> bool {
        self.0 & Self::READABLE != 0
    }
    /// Whether the writable bit is set.
    pub const fn is_writable(self) -> bool {
        self.0 & Self::WRITABLE != 0
    }
}

static_assertions::assert_eq_size!(PropTag, u32);
static_assertions::assert_eq_size!(PropType, u16);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_parts() {
        let t = PropTag(0x0037_001F);
        assert_eq!(t.id(), 0x0037);
        assert_eq!(t.prop_type(), PropType::UNICODE);
        assert_eq!(t.to_string(), "0x0037001F");
        assert_eq!(PropTag::new(0x3701, PropType::OBJECT), PropTag(0x3701_000D));
        assert!(PropType::MV_BINARY.is_multi());
        assert_eq!(PropType::MV_BINARY.base(), PropType::BINARY);
        assert!(!PropType::CLSID.is_inline());
        assert!(PropType::SYSTIME.is_inline());
    }
}
