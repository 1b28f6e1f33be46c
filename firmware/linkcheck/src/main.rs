//! Links the public API of `tencent-cos-core` into a Cortex-M binary that
//! has no allocator and a panic handler that cannot link.
//!
//! * **No allocation**: there is no `#[global_allocator]`, so anything in
//!   the dependency graph that uses `alloc` fails the link.
//! * **No panic**: the panic handler calls a function that exists nowhere.
//!   The link succeeds only if the optimiser removed every call to it, that
//!   is if no panic (index, slice, `unwrap`, division by zero, overflow
//!   with `overflow-checks`) survives anywhere in the code linked here.
//! * **Flash**: each cargo feature links one API group; `llvm-size` of the
//!   result is that group's flash cost (see `.ci/firmware`).
//!
//! Every input comes through `black_box`, and every result goes into one,
//! so nothing is folded away at compile time. The program is never run.

#![no_std]
#![no_main]
#![allow(clippy::missing_const_for_fn)]

use core::hint::black_box;

#[cfg(not(feature = "diagnose"))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    unsafe extern "C" {
        // Deliberately defined nowhere: a reachable panic is a link error
        // naming this symbol.
        fn tencent_cos_core_linkcheck_found_a_reachable_panic() -> !;
    }
    // SAFETY: never called in a binary that links.
    unsafe { tencent_cos_core_linkcheck_found_a_reachable_panic() }
}

/// With `diagnose`, panics link, so that `firmware/find-panics` can list
/// where they are called from.
#[cfg(feature = "diagnose")]
#[panic_handler]
#[inline(never)]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    loop {
        black_box(());
    }
}

/// The entry point (the linker's default `_start`); nothing runs it.
#[unsafe(no_mangle)]
pub extern "C" fn _start() -> ! {
    #[cfg(feature = "sign")]
    groups::sign();
    #[cfg(feature = "request")]
    groups::request();
    #[cfg(feature = "response")]
    groups::response();
    #[cfg(feature = "verify")]
    groups::verify();
    #[cfg(feature = "explain")]
    groups::explain();
    #[cfg(feature = "values")]
    groups::values();
    #[cfg(feature = "http1")]
    groups::http1();
    #[cfg(feature = "copy")]
    groups::copy();
    #[cfg(feature = "copy-profile")]
    groups::copy_profile();
    #[cfg(any(feature = "display", feature = "debug", feature = "defmt"))]
    fmt::all();
    loop {
        black_box(());
    }
}

/// An opaque copy of `v`: the optimiser cannot see its value.
#[allow(dead_code)]
#[inline(always)]
fn bb<T>(v: T) -> T {
    black_box(v)
}

/// Keeps `v`: the optimiser must compute it.
#[allow(dead_code)]
#[inline(always)]
fn keep<T>(v: T) {
    let _ = black_box(v);
}

/// A `core::fmt::Write` into a fixed array: what firmware writes into.
#[allow(dead_code)]
struct Text {
    buf: [u8; 1024],
    len: usize,
}

#[allow(dead_code)]
impl Text {
    const fn new() -> Self {
        Self {
            buf: [0; 1024],
            len: 0,
        }
    }
}

impl core::fmt::Write for Text {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let end = self.len.checked_add(s.len()).ok_or(core::fmt::Error)?;
        let dst = self.buf.get_mut(self.len..end).ok_or(core::fmt::Error)?;
        // Not `copy_from_slice`: at opt-level "z" its length check stays.
        for (d, b) in dst.iter_mut().zip(s.bytes()) {
            *d = b;
        }
        self.len = end;
        Ok(())
    }
}

/// Inputs, all read through `black_box`.
#[allow(dead_code)]
mod input {
    pub const ID: &str = "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q";
    pub const SK: &str = "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz";
    pub const TOKEN: &str = "sts-token/abc+def=";
    pub const UPLOAD: &str =
        "1585130821cbb7df1d11846c073ad648e8f33b087cec2381df437acdc833cf654b9ecc6361";
    pub const HOST: &str = "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com";
    pub const PARAMS: [(&str, &str); 2] = [("partNumber", "1"), ("uploadId", UPLOAD)];
    pub const HEADERS: [(&str, &str); 4] = [
        ("Host", HOST),
        ("Content-Length", "0"),
        (
            "x-cos-copy-source",
            "sourcebucket-1250000000.cos.ap-guangzhou.myqcloud.com/source/big-file.bin",
        ),
        ("x-cos-copy-source-range", "bytes=0-1048575"),
    ];
    pub const AUTHORIZATION: &str = "q-sign-algorithm=sha1&q-ak=AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q\
        &q-sign-time=1700000000;1700003600&q-key-time=1700000000;1700003600\
        &q-header-list=host;x-cos-copy-source;x-cos-copy-source-range\
        &q-url-param-list=partnumber;uploadid\
        &q-signature=c97446ad4e77ed2d6113e295d9abc0a0756607d2";
    pub const PRESIGNED: &str = "q-sign-algorithm=sha1&q-ak=AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q\
        &q-sign-time=1700000000%3B1700003600&q-key-time=1700000000%3B1700003600\
        &q-header-list=host&q-url-param-list=\
        &q-signature=c97446ad4e77ed2d6113e295d9abc0a0756607d2&x-cos-security-token=abc";
    pub const COPY_PART: &[u8] = b"<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<CopyPartResult>\
        <ETag>&quot;ba82b57cfdfda8bd17ad4e5879ebb4fe&quot;</ETag>\
        <LastModified>2017-09-04T04:45:45</LastModified></CopyPartResult>";
    pub const ERROR: &[u8] = b"<Error><Code>SignatureDoesNotMatch</Code><Message>m</Message>\
        <FormatString>put\\n/a.txt\\n\\nhost=b-125.cos.ap-beijing.myqcloud.com\\n</FormatString>\
        <StringToSign>sha1\\n1;2\\n0000000000000000000000000000000000000000\\n</StringToSign>\
        <RequestId>NTlk</RequestId><TraceId>t</TraceId><Resource>r</Resource></Error>";
    pub const COPY_SOURCE: &str = "sourcebucket-1250000000.cos.ap-guangzhou.myqcloud.com/\
        %E6%BA%90/report%20%2B%20final~%2A.txt?versionId=MTg0NDUxNTc1NjIzMTQ1MDAwODg";
    pub const ETAG: &str = "\"ee8de918d05640145b18f70f4c3aa602\"";
    pub const SSE_KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
    pub const SSE_MD5: &str = "ZWY3YjM0NGE3NmZhN2ZhZQ==";

    /// An answer as COS sends it: an interim 100, then chunked XML.
    pub const ANSWER: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\
        Content-Type: application/xml\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\
        Date: Wed, 14 Aug 2024 08:00:00 GMT\r\nServer: tencent-cos\r\n\
        x-cos-request-id: NjZiYzY0YjBf\r\nx-cos-copy-source-version-id: MTg0\r\n\r\n\
        1\r\n \r\n10;ext=1\r\n<CopyPartResult>\r\n\
        1a\r\n<ETag>&quot;ba82&quot;</ETag>\r\n11\r\n</CopyPartResult>\r\n0\r\nT: x\r\n\r\n";

    /// Value capacity of the response documents.
    pub const N: usize = 96;
    /// Capacity of an error's StringToSign / FormatString.
    pub const D: usize = 512;
}

#[cfg(feature = "copy-profile")]
include!("../../canned_copy.rs");

#[allow(dead_code)]
mod groups {
    #[allow(unused_imports)]
    use super::input::*;
    #[allow(unused_imports)]
    use super::{Text, bb, keep};
    #[allow(unused_imports)]
    use cos::Output as _;
    use tencent_cos_core as cos;

    /// A fixed window, for the fallback arms (evaluated at compile time).
    const KT0: cos::KeyTime = match cos::KeyTime::new(0, 0) {
        Ok(k) => k,
        Err(_) => panic!(),
    };

    pub(crate) fn key_time() -> cos::KeyTime {
        cos::KeyTime::new(bb(1_700_000_000), bb(1_700_003_600)).unwrap_or(KT0)
    }

    fn signing_key() -> Option<cos::SigningKey> {
        let creds = if bb(true) {
            cos::Credentials::with_token(bb(ID), bb(SK), bb(TOKEN))
        } else {
            cos::Credentials::new(bb(ID), bb(SK))
        };
        let creds = bb(creds).ok()?;
        Some(cos::SigningKey::new(&creds, key_time()))
    }

    /// The key with its token if it needs one.
    fn signer(key: &cos::SigningKey) -> cos::Signer<'_> {
        let token = key.needs_token().then(|| bb(TOKEN));
        key.signer(token).unwrap_or(cos::Signer::from(key))
    }

    #[cfg(feature = "sign")]
    pub fn sign() {
        let Ok(creds) = cos::Credentials::new(bb(ID), bb(SK)) else {
            return;
        };
        keep((
            creds.secret_id(),
            creds.secret_key(),
            creds.security_token(),
        ));
        let temporary = bb(cos::Credentials::with_token(bb(ID), bb(SK), bb(TOKEN)));
        let kt = key_time();
        keep((kt.start(), kt.end(), kt.contains(bb(1_700_000_001))));
        keep(cos::KeyTime::from_now(bb(1_700_000_000), bb(3600), bb(60)));
        keep(cos::KeyTime::parse(bb("1700000000;1700003600")));
        let mut key = cos::SigningKey::new(&creds, kt);
        keep((
            key.key_time(),
            key.secret_id(),
            key.needs_token(),
            key.sign_key(),
        ));
        if let Ok(temporary) = &temporary {
            key.refresh(temporary, kt);
        }
        let key = bb(key);
        let Ok(signer) = key.with_token(bb(TOKEN)) else {
            return;
        };
        keep(signer.security_token());
        let params = bb(&PARAMS[..]);
        let headers = bb(&HEADERS[..]);
        let req = cos::CanonicalRequest::new(bb("PUT"), bb("/dest/big-file.bin"), params, headers);
        let selection = if bb(true) {
            cos::Selection::Exact
        } else {
            cos::Selection::Sdk
        };
        keep(cos::sdk_signs_header(bb("x-cos-meta-a")));
        let mut text = Text::new();
        if let Ok(t) = req.http_string(selection) {
            keep((t.len(), t.write_to(&mut text)));
        }
        if let Ok(t) = req.string_to_sign(selection, kt) {
            keep((t.len(), t.write_to(&mut text)));
        }
        // Both ways of signing, one continuation.
        let signed = if bb(false) {
            key.sign(&req, selection)
        } else {
            signer.sign(&req, selection)
        };
        let Ok(signed) = signed else {
            return;
        };
        let sig = signed.signature();
        keep((sig.as_bytes(), sig.as_str(), sig.ct_eq(bb(b"c97446ad"))));
        keep((signed.key_time(), signed.security_token()));
        let mut buf = [0u8; 512];
        keep(signed.authorization().write_to(&mut text));
        keep(signed.authorization().len());
        keep(signed.authorization_to_slice(&mut buf).map(str::len));
        keep(signed.presigned_query().write_to(&mut text));
        keep(signed.presigned_query().len());
        keep(signed.presigned_query().to_slice(&mut buf).map(str::len));
        keep(text.len);
    }

    #[cfg(feature = "request")]
    pub fn request() {
        let Some(key) = signing_key() else { return };
        let key = signer(&key);
        let mut text = Text::new();
        let host = cos::Host::bucket(bb("examplebucket-1250000000"), bb("ap-guangzhou"));
        keep(host.write_to(&mut text));
        let custom = cos::Host::from(bb("127.0.0.1:9000"));
        let host = if bb(false) { custom } else { host };
        let Ok(source) = cos::CopySource::new(
            bb("sourcebucket-1250000000"),
            bb("ap-guangzhou"),
            bb("source/big-file.bin"),
        ) else {
            return;
        };
        let (Ok(range), Ok(etag)) = (
            cos::ByteRange::new(bb(0), bb(1_048_575)),
            cos::ETag::new(bb(ETAG)),
        ) else {
            return;
        };
        let upc =
            cos::UploadPartCopy::new(host, bb("dest/big-file.bin"), bb(1), bb(UPLOAD), source)
                .with_range(range)
                .with_condition(cos::CopyCondition::MatchUnmodifiedSince {
                    etag,
                    since: bb(784_111_777),
                })
                .with_source_customer_key(cos::SourceCustomerKey {
                    key: bb(SSE_KEY),
                    key_md5: bb(SSE_MD5),
                });
        let mut scratch = [0u8; 1024];
        let mut head = [0u8; 2048];
        if let Ok(r) = bb(upc).sign(key, &mut scratch) {
            keep((r.method().as_str(), r.key(), r.params(), r.headers()));
            keep(r.header(bb("Authorization")));
            keep(r.target().write_to(&mut text));
            keep(r.target().to_slice(&mut head).map(str::len));
            keep(r.head().write_to(&mut text));
            keep(r.head().len());
            keep(r.head().to_slice(&mut head).map(str::len));
        }
        let mut init = cos::InitiateMultipartUpload::new(host, bb("dest/big-file.bin"));
        init.content_type = bb(Some("application/octet-stream"));
        let mut scratch = [0u8; 1024];
        keep(init.sign(key, &mut scratch).map(|r| r.head().len()));

        let parts = bb([(1u16, ETAG), (2u16, ETAG)]);
        if let Ok(body) = cos::CompleteBody::new(parts.iter().copied()) {
            keep((body.len(), body.is_empty()));
            keep(body.write_to(&mut text));
            let mut out = [0u8; 512];
            keep(body.to_slice(&mut out).map(str::len));
            let mut complete =
                cos::CompleteMultipartUpload::new(host, bb("dest"), bb(UPLOAD), body.len());
            complete.content_md5 = bb(Some("mQ/fVh815F3k6TAUm8m0eg=="));
            let mut scratch = [0u8; 1024];
            keep(complete.sign(key, &mut scratch).map(|r| r.head().len()));
        }
        let abort = cos::AbortMultipartUpload::new(host, bb("dest"), bb(UPLOAD));
        let mut scratch = [0u8; 1024];
        keep(abort.sign(key, &mut scratch).map(|r| r.head().len()));
        keep(text.len);
    }

    #[cfg(any(feature = "response", feature = "explain"))]
    fn parse_chunked(body: &[u8]) -> Result<cos::Response<N, D>, cos::ResponseError> {
        let mut reader = cos::ResponseReader::<N, D>::new();
        for chunk in body.chunks(16) {
            reader.feed(chunk)?;
        }
        keep(reader.is_complete());
        reader.finish()
    }

    #[cfg(feature = "response")]
    pub fn response() {
        let body = parse_chunked(bb(COPY_PART));
        if let Err(e) = &body {
            keep(e.is_incomplete());
        }
        let whole = cos::Response::<N, D>::parse(bb(ERROR));
        keep(cos::ResponseReader::<N, D>::default().is_complete());
        for body in [body, whole].iter().flatten() {
            keep(body.kind().as_str());
            let status = bb(200);
            match cos::part_result(status, body) {
                Ok(part) => {
                    keep(part.etag.as_str());
                }
                Err(e) => {
                    keep((e.status(), e.is_retryable()));
                    if let Some(code) = e.code() {
                        keep((code.as_str(), code.is_retryable()));
                    }
                }
            }
            keep(cos::initiate_result(status, body).map(|r| r.upload_id.len()));
            keep(cos::complete_result(status, body).map(|r| r.etag.len()));
            if let cos::Response::Error(e) = body {
                keep(cos::CosError::from_body(bb(503), e));
            }
        }
        keep(cos::CosErrorCode::parse(bb("SlowDown")));
        keep(cos::is_retryable_status(bb(503)));
        keep(cos::Field::ETag.as_str());
        let raw = bb([
            ("x-cos-request-id", "NTlk"),
            ("x-cos-copy-source-version-id", "v"),
            ("x-cos-server-side-encryption", "AES256"),
        ]);
        let h = cos::ResponseHeaders::from_pairs(raw.iter().copied());
        keep((
            h.request_id(),
            h.copy_source_version_id(),
            h.server_side_encryption(),
        ));

        // The tokenizer on its own.
        let mut t = if bb(true) {
            cos::xml::Tokenizer::new()
        } else {
            cos::xml::Tokenizer::default()
        };
        let mut count = 0usize;
        let r = t.feed(bb(COPY_PART), &mut |e| {
            match e {
                cos::xml::Event::Start(n) | cos::xml::Event::End(n) => {
                    keep((n.as_str(), n.local(), n.len(), n.is_empty()));
                }
                cos::xml::Event::Text(s) => {
                    keep(s);
                }
            }
            count = count.wrapping_add(1);
            Ok::<(), cos::xml::XmlError>(())
        });
        keep((r, t.depth(), t.is_complete(), t.offset(), t.finish(), count));
    }

    /// Feeds `answer` in 16-byte reads, the body to `sink`; the head.
    #[cfg(feature = "http1")]
    fn read_answer<'a, S: cos::http1::BodySink + ?Sized>(
        reader: &mut cos::http1::Reader<'a>,
        answer: &[u8],
        sink: &mut S,
    ) -> Result<Option<cos::http1::Head<'a>>, cos::http1::Http1Error> {
        use cos::http1::Event;
        let mut head = None;
        for read in answer.chunks(16) {
            let mut rest = read;
            loop {
                let step = reader.feed(rest, sink)?;
                rest = rest.get(step.used..).unwrap_or_default();
                match step.event {
                    Event::Head(h) => head = Some(h),
                    Event::NeedMore | Event::Done => break,
                }
            }
        }
        if bb(false) {
            reader.finish()?;
        }
        Ok(head)
    }

    #[cfg(feature = "http1")]
    pub fn http1() {
        use cos::http1::{Discard, EMPTY_HEADER, Reader};
        let mut buf = [0u8; 512];
        let mut headers = [EMPTY_HEADER; 16];
        let method = if bb(true) { "PUT" } else { "HEAD" };
        let mut reader = Reader::new(&mut buf, &mut headers, method);
        let mut total = 0usize;
        let mut count = |b: &[u8]| total = total.wrapping_add(b.len());
        let head = read_answer(&mut reader, bb(ANSWER), &mut count);
        keep((
            reader.is_done(),
            reader.reusable(),
            reader.error(),
            reader.head(),
        ));
        if let Ok(Some(h)) = head {
            keep((h.status(), h.reason(), h.minor_version(), h.headers().len()));
            keep((h.framing(), h.content_length(), h.keep_alive()));
            keep((h.header(bb("etag")), h.header_str(bb("server"))));
            keep(h.values(bb("date")).fold(0usize, |n, _| n.wrapping_add(1)));
            keep(h.pairs().fold(0usize, |n, _| n.wrapping_add(1)));
            keep((h.request_id(), h.copy_source_version_id(), h.cos_headers()));
            keep((h.etag(), h.last_modified(), h.date()));
        }
        keep(total);
        let mut buf = [0u8; 512];
        let mut headers = [EMPTY_HEADER; 16];
        let mut reader = Reader::new(&mut buf, &mut headers, bb("HEAD"));
        keep(read_answer(&mut reader, bb(ANSWER), &mut Discard).map(|h| h.is_some()));
        keep(reader.finish());
        // The document reader as the sink, with no glue.
        #[cfg(feature = "response")]
        {
            let mut buf = [0u8; 512];
            let mut headers = [EMPTY_HEADER; 16];
            let mut reader = Reader::new(&mut buf, &mut headers, bb("PUT"));
            let mut document = cos::ResponseReader::<N, D>::new();
            if let Ok(Some(h)) = read_answer(&mut reader, bb(ANSWER), &mut document) {
                keep(
                    document
                        .finish()
                        .map(|d| cos::part_result(h.status(), &d).is_ok()),
                );
            }
        }
    }

    #[cfg(feature = "verify")]
    pub fn verify() {
        let params = bb(&PARAMS[..]);
        let headers = bb(&HEADERS[1..]);
        let req = cos::CanonicalRequest::new(bb("PUT"), bb("/dest/big-file.bin"), params, headers);
        if let Ok(auth) = cos::Authorization::parse(bb(AUTHORIZATION)) {
            keep((auth.secret_id(), auth.sign_time(), auth.key_time()));
            keep((auth.header_list(), auth.url_param_list(), auth.signature()));
            // Counted without `Iterator::count`'s overflow check.
            let count =
                |it: &mut dyn Iterator<Item = &str>| it.fold(0usize, |n, _| n.wrapping_add(1));
            keep((
                count(&mut auth.header_names()),
                count(&mut auth.param_names()),
            ));
            keep(auth.security_token());
            let policy = if bb(true) {
                cos::VerifyPolicy::COS
            } else {
                cos::VerifyPolicy::STRICT
            };
            keep(auth.verify(&req, bb(SK), bb(1_700_000_001), &policy));
        }
        let mut scratch = [0u8; 512];
        if let Ok(auth) = cos::Authorization::parse_presigned(bb(PRESIGNED), &mut scratch) {
            keep(auth.verify(&req, bb(SK), bb(1_700_000_001), &cos::VerifyPolicy::STRICT));
        }
        keep(cos::AuthorizationField::Signature.name());
    }

    #[cfg(feature = "explain")]
    pub fn explain() {
        let Ok(cos::Response::Error(error)) = parse_chunked(bb(ERROR)) else {
            return;
        };
        let headers = bb(&HEADERS[..1]);
        let req = cos::CanonicalRequest::new(bb("PUT"), bb("/a.txt"), &[], headers);
        let selection = if bb(true) {
            cos::Selection::Exact
        } else {
            cos::Selection::Sdk
        };
        if let Ok(m) = cos::explain(&error, &req, selection, key_time()) {
            keep((m.http_string_compared, m.string_to_sign_compared));
            if let Some(d) = m.difference {
                keep((d.text.as_str(), d.text.line_name(d.line), d.offset));
                keep((
                    d.local.before(),
                    d.local.after(),
                    d.server.before(),
                    d.server.after(),
                ));
            }
        }
    }

    /// A whole copy driven over canned answers: every request written,
    /// every answer read by `ResponseReader` (diagnostic fields skipped,
    /// `D = 0`) and judged by the machine.
    #[cfg(feature = "copy")]
    pub fn copy() {
        use cos::copy::{Answer, CopyConfig, CopyMachine, Document, Headers, PartSlot, Poll};
        let Ok(source) = cos::CopySource::new(
            bb("sourcebucket-1250000000"),
            bb("ap-guangzhou"),
            bb("source/big-file.bin"),
        ) else {
            return;
        };
        let Ok(plan) = cos::CopyPlan::new(bb(3 << 20), bb(1 << 20)) else {
            return;
        };
        let host = cos::Host::bucket(bb("examplebucket-1250000000"), bb("ap-guangzhou"));
        let mut config = CopyConfig::new(source, host, bb("dest/big-file.bin"), plan);
        config.max_in_flight = bb(2);
        config.jitter_seed = bb(7);
        if bb(false) {
            config.source_etag = cos::ETag::new(bb(ETAG)).ok();
        }
        let mut slots = [PartSlot::EMPTY; 4];
        let Ok(mut m) = CopyMachine::new(config, &mut slots) else {
            return;
        };
        let mut scratch = [0u8; 1024];
        let mut out = [0u8; 2048];
        let mut now = bb(1_700_000_000_000u64);
        let raw = bb([
            ("ETag", ETAG),
            ("Content-Length", "3145728"),
            ("x-cos-request-id", "NTlk"),
        ]);
        for _ in 0..bb(64u32) {
            match m.poll(now) {
                Poll::Send(job) => {
                    let answer_lost = match m.write_request(job, &mut scratch, &mut out) {
                        Ok(wire) => {
                            keep((wire.head, wire.body));
                            bb(false)
                        }
                        Err(e) => {
                            keep(e);
                            true
                        }
                    };
                    let mut reader = cos::ResponseReader::<N, 0>::new();
                    for chunk in bb(COPY_PART).chunks(16) {
                        if reader.feed(chunk).is_err() {
                            break;
                        }
                    }
                    let parsed = reader.finish();
                    let headers = Headers::from_pairs(raw.iter().copied());
                    let answer = if answer_lost {
                        Answer::lost(bb(true), bb(false))
                    } else if bb(false) {
                        Answer::response(bb(200), headers, Document::None)
                    } else {
                        Answer::response(bb(200), headers, Document::read(&parsed))
                    };
                    keep(m.answer(job, now, answer));
                }
                Poll::NeedKey => {
                    if let Some(k) = signing_key() {
                        if k.needs_token() {
                            keep(m.set_key_with_token(k, bb(TOKEN)));
                        } else {
                            m.set_key(k);
                        }
                    }
                }
                Poll::Wait { ms } => now = now.wrapping_add(u64::from(ms)),
                Poll::AwaitAnswer => now = now.wrapping_add(1),
                Poll::Done => break,
            }
        }
        keep(m.outcome());
        keep((m.possible_orphans(), m.upload_id(), m.source_etag()));
        keep((m.parts_done(), m.in_flight(), m.retries()));
        keep(m.multipart_etag().map(|e| e.as_str().len()));
    }

    /// A whole copy through `io::run_copy` over canned connections.
    #[cfg(feature = "copy-profile")]
    pub fn copy_profile() {
        use super::canned_copy::{Device, SIZE};
        use cos::copy::{CopyConfig, CopyMachine, PartSlot};
        use cos::io::{Buffers, DocumentBuffer, Lane, run_copy};
        let Ok(source) = cos::CopySource::new(
            bb("sourcebucket-1250000000"),
            bb("ap-guangzhou"),
            bb("source/big-file.bin"),
        ) else {
            return;
        };
        let Ok(plan) = cos::CopyPlan::new(bb(SIZE), bb(1 << 20)) else {
            return;
        };
        let host = cos::Host::bucket(bb("examplebucket-1250000000"), bb("ap-guangzhou"));
        let mut config = CopyConfig::new(source, host, bb("dest.bin"), plan);
        config.max_in_flight = bb(2);
        config.jitter_seed = bb(7);
        let mut slots = [PartSlot::EMPTY; 4];
        let Ok(mut m) = CopyMachine::new(config, &mut slots) else {
            return;
        };
        let (next, written) = (core::cell::Cell::new(0), core::cell::Cell::new(0));
        let key = signing_key();
        let mut device = Device {
            next: &next,
            written: &written,
            step: bb(16),
            now_ms: bb(1_700_000_000_000),
            key: key.as_ref(),
            token: Some(bb(TOKEN)),
            connects: 0,
            pauses: 0,
        };
        let (mut scratch, mut io) = ([0u8; 1024], [0u8; 1024]);
        let mut document = DocumentBuffer::<N, 0>::new();
        let mut lanes = [Lane::new(), Lane::new()];
        let buffers = Buffers {
            scratch: &mut scratch,
            io: &mut io,
            document: &mut document,
        };
        keep(run_copy(&mut m, &mut device, buffers, &mut lanes));
        keep((m.possible_orphans(), m.upload_id(), m.retries()));
        keep((device.connects, device.pauses, written.get()));
    }

    #[cfg(feature = "values")]
    pub fn values() {
        use cos::ByteRange;
        use cos::CopyPlan;
        use cos::{ConditionHeader, CopyCondition, ETag};
        use cos::{CopySource, Domain, HostKind};

        let mut text = Text::new();
        let mut buf = [0u8; 256];

        // date
        if let Ok(d) = cos::http_date(bb(784_111_777)) {
            keep((d.as_str(), d.as_bytes()));
        }
        keep(cos::parse_imf_fixdate(bb("Sun, 06 Nov 1994 08:49:37 GMT")));
        keep(cos::parse_http_date(bb("Sunday, 06-Nov-94 08:49:37 GMT")));
        keep(cos::parse_http_date_at(
            bb("Sun Nov  6 08:49:37 1994"),
            bb(1_735_689_600),
        ));
        keep(cos::parse_iso8601(bb("2017-09-04T12:45:45.5+08:00")));

        // range
        let r = if bb(true) {
            ByteRange::new(bb(5), bb(1_048_575))
        } else {
            ByteRange::from_offset_len(bb(5), bb(10))
        };
        if let Ok(r) = r {
            keep((r.first(), r.last(), r.end(), r.len()));
            let v = r.value();
            keep((v.as_str(), v.as_bytes(), v.len()));
            keep(v.write_to(&mut text));
            keep(v.to_slice(&mut buf).map(str::len));
        }
        keep(ByteRange::parse(bb("bytes=0-1048575")));
        keep(bb("bytes=1-2").parse::<ByteRange>());

        // copy_source
        if let Ok(src) = CopySource::new(
            bb("sourcebucket-1250000000"),
            bb("ap-guangzhou"),
            bb("/a b+c"),
        )
        .and_then(|s| s.with_version_id(bb("MTg0NDUx")))
        {
            let src = src.with_host(HostKind::CosInternal, Domain::TencentCos);
            keep((src.raw_key(), src.len()));
            keep(src.write_to(&mut text));
            keep(src.to_slice(&mut buf).map(str::len));
        }
        if let Ok(src) = CopySource::parse(bb(COPY_SOURCE)) {
            keep((src.bucket(), src.bucket_name(), src.appid(), src.region()));
            keep((
                src.host_kind().as_str(),
                src.domain().as_str(),
                src.version_id(),
            ));
            keep((src.encoded_key(), src.decoded_key_len()));
            keep(src.decode_key(&mut buf).map(str::len));
        }
        keep(Domain::from_name(bb("myqcloud.com")));
        keep(HostKind::from_label(bb("cosv6")));

        // condition
        if let Ok(e) = ETag::new(bb(ETAG)) {
            keep((
                e.as_str(),
                e.is_weak(),
                e.opaque(),
                e.strong_eq(&e),
                e.weak_eq(&e),
            ));
            let c = if bb(true) {
                CopyCondition::NoneMatchModifiedSince {
                    etag: e,
                    since: bb(784_111_777),
                }
            } else {
                CopyCondition::Match(e)
            };
            keep((
                c.modified_since(),
                c.unmodified_since(),
                c.if_match(),
                c.if_none_match(),
            ));
            if let Ok(h) = c.headers() {
                keep((h.as_slice(), h.len(), h.is_empty()));
                for (name, value) in h.iter() {
                    keep((name, value));
                }
                for (header, value) in h.as_slice() {
                    keep((header.name(), value.as_str()));
                }
            }
            keep(c.allows(bb(ETAG), bb(784_111_778)));
        }
        let received = bb([
            ("x-cos-copy-source-if-match", ETAG),
            (
                "x-cos-copy-source-If-Unmodified-Since",
                "Sun, 06 Nov 1994 08:49:37 GMT",
            ),
        ]);
        keep(CopyCondition::from_headers(&received));
        keep(ConditionHeader::from_name(bb("x-cos-copy-source-If-Match")));
        keep(ConditionHeader::ALL);

        // plan
        if let Ok(plan) = CopyPlan::new(bb(10 << 30), bb(8 << 20)) {
            keep((plan.object_size(), plan.part_size(), plan.part_count()));
            keep(plan.part(bb(3)));
            let mut parts = plan.parts();
            keep(parts.size_hint());
            keep(parts.next());
            keep(parts.next_back());
            for (n, r) in &plan {
                keep((n, r));
            }
            for (n, r) in plan {
                keep((n, r));
            }
        }
        keep(text.len);
    }
}

/// Display and Debug of every public type (`core::fmt`, linked only here),
/// and with `defmt`, `defmt::Format` of every public type.
#[cfg(any(feature = "display", feature = "debug", feature = "defmt"))]
mod fmt {
    use super::input::*;
    use super::{Text, bb, keep};
    #[allow(unused_imports)]
    use core::fmt::Write as _;
    use tencent_cos_core as cos;

    /// Display (feature `display`) and Debug (feature `debug`) of values
    /// the optimiser cannot see.
    macro_rules! both {
        ($t:expr, $($v:expr),+ $(,)?) => {$(
            let v = bb($v);
            show(&mut $t, &v);
        )+};
    }
    /// Debug only.
    macro_rules! debug {
        ($t:expr, $($v:expr),+ $(,)?) => {$(
            let v = bb($v);
            show_debug(&mut $t, &v);
        )+};
    }

    /// `defmt::Format` with the `defmt` feature, nothing without: a value
    /// that lacks the impl fails to compile with the feature.
    #[cfg(feature = "defmt")]
    pub trait Format: defmt::Format {}
    #[cfg(feature = "defmt")]
    impl<T: defmt::Format + ?Sized> Format for T {}
    #[cfg(not(feature = "defmt"))]
    pub trait Format {}
    #[cfg(not(feature = "defmt"))]
    impl<T: ?Sized> Format for T {}

    fn show<T: core::fmt::Display + core::fmt::Debug + Format>(t: &mut Text, v: &T) {
        #[cfg(feature = "display")]
        keep(write!(t, "{v}"));
        show_debug(t, v);
    }

    fn show_debug<T: core::fmt::Debug + Format>(t: &mut Text, v: &T) {
        #[cfg(feature = "debug")]
        keep(write!(t, "{v:?}"));
        #[cfg(feature = "defmt")]
        defmt::println!("{}", v);
        keep((t.len, v as *const T));
    }

    pub fn all() {
        use cos::PairKind;
        let mut t = Text::new();
        let out = cos::OutputError::BufferTooSmall { needed: bb(7) };
        let sign_error = cos::SignError::EmptyName {
            kind: PairKind::Param,
            index: bb(3),
        };
        both!(t, out, sign_error, PairKind::Header);
        both!(
            t,
            cos::CredentialsError::InvalidToken,
            cos::KeyTimeError::Overflow
        );
        both!(
            t,
            cos::AuthorizationError::MissingField {
                field: cos::AuthorizationField::KeyTime
            }
        );
        both!(t, cos::AuthorizationField::Signature);
        both!(t, cos::VerifyError::Request(sign_error));
        both!(t, cos::ETagError::Unquoted, cos::DateError::Zone);
        both!(
            t,
            cos::ConditionError::Date {
                header: cos::ConditionHeader::IfModifiedSince,
                error: cos::DateError::Day,
            }
        );
        both!(t, cos::CopySourceError::InvalidKeyByte { at: bb(9) });
        both!(t, cos::Domain::TencentCos, cos::HostKind::CosCdc);
        both!(t, cos::PlanError::TooLarge, cos::RangeError::LeadingZero);
        both!(
            t,
            cos::RequestError::Bucket(cos::CopySourceError::InvalidRegion)
        );
        both!(t, cos::KeyError::DotKey);
        both!(t, cos::Field::UploadId, cos::DocumentKind::Error);
        let xml = cos::xml::XmlError {
            kind: cos::xml::XmlErrorKind::MismatchedTag,
            offset: bb(12),
        };
        both!(t, xml, xml.kind, cos::ResponseError::Xml(xml));
        both!(t, cos::SignedText::StringToSign);
        both!(t, cos::CosErrorCode::parse(bb("SlowDown")));
        both!(t, cos::CosError::UnexpectedStatus { status: bb(503) });
        #[cfg(feature = "http1")]
        {
            both!(
                t,
                cos::http1::Http1Error::HeadTooLarge {
                    capacity: bb(512),
                    needed: bb(Some(700)),
                },
                cos::http1::Http1Error::ChunkSize
            );
            debug!(t, cos::http1::Framing::Chunked, cos::http1::Discard);
            let mut buf = [0u8; 256];
            let mut headers = [cos::http1::EMPTY_HEADER; 8];
            let mut reader = cos::http1::Reader::new(&mut buf, &mut headers, bb("PUT"));
            let answer = bb(b"HTTP/1.1 204 No Content\r\nA: b\r\n\r\n");
            if let Ok(p) = reader.feed(answer, &mut cos::http1::Discard) {
                debug!(t, p, p.event);
                if let Some(h) = reader.head() {
                    debug!(t, h);
                }
            }
            debug!(t, &reader);
        }

        let kt = super::groups::key_time();
        both!(t, kt);
        if let Ok(r) = cos::ByteRange::new(bb(0), bb(99)) {
            both!(t, r, r.value());
        }
        if let Ok(d) = cos::http_date(bb(784_111_777)) {
            both!(t, d);
        }
        if let Ok(e) = cos::ETag::new(bb(ETAG)) {
            both!(t, e, cos::HeaderValue::ETag(e));
            let c = cos::CopyCondition::MatchUnmodifiedSince {
                etag: e,
                since: bb(784_111_777),
            };
            debug!(t, c, c.headers(), cos::ConditionHeader::IfMatch);
        }
        if let Ok(src) = cos::CopySource::parse(bb(COPY_SOURCE)) {
            both!(t, src);
        }
        if let Ok(plan) = cos::CopyPlan::new(bb(1 << 30), bb(8 << 20)) {
            debug!(t, plan, plan.parts());
        }
        let Ok(creds) = cos::Credentials::with_token(bb(ID), bb(SK), bb(TOKEN)) else {
            return;
        };
        let key = cos::SigningKey::new(&creds, kt);
        debug!(t, creds, &key);
        let Ok(signer) = key.with_token(bb(TOKEN)) else {
            return;
        };
        debug!(t, signer);
        let params = bb(&PARAMS[..]);
        let headers = bb(&HEADERS[..]);
        let req = cos::CanonicalRequest::new(bb("PUT"), bb("/dest"), params, headers);
        debug!(t, req, cos::Selection::Sdk, cos::VerifyPolicy::STRICT);
        if let Ok(signed) = signer.sign(&req, cos::Selection::Exact) {
            both!(t, signed, *signed.signature());
        }
        if let Ok(auth) = cos::Authorization::parse(bb(AUTHORIZATION)) {
            debug!(t, auth);
        }
        let host = cos::Host::bucket(bb("examplebucket-1250000000"), bb("ap-guangzhou"));
        let sse = cos::SourceCustomerKey {
            key: bb(SSE_KEY),
            key_md5: bb(SSE_MD5),
        };
        debug!(t, host, sse, cos::Method::Delete);
        let init = cos::InitiateMultipartUpload::new(host, bb("k"));
        let abort = cos::AbortMultipartUpload::new(host, bb("k"), bb(UPLOAD));
        let complete = cos::CompleteMultipartUpload::new(host, bb("k"), bb(UPLOAD), bb(10));
        debug!(t, init, abort, complete);
        let mut scratch = [0u8; 1024];
        if let Ok(r) = init.sign(signer, &mut scratch) {
            debug!(t, r);
        }
        let parts = bb([(1u16, ETAG)]);
        if let Ok(body) = cos::CompleteBody::new(parts.iter().copied()) {
            debug!(t, body);
        }
        if let Ok(src) = cos::CopySource::parse(bb(COPY_SOURCE)) {
            debug!(
                t,
                cos::UploadPartCopy::new(host, bb("k"), bb(1), bb(UPLOAD), src)
            );
        }
        let mut reader = cos::ResponseReader::<N, D>::new();
        keep(reader.feed(bb(ERROR)));
        debug!(t, &reader);
        if let Ok(body) = reader.finish() {
            debug!(t, &body);
            if let Err(e) = cos::part_result(bb(200), &body) {
                both!(t, e);
            }
            if let cos::Response::Error(e) = &body {
                let headers = bb(&HEADERS[..1]);
                let req = cos::CanonicalRequest::new(bb("PUT"), bb("/a.txt"), &[], headers);
                if let Ok(m) = cos::explain(e, &req, cos::Selection::Exact, kt) {
                    both!(t, m);
                    if let Some(d) = m.difference {
                        both!(t, d.local);
                        debug!(t, d);
                    }
                }
            }
        }
        let raw = bb([("x-cos-request-id", "NTlk")]);
        debug!(t, cos::ResponseHeaders::from_pairs(raw.iter().copied()));
        let mut tok = cos::xml::Tokenizer::new();
        keep(tok.feed(bb(COPY_PART), &mut |e| {
            let mut t = Text::new();
            show_debug(&mut t, &e);
            Ok::<(), cos::xml::XmlError>(())
        }));
        debug!(t, &tok);
        keep(t.len);
    }
}

/// A `defmt` global logger that drops everything: enough to link
/// `defmt::Format` of every public type (`fmt::all` logs each one).
#[cfg(feature = "defmt")]
mod defmt_logger {
    #[defmt::global_logger]
    struct Discard;

    // SAFETY: nothing is shared; every call does nothing but keep its input.
    unsafe impl defmt::Logger for Discard {
        fn acquire() {}
        unsafe fn flush() {}
        unsafe fn release() {}
        unsafe fn write(bytes: &[u8]) {
            super::keep(bytes);
        }
    }

    defmt::timestamp!("{=u32}", 0);
}
