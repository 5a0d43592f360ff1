//! The IMAPIProp methods shared by messages and attachments, generated as
//! inherent methods so that no trait import is needed.

/// Inherent property methods for a handle type with `session: &Session`
/// and `key: NodeKey` fields, generic over its access marker.
macro_rules! prop_methods {
    ($ty:ident, $what:literal) => {
        impl<'s, A: $crate::access::Access> $ty<'s, A> {
            /// The file this object belongs to, for checking mapped tags.
            pub(crate) fn file_id(&self) -> $crate::Result<$crate::mapped::FileId> {
                Ok($crate::mapped::FileId {
                    session: self.ctx().id,
                    file: self.ctx().file_of(self.key)?,
                })
            }

            /// A tag argument as a tag of this object (a mapped tag of
            /// another file is an error).
            fn resolve_tag(&self, tag: impl $crate::AnyTag) -> $crate::Result<$crate::prop::PropTag> {
                $crate::mapped::sealed::Resolve::resolve(tag, &|| self.file_id())
            }

            /// The value of a typed property, or `None` when the object does
            /// not have it. String tags also read the PT_STRING8 form,
            /// decoded with [`Self::codepage`].
            ///
            /// ```
            /// # let session = oxmsg::Session::new();
            /// # let msg = session.opener().create_in_memory()?;
            /// msg.set(oxmsg::tags::SUBJECT, "Hi")?;
            /// assert_eq!(msg.get(oxmsg::tags::SUBJECT)?, Some("Hi".to_string()));
            /// # Ok::<(), oxmsg::Error>(())
            /// ```
            ///
            /// # Errors
            /// A stored value that cannot be read ([`Error::CorruptData`],
            /// [`Error::LimitExceeded`]); a deleted object ([`Error::ObjectDeleted`]).
            ///
            /// # MAPI
            #[doc = concat!("`IMAPIProp::GetProps` on ", $what, " for one tag.")]
            pub fn get<K: $crate::prop::PropKind>(
                &self,
                tag: impl $crate::TypedTag<K>,
            ) -> $crate::Result<Option<K::Value>> {
                let tag = self.resolve_tag(tag)?;
                match self.get_value(tag)? {
                    None => Ok(None),
                    Some(v) => {
                        let t = v.prop_type();
                        K::from_value(v).map(Some).ok_or_else(|| $crate::Error::BadValue {
                            tag,
                            detail: format!("stored with type {:?}", t),
                            scode: $crate::scode::MAPI_E_INVALID_TYPE,
                        })
                    }
                }
            }

            /// The value of any property, or `None` when absent. The type in
            /// `tag` must match, except that PT_STRING8 and PT_UNICODE find
            /// each other and PT_UNSPECIFIED finds any type.
            ///
            /// # Errors
            /// As [`Self::get`].
            ///
            /// # MAPI
            #[doc = concat!("`IMAPIProp::GetProps` on ", $what, ".")]
            pub fn get_value(&self, tag: impl $crate::AnyTag) -> $crate::Result<Option<$crate::prop::PropValue>> {
                self.ctx().get_value(self.key, self.resolve_tag(tag)?)
            }

            /// Every property with its value (PT_OBJECT ones as
            /// [`PropValue::Object`](crate::PropValue::Object)), in tag order.
            ///
            /// # Errors
            /// As [`Self::get`].
            ///
            /// # MAPI
            #[doc = concat!("`IMAPIProp::GetProps(NULL, …)` on ", $what, ".")]
            pub fn props(&self) -> $crate::Result<Vec<($crate::prop::PropTag, $crate::prop::PropValue)>> {
                let tags = self.prop_list()?;
                let mut out = Vec::with_capacity(tags.len());
                for t in tags {
                    if let Some(v) = self.get_value(t)? {
                        out.push((t, v));
                    }
                }
                Ok(out)
            }

            /// The tags of every property, with their stored types.
            ///
            /// # Errors
            /// [`Error::ObjectDeleted`] when the object is gone.
            ///
            /// # MAPI
            #[doc = concat!("`IMAPIProp::GetPropList` on ", $what, ".")]
            pub fn prop_list(&self) -> $crate::Result<Vec<$crate::prop::PropTag>> {
                self.ctx().prop_list(self.key)
            }

            /// The `PROPATTR_*` attributes stored with a property, or `None`
            /// when the object does not have it (`PROPATTR_NOT_PRESENT`).
            ///
            /// # Errors
            /// [`Error::ObjectDeleted`] when the object is gone.
            ///
            /// # MAPI
            /// `GetAttribIMsgOnIStg` for one tag.
            pub fn attributes(&self, tag: impl $crate::AnyTag) -> $crate::Result<Option<$crate::prop::PropAttr>> {
                self.ctx().attributes(self.key, self.resolve_tag(tag)?)
            }

            /// Opens a property as a stream for reading, without loading it.
            ///
            /// # Errors
            /// [`Error::PropNotFound`] when absent; [`Error::NoSupport`] for a
            /// property that is not stream-shaped (PT_LONG, PT_OBJECT, …).
            ///
            /// # MAPI
            /// `IMAPIProp::OpenProperty(tag, IID_IStream, 0, 0)`.
            pub fn open_stream(&self, tag: impl $crate::AnyTag) -> $crate::Result<$crate::stream::PropStream<'_>> {
                let opened = self.ctx().open_read(self.key, self.resolve_tag(tag)?)?;
                $crate::stream::PropStream::new(self.ctx(), opened)
            }

            /// The undecoded bytes of a PT_STRING8 property (`None` when the
            /// property is absent or not PT_STRING8).
            ///
            /// # Errors
            /// As [`Self::get`].
            pub fn raw_string8(&self, tag: impl $crate::AnyTag) -> $crate::Result<Option<Vec<u8>>> {
                let t = self.resolve_tag(tag)?;
                match self.get_value(t.with_type($crate::prop::PropType::STRING8))? {
                    Some($crate::prop::PropValue::String8(s)) => Ok(Some(s.bytes)),
                    _ => Ok(None),
                }
            }

            /// The code page used to decode PT_STRING8 values: the session's
            /// override; else PR_MESSAGE_CODEPAGE; else the ANSI code page of
            /// PR_MESSAGE_LOCALE_ID; else PR_INTERNET_CPID when it is a
            /// Windows ANSI code page; else the enclosing message's; else 1252.
            /// 1252 also when the session is busy (see [`Error::Busy`]).
            pub fn codepage(&self) -> u32 {
                self.ctx().codepage(self.key).unwrap_or(1252)
            }

            /// What was wrong in this object's storage but could be read past
            /// (empty when the session is busy, see [`Error::Busy`]).
            pub fn warnings(&self) -> Vec<$crate::Warning> {
                self.ctx().warnings(self.key).unwrap_or_default()
            }
            /// Sets a typed property; the value's type is checked at compile
            /// time. The change stays in memory until saved.
            ///
            /// ```
            /// # let session = oxmsg::Session::new();
            /// # let msg = session.opener().create_in_memory()?;
            /// msg.set(oxmsg::tags::IMPORTANCE, oxmsg::Importance::High)?;
            /// msg.set(oxmsg::tags::SUBJECT, "Hello")?;
            /// # Ok::<(), oxmsg::Error>(())
            /// ```
            ///
            /// # Errors
            /// [`Error::Computed`] for computed properties (PR_ATTACH_NUM,
            /// PR_ROWID); [`Error::NoAccess`] for a property without the
            /// writable attribute; [`Error::InvalidParameter`] for an empty
            /// multi-valued value.
            ///
            /// # MAPI
            #[doc = concat!("`IMAPIProp::SetProps` on ", $what, " for one value.")]
            pub fn set<K: $crate::prop::PropKind, V: $crate::prop::PropInput<K>>(
                &self,
                tag: impl $crate::TypedTag<K>,
                value: V,
            ) -> $crate::Result<()>
            where
                A: $crate::access::Writable,
            {
                let tag = self.resolve_tag(tag)?;
                self.set_value(tag, K::into_value(value.into_prop()))
            }

            /// Sets any property. The value's type must be the tag's (a
            /// PT_STRING8 and a PT_UNICODE value are interchangeable, and a
            /// PT_UNSPECIFIED tag takes the value's type).
            ///
            /// # Errors
            /// As [`Self::set`]; [`Error::BadValue`] when the value's type is
            /// not the tag's, or an ANSI message's code page cannot hold a
            /// string (unless lossy ANSI writing was chosen).
            ///
            /// # MAPI
            #[doc = concat!("`IMAPIProp::SetProps` on ", $what, ".")]
            pub fn set_value(&self, tag: impl $crate::AnyTag, value: $crate::prop::PropValue) -> $crate::Result<()>
            where
                A: $crate::access::Writable,
            {
                self.ctx().set_value(self.key, self.resolve_tag(tag)?, value)
            }

            /// Deletes a property (every type of its id); `Ok(false)` when
            /// it was absent.
            ///
            /// # Errors
            /// [`Error::Computed`], or [`Error::NoAccess`] for a mandatory one.
            ///
            /// # MAPI
            #[doc = concat!("`IMAPIProp::DeleteProps` on ", $what, ".")]
            pub fn delete(&self, tag: impl $crate::AnyTag) -> $crate::Result<bool>
            where
                A: $crate::access::Writable,
            {
                self.ctx().delete(self.key, self.resolve_tag(tag)?)
            }

            /// Sets the `PROPATTR_*` attributes of a property (written in its
            /// property-stream entry). A property without `PROPATTR_WRITABLE`
            /// refuses `set`; one with `PROPATTR_MANDATORY` refuses `delete`.
            ///
            /// # Errors
            /// [`Error::PropNotFound`] when the object does not have it.
            ///
            /// # MAPI
            /// `SetAttribIMsgOnIStg` for one tag.
            pub fn set_attributes(&self, tag: impl $crate::AnyTag, attr: $crate::prop::PropAttr) -> $crate::Result<()>
            where
                A: $crate::access::Writable,
            {
                self.ctx().set_attributes(self.key, self.resolve_tag(tag)?, attr)
            }

            /// Opens a property for writing as a stream. What is written
            /// becomes the value only on [`PropStreamMut::commit`](crate::PropStreamMut::commit);
            /// dropping the stream discards it. While it is open, saving the
            /// object (or a message it is in) fails with
            /// [`Error::StreamOpen`]. Large values are buffered in a
            /// temporary file, not memory.
            ///
            /// # Errors
            /// [`Error::Computed`] / [`Error::NoAccess`] as for `set`.
            ///
            /// # MAPI
            /// `IMAPIProp::OpenProperty(tag, IID_IStream, STGM_WRITE, MAPI_MODIFY | MAPI_CREATE)`.
            pub fn open_stream_mut(&self, tag: impl $crate::AnyTag) -> $crate::Result<$crate::stream::PropStreamMut<'_>>
            where
                A: $crate::access::Writable,
            {
                let tag = self.resolve_tag(tag)?;
                self.ctx().check_writable(self.key, tag)?;
                let writers = self.ctx().writers(self.key)?;
                Ok($crate::stream::PropStreamMut::new(
                    &self.session.engine,
                    self.key,
                    tag,
                    writers,
                ))
            }
        }
    };
}

pub(crate) use prop_methods;
