//! Named properties on messages, attachments and recipients: MAPI's
//! `IMAPIProp::GetIDsFromNames` and `IMAPIProp::GetNamesFromIDs`, and typed
//! access through [`NamedTag`]s.
//!
//! The name-to-id map of a .msg lives only in the top-level message's
//! `__nameid_version1.0` storage (MS-OXMSG 2.2.3): attachments, recipients
//! and embedded messages all use the map of the file they belong to. Every
//! open object of one file shares that file's state, so they resolve names
//! through one map.
//!
//! The map is read on first use. Saving a message whose map did not change
//! copies the storage byte for byte; a map that gained entries keeps every
//! existing entry (and its id) unchanged and appends the new ones.

use std::io::SeekFrom;

use crate::access::{Access, ReadWrite};
use crate::arena::Key;
use crate::attach::Attachment;
use crate::error::{Error, Result};
use crate::format::nameid::{NameMap, MAX_ENTRIES};
use crate::format::names;
use crate::message::Message;
use crate::prop::named::{NamedProp, NamedTag, PropName, PS_MAPI};
use crate::prop::{PropKind, PropTag, PropType, PropValue, Tag};
use crate::store::{load, FileState, Inner, Node, NodeKey};

/// The first property id of the named range.
const FIRST_NAMED_ID: u16 = 0x8000;

/// The id MAPI gives a `PS_MAPI` numeric name without a map entry: the LID
/// itself, when it is a tagged property id (`1..0x8000`).
fn ps_mapi_direct(name: &NamedProp) -> Option<u16> {
    match name.name {
        PropName::Id(lid) if name.guid == PS_MAPI && (1..u32::from(FIRST_NAMED_ID)).contains(&lid) => Some(lid as u16),
        _ => None,
    }
}

/// A key under which two names that MAPI resolves to the same property are
/// equal (internet-header names compare case-insensitively).
fn fold(name: &NamedProp) -> NamedProp {
    match &name.name {
        PropName::String(s) if name.is_internet_header() => NamedProp::string(name.guid, s.to_lowercase()),
        _ => name.clone(),
    }
}

/// Reads the map of a file: from its `__nameid_version1.0` storage when the
/// file has one, else an empty map. Returns the warnings of the parse.
fn read_name_map(fs: &mut FileState) -> Result<(NameMap, Vec<String>)> {
    let max_entries = u64::from(fs.options.limits.max_named_entries);
    let max_value = fs.options.limits.max_value_bytes;
    let Some(store) = fs.store.as_deref_mut() else {
        return Ok((NameMap::new(), Vec::new()));
    };
    let storage = names::join("/", names::NAMEID);
    let mut warnings = Vec::new();
    match store.entry(&storage) {
        Err(_) => return Ok((NameMap::new(), Vec::new())),
        Ok(e) if e.is_stream => {
            warnings.push(format!(
                "{storage} is a stream, not a storage; the file has no readable named properties"
            ));
            return Ok((NameMap::new(), warnings));
        }
        Ok(_) => {}
    }
    let children = store
        .children(&storage)
        .map_err(|e| Error::from_cfb(e, &storage, "listing the named-property storage"))?;
    let mut read = |stream: &str, max: u64, limit: &'static str| -> Result<Vec<u8>> {
        let Some(info) = children
            .iter()
            .find(|c| c.is_stream && c.name.eq_ignore_ascii_case(stream))
        else {
            warnings.push(format!("{storage}: no {stream} stream; read as empty"));
            return Ok(Vec::new());
        };
        let path = names::join(&storage, &info.name);
        if limit == "max_named_entries" {
            let len = store
                .open_read(&path)
                .and_then(|mut s| s.seek(SeekFrom::End(0)))
                .map_err(|e| Error::from_cfb(e, &path, "reading the named-property entries"))?;
            if len / 8 > max_entries {
                return Err(Error::LimitExceeded {
                    limit,
                    value: len / 8,
                    max: max_entries,
                    path,
                });
            }
        }
        load::read_stream(store, &path, max, limit)
    };
    let guids = read(names::NAMEID_GUIDS, max_value, "max_value_bytes")?;
    let entries = read(names::NAMEID_ENTRIES, max_entries * 8 + 7, "max_named_entries")?;
    let strings = read(names::NAMEID_STRINGS, max_value, "max_value_bytes")?;
    let (map, parse_warnings) = NameMap::parse(&guids, &entries, &strings);
    warnings.extend(parse_warnings.into_iter().map(|w| format!("{storage}: {w}")));
    Ok((map, warnings))
}

impl Inner {
    /// The file an object belongs to.
    fn names_file(&self, key: NodeKey) -> Result<Key<FileState>> {
        self.check_live(key)?;
        Ok(match self.node(key)? {
            Node::Message(m) => m.file,
            Node::Attachment(a) => a.file,
        })
    }

    /// The named-property map of the file that object `key` belongs to,
    /// read from the file on first use. Parse warnings become warnings of
    /// the file's top-level message.
    pub(crate) fn name_map(&mut self, key: NodeKey) -> Result<&mut NameMap> {
        let fkey = self.names_file(key)?;
        let gone = || Error::ObjectDeleted {
            what: "the message's file".into(),
        };
        let fs = self.files.get_mut(fkey).ok_or_else(gone)?;
        if fs.names.is_none() {
            let (map, warnings) = read_name_map(fs)?;
            if let (true, Some(first)) = (fs.options.strict, warnings.first()) {
                return Err(Error::corrupt(names::join("/", names::NAMEID), first.clone()));
            }
            fs.names = Some(map);
            if !warnings.is_empty() {
                let top = self.nodes.keys().find(
                    |&k| matches!(self.nodes.get(k), Some(Node::Message(m)) if m.parent.is_none() && m.file == fkey),
                );
                if let Some(Some(Node::Message(m))) = top.map(|k| self.nodes.get_mut(k)) {
                    m.state.origin.warnings.extend(warnings);
                }
            }
        }
        let fs = self.files.get_mut(fkey).ok_or_else(gone)?;
        Ok(fs.names.get_or_insert_with(NameMap::new))
    }

    /// The id `name` resolves to, without creating a mapping.
    pub(crate) fn resolve_name(&mut self, key: NodeKey, name: &NamedProp) -> Result<Option<u16>> {
        let map = self.name_map(key)?;
        Ok(map.id_of(name).or_else(|| ps_mapi_direct(name)))
    }

    /// GetIDsFromNames. With `create`, unmapped names are appended to the
    /// map (all or none: the capacity is checked first).
    pub(crate) fn ids_from_names(
        &mut self,
        key: NodeKey,
        names: &[NamedProp],
        create: bool,
        writable: bool,
    ) -> Result<Vec<u16>> {
        if create && !writable {
            return Err(Error::NoAccess {
                detail:
                    "creating named-property mappings (GetIDsFromNames with MAPI_CREATE) needs a read-write message"
                        .into(),
            });
        }
        let max = (self.limits(key).max_named_entries as usize).min(MAX_ENTRIES);
        let fkey = self.names_file(key)?;
        let map = self.name_map(key)?;
        let found: Vec<Option<u16>> = names
            .iter()
            .map(|n| map.id_of(n).or_else(|| ps_mapi_direct(n)))
            .collect();
        let Some(first_missing) = found.iter().position(Option::is_none) else {
            return Ok(found.into_iter().flatten().collect());
        };
        if !create {
            return Err(Error::NameNotMapped {
                what: names[first_missing].to_string(),
            });
        }
        let mut new: Vec<NamedProp> = names
            .iter()
            .zip(&found)
            .filter(|(_, f)| f.is_none())
            .map(|(n, _)| fold(n))
            .collect();
        new.sort();
        new.dedup();
        if map.len() + new.len() > max {
            return Err(Error::NameMapFull);
        }
        let mut out = Vec::with_capacity(names.len());
        for (n, f) in names.iter().zip(found) {
            match f {
                Some(id) => out.push(id),
                None => out.push(map.get_or_insert(n).ok_or(Error::NameMapFull)?),
            }
        }
        if let Some(fs) = self.files.get_mut(fkey) {
            fs.names_dirty = true;
        }
        Ok(out)
    }

    /// GetNamesFromIDs.
    pub(crate) fn names_from_ids(&mut self, key: NodeKey, ids: &[u16]) -> Result<Vec<NamedProp>> {
        let map = self.name_map(key)?;
        ids.iter()
            .map(|&id| {
                if (1..FIRST_NAMED_ID).contains(&id) {
                    return Ok(NamedProp::id(PS_MAPI, u32::from(id)));
                }
                map.name_of(id).cloned().ok_or_else(|| Error::NameNotMapped {
                    what: format!("property id 0x{id:04X}"),
                })
            })
            .collect()
    }

    /// GetNamesFromIDs(NULL): every mapping, in id order.
    pub(crate) fn named_props(&mut self, key: NodeKey) -> Result<Vec<(u16, NamedProp)>> {
        Ok(self.name_map(key)?.iter().map(|(id, n)| (id, n.clone())).collect())
    }
}

/// The named-property methods of a handle type with `session: &Session`
/// and `key: NodeKey` fields, for both access modes and for read-write.
macro_rules! named_methods {
    ($ty:ident, $what:literal) => {
        impl<'s, A: Access> $ty<'s, A> {
            /// The names of property ids: for each id in `ids`, the
            /// [`NamedProp`] it is mapped to in the message file's
            /// named-property map (the top-level message's, also for
            /// attachments, recipients and embedded messages).
            ///
            /// An id below 0x8000 is not in the map; as in MAPI, its name is
            /// [`PS_MAPI`](crate::named::PS_MAPI) with the id as LID.
            ///
            /// ```
            /// # use oxmsg::{named, Session};
            /// # let session = Session::new();
            /// # let msg = session.create_in_memory()?;
            /// let ids = msg.ids_from_names(&[named::LOCATION.name()], true)?;
            /// assert_eq!(msg.names_from_ids(&ids)?, vec![named::LOCATION.name()]);
            /// # Ok::<(), oxmsg::Error>(())
            /// ```
            ///
            /// # Errors
            /// [`Error::NameNotMapped`] naming the first id (in hex) that
            /// has no name: 0, or an id of 0x8000 and above that the map does
            /// not hold (or holds as an unreadable entry);
            /// [`Error::CorruptData`] / [`Error::LimitExceeded`] when the map
            /// cannot be read from the file (see
            /// [`Limits::max_named_entries`](crate::Limits::max_named_entries));
            /// [`Error::ObjectDeleted`].
            ///
            /// # MAPI
            #[doc = concat!("`IMAPIProp::GetNamesFromIDs` on ", $what, ". MAPI returns a NULL")]
            /// name for an unknown id and `MAPI_W_ERRORS_RETURNED`; oxmsg
            /// fails the whole call.
            pub fn names_from_ids(&self, ids: &[u16]) -> Result<Vec<NamedProp>> {
                self.session.inner.borrow_mut().names_from_ids(self.key, ids)
            }

            /// Every mapping of the message file's named-property map, in id
            /// order: `(property id, name)`. Entries that could not be read
            /// are left out (see [`Self::warnings`] of the top-level message).
            ///
            /// # Errors
            /// As [`Self::names_from_ids`], for a map that cannot be read.
            ///
            /// # MAPI
            #[doc = concat!("`IMAPIProp::GetNamesFromIDs` on ", $what, " with a NULL tag array")]
            /// (all names, no property-set filter, no flags).
            pub fn named_props(&self) -> Result<Vec<(u16, NamedProp)>> {
                self.session.inner.borrow_mut().named_props(self.key)
            }

            /// The property ids of `names`, in order; with `create`, names
            /// that are not mapped yet are added to the file's map (kept in
            /// memory, written by the top-level message's save).
            ///
            /// Names in [`PS_INTERNET_HEADERS`](crate::named::PS_INTERNET_HEADERS)
            /// compare case-insensitively and are stored lower-cased; others
            /// compare exactly. A numeric [`PS_MAPI`](crate::named::PS_MAPI)
            /// name with a LID below 0x8000 that the file does not map is the
            /// LID itself, as in MAPI.
            ///
            /// The map belongs to the whole file, so the id is also the one
            /// to use on recipients: read a recipient's named property with
            /// `recipient.get_value(PropTag::new(id, type))` (or
            /// [`Self::resolve_named`] and `recipient.get`), and set one with
            /// `modify_recipients` and that tag.
            ///
            /// ```
            /// # use oxmsg::{named, Session};
            /// # let session = Session::new();
            /// # let msg = session.create_in_memory()?;
            /// let name = named::NamedProp::string(named::PS_PUBLIC_STRINGS, "Project");
            /// assert!(msg.ids_from_names(&[name.clone()], false).is_err());
            /// let ids = msg.ids_from_names(&[name.clone()], true)?;
            /// assert!(ids[0] >= 0x8000);
            /// assert_eq!(msg.ids_from_names(&[name], false)?, ids);
            /// # Ok::<(), oxmsg::Error>(())
            /// ```
            ///
            /// # Errors
            /// [`Error::NameNotMapped`] naming the first unmapped name when
            /// `create` is false; [`Error::NoAccess`] when `create` is true
            /// on a read-only handle; [`Error::NameMapFull`] when the new
            /// names do not fit (0x7FFF entries, or
            /// [`Limits::max_named_entries`](crate::Limits::max_named_entries)),
            /// in which case none is added; errors reading the map as in
            /// [`Self::names_from_ids`].
            ///
            /// # MAPI
            #[doc = concat!("`IMAPIProp::GetIDsFromNames` on ", $what, ", with `MAPI_CREATE` when")]
            /// `create`. The ids come without a type (MAPI returns
            /// `PT_UNSPECIFIED` tags). MAPI reports an unknown name as
            /// `PROP_TAG(PT_ERROR, 0)` with `MAPI_W_ERRORS_RETURNED`; oxmsg
            /// fails the whole call. As in MAPI, `MAPI_CREATE` needs write
            /// access.
            pub fn ids_from_names(&self, names: &[NamedProp], create: bool) -> Result<Vec<u16>> {
                self.session
                    .inner
                    .borrow_mut()
                    .ids_from_names(self.key, names, create, A::WRITABLE)
            }

            /// The typed tag that a named tag resolves to in this message
            /// file, or `None` when the file does not map its name (so no
            /// object of the file has the property). Use it to read named
            /// properties of recipient rows: `recipient.get(tag)`.
            ///
            /// # Errors
            /// Errors reading the map, as in [`Self::names_from_ids`].
            ///
            /// # MAPI
            #[doc = concat!("`IMAPIProp::GetIDsFromNames` on ", $what, " without `MAPI_CREATE`,")]
            /// with the type of `tag` ORed in.
            pub fn resolve_named<K: PropKind>(&self, tag: NamedTag<K>) -> Result<Option<Tag<K>>> {
                let id = self.session.inner.borrow_mut().resolve_name(self.key, &tag.name())?;
                Ok(id.map(Tag::new))
            }

            /// The value of a typed named property, or `None` when the
            /// object does not have it (or the file does not map its name).
            ///
            /// ```
            /// # use oxmsg::{named, Session};
            /// # let session = Session::new();
            /// # let msg = session.create_in_memory()?;
            /// msg.set_named(named::KEYWORDS, vec!["Blue".to_string()])?;
            /// assert_eq!(msg.get_named(named::KEYWORDS)?, Some(vec!["Blue".to_string()]));
            /// assert_eq!(msg.get_named(named::LOCATION)?, None);
            /// # Ok::<(), oxmsg::Error>(())
            /// ```
            ///
            /// # Errors
            /// [`Error::BadValue`] when the property is stored with another
            /// type that does not convert; errors reading the map or the
            /// value (as [`Self::get`]).
            ///
            /// # MAPI
            #[doc = concat!("`IMAPIProp::GetIDsFromNames` (no `MAPI_CREATE`), then `IMAPIProp::GetProps` on ", $what, ".")]
            pub fn get_named<K: PropKind>(&self, tag: NamedTag<K>) -> Result<Option<K::Value>> {
                match self.resolve_named(tag)? {
                    Some(t) => self.get(t),
                    None => Ok(None),
                }
            }

            /// The value of any named property, or `None` when absent (or
            /// not mapped). `ptype` selects the type as in
            /// [`Self::get_value`]: PT_STRING8 and PT_UNICODE find each
            /// other, PT_UNSPECIFIED finds any type.
            ///
            /// # Errors
            /// As [`Self::get_named`].
            ///
            /// # MAPI
            #[doc = concat!("`IMAPIProp::GetIDsFromNames` (no `MAPI_CREATE`), then `IMAPIProp::GetProps` on ", $what, ".")]
            pub fn get_named_value(&self, name: &NamedProp, ptype: PropType) -> Result<Option<PropValue>> {
                let id = self.session.inner.borrow_mut().resolve_name(self.key, name)?;
                match id {
                    Some(id) => self.get_value(PropTag::new(id, ptype)),
                    None => Ok(None),
                }
            }
        }

        impl<'s> $ty<'s, ReadWrite> {
            /// The typed tag of a named tag in this message file, adding
            /// the name to the file's map when it is not mapped yet. Use it
            /// to set named properties of recipient rows through
            /// `modify_recipients`.
            ///
            /// # Errors
            /// [`Error::NameMapFull`]; errors reading the map, as in
            /// [`Self::names_from_ids`].
            ///
            /// # MAPI
            #[doc = concat!("`IMAPIProp::GetIDsFromNames(…, MAPI_CREATE, …)` on ", $what, ",")]
            /// with the type of `tag` ORed in.
            pub fn map_named<K: PropKind>(&self, tag: NamedTag<K>) -> Result<Tag<K>> {
                let ids = self.ids_from_names(&[tag.name()], true)?;
                Ok(Tag::new(ids[0]))
            }

            /// Sets a typed named property, mapping its name first when
            /// needed; the value's type is checked at compile time.
            ///
            /// ```
            /// # use oxmsg::{named, Session};
            /// # let session = Session::new();
            /// # let msg = session.create_in_memory()?;
            /// msg.set_named(named::LOCATION, "Room 4")?;
            /// assert_eq!(msg.get_named(named::LOCATION)?.as_deref(), Some("Room 4"));
            /// # Ok::<(), oxmsg::Error>(())
            /// ```
            ///
            /// # Errors
            /// [`Error::NameMapFull`]; as [`Self::set`].
            ///
            /// # MAPI
            #[doc = concat!("`IMAPIProp::GetIDsFromNames(…, MAPI_CREATE, …)`, then `IMAPIProp::SetProps` on ", $what, ".")]
            pub fn set_named<K: PropKind>(&self, tag: NamedTag<K>, value: impl Into<K::Value>) -> Result<()> {
                let t = self.map_named(tag)?;
                self.set(t, value)
            }

            /// Sets any named property, mapping its name first when needed;
            /// the property's type is the value's.
            ///
            /// # Errors
            /// As [`Self::set_named`] and [`Self::set_value`].
            ///
            /// # MAPI
            #[doc = concat!("`IMAPIProp::GetIDsFromNames(…, MAPI_CREATE, …)`, then `IMAPIProp::SetProps` on ", $what, ".")]
            pub fn set_named_value(&self, name: &NamedProp, value: PropValue) -> Result<()> {
                let ids = self.ids_from_names(std::slice::from_ref(name), true)?;
                self.set_value(PropTag::new(ids[0], value.prop_type()), value)
            }

            /// Deletes a named property (every type of its id); `Ok(false)`
            /// when the object does not have it or the name is not mapped.
            /// The mapping itself stays: MAPI never removes names from a map.
            ///
            /// # Errors
            /// As [`Self::delete`]; errors reading the map.
            ///
            /// # MAPI
            #[doc = concat!("`IMAPIProp::GetIDsFromNames` (no `MAPI_CREATE`), then `IMAPIProp::DeleteProps` on ", $what, ".")]
            pub fn delete_named(&self, name: impl Into<NamedProp>) -> Result<bool> {
                let name = name.into();
                let id = self.session.inner.borrow_mut().resolve_name(self.key, &name)?;
                match id {
                    Some(id) => self.delete(PropTag::new(id, PropType::UNSPECIFIED)),
                    None => Ok(false),
                }
            }
        }
    };
}

named_methods!(Message, "the message");
named_methods!(Attachment, "the attachment");
