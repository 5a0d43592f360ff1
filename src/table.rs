//! Attachment and recipient tables (MAPI `IMAPITable`): snapshot rows with
//! a chosen column set, sorting, a simple restriction and paged reading.

use std::cmp::Ordering;

use crate::access::Access;
use crate::error::Result;
use crate::message::Message;
use crate::prop::{PropTag, PropType, PropValue};
use crate::scode;

/// A restriction on table rows (MAPI `SRestriction`, the simple kinds).
#[derive(Clone, Debug, PartialEq)]
pub enum Restriction {
    /// `RES_EXIST`: the row has the property.
    Exists(PropTag),
    /// `RES_PROPERTY` with `RELOP_EQ`: the row's value equals this one
    /// (strings compare whatever their stored width).
    Equals(PropTag, PropValue),
    /// `RES_CONTENT` with `FL_SUBSTRING | FL_IGNORECASE`: the string value
    /// contains this text, ignoring case.
    Contains(PropTag, String),
    /// `RES_AND`.
    And(Vec<Restriction>),
    /// `RES_OR`.
    Or(Vec<Restriction>),
    /// `RES_NOT`.
    Not(Box<Restriction>),
}

/// One table row: the values of the table's columns, in column order. A
/// column the row does not have holds `PropValue::Error(MAPI_E_NOT_FOUND)`
/// under the tag `PROP_TAG(PT_ERROR, id)`, as MAPI tables do.
pub type Row = Vec<(PropTag, PropValue)>;

/// A snapshot table of the attachments or recipients of a message, taken
/// when it is opened (MAPI: `TBLTYPE_SNAPSHOT`). It borrows nothing.
///
/// ```
/// use oxmsg::{Session, tags, table::Restriction, RecipientType};
/// let session = Session::new();
/// let msg = session.opener().create_in_memory()?;
/// msg.add_recipient(RecipientType::To, "Bo", "bo@example.com")?;
/// msg.add_recipient(RecipientType::Cc, "Al", "al@example.com")?;
/// let mut t = msg.recipient_table()?;
/// t.set_columns(&[tags::DISPLAY_NAME.tag(), tags::RECIPIENT_TYPE.tag()]);
/// t.sort_by(tags::DISPLAY_NAME.tag(), true);
/// let rows = t.query_rows(10);
/// assert_eq!(rows[0][0].1.as_string().as_deref(), Some("Al"));
/// # Ok::<(), oxmsg::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Table {
    all: Vec<Row>,
    view: Vec<usize>,
    columns: Vec<PropTag>,
    position: usize,
}

fn find(row: &Row, tag: PropTag) -> Option<&PropValue> {
    row.iter()
        .find(|(t, _)| *t == tag)
        .or_else(|| {
            row.iter().find(|(t, _)| {
                t.id() == tag.id()
                    && (tag.prop_type() == PropType::UNSPECIFIED
                        || (t.prop_type().is_string() && tag.prop_type().is_string()))
            })
        })
        .map(|(_, v)| v)
}

fn compare(a: &PropValue, b: &PropValue) -> Ordering {
    use PropValue::*;
    match (a, b) {
        (I2(x), I2(y)) => x.cmp(y),
        (Long(x), Long(y)) => x.cmp(y),
        (I8(x), I8(y)) | (Currency(x), Currency(y)) => x.cmp(y),
        (R4(x), R4(y)) => x.total_cmp(y),
        (Double(x), Double(y)) | (AppTime(x), AppTime(y)) => x.total_cmp(y),
        (Boolean(x), Boolean(y)) => x.cmp(y),
        (SysTime(x), SysTime(y)) => x.cmp(y),
        (Binary(x), Binary(y)) => x.cmp(y),
        _ => match (a.as_string(), b.as_string()) {
            (Some(x), Some(y)) => x.to_lowercase().cmp(&y.to_lowercase()),
            _ => Ordering::Equal,
        },
    }
}

impl Restriction {
    fn matches(&self, row: &Row) -> bool {
        match self {
            Restriction::Exists(t) => find(row, *t).is_some(),
            Restriction::Equals(t, v) => find(row, *t).is_some_and(|x| match (x.as_string(), v.as_string()) {
                (Some(a), Some(b)) => a == b,
                _ => x == v,
            }),
            Restriction::Contains(t, s) => find(row, *t)
                .and_then(|x| x.as_string())
                .is_some_and(|x| x.to_lowercase().contains(&s.to_lowercase())),
            Restriction::And(v) => v.iter().all(|r| r.matches(row)),
            Restriction::Or(v) => v.iter().any(|r| r.matches(row)),
            Restriction::Not(r) => !r.matches(row),
        }
    }
}

impl Table {
    pub(crate) fn new(rows: Vec<Row>, required: &[PropTag]) -> Table {
        // Default columns: the required ones, then every other property of
        // the rows in tag order.
        let mut columns: Vec<PropTag> = required.to_vec();
        let mut others: Vec<PropTag> = rows
            .iter()
            .flat_map(|r| r.iter().map(|(t, _)| *t))
            .filter(|t| !columns.iter().any(|c| c.id() == t.id()))
            .collect();
        others.sort();
        others.dedup_by_key(|t| t.id());
        columns.extend(others);
        let view = (0..rows.len()).collect();
        Table {
            all: rows,
            view,
            columns,
            position: 0,
        }
    }

    /// The columns of the rows. MAPI: `QueryColumns`.
    pub fn columns(&self) -> &[PropTag] {
        &self.columns
    }

    /// Chooses the columns. MAPI: `SetColumns`.
    pub fn set_columns(&mut self, columns: &[PropTag]) {
        self.columns = columns.to_vec();
    }

    /// Sorts the rows by one column; rows without it sort first. MAPI:
    /// `SortTable` with one `SSortOrder` (`TABLE_SORT_ASCEND` / `DESCEND`).
    pub fn sort_by(&mut self, column: PropTag, ascending: bool) {
        let all = &self.all;
        self.view.sort_by(|&a, &b| {
            let o = match (find(&all[a], column), find(&all[b], column)) {
                (Some(x), Some(y)) => compare(x, y),
                (None, Some(_)) => Ordering::Less,
                (Some(_), None) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            };
            if ascending {
                o
            } else {
                o.reverse()
            }
        });
        self.position = 0;
    }

    /// Keeps only the rows that match (`None` removes the restriction).
    /// MAPI: `Restrict`.
    pub fn restrict(&mut self, restriction: Option<&Restriction>) {
        self.view = (0..self.all.len())
            .filter(|&i| restriction.is_none_or(|r| r.matches(&self.all[i])))
            .collect();
        self.position = 0;
    }

    /// The number of rows in view. MAPI: `GetRowCount`.
    pub fn row_count(&self) -> usize {
        self.view.len()
    }

    /// Moves the cursor to row `row` (clamped). MAPI: `SeekRow` from
    /// `BOOKMARK_BEGINNING`.
    pub fn seek(&mut self, row: usize) {
        self.position = row.min(self.view.len());
    }

    /// The cursor position. MAPI: `QueryPosition`.
    pub fn position(&self) -> usize {
        self.position
    }

    /// Up to `count` rows from the cursor, which advances past them; an
    /// empty vector at the end of the table. MAPI: `QueryRows`.
    pub fn query_rows(&mut self, count: usize) -> Vec<Row> {
        let end = self.position.saturating_add(count).min(self.view.len());
        let rows = self.view[self.position..end]
            .iter()
            .map(|&i| {
                self.columns
                    .iter()
                    .map(|&c| match find(&self.all[i], c) {
                        Some(v) => (c.with_type(v.prop_type()), v.clone()),
                        None => (c.with_type(PropType::ERROR), PropValue::Error(scode::MAPI_E_NOT_FOUND)),
                    })
                    .collect()
            })
            .collect();
        self.position = end;
        rows
    }
}

impl<'s, A: Access> Message<'s, A> {
    /// The recipient table: every recipient row with every property;
    /// required columns first (PR_DISPLAY_NAME, PR_RECIPIENT_TYPE, PR_ROWID).
    ///
    /// # Errors
    /// As [`Message::recipients`].
    ///
    /// # MAPI
    /// `IMessage::GetRecipientTable`.
    pub fn recipient_table(&self) -> Result<Table> {
        let rows = self.recipients()?.into_iter().map(|r| r.props().to_vec()).collect();
        Ok(Table::new(
            rows,
            &[
                crate::tags::DISPLAY_NAME.tag(),
                crate::tags::RECIPIENT_TYPE.tag(),
                crate::tags::ROWID.tag(),
            ],
        ))
    }

    /// The attachment table: every attachment with its properties except
    /// the data (PR_ATTACH_DATA_BIN and PT_OBJECT values are left out, as
    /// MAPI tables do); required columns first (PR_ATTACH_NUM,
    /// PR_INSTANCE_KEY, PR_RECORD_KEY, PR_RENDERING_POSITION). The keys are
    /// the attachment number as 4 little-endian bytes.
    ///
    /// # Errors
    /// As [`Message::attachments`].
    ///
    /// # MAPI
    /// `IMessage::GetAttachmentTable`.
    pub fn attachment_table(&self) -> Result<Table> {
        let mut rows = Vec::new();
        for a in self.attachments()? {
            let num = a.num();
            let mut row: Row = Vec::new();
            for t in a.prop_list()? {
                if t.id() == 0x3701 || t.prop_type() == PropType::OBJECT || t.id() == 0x0E21 {
                    continue;
                }
                if let Some(v) = a.get_value(t)? {
                    row.push((t, v));
                }
            }
            let key = PropValue::Binary(num.to_le_bytes().to_vec());
            row.push((crate::tags::ATTACH_NUM.tag(), PropValue::Long(num as i32)));
            row.push((PropTag(0x0FF6_0102), key.clone()));
            if !row.iter().any(|(t, _)| t.id() == 0x0FF9) {
                row.push((PropTag(0x0FF9_0102), key));
            }
            rows.push(row);
        }
        Ok(Table::new(
            rows,
            &[
                crate::tags::ATTACH_NUM.tag(),
                PropTag(0x0FF6_0102),
                PropTag(0x0FF9_0102),
                crate::tags::RENDERING_POSITION.tag(),
            ],
        ))
    }
}
