//! Reading an HTTP/1.1 answer, Sans-IO: no heap, no I/O, no panic.
//!
//! A [`Reader`] takes the bytes of one answer as they come off the
//! connection, in pieces of any size, and
//!
//! - gathers the head in a buffer you lend it until the blank line that
//!   ends it, then has [`httparse`] parse it into header storage you lend
//!   it (every decision about the head's syntax is httparse's);
//! - skips interim answers (`100 Continue` and the other 1xx but `101`);
//! - hands you the final [`Head`]: status, reason, header lookups by name,
//!   and the checked framing;
//! - hands the body on to a [`BodySink`] — a [`ResponseReader`], a
//!   closure, or [`Discard`] — framed by `Content-Length`,
//!   `Transfer-Encoding: chunked` or the end of the connection;
//! - says whether the connection may carry the next request
//!   ([`Reader::reusable`]).
//!
//! Every malformed head or framing is an [`Http1Error`]; the result never
//! depends on how the answer was split into pieces.
//!
//! ```
//! use tencent_cos_core::http1::{EMPTY_HEADER, Event, Reader};
//! use tencent_cos_core::{Response, ResponseReader};
//!
//! // What two reads from the socket gave (COS sends chunked XML).
//! let reads: [&[u8]; 2] = [
//!     b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\
//!       x-cos-request-id: NTlk\r\n\r\n42\r\n<CopyPartResult><ETag>&quot;ba82",
//!     b"b57c&quot;</ETag></CopyPartResult>\r\n0\r\n\r\n",
//! ];
//! let mut buf = [0u8; 1024];
//! let mut headers = [EMPTY_HEADER; 32];
//! let mut reader = Reader::new(&mut buf, &mut headers, "PUT");
//! let mut document = ResponseReader::<64>::new();
//! for read in reads {
//!     let mut rest = read;
//!     loop {
//!         let step = reader.feed(rest, &mut document)?;
//!         rest = rest.get(step.used..).unwrap_or_default();
//!         match step.event {
//!             // The rest of the read is the body's: fed on the next turn.
//!             Event::Head(head) => assert_eq!(head.request_id(), Some("NTlk")),
//!             Event::NeedMore | Event::Done => break,
//!         }
//!     }
//! }
//! assert!(reader.is_done() && reader.reusable());
//! match document.finish()? {
//!     Response::CopyPart(part) => assert_eq!(part.etag, "\"ba82b57c\""),
//!     other => panic!("{other:?}"),
//! }
//! # Ok::<(), Box<dyn core::error::Error>>(())
//! ```
//!
//! # The caller's loop
//!
//! [`Reader::feed`] returns how many bytes it took and an [`Event`]:
//!
//! - [`Event::NeedMore`]: it took everything; read more. If the peer has
//!   closed the connection, call [`Reader::finish`] instead: a body
//!   delimited by the close ends there, anything else is an error.
//! - [`Event::Head`]: the final head is complete; the bytes after it start
//!   the body. Feed them (even none: an answer without a body is then
//!   [`Event::Done`] at once), choosing the sink from the head if you like.
//! - [`Event::Done`]: the answer is complete.
//!
//! # Bytes after the answer
//!
//! Requests are not pipelined, so nothing may follow an answer. Bytes that
//! do (in the piece that ends it, or fed later) are left untaken
//! (`used` < the piece's length) and the connection is marked not
//! reusable; the answer itself stands.
//!
//! # Buffers
//!
//! The head (status line and headers) must fit in the buffer, and its
//! headers in the header storage; interim answers take room in the buffer
//! too (`HTTP/1.1 100 Continue\r\n\r\n` takes 25 bytes). COS's heads are
//! under 1 KiB with about 15 headers. A head that does not fit is
//! [`Http1Error::HeadTooLarge`], with the buffer length that would have
//! held it once its end has been seen (the reader reads on, counting, to
//! its end); too many headers is [`Http1Error::TooManyHeaders`] with the
//! count needed.
//!
//! httparse reads the status line as soon as it has ended (an answer that
//! is not HTTP, or a status no request asked for, is refused there), and
//! the whole head once it is complete (or the buffer full, or the
//! connection closed): only then, so that the headers it finds can borrow
//! the buffer for as long as the [`Head`] lives. A malformed header is
//! therefore reported at the end of the head.
//!
//! # Not done
//!
//! Transfer codings other than `chunked` (the bytes could not be decoded:
//! [`Http1Error::UnsupportedTransferCoding`]), `101 Switching Protocols`
//! (no upgrade is ever asked for), obsolete line folding, pipelining,
//! trailer fields (framed, checked for control bytes, discarded).

mod chunked;
mod head;

pub use head::{Framing, Head};
pub use httparse::{EMPTY_HEADER, Header};

use crate::response::ResponseReader;
use chunked::Chunked;
use core::fmt;

/// Where the body's bytes go, as they arrive.
///
/// A sink cannot stop the reading: the answer is read to its end so that
/// the connection stays usable. A [`ResponseReader`] keeps its first
/// error and returns it from [`finish`](ResponseReader::finish); a
/// closure keeps what it needs.
pub trait BodySink {
    /// Takes the next piece of the body (never empty).
    fn push(&mut self, bytes: &[u8]);
}

impl<F: FnMut(&[u8])> BodySink for F {
    fn push(&mut self, bytes: &[u8]) {
        self(bytes);
    }
}

impl<const N: usize, const D: usize> BodySink for ResponseReader<N, D> {
    /// [`ResponseReader::feed`]; its error is kept by the reader and
    /// returned by [`finish`](ResponseReader::finish).
    fn push(&mut self, bytes: &[u8]) {
        let _sticky = self.feed(bytes);
    }
}

/// A sink that drops the body.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Discard;

impl BodySink for Discard {
    fn push(&mut self, _: &[u8]) {}
}

/// Why an answer could not be read. After one, the reader returns it
/// again from every call, and the connection is not reusable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Http1Error {
    /// The status line does not start with `HTTP/1.0` or `HTTP/1.1`.
    Version,
    /// The status line is malformed (the code is not three digits, a
    /// control byte in the reason, ...).
    StatusLine,
    /// The status code is outside 100–599.
    StatusOutOfRange {
        /// The code.
        status: u16,
    },
    /// A header name is not a token, or is not followed by `:` (a space
    /// before the colon, a line without one, obsolete line folding).
    HeaderName,
    /// A header value holds a control byte.
    HeaderValue,
    /// A line ends with a CR not followed by LF.
    NewLine,
    /// The head is larger than the buffer.
    HeadTooLarge {
        /// The buffer's length.
        capacity: usize,
        /// The buffer length that would have held it (with the interim
        /// answers before it), if its end was seen before the connection
        /// closed.
        needed: Option<usize>,
    },
    /// The head has more headers than the storage holds.
    TooManyHeaders {
        /// The storage's length.
        capacity: usize,
        /// The number of header lines in the head.
        needed: usize,
    },
    /// `101 Switching Protocols`, which no request asked for.
    SwitchingProtocols,
    /// A `Content-Length` value is not a number (digits only: no sign, no
    /// space inside; at most `u64::MAX`).
    InvalidContentLength,
    /// `Content-Length` values differ.
    ConflictingContentLength,
    /// Both `Content-Length` and `Transfer-Encoding` (a smuggling or
    /// splitting attempt, RFC 9112 §6.3).
    LengthAndChunked,
    /// A transfer coding other than one `chunked`.
    UnsupportedTransferCoding,
    /// `Transfer-Encoding` in an HTTP/1.0 answer (faulty framing, RFC 9112
    /// §6.1).
    TransferEncodingInHttp10,
    /// A chunk size is not hexadecimal (or is empty, or is followed by
    /// something other than spaces, `;` or the line end).
    ChunkSize,
    /// A chunk size does not fit in 64 bits.
    ChunkSizeOverflow,
    /// A control byte in a chunk extension.
    ChunkExtension,
    /// Chunk data not followed by CRLF.
    ChunkDataEnd,
    /// A CR not followed by LF in a size line, trailer line or the final
    /// line.
    ChunkLineEnd,
    /// A trailer line that is no field line (a control byte, or starting
    /// with white space).
    Trailer,
    /// The connection closed before any byte of an answer: the request may
    /// not have been seen (a kept-alive connection the server had closed).
    ClosedBeforeAnswer,
    /// The connection closed inside the head.
    IncompleteHead,
    /// The connection closed before the end of a body framed by its
    /// length or by chunks.
    IncompleteBody,
}

impl fmt::Display for Http1Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Version => f.write_str("answer is not HTTP/1.0 or HTTP/1.1"),
            Self::StatusLine => f.write_str("malformed status line"),
            Self::StatusOutOfRange { status } => write!(f, "status {status} is not 100-599"),
            Self::HeaderName => f.write_str("malformed header name"),
            Self::HeaderValue => f.write_str("control byte in a header value"),
            Self::NewLine => f.write_str("CR without LF in the head"),
            Self::HeadTooLarge {
                capacity,
                needed: Some(needed),
            } => write!(
                f,
                "answer head needs a {needed}-byte buffer, not {capacity}"
            ),
            Self::HeadTooLarge {
                capacity,
                needed: None,
            } => write!(f, "answer head does not fit the {capacity}-byte buffer"),
            Self::TooManyHeaders { capacity, needed } => {
                write!(f, "answer has {needed} headers, storage for {capacity}")
            }
            Self::SwitchingProtocols => f.write_str("101 Switching Protocols was not asked for"),
            Self::InvalidContentLength => f.write_str("invalid Content-Length"),
            Self::ConflictingContentLength => f.write_str("conflicting Content-Length values"),
            Self::LengthAndChunked => f.write_str("both Content-Length and Transfer-Encoding"),
            Self::UnsupportedTransferCoding => f.write_str("transfer coding other than chunked"),
            Self::TransferEncodingInHttp10 => f.write_str("Transfer-Encoding in HTTP/1.0"),
            Self::ChunkSize => f.write_str("invalid chunk size"),
            Self::ChunkSizeOverflow => f.write_str("chunk size larger than 64 bits"),
            Self::ChunkExtension => f.write_str("control byte in a chunk extension"),
            Self::ChunkDataEnd => f.write_str("chunk data not followed by CRLF"),
            Self::ChunkLineEnd => f.write_str("CR without LF in chunked framing"),
            Self::Trailer => f.write_str("malformed trailer line"),
            Self::ClosedBeforeAnswer => f.write_str("connection closed before any answer"),
            Self::IncompleteHead => f.write_str("connection closed inside the answer head"),
            Self::IncompleteBody => f.write_str("connection closed before the end of the body"),
        }
    }
}

impl core::error::Error for Http1Error {}

impl Http1Error {
    /// httparse's error; `TooManyHeaders` is mapped by the reader, which
    /// knows the counts.
    fn from_httparse(e: httparse::Error, capacity: usize, needed: usize) -> Self {
        match e {
            httparse::Error::Version => Self::Version,
            // `Token` is a request's method: not met in an answer.
            httparse::Error::Status | httparse::Error::Token => Self::StatusLine,
            httparse::Error::HeaderName => Self::HeaderName,
            httparse::Error::HeaderValue => Self::HeaderValue,
            httparse::Error::NewLine => Self::NewLine,
            httparse::Error::TooManyHeaders => Self::TooManyHeaders { capacity, needed },
        }
    }
}

/// What [`Reader::feed`] did: how much of the input it took, and what
/// happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Progress<'a> {
    /// Bytes of the input taken; the rest is for the next call
    /// ([`Event::Head`]) or is not part of the answer ([`Event::Done`]).
    pub used: usize,
    /// What happened.
    pub event: Event<'a>,
}

/// See [`Progress`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Event<'a> {
    /// All the input was taken and the answer goes on.
    NeedMore,
    /// The final head is complete (`used` ends at its blank line); feed
    /// the rest of the input, even if empty, for the body.
    Head(Head<'a>),
    /// The answer is complete.
    Done,
}

/// Where the blank line that ends a head is. Only finds it: httparse
/// reads the head.
///
/// Mirrors httparse's line ends: leading empty lines are skipped (CRLF or
/// LF), and a line ends at LF; the head ends at a line that is empty
/// (LF or CRLF). Anything else (a lone CR, ...) is httparse's to refuse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
struct Scan {
    state: ScanState,
    /// Bytes scanned.
    bytes: usize,
    /// Lines ended (the status line and the header lines).
    lines: usize,
    /// Whether the status line has been checked.
    status_checked: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
enum ScanState {
    /// Before the status line: empty lines.
    Leading,
    /// A CR before the status line.
    LeadingCr,
    /// Inside a line.
    Line,
    /// At the start of a line after the status line.
    LineStart,
    /// A CR at the start of a line.
    LineStartCr,
    /// Past the blank line.
    End,
}

impl Scan {
    const NEW: Self = Self {
        state: ScanState::Leading,
        bytes: 0,
        lines: 0,
        status_checked: false,
    };

    /// Takes one byte; whether the head ended with it.
    fn step(&mut self, b: u8) -> bool {
        self.bytes = self.bytes.saturating_add(1);
        self.state = match (self.state, b) {
            (ScanState::Leading, b'\r') => ScanState::LeadingCr,
            (ScanState::Leading | ScanState::LeadingCr, b'\n') => ScanState::Leading,
            (ScanState::Line, b'\n') => {
                self.lines = self.lines.saturating_add(1);
                ScanState::LineStart
            }
            (ScanState::LineStart, b'\r') => ScanState::LineStartCr,
            (ScanState::LineStart | ScanState::LineStartCr, b'\n') | (ScanState::End, _) => {
                ScanState::End
            }
            _ => ScanState::Line,
        };
        self.state == ScanState::End
    }
}

/// What the reader is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
enum State {
    /// Gathering a head in the buffer.
    Head,
    /// The head did not fit: reading on to its end to tell its size
    /// (after `before` bytes of interim answers).
    Oversize { before: usize },
    /// A body of this many more bytes.
    Length(u64),
    /// A chunked body.
    Chunked(Chunked),
    /// A body up to the close.
    UntilClose,
    /// The answer is complete.
    Done,
    /// Failed (sticky).
    Failed(Http1Error),
}

/// Reads one answer. See the [module](self) documentation.
///
/// It borrows the head's buffer and header storage for `'a`; the [`Head`]
/// it hands out borrows them too, and stays valid after the reader is
/// gone. One reader per answer.
///
/// ```
/// use tencent_cos_core::http1::{Discard, EMPTY_HEADER, Event, Reader};
///
/// // The answer to a HEAD, as one read gave it: a head and no body.
/// let read = b"HTTP/1.1 200 OK\r\nContent-Length: 8388608\r\n\
///     ETag: \"0123456789abcdef0123456789abcdef\"\r\nx-cos-request-id: NTlk\r\n\r\n";
/// let mut buf = [0u8; 512];
/// let mut headers = [EMPTY_HEADER; 16];
/// let mut reader = Reader::new(&mut buf, &mut headers, "HEAD");
/// let step = reader.feed(read, &mut Discard)?;
/// let Event::Head(head) = step.event else { unreachable!() };
/// assert_eq!((head.status(), head.etag()), (200, Some("\"0123456789abcdef0123456789abcdef\"")));
/// assert_eq!(step.used, read.len());
/// // An answer to HEAD has no body, whatever its Content-Length says.
/// assert!(matches!(reader.feed(&[], &mut Discard)?.event, Event::Done));
/// assert!(reader.reusable());
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Reader<'a> {
    /// What is left of the head buffer: the head being gathered is at its
    /// start.
    buf: &'a mut [u8],
    /// The whole buffer's length.
    capacity: usize,
    /// Bytes of the head gathered in `buf`.
    len: usize,
    headers: &'a mut [Header<'a>],
    scan: Scan,
    head_request: bool,
    /// Whether any byte of an answer (interim ones included) came.
    received: bool,
    /// Bytes were offered after the end of the answer, or the connection
    /// closed: not reusable.
    spoilt: bool,
    head: Option<Head<'a>>,
    state: State,
}

#[cfg(feature = "defmt")]
#[cfg_attr(docsrs, doc(cfg(feature = "defmt")))]
impl defmt::Format for Reader<'_> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "Reader {{ gathered: {=usize}, room: {=usize}, header storage: {=usize}, head: {}, state: {}, received: {=bool}, spoilt: {=bool} }}",
            self.len,
            self.buf.len(),
            self.headers.len(),
            self.head,
            self.state,
            self.received,
            self.spoilt
        );
    }
}

impl<'a> Reader<'a> {
    /// A reader for the answer to a request sent with `method` (`"HEAD"`
    /// means no body whatever the headers say; methods are
    /// case-sensitive). The head is gathered in `buf` and its headers
    /// parsed into `headers` (`[EMPTY_HEADER; N]`).
    pub fn new(buf: &'a mut [u8], headers: &'a mut [Header<'a>], method: &str) -> Self {
        Self {
            capacity: buf.len(),
            buf,
            len: 0,
            headers,
            scan: Scan::NEW,
            head_request: method == "HEAD",
            received: false,
            spoilt: false,
            head: None,
            state: State::Head,
        }
    }

    /// Takes the next bytes of the answer; the body's go to `sink`. See
    /// the [module](self) documentation for the loop around it.
    pub fn feed<S: BodySink + ?Sized>(
        &mut self,
        input: &[u8],
        sink: &mut S,
    ) -> Result<Progress<'a>, Http1Error> {
        let r = self.step(input, sink);
        if let Err(e) = r {
            self.state = State::Failed(e);
        }
        r
    }

    fn step<S: BodySink + ?Sized>(
        &mut self,
        input: &[u8],
        sink: &mut S,
    ) -> Result<Progress<'a>, Http1Error> {
        let progress = |used, event| Progress { used, event };
        match &mut self.state {
            State::Head => self.gather(input),
            State::Oversize { before } => {
                let before = *before;
                if input.iter().any(|&b| self.scan.step(b)) {
                    return Err(Http1Error::HeadTooLarge {
                        capacity: self.capacity,
                        needed: Some(before.saturating_add(self.scan.bytes)),
                    });
                }
                Ok(progress(input.len(), Event::NeedMore))
            }
            State::Length(left) => {
                let n = usize::try_from(*left).map_or(input.len(), |l| l.min(input.len()));
                if let Some(body) = input.get(..n).filter(|b| !b.is_empty()) {
                    sink.push(body);
                }
                *left = left.saturating_sub(n as u64);
                if *left > 0 {
                    return Ok(progress(n, Event::NeedMore));
                }
                Ok(self.done(input, n))
            }
            State::Chunked(c) => match c.feed(input, sink)? {
                Some(used) => Ok(self.done(input, used)),
                None => Ok(progress(input.len(), Event::NeedMore)),
            },
            State::UntilClose => {
                if !input.is_empty() {
                    sink.push(input);
                }
                Ok(progress(input.len(), Event::NeedMore))
            }
            State::Done => Ok(self.done(input, 0)),
            State::Failed(e) => Err(*e),
        }
    }

    /// The answer ended after `used` bytes of `input`.
    fn done(&mut self, input: &[u8], used: usize) -> Progress<'a> {
        self.state = State::Done;
        if used < input.len() {
            self.spoilt = true;
        }
        Progress {
            used,
            event: Event::Done,
        }
    }

    /// Gathers head bytes from `input`, head after head (interim ones are
    /// skipped), until the final head, an error, or the end of `input`.
    fn gather(&mut self, input: &[u8]) -> Result<Progress<'a>, Http1Error> {
        let mut used = 0usize;
        loop {
            let rest = input.get(used..).unwrap_or_default();
            let room = self.buf.get_mut(self.len..).unwrap_or_default();
            let mut ended = false;
            let mut status_line = false;
            let mut n = 0usize;
            for (slot, &b) in room.iter_mut().zip(rest) {
                *slot = b;
                n = n.saturating_add(1);
                if self.scan.step(b) {
                    ended = true;
                    break;
                }
                if self.scan.lines == 1 && !self.scan.status_checked {
                    status_line = true;
                    break;
                }
            }
            self.len = self.len.saturating_add(n);
            used = used.saturating_add(n);
            self.received |= n > 0;
            if status_line {
                self.check_status_line()?;
                continue;
            }
            if ended {
                let (status, reason, minor, count) = self.parse_gathered()?;
                if (100..200).contains(&status) {
                    if status == 101 {
                        return Err(Http1Error::SwitchingProtocols);
                    }
                    // An interim answer: the final one follows.
                    self.scan = Scan::NEW;
                    continue;
                }
                let storage: &'a mut [Header<'a>] = core::mem::take(&mut self.headers);
                let storage: &'a [Header<'a>] = storage;
                let headers = storage.get(..count).unwrap_or_default();
                let head = Head::new(status, reason, minor, headers, self.head_request)?;
                self.head = Some(head);
                self.state = match head.framing() {
                    Framing::NoBody | Framing::Length(0) => State::Done,
                    Framing::Length(n) => State::Length(n),
                    Framing::Chunked => State::Chunked(Chunked::new()),
                    Framing::UntilClose => State::UntilClose,
                };
                return Ok(Progress {
                    used,
                    event: Event::Head(head),
                });
            }
            if used < input.len() {
                // A byte that does not fit: the buffer is full. httparse
                // sees what is there: malformed, or too large.
                let before = self.capacity.saturating_sub(self.buf.len());
                return match self.parse_gathered() {
                    Err(Http1Error::TooManyHeaders { .. }) | Err(Http1Error::IncompleteHead) => {
                        self.state = State::Oversize { before };
                        self.step(input.get(used..).unwrap_or_default(), &mut Discard)
                            .map(|p| Progress {
                                used: input.len(),
                                event: p.event,
                            })
                    }
                    Err(e) => Err(e),
                    // Not met: httparse ends a head exactly where the scan
                    // does (the blank line), and the scan found none.
                    Ok(_) => Err(Http1Error::IncompleteHead),
                };
            }
            return Ok(Progress {
                used,
                event: Event::NeedMore,
            });
        }
    }

    /// The status line has just ended: has httparse read it at once, so
    /// that an answer that is not HTTP (or a status no request asked for)
    /// is refused now rather than at the end of its head. Without header
    /// storage: httparse stops at the first header line.
    fn check_status_line(&mut self) -> Result<(), Http1Error> {
        self.scan.status_checked = true;
        let gathered = self.buf.get(..self.len).unwrap_or_default();
        let mut none: [Header<'_>; 0] = [];
        let mut parsed = httparse::Response::new(&mut none);
        match parsed.parse(gathered) {
            Ok(_) | Err(httparse::Error::TooManyHeaders) => {}
            Err(e) => return Err(Http1Error::from_httparse(e, 0, 0)),
        }
        match parsed.code {
            Some(101) => Err(Http1Error::SwitchingProtocols),
            Some(status) if !(100..=599).contains(&status) => {
                Err(Http1Error::StatusOutOfRange { status })
            }
            _ => Ok(()),
        }
    }

    /// Has httparse parse the gathered head, which leaves the buffer for
    /// good: the rest of it is what the next head may use. Returns the
    /// status, reason, minor version and number of headers (in the
    /// storage); an incomplete head is [`Http1Error::IncompleteHead`].
    fn parse_gathered(&mut self) -> Result<(u16, &'a str, u8, usize), Http1Error> {
        let buf = core::mem::take(&mut self.buf);
        let (head, rest) = buf.split_at_mut_checked(self.len).unwrap_or_default();
        self.buf = rest;
        self.len = 0;
        let head: &'a [u8] = head;
        let mut parsed = httparse::Response::new(&mut *self.headers);
        match parsed.parse(head) {
            Ok(httparse::Status::Complete(_)) => {
                let status = parsed.code.unwrap_or(0);
                if !(100..=599).contains(&status) {
                    return Err(Http1Error::StatusOutOfRange { status });
                }
                Ok((
                    status,
                    parsed.reason.unwrap_or(""),
                    parsed.version.unwrap_or(0),
                    parsed.headers.len(),
                ))
            }
            Ok(httparse::Status::Partial) => Err(Http1Error::IncompleteHead),
            Err(e) => Err(Http1Error::from_httparse(
                e,
                self.headers.len(),
                self.scan.lines.saturating_sub(1),
            )),
        }
    }

    /// Call when the connection has closed (a read gave 0 bytes): a body
    /// delimited by the close is complete; an answer cut short is an
    /// error. The connection is not reusable after this.
    pub fn finish(&mut self) -> Result<(), Http1Error> {
        self.spoilt = true;
        let r = match self.state {
            State::Head if !self.received => Err(Http1Error::ClosedBeforeAnswer),
            State::Head => match self.parse_gathered() {
                Err(Http1Error::TooManyHeaders { .. }) => Err(Http1Error::IncompleteHead),
                Err(e) => Err(e),
                Ok(_) => Err(Http1Error::IncompleteHead),
            },
            State::Oversize { .. } => Err(Http1Error::HeadTooLarge {
                capacity: self.capacity,
                needed: None,
            }),
            State::Length(_) | State::Chunked(_) => Err(Http1Error::IncompleteBody),
            State::UntilClose | State::Done => Ok(()),
            State::Failed(e) => Err(e),
        };
        self.state = match r {
            Ok(()) => State::Done,
            Err(e) => State::Failed(e),
        };
        r
    }

    /// The final head, once read.
    #[must_use]
    pub const fn head(&self) -> Option<Head<'a>> {
        self.head
    }

    /// Whether the answer is complete.
    #[must_use]
    pub const fn is_done(&self) -> bool {
        matches!(self.state, State::Done)
    }

    /// The error the reader stopped at, if any.
    #[must_use]
    pub const fn error(&self) -> Option<Http1Error> {
        match self.state {
            State::Failed(e) => Some(e),
            _ => None,
        }
    }

    /// Whether the connection may carry the next request: the answer is
    /// complete, its head allows it ([`Head::keep_alive`]), nothing came
    /// after it and the connection was not closed. Never after an error
    /// or a body delimited by the close.
    #[must_use]
    pub fn reusable(&self) -> bool {
        self.is_done() && !self.spoilt && self.head.is_some_and(|h| h.keep_alive())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Where the scan ends a head.
    fn scan_end(wire: &[u8]) -> Option<usize> {
        let mut scan = Scan::NEW;
        wire.iter().position(|&b| scan.step(b)).map(|i| i + 1)
    }

    #[test]
    fn the_scan_ends_a_head_where_httparse_does() {
        for wire in [
            &b"HTTP/1.1 200 OK\r\n\r\nbody"[..],
            b"HTTP/1.1 200 OK\n\nbody",
            b"\r\n\n\r\nHTTP/1.1 204 No Content\r\nA: b\r\nC:\r\n\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nA: b\n\r\nX",
            b"HTTP/1.1 200\r\nA:\tb \t\r\n\n",
        ] {
            let mut headers = [EMPTY_HEADER; 4];
            let parsed = httparse::Response::new(&mut headers).parse(wire);
            let Ok(httparse::Status::Complete(end)) = parsed else {
                panic!("{parsed:?}")
            };
            assert_eq!(scan_end(wire), Some(end), "{wire:?}");
        }
        // No end yet: httparse agrees that more is needed.
        for wire in [
            &b"\r\n\r\n"[..],
            b"HTTP/1.1 200 OK\r\n",
            b"HTTP/1.1 200 OK\r\nA: b\r\n\r",
        ] {
            assert_eq!(scan_end(wire), None);
            let mut headers = [EMPTY_HEADER; 4];
            let parsed = httparse::Response::new(&mut headers).parse(wire);
            assert_eq!(parsed, Ok(httparse::Status::Partial), "{wire:?}");
        }
        // Lines are counted: the status line and two headers.
        let mut scan = Scan::NEW;
        for &b in b"\r\nHTTP/1.1 200 OK\r\nA: b\r\nC: d\r\n\r\n" {
            scan.step(b);
        }
        assert_eq!(
            (scan.lines, scan.bytes, scan.state),
            (3, 33, ScanState::End)
        );
    }

    #[test]
    fn a_status_line_is_judged_when_it_ends() {
        let mut buf = [0u8; 64];
        let mut headers = [EMPTY_HEADER; 4];
        let mut reader = Reader::new(&mut buf, &mut headers, "PUT");
        // Not refused before its line ends, then at once.
        let step = reader.feed(b"ICY 200 OK", &mut Discard).unwrap();
        assert_eq!((step.used, step.event), (10, Event::NeedMore));
        assert_eq!(reader.feed(b"\r\n", &mut Discard), Err(Http1Error::Version));
        assert_eq!(reader.error(), Some(Http1Error::Version));

        let mut buf = [0u8; 64];
        let mut headers = [EMPTY_HEADER; 4];
        let mut reader = Reader::new(&mut buf, &mut headers, "PUT");
        assert_eq!(
            reader.feed(b"HTTP/1.1 101 Switching Protocols\r\nUpg", &mut Discard),
            Err(Http1Error::SwitchingProtocols)
        );
    }

    #[test]
    fn httparse_errors_map_to_ours() {
        for (theirs, ours) in [
            (httparse::Error::Version, Http1Error::Version),
            (httparse::Error::Status, Http1Error::StatusLine),
            (httparse::Error::Token, Http1Error::StatusLine),
            (httparse::Error::HeaderName, Http1Error::HeaderName),
            (httparse::Error::HeaderValue, Http1Error::HeaderValue),
            (httparse::Error::NewLine, Http1Error::NewLine),
            (
                httparse::Error::TooManyHeaders,
                Http1Error::TooManyHeaders {
                    capacity: 1,
                    needed: 2,
                },
            ),
        ] {
            assert_eq!(Http1Error::from_httparse(theirs, 1, 2), ours);
        }
    }
}
