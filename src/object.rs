//! The IMAPIProp methods shared by messages and attachments, generated as
//! inherent methods so that no trait import is needed.

/// Inherent property methods for a handle type with `session: &Session`
/// and `key: NodeKey` fields, generic over its access marker.
macro_rules! prop_methods {
    ($ty:ident, $what:literal) => {
        impl<'s, A: $crate::access::Access> $ty<'s, A> {
            /// The value of a typed property, or `None` when the object does
            /// not have it. String tags also read the PT_STRING8 form,
            /// decoded with [`Self::codepage`].
            ///
            /// ```
            /// # let session = oxmsg::Session::new();
            /// # let msg = session.create_in_memory()?;
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
                tag: $crate::prop::Tag<K>,
            ) -> $crate::Result<Option<K::Value>> {
                match self.get_value(tag.tag())? {
                    None => Ok(None),
                    Some(v) => {
                        let t = v.prop_type();
                        K::from_value(v).map(Some).ok_or_else(|| $crate::Error::BadValue {
                            tag: tag.tag(),
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
            pub fn get_value(
                &self,
                tag: impl Into<$crate::prop::PropTag>,
            ) -> $crate::Result<Option<$crate::prop::PropValue>> {
                self.session.inner.borrow_mut().get_value(self.key, tag.into())
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
                self.session.inner.borrow().prop_list(self.key)
            }

            /// The `PROPATTR_*` attributes stored with a property, or `None`
            /// when the object does not have it (`PROPATTR_NOT_PRESENT`).
            ///
            /// # Errors
            /// [`Error::ObjectDeleted`] when the object is gone.
            ///
            /// # MAPI
            /// `GetAttribIMsgOnIStg` for one tag.
            pub fn attributes(
                &self,
                tag: impl Into<$crate::prop::PropTag>,
            ) -> $crate::Result<Option<$crate::prop::PropAttr>> {
                self.session.inner.borrow().attributes(self.key, tag.into())
            }

            /// Opens a property as a stream for reading, without loading it.
            ///
            /// # Errors
            /// [`Error::PropNotFound`] when absent; [`Error::NoSupport`] for a
            /// property that is not stream-shaped (PT_LONG, PT_OBJECT, …).
            ///
            /// # MAPI
            /// `IMAPIProp::OpenProperty(tag, IID_IStream, 0, 0)`.
            pub fn open_stream(
                &self,
                tag: impl Into<$crate::prop::PropTag>,
            ) -> $crate::Result<$crate::stream::PropStream<'_>> {
                let (t, r) = self.session.inner.borrow_mut().open_read(self.key, tag.into())?;
                $crate::stream::PropStream::new(t, r)
            }

            /// The undecoded bytes of a PT_STRING8 property (`None` when the
            /// property is absent or not PT_STRING8).
            ///
            /// # Errors
            /// As [`Self::get`].
            pub fn raw_string8(&self, tag: impl Into<$crate::prop::PropTag>) -> $crate::Result<Option<Vec<u8>>> {
                let t: $crate::prop::PropTag = tag.into();
                match self.get_value(t.with_type($crate::prop::PropType::STRING8))? {
                    Some($crate::prop::PropValue::String8(s)) => Ok(Some(s.bytes)),
                    _ => Ok(None),
                }
            }

            /// The code page used to decode PT_STRING8 values: the session's
            /// override; else PR_MESSAGE_CODEPAGE; else the ANSI code page of
            /// PR_MESSAGE_LOCALE_ID; else PR_INTERNET_CPID when it is a
            /// Windows ANSI code page; else the enclosing message's; else 1252.
            pub fn codepage(&self) -> u32 {
                self.session.inner.borrow().codepage(self.key)
            }

            /// What was wrong in this object's storage but could be read past.
            pub fn warnings(&self) -> Vec<String> {
                self.session.inner.borrow().warnings(self.key)
            }
        }

        impl<'s> $ty<'s, $crate::access::ReadWrite> {
            /// Sets a typed property; the value's type is checked at compile
            /// time. The change stays in memory until saved.
            ///
            /// ```
            /// # let session = oxmsg::Session::new();
            /// # let msg = session.create_in_memory()?;
            /// msg.set(oxmsg::tags::IMPORTANCE, 2)?;
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
            pub fn set<K: $crate::prop::PropKind>(
                &self,
                tag: $crate::prop::Tag<K>,
                value: impl Into<K::Value>,
            ) -> $crate::Result<()> {
                self.set_value(tag.tag(), K::into_value(value.into()))
            }

            /// Sets any property; the tag's type is replaced by the value's.
            ///
            /// # Errors
            /// As [`Self::set`].
            ///
            /// # MAPI
            #[doc = concat!("`IMAPIProp::SetProps` on ", $what, ".")]
            pub fn set_value(
                &self,
                tag: impl Into<$crate::prop::PropTag>,
                value: $crate::prop::PropValue,
            ) -> $crate::Result<()> {
                self.session
                    .inner
                    .borrow_mut()
                    .set_value(self.key, tag.into(), value)
            }

            /// Deletes a property (every type of its id); `Ok(false)` when
            /// it was absent.
            ///
            /// # Errors
            /// [`Error::Computed`], or [`Error::NoAccess`] for a mandatory one.
            ///
            /// # MAPI
            #[doc = concat!("`IMAPIProp::DeleteProps` on ", $what, ".")]
            pub fn delete(&self, tag: impl Into<$crate::prop::PropTag>) -> $crate::Result<bool> {
                self.session.inner.borrow_mut().delete(self.key, tag.into())
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
            pub fn set_attributes(
                &self,
                tag: impl Into<$crate::prop::PropTag>,
                attr: $crate::prop::PropAttr,
            ) -> $crate::Result<()> {
                self.session
                    .inner
                    .borrow_mut()
                    .set_attributes(self.key, tag.into(), attr)
            }

            /// Opens a property for writing as a stream; what is written
            /// replaces the value when the stream is committed or dropped.
            /// Large values are buffered in a temporary file, not memory.
            ///
            /// # Errors
            /// [`Error::Computed`] / [`Error::NoAccess`] as for `set`.
            ///
            /// # MAPI
            /// `IMAPIProp::OpenProperty(tag, IID_IStream, STGM_WRITE, MAPI_MODIFY | MAPI_CREATE)`.
            pub fn open_stream_mut(
                &self,
                tag: impl Into<$crate::prop::PropTag>,
            ) -> $crate::Result<$crate::stream::PropStreamMut<'_>> {
                let tag = tag.into();
                if $crate::store::is_computed(tag.id()) {
                    return Err($crate::Error::Computed { tag });
                }
                Ok($crate::stream::PropStreamMut::new(self.session, self.key, tag))
            }
        }
    };
}

pub(crate) use prop_methods;
