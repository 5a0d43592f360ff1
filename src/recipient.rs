//! Recipient rows (`__recip_version1.0_#XXXXXXXX`): MAPI's recipient table
//! and `IMessage::ModifyRecipients`.

use crate::access::{Access, ReadWrite};
use crate::error::{Error, Result};
use crate::message::Message;
use crate::prop::{tags, PropKind, PropTag, PropType, PropValue, Tag};
use crate::store::state::{PropBag, RecipientState, Recipients, Val};
use crate::store::{load, Inner, NodeKey};

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

/// PR_RECIPIENT_TYPE.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum RecipientType {
    /// `MAPI_ORIG` (0): the originator.
    Originator,
    /// `MAPI_TO` (1).
    To,
    /// `MAPI_CC` (2).
    Cc,
    /// `MAPI_BCC` (3).
    Bcc,
    /// Another value (flags such as `MAPI_SUBMITTED` are masked off first).
    Other(i32),
}

impl RecipientType {
    /// From a PR_RECIPIENT_TYPE value (`MAPI_SUBMITTED` and `MAPI_P1` bits ignored).
    pub fn from_value(v: i32) -> RecipientType {
        match v & 0x0FFF_FFFF {
            0 => RecipientType::Originator,
            1 => RecipientType::To,
            2 => RecipientType::Cc,
            3 => RecipientType::Bcc,
            _ => RecipientType::Other(v),
        }
    }
    /// The PR_RECIPIENT_TYPE value.
    pub fn value(self) -> i32 {
        match self {
            RecipientType::Originator => 0,
            RecipientType::To => 1,
            RecipientType::Cc => 2,
            RecipientType::Bcc => 3,
            RecipientType::Other(v) => v,
        }
    }
}

/// A recipient row: all of its properties, read when the row was fetched
/// (a snapshot; it borrows nothing).
///
/// MAPI: a row of `IMessage::GetRecipientTable`.
#[derive(Clone, Debug)]
pub struct Recipient {
    id: RowId,
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
    /// PT_UNSPECIFIED finds any type).
    pub fn get_value(&self, tag: impl Into<PropTag>) -> Option<&PropValue> {
        let tag = tag.into();
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
    pub fn get<K: PropKind>(&self, tag: Tag<K>) -> Option<K::Value> {
        self.get_value(tag.tag()).cloned().and_then(K::from_value)
    }

    /// PR_DISPLAY_NAME.
    pub fn display_name(&self) -> Option<String> {
        self.get(tags::DISPLAY_NAME)
    }

    /// The SMTP address: PR_SMTP_ADDRESS; else PR_EMAIL_ADDRESS when
    /// PR_ADDRTYPE is SMTP (or absent); else the address inside a one-off
    /// PR_ENTRYID (MS-OXCDATA 2.2.5.1); else PR_EMAIL_ADDRESS whatever its type.
    pub fn email(&self) -> Option<String> {
        if let Some(s) = self.get(tags::SMTP_ADDRESS).filter(|s| !s.is_empty()) {
            return Some(s);
        }
        let addrtype = self.get(tags::ADDRTYPE);
        let email = self.get(tags::EMAIL_ADDRESS).filter(|s| !s.is_empty());
        if addrtype.as_deref().is_none_or(|t| t.eq_ignore_ascii_case("SMTP")) && email.is_some() {
            return email;
        }
        if let Some(a) = self.get(tags::ENTRYID).and_then(|e| one_off_address(&e)) {
            return Some(a);
        }
        email
    }

    /// PR_RECIPIENT_TYPE (To when absent).
    pub fn recipient_type(&self) -> RecipientType {
        self.get(tags::RECIPIENT_TYPE)
            .map(RecipientType::from_value)
            .unwrap_or(RecipientType::To)
    }
}

/// The SMTP address of a one-off entry id (MS-OXCDATA 2.2.5.1), if it is one.
fn one_off_address(e: &[u8]) -> Option<String> {
    const MUIDOOP: [u8; 16] = [
        0x81, 0x2B, 0x1F, 0xA4, 0xBE, 0xA3, 0x10, 0x19, 0x9D, 0x6E, 0x00, 0xDD, 0x01, 0x0F, 0x54, 0x02,
    ];
    if e.len() < 24 || e[4..20] != MUIDOOP {
        return None;
    }
    let flags = u16::from_le_bytes([e[22], e[23]]);
    let body = &e[24..];
    let fields: Vec<String> = if flags & 0x8000 != 0 {
        let units: Vec<u16> = body.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
        units.split(|&u| u == 0).take(3).map(String::from_utf16_lossy).collect()
    } else {
        body.split(|&b| b == 0)
            .take(3)
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .collect()
    };
    match fields.as_slice() {
        [_, t, a] if t.eq_ignore_ascii_case("SMTP") && !a.is_empty() => Some(a.clone()),
        _ => None,
    }
}

/// One change for [`Message::modify_recipients`].
#[derive(Clone, Debug)]
pub enum RecipientChange {
    /// `MODRECIP_ADD`: a new row with these properties; PR_ROWID is assigned.
    Add(Vec<(PropTag, PropValue)>),
    /// `MODRECIP_MODIFY`: the row is replaced entirely (not merged).
    Modify(u32, Vec<(PropTag, PropValue)>),
    /// `MODRECIP_REMOVE`: the row is removed.
    Remove(u32),
}

impl Inner {
    /// The loaded recipient states of a message (read from the file on first use).
    fn recipients_mut(&mut self, msg: NodeKey) -> Result<&mut Vec<RecipientState>> {
        self.check_live(msg)?;
        let m = self.message(msg)?;
        if let Recipients::Stored(nums) = &m.state.recipients {
            let nums = nums.clone();
            let file = m.file;
            let path = m
                .state
                .origin
                .source
                .as_ref()
                .map(|s| s.path.clone())
                .unwrap_or_else(|| "/".into());
            // Lenient reading skips a recipient storage that cannot be read
            // and reports it; strict reading refuses the message.
            let (rows, problems) = self.with_store(file, |store, opts| {
                let mut rows = Vec::with_capacity(nums.len());
                let mut problems = Vec::new();
                for &n in &nums {
                    match load::load_recipient(store, file, &path, n, opts) {
                        Ok(r) => rows.push(r),
                        Err(e) if !opts.strict && !matches!(e, Error::LimitExceeded { .. }) => {
                            problems.push(format!("recipient #{n} could not be read and is left out: {e}"))
                        }
                        Err(e) => return Err(e),
                    }
                }
                Ok((rows, problems))
            })?;
            let st = &mut self.message_mut(msg)?.state;
            st.origin.warnings.extend(problems.iter().cloned());
            st.origin.skipped.extend(problems);
            st.recipients = Recipients::Loaded(rows);
        }
        match &mut self.message_mut(msg)?.state.recipients {
            Recipients::Loaded(rows) => Ok(rows),
            Recipients::Stored(_) => unreachable!("loaded above"),
        }
    }

    /// Reads every row with all its values.
    pub(crate) fn recipient_rows(&mut self, msg: NodeKey, session: u64) -> Result<Vec<Recipient>> {
        let rows = self.recipients_mut(msg)?.clone();
        let file = self.message(msg)?.file;
        let codepage = self.codepage(msg);
        let limits = self.limits(msg);
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let mut props = Vec::with_capacity(r.props.map.len() + 1);
            for e in r.props.map.values() {
                let v = match &e.val {
                    Val::Value(v) => v.clone(),
                    Val::Stored | Val::StoredMv => {
                        let path = r.origin.source.as_ref().map(|s| s.path.clone()).unwrap_or_default();
                        self.with_store(file, |store, _| {
                            load::read_value(store, &path, e.tag, codepage, &limits)
                        })?
                    }
                    _ => continue,
                };
                props.push((e.tag, v));
            }
            if !props.iter().any(|(t, _)| t.id() == 0x3000) {
                props.push((PropTag::new(0x3000, PropType::LONG), PropValue::Long(r.num as i32)));
                props.sort_by_key(|(t, _)| t.0);
            }
            out.push(Recipient {
                id: RowId {
                    session,
                    message: msg,
                    row: r.num,
                },
                props,
            });
        }
        Ok(out)
    }

    /// ModifyRecipients with the MODRECIP_* semantics; atomic: on error
    /// nothing changes.
    pub(crate) fn modify_recipients(&mut self, msg: NodeKey, changes: Vec<RecipientChange>) -> Result<()> {
        let max = self.limits(msg).max_children as usize;
        let next = self.message(msg)?.state.header.next_recipient_id;
        let mut rows = self.recipients_mut(msg)?.clone();
        let mut next = rows.iter().map(|r| r.num + 1).fold(next, u32::max);
        let bag = |props: Vec<(PropTag, PropValue)>| -> Result<PropBag> {
            let mut b = PropBag::default();
            for (t, v) in props {
                if v.prop_type() == PropType::NULL || v.prop_type() == PropType::OBJECT {
                    return Err(Error::InvalidParameter {
                        detail: format!("{t}: PT_NULL and PT_OBJECT values are not allowed in a recipient row"),
                    });
                }
                if v.prop_type() == PropType::ERROR || t.id() == 0x3000 {
                    continue; // PT_ERROR values are ignored; PR_ROWID is assigned.
                }
                b.set(t.with_type(v.prop_type()), Val::Value(v));
            }
            Ok(b)
        };
        for c in changes {
            match c {
                RecipientChange::Add(props) => {
                    if rows.len() >= max {
                        return Err(Error::LimitExceeded {
                            limit: "max_children",
                            value: rows.len() as u64 + 1,
                            max: max as u64,
                            path: "recipients".into(),
                        });
                    }
                    rows.push(RecipientState {
                        num: next,
                        origin: Default::default(),
                        props: bag(props)?,
                    });
                    next += 1;
                }
                RecipientChange::Modify(row, props) => {
                    let r = rows.iter_mut().find(|r| r.num == row).ok_or_else(|| Error::NotFound {
                        what: format!("recipient row {row}"),
                    })?;
                    r.props = bag(props)?;
                    // The row is replaced whole: what could not be read of
                    // the old one is not lost by a save.
                    r.origin.skipped.clear();
                }
                RecipientChange::Remove(row) => {
                    let before = rows.len();
                    rows.retain(|r| r.num != row);
                    if rows.len() == before {
                        return Err(Error::NotFound {
                            what: format!("recipient row {row}"),
                        });
                    }
                }
            }
        }
        let m = self.message_mut(msg)?;
        m.state.header.next_recipient_id = next;
        m.state.recipients = Recipients::Loaded(rows);
        self.refresh_display_lists(msg)
    }

    /// PR_DISPLAY_TO / _CC / _BCC: the display names of the recipients of
    /// each type joined with "; ", as Outlook computes them; absent when
    /// there are none (MS-OXMSG forbids empty string streams).
    fn refresh_display_lists(&mut self, msg: NodeKey) -> Result<()> {
        let rows = self.recipient_rows(msg, 0)?;
        let props = &mut self.message_mut(msg)?.state.props;
        for (id, kind) in [
            (0x0E04u16, RecipientType::To),
            (0x0E03, RecipientType::Cc),
            (0x0E02, RecipientType::Bcc),
        ] {
            let names: Vec<String> = rows
                .iter()
                .filter(|r| r.recipient_type() == kind)
                .filter_map(|r| r.display_name())
                .collect();
            if names.is_empty() {
                props.remove_id(id);
            } else {
                props.set(
                    PropTag::new(id, PropType::UNICODE),
                    Val::Value(PropValue::Unicode(names.join("; "))),
                );
            }
        }
        Ok(())
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
        self.session
            .inner
            .borrow_mut()
            .recipient_rows(self.key, self.session.id)
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
        if id.session != self.session.id {
            return Err(Error::WrongSession { what: "RowId" });
        }
        if id.message != self.key {
            return Err(Error::InvalidParameter {
                detail: "the row id belongs to another message".into(),
            });
        }
        self.recipients()?
            .into_iter()
            .find(|r| r.row_id() == id.row)
            .ok_or_else(|| Error::ObjectDeleted {
                what: format!("recipient row {}", id.row),
            })
    }
}

impl<'s> Message<'s, ReadWrite> {
    /// Adds, replaces and removes recipient rows; all or nothing.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown row; [`Error::InvalidParameter`]
    /// for PT_NULL / PT_OBJECT values.
    ///
    /// # MAPI
    /// `IMessage::ModifyRecipients` with `MODRECIP_ADD`, `MODRECIP_MODIFY`,
    /// `MODRECIP_REMOVE`.
    pub fn modify_recipients(&self, changes: impl IntoIterator<Item = RecipientChange>) -> Result<()> {
        self.session
            .inner
            .borrow_mut()
            .modify_recipients(self.key, changes.into_iter().collect())
    }

    /// Adds one SMTP recipient with the properties Outlook needs to show
    /// and reply to it (display name, address type, address, recipient
    /// type, object and display type).
    ///
    /// # Errors
    /// As [`Self::modify_recipients`].
    pub fn add_recipient(&self, kind: RecipientType, name: &str, email: &str) -> Result<()> {
        let s = |v: &str| PropValue::Unicode(v.to_string());
        self.modify_recipients([RecipientChange::Add(vec![
            (tags::DISPLAY_NAME.tag(), s(name)),
            (tags::RECIPIENT_DISPLAY_NAME.tag(), s(name)),
            (tags::TRANSMITABLE_DISPLAY_NAME.tag(), s(name)),
            (tags::ADDRTYPE.tag(), s("SMTP")),
            (tags::EMAIL_ADDRESS.tag(), s(email)),
            (tags::SMTP_ADDRESS.tag(), s(email)),
            (tags::RECIPIENT_TYPE.tag(), PropValue::Long(kind.value())),
            (tags::OBJECT_TYPE.tag(), PropValue::Long(6)),
            (tags::DISPLAY_TYPE.tag(), PropValue::Long(0)),
        ])])
    }
}
