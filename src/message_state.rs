//! The state of a message as Outlook shows it: read or unread
//! (`IMessage::SetReadFlag`), a draft, a received mail, a sent item; the
//! release callback of `OpenIMsgOnIStg`; and the IMessage calls a .msg
//! cannot do, which exist so that a MAPI programmer who looks for them finds
//! why.

use std::time::SystemTime;

use crate::access::{Access, Writable};
use crate::error::{Error, Result};
use crate::message::Message;
use crate::prop::{tags, FileTime, PropValue};
use crate::store::props::PropChange;

/// The flags of [`Message::set_read_flag`] (`IMessage::SetReadFlag`).
pub mod read_flag {
    /// `SUPPRESS_RECEIPT`: no read receipt (a .msg never sends one anyway).
    pub const SUPPRESS_RECEIPT: u32 = 0x1;
    /// `CLEAR_READ_FLAG`: mark the message unread.
    pub const CLEAR_READ_FLAG: u32 = 0x4;
    /// `GENERATE_RECEIPT_ONLY`: send a receipt without changing the flag.
    pub const GENERATE_RECEIPT_ONLY: u32 = 0x10;
    /// `CLEAR_RN_PENDING`: clear `MSGFLAG_RN_PENDING`.
    pub const CLEAR_RN_PENDING: u32 = 0x20;
    /// `CLEAR_NRN_PENDING`: clear `MSGFLAG_NRN_PENDING`.
    pub const CLEAR_NRN_PENDING: u32 = 0x40;
}

/// PR_MESSAGE_FLAGS bits (MS-OXCMSG 2.2.1.6).
const MSGFLAG_READ: i32 = 0x1;
const MSGFLAG_UNMODIFIED: i32 = 0x2;
const MSGFLAG_SUBMIT: i32 = 0x4;
const MSGFLAG_UNSENT: i32 = 0x8;
const MSGFLAG_FROMME: i32 = 0x20;
const MSGFLAG_RN_PENDING: i32 = 0x100;
const MSGFLAG_NRN_PENDING: i32 = 0x200;

fn set(tag: crate::PropTag, v: PropValue) -> PropChange {
    PropChange::Set(tag, v)
}

impl<'s, A: Access> Message<'s, A> {
    /// PR_MESSAGE_FLAGS (0 when absent).
    fn message_flags(&self) -> Result<i32> {
        Ok(self.get(tags::MESSAGE_FLAGS)?.unwrap_or(0))
    }

    /// Marks the message read (sets `MSGFLAG_READ` in PR_MESSAGE_FLAGS) or,
    /// with [`read_flag::CLEAR_READ_FLAG`], unread; `CLEAR_RN_PENDING` and
    /// `CLEAR_NRN_PENDING` clear the pending-receipt flags;
    /// `SUPPRESS_RECEIPT | GENERATE_RECEIPT_ONLY` sets
    /// PR_READ_RECEIPT_REQUESTED to false without changing the flag.
    ///
    /// Unlike MAPI, which saves the message, this changes it in memory like
    /// any `set` (nothing is written behind the caller's back); and no
    /// receipt is ever sent, since a .msg has no transport.
    ///
    /// ```
    /// use oxmsg::read_flag::CLEAR_READ_FLAG;
    /// # let session = oxmsg::Session::new();
    /// let msg = session.opener().create_in_memory()?;
    /// msg.set_read_flag(0)?;
    /// assert!(msg.is_read()?);
    /// msg.set_read_flag(CLEAR_READ_FLAG)?;
    /// assert!(!msg.is_read()?);
    /// # Ok::<(), oxmsg::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for unknown flags and for the
    /// combinations MAPI refuses (`SUPPRESS_RECEIPT | CLEAR_READ_FLAG`, with
    /// or without `GENERATE_RECEIPT_ONLY`, and `CLEAR_READ_FLAG |
    /// GENERATE_RECEIPT_ONLY`); [`Error::NoSupport`] for
    /// `GENERATE_RECEIPT_ONLY` alone, which asks for a receipt to be sent.
    ///
    /// # MAPI
    /// `IMessage::SetReadFlag`.
    pub fn set_read_flag(&self, flags: u32) -> Result<()>
    where
        A: Writable,
    {
        use read_flag::*;
        let known = SUPPRESS_RECEIPT | CLEAR_READ_FLAG | GENERATE_RECEIPT_ONLY | CLEAR_RN_PENDING | CLEAR_NRN_PENDING;
        if flags & !known != 0 {
            return Err(Error::InvalidParameter {
                detail: format!(
                    "unknown SetReadFlag flags 0x{:X} (MAPI_E_UNKNOWN_FLAGS)",
                    flags & !known
                ),
            });
        }
        let (suppress, clear, receipt_only) = (
            flags & SUPPRESS_RECEIPT != 0,
            flags & CLEAR_READ_FLAG != 0,
            flags & GENERATE_RECEIPT_ONLY != 0,
        );
        if clear && (suppress || receipt_only) {
            return Err(Error::InvalidParameter {
                detail: format!("SetReadFlag 0x{flags:X}: MAPI refuses this combination of flags"),
            });
        }
        if receipt_only && !suppress {
            return Err(Error::NoSupport {
                detail: "GENERATE_RECEIPT_ONLY sends a read receipt, and a .msg has no transport to send it".into(),
            });
        }
        let mut changes = Vec::new();
        let mut f = self.message_flags()?;
        if receipt_only {
            changes.push(set(tags::READ_RECEIPT_REQUESTED.tag(), PropValue::Boolean(false)));
        } else if clear {
            f &= !MSGFLAG_READ;
        } else {
            f |= MSGFLAG_READ;
        }
        if flags & CLEAR_RN_PENDING != 0 {
            f &= !MSGFLAG_RN_PENDING;
        }
        if flags & CLEAR_NRN_PENDING != 0 {
            f &= !MSGFLAG_NRN_PENDING;
        }
        changes.push(set(tags::MESSAGE_FLAGS.tag(), PropValue::Long(f)));
        self.ctx().change_props(self.key, changes)
    }

    /// Whether `MSGFLAG_READ` is set in PR_MESSAGE_FLAGS.
    ///
    /// # Errors
    /// As [`Self::get`].
    pub fn is_read(&self) -> Result<bool> {
        Ok(self.message_flags()? & MSGFLAG_READ != 0)
    }

    /// Whether `MSGFLAG_UNSENT` is set: Outlook opens the message as an
    /// editable draft.
    ///
    /// # Errors
    /// As [`Self::get`].
    pub fn is_draft(&self) -> Result<bool> {
        Ok(self.message_flags()? & MSGFLAG_UNSENT != 0)
    }

    /// Makes the message a draft, as Outlook keeps one in Drafts:
    /// `MSGFLAG_UNSENT | MSGFLAG_READ` in PR_MESSAGE_FLAGS (no submit, sent
    /// or receipt flags), no PR_CLIENT_SUBMIT_TIME or
    /// PR_MESSAGE_DELIVERY_TIME, and PR_CREATION_TIME and
    /// PR_LAST_MODIFICATION_TIME (now, when absent; every save then keeps
    /// the last one current).
    ///
    /// # Errors
    /// As [`Self::set`]; all or nothing.
    pub fn mark_draft(&self) -> Result<()>
    where
        A: Writable,
    {
        let f = self.message_flags()?;
        let keep = f & !(MSGFLAG_SUBMIT | MSGFLAG_UNMODIFIED | MSGFLAG_RN_PENDING | MSGFLAG_NRN_PENDING);
        let mut changes = vec![
            set(
                tags::MESSAGE_FLAGS.tag(),
                PropValue::Long(keep | MSGFLAG_UNSENT | MSGFLAG_READ),
            ),
            PropChange::Delete(tags::CLIENT_SUBMIT_TIME.tag()),
            PropChange::Delete(tags::MESSAGE_DELIVERY_TIME.tag()),
        ];
        self.times_if_absent(&mut changes)?;
        self.ctx().change_props(self.key, changes)
    }

    /// Makes the message a received mail: not `MSGFLAG_UNSENT`,
    /// `MSGFLAG_READ` as `read` says, PR_MESSAGE_DELIVERY_TIME `delivered`,
    /// PR_CLIENT_SUBMIT_TIME `delivered` when the message has none (Outlook
    /// shows it as "Sent"), PR_CREATION_TIME and PR_LAST_MODIFICATION_TIME
    /// `delivered` when absent.
    ///
    /// # Errors
    /// As [`Self::set`]; all or nothing.
    pub fn mark_received(&self, delivered: FileTime, read: bool) -> Result<()>
    where
        A: Writable,
    {
        let f = self.message_flags()? & !(MSGFLAG_UNSENT | MSGFLAG_SUBMIT | MSGFLAG_FROMME | MSGFLAG_READ);
        let mut changes = vec![
            set(
                tags::MESSAGE_FLAGS.tag(),
                PropValue::Long(f | if read { MSGFLAG_READ } else { 0 }),
            ),
            set(tags::MESSAGE_DELIVERY_TIME.tag(), PropValue::SysTime(delivered)),
        ];
        if self.get(tags::CLIENT_SUBMIT_TIME)?.is_none() {
            changes.push(set(tags::CLIENT_SUBMIT_TIME.tag(), PropValue::SysTime(delivered)));
        }
        for t in [tags::CREATION_TIME, tags::LAST_MODIFICATION_TIME] {
            if self.get(t)?.is_none() {
                changes.push(set(t.tag(), PropValue::SysTime(delivered)));
            }
        }
        self.ctx().change_props(self.key, changes)
    }

    /// Makes the message a sent item, as Outlook keeps one in Sent Items:
    /// `MSGFLAG_READ | MSGFLAG_FROMME`, not unsent; PR_CLIENT_SUBMIT_TIME and
    /// PR_MESSAGE_DELIVERY_TIME `sent`; PR_CREATION_TIME and
    /// PR_LAST_MODIFICATION_TIME `sent` when absent.
    ///
    /// # Errors
    /// As [`Self::set`]; all or nothing.
    pub fn mark_sent(&self, sent: FileTime) -> Result<()>
    where
        A: Writable,
    {
        let f = self.message_flags()? & !(MSGFLAG_UNSENT | MSGFLAG_SUBMIT);
        let mut changes = vec![
            set(
                tags::MESSAGE_FLAGS.tag(),
                PropValue::Long(f | MSGFLAG_READ | MSGFLAG_FROMME),
            ),
            set(tags::CLIENT_SUBMIT_TIME.tag(), PropValue::SysTime(sent)),
            set(tags::MESSAGE_DELIVERY_TIME.tag(), PropValue::SysTime(sent)),
        ];
        for t in [tags::CREATION_TIME, tags::LAST_MODIFICATION_TIME] {
            if self.get(t)?.is_none() {
                changes.push(set(t.tag(), PropValue::SysTime(sent)));
            }
        }
        self.ctx().change_props(self.key, changes)
    }

    /// Sets who received the message, the way a store writes it on
    /// delivery: PR_RECEIVED_BY_* and PR_RCVD_REPRESENTING_* (name, `SMTP`
    /// address type, address, SMTP address, a one-off entry id, the search
    /// key), here the same person.
    ///
    /// # Errors
    /// As [`Self::set`]; all or nothing.
    pub fn set_received_by(&self, name: &str, email: &str) -> Result<()>
    where
        A: Writable,
    {
        let entry = PropValue::Binary(crate::format::entryid::one_off_smtp(name, email));
        let key = PropValue::Binary(crate::format::entryid::smtp_search_key(email));
        let s = |v: &str| PropValue::Unicode(v.to_string());
        let changes = [
            (tags::RECEIVED_BY_NAME.tag(), s(name)),
            (tags::RECEIVED_BY_ADDRTYPE.tag(), s("SMTP")),
            (tags::RECEIVED_BY_EMAIL_ADDRESS.tag(), s(email)),
            (tags::RECEIVED_BY_SMTP_ADDRESS.tag(), s(email)),
            (tags::RECEIVED_BY_ENTRYID.tag(), entry.clone()),
            (tags::RECEIVED_BY_SEARCH_KEY.tag(), key.clone()),
            (tags::RCVD_REPRESENTING_NAME.tag(), s(name)),
            (tags::RCVD_REPRESENTING_ADDRTYPE.tag(), s("SMTP")),
            (tags::RCVD_REPRESENTING_EMAIL_ADDRESS.tag(), s(email)),
            (tags::RCVD_REPRESENTING_SMTP_ADDRESS.tag(), s(email)),
            (tags::RCVD_REPRESENTING_ENTRYID.tag(), entry),
            (tags::RCVD_REPRESENTING_SEARCH_KEY.tag(), key),
        ]
        .into_iter()
        .map(|(t, v)| set(t, v))
        .collect();
        self.ctx().change_props(self.key, changes)
    }

    fn times_if_absent(&self, changes: &mut Vec<PropChange>) -> Result<()> {
        let now = FileTime::from(SystemTime::now());
        for t in [tags::CREATION_TIME, tags::LAST_MODIFICATION_TIME] {
            if self.get(t)?.is_none() {
                changes.push(set(t.tag(), PropValue::SysTime(now)));
            }
        }
        Ok(())
    }

    /// Registers `callback`, run with `data` once this top-level message is
    /// closed: when its last handle is dropped (or [`Self::close`]d), or its
    /// session closes, after the message has let go of its compound file.
    /// A second registration replaces the first (which is then dropped
    /// without running). The callback runs with the session free.
    ///
    /// ```
    /// use std::sync::{Arc, atomic::{AtomicU32, Ordering}};
    /// # let session = oxmsg::Session::new();
    /// let seen = Arc::new(AtomicU32::new(0));
    /// let msg = session.opener().create_in_memory()?;
    /// let s = seen.clone();
    /// msg.on_release(42u32, move |data| s.store(data, Ordering::SeqCst))?;
    /// msg.close();
    /// assert_eq!(seen.load(Ordering::SeqCst), 42);
    /// # Ok::<(), oxmsg::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for an embedded message (MAPI calls it
    /// for the top-level message only).
    ///
    /// # MAPI
    /// The `lpfMsgCallRelease` and `ulCallerData` of `OpenIMsgOnIStg`
    /// (`MSGCALLRELEASE`).
    pub fn on_release<T: Send + 'static>(&self, data: T, callback: impl FnOnce(T) + Send + 'static) -> Result<()> {
        self.ctx().set_release_hook(self.key, Box::new(move || callback(data)))
    }

    /// Closes this handle: the same as dropping it (the last handle of a
    /// message discards unsaved changes and runs its release callback).
    ///
    /// # MAPI
    /// `IUnknown::Release`.
    pub fn close(self) {
        drop(self);
    }

    /// Not supported: a .msg has no transport to submit to.
    ///
    /// # Errors
    /// Always [`Error::NoSupport`] (MAPI: `MAPI_E_NO_SUPPORT`). To make the
    /// message look sent, use [`Self::mark_sent`].
    ///
    /// # MAPI
    /// `IMessage::SubmitMessage`.
    pub fn submit_message(&self) -> Result<()> {
        Err(Error::NoSupport {
            detail: "SubmitMessage: a message on a compound file has no message store or transport to submit to \
                     (use mark_sent to make it look sent)"
                .into(),
        })
    }

    /// Not supported: the transport's status flags (`MSGSTATUS_*` of
    /// `IMAPIFolder::GetMessageStatus` / `SetMessageStatus`) live in a
    /// folder, and a .msg has none.
    ///
    /// # Errors
    /// Always [`Error::NoSupport`]. PR_MESSAGE_FLAGS is the message's own
    /// state ([`Self::is_read`], [`Self::is_draft`]).
    ///
    /// # MAPI
    /// `IMAPIFolder::GetMessageStatus`, `SetMessageStatus`.
    pub fn message_status(&self) -> Result<u32> {
        Err(Error::NoSupport {
            detail: "GetMessageStatus: message status flags belong to a folder of a message store; \
                     a .msg has none (read PR_MESSAGE_FLAGS for the message's own state)"
                .into(),
        })
    }

    /// Not supported: nothing changes a .msg behind the session's back, so
    /// there is nothing to be notified of.
    ///
    /// # Errors
    /// Always [`Error::NoSupport`].
    ///
    /// # MAPI
    /// `IMsgStore::Advise` / `IMAPITable::Advise` (the message's tables).
    pub fn advise(&self) -> Result<()> {
        Err(Error::NoSupport {
            detail: "Advise: a message on a compound file sends no notifications".into(),
        })
    }

    /// Not supported: a .msg has no address book to resolve names against;
    /// recipients are stored as given (one-off entry ids, see
    /// [`Self::add_recipient`]).
    ///
    /// # Errors
    /// Always [`Error::NoSupport`].
    ///
    /// # MAPI
    /// `IAddrBook::ResolveName`, which ModifyRecipients calls through a
    /// support object (`lpMapiSup` of `OpenIMsgOnIStg`).
    pub fn resolve_names(&self) -> Result<()> {
        Err(Error::NoSupport {
            detail: "ResolveName: OpenIMsgOnIStg without a support object has no address book; \
                     recipients are stored as given"
                .into(),
        })
    }
}
