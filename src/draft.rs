//! `Draft`: the commonest write, a new mail for a person to open in Outlook,
//! edit and send.

use std::path::Path;
use std::time::SystemTime;

use crate::access::ReadWrite;
use crate::error::Result;
use crate::message::Message;
use crate::prop::{tags, FileTime, Importance, RecipientType, Sensitivity};
use crate::session::Session;

/// A file attached to a draft, or an image its HTML shows inline.
#[derive(Clone, Debug)]
struct Part {
    file_name: String,
    mime_type: String,
    data: Vec<u8>,
    /// The content id the HTML refers to (`cid:`) for an inline image.
    content_id: Option<String>,
}

/// A new mail that Outlook opens as a draft: editable, with a Send button,
/// no sender until it is sent.
///
/// What [`Draft::create`] sets, and why:
/// - PR_MESSAGE_CLASS `IPM.Note`: a mail.
/// - PR_MESSAGE_FLAGS `MSGFLAG_UNSENT | MSGFLAG_READ`: Outlook opens an
///   unsent message as an editable draft, and does not show it as unread.
/// - PR_CREATION_TIME, PR_LAST_MODIFICATION_TIME: now (Outlook shows them).
/// - PR_SUBJECT; PR_SUBJECT_PREFIX, PR_NORMALIZED_SUBJECT and
///   PR_CONVERSATION_TOPIC follow it (set by oxmsg with the subject).
/// - PR_IMPORTANCE normal, PR_SENSITIVITY normal, PR_PRIORITY normal,
///   PR_ALTERNATE_RECIPIENT_ALLOWED, no delivery or read receipt requested,
///   PR_DELETE_AFTER_SUBMIT false, PR_ICON_INDEX -1, PR_INTERNET_CPID UTF-8,
///   a unique PR_SEARCH_KEY and a new PR_CONVERSATION_INDEX (MS-OXOMSG
///   2.2.1.3): what Outlook writes on a new mail.
/// - The body through [`Message::set_body_html`] or
///   [`Message::set_body_text`]: PR_HTML, PR_BODY, the RTF that encapsulates
///   them (Outlook shows an HTML draft as HTML only with it), PR_RTF_IN_SYNC,
///   PR_NATIVE_BODY_INFO, PR_INTERNET_CPID.
/// - Each recipient through [`Message::add_recipient`]: display names,
///   `SMTP` address type and address, one-off PR_ENTRYID and
///   PR_RECIPIENT_ENTRYID, PR_SEARCH_KEY, recipient type, object and display
///   type; PR_DISPLAY_TO / _CC / _BCC follow.
/// - Each inline image: an attachment by value with its file name
///   (PR_ATTACH_LONG_FILENAME, PR_ATTACH_FILENAME, PR_DISPLAY_NAME,
///   PR_ATTACH_EXTENSION), PR_ATTACH_MIME_TAG, PR_ATTACH_CONTENT_ID (what the
///   HTML's `cid:` names), PR_ATTACHMENT_HIDDEN (not listed as a file) and
///   PR_ATTACH_FLAGS `ATT_MHTML_REF` (shown in the body); other attachments
///   the same without content id and hidden flag. PR_HASATTACH follows.
/// - No sender: Outlook sets PR_SENDER_* and PR_SENT_REPRESENTING_* from
///   the account that sends it.
///
/// ```
/// use oxmsg::{Draft, Session};
/// let session = Session::new();
/// let draft = Draft::new("Quarterly report")
///     .to("Bob Example", "bob@example.com")
///     .html("<p>The chart:</p><img src=\"cid:chart\">")
///     .inline_image("chart", "chart.png", "image/png", vec![0x89, b'P', b'N', b'G'])
///     .create(&session)?;
/// assert_eq!(draft.attachment_numbers()?.len(), 1);
/// # Ok::<(), oxmsg::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct Draft {
    subject: String,
    recipients: Vec<(RecipientType, String, String)>,
    html: Option<String>,
    text: Option<String>,
    parts: Vec<Part>,
}

/// 16 bytes no other message of this process has, for PR_SEARCH_KEY and
/// the conversation index's GUID: hashed with the standard library's
/// randomly keyed hasher, with the time and a counter.
fn unique_bytes() -> [u8; 16] {
    use std::hash::{BuildHasher, Hasher};
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let t = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let mut out = [0u8; 16];
    for (i, half) in out.chunks_mut(8).enumerate() {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(t);
        h.write_u64(n);
        h.write_usize(i);
        half.copy_from_slice(&h.finish().to_le_bytes());
    }
    out
}

/// PR_CONVERSATION_INDEX of a new conversation (MS-OXOMSG 2.2.1.3): the
/// reserved byte 1, the five FILETIME bytes below its top byte (big-endian,
/// as in Outlook's own: `01 d6958a81fe …` for a time `0x01d6958a81fe…`), a
/// GUID.
fn conversation_index(now: FileTime, guid: [u8; 16]) -> Vec<u8> {
    let mut v = vec![1u8];
    v.extend_from_slice(&now.0.to_be_bytes()[1..6]);
    v.extend_from_slice(&guid);
    v
}

impl Draft {
    /// A draft with a subject and nothing else yet.
    pub fn new(subject: impl Into<String>) -> Draft {
        Draft {
            subject: subject.into(),
            ..Draft::default()
        }
    }

    fn recipient(mut self, kind: RecipientType, name: &str, email: &str) -> Draft {
        self.recipients.push((kind, name.to_string(), email.to_string()));
        self
    }

    /// Adds a To recipient.
    pub fn to(self, name: &str, email: &str) -> Draft {
        self.recipient(RecipientType::To, name, email)
    }

    /// Adds a Cc recipient.
    pub fn cc(self, name: &str, email: &str) -> Draft {
        self.recipient(RecipientType::Cc, name, email)
    }

    /// Adds a Bcc recipient.
    pub fn bcc(self, name: &str, email: &str) -> Draft {
        self.recipient(RecipientType::Bcc, name, email)
    }

    /// The body as HTML (its text and RTF forms are derived from it).
    pub fn html(mut self, html: impl Into<String>) -> Draft {
        self.html = Some(html.into());
        self
    }

    /// The body as plain text (used when no HTML is given).
    pub fn text(mut self, text: impl Into<String>) -> Draft {
        self.text = Some(text.into());
        self
    }

    /// An image the HTML shows inline as `<img src="cid:CONTENT_ID">`.
    pub fn inline_image(mut self, content_id: &str, file_name: &str, mime_type: &str, data: Vec<u8>) -> Draft {
        self.parts.push(Part {
            file_name: file_name.to_string(),
            mime_type: mime_type.to_string(),
            data,
            content_id: Some(content_id.to_string()),
        });
        self
    }

    /// A file attachment.
    pub fn attach(mut self, file_name: &str, mime_type: &str, data: Vec<u8>) -> Draft {
        self.parts.push(Part {
            file_name: file_name.to_string(),
            mime_type: mime_type.to_string(),
            data,
            content_id: None,
        });
        self
    }

    /// The draft as a new message in memory, saved (its attachments part of
    /// it); write it with [`Message::save_as`] or [`Message::to_bytes`].
    ///
    /// # Errors
    /// As the calls listed in the type's documentation.
    pub fn create<'s>(&self, session: &'s Session) -> Result<Message<'s, ReadWrite>> {
        let msg = session.opener().create_in_memory()?;
        msg.set(tags::MESSAGE_CLASS, "IPM.Note")?;
        msg.set(tags::MESSAGE_FLAGS, 0x9)?; // MSGFLAG_READ | MSGFLAG_UNSENT
        let now = FileTime::from(SystemTime::now());
        msg.set(tags::CREATION_TIME, now)?;
        msg.set(tags::LAST_MODIFICATION_TIME, now)?;
        if !self.subject.is_empty() {
            msg.set(tags::SUBJECT, &self.subject)?;
        }
        msg.set(tags::IMPORTANCE, Importance::Normal)?;
        msg.set(tags::SENSITIVITY, Sensitivity::Normal)?;
        msg.set(tags::PRIORITY, 0)?;
        // What Outlook writes on a new mail (compared with an Outlook draft).
        msg.set(tags::ALTERNATE_RECIPIENT_ALLOWED, true)?;
        msg.set(tags::ORIGINATOR_DELIVERY_REPORT_REQUESTED, false)?;
        msg.set(tags::READ_RECEIPT_REQUESTED, false)?;
        msg.set(tags::DELETE_AFTER_SUBMIT, false)?;
        msg.set(tags::ICON_INDEX, -1)?; // the default icon of its class
        msg.set(tags::INTERNET_CPID, 65001)?;
        let unique = unique_bytes();
        msg.set(tags::SEARCH_KEY, unique.to_vec())?;
        msg.set(tags::CONVERSATION_INDEX, conversation_index(now, unique))?;
        match (&self.html, &self.text) {
            (Some(html), _) => msg.set_body_html(html)?,
            (None, Some(text)) => msg.set_body_text(text)?,
            (None, None) => {}
        }
        for (kind, name, email) in &self.recipients {
            msg.add_recipient(*kind, name, email)?;
        }
        for part in &self.parts {
            let att = msg.create_attachment()?;
            att.set(tags::ATTACH_LONG_FILENAME, &part.file_name)?;
            att.set(tags::ATTACH_FILENAME, &part.file_name)?;
            att.set(tags::DISPLAY_NAME, &part.file_name)?;
            if let Some(ext) = Path::new(&part.file_name).extension() {
                att.set(tags::ATTACH_EXTENSION, format!(".{}", ext.to_string_lossy()))?;
            }
            att.set(tags::ATTACH_MIME_TAG, &part.mime_type)?;
            if let Some(cid) = &part.content_id {
                att.set(tags::ATTACH_CONTENT_ID, cid)?;
                att.set(tags::ATTACHMENT_HIDDEN, true)?;
                att.set(tags::ATTACH_FLAGS, 0x4)?; // ATT_MHTML_REF
            }
            att.write_data(&mut part.data.as_slice())?;
            att.save_changes()?;
        }
        Ok(msg)
    }

    /// Creates the draft and writes it at `path` (atomically).
    ///
    /// # Errors
    /// As [`Draft::create`] and [`Message::save_as`].
    pub fn save_as(&self, session: &Session, path: impl AsRef<Path>) -> Result<()> {
        self.create(session)?.save_as(path)
    }
}
