//! Conversion between .msg and Internet messages (RFC 5322 / MIME, `.eml`):
//! [`Message::to_eml`](crate::Message::to_eml) and
//! [`Session::open_eml`](crate::Session::open_eml), each with a
//! [`ConversionReport`] of what the target format could not hold.
//!
//! MIME is read with `mail-parser` and header values and text parts are
//! written with `mail-builder`; `mime_write` holds what `mail-builder` cannot
//! do byte-exactly (streamed base64 leaves, RFC 2231 parameters, verbatim
//! header blocks and signed entities).

mod eml_spill;
mod from_eml;
mod mime_read;
mod mime_write;
mod report;
mod to_eml;

pub use from_eml::{MAX_EML_BYTES, MAX_MESSAGE_PARTS};
pub use report::{ConversionReport, Loss, LossKind};

#[cfg(test)]
mod from_eml_streaming_tests;
