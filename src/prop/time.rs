//! PT_SYSTIME values: Windows FILETIME (MS-DTYP 2.3.3).

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// 100-nanosecond ticks from 1601-01-01 to 1970-01-01.
const UNIX_EPOCH_TICKS: u64 = 116_444_736_000_000_000;

/// A PT_SYSTIME value: 100-ns ticks since 1601-01-01 00:00 UTC (a Windows
/// `FILETIME`). Converts to and from [`SystemTime`] and prints as RFC 3339.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct FileTime(pub u64);

impl FileTime {
    /// Outlook's "no date" value, 4501-01-01 00:00 UTC.
    pub const NONE_SENTINEL: FileTime = FileTime(0x0CB3_4557_A3DD_4000);

    /// The time `secs` seconds after the Unix epoch.
    pub const fn from_unix_secs(secs: i64) -> FileTime {
        FileTime((secs as i128 * 10_000_000 + UNIX_EPOCH_TICKS as i128) as u64)
    }

    /// Whether this is Outlook's "no date" sentinel (4501-01-01).
    pub const fn is_none_sentinel(self) -> bool {
        self.0 == Self::NONE_SENTINEL.0
    }

    /// Seconds and nanoseconds relative to the Unix epoch (seconds may be negative).
    pub fn to_unix(self) -> (i64, u32) {
        let ticks = self.0 as i128 - UNIX_EPOCH_TICKS as i128;
        let secs = ticks.div_euclid(10_000_000);
        let nanos = (ticks.rem_euclid(10_000_000) * 100) as u32;
        (secs as i64, nanos)
    }

    /// The same instant as a [`SystemTime`].
    pub fn to_system_time(self) -> SystemTime {
        let (secs, nanos) = self.to_unix();
        if secs >= 0 {
            UNIX_EPOCH + Duration::new(secs as u64, nanos)
        } else {
            UNIX_EPOCH - Duration::from_secs(secs.unsigned_abs()) + Duration::from_nanos(nanos as u64)
        }
    }

    /// The instant as RFC 3339 in UTC, e.g. `2001-05-21T13:41:38.65Z`
    /// (fractional seconds only when non-zero, without trailing zeros).
    pub fn to_rfc3339(self) -> String {
        let (secs, nanos) = self.to_unix();
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        let mut s = format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
            rem / 3600,
            (rem / 60) % 60,
            rem % 60
        );
        if nanos != 0 {
            let frac = format!("{:09}", nanos);
            s.push('.');
            s.push_str(frac.trim_end_matches('0'));
        }
        s.push('Z');
        s
    }
}

impl From<SystemTime> for FileTime {
    fn from(t: SystemTime) -> FileTime {
        let ticks: i128 = match t.duration_since(UNIX_EPOCH) {
            Ok(d) => d.as_nanos() as i128 / 100,
            Err(e) => -(e.duration().as_nanos() as i128 / 100),
        };
        FileTime((ticks + UNIX_EPOCH_TICKS as i128).clamp(0, u64::MAX as i128) as u64)
    }
}

impl From<FileTime> for SystemTime {
    fn from(t: FileTime) -> SystemTime {
        t.to_system_time()
    }
}

impl fmt::Debug for FileTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FileTime({})", self.to_rfc3339())
    }
}

impl fmt::Display for FileTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

/// Days since 1970-01-01 to a proleptic Gregorian (year, month, day)
/// (Howard Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants() {
        // 1970-01-01 is 116444736000000000 ticks (MS-DTYP).
        assert_eq!(FileTime(UNIX_EPOCH_TICKS).to_rfc3339(), "1970-01-01T00:00:00Z");
        assert_eq!(FileTime(0).to_rfc3339(), "1601-01-01T00:00:00Z");
        // The sentinel is 4501-01-01 (MS-OXPROPS, Outlook "None").
        assert_eq!(FileTime::NONE_SENTINEL.to_rfc3339(), "4501-01-01T00:00:00Z");
        // 2001-05-21 13:41:38.65 (aquasync note.msg client submit time per extract-msg).
        let t = FileTime::from_unix_secs(990_452_498);
        assert_eq!(t.to_rfc3339(), "2001-05-21T13:41:38Z");
        assert_eq!(FileTime(t.0 + 6_500_000).to_rfc3339(), "2001-05-21T13:41:38.65Z");
    }

    #[test]
    fn system_time_round_trip() {
        let now = SystemTime::now();
        let ft = FileTime::from(now);
        let back = ft.to_system_time();
        let diff = match now.duration_since(back) {
            Ok(d) => d,
            Err(e) => e.duration(),
        };
        assert!(diff < Duration::from_micros(1));
        let before = UNIX_EPOCH - Duration::from_secs(86_400);
        assert_eq!(FileTime::from(before).to_rfc3339(), "1969-12-31T00:00:00Z");
        assert_eq!(FileTime::from(before).to_system_time(), before);
    }
}
