//! Properties derived from others, kept true as Outlook keeps them: the
//! subject's parts follow PR_SUBJECT when it is set; PR_HASATTACH,
//! PR_DISPLAY_TO/CC/BCC, PR_OBJECT_TYPE, PR_MESSAGE_SIZE and PR_ATTACH_SIZE
//! are computed (the last two by the writer, from what it writes), and a
//! caller's write of one is `MAPI_E_COMPUTED`. What a save cannot make true
//! (a transport header block that names the old subject, a signature that
//! an added attachment breaks) is a warning of the save.

use crate::error::Result;
use crate::prop::{tags, PropTag, PropValue};
use crate::warning::{Warning, WarningKind};

use super::engine::Ctx;
use super::state::{AttachSlot, PropBag, Val};
use super::{Inner, Node, NodeKey};

/// PR_HASATTACH, PR_DISPLAY_TO/CC/BCC, PR_MESSAGE_SIZE, PR_ATTACH_SIZE,
/// PR_OBJECT_TYPE: computed by oxmsg (from the attachments, the recipients,
/// the bytes written, the object's kind); a caller's write is an error.
pub(crate) fn is_derived(id: u16) -> bool {
    matches!(id, 0x0E1B | 0x0E04 | 0x0E03 | 0x0E02 | 0x0E08 | 0x0E20 | 0x0FFE)
}

/// PR_OBJECT_TYPE values.
pub(crate) const MAPI_MESSAGE: i32 = 5;
pub(crate) const MAPI_ATTACH: i32 = 7;

/// What changed in a message since it was read, for the stale-header
/// warning: its subject, its sender, its recipients.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Changed {
    pub(crate) subject: bool,
    pub(crate) sender: bool,
    pub(crate) recipients: bool,
}

/// PR_SENDER_* and PR_SENT_REPRESENTING_* ids (names, address types,
/// addresses, entry ids, search keys).
fn is_sender(id: u16) -> bool {
    matches!(
        id,
        0x0C19 | 0x0C1A | 0x0C1D | 0x0C1E | 0x0C1F | 0x5D01 | 0x0041 | 0x0042 | 0x003B | 0x0064 | 0x0065 | 0x5D02
    )
}

/// A subject's prefix and the rest (MS-OXCMSG 2.2.1.9/2.2.1.10): the prefix
/// is one to three characters, none a digit, then a colon, and the space
/// after it when there is one ("FW: ", "RE: ", "AW: ").
pub(crate) fn split_subject(subject: &str) -> (&str, &str) {
    if let Some(colon) = subject.find(':') {
        let head = &subject[..colon];
        let n = head.chars().count();
        if (1..=3).contains(&n) && !head.chars().any(|c| c.is_numeric() || c.is_whitespace()) {
            let mut end = colon + 1;
            if subject[end..].starts_with(' ') {
                end += 1;
            }
            return (&subject[..end], &subject[end..]);
        }
    }
    ("", subject)
}

/// Sets PR_SUBJECT_PREFIX, PR_NORMALIZED_SUBJECT and PR_CONVERSATION_TOPIC
/// from a subject just set (or removes them with it).
pub(crate) fn follow_subject(props: &mut PropBag, subject: Option<&str>) {
    let ids = [tags::SUBJECT_PREFIX, tags::NORMALIZED_SUBJECT, tags::CONVERSATION_TOPIC];
    let Some(subject) = subject else {
        for t in ids {
            props.remove_id(t.id());
        }
        return;
    };
    let (prefix, rest) = split_subject(subject);
    for (t, v) in [(ids[0], prefix), (ids[1], rest), (ids[2], rest)] {
        if v.is_empty() {
            // MS-OXMSG 2.4.2.2: no empty string streams.
            props.remove_id(t.id());
        } else {
            props.set(t.tag(), Val::Value(PropValue::Unicode(v.to_string())));
        }
    }
}

/// A string value as text (either string type).
pub(crate) fn text(v: &PropValue) -> Option<String> {
    match v {
        PropValue::Unicode(s) => Some(s.clone()),
        PropValue::String8(s) => Some(s.to_string_lossy()),
        _ => None,
    }
}

impl Inner {
    /// Records that a change of `tag` on object `key` touched what a
    /// transport header block also says, and makes the subject's parts
    /// follow a new subject.
    pub(crate) fn note_change(&mut self, key: NodeKey, tag: PropTag, value: Option<&PropValue>) {
        let Some(Node::Message(m)) = self.nodes.get_mut(key) else {
            return;
        };
        let id = tag.id();
        if id == tags::SUBJECT.id() {
            m.state.changed.subject = true;
            let s = value.and_then(text);
            follow_subject(&mut m.state.props, s.as_deref());
        } else if is_sender(id) {
            m.state.changed.sender = true;
        }
    }

    /// PR_OBJECT_TYPE, PR_HASATTACH (and `MSGFLAG_HASATTACH`) and, for read
    /// recipients, PR_DISPLAY_TO/CC/BCC of message state `props`, before it
    /// is written.
    pub(crate) fn refresh_for_save(state: &mut super::state::MessageState) {
        for slot in state.attachments.values_mut() {
            if let AttachSlot::Loaded(a) = slot {
                if let Some(super::state::EmbeddedSlot::Loaded(m)) = &mut a.embedded {
                    Inner::refresh_for_save(m);
                }
                if a.origin.refreshed_on_save() {
                    a.props
                        .set(tags::OBJECT_TYPE.tag(), Val::Value(PropValue::Long(MAPI_ATTACH)));
                    a.props
                        .set(tags::ATTACH_NUM.tag(), Val::Value(PropValue::Long(a.num as i32)));
                }
            }
        }
        if !state.origin.refreshed_on_save() {
            return;
        }
        state
            .props
            .set(tags::OBJECT_TYPE.tag(), Val::Value(PropValue::Long(MAPI_MESSAGE)));
        let has = !state.attachments.is_empty();
        state
            .props
            .set(tags::HASATTACH.tag(), Val::Value(PropValue::Boolean(has)));
        if let Some(flags) = state.props.long(tags::MESSAGE_FLAGS.id()) {
            let flags = if has { flags | 0x10 } else { flags & !0x10 };
            state
                .props
                .set(tags::MESSAGE_FLAGS.tag(), Val::Value(PropValue::Long(flags)));
        }
        for slot in state.attachments.values_mut() {
            if let AttachSlot::Loaded(a) = slot {
                a.props
                    .set(tags::OBJECT_TYPE.tag(), Val::Value(PropValue::Long(MAPI_ATTACH)));
                a.props
                    .set(tags::ATTACH_NUM.tag(), Val::Value(PropValue::Long(a.num as i32)));
                if let Some(super::state::EmbeddedSlot::Loaded(m)) = &mut a.embedded {
                    Inner::refresh_for_save(m);
                }
            }
        }
    }
}

impl Ctx<'_> {
    /// PR_LAST_MODIFICATION_TIME (now) and, when absent, PR_CREATION_TIME
    /// of message `key`, when it is new or edited, as a store keeps them at
    /// each save (an untouched message keeps its times).
    pub(crate) fn stamp_save_times(&self, key: NodeKey) -> Result<()> {
        let now = crate::prop::FileTime::from(std::time::SystemTime::now());
        let mut st = self.state()?;
        st.check_live(key)?;
        let m = st.message_mut(key)?;
        if !m.state.origin.refreshed_on_save() {
            return Ok(());
        }
        let props = &mut m.state.props;
        props.set(tags::LAST_MODIFICATION_TIME.tag(), Val::Value(PropValue::SysTime(now)));
        if props.find(tags::CREATION_TIME.tag()).is_none() {
            props.set(tags::CREATION_TIME.tag(), Val::Value(PropValue::SysTime(now)));
        }
        Ok(())
    }

    /// What a save of message `key` would leave untrue, as warnings: a
    /// transport header block (PR_TRANSPORT_MESSAGE_HEADERS) that names
    /// another subject, sender or recipients than the message now has, and
    /// attachments added to a signed message. Recorded with the message's
    /// warnings and returned.
    pub(crate) fn save_warnings(&self, key: NodeKey) -> Result<Vec<Warning>> {
        let (changed, has_headers, added) = {
            let st = self.state()?;
            let m = st.message(key)?;
            let added = m
                .state
                .attachments
                .values()
                .any(|s| matches!(s, AttachSlot::Loaded(a) if a.origin.source.is_none()));
            let has_headers = m
                .state
                .props
                .by_id(tags::TRANSPORT_MESSAGE_HEADERS.id())
                .next()
                .is_some();
            (m.state.changed, has_headers, added)
        };
        let mut out = Vec::new();
        if has_headers && (changed.subject || changed.sender || changed.recipients) {
            let what: Vec<&str> = [
                (changed.subject, "subject"),
                (changed.sender, "sender"),
                (changed.recipients, "recipients"),
            ]
            .iter()
            .filter(|(c, _)| *c)
            .map(|(_, w)| *w)
            .collect();
            out.push(Warning::new(
                "/",
                WarningKind::Stale,
                format!(
                    "the {} changed but PR_TRANSPORT_MESSAGE_HEADERS still holds the received header block, \
                     which readers such as msgconvert show instead; delete it (msg.delete(tags::TRANSPORT_MESSAGE_HEADERS)) \
                     or rewrite it",
                    what.join(", ")
                ),
            ));
        }
        if added {
            let class = self
                .get_value(key, tags::MESSAGE_CLASS.tag())?
                .as_ref()
                .and_then(text)
                .unwrap_or_default();
            if class.to_ascii_uppercase().starts_with("IPM.NOTE.SMIME") {
                out.push(Warning::new(
                    "/",
                    WarningKind::Stale,
                    format!(
                        "an attachment was added to a signed message ({class}): its signature no longer covers \
                         what the message holds, and readers that check it will report it broken"
                    ),
                ));
            }
        }
        if !out.is_empty() {
            let mut st = self.state()?;
            let m = st.message_mut(key)?;
            for w in &out {
                if !m.state.origin.warnings.contains(w) {
                    m.state.origin.warnings.push(w.clone());
                }
            }
        }
        Ok(out)
    }
}
