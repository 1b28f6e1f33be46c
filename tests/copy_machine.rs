//! The multipart-copy machine (`tencent_cos_core::copy`) driven against a
//! small model of COS that answers with real values: it checks every
//! request's signature with the crate's verifier at its own clock, the
//! source's `If-Match`, the parts listed in Complete; it computes part
//! ETags as MD5s of the bytes copied and the object's ETag as
//! `md5(md5(part 1) ‖ … ‖ md5(part n))-n`; and it takes faults injected
//! per request (errors, `<Error>` on a 200, lost answers before or after
//! the work is done, a merge still running, bodies a byte at a time).
//!
//! The answers' bodies are read by `ResponseReader`, as a caller would.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/server.rs"]
mod server;

use md5::{Digest, Md5};
use server::Head;
use std::collections::BTreeMap;
use tencent_cos_core::Output;
use tencent_cos_core::copy::{
    AbortOutcome, Answer, AnswerError, Cause, Confirmation, CopyConfig, CopyError, CopyMachine,
    Document, Headers, Job, MultipartETag, Notice, Orphans, Outcome, PartSlot, Poll, Request,
    Unknown,
};
use tencent_cos_core::{
    CopyPlan, CopySource, CosErrorCode, Credentials, Host, KeyTime, ResponseReader, SigningKey,
    VerifyError, VerifyPolicy,
};

const MIB: usize = 1 << 20;
const ID: &str = "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q";
const SK: &str = "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz";
const SOURCE_BUCKET: &str = "sourcebucket-1250000000";
const DEST_BUCKET: &str = "examplebucket-1250000000";
const REGION: &str = "ap-guangzhou";
const SOURCE_KEY: &str = "src/big file+1.bin";
const DEST_KEY: &str = "dest/copy.bin";
/// The clock at the start of every run (ms).
const T0: u64 = 1_700_000_000_000;

fn md5(data: &[u8]) -> [u8; 16] {
    Md5::digest(data).into()
}

fn quoted_hex(d: &[u8]) -> String {
    format!("\"{}\"", hex::encode(d))
}

/// Bytes from a seed (xorshift64).
fn generate(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// The multipart ETag of `parts`, computed here independently of the crate.
fn multipart_etag_of(parts: &[&[u8]]) -> String {
    let mut raw = Vec::new();
    for p in parts {
        raw.extend_from_slice(&md5(p));
    }
    format!("\"{}-{}\"", hex::encode(md5(&raw)), parts.len())
}

// ------------------------------------------------------------ the COS model

/// Which request a fault hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum On {
    HeadSource,
    HeadDest,
    Initiate,
    Part(u16),
    Complete,
    Abort,
    /// The n-th request of the run (1-based).
    Nth(usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Fault {
    /// An `Error` document with this status and code; nothing done (but
    /// for NoSuchUpload, the upload named is gone).
    Error(u16, &'static str),
    /// A status without a document (a gateway's); nothing done.
    Bare(u16),
    /// The request went out, the connection closed before any answer
    /// byte (a kept-alive connection the server had closed); nothing done.
    LostBefore,
    /// Done, then the answer lost (`started`: its first bytes arrived).
    LostAfter { started: bool },
    /// The request could not be written; nothing done.
    NotSent,
    /// Complete: the upload is taken for merging, the destination is not
    /// replaced yet, and the answer is lost after its keep-alive spaces.
    SlowMerge,
    /// The answer's body reaches the reader one byte at a time.
    ByteByByte,
    /// The source is replaced just before this request.
    ReplaceSource,
    /// The request's range header is altered after signing.
    Tamper,
}

struct Inject {
    on: On,
    fault: Fault,
    times: u32,
}

struct Object {
    data: Vec<u8>,
    etag: String,
}

struct Upload {
    key: String,
    started_ms: u64,
    parts: BTreeMap<u16, Vec<u8>>,
}

/// What the model answers.
enum Reply {
    Http {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        byte_by_byte: bool,
    },
    Lost {
        sent: bool,
        started: bool,
    },
}

/// A request as the model read it.
struct Received {
    head: Head,
    host: String,
    /// The object key (the path without its `/`).
    key: String,
}

impl Received {
    fn parse(head: &[u8]) -> Self {
        let head = Head::parse(std::str::from_utf8(head).unwrap());
        let host = head.header("Host").unwrap().to_owned();
        let key = head.path.strip_prefix('/').unwrap().to_owned();
        Self { head, host, key }
    }

    fn param(&self, name: &str) -> Option<&str> {
        self.head.param(name)
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.head.header(name)
    }

    fn bucket(&self) -> &str {
        self.host.split_once(".cos.").unwrap().0
    }

    fn op(&self) -> On {
        match self.head.method.as_str() {
            "HEAD" if self.bucket() == SOURCE_BUCKET => On::HeadSource,
            "HEAD" => On::HeadDest,
            "POST" if self.param("uploads").is_some() => On::Initiate,
            "POST" => On::Complete,
            "PUT" => On::Part(self.param("partNumber").unwrap().parse().unwrap()),
            "DELETE" => On::Abort,
            m => panic!("unexpected method {m}"),
        }
    }
}

/// A small COS: one source object, one destination key, uploads.
struct Cos {
    now_ms: u64,
    /// The server's clock minus the caller's (seconds).
    skew_s: i64,
    secret_key: &'static str,
    source: Object,
    dest: Option<Object>,
    uploads: BTreeMap<String, Upload>,
    next_upload: u32,
    injects: Vec<Inject>,
    requests: usize,
    /// `op:status` per request, `op:lost` for a lost answer.
    log: Vec<String>,
    /// Faults that fired.
    fired: usize,
    /// (time, key window end) of every request, in seconds.
    signed: Vec<(u64, u64)>,
    /// Time of each request (ms), per op.
    times: Vec<(On, u64)>,
    /// A merge started by `SlowMerge`, made visible by `finish_merge`.
    merging: Option<Object>,
    /// The `x-cos-security-token` of every request (None: absent).
    tokens: Vec<Option<String>>,
}

impl Cos {
    fn new(size: usize, seed: u64) -> Self {
        let data = generate(seed, size);
        let etag = quoted_hex(&md5(&data));
        Self {
            now_ms: T0,
            skew_s: 0,
            secret_key: SK,
            source: Object { data, etag },
            dest: None,
            uploads: BTreeMap::new(),
            next_upload: 0,
            injects: Vec::new(),
            requests: 0,
            log: Vec::new(),
            fired: 0,
            signed: Vec::new(),
            times: Vec::new(),
            merging: None,
            tokens: Vec::new(),
        }
    }

    fn inject(&mut self, on: On, fault: Fault, times: u32) {
        self.injects.push(Inject { on, fault, times });
    }

    fn fault_for(&mut self, op: On) -> Option<Fault> {
        let n = self.requests;
        let i = self
            .injects
            .iter()
            .position(|f| f.times > 0 && (f.on == op || f.on == On::Nth(n)))?;
        self.injects[i].times -= 1;
        self.fired += 1;
        Some(self.injects[i].fault.clone())
    }

    fn now_s(&self) -> u64 {
        (self.now_ms / 1000).saturating_add_signed(self.skew_s)
    }

    fn request_id(&self) -> String {
        format!("NjU0{:04}", self.requests)
    }

    fn error(&self, status: u16, code: &str, message: &str) -> Reply {
        let id = self.request_id();
        let body = format!(
            "<?xml version='1.0' encoding='utf-8' ?>\n<Error>\n\t<Code>{code}</Code>\n\
             \t<Message>{message}</Message>\n\t<Resource>{DEST_BUCKET}.cos.{REGION}.myqcloud.com/{DEST_KEY}</Resource>\n\
             \t<RequestId>{id}</RequestId>\n\t<TraceId>dHJhY2U=</TraceId>\n</Error>"
        );
        Reply::Http {
            status,
            headers: vec![("x-cos-request-id".into(), id)],
            body: body.into_bytes(),
            byte_by_byte: false,
        }
    }

    fn ok(&self, status: u16, mut headers: Vec<(String, String)>, body: String) -> Reply {
        headers.push(("x-cos-request-id".into(), self.request_id()));
        Reply::Http {
            status,
            headers,
            body: body.into_bytes(),
            byte_by_byte: false,
        }
    }

    /// Answers one request.
    fn exchange(&mut self, head: &[u8], body: &[u8]) -> Reply {
        self.requests += 1;
        let mut head = head.to_vec();
        let req = Received::parse(&head);
        let op = req.op();
        self.times.push((op, self.now_ms));
        let fault = self.fault_for(op);
        let reply = match &fault {
            Some(Fault::NotSent) => Reply::Lost {
                sent: false,
                started: false,
            },
            Some(Fault::LostBefore) => Reply::Lost {
                sent: true,
                started: false,
            },
            Some(Fault::Error(status, code)) => {
                // COS answers NoSuchUpload only for an upload it does not
                // have: the upload named went away (another client aborted
                // it, or it expired), and the model forgets it too.
                if *code == "NoSuchUpload" {
                    if let Some(id) = req.param("uploadId") {
                        self.uploads.remove(id);
                    }
                }
                self.error(*status, code, "injected")
            }
            Some(Fault::Bare(status)) => Reply::Http {
                status: *status,
                headers: vec![],
                body: b"<html>Bad Gateway</html>".to_vec(),
                byte_by_byte: false,
            },
            Some(Fault::Tamper) => {
                let text = String::from_utf8(head).unwrap().replacen(
                    "x-cos-copy-source-range: bytes=1048576-",
                    "x-cos-copy-source-range: bytes=1048000-",
                    1,
                );
                head = text.into_bytes();
                self.handle(&Received::parse(&head), body)
            }
            Some(Fault::ReplaceSource) => {
                let data = generate(99, self.source.data.len());
                self.source = Object {
                    etag: quoted_hex(&md5(&data)),
                    data,
                };
                self.handle(&req, body)
            }
            Some(Fault::SlowMerge) => {
                assert_eq!(op, On::Complete);
                let old = self.dest.take();
                match self.handle(&req, body) {
                    Reply::Http { status: 200, .. } => {
                        // Merged, but not visible yet: the old object stays.
                        self.merging = std::mem::replace(&mut self.dest, old);
                        Reply::Lost {
                            sent: true,
                            started: true,
                        }
                    }
                    other => {
                        self.dest = old;
                        other
                    }
                }
            }
            Some(Fault::LostAfter { started }) => {
                let _ = self.handle(&req, body);
                Reply::Lost {
                    sent: true,
                    started: *started,
                }
            }
            Some(Fault::ByteByByte) | None => self.handle(&req, body),
        };
        let entry = match &reply {
            Reply::Http { status, .. } => format!("{op:?}:{status}"),
            Reply::Lost { .. } => format!("{op:?}:lost"),
        };
        self.log.push(entry);
        match reply {
            Reply::Http {
                status,
                headers,
                body,
                ..
            } if fault == Some(Fault::ByteByByte) => Reply::Http {
                status,
                headers,
                body,
                byte_by_byte: true,
            },
            other => other,
        }
    }

    /// Makes a merge started by `SlowMerge` visible.
    fn finish_merge(&mut self) {
        if let Some(o) = self.merging.take() {
            self.dest = Some(o);
        }
    }

    fn handle(&mut self, req: &Received, body: &[u8]) -> Reply {
        // The signature, at the server's clock.
        let now = self.now_s();
        let auth = match req.head.verify(self.secret_key, now, &VerifyPolicy::STRICT) {
            Some(Ok(auth)) => auth,
            None => return self.error(403, "AccessDenied", "no valid Authorization"),
            Some(Err(VerifyError::Expired)) => {
                return self.error(403, "AccessDenied", "Request has expired");
            }
            Some(Err(VerifyError::NotYetValid)) => {
                return self.error(403, "AccessDenied", "Request is not valid yet");
            }
            Some(Err(_)) => return self.error(403, "SignatureDoesNotMatch", "bad signature"),
        };
        self.signed.push((now, auth.key_time().end()));
        // A token sent is a token signed.
        let token = req.header("x-cos-security-token");
        assert_eq!(
            token.is_some(),
            auth.header_names().any(|n| n == "x-cos-security-token")
        );
        self.tokens.push(token.map(str::to_owned));
        match req.op() {
            On::HeadSource => self.head(req, true),
            On::HeadDest => self.head(req, false),
            On::Initiate => self.initiate(req),
            On::Part(n) => self.part(req, n),
            On::Complete => self.complete(req, body),
            On::Abort => self.abort(req),
            On::Nth(_) => unreachable!(),
        }
    }

    fn head(&self, req: &Received, source: bool) -> Reply {
        let object = if source {
            assert_eq!(req.key, SOURCE_KEY);
            Some(&self.source)
        } else {
            assert_eq!(req.key, DEST_KEY);
            self.dest.as_ref()
        };
        match object {
            Some(o) => Reply::Http {
                status: 200,
                headers: vec![
                    ("ETag".into(), o.etag.clone()),
                    ("Content-Length".into(), o.data.len().to_string()),
                    ("x-cos-request-id".into(), self.request_id()),
                ],
                body: Vec::new(),
                byte_by_byte: false,
            },
            // HEAD errors have no body.
            None => Reply::Http {
                status: 404,
                headers: vec![("x-cos-request-id".into(), self.request_id())],
                body: Vec::new(),
                byte_by_byte: false,
            },
        }
    }

    fn initiate(&mut self, req: &Received) -> Reply {
        assert_eq!(req.key, DEST_KEY);
        self.next_upload += 1;
        let id = format!(
            "{}{}",
            self.now_ms / 1000,
            hex::encode(md5(format!("upload {}", self.next_upload).as_bytes()))
        );
        self.uploads.insert(
            id.clone(),
            Upload {
                key: req.key.clone(),
                started_ms: self.now_ms,
                parts: BTreeMap::new(),
            },
        );
        self.ok(
            200,
            vec![],
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<InitiateMultipartUploadResult>\n\
                 \t<Bucket>{DEST_BUCKET}</Bucket>\n\t<Key>{DEST_KEY}</Key>\n\t<UploadId>{id}</UploadId>\n\
                 </InitiateMultipartUploadResult>"
            ),
        )
    }

    fn part(&mut self, req: &Received, n: u16) -> Reply {
        let source = format!("{SOURCE_BUCKET}.cos.{REGION}.myqcloud.com/src/big%20file%2B1.bin");
        assert_eq!(req.header("x-cos-copy-source"), Some(source.as_str()));
        let id = req.param("uploadId").unwrap().to_owned();
        if !self.uploads.contains_key(&id) {
            return self.error(404, "NoSuchUpload", "The specified upload does not exist.");
        }
        // Every part is conditioned on the source's ETag.
        let if_match = req.header("x-cos-copy-source-If-Match");
        assert!(if_match.is_some(), "part {n} without If-Match");
        if if_match != Some(self.source.etag.as_str()) {
            return self.error(412, "PreconditionFailed", "The If-Match condition failed.");
        }
        let range = req.header("x-cos-copy-source-range").unwrap();
        let (first, last) = range
            .strip_prefix("bytes=")
            .unwrap()
            .split_once('-')
            .unwrap();
        let (first, last): (usize, usize) = (first.parse().unwrap(), last.parse().unwrap());
        let data = self.source.data[first..=last].to_vec();
        let etag = quoted_hex(&md5(&data));
        self.uploads.get_mut(&id).unwrap().parts.insert(n, data);
        self.ok(
            200,
            vec![],
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<CopyPartResult>\n    <ETag>{}</ETag>\n    \
                 <LastModified>2017-09-04T04:45:45</LastModified>\n</CopyPartResult>",
                etag.replace('"', "&quot;")
            ),
        )
    }

    fn complete(&mut self, req: &Received, body: &[u8]) -> Reply {
        let id = req.param("uploadId").unwrap().to_owned();
        let Some(upload) = self.uploads.get(&id) else {
            return self.error(404, "NoSuchUpload", "The specified upload does not exist.");
        };
        let body = std::str::from_utf8(body).unwrap();
        assert_eq!(
            req.header("Content-Length").unwrap(),
            body.len().to_string()
        );
        let listed: Vec<(u16, String)> = body
            .split("<Part>")
            .skip(1)
            .map(|p| {
                let n = p.split("<PartNumber>").nth(1).unwrap();
                let n = n.split("</PartNumber>").next().unwrap().parse().unwrap();
                let e = p.split("<ETag>").nth(1).unwrap();
                (n, e.split("</ETag>").next().unwrap().to_owned())
            })
            .collect();
        if listed.windows(2).any(|w| w[0].0 >= w[1].0) {
            return self.error(400, "InvalidPartOrder", "parts out of order");
        }
        let mut parts: Vec<&[u8]> = Vec::new();
        for (n, etag) in &listed {
            match upload.parts.get(n) {
                Some(data) if quoted_hex(&md5(data)) == *etag => parts.push(data),
                _ => return self.error(400, "InvalidPart", "part not uploaded or ETag differs"),
            }
        }
        let etag = multipart_etag_of(&parts);
        let data = parts.concat();
        self.uploads.remove(&id);
        self.dest = Some(Object {
            data,
            etag: etag.clone(),
        });
        // Keep-alive spaces while merging, then the result.
        let mut text = " \n".repeat(300);
        text.push_str(&format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CompleteMultipartUploadResult \
             xmlns=\"http://www.qcloud.com/document/product/436/7751\">\n\t<Location>http://{DEST_BUCKET}.cos.{REGION}.myqcloud.com/{DEST_KEY}</Location>\n\
             \t<Bucket>{DEST_BUCKET}</Bucket>\n\t<Key>{DEST_KEY}</Key>\n\t<ETag>{}</ETag>\n</CompleteMultipartUploadResult>",
            etag.replace('"', "&quot;")
        ));
        self.ok(200, vec![], text)
    }

    fn abort(&mut self, req: &Received) -> Reply {
        let id = req.param("uploadId").unwrap();
        if self.uploads.remove(id).is_none() {
            return self.error(404, "NoSuchUpload", "The specified upload does not exist.");
        }
        self.ok(204, vec![], String::new())
    }
}

// ------------------------------------------------------------ the caller

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    /// Each request answered before the next is sent.
    OneByOne,
    /// Requests sent until the machine waits, then answered newest first.
    NewestFirst,
}

struct Driver {
    order: Order,
    /// How long the caller's signing keys last (s).
    key_lifetime: u64,
    /// How long one exchange takes (ms).
    step_ms: u64,
    secret_key: &'static str,
    /// The security token of temporary credentials.
    token: Option<&'static str>,
}

impl Default for Driver {
    fn default() -> Self {
        Self {
            order: Order::OneByOne,
            key_lifetime: 3600,
            step_ms: 10,
            secret_key: SK,
            token: None,
        }
    }
}

#[derive(Debug, Default)]
struct Run {
    notices: Vec<Notice>,
    keys: u32,
    waits: Vec<u32>,
    max_pending: usize,
    /// Every job handed out, in order.
    jobs: Vec<Job>,
}

impl Run {
    fn retrying(&self) -> Vec<(Request, Cause)> {
        self.notices
            .iter()
            .filter_map(|n| match n {
                Notice::Retrying { request, cause, .. } => Some((*request, *cause)),
                _ => None,
            })
            .collect()
    }
}

fn config(plan: CopyPlan) -> CopyConfig<'static> {
    let source = CopySource::new(SOURCE_BUCKET, REGION, SOURCE_KEY).unwrap();
    CopyConfig::new(source, Host::bucket(DEST_BUCKET, REGION), DEST_KEY, plan)
}

/// The answer the caller makes of a reply: the body read by
/// `ResponseReader`, in pieces.
fn answer_of<'r>(
    reply: &'r Reply,
    parsed: &'r mut Option<
        Result<tencent_cos_core::Response<256, 0>, tencent_cos_core::ResponseError>,
    >,
) -> Answer<'r> {
    match reply {
        Reply::Lost { sent, started } => Answer::lost(*sent, *started),
        Reply::Http {
            status,
            headers,
            body,
            byte_by_byte,
        } => {
            let h = Headers::from_pairs(headers.iter().map(|(n, v)| (n.as_str(), v.as_str())));
            if body.is_empty() {
                return Answer::response(*status, h, Document::None);
            }
            let mut reader = ResponseReader::<256, 0>::new();
            let piece = if *byte_by_byte { 1 } else { 7 };
            for chunk in body.chunks(piece) {
                if reader.feed(chunk).is_err() {
                    break;
                }
            }
            let parsed = parsed.insert(reader.finish());
            Answer::response(*status, h, Document::read(parsed))
        }
    }
}

impl Driver {
    fn run(&self, m: &mut CopyMachine<'_, '_>, cos: &mut Cos) -> Run {
        let creds = match self.token {
            Some(t) => Credentials::with_token(ID, self.secret_key, t).unwrap(),
            None => Credentials::new(ID, self.secret_key).unwrap(),
        };
        let mut run = Run::default();
        let mut pending: Vec<(Job, Vec<u8>, Vec<u8>)> = Vec::new();
        let (mut scratch, mut out) = (vec![0u8; 2048], vec![0u8; 64 * 1024]);
        for _ in 0..10_000 {
            let answer_now = match m.poll(cos.now_ms) {
                Poll::Send(job) => {
                    let wire = m.write_request(job, &mut scratch, &mut out).unwrap();
                    pending.push((job, wire.head.to_vec(), wire.body.to_vec()));
                    run.jobs.push(job);
                    run.max_pending = run.max_pending.max(pending.len());
                    self.order == Order::OneByOne
                }
                Poll::NeedKey => {
                    run.keys += 1;
                    // The key is made now and lasts key_lifetime seconds.
                    let now = cos.now_ms / 1000;
                    let window = KeyTime::new(now - 60, now + self.key_lifetime).unwrap();
                    let key = SigningKey::new(&creds, window);
                    match self.token {
                        Some(t) => m.set_key_with_token(key, t).unwrap(),
                        None => m.set_key(key),
                    }
                    false
                }
                Poll::Wait { ms } => {
                    run.waits.push(ms);
                    if pending.is_empty() {
                        cos.now_ms += u64::from(ms);
                        false
                    } else {
                        true
                    }
                }
                Poll::AwaitAnswer => {
                    assert!(!pending.is_empty(), "AwaitAnswer with nothing in flight");
                    true
                }
                Poll::Done => {
                    assert!(pending.is_empty());
                    return run;
                }
            };
            if answer_now {
                let batch: Vec<_> = match self.order {
                    Order::OneByOne => vec![pending.remove(0)],
                    Order::NewestFirst => pending.drain(..).rev().collect(),
                };
                for (job, head, body) in batch {
                    cos.now_ms += self.step_ms;
                    let reply = cos.exchange(&head, &body);
                    let mut parsed = None;
                    let answer = answer_of(&reply, &mut parsed);
                    if let Some(n) = m.answer(job, cos.now_ms, answer) {
                        run.notices.push(n);
                    }
                }
            }
        }
        panic!("the copy did not end");
    }
}

/// A whole run with `cos` as it is set up.
fn copy(
    cos: &mut Cos,
    driver: &Driver,
    tweak: impl FnOnce(&mut CopyConfig<'static>),
) -> (Outcome, Run, Option<Orphans>, Option<String>) {
    let plan = CopyPlan::new(cos.source.data.len() as u64, MIB as u64).unwrap();
    let mut c = config(plan);
    tweak(&mut c);
    let mut slots = vec![PartSlot::EMPTY; usize::from(c.plan.part_count())];
    let mut m = CopyMachine::new(c, &mut slots).unwrap();
    let run = driver.run(&mut m, cos);
    let outcome = *m.outcome().expect("an outcome at Done");
    if outcome.is_copied() {
        // The machine's ETags are the ones computed here from the source.
        let digests: Vec<[u8; 16]> = cos
            .source
            .data
            .chunks(c.plan.part_size() as usize)
            .map(md5)
            .collect();
        for (slot, digest) in m.parts().iter().zip(&digests) {
            assert_eq!(slot.etag().unwrap().as_str(), quoted_hex(digest));
        }
        let want = format!(
            "\"{}-{}\"",
            hex::encode(md5(&digests.concat())),
            digests.len()
        );
        assert_eq!(m.multipart_etag().unwrap().as_str(), want);
    }
    (
        outcome,
        run,
        m.possible_orphans(),
        m.upload_id().map(str::to_owned),
    )
}

/// The destination holds the source's bytes, and no upload is left.
fn assert_copied(cos: &Cos, outcome: &Outcome, confirmation: Confirmation) {
    assert_eq!(
        *outcome,
        Outcome::Copied {
            confirmation,
            etag_matches: true
        }
    );
    let dest = cos.dest.as_ref().expect("a destination object");
    assert!(
        dest.data == cos.source.data,
        "the copy differs from the source"
    );
    assert!(cos.uploads.is_empty(), "an upload was left behind");
}

/// The failure and the abort's result of a failed copy.
fn failed(outcome: Outcome) -> (tencent_cos_core::copy::Failure, AbortOutcome) {
    match outcome {
        Outcome::Failed { failure, abort } => (failure, abort),
        other => panic!("not a failure: {other:?}"),
    }
}

fn service(cause: &Cause) -> (u16, Option<CosErrorCode<'_>>) {
    (cause.status().unwrap_or(0), cause.code())
}

// ------------------------------------------------------------ the tests

#[test]
fn copies_in_order_with_every_value_checked() {
    let mut cos = Cos::new(3 * MIB + 5, 1);
    let (outcome, run, orphans, upload) = copy(&mut cos, &Driver::default(), |_| {});
    assert_copied(&cos, &outcome, Confirmation::Answer);
    assert_eq!(
        cos.log,
        [
            "HeadSource:200",
            "Initiate:200",
            "Part(1):200",
            "Part(2):200",
            "Part(3):200",
            "Part(4):200",
            "Complete:200"
        ]
    );
    // The destination's ETag is the multipart ETag of the source's ranges.
    let parts: Vec<&[u8]> = cos.source.data.chunks(MIB).collect();
    assert_eq!(cos.dest.as_ref().unwrap().etag, multipart_etag_of(&parts));
    assert!(cos.dest.as_ref().unwrap().etag.ends_with("-4\""));
    assert_eq!(orphans, None);
    assert!(upload.unwrap().starts_with("1700000000"));
    assert_eq!(run.keys, 1, "one key for the whole copy");
    assert_eq!(
        run.notices
            .iter()
            .filter(|n| matches!(n, Notice::PartDone { .. }))
            .count(),
        4
    );
    assert!(run.notices.contains(&Notice::PartDone {
        number: 4,
        bytes: 5
    }));
    assert_eq!(run.notices.first(), Some(&Notice::Initiated));
}

#[test]
fn every_retryable_fault_of_the_emulator_suite_is_retried() {
    // The faults of tests/multipart_copy.rs, as the machine sees them.
    // (Its CloseAfter, a connection closed after a whole answer, is the
    // transport's business: the machine sees a plain answer. Reset on
    // Initiate is in `a_lost_initiate_answer_reports_the_possible_orphan`.)
    let cases: Vec<(On, Fault, usize)> = vec![
        // An Error document on a 200 (a copy that failed while running).
        (On::Part(2), Fault::Error(200, "InternalError"), 1),
        // By request number: 1 HEAD, 2 Initiate, 3 part 1.
        (On::Nth(3), Fault::Error(503, "SlowDown"), 1),
        (On::Part(3), Fault::Error(503, "SlowDown"), 1),
        // The connection dropped in the middle of the answer.
        (On::Part(1), Fault::LostAfter { started: true }, 1),
        (On::Initiate, Fault::Error(503, "SlowDown"), 1),
        (On::HeadSource, Fault::Error(503, "SlowDown"), 1),
        (On::Complete, Fault::Error(200, "InternalError"), 1),
        // A connection reset before any answer byte.
        (On::Part(2), Fault::LostBefore, 1),
        (On::HeadSource, Fault::LostBefore, 1),
        // A request that could not be written.
        (On::Part(1), Fault::NotSent, 1),
        // A gateway's 502 without a COS document.
        (On::Part(4), Fault::Bare(502), 1),
        // Slow bodies, one byte at a time: no retry at all.
        (On::Part(2), Fault::ByteByByte, 0),
        (On::Complete, Fault::ByteByByte, 0),
        (On::Initiate, Fault::ByteByByte, 0),
    ];
    for (i, (on, fault, retries)) in cases.into_iter().enumerate() {
        let what = format!("case {i}: {fault:?} on {on:?}");
        let mut cos = Cos::new(3 * MIB + 5, 100 + i as u64);
        cos.inject(on, fault.clone(), 1);
        let (outcome, run, orphans, _) = copy(&mut cos, &Driver::default(), |_| {});
        assert_copied(&cos, &outcome, Confirmation::Answer);
        assert_eq!(cos.fired, 1, "{what}: the fault fired once");
        assert_eq!(run.retrying().len(), retries, "{what}: {:?}", run.notices);
        assert_eq!(orphans, None, "{what}");
        if let Some((request, cause)) = run.retrying().first() {
            match (on, &fault) {
                (On::Part(n), _) => assert_eq!(*request, Request::PartCopy(n), "{what}"),
                (On::Nth(3), _) => assert_eq!(*request, Request::PartCopy(1), "{what}"),
                (On::Initiate, _) => assert_eq!(*request, Request::Initiate, "{what}"),
                (On::HeadSource, _) => assert_eq!(*request, Request::HeadSource, "{what}"),
                (On::Complete, _) => assert_eq!(*request, Request::Complete, "{what}"),
                _ => unreachable!(),
            }
            match fault {
                Fault::Error(status, code) => {
                    assert_eq!(
                        service(cause),
                        (status, Some(CosErrorCode::parse(code))),
                        "{what}"
                    )
                }
                Fault::Bare(status) => assert_eq!(service(cause), (status, None), "{what}"),
                Fault::LostAfter { started } => assert_eq!(
                    *cause,
                    Cause::Transport {
                        request_sent: true,
                        answer_started: started
                    },
                    "{what}"
                ),
                Fault::LostBefore => assert_eq!(
                    *cause,
                    Cause::Transport {
                        request_sent: true,
                        answer_started: false
                    }
                ),
                Fault::NotSent => assert_eq!(
                    *cause,
                    Cause::Transport {
                        request_sent: false,
                        answer_started: false
                    }
                ),
                _ => unreachable!(),
            }
        }
    }
}

#[test]
fn slow_down_then_success_waits_the_pause() {
    let mut cos = Cos::new(3 * MIB, 7);
    cos.inject(On::Part(2), Fault::Error(503, "SlowDown"), 2);
    let (outcome, run, _, _) = copy(&mut cos, &Driver::default(), |_| {});
    assert_copied(&cos, &outcome, Confirmation::Answer);
    let pauses: Vec<u32> = run
        .notices
        .iter()
        .filter_map(|n| match n {
            Notice::Retrying {
                request: Request::PartCopy(2),
                after_ms,
                cause,
                ..
            } => {
                assert_eq!(cause.code(), Some(CosErrorCode::SlowDown));
                Some(*after_ms)
            }
            _ => None,
        })
        .collect();
    // Exponential: 200 ms, then 400 ms.
    assert_eq!(pauses, [200, 400]);
    assert_eq!(
        run.waits,
        [200, 400],
        "the machine waited, not the caller's guess"
    );
    // Each resend went out only after its pause.
    let sent: Vec<u64> = cos
        .times
        .iter()
        .filter(|(op, _)| *op == On::Part(2))
        .map(|(_, t)| *t)
        .collect();
    assert_eq!(sent.len(), 3);
    assert!(
        sent[1] - sent[0] >= 200 && sent[2] - sent[1] >= 400,
        "{sent:?}"
    );
}

#[test]
fn jittered_pauses_come_from_the_callers_entropy() {
    let pauses = |seed: u32| {
        let mut cos = Cos::new(2 * MIB, 8);
        cos.inject(On::Part(1), Fault::Error(503, "SlowDown"), 3);
        let (outcome, run, _, _) = copy(&mut cos, &Driver::default(), |c| c.jitter_seed = seed);
        assert_copied(&cos, &outcome, Confirmation::Answer);
        run.waits
    };
    let a = pauses(0x1234_5678);
    // Equal jitter: between half the delay and the delay.
    for (w, d) in a.iter().zip([200, 400, 800]) {
        assert!((d / 2..=d).contains(w), "{a:?}");
    }
    assert_eq!(
        a,
        pauses(0x1234_5678),
        "the same entropy gives the same pauses"
    );
    assert_ne!(a, pauses(0x0BAD_CAFE));
    assert_eq!(pauses(0), [200, 400, 800]);
}

#[test]
fn a_retryable_fault_that_persists_gives_up_and_aborts() {
    for fault in [
        Fault::Error(503, "SlowDown"),
        Fault::LostAfter { started: true },
        Fault::Error(200, "InternalError"),
    ] {
        let mut cos = Cos::new(3 * MIB, 21);
        cos.inject(On::Part(2), fault.clone(), 1000);
        let (outcome, run, _, upload) = copy(&mut cos, &Driver::default(), |_| {});
        let (failure, abort) = failed(outcome);
        assert_eq!(failure.request, Request::PartCopy(2), "{fault:?}");
        assert_eq!(failure.attempts, 4, "{fault:?}");
        assert_eq!(abort, AbortOutcome::Aborted, "{fault:?}");
        assert_eq!(run.retrying().len(), 3, "{fault:?}");
        assert!(run.notices.contains(&Notice::Failed(failure)));
        assert_eq!(cos.log.last().map(String::as_str), Some("Abort:204"));
        assert!(cos.uploads.is_empty(), "{fault:?}: the upload was left");
        assert!(upload.is_some());
        match fault {
            Fault::Error(status, code) => {
                assert_eq!(
                    service(&failure.cause),
                    (status, Some(CosErrorCode::parse(code)))
                );
                assert!(failure.request_id.as_str().starts_with("NjU0"));
            }
            _ => assert_eq!(
                failure.cause,
                Cause::Transport {
                    request_sent: true,
                    answer_started: true
                }
            ),
        }
    }
}

#[test]
fn a_non_retryable_error_fails_at_once_and_the_upload_is_aborted() {
    let cases = [
        (On::Part(2), 400, "InvalidArgument", Request::PartCopy(2)),
        (On::Complete, 400, "InvalidPart", Request::Complete),
        // An Error document on a 200 with a code that is not retryable.
        (On::Part(1), 200, "AccessDenied", Request::PartCopy(1)),
    ];
    for (on, status, code, request) in cases {
        let mut cos = Cos::new(3 * MIB, 22);
        cos.inject(on, Fault::Error(status, code), 1);
        let (outcome, run, _, _) = copy(&mut cos, &Driver::default(), |_| {});
        let (failure, abort) = failed(outcome);
        assert_eq!(failure.request, request);
        assert_eq!(failure.attempts, 1, "{code}");
        assert_eq!(
            service(&failure.cause),
            (status, Some(CosErrorCode::parse(code)))
        );
        assert!(
            failure.request_id.as_str().starts_with("NjU0"),
            "{failure:?}"
        );
        assert!(run.retrying().is_empty());
        assert_eq!(abort, AbortOutcome::Aborted);
        assert!(failure.to_string().contains(code), "{failure}");
        assert!(cos.uploads.is_empty());
    }
}

#[test]
fn a_failed_abort_is_reported_beside_the_failure() {
    let mut cos = Cos::new(2 * MIB, 23);
    cos.inject(On::Part(2), Fault::Error(400, "InvalidArgument"), 1);
    cos.inject(On::Abort, Fault::Error(403, "AccessDenied"), 1);
    let (outcome, _, _, upload) = copy(&mut cos, &Driver::default(), |_| {});
    let (failure, abort) = failed(outcome);
    assert_eq!(failure.request, Request::PartCopy(2));
    let AbortOutcome::Failed(cause) = abort else {
        panic!("{abort:?}")
    };
    assert_eq!(service(&cause), (403, Some(CosErrorCode::AccessDenied)));
    // The upload named in the report is the one left.
    assert_eq!(cos.uploads.keys().collect::<Vec<_>>(), [&upload.unwrap()]);
}

#[test]
fn an_abort_answered_no_such_upload_after_a_part_gave_up_reports_it_gone() {
    // The property test's shrunk case (tests/copy_machine.proptest-regressions):
    // part 1 is refused with SlowDown until its attempts run out, and the
    // Abort that follows is answered NoSuchUpload (the upload went away
    // meanwhile, say another client aborted it).
    let mut cos = Cos::new(2 * MIB + 7, 90);
    cos.inject(On::Abort, Fault::Error(404, "NoSuchUpload"), 1);
    cos.inject(On::Part(1), Fault::Error(503, "SlowDown"), 4);
    let (outcome, run, orphans, upload) = copy(&mut cos, &Driver::default(), |_| {});
    let (failure, abort) = failed(outcome);
    // The part's exhausted retries: the last attempt's cause, all four counted.
    assert_eq!(failure.request, Request::PartCopy(1));
    assert_eq!(failure.attempts, 4);
    assert_eq!(service(&failure.cause), (503, Some(CosErrorCode::SlowDown)));
    assert_eq!(failure.request_id.as_str(), "NjU00006");
    assert_eq!(run.retrying(), [(Request::PartCopy(1), failure.cause); 3]);
    assert_eq!(run.notices.last(), Some(&Notice::Failed(failure)));
    // NoSuchUpload to the Abort: nothing is left to abort.
    assert_eq!(abort, AbortOutcome::AlreadyGone);
    assert_eq!(
        cos.log,
        [
            "HeadSource:200",
            "Initiate:200",
            "Part(1):503",
            "Part(1):503",
            "Part(1):503",
            "Part(1):503",
            "Abort:404"
        ]
    );
    assert!(upload.is_some_and(|u| u.starts_with("1700000000")));
    assert!(cos.uploads.is_empty(), "the upload is gone, as reported");
    assert_eq!(orphans, None);
    assert!(cos.dest.is_none());
}

#[test]
fn parts_in_flight_answer_before_the_abort_is_sent() {
    let mut cos = Cos::new(6 * MIB, 24);
    cos.inject(On::Part(4), Fault::Error(400, "InvalidArgument"), 1);
    let driver = Driver {
        order: Order::NewestFirst,
        ..Driver::default()
    };
    let (outcome, run, _, _) = copy(&mut cos, &driver, |_| {});
    assert!(matches!(
        outcome,
        Outcome::Failed {
            abort: AbortOutcome::Aborted,
            ..
        }
    ));
    // Parts 1-4 were out together; part 4 failed first; the other three
    // answered before the Abort went out; no part after.
    assert_eq!(run.max_pending, 4);
    let after_failure: Vec<&String> = cos.log.iter().skip_while(|l| *l != "Part(4):400").collect();
    assert_eq!(
        after_failure,
        [
            "Part(4):400",
            "Part(3):200",
            "Part(2):200",
            "Part(1):200",
            "Abort:204"
        ]
    );
    assert!(cos.uploads.is_empty());
}

#[test]
fn a_part_refused_fails_the_copy_and_aborts() {
    for (fault, status, code) in [
        // The source replaced mid-copy fails the If-Match condition.
        (Fault::ReplaceSource, 412, CosErrorCode::PreconditionFailed),
        // A header sent other than signed.
        (Fault::Tamper, 403, CosErrorCode::SignatureDoesNotMatch),
    ] {
        let mut cos = Cos::new(3 * MIB, 25);
        cos.inject(On::Part(2), fault.clone(), 1);
        let (outcome, _, _, _) = copy(&mut cos, &Driver::default(), |_| {});
        let (failure, abort) = failed(outcome);
        assert_eq!(failure.request, Request::PartCopy(2), "{fault:?}");
        assert_eq!(service(&failure.cause), (status, Some(code)), "{fault:?}");
        assert_eq!(failure.attempts, 1);
        assert_eq!(abort, AbortOutcome::Aborted);
        assert!(cos.dest.is_none() && cos.uploads.is_empty());
    }
}

#[test]
fn a_missing_or_resized_source_fails_before_any_upload() {
    // Missing: the HEAD's 404.
    let mut cos = Cos::new(2 * MIB, 26);
    cos.inject(On::HeadSource, Fault::Error(404, "NoSuchKey"), 1);
    let (outcome, _, _, upload) = copy(&mut cos, &Driver::default(), |_| {});
    let (failure, abort) = failed(outcome);
    assert_eq!(failure.request, Request::HeadSource);
    assert_eq!(
        service(&failure.cause),
        (404, Some(CosErrorCode::NoSuchKey))
    );
    assert_eq!(abort, AbortOutcome::NotNeeded);
    assert_eq!((upload, cos.log.len()), (None, 1), "no Initiate was sent");

    // Another size than planned.
    let mut cos = Cos::new(2 * MIB, 27);
    let (outcome, _, _, _) = copy(&mut cos, &Driver::default(), |c| {
        c.plan = CopyPlan::new(2 * MIB as u64 + 1, MIB as u64).unwrap();
    });
    let (failure, abort) = failed(outcome);
    assert_eq!(
        failure.cause,
        Cause::Answer(AnswerError::SourceSize {
            found: Some(2 * MIB as u64)
        })
    );
    assert_eq!(abort, AbortOutcome::NotNeeded);
    assert_eq!(cos.log, ["HeadSource:200"]);
}

#[test]
fn a_known_source_etag_skips_the_head() {
    let mut cos = Cos::new(2 * MIB, 28);
    let etag: &'static str = Box::leak(cos.source.etag.clone().into_boxed_str());
    let (outcome, _, _, _) = copy(&mut cos, &Driver::default(), |c| {
        c.source_etag = Some(tencent_cos_core::ETag::new(etag).unwrap());
    });
    assert_copied(&cos, &outcome, Confirmation::Answer);
    assert_eq!(cos.log[0], "Initiate:200");
}

#[test]
fn expired_windows_and_wrong_secrets_are_not_retried() {
    for (skew, secret, code, message) in [
        (7200, SK, CosErrorCode::AccessDenied, "expired"),
        (-7200, SK, CosErrorCode::AccessDenied, "not valid yet"),
        (
            0,
            "notTheSecretKey0000000000000000x",
            CosErrorCode::SignatureDoesNotMatch,
            "bad",
        ),
    ] {
        let mut cos = Cos::new(MIB, 31);
        cos.skew_s = skew;
        let driver = Driver {
            secret_key: secret,
            ..Driver::default()
        };
        let (outcome, run, _, _) = copy(&mut cos, &driver, |_| {});
        let (failure, abort) = failed(outcome);
        assert_eq!(service(&failure.cause), (403, Some(code)), "{message}");
        assert_eq!(failure.attempts, 1);
        assert_eq!(abort, AbortOutcome::NotNeeded);
        assert!(run.retrying().is_empty());
        assert_eq!(cos.log, ["HeadSource:403"]);
    }
}

#[test]
fn a_lost_complete_answer_mid_merge_over_an_older_object_of_the_same_size_is_unknown() {
    // The destination already holds an older object of the very same size
    // (itself a 3-part upload, so its ETag has the same shape).
    let mut cos = Cos::new(3 * MIB, 41);
    let older = generate(4242, 3 * MIB);
    let older_parts: Vec<&[u8]> = older.chunks(MIB).collect();
    cos.dest = Some(Object {
        etag: multipart_etag_of(&older_parts),
        data: older.clone(),
    });
    // Complete is taken (the upload is gone), the merge is not visible
    // yet, and the answer is cut after its keep-alive spaces.
    cos.inject(On::Complete, Fault::SlowMerge, 1);
    let (outcome, run, _, upload) = copy(&mut cos, &Driver::default(), |_| {});
    assert_eq!(outcome, Outcome::Unknown(Unknown::DestinationDiffers));
    assert!(!outcome.is_copied());
    // The size alone would have "confirmed" it: that is not evidence.
    assert_eq!(cos.dest.as_ref().unwrap().data.len(), 3 * MIB);
    assert_eq!(
        cos.log[cos.log.len() - 3..],
        ["Complete:lost", "Complete:404", "HeadDest:200"]
    );
    // The resend was announced, then the check.
    assert_eq!(run.retrying().len(), 1);
    assert_eq!(run.retrying()[0].0, Request::Complete);
    assert!(run.notices.contains(&Notice::Verifying));
    // The upload is named for a later check, and not aborted.
    assert!(upload.is_some());
    assert!(!cos.log.iter().any(|l| l.starts_with("Abort")));
    // Once the merge shows, the destination has this upload's ETag.
    cos.finish_merge();
    assert!(cos.dest.as_ref().unwrap().data == cos.source.data);
}

#[test]
fn a_reused_connection_closed_before_completes_answer_is_resent_with_notice() {
    // Not carried out (the server had closed the connection): the resend
    // completes the upload.
    let mut cos = Cos::new(3 * MIB, 42);
    cos.inject(On::Complete, Fault::LostBefore, 1);
    let (outcome, run, _, _) = copy(&mut cos, &Driver::default(), |_| {});
    assert_copied(&cos, &outcome, Confirmation::Answer);
    let completes = run
        .jobs
        .iter()
        .filter(|j| j.request() == Request::Complete)
        .count();
    assert_eq!(completes, 2);
    // Every Complete after the first was announced.
    assert_eq!(
        run.retrying(),
        [(
            Request::Complete,
            Cause::Transport {
                request_sent: true,
                answer_started: false
            }
        )]
    );

    // Carried out, then the connection closed before the answer: the
    // resend finds no upload, and the destination's ETag confirms it.
    let mut cos = Cos::new(3 * MIB, 43);
    cos.inject(On::Complete, Fault::LostAfter { started: false }, 1);
    let (outcome, run, _, _) = copy(&mut cos, &Driver::default(), |_| {});
    assert_copied(&cos, &outcome, Confirmation::DestinationETag);
    assert_eq!(run.retrying().len(), 1);
    assert_eq!(
        cos.log[cos.log.len() - 3..],
        ["Complete:lost", "Complete:404", "HeadDest:200"]
    );
}

#[test]
fn no_such_upload_after_a_lost_complete_answer_is_confirmed_by_head_evidence() {
    let mut cos = Cos::new(4 * MIB + 1, 44);
    cos.inject(On::Complete, Fault::LostAfter { started: true }, 1);
    let (outcome, run, _, _) = copy(&mut cos, &Driver::default(), |_| {});
    assert_copied(&cos, &outcome, Confirmation::DestinationETag);
    let i = run
        .notices
        .iter()
        .position(|n| *n == Notice::Verifying)
        .expect("Verifying");
    assert!(matches!(
        run.notices[i - 1],
        Notice::Retrying {
            request: Request::Complete,
            ..
        }
    ));
    // Without a prior lost answer, NoSuchUpload on Complete is a failure.
    let mut cos = Cos::new(2 * MIB, 45);
    cos.inject(On::Complete, Fault::Error(404, "NoSuchUpload"), 1);
    let (outcome, _, _, _) = copy(&mut cos, &Driver::default(), |_| {});
    let (failure, _) = failed(outcome);
    assert_eq!(failure.cause.code(), Some(CosErrorCode::NoSuchUpload));
    // And a lost answer whose destination is missing is not a success.
    let mut cos = Cos::new(2 * MIB, 46);
    cos.inject(On::Complete, Fault::SlowMerge, 1);
    let (outcome, _, _, _) = copy(&mut cos, &Driver::default(), |_| {});
    assert_eq!(outcome, Outcome::Unknown(Unknown::DestinationMissing));
}

#[test]
fn complete_failing_ambiguously_to_the_end_is_checked_at_the_destination() {
    // Every Complete is carried out by... nobody: each answer is lost
    // before any byte, and nothing was done. No evidence: unknown.
    let mut cos = Cos::new(2 * MIB, 47);
    cos.inject(On::Complete, Fault::LostBefore, 100);
    let (outcome, run, _, upload) = copy(&mut cos, &Driver::default(), |_| {});
    assert_eq!(outcome, Outcome::Unknown(Unknown::DestinationMissing));
    assert_eq!(run.retrying().len(), 3);
    assert_eq!(cos.uploads.len(), 1, "the upload is left for the caller");
    assert_eq!(cos.uploads.keys().next(), upload.as_ref());
    // The same with a gateway's 504 each time, the destination unreadable.
    let mut cos = Cos::new(2 * MIB, 48);
    cos.inject(On::Complete, Fault::Bare(504), 100);
    cos.inject(On::HeadDest, Fault::Error(403, "AccessDenied"), 1);
    let (outcome, _, _, _) = copy(&mut cos, &Driver::default(), |_| {});
    let Outcome::Unknown(Unknown::NoEvidence(cause)) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(service(&cause), (403, Some(CosErrorCode::AccessDenied)));
}

#[test]
fn a_lost_initiate_answer_reports_the_possible_orphan() {
    let mut cos = Cos::new(2 * MIB, 51);
    cos.inject(On::Initiate, Fault::LostAfter { started: false }, 1);
    let (outcome, run, orphans, upload) = copy(&mut cos, &Driver::default(), |_| {});
    assert_copied_but_orphan(&cos, &outcome);
    let orphans = orphans.expect("the lost Initiate is reported");
    assert_eq!(orphans.count, 1);
    assert!(run.notices.iter().any(|n| matches!(
        n,
        Notice::PossibleOrphan {
            resend_after_ms: Some(200),
            since_ms
        } if *since_ms == orphans.since_ms
    )));
    // What the caller does with it: list the key's uploads started since
    // then that are not this copy's, and abort them. There is one.
    let strays: Vec<String> = cos
        .uploads
        .iter()
        .filter(|(id, u)| {
            u.key == DEST_KEY && u.started_ms >= orphans.since_ms && Some(*id) != upload.as_ref()
        })
        .map(|(id, _)| id.clone())
        .collect();
    assert_eq!(strays.len(), 1);
    assert_eq!(strays.len(), cos.uploads.len());

    // Lost every time: the copy fails, and every attempt is counted.
    let mut cos = Cos::new(2 * MIB, 52);
    cos.inject(On::Initiate, Fault::LostAfter { started: true }, 100);
    let (outcome, run, orphans, _) = copy(&mut cos, &Driver::default(), |_| {});
    let (failure, abort) = failed(outcome);
    assert_eq!((failure.request, failure.attempts), (Request::Initiate, 4));
    assert_eq!(abort, AbortOutcome::NotNeeded);
    let orphans = orphans.unwrap();
    assert_eq!(usize::from(orphans.count), cos.uploads.len());
    assert!(
        cos.uploads
            .values()
            .all(|u| u.started_ms >= orphans.since_ms)
    );
    // One notice per lost answer: three with the pause before the
    // resend, the last without.
    let resends: Vec<Option<u32>> = run
        .notices
        .iter()
        .filter_map(|n| match n {
            Notice::PossibleOrphan {
                resend_after_ms, ..
            } => Some(*resend_after_ms),
            _ => None,
        })
        .collect();
    assert_eq!(resends, [Some(200), Some(400), Some(800), None]);

    // A reset before any answer byte (the emulator suite's Reset on
    // Initiate): the request went out, so an upload may exist; here none
    // does, and reporting one too many is the safe side.
    let mut cos = Cos::new(2 * MIB, 54);
    cos.inject(On::Initiate, Fault::LostBefore, 1);
    let (outcome, run, orphans, _) = copy(&mut cos, &Driver::default(), |_| {});
    assert_copied(&cos, &outcome, Confirmation::Answer);
    assert_eq!(orphans.map(|o| o.count), Some(1));
    assert_eq!(
        run.retrying().len(),
        0,
        "the resend is announced by the orphan notice"
    );
    assert!(run.notices.iter().any(|n| matches!(
        n,
        Notice::PossibleOrphan {
            resend_after_ms: Some(_),
            ..
        }
    )));
    // A request that could not be written leaves nothing behind.
    let mut cos = Cos::new(2 * MIB, 55);
    cos.inject(On::Initiate, Fault::NotSent, 1);
    let (outcome, run, orphans, _) = copy(&mut cos, &Driver::default(), |_| {});
    assert_copied(&cos, &outcome, Confirmation::Answer);
    assert_eq!(orphans, None);
    assert_eq!(run.retrying()[0].0, Request::Initiate);

    // A definite refusal is no orphan.
    let mut cos = Cos::new(2 * MIB, 53);
    cos.inject(On::Initiate, Fault::Error(503, "SlowDown"), 1);
    let (_, _, orphans, _) = copy(&mut cos, &Driver::default(), |_| {});
    assert_eq!(orphans, None);
}

/// Copied, with one stray upload the caller was told of.
fn assert_copied_but_orphan(cos: &Cos, outcome: &Outcome) {
    assert_eq!(
        *outcome,
        Outcome::Copied {
            confirmation: Confirmation::Answer,
            etag_matches: true
        }
    );
    assert!(cos.dest.as_ref().unwrap().data == cos.source.data);
}

#[test]
fn answers_out_of_order_with_four_parts_in_flight() {
    let mut cos = Cos::new(9 * MIB + 3, 61);
    cos.inject(On::Part(3), Fault::Error(503, "SlowDown"), 1);
    let driver = Driver {
        order: Order::NewestFirst,
        ..Driver::default()
    };
    let (outcome, run, _, _) = copy(&mut cos, &driver, |c| c.max_in_flight = 4);
    assert_copied(&cos, &outcome, Confirmation::Answer);
    assert_eq!(run.max_pending, 4);
    // Parts went out 1-4 together and came back 4, 3, 2, 1.
    let first: Vec<&String> = cos.log.iter().skip(2).take(4).collect();
    assert_eq!(
        first,
        ["Part(4):200", "Part(3):503", "Part(2):200", "Part(1):200"]
    );
    // Complete went out only after all ten parts, and alone.
    let complete_at = run
        .jobs
        .iter()
        .position(|j| j.request() == Request::Complete)
        .unwrap();
    let parts_before: std::collections::BTreeSet<u16> = run.jobs[..complete_at]
        .iter()
        .filter_map(|j| match j.request() {
            Request::PartCopy(n) => Some(n),
            _ => None,
        })
        .collect();
    assert_eq!(parts_before, (1..=10).collect());
}

#[test]
fn keep_alive_spaces_before_completes_xml_are_read_byte_by_byte() {
    let mut cos = Cos::new(2 * MIB, 62);
    cos.inject(On::Complete, Fault::ByteByByte, 1);
    let (outcome, run, _, _) = copy(&mut cos, &Driver::default(), |_| {});
    assert_copied(&cos, &outcome, Confirmation::Answer);
    assert!(run.retrying().is_empty());
}

#[test]
fn a_fresh_key_is_asked_for_before_the_old_one_expires() {
    // Keys last 2 minutes; a margin of 60 s; each exchange takes 25 s.
    let mut cos = Cos::new(8 * MIB, 71);
    let driver = Driver {
        key_lifetime: 120,
        step_ms: 25_000,
        ..Driver::default()
    };
    let (outcome, run, _, _) = copy(&mut cos, &driver, |c| c.key_margin_s = 60);
    assert_copied(&cos, &outcome, Confirmation::Answer);
    assert!(run.keys >= 3, "{} keys", run.keys);
    // Every request reached the server with at least the margin left,
    // minus the exchange's own time.
    for (now, end) in &cos.signed {
        assert!(
            end - now >= 60 - 25,
            "signed at {now} with a key ending {end}"
        );
    }
    // Without the machine's refresh, the server would have refused: the
    // last request came long after the first key's end.
    let first_end = T0 / 1000 + 120;
    assert!(cos.signed.last().unwrap().0 > first_end);
}

#[test]
fn the_first_poll_asks_for_a_key_and_misuse_is_typed() {
    let plan = CopyPlan::new(3 * MIB as u64, MIB as u64).unwrap();
    let mut two = [PartSlot::EMPTY; 2];
    assert_eq!(
        CopyMachine::new(config(plan), &mut two).unwrap_err(),
        CopyError::PartStorage { needed: 3 }
    );
    let mut bad = config(plan);
    bad.key = "/";
    let mut slots = [PartSlot::EMPTY; 3];
    assert!(matches!(
        CopyMachine::new(bad, &mut slots),
        Err(CopyError::Request(_))
    ));
    let mut m = CopyMachine::new(config(plan), &mut slots).unwrap();
    assert_eq!(m.poll(T0), Poll::NeedKey);
    let creds = Credentials::new(ID, SK).unwrap();
    m.set_key(SigningKey::new(
        &creds,
        KeyTime::from_now(T0 / 1000, 3600, 60).unwrap(),
    ));
    let Poll::Send(job) = m.poll(T0) else {
        panic!()
    };
    assert_eq!((job.request(), job.attempt()), (Request::HeadSource, 1));
    // One request at a time before the parts.
    assert_eq!(m.poll(T0), Poll::AwaitAnswer);
    // Buffers too small name the size they need, exactly.
    let mut scratch = [0u8; 8];
    let needed = match m.write_request(job, &mut scratch, &mut [0u8; 4096]) {
        Err(CopyError::Output(tencent_cos_core::OutputError::BufferTooSmall { needed })) => needed,
        other => panic!("{other:?}"),
    };
    let mut scratch = vec![0u8; needed];
    let head_len = m.sign(job, &mut scratch.clone()).unwrap().head().len();
    let mut out = vec![0u8; head_len - 1];
    assert_eq!(
        m.write_request(job, &mut scratch, &mut out).unwrap_err(),
        CopyError::Output(tencent_cos_core::OutputError::BufferTooSmall { needed: head_len })
    );
    let mut out = vec![0u8; head_len];
    let wire = m.write_request(job, &mut scratch, &mut out).unwrap();
    assert!(wire.head.starts_with(b"HEAD /src/big%20file%2B1.bin HTTP/1.1\r\nHost: sourcebucket-1250000000.cos.ap-guangzhou.myqcloud.com\r\n"));
    assert!(wire.body.is_empty());
    // An answer to a job twice: the second is ignored.
    let etag = quoted_hex(&md5(b"s"));
    let headers = Headers {
        etag: Some(&etag),
        content_length: Some(3 * MIB as u64),
        request_id: None,
    };
    assert_eq!(
        m.answer(job, T0, Answer::response(200, headers, Document::None)),
        None
    );
    assert_eq!(
        m.answer(job, T0, Answer::response(200, headers, Document::None)),
        Some(Notice::NotInFlight)
    );
    assert_eq!(m.source_etag(), Some(etag.as_str()));
    let Poll::Send(init) = m.poll(T0) else {
        panic!()
    };
    assert_eq!(init.request(), Request::Initiate);
    // An upload id that cannot be sent: a failure, and a possible orphan
    // (COS said 200: an upload exists).
    let notice = m.answer(
        init,
        T0,
        Answer::response(
            200,
            Headers::default(),
            Document::Initiate { upload_id: "a b" },
        ),
    );
    assert!(matches!(
        notice,
        Some(Notice::PossibleOrphan {
            resend_after_ms: None,
            ..
        })
    ));
    assert_eq!(m.poll(T0), Poll::Done);
    let Some(Outcome::Failed { failure, abort }) = m.outcome() else {
        panic!()
    };
    assert_eq!(failure.cause, Cause::Answer(AnswerError::UploadId));
    assert_eq!(*abort, AbortOutcome::NotNeeded);
}

#[test]
fn a_part_etag_that_does_not_fit_fails_the_copy() {
    let plan = CopyPlan::new(MIB as u64, MIB as u64).unwrap();
    let mut slots = [PartSlot::EMPTY; 1];
    let mut c = config(plan);
    let etag = quoted_hex(&md5(b"s"));
    c.source_etag = Some(tencent_cos_core::ETag::new(&etag).unwrap());
    let mut m = CopyMachine::new(c, &mut slots).unwrap();
    let creds = Credentials::new(ID, SK).unwrap();
    m.set_key(SigningKey::new(
        &creds,
        KeyTime::from_now(T0 / 1000, 3600, 60).unwrap(),
    ));
    let Poll::Send(init) = m.poll(T0) else {
        panic!()
    };
    let doc = Document::Initiate {
        upload_id: "1700000000abc",
    };
    assert_eq!(
        m.answer(init, T0, Answer::response(200, Headers::default(), doc)),
        Some(Notice::Initiated)
    );
    let Poll::Send(part) = m.poll(T0) else {
        panic!()
    };
    // A multipart-shaped ETag is not a part's: refused, never cut.
    let doc = Document::CopyPart {
        etag: "\"0123456789abcdef0123456789abcdef-2\"",
    };
    let n = m.answer(part, T0, Answer::response(200, Headers::default(), doc));
    let Some(Notice::Failed(f)) = n else {
        panic!("{n:?}")
    };
    assert_eq!(f.cause, Cause::Answer(AnswerError::PartETag));
    let Poll::Send(abort) = m.poll(T0) else {
        panic!()
    };
    assert_eq!(abort.request(), Request::Abort);
    assert_eq!(m.multipart_etag(), None);
    assert_eq!(MultipartETag::of(m.parts()), None, "no part was stored");
}

#[test]
fn debug_never_shows_secrets() {
    let plan = CopyPlan::new(MIB as u64, MIB as u64).unwrap();
    let mut slots = [PartSlot::EMPTY; 1];
    let mut c = config(plan);
    c.source_customer_key = Some(tencent_cos_core::SourceCustomerKey {
        key: "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
        key_md5: "ZWY3YjM0NGE3NmZhN2ZhZQ==",
    });
    let mut m = CopyMachine::new(c, &mut slots).unwrap();
    let creds = Credentials::with_token(ID, SK, "SessionTokenValue").unwrap();
    let key = SigningKey::new(&creds, KeyTime::from_now(T0 / 1000, 3600, 60).unwrap());
    let sign_key = key.sign_key().to_owned();
    m.set_key_with_token(key, "SessionTokenValue").unwrap();
    let Poll::Send(job) = m.poll(T0) else {
        panic!()
    };
    let mut scratch = [0u8; 2048];
    let signed = m.sign(job, &mut scratch).unwrap();
    let signature = signed
        .header("Authorization")
        .unwrap()
        .rsplit('=')
        .next()
        .unwrap()
        .to_owned();
    let text = format!("{m:?}");
    for secret in [
        SK,
        "SessionTokenValue",
        &sign_key,
        &signature,
        "MDEyMzQ1Njc4OWFi",
    ] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    assert!(text.contains(ID));
}

#[test]
fn a_parsed_source_is_headed_by_its_decoded_key() {
    const VALUE: &str =
        "sourcebucket-1250000000.cos.ap-guangzhou.myqcloud.com/src/big%20file%2B1.bin";
    let mut cos = Cos::new(2 * MIB, 81);
    let (outcome, _, _, _) = copy(&mut cos, &Driver::default(), |c| {
        c.source = CopySource::parse(VALUE).unwrap();
    });
    // The model checks the HEAD's key and every part's x-cos-copy-source.
    assert_copied(&cos, &outcome, Confirmation::Answer);

    // The key is decoded into the scratch: the size needed counts it.
    let plan = CopyPlan::new(MIB as u64, MIB as u64).unwrap();
    let mut c = config(plan);
    c.source = CopySource::parse(VALUE).unwrap();
    let mut slots = [PartSlot::EMPTY; 1];
    let mut m = CopyMachine::new(c, &mut slots).unwrap();
    let creds = Credentials::new(ID, SK).unwrap();
    m.set_key(SigningKey::new(
        &creds,
        KeyTime::from_now(T0 / 1000, 3600, 60).unwrap(),
    ));
    let Poll::Send(job) = m.poll(T0) else {
        panic!()
    };
    let mut out = [0u8; 4096];
    for small in [4, SOURCE_KEY.len() + 10] {
        let needed = match m.write_request(job, &mut vec![0u8; small], &mut out) {
            Err(CopyError::Output(tencent_cos_core::OutputError::BufferTooSmall { needed })) => {
                needed
            }
            other => panic!("{other:?}"),
        };
        assert!(needed > SOURCE_KEY.len());
        assert!(
            m.write_request(job, &mut vec![0u8; needed], &mut out)
                .is_ok()
        );
        assert!(
            m.write_request(job, &mut vec![0u8; needed - 1], &mut out)
                .is_err()
        );
    }
}

#[test]
fn temporary_credentials_send_and_sign_their_token() {
    let mut cos = Cos::new(2 * MIB, 82);
    let driver = Driver {
        token: Some("sts-token/abc+def="),
        ..Driver::default()
    };
    let (outcome, _, _, _) = copy(&mut cos, &driver, |_| {});
    assert_copied(&cos, &outcome, Confirmation::Answer);
    assert_eq!(cos.tokens.len(), 5);
    assert!(
        cos.tokens
            .iter()
            .all(|t| t.as_deref() == Some("sts-token/abc+def="))
    );
    // And none without.
    let mut cos = Cos::new(MIB, 83);
    let (outcome, _, _, _) = copy(&mut cos, &Driver::default(), |_| {});
    assert_copied(&cos, &outcome, Confirmation::Answer);
    assert!(cos.tokens.iter().all(Option::is_none));
}

mod properties {
    //! Any mix of faults, on any requests, any number of times: the
    //! outcome is never wrong and no upload is left unreported.

    use super::*;
    use proptest::prelude::*;

    fn fault() -> impl Strategy<Value = Fault> {
        prop_oneof![
            Just(Fault::Error(503, "SlowDown")),
            Just(Fault::Error(200, "InternalError")),
            Just(Fault::Error(400, "InvalidArgument")),
            Just(Fault::Error(404, "NoSuchUpload")),
            Just(Fault::Bare(502)),
            Just(Fault::LostBefore),
            Just(Fault::LostAfter { started: false }),
            Just(Fault::LostAfter { started: true }),
            Just(Fault::NotSent),
            Just(Fault::SlowMerge),
            Just(Fault::ByteByByte),
        ]
    }

    fn on() -> impl Strategy<Value = On> {
        prop_oneof![
            Just(On::HeadSource),
            Just(On::Initiate),
            (1u16..=3).prop_map(On::Part),
            Just(On::Complete),
            Just(On::HeadDest),
            Just(On::Abort),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

        #[test]
        fn outcomes_are_right_and_uploads_accounted(
            injects in proptest::collection::vec((on(), fault(), 1u32..=5), 0..4),
            newest_first in any::<bool>(),
            older in any::<bool>(),
        ) {
            let mut cos = Cos::new(2 * MIB + 7, 90);
            // An older object of the same size in the destination.
            let before = older.then(|| generate(91, 2 * MIB + 7));
            if let Some(data) = &before {
                let parts: Vec<&[u8]> = data.chunks(MIB).collect();
                cos.dest = Some(Object { etag: multipart_etag_of(&parts), data: data.clone() });
            }
            for (on, fault, times) in &injects {
                // SlowMerge is a Complete's fault only.
                if *fault == Fault::SlowMerge && *on != On::Complete {
                    continue;
                }
                cos.inject(*on, fault.clone(), *times);
            }
            let driver = Driver {
                order: if newest_first { Order::NewestFirst } else { Order::OneByOne },
                ..Driver::default()
            };
            let (outcome, run, orphans, upload) = copy(&mut cos, &driver, |_| {});
            // A merge still running shows later: it is this copy's.
            let merging = cos.merging.is_some();
            match outcome {
                Outcome::Copied { .. } => {
                    prop_assert!(!merging);
                    let dest = cos.dest.as_ref().unwrap();
                    prop_assert!(dest.data == cos.source.data, "reported copied, but it is not");
                }
                Outcome::Unknown(_) => {}
                Outcome::Failed { abort, .. } => {
                    let unchanged = cos.dest.as_ref().map(|o| &o.data) == before.as_ref();
                    prop_assert!(unchanged || merging, "a failed copy changed the destination");
                    if abort == AbortOutcome::Aborted || abort == AbortOutcome::AlreadyGone {
                        prop_assert!(upload.as_ref().is_none_or(|u| !cos.uploads.contains_key(u)));
                    }
                }
            }
            // Every upload left is this copy's (named in the report) or
            // counted as a possible orphan.
            let named = upload.iter().filter(|u| cos.uploads.contains_key(*u)).count();
            let counted = orphans.map_or(0, |o| usize::from(o.count));
            prop_assert!(cos.uploads.len() <= named + counted,
                "{} uploads left, {named} named, {counted} counted: {:?}", cos.uploads.len(), run.notices);
            // POSTs were resent only with a notice.
            let posts = |r: Request| run.jobs.iter().filter(|j| j.request() == r).count();
            let told = |r: Request| run.notices.iter().filter(|n| match n {
                Notice::Retrying { request, .. } => *request == r,
                Notice::PossibleOrphan { resend_after_ms: Some(_), .. } => r == Request::Initiate,
                _ => false,
            }).count();
            for r in [Request::Initiate, Request::Complete] {
                prop_assert!(posts(r) <= 1 + told(r), "{r:?} resent silently: {:?}", run.notices);
            }
        }
    }
}
