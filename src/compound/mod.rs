//! The compound-file (MS-CFB) layer under the MS-OXMSG codec: what oxmsg adds
//! to the `cfb` crate to read files that real writers produce (`repair`), and
//! a read path without `cfb`: an index of a file's structure over its bytes in
//! memory ([`index::CompoundIndex`], with the same repairs planned from the
//! bytes in `index_repair`), held to give exactly what `cfb` gives (`diff`).
//! `cfb` stays the layer for writing and editing.

pub(crate) mod diff;
pub(crate) mod index;
mod index_repair;
pub(crate) mod indexed;
mod names;
pub(crate) mod repair;
