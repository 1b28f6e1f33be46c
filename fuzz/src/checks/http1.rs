//! `http1`: the HTTP/1.1 answer reader on arbitrary bytes and on generated
//! well-formed answers, fed whole, cut at up to 7 places and one byte at
//! a time: the head, the body, the outcome, the bytes taken and the
//! reuse verdict must not depend on the pieces. Against references:
//! httparse run on the whole input (the head, its end and its errors), a
//! line-based chunked decoder (the body and its end), the generator's
//! own body; a reported `needed` size must be enough.

use super::input::Input;
use tencent_cos_core::http1::{Discard, EMPTY_HEADER, Event, Framing, Head, Http1Error, Reader};

/// A head copied out of the reader's buffers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owned {
    pub status: u16,
    pub reason: String,
    pub minor: u8,
    pub headers: Vec<(String, Vec<u8>)>,
    pub framing: Framing,
    pub content_length: Option<u64>,
    pub keep_alive: bool,
}

/// Copies a head out of the reader's buffers.
pub fn own(h: &Head<'_>) -> Owned {
    Owned {
        status: h.status(),
        reason: h.reason().to_string(),
        minor: h.minor_version(),
        headers: h
            .headers()
            .iter()
            .map(|h| (h.name.to_string(), h.value.to_vec()))
            .collect(),
        framing: h.framing(),
        content_length: h.content_length(),
        keep_alive: h.keep_alive(),
    }
}

/// Everything a run of the reader shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub head: Option<Owned>,
    /// Bytes taken up to the end of the final head.
    pub head_end: Option<usize>,
    pub body: Vec<u8>,
    /// `Ok(done)` or the error.
    pub result: Result<bool, Http1Error>,
    /// Bytes taken in all (0 after an error: how many were taken before
    /// it depends on the pieces).
    pub used: usize,
    pub reusable: bool,
}

/// How to read.
#[derive(Debug, Clone, Copy)]
pub struct Opts {
    pub head_request: bool,
    /// Whether the connection closes after the input (`finish`).
    pub eof: bool,
    pub buf: usize,
    pub headers: usize,
}

/// The answer cut at `cuts`, as the `xml` target cuts a body.
pub use super::xml::pieces;

/// Feeds the pieces as a caller's loop does (each piece is offered, also
/// after the end of the answer, as a socket delivers it), then `finish`
/// if `eof`.
pub fn run(parts: &[&[u8]], o: &Opts) -> Run {
    let mut buf = vec![0u8; o.buf];
    let mut headers = vec![EMPTY_HEADER; o.headers];
    let method = if o.head_request { "HEAD" } else { "PUT" };
    let mut r = Reader::new(&mut buf, &mut headers, method);
    let mut body = Vec::new();
    let (mut head, mut head_end) = (None, None);
    let mut used = 0;
    let mut result = Ok(false);
    'pieces: for piece in parts {
        let mut rest = *piece;
        loop {
            let step = r.feed(rest, &mut |b: &[u8]| {
                assert!(!b.is_empty(), "empty piece of body");
                body.extend_from_slice(b);
            });
            let p = match step {
                Ok(p) => p,
                Err(e) => {
                    result = Err(e);
                    break 'pieces;
                }
            };
            assert!(p.used <= rest.len());
            used += p.used;
            rest = &rest[p.used..];
            match p.event {
                Event::Head(h) => {
                    assert!(head.is_none(), "a second final head");
                    assert_eq!(r.head(), Some(h));
                    head = Some(own(&h));
                    head_end = Some(used);
                }
                Event::NeedMore => {
                    assert!(rest.is_empty(), "NeedMore left bytes");
                    assert!(!r.is_done());
                    break;
                }
                Event::Done => {
                    assert!(r.is_done());
                    break;
                }
            }
        }
    }
    if result.is_ok() {
        result = if o.eof {
            r.finish().map(|()| true)
        } else {
            Ok(r.is_done())
        };
    }
    if let Err(e) = result {
        assert_eq!(r.error(), Some(e));
        assert_eq!(r.feed(b"HTTP/1.1 200 OK\r\n\r\n", &mut Discard), Err(e));
        assert_eq!(r.finish(), Err(e));
        assert!(!r.reusable() && !r.is_done());
        used = 0;
    }
    if o.eof {
        assert!(!r.reusable());
    }
    if r.reusable() {
        let h = head.as_ref().expect("reusable without a head");
        assert!(h.keep_alive && h.framing != Framing::UntilClose);
    }
    let _ = format!("{:?}", r);
    Run {
        head,
        head_end,
        body,
        result,
        used,
        reusable: r.reusable(),
    }
}

const FRAMING_ERRORS: [Http1Error; 5] = [
    Http1Error::InvalidContentLength,
    Http1Error::ConflictingContentLength,
    Http1Error::LengthAndChunked,
    Http1Error::UnsupportedTransferCoding,
    Http1Error::TransferEncodingInHttp10,
];

const SYNTAX_ERRORS: [Http1Error; 5] = [
    Http1Error::Version,
    Http1Error::StatusLine,
    Http1Error::HeaderName,
    Http1Error::HeaderValue,
    Http1Error::NewLine,
];

const CHUNK_ERRORS: [Http1Error; 6] = [
    Http1Error::ChunkSize,
    Http1Error::ChunkSizeOverflow,
    Http1Error::ChunkExtension,
    Http1Error::ChunkDataEnd,
    Http1Error::ChunkLineEnd,
    Http1Error::Trailer,
];

fn map(e: httparse::Error) -> Http1Error {
    match e {
        httparse::Error::Version => Http1Error::Version,
        httparse::Error::Status | httparse::Error::Token => Http1Error::StatusLine,
        httparse::Error::HeaderName => Http1Error::HeaderName,
        httparse::Error::HeaderValue => Http1Error::HeaderValue,
        httparse::Error::NewLine => Http1Error::NewLine,
        httparse::Error::TooManyHeaders => unreachable!("storage for every line"),
    }
}

/// The error for a status no answer may have.
fn status_error(status: u16) -> Option<Http1Error> {
    match status {
        101 => Some(Http1Error::SwitchingProtocols),
        100..=599 => None,
        _ => Some(Http1Error::StatusOutOfRange { status }),
    }
}

/// A chunked body read line by line, as the RFC writes it.
#[derive(Debug, PartialEq, Eq)]
enum RefChunked {
    /// The body and the length of its framing.
    Done(Vec<u8>, usize),
    Incomplete,
    Bad,
}

fn is_ctl(b: u8) -> bool {
    (b < 0x20 && b != b'\t') || b == 0x7f
}

/// The line at `at`: its text without LF or CRLF, and where the next one
/// starts; `None` if it has no LF yet.
fn line(w: &[u8], at: usize) -> Option<(&[u8], usize)> {
    let lf = at + w[at..].iter().position(|&b| b == b'\n')?;
    let text = &w[at..lf];
    Some((text.strip_suffix(b"\r").unwrap_or(text), lf + 1))
}

fn ref_chunked(w: &[u8]) -> RefChunked {
    let mut body = Vec::new();
    let mut at = 0;
    loop {
        let Some((text, next)) = line(w, at) else {
            return RefChunked::Incomplete;
        };
        let (size, ext) = match text.iter().position(|&b| b == b';') {
            Some(i) => (&text[..i], &text[i + 1..]),
            None => (text, &[][..]),
        };
        let size = &size[..size
            .iter()
            .rposition(|&b| b != b' ' && b != b'\t')
            .map_or(0, |i| i + 1)];
        if size.is_empty()
            || !size.iter().all(u8::is_ascii_hexdigit)
            || ext.iter().any(|&b| is_ctl(b))
        {
            return RefChunked::Bad;
        }
        let mut n: u128 = 0;
        for &d in size {
            n = n * 16 + u128::from((d as char).to_digit(16).unwrap());
            if n > u128::from(u64::MAX) {
                return RefChunked::Bad;
            }
        }
        at = next;
        if n == 0 {
            loop {
                let Some((text, next)) = line(w, at) else {
                    return RefChunked::Incomplete;
                };
                if text.is_empty() {
                    return RefChunked::Done(body, next);
                }
                if matches!(text[0], b' ' | b'\t') || text.iter().any(|&b| is_ctl(b)) {
                    return RefChunked::Bad;
                }
                at = next;
            }
        }
        let Some(end) = usize::try_from(n).ok().and_then(|n| at.checked_add(n)) else {
            return RefChunked::Incomplete;
        };
        if end > w.len() {
            return RefChunked::Incomplete;
        }
        body.extend_from_slice(&w[at..end]);
        at = match &w[end..] {
            [b'\r', b'\n', ..] => end + 2,
            [b'\n', ..] => end + 1,
            [] | [b'\r'] => return RefChunked::Incomplete,
            _ => return RefChunked::Bad,
        };
    }
}

/// Checks a run with room for any head against httparse on the whole
/// input and the body references.
fn against_references(wire: &[u8], o: &Opts, r: &Run) {
    // httparse from the start, interim heads skipped.
    let mut at = 0;
    let (end, status, parsed) = loop {
        let mut storage = vec![EMPTY_HEADER; wire.len() / 2 + 1];
        let mut resp = httparse::Response::new(&mut storage);
        match resp.parse(&wire[at..]) {
            Ok(httparse::Status::Complete(n)) => {
                let code = resp.code.unwrap();
                if (100..200).contains(&code) && code != 101 {
                    at += n;
                    continue;
                }
                let headers: Vec<(String, Vec<u8>)> = resp
                    .headers
                    .iter()
                    .map(|h| (h.name.to_string(), h.value.to_vec()))
                    .collect();
                let reason = resp.reason.unwrap_or("").to_string();
                let minor = resp.version.unwrap();
                break (at + n, code, (reason, minor, headers));
            }
            Ok(httparse::Status::Partial) => {
                let closed = match (o.eof, wire.is_empty()) {
                    (false, _) => Ok(false),
                    (true, true) => Err(Http1Error::ClosedBeforeAnswer),
                    (true, false) => Err(Http1Error::IncompleteHead),
                };
                // A status refused as soon as its line ended.
                let refused = resp.code.and_then(status_error).map(Err);
                assert!(
                    r.result == closed || Some(r.result) == refused,
                    "httparse: partial, reader: {:?}",
                    r.result
                );
                assert!(r.head.is_none());
                return;
            }
            Err(e) => {
                // The status is refused when its line ends, the syntax
                // where httparse stops: whichever comes first.
                let want = [Some(map(e)), resp.code.and_then(status_error)];
                let result = if r.result == Ok(false) {
                    // Not seen yet (the head has not ended): said at the
                    // close at the latest.
                    assert!(!o.eof);
                    run(&[wire], &Opts { eof: true, ..*o }).result
                } else {
                    r.result
                };
                assert!(
                    want.contains(&result.err()),
                    "httparse: {e:?}, reader: {result:?}"
                );
                return;
            }
        }
    };
    if let Some(e) = status_error(status) {
        assert_eq!(r.result, Err(e));
        return;
    }
    let Some(head) = &r.head else {
        let e = r.result.expect_err("no head, no error");
        assert!(FRAMING_ERRORS.contains(&e), "{e:?}");
        return;
    };
    assert_eq!(r.head_end, Some(end));
    assert_eq!(
        (&head.reason, head.minor, &head.headers),
        (&parsed.0, parsed.1, &parsed.2)
    );
    assert_eq!(head.status, status);
    let rest = &wire[end..];
    match head.framing {
        Framing::NoBody => {
            assert!(o.head_request || matches!(status, 204 | 304));
            assert!(r.body.is_empty());
            assert_eq!(r.result, Ok(true));
            assert_eq!(r.used, end);
        }
        Framing::Length(n) => {
            let n = usize::try_from(n).unwrap_or(usize::MAX);
            let complete = rest.len() >= n;
            assert_eq!(r.body, &rest[..n.min(rest.len())]);
            match r.result {
                Ok(done) => {
                    assert_eq!(done, complete);
                    if done {
                        assert_eq!(r.used, end + n);
                        assert_eq!(r.reusable, head.keep_alive && rest.len() == n && !o.eof);
                    }
                }
                Err(e) => assert!(o.eof && !complete && e == Http1Error::IncompleteBody),
            }
        }
        Framing::Chunked => match (ref_chunked(rest), r.result) {
            (RefChunked::Done(body, n), Ok(true)) => {
                assert_eq!(r.body, body);
                assert_eq!(r.used, end + n);
                assert_eq!(r.reusable, head.keep_alive && rest.len() == n && !o.eof);
            }
            (RefChunked::Done(..), other) => panic!("reference decoded, reader: {other:?}"),
            (RefChunked::Bad, Err(e)) => assert!(CHUNK_ERRORS.contains(&e), "{e:?}"),
            (RefChunked::Bad, other) => panic!("reference refused, reader: {other:?}"),
            (RefChunked::Incomplete, Ok(done)) => assert!(!done),
            (RefChunked::Incomplete, Err(e)) => {
                assert!(
                    e == Http1Error::IncompleteBody || CHUNK_ERRORS.contains(&e),
                    "{e:?}"
                );
            }
        },
        Framing::UntilClose => {
            assert_eq!(r.body, rest);
            assert_eq!(r.result, Ok(o.eof));
            assert!(!r.reusable);
        }
    }
}

/// Everything checked of one input: the same in pieces, the references,
/// and the sizes a too-small buffer or storage asked for.
fn check_wire(wire: &[u8], o: &Opts, cuts: &[usize]) -> Run {
    let whole = run(&[wire], o);
    assert_eq!(run(&pieces(wire, cuts), o), whole, "cut at {cuts:?}");
    if wire.len() <= 2048 {
        let bytes: Vec<&[u8]> = wire.chunks(1).collect();
        assert_eq!(run(&bytes, o), whole, "one byte at a time");
    }
    // With room for any head: the references.
    let roomy = Opts {
        buf: wire.len(),
        headers: wire.len() / 2 + 1,
        ..*o
    };
    let big = run(&pieces(wire, cuts), &roomy);
    against_references(wire, &roomy, &big);
    match whole.result {
        Err(Http1Error::HeadTooLarge {
            capacity,
            needed: Some(needed),
        }) => {
            assert_eq!(capacity, o.buf);
            assert!(needed > capacity);
            // Enough for that head: if another is too large, it is a
            // later one.
            let r = run(&[wire], &Opts { buf: needed, ..*o });
            if let Err(Http1Error::HeadTooLarge { needed: later, .. }) = r.result {
                assert!(later.is_none_or(|later| later > needed), "{r:?}");
            }
            // One byte less: too large, or malformed (or a refused status)
            // in the bytes the smaller buffer did not reach.
            match run(
                &[wire],
                &Opts {
                    buf: needed - 1,
                    ..*o
                },
            )
            .result
            {
                Err(Http1Error::HeadTooLarge {
                    capacity,
                    needed: n,
                }) => {
                    assert_eq!((capacity, n), (needed - 1, Some(needed)));
                }
                Err(Http1Error::StatusOutOfRange { .. } | Http1Error::SwitchingProtocols) => {}
                Err(e) => assert!(SYNTAX_ERRORS.contains(&e), "{e:?}"),
                other => panic!("{other:?}"),
            }
        }
        Err(Http1Error::HeadTooLarge { needed: None, .. }) => assert!(o.eof),
        Err(Http1Error::TooManyHeaders { capacity, needed }) => {
            assert_eq!(capacity, o.headers);
            assert!(needed > capacity);
            let enough = Opts {
                headers: needed,
                ..*o
            };
            let r = run(&[wire], &enough);
            assert!(
                !matches!(r.result, Err(Http1Error::TooManyHeaders { .. })),
                "{r:?}"
            );
        }
        // A full buffer shows a malformed head that a larger one would
        // show at the end of the head, or at the close.
        Err(e) if big.result == Ok(false) => {
            assert!(SYNTAX_ERRORS.contains(&e), "{e:?}");
            let closed = run(&[wire], &Opts { eof: true, ..roomy });
            assert_eq!(closed.result, Err(e));
        }
        // Too large, but the end of the head not seen yet; a larger
        // buffer saw the status line, or the whole head, refused.
        Ok(false) if big.result.is_err() => {
            let closed = run(&[wire], &Opts { eof: true, ..*o });
            assert!(
                matches!(
                    closed.result,
                    Err(Http1Error::HeadTooLarge { needed: None, .. })
                ),
                "{closed:?}"
            );
        }
        // Closed inside a head with more headers than the storage: cut
        // short, and httparse never got past the storage to see more.
        Err(Http1Error::IncompleteHead) if big.result != whole.result => {
            assert!(o.eof);
            let storage = Opts {
                headers: roomy.headers,
                ..*o
            };
            assert_eq!(run(&[wire], &storage).result, big.result);
        }
        // Fits: the same as with room to spare.
        _ => assert_eq!(whole, big),
    }
    whole
}

fn cuts(input: &mut Input<'_>, len: usize) -> Vec<usize> {
    (0..input.below(8)).map(|_| input.below(len + 1)).collect()
}

/// A header value: printable ASCII and tabs inside.
fn value(input: &mut Input<'_>, max: usize) -> String {
    let v: String = input
        .text(max)
        .chars()
        .map(|c| {
            if c == '\t' || (' '..='~').contains(&c) {
                c
            } else {
                'x'
            }
        })
        .collect();
    v.trim_matches([' ', '\t']).to_string()
}

fn eol(input: &mut Input<'_>) -> &'static str {
    if input.byte().is_multiple_of(8) {
        "\n"
    } else {
        "\r\n"
    }
}

/// A well-formed answer from the input, read as its generator says.
fn generated(input: &mut Input<'_>) {
    let mut wire = String::new();
    for _ in 0..input.below(3) {
        let code = [100, 102, 103][input.below(3)];
        wire.push_str(&format!("HTTP/1.1 {code} Interim{}", eol(input)));
        if input.bool() {
            wire.push_str(&format!("Link: </a>{}", eol(input)));
        }
        wire.push_str(eol(input));
    }
    let minor = u8::from(!input.byte().is_multiple_of(4));
    let status = match input.byte() % 4 {
        0 => 200,
        1 => [201, 204, 206, 304, 403, 404, 412, 500, 503][input.below(9)],
        _ => 200 + input.below(400) as u16,
    };
    let head_request = input.byte().is_multiple_of(6);
    let no_body = head_request || matches!(status, 204 | 304);
    // 0: Content-Length, 1: chunked, 2: until the close.
    let framing = match input.byte() % 3 {
        1 if minor == 1 => 1,
        f => f * u8::from(f != 1),
    };
    let connection = ["", "close", "keep-alive", "Keep-Alive, x"][input.below(4)];
    let n = input.below(700);
    let body: Vec<u8> = input.take(n).to_vec();
    let reason = value(input, 20);
    wire.push_str(&format!("HTTP/1.{minor} {status} {reason}{}", eol(input)));
    let names = [
        "Content-Type",
        "Server",
        "x-cos-request-id",
        "ETag",
        "Date",
        "X-A",
    ];
    let mut lines = Vec::new();
    for _ in 0..input.below(6) {
        let name = names[input.below(names.len())];
        lines.push(format!(
            "{name}:{}{}",
            [" ", "", "\t"][input.below(3)],
            value(input, 40)
        ));
    }
    if !connection.is_empty() {
        lines.push(format!("Connection: {connection}"));
    }
    match framing {
        0 => lines.push(format!("Content-Length: {}", body.len())),
        1 => lines.push("Transfer-Encoding: chunked".to_string()),
        _ => {}
    }
    let at = input.below(lines.len() + 1);
    lines.rotate_left(at);
    for l in &lines {
        wire.push_str(l);
        wire.push_str(eol(input));
    }
    wire.push_str(eol(input));
    let mut wire = wire.into_bytes();
    if !no_body {
        if framing == 1 {
            let mut rest = &body[..];
            while !rest.is_empty() {
                let n = (input.below(rest.len()) + 1).min(rest.len());
                let zeros = "0".repeat(input.below(3));
                let size = if input.bool() {
                    format!("{zeros}{n:x}")
                } else {
                    format!("{zeros}{n:X}")
                };
                let ext = [";", " ; a=\"b c\"", ";x", ""][input.below(4)];
                wire.extend_from_slice(format!("{size}{ext}{}", eol(input)).as_bytes());
                wire.extend_from_slice(&rest[..n]);
                wire.extend_from_slice(eol(input).as_bytes());
                rest = &rest[n..];
            }
            wire.extend_from_slice(format!("0{}", eol(input)).as_bytes());
            for _ in 0..input.below(3) {
                wire.extend_from_slice(format!("T: {}{}", value(input, 10), eol(input)).as_bytes());
            }
            wire.extend_from_slice(eol(input).as_bytes());
        } else {
            wire.extend_from_slice(&body);
        }
    }
    let extra = input.byte().is_multiple_of(5);
    if extra && framing != 2 {
        wire.extend_from_slice(b"HTTP/1.1 200 OK\r\n");
    }
    let eof = framing == 2 || input.byte().is_multiple_of(4);
    let o = Opts {
        head_request,
        eof,
        buf: wire.len(),
        // An interim head may have a header.
        headers: lines.len().max(1),
    };
    let cuts = cuts(input, wire.len());
    let r = check_wire(&wire, &o, &cuts);
    let want_body: &[u8] = if no_body { b"" } else { &body };
    assert_eq!(r.result, Ok(true), "{:?}", String::from_utf8_lossy(&wire));
    assert_eq!(r.body, want_body);
    let h = r.head.expect("a head");
    assert_eq!((h.status, h.minor, h.reason), (status, minor, reason));
    assert_eq!(h.headers.len(), lines.len());
    let want_framing = match framing {
        _ if no_body => Framing::NoBody,
        0 => Framing::Length(body.len() as u64),
        1 => Framing::Chunked,
        _ => Framing::UntilClose,
    };
    assert_eq!(h.framing, want_framing);
    let keep = match connection {
        "close" => false,
        "" => minor == 1,
        _ => true,
    };
    assert_eq!(h.keep_alive, keep && want_framing != Framing::UntilClose);
    assert_eq!(r.reusable, h.keep_alive && !extra && !eof);
}

/// Arbitrary bytes with arbitrary buffers.
fn arbitrary(input: &mut Input<'_>) {
    let flags = input.byte();
    let buf = if flags & 4 == 0 {
        4096
    } else {
        input.below(300)
    };
    let headers = if flags & 8 == 0 { 64 } else { input.below(12) };
    let o = Opts {
        head_request: flags & 1 == 1,
        eof: flags & 2 == 2,
        buf,
        headers,
    };
    let n = input.below(8);
    let raw: Vec<u16> = (0..n).map(|_| input.u16()).collect();
    let wire = input.rest();
    let cuts: Vec<usize> = raw
        .iter()
        .map(|&c| usize::from(c) % (wire.len() + 1))
        .collect();
    let r = check_wire(wire, &o, &cuts);
    if let Err(e) = r.result {
        assert!(!e.to_string().is_empty());
    }
}

/// The target's check.
pub fn check(data: &[u8]) {
    let mut input = Input::new(data);
    if input.byte().is_multiple_of(2) {
        arbitrary(&mut input);
    } else {
        generated(&mut input);
    }
}
