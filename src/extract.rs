//! Writing attachments to a folder with names that cannot escape it.
//! Attachment names come from untrusted files.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::access::Access;
use crate::error::{Error, Result};
use crate::message::Message;

/// Longest file name (in bytes) that `safe_file_name` returns.
pub const MAX_FILE_NAME_BYTES: usize = 200;

/// Turns a name from a file into a safe file name: no path separators or
/// drive prefixes, no `.`/`..`, no control characters or characters Windows
/// forbids (`<>:"/\|?*`), no reserved device names (`CON`, `NUL`, `COM1`,
/// …), no trailing dots or spaces, at most [`MAX_FILE_NAME_BYTES`] bytes
/// (keeping the extension), never empty (`fallback` is used then).
///
/// ```
/// use oxmsg::safe_file_name;
/// assert_eq!(safe_file_name("../../etc/passwd", "a"), "passwd");
/// assert_eq!(safe_file_name("C:\\x", "a"), "x");
/// assert_eq!(safe_file_name("CON", "a"), "_CON");
/// assert_eq!(safe_file_name("a/b", "a"), "b");
/// ```
pub fn safe_file_name(name: &str, fallback: &str) -> String {
    // The last component of either kind of path.
    let last = name.rsplit(['/', '\\']).next().unwrap_or("");
    let last = last.rsplit(':').next().unwrap_or("");
    let mut s: String = last
        .chars()
        .map(|c| {
            // Control characters, what Windows forbids, and the bidirectional
            // controls that make `\u{202E}fdp.exe` display as `exe.pdf`.
            if c.is_control()
                || matches!(c, '<' | '>' | ':' | '"' | '/' | '\\' | '|' | '?' | '*')
                || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
            {
                '_'
            } else {
                c
            }
        })
        .collect();
    s = trim_name(&s);
    if s.is_empty() || s.chars().all(|c| c == '.') {
        s = safe_fallback(fallback);
    }
    if is_reserved(&s) {
        s.insert(0, '_');
    }
    // Cutting can end the name in a dot or a space again.
    let cut = trim_name(&truncate_keeping_extension(&s, MAX_FILE_NAME_BYTES));
    if cut.is_empty() {
        safe_fallback(fallback)
    } else {
        cut
    }
}

/// Without leading spaces and trailing dots and spaces (Windows drops
/// trailing ones, so `a.txt.` would name `a.txt`).
fn trim_name(s: &str) -> String {
    s.trim_end_matches(['.', ' ']).trim_start_matches(' ').to_string()
}

/// Whether the part before the first dot is a Windows device name
/// ("Naming Files, Paths, and Namespaces"), superscript digits and the
/// console devices included.
fn is_reserved(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or("").trim_end().to_uppercase();
    const DEVICES: [&str; 6] = ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"];
    if DEVICES.contains(&stem.as_str()) {
        return true;
    }
    let digit = |d: &str| matches!(d, "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9" | "¹" | "²" | "³");
    ["COM", "LPT"].iter().any(|p| stem.strip_prefix(p).is_some_and(digit))
}

fn safe_fallback(fallback: &str) -> String {
    let f: String = fallback
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect();
    let f = f.trim_start_matches('.');
    if f.trim_end_matches('.').is_empty() {
        "attachment".into()
    } else {
        f.to_string()
    }
}

fn truncate_keeping_extension(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let (stem, ext) = match s.rfind('.') {
        Some(i) if s.len() - i <= 16 && i > 0 => (&s[..i], &s[i..]),
        _ => (s, ""),
    };
    let mut cut = max.saturating_sub(ext.len());
    while !stem.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}{}", &stem[..cut], ext)
}

/// The `n`-th name tried for `name`: `name` itself, then `stem (2).ext`,
/// `stem (3).ext`, … with the stem shortened so that the whole stays
/// within [`MAX_FILE_NAME_BYTES`].
fn candidate(name: &str, n: u32) -> String {
    if n == 1 {
        return name.to_string();
    }
    let (stem, ext) = match name.rfind('.') {
        Some(i) if i > 0 && name.len() - i <= 16 => (&name[..i], &name[i..]),
        _ => (name, ""),
    };
    let suffix = format!(" ({n})");
    let mut cut = MAX_FILE_NAME_BYTES
        .saturating_sub(suffix.len() + ext.len())
        .min(stem.len());
    while !stem.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}{suffix}{ext}", &stem[..cut])
}

/// Most names tried for one attachment before giving up.
const MAX_CANDIDATES: u32 = 10_000;

/// Creates a file for `name` in `dir` with `create`, which must fail with
/// `AlreadyExists` rather than replace anything; tries the next candidate
/// name on a clash. Nothing that exists, a dangling symbolic link included,
/// is ever replaced.
fn create_unique<T>(
    dir: &Path,
    name: &str,
    mut create: impl FnMut(&Path) -> Result<Option<T>>,
) -> Result<(PathBuf, T)> {
    for n in 1..=MAX_CANDIDATES {
        let p = dir.join(candidate(name, n));
        if fs::symlink_metadata(&p).is_ok() {
            continue;
        }
        if let Some(t) = create(&p)? {
            return Ok((p, t));
        }
    }
    Err(Error::io(
        io::Error::from(io::ErrorKind::AlreadyExists),
        format!("finding a free name for {name} in {}", dir.display()),
    ))
}

impl<'s, A: Access> Message<'s, A> {
    /// Writes the data of every by-value attachment into `dir` (which must
    /// exist) and returns the paths written. File names come from
    /// [`crate::Attachment::filename`] passed through [`safe_file_name`];
    /// an existing file is never overwritten (a ` (2)` suffix is added), and
    /// nothing is written outside `dir`. Data is streamed, not loaded.
    /// Embedded messages are written as `.msg` files; other attachments
    /// without data are skipped.
    ///
    /// # Errors
    /// I/O errors creating or writing files; errors reading the data.
    pub fn save_attachments_to_dir(&self, dir: impl AsRef<Path>) -> Result<Vec<PathBuf>> {
        self.save_attachments_to_dir_where(dir, |_| Ok(true))
    }

    /// [`Self::save_attachments_to_dir`] for the attachments `keep` accepts
    /// (for instance all but the inline images:
    /// `|a| Ok(!a.is_inline()?)`), with the same guarantees.
    ///
    /// # Errors
    /// As [`Self::save_attachments_to_dir`], and any error `keep` returns.
    pub fn save_attachments_to_dir_where(
        &self,
        dir: impl AsRef<Path>,
        mut keep: impl FnMut(&crate::Attachment<'_, A>) -> Result<bool>,
    ) -> Result<Vec<PathBuf>> {
        let dir = dir.as_ref();
        let mut written = Vec::new();
        for a in self.attachments()? {
            if !keep(&a)? {
                continue;
            }
            let fallback = format!("attachment-{}", a.num());
            let mut name = safe_file_name(&a.filename()?.unwrap_or_default(), &fallback);
            if a.is_embedded() {
                if !name.to_ascii_lowercase().ends_with(".msg") {
                    name = truncate_keeping_extension(&format!("{name}.msg"), MAX_FILE_NAME_BYTES);
                }
                let inner = a.open_embedded()?;
                let mut tmp = Some(self.ctx().write_beside(inner.key, &dir.join(&name))?);
                let (path, ()) = create_unique(dir, &name, |p| match tmp.take().expect("kept").persist_noclobber(p) {
                    Ok(_) => Ok(Some(())),
                    Err(e) if e.error.kind() == io::ErrorKind::AlreadyExists => {
                        tmp = Some(e.file);
                        Ok(None)
                    }
                    Err(e) => Err(Error::io(e.error, format!("writing {}", p.display()))),
                })?;
                written.push(path);
                continue;
            }
            let mut data = match a.data() {
                Ok(d) => d,
                Err(Error::PropNotFound { .. }) | Err(Error::NoSupport { .. }) => continue,
                Err(e) => return Err(e),
            };
            let (path, mut f) = create_unique(dir, &name, |p| {
                match fs::OpenOptions::new().write(true).create_new(true).open(p) {
                    Ok(f) => Ok(Some(f)),
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(None),
                    Err(e) => Err(Error::io(e, format!("creating {}", p.display()))),
                }
            })?;
            io::copy(&mut data, &mut f).map_err(|e| Error::io(e, format!("writing {}", path.display())))?;
            written.push(path);
        }
        Ok(written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names() {
        assert_eq!(safe_file_name("../../etc/passwd", "f"), "passwd");
        assert_eq!(safe_file_name("..", "f"), "f");
        assert_eq!(safe_file_name("", "f"), "f");
        assert_eq!(safe_file_name("a\u{0}b\nc.txt", "f"), "a_b_c.txt");
        assert_eq!(safe_file_name("nul.txt", "f"), "_nul.txt");
        assert_eq!(safe_file_name("COM1", "f"), "_COM1");
        assert_eq!(safe_file_name("report. ", "f"), "report");
        assert_eq!(safe_file_name("/abs/path.pdf", "f"), "path.pdf");
        assert_eq!(safe_file_name("C:file.txt", "f"), "file.txt");
        let long = format!("{}.pdf", "x".repeat(1000));
        let s = safe_file_name(&long, "f");
        assert!(s.len() <= MAX_FILE_NAME_BYTES && s.ends_with(".pdf"));
        let long_utf8 = "é".repeat(300);
        assert!(safe_file_name(&long_utf8, "f").len() <= MAX_FILE_NAME_BYTES);
        assert_eq!(safe_file_name("../..", "../x"), "x");
    }
}
