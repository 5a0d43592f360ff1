//! The dynamic property value, `PropValue` (MAPI `SPropValue`).

use super::{FileTime, Guid, PropType};

/// A PT_STRING8 value: the bytes as stored, and the code page they are in.
///
/// oxmsg fills `codepage` from the message when it reads the value (see
/// [`crate::Message::codepage`]); decoding goes through `encoding_rs`.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct String8 {
    /// The undecoded bytes, without a terminating NUL.
    pub bytes: Vec<u8>,
    /// The Windows code page of `bytes`.
    pub codepage: u32,
}

impl String8 {
    /// Decodes the bytes with the code page; bytes that do not decode become
    /// U+FFFD. An unknown code page falls back to Windows-1252.
    pub fn to_string_lossy(&self) -> String {
        crate::format::codepage::decode_lossy(&self.bytes, self.codepage)
    }

    /// Decodes the bytes with the code page (bytes that do not decode
    /// become U+FFFD).
    ///
    /// # Errors
    /// [`crate::Error::UnknownCodepage`] when oxmsg cannot decode the code page.
    pub fn decode(&self) -> crate::Result<String> {
        crate::format::codepage::decode(&self.bytes, self.codepage).ok_or(crate::Error::UnknownCodepage {
            codepage: self.codepage,
        })
    }
}

/// A property value of any type that can occur in a .msg file.
///
/// MAPI: the `Value` union of `SPropValue`, one variant per `PT_*` type.
/// PT_OBJECT has no value (it is a sub-storage, opened with
/// [`crate::Attachment::open_embedded`] or as a raw storage); it appears in
/// property lists as [`PropValue::Object`].
#[derive(Clone, PartialEq, Debug)]
#[non_exhaustive]
pub enum PropValue {
    /// PT_I2.
    I2(i16),
    /// PT_LONG.
    Long(i32),
    /// PT_R4.
    R4(f32),
    /// PT_DOUBLE.
    Double(f64),
    /// PT_CURRENCY: ten-thousandths of a currency unit.
    Currency(i64),
    /// PT_APPTIME: days since 1899-12-30 00:00.
    AppTime(f64),
    /// PT_ERROR: an SCODE stored as a value.
    Error(u32),
    /// PT_BOOLEAN.
    Boolean(bool),
    /// PT_I8.
    I8(i64),
    /// PT_STRING8.
    String8(String8),
    /// PT_UNICODE.
    Unicode(String),
    /// PT_SYSTIME.
    SysTime(FileTime),
    /// PT_CLSID.
    Clsid(Guid),
    /// PT_SVREID (PtypServerId): opaque bytes.
    SvrEid(Vec<u8>),
    /// PT_BINARY.
    Binary(Vec<u8>),
    /// PT_OBJECT: a sub-storage; not a value.
    Object,
    /// PT_MV_I2.
    MvI2(Vec<i16>),
    /// PT_MV_LONG.
    MvLong(Vec<i32>),
    /// PT_MV_R4.
    MvR4(Vec<f32>),
    /// PT_MV_DOUBLE.
    MvDouble(Vec<f64>),
    /// PT_MV_CURRENCY.
    MvCurrency(Vec<i64>),
    /// PT_MV_APPTIME.
    MvAppTime(Vec<f64>),
    /// PT_MV_I8.
    MvI8(Vec<i64>),
    /// PT_MV_STRING8.
    MvString8(Vec<String8>),
    /// PT_MV_UNICODE.
    MvUnicode(Vec<String>),
    /// PT_MV_SYSTIME.
    MvSysTime(Vec<FileTime>),
    /// PT_MV_CLSID.
    MvClsid(Vec<Guid>),
    /// PT_MV_BINARY.
    MvBinary(Vec<Vec<u8>>),
    /// A type MS-OXMSG does not define (PT_SRESTRICTION, PT_ACTIONS, …),
    /// kept as the bytes of its stream so it survives a save.
    Other {
        /// The property type.
        ptype: PropType,
        /// The stream's bytes.
        bytes: Vec<u8>,
    },
}

impl PropValue {
    /// The `PT_*` type of this value.
    pub fn prop_type(&self) -> PropType {
        use PropValue::*;
        match self {
            I2(_) => PropType::I2,
            Long(_) => PropType::LONG,
            R4(_) => PropType::R4,
            Double(_) => PropType::DOUBLE,
            Currency(_) => PropType::CURRENCY,
            AppTime(_) => PropType::APPTIME,
            Error(_) => PropType::ERROR,
            Boolean(_) => PropType::BOOLEAN,
            I8(_) => PropType::I8,
            String8(_) => PropType::STRING8,
            Unicode(_) => PropType::UNICODE,
            SysTime(_) => PropType::SYSTIME,
            Clsid(_) => PropType::CLSID,
            SvrEid(_) => PropType::SVREID,
            Binary(_) => PropType::BINARY,
            Object => PropType::OBJECT,
            MvI2(_) => PropType::MV_I2,
            MvLong(_) => PropType::MV_LONG,
            MvR4(_) => PropType::MV_R4,
            MvDouble(_) => PropType::MV_DOUBLE,
            MvCurrency(_) => PropType::MV_CURRENCY,
            MvAppTime(_) => PropType::MV_APPTIME,
            MvI8(_) => PropType::MV_I8,
            MvString8(_) => PropType::MV_STRING8,
            MvUnicode(_) => PropType::MV_UNICODE,
            MvSysTime(_) => PropType::MV_SYSTIME,
            MvClsid(_) => PropType::MV_CLSID,
            MvBinary(_) => PropType::MV_BINARY,
            Other { ptype, .. } => *ptype,
        }
    }

    /// The value as text when it is a string (PT_UNICODE, or PT_STRING8
    /// decoded with its code page).
    pub fn as_string(&self) -> Option<String> {
        match self {
            PropValue::Unicode(s) => Some(s.clone()),
            PropValue::String8(s) => Some(s.to_string_lossy()),
            _ => None,
        }
    }

    /// Number of values of a multi-valued property (1 for single values).
    pub fn value_count(&self) -> usize {
        use PropValue::*;
        match self {
            MvI2(v) => v.len(),
            MvLong(v) => v.len(),
            MvR4(v) => v.len(),
            MvDouble(v) | MvAppTime(v) => v.len(),
            MvCurrency(v) | MvI8(v) => v.len(),
            MvString8(v) => v.len(),
            MvUnicode(v) => v.len(),
            MvSysTime(v) => v.len(),
            MvClsid(v) => v.len(),
            MvBinary(v) => v.len(),
            _ => 1,
        }
    }
}
