//! What the caller tells the copy machine about one exchange: the answer
//! it read (status, the headers that matter, the parsed document), or how
//! the exchange failed.

use crate::response::{Response, ResponseError};

/// The outcome of one exchange, as the caller saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Answer<'r> {
    /// An answer was read to its end.
    Response {
        /// The HTTP status.
        status: u16,
        /// The headers the machine looks at.
        headers: Headers<'r>,
        /// The body, read by [`ResponseReader`](crate::ResponseReader)
        /// ([`Document::read`]), or [`Document::None`] when there was no
        /// body (HEAD, `204`, `Content-Length: 0`).
        document: Document<'r>,
    },
    /// No complete answer: the connection failed, closed or timed out.
    Lost(Lost),
}

impl<'r> Answer<'r> {
    /// An answer read to its end.
    #[must_use]
    pub const fn response(status: u16, headers: Headers<'r>, document: Document<'r>) -> Self {
        Self::Response {
            status,
            headers,
            document,
        }
    }

    /// An exchange that failed: whether every byte of the request was
    /// written, and whether any byte of an answer arrived.
    #[must_use]
    pub const fn lost(request_sent: bool, answer_started: bool) -> Self {
        Self::Lost(Lost {
            request_sent,
            answer_started,
        })
    }
}

/// How an exchange failed, in the two facts that decide whether the
/// server may have carried the request out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Lost {
    /// Every byte of the request (head and body) was written. If not, the
    /// server cannot have acted on it.
    pub request_sent: bool,
    /// Some of an answer arrived (its status line at least): the server
    /// received the request and acted on it, but the rest of the answer
    /// is lost.
    pub answer_started: bool,
}

/// The response headers the copy machine reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Headers<'r> {
    /// `x-cos-request-id`: kept in a failure, for support.
    pub request_id: Option<&'r str>,
    /// `ETag`: the source's (HEAD of the source) or the destination's
    /// (HEAD after a lost Complete answer).
    pub etag: Option<&'r str>,
    /// `Content-Length` of a HEAD answer: the object's size.
    pub content_length: Option<u64>,
}

impl<'r> Headers<'r> {
    /// Picks the headers out of `(name, value)` pairs: names compared
    /// case-insensitively, values trimmed of spaces and tabs, the first
    /// occurrence kept, an empty value taken as absent, a `Content-Length`
    /// that is not a plain decimal number as absent.
    ///
    /// ```
    /// use tencent_cos_core::copy::Headers;
    ///
    /// let raw = [("ETag", "\"e\""), ("content-length", " 42 "), ("X-Cos-Request-Id", "NTlk")];
    /// let h = Headers::from_pairs(raw.iter().copied());
    /// assert_eq!((h.etag, h.content_length, h.request_id), (Some("\"e\""), Some(42), Some("NTlk")));
    /// ```
    pub fn from_pairs<I: IntoIterator<Item = (&'r str, &'r str)>>(pairs: I) -> Self {
        let mut h = Self::default();
        let mut length = None;
        for (name, value) in pairs {
            let value = crate::bytes::trim_ows_str(value);
            if value.is_empty() {
                continue;
            }
            let slot = if name.eq_ignore_ascii_case("etag") {
                &mut h.etag
            } else if name.eq_ignore_ascii_case("x-cos-request-id") {
                &mut h.request_id
            } else if name.eq_ignore_ascii_case("content-length") {
                &mut length
            } else {
                continue;
            };
            if slot.is_none() {
                *slot = Some(value);
            }
        }
        h.content_length = length.and_then(crate::credentials::parse_u64);
        h
    }
}

/// The answer's body as the machine reads it: a view of a parsed
/// [`Response`] of any capacity (so the machine is not generic over it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Document<'r> {
    /// No body.
    None,
    /// `<CopyPartResult>`.
    CopyPart {
        /// The part's ETag, quotes kept.
        etag: &'r str,
    },
    /// `<InitiateMultipartUploadResult>`.
    Initiate {
        /// The new upload's id.
        upload_id: &'r str,
    },
    /// `<CompleteMultipartUploadResult>`.
    Complete {
        /// The object's ETag, quotes kept.
        etag: &'r str,
    },
    /// `<Error>` (on any status, `200` included).
    Error {
        /// `Code` (empty if absent).
        code: &'r str,
        /// `RequestId`, if any.
        request_id: Option<&'r str>,
    },
    /// A body that is none of these. One that ended early
    /// ([`ResponseError::is_incomplete`]) counts as an answer cut short.
    Unreadable(ResponseError),
}

impl<'r> Document<'r> {
    /// The view of a parsed document.
    #[inline]
    #[must_use]
    pub fn of<const N: usize, const D: usize>(response: &'r Response<N, D>) -> Self {
        match response {
            Response::CopyPart(r) => Self::CopyPart { etag: &r.etag },
            Response::Initiate(r) => Self::Initiate {
                upload_id: &r.upload_id,
            },
            Response::Complete(r) => Self::Complete { etag: &r.etag },
            Response::Error(e) => Self::Error {
                code: e.code.as_deref().unwrap_or_default(),
                request_id: e.request_id.as_deref(),
            },
        }
    }

    /// The view of what [`ResponseReader::finish`](crate::ResponseReader::finish)
    /// returned.
    #[inline]
    #[must_use]
    pub fn read<const N: usize, const D: usize>(
        result: &'r Result<Response<N, D>, ResponseError>,
    ) -> Self {
        match result {
            Ok(r) => Self::of(r),
            Err(e) => Self::Unreadable(*e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_first_wins_and_bad_lengths_are_absent() {
        let raw = [
            ("etag", ""),
            ("ETAG", "\"a\""),
            ("ETag", "\"b\""),
            ("Content-Length", "12x"),
            ("content-length", "7"),
        ];
        let h = Headers::from_pairs(raw.iter().copied());
        assert_eq!(h.etag, Some("\"a\""));
        // The first Content-Length is the one read, and it is not a number.
        assert_eq!(h.content_length, None);
        let h = Headers::from_pairs([("Content-Length", "18446744073709551616")]);
        assert_eq!(h.content_length, None);
        assert_eq!(Headers::from_pairs([]), Headers::default());
    }

    #[test]
    fn documents_are_views_of_responses() {
        let r =
            Response::<64>::parse(b"<Error><Code>SlowDown</Code><RequestId>r</RequestId></Error>");
        assert_eq!(
            Document::read(&r),
            Document::Error {
                code: "SlowDown",
                request_id: Some("r")
            }
        );
        let r = Response::<64>::parse(b"<CopyPartResult><ETag>\"e\"</ETag></CopyPartResult>");
        assert_eq!(Document::read(&r), Document::CopyPart { etag: "\"e\"" });
        let r = Response::<64>::parse(b"<CopyPartResult>");
        assert!(matches!(Document::read(&r), Document::Unreadable(e) if e.is_incomplete()));
    }
}
