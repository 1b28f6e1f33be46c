//! Which name/value pairs carry a secret, and the masking of their values
//! wherever text holding them is shown: `Debug`, and the windows of
//! [`explain`](crate::explain()). One list, one masking rule.
//!
//! The secret pairs: `x-cos-security-token`, `authorization`,
//! `q-signature`, and every name ending in `-customer-key` or
//! `-customer-key-md5` (the SSE-C keys and their digests), names compared
//! case-insensitively. Their values are shown as one `*` per byte; names,
//! separators and every other pair are shown as they are.

use core::fmt;

/// Names that are secret as a whole.
const EXACT: [&[u8]; 3] = [b"x-cos-security-token", b"authorization", b"q-signature"];

/// Name endings that make a pair secret.
const SUFFIXES: [&[u8]; 2] = [b"-customer-key", b"-customer-key-md5"];

/// The end of a name the streaming [`Redactor`] keeps: one byte more than
/// the longest exact name, so that a longer name's end never equals one.
const TAIL: usize = 21;

/// Whether a pair of this name carries a secret.
pub(crate) fn is_secret_name(name: &[u8]) -> bool {
    EXACT.iter().any(|n| name.eq_ignore_ascii_case(n))
        || SUFFIXES.iter().any(|s| {
            name.len()
                .checked_sub(s.len())
                .and_then(|at| name.get(at..))
                .is_some_and(|end| end.eq_ignore_ascii_case(s))
        })
}

/// Decides byte by byte which bytes of a text are a secret value: in an
/// HttpString, those of the pairs on its parameter and header lines (the
/// third line on); in a list of pairs (an `Authorization` value), those of
/// any pair. A newline starts a line; `&` a pair; the first `=` of a pair
/// ends its name.
#[derive(Clone, Copy)]
pub(crate) struct Redactor {
    line: u8,
    in_name: bool,
    secret: bool,
    /// Bytes of the name so far.
    len: usize,
    /// Its last bytes (up to [`TAIL`]), in order.
    tail: [u8; TAIL],
}

impl Redactor {
    /// For an HttpString (the canonical request): pairs from its third
    /// line on.
    pub(crate) const fn http_string() -> Self {
        Self::at_line(0)
    }

    /// For `&`-separated pairs from the first byte.
    pub(crate) const fn pairs() -> Self {
        Self::at_line(2)
    }

    const fn at_line(line: u8) -> Self {
        Self {
            line,
            in_name: true,
            secret: false,
            len: 0,
            tail: [0; TAIL],
        }
    }

    fn new_pair(&mut self) {
        self.in_name = true;
        self.secret = false;
        self.len = 0;
    }

    /// Whether `b`, the next byte of the text, is part of a secret value.
    pub(crate) fn hides(&mut self, b: u8) -> bool {
        if b == b'\n' {
            self.line = self.line.saturating_add(1);
            self.new_pair();
            return false;
        }
        if self.line < 2 {
            return false;
        }
        if b == b'&' {
            self.new_pair();
            return false;
        }
        if self.secret {
            return true;
        }
        if self.in_name {
            if b == b'=' {
                self.in_name = false;
                let kept = self.len.min(TAIL);
                let name = self.tail.get(..kept).unwrap_or_default();
                self.secret = is_secret_name(name);
            } else {
                if self.len < TAIL {
                    if let Some(slot) = self.tail.get_mut(self.len) {
                        *slot = b;
                    }
                } else {
                    self.tail.rotate_left(1);
                    if let Some(last) = self.tail.last_mut() {
                        *last = b;
                    }
                }
                self.len = self.len.saturating_add(1);
            }
        }
        false
    }

    /// The byte as it may be shown: `*` for a byte of a secret value.
    pub(crate) fn mask(&mut self, b: u8) -> u8 {
        if self.hides(b) { b'*' } else { b }
    }
}

/// A text shown by `Debug` with its secret values masked: quoted and
/// escaped like a `str`, each byte of a secret value as `*`. A `\n` pair
/// (as COS writes line breaks in `FormatString`) counts as a newline.
pub(crate) struct Masked<'a> {
    text: &'a str,
    start: Redactor,
}

impl<'a> Masked<'a> {
    /// An HttpString or a StringToSign, as the server echoes them.
    pub(crate) const fn canonical(text: &'a str) -> Self {
        Self {
            text,
            start: Redactor::http_string(),
        }
    }

    /// A list of pairs, such as an `Authorization` value.
    pub(crate) const fn pairs(text: &'a str) -> Self {
        Self {
            text,
            start: Redactor::pairs(),
        }
    }
}

impl fmt::Debug for Masked<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use fmt::Write as _;
        let mut r = self.start;
        let bytes = self.text.as_bytes();
        f.write_char('"')?;
        // Shown bytes are written in runs; a run ends at an ASCII byte
        // (`=` before a secret, `&` or a newline after it), so it is
        // whole characters.
        let (mut run, mut at) = (0, 0);
        while let Some(&b) = bytes.get(at) {
            let escaped_newline = b == b'\\' && bytes.get(at.saturating_add(1)) == Some(&b'n');
            let (fed, width) = if escaped_newline { (b'\n', 2) } else { (b, 1) };
            if r.hides(fed) {
                if let Some(shown) = self.text.get(run..at) {
                    write!(f, "{}", shown.escape_debug())?;
                }
                f.write_char('*')?;
                run = at.saturating_add(width);
            }
            at = at.saturating_add(width);
        }
        if let Some(shown) = self.text.get(run..) {
            write!(f, "{}", shown.escape_debug())?;
        }
        f.write_char('"')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(m: Masked<'_>) -> String {
        format!("{m:?}")
    }

    #[test]
    fn secret_names() {
        for name in [
            "x-cos-security-token",
            "X-Cos-Security-Token",
            "authorization",
            "Authorization",
            "q-signature",
            "x-cos-server-side-encryption-customer-key",
            "x-cos-server-side-encryption-customer-key-MD5",
            "x-cos-copy-source-server-side-encryption-customer-key",
            "x-cos-copy-source-server-side-encryption-customer-key-md5",
            "-customer-key",
        ] {
            assert!(is_secret_name(name.as_bytes()), "{name}");
        }
        for name in [
            "x-cos-security-tokens",
            "a-x-cos-security-token",
            "q-signatures",
            "q-sign-time",
            "x-cos-server-side-encryption-customer-algorithm",
            "customer-key",
            "x-cos-server-side-encryption-customer-key-md",
            "",
            "host",
        ] {
            assert!(!is_secret_name(name.as_bytes()), "{name}");
        }
    }

    #[test]
    fn masks_values_on_pair_lines_only() {
        let text = "put\n/x-cos-security-token=a\nx-cos-security-token=TOK&q-signature=SIG\n\
                    host=h&x-cos-server-side-encryption-customer-key=KEY&\
                    x-cos-server-side-encryption-customer-key-md5=MD5&X-Cos-Meta-A=1\n";
        assert_eq!(
            shown(Masked::canonical(text)),
            "\"put\\n/x-cos-security-token=a\\nx-cos-security-token=***&q-signature=***\\n\
             host=h&x-cos-server-side-encryption-customer-key=***&\
             x-cos-server-side-encryption-customer-key-md5=***&X-Cos-Meta-A=1\\n\""
        );
        // Lines written as `\n` pairs, as in a FormatString.
        let text = r"get\n/\n\nx-cos-security-token=T%C3%A9K&host=h\n";
        assert_eq!(
            shown(Masked::canonical(text)),
            r#""get\\n/\\n\\nx-cos-security-token=********&host=h\\n""#
        );
        // Non-ASCII text around a masked value stays whole.
        let text = "é\n/é\nq-signature=é&a=é";
        assert_eq!(
            shown(Masked::canonical(text)),
            "\"é\\n/é\\nq-signature=**&a=é\""
        );
    }

    #[test]
    fn masks_an_authorization_value() {
        let auth = "q-sign-algorithm=sha1&q-ak=AKID&q-sign-time=1;2&q-key-time=1;2\
                    &q-header-list=host&q-url-param-list=&q-signature=0123456789abcdef";
        assert_eq!(
            shown(Masked::pairs(auth)),
            "\"q-sign-algorithm=sha1&q-ak=AKID&q-sign-time=1;2&q-key-time=1;2\
             &q-header-list=host&q-url-param-list=&q-signature=****************\""
        );
    }

    #[test]
    fn long_names_end_like_secret_ones() {
        // A name longer than the kept tail: its end decides.
        let long = format!(
            "{}-customer-key=SECRET&{}x-cos-security-token=open",
            "a".repeat(40),
            "b".repeat(40)
        );
        let got = shown(Masked::pairs(&long));
        assert!(!got.contains("SECRET"), "{got}");
        assert!(got.contains("=open"), "{got}");
    }
}
