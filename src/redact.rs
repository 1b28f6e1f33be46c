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

/// Names that are secret as a whole (lowercase).
const EXACT: [&[u8]; 3] = [b"x-cos-security-token", b"authorization", b"q-signature"];

/// The name endings that make a pair secret are this and its first 13
/// bytes, `-customer-key`.
const SUFFIX: &[u8; 17] = b"-customer-key-md5";

/// Whether a pair of this name carries a secret (the name as given, any
/// case): the [`Redactor`]'s own decision, made on `name=`.
pub(crate) fn is_secret_name(name: &[u8]) -> bool {
    let mut r = Redactor::pairs();
    for &b in name {
        r.hides(b);
    }
    r.hides(b'=');
    r.secret && !name.iter().any(|&b| matches!(b, b'&' | b'=' | b'\n'))
}

/// Decides byte by byte which bytes of a text are a secret value: in an
/// HttpString, those of the pairs on its parameter and header lines (the
/// third line on); in a list of pairs (an `Authorization` value), those of
/// any pair. A newline starts a line; `&` a pair; the first `=` of a pair
/// ends its name, which is matched as it comes (any case) against
/// [`EXACT`] and the endings of [`SUFFIX`], without being stored.
#[derive(Clone, Copy)]
pub(crate) struct Redactor {
    line: u8,
    in_name: bool,
    secret: bool,
    /// Bytes of the name so far (saturating).
    len: u8,
    /// `i + 1` while the name so far begins `EXACT[i]` (names differ in
    /// their first byte); 0 once it begins none.
    exact: u8,
    /// The longest end of the name so far that begins [`SUFFIX`].
    suffix: u8,
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
            exact: 0,
            suffix: 0,
        }
    }

    fn new_pair(&mut self) {
        self.in_name = true;
        self.secret = false;
        self.len = 0;
        self.exact = 0;
        self.suffix = 0;
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
            let b = b.to_ascii_lowercase();
            let at = usize::from(self.len);
            let exact = EXACT.get(usize::from(self.exact).wrapping_sub(1));
            if b == b'=' {
                self.in_name = false;
                self.secret =
                    exact.is_some_and(|n| n.len() == at) || matches!(self.suffix, 13 | 17);
            } else {
                // The exact name the name begins, followed byte by byte.
                if at == 0 {
                    self.exact = EXACT
                        .iter()
                        .position(|n| n.first() == Some(&b))
                        .map_or(0, |i| (i as u8).wrapping_add(1));
                } else if exact.and_then(|n| n.get(at)) != Some(&b) {
                    self.exact = 0;
                }
                self.len = self.len.saturating_add(1);
                // The suffix matched so far, one byte longer; or, where
                // the next byte differs, the longest shorter one (only
                // `-` and, after `-customer-` or `-customer-key-`, `-c`).
                let k = self.suffix;
                self.suffix = if SUFFIX.get(usize::from(k)) == Some(&b) {
                    k.saturating_add(1)
                } else if b == b'-' {
                    1
                } else if b == b'c' && matches!(k, 10 | 14) {
                    2
                } else {
                    0
                };
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

    /// The streaming matcher against the list read plainly, on names made
    /// of the pieces where a matcher could lose its place.
    #[test]
    fn the_matcher_is_the_list() {
        fn plain(name: &str) -> bool {
            let n = name.to_ascii_lowercase();
            ["x-cos-security-token", "authorization", "q-signature"].contains(&n.as_str())
                || n.ends_with("-customer-key")
                || n.ends_with("-customer-key-md5")
        }
        let pieces = [
            "-",
            "c",
            "-c",
            "customer",
            "-customer",
            "-customer-",
            "key",
            "-key",
            "-md5",
            "md5",
            "KEY",
            "x-cos-security-token",
            "q-signature",
            "x",
        ];
        let mut names = vec![String::new()];
        for _ in 0..4 {
            let mut longer = Vec::new();
            for n in &names {
                for p in pieces {
                    longer.push(format!("{n}{p}"));
                }
            }
            names.extend(longer);
        }
        let mut secret = 0;
        for name in &names {
            assert_eq!(is_secret_name(name.as_bytes()), plain(name), "{name:?}");
            secret += usize::from(plain(name));
        }
        assert!(secret > 100, "{secret}");
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
