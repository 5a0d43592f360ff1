//! The SQLite index of `oxmsg scan --index FILE.sqlite` and its search
//! (`oxmsg search`). Two tables:
//!
//! - `messages`: one row per scanned file (`path` unique; `sha256`, `ok`,
//!   `error`, `message_class`, `subject`, `sender_name`, `sender_email`,
//!   `date`, `size`, `body_text_len`, and `record`, the whole JSON record);
//! - `messages_fts`: an FTS5 table over `subject`, `sender`, `recipients`,
//!   `body` and `attachments` (names), whose rowid is the message's `id`.
//!
//! Rows are written in transactions of [`BATCH`] records, so the index on
//! disk always holds whole records: an interrupted scan leaves every
//! committed record and its full-text row, never half of one. Scanning a
//! file again replaces its row.

use rusqlite::{params, Connection, OptionalExtension};
use serde_json::Value;

use crate::scan::Scanned;

/// Records per transaction.
pub const BATCH: usize = 256;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    sha256 TEXT,
    ok INTEGER NOT NULL,
    error TEXT,
    message_class TEXT,
    subject TEXT,
    sender_name TEXT,
    sender_email TEXT,
    date TEXT,
    size INTEGER,
    body_text_len INTEGER,
    record TEXT NOT NULL
);
CREATE VIRTUAL TABLE IF NOT EXISTS messages_fts USING fts5(subject, sender, recipients, body, attachments);
";

/// An open index being written.
pub struct Index {
    conn: Connection,
    pending: usize,
}

fn err(what: &str) -> impl Fn(rusqlite::Error) -> String + '_ {
    move |e| format!("{what}: {e}")
}

impl Index {
    /// Opens (creating if needed) the index at `path`.
    pub fn open(path: &std::path::Path) -> Result<Index, String> {
        let conn = Connection::open(path).map_err(err("opening the index"))?;
        conn.execute_batch(SCHEMA).map_err(err("creating the index tables"))?;
        conn.execute_batch("BEGIN").map_err(err("starting a transaction"))?;
        Ok(Index { conn, pending: 0 })
    }

    /// Adds (or replaces) one record.
    pub fn add(&mut self, s: &Scanned) -> Result<(), String> {
        let r = &s.record;
        let text = |k: &str| r[k].as_str().map(str::to_string);
        let path = text("path").unwrap_or_default();
        let old: Option<i64> = self
            .conn
            .query_row("SELECT id FROM messages WHERE path = ?1", [&path], |row| row.get(0))
            .optional()
            .map_err(err("looking up a previous row"))?;
        if let Some(id) = old {
            self.conn
                .execute("DELETE FROM messages_fts WHERE rowid = ?1", [id])
                .and_then(|_| self.conn.execute("DELETE FROM messages WHERE id = ?1", [id]))
                .map_err(err("replacing a previous row"))?;
        }
        self.conn
            .execute(
                "INSERT INTO messages (path, sha256, ok, error, message_class, subject, sender_name, sender_email,
                 date, size, body_text_len, record) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                params![
                    path,
                    text("sha256"),
                    r["ok"].as_bool().unwrap_or(false),
                    text("error"),
                    text("message_class"),
                    text("subject"),
                    text("sender_name"),
                    text("sender_email"),
                    text("date"),
                    r["size"].as_u64().map(|n| n as i64),
                    r["body_text_len"].as_u64().map(|n| n as i64),
                    r.to_string(),
                ],
            )
            .map_err(err("writing a row"))?;
        let id = self.conn.last_insert_rowid();
        let sender = [text("sender_name"), text("sender_email")]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        let recipients = join(&r["recipients"], &["name", "email"]);
        let attachments = join(&r["attachments"], &["name"]);
        self.conn
            .execute(
                "INSERT INTO messages_fts (rowid, subject, sender, recipients, body, attachments)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![id, text("subject"), sender, recipients, s.body_text, attachments],
            )
            .map_err(err("writing a full-text row"))?;
        self.pending += 1;
        if self.pending >= BATCH {
            self.commit()?;
        }
        Ok(())
    }

    /// Commits the records added so far and starts a new transaction.
    pub fn commit(&mut self) -> Result<(), String> {
        self.conn
            .execute_batch("COMMIT; BEGIN")
            .map_err(err("committing the index"))?;
        self.pending = 0;
        Ok(())
    }

    /// Commits what is pending and closes the index.
    pub fn finish(self) -> Result<(), String> {
        self.conn.execute_batch("COMMIT").map_err(err("committing the index"))?;
        self.conn.close().map_err(|(_, e)| format!("closing the index: {e}"))
    }
}

/// The given keys of every object of an array, space-separated.
fn join(list: &Value, keys: &[&str]) -> String {
    let mut out = Vec::new();
    for item in list.as_array().into_iter().flatten() {
        for k in keys {
            if let Some(s) = item[*k].as_str() {
                out.push(s.to_string());
            }
        }
    }
    out.join(" ")
}

/// The paths of the messages matching `query` (FTS5 query syntax: words,
/// `"phrases"`, `AND`/`OR`/`NOT`, `column:word`, `prefix*`), best match
/// (lowest bm25 rank) first, at most `limit`.
pub fn search(db: &std::path::Path, query: &str, limit: usize) -> Result<Vec<String>, String> {
    if !db.is_file() {
        return Err(format!(
            "{}: no such index (build one with `oxmsg scan DIR --index FILE`)",
            db.display()
        ));
    }
    let conn = Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(err("opening the index"))?;
    let mut stmt = conn
        .prepare(
            "SELECT m.path FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid
             WHERE messages_fts MATCH ?1 ORDER BY bm25(messages_fts), m.path LIMIT ?2",
        )
        .map_err(err("reading the index"))?;
    let rows = stmt
        .query_map(params![query, limit as i64], |row| row.get::<_, String>(0))
        .map_err(err("searching"))?;
    rows.collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("searching for {query:?}: {e}"))
}
