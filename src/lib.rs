//! placeholder docs (the tour comes later)
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod access;
mod arena;
mod attach;
mod error;
mod extract;
pub(crate) mod format;
mod limits;
mod message;
mod named_api;
mod object;
pub mod prop;
mod recipient;
mod session;
mod store;
mod stream;
pub mod table;

pub use access::{Access, ReadOnly, ReadWrite};
pub use attach::{Attachment, AttachmentId, ATTACH_BY_REFERENCE, ATTACH_BY_VALUE, ATTACH_EMBEDDED_MSG, ATTACH_OLE};
pub use error::{scode, Error, Result};
pub use extract::{safe_file_name, MAX_FILE_NAME_BYTES};
pub use limits::Limits;
pub use message::Message;
pub use prop::{kind, named, tags, FileTime, Guid, PropAttr, PropKind, PropTag, PropType, PropValue, String8, Tag};
pub use recipient::{Recipient, RecipientChange, RecipientType, RowId};
pub use session::{MessageId, Session, SessionOptions, STORE_UNICODE_OK};
pub use stream::{PropStream, PropStreamMut};
