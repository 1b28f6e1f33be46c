//! What the benchmarks (`benches/cos.rs`) and the instruction-count harness
//! (`src/bin/instructions.rs`) share: the sample request and response, and
//! the peers they are measured against. Nothing here is part of the
//! library.

#![allow(missing_docs, clippy::missing_panics_doc)]

use tencent_cos_core::{CanonicalRequest, Credentials, KeyTime};

pub const SECRET_ID: &str = "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q";
pub const SECRET_KEY: &str = "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz";
pub const PATH: &str = "/dest/big-file.bin";
pub const PARAMS: [(&str, &str); 2] = [
    ("partNumber", "1"),
    (
        "uploadId",
        "1585130821cbb7df1d11846c073ad648e8f33b087cec2381df437acdc833cf654b9ecc6361",
    ),
];
/// The headers of a typical UploadPartCopy (the Python SDK's wire capture).
pub const HEADERS: [(&str, &str); 5] = [
    (
        "x-cos-copy-source-If-Match",
        "\"ee8de918d05640145b18f70f4c3aa602\"",
    ),
    (
        "x-cos-copy-source",
        "sourcebucket-1250000000.cos.ap-guangzhou.myqcloud.com/%E6%BA%90%E6%96%87%E4%BB%B6/report%20%2B%20final~%2A.txt?versionId=MTg0NDUxNTc1NjIzMTQ1MDAwODg",
    ),
    ("x-cos-copy-source-range", "bytes=0-1048575"),
    (
        "Host",
        "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com",
    ),
    ("Content-Length", "0"),
];

pub fn request() -> CanonicalRequest<'static> {
    CanonicalRequest::new("PUT", PATH, &PARAMS, &HEADERS)
}

pub fn credentials() -> Credentials<'static> {
    Credentials::new(SECRET_ID, SECRET_KEY).unwrap()
}

pub fn key_time() -> KeyTime {
    KeyTime::new(1_700_000_000, 1_700_010_060).unwrap()
}

/// The sample CopyPartResult (the documentation's example answer).
pub const COPY_PART_RESULT: &[u8] =
    include_bytes!("../../tests/data/responses/copy-part-result.xml");
/// The same document with its ETag's quotes written as `&quot;`: only
/// checked (the peers' entity decoding), not timed.
pub const COPY_PART_RESULT_QUOT: &[u8] =
    include_bytes!("../../tests/data/responses/copy-part-result-quot-entities.xml");

/// The capacity of each value, as a small target would choose it.
pub const CAP: usize = 64;

/// The signer as SDKs commonly write it: strings, `format!`, a sorted
/// `Vec`, the `hmac` crate.
pub mod naive {
    use hmac::{KeyInit, Mac};

    fn hmac_hex(key: &[u8], msg: &[u8]) -> String {
        let mut m = hmac::Hmac::<sha1::Sha1>::new_from_slice(key).unwrap();
        m.update(msg);
        hex::encode(m.finalize().into_bytes())
    }

    fn encode(s: &str) -> String {
        let mut out = String::new();
        for b in s.bytes() {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                out.push(b as char);
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
        out
    }

    fn canonical(pairs: &[(&str, &str)]) -> (String, String) {
        let mut v: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (encode(k).to_lowercase(), encode(v)))
            .collect();
        v.sort();
        let joined = v
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&");
        let list = v
            .iter()
            .map(|(k, _)| k.clone())
            .collect::<Vec<_>>()
            .join(";");
        (joined, list)
    }

    #[allow(clippy::too_many_arguments)]
    pub fn sign(
        id: &str,
        secret: &str,
        start: u64,
        end: u64,
        method: &str,
        path: &str,
        params: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> String {
        let key_time = format!("{start};{end}");
        let sign_key = hmac_hex(secret.as_bytes(), key_time.as_bytes());
        let (p, plist) = canonical(params);
        let (h, hlist) = canonical(headers);
        let http = format!("{}\n{}\n{}\n{}\n", method.to_lowercase(), path, p, h);
        let digest = {
            use sha1::Digest;
            hex::encode(sha1::Sha1::digest(http.as_bytes()))
        };
        let sts = format!("sha1\n{key_time}\n{digest}\n");
        let sig = hmac_hex(sign_key.as_bytes(), sts.as_bytes());
        format!(
            "q-sign-algorithm=sha1&q-ak={id}&q-sign-time={key_time}&q-key-time={key_time}&q-header-list={hlist}&q-url-param-list={plist}&q-signature={sig}"
        )
    }
}

/// The peers: the same extraction (ETag and LastModified directly under
/// the root `CopyPartResult`, names matched without a prefix, entities
/// decoded, XML whitespace around the value trimmed) with each parser's
/// natural API. A value is borrowed from the body when it needs no
/// decoding and decoded into a stack buffer otherwise: no allocation.
pub mod peers {
    /// A value as the peers build it: one borrowed piece, or several
    /// pieces (text and decoded references) copied into a stack buffer.
    #[derive(Default)]
    pub struct Value<'a> {
        one: Option<&'a str>,
        buf: heapless::String<{ super::CAP }>,
        many: bool,
    }

    impl<'a> Value<'a> {
        pub fn borrowed(&mut self, s: &'a str) {
            if !self.many && self.one.is_none() {
                self.one = Some(s);
            } else {
                self.copied(s);
            }
        }

        pub fn copied(&mut self, s: &str) {
            if let Some(first) = self.one.take() {
                self.buf.push_str(first).unwrap();
            }
            self.many = true;
            self.buf.push_str(s).unwrap();
        }

        pub fn get(&self) -> &str {
            let v = if self.many {
                self.buf.as_str()
            } else {
                self.one.unwrap_or("")
            };
            v.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r'))
        }
    }

    #[derive(Clone, Copy, PartialEq)]
    enum Field {
        ETag,
        LastModified,
    }

    fn field(local: &str) -> Option<Field> {
        match local {
            "ETag" => Some(Field::ETag),
            "LastModified" => Some(Field::LastModified),
            _ => None,
        }
    }

    /// An element opens: one level deeper, and the field it holds if it
    /// is a child of the root (which must be `CopyPartResult`).
    fn start(depth: &mut usize, local: &str) -> Option<Field> {
        *depth += 1;
        match *depth {
            1 => {
                assert_eq!(local, "CopyPartResult");
                None
            }
            2 => field(local),
            _ => None,
        }
    }

    /// `&name;` or `&#..;` without the `&` and `;`, decoded.
    fn reference(name: &str) -> char {
        match name {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = match name.strip_prefix("#x") {
                    Some(hex) => u32::from_str_radix(hex, 16),
                    None => name.strip_prefix('#').unwrap().parse(),
                };
                char::from_u32(code.unwrap()).unwrap()
            }
        }
    }

    /// `xmlparser`: tokens borrow the body; a text token is the raw text,
    /// so only one holding a reference or a CR (which XML reads as LF)
    /// is decoded.
    pub fn xmlparser(body: &[u8]) -> (Value<'_>, Value<'_>) {
        use xmlparser::{ElementEnd, Token, Tokenizer};
        let text = core::str::from_utf8(body).unwrap();
        let (mut etag, mut last_modified) = (Value::default(), Value::default());
        let mut depth = 0usize;
        let mut current = None;
        for token in Tokenizer::from(text) {
            match token.unwrap() {
                Token::ElementStart { local, .. } => current = start(&mut depth, local.as_str()),
                Token::ElementEnd { end, .. } => match end {
                    ElementEnd::Open => {}
                    ElementEnd::Close(..) | ElementEnd::Empty => {
                        depth -= 1;
                        current = None;
                    }
                },
                Token::Text { text } if depth == 2 => {
                    let v = match current {
                        Some(Field::ETag) => &mut etag,
                        Some(Field::LastModified) => &mut last_modified,
                        None => continue,
                    };
                    let raw = text.as_str();
                    if !raw.bytes().any(|b| b == b'&' || b == b'\r') {
                        v.borrowed(raw);
                        continue;
                    }
                    let mut rest = raw;
                    while let Some(i) = rest.find(['&', '\r']) {
                        v.copied(&rest[..i]);
                        if rest.as_bytes()[i] == b'\r' {
                            v.copied("\n");
                            rest = &rest[i + 1..];
                            rest = rest.strip_prefix('\n').unwrap_or(rest);
                        } else {
                            let end = i + rest[i..].find(';').unwrap();
                            let mut utf8 = [0u8; 4];
                            v.copied(reference(&rest[i + 1..end]).encode_utf8(&mut utf8));
                            rest = &rest[end + 1..];
                        }
                    }
                    v.copied(rest);
                }
                _ => {}
            }
        }
        (etag, last_modified)
    }

    /// `quick-xml`: text events borrow the body (`xml10_content` copies
    /// only to normalise a CR); references arrive as their own events.
    pub fn quick_xml(body: &[u8]) -> (Value<'_>, Value<'_>) {
        use quick_xml::escape::resolve_predefined_entity;
        use quick_xml::events::Event;
        let mut reader = quick_xml::Reader::from_reader(body);
        let (mut etag, mut last_modified) = (Value::default(), Value::default());
        let mut depth = 0usize;
        let mut current = None;
        loop {
            let event = reader.read_event().unwrap();
            let value = match (depth, current) {
                (2, Some(Field::ETag)) => Some(&mut etag),
                (2, Some(Field::LastModified)) => Some(&mut last_modified),
                _ => None,
            };
            match event {
                Event::Start(e) => current = start(&mut depth, e.local_name().as_ref()),
                Event::End(_) => {
                    depth -= 1;
                    current = None;
                }
                Event::Text(t) => {
                    if let Some(v) = value {
                        match t.xml10_content() {
                            std::borrow::Cow::Borrowed(s) => v.borrowed(s),
                            std::borrow::Cow::Owned(s) => v.copied(&s),
                        }
                    }
                }
                Event::GeneralRef(r) => {
                    if let Some(v) = value {
                        let mut utf8 = [0u8; 4];
                        let s = match r.resolve_char_ref().unwrap() {
                            Some(c) => &*c.encode_utf8(&mut utf8),
                            None => resolve_predefined_entity(&r).unwrap(),
                        };
                        v.copied(s);
                    }
                }
                Event::Eof => break,
                _ => {}
            }
        }
        (etag, last_modified)
    }
}

/// `reqsign-tencent-cos` (Apache OpenDAL's signer), used as its API asks:
/// an `http` request head signed in place. It reads the clock itself (the
/// signing time is not a parameter outside its own tests), so the
/// comparison takes the key time from the `Authorization` it wrote.
pub mod reqsign {
    use reqsign_core::{Context, SignRequest};
    use reqsign_tencent_cos::{Credential, RequestSigner};
    use std::future::Future;
    use std::task::{Poll, Waker};

    /// What signing needs, made once: the request head to sign, the
    /// signer, its context and the credential.
    pub struct Peer {
        parts: http::request::Parts,
        signer: RequestSigner,
        ctx: Context,
        cred: Credential,
    }

    impl Peer {
        pub fn new() -> Self {
            let query: Vec<String> = super::PARAMS
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            let host = super::HEADERS.iter().find(|(k, _)| *k == "Host").unwrap().1;
            let uri = format!("https://{host}{}?{}", super::PATH, query.join("&"));
            let mut builder = http::Request::builder().method("PUT").uri(uri);
            for (k, v) in super::HEADERS {
                builder = builder.header(k, v);
            }
            let (parts, ()) = builder.body(()).unwrap().into_parts();
            Self {
                parts,
                signer: RequestSigner::new(),
                ctx: Context::new(),
                cred: Credential {
                    secret_id: super::SECRET_ID.into(),
                    secret_key: super::SECRET_KEY.into(),
                    ..Credential::default()
                },
            }
        }

        /// Signs the head and hands the `Authorization` value to `f`; the
        /// head is then as it was (the signer adds `Authorization` and
        /// `Date`, which must not be signed the next time).
        pub fn sign<R>(&mut self, f: impl FnOnce(&str) -> R) -> R {
            {
                let fut =
                    self.signer
                        .sign_request(&self.ctx, &mut self.parts, Some(&self.cred), None);
                // The signer never waits: one poll completes it.
                let mut fut = std::pin::pin!(fut);
                let mut cx = std::task::Context::from_waker(Waker::noop());
                match fut.as_mut().poll(&mut cx) {
                    Poll::Ready(r) => r.unwrap(),
                    Poll::Pending => panic!("reqsign waited"),
                }
            }
            let headers = &mut self.parts.headers;
            let r = f(headers[http::header::AUTHORIZATION].to_str().unwrap());
            headers.remove(http::header::AUTHORIZATION);
            headers.remove(http::header::DATE);
            r
        }
    }

    impl Default for Peer {
        fn default() -> Self {
            Self::new()
        }
    }
}

/// The instruction counts of `docs/performance.md`: one
/// operation run `N` times under `valgrind --tool=callgrind`, less the
/// same program run 0 times, divided by `N` (deterministic, unlike time).
pub mod instructions {
    use std::hint::black_box;
    use std::path::Path;
    use std::process::Command;
    use tencent_cos_core::{
        Authorization, Response, ResponseReader, Selection, SigningKey, VerifyPolicy,
    };

    /// The operations counted.
    pub const CASES: [&str; 7] = [
        "fresh",
        "reused",
        "verify",
        "whole",
        "pieces16",
        "one-byte",
        "xmlparser",
    ];

    fn etag(r: &Response<{ super::CAP }>) -> usize {
        match r {
            Response::CopyPart(p) => p.etag.len(),
            _ => 0,
        }
    }

    fn pieces(n: usize) -> usize {
        let mut r = ResponseReader::<{ super::CAP }>::new();
        for piece in black_box(super::COPY_PART_RESULT).chunks(n) {
            r.feed(piece).unwrap();
        }
        etag(&r.finish().unwrap())
    }

    /// Runs `case` `n` times: `fresh` (a new `SigningKey`, `sign`,
    /// `authorization_to_slice`), `reused` (the same with the key kept),
    /// `verify` (the `Authorization` parsed and verified), `whole`
    /// (`Response::parse` of the sample), `pieces16` and `one-byte` (the
    /// sample fed in pieces of 16 and 1 bytes), `xmlparser` (the peer's
    /// extraction of the same values).
    pub fn run(case: &str, n: usize) {
        let creds = super::credentials();
        let kt = super::key_time();
        let req = super::request();
        let key = SigningKey::new(&creds, kt);
        let auth = key.sign(&req, Selection::Exact).unwrap().to_string();
        let mut out = [0u8; 512];
        let mut total = 0usize;
        for _ in 0..n {
            total += match case {
                "fresh" => {
                    let key = SigningKey::new(black_box(&creds), black_box(kt));
                    let signed = key.sign(black_box(&req), Selection::Exact).unwrap();
                    signed.authorization_to_slice(&mut out).unwrap().len()
                }
                "reused" => {
                    let signed = black_box(&key)
                        .sign(black_box(&req), Selection::Exact)
                        .unwrap();
                    signed.authorization_to_slice(&mut out).unwrap().len()
                }
                "verify" => {
                    let a = Authorization::parse(black_box(&auth)).unwrap();
                    a.verify(
                        black_box(&req),
                        super::SECRET_KEY,
                        kt.start(),
                        &VerifyPolicy::STRICT,
                    )
                    .unwrap();
                    a.signature().len()
                }
                "whole" => etag(&Response::parse(black_box(super::COPY_PART_RESULT)).unwrap()),
                "pieces16" => pieces(16),
                "one-byte" => pieces(1),
                "xmlparser" => {
                    let (etag, last_modified) =
                        super::peers::xmlparser(black_box(super::COPY_PART_RESULT));
                    etag.get().len() + last_modified.get().len()
                }
                other => panic!("unknown case {other}"),
            };
        }
        black_box(total);
    }

    /// Instructions per operation: in all, and in the SHA-1 compression
    /// function (valgrind runs the `sha1` crate's portable one, whatever
    /// the CPU has; with `cos_compact`, the crate's rolled one).
    #[derive(Debug, Clone, Copy)]
    pub struct Counts {
        pub total: u64,
        pub compressions: u64,
    }

    impl Counts {
        /// Beyond the compressions.
        pub fn beyond(&self) -> u64 {
            self.total.saturating_sub(self.compressions)
        }
    }

    /// Counts `case` with `exe` (a program that runs
    /// `exe run CASE N` as [`run`]), or `None` if valgrind is not there.
    pub fn count(exe: &Path, case: &str, n: u64) -> Option<Counts> {
        let dir = std::env::temp_dir().join(format!("cos-instructions-{}", std::process::id()));
        std::fs::create_dir_all(&dir).ok()?;
        let mut at = [(0u64, 0u64); 2];
        for (slot, k) in at.iter_mut().zip([0, n]) {
            let file = dir.join(format!("{case}.{k}"));
            let status = Command::new("valgrind")
                .arg("--tool=callgrind")
                .arg(format!("--callgrind-out-file={}", file.display()))
                .arg(exe)
                .args(["run", case, &k.to_string()])
                .output()
                .ok()?
                .status;
            if !status.success() {
                return None;
            }
            *slot = annotate(&file)?;
        }
        let _ = std::fs::remove_dir_all(&dir);
        let per = |a: u64, b: u64| b.saturating_sub(a) / n.max(1);
        Some(Counts {
            total: per(at[0].0, at[1].0),
            compressions: per(at[0].1, at[1].1),
        })
    }

    /// The total and the compression function's inclusive count of one
    /// callgrind output.
    fn annotate(file: &Path) -> Option<(u64, u64)> {
        let out = Command::new("callgrind_annotate")
            .args(["--inclusive=yes", "--threshold=100"])
            .arg(file)
            .output()
            .ok()?;
        let text = String::from_utf8_lossy(&out.stdout);
        let number = |line: &str| -> u64 {
            let first = line.split_whitespace().next().unwrap_or("");
            first.replace(',', "").parse().unwrap_or(0)
        };
        let total = text
            .lines()
            .find(|l| l.contains("PROGRAM TOTALS"))
            .map(number)?;
        let compressions = text
            .lines()
            .filter(|l| {
                l.contains("block_api::compress")
                    || l.contains("hash::compress_rolled")
                    || l.trim_end().ends_with("hash::compress")
            })
            .map(number)
            .max()
            .unwrap_or(0);
        Some((total, compressions))
    }
}
