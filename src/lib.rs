//! # oxmsg: MAPI's IMessage-on-IStorage over Outlook .msg files
//!
//! A `.msg` file is an OLE compound file laid out as [MS-OXMSG]: a message's
//! properties, its recipients and its attachments (which can hold whole
//! messages, to any depth). oxmsg reads and writes them through the object
//! model of MAPI's message session, with the compiler checking what MAPI
//! only documents:
//!
//! | MAPI | oxmsg |
//! |---|---|
//! | `OpenIMsgSession` / `CloseIMsgSession` | [`Session::new`] / [`Session::close`] |
//! | `OpenIMsgOnIStg` | [`Session::opener`] → [`Opener`]: [`path`](Opener::path), [`reader`](Opener::reader), [`read_write`](Opener::read_write), [`compound`](Opener::compound), [`create`](Opener::create), [`create_in_memory`](Opener::create_in_memory) |
//! | `IMAPIProp::GetProps` / `SetProps` / `DeleteProps` / `GetPropList` | [`Message::get`], [`Message::get_value`], [`Message::props`] / [`Message::set`], [`Message::set_value`] / [`Message::delete`] / [`Message::prop_list`] |
//! | `IMAPIProp::OpenProperty` | [`Message::open_stream`], [`Message::open_stream_mut`], [`Attachment::data`], [`Attachment::open_embedded`] |
//! | `IMAPIProp::SaveChanges` | [`Message::save_changes`], [`Message::save_read_only`], [`Attachment::save_changes`] |
//! | `IMessage::CreateAttach` / `OpenAttach` / `DeleteAttach` | [`Message::create_attachment`] / [`Message::open_attachment`] / [`Message::delete_attachment`] |
//! | `IMessage::GetRecipientTable` / `ModifyRecipients` | [`Message::recipients`], [`Message::recipient_table`] / [`Message::modify_recipients`] |
//! | `IMessage::GetAttachmentTable` | [`Message::attachment_table`] |
//! | `IMAPIProp::GetIDsFromNames` / `GetNamesFromIDs` | [`Message::ids_from_names`], [`Message::get_named`], [`Message::set_named`] / [`Message::names_from_ids`], [`Message::named_props`] |
//! | `IMessage::SetReadFlag` | [`Message::set_read_flag`] ([`read_flag`]), [`Message::is_read`]; the states Outlook shows: [`Message::mark_draft`], [`Message::mark_received`], [`Message::mark_sent`] |
//! | `IMAPIProp::GetLastError` | [`Error::last_error`], and [`std::error::Error::source`] of every [`Error`] ([`LastError`], or the I/O error) |
//! | `MSGCALLRELEASE` (of `OpenIMsgOnIStg`) / `Release` | [`Message::on_release`] / [`Message::close`] or drop |
//! | `SubmitMessage`, `GetMessageStatus`, `Advise`, `ResolveName` | [`Message::submit_message`], [`Message::message_status`], [`Message::advise`], [`Message::resolve_names`]: [`Error::NoSupport`], with the reason |
//! | `Get/SetAttribIMsgOnIStg` | [`Message::attributes`] / [`Message::set_attributes`] |
//! | `IMAPIProp::CopyTo` / `CopyProps` (and `MAPI_MOVE`) | [`Message::copy_to`], [`Attachment::copy_to`] with [`CopyOptions`] / [`Message::move_to`] |
//! | attaching a message (`CreateAttach` + `OpenProperty(PR_ATTACH_DATA_OBJ, IID_IMessage)` + `CopyTo`) | [`Message::attach_message`], [`Message::attach_message_file`] |
//! | `OpenProperty(PR_ATTACH_DATA_OBJ, IID_IStorage, MAPI_CREATE)` (ATTACH_OLE) | [`Attachment::set_ole_object`] |
//! | `IConverterSession::MAPIToMIMEStm` / `MIMEToMAPI` | [`Message::to_eml`] / [`Session::open_eml`], with a [`ConversionReport`] |
//!
//! ## The promises
//!
//! - A [`Message`] borrows its [`Session`]; an [`Attachment`] borrows its
//!   message; an embedded message borrows its attachment; a [`PropStream`]
//!   borrows its object. None can outlive what it came from, and
//!   `Session::close` does not compile while any of them is alive.
//! - Access is a type: `Message<'_, ReadOnly>` has no setter and no save.
//! - A typed tag ([`Tag<K>`], e.g. [`tags::SUBJECT`]) accepts and returns
//!   only its type's Rust value.
//! - Ids kept as plain data ([`MessageId`], [`AttachmentId`], [`RowId`])
//!   give [`Error::ObjectDeleted`] once their object is gone, never another
//!   object.
//! - Changes stay in memory until saved; a save to a path writes beside the
//!   file and renames over it, so the old file survives any failure.
//!   Dropping without saving discards, as MAPI does.
//! - Bad input is an [`Error`], never a panic; sizes, counts and depths read
//!   from files are checked against [`Limits`]. Reading is lenient by
//!   default ([`OpenOptions`]): what cannot be read is skipped and reported
//!   in `warnings()`, and a save that would drop it needs
//!   [`Message::accept_damage`].
//!
//! ```
//! use oxmsg::{Session, tags, RecipientType};
//!
//! let session = Session::new();
//! let msg = session.opener().create_in_memory()?;
//! msg.set(tags::SUBJECT, "Quarterly report")?;
//! msg.set(tags::BODY, "Numbers attached.")?;
//! msg.add_recipient(RecipientType::To, "Ann", "ann@example.com")?;
//! let att = msg.create_attachment()?;
//! att.set(tags::ATTACH_LONG_FILENAME, "q3.csv")?;
//! att.write_data(&mut &b"a,b\n1,2\n"[..])?;
//! att.save_changes()?;
//! drop(att);
//! let bytes = msg.to_bytes()?;
//! drop(msg);
//!
//! let read = session.opener().reader(std::io::Cursor::new(bytes))?;
//! assert_eq!(read.get(tags::SUBJECT)?.as_deref(), Some("Quarterly report"));
//! assert_eq!(read.recipients()?[0].email().as_deref(), Some("ann@example.com"));
//! let att = read.open_attachment(0)?;
//! assert_eq!(att.filename()?.as_deref(), Some("q3.csv"));
//! # Ok::<(), oxmsg::Error>(())
//! ```
//!
//! A session and its messages are used from one thread (they are neither
//! `Send` nor `Sync`); open one session per thread to work in parallel.
//!
//! [MS-OXMSG]: https://learn.microsoft.com/en-us/openspecs/exchange_server_protocols/ms-oxmsg/
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod access;
mod arena;
mod attach;
pub mod body;
mod compound;
pub mod convert;
mod copy;
mod draft;
mod error;
mod extract;
pub(crate) mod format;
mod imapiprop;
mod mapped;
mod message;
mod message_body;
mod message_state;
mod named_api;
mod object;
mod opener;
mod options;
pub mod prop;
mod recipient;
mod session;
mod store;
mod stream;
pub mod table;
mod warning;

pub use access::{Access, ReadOnly, ReadWrite, Writable};
pub use attach::{Attachment, AttachmentId};
pub use convert::{ConversionReport, Loss, LossKind};
pub use copy::{CopyOptions, PropProblem};
pub use draft::Draft;
pub use error::{scode, Error, LastError, Result};
pub use extract::{safe_file_name, MAX_FILE_NAME_BYTES};
pub use imapiprop::{PropRead, PropWrite};
pub use mapped::{AnyTag, MappedPropTag, MappedTag, NamedId, TypedTag};
pub use message::Message;
pub use message_body::{Body, InlineImages};
pub use message_state::read_flag;
pub use opener::Opener;
pub use options::{Limits, OpenOptions};
pub use prop::{
    kind, named, tags, AttachMethod, FileTime, Guid, Importance, LongEnum, NamedProp, NamedTag, PropAttr, PropInput,
    PropKind, PropName, PropTag, PropType, PropValue, RecipientType, Sensitivity, String8, Tag,
};
pub use recipient::{Recipient, RecipientChange, RowId};
pub use session::{MessageId, Session, SessionOptions, STORE_UNICODE_OK};
pub use stream::{PropStream, PropStreamMut};
pub use warning::{Warning, WarningKind};

/// Items for the fuzz targets and benches (`fuzz/`, `benches/`): not
/// part of the API, no stability promise.
#[doc(hidden)]
pub mod __fuzz {
    pub use crate::compound::diff::{
        cfb_outcome, cfb_read_all, compare, index_outcome, index_read_all, Agreement, EntrySnapshot, Outcome,
    };
    pub use crate::compound::index::{Children, CompoundIndex, DirEntry, EntryId, EntryKind, Walk};
}

/// The README's examples, compiled and run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
