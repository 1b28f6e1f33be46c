// The documentation of this module is on [`HttpDate`]: the module is private.

use core::fmt;

/// The last instant a date here can hold: 9999-12-31T23:59:59Z.
pub const MAX_UNIX: u64 = 253_402_300_799;

/// The first year a date here can hold.
const MIN_YEAR: u32 = 1970;
/// The last year a date here can hold.
const MAX_YEAR: u32 = 9999;

/// The year the two-digit-year window of [`parse_http_date`] is centred
/// on: RFC 850 years `70`..=`99` are 1970..=1999 and `00`..=`69` are
/// 2000..=2069, the rule the `httpdate` crate applies.
const FIXED_PIVOT_YEAR: u32 = 2019;

/// Why a date could not be written or read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum DateError {
    /// The instant is after [`MAX_UNIX`], or the text names a year outside
    /// 1970..=9999 (or, with an ISO-8601 offset, an instant before 1970).
    OutOfRange,
    /// The text's length is not one that any accepted form has.
    Length,
    /// A separator (space, `,`, `-`, `:`, `T`) is missing or another byte
    /// stands in its place.
    Separator,
    /// A byte where a decimal digit belongs is something else.
    Digit,
    /// The weekday name is not one of the (case-sensitive) English names
    /// the form uses.
    WeekdayName,
    /// The month name is not one of `Jan`..`Dec` (case-sensitive).
    MonthName,
    /// The month number is outside 1..=12.
    Month,
    /// The day is 0 or past the month's last day (`Feb 29` of a common
    /// year included).
    Day,
    /// The hour is above 23.
    Hour,
    /// The minute is above 59.
    Minute,
    /// The second is above 59 (leap seconds are refused).
    Second,
    /// The weekday does not name the date's day of the week.
    WeekdayMismatch,
    /// The zone is not `GMT` (HTTP-date), or not `Z` / `±HH:MM` with an
    /// hour up to 23 and a minute up to 59 (ISO 8601).
    Zone,
    /// The fraction of a second has no digit or more than nine.
    Fraction,
}

impl fmt::Display for DateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::OutOfRange => "date outside 1970-01-01T00:00:00Z..=9999-12-31T23:59:59Z",
            Self::Length => "date has the length of no accepted form",
            Self::Separator => "date has a wrong or missing separator",
            Self::Digit => "date has a non-digit where a digit belongs",
            Self::WeekdayName => "date has an unknown weekday name",
            Self::MonthName => "date has an unknown month name",
            Self::Month => "date has a month outside 1..=12",
            Self::Day => "date has a day the month does not have",
            Self::Hour => "date has an hour above 23",
            Self::Minute => "date has a minute above 59",
            Self::Second => "date has a second above 59",
            Self::WeekdayMismatch => "date's weekday does not match its day",
            Self::Zone => "date has a wrong time zone",
            Self::Fraction => "date's fraction of a second has no digit or more than nine",
        })
    }
}

impl core::error::Error for DateError {}

/// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), always 29 ASCII bytes.
///
/// Made by [`http_date`]; [`as_str`](Self::as_str) is the header value.
///
/// Dates on the wire: the HTTP-date of RFC 7231 §7.1.1.1 (written as
/// IMF-fixdate, read in all three forms) and the ISO-8601 `LastModified`
/// times in COS's XML answers.
///
/// Every instant is a count of seconds since 1970-01-01T00:00:00Z (`u64`,
/// no leap seconds), limited to years 1970..=9999 ([`MAX_UNIX`]). The
/// arithmetic is integer only: days to civil dates by Howard Hinnant's
/// `civil_from_days` / `days_from_civil`, and no 64-bit division at all
/// (seconds to days goes through `>> 7` and a 32-bit `/ 675`), so nothing
/// here pulls in `__aeabi_uldivmod` on Cortex-M. Nothing uses `core::fmt`
/// except the error's `Display`.
///
/// # Reading
///
/// - [`parse_imf_fixdate`] takes exactly `Sun, 06 Nov 1994 08:49:37 GMT`.
/// - [`parse_http_date`] also takes the two obsolete forms a recipient must
///   accept: RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`) and asctime
///   (`Sun Nov  6 08:49:37 1994`). [`parse_http_date_at`] does the same
///   with RFC 7231's sliding rule for RFC 850's two-digit year.
/// - [`parse_iso8601`] takes `2017-09-04T04:45:45`, with an optional
///   fraction of 1 to 9 digits (dropped: the result is whole seconds) and
///   an optional zone `Z` or `±HH:MM`; no zone means UTC.
///
/// All readers are strict: names are case-sensitive, nothing around the
/// value is trimmed (strip the header's optional whitespace first),
/// impossible dates (Feb 30, Feb 29 of a common year, hour 24, minute 60,
/// second 60) are refused, and so is a weekday that does not name the
/// date's day (as the `httpdate` crate does: a sender that gets the weekday
/// wrong probably got more wrong).
///
/// # Example
///
/// ```
/// use tencent_cos_core::{http_date, parse_http_date, parse_iso8601};
///
/// let d = http_date(784_111_777).unwrap();
/// assert_eq!(d.as_str(), "Sun, 06 Nov 1994 08:49:37 GMT");
/// assert_eq!(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), Ok(784_111_777));
/// assert_eq!(parse_http_date("Sun Nov  6 08:49:37 1994"), Ok(784_111_777));
/// assert_eq!(parse_iso8601("2017-09-04T04:45:45.000Z"), Ok(1_504_500_345));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct HttpDate([u8; HttpDate::LEN]);

impl HttpDate {
    /// The length of every IMF-fixdate.
    pub const LEN: usize = 29;

    /// The date as text.
    #[must_use]
    pub const fn as_str(&self) -> &str {
        // Always ASCII: every byte comes from a template, a name table or
        // a digit.
        match core::str::from_utf8(&self.0) {
            Ok(s) => s,
            Err(_) => "",
        }
    }

    /// The date as bytes.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; HttpDate::LEN] {
        &self.0
    }
}

impl fmt::Debug for HttpDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("HttpDate").field(&self.as_str()).finish()
    }
}

impl fmt::Display for HttpDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(feature = "defmt")]
#[cfg_attr(docsrs, doc(cfg(feature = "defmt")))]
impl defmt::Format for HttpDate {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "{=str}", self.as_str());
    }
}

/// Writes `unix` (seconds since the epoch, UTC) as an IMF-fixdate.
///
/// Fails with [`DateError::OutOfRange`] past [`MAX_UNIX`].
///
/// ```
/// use tencent_cos_core::{http_date, DateError, HttpDate, MAX_UNIX};
///
/// // Usable in constants.
/// const EPOCH: Result<HttpDate, DateError> = http_date(0);
/// assert_eq!(EPOCH.unwrap().as_str(), "Thu, 01 Jan 1970 00:00:00 GMT");
/// assert_eq!(http_date(MAX_UNIX).unwrap().as_str(), "Fri, 31 Dec 9999 23:59:59 GMT");
/// assert_eq!(http_date(MAX_UNIX + 1), Err(DateError::OutOfRange));
/// ```
pub const fn http_date(unix: u64) -> Result<HttpDate, DateError> {
    if unix > MAX_UNIX {
        return Err(DateError::OutOfRange);
    }
    let (days, secs) = split_days(unix);
    let (year, month, day) = civil_from_days(days);
    let weekday = weekday_of(days);
    let hour = secs / 3600;
    let minute = secs / 60 % 60;
    let second = secs % 60;

    let mut b = *b"Thu, 01 Jan 1970 00:00:00 GMT";
    let w = weekday_name(weekday);
    b[0] = w[0];
    b[1] = w[1];
    b[2] = w[2];
    b[5] = digit(day / 10);
    b[6] = digit(day);
    let m = month_name(month);
    b[8] = m[0];
    b[9] = m[1];
    b[10] = m[2];
    b[12] = digit(year / 1000);
    b[13] = digit(year / 100);
    b[14] = digit(year / 10);
    b[15] = digit(year);
    b[17] = digit(hour / 10);
    b[18] = digit(hour);
    b[20] = digit(minute / 10);
    b[21] = digit(minute);
    b[23] = digit(second / 10);
    b[24] = digit(second);
    Ok(HttpDate(b))
}

/// Reads an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) and nothing else.
///
/// ```
/// use tencent_cos_core::{parse_imf_fixdate, DateError};
///
/// assert_eq!(parse_imf_fixdate("Sun, 06 Nov 1994 08:49:37 GMT"), Ok(784_111_777));
/// assert_eq!(parse_imf_fixdate("Mon, 06 Nov 1994 08:49:37 GMT"), Err(DateError::WeekdayMismatch));
/// assert_eq!(parse_imf_fixdate("Sun Nov  6 08:49:37 1994"), Err(DateError::Length));
/// ```
pub fn parse_imf_fixdate(s: &str) -> Result<u64, DateError> {
    imf_fixdate(s.as_bytes())?.to_unix()
}

/// Reads an HTTP-date in any of its three forms: IMF-fixdate, RFC 850 or
/// asctime.
///
/// RFC 850's two-digit year is read in the fixed window 1970..=2069
/// (`70` is 1970, `69` is 2069), as the `httpdate` crate does; this is
/// RFC 7231's "no more than 50 years in the future" rule for a clock in
/// 2019. [`parse_http_date_at`] applies the rule to a given clock.
///
/// ```
/// use tencent_cos_core::parse_http_date;
///
/// for s in [
///     "Sun, 06 Nov 1994 08:49:37 GMT",
///     "Sunday, 06-Nov-94 08:49:37 GMT",
///     "Sun Nov  6 08:49:37 1994",
/// ] {
///     assert_eq!(parse_http_date(s), Ok(784_111_777));
/// }
/// ```
pub fn parse_http_date(s: &str) -> Result<u64, DateError> {
    http_date_fields(s.as_bytes(), FIXED_PIVOT_YEAR)?.to_unix()
}

/// Like [`parse_http_date`], but an RFC 850 two-digit year is the year
/// with those last two digits in the 100 years from 49 years before the
/// year of `now` to 50 years after it (RFC 7231: a date that seems more
/// than 50 years in the future means the most recent such year in the
/// past). `now` is seconds since the epoch; past [`MAX_UNIX`] it counts as
/// 9999.
///
/// ```
/// use tencent_cos_core::{parse_http_date, parse_http_date_at};
///
/// const JAN_2025: u64 = 1_735_689_600;
/// // The fixed window reads "75" as 1975; seen from 2025 it is 2075
/// // (whose 1 January is a Tuesday, where 1975's was a Wednesday).
/// assert_eq!(parse_http_date("Wednesday, 01-Jan-75 00:00:00 GMT"), Ok(157_766_400));
/// assert_eq!(
///     parse_http_date_at("Tuesday, 01-Jan-75 00:00:00 GMT", JAN_2025),
///     Ok(3_313_526_400)
/// );
/// ```
pub fn parse_http_date_at(s: &str, now: u64) -> Result<u64, DateError> {
    let (now_days, _) = split_days(if now > MAX_UNIX { MAX_UNIX } else { now });
    let (now_year, _, _) = civil_from_days(now_days);
    http_date_fields(s.as_bytes(), now_year)?.to_unix()
}

/// Reads the ISO-8601 date-times COS writes in `LastModified`:
/// `YYYY-MM-DDTHH:MM:SS`, then optionally `.` and 1 to 9 digits (dropped:
/// the result is whole seconds, rounded down), then optionally a zone: `Z`
/// or `+HH:MM` / `-HH:MM`. Without a zone the time is taken as UTC (COS
/// writes GMT). An offset is applied; the date as written must still lie in
/// 1970..=9999 and the instant must not fall before 1970.
///
/// `T` and `Z` are uppercase only; a space instead of `T`, a comma for the
/// fraction, `+HHMM` and week or ordinal dates are refused.
///
/// ```
/// use tencent_cos_core::parse_iso8601;
///
/// assert_eq!(parse_iso8601("2017-09-04T04:45:45"), Ok(1_504_500_345));
/// assert_eq!(parse_iso8601("2017-09-04T04:45:45Z"), Ok(1_504_500_345));
/// assert_eq!(parse_iso8601("2017-09-04T04:45:45.999Z"), Ok(1_504_500_345));
/// assert_eq!(parse_iso8601("2017-09-04T12:45:45+08:00"), Ok(1_504_500_345));
/// ```
pub fn parse_iso8601(s: &str) -> Result<u64, DateError> {
    let Some((head, tail)) = s.as_bytes().split_at_checked(19) else {
        return Err(DateError::Length);
    };
    let &[
        y0,
        y1,
        y2,
        y3,
        d1,
        mo0,
        mo1,
        d2,
        da0,
        da1,
        t,
        h0,
        h1,
        c1,
        mi0,
        mi1,
        c2,
        s0,
        s1,
    ] = head
    else {
        return Err(DateError::Length);
    };
    if d1 != b'-' || d2 != b'-' || t != b'T' || c1 != b':' || c2 != b':' {
        return Err(DateError::Separator);
    }
    let fields = Fields {
        year: num4(y0, y1, y2, y3)?,
        month: num2(mo0, mo1)?,
        month_name: false,
        day: num2(da0, da1)?,
        hour: num2(h0, h1)?,
        minute: num2(mi0, mi1)?,
        second: num2(s0, s1)?,
        weekday: None,
    };
    let zone = match tail {
        [b'.', rest @ ..] => {
            let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
            if digits == 0 || digits > 9 {
                return Err(DateError::Fraction);
            }
            rest.get(digits..).unwrap_or_default()
        }
        _ => tail,
    };
    let local = fields.to_unix()?;
    match *zone {
        [] | [b'Z'] => Ok(local),
        [sign @ (b'+' | b'-'), h0, h1, b':', m0, m1] => {
            let (Ok(h), Ok(m)) = (num2(h0, h1), num2(m0, m1)) else {
                return Err(DateError::Zone);
            };
            if h > 23 || m > 59 {
                return Err(DateError::Zone);
            }
            let offset = u64::from(h * 3600 + m * 60);
            let utc = if sign == b'+' {
                local.checked_sub(offset)
            } else {
                local.checked_add(offset)
            };
            match utc {
                Some(t) if t <= MAX_UNIX => Ok(t),
                _ => Err(DateError::OutOfRange),
            }
        }
        _ => Err(DateError::Zone),
    }
}

const WEEKDAY_ABBR: [[u8; 3]; 7] = [
    *b"Sun", *b"Mon", *b"Tue", *b"Wed", *b"Thu", *b"Fri", *b"Sat",
];
const MONTH_ABBR: [[u8; 3]; 12] = [
    *b"Jan", *b"Feb", *b"Mar", *b"Apr", *b"May", *b"Jun", *b"Jul", *b"Aug", *b"Sep", *b"Oct",
    *b"Nov", *b"Dec",
];

/// The abbreviated name of a weekday, 0 = Sunday.
const fn weekday_name(weekday: u32) -> [u8; 3] {
    match weekday {
        0 => *b"Sun",
        1 => *b"Mon",
        2 => *b"Tue",
        3 => *b"Wed",
        4 => *b"Thu",
        5 => *b"Fri",
        _ => *b"Sat",
    }
}

/// The abbreviated name of a month, 1 = January.
const fn month_name(month: u32) -> [u8; 3] {
    match month {
        1 => *b"Jan",
        2 => *b"Feb",
        3 => *b"Mar",
        4 => *b"Apr",
        5 => *b"May",
        6 => *b"Jun",
        7 => *b"Jul",
        8 => *b"Aug",
        9 => *b"Sep",
        10 => *b"Oct",
        11 => *b"Nov",
        _ => *b"Dec",
    }
}

/// The last decimal digit of `n` as ASCII.
const fn digit(n: u32) -> u8 {
    b'0' + (n % 10) as u8
}

/// Splits an instant no later than [`MAX_UNIX`] into whole days and the
/// seconds of the day. `86400 = 128 * 675` and `MAX_UNIX >> 7` fits in
/// `u32`, so the division is a shift and one 32-bit divide.
const fn split_days(unix: u64) -> (u32, u32) {
    let days = ((unix >> 7) as u32) / 675;
    // days * 86400 <= unix: the seconds of the day, no wrap.
    let secs = unix.wrapping_sub(days as u64 * 86_400) as u32;
    (days, secs)
}

/// Day of the week of a day count, 0 = Sunday (1970-01-01 was a Thursday).
const fn weekday_of(days: u32) -> u32 {
    (days % 7 + 4) % 7
}

/// (year, month, day) of a day count since 1970-01-01, for counts up to
/// 9999-12-31 (Hinnant's `civil_from_days`, era arithmetic kept unsigned by
/// counting from 0000-03-01).
///
/// With `days` at most 2_932_896 (9999-12-31) no step can wrap or go
/// below zero; the wrapping operations only tell overflow-checked builds
/// so (the firmware link check proves there is no panic path).
const fn civil_from_days(days: u32) -> (u32, u32, u32) {
    let z = days.wrapping_add(719_468);
    let era = z / 146_097;
    let doe = z.wrapping_sub(era.wrapping_mul(146_097));
    let yoe = doe
        .wrapping_sub(doe / 1460)
        .wrapping_add(doe / 36_524)
        .wrapping_sub(doe / 146_096)
        / 365;
    let doy = doe.wrapping_sub(
        yoe.wrapping_mul(365)
            .wrapping_add(yoe / 4)
            .wrapping_sub(yoe / 100),
    );
    let mp = doy.wrapping_mul(5).wrapping_add(2) / 153;
    let day = doy
        .wrapping_sub(mp.wrapping_mul(153).wrapping_add(2) / 5)
        .wrapping_add(1);
    let month = if mp < 10 {
        mp.wrapping_add(3)
    } else {
        mp.wrapping_sub(9)
    };
    let year = era
        .wrapping_mul(400)
        .wrapping_add(yoe)
        .wrapping_add((month <= 2) as u32);
    (year, month, day)
}

/// Days since 1970-01-01 of a valid date in 1970..=9999 (Hinnant's
/// `days_from_civil`).
///
/// For such dates no step can wrap or go below zero (see
/// `civil_from_days`).
const fn days_from_civil(year: u32, month: u32, day: u32) -> u32 {
    let y = if month <= 2 {
        year.wrapping_sub(1)
    } else {
        year
    };
    let era = y / 400;
    let yoe = y.wrapping_sub(era.wrapping_mul(400));
    let mp = if month > 2 {
        month.wrapping_sub(3)
    } else {
        month.wrapping_add(9)
    };
    let doy = (mp.wrapping_mul(153).wrapping_add(2) / 5)
        .wrapping_add(day)
        .wrapping_sub(1);
    let doe = yoe
        .wrapping_mul(365)
        .wrapping_add(yoe / 4)
        .wrapping_sub(yoe / 100)
        .wrapping_add(doy);
    era.wrapping_mul(146_097)
        .wrapping_add(doe)
        .wrapping_sub(719_468)
}

const fn is_leap(year: u32) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

const fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A date as read, before validation.
struct Fields {
    year: u32,
    month: u32,
    /// The month came from a name (so it is known to be in 1..=12).
    month_name: bool,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    /// 0 = Sunday, when the form names one.
    weekday: Option<u32>,
}

impl Fields {
    fn to_unix(&self) -> Result<u64, DateError> {
        if !(MIN_YEAR..=MAX_YEAR).contains(&self.year) {
            return Err(DateError::OutOfRange);
        }
        if !(1..=12).contains(&self.month) {
            return Err(if self.month_name {
                DateError::MonthName
            } else {
                DateError::Month
            });
        }
        if self.day == 0 || self.day > days_in_month(self.year, self.month) {
            return Err(DateError::Day);
        }
        if self.hour > 23 {
            return Err(DateError::Hour);
        }
        if self.minute > 59 {
            return Err(DateError::Minute);
        }
        if self.second > 59 {
            return Err(DateError::Second);
        }
        let days = days_from_civil(self.year, self.month, self.day);
        if let Some(w) = self.weekday {
            if w != weekday_of(days) {
                return Err(DateError::WeekdayMismatch);
            }
        }
        // Checked above: hour <= 23, minute and second <= 59, and days is
        // at most 2_932_896; nothing here can wrap.
        let secs = self
            .hour
            .wrapping_mul(3600)
            .wrapping_add(self.minute.wrapping_mul(60))
            .wrapping_add(self.second);
        Ok(u64::from(days)
            .wrapping_mul(86_400)
            .wrapping_add(u64::from(secs)))
    }
}

fn num1(a: u8) -> Result<u32, DateError> {
    if a.is_ascii_digit() {
        Ok(u32::from(a - b'0'))
    } else {
        Err(DateError::Digit)
    }
}

// Digits are at most 9, so these cannot wrap.
fn num2(a: u8, b: u8) -> Result<u32, DateError> {
    Ok(num1(a)?.wrapping_mul(10).wrapping_add(num1(b)?))
}

fn num4(a: u8, b: u8, c: u8, d: u8) -> Result<u32, DateError> {
    Ok(num2(a, b)?.wrapping_mul(100).wrapping_add(num2(c, d)?))
}

fn month_abbr(name: [u8; 3]) -> Result<u32, DateError> {
    match MONTH_ABBR.iter().position(|m| *m == name) {
        Some(i) => Ok(i as u32 + 1),
        None => Err(DateError::MonthName),
    }
}

fn weekday_abbr(name: [u8; 3]) -> Result<u32, DateError> {
    match WEEKDAY_ABBR.iter().position(|w| *w == name) {
        Some(i) => Ok(i as u32),
        None => Err(DateError::WeekdayName),
    }
}

fn weekday_full(name: &[u8]) -> Result<u32, DateError> {
    const NAMES: [&[u8]; 7] = [
        b"Sunday",
        b"Monday",
        b"Tuesday",
        b"Wednesday",
        b"Thursday",
        b"Friday",
        b"Saturday",
    ];
    match NAMES.iter().position(|w| *w == name) {
        Some(i) => Ok(i as u32),
        None => Err(DateError::WeekdayName),
    }
}

/// Picks the form by length: IMF-fixdate is 29 bytes, asctime 24, RFC 850
/// 30 to 33 (`Monday, ` to `Wednesday, ` before 22 fixed bytes).
fn http_date_fields(b: &[u8], pivot_year: u32) -> Result<Fields, DateError> {
    match b.len() {
        29 => imf_fixdate(b),
        24 => asctime(b),
        30..=33 => rfc850(b, pivot_year),
        _ => Err(DateError::Length),
    }
}

/// `Sun, 06 Nov 1994 08:49:37 GMT`
fn imf_fixdate(b: &[u8]) -> Result<Fields, DateError> {
    let &[
        w0,
        w1,
        w2,
        comma,
        sp0,
        d0,
        d1,
        sp1,
        m0,
        m1,
        m2,
        sp2,
        y0,
        y1,
        y2,
        y3,
        sp3,
        h0,
        h1,
        c0,
        n0,
        n1,
        c1,
        s0,
        s1,
        sp4,
        z0,
        z1,
        z2,
    ] = b
    else {
        return Err(DateError::Length);
    };
    let weekday = weekday_abbr([w0, w1, w2])?;
    let seps = [comma, sp0, sp1, sp2, sp3, c0, c1, sp4];
    if seps != *b",    :: " {
        return Err(DateError::Separator);
    }
    if [z0, z1, z2] != *b"GMT" {
        return Err(DateError::Zone);
    }
    Ok(Fields {
        day: num2(d0, d1)?,
        month: month_abbr([m0, m1, m2])?,
        month_name: true,
        year: num4(y0, y1, y2, y3)?,
        hour: num2(h0, h1)?,
        minute: num2(n0, n1)?,
        second: num2(s0, s1)?,
        weekday: Some(weekday),
    })
}

/// `Sunday, 06-Nov-94 08:49:37 GMT`
fn rfc850(b: &[u8], pivot_year: u32) -> Result<Fields, DateError> {
    let name_len = b.iter().position(|&c| c == b',').unwrap_or(b.len());
    let (name, rest) = b.split_at_checked(name_len).unwrap_or((b, &[]));
    // Only a word of a weekday name's length makes this an RFC 850 date
    // with a wrong name; anything else has just the wrong length (such as
    // an IMF-fixdate with a byte too many).
    if !(6..=9).contains(&name.len()) || !name.iter().all(u8::is_ascii_alphabetic) {
        return Err(DateError::Length);
    }
    let weekday = weekday_full(name)?;
    let &[
        comma,
        sp0,
        d0,
        d1,
        dash0,
        m0,
        m1,
        m2,
        dash1,
        y0,
        y1,
        sp1,
        h0,
        h1,
        c0,
        n0,
        n1,
        c1,
        s0,
        s1,
        sp2,
        z0,
        z1,
        z2,
    ] = rest
    else {
        return Err(DateError::Length);
    };
    let seps = [comma, sp0, dash0, dash1, sp1, c0, c1, sp2];
    if seps != *b", -- :: " {
        return Err(DateError::Separator);
    }
    if [z0, z1, z2] != *b"GMT" {
        return Err(DateError::Zone);
    }
    Ok(Fields {
        day: num2(d0, d1)?,
        month: month_abbr([m0, m1, m2])?,
        month_name: true,
        year: two_digit_year(num2(y0, y1)?, pivot_year),
        hour: num2(h0, h1)?,
        minute: num2(n0, n1)?,
        second: num2(s0, s1)?,
        weekday: Some(weekday),
    })
}

/// The year ending in `yy` (0..=99) within `pivot - 49 ..= pivot + 50`.
///
/// `pivot` is a year (at most 9999) and `yy` at most 99: nothing wraps.
fn two_digit_year(yy: u32, pivot: u32) -> u32 {
    let candidate = pivot.wrapping_sub(pivot % 100).wrapping_add(yy);
    if candidate > pivot.wrapping_add(50) {
        candidate.saturating_sub(100)
    } else if candidate.wrapping_add(49) < pivot {
        candidate.wrapping_add(100)
    } else {
        candidate
    }
}

/// `Sun Nov  6 08:49:37 1994` (the day may also be two digits, `06`).
fn asctime(b: &[u8]) -> Result<Fields, DateError> {
    let &[
        w0,
        w1,
        w2,
        sp0,
        m0,
        m1,
        m2,
        sp1,
        d0,
        d1,
        sp2,
        h0,
        h1,
        c0,
        n0,
        n1,
        c1,
        s0,
        s1,
        sp3,
        y0,
        y1,
        y2,
        y3,
    ] = b
    else {
        return Err(DateError::Length);
    };
    let weekday = weekday_abbr([w0, w1, w2])?;
    let seps = [sp0, sp1, sp2, c0, c1, sp3];
    if seps != *b"   :: " {
        return Err(DateError::Separator);
    }
    Ok(Fields {
        month: month_abbr([m0, m1, m2])?,
        month_name: true,
        day: if d0 == b' ' { num1(d1)? } else { num2(d0, d1)? },
        hour: num2(h0, h1)?,
        minute: num2(n0, n1)?,
        second: num2(s0, s1)?,
        year: num4(y0, y1, y2, y3)?,
        weekday: Some(weekday),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Known instants, each checked against an independent source
    /// (`date -u -d @N`).
    const KNOWN: &[(u64, &str)] = &[
        (0, "Thu, 01 Jan 1970 00:00:00 GMT"),
        (784_111_777, "Sun, 06 Nov 1994 08:49:37 GMT"),
        (951_782_400, "Tue, 29 Feb 2000 00:00:00 GMT"),
        (1_504_500_345, "Mon, 04 Sep 2017 04:45:45 GMT"),
        (1_615_113_257, "Sun, 07 Mar 2021 10:34:17 GMT"),
        (2_147_483_647, "Tue, 19 Jan 2038 03:14:07 GMT"),
        (4_107_542_399, "Sun, 28 Feb 2100 23:59:59 GMT"),
        (4_107_542_400, "Mon, 01 Mar 2100 00:00:00 GMT"),
        (MAX_UNIX, "Fri, 31 Dec 9999 23:59:59 GMT"),
    ];

    #[test]
    fn formats_known_instants() {
        for &(t, s) in KNOWN {
            assert_eq!(http_date(t).unwrap().as_str(), s, "{t}");
            assert_eq!(http_date(t).unwrap().to_string(), s);
            assert_eq!(parse_imf_fixdate(s), Ok(t), "{s}");
            assert_eq!(parse_http_date(s), Ok(t), "{s}");
        }
    }

    #[test]
    fn refuses_instants_past_9999() {
        assert_eq!(http_date(MAX_UNIX + 1), Err(DateError::OutOfRange));
        assert_eq!(http_date(u64::MAX), Err(DateError::OutOfRange));
    }

    #[test]
    fn split_days_matches_plain_division() {
        for t in [
            0,
            86_399,
            86_400,
            86_401,
            1_504_500_345,
            MAX_UNIX - 86_400,
            MAX_UNIX,
        ] {
            let (d, s) = split_days(t);
            assert_eq!(
                (u64::from(d), u64::from(s)),
                (t / 86_400, t % 86_400),
                "{t}"
            );
        }
    }

    #[test]
    fn civil_round_trip_every_day() {
        let mut expected = (1970, 1, 1);
        let (last, _) = split_days(MAX_UNIX);
        for d in 0..=last {
            let c = civil_from_days(d);
            assert_eq!(c, expected, "day {d}");
            assert_eq!(days_from_civil(c.0, c.1, c.2), d);
            let (y, m, dd) = expected;
            expected = if dd < days_in_month(y, m) {
                (y, m, dd + 1)
            } else if m < 12 {
                (y, m + 1, 1)
            } else {
                (y + 1, 1, 1)
            };
        }
        assert_eq!(expected, (10_000, 1, 1));
    }

    #[test]
    fn obsolete_forms() {
        let t = 784_111_777;
        assert_eq!(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), Ok(t));
        assert_eq!(parse_http_date("Sun Nov  6 08:49:37 1994"), Ok(t));
        assert_eq!(parse_http_date("Sun Nov 06 08:49:37 1994"), Ok(t));
        assert_eq!(
            parse_http_date("Wednesday, 09-Nov-22 00:00:00 GMT"),
            Ok(1_667_952_000)
        );
        // The obsolete forms are not IMF-fixdate.
        assert_eq!(
            parse_imf_fixdate("Sunday, 06-Nov-94 08:49:37 GMT"),
            Err(DateError::Length)
        );
    }

    #[test]
    fn two_digit_years() {
        assert_eq!(two_digit_year(70, FIXED_PIVOT_YEAR), 1970);
        assert_eq!(two_digit_year(99, FIXED_PIVOT_YEAR), 1999);
        assert_eq!(two_digit_year(0, FIXED_PIVOT_YEAR), 2000);
        assert_eq!(two_digit_year(69, FIXED_PIVOT_YEAR), 2069);
        assert_eq!(two_digit_year(75, 2025), 2075);
        assert_eq!(two_digit_year(76, 2025), 1976);
        assert_eq!(two_digit_year(20, 1970), 2020);
        assert_eq!(two_digit_year(19, 1970), 2019);
        assert_eq!(two_digit_year(21, 1970), 1921);
        assert_eq!(two_digit_year(50, 9999), 9950);
        assert_eq!(two_digit_year(49, 9999), 10_049);
        // 2049 seen from 1970 is out of the window, so 1949: out of range.
        assert_eq!(
            parse_http_date_at("Thursday, 01-Jan-49 00:00:00 GMT", 0),
            Err(DateError::OutOfRange)
        );
        assert_eq!(
            parse_http_date_at("Friday, 01-Jan-49 00:00:00 GMT", 1_735_689_600),
            Ok(2_493_072_000)
        );
        assert_eq!(
            parse_http_date_at("Friday, 01-Jan-49 00:00:00 GMT", u64::MAX),
            Err(DateError::OutOfRange)
        );
    }

    #[test]
    fn refuses_impossible_dates() {
        let cases = [
            ("Sat, 30 Feb 2019 00:00:00 GMT", DateError::Day),
            ("Fri, 29 Feb 2019 00:00:00 GMT", DateError::Day),
            ("Thu, 29 Feb 2100 00:00:00 GMT", DateError::Day),
            ("Wed, 29 Feb 2000 00:00:00 GMT", DateError::WeekdayMismatch),
            ("Thu, 00 Jan 1970 00:00:00 GMT", DateError::Day),
            ("Thu, 31 Apr 2020 00:00:00 GMT", DateError::Day),
            ("Thu, 01 Jan 1970 24:00:00 GMT", DateError::Hour),
            ("Thu, 01 Jan 1970 00:60:00 GMT", DateError::Minute),
            ("Thu, 01 Jan 1970 00:00:60 GMT", DateError::Second),
            ("Wed, 31 Dec 1969 23:59:59 GMT", DateError::OutOfRange),
            ("Sat, 01 Jan 0000 00:00:00 GMT", DateError::OutOfRange),
            ("Fri, 06 Nov 1994 08:49:37 GMT", DateError::WeekdayMismatch),
            ("sun, 06 Nov 1994 08:49:37 GMT", DateError::WeekdayName),
            ("Sun, 06 nov 1994 08:49:37 GMT", DateError::MonthName),
            ("Sun, 06 Nov 1994 08:49:37 UTC", DateError::Zone),
            ("Sun, 06 Nov 1994 08:49:37 gmt", DateError::Zone),
            ("Sun, 06-Nov-1994 08:49:37 GMT", DateError::Separator),
            ("Sun, 06 Nov 1994 08.49.37 GMT", DateError::Separator),
            ("Sun,  6 Nov 1994 08:49:37 GMT", DateError::Digit),
            ("Sun, 06 Nov 1994 8:49:37  GMT", DateError::Separator),
            ("Sun, 06 Nov +994 08:49:37 GMT", DateError::Digit),
            ("Sun, 06 Nov 1994 08:49:37 GMT ", DateError::Length),
            (" Sun, 06 Nov 1994 08:49:37 GMT", DateError::Length),
            ("Sun, 06 Nov 1994 08:49:37", DateError::Length),
            ("", DateError::Length),
            ("Sunday, 06-Nov-94 08:49:37 UTC", DateError::Zone),
            ("Sonday, 06-Nov-94 08:49:37 GMT", DateError::WeekdayName),
            ("Sunday, 06 Nov 94 08:49:37 GMT", DateError::Separator),
            ("Monday, 06-Nov-94 08:49:37 GMT", DateError::WeekdayMismatch),
            ("Sundays 06-Nov-94 08:49:37 GMT", DateError::Length),
            ("Sun Nov  6 08:49:37 1969", DateError::OutOfRange),
            ("Sun Nov  0 08:49:37 1994", DateError::Day),
            ("Sun Nov 6  08:49:37 1994", DateError::Digit),
            ("Sun Nov   6 8:49:37 1994", DateError::Separator),
            ("Sun, Nov 06 08:49:37 1994", DateError::Length),
        ];
        for (s, e) in cases {
            assert_eq!(parse_http_date(s), Err(e), "{s:?}");
        }
        // Non-ASCII of a right length is refused, not sliced.
        assert_eq!(
            parse_http_date("Sün, 06 Nov 1994 08:49:37 GMT"),
            Err(DateError::Length)
        );
        assert_eq!(
            parse_http_date("Sün Nov  6 08:49:37 1994"),
            Err(DateError::Length)
        );
    }

    #[test]
    fn iso8601_forms() {
        let t = 1_504_500_345;
        for s in [
            "2017-09-04T04:45:45",
            "2017-09-04T04:45:45Z",
            "2017-09-04T04:45:45.000Z",
            "2017-09-04T04:45:45.9Z",
            "2017-09-04T04:45:45.999999999Z",
            "2017-09-04T04:45:45.123",
            "2017-09-04T04:45:45+00:00",
            "2017-09-04T04:45:45-00:00",
            "2017-09-04T12:45:45+08:00",
            "2017-09-03T23:15:45-05:30",
        ] {
            assert_eq!(parse_iso8601(s), Ok(t), "{s}");
        }
        assert_eq!(parse_iso8601("1970-01-01T00:00:00Z"), Ok(0));
        assert_eq!(parse_iso8601("9999-12-31T23:59:59.999Z"), Ok(MAX_UNIX));
        assert_eq!(parse_iso8601("2000-02-29T00:00:00Z"), Ok(951_782_400));
    }

    #[test]
    fn iso8601_refusals() {
        let cases = [
            ("", DateError::Length),
            ("2017-09-04T04:45", DateError::Length),
            ("2017-09-04 04:45:45Z", DateError::Separator),
            ("2017-09-04t04:45:45Z", DateError::Separator),
            ("2017/09/04T04:45:45Z", DateError::Separator),
            ("2017-9-04T04:45:45Z0", DateError::Separator),
            ("2017-09-04T04:45:45z", DateError::Zone),
            ("2017-09-04T04:45:45 Z", DateError::Zone),
            ("2017-09-04T04:45:45+0800", DateError::Zone),
            ("2017-09-04T04:45:45+24:00", DateError::Zone),
            ("2017-09-04T04:45:45+08:60", DateError::Zone),
            ("2017-09-04T04:45:45+8:00", DateError::Zone),
            ("2017-09-04T04:45:45GMT", DateError::Zone),
            ("2017-09-04T04:45:45.Z", DateError::Fraction),
            ("2017-09-04T04:45:45.", DateError::Fraction),
            ("2017-09-04T04:45:45.1234567890Z", DateError::Fraction),
            ("2017-09-04T04:45:45,000Z", DateError::Zone),
            ("2017-13-04T04:45:45Z", DateError::Month),
            ("2017-00-04T04:45:45Z", DateError::Month),
            ("2017-02-29T04:45:45Z", DateError::Day),
            ("2017-09-31T04:45:45Z", DateError::Day),
            ("2017-09-04T24:00:00Z", DateError::Hour),
            ("2017-09-04T04:60:45Z", DateError::Minute),
            ("2017-09-04T04:45:60Z", DateError::Second),
            ("1969-12-31T23:59:59Z", DateError::OutOfRange),
            ("1970-01-01T00:00:00+00:01", DateError::OutOfRange),
            ("9999-12-31T23:59:59-00:01", DateError::OutOfRange),
            ("+017-09-04T04:45:45Z", DateError::Digit),
            ("2017-09-04T04:45:4xZ", DateError::Digit),
        ];
        for (s, e) in cases {
            assert_eq!(parse_iso8601(s), Err(e), "{s:?}");
        }
    }

    #[test]
    fn error_display_names_the_problem() {
        assert_eq!(
            DateError::WeekdayMismatch.to_string(),
            "date's weekday does not match its day"
        );
        assert_eq!(
            format!("{:?}", http_date(0).unwrap()),
            "HttpDate(\"Thu, 01 Jan 1970 00:00:00 GMT\")"
        );
    }
}
