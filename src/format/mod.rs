//! The MS-OXMSG codec: pure functions over bytes and `cfb` streams.
//!
//! Nothing here knows about sessions or lifetimes; `session`, `message` and
//! `attach` never see a byte offset.

pub(crate) mod codepage;
pub(crate) mod crc;
pub(crate) mod entryid;
pub(crate) mod nameid;
pub(crate) mod names;
pub(crate) mod propstream;
