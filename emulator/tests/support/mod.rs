//! A small client for the emulator's tests: requests signed with the
//! crate, sent over a fresh connection each, answers read with
//! `httparse`, and every XML answer checked by a strict XML parser.

#![allow(dead_code)]

use cos_emulator::{Config, Emulator, REGION, SECRET_ID, SECRET_KEY};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tencent_cos_core::Output;
use tencent_cos_core::{CanonicalRequest, Credentials, KeyTime, Selection, SigningKey};

/// Name/value pairs.
pub type Pairs<'a> = &'a [(&'a str, &'a str)];

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

pub fn host_of(bucket: &str) -> String {
    format!("{bucket}.cos.{REGION}.myqcloud.com")
}

/// `E(s)`: every byte but `A-Za-z0-9-_.~` as `%XX`; `/` kept if `path`.
pub fn encode(s: &str, path: bool) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') || path && b == b'/'
        {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A query as sent: `E(name)=E(value)` joined by `&`.
pub fn query(params: &[(&str, &str)]) -> String {
    params
        .iter()
        .map(|(n, v)| format!("{}={}", encode(n, false), encode(v, false)))
        .collect::<Vec<_>>()
        .join("&")
}

/// An answer.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// The body, de-chunked.
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The text of the first element of this name in the XML body.
    pub fn field(&self, name: &str) -> Option<String> {
        let text = self.text();
        let doc = roxmltree::Document::parse(&text).ok()?;
        doc.descendants()
            .find(|n| n.has_tag_name(name))
            .map(|n| n.text().unwrap_or_default().to_owned())
    }

    /// The texts of every element of this name.
    pub fn fields(&self, name: &str) -> Vec<String> {
        let text = self.text();
        let doc = roxmltree::Document::parse(&text).expect("strict XML");
        doc.descendants()
            .filter(|n| n.has_tag_name(name))
            .map(|n| n.text().unwrap_or_default().to_owned())
            .collect()
    }

    /// `(status, Code)`.
    pub fn code(&self) -> (u16, String) {
        (self.status, self.field("Code").unwrap_or_default())
    }
}

/// Decodes a chunked body (all of it present).
fn dechunk(mut wire: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let eol = wire
            .windows(2)
            .position(|w| w == b"\r\n")
            .expect("chunk line");
        let size = std::str::from_utf8(&wire[..eol]).unwrap();
        let size = usize::from_str_radix(size.split(';').next().unwrap(), 16).unwrap();
        wire = &wire[eol + 2..];
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&wire[..size]);
        assert_eq!(&wire[size..size + 2], b"\r\n");
        wire = &wire[size + 2..];
    }
}

/// Sends `raw` on a new connection and reads the one answer (the
/// emulator closes after it: requests say `Connection: close`). Every
/// XML answer must be readable by a strict parser, unless `lenient`.
pub fn exchange(addr: SocketAddr, raw: &[u8], head_request: bool, lenient: bool) -> Resp {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s.write_all(raw).unwrap();
    let mut wire = Vec::new();
    s.read_to_end(&mut wire).unwrap();
    let mut slots = [httparse::EMPTY_HEADER; 256];
    let mut r = httparse::Response::new(&mut slots);
    let n = match r.parse(&wire).unwrap() {
        httparse::Status::Complete(n) => n,
        httparse::Status::Partial => {
            panic!("no whole answer: {:?}", String::from_utf8_lossy(&wire))
        }
    };
    let headers: Vec<(String, String)> = r
        .headers
        .iter()
        .map(|h| {
            (
                h.name.to_owned(),
                String::from_utf8(h.value.to_vec()).unwrap(),
            )
        })
        .collect();
    let status = r.code.unwrap();
    let mut resp = Resp {
        status,
        headers,
        body: Vec::new(),
    };
    let rest = &wire[n..];
    resp.body = if head_request {
        assert!(rest.is_empty(), "a HEAD answer has no body");
        Vec::new()
    } else if resp
        .header("transfer-encoding")
        .is_some_and(|t| t.eq_ignore_ascii_case("chunked"))
    {
        dechunk(rest)
    } else {
        let len: usize = resp.header("content-length").unwrap().parse().unwrap();
        assert_eq!(rest.len(), len, "Content-Length and body agree");
        rest.to_vec()
    };
    if !lenient && !resp.body.is_empty() && resp.header("content-type") == Some("application/xml") {
        let text = resp.text();
        assert!(text.starts_with("<?xml"), "the declaration first: {text:?}");
        if let Err(e) = roxmltree::Document::parse(&text) {
            panic!("not strict XML ({e}): {text}");
        }
    }
    resp
}

/// A signer and sender for one emulator.
pub struct Client {
    pub addr: SocketAddr,
    pub secret_id: String,
    pub secret_key: String,
    pub token: Option<String>,
    pub bucket: String,
    /// Send the token header unsigned (as the Node SDK does).
    pub start: u64,
    pub end: u64,
}

impl Client {
    pub fn new(emu: &Emulator, bucket: &str) -> Self {
        let now = now();
        Self {
            addr: emu.addr(),
            secret_id: SECRET_ID.into(),
            secret_key: SECRET_KEY.into(),
            token: None,
            bucket: bucket.into(),
            start: now - 60,
            end: now + 3600,
        }
    }

    pub fn host(&self) -> String {
        host_of(&self.bucket)
    }

    /// This client's key for its window, with its token or without.
    fn key(&self, token: bool) -> SigningKey {
        let creds = match self.token.as_deref().filter(|_| token) {
            Some(t) => Credentials::with_token(&self.secret_id, &self.secret_key, t).unwrap(),
            None => Credentials::new(&self.secret_id, &self.secret_key).unwrap(),
        };
        SigningKey::new(&creds, KeyTime::new(self.start, self.end).unwrap())
    }

    /// The `Authorization` value over exactly these pairs (the token is
    /// a header: pass it among `headers` to sign it).
    pub fn authorization(&self, method: &str, path: &str, p: Pairs<'_>, h: Pairs<'_>) -> String {
        let req = CanonicalRequest::new(method, path, p, h);
        self.key(false)
            .sign(&req, Selection::Exact)
            .unwrap()
            .to_string()
    }

    /// The presigned query (`q-*`, then the token as a field if any).
    pub fn presigned_query(&self, method: &str, path: &str, p: Pairs<'_>, h: Pairs<'_>) -> String {
        let req = CanonicalRequest::new(method, path, p, h);
        let mut q = String::new();
        let key = self.key(true);
        let signer = match self.token.as_deref() {
            Some(t) => key.with_token(t).unwrap(),
            None => (&key).into(),
        };
        signer
            .sign(&req, Selection::Exact)
            .unwrap()
            .presigned_query()
            .write_to(&mut q)
            .unwrap();
        q
    }

    /// A request written out: request line, headers, `Connection: close`.
    pub fn raw(
        &self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Vec<u8> {
        let mut raw = format!("{method} {target} HTTP/1.1\r\n");
        for (n, v) in headers {
            raw.push_str(&format!("{n}: {v}\r\n"));
        }
        raw.push_str("Connection: close\r\n\r\n");
        let mut raw = raw.into_bytes();
        raw.extend_from_slice(body);
        raw
    }

    /// Signs (`Host`, `Content-Length` for a body or a PUT/POST, the token,
    /// then `extra`) and sends.
    pub fn send(
        &self,
        method: &str,
        key: &str,
        params: &[(&str, &str)],
        extra: &[(&str, &str)],
        body: &[u8],
    ) -> Resp {
        let host = self.host();
        let len = body.len().to_string();
        let mut headers: Vec<(&str, &str)> = vec![("Host", &host)];
        if !body.is_empty() || method == "PUT" || method == "POST" {
            headers.push(("Content-Length", &len));
        }
        if let Some(t) = &self.token {
            headers.push(("x-cos-security-token", t));
        }
        headers.extend_from_slice(extra);
        let path = format!("/{key}");
        let auth = self.authorization(method, &path, params, &headers);
        let mut all = headers.clone();
        all.push(("Authorization", &auth));
        let mut target = format!("/{}", encode(key, true));
        if !params.is_empty() {
            target = format!("{target}?{}", query(params));
        }
        let raw = self.raw(method, &target, &all, body);
        exchange(self.addr, &raw, method == "HEAD", false)
    }

    pub fn put(&self, key: &str, body: &[u8]) -> Resp {
        self.send("PUT", key, &[], &[], body)
    }

    pub fn get(&self, key: &str) -> Resp {
        self.send("GET", key, &[], &[], b"")
    }

    /// Initiates an upload; its id.
    pub fn initiate(&self, key: &str) -> String {
        let r = self.send("POST", key, &[("uploads", "")], &[], b"");
        assert_eq!(r.status, 200, "{}", r.text());
        r.field("UploadId").unwrap()
    }

    pub fn upload_part(&self, key: &str, id: &str, n: u16, data: &[u8]) -> String {
        let n = n.to_string();
        let r = self.send(
            "PUT",
            key,
            &[("partNumber", &n), ("uploadId", id)],
            &[],
            data,
        );
        assert_eq!(r.status, 200, "{}", r.text());
        r.header("ETag").unwrap().to_owned()
    }

    pub fn complete_body(parts: &[(u16, &str)]) -> String {
        let mut body = String::from("<CompleteMultipartUpload>");
        for (n, etag) in parts {
            body.push_str(&format!(
                "<Part><PartNumber>{n}</PartNumber><ETag>{etag}</ETag></Part>"
            ));
        }
        body + "</CompleteMultipartUpload>"
    }
}

/// An emulator with the default buckets.
pub fn start(config: Config) -> Emulator {
    Emulator::start(config).expect("the emulator starts")
}
