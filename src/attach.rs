//! `Attachment<'m, A>`: an attachment of a message (MAPI `IAttach`), and the
//! attachment calls of `IMessage` (OpenAttach, CreateAttach, DeleteAttach).

use std::io::{Read, Write};
use std::marker::PhantomData;

use crate::access::{Access, ReadWrite};
use crate::error::{Error, Result};
use crate::format::names;
use crate::format::propstream::HeaderKind;
use crate::message::Message;
use crate::object::prop_methods;
use crate::prop::{tags, PropTag, PropType, PropValue};
use crate::session::Session;
use crate::store::state::{AttachSlot, AttachState, EmbeddedSlot, MessageState, Origin, PropBag, PropEntry, Val};
use crate::store::{load, AttachNode, Inner, MessageNode, Node, NodeKey};

/// `ATTACH_BY_VALUE`: the data is PR_ATTACH_DATA_BIN.
pub const ATTACH_BY_VALUE: i32 = 1;
/// `ATTACH_BY_REFERENCE`: a path in PR_ATTACH_PATHNAME.
pub const ATTACH_BY_REFERENCE: i32 = 2;
/// `ATTACH_EMBEDDED_MSG`: a message in PR_ATTACH_DATA_OBJ.
pub const ATTACH_EMBEDDED_MSG: i32 = 5;
/// `ATTACH_OLE`: an OLE storage in PR_ATTACH_DATA_OBJ.
pub const ATTACH_OLE: i32 = 6;

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
    _access: PhantomData<A>,
}

prop_methods!(Attachment, "the attachment");

impl Inner {
    /// OpenAttach: the node of attachment `num` of message `msg`, opened now
    /// or shared with an earlier open.
    pub(crate) fn open_attachment(&mut self, msg: NodeKey, num: u32) -> Result<NodeKey> {
        self.check_live(msg)?;
        let m = self.message(msg)?;
        if let Some(&k) = m.open_attachments.get(&num) {
            self.retain(k);
            return Ok(k);
        }
        let file = m.file;
        let state = match m.state.attachments.get(&num) {
            None => {
                return Err(Error::NotFound {
                    what: format!("attachment #{num} of {}", self.describe(msg)),
                })
            }
            Some(AttachSlot::Loaded(a)) => (**a).clone(),
            Some(AttachSlot::Stored) => {
                let path = m
                    .state
                    .origin
                    .source
                    .as_ref()
                    .map(|s| s.path.clone())
                    .ok_or_else(|| Error::corrupt("?", "stored attachment without a source"))?;
                self.with_store(file, |store, opts| load::load_attachment(store, file, &path, num, opts))?
            }
        };
        Ok(self.add_attachment_node(msg, file, state))
    }

    fn add_attachment_node(
        &mut self,
        msg: NodeKey,
        file: crate::arena::Key<crate::store::FileState>,
        state: AttachState,
    ) -> NodeKey {
        let num = state.num;
        let k = self.nodes.insert(Node::Attachment(AttachNode {
            file,
            parent: msg,
            state,
            open_embedded: None,
            refs: 1,
            deleted: false,
        }));
        self.retain(msg);
        if let Ok(m) = self.message_mut(msg) {
            m.open_attachments.insert(num, k);
        }
        k
    }

    /// CreateAttach: a new attachment numbered from the message's next id;
    /// it becomes part of the message when saved.
    pub(crate) fn create_attachment(&mut self, msg: NodeKey) -> Result<NodeKey> {
        self.check_live(msg)?;
        let limits = self.limits(msg);
        let m = self.message_mut(msg)?;
        if m.state.attachments.len() as u64 >= limits.max_children as u64 {
            return Err(Error::LimitExceeded {
                limit: "max_children",
                value: m.state.attachments.len() as u64 + 1,
                max: limits.max_children as u64,
                path: "attachments".into(),
            });
        }
        let used = m.state.attachments.keys().next_back().map(|n| n + 1).unwrap_or(0);
        let opened = m.open_attachments.keys().max().map(|n| n + 1).unwrap_or(0);
        let num = m.state.header.next_attachment_id.max(used).max(opened);
        m.state.header.next_attachment_id = num + 1;
        let file = m.file;
        let mut props = PropBag::default();
        for (id, v) in [
            (0x0E21u16, PropValue::Long(num as i32)),
            (0x0FFE, PropValue::Long(7)),
            (0x3705, PropValue::Long(ATTACH_BY_VALUE)),
            (0x370B, PropValue::Long(-1)),
        ] {
            props.set(PropTag::new(id, v.prop_type()), Val::Value(v));
        }
        let state = AttachState {
            num,
            origin: Origin::default(),
            props,
            embedded: None,
        };
        Ok(self.add_attachment_node(msg, file, state))
    }

    /// DeleteAttach: removes attachment `num`; open handles on it then give
    /// `ObjectDeleted`.
    pub(crate) fn delete_attachment(&mut self, msg: NodeKey, num: u32) -> Result<()> {
        self.check_live(msg)?;
        let m = self.message_mut(msg)?;
        let existed = m.state.attachments.remove(&num).is_some();
        let open = m.open_attachments.get(&num).copied();
        if let Some(k) = open {
            if let Ok(a) = self.attachment_mut(k) {
                a.deleted = true;
            }
        }
        if !existed && open.is_none() {
            return Err(Error::NotFound {
                what: format!("attachment #{num}"),
            });
        }
        self.refresh_has_attach(msg)
    }

    /// PR_HASATTACH and `MSGFLAG_HASATTACH` in PR_MESSAGE_FLAGS follow the
    /// attachments, as Outlook keeps them.
    pub(crate) fn refresh_has_attach(&mut self, msg: NodeKey) -> Result<()> {
        let m = self.message_mut(msg)?;
        let has = !m.state.attachments.is_empty();
        let props = &mut m.state.props;
        props.set(
            PropTag::new(0x0E1B, PropType::BOOLEAN),
            Val::Value(PropValue::Boolean(has)),
        );
        if let Some(flags) = props.long(0x0E07) {
            let flags = if has { flags | 0x10 } else { flags & !0x10 };
            props.set(PropTag::new(0x0E07, PropType::LONG), Val::Value(PropValue::Long(flags)));
        }
        Ok(())
    }

    /// The embedded message of attachment `att`, opened now or shared.
    pub(crate) fn open_embedded(&mut self, att: NodeKey, create: bool) -> Result<NodeKey> {
        self.check_live(att)?;
        let a = self.attachment(att)?;
        if let Some(k) = a.open_embedded {
            if create {
                return Err(Error::InvalidParameter {
                    detail: "the embedded message is open; close it before creating a new one".into(),
                });
            }
            self.retain(k);
            return Ok(k);
        }
        let depth = self.message(a.parent)?.depth + 1;
        let limits = self.limits(att);
        if depth > limits.max_depth {
            return Err(Error::LimitExceeded {
                limit: "max_depth",
                value: depth as u64,
                max: limits.max_depth as u64,
                path: self.describe(att),
            });
        }
        let file = a.file;
        let state = if create {
            new_embedded_state()
        } else {
            match &a.state.embedded {
                None => {
                    return Err(Error::NotFound {
                        what: format!("embedded message of attachment #{}", a.state.num),
                    })
                }
                Some(EmbeddedSlot::Loaded(m)) => (**m).clone(),
                Some(EmbeddedSlot::Stored) => {
                    let path = a
                        .state
                        .origin
                        .source
                        .as_ref()
                        .map(|s| names::join(&s.path, names::ATTACH_DATA_OBJ))
                        .ok_or_else(|| Error::corrupt("?", "stored embedded message without a source"))?;
                    self.with_store(file, |store, opts| {
                        load::load_message(store, file, &path, HeaderKind::Embedded, opts)
                    })?
                }
            }
        };
        let k = self.nodes.insert(Node::Message(MessageNode {
            file,
            parent: Some(att),
            state,
            open_attachments: Default::default(),
            refs: 1,
            depth,
        }));
        self.retain(att);
        let a = self.attachment_mut(att)?;
        a.open_embedded = Some(k);
        if create {
            a.state.embedded = Some(EmbeddedSlot::Loaded(Box::new(new_embedded_state())));
            a.state.props.set(
                PropTag::new(0x3705, PropType::LONG),
                Val::Value(PropValue::Long(ATTACH_EMBEDDED_MSG)),
            );
            // PR_ATTACH_DATA_OBJ is listed as MAPI's GetPropList lists
            // PT_OBJECT properties; the writer puts the message in it.
            a.state.props.remove_id(0x3701);
            let tag = PropTag::new(0x3701, PropType::OBJECT);
            a.state.props.map.insert(
                tag.0,
                PropEntry {
                    tag,
                    flags: crate::prop::PropAttr::DEFAULT.0,
                    val: Val::Value(PropValue::Object),
                },
            );
        }
        Ok(k)
    }
}

/// A new embedded message: PR_MESSAGE_CLASS `IPM.Note` (readers such as
/// extract-msg need a class to treat it as a mail) and PR_MESSAGE_FLAGS
/// `MSGFLAG_READ | MSGFLAG_UNSENT`.
fn new_embedded_state() -> MessageState {
    let mut st = MessageState::new(HeaderKind::Embedded);
    st.props.set(
        tags::MESSAGE_CLASS.tag(),
        Val::Value(PropValue::Unicode("IPM.Note".into())),
    );
    st.props
        .set(tags::MESSAGE_FLAGS.tag(), Val::Value(PropValue::Long(0x9)));
    st
}

impl<'s, A: Access> Message<'s, A> {
    /// The numbers of the message's attachments, in ascending order.
    ///
    /// # Errors
    /// [`Error::ObjectDeleted`] when the message is gone.
    ///
    /// # MAPI
    /// The PR_ATTACH_NUM column of `IMessage::GetAttachmentTable`.
    pub fn attachment_numbers(&self) -> Result<Vec<u32>> {
        let inner = self.session.inner.borrow();
        inner.check_live(self.key)?;
        Ok(inner.message(self.key)?.state.attachments.keys().copied().collect())
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
        let strict = self.session.inner.borrow().strict(self.key);
        let mut out = Vec::new();
        for n in self.attachment_numbers()? {
            match self.open_attachment(n) {
                Ok(a) => out.push(a),
                Err(e) if !strict && matches!(e, Error::CorruptData { .. } | Error::NotFound { .. }) => {
                    let mut inner = self.session.inner.borrow_mut();
                    let m = inner.message_mut(self.key)?;
                    let w = format!("attachment #{n} could not be read and was skipped: {e}");
                    if !m.state.origin.warnings.contains(&w) {
                        m.state.origin.warnings.push(w);
                    }
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
        let k = self.session.inner.borrow_mut().open_attachment(self.key, num)?;
        Ok(Attachment::from_key(self.session, k))
    }

    /// Opens the attachment that `id` names.
    ///
    /// # Errors
    /// [`Error::ObjectDeleted`] when it was deleted; [`Error::InvalidParameter`]
    /// when `id` belongs to another message; [`Error::WrongSession`].
    pub fn open_attachment_by_id(&self, id: AttachmentId) -> Result<Attachment<'_, A>> {
        if id.session != self.session.id {
            return Err(Error::WrongSession { what: "AttachmentId" });
        }
        if id.message != self.key {
            return Err(Error::InvalidParameter {
                detail: "the attachment id belongs to another message".into(),
            });
        }
        match self.open_attachment(id.num) {
            Err(Error::NotFound { .. }) => Err(Error::ObjectDeleted {
                what: format!("attachment #{}", id.num),
            }),
            r => r,
        }
    }
}

impl<'s> Message<'s, ReadWrite> {
    /// Creates an attachment (by value until told otherwise), numbered from
    /// the message's next attachment id. It becomes part of the message
    /// when the attachment is saved, and durable when the message is.
    ///
    /// # Errors
    /// [`Error::LimitExceeded`] past 2048 attachments.
    ///
    /// # MAPI
    /// `IMessage::CreateAttach`.
    pub fn create_attachment(&self) -> Result<Attachment<'_, ReadWrite>> {
        let k = self.session.inner.borrow_mut().create_attachment(self.key)?;
        Ok(Attachment::from_key(self.session, k))
    }

    /// Deletes attachment `num`; permanent when the message is saved. It
    /// takes `&mut self`, so no attachment borrowed from this handle can be
    /// alive; a handle opened through another handle of the same message
    /// then gives [`Error::ObjectDeleted`].
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown number.
    ///
    /// # MAPI
    /// `IMessage::DeleteAttach`.
    pub fn delete_attachment(&mut self, num: u32) -> Result<()> {
        self.session.inner.borrow_mut().delete_attachment(self.key, num)
    }
}

impl<'m, A: Access> Attachment<'m, A> {
    pub(crate) fn from_key(session: &'m Session, key: NodeKey) -> Attachment<'m, A> {
        Attachment {
            session,
            key,
            _access: PhantomData,
        }
    }

    /// The attachment number (PR_ATTACH_NUM, the storage's `#XXXXXXXX`).
    pub fn num(&self) -> u32 {
        self.id().num
    }

    /// The id of this attachment, to keep as plain data.
    pub fn id(&self) -> AttachmentId {
        let inner = self.session.inner.borrow();
        // A handle holds a reference on its node, so the node is there (a
        // deleted attachment keeps its node, marked deleted, until released).
        let a = inner.attachment(self.key).expect("a handle keeps its node");
        AttachmentId {
            session: self.session.id,
            message: a.parent,
            num: a.state.num,
        }
    }

    /// PR_ATTACH_METHOD (1 by value, 5 embedded message, 6 OLE, …).
    ///
    /// # Errors
    /// [`Error::ObjectDeleted`] when the attachment was deleted.
    pub fn method(&self) -> Result<Option<i32>> {
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
        self.session
            .inner
            .borrow()
            .attachment(self.key)
            .map(|a| a.state.embedded.is_some())
            .unwrap_or(false)
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
        let k = self.session.inner.borrow_mut().open_embedded(self.key, false)?;
        Ok(Message::from_key(self.session, k))
    }
}

impl<'m> Attachment<'m, ReadWrite> {
    /// Replaces the data (PR_ATTACH_DATA_BIN) with everything `reader`
    /// gives, streamed through a temporary file, not memory. Returns the
    /// number of bytes.
    ///
    /// # Errors
    /// I/O errors of `reader` or of the temporary file.
    pub fn write_data(&self, reader: &mut impl Read) -> Result<u64> {
        let mut s = self.open_stream_mut(tags::ATTACH_DATA_BIN)?;
        let n = std::io::copy(reader, &mut s).map_err(|e| Error::io(e, "writing attachment data"))?;
        s.flush().map_err(|e| Error::io(e, "writing attachment data"))?;
        s.commit()?;
        self.set(tags::ATTACH_SIZE, n.min(i32::MAX as u64) as i32)?;
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
    pub fn create_embedded(&self) -> Result<Message<'_, ReadWrite>> {
        let k = self.session.inner.borrow_mut().open_embedded(self.key, true)?;
        Ok(Message::from_key(self.session, k))
    }

    /// Makes the attachment's changes part of its message (durable when the
    /// message is saved); keeps it open read-write.
    ///
    /// # Errors
    /// [`Error::ObjectDeleted`] when it was deleted.
    ///
    /// # MAPI
    /// `IAttach::SaveChanges(KEEP_OPEN_READWRITE)`.
    pub fn save_changes(&self) -> Result<()> {
        self.session.inner.borrow_mut().commit_child(self.key)
    }
}

impl<A: Access> Drop for Attachment<'_, A> {
    fn drop(&mut self) {
        if let Ok(mut inner) = self.session.inner.try_borrow_mut() {
            inner.release(self.key);
        }
    }
}

impl<A: Access> std::fmt::Debug for Attachment<'_, A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Attachment").field("num", &self.num()).finish()
    }
}
