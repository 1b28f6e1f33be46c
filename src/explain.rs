// The documentation of this module is on [`explain`]: the module is private.

use crate::credentials::KeyTime;
use crate::redact::Redactor;
use crate::response::{CosErrorBody, Field};
use crate::sign::{CanonicalRequest, Prepared, Selection, SignError, emit_string_to_sign};
use crate::sink::{self, OutputError, Sink};
use core::fmt;

/// Bytes shown on each side of the first difference.
pub const WINDOW: usize = 24;

/// Which of the two signed texts differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum SignedText {
    /// The canonical request (`FormatString` in the error body).
    HttpString,
    /// `sha1\n{KeyTime}\n{sha1(HttpString)}\n`.
    StringToSign,
}

impl SignedText {
    /// The name used in reports.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::HttpString => "HttpString",
            Self::StringToSign => "StringToSign",
        }
    }

    /// What line `line` (0-based) of this text holds.
    #[must_use]
    pub const fn line_name(self, line: usize) -> &'static str {
        match (self, line) {
            (Self::HttpString, 0) => "method",
            (Self::HttpString, 1) => "path",
            (Self::HttpString, 2) => "parameters",
            (Self::HttpString, 3) => "headers",
            (Self::StringToSign, 0) => "algorithm",
            (Self::StringToSign, 1) => "key time",
            (Self::StringToSign, 2) => "SHA-1 of the HttpString",
            _ => "past the end",
        }
    }
}

impl fmt::Display for SignedText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Up to [`Window::SIDE`] bytes before a difference and up to [`Window::SIDE`] from it,
/// secret values already masked.
///
/// `Debug` shows the [`Display`](fmt::Display) form, `Window("before|after")`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Window {
    bytes: [u8; 2 * WINDOW],
    before: u8,
    len: u8,
}

impl Window {
    /// The most bytes a window shows on each side of a difference.
    pub const SIDE: usize = WINDOW;

    const EMPTY: Self = Self {
        bytes: [0; 2 * WINDOW],
        before: 0,
        len: 0,
    };

    /// The bytes just before the difference (the same on both sides).
    #[must_use]
    pub fn before(&self) -> &[u8] {
        self.bytes
            .get(..usize::from(self.before))
            .unwrap_or_default()
    }

    /// The bytes from the difference on (empty if the text ends there).
    #[must_use]
    pub fn after(&self) -> &[u8] {
        self.bytes
            .get(usize::from(self.before)..usize::from(self.len))
            .unwrap_or_default()
    }

    /// Appends a byte, at most [`WINDOW`] past `before`.
    fn push(&mut self, b: u8) {
        if usize::from(self.len) >= usize::from(self.before).saturating_add(WINDOW) {
            return;
        }
        if let Some(slot) = self.bytes.get_mut(usize::from(self.len)) {
            *slot = b;
            self.len = self.len.saturating_add(1);
        }
    }
}

/// Writes bytes readably: printable ASCII as is, `\n`, `\t`, `\\`, `\"`,
/// anything else as `\xNN`.
fn write_escaped(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for &b in bytes {
        match b {
            b'\n' => f.write_str("\\n")?,
            b'\t' => f.write_str("\\t")?,
            b'\\' => f.write_str("\\\\")?,
            b'"' => f.write_str("\\\"")?,
            0x20..=0x7E => f.write_char(char::from(b))?,
            _ => {
                let hi = HEX.get(usize::from(b >> 4)).copied().unwrap_or(b'0');
                let lo = HEX.get(usize::from(b & 0xF)).copied().unwrap_or(b'0');
                f.write_str("\\x")?;
                f.write_char(char::from(hi))?;
                f.write_char(char::from(lo))?;
            }
        }
    }
    Ok(())
}

use core::fmt::Write as _;

impl fmt::Display for Window {
    /// `"before|after"`, escaped.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_char('"')?;
        write_escaped(f, self.before())?;
        f.write_char('|')?;
        write_escaped(f, self.after())?;
        f.write_char('"')
    }
}

impl fmt::Debug for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Window(")?;
        fmt::Display::fmt(self, f)?;
        f.write_char(')')
    }
}

#[cfg(feature = "defmt")]
#[cfg_attr(docsrs, doc(cfg(feature = "defmt")))]
impl defmt::Format for Window {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "Window {{ before: {=[u8]}, after: {=[u8]} }}",
            self.before(),
            self.after()
        )
    }
}

/// The first place where the local text and the server's part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Difference {
    /// Which text.
    pub text: SignedText,
    /// Byte offset of the first differing byte (the length of the shorter
    /// text if one is a prefix of the other), in the decoded text.
    pub offset: usize,
    /// Line of that byte, 0-based (see [`SignedText::line_name`]).
    pub line: usize,
    /// The local text around it.
    pub local: Window,
    /// The server's text around it.
    pub server: Window,
}

/// What [`explain`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Mismatch {
    /// The body carried a `FormatString`, and it was compared.
    pub http_string_compared: bool,
    /// The body carried a `StringToSign`, and it was compared (only if the
    /// HttpStrings agreed or there was no `FormatString`).
    pub string_to_sign_compared: bool,
    /// A server text compared was cut to fit its capacity (`D`): it was
    /// compared as far as it goes, and the local text past its end was
    /// not.
    pub server_text_cut: bool,
    /// The first difference, if any.
    pub difference: Option<Difference>,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut num = [0u8; 20];
        match &self.difference {
            Some(d) => {
                f.write_str(d.text.as_str())?;
                f.write_str(" differs from the server's at byte ")?;
                f.write_str(dec(d.offset, &mut num))?;
                f.write_str(" (line ")?;
                f.write_str(dec(d.line.saturating_add(1), &mut num))?;
                f.write_str(", ")?;
                f.write_str(d.text.line_name(d.line))?;
                f.write_str(")")?;
                if d.text == SignedText::StringToSign && d.line == 2 {
                    f.write_str(": the HttpStrings differ")?;
                    if !self.http_string_compared {
                        f.write_str(" (the server sent no FormatString to show where)")?;
                    }
                }
                if d.text == SignedText::StringToSign && d.line == 1 {
                    f.write_str(": sign with the key time the server saw")?;
                }
                f.write_str("\n  local:  ")?;
                fmt::Display::fmt(&d.local, f)?;
                f.write_str("\n  server: ")?;
                fmt::Display::fmt(&d.server, f)?;
            }
            None => match (self.http_string_compared, self.string_to_sign_compared) {
                (false, false) => f.write_str(
                    "the error body has neither FormatString nor StringToSign: nothing to compare",
                ),
                (true, false) => f.write_str(
                    "the HttpString equals the server's FormatString (no StringToSign to compare): \
                     look at the key time and the SecretKey",
                ),
                (_, true) => f.write_str(
                    "the StringToSign equals the server's: the SecretKey is not the one \
                     that belongs to the SecretId (or the signature was altered on the way)",
                ),
            }?,
        }
        if self.server_text_cut {
            f.write_str(
                "\n  (the server's text was cut to fit its capacity: compared as far as it goes)",
            )?;
        }
        Ok(())
    }
}

fn dec(n: usize, buf: &mut [u8; 20]) -> &str {
    core::str::from_utf8(sink::fmt_u64(n as u64, buf)).unwrap_or("?")
}

/// The server's text, with `\n` pairs read as newlines.
struct ServerText<'s> {
    rest: &'s [u8],
    /// The text was cut to fit its capacity: a `\` at its very end may
    /// be the first half of a `\n`, and ends it.
    cut: bool,
}

impl Iterator for ServerText<'_> {
    type Item = u8;

    fn next(&mut self) -> Option<u8> {
        let (b, rest) = match self.rest {
            [b'\\', b'n', rest @ ..] => (b'\n', rest),
            [b'\\'] if self.cut => return None,
            [b, rest @ ..] => (*b, rest),
            [] => return None,
        };
        self.rest = rest;
        Some(b)
    }
}

/// A sink that compares what is written with the server's text.
struct Compare<'s> {
    server: ServerText<'s>,
    pos: usize,
    line: usize,
    ring: [u8; WINDOW],
    /// Local newlines past the end of the server's text, not yet counted
    /// as a difference (the reader trims them from the server's value).
    pending_newlines: usize,
    diff: bool,
    local: Window,
    server_first: Option<u8>,
    local_mask: Redactor,
    server_mask: Redactor,
    /// The server's text was cut and has been matched to its end: what
    /// follows is not compared.
    stopped: bool,
}

impl<'s> Compare<'s> {
    fn new(server: &'s [u8], cut: bool) -> Self {
        Self {
            server: ServerText { rest: server, cut },
            stopped: false,
            pos: 0,
            line: 0,
            ring: [0; WINDOW],
            pending_newlines: 0,
            diff: false,
            local: Window::EMPTY,
            server_first: None,
            local_mask: Redactor::http_string(),
            server_mask: Redactor::http_string(),
        }
    }

    fn start_diff(&mut self, server: Option<u8>) {
        self.diff = true;
        self.server_first = server.map(|s| self.server_mask.mask(s));
        for at in self.pos.saturating_sub(WINDOW)..self.pos {
            self.local
                .push(self.ring.get(at % WINDOW).copied().unwrap_or(b'?'));
        }
        self.local.before = self.local.len;
    }

    fn byte(&mut self, b: u8) {
        if self.stopped {
            return;
        }
        let shown = self.local_mask.mask(b);
        if !self.diff && self.pending_newlines > 0 {
            if b == b'\n' {
                self.pending_newlines = self.pending_newlines.saturating_add(1);
                return;
            }
            self.start_diff(None);
            for _ in 0..self.pending_newlines {
                self.local.push(b'\n');
            }
        }
        if !self.diff {
            match self.server.next() {
                Some(s) if s == b => {
                    self.server_mask.hides(s);
                    if let Some(slot) = self.ring.get_mut(self.pos % WINDOW) {
                        *slot = shown;
                    }
                    self.pos = self.pos.saturating_add(1);
                    if b == b'\n' {
                        self.line = self.line.saturating_add(1);
                    }
                    return;
                }
                None if self.server.cut => {
                    self.stopped = true;
                    return;
                }
                None if b == b'\n' => {
                    self.pending_newlines = 1;
                    return;
                }
                other => self.start_diff(other),
            }
        }
        self.local.push(shown);
    }

    fn finish(mut self, text: SignedText) -> Option<Difference> {
        if self.stopped {
            return None;
        }
        if !self.diff {
            let next = self.server.next()?;
            self.start_diff(Some(next));
        }
        let mut server = Window {
            before: self.local.before,
            len: self.local.before,
            ..self.local
        };
        if let Some(first) = self.server_first {
            server.push(first);
            for _ in 1..WINDOW {
                match self.server.next() {
                    Some(s) => server.push(self.server_mask.mask(s)),
                    None => break,
                }
            }
        }
        Some(Difference {
            text,
            offset: self.pos,
            line: self.line,
            local: self.local,
            server,
        })
    }
}

impl Sink for Compare<'_> {
    fn put(&mut self, bytes: &[u8]) -> Result<(), OutputError> {
        for &b in bytes {
            self.byte(b);
        }
        Ok(())
    }
}

/// Compares the local HttpString and StringToSign of `request` (signed
/// with `selection` for `key_time`) with the server's `FormatString` and
/// `StringToSign` in a `SignatureDoesNotMatch` body.
///
/// The HttpString is compared first; the StringToSign only if the
/// HttpStrings agree or the body has no `FormatString`. Errors are those
/// of signing the request.
///
/// ```
/// use tencent_cos_core::{explain, CanonicalRequest, KeyTime, Response, Selection, SignedText};
///
/// let body = b"<Error><Code>SignatureDoesNotMatch</Code>\
///     <FormatString>put\\n/a.txt\\n\\nhost=b-125.cos.ap-beijing.myqcloud.com\\n</FormatString></Error>";
/// let Response::Error(error) = Response::<256>::parse(body)? else { unreachable!() };
/// let headers = [("Host", "b-125.cos.ap-beijing.myqcloud.com")];
/// let request = CanonicalRequest::new("PUT", "/a%2Etxt", &[], &headers);
/// let m = explain(&error, &request, Selection::Exact, KeyTime::new(1, 2)?)?;
/// let d = m.difference.unwrap();
/// assert_eq!((d.text, d.offset, d.line), (SignedText::HttpString, 6, 1));
/// assert_eq!(d.local.to_string(), r#""put\n/a|%2Etxt\n\nhost=b-125.cos.a""#);
/// assert_eq!(d.server.to_string(), r#""put\n/a|.txt\n\nhost=b-125.cos.ap-""#);
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
///
/// Where a `SignatureDoesNotMatch` comes from.
///
/// On a signature mismatch COS sends back what it signed: its HttpString
/// (as `FormatString`) and its `StringToSign`. [`explain`] streams the
/// local HttpString and StringToSign of the same request past the server's
/// text and reports the first byte where they part, with a window of both
/// sides around it. Nothing is built in memory: the local text is compared
/// byte by byte as the signer produces it.
///
/// The server's text may carry line breaks as real newlines or as the
/// two characters `\n` (as COS's documentation shows them); both are read
/// as a newline. (A request whose own path or values hold a backslash
/// followed by `n` would be misread there.)
///
/// The response reader trims the whitespace around values, so a server
/// text that has lost its final newline(s) that way still equals the local
/// text that ends with them.
///
/// The values of secret pairs (`x-cos-security-token`, the SSE-C
/// `*-customer-key` and `*-customer-key-md5` headers, `authorization`,
/// `q-signature`) are shown as one `*` per byte in the windows, on both
/// sides; they are still compared. The windows hold only masked bytes, so
/// `Debug`, `Display` and defmt of [`Window`], [`Difference`] and
/// [`Mismatch`] never show such a value.
pub fn explain<const N: usize, const D: usize>(
    error: &CosErrorBody<N, D>,
    request: &CanonicalRequest<'_>,
    selection: Selection,
    key_time: KeyTime,
) -> Result<Mismatch, SignError> {
    let prepared = Prepared::new(request, selection)?;
    let mut m = Mismatch {
        http_string_compared: false,
        string_to_sign_compared: false,
        server_text_cut: false,
        difference: None,
    };
    if let Some(server) = &error.format_string {
        m.http_string_compared = true;
        m.server_text_cut |= error.cut.contains(Field::FormatString);
        m.difference = compare(
            server,
            error.cut.contains(Field::FormatString),
            SignedText::HttpString,
            &prepared,
            &key_time,
        )?;
        if m.difference.is_some() {
            return Ok(m);
        }
    }
    if let Some(server) = &error.string_to_sign {
        m.string_to_sign_compared = true;
        m.server_text_cut |= error.cut.contains(Field::StringToSign);
        m.difference = compare(
            server,
            error.cut.contains(Field::StringToSign),
            SignedText::StringToSign,
            &prepared,
            &key_time,
        )?;
    }
    Ok(m)
}

/// Streams the local `text` of `prepared` past the server's and gives
/// their first difference. One body for both texts (on bare metal, one
/// copy of the comparison instead of two).
#[inline(never)]
fn compare(
    server: &str,
    cut: bool,
    text: SignedText,
    prepared: &Prepared<'_>,
    key_time: &KeyTime,
) -> Result<Option<Difference>, SignError> {
    let mut cmp = Compare::new(server.as_bytes(), cut);
    match text {
        SignedText::HttpString => prepared.emit_http_string(&mut cmp)?,
        SignedText::StringToSign => {
            emit_string_to_sign(&mut cmp, key_time, &prepared.http_string_digest())?
        }
    }
    Ok(cmp.finish(text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Output;
    use crate::response::Response;

    const HOST: &str = "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com";

    fn esc(s: &str) -> String {
        s.replace('&', "&amp;").replace('<', "&lt;")
    }

    fn body(format: Option<&str>, sts: Option<&str>) -> CosErrorBody<1024> {
        let mut doc = String::from("<Error><Code>SignatureDoesNotMatch</Code>");
        if let Some(f) = format {
            doc += &format!("<FormatString>{}</FormatString>", esc(f));
        }
        if let Some(s) = sts {
            doc += &format!("<StringToSign>{}</StringToSign>", esc(s));
        }
        doc += "</Error>";
        match Response::<1024>::parse(doc.as_bytes()).unwrap() {
            Response::Error(e) => e,
            other => panic!("{other:?}"),
        }
    }

    fn local(req: &CanonicalRequest<'_>, kt: KeyTime) -> (String, String) {
        let mut h = String::new();
        req.http_string(Selection::Exact)
            .and_then(|t| Ok(t.write_to(&mut h)?))
            .unwrap();
        let mut s = String::new();
        req.string_to_sign(Selection::Exact, kt)
            .and_then(|t| Ok(t.write_to(&mut s)?))
            .unwrap();
        (h, s)
    }

    fn kt() -> KeyTime {
        KeyTime::new(1_615_113_257, 1_615_199_657).unwrap()
    }

    #[test]
    fn equal_texts_in_either_newline_form() {
        let headers = [("Host", HOST), ("x-cos-copy-source-range", "bytes=0-9")];
        let req = CanonicalRequest::new("PUT", "/dest.bin", &[("partNumber", "1")], &headers);
        let (h, s) = local(&req, kt());
        for (hf, sf) in [
            (h.clone(), s.clone()),
            (h.replace('\n', "\\n"), s.replace('\n', "\\n")),
        ] {
            let m = explain(&body(Some(&hf), Some(&sf)), &req, Selection::Exact, kt()).unwrap();
            assert_eq!(
                m,
                Mismatch {
                    http_string_compared: true,
                    string_to_sign_compared: true,
                    server_text_cut: false,
                    difference: None
                }
            );
            assert!(m.to_string().contains("SecretKey"));
        }
    }

    #[test]
    fn first_difference_with_windows() {
        let headers = [("Host", HOST), ("x-cos-meta-a", "1")];
        let req = CanonicalRequest::new("PUT", "/dest.bin", &[], &headers);
        let (h, _) = local(&req, kt());
        let server = h.replace("x-cos-meta-a=1", "x-cos-meta-a=2");
        let m = explain(&body(Some(&server), None), &req, Selection::Exact, kt()).unwrap();
        let d = m.difference.unwrap();
        let at = h.find("=1").unwrap() + 1;
        assert_eq!(d.text, SignedText::HttpString);
        assert_eq!(d.offset, at);
        assert_eq!(d.line, 3);
        assert_eq!(d.local.before(), &h.as_bytes()[at - WINDOW..at]);
        assert_eq!(d.local.after(), b"1\n");
        assert_eq!(d.server.before(), d.local.before());
        // The reader trimmed the server's final newline.
        assert_eq!(d.server.after(), b"2");
        assert_eq!(
            m.to_string(),
            "HttpString differs from the server's at byte 88 (line 4, headers)\n  \
             local:  \"qcloud.com&x-cos-meta-a=|1\\n\"\n  \
             server: \"qcloud.com&x-cos-meta-a=|2\""
        );
        assert!(!m.string_to_sign_compared);
    }

    #[test]
    fn prefixes_and_short_texts() {
        let req = CanonicalRequest::new("GET", "/", &[], &[]);
        let (h, _) = local(&req, kt());
        assert_eq!(h, "get\n/\n\n\n");
        // Server longer.
        let m = explain(
            &body(Some("get\\n/\\n\\n\\nextra"), None),
            &req,
            Selection::Exact,
            kt(),
        )
        .unwrap();
        let d = m.difference.unwrap();
        assert_eq!((d.offset, d.line), (8, 4));
        assert_eq!(d.local.after(), b"");
        assert_eq!(d.server.after(), b"extra");
        assert_eq!(d.local.before(), b"get\n/\n\n\n");
        // Server shorter: only its final newlines may be missing.
        let m = explain(&body(Some("get\n/"), None), &req, Selection::Exact, kt()).unwrap();
        assert_eq!(m.difference, None);
        let m = explain(&body(Some("get"), None), &req, Selection::Exact, kt()).unwrap();
        let d = m.difference.unwrap();
        assert_eq!((d.offset, d.line), (3, 0));
        assert_eq!(d.local.after(), b"\n/\n\n\n");
        assert_eq!(d.server.after(), b"");
        assert_eq!(d.local.to_string(), "\"get|\\n/\\n\\n\\n\"");
        // At the first byte.
        let m = explain(&body(Some("put"), None), &req, Selection::Exact, kt()).unwrap();
        let d = m.difference.unwrap();
        assert_eq!((d.offset, d.line), (0, 0));
        assert_eq!(d.local.before(), b"");
        assert_eq!(d.server.after(), b"put");
    }

    #[test]
    fn string_to_sign_is_compared_when_http_strings_agree_or_are_absent() {
        let req = CanonicalRequest::new("GET", "/", &[], &[("Host", HOST)]);
        let (h, s) = local(&req, kt());
        // A different key time on the server.
        let other = s.replace("1615199657", "1615199658");
        let m = explain(&body(Some(&h), Some(&other)), &req, Selection::Exact, kt()).unwrap();
        let d = m.difference.unwrap();
        assert_eq!((d.text, d.line), (SignedText::StringToSign, 1));
        assert!(m.to_string().contains("key time"), "{m}");
        // No FormatString: the digest line differs.
        let req2 = CanonicalRequest::new("GET", "/x", &[], &[("Host", HOST)]);
        let m = explain(&body(None, Some(&s)), &req2, Selection::Exact, kt()).unwrap();
        let d = m.difference.unwrap();
        assert_eq!(
            (d.text, d.line, d.offset),
            (SignedText::StringToSign, 2, 27)
        );
        assert!(m.to_string().contains("no FormatString"), "{m}");
        let m = explain(&body(None, None), &req, Selection::Exact, kt()).unwrap();
        assert_eq!(m.difference, None);
        assert!(m.to_string().contains("nothing to compare"));
    }

    #[test]
    fn secrets_are_masked_in_windows() {
        let headers = [
            ("Host", HOST),
            ("x-cos-security-token", "TOKENSECRET"),
            ("x-cos-storage-class", "STANDARD"),
        ];
        let req = CanonicalRequest::new("PUT", "/o", &[], &headers);
        let (h, _) = local(&req, kt());
        let server = h.replace("TOKENSECRET", "TOKENSECRXT");
        let m = explain(&body(Some(&server), None), &req, Selection::Exact, kt()).unwrap();
        let d = m.difference.unwrap();
        assert_eq!(d.offset, h.find("TOKENSECRET").unwrap() + 9);
        let shown = m.to_string();
        assert!(!shown.contains("TOKEN"), "{shown}");
        assert!(!shown.contains("SECR"), "{shown}");
        assert!(format!("{m:?}").find("SECR").is_none());
        assert_eq!(d.local.after(), b"**&x-cos-storage-class=S");
        assert_eq!(d.server.after(), b"**&x-cos-storage-class=S");
        assert!(d.local.before().ends_with(b"-token=*********"));
    }

    /// A FormatString cut to fit a small `D` is compared as far as it
    /// goes: its end is no difference, one before it still is.
    #[test]
    fn a_cut_server_text_is_compared_as_far_as_it_goes() {
        let headers = [("Host", HOST), ("x-cos-meta-a", "1")];
        let req = CanonicalRequest::new("PUT", "/dest.bin", &[("partNumber", "1")], &headers);
        let (h, s) = local(&req, kt());
        let escaped = h.replace('\n', "\\n");
        let doc = format!(
            "<Error><Code>SignatureDoesNotMatch</Code><FormatString>{}</FormatString>\
             <StringToSign>{}</StringToSign></Error>",
            esc(&escaped),
            esc(&s.replace('\n', "\\n"))
        );
        // Cut inside a `\n` pair, inside a word, and after a line.
        for cut in [5, 22, 40, escaped.len() - 1] {
            let mut e = match Response::<1024>::parse(doc.as_bytes()).unwrap() {
                Response::Error(e) => e,
                other => panic!("{other:?}"),
            };
            let kept = &escaped[..cut];
            e.format_string = Some(kept.trim_end().try_into().unwrap());
            e.cut = e.cut.with(crate::Field::FormatString);
            let m = explain(&e, &req, Selection::Exact, kt()).unwrap();
            assert_eq!(m.difference, None, "{kept:?}");
            assert!((m.http_string_compared, m.string_to_sign_compared) == (true, true));
            assert!(m.server_text_cut);
            assert!(
                m.to_string().ends_with("compared as far as it goes)"),
                "{m}"
            );
        }
        // The same body read with a small D: the same outcome.
        let Response::Error(e) = Response::<64, 40>::parse(doc.as_bytes()).unwrap() else {
            panic!()
        };
        assert!(e.is_cut(crate::Field::FormatString) && e.is_cut(crate::Field::StringToSign));
        let m = explain(&e, &req, Selection::Exact, kt()).unwrap();
        assert_eq!((m.difference, m.server_text_cut), (None, true));
        // A difference before the cut is still found.
        let other = CanonicalRequest::new("POST", "/dest.bin", &[("partNumber", "1")], &headers);
        let m = explain(&e, &other, Selection::Exact, kt()).unwrap();
        let d = m.difference.unwrap();
        assert_eq!((d.text, d.offset, d.line), (SignedText::HttpString, 1, 0));
    }

    #[test]
    fn escapes_non_printable_bytes() {
        let req = CanonicalRequest::new("GET", "/é", &[], &[]);
        let m = explain(&body(Some("get\n/e"), None), &req, Selection::Exact, kt()).unwrap();
        let d = m.difference.unwrap();
        assert_eq!(d.local.to_string(), "\"get\\n/|\\xc3\\xa9\\n\\n\\n\"");
    }

    #[test]
    fn sign_errors_pass_through() {
        let req = CanonicalRequest::new("", "/", &[], &[]);
        assert_eq!(
            explain(&body(None, None), &req, Selection::Exact, kt()),
            Err(SignError::InvalidMethod)
        );
    }
}
