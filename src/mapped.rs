//! Tags that remember where they were resolved. A named property's id is
//! only meaningful in the file whose named-property map gave it (MS-OXMSG
//! 2.2.3): the same id names an unrelated property in another file. Ids and
//! tags that come from a map ([`NamedId`], [`MappedTag`], [`MappedPropTag`])
//! carry their file, and using them on an object of another file is
//! [`Error::InvalidParameter`], never a read of the wrong property.

use std::marker::PhantomData;

use crate::error::{Error, Result};
use crate::prop::{PropKind, PropTag, PropType, Tag};
use crate::store::FileKey;

/// A file of a session: where a mapped id is valid. (Public only so that
/// the sealed [`AnyTag`] can name it; it cannot be named outside the crate.)
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct FileId {
    pub(crate) session: u64,
    pub(crate) file: FileKey,
}

pub(crate) mod sealed {
    use super::*;

    /// How a tag argument becomes a tag of the object it is used on.
    pub trait Resolve {
        /// The tag, after checking that it belongs to the file `here` gives.
        fn resolve(self, here: &dyn Fn() -> Result<FileId>) -> Result<PropTag>;
    }
}

fn check(at: FileId, here: &dyn Fn() -> Result<FileId>, tag: PropTag) -> Result<PropTag> {
    if here()? == at {
        Ok(tag)
    } else {
        Err(Error::InvalidParameter {
            detail: format!(
                "{tag} was mapped from a name in another file; named-property ids are only valid in the file \
                 whose map gave them (resolve the name again on this object)"
            ),
        })
    }
}

/// A tag argument: a [`PropTag`], a typed [`Tag`], or a tag mapped in a
/// file ([`MappedTag`], [`MappedPropTag`]), which is checked against the
/// object's file. Sealed.
pub trait AnyTag: sealed::Resolve {}

/// A typed tag argument of kind `K`: a [`Tag<K>`] or a [`MappedTag<K>`].
/// Sealed.
pub trait TypedTag<K: PropKind>: AnyTag {}

impl sealed::Resolve for PropTag {
    fn resolve(self, _: &dyn Fn() -> Result<FileId>) -> Result<PropTag> {
        Ok(self)
    }
}
impl AnyTag for PropTag {}

impl<K: PropKind> sealed::Resolve for Tag<K> {
    fn resolve(self, _: &dyn Fn() -> Result<FileId>) -> Result<PropTag> {
        Ok(self.tag())
    }
}
impl<K: PropKind> AnyTag for Tag<K> {}
impl<K: PropKind> TypedTag<K> for Tag<K> {}

/// A property id that a file's named-property map gave for a name
/// (MAPI's GetIDsFromNames); valid on the objects of that file only.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct NamedId {
    id: u16,
    at: FileId,
}

impl NamedId {
    pub(crate) fn new(id: u16, at: FileId) -> NamedId {
        NamedId { id, at }
    }
    /// The property id (0x8000 and above for a mapped name; the LID itself
    /// for a `PS_MAPI` name below 0x8000).
    pub fn id(self) -> u16 {
        self.id
    }
    /// The tag of this id with a type, still bound to its file.
    pub fn with_type(self, ptype: PropType) -> MappedPropTag {
        MappedPropTag {
            tag: PropTag::new(self.id, ptype),
            at: self.at,
        }
    }
}

/// A dynamic tag mapped from a name in one file.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct MappedPropTag {
    tag: PropTag,
    at: FileId,
}

impl MappedPropTag {
    /// The raw tag. It names the intended property only in the file it was
    /// mapped in: use it for recipient rows of that file.
    pub fn tag(self) -> PropTag {
        self.tag
    }
}

impl sealed::Resolve for MappedPropTag {
    fn resolve(self, here: &dyn Fn() -> Result<FileId>) -> Result<PropTag> {
        check(self.at, here, self.tag)
    }
}
impl AnyTag for MappedPropTag {}

/// A typed tag mapped from a named tag in one file
/// ([`Message::resolve_named`](crate::Message::resolve_named),
/// [`Message::map_named`](crate::Message::map_named)).
pub struct MappedTag<K: PropKind> {
    id: u16,
    at: FileId,
    _kind: PhantomData<fn() -> K>,
}

impl<K: PropKind> MappedTag<K> {
    pub(crate) fn new(id: u16, at: FileId) -> MappedTag<K> {
        MappedTag {
            id,
            at,
            _kind: PhantomData,
        }
    }
    /// The property id.
    pub fn id(self) -> u16 {
        self.id
    }
    /// The raw typed tag. It names the intended property only in the file it
    /// was mapped in: use it for recipient rows of that file.
    pub fn tag(self) -> Tag<K> {
        Tag::new(self.id)
    }
    /// The raw dynamic tag (with `K`'s type), for recipient rows of the
    /// file it was mapped in.
    pub fn prop_tag(self) -> PropTag {
        Tag::<K>::new(self.id).tag()
    }
}

impl<K: PropKind> Clone for MappedTag<K> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<K: PropKind> Copy for MappedTag<K> {}
impl<K: PropKind> std::fmt::Debug for MappedTag<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MappedTag({})", Tag::<K>::new(self.id).tag())
    }
}

impl<K: PropKind> sealed::Resolve for MappedTag<K> {
    fn resolve(self, here: &dyn Fn() -> Result<FileId>) -> Result<PropTag> {
        check(self.at, here, Tag::<K>::new(self.id).tag())
    }
}
impl<K: PropKind> AnyTag for MappedTag<K> {}
impl<K: PropKind> TypedTag<K> for MappedTag<K> {}
