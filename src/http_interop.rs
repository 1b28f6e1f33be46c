//! The copy's requests and answers as the [`http`] crate's types (feature
//! `http`, which needs `std`): for HTTP clients that take an
//! [`http::Request`] and give an [`http::Response`] — ureq 3, reqwest,
//! hyper.
//!
//! - [`request`]: a [`SignedRequest`] as an `http::Request<()>`: method,
//!   URI (scheme, the `Host` it signed, the wire-encoded target) and every
//!   header it signed, `Authorization` included, byte for byte.
//! - [`copy_request`]: a [`Job`] of a [`CopyMachine`] signed and with its
//!   body, ready to send.
//! - [`headers`], [`document`], [`answer`]: an answer's head and body as
//!   the machine reads them.
//!
//! The driving loop is the caller's: poll the machine, send each job with
//! the client, give back the answer. With ureq 3:
//!
//! ```no_run
//! use tencent_cos_core::copy::{Answer, CopyMachine, Poll};
//! use tencent_cos_core::http_interop::{answer, copy_request, document};
//! use tencent_cos_core::{Credentials, KeyTime, SigningKey};
//! # fn now_ms() -> u64 { 0 }
//!
//! fn drive(m: &mut CopyMachine<'_, '_>, creds: &Credentials<'_>, agent: &ureq::Agent) -> Result<(), Box<dyn std::error::Error>> {
//! #   let _ = creds;
//!     loop {
//!         match m.poll(now_ms()) {
//!             Poll::Send(job) => {
//!                 let request = copy_request(m, job, http::uri::Scheme::HTTPS)?;
//!                 let lost = match agent.run(request) {
//!                     Ok(mut response) => {
//!                         let body = response.body_mut().read_to_vec();
//!                         let parsed = body.as_deref().ok().and_then(document::<1024, 4096>);
//!                         if body.is_ok() {
//!                             m.answer(job, now_ms(), answer(&response, parsed.as_ref()));
//!                             continue;
//!                         }
//!                         Answer::lost(true, true)
//!                     }
//!                     // Whether it went out is not known: say it may have.
//!                     Err(_) => Answer::lost(true, false),
//!                 };
//!                 m.answer(job, now_ms(), lost);
//!             }
//!             Poll::NeedKey => { /* m.set_key(SigningKey::new(creds, KeyTime::from_now(..)?)) */ }
//!             Poll::Wait { ms } => std::thread::sleep(std::time::Duration::from_millis(ms.into())),
//!             Poll::AwaitAnswer => { /* answers of other threads */ }
//!             Poll::Done => return Ok(()),
//!         }
//!     }
//! }
//! ```
//!
//! A client that reports errors statuses as errors (ureq's default) must
//! be told not to (`http_status_as_error(false)`): COS's error answers are
//! answers the machine reads. Without knowing whether a failed request
//! went out, answer it [`Answer::lost`]`(true, false)`: the machine then
//! treats an Initiate or a Complete as possibly carried out (a possible
//! orphan; the destination checked), which is the safe side.

extern crate alloc;

use crate::copy::{Answer, CopyError, CopyMachine, Document, Headers, Job};
use crate::request::SignedRequest;
use crate::response::{Response, ResponseError};
use crate::sink::{Output, OutputError};
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

/// Why a request could not be given as `http` types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum InteropError {
    /// The job could not be signed or written.
    Copy(CopyError),
    /// The `Host` and target make no URI the `http` crate accepts.
    Uri,
    /// A header the `http` crate refuses (a value with a control byte).
    Header,
}

impl fmt::Display for InteropError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Copy(e) => fmt::Display::fmt(e, f),
            Self::Uri => f.write_str("host and target make no valid URI"),
            Self::Header => f.write_str("a header name or value the http crate refuses"),
        }
    }
}

impl core::error::Error for InteropError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Copy(e) => Some(e),
            _ => None,
        }
    }
}

impl From<CopyError> for InteropError {
    fn from(e: CopyError) -> Self {
        Self::Copy(e)
    }
}

/// `signed` as an `http::Request<()>`: its method, the URI
/// `scheme://<Host><target>` and every header it carries, in order, as
/// signed (`Host` and `Content-Length` included: send exactly those).
///
/// ```
/// use tencent_cos_core::{Credentials, Host, InitiateMultipartUpload, KeyTime, SigningKey};
///
/// let creds = Credentials::new("AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q", "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz")?;
/// let key = SigningKey::new(&creds, KeyTime::new(1_700_000_000, 1_700_003_600)?);
/// let mut scratch = [0u8; 512];
/// let signed = InitiateMultipartUpload::new(Host::bucket("examplebucket-1250000000", "ap-guangzhou"), "a b.bin")
///     .sign(&key, &mut scratch)?;
/// let request = tencent_cos_core::http_interop::request(&signed, http::uri::Scheme::HTTPS)?;
/// assert_eq!(request.method(), http::Method::POST);
/// assert_eq!(
///     request.uri(),
///     "https://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/a%20b.bin?uploads"
/// );
/// assert!(request.headers()["authorization"].to_str()?.starts_with("q-sign-algorithm=sha1&"));
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
pub fn request(
    signed: &SignedRequest<'_>,
    scheme: http::uri::Scheme,
) -> Result<http::Request<()>, InteropError> {
    let host = signed.header("Host").ok_or(InteropError::Uri)?;
    let mut target = String::new();
    signed
        .target()
        .write_to(&mut target)
        .map_err(|_| InteropError::Uri)?;
    let uri = http::Uri::builder()
        .scheme(scheme)
        .authority(host)
        .path_and_query(target)
        .build()
        .map_err(|_| InteropError::Uri)?;
    let method = http::Method::from_bytes(signed.method().as_str().as_bytes())
        .map_err(|_| InteropError::Uri)?;
    let mut request = http::Request::new(());
    *request.method_mut() = method;
    *request.uri_mut() = uri;
    let map = request.headers_mut();
    for (name, value) in signed.headers() {
        let name =
            http::HeaderName::from_bytes(name.as_bytes()).map_err(|_| InteropError::Header)?;
        let value = http::HeaderValue::from_str(value).map_err(|_| InteropError::Header)?;
        map.append(name, value);
    }
    Ok(request)
}

/// `job` of `machine` signed ([`CopyMachine::sign`]) as an `http::Request`
/// with its body (Complete's XML; empty for the others).
pub fn copy_request(
    machine: &CopyMachine<'_, '_>,
    job: Job,
    scheme: http::uri::Scheme,
) -> Result<http::Request<Vec<u8>>, InteropError> {
    let mut size = 1024;
    let head = loop {
        let mut scratch = alloc::vec![0u8; size];
        match machine.sign(job, &mut scratch) {
            Ok(signed) => break request(&signed, scheme.clone())?,
            Err(CopyError::Output(OutputError::BufferTooSmall { needed })) if needed > size => {
                size = needed;
            }
            Err(e) => return Err(e.into()),
        }
    };
    let body_out = machine.body(job)?;
    let mut body = String::with_capacity(body_out.len());
    body_out.write_to(&mut body).map_err(CopyError::from)?;
    Ok(head.map(|()| body.into_bytes()))
}

/// The headers the machine reads (`ETag`, `Content-Length`,
/// `x-cos-request-id`) from an answer's header map.
#[must_use]
pub fn headers(map: &http::HeaderMap) -> Headers<'_> {
    Headers::from_pairs(
        map.iter()
            .filter_map(|(name, value)| Some((name.as_str(), value.to_str().ok()?))),
    )
}

/// An answer's body read as a COS document, `None` if it is empty (a HEAD,
/// a `204`).
#[must_use]
pub fn document<const N: usize, const D: usize>(
    body: &[u8],
) -> Option<Result<Response<N, D>, ResponseError>> {
    (!body.is_empty()).then(|| Response::parse(body))
}

/// An answer read whole, for [`CopyMachine::answer`]: its status and
/// headers, and its body as [`document`] read it.
pub fn answer<'r, B, const N: usize, const D: usize>(
    response: &'r http::Response<B>,
    document: Option<&'r Result<Response<N, D>, ResponseError>>,
) -> Answer<'r> {
    Answer::response(
        response.status().as_u16(),
        headers(response.headers()),
        document.map_or(Document::None, Document::read),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::copy::{CopyConfig, PartSlot, Poll, Request};
    use crate::{CopyPlan, CopySource, Credentials, Host, KeyTime, SigningKey};

    const ID: &str = "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q";
    const KEY: &str = "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz";

    #[test]
    fn a_part_request_carries_every_signed_header_and_the_wire_target() {
        let creds = Credentials::with_token(ID, KEY, "tok/en+=").unwrap();
        let source =
            CopySource::new("sourcebucket-1250000000", "ap-guangzhou", "a/b c+d.bin").unwrap();
        let plan = CopyPlan::new(3 << 20, 1 << 20).unwrap();
        let mut config = CopyConfig::new(
            source,
            Host::Custom("127.0.0.1:9000"),
            "dest/./x y.bin",
            plan,
        );
        config.source_etag = crate::ETag::new("\"5eb63bbbe01eeed093cb22bb8f5acdc3\"").ok();
        let mut slots = [PartSlot::EMPTY; 3];
        let mut m = CopyMachine::new(config, &mut slots).unwrap();
        let now = 1_700_000_000_000;
        assert_eq!(m.poll(now), Poll::NeedKey);
        let window = KeyTime::from_now(now / 1000, 3600, 60).unwrap();
        m.set_key_with_token(SigningKey::new(&creds, window), "tok/en+=")
            .unwrap();
        let Poll::Send(job) = m.poll(now) else {
            panic!()
        };
        assert_eq!(job.request(), Request::Initiate);
        let r = copy_request(&m, job, http::uri::Scheme::HTTP).unwrap();
        assert_eq!(
            r.uri().to_string(),
            "http://127.0.0.1:9000/dest/.%2Fx%20y.bin?uploads"
        );
        assert!(r.body().is_empty());
        // Every header, once, in the signed order, with the signed bytes.
        let mut scratch = [0u8; 1024];
        let signed = m.sign(job, &mut scratch).unwrap();
        let got: Vec<(&str, &[u8])> = r
            .headers()
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_bytes()))
            .collect();
        let want: Vec<(String, &[u8])> = signed
            .headers()
            .iter()
            .map(|(n, v)| (n.to_ascii_lowercase(), v.as_bytes()))
            .collect();
        assert_eq!(got.len(), want.len());
        for ((gn, gv), (wn, wv)) in got.iter().zip(&want) {
            assert_eq!((*gn, *gv), (wn.as_str(), *wv));
        }
        assert_eq!(r.headers()["x-cos-security-token"], "tok/en+=");
    }

    #[test]
    fn answers_read_the_status_headers_and_document() {
        let response = http::Response::builder()
            .status(503)
            .header("ETag", "\"e\"")
            .header("x-cos-request-id", "NTlk")
            .header("Content-Length", "70")
            .body(())
            .unwrap();
        let doc =
            document::<64, 0>(b"<Error><Code>SlowDown</Code><RequestId>r</RequestId></Error>");
        assert_eq!(
            answer(&response, doc.as_ref()),
            Answer::response(
                503,
                Headers {
                    request_id: Some("NTlk"),
                    etag: Some("\"e\""),
                    content_length: Some(70),
                },
                Document::Error {
                    code: "SlowDown",
                    request_id: Some("r")
                }
            )
        );
        assert!(document::<64, 0>(b"").is_none());
        let none: Option<&Result<Response<64, 0>, ResponseError>> = None;
        let Answer::Response { document, .. } = answer(&response, none) else {
            panic!()
        };
        assert_eq!(document, Document::None);
        // A value that is not text is left out.
        let mut map = http::HeaderMap::new();
        map.insert("etag", http::HeaderValue::from_bytes(b"\xff").unwrap());
        assert_eq!(headers(&map).etag, None);
    }
}
