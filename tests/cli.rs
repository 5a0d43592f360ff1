//! The `oxmsg` command, run as a user runs it (the built binary), on
//! messages oxmsg writes, on the corpus, and on broken and hostile files.
//! Each subcommand's output is checked against the library's own answers
//! or against the independent reader's records (`$OXMSG_CORPUS/expected/`,
//! Python extract-msg 0.57); `validate` against one broken file per rule.
//!
//! Run: `OXMSG_CORPUS=../shared/corpus cargo test --features cli --test cli`.
//! The corpus tests print that they were skipped without `OXMSG_CORPUS`.
#![cfg(feature = "cli")]

#[path = "common/mod.rs"]
mod common;
#[path = "common/mutate.rs"]
mod mutate;

use std::collections::BTreeSet;
use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use oxmsg::{tags, RecipientType, Session};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_oxmsg");

fn oxmsg(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().expect("running oxmsg")
}

fn oxmsg_path(args: &[&str], file: &Path) -> Output {
    Command::new(BIN).args(args).arg(file).output().expect("running oxmsg")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

/// The corpus's readable files (those the independent reader read), with
/// their records.
fn corpus_records(dir: &Path) -> Vec<common::Record> {
    common::records(dir).into_iter().filter(|r| !r.is_broken()).collect()
}

fn corpus_msgs(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir.join("public"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "msg"))
        .collect();
    v.sort();
    v
}

/// A message with a bit of everything, written by oxmsg.
fn written_message(dir: &Path) -> PathBuf {
    let session = Session::new();
    let msg = session.opener().create_in_memory().unwrap();
    msg.set(tags::SUBJECT, "Quarterly pineapple report").unwrap();
    msg.set_body_html("<p>The <b>pineapple</b> harvest was good.</p>")
        .unwrap();
    msg.set_sender("Alice Example", "alice@example.com").unwrap();
    msg.add_recipient(RecipientType::To, "Bob Example", "bob@example.com")
        .unwrap();
    let att = msg.create_attachment().unwrap();
    att.set(tags::ATTACH_LONG_FILENAME, "figures.csv").unwrap();
    att.write_data(&mut &b"q,n\n3,42\n"[..]).unwrap();
    att.save_changes().unwrap();
    let att = msg.create_attachment().unwrap();
    att.set(tags::DISPLAY_NAME, "Inner").unwrap();
    {
        let mut inner = att.create_embedded().unwrap();
        inner.set(tags::MESSAGE_CLASS, "IPM.Note").unwrap();
        inner.set(tags::SUBJECT, "Inner note").unwrap();
        inner.set(tags::BODY, "inside").unwrap();
        inner.save_changes().unwrap();
    }
    att.save_changes().unwrap();
    let p = dir.join("written.msg");
    std::fs::write(&p, msg.to_bytes().unwrap()).unwrap();
    p
}

// ---------------------------------------------------------------------------
// dump, json, body
// ---------------------------------------------------------------------------

#[test]
fn help_of_every_subcommand_has_an_example() {
    for sub in [
        "dump",
        "json",
        "body",
        "extract",
        "validate",
        "scan",
        "search",
        "completions",
        "convert",
    ] {
        let o = oxmsg(&[sub, "--help"]);
        assert_eq!(code(&o), 0, "{sub} --help");
        assert!(
            stdout(&o).contains("Example"),
            "{sub} --help has no example:\n{}",
            stdout(&o)
        );
    }
    let o = oxmsg(&["completions", "bash"]);
    assert_eq!(code(&o), 0);
    assert!(
        stdout(&o).contains("oxmsg") && stdout(&o).contains("complete"),
        "not a bash completion script"
    );
    // A bad command line is exit 2 with a message.
    let o = oxmsg(&["dump", "--no-such-option"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("--no-such-option"));
}

#[test]
fn dump_names_properties_and_shows_the_tree() {
    let tmp = tempfile::tempdir().unwrap();
    let p = written_message(tmp.path());
    let o = oxmsg_path(&["dump"], &p);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    // Names from MS-OXPROPS next to tags, the subject as written, the
    // recipient, both attachments and the embedded message's subject.
    for want in [
        "0x0037001F",
        "PR_SUBJECT",
        "\"Quarterly pineapple report\"",
        "PR_MESSAGE_CLASS",
        "PR_ATTACH_LONG_FILENAME",
        "Bob Example <bob@example.com>",
        "\"figures.csv\", by value",
        "embedded message",
        "\"Inner note\"",
        "Body (html):",
    ] {
        assert!(out.contains(want), "dump lacks {want:?}:\n{out}");
    }
    // Without a file: the built-in message.
    let o = oxmsg(&["dump"]);
    assert_eq!(code(&o), 0);
    assert!(stdout(&o).contains("Minutes of the Tuesday meeting"));
}

#[test]
fn dump_of_the_corpus_shows_what_the_library_reads() {
    let corpus = corpus_or_skip!();
    let mut n = 0;
    for rec in corpus_records(&corpus) {
        let o = oxmsg_path(&["dump"], &rec.msg);
        assert_eq!(code(&o), 0, "{}: {}", rec.name, stderr(&o));
        let out = stdout(&o);
        let session = Session::new();
        let msg = session.opener().path(&rec.msg).unwrap();
        if let Some(subject) = msg.get(tags::SUBJECT).unwrap().filter(|s| s.chars().count() <= 200) {
            assert!(
                out.contains("PR_SUBJECT") && out.contains(&format!("{subject:?}")),
                "{}",
                rec.name
            );
        }
        let recipients = msg.recipients().unwrap().len();
        assert!(out.contains(&format!("Recipients ({recipients}):")), "{}", rec.name);
        for a in msg.attachments().unwrap() {
            let name = a.filename().unwrap().unwrap_or_else(|| "(no name)".into());
            assert!(
                out.contains(&format!("[#{}] {name:?}", a.num())),
                "{}: attachment {name:?}",
                rec.name
            );
        }
        n += 1;
    }
    assert!(n > 100, "{n}");
}

#[test]
fn dump_names_named_properties_with_their_pidlid_names() {
    let tmp = tempfile::tempdir().unwrap();
    let session = Session::new();
    let msg = session.opener().create_in_memory().unwrap();
    msg.set(tags::MESSAGE_CLASS, "IPM.Appointment").unwrap();
    msg.set_named(
        oxmsg::named::APPOINTMENT_START_WHOLE,
        oxmsg::FileTime::from_unix_secs(1_700_000_000),
    )
    .unwrap();
    msg.set_named(oxmsg::named::LOCATION, "Room 1").unwrap();
    let p = tmp.path().join("appt.msg");
    std::fs::write(&p, msg.to_bytes().unwrap()).unwrap();
    let out = stdout(&oxmsg_path(&["dump"], &p));
    // MS-OXPROPS 2.29 PidLidAppointmentStartWhole, 2.159 PidLidLocation.
    assert!(
        out.contains("PidLidAppointmentStartWhole") && out.contains("2023-11-14T22:13:20Z"),
        "{out}"
    );
    assert!(out.contains("PidLidLocation") && out.contains("\"Room 1\""), "{out}");
}

#[test]
fn json_is_msgdump_json_and_agrees_with_the_independent_reader() {
    let corpus = corpus_or_skip!();
    // The example is built by `cargo test` beside the binary.
    let msgdump = Path::new(BIN).parent().unwrap().join("examples").join("msgdump");
    assert!(
        msgdump.exists(),
        "{} not built (cargo test builds the examples)",
        msgdump.display()
    );
    let mut compared = 0;
    for rec in corpus_records(&corpus) {
        let o = oxmsg_path(&["json"], &rec.msg);
        assert_eq!(code(&o), 0, "{}: {}", rec.name, stderr(&o));
        let ours: Value = serde_json::from_slice(&o.stdout).unwrap();
        let m = Command::new(&msgdump).arg("--json").arg(&rec.msg).output().unwrap();
        assert_eq!(code(&m), 0, "msgdump {}", rec.name);
        let theirs: Value = serde_json::from_slice(&m.stdout).unwrap();
        assert_eq!(ours, theirs, "{}: oxmsg json and msgdump --json differ", rec.name);

        // Against extract-msg's record: subject, class (for Unicode files:
        // extract-msg decodes PT_STRING8 with its own code-page guess, and
        // tests/corpus.rs compares those bytes), the attachments' data
        // hashes (by-value ones), the recipients' count.
        let exp = &rec.json;
        let s = |v: &Value| {
            v.as_str()
                .map(|s| s.trim_end_matches('\0').to_string())
                .filter(|s| !s.is_empty())
        };
        if exp["string_encoding"] == "utf-16-le" {
            assert_eq!(s(&ours["subject"]), s(&exp["subject"]), "{}: subject", rec.name);
            assert_eq!(
                s(&ours["message_class"]),
                s(&exp["message_class"]),
                "{}: message_class",
                rec.name
            );
        }
        let hashes = |v: &Value| -> BTreeSet<String> {
            v.as_array()
                .into_iter()
                .flatten()
                .filter_map(|a| a["sha256"].as_str().map(str::to_string))
                .collect()
        };
        assert_eq!(
            hashes(&ours["attachments"]),
            hashes(&exp["attachments"]),
            "{}: attachment hashes",
            rec.name
        );
        assert_eq!(
            ours["recipients"].as_array().map(Vec::len),
            exp["recipients"].as_array().map(Vec::len),
            "{}: recipients",
            rec.name
        );
        compared += 1;
    }
    assert!(compared > 100, "only {compared} corpus files compared");
    eprintln!("json: {compared} corpus files equal to msgdump --json and agreeing with extract-msg");
}

#[test]
fn json_all_properties_lists_recipient_and_attachment_properties() {
    let tmp = tempfile::tempdir().unwrap();
    let p = written_message(tmp.path());
    let o = oxmsg_path(&["json", "--all-properties"], &p);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let has = |props: &Value, tag: &str, value: &str| {
        props
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["tag"] == tag && p["value"] == value)
    };
    // PR_SMTP_ADDRESS on the recipient, PR_ATTACH_LONG_FILENAME on the
    // attachment; the data itself is not listed (only its size and hash).
    assert!(
        has(&v["recipients"][0]["properties"], "0x39FE001F", "bob@example.com"),
        "{v:#}"
    );
    let att = &v["attachments"][0];
    assert!(has(&att["properties"], "0x3707001F", "figures.csv"));
    assert!(!att["properties"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["tag"] == "0x37010102"));
    assert_eq!(att["size"], 9);
    // Without the flag, the keys of msgdump --json only.
    let v: Value = serde_json::from_slice(&oxmsg_path(&["json"], &p).stdout).unwrap();
    assert!(v["recipients"][0].get("properties").is_none());
}

#[test]
fn body_prints_each_form_as_the_library_gives_it() {
    let corpus = corpus_or_skip!();
    let session = Session::new();
    let mut checked = [0usize; 3];
    for rec in corpus_records(&corpus) {
        let msg = session.opener().path(&rec.msg).unwrap();
        let forms: [(&str, Option<Vec<u8>>); 3] = [
            ("--text", msg.body_text().unwrap().map(String::into_bytes)),
            ("--html", msg.body_html().unwrap().map(String::into_bytes)),
            ("--rtf", msg.body_rtf().unwrap()),
        ];
        for (i, (flag, want)) in forms.into_iter().enumerate() {
            let o = oxmsg_path(&["body", flag], &rec.msg);
            match want {
                Some(b) => {
                    assert_eq!(code(&o), 0, "{} {flag}: {}", rec.name, stderr(&o));
                    assert!(o.stdout == b, "{} {flag}: output differs from the library's", rec.name);
                    checked[i] += 1;
                }
                None => {
                    assert_eq!(code(&o), 1, "{} {flag}", rec.name);
                    assert!(stderr(&o).contains("has no"), "{}", stderr(&o));
                }
            }
        }
    }
    eprintln!(
        "body: text {}, html {}, rtf {} corpus files equal to the library's",
        checked[0], checked[1], checked[2]
    );
    assert!(checked.iter().all(|&n| n > 50), "{checked:?}");
}

#[test]
fn body_text_of_the_corpus_matches_the_independent_reader() {
    let corpus = corpus_or_skip!();
    let mut same = 0;
    for rec in corpus_records(&corpus) {
        let Some(exp) = rec.json["body"].as_str() else { continue };
        // Unicode files only (see the json test for why).
        if rec.json["string_encoding"] != "utf-16-le" {
            continue;
        }
        let session = Session::new();
        let msg = session.opener().path(&rec.msg).unwrap();
        // Only files with a stored PR_BODY: extract-msg's `body` is PR_BODY.
        if msg.get(tags::BODY).unwrap().is_none() {
            continue;
        }
        let o = oxmsg_path(&["body", "--text"], &rec.msg);
        assert_eq!(code(&o), 0);
        let norm = |s: &str| s.trim_end_matches('\0').replace("\r\n", "\n").trim_end().to_string();
        assert_eq!(norm(&stdout(&o)), norm(exp), "{}: body --text", rec.name);
        same += 1;
    }
    assert!(same > 50, "only {same}");
}

// ---------------------------------------------------------------------------
// extract
// ---------------------------------------------------------------------------

#[test]
fn extract_writes_attachments_with_the_independent_readers_hashes() {
    let corpus = corpus_or_skip!();
    let mut files = 0;
    for rec in corpus_records(&corpus) {
        let out = tempfile::tempdir().unwrap();
        let o = oxmsg(&["extract", rec.msg.to_str().unwrap(), "-o", out.path().to_str().unwrap()]);
        assert_eq!(code(&o), 0, "{}: {}", rec.name, stderr(&o));
        let printed: Vec<PathBuf> = stdout(&o).lines().map(PathBuf::from).collect();
        let on_disk: BTreeSet<PathBuf> = std::fs::read_dir(out.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(
            printed.iter().cloned().collect::<BTreeSet<_>>(),
            on_disk,
            "{}: printed vs written",
            rec.name
        );
        let mut got = BTreeSet::new();
        for p in &printed {
            assert_eq!(
                p.parent(),
                Some(out.path()),
                "{}: {} outside the folder",
                rec.name,
                p.display()
            );
            if p.extension().is_some_and(|x| x == "msg") {
                // Embedded messages: standalone files oxmsg opens.
                let session = Session::new();
                session
                    .opener()
                    .path(p)
                    .unwrap_or_else(|e| panic!("{}: {}: {e}", rec.name, p.display()));
            } else {
                got.insert(common::sha256_hex(&std::fs::read(p).unwrap()));
            }
        }
        let want: BTreeSet<String> = rec.json["attachments"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|a| a["is_embedded"] != true)
            .filter_map(|a| a["sha256"].as_str().map(str::to_string))
            .collect();
        assert_eq!(got, want, "{}: extracted data hashes vs extract-msg's", rec.name);
        files += printed.len();
    }
    assert!(files > 100, "only {files} files extracted");
}

#[test]
fn extract_keeps_hostile_names_inside_the_folder_and_can_leave_out_inline_images() {
    let tmp = tempfile::tempdir().unwrap();
    let session = Session::new();
    let draft = oxmsg::Draft::new("hostile")
        .html("<p><img src=\"cid:logo\"></p>")
        .inline_image("logo", "logo.png", "image/png", b"\x89PNG fake".to_vec())
        .attach("../../escape.txt", "text/plain", b"one".to_vec())
        .attach("CON", "text/plain", b"two".to_vec())
        .attach("a/b\\..\\c.txt", "text/plain", b"three".to_vec());
    let p = tmp.path().join("hostile.msg");
    draft.save_as(&session, &p).unwrap();
    let out = tmp.path().join("out");
    let o = oxmsg(&["extract", p.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let names: BTreeSet<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        ["escape.txt", "_CON", "c.txt", "logo.png"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        "nothing escapes the folder; device names are defused"
    );
    assert!(!tmp.path().join("escape.txt").exists());
    // Again into the same folder: nothing is overwritten.
    let o = oxmsg(&["extract", p.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(code(&o), 0);
    assert!(out.join("escape (2).txt").exists());
    assert_eq!(std::fs::read(out.join("escape.txt")).unwrap(), b"one");
    // --no-inline leaves the image out.
    let out2 = tmp.path().join("out2");
    let o = oxmsg(&[
        "extract",
        "--no-inline",
        p.to_str().unwrap(),
        "-o",
        out2.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0);
    assert!(!out2.join("logo.png").exists() && out2.join("escape.txt").exists());
}

#[test]
fn unreadable_files_are_clear_errors_for_every_subcommand() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad.msg");
    std::fs::write(&bad, b"not a compound file at all, just text").unwrap();
    let missing = tmp.path().join("missing.msg");
    for args in [
        &["dump"][..],
        &["json"],
        &["body"],
        &["extract", "-o", tmp.path().to_str().unwrap()],
    ] {
        for f in [&bad, &missing] {
            let o = oxmsg_path(args, f);
            assert_eq!(code(&o), 1, "{args:?} {}", f.display());
            let e = stderr(&o);
            assert!(
                e.contains(f.file_name().unwrap().to_str().unwrap()),
                "{args:?}: the error names the file: {e}"
            );
            assert!(!e.contains("panicked"), "{e}");
        }
    }
    for f in [&bad, &missing] {
        assert_eq!(
            code(&oxmsg_path(&["validate"], f)),
            2,
            "validate of an unreadable file exits 2"
        );
    }
}

// ---------------------------------------------------------------------------
// validate
// ---------------------------------------------------------------------------

/// `validate --json` of a file: (exit code, findings as (level, rule)).
fn findings(p: &Path, strict: bool) -> (i32, Vec<(String, String, String)>) {
    let mut args = vec!["validate", "--json"];
    if strict {
        args.push("--strict");
    }
    let o = oxmsg_path(&args, p);
    if code(&o) == 2 {
        return (2, vec![]);
    }
    let v: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(&o)));
    let list = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["level"].as_str().unwrap().to_string(),
                f["rule"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (code(&o), list)
}

#[test]
fn validate_passes_every_file_oxmsg_writes() {
    let tmp = tempfile::tempdir().unwrap();
    let mut files = vec![written_message(tmp.path())];
    let session = Session::new();
    let d = tmp.path().join("draft.msg");
    oxmsg::Draft::new("A draft")
        .to("Bob", "bob@example.com")
        .html("<p>hi <img src=\"cid:x\"></p>")
        .inline_image("x", "x.png", "image/png", vec![1, 2, 3])
        .attach("a.txt", "text/plain", b"a".to_vec())
        .save_as(&session, &d)
        .unwrap();
    files.push(d);
    // An ANSI message too.
    let ansi = Session::with_options(oxmsg::SessionOptions::default().unicode(false));
    let m = ansi.opener().create_in_memory().unwrap();
    m.set(tags::SUBJECT, "ANSI").unwrap();
    m.set_body_text("plain").unwrap();
    let a = tmp.path().join("ansi.msg");
    std::fs::write(&a, m.to_bytes().unwrap()).unwrap();
    files.push(a);
    for f in &files {
        let (c, list) = findings(f, false);
        assert_eq!(c, 0, "{}: {list:?}", f.display());
        assert!(list.iter().all(|(l, _, _)| l == "warning"), "{}: {list:?}", f.display());
    }
    // The written message is clean even with --strict (it has RTF with its HTML).
    let (c, list) = findings(&files[0], true);
    assert_eq!(c, 0, "{list:?}");
    let (c, list) = findings(&files[1], true);
    assert_eq!(c, 0, "draft: {list:?}");
}

#[test]
fn validate_passes_the_corpus_but_the_files_it_names() {
    let corpus = corpus_or_skip!();
    // Flagged, each checked by hand against the spec:
    // - bbottema__Test_at_sign…: entry 0x0065001F (PR_SENT_REPRESENTING_EMAIL_ADDRESS)
    //   has no __substg1.0_0065001F stream (MS-OXMSG 2.4.2.2: every
    //   variable-length property has a stream); extract-msg reads it as absent too.
    // - oxmsg__no-attachments: written by an early oxmsg; its FAT declares
    //   128 entries for a 16-sector file (MS-CFB 2.3) and its property stream
    //   has 4 bytes after the last entry (MS-OXMSG 2.4).
    // Unreadable (exit 2): the truncated and fuzzer files, which the
    // manifest marks broken.
    let flagged = [
        "bbottema__Test_at_sign_in_personal_From_header",
        "oxmsg__no-attachments",
    ];
    let mut passed = 0;
    for p in corpus_msgs(&corpus) {
        let name = p.file_stem().unwrap().to_string_lossy().into_owned();
        let (c, list) = findings(&p, false);
        if flagged.contains(&name.as_str()) {
            assert_eq!(c, 1, "{name}: {list:?}");
        } else if c == 2 {
            let broken = common::records(&corpus)
                .into_iter()
                .find(|r| r.name == name)
                .is_none_or(|r| r.is_broken());
            assert!(broken, "{name} cannot be read but the independent reader read it");
        } else {
            assert_eq!(c, 0, "{name}: {list:?}");
            passed += 1;
        }
    }
    eprintln!("validate: {passed} corpus files pass");
    assert!(passed >= 120, "{passed}");
}

#[test]
fn validate_finds_nothing_new_in_corpus_files_oxmsg_saved_again() {
    let corpus = corpus_or_skip!();
    let tmp = tempfile::tempdir().unwrap();
    let mut saved = 0;
    for rec in corpus_records(&corpus) {
        let bytes = std::fs::read(&rec.msg).unwrap();
        let session = Session::new();
        let Ok(mut msg) = session.opener().read_write().reader(Cursor::new(bytes)) else {
            continue;
        };
        // A change, so that the save rewrites the top-level property stream.
        msg.set(tags::SUBJECT, "Saved again by oxmsg").unwrap();
        if common::save_accepting_damage(&mut msg).is_err() {
            continue;
        }
        let out = tmp.path().join(format!("{}.msg", rec.name));
        std::fs::write(&out, msg.into_inner::<Cursor<Vec<u8>>>().unwrap().into_inner()).unwrap();
        let rules = |list: &[(String, String, String)]| -> BTreeSet<String> {
            list.iter()
                .filter(|(l, _, _)| l == "error")
                .map(|(_, r, _)| r.clone())
                .collect()
        };
        let (_, before) = findings(&rec.msg, false);
        let (c, after) = findings(&out, false);
        let new: Vec<_> = rules(&after).difference(&rules(&before)).cloned().collect();
        assert!(
            new.is_empty() && c != 2,
            "{}: oxmsg's save added {new:?}: {after:?}",
            rec.name
        );
        saved += 1;
    }
    eprintln!("validate: {saved} corpus files saved again by oxmsg, no new error");
    assert!(saved > 100, "{saved}");
}

/// A compound file in memory to break a written message with.
struct Broken {
    cf: cfb::CompoundFile<Cursor<Vec<u8>>>,
}

impl Broken {
    fn of(bytes: Vec<u8>) -> Broken {
        Broken {
            cf: cfb::CompoundFile::open(Cursor::new(bytes)).unwrap(),
        }
    }
    fn read(&mut self, p: &str) -> Vec<u8> {
        let mut b = Vec::new();
        self.cf.open_stream(p).unwrap().read_to_end(&mut b).unwrap();
        b
    }
    fn write(&mut self, p: &str, b: &[u8]) {
        let mut s = self.cf.create_stream(p).unwrap();
        s.write_all(b).unwrap();
    }
    /// Edits the property entry `tag` of the stream at `p` (header `h`).
    fn edit_entry(&mut self, p: &str, h: usize, tag: u32, f: impl FnOnce(&mut [u8])) {
        let mut b = self.read(p);
        let at = (h..b.len())
            .step_by(16)
            .find(|&o| u32::from_le_bytes(b[o..o + 4].try_into().unwrap()) == tag)
            .unwrap_or_else(|| panic!("no entry 0x{tag:08X} in {p}"));
        f(&mut b[at..at + 16]);
        self.write(p, &b);
    }
    fn remove_entry(&mut self, p: &str, h: usize, tag: u32) {
        let b = self.read(p);
        let mut out = b[..h].to_vec();
        for e in b[h..].chunks(16) {
            if u32::from_le_bytes(e[..4].try_into().unwrap()) != tag {
                out.extend_from_slice(e);
            }
        }
        self.write(p, &out);
    }
    fn save(mut self, dir: &Path, name: &str) -> PathBuf {
        self.cf.flush().unwrap();
        let p = dir.join(format!("{name}.msg"));
        std::fs::write(&p, self.cf.into_inner().into_inner()).unwrap();
        p
    }
}

#[test]
fn validate_flags_each_rule_on_a_file_that_breaks_it() {
    let tmp = tempfile::tempdir().unwrap();
    let good = std::fs::read(written_message(tmp.path())).unwrap();
    let (c, list) = findings(&tmp.path().join("written.msg"), true);
    assert_eq!((c, list.len()), (0, 0), "the unbroken file: {list:?}");
    let props = "/__properties_version1.0";
    const ATT0: &str = "/__attach_version1.0_#00000000";
    let att1 = "/__attach_version1.0_#00000001";
    let emb = format!("{att1}/__substg1.0_3701000D");

    type Breaker = Box<dyn Fn(&mut Broken)>;
    let cases: Vec<(&str, &str, Breaker)> = vec![
        (
            "compound-file",
            "warning",
            Box::new(|b: &mut Broken| {
                // Re-written as a version-4 compound file.
                let mut v4 = cfb::CompoundFile::create_with_version(cfb::Version::V4, Cursor::new(Vec::new())).unwrap();
                let entries: Vec<(PathBuf, bool)> =
                    b.cf.walk().map(|e| (e.path().to_path_buf(), e.is_storage())).collect();
                for (p, is_storage) in entries {
                    if p == Path::new("/") {
                        continue;
                    }
                    if is_storage {
                        v4.create_storage(&p).unwrap();
                        let clsid = *b.cf.entry(&p).unwrap().clsid();
                        v4.set_storage_clsid(&p, clsid).unwrap();
                    } else {
                        let data = b.read(p.to_str().unwrap());
                        v4.create_stream(&p).unwrap().write_all(&data).unwrap();
                    }
                }
                let clsid = *b.cf.root_entry().clsid();
                v4.set_storage_clsid("/", clsid).unwrap();
                v4.flush().unwrap();
                b.cf = cfb::CompoundFile::open(Cursor::new(v4.into_inner().into_inner())).unwrap();
            }),
        ),
        (
            "root-clsid",
            "warning",
            Box::new(|b: &mut Broken| b.cf.set_storage_clsid("/", uuid::Uuid::nil()).unwrap()),
        ),
        (
            "nameid",
            "error",
            Box::new(|b: &mut Broken| b.cf.remove_stream("/__nameid_version1.0/__substg1.0_00030102").unwrap()),
        ),
        ("nameid-in-embedded", "error", {
            let emb = emb.clone();
            Box::new(move |b: &mut Broken| b.cf.create_storage(format!("{emb}/__nameid_version1.0")).unwrap())
        }),
        (
            "property-stream",
            "error",
            Box::new(|b: &mut Broken| {
                // A 24-byte header at the top level (an embedded message's).
                let mut s = b.read(props);
                s.drain(24..32);
                b.write(props, &s);
            }),
        ),
        (
            "header-counts",
            "error",
            Box::new(|b: &mut Broken| {
                let mut s = b.read(props);
                s[12..16].copy_from_slice(&1u32.to_le_bytes()); // next attachment id 1, attachment #1 exists
                b.write(props, &s);
            }),
        ),
        (
            "storage-names",
            "error",
            Box::new(|b: &mut Broken| {
                b.cf.create_storage("/__recip_version1.0_#12").unwrap();
                b.write("/__recip_version1.0_#12/__properties_version1.0", &[0; 8]);
            }),
        ),
        (
            "count-limit",
            "error",
            Box::new(|b: &mut Broken| {
                for i in 1..=2048u32 {
                    let d = format!("/__recip_version1.0_#{i:08X}");
                    b.cf.create_storage(&d).unwrap();
                    b.write(&format!("{d}/__properties_version1.0"), &[0; 8]);
                }
            }),
        ),
        (
            "string-mode",
            "error",
            Box::new(|b: &mut Broken| {
                b.edit_entry(props, 32, 0x340D_0003, |e| {
                    e[8..12].copy_from_slice(&0u32.to_le_bytes())
                })
            }),
        ),
        (
            "message-class",
            "error",
            Box::new(|b: &mut Broken| {
                b.remove_entry(props, 32, 0x001A_001F);
                b.cf.remove_stream("/__substg1.0_001A001F").unwrap();
            }),
        ),
        (
            "message-flags",
            "warning",
            Box::new(|b: &mut Broken| {
                // MSGFLAG_HASATTACH cleared on a message with attachments.
                b.edit_entry(props, 32, 0x0E07_0003, |e| e[8] &= !0x10)
            }),
        ),
        (
            "message-flags",
            "warning",
            // A mail without a submit or delivery time that is not a draft.
            Box::new(|b: &mut Broken| b.edit_entry(props, 32, 0x0E07_0003, |e| e[8] &= !0x08)),
        ),
        (
            "rtf-with-html",
            "warning",
            Box::new(|b: &mut Broken| {
                b.remove_entry(props, 32, 0x1009_0102);
                b.cf.remove_stream("/__substg1.0_10090102").unwrap();
            }),
        ),
        (
            "entry-stream",
            "error",
            Box::new(|b: &mut Broken| {
                b.cf.remove_stream("/__substg1.0_0037001F").unwrap() // the subject's stream, its entry kept
            }),
        ),
        (
            "multi-value",
            "error",
            Box::new(|b: &mut Broken| {
                // A PT_MV_UNICODE property (0x8FF0101F) whose one value stream is missing.
                let mut s = b.read(props);
                let mut e = [0u8; 16];
                e[..4].copy_from_slice(&0x3A0B_101Fu32.to_le_bytes()); // PR_KEYWORD as multi-valued
                e[4] = 6;
                e[8..12].copy_from_slice(&4u32.to_le_bytes());
                s.extend_from_slice(&e);
                b.write(props, &s);
                b.write("/__substg1.0_3A0B101F", &6u32.to_le_bytes()); // one value of 6 bytes; no -00000000 stream
            }),
        ),
        (
            "empty-string",
            "warning",
            Box::new(|b: &mut Broken| {
                b.write("/__substg1.0_0037001F", &[]);
                b.edit_entry(props, 32, 0x0037_001F, |e| {
                    e[8..12].copy_from_slice(&2u32.to_le_bytes())
                });
            }),
        ),
        (
            "attachment",
            "error",
            Box::new(|b: &mut Broken| b.remove_entry(&format!("{ATT0}/__properties_version1.0"), 8, 0x3705_0003)),
        ),
        ("embedded-clsid", "warning", {
            let emb = emb.clone();
            Box::new(move |b: &mut Broken| b.cf.set_storage_clsid(&emb, uuid::Uuid::nil()).unwrap())
        }),
        (
            "readable",
            "error",
            Box::new(|b: &mut Broken| {
                // A compressed RTF body of the right size but garbage inside
                // (MS-OXRTFCP header with a bad magic): the library cannot read it.
                let len = b.read("/__substg1.0_10090102").len();
                b.write("/__substg1.0_10090102", &vec![0xAB; len]);
            }),
        ),
    ];
    for (i, (rule, level, breaker)) in cases.into_iter().enumerate() {
        let mut b = Broken::of(good.clone());
        breaker(&mut b);
        let p = b.save(tmp.path(), &format!("{i}-{rule}"));
        let (c, list) = findings(&p, false);
        assert!(
            list.iter().any(|(l, r, _)| r == rule && l == level),
            "{rule}: no {level} finding; got {list:?}"
        );
        let want_code = if level == "error" { 1 } else { 0 };
        assert_eq!(c, want_code, "{rule}: exit status; {list:?}");
        if level == "warning" {
            assert_eq!(findings(&p, true).0, 1, "{rule}: --strict fails on a warning");
        }
        // The text output names the rule and where.
        let text = stdout(&oxmsg_path(&["validate"], &p));
        assert!(text.contains(&format!("[{rule}]")), "{rule}: {text}");
    }
}

// ---------------------------------------------------------------------------
// scan and search
// ---------------------------------------------------------------------------

fn jsonl(out: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn scan_of_the_corpus_is_the_same_with_1_and_2_threads_and_matches_the_library() {
    let corpus = corpus_or_skip!();
    let dir = corpus.join("public");
    let one = oxmsg(&["scan", "-q", "-j", "1", dir.to_str().unwrap()]);
    let two = oxmsg(&["scan", "-q", "-j", "2", dir.to_str().unwrap()]);
    assert_eq!(code(&one), 0, "{}", stderr(&one));
    assert_eq!(code(&two), 0);
    assert!(one.stdout == two.stdout, "the records differ between 1 and 2 threads");
    let recs = jsonl(&one.stdout);
    let files = corpus_msgs(&corpus);
    assert_eq!(recs.len(), files.len(), "one record per file");
    // Largest first.
    let sizes: Vec<u64> = recs.iter().map(|r| r["size"].as_u64().unwrap()).collect();
    assert!(sizes.windows(2).all(|w| w[0] >= w[1]), "not largest first");

    let session = Session::new();
    let by_path: std::collections::HashMap<String, &Value> = recs
        .iter()
        .map(|r| (r["path"].as_str().unwrap().to_string(), r))
        .collect();
    let mut ok = 0;
    for f in &files {
        let r = by_path[&f.to_string_lossy().into_owned()];
        for key in [
            "path",
            "sha256",
            "ok",
            "error",
            "message_class",
            "subject",
            "sender_email",
            "recipients",
            "attachments",
        ] {
            assert!(r.get(key).is_some(), "record lacks {key}");
        }
        assert_eq!(r["sha256"].as_str().unwrap(), common::file_sha(f), "{}", f.display());
        match session.opener().path(f) {
            Err(_) => {
                assert_eq!(r["ok"], false);
                assert!(r["error"].as_str().is_some_and(|e| !e.is_empty()));
            }
            Ok(msg) => {
                assert_eq!(r["ok"], true, "{}: {}", f.display(), r["error"]);
                assert_eq!(
                    r["subject"].as_str().map(str::to_string),
                    msg.get(tags::SUBJECT).unwrap()
                );
                assert_eq!(
                    r["message_class"].as_str().map(str::to_string),
                    msg.get(tags::MESSAGE_CLASS).unwrap()
                );
                assert_eq!(
                    r["recipients"].as_array().unwrap().len(),
                    msg.recipients().unwrap().len()
                );
                let names: Vec<Option<String>> = msg
                    .attachments()
                    .unwrap()
                    .iter()
                    .map(|a| a.filename().unwrap())
                    .collect();
                let got: Vec<Option<String>> = r["attachments"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a["name"].as_str().map(str::to_string))
                    .collect();
                assert_eq!(got, names, "{}", f.display());
                ok += 1;
            }
        }
    }
    assert!(ok > 120, "{ok}");

    // The same records from a list of paths on stdin, and as CSV.
    let list: String = files.iter().map(|f| format!("{}\n", f.display())).collect();
    let mut child = Command::new(BIN)
        .args(["scan", "-q", "-j", "2", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(list.as_bytes()).unwrap();
    let from_stdin = child.wait_with_output().unwrap();
    assert!(
        from_stdin.stdout == one.stdout,
        "paths from stdin give the same records"
    );
    let csv = oxmsg(&["scan", "-q", "--csv", dir.to_str().unwrap()]);
    let text = stdout(&csv);
    assert!(text.starts_with("path,size,sha256,ok,error,message_class,subject"));
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(rdr.records().count(), files.len());
}

#[test]
fn scan_index_answers_a_search_for_a_word_of_a_known_body() {
    let corpus = corpus_or_skip!();
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("corpus.sqlite");
    let dir = corpus.join("public");
    let o = oxmsg(&[
        "scan",
        "-q",
        "-j",
        "2",
        dir.to_str().unwrap(),
        "--index",
        db.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // The body the independent reader saw in aspose__AnEmail.msg says
    // "…composing and sending PHP class…" (expected/aspose__AnEmail.json).
    let exp: Value =
        serde_json::from_slice(&std::fs::read(corpus.join("expected/aspose__AnEmail.json")).unwrap()).unwrap();
    assert!(exp["body"].as_str().unwrap().contains("mlemos"));
    let s = oxmsg(&["search", db.to_str().unwrap(), "body:mlemos"]);
    assert_eq!(code(&s), 0, "{}", stderr(&s));
    let hits: Vec<String> = stdout(&s).lines().map(str::to_string).collect();
    assert!(
        hits.iter().any(|h| h.ends_with("aspose__AnEmail.msg")),
        "search for a word of its body finds the file: {hits:?}"
    );
    // Attachment names and subjects are searchable too.
    let s = oxmsg(&["search", db.to_str().unwrap(), "attachments:logo"]);
    assert!(
        stdout(&s).lines().any(|h| h.ends_with("aspose__AnEmail.msg")),
        "{}",
        stdout(&s)
    );
    // Scanning again replaces rows instead of adding them.
    let o = oxmsg(&["scan", "-q", dir.to_str().unwrap(), "--index", db.to_str().unwrap()]);
    assert_eq!(code(&o), 0);
    let conn = rusqlite::Connection::open(&db).unwrap();
    let n: i64 = conn
        .query_row("SELECT count(*) FROM messages", [], |r| r.get(0))
        .unwrap();
    let f: i64 = conn
        .query_row("SELECT count(*) FROM messages_fts", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        (n as usize, f as usize),
        (corpus_msgs(&corpus).len(), corpus_msgs(&corpus).len())
    );
    // A bad query and a missing index are clear errors.
    let s = oxmsg(&["search", db.to_str().unwrap(), "AND AND"]);
    assert_eq!(code(&s), 1);
    assert!(stderr(&s).contains("searching"), "{}", stderr(&s));
    let s = oxmsg(&["search", tmp.path().join("none.sqlite").to_str().unwrap(), "x"]);
    assert_eq!(code(&s), 1);
    assert!(stderr(&s).contains("no such index"));
}

#[test]
fn scan_without_a_folder_scans_a_generated_sample_and_its_index_searches() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("sample.sqlite");
    let o = oxmsg(&["scan", "--index", db.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let recs = jsonl(&o.stdout);
    // 60 messages and the damaged one.
    assert_eq!(recs.len(), 61);
    let bad: Vec<&Value> = recs.iter().filter(|r| r["ok"] != true).collect();
    assert_eq!(bad.len(), 1);
    assert!(bad[0]["path"].as_str().unwrap().ends_with("truncated.msg"));
    // Topic "pineapple" is every sixth message from #1: 10 of them.
    let s = oxmsg(&["search", db.to_str().unwrap(), "pineapple"]);
    assert_eq!(stdout(&s).lines().count(), 10, "{}", stdout(&s));
    assert!(stderr(&o).contains("files/s"));
}

#[test]
fn scan_of_a_mutated_corpus_gives_one_record_per_file_and_never_stops() {
    // The mutation test's inputs (tests/common/mutate.rs: truncations, bit
    // flips, zeroed sectors, chain loops, huge sizes, edited directory
    // words and property streams), scanned one corpus file's mutants at a
    // time so that they never all sit on disk at once.
    let corpus = corpus_or_skip!();
    let counts = mutate::counts();
    let (mut n, mut bad) = (0, 0);
    for f in corpus_msgs(&corpus) {
        let src = std::fs::read(&f).unwrap();
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        let tmp = tempfile::tempdir().unwrap();
        let mut here = 0;
        for (i, make) in mutate::mutations(&name, &src, &counts).into_iter().enumerate() {
            let Some(m) = make() else { continue };
            std::fs::write(tmp.path().join(format!("m{i}.msg")), &m.bytes).unwrap();
            here += 1;
        }
        if here == 0 {
            continue;
        }
        let o = oxmsg(&["scan", "-q", "-j", "2", tmp.path().to_str().unwrap()]);
        assert_eq!(code(&o), 0, "{name}: {}", stderr(&o));
        let recs = jsonl(&o.stdout);
        assert_eq!(recs.len(), here, "{name}: one record per mutated file");
        let paths: BTreeSet<&str> = recs.iter().map(|r| r["path"].as_str().unwrap()).collect();
        assert_eq!(paths.len(), here, "{name}: no file twice");
        for r in &recs {
            let e = r["error"].as_str().unwrap_or("");
            assert!(!e.contains("panicked"), "{}: {e}", r["path"]);
            assert_eq!(r["ok"] == true, r["error"].is_null(), "{r}");
        }
        bad += recs.iter().filter(|r| r["ok"] != true).count();
        n += here;
    }
    assert!(n > 1000, "{n} mutated files");
    eprintln!("mutated scan: {n} files, {bad} error records, no panic");
}

#[test]
fn ctrl_c_leaves_whole_records_and_a_consistent_index() {
    let corpus = corpus_or_skip!();
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("partial.sqlite");
    let out = tmp.path().join("partial.jsonl");
    // The corpus listed 40 times: long enough to be interrupted.
    let files = corpus_msgs(&corpus);
    let mut list = String::new();
    for i in 0..40 {
        for f in &files {
            // Distinct paths (`dir/././file`), so the index has one row each.
            let dir = f.parent().unwrap().display().to_string();
            list.push_str(&format!(
                "{dir}/{}{}\n",
                "./".repeat(i),
                f.file_name().unwrap().to_string_lossy()
            ));
        }
    }
    let mut child = Command::new(BIN)
        .args([
            "scan",
            "-q",
            "-j",
            "1",
            "-",
            "--index",
            db.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(list.as_bytes()).unwrap();
    // Interrupted once the first records are out (so mid-scan, with the
    // handler installed), or after a minute at most.
    for _ in 0..600 {
        if std::fs::metadata(&out).is_ok_and(|m| m.len() > 0) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let _ = Command::new("kill").args(["-INT", &child.id().to_string()]).status();
    let status = child.wait().unwrap();
    let c = status.code().unwrap_or(-1);
    assert!(c == 130 || c == 0, "exit {c}");
    let recs = jsonl(&std::fs::read(&out).unwrap());
    let conn = rusqlite::Connection::open(&db).unwrap();
    let rows: i64 = conn
        .query_row("SELECT count(*) FROM messages", [], |r| r.get(0))
        .unwrap();
    let fts: i64 = conn
        .query_row("SELECT count(*) FROM messages_fts", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, fts, "every indexed record has its full-text row");
    assert_eq!(rows as usize, recs.len(), "the index holds exactly the records written");
    if c == 130 {
        assert!(recs.len() < files.len() * 40, "interrupted before the end");
    }
    eprintln!(
        "ctrl-c: exit {c}, {} of {} records written",
        recs.len(),
        files.len() * 40
    );
}

/// What a reader checks after a conversion: subject, recipients' addresses,
/// and the bytes of every attachment that is not an embedded message.
fn essentials<A: oxmsg::Access>(m: &oxmsg::Message<'_, A>) -> (String, Vec<String>, Vec<String>) {
    let subject = m.get(oxmsg::tags::SUBJECT).unwrap().unwrap_or_default();
    let mut to: Vec<String> = m
        .recipients()
        .unwrap()
        .iter()
        .filter_map(|r| r.email())
        .map(|e| e.to_ascii_lowercase())
        .collect();
    to.sort();
    let mut data: Vec<String> = m
        .attachments()
        .unwrap()
        .iter()
        .filter(|a| !a.is_embedded())
        .filter_map(|a| a.data().ok())
        .map(|mut d| {
            let mut v = Vec::new();
            std::io::Read::read_to_end(&mut d, &mut v).unwrap();
            common::sha256_hex(&v)
        })
        .collect();
    data.sort();
    (subject, to, data)
}

#[test]
fn convert_goes_both_ways_by_extension_and_reports_losses_on_stderr() {
    let Some(dir) = common::corpus_dir() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let session = oxmsg::Session::new();
    let mut converted = 0;
    for (i, path) in corpus_msgs(&dir).iter().enumerate().filter(|(i, _)| i % 10 == 0) {
        let Ok(original) = session.opener().path(path) else {
            continue;
        };
        if original
            .get(oxmsg::tags::MESSAGE_CLASS)
            .unwrap()
            .is_some_and(|c| !c.starts_with("IPM.Note"))
        {
            continue;
        }
        let eml = tmp.path().join(format!("{i}.eml"));
        let back = tmp.path().join(format!("{i}.msg"));
        let o = Command::new(BIN).arg("convert").arg(path).arg(&eml).output().unwrap();
        assert_eq!(code(&o), 0, "{}: {}", path.display(), stderr(&o));
        // One stderr line per loss the library reports for the same message.
        let report = original.to_eml(std::io::sink()).unwrap();
        assert_eq!(stderr(&o).lines().count(), report.losses.len(), "{}", path.display());
        let o = Command::new(BIN).arg("convert").arg(&eml).arg(&back).output().unwrap();
        assert_eq!(code(&o), 0, "{}: {}", eml.display(), stderr(&o));
        let round = session.opener().path(&back).unwrap();
        let (s0, r0, d0) = essentials(&original);
        let (s1, r1, d1) = essentials(&round);
        assert_eq!(s0.trim(), s1.trim(), "{}", path.display());
        assert_eq!(d0, d1, "{}: attachment bytes", path.display());
        assert!(
            r0.iter().all(|a| r1.contains(a) || !a.contains('@')),
            "{}: {r0:?} vs {r1:?}",
            path.display()
        );
        converted += 1;
    }
    assert!(converted >= 5, "{converted} files converted");

    // A wrong extension is a clear error, and nothing is written.
    let o = Command::new(BIN)
        .arg("convert")
        .arg(tmp.path().join("x.txt"))
        .arg(tmp.path().join("y.msg"))
        .output()
        .unwrap();
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains(".msg or .eml"), "{}", stderr(&o));
    assert!(!tmp.path().join("y.msg").exists());
}

#[test]
fn extract_eml_writes_embedded_messages_as_mime() {
    let tmp = tempfile::tempdir().unwrap();
    let session = oxmsg::Session::new();
    let outer = session.opener().create_in_memory().unwrap();
    outer.set(oxmsg::tags::SUBJECT, "Outer").unwrap();
    let att = outer.create_attachment().unwrap();
    let mut inner = att.create_embedded().unwrap();
    inner.set(oxmsg::tags::SUBJECT, "Inner message").unwrap();
    inner.set(oxmsg::tags::BODY, "inner body").unwrap();
    inner.save_changes().unwrap();
    drop(inner);
    att.save_changes().unwrap();
    drop(att);
    let file = tmp.path().join("outer.msg");
    outer.save_as(&file).unwrap();
    let out = tmp.path().join("out");
    let o = Command::new(BIN)
        .args(["extract", "--eml", "-o"])
        .arg(&out)
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let written: Vec<PathBuf> = stdout(&o).lines().map(PathBuf::from).collect();
    assert_eq!(written.len(), 1, "{written:?}");
    assert_eq!(written[0].extension().unwrap(), "eml");
    let (msg, _) = session.open_eml(std::fs::File::open(&written[0]).unwrap()).unwrap();
    assert_eq!(msg.get(oxmsg::tags::SUBJECT).unwrap().as_deref(), Some("Inner message"));
    assert_eq!(msg.body_text().unwrap().as_deref().map(str::trim), Some("inner body"));
}
