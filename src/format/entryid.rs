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
