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
//! The map and the GetIDsFromNames/GetNamesFromIDs logic live in
//! `store::named`; these are the handle methods.

/// The named-property methods of a handle type with `session: &Session`
/// and `key: NodeKey` fields, for both access modes and for read-write.
/// Invoked in the module of the type (so that compiler messages name the
/// type, not this module); that module imports what the methods name.
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
            /// # let msg = session.opener().create_in_memory()?;
            /// let ids = msg.create_ids_from_names(&[named::LOCATION.name()])?;
            /// assert_eq!(msg.names_from_ids(&[ids[0].id()])?, vec![named::LOCATION.name()]);
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
                self.ctx().names_from_ids(self.key, ids)
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
                self.ctx().named_props(self.key)
            }

            /// The property ids of `names`, in order, as this message file's
            /// named-property map gives them. Each [`NamedId`](crate::NamedId)
            /// remembers the file: used on an object of another file it is an
            /// error, never another property.
            ///
            /// Names in [`PS_INTERNET_HEADERS`](crate::named::PS_INTERNET_HEADERS)
            /// compare case-insensitively; others compare exactly. A numeric
            /// [`PS_MAPI`](crate::named::PS_MAPI) name with a LID below 0x8000
            /// that the file does not map is the LID itself, as in MAPI.
            ///
            /// ```
            /// # use oxmsg::{named, Session};
            /// # let session = Session::new();
            /// # let msg = session.opener().create_in_memory()?;
            /// let name = named::NamedProp::string(named::PS_PUBLIC_STRINGS, "Project");
            /// assert!(msg.ids_from_names(&[name.clone()]).is_err());
            /// let ids = msg.create_ids_from_names(&[name.clone()])?;
            /// assert!(ids[0].id() >= 0x8000);
            /// assert_eq!(msg.ids_from_names(&[name])?, ids);
            /// # Ok::<(), oxmsg::Error>(())
            /// ```
            ///
            /// # Errors
            /// [`Error::NameNotMapped`] naming the first unmapped name; errors
            /// reading the map as in [`Self::names_from_ids`].
            ///
            /// # MAPI
            #[doc = concat!("`IMAPIProp::GetIDsFromNames` on ", $what, " without `MAPI_CREATE`.")]
            /// The ids come without a type (MAPI returns `PT_UNSPECIFIED`
            /// tags). MAPI reports an unknown name as `PROP_TAG(PT_ERROR, 0)`
            /// with `MAPI_W_ERRORS_RETURNED`; oxmsg fails the whole call.
            pub fn ids_from_names(&self, names: &[NamedProp]) -> Result<Vec<NamedId>> {
                let at = self.file_id()?;
                let ids = self.ctx().ids_from_names(self.key, names, false)?;
                Ok(ids.into_iter().map(|id| NamedId::new(id, at)).collect())
            }

            /// [`Self::ids_from_names`], adding the names that are not mapped
            /// yet to the file's map (kept in memory, written by the
            /// top-level message's save). All or none: the capacity is
            /// checked first. Only on a read-write object.
            ///
            /// # Errors
            /// [`Error::NameMapFull`] when the new names do not fit (0x7FFF
            /// entries, or [`Limits::max_named_entries`](crate::Limits::max_named_entries));
            /// errors reading the map.
            ///
            /// # MAPI
            #[doc = concat!("`IMAPIProp::GetIDsFromNames` on ", $what, " with `MAPI_CREATE`, which needs write access.")]
            pub fn create_ids_from_names(&self, names: &[NamedProp]) -> Result<Vec<NamedId>>
            where
                A: crate::access::Writable,
            {
                let at = self.file_id()?;
                let ids = self.ctx().ids_from_names(self.key, names, true)?;
                Ok(ids.into_iter().map(|id| NamedId::new(id, at)).collect())
            }

            /// The typed tag that a named tag resolves to in this message
            /// file, or `None` when the file does not map its name (so no
            /// object of the file has the property). The tag remembers the
            /// file: on an object of another file it is an error. Use it to
            /// read named properties of recipient rows: `recipient.get(tag)`.
            ///
            /// # Errors
            /// Errors reading the map, as in [`Self::names_from_ids`].
            ///
            /// # MAPI
            #[doc = concat!("`IMAPIProp::GetIDsFromNames` on ", $what, " without `MAPI_CREATE`,")]
            /// with the type of `tag` ORed in.
            pub fn resolve_named<K: PropKind>(&self, tag: NamedTag<K>) -> Result<Option<MappedTag<K>>> {
                let at = self.file_id()?;
                let id = self.ctx().resolve_name(self.key, &tag.name())?;
                Ok(id.map(|id| MappedTag::new(id, at)))
            }

            /// The value of a typed named property, or `None` when the
            /// object does not have it (or the file does not map its name).
            ///
            /// ```
            /// # use oxmsg::{named, Session};
            /// # let session = Session::new();
            /// # let msg = session.opener().create_in_memory()?;
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
                let id = self.ctx().resolve_name(self.key, name)?;
                match id {
                    Some(id) => self.get_value(PropTag::new(id, ptype)),
                    None => Ok(None),
                }
            }
        }

        impl<'s, A: Access> $ty<'s, A> {
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
            pub fn map_named<K: PropKind>(&self, tag: NamedTag<K>) -> Result<MappedTag<K>>
            where
                A: crate::access::Writable,
            {
                let ids = self.create_ids_from_names(&[tag.name()])?;
                Ok(MappedTag::new(ids[0].id(), self.file_id()?))
            }

            /// Sets a typed named property, mapping its name first when
            /// needed; the value's type is checked at compile time.
            ///
            /// ```
            /// # use oxmsg::{named, Session};
            /// # let session = Session::new();
            /// # let msg = session.opener().create_in_memory()?;
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
            pub fn set_named<K: PropKind>(&self, tag: NamedTag<K>, value: impl PropInput<K>) -> Result<()>
            where
                A: crate::access::Writable,
            {
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
            pub fn set_named_value(&self, name: &NamedProp, value: PropValue) -> Result<()>
            where
                A: crate::access::Writable,
            {
                let ids = self.create_ids_from_names(std::slice::from_ref(name))?;
                self.set_value(ids[0].with_type(value.prop_type()), value)
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
            pub fn delete_named(&self, name: impl Into<NamedProp>) -> Result<bool>
            where
                A: crate::access::Writable,
            {
                let name = name.into();
                let id = self.ctx().resolve_name(self.key, &name)?;
                match id {
                    Some(id) => self.delete(PropTag::new(id, PropType::UNSPECIFIED)),
                    None => Ok(false),
                }
            }
        }
    };
}

pub(crate) use named_methods;
