//! IMAPIProp::CopyTo and CopyProps between two objects of the same kind
//! (message to message, attachment to attachment), in one session or
//! across two, with MAPI_NOREPLACE and MAPI_MOVE.
//!
//! The copy is built from engine operations on each side, each one state
//! borrow (or lease) long, so the source's compound file is read under a
//! lease with the destination's state free, and the two may be the same
//! session. The destination is all or nothing: its state is kept before
//! the copy and put back when any step fails (attachments created for it
//! and not committed are discarded; their numbers stay retired).
//!
//! Named properties (ids 0x8000 and up) are file-local: between two files
//! each is re-mapped by name (the source's GetNamesFromIDs, the
//! destination's GetIDsFromNames with MAPI_CREATE), never copied by id. A
//! named id the source cannot name is left out with a problem
//! `MAPI_E_NOT_FOUND`.

use std::collections::HashMap;
use std::io::{Read, Write};

use crate::error::{scode, Error, Result};
use crate::prop::{PropTag, PropType, PropValue};

use super::engine::{Ctx, Engine};
use super::props::PropChange;
use super::recipients::RowChange;
use super::state::{AttachState, MessageState, Spill};
use super::{is_computed, Inner, Node, NodeKey};

/// PR_MESSAGE_RECIPIENTS and PR_MESSAGE_ATTACHMENTS: naming them in an
/// exclusion (or inclusion) list decides whether the sub-objects are copied.
pub(crate) const MESSAGE_RECIPIENTS: u16 = 0x0E12;
pub(crate) const MESSAGE_ATTACHMENTS: u16 = 0x0E13;
/// PR_ATTACH_DATA_OBJ: the embedded message or OLE storage of an attachment.
pub(crate) const ATTACH_DATA_OBJ: u16 = 0x3701;

/// Properties a copy never carries: computed ones and the ones that
/// describe the destination's own file (its Unicode mode) or that the
/// destination computes from what it holds.
pub(crate) fn not_copied(id: u16) -> bool {
    is_computed(id) || super::derived::is_derived(id) || matches!(id, 0x340D | 0x340F)
}

/// What to copy: every property but the excluded ones (CopyTo), or only
/// the listed ones (CopyProps); by property id, the type is ignored.
#[derive(Clone, Debug, Default)]
pub(crate) struct CopySpec {
    pub(crate) only: Option<Vec<u16>>,
    pub(crate) exclude: Vec<u16>,
    /// MAPI_NOREPLACE.
    pub(crate) no_replace: bool,
}

impl CopySpec {
    pub(crate) fn wants(&self, id: u16) -> bool {
        !self.exclude.contains(&id) && self.only.as_ref().is_none_or(|o| o.contains(&id))
    }
}

/// One property that was not copied, and why (an entry of MAPI's
/// `SPropProblemArray`).
#[derive(Clone, Debug)]
pub(crate) struct Problem {
    pub(crate) tag: PropTag,
    pub(crate) scode: u32,
    pub(crate) detail: String,
}

/// One side of a copy.
#[derive(Clone, Copy)]
pub(crate) struct Side<'e> {
    pub(crate) engine: Ctx<'e>,
    pub(crate) key: NodeKey,
}

/// A node opened for the copy, released when dropped (also on error).
struct Opened<'e> {
    engine: &'e Engine,
    key: NodeKey,
}

impl Drop for Opened<'_> {
    fn drop(&mut self) {
        self.engine.release(self.key);
    }
}

/// A kept state of a destination object.
enum Kept {
    Message(Box<MessageState>),
    Attachment(Box<AttachState>),
}

impl Inner {
    fn keep(&self, key: NodeKey) -> Result<Kept> {
        self.check_live(key)?;
        Ok(match self.node(key)? {
            Node::Message(m) => Kept::Message(Box::new(m.state.clone())),
            Node::Attachment(a) => Kept::Attachment(Box::new(a.state.clone())),
        })
    }

    fn put_back(&mut self, key: NodeKey, kept: Kept) {
        match (self.nodes.get_mut(key), kept) {
            (Some(Node::Message(m)), Kept::Message(mut s)) => {
                // Numbers handed out meanwhile stay retired.
                let h = &mut s.header;
                h.next_attachment_id = h.next_attachment_id.max(m.state.header.next_attachment_id);
                h.next_recipient_id = h.next_recipient_id.max(m.state.header.next_recipient_id);
                m.state = *s;
            }
            (Some(Node::Attachment(a)), Kept::Attachment(s)) => a.state = *s,
            _ => {}
        }
    }
}

/// What the copy needs to know about both sides.
struct Sides {
    is_message: bool,
    same_file: bool,
}

fn sides(src: Side<'_>, dst: Side<'_>) -> Result<Sides> {
    let (src_msg, src_file) = {
        let st = src.engine.state()?;
        st.check_live(src.key)?;
        (st.message(src.key).is_ok(), st.names_file(src.key)?)
    };
    let (dst_msg, dst_file) = {
        let st = dst.engine.state()?;
        st.check_live(dst.key)?;
        (st.message(dst.key).is_ok(), st.names_file(dst.key)?)
    };
    let same_engine = std::ptr::eq(src.engine.engine, dst.engine.engine);
    if same_engine && src.key == dst.key {
        return Err(Error::NoAccess {
            detail: "the destination of a copy is its source".into(),
        });
    }
    if src_msg != dst_msg {
        return Err(Error::InvalidParameter {
            detail: "a message is copied to a message and an attachment to an attachment \
                     (MAPI_E_INTERFACE_NOT_SUPPORTED)"
                .into(),
        });
    }
    Ok(Sides {
        is_message: src_msg,
        same_file: same_engine && src_file == dst_file,
    })
}

/// CopyTo / CopyProps from `src` to `dst`; the problems of properties that
/// were left out are added to `problems`. With `moving`, what was copied is
/// then deleted from the source (MAPI_MOVE).
pub(crate) fn copy(
    src: Side<'_>,
    dst: Side<'_>,
    spec: &CopySpec,
    moving: bool,
    problems: &mut Vec<Problem>,
) -> Result<()> {
    let kept = dst.engine.state()?.keep(dst.key)?;
    let kept_src = if moving {
        Some(src.engine.state()?.keep(src.key)?)
    } else {
        None
    };
    let result = copy_inner(src, dst, spec, moving, problems);
    if result.is_err() {
        if let Ok(mut st) = dst.engine.state() {
            st.put_back(dst.key, kept);
        }
        if let (Some(k), Ok(mut st)) = (kept_src, src.engine.state()) {
            st.put_back(src.key, k);
        }
    }
    result
}

fn copy_inner(src: Side<'_>, dst: Side<'_>, spec: &CopySpec, moving: bool, problems: &mut Vec<Problem>) -> Result<()> {
    let s = sides(src, dst)?;
    let mut names = NameRemap::default();
    let copied = copy_props(src, dst, spec, &s, &mut names, problems)?;
    let mut children = Vec::new();
    let mut moved_attachments = Vec::new();
    let mut moved_recipients = false;
    if s.is_message {
        if spec.wants(MESSAGE_RECIPIENTS) {
            moved_recipients = copy_recipients(src, dst, spec, &s, &mut names, problems)?;
        }
        if spec.wants(MESSAGE_ATTACHMENTS) {
            for num in src.engine.attachment_numbers(src.key)? {
                let sa = match src.engine.open_attachment(src.key, num) {
                    Ok(k) => Opened {
                        engine: src.engine.engine,
                        key: k,
                    },
                    Err(e @ (Error::CorruptData { .. } | Error::NotFound { .. })) if !src.engine.strict(src.key)? => {
                        problems.push(Problem {
                            tag: PropTag::new(MESSAGE_ATTACHMENTS, PropType::OBJECT),
                            scode: e.scode(),
                            detail: format!("attachment #{num} could not be read and is not copied: {e}"),
                        });
                        continue;
                    }
                    Err(e) => return Err(e),
                };
                let (dk, _) = dst.engine.create_attachment(dst.key)?;
                let da = Opened {
                    engine: dst.engine.engine,
                    key: dk,
                };
                copy_inner(
                    Side {
                        engine: src.engine,
                        key: sa.key,
                    },
                    Side {
                        engine: dst.engine,
                        key: da.key,
                    },
                    &CopySpec::default(),
                    false,
                    problems,
                )?;
                children.push(da);
                moved_attachments.push(num);
            }
        }
    } else if spec.wants(ATTACH_DATA_OBJ) {
        copy_attachment_object(src, dst, problems)?;
    }
    // Everything is built: the new attachments become part of the
    // destination (this cannot fail half-way on a live message).
    for c in &children {
        dst.engine.commit_child(c.key)?;
    }
    drop(children);
    if moving {
        let mut changes: Vec<PropChange> = Vec::new();
        for tag in copied {
            changes.push(PropChange::Delete(tag));
        }
        src.engine.change_props(src.key, changes)?;
        if moved_recipients {
            let rows = src.engine.recipient_rows(src.key)?;
            src.engine
                .modify_recipients(src.key, rows.into_iter().map(|(n, _)| RowChange::Remove(n)).collect())?;
        }
        for num in moved_attachments {
            src.engine.delete_attachment(src.key, num)?;
        }
    }
    Ok(())
}

/// The named-property ids of the source re-mapped into the destination's
/// file, remembered for the length of one copy.
#[derive(Default)]
struct NameRemap {
    ids: HashMap<u16, Option<u16>>,
}

impl NameRemap {
    /// The destination tag of source tag `tag`, or `None` (with a problem)
    /// when the source cannot name it.
    fn map(
        &mut self,
        src: Side<'_>,
        dst: Side<'_>,
        same_file: bool,
        tag: PropTag,
        problems: &mut Vec<Problem>,
    ) -> Result<Option<PropTag>> {
        if tag.id() < 0x8000 || same_file {
            return Ok(Some(tag));
        }
        if let Some(id) = self.ids.get(&tag.id()) {
            return Ok(id.map(|id| PropTag::new(id, tag.prop_type())));
        }
        let id = match src.engine.names_from_ids(src.key, &[tag.id()]) {
            Ok(names) => {
                let ids = dst.engine.ids_from_names(dst.key, &names, true)?;
                Some(ids[0])
            }
            Err(Error::NameNotMapped { what }) => {
                problems.push(Problem {
                    tag,
                    scode: scode::MAPI_E_NOT_FOUND,
                    detail: format!("the source's named-property map has no name for {what}: not copied"),
                });
                None
            }
            Err(e) => return Err(e),
        };
        self.ids.insert(tag.id(), id);
        Ok(id.map(|id| PropTag::new(id, tag.prop_type())))
    }
}

/// A string of the source in the destination's form: PT_STRING8 values are
/// decoded with the source's code page (the destination encodes them again
/// for its own file).
fn portable(tag: PropTag, v: PropValue) -> (PropTag, PropValue) {
    match v {
        PropValue::String8(s) => (
            tag.with_type(PropType::UNICODE),
            PropValue::Unicode(s.to_string_lossy()),
        ),
        PropValue::MvString8(v) => (
            tag.with_type(PropType::MV_UNICODE),
            PropValue::MvUnicode(v.iter().map(|s| s.to_string_lossy()).collect()),
        ),
        v => (tag, v),
    }
}

/// Copies the properties (not sub-objects); returns the source tags copied.
fn copy_props(
    src: Side<'_>,
    dst: Side<'_>,
    spec: &CopySpec,
    s: &Sides,
    names: &mut NameRemap,
    problems: &mut Vec<Problem>,
) -> Result<Vec<PropTag>> {
    let dst_ids: Vec<u16> = dst.engine.prop_list(dst.key)?.iter().map(|t| t.id()).collect();
    let mut changes = Vec::new();
    let mut copied = Vec::new();
    // PROPATTR_* flags other than the default, carried over after the values
    // (GetAttribIMsgOnIStg on the source, SetAttribIMsgOnIStg on the copy).
    let mut attrs = Vec::new();
    for tag in src.engine.prop_list(src.key)? {
        let t = tag.prop_type();
        if !spec.wants(tag.id()) || not_copied(tag.id()) || t == PropType::OBJECT {
            continue;
        }
        let Some(dtag) = names.map(src, dst, s.same_file, tag, problems)? else {
            continue;
        };
        if spec.no_replace && dst_ids.contains(&dtag.id()) {
            continue;
        }
        if let Some(attr) = src.engine.attributes(src.key, tag)? {
            if attr != crate::prop::PropAttr::DEFAULT {
                attrs.push((dtag.id(), attr));
            }
        }
        if t == PropType::BINARY {
            // Streamed: an attachment's data goes through a temporary file
            // past a megabyte, not memory.
            let spill = read_spill(src.engine, src.key, tag)?;
            changes.push(PropChange::SetSpilled(dtag, std::sync::Arc::new(spill)));
        } else {
            let Some(v) = src.engine.get_value(src.key, tag)? else {
                continue;
            };
            let (dtag, v) = portable(dtag, v);
            changes.push(PropChange::Set(dtag, v));
        }
        copied.push(tag);
    }
    // A copied subject's parts are the source's, not derived again: the ones
    // the source lacks go (with the subject the destination had).
    if copied.iter().any(|t| t.id() == 0x0037) {
        let src_ids: Vec<u16> = src.engine.prop_list(src.key)?.iter().map(|t| t.id()).collect();
        for id in [0x003D_u16, 0x0E1D, 0x0070] {
            if !src_ids.contains(&id) && spec.wants(id) {
                changes.push(PropChange::Delete(PropTag::new(id, PropType::UNSPECIFIED)));
                copied.push(PropTag::new(id, PropType::UNSPECIFIED));
            }
        }
    }
    // One all-or-nothing change; a value the destination refuses (an ANSI
    // file that cannot hold a string, a read-only attribute) is a problem
    // and the rest is copied.
    loop {
        match dst.engine.change_props(dst.key, changes.clone()) {
            Ok(()) => {
                let kept: Vec<PropChange> = attrs
                    .iter()
                    .filter_map(|&(id, attr)| {
                        let c = changes
                            .iter()
                            .find(|c| c.tag().id() == id && !matches!(c, PropChange::Delete(_)))?;
                        Some(PropChange::SetAttributes(c.tag(), attr))
                    })
                    .collect();
                dst.engine.change_props(dst.key, kept)?;
                return Ok(copied);
            }
            Err(e @ (Error::BadValue { .. } | Error::Computed { .. } | Error::NoAccess { .. })) => {
                let failed = match &e {
                    Error::BadValue { tag, .. } | Error::Computed { tag } => Some(*tag),
                    _ => None,
                };
                // The change that failed (a NoAccess names no tag: the first
                // property the destination holds read-only).
                let pos = match failed {
                    Some(f) => changes.iter().position(|c| c.tag().id() == f.id()),
                    None => dst_readonly_position(dst, &changes)?,
                };
                let Some(pos) = pos else { return Err(e) };
                let c = changes.remove(pos);
                copied.remove(pos);
                problems.push(Problem {
                    tag: c.tag(),
                    scode: e.scode(),
                    detail: format!("not copied: {e}"),
                });
            }
            Err(e) => return Err(e),
        }
    }
}

/// The first change whose property the destination refuses to write.
fn dst_readonly_position(dst: Side<'_>, changes: &[PropChange]) -> Result<Option<usize>> {
    for (i, c) in changes.iter().enumerate() {
        if dst.engine.check_writable(dst.key, c.tag()).is_err() {
            return Ok(Some(i));
        }
    }
    Ok(None)
}

/// Reads a PT_BINARY value of `key` into a spill: memory up to
/// [`Spill::MEMORY_MAX`], a temporary file past it.
fn read_spill(engine: Ctx<'_>, key: NodeKey, tag: PropTag) -> Result<Spill> {
    let mut opened = engine.open_read(key, tag)?;
    // The reader reads the object's compound file: hold it for the copy.
    let _lease = match opened.file {
        Some(f) => Some(engine.lease(f)?),
        None => None,
    };
    let ctx = |e| Error::io(e, format!("copying {tag}"));
    let mut buf = Vec::new();
    let mut chunk = [0u8; 64 * 1024];
    loop {
        let n = opened.reader.read(&mut chunk).map_err(ctx)?;
        if n == 0 {
            return Ok(Spill::Memory(buf));
        }
        buf.extend_from_slice(&chunk[..n]);
        if buf.len() > Spill::MEMORY_MAX {
            let mut f = tempfile::NamedTempFile::new().map_err(ctx)?;
            f.write_all(&buf).map_err(ctx)?;
            let rest = std::io::copy(&mut opened.reader, &mut f).map_err(ctx)?;
            f.flush().map_err(ctx)?;
            return Ok(Spill::File {
                file: f,
                len: buf.len() as u64 + rest,
            });
        }
    }
}

/// Copies the recipient rows; returns whether they were copied.
fn copy_recipients(
    src: Side<'_>,
    dst: Side<'_>,
    _spec: &CopySpec,
    s: &Sides,
    names: &mut NameRemap,
    problems: &mut Vec<Problem>,
) -> Result<bool> {
    let existing = dst.engine.recipient_rows(dst.key)?;
    let rows = src.engine.recipient_rows(src.key)?;
    if _spec.no_replace && !existing.is_empty() {
        return Ok(false);
    }
    let mut changes: Vec<RowChange> = existing.into_iter().map(|(n, _)| RowChange::Remove(n)).collect();
    for (_, props) in rows {
        let mut out = Vec::with_capacity(props.len());
        for (tag, v) in props {
            if tag.id() == 0x3000 || matches!(v.prop_type(), PropType::OBJECT | PropType::NULL) {
                continue;
            }
            let Some(dtag) = names.map(src, dst, s.same_file, tag, problems)? else {
                continue;
            };
            out.push(portable(dtag, v));
        }
        changes.push(RowChange::Add(out));
    }
    dst.engine.modify_recipients(dst.key, changes)?;
    Ok(true)
}

/// The embedded message (copied deeply) or OLE storage of an attachment.
fn copy_attachment_object(src: Side<'_>, dst: Side<'_>, problems: &mut Vec<Problem>) -> Result<()> {
    if src.engine.has_embedded(src.key)? {
        let se = Opened {
            engine: src.engine.engine,
            key: src.engine.open_embedded(src.key, false)?,
        };
        let de = Opened {
            engine: dst.engine.engine,
            key: dst.engine.open_embedded(dst.key, true)?,
        };
        copy_inner(
            Side {
                engine: src.engine,
                key: se.key,
            },
            Side {
                engine: dst.engine,
                key: de.key,
            },
            &CopySpec::default(),
            false,
            problems,
        )?;
        dst.engine.commit_child(de.key)?;
        return Ok(());
    }
    if let Some(image) = src.engine.read_object_storage(src.key)? {
        dst.engine.set_object_storage(dst.key, image)?;
        // The storage is copied whole; the method stays the source's (a
        // storage under another method than ATTACH_OLE is kept as it is).
        if let Some(m) = src.engine.get_value(src.key, crate::prop::tags::ATTACH_METHOD.tag())? {
            dst.engine.change_props(
                dst.key,
                vec![PropChange::Set(crate::prop::tags::ATTACH_METHOD.tag(), m)],
            )?;
        }
    }
    Ok(())
}
