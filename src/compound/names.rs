//! Directory entry names as MS-CFB compares them (section 2.6.4, "Red-Black
//! Tree"): shorter names first (in UTF-16 code units), then names of equal
//! length compared character by character after upper-casing each with the
//! Unicode Default Case Conversion Algorithm, *simple* case conversion variant.

use std::cmp::Ordering;

/// The simple upper case of `c` (UnicodeData.txt's Simple_Uppercase_Mapping),
/// as MS-CFB name comparison uses it.
///
/// Rust's `char::to_uppercase` is the *full* mapping: it agrees with the simple
/// one for every character it maps to a single character, and differs only for
/// the characters SpecialCasing.txt expands to several (ß → "SS", ŉ → "ʼN",
/// ᾀ → "ἈΙ", …: 102 of them). Of those, UnicodeData.txt gives a simple upper
/// case only to the Greek small letters with ypogegrammeni, which map to their
/// capitals with prosgegrammeni ([`YPOGEGRAMMENI_TO_PROSGEGRAMMENI`]); the
/// others have none and stay as they are.
///
/// `cfb`, our writer, pins its own exceptions to an older Unicode release:
/// for the 27 characters whose case pairs Unicode 16 added (ƛ, ɤ, ᲊ, ꟍ, ꟛ,
/// Garay small letters) it leaves them as they are where this follows the
/// Unicode of Rust's standard library. Only a file with two sibling names that
/// differ in those letters alone could be read differently.
pub(crate) fn cfb_uppercase(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_uppercase();
    }
    let mut full = c.to_uppercase();
    match (full.next(), full.next()) {
        (Some(single), None) => single,
        _ => YPOGEGRAMMENI_TO_PROSGEGRAMMENI
            .iter()
            .find(|&&(first, last, _)| (first..=last).contains(&c))
            .and_then(|&(first, _, upper_first)| char::from_u32(upper_first as u32 + (c as u32 - first as u32)))
            .unwrap_or(c),
    }
}

/// The characters whose full upper case expands but whose simple upper case
/// is one other character (UnicodeData.txt): ranges `first..=last` of Greek
/// small letters with ypogegrammeni and the capital the first one maps to; the
/// rest of a range follows in order.
const YPOGEGRAMMENI_TO_PROSGEGRAMMENI: [(char, char, char); 6] = [
    ('\u{1F80}', '\u{1F87}', '\u{1F88}'),
    ('\u{1F90}', '\u{1F97}', '\u{1F98}'),
    ('\u{1FA0}', '\u{1FA7}', '\u{1FA8}'),
    ('\u{1FB3}', '\u{1FB3}', '\u{1FBC}'),
    ('\u{1FC3}', '\u{1FC3}', '\u{1FCC}'),
    ('\u{1FF3}', '\u{1FF3}', '\u{1FFC}'),
];

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
        if text.is_ascii() && name_len <= 64 {
            // One UTF-16 unit per byte; upper-cased on the stack, appended once.
            let mut upper = [0u8; 64];
            let upper = &mut upper[..name_len];
            upper.copy_from_slice(text.as_bytes());
            upper.make_ascii_uppercase();
            let hash = hash_code_points(upper.iter().map(|&b| u32::from(b)));
            text.push_str(std::str::from_utf8(upper).unwrap_or_default());
            return Name {
                text,
                name_len,
                utf16_len: name_len,
                hash,
            };
        }
        let utf16_len = text.encode_utf16().count();
        if text.is_ascii() {
            text.push_str(&text.to_ascii_uppercase());
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
    fn simple_upper_case_is_one_character() {
        // Values from UnicodeData.txt (field 12, Simple_Uppercase_Mapping).
        assert_eq!(cfb_uppercase('ß'), 'ß'); // full mapping: "SS"
        assert_eq!(cfb_uppercase('ŉ'), 'ŉ'); // full mapping: "ʼN"
        assert_eq!(cfb_uppercase('ﬀ'), 'ﬀ'); // full mapping: "FF"
        assert_eq!(cfb_uppercase('é'), 'É');
        assert_eq!(cfb_uppercase('ᾀ'), 'ᾈ'); // 1F80 -> 1F88
        assert_eq!(cfb_uppercase('ᾧ'), 'ᾯ'); // 1FA7 -> 1FAF
        assert_eq!(cfb_uppercase('ᾳ'), 'ᾼ'); // 1FB3 -> 1FBC
        assert_eq!(cfb_uppercase('ῳ'), 'ῼ'); // 1FF3 -> 1FFC
        assert_eq!(cfb_uppercase('ᾈ'), 'ᾈ'); // titlecase already: no simple upper
        assert_eq!(cfb_uppercase('ж'), 'Ж');
    }

    #[test]
    fn every_expanding_character_maps_to_itself_or_a_capital_of_it() {
        let mut to_other = 0;
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let upper = cfb_uppercase(c);
            if c.to_uppercase().count() > 1 && upper != c {
                // The capital with prosgegrammeni lower-cases back to c.
                assert_eq!(upper.to_lowercase().collect::<Vec<_>>(), [c], "{c:?}");
                to_other += 1;
            }
        }
        assert_eq!(to_other, 27);
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
