//! SaveChanges: folding a child's state into its parent, and writing a
//! top-level message to its file atomically.

use std::fs::File;
use std::io::{self, Seek, Write};
use std::path::Path;

use crate::error::{Error, Result};
use crate::format::names;
use crate::format::propstream::HeaderKind;
use crate::prop::Guid;

use super::backing::CompoundStore;
use super::save::{Writer, CLSID_MAIL_MESSAGE};
use super::state::*;
use super::{Inner, Node, NodeKey, Target};

/// Copies a storage's children from one compound file to another, CLSIDs
/// and state bits included; `filter` picks the root-level names to copy.
pub(crate) fn copy_between(
    src: &mut dyn CompoundStore,
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

impl Inner {
    /// SaveChanges on an attachment or an embedded message: its state
    /// becomes part of its parent's, to be written by the top-level save.
    pub(crate) fn commit_child(&mut self, key: NodeKey) -> Result<()> {
        self.check_live(key)?;
        match self.node(key)? {
            Node::Attachment(a) => {
                let (parent, num, st) = (a.parent, a.state.num, a.state.clone());
                let m = self.message_mut(parent)?;
                m.state.attachments.insert(num, AttachSlot::Loaded(Box::new(st)));
                if m.state.header.next_attachment_id <= num {
                    m.state.header.next_attachment_id = num + 1;
                }
                self.refresh_has_attach(parent)?;
            }
            Node::Message(m) => {
                let parent = m.parent.ok_or_else(|| Error::InvalidParameter {
                    detail: "a top-level message is saved to its file".into(),
                })?;
                let st = m.state.clone();
                self.attachment_mut(parent)?.state.embedded = Some(EmbeddedSlot::Loaded(Box::new(st)));
            }
        }
        Ok(())
    }

    /// Writes message `key` (top-level, or embedded and then written as a
    /// standalone top-level message) into a new compound file on `file`.
    fn build_image(&mut self, key: NodeKey, file: File) -> Result<File> {
        self.check_damage(key)?;
        let m = self.message(key)?;
        let mut state = m.state.clone();
        state.kind = HeaderKind::TopLevel;
        let fkey = m.file;
        let unicode = self.files.get(fkey).map(|f| f.unicode).unwrap_or(true);
        let codepage = self.codepage(key);
        let mut out = cfb::CompoundFile::create_with_version(cfb::Version::V3, file)
            .map_err(|e| Error::io(e, "creating the compound file"))?;
        let fs = self.files.get_mut(fkey).ok_or_else(|| Error::ObjectDeleted {
            what: "the message's file".into(),
        })?;
        // The root CLSID: the file's own when it has one (and this is its
        // root), else CLSID_MailMessage.
        let mut clsid = CLSID_MAIL_MESSAGE;
        // (An embedded message written standalone gets CLSID_MailMessage.)
        if state.origin.source.as_ref().is_some_and(|s| s.path == "/") {
            if let Some(store) = fs.store.as_deref() {
                if let Ok(root) = store.entry("/") {
                    if root.clsid != Guid::default() {
                        clsid = root.clsid;
                    }
                }
            }
        }
        out.set_clsid("/", clsid)
            .map_err(|e| Error::io(e, "writing the root CLSID"))?;
        // The named-property mapping, always at the top level.
        let nameid = names::join("/", names::NAMEID);
        CompoundStore::create_storage(&mut out, &nameid).map_err(|e| Error::io(e, "writing the name map"))?;
        let copy_original = !fs.names_dirty
            && fs
                .store
                .as_deref()
                .is_some_and(|s| s.entry(&nameid).is_ok_and(|e| !e.is_stream));
        if copy_original {
            let store = fs.store.as_deref_mut().expect("checked");
            copy_between(store, &nameid, &mut out, &nameid, &|_| true)
                .map_err(|e| Error::from_cfb(e, &nameid, "copying the named-property mapping"))?;
        } else {
            let streams = fs.names.clone().unwrap_or_default().serialize();
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
            files: &mut self.files,
            unicode,
            codepage,
        };
        w.write_message("/", &state)?;
        out.flush().map_err(|e| Error::io(e, "flushing the compound file"))?;
        let mut file = out.into_inner();
        file.flush().map_err(|e| Error::io(e, "flushing the file"))?;
        file.sync_all().map_err(|e| Error::io(e, "syncing the file"))?;
        file.rewind().map_err(|e| Error::io(e, "rewinding the file"))?;
        Ok(file)
    }

    /// SaveChanges on a top-level message: writes the whole tree to where
    /// the message came from. A path is replaced atomically: the new file is
    /// written and synced beside it, then renamed over it.
    pub(crate) fn save_top(&mut self, key: NodeKey) -> Result<()> {
        let m = self.message(key)?;
        if m.parent.is_some() {
            return self.commit_child(key);
        }
        let fkey = m.file;
        let target = match &self.files.get(fkey).expect("live file").target {
            Target::Path(p) => Target::Path(p.clone()),
            Target::InPlace { commit } => Target::InPlace { commit: *commit },
            Target::Memory => return Ok(()),
        };
        match target {
            Target::Path(path) => {
                let tmp = self.write_beside(key, &path)?;
                // Close our hold on the old file before replacing it.
                let fs = self.files.get_mut(fkey).expect("live file");
                let had_store = fs.store.take().is_some();
                match tmp.persist(&path) {
                    Ok(_) => {
                        sync_dir(parent_dir(&path));
                        let store = crate::session::open_store_rw(&path)?;
                        self.files.get_mut(fkey).expect("live file").store = Some(store.0);
                        Ok(())
                    }
                    Err(e) => {
                        if had_store {
                            if let Ok(s) = crate::session::open_store_rw(&path) {
                                self.files.get_mut(fkey).expect("live file").store = Some(s.0);
                            }
                        }
                        Err(Error::io(e.error, format!("replacing {}", path.display())))
                    }
                }
            }
            Target::InPlace { commit } => {
                let tmp = tempfile::tempfile().map_err(|e| Error::io(e, "creating a temporary file"))?;
                let image = self.build_image(key, tmp)?;
                let fs = self.files.get_mut(fkey).expect("live file");
                let store = fs.store.take().ok_or_else(|| Error::corrupt("/", "no compound file"))?;
                let (store, result) = store.rewrite(image, commit);
                self.files.get_mut(fkey).expect("live file").store = store;
                result
            }
            Target::Memory => Ok(()),
        }
    }

    /// Writes message `key` as a complete .msg to `out` (SaveAs; the message
    /// keeps its own target). An embedded message becomes a top-level one.
    pub(crate) fn save_to_writer(&mut self, key: NodeKey, out: &mut dyn Write) -> Result<()> {
        self.check_live(key)?;
        let tmp = tempfile::tempfile().map_err(|e| Error::io(e, "creating a temporary file"))?;
        let mut image = self.build_image(key, tmp)?;
        io::copy(&mut image, out).map_err(|e| Error::io(e, "writing the message"))?;
        out.flush().map_err(|e| Error::io(e, "flushing the writer"))
    }

    /// Writes message `key` into a new temporary file in `path`'s folder,
    /// synced and with the permissions `path` has (or 0644), ready to be
    /// renamed over `path`. The temporary file is removed if anything fails.
    pub(crate) fn write_beside(&mut self, key: NodeKey, path: &Path) -> Result<tempfile::NamedTempFile> {
        let dir = parent_dir(path);
        let tmp = tempfile::Builder::new()
            .prefix(".oxmsg-save-")
            .tempfile_in(dir)
            .map_err(|e| Error::io(e, format!("creating a temporary file in {}", dir.display())))?;
        let f = tmp.reopen().map_err(|e| Error::io(e, "reopening the temporary file"))?;
        self.build_image(key, f)?;
        keep_permissions(tmp.as_file(), path)?;
        Ok(tmp)
    }

    /// Writes message `key` as a complete .msg at `path`, atomically.
    pub(crate) fn save_as_path(&mut self, key: NodeKey, path: &Path) -> Result<()> {
        self.check_live(key)?;
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
