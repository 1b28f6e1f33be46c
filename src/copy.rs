//! A whole multipart copy as a Sans-IO state machine: it decides which
//! request to send next and what each answer means; the caller moves the
//! bytes and keeps the time.
//!
//! [`CopyMachine`] hands out [`Job`]s from [`poll`](CopyMachine::poll);
//! the caller turns a job into bytes with
//! [`write_request`](CopyMachine::write_request) (or into a
//! [`SignedRequest`] with [`sign`](CopyMachine::sign) for an HTTP client),
//! sends it, and gives back what happened with
//! [`answer`](CopyMachine::answer). Several parts may be in flight at
//! once, and their answers may come back in any order. No heap, no I/O,
//! no clock: `now` (milliseconds, Unix time) is an argument, and a pause is
//! a duration the caller waits.
//!
//! # The copy
//!
//! 1. `HEAD` of the source (unless its ETag is given): its size must be the
//!    plan's, and its ETag goes into every part's
//!    `x-cos-copy-source-If-Match`, so a source replaced mid-copy fails the
//!    copy (412) instead of mixing two versions. A missing source fails
//!    before any upload exists.
//! 2. InitiateMultipartUpload → the upload id.
//! 3. UploadPartCopy of every part of the [`CopyPlan`], up to
//!    [`CopyConfig::max_in_flight`] at once; each part's ETag goes into its
//!    [`PartSlot`] (storage the caller provides, one record per part).
//! 4. CompleteMultipartUpload with every part, once all are copied.
//! 5. On a failure that retrying cannot mend: AbortMultipartUpload, once
//!    the parts in flight have answered; both the failure and the abort's
//!    result are reported ([`Outcome::Failed`]).
//!
//! # Decisions
//!
//! - **Retries.** A retryable COS error
//!   ([`CosError::is_retryable`](crate::CosError::is_retryable): 5xx, 408,
//!   429, `SlowDown`, `InternalError`, `RequestTimeout`...) or a lost
//!   answer is tried again after a pause ([`RetryPolicy`]: exponential
//!   with a cap, jittered if the caller gives entropy), at most
//!   `max_attempts` times per request; the pause holds back every request,
//!   not only the one that failed (COS asked to slow down). Anything else
//!   fails the copy at once.
//! - **Idempotency.** UploadPartCopy, HEAD and Abort are resent freely.
//!   Initiate and Complete are resent only with a [`Notice::Retrying`] the
//!   caller sees. An Initiate whose answer was lost after its request went
//!   out may have created an upload: [`Notice::PossibleOrphan`] and
//!   [`possible_orphans`](CopyMachine::possible_orphans) name the key and
//!   the time, so the caller can list and abort it.
//! - **A lost Complete answer** is confirmed only by evidence that
//!   identifies this upload: the destination's ETag (HEAD) equal to the
//!   [`MultipartETag`] computed from the parts' ETags as COS computes it.
//!   A destination that held an older object of the same size is not
//!   evidence; sizes never are. Without evidence the outcome is
//!   [`Outcome::Unknown`], never a success.
//! - **Keys.** Before signing with a key that expires within
//!   [`CopyConfig::key_margin_s`] (or before the first request),
//!   [`poll`](CopyMachine::poll) returns [`Poll::NeedKey`]; the caller
//!   derives a fresh [`SigningKey`] (for temporary credentials, with a
//!   window that ends before they do) and gives it with
//!   [`set_key`](CopyMachine::set_key), or with its token by
//!   [`set_key_with_token`](CopyMachine::set_key_with_token). The machine
//!   owns the key.
//!
//! # The caller's loop
//!
//! One connection, answers scripted here (a real caller writes
//! `wire.head` and `wire.body` to its socket and reads the answer with the
//! crate's HTTP/1.1 reader and [`ResponseReader`](crate::ResponseReader)):
//!
//! ```
//! use tencent_cos_core::copy::{Answer, CopyConfig, CopyMachine, Document, Headers, PartSlot, Poll};
//! use tencent_cos_core::{CopyPlan, CopySource, Credentials, Host, KeyTime, SigningKey};
//!
//! let creds = Credentials::new("AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q", "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz")?;
//! let source = CopySource::new("sourcebucket-1250000000", "ap-guangzhou", "big.bin")?;
//! let plan = CopyPlan::new(3 << 20, 1 << 20)?; // 3 parts
//! let config = CopyConfig::new(source, Host::bucket("examplebucket-1250000000", "ap-guangzhou"), "copy.bin", plan);
//! let mut slots = [PartSlot::EMPTY; 3];
//! let mut m = CopyMachine::new(config, &mut slots)?;
//! let (mut scratch, mut out) = ([0u8; 1024], [0u8; 2048]);
//! let now_ms = 1_700_000_000_000; // the caller's clock
//! # let part_etag = |n: u16| format!("\"{:032x}\"", n);
//! loop {
//!     match m.poll(now_ms) {
//!         Poll::Send(job) => {
//!             let wire = m.write_request(job, &mut scratch, &mut out)?;
//!             // ... send wire.head and wire.body, read the answer ...
//! #           let _ = wire;
//! #           use tencent_cos_core::copy::Request::*;
//! #           let etag;
//! #           let (status, headers, document) = match job.request() {
//! #               HeadSource => (200, Headers { etag: Some("\"5eb63bbbe01eeed093cb22bb8f5acdc3\""), content_length: Some(3 << 20), ..Headers::default() }, Document::None),
//! #               Initiate => (200, Headers::default(), Document::Initiate { upload_id: "1700000000abc" }),
//! #               PartCopy(n) => { etag = part_etag(n); (200, Headers::default(), Document::CopyPart { etag: &etag }) }
//! #               Complete => (200, Headers::default(), Document::Complete { etag: "\"a3-3\"" }),
//! #               other => unreachable!("{other:?}"),
//! #           };
//!             let answer = Answer::response(status, headers, document);
//!             if let Some(notice) = m.answer(job, now_ms, answer) {
//!                 println!("{notice:?}"); // progress, retries, POSTs resent
//!             }
//!         }
//!         Poll::NeedKey => m.set_key(SigningKey::new(&creds, KeyTime::from_now(now_ms / 1000, 3600, 60)?)),
//!         Poll::Wait { ms } => { /* sleep `ms`, then poll again */ }
//!         Poll::AwaitAnswer => { /* other connections: wait for one of their answers */ }
//!         Poll::Done => break,
//!     }
//! }
//! assert!(m.outcome().is_some_and(|o| o.is_copied()));
//! # Ok::<(), Box<dyn core::error::Error>>(())
//! ```
//!
//! # Size
//!
//! The machine is one plain struct (the signing key, the upload id, the
//! source ETag, the outcome; about 0.9 KiB on a 32-bit target) plus
//! [`PartSlot::SIZE`] (18) bytes per part in the caller's storage; nothing
//! in it is generic over capacities, so one copy of its code serves every
//! caller. Measured on a Cortex-M3 (QEMU, opt-level "z"), a whole copy
//! over canned answers peaks at about 2.4 KiB of stack, the caller's
//! buffers and the machine itself excluded: the UploadPartCopy builder's
//! own 2.1 KiB in the same build, plus the [`SignedRequest`] that
//! [`write_request`](CopyMachine::write_request) holds while it writes.

mod answer;
mod md5;
mod part;
mod report;

pub use answer::{Answer, Document, Headers, Lost};
use part::PartETags;
pub use part::{MultipartETag, PartETag, PartSlot};
pub use report::{
    AbortOutcome, AnswerError, Cause, Confirmation, CopyError, Failure, Notice, Orphans, Outcome,
    ShortText, Unknown,
};

use crate::condition::{CopyCondition, ETag};
use crate::copy_source::CopySource;
use crate::cos_error::{CosErrorCode, is_retryable_status};
use crate::plan::CopyPlan;
use crate::request::{
    AbortMultipartUpload, CompleteBody, CompleteMultipartUpload, HeadObject, Host,
    InitiateMultipartUpload, Method, RequestError, SignedRequest, SourceCustomerKey,
    UploadPartCopy, check_upload_id,
};
use crate::sign::{Signer, SigningKey};
use crate::sink::{Emit, Output, OutputError, Sink};
use crate::wire::Arena;
use core::fmt;
use heapless::String;

/// The longest upload id kept (COS's are under 100 characters); a longer
/// one fails the copy ([`AnswerError::UploadId`]) and is reported as a
/// possible orphan.
pub const UPLOAD_ID_CAP: usize = 128;

/// The longest source ETag kept: a quoted multipart ETag of 10000 parts
/// is 40 characters.
pub const SOURCE_ETAG_CAP: usize = 48;

/// A request of the copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Request {
    /// `HEAD` of the source: its size and ETag.
    HeadSource,
    /// InitiateMultipartUpload.
    Initiate,
    /// UploadPartCopy of a part.
    PartCopy(u16),
    /// CompleteMultipartUpload, with its body.
    Complete,
    /// `HEAD` of the destination, after Complete's answer was lost.
    HeadDestination,
    /// AbortMultipartUpload.
    Abort,
}

impl Request {
    /// Whether the request is a POST: one that is not resent without a
    /// notice.
    #[must_use]
    pub const fn is_post(self) -> bool {
        matches!(self, Self::Initiate | Self::Complete)
    }

    /// Whether the request is a HEAD: its answer has no body.
    #[must_use]
    pub const fn is_head(self) -> bool {
        matches!(self, Self::HeadSource | Self::HeadDestination)
    }
}

impl fmt::Display for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::HeadSource => f.write_str("HEAD source"),
            Self::Initiate => f.write_str("InitiateMultipartUpload"),
            Self::PartCopy(n) => write!(f, "UploadPartCopy part {n}"),
            Self::Complete => f.write_str("CompleteMultipartUpload"),
            Self::HeadDestination => f.write_str("HEAD destination"),
            Self::Abort => f.write_str("AbortMultipartUpload"),
        }
    }
}

/// One request to send: what [`poll`](CopyMachine::poll) hands out and
/// [`answer`](CopyMachine::answer) takes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Job {
    request: Request,
    attempt: u8,
}

impl Job {
    /// The request.
    #[must_use]
    pub const fn request(&self) -> Request {
        self.request
    }

    /// Which attempt this is (1-based).
    #[must_use]
    pub const fn attempt(&self) -> u8 {
        self.attempt
    }
}

/// What to do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Poll {
    /// Send this request, then give its answer to
    /// [`answer`](CopyMachine::answer). Poll again for another to send in
    /// parallel.
    Send(Job),
    /// Give a fresh signing key ([`set_key`](CopyMachine::set_key)): there
    /// is none, or the current one expires within the margin.
    NeedKey,
    /// Nothing to send before `ms` milliseconds have passed (a retry's
    /// pause); answers in flight may still arrive.
    Wait {
        /// How long.
        ms: u32,
    },
    /// Nothing to send until an answer in flight arrives.
    AwaitAnswer,
    /// The copy is over: see [`outcome`](CopyMachine::outcome).
    Done,
}

/// How often and how patiently to retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct RetryPolicy {
    /// The most times one request is sent (1: no retry).
    pub max_attempts: u8,
    /// The pause after a first failure (ms); doubled after each further one.
    pub base_delay_ms: u32,
    /// The longest pause (ms).
    pub max_delay_ms: u32,
}

impl RetryPolicy {
    /// 4 attempts; pauses of 200 ms, 400 ms, 800 ms, at most 5 s.
    pub const DEFAULT: Self = Self {
        max_attempts: 4,
        base_delay_ms: 200,
        max_delay_ms: 5000,
    };

    /// The pause after failed attempt `failed` (1-based), before jitter:
    /// `base × 2^(failed-1)`, at most `max_delay_ms`.
    #[must_use]
    pub fn delay_ms(&self, failed: u8) -> u32 {
        let shift = u32::from(failed.saturating_sub(1)).min(32);
        let d = u64::from(self.base_delay_ms)
            .checked_shl(shift)
            .unwrap_or(u64::MAX);
        u32::try_from(d.min(u64::from(self.max_delay_ms))).unwrap_or(u32::MAX)
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// What to copy where, and how.
#[derive(Debug, Clone, Copy)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct CopyConfig<'a> {
    /// The object to copy from.
    pub source: CopySource<'a>,
    /// Where the source's HEAD goes: by default the source bucket's
    /// domain (`<bucket>.cos.<region>.<domain>`).
    pub source_host: Host<'a>,
    /// The source's ETag, if known: then no HEAD of the source is sent,
    /// and the caller vouches that the plan is the source's size.
    pub source_etag: Option<ETag<'a>>,
    /// The source's SSE-C key, if it is encrypted with one.
    pub source_customer_key: Option<SourceCustomerKey<'a>>,
    /// The destination's `Host`.
    pub destination: Host<'a>,
    /// The destination object key.
    pub key: &'a str,
    /// The parts.
    pub plan: CopyPlan,
    /// The most UploadPartCopy requests out at once (at least 1; default 4).
    pub max_in_flight: u16,
    /// Retries.
    pub retry: RetryPolicy,
    /// Ask for a fresh key when the current one has less than this many
    /// seconds left (default 60).
    pub key_margin_s: u32,
    /// Entropy for the pauses' jitter (from the caller's RNG); 0 (the
    /// default) pauses exactly [`RetryPolicy::delay_ms`].
    pub jitter_seed: u32,
}

impl<'a> CopyConfig<'a> {
    /// Copies `source` to `key` on `destination` in the parts of `plan`,
    /// with the defaults.
    #[must_use]
    pub fn new(
        source: CopySource<'a>,
        destination: Host<'a>,
        key: &'a str,
        plan: CopyPlan,
    ) -> Self {
        Self {
            source,
            source_host: Host::Bucket {
                bucket: source.bucket(),
                region: source.region(),
                domain: source.domain(),
            },
            source_etag: None,
            source_customer_key: None,
            destination,
            key,
            plan,
            max_in_flight: 4,
            retry: RetryPolicy::DEFAULT,
            key_margin_s: 60,
            jitter_seed: 0,
        }
    }
}

/// A request written out: its head and its body (empty but for Complete),
/// both in the caller's output buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Wire<'o> {
    /// Request line, headers, blank line.
    pub head: &'o [u8],
    /// The body.
    pub body: &'o [u8],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
enum Stage {
    HeadSource,
    Initiate,
    Parts,
    Complete,
    Verify,
    Abort,
    Done,
}

/// What [`CopyMachine::next`] found to do.
enum Next {
    Send(Request),
    Await,
    Done,
}

/// An answer sorted: usable, or the cause of a failure and what follows
/// from it.
enum Judged<'r> {
    Ok {
        headers: Headers<'r>,
        document: Document<'r>,
    },
    Err {
        cause: Cause,
        retryable: bool,
        /// The server may have carried the request out (its answer is
        /// lost or came from something in front of it).
        ambiguous: bool,
        request_id: Option<&'r str>,
    },
}

/// Sorts an answer the same way for every request.
fn judge<'r>(answer: &Answer<'r>) -> Judged<'r> {
    let (status, headers, document) = match *answer {
        Answer::Lost(l) => {
            return Judged::Err {
                cause: Cause::Transport {
                    request_sent: l.request_sent,
                    answer_started: l.answer_started,
                },
                retryable: true,
                ambiguous: l.request_sent,
                request_id: None,
            };
        }
        Answer::Response {
            status,
            headers,
            document,
        } => (status, headers, document),
    };
    let (code, body_id) = match document {
        Document::Error { code, request_id } => (Some(code), request_id),
        _ => (None, None),
    };
    let request_id = headers.request_id.or(body_id);
    let err = |cause, retryable, ambiguous| Judged::Err {
        cause,
        retryable,
        ambiguous,
        request_id,
    };
    if let Some(code) = code {
        let retryable = CosErrorCode::parse(code).is_retryable() || is_retryable_status(status);
        let code = ShortText::new(code);
        return err(Cause::Service { status, code }, retryable, false);
    }
    if !(200..300).contains(&status) {
        let cause = Cause::Service {
            status,
            code: ShortText::EMPTY,
        };
        // A 5xx without COS's Error document comes from something in front
        // of COS (a gateway): COS itself may have done the work.
        return err(cause, is_retryable_status(status), status >= 500);
    }
    if let Document::Unreadable(e) = document {
        if e.is_incomplete() {
            // A success whose body ended early: an answer cut short.
            let cause = Cause::Transport {
                request_sent: true,
                answer_started: true,
            };
            return err(cause, true, true);
        }
    }
    Judged::Ok { headers, document }
}

/// The answer's document as the error of a success that cannot be used.
fn unusable(document: Document<'_>) -> Cause {
    Cause::Answer(match document {
        Document::Unreadable(e) => AnswerError::Unreadable(e),
        _ => AnswerError::UnexpectedDocument,
    })
}

/// A request ready to build: see [`CopyMachine::prepare`].
struct Prepared<'s> {
    key: Signer<'s>,
    what: What<'s>,
    scratch: &'s mut [u8],
    /// Bytes of the caller's scratch used before `scratch`.
    used: usize,
}

/// Which request, with what only it needs.
enum What<'s> {
    /// The source's key, decoded.
    HeadSource(&'s str),
    Initiate,
    Part(u16, crate::range::ByteRange, ETag<'s>),
    /// The body's length.
    Complete(usize),
    HeadDestination,
    Abort,
}

/// The builders called once each, kept out of line: inlined into
/// [`CopyMachine::sign_prepared`], their request drafts (a few hundred bytes
/// each) would sit in its frame below the UploadPartCopy builder's own.
macro_rules! out_of_line {
    ($($name:ident: $action:ident,)*) => {$(
        #[inline(never)]
        fn $name<'s>(
            r: $action<'s>,
            out: &mut SignedRequest<'s>,
            arena: &mut Arena<'s>,
        ) -> Result<(), RequestError> {
            r.fill(out, arena)
        }
    )*};
}

out_of_line! {
    initiate: InitiateMultipartUpload,
    complete: CompleteMultipartUpload,
    abort: AbortMultipartUpload,
}

/// A builder's error, a too-small scratch counting what was used before it.
fn needing(e: RequestError, used: usize) -> CopyError {
    match CopyError::from(e) {
        CopyError::Output(OutputError::BufferTooSmall { needed }) => {
            CopyError::Output(OutputError::BufferTooSmall {
                needed: needed.saturating_add(used),
            })
        }
        e => e,
    }
}

/// A multipart copy in progress. See the [module docs](self).
///
/// `'a` is the inputs' lifetime (source, hosts, key, signing key), `'p`
/// the part storage's.
///
/// ```
/// use tencent_cos_core::copy::{CopyConfig, CopyMachine, PartSlot, Poll};
/// use tencent_cos_core::{CopyPlan, CopySource, Credentials, Host, KeyTime, SigningKey};
///
/// let creds = Credentials::new("AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q", "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz")?;
/// let source = CopySource::new("sourcebucket-1250000000", "ap-guangzhou", "big.bin")?;
/// let destination = Host::bucket("examplebucket-1250000000", "ap-guangzhou");
/// let plan = CopyPlan::new(64 << 20, 8 << 20)?;
/// let mut slots = [PartSlot::EMPTY; 8]; // one record per part, in your storage
/// let mut machine = CopyMachine::new(CopyConfig::new(source, destination, "copy.bin", plan), &mut slots)?;
/// let now = 1_700_000_000_000; // your clock, in ms
/// assert_eq!(machine.poll(now), Poll::NeedKey); // it never sees the secrets
/// machine.set_key(SigningKey::new(&creds, KeyTime::from_now(now / 1000, 3600, 60)?));
/// let Poll::Send(job) = machine.poll(now) else { unreachable!() }; // the source's HEAD first
/// let (mut scratch, mut out) = ([0u8; 1024], [0u8; 2048]);
/// let wire = machine.write_request(job, &mut scratch, &mut out)?;
/// assert!(wire.head.starts_with(b"HEAD /big.bin HTTP/1.1\r\nHost: sourcebucket-1250000000.cos.ap-guangzhou.myqcloud.com\r\n"));
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
pub struct CopyMachine<'a, 'p> {
    config: CopyConfig<'a>,
    slots: &'p mut [PartSlot],
    key: Option<SigningKey>,
    /// The security token of the key's temporary credentials.
    token: Option<&'a str>,
    stage: Stage,
    /// The one request of a single-request stage is out.
    busy: bool,
    /// Failed attempts of the current single request.
    attempts: u8,
    /// When the current single request was handed out (ms).
    sent_at: u64,
    /// Parts out.
    in_flight: u16,
    /// Parts copied.
    done: u16,
    /// No part before this index is to be sent.
    first_todo: u16,
    /// No request goes out before this time (ms).
    pause_until: u64,
    rng: u32,
    upload_id: String<UPLOAD_ID_CAP>,
    source_etag: String<SOURCE_ETAG_CAP>,
    /// An earlier Complete may have been carried out.
    complete_unsure: bool,
    /// The end, once known (a failure's abort result is filled in when the
    /// Abort answers); given out at [`Stage::Done`].
    outcome: Option<Outcome>,
    orphans: Option<Orphans>,
    retries: u16,
}

impl<'a, 'p> CopyMachine<'a, 'p> {
    /// A copy by `config`, keeping its parts' ETags in `slots` (at least
    /// `config.plan.part_count()` records; they are reset). Checks the
    /// hosts and the destination key.
    pub fn new(config: CopyConfig<'a>, slots: &'p mut [PartSlot]) -> Result<Self, CopyError> {
        let count = config.plan.part_count();
        let slots = slots
            .get_mut(..usize::from(count))
            .ok_or(CopyError::PartStorage { needed: count })?;
        config.destination.check()?;
        config.source_host.check()?;
        crate::wire::object_key(config.key).map_err(crate::RequestError::Key)?;
        for s in slots.iter_mut() {
            *s = PartSlot::EMPTY;
        }
        let mut m = Self {
            config,
            slots,
            key: None,
            token: None,
            stage: Stage::HeadSource,
            busy: false,
            attempts: 0,
            sent_at: 0,
            in_flight: 0,
            done: 0,
            first_todo: 0,
            pause_until: 0,
            rng: config.jitter_seed,
            upload_id: String::new(),
            source_etag: String::new(),
            complete_unsure: false,
            outcome: None,
            orphans: None,
            retries: 0,
        };
        m.config.max_in_flight = m.config.max_in_flight.max(1);
        if let Some(etag) = config.source_etag {
            if crate::bytes::push_str(m.source_etag.as_mut_view(), etag.as_str()).is_err() {
                return Err(CopyError::Request(crate::RequestError::HeaderValue));
            }
            m.stage = Stage::Initiate;
        }
        Ok(m)
    }

    /// Gives the key the next requests are signed with (the answer to
    /// [`Poll::NeedKey`]), made from permanent credentials. Requests
    /// already out keep the key they were signed with.
    ///
    /// The machine owns the key: it borrows nothing from the credentials.
    /// A key of temporary credentials goes with its token:
    /// [`set_key_with_token`](Self::set_key_with_token).
    pub fn set_key(&mut self, key: SigningKey) {
        self.key = Some(key);
        self.token = None;
    }

    /// Gives a key of temporary credentials and their security token
    /// (sent, signed, with every request). The token is borrowed for the
    /// machine's lifetime `'a`; the key is owned. A token refused as
    /// [`SigningKey::with_token`] refuses it leaves the machine as it was.
    pub fn set_key_with_token(
        &mut self,
        key: SigningKey,
        token: &'a str,
    ) -> Result<(), crate::CredentialsError> {
        key.with_token(token)?;
        self.key = Some(key);
        self.token = Some(token);
        Ok(())
    }

    /// What to do next, at `now_ms` (ms since the Unix epoch; only
    /// differences and the key's window are read from it). A
    /// [`Poll::Send`] is in flight from here on: give its answer, or
    /// [`Answer::lost`] if it could not be sent.
    pub fn poll(&mut self, now_ms: u64) -> Poll {
        let request = match self.next() {
            Next::Send(r) => r,
            Next::Await => return Poll::AwaitAnswer,
            Next::Done => return Poll::Done,
        };
        if now_ms < self.pause_until {
            let ms = self.pause_until.saturating_sub(now_ms);
            return Poll::Wait {
                ms: u32::try_from(ms).unwrap_or(u32::MAX),
            };
        }
        if self.key_expiring(now_ms) {
            return Poll::NeedKey;
        }
        let failed = match request {
            Request::PartCopy(n) => match self.slot_mut(n) {
                Some(slot) => {
                    slot.set_sent();
                    let failed = slot.failed_attempts();
                    self.in_flight = self.in_flight.saturating_add(1);
                    failed
                }
                None => return Poll::AwaitAnswer,
            },
            _ => {
                self.busy = true;
                self.sent_at = now_ms;
                self.attempts
            }
        };
        Poll::Send(Job {
            request,
            attempt: failed.saturating_add(1),
        })
    }

    fn next(&mut self) -> Next {
        let single = |busy: bool, r: Request| if busy { Next::Await } else { Next::Send(r) };
        match self.stage {
            Stage::HeadSource => single(self.busy, Request::HeadSource),
            Stage::Initiate => single(self.busy, Request::Initiate),
            Stage::Parts => {
                if self.in_flight >= self.config.max_in_flight {
                    return Next::Await;
                }
                match self.next_todo() {
                    Some(n) => Next::Send(Request::PartCopy(n)),
                    None if self.in_flight > 0 => Next::Await,
                    None => {
                        // Every part is copied (the last answer moves on
                        // already; this is the same step, for safety).
                        self.stage = Stage::Complete;
                        single(self.busy, Request::Complete)
                    }
                }
            }
            Stage::Complete => single(self.busy, Request::Complete),
            Stage::Verify => single(self.busy, Request::HeadDestination),
            Stage::Abort if self.in_flight > 0 => Next::Await,
            Stage::Abort => single(self.busy, Request::Abort),
            Stage::Done if self.in_flight > 0 => Next::Await,
            Stage::Done => Next::Done,
        }
    }

    /// The number of the first part to send, moving the cursor to it.
    fn next_todo(&mut self) -> Option<u16> {
        let start = usize::from(self.first_todo);
        let offset = self
            .slots
            .get(start..)?
            .iter()
            .position(PartSlot::is_todo)?;
        let index = start.saturating_add(offset);
        self.first_todo = u16::try_from(index).ok()?;
        u16::try_from(index.saturating_add(1)).ok()
    }

    fn slot_mut(&mut self, number: u16) -> Option<&mut PartSlot> {
        self.slots.get_mut(usize::from(number).checked_sub(1)?)
    }

    /// The key with its token, if there is a key.
    fn signer(&self) -> Option<Signer<'_>> {
        let key = self.key.as_ref()?;
        // The token was checked by `set_key_with_token`.
        Some(Signer::checked(key, self.token))
    }

    fn key_expiring(&self, now_ms: u64) -> bool {
        let Some(key) = &self.key else { return true };
        let window = key.key_time();
        let margin = u64::from(self.config.key_margin_s).saturating_mul(1000);
        now_ms < window.start().saturating_mul(1000)
            || now_ms.saturating_add(margin) >= window.end().saturating_mul(1000)
    }

    /// The request of the current single-request stage.
    fn single_request(&self) -> Option<Request> {
        match self.stage {
            Stage::HeadSource => Some(Request::HeadSource),
            Stage::Initiate => Some(Request::Initiate),
            Stage::Complete => Some(Request::Complete),
            Stage::Verify => Some(Request::HeadDestination),
            Stage::Abort => Some(Request::Abort),
            Stage::Parts | Stage::Done => None,
        }
    }

    /// Takes `job` out of flight; `false` if it was not in flight.
    fn take(&mut self, job: Job) -> bool {
        if let Request::PartCopy(n) = job.request {
            let Some(slot) = self.slot_mut(n) else {
                return false;
            };
            if !slot.is_sent() || job.attempt != slot.failed_attempts().saturating_add(1) {
                return false;
            }
            let failed = slot.failed_attempts();
            slot.set_todo(failed);
            self.in_flight = self.in_flight.saturating_sub(1);
            let index = n.saturating_sub(1);
            self.first_todo = self.first_todo.min(index);
            return true;
        }
        if !self.busy
            || self.single_request() != Some(job.request)
            || job.attempt != self.attempts.saturating_add(1)
        {
            return false;
        }
        self.busy = false;
        true
    }

    /// Takes the answer to `job`, at `now_ms`, and says what it decided
    /// when there is something to say. For an exchange that failed, give
    /// [`Answer::lost`] with what is known of it.
    #[inline(never)]
    pub fn answer(&mut self, job: Job, now_ms: u64, answer: Answer<'_>) -> Option<Notice> {
        if !self.take(job) {
            return Some(Notice::NotInFlight);
        }
        let judged = judge(&answer);
        match job.request {
            Request::HeadSource => self.on_head_source(job, now_ms, judged),
            Request::Initiate => self.on_initiate(job, now_ms, judged),
            Request::PartCopy(n) if self.stage == Stage::Parts => {
                self.on_part(job, n, now_ms, judged)
            }
            // A part that answers after the copy failed: nothing to do.
            Request::PartCopy(_) => None,
            Request::Complete => self.on_complete(job, now_ms, judged),
            Request::HeadDestination => self.on_verify(job, now_ms, judged),
            Request::Abort => self.on_abort(job, now_ms, judged),
        }
    }

    fn on_head_source(&mut self, job: Job, now: u64, judged: Judged<'_>) -> Option<Notice> {
        let headers = match judged {
            Judged::Ok { headers, .. } => headers,
            Judged::Err {
                cause,
                retryable,
                request_id,
                ..
            } => return Some(self.retry_or_fail(job, now, cause, retryable, request_id)),
        };
        let found = headers.content_length;
        if found != Some(self.config.plan.object_size()) {
            let cause = Cause::Answer(AnswerError::SourceSize { found });
            return Some(self.fail(job, cause, headers.request_id));
        }
        let etag = headers.etag.filter(|e| ETag::new(e).is_ok());
        self.source_etag.clear();
        if etag.is_none_or(|e| crate::bytes::push_str(self.source_etag.as_mut_view(), e).is_err()) {
            let cause = Cause::Answer(AnswerError::SourceETag);
            return Some(self.fail(job, cause, headers.request_id));
        }
        self.advance(Stage::Initiate);
        None
    }

    fn on_initiate(&mut self, job: Job, now: u64, judged: Judged<'_>) -> Option<Notice> {
        let (headers, document) = match judged {
            Judged::Ok { headers, document } => (headers, document),
            Judged::Err {
                cause,
                retryable,
                ambiguous,
                request_id,
            } => {
                let notice = self.retry_or_fail(job, now, cause, retryable, request_id);
                if !ambiguous {
                    return Some(notice);
                }
                let resend_after_ms = match notice {
                    Notice::Retrying { after_ms, .. } => Some(after_ms),
                    _ => None,
                };
                return Some(self.orphan(resend_after_ms));
            }
        };
        let id = match document {
            Document::Initiate { upload_id } => upload_id,
            other => {
                // A success: an upload was made, but which one is unknown.
                self.fail(job, unusable(other), headers.request_id);
                return Some(self.orphan(None));
            }
        };
        self.upload_id.clear();
        if check_upload_id(id).is_err()
            || crate::bytes::push_str(self.upload_id.as_mut_view(), id).is_err()
        {
            self.upload_id.clear();
            let cause = Cause::Answer(AnswerError::UploadId);
            self.fail(job, cause, headers.request_id);
            return Some(self.orphan(None));
        }
        self.advance(Stage::Parts);
        Some(Notice::Initiated)
    }

    /// Counts a possible orphan sent at the current request's time.
    fn orphan(&mut self, resend_after_ms: Option<u32>) -> Notice {
        let since_ms = self.sent_at;
        let o = self.orphans.get_or_insert(Orphans { count: 0, since_ms });
        o.count = o.count.saturating_add(1);
        Notice::PossibleOrphan {
            since_ms,
            resend_after_ms,
        }
    }

    fn on_part(&mut self, job: Job, n: u16, now: u64, judged: Judged<'_>) -> Option<Notice> {
        let (headers, document) = match judged {
            Judged::Ok { headers, document } => (headers, document),
            Judged::Err {
                cause,
                retryable,
                request_id,
                ..
            } => return Some(self.retry_or_fail(job, now, cause, retryable, request_id)),
        };
        let Document::CopyPart { etag } = document else {
            return Some(self.fail(job, unusable(document), headers.request_id));
        };
        let stored = self.slot_mut(n).is_some_and(|slot| slot.set_done(etag));
        if !stored {
            let cause = Cause::Answer(AnswerError::PartETag);
            return Some(self.fail(job, cause, headers.request_id));
        }
        self.done = self.done.saturating_add(1);
        if self.done >= self.config.plan.part_count() {
            self.advance(Stage::Complete);
        }
        let bytes = self.config.plan.part(n).map_or(0, |r| r.len());
        Some(Notice::PartDone { number: n, bytes })
    }

    fn on_complete(&mut self, job: Job, now: u64, judged: Judged<'_>) -> Option<Notice> {
        let document = match judged {
            Judged::Ok { document, .. } => document,
            Judged::Err {
                cause,
                retryable,
                ambiguous,
                request_id,
            } => {
                if self.complete_unsure && cause.code() == Some(CosErrorCode::NoSuchUpload) {
                    // An earlier Complete may have finished the upload.
                    self.advance(Stage::Verify);
                    return Some(Notice::Verifying);
                }
                self.complete_unsure |= ambiguous;
                return Some(self.retry_or_fail(job, now, cause, retryable, request_id));
            }
        };
        let Document::Complete { etag } = document else {
            // A success whose result cannot be read: the merge may be
            // done. Only the destination can tell.
            self.complete_unsure = true;
            self.advance(Stage::Verify);
            return Some(Notice::Verifying);
        };
        let etag_matches = MultipartETag::of(self.slots).is_some_and(|m| m.matches(etag));
        self.finish(Outcome::Copied {
            confirmation: Confirmation::Answer,
            etag_matches,
        });
        None
    }

    fn on_verify(&mut self, job: Job, now: u64, judged: Judged<'_>) -> Option<Notice> {
        let headers = match judged {
            Judged::Ok { headers, .. } => headers,
            Judged::Err { cause, .. } if cause.status() == Some(404) => {
                self.finish(Outcome::Unknown(Unknown::DestinationMissing));
                return None;
            }
            Judged::Err {
                cause,
                retryable: true,
                ..
            } if job.attempt < self.config.retry.max_attempts => {
                return Some(self.retry(job, now, cause));
            }
            Judged::Err { cause, .. } => {
                self.finish(Outcome::Unknown(Unknown::NoEvidence(cause)));
                return None;
            }
        };
        let Some(etag) = headers.etag else {
            let cause = Cause::Answer(AnswerError::DestinationETag);
            self.finish(Outcome::Unknown(Unknown::NoEvidence(cause)));
            return None;
        };
        let outcome = if MultipartETag::of(self.slots).is_some_and(|m| m.matches(etag)) {
            Outcome::Copied {
                confirmation: Confirmation::DestinationETag,
                etag_matches: true,
            }
        } else {
            Outcome::Unknown(Unknown::DestinationDiffers)
        };
        self.finish(outcome);
        None
    }

    fn on_abort(&mut self, job: Job, now: u64, judged: Judged<'_>) -> Option<Notice> {
        let abort = match judged {
            Judged::Ok { .. } => AbortOutcome::Aborted,
            Judged::Err { cause, .. } if cause.code() == Some(CosErrorCode::NoSuchUpload) => {
                AbortOutcome::AlreadyGone
            }
            Judged::Err {
                cause,
                retryable: true,
                ..
            } if job.attempt < self.config.retry.max_attempts => {
                return Some(self.retry(job, now, cause));
            }
            Judged::Err { cause, .. } => AbortOutcome::Failed(cause),
        };
        if let Some(Outcome::Failed { abort: slot, .. }) = &mut self.outcome {
            *slot = abort;
        }
        self.advance(Stage::Done);
        None
    }

    /// The next stage, its single request not yet sent.
    fn advance(&mut self, stage: Stage) {
        self.stage = stage;
        self.attempts = 0;
        self.busy = false;
    }

    fn finish(&mut self, outcome: Outcome) {
        self.outcome = Some(outcome);
        self.advance(Stage::Done);
    }

    /// Schedules `job` again, or fails the copy (or, for a Complete that
    /// may have been carried out, looks at the destination).
    fn retry_or_fail(
        &mut self,
        job: Job,
        now: u64,
        cause: Cause,
        retryable: bool,
        request_id: Option<&str>,
    ) -> Notice {
        if retryable && job.attempt < self.config.retry.max_attempts {
            return self.retry(job, now, cause);
        }
        // A Complete that may have been carried out and keeps failing in
        // ways that may pass: only the destination can tell. (A definite
        // refusal, such as InvalidPart, means the upload is still there.)
        if job.request == Request::Complete && self.complete_unsure && retryable {
            self.advance(Stage::Verify);
            return Notice::Verifying;
        }
        self.fail(job, cause, request_id)
    }

    fn retry(&mut self, job: Job, now: u64, cause: Cause) -> Notice {
        let after_ms = self.backoff(job.attempt);
        self.pause_until = self
            .pause_until
            .max(now.saturating_add(u64::from(after_ms)));
        self.retries = self.retries.saturating_add(1);
        match job.request {
            Request::PartCopy(n) => {
                if let Some(slot) = self.slot_mut(n) {
                    slot.set_todo(job.attempt);
                }
            }
            _ => self.attempts = job.attempt,
        }
        Notice::Retrying {
            request: job.request,
            attempt: job.attempt,
            after_ms,
            cause,
        }
    }

    /// The pause after failed attempt `failed`, with equal jitter when the
    /// caller gave entropy: half the delay, plus up to the other half.
    fn backoff(&mut self, failed: u8) -> u32 {
        let d = self.config.retry.delay_ms(failed);
        if self.rng == 0 {
            return d;
        }
        // xorshift32: never 0 from a non-zero state.
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.rng = x;
        let half = d / 2;
        let spread = d.saturating_sub(half).saturating_add(1);
        half.saturating_add(x.checked_rem(spread).unwrap_or(0))
    }

    fn fail(&mut self, job: Job, cause: Cause, request_id: Option<&str>) -> Notice {
        let failure = Failure {
            request: job.request,
            attempts: job.attempt,
            cause,
            request_id: request_id.map_or(ShortText::EMPTY, ShortText::new),
        };
        self.outcome = Some(Outcome::Failed {
            failure,
            abort: AbortOutcome::NotNeeded,
        });
        // With an upload, the abort's result replaces `NotNeeded`.
        let next = if self.upload_id.is_empty() {
            Stage::Done
        } else {
            Stage::Abort
        };
        self.advance(next);
        Notice::Failed(failure)
    }

    /// Signs the request of `job` into a [`SignedRequest`] (for an HTTP
    /// client that takes headers); its body is
    /// [`body`](Self::body)'s. Formatted values go into
    /// `scratch`; a too-small one is [`CopyError::Output`] with the size
    /// needed.
    pub fn sign<'s>(
        &'s self,
        job: Job,
        scratch: &'s mut [u8],
    ) -> Result<SignedRequest<'s>, CopyError> {
        let p = self.prepare(job, scratch)?;
        let used = p.used;
        let mut out = SignedRequest::blank(Method::Head);
        self.sign_prepared(p, &mut out)
            .map_err(|e| needing(e, used))?;
        Ok(out)
    }

    /// Everything `job`'s request needs that can fail for a reason other
    /// than the builder's: the key, the upload id, the part's range, the
    /// source's ETag, the Complete body's length, a parsed source's key
    /// decoded into the front of `scratch`.
    fn prepare<'s>(&'s self, job: Job, scratch: &'s mut [u8]) -> Result<Prepared<'s>, CopyError> {
        let key = self.signer().ok_or(CopyError::NoKey)?;
        let needs_upload = matches!(
            job.request,
            Request::PartCopy(_) | Request::Complete | Request::Abort
        );
        if needs_upload && self.upload_id.is_empty() {
            return Err(CopyError::NotReady);
        }
        let c = &self.config;
        let mut used = 0;
        let (what, scratch) = match job.request {
            Request::HeadSource => {
                let (object, rest) = match c.source.raw_key() {
                    Some(k) => (k, scratch),
                    None => {
                        used = c.source.decoded_key_len();
                        let Some((buf, rest)) = scratch.split_at_mut_checked(used) else {
                            return Err(self.head_source_needs(key, used));
                        };
                        let object = c.source.decode_key(buf).map_err(CopyError::SourceKey)?;
                        (object, rest)
                    }
                };
                (What::HeadSource(object), rest)
            }
            Request::Initiate => (What::Initiate, scratch),
            Request::PartCopy(n) => {
                let range = c.plan.part(n).ok_or(CopyError::NotReady)?;
                let etag = ETag::new(&self.source_etag).map_err(|_| CopyError::NotReady)?;
                (What::Part(n, range, etag), scratch)
            }
            Request::Complete => (What::Complete(self.complete_body()?.len()), scratch),
            Request::HeadDestination => (What::HeadDestination, scratch),
            Request::Abort => (What::Abort, scratch),
        };
        Ok(Prepared {
            key,
            what,
            scratch,
            used,
        })
    }

    /// The scratch a parsed source's HEAD needs when its decoded key
    /// (`len` bytes) does not even fit: the key, and what signing needs
    /// with a key of that length. Lengths are all that count there, so the
    /// encoded key's first `len` bytes stand in for it.
    #[cold]
    fn head_source_needs(&self, key: Signer<'_>, len: usize) -> CopyError {
        let c = &self.config;
        let stand_in = c.source.encoded_key().and_then(|k| k.get(..len));
        // Through `sign_prepared`, the one place the copy machine signs.
        let rest = stand_in.map_or(Ok(()), |k| {
            let p = Prepared {
                key,
                what: What::HeadSource(k),
                scratch: &mut [],
                used: len,
            };
            self.sign_prepared(p, &mut SignedRequest::blank(Method::Head))
        });
        match rest {
            Err(e) => needing(e, len),
            Ok(()) => CopyError::Output(OutputError::BufferTooSmall { needed: len }),
        }
    }

    /// Builds and signs a prepared request into `out`. Each builder fills
    /// the caller's [`SignedRequest`] where it lies: no copy of its few
    /// hundred bytes on the way, and no `Result` carrying one.
    #[inline(never)]
    fn sign_prepared<'s>(
        &'s self,
        p: Prepared<'s>,
        out: &mut SignedRequest<'s>,
    ) -> Result<(), RequestError> {
        let c = &self.config;
        let mut arena = Arena::new(p.scratch);
        let arena = &mut arena;
        let upload_id = self.upload_id.as_str();
        match p.what {
            What::HeadSource(object) => {
                let mut head = HeadObject::new(c.source_host, object);
                head.version_id = c.source.version_id();
                head.fill(out, arena)?;
            }
            What::Initiate => initiate(
                InitiateMultipartUpload::new(c.destination, c.key),
                out,
                arena,
            )?,
            What::Part(n, range, etag) => {
                let mut r = UploadPartCopy::new(c.destination, c.key, n, upload_id, c.source)
                    .with_range(range)
                    .with_condition(CopyCondition::Match(etag));
                r.source_customer_key = c.source_customer_key;
                r.fill(out, arena)?;
            }
            What::Complete(len) => complete(
                CompleteMultipartUpload::new(c.destination, c.key, upload_id, len),
                out,
                arena,
            )?,
            What::HeadDestination => HeadObject::new(c.destination, c.key).fill(out, arena)?,
            What::Abort => abort(
                AbortMultipartUpload::new(c.destination, c.key, upload_id),
                out,
                arena,
            )?,
        }
        out.seal(p.key, arena)
    }

    fn complete_body(&self) -> Result<CompleteBody<PartETags<'_>>, CopyError> {
        if self.done < self.config.plan.part_count() {
            return Err(CopyError::NotReady);
        }
        Ok(CompleteBody::new(PartETags::new(self.slots))?)
    }

    /// `job`'s body, an [`Output`]: Complete's XML, empty for the
    /// others. Its [`len`](Output::len) is the `Content-Length`;
    /// [`write_to`](Output::write_to) streams it piece by piece, so no
    /// buffer needs to hold a body of thousands of parts.
    pub fn body(&self, job: Job) -> Result<JobBody<'_>, CopyError> {
        match job.request {
            Request::Complete => Ok(JobBody(Some(self.complete_body()?))),
            _ => Ok(JobBody(None)),
        }
    }

    /// Signs `job` and writes its head then its body into `out`: the bytes
    /// to send. Formatted values go into `scratch` first. A too-small
    /// buffer is [`CopyError::Output`] with the size it needs (`out`:
    /// head and body together); the job stays in flight (retry with a
    /// larger buffer, or answer it [`Answer::lost`]`(false, false)`).
    pub fn write_request<'o>(
        &self,
        job: Job,
        scratch: &mut [u8],
        out: &'o mut [u8],
    ) -> Result<Wire<'o>, CopyError> {
        let body = self.body(job);
        let body_len = body.as_ref().map_or(0, Output::len);
        let (head, rest) = self.head_into(job, scratch, out, body_len)?;
        let needed = head.len().saturating_add(body_len);
        let too_small = CopyError::Output(OutputError::BufferTooSmall { needed });
        let body = body?.to_slice(rest).map_err(|_| too_small)?.as_bytes();
        Ok(Wire { head, body })
    }

    /// Signs `job` and writes its head alone (request line, headers, blank
    /// line) into `out`; send its body after it with
    /// [`body`](Self::body). Buffers as for
    /// [`write_request`](Self::write_request), `out` holding the head only.
    pub fn write_head<'o>(
        &self,
        job: Job,
        scratch: &mut [u8],
        out: &'o mut [u8],
    ) -> Result<&'o [u8], CopyError> {
        self.head_into(job, scratch, out, 0).map(|(head, _)| head)
    }

    /// The head written at the front of `out`, and the rest of `out`; a
    /// too-small `out` needs the head and `extra` bytes more.
    fn head_into<'o>(
        &self,
        job: Job,
        scratch: &mut [u8],
        out: &'o mut [u8],
        extra: usize,
    ) -> Result<(&'o [u8], &'o mut [u8]), CopyError> {
        let p = self.prepare(job, scratch)?;
        let used = p.used;
        // Filled in place: one SignedRequest on the stack.
        let mut signed = SignedRequest::blank(Method::Head);
        if let Err(e) = self.sign_prepared(p, &mut signed) {
            return Err(needing(e, used));
        }
        let signed = &signed;
        let head_len = signed.head().len();
        let needed = head_len.saturating_add(extra);
        let too_small = CopyError::Output(OutputError::BufferTooSmall { needed });
        let (head, rest) = out.split_at_mut_checked(head_len).ok_or(too_small)?;
        let head = signed.head().to_slice(head)?.as_bytes();
        Ok((head, rest))
    }

    /// The `Host` of `job`'s request: the source's for its HEAD
    /// ([`CopyConfig::source_host`]), the destination's for the others.
    /// Requests to the same host may share a connection.
    #[must_use]
    pub fn host(&self, job: Job) -> Host<'a> {
        match job.request {
            Request::HeadSource => self.config.source_host,
            _ => self.config.destination,
        }
    }

    /// How the copy ended, once [`poll`](Self::poll) said [`Poll::Done`].
    #[must_use]
    pub fn outcome(&self) -> Option<&Outcome> {
        let done = self.stage == Stage::Done && self.in_flight == 0;
        self.outcome.as_ref().filter(|_| done)
    }

    /// Uploads Initiate may have created without their id arriving.
    #[must_use]
    pub fn possible_orphans(&self) -> Option<Orphans> {
        self.orphans
    }

    /// The upload's id, once Initiate answered.
    #[must_use]
    pub fn upload_id(&self) -> Option<&str> {
        Some(self.upload_id.as_str()).filter(|s| !s.is_empty())
    }

    /// The source's ETag the parts are conditioned on, once known.
    #[must_use]
    pub fn source_etag(&self) -> Option<&str> {
        Some(self.source_etag.as_str()).filter(|s| !s.is_empty())
    }

    /// The ETag COS gives the finished object, once every part is copied.
    #[must_use]
    pub fn multipart_etag(&self) -> Option<MultipartETag> {
        MultipartETag::of(self.slots)
    }

    /// The part records, in part order.
    #[must_use]
    pub fn parts(&self) -> &[PartSlot] {
        self.slots
    }

    /// Parts copied so far.
    #[must_use]
    pub fn parts_done(&self) -> u16 {
        self.done
    }

    /// Parts out now.
    #[must_use]
    pub fn in_flight(&self) -> u16 {
        self.in_flight
    }

    /// Requests sent again so far.
    #[must_use]
    pub fn retries(&self) -> u16 {
        self.retries
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &CopyConfig<'a> {
        &self.config
    }
}

/// The progress, never the key's secrets (the key shows its SecretId and
/// window only) nor the part records one by one.
/// A job's body: see [`CopyMachine::body`]. Holds ETags and part numbers
/// only, nothing secret.
#[derive(Clone)]
#[must_use]
pub struct JobBody<'m>(Option<CompleteBody<PartETags<'m>>>);

impl Emit for JobBody<'_> {
    fn emit(&self, out: &mut dyn Sink) -> Result<(), OutputError> {
        self.0.as_ref().map_or(Ok(()), |b| b.emit(out))
    }
}

impl Output for JobBody<'_> {
    fn len(&self) -> usize {
        self.0.as_ref().map_or(0, Output::len)
    }
}

impl fmt::Display for JobBody<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        crate::sink::display(self, f)
    }
}

impl fmt::Debug for CopyMachine<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CopyMachine")
            .field("config", &self.config)
            .field("key", &self.key)
            .field("stage", &self.stage)
            .field("upload_id", &self.upload_id())
            .field("parts", &self.slots.len())
            .field("done", &self.done)
            .field("in_flight", &self.in_flight)
            .field("retries", &self.retries)
            .field("outcome", &self.outcome)
            .finish_non_exhaustive()
    }
}

#[cfg(feature = "defmt")]
#[cfg_attr(docsrs, doc(cfg(feature = "defmt")))]
impl defmt::Format for CopyMachine<'_, '_> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "CopyMachine {{ stage: {}, parts: {=usize}, done: {=u16}, in_flight: {=u16}, retries: {=u16}, outcome: {} }}",
            self.stage,
            self.slots.len(),
            self.done,
            self.in_flight,
            self.retries,
            self.outcome
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::response::ResponseError;
    use crate::xml::{XmlError, XmlErrorKind};

    #[test]
    fn delays_double_up_to_the_cap() {
        let p = RetryPolicy::DEFAULT;
        let got: Vec<u32> = (1..=7).map(|a| p.delay_ms(a)).collect();
        assert_eq!(got, [200, 400, 800, 1600, 3200, 5000, 5000]);
        let wide = RetryPolicy {
            max_attempts: 255,
            base_delay_ms: u32::MAX,
            max_delay_ms: u32::MAX,
        };
        assert_eq!(wide.delay_ms(255), u32::MAX);
        assert_eq!(wide.delay_ms(0), u32::MAX);
    }

    fn judged(answer: Answer<'_>) -> (Option<Cause>, bool, bool) {
        match judge(&answer) {
            Judged::Ok { .. } => (None, false, false),
            Judged::Err {
                cause,
                retryable,
                ambiguous,
                ..
            } => (Some(cause), retryable, ambiguous),
        }
    }

    #[test]
    fn answers_are_sorted_by_status_code_and_loss() {
        let h = Headers::default();
        let error = |code| Document::Error {
            code,
            request_id: None,
        };
        let service = |status, code| {
            Some(Cause::Service {
                status,
                code: ShortText::new(code),
            })
        };
        let cut = ResponseError::Xml(XmlError {
            kind: XmlErrorKind::Incomplete,
            offset: 3,
        });
        let cases = [
            // (answer, cause, retryable, ambiguous)
            (Answer::response(200, h, Document::None), None, false, false),
            (
                Answer::response(200, h, error("SlowDown")),
                service(200, "SlowDown"),
                true,
                false,
            ),
            (
                Answer::response(200, h, error("AccessDenied")),
                service(200, "AccessDenied"),
                false,
                false,
            ),
            (
                Answer::response(503, h, error("Weird")),
                service(503, "Weird"),
                true,
                false,
            ),
            (
                Answer::response(404, h, error("NoSuchUpload")),
                service(404, "NoSuchUpload"),
                false,
                false,
            ),
            // A gateway's 502: COS may have done the work.
            (
                Answer::response(502, h, Document::None),
                service(502, ""),
                true,
                true,
            ),
            (
                Answer::response(429, h, Document::None),
                service(429, ""),
                true,
                false,
            ),
            (
                Answer::response(403, h, Document::None),
                service(403, ""),
                false,
                false,
            ),
            // A success cut short is a lost answer.
            (
                Answer::response(200, h, Document::Unreadable(cut)),
                Some(Cause::Transport {
                    request_sent: true,
                    answer_started: true,
                }),
                true,
                true,
            ),
            (
                Answer::lost(false, false),
                Some(Cause::Transport {
                    request_sent: false,
                    answer_started: false,
                }),
                true,
                false,
            ),
            (
                Answer::lost(true, false),
                Some(Cause::Transport {
                    request_sent: true,
                    answer_started: false,
                }),
                true,
                true,
            ),
        ];
        for (answer, cause, retryable, ambiguous) in cases {
            assert_eq!(judged(answer), (cause, retryable, ambiguous), "{answer:?}");
        }
    }

    #[test]
    fn jitter_stays_within_the_delay() {
        let plan = CopyPlan::new(1 << 20, 1 << 20).unwrap_or_else(|_| unreachable!());
        let source =
            CopySource::new("s-1250000000", "ap-guangzhou", "k").unwrap_or_else(|_| unreachable!());
        let mut config = CopyConfig::new(source, Host::Custom("h"), "k", plan);
        config.jitter_seed = 7;
        let mut slots = [PartSlot::EMPTY];
        let mut m = CopyMachine::new(config, &mut slots).unwrap_or_else(|_| unreachable!());
        let mut seen = Vec::new();
        for failed in 1..=6 {
            let d = RetryPolicy::DEFAULT.delay_ms(failed);
            for _ in 0..200 {
                let j = m.backoff(failed);
                assert!((d / 2..=d).contains(&j), "{j} for {d}");
                seen.push(j);
            }
        }
        seen.sort_unstable();
        seen.dedup();
        assert!(seen.len() > 100, "the pauses spread");
    }
}
