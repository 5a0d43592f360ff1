//! SaveChanges: folding a child's state into its parent, and writing a
//! top-level message to its file atomically.

use std::fs::File;
use std::io::{self, Seek, Write};

use std::path::Path;

use crate::error::{Error, Result};
use crate::format::names;
use crate::format::propstream::HeaderKind;
use crate::prop::{tags, Guid, PropValue};

use super::backing::{CompoundStore, StoreView};
use super::engine::{Ctx, FileKey};
use super::save::{Writer, CLSID_MAIL_MESSAGE};
use super::state::*;
use super::{Inner, Node, NodeKey, Target};

/// Copies a storage's children from one compound file to another, CLSIDs
/// and state bits included; `filter` picks the root-level names to copy.
pub(crate) fn copy_between(
    src: &mut StoreView<'_, '_>,
    from: &str,
    dst: &mut dyn CompoundStore,
    to: &str,
    filter: &dyn Fn(&str) -> bool,
) -> io::Result<()> {
    for c in src.children(from)? {
        if !filter(&c.name) {
            continue;
        }
        let f = names::join(from, &c.name);
        let t = names::join(to, &c.name);
        if c.is_stream {
            let mut r = src.open_read(&f)?;
            let mut w = dst.create_stream(&t)?;
            io::copy(&mut r, &mut w)?;
            w.flush()?;
        } else {
            dst.create_storage(&t)?;
            if c.clsid != Guid::default() {
                dst.set_clsid(&t, c.clsid)?;
            }
            copy_between(src, &f, dst, &t, &|_| true)?;
        }
        if c.state_bits != 0 {
            dst.set_state_bits(&t, c.state_bits)?;
        }
    }
    Ok(())
}

/// What a save needs from the state, taken in one borrow.
struct Snapshot {
    state: MessageState,
    file: FileKey,
    unicode: bool,
    codepage: u32,
    lossy_ansi: bool,
    has_store: bool,
    names_dirty: bool,
    names: crate::format::nameid::NameMap,
}

impl Inner {
    /// SaveChanges on an attachment or an embedded message: its state
    /// becomes part of its parent's, to be written by the top-level save.
    fn commit_child(&mut self, key: NodeKey) -> Result<()> {
        self.check_live(key)?;
        self.check_no_open_writers(key)?;
        match self.node(key)? {
            Node::Attachment(a) => {
                let (parent, num, st) = (a.parent, a.state.num, a.state.clone());
                let m = self.message_mut(parent)?;
                m.state.origin.edited = true;
                m.state.attachments.insert(num, AttachSlot::Loaded(Box::new(st)));
                let next = &mut m.state.header.next_attachment_id;
                *next = (*next).max(num.saturating_add(1));
                self.refresh_has_attach(parent)?;
            }
            Node::Message(m) => {
                let parent = m.parent.ok_or_else(|| Error::InvalidParameter {
                    detail: "a top-level message is saved to its file".into(),
                })?;
                let st = m.state.clone();
                let a = self.attachment_mut(parent)?;
                a.state.origin.edited = true;
                a.state.embedded = Some(EmbeddedSlot::Loaded(Box::new(st)));
            }
        }
        Ok(())
    }

    /// A save of `key` would leave out what an open written stream on it
    /// (or on an object inside it) holds: refuse it.
    fn check_no_open_writers(&self, key: NodeKey) -> Result<()> {
        for k in self.nodes.keys() {
            let Some(node) = self.nodes.get(k) else { continue };
            let (writers, _) = match node {
                Node::Message(m) => (m.writers.get(), ()),
                Node::Attachment(a) => (a.writers.get(), ()),
            };
            if writers == 0 {
                continue;
            }
            let mut cur = Some(k);
            while let Some(c) = cur {
                if c == key {
                    return Err(Error::StreamOpen { what: self.describe(k) });
                }
                cur = match self.nodes.get(c) {
                    Some(Node::Message(m)) => m.parent,
                    Some(Node::Attachment(a)) => Some(a.parent),
                    None => None,
                };
            }
        }
        Ok(())
    }

    /// Everything a save of `key` needs, after the checks that refuse it.
    fn snapshot(&self, key: NodeKey) -> Result<Snapshot> {
        self.check_live(key)?;
        self.check_damage(key)?;
        self.check_no_open_writers(key)?;
        let m = self.message(key)?;
        let fs = self.file(key)?;
        let mut state = m.state.clone();
        Inner::refresh_for_save(&mut state);
        let limits = &fs.options.limits;
        check_tree(&state, limits, m.depth, "/")?;
        let codepage = self.codepage(key);
        if state.kind == HeaderKind::Embedded {
            // A message of its own: what Outlook writes at the top of a file,
            // and the internet code page and locale it had from the messages
            // around it, so that its strings read the same on their own.
            let mut inherited = super::open::file_identity(fs.unicode, codepage);
            for tag in [tags::INTERNET_CPID.tag(), tags::MESSAGE_LOCALE_ID.tag()] {
                if let Some(v) = self.inherited_long(key, tag.id()) {
                    inherited.push((tag, PropValue::Long(v)));
                }
            }
            for (tag, v) in inherited {
                if state.props.find(tag).is_none() {
                    state.props.set(tag, Val::Value(v));
                }
            }
        }
        state.kind = HeaderKind::TopLevel;
        let names = fs.names.clone().unwrap_or_default();
        if names.len() > limits.max_named_entries as usize {
            return Err(Error::LimitExceeded {
                limit: "max_named_entries",
                value: names.len() as u64,
                max: limits.max_named_entries as u64,
                path: "/__nameid_version1.0".into(),
            });
        }
        Ok(Snapshot {
            state,
            file: m.file,
            unicode: fs.unicode,
            codepage,
            lossy_ansi: fs.options.lossy_ansi,
            has_store: fs.store.is_some() || fs.leased,
            names_dirty: fs.names_dirty,
            names,
        })
    }
}

impl Inner {
    /// The PT_LONG property `id` of message `key` or of the nearest message
    /// around it that has it.
    fn inherited_long(&self, mut key: NodeKey, id: u16) -> Option<i32> {
        loop {
            match self.nodes.get(key)? {
                Node::Message(m) => {
                    if let Some(v) = m.state.props.long(id) {
                        return Some(v);
                    }
                    key = m.parent?;
                }
                Node::Attachment(a) => key = a.parent,
            }
        }
    }
}

/// Refuses to write what oxmsg would refuse to read with the file's limits:
/// too many recipients or attachments, nesting too deep, too many values.
fn check_tree(st: &MessageState, limits: &crate::options::Limits, depth: u32, path: &str) -> Result<()> {
    let too_many = |limit: &'static str, value: usize, max: u64, what: &str| -> Result<()> {
        if value as u64 > max {
            return Err(Error::LimitExceeded {
                limit,
                value: value as u64,
                max,
                path: format!("{what} of {path} (oxmsg does not write a file it would refuse to read)"),
            });
        }
        Ok(())
    };
    too_many("max_depth", depth as usize, u64::from(limits.max_depth), "nesting")?;
    too_many(
        "max_children",
        st.attachments.len(),
        u64::from(limits.max_children),
        "attachments",
    )?;
    if let Recipients::Loaded(rows) = &st.recipients {
        too_many("max_children", rows.len(), u64::from(limits.max_children), "recipients")?;
    }
    let max_props = limits.max_property_stream_bytes.saturating_sub(32) / 16;
    too_many("max_property_stream_bytes", st.props.map.len(), max_props, "properties")?;
    for e in st.props.map.values() {
        if let Val::Value(v) = &e.val {
            too_many(
                "max_mv_values",
                v.value_count(),
                u64::from(limits.max_mv_values),
                "values of a multi-valued property",
            )?;
        }
    }
    for (num, slot) in &st.attachments {
        if let AttachSlot::Loaded(a) = slot {
            if let Some(EmbeddedSlot::Loaded(m)) = &a.embedded {
                check_tree(m, limits, depth + 1, &format!("{path}attachment #{num}/"))?;
            }
        }
    }
    Ok(())
}

impl Ctx<'_> {
    /// SaveChanges on an attachment or embedded message.
    pub(crate) fn commit_child(&self, key: NodeKey) -> Result<()> {
        self.state()?.commit_child(key)
    }

    /// Writes message `key` (top-level, or embedded and then written as a
    /// standalone top-level message) as a new compound file over `file`.
    /// The state is borrowed only to take a snapshot; the message's own
    /// compound file is read under a lease.
    fn build_image<F: io::Read + Write + Seek + Send + Sync + 'static>(&self, key: NodeKey, file: F) -> Result<F> {
        let snap = self.state()?.snapshot(key)?;
        let mut lease = if snap.has_store {
            Some(self.lease(snap.file)?)
        } else {
            None
        };
        let mut out = cfb::CompoundFile::create_with_version(cfb::Version::V3, file)
            .map_err(|e| Error::io(e, "creating the compound file"))?;
        let mut source: Option<StoreView<'_, '_>> = lease.as_mut().map(|l| l.store());
        // The root CLSID: the file's own when it has one (and this is its
        // root), else CLSID_MailMessage (also for an embedded message
        // written on its own).
        let mut clsid = CLSID_MAIL_MESSAGE;
        if snap.state.origin.source.as_ref().is_some_and(|s| s.path == "/") {
            if let Some(root) = source.as_ref().and_then(|s| s.entry("/").ok()) {
                if root.clsid != Guid::default() {
                    clsid = root.clsid;
                }
            }
        }
        out.set_clsid("/", clsid)
            .map_err(|e| Error::io(e, "writing the root CLSID"))?;
        // The named-property mapping, always at the top level.
        let nameid = names::join("/", names::NAMEID);
        CompoundStore::create_storage(&mut out, &nameid).map_err(|e| Error::io(e, "writing the name map"))?;
        let original = match source.as_mut() {
            Some(s) if !snap.names_dirty => s.entry(&nameid).ok().filter(|e| !e.is_stream).map(|e| (s, e)),
            _ => None,
        };
        if let Some((store, info)) = original {
            copy_between(store, &nameid, &mut out, &nameid, &|_| true)
                .map_err(|e| Error::from_cfb(e, &nameid, "copying the named-property mapping"))?;
            out.set_times(&nameid, info.created, info.modified)
                .map_err(|e| Error::io(e, "writing the name map"))?;
        } else {
            let streams = snap.names.serialize();
            let mut put = |name: &str, bytes: &[u8]| -> Result<()> {
                let p = names::join(&nameid, name);
                let mut w =
                    CompoundStore::create_stream(&mut out, &p).map_err(|e| Error::io(e, format!("writing {p}")))?;
                w.write_all(bytes).map_err(|e| Error::io(e, format!("writing {p}")))
            };
            put(names::NAMEID_GUIDS, &streams.guids)?;
            put(names::NAMEID_ENTRIES, &streams.entries)?;
            put(names::NAMEID_STRINGS, &streams.strings)?;
            for (id, bytes) in &streams.buckets {
                put(&crate::format::nameid::bucket_stream_name(*id), bytes)?;
            }
        }
        let mut w = Writer {
            out: &mut out,
            source,
            source_file: snap.file,
            unicode: snap.unicode,
            codepage: snap.codepage,
            lossy_ansi: snap.lossy_ansi,
            listings: Default::default(),
            written: 0,
        };
        w.write_message("/", &snap.state)?;
        drop(lease);
        out.flush().map_err(|e| Error::io(e, "flushing the compound file"))?;
        let mut file = out.into_inner();
        file.flush().map_err(|e| Error::io(e, "flushing the file"))?;
        file.rewind().map_err(|e| Error::io(e, "rewinding the file"))?;
        Ok(file)
    }

    /// SaveChanges on a top-level message: writes the whole tree to where
    /// the message came from. A path is replaced atomically: the new file is
    /// written and synced beside it, then renamed over it. A caller's
    /// reader-writer is written with nothing of the session borrowed.
    pub(crate) fn save_top(&self, key: NodeKey) -> Result<()> {
        let (parent, fkey, target, threshold) = {
            let st = self.state()?;
            st.check_live(key)?;
            let m = st.message(key)?;
            let target = match &st.file(key)?.target {
                Target::Path(p) => Target::Path(p.clone()),
                Target::InPlace { commit } => Target::InPlace { commit: *commit },
                Target::Memory => Target::Memory,
            };
            (m.parent, m.file, target, st.file(key)?.options.memory_threshold)
        };
        if parent.is_some() {
            return self.commit_child(key);
        }
        match target {
            Target::Path(path) => {
                // A rename would replace a device or pipe with a file.
                if std::fs::metadata(&path).is_ok_and(|m| !m.is_file()) {
                    return Err(Error::InvalidParameter {
                        detail: format!(
                            "{} is not a regular file: a message is saved to a path by replacing the file \
                             (write to a device or pipe with save_to)",
                            path.display()
                        ),
                    });
                }
                let tmp = self.write_beside(key, &path)?;
                // Let go of the old file before replacing it.
                let old = self.lease(fkey).ok().map(|l| l.take());
                let had_store = old.is_some();
                drop(old);
                match tmp.persist(&path) {
                    Ok(_) => {
                        sync_dir(parent_dir(&path));
                        match super::open::open_path_store(&path, threshold) {
                            Ok((store, _)) => self.set_store(fkey, store),
                            Err(e) => {
                                self.store_lost(fkey);
                                return Err(e);
                            }
                        }
                        Ok(())
                    }
                    Err(e) => {
                        if had_store {
                            match super::open::open_path_store(&path, threshold) {
                                Ok((s, _)) => self.set_store(fkey, s),
                                Err(_) => self.store_lost(fkey),
                            }
                        }
                        Err(Error::io(e.error, format!("replacing {}", path.display())))
                    }
                }
            }
            Target::InPlace { commit } => {
                let tmp = tempfile::tempfile().map_err(|e| Error::io(e, "creating a temporary file"))?;
                let image = self.build_image(key, tmp)?;
                let store = self.lease(fkey)?.take();
                let (store, result) = store.rewrite(image, commit);
                match store {
                    Some(s) => self.set_store(fkey, s),
                    None => self.store_lost(fkey),
                }
                result
            }
            Target::Memory => {
                // Nothing to write to; the checks still apply.
                self.state()?.snapshot(key).map(|_| ())
            }
        }
    }

    /// Writes message `key` as a complete .msg to `out` (SaveAs; the message
    /// keeps its own target). The image is made first (in memory, spilling
    /// to a temporary file past 8 MiB), then copied to `out` with nothing of
    /// the session borrowed, so `out` may call back into the session.
    pub(crate) fn save_to_writer(&self, key: NodeKey, out: &mut dyn Write) -> Result<()> {
        let spool = tempfile::SpooledTempFile::new(8 << 20);
        let mut image = self.build_image(key, spool)?;
        io::copy(&mut image, out).map_err(|e| Error::io(e, "writing the message"))?;
        out.flush().map_err(|e| Error::io(e, "flushing the writer"))
    }

    /// The bytes of message `key` as a complete .msg.
    pub(crate) fn image_bytes(&self, key: NodeKey) -> Result<Vec<u8>> {
        Ok(self.build_image(key, io::Cursor::new(Vec::new()))?.into_inner())
    }

    /// Writes message `key` into a new temporary file in `path`'s folder,
    /// synced and with the permissions `path` has (or 0644), ready to be
    /// renamed over `path`. The temporary file is removed if anything fails.
    pub(crate) fn write_beside(&self, key: NodeKey, path: &Path) -> Result<tempfile::NamedTempFile> {
        let dir = parent_dir(path);
        let tmp = tempfile::Builder::new()
            .prefix(".oxmsg-save-")
            .tempfile_in(dir)
            .map_err(|e| Error::io(e, format!("creating a temporary file in {}", dir.display())))?;
        let f = tmp.reopen().map_err(|e| Error::io(e, "reopening the temporary file"))?;
        let f = self.build_image(key, f)?;
        f.sync_all().map_err(|e| Error::io(e, "syncing the file"))?;
        keep_permissions(tmp.as_file(), path)?;
        Ok(tmp)
    }

    /// Writes message `key` as a complete .msg at `path`, atomically.
    pub(crate) fn save_as_path(&self, key: NodeKey, path: &Path) -> Result<()> {
        // A device, pipe or socket (`/dev/null`, `/dev/stdout`, a FIFO) is
        // written into, never replaced by a rename.
        if let Ok(meta) = std::fs::metadata(path) {
            if meta.is_dir() {
                return Err(Error::InvalidParameter {
                    detail: format!("{} is a folder", path.display()),
                });
            }
            if !meta.is_file() {
                let mut out = std::fs::OpenOptions::new()
                    .write(true)
                    .open(path)
                    .map_err(|e| Error::io(e, format!("opening {}", path.display())))?;
                return self.save_to_writer(key, &mut out);
            }
        }
        let tmp = self.write_beside(key, path)?;
        tmp.persist(path)
            .map_err(|e| Error::io(e.error, format!("writing {}", path.display())))?;
        sync_dir(parent_dir(path));
        Ok(())
    }
}

/// The folder of `path` (`.` for a bare file name).
fn parent_dir(path: &Path) -> &Path {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Gives the new file the permissions of the file it replaces, or, for a
/// new file, read-write for its owner and readable by others (0644), rather
/// than the temporary file's owner-only mode.
fn keep_permissions(tmp: &File, path: &Path) -> Result<()> {
    let perms = match std::fs::metadata(path) {
        Ok(m) => m.permissions(),
        Err(_) => {
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::Permissions::from_mode(0o644)
            }
            #[cfg(not(unix))]
            {
                return Ok(());
            }
        }
    };
    tmp.set_permissions(perms)
        .map_err(|e| Error::io(e, format!("setting the permissions of {}", path.display())))
}

/// Makes a rename durable (Unix: fsync the directory). Best effort.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}
