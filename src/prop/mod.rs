//! The property model: tags and types, dynamic values, typed tags.

mod enums;
mod guid;
mod tag;
pub mod tags;
mod time;
mod typed;
mod value;

pub use enums::{AttachMethod, Importance, LongEnum, RecipientType, Sensitivity};
pub use guid::Guid;
pub use tag::{PropAttr, PropTag, PropType};
pub use time::FileTime;
pub use typed::{kind, PropInput, PropKind, Tag};
pub use value::{PropValue, String8};
pub mod named;
pub mod names;
pub use named::{NamedName, NamedProp, NamedTag, PropName};
