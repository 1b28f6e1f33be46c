//! Answers: the connection loop, error documents, and writing a reply
//! with its framing and any injected fault.

use crate::http::{Conn, Request, read_request};
use crate::xml::{DECLARATION, hex, http_date, md5, xml_text};
use crate::{Fault, Framing, Logged, Op, Shared, close};
use std::fmt::Write as _;
use std::io::{self, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::thread;

/// An error answer: status, `Code`, `Message`, and on a signature
/// mismatch the server's StringToSign and HttpString.
#[derive(Debug)]
pub(crate) struct Failure {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
    pub signed_texts: Option<(String, String)>,
}

pub(crate) fn fail(status: u16, code: &'static str, message: impl Into<String>) -> Failure {
    Failure {
        status,
        code,
        message: message.into(),
        signed_texts: None,
    }
}

/// An I/O error of the store, as COS would show one.
pub(crate) fn internal(e: &io::Error) -> Failure {
    fail(500, "InternalError", format!("storage error: {e}"))
}

pub(crate) enum Body {
    Empty,
    /// An XML document.
    Xml(String),
    /// Object bytes (a range of them for a 206).
    Data(Arc<Vec<u8>>, std::ops::Range<usize>),
    /// A HEAD answer: this `Content-Length`, no body.
    HeadOf(u64),
    /// Complete's answer: the XML once the merge sends it.
    Merging(mpsc::Receiver<String>),
}

pub(crate) struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Body,
    pub code: Option<String>,
    pub message: Option<String>,
}

impl Reply {
    pub fn new(status: u16, body: Body) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body,
            code: None,
            message: None,
        }
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        206 => "Partial Content",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Request Entity Too Large",
        416 => "Requested Range Not Satisfiable",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        _ => "Unknown",
    }
}

fn request_id(number: u64) -> String {
    format!("NjU0ZWI5{number:08x}")
}

fn trace_id(number: u64) -> String {
    hex(&md5(format!("trace-{number}").as_bytes()))
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

/// One connection: requests in turn until the client goes, an answer
/// says close, or a fault ends it.
pub(crate) fn serve(shared: &Shared, stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(shared.config.idle_timeout));
    let _ = stream.set_nodelay(true);
    let mut conn = Conn {
        stream,
        buf: Vec::new(),
    };
    loop {
        if shared.stop.load(Ordering::SeqCst) {
            return close(&conn.stream);
        }
        let request = match read_request(&mut conn) {
            Ok(Some(r)) => r,
            Ok(None) => return,
            Err(f) => {
                let number = shared.requests.fetch_add(1, Ordering::SeqCst) + 1;
                let reply = shared.error_reply(&f, "", "", number);
                shared.record(Logged {
                    number,
                    method: String::new(),
                    host: String::new(),
                    path: String::new(),
                    op: None,
                    part: None,
                    status: reply.status,
                    code: reply.code.clone(),
                    message: reply.message.clone(),
                    fault: None,
                });
                let _ = shared.send(&mut conn.stream, reply, None, false, number);
                return close(&conn.stream);
            }
        };
        if !handle_one(shared, &mut conn, &request) {
            return close(&conn.stream);
        }
    }
}

/// Answers one request; `false` if the connection must close.
fn handle_one(shared: &Shared, conn: &mut Conn, request: &Request) -> bool {
    let number = shared.requests.fetch_add(1, Ordering::SeqCst) + 1;
    let now = (shared.config.clock)();
    let op = shared.op(request);
    let part = request.param("partNumber").and_then(|n| n.parse().ok());
    let fault = shared.take_fault(number, op, part);
    let host = request.header("host").unwrap_or_default().to_owned();
    let mut entry = Logged {
        number,
        method: request.method.clone(),
        host: host.clone(),
        path: request.path.clone(),
        op,
        part: if op == Some(Op::PartCopy) { part } else { None },
        status: 0,
        code: None,
        message: None,
        fault: fault.clone(),
    };
    let mut reply = match &fault {
        Some(Fault::Reset) => {
            shared.record(entry);
            return false;
        }
        Some(Fault::Error {
            status,
            code,
            message,
        }) => shared.error_reply(&fail(*status, code, *message), &host, &request.path, number),
        _ => match shared.handle(request, now, fault.as_ref()) {
            Ok(r) => r,
            Err(f) => shared.error_reply(&f, &host, &request.path, number),
        },
    };
    if request.method.eq_ignore_ascii_case("HEAD") {
        // A HEAD answer has no body: an error keeps only its status.
        if let Body::Xml(xml) = &reply.body {
            reply.body = Body::HeadOf(xml.len() as u64);
        }
    }
    entry.status = reply.status;
    entry.code.clone_from(&reply.code);
    entry.message.clone_from(&reply.message);
    shared.record(entry);
    // CloseAfter still says keep-alive: the close comes unannounced.
    matches!(
        shared.send(
            &mut conn.stream,
            reply,
            fault.as_ref(),
            request.keep_alive,
            number
        ),
        Ok(true)
    )
}

impl Shared {
    pub(crate) fn error_reply(&self, f: &Failure, host: &str, path: &str, number: u64) -> Reply {
        let mut xml = String::from(DECLARATION);
        xml.push_str("<Error>\n");
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
        let _ = writeln!(xml, "\t<RequestId>{}</RequestId>", request_id(number));
        let _ = writeln!(xml, "\t<TraceId>{}</TraceId>", trace_id(number));
        xml.push_str("</Error>");
        let mut reply = Reply::new(f.status, Body::Xml(xml));
        reply.code = Some(f.code.to_owned());
        reply.message = Some(f.message.clone());
        reply
    }

    /// Writes `reply` (with `fault`); `Ok(true)` if the connection may be
    /// used again.
    pub(crate) fn send(
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
        let _ = write!(head, "x-cos-request-id: {}\r\n", request_id(number));
        let _ = write!(head, "x-cos-trace-id: {}\r\n", trace_id(number));
        for (n, v) in &reply.headers {
            let _ = write!(head, "{n}: {v}\r\n");
        }
        head.push_str(if keep_alive {
            "Connection: keep-alive\r\n"
        } else {
            "Connection: close\r\n"
        });
        let spaces = match fault {
            Some(Fault::KeepAliveSpaces(n)) => *n,
            _ => 0,
        };
        let body = match reply.body {
            Body::Empty => {
                head.push_str("Content-Length: 0\r\n\r\n");
                Vec::new()
            }
            Body::HeadOf(len) => {
                let _ = write!(head, "Content-Length: {len}\r\n\r\n");
                Vec::new()
            }
            Body::Data(data, range) => {
                let _ = write!(head, "Content-Length: {}\r\n\r\n", range.len());
                data.get(range).unwrap_or_default().to_vec()
            }
            Body::Xml(xml) => xml_body(&mut head, xml.into_bytes(), chunk_xml, cfg.max_chunk),
            Body::Merging(rx) if cfg.framing == Framing::Length => {
                // No way to send anything before the length is known.
                let mut all = " ".repeat(spaces as usize);
                all.push_str(&rx.recv().unwrap_or_default());
                xml_body(&mut head, all.into_bytes(), false, cfg.max_chunk)
            }
            Body::Merging(rx) => {
                let fast = if spaces == 0 {
                    rx.recv_timeout(cfg.keepalive_after).ok()
                } else {
                    None
                };
                match fast {
                    Some(xml) => xml_body(&mut head, xml.into_bytes(), true, cfg.max_chunk),
                    None => {
                        // A slow merge (or the fault): the head now, then
                        // spaces until the XML is ready.
                        head.push_str("Content-Type: application/xml\r\n");
                        head.push_str("Transfer-Encoding: chunked\r\n\r\n");
                        stream.write_all(head.as_bytes())?;
                        head.clear();
                        let space = |s: &mut TcpStream| {
                            s.write_all(b"1\r\n \r\n")?;
                            s.flush()
                        };
                        for _ in 0..spaces {
                            space(stream)?;
                        }
                        let xml = loop {
                            match rx.recv_timeout(cfg.keepalive_interval) {
                                Ok(xml) => break xml,
                                Err(mpsc::RecvTimeoutError::Timeout) => space(stream)?,
                                Err(mpsc::RecvTimeoutError::Disconnected) => break String::new(),
                            }
                        };
                        chunked(xml.as_bytes(), cfg.max_chunk)
                    }
                }
            }
        };
        let mut wire = head.into_bytes();
        let head_len = wire.len();
        wire.extend_from_slice(&body);
        match fault {
            Some(Fault::DropMidBody) => {
                stream.write_all(&wire[..head_len + body.len() / 2])?;
                stream.flush()?;
                Ok(false)
            }
            Some(Fault::Trickle(delay)) => {
                stream.write_all(&wire[..head_len])?;
                for b in &body {
                    stream.write_all(std::slice::from_ref(b))?;
                    stream.flush()?;
                    thread::sleep(*delay);
                }
                Ok(keep_alive)
            }
            Some(Fault::CloseAfter) => {
                stream.write_all(&wire)?;
                stream.flush()?;
                Ok(false)
            }
            Some(Fault::NoAnswer) => Ok(false),
            Some(Fault::Delay(delay)) => {
                thread::sleep(*delay);
                stream.write_all(&wire)?;
                stream.flush()?;
                Ok(keep_alive)
            }
            _ => {
                stream.write_all(&wire)?;
                stream.flush()?;
                Ok(keep_alive)
            }
        }
    }
}

/// Ends `head` for an XML body and returns the body's wire form.
fn xml_body(head: &mut String, xml: Vec<u8>, chunk: bool, max_chunk: usize) -> Vec<u8> {
    head.push_str("Content-Type: application/xml\r\n");
    if chunk {
        head.push_str("Transfer-Encoding: chunked\r\n\r\n");
        chunked(&xml, max_chunk)
    } else {
        let _ = write!(head, "Content-Length: {}\r\n\r\n", xml.len());
        xml
    }
}
