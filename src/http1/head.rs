//! The final answer's head as parsed by httparse, with the facts the
//! framing rules draw from it (RFC 9112 §6.3, §9.3).

use super::{Header, Http1Error};
use crate::bytes::trim_ows;
use crate::cos_error::ResponseHeaders;

/// How the end of an answer's body is found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Framing {
    /// No body whatever the headers say: the answer to a HEAD request,
    /// `204 No Content` or `304 Not Modified`.
    NoBody,
    /// `Content-Length` bytes (`0` included).
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
    /// Everything until the server closes the connection (neither
    /// header): the connection cannot be reused.
    UntilClose,
}

/// The status line and headers of the final answer, borrowing the
/// reader's buffer and header storage (nothing is copied).
///
/// Header names are compared case-insensitively; values are as httparse
/// gives them (spaces and tabs around them removed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head<'a> {
    status: u16,
    reason: &'a str,
    minor_version: u8,
    headers: &'a [Header<'a>],
    framing: Framing,
    content_length: Option<u64>,
    keep_alive: bool,
}

#[cfg(feature = "defmt")]
#[cfg_attr(docsrs, doc(cfg(feature = "defmt")))]
impl defmt::Format for Head<'_> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "Head {{ status: {=u16}, reason: {=str}, minor_version: {=u8}, headers: {=usize}, framing: {}, content_length: {}, keep_alive: {=bool} }}",
            self.status,
            self.reason,
            self.minor_version,
            self.headers.len(),
            self.framing,
            self.content_length,
            self.keep_alive
        );
    }
}

/// What a final head's headers say, checked: the framing, the length and
/// whether the connection may stay open.
impl<'a> Head<'a> {
    /// Applies the framing rules to a final head parsed by httparse.
    pub(super) fn new(
        status: u16,
        reason: &'a str,
        minor_version: u8,
        headers: &'a [Header<'a>],
        head_request: bool,
    ) -> Result<Self, Http1Error> {
        // One pass over the headers and their comma-separated items.
        // Every Content-Length item must be digits, all the same number.
        let mut content_length = None;
        let (mut has_te, mut codings, mut last_chunked) = (false, 0usize, false);
        let (mut close, mut keep) = (false, false);
        for h in headers {
            let name = h.name.as_bytes();
            let field = if name.eq_ignore_ascii_case(b"content-length") {
                Field::ContentLength
            } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
                has_te = true;
                Field::TransferEncoding
            } else if name.eq_ignore_ascii_case(b"connection") {
                Field::Connection
            } else {
                continue;
            };
            for item in h.value.split(|&b| b == b',').map(trim_ows) {
                match field {
                    Field::ContentLength => {
                        let n = digits(item).ok_or(Http1Error::InvalidContentLength)?;
                        if content_length.is_some_and(|l| l != n) {
                            return Err(Http1Error::ConflictingContentLength);
                        }
                        content_length = Some(n);
                    }
                    Field::TransferEncoding if !item.is_empty() => {
                        codings = codings.saturating_add(1);
                        last_chunked = item.eq_ignore_ascii_case(b"chunked");
                    }
                    Field::TransferEncoding => {}
                    Field::Connection => {
                        close |= item.eq_ignore_ascii_case(b"close");
                        keep |= item.eq_ignore_ascii_case(b"keep-alive");
                    }
                }
            }
        }
        if has_te {
            if minor_version == 0 {
                return Err(Http1Error::TransferEncodingInHttp10);
            }
            if content_length.is_some() {
                return Err(Http1Error::LengthAndChunked);
            }
            // Exactly one coding, `chunked`: any other would hand on
            // bytes this crate cannot decode.
            if codings != 1 || !last_chunked {
                return Err(Http1Error::UnsupportedTransferCoding);
            }
        }
        let chunked = has_te;
        let framing = if head_request || matches!(status, 204 | 304) {
            Framing::NoBody
        } else if chunked {
            Framing::Chunked
        } else {
            content_length.map_or(Framing::UntilClose, Framing::Length)
        };
        let keep_alive = !close && (minor_version >= 1 || keep) && framing != Framing::UntilClose;
        Ok(Self {
            status,
            reason,
            minor_version,
            headers,
            framing,
            content_length,
            keep_alive,
        })
    }

    /// The status code (100–599; never 1xx: interim answers are skipped).
    #[must_use]
    pub const fn status(&self) -> u16 {
        self.status
    }

    /// The reason phrase (empty if absent, or if it held bytes above
    /// 0x7F: httparse's choice).
    #[must_use]
    pub const fn reason(&self) -> &'a str {
        self.reason
    }

    /// The minor version: `1` for HTTP/1.1, `0` for HTTP/1.0.
    #[must_use]
    pub const fn minor_version(&self) -> u8 {
        self.minor_version
    }

    /// Every header, in order.
    #[must_use]
    pub const fn headers(&self) -> &'a [Header<'a>] {
        self.headers
    }

    /// The first value of a header, as bytes.
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&'a [u8]> {
        self.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value)
    }

    /// The first value of a header, as text: `None` if the header is
    /// absent or that value is not UTF-8 ([`header`](Self::header) has
    /// the bytes).
    #[must_use]
    pub fn header_str(&self, name: &str) -> Option<&'a str> {
        self.header(name).and_then(|v| core::str::from_utf8(v).ok())
    }

    /// Every value of a header, in order.
    pub fn values<'n>(&self, name: &'n str) -> impl Iterator<Item = &'a [u8]> + use<'a, 'n> {
        self.headers
            .iter()
            .filter(move |h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value)
    }

    /// The headers as text pairs, for [`ResponseHeaders::from_pairs`] and
    /// the like (a header whose value is not UTF-8 is left out).
    pub fn pairs(&self) -> impl Iterator<Item = (&'a str, &'a str)> + use<'a> {
        self.headers
            .iter()
            .filter_map(|h| Some((h.name, core::str::from_utf8(h.value).ok()?)))
    }

    /// The headers a copy needs (`x-cos-request-id`,
    /// `x-cos-copy-source-version-id`, `x-cos-server-side-encryption`).
    #[must_use]
    pub fn cos_headers(&self) -> ResponseHeaders<'a> {
        ResponseHeaders::from_pairs(self.pairs())
    }

    /// `x-cos-request-id`: quote it to support.
    #[must_use]
    pub fn request_id(&self) -> Option<&'a str> {
        self.cos_headers().request_id()
    }

    /// `x-cos-copy-source-version-id`.
    #[must_use]
    pub fn copy_source_version_id(&self) -> Option<&'a str> {
        self.cos_headers().copy_source_version_id()
    }

    /// `ETag`, quotes included (check it with
    /// [`ETag::new`](crate::ETag::new)).
    #[must_use]
    pub fn etag(&self) -> Option<&'a str> {
        self.text("etag")
    }

    /// `Last-Modified` (read it with
    /// [`parse_http_date`](crate::date::parse_http_date)).
    #[must_use]
    pub fn last_modified(&self) -> Option<&'a str> {
        self.text("last-modified")
    }

    /// `Date`: the server's clock (read it with
    /// [`parse_http_date`](crate::date::parse_http_date)).
    #[must_use]
    pub fn date(&self) -> Option<&'a str> {
        self.text("date")
    }

    /// `Content-Length`, checked (all its values the same number). For
    /// the answer to a HEAD request, the size of the object.
    #[must_use]
    pub const fn content_length(&self) -> Option<u64> {
        self.content_length
    }

    /// How the body ends.
    #[must_use]
    pub const fn framing(&self) -> Framing {
        self.framing
    }

    /// Whether the head lets the connection carry another request once
    /// the body has been read to its end: HTTP/1.1 without
    /// `Connection: close`, or HTTP/1.0 with `Connection: keep-alive`, and
    /// a body not delimited by the close. [`Reader::reusable`] is the
    /// verdict once the answer is read.
    ///
    /// [`Reader::reusable`]: super::Reader::reusable
    #[must_use]
    pub const fn keep_alive(&self) -> bool {
        self.keep_alive
    }

    /// A header's first value as non-empty text.
    fn text(&self, name: &str) -> Option<&'a str> {
        self.header_str(name).filter(|v| !v.is_empty())
    }
}

/// The headers that decide the framing and reuse.
#[derive(Clone, Copy)]
enum Field {
    ContentLength,
    TransferEncoding,
    Connection,
}

/// `1*DIGIT` as a `u64` (no sign, no space; `None` if empty or too large).
fn digits(v: &[u8]) -> Option<u64> {
    if v.is_empty() {
        return None;
    }
    v.iter().try_fold(0u64, |n, &b| {
        let d = b.checked_sub(b'0').filter(|d| *d < 10)?;
        n.checked_mul(10)?.checked_add(u64::from(d))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(
        status: u16,
        minor: u8,
        raw: &[(&'static str, &'static str)],
        head_req: bool,
    ) -> Result<Head<'static>, Http1Error> {
        let hs: Vec<Header<'static>> = raw
            .iter()
            .map(|(n, v)| Header {
                name: n,
                value: v.as_bytes(),
            })
            .collect();
        Head::new(status, "", minor, hs.leak(), head_req)
    }

    #[test]
    fn numbers() {
        assert_eq!(digits(b"0"), Some(0));
        assert_eq!(digits(b"007"), Some(7));
        assert_eq!(digits(b"18446744073709551615"), Some(u64::MAX));
        for bad in [
            &b""[..],
            b"18446744073709551616",
            b"+0",
            b"-1",
            b"1 2",
            b"0x1",
            b"1.0",
        ] {
            assert_eq!(digits(bad), None, "{bad:?}");
        }
        assert_eq!(trim_ows(b" \t a b\t "), b"a b");
        assert_eq!(trim_ows(b" \t "), b"");
    }

    #[test]
    fn framing_rules() {
        let f =
            |raw: &[(&'static str, &'static str)]| head(200, 1, raw, false).map(|h| h.framing());
        assert_eq!(f(&[("Content-Length", "12")]), Ok(Framing::Length(12)));
        assert_eq!(
            f(&[("content-length", "5, 5"), ("CONTENT-LENGTH", "5")]),
            Ok(Framing::Length(5))
        );
        assert_eq!(f(&[("Transfer-Encoding", "Chunked")]), Ok(Framing::Chunked));
        assert_eq!(
            f(&[("Transfer-Encoding", " , chunked ,")]),
            Ok(Framing::Chunked)
        );
        assert_eq!(f(&[]), Ok(Framing::UntilClose));
        for (raw, want) in [
            (
                &[("Content-Length", "5"), ("Content-Length", "6")][..],
                Http1Error::ConflictingContentLength,
            ),
            (
                &[("Content-Length", "5, 6")],
                Http1Error::ConflictingContentLength,
            ),
            (
                &[("Content-Length", "+0")],
                Http1Error::InvalidContentLength,
            ),
            (
                &[("Content-Length", "-1")],
                Http1Error::InvalidContentLength,
            ),
            (&[("Content-Length", "")], Http1Error::InvalidContentLength),
            (
                &[("Content-Length", "5,")],
                Http1Error::InvalidContentLength,
            ),
            (
                &[("Content-Length", "99999999999999999999")],
                Http1Error::InvalidContentLength,
            ),
            (
                &[("Transfer-Encoding", "chunked"), ("Content-Length", "3")],
                Http1Error::LengthAndChunked,
            ),
            (
                &[("Transfer-Encoding", "gzip, chunked")],
                Http1Error::UnsupportedTransferCoding,
            ),
            (
                &[
                    ("Transfer-Encoding", "chunked"),
                    ("Transfer-Encoding", "chunked"),
                ],
                Http1Error::UnsupportedTransferCoding,
            ),
            (
                &[("Transfer-Encoding", "gzip")],
                Http1Error::UnsupportedTransferCoding,
            ),
            (
                &[("Transfer-Encoding", "identity")],
                Http1Error::UnsupportedTransferCoding,
            ),
            (
                &[("Transfer-Encoding", "")],
                Http1Error::UnsupportedTransferCoding,
            ),
        ] {
            assert_eq!(f(raw), Err(want), "{raw:?}");
        }
        assert_eq!(
            head(200, 0, &[("Transfer-Encoding", "chunked")], false),
            Err(Http1Error::TransferEncodingInHttp10)
        );
        // No body for HEAD, 204 and 304, whatever the headers; the
        // length is still read (a HEAD answer's is the object's size).
        let h = head(200, 1, &[("Content-Length", "1048576")], true).unwrap();
        assert_eq!(
            (h.framing(), h.content_length()),
            (Framing::NoBody, Some(1_048_576))
        );
        assert!(h.keep_alive());
        for status in [204, 304] {
            assert_eq!(
                head(status, 1, &[("Content-Length", "7")], false)
                    .unwrap()
                    .framing(),
                Framing::NoBody
            );
        }
        assert_eq!(
            head(205, 1, &[], false).unwrap().framing(),
            Framing::UntilClose
        );
    }

    #[test]
    fn connection_reuse() {
        let ka = |minor, raw: &[(&'static str, &'static str)]| {
            head(200, minor, raw, false).unwrap().keep_alive()
        };
        assert!(ka(1, &[("Content-Length", "0")]));
        assert!(!ka(
            1,
            &[("Content-Length", "0"), ("Connection", "keep-alive, Close")]
        ));
        assert!(!ka(
            1,
            &[
                ("Connection", "x"),
                ("Content-Length", "0"),
                ("connection", " CLOSE ")
            ]
        ));
        assert!(!ka(1, &[]), "until close");
        assert!(
            !ka(0, &[("Content-Length", "0")]),
            "HTTP/1.0 closes by default"
        );
        assert!(ka(
            0,
            &[("Content-Length", "0"), ("Connection", "Keep-Alive")]
        ));
        assert!(!ka(0, &[("Connection", "keep-alive")]), "until close");
        assert!(ka(
            1,
            &[("Transfer-Encoding", "chunked"), ("Connection", "closed")]
        ));
    }

    #[test]
    fn lookups() {
        let h = head(
            200,
            1,
            &[
                ("ETag", "\"e\""),
                ("etag", "\"second\""),
                ("Last-Modified", "Mon, 04 Sep 2017 04:45:45 GMT"),
                ("Date", ""),
                ("x-cos-request-id", "NTlk"),
                ("X-Cos-Copy-Source-Version-Id", "MTg0"),
                ("Content-Length", "0"),
            ],
            false,
        )
        .unwrap();
        assert_eq!(h.etag(), Some("\"e\""));
        assert_eq!(h.header("ETAG"), Some(&b"\"e\""[..]));
        assert_eq!(h.values("etag").count(), 2);
        assert_eq!(h.last_modified(), Some("Mon, 04 Sep 2017 04:45:45 GMT"));
        assert_eq!(h.date(), None, "empty is absent");
        assert_eq!(h.header_str("date"), Some(""));
        assert_eq!(h.request_id(), Some("NTlk"));
        assert_eq!(h.copy_source_version_id(), Some("MTg0"));
        assert_eq!(h.cos_headers().server_side_encryption(), None);
        assert_eq!(h.content_length(), Some(0));
        assert_eq!(h.header("missing"), None);
        assert_eq!(h.pairs().count(), 7);
    }
}
