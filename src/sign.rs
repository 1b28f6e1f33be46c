//! The COS request signature (`q-sign-algorithm=sha1`).
//!
//! A [`SigningKey`] is made once per validity window from the SecretKey;
//! [`SigningKey::sign`] then streams the canonical request (the
//! *HttpString*) into SHA-1 as it is produced, signs the *StringToSign* with
//! the precomputed HMAC state, and returns a [`Signed`] request that writes
//! the `Authorization` value or the presigned-URL query.
//!
//! Nothing is allocated and nothing is buffered in proportion to the
//! request: the pairs are put in signing order through a small index
//! array on the stack, or, for a request with more pairs than it holds,
//! found one after another by their names.

use crate::credentials::{
    Credentials, CredentialsError, KeyTime, KeyTimeText, SecretIdText, check_token, put_key_time,
};
use crate::encode::{self, cmp_names, name_matches};
use crate::hash::{DIGEST_LEN, HmacSha1, hex40};
use crate::sink::{self, Emit, FmtSink, Output, OutputError, Sink, Staged};
use core::cmp::Ordering;
use core::fmt;

/// The most params a request may have and still be put in signing order
/// through an index array on the stack (one byte a pair). A request with
/// more is signed all the same, each next pair found by a search over all
/// of them: no limit, but time that grows with the square of the number
/// of pairs. COS requests carry a few params (a sub-resource, a part
/// number, an upload id, a version id, the `response-*` overrides).
pub(crate) const INLINE_PARAMS: usize = 32;

/// The same for headers. A real COS request signs about a dozen; the Node
/// SDK sends 70 `x-cos-meta-*` headers when asked to (COS limits their
/// size, 2 KB each and 4 KB in all, not their number). With
/// [`INLINE_PARAMS`], 128 bytes of stack in all.
pub(crate) const INLINE_HEADERS: usize = 96;

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
#[non_exhaustive]
pub enum SignError {
    /// The method is empty or not an HTTP token.
    InvalidMethod,
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
        /// Position in the slice of the first pair whose name repeats an
        /// earlier one's (the second of the two). Verification names the
        /// second pair of the request that a signed name names.
        index: usize,
    },
    /// The key was made from temporary credentials and no security token
    /// was given to sign with ([`SigningKey::with_token`]), nor carried by
    /// the request as an `x-cos-security-token` header or param.
    MissingToken,
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
            Self::MissingToken => {
                f.write_str("the key's credentials are temporary and no security token was given")
            }
            Self::Output(e) => fmt::Display::fmt(e, f),
        }
    }
}

impl core::error::Error for SignError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Output(e) => Some(e),
            _ => None,
        }
    }
}

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
    /// Only the selected headers are checked: another may have any name
    /// or value.
    ///
    /// A selected header with an empty value is signed as `name=`, as the
    /// Python and Go SDKs do (the Node SDK leaves it out of the signature
    /// but still sends it; the server accepts both). Signing what is sent
    /// is the choice that never leaves a header unprotected.
    Sdk,
}

impl Selection {
    /// [`signs`](Self::signs) as a function.
    const fn signs_fn(self) -> Signs {
        match self {
            Self::Exact => every_name,
            Self::Sdk => sdk_signs_header,
        }
    }

    /// Whether this selection signs a header of this name.
    #[inline]
    fn signs(self, name: &str) -> bool {
        match self {
            Self::Exact => true,
            Self::Sdk => sdk_signs_header(name),
        }
    }
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
#[must_use]
pub fn sdk_signs_header(name: &str) -> bool {
    let starts = |p: &str| {
        name.get(..p.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(p))
    };
    starts("x-cos-") || starts("x-ci-") || SDK_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(name))
}

/// Whether a pair of this name carries a secret that `Debug` must hide
/// (the list is [`redact`](crate::redact)'s).
pub(crate) fn is_secret_name(name: &str) -> bool {
    crate::redact::is_secret_name(name.as_bytes())
}

/// What a signature covers: the method, the decoded path and the query
/// parameters and headers as name/value pairs.
///
/// * `path` is the **decoded** path, used verbatim (the signer adds no
///   `/`): `/folder/my file.txt`, never `/folder/my%20file.txt`.
/// * A valueless parameter such as `?uploads` is `("uploads", "")`.
/// * Header values are signed exactly as given; the wire form must send
///   the same bytes.
///
/// ```
/// use tencent_cos_core::{CanonicalRequest, Credentials, KeyTime, Selection, SigningKey};
///
/// // `?uploads` on a key with a space: the path decoded, the param valueless.
/// let params = [("uploads", "")];
/// let headers = [("Host", "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com")];
/// let request = CanonicalRequest::new("POST", "/my file.bin", &params, &headers);
/// let creds = Credentials::new("AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q", "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz")?;
/// let key = SigningKey::new(&creds, KeyTime::new(1_700_000_000, 1_700_003_600)?);
/// let signed = key.sign(&request, Selection::Exact)?;
/// assert_eq!(signed.signature().as_str().len(), 40);
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
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
    #[must_use]
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

impl<'a> CanonicalRequest<'a> {
    /// The HttpString `selection` signs (for debugging a signature), an
    /// [`Output`](crate::Output); fails as signing would on a request it
    /// refuses.
    pub fn http_string(&self, selection: Selection) -> Result<HttpString<'a>, SignError> {
        Prepared::new(self, selection).map(HttpString)
    }

    /// The StringToSign for `key_time` (for debugging a signature), an
    /// [`Output`](crate::Output); fails as signing would.
    pub fn string_to_sign(
        &self,
        selection: Selection,
        key_time: KeyTime,
    ) -> Result<StringToSign, SignError> {
        let p = Prepared::new(self, selection)?;
        Ok(StringToSign {
            key_time,
            digest: p.http_string_digest(),
        })
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
#[cfg_attr(docsrs, doc(cfg(feature = "defmt")))]
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

/// Where the signed pairs of one kind are, in signing order (ascending by
/// encoded, lowercased name).
///
/// Hosts keep the indices of a request's pairs in an array while they fit
/// (`N` of them), and walk a larger one. Bare-metal builds always walk:
/// no array on the stack and less code, for a few more comparisons.
#[derive(Clone, Copy)]
pub(crate) enum Order<'r, const N: usize> {
    /// Their indices, sorted once.
    #[cfg(not(cos_compact))]
    Indexed { idx: [u8; N], len: u8 },
    /// Found one after another by `step`: [`next_by_search`] (signing) or
    /// [`next_by_list`] (verification). Reached only through the pointer,
    /// so that a firmware build links only the walks it makes.
    Walked {
        step: Step,
        signs: Signs,
        list: &'r str,
    },
}

/// Which names a walk by search signs: [`every_name`], or
/// [`sdk_signs_header`]. A pointer, so that code which signs only with
/// [`Selection::Exact`] links no `Sdk` list.
type Signs = fn(&str) -> bool;

/// Every name ([`Selection::Exact`]).
fn every_name(_: &str) -> bool {
    true
}

/// One step of a walk: the index of the next pair, if any.
type Step = fn(&mut Cursor<'_>, &[(&str, &str)]) -> Option<usize>;

/// Where a walk is.
pub(crate) struct Cursor<'p> {
    signs: Signs,
    /// The names a list has left ([`next_by_list`]).
    list: crate::bytes::Split<'p>,
    /// The pair given last ([`next_by_search`]).
    at: Option<usize>,
}

impl<'r, const N: usize> Order<'r, N> {
    /// Before [`sort`](Self::sort).
    #[cfg(not(cos_compact))]
    const UNSORTED: Self = Self::Indexed {
        idx: [0; N],
        len: 0,
    };
    #[cfg(cos_compact)]
    const UNSORTED: Self = Self::searched(Selection::Exact);

    /// Ordered by [`next_by_search`].
    const fn searched(selection: Selection) -> Self {
        Self::Walked {
            step: next_by_search,
            signs: selection.signs_fn(),
            list: "",
        }
    }

    /// The order of the pairs a signed name list names, the list's own
    /// (verification: the list is checked and strictly ascending), before
    /// [`push_listed`](Self::push_listed) records where they are.
    pub(crate) const fn listed(list: &'r str) -> Self {
        #[cfg(not(cos_compact))]
        let _ = list;
        #[cfg(not(cos_compact))]
        return Self::UNSORTED;
        #[cfg(cos_compact)]
        Self::Walked {
            step: next_by_list,
            signs: every_name,
            list,
        }
    }

    /// Records that the pair the next name of `list` names is at `index`
    /// (each name of the list was found once in the request). Hosts keep
    /// it in the index array while it has room; past that (and always on
    /// bare metal) the order is the walk of `list`, each pair found again
    /// by its name.
    pub(crate) fn push_listed(&mut self, index: usize, list: &'r str) {
        #[cfg(not(cos_compact))]
        if let Self::Indexed { idx, len } = self {
            if let (Some(slot), Ok(i)) = (idx.get_mut(usize::from(*len)), u8::try_from(index)) {
                *slot = i;
                // A slot was free: len < N < 256.
                *len = len.wrapping_add(1);
                return;
            }
            *self = Self::Walked {
                step: next_by_list,
                signs: every_name,
                list,
            };
        }
        #[cfg(cos_compact)]
        let _ = (index, list);
    }

    /// The signed pairs of `pairs` (the slice this order was made for), in
    /// signing order. Out of line on bare metal (four callers).
    #[cfg_attr(cos_compact, inline(never))]
    pub(crate) fn pairs<'p, 'a>(
        &'p self,
        pairs: &'p [(&'a str, &'a str)],
    ) -> impl Iterator<Item = (&'a str, &'a str)> + 'p {
        let walk = match self {
            #[cfg(not(cos_compact))]
            Self::Indexed { idx, len } => {
                Walk::Indexed(idx.get(..usize::from(*len)).unwrap_or_default().iter())
            }
            Self::Walked { step, signs, list } => Walk::Stepped(
                *step,
                Cursor {
                    signs: *signs,
                    list: crate::bytes::split(list, b';'),
                    at: None,
                },
            ),
        };
        Pairs { pairs, walk }
    }

    /// Selects the pairs `selection` signs and puts them in signing order;
    /// equal names are an error (naming the first pair whose name repeats
    /// an earlier one's). `self` is [`UNSORTED`](Self::UNSORTED) on entry:
    /// filled in place rather than returned, since moving an `Order`
    /// through a `Result` costs its size in stack each time.
    fn sort(
        &mut self,
        pairs: &[(&str, &str)],
        kind: PairKind,
        selection: Selection,
    ) -> Result<(), SignError> {
        // Indices are bytes.
        const { assert!(N < 256) };
        #[cfg(not(cos_compact))]
        if let Self::Indexed { idx, len } = self {
            if pairs.len() <= N {
                return sort_indices(idx, len, pairs, kind, selection);
            }
        }
        *self = Self::searched(selection);
        no_equal_names(pairs, kind, selection.signs_fn())
    }
}

/// Insertion sort of the indices of the pairs `selection` signs into
/// `idx[..len]` (`len` 0 on entry, `pairs` no longer than `idx`, which is
/// at most 255 long). The same for both kinds, whatever their `N`.
#[cfg(not(cos_compact))]
fn sort_indices(
    idx: &mut [u8],
    len: &mut u8,
    pairs: &[(&str, &str)],
    kind: PairKind,
    selection: Selection,
) -> Result<(), SignError> {
    for (i, (name, _)) in crate::bytes::numbered(pairs.iter()) {
        if !selection.signs(name) {
            continue;
        }
        // Insertion sort: n is small and the input is often sorted.
        let mut at = usize::from(*len);
        while at > 0 {
            let prev = idx.get(at - 1).copied().unwrap_or(0);
            let prev_name = pairs.get(usize::from(prev)).map_or("", |p| p.0);
            match cmp_names(prev_name.as_bytes(), name.as_bytes()) {
                Ordering::Less => break,
                Ordering::Equal => return Err(SignError::DuplicateName { kind, index: i }),
                Ordering::Greater => at -= 1,
            }
        }
        if let Some(window) = idx.get_mut(at..=usize::from(*len)) {
            // Insert `i` at `at`, moving the rest up one place (not
            // `rotate_right`: its assertion stays in firmware builds).
            // `i` < pairs.len() <= idx.len() < 256: it fits in a byte.
            let mut carry = i as u8;
            for slot in window {
                carry = core::mem::replace(slot, carry);
            }
        }
        // At most idx.len() < 256 pairs: no overflow.
        *len = len.wrapping_add(1);
    }
    Ok(())
}

/// The pair `signs` signs whose name is the least above that of the pair
/// at `last` (the least of all without). A later pair with the same name
/// lowers `twin` to its index if that is less.
fn least_above(
    pairs: &[(&str, &str)],
    signs: Signs,
    last: Option<usize>,
    twin: &mut usize,
) -> Option<usize> {
    let above = last.and_then(|l| pairs.get(l)).map(|p| p.0.as_bytes());
    let mut least: Option<(usize, &[u8])> = None;
    // The first pair that repeats the least name so far.
    let mut repeat = usize::MAX;
    for (i, (n, _)) in crate::bytes::numbered(pairs.iter()) {
        if above.is_some_and(|a| cmp_names(a, n.as_bytes()).is_ge()) || !signs(n) {
            continue;
        }
        let n = n.as_bytes();
        match least.map(|(_, m)| cmp_names(n, m)) {
            None | Some(Ordering::Less) => (least, repeat) = (Some((i, n)), usize::MAX),
            Some(Ordering::Equal) => repeat = repeat.min(i),
            Some(Ordering::Greater) => {}
        }
    }
    *twin = (*twin).min(repeat);
    least.map(|(i, _)| i)
}

/// Refuses two pairs `signs` signs whose names are equal, naming the
/// first that repeats an earlier one's (as the insertion sort does): a
/// walk through them all, in signing order, that finds the first repeat
/// of each name.
fn no_equal_names(pairs: &[(&str, &str)], kind: PairKind, signs: Signs) -> Result<(), SignError> {
    let (mut last, mut first) = (None, usize::MAX);
    while let Some(least) = least_above(pairs, signs, last, &mut first) {
        last = Some(least);
    }
    match first {
        usize::MAX => Ok(()),
        index => Err(SignError::DuplicateName { kind, index }),
    }
}

/// The next signed pair (no two have equal names).
fn next_by_search(c: &mut Cursor<'_>, pairs: &[(&str, &str)]) -> Option<usize> {
    let mut repeat = usize::MAX;
    c.at = least_above(pairs, c.signs, c.at, &mut repeat);
    c.at
}

/// The pair the list's next name names (each names one).
fn next_by_list(c: &mut Cursor<'_>, pairs: &[(&str, &str)]) -> Option<usize> {
    let signed = c.list.find(|n| !n.is_empty())?;
    pairs.iter().position(|(n, _)| is_signed_as(n, signed))
}

/// The signed pairs of one kind, in signing order (see [`Order::pairs`]).
struct Pairs<'p, 'a> {
    pairs: &'p [(&'a str, &'a str)],
    walk: Walk<'p>,
}

enum Walk<'p> {
    #[cfg(not(cos_compact))]
    Indexed(core::slice::Iter<'p, u8>),
    Stepped(Step, Cursor<'p>),
}

impl<'a> Iterator for Pairs<'_, 'a> {
    type Item = (&'a str, &'a str);

    /// The walk by index inlined into the hashing loop; the others a call.
    #[inline(always)]
    fn next(&mut self) -> Option<Self::Item> {
        let i = match &mut self.walk {
            #[cfg(not(cos_compact))]
            Walk::Indexed(idx) => usize::from(*idx.next()?),
            Walk::Stepped(step, cursor) => step(cursor, self.pairs)?,
        };
        self.pairs.get(i).copied()
    }
}

/// Whether a pair named `name` is the one a signed name list calls
/// `signed`: `lowercase(E(name))` is `signed` ([`name_matches`]).
///
/// Hosts first pass over the bytes both start with that `E` keeps as
/// they are (lowercase unreserved bytes, the most of any name): they need
/// no decision, and `name_matches` decides from the first other byte.
#[inline]
pub(crate) fn is_signed_as(name: &str, signed: &str) -> bool {
    let (n, s) = (name.as_bytes(), signed.as_bytes());
    // `E` never shortens a name.
    if s.len() < n.len() {
        return false;
    }
    #[cfg(not(cos_compact))]
    let (n, s) = kept_prefix_skipped(n, s);
    name_matches(n, s)
}

/// `name` and `signed` after the bytes both start with that `E` keeps.
#[cfg(not(cos_compact))]
fn kept_prefix_skipped<'x>(mut n: &'x [u8], mut s: &'x [u8]) -> (&'x [u8], &'x [u8]) {
    while let (Some((&a, rn)), Some((&b, rs))) = (n.split_first(), s.split_first()) {
        if a != b || !encode::is_unreserved(a) || a.is_ascii_uppercase() {
            break;
        }
        (n, s) = (rn, rs);
    }
    (n, s)
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
    pub(crate) params: Order<'r, INLINE_PARAMS>,
    pub(crate) headers: Order<'r, INLINE_HEADERS>,
}

impl<'r> Prepared<'r> {
    /// Checks the method and every pair `selection` signs, and puts those
    /// pairs in signing order.
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
            Self::check(req, selection)?;
        }
        let mut p = Self {
            req: *req,
            params: Order::UNSORTED,
            headers: Order::UNSORTED,
        };
        // Every param is signed; `selection` picks among the headers.
        p.params
            .sort(req.params, PairKind::Param, Selection::Exact)?;
        p.headers.sort(req.headers, PairKind::Header, selection)?;
        Ok(p)
    }

    /// `req` in the order of two signed name lists (`;`-separated, checked,
    /// strictly ascending, as an `Authorization` carries them), for
    /// verification: the caller finds, for each name of a list in turn,
    /// the one pair it names, checks it ([`check_pair`](Self::check_pair))
    /// and records it ([`Order::push_listed`]); it has checked the method
    /// ([`check_method`](Self::check_method)).
    pub(crate) fn listed(req: &CanonicalRequest<'r>, params: &'r str, headers: &'r str) -> Self {
        Self {
            req: *req,
            params: Order::listed(params),
            headers: Order::listed(headers),
        }
    }

    /// The checks of a request to be signed: the method, then each pair
    /// signed (every param, the headers `selection` signs), in the order
    /// given. A pair that is not signed is not looked at.
    pub(crate) fn check(req: &CanonicalRequest<'_>, selection: Selection) -> Result<(), SignError> {
        Self::check_method(req.method)?;
        for (index, (name, value)) in crate::bytes::numbered(req.params.iter()) {
            Self::check_pair(PairKind::Param, index, name, value)?;
        }
        for (index, (name, value)) in crate::bytes::numbered(req.headers.iter()) {
            if selection.signs(name) {
                Self::check_pair(PairKind::Header, index, name, value)?;
            }
        }
        Ok(())
    }

    /// The method is an HTTP token.
    pub(crate) fn check_method(method: &str) -> Result<(), SignError> {
        if is_token(method) {
            Ok(())
        } else {
            Err(SignError::InvalidMethod)
        }
    }

    /// The checks of one signed pair, at `index` of its slice: a name; for
    /// a header, a name that is an HTTP token and a value without CR, LF
    /// or NUL.
    pub(crate) fn check_pair(
        kind: PairKind,
        index: usize,
        name: &str,
        value: &str,
    ) -> Result<(), SignError> {
        if name.is_empty() {
            return Err(SignError::EmptyName { kind, index });
        }
        if kind == PairKind::Header {
            if !is_token(name) {
                return Err(SignError::InvalidHeaderName { index });
            }
            if !is_clean_value(value) {
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
        double: bool,
    ) -> Result<(), OutputError> {
        emit_names(out, self.headers.pairs(self.req.headers), double)
    }

    pub(crate) fn emit_param_list(
        &self,
        out: &mut Staged<'_>,
        double: bool,
    ) -> Result<(), OutputError> {
        emit_names(out, self.params.pairs(self.req.params), double)
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

/// Writes the signed names joined by `;`. With `double`, each name is
/// percent-encoded once more, as a presigned URL carries it (and the `;`
/// as `%3B`).
fn emit_names<'a>(
    out: &mut Staged<'_>,
    pairs: impl Iterator<Item = (&'a str, &'a str)>,
    double: bool,
) -> Result<(), OutputError> {
    for (i, (name, _)) in crate::bytes::numbered(pairs) {
        if i > 0 {
            if double {
                out.array(b"%3B")?;
            } else {
                out.array(b";")?;
            }
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
///
/// `Display` and [`as_str`](Self::as_str) give the digits; `Debug` and
/// defmt never do.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Signature([u8; 40]);

impl Signature {
    /// The hex digits as bytes.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; 40] {
        &self.0
    }

    /// The hex digits as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        core::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// Compares with hex digits in time that does not depend on where they
    /// differ.
    #[must_use]
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

/// Never shows the digits: with the rest of an `Authorization`, a
/// signature can be replayed until its window ends.
impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Signature(<redacted>)")
    }
}

#[cfg(feature = "defmt")]
#[cfg_attr(docsrs, doc(cfg(feature = "defmt")))]
impl defmt::Format for Signature {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "Signature(<redacted>)")
    }
}

/// The signing key of one validity window: the SignKey
/// (`hex(HMAC-SHA1(SecretKey, KeyTime))`) and the HMAC state keyed by it,
/// made once and reused for every request signed in that window (the parts
/// of one copy), so that each signature costs only the hashing of its own
/// request.
///
/// It owns what it holds and borrows nothing: the SecretId (inline, at
/// most [`MAX_SECRET_ID_LEN`](crate::MAX_SECRET_ID_LEN) bytes), the
/// window and the SignKey; never the SecretKey. A client that owns its
/// secrets can keep its key beside them, and [`refresh`](Self::refresh) it
/// in place for a new window or new temporary credentials.
///
/// The security token of temporary (STS) credentials is not copied in
/// (Tencent STS tokens run to kilobytes; a firmware stack is a few): the
/// key remembers that its credentials have one, and the token is given
/// where it is sent, with [`with_token`](Self::with_token). A key that
/// [`needs_token`](Self::needs_token) signs only so.
///
/// `Debug` shows the SecretId and the window; the SignKey and the token
/// are never printed.
///
/// ```
/// use tencent_cos_core::{CanonicalRequest, Credentials, KeyTime, Selection, SigningKey};
///
/// let creds = Credentials::new("AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q", "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz")?;
/// // Derived once for the window 1700000000..1700003600 (vector `upc_minimal`).
/// let key = SigningKey::new(&creds, KeyTime::new(1_700_000_000, 1_700_003_600)?);
/// assert_eq!(key.sign_key(), "552178a693a0d230b84a4f15c143bc3c2cb3d9c0");
/// // ... and reused for every request of that window.
/// let params = [("partNumber", "1"), ("uploadId", "1585130821cbb7df1d11846c073ad648e8f33b087cec2381df437acdc833cf654b9ecc6361")];
/// let headers = [
///     ("Host", "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com"),
///     ("x-cos-copy-source", "sourcebucket-1250000000.cos.ap-guangzhou.myqcloud.com/source/big-file.bin"),
///     ("x-cos-copy-source-range", "bytes=0-1048575"),
/// ];
/// let request = CanonicalRequest::new("PUT", "/dest/big-file.bin", &params, &headers);
/// let signed = key.sign(&request, Selection::Exact)?;
/// assert_eq!(signed.signature().as_str(), "c97446ad4e77ed2d6113e295d9abc0a0756607d2");
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
///
/// A client that owns its secrets keeps its key beside them:
///
/// ```
/// use tencent_cos_core::{CanonicalRequest, Credentials, KeyTime, Selection, SigningKey};
///
/// struct Client {
///     secret_id: String,
///     secret_key: String,
///     token: String,
///     key: SigningKey,
/// }
///
/// let creds = Credentials::with_token("AKIDtemporary", "TmpSecretKey", "StsToken")?;
/// let mut client = Client {
///     secret_id: "AKIDtemporary".into(),
///     secret_key: "TmpSecretKey".into(),
///     token: "StsToken".into(),
///     key: SigningKey::new(&creds, KeyTime::new(1_700_000_000, 1_700_003_600)?),
/// };
/// // New temporary credentials: the key is made again in place.
/// (client.secret_key, client.token) = ("NewSecretKey".into(), "NewToken".into());
/// let creds = Credentials::with_token(&client.secret_id, &client.secret_key, &client.token)?;
/// client.key.refresh(&creds, KeyTime::new(1_700_003_000, 1_700_006_600)?);
///
/// let req = CanonicalRequest::new("GET", "/a.txt", &[], &[("Host", "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com")]);
/// let signed = client.key.with_token(&client.token)?.sign(&req, Selection::Exact)?;
/// assert!(signed.to_string().starts_with("q-sign-algorithm=sha1&q-ak=AKIDtemporary&"));
/// assert_eq!(signed.security_token(), Some("NewToken"));
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct SigningKey {
    secret_id: SecretIdText,
    /// Whether the credentials had a security token.
    needs_token: bool,
    key_time: KeyTimeText,
    sign_key: [u8; 40],
    /// HMAC keyed by the SignKey, the first two lines of every
    /// StringToSign (`sha1`, the key time) already absorbed.
    mac: HmacSha1,
}

impl SigningKey {
    /// Derives the key for `key_time`.
    #[must_use]
    pub fn new(credentials: &Credentials<'_>, key_time: KeyTime) -> Self {
        let key_time = KeyTimeText::new(key_time);
        let (sign_key, mac) = derived(credentials.secret_key(), &key_time);
        Self {
            secret_id: SecretIdText::new(credentials.secret_id()),
            needs_token: credentials.security_token().is_some(),
            key_time,
            sign_key,
            mac,
        }
    }

    /// Derives the key again, in place, for new credentials (temporary
    /// ones that were renewed) or a new window: what
    /// [`new`](Self::new) makes, without a second key on the stack.
    pub fn refresh(&mut self, credentials: &Credentials<'_>, key_time: KeyTime) {
        self.key_time = KeyTimeText::new(key_time);
        // Derived into the fields themselves: a `derived` tuple moved in
        // would be a second SignKey and MAC state on the stack.
        self.mac.rekey(credentials.secret_key().as_bytes());
        derive_keyed(&mut self.sign_key, &mut self.mac, &self.key_time);
        self.secret_id.set(credentials.secret_id());
        self.needs_token = credentials.security_token().is_some();
    }

    /// The window with its text.
    pub(crate) fn key_time_text(&self) -> &KeyTimeText {
        &self.key_time
    }

    /// The validity window.
    #[must_use]
    pub fn key_time(&self) -> KeyTime {
        self.key_time.key_time()
    }

    /// The SecretId that goes in `q-ak`.
    #[must_use]
    pub fn secret_id(&self) -> &str {
        self.secret_id.as_str()
    }

    /// Whether the key was made from temporary credentials, whose security
    /// token must go with every request it signs: sign through
    /// [`with_token`](Self::with_token).
    #[must_use]
    pub fn needs_token(&self) -> bool {
        self.needs_token
    }

    /// This key with the security token of the temporary credentials it
    /// was made from, to sign with ([`Signer::sign`], or a request
    /// builder's `sign`). The token is checked as
    /// [`Credentials::with_token`] checks it; a key of permanent
    /// credentials takes none ([`CredentialsError::UnexpectedToken`]).
    pub fn with_token<'k>(&'k self, token: &'k str) -> Result<Signer<'k>, CredentialsError> {
        if !self.needs_token {
            return Err(CredentialsError::UnexpectedToken);
        }
        check_token(token)?;
        Ok(Signer {
            key: self,
            token: Some(token),
        })
    }

    /// This key with `token` if there is one ([`with_token`](Self::with_token)),
    /// else alone (`Signer::from`): `key.signer(credentials.security_token())`
    /// for either kind of credentials.
    pub fn signer<'k>(&'k self, token: Option<&'k str>) -> Result<Signer<'k>, CredentialsError> {
        match token {
            Some(token) => self.with_token(token),
            None => Ok(Signer::from(self)),
        }
    }

    /// The SignKey, 40 hex digits. It signs anything in its window: treat
    /// it like the SecretKey (it is here for debugging and test vectors).
    #[must_use]
    pub fn sign_key(&self) -> &str {
        core::str::from_utf8(&self.sign_key).unwrap_or_default()
    }

    /// Signs `request`: its method and the pairs `selection` picks, each
    /// checked (an empty name, a header name that is not a token, CR, LF
    /// or NUL in a header value, two names equal after lowercasing are
    /// [`SignError`]s); a header `selection` leaves out is not looked at.
    /// Any number of pairs: nothing is allocated, and the stack used does
    /// not grow with them.
    ///
    /// A key that [`needs_token`](Self::needs_token) signs only a request
    /// that carries the token itself (an `x-cos-security-token` header or
    /// param); otherwise it refuses ([`SignError::MissingToken`]): sign
    /// with [`with_token`](Self::with_token), so that the token is not
    /// left out of a presigned URL.
    pub fn sign<'r>(
        &'r self,
        request: &CanonicalRequest<'r>,
        selection: Selection,
    ) -> Result<Signed<'r>, SignError> {
        Signer::from(self).sign(request, selection)
    }

    pub(crate) fn signature_of(&self, prepared: &Prepared<'_>) -> Signature {
        mac_of(&self.mac, &prepared.http_string_digest())
    }
}

/// The SignKey of a window and the MAC keyed by it, the StringToSign's
/// first two lines (`sha1`, the key time) absorbed.
#[inline(always)]
fn derived(secret_key: &str, key_time: &KeyTimeText) -> ([u8; 40], HmacSha1) {
    let mut mac = HmacSha1::new(secret_key.as_bytes());
    let mut sign_key = [0; 40];
    derive_keyed(&mut sign_key, &mut mac, key_time);
    (sign_key, mac)
}

/// The derivation from a MAC keyed by the SecretKey, written in place:
/// `sign_key` gets the SignKey and `mac` becomes the MAC keyed by it.
/// Out of line: one copy for `new`, `refresh` and verification.
#[inline(never)]
fn derive_keyed(sign_key: &mut [u8; 40], mac: &mut HmacSha1, key_time: &KeyTimeText) {
    // Writing into a MAC never fails.
    let _ = key_time.put(mac);
    *sign_key = hex40(&mac.finalize());
    // The same MAC reused: one MAC state on the stack, not two.
    mac.rekey(sign_key);
    mac.update(b"sha1\n");
    let _ = key_time.put(mac);
    mac.update(b"\n");
}

/// The signature of `prepared` by the SecretKey for `key_time`, for
/// verification: the MAC alone, no [`SigningKey`] (no SecretId) on the
/// stack.
pub(crate) fn signature_by(
    secret_key: &str,
    key_time: KeyTime,
    prepared: &Prepared<'_>,
) -> Signature {
    let (_, mac) = derived(secret_key, &KeyTimeText::new(key_time));
    mac_of(&mac, &prepared.http_string_digest())
}

/// The MAC of the StringToSign for `digest`. Kept out of line so that
/// its copy of the MAC state and the HttpString hasher are never on the
/// stack at the same time.
#[inline(never)]
fn mac_of(mac: &HmacSha1, digest: &[u8; DIGEST_LEN]) -> Signature {
    let mut mac = mac.clone();
    mac.update(&hex40(digest));
    mac.update(b"\n");
    Signature(hex40(&mac.finalize()))
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("secret_id", &self.secret_id())
            .field("key_time", &self.key_time.key_time())
            .field("sign_key", &"<redacted>")
            .field("needs_token", &self.needs_token)
            .finish()
    }
}

#[cfg(feature = "defmt")]
#[cfg_attr(docsrs, doc(cfg(feature = "defmt")))]
impl defmt::Format for SigningKey {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "SigningKey {{ secret_id: {=str}, key_time: {}, sign_key: <redacted>, needs_token: {=bool} }}",
            self.secret_id(),
            self.key_time.key_time(),
            self.needs_token
        )
    }
}

/// The header (and presigned-URL param) that carries the security token of
/// temporary credentials.
pub(crate) const TOKEN_NAME: &str = "x-cos-security-token";

/// Whether `pairs` hold the security token (a name equal to
/// [`TOKEN_NAME`], in any case).
fn carries_token(pairs: &[(&str, &str)]) -> bool {
    pairs
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case(TOKEN_NAME))
}

/// A [`SigningKey`] and, for temporary credentials, the security token
/// that goes with what it signs: what [`SigningKey::with_token`] gives,
/// and what the request builders' `sign` take (a `&SigningKey` converts
/// into one without a token). Borrowed, two words and a pointer.
///
/// `Debug` shows the key's public fields and whether a token is present.
#[derive(Clone, Copy)]
pub struct Signer<'k> {
    key: &'k SigningKey,
    token: Option<&'k str>,
}

impl<'k> From<&'k SigningKey> for Signer<'k> {
    /// The key without a token (for a key that
    /// [`needs_token`](SigningKey::needs_token), signing a request that
    /// does not carry the token itself then fails with
    /// [`SignError::MissingToken`]).
    fn from(key: &'k SigningKey) -> Self {
        Self { key, token: None }
    }
}

impl<'k> Signer<'k> {
    /// `key` with `token`, which [`SigningKey::with_token`] has accepted.
    pub(crate) fn checked(key: &'k SigningKey, token: Option<&'k str>) -> Self {
        Self { key, token }
    }

    /// The key.
    pub fn key(&self) -> &'k SigningKey {
        self.key
    }

    /// The security token to send in `x-cos-security-token`, if any.
    pub fn security_token(&self) -> Option<&'k str> {
        self.token
    }

    /// Refuses a key that needs a token signing without one given here
    /// (the request builders, which write the token header themselves).
    pub(crate) fn check(&self) -> Result<(), SignError> {
        if self.key.needs_token && self.token.is_none() {
            Err(SignError::MissingToken)
        } else {
            Ok(())
        }
    }

    /// [`check`](Self::check), except that a request that carries the
    /// token itself (an `x-cos-security-token` header or param the
    /// caller sends) needs none given here.
    /// The cheap question first: a key of permanent credentials, or a
    /// signer with its token, needs no look at the pairs.
    fn check_for(&self, request: &CanonicalRequest<'_>) -> Result<(), SignError> {
        if self.check().is_ok() || carries_token(request.params) || carries_token(request.headers) {
            Ok(())
        } else {
            Err(SignError::MissingToken)
        }
    }

    /// Signs `request`, as [`SigningKey::sign`] does; the [`Signed`]
    /// carries the token for the presigned query.
    pub fn sign<'r>(
        &self,
        request: &CanonicalRequest<'r>,
        selection: Selection,
    ) -> Result<Signed<'r>, SignError>
    where
        'k: 'r,
    {
        self.check_for(request)?;
        // Borrowed, not moved out of the `Result` (stack: see `sort_into`).
        let prepared = Prepared::new(request, selection);
        let prepared = match &prepared {
            Ok(p) => p,
            Err(e) => return Err(*e),
        };
        Ok(Signed {
            key: self.key,
            token: self.token,
            signature: self.key.signature_of(prepared),
            prepared: *prepared,
        })
    }
}

impl fmt::Debug for Signer<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("key", self.key)
            .field("token", &self.token.map(|_| "<redacted>"))
            .finish()
    }
}

#[cfg(feature = "defmt")]
#[cfg_attr(docsrs, doc(cfg(feature = "defmt")))]
impl defmt::Format for Signer<'_> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "Signer {{ key: {}, token: {=bool} }}",
            self.key,
            self.token.is_some()
        )
    }
}

/// A signed request: the signature and what is needed to write it out.
/// It borrows the key that signed it (for the SecretId and the window).
///
/// `Display` writes the `Authorization` header value; `Debug` and defmt
/// show the SecretId and the key time, never the signature.
///
/// ```
/// use tencent_cos_core::{CanonicalRequest, Credentials, KeyTime, Output, Selection, SigningKey};
///
/// let creds = Credentials::new("AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q", "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz")?;
/// let key = SigningKey::new(&creds, KeyTime::new(1_700_000_000, 1_700_003_600)?);
/// let params = [("partNumber", "1"), ("uploadId", "1585130821cbb7df1d11846c073ad648e8f33b087cec2381df437acdc833cf654b9ecc6361")];
/// let headers = [
///     ("Host", "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com"),
///     ("x-cos-copy-source", "sourcebucket-1250000000.cos.ap-guangzhou.myqcloud.com/source/big-file.bin"),
///     ("x-cos-copy-source-range", "bytes=0-1048575"),
/// ];
/// let request = CanonicalRequest::new("PUT", "/dest/big-file.bin", &params, &headers);
/// let signed = key.sign(&request, Selection::Exact)?;
/// // The exact length first, then the value into the caller's buffer.
/// let mut buf = [0u8; 512];
/// assert_eq!(signed.authorization().len(), 281);
/// let authorization = signed.authorization_to_slice(&mut buf)?;
/// assert_eq!(
///     authorization,
///     "q-sign-algorithm=sha1&q-ak=AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q\
///      &q-sign-time=1700000000;1700003600&q-key-time=1700000000;1700003600\
///      &q-header-list=host;x-cos-copy-source;x-cos-copy-source-range\
///      &q-url-param-list=partnumber;uploadid\
///      &q-signature=c97446ad4e77ed2d6113e295d9abc0a0756607d2"
/// );
/// // A buffer too small is an error that says what is needed.
/// assert!(signed.authorization_to_slice(&mut [0u8; 100]).is_err());
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
#[derive(Clone, Copy)]
#[must_use]
pub struct Signed<'r> {
    key: &'r SigningKey,
    token: Option<&'r str>,
    signature: Signature,
    prepared: Prepared<'r>,
}

impl<'r> Signed<'r> {
    /// The signature.
    #[must_use]
    pub fn signature(&self) -> &Signature {
        &self.signature
    }

    /// The validity window it was signed for.
    #[must_use]
    pub fn key_time(&self) -> KeyTime {
        self.key.key_time()
    }

    /// The security token to send in `x-cos-security-token`, if any.
    #[must_use]
    pub fn security_token(&self) -> Option<&'r str> {
        self.token
    }

    pub(crate) fn emit_authorization(&self, out: &mut dyn Sink) -> Result<(), OutputError> {
        emit_authorization(
            out,
            self.key.secret_id(),
            self.key.key_time_text(),
            &self.prepared,
            &self.signature,
        )
    }

    fn emit_presigned_query(&self, out: &mut dyn Sink) -> Result<(), OutputError> {
        let mut w = Staged::new(out);
        w.put(b"q-sign-algorithm=sha1&q-ak=")?;
        w.encoded(self.key.secret_id().as_bytes(), false)?;
        let key_time = self.key.key_time();
        for field in [&b"&q-sign-time="[..], b"&q-key-time="] {
            w.put(field)?;
            w.decimal(key_time.start())?;
            w.array(b"%3B")?;
            w.decimal(key_time.end())?;
        }
        w.put(b"&q-header-list=")?;
        self.prepared.emit_header_list(&mut w, true)?;
        w.put(b"&q-url-param-list=")?;
        self.prepared.emit_param_list(&mut w, true)?;
        w.put(b"&q-signature=")?;
        w.put(self.signature.as_bytes())?;
        if let Some(token) = self.token {
            w.put(b"&x-cos-security-token=")?;
            w.encoded(token.as_bytes(), false)?;
        }
        w.finish()
    }

    /// The `Authorization` header value, an [`Output`](crate::Output).
    pub fn authorization(&self) -> AuthorizationValue<'_, 'r> {
        AuthorizationValue(self)
    }

    /// Writes the `Authorization` value into `buf` and returns it:
    /// shorthand for `self.authorization().to_slice(buf)`.
    pub fn authorization_to_slice<'b>(&self, buf: &'b mut [u8]) -> Result<&'b str, OutputError> {
        self.authorization().to_slice(buf)
    }

    /// The presigned-URL query, an [`Output`](crate::Output): the same
    /// `q-*` fields with every value percent-encoded (`;` as `%3B`), then
    /// `&x-cos-security-token=...` for temporary credentials. Append it to
    /// the URL after `?` (or after the request's own query and `&`).
    pub fn presigned_query(&self) -> PresignedQuery<'_, 'r> {
        PresignedQuery(self)
    }
}

/// The `Authorization` value of a [`Signed`]: see
/// [`Signed::authorization`]. No `Debug`: the value could be replayed
/// until its window ends.
#[derive(Clone, Copy)]
#[must_use]
pub struct AuthorizationValue<'s, 'r>(&'s Signed<'r>);

sink::output!(AuthorizationValue<'_, '_>, emit_authorization);

/// The presigned-URL query of a [`Signed`]: see
/// [`Signed::presigned_query`]. No `Debug`, as for
/// [`AuthorizationValue`].
#[derive(Clone, Copy)]
#[must_use]
pub struct PresignedQuery<'s, 'r>(&'s Signed<'r>);

sink::output!(PresignedQuery<'_, '_>, emit_presigned_query);

impl fmt::Display for Signed<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.emit_authorization(&mut FmtSink(f))
            .map_err(|_| fmt::Error)
    }
}

impl fmt::Debug for Signed<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signed")
            .field("secret_id", &self.key.secret_id())
            .field("key_time", &self.key.key_time())
            .field("signature", &"<redacted>")
            .finish_non_exhaustive()
    }
}

#[cfg(feature = "defmt")]
#[cfg_attr(docsrs, doc(cfg(feature = "defmt")))]
impl defmt::Format for Signed<'_> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "Signed {{ secret_id: {=str}, key_time: {}, signature: <redacted> }}",
            self.key.secret_id(),
            self.key.key_time()
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
    prepared.emit_header_list(&mut w, false)?;
    w.put(b"&q-url-param-list=")?;
    prepared.emit_param_list(&mut w, false)?;
    w.put(b"&q-signature=")?;
    w.put(signature.as_bytes())?;
    w.finish()
}

/// The HttpString of a request, the text whose SHA-1 the StringToSign
/// carries: see [`CanonicalRequest::http_string`]. No `Debug`: it holds
/// the signed headers' values, a token or an SSE-C key among them.
#[derive(Clone, Copy)]
#[must_use]
pub struct HttpString<'r>(Prepared<'r>);

sink::output!(HttpString<'_>, emit_http_string);

/// The StringToSign of a request for a key time: see
/// [`CanonicalRequest::string_to_sign`]. It holds a digest and the key
/// time, nothing secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct StringToSign {
    key_time: KeyTime,
    digest: [u8; DIGEST_LEN],
}

impl Emit for StringToSign {
    fn emit(&self, out: &mut dyn Sink) -> Result<(), OutputError> {
        emit_string_to_sign(out, &self.key_time, &self.digest)
    }
}

sink::output!(StringToSign);

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

    fn key() -> SigningKey {
        let c = Credentials::new(
            "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q",
            "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz",
        )
        .unwrap();
        SigningKey::new(&c, KeyTime::new(1_700_000_000, 1_700_003_600).unwrap())
    }

    fn http_string(req: &CanonicalRequest<'_>, sel: Selection) -> Result<String, SignError> {
        let mut s = String::new();
        req.http_string(sel)
            .and_then(|t| Ok(t.write_to(&mut s)?))
            .map(|()| s)
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
    }

    /// Past the index arrays (more than `INLINE_PARAMS` params or
    /// `INLINE_HEADERS` headers), the pairs are found by search: the same
    /// order, the same checks, the same first duplicate named.
    #[test]
    fn more_pairs_than_the_index_arrays_hold() {
        let (p, h) = (INLINE_PARAMS, INLINE_HEADERS);
        for n in [p - 1, p, p + 1, 70, h - 1, h, h + 1, 200, 300] {
            // Names in descending order, some with escapes and upper case.
            let names: Vec<String> = (0..n)
                .rev()
                .map(|i| match i % 3 {
                    0 => format!("x-cos-meta-{i:03}"),
                    1 => format!("X-Cos-Meta-{i:03}"),
                    _ => format!("x-cos-meta-{i:03}*"),
                })
                .collect();
            let pairs: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "v")).collect();
            // Their signed form: `*` escaped, lowercase.
            let signed_name = |i: usize| match i % 3 {
                2 => format!("x-cos-meta-{i:03}%2a"),
                _ => format!("x-cos-meta-{i:03}"),
            };
            let want_pairs = (0..n)
                .map(|i| format!("{}=v", signed_name(i)))
                .collect::<Vec<_>>()
                .join("&");
            let req = CanonicalRequest::new("GET", "/", &pairs, &pairs);
            assert_eq!(
                http_string(&req, Selection::Exact).unwrap(),
                format!("get\n/\n{want_pairs}\n{want_pairs}\n"),
                "{n}"
            );
            let k = key();
            let signed = k.sign(&req, Selection::Exact).unwrap();
            let list = (0..n).map(signed_name).collect::<Vec<_>>().join(";");
            let auth = signed.to_string();
            assert!(auth.contains(&format!("&q-header-list={list}&")), "{n}");
            assert!(auth.contains(&format!("&q-url-param-list={list}&")), "{n}");
            let mut buf = vec![0u8; signed.authorization().len()];
            assert_eq!(signed.authorization_to_slice(&mut buf).unwrap(), auth);

            // A repeated name: the first pair that repeats an earlier one.
            let mut dup = pairs.clone();
            dup.insert(5, ("X-COS-META-010", "w"));
            dup.insert(2, ("x-cos-meta-001", "w"));
            let req = CanonicalRequest::new("GET", "/", &[], &dup);
            let first = dup
                .iter()
                .position(|(name, _)| {
                    dup.iter()
                        .take_while(|(m, _)| !core::ptr::eq(*m, *name))
                        .any(|(m, _)| m.eq_ignore_ascii_case(name))
                })
                .unwrap();
            assert_eq!(
                key().sign(&req, Selection::Exact).unwrap_err(),
                SignError::DuplicateName {
                    kind: PairKind::Header,
                    index: first
                },
                "{n}"
            );

            // `Sdk` among many: the unsigned are neither ordered nor checked.
            let mut mixed = pairs.clone();
            mixed.push(("User-Agent", "curl/8 (x86_64) \r\n"));
            mixed.push(("bad name", "x"));
            mixed.push(("user-agent", "twice"));
            let req = CanonicalRequest::new("GET", "/", &[], &mixed);
            assert_eq!(
                http_string(&req, Selection::Sdk).unwrap(),
                format!("get\n/\n\n{want_pairs}\n"),
                "{n}"
            );
        }
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
        let k = key();
        let signed = k.sign(&req, Selection::Exact).unwrap();
        let auth = signed.to_string();
        assert_eq!(signed.authorization().len(), auth.len());
        let mut buf = vec![0u8; auth.len()];
        assert_eq!(signed.authorization_to_slice(&mut buf).unwrap(), auth);
        let mut short = vec![0u8; auth.len() - 1];
        assert_eq!(
            signed.authorization_to_slice(&mut short),
            Err(OutputError::BufferTooSmall { needed: auth.len() })
        );
        let mut hs = heapless_like::Fixed::<16>::default();
        assert_eq!(
            signed.authorization().write_to(&mut hs),
            Err(OutputError::Sink)
        );
        let mut q = String::new();
        signed.presigned_query().write_to(&mut q).unwrap();
        assert_eq!(signed.presigned_query().len(), q.len());
    }

    #[test]
    fn presigned_query_encodes_values_and_carries_the_token() {
        let c = Credentials::with_token("AKID", "secret", "tok+en/=").unwrap();
        let k = SigningKey::new(&c, KeyTime::new(1, 2).unwrap());
        let req = CanonicalRequest::new("GET", "/", &[("a{", "1"), ("b", "")], &[("Host", "h")]);
        // Without its token, a key of temporary credentials does not sign.
        assert_eq!(
            k.sign(&req, Selection::Exact).unwrap_err(),
            SignError::MissingToken
        );
        // A request that carries the token itself signs: as a header (sent
        // beside the Authorization) or as a param (in the URL already).
        let in_header = [("Host", "h"), ("X-Cos-Security-Token", "tok+en/=")];
        let with_header = CanonicalRequest::new("GET", "/", &[], &in_header);
        let signed = k.sign(&with_header, Selection::Exact).unwrap();
        assert_eq!(signed.security_token(), None);
        let in_param = [("x-cos-security-token", "tok+en/=")];
        let with_param = CanonicalRequest::new("GET", "/", &in_param, &[("Host", "h")]);
        assert!(k.sign(&with_param, Selection::Exact).is_ok());
        let signed = k
            .with_token("tok+en/=")
            .unwrap()
            .sign(&req, Selection::Exact)
            .unwrap();
        let mut q = String::new();
        signed.presigned_query().write_to(&mut q).unwrap();
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
        let signer = k.with_token("SessionTok").unwrap();
        let signed = signer.sign(&req, Selection::Exact).unwrap();
        let all = format!("{k:?} {req:?} {signed:?} {signer:?}");
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
