//! Recipient rows (`__recip_version1.0_#XXXXXXXX`): MAPI's recipient table
//! and `IMessage::ModifyRecipients`.

use crate::access::Access;
use crate::error::{Error, Result};
use crate::mapped::{AnyTag, FileId, TypedTag};
use crate::message::Message;
use crate::prop::{tags, PropKind, PropTag, PropType, PropValue, RecipientType};
use crate::store::recipients::{smtp_address, RowChange};
use crate::store::NodeKey;

/// The id of a recipient row, to keep as plain data: its PR_ROWID within
/// its message. Using it after the row was removed gives
/// [`Error::ObjectDeleted`], never another row.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct RowId {
    pub(crate) session: u64,
    pub(crate) message: NodeKey,
    pub(crate) row: u32,
}

impl RowId {
    /// PR_ROWID: the recipient's storage number.
    pub fn row(&self) -> u32 {
        self.row
    }
}

/// A recipient row: all of its properties, read when the row was fetched
/// (a snapshot; it borrows nothing).
///
/// MAPI: a row of `IMessage::GetRecipientTable`.
#[derive(Clone, Debug)]
pub struct Recipient {
    id: RowId,
    /// The file the row was read from, for checking mapped tags.
    at: FileId,
    props: Vec<(PropTag, PropValue)>,
}

impl Recipient {
    /// The row's id (its PR_ROWID, with its message).
    pub fn id(&self) -> RowId {
        self.id
    }

    /// PR_ROWID.
    pub fn row_id(&self) -> u32 {
        self.id.row
    }

    /// Every property of the row, in tag order.
    pub fn props(&self) -> &[(PropTag, PropValue)] {
        &self.props
    }

    /// The value of any property (PT_STRING8/PT_UNICODE find each other,
    /// PT_UNSPECIFIED finds any type). A tag mapped from a name in another
    /// file finds nothing: its id means another property here.
    pub fn get_value(&self, tag: impl AnyTag) -> Option<&PropValue> {
        let at = self.at;
        let tag = crate::mapped::sealed::Resolve::resolve(tag, &|| Ok(at)).ok()?;
        let same_id = |t: &PropTag| t.id() == tag.id();
        self.props
            .iter()
            .find(|(t, _)| *t == tag)
            .or_else(|| {
                self.props.iter().find(|(t, _)| {
                    same_id(t)
                        && (tag.prop_type() == PropType::UNSPECIFIED
                            || (t.prop_type().base().is_string()
                                && tag.prop_type().base().is_string()
                                && t.prop_type().is_multi() == tag.prop_type().is_multi()))
                })
            })
            .map(|(_, v)| v)
    }

    /// The value of a typed property.
    pub fn get<K: PropKind>(&self, tag: impl TypedTag<K>) -> Option<K::Value> {
        self.get_value(tag).cloned().and_then(K::from_value)
    }

    /// PR_DISPLAY_NAME.
    pub fn display_name(&self) -> Option<String> {
        self.get(tags::DISPLAY_NAME)
    }

    /// The SMTP address: PR_SMTP_ADDRESS; else PR_EMAIL_ADDRESS when
    /// PR_ADDRTYPE is SMTP (or absent); else the address inside a one-off
    /// PR_ENTRYID (MS-OXCDATA 2.2.5.1); else PR_EMAIL_ADDRESS whatever its type.
    pub fn email(&self) -> Option<String> {
        smtp_address(
            self.get(tags::SMTP_ADDRESS),
            self.get(tags::ADDRTYPE),
            self.get(tags::EMAIL_ADDRESS),
            self.get(tags::ENTRYID),
        )
    }

    /// The columns [`Recipient::display_name`], [`Recipient::email`] and
    /// [`Recipient::recipient_type`] read, for [`Message::recipients_with`].
    pub const ADDRESS_COLUMNS: [PropTag; 6] = [
        tags::DISPLAY_NAME.tag(),
        tags::RECIPIENT_TYPE.tag(),
        tags::SMTP_ADDRESS.tag(),
        tags::ADDRTYPE.tag(),
        tags::EMAIL_ADDRESS.tag(),
        tags::ENTRYID.tag(),
    ];

    /// PR_RECIPIENT_TYPE (To when absent).
    pub fn recipient_type(&self) -> RecipientType {
        self.get(tags::RECIPIENT_TYPE).unwrap_or(RecipientType::To)
    }
}

/// One change for [`Message::modify_recipients`]. Rows are named by their
/// [`RowId`], which knows its message: an id of another message is an
/// error, never a row of this one.
#[derive(Clone, Debug)]
pub enum RecipientChange {
    /// `MODRECIP_ADD`: a new row with these properties; PR_ROWID is assigned
    /// (never one a removed row had).
    Add(Vec<(PropTag, PropValue)>),
    /// `MODRECIP_MODIFY`: the row is replaced entirely (not merged).
    Modify(RowId, Vec<(PropTag, PropValue)>),
    /// `MODRECIP_REMOVE`: the row is removed.
    Remove(RowId),
}

impl RecipientChange {
    /// `MODRECIP_ADD` of a one-off SMTP recipient with every property
    /// [`Message::add_recipient`] writes (what Outlook writes for one);
    /// `order` is its PR_RECIPIENT_ORDER (1 for the first row).
    ///
    /// ```
    /// use oxmsg::{RecipientChange, RecipientType};
    /// # let session = oxmsg::Session::new();
    /// let msg = session.opener().create_in_memory()?;
    /// msg.modify_recipients([
    ///     RecipientChange::one_off(RecipientType::To, "Ann", "ann@example.com", 1),
    ///     RecipientChange::one_off(RecipientType::Cc, "Bob", "bob@example.com", 2),
    /// ])?;
    /// assert_eq!(msg.get(oxmsg::tags::DISPLAY_CC)?.as_deref(), Some("Bob"));
    /// # Ok::<(), oxmsg::Error>(())
    /// ```
    pub fn one_off(kind: RecipientType, name: &str, email: &str, order: i32) -> RecipientChange {
        RecipientChange::Add(one_off_row(kind, name, email, order))
    }

    /// Adds `(tag, value)` to an `Add` or `Modify` change (a property the
    /// one-off row does not have, or one to replace); nothing for `Remove`.
    pub fn with(mut self, tag: impl Into<PropTag>, value: PropValue) -> RecipientChange {
        let tag = tag.into();
        if let RecipientChange::Add(p) | RecipientChange::Modify(_, p) = &mut self {
            p.retain(|(t, _)| t.id() != tag.id());
            p.push((tag, value));
        }
        self
    }
}

impl<'s, A: Access> Message<'s, A> {
    /// Every recipient row, with all its properties, in row order.
    ///
    /// # Errors
    /// [`Error::CorruptData`] when a recipient storage cannot be read.
    ///
    /// # MAPI
    /// `IMessage::GetRecipientTable` + `QueryRows` of all rows and columns.
    pub fn recipients(&self) -> Result<Vec<Recipient>> {
        self.recipient_rows_of(None)
    }

    /// Every recipient row with only the given columns (matched by property
    /// id, any type), in row order; PR_ROWID is always there. The values of
    /// other columns are not read, which is what makes it fast on messages
    /// with many recipients: [`Recipient::ADDRESS_COLUMNS`] is what
    /// `display_name`, `email` and `recipient_type` need.
    ///
    /// ```
    /// use oxmsg::{Recipient, RecipientType, Session};
    /// let session = Session::new();
    /// let msg = session.opener().create_in_memory()?;
    /// msg.add_recipient(RecipientType::Cc, "Ann", "ann@example.com")?;
    /// let rows = msg.recipients_with(&Recipient::ADDRESS_COLUMNS)?;
    /// assert_eq!(rows[0].email().as_deref(), Some("ann@example.com"));
    /// assert_eq!(rows[0].recipient_type(), RecipientType::Cc);
    /// assert!(rows[0].props().len() <= 7);
    /// # Ok::<(), oxmsg::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Message::recipients`].
    ///
    /// # MAPI
    /// `IMessage::GetRecipientTable`, `IMAPITable::SetColumns`, `QueryRows`.
    pub fn recipients_with(&self, columns: &[PropTag]) -> Result<Vec<Recipient>> {
        let mut ids: Vec<u16> = columns.iter().map(|t| t.id()).collect();
        ids.push(tags::ROWID.id());
        self.recipient_rows_of(Some(&ids))
    }

    fn recipient_rows_of(&self, columns: Option<&[u16]>) -> Result<Vec<Recipient>> {
        let session = self.ctx().id;
        let at = self.file_id()?;
        Ok(self
            .ctx()
            .recipient_columns(self.key, columns)?
            .into_iter()
            .map(|(row, props)| Recipient {
                id: RowId {
                    session,
                    message: self.key,
                    row,
                },
                at,
                props,
            })
            .collect())
    }

    /// Refuses a row id of another message or session.
    fn check_row(&self, id: RowId) -> Result<u32> {
        if id.session != self.ctx().id {
            return Err(Error::WrongSession { what: "RowId" });
        }
        if id.message != self.key {
            return Err(Error::InvalidParameter {
                detail: "the row id belongs to another message".into(),
            });
        }
        Ok(id.row)
    }

    /// The recipients of one type.
    fn recipients_of(&self, t: RecipientType) -> Result<Vec<Recipient>> {
        Ok(self
            .recipients()?
            .into_iter()
            .filter(|r| r.recipient_type() == t)
            .collect())
    }

    /// The To recipients.
    ///
    /// # Errors
    /// As [`Self::recipients`].
    pub fn to(&self) -> Result<Vec<Recipient>> {
        self.recipients_of(RecipientType::To)
    }

    /// The Cc recipients.
    ///
    /// # Errors
    /// As [`Self::recipients`].
    pub fn cc(&self) -> Result<Vec<Recipient>> {
        self.recipients_of(RecipientType::Cc)
    }

    /// The Bcc recipients.
    ///
    /// # Errors
    /// As [`Self::recipients`].
    pub fn bcc(&self) -> Result<Vec<Recipient>> {
        self.recipients_of(RecipientType::Bcc)
    }

    /// The recipient row that `id` names.
    ///
    /// # Errors
    /// [`Error::ObjectDeleted`] when the row was removed.
    pub fn recipient(&self, id: RowId) -> Result<Recipient> {
        self.check_row(id)?;
        self.recipients()?
            .into_iter()
            .find(|r| r.row_id() == id.row)
            .ok_or_else(|| Error::ObjectDeleted {
                what: format!("recipient row {}", id.row),
            })
    }
}

impl<'s, A: Access> Message<'s, A> {
    /// Adds, replaces and removes recipient rows; all or nothing.
    ///
    /// # Errors
    /// [`Error::ObjectDeleted`] for a removed row; [`Error::InvalidParameter`]
    /// for PT_NULL / PT_OBJECT values or a row id of another message;
    /// [`Error::BadValue`] for a string an ANSI message cannot hold.
    ///
    /// # MAPI
    /// `IMessage::ModifyRecipients` with `MODRECIP_ADD`, `MODRECIP_MODIFY`,
    /// `MODRECIP_REMOVE`.
    pub fn modify_recipients(&self, changes: impl IntoIterator<Item = RecipientChange>) -> Result<()>
    where
        A: crate::access::Writable,
    {
        let mut rows = Vec::new();
        for c in changes {
            rows.push(match c {
                RecipientChange::Add(p) => RowChange::Add(p),
                RecipientChange::Modify(id, p) => RowChange::Modify(self.check_row(id)?, p),
                RecipientChange::Remove(id) => RowChange::Remove(self.check_row(id)?),
            });
        }
        self.ctx().modify_recipients(self.key, rows)
    }

    /// Adds one SMTP recipient with what Outlook writes for a one-off SMTP
    /// recipient (compared with Outlook-written files): display names,
    /// address type and address, a one-off PR_ENTRYID and
    /// PR_RECIPIENT_ENTRYID (MS-OXCDATA 2.2.5.1), PR_SEARCH_KEY, recipient
    /// type, PR_OBJECT_TYPE `MAPI_MAILUSER`, PR_DISPLAY_TYPE(_EX)
    /// `DT_MAILUSER`, PR_RECIPIENT_FLAGS `recipSendable`,
    /// PR_RECIPIENT_TRACK_STATUS none, PR_RECIPIENT_ORDER, PR_RESPONSIBILITY
    /// false (not yet handled by a transport), PR_SEND_RICH_INFO false,
    /// PR_SEND_INTERNET_ENCODING 0, PR_RECIPIENT_RESOURCESTATE 0; the save
    /// writes PR_ROWID.
    ///
    /// # Errors
    /// As [`Self::modify_recipients`].
    pub fn add_recipient(&self, kind: RecipientType, name: &str, email: &str) -> Result<()>
    where
        A: crate::access::Writable,
    {
        let order = self.ctx().recipient_count(self.key)? as i32 + 1;
        self.modify_recipients([RecipientChange::Add(one_off_row(kind, name, email, order))])
    }
}

/// The values of a one-off SMTP recipient row, as Outlook writes them.
pub(crate) fn one_off_row(kind: RecipientType, name: &str, email: &str, order: i32) -> Vec<(PropTag, PropValue)> {
    let s = |v: &str| PropValue::Unicode(v.to_string());
    let entry_id = PropValue::Binary(crate::format::entryid::one_off_smtp(name, email));
    vec![
        (tags::ENTRYID.tag(), entry_id.clone()),
        (tags::RECIPIENT_ENTRYID.tag(), entry_id),
        (
            tags::SEARCH_KEY.tag(),
            PropValue::Binary(crate::format::entryid::smtp_search_key(email)),
        ),
        (tags::DISPLAY_NAME.tag(), s(name)),
        (tags::RECIPIENT_DISPLAY_NAME.tag(), s(name)),
        (tags::TRANSMITABLE_DISPLAY_NAME.tag(), s(name)),
        (tags::ADDRTYPE.tag(), s("SMTP")),
        (tags::EMAIL_ADDRESS.tag(), s(email)),
        (tags::SMTP_ADDRESS.tag(), s(email)),
        (tags::RECIPIENT_TYPE.tag(), PropValue::Long(kind.value())),
        (tags::OBJECT_TYPE.tag(), PropValue::Long(6)),  // MAPI_MAILUSER
        (tags::DISPLAY_TYPE.tag(), PropValue::Long(0)), // DT_MAILUSER
        (tags::DISPLAY_TYPE_EX.tag(), PropValue::Long(0)),
        (tags::RECIPIENT_FLAGS.tag(), PropValue::Long(1)), // recipSendable
        (tags::RECIPIENT_TRACK_STATUS.tag(), PropValue::Long(0)),
        (tags::RECIPIENT_ORDER.tag(), PropValue::Long(order)),
        (tags::RESPONSIBILITY.tag(), PropValue::Boolean(false)),
        (tags::SEND_RICH_INFO.tag(), PropValue::Boolean(false)),
        (tags::SEND_INTERNET_ENCODING.tag(), PropValue::Long(0)),
        (tags::RECIPIENT_RESOURCESTATE.tag(), PropValue::Long(0)),
    ]
}
