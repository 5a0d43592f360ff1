//! `Message<'s, A>`: a message open in a session (MAPI `IMessage`).

use std::io::Write;
use std::marker::PhantomData;
use std::path::Path;

use crate::access::{Access, ReadOnly};
use crate::error::{Error, Result};
use crate::mapped::{MappedTag, NamedId};
use crate::named_api::named_methods;
use crate::object::prop_methods;
use crate::prop::named::{NamedProp, NamedTag};
use crate::prop::{PropInput, PropKind, PropTag, PropType, PropValue};
use crate::session::{MessageId, Session};
use crate::store::NodeKey;

/// A message open in a [`Session`]: top-level, or embedded in an attachment.
///
/// `'s` is the borrow of what the message came from: the session for a
/// top-level message, the attachment for an embedded one, so neither can
/// outlive it. `A` is [`ReadOnly`] or [`ReadWrite`](crate::ReadWrite), fixed by the opening
/// call: a read-only message has no setter and no save.
///
/// Dropping the last handle of a message without saving discards its
/// changes, as MAPI's Release does.
///
/// MAPI: `IMessage` (from `OpenIMsgOnIStg`).
pub struct Message<'s, A: Access> {
    pub(crate) session: &'s Session,
    pub(crate) key: NodeKey,
    /// The caller's bytes the message was opened over (`Opener::bytes`),
    /// lent to every handle of the message for its reads.
    pub(crate) bytes: Option<&'s [u8]>,
    _access: PhantomData<A>,
}

prop_methods!(Message, "the message");
named_methods!(Message, "the message");

impl<'s, A: Access> Message<'s, A> {
    /// A handle on `key`, whose reference the caller already counted.
    pub(crate) fn from_key(session: &'s Session, key: NodeKey, bytes: Option<&'s [u8]>) -> Message<'s, A> {
        Message {
            session,
            key,
            bytes,
            _access: PhantomData,
        }
    }

    /// The engine, with the bytes this message reads from if they are
    /// borrowed.
    pub(crate) fn ctx(&self) -> crate::store::engine::Ctx<'s> {
        crate::store::engine::Ctx {
            engine: &self.session.engine,
            bytes: self.bytes,
        }
    }

    /// The id of this message, to keep as plain data.
    pub fn id(&self) -> MessageId {
        MessageId {
            session: self.ctx().id,
            node: self.key,
        }
    }

    /// Whether string properties of this message's file are PT_UNICODE
    /// (`STORE_UNICODE_OK` in PR_STORE_SUPPORT_MASK, MS-OXMSG 2.1.1.1).
    pub fn is_unicode(&self) -> bool {
        self.ctx().is_unicode(self.key).unwrap_or(true)
    }

    /// Whether this message is embedded in an attachment.
    pub fn is_embedded(&self) -> bool {
        self.ctx().is_embedded(self.key).unwrap_or(false)
    }

    /// Accepts that items skipped while reading this message's file
    /// leniently (see [`crate::OpenOptions`] and [`Self::warnings`]) are
    /// left out when it is saved. Without this, a save of a message with
    /// skipped items fails with [`Error::DamageNotAccepted`] listing them.
    /// Parts of the file that were never read are copied whole either way.
    ///
    /// # Errors
    /// [`Error::Busy`] when called from a caller's reader or writer in the
    /// middle of another call.
    pub fn accept_damage(&self) -> Result<()> {
        self.ctx().accept_damage(self.key)
    }

    /// Writes this message as a complete .msg to `out`, with what has been
    /// saved and what is pending in this handle; the message keeps its own
    /// file. An embedded message becomes a standalone top-level .msg (32-byte
    /// header, its own named-property mapping).
    ///
    /// # Errors
    /// I/O errors of `out` or of a temporary file; errors reading values.
    ///
    /// # MAPI
    /// Like KB171907's "save as .msg": a new storage, `CopyTo`, `SaveChanges`.
    pub fn save_to(&self, mut out: impl Write) -> Result<()> {
        self.ctx().save_to_writer(self.key, &mut out)
    }

    /// The bytes of this message as a complete .msg (see [`Self::save_to`]).
    ///
    /// # Errors
    /// As [`Self::save_to`].
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        self.ctx().image_bytes(self.key)
    }

    /// Writes this message as a complete .msg at `path`, atomically (a
    /// temporary file beside it, synced, then renamed). See [`Self::save_to`].
    ///
    /// # Errors
    /// As [`Self::save_to`].
    pub fn save_as(&self, path: impl AsRef<Path>) -> Result<()> {
        self.ctx().save_as_path(self.key, path.as_ref())
    }
}

impl<'s, A: Access> Message<'s, A> {
    /// Saves the changes and keeps the message open read-write.
    ///
    /// A top-level message is written to its file: for a path, a new file is
    /// written beside it, synced and renamed over it, so a failure leaves the
    /// old file intact; for a reader-writer or a caller's compound file, its
    /// storages are rewritten in place. An embedded message's changes become
    /// part of its attachment (saved with the attachment, then the message).
    ///
    /// It takes `&mut self`: nothing borrowed from the message (an
    /// attachment, an embedded message, a property stream) can be alive, so
    /// no stream can go on reading a file the save replaced, and no child's
    /// handle is left with changes the save did not see. Save children
    /// first, drop them, then save the message.
    ///
    /// # Errors
    /// I/O errors; errors reading values to copy; [`Error::ObjectDeleted`]
    /// when the message (or its attachment) was deleted;
    /// [`Error::StreamOpen`] when a written stream of an object inside it
    /// is still open (through another handle); [`Error::LimitExceeded`]
    /// when it holds more than the file's [`Limits`](crate::Limits) allow
    /// (oxmsg never writes a file it would refuse to read). On error the
    /// message stays open with its changes.
    ///
    /// # MAPI
    /// `IMessage::SaveChanges(KEEP_OPEN_READWRITE)`.
    pub fn save_changes(&mut self) -> Result<()>
    where
        A: crate::access::Writable,
    {
        self.save_with_warnings().map(|_| ())
    }

    /// [`Self::save_changes`], returning what the save left untrue and
    /// oxmsg cannot make true ([`WarningKind::Stale`](crate::WarningKind::Stale)):
    /// a received header block (PR_TRANSPORT_MESSAGE_HEADERS) while the
    /// subject, sender or recipients changed, which readers such as
    /// `msgconvert` show instead of the properties (delete it, or rewrite
    /// it, to make them agree); an attachment added to a signed
    /// (`IPM.Note.SMIME*`) message. They are also listed by
    /// [`Self::warnings`].
    ///
    /// The computed properties are made true by every save: PR_OBJECT_TYPE,
    /// PR_HASATTACH, PR_MESSAGE_SIZE and PR_ATTACH_SIZE (the bytes written),
    /// PR_ATTACH_NUM; PR_LAST_MODIFICATION_TIME (now) and, when absent,
    /// PR_CREATION_TIME; PR_DISPLAY_TO/CC/BCC follow the recipients and
    /// PR_SUBJECT_PREFIX, PR_NORMALIZED_SUBJECT and PR_CONVERSATION_TOPIC
    /// the subject as they are set.
    ///
    /// # Errors
    /// As [`Self::save_changes`].
    pub fn save_with_warnings(&mut self) -> Result<Vec<crate::Warning>>
    where
        A: crate::access::Writable,
    {
        let warnings = self.ctx().save_warnings(self.key)?;
        self.ctx().stamp_save_times(self.key)?;
        self.ctx().save_top(self.key)?;
        Ok(warnings)
    }

    /// Sets the sender of an SMTP message the way Outlook writes it: the
    /// sender (PR_SENDER_NAME, _ADDRTYPE `SMTP`, _EMAIL_ADDRESS,
    /// _SMTP_ADDRESS, a one-off _ENTRYID and the _SEARCH_KEY) and the one it
    /// is sent on behalf of (PR_SENT_REPRESENTING_*), here the same person.
    ///
    /// ```
    /// # let session = oxmsg::Session::new();
    /// let msg = session.opener().create_in_memory()?;
    /// msg.set_sender("Alice Example", "alice@example.com")?;
    /// assert_eq!(msg.get(oxmsg::tags::SENT_REPRESENTING_NAME)?.as_deref(), Some("Alice Example"));
    /// # Ok::<(), oxmsg::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Self::set`]; all twelve are set or (on an error) none.
    ///
    /// # MAPI
    /// `IMAPIProp::SetProps` with the twelve sender properties.
    pub fn set_sender(&self, name: &str, email: &str) -> Result<()>
    where
        A: crate::access::Writable,
    {
        use crate::tags::*;
        let entry_id = PropValue::Binary(crate::format::entryid::one_off_smtp(name, email));
        let search_key = PropValue::Binary(crate::format::entryid::smtp_search_key(email));
        let mut changes: Vec<_> = [
            (SENDER_NAME, name),
            (SENDER_ADDRTYPE, "SMTP"),
            (SENDER_EMAIL_ADDRESS, email),
            (SENDER_SMTP_ADDRESS, email),
            (SENT_REPRESENTING_NAME, name),
            (SENT_REPRESENTING_ADDRTYPE, "SMTP"),
            (SENT_REPRESENTING_EMAIL_ADDRESS, email),
            (SENT_REPRESENTING_SMTP_ADDRESS, email),
        ]
        .into_iter()
        .map(|(tag, v)| crate::store::props::PropChange::Set(tag.tag(), PropValue::Unicode(v.to_string())))
        .collect();
        for (tag, v) in [
            (SENDER_ENTRYID, &entry_id),
            (SENT_REPRESENTING_ENTRYID, &entry_id),
            (SENDER_SEARCH_KEY, &search_key),
            (SENT_REPRESENTING_SEARCH_KEY, &search_key),
        ] {
            changes.push(crate::store::props::PropChange::Set(tag.tag(), v.clone()));
        }
        self.ctx().change_props(self.key, changes)
    }

    /// Saves the changes and turns the handle read-only.
    ///
    /// # Errors
    /// As [`Self::save_changes`]. The handle is consumed even on error, so
    /// its unsaved changes are then lost: call [`Self::save_changes`] first
    /// when a failure must keep them.
    ///
    /// # MAPI
    /// `IMessage::SaveChanges(KEEP_OPEN_READONLY)`.
    pub fn save_read_only(mut self) -> Result<Message<'s, ReadOnly>>
    where
        A: crate::access::Writable,
    {
        self.save_changes()?;
        let m = std::mem::ManuallyDrop::new(self);
        Ok(Message::from_key(m.session, m.key, m.bytes))
    }

    /// Closes the message and gives back the caller's compound file it was
    /// opened on with [`Opener::compound`](crate::Opener::compound) (save first: unsaved
    /// changes are discarded).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for an embedded message (its file is its
    /// top-level message's), or when the message was not opened over a
    /// `cfb::CompoundFile<F>` of this `F`; nothing is taken then.
    pub fn into_compound_file<F: 'static>(self) -> Result<cfb::CompoundFile<F>>
    where
        A: crate::access::Writable,
    {
        let any = self
            .ctx()
            .take_top_store(self.key, std::any::TypeId::of::<cfb::CompoundFile<F>>(), false)?;
        any.downcast::<cfb::CompoundFile<F>>()
            .map(|cf| *cf)
            .map_err(|_| Error::InvalidParameter {
                detail: "the message was not opened over a compound file of this type".into(),
            })
    }

    /// Closes the message and gives back the reader-writer it was opened
    /// on with [`Opener::reader`](crate::Opener::reader) (read-write) (for a `Cursor<Vec<u8>>`, the bytes as
    /// last saved). Save first: unsaved changes are discarded.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for an embedded message, or when the
    /// message was not opened with `open_rw` over an `F`; nothing is taken
    /// then.
    pub fn into_inner<F: std::io::Read + std::io::Write + std::io::Seek + Send + Sync + 'static>(self) -> Result<F>
    where
        A: crate::access::Writable,
    {
        type Store<F> = cfb::CompoundFile<crate::compound::repair::Repaired<F>>;
        let any = self
            .ctx()
            .take_top_store(self.key, std::any::TypeId::of::<Store<F>>(), true)?;
        any.downcast::<crate::compound::repair::Repaired<F>>()
            .ok()
            .and_then(|r| (*r).take_inner())
            .ok_or_else(|| Error::InvalidParameter {
                detail: "the message was not opened with open_rw over this type".into(),
            })
    }
}

impl<A: Access> Drop for Message<'_, A> {
    fn drop(&mut self) {
        self.ctx().release(self.key);
    }
}

impl<A: Access> std::fmt::Debug for Message<'_, A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Message")
            .field("id", &self.id())
            .field("writable", &A::WRITABLE)
            .finish()
    }
}
