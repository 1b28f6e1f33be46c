//! COS failures as values: the error codes, whether a failure is worth
//! retrying, the step from (status, parsed body) to a result, and the
//! response headers that matter for a copy.

use crate::response::{
    CompleteMultipartUploadResult, CopyPartResult, CosErrorBody, CutFields, DocumentKind, Field,
    InitiateMultipartUploadResult, Response,
};
use core::fmt;

/// The longest error code expected in `<Code>`, in bytes: 46, S3's
/// `ServerSideEncryptionConfigurationNotFoundError` (S3-style codes of
/// that length reach clients of S3-compatible services). The longest code
/// in COS's own error-code list (<https://cloud.tencent.com/document/product/436/7730>)
/// is `ReplicationConfigurationNotFoundError`, 37 bytes.
///
/// A response read with a capacity `N` of at least this keeps every such
/// code whole. With a smaller `N` a longer code is cut like any other
/// optional value (never an error: the answer is not lost) and is read as
/// [`CosErrorCode::Cut`], so it can never be taken for another code;
/// whether to retry then rests on the HTTP status.
pub const MAX_CODE_LEN: usize = 46;

macro_rules! codes {
    ($($(#[$doc:meta])* $index:literal $name:ident,)*) => {
        /// A COS error code, as sent in `<Code>`. Codes this crate does not
        /// name are kept as text in [`CosErrorCode::Other`]; a code cut to
        /// fit a small capacity is [`CosErrorCode::Cut`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[cfg_attr(feature = "defmt", derive(defmt::Format))]
        pub enum CosErrorCode<'a> {
            $($(#[$doc])* $name,)*
            /// Any other code, as sent (empty if the body had no `Code`).
            Other(&'a str),
            /// A code longer than the capacity it was read with (see
            /// [`MAX_CODE_LEN`]): the bytes kept of it. Never one of the
            /// named codes, whatever those bytes say, and never retryable
            /// by itself.
            Cut(&'a str),
        }

        impl<'a> CosErrorCode<'a> {
            /// Recognises a code (case-sensitive, as COS sends them).
            pub fn parse(code: &'a str) -> Self {
                // Each named code's text against `code` in turn: on bare
                // metal a third of the size of a `match` on the strings.
                let mut index = 0;
                while let Some(named) = Self::named(index) {
                    if named.as_str() == code {
                        return named;
                    }
                    index += 1;
                }
                Self::Other(code)
            }

            /// The named code at `index` (in declaration order).
            const fn named(index: usize) -> Option<Self> {
                match index {
                    $($index => Some(Self::$name),)*
                    _ => None,
                }
            }

            /// The code as text (for [`Cut`](Self::Cut), the part kept).
            pub const fn as_str(&self) -> &'a str {
                match self {
                    $(Self::$name => stringify!($name),)*
                    Self::Other(s) | Self::Cut(s) => s,
                }
            }
        }
    };
}

codes! {
    /// The signature does not match the request (400/403); see
    /// [`explain`](crate::explain()).
    0 SignatureDoesNotMatch,
    /// No permission, or the signature's time window has passed
    /// (message "Request has expired").
    1 AccessDenied,
    /// The SecretId is unknown.
    2 InvalidAccessKeyId,
    /// A parameter or header is invalid.
    3 InvalidArgument,
    /// The request is not valid for this resource.
    4 InvalidRequest,
    /// The source or destination object does not exist.
    5 NoSuchKey,
    /// The bucket does not exist.
    6 NoSuchBucket,
    /// The upload id is unknown, completed or aborted.
    7 NoSuchUpload,
    /// A part other than the last is smaller than 1 MB.
    8 EntityTooSmall,
    /// A part (or a copy) is larger than allowed.
    9 EntityTooLarge,
    /// A part listed in Complete was not uploaded, or its ETag differs.
    10 InvalidPart,
    /// The parts listed in Complete are not in ascending order.
    11 InvalidPartOrder,
    /// The request body is not the XML expected.
    12 MalformedXML,
    /// A `x-cos-copy-source-If-*` condition failed (412).
    13 PreconditionFailed,
    /// The request's time is too far from the server's clock.
    14 RequestTimeTooSkewed,
    /// The request took too long to arrive.
    15 RequestTimeout,
    /// An error inside COS.
    16 InternalError,
    /// COS is temporarily unavailable.
    17 ServiceUnavailable,
    /// Too many requests: slow down.
    18 SlowDown,
}

impl CosErrorCode<'_> {
    /// Whether this code names a passing condition, worth retrying after
    /// a pause: `InternalError`, `ServiceUnavailable`, `SlowDown`,
    /// `RequestTimeout`, and `RequestTimeTooSkewed` (each retry is signed
    /// anew, with a corrected clock). An [`Other`](Self::Other) or
    /// [`Cut`](Self::Cut) code is not.
    #[must_use]
    pub const fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::InternalError
                | Self::ServiceUnavailable
                | Self::SlowDown
                | Self::RequestTimeout
                | Self::RequestTimeTooSkewed
        )
    }
}

impl fmt::Display for CosErrorCode<'_> {
    /// The code; a [cut](Self::Cut) one followed by `...`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())?;
        if let Self::Cut(_) = self {
            f.write_str("...")?;
        }
        Ok(())
    }
}

/// Whether a status alone says "try again later": 5xx, 408 and 429.
// One copy on bare metal (it is asked from several places).
#[cfg_attr(cos_compact, inline(never))]
#[must_use]
pub const fn is_retryable_status(status: u16) -> bool {
    matches!(status, 408 | 429 | 500..=599)
}

/// An error code as COS sent it, held inline (no heap, no borrow):
/// [`MAX_CODE_LEN`] bytes at most. A code that was cut to fit a
/// reader's capacity, or that is longer than [`MAX_CODE_LEN`], is kept
/// as its first bytes and marked cut; [`code`](Self::code) then reads it
/// as [`CosErrorCode::Cut`].
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct CodeText {
    bytes: [u8; MAX_CODE_LEN],
    len: u8,
    cut: bool,
}

impl CodeText {
    /// `code` kept whole if it fits in [`MAX_CODE_LEN`] bytes and `cut`
    /// is false; otherwise its longest prefix that fits, ending on a
    /// character boundary, marked cut.
    pub fn new(code: &str, cut: bool) -> Self {
        let mut end = code.len().min(MAX_CODE_LEN);
        while !code.is_char_boundary(end) {
            end = end.saturating_sub(1);
        }
        let kept = code.as_bytes().get(..end).unwrap_or_default();
        let mut bytes = [0u8; MAX_CODE_LEN];
        // Not `copy_from_slice`: its length check would stay linked.
        for (d, b) in bytes.iter_mut().zip(kept) {
            *d = *b;
        }
        Self {
            bytes,
            // At most MAX_CODE_LEN (46): fits a byte.
            len: kept.len() as u8,
            cut: cut || end < code.len(),
        }
    }

    /// The code's text (for a cut code, the bytes kept).
    pub fn as_str(&self) -> &str {
        let kept = self.bytes.get(..usize::from(self.len)).unwrap_or_default();
        core::str::from_utf8(kept).unwrap_or_default()
    }

    /// Whether the code was cut.
    pub const fn is_cut(&self) -> bool {
        self.cut
    }

    /// The code, recognised: [`CosErrorCode::Cut`] if it was cut.
    pub fn code(&self) -> CosErrorCode<'_> {
        if self.cut {
            CosErrorCode::Cut(self.as_str())
        } else {
            CosErrorCode::parse(self.as_str())
        }
    }
}

impl fmt::Debug for CodeText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.code(), f)
    }
}

impl fmt::Display for CodeText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.code(), f)
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for CodeText {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "{=str}{=bool}", self.as_str(), self.cut)
    }
}

/// A failed request: the status, and what COS said (the code, inline).
/// It owns what it holds (`'static`, no heap), so `?` moves it into a
/// `Box<dyn Error>` or an `anyhow::Error`. The rest of an `Error`
/// document (Message, RequestId, TraceId, the signed texts) stays in the
/// parsed body ([`CosErrorBody`]), which the caller keeps.
///
/// ```
/// use tencent_cos_core::{CosErrorCode, ResponseReader, part_result};
///
/// fn copy_part(status: u16, body: &[u8]) -> Result<(), Box<dyn std::error::Error>> {
///     let mut reader = ResponseReader::<64>::new();
///     reader.feed(body)?;
///     let parsed = reader.finish()?;
///     let result = part_result(status, &parsed)?;
///     println!("part ETag {}", result.etag);
///     Ok(())
/// }
///
/// let e = copy_part(503, b"<Error><Code>SlowDown</Code></Error>").unwrap_err();
/// let e = e.downcast_ref::<tencent_cos_core::CosError>().unwrap();
/// assert_eq!(e.code(), Some(CosErrorCode::SlowDown));
/// assert!(e.is_retryable());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum CosError {
    /// COS answered with an `Error` document (on any status, 200
    /// included).
    Service {
        /// The HTTP status.
        status: u16,
        /// The error code (see [`CosError::code`]).
        code: CodeText,
        /// Which of the body's values were cut to fit their capacity (a
        /// cut code is also [`CosErrorCode::Cut`]).
        cut: CutFields,
    },
    /// A status other than 2xx with a document that is not an `Error`.
    UnexpectedStatus {
        /// The HTTP status.
        status: u16,
    },
    /// A success status with a document other than the one expected.
    UnexpectedDocument {
        /// The HTTP status.
        status: u16,
        /// What the body was.
        kind: DocumentKind,
    },
}

impl CosError {
    /// Reads an `Error` document.
    #[must_use]
    pub fn from_body<const N: usize, const D: usize>(
        status: u16,
        body: &CosErrorBody<N, D>,
    ) -> Self {
        Self::Service {
            status,
            code: CodeText::new(
                body.code.as_deref().unwrap_or(""),
                body.cut.contains(Field::Code),
            ),
            cut: body.cut,
        }
    }

    /// The HTTP status.
    #[must_use]
    pub const fn status(&self) -> u16 {
        match self {
            Self::Service { status, .. }
            | Self::UnexpectedStatus { status }
            | Self::UnexpectedDocument { status, .. } => *status,
        }
    }

    /// The error code, if COS sent an `Error` document.
    #[must_use]
    pub fn code(&self) -> Option<CosErrorCode<'_>> {
        match self {
            Self::Service { code, .. } => Some(code.code()),
            _ => None,
        }
    }

    /// Whether the same request is worth sending again (signed anew) after
    /// a pause: a retryable [code](CosErrorCode::is_retryable) or a
    /// [retryable status](is_retryable_status). A document of the wrong
    /// kind is not.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Service { status, code, .. } => {
                code.code().is_retryable() || is_retryable_status(*status)
            }
            Self::UnexpectedStatus { status } => is_retryable_status(*status),
            Self::UnexpectedDocument { .. } => false,
        }
    }
}

impl fmt::Display for CosError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Service { status, code, .. } => write!(f, "COS error {code} (HTTP {status})"),
            Self::UnexpectedStatus { status } => {
                write!(f, "HTTP {status} without an Error document")
            }
            Self::UnexpectedDocument { status, kind } => {
                write!(f, "HTTP {status} with an unexpected {kind} document")
            }
        }
    }
}

impl core::error::Error for CosError {}

/// The common step of the three helpers below.
fn expect<'a, const N: usize, const D: usize, T>(
    status: u16,
    body: &'a Response<N, D>,
    pick: impl FnOnce(&'a Response<N, D>) -> Option<T>,
) -> Result<T, CosError> {
    if let Response::Error(e) = body {
        return Err(CosError::from_body(status, e));
    }
    if !(200..300).contains(&status) {
        return Err(CosError::UnexpectedStatus { status });
    }
    pick(body).ok_or(CosError::UnexpectedDocument {
        status,
        kind: body.kind(),
    })
}

/// The outcome of an UploadPartCopy: its result on a 2xx with a
/// `CopyPartResult`, otherwise the typed error (an `Error` document on a
/// 200 is an error too).
///
/// ```
/// use tencent_cos_core::{part_result, CosErrorCode, Field, Response, ResponseReader};
///
/// // A part copied: its ETag, quotes kept (Complete sends it back as is).
/// let body = Response::<64>::parse(b"<CopyPartResult><ETag>&quot;ba82b57cfdfda8bd17ad4e5879ebb4fe&quot;</ETag></CopyPartResult>")?;
/// // The error owns its code (`'static`): `?` moves it into a `Box<dyn Error>`.
/// let part = part_result(200, &body)?;
/// assert_eq!(part.etag, "\"ba82b57cfdfda8bd17ad4e5879ebb4fe\"");
/// // A 200 that carries an <Error> is an error; SlowDown is worth retrying.
/// let body = Response::<64>::parse(b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>")?;
/// let error = part_result(200, &body).unwrap_err();
/// assert_eq!(error.code(), Some(CosErrorCode::SlowDown));
/// assert!(error.is_retryable());
///
/// // A signature mismatch as COS sends it: its long values do not fit in 64
/// // bytes, and are kept cut and marked; the code and the verdict are whole.
/// let mut reader = ResponseReader::<64>::new();
/// reader.feed(b"<?xml version='1.0' encoding='utf-8' ?>\n<Error>\n\t<Code>SignatureDoesNotMatch</Code>\n\
///     \t<Message>The Signature you specified is invalid. The request signature we calculated does not match the signature you provided.</Message>\n\
///     \t<StringToSign>sha1\\n1615113257;1615199657\\nc7503b64eefd8e4e4e35c8cdc1a23fbcc7f23b51\\n</StringToSign>\n\
///     \t<FormatString>put\\n/exampleobject\\npartnumber=1&amp;uploadid=1585130821cbb7df1d11846c073ad648e8f33b087cec2381df437acdc833cf654b9ecc6361\\n\
///     host=examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com\\n</FormatString>\n\
///     \t<RequestId>NTk0NTRjZjZfNTViMjM1XzlkMV9hZTZh</RequestId>\n\
///     \t<TraceId>OGVmYzZiMmQzYjA2OWNhODk0NTRkMTBiOWVmMDAxODc0OWRkZjk0ZDM1NmI1M2E2MTRlY2MzZDhmNmI5MWI1OTQyYWVlY2QwZTk2MDVmZDQ3MmI2Y2I4ZmI5ZmM4ODFjYmRkMmZmNzk1YjUxODZhZmZlNzNhNWU4Y2E5MmZmYmE=</TraceId>\n</Error>")?;
/// let body = reader.finish()?;
/// let error = part_result(403, &body).unwrap_err();
/// assert_eq!(error.code(), Some(CosErrorCode::SignatureDoesNotMatch));
/// assert!(!error.is_retryable());
/// assert!(body.is_cut(Field::Message) && body.is_cut(Field::TraceId) && !body.is_cut(Field::Code));
/// // The Message and RequestId stay in `body`.
/// assert_eq!(error.to_string(), "COS error SignatureDoesNotMatch (HTTP 403)");
/// let tencent_cos_core::Response::Error(e) = &body else { unreachable!() };
/// assert_eq!(e.request_id.as_deref(), Some("NTk0NTRjZjZfNTViMjM1XzlkMV9hZTZh"));
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
pub fn part_result<const N: usize, const D: usize>(
    status: u16,
    body: &Response<N, D>,
) -> Result<&CopyPartResult<N>, CosError> {
    expect(status, body, |b| match b {
        Response::CopyPart(r) => Some(r),
        _ => None,
    })
}

/// The outcome of an InitiateMultipartUpload, as [`part_result`].
pub fn initiate_result<const N: usize, const D: usize>(
    status: u16,
    body: &Response<N, D>,
) -> Result<&InitiateMultipartUploadResult<N>, CosError> {
    expect(status, body, |b| match b {
        Response::Initiate(r) => Some(r),
        _ => None,
    })
}

/// The outcome of a CompleteMultipartUpload, as [`part_result`].
pub fn complete_result<const N: usize, const D: usize>(
    status: u16,
    body: &Response<N, D>,
) -> Result<&CompleteMultipartUploadResult<N>, CosError> {
    expect(status, body, |b| match b {
        Response::Complete(r) => Some(r),
        _ => None,
    })
}

/// The response headers that matter for a copy, picked from the
/// `(name, value)` pairs of a response (names compared case-insensitively,
/// values trimmed of spaces and tabs; the first occurrence wins; an empty
/// value counts as absent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ResponseHeaders<'a> {
    request_id: Option<&'a str>,
    copy_source_version_id: Option<&'a str>,
    server_side_encryption: Option<&'a str>,
}

impl<'a> ResponseHeaders<'a> {
    /// Picks the headers out of `pairs`.
    ///
    /// ```
    /// use tencent_cos_core::ResponseHeaders;
    ///
    /// let raw = [("Content-Type", "application/xml"), ("X-Cos-Request-Id", " NTlk ")];
    /// let h = ResponseHeaders::from_pairs(raw.iter().copied());
    /// assert_eq!(h.request_id(), Some("NTlk"));
    /// assert_eq!(h.server_side_encryption(), None);
    /// ```
    pub fn from_pairs<I: IntoIterator<Item = (&'a str, &'a str)>>(pairs: I) -> Self {
        let mut h = Self::default();
        for (name, value) in pairs {
            let value = crate::bytes::trim_ows_str(value);
            if value.is_empty() {
                continue;
            }
            let slot = if name.eq_ignore_ascii_case("x-cos-request-id") {
                &mut h.request_id
            } else if name.eq_ignore_ascii_case("x-cos-copy-source-version-id") {
                &mut h.copy_source_version_id
            } else if name.eq_ignore_ascii_case("x-cos-server-side-encryption") {
                &mut h.server_side_encryption
            } else {
                continue;
            };
            if slot.is_none() {
                *slot = Some(value);
            }
        }
        h
    }

    /// `x-cos-request-id`: quote it to support.
    #[must_use]
    pub const fn request_id(&self) -> Option<&'a str> {
        self.request_id
    }

    /// `x-cos-copy-source-version-id`: the source version copied, when the
    /// source bucket has versioning.
    #[must_use]
    pub const fn copy_source_version_id(&self) -> Option<&'a str> {
        self.copy_source_version_id
    }

    /// `x-cos-server-side-encryption` (`AES256`, `cos/kms`): how the part
    /// is encrypted at rest.
    #[must_use]
    pub const fn server_side_encryption(&self) -> Option<&'a str> {
        self.server_side_encryption
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::response::ResponseReader;

    fn parse(doc: &str) -> Response<128> {
        let mut r = ResponseReader::<128>::new();
        r.feed(doc.as_bytes()).unwrap();
        r.finish().unwrap()
    }

    #[test]
    fn codes_round_trip() {
        for code in [
            "SignatureDoesNotMatch",
            "AccessDenied",
            "NoSuchUpload",
            "EntityTooSmall",
            "InvalidPartOrder",
            "MalformedXML",
            "PreconditionFailed",
            "RequestTimeTooSkewed",
            "SlowDown",
        ] {
            let c = CosErrorCode::parse(code);
            assert!(!matches!(c, CosErrorCode::Other(_)), "{code}");
            assert_eq!(c.as_str(), code);
            assert_eq!(c.to_string(), code);
        }
        assert_eq!(
            CosErrorCode::parse("KmsKeyDisabled"),
            CosErrorCode::Other("KmsKeyDisabled")
        );
        assert_eq!(
            CosErrorCode::parse("nosuchkey"),
            CosErrorCode::Other("nosuchkey")
        );
        assert_eq!(CosErrorCode::Other("X").as_str(), "X");
    }

    /// Every named code, found by its index, reads back as itself: the
    /// indices run from 0 without a gap (a gap would hide the codes after
    /// it from `parse`).
    #[test]
    fn every_named_code_parses_back() {
        let mut count = 0;
        while let Some(code) = CosErrorCode::named(count) {
            assert_eq!(CosErrorCode::parse(code.as_str()), code);
            assert!(!matches!(
                code,
                CosErrorCode::Other(_) | CosErrorCode::Cut(_)
            ));
            assert!(code.as_str().len() <= MAX_CODE_LEN);
            count += 1;
        }
        assert_eq!(count, 19);
        assert_eq!(
            CosErrorCode::parse("SlowDow"),
            CosErrorCode::Other("SlowDow")
        );
        assert_eq!(CosErrorCode::parse(""), CosErrorCode::Other(""));
    }

    #[test]
    fn retry_policy() {
        assert!(CosErrorCode::SlowDown.is_retryable());
        assert!(CosErrorCode::InternalError.is_retryable());
        assert!(!CosErrorCode::NoSuchUpload.is_retryable());
        assert!(!CosErrorCode::SignatureDoesNotMatch.is_retryable());
        assert!(!CosErrorCode::Other("X").is_retryable());
        for (status, yes) in [
            (500, true),
            (503, true),
            (429, true),
            (408, true),
            (404, false),
            (200, false),
            (412, false),
        ] {
            assert_eq!(is_retryable_status(status), yes, "{status}");
        }
        let body = parse("<Error><Code>InternalError</Code></Error>");
        // A copy that failed while running: 200 with an Error document.
        let e = part_result(200, &body).unwrap_err();
        assert_eq!(e.code(), Some(CosErrorCode::InternalError));
        assert!(e.is_retryable());
        let body = parse("<Error><Code>NoSuchKey</Code></Error>");
        assert!(!part_result(404, &body).unwrap_err().is_retryable());
        let body = parse("<Error><Code>Weird</Code></Error>");
        assert!(part_result(503, &body).unwrap_err().is_retryable());
    }

    #[test]
    fn part_result_cases() {
        let ok = parse("<CopyPartResult><ETag>\"e\"</ETag></CopyPartResult>");
        assert_eq!(part_result(200, &ok).unwrap().etag, "\"e\"");
        assert_eq!(
            part_result(502, &ok).unwrap_err(),
            CosError::UnexpectedStatus { status: 502 }
        );
        let init = parse(
            "<InitiateMultipartUploadResult><UploadId>u</UploadId></InitiateMultipartUploadResult>",
        );
        assert_eq!(
            part_result(200, &init).unwrap_err(),
            CosError::UnexpectedDocument {
                status: 200,
                kind: DocumentKind::InitiateMultipartUploadResult
            }
        );
        assert_eq!(initiate_result(200, &init).unwrap().upload_id, "u");
        let done = parse(
            "<CompleteMultipartUploadResult><ETag>\"x-2\"</ETag></CompleteMultipartUploadResult>",
        );
        assert_eq!(complete_result(200, &done).unwrap().etag, "\"x-2\"");
        assert!(complete_result(200, &ok).is_err());
        let err = parse(
            "<Error><Code>NoSuchUpload</Code><Message>gone</Message>\
             <RequestId>rid</RequestId><TraceId>tid</TraceId></Error>",
        );
        let e = part_result(404, &err).unwrap_err();
        assert_eq!(
            e,
            CosError::Service {
                status: 404,
                code: CodeText::new("NoSuchUpload", false),
                cut: CutFields::NONE,
            }
        );
        assert_eq!(e.code(), Some(CosErrorCode::NoSuchUpload));
        assert_eq!(e.status(), 404);
        assert_eq!(e.to_string(), "COS error NoSuchUpload (HTTP 404)");
        let bare = parse("<Error/>");
        assert_eq!(
            part_result(403, &bare).unwrap_err().code(),
            Some(CosErrorCode::Other(""))
        );
    }

    #[test]
    fn headers() {
        let raw = [
            ("x-cos-request-id", "first"),
            ("X-COS-REQUEST-ID", "second"),
            ("x-cos-copy-source-version-id", "\tMTg0\t"),
            ("x-cos-server-side-encryption", ""),
            ("X-Cos-Server-Side-Encryption", "AES256"),
            ("x-cos-request-idx", "no"),
        ];
        let h = ResponseHeaders::from_pairs(raw.iter().copied());
        assert_eq!(h.request_id(), Some("first"));
        assert_eq!(h.copy_source_version_id(), Some("MTg0"));
        assert_eq!(h.server_side_encryption(), Some("AES256"));
        assert_eq!(ResponseHeaders::from_pairs([]), ResponseHeaders::default());
    }
}
