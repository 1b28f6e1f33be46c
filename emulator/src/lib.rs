//! `cos-emulator`: a local Tencent Cloud COS for testing clients, that
//! verifies every signature with `tencent-cos-core` and explains every
//! mismatch.
//!
//! A threaded HTTP/1.1 server (one thread per connection, keep-alive; the
//! request heads are read by `httparse`) that keeps buckets, objects and
//! multipart uploads in memory, or the objects under a directory
//! ([`Config::dir`]). Run it on its own (`cargo run -p cos-emulator --
//! --port 9000`, see `src/main.rs`) or start it from a test
//! ([`Emulator::start`]).
//!
//! # What it answers
//!
//! PUT Object (also with `Transfer-Encoding: chunked`), GET Object (with
//! `Range` and the `response-*` parameters), HEAD Object, DELETE Object,
//! PUT Object - Copy, InitiateMultipartUpload, UploadPart, UploadPartCopy,
//! CompleteMultipartUpload, AbortMultipartUpload, ListParts and
//! ListMultipartUploads, on the hosts `<bucket>.cos.<region>.myqcloud.com`,
//! `<bucket>.cos-internal.<region>.tencentcos.cn` (any of `cos`,
//! `cos-internal`, `cosv6`, `cos-cdc` on either domain) and
//! `<bucket>.cos.accelerate.myqcloud.com`.
//!
//! # What it checks, as COS does
//!
//! - Every request's signature, with [`Authorization::parse`] (the
//!   `Authorization` header) or [`Authorization::parse_presigned`] (the
//!   `q-*` query of a presigned URL, the token as a field or as a signed
//!   parameter), then [`Authorization::verify`] under the configured
//!   [`Policy`], against the emulator's clock ([`Config::clock`]). A
//!   mismatch answers `SignatureDoesNotMatch` with the server's own
//!   `StringToSign` and `FormatString`; an expired window answers
//!   `AccessDenied` "Request has expired", a window that has not started
//!   `RequestTimeTooSkewed` (the two answers the SDKs correct their clock
//!   on, from the `Date` header).
//! - The security token of temporary credentials.
//! - Part numbers (1..=10000), the copy source ([`CopySource::parse`]) and
//!   its range ([`ByteRange::parse`]; an empty header counts as absent),
//!   the copy conditions ([`CopyCondition::from_headers`] → 412), and at
//!   Complete the parts' order, ETags and sizes.
//! - The wire: `%XX` escapes with two hex digits, `Content-Length` made of
//!   digits only, a `+` in the path or the query read as a space (as COS
//!   reads it; a literal plus is `%2B`).
//!
//! # How it answers
//!
//! XML results with `Transfer-Encoding: chunked`, every document starting
//! with its XML declaration; CompleteMultipartUpload sends keep-alive
//! spaces before its XML only while a merge is slow
//! ([`Config::keepalive_after`]), as COS does. Error documents carry
//! `Code`, `Message`, `Resource`, `RequestId` and `TraceId`.
//!
//! Faults can be injected per request number, per part or per action
//! ([`Emulator::inject`]).
//!
//! # Not emulated
//!
//! Versioning, server-side encryption, ACLs and policies, bucket operations
//! other than ListMultipartUploads, object listing, tagging, CORS, the
//! `x-cos-hash-crc64ecma` header, HTTPS.

#![forbid(unsafe_code)]

mod host;
mod http;
mod ops;
mod reply;
mod store;
mod verify;
mod xml;

use std::io;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use store::Store;
use tencent_cos_core::VerifyPolicy;

#[cfg(doc)]
use tencent_cos_core::{Authorization, ByteRange, CopyCondition, CopySource};

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
/// The largest part, and the largest object PUT Object - Copy copies.
pub const MAX_PART: u64 = 5 << 30;
/// The largest request body accepted (PUT, UploadPart, Complete).
pub const MAX_BODY: u64 = 1 << 30;
/// The largest request head accepted, in bytes.
pub const MAX_REQUEST_HEAD: usize = 64 * 1024;
/// The most header lines a request head may have (`httparse` needs a
/// bound; COS's own is lower).
pub const MAX_HEADERS: usize = 256;

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
    xml::quoted_md5(&xml::md5(data))
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
    /// Every XML body chunked.
    Chunked,
    /// Every body with `Content-Length` (Complete waits for its merge).
    Length,
}

/// What a signature must cover beyond matching (see [`VerifyPolicy`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Policy {
    /// [`VerifyPolicy::COS`]: what COS demands of a normal bucket.
    #[default]
    Cos,
    /// [`VerifyPolicy::STRICT`]: a strict-signature bucket and then some.
    Strict,
}

impl Policy {
    /// The crate's policy.
    pub fn verify_policy(self) -> VerifyPolicy<'static> {
        match self {
            Self::Cos => VerifyPolicy::COS,
            Self::Strict => VerifyPolicy::STRICT,
        }
    }
}

/// Called with each request once it is answered (the binary prints it).
pub type Observer = Arc<dyn Fn(&Logged) + Send + Sync>;

/// The emulator's settings.
#[derive(Clone)]
pub struct Config {
    /// Where to listen; port 0 lets the OS pick.
    pub bind: SocketAddr,
    /// The accepted credentials.
    pub accounts: Vec<Account>,
    /// The buckets, as (`name-appid`, region).
    pub buckets: Vec<(String, String)>,
    /// The clock signatures are checked against.
    pub clock: Clock,
    /// What a signature must cover.
    pub policy: Policy,
    /// Body framing.
    pub framing: Framing,
    /// A Complete whose merge takes longer than this sends keep-alive
    /// spaces before its XML (a faster one sends none).
    pub keepalive_after: Duration,
    /// How often a slow Complete sends a space.
    pub keepalive_interval: Duration,
    /// The largest chunk of a chunked body (XML is sent in several).
    pub max_chunk: usize,
    /// How long an idle connection is kept open.
    pub idle_timeout: Duration,
    /// Keep objects under this directory (one subdirectory per bucket;
    /// they survive a restart) instead of in memory. Parts of uploads in
    /// progress are always in memory.
    pub dir: Option<PathBuf>,
    /// Told of every request once answered.
    pub observer: Option<Observer>,
}

/// The settings that tell one emulator from another (secrets redacted).
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("bind", &self.bind)
            .field("buckets", &self.buckets)
            .field("accounts", &self.accounts)
            .field("policy", &self.policy)
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
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
            policy: Policy::Cos,
            framing: Framing::Cos,
            keepalive_after: Duration::from_millis(500),
            keepalive_interval: Duration::from_millis(200),
            max_chunk: 96,
            idle_timeout: Duration::from_secs(30),
            dir: None,
            observer: None,
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
    /// `PUT /key?partNumber&uploadId` with a body
    UploadPart,
    /// `POST /key?uploadId`
    Complete,
    /// `DELETE /key?uploadId`
    Abort,
    /// `GET /key?uploadId`
    ListParts,
    /// `GET /?uploads`
    ListUploads,
    /// `PUT /key`
    PutObject,
    /// `PUT /key` with `x-cos-copy-source`
    CopyObject,
    /// `GET /key`
    GetObject,
    /// `HEAD /key`
    HeadObject,
    /// `DELETE /key`
    DeleteObject,
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
    /// Handle the request, then close the connection without a byte of
    /// the answer: what the request did stands, its answer is lost.
    NoAnswer,
    /// Handle the request, then wait this long before answering (answers
    /// to requests in flight together then come back in another order).
    Delay(Duration),
    /// Complete only: send this many keep-alive spaces before the XML
    /// however fast the merge is (what a slow merge on COS looks like).
    KeepAliveSpaces(u32),
    /// Complete only: the merge takes this long (so keep-alive spaces
    /// are sent, [`Config::keepalive_interval`] apart).
    SlowMerge(Duration),
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
    /// The `Host` header.
    pub host: String,
    /// The decoded path.
    pub path: String,
    /// The action, if the request was one the emulator knows.
    pub op: Option<Op>,
    /// The part number of an UploadPartCopy.
    pub part: Option<u16>,
    /// The status answered (0: none, the connection was closed).
    pub status: u16,
    /// The error code answered, if any.
    pub code: Option<String>,
    /// The error message answered, if any.
    pub message: Option<String>,
    /// The fault injected, if any.
    pub fault: Option<Fault>,
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
    /// Starts an emulator listening on [`Config::bind`]. With
    /// [`Config::dir`], the objects already there are loaded.
    pub fn start(config: Config) -> io::Result<Self> {
        let listener = TcpListener::bind(config.bind)?;
        let addr = listener.local_addr()?;
        let store = Store::open(&config.buckets, config.dir.clone())?;
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
                        .spawn(move || reply::serve(&s, stream));
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

    /// Serves until the process ends.
    pub fn wait(mut self) {
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
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
    ///
    /// # Panics
    /// If the object cannot be written under [`Config::dir`].
    pub fn put_object(&self, bucket: &str, key: &str, data: Vec<u8>) -> String {
        let now = (self.shared.config.clock)();
        #[allow(clippy::expect_used)]
        lock(&self.shared.store)
            .put(bucket, key, data, Vec::new(), None, now)
            .expect("the object is stored")
            .etag
    }

    /// An object's bytes, if it exists.
    pub fn object(&self, bucket: &str, key: &str) -> Option<Arc<Vec<u8>>> {
        let store = lock(&self.shared.store);
        let object = store.get(bucket, key)?;
        store.read(&object).ok()
    }

    /// An object's ETag, if it exists.
    pub fn etag(&self, bucket: &str, key: &str) -> Option<String> {
        lock(&self.shared.store).get(bucket, key).map(|o| o.etag)
    }

    /// The keys of a bucket's objects, sorted.
    pub fn keys(&self, bucket: &str) -> Vec<String> {
        lock(&self.shared.store).keys(bucket)
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

    fn record(&self, entry: Logged) {
        if let Some(observer) = &self.config.observer {
            observer(&entry);
        }
        lock(&self.log).push(entry);
    }
}

/// Closes both directions; errors mean it is closed already.
fn close(stream: &TcpStream) {
    let _ = stream.shutdown(Shutdown::Both);
}
