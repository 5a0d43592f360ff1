//! Writing attachments to a folder with hostile names: `save_attachments_to_dir`
//! writes only inside the folder, never overwrites, and every file holds
//! its attachment's data; `safe_file_name` gives names that are safe on
//! Unix and Windows alike.
//!
//! Run: `cargo test --test extract -- --nocapture`

use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::{Path, PathBuf};

use oxmsg::{safe_file_name, tags, Access, Message, Session, MAX_FILE_NAME_BYTES};
use sha2::{Digest, Sha256};

/// The names the attachments carry.
fn hostile_names() -> Vec<String> {
    let mut v: Vec<String> = [
        "../../etc/passwd",
        "C:\\x",
        "CON",
        "a/b",
        "a\u{0}b",
        "x\ny",
        "\u{7}bell",
        "/tmp/evil",
        "..",
        "",
        "dup.txt",
        "dup.txt",
        "exists.txt",
        "nul.txt",
        "COM1.tar.gz",
        "lpt9",
        "aux .txt",
        "a:b",
        "ok name.pdf",
        ".",
        "...",
        " . ",
        "trailing dot.",
        "trailing space ",
        "<>:\"|?*",
        "dir\\..\\..\\x.txt",
        "..\\..\\windows\\win.ini",
        "\u{202E}fdp.exe",
        "tab\there",
        "del\u{7F}",
        "c1\u{85}next-line",
        "%2e%2e%2fencoded",
        "\\\\server\\share\\unc.txt",
        "//double//slash",
        "name.",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.push(format!("{}.txt", "n".repeat(996))); // 1,000 characters
    v.push("é".repeat(600)); // 1,200 bytes, no extension
    v.push(format!("{}.{}", "€".repeat(300), "pdf")); // multi-byte stem with an extension
    v.extend(cut_after_space_or_dot());
    v
}

/// Long names whose cut to `MAX_FILE_NAME_BYTES` lands right after a space
/// or a dot.
fn cut_after_space_or_dot() -> Vec<String> {
    vec![
        format!("{} {}", "a".repeat(MAX_FILE_NAME_BYTES - 1), "b".repeat(50)),
        format!("{}.{}", "a".repeat(MAX_FILE_NAME_BYTES - 1), "b".repeat(50)),
    ]
}

/// Data of attachment `i`, distinct for every attachment.
fn data_for(i: usize, name: &str) -> Vec<u8> {
    let mut d = format!("attachment {i} named {name:?}\n").into_bytes();
    d.extend((0..(i * 37) % 500).map(|k| (k * 7 + i) as u8));
    d
}

const RESERVED: [&str; 22] = [
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9", "LPT1", "LPT2",
    "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

/// Windows device names beyond the classic list: Microsoft's "Naming Files,
/// Paths, and Namespaces" also reserves COM¹ COM² COM³ LPT¹ LPT² LPT³ (the
/// superscript digits count as digits), and `CONIN$` / `CONOUT$` open the
/// console.
const RESERVED_MORE: [&str; 8] = ["COM¹", "COM²", "COM³", "LPT¹", "LPT²", "LPT³", "CONIN$", "CONOUT$"];

/// Every way a file name can be unsafe, as text (empty when safe). With
/// `trailing`, a trailing dot or space counts too (Windows drops it, so the
/// file gets another name than the one checked).
fn problems(name: &str, reserved: &[&str], trailing: bool) -> Vec<String> {
    let mut p = Vec::new();
    if name.is_empty() {
        p.push("empty".into());
    }
    if name.len() > MAX_FILE_NAME_BYTES {
        p.push(format!("{} bytes > {MAX_FILE_NAME_BYTES}", name.len()));
    }
    if name == "." || name == ".." {
        p.push("a dot name".into());
    }
    for c in name.chars() {
        if c == '/' || c == '\\' {
            p.push(format!("path separator {c:?}"));
        }
        if c.is_control() {
            p.push(format!("control character {c:?}"));
        }
        if matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*') {
            p.push(format!("character Windows forbids {c:?}"));
        }
    }
    if trailing && (name.ends_with('.') || name.ends_with(' ')) {
        p.push("trailing dot or space (Windows drops it)".into());
    }
    let stem = name
        .split('.')
        .next()
        .unwrap_or("")
        .trim_end_matches([' ', '.'])
        .to_uppercase();
    if reserved.iter().any(|r| r.to_uppercase() == stem) {
        p.push(format!("reserved device name {stem}"));
    }
    p
}

fn sha(b: &[u8]) -> String {
    Sha256::digest(b).iter().map(|x| format!("{x:02x}")).collect()
}

/// Every file under `root` (relative path → sha256 of its content, or
/// "<dir>"), skipping the subtree `skip`.
fn snapshot(root: &Path, skip: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p == skip {
                continue;
            }
            let rel = p.strip_prefix(root).unwrap().to_path_buf();
            let meta = std::fs::symlink_metadata(&p).unwrap();
            if meta.is_dir() {
                out.insert(rel, "<dir>".into());
                stack.push(p);
            } else {
                out.insert(rel, sha(&std::fs::read(&p).unwrap_or_default()));
            }
        }
    }
    out
}

/// A message with one attachment per hostile name (by value), plus an
/// embedded message with a hostile name.
fn build(session: &Session) -> Message<'_, oxmsg::ReadWrite> {
    let msg = session.opener().create_in_memory().unwrap();
    msg.set(tags::SUBJECT, "hostile attachment names").unwrap();
    for (i, name) in hostile_names().iter().enumerate() {
        let att = msg.create_attachment().unwrap();
        if !name.is_empty() {
            att.set(tags::ATTACH_LONG_FILENAME, name.as_str()).unwrap();
        }
        att.write_data(&mut &data_for(i, name)[..]).unwrap();
        att.save_changes().unwrap();
    }
    let att = msg.create_attachment().unwrap();
    att.set(tags::ATTACH_LONG_FILENAME, "../../inner evil").unwrap();
    {
        let mut inner = att.create_embedded().unwrap();
        inner.set(tags::SUBJECT, "the embedded one").unwrap();
        inner.save_changes().unwrap();
    }
    att.save_changes().unwrap();
    drop(att);
    msg
}

/// Extracts `msg` into a fresh `<tmp>/parent/out` that already holds
/// `exists.txt`, and checks everything.
fn extract_and_check<A: Access>(msg: &Message<'_, A>, label: &str) {
    let base = tempfile::tempdir().unwrap();
    let parent = base.path().join("parent");
    let dir = parent.join("out");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(parent.join("sibling.txt"), b"sibling").unwrap();
    let existing = dir.join("exists.txt");
    std::fs::write(&existing, b"I was here first").unwrap();
    let before = snapshot(base.path(), &dir);
    let tmp_evil = Path::new("/tmp/evil");
    let evil_existed = tmp_evil.exists();
    let evil_before = std::fs::read(tmp_evil).ok();

    let written = msg.save_attachments_to_dir(&dir).expect("save_attachments_to_dir");

    let canon_dir = dir.canonicalize().unwrap();
    let atts = msg.attachments().unwrap();
    assert_eq!(written.len(), atts.len(), "{label}: one file per attachment");
    let mut seen = std::collections::HashSet::new();
    for (path, att) in written.iter().zip(&atts) {
        let meta = std::fs::symlink_metadata(path).unwrap_or_else(|e| panic!("{label}: {}: {e}", path.display()));
        assert!(meta.is_file(), "{label}: {} is not a plain file", path.display());
        let canon = path.canonicalize().unwrap();
        assert_eq!(
            canon.parent(),
            Some(canon_dir.as_path()),
            "{label}: {} is outside the folder",
            path.display()
        );
        assert!(seen.insert(canon.clone()), "{label}: {} written twice", path.display());
        let name = path.file_name().unwrap().to_str().expect("UTF-8 file name");
        let p = problems(name, &RESERVED, false);
        assert!(
            p.is_empty(),
            "{label}: file name {name:?} (from {:?}): {p:?}",
            att.filename().unwrap()
        );
        let got = std::fs::read(path).unwrap();
        if att.is_embedded() {
            assert!(name.ends_with(".msg"), "{label}: embedded message saved as {name:?}");
            let s = Session::new();
            let m = s
                .opener()
                .reader(Cursor::new(got))
                .expect("the embedded message's file opens");
            assert_eq!(m.get(tags::SUBJECT).unwrap().as_deref(), Some("the embedded one"));
        } else {
            let mut want = Vec::new();
            std::io::copy(&mut att.data().unwrap(), &mut want).unwrap();
            assert_eq!(got, want, "{label}: content of {name:?}");
        }
    }
    // The existing file is untouched and the duplicate got a new name.
    assert_eq!(
        std::fs::read(&existing).unwrap(),
        b"I was here first",
        "{label}: existing file overwritten"
    );
    let names: Vec<String> = written
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().any(|n| n == "dup.txt") && names.iter().any(|n| n == "dup (2).txt"),
        "{label}: {names:?}"
    );
    assert!(names.iter().any(|n| n == "exists (2).txt"), "{label}: {names:?}");
    // Nothing else in the folder, nothing new or changed outside it.
    let mut in_dir: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    in_dir.sort();
    let mut expected: Vec<PathBuf> = written.iter().cloned().chain([existing.clone()]).collect();
    expected.sort();
    assert_eq!(in_dir, expected, "{label}: files in the folder");
    assert_eq!(
        snapshot(base.path(), &dir),
        before,
        "{label}: something changed outside the folder"
    );
    if !evil_existed {
        assert!(!tmp_evil.exists(), "{label}: /tmp/evil was created");
    } else {
        assert_eq!(std::fs::read(tmp_evil).ok(), evil_before, "{label}: /tmp/evil changed");
    }
    eprintln!("{label}: {} files written into {}", written.len(), dir.display());
    for (n, att) in names.iter().zip(&atts) {
        let from = att.filename().unwrap().unwrap_or_default();
        let from: String = from.chars().take(40).collect();
        let n: String = n.chars().take(60).collect();
        eprintln!("    {from:?} -> {n:?}");
    }
}

#[test]
fn hostile_names_stay_inside_the_folder() {
    let session = Session::new();
    let msg = build(&session);
    extract_and_check(&msg, "in memory");
}

#[test]
fn hostile_names_stay_inside_the_folder_after_a_round_trip() {
    let session = Session::new();
    let bytes = build(&session).to_bytes().unwrap();
    let read = session.opener().reader(Cursor::new(bytes)).unwrap();
    extract_and_check(&read, "written and read back");
}

/// `safe_file_name` on its own: the classic reserved names, separators,
/// control characters, length, trailing dots and spaces; and idempotent.
#[test]
fn safe_file_name_properties() {
    let mut bad = Vec::new();
    let cut = cut_after_space_or_dot();
    let mut names: Vec<String> = hostile_names().into_iter().filter(|n| !cut.contains(n)).collect();
    names.extend(
        RESERVED
            .iter()
            .flat_map(|r| [r.to_string(), r.to_lowercase(), format!("{r}.txt"), format!("{r} .x")]),
    );
    for name in &names {
        for fallback in ["attachment-1", "", "../..", "CON", "a/b"] {
            let s = safe_file_name(name, fallback);
            let p = problems(&s, &RESERVED, true);
            if !p.is_empty() {
                bad.push(format!("safe_file_name({name:?}, {fallback:?}) = {s:?}: {p:?}"));
            }
            let again = safe_file_name(&s, fallback);
            if again != s {
                bad.push(format!("not idempotent: {name:?} -> {s:?} -> {again:?}"));
            }
        }
    }
    for b in &bad {
        eprintln!("BAD {b}");
    }
    assert!(bad.is_empty(), "{} unsafe results; first: {}", bad.len(), bad[0]);
}

/// Windows also reserves COM¹ COM² COM³ LPT¹ LPT² LPT³ (Microsoft, "Naming
/// Files, Paths, and Namespaces") and the console devices CONIN$ / CONOUT$;
/// an attachment with such a name must not open a device there.
#[test]
fn safe_file_name_windows_superscript_and_console_device_names() {
    let mut bad = Vec::new();
    for r in RESERVED_MORE {
        for name in [r.to_string(), r.to_lowercase(), format!("{r}.txt")] {
            let s = safe_file_name(&name, "f");
            let p = problems(&s, &RESERVED_MORE, false);
            if !p.is_empty() {
                bad.push(format!("safe_file_name({name:?}) = {s:?}: {p:?}"));
            }
        }
    }
    for b in &bad {
        eprintln!("BAD {b}");
    }
    assert!(
        bad.is_empty(),
        "{} device names pass through; first: {}",
        bad.len(),
        bad[0]
    );
}

/// A dangling symlink in the folder with an attachment's name: nothing is
/// written through it (outside the folder), and the entry is not replaced.
///
/// A dangling symbolic link in the folder is an existing name: it is
/// neither followed nor replaced, and it does not stop the extraction of
/// the other attachments (by-value data and embedded messages alike).
#[test]
fn dangling_symlink_in_the_folder_is_not_followed() {
    let base = tempfile::tempdir().unwrap();
    let dir = base.path().join("out");
    std::fs::create_dir(&dir).unwrap();
    let outside = base.path().join("outside-target");
    std::os::unix::fs::symlink(&outside, dir.join("passwd")).unwrap();
    std::os::unix::fs::symlink(base.path().join("outside-msg"), dir.join("inner.msg")).unwrap();
    let session = Session::new();
    let msg = session.opener().create_in_memory().unwrap();
    let att = msg.create_attachment().unwrap();
    att.set(tags::ATTACH_LONG_FILENAME, "../../etc/passwd").unwrap();
    att.write_data(&mut &b"payload"[..]).unwrap();
    att.save_changes().unwrap();
    drop(att);
    let r = msg.save_attachments_to_dir(&dir);
    assert!(!outside.exists(), "written through a dangling symlink: {r:?}");
    eprintln!("by value over a dangling symlink: {r:?}");

    let msg = session.opener().create_in_memory().unwrap();
    let att = msg.create_attachment().unwrap();
    att.set(tags::ATTACH_LONG_FILENAME, "inner.msg").unwrap();
    drop(att.create_embedded().unwrap());
    att.save_changes().unwrap();
    drop(att);
    let r = msg.save_attachments_to_dir(&dir);
    assert!(
        !base.path().join("outside-msg").exists(),
        "written through a dangling symlink: {r:?}"
    );
    let link_kept = std::fs::symlink_metadata(dir.join("inner.msg"))
        .unwrap()
        .file_type()
        .is_symlink();
    eprintln!("embedded over a dangling symlink: {r:?}; the symlink itself kept: {link_kept}");
    assert!(
        link_kept,
        "the existing entry inner.msg (a symlink) was replaced: {r:?}"
    );
}

/// Cutting a long name to `MAX_FILE_NAME_BYTES` must not leave a trailing
/// dot or space (Windows drops them), and `safe_file_name` is a fixed point:
/// `"a" × 199 + " " + "b" × 50` must not give `"a" × 199 + " "`.
#[test]
fn safe_file_name_cut_leaves_no_trailing_dot_or_space() {
    let mut bad = Vec::new();
    for name in cut_after_space_or_dot() {
        let s = safe_file_name(&name, "f");
        let p = problems(&s, &RESERVED, true);
        if !p.is_empty() {
            bad.push(format!(
                "safe_file_name({}…) = …{:?} ({} bytes): {p:?}",
                &name[..8],
                &s[s.len() - 4..],
                s.len()
            ));
        }
        let again = safe_file_name(&s, "f");
        if again != s {
            bad.push(format!("not idempotent: {} bytes -> {} bytes", s.len(), again.len()));
        }
    }
    for b in &bad {
        eprintln!("BAD {b}");
    }
    assert!(bad.is_empty(), "{} bad results; first: {}", bad.len(), bad[0]);
}

/// Two attachments with the same long name: the second needs a
/// `" (2)"` suffix, which must survive the cut to `MAX_FILE_NAME_BYTES`.
///
/// Two attachments whose names reach the 200-byte limit get distinct files:
/// the ` (2)` suffix shortens the stem rather than being cut off, and the
/// search for a free name is bounded.
#[test]
fn duplicate_long_names_get_distinct_files_without_hanging() {
    let mut failures = Vec::new();
    for name in [
        "x".repeat(MAX_FILE_NAME_BYTES),
        format!("{}.txt", "n".repeat(996)),
        "é".repeat(600),
        format!("{}.{}", "y".repeat(300), "e".repeat(20)),
    ] {
        let label: String = format!("{}… ({} bytes)", name.chars().take(6).collect::<String>(), name.len());
        let base = tempfile::tempdir().unwrap();
        let dir = base.path().to_path_buf();
        let (tx, rx) = std::sync::mpsc::channel();
        let n2 = name.clone();
        std::thread::spawn(move || {
            let session = Session::new();
            let msg = session.opener().create_in_memory().unwrap();
            for k in 0..2u8 {
                let att = msg.create_attachment().unwrap();
                att.set(tags::ATTACH_LONG_FILENAME, n2.as_str()).unwrap();
                att.write_data(&mut &[k][..]).unwrap();
                att.save_changes().unwrap();
            }
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| msg.save_attachments_to_dir(&dir)));
            let _ = tx.send(r.map_err(|_| "panicked").map(|r| r.map_err(|e| e.to_string())));
        });
        match rx.recv_timeout(std::time::Duration::from_secs(10)) {
            Err(_) => {
                failures.push(format!("{label}: HANG (no answer in 10 s; the thread keeps spinning)"));
                break; // one spinning thread is enough
            }
            Ok(Err(p)) => failures.push(format!("{label}: {p}")),
            Ok(Ok(Err(e))) => failures.push(format!("{label}: error {e}")),
            Ok(Ok(Ok(paths))) => {
                let names: Vec<String> = paths
                    .iter()
                    .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
                    .collect();
                let distinct = paths[0] != paths[1];
                let contents: Vec<Vec<u8>> = paths.iter().map(|p| std::fs::read(p).unwrap()).collect();
                if !distinct
                    || contents != vec![vec![0u8], vec![1u8]]
                    || names.iter().any(|n| n.len() > MAX_FILE_NAME_BYTES)
                {
                    failures.push(format!("{label}: wrote {names:?} with {contents:?}"));
                } else {
                    eprintln!(
                        "{label}: ok, second file {:?}",
                        &names[1][names[1].len().saturating_sub(12)..]
                    );
                }
            }
        }
    }
    for f in &failures {
        eprintln!("FAILURE {f}");
    }
    assert!(
        failures.is_empty(),
        "{} cases failed; first: {}",
        failures.len(),
        failures[0]
    );
}
