// The documentation of this module is on [`CopyCondition`]: the module is private.

use core::fmt;

use crate::date::{self, DateError, HttpDate};

/// One of the four conditional copy headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ConditionHeader {
    /// `x-cos-copy-source-If-Modified-Since`: copy if the source changed
    /// after the date.
    IfModifiedSince,
    /// `x-cos-copy-source-If-Unmodified-Since`: copy if the source did not
    /// change after the date.
    IfUnmodifiedSince,
    /// `x-cos-copy-source-If-Match`: copy if the source's ETag is this one.
    IfMatch,
    /// `x-cos-copy-source-If-None-Match`: copy if the source's ETag is not
    /// this one.
    IfNoneMatch,
}

impl ConditionHeader {
    /// All four, in the order of the variants.
    pub const ALL: [Self; 4] = [
        Self::IfModifiedSince,
        Self::IfUnmodifiedSince,
        Self::IfMatch,
        Self::IfNoneMatch,
    ];

    /// The header's name, spelled as COS documents it.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::IfModifiedSince => "x-cos-copy-source-If-Modified-Since",
            Self::IfUnmodifiedSince => "x-cos-copy-source-If-Unmodified-Since",
            Self::IfMatch => "x-cos-copy-source-If-Match",
            Self::IfNoneMatch => "x-cos-copy-source-If-None-Match",
        }
    }

    /// The header a name stands for, compared case-insensitively (HTTP
    /// header names are); `None` for any other name.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|h| h.name().eq_ignore_ascii_case(name))
    }

    const fn index(self) -> usize {
        match self {
            Self::IfModifiedSince => 0,
            Self::IfUnmodifiedSince => 1,
            Self::IfMatch => 2,
            Self::IfNoneMatch => 3,
        }
    }
}

/// Why a value is not an entity-tag this crate accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ETagError {
    /// The value is empty.
    Empty,
    /// The value is `*` ("any entity"), which the copy conditions do not
    /// take here: name the source's ETag.
    Wildcard,
    /// The value is not enclosed in double quotes (after an optional `W/`).
    Unquoted,
    /// A byte between the quotes is not allowed in an entity-tag: a
    /// control byte, a space, a `"` (so also a list such as `"a", "b"`),
    /// DEL, or a byte above 0x7F.
    InvalidByte,
}

impl fmt::Display for ETagError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Empty => "entity-tag is empty",
            Self::Wildcard => "entity-tag '*' is not accepted; name the ETag",
            Self::Unquoted => "entity-tag is not in double quotes",
            Self::InvalidByte => "entity-tag holds a byte not allowed between its quotes",
        })
    }
}

impl core::error::Error for ETagError {}

/// A single entity-tag as HTTP writes it, quotes included:
/// `"ba82b57cfdfda8bd17ad4e5879ebb4fe"`, `"aa259a62513358f69e98e72e59856d88-3"`,
/// or a weak `W/"..."`.
///
/// Between the quotes: the visible ASCII bytes except `"` (RFC 7232's
/// `etagc` without `obs-text`; bytes above 0x7F are refused). The `W/`
/// prefix is uppercase. COS's ETags are always strong.
///
/// ```
/// use tencent_cos_core::ETag;
///
/// let etag = ETag::new("\"ba82b57cfdfda8bd17ad4e5879ebb4fe\"")?;
/// assert_eq!(etag.opaque(), "ba82b57cfdfda8bd17ad4e5879ebb4fe");
/// assert!(!etag.is_weak());
/// assert!(etag.strong_eq(&ETag::new("\"ba82b57cfdfda8bd17ad4e5879ebb4fe\"")?));
/// assert!(ETag::new("ba82b57c").is_err()); // the quotes are part of it
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ETag<'a> {
    text: &'a str,
}

impl<'a> ETag<'a> {
    /// Checks and wraps an entity-tag.
    ///
    /// ```
    /// use tencent_cos_core::{ETag, ETagError};
    ///
    /// let e = ETag::new("\"aa259a62513358f69e98e72e59856d88-3\"").unwrap();
    /// assert_eq!(e.opaque(), "aa259a62513358f69e98e72e59856d88-3");
    /// assert!(ETag::new("W/\"v1\"").unwrap().is_weak());
    /// assert_eq!(ETag::new("ba82b57c"), Err(ETagError::Unquoted));
    /// assert_eq!(ETag::new("\"a b\""), Err(ETagError::InvalidByte));
    /// ```
    pub const fn new(s: &'a str) -> Result<Self, ETagError> {
        let b = s.as_bytes();
        let quoted = match b {
            [] => return Err(ETagError::Empty),
            [b'W', b'/', rest @ ..] => rest,
            _ => b,
        };
        match quoted {
            [b'*'] => Err(ETagError::Wildcard),
            [b'"', inner @ .., b'"'] => {
                let mut rest = inner;
                while let [c, tail @ ..] = rest {
                    if !is_etagc(*c) {
                        return Err(ETagError::InvalidByte);
                    }
                    rest = tail;
                }
                Ok(Self { text: s })
            }
            _ => Err(ETagError::Unquoted),
        }
    }

    /// The entity-tag as written, with `W/` if weak and the quotes.
    #[must_use]
    pub const fn as_str(&self) -> &'a str {
        self.text
    }

    /// Whether it has the `W/` prefix.
    #[must_use]
    pub const fn is_weak(&self) -> bool {
        matches!(self.text.as_bytes(), [b'W', b'/', ..])
    }

    /// The part between the quotes.
    #[must_use]
    pub const fn opaque(&self) -> &'a str {
        match self.text.as_bytes() {
            [b'W', b'/', b'"', inner @ .., b'"'] | [b'"', inner @ .., b'"'] => {
                match core::str::from_utf8(inner) {
                    Ok(s) => s,
                    Err(_) => "",
                }
            }
            _ => "",
        }
    }

    /// RFC 7232 strong comparison: both strong and the same opaque tag.
    #[must_use]
    pub fn strong_eq(&self, other: &ETag<'_>) -> bool {
        !self.is_weak() && !other.is_weak() && self.opaque() == other.opaque()
    }

    /// RFC 7232 weak comparison: the same opaque tag, weak or not.
    #[must_use]
    pub fn weak_eq(&self, other: &ETag<'_>) -> bool {
        self.opaque() == other.opaque()
    }
}

impl fmt::Display for ETag<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text)
    }
}

/// `etagc` of RFC 7232 without `obs-text`.
const fn is_etagc(b: u8) -> bool {
    b == 0x21 || (b >= 0x23 && b <= 0x7E)
}

/// Why received conditional copy headers were refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ConditionError {
    /// The headers form a combination COS refuses (for example
    /// `If-Match` with `If-None-Match`, or three of them).
    Conflict,
    /// The same header appears twice.
    Duplicate {
        /// The header.
        header: ConditionHeader,
    },
    /// A date header's value is not an HTTP-date in 1970..=9999.
    Date {
        /// The header.
        header: ConditionHeader,
        /// What was wrong with its value.
        error: DateError,
    },
    /// An ETag header's value is not a single entity-tag.
    ETag {
        /// The header.
        header: ConditionHeader,
        /// What was wrong with its value.
        error: ETagError,
    },
}

impl fmt::Display for ConditionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Conflict => f.write_str("conditional copy headers in a combination COS refuses"),
            Self::Duplicate { header: h } => {
                f.write_str(h.name())?;
                f.write_str(" appears more than once")
            }
            Self::Date { header, error } => {
                f.write_str(header.name())?;
                f.write_str(": ")?;
                fmt::Display::fmt(error, f)
            }
            Self::ETag { header, error } => {
                f.write_str(header.name())?;
                f.write_str(": ")?;
                fmt::Display::fmt(error, f)
            }
        }
    }
}

impl core::error::Error for ConditionError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Date { error, .. } => Some(error),
            Self::ETag { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// The conditions of one UploadPartCopy: only the combinations COS accepts.
///
/// Dates are seconds since the epoch (sent as IMF-fixdate, so they must
/// not be past [`date::MAX_UNIX`]).
///
/// Conditional copy: the four `x-cos-copy-source-If-*` headers of
/// UploadPartCopy, modelled so that only the combinations COS accepts can
/// be built.
///
/// COS takes no condition, any one of the four, `If-Modified-Since` with
/// `If-None-Match`, or `If-Unmodified-Since` with `If-Match`; any other
/// combination is refused. [`CopyCondition`] has exactly those seven
/// shapes. Dates are seconds since the epoch and are sent as IMF-fixdate;
/// entity-tags are borrowed, validated [`ETag`]s.
///
/// For the receiving side (an emulator that must answer 412),
/// [`CopyCondition::from_headers`] reads the headers back and
/// [`CopyCondition::allows`] evaluates them against the source object.
///
/// # Example
///
/// ```
/// use tencent_cos_core::{CopyCondition, ETag};
///
/// let etag = ETag::new("\"ba82b57cfdfda8bd17ad4e5879ebb4fe\"").unwrap();
/// let cond = CopyCondition::MatchUnmodifiedSince { etag, since: 784_111_777 };
/// let headers = cond.headers().unwrap();
/// let sent: Vec<(&str, &str)> = headers.iter().collect();
/// assert_eq!(
///     sent,
///     [
///         ("x-cos-copy-source-If-Match", "\"ba82b57cfdfda8bd17ad4e5879ebb4fe\""),
///         ("x-cos-copy-source-If-Unmodified-Since", "Sun, 06 Nov 1994 08:49:37 GMT"),
///     ]
/// );
///
/// // The receiving side.
/// assert_eq!(CopyCondition::from_headers(&sent), Ok(cond));
/// assert!(cond.allows("\"ba82b57cfdfda8bd17ad4e5879ebb4fe\"", 784_000_000));
/// assert!(!cond.allows("\"0123456789abcdef0123456789abcdef\"", 784_000_000));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum CopyCondition<'a> {
    /// No condition: always copy.
    #[default]
    None,
    /// `If-Modified-Since`.
    ModifiedSince(u64),
    /// `If-Unmodified-Since`.
    UnmodifiedSince(u64),
    /// `If-Match`.
    Match(ETag<'a>),
    /// `If-None-Match`.
    NoneMatch(ETag<'a>),
    /// `If-None-Match` and `If-Modified-Since`.
    NoneMatchModifiedSince {
        /// The `If-None-Match` entity-tag.
        etag: ETag<'a>,
        /// The `If-Modified-Since` date.
        since: u64,
    },
    /// `If-Match` and `If-Unmodified-Since`.
    MatchUnmodifiedSince {
        /// The `If-Match` entity-tag.
        etag: ETag<'a>,
        /// The `If-Unmodified-Since` date.
        since: u64,
    },
}

impl<'a> CopyCondition<'a> {
    /// The `If-Modified-Since` date, if any.
    #[must_use]
    pub const fn modified_since(&self) -> Option<u64> {
        match *self {
            Self::ModifiedSince(t) | Self::NoneMatchModifiedSince { since: t, .. } => Some(t),
            _ => None,
        }
    }

    /// The `If-Unmodified-Since` date, if any.
    #[must_use]
    pub const fn unmodified_since(&self) -> Option<u64> {
        match *self {
            Self::UnmodifiedSince(t) | Self::MatchUnmodifiedSince { since: t, .. } => Some(t),
            _ => None,
        }
    }

    /// The `If-Match` entity-tag, if any.
    #[must_use]
    pub const fn if_match(&self) -> Option<ETag<'a>> {
        match *self {
            Self::Match(e) | Self::MatchUnmodifiedSince { etag: e, .. } => Some(e),
            _ => None,
        }
    }

    /// The `If-None-Match` entity-tag, if any.
    #[must_use]
    pub const fn if_none_match(&self) -> Option<ETag<'a>> {
        match *self {
            Self::NoneMatch(e) | Self::NoneMatchModifiedSince { etag: e, .. } => Some(e),
            _ => None,
        }
    }

    /// The headers to send: none, one, or two (the entity-tag header
    /// first). Fails with [`DateError::OutOfRange`] for a date past
    /// [`date::MAX_UNIX`].
    pub const fn headers(&self) -> Result<ConditionHeaders<'a>, DateError> {
        let (first, second) = match *self {
            Self::None => return Ok(ConditionHeaders::EMPTY),
            Self::ModifiedSince(t) => (ConditionHeader::IfModifiedSince, t),
            Self::UnmodifiedSince(t) => (ConditionHeader::IfUnmodifiedSince, t),
            Self::Match(e) => return Ok(ConditionHeaders::one(ConditionHeader::IfMatch, e)),
            Self::NoneMatch(e) => {
                return Ok(ConditionHeaders::one(ConditionHeader::IfNoneMatch, e));
            }
            Self::NoneMatchModifiedSince { etag, since } => {
                return ConditionHeaders::two(
                    (ConditionHeader::IfNoneMatch, etag),
                    (ConditionHeader::IfModifiedSince, since),
                );
            }
            Self::MatchUnmodifiedSince { etag, since } => {
                return ConditionHeaders::two(
                    (ConditionHeader::IfMatch, etag),
                    (ConditionHeader::IfUnmodifiedSince, since),
                );
            }
        };
        match date::http_date(second) {
            Ok(d) => Ok(ConditionHeaders {
                items: [(first, HeaderValue::Date(d)), FILLER],
                len: 1,
            }),
            Err(e) => Err(e),
        }
    }

    /// Reads the conditions from received headers. Names are matched
    /// case-insensitively and other headers are ignored; values lose their
    /// surrounding spaces and tabs. Dates may be in any HTTP-date form
    /// ([`date::parse_http_date`]).
    ///
    /// ```
    /// use tencent_cos_core::{ConditionError, CopyCondition};
    ///
    /// let got = CopyCondition::from_headers(&[
    ///     ("Host", "examplebucket-1250000000.cos.ap-shanghai.myqcloud.com"),
    ///     ("x-cos-copy-source-if-modified-since", "Sun, 06 Nov 1994 08:49:37 GMT"),
    /// ]);
    /// assert_eq!(got, Ok(CopyCondition::ModifiedSince(784_111_777)));
    ///
    /// let got = CopyCondition::from_headers(&[
    ///     ("x-cos-copy-source-If-Match", "\"a\""),
    ///     ("x-cos-copy-source-If-Modified-Since", "Sun, 06 Nov 1994 08:49:37 GMT"),
    /// ]);
    /// assert_eq!(got, Err(ConditionError::Conflict));
    /// ```
    pub fn from_headers(headers: &[(&str, &'a str)]) -> Result<Self, ConditionError> {
        let mut slots: [Option<&'a str>; 4] = [None; 4];
        for &(name, value) in headers {
            let Some(header) = ConditionHeader::from_name(name) else {
                continue;
            };
            let Some(slot) = slots.get_mut(header.index()) else {
                continue;
            };
            if slot.is_some() {
                return Err(ConditionError::Duplicate { header });
            }
            *slot = Some(crate::bytes::trim_ows_str(value));
        }
        let date = |header: ConditionHeader, v: &str| {
            date::parse_http_date(v).map_err(|error| ConditionError::Date { header, error })
        };
        let etag = |header: ConditionHeader, v: &'a str| {
            ETag::new(v).map_err(|error| ConditionError::ETag { header, error })
        };
        use ConditionHeader as H;
        Ok(match slots {
            [None, None, None, None] => Self::None,
            [Some(ms), None, None, None] => Self::ModifiedSince(date(H::IfModifiedSince, ms)?),
            [None, Some(us), None, None] => Self::UnmodifiedSince(date(H::IfUnmodifiedSince, us)?),
            [None, None, Some(m), None] => Self::Match(etag(H::IfMatch, m)?),
            [None, None, None, Some(nm)] => Self::NoneMatch(etag(H::IfNoneMatch, nm)?),
            [Some(ms), None, None, Some(nm)] => Self::NoneMatchModifiedSince {
                etag: etag(H::IfNoneMatch, nm)?,
                since: date(H::IfModifiedSince, ms)?,
            },
            [None, Some(us), Some(m), None] => Self::MatchUnmodifiedSince {
                etag: etag(H::IfMatch, m)?,
                since: date(H::IfUnmodifiedSince, us)?,
            },
            _ => return Err(ConditionError::Conflict),
        })
    }

    /// Whether a copy from a source with this ETag and last-modified time
    /// may go ahead (`false`: answer 412 Precondition Failed).
    ///
    /// The HTTP rules of RFC 7232:
    /// - `If-Modified-Since`: the source changed strictly after the date.
    /// - `If-Unmodified-Since`: the source did not change after the date
    ///   (the same second passes).
    /// - `If-Match`: strong comparison, so a weak tag on either side never
    ///   matches.
    /// - `If-None-Match`: weak comparison; passes when the tags differ.
    /// - With both an entity-tag and a date, the entity-tag decides and the
    ///   date is not looked at (RFC 7232 §3.3, §3.4; Amazon S3 documents the
    ///   same for its copy-source conditions).
    ///
    /// `source_etag` is the ETag as COS reports it, quotes included; a
    /// value that is not a valid entity-tag (a bare digest, say) is taken
    /// whole as a strong opaque tag. `source_last_modified` is seconds
    /// since the epoch.
    ///
    /// ```
    /// use tencent_cos_core::CopyCondition;
    ///
    /// let cond = CopyCondition::ModifiedSince(1_000);
    /// assert!(cond.allows("\"x\"", 1_001));
    /// assert!(!cond.allows("\"x\"", 1_000));
    /// ```
    #[must_use]
    pub fn allows(&self, source_etag: &str, source_last_modified: u64) -> bool {
        let source = match ETag::new(source_etag) {
            Ok(e) => (e.is_weak(), e.opaque()),
            Err(_) => (false, source_etag),
        };
        let strong = |e: &ETag<'_>| !e.is_weak() && !source.0 && e.opaque() == source.1;
        let weak = |e: &ETag<'_>| e.opaque() == source.1;
        match self {
            Self::None => true,
            Self::ModifiedSince(t) => source_last_modified > *t,
            Self::UnmodifiedSince(t) => source_last_modified <= *t,
            Self::Match(e) | Self::MatchUnmodifiedSince { etag: e, .. } => strong(e),
            Self::NoneMatch(e) | Self::NoneMatchModifiedSince { etag: e, .. } => !weak(e),
        }
    }
}

/// A conditional header's value: a formatted date or a borrowed entity-tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum HeaderValue<'a> {
    /// An IMF-fixdate.
    Date(HttpDate),
    /// An entity-tag.
    ETag(ETag<'a>),
}

impl HeaderValue<'_> {
    /// The value as sent.
    #[must_use]
    pub const fn as_str(&self) -> &str {
        match self {
            Self::Date(d) => d.as_str(),
            Self::ETag(e) => e.as_str(),
        }
    }
}

impl fmt::Display for HeaderValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Fills the unused places of [`ConditionHeaders`]; never handed out.
const FILLER: (ConditionHeader, HeaderValue<'static>) = (
    ConditionHeader::IfMatch,
    HeaderValue::ETag(ETag { text: "\"\"" }),
);

/// The zero to two conditional headers of a [`CopyCondition`], ready to
/// send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ConditionHeaders<'a> {
    items: [(ConditionHeader, HeaderValue<'a>); 2],
    len: u8,
}

impl<'a> ConditionHeaders<'a> {
    const EMPTY: Self = Self {
        items: [FILLER, FILLER],
        len: 0,
    };

    const fn one(header: ConditionHeader, etag: ETag<'a>) -> Self {
        Self {
            items: [(header, HeaderValue::ETag(etag)), FILLER],
            len: 1,
        }
    }

    const fn two(
        etag: (ConditionHeader, ETag<'a>),
        date: (ConditionHeader, u64),
    ) -> Result<Self, DateError> {
        match date::http_date(date.1) {
            Ok(d) => Ok(Self {
                items: [
                    (etag.0, HeaderValue::ETag(etag.1)),
                    (date.0, HeaderValue::Date(d)),
                ],
                len: 2,
            }),
            Err(e) => Err(e),
        }
    }

    /// The headers with their values.
    #[must_use]
    pub const fn as_slice(&self) -> &[(ConditionHeader, HeaderValue<'a>)] {
        match self.items.split_at_checked(self.len as usize) {
            Some((head, _)) => head,
            None => &self.items,
        }
    }

    /// The number of headers (0, 1 or 2).
    #[must_use]
    pub const fn len(&self) -> usize {
        self.as_slice().len()
    }

    /// Whether there is no header to send.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `(name, value)` of each header to send.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> + '_ {
        self.as_slice().iter().map(|(h, v)| (h.name(), v.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COS_ETAG: &str = "\"ba82b57cfdfda8bd17ad4e5879ebb4fe\"";
    const IMF: &str = "Sun, 06 Nov 1994 08:49:37 GMT";
    const T: u64 = 784_111_777;

    fn tag(s: &str) -> ETag<'_> {
        ETag::new(s).unwrap()
    }

    /// Every shape, with the headers it must send.
    fn shapes() -> Vec<(CopyCondition<'static>, Vec<(&'static str, &'static str)>)> {
        let e = tag(COS_ETAG);
        vec![
            (CopyCondition::None, vec![]),
            (
                CopyCondition::ModifiedSince(T),
                vec![("x-cos-copy-source-If-Modified-Since", IMF)],
            ),
            (
                CopyCondition::UnmodifiedSince(T),
                vec![("x-cos-copy-source-If-Unmodified-Since", IMF)],
            ),
            (
                CopyCondition::Match(e),
                vec![("x-cos-copy-source-If-Match", COS_ETAG)],
            ),
            (
                CopyCondition::NoneMatch(e),
                vec![("x-cos-copy-source-If-None-Match", COS_ETAG)],
            ),
            (
                CopyCondition::NoneMatchModifiedSince { etag: e, since: T },
                vec![
                    ("x-cos-copy-source-If-None-Match", COS_ETAG),
                    ("x-cos-copy-source-If-Modified-Since", IMF),
                ],
            ),
            (
                CopyCondition::MatchUnmodifiedSince { etag: e, since: T },
                vec![
                    ("x-cos-copy-source-If-Match", COS_ETAG),
                    ("x-cos-copy-source-If-Unmodified-Since", IMF),
                ],
            ),
        ]
    }

    #[test]
    fn every_shape_sends_its_headers_and_reads_back() {
        for (cond, want) in shapes() {
            let h = cond.headers().unwrap();
            let got: Vec<_> = h.iter().collect();
            assert_eq!(got, want, "{cond:?}");
            assert_eq!(h.len(), want.len());
            assert_eq!(h.is_empty(), want.is_empty());
            assert_eq!(CopyCondition::from_headers(&got), Ok(cond));
            // Reversed order, lowercase names, padded values.
            let lower: Vec<(String, String)> = got
                .iter()
                .rev()
                .map(|(n, v)| (n.to_ascii_lowercase(), format!(" \t{v} ")))
                .collect();
            let lower: Vec<(&str, &str)> = lower
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect();
            assert_eq!(CopyCondition::from_headers(&lower), Ok(cond));
        }
    }

    #[test]
    fn accessors() {
        let e = tag(COS_ETAG);
        let c = CopyCondition::NoneMatchModifiedSince { etag: e, since: T };
        assert_eq!(c.modified_since(), Some(T));
        assert_eq!(c.if_none_match(), Some(e));
        assert_eq!(c.unmodified_since(), None);
        assert_eq!(c.if_match(), None);
        let c = CopyCondition::MatchUnmodifiedSince { etag: e, since: 5 };
        assert_eq!((c.unmodified_since(), c.if_match()), (Some(5), Some(e)));
        assert_eq!((c.modified_since(), c.if_none_match()), (None, None));
        assert_eq!(CopyCondition::default(), CopyCondition::None);
    }

    #[test]
    fn dates_past_9999_cannot_be_sent() {
        let e = tag(COS_ETAG);
        let far = date::MAX_UNIX + 1;
        for c in [
            CopyCondition::ModifiedSince(far),
            CopyCondition::UnmodifiedSince(far),
            CopyCondition::NoneMatchModifiedSince {
                etag: e,
                since: far,
            },
            CopyCondition::MatchUnmodifiedSince {
                etag: e,
                since: far,
            },
        ] {
            assert_eq!(c.headers(), Err(DateError::OutOfRange), "{c:?}");
        }
        let last = CopyCondition::ModifiedSince(date::MAX_UNIX)
            .headers()
            .unwrap();
        assert_eq!(
            last.iter().next().unwrap().1,
            "Fri, 31 Dec 9999 23:59:59 GMT"
        );
    }

    #[test]
    fn refuses_every_other_combination() {
        let value = |h: ConditionHeader| match h {
            ConditionHeader::IfModifiedSince | ConditionHeader::IfUnmodifiedSince => IMF,
            _ => COS_ETAG,
        };
        let allowed = [[true, false, false, true], [false, true, true, false]];
        for mask in 0u8..16 {
            let set: Vec<ConditionHeader> = ConditionHeader::ALL
                .into_iter()
                .filter(|h| mask & (1 << h.index()) != 0)
                .collect();
            let headers: Vec<(&str, &str)> = set.iter().map(|&h| (h.name(), value(h))).collect();
            let present = ConditionHeader::ALL.map(|h| set.contains(&h));
            let ok = set.len() <= 1 || allowed.contains(&present);
            assert_eq!(
                CopyCondition::from_headers(&headers).is_ok(),
                ok,
                "{headers:?}"
            );
            if !ok {
                assert_eq!(
                    CopyCondition::from_headers(&headers),
                    Err(ConditionError::Conflict)
                );
            }
        }
    }

    #[test]
    fn reading_errors_name_the_header() {
        let name = ConditionHeader::IfUnmodifiedSince.name();
        assert_eq!(
            CopyCondition::from_headers(&[
                (name, IMF),
                ("X-COS-COPY-SOURCE-IF-UNMODIFIED-SINCE", IMF)
            ]),
            Err(ConditionError::Duplicate {
                header: ConditionHeader::IfUnmodifiedSince
            })
        );
        assert_eq!(
            CopyCondition::from_headers(&[(name, "2017-09-04T04:45:45Z")]),
            Err(ConditionError::Date {
                header: ConditionHeader::IfUnmodifiedSince,
                error: DateError::Length
            })
        );
        assert_eq!(
            CopyCondition::from_headers(&[
                ("x-cos-copy-source-if-none-match", "*"),
                ("x-cos-copy-source-if-modified-since", IMF),
            ]),
            Err(ConditionError::ETag {
                header: ConditionHeader::IfNoneMatch,
                error: ETagError::Wildcard
            })
        );
        assert_eq!(
            CopyCondition::from_headers(&[("x-cos-copy-source-if-match", "\"a\", \"b\"")]),
            Err(ConditionError::ETag {
                header: ConditionHeader::IfMatch,
                error: ETagError::InvalidByte
            })
        );
        // Obsolete date forms are accepted from a sender.
        assert_eq!(
            CopyCondition::from_headers(&[(name, "Sun Nov  6 08:49:37 1994")]),
            Ok(CopyCondition::UnmodifiedSince(T))
        );
        // Near-miss names are other headers.
        assert_eq!(
            CopyCondition::from_headers(&[("x-cos-copy-source-If-Match-", COS_ETAG)]),
            Ok(CopyCondition::None)
        );
        assert_eq!(
            ConditionError::Duplicate {
                header: ConditionHeader::IfMatch
            }
            .to_string(),
            "x-cos-copy-source-If-Match appears more than once"
        );
        assert_eq!(
            ConditionError::Date {
                header: ConditionHeader::IfModifiedSince,
                error: DateError::Day
            }
            .to_string(),
            "x-cos-copy-source-If-Modified-Since: date has a day the month does not have"
        );
    }

    #[test]
    fn etag_syntax() {
        for ok in [
            COS_ETAG,
            "\"aa259a62513358f69e98e72e59856d88-3\"",
            "\"\"",
            "W/\"\"",
            "W/\"v1\"",
            "\"!#$%&'()*+,-./:;<=>?@[\\]^_`{|}~\"",
        ] {
            assert_eq!(ETag::new(ok).map(|e| e.as_str()), Ok(ok));
        }
        let cases = [
            ("", ETagError::Empty),
            ("*", ETagError::Wildcard),
            ("W/*", ETagError::Wildcard),
            ("W/", ETagError::Unquoted),
            ("w/\"a\"", ETagError::Unquoted),
            ("\"", ETagError::Unquoted),
            ("abc", ETagError::Unquoted),
            ("\"abc", ETagError::Unquoted),
            ("abc\"", ETagError::Unquoted),
            (" \"abc\"", ETagError::Unquoted),
            ("\"abc\" ", ETagError::Unquoted),
            ("'abc'", ETagError::Unquoted),
            ("\"a\"b\"", ETagError::InvalidByte),
            ("\"a b\"", ETagError::InvalidByte),
            ("\"a\tb\"", ETagError::InvalidByte),
            ("\"a\x7fb\"", ETagError::InvalidByte),
            ("\"é\"", ETagError::InvalidByte),
            ("\"a\", \"b\"", ETagError::InvalidByte),
        ];
        for (s, e) in cases {
            assert_eq!(ETag::new(s), Err(e), "{s:?}");
        }
        let w = tag("W/\"v1\"");
        assert_eq!((w.is_weak(), w.opaque()), (true, "v1"));
        let s = tag("\"v1\"");
        assert_eq!((s.is_weak(), s.opaque()), (false, "v1"));
        assert!(s.weak_eq(&w) && w.weak_eq(&s) && w.weak_eq(&w));
        assert!(!s.strong_eq(&w) && !w.strong_eq(&w) && s.strong_eq(&s));
        assert!(!s.weak_eq(&tag("\"v2\"")));
        assert_eq!(tag("\"\"").opaque(), "");
    }

    #[test]
    fn evaluation() {
        let e = tag(COS_ETAG);
        let other = "\"0123456789abcdef0123456789abcdef\"";
        let bare = "ba82b57cfdfda8bd17ad4e5879ebb4fe";
        let weak = "W/\"ba82b57cfdfda8bd17ad4e5879ebb4fe\"";

        let c = CopyCondition::None;
        assert!(c.allows(other, 0));

        let c = CopyCondition::ModifiedSince(T);
        assert!(!c.allows(COS_ETAG, T - 1));
        assert!(!c.allows(COS_ETAG, T));
        assert!(c.allows(COS_ETAG, T + 1));

        let c = CopyCondition::UnmodifiedSince(T);
        assert!(c.allows(COS_ETAG, T - 1));
        assert!(c.allows(COS_ETAG, T));
        assert!(!c.allows(COS_ETAG, T + 1));

        let c = CopyCondition::Match(e);
        assert!(c.allows(COS_ETAG, 0));
        assert!(c.allows(bare, 0));
        assert!(!c.allows(other, 0));
        assert!(!c.allows(weak, 0), "strong comparison");
        assert!(!CopyCondition::Match(tag(weak)).allows(COS_ETAG, 0));

        let c = CopyCondition::NoneMatch(e);
        assert!(!c.allows(COS_ETAG, 0));
        assert!(!c.allows(bare, 0));
        assert!(!c.allows(weak, 0), "weak comparison");
        assert!(c.allows(other, 0));

        // The entity-tag decides; the date is not looked at.
        let c = CopyCondition::MatchUnmodifiedSince { etag: e, since: T };
        assert!(c.allows(COS_ETAG, T + 1));
        assert!(c.allows(COS_ETAG, T));
        assert!(!c.allows(other, T));
        let c = CopyCondition::NoneMatchModifiedSince { etag: e, since: T };
        assert!(!c.allows(COS_ETAG, T + 1));
        assert!(c.allows(other, T));
        assert!(c.allows(other, T + 1));
    }

    #[test]
    fn const_use() {
        const E: Result<ETag<'static>, ETagError> = ETag::new("\"abc\"");
        const H: Result<ConditionHeaders<'static>, DateError> = match E {
            Ok(etag) => CopyCondition::MatchUnmodifiedSince { etag, since: 0 }.headers(),
            Err(_) => Ok(ConditionHeaders::EMPTY),
        };
        let h = H.unwrap();
        let got: Vec<_> = h.iter().collect();
        assert_eq!(
            got,
            [
                ("x-cos-copy-source-If-Match", "\"abc\""),
                (
                    "x-cos-copy-source-If-Unmodified-Since",
                    "Thu, 01 Jan 1970 00:00:00 GMT"
                )
            ]
        );
        assert_eq!(h.as_slice()[0].0, ConditionHeader::IfMatch);
    }

    proptest::proptest! {
        #[test]
        fn headers_read_back(
            shape in 0u8..7,
            t in 0..=date::MAX_UNIX,
            opaque in "[!#-~]{0,40}",
            weak in proptest::bool::ANY,
        ) {
            let text = format!("{}\"{opaque}\"", if weak { "W/" } else { "" });
            let e = ETag::new(&text).unwrap();
            proptest::prop_assert_eq!(e.opaque(), opaque.as_str());
            let c = match shape {
                0 => CopyCondition::None,
                1 => CopyCondition::ModifiedSince(t),
                2 => CopyCondition::UnmodifiedSince(t),
                3 => CopyCondition::Match(e),
                4 => CopyCondition::NoneMatch(e),
                5 => CopyCondition::NoneMatchModifiedSince { etag: e, since: t },
                _ => CopyCondition::MatchUnmodifiedSince { etag: e, since: t },
            };
            let h = c.headers().unwrap();
            let pairs: Vec<_> = h.iter().collect();
            proptest::prop_assert_eq!(CopyCondition::from_headers(&pairs), Ok(c));
        }

        #[test]
        fn etag_never_panics(s in "\\PC{0,12}") {
            if let Ok(e) = ETag::new(&s) {
                let prefix = if e.is_weak() { "W/" } else { "" };
                proptest::prop_assert_eq!(format!("{prefix}\"{}\"", e.opaque()), s);
            }
        }
    }
}
