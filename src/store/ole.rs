//! OLE-object attachments (ATTACH_OLE): the storage in PR_ATTACH_DATA_OBJ
//! (`__substg1.0_3701000D`) holds the object's own storage, CLSID included
//! (MS-OXMSG 2.2.2.1). oxmsg keeps a given one whole as a [`StorageImage`]
//! and writes it back as it came: streams, sub-storages, CLSIDs, state bits.
//!
//! MAPI: `OpenProperty(PR_ATTACH_DATA_OBJ, IID_IStorage, …, MAPI_CREATE)`.

use std::io::{Read, Write};
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::format::names;
use crate::options::Limits;
use crate::prop::{tags, Guid, PropAttr, PropTag, PropType, PropValue};

use super::backing::StoreView;
use super::engine::Ctx;
use super::save::Writer;
use super::state::{PropEntry, Val};
use super::NodeKey;

/// PR_ATTACH_METHOD ATTACH_OLE.
pub(crate) const ATTACH_OLE: i32 = 6;

/// A storage held in memory: its class, state bits and children.
#[derive(Clone, Debug, Default)]
pub(crate) struct StorageImage {
    pub(crate) clsid: Guid,
    pub(crate) state_bits: u32,
    pub(crate) children: Vec<(String, ImageNode)>,
}

/// A child of a [`StorageImage`].
#[derive(Clone, Debug)]
pub(crate) enum ImageNode {
    Stream(Vec<u8>),
    Storage(StorageImage),
}

impl StorageImage {
    /// The bytes of every stream inside.
    pub(crate) fn len(&self) -> u64 {
        self.children
            .iter()
            .map(|(_, c)| match c {
                ImageNode::Stream(b) => b.len() as u64,
                ImageNode::Storage(s) => s.len(),
            })
            .sum()
    }
}

/// Reads the storage at `path` of `store` whole, within `limits`
/// (max_value_bytes for all its streams together, max_depth levels,
/// max_children entries per storage).
pub(crate) fn read_image(store: &mut StoreView<'_, '_>, path: &str, limits: &Limits) -> Result<StorageImage> {
    let mut budget = limits.max_value_bytes;
    read_level(store, path, limits, 0, &mut budget)
}

fn read_level(
    store: &mut StoreView<'_, '_>,
    path: &str,
    limits: &Limits,
    depth: u32,
    budget: &mut u64,
) -> Result<StorageImage> {
    if depth > limits.max_depth {
        return Err(Error::LimitExceeded {
            limit: "max_depth",
            value: u64::from(depth),
            max: u64::from(limits.max_depth),
            path: path.to_string(),
        });
    }
    let info = store
        .entry(path)
        .map_err(|e| Error::from_cfb(e, path, "reading a storage"))?;
    let children = store
        .children(path)
        .map_err(|e| Error::from_cfb(e, path, "listing a storage"))?;
    if children.len() as u64 > u64::from(limits.max_children) {
        return Err(Error::LimitExceeded {
            limit: "max_children",
            value: children.len() as u64,
            max: u64::from(limits.max_children),
            path: path.to_string(),
        });
    }
    let mut out = StorageImage {
        clsid: info.clsid,
        state_bits: info.state_bits,
        children: Vec::with_capacity(children.len()),
    };
    for c in children {
        let p = names::join(path, &c.name);
        let node = if c.is_stream {
            let mut r = store
                .open_read(&p)
                .map_err(|e| Error::from_cfb(e, &p, "opening a stream"))?;
            let mut bytes = Vec::new();
            (&mut r)
                .take(budget.saturating_add(1))
                .read_to_end(&mut bytes)
                .map_err(|e| Error::from_cfb(e, &p, "reading a stream"))?;
            if bytes.len() as u64 > *budget {
                return Err(Error::LimitExceeded {
                    limit: "max_value_bytes",
                    value: bytes.len() as u64,
                    max: *budget,
                    path: p,
                });
            }
            *budget -= bytes.len() as u64;
            ImageNode::Stream(bytes)
        } else {
            ImageNode::Storage(read_level(store, &p, limits, depth + 1, budget)?)
        };
        out.children.push((c.name, node));
    }
    Ok(out)
}

/// `image` as a compound file of its own, the image's storage as its root
/// (CLSID and state bits included): what `IStorage::CopyTo` into a new
/// storage file gives.
pub(crate) fn image_to_compound_file(image: &StorageImage) -> Result<Vec<u8>> {
    fn level<F: std::io::Read + Write + std::io::Seek>(
        cf: &mut cfb::CompoundFile<F>,
        path: &str,
        image: &StorageImage,
    ) -> std::io::Result<()> {
        if image.clsid != Guid::default() {
            cf.set_storage_clsid(path, image.clsid.into())?;
        }
        if image.state_bits != 0 {
            cf.set_state_bits(path, image.state_bits)?;
        }
        for (name, node) in &image.children {
            let p = names::join(path, name);
            match node {
                ImageNode::Stream(bytes) => {
                    let mut w = cf.create_stream(&p)?;
                    w.write_all(bytes)?;
                    w.flush()?;
                }
                ImageNode::Storage(s) => {
                    cf.create_storage(&p)?;
                    level(cf, &p, s)?;
                }
            }
        }
        Ok(())
    }
    let err = |e: std::io::Error| Error::io(e, "writing the OLE object as a compound file");
    let mut cf =
        cfb::CompoundFile::create_with_version(cfb::Version::V3, std::io::Cursor::new(Vec::new())).map_err(err)?;
    level(&mut cf, "/", image).map_err(err)?;
    cf.flush().map_err(err)?;
    Ok(cf.into_inner().into_inner())
}

impl Writer<'_> {
    /// Writes `image` as the storage `path` (created here).
    pub(crate) fn write_image(&mut self, path: &str, image: &StorageImage) -> Result<()> {
        let err = |e: std::io::Error| Error::io(e, format!("writing {path}"));
        self.out.create_storage(path).map_err(err)?;
        if image.clsid != Guid::default() {
            self.out.set_clsid(path, image.clsid).map_err(err)?;
        }
        if image.state_bits != 0 {
            self.out.set_state_bits(path, image.state_bits).map_err(err)?;
        }
        for (name, node) in &image.children {
            let p = names::join(path, name);
            match node {
                ImageNode::Stream(bytes) => {
                    let mut w = self
                        .out
                        .create_stream(&p)
                        .map_err(|e| Error::io(e, format!("writing {p}")))?;
                    w.write_all(bytes)
                        .and_then(|_| w.flush())
                        .map_err(|e| Error::io(e, format!("writing {p}")))?;
                    self.written += bytes.len() as u64;
                }
                ImageNode::Storage(s) => self.write_image(&p, s)?,
            }
        }
        Ok(())
    }
}

impl Ctx<'_> {
    /// The OLE storage of attachment `att` (PR_ATTACH_DATA_OBJ that holds
    /// no message), read whole; `None` when it has none.
    pub(crate) fn read_object_storage(&self, att: NodeKey) -> Result<Option<Arc<StorageImage>>> {
        let tag = PropTag::new(tags::ATTACH_DATA_BIN.id(), PropType::OBJECT);
        let (val, path, file, limits) = {
            let st = self.state()?;
            let a = st.attachment(att)?;
            if a.state.embedded.is_some() {
                return Ok(None);
            }
            let Some(e) = a.state.props.map.get(&tag.0) else {
                return Ok(None);
            };
            let path = a.state.origin.source.as_ref().map(|s| s.path.clone());
            (e.val.clone(), path, a.file, st.limits(att))
        };
        match val {
            Val::Storage(img) => Ok(Some(img)),
            Val::StoredObject => {
                let Some(path) = path else { return Ok(None) };
                let mut lease = self.lease(file)?;
                let p = names::join(&path, names::ATTACH_DATA_OBJ);
                Ok(Some(Arc::new(read_image(&mut lease.store(), &p, &limits)?)))
            }
            _ => Ok(None),
        }
    }

    /// Makes attachment `att` an OLE object (ATTACH_OLE) holding `image`;
    /// an embedded message it held is dropped; PR_ATTACH_DATA_BIN too.
    pub(crate) fn set_object_storage(&self, att: NodeKey, image: Arc<StorageImage>) -> Result<()> {
        let mut st = self.state()?;
        st.check_live(att)?;
        if st.attachment(att)?.open_embedded.is_some() {
            return Err(Error::InvalidParameter {
                detail: "the attachment's embedded message is open; close it before replacing it".into(),
            });
        }
        let len = image.len();
        let a = st.attachment_mut(att)?;
        a.state.embedded = None;
        let props = &mut a.state.props;
        props.remove_id(tags::ATTACH_DATA_BIN.id());
        let tag = PropTag::new(tags::ATTACH_DATA_BIN.id(), PropType::OBJECT);
        props.map.insert(
            tag.0,
            PropEntry {
                tag,
                flags: PropAttr::DEFAULT.0,
                val: Val::Storage(image),
            },
        );
        props.set(tags::ATTACH_METHOD.tag(), Val::Value(PropValue::Long(ATTACH_OLE)));
        props.set(
            tags::ATTACH_SIZE.tag(),
            Val::Value(PropValue::Long(len.min(i32::MAX as u64) as i32)),
        );
        Ok(())
    }
}
