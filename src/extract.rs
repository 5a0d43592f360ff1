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
            if c.is_control() || matches!(c, '<' | '>' | ':' | '"' | '/' | '\\' | '|' | '?' | '*') {
                '_'
            } else {
                c
            }
        })
        .collect();
    let trimmed = s.trim_end_matches(['.', ' ']).trim_start_matches(' ').to_string();
    s = trimmed;
    if s.is_empty() || s.chars().all(|c| c == '.') {
        s = safe_fallback(fallback);
    }
    let stem = s.split('.').next().unwrap_or("").trim_end().to_ascii_uppercase();
    const RESERVED: [&str; 22] = [
        "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9", "LPT1",
        "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
    ];
    if RESERVED.contains(&stem.as_str()) {
        s.insert(0, '_');
    }
    truncate_keeping_extension(&s, MAX_FILE_NAME_BYTES)
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

/// A path in `dir` for `name` that does not exist yet: `name`, else
/// `stem (2).ext`, `stem (3).ext`, …
fn unused_path(dir: &Path, name: &str) -> PathBuf {
    let p = dir.join(name);
    if !p.exists() {
        return p;
    }
    let (stem, ext) = match name.rfind('.') {
        Some(i) if i > 0 => (&name[..i], &name[i..]),
        _ => (name, ""),
    };
    (2u32..)
        .map(|n| {
            dir.join(truncate_keeping_extension(
                &format!("{stem} ({n}){ext}"),
                MAX_FILE_NAME_BYTES,
            ))
        })
        .find(|p| !p.exists())
        .expect("some number is free")
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
        let dir = dir.as_ref();
        let mut written = Vec::new();
        for a in self.attachments()? {
            let fallback = format!("attachment-{}", a.num());
            let mut name = safe_file_name(&a.filename()?.unwrap_or_default(), &fallback);
            if a.is_embedded() {
                if !name.to_ascii_lowercase().ends_with(".msg") {
                    name = truncate_keeping_extension(&format!("{name}.msg"), MAX_FILE_NAME_BYTES);
                }
                let path = unused_path(dir, &name);
                a.open_embedded()?.save_as(&path)?;
                written.push(path);
                continue;
            }
            let mut data = match a.data() {
                Ok(d) => d,
                Err(Error::PropNotFound { .. }) | Err(Error::NoSupport { .. }) => continue,
                Err(e) => return Err(e),
            };
            let path = unused_path(dir, &name);
            let mut f = fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
                .map_err(|e| Error::io(e, format!("creating {}", path.display())))?;
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
