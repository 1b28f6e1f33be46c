//! A multipart-copy client over plain HTTP/1.1, shared by the
//! `multipart_copy` example and its tests.
//!
//! Every COS request of the copy is built and signed by
//! `tencent-cos-core` (`InitiateMultipartUpload`, `UploadPartCopy`,
//! `CompleteMultipartUpload` with `CompleteBody`, `AbortMultipartUpload`;
//! HEAD, PUT and GET of whole objects are signed with `SigningKey::sign`
//! over a `CanonicalRequest`), and every XML answer is read by its
//! `ResponseReader`, fed the pieces the socket delivers. One `SigningKey`
//! serves every request of its validity window.
//!
//! The copy: InitiateMultipartUpload → HEAD the source (size and ETag) →
//! `CopyPlan` → UploadPartCopy for each part, each conditioned on the
//! source's ETag (`x-cos-copy-source-If-Match`, so a source replaced in
//! the middle fails the copy with 412 instead of mixing two versions) →
//! CompleteMultipartUpload. What is retryable (a retryable COS error, a
//! connection error, a body cut short) is tried again a bounded number of
//! times with a growing pause; anything else ends the copy with a typed
//! error, after an AbortMultipartUpload so that no upload is left behind.

// Shared by an example and a test crate: each uses a different part.
#![allow(dead_code)]
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]

pub mod http;

use http::{BodyError, HttpClient, HttpStats, ResponseHead, TransportError};
use std::fmt;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tencent_cos_core::cos_error::is_retryable_status;
use tencent_cos_core::{
    AbortMultipartUpload, ByteRange, CanonicalRequest, CompleteBody, CompleteMultipartUpload,
    CopyCondition, CopyPlan, CopySource, CopySourceError, CosError, CosErrorCode, Credentials,
    CredentialsError, ETag, Host, InitiateMultipartUpload, KeyTime, Mismatch, PlanError,
    RequestError, Response, ResponseError, ResponseHeaders, ResponseReader, Selection, SignError,
    SignedRequest, SigningKey, UploadPartCopy, complete_result, explain, initiate_result,
    part_result,
};

/// Capacity of the values of a parsed answer.
pub const VALUE_CAP: usize = 1024;
/// Capacity of `StringToSign` and `FormatString` (the request's canonical
/// form, a security token included).
pub const SIGNED_TEXT_CAP: usize = 8192;

/// An answer document as this client reads it.
pub type Doc = Response<VALUE_CAP, SIGNED_TEXT_CAP>;

/// Seconds since the epoch.
pub type Clock = Arc<dyn Fn() -> u64 + Send + Sync>;

/// The system clock.
pub fn system_clock() -> Clock {
    Arc::new(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    })
}

/// A test hook: rewrites a request head after it was signed (to send
/// something other than what was signed).
pub type Tamper = Arc<dyn Fn(Action, &mut String) + Send + Sync>;

/// Which request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// InitiateMultipartUpload.
    Initiate,
    /// HEAD of the source object.
    HeadSource,
    /// UploadPartCopy of a part.
    PartCopy(u16),
    /// CompleteMultipartUpload.
    Complete,
    /// AbortMultipartUpload.
    Abort,
    /// HEAD of an object.
    Head,
    /// PUT of an object.
    Put,
    /// GET of an object.
    Get,
    /// A hand-made request.
    Raw,
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Initiate => f.write_str("InitiateMultipartUpload"),
            Self::HeadSource => f.write_str("HEAD source"),
            Self::PartCopy(n) => write!(f, "UploadPartCopy part {n}"),
            Self::Complete => f.write_str("CompleteMultipartUpload"),
            Self::Abort => f.write_str("AbortMultipartUpload"),
            Self::Head => f.write_str("HEAD object"),
            Self::Put => f.write_str("PUT object"),
            Self::Get => f.write_str("GET object"),
            Self::Raw => f.write_str("request"),
        }
    }
}

/// A COS error answer, owned.
#[derive(Debug, Clone)]
pub struct ServiceError {
    /// The request that failed.
    pub action: Action,
    /// The HTTP status.
    pub status: u16,
    /// `Code` (empty when the answer had no `Error` document, e.g. HEAD).
    pub code: String,
    /// `Message`.
    pub message: Option<String>,
    /// `Resource`.
    pub resource: Option<String>,
    /// The request id (header, else body).
    pub request_id: Option<String>,
    /// `TraceId`.
    pub trace_id: Option<String>,
    /// Whether trying again may help (`CosError::is_retryable`).
    pub retryable: bool,
    /// On `SignatureDoesNotMatch`: the crate's comparison of what was
    /// signed here with what the server signed.
    pub mismatch: Option<Mismatch>,
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.code.is_empty() {
            write!(
                f,
                "{}: HTTP {} without an Error document",
                self.action, self.status
            )?;
        } else {
            write!(
                f,
                "{}: COS error {} (HTTP {})",
                self.action, self.code, self.status
            )?;
        }
        if let Some(m) = &self.message {
            write!(f, ": {m}")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request {id}]")?;
        }
        if let Some(m) = &self.mismatch {
            write!(f, "\n{m}")?;
        }
        Ok(())
    }
}

/// Why a step of the copy failed.
#[derive(Debug)]
pub enum CopyError {
    /// The inputs are unusable (endpoint, key, sizes).
    Config(String),
    /// The credentials are unusable.
    Credentials(CredentialsError),
    /// The copy source is invalid.
    Source(CopySourceError),
    /// The object cannot be planned.
    Plan(PlanError),
    /// A request could not be built.
    Request {
        /// Which.
        action: Action,
        /// Why.
        error: RequestError,
    },
    /// A request could not be signed.
    Sign {
        /// Which.
        action: Action,
        /// Why.
        error: SignError,
    },
    /// The connection failed or the answer was not HTTP.
    Transport {
        /// Which.
        action: Action,
        /// Why.
        error: TransportError,
    },
    /// COS answered with an error.
    Service(Box<ServiceError>),
    /// A success answer whose body is not the document expected.
    Response {
        /// Which.
        action: Action,
        /// The HTTP status.
        status: u16,
        /// Why.
        error: ResponseError,
    },
    /// A success answer the copy cannot use.
    Protocol {
        /// Which.
        action: Action,
        /// What is wrong with it.
        what: String,
    },
}

impl CopyError {
    /// Whether the same request may succeed if sent again.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Transport { .. } => true,
            Self::Service(s) => s.retryable,
            _ => false,
        }
    }

    /// The COS error, if that is what this is.
    pub fn service(&self) -> Option<&ServiceError> {
        match self {
            Self::Service(s) => Some(s),
            _ => None,
        }
    }

    /// The COS error code, if any.
    pub fn code(&self) -> Option<&str> {
        self.service()
            .map(|s| s.code.as_str())
            .filter(|c| !c.is_empty())
    }
}

impl fmt::Display for CopyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Config(m) => f.write_str(m),
            Self::Credentials(e) => write!(f, "credentials: {e}"),
            Self::Source(e) => write!(f, "copy source: {e}"),
            Self::Plan(e) => write!(f, "plan: {e}"),
            Self::Request { action, error } => write!(f, "{action}: cannot build: {error}"),
            Self::Sign { action, error } => write!(f, "{action}: cannot sign: {error}"),
            Self::Transport { action, error } => write!(f, "{action}: {error}"),
            Self::Service(s) => fmt::Display::fmt(s, f),
            Self::Response {
                action,
                status,
                error,
            } => {
                write!(f, "{action}: unreadable HTTP {status} answer: {error}")
            }
            Self::Protocol { action, what } => write!(f, "{action}: {what}"),
        }
    }
}

impl std::error::Error for CopyError {}

/// What became of the upload after a failure.
#[derive(Debug)]
pub enum AbortOutcome {
    /// No upload had been started.
    NotNeeded,
    /// AbortMultipartUpload succeeded: nothing is left behind.
    Aborted,
    /// AbortMultipartUpload failed too: the upload is left (COS keeps its
    /// parts until aborted or expired by a lifecycle rule).
    Failed(CopyError),
}

/// Counters of a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// The network side.
    pub http: HttpStats,
    /// Requests sent again after a retryable failure.
    pub retries: u32,
    /// Signing keys derived (one per validity window).
    pub keys_derived: u32,
}

/// A copy that failed.
#[derive(Debug)]
pub struct CopyFailure {
    /// What ended it.
    pub error: CopyError,
    /// How many times the failing request was sent.
    pub attempts: u32,
    /// The upload, if one was started.
    pub upload_id: Option<String>,
    /// What became of it.
    pub abort: AbortOutcome,
    /// Counters.
    pub stats: Stats,
}

impl fmt::Display for CopyFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.error)?;
        if self.attempts > 1 {
            write!(f, " (after {} attempts)", self.attempts)?;
        }
        match &self.abort {
            AbortOutcome::NotNeeded => Ok(()),
            AbortOutcome::Aborted => f.write_str("; the upload was aborted"),
            AbortOutcome::Failed(e) => write!(
                f,
                "; the upload {} could not be aborted: {e}",
                self.upload_id.as_deref().unwrap_or("?")
            ),
        }
    }
}

impl std::error::Error for CopyFailure {}

/// A copy that succeeded.
#[derive(Debug, Clone)]
pub struct CopyReport {
    /// Parts copied.
    pub parts: u16,
    /// Size of every part but the last.
    pub part_size: u64,
    /// Bytes copied.
    pub bytes: u64,
    /// From InitiateMultipartUpload to the end of Complete.
    pub elapsed: Duration,
    /// The new object's ETag, quotes kept.
    pub etag: String,
    /// The upload's id.
    pub upload_id: String,
    /// The source's ETag the parts were conditioned on.
    pub source_etag: String,
    /// Whether Complete's answer was lost and the object's presence
    /// confirmed by a HEAD instead.
    pub confirmed_by_head: bool,
    /// Counters.
    pub stats: Stats,
}

/// Progress, for a progress bar or a test's hook.
#[derive(Debug)]
pub enum Event<'a> {
    /// The upload was started.
    Initiated {
        /// Its id.
        upload_id: &'a str,
    },
    /// The source was measured and the parts planned.
    Planned {
        /// The plan.
        plan: &'a CopyPlan,
        /// The source's ETag.
        source_etag: &'a str,
    },
    /// A part was copied.
    PartDone {
        /// Its number.
        number: u16,
        /// Its length.
        bytes: u64,
    },
    /// A request failed and will be sent again after `delay`.
    Retrying {
        /// Which.
        action: Action,
        /// The attempt that failed (1-based).
        attempt: u32,
        /// The pause before the next.
        delay: Duration,
        /// Why.
        error: &'a CopyError,
    },
    /// Complete is being sent.
    Completing,
    /// The copy failed; the upload is being aborted.
    Aborting {
        /// The upload.
        upload_id: &'a str,
    },
}

/// How often and how patiently to retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The most times one request is sent (1: no retry).
    pub max_attempts: u32,
    /// The pause after the first failure; doubled after each further one.
    pub base_delay: Duration,
    /// The longest pause.
    pub max_delay: Duration,
}

impl RetryPolicy {
    /// The pause after failed attempt `attempt` (1-based).
    pub fn delay(&self, attempt: u32) -> Duration {
        let factor = 1u32 << attempt.saturating_sub(1).min(16);
        self.base_delay.saturating_mul(factor).min(self.max_delay)
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
        }
    }
}

/// Settings of a client.
#[derive(Clone)]
pub struct Options {
    /// The preferred part size (`CopyPlan` adjusts it to COS's limits).
    pub part_size: u64,
    /// Retries.
    pub retry: RetryPolicy,
    /// Connect, read and write timeout.
    pub timeout: Duration,
    /// How long a signing key is valid (it is back-dated a minute more for
    /// clock skew).
    pub key_lifetime: u64,
    /// The clock requests are signed with.
    pub clock: Clock,
    /// Condition every part on the source's ETag.
    pub if_match_source: bool,
    /// Test hook: rewrite a request head after signing.
    pub tamper: Option<Tamper>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            part_size: 8 << 20,
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(30),
            key_lifetime: 3600,
            clock: system_clock(),
            if_match_source: true,
            tamper: None,
        }
    }
}

/// Where requests go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The destination bucket's host, sent in `Host`
    /// (`examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com`).
    pub host: String,
    /// The port to connect to when a host is reached by name.
    pub port: u16,
    /// Connect here for every host instead (an emulator on loopback).
    pub connect_to: Option<String>,
}

impl Endpoint {
    /// Reads `http://host[:port][/]`. `https://` is refused: this client
    /// has no TLS.
    pub fn from_url(url: &str) -> Result<Self, String> {
        if url
            .get(..8)
            .is_some_and(|s| s.eq_ignore_ascii_case("https://"))
        {
            return Err(
                "https is not supported: this example has no TLS (std only); \
                        use an http:// endpoint"
                    .into(),
            );
        }
        let rest = url
            .get(..7)
            .filter(|s| s.eq_ignore_ascii_case("http://"))
            .and_then(|_| url.get(7..))
            .ok_or_else(|| format!("the endpoint must start with http:// (got {url:?})"))?;
        let authority = rest.strip_suffix('/').unwrap_or(rest);
        if authority.is_empty() || authority.contains(['/', '?', '#', '@']) {
            return Err(format!(
                "the endpoint must be http://<host>[:port], without a path (got {url:?})"
            ));
        }
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) => (
                h,
                p.parse()
                    .map_err(|_| format!("invalid port in the endpoint {url:?}"))?,
            ),
            None => (authority, 80),
        };
        Ok(Self {
            host: host.to_ascii_lowercase(),
            port,
            connect_to: None,
        })
    }

    /// The address to connect to for a `Host` value.
    fn addr(&self, host: &str) -> String {
        match &self.connect_to {
            Some(a) => a.clone(),
            None => {
                let bare = host.rsplit_once(':').map_or(host, |(h, _)| h);
                format!("{bare}:{}", self.port)
            }
        }
    }

    /// The `Host` value for `host` (with the port if not 80).
    fn host_header(&self, host: &str) -> String {
        if self.port == 80 || self.connect_to.is_some() {
            host.to_owned()
        } else {
            format!("{host}:{}", self.port)
        }
    }

    /// The bucket and region of `<bucket-appid>.cos.<region>.myqcloud.com`.
    pub fn bucket_and_region(&self) -> Option<(&str, &str)> {
        let (bucket, rest) = self.host.split_once(".cos.")?;
        let region = rest
            .strip_suffix(".myqcloud.com")
            .or_else(|| rest.strip_suffix(".tencentcos.cn"))?;
        Some((bucket, region))
    }
}

/// SecretId, SecretKey and the token of temporary credentials. `Debug`
/// hides the key and the token.
#[derive(Clone)]
pub struct Secrets {
    /// SecretId.
    pub secret_id: String,
    /// SecretKey.
    pub secret_key: String,
    /// The security token of temporary credentials.
    pub token: Option<String>,
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Secrets")
            .field("secret_id", &self.secret_id)
            .field("secret_key", &"<redacted>")
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl Secrets {
    /// The crate's credentials, borrowing these.
    pub fn credentials(&self) -> Result<Credentials<'_>, CopyError> {
        match &self.token {
            Some(t) => Credentials::with_token(&self.secret_id, &self.secret_key, t),
            None => Credentials::new(&self.secret_id, &self.secret_key),
        }
        .map_err(CopyError::Credentials)
    }
}

/// An object to copy from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceObject {
    /// `sourcebucket-1250000000`.
    pub bucket: String,
    /// `ap-guangzhou`.
    pub region: String,
    /// The key.
    pub key: String,
}

impl SourceObject {
    fn host(&self) -> String {
        format!("{}.cos.{}.myqcloud.com", self.bucket, self.region)
    }
}

/// What a HEAD says of an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectInfo {
    /// Size in bytes.
    pub size: u64,
    /// ETag, quotes kept.
    pub etag: String,
}

/// An answer: status, headers and, for XML, the parsed document.
struct Answer {
    head: ResponseHead,
    doc: Option<Doc>,
    data: Vec<u8>,
}

/// A request ready to send: its wire head and what was signed.
struct Outgoing<'r> {
    action: Action,
    addr: String,
    head: String,
    method: &'r str,
    path: String,
    params: Vec<(&'r str, &'r str)>,
    headers: Vec<(&'r str, &'r str)>,
    key_time: KeyTime,
}

impl<'r> Outgoing<'r> {
    /// From a request built by the crate.
    fn built(action: Action, addr: String, signed: &SignedRequest<'r>, key_time: KeyTime) -> Self {
        let mut head = String::with_capacity(signed.head_len());
        // Writing into a String cannot fail.
        let _ = signed.write_head(&mut head);
        Self {
            action,
            addr,
            head,
            method: signed.method().as_str(),
            path: format!("/{}", signed.key()),
            params: signed.params().to_vec(),
            // The builders sign every header they send but Authorization.
            headers: signed
                .headers()
                .iter()
                .filter(|(n, _)| !n.eq_ignore_ascii_case("authorization"))
                .copied()
                .collect(),
            key_time,
        }
    }

    /// The request as it was signed.
    fn canonical(&self) -> CanonicalRequest<'_> {
        CanonicalRequest::new(self.method, &self.path, &self.params, &self.headers)
    }
}

/// Percent-encodes everything but `A-Z a-z 0-9 - _ . ~`.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `/` + the key as a request line carries it: bytes other than
/// `A-Z a-z 0-9 - _ . ~ /` percent-encoded, and the `/` that ends a `.` or
/// `..` segment sent as `%2F` (as the crate's builders do).
pub fn wire_path(key: &str) -> String {
    let dot = |s: &str| s == "." || s == "..";
    let segments: Vec<&str> = key.split('/').collect();
    let mut out = String::from("/");
    for (i, segment) in segments.iter().enumerate() {
        if i > 0 {
            let escape = dot(segments[i - 1]) || (i + 1 == segments.len() && dot(segment));
            out.push_str(if escape { "%2F" } else { "/" });
        }
        out.push_str(&encode(segment));
    }
    out
}

/// The client: an endpoint, credentials, a signing key per window and a
/// pool of keep-alive connections.
pub struct Client<'c> {
    endpoint: Endpoint,
    credentials: Credentials<'c>,
    key: Option<SigningKey<'c>>,
    http: HttpClient,
    options: Options,
    stats: Stats,
}

impl<'c> Client<'c> {
    /// A client for `endpoint`.
    pub fn new(
        endpoint: Endpoint,
        secrets: &'c Secrets,
        options: Options,
    ) -> Result<Self, CopyError> {
        Ok(Self {
            endpoint,
            credentials: secrets.credentials()?,
            key: None,
            http: HttpClient::new(options.timeout),
            options,
            stats: Stats::default(),
        })
    }

    /// Counters so far.
    pub fn stats(&self) -> Stats {
        Stats {
            http: self.http.stats,
            ..self.stats
        }
    }

    /// The options.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// The signing key for now: the current one while its window has more
    /// than a minute (or a quarter of its length) left, else a new one.
    fn signing_key(&mut self) -> Result<SigningKey<'c>, CopyError> {
        let now = (self.options.clock)();
        let margin = (self.options.key_lifetime / 4).min(60);
        if let Some(k) = &self.key {
            let kt = k.key_time();
            if kt.contains(now) && now.saturating_add(margin) < kt.end() {
                return Ok(k.clone());
            }
        }
        let window = KeyTime::from_now(now, self.options.key_lifetime, 60)
            .map_err(|e| CopyError::Config(format!("signing window: {e}")))?;
        let key = SigningKey::new(&self.credentials, window);
        self.stats.keys_derived += 1;
        self.key = Some(key.clone());
        Ok(key)
    }

    fn dest_host(&self) -> String {
        self.endpoint.host_header(&self.endpoint.host)
    }

    /// Sends `out` with `body` and reads the answer: object bytes into
    /// `data` for a successful GET, anything else through the crate's
    /// `ResponseReader`, piece by piece as it arrives.
    fn exchange(
        &mut self,
        out: &Outgoing<'_>,
        body: &[u8],
        want_data: bool,
    ) -> Result<Answer, CopyError> {
        let action = out.action;
        let mut head = out.head.clone();
        if let Some(tamper) = &self.options.tamper {
            tamper(action, &mut head);
        }
        let transport = |error| CopyError::Transport { action, error };
        let pending = self
            .http
            .send(&out.addr, head.as_bytes(), body, out.method == "HEAD")
            .map_err(transport)?;
        let status = pending.head.status;
        let collect = want_data && (200..300).contains(&status);
        let mut reader = Box::new(ResponseReader::<VALUE_CAP, SIGNED_TEXT_CAP>::new());
        let mut fed = 0usize;
        let mut data = Vec::new();
        let result = pending.read_body(|piece| {
            if collect {
                data.extend_from_slice(piece);
                Ok(())
            } else {
                fed += piece.len();
                reader.feed(piece)
            }
        });
        let head = match result {
            Ok(h) => h,
            Err(BodyError::Transport(e)) => return Err(transport(e)),
            // Not XML: an error status stands on its own (a proxy's page).
            Err(BodyError::Sink(_)) if !(200..300).contains(&status) => {
                return Err(unexpected_status(action, status, None));
            }
            Err(BodyError::Sink(error)) => {
                return Err(CopyError::Response {
                    action,
                    status,
                    error,
                });
            }
        };
        let doc = if collect || fed == 0 {
            None
        } else {
            match reader.finish() {
                Ok(doc) => Some(doc),
                Err(_) if !(200..300).contains(&status) => {
                    return Err(unexpected_status(action, status, Some(&head)));
                }
                Err(error) => {
                    return Err(CopyError::Response {
                        action,
                        status,
                        error,
                    });
                }
            }
        };
        Ok(Answer { head, doc, data })
    }

    /// The typed error of an answer that is not a success.
    fn service_error(out: &Outgoing<'_>, answer: &Answer, error: CosError<'_>) -> CopyError {
        let action = out.action;
        let headers = ResponseHeaders::from_pairs(answer.head.pairs());
        let body = match &answer.doc {
            Some(Response::Error(e)) => Some(e),
            _ => None,
        };
        let (code, message, trace_id) = match error {
            CosError::Service {
                code,
                message,
                trace_id,
                ..
            } => (
                code.as_str().to_owned(),
                message.map(str::to_owned),
                trace_id.map(str::to_owned),
            ),
            CosError::UnexpectedDocument { kind, .. } => {
                return CopyError::Protocol {
                    action,
                    what: format!("HTTP {} answered with a {kind} document", error.status()),
                };
            }
            CosError::UnexpectedStatus { .. } => (String::new(), None, None),
        };
        let mismatch = match (error.code(), body) {
            (Some(CosErrorCode::SignatureDoesNotMatch), Some(body)) => {
                explain(body, &out.canonical(), Selection::Exact, out.key_time).ok()
            }
            _ => None,
        };
        CopyError::Service(Box::new(ServiceError {
            action,
            status: error.status(),
            code,
            message,
            resource: body.and_then(|b| b.resource.as_deref().map(str::to_owned)),
            request_id: headers
                .request_id()
                .map(str::to_owned)
                .or_else(|| body.and_then(|b| b.request_id.as_deref().map(str::to_owned))),
            trace_id,
            retryable: error.is_retryable(),
            mismatch,
        }))
    }

    /// The error of an answer without a document.
    fn no_document(out: &Outgoing<'_>, answer: &Answer) -> CopyError {
        let status = answer.head.status;
        if (200..300).contains(&status) {
            CopyError::Protocol {
                action: out.action,
                what: format!("HTTP {status} without a body"),
            }
        } else {
            unexpected_status(out.action, status, Some(&answer.head))
        }
    }

    /// Signs a request the crate has no builder for (HEAD, PUT and GET of
    /// an object, hand-made requests in tests) with `SigningKey::sign`:
    /// `Host`, the given headers and the token, all signed, and every
    /// parameter signed.
    #[allow(clippy::too_many_arguments)]
    fn plain<'r>(
        &self,
        action: Action,
        key: &SigningKey<'r>,
        method: &'r str,
        host: &'r str,
        object_key: &str,
        params: &[(&'r str, &'r str)],
        extra: &[(&'r str, &'r str)],
    ) -> Result<Outgoing<'r>, CopyError> {
        let object_key = object_key.strip_prefix('/').unwrap_or(object_key);
        if object_key.is_empty() {
            return Err(CopyError::Config("the object key is empty".into()));
        }
        let mut headers = vec![("Host", host)];
        headers.extend_from_slice(extra);
        if let Some(token) = key.security_token() {
            headers.push(("x-cos-security-token", token));
        }
        let path = format!("/{object_key}");
        let request = CanonicalRequest::new(method, &path, params, &headers);
        let signed = key
            .sign(&request, Selection::Exact)
            .map_err(|error| CopyError::Sign { action, error })?;
        let mut head = format!("{method} {}", wire_path(object_key));
        for (i, (n, v)) in params.iter().enumerate() {
            head.push(if i == 0 { '?' } else { '&' });
            head.push_str(&encode(n));
            if !v.is_empty() {
                head.push('=');
                head.push_str(&encode(v));
            }
        }
        head.push_str(" HTTP/1.1\r\n");
        for (n, v) in &headers {
            head.push_str(&format!("{n}: {v}\r\n"));
        }
        head.push_str(&format!("Authorization: {signed}\r\n\r\n"));
        Ok(Outgoing {
            action,
            addr: self.endpoint.addr(host),
            head,
            method,
            path,
            params: params.to_vec(),
            headers,
            key_time: key.key_time(),
        })
    }

    /// Sends a hand-made request, signed (one attempt): the status and the
    /// parsed body, whatever they are. For tests of the server's checks.
    pub fn send_signed(
        &mut self,
        method: &str,
        key: &str,
        params: &[(&str, &str)],
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<(u16, Option<Doc>), CopyError> {
        let signing = self.signing_key()?;
        let host = self.dest_host();
        let out = self.plain(Action::Raw, &signing, method, &host, key, params, headers)?;
        let answer = self.exchange(&out, body, false)?;
        Ok((answer.head.status, answer.doc))
    }

    /// HEAD of `key` on `host` (one attempt).
    pub fn head_object(
        &mut self,
        action: Action,
        host: &str,
        key: &str,
    ) -> Result<ObjectInfo, CopyError> {
        let signing = self.signing_key()?;
        let out = self.plain(action, &signing, "HEAD", host, key, &[], &[])?;
        let answer = self.exchange(&out, &[], false)?;
        if answer.head.status != 200 {
            return Err(match &answer.doc {
                Some(doc) => match part_result(answer.head.status, doc) {
                    Err(e) => Self::service_error(&out, &answer, e),
                    Ok(_) => Self::no_document(&out, &answer),
                },
                None => Self::no_document(&out, &answer),
            });
        }
        let size = answer
            .head
            .header("content-length")
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| CopyError::Protocol {
                action,
                what: "HEAD answer without a valid Content-Length".into(),
            })?;
        let etag = answer.head.header("etag").unwrap_or_default().to_owned();
        Ok(ObjectInfo { size, etag })
    }

    /// PUT of a whole object into the destination bucket (one attempt):
    /// its ETag.
    pub fn put_object_to(
        &mut self,
        host: &str,
        key: &str,
        data: &[u8],
    ) -> Result<String, CopyError> {
        let signing = self.signing_key()?;
        let len = data.len().to_string();
        let out = self.plain(
            Action::Put,
            &signing,
            "PUT",
            host,
            key,
            &[],
            &[("Content-Length", &len)],
        )?;
        let answer = self.exchange(&out, data, false)?;
        self.expect_ok(&out, &answer)?;
        Ok(answer.head.header("etag").unwrap_or_default().to_owned())
    }

    /// GET of a whole object (one attempt).
    pub fn get_object_from(&mut self, host: &str, key: &str) -> Result<Vec<u8>, CopyError> {
        let signing = self.signing_key()?;
        let out = self.plain(Action::Get, &signing, "GET", host, key, &[], &[])?;
        let answer = self.exchange(&out, &[], true)?;
        self.expect_ok(&out, &answer)?;
        Ok(answer.data)
    }

    fn expect_ok(&self, out: &Outgoing<'_>, answer: &Answer) -> Result<(), CopyError> {
        if (200..300).contains(&answer.head.status)
            && !matches!(answer.doc, Some(Response::Error(_)))
        {
            return Ok(());
        }
        Err(match &answer.doc {
            Some(doc) => match part_result(answer.head.status, doc) {
                Err(e) => Self::service_error(out, answer, e),
                Ok(_) => Self::no_document(out, answer),
            },
            None => Self::no_document(out, answer),
        })
    }

    /// The host of a bucket in a region.
    pub fn bucket_host(&self, bucket: &str, region: &str) -> String {
        self.endpoint
            .host_header(&format!("{bucket}.cos.{region}.myqcloud.com"))
    }

    /// InitiateMultipartUpload for `key` (one attempt): the upload id.
    pub fn initiate(&mut self, key: &str) -> Result<String, CopyError> {
        let action = Action::Initiate;
        let signing = self.signing_key()?;
        let host = self.dest_host();
        let mut scratch = vec![0u8; 16 * 1024];
        let signed = InitiateMultipartUpload::new(Host::Custom(&host), key)
            .sign(&signing, &mut scratch)
            .map_err(|error| CopyError::Request { action, error })?;
        let out = Outgoing::built(
            action,
            self.endpoint.addr(&host),
            &signed,
            signing.key_time(),
        );
        let answer = self.exchange(&out, &[], false)?;
        let doc = answer
            .doc
            .as_ref()
            .ok_or_else(|| Self::no_document(&out, &answer))?;
        match initiate_result(answer.head.status, doc) {
            Ok(r) => Ok(r.upload_id.to_string()),
            Err(e) => Err(Self::service_error(&out, &answer, e)),
        }
    }

    /// UploadPartCopy of part `number` (one attempt): the part's ETag.
    pub fn copy_part(
        &mut self,
        key: &str,
        upload_id: &str,
        source: &CopySource<'_>,
        number: u16,
        range: Option<ByteRange>,
        condition: CopyCondition<'_>,
    ) -> Result<String, CopyError> {
        let action = Action::PartCopy(number);
        let signing = self.signing_key()?;
        let host = self.dest_host();
        let mut scratch = vec![0u8; 16 * 1024];
        let mut request = UploadPartCopy::new(Host::Custom(&host), key, number, upload_id, *source)
            .with_condition(condition);
        if let Some(r) = range {
            request = request.with_range(r);
        }
        let signed = request
            .sign(&signing, &mut scratch)
            .map_err(|error| CopyError::Request { action, error })?;
        let out = Outgoing::built(
            action,
            self.endpoint.addr(&host),
            &signed,
            signing.key_time(),
        );
        let answer = self.exchange(&out, &[], false)?;
        let doc = answer
            .doc
            .as_ref()
            .ok_or_else(|| Self::no_document(&out, &answer))?;
        match part_result(answer.head.status, doc) {
            Ok(r) => Ok(r.etag.to_string()),
            Err(e) => Err(Self::service_error(&out, &answer, e)),
        }
    }

    /// CompleteMultipartUpload with `parts` (one attempt): the object's
    /// ETag.
    pub fn complete(
        &mut self,
        key: &str,
        upload_id: &str,
        parts: &[(u16, String)],
    ) -> Result<String, CopyError> {
        let action = Action::Complete;
        let body = CompleteBody::new(parts.iter().map(|(n, e)| (*n, e.as_str())))
            .map_err(|error| CopyError::Request { action, error })?;
        let mut text = String::with_capacity(body.len());
        let _ = body.write_to(&mut text);
        let signing = self.signing_key()?;
        let host = self.dest_host();
        let mut scratch = vec![0u8; 16 * 1024];
        let signed = CompleteMultipartUpload::new(Host::Custom(&host), key, upload_id, body.len())
            .sign(&signing, &mut scratch)
            .map_err(|error| CopyError::Request { action, error })?;
        let out = Outgoing::built(
            action,
            self.endpoint.addr(&host),
            &signed,
            signing.key_time(),
        );
        let answer = self.exchange(&out, text.as_bytes(), false)?;
        let doc = answer
            .doc
            .as_ref()
            .ok_or_else(|| Self::no_document(&out, &answer))?;
        match complete_result(answer.head.status, doc) {
            Ok(r) => Ok(r.etag.to_string()),
            Err(e) => Err(Self::service_error(&out, &answer, e)),
        }
    }

    /// AbortMultipartUpload (one attempt).
    pub fn abort(&mut self, key: &str, upload_id: &str) -> Result<(), CopyError> {
        let action = Action::Abort;
        let signing = self.signing_key()?;
        let host = self.dest_host();
        let mut scratch = vec![0u8; 16 * 1024];
        let signed = AbortMultipartUpload::new(Host::Custom(&host), key, upload_id)
            .sign(&signing, &mut scratch)
            .map_err(|error| CopyError::Request { action, error })?;
        let out = Outgoing::built(
            action,
            self.endpoint.addr(&host),
            &signed,
            signing.key_time(),
        );
        let answer = self.exchange(&out, &[], false)?;
        self.expect_ok(&out, &answer)
    }

    /// Runs `once` until it succeeds, fails for good, or has been tried
    /// `max_attempts` times; the error comes with the number of attempts.
    fn retrying<T>(
        &mut self,
        action: Action,
        events: &mut dyn FnMut(Event<'_>),
        mut once: impl FnMut(&mut Self, u32) -> Result<T, CopyError>,
    ) -> Result<T, (CopyError, u32)> {
        let mut attempt = 1;
        loop {
            match once(self, attempt) {
                Ok(v) => return Ok(v),
                Err(e) if e.is_retryable() && attempt < self.options.retry.max_attempts => {
                    let delay = self.options.retry.delay(attempt);
                    events(Event::Retrying {
                        action,
                        attempt,
                        delay,
                        error: &e,
                    });
                    self.stats.retries += 1;
                    thread::sleep(delay);
                    attempt += 1;
                }
                Err(e) => return Err((e, attempt)),
            }
        }
    }

    /// Copies `source` to `key` in the destination bucket, part by part.
    pub fn copy(
        &mut self,
        source: &SourceObject,
        key: &str,
        events: &mut dyn FnMut(Event<'_>),
    ) -> Result<CopyReport, Box<CopyFailure>> {
        let started = Instant::now();
        let failure = |this: &Self, error, attempts, upload_id: Option<&str>, abort| {
            Box::new(CopyFailure {
                error,
                attempts,
                upload_id: upload_id.map(str::to_owned),
                abort,
                stats: this.stats(),
            })
        };
        let copy_source = CopySource::new(&source.bucket, &source.region, &source.key)
            .map_err(|e| failure(self, CopyError::Source(e), 0, None, AbortOutcome::NotNeeded))?;
        let upload_id = self
            .retrying(Action::Initiate, events, |c, _| c.initiate(key))
            .map_err(|(e, n)| failure(self, e, n, None, AbortOutcome::NotNeeded))?;
        events(Event::Initiated {
            upload_id: &upload_id,
        });
        match self.copy_parts(&copy_source, source, key, &upload_id, events, started) {
            Ok(report) => Ok(report),
            Err((error, attempts)) => {
                events(Event::Aborting {
                    upload_id: &upload_id,
                });
                let abort =
                    match self.retrying(Action::Abort, events, |c, _| c.abort(key, &upload_id)) {
                        Ok(()) => AbortOutcome::Aborted,
                        Err((e, _)) => AbortOutcome::Failed(e),
                    };
                Err(failure(self, error, attempts, Some(&upload_id), abort))
            }
        }
    }

    /// HEAD, plan, every part, Complete.
    fn copy_parts(
        &mut self,
        copy_source: &CopySource<'_>,
        source: &SourceObject,
        key: &str,
        upload_id: &str,
        events: &mut dyn FnMut(Event<'_>),
        started: Instant,
    ) -> Result<CopyReport, (CopyError, u32)> {
        let source_host = self.bucket_host(&source.bucket, &source.region);
        let info = self.retrying(Action::HeadSource, events, |c, _| {
            c.head_object(Action::HeadSource, &source_host, &source.key)
        })?;
        let plan = CopyPlan::new(info.size, self.options.part_size)
            .map_err(|e| (CopyError::Plan(e), 0))?;
        events(Event::Planned {
            plan: &plan,
            source_etag: &info.etag,
        });
        let condition = match ETag::new(&info.etag) {
            Ok(tag) if self.options.if_match_source => CopyCondition::Match(tag),
            _ => CopyCondition::None,
        };
        let mut parts = Vec::with_capacity(usize::from(plan.part_count()));
        for (number, range) in plan.parts() {
            let etag = self.retrying(Action::PartCopy(number), events, |c, _| {
                c.copy_part(key, upload_id, copy_source, number, Some(range), condition)
            })?;
            parts.push((number, etag));
            events(Event::PartDone {
                number,
                bytes: range.len(),
            });
        }
        events(Event::Completing);
        // If an answer to Complete is lost, COS may have completed the
        // upload: a retry then finds no upload, and a HEAD tells whether
        // the object is there.
        let mut answer_lost = false;
        let mut confirmed_by_head = false;
        let etag = self.retrying(Action::Complete, events, |c, _| {
            match c.complete(key, upload_id, &parts) {
                Err(e @ CopyError::Transport { .. }) => {
                    answer_lost = true;
                    Err(e)
                }
                Err(e) if answer_lost && e.code() == Some("NoSuchUpload") => {
                    let host = c.dest_host();
                    match c.head_object(Action::Head, &host, key) {
                        Ok(info) if info.size == plan.object_size() => {
                            confirmed_by_head = true;
                            Ok(info.etag)
                        }
                        _ => Err(e),
                    }
                }
                other => other,
            }
        })?;
        Ok(CopyReport {
            parts: plan.part_count(),
            part_size: plan.part_size(),
            bytes: plan.object_size(),
            elapsed: started.elapsed(),
            etag,
            upload_id: upload_id.to_owned(),
            source_etag: info.etag,
            confirmed_by_head,
            stats: self.stats(),
        })
    }
}

/// An error status whose body is not an `Error` document.
fn unexpected_status(action: Action, status: u16, head: Option<&ResponseHead>) -> CopyError {
    let request_id = head.and_then(|h| {
        ResponseHeaders::from_pairs(h.pairs())
            .request_id()
            .map(str::to_owned)
    });
    CopyError::Service(Box::new(ServiceError {
        action,
        status,
        code: String::new(),
        message: None,
        resource: None,
        request_id,
        trace_id: None,
        retryable: is_retryable_status(status),
        mismatch: None,
    }))
}
