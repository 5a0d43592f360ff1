//! The recipient table of a message and IMessage::ModifyRecipients.
//!
//! Row numbers (PR_ROWID, the storage's `#XXXXXXXX`) are never reused
//! within a file's life: a removed row's number stays retired.

use std::collections::HashMap;

use crate::error::{Error, Result};
use crate::format::entryid;
use crate::prop::{tags, PropTag, PropType, PropValue};

use super::engine::Ctx;
use super::load;
use super::state::{PropBag, PropEntry, RecipientState, Recipients, Source, Val};
use super::{Inner, NodeKey};

/// One change of ModifyRecipients, with row numbers already checked to
/// belong to the message.
pub(crate) enum RowChange {
    Add(Vec<(PropTag, PropValue)>),
    Modify(u32, Vec<(PropTag, PropValue)>),
    Remove(u32),
}

/// A recipient row read out: its number and every value.
pub(crate) type RawRow = (u32, Vec<(PropTag, PropValue)>);

impl Inner {
    /// The loaded rows of `msg`, or what must be read to load them.
    fn stored_rows(&self, msg: NodeKey) -> Result<Option<(Vec<u32>, String)>> {
        self.check_live(msg)?;
        let m = self.message(msg)?;
        Ok(match &m.state.recipients {
            Recipients::Loaded(_) => None,
            Recipients::Stored(nums) => Some((
                nums.clone(),
                m.state
                    .origin
                    .source
                    .as_ref()
                    .map(|s| s.path.clone())
                    .unwrap_or_else(|| "/".into()),
            )),
        })
    }

    fn loaded_rows(&self, msg: NodeKey) -> Result<&Vec<RecipientState>> {
        match &self.message(msg)?.state.recipients {
            Recipients::Loaded(rows) => Ok(rows),
            Recipients::Stored(_) => Err(Error::corrupt("?", "recipients not loaded")),
        }
    }

    /// ModifyRecipients on the loaded rows: every change is checked first
    /// (limits, ids, values, rows that exist), then all are applied, so a
    /// failing change leaves the rows as they were without copying them.
    fn modify_recipients(&mut self, msg: NodeKey, changes: Vec<RowChange>) -> Result<()> {
        enum Planned {
            Add(u32, PropBag),
            Modify(u32, PropBag),
            Remove(u32),
        }
        let max = self.limits(msg).max_children as usize;
        let m = self.message(msg)?;
        let rows = self.loaded_rows(msg)?;
        let mut next = rows
            .iter()
            .map(|r| u64::from(r.num) + 1)
            .fold(u64::from(m.state.header.next_recipient_id), u64::max);
        let mut present: std::collections::HashSet<u32> = rows.iter().map(|r| r.num).collect();
        let bag = |props: Vec<(PropTag, PropValue)>| -> Result<PropBag> {
            let mut b = PropBag::default();
            for (t, v) in props {
                if v.prop_type() == PropType::NULL || v.prop_type() == PropType::OBJECT {
                    return Err(Error::InvalidParameter {
                        detail: format!("{t}: PT_NULL and PT_OBJECT values are not allowed in a recipient row"),
                    });
                }
                if v.prop_type() == PropType::ERROR || t.id() == tags::ROWID.id() {
                    continue; // PT_ERROR values are ignored; PR_ROWID is assigned.
                }
                b.set(t.with_type(v.prop_type()), Val::Value(v));
            }
            Ok(b)
        };
        let check = |b: &PropBag| -> Result<()> {
            for e in b.map.values() {
                if let Val::Value(v) = &e.val {
                    self.check_representable(msg, e.tag, v)?;
                }
            }
            Ok(())
        };
        let mut plan = Vec::with_capacity(changes.len());
        for c in changes {
            match c {
                RowChange::Add(props) => {
                    if present.len() >= max {
                        return Err(Error::LimitExceeded {
                            limit: "max_children",
                            value: present.len() as u64 + 1,
                            max: max as u64,
                            path: "recipients".into(),
                        });
                    }
                    if next >= u64::from(u32::MAX) {
                        return Err(Error::IdsExhausted {
                            what: "recipient",
                            next,
                        });
                    }
                    let mut props = bag(props)?;
                    check(&props)?;
                    // PR_ROWID, written with the row as Outlook does.
                    props.set(tags::ROWID.tag(), Val::Value(PropValue::Long(next as i32)));
                    present.insert(next as u32);
                    plan.push(Planned::Add(next as u32, props));
                    next += 1;
                }
                RowChange::Modify(row, props) => {
                    if !present.contains(&row) {
                        return Err(Error::ObjectDeleted {
                            what: format!("recipient row {row}"),
                        });
                    }
                    let mut props = bag(props)?;
                    check(&props)?;
                    props.set(tags::ROWID.tag(), Val::Value(PropValue::Long(row as i32)));
                    plan.push(Planned::Modify(row, props));
                }
                RowChange::Remove(row) => {
                    if !present.remove(&row) {
                        return Err(Error::ObjectDeleted {
                            what: format!("recipient row {row}"),
                        });
                    }
                    plan.push(Planned::Remove(row));
                }
            }
        }
        let m = self.message_mut(msg)?;
        let Recipients::Loaded(rows) = &mut m.state.recipients else {
            return Err(Error::corrupt("?", "recipients not loaded"));
        };
        for p in plan {
            match p {
                Planned::Add(num, props) => rows.push(RecipientState {
                    num,
                    origin: Default::default(),
                    props,
                }),
                Planned::Modify(row, props) => {
                    if let Some(r) = rows.iter_mut().find(|r| r.num == row) {
                        r.props = props;
                        // The row is replaced whole: what could not be read
                        // of the old one is not lost by a save.
                        r.origin.skipped.clear();
                    }
                }
                Planned::Remove(row) => rows.retain(|r| r.num != row),
            }
        }
        m.state.header.next_recipient_id = next as u32;
        m.state.changed.recipients = true;
        m.state.origin.edited = true;
        Ok(())
    }

    /// PR_DISPLAY_TO / _CC / _BCC: the display names of the recipients of
    /// each type joined with "; ", as Outlook computes them; absent when
    /// there are none (MS-OXMSG forbids empty string streams). Names not in
    /// memory come from `stored` (read beforehand; no I/O here).
    fn refresh_display_lists(&mut self, msg: NodeKey, stored: &HashMap<u32, String>) -> Result<()> {
        let name_tag = tags::DISPLAY_NAME.tag();
        let rows: Vec<(i32, Option<String>)> = self
            .loaded_rows(msg)?
            .iter()
            .map(|r| {
                let kind = r.props.long(tags::RECIPIENT_TYPE.id()).map_or(1, |k| k & 0x0FFF_FFFF);
                let name = match r.props.inline(name_tag) {
                    Some(PropValue::Unicode(s)) => Some(s.clone()),
                    Some(PropValue::String8(s)) => Some(s.to_string_lossy()),
                    _ => stored.get(&r.num).cloned(),
                };
                (kind, name)
            })
            .collect();
        let props = &mut self.message_mut(msg)?.state.props;
        for (tag, kind) in [(tags::DISPLAY_TO, 1), (tags::DISPLAY_CC, 2), (tags::DISPLAY_BCC, 3)] {
            let names: Vec<&str> = rows
                .iter()
                .filter(|(k, _)| *k == kind)
                .filter_map(|(_, name)| name.as_deref())
                .collect();
            if names.is_empty() {
                props.remove_id(tag.id());
            } else {
                props.set(tag.tag(), Val::Value(PropValue::Unicode(names.join("; "))));
            }
        }
        Ok(())
    }
}

/// A recipient row as [`Ctx::recipient_columns`] plans it: the values in
/// memory, and `None` for those to read from the file.
struct PendingRow {
    num: u32,
    source: Option<Source>,
    cells: Vec<(PropTag, Option<PropValue>)>,
}

impl Ctx<'_> {
    /// Reads the recipient storages of `msg` on first use (outside the
    /// state borrow). Lenient reading skips a storage that cannot be read
    /// and reports it; strict reading refuses the message.
    fn load_recipients(&self, msg: NodeKey) -> Result<()> {
        let Some((nums, path)) = self.state()?.stored_rows(msg)? else {
            return Ok(());
        };
        let (file, opts) = {
            let st = self.state()?;
            (st.message(msg)?.file, st.file(msg)?.options.clone())
        };
        let mut rows = Vec::with_capacity(nums.len());
        let mut problems = Vec::new();
        {
            let mut lease = self.lease(file)?;
            for &n in &nums {
                match load::load_recipient(&mut lease.store(), file, &path, n, &opts) {
                    Ok(r) => rows.push(r),
                    Err(e) if !opts.strict && !matches!(e, Error::LimitExceeded { .. } | Error::Busy { .. }) => {
                        problems.push(crate::Warning::new(
                            crate::format::names::join(&path, &crate::format::names::recipient_storage(n)),
                            crate::WarningKind::Skipped,
                            format!("recipient #{n} could not be read and is left out: {e}"),
                        ))
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        let mut st = self.state()?;
        let m = &mut st.message_mut(msg)?.state;
        if let Recipients::Stored(_) = m.recipients {
            m.origin.warnings.extend(problems.iter().cloned());
            m.origin.skipped.extend(problems);
            m.recipients = Recipients::Loaded(rows);
        }
        Ok(())
    }

    /// Every row of `msg` with every value, PR_ROWID included.
    pub(crate) fn recipient_rows(&self, msg: NodeKey) -> Result<Vec<RawRow>> {
        self.recipient_columns(msg, None)
    }

    /// Every row of `msg` with the values of the property ids `columns`
    /// (every value when `None`), PR_ROWID included: values of other columns
    /// are not read.
    pub(crate) fn recipient_columns(&self, msg: NodeKey, columns: Option<&[u16]>) -> Result<Vec<RawRow>> {
        self.load_recipients(msg)?;
        // Under the state borrow, only what the rows will show: the values
        // in memory, and where the others are.
        let (rows, file, codepage, limits) = {
            let st = self.state()?;
            let rows: Vec<PendingRow> = st
                .loaded_rows(msg)?
                .iter()
                .map(|r| PendingRow {
                    num: r.num,
                    source: r.origin.source.clone(),
                    cells: r
                        .props
                        .map
                        .values()
                        .filter(|e| columns.is_none_or(|c| c.contains(&e.tag.id())))
                        .filter_map(|e| match &e.val {
                            Val::Value(v) => Some((e.tag, Some(v.clone()))),
                            Val::Stored | Val::StoredMv => Some((e.tag, None)),
                            _ => None,
                        })
                        .collect(),
                })
                .collect();
            (rows, st.message(msg)?.file, st.codepage(msg), st.limits(msg))
        };
        let mut out = Vec::with_capacity(rows.len());
        let mut lease = None;
        for r in rows {
            let mut props = Vec::with_capacity(r.cells.len() + 1);
            for (tag, v) in r.cells {
                let v = match v {
                    Some(v) => v,
                    None => {
                        let l = match &mut lease {
                            Some(l) => l,
                            None => lease.insert(self.lease(file)?),
                        };
                        let (path, located) = match &r.source {
                            Some(s) => (s.path.as_str(), s.located.as_deref()),
                            None => ("", None),
                        };
                        load::read_value(&mut l.store(), path, located, tag, codepage, &limits)?
                    }
                };
                props.push((tag, v));
            }
            if !props.iter().any(|(t, _)| t.id() == tags::ROWID.id()) {
                props.push((tags::ROWID.tag(), PropValue::Long(r.num as i32)));
                props.sort_by_key(|(t, _)| t.0);
            }
            out.push((r.num, props));
        }
        Ok(out)
    }

    /// The number of recipient rows of `msg`.
    pub(crate) fn recipient_count(&self, msg: NodeKey) -> Result<usize> {
        self.load_recipients(msg)?;
        Ok(self.state()?.loaded_rows(msg)?.len())
    }

    /// ModifyRecipients with the MODRECIP_* semantics; all or nothing: the
    /// display names still in the file are read first, then the rows and
    /// PR_DISPLAY_TO/CC/BCC change together under one borrow of the state,
    /// so a failed read changes nothing.
    pub(crate) fn modify_recipients(&self, msg: NodeKey, changes: Vec<RowChange>) -> Result<()> {
        self.load_recipients(msg)?;
        let stored = self.stored_display_names(msg)?;
        let mut st = self.state()?;
        st.modify_recipients(msg, changes)?;
        st.refresh_display_lists(msg, &stored)
    }

    /// The display names of the rows of `msg` that are still in the file
    /// (not read yet), by row number: the only I/O the display lists need.
    fn stored_display_names(&self, msg: NodeKey) -> Result<HashMap<u32, String>> {
        let name_tag = tags::DISPLAY_NAME.tag();
        let (stored, file, codepage, limits) = {
            let st = self.state()?;
            let stored: Vec<(u32, Option<Source>, PropTag)> = st
                .loaded_rows(msg)?
                .iter()
                .filter_map(|r| match r.props.find(name_tag) {
                    Some(PropEntry {
                        tag, val: Val::Stored, ..
                    }) => Some((r.num, r.origin.source.clone(), *tag)),
                    _ => None,
                })
                .collect();
            (stored, st.message(msg)?.file, st.codepage(msg), st.limits(msg))
        };
        let mut names = HashMap::new();
        if stored.is_empty() {
            return Ok(names);
        }
        let mut lease = self.lease(file)?;
        for (num, source, tag) in stored {
            let (path, located) = match &source {
                Some(s) => (s.path.as_str(), s.located.as_deref()),
                None => ("", None),
            };
            match load::read_value(&mut lease.store(), path, located, tag, codepage, &limits)? {
                PropValue::Unicode(s) => names.insert(num, s),
                PropValue::String8(s) => names.insert(num, s.to_string_lossy()),
                _ => None,
            };
        }
        Ok(names)
    }
}

/// The SMTP address of a recipient row's values: PR_SMTP_ADDRESS; else
/// PR_EMAIL_ADDRESS when PR_ADDRTYPE is SMTP (or absent); else the address
/// inside a one-off PR_ENTRYID; else PR_EMAIL_ADDRESS whatever its type.
pub(crate) fn smtp_address(
    smtp: Option<String>,
    addrtype: Option<String>,
    email: Option<String>,
    entryid: Option<Vec<u8>>,
) -> Option<String> {
    if let Some(s) = smtp.filter(|s| !s.is_empty()) {
        return Some(s);
    }
    let email = email.filter(|s| !s.is_empty());
    if addrtype.as_deref().is_none_or(|t| t.eq_ignore_ascii_case("SMTP")) && email.is_some() {
        return email;
    }
    if let Some(a) = entryid.and_then(|e| entryid::one_off_smtp_address(&e)) {
        return Some(a);
    }
    email
}
