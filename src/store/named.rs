//! The named-property map of a file (`__nameid_version1.0`, MS-OXMSG
//! 2.2.3) and MAPI's `IMAPIProp::GetIDsFromNames` / `GetNamesFromIDs` on it.
//!
//! The map lives only in the top-level message's storage: attachments,
//! recipients and embedded messages all use the map of their file. It is
//! read on first use (outside the state borrow). Saving a message whose map
//! did not change copies the storage byte for byte; a map that gained
//! entries keeps every existing entry (and its id) and appends the new ones.

use std::io::SeekFrom;

use crate::error::{Error, Result};
use crate::format::nameid::{NameMap, MAX_ENTRIES};
use crate::format::names;
use crate::options::Limits;
use crate::prop::named::{NamedProp, PropName, PS_MAPI};
use crate::warning::{Warning, WarningKind};

use super::backing::StoreView;
use super::engine::{Ctx, FileKey};
use super::{load, Inner, Node, NodeKey};

/// The first property id of the named range.
const FIRST_NAMED_ID: u16 = 0x8000;

/// The id MAPI gives a `PS_MAPI` numeric name without a map entry: the LID
/// itself, when it is a tagged property id (`1..0x8000`).
fn ps_mapi_direct(name: &NamedProp) -> Option<u16> {
    match name.name {
        PropName::Id(lid) if name.guid == PS_MAPI && (1..u32::from(FIRST_NAMED_ID)).contains(&lid) => Some(lid as u16),
        _ => None,
    }
}

/// A key under which two names that MAPI resolves to the same property are
/// equal (internet-header names compare case-insensitively).
fn fold(name: &NamedProp) -> NamedProp {
    match &name.name {
        PropName::String(s) if name.is_internet_header() => NamedProp::string(name.guid, s.to_lowercase()),
        _ => name.clone(),
    }
}

/// Reads the map of a file: from its `__nameid_version1.0` storage when the
/// file has one, else an empty map. Returns the warnings of the parse.
fn read_name_map(store: &mut StoreView<'_, '_>, limits: &Limits) -> Result<(NameMap, Vec<Warning>)> {
    let max_entries = u64::from(limits.max_named_entries);
    let max_value = limits.max_value_bytes;
    let storage = names::join("/", names::NAMEID);
    let mut warnings = Vec::new();
    match store.entry(&storage) {
        Err(_) => return Ok((NameMap::new(), Vec::new())),
        Ok(e) if e.is_stream => {
            warnings.push(Warning::new(
                &storage,
                WarningKind::ReadPast,
                "a stream, not a storage; the file has no readable named properties",
            ));
            return Ok((NameMap::new(), warnings));
        }
        Ok(_) => {}
    }
    let children = store
        .children(&storage)
        .map_err(|e| Error::from_cfb(e, &storage, "listing the named-property storage"))?;
    let mut read = |stream: &str, max: u64, limit: &'static str| -> Result<Vec<u8>> {
        let Some(info) = children
            .iter()
            .find(|c| c.is_stream && c.name.eq_ignore_ascii_case(stream))
        else {
            warnings.push(Warning::new(
                &storage,
                WarningKind::ReadPast,
                format!("no {stream} stream; read as empty"),
            ));
            return Ok(Vec::new());
        };
        let path = names::join(&storage, &info.name);
        if limit == "max_named_entries" {
            let len = store
                .open_read(&path)
                .and_then(|mut s| s.seek(SeekFrom::End(0)))
                .map_err(|e| Error::from_cfb(e, &path, "reading the named-property entries"))?;
            if len / 8 > max_entries {
                return Err(Error::LimitExceeded {
                    limit,
                    value: len / 8,
                    max: max_entries,
                    path,
                });
            }
        }
        load::read_stream(store, &path, max, limit)
    };
    let guids = read(names::NAMEID_GUIDS, max_value, "max_value_bytes")?;
    let entries = read(names::NAMEID_ENTRIES, max_entries * 8 + 7, "max_named_entries")?;
    let strings = read(names::NAMEID_STRINGS, max_value, "max_value_bytes")?;
    let (map, parse_warnings) = NameMap::parse(&guids, &entries, &strings);
    warnings.extend(
        parse_warnings
            .into_iter()
            .map(|w| Warning::new(&storage, WarningKind::ReadPast, w)),
    );
    Ok((map, warnings))
}

impl Inner {
    /// The file an object belongs to.
    pub(crate) fn names_file(&self, key: NodeKey) -> Result<FileKey> {
        self.check_live(key)?;
        Ok(match self.node(key)? {
            Node::Message(m) => m.file,
            Node::Attachment(a) => a.file,
        })
    }

    /// The named-property map of the file of `key`, once it was read.
    pub(crate) fn name_map(&mut self, key: NodeKey) -> Result<&mut NameMap> {
        let fkey = self.names_file(key)?;
        let fs = self.files.get_mut(fkey).ok_or_else(|| Error::ObjectDeleted {
            what: "the message's file".into(),
        })?;
        Ok(fs.names.get_or_insert_with(NameMap::new))
    }

    /// Keeps a map read outside the borrow (unless one arrived meanwhile);
    /// parse warnings become warnings of the file's top-level message.
    fn install_name_map(&mut self, fkey: FileKey, map: NameMap, warnings: Vec<Warning>) {
        let Some(fs) = self.files.get_mut(fkey) else { return };
        if fs.names.is_some() {
            return;
        }
        fs.names = Some(map);
        if !warnings.is_empty() {
            let top = self
                .nodes
                .keys()
                .find(|&k| matches!(self.nodes.get(k), Some(Node::Message(m)) if m.parent.is_none() && m.file == fkey));
            if let Some(Some(Node::Message(m))) = top.map(|k| self.nodes.get_mut(k)) {
                m.state.origin.warnings.extend(warnings);
            }
        }
    }

    /// The id `name` resolves to, without creating a mapping.
    pub(crate) fn resolve_name(&mut self, key: NodeKey, name: &NamedProp) -> Result<Option<u16>> {
        let map = self.name_map(key)?;
        Ok(map.id_of(name).or_else(|| ps_mapi_direct(name)))
    }

    /// GetIDsFromNames. With `create`, unmapped names are appended to the
    /// map (all or none: the capacity is checked first).
    pub(crate) fn ids_from_names(&mut self, key: NodeKey, names: &[NamedProp], create: bool) -> Result<Vec<u16>> {
        let max = (self.limits(key).max_named_entries as usize).min(MAX_ENTRIES);
        let fkey = self.names_file(key)?;
        let map = self.name_map(key)?;
        let found: Vec<Option<u16>> = names
            .iter()
            .map(|n| map.id_of(n).or_else(|| ps_mapi_direct(n)))
            .collect();
        let Some(first_missing) = found.iter().position(Option::is_none) else {
            return Ok(found.into_iter().flatten().collect());
        };
        if !create {
            return Err(Error::NameNotMapped {
                what: names[first_missing].to_string(),
            });
        }
        let mut new: Vec<NamedProp> = names
            .iter()
            .zip(&found)
            .filter(|(_, f)| f.is_none())
            .map(|(n, _)| fold(n))
            .collect();
        new.sort();
        new.dedup();
        if map.len() + new.len() > max {
            return Err(Error::NameMapFull);
        }
        let mut out = Vec::with_capacity(names.len());
        for (n, f) in names.iter().zip(found) {
            match f {
                Some(id) => out.push(id),
                None => out.push(map.get_or_insert(n).ok_or(Error::NameMapFull)?),
            }
        }
        if let Some(fs) = self.files.get_mut(fkey) {
            fs.names_dirty = true;
        }
        Ok(out)
    }

    /// GetNamesFromIDs.
    pub(crate) fn names_from_ids(&mut self, key: NodeKey, ids: &[u16]) -> Result<Vec<NamedProp>> {
        let map = self.name_map(key)?;
        ids.iter()
            .map(|&id| {
                if (1..FIRST_NAMED_ID).contains(&id) {
                    return Ok(NamedProp::id(PS_MAPI, u32::from(id)));
                }
                map.name_of(id).cloned().ok_or_else(|| Error::NameNotMapped {
                    what: format!("property id 0x{id:04X}"),
                })
            })
            .collect()
    }

    /// GetNamesFromIDs(NULL): every mapping, in id order.
    pub(crate) fn named_props(&mut self, key: NodeKey) -> Result<Vec<(u16, NamedProp)>> {
        Ok(self.name_map(key)?.iter().map(|(id, n)| (id, n.clone())).collect())
    }
}

impl Ctx<'_> {
    /// Reads the map of `key`'s file on first use, under a lease.
    fn ensure_name_map(&self, key: NodeKey) -> Result<()> {
        let (fkey, needed, has_store, limits, strict) = {
            let st = self.state()?;
            let fkey = st.names_file(key)?;
            let fs = st.files.get(fkey).ok_or_else(|| Error::ObjectDeleted {
                what: "the message's file".into(),
            })?;
            (
                fkey,
                fs.names.is_none(),
                fs.store.is_some() || fs.leased,
                fs.options.limits.clone(),
                fs.options.strict,
            )
        };
        if !needed {
            return Ok(());
        }
        let (map, warnings) = if has_store {
            let mut lease = self.lease(fkey)?;
            read_name_map(&mut lease.store(), &limits)?
        } else {
            (NameMap::new(), Vec::new())
        };
        if let (true, Some(first)) = (strict, warnings.first()) {
            return Err(Error::corrupt(first.path.clone(), first.reason.clone()));
        }
        self.state()?.install_name_map(fkey, map, warnings);
        Ok(())
    }

    /// The id `name` resolves to in `key`'s file, without creating one.
    pub(crate) fn resolve_name(&self, key: NodeKey, name: &NamedProp) -> Result<Option<u16>> {
        self.ensure_name_map(key)?;
        self.state()?.resolve_name(key, name)
    }

    /// GetIDsFromNames.
    pub(crate) fn ids_from_names(&self, key: NodeKey, names: &[NamedProp], create: bool) -> Result<Vec<u16>> {
        self.ensure_name_map(key)?;
        self.state()?.ids_from_names(key, names, create)
    }

    /// GetNamesFromIDs.
    pub(crate) fn names_from_ids(&self, key: NodeKey, ids: &[u16]) -> Result<Vec<NamedProp>> {
        self.ensure_name_map(key)?;
        self.state()?.names_from_ids(key, ids)
    }

    /// GetNamesFromIDs(NULL).
    pub(crate) fn named_props(&self, key: NodeKey) -> Result<Vec<(u16, NamedProp)>> {
        self.ensure_name_map(key)?;
        self.state()?.named_props(key)
    }
}

impl Ctx<'_> {
    /// The file `key` belongs to (mapped tags remember it).
    pub(crate) fn file_of(&self, key: NodeKey) -> Result<FileKey> {
        self.state()?.names_file(key)
    }
}
