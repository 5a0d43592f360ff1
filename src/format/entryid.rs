//! Entry ids (MS-OXCDATA 2.2.5): the one-off entry id that carries an
//! address in itself.

/// MUIDOOP: the provider UID of one-off entry ids (MS-OXCDATA 2.2.5.1).
pub(crate) const MUIDOOP: [u8; 16] = [
    0x81, 0x2B, 0x1F, 0xA4, 0xBE, 0xA3, 0x10, 0x19, 0x9D, 0x6E, 0x00, 0xDD, 0x01, 0x0F, 0x54, 0x02,
];

/// The SMTP address of a one-off entry id (MS-OXCDATA 2.2.5.1), if it is one:
/// flags, provider UID, version and flags, then display name, address type
/// and address, NUL-terminated, in UTF-16LE when `MAPI_UNICODE` (0x8000) is
/// set, else 8-bit.
pub(crate) fn one_off_smtp_address(e: &[u8]) -> Option<String> {
    if e.len() < 24 || e[4..20] != MUIDOOP {
        return None;
    }
    let flags = u16::from_le_bytes([e[22], e[23]]);
    let body = &e[24..];
    let fields: Vec<String> = if flags & 0x8000 != 0 {
        let units: Vec<u16> = body.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
        units.split(|&u| u == 0).take(3).map(String::from_utf16_lossy).collect()
    } else {
        body.split(|&b| b == 0)
            .take(3)
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .collect()
    };
    match fields.as_slice() {
        [_, t, a] if t.eq_ignore_ascii_case("SMTP") && !a.is_empty() => Some(a.clone()),
        _ => None,
    }
}

/// A one-off entry id for an SMTP address (MS-OXCDATA 2.2.5.1): flags 0,
/// MUIDOOP, version 0, flags `MAPI_UNICODE | MAPI_ONE_OFF_NO_RICH_INFO`
/// (0x8001), then display name, `SMTP` and the address in UTF-16LE, each
/// NUL-terminated. What Outlook writes for a recipient typed as an address.
pub(crate) fn one_off_smtp(display_name: &str, address: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(24 + 2 * (display_name.len() + address.len() + 8));
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(&MUIDOOP);
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&0x8001u16.to_le_bytes());
    for field in [display_name, "SMTP", address] {
        out.extend(field.encode_utf16().flat_map(u16::to_le_bytes));
        out.extend_from_slice(&[0, 0]);
    }
    out
}

/// PR_SEARCH_KEY of an SMTP address (MAPI PidTagSearchKey): `SMTP:`, the
/// address upper-cased, NUL-terminated, 8-bit. What Outlook writes for a
/// recipient, a sender and the one sent on behalf of.
pub(crate) fn smtp_search_key(address: &str) -> Vec<u8> {
    let mut key = format!("SMTP:{}", address.to_uppercase()).into_bytes();
    key.push(0);
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_off_round_trips() {
        let e = one_off_smtp("Ann Example", "ann@example.com");
        assert_eq!(one_off_smtp_address(&e).as_deref(), Some("ann@example.com"));
        // MS-OXCDATA 2.2.5.1: 4 flag bytes, then the provider UID.
        assert_eq!(&e[4..20], &MUIDOOP);
        assert_eq!(u16::from_le_bytes([e[22], e[23]]), 0x8001);
    }
}

/// A FlatEntryList (MS-OXCDATA 2.3.3) of `entries`: count, size of the
/// entries, then each entry as its size and bytes, padded to 4 bytes.
/// PR_REPLY_RECIPIENT_ENTRIES is one.
pub(crate) fn flat_entry_list(entries: &[Vec<u8>]) -> Vec<u8> {
    let mut body = Vec::new();
    for e in entries {
        body.extend_from_slice(&(e.len() as u32).to_le_bytes());
        body.extend_from_slice(e);
        while body.len() % 4 != 0 {
            body.push(0);
        }
    }
    let mut out = Vec::with_capacity(8 + body.len());
    out.extend_from_slice(&(entries.len() as u32).to_le_bytes());
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(&body);
    out
}

/// The entries of a FlatEntryList (MS-OXCDATA 2.3.3); what does not fit in
/// the bytes is left out.
pub(crate) fn parse_flat_entry_list(b: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let Some(count) = b.get(0..4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])) else {
        return out;
    };
    let mut at = 8usize;
    for _ in 0..count.min(1024) {
        let Some(n) = b
            .get(at..at + 4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]) as usize)
        else {
            break;
        };
        let Some(e) = b.get(at + 4..(at + 4).saturating_add(n)) else {
            break;
        };
        out.push(e);
        at = (at + 4 + n + 3) & !3;
    }
    out
}

#[cfg(test)]
mod flat_tests {
    use super::*;

    #[test]
    fn a_flat_entry_list_reads_back() {
        let a = one_off_smtp("Ann", "ann@example.com");
        let b = one_off_smtp("Bob", "bob@example.com");
        let list = flat_entry_list(&[a.clone(), b.clone()]);
        assert_eq!(&list[0..4], &2u32.to_le_bytes());
        assert_eq!(list.len() % 4, 0);
        let back = parse_flat_entry_list(&list);
        assert_eq!(back, vec![&a[..], &b[..]]);
        assert_eq!(one_off_smtp_address(back[1]).as_deref(), Some("bob@example.com"));
    }
}
