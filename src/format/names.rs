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
    let bytes = name.as_bytes();
    if bytes.len() != prefix.len() + 8 {
        return None;
    }
    let (head, digits) = bytes.split_at(prefix.len());
    if !head.eq_ignore_ascii_case(prefix.as_bytes()) {
        return None;
    }
    hex8(digits)
}

/// Eight hex digits (either case) as a number; `None` for anything else.
fn hex8(digits: &[u8]) -> Option<u32> {
    if digits.len() != 8 {
        return None;
    }
    digits.iter().try_fold(0u32, |n, &b| {
        let d = match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'f' => b - b'a' + 10,
            b'A'..=b'F' => b - b'A' + 10,
            _ => return None,
        };
        Some(n << 4 | u32::from(d))
    })
}

/// Parses a value-stream name: `__substg1.0_TTTTTTTT` gives `(tag, None)`,
/// `__substg1.0_TTTTTTTT-NNNNNNNN` gives `(tag, Some(index))`.
pub(crate) fn parse_value_stream(name: &str) -> Option<(PropTag, Option<u32>)> {
    let bytes = name.as_bytes();
    let (head, rest) = bytes.split_at_checked(SUBSTG_PREFIX.len())?;
    if !head.eq_ignore_ascii_case(SUBSTG_PREFIX.as_bytes()) {
        return None;
    }
    match rest {
        tag if tag.len() == 8 => Some((PropTag(hex8(tag)?), None)),
        [tag @ .., b'-', _, _, _, _, _, _, _, _] if tag.len() == 8 => {
            Some((PropTag(hex8(tag)?), Some(hex8(&rest[9..])?)))
        }
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
        // Exactly 8 hex digits, and 8 more after a hyphen: no sign, no
        // space, no other separator, no ninth digit.
        for bad in [
            "__substg1.0_+037001F",
            "__substg1.0_0037001F ",
            "__substg1.0_0037001G",
            "__substg1.0_0037001F_0000000A",
            "__substg1.0_0037001F-000000A",
            "__substg1.0_0037001F0",
            "__substg1.0_",
            "__substg1.0",
        ] {
            assert_eq!(parse_value_stream(bad), None, "{bad}");
        }
        assert_eq!(
            parse_value_stream("__SUBSTG1.0_FFFFFFFF-ffffffff"),
            Some((PropTag(u32::MAX), Some(u32::MAX)))
        );
        assert_eq!(child_number("__recip_version1.0_#+0000001", RECIP_PREFIX), None);
        assert_eq!(child_number("__RECIP_VERSION1.0_#0000000A", RECIP_PREFIX), Some(10));
        assert_eq!(join("/", "a"), "/a");
        assert_eq!(join("/a", "b"), "/a/b");
    }
}
