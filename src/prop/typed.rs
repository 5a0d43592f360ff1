//! Typed property tags: `Tag<K>` carries the property's type `K` in its type,
//! so a getter returns `K`'s Rust value and a setter accepts only that.

use std::fmt;
use std::marker::PhantomData;

use super::{FileTime, Guid, PropTag, PropType, PropValue};

mod sealed {
    pub trait Sealed {}
}

/// A property type known at compile time (the `K` of [`Tag<K>`]).
///
/// Implemented by the marker types in [`crate::kind`]; sealed.
pub trait PropKind: sealed::Sealed + 'static {
    /// The Rust value of this type.
    type Value;
    /// The `PT_*` type written for new values.
    const TYPE: PropType;
    /// Converts a stored value; `None` when the stored type does not match.
    /// String kinds accept both PT_STRING8 (decoded) and PT_UNICODE, as
    /// MAPI's GetProps converts between them.
    fn from_value(v: PropValue) -> Option<Self::Value>;
    /// Converts a value for storing.
    fn into_value(v: Self::Value) -> PropValue;
}

/// A property tag whose value type is fixed at compile time.
///
/// ```
/// use oxmsg::{tags, Tag, kind::Unicode};
/// let t: Tag<Unicode> = tags::SUBJECT;
/// assert_eq!(t.tag().to_string(), "0x0037001F");
/// ```
pub struct Tag<K: PropKind> {
    id: u16,
    _kind: PhantomData<fn() -> K>,
}

impl<K: PropKind> Tag<K> {
    /// The typed tag for property id `id`.
    pub const fn new(id: u16) -> Tag<K> {
        Tag { id, _kind: PhantomData }
    }
    /// The property id.
    pub const fn id(self) -> u16 {
        self.id
    }
    /// The dynamic tag, with `K`'s type.
    pub const fn tag(self) -> PropTag {
        PropTag::new(self.id, K::TYPE)
    }
}

impl<K: PropKind> Clone for Tag<K> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<K: PropKind> Copy for Tag<K> {}

impl<K: PropKind> fmt::Debug for Tag<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tag({})", self.tag())
    }
}

impl<K: PropKind> From<Tag<K>> for PropTag {
    fn from(t: Tag<K>) -> PropTag {
        t.tag()
    }
}

/// Marker types for [`Tag<K>`], one per property type.
pub mod kind {
    use super::*;

    macro_rules! kinds {
        ($( $(#[$doc:meta])* $name:ident => $ty:ty, $pt:ident, $var:ident; )*) => {$(
            $(#[$doc])*
            #[derive(Debug, Clone, Copy)]
            pub enum $name {}
            impl sealed::Sealed for $name {}
            impl PropKind for $name {
                type Value = $ty;
                const TYPE: PropType = PropType::$pt;
                fn from_value(v: PropValue) -> Option<$ty> {
                    match v {
                        PropValue::$var(x) => Some(x),
                        _ => None,
                    }
                }
                fn into_value(v: $ty) -> PropValue {
                    PropValue::$var(v)
                }
            }
        )*};
    }

    kinds! {
        /// PT_I2 → `i16`.
        I2 => i16, I2, I2;
        /// PT_LONG → `i32`.
        Long => i32, LONG, Long;
        /// PT_R4 → `f32`.
        R4 => f32, R4, R4;
        /// PT_DOUBLE → `f64`.
        Double => f64, DOUBLE, Double;
        /// PT_CURRENCY → `i64` ten-thousandths.
        Currency => i64, CURRENCY, Currency;
        /// PT_APPTIME → `f64` days since 1899-12-30.
        AppTime => f64, APPTIME, AppTime;
        /// PT_ERROR → `u32` SCODE.
        ErrorCode => u32, ERROR, Error;
        /// PT_BOOLEAN → `bool`.
        Boolean => bool, BOOLEAN, Boolean;
        /// PT_I8 → `i64`.
        I8 => i64, I8, I8;
        /// PT_SYSTIME → [`FileTime`].
        SysTime => FileTime, SYSTIME, SysTime;
        /// PT_CLSID → [`Guid`].
        Clsid => Guid, CLSID, Clsid;
        /// PT_BINARY → `Vec<u8>`.
        Binary => Vec<u8>, BINARY, Binary;
        /// PT_SVREID → `Vec<u8>`.
        SvrEid => Vec<u8>, SVREID, SvrEid;
        /// PT_MV_I2 → `Vec<i16>`.
        MvI2 => Vec<i16>, MV_I2, MvI2;
        /// PT_MV_LONG → `Vec<i32>`.
        MvLong => Vec<i32>, MV_LONG, MvLong;
        /// PT_MV_R4 → `Vec<f32>`.
        MvR4 => Vec<f32>, MV_R4, MvR4;
        /// PT_MV_DOUBLE → `Vec<f64>`.
        MvDouble => Vec<f64>, MV_DOUBLE, MvDouble;
        /// PT_MV_CURRENCY → `Vec<i64>`.
        MvCurrency => Vec<i64>, MV_CURRENCY, MvCurrency;
        /// PT_MV_APPTIME → `Vec<f64>`.
        MvAppTime => Vec<f64>, MV_APPTIME, MvAppTime;
        /// PT_MV_I8 → `Vec<i64>`.
        MvI8 => Vec<i64>, MV_I8, MvI8;
        /// PT_MV_SYSTIME → `Vec<FileTime>`.
        MvSysTime => Vec<FileTime>, MV_SYSTIME, MvSysTime;
        /// PT_MV_CLSID → `Vec<Guid>`.
        MvClsid => Vec<Guid>, MV_CLSID, MvClsid;
        /// PT_MV_BINARY → `Vec<Vec<u8>>`.
        MvBinary => Vec<Vec<u8>>, MV_BINARY, MvBinary;
    }

    /// PT_UNICODE → `String`; also reads PT_STRING8, decoded with the
    /// message's code page.
    #[derive(Debug, Clone, Copy)]
    pub enum Unicode {}
    impl sealed::Sealed for Unicode {}
    impl PropKind for Unicode {
        type Value = String;
        const TYPE: PropType = PropType::UNICODE;
        fn from_value(v: PropValue) -> Option<String> {
            match v {
                PropValue::Unicode(s) => Some(s),
                PropValue::String8(s) => Some(s.to_string_lossy()),
                _ => None,
            }
        }
        fn into_value(v: String) -> PropValue {
            PropValue::Unicode(v)
        }
    }

    /// PT_MV_UNICODE → `Vec<String>`; also reads PT_MV_STRING8.
    #[derive(Debug, Clone, Copy)]
    pub enum MvUnicode {}
    impl sealed::Sealed for MvUnicode {}
    impl PropKind for MvUnicode {
        type Value = Vec<String>;
        const TYPE: PropType = PropType::MV_UNICODE;
        fn from_value(v: PropValue) -> Option<Vec<String>> {
            match v {
                PropValue::MvUnicode(s) => Some(s),
                PropValue::MvString8(s) => Some(s.iter().map(|x| x.to_string_lossy()).collect()),
                _ => None,
            }
        }
        fn into_value(v: Vec<String>) -> PropValue {
            PropValue::MvUnicode(v)
        }
    }
}
