//! A small COS emulator on loopback, shared by the `multipart_copy`
//! example and its tests (std only).
//!
//! A threaded HTTP/1.1 server (one thread per connection, keep-alive)
//! that keeps buckets, objects and multipart uploads in memory and
//! implements what a multipart copy needs: InitiateMultipartUpload,
//! UploadPartCopy (really copying the byte range), CompleteMultipartUpload,
//! AbortMultipartUpload, and PUT, GET and HEAD of whole objects.
//!
//! It checks requests the way COS does, with this crate:
//! - the signature: [`Authorization::parse`] and
//!   [`Authorization::verify`] against the emulator's clock (injectable:
//!   [`Config::clock`]), the security token of temporary credentials;
//! - part numbers (1..=10000), the copy source ([`CopySource::parse`]) and
//!   its range ([`ByteRange::parse`], within the source object, at most
//!   5 GiB), the conditional headers ([`CopyCondition::from_headers`],
//!   [`CopyCondition::allows`] → 412 `PreconditionFailed`);
//! - at Complete: the parts in ascending order (`InvalidPartOrder`), each
//!   uploaded with that ETag (`InvalidPart`), each but the last at least
//!   1 MiB (`EntityTooSmall`); an unknown upload is 404 `NoSuchUpload`.
//!
//! It answers like COS: XML results with `Transfer-Encoding: chunked`,
//! spaces sent while Complete merges, error documents with `Code`,
//! `Message`, `Resource`, `RequestId` and `TraceId`, plus `StringToSign`
//! and `FormatString` (its own HttpString, over the names the request's
//! `q-header-list` and `q-url-param-list` name) on `SignatureDoesNotMatch`.
//!
//! Faults can be injected per request number, per part or per action
//! ([`Emulator::inject`]): an `<Error>` on any status (a 200 carrying one
//! included), a connection dropped mid-body, a connection closed without an
//! answer, an answer trickled byte by byte, a connection closed right after
//! a normal answer.
//!
//! ETags are MD5s as COS makes them: of the bytes for a simple object and a
//! part, `md5(md5(part 1) ‖ … ‖ md5(part n))-n` for a completed upload.
//! Not emulated: versioning, SSE, ACLs, listing, bucket operations.

// Shared by an example and a test crate: each uses a different part.
#![allow(dead_code)]
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]

use md5::{Digest, Md5};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, mpsc};
use std::thread::{self, JoinHandle};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tencent_cos_core::sign::{write_http_string, write_string_to_sign};
use tencent_cos_core::{
    Authorization, ByteRange, CanonicalRequest, CopyCondition, CopySource, Selection, VerifyError,
    VerifyPolicy,
};

/// The emulator's default SecretId (not a real credential).
pub const SECRET_ID: &str = "AKIDEMULATOR0000000000000000000000000";
/// The emulator's default SecretKey (not a real credential).
pub const SECRET_KEY: &str = "emulatorSecretKey000000000000000";
/// The destination bucket of the default configuration.
pub const DEST_BUCKET: &str = "examplebucket-1250000000";
/// The source bucket of the default configuration.
pub const SOURCE_BUCKET: &str = "sourcebucket-1250000000";
/// The region of both default buckets.
pub const REGION: &str = "ap-guangzhou";

/// The smallest part but the last that Complete accepts.
pub const MIN_PART: u64 = 1 << 20;
/// The largest part.
pub const MAX_PART: u64 = 5 << 30;
/// The largest request body accepted (PUT object, Complete).
pub const MAX_BODY: u64 = 1 << 30;
/// The largest request head accepted.
const MAX_REQUEST_HEAD: usize = 16 * 1024;

/// Seconds since the epoch, as the emulator sees them.
pub type Clock = Arc<dyn Fn() -> u64 + Send + Sync>;

/// The real clock.
pub fn system_clock() -> Clock {
    Arc::new(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    })
}

/// The real clock moved by `offset` seconds (to simulate skew or expiry).
pub fn offset_clock(offset: i64) -> Clock {
    let real = system_clock();
    Arc::new(move || real().saturating_add_signed(offset))
}

/// `len` bytes from a deterministic generator (splitmix64) seeded with
/// `seed`: the same seed always gives the same bytes.
pub fn generate(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        out.extend_from_slice(&(z ^ (z >> 31)).to_le_bytes());
    }
    out.truncate(len);
    out
}

/// The ETag the emulator gives an object of these bytes (their MD5,
/// quoted).
pub fn etag_of(data: &[u8]) -> String {
    quoted_md5(&md5(data))
}

/// A key pair the emulator accepts.
#[derive(Clone)]
pub struct Account {
    /// The SecretId.
    pub secret_id: String,
    /// The SecretKey.
    pub secret_key: String,
    /// The token that must come with requests of temporary credentials.
    pub token: Option<String>,
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("secret_id", &self.secret_id)
            .field("secret_key", &"<redacted>")
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// How bodies are framed on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// As COS: XML results chunked; errors and object data with
    /// `Content-Length`.
    Cos,
    /// Every body chunked.
    Chunked,
    /// Every body with `Content-Length` (Complete's spaces included, so
    /// they arrive only once the merge is done).
    Length,
}

/// The emulator's settings.
#[derive(Clone)]
pub struct Config {
    /// The accepted credentials.
    pub accounts: Vec<Account>,
    /// The buckets, as (`name-appid`, region).
    pub buckets: Vec<(String, String)>,
    /// The clock signatures are checked against.
    pub clock: Clock,
    /// Body framing.
    pub framing: Framing,
    /// How often Complete sends a space while it merges.
    pub keepalive_interval: Duration,
    /// The fewest spaces Complete sends before its XML.
    pub min_keepalive_spaces: u32,
    /// The largest chunk of a chunked body (XML is sent in several).
    pub max_chunk: usize,
    /// How long an idle connection is kept open.
    pub idle_timeout: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            accounts: vec![Account {
                secret_id: SECRET_ID.into(),
                secret_key: SECRET_KEY.into(),
                token: None,
            }],
            buckets: vec![
                (DEST_BUCKET.into(), REGION.into()),
                (SOURCE_BUCKET.into(), REGION.into()),
            ],
            clock: system_clock(),
            framing: Framing::Cos,
            keepalive_interval: Duration::from_millis(2),
            min_keepalive_spaces: 3,
            max_chunk: 96,
            idle_timeout: Duration::from_secs(30),
        }
    }
}

/// The actions the emulator knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    /// `POST /key?uploads`
    Initiate,
    /// `PUT /key?partNumber&uploadId` with `x-cos-copy-source`
    PartCopy,
    /// `POST /key?uploadId`
    Complete,
    /// `DELETE /key?uploadId`
    Abort,
    /// `PUT /key`
    PutObject,
    /// `GET /key`
    GetObject,
    /// `HEAD /key`
    HeadObject,
}

/// A fault to inject in place of, or into, a normal answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this status and an `Error` document instead of
    /// handling the request (status 200: a copy that failed while
    /// running).
    Error {
        /// The HTTP status.
        status: u16,
        /// `Code`.
        code: &'static str,
        /// `Message`.
        message: &'static str,
    },
    /// Handle the request, send the head and about half of the body, then
    /// close the connection.
    DropMidBody,
    /// Handle the request and send the body one byte at a time, this far
    /// apart (chunk framing included).
    Trickle(Duration),
    /// Close the connection without an answer (the request is not
    /// handled).
    Reset,
    /// Answer normally, then close the connection without saying so (as
    /// an idle timeout racing the client's next request would).
    CloseAfter,
}

impl Fault {
    /// A 200 carrying an `InternalError` document (retryable).
    pub const fn error_in_200() -> Self {
        Self::Error {
            status: 200,
            code: "InternalError",
            message: "We encountered an internal error. Please try again.",
        }
    }

    /// A 503 `SlowDown` (retryable).
    pub const fn slow_down() -> Self {
        Self::Error {
            status: 503,
            code: "SlowDown",
            message: "Please reduce your request rate.",
        }
    }
}

/// Which requests a fault hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum On {
    /// The request with this number (1-based, in arrival order).
    Request(u64),
    /// UploadPartCopy requests for this part number.
    Part(u16),
    /// Requests of this action.
    Action(Op),
}

struct Rule {
    on: On,
    fault: Fault,
    left: u32,
}

/// One request as the emulator saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logged {
    /// Its number, 1-based.
    pub number: u64,
    /// The method.
    pub method: String,
    /// The action, if the request was one the emulator knows.
    pub op: Option<Op>,
    /// The part number of an UploadPartCopy.
    pub part: Option<u16>,
    /// The status answered (0: none, the connection was closed).
    pub status: u16,
    /// The error code answered, if any.
    pub code: Option<String>,
    /// The fault injected, if any.
    pub fault: Option<Fault>,
}

#[derive(Clone)]
struct Object {
    data: Arc<Vec<u8>>,
    etag: String,
    last_modified: u64,
}

struct Part {
    data: Vec<u8>,
    /// MD5 of the data, raw.
    md5: [u8; 16],
    etag: String,
}

struct Upload {
    bucket: String,
    key: String,
    parts: BTreeMap<u16, Part>,
}

#[derive(Default)]
struct Store {
    /// Bucket → region.
    buckets: HashMap<String, String>,
    objects: HashMap<(String, String), Object>,
    uploads: HashMap<String, Upload>,
    next_upload: u64,
}

struct Shared {
    config: Config,
    store: Arc<Mutex<Store>>,
    rules: Mutex<Vec<Rule>>,
    log: Mutex<Vec<Logged>>,
    requests: AtomicU64,
    stop: AtomicBool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicked connection thread must not take the others down.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A running emulator; dropping it stops accepting connections.
pub struct Emulator {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

impl Emulator {
    /// Starts an emulator on 127.0.0.1 at a port the OS picks.
    pub fn start(config: Config) -> io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0))?;
        let addr = listener.local_addr()?;
        let store = Store {
            buckets: config.buckets.iter().cloned().collect(),
            ..Store::default()
        };
        let shared = Arc::new(Shared {
            config,
            store: Arc::new(Mutex::new(store)),
            rules: Mutex::new(Vec::new()),
            log: Mutex::new(Vec::new()),
            requests: AtomicU64::new(0),
            stop: AtomicBool::new(false),
        });
        let s = Arc::clone(&shared);
        let accept = thread::Builder::new()
            .name("cos-emulator".into())
            .spawn(move || {
                for stream in listener.incoming() {
                    if s.stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let s = Arc::clone(&s);
                    let _ = thread::Builder::new()
                        .name("cos-emulator-conn".into())
                        .spawn(move || serve(&s, stream));
                }
            })?;
        Ok(Self {
            addr,
            shared,
            accept: Some(accept),
        })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Injects `fault` into the next `times` requests that `on` matches.
    pub fn inject(&self, on: On, fault: Fault, times: u32) {
        lock(&self.shared.rules).push(Rule {
            on,
            fault,
            left: times,
        });
    }

    /// Stores an object directly (no request), returning its ETag.
    pub fn put_object(&self, bucket: &str, key: &str, data: Vec<u8>) -> String {
        let now = (self.shared.config.clock)();
        let object = Object {
            etag: quoted_md5(&md5(&data)),
            data: Arc::new(data),
            last_modified: now,
        };
        let etag = object.etag.clone();
        lock(&self.shared.store)
            .objects
            .insert((bucket.into(), key.into()), object);
        etag
    }

    /// An object's bytes, if it exists.
    pub fn object(&self, bucket: &str, key: &str) -> Option<Arc<Vec<u8>>> {
        lock(&self.shared.store)
            .objects
            .get(&(bucket.into(), key.into()))
            .map(|o| Arc::clone(&o.data))
    }

    /// An object's ETag, if it exists.
    pub fn etag(&self, bucket: &str, key: &str) -> Option<String> {
        lock(&self.shared.store)
            .objects
            .get(&(bucket.into(), key.into()))
            .map(|o| o.etag.clone())
    }

    /// The keys of a bucket's objects, sorted.
    pub fn keys(&self, bucket: &str) -> Vec<String> {
        let mut keys: Vec<String> = lock(&self.shared.store)
            .objects
            .keys()
            .filter(|(b, _)| b == bucket)
            .map(|(_, k)| k.clone())
            .collect();
        keys.sort();
        keys
    }

    /// How many multipart uploads are in progress.
    pub fn uploads_in_progress(&self) -> usize {
        lock(&self.shared.store).uploads.len()
    }

    /// Every request so far, in order.
    pub fn log(&self) -> Vec<Logged> {
        let mut log = lock(&self.shared.log).clone();
        log.sort_by_key(|l| l.number);
        log
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
    }
}

/// A parsed request.
struct Request {
    method: String,
    /// The decoded path.
    path: String,
    /// The decoded query parameters, in order.
    params: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    keep_alive: bool,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn op(&self) -> Option<Op> {
        let has = |p| self.param(p).is_some();
        match self.method.as_str() {
            "POST" if has("uploads") => Some(Op::Initiate),
            "POST" if has("uploadId") => Some(Op::Complete),
            "PUT" if has("uploadId") && self.header("x-cos-copy-source").is_some() => {
                Some(Op::PartCopy)
            }
            "PUT" if self.params.is_empty() && self.header("x-cos-copy-source").is_none() => {
                Some(Op::PutObject)
            }
            "DELETE" if has("uploadId") => Some(Op::Abort),
            "GET" if self.params.is_empty() => Some(Op::GetObject),
            "HEAD" if self.params.is_empty() => Some(Op::HeadObject),
            _ => None,
        }
    }

    fn part(&self) -> Option<u16> {
        self.param("partNumber").and_then(|n| n.parse().ok())
    }
}

/// An error answer: status, `Code`, `Message`, and on a signature
/// mismatch the server's StringToSign and HttpString.
#[derive(Debug)]
struct Failure {
    status: u16,
    code: &'static str,
    message: String,
    signed_texts: Option<(String, String)>,
}

fn fail(status: u16, code: &'static str, message: impl Into<String>) -> Failure {
    Failure {
        status,
        code,
        message: message.into(),
        signed_texts: None,
    }
}

enum Body {
    Empty,
    /// An XML document.
    Xml(String),
    /// Object bytes.
    Data(Arc<Vec<u8>>),
    /// A HEAD answer: `Content-Length` of the object, no body.
    HeadOf(u64),
    /// Complete's answer: spaces until the merge sends the XML.
    Merging(mpsc::Receiver<String>),
}

struct Reply {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Body,
    code: Option<String>,
}

impl Reply {
    fn xml(status: u16, xml: String) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Body::Xml(xml),
            code: None,
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Request Entity Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        _ => "Unknown",
    }
}

/// The connection's socket and the bytes read but not yet used.
struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    /// Reads more; `Ok(false)` at the end of the stream.
    fn fill(&mut self) -> io::Result<bool> {
        let mut tmp = [0u8; 16 * 1024];
        loop {
            match self.stream.read(&mut tmp) {
                Ok(0) => return Ok(false),
                Ok(n) => {
                    self.buf.extend_from_slice(&tmp[..n]);
                    return Ok(true);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Decodes `%XX` escapes (either case); `None` on a bad escape or bad
/// UTF-8. `+` is left alone, as COS does.
fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = b.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Reads one request: `Ok(None)` when the client has gone (or stayed idle
/// past the timeout) between requests.
fn read_request(conn: &mut Conn) -> Result<Option<Request>, Failure> {
    let head_end = loop {
        if let Some(i) = find(&conn.buf, b"\r\n\r\n") {
            break i;
        }
        if conn.buf.len() > MAX_REQUEST_HEAD {
            return Err(fail(431, "InvalidRequest", "request head too large"));
        }
        match conn.fill() {
            Ok(true) => {}
            Ok(false) | Err(_) if conn.buf.is_empty() => return Ok(None),
            _ => return Err(fail(400, "InvalidRequest", "incomplete request head")),
        }
    };
    let head: Vec<u8> = conn.buf.drain(..head_end + 4).collect();
    let head = String::from_utf8(head)
        .map_err(|_| fail(400, "InvalidRequest", "request head is not UTF-8"))?;
    let mut lines = head.trim_end_matches("\r\n").split("\r\n");
    let bad = |m: &str| fail(400, "InvalidRequest", m);
    let line = lines.next().ok_or_else(|| bad("empty request"))?;
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad("malformed request line"));
    };
    if version != "HTTP/1.1" && version != "HTTP/1.0" {
        return Err(bad("unsupported HTTP version"));
    }
    let mut headers = Vec::new();
    for line in lines {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| bad("header line without ':'"))?;
        if name.is_empty() || name.bytes().any(|b| b.is_ascii_whitespace()) {
            return Err(bad("invalid header name"));
        }
        headers.push((name.to_owned(), value.trim_matches([' ', '\t']).to_owned()));
    }
    let (raw_path, query) = target.split_once('?').unwrap_or((target, ""));
    let path = percent_decode(raw_path).ok_or_else(|| bad("bad escape in the path"))?;
    if !path.starts_with('/') {
        return Err(bad("the target is not a path"));
    }
    let mut params = Vec::new();
    for piece in query.split('&').filter(|p| !p.is_empty()) {
        let (n, v) = piece.split_once('=').unwrap_or((piece, ""));
        let n = percent_decode(n).ok_or_else(|| bad("bad escape in the query"))?;
        let v = percent_decode(v).ok_or_else(|| bad("bad escape in the query"))?;
        params.push((n, v));
    }
    let mut request = Request {
        method: method.to_owned(),
        path,
        params,
        headers,
        body: Vec::new(),
        keep_alive: version == "HTTP/1.1",
    };
    if request
        .header("connection")
        .is_some_and(|c| c.eq_ignore_ascii_case("close"))
    {
        request.keep_alive = false;
    }
    if request.header("transfer-encoding").is_some() {
        return Err(fail(
            501,
            "NotImplemented",
            "chunked request bodies are not emulated",
        ));
    }
    let length = match request.header("content-length") {
        None => 0,
        Some(v) => v
            .parse::<u64>()
            .map_err(|_| bad("invalid Content-Length"))?,
    };
    if length > MAX_BODY {
        return Err(fail(413, "EntityTooLarge", "request body too large"));
    }
    let length = length as usize;
    while conn.buf.len() < length {
        match conn.fill() {
            Ok(true) => {}
            _ => return Err(bad("request body ended early")),
        }
    }
    request.body = conn.buf.drain(..length).collect();
    Ok(Some(request))
}

fn md5(data: &[u8]) -> [u8; 16] {
    Md5::digest(data).into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn quoted_md5(digest: &[u8; 16]) -> String {
    format!("\"{}\"", hex(digest))
}

/// Escapes text for an XML element.
fn xml_text(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `2017-09-04T04:45:45.000Z`.
fn iso8601(unix: u64) -> String {
    let days = (unix / 86_400) as i64;
    let secs = unix % 86_400;
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.000Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

fn http_date(unix: u64) -> String {
    tencent_cos_core::date::http_date(unix)
        .map(|d| d.as_str().to_owned())
        .unwrap_or_default()
}

/// `lowercase(E(name))`, as names appear in the signed lists.
fn signed_name(name: &str) -> String {
    let mut out = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b.to_ascii_lowercase() as char);
        } else {
            let _ = write!(out, "%{b:02x}");
        }
    }
    out
}

/// The pairs the names of a signed list name, in the list's order.
fn pick<'p, 'n>(
    pairs: &[(&'p str, &'p str)],
    names: impl Iterator<Item = &'n str>,
) -> Vec<(&'p str, &'p str)> {
    names
        .filter_map(|name| pairs.iter().find(|(n, _)| signed_name(n) == name).copied())
        .collect()
}

/// The bucket a `Host` names: `<bucket-appid>.cos.<region>.myqcloud.com`
/// (or `tencentcos.cn`), port ignored.
fn bucket_of(host: &str) -> Option<(&str, &str)> {
    let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
    let (bucket, rest) = host.split_once(".cos.")?;
    let region = rest
        .strip_suffix(".myqcloud.com")
        .or_else(|| rest.strip_suffix(".tencentcos.cn"))?;
    Some((bucket, region))
}

impl Shared {
    fn take_fault(&self, number: u64, op: Option<Op>, part: Option<u16>) -> Option<Fault> {
        let mut rules = lock(&self.rules);
        let rule = rules.iter_mut().find(|r| {
            r.left > 0
                && match r.on {
                    On::Request(n) => n == number,
                    On::Part(p) => op == Some(Op::PartCopy) && part == Some(p),
                    On::Action(a) => op == Some(a),
                }
        })?;
        rule.left -= 1;
        Some(rule.fault.clone())
    }

    /// Checks the signature and the token; the error answer if they fail.
    fn authenticate(&self, req: &Request, now: u64) -> Result<(), Failure> {
        let denied = |m: &str| fail(403, "AccessDenied", m);
        let value = req
            .header("authorization")
            .ok_or_else(|| denied("Access Denied."))?;
        let auth = Authorization::parse(value)
            .map_err(|e| fail(403, "AccessDenied", format!("invalid Authorization: {e}")))?;
        let account = self
            .config
            .accounts
            .iter()
            .find(|a| a.secret_id == auth.secret_id())
            .ok_or_else(|| {
                fail(
                    403,
                    "InvalidAccessKeyId",
                    "The Access Key Id you provided does not exist in our records.",
                )
            })?;
        if account.token.as_deref() != req.header("x-cos-security-token") {
            return Err(fail(
                403,
                "InvalidAccessKeyId",
                "The security token is missing or invalid.",
            ));
        }
        let params: Vec<(&str, &str)> = req
            .params
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let headers: Vec<(&str, &str)> = req
            .headers
            .iter()
            .filter(|(n, _)| !n.eq_ignore_ascii_case("authorization"))
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let request = CanonicalRequest::new(&req.method, &req.path, &params, &headers);
        match auth.verify(&request, &account.secret_key, now, &VerifyPolicy::COS) {
            Ok(()) => Ok(()),
            Err(VerifyError::Expired) => Err(denied("Request has expired")),
            Err(VerifyError::NotYetValid) => Err(denied("Request is not valid yet")),
            Err(VerifyError::TimeMismatch) => Err(denied("q-sign-time and q-key-time differ")),
            Err(VerifyError::Request(e)) => Err(fail(400, "InvalidRequest", e.to_string())),
            Err(e @ VerifyError::SignatureMismatch) => {
                // The server's own texts, over what the lists name.
                let signed_params = pick(&params, auth.param_names());
                let signed_headers = pick(&headers, auth.header_names());
                let mine =
                    CanonicalRequest::new(&req.method, &req.path, &signed_params, &signed_headers);
                let mut http_string = String::new();
                let mut string_to_sign = String::new();
                let texts = write_http_string(&mine, Selection::Exact, &mut http_string)
                    .and_then(|()| {
                        write_string_to_sign(
                            &mine,
                            Selection::Exact,
                            auth.key_time(),
                            &mut string_to_sign,
                        )
                    })
                    .ok()
                    .map(|()| (string_to_sign, http_string));
                let mut f = fail(
                    403,
                    "SignatureDoesNotMatch",
                    format!("The Signature you specified is invalid ({e})."),
                );
                f.signed_texts = texts;
                Err(f)
            }
            Err(e) => Err(denied(&e.to_string())),
        }
    }

    fn handle(&self, req: &Request, now: u64) -> Result<Reply, Failure> {
        let host = req.header("host").unwrap_or_default();
        let (bucket, region) =
            bucket_of(host).ok_or_else(|| fail(400, "InvalidURI", "the Host names no bucket"))?;
        if lock(&self.store).buckets.get(bucket).map(String::as_str) != Some(region) {
            return Err(fail(
                404,
                "NoSuchBucket",
                "The specified bucket does not exist.",
            ));
        }
        self.authenticate(req, now)?;
        let key = req.path.strip_prefix('/').unwrap_or(&req.path);
        if key.is_empty() {
            return Err(fail(
                501,
                "NotImplemented",
                "bucket operations are not emulated",
            ));
        }
        match req.op() {
            Some(Op::Initiate) => self.initiate(bucket, key),
            Some(Op::PartCopy) => self.part_copy(req, bucket, key, now),
            Some(Op::Complete) => self.complete(req, host, bucket, key, now),
            Some(Op::Abort) => self.abort(req, bucket, key),
            Some(Op::PutObject) => self.put(req, bucket, key, now),
            Some(Op::GetObject | Op::HeadObject) => self.get(req, bucket, key),
            None => Err(fail(501, "NotImplemented", "this request is not emulated")),
        }
    }

    fn initiate(&self, bucket: &str, key: &str) -> Result<Reply, Failure> {
        let mut store = lock(&self.store);
        store.next_upload += 1;
        let n = store.next_upload;
        let now = (self.config.clock)();
        let id = format!(
            "{now}{}",
            hex(&md5(format!("{bucket}/{key}/{n}/{now}").as_bytes()))
        );
        store.uploads.insert(
            id.clone(),
            Upload {
                bucket: bucket.into(),
                key: key.into(),
                parts: BTreeMap::new(),
            },
        );
        Ok(Reply::xml(
            200,
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<InitiateMultipartUploadResult>\n\t<Bucket>{}</Bucket>\n\t<Key>{}</Key>\n\t<UploadId>{}</UploadId>\n</InitiateMultipartUploadResult>",
                xml_text(bucket),
                xml_text(key),
                xml_text(&id)
            ),
        ))
    }

    /// The upload `req` names, checked against bucket and key.
    fn upload_id<'r>(&self, req: &'r Request, bucket: &str, key: &str) -> Result<&'r str, Failure> {
        let id = req.param("uploadId").unwrap_or_default();
        let store = lock(&self.store);
        match store.uploads.get(id) {
            Some(u) if u.bucket == bucket && u.key == key => Ok(id),
            _ => Err(fail(
                404,
                "NoSuchUpload",
                "The specified upload does not exist.",
            )),
        }
    }

    fn part_copy(
        &self,
        req: &Request,
        bucket: &str,
        key: &str,
        now: u64,
    ) -> Result<Reply, Failure> {
        let invalid = |m: String| fail(400, "InvalidArgument", m);
        let number = req.param("partNumber").unwrap_or_default();
        let number: u16 = match number.parse() {
            Ok(n @ 1..=10_000) if !number.starts_with('0') => n,
            _ => {
                return Err(invalid(
                    "Part number must be an integer between 1 and 10000, inclusive".into(),
                ));
            }
        };
        let id = self.upload_id(req, bucket, key)?;
        let value = req.header("x-cos-copy-source").unwrap_or_default();
        let source =
            CopySource::parse(value).map_err(|e| invalid(format!("x-cos-copy-source: {e}")))?;
        if source.version_id().is_some() {
            return Err(fail(501, "NotImplemented", "versioning is not emulated"));
        }
        if req
            .headers
            .iter()
            .any(|(n, _)| n.to_ascii_lowercase().contains("server-side-encryption"))
        {
            return Err(fail(501, "NotImplemented", "SSE is not emulated"));
        }
        let mut source_key = vec![0u8; source.decoded_key_len()];
        let source_key = source
            .decode_key(&mut source_key)
            .map_err(|e| invalid(format!("x-cos-copy-source: {e}")))?;
        let object = {
            let store = lock(&self.store);
            if store.buckets.get(source.bucket()).map(String::as_str) != Some(source.region()) {
                return Err(fail(
                    404,
                    "NoSuchBucket",
                    "The source bucket does not exist.",
                ));
            }
            store
                .objects
                .get(&(source.bucket().into(), source_key.into()))
                .cloned()
                .ok_or_else(|| fail(404, "NoSuchKey", "The specified key does not exist."))?
        };
        let size = object.data.len() as u64;
        let (first, last) = match req.header("x-cos-copy-source-range") {
            Some(v) => {
                let r = ByteRange::parse(v)
                    .map_err(|e| invalid(format!("x-cos-copy-source-range: {e}")))?;
                (r.first(), r.last())
            }
            None if size == 0 => {
                return Err(invalid("the source object is empty".into()));
            }
            None => (0, size - 1),
        };
        if last >= size {
            return Err(invalid(format!(
                "The copy source range bytes={first}-{last} is not within the object's {size} bytes"
            )));
        }
        if last - first + 1 > MAX_PART {
            return Err(fail(
                400,
                "EntityTooLarge",
                "Your proposed upload exceeds the maximum allowed object size.",
            ));
        }
        let pairs: Vec<(&str, &str)> = req
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let condition = CopyCondition::from_headers(&pairs).map_err(|e| invalid(e.to_string()))?;
        if !condition.allows(&object.etag, object.last_modified) {
            return Err(fail(
                412,
                "PreconditionFailed",
                "At least one of the pre-conditions you specified did not hold.",
            ));
        }
        let data = object.data[first as usize..=last as usize].to_vec();
        let digest = md5(&data);
        let etag = quoted_md5(&digest);
        let mut store = lock(&self.store);
        let upload = store
            .uploads
            .get_mut(id)
            .ok_or_else(|| fail(404, "NoSuchUpload", "The specified upload does not exist."))?;
        upload.parts.insert(
            number,
            Part {
                data,
                md5: digest,
                etag: etag.clone(),
            },
        );
        let mut reply = Reply::xml(
            200,
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<CopyPartResult>\n    <ETag>{}</ETag>\n    <LastModified>{}</LastModified>\n</CopyPartResult>",
                xml_text(&etag),
                iso8601(now)
            ),
        );
        reply
            .headers
            .push(("x-cos-copy-source-version-id", "null".into()));
        Ok(reply)
    }

    fn complete(
        &self,
        req: &Request,
        host: &str,
        bucket: &str,
        key: &str,
        now: u64,
    ) -> Result<Reply, Failure> {
        let id = self.upload_id(req, bucket, key)?.to_owned();
        let listed = parse_complete_body(&req.body)?;
        if listed.windows(2).any(|w| w[0].0 >= w[1].0) {
            return Err(fail(
                400,
                "InvalidPartOrder",
                "The list of parts was not in ascending order.",
            ));
        }
        let parts = {
            let mut store = lock(&self.store);
            let upload = store
                .uploads
                .get(&id)
                .ok_or_else(|| fail(404, "NoSuchUpload", "The specified upload does not exist."))?;
            for (i, (number, etag)) in listed.iter().enumerate() {
                let part = upload
                    .parts
                    .get(number)
                    .filter(|p| p.etag.trim_matches('"') == etag.trim_matches('"'));
                let Some(part) = part else {
                    return Err(fail(
                        400,
                        "InvalidPart",
                        format!("Part {number} was not uploaded or its ETag differs."),
                    ));
                };
                if i + 1 < listed.len() && (part.data.len() as u64) < MIN_PART {
                    return Err(fail(
                        400,
                        "EntityTooSmall",
                        format!(
                            "Part {number} is {} bytes: every part but the last must be at least {MIN_PART}.",
                            part.data.len()
                        ),
                    ));
                }
            }
            let mut upload = store
                .uploads
                .remove(&id)
                .ok_or_else(|| fail(404, "NoSuchUpload", "The specified upload does not exist."))?;
            listed
                .iter()
                .filter_map(|(n, _)| upload.parts.remove(n))
                .collect::<Vec<Part>>()
        };
        // Merge on the side, as COS does, while the answer sends spaces.
        let (tx, rx) = mpsc::channel();
        let store = Arc::clone(&self.store);
        let location = format!("http://{host}/{key}");
        let (bucket, key) = (bucket.to_owned(), key.to_owned());
        thread::spawn(move || {
            let merged = merge(parts, now);
            let xml = format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CompleteMultipartUploadResult xmlns=\"http://www.qcloud.com/document/product/436/7751\">\n\t<Location>{}</Location>\n\t<Bucket>{}</Bucket>\n\t<Key>{}</Key>\n\t<ETag>{}</ETag>\n</CompleteMultipartUploadResult>",
                xml_text(&location),
                xml_text(&bucket),
                xml_text(&key),
                xml_text(&merged.etag)
            );
            lock(&store).objects.insert((bucket, key), merged);
            let _ = tx.send(xml);
        });
        Ok(Reply {
            status: 200,
            headers: Vec::new(),
            body: Body::Merging(rx),
            code: None,
        })
    }

    fn abort(&self, req: &Request, bucket: &str, key: &str) -> Result<Reply, Failure> {
        let id = self.upload_id(req, bucket, key)?;
        lock(&self.store).uploads.remove(id);
        Ok(Reply {
            status: 204,
            headers: Vec::new(),
            body: Body::Empty,
            code: None,
        })
    }

    fn put(&self, req: &Request, bucket: &str, key: &str, now: u64) -> Result<Reply, Failure> {
        let etag = quoted_md5(&md5(&req.body));
        lock(&self.store).objects.insert(
            (bucket.into(), key.into()),
            Object {
                data: Arc::new(req.body.clone()),
                etag: etag.clone(),
                last_modified: now,
            },
        );
        Ok(Reply {
            status: 200,
            headers: vec![("ETag", etag)],
            body: Body::Empty,
            code: None,
        })
    }

    fn get(&self, req: &Request, bucket: &str, key: &str) -> Result<Reply, Failure> {
        let object = lock(&self.store)
            .objects
            .get(&(bucket.into(), key.into()))
            .cloned()
            .ok_or_else(|| fail(404, "NoSuchKey", "The specified key does not exist."))?;
        let headers = vec![
            ("ETag", object.etag.clone()),
            ("Last-Modified", http_date(object.last_modified)),
            ("Content-Type", "application/octet-stream".into()),
        ];
        let body = if req.method == "HEAD" {
            Body::HeadOf(object.data.len() as u64)
        } else {
            Body::Data(object.data)
        };
        Ok(Reply {
            status: 200,
            headers,
            body,
            code: None,
        })
    }
}

/// Concatenates the parts into an object with a multipart ETag.
fn merge(parts: Vec<Part>, now: u64) -> Object {
    let mut data = Vec::with_capacity(parts.iter().map(|p| p.data.len()).sum());
    let mut digests = Vec::with_capacity(parts.len() * 16);
    for p in &parts {
        data.extend_from_slice(&p.data);
        digests.extend_from_slice(&p.md5);
    }
    Object {
        data: Arc::new(data),
        etag: format!("\"{}-{}\"", hex(&md5(&digests)), parts.len()),
        last_modified: now,
    }
}

/// Reads a CompleteMultipartUpload body with the crate's XML tokenizer:
/// the (PartNumber, ETag) of each `Part`, in order.
fn parse_complete_body(body: &[u8]) -> Result<Vec<(u16, String)>, Failure> {
    use tencent_cos_core::xml::{Event, Tokenizer, XmlError};
    let malformed = || {
        fail(
            400,
            "MalformedXML",
            "The XML you provided was not well-formed or did not validate against our published schema.",
        )
    };
    #[derive(Default)]
    struct State {
        path: Vec<String>,
        number: String,
        etag: String,
        parts: Vec<(Option<u16>, String)>,
        bad: bool,
    }
    let mut st = State::default();
    let mut tok = Tokenizer::new();
    let r: Result<(), XmlError> = tok.feed(body, &mut |e: Event<'_>| {
        match e {
            Event::Start(name) => {
                let name = name.local().unwrap_or_default().to_owned();
                let ok = matches!(
                    (st.path.len(), name.as_str()),
                    (0, "CompleteMultipartUpload") | (1, "Part") | (2, "PartNumber" | "ETag")
                );
                st.bad |= !ok;
                if name == "Part" {
                    st.number.clear();
                    st.etag.clear();
                }
                st.path.push(name);
            }
            Event::Text(t) => match st.path.last().map(String::as_str) {
                Some("PartNumber") => st.number.push_str(t),
                Some("ETag") => st.etag.push_str(t),
                _ => st.bad |= !t.trim().is_empty(),
            },
            Event::End(_) => {
                if st.path.pop().as_deref() == Some("Part") {
                    let n = st.number.trim();
                    let number = n.parse().ok().filter(|_| !n.starts_with('0'));
                    st.parts.push((number, st.etag.trim().to_owned()));
                }
            }
        }
        Ok(())
    });
    if r.is_err() || tok.finish().is_err() || st.bad || st.parts.is_empty() {
        return Err(malformed());
    }
    st.parts
        .into_iter()
        .map(|(n, e)| match n {
            Some(n @ 1..=10_000) if !e.is_empty() => Ok((n, e)),
            _ => Err(malformed()),
        })
        .collect()
}

/// One connection: requests in turn until the client goes, an answer
/// says close, or a fault ends it.
fn serve(shared: &Shared, stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(shared.config.idle_timeout));
    let _ = stream.set_nodelay(true);
    let mut conn = Conn {
        stream,
        buf: Vec::new(),
    };
    loop {
        let request = match read_request(&mut conn) {
            Ok(Some(r)) => r,
            Ok(None) => return,
            Err(f) => {
                let number = shared.requests.fetch_add(1, Ordering::SeqCst) + 1;
                let reply = shared.error_reply(&f, "", "", number);
                let _ = shared.send(&mut conn.stream, reply, None, false, number);
                return;
            }
        };
        let number = shared.requests.fetch_add(1, Ordering::SeqCst) + 1;
        let now = (shared.config.clock)();
        let (op, part) = (request.op(), request.part());
        let fault = shared.take_fault(number, op, part);
        let mut entry = Logged {
            number,
            method: request.method.clone(),
            op,
            part: if op == Some(Op::PartCopy) { part } else { None },
            status: 0,
            code: None,
            fault: fault.clone(),
        };
        let host = request.header("host").unwrap_or_default().to_owned();
        let reply = match &fault {
            Some(Fault::Reset) => {
                lock(&shared.log).push(entry);
                let _ = conn.stream.shutdown(Shutdown::Both);
                return;
            }
            Some(Fault::Error {
                status,
                code,
                message,
            }) => shared.error_reply(&fail(*status, code, *message), &host, &request.path, number),
            _ => match shared.handle(&request, now) {
                Ok(r) => r,
                Err(f) => shared.error_reply(&f, &host, &request.path, number),
            },
        };
        let mut reply = reply;
        if request.method == "HEAD" {
            // A HEAD answer has no body: an error keeps only its status.
            if let Body::Xml(xml) = &reply.body {
                reply.body = Body::HeadOf(xml.len() as u64);
            }
        }
        entry.status = reply.status;
        entry.code = reply.code.clone();
        lock(&shared.log).push(entry);
        // CloseAfter still says keep-alive: the close comes unannounced.
        match shared.send(
            &mut conn.stream,
            reply,
            fault.as_ref(),
            request.keep_alive,
            number,
        ) {
            Ok(true) => {}
            _ => {
                let _ = conn.stream.shutdown(Shutdown::Both);
                return;
            }
        }
    }
}

/// The wire form of a chunked body: chunks of at most `max` bytes, then
/// the last chunk.
fn chunked(body: &[u8], max: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + body.len() / max.max(1) * 8 + 8);
    for piece in body.chunks(max.max(1)) {
        out.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        out.extend_from_slice(piece);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

impl Shared {
    fn request_id(number: u64) -> String {
        format!("NjU0ZWI5{number:08x}")
    }

    fn error_reply(&self, f: &Failure, host: &str, path: &str, number: u64) -> Reply {
        let mut xml = String::from("<?xml version='1.0' encoding='utf-8' ?>\n<Error>\n");
        let _ = writeln!(xml, "\t<Code>{}</Code>", f.code);
        let _ = writeln!(xml, "\t<Message>{}</Message>", xml_text(&f.message));
        if let Some((sts, fs)) = &f.signed_texts {
            // COS shows the line breaks as the two characters `\n`.
            let shown = |s: &str| xml_text(&s.replace('\n', "\\n"));
            let _ = writeln!(xml, "\t<StringToSign>{}</StringToSign>", shown(sts));
            let _ = writeln!(xml, "\t<FormatString>{}</FormatString>", shown(fs));
        }
        let _ = writeln!(
            xml,
            "\t<Resource>{}</Resource>",
            xml_text(&format!("{host}{path}"))
        );
        let _ = writeln!(xml, "\t<RequestId>{}</RequestId>", Self::request_id(number));
        let _ = writeln!(
            xml,
            "\t<TraceId>{}</TraceId>",
            hex(&md5(format!("trace-{number}").as_bytes()))
        );
        xml.push_str("</Error>");
        Reply {
            status: f.status,
            headers: Vec::new(),
            body: Body::Xml(xml),
            code: Some(f.code.to_owned()),
        }
    }

    /// Writes `reply` (with `fault`); `Ok(true)` if the connection may be
    /// used again.
    fn send(
        &self,
        stream: &mut TcpStream,
        reply: Reply,
        fault: Option<&Fault>,
        keep_alive: bool,
        number: u64,
    ) -> io::Result<bool> {
        let cfg = &self.config;
        let chunk_xml = match cfg.framing {
            Framing::Cos => (200..300).contains(&reply.status),
            Framing::Chunked => true,
            Framing::Length => false,
        };
        let mut head = format!("HTTP/1.1 {} {}\r\n", reply.status, reason(reply.status));
        let _ = write!(head, "Date: {}\r\n", http_date((cfg.clock)()));
        head.push_str("Server: tencent-cos\r\n");
        let _ = write!(head, "x-cos-request-id: {}\r\n", Self::request_id(number));
        for (n, v) in &reply.headers {
            let _ = write!(head, "{n}: {v}\r\n");
        }
        head.push_str(if keep_alive {
            "Connection: keep-alive\r\n"
        } else {
            "Connection: close\r\n"
        });
        let (prelude, body): (Option<mpsc::Receiver<String>>, Vec<u8>) = match reply.body {
            Body::Empty => {
                head.push_str("Content-Length: 0\r\n");
                (None, Vec::new())
            }
            Body::HeadOf(len) => {
                let _ = write!(head, "Content-Length: {len}\r\n");
                (None, Vec::new())
            }
            Body::Data(data) => {
                let _ = write!(head, "Content-Length: {}\r\n", data.len());
                (None, data.to_vec())
            }
            Body::Xml(xml) => {
                head.push_str("Content-Type: application/xml\r\n");
                if chunk_xml {
                    head.push_str("Transfer-Encoding: chunked\r\n");
                    (None, chunked(xml.as_bytes(), cfg.max_chunk))
                } else {
                    let _ = write!(head, "Content-Length: {}\r\n", xml.len());
                    (None, xml.into_bytes())
                }
            }
            Body::Merging(rx) => {
                head.push_str("Content-Type: application/xml\r\n");
                if cfg.framing == Framing::Length {
                    let mut all = " ".repeat(cfg.min_keepalive_spaces as usize);
                    all.push_str(&rx.recv().unwrap_or_default());
                    let _ = write!(head, "Content-Length: {}\r\n", all.len());
                    (None, all.into_bytes())
                } else {
                    head.push_str("Transfer-Encoding: chunked\r\n");
                    (Some(rx), Vec::new())
                }
            }
        };
        head.push_str("\r\n");
        stream.write_all(head.as_bytes())?;
        let body = match prelude {
            None => body,
            Some(rx) => {
                // Spaces while the merge runs, at least the minimum.
                let mut spaces = 0;
                let xml = loop {
                    match rx.recv_timeout(cfg.keepalive_interval) {
                        Ok(xml) if spaces >= cfg.min_keepalive_spaces => break xml,
                        Ok(xml) => {
                            while spaces < cfg.min_keepalive_spaces {
                                stream.write_all(b"1\r\n \r\n")?;
                                stream.flush()?;
                                spaces += 1;
                                thread::sleep(cfg.keepalive_interval);
                            }
                            break xml;
                        }
                        Err(mpsc::RecvTimeoutError::Timeout) => {
                            stream.write_all(b"1\r\n \r\n")?;
                            stream.flush()?;
                            spaces += 1;
                        }
                        Err(mpsc::RecvTimeoutError::Disconnected) => break String::new(),
                    }
                };
                chunked(xml.as_bytes(), cfg.max_chunk)
            }
        };
        match fault {
            Some(Fault::DropMidBody) => {
                stream.write_all(&body[..body.len() / 2])?;
                stream.flush()?;
                Ok(false)
            }
            Some(Fault::Trickle(delay)) => {
                for b in &body {
                    stream.write_all(std::slice::from_ref(b))?;
                    stream.flush()?;
                    thread::sleep(*delay);
                }
                Ok(keep_alive)
            }
            Some(Fault::CloseAfter) => {
                stream.write_all(&body)?;
                stream.flush()?;
                Ok(false)
            }
            _ => {
                stream.write_all(&body)?;
                stream.flush()?;
                Ok(keep_alive)
            }
        }
    }
}
