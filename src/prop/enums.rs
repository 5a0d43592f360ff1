//! The PT_LONG properties whose values are a closed list in MAPI, as Rust
//! enums: a typed tag of one of them takes and gives the enum, never a bare
//! number (`msg.set(tags::IMPORTANCE, 2)` does not compile).

mod sealed {
    pub trait Sealed {}
}

/// A PT_LONG property value that is one of a list; `Other` keeps a value
/// outside the list exactly as stored. Sealed.
pub trait LongEnum: sealed::Sealed + Copy + std::fmt::Debug + 'static {
    /// From the stored value.
    fn from_i32(v: i32) -> Self;
    /// The stored value.
    fn to_i32(self) -> i32;
}

macro_rules! long_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $var:ident = $val:expr,)* }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
        pub enum $name {
            $($(#[$vdoc])* $var,)*
            /// A value outside MAPI's list, kept as stored.
            Other(i32),
        }
        impl sealed::Sealed for $name {}
        impl $name {
            /// The stored PT_LONG value.
            pub fn value(self) -> i32 {
                self.to_i32()
            }
            /// From a stored PT_LONG value.
            pub fn from_value(v: i32) -> $name {
                $name::from_i32(v)
            }
        }
        impl LongEnum for $name {
            fn from_i32(v: i32) -> $name {
                match v {
                    $($val => $name::$var,)*
                    v => $name::Other(v),
                }
            }
            fn to_i32(self) -> i32 {
                match self {
                    $($name::$var => $val,)*
                    $name::Other(v) => v,
                }
            }
        }
    };
}

long_enum! {
    /// PR_IMPORTANCE (MS-OXCMSG 2.2.1.11).
    Importance {
        /// `IMPORTANCE_LOW` (0).
        Low = 0,
        /// `IMPORTANCE_NORMAL` (1).
        Normal = 1,
        /// `IMPORTANCE_HIGH` (2).
        High = 2,
    }
}

long_enum! {
    /// PR_SENSITIVITY (MS-OXCMSG 2.2.1.13).
    Sensitivity {
        /// `SENSITIVITY_NONE` (0).
        Normal = 0,
        /// `SENSITIVITY_PERSONAL` (1).
        Personal = 1,
        /// `SENSITIVITY_PRIVATE` (2).
        Private = 2,
        /// `SENSITIVITY_COMPANY_CONFIDENTIAL` (3).
        Confidential = 3,
    }
}

long_enum! {
    /// PR_ATTACH_METHOD (MS-OXCMSG 2.2.2.9).
    AttachMethod {
        /// `NO_ATTACHMENT` (0).
        None = 0,
        /// `ATTACH_BY_VALUE` (1): the data is PR_ATTACH_DATA_BIN.
        ByValue = 1,
        /// `ATTACH_BY_REFERENCE` (2): a path in PR_ATTACH_PATHNAME.
        ByReference = 2,
        /// `ATTACH_BY_REF_RESOLVE` (3).
        ByRefResolve = 3,
        /// `ATTACH_BY_REF_ONLY` (4).
        ByRefOnly = 4,
        /// `ATTACH_EMBEDDED_MSG` (5): a message in PR_ATTACH_DATA_OBJ.
        EmbeddedMessage = 5,
        /// `ATTACH_OLE` (6): an OLE storage in PR_ATTACH_DATA_OBJ.
        Ole = 6,
    }
}

/// PR_RECIPIENT_TYPE (MS-OXOMSG 2.2.3.1). Reading masks off the
/// `MAPI_SUBMITTED` and `MAPI_P1` flag bits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum RecipientType {
    /// `MAPI_ORIG` (0): the originator.
    Originator,
    /// `MAPI_TO` (1).
    To,
    /// `MAPI_CC` (2).
    Cc,
    /// `MAPI_BCC` (3).
    Bcc,
    /// Another value, kept as stored.
    Other(i32),
}

impl sealed::Sealed for RecipientType {}
impl LongEnum for RecipientType {
    fn from_i32(v: i32) -> RecipientType {
        match v & 0x0FFF_FFFF {
            0 => RecipientType::Originator,
            1 => RecipientType::To,
            2 => RecipientType::Cc,
            3 => RecipientType::Bcc,
            _ => RecipientType::Other(v),
        }
    }
    fn to_i32(self) -> i32 {
        match self {
            RecipientType::Originator => 0,
            RecipientType::To => 1,
            RecipientType::Cc => 2,
            RecipientType::Bcc => 3,
            RecipientType::Other(v) => v,
        }
    }
}

impl RecipientType {
    /// From a PR_RECIPIENT_TYPE value (flag bits ignored).
    pub fn from_value(v: i32) -> RecipientType {
        RecipientType::from_i32(v)
    }
    /// The PR_RECIPIENT_TYPE value.
    pub fn value(self) -> i32 {
        self.to_i32()
    }
}
