// The documentation of this module is on [`ByteRange`]: the module is private.

use core::fmt;
use core::str::FromStr;

use crate::sink::{self, Output, OutputError, Sink};

/// The header's name.
pub const HEADER: &str = "x-cos-copy-source-range";

/// Why a byte range could not be made or read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum RangeError {
    /// `first` is greater than `last`.
    Reversed,
    /// A length of zero: a copied part holds at least one byte.
    Empty,
    /// A number does not fit in a `u64`, `offset + length` overflows, or
    /// `last` is `u64::MAX` (the end, `last + 1`, must fit in a `u64`).
    Overflow,
    /// The value does not start with `bytes=` (lowercase).
    Unit,
    /// The value holds more than one range (a `,`).
    MultipleRanges,
    /// There is no `-` between the two ends.
    MissingDash,
    /// An end is missing (`bytes=5-` or `bytes=-5`): open ranges are not
    /// accepted by UploadPartCopy.
    OpenEnded,
    /// A byte that is not a decimal digit where a number belongs (a sign,
    /// whitespace, a second `-`, ...).
    NotDigit,
    /// A number has a leading zero (`bytes=01-9`).
    LeadingZero,
}

impl fmt::Display for RangeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Reversed => "byte range starts after its last byte",
            Self::Empty => "byte range is empty",
            Self::Overflow => "byte range does not fit in 64 bits",
            Self::Unit => "byte range does not start with 'bytes='",
            Self::MultipleRanges => "more than one byte range",
            Self::MissingDash => "byte range has no '-'",
            Self::OpenEnded => "byte range is open-ended",
            Self::NotDigit => "byte range has a non-digit in a number",
            Self::LeadingZero => "byte range has a number with a leading zero",
        })
    }
}

impl core::error::Error for RangeError {}

/// Bytes `first..=last` of the source object.
///
/// The byte range of a part copy: the `x-cos-copy-source-range` header,
/// `bytes=first-last` (zero-based, inclusive).
///
/// A [`ByteRange`] is never empty and never reversed, and its end
/// (`last + 1`) and length always fit in a `u64`. Its header value is
/// written without `core::fmt` or 64-bit division (digits come from
/// subtracting powers of ten) and is at most [`ByteRange::MAX_VALUE_LEN`]
/// (47) bytes, so [`ByteRange::value`] can return it by value in a fixed
/// array, in a `const` too.
///
/// Reading is strict: the unit is `bytes` in lowercase, exactly one range,
/// both ends present, plain decimal digits with no sign, no whitespace and
/// no leading zeros (`0` itself is fine). RFC 7233 allows leading zeros;
/// they are refused here so that every accepted value is the one
/// [`ByteRange::value`] would write.
///
/// # Example
///
/// ```
/// use tencent_cos_core::ByteRange;
///
/// // The second 5 MiB of an object.
/// let r = ByteRange::from_offset_len(5 << 20, 5 << 20).unwrap();
/// assert_eq!((r.first(), r.last(), r.len()), (5_242_880, 10_485_759, 5_242_880));
/// assert_eq!(ByteRange::HEADER, "x-cos-copy-source-range");
/// assert_eq!(r.value().as_str(), "bytes=5242880-10485759");
/// assert_eq!(ByteRange::parse("bytes=5242880-10485759"), Ok(r));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ByteRange {
    first: u64,
    last: u64,
}

// A byte range is never empty, so an `is_empty` could only return `false`.
#[allow(clippy::len_without_is_empty)]
impl ByteRange {
    /// The longest header value: `bytes=` and two 20-digit numbers.
    pub const MAX_VALUE_LEN: usize = 47;

    /// The header's name, `x-cos-copy-source-range`.
    pub const HEADER: &'static str = HEADER;

    /// Bytes `first..=last`.
    ///
    /// ```
    /// use tencent_cos_core::{ByteRange, RangeError};
    ///
    /// assert_eq!(ByteRange::new(0, 9).unwrap().len(), 10);
    /// assert_eq!(ByteRange::new(7, 7).unwrap().len(), 1);
    /// assert_eq!(ByteRange::new(9, 0), Err(RangeError::Reversed));
    /// assert_eq!(ByteRange::new(0, u64::MAX), Err(RangeError::Overflow));
    /// ```
    pub const fn new(first: u64, last: u64) -> Result<Self, RangeError> {
        if first > last {
            Err(RangeError::Reversed)
        } else if last == u64::MAX {
            Err(RangeError::Overflow)
        } else {
            Ok(Self { first, last })
        }
    }

    /// `len` bytes from `offset`.
    ///
    /// ```
    /// use tencent_cos_core::{ByteRange, RangeError};
    ///
    /// assert_eq!(ByteRange::from_offset_len(10, 91), ByteRange::new(10, 100));
    /// assert_eq!(ByteRange::from_offset_len(10, 0), Err(RangeError::Empty));
    /// assert_eq!(ByteRange::from_offset_len(u64::MAX, 1), Err(RangeError::Overflow));
    /// ```
    pub const fn from_offset_len(offset: u64, len: u64) -> Result<Self, RangeError> {
        if len == 0 {
            return Err(RangeError::Empty);
        }
        match offset.checked_add(len - 1) {
            Some(last) => Self::new(offset, last),
            None => Err(RangeError::Overflow),
        }
    }

    /// The first byte's offset.
    #[must_use]
    pub const fn first(&self) -> u64 {
        self.first
    }

    /// The last byte's offset (inclusive).
    #[must_use]
    pub const fn last(&self) -> u64 {
        self.last
    }

    /// The offset just past the last byte (`last + 1`).
    #[must_use]
    pub const fn end(&self) -> u64 {
        self.last + 1
    }

    /// The number of bytes, at least 1.
    #[must_use]
    pub const fn len(&self) -> u64 {
        // first <= last < u64::MAX: cannot wrap.
        self.last.wrapping_sub(self.first).wrapping_add(1)
    }

    /// The header value `bytes=first-last`, in a fixed array; it is an
    /// [`Output`](crate::Output).
    pub const fn value(&self) -> RangeValue {
        let mut buf = *b"bytes=00000000000000000000-00000000000000000000";
        let mut at = 6;
        at = sink::put_decimal(&mut buf, at, self.first);
        if at < buf.len() {
            buf[at] = b'-';
        }
        at = sink::put_decimal(&mut buf, at.saturating_add(1), self.last);
        RangeValue { buf, len: at as u8 }
    }

    /// Reads a header value, strictly (see [`ByteRange`]).
    ///
    /// ```
    /// use tencent_cos_core::{ByteRange, RangeError};
    ///
    /// assert_eq!(ByteRange::parse("bytes=0-9"), ByteRange::new(0, 9));
    /// assert_eq!(ByteRange::parse("bytes=5-"), Err(RangeError::OpenEnded));
    /// assert_eq!(ByteRange::parse("bytes=0-1,4-5"), Err(RangeError::MultipleRanges));
    /// assert_eq!(ByteRange::parse("items=0-9"), Err(RangeError::Unit));
    /// ```
    pub fn parse(s: &str) -> Result<Self, RangeError> {
        let spec = s.strip_prefix("bytes=").ok_or(RangeError::Unit)?;
        if spec.contains(',') {
            return Err(RangeError::MultipleRanges);
        }
        let (first, last) = crate::bytes::split_once(spec, b'-').ok_or(RangeError::MissingDash)?;
        if first.is_empty() || last.is_empty() {
            return Err(RangeError::OpenEnded);
        }
        Self::new(parse_number(first)?, parse_number(last)?)
    }
}

impl FromStr for ByteRange {
    type Err = RangeError;

    fn from_str(s: &str) -> Result<Self, RangeError> {
        Self::parse(s)
    }
}

impl fmt::Display for ByteRange {
    /// The header value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.value().as_str())
    }
}

/// A formatted `bytes=first-last` value (at most 47 ASCII bytes).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[must_use]
pub struct RangeValue {
    buf: [u8; ByteRange::MAX_VALUE_LEN],
    len: u8,
}

impl RangeValue {
    /// The value as text.
    #[must_use]
    pub const fn as_str(&self) -> &str {
        // Always ASCII: a template and decimal digits.
        match core::str::from_utf8(self.as_bytes()) {
            Ok(s) => s,
            Err(_) => "",
        }
    }

    /// The value as bytes.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8] {
        match self.buf.split_at_checked(self.len as usize) {
            Some((head, _)) => head,
            None => &self.buf,
        }
    }
}

impl sink::Emit for RangeValue {
    fn emit(&self, out: &mut dyn Sink) -> Result<(), OutputError> {
        out.put(self.as_bytes())
    }
}

impl Output for RangeValue {
    fn len(&self) -> usize {
        usize::from(self.len)
    }
}

impl fmt::Debug for RangeValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RangeValue").field(&self.as_str()).finish()
    }
}

impl fmt::Display for RangeValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(feature = "defmt")]
#[cfg_attr(docsrs, doc(cfg(feature = "defmt")))]
impl defmt::Format for RangeValue {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "{=str}", self.as_str());
    }
}

/// A decimal number with no sign, no leading zero and at least one digit.
fn parse_number(s: &str) -> Result<u64, RangeError> {
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(RangeError::NotDigit);
    }
    if s.len() > 1 && s.starts_with('0') {
        return Err(RangeError::LeadingZero);
    }
    crate::credentials::parse_u64(s).ok_or(RangeError::Overflow)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_page_example() {
        let r = ByteRange::parse("bytes=10-100").unwrap();
        assert_eq!((r.first(), r.last(), r.end(), r.len()), (10, 100, 101, 91));
        let r = ByteRange::parse("bytes=0-9").unwrap();
        assert_eq!(r.len(), 10);
    }

    #[test]
    fn extremes() {
        let widest = ByteRange::new(0, u64::MAX - 1).unwrap();
        assert_eq!(widest.len(), u64::MAX);
        assert_eq!(widest.end(), u64::MAX);
        let top = ByteRange::new(u64::MAX - 1, u64::MAX - 1).unwrap();
        let v = top.value();
        assert_eq!(
            v.as_str(),
            "bytes=18446744073709551614-18446744073709551614"
        );
        assert_eq!(v.as_str().len(), top.value().len());
        let big = ByteRange::new(10_000_000_000_000_000_000, u64::MAX - 1).unwrap();
        assert_eq!(big.value().as_str().len(), ByteRange::MAX_VALUE_LEN);
        assert_eq!(big.value().len(), ByteRange::MAX_VALUE_LEN);
        assert_eq!(ByteRange::from_offset_len(0, u64::MAX), Ok(widest));
        assert_eq!(
            ByteRange::from_offset_len(1, u64::MAX),
            Err(RangeError::Overflow)
        );
        assert_eq!(ByteRange::from_offset_len(u64::MAX - 1, 1), Ok(top));
        assert_eq!(
            ByteRange::from_offset_len(u64::MAX - 1, 2),
            Err(RangeError::Overflow)
        );
        assert_eq!(
            ByteRange::new(u64::MAX, u64::MAX),
            Err(RangeError::Overflow)
        );
    }

    #[test]
    fn writes_every_way() {
        let r = ByteRange::new(0, 0).unwrap();
        assert_eq!(r.value().as_str(), "bytes=0-0");
        assert_eq!(r.value().len(), 9);
        assert_eq!(r.to_string(), "bytes=0-0");
        let r = ByteRange::new(1_048_576, 2_097_151).unwrap();
        let mut s = String::new();
        r.value().write_to(&mut s).unwrap();
        assert_eq!(s, "bytes=1048576-2097151");
        let mut buf = [0u8; 21];
        assert_eq!(r.value().to_slice(&mut buf), Ok("bytes=1048576-2097151"));
        let mut small = [0u8; 20];
        assert_eq!(
            r.value().to_slice(&mut small),
            Err(OutputError::BufferTooSmall { needed: 21 })
        );
        assert_eq!(
            format!("{:?}", r.value()),
            "RangeValue(\"bytes=1048576-2097151\")"
        );
    }

    #[test]
    fn value_len_is_exact() {
        let mut n = 1u64;
        for _ in 0..20 {
            for v in [n - 1, n, n.saturating_mul(3)] {
                let v = v.min(u64::MAX - 1);
                let r = ByteRange::new(v, v).unwrap();
                assert_eq!(r.value().len(), format!("bytes={v}-{v}").len(), "{v}");
                assert_eq!(r.value().as_str(), format!("bytes={v}-{v}"));
            }
            n = n.saturating_mul(10);
        }
    }

    #[test]
    fn refuses_what_is_not_one_closed_range() {
        let cases = [
            ("", RangeError::Unit),
            ("0-9", RangeError::Unit),
            ("Bytes=0-9", RangeError::Unit),
            ("bytes =0-9", RangeError::Unit),
            (" bytes=0-9", RangeError::Unit),
            ("bytes=", RangeError::MissingDash),
            ("bytes=9", RangeError::MissingDash),
            ("bytes=5-", RangeError::OpenEnded),
            ("bytes=-5", RangeError::OpenEnded),
            ("bytes=-", RangeError::OpenEnded),
            ("bytes=0-1,2-3", RangeError::MultipleRanges),
            ("bytes=0-1,", RangeError::MultipleRanges),
            ("bytes=+5-9", RangeError::NotDigit),
            ("bytes=5-+9", RangeError::NotDigit),
            ("bytes=5--9", RangeError::NotDigit),
            ("bytes=5-9-", RangeError::NotDigit),
            ("bytes= 5-9", RangeError::NotDigit),
            ("bytes=5-9 ", RangeError::NotDigit),
            ("bytes=5 -9", RangeError::NotDigit),
            ("bytes=0x5-9", RangeError::NotDigit),
            ("bytes=５-9", RangeError::NotDigit),
            ("bytes=00-9", RangeError::LeadingZero),
            ("bytes=0-09", RangeError::LeadingZero),
            ("bytes=9-5", RangeError::Reversed),
            ("bytes=0-18446744073709551615", RangeError::Overflow),
            ("bytes=0-18446744073709551616", RangeError::Overflow),
            ("bytes=0-99999999999999999999999", RangeError::Overflow),
        ];
        for (s, e) in cases {
            assert_eq!(ByteRange::parse(s), Err(e), "{s:?}");
            assert_eq!(s.parse::<ByteRange>(), Err(e));
        }
        assert_eq!(
            ByteRange::parse("bytes=0-18446744073709551614"),
            ByteRange::new(0, u64::MAX - 1)
        );
    }

    #[test]
    fn const_use() {
        const R: Result<ByteRange, RangeError> = ByteRange::from_offset_len(100, 50);
        const V: RangeValue = match R {
            Ok(r) => r.value(),
            Err(_) => ByteRange { first: 0, last: 0 }.value(),
        };
        assert_eq!(V.as_str(), "bytes=100-149");
    }

    proptest::proptest! {
        #[test]
        fn round_trip(a in proptest::num::u64::ANY, b in proptest::num::u64::ANY) {
            let (first, last) = (a.min(b), a.max(b));
            match ByteRange::new(first, last) {
                Ok(r) => {
                    let v = r.value();
                    proptest::prop_assert_eq!(v.as_str(), format!("bytes={first}-{last}"));
                    proptest::prop_assert_eq!(v.len(), format!("bytes={first}-{last}").len());
                    proptest::prop_assert_eq!(ByteRange::parse(v.as_str()), Ok(r));
                    proptest::prop_assert_eq!(r.len(), last - first + 1);
                }
                Err(e) => {
                    proptest::prop_assert_eq!(last, u64::MAX);
                    proptest::prop_assert_eq!(e, RangeError::Overflow);
                }
            }
        }

        #[test]
        fn parse_never_panics_and_accepts_only_canonical(s in "(bytes=)?[0-9+, -]{0,30}") {
            if let Ok(r) = ByteRange::parse(&s) {
                let v = r.value();
                proptest::prop_assert_eq!(v.as_str(), s.as_str());
            }
        }
    }
}
