//! Typed tags for the properties Outlook sets on mail, recipients and
//! attachments (MS-OXPROPS; `mapitags.h` names without the `PR_` prefix).
//!
//! String properties are declared PT_UNICODE; reading them also accepts the
//! PT_STRING8 form of ANSI files, decoded with the message's code page.

use super::typed::kind::*;
use super::Tag;

type Importance = Enum<super::Importance>;
type Sensitivity = Enum<super::Sensitivity>;
type RecipientTypeKind = Enum<super::RecipientType>;
type AttachMethod = Enum<super::AttachMethod>;

macro_rules! tags {
    ($( $(#[$doc:meta])* $name:ident : $k:ident = $id:expr; )*) => {$(
        $(#[$doc])*
        pub const $name: Tag<$k> = Tag::new($id);
    )*};
}

tags! {
    // --- envelope ---
    /// PR_MESSAGE_CLASS (0x001A): `IPM.Note`, `IPM.Appointment`, …
    MESSAGE_CLASS: Unicode = 0x001A;
    /// PR_SUBJECT (0x0037).
    SUBJECT: Unicode = 0x0037;
    /// PR_SUBJECT_PREFIX (0x003D): `RE: `, `FW: `.
    SUBJECT_PREFIX: Unicode = 0x003D;
    /// PR_NORMALIZED_SUBJECT (0x0E1D): the subject without its prefix.
    NORMALIZED_SUBJECT: Unicode = 0x0E1D;
    /// PR_CONVERSATION_TOPIC (0x0070).
    CONVERSATION_TOPIC: Unicode = 0x0070;
    /// PR_CONVERSATION_INDEX (0x0071).
    CONVERSATION_INDEX: Binary = 0x0071;
    /// PR_IMPORTANCE (0x0017): 0 low, 1 normal, 2 high.
    IMPORTANCE: Importance = 0x0017;
    /// PR_PRIORITY (0x0026): -1 non-urgent, 0 normal, 1 urgent.
    PRIORITY: Long = 0x0026;
    /// PR_SENSITIVITY (0x0036): 0 none, 1 personal, 2 private, 3 confidential.
    SENSITIVITY: Sensitivity = 0x0036;
    /// PR_READ_RECEIPT_REQUESTED (0x0029).
    READ_RECEIPT_REQUESTED: Boolean = 0x0029;
    /// PR_ORIGINATOR_DELIVERY_REPORT_REQUESTED (0x0023).
    ORIGINATOR_DELIVERY_REPORT_REQUESTED: Boolean = 0x0023;
    /// PR_MESSAGE_FLAGS (0x0E07): `MSGFLAG_*` bits.
    MESSAGE_FLAGS: Long = 0x0E07;
    /// PR_MESSAGE_SIZE (0x0E08).
    MESSAGE_SIZE: Long = 0x0E08;
    /// PR_HASATTACH (0x0E1B).
    HASATTACH: Boolean = 0x0E1B;
    /// PR_DISPLAY_TO (0x0E04): display names of the To recipients.
    DISPLAY_TO: Unicode = 0x0E04;
    /// PR_DISPLAY_CC (0x0E03).
    DISPLAY_CC: Unicode = 0x0E03;
    /// PR_DISPLAY_BCC (0x0E02).
    DISPLAY_BCC: Unicode = 0x0E02;
    /// PR_INTERNET_MESSAGE_ID (0x1035).
    INTERNET_MESSAGE_ID: Unicode = 0x1035;
    /// PR_IN_REPLY_TO_ID (0x1042).
    IN_REPLY_TO_ID: Unicode = 0x1042;
    /// PR_INTERNET_REFERENCES (0x1039).
    INTERNET_REFERENCES: Unicode = 0x1039;
    /// PR_TRANSPORT_MESSAGE_HEADERS (0x007D): the internet headers as received.
    TRANSPORT_MESSAGE_HEADERS: Unicode = 0x007D;
    /// PR_REPLY_RECIPIENT_NAMES (0x0050).
    REPLY_RECIPIENT_NAMES: Unicode = 0x0050;
    /// PR_REPLY_RECIPIENT_ENTRIES (0x004F).
    REPLY_RECIPIENT_ENTRIES: Binary = 0x004F;
    /// PR_FLAG_STATUS (0x1090): the follow-up flag; 0 none, 1 complete, 2 flagged.
    FLAG_STATUS: Long = 0x1090;
    /// PR_FLAG_COMPLETE_TIME (0x1091).
    FLAG_COMPLETE_TIME: SysTime = 0x1091;
    /// PR_ICON_INDEX (0x1080).
    ICON_INDEX: Long = 0x1080;
    // --- times ---
    /// PR_CLIENT_SUBMIT_TIME (0x0039): when the sender sent it.
    CLIENT_SUBMIT_TIME: SysTime = 0x0039;
    /// PR_MESSAGE_DELIVERY_TIME (0x0E06): when it was received.
    MESSAGE_DELIVERY_TIME: SysTime = 0x0E06;
    /// PR_CREATION_TIME (0x3007).
    CREATION_TIME: SysTime = 0x3007;
    /// PR_LAST_MODIFICATION_TIME (0x3008).
    LAST_MODIFICATION_TIME: SysTime = 0x3008;
    // --- sender ---
    /// PR_SENDER_NAME (0x0C1A).
    SENDER_NAME: Unicode = 0x0C1A;
    /// PR_SENDER_EMAIL_ADDRESS (0x0C1F).
    SENDER_EMAIL_ADDRESS: Unicode = 0x0C1F;
    /// PR_SENDER_ADDRTYPE (0x0C1E): `SMTP`, `EX`.
    SENDER_ADDRTYPE: Unicode = 0x0C1E;
    /// PR_SENDER_SMTP_ADDRESS (0x5D01).
    SENDER_SMTP_ADDRESS: Unicode = 0x5D01;
    /// PR_SENDER_ENTRYID (0x0C19).
    SENDER_ENTRYID: Binary = 0x0C19;
    /// PR_SENDER_SEARCH_KEY (0x0C1D).
    SENDER_SEARCH_KEY: Binary = 0x0C1D;
    /// PR_SENT_REPRESENTING_NAME (0x0042).
    SENT_REPRESENTING_NAME: Unicode = 0x0042;
    /// PR_SENT_REPRESENTING_EMAIL_ADDRESS (0x0065).
    SENT_REPRESENTING_EMAIL_ADDRESS: Unicode = 0x0065;
    /// PR_SENT_REPRESENTING_ADDRTYPE (0x0064).
    SENT_REPRESENTING_ADDRTYPE: Unicode = 0x0064;
    /// PR_SENT_REPRESENTING_SMTP_ADDRESS (0x5D02).
    SENT_REPRESENTING_SMTP_ADDRESS: Unicode = 0x5D02;
    /// PR_SENT_REPRESENTING_ENTRYID (0x0041).
    SENT_REPRESENTING_ENTRYID: Binary = 0x0041;
    /// PR_SENT_REPRESENTING_SEARCH_KEY (0x003B).
    SENT_REPRESENTING_SEARCH_KEY: Binary = 0x003B;
    /// PR_RECEIVED_BY_NAME (0x0040).
    RECEIVED_BY_NAME: Unicode = 0x0040;
    /// PR_RECEIVED_BY_EMAIL_ADDRESS (0x0076).
    RECEIVED_BY_EMAIL_ADDRESS: Unicode = 0x0076;
    /// PR_RECEIVED_BY_ENTRYID (0x003F).
    RECEIVED_BY_ENTRYID: Binary = 0x003F;
    /// PR_RECEIVED_BY_SEARCH_KEY (0x0051).
    RECEIVED_BY_SEARCH_KEY: Binary = 0x0051;
    /// PR_RECEIVED_BY_ADDRTYPE (0x0075).
    RECEIVED_BY_ADDRTYPE: Unicode = 0x0075;
    /// PR_RECEIVED_BY_SMTP_ADDRESS (0x5D07).
    RECEIVED_BY_SMTP_ADDRESS: Unicode = 0x5D07;
    /// PR_RCVD_REPRESENTING_NAME (0x0044).
    RCVD_REPRESENTING_NAME: Unicode = 0x0044;
    /// PR_RCVD_REPRESENTING_ENTRYID (0x0043).
    RCVD_REPRESENTING_ENTRYID: Binary = 0x0043;
    /// PR_RCVD_REPRESENTING_SEARCH_KEY (0x0052).
    RCVD_REPRESENTING_SEARCH_KEY: Binary = 0x0052;
    /// PR_RCVD_REPRESENTING_ADDRTYPE (0x0077).
    RCVD_REPRESENTING_ADDRTYPE: Unicode = 0x0077;
    /// PR_RCVD_REPRESENTING_EMAIL_ADDRESS (0x0078).
    RCVD_REPRESENTING_EMAIL_ADDRESS: Unicode = 0x0078;
    /// PR_RCVD_REPRESENTING_SMTP_ADDRESS (0x5D08).
    RCVD_REPRESENTING_SMTP_ADDRESS: Unicode = 0x5D08;
    /// PR_ALTERNATE_RECIPIENT_ALLOWED (0x0002).
    ALTERNATE_RECIPIENT_ALLOWED: Boolean = 0x0002;
    /// PR_DELETE_AFTER_SUBMIT (0x0E01).
    DELETE_AFTER_SUBMIT: Boolean = 0x0E01;
    // --- bodies ---
    /// PR_BODY (0x1000): the plain-text body.
    BODY: Unicode = 0x1000;
    /// PR_HTML (0x1013, PT_BINARY): the HTML body, in PR_INTERNET_CPID.
    HTML: Binary = 0x1013;
    /// PR_RTF_COMPRESSED (0x1009): the MS-OXRTFCP compressed RTF body.
    RTF_COMPRESSED: Binary = 0x1009;
    /// PR_RTF_IN_SYNC (0x0E1F).
    RTF_IN_SYNC: Boolean = 0x0E1F;
    /// PR_NATIVE_BODY_INFO (0x1016): 1 text, 2 RTF, 3 HTML.
    NATIVE_BODY_INFO: Long = 0x1016;
    /// PR_INTERNET_CPID (0x3FDE): code page of the internet body (PR_HTML).
    INTERNET_CPID: Long = 0x3FDE;
    /// PR_MESSAGE_CODEPAGE (0x3FFD): code page of the PT_STRING8 properties.
    MESSAGE_CODEPAGE: Long = 0x3FFD;
    /// PR_MESSAGE_LOCALE_ID (0x3FF1): an LCID.
    MESSAGE_LOCALE_ID: Long = 0x3FF1;
    // --- store and object ---
    /// PR_STORE_SUPPORT_MASK (0x340D): `STORE_UNICODE_OK` (0x40000) marks a Unicode file.
    STORE_SUPPORT_MASK: Long = 0x340D;
    /// PR_STORE_UNICODE_MASK (0x340F).
    STORE_UNICODE_MASK: Long = 0x340F;
    /// PR_OBJECT_TYPE (0x0FFE): 5 message, 6 mail user, 7 attachment.
    OBJECT_TYPE: Long = 0x0FFE;
    /// PR_ACCESS (0x0FF4).
    ACCESS: Long = 0x0FF4;
    /// PR_ACCESS_LEVEL (0x0FF7).
    ACCESS_LEVEL: Long = 0x0FF7;
    /// PR_ENTRYID (0x0FFF).
    ENTRYID: Binary = 0x0FFF;
    /// PR_RECORD_KEY (0x0FF9).
    RECORD_KEY: Binary = 0x0FF9;
    /// PR_SEARCH_KEY (0x300B).
    SEARCH_KEY: Binary = 0x300B;
    /// PR_DISPLAY_NAME (0x3001): recipient or attachment display name.
    DISPLAY_NAME: Unicode = 0x3001;
    // --- recipients ---
    /// PR_ROWID (0x3000): a recipient's row id.
    ROWID: Long = 0x3000;
    /// PR_RECIPIENT_TYPE (0x0C15): 1 To, 2 Cc, 3 Bcc.
    RECIPIENT_TYPE: RecipientTypeKind = 0x0C15;
    /// PR_ADDRTYPE (0x3002): `SMTP`, `EX`.
    ADDRTYPE: Unicode = 0x3002;
    /// PR_EMAIL_ADDRESS (0x3003).
    EMAIL_ADDRESS: Unicode = 0x3003;
    /// PR_SMTP_ADDRESS (0x39FE).
    SMTP_ADDRESS: Unicode = 0x39FE;
    /// PR_DISPLAY_TYPE (0x3900).
    DISPLAY_TYPE: Long = 0x3900;
    /// PR_RECIPIENT_DISPLAY_NAME (0x5FF6).
    RECIPIENT_DISPLAY_NAME: Unicode = 0x5FF6;
    /// PR_TRANSMITABLE_DISPLAY_NAME (0x3A20).
    TRANSMITABLE_DISPLAY_NAME: Unicode = 0x3A20;
    /// PR_RECIPIENT_ENTRYID (0x5FF7).
    RECIPIENT_ENTRYID: Binary = 0x5FF7;
    /// PR_RECIPIENT_FLAGS (0x5FFD).
    RECIPIENT_FLAGS: Long = 0x5FFD;
    /// PR_RESPONSIBILITY (0x0E0F).
    RESPONSIBILITY: Boolean = 0x0E0F;
    /// PR_SEND_RICH_INFO (0x3A40).
    SEND_RICH_INFO: Boolean = 0x3A40;
    /// PR_RECIPIENT_TRACK_STATUS (0x5FFF): the voting/tracking response, 0 none.
    RECIPIENT_TRACK_STATUS: Long = 0x5FFF;
    /// PR_DISPLAY_TYPE_EX (0x3905): the display type with its flags.
    DISPLAY_TYPE_EX: Long = 0x3905;
    /// PR_RECIPIENT_ORDER (0x5FDF): the row's position as Outlook shows it.
    RECIPIENT_ORDER: Long = 0x5FDF;
    /// PR_RECIPIENT_RESOURCESTATE (0x5FDE).
    RECIPIENT_RESOURCESTATE: Long = 0x5FDE;
    /// PR_SEND_INTERNET_ENCODING (0x3A71): 0, the sender's choice.
    SEND_INTERNET_ENCODING: Long = 0x3A71;
    // --- attachments ---
    /// PR_ATTACH_NUM (0x0E21).
    ATTACH_NUM: Long = 0x0E21;
    /// PR_ATTACH_SIZE (0x0E20).
    ATTACH_SIZE: Long = 0x0E20;
    /// PR_ATTACH_DATA_BIN (0x3701, PT_BINARY): the data of a by-value attachment.
    ATTACH_DATA_BIN: Binary = 0x3701;
    /// PR_ATTACH_EXTENSION (0x3703).
    ATTACH_EXTENSION: Unicode = 0x3703;
    /// PR_ATTACH_FILENAME (0x3704): the 8.3 name.
    ATTACH_FILENAME: Unicode = 0x3704;
    /// PR_ATTACH_METHOD (0x3705): 1 by value, 5 embedded message, 6 OLE, …
    ATTACH_METHOD: AttachMethod = 0x3705;
    /// PR_ATTACH_LONG_FILENAME (0x3707).
    ATTACH_LONG_FILENAME: Unicode = 0x3707;
    /// PR_ATTACH_PATHNAME (0x3708).
    ATTACH_PATHNAME: Unicode = 0x3708;
    /// PR_ATTACH_RENDERING (0x3709).
    ATTACH_RENDERING: Binary = 0x3709;
    /// PR_RENDERING_POSITION (0x370B): -1 when not rendered inline.
    RENDERING_POSITION: Long = 0x370B;
    /// PR_ATTACH_LONG_PATHNAME (0x370D).
    ATTACH_LONG_PATHNAME: Unicode = 0x370D;
    /// PR_ATTACH_MIME_TAG (0x370E).
    ATTACH_MIME_TAG: Unicode = 0x370E;
    /// PR_ATTACH_CONTENT_ID (0x3712).
    ATTACH_CONTENT_ID: Unicode = 0x3712;
    /// PR_ATTACH_CONTENT_LOCATION (0x3713).
    ATTACH_CONTENT_LOCATION: Unicode = 0x3713;
    /// PR_ATTACH_FLAGS (0x3714).
    ATTACH_FLAGS: Long = 0x3714;
    /// PR_ATTACHMENT_HIDDEN (0x7FFE).
    ATTACHMENT_HIDDEN: Boolean = 0x7FFE;
}
