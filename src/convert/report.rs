//! What a conversion could not carry: [`ConversionReport`].

use std::fmt;

/// The kind of thing a conversion lost or changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LossKind {
    /// Named properties (MS-OXPROPS) that no MIME header holds: one loss
    /// per message (the message and each embedded message) that names
    /// them, e.g. `2 named properties have no MIME header:
    /// PSETID_Common:0x8503 (PidLidReminderSet), PS_PUBLIC_STRINGS:"x-tag"`.
    NamedProperty,
    /// A MAPI property of the message that no MIME header holds.
    Property,
    /// Rich-text formatting of an RTF-only body: the .eml carries HTML
    /// rendered from it (and its text), not the RTF.
    RtfFormatting,
    /// An OLE object attachment (ATTACH_OLE): MIME has no such part.
    OleObject,
    /// An attachment by reference: only its name and path are known.
    AttachmentByReference,
    /// An attachment or embedded message that could not be read.
    Unreadable,
    /// A recipient or sender without an SMTP address, which an RFC 5322
    /// address header cannot hold.
    NoSmtpAddress,
    /// Bcc recipients of a sent message (RFC 5322 3.6.3: a sent message
    /// does not show them).
    BccNotShown,
    /// A charset that could not be decoded; its text was read as UTF-8 with
    /// replacement characters.
    UnknownCharset,
    /// MIME that was damaged and read as well as could be (bad encodings,
    /// unterminated parts, headers that are not headers).
    MalformedMime,
    /// A MIME part that became something else in the .msg (e.g. a
    /// multipart/alternative without text or HTML) or was left out.
    MimePart,
    /// A header of the .eml with no MAPI property; it is kept only in
    /// PR_TRANSPORT_MESSAGE_HEADERS.
    Header,
    /// Nesting deeper than the session's limit: the deeper part was left out.
    TooDeep,
}

impl LossKind {
    /// A short name for the kind, e.g. `named-property`.
    pub fn name(self) -> &'static str {
        match self {
            LossKind::NamedProperty => "named-property",
            LossKind::Property => "property",
            LossKind::RtfFormatting => "rtf-formatting",
            LossKind::OleObject => "ole-object",
            LossKind::AttachmentByReference => "attachment-by-reference",
            LossKind::Unreadable => "unreadable",
            LossKind::NoSmtpAddress => "no-smtp-address",
            LossKind::BccNotShown => "bcc-not-shown",
            LossKind::UnknownCharset => "unknown-charset",
            LossKind::MalformedMime => "malformed-mime",
            LossKind::MimePart => "mime-part",
            LossKind::Header => "header",
            LossKind::TooDeep => "too-deep",
        }
    }
}

/// One thing the target format could not hold: what, where, why.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Loss {
    /// What kind of thing was lost.
    pub kind: LossKind,
    /// Where: `message`, `attachment 2`, `attachment 1/embedded/attachment 0`,
    /// or a MIME part path such as `part 1.2`.
    pub location: String,
    /// What exactly, and why it could not be carried.
    pub detail: String,
}

impl fmt::Display for Loss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at {}: {}", self.kind.name(), self.location, self.detail)
    }
}

/// What a conversion between .msg and .eml could not carry into the target
/// format. Nothing is dropped silently: each item the target cannot hold is
/// one [`Loss`], except named properties, which are one loss per message
/// that lists them ([`LossKind::NamedProperty`]). `Display` prints one line
/// per loss.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConversionReport {
    /// The losses, in the order they were met.
    pub losses: Vec<Loss>,
}

impl ConversionReport {
    /// Whether nothing was lost.
    pub fn is_empty(&self) -> bool {
        self.losses.is_empty()
    }

    /// The losses of one kind.
    pub fn of_kind(&self, kind: LossKind) -> impl Iterator<Item = &Loss> {
        self.losses.iter().filter(move |l| l.kind == kind)
    }

    pub(crate) fn add(&mut self, kind: LossKind, location: &str, detail: impl Into<String>) {
        self.losses.push(Loss {
            kind,
            location: if location.is_empty() {
                "message".into()
            } else {
                location.to_string()
            },
            detail: detail.into(),
        });
    }
}

impl fmt::Display for ConversionReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for l in &self.losses {
            writeln!(f, "{l}")?;
        }
        Ok(())
    }
}
