//! The CRC-32 of MS-OXRTFCP section 3.1.3: reflected, table polynomial
//! 0xEDB88320, initial value 0, no final XOR (so not zlib's CRC-32). It
//! checks compressed RTF and hashes string names into the named-property
//! buckets (MS-OXMSG 2.2.3.1.2).

const fn crc_table() -> [u32; 256] {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
}

static CRC_TABLE: [u32; 256] = crc_table();

/// The MS-OXRTFCP CRC-32 of `bytes`.
pub(crate) fn crc32(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0u32, |crc, &b| {
        CRC_TABLE[((crc ^ u32::from(b)) & 0xFF) as usize] ^ (crc >> 8)
    })
}
