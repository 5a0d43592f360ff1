//! `PropRead` and `PropWrite`: MAPI's `IMAPIProp` as a public trait pair,
//! so that generic code can take a message or an attachment alike. The
//! same methods are inherent on [`Message`] and [`Attachment`], so no import
//! is needed to call them there; import the traits to write
//! `fn dump(o: &impl PropRead)`.

use crate::access::{Access, ReadWrite};
use crate::attach::Attachment;
use crate::error::Result;
use crate::mapped::{AnyTag, MappedTag, NamedId, TypedTag};
use crate::message::Message;
use crate::prop::named::{NamedProp, NamedTag};
use crate::prop::{PropAttr, PropInput, PropKind, PropTag, PropType, PropValue};
use crate::stream::{PropStream, PropStreamMut};

mod sealed {
    pub trait Sealed {}
}

/// Reading the properties of a message or an attachment (MAPI's
/// `IMAPIProp` without the writes). Sealed: implemented by [`Message`] and
/// [`Attachment`] of any access.
///
/// ```
/// use oxmsg::{tags, PropRead, Session};
/// fn subject_or_name(o: &impl PropRead) -> oxmsg::Result<Option<String>> {
///     Ok(o.get(tags::SUBJECT)?.or(o.get(tags::DISPLAY_NAME)?))
/// }
/// let session = Session::new();
/// let msg = session.opener().create_in_memory()?;
/// msg.set(tags::SUBJECT, "Hi")?;
/// assert_eq!(subject_or_name(&msg)?.as_deref(), Some("Hi"));
/// # Ok::<(), oxmsg::Error>(())
/// ```
///
/// # MAPI
/// `IMAPIProp::GetProps`, `GetPropList`, `OpenProperty`, `GetIDsFromNames`,
/// `GetNamesFromIDs`; `GetAttribIMsgOnIStg`.
pub trait PropRead: sealed::Sealed {
    /// See [`Message::get`].
    fn get<K: PropKind>(&self, tag: impl TypedTag<K>) -> Result<Option<K::Value>>;
    /// See [`Message::get_value`].
    fn get_value(&self, tag: impl AnyTag) -> Result<Option<PropValue>>;
    /// See [`Message::props`].
    fn props(&self) -> Result<Vec<(PropTag, PropValue)>>;
    /// See [`Message::prop_list`].
    fn prop_list(&self) -> Result<Vec<PropTag>>;
    /// See [`Message::attributes`].
    fn attributes(&self, tag: impl AnyTag) -> Result<Option<PropAttr>>;
    /// See [`Message::open_stream`].
    fn open_stream(&self, tag: impl AnyTag) -> Result<PropStream<'_>>;
    /// See [`Message::raw_string8`].
    fn raw_string8(&self, tag: impl AnyTag) -> Result<Option<Vec<u8>>>;
    /// See [`Message::codepage`].
    fn codepage(&self) -> u32;
    /// See [`Message::warnings`].
    fn warnings(&self) -> Vec<crate::Warning>;
    /// See [`Message::names_from_ids`].
    fn names_from_ids(&self, ids: &[u16]) -> Result<Vec<NamedProp>>;
    /// See [`Message::named_props`].
    fn named_props(&self) -> Result<Vec<(u16, NamedProp)>>;
    /// See [`Message::ids_from_names`].
    fn ids_from_names(&self, names: &[NamedProp]) -> Result<Vec<NamedId>>;
    /// See [`Message::resolve_named`].
    fn resolve_named<K: PropKind>(&self, tag: NamedTag<K>) -> Result<Option<MappedTag<K>>>;
    /// See [`Message::get_named`].
    fn get_named<K: PropKind>(&self, tag: NamedTag<K>) -> Result<Option<K::Value>>;
    /// See [`Message::get_named_value`].
    fn get_named_value(&self, name: &NamedProp, ptype: PropType) -> Result<Option<PropValue>>;
}

/// Writing the properties of a read-write message or attachment. A
/// read-only handle does not implement it. Sealed.
///
/// # MAPI
/// `IMAPIProp::SetProps`, `DeleteProps`, `OpenProperty` with `MAPI_MODIFY`,
/// `GetIDsFromNames` with `MAPI_CREATE`; `SetAttribIMsgOnIStg`.
pub trait PropWrite: PropRead {
    /// See [`Message::set`].
    fn set<K: PropKind, V: PropInput<K>>(&self, tag: impl TypedTag<K>, value: V) -> Result<()>;
    /// See [`Message::set_value`].
    fn set_value(&self, tag: impl AnyTag, value: PropValue) -> Result<()>;
    /// See [`Message::delete`].
    fn delete(&self, tag: impl AnyTag) -> Result<bool>;
    /// See [`Message::set_attributes`].
    fn set_attributes(&self, tag: impl AnyTag, attr: PropAttr) -> Result<()>;
    /// See [`Message::open_stream_mut`].
    fn open_stream_mut(&self, tag: impl AnyTag) -> Result<PropStreamMut<'_>>;
    /// See [`Message::create_ids_from_names`].
    fn create_ids_from_names(&self, names: &[NamedProp]) -> Result<Vec<NamedId>>;
    /// See [`Message::map_named`].
    fn map_named<K: PropKind>(&self, tag: NamedTag<K>) -> Result<MappedTag<K>>;
    /// See [`Message::set_named`].
    fn set_named<K: PropKind, V: PropInput<K>>(&self, tag: NamedTag<K>, value: V) -> Result<()>;
    /// See [`Message::set_named_value`].
    fn set_named_value(&self, name: &NamedProp, value: PropValue) -> Result<()>;
    /// See [`Message::delete_named`].
    fn delete_named(&self, name: NamedProp) -> Result<bool>;
}

macro_rules! imapiprop {
    ($ty:ident) => {
        impl<A: Access> sealed::Sealed for $ty<'_, A> {}

        impl<A: Access> PropRead for $ty<'_, A> {
            fn get<K: PropKind>(&self, tag: impl TypedTag<K>) -> Result<Option<K::Value>> {
                $ty::get(self, tag)
            }
            fn get_value(&self, tag: impl AnyTag) -> Result<Option<PropValue>> {
                $ty::get_value(self, tag)
            }
            fn props(&self) -> Result<Vec<(PropTag, PropValue)>> {
                $ty::props(self)
            }
            fn prop_list(&self) -> Result<Vec<PropTag>> {
                $ty::prop_list(self)
            }
            fn attributes(&self, tag: impl AnyTag) -> Result<Option<PropAttr>> {
                $ty::attributes(self, tag)
            }
            fn open_stream(&self, tag: impl AnyTag) -> Result<PropStream<'_>> {
                $ty::open_stream(self, tag)
            }
            fn raw_string8(&self, tag: impl AnyTag) -> Result<Option<Vec<u8>>> {
                $ty::raw_string8(self, tag)
            }
            fn codepage(&self) -> u32 {
                $ty::codepage(self)
            }
            fn warnings(&self) -> Vec<crate::Warning> {
                $ty::warnings(self)
            }
            fn names_from_ids(&self, ids: &[u16]) -> Result<Vec<NamedProp>> {
                $ty::names_from_ids(self, ids)
            }
            fn named_props(&self) -> Result<Vec<(u16, NamedProp)>> {
                $ty::named_props(self)
            }
            fn ids_from_names(&self, names: &[NamedProp]) -> Result<Vec<NamedId>> {
                $ty::ids_from_names(self, names)
            }
            fn resolve_named<K: PropKind>(&self, tag: NamedTag<K>) -> Result<Option<MappedTag<K>>> {
                $ty::resolve_named(self, tag)
            }
            fn get_named<K: PropKind>(&self, tag: NamedTag<K>) -> Result<Option<K::Value>> {
                $ty::get_named(self, tag)
            }
            fn get_named_value(&self, name: &NamedProp, ptype: PropType) -> Result<Option<PropValue>> {
                $ty::get_named_value(self, name, ptype)
            }
        }

        impl PropWrite for $ty<'_, ReadWrite> {
            fn set<K: PropKind, V: PropInput<K>>(&self, tag: impl TypedTag<K>, value: V) -> Result<()> {
                $ty::set(self, tag, value)
            }
            fn set_value(&self, tag: impl AnyTag, value: PropValue) -> Result<()> {
                $ty::set_value(self, tag, value)
            }
            fn delete(&self, tag: impl AnyTag) -> Result<bool> {
                $ty::delete(self, tag)
            }
            fn set_attributes(&self, tag: impl AnyTag, attr: PropAttr) -> Result<()> {
                $ty::set_attributes(self, tag, attr)
            }
            fn open_stream_mut(&self, tag: impl AnyTag) -> Result<PropStreamMut<'_>> {
                $ty::open_stream_mut(self, tag)
            }
            fn create_ids_from_names(&self, names: &[NamedProp]) -> Result<Vec<NamedId>> {
                $ty::create_ids_from_names(self, names)
            }
            fn map_named<K: PropKind>(&self, tag: NamedTag<K>) -> Result<MappedTag<K>> {
                $ty::map_named(self, tag)
            }
            fn set_named<K: PropKind, V: PropInput<K>>(&self, tag: NamedTag<K>, value: V) -> Result<()> {
                $ty::set_named(self, tag, value)
            }
            fn set_named_value(&self, name: &NamedProp, value: PropValue) -> Result<()> {
                $ty::set_named_value(self, name, value)
            }
            fn delete_named(&self, name: NamedProp) -> Result<bool> {
                $ty::delete_named(self, name)
            }
        }
    };
}

imapiprop!(Message);
imapiprop!(Attachment);
