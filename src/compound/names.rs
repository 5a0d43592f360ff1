//! Directory entry names as MS-CFB compares them (section 2.6.4, "Red-Black
//! Tree"): shorter names first (in UTF-16 code units), then names of equal
//! length compared character by character after upper-casing.
//!
//! The upper-casing is `cfb` 0.16's (`internal::path::cfb_uppercase_char`),
//! which is the reference for what oxmsg accepts: Unicode simple upper case
//! (the first character of `char::to_uppercase`) except for the characters
//! of [`UPPERCASE_EXCEPTIONS`], which keep their own upper case.

use std::cmp::Ordering;

use super::uppercase::UPPERCASE_EXCEPTIONS;

/// The upper case of `c` as MS-CFB name comparison uses it.
pub(crate) fn cfb_uppercase(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_uppercase();
    }
    match UPPERCASE_EXCEPTIONS.binary_search_by(|&(from, _)| from.cmp(&c)) {
        Ok(at) => UPPERCASE_EXCEPTIONS.get(at).map_or(c, |&(_, to)| to),
        Err(_) => c.to_uppercase().next().unwrap_or(c),
    }
}

/// A directory entry's name and, in the same allocation, its normalised
/// form, computed once: its length in UTF-16 code units, its upper-cased
/// characters and their hash.
#[derive(Clone, Debug, Default)]
pub(crate) struct Name {
    /// The name, then its upper-cased characters.
    text: String,
    /// Where the name ends in `text`.
    name_len: usize,
    utf16_len: usize,
    hash: u64,
}

impl Name {
    /// Normalises `name`, appending the upper-cased characters to it (a
    /// name made with room for them is not reallocated).
    pub(crate) fn from_string(mut text: String) -> Name {
        let name_len = text.len();
        let utf16_len = text.encode_utf16().count();
        if text.is_ascii() {
            for i in 0..name_len {
                let upper = text.as_bytes().get(i).map_or(b'?', u8::to_ascii_uppercase);
                text.push(char::from(upper));
            }
        } else {
            let upper: String = text.chars().map(cfb_uppercase).collect();
            text.push_str(&upper);
        }
        let hash = hash_code_points(text.get(name_len..).unwrap_or("").chars().map(u32::from));
        Name {
            text,
            name_len,
            utf16_len,
            hash,
        }
    }

    /// The name as the file gives it.
    pub(crate) fn as_str(&self) -> &str {
        self.text.get(..self.name_len).unwrap_or("")
    }

    /// The normalised form, for comparisons.
    pub(crate) fn key(&self) -> NameKey<'_> {
        NameKey {
            utf16_len: self.utf16_len,
            upper: self.text.get(self.name_len..).unwrap_or(""),
            hash: self.hash,
        }
    }
}

/// A name normalised for comparison; see [`Name::key`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct NameKey<'a> {
    utf16_len: usize,
    upper: &'a str,
    hash: u64,
}

impl NameKey<'_> {
    /// Orders two keys the way MS-CFB orders sibling names.
    pub(crate) fn cmp_key(&self, other: &NameKey<'_>) -> Ordering {
        self.utf16_len
            .cmp(&other.utf16_len)
            .then_with(|| self.upper.cmp(other.upper))
    }

    /// A hash of the key, equal to [`hash_name`] of every name that
    /// compares equal to it.
    pub(crate) fn hash(self) -> u64 {
        self.hash
    }

    /// Orders this key against a name not yet normalised, without
    /// allocating.
    pub(crate) fn cmp_name(&self, name: &str) -> Ordering {
        if name.is_ascii() {
            // One UTF-16 unit per byte; upper-casing stays within a byte.
            return self.utf16_len.cmp(&name.len()).then_with(|| {
                let upper = name.bytes().map(|b| b.to_ascii_uppercase());
                self.upper.bytes().cmp(upper)
            });
        }
        self.utf16_len
            .cmp(&name.encode_utf16().count())
            .then_with(|| self.upper.chars().cmp(name.chars().map(cfb_uppercase)))
    }
}

/// A hash of `name` once normalised, computed without allocating.
pub(crate) fn hash_name(name: &str) -> u64 {
    if name.is_ascii() {
        return hash_code_points(name.bytes().map(|b| u32::from(b.to_ascii_uppercase())));
    }
    hash_code_points(name.chars().map(|c| u32::from(cfb_uppercase(c))))
}

/// FNV-1a over code points.
fn hash_code_points(code_points: impl Iterator<Item = u32>) -> u64 {
    code_points.fold(0xCBF2_9CE4_8422_2325, |hash, c| {
        (hash ^ u64::from(c)).wrapping_mul(0x0000_0100_0000_01B3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shorter_names_sort_first_then_case_insensitively() {
        let names: Vec<Name> = [
            "zz",
            "aaa",
            "abc",
            "ABC",
            "abd",
            "aBc",
            "straße",
            "\u{1F600}",
            "ab",
            "__substg1.0_0037001f",
        ]
        .iter()
        .map(|s| Name::from_string(s.to_string()))
        .collect();
        let key = |s: &str| names.iter().find(|n| n.as_str() == s).unwrap().key();
        assert_eq!(key("zz").cmp_key(&key("aaa")), Ordering::Less);
        assert_eq!(key("abc").cmp_key(&key("ABC")), Ordering::Equal);
        assert_eq!(key("abc").hash(), hash_name("aBc"));
        assert_eq!(key("straße").hash(), hash_name("STRAßE"));
        assert_eq!(key("abd").cmp_key(&key("ABC")), Ordering::Greater);
        assert_eq!(
            key("__substg1.0_0037001f").cmp_name("__SUBSTG1.0_0037001F"),
            Ordering::Equal
        );
        // A character outside the BMP counts as two code units.
        assert_eq!(key("\u{1F600}").cmp_key(&key("ab")), Ordering::Greater);
    }

    #[test]
    fn exceptions_keep_their_own_upper_case() {
        // 'ß' upper-cases to "SS" in full case mapping; MS-CFB keeps it.
        assert_eq!(cfb_uppercase('ß'), 'ß');
        assert_eq!(cfb_uppercase('é'), 'É');
        assert_eq!(cfb_uppercase('ᾀ'), 'ᾈ');
        assert!(UPPERCASE_EXCEPTIONS.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn a_name_hashes_like_every_name_equal_to_it() {
        for c in (0u32..0x3000).chain(0x1E00..0x2000).filter_map(char::from_u32) {
            let name = format!("a{c}");
            let upper = format!("A{}", cfb_uppercase(c));
            let name_and_key = Name::from_string(name.clone());
            let key = name_and_key.key();
            assert_eq!(name_and_key.as_str(), name);
            assert_eq!(key.cmp_name(&upper), Ordering::Equal, "{c:?}");
            assert_eq!(key.hash(), hash_name(&upper), "{c:?}");
            assert_eq!(key.hash(), hash_name(&name), "{c:?}");
        }
    }
}
