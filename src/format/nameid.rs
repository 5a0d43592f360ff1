//! The named-property mapping: the `__nameid_version1.0` storage
//! (MS-OXMSG 2.2.3).
//!
//! Pure byte codec. [`NameMap::parse`] builds the id-to-name map from the
//! three base streams (GUID `__substg1.0_00020102`, entry
//! `__substg1.0_00030102`, string `__substg1.0_00040102`); the hash-bucket
//! streams are a lookup accelerator and are not read, as the entry stream is
//! authoritative. [`NameMap::serialize`] writes all four kinds of stream.
//!
//! Layout, in brief:
//! - GUID stream: 16-byte GUIDs; the one at position `k` has GUID index
//!   `k + 3`. Indices 1 and 2 are PS_MAPI and PS_PUBLIC_STRINGS, never stored.
//! - Entry stream: 8 bytes per entry; entry `i` defines property id
//!   `0x8000 + i`: `u32` LID or string offset, `u16` `GuidIndex << 1 | Kind`
//!   (kind 1 = string), `u16` property index (`== i`).
//! - String stream: records of `u32` byte length and UTF-16LE name, each
//!   record starting at a 4-byte-aligned offset (zero padding between).
//! - Bucket streams `__substg1.0_{1000..=101E}0102`: 8-byte records
//!   `u32 X, u16 GuidIndex << 1 | Kind, u16 property index` in bucket
//!   `0x1000 + (X ^ (GuidIndex << 1 | Kind)) % 0x1F`, where `X` is the LID or
//!   the CRC-32 ([`crc32`]) of the UTF-16LE name.

use std::collections::{BTreeMap, HashMap};

use crate::prop::named::{NamedProp, PropName, PS_INTERNET_HEADERS, PS_MAPI, PS_PUBLIC_STRINGS};
use crate::prop::Guid;

/// The most entries a map can hold: property ids `0x8000..=0xFFFE`.
pub(crate) const MAX_ENTRIES: usize = 0x7FFF;

/// The first named property id.
const FIRST_ID: u16 = 0x8000;

/// The largest on-disk GUID index (15 bits).
const MAX_GUID_INDEX: usize = 0x7FFF;

/// Number of hash-bucket streams.
const BUCKETS: u32 = 0x1F;

/// Per-entry warnings reported by [`NameMap::parse`] before it summarises.
const MAX_ENTRY_WARNINGS: usize = 100;

pub(crate) use super::crc::crc32;

/// The stream name of hash bucket `id` (`0x1000..=0x101E`):
/// `__substg1.0_XXXX0102`.
pub(crate) fn bucket_stream_name(id: u16) -> String {
    format!("__substg1.0_{id:04X}0102")
}

/// The bucket stream id for hash `x` (LID or name CRC) and the on-disk
/// `GuidIndex << 1 | Kind` word.
fn bucket_id(x: u32, index_and_kind: u16) -> u16 {
    0x1000 + ((x ^ u32::from(index_and_kind)) % BUCKETS) as u16
}

fn utf16le(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// The streams of a `__nameid_version1.0` storage, as bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct NameStreams {
    /// `__substg1.0_00020102`: the GUID stream.
    pub guids: Vec<u8>,
    /// `__substg1.0_00030102`: the entry stream.
    pub entries: Vec<u8>,
    /// `__substg1.0_00040102`: the string stream.
    pub strings: Vec<u8>,
    /// The non-empty hash buckets, by stream id (`0x1000..=0x101E`; see
    /// [`bucket_stream_name`]).
    pub buckets: BTreeMap<u16, Vec<u8>>,
}

/// One valid entry.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Entry {
    name: NamedProp,
    /// The on-disk GUID index: 1, 2, or 3 + position in the GUID stream.
    guid_index: u16,
    /// For string names, the record's offset in the string stream.
    string_offset: u32,
    /// `X` of the bucket formula: the LID, or the CRC-32 of the name as
    /// stored in the string stream.
    hash: u32,
}

impl Entry {
    fn index_and_kind(&self) -> u16 {
        let kind = match self.name.name {
            PropName::Id(_) => 0,
            PropName::String(_) => 1,
        };
        (self.guid_index << 1) | kind
    }

    fn first_field(&self) -> u32 {
        match self.name.name {
            PropName::Id(lid) => lid,
            PropName::String(_) => self.string_offset,
        }
    }
}

/// An entry slot: a valid entry, or a hole for an entry that could not be
/// read (its raw bytes are written back unchanged so later ids keep their
/// numbers).
#[derive(Clone, Debug, PartialEq, Eq)]
enum Slot {
    Named(Entry),
    Hole([u8; 8]),
}

/// The lookup key: names in PS_INTERNET_HEADERS are lower-cased, as MAPI
/// compares them case-insensitively.
fn lookup_key(name: &NamedProp) -> Option<NamedProp> {
    match &name.name {
        PropName::String(s) if name.guid == PS_INTERNET_HEADERS => Some(NamedProp::string(name.guid, s.to_lowercase())),
        _ => None,
    }
}

/// The name-to-id mapping of one .msg file: entry `i` names property id
/// `0x8000 + i`.
///
/// A map read by [`NameMap::parse`] keeps the file's GUID list (order and
/// unused GUIDs included), string stream and GUID indices, so that
/// [`NameMap::serialize`] reproduces a valid file's streams byte for byte;
/// new names are appended.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct NameMap {
    slots: Vec<Slot>,
    /// The GUID stream: position `k` is GUID index `k + 3`.
    guids: Vec<Guid>,
    /// The string stream.
    strings: Vec<u8>,
    /// Name (see [`lookup_key`]) to slot index; the first entry wins.
    lookup: HashMap<NamedProp, u16>,
}

impl NameMap {
    /// An empty map.
    pub(crate) fn new() -> NameMap {
        NameMap::default()
    }

    /// Reads a map from the GUID, entry and string streams.
    ///
    /// Lenient: an entry whose GUID index or string record is invalid
    /// becomes a hole (its id stays reserved and unnamed) and is reported in
    /// the returned warnings. Trailing partial GUIDs or entries are ignored,
    /// and at most [`MAX_ENTRIES`] entries are read. Never panics; allocates
    /// only in proportion to the input.
    pub(crate) fn parse(guid_stream: &[u8], entry_stream: &[u8], string_stream: &[u8]) -> (NameMap, Vec<String>) {
        let mut warnings = Vec::new();
        if guid_stream.len() % 16 != 0 {
            warnings.push(format!(
                "named-property GUID stream is {} bytes, not a multiple of 16; the last {} bytes are ignored",
                guid_stream.len(),
                guid_stream.len() % 16
            ));
        }
        let guids: Vec<Guid> = guid_stream
            .chunks_exact(16)
            .map(|c| {
                let mut g = [0u8; 16];
                g.copy_from_slice(c);
                Guid(g)
            })
            .collect();
        if entry_stream.len() % 8 != 0 {
            warnings.push(format!(
                "named-property entry stream is {} bytes, not a multiple of 8; the last {} bytes are ignored",
                entry_stream.len(),
                entry_stream.len() % 8
            ));
        }
        let mut count = entry_stream.len() / 8;
        if count > MAX_ENTRIES {
            warnings.push(format!(
                "named-property entry stream has {count} entries; only the first {MAX_ENTRIES} are read"
            ));
            count = MAX_ENTRIES;
        }

        let mut map = NameMap {
            slots: Vec::with_capacity(count),
            guids,
            strings: string_stream.to_vec(),
            lookup: HashMap::new(),
        };
        let mut entry_warnings = 0usize;
        let mut warn = |warnings: &mut Vec<String>, msg: String| {
            entry_warnings += 1;
            if entry_warnings <= MAX_ENTRY_WARNINGS {
                warnings.push(msg);
            }
        };

        for (i, chunk) in entry_stream.chunks_exact(8).take(count).enumerate() {
            let mut raw = [0u8; 8];
            raw.copy_from_slice(chunk);
            let id = FIRST_ID + i as u16;
            let first = u32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]]);
            let index_and_kind = u16::from_le_bytes([raw[4], raw[5]]);
            let prop_index = u16::from_le_bytes([raw[6], raw[7]]);
            let is_string = index_and_kind & 1 == 1;
            let guid_index = index_and_kind >> 1;
            let what = || format!("named-property entry {i} (id 0x{id:04X})");

            let guid = match guid_index {
                1 => Some(PS_MAPI),
                2 => Some(PS_PUBLIC_STRINGS),
                n if n >= 3 => map.guids.get(usize::from(n) - 3).copied(),
                _ => None,
            };
            let Some(guid) = guid else {
                warn(
                    &mut warnings,
                    format!(
                        "{}: GUID index {guid_index} is invalid (the GUID stream holds {} GUIDs); the entry is skipped",
                        what(),
                        map.guids.len()
                    ),
                );
                map.slots.push(Slot::Hole(raw));
                continue;
            };

            let (name, hash) = if is_string {
                match read_string(string_stream, first) {
                    Ok(name_bytes) => {
                        let units = name_bytes.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]]));
                        let mut lossy = false;
                        let name: String = char::decode_utf16(units)
                            .map(|r| {
                                r.unwrap_or_else(|_| {
                                    lossy = true;
                                    char::REPLACEMENT_CHARACTER
                                })
                            })
                            .collect();
                        if lossy {
                            warn(
                                &mut warnings,
                                format!("{}: the name is not valid UTF-16; read as {name:?}", what()),
                            );
                        }
                        (PropName::String(name), crc32(name_bytes))
                    }
                    Err(problem) => {
                        warn(&mut warnings, format!("{}: {problem}; the entry is skipped", what()));
                        map.slots.push(Slot::Hole(raw));
                        continue;
                    }
                }
            } else {
                (PropName::Id(first), first)
            };

            if usize::from(prop_index) != i {
                warn(
                    &mut warnings,
                    format!(
                        "{}: property index {prop_index} differs from its position; the position is used",
                        what()
                    ),
                );
            }
            let entry = Entry {
                name: NamedProp { guid, name },
                guid_index,
                string_offset: if is_string { first } else { 0 },
                hash,
            };
            let key = lookup_key(&entry.name).unwrap_or_else(|| entry.name.clone());
            if let Some(&prev) = map.lookup.get(&key) {
                warn(
                    &mut warnings,
                    format!(
                        "{}: {} is already entry {prev} (id 0x{:04X}); lookups use the first",
                        what(),
                        entry.name,
                        FIRST_ID + prev
                    ),
                );
            } else {
                map.lookup.insert(key, i as u16);
            }
            map.slots.push(Slot::Named(entry));
        }
        if entry_warnings > MAX_ENTRY_WARNINGS {
            warnings.push(format!(
                "{} more named-property entry warnings were suppressed",
                entry_warnings - MAX_ENTRY_WARNINGS
            ));
        }
        (map, warnings)
    }

    /// The property id mapped to `name`, if any. Names in
    /// PS_INTERNET_HEADERS compare case-insensitively, others exactly.
    pub(crate) fn id_of(&self, name: &NamedProp) -> Option<u16> {
        let slot = match lookup_key(name) {
            Some(key) => self.lookup.get(&key),
            None => self.lookup.get(name),
        }?;
        Some(FIRST_ID + slot)
    }

    /// The name mapped to property id `id`; `None` for ids below 0x8000,
    /// past the end, or of an unreadable (hole) entry.
    pub(crate) fn name_of(&self, id: u16) -> Option<&NamedProp> {
        let index = usize::from(id.checked_sub(FIRST_ID)?);
        match self.slots.get(index)? {
            Slot::Named(e) => Some(&e.name),
            Slot::Hole(_) => None,
        }
    }

    /// The id of `name`, adding it at the end if it is not mapped yet;
    /// `None` when the map is full ([`MAX_ENTRIES`]) or no GUID index is left.
    ///
    /// A new string name in PS_INTERNET_HEADERS is stored lower-cased, as
    /// Outlook does. A new property set is appended to the GUID list.
    pub(crate) fn get_or_insert(&mut self, name: &NamedProp) -> Option<u16> {
        if let Some(id) = self.id_of(name) {
            return Some(id);
        }
        if self.slots.len() >= MAX_ENTRIES {
            return None;
        }
        let name = lookup_key(name).unwrap_or_else(|| name.clone());

        // Check the string record fits in a u32 offset before changing anything.
        let string = match &name.name {
            PropName::String(s) => {
                let bytes = utf16le(s);
                let offset = self.strings.len().next_multiple_of(4);
                let end = offset.checked_add(4)?.checked_add(bytes.len())?;
                if u32::try_from(end).is_err() {
                    return None;
                }
                Some((offset, bytes))
            }
            PropName::Id(_) => None,
        };
        let guid_index = self.guid_index_for(name.guid)?;

        let (string_offset, hash) = match (&name.name, string) {
            (PropName::String(_), Some((offset, bytes))) => {
                self.strings.resize(offset, 0);
                self.strings.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
                self.strings.extend_from_slice(&bytes);
                (offset as u32, crc32(&bytes))
            }
            (PropName::Id(lid), _) => (0, *lid),
            (PropName::String(_), None) => return None,
        };
        let index = self.slots.len() as u16;
        self.lookup.insert(name.clone(), index);
        self.slots.push(Slot::Named(Entry {
            name,
            guid_index,
            string_offset,
            hash,
        }));
        Some(FIRST_ID + index)
    }

    /// The on-disk GUID index for `guid`, appending it to the GUID list if
    /// needed.
    fn guid_index_for(&mut self, guid: Guid) -> Option<u16> {
        if guid == PS_MAPI {
            return Some(1);
        }
        if guid == PS_PUBLIC_STRINGS {
            return Some(2);
        }
        let pos = match self.guids.iter().position(|g| *g == guid) {
            Some(pos) => pos,
            None => {
                if self.guids.len() + 3 > MAX_GUID_INDEX {
                    return None;
                }
                self.guids.push(guid);
                self.guids.len() - 1
            }
        };
        u16::try_from(pos + 3)
            .ok()
            .filter(|&n| usize::from(n) <= MAX_GUID_INDEX)
    }

    /// The mapped names in id order, with their ids; holes are skipped.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u16, &NamedProp)> + '_ {
        self.slots.iter().enumerate().filter_map(|(i, s)| match s {
            Slot::Named(e) => Some((FIRST_ID + i as u16, &e.name)),
            Slot::Hole(_) => None,
        })
    }

    /// The number of entries, holes included: ids `0x8000..0x8000 + len`
    /// are taken.
    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }

    /// Writes the GUID, entry, string and bucket streams (MS-OXMSG 2.2.3.1).
    pub(crate) fn serialize(&self) -> NameStreams {
        let mut out = NameStreams {
            guids: self.guids.iter().flat_map(|g| g.0).collect(),
            entries: Vec::with_capacity(self.slots.len() * 8),
            strings: self.strings.clone(),
            buckets: BTreeMap::new(),
        };
        for (i, slot) in self.slots.iter().enumerate() {
            let index = (i as u16).to_le_bytes();
            match slot {
                Slot::Named(e) => {
                    let iak = e.index_and_kind();
                    out.entries.extend_from_slice(&e.first_field().to_le_bytes());
                    out.entries.extend_from_slice(&iak.to_le_bytes());
                    out.entries.extend_from_slice(&index);
                    let bucket = out.buckets.entry(bucket_id(e.hash, iak)).or_default();
                    bucket.extend_from_slice(&e.hash.to_le_bytes());
                    bucket.extend_from_slice(&iak.to_le_bytes());
                    bucket.extend_from_slice(&index);
                }
                Slot::Hole(raw) => out.entries.extend_from_slice(raw),
            }
        }
        out
    }
}

/// The UTF-16LE name bytes of the string record at `offset`, or what is
/// wrong with the record.
fn read_string(stream: &[u8], offset: u32) -> Result<&[u8], String> {
    let start = usize::try_from(offset).map_err(|_| "string offset out of range".to_owned())?;
    let header_end = start.checked_add(4).filter(|&e| e <= stream.len()).ok_or_else(|| {
        format!(
            "string offset 0x{offset:X} is past the end of the {}-byte string stream",
            stream.len()
        )
    })?;
    let len = u32::from_le_bytes([stream[start], stream[start + 1], stream[start + 2], stream[start + 3]]);
    let available = stream.len() - header_end;
    let len_usize = usize::try_from(len).unwrap_or(usize::MAX);
    if len_usize > available {
        return Err(format!(
            "string at offset 0x{offset:X} claims {len} bytes but only {available} remain"
        ));
    }
    if len % 2 != 0 {
        return Err(format!("string at offset 0x{offset:X} has an odd length ({len} bytes)"));
    }
    Ok(&stream[header_end..header_end + len_usize])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prop::named::{PSETID_COMMON, PSETID_TASK};

    /// Bit-by-bit reference CRC (MS-OXRTFCP 2.1.3.2), independent of the table.
    fn reference_crc(bytes: &[u8]) -> u32 {
        let mut crc = 0u32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        crc
    }

    fn u16le(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect()
    }

    /// Builds expected buckets straight from the MS-OXMSG formula.
    fn expected_buckets(records: &[(u32, u16, u16)]) -> BTreeMap<u16, Vec<u8>> {
        let mut b: BTreeMap<u16, Vec<u8>> = BTreeMap::new();
        for &(x, iak, index) in records {
            let id = 0x1000 + ((x ^ u32::from(iak)) % 0x1F) as u16;
            let v = b.entry(id).or_default();
            v.extend_from_slice(&x.to_le_bytes());
            v.extend_from_slice(&iak.to_le_bytes());
            v.extend_from_slice(&index.to_le_bytes());
        }
        b
    }

    const COMMON_BYTES: [u8; 16] = [0x08, 0x20, 0x06, 0, 0, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46];
    const TASK_BYTES: [u8; 16] = [0x03, 0x20, 0x06, 0, 0, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46];
    const HEADERS_BYTES: [u8; 16] = [0x86, 0x03, 0x02, 0, 0, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46];

    #[test]
    fn crc_vector() {
        let name = u16le("x-mailer");
        assert_eq!(name.len(), 16);
        assert_eq!(crc32(&name), 0xFF50_4E89);
        assert_eq!(reference_crc(&name), 0xFF50_4E89);
        assert_eq!(crc32(b""), 0);
        for s in ["Keywords", "Author", "content-class", "msip_labels", "é€𝄞"] {
            assert_eq!(crc32(&u16le(s)), reference_crc(&u16le(s)), "{s}");
        }
        // Digest §3.8 vectors for the bucket formula.
        assert_eq!(bucket_id(0xFF50_4E89, 7), 0x100F);
        assert_eq!(bucket_id(0x811C, 8), 0x101D);
        assert_eq!(bucket_stream_name(0x100F), "__substg1.0_100F0102");
        assert_eq!(bucket_stream_name(0x101D), "__substg1.0_101D0102");
    }

    /// MS-OXMSG 3.2 numeric example: `1C 81 00 00 08 00 05 00` is LID 0x811C
    /// (PidLidTaskComplete) in GUID index 4, property index 5.
    #[test]
    fn spec_numeric_example() {
        let mut map = NameMap::new();
        let names = [
            NamedProp::id(PSETID_COMMON, 0x8503),
            NamedProp::string(PS_PUBLIC_STRINGS, "Keywords"),
            NamedProp::id(PSETID_COMMON, 0x8501),
            NamedProp::id(PS_MAPI, 0x0037),
            NamedProp::id(PSETID_COMMON, 0x8502),
            NamedProp::id(PSETID_TASK, 0x811C),
        ];
        for (i, n) in names.iter().enumerate() {
            assert_eq!(map.get_or_insert(n), Some(0x8000 + i as u16));
        }
        let s = map.serialize();

        let mut guids = COMMON_BYTES.to_vec();
        guids.extend_from_slice(&TASK_BYTES);
        assert_eq!(s.guids, guids);

        #[rustfmt::skip]
        let entries: Vec<u8> = vec![
            0x03, 0x85, 0, 0, 0x06, 0, 0x00, 0, // PSETID_Common (3) 0x8503
            0x00, 0x00, 0, 0, 0x05, 0, 0x01, 0, // PS_PUBLIC_STRINGS (2) string @0
            0x01, 0x85, 0, 0, 0x06, 0, 0x02, 0, // PSETID_Common 0x8501
            0x37, 0x00, 0, 0, 0x02, 0, 0x03, 0, // PS_MAPI (1) 0x0037
            0x02, 0x85, 0, 0, 0x06, 0, 0x04, 0, // PSETID_Common 0x8502
            0x1C, 0x81, 0, 0, 0x08, 0, 0x05, 0, // the spec's example
        ];
        assert_eq!(s.entries, entries);
        assert_eq!(&s.entries[40..48], &[0x1C, 0x81, 0x00, 0x00, 0x08, 0x00, 0x05, 0x00]);

        let mut strings = vec![16, 0, 0, 0];
        strings.extend_from_slice(&u16le("Keywords"));
        assert_eq!(s.strings, strings);

        let kw = reference_crc(&u16le("Keywords"));
        let buckets = expected_buckets(&[
            (0x8503, 6, 0),
            (kw, 5, 1),
            (0x8501, 6, 2),
            (0x0037, 2, 3),
            (0x8502, 6, 4),
            (0x811C, 8, 5),
        ]);
        assert_eq!(s.buckets, buckets);
        assert_eq!(s.buckets[&0x101D], vec![0x1C, 0x81, 0x00, 0x00, 0x08, 0x00, 0x05, 0x00]);
    }

    /// MS-OXMSG 3.2 string example: `10 00 00 00 07 00 05 00` is a string at
    /// offset 0x10 in GUID index 3, property index 5; here the name is
    /// `x-mailer` in PS_INTERNET_HEADERS, giving bucket 0x100F.
    fn spec_string_map() -> NameMap {
        let mut map = NameMap::new();
        let names = [
            NamedProp::string(PS_PUBLIC_STRINGS, "Author"),
            NamedProp::id(PS_MAPI, 0x0037),
            NamedProp::id(PS_MAPI, 0x1000),
            NamedProp::id(PS_PUBLIC_STRINGS, 0x0001),
            NamedProp::id(PS_MAPI, 0x0E07),
            NamedProp::string(PS_INTERNET_HEADERS, "X-Mailer"),
        ];
        for (i, n) in names.iter().enumerate() {
            assert_eq!(map.get_or_insert(n), Some(0x8000 + i as u16));
        }
        map
    }

    fn spec_string_streams() -> NameStreams {
        #[rustfmt::skip]
        let entries: Vec<u8> = vec![
            0x00, 0x00, 0, 0, 0x05, 0, 0x00, 0, // PS_PUBLIC_STRINGS string @0
            0x37, 0x00, 0, 0, 0x02, 0, 0x01, 0, // PS_MAPI 0x0037
            0x00, 0x10, 0, 0, 0x02, 0, 0x02, 0, // PS_MAPI 0x1000
            0x01, 0x00, 0, 0, 0x04, 0, 0x03, 0, // PS_PUBLIC_STRINGS 0x0001
            0x07, 0x0E, 0, 0, 0x02, 0, 0x04, 0, // PS_MAPI 0x0E07
            0x10, 0x00, 0, 0, 0x07, 0, 0x05, 0, // the spec's example
        ];
        let mut strings = vec![12, 0, 0, 0];
        strings.extend_from_slice(&u16le("Author"));
        assert_eq!(strings.len(), 0x10);
        strings.extend_from_slice(&[16, 0, 0, 0]);
        strings.extend_from_slice(&u16le("x-mailer"));
        let buckets = expected_buckets(&[
            (reference_crc(&u16le("Author")), 5, 0),
            (0x0037, 2, 1),
            (0x1000, 2, 2),
            (0x0001, 4, 3),
            (0x0E07, 2, 4),
            (0xFF50_4E89, 7, 5),
        ]);
        NameStreams {
            guids: HEADERS_BYTES.to_vec(),
            entries,
            strings,
            buckets,
        }
    }

    #[test]
    fn spec_string_example() {
        let map = spec_string_map();
        let s = map.serialize();
        assert_eq!(s, spec_string_streams());
        assert_eq!(&s.entries[40..48], &[0x10, 0x00, 0x00, 0x00, 0x07, 0x00, 0x05, 0x00]);
        assert_eq!(
            s.buckets[&0x100F][8 * (s.buckets[&0x100F].len() / 8 - 1)..],
            [0x89, 0x4E, 0x50, 0xFF, 0x07, 0x00, 0x05, 0x00]
        );
        // New internet-header names are stored lower-cased and found
        // case-insensitively.
        assert_eq!(
            map.name_of(0x8005),
            Some(&NamedProp::string(PS_INTERNET_HEADERS, "x-mailer"))
        );
        assert_eq!(
            map.id_of(&NamedProp::string(PS_INTERNET_HEADERS, "X-MAILER")),
            Some(0x8005)
        );
        assert_eq!(map.id_of(&NamedProp::string(PS_PUBLIC_STRINGS, "author")), None);
        assert_eq!(map.id_of(&NamedProp::string(PS_PUBLIC_STRINGS, "Author")), Some(0x8000));
    }

    #[test]
    fn round_trips() {
        // parse(serialize(map)) == map
        for map in [spec_string_map(), NameMap::new()] {
            let s = map.serialize();
            let (back, warnings) = NameMap::parse(&s.guids, &s.entries, &s.strings);
            assert!(warnings.is_empty(), "{warnings:?}");
            assert_eq!(back, map);
        }

        // serialize(parse(streams)) == streams, for a hand-built valid set that
        // keeps an unused GUID, a non-first-use GUID order and a mixed-case
        // internet-header name.
        let mut guids = TASK_BYTES.to_vec(); // GUID index 3, unused
        guids.extend_from_slice(&HEADERS_BYTES); // 4
        guids.extend_from_slice(&COMMON_BYTES); // 5
        #[rustfmt::skip]
        let entries: Vec<u8> = vec![
            0x03, 0x85, 0, 0, 0x0A, 0, 0x00, 0, // PSETID_Common (5) 0x8503
            0x00, 0x00, 0, 0, 0x09, 0, 0x01, 0, // PS_INTERNET_HEADERS (4) string @0
            0x0C, 0x00, 0, 0, 0x05, 0, 0x02, 0, // PS_PUBLIC_STRINGS string @0xC
        ];
        let mut strings = vec![6, 0, 0, 0];
        strings.extend_from_slice(&u16le("X-A"));
        strings.extend_from_slice(&[0, 0]); // padding to 0xC
        strings.extend_from_slice(&[4, 0, 0, 0]);
        strings.extend_from_slice(&u16le("Kw"));
        strings.extend_from_slice(&[0, 0, 0, 0]); // trailing padding, kept
        let streams = NameStreams {
            buckets: expected_buckets(&[
                (0x8503, 10, 0),
                (reference_crc(&u16le("X-A")), 9, 1),
                (reference_crc(&u16le("Kw")), 5, 2),
            ]),
            guids,
            entries,
            strings,
        };
        let (mut map, warnings) = NameMap::parse(&streams.guids, &streams.entries, &streams.strings);
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(map.serialize(), streams);
        assert_eq!(
            map.iter().collect::<Vec<_>>(),
            vec![
                (0x8000, &NamedProp::id(PSETID_COMMON, 0x8503)),
                (0x8001, &NamedProp::string(PS_INTERNET_HEADERS, "X-A")),
                (0x8002, &NamedProp::string(PS_PUBLIC_STRINGS, "Kw")),
            ]
        );

        // Appending to a parsed map: existing names resolve, new ones go last.
        assert_eq!(
            map.get_or_insert(&NamedProp::string(PS_INTERNET_HEADERS, "x-a")),
            Some(0x8001)
        );
        assert_eq!(map.get_or_insert(&NamedProp::id(PSETID_TASK, 0x8101)), Some(0x8003));
        assert_eq!(
            map.get_or_insert(&NamedProp::string(PS_INTERNET_HEADERS, "Content-Class")),
            Some(0x8004)
        );
        let s = map.serialize();
        assert_eq!(s.guids, streams.guids, "no new GUID: all three were present");
        assert_eq!(&s.entries[24..32], &[0x01, 0x81, 0, 0, 0x06, 0, 0x03, 0]);
        assert_eq!(&s.entries[32..40], &[0x18, 0, 0, 0, 0x09, 0, 0x04, 0]);
        assert_eq!(&s.strings[..streams.strings.len()], &streams.strings[..]);
        assert_eq!(&s.strings[0x18..0x1C], &[26, 0, 0, 0]);
        assert_eq!(&s.strings[0x1C..], &u16le("content-class")[..]);
        let (again, warnings) = NameMap::parse(&s.guids, &s.entries, &s.strings);
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(again, map);
        assert_eq!(again.serialize(), s);
    }

    #[test]
    fn new_guids_in_order_of_first_use() {
        let mut map = NameMap::new();
        map.get_or_insert(&NamedProp::id(PSETID_TASK, 0x8101));
        map.get_or_insert(&NamedProp::id(PS_MAPI, 0x0037));
        map.get_or_insert(&NamedProp::id(PSETID_COMMON, 0x8503));
        map.get_or_insert(&NamedProp::id(PSETID_TASK, 0x8102));
        let s = map.serialize();
        let mut guids = TASK_BYTES.to_vec();
        guids.extend_from_slice(&COMMON_BYTES);
        assert_eq!(s.guids, guids);
        assert_eq!(map.len(), 4);
        assert_eq!(map.get_or_insert(&NamedProp::id(PSETID_TASK, 0x8101)), Some(0x8000));
        assert_eq!(map.len(), 4);
    }

    #[test]
    fn full_map() {
        let mut map = NameMap::new();
        for lid in 0..MAX_ENTRIES as u32 {
            assert!(map.get_or_insert(&NamedProp::id(PS_MAPI, lid)).is_some());
        }
        assert_eq!(map.len(), MAX_ENTRIES);
        assert_eq!(map.id_of(&NamedProp::id(PS_MAPI, 0x7FFE)), Some(0xFFFE));
        assert_eq!(map.get_or_insert(&NamedProp::id(PS_MAPI, 0x1_0000)), None);
        assert_eq!(map.get_or_insert(&NamedProp::id(PS_MAPI, 5)), Some(0x8005));
        assert_eq!(map.name_of(0xFFFF), None);
        assert_eq!(map.name_of(0x7FFF), None);
    }

    fn entry(first: u32, iak: u16, index: u16) -> [u8; 8] {
        let mut e = [0u8; 8];
        e[..4].copy_from_slice(&first.to_le_bytes());
        e[4..6].copy_from_slice(&iak.to_le_bytes());
        e[6..].copy_from_slice(&index.to_le_bytes());
        e
    }

    #[test]
    fn hostile_inputs() {
        let guids = COMMON_BYTES.to_vec(); // one GUID: indices 1..=3 valid
        let mut strings = vec![4, 0, 0, 0, b'O', 0, b'K', 0];
        strings.extend_from_slice(&[0xF0, 0xFF, 0xFF, 0xFF]); // huge length at 8
        strings.extend_from_slice(&[3, 0, 0, 0, b'a', 0, 0]); // odd length at 12
        let bad: Vec<[u8; 8]> = vec![
            entry(0x8503, 9 << 1, 0),       // 0: GUID index 9, out of range
            entry(0x8503, 6, 1),            // 1: fine
            entry(0x1000, (2 << 1) | 1, 2), // 2: string offset past the end
            entry(8, (2 << 1) | 1, 3),      // 3: huge string length
            entry(12, (2 << 1) | 1, 4),     // 4: odd length
            entry(0, (2 << 1) | 1, 5),      // 5: fine ("OK")
            entry(7, 0, 6),                 // 6: GUID index 0
            entry(u32::MAX, 3, 7),          // 7: string offset u32::MAX
            entry(0x8501, 6, 99),           // 8: wrong property index, kept
        ];
        let mut entries: Vec<u8> = bad.iter().flatten().copied().collect();
        entries.extend_from_slice(&[1, 2, 3]); // not a multiple of 8
        let (map, warnings) = NameMap::parse(&guids, &entries, &strings);
        let joined = warnings.join("\n");
        for needle in [
            "entry 0 (id 0x8000): GUID index 9",
            "entry 2 (id 0x8002): string offset 0x1000",
            "entry 3 (id 0x8003): string at offset 0x8 claims 4294967280 bytes",
            "entry 4 (id 0x8004): string at offset 0xC has an odd length",
            "entry 6 (id 0x8006): GUID index 0",
            "entry 7 (id 0x8007): string offset 0xFFFFFFFF",
            "entry 8 (id 0x8008): property index 99",
            "not a multiple of 8",
        ] {
            assert!(joined.contains(needle), "missing {needle:?} in:\n{joined}");
        }
        assert_eq!(map.len(), 9);
        assert_eq!(map.name_of(0x8000), None);
        assert_eq!(map.name_of(0x8001), Some(&NamedProp::id(PSETID_COMMON, 0x8503)));
        assert_eq!(map.name_of(0x8005), Some(&NamedProp::string(PS_PUBLIC_STRINGS, "OK")));
        assert_eq!(map.name_of(0x8008), Some(&NamedProp::id(PSETID_COMMON, 0x8501)));
        for id in [0x8002, 0x8003, 0x8004, 0x8006, 0x8007] {
            assert_eq!(map.name_of(id), None);
        }
        // Holes are written back unchanged; the bad property index is repaired.
        let s = map.serialize();
        assert_eq!(&s.entries[..64], &entries[..64]);
        assert_eq!(&s.entries[64..], &entry(0x8501, 6, 8));
        assert_eq!(s.strings, strings);
        let bucketed: usize = s.buckets.values().map(|b| b.len() / 8).sum();
        assert_eq!(bucketed, 3);

        // A GUID stream with a partial GUID.
        let (map, warnings) = NameMap::parse(&[0; 20], &entry(1, 3 << 1, 0), &[]);
        assert!(warnings[0].contains("not a multiple of 16"), "{warnings:?}");
        assert_eq!(map.name_of(0x8000), Some(&NamedProp::id(Guid([0; 16]), 1)));

        // Too many entries: only 0x7FFF are read, and warnings are capped.
        let many: Vec<u8> = (0..MAX_ENTRIES + 10).flat_map(|i| entry(0, 0, i as u16)).collect();
        let (map, warnings) = NameMap::parse(&[], &many, &[]);
        assert_eq!(map.len(), MAX_ENTRIES);
        assert!(warnings.len() <= MAX_ENTRY_WARNINGS + 2, "{}", warnings.len());
        assert!(warnings.iter().any(|w| w.contains("only the first 32767")));
        assert!(warnings.last().unwrap().contains("suppressed"));

        // Duplicate names: lookups use the first.
        let dup: Vec<u8> = [entry(5, 2, 0), entry(5, 2, 1)].iter().flatten().copied().collect();
        let (map, warnings) = NameMap::parse(&[], &dup, &[]);
        assert_eq!(map.id_of(&NamedProp::id(PS_MAPI, 5)), Some(0x8000));
        assert_eq!(map.name_of(0x8001), Some(&NamedProp::id(PS_MAPI, 5)));
        assert_eq!(warnings.len(), 1);

        // Invalid UTF-16 is decoded lossily, kept, and its bytes preserved.
        let lone = [2u8, 0, 0, 0, 0x00, 0xD8];
        let (map, warnings) = NameMap::parse(&[], &entry(0, 5, 0), &lone);
        assert_eq!(warnings.len(), 1);
        assert_eq!(
            map.name_of(0x8000),
            Some(&NamedProp::string(PS_PUBLIC_STRINGS, "\u{FFFD}"))
        );
        assert_eq!(map.serialize().strings, lone);
    }

    #[test]
    fn random_inputs_do_not_panic() {
        let mut state = 0x1234_5678_9ABC_DEF0u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..2000 {
            let g: Vec<u8> = (0..next() % 70).map(|_| next() as u8).collect();
            let e: Vec<u8> = (0..next() % 90)
                .map(|_| match next() % 4 {
                    0 => 0,
                    1 => next() as u8 % 12,
                    _ => next() as u8,
                })
                .collect();
            let s: Vec<u8> = (0..next() % 60)
                .map(|_| if next() % 3 == 0 { 0 } else { next() as u8 % 40 })
                .collect();
            let (mut map, _) = NameMap::parse(&g, &e, &s);
            let out = map.serialize();
            assert_eq!(out.entries.len(), e.len() / 8 * 8);
            let (again, _) = NameMap::parse(&out.guids, &out.entries, &out.strings);
            assert_eq!(again.serialize(), out);
            let _ = map.get_or_insert(&NamedProp::string(PS_INTERNET_HEADERS, "X-Test"));
            let _ = map.serialize();
        }
    }
}
