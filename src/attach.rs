//! `Attachment<'m, A>`: an attachment of a message (MAPI `IAttach`), and the
//! attachment calls of `IMessage` (OpenAttach, CreateAttach, DeleteAttach).

use std::io::{Read, Write};
use std::marker::PhantomData;

use crate::access::Access;
use crate::error::{Error, Result};
use crate::mapped::{MappedTag, NamedId};
use crate::message::Message;
use crate::named_api::named_methods;
use crate::object::prop_methods;
use crate::prop::named::{NamedProp, NamedTag};
use crate::prop::{tags, AttachMethod};
use crate::prop::{PropInput, PropKind, PropTag, PropType, PropValue};
use crate::session::Session;
use crate::store::props::PropChange;
use crate::store::NodeKey;

/// The id of an attachment, to keep as plain data: using it after the
/// attachment was deleted, or its message closed, gives
/// [`Error::ObjectDeleted`], never another attachment.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct AttachmentId {
    pub(crate) session: u64,
    pub(crate) message: NodeKey,
    pub(crate) num: u32,
}

impl AttachmentId {
    /// The attachment number (PR_ATTACH_NUM).
    pub fn num(&self) -> u32 {
        self.num
    }
}

/// An attachment of a message. It borrows its message (`'m`), so it cannot
/// outlive it; opening the same attachment twice gives handles on the same
/// state, as MAPI does.
///
/// MAPI: `IAttach`.
pub struct Attachment<'m, A: Access> {
    pub(crate) session: &'m Session,
    pub(crate) key: NodeKey,
    /// The caller's bytes its message was opened over, if borrowed.
    pub(crate) bytes: Option<&'m [u8]>,
    /// Its id: an attachment's number and message never change.
    id: AttachmentId,
    _access: PhantomData<A>,
}

prop_methods!(Attachment, "the attachment");
named_methods!(Attachment, "the attachment");

impl<'s, A: Access> Message<'s, A> {
    /// The numbers of the message's attachments, in ascending order.
    ///
    /// # Errors
    /// [`Error::ObjectDeleted`] when the message is gone.
    ///
    /// # MAPI
    /// The PR_ATTACH_NUM column of `IMessage::GetAttachmentTable`.
    pub fn attachment_numbers(&self) -> Result<Vec<u32>> {
        self.ctx().attachment_numbers(self.key)
    }

    /// Opens every attachment, in attachment-number order. When the file is
    /// read leniently (the default), an attachment whose storage cannot be
    /// read is skipped and reported in [`Self::warnings`]; it stays in the
    /// file, copied whole by a save.
    ///
    /// # Errors
    /// As [`Self::open_attachment`] when reading strictly;
    /// [`Error::LimitExceeded`] always.
    pub fn attachments(&self) -> Result<Vec<Attachment<'_, A>>> {
        let strict = self.ctx().strict(self.key)?;
        let mut out = Vec::new();
        for n in self.attachment_numbers()? {
            match self.open_attachment(n) {
                Ok(a) => out.push(a),
                Err(e) if !strict && matches!(e, Error::CorruptData { .. } | Error::NotFound { .. }) => {
                    self.ctx().warn_unreadable_attachment(self.key, n, &e)?;
                }
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// Opens attachment number `num` (PR_ATTACH_NUM).
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown number; [`Error::CorruptData`]
    /// when its storage cannot be read.
    ///
    /// # MAPI
    /// `IMessage::OpenAttach`. Opening an open attachment again returns the
    /// same object (same state), as MAPI does.
    pub fn open_attachment(&self, num: u32) -> Result<Attachment<'_, A>> {
        let k = self.ctx().open_attachment(self.key, num)?;
        Ok(Attachment::from_key(
            self.session,
            k,
            self.attachment_id(num),
            self.bytes,
        ))
    }

    /// Opens the attachment that `id` names.
    ///
    /// # Errors
    /// [`Error::ObjectDeleted`] when it was deleted; [`Error::InvalidParameter`]
    /// when `id` belongs to another message; [`Error::WrongSession`].
    pub fn open_attachment_by_id(&self, id: AttachmentId) -> Result<Attachment<'_, A>> {
        self.check_own(id)?;
        match self.open_attachment(id.num) {
            Err(Error::NotFound { .. }) => Err(Error::ObjectDeleted {
                what: format!("attachment #{}", id.num),
            }),
            r => r,
        }
    }
}

impl<A: Access> Message<'_, A> {
    /// The id attachment `num` of this message has.
    fn attachment_id(&self, num: u32) -> AttachmentId {
        AttachmentId {
            session: self.ctx().id,
            message: self.key,
            num,
        }
    }

    /// Refuses an id of another message or session.
    fn check_own(&self, id: AttachmentId) -> Result<()> {
        if id.session != self.ctx().id {
            return Err(Error::WrongSession { what: "AttachmentId" });
        }
        if id.message != self.key {
            return Err(Error::InvalidParameter {
                detail: "the attachment id belongs to another message".into(),
            });
        }
        Ok(())
    }
}

impl<'s, A: Access> Message<'s, A> {
    /// Creates an attachment (by value until told otherwise), numbered from
    /// the message's next attachment id. It becomes part of the message
    /// when the attachment is saved, and durable when the message is.
    ///
    /// # Errors
    /// [`Error::LimitExceeded`] past [`Limits::max_children`](crate::Limits::max_children)
    /// attachments (counting the ones created and not saved yet);
    /// [`Error::IdsExhausted`] when the file has used every number.
    ///
    /// # MAPI
    /// `IMessage::CreateAttach`.
    pub fn create_attachment(&self) -> Result<Attachment<'_, A>>
    where
        A: crate::access::Writable,
    {
        let (k, num) = self.ctx().create_attachment(self.key)?;
        Ok(Attachment::from_key(
            self.session,
            k,
            self.attachment_id(num),
            self.bytes,
        ))
    }

    /// Deletes the attachment that `id` names; permanent when the message
    /// is saved. Its number is retired: no later attachment of the file
    /// gets it, so `id` never names another attachment. It takes
    /// `&mut self`, so no attachment borrowed from this handle can be
    /// alive; a handle opened through another handle of the same message
    /// then gives [`Error::ObjectDeleted`].
    ///
    /// # Errors
    /// [`Error::ObjectDeleted`] when it was deleted already;
    /// [`Error::InvalidParameter`] when `id` belongs to another message;
    /// [`Error::WrongSession`].
    ///
    /// # MAPI
    /// `IMessage::DeleteAttach`.
    pub fn delete_attachment(&mut self, id: AttachmentId) -> Result<()>
    where
        A: crate::access::Writable,
    {
        self.check_own(id)?;
        self.ctx().delete_attachment(self.key, id.num)
    }
}

impl<'m, A: Access> Attachment<'m, A> {
    pub(crate) fn from_key(
        session: &'m Session,
        key: NodeKey,
        id: AttachmentId,
        bytes: Option<&'m [u8]>,
    ) -> Attachment<'m, A> {
        Attachment {
            session,
            key,
            bytes,
            id,
            _access: PhantomData,
        }
    }

    /// The engine, with the bytes this attachment's message reads from if
    /// they are borrowed.
    pub(crate) fn ctx(&self) -> crate::store::engine::Ctx<'m> {
        crate::store::engine::Ctx {
            engine: &self.session.engine,
            bytes: self.bytes,
        }
    }

    /// The attachment number (PR_ATTACH_NUM, the storage's `#XXXXXXXX`).
    pub fn num(&self) -> u32 {
        self.id.num
    }

    /// The id of this attachment, to keep as plain data.
    pub fn id(&self) -> AttachmentId {
        self.id
    }

    /// PR_ATTACH_METHOD (by value, embedded message, OLE, …).
    ///
    /// # Errors
    /// [`Error::ObjectDeleted`] when the attachment was deleted.
    pub fn method(&self) -> Result<Option<AttachMethod>> {
        self.get(tags::ATTACH_METHOD)
    }

    /// The file name: PR_ATTACH_LONG_FILENAME, else PR_ATTACH_FILENAME,
    /// else PR_DISPLAY_NAME. It comes from the file: sanitise it before
    /// using it as a path.
    ///
    /// # Errors
    /// As [`Self::get`].
    pub fn filename(&self) -> Result<Option<String>> {
        for t in [tags::ATTACH_LONG_FILENAME, tags::ATTACH_FILENAME, tags::DISPLAY_NAME] {
            if let Some(s) = self.get(t)?.filter(|s| !s.is_empty()) {
                return Ok(Some(s));
            }
        }
        Ok(None)
    }

    /// PR_ATTACH_MIME_TAG, e.g. `image/png`.
    ///
    /// # Errors
    /// As [`Self::get`].
    pub fn mime_type(&self) -> Result<Option<String>> {
        self.get(tags::ATTACH_MIME_TAG)
    }

    /// PR_ATTACH_CONTENT_ID: the `cid:` an HTML body refers to it by.
    ///
    /// # Errors
    /// As [`Self::get`].
    pub fn content_id(&self) -> Result<Option<String>> {
        Ok(self.get(tags::ATTACH_CONTENT_ID)?.filter(|s| !s.is_empty()))
    }

    /// The size of the data in bytes: the length of PR_ATTACH_DATA_BIN for a
    /// by-value attachment, else PR_ATTACH_SIZE (which Outlook sets to the
    /// whole attachment's approximate size).
    ///
    /// # Errors
    /// As [`Self::get`].
    pub fn size(&self) -> Result<Option<u64>> {
        match self.data() {
            Ok(d) => Ok(Some(d.len())),
            Err(Error::PropNotFound { .. }) | Err(Error::NoSupport { .. }) => {
                Ok(self.get(tags::ATTACH_SIZE)?.map(|n| n.max(0) as u64))
            }
            Err(e) => Err(e),
        }
    }

    /// Whether the attachment is shown inside the body rather than as a
    /// file: `ATT_MHTML_REF` (0x4) in PR_ATTACH_FLAGS, or a content id that
    /// an HTML body can refer to.
    ///
    /// # Errors
    /// As [`Self::get`].
    pub fn is_inline(&self) -> Result<bool> {
        Ok(self.get(tags::ATTACH_FLAGS)?.is_some_and(|f| f & 0x4 != 0) || self.content_id()?.is_some())
    }

    /// PR_ATTACHMENT_HIDDEN: Outlook does not list it among the attachments.
    ///
    /// # Errors
    /// As [`Self::get`].
    pub fn is_hidden(&self) -> Result<bool> {
        Ok(self.get(tags::ATTACHMENT_HIDDEN)?.unwrap_or(false))
    }

    /// Whether the attachment holds an embedded message.
    pub fn is_embedded(&self) -> bool {
        self.ctx().has_embedded(self.key).unwrap_or(false)
    }

    /// Opens the data of a by-value attachment (PR_ATTACH_DATA_BIN) as a
    /// stream, without loading it.
    ///
    /// # Errors
    /// [`Error::PropNotFound`] when the attachment has no data.
    ///
    /// # MAPI
    /// `OpenProperty(PR_ATTACH_DATA_BIN, IID_IStream, …)`.
    pub fn data(&self) -> Result<crate::stream::PropStream<'_>> {
        self.open_stream(tags::ATTACH_DATA_BIN)
    }

    /// Opens the embedded message (ATTACH_EMBEDDED_MSG). It borrows this
    /// attachment and has the access of this attachment.
    ///
    /// # Errors
    /// [`Error::NotFound`] when there is none; [`Error::LimitExceeded`]
    /// beyond [`crate::Limits::max_depth`] levels of nesting.
    ///
    /// # MAPI
    /// `OpenProperty(PR_ATTACH_DATA_OBJ, IID_IMessage, …)`.
    pub fn open_embedded(&self) -> Result<Message<'_, A>> {
        let k = self.ctx().open_embedded(self.key, false)?;
        Ok(Message::from_key(self.session, k, self.bytes))
    }
}

impl<'m, A: Access> Attachment<'m, A> {
    /// Replaces the data (PR_ATTACH_DATA_BIN) with everything `reader`
    /// gives, streamed through a temporary file, not memory. Returns the
    /// number of bytes. All or nothing: when `reader` fails, the old data
    /// (and PR_ATTACH_SIZE) stay exactly as they were.
    ///
    /// # Errors
    /// I/O errors of `reader` or of the temporary file.
    pub fn write_data(&self, reader: &mut impl Read) -> Result<u64>
    where
        A: crate::access::Writable,
    {
        let mut s = self.open_stream_mut(tags::ATTACH_DATA_BIN)?;
        let n = std::io::copy(reader, &mut s).map_err(|e| Error::io(e, "reading the attachment data"))?;
        s.flush().map_err(|e| Error::io(e, "writing attachment data"))?;
        let size = PropValue::Long(n.min(i32::MAX as u64) as i32);
        s.commit_with(vec![PropChange::SetDerived(tags::ATTACH_SIZE.tag(), size)])?;
        Ok(n)
    }

    /// Makes this attachment hold a new, empty embedded message
    /// (ATTACH_EMBEDDED_MSG) and opens it read-write. Save the embedded
    /// message, then this attachment, then the top-level message.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] when the current embedded message is open.
    ///
    /// # MAPI
    /// `OpenProperty(PR_ATTACH_DATA_OBJ, IID_IMessage, 0, MAPI_CREATE | MAPI_MODIFY)`.
    pub fn create_embedded(&self) -> Result<Message<'_, A>>
    where
        A: crate::access::Writable,
    {
        let k = self.ctx().open_embedded(self.key, true)?;
        Ok(Message::from_key(self.session, k, self.bytes))
    }

    /// Makes the attachment's changes part of its message (durable when the
    /// message is saved); keeps it open read-write.
    ///
    /// # Errors
    /// [`Error::ObjectDeleted`] when it was deleted.
    ///
    /// # MAPI
    /// `IAttach::SaveChanges(KEEP_OPEN_READWRITE)`.
    pub fn save_changes(&self) -> Result<()>
    where
        A: crate::access::Writable,
    {
        self.ctx().commit_child(self.key)
    }
}

impl<A: Access> Drop for Attachment<'_, A> {
    fn drop(&mut self) {
        self.ctx().release(self.key);
    }
}

impl<A: Access> std::fmt::Debug for Attachment<'_, A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Attachment")
            .field("num", &self.id.num)
            .field("writable", &A::WRITABLE)
            .finish()
    }
}
