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

    /// PT_LONG whose values are a MAPI list → the enum `E`
    /// ([`Importance`](crate::Importance), [`Sensitivity`](crate::Sensitivity),
    /// [`AttachMethod`](crate::AttachMethod), [`RecipientType`](crate::RecipientType)).
    pub struct Enum<E: crate::prop::enums::LongEnum> {
        _e: PhantomData<fn() -> E>,
    }
    impl<E: crate::prop::enums::LongEnum> sealed::Sealed for Enum<E> {}
    impl<E: crate::prop::enums::LongEnum> PropKind for Enum<E> {
        type Value = E;
        const TYPE: PropType = PropType::LONG;
        fn from_value(v: PropValue) -> Option<E> {
            match v {
                PropValue::Long(x) => Some(E::from_i32(x)),
                _ => None,
            }
        }
        fn into_value(v: E) -> PropValue {
            PropValue::Long(v.to_i32())
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

/// A value that a typed tag of kind `K` accepts: exactly `K`'s Rust value,
/// or a borrowed form of it (`&str` for a string, `&[u8]` for binary).
/// Nothing converts implicitly: a `bool` is not a PT_LONG, a `&str` is not
/// a PT_BINARY.
#[diagnostic::on_unimplemented(
    message = "a value of type `{Self}` cannot be stored in a property of kind `{K}`",
    label = "not a value of this property's type",
    note = "a typed tag takes exactly its kind's value; use `set_value` with a `PropValue` for dynamic access"
)]
pub trait PropInput<K: PropKind> {
    /// The value to store.
    fn into_prop(self) -> K::Value;
}

macro_rules! exact_inputs {
    ($($k:ident => $t:ty;)*) => {$(
        impl PropInput<kind::$k> for $t {
            fn into_prop(self) -> $t {
                self
            }
        }
    )*};
}

exact_inputs! {
    I2 => i16; Long => i32; R4 => f32; Double => f64; Currency => i64; AppTime => f64;
    ErrorCode => u32; Boolean => bool; I8 => i64; SysTime => FileTime; Clsid => Guid;
    Binary => Vec<u8>; SvrEid => Vec<u8>; MvI2 => Vec<i16>; MvLong => Vec<i32>; MvR4 => Vec<f32>;
    MvDouble => Vec<f64>; MvCurrency => Vec<i64>; MvAppTime => Vec<f64>; MvI8 => Vec<i64>;
    MvSysTime => Vec<FileTime>; MvClsid => Vec<Guid>; MvBinary => Vec<Vec<u8>>;
    Unicode => String; MvUnicode => Vec<String>;
}

impl PropInput<kind::Unicode> for &str {
    fn into_prop(self) -> String {
        self.to_string()
    }
}
impl PropInput<kind::Unicode> for &String {
    fn into_prop(self) -> String {
        self.clone()
    }
}
impl PropInput<kind::Unicode> for std::borrow::Cow<'_, str> {
    fn into_prop(self) -> String {
        self.into_owned()
    }
}
impl PropInput<kind::Binary> for &[u8] {
    fn into_prop(self) -> Vec<u8> {
        self.to_vec()
    }
}
impl PropInput<kind::Binary> for &Vec<u8> {
    fn into_prop(self) -> Vec<u8> {
        self.clone()
    }
}
impl<const N: usize> PropInput<kind::Binary> for [u8; N] {
    fn into_prop(self) -> Vec<u8> {
        self.to_vec()
    }
}
impl<const N: usize> PropInput<kind::Binary> for &[u8; N] {
    fn into_prop(self) -> Vec<u8> {
        self.to_vec()
    }
}
impl PropInput<kind::MvUnicode> for &[&str] {
    fn into_prop(self) -> Vec<String> {
        self.iter().map(|s| s.to_string()).collect()
    }
}
impl PropInput<kind::MvUnicode> for Vec<&str> {
    fn into_prop(self) -> Vec<String> {
        self.into_iter().map(str::to_string).collect()
    }
}
impl<const N: usize> PropInput<kind::MvUnicode> for [&str; N] {
    fn into_prop(self) -> Vec<String> {
        self.iter().map(|s| s.to_string()).collect()
    }
}
impl<E: super::enums::LongEnum> PropInput<kind::Enum<E>> for E {
    fn into_prop(self) -> E {
        self
    }
}
