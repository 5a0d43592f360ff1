//! The compound-file layer under the MS-OXMSG codec: what oxmsg adds to
//! the `cfb` crate to read files that real writers produce.

pub(crate) mod repair;
