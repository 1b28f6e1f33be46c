//! A whole multipart copy over blocking [`embedded_io`] connections
//! (feature `embedded-io`): no heap, no clock, no sockets of its own.
//!
//! [`run_copy`] drives a [`CopyMachine`] to its [`Outcome`]: it writes each
//! request on a connection your [`Transport`] opens, reads the answer with
//! the crate's [`http1::Reader`] and [`ResponseReader`], and gives the
//! machine what happened on the wire. Time, pauses and signing keys come
//! from the [`Transport`] too.
//!
//! - **Connections** are reused while an answer allows it
//!   ([`http1::Reader::reusable`]: HTTP/1.1 or keep-alive, no
//!   `Connection: close`, the body read to its end) and dropped (closed)
//!   otherwise. A HEAD of a source on another host gets its own.
//! - **Several in flight.** Each [`Lane`] is one connection carrying one
//!   request at a time. With several lanes, the requests that may go
//!   together (the parts, up to [`CopyConfig::max_in_flight`](crate::copy::CopyConfig::max_in_flight)) are all
//!   written before the first answer is read, so COS works on them at
//!   once; answers are then read lane by lane in the order their requests
//!   went out. One lane is one request at a time.
//! - **What the machine is told** is what happened: a request that could
//!   not be written whole (connect failure, write error, a `write` that
//!   took nothing) is [`Answer::lost`]`(false, false)`: COS cannot have
//!   acted on it. A connection that failed or closed before the first byte
//!   of an answer ([`Http1Error::ClosedBeforeAnswer`], a read error) is
//!   `lost(true, false)`; one cut inside an answer, or an answer that is
//!   not HTTP, is `lost(true, true)`. The machine decides from these
//!   whether a request may be sent again (Initiate and Complete are not
//!   resent without a [`Notice`], and never silently on a fresh
//!   connection).
//! - **Bodies** are streamed: Complete's XML goes out through the I/O
//!   buffer whatever its length.
//!
//! # Buffers
//!
//! All storage is the caller's ([`Buffers`], [`Lane`]s): `scratch` holds a
//! request's formatted values while it is signed, then the head of its
//! answer (1 KiB is ample for COS: heads are under 1 KiB, signing needs
//! under 300 bytes); `io` holds the request head (about 1 KiB for an
//! UploadPartCopy with a long key and a token) and then each read from
//! the connection; [`DocumentBuffer`] reads the XML documents. The stack
//! holds the answer's header index ([`MAX_ANSWER_HEADERS`] entries, 16
//! bytes each on 32-bit targets).
//!
//! ```
//! use tencent_cos_core::copy::{CopyConfig, CopyMachine, Notice, PartSlot};
//! use tencent_cos_core::io::{Buffers, DocumentBuffer, Lane, Transport, run_copy};
//! use tencent_cos_core::{CopyPlan, CopySource, Credentials, Host, KeyTime, SigningKey};
//! # use embedded_io::{ErrorType, Read, Write};
//! # /// A connection that answers from a script, 7 bytes a read (a real
//! # /// one is a TCP or TLS stream).
//! # struct Canned { next: usize, pos: usize }
//! # impl ErrorType for Canned { type Error = core::convert::Infallible; }
//! # impl Write for Canned {
//! #     fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> { Ok(buf.len()) }
//! #     fn flush(&mut self) -> Result<(), Self::Error> { Ok(()) }
//! # }
//! # impl Read for Canned {
//! #     fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
//! #         let answer = ANSWERS.get(self.next).copied().unwrap_or_default();
//! #         let n = buf.len().min(answer.len() - self.pos).min(7);
//! #         buf[..n].copy_from_slice(&answer[self.pos..self.pos + n]);
//! #         self.pos += n;
//! #         if self.pos == answer.len() { (self.next, self.pos) = (self.next + 1, 0); }
//! #         Ok(n)
//! #     }
//! # }
//! # const ANSWERS: &[&[u8]] = &[
//! #     b"HTTP/1.1 200 OK\r\nContent-Length: 1048576\r\nETag: \"5eb63bbbe01eeed093cb22bb8f5acdc3\"\r\n\r\n",
//! #     b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3c\r\n<InitiateMultipartUploadResult><UploadId>1700000000abc</Uplo\r\n26\r\nadId></InitiateMultipartUploadResult>\n\r\n0\r\n\r\n",
//! #     b"HTTP/1.1 200 OK\r\nContent-Length: 80\r\n\r\n<CopyPartResult><ETag>\"9b2cf535f27731c974343645a3985328\"</ETag></CopyPartResult>",
//! #     b"HTTP/1.1 200 OK\r\nContent-Length: 114\r\n\r\n  <CompleteMultipartUploadResult><ETag>\"d41d8cd98f00b204e9800998ecf8427e-1\"</ETag></CompleteMultipartUploadResult>",
//! # ];
//!
//! /// The caller's side: connections, time, keys.
//! struct Device<'c> {
//!     creds: &'c Credentials<'c>,
//!     now_ms: u64,
//! }
//!
//! impl<'c> Transport<'c> for Device<'c> {
//!     type Connection = Canned; // your TCP (or TLS) stream
//!
//!     fn connect(&mut self, host: Host<'_>) -> Option<Canned> {
//!         // Resolve the host, connect, set timeouts.
//! #       // The source's HEAD goes to its own host.
//! #       let to_source = matches!(host, Host::Bucket { bucket: "sourcebucket-1250000000", .. });
//! #       Some(Canned { next: if to_source { 0 } else { 1 }, pos: 0 })
//!     }
//!     fn now_ms(&mut self) -> u64 {
//!         self.now_ms
//!     }
//!     fn sleep_ms(&mut self, ms: u32) {
//!         self.now_ms += u64::from(ms);
//!     }
//!     fn signing_key(&mut self, now_ms: u64) -> Option<SigningKey> {
//!         let window = KeyTime::from_now(now_ms / 1000, 3600, 60).ok()?;
//!         Some(SigningKey::new(self.creds, window))
//!     }
//!     fn notice(&mut self, notice: &Notice) {
//!         // Progress, retries, POSTs resent: log them.
//! #       let _ = notice;
//!     }
//! }
//!
//! let creds = Credentials::new("AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q", "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz")?;
//! let source = CopySource::new("sourcebucket-1250000000", "ap-guangzhou", "big.bin")?;
//! let plan = CopyPlan::new(1 << 20, 1 << 20)?;
//! let config = CopyConfig::new(source, Host::bucket("examplebucket-1250000000", "ap-guangzhou"), "copy.bin", plan);
//! let mut slots = [PartSlot::EMPTY; 1];
//! let mut machine = CopyMachine::new(config, &mut slots)?;
//!
//! let (mut scratch, mut io) = ([0u8; 1024], [0u8; 1536]);
//! let mut document = DocumentBuffer::<128, 0>::new();
//! let buffers = Buffers { scratch: &mut scratch, io: &mut io, document: &mut document };
//! let mut lanes = [Lane::new()]; // one connection
//! let mut device = Device { creds: &creds, now_ms: 1_700_000_000_000 };
//! let outcome = run_copy(&mut machine, &mut device, buffers, &mut lanes)?;
//! assert!(outcome.is_copied(), "{outcome:?}");
//! # Ok::<(), Box<dyn core::error::Error>>(())
//! ```
//!
//! For an HTTP client that is not an [`embedded_io`] stream, drive the
//! machine yourself (see [`copy`](crate::copy)); with `std`, the `http`
//! feature converts its requests and answers to the `http` crate's types.

use crate::copy::{
    Answer, CopyError, CopyMachine, Document, Headers, Job, Notice, Outcome, Poll, Request,
};
use crate::http1::{self, BodySink, EMPTY_HEADER, Event, Head, Http1Error};
use crate::request::Host;
use crate::response::{Response, ResponseError, ResponseReader};
use crate::sign::SigningKey;
use crate::sink::Output;
use core::fmt;
use embedded_io::{Read, Write};

/// The header index of an answer: the most header lines an answer may have
/// (COS sends about 15). More is [`Http1Error::TooManyHeaders`], a lost
/// answer.
pub const MAX_ANSWER_HEADERS: usize = 32;

/// What a copy needs from the caller besides the machine and the buffers:
/// connections, the time, pauses and signing keys. `'a` is the machine's
/// (a security token of temporary credentials must live as long; the
/// keys are owned).
pub trait Transport<'a> {
    /// A connection: a TCP or TLS stream, blocking (reads wait for data;
    /// give it a timeout so that a silent server ends in an error).
    type Connection: Read + Write;

    /// Opens a connection to `host` (write it with
    /// [`Host::write_to`]; port 443 with TLS, or 80). `None` when it cannot
    /// be opened: the request it was for counts as not sent.
    fn connect(&mut self, host: Host<'_>) -> Option<Self::Connection>;

    /// The time, in milliseconds since the Unix epoch (signing windows are
    /// read from it; pauses from its differences).
    fn now_ms(&mut self) -> u64;

    /// Waits `ms` milliseconds (a retry's pause).
    fn sleep_ms(&mut self, ms: u32);

    /// A fresh signing key valid at `now_ms` (for temporary credentials,
    /// with a window that ends before they do). `None` stops the copy:
    /// [`RunError::NoKey`].
    fn signing_key(&mut self, now_ms: u64) -> Option<SigningKey>;

    /// The security token of the temporary credentials the last
    /// [`signing_key`](Self::signing_key) was made from (`None`, the
    /// default, for permanent credentials). Borrowed for `'a`, the
    /// machine's lifetime.
    fn security_token(&mut self) -> Option<&'a str> {
        None
    }

    /// What the machine decided about an answer (progress, a retry, a POST
    /// resent, a possible orphan, the failure).
    fn notice(&mut self, notice: &Notice) {
        let _ = notice;
    }

    /// An exchange failed on the wire, before the machine is told (for
    /// logs).
    fn wire_error(
        &mut self,
        job: Job,
        error: &WireError<<Self::Connection as embedded_io::ErrorType>::Error>,
    ) {
        let _ = (job, error);
    }

    /// An answer was read whole, before the machine is told: its head and
    /// its document (`None` without a body). For what the machine does not
    /// look at, such as [`explain`](crate::explain()) on a
    /// `SignatureDoesNotMatch`.
    fn answered<const N: usize, const D: usize>(
        &mut self,
        job: Job,
        head: &Head<'_>,
        document: Option<&Result<Response<N, D>, ResponseError>>,
    ) {
        let _ = (job, head, document);
    }
}

/// How an exchange failed on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum WireError<E> {
    /// [`Transport::connect`] gave no connection.
    Connect,
    /// A write failed: the request was not sent whole.
    Write(E),
    /// A write took no byte: the request was not sent whole.
    WriteZero,
    /// The flush after the request failed: it may or may not have gone out.
    Flush(E),
    /// A read failed.
    Read(E),
    /// The answer is not well-formed HTTP/1.1, or the connection closed
    /// before its end.
    Http(Http1Error),
}

impl<E: fmt::Debug> fmt::Display for WireError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Connect => f.write_str("could not connect"),
            Self::Write(e) => write!(f, "write failed: {e:?}"),
            Self::WriteZero => f.write_str("write took no byte"),
            Self::Flush(e) => write!(f, "flush failed: {e:?}"),
            Self::Read(e) => write!(f, "read failed: {e:?}"),
            Self::Http(e) => fmt::Display::fmt(e, f),
        }
    }
}

impl<E: fmt::Debug> core::error::Error for WireError<E> {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Http(e) => Some(e),
            _ => None,
        }
    }
}

/// Why [`run_copy`] stopped before the copy's end. The machine is left
/// where it was: its [`upload_id`](CopyMachine::upload_id) names an
/// upload to abort, if one was started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum RunError {
    /// [`Transport::signing_key`] gave no key, or
    /// [`Transport::security_token`] a token the key refused
    /// ([`CopyMachine::set_key_with_token`]).
    NoKey,
    /// A request could not be written into the buffers (too small: with
    /// the size needed), or not built.
    Request(CopyError),
    /// No lane, or an empty `io` buffer.
    NoRoom,
    /// The machine waits for an answer no lane is reading (it was driven
    /// elsewhere too).
    Stalled,
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoKey => f.write_str("no signing key"),
            Self::Request(e) => write!(f, "request: {e}"),
            Self::NoRoom => f.write_str("no lane or no I/O buffer"),
            Self::Stalled => f.write_str("the machine awaits an answer no lane reads"),
        }
    }
}

impl core::error::Error for RunError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Request(e) => Some(e),
            _ => None,
        }
    }
}

impl From<CopyError> for RunError {
    fn from(e: CopyError) -> Self {
        Self::Request(e)
    }
}

/// Reads the XML documents of answers: a [`ResponseReader`] and the last
/// document it read, kept by the caller (about `5 × N + 2 × D` bytes
/// each) rather than on the stack. `N` is the capacity of a value: 128
/// keeps every value a copy needs whole (upload ids, ETags, error codes);
/// `D` that of the server's `StringToSign` and `FormatString`, which only
/// [`explain`](crate::explain()) reads (0 cuts them).
#[derive(Debug, Clone)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct DocumentBuffer<const N: usize, const D: usize = N> {
    reader: ResponseReader<N, D>,
    read: Option<Result<Response<N, D>, ResponseError>>,
}

impl<const N: usize, const D: usize> DocumentBuffer<N, D> {
    /// An empty buffer.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            reader: ResponseReader::new(),
            read: None,
        }
    }

    /// The last document read, if the last answer had a body.
    #[must_use]
    pub fn last(&self) -> Option<&Result<Response<N, D>, ResponseError>> {
        self.read.as_ref()
    }
}

impl<const N: usize, const D: usize> Default for DocumentBuffer<N, D> {
    fn default() -> Self {
        Self::new()
    }
}

/// The caller's buffers for [`run_copy`] ([`write_request`] and [`read_answer`] take them one by one). See the
/// [module](self) documentation for their sizes.
#[derive(Debug)]
pub struct Buffers<'b, const N: usize, const D: usize> {
    /// Signing's formatted values, then the answer's head.
    pub scratch: &'b mut [u8],
    /// The request's head (and body, streamed through it), then the
    /// reads from the connection.
    pub io: &'b mut [u8],
    /// The documents.
    pub document: &'b mut DocumentBuffer<N, D>,
}

/// One connection and the request it carries. Give [`run_copy`] as many
/// as requests may be in flight at once: `[const { Lane::new() }; 4]`.
pub struct Lane<C> {
    conn: Option<C>,
    /// The connection goes to the source's host (a HEAD of the source).
    to_source: bool,
    job: Option<Job>,
    /// When the job went out, in sending order.
    order: u32,
}

impl<C> Lane<C> {
    /// A lane without a connection.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            conn: None,
            to_source: false,
            job: None,
            order: 0,
        }
    }

    /// Whether it holds an open connection.
    pub const fn is_connected(&self) -> bool {
        self.conn.is_some()
    }

    /// The request it carries, if any.
    pub const fn job(&self) -> Option<Job> {
        self.job
    }
}

impl<C> Default for Lane<C> {
    fn default() -> Self {
        Self::new()
    }
}

/// Shows the state, not the connection.
impl<C> fmt::Debug for Lane<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lane")
            .field("connected", &self.conn.is_some())
            .field("to_source", &self.to_source)
            .field("job", &self.job)
            .finish_non_exhaustive()
    }
}

#[cfg(feature = "defmt")]
#[cfg_attr(docsrs, doc(cfg(feature = "defmt")))]
impl<C> defmt::Format for Lane<C> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "Lane {{ connected: {=bool}, to_source: {=bool}, job: {} }}",
            self.conn.is_some(),
            self.to_source,
            self.job
        )
    }
}

/// Runs `machine` to its end over the connections `transport` opens, one
/// request per lane at a time (see the [module](self) documentation).
///
/// Returns the [`Outcome`]; an error only when the copy cannot go on
/// (no key, buffers too small): then the machine is left where it was.
pub fn run_copy<'a, T, const N: usize, const D: usize>(
    machine: &mut CopyMachine<'a, '_>,
    transport: &mut T,
    buffers: Buffers<'_, N, D>,
    lanes: &mut [Lane<T::Connection>],
) -> Result<Outcome, RunError>
where
    T: Transport<'a>,
{
    let Buffers {
        scratch,
        io,
        document,
    } = buffers;
    if lanes.is_empty() || io.is_empty() {
        return Err(RunError::NoRoom);
    }
    let mut order = 0u32;
    loop {
        let busy = lanes.iter().any(|l| l.job.is_some());
        if lanes.iter().any(|l| l.job.is_none()) {
            let now = transport.now_ms();
            match machine.poll(now) {
                Poll::Send(job) => {
                    order = order.wrapping_add(1);
                    let lane = lane_for(lanes, machine, job);
                    if let Some(lane) = lanes.get_mut(lane) {
                        lane.order = order;
                        send(machine, transport, job, lane, scratch, io)?;
                    }
                    continue;
                }
                Poll::NeedKey => {
                    // Moved from the transport's `Option` into the machine
                    // as it is: `ok_or` and `?` would each copy the key (a
                    // few hundred bytes) on the stack.
                    let Some(key) = transport.signing_key(now) else {
                        return Err(RunError::NoKey);
                    };
                    let token = transport.security_token();
                    let set = match token {
                        Some(token) => machine.set_key_with_token(key, token).is_ok(),
                        None => {
                            machine.set_key(key);
                            true
                        }
                    };
                    if !set {
                        return Err(RunError::NoKey);
                    }
                    continue;
                }
                Poll::Wait { ms } if !busy => {
                    transport.sleep_ms(ms);
                    continue;
                }
                Poll::Done => return machine.outcome().copied().ok_or(RunError::Stalled),
                Poll::Wait { .. } | Poll::AwaitAnswer if busy => {}
                Poll::Wait { .. } | Poll::AwaitAnswer => return Err(RunError::Stalled),
            }
        }
        // Every lane busy, or nothing to send before an answer: read the
        // answer to the oldest request out.
        let oldest = lanes
            .iter_mut()
            .filter(|l| l.job.is_some())
            .min_by_key(|l| l.order);
        if let Some(lane) = oldest {
            receive(machine, transport, lane, scratch, io, document);
        }
    }
}

/// The lane `job` goes out on: a free one already connected to its host,
/// else a free one without a connection, else any free one (its
/// connection to the other host is dropped).
fn lane_for<C>(lanes: &[Lane<C>], machine: &CopyMachine<'_, '_>, job: Job) -> usize {
    let to_source = goes_to_source(job);
    let host = machine.host(job);
    let same_host = |l: &Lane<C>| l.to_source == to_source || host_of(machine, l.to_source) == host;
    let free = |l: &Lane<C>| l.job.is_none();
    lanes
        .iter()
        .position(|l| free(l) && l.conn.is_some() && same_host(l))
        .or_else(|| lanes.iter().position(|l| free(l) && l.conn.is_none()))
        .or_else(|| lanes.iter().position(free))
        .unwrap_or(0)
}

fn goes_to_source(job: Job) -> bool {
    job.request() == Request::HeadSource
}

/// The host of the source (`true`) or of the destination.
fn host_of<'a>(machine: &CopyMachine<'a, '_>, source: bool) -> Host<'a> {
    let c = machine.config();
    if source { c.source_host } else { c.destination }
}

/// Writes `job`'s request on `lane`, connecting it first if needed. A
/// request that cannot go out is answered lost at once. Out of line, as
/// is [`receive`]: the request being written and the answer being read
/// are never on the stack together.
#[inline(never)]
fn send<'a, T: Transport<'a>>(
    machine: &mut CopyMachine<'a, '_>,
    transport: &mut T,
    job: Job,
    lane: &mut Lane<T::Connection>,
    scratch: &mut [u8],
    io: &mut [u8],
) -> Result<(), RunError> {
    let to_source = goes_to_source(job);
    if lane.conn.is_some()
        && lane.to_source != to_source
        && host_of(machine, lane.to_source) != host_of(machine, to_source)
    {
        lane.conn = None;
    }
    if lane.conn.is_none() {
        lane.conn = transport.connect(machine.host(job));
        lane.to_source = to_source;
    }
    let written = match &mut lane.conn {
        Some(conn) => write_request(conn, machine, job, scratch, io)?,
        None => Err(WireError::Connect),
    };
    match written {
        Ok(()) => lane.job = Some(job),
        Err(e) => {
            lane.conn = None;
            let sent = matches!(e, WireError::Flush(_));
            transport.wire_error(job, &e);
            let now = transport.now_ms();
            if let Some(notice) = machine.answer(job, now, Answer::lost(sent, false)) {
                transport.notice(&notice);
            }
        }
    }
    Ok(())
}

/// Reads the answer on `lane` and gives it to the machine.
#[inline(never)]
fn receive<'a, T: Transport<'a>, const N: usize, const D: usize>(
    machine: &mut CopyMachine<'a, '_>,
    transport: &mut T,
    lane: &mut Lane<T::Connection>,
    scratch: &mut [u8],
    io: &mut [u8],
    document: &mut DocumentBuffer<N, D>,
) {
    let (Some(job), Some(conn)) = (lane.job.take(), lane.conn.as_mut()) else {
        return;
    };
    let ((), reusable) = read_answer(conn, job, scratch, io, document, |reply| {
        if let Some(e) = &reply.error {
            transport.wire_error(job, e);
        }
        if let Some(head) = &reply.head {
            transport.answered(job, head, reply.document);
        }
        let now = transport.now_ms();
        if let Some(notice) = machine.answer(job, now, reply.answer) {
            transport.notice(&notice);
        }
    });
    if !reusable {
        lane.conn = None;
    }
}

/// Writes `job`'s request on `conn`: its head from
/// [`CopyMachine::write_head`] and its body streamed after it, both
/// through `io`, then flushes.
///
/// The outer error is a request that cannot be written into the buffers
/// (nothing was sent); the inner one a failure on the wire: after
/// [`WireError::Flush`] the request may have gone out (answer it
/// [`Answer::lost`]`(true, false)`), after the others it did not
/// (`lost(false, false)`).
pub fn write_request<C: Write>(
    conn: &mut C,
    machine: &CopyMachine<'_, '_>,
    job: Job,
    scratch: &mut [u8],
    io: &mut [u8],
) -> Result<Result<(), WireError<C::Error>>, CopyError> {
    let len = machine.write_head(job, scratch, io)?.len();
    let mut out = Staged {
        conn,
        buf: io,
        len,
        failed: None,
    };
    let body = machine.body(job);
    if let Err(e) = body.and_then(|b| Ok(b.write_to(&mut out)?)) {
        return match out.failed {
            Some(failed) => Ok(Err(failed)),
            None => Err(e),
        };
    }
    if let Err(e) = out.drain() {
        return Ok(Err(e));
    }
    Ok(out.conn.flush().map_err(WireError::Flush))
}

/// Bytes staged in the I/O buffer on their way to the connection.
struct Staged<'c, 'b, C: Write> {
    conn: &'c mut C,
    buf: &'b mut [u8],
    len: usize,
    failed: Option<WireError<C::Error>>,
}

impl<C: Write> Staged<'_, '_, C> {
    /// Writes out what is staged.
    fn drain(&mut self) -> Result<(), WireError<C::Error>> {
        let mut rest = self.buf.get(..self.len).unwrap_or_default();
        self.len = 0;
        while !rest.is_empty() {
            match self.conn.write(rest) {
                Ok(0) => return Err(WireError::WriteZero),
                Ok(n) => rest = rest.get(n..).unwrap_or_default(),
                Err(e) => return Err(WireError::Write(e)),
            }
        }
        Ok(())
    }
}

impl<C: Write> fmt::Write for Staged<'_, '_, C> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let mut rest = s.as_bytes();
        while !rest.is_empty() {
            if self.len >= self.buf.len() {
                if let Err(e) = self.drain() {
                    self.failed = Some(e);
                    return Err(fmt::Error);
                }
            }
            let room = self.buf.get_mut(self.len..).unwrap_or_default();
            let n = room.len().min(rest.len());
            let (now, later) = rest.split_at(n);
            for (d, s) in room.iter_mut().zip(now) {
                *d = *s;
            }
            self.len = self.len.saturating_add(n);
            rest = later;
        }
        Ok(())
    }
}

/// An answer as read by [`read_answer`], for its caller to hand to the
/// machine ([`CopyMachine::answer`]`(job, now, reply.answer)`).
#[derive(Debug)]
pub struct Reply<'r, E, const N: usize, const D: usize> {
    /// What to tell the machine.
    pub answer: Answer<'r>,
    /// The answer's head, if one was read whole.
    pub head: Option<Head<'r>>,
    /// The document, if the answer had a body.
    pub document: Option<&'r Result<Response<N, D>, ResponseError>>,
    /// How the exchange failed on the wire, if it did.
    pub error: Option<WireError<E>>,
}

/// Reads the answer to `job` from `conn` (its head gathered in `scratch`,
/// each read into `io`, its XML read by `document`) and hands it to
/// `then` while the buffers hold it. Returns `then`'s result and whether
/// the connection may carry the next request
/// ([`http1::Reader::reusable`]).
pub fn read_answer<C: Read, const N: usize, const D: usize, R>(
    conn: &mut C,
    job: Job,
    scratch: &mut [u8],
    io: &mut [u8],
    document: &mut DocumentBuffer<N, D>,
    then: impl FnOnce(Reply<'_, C::Error, N, D>) -> R,
) -> (R, bool) {
    let mut headers = [EMPTY_HEADER; MAX_ANSWER_HEADERS];
    let method = if job.request().is_head() {
        "HEAD"
    } else {
        "PUT"
    };
    let mut reader = http1::Reader::new(scratch, &mut headers, method);
    document.reader = ResponseReader::new();
    document.read = None;
    let mut body = Body {
        reader: &mut document.reader,
        fed: false,
    };
    let failed = read_into(conn, &mut reader, io, &mut body);
    let fed = body.fed;
    let lost = |started, error| Reply {
        answer: Answer::lost(true, started),
        head: None,
        document: None,
        error: Some(error),
    };
    let reply = match (failed, reader.head()) {
        (Err((started, error)), _) => lost(started, error),
        // Not met: the reader is done only after a head.
        (Ok(()), None) => lost(true, WireError::Http(Http1Error::IncompleteHead)),
        (Ok(()), Some(head)) => {
            if fed {
                // Finished where it lies: moving the reader out (a few
                // hundred bytes) would put a copy of it on the stack.
                document.read = Some(document.reader.finish_in_place());
            }
            let doc = document.read.as_ref();
            Reply {
                answer: Answer::response(
                    head.status(),
                    Headers::from_pairs(head.pairs()),
                    doc.map_or(Document::None, Document::read),
                ),
                head: Some(head),
                document: doc,
                error: None,
            }
        }
    };
    let reusable = reader.reusable();
    (then(reply), reusable)
}

/// The body's way to the document reader, noting whether it had any.
struct Body<'r, const N: usize, const D: usize> {
    reader: &'r mut ResponseReader<N, D>,
    fed: bool,
}

impl<const N: usize, const D: usize> BodySink for Body<'_, N, D> {
    fn push(&mut self, bytes: &[u8]) {
        self.fed = true;
        self.reader.push(bytes);
    }
}

/// Reads until the answer is complete. An error says whether any byte of
/// the answer had arrived.
fn read_into<C: Read, S: BodySink>(
    conn: &mut C,
    reader: &mut http1::Reader<'_>,
    io: &mut [u8],
    body: &mut S,
) -> Result<(), (bool, WireError<C::Error>)> {
    let mut started = false;
    loop {
        let n = match conn.read(io) {
            Ok(0) => {
                return reader.finish().map_err(|e| (started, WireError::Http(e)));
            }
            Ok(n) => n,
            Err(e) => return Err((started, WireError::Read(e))),
        };
        started = true;
        let mut rest = io.get(..n).unwrap_or_default();
        loop {
            let step = reader
                .feed(rest, body)
                .map_err(|e| (true, WireError::Http(e)))?;
            rest = rest.get(step.used..).unwrap_or_default();
            match step.event {
                // The rest of the read starts the body, even if empty.
                Event::Head(_) => {}
                Event::NeedMore => break,
                Event::Done => return Ok(()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    // No `alloc` crate is declared for the tests.
    #![allow(clippy::std_instead_of_alloc)]
    use super::*;
    use crate::copy::{Cause, CopyConfig, PartSlot};
    use crate::{CopyPlan, CopySource, Credentials, ETag, KeyTime};
    use core::cell::RefCell;
    use std::rc::Rc;

    /// What the scripted server does with each request, in order.
    #[derive(Clone, Copy)]
    enum Step {
        /// Answer these bytes.
        Answer(&'static [u8]),
        /// Fail the write after this many bytes of the request.
        FailWrite(usize),
        /// Close before a byte of the answer.
        Close,
    }

    #[derive(Default)]
    struct Server {
        steps: Vec<Step>,
        /// Each request as written.
        requests: Vec<Vec<u8>>,
        connects: usize,
        /// Sizes of the writes.
        writes: Vec<usize>,
    }

    struct Conn {
        server: Rc<RefCell<Server>>,
        answer: &'static [u8],
        closed: bool,
    }

    impl embedded_io::ErrorType for Conn {
        type Error = embedded_io::ErrorKind;
    }

    impl Write for Conn {
        fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
            let mut s = self.server.borrow_mut();
            s.writes.push(buf.len());
            let n = s.requests.len();
            if self.answer.is_empty() && !self.closed {
                // A new request: the next step says what becomes of it.
                s.requests.push(Vec::new());
                match s.steps.get(n).copied() {
                    Some(Step::Answer(a)) => self.answer = a,
                    Some(Step::FailWrite(after)) => {
                        let took = buf.len().min(after);
                        s.requests
                            .last_mut()
                            .unwrap()
                            .extend_from_slice(&buf[..took]);
                        return match took {
                            0 => Err(embedded_io::ErrorKind::BrokenPipe),
                            _ => {
                                self.closed = true;
                                Ok(took)
                            }
                        };
                    }
                    Some(Step::Close) | None => self.closed = true,
                }
            } else if self.closed {
                return Err(embedded_io::ErrorKind::BrokenPipe);
            }
            s.requests.last_mut().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> Result<(), Self::Error> {
            Ok(())
        }
    }

    impl Read for Conn {
        fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
            // Five bytes a read.
            let n = self.answer.len().min(buf.len()).min(5);
            buf[..n].copy_from_slice(&self.answer[..n]);
            self.answer = &self.answer[n..];
            Ok(n)
        }
    }

    struct Net<'c> {
        server: Rc<RefCell<Server>>,
        creds: &'c Credentials<'c>,
        now: u64,
        notices: Vec<Notice>,
    }

    impl<'c> Transport<'c> for Net<'c> {
        type Connection = Conn;
        fn connect(&mut self, _: Host<'_>) -> Option<Conn> {
            self.server.borrow_mut().connects += 1;
            Some(Conn {
                server: Rc::clone(&self.server),
                answer: b"",
                closed: false,
            })
        }
        fn now_ms(&mut self) -> u64 {
            self.now
        }
        fn sleep_ms(&mut self, ms: u32) {
            self.now += u64::from(ms);
        }
        fn signing_key(&mut self, now_ms: u64) -> Option<SigningKey> {
            Some(SigningKey::new(
                self.creds,
                KeyTime::from_now(now_ms / 1000, 3600, 60).ok()?,
            ))
        }
        fn notice(&mut self, notice: &Notice) {
            self.notices.push(*notice);
        }
    }

    const INITIATE: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 97\r\n\r\n<InitiateMultipartUploadResult><UploadId>1700000000abc</UploadId></InitiateMultipartUploadResult>";
    const PART: &[u8] = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n50\r\n<CopyPartResult><ETag>\"9b2cf535f27731c974343645a3985328\"</ETag></CopyPartResult>\r\n0\r\n\r\n";
    const PART_CLOSE: &[u8] = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 80\r\n\r\n<CopyPartResult><ETag>\"9b2cf535f27731c974343645a3985328\"</ETag></CopyPartResult>";
    const COMPLETE: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 94\r\n\r\n<CompleteMultipartUploadResult><ETag>\"x-2\"</ETag></CompleteMultipartUploadResult>             ";

    /// Copies 2 MiB in two parts (the source's ETag given: no HEAD) over
    /// the scripted server, with an I/O buffer of `io_len` bytes.
    fn copy(steps: &[Step], io_len: usize) -> (Outcome, Net<'static>, Rc<RefCell<Server>>) {
        copy_parts(steps, io_len, 2)
    }

    fn copy_parts(
        steps: &[Step],
        io_len: usize,
        parts: u64,
    ) -> (Outcome, Net<'static>, Rc<RefCell<Server>>) {
        static CREDS: std::sync::OnceLock<Credentials<'static>> = std::sync::OnceLock::new();
        let creds = CREDS.get_or_init(|| {
            Credentials::new(
                "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q",
                "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz",
            )
            .unwrap()
        });
        let source = CopySource::new("s-1250000000", "ap-guangzhou", "src.bin").unwrap();
        let plan = CopyPlan::new(parts << 20, 1 << 20).unwrap();
        let mut config = CopyConfig::new(source, Host::Custom("h"), "dst.bin", plan);
        config.source_etag = ETag::new("\"0123456789abcdef0123456789abcdef\"").ok();
        let mut slots = std::vec![PartSlot::EMPTY; parts as usize];
        let mut m = CopyMachine::new(config, &mut slots).unwrap();
        let server = Rc::new(RefCell::new(Server {
            steps: steps.to_vec(),
            ..Server::default()
        }));
        let mut net = Net {
            server: Rc::clone(&server),
            creds,
            now: 1_700_000_000_000,
            notices: Vec::new(),
        };
        let (mut scratch, mut io) = ([0u8; 1024], std::vec![0u8; io_len]);
        let mut document = DocumentBuffer::<128, 0>::new();
        let buffers = Buffers {
            scratch: &mut scratch,
            io: &mut io,
            document: &mut document,
        };
        let mut lanes = [Lane::new()];
        let outcome = run_copy(&mut m, &mut net, buffers, &mut lanes);
        let requests: Vec<usize> = server.borrow().requests.iter().map(Vec::len).collect();
        (
            outcome.unwrap_or_else(|e| panic!("{e:?} after {requests:?}")),
            net,
            server,
        )
    }

    fn first_cause(net: &Net<'_>) -> Option<Cause> {
        net.notices.iter().find_map(|n| match n {
            Notice::Retrying { cause, .. } => Some(*cause),
            _ => None,
        })
    }

    #[test]
    fn what_the_machine_is_told_is_what_happened_on_the_wire() {
        use Step::*;
        let transport = |sent, started| Cause::Transport {
            request_sent: sent,
            answer_started: started,
        };
        let cases = [
            // A request not written whole: COS cannot have acted on it.
            (FailWrite(10), transport(false, false)),
            (FailWrite(0), transport(false, false)),
            // Closed before a byte of the answer: it may have.
            (Close, transport(true, false)),
            // Cut inside the answer.
            (Answer(&PART[..60]), transport(true, true)),
            // Not HTTP.
            (Answer(b"SSH-2.0-OpenSSH\r\n"), transport(true, true)),
        ];
        for (step, cause) in cases {
            let steps = [
                Answer(INITIATE),
                step,
                Answer(PART),
                Answer(PART),
                Answer(COMPLETE),
            ];
            let (outcome, net, server) = copy(&steps, 2048);
            assert!(outcome.is_copied(), "{outcome:?}");
            assert_eq!(first_cause(&net), Some(cause));
            // The failed connection was dropped: a new one for the rest.
            assert_eq!(server.borrow().connects, 2);
        }
        // Initiate's request may have been carried out: a possible orphan.
        let steps = [
            Close,
            Answer(INITIATE),
            Answer(PART),
            Answer(PART),
            Answer(COMPLETE),
        ];
        let (outcome, net, _) = copy(&steps, 2048);
        assert!(outcome.is_copied());
        assert!(matches!(
            net.notices[0],
            Notice::PossibleOrphan {
                resend_after_ms: Some(_),
                ..
            }
        ));
        // One not written whole was not.
        let steps = [
            FailWrite(3),
            Answer(INITIATE),
            Answer(PART),
            Answer(PART),
            Answer(COMPLETE),
        ];
        let (_, net, _) = copy(&steps, 2048);
        assert!(matches!(
            net.notices[0],
            Notice::Retrying {
                cause: Cause::Transport {
                    request_sent: false,
                    ..
                },
                ..
            }
        ));
    }

    #[test]
    fn connections_are_reused_until_an_answer_says_close() {
        use Step::*;
        let (outcome, _, server) = copy(
            &[
                Answer(INITIATE),
                Answer(PART),
                Answer(PART),
                Answer(COMPLETE),
            ],
            1024,
        );
        assert!(outcome.is_copied());
        assert_eq!(server.borrow().connects, 1);
        let (outcome, _, server) = copy(
            &[
                Answer(INITIATE),
                Answer(PART_CLOSE),
                Answer(PART),
                Answer(COMPLETE),
            ],
            1024,
        );
        assert!(outcome.is_copied());
        assert_eq!(server.borrow().connects, 2);
    }

    #[test]
    fn completes_body_streams_through_a_small_buffer() {
        use Step::*;
        let mut steps = std::vec![Answer(INITIATE)];
        steps.extend([Answer(PART); 8]);
        steps.push(Answer(COMPLETE));
        let (_, _, large) = copy_parts(&steps, 4096, 8);
        // Room for the longest head (a part's, about 610 bytes), not for
        // Complete's head and body (about 740 bytes) together.
        let (outcome, _, small) = copy_parts(&steps, 640, 8);
        assert!(outcome.is_copied());
        let (large, small) = (large.borrow(), small.borrow());
        // The same bytes, the small buffer's in more writes.
        assert_eq!(large.requests, small.requests);
        assert!(small.writes.len() > large.writes.len());
        assert!(small.writes.iter().all(|&n| n <= 640));
        let complete = String::from_utf8_lossy(&small.requests[9]).into_owned();
        let (head, body) = complete.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("POST /dst.bin?uploadId=1700000000abc HTTP/1.1"));
        assert!(
            head.contains(&std::format!("Content-Length: {}", body.len())),
            "{head}"
        );
        assert!(body.starts_with("<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>"));
        assert!(body.ends_with("</Part></CompleteMultipartUpload>"));
    }
}
