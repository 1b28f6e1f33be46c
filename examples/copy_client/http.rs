//! Just enough HTTP/1.1 for the copy client, over `std::net::TcpStream`:
//! one request at a time per connection, persistent connections
//! (keep-alive) pooled by address, responses framed by `Content-Length`,
//! `Transfer-Encoding: chunked` or the end of the connection.
//!
//! The body is handed to the caller in the pieces the socket delivers:
//! each `read()` result, stripped of the chunked framing, is passed on as
//! it comes. Nothing buffers a whole body.
//!
//! What it does not do: TLS, request bodies other than a fixed byte slice,
//! pipelining, redirects, `Expect: 100-continue`, compressed codings.

use std::collections::HashMap;
use std::fmt;
use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// The largest response head read (status line and headers).
pub const MAX_HEAD: usize = 64 * 1024;
/// The most header lines in a response head.
pub const MAX_HEADERS: usize = 128;
/// The most bytes of chunked trailer accepted.
const MAX_TRAILER: usize = 8 * 1024;
/// Size of each connection's read buffer.
const READ_BUF: usize = 64 * 1024;

/// Where in the exchange something went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Connecting.
    Connect,
    /// Sending the request.
    Send,
    /// Reading the status line and headers.
    Head,
    /// Reading the body.
    Body,
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Connect => "connecting",
            Self::Send => "sending the request",
            Self::Head => "reading the response head",
            Self::Body => "reading the response body",
        })
    }
}

/// A failure below HTTP semantics: the connection, or a response that is
/// not HTTP/1.1. Every one of them is worth another try on a new
/// connection.
#[derive(Debug)]
pub enum TransportError {
    /// An I/O error (a timeout included).
    Io {
        /// When.
        stage: Stage,
        /// What.
        error: io::Error,
    },
    /// The peer closed the connection before the response was complete.
    Closed {
        /// When.
        stage: Stage,
    },
    /// The response breaks HTTP/1.1 framing or syntax.
    Malformed(&'static str),
}

impl TransportError {
    fn io(stage: Stage, error: io::Error) -> Self {
        Self::Io { stage, error }
    }

    /// Whether this is a timeout.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Self::Io { error, .. }
            if matches!(error.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut))
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io { stage, error } if self.is_timeout() => {
                write!(f, "timed out {stage} ({error})")
            }
            Self::Io { stage, error } => write!(f, "I/O error {stage}: {error}"),
            Self::Closed { stage } => write!(f, "connection closed while {stage}"),
            Self::Malformed(what) => write!(f, "malformed HTTP response: {what}"),
        }
    }
}

impl std::error::Error for TransportError {}

/// A failure while reading a body: the transport, or the caller's sink.
#[derive(Debug)]
pub enum BodyError<E> {
    /// The connection or the framing.
    Transport(TransportError),
    /// The caller's sink refused a piece.
    Sink(E),
}

impl<E> From<TransportError> for BodyError<E> {
    fn from(e: TransportError) -> Self {
        Self::Transport(e)
    }
}

/// A response's status line and headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseHead {
    /// `1` for HTTP/1.1, `0` for HTTP/1.0.
    pub minor_version: u8,
    /// The status code.
    pub status: u16,
    /// The reason phrase (may be empty).
    pub reason: String,
    /// The header fields, in order, values trimmed of spaces and tabs.
    pub headers: Vec<(String, String)>,
}

impl ResponseHead {
    /// The first value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a header, in order.
    fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The headers as borrowed pairs.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.headers.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// Whether a comma-separated header holds `token` (case-insensitive).
    fn has_token(&self, name: &str, token: &str) -> bool {
        self.values(name)
            .flat_map(|v| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    }
}

/// How the end of a body is found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// No body (HEAD, 1xx, 204, 304).
    Empty,
    /// `Content-Length` bytes.
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
    /// Everything until the peer closes.
    UntilClose,
}

/// Whether `b` may appear in a header name (an RFC 7230 token).
fn is_token(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Finds the end of a response head in `buf`: the index just past the
/// empty line (CRLF CRLF, or bare LFs, which RFC 7230 §3.5 lets a
/// recipient accept).
pub fn find_head_end(buf: &[u8]) -> Option<usize> {
    let mut i = 0;
    while let Some(p) = buf
        .get(i..)
        .and_then(|s| s.iter().position(|&b| b == b'\n'))
    {
        let lf = i + p;
        match buf.get(lf + 1..) {
            Some([b'\n', ..]) => return Some(lf + 2),
            Some([b'\r', b'\n', ..]) => return Some(lf + 3),
            _ => i = lf + 1,
        }
    }
    None
}

/// Parses a complete response head (as delimited by [`find_head_end`]).
pub fn parse_head(head: &[u8]) -> Result<ResponseHead, TransportError> {
    let bad = TransportError::Malformed;
    let mut lines = head
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let status_line = lines.next().ok_or(bad("empty head"))?;
    let rest = status_line
        .strip_prefix(b"HTTP/1.")
        .ok_or(bad("status line does not start with HTTP/1.x"))?;
    let (minor_version, rest) = match rest {
        [b'1', b' ', rest @ ..] => (1, rest),
        [b'0', b' ', rest @ ..] => (0, rest),
        _ => return Err(bad("unsupported HTTP version")),
    };
    let (code, reason) = match rest {
        [a, b, c] => ([*a, *b, *c], &[][..]),
        [a, b, c, b' ', reason @ ..] => ([*a, *b, *c], reason),
        _ => return Err(bad("status code is not three digits")),
    };
    if !code.iter().all(u8::is_ascii_digit) || code[0] == b'0' {
        return Err(bad("status code is not three digits"));
    }
    let status = code.iter().fold(0u16, |n, d| n * 10 + u16::from(d - b'0'));
    if reason.iter().any(|&b| b.is_ascii_control() && b != b'\t') {
        return Err(bad("control byte in the reason phrase"));
    }
    let mut headers = Vec::new();
    for line in lines {
        if line.is_empty() {
            // The empty line that ends the head (or what follows it).
            break;
        }
        if matches!(line.first(), Some(b' ' | b'\t')) {
            return Err(bad("obsolete line folding"));
        }
        let colon = line
            .iter()
            .position(|&b| b == b':')
            .ok_or(bad("header line without ':'"))?;
        let (name, value) = line.split_at(colon);
        if name.is_empty() || !name.iter().all(|&b| is_token(b)) {
            return Err(bad("invalid header name"));
        }
        let value = value.get(1..).unwrap_or_default();
        if value
            .iter()
            .any(|&b| (b.is_ascii_control() && b != b'\t') || b == 0x7f)
        {
            return Err(bad("control byte in a header value"));
        }
        let value = value.trim_ascii();
        if headers.len() == MAX_HEADERS {
            return Err(bad("too many header lines"));
        }
        headers.push((
            String::from_utf8_lossy(name).into_owned(),
            String::from_utf8_lossy(value).into_owned(),
        ));
    }
    Ok(ResponseHead {
        minor_version,
        status,
        reason: String::from_utf8_lossy(reason).into_owned(),
        headers,
    })
}

/// How the body of `head` is framed (RFC 7230 §3.3.3), for a response to
/// a HEAD request if `head_request`.
pub fn framing(head: &ResponseHead, head_request: bool) -> Result<Framing, TransportError> {
    if head_request || (100..200).contains(&head.status) || matches!(head.status, 204 | 304) {
        return Ok(Framing::Empty);
    }
    let mut codings = head
        .values("transfer-encoding")
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .peekable();
    if codings.peek().is_some() {
        // The final coding decides; anything but chunked runs to the close.
        return Ok(
            if codings
                .last()
                .is_some_and(|c| c.eq_ignore_ascii_case("chunked"))
            {
                Framing::Chunked
            } else {
                Framing::UntilClose
            },
        );
    }
    let mut length = None;
    for value in head.values("content-length").flat_map(|v| v.split(',')) {
        let value = value.trim();
        if value.is_empty() || value.len() > 19 || !value.bytes().all(|b| b.is_ascii_digit()) {
            return Err(TransportError::Malformed("invalid Content-Length"));
        }
        let n: u64 = value
            .parse()
            .map_err(|_| TransportError::Malformed("invalid Content-Length"))?;
        if length.is_some_and(|l| l != n) {
            return Err(TransportError::Malformed(
                "conflicting Content-Length values",
            ));
        }
        length = Some(n);
    }
    Ok(match length {
        Some(0) => Framing::Empty,
        Some(n) => Framing::Length(n),
        None => Framing::UntilClose,
    })
}

/// Whether the connection may carry another request after this response
/// (given its body is read to the end by its framing).
pub fn keeps_alive(head: &ResponseHead, framing: Framing) -> bool {
    framing != Framing::UntilClose
        && head.minor_version == 1
        && !head.has_token("connection", "close")
        // Both framings at once is a smuggling vector: never reuse.
        && !(head.header("transfer-encoding").is_some() && head.header("content-length").is_some())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChunkState {
    /// Reading the hex size; the count of digits so far.
    Size(u8),
    /// Skipping a chunk extension up to the line end.
    Extension,
    /// Saw CR after the size line.
    SizeLf,
    /// Inside chunk data.
    Data,
    /// After chunk data, expecting CR LF.
    DataCr,
    DataLf,
    /// At the start of a trailer line (or of the final empty line).
    TrailerStart,
    /// Inside a trailer field line.
    TrailerLine,
    /// Saw CR of the final empty line.
    FinalLf,
    /// The body has ended.
    Done,
}

/// A decoder for `Transfer-Encoding: chunked`, fed the bytes as they
/// arrive, split anywhere. Data is handed out as slices of the input: no
/// copy, no buffer.
#[derive(Debug, Clone)]
pub struct ChunkedDecoder {
    state: ChunkState,
    /// Size of the chunk being read, then what is left of it.
    remaining: u64,
    trailer: usize,
}

impl Default for ChunkedDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl ChunkedDecoder {
    /// A decoder at the start of a body.
    pub const fn new() -> Self {
        Self {
            state: ChunkState::Size(0),
            remaining: 0,
            trailer: 0,
        }
    }

    /// Whether the last chunk and the trailer have been read.
    pub fn is_done(&self) -> bool {
        self.state == ChunkState::Done
    }

    fn end_of_size_line(&mut self) {
        self.state = if self.remaining == 0 {
            ChunkState::TrailerStart
        } else {
            ChunkState::Data
        };
    }

    /// Decodes from `input`, passing each piece of data to `out`, and
    /// returns how many bytes of `input` were consumed: all of them, or up
    /// to the end of the body (what follows belongs to the next response).
    pub fn feed<E>(
        &mut self,
        input: &[u8],
        out: &mut impl FnMut(&[u8]) -> Result<(), E>,
    ) -> Result<usize, BodyError<E>> {
        let bad = |what| BodyError::Transport(TransportError::Malformed(what));
        let mut i = 0;
        while i < input.len() && self.state != ChunkState::Done {
            if self.state == ChunkState::Data {
                let available = input.len() - i;
                let n = usize::try_from(self.remaining).map_or(available, |r| r.min(available));
                out(&input[i..i + n]).map_err(BodyError::Sink)?;
                i += n;
                self.remaining -= n as u64;
                if self.remaining == 0 {
                    self.state = ChunkState::DataCr;
                }
                continue;
            }
            let b = input[i];
            i += 1;
            self.state = match (self.state, b) {
                (ChunkState::Size(digits), _) if (b as char).is_ascii_hexdigit() => {
                    if digits >= 16 {
                        return Err(bad("chunk size too large"));
                    }
                    let v = (b as char).to_digit(16).unwrap_or(0);
                    self.remaining = self.remaining << 4 | u64::from(v);
                    ChunkState::Size(digits + 1)
                }
                (ChunkState::Size(d), b';' | b' ' | b'\t') if d > 0 => ChunkState::Extension,
                (ChunkState::Size(d), b'\r') if d > 0 => ChunkState::SizeLf,
                (ChunkState::Size(d), b'\n') if d > 0 => {
                    self.end_of_size_line();
                    continue;
                }
                (ChunkState::Size(_), _) => return Err(bad("invalid chunk size")),
                (ChunkState::Extension, b'\r') => ChunkState::SizeLf,
                (ChunkState::Extension, b'\n') => {
                    self.end_of_size_line();
                    continue;
                }
                (ChunkState::Extension, b) if b.is_ascii_control() && b != b'\t' => {
                    return Err(bad("control byte in a chunk extension"));
                }
                (ChunkState::Extension, _) => ChunkState::Extension,
                (ChunkState::SizeLf, b'\n') => {
                    self.end_of_size_line();
                    continue;
                }
                (ChunkState::SizeLf, _) => return Err(bad("chunk size line not ended by CRLF")),
                (ChunkState::DataCr, b'\r') => ChunkState::DataLf,
                (ChunkState::DataCr | ChunkState::DataLf, b'\n') => ChunkState::Size(0),
                (ChunkState::DataCr | ChunkState::DataLf, _) => {
                    return Err(bad("chunk data not followed by CRLF"));
                }
                (ChunkState::TrailerStart, b'\r') => ChunkState::FinalLf,
                (ChunkState::TrailerStart, b'\n') | (ChunkState::FinalLf, b'\n') => {
                    ChunkState::Done
                }
                (ChunkState::FinalLf, _) => return Err(bad("chunked body not ended by CRLF")),
                (ChunkState::TrailerStart | ChunkState::TrailerLine, b) => {
                    self.trailer += 1;
                    if self.trailer > MAX_TRAILER {
                        return Err(bad("chunked trailer too large"));
                    }
                    if b == b'\n' {
                        ChunkState::TrailerStart
                    } else {
                        ChunkState::TrailerLine
                    }
                }
                (ChunkState::Data | ChunkState::Done, _) => self.state,
            };
        }
        Ok(i)
    }
}

/// One open connection and its read buffer.
struct Conn {
    stream: TcpStream,
    buf: Box<[u8]>,
    start: usize,
    end: usize,
}

impl Conn {
    fn buffered(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    /// Reads more into the buffer; `Ok(0)` at the end of the stream.
    fn fill(&mut self, stage: Stage) -> Result<usize, TransportError> {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        } else if self.end == self.buf.len() {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == self.buf.len() {
            return Err(TransportError::Malformed("response head too large"));
        }
        loop {
            match self.stream.read(&mut self.buf[self.end..]) {
                Ok(n) => {
                    self.end += n;
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(TransportError::io(stage, e)),
            }
        }
    }
}

/// Counters of what the client did on the network.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HttpStats {
    /// Connections opened.
    pub connections: u32,
    /// Requests sent (every attempt counts).
    pub requests: u32,
    /// Requests resent at once because a kept-alive connection turned out
    /// to be closed before any byte of the answer came back.
    pub stale_resends: u32,
}

/// A pool of keep-alive connections, one per address, and the timeouts.
pub struct HttpClient {
    idle: HashMap<String, Conn>,
    timeout: Duration,
    /// What was done so far.
    pub stats: HttpStats,
}

/// A response whose head has been read; read its body with
/// [`Pending::read_body`] (dropping it closes the connection).
pub struct Pending<'c> {
    client: &'c mut HttpClient,
    addr: String,
    conn: Conn,
    framing: Framing,
    /// The status line and headers.
    pub head: ResponseHead,
}

impl HttpClient {
    /// A client whose connects, reads and writes each time out after
    /// `timeout`.
    pub fn new(timeout: Duration) -> Self {
        Self {
            idle: HashMap::new(),
            timeout,
            stats: HttpStats::default(),
        }
    }

    fn connect(&mut self, addr: &str) -> Result<Conn, TransportError> {
        let io = |e| TransportError::io(Stage::Connect, e);
        let mut last = None;
        for a in addr.to_socket_addrs().map_err(io)? {
            match TcpStream::connect_timeout(&a, self.timeout) {
                Ok(stream) => {
                    stream.set_read_timeout(Some(self.timeout)).map_err(io)?;
                    stream.set_write_timeout(Some(self.timeout)).map_err(io)?;
                    stream.set_nodelay(true).map_err(io)?;
                    self.stats.connections += 1;
                    return Ok(Conn {
                        stream,
                        buf: vec![0; READ_BUF].into_boxed_slice(),
                        start: 0,
                        end: 0,
                    });
                }
                Err(e) => last = Some(e),
            }
        }
        Err(io(last.unwrap_or_else(|| {
            io::Error::new(io::ErrorKind::NotFound, "the address resolved to nothing")
        })))
    }

    /// Sends one request (`head`, then `body`) to `addr` (`host:port`) and
    /// reads the response head. `head_request` says the method was HEAD
    /// (its response has no body whatever its headers say).
    ///
    /// A kept-alive connection that turns out to be closed before any byte
    /// of the answer arrives is replaced and the request sent again once:
    /// the server closed it while idle and never saw the request.
    pub fn send(
        &mut self,
        addr: &str,
        head: &[u8],
        body: &[u8],
        head_request: bool,
    ) -> Result<Pending<'_>, TransportError> {
        let (mut conn, reused) = match self.idle.remove(addr) {
            Some(c) => (c, true),
            None => (self.connect(addr)?, false),
        };
        let parsed = match Self::exchange(&mut conn, head, body, &mut self.stats) {
            Err(e) if reused && Self::is_stale(&e) => {
                self.stats.stale_resends += 1;
                conn = self.connect(addr)?;
                Self::exchange(&mut conn, head, body, &mut self.stats)?
            }
            other => other?,
        };
        let framing = framing(&parsed, head_request)?;
        Ok(Pending {
            client: self,
            addr: addr.to_owned(),
            conn,
            framing,
            head: parsed,
        })
    }

    /// Whether an error on a reused connection means the server had closed
    /// it before our request (nothing of an answer came back).
    fn is_stale(e: &TransportError) -> bool {
        match e {
            TransportError::Closed {
                stage: Stage::Head, ..
            } => true,
            TransportError::Io {
                stage: Stage::Send | Stage::Head,
                error,
            } => matches!(
                error.kind(),
                io::ErrorKind::ConnectionReset
                    | io::ErrorKind::ConnectionAborted
                    | io::ErrorKind::BrokenPipe
            ),
            _ => false,
        }
    }

    fn exchange(
        conn: &mut Conn,
        head: &[u8],
        body: &[u8],
        stats: &mut HttpStats,
    ) -> Result<ResponseHead, TransportError> {
        stats.requests += 1;
        let send = |e| TransportError::io(Stage::Send, e);
        if body.len() <= 16 * 1024 {
            // One write for a small request: one segment on the wire.
            let mut all = Vec::with_capacity(head.len() + body.len());
            all.extend_from_slice(head);
            all.extend_from_slice(body);
            conn.stream.write_all(&all).map_err(send)?;
        } else {
            conn.stream.write_all(head).map_err(send)?;
            conn.stream.write_all(body).map_err(send)?;
        }
        conn.stream.flush().map_err(send)?;
        loop {
            if let Some(end) = find_head_end(conn.buffered()) {
                let parsed = parse_head(&conn.buffered()[..end])?;
                conn.start += end;
                // An interim answer (100 Continue and the like): the real
                // one follows.
                if (100..200).contains(&parsed.status) && parsed.status != 101 {
                    continue;
                }
                return Ok(parsed);
            }
            if conn.buffered().len() >= MAX_HEAD {
                return Err(TransportError::Malformed("response head too large"));
            }
            let got_some = !conn.buffered().is_empty();
            if conn.fill(Stage::Head)? == 0 {
                return Err(if got_some {
                    TransportError::Malformed("connection closed inside the response head")
                } else {
                    TransportError::Closed { stage: Stage::Head }
                });
            }
        }
    }
}

impl Pending<'_> {
    /// Reads the body to its end, handing each piece to `sink` as it
    /// arrives, then returns the connection to the pool if it can carry
    /// another request.
    pub fn read_body<E>(
        mut self,
        mut sink: impl FnMut(&[u8]) -> Result<(), E>,
    ) -> Result<ResponseHead, BodyError<E>> {
        let conn = &mut self.conn;
        match self.framing {
            Framing::Empty => {}
            Framing::Length(mut left) => {
                while left > 0 {
                    if conn.buffered().is_empty() && conn.fill(Stage::Body)? == 0 {
                        return Err(TransportError::Closed { stage: Stage::Body }.into());
                    }
                    let piece = conn.buffered();
                    let n = usize::try_from(left).map_or(piece.len(), |l| l.min(piece.len()));
                    sink(&piece[..n]).map_err(BodyError::Sink)?;
                    conn.start += n;
                    left -= n as u64;
                }
            }
            Framing::Chunked => {
                let mut decoder = ChunkedDecoder::new();
                loop {
                    let used = decoder.feed(conn.buffered(), &mut sink)?;
                    conn.start += used;
                    if decoder.is_done() {
                        break;
                    }
                    if conn.fill(Stage::Body)? == 0 {
                        return Err(TransportError::Closed { stage: Stage::Body }.into());
                    }
                }
            }
            Framing::UntilClose => loop {
                if !conn.buffered().is_empty() {
                    sink(conn.buffered()).map_err(BodyError::Sink)?;
                    conn.start = conn.end;
                }
                if conn.fill(Stage::Body)? == 0 {
                    break;
                }
            },
        }
        // Bytes after the response were never asked for: do not reuse.
        let Pending {
            client,
            addr,
            conn,
            framing,
            head,
        } = self;
        if keeps_alive(&head, framing) && conn.buffered().is_empty() {
            client.idle.insert(addr, conn);
        }
        Ok(head)
    }
}
