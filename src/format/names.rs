//! Names of the storages and streams of a .msg (MS-OXMSG 2.1.3, 2.2, 2.4).

use crate::prop::PropTag;

/// The property stream of every object.
pub(crate) const PROPERTIES: &str = "__properties_version1.0";
/// The named-property mapping storage (top level only).
pub(crate) const NAMEID: &str = "__nameid_version1.0";
/// Prefix of recipient storages, followed by 8 upper-case hex digits.
pub(crate) const RECIP_PREFIX: &str = "__recip_version1.0_#";
/// Prefix of attachment storages, followed by 8 upper-case hex digits.
pub(crate) const ATTACH_PREFIX: &str = "__attach_version1.0_#";
/// Prefix of value streams and sub-storages.
pub(crate) const SUBSTG_PREFIX: &str = "__substg1.0_";
/// The sub-storage of an embedded message or OLE object (PR_ATTACH_DATA_OBJ).
pub(crate) const ATTACH_DATA_OBJ: &str = "__substg1.0_3701000D";
/// The GUID stream of the named-property mapping.
pub(crate) const NAMEID_GUIDS: &str = "__substg1.0_00020102";
/// The entry stream of the named-property mapping.
pub(crate) const NAMEID_ENTRIES: &str = "__substg1.0_00030102";
/// The string stream of the named-property mapping.
pub(crate) const NAMEID_STRINGS: &str = "__substg1.0_00040102";

/// `__substg1.0_XXXXXXXX` for a tag.
pub(crate) fn value_stream(tag: PropTag) -> String {
    format!("{SUBSTG_PREFIX}{:08X}", tag.0)
}

/// `__substg1.0_XXXXXXXX-NNNNNNNN`: element `index` of a multi-valued
/// variable-length property; the index is hexadecimal (MS-OXMSG 2.1.4.2).
pub(crate) fn mv_element_stream(tag: PropTag, index: u32) -> String {
    format!("{SUBSTG_PREFIX}{:08X}-{index:08X}", tag.0)
}

/// `__recip_version1.0_#XXXXXXXX`.
pub(crate) fn recipient_storage(num: u32) -> String {
    format!("{RECIP_PREFIX}{num:08X}")
}

/// `__attach_version1.0_#XXXXXXXX`.
pub(crate) fn attachment_storage(num: u32) -> String {
    format!("{ATTACH_PREFIX}{num:08X}")
}

/// The number of a recipient or attachment storage name with `prefix`
/// (case-insensitive, as compound-file names are); `None` when the name is
/// not one, or its number is not 8 hex digits.
pub(crate) fn child_number(name: &str, prefix: &str) -> Option<u32> {
    if name.len() != prefix.len() + 8 || !name.is_char_boundary(prefix.len()) {
        return None;
    }
    let (head, digits) = name.split_at(prefix.len());
    if !head.eq_ignore_ascii_case(prefix) || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(digits, 16).ok()
}

/// Parses a value-stream name: `__substg1.0_TTTTTTTT` gives `(tag, None)`,
/// `__substg1.0_TTTTTTTT-NNNNNNNN` gives `(tag, Some(index))`.
pub(crate) fn parse_value_stream(name: &str) -> Option<(PropTag, Option<u32>)> {
    let rest = name
        .get(..SUBSTG_PREFIX.len())
        .filter(|h| h.eq_ignore_ascii_case(SUBSTG_PREFIX))
        .map(|_| &name[SUBSTG_PREFIX.len()..])?;
    let hex = |s: &str| {
        if s.len() == 8 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
            u32::from_str_radix(s, 16).ok()
        } else {
            None
        }
    };
    match rest.len() {
        8 => Some((PropTag(hex(rest)?), None)),
        17 if rest.as_bytes()[8] == b'-' => Some((PropTag(hex(&rest[..8])?), Some(hex(&rest[9..])?))),
        _ => None,
    }
}

/// Joins a storage path and a child name (`/` is the root).
pub(crate) fn join(parent: &str, child: &str) -> String {
    if parent == "/" || parent.is_empty() {
        format!("/{child}")
    } else {
        format!("{parent}/{child}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_spec() {
        assert_eq!(value_stream(PropTag(0x0037_001F)), "__substg1.0_0037001F");
        // The 11th value has index 0xA, written in hex (MS-OXMSG 2.1.4.2).
        assert_eq!(
            mv_element_stream(PropTag(0x8003_101F), 10),
            "__substg1.0_8003101F-0000000A"
        );
        assert_eq!(attachment_storage(0x1F), "__attach_version1.0_#0000001F");
        assert_eq!(child_number("__attach_version1.0_#0000001f", ATTACH_PREFIX), Some(0x1F));
        assert_eq!(child_number("__attach_version1.0_#1F", ATTACH_PREFIX), None);
        assert_eq!(
            parse_value_stream("__substg1.0_0037001f"),
            Some((PropTag(0x0037_001F), None))
        );
        assert_eq!(
            parse_value_stream("__substg1.0_8003101F-0000000A"),
            Some((PropTag(0x8003_101F), Some(10)))
        );
        assert_eq!(parse_value_stream("__substg1.0_xyz"), None);
        assert_eq!(join("/", "a"), "/a");
        assert_eq!(join("/a", "b"), "/a/b");
    }
}
