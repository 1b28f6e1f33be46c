//! The date module against the `httpdate` crate (std only) as an oracle.
//!
//! Intentional differences from `httpdate`, kept out of the comparisons:
//! - `httpdate` trims whitespace around the value; `parse_http_date` does
//!   not (a header parser strips optional whitespace before it gets here),
//!   so strings with leading or trailing whitespace are compared only
//!   after checking that we refuse them.
//! - `httpdate` ignores the byte between an RFC 850 date's year and hour
//!   (`Sunday, 06-Nov-94!08:49:37 GMT` passes); we require the space the
//!   grammar has.
//! - `httpdate::fmt_http_date` panics past 9999; `http_date` returns an
//!   error.
//!
//! Everything else (weekday must match, second 60 refused, RFC 850 years
//! `70`..`99` = 19xx and `00`..`69` = 20xx, asctime day `" 6"` or `"06"`)
//! is the same, and the tests below check it.

use std::time::{Duration, UNIX_EPOCH};

use proptest::prelude::*;
use tencent_cos_core::{MAX_UNIX, http_date, parse_http_date, parse_imf_fixdate};

fn oracle_fmt(t: u64) -> String {
    httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(t))
}

fn oracle_parse(s: &str) -> Option<u64> {
    httpdate::parse_http_date(s)
        .ok()
        .map(|t| t.duration_since(UNIX_EPOCH).unwrap().as_secs())
}

const WEEKDAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// Rewrites an IMF-fixdate as RFC 850 (only for years 1970..=2069, which
/// is what the two-digit year can mean).
fn to_rfc850(imf: &str) -> String {
    let (wd, rest) = imf.split_once(", ").unwrap();
    let full = WEEKDAYS.iter().find(|w| w.starts_with(wd)).unwrap();
    // "06 Nov 1994 08:49:37 GMT"
    let (day, rest) = rest.split_once(' ').unwrap();
    let (mon, rest) = rest.split_once(' ').unwrap();
    let (year, rest) = rest.split_once(' ').unwrap();
    format!("{full}, {day}-{mon}-{} {rest}", &year[2..])
}

/// Rewrites an IMF-fixdate as asctime, day space-padded.
fn to_asctime(imf: &str) -> String {
    let (wd, rest) = imf.split_once(", ").unwrap();
    let (day, rest) = rest.split_once(' ').unwrap();
    let (mon, rest) = rest.split_once(' ').unwrap();
    let (year, rest) = rest.split_once(' ').unwrap();
    let time = rest.strip_suffix(" GMT").unwrap();
    let day: u32 = day.parse().unwrap();
    format!("{wd} {mon} {day:>2} {time} {year}")
}

/// Our answer must be the oracle's, unless the string has whitespace at
/// an end (see the module comment), in which case we must refuse it.
fn check_agrees(s: &str) -> Result<(), TestCaseError> {
    let ours = parse_http_date(s).ok();
    if s.trim() != s {
        prop_assert_eq!(ours, None, "{:?}", s);
        return Ok(());
    }
    let oracle = oracle_parse(s);
    if ours.is_none() && oracle.is_some() {
        // httpdate does not look at the byte between an RFC 850 date's
        // year and hour (`06-Nov-94?08:49:37 GMT`); we require the space.
        // Any other disagreement is a failure.
        let mut fixed = s.as_bytes().to_vec();
        let i = fixed.len() - 13;
        prop_assert!(fixed[i] != b' ', "{:?}", s);
        fixed[i] = b' ';
        let fixed = String::from_utf8(fixed).unwrap();
        prop_assert_eq!(parse_http_date(&fixed).ok(), oracle, "{:?}", s);
        return Ok(());
    }
    prop_assert_eq!(ours, oracle, "{:?}", s);
    Ok(())
}

#[test]
fn oracle_sanity() {
    assert_eq!(oracle_fmt(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
    assert_eq!(
        to_rfc850("Sun, 06 Nov 1994 08:49:37 GMT"),
        "Sunday, 06-Nov-94 08:49:37 GMT"
    );
    assert_eq!(
        to_asctime("Sun, 06 Nov 1994 08:49:37 GMT"),
        "Sun Nov  6 08:49:37 1994"
    );
    // The one intentional difference.
    assert_eq!(
        oracle_parse(" Sun, 06 Nov 1994 08:49:37 GMT"),
        Some(784_111_777)
    );
    assert!(parse_http_date(" Sun, 06 Nov 1994 08:49:37 GMT").is_err());
    assert_eq!(
        oracle_parse("Sunday, 06-Nov-94!08:49:37 GMT"),
        Some(784_111_777)
    );
    assert!(parse_http_date("Sunday, 06-Nov-94!08:49:37 GMT").is_err());
}

/// 2070-01-01T00:00:00Z, the first instant RFC 850 cannot name.
const Y2070: u64 = 3_155_760_000;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    #[test]
    fn format_matches_oracle(t in 0..=MAX_UNIX) {
        let ours = http_date(t).unwrap();
        prop_assert_eq!(ours.as_str(), oracle_fmt(t));
        prop_assert_eq!(parse_imf_fixdate(ours.as_str()), Ok(t));
        prop_assert_eq!(parse_http_date(ours.as_str()), Ok(t));
    }

    #[test]
    fn obsolete_forms_match_oracle(t in 0..=MAX_UNIX) {
        let imf = oracle_fmt(t);
        let asc = to_asctime(&imf);
        prop_assert_eq!(parse_http_date(&asc).ok(), oracle_parse(&asc));
        prop_assert_eq!(parse_http_date(&asc), Ok(t));
        // asctime with a zero-padded day is accepted by both as well.
        let asc0 = if asc.as_bytes()[8] == b' ' {
            format!("{}0{}", &asc[..8], &asc[9..])
        } else {
            asc.clone()
        };
        prop_assert_eq!(parse_http_date(&asc0).ok(), oracle_parse(&asc0));
        prop_assert_eq!(parse_http_date(&asc0), Ok(t));
    }

    #[test]
    fn rfc850_matches_oracle(t in 0..Y2070) {
        let rfc = to_rfc850(&oracle_fmt(t));
        prop_assert_eq!(parse_http_date(&rfc).ok(), oracle_parse(&rfc));
        prop_assert_eq!(parse_http_date(&rfc), Ok(t));
    }

    #[test]
    fn random_text_agrees(s in "\\PC{0,40}") {
        check_agrees(&s)?;
    }

    #[test]
    fn near_imf_fixdates_agree(
        s in "(Sun|Mon|Tue|Wed|Thu|Fri|Sat|sun|Xyz|Su), [0-9 ]{2} \
              (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec|jan|Foo) \
              [0-9]{4} [0-9]{2}[:.][0-9]{2}:[0-9]{2} (GMT|UTC|gmt)"
    ) {
        check_agrees(&s)?;
    }

    #[test]
    fn near_valid_years_agree(
        wd in "(Sun|Mon|Tue|Wed|Thu|Fri|Sat)",
        day in 0u32..=32,
        mon in "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)",
        year in prop_oneof![1965u32..=1975, 1995u32..=2005, 2095u32..=2105, 9995u32..=9999],
        h in 0u32..=25, m in 0u32..=61, sec in 0u32..=61,
    ) {
        check_agrees(&format!("{wd}, {day:02} {mon} {year} {h:02}:{m:02}:{sec:02} GMT"))?;
        check_agrees(&format!("{wd} {mon} {day:>2} {h:02}:{m:02}:{sec:02} {year}"))?;
    }

    #[test]
    fn near_rfc850_agree(
        wd in "(Sunday|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sun|sunday|Someday)",
        day in 0u32..=32,
        mon in "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec|Foo)",
        yy in 0u32..=99,
        h in 0u32..=25, m in 0u32..=61, sec in 0u32..=61,
        sep in "[-  ]",
    ) {
        check_agrees(&format!("{wd}, {day:02}{sep}{mon}-{yy:02} {h:02}:{m:02}:{sec:02} GMT"))?;
    }

    #[test]
    fn mutated_valid_dates_agree(t in 0..=MAX_UNIX, form in 0u8..3, pos in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let imf = oracle_fmt(t);
        let s = match form {
            0 => imf,
            1 => to_asctime(&imf),
            _ => to_rfc850(&oracle_fmt(t % Y2070)),
        };
        let mut bytes = s.into_bytes();
        let i = pos.index(bytes.len());
        bytes[i] = byte;
        // Bytes past 0x7F make invalid UTF-8 alone; keep only valid text.
        if let Ok(s) = String::from_utf8(bytes) {
            check_agrees(&s)?;
        }
    }
}
