//! The byte-level MIME writing that `mail-builder` does not do: the
//! multipart skeleton with our boundaries, streamed base64 leaves (so an
//! attachment is never held in memory), RFC 2231 parameters for non-ASCII
//! file names, and verbatim header blocks.
//!
//! Header values (addresses, RFC 2047 words, dates, message ids) and the
//! text body leaves are written by `mail-builder`.

use std::io::{self, Read, Write};

use base64::Engine as _;
use mail_builder::headers::{Header, HeaderType};

/// A writer that counts nothing and knows the boundaries it handed out.
pub(crate) struct MimeOut<W: Write> {
    pub(crate) out: W,
    seed: u64,
    next: u64,
}

impl<W: Write> MimeOut<W> {
    pub(crate) fn new(out: W) -> MimeOut<W> {
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0),
        );
        MimeOut {
            out,
            seed: h.finish(),
            next: 0,
        }
    }

    /// A new boundary. `=_` cannot occur in base64 or quoted-printable
    /// text, so it never meets the content of a part this writer encoded.
    pub(crate) fn boundary(&mut self) -> String {
        self.next += 1;
        format!("----=_oxmsg_{:016x}_{}", self.seed, self.next)
    }

    pub(crate) fn raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)
    }

    /// `Name: value` with the value written by mail-builder.
    pub(crate) fn header<'x>(&mut self, name: &str, value: impl Into<HeaderType<'x>>) -> io::Result<()> {
        self.out.write_all(name.as_bytes())?;
        self.out.write_all(b": ")?;
        value.into().write_header(&mut self.out, name.len() + 2)?;
        Ok(())
    }

    /// `Name: value` written as given (ASCII, already encoded), folded at
    /// `; ` when long.
    pub(crate) fn header_raw(&mut self, name: &str, value: &str) -> io::Result<()> {
        self.out.write_all(name.as_bytes())?;
        self.out.write_all(b": ")?;
        let mut col = name.len() + 2;
        for (i, piece) in value.split("; ").enumerate() {
            if i > 0 {
                if col + piece.len() + 2 > 76 {
                    self.out.write_all(b";\r\n ")?;
                    col = 1;
                } else {
                    self.out.write_all(b"; ")?;
                    col += 2;
                }
            }
            self.out.write_all(piece.as_bytes())?;
            col += piece.len();
        }
        self.out.write_all(b"\r\n")
    }

    /// The body of a part: base64 of everything `data` gives, in lines of
    /// 76 characters, read and written in small blocks.
    pub(crate) fn base64_from(&mut self, data: &mut dyn Read) -> io::Result<u64> {
        const LINE: usize = 57; // 57 bytes = 76 base64 characters
        let mut buf = vec![0u8; LINE * 256];
        let mut total = 0u64;
        let mut line = String::with_capacity(80);
        loop {
            let mut filled = 0;
            while filled < buf.len() {
                match data.read(&mut buf[filled..]) {
                    Ok(0) => break,
                    Ok(n) => filled += n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
            if filled == 0 {
                break;
            }
            total += filled as u64;
            for chunk in buf[..filled].chunks(LINE) {
                line.clear();
                base64::engine::general_purpose::STANDARD.encode_string(chunk, &mut line);
                self.out.write_all(line.as_bytes())?;
                self.out.write_all(b"\r\n")?;
            }
            if filled < buf.len() {
                break;
            }
        }
        Ok(total)
    }
}

/// Whether a parameter value can be written as an RFC 2045 token or plain
/// quoted string (printable ASCII).
fn is_plain(value: &str) -> bool {
    value.bytes().all(|b| (0x20..0x7f).contains(&b))
}

/// A quoted string (RFC 5322 3.2.4).
pub(crate) fn quoted(value: &str) -> String {
    let mut s = String::with_capacity(value.len() + 2);
    s.push('"');
    for c in value.chars() {
        if c == '"' || c == '\\' {
            s.push('\\');
        }
        if c != '\r' && c != '\n' {
            s.push(c);
        }
    }
    s.push('"');
    s
}

/// `name="value"` for printable ASCII; else the RFC 2231 form
/// `name*=utf-8''%XX…`, split into `name*0*=`, `name*1*=` … pieces of at
/// most 60 characters (RFC 2231 3 and 4).
pub(crate) fn param(name: &str, value: &str) -> String {
    if is_plain(value) && value.len() <= 60 {
        return format!("{name}={}", quoted(value));
    }
    let mut enc = String::new();
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            enc.push(b as char);
        } else {
            enc.push_str(&format!("%{b:02X}"));
        }
    }
    let first = format!("utf-8''{enc}");
    if first.len() <= 60 {
        return format!("{name}*={first}");
    }
    // Split at whole %XX escapes.
    let mut pieces = Vec::new();
    let mut cur = String::new();
    let bytes = first.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let step = if bytes[i] == b'%' { 3 } else { 1 };
        if cur.len() + step > 60 {
            pieces.push(std::mem::take(&mut cur));
        }
        cur.push_str(&first[i..(i + step).min(first.len())]);
        i += step;
    }
    if !cur.is_empty() {
        pieces.push(cur);
    }
    pieces
        .iter()
        .enumerate()
        .map(|(i, p)| format!("{name}*{i}*={p}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// `name="=?utf-8?B?…?="`: the RFC 2047-in-quotes form of a non-ASCII
/// `name` parameter of Content-Type, which RFC 2231-unaware readers (and
/// Outlook) understand; `param` form when ASCII.
pub(crate) fn legacy_name_param(value: &str) -> String {
    if is_plain(value) && value.len() <= 60 {
        return format!("name={}", quoted(value));
    }
    let b64 = base64::engine::general_purpose::STANDARD.encode(value.as_bytes());
    format!("name=\"=?utf-8?B?{b64}?=\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc2231_pieces_are_short_and_complete() {
        let name = "résumé ".repeat(20);
        let p = param("filename", &name);
        assert!(p.starts_with("filename*0*=utf-8''r%C3%A9sum%C3%A9"));
        let joined: String = p
            .split("; ")
            .map(|s| s.split_once('=').unwrap().1)
            .collect::<Vec<_>>()
            .concat();
        let enc = joined.strip_prefix("utf-8''").unwrap();
        let mut bytes = Vec::new();
        let b = enc.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'%' {
                bytes.push(u8::from_str_radix(&enc[i + 1..i + 3], 16).unwrap());
                i += 3;
            } else {
                bytes.push(b[i]);
                i += 1;
            }
        }
        assert_eq!(String::from_utf8(bytes).unwrap(), name);
        assert!(p.split("; ").all(|s| s.len() < 80));
    }

    #[test]
    fn base64_lines_are_76_characters() {
        let data: Vec<u8> = (0..100_000u32).map(|i| (i * 7) as u8).collect();
        let mut w = MimeOut::new(Vec::new());
        w.base64_from(&mut &data[..]).unwrap();
        let text = String::from_utf8(w.out).unwrap();
        let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
        assert!(lines[..lines.len() - 1].iter().all(|l| l.len() == 76));
        let back = base64::engine::general_purpose::STANDARD
            .decode(lines.concat())
            .unwrap();
        assert_eq!(back, data);
    }
}
