//! Credentials and the validity window of a signature.

use core::fmt;

/// The longest SecretId accepted, in bytes. Tencent Cloud's SecretIds are
/// 36 bytes (`AKID` and 32 characters); this leaves room for any longer
/// form of temporary ids. A [`SigningKey`](crate::SigningKey) holds the
/// SecretId inline in this many bytes, so that it borrows nothing.
pub const MAX_SECRET_ID_LEN: usize = 128;

/// Why credentials were refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum CredentialsError {
    /// The SecretId is empty.
    EmptySecretId,
    /// The SecretId holds a byte outside printable ASCII, or `&`, which
    /// would break the `Authorization` value it is written into.
    InvalidSecretId,
    /// The SecretId is longer than [`MAX_SECRET_ID_LEN`] bytes.
    SecretIdTooLong,
    /// The SecretKey is empty.
    EmptySecretKey,
    /// The SecretKey starts or ends with whitespace (a copy-paste slip the
    /// server would answer with `SignatureDoesNotMatch`).
    SecretKeyWhitespace,
    /// The security token is empty.
    EmptyToken,
    /// The security token starts or ends with whitespace.
    TokenWhitespace,
    /// The security token holds a control byte (it travels as a header).
    InvalidToken,
    /// A security token was given with a key of permanent credentials.
    UnexpectedToken,
}

impl fmt::Display for CredentialsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::EmptySecretId => "SecretId is empty",
            Self::InvalidSecretId => "SecretId holds a byte that is not printable ASCII, or '&'",
            Self::SecretIdTooLong => "SecretId is longer than MAX_SECRET_ID_LEN (128) bytes",
            Self::EmptySecretKey => "SecretKey is empty",
            Self::SecretKeyWhitespace => "SecretKey has leading or trailing whitespace",
            Self::EmptyToken => "security token is empty",
            Self::TokenWhitespace => "security token has leading or trailing whitespace",
            Self::InvalidToken => "security token holds a control byte",
            Self::UnexpectedToken => "security token given for permanent credentials",
        })
    }
}

impl core::error::Error for CredentialsError {}

/// `s.trim() != s`: the first or the last character is whitespace
/// (Unicode's definition, as `trim` has it), without trim's two scans.
fn has_surrounding_whitespace(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(is_whitespace) || chars.next_back().is_some_and(is_whitespace)
}

/// `char::is_whitespace`: Unicode's White_Space property, whose 25
/// characters are listed here rather than looked up in `core`'s 256-byte
/// table (about 200 bytes of Cortex-M flash less; a test compares the two
/// over every `char`).
fn is_whitespace(c: char) -> bool {
    matches!(
        c,
        '\t'..='\r'
            | ' '
            | '\u{85}'
            | '\u{a0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200a}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202f}'
            | '\u{205f}'
            | '\u{3000}'
    )
}

/// The checks of a SecretKey: not empty, no surrounding whitespace.
pub(crate) fn check_secret_key(secret_key: &str) -> Result<(), CredentialsError> {
    if secret_key.is_empty() {
        return Err(CredentialsError::EmptySecretKey);
    }
    if has_surrounding_whitespace(secret_key) {
        return Err(CredentialsError::SecretKeyWhitespace);
    }
    Ok(())
}

/// The checks of a security token: not empty, no surrounding whitespace,
/// no control byte.
pub(crate) fn check_token(token: &str) -> Result<(), CredentialsError> {
    if token.is_empty() {
        return Err(CredentialsError::EmptyToken);
    }
    if has_surrounding_whitespace(token) {
        return Err(CredentialsError::TokenWhitespace);
    }
    if token.bytes().any(|b| b.is_ascii_control()) {
        return Err(CredentialsError::InvalidToken);
    }
    Ok(())
}

/// A SecretId held inline (at most [`MAX_SECRET_ID_LEN`] bytes, checked
/// printable ASCII by [`Credentials::new`]).
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct SecretIdText(heapless::String<MAX_SECRET_ID_LEN, u8>);

impl SecretIdText {
    /// `id` if it fits (a checked one does), else nothing.
    pub(crate) fn new(id: &str) -> Self {
        let mut t = Self(heapless::String::new());
        t.set(id);
        t
    }

    /// Replaces the text with `id` if it fits (a checked one does: at
    /// most [`MAX_SECRET_ID_LEN`] bytes), else with nothing. As a
    /// `heapless::String`, it is text by construction: reading it back
    /// needs no UTF-8 check.
    pub(crate) fn set(&mut self, id: &str) {
        self.0.clear();
        // A text that does not fit is refused whole: the text stays empty.
        let _ = self.0.push_str(id);
    }

    pub(crate) fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

/// A SecretId, a SecretKey and, for temporary (STS) credentials, a security
/// token, all borrowed.
///
/// `Debug` (and `defmt::Format`) show the SecretId only; the key and the
/// token are never printed.
///
/// ```
/// use tencent_cos_core::Credentials;
///
/// let creds = Credentials::new("AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q", "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz")?;
/// assert_eq!(creds.secret_id(), "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q");
/// assert!(!format!("{creds:?}").contains("BQYIM75p")); // the key is never shown
/// // Temporary (STS) credentials: the token is sent as `x-cos-security-token`.
/// let sts = Credentials::with_token("AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q", "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz", "sts-token")?;
/// assert_eq!(sts.security_token(), Some("sts-token"));
/// // What could not be signed or sent is refused at once.
/// assert!(Credentials::new("AKID", " key with a leading space").is_err());
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
#[derive(Clone, Copy)]
pub struct Credentials<'a> {
    secret_id: &'a str,
    secret_key: &'a str,
    token: Option<&'a str>,
}

impl<'a> Credentials<'a> {
    /// Permanent credentials.
    pub fn new(secret_id: &'a str, secret_key: &'a str) -> Result<Self, CredentialsError> {
        if secret_id.is_empty() {
            return Err(CredentialsError::EmptySecretId);
        }
        if !secret_id.bytes().all(|b| b.is_ascii_graphic() && b != b'&') {
            return Err(CredentialsError::InvalidSecretId);
        }
        if secret_id.len() > MAX_SECRET_ID_LEN {
            return Err(CredentialsError::SecretIdTooLong);
        }
        check_secret_key(secret_key)?;
        Ok(Self {
            secret_id,
            secret_key,
            token: None,
        })
    }

    /// Temporary credentials: the same, plus the security token that goes
    /// in `x-cos-security-token`.
    pub fn with_token(
        secret_id: &'a str,
        secret_key: &'a str,
        token: &'a str,
    ) -> Result<Self, CredentialsError> {
        let mut c = Self::new(secret_id, secret_key)?;
        check_token(token)?;
        c.token = Some(token);
        Ok(c)
    }

    /// The SecretId (public: it is sent as `q-ak`).
    #[must_use]
    pub fn secret_id(&self) -> &'a str {
        self.secret_id
    }

    /// The SecretKey. Handle with care: it is the secret.
    #[must_use]
    pub fn secret_key(&self) -> &'a str {
        self.secret_key
    }

    /// The security token of temporary credentials.
    #[must_use]
    pub fn security_token(&self) -> Option<&'a str> {
        self.token
    }
}

impl fmt::Debug for Credentials<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("secret_id", &self.secret_id)
            .field("secret_key", &"<redacted>")
            .field("token", &self.token.map(|_| "<redacted>"))
            .finish()
    }
}

#[cfg(feature = "defmt")]
#[cfg_attr(docsrs, doc(cfg(feature = "defmt")))]
impl defmt::Format for Credentials<'_> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "Credentials {{ secret_id: {=str}, secret_key: <redacted>, token: {=bool} }}",
            self.secret_id,
            self.token.is_some()
        )
    }
}

/// Why a validity window was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum KeyTimeError {
    /// `start` is after `end`.
    StartAfterEnd,
    /// `now + lifetime` does not fit in a `u64`.
    Overflow,
}

impl fmt::Display for KeyTimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::StartAfterEnd => "key time starts after it ends",
            Self::Overflow => "key time end overflows",
        })
    }
}

impl core::error::Error for KeyTimeError {}

/// The window `[start, end]`, in Unix seconds (UTC), inside which a
/// signature is valid. It is written `start;end` in `q-sign-time` and
/// `q-key-time`.
///
/// The crate never reads a clock: the caller supplies the times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct KeyTime {
    start: u64,
    end: u64,
}

impl KeyTime {
    /// The window `[start, end]`; `start == end` is allowed.
    pub const fn new(start: u64, end: u64) -> Result<Self, KeyTimeError> {
        if start > end {
            return Err(KeyTimeError::StartAfterEnd);
        }
        Ok(Self { start, end })
    }

    /// A window for a request made at `now`: valid from `now - backdate`
    /// (clamped at 0; the allowance covers a server clock behind ours)
    /// until `now + lifetime`.
    ///
    /// ```
    /// # use tencent_cos_core::KeyTime;
    /// let kt = KeyTime::from_now(1_700_000_000, 3600, 60).unwrap();
    /// assert_eq!((kt.start(), kt.end()), (1_699_999_940, 1_700_003_600));
    /// ```
    pub const fn from_now(now: u64, lifetime: u64, backdate: u64) -> Result<Self, KeyTimeError> {
        let Some(end) = now.checked_add(lifetime) else {
            return Err(KeyTimeError::Overflow);
        };
        Ok(Self {
            start: now.saturating_sub(backdate),
            end,
        })
    }

    /// First second of validity.
    #[must_use]
    pub const fn start(&self) -> u64 {
        self.start
    }

    /// Last second of validity.
    #[must_use]
    pub const fn end(&self) -> u64 {
        self.end
    }

    /// Whether `now` lies in `[start, end]`.
    #[must_use]
    pub const fn contains(&self, now: u64) -> bool {
        self.start <= now && now <= self.end
    }

    /// Parses `start;end` (decimal digits only, no sign, no spaces).
    /// Only the canonical form is read (no leading zeros): the signature
    /// covers this text, so `01;2` and `1;2` are different windows.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        let (a, b) = crate::bytes::split_once(s, b';')?;
        let canonical = |t: &str| t.len() == 1 || t.as_bytes().first() != Some(&b'0');
        if !(canonical(a) && canonical(b)) {
            return None;
        }
        Self::new(parse_u64(a)?, parse_u64(b)?).ok()
    }
}

impl fmt::Display for KeyTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut a = [0u8; 20];
        let mut b = [0u8; 20];
        let a = crate::sink::fmt_u64(self.start, &mut a);
        let b = crate::sink::fmt_u64(self.end, &mut b);
        f.write_str(core::str::from_utf8(a).map_err(|_| fmt::Error)?)?;
        f.write_str(";")?;
        f.write_str(core::str::from_utf8(b).map_err(|_| fmt::Error)?)
    }
}

/// Writes `start;end`.
pub(crate) fn put_key_time(
    out: &mut dyn crate::sink::Sink,
    kt: &KeyTime,
) -> Result<(), crate::sink::OutputError> {
    crate::sink::put_u64(out, kt.start)?;
    out.put(b";")?;
    crate::sink::put_u64(out, kt.end)
}

/// A key time as a signature writes it (`start;end`, three times per
/// signature). On hosted targets the text is formatted once and kept (41
/// bytes); on bare metal it is formatted at each use, sparing the RAM of
/// every signing key and signed request.
#[derive(Clone, Copy)]
pub(crate) struct KeyTimeText {
    kt: KeyTime,
    #[cfg(not(cos_compact))]
    text: [u8; 41],
    #[cfg(not(cos_compact))]
    len: u8,
}

impl KeyTimeText {
    pub(crate) fn new(kt: KeyTime) -> Self {
        #[cfg(not(cos_compact))]
        {
            let mut text = [0u8; 41];
            // Each number takes at most 20 digits: the text fits.
            let at = crate::sink::put_decimal(&mut text, 0, kt.start);
            if let Some(b) = text.get_mut(at) {
                *b = b';';
            }
            let len = crate::sink::put_decimal(&mut text, at.wrapping_add(1), kt.end);
            Self {
                kt,
                text,
                len: len as u8,
            }
        }
        #[cfg(cos_compact)]
        Self { kt }
    }

    pub(crate) fn key_time(&self) -> KeyTime {
        self.kt
    }

    /// The text `start;end`.
    #[cfg(not(cos_compact))]
    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.text.get(..usize::from(self.len)).unwrap_or_default()
    }

    /// Writes `start;end`.
    pub(crate) fn put(
        &self,
        out: &mut dyn crate::sink::Sink,
    ) -> Result<(), crate::sink::OutputError> {
        #[cfg(not(cos_compact))]
        return out.put(self.as_bytes());
        #[cfg(cos_compact)]
        put_key_time(out, &self.kt)
    }
}

/// Strict decimal `u64`: one or more ASCII digits, nothing else, no overflow.
pub(crate) fn parse_u64(s: &str) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    s.bytes().try_fold(0u64, |n, b| {
        if b.is_ascii_digit() {
            n.checked_mul(10)?.checked_add(u64::from(b - b'0'))
        } else {
            None
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_is_cores() {
        for c in (0..=0x10_FFFF).filter_map(char::from_u32) {
            assert_eq!(is_whitespace(c), c.is_whitespace(), "{c:?}");
        }
    }

    #[test]
    fn key_time_text_is_both_numbers() {
        for (start, end) in [
            (0, 0),
            (0, 9),
            (1_700_000_000, 1_700_010_060),
            (7, u64::MAX),
        ] {
            let kt = KeyTime::new(start, end).unwrap();
            let text = KeyTimeText::new(kt);
            let mut s = String::new();
            text.put(&mut crate::sink::FmtSink(&mut s)).unwrap();
            assert_eq!(s, format!("{start};{end}"));
            #[cfg(not(cos_compact))]
            assert_eq!(text.as_bytes(), s.as_bytes());
        }
    }

    #[test]
    fn credentials_are_checked() {
        assert!(Credentials::new("AKID", "key").is_ok());
        assert_eq!(
            Credentials::new("", "k").unwrap_err(),
            CredentialsError::EmptySecretId
        );
        assert_eq!(
            Credentials::new("a b", "k").unwrap_err(),
            CredentialsError::InvalidSecretId
        );
        assert_eq!(
            Credentials::new("a&b", "k").unwrap_err(),
            CredentialsError::InvalidSecretId
        );
        let longest = "A".repeat(MAX_SECRET_ID_LEN);
        assert!(Credentials::new(&longest, "k").is_ok());
        assert_eq!(
            Credentials::new(&format!("{longest}B"), "k").unwrap_err(),
            CredentialsError::SecretIdTooLong
        );
        let id = SecretIdText::new(&longest);
        assert_eq!(id.as_str(), longest);
        assert_eq!(SecretIdText::new("AKIDx").as_str(), "AKIDx");
        assert_eq!(
            Credentials::new("a", "").unwrap_err(),
            CredentialsError::EmptySecretKey
        );
        assert_eq!(
            Credentials::new("a", " k").unwrap_err(),
            CredentialsError::SecretKeyWhitespace
        );
        assert_eq!(
            Credentials::new("a", "k\n").unwrap_err(),
            CredentialsError::SecretKeyWhitespace
        );
        assert_eq!(
            Credentials::with_token("a", "k", "").unwrap_err(),
            CredentialsError::EmptyToken
        );
        assert_eq!(
            Credentials::with_token("a", "k", "t ").unwrap_err(),
            CredentialsError::TokenWhitespace
        );
        assert_eq!(
            Credentials::with_token("a", "k", "t\rx").unwrap_err(),
            CredentialsError::InvalidToken
        );
        let c = Credentials::with_token("a", "k", "tok").unwrap();
        assert_eq!(c.security_token(), Some("tok"));
    }

    #[test]
    fn surrounding_whitespace_is_what_trim_removes() {
        for s in [
            "",
            " ",
            "k",
            "kk",
            " k",
            "k ",
            "k k",
            "\tk",
            "k\n",
            "\u{3000}k",
            "k\u{a0}",
            "k\u{2028}",
            "é",
            "\u{feff}k",
            "k\u{85}",
            "\u{1680}",
        ] {
            assert_eq!(has_surrounding_whitespace(s), s.trim() != s, "{s:?}");
        }
    }

    #[test]
    fn debug_never_shows_secrets() {
        let c = Credentials::with_token("AKIDpublic", "SuperSecretKey", "TokenValue").unwrap();
        let d = format!("{c:?} {c:#?}");
        assert!(d.contains("AKIDpublic"));
        assert!(!d.contains("SuperSecretKey"));
        assert!(!d.contains("TokenValue"));
    }

    #[test]
    fn key_time() {
        assert_eq!(KeyTime::new(2, 1), Err(KeyTimeError::StartAfterEnd));
        let kt = KeyTime::new(5, 5).unwrap();
        assert!(kt.contains(5) && !kt.contains(4) && !kt.contains(6));
        assert_eq!(
            KeyTime::from_now(10, 5, 60).unwrap(),
            KeyTime::new(0, 15).unwrap()
        );
        assert_eq!(
            KeyTime::from_now(u64::MAX, 1, 0),
            Err(KeyTimeError::Overflow)
        );
        assert_eq!(
            KeyTime::new(1557989151, 1557996351).unwrap().to_string(),
            "1557989151;1557996351"
        );
        assert_eq!(KeyTime::parse("1;2"), KeyTime::new(1, 2).ok());
        assert_eq!(KeyTime::parse("0;0"), KeyTime::new(0, 0).ok());
        for bad in [
            "01;2",
            "1;02",
            "00;1",
            "",
            ";",
            "1;",
            ";2",
            "2;1",
            "+1;2",
            "1 ;2",
            "1;2;3",
            "18446744073709551616;1",
        ] {
            assert_eq!(KeyTime::parse(bad), None, "{bad:?}");
        }
    }
}
