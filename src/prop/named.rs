//! Named properties (MAPI `MAPINAMEID`): property-set GUIDs, names, and typed
//! named tags.
//!
//! A named property is identified by a property-set GUID plus either a
//! numeric long ID (LID, `MNID_ID`) or a Unicode string (`MNID_STRING`). In a
//! .msg file each name used is mapped to a property id in `0x8000..=0xFFFE`
//! by the `__nameid_version1.0` storage (MS-OXMSG 2.2.3); the id is only
//! meaningful within one file.
//!
//! The constants at the bottom of this module ([`KEYWORDS`],
//! [`APPOINTMENT_START_WHOLE`], …) are [`NamedTag`]s for commonly used named
//! properties, each as listed in MS-OXPROPS (canonical name, property set,
//! LID or name, and type).

use std::fmt;
use std::marker::PhantomData;

use super::{Guid, PropKind, PropType};

/// The name half of a named property: MAPI `MAPINAMEID.Kind`, selected by
/// `MAPINAMEID.ulKind`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PropName {
    /// `MNID_ID`: a numeric long ID (LID), e.g. `0x8233`.
    Id(u32),
    /// `MNID_STRING`: a Unicode name, e.g. `"Keywords"`.
    String(String),
}

impl fmt::Display for PropName {
    /// `0x8233` for a LID, `"name"` (quoted, escaped as by `{:?}`) for a string.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PropName::Id(lid) => write!(f, "0x{lid:04X}"),
            PropName::String(s) => write!(f, "{s:?}"),
        }
    }
}

/// A named property's full name: MAPI `MAPINAMEID` (the property-set GUID
/// `lpguid` plus the [`PropName`]).
///
/// Equality is exact. MAPI treats names in [`PS_INTERNET_HEADERS`] as
/// case-insensitive; use [`NamedProp::matches`] for that comparison.
///
/// Displays as `{00062002-0000-0000-C000-000000000046}:0x820D` or
/// `{00020329-0000-0000-C000-000000000046}:"Keywords"`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NamedProp {
    /// The property set (`MAPINAMEID.lpguid`).
    pub guid: Guid,
    /// The LID or string name (`MAPINAMEID.Kind`).
    pub name: PropName,
}

impl NamedProp {
    /// A numeric (`MNID_ID`) name: property set `guid`, long ID `lid`.
    pub fn id(guid: Guid, lid: u32) -> NamedProp {
        NamedProp {
            guid,
            name: PropName::Id(lid),
        }
    }

    /// A string (`MNID_STRING`) name: property set `guid`, name `name`.
    pub fn string(guid: Guid, name: impl Into<String>) -> NamedProp {
        NamedProp {
            guid,
            name: PropName::String(name.into()),
        }
    }

    /// Whether this is a string name in [`PS_INTERNET_HEADERS`], whose names
    /// MAPI compares case-insensitively (Outlook stores them lower-cased).
    pub fn is_internet_header(&self) -> bool {
        self.guid == PS_INTERNET_HEADERS && matches!(self.name, PropName::String(_))
    }

    /// Whether `self` and `other` name the same property as MAPI resolves
    /// names: string names in [`PS_INTERNET_HEADERS`] compare
    /// case-insensitively, everything else exactly.
    pub fn matches(&self, other: &NamedProp) -> bool {
        if self.guid != other.guid {
            return false;
        }
        match (&self.name, &other.name) {
            (PropName::Id(a), PropName::Id(b)) => a == b,
            (PropName::String(a), PropName::String(b)) => {
                if self.guid == PS_INTERNET_HEADERS {
                    a == b || a.to_lowercase() == b.to_lowercase()
                } else {
                    a == b
                }
            }
            _ => false,
        }
    }
}

impl fmt::Display for NamedProp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.guid, self.name)
    }
}

/// The name half of a [`NamedTag`], in a form that can be built in a `const`
/// (a `MAPINAMEID.Kind` whose string is `&'static`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NamedName {
    /// `MNID_ID`: a numeric long ID (LID).
    Id(u32),
    /// `MNID_STRING`: a string name.
    Str(&'static str),
}

/// A named property whose value type is fixed at compile time: a
/// `MAPINAMEID` plus the `PT_*` type `K` (the named counterpart of
/// [`Tag<K>`](super::Tag)).
///
/// Its property id is not known until the name is resolved against a
/// message's name-to-id map.
///
/// ```
/// use oxmsg::prop::named::{NamedTag, PSETID_APPOINTMENT, LOCATION};
/// use oxmsg::kind::Unicode;
/// const MY_LOCATION: NamedTag<Unicode> = NamedTag::id(PSETID_APPOINTMENT, 0x8208);
/// assert_eq!(MY_LOCATION.name(), LOCATION.name());
/// assert_eq!(
///     LOCATION.name().to_string(),
///     "{00062002-0000-0000-C000-000000000046}:0x8208"
/// );
/// ```
pub struct NamedTag<K: PropKind> {
    guid: Guid,
    name: NamedName,
    _kind: PhantomData<fn() -> K>,
}

impl<K: PropKind> NamedTag<K> {
    /// A numeric (`MNID_ID`) named tag: property set `guid`, long ID `lid`.
    pub const fn id(guid: Guid, lid: u32) -> Self {
        NamedTag {
            guid,
            name: NamedName::Id(lid),
            _kind: PhantomData,
        }
    }

    /// A string (`MNID_STRING`) named tag: property set `guid`, name `name`.
    pub const fn string(guid: Guid, name: &'static str) -> Self {
        NamedTag {
            guid,
            name: NamedName::Str(name),
            _kind: PhantomData,
        }
    }

    /// The property set GUID.
    pub const fn guid(&self) -> Guid {
        self.guid
    }

    /// The LID or string name, as given to the constructor.
    pub const fn named_name(&self) -> NamedName {
        self.name
    }

    /// The full name, as a [`NamedProp`].
    pub fn name(&self) -> NamedProp {
        NamedProp {
            guid: self.guid,
            name: match self.name {
                NamedName::Id(lid) => PropName::Id(lid),
                NamedName::Str(s) => PropName::String(s.to_owned()),
            },
        }
    }

    /// The property type, `K::TYPE`.
    pub fn prop_type(&self) -> PropType {
        K::TYPE
    }
}

impl<K: PropKind> Clone for NamedTag<K> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<K: PropKind> Copy for NamedTag<K> {}

impl<K: PropKind> PartialEq for NamedTag<K> {
    fn eq(&self, other: &Self) -> bool {
        self.guid == other.guid && self.name == other.name
    }
}

impl<K: PropKind> Eq for NamedTag<K> {}

impl<K: PropKind> fmt::Debug for NamedTag<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NamedTag({}, {:?})", self.name(), K::TYPE)
    }
}

impl<K: PropKind> From<NamedTag<K>> for NamedProp {
    fn from(t: NamedTag<K>) -> NamedProp {
        t.name()
    }
}

// ---------------------------------------------------------------------------
// Property sets (MS-OXPROPS 1.3.2, "Commonly Used Property Sets").

/// `{000200xx-0000-0000-C000-000000000046}`-style OLE GUIDs.
const fn ole_guid(d1: u32) -> Guid {
    Guid::from_fields(d1, 0, 0, [0xC0, 0, 0, 0, 0, 0, 0, 0x46])
}

/// `PS_MAPI` {00020328-0000-0000-C000-000000000046}: names whose LID is a
/// tagged property's id. GUID index 1 in a .msg; never stored in the GUID stream.
pub const PS_MAPI: Guid = ole_guid(0x0002_0328);
/// `PS_PUBLIC_STRINGS` {00020329-0000-0000-C000-000000000046}: general
/// string-named properties (e.g. `Keywords`). GUID index 2 in a .msg; never
/// stored in the GUID stream.
pub const PS_PUBLIC_STRINGS: Guid = ole_guid(0x0002_0329);
/// `PS_INTERNET_HEADERS` {00020386-0000-0000-C000-000000000046}: Internet
/// header fields, named by the header name (case-insensitive; Outlook stores
/// the names lower-cased).
pub const PS_INTERNET_HEADERS: Guid = ole_guid(0x0002_0386);
/// `PSETID_Common` {00062008-0000-0000-C000-000000000046}: reminders, flags,
/// and other properties shared by all item types.
pub const PSETID_COMMON: Guid = ole_guid(0x0006_2008);
/// `PSETID_Address` {00062004-0000-0000-C000-000000000046}: contacts.
pub const PSETID_ADDRESS: Guid = ole_guid(0x0006_2004);
/// `PSETID_Appointment` {00062002-0000-0000-C000-000000000046}: calendar items.
pub const PSETID_APPOINTMENT: Guid = ole_guid(0x0006_2002);
/// `PSETID_Meeting` {6ED8DA90-450B-101B-98DA-00AA003F1305}: meeting requests
/// and responses.
pub const PSETID_MEETING: Guid = Guid::from_fields(
    0x6ED8_DA90,
    0x450B,
    0x101B,
    [0x98, 0xDA, 0x00, 0xAA, 0x00, 0x3F, 0x13, 0x05],
);
/// `PSETID_Task` {00062003-0000-0000-C000-000000000046}: tasks.
pub const PSETID_TASK: Guid = ole_guid(0x0006_2003);
/// `PSETID_Note` {0006200E-0000-0000-C000-000000000046}: sticky notes.
pub const PSETID_NOTE: Guid = ole_guid(0x0006_200E);
/// `PSETID_Log` {0006200A-0000-0000-C000-000000000046}: journal entries.
pub const PSETID_LOG: Guid = ole_guid(0x0006_200A);
/// `PSETID_Sharing` {00062040-0000-0000-C000-000000000046}: sharing messages.
pub const PSETID_SHARING: Guid = ole_guid(0x0006_2040);
/// `PSETID_PostRss` {00062041-0000-0000-C000-000000000046}: RSS feed items.
pub const PSETID_POST_RSS: Guid = ole_guid(0x0006_2041);
/// `PSETID_UnifiedMessaging` {4442858E-A9E3-4E80-B900-317A210CC15B}: voice
/// mail and fax.
pub const PSETID_UNIFIED_MESSAGING: Guid = Guid::from_fields(
    0x4442_858E,
    0xA9E3,
    0x4E80,
    [0xB9, 0x00, 0x31, 0x7A, 0x21, 0x0C, 0xC1, 0x5B],
);
/// `PSETID_AirSync` {71035549-0739-4DCB-9163-00F0580DBBDF}: Exchange
/// ActiveSync.
pub const PSETID_AIR_SYNC: Guid = Guid::from_fields(
    0x7103_5549,
    0x0739,
    0x4DCB,
    [0x91, 0x63, 0x00, 0xF0, 0x58, 0x0D, 0xBB, 0xDF],
);
/// `PSETID_Messaging` {41F28F13-83F4-4114-A584-EEDB5A6B0BFF}: messaging.
pub const PSETID_MESSAGING: Guid = Guid::from_fields(
    0x41F2_8F13,
    0x83F4,
    0x4114,
    [0xA5, 0x84, 0xEE, 0xDB, 0x5A, 0x6B, 0x0B, 0xFF],
);
/// `PSETID_CalendarAssistant` {11000E07-B51B-40D6-AF21-CAA85EDAB1D0}:
/// calendar assistant (server-side calendar processing).
pub const PSETID_CALENDAR_ASSISTANT: Guid = Guid::from_fields(
    0x1100_0E07,
    0xB51B,
    0x40D6,
    [0xAF, 0x21, 0xCA, 0xA8, 0x5E, 0xDA, 0xB1, 0xD0],
);
/// `PSETID_Attachment` {96357F7F-59E1-47D0-99A7-46515C183B54}: attachments.
pub const PSETID_ATTACHMENT: Guid = Guid::from_fields(
    0x9635_7F7F,
    0x59E1,
    0x47D0,
    [0x99, 0xA7, 0x46, 0x51, 0x5C, 0x18, 0x3B, 0x54],
);
/// `PSETID_Report` {00062013-0000-0000-C000-000000000046}: reports.
pub const PSETID_REPORT: Guid = ole_guid(0x0006_2013);
/// `PSETID_Remote` {00062014-0000-0000-C000-000000000046}: remote items.
pub const PSETID_REMOTE: Guid = ole_guid(0x0006_2014);
/// `PSETID_XmlExtractedEntities` {23239608-685D-4732-9C55-4C95CB4E8E33}:
/// entities extracted from the message body.
pub const PSETID_XML_EXTRACTED_ENTITIES: Guid = Guid::from_fields(
    0x2323_9608,
    0x685D,
    0x4732,
    [0x9C, 0x55, 0x4C, 0x95, 0xCB, 0x4E, 0x8E, 0x33],
);

// ---------------------------------------------------------------------------
// Common named properties (MS-OXPROPS section 2).

use super::kind::{Boolean, Double, Long, MvUnicode, SysTime, Unicode};

/// `PidNameKeywords` (PS_PUBLIC_STRINGS, `"Keywords"`, PtypMultipleString):
/// the item's categories.
pub const KEYWORDS: NamedTag<MvUnicode> = NamedTag::string(PS_PUBLIC_STRINGS, "Keywords");

/// `PidLidAppointmentStartWhole` (PSETID_Appointment, LID 0x820D, PtypTime):
/// start of the appointment, UTC.
pub const APPOINTMENT_START_WHOLE: NamedTag<SysTime> = NamedTag::id(PSETID_APPOINTMENT, 0x820D);
/// `PidLidAppointmentEndWhole` (PSETID_Appointment, LID 0x820E, PtypTime):
/// end of the appointment, UTC.
pub const APPOINTMENT_END_WHOLE: NamedTag<SysTime> = NamedTag::id(PSETID_APPOINTMENT, 0x820E);
/// `PidLidLocation` (PSETID_Appointment, LID 0x8208, PtypString): where the
/// appointment takes place.
pub const LOCATION: NamedTag<Unicode> = NamedTag::id(PSETID_APPOINTMENT, 0x8208);
/// `PidLidBusyStatus` (PSETID_Appointment, LID 0x8205, PtypInteger32): free
/// (0), tentative (1), busy (2), out of office (3), working elsewhere (4).
pub const BUSY_STATUS: NamedTag<Long> = NamedTag::id(PSETID_APPOINTMENT, 0x8205);
/// `PidLidAppointmentSubType` (PSETID_Appointment, LID 0x8215, PtypBoolean):
/// whether the event is an all-day event.
pub const APPOINTMENT_SUB_TYPE: NamedTag<Boolean> = NamedTag::id(PSETID_APPOINTMENT, 0x8215);

/// `PidLidReminderSet` (PSETID_Common, LID 0x8503, PtypBoolean): whether a
/// reminder is set.
pub const REMINDER_SET: NamedTag<Boolean> = NamedTag::id(PSETID_COMMON, 0x8503);
/// `PidLidReminderDelta` (PSETID_Common, LID 0x8501, PtypInteger32): minutes
/// before the start at which the reminder fires.
pub const REMINDER_DELTA: NamedTag<Long> = NamedTag::id(PSETID_COMMON, 0x8501);
/// `PidLidReminderTime` (PSETID_Common, LID 0x8502, PtypTime): the initial
/// time the reminder is for, UTC.
pub const REMINDER_TIME: NamedTag<SysTime> = NamedTag::id(PSETID_COMMON, 0x8502);
/// `PidLidReminderSignalTime` (PSETID_Common, LID 0x8560, PtypTime): when the
/// reminder next fires, UTC.
pub const REMINDER_SIGNAL_TIME: NamedTag<SysTime> = NamedTag::id(PSETID_COMMON, 0x8560);
/// `PidLidCommonStart` (PSETID_Common, LID 0x8516, PtypTime): start of the
/// item (appointments, tasks, flags), UTC.
pub const COMMON_START: NamedTag<SysTime> = NamedTag::id(PSETID_COMMON, 0x8516);
/// `PidLidCommonEnd` (PSETID_Common, LID 0x8517, PtypTime): end of the item,
/// UTC.
pub const COMMON_END: NamedTag<SysTime> = NamedTag::id(PSETID_COMMON, 0x8517);
/// `PidLidFlagRequest` (PSETID_Common, LID 0x8530, PtypString): the follow-up
/// flag's text (e.g. "Follow up").
pub const FLAG_REQUEST: NamedTag<Unicode> = NamedTag::id(PSETID_COMMON, 0x8530);
/// `PidLidInternetAccountName` (PSETID_Common, LID 0x8580, PtypString): the
/// user-visible name of the account the message is sent through.
pub const INTERNET_ACCOUNT_NAME: NamedTag<Unicode> = NamedTag::id(PSETID_COMMON, 0x8580);

/// `PidLidTaskStatus` (PSETID_Task, LID 0x8101, PtypInteger32): not started
/// (0), in progress (1), complete (2), waiting on others (3), deferred (4).
pub const TASK_STATUS: NamedTag<Long> = NamedTag::id(PSETID_TASK, 0x8101);
/// `PidLidPercentComplete` (PSETID_Task, LID 0x8102, PtypFloating64): task
/// progress, 0.0 to 1.0.
pub const PERCENT_COMPLETE: NamedTag<Double> = NamedTag::id(PSETID_TASK, 0x8102);
/// `PidLidTaskStartDate` (PSETID_Task, LID 0x8104, PtypTime): task start
/// date (midnight, local time stored as UTC).
pub const TASK_START_DATE: NamedTag<SysTime> = NamedTag::id(PSETID_TASK, 0x8104);
/// `PidLidTaskDueDate` (PSETID_Task, LID 0x8105, PtypTime): task due date
/// (midnight, local time stored as UTC).
pub const TASK_DUE_DATE: NamedTag<SysTime> = NamedTag::id(PSETID_TASK, 0x8105);

/// The `X-Mailer` Internet header (PS_INTERNET_HEADERS, `"x-mailer"`,
/// PtypString): the sending program. Not listed in MS-OXPROPS; written by
/// Outlook with the name lower-cased, as here.
pub const X_MAILER: NamedTag<Unicode> = NamedTag::string(PS_INTERNET_HEADERS, "x-mailer");
/// `PidNameContentClass` (PS_INTERNET_HEADERS, `"Content-Class"`,
/// PtypString): the Content-Class header. Spelled lower-case here, as
/// Outlook stores PS_INTERNET_HEADERS names; MAPI compares them
/// case-insensitively.
pub const CONTENT_CLASS: NamedTag<Unicode> = NamedTag::string(PS_INTERNET_HEADERS, "content-class");
/// `PidNameMSIPLabels` (PS_INTERNET_HEADERS, `"msip_labels"`, PtypString):
/// Microsoft Information Protection (sensitivity) labels.
pub const MSIP_LABELS: NamedTag<Unicode> = NamedTag::string(PS_INTERNET_HEADERS, "msip_labels");

/// `PidLidEmail1DisplayName` (PSETID_Address, LID 0x8080, PtypString): the
/// display name of a contact's first e-mail address.
pub const EMAIL1_DISPLAY_NAME: NamedTag<Unicode> = NamedTag::id(PSETID_ADDRESS, 0x8080);
/// `PidLidEmail1EmailAddress` (PSETID_Address, LID 0x8083, PtypString): a
/// contact's first e-mail address.
pub const EMAIL1_EMAIL_ADDRESS: NamedTag<Unicode> = NamedTag::id(PSETID_ADDRESS, 0x8083);
/// `PidLidFileUnder` (PSETID_Address, LID 0x8005, PtypString): the name a
/// contact is filed under.
pub const FILE_UNDER: NamedTag<Unicode> = NamedTag::id(PSETID_ADDRESS, 0x8005);

/// `PidLidNoteColor` (PSETID_Note, LID 0x8B00, PtypInteger32): a sticky
/// note's colour: blue (0), green (1), pink (2), yellow (3), white (4).
pub const NOTE_COLOR: NamedTag<Long> = NamedTag::id(PSETID_NOTE, 0x8B00);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn property_set_guids_match_ms_oxprops() {
        let table: &[(Guid, &str)] = &[
            (PS_MAPI, "{00020328-0000-0000-C000-000000000046}"),
            (PS_PUBLIC_STRINGS, "{00020329-0000-0000-C000-000000000046}"),
            (PS_INTERNET_HEADERS, "{00020386-0000-0000-C000-000000000046}"),
            (PSETID_COMMON, "{00062008-0000-0000-C000-000000000046}"),
            (PSETID_ADDRESS, "{00062004-0000-0000-C000-000000000046}"),
            (PSETID_APPOINTMENT, "{00062002-0000-0000-C000-000000000046}"),
            (PSETID_MEETING, "{6ED8DA90-450B-101B-98DA-00AA003F1305}"),
            (PSETID_TASK, "{00062003-0000-0000-C000-000000000046}"),
            (PSETID_NOTE, "{0006200E-0000-0000-C000-000000000046}"),
            (PSETID_LOG, "{0006200A-0000-0000-C000-000000000046}"),
            (PSETID_SHARING, "{00062040-0000-0000-C000-000000000046}"),
            (PSETID_POST_RSS, "{00062041-0000-0000-C000-000000000046}"),
            (PSETID_UNIFIED_MESSAGING, "{4442858E-A9E3-4E80-B900-317A210CC15B}"),
            (PSETID_AIR_SYNC, "{71035549-0739-4DCB-9163-00F0580DBBDF}"),
            (PSETID_MESSAGING, "{41F28F13-83F4-4114-A584-EEDB5A6B0BFF}"),
            (PSETID_CALENDAR_ASSISTANT, "{11000E07-B51B-40D6-AF21-CAA85EDAB1D0}"),
            (PSETID_ATTACHMENT, "{96357F7F-59E1-47D0-99A7-46515C183B54}"),
            (PSETID_REPORT, "{00062013-0000-0000-C000-000000000046}"),
            (PSETID_REMOTE, "{00062014-0000-0000-C000-000000000046}"),
            (PSETID_XML_EXTRACTED_ENTITIES, "{23239608-685D-4732-9C55-4C95CB4E8E33}"),
        ];
        for (g, s) in table {
            assert_eq!(g.to_string(), *s);
            assert_eq!(Guid::parse(s), Some(*g));
        }
        // On-disk layout of PS_PUBLIC_STRINGS (MS-OXMSG / digest §3.8).
        assert_eq!(
            PS_PUBLIC_STRINGS.0,
            [0x29, 0x03, 0x02, 0, 0, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46]
        );
    }

    #[test]
    fn named_tags_match_ms_oxprops() {
        fn id<K: PropKind>(t: NamedTag<K>, g: Guid, lid: u32, ty: PropType) {
            assert_eq!(t.name(), NamedProp::id(g, lid));
            assert_eq!(t.prop_type(), ty);
        }
        fn st<K: PropKind>(t: NamedTag<K>, g: Guid, name: &str, ty: PropType) {
            assert_eq!(t.name(), NamedProp::string(g, name));
            assert_eq!(t.prop_type(), ty);
        }
        st(KEYWORDS, PS_PUBLIC_STRINGS, "Keywords", PropType::MV_UNICODE);
        id(APPOINTMENT_START_WHOLE, PSETID_APPOINTMENT, 0x820D, PropType::SYSTIME);
        id(APPOINTMENT_END_WHOLE, PSETID_APPOINTMENT, 0x820E, PropType::SYSTIME);
        id(LOCATION, PSETID_APPOINTMENT, 0x8208, PropType::UNICODE);
        id(BUSY_STATUS, PSETID_APPOINTMENT, 0x8205, PropType::LONG);
        id(APPOINTMENT_SUB_TYPE, PSETID_APPOINTMENT, 0x8215, PropType::BOOLEAN);
        id(REMINDER_SET, PSETID_COMMON, 0x8503, PropType::BOOLEAN);
        id(REMINDER_DELTA, PSETID_COMMON, 0x8501, PropType::LONG);
        id(REMINDER_TIME, PSETID_COMMON, 0x8502, PropType::SYSTIME);
        id(REMINDER_SIGNAL_TIME, PSETID_COMMON, 0x8560, PropType::SYSTIME);
        id(COMMON_START, PSETID_COMMON, 0x8516, PropType::SYSTIME);
        id(COMMON_END, PSETID_COMMON, 0x8517, PropType::SYSTIME);
        id(FLAG_REQUEST, PSETID_COMMON, 0x8530, PropType::UNICODE);
        id(INTERNET_ACCOUNT_NAME, PSETID_COMMON, 0x8580, PropType::UNICODE);
        id(TASK_STATUS, PSETID_TASK, 0x8101, PropType::LONG);
        id(PERCENT_COMPLETE, PSETID_TASK, 0x8102, PropType::DOUBLE);
        id(TASK_START_DATE, PSETID_TASK, 0x8104, PropType::SYSTIME);
        id(TASK_DUE_DATE, PSETID_TASK, 0x8105, PropType::SYSTIME);
        st(X_MAILER, PS_INTERNET_HEADERS, "x-mailer", PropType::UNICODE);
        st(CONTENT_CLASS, PS_INTERNET_HEADERS, "content-class", PropType::UNICODE);
        st(MSIP_LABELS, PS_INTERNET_HEADERS, "msip_labels", PropType::UNICODE);
        id(EMAIL1_DISPLAY_NAME, PSETID_ADDRESS, 0x8080, PropType::UNICODE);
        id(EMAIL1_EMAIL_ADDRESS, PSETID_ADDRESS, 0x8083, PropType::UNICODE);
        id(FILE_UNDER, PSETID_ADDRESS, 0x8005, PropType::UNICODE);
        id(NOTE_COLOR, PSETID_NOTE, 0x8B00, PropType::LONG);
    }

    #[test]
    fn display_and_matching() {
        assert_eq!(
            NamedProp::id(PSETID_COMMON, 0x8233).to_string(),
            "{00062008-0000-0000-C000-000000000046}:0x8233"
        );
        assert_eq!(
            KEYWORDS.name().to_string(),
            "{00020329-0000-0000-C000-000000000046}:\"Keywords\""
        );
        assert_eq!(
            format!("{:?}", LOCATION),
            "NamedTag({00062002-0000-0000-C000-000000000046}:0x8208, PT_UNICODE)"
        );
        let a = NamedProp::string(PS_INTERNET_HEADERS, "X-Mailer");
        assert!(a.matches(&X_MAILER.name()));
        assert_ne!(a, X_MAILER.name());
        assert!(a.is_internet_header());
        let b = NamedProp::string(PS_PUBLIC_STRINGS, "keywords");
        assert!(!b.matches(&KEYWORDS.name()));
        assert!(!NamedProp::id(PS_INTERNET_HEADERS, 1).is_internet_header());
        let t = LOCATION;
        let u = t; // Copy
        assert_eq!(t, u);
        assert_eq!(NamedProp::from(u), t.name());
        assert_eq!(t.named_name(), NamedName::Id(0x8208));
        assert_eq!(t.guid(), PSETID_APPOINTMENT);
    }
}
