//! What was wrong in a file but could be read past: typed, so a program can
//! tell a repaired file from one that lost an item.

use std::fmt;

/// One problem found while reading a file leniently (see
/// [`OpenOptions`](crate::OpenOptions)): where, what kind, and why.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Warning {
    /// The storage or stream path inside the compound file (`/` is the root).
    pub path: String,
    /// What happened to the part of the file concerned.
    pub kind: WarningKind,
    /// Why, in words.
    pub reason: String,
}

/// What lenient reading did about a problem.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WarningKind {
    /// Read past: what could be read is there, and the part stays in the
    /// file as it was (a save copies it unchanged).
    ReadPast,
    /// An item (a property, a recipient) could not be read and is left out
    /// of the message; saving needs [`Message::accept_damage`](crate::Message::accept_damage).
    Skipped,
    /// The compound-file structure was repaired in memory to read the file;
    /// nothing on disk changed.
    Repaired,
    /// A save left something untrue that oxmsg cannot make true: a
    /// received header block naming an old subject, sender or recipients,
    /// or a signature that an added attachment breaks.
    Stale,
}

impl Warning {
    pub(crate) fn new(path: impl Into<String>, kind: WarningKind, reason: impl Into<String>) -> Warning {
        Warning {
            path: path.into(),
            kind,
            reason: reason.into(),
        }
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            WarningKind::ReadPast => "read past",
            WarningKind::Skipped => "left out",
            WarningKind::Repaired => "repaired",
            WarningKind::Stale => "stale",
        };
        write!(f, "{}: {} ({kind})", self.path, self.reason)
    }
}
