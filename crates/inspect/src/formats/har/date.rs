//! Dates as HAR writes and reads them: ISO 8601 in UTC, and the dates of `Set-Cookie`
//! `Expires` attributes (RFC 6265 section 5.1.1). Written with `humantime`, the formatter
//! every crate uses; read here, since no crate reads offsets like `+01:00` and cookie dates.

use std::time::{Duration, SystemTime};

/// The last instant with a four-digit year (9999-12-31T23:59:59.999999Z), in µs: later times
/// are written as this one, since HAR validators accept four-digit years only.
const MAX_US: u64 = 253_402_300_799_999_999;

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `2024-01-31T12:00:00.123Z`: µs since the Unix epoch as ISO 8601 in UTC, to the millisecond.
pub fn iso_ms(us: u64) -> String {
    let at = SystemTime::UNIX_EPOCH + Duration::from_micros(us.min(MAX_US));
    humantime::format_rfc3339_millis(at).to_string()
}

/// µs since the Unix epoch of an ISO 8601 date-time as HAR files carry it:
/// `YYYY-MM-DDTHH:MM:SS`, optional fraction, then `Z`, `±HH:MM`, `±HHMM` or nothing (UTC).
/// `None` for anything else, and for times before 1970.
pub fn parse_iso(text: &str) -> Option<u64> {
    let b = text.trim().as_bytes();
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = b.get(range)?;
        if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(part).ok()?.parse().ok()
    };
    let sep = |i: usize, allowed: &[u8]| b.get(i).is_some_and(|c| allowed.contains(c));
    if !(sep(4, b"-") && sep(7, b"-") && sep(10, b"Tt ") && sep(13, b":") && sep(16, b":")) {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    // A leap second counts as the last second of its minute.
    let second = second.min(59);
    let mut i = 19;
    let mut micros = 0u64;
    if b.get(i) == Some(&b'.') || b.get(i) == Some(&b',') {
        i += 1;
        let digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        for (k, d) in b[i..i + digits].iter().enumerate().take(6) {
            micros += u64::from(d - b'0') * 10u64.pow(5 - k as u32);
        }
        i += digits;
    }
    let offset_secs: i64 = match b.get(i) {
        None => 0,
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(&sign @ (b'+' | b'-')) => {
            let rest = &b[i + 1..];
            let (h, m) = match rest {
                [h1, h2, b':', m1, m2] | [h1, h2, m1, m2] => ([*h1, *h2], [*m1, *m2]),
                [h1, h2] => ([*h1, *h2], [b'0', b'0']),
                _ => return None,
            };
            if !h.iter().chain(&m).all(u8::is_ascii_digit) {
                return None;
            }
            let h = i64::from((h[0] - b'0') * 10 + (h[1] - b'0'));
            let m = i64::from((m[0] - b'0') * 10 + (m[1] - b'0'));
            let secs = h * 3600 + m * 60;
            if sign == b'+' { secs } else { -secs }
        }
        _ => return None,
    };
    let days = days_from_civil(i64::from(year), month, day);
    let secs = days * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second)
        - offset_secs;
    let secs = u64::try_from(secs).ok()?;
    Some(secs * 1_000_000 + micros)
}

/// Seconds since the Unix epoch of a cookie date (`Wed, 21 Oct 2015 07:28:00 GMT` and the
/// looser forms RFC 6265 accepts); `None` when it is not one.
pub fn parse_cookie_date(text: &str) -> Option<i64> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let is_delimiter =
        |c: char| matches!(c, '\t' | ' '..='/' | ';'..='@' | '['..='`' | '{'..='~') && c != ':';
    let (mut time, mut day, mut month, mut year) = (None, None, None, None);
    for token in text.split(is_delimiter).filter(|t| !t.is_empty()) {
        let digits = token.bytes().take_while(u8::is_ascii_digit).count();
        if time.is_none() {
            let parts: Vec<&str> = token.splitn(3, ':').collect();
            if parts.len() == 3 {
                let field = |p: &str| -> Option<u32> {
                    let n = p.bytes().take_while(u8::is_ascii_digit).count();
                    (1..=2).contains(&n).then(|| p[..n].parse().ok()).flatten()
                };
                if let (Some(h), Some(m), Some(s)) =
                    (field(parts[0]), field(parts[1]), field(parts[2]))
                {
                    time = Some((h, m, s));
                    continue;
                }
            }
        }
        if day.is_none() && (1..=2).contains(&digits) {
            day = token[..digits].parse::<u32>().ok();
            continue;
        }
        if month.is_none() && token.len() >= 3 {
            let prefix = token[..3].to_ascii_lowercase();
            if let Some(m) = MONTHS.iter().position(|&m| m == prefix) {
                month = Some(m as u32 + 1);
                continue;
            }
        }
        if year.is_none() && (2..=4).contains(&digits) {
            year = token[..digits].parse::<i64>().ok();
        }
    }
    let (hour, minute, second) = time?;
    let (day, month, mut year) = (day?, month?, year?);
    if (70..=99).contains(&year) {
        year += 1900;
    } else if (0..=69).contains(&year) {
        year += 2000;
    }
    if !(1..=31).contains(&day) || year < 1601 || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(days * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second))
}

/// ISO 8601 of seconds since the epoch (negative: before 1970, written as the epoch).
pub fn iso_from_secs(secs: i64) -> String {
    iso_ms(u64::try_from(secs).unwrap_or(0).saturating_mul(1_000_000))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates_round_trip_to_the_millisecond() {
        assert_eq!(iso_ms(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso_ms(1_700_000_000_123_456), "2023-11-14T22:13:20.123Z");
        assert_eq!(iso_ms(951_782_400_000_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(iso_ms(u64::MAX), "9999-12-31T23:59:59.999Z");
        for us in [
            0,
            1_700_000_000_123_000,
            951_782_400_000_000,
            4_102_444_800_000_000,
        ] {
            assert_eq!(parse_iso(&iso_ms(us)), Some(us));
        }
    }

    #[test]
    fn iso_dates_of_other_tools_are_read() {
        let t = 1_700_000_000_123_456;
        assert_eq!(parse_iso("2023-11-14T22:13:20.123456Z"), Some(t));
        assert_eq!(parse_iso("2023-11-14T23:13:20.123456+01:00"), Some(t));
        assert_eq!(parse_iso("2023-11-14T21:13:20.123456-0100"), Some(t));
        assert_eq!(parse_iso("2023-11-14T22:13:20.1234567Z"), Some(t));
        assert_eq!(parse_iso("2023-11-14T22:13:20"), Some(t - 123_456));
        for bad in [
            "",
            "2023-11-14",
            "2023-13-14T00:00:00Z",
            "x023-11-14T22:13:20Z",
        ] {
            assert_eq!(parse_iso(bad), None, "{bad}");
        }
        assert_eq!(parse_iso("1969-12-31T23:59:59Z"), None);
        assert_eq!(parse_iso("2023-11-14T22:13:20.Z"), None);
        assert_eq!(parse_iso("2023-11-14T22:13:20Zjunk"), None);
    }

    #[test]
    fn cookie_dates_in_their_many_forms() {
        let t = 1_445_412_480; // 2015-10-21T07:28:00Z
        assert_eq!(parse_cookie_date("Wed, 21 Oct 2015 07:28:00 GMT"), Some(t));
        assert_eq!(
            parse_cookie_date("Wednesday, 21-Oct-15 07:28:00 GMT"),
            Some(t)
        );
        assert_eq!(parse_cookie_date("Wed Oct 21 07:28:00 2015"), Some(t));
        assert_eq!(parse_cookie_date("tomorrow"), None);
        assert_eq!(parse_cookie_date("Wed, 32 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(iso_from_secs(t), "2015-10-21T07:28:00.000Z");
        assert_eq!(iso_from_secs(-5), "1970-01-01T00:00:00.000Z");
    }
}
