//! The compound-file (MS-CFB) layer under the MS-OXMSG codec: what oxmsg adds
//! to the `cfb` crate to read files that real writers produce (`repair`), and
//! a read path without `cfb`: an index of a file's structure over its bytes in
//! memory ([`index::CompoundIndex`]; `repair_plan` decides the repairs for
//! both read paths), held to give exactly what `cfb` gives (`diff`).
//! `cfb` stays the layer for writing and editing.

pub(crate) mod diff;
pub(crate) mod index;
pub(crate) mod indexed;
mod names;
pub(crate) mod repair;
mod repair_plan;
