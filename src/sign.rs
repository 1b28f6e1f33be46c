//! The COS request signature (`q-sign-algorithm=sha1`).
//!
//! A [`SigningKey`] is made once per validity window from the SecretKey;
//! [`SigningKey::sign`] then streams the canonical request (the
//! *HttpString*) into SHA-1 as it is produced, signs the *StringToSign* with
//! the precomputed HMAC state, and returns a [`Signed`] request that writes
//! the `Authorization` value or the presigned-URL query.
//!
//! Nothing is allocated and nothing is buffered in proportion to the
//! request: the pairs are ordered through a small index array on the stack.

use crate::credentials::{Credentials, KeyTime, KeyTimeText, put_key_time};
use crate::encode::{self, cmp_names};
use crate::hash::{DIGEST_LEN, HmacSha1, hex40};
use crate::sink::{self, FmtSink, OutputError, Sink, Staged};
use core::cmp::Ordering;
use core::fmt;

/// The most pairs a request may pass in `params`, and separately in
/// `headers`. A real COS request signs about a dozen headers (metadata,
/// SSE, conditions, token); 64 leaves ample room while keeping the
/// on-stack index arrays at 64 bytes each.
pub const MAX_PAIRS: usize = 64;

/// Which list a pair belongs to, for error reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum PairKind {
    /// A query parameter.
    Param,
    /// A header.
    Header,
}

impl fmt::Display for PairKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Param => "parameter",
            Self::Header => "header",
        })
    }
}

/// Why a request could not be signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum SignError {
    /// The method is empty or not an HTTP token.
    InvalidMethod,
    /// More than [`MAX_PAIRS`] pairs of one kind.
    TooManyPairs {
        /// Params or headers.
        kind: PairKind,
    },
    /// A pair has an empty name.
    EmptyName {
        /// Params or headers.
        kind: PairKind,
        /// Position in the slice the caller passed.
        index: usize,
    },
    /// A header name holds a byte that is not allowed in an HTTP token.
    InvalidHeaderName {
        /// Position in the headers slice.
        index: usize,
    },
    /// A header value holds CR, LF or NUL.
    InvalidHeaderValue {
        /// Position in the headers slice.
        index: usize,
    },
    /// Two names are equal after lowercasing. The official SDKs disagree
    /// on what that means, so it is refused.
    DuplicateName {
        /// Params or headers.
        kind: PairKind,
        /// Position of the second of the two in the slice.
        index: usize,
    },
    /// The output did not fit.
    Output(OutputError),
}

impl From<OutputError> for SignError {
    fn from(e: OutputError) -> Self {
        Self::Output(e)
    }
}

impl fmt::Display for SignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidMethod => f.write_str("method is empty or not an HTTP token"),
            Self::TooManyPairs { kind } => write!(f, "more than {MAX_PAIRS} {kind}s"),
            Self::EmptyName { kind, index } => write!(f, "{kind} {index} has an empty name"),
            Self::InvalidHeaderName { index } => {
                write!(f, "header {index} has a name that is not an HTTP token")
            }
            Self::InvalidHeaderValue { index } => {
                write!(f, "header {index} has CR, LF or NUL in its value")
            }
            Self::DuplicateName { kind, index } => write!(
                f,
                "{kind} {index} repeats an earlier name (names are compared lowercased)"
            ),
            Self::Output(e) => fmt::Display::fmt(e, f),
        }
    }
}

impl core::error::Error for SignError {}

/// Which of the request's pairs the signature covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Selection {
    /// Every param and every header given, exactly as given.
    #[default]
    Exact,
    /// As the official SDKs choose: every param; of the headers, those
    /// named in their whitelist (`cache-control`, `content-disposition`,
    /// `content-encoding`, `content-length`, `content-md5`,
    /// `content-type`, `expect`, `expires`, `host`, `if-match`,
    /// `if-modified-since`, `if-none-match`, `if-unmodified-since`,
    /// `origin`, `range`, `transfer-encoding`, `pic-operations`) and every
    /// name starting with `x-cos-` or `x-ci-`, case-insensitively.
    ///
    /// A selected header with an empty value is signed as `name=`, as the
    /// Python and Go SDKs do (the Node SDK leaves it out of the signature
    /// but still sends it; the server accepts both). Signing what is sent
    /// is the choice that never leaves a header unprotected.
    Sdk,
}

const SDK_HEADERS: [&str; 17] = [
    "cache-control",
    "content-disposition",
    "content-encoding",
    "content-length",
    "content-md5",
    "content-type",
    "expect",
    "expires",
    "host",
    "if-match",
    "if-modified-since",
    "if-none-match",
    "if-unmodified-since",
    "origin",
    "pic-operations",
    "range",
    "transfer-encoding",
];

/// Whether the official SDKs sign a header of this name.
pub fn sdk_signs_header(name: &str) -> bool {
    let starts = |p: &str| {
        name.get(..p.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(p))
    };
    starts("x-cos-") || starts("x-ci-") || SDK_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(name))
}

/// Whether a pair of this name carries a secret that `Debug` must hide.
pub(crate) fn is_secret_name(name: &str) -> bool {
    name.eq_ignore_ascii_case("x-cos-security-token")
        || name.eq_ignore_ascii_case("x-cos-server-side-encryption-customer-key")
        || name.eq_ignore_ascii_case("x-cos-copy-source-server-side-encryption-customer-key")
}

/// What a signature covers: the method, the decoded path and the query
/// parameters and headers as name/value pairs.
///
/// * `path` is the **decoded** path, used verbatim (the signer adds no
///   `/`): `/folder/my file.txt`, never `/folder/my%20file.txt`.
/// * A valueless parameter such as `?uploads` is `("uploads", "")`.
/// * Header values are signed exactly as given; the wire form must send
///   the same bytes.
#[derive(Clone, Copy)]
pub struct CanonicalRequest<'a> {
    /// HTTP method, any case.
    pub method: &'a str,
    /// Decoded request path.
    pub path: &'a str,
    /// Decoded query parameters.
    pub params: &'a [(&'a str, &'a str)],
    /// Headers.
    pub headers: &'a [(&'a str, &'a str)],
}

impl<'a> CanonicalRequest<'a> {
    /// Bundles the parts of a request.
    pub const fn new(
        method: &'a str,
        path: &'a str,
        params: &'a [(&'a str, &'a str)],
        headers: &'a [(&'a str, &'a str)],
    ) -> Self {
        Self {
            method,
            path,
            params,
            headers,
        }
    }
}

struct RedactedPairs<'a>(&'a [(&'a str, &'a str)]);

impl fmt::Debug for RedactedPairs<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut l = f.debug_list();
        for (n, v) in self.0 {
            if is_secret_name(n) {
                l.entry(&(n, "<redacted>"));
            } else {
                l.entry(&(n, v));
            }
        }
        l.finish()
    }
}

impl fmt::Debug for CanonicalRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CanonicalRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("params", &RedactedPairs(self.params))
            .field("headers", &RedactedPairs(self.headers))
            .finish()
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for CanonicalRequest<'_> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "CanonicalRequest {{ method: {=str}, path: {=str}, params: {=usize}, headers: {=usize} }}",
            self.method,
            self.path,
            self.params.len(),
            self.headers.len()
        )
    }
}

/// Indices of the signed pairs, in signing order.
#[derive(Clone, Copy)]
pub(crate) struct Order {
    idx: [u8; MAX_PAIRS],
    len: u8,
}

impl Order {
    pub(crate) const EMPTY: Self = Self {
        idx: [0; MAX_PAIRS],
        len: 0,
    };

    pub(crate) fn indices(&self) -> &[u8] {
        self.idx.get(..usize::from(self.len)).unwrap_or_default()
    }

    pub(crate) fn push(&mut self, i: usize) -> bool {
        match (self.idx.get_mut(usize::from(self.len)), u8::try_from(i)) {
            (Some(slot), Ok(i)) => {
                *slot = i;
                // A slot was free, so len < MAX_PAIRS.
                self.len = self.len.wrapping_add(1);
                true
            }
            _ => false,
        }
    }

    pub(crate) fn pairs<'p, 'a>(
        &'p self,
        pairs: &'p [(&'a str, &'a str)],
    ) -> impl Iterator<Item = (&'a str, &'a str)> + 'p {
        self.indices()
            .iter()
            .filter_map(move |&i| pairs.get(usize::from(i)).copied())
    }

    /// Selects the pairs `selection` signs and orders them by encoded,
    /// lowercased name into `order` (empty on entry); equal names are an
    /// error. Fills in place rather than returning an `Order`: moving one
    /// through a `Result` costs its size in stack each time.
    fn sort_into(
        order: &mut Self,
        pairs: &[(&str, &str)],
        kind: PairKind,
        selection: Selection,
    ) -> Result<(), SignError> {
        if pairs.len() > MAX_PAIRS {
            return Err(SignError::TooManyPairs { kind });
        }
        for (i, (name, _)) in crate::bytes::numbered(pairs.iter()) {
            if selection == Selection::Sdk && !sdk_signs_header(name) {
                continue;
            }
            // Insertion sort: n is small and the input is often sorted.
            let mut at = usize::from(order.len);
            while at > 0 {
                let prev = order.idx.get(at - 1).copied().unwrap_or(0);
                let prev_name = pairs.get(usize::from(prev)).map_or("", |p| p.0);
                match cmp_names(prev_name.as_bytes(), name.as_bytes()) {
                    Ordering::Less => break,
                    Ordering::Equal => return Err(SignError::DuplicateName { kind, index: i }),
                    Ordering::Greater => at -= 1,
                }
            }
            let len = usize::from(order.len);
            if let Some(window) = order.idx.get_mut(at..=len) {
                // Insert `i` at `at`, moving the rest up one place (not
                // `rotate_right`: its assertion stays in firmware builds).
                let mut carry = i as u8;
                for slot in window {
                    carry = core::mem::replace(slot, carry);
                }
            }
            // At most MAX_PAIRS pairs (checked above): len < MAX_PAIRS.
            order.len = order.len.wrapping_add(1);
        }
        Ok(())
    }
}

/// Which bytes are HTTP `tchar`s.
pub(crate) const fn token_table() -> [bool; 256] {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'.'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'|'
                    | b'~'
            );
        i += 1;
    }
    t
}

static TOKEN: crate::bytes::AsciiSet = crate::bytes::AsciiSet::from_table(&token_table());

/// Whether `s` is a non-empty HTTP token (RFC 9110 `tchar`s).
pub(crate) fn is_token(s: &str) -> bool {
    // A fold rather than `all`: no early exit, so that it is a vector
    // reduction on hosts (names are short; a bad one is rare).
    !s.is_empty() && s.bytes().fold(true, |ok, b| ok & TOKEN.contains(b))
}

/// Whether a header value is free of CR, LF and NUL.
pub(crate) fn is_clean_value(v: &str) -> bool {
    // NUL, LF or CR: one of `b`, `b ^ LF`, `b ^ CR` is zero. Written so,
    // the test of 16 bytes is a few vector instructions.
    let bad = |b: u8| b.min(b ^ b'\n').min(b ^ b'\r') == 0;
    let bytes = v.as_bytes();
    // The accelerator passes whole blocks of clean bytes.
    let known = crate::bytes::blocks_in(bytes, |b| !bad(b));
    !bytes
        .get(known..)
        .unwrap_or_default()
        .iter()
        .any(|&b| bad(b))
}

/// A request checked and put in signing order.
#[derive(Clone, Copy)]
pub(crate) struct Prepared<'r> {
    pub(crate) req: CanonicalRequest<'r>,
    pub(crate) params: Order,
    pub(crate) headers: Order,
}

impl<'r> Prepared<'r> {
    /// Checks every pair and orders the selected ones.
    pub(crate) fn new(req: &CanonicalRequest<'r>, selection: Selection) -> Result<Self, SignError> {
        Self::build(req, selection, true)
    }

    /// Checked if `checked`, then ordered. Inlined, so that `new` compiles
    /// to what it would be written out.
    #[inline(always)]
    fn build(
        req: &CanonicalRequest<'r>,
        selection: Selection,
        checked: bool,
    ) -> Result<Self, SignError> {
        if checked {
            Self::check(req)?;
        }
        let mut p = Self {
            req: *req,
            params: Order::EMPTY,
            headers: Order::EMPTY,
        };
        // Every param is signed; `selection` picks among the headers.
        Order::sort_into(&mut p.params, req.params, PairKind::Param, Selection::Exact)?;
        Order::sort_into(&mut p.headers, req.headers, PairKind::Header, selection)?;
        Ok(p)
    }

    /// The checks every request passes, whatever is selected.
    pub(crate) fn check(req: &CanonicalRequest<'_>) -> Result<(), SignError> {
        if !is_token(req.method) {
            return Err(SignError::InvalidMethod);
        }
        if req.params.len() > MAX_PAIRS {
            return Err(SignError::TooManyPairs {
                kind: PairKind::Param,
            });
        }
        if req.headers.len() > MAX_PAIRS {
            return Err(SignError::TooManyPairs {
                kind: PairKind::Header,
            });
        }
        if let Some(index) = req.params.iter().position(|(n, _)| n.is_empty()) {
            return Err(SignError::EmptyName {
                kind: PairKind::Param,
                index,
            });
        }
        for (index, (n, v)) in crate::bytes::numbered(req.headers.iter()) {
            if n.is_empty() {
                return Err(SignError::EmptyName {
                    kind: PairKind::Header,
                    index,
                });
            }
            if !is_token(n) {
                return Err(SignError::InvalidHeaderName { index });
            }
            if !is_clean_value(v) {
                return Err(SignError::InvalidHeaderValue { index });
            }
        }
        Ok(())
    }

    /// `HttpString = method "\n" path "\n" params "\n" headers "\n"`.
    pub(crate) fn emit_http_string(&self, out: &mut dyn Sink) -> Result<(), OutputError> {
        let mut w = Staged::new(out);
        w.put_case(self.req.method.as_bytes(), true)?;
        w.array(b"\n")?;
        w.put_case(self.req.path.as_bytes(), false)?;
        w.array(b"\n")?;
        emit_pairs(&mut w, self.params.pairs(self.req.params))?;
        w.array(b"\n")?;
        emit_pairs(&mut w, self.headers.pairs(self.req.headers))?;
        w.array(b"\n")?;
        w.finish()
    }

    /// SHA-1 of the HttpString.
    pub(crate) fn http_string_digest(&self) -> [u8; DIGEST_LEN] {
        let mut h = crate::hash::Sha1::new();
        // Hashing never fails.
        let _ = self.emit_http_string(&mut h);
        h.finalize()
    }

    pub(crate) fn emit_header_list(
        &self,
        out: &mut Staged<'_>,
        sep: &[u8],
        double: bool,
    ) -> Result<(), OutputError> {
        emit_names(out, self.headers.pairs(self.req.headers), sep, double)
    }

    pub(crate) fn emit_param_list(
        &self,
        out: &mut Staged<'_>,
        sep: &[u8],
        double: bool,
    ) -> Result<(), OutputError> {
        emit_names(out, self.params.pairs(self.req.params), sep, double)
    }
}

fn emit_pairs<'a>(
    out: &mut Staged<'_>,
    pairs: impl Iterator<Item = (&'a str, &'a str)>,
) -> Result<(), OutputError> {
    for (i, (name, value)) in crate::bytes::numbered(pairs) {
        if i > 0 {
            out.array(b"&")?;
        }
        out.encoded(name.as_bytes(), true)?;
        out.array(b"=")?;
        out.encoded(value.as_bytes(), false)?;
    }
    Ok(())
}

/// Writes the signed names joined by `sep`. With `double`, each name is
/// percent-encoded once more, as a presigned URL carries it.
fn emit_names<'a>(
    out: &mut Staged<'_>,
    pairs: impl Iterator<Item = (&'a str, &'a str)>,
    sep: &[u8],
    double: bool,
) -> Result<(), OutputError> {
    for (i, (name, _)) in crate::bytes::numbered(pairs) {
        if i > 0 {
            out.put_case(sep, false)?;
        }
        if double {
            // E(lower(E(name))): only the '%' of the first encoding changes.
            for b in encode::EncodedLower::new(name.as_bytes()) {
                if b == b'%' {
                    out.array(b"%25")?;
                } else {
                    out.byte(b)?;
                }
            }
        } else {
            out.encoded(name.as_bytes(), true)?;
        }
    }
    Ok(())
}

/// Writes `StringToSign = "sha1\n" KeyTime "\n" hex(SHA1(HttpString)) "\n"`.
pub(crate) fn emit_string_to_sign(
    out: &mut dyn Sink,
    key_time: &KeyTime,
    digest: &[u8; DIGEST_LEN],
) -> Result<(), OutputError> {
    out.put(b"sha1\n")?;
    put_key_time(out, key_time)?;
    out.put(b"\n")?;
    out.put(&hex40(digest))?;
    out.put(b"\n")
}

/// A signature: 40 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Signature([u8; 40]);

impl Signature {
    /// The hex digits as bytes.
    pub const fn as_bytes(&self) -> &[u8; 40] {
        &self.0
    }

    /// The hex digits as text.
    pub fn as_str(&self) -> &str {
        core::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// Compares with hex digits in time that does not depend on where they
    /// differ.
    pub fn ct_eq(&self, other: &[u8]) -> bool {
        if other.len() != self.0.len() {
            return false;
        }
        let diff = self
            .0
            .iter()
            .zip(other)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        core::hint::black_box(diff) == 0
    }
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({})", self.as_str())
    }
}

/// The signing key of one validity window: the SignKey
/// (`hex(HMAC-SHA1(SecretKey, KeyTime))`) and the HMAC state keyed by it,
/// made once and reused for every request signed in that window (the parts
/// of one copy), so that each signature costs only the hashing of its own
/// request.
///
/// `Debug` shows the SecretId and the window; the SignKey and the token
/// are never printed.
#[derive(Clone)]
pub struct SigningKey<'a> {
    secret_id: &'a str,
    token: Option<&'a str>,
    key_time: KeyTimeText,
    sign_key: [u8; 40],
    /// HMAC keyed by the SignKey, the first two lines of every
    /// StringToSign (`sha1`, the key time) already absorbed.
    mac: HmacSha1,
}

impl<'a> SigningKey<'a> {
    /// Derives the key for `key_time`.
    pub fn new(credentials: &Credentials<'a>, key_time: KeyTime) -> Self {
        let key_time = KeyTimeText::new(key_time);
        // Writing into a MAC never fails.
        let mut mac = HmacSha1::new(credentials.secret_key().as_bytes());
        let _ = key_time.put(&mut mac);
        let sign_key = hex40(&mac.finalize());
        // The same MAC reused: one MAC state on the stack, not two.
        mac = HmacSha1::new(&sign_key);
        mac.update(b"sha1\n");
        let _ = key_time.put(&mut mac);
        mac.update(b"\n");
        Self {
            secret_id: credentials.secret_id(),
            token: credentials.security_token(),
            key_time,
            mac,
            sign_key,
        }
    }

    /// The window with its text.
    pub(crate) fn key_time_text(&self) -> &KeyTimeText {
        &self.key_time
    }

    /// The validity window.
    pub fn key_time(&self) -> KeyTime {
        self.key_time.key_time()
    }

    /// The SecretId that goes in `q-ak`.
    pub fn secret_id(&self) -> &'a str {
        self.secret_id
    }

    /// The security token of temporary credentials.
    pub fn security_token(&self) -> Option<&'a str> {
        self.token
    }

    /// The SignKey, 40 hex digits. It signs anything in its window: treat
    /// it like the SecretKey (it is here for debugging and test vectors).
    pub fn sign_key(&self) -> &str {
        core::str::from_utf8(&self.sign_key).unwrap_or_default()
    }

    /// Signs `request`.
    pub fn sign<'r>(
        &self,
        request: &CanonicalRequest<'r>,
        selection: Selection,
    ) -> Result<Signed<'r>, SignError>
    where
        'a: 'r,
    {
        // Borrowed, not moved out of the `Result` (stack: see `sort_into`).
        let prepared = Prepared::new(request, selection);
        let prepared = match &prepared {
            Ok(p) => p,
            Err(e) => return Err(*e),
        };
        Ok(self.signed(*prepared, self.signature_of(prepared)))
    }

    /// `prepared` signed by this key with `signature`.
    #[inline(always)]
    fn signed<'r>(&self, prepared: Prepared<'r>, signature: Signature) -> Signed<'r>
    where
        'a: 'r,
    {
        Signed {
            secret_id: self.secret_id,
            token: self.token,
            key_time: self.key_time,
            signature,
            prepared,
        }
    }

    pub(crate) fn signature_of(&self, prepared: &Prepared<'_>) -> Signature {
        self.mac_of(&prepared.http_string_digest())
    }

    /// The MAC of the StringToSign for `digest`. Kept out of line so that
    /// its copy of the MAC state and the HttpString hasher are never on the
    /// stack at the same time.
    #[inline(never)]
    fn mac_of(&self, digest: &[u8; DIGEST_LEN]) -> Signature {
        let mut mac = self.mac.clone();
        mac.update(&hex40(digest));
        mac.update(b"\n");
        Signature(hex40(&mac.finalize()))
    }
}

impl fmt::Debug for SigningKey<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("secret_id", &self.secret_id)
            .field("key_time", &self.key_time.key_time())
            .field("sign_key", &"<redacted>")
            .field("token", &self.token.map(|_| "<redacted>"))
            .finish()
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for SigningKey<'_> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "SigningKey {{ secret_id: {=str}, key_time: {}, sign_key: <redacted> }}",
            self.secret_id,
            self.key_time.key_time()
        )
    }
}

/// A signed request: the signature and what is needed to write it out.
///
/// `Display` writes the `Authorization` header value.
#[derive(Clone, Copy)]
pub struct Signed<'r> {
    secret_id: &'r str,
    token: Option<&'r str>,
    key_time: KeyTimeText,
    signature: Signature,
    prepared: Prepared<'r>,
}

impl<'r> Signed<'r> {
    /// The signature.
    pub fn signature(&self) -> &Signature {
        &self.signature
    }

    /// The validity window it was signed for.
    pub fn key_time(&self) -> KeyTime {
        self.key_time.key_time()
    }

    /// The security token to send in `x-cos-security-token`, if any.
    pub fn security_token(&self) -> Option<&'r str> {
        self.token
    }

    pub(crate) fn emit_authorization(&self, out: &mut dyn Sink) -> Result<(), OutputError> {
        emit_authorization(
            out,
            self.secret_id,
            &self.key_time,
            &self.prepared,
            &self.signature,
        )
    }

    fn emit_presigned_query(&self, out: &mut dyn Sink) -> Result<(), OutputError> {
        let mut w = Staged::new(out);
        w.put(b"q-sign-algorithm=sha1&q-ak=")?;
        w.encoded(self.secret_id.as_bytes(), false)?;
        for field in [&b"&q-sign-time="[..], b"&q-key-time="] {
            w.put(field)?;
            w.decimal(self.key_time.key_time().start())?;
            w.array(b"%3B")?;
            w.decimal(self.key_time.key_time().end())?;
        }
        w.put(b"&q-header-list=")?;
        self.prepared.emit_header_list(&mut w, b"%3B", true)?;
        w.put(b"&q-url-param-list=")?;
        self.prepared.emit_param_list(&mut w, b"%3B", true)?;
        w.put(b"&q-signature=")?;
        w.put(self.signature.as_bytes())?;
        if let Some(token) = self.token {
            w.put(b"&x-cos-security-token=")?;
            w.encoded(token.as_bytes(), false)?;
        }
        w.finish()
    }

    /// Writes the `Authorization` header value.
    pub fn write_authorization<W: fmt::Write + ?Sized>(
        &self,
        w: &mut W,
    ) -> Result<(), OutputError> {
        self.emit_authorization(&mut FmtSink(w))
    }

    /// The exact length of the `Authorization` value.
    pub fn authorization_len(&self) -> usize {
        sink::measure(|c| self.emit_authorization(c)).unwrap_or(0)
    }

    /// Writes the `Authorization` value into `buf` and returns it.
    pub fn authorization_to_slice<'b>(&self, buf: &'b mut [u8]) -> Result<&'b str, OutputError> {
        sink::to_slice(buf, |s| self.emit_authorization(s))
    }

    /// Writes the presigned-URL query: the same `q-*` fields with every
    /// value percent-encoded (`;` as `%3B`), then
    /// `&x-cos-security-token=...` for temporary credentials. Append it to
    /// the URL after `?` (or after the request's own query and `&`).
    pub fn write_presigned_query<W: fmt::Write + ?Sized>(
        &self,
        w: &mut W,
    ) -> Result<(), OutputError> {
        self.emit_presigned_query(&mut FmtSink(w))
    }

    /// The exact length of the presigned query.
    pub fn presigned_query_len(&self) -> usize {
        sink::measure(|c| self.emit_presigned_query(c)).unwrap_or(0)
    }

    /// Writes the presigned query into `buf` and returns it.
    pub fn presigned_query_to_slice<'b>(&self, buf: &'b mut [u8]) -> Result<&'b str, OutputError> {
        sink::to_slice(buf, |s| self.emit_presigned_query(s))
    }
}

impl fmt::Display for Signed<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.emit_authorization(&mut FmtSink(f))
            .map_err(|_| fmt::Error)
    }
}

impl fmt::Debug for Signed<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signed")
            .field("secret_id", &self.secret_id)
            .field("key_time", &self.key_time.key_time())
            .field("signature", &self.signature)
            .finish_non_exhaustive()
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for Signed<'_> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "Signed {{ secret_id: {=str}, key_time: {}, signature: {} }}",
            self.secret_id,
            self.key_time.key_time(),
            self.signature
        )
    }
}

/// Writes the `Authorization` value of a prepared request and its
/// signature (for builders that need no [`Signed`]).
pub(crate) fn emit_authorization(
    out: &mut dyn Sink,
    secret_id: &str,
    key_time: &KeyTimeText,
    prepared: &Prepared<'_>,
    signature: &Signature,
) -> Result<(), OutputError> {
    let mut w = Staged::new(out);
    w.put(b"q-sign-algorithm=sha1&q-ak=")?;
    w.put(secret_id.as_bytes())?;
    w.put(b"&q-sign-time=")?;
    key_time.put(&mut w)?;
    w.put(b"&q-key-time=")?;
    key_time.put(&mut w)?;
    w.put(b"&q-header-list=")?;
    prepared.emit_header_list(&mut w, b";", false)?;
    w.put(b"&q-url-param-list=")?;
    prepared.emit_param_list(&mut w, b";", false)?;
    w.put(b"&q-signature=")?;
    w.put(signature.as_bytes())?;
    w.finish()
}

/// Writes the HttpString of `request` (for debugging a signature).
pub fn write_http_string<W: fmt::Write + ?Sized>(
    request: &CanonicalRequest<'_>,
    selection: Selection,
    w: &mut W,
) -> Result<(), SignError> {
    let p = Prepared::new(request, selection)?;
    Ok(p.emit_http_string(&mut FmtSink(w))?)
}

/// Writes the StringToSign of `request` for `key_time` (for debugging).
pub fn write_string_to_sign<W: fmt::Write + ?Sized>(
    request: &CanonicalRequest<'_>,
    selection: Selection,
    key_time: KeyTime,
    w: &mut W,
) -> Result<(), SignError> {
    let p = Prepared::new(request, selection)?;
    Ok(emit_string_to_sign(
        &mut FmtSink(w),
        &key_time,
        &p.http_string_digest(),
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_value_finds_cr_lf_nul_anywhere() {
        for len in 0..50 {
            let clean: String = (0..len).map(|i| (b'a' + (i % 26) as u8) as char).collect();
            assert!(is_clean_value(&clean), "{len}");
            for at in 0..len {
                for bad in ['\r', '\n', '\0'] {
                    let mut v: Vec<char> = clean.chars().collect();
                    v[at] = bad;
                    let v: String = v.into_iter().collect();
                    assert!(!is_clean_value(&v), "{len} {at} {bad:?}");
                }
            }
        }
        // Bytes that differ from CR, LF and NUL in one bit are clean.
        assert!(is_clean_value("\u{b}\u{c}\u{e}\u{1}\u{8}\t é 腾"));
    }

    const HOST: &str = "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com";

    fn key() -> SigningKey<'static> {
        let c = Credentials::new(
            "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q",
            "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz",
        )
        .unwrap();
        SigningKey::new(&c, KeyTime::new(1_700_000_000, 1_700_003_600).unwrap())
    }

    fn http_string(req: &CanonicalRequest<'_>, sel: Selection) -> Result<String, SignError> {
        let mut s = String::new();
        write_http_string(req, sel, &mut s).map(|()| s)
    }

    #[test]
    fn sorts_by_encoded_lowercased_name() {
        let req = CanonicalRequest::new("GET", "/", &[("az", "1"), ("a{", "2")], &[("Host", HOST)]);
        assert_eq!(
            http_string(&req, Selection::Exact).unwrap(),
            format!("get\n/\na%7b=2&az=1\nhost={HOST}\n")
        );
    }

    #[test]
    fn refuses_duplicates_after_lowercasing() {
        let req = CanonicalRequest::new(
            "PUT",
            "/dup.txt",
            &[],
            &[("Host", HOST), ("x-cos-meta-a", "1"), ("X-COS-META-A", "2")],
        );
        assert_eq!(
            key().sign(&req, Selection::Exact).unwrap_err(),
            SignError::DuplicateName {
                kind: PairKind::Header,
                index: 2
            }
        );
        let req = CanonicalRequest::new("GET", "/", &[("a", "1"), ("b", ""), ("A", "")], &[]);
        assert_eq!(
            key().sign(&req, Selection::Exact).unwrap_err(),
            SignError::DuplicateName {
                kind: PairKind::Param,
                index: 2
            }
        );
    }

    #[test]
    fn rejects_bad_input() {
        let k = key();
        let sign = |m, p: &[(&str, &str)], h: &[(&str, &str)]| {
            k.sign(&CanonicalRequest::new(m, "/", p, h), Selection::Exact)
                .map(|s| s.signature().to_string())
        };
        assert_eq!(sign("", &[], &[]), Err(SignError::InvalidMethod));
        assert_eq!(sign("G T", &[], &[]), Err(SignError::InvalidMethod));
        assert_eq!(
            sign("GET", &[("", "x")], &[]),
            Err(SignError::EmptyName {
                kind: PairKind::Param,
                index: 0
            })
        );
        assert_eq!(
            sign("GET", &[], &[("host", "h"), ("", "x")]),
            Err(SignError::EmptyName {
                kind: PairKind::Header,
                index: 1
            })
        );
        assert_eq!(
            sign("GET", &[], &[("bad name", "x")]),
            Err(SignError::InvalidHeaderName { index: 0 })
        );
        for v in ["a\rb", "a\nb", "a\0b"] {
            assert_eq!(
                sign("GET", &[], &[("x-cos-meta-a", v)]),
                Err(SignError::InvalidHeaderValue { index: 0 })
            );
        }
        let many: Vec<(String, String)> = (0..=MAX_PAIRS)
            .map(|i| (format!("x-cos-meta-{i}"), "v".to_string()))
            .collect();
        let many: Vec<(&str, &str)> = many.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        assert_eq!(
            sign("GET", &[], &many),
            Err(SignError::TooManyPairs {
                kind: PairKind::Header
            })
        );
        assert_eq!(
            sign("GET", &many, &[]),
            Err(SignError::TooManyPairs {
                kind: PairKind::Param
            })
        );
        assert!(sign("GET", &many[..MAX_PAIRS], &many[..MAX_PAIRS]).is_ok());
    }

    #[test]
    fn sdk_selection_filters_headers() {
        let headers = [
            ("Host", HOST),
            ("User-Agent", "curl"),
            ("Date", "x"),
            ("Range", "bytes=0-99"),
            ("X-Ci-Thing", "1"),
            ("x-cos-copy-source-range", ""),
            ("Accept", "*/*"),
        ];
        let req = CanonicalRequest::new("GET", "/o", &[], &headers);
        assert_eq!(
            http_string(&req, Selection::Sdk).unwrap(),
            format!(
                "get\n/o\n\nhost={HOST}&range=bytes%3D0-99&x-ci-thing=1&x-cos-copy-source-range=\n"
            )
        );
        assert!(sdk_signs_header("X-COS-META-A"));
        assert!(sdk_signs_header("content-md5"));
        assert!(!sdk_signs_header("x-cos"));
        assert!(!sdk_signs_header("authorization"));
    }

    #[test]
    fn lengths_are_exact_and_small_buffers_are_errors() {
        let req = CanonicalRequest::new("PUT", "/a b", &[("uploads", "")], &[("Host", HOST)]);
        let signed = key().sign(&req, Selection::Exact).unwrap();
        let auth = signed.to_string();
        assert_eq!(signed.authorization_len(), auth.len());
        let mut buf = vec![0u8; auth.len()];
        assert_eq!(signed.authorization_to_slice(&mut buf).unwrap(), auth);
        let mut short = vec![0u8; auth.len() - 1];
        assert_eq!(
            signed.authorization_to_slice(&mut short),
            Err(OutputError::BufferTooSmall { needed: auth.len() })
        );
        let mut hs = heapless_like::Fixed::<16>::default();
        assert_eq!(signed.write_authorization(&mut hs), Err(OutputError::Sink));
        let mut q = String::new();
        signed.write_presigned_query(&mut q).unwrap();
        assert_eq!(signed.presigned_query_len(), q.len());
    }

    #[test]
    fn presigned_query_encodes_values_and_carries_the_token() {
        let c = Credentials::with_token("AKID", "secret", "tok+en/=").unwrap();
        let k = SigningKey::new(&c, KeyTime::new(1, 2).unwrap());
        let req = CanonicalRequest::new("GET", "/", &[("a{", "1"), ("b", "")], &[("Host", "h")]);
        let signed = k.sign(&req, Selection::Exact).unwrap();
        let mut q = String::new();
        signed.write_presigned_query(&mut q).unwrap();
        assert_eq!(
            q,
            format!(
                "q-sign-algorithm=sha1&q-ak=AKID&q-sign-time=1%3B2&q-key-time=1%3B2\
                 &q-header-list=host&q-url-param-list=a%257b%3Bb&q-signature={}\
                 &x-cos-security-token=tok%2Ben%2F%3D",
                signed.signature()
            )
        );
        let auth = signed.to_string();
        assert!(auth.contains("&q-url-param-list=a%7b;b&"), "{auth}");
        assert!(!auth.contains("tok"));
    }

    #[test]
    fn debug_output_hides_secrets() {
        let c = Credentials::with_token("AKIDpub", "TopSecretKey", "SessionTok").unwrap();
        let k = SigningKey::new(&c, KeyTime::new(1, 2).unwrap());
        let headers = [
            ("Host", "h"),
            ("x-cos-security-token", "SessionTok"),
            (
                "x-cos-copy-source-server-side-encryption-customer-key",
                "AESKEYB64",
            ),
        ];
        let req = CanonicalRequest::new("GET", "/", &[], &headers);
        let signed = k.sign(&req, Selection::Exact).unwrap();
        let all = format!("{k:?} {req:?} {signed:?}");
        assert!(all.contains("AKIDpub"));
        for secret in ["TopSecretKey", "SessionTok", "AESKEYB64", k.sign_key()] {
            assert!(!all.contains(secret), "{secret} leaked in {all}");
        }
    }

    /// A `fmt::Write` with a fixed capacity, like `heapless::String`.
    mod heapless_like {
        #[derive(Default)]
        pub struct Fixed<const N: usize>(pub String);
        impl<const N: usize> core::fmt::Write for Fixed<N> {
            fn write_str(&mut self, s: &str) -> core::fmt::Result {
                if self.0.len() + s.len() > N {
                    return Err(core::fmt::Error);
                }
                self.0.push_str(s);
                Ok(())
            }
        }
    }
}
