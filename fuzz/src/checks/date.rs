//! `date`: the HTTP-date and ISO-8601 readers on arbitrary text, against
//! `httpdate` and a reference ISO-8601 reader; and format → parse round
//! trips (all three HTTP-date forms and several ISO-8601 spellings) from
//! arbitrary instants, the formatter against `httpdate`.
//!
//! Intentional differences from `httpdate` (see `tests/date_oracle.rs`):
//! it trims surrounding whitespace, and it ignores the byte between an
//! RFC 850 date's year and hour; we refuse both.

use super::input::Input;
use std::time::{Duration, UNIX_EPOCH};
use tencent_cos_core::{DateError, HttpDate};
use tencent_cos_core::{
    MAX_UNIX, http_date, parse_http_date, parse_http_date_at, parse_imf_fixdate, parse_iso8601,
};

/// 2070-01-01T00:00:00Z: the first instant RFC 850's fixed window cannot
/// name.
const Y2070: u64 = 3_155_760_000;

const WEEKDAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

const PIECES: &[&str] = &[
    "Sun, ",
    "Sunday, ",
    "Mon",
    "Thu, 01 Jan 1970 00:00:00 GMT",
    "Sun Nov  6 08:49:37 1994",
    "Sunday, 06-Nov-94 08:49:37 GMT",
    "Fri, 31 Dec 9999 23:59:59 GMT",
    "2017-09-04T04:45:45",
    "1970-01-01T00:00:00",
    "9999-12-31T23:59:59",
    ".000",
    ".123456789",
    "Z",
    "+08:00",
    "-23:59",
    "29 Feb ",
    "Feb",
    " GMT",
    "-",
    ":",
    " ",
];

fn oracle_fmt(t: u64) -> String {
    httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(t))
}

fn oracle_parse(s: &str) -> Option<u64> {
    httpdate::parse_http_date(s)
        .ok()
        .map(|t| t.duration_since(UNIX_EPOCH).expect("after 1970").as_secs())
}

/// `parse_http_date` agrees with `httpdate`, but for the documented
/// differences.
fn agrees_with_oracle(s: &str) {
    let ours = parse_http_date(s).ok();
    if s.trim() != s {
        assert_eq!(ours, None, "{s:?}");
        return;
    }
    let oracle = oracle_parse(s);
    if ours.is_none() && oracle.is_some() && s.len() >= 13 {
        // The byte between an RFC 850 year and hour: we require a space.
        let mut fixed = s.as_bytes().to_vec();
        let i = fixed.len() - 13;
        assert_ne!(fixed[i], b' ', "{s:?}");
        fixed[i] = b' ';
        if let Ok(fixed) = String::from_utf8(fixed) {
            assert_eq!(parse_http_date(&fixed).ok(), oracle, "{s:?}");
            return;
        }
    }
    assert_eq!(ours, oracle, "{s:?}");
}

/// Days from 1970-01-01 to `y-m-d` (proleptic Gregorian), or `None` for
/// a day the month does not have.
fn days_from_civil(y: u64, m: u64, d: u64) -> Option<u64> {
    let leap = y.is_multiple_of(4) && (!y.is_multiple_of(100) || y.is_multiple_of(400));
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&m) || d == 0 || d > month_days[(m - 1) as usize] {
        return None;
    }
    let mut days = 0;
    for year in 1970..y {
        let leap =
            year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
        days += if leap { 366 } else { 365 };
    }
    days += month_days[..(m - 1) as usize].iter().sum::<u64>();
    Some(days + d - 1)
}

/// The module docs' ISO-8601 grammar, read the plain way.
fn reference_iso(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    let digits = |r: core::ops::Range<usize>| -> Option<u64> {
        let t = s.get(r)?;
        t.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse().ok())?
    };
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let (y, mo, d) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    let (h, mi, sec) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    if !(1970..=9999).contains(&y) || h > 23 || mi > 59 || sec > 59 {
        return None;
    }
    let local = days_from_civil(y, mo, d)? * 86_400 + h * 3600 + mi * 60 + sec;
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if !(1..=9).contains(&n) {
            return None;
        }
        rest = &frac[n..];
    }
    match rest {
        "" | "Z" => Some(local),
        zone => {
            let z = zone.as_bytes();
            let two = |i: usize| -> Option<u64> {
                let t = zone.get(i..i + 2)?;
                t.bytes()
                    .all(|c| c.is_ascii_digit())
                    .then(|| t.parse().ok())?
            };
            if z.len() != 6 || z[3] != b':' {
                return None;
            }
            let (hh, mm) = (two(1)?, two(4)?);
            if hh > 23 || mm > 59 {
                return None;
            }
            let off = hh * 3600 + mm * 60;
            // The instant must lie in 1970..=9999 too.
            match z[0] {
                b'+' => local.checked_sub(off),
                b'-' => Some(local + off).filter(|&t| t <= MAX_UNIX),
                _ => None,
            }
        }
    }
}

fn check_text(s: &str, now: u64) {
    agrees_with_oracle(s);
    let any = parse_http_date(s);
    if let Ok(t) = parse_imf_fixdate(s) {
        assert_eq!(any, Ok(t));
        // Only the canonical spelling is an IMF-fixdate.
        assert_eq!(http_date(t).expect("in range").as_str(), s);
    }
    if let (Ok(a), Ok(b)) = (parse_http_date_at(s, now), any) {
        // Only an RFC 850 year (written with '-') depends on the clock.
        assert!(a == b || s.contains('-'), "{s:?}");
        assert_eq!(a % 86_400, b % 86_400);
    }
    let iso = parse_iso8601(s);
    assert_eq!(iso.ok(), reference_iso(s), "{s:?}: {iso:?}");
}

/// The instant as `YYYY-MM-DDTHH:MM:SS`, from the oracle's IMF-fixdate.
fn iso_of(t: u64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let imf = oracle_fmt(t); // "Sun, 06 Nov 1994 08:49:37 GMT"
    let month = MONTHS
        .iter()
        .position(|m| *m == &imf[8..11])
        .expect("month")
        + 1;
    format!(
        "{}-{month:02}-{}T{}",
        &imf[12..16],
        &imf[5..7],
        &imf[17..25]
    )
}

fn check_instant(t: u64, input: &mut Input<'_>) {
    let formatted = http_date(t);
    if t > MAX_UNIX {
        assert_eq!(formatted, Err(DateError::OutOfRange));
        return;
    }
    let d: HttpDate = formatted.expect("in range");
    let imf = oracle_fmt(t);
    assert_eq!(d.as_str(), imf);
    assert_eq!(d.to_string(), imf);
    assert_eq!(d.as_bytes().len(), HttpDate::LEN);
    assert_eq!(parse_imf_fixdate(&imf), Ok(t));
    assert_eq!(parse_http_date(&imf), Ok(t));
    assert_eq!(parse_http_date_at(&imf, input.number()), Ok(t));

    // asctime, day space-padded.
    let day: u32 = imf[5..7].parse().expect("day");
    let asctime = format!(
        "{} {} {day:>2} {} {}",
        &imf[..3],
        &imf[8..11],
        &imf[17..25],
        &imf[12..16]
    );
    assert_eq!(parse_http_date(&asctime), Ok(t), "{asctime}");
    assert_eq!(oracle_parse(&asctime), Some(t));

    // RFC 850: the fixed window, and a clock in the same year.
    let weekday = WEEKDAYS
        .iter()
        .find(|w| w.starts_with(&imf[..3]))
        .expect("weekday");
    let rfc850 = format!(
        "{weekday}, {}-{}-{} {} GMT",
        &imf[5..7],
        &imf[8..11],
        &imf[14..16],
        &imf[17..25]
    );
    if t < Y2070 {
        assert_eq!(parse_http_date(&rfc850), Ok(t), "{rfc850}");
    }
    assert_eq!(parse_http_date_at(&rfc850, t), Ok(t), "{rfc850}");

    // ISO 8601: bare, Z, a fraction, an offset.
    let iso = iso_of(t);
    assert_eq!(parse_iso8601(&iso), Ok(t));
    assert_eq!(parse_iso8601(&format!("{iso}Z")), Ok(t));
    let digits = 1 + input.below(9);
    let frac: String = (0..digits)
        .map(|_| char::from(b'0' + input.byte() % 10))
        .collect();
    assert_eq!(parse_iso8601(&format!("{iso}.{frac}Z")), Ok(t));
    let (hh, mm) = (input.below(24) as u64, input.below(60) as u64);
    let off = hh * 3600 + mm * 60;
    if input.bool() {
        // Local time ahead of UTC: written t + off, "+HH:MM".
        if t + off <= MAX_UNIX {
            let s = format!("{}.{frac}+{hh:02}:{mm:02}", iso_of(t + off));
            assert_eq!(parse_iso8601(&s), Ok(t), "{s}");
        }
    } else if let Some(local) = t.checked_sub(off) {
        let s = format!("{}-{hh:02}:{mm:02}", iso_of(local));
        assert_eq!(parse_iso8601(&s), Ok(t), "{s}");
    }
}

/// Runs the check on one input.
pub fn check(data: &[u8]) {
    let mut input = Input::new(data);
    let mut text = String::new();
    for _ in 0..input.below(6) {
        text.push_str(&input.word_or_text(PIECES, 30));
    }
    let now = input.number();
    check_text(&text, now);
    let t = match input.byte() % 4 {
        0 => input.number(),
        _ => input.u64() % (MAX_UNIX + 2),
    };
    check_instant(t, &mut input);
}
