//! Reading requests off a connection: the head with `httparse`, the body
//! by `Content-Length` or chunked, the target decoded as COS decodes it.

use crate::reply::{Failure, fail};
use crate::{MAX_BODY, MAX_HEADERS, MAX_REQUEST_HEAD};
use std::io::{self, Read, Write};
use std::net::TcpStream;

/// A parsed request.
pub(crate) struct Request {
    pub method: String,
    /// The decoded path (`+` read as a space).
    pub path: String,
    /// The query as received, without the `?`.
    pub raw_query: String,
    /// The decoded query parameters, in order (`+` read as a space).
    pub params: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub keep_alive: bool,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn has(&self, name: &str) -> bool {
        self.param(name).is_some()
    }
}

/// The connection's socket and the bytes read but not yet used.
pub(crate) struct Conn {
    pub stream: TcpStream,
    pub buf: Vec<u8>,
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

    /// Reads until at least `n` bytes are buffered.
    fn fill_to(&mut self, n: usize) -> Result<(), Failure> {
        while self.buf.len() < n {
            match self.fill() {
                Ok(true) => {}
                _ => return Err(bad("request body ended early")),
            }
        }
        Ok(())
    }
}

fn bad(message: &str) -> Failure {
    fail(400, "InvalidRequest", message)
}

fn hex_digit(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes one component of a URL as COS does: `%XX` (two hex digits,
/// either case) is that byte, `+` is a space; `None` on a bad escape or
/// bad UTF-8. A literal plus must be sent as `%2B`.
///
/// Why `+` is a space everywhere: COS reads a raw `+` in an object key as
/// a space (the signature reference's "what users trip over", item 1), and
/// in query values too — Python's HTTP stack sends a space in a parameter
/// as `+` while its SDK signs `%20`, and COS accepts those requests
/// (`response-content-disposition=attachment%3B+filename...`). So a client
/// that signs a plus and sends it raw fails here as it fails on COS.
pub(crate) fn decode_component(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        match c {
            b'%' => {
                let hi = hex_digit(*b.get(i + 1)?)?;
                let lo = hex_digit(*b.get(i + 2)?)?;
                out.push(hi << 4 | lo);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// A `Content-Length` value: decimal digits only (no sign, no spaces
/// inside), at most 19 of them.
pub(crate) fn parse_length(v: &str) -> Option<u64> {
    if v.is_empty() || v.len() > 19 || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    v.parse().ok()
}

/// Splits a request target into the decoded path, the raw query and the
/// decoded params.
pub(crate) type Target = (String, String, Vec<(String, String)>);

/// Decodes a request target (origin form).
pub(crate) fn parse_target(target: &str) -> Result<Target, Failure> {
    let (raw_path, query) = target.split_once('?').unwrap_or((target, ""));
    if !raw_path.starts_with('/') {
        return Err(bad("the request target is not a path"));
    }
    let path = decode_component(raw_path).ok_or_else(|| bad("bad escape in the path"))?;
    let mut params = Vec::new();
    for piece in query.split('&').filter(|p| !p.is_empty()) {
        let (n, v) = piece.split_once('=').unwrap_or((piece, ""));
        let n = decode_component(n).ok_or_else(|| bad("bad escape in the query"))?;
        let v = decode_component(v).ok_or_else(|| bad("bad escape in the query"))?;
        params.push((n, v));
    }
    Ok((path, query.to_owned(), params))
}

/// Reads one request: `Ok(None)` when the client has gone (or stayed idle
/// past the timeout) between requests.
pub(crate) fn read_request(conn: &mut Conn) -> Result<Option<Request>, Failure> {
    let (head_len, method, target, minor, headers) = loop {
        let mut slots = vec![httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut req = httparse::Request::new(&mut slots);
        match req.parse(&conn.buf) {
            Ok(httparse::Status::Complete(n)) => {
                let mut headers = Vec::with_capacity(req.headers.len());
                for h in req.headers.iter() {
                    let value = std::str::from_utf8(h.value)
                        .map_err(|_| bad("a header value is not UTF-8"))?;
                    headers.push((
                        h.name.to_owned(),
                        value.trim_matches([' ', '\t']).to_owned(),
                    ));
                }
                break (
                    n,
                    req.method.unwrap_or_default().to_owned(),
                    req.path.unwrap_or_default().to_owned(),
                    req.version.unwrap_or(1),
                    headers,
                );
            }
            Ok(httparse::Status::Partial) => {}
            Err(httparse::Error::TooManyHeaders) => {
                return Err(fail(431, "InvalidRequest", "too many header lines"));
            }
            Err(e) => return Err(bad(&format!("malformed request head: {e}"))),
        }
        if conn.buf.len() > MAX_REQUEST_HEAD {
            return Err(fail(431, "InvalidRequest", "request head too large"));
        }
        match conn.fill() {
            Ok(true) => {}
            Ok(false) | Err(_) if conn.buf.is_empty() => return Ok(None),
            _ => return Err(bad("incomplete request head")),
        }
    };
    conn.buf.drain(..head_len);
    let (path, raw_query, params) = parse_target(&target)?;
    let mut request = Request {
        method,
        path,
        raw_query,
        params,
        headers,
        body: Vec::new(),
        keep_alive: minor == 1,
    };
    match request.header("connection") {
        Some(c) if c.eq_ignore_ascii_case("close") => request.keep_alive = false,
        Some(c) if c.eq_ignore_ascii_case("keep-alive") => request.keep_alive = true,
        _ => {}
    }
    let lengths: Vec<&str> = request
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .map(|(_, v)| v.as_str())
        .collect();
    let length = match lengths.as_slice() {
        [] => None,
        [v] => Some(parse_length(v).ok_or_else(|| bad("invalid Content-Length"))?),
        _ => return Err(bad("more than one Content-Length")),
    };
    let chunked = match request.header("transfer-encoding") {
        None => false,
        Some(te) if te.eq_ignore_ascii_case("chunked") => true,
        Some(_) => {
            return Err(fail(
                501,
                "NotImplemented",
                "only Transfer-Encoding: chunked is emulated",
            ));
        }
    };
    if chunked && length.is_some() {
        return Err(bad("both Content-Length and Transfer-Encoding"));
    }
    if length.is_some_and(|n| n > MAX_BODY) {
        return Err(fail(413, "EntityTooLarge", "request body too large"));
    }
    let expects_body = chunked || length.is_some_and(|n| n > 0);
    if expects_body
        && conn.buf.is_empty()
        && request
            .header("expect")
            .is_some_and(|e| e.eq_ignore_ascii_case("100-continue"))
    {
        let _ = conn.stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
    }
    request.body = if chunked {
        read_chunked(conn)?
    } else {
        let n = usize::try_from(length.unwrap_or(0)).map_err(|_| bad("body too large"))?;
        conn.fill_to(n)?;
        conn.buf.drain(..n).collect()
    };
    Ok(Some(request))
}

/// Reads a line ending in CRLF (the CRLF not included).
fn read_line(conn: &mut Conn) -> Result<String, Failure> {
    loop {
        if let Some(i) = conn.buf.windows(2).position(|w| w == b"\r\n") {
            let line: Vec<u8> = conn.buf.drain(..i + 2).take(i).collect();
            return String::from_utf8(line).map_err(|_| bad("chunk line is not UTF-8"));
        }
        if conn.buf.len() > 4096 {
            return Err(bad("chunk line too long"));
        }
        match conn.fill() {
            Ok(true) => {}
            _ => return Err(bad("chunked body ended early")),
        }
    }
}

/// Reads a chunked body: `size[;ext]` CRLF data CRLF ... `0` CRLF
/// trailers CRLF. The size is hex digits only.
fn read_chunked(conn: &mut Conn) -> Result<Vec<u8>, Failure> {
    let mut body = Vec::new();
    loop {
        let line = read_line(conn)?;
        let size = line.split(';').next().unwrap_or_default();
        if size.is_empty() || size.len() > 15 || !size.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad("invalid chunk size"));
        }
        let size = u64::from_str_radix(size, 16).map_err(|_| bad("invalid chunk size"))?;
        if body.len() as u64 + size > MAX_BODY {
            return Err(fail(413, "EntityTooLarge", "request body too large"));
        }
        if size == 0 {
            // Trailers, up to the empty line.
            while !read_line(conn)?.is_empty() {}
            return Ok(body);
        }
        let size = size as usize;
        conn.fill_to(size + 2)?;
        body.extend_from_slice(&conn.buf[..size]);
        if &conn.buf[size..size + 2] != b"\r\n" {
            return Err(bad("chunk data not followed by CRLF"));
        }
        conn.buf.drain(..size + 2);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_decode_as_cos_reads_them() {
        assert_eq!(decode_component("a+b%2Bc%20d").as_deref(), Some("a b+c d"));
        assert_eq!(decode_component("%E4%B8%AD").as_deref(), Some("中"));
        assert_eq!(decode_component("%e4%b8%ad").as_deref(), Some("中"));
        // A sign is not a hex digit (`from_str_radix` would take `+A`).
        for bad in ["%+A", "%-1", "%A", "%", "%GG", "%FF"] {
            assert_eq!(decode_component(bad), None, "{bad}");
        }
    }

    #[test]
    fn lengths_are_digits_only() {
        assert_eq!(parse_length("0"), Some(0));
        assert_eq!(parse_length("1234"), Some(1234));
        for bad in ["+0", "-1", "", " 1", "1 2", "0x10", "99999999999999999999"] {
            assert_eq!(parse_length(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn targets_split_into_path_and_params() {
        let (path, raw, params) = parse_target("/a+b/%E4%B8%AD?uploads&x=a+b%2B&q-ak=AK").unwrap();
        assert_eq!(path, "/a b/中");
        assert_eq!(raw, "uploads&x=a+b%2B&q-ak=AK");
        assert_eq!(
            params,
            [
                ("uploads".to_owned(), String::new()),
                ("x".to_owned(), "a b+".to_owned()),
                ("q-ak".to_owned(), "AK".to_owned()),
            ]
        );
        assert!(parse_target("x/y").is_err());
        assert!(parse_target("/%+A").is_err());
    }
}
