//! IMAPIProp on any object of the session: reading values (from memory or
//! from the compound file, under a lease), opening them as streams, and the
//! setters, each one state borrow long.

use crate::error::{Error, Result};
use crate::format::{names, propstream};
use crate::options::Limits;
use crate::prop::{PropAttr, PropTag, PropValue};

use super::backing::ReadSeek;
use super::engine::{Ctx, FileKey};
use super::load;
use super::state::{Source, Spill, Val};
use super::{Inner, NodeKey};

/// Where a value comes from, decided under the state borrow.
enum Fetch {
    /// In memory already.
    Ready(PropValue),
    /// In the compound file: read under a lease.
    Stored {
        file: FileKey,
        source: Source,
        tag: PropTag,
        codepage: u32,
        limits: Limits,
    },
}

impl Inner {
    fn plan_fetch(&self, key: NodeKey, tag: PropTag) -> Result<Option<Fetch>> {
        let codepage = self.codepage(key);
        let (props, origin, file) = self.parts(key)?;
        let Some(e) = props.find(tag) else { return Ok(None) };
        let tag = e.tag;
        Ok(Some(match &e.val {
            Val::Value(v) => Fetch::Ready(v.clone()),
            Val::RawInline(raw) => Fetch::Ready(PropValue::Other {
                ptype: tag.prop_type(),
                bytes: raw.to_vec(),
            }),
            Val::StoredObject | Val::Storage(_) => Fetch::Ready(PropValue::Object),
            Val::Spilled(s) => {
                let bytes = s.to_vec().map_err(|e| Error::io(e, "reading a written stream"))?;
                Fetch::Ready(
                    propstream::decode_stream(tag.prop_type(), &bytes, codepage)
                        .map_err(|d| Error::corrupt(format!("written value {tag}"), d))?,
                )
            }
            Val::Stored | Val::StoredMv => Fetch::Stored {
                file,
                source: origin.stored_source("?", "a value")?,
                tag,
                codepage,
                limits: self
                    .files
                    .get(file)
                    .map(|f| f.options.limits.clone())
                    .unwrap_or_default(),
            },
        }))
    }
}

/// One change of [`Engine::change_props`].
#[derive(Clone)]
pub(crate) enum PropChange {
    Set(PropTag, PropValue),
    Delete(PropTag),
    /// A value given as the bytes of its stream (a copied attachment's data).
    SetSpilled(PropTag, std::sync::Arc<Spill>),
    /// A computed property oxmsg sets itself (PR_ATTACH_SIZE of written data).
    SetDerived(PropTag, PropValue),
    /// SetAttribIMsgOnIStg (after the value is set, as a copy carries them).
    SetAttributes(PropTag, PropAttr),
}

impl PropChange {
    /// The property changed.
    pub(crate) fn tag(&self) -> PropTag {
        match self {
            PropChange::Set(t, _)
            | PropChange::Delete(t)
            | PropChange::SetSpilled(t, _)
            | PropChange::SetDerived(t, _)
            | PropChange::SetAttributes(t, _) => *t,
        }
    }
}

impl Inner {
    /// Runs `f` on object `key`; when it fails, puts the object's
    /// properties back as they were.
    fn all_or_nothing(&mut self, key: NodeKey, f: impl FnOnce(&mut Inner) -> Result<()>) -> Result<()> {
        let before = self.props_mut(key)?.clone();
        let result = f(self);
        if result.is_err() {
            *self.props_mut(key)? = before;
        }
        result
    }

    fn apply(&mut self, key: NodeKey, changes: Vec<PropChange>) -> Result<()> {
        for c in changes {
            match c {
                PropChange::Set(tag, value) => self.set_value(key, tag, value)?,
                PropChange::Delete(tag) => {
                    self.delete(key, tag)?;
                }
                PropChange::SetSpilled(tag, spill) => self.set_spilled_shared(key, tag, spill)?,
                PropChange::SetDerived(tag, value) => self.set_derived(key, tag, value)?,
                PropChange::SetAttributes(tag, attr) => self.set_attributes(key, tag, attr)?,
            }
        }
        Ok(())
    }
}

/// A property opened for reading: the stored tag and a reader over its
/// bytes; `file` when the reader reads the compound file (and so must hold
/// a lease while it does).
pub(crate) struct OpenedValue<'a> {
    pub(crate) tag: PropTag,
    pub(crate) reader: Box<dyn ReadSeek + 'a>,
    pub(crate) file: Option<FileKey>,
}

impl<'a> Ctx<'a> {
    /// GetProps for one tag.
    pub(crate) fn get_value(&self, key: NodeKey, tag: PropTag) -> Result<Option<PropValue>> {
        let plan = self.state()?.plan_fetch(key, tag)?;
        match plan {
            None => Ok(None),
            Some(Fetch::Ready(v)) => Ok(Some(v)),
            Some(Fetch::Stored {
                file,
                source,
                tag,
                codepage,
                limits,
            }) => {
                let mut lease = self.lease(file)?;
                let located = source.located.as_deref();
                load::read_value(&mut lease.store(), &source.path, located, tag, codepage, &limits).map(Some)
            }
        }
    }

    /// GetPropList.
    pub(crate) fn prop_list(&self, key: NodeKey) -> Result<Vec<PropTag>> {
        self.state()?.prop_list(key)
    }

    /// GetAttribIMsgOnIStg.
    pub(crate) fn attributes(&self, key: NodeKey, tag: PropTag) -> Result<Option<PropAttr>> {
        self.state()?.attributes(key, tag)
    }

    /// SetAttribIMsgOnIStg.
    pub(crate) fn set_attributes(&self, key: NodeKey, tag: PropTag, attr: PropAttr) -> Result<()> {
        self.state()?.set_attributes(key, tag, attr)
    }

    /// SetProps for one value.
    pub(crate) fn set_value(&self, key: NodeKey, tag: PropTag, value: PropValue) -> Result<()> {
        self.state()?.set_value(key, tag, value)
    }

    /// DeleteProps for one tag.
    pub(crate) fn delete(&self, key: NodeKey, tag: PropTag) -> Result<bool> {
        self.state()?.delete(key, tag)
    }

    /// Commits a written stream, and `then` with it: all or nothing.
    pub(crate) fn set_spilled(&self, key: NodeKey, tag: PropTag, spill: Spill, then: Vec<PropChange>) -> Result<()> {
        let mut st = self.state()?;
        st.all_or_nothing(key, |st| {
            st.set_spilled(key, tag, spill)?;
            st.apply(key, then)
        })
    }

    /// Several SetProps and DeleteProps on one object, all or nothing: after
    /// an error the object's properties are exactly as before.
    pub(crate) fn change_props(&self, key: NodeKey, changes: Vec<PropChange>) -> Result<()> {
        let mut st = self.state()?;
        st.all_or_nothing(key, |st| st.apply(key, changes))
    }

    /// Refuses a write to `tag` before any byte is written (computed or
    /// read-only properties).
    pub(crate) fn check_writable(&self, key: NodeKey, tag: PropTag) -> Result<()> {
        let st = self.state()?;
        st.check_live(key)?;
        st.check_writable(key, tag)
    }

    /// OpenProperty(IID_IStream) for reading.
    pub(crate) fn open_read(&self, key: NodeKey, tag: PropTag) -> Result<OpenedValue<'a>> {
        let (etag, val, src, file) = {
            let st = self.state()?;
            let what = st.describe(key);
            let (props, origin, file) = st.parts(key)?;
            let e = props.find(tag).ok_or(Error::PropNotFound { tag, object: what })?;
            (
                e.tag,
                e.val.clone(),
                origin.source.as_ref().map(|s| s.path.clone()),
                file,
            )
        };
        let (reader, file): (Box<dyn ReadSeek + 'a>, _) = match &val {
            Val::Stored => {
                let path = names::join(src.as_deref().unwrap_or("/"), &names::value_stream(etag));
                let mut lease = self.lease(file)?;
                let r = lease
                    .store()
                    .open_read(&path)
                    .map_err(|e| Error::from_cfb(e, &path, "opening stream"))?;
                (r, Some(file))
            }
            Val::Spilled(s) => (s.reader().map_err(|e| Error::io(e, "reading a written stream"))?, None),
            Val::Value(v) => match propstream::encode_stream(v) {
                Some(bytes) => (Box::new(std::io::Cursor::new(bytes)), None),
                None => {
                    return Err(Error::NoSupport {
                        detail: format!("{etag} is not a stream property"),
                    })
                }
            },
            _ => {
                return Err(Error::NoSupport {
                    detail: format!("{etag} cannot be opened as a stream"),
                })
            }
        };
        Ok(OpenedValue {
            tag: etag,
            reader,
            file,
        })
    }

    /// The code page of PT_STRING8 values of `key`.
    pub(crate) fn codepage(&self, key: NodeKey) -> Result<u32> {
        Ok(self.state()?.codepage(key))
    }

    /// The warnings of `key`.
    pub(crate) fn warnings(&self, key: NodeKey) -> Result<Vec<crate::Warning>> {
        Ok(self.state()?.warnings(key))
    }
}

impl Ctx<'_> {
    /// The counter of open written streams of `key`.
    pub(crate) fn writers(&self, key: NodeKey) -> Result<super::OpenWriters> {
        self.state()?.writers(key)
    }
}
