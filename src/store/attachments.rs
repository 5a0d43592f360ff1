//! IMessage's attachment calls (OpenAttach, CreateAttach, DeleteAttach) and
//! embedded messages (OpenProperty(PR_ATTACH_DATA_OBJ, IID_IMessage)).
//!
//! Attachment numbers are never reused within a file's life: the next
//! number is the largest of the header's next id, every number present and
//! every number handed out in this session, plus one, and a deleted number
//! stays retired. A stale [`AttachmentId`](crate::AttachmentId) therefore
//! finds nothing (`ObjectDeleted`), never a newer attachment.

use std::collections::HashMap;

use crate::error::{Error, Result};
use crate::format::names;
use crate::format::propstream::HeaderKind;
use crate::prop::{tags, PropAttr, PropTag, PropType, PropValue};

use super::engine::{Ctx, FileKey};
use super::load;
use super::state::{AttachSlot, AttachState, EmbeddedSlot, MessageState, Origin, PropBag, PropEntry, Val};
use super::{AttachNode, Inner, MessageNode, Node, NodeKey};

/// PR_ATTACH_METHOD values (MS-OXCMSG 2.2.2.9).
pub(crate) const ATTACH_BY_VALUE: i32 = 1;
pub(crate) const ATTACH_EMBEDDED_MSG: i32 = 5;

/// What opening an attachment needs, decided under the state borrow.
enum AttachPlan {
    Open(NodeKey),
    Have(AttachState),
    Load { file: FileKey, path: String },
}

/// What opening an embedded message needs.
enum EmbeddedPlan {
    Open(NodeKey),
    Have(MessageState),
    Load { file: FileKey, path: String },
}

impl Inner {
    fn plan_attachment(&mut self, msg: NodeKey, num: u32) -> Result<AttachPlan> {
        self.check_live(msg)?;
        let m = self.message(msg)?;
        if let Some(&k) = m.open_attachments.get(&num) {
            self.retain(k);
            return Ok(AttachPlan::Open(k));
        }
        Ok(match m.state.attachments.get(&num) {
            None => {
                return Err(Error::NotFound {
                    what: format!("attachment #{num} of {}", self.describe(msg)),
                })
            }
            Some(AttachSlot::Loaded(a)) => AttachPlan::Have((**a).clone()),
            Some(AttachSlot::Stored) => AttachPlan::Load {
                file: m.file,
                path: m.state.origin.stored_source("?", "an attachment")?.path,
            },
        })
    }

    /// Adds the node of an attachment loaded outside the borrow, unless a
    /// call back from the caller's reader opened it meanwhile.
    fn add_attachment_node(&mut self, msg: NodeKey, state: AttachState) -> Result<NodeKey> {
        self.check_live(msg)?;
        let m = self.message(msg)?;
        if let Some(&k) = m.open_attachments.get(&state.num) {
            self.retain(k);
            return Ok(k);
        }
        let file = m.file;
        let num = state.num;
        let k = self.nodes.insert(Node::Attachment(AttachNode {
            file,
            parent: msg,
            state,
            open_embedded: None,
            refs: 1,
            deleted: false,
            writers: Default::default(),
        }));
        self.retain(msg);
        self.message_mut(msg)?.open_attachments.insert(num, k);
        Ok(k)
    }

    /// The next attachment number of message `msg`, and advances it.
    fn take_attachment_number(&mut self, msg: NodeKey) -> Result<u32> {
        let m = self.message_mut(msg)?;
        let present = m.state.attachments.keys().next_back().map(|&n| u64::from(n) + 1);
        let opened = m.open_attachments.keys().max().map(|&n| u64::from(n) + 1);
        let next = u64::from(m.state.header.next_attachment_id)
            .max(present.unwrap_or(0))
            .max(opened.unwrap_or(0));
        // The number after the last one must still fit the header's field.
        if next >= u64::from(u32::MAX) {
            return Err(Error::IdsExhausted {
                what: "attachment",
                next,
            });
        }
        let num = next as u32;
        m.state.header.next_attachment_id = num + 1;
        Ok(num)
    }

    /// The attachments that a save of `msg` would write: saved ones and
    /// ones open (created or opened) in this session.
    pub(crate) fn attachment_count(&self, msg: NodeKey) -> Result<usize> {
        let m = self.message(msg)?;
        let open_new = m
            .open_attachments
            .iter()
            .filter(|(n, _)| !m.state.attachments.contains_key(n))
            .filter(|(_, &k)| self.attachment(k).is_ok_and(|a| !a.deleted))
            .count();
        Ok(m.state.attachments.len() + open_new)
    }

    /// CreateAttach: a new attachment, part of the message when saved.
    fn create_attachment(&mut self, msg: NodeKey) -> Result<NodeKey> {
        self.check_live(msg)?;
        let max = self.limits(msg).max_children as usize;
        let count = self.attachment_count(msg)?;
        if count >= max {
            return Err(Error::LimitExceeded {
                limit: "max_children",
                value: count as u64 + 1,
                max: max as u64,
                path: format!("attachments of {}", self.describe(msg)),
            });
        }
        let num = self.take_attachment_number(msg)?;
        let mut props = PropBag::default();
        for (tag, v) in [
            (tags::ATTACH_NUM.tag(), PropValue::Long(num as i32)),
            (tags::OBJECT_TYPE.tag(), PropValue::Long(7)),
            (tags::ATTACH_METHOD.tag(), PropValue::Long(ATTACH_BY_VALUE)),
            (tags::RENDERING_POSITION.tag(), PropValue::Long(-1)),
        ] {
            props.set(tag, Val::Value(v));
        }
        let state = AttachState {
            num,
            origin: Origin::default(),
            props,
            embedded: None,
        };
        self.add_attachment_node(msg, state)
    }

    /// DeleteAttach: removes attachment `num` and retires its number; open
    /// handles on it then give `ObjectDeleted`.
    fn delete_attachment(&mut self, msg: NodeKey, num: u32) -> Result<()> {
        self.check_live(msg)?;
        let m = self.message_mut(msg)?;
        let existed = m.state.attachments.remove(&num).is_some();
        m.state.origin.edited |= existed;
        let open = m.open_attachments.get(&num).copied();
        let next = &mut m.state.header.next_attachment_id;
        *next = (*next).max(num.saturating_add(1));
        if let Some(k) = open {
            if let Ok(a) = self.attachment_mut(k) {
                a.deleted = true;
            }
        }
        if !existed && open.is_none() {
            return Err(Error::ObjectDeleted {
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
        props.set(tags::HASATTACH.tag(), Val::Value(PropValue::Boolean(has)));
        if let Some(flags) = props.long(tags::MESSAGE_FLAGS.id()) {
            let flags = if has { flags | 0x10 } else { flags & !0x10 };
            props.set(tags::MESSAGE_FLAGS.tag(), Val::Value(PropValue::Long(flags)));
        }
        Ok(())
    }

    fn plan_embedded(&mut self, att: NodeKey, create: bool) -> Result<(EmbeddedPlan, u32)> {
        self.check_live(att)?;
        let a = self.attachment(att)?;
        let depth = self.message(a.parent)?.depth + 1;
        if let Some(k) = a.open_embedded {
            if create {
                return Err(Error::InvalidParameter {
                    detail: "the embedded message is open; close it before creating a new one".into(),
                });
            }
            self.retain(k);
            return Ok((EmbeddedPlan::Open(k), depth));
        }
        let limits = self.limits(att);
        if depth > limits.max_depth {
            return Err(Error::LimitExceeded {
                limit: "max_depth",
                value: depth as u64,
                max: limits.max_depth as u64,
                path: self.describe(att),
            });
        }
        if create {
            let unicode = self.file(att)?.unicode;
            let codepage = self.codepage(att);
            return Ok((EmbeddedPlan::Have(new_embedded_state(unicode, codepage)), depth));
        }
        Ok((
            match &a.state.embedded {
                None => {
                    return Err(Error::NotFound {
                        what: format!("embedded message of attachment #{}", a.state.num),
                    })
                }
                Some(EmbeddedSlot::Loaded(m)) => EmbeddedPlan::Have((**m).clone()),
                Some(EmbeddedSlot::Stored) => EmbeddedPlan::Load {
                    file: a.file,
                    path: names::join(
                        &a.state.origin.stored_source("?", "an embedded message")?.path,
                        names::ATTACH_DATA_OBJ,
                    ),
                },
            },
            depth,
        ))
    }

    fn add_embedded_node(&mut self, att: NodeKey, state: MessageState, depth: u32, create: bool) -> Result<NodeKey> {
        self.check_live(att)?;
        let a = self.attachment(att)?;
        if let Some(k) = a.open_embedded {
            self.retain(k);
            return Ok(k);
        }
        let file = a.file;
        let k = self.nodes.insert(Node::Message(MessageNode {
            file,
            parent: Some(att),
            state: state.clone(),
            open_attachments: HashMap::new(),
            refs: 1,
            depth,
            writers: Default::default(),
        }));
        self.retain(att);
        let a = self.attachment_mut(att)?;
        a.open_embedded = Some(k);
        if create {
            a.state.embedded = Some(EmbeddedSlot::Loaded(Box::new(state)));
            a.state.props.set(
                tags::ATTACH_METHOD.tag(),
                Val::Value(PropValue::Long(ATTACH_EMBEDDED_MSG)),
            );
            // PR_ATTACH_DATA_OBJ is listed as MAPI's GetPropList lists
            // PT_OBJECT properties; the writer puts the message in it.
            a.state.props.remove_id(tags::ATTACH_DATA_BIN.id());
            let tag = PropTag::new(tags::ATTACH_DATA_BIN.id(), PropType::OBJECT);
            a.state.props.map.insert(
                tag.0,
                PropEntry {
                    tag,
                    flags: PropAttr::DEFAULT.0,
                    val: Val::Value(PropValue::Object),
                },
            );
        }
        Ok(k)
    }
}

/// A new embedded message as Outlook writes one: PR_MESSAGE_CLASS
/// `IPM.Note` (readers need a class to treat it as a mail), PR_MESSAGE_FLAGS
/// `MSGFLAG_READ | MSGFLAG_UNSENT`, PR_STORE_SUPPORT_MASK (with
/// `STORE_UNICODE_OK` in a Unicode file) and, in an ANSI file, the code page
/// of its strings, so that a reader of the embedded message alone (or of
/// it saved as a .msg of its own) decodes them right.
pub(crate) fn new_embedded_state(unicode: bool, codepage: u32) -> MessageState {
    let mut st = MessageState::new(HeaderKind::Embedded);
    st.props.set(
        tags::MESSAGE_CLASS.tag(),
        Val::Value(PropValue::Unicode("IPM.Note".into())),
    );
    st.props
        .set(tags::MESSAGE_FLAGS.tag(), Val::Value(PropValue::Long(0x9)));
    for (tag, v) in super::open::file_identity(unicode, codepage) {
        st.props.set(tag, Val::Value(v));
    }
    st
}

impl Ctx<'_> {
    /// OpenAttach: the node of attachment `num` of message `msg`, opened
    /// now (read outside the state borrow) or shared with an earlier open.
    pub(crate) fn open_attachment(&self, msg: NodeKey, num: u32) -> Result<NodeKey> {
        let plan = self.state()?.plan_attachment(msg, num)?;
        let state = match plan {
            AttachPlan::Open(k) => return Ok(k),
            AttachPlan::Have(st) => st,
            AttachPlan::Load { file, path } => {
                let opts = self.state()?.file(msg)?.options.clone();
                let mut lease = self.lease(file)?;
                load::load_attachment(&mut lease.store(), file, &path, num, &opts)?
            }
        };
        self.state()?.add_attachment_node(msg, state)
    }

    /// CreateAttach: the new node and its number.
    pub(crate) fn create_attachment(&self, msg: NodeKey) -> Result<(NodeKey, u32)> {
        let mut st = self.state()?;
        let k = st.create_attachment(msg)?;
        Ok((k, st.attachment(k)?.state.num))
    }

    /// DeleteAttach.
    pub(crate) fn delete_attachment(&self, msg: NodeKey, num: u32) -> Result<()> {
        self.state()?.delete_attachment(msg, num)
    }

    /// The numbers of the saved attachments of `msg`.
    pub(crate) fn attachment_numbers(&self, msg: NodeKey) -> Result<Vec<u32>> {
        let st = self.state()?;
        st.check_live(msg)?;
        Ok(st.message(msg)?.state.attachments.keys().copied().collect())
    }

    /// Records that attachment `num` of `msg` could not be read (lenient
    /// reading of `attachments()`).
    pub(crate) fn warn_unreadable_attachment(&self, msg: NodeKey, num: u32, e: &Error) -> Result<()> {
        let mut st = self.state()?;
        let m = st.message_mut(msg)?;
        let path = m
            .state
            .origin
            .source
            .as_ref()
            .map(|s| s.path.clone())
            .unwrap_or_else(|| "/".into());
        let w = crate::Warning::new(
            crate::format::names::join(&path, &crate::format::names::attachment_storage(num)),
            crate::WarningKind::ReadPast,
            format!("attachment #{num} could not be read; it is not listed, and a save copies it unchanged: {e}"),
        );
        if !m.state.origin.warnings.contains(&w) {
            m.state.origin.warnings.push(w);
        }
        Ok(())
    }

    /// The embedded message of attachment `att`, opened now or shared; with
    /// `create`, a new empty one replaces what the attachment held.
    pub(crate) fn open_embedded(&self, att: NodeKey, create: bool) -> Result<NodeKey> {
        let (plan, depth) = self.state()?.plan_embedded(att, create)?;
        let state = match plan {
            EmbeddedPlan::Open(k) => return Ok(k),
            EmbeddedPlan::Have(st) => st,
            EmbeddedPlan::Load { file, path } => {
                let opts = self.state()?.file(att)?.options.clone();
                let mut lease = self.lease(file)?;
                load::load_message(&mut lease.store(), file, &path, HeaderKind::Embedded, &opts)?
            }
        };
        self.state()?.add_embedded_node(att, state, depth, create)
    }

    /// Whether attachment `att` holds an embedded message.
    pub(crate) fn has_embedded(&self, att: NodeKey) -> Result<bool> {
        Ok(self.state()?.attachment(att)?.state.embedded.is_some())
    }
}
