//! IMAPIProp::CopyTo and CopyProps on messages and attachments, and
//! attaching a whole message to another (ATTACH_EMBEDDED_MSG).

use std::path::Path;

use crate::access::{Access, Writable};
use crate::attach::Attachment;
use crate::error::Result;
use crate::message::Message;
use crate::prop::{tags, PropTag};
use crate::store::copy::{self, CopySpec, Side};

/// What [`Message::copy_to`] and [`Attachment::copy_to`] copy.
///
/// By default: every property, and for a message its recipients and
/// attachments (embedded messages copied deeply), replacing what the
/// destination has (MAPI `CopyTo` with no exclusions). Exclusion and
/// inclusion are by property id; the type is ignored. A named property's
/// tag is the source's (as its `prop_list` gives it).
///
/// ```
/// use oxmsg::{tags, CopyOptions};
/// let opts = CopyOptions::all().exclude(tags::BODY).without_attachments().no_replace();
/// # let _ = opts;
/// ```
#[derive(Clone, Debug, Default)]
pub struct CopyOptions {
    spec: CopySpec,
}

impl CopyOptions {
    /// Everything (MAPI `CopyTo` without an exclusion list).
    pub fn all() -> CopyOptions {
        CopyOptions::default()
    }

    /// Only the listed properties (MAPI `CopyProps`). Listing
    /// PR_MESSAGE_RECIPIENTS (0x0E12) or PR_MESSAGE_ATTACHMENTS (0x0E13)
    /// copies the recipients or
    /// attachments; listing PR_ATTACH_DATA_OBJ (0x3701) an attachment's
    /// embedded message or OLE storage.
    pub fn only(tags: impl IntoIterator<Item = impl Into<PropTag>>) -> CopyOptions {
        CopyOptions {
            spec: CopySpec {
                only: Some(tags.into_iter().map(|t| t.into().id()).collect()),
                ..CopySpec::default()
            },
        }
    }

    /// With [`Self::only`]: also copies the recipients (PR_MESSAGE_RECIPIENTS).
    pub fn and_recipients(mut self) -> CopyOptions {
        if let Some(o) = &mut self.spec.only {
            o.push(copy::MESSAGE_RECIPIENTS);
        }
        self
    }

    /// With [`Self::only`]: also copies the attachments (PR_MESSAGE_ATTACHMENTS).
    pub fn and_attachments(mut self) -> CopyOptions {
        if let Some(o) = &mut self.spec.only {
            o.push(copy::MESSAGE_ATTACHMENTS);
        }
        self
    }

    /// Leaves out a property (every type of its id).
    pub fn exclude(mut self, tag: impl Into<PropTag>) -> CopyOptions {
        self.spec.exclude.push(tag.into().id());
        self
    }

    /// Leaves out the recipients (excludes PR_MESSAGE_RECIPIENTS).
    pub fn without_recipients(mut self) -> CopyOptions {
        self.spec.exclude.push(copy::MESSAGE_RECIPIENTS);
        self
    }

    /// Leaves out the attachments (excludes PR_MESSAGE_ATTACHMENTS).
    pub fn without_attachments(mut self) -> CopyOptions {
        self.spec.exclude.push(copy::MESSAGE_ATTACHMENTS);
        self
    }

    /// MAPI_NOREPLACE: a property the destination has is kept, and so are
    /// its recipients when it has any.
    pub fn no_replace(mut self) -> CopyOptions {
        self.spec.no_replace = true;
        self
    }
}

/// A property that a copy left out, and why: an entry of MAPI's
/// `SPropProblemArray`. Computed properties are never copied and are not
/// reported (the destination computes its own).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PropProblem {
    /// The property, as the source names it.
    pub tag: PropTag,
    /// The MAPI code (`MAPI_E_NOT_FOUND` for a named property the source
    /// cannot name, `MAPI_E_BAD_CHARWIDTH` for a string the destination's
    /// code page cannot hold, …).
    pub scode: u32,
    /// What happened.
    pub detail: String,
}

fn problems(p: Vec<copy::Problem>) -> Vec<PropProblem> {
    p.into_iter()
        .map(|p| PropProblem {
            tag: p.tag,
            scode: p.scode,
            detail: p.detail,
        })
        .collect()
}

/// The copy calls of a handle type, generated beside each type.
macro_rules! copy_methods {
    ($ty:ident, $what:literal) => {
        impl<'s, A: Access> $ty<'s, A> {
            #[doc = concat!("Copies ", $what, "'s properties (and sub-objects, as `opts` says) to `dest`, ")]
            /// in this session or another, in this file or another. Named
            /// properties are mapped to the destination's ids by name.
            /// The destination is changed, not saved; the source is not
            /// changed. Both must be alive for the call, and the
            /// destination must be writable: a read-only one does not
            /// compile.
            ///
            /// Returns the properties left out (see [`PropProblem`]).
            ///
            /// # Errors
            /// [`Error::NoAccess`](crate::Error::NoAccess) when `dest` is this object;
            /// [`Error::ObjectDeleted`](crate::Error::ObjectDeleted); errors reading the source. On
            /// error the destination is as it was.
            ///
            /// # MAPI
            /// `IMAPIProp::CopyTo` (or `CopyProps` with [`CopyOptions::only`]).
            pub fn copy_to<B: Writable>(&self, dest: &$ty<'_, B>, opts: &CopyOptions) -> Result<Vec<PropProblem>> {
                let mut out = Vec::new();
                copy::copy(self.side(), dest.side(), &opts.spec, false, &mut out)?;
                Ok(problems(out))
            }

            /// As [`Self::copy_to`], then deletes from this object what was
            /// copied (properties, and recipients and attachments when they
            /// were copied).
            ///
            /// # Errors
            /// As [`Self::copy_to`]; on error both sides are as they were.
            ///
            /// # MAPI
            /// `IMAPIProp::CopyTo(…, MAPI_MOVE)`.
            pub fn move_to<B: Writable>(&self, dest: &$ty<'_, B>, opts: &CopyOptions) -> Result<Vec<PropProblem>>
            where
                A: Writable,
            {
                let mut out = Vec::new();
                copy::copy(self.side(), dest.side(), &opts.spec, true, &mut out)?;
                Ok(problems(out))
            }

            fn side(&self) -> Side<'_> {
                Side {
                    engine: self.ctx(),
                    key: self.key,
                }
            }
        }
    };
}

copy_methods!(Message, "the message");
copy_methods!(Attachment, "the attachment");

impl<'s, A: Access> Message<'s, A> {
    /// Attaches a copy of `message` (of any session, read-only or not) as
    /// an embedded message (ATTACH_EMBEDDED_MSG) that Outlook opens as a
    /// message: its properties, recipients and attachments, copied deeply.
    /// The attachment is named after the message's subject and saved into
    /// this message (durable when this message is saved).
    ///
    /// ```
    /// # let session = oxmsg::Session::new();
    /// let original = session.opener().create_in_memory()?;
    /// original.set(oxmsg::tags::SUBJECT, "Minutes")?;
    /// let fw = session.opener().create_in_memory()?;
    /// let att = fw.attach_message(&original)?;
    /// assert_eq!(att.open_embedded()?.get(oxmsg::tags::SUBJECT)?.as_deref(), Some("Minutes"));
    /// # Ok::<(), oxmsg::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Message::copy_to`] and [`Message::create_attachment`].
    ///
    /// # MAPI
    /// `CreateAttach`, `OpenProperty(PR_ATTACH_DATA_OBJ, IID_IMessage, …,
    /// MAPI_CREATE | MAPI_MODIFY)`, `CopyTo`, `SaveChanges` on both.
    pub fn attach_message<B: Access>(&self, message: &Message<'_, B>) -> Result<Attachment<'_, A>>
    where
        A: Writable,
    {
        let att = self.create_attachment()?;
        {
            let emb = att.create_embedded()?;
            message.copy_to(&emb, &CopyOptions::all())?;
            emb.ctx().save_top(emb.key)?;
        }
        let subject = message.get(tags::SUBJECT)?.unwrap_or_default();
        if !subject.is_empty() {
            att.set(tags::DISPLAY_NAME, subject.as_str())?;
        }
        att.set(tags::RENDERING_POSITION, -1)?;
        att.save_changes()?;
        Ok(att)
    }

    /// Attaches the message of the .msg file at `path` (read in this
    /// session, then closed) as in [`Self::attach_message`].
    ///
    /// # Errors
    /// Errors opening the file; as [`Self::attach_message`].
    pub fn attach_message_file(&self, path: impl AsRef<Path>) -> Result<Attachment<'_, A>>
    where
        A: Writable,
    {
        let source = self.session.opener().path(path)?;
        self.attach_message(&source)
    }
}

impl<'m, A: Access> Attachment<'m, A> {
    /// Makes this attachment an OLE object (ATTACH_OLE): the root storage
    /// of `object` (a Word document, an embedded OLE 2.0 object) is kept
    /// whole in PR_ATTACH_DATA_OBJ, its CLSID, streams and sub-storages as
    /// they are. What the attachment held before (data, embedded message)
    /// is replaced. The compound file is read now, with nothing of the
    /// session borrowed.
    ///
    /// # Errors
    /// Errors reading `object`; [`Error::LimitExceeded`](crate::Error::LimitExceeded) past the file's
    /// limits (`max_value_bytes` in all, `max_depth`, `max_children`).
    ///
    /// # MAPI
    /// `OpenProperty(PR_ATTACH_DATA_OBJ, IID_IStorage, 0, MAPI_CREATE |
    /// MAPI_MODIFY)`, then `IStorage::CopyTo` of the object's storage.
    pub fn set_ole_object<F>(&self, object: &mut cfb::CompoundFile<F>) -> Result<()>
    where
        A: Writable,
        F: std::io::Read + std::io::Write + std::io::Seek + Send + Sync + 'static,
    {
        let limits = self.ctx().limits(self.key)?;
        let image = crate::store::ole::read_image(&mut crate::store::backing::StoreView::Own(object), "/", &limits)?;
        self.ctx().set_object_storage(self.key, std::sync::Arc::new(image))
    }

    /// An OLE-object attachment's storage (ATTACH_OLE) as a compound file
    /// of its own, the storage as its root with its CLSID: the bytes a
    /// `.ole` file or an `application/octet-stream` MIME part carries.
    /// `None` when the attachment holds no such storage (by value, embedded
    /// message, …).
    ///
    /// # Errors
    /// Errors reading the storage; [`Error::LimitExceeded`](crate::Error::LimitExceeded) past the
    /// limits on values, depth and children.
    ///
    /// # MAPI
    /// `OpenProperty(PR_ATTACH_DATA_OBJ, IID_IStorage)`, then
    /// `IStorage::CopyTo` into a new storage file.
    pub fn ole_object_file(&self) -> Result<Option<Vec<u8>>> {
        match self.ctx().read_object_storage(self.key)? {
            Some(image) => crate::store::ole::image_to_compound_file(&image).map(Some),
            None => Ok(None),
        }
    }

    /// The CLSID of an OLE-object attachment's storage (`None` when it has
    /// none: by value, embedded message, …).
    ///
    /// # Errors
    /// Errors reading the storage.
    pub fn ole_clsid(&self) -> Result<Option<crate::Guid>> {
        Ok(self.ctx().read_object_storage(self.key)?.map(|i| i.clsid))
    }
}
