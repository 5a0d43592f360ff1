//! The compound-file (MS-CFB) read path without `cfb`: an index of a file's
//! structure over its bytes in memory ([`index::CompoundIndex`]), held to
//! give exactly what `cfb` gives (`diff`). `cfb` stays the layer for
//! writing and editing.

pub(crate) mod diff;
pub(crate) mod index;
mod names;
mod repair;
