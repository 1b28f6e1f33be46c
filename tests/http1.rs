//! The HTTP/1.1 answer reader (`tencent_cos_core::http1`): every split of
//! an answer reads as the whole, real COS answers, and each malformed head
//! or framing refused with its own error.

use tencent_cos_core::http1::{
    BodySink, Discard, EMPTY_HEADER, Event, Framing, Http1Error, Reader,
};
use tencent_cos_core::{CosErrorCode, Response, ResponseError, ResponseReader, part_result};

#[allow(dead_code)] // The other targets' checks.
#[path = "../fuzz/src/checks/mod.rs"]
mod checks;

// The fuzz target's reading loop: every piece offered (also after the end
// of the answer, as a socket delivers it), the head copied out, errors
// checked to stick.
use checks::http1::{Opts, Owned, Run, own, pieces};

const OPTS: Opts = Opts {
    head_request: false,
    eof: false,
    buf: 2048,
    headers: 32,
};

fn run_pieces(parts: &[&[u8]], o: &Opts) -> Run {
    checks::http1::run(parts, o)
}

fn run(wire: &[u8], cuts: &[usize], o: &Opts) -> Run {
    run_pieces(&pieces(wire, cuts), o)
}

fn whole(wire: &[u8]) -> Run {
    run(wire, &[], &OPTS)
}

/// The same as whole at every cut point, at every pair of them (on a
/// grid for long answers), and one byte at a time.
fn same_at_every_split(wire: &[u8], o: &Opts) -> Run {
    let want = run(wire, &[], o);
    for i in 0..=wire.len() {
        assert_eq!(run(wire, &[i], o), want, "cut at {i}");
    }
    let step = (wire.len() / 140).max(1);
    for i in (0..=wire.len()).step_by(step) {
        for j in (i..=wire.len()).step_by(step) {
            assert_eq!(run(wire, &[i, j], o), want, "cut at {i}, {j}");
        }
    }
    let bytes: Vec<&[u8]> = wire.chunks(1).collect();
    assert_eq!(run_pieces(&bytes, o), want, "one byte at a time");
    want
}

fn error_of(wire: &[u8]) -> Http1Error {
    match whole(wire).result {
        Err(e) => e,
        Ok(done) => panic!("{:?} read (done: {done})", String::from_utf8_lossy(wire)),
    }
}

fn chunked(body: &[u8], max: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for piece in body.chunks(max) {
        out.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        out.extend_from_slice(piece);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

fn response_file(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/data/responses/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// The COS documentation's UploadPartCopy answer (its `Content-Length:
/// 133 ` and `Connection: keep-alive ` end with a space).
const DOC_HEAD: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: 133 \r\n\
Connection: keep-alive \r\nDate: Mon, 04 Sep 2017 04:45:45 GMT\r\nServer: tencent-cos\r\n\
x-cos-request-id: NTlkYjFjYWJfMjQ4OGY3MGFfNGIz****\r\n\r\n";
const DOC_BODY: &[u8] = b"<CopyPartResult>\n<ETag>\"ba82b57cfdfda8bd17ad4e5879ebb4fe\"</ETag>\n\
<LastModified>2017-09-04T04:45:45</LastModified>\n</CopyPartResult>\n\n";

#[test]
fn content_length_answers_read_the_same_at_every_split() {
    assert_eq!(DOC_BODY.len(), 133);
    let wire = [DOC_HEAD, DOC_BODY].concat();
    let r = same_at_every_split(&wire, &OPTS);
    assert_eq!(r.result, Ok(true));
    assert_eq!(r.body, DOC_BODY);
    assert_eq!(r.used, wire.len());
    assert!(r.reusable);
    let h = r.head.unwrap();
    assert_eq!((h.status, h.reason.as_str(), h.minor), (200, "OK", 1));
    assert_eq!(h.framing, Framing::Length(133));
    assert_eq!(h.headers.len(), 6);
    assert_eq!(h.headers[1], ("Content-Length".into(), b"133".to_vec()));

    // With the start of something else after it: the answer stands, the
    // rest is not taken, and the connection is not reused.
    let wire = [DOC_HEAD, DOC_BODY, b"HTTP/1.1 200"].concat();
    let r = same_at_every_split(&wire, &OPTS);
    assert_eq!(
        (r.result, r.used, r.reusable),
        (Ok(true), wire.len() - 12, false)
    );
    assert_eq!(r.body, DOC_BODY);
}

#[test]
fn chunked_answers_read_the_same_at_every_split() {
    // The hand-written client's split test: extensions, leading zeros, a
    // trailer, and the next answer's bytes after it.
    let head =
        b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nTransfer-Encoding: chunked\r\n\
x-cos-request-id:  NTlk \r\n\r\n";
    let body =
        b"5\r\nhello\r\n1;ext=\"v\"\r\n \r\n0000B\r\n<Done>\n</x>\r\n0\r\nTrailer: x\r\n\r\n";
    let wire = [&head[..], body, b"NEXT"].concat();
    let r = same_at_every_split(&wire, &OPTS);
    assert_eq!(r.result, Ok(true));
    assert_eq!(r.body, b"hello <Done>\n</x>");
    assert_eq!(r.used, wire.len() - 4, "the next answer's bytes are left");
    assert!(!r.reusable, "bytes after the answer");
    let h = r.head.unwrap();
    assert_eq!(h.framing, Framing::Chunked);
    assert!(h.keep_alive);
    assert_eq!(h.headers[2], ("x-cos-request-id".into(), b"NTlk".to_vec()));

    let wire = [&head[..], body].concat();
    let r = same_at_every_split(&wire, &OPTS);
    assert_eq!((r.result, r.used, r.reusable), (Ok(true), wire.len(), true));

    // Bare LF line ends are tolerated, in the head and in the framing.
    let r = whole(b"HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n3\nabc\n0\n\n");
    assert_eq!((r.result, r.body.as_slice()), (Ok(true), &b"abc"[..]));
}

#[test]
fn close_delimited_answers_end_at_eof() {
    let wire = b"HTTP/1.0 200 OK\r\nServer: x\r\n\r\nall of it\r\n\r\nuntil the close";
    let eof = Opts { eof: true, ..OPTS };
    let r = same_at_every_split(wire, &eof);
    assert_eq!(r.result, Ok(true));
    assert_eq!(r.body, b"all of it\r\n\r\nuntil the close");
    assert!(!r.reusable);
    assert_eq!(r.head.unwrap().framing, Framing::UntilClose);
    // Without the close it is not done.
    assert_eq!(whole(wire).result, Ok(false));
    // HTTP/1.1 too.
    let r = run(b"HTTP/1.1 500 Oops\r\n\r\n<html>", &[], &eof);
    assert_eq!(
        (r.result, r.body.as_slice(), r.reusable),
        (Ok(true), &b"<html>"[..], false)
    );
}

/// A COS answer to an UploadPartCopy that ran for a while: keep-alive
/// spaces first, each in its own chunk, then the document.
fn copy_part_wire() -> (Vec<u8>, Vec<u8>) {
    let doc = response_file("copy-part-result-keepalive.xml");
    let mut body = Vec::new();
    let spaces = doc.iter().take_while(|&&b| b == b' ').count();
    for _ in 0..spaces {
        body.extend_from_slice(b"1\r\n \r\n");
    }
    body.extend_from_slice(&chunked(&doc[spaces..], 64)[..]);
    let head = b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nTransfer-Encoding: chunked\r\n\
Connection: keep-alive\r\nDate: Wed, 14 Aug 2024 08:00:00 GMT\r\nServer: tencent-cos\r\n\
x-cos-request-id: NjZiYzY0YjBfOTBhMjUwOV8xZGRhXzEyMzQ1\r\n\
x-cos-copy-source-version-id: MTg0NDUxNTc1NjIzMTQ1MDAwODg\r\nx-cos-server-side-encryption: AES256\r\n\r\n";
    ([&head[..], &body].concat(), doc)
}

/// Reads `parts` into a `ResponseReader` (the sink needs no glue).
fn read_document(
    parts: &[&[u8]],
    method: &str,
) -> (Owned, Result<Response<128>, ResponseError>, bool) {
    let mut buf = [0u8; 1024];
    let mut headers = [EMPTY_HEADER; 24];
    let mut reader = Reader::new(&mut buf, &mut headers, method);
    let mut document = ResponseReader::<128>::new();
    let mut head = None;
    for part in parts {
        let mut rest = *part;
        loop {
            let step = reader.feed(rest, &mut document).unwrap();
            rest = &rest[step.used..];
            match step.event {
                Event::Head(h) => head = Some(h),
                Event::NeedMore | Event::Done => break,
            }
        }
    }
    assert!(reader.is_done());
    (own(&head.unwrap()), document.finish(), reader.reusable())
}

#[test]
fn a_chunked_copy_part_result_with_keep_alive_spaces() {
    let (wire, doc) = copy_part_wire();
    let r = same_at_every_split(&wire, &OPTS);
    assert_eq!(
        (r.result, r.body.as_slice(), r.reusable),
        (Ok(true), doc.as_slice(), true)
    );
    for size in [1, 7, 64, 4096] {
        let parts: Vec<&[u8]> = wire.chunks(size).collect();
        let (head, document, reusable) = read_document(&parts, "PUT");
        assert!(reusable);
        assert_eq!(head.status, 200);
        let document = document.unwrap();
        let part = part_result(200, &document).unwrap();
        assert_eq!(part.etag, "\"ba82b57cfdfda8bd17ad4e5879ebb4fe\"");
    }
    // The header lookups on the head itself.
    let mut buf = [0u8; 1024];
    let mut headers = [EMPTY_HEADER; 16];
    let mut reader = Reader::new(&mut buf, &mut headers, "PUT");
    let Event::Head(h) = reader.feed(&wire, &mut Discard).unwrap().event else {
        panic!("no head")
    };
    assert_eq!(h.request_id(), Some("NjZiYzY0YjBfOTBhMjUwOV8xZGRhXzEyMzQ1"));
    assert_eq!(
        h.copy_source_version_id(),
        Some("MTg0NDUxNTc1NjIzMTQ1MDAwODg")
    );
    assert_eq!(h.cos_headers().server_side_encryption(), Some("AES256"));
    assert_eq!(h.date(), Some("Wed, 14 Aug 2024 08:00:00 GMT"));
    assert_eq!(
        tencent_cos_core::parse_http_date(h.date().unwrap()),
        Ok(1_723_622_400)
    );
    assert_eq!((h.etag(), h.content_length()), (None, None));
    assert_eq!(h.header_str("SERVER"), Some("tencent-cos"));
}

#[test]
fn a_head_answer_has_no_body_whatever_its_headers() {
    let wire = b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 67108864\r\n\
Connection: keep-alive\r\nDate: Wed, 14 Aug 2024 08:00:01 GMT\r\n\
ETag: \"518bdc5cad38183dcdcc4266a7552420-8\"\r\nLast-Modified: Wed, 14 Aug 2024 07:59:58 GMT\r\n\
Server: tencent-cos\r\nx-cos-request-id: NjZiYzY0YjFf\r\n\r\n";
    let head = Opts {
        head_request: true,
        ..OPTS
    };
    let r = same_at_every_split(wire, &head);
    assert_eq!((r.result, r.used, r.reusable), (Ok(true), wire.len(), true));
    let h = r.head.unwrap();
    assert_eq!(
        (h.framing, h.content_length),
        (Framing::NoBody, Some(67_108_864))
    );
    let mut buf = [0u8; 512];
    let mut headers = [EMPTY_HEADER; 16];
    let mut reader = Reader::new(&mut buf, &mut headers, "HEAD");
    let step = reader.feed(wire, &mut Discard).unwrap();
    let Event::Head(h) = step.event else { panic!() };
    assert_eq!(h.etag(), Some("\"518bdc5cad38183dcdcc4266a7552420-8\""));
    assert!(tencent_cos_core::ETag::new(h.etag().unwrap()).is_ok());
    assert_eq!(h.last_modified(), Some("Wed, 14 Aug 2024 07:59:58 GMT"));
    // What the copy machine takes of it.
    let for_copy = tencent_cos_core::copy::Headers::from_pairs(h.pairs());
    assert_eq!(
        (for_copy.etag, for_copy.content_length, for_copy.request_id),
        (h.etag(), h.content_length(), Some("NjZiYzY0YjFf"))
    );
    // Done at once: the caller feeds the (empty) rest and is told so.
    assert!(reader.is_done());
    assert_eq!(reader.feed(&[], &mut Discard).unwrap().event, Event::Done);
    assert!(reader.reusable());

    // The same head to a GET would wait for 64 MiB; a chunked one to HEAD
    // has no body either; a 404 to HEAD neither.
    assert_eq!(whole(wire).result, Ok(false));
    let te = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    assert_eq!(run(te, &[], &head).result, Ok(true));
    let r = run(
        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
        &[],
        &head,
    );
    assert_eq!((r.result, r.reusable), (Ok(true), true));
    // Methods are case-sensitive: "head" is not HEAD.
    let mut buf = [0u8; 512];
    let mut headers = [EMPTY_HEADER; 16];
    let mut reader = Reader::new(&mut buf, &mut headers, "head");
    let step = reader.feed(wire, &mut Discard).unwrap();
    let rest = &wire[step.used..];
    assert_eq!(
        reader.feed(rest, &mut Discard).unwrap().event,
        Event::NeedMore
    );
}

#[test]
fn a_403_with_an_error_document() {
    let doc = response_file("error-access-denied-refs.xml");
    let wire = [
        format!(
            "HTTP/1.1 403 Forbidden\r\nContent-Type: application/xml\r\nContent-Length: {}\r\n\
             Connection: keep-alive\r\nServer: tencent-cos\r\nx-cos-request-id: NjQ2\r\n\r\n",
            doc.len()
        )
        .as_bytes(),
        &doc,
    ]
    .concat();
    let r = same_at_every_split(&wire, &OPTS);
    assert_eq!(
        (r.result, r.body.as_slice(), r.reusable),
        (Ok(true), doc.as_slice(), true)
    );
    let (head, document, _) = read_document(&[&wire[..100], &wire[100..]], "PUT");
    assert_eq!((head.status, head.reason.as_str()), (403, "Forbidden"));
    let document = document.unwrap();
    let e = part_result(head.status, &document).unwrap_err();
    assert_eq!(e.code(), Some(CosErrorCode::AccessDenied));
    assert_eq!(e.status(), 403);
}

#[test]
fn interim_answers_are_skipped() {
    let wire = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n\
HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    let r = same_at_every_split(wire, &OPTS);
    assert_eq!(
        (r.result, r.body.as_slice(), r.reusable),
        (Ok(true), &b"ok"[..], true)
    );
    assert_eq!(r.head.unwrap().status, 200);
    // Interim heads take room in the buffer: exactly enough.
    let r = run(
        wire,
        &[],
        &Opts {
            buf: wire.len() - 2,
            ..OPTS
        },
    );
    assert_eq!(r.result, Ok(true));
    assert_eq!(
        run(
            wire,
            &[],
            &Opts {
                buf: wire.len() - 3,
                ..OPTS
            }
        )
        .result,
        Err(Http1Error::HeadTooLarge {
            capacity: wire.len() - 3,
            needed: Some(wire.len() - 2)
        })
    );
    // 101 was not asked for; an interim answer with a bad header is bad.
    assert_eq!(
        error_of(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n"),
        Http1Error::SwitchingProtocols
    );
    assert_eq!(
        error_of(b"HTTP/1.1 100 Continue\r\nBad Name: x\r\n\r\nHTTP/1.1 200 OK\r\n\r\n"),
        Http1Error::HeaderName
    );
    // A close after the interim answer: something was received.
    let eof = Opts { eof: true, ..OPTS };
    assert_eq!(
        run(b"HTTP/1.1 100 Continue\r\n\r\n", &[], &eof).result,
        Err(Http1Error::IncompleteHead)
    );
}

#[test]
fn answers_without_a_body() {
    for wire in [
        &b"HTTP/1.1 204 No Content\r\nContent-Length: 7\r\n\r\n"[..],
        b"HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 204 No Content\n\n",
    ] {
        let r = same_at_every_split(wire, &OPTS);
        assert_eq!(
            (r.result, r.used, r.reusable),
            (Ok(true), wire.len(), true),
            "{wire:?}"
        );
        assert!(r.body.is_empty());
    }
    // Bytes after a body-less answer spoil the connection.
    let r = whole(b"HTTP/1.1 204 No Content\n\nx");
    assert_eq!((r.result, r.used, r.reusable), (Ok(true), 25, false));
}

#[test]
fn connection_reuse_follows_the_head() {
    for (wire, reusable) in [
        (&b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"[..], true),
        (
            b"HTTP/1.1 200 OK\r\nConnection: keep-alive, Close\r\nContent-Length: 0\r\n\r\n",
            false,
        ),
        (
            b"HTTP/1.1 200 OK\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            false,
        ),
        (b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", false),
        (
            b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n",
            true,
        ),
        (b"HTTP/1.0 503\r\n\r\n", false),
    ] {
        let r = whole(wire);
        assert_eq!(r.result, Ok(!wire.starts_with(b"HTTP/1.0 503")), "{wire:?}");
        assert_eq!(r.reusable, reusable, "{:?}", String::from_utf8_lossy(wire));
        assert_eq!(r.head.unwrap().keep_alive, reusable);
    }
    // The status line without a reason (as the hand-written client took).
    let h = whole(b"HTTP/1.0 503\r\n\r\n").head.unwrap();
    assert_eq!((h.status, h.reason.as_str(), h.minor), (503, "", 0));
}

#[test]
fn malformed_heads_are_refused_with_their_error() {
    use Http1Error as E;
    for (wire, want) in [
        (&b"HTTP/2 200 OK\r\n\r\n"[..], E::Version),
        (b"ICY 200 OK\r\n\r\n", E::Version),
        (b"HTTP/1.2 200 OK\r\n\r\n", E::Version),
        (b"http/1.1 200 OK\r\n\r\n", E::Version),
        (b"HTTP/1.1 20 OK\r\n\r\n", E::StatusLine),
        (b"HTTP/1.1 2000 OK\r\n\r\n", E::StatusLine),
        (b"HTTP/1.1 2x0 OK\r\n\r\n", E::StatusLine),
        (b"HTTP/1.1 200 O\x01K\r\n\r\n", E::StatusLine),
        (
            b"HTTP/1.1 099 Low\r\n\r\n",
            E::StatusOutOfRange { status: 99 },
        ),
        (
            b"HTTP/1.1 600 High\r\n\r\n",
            E::StatusOutOfRange { status: 600 },
        ),
        (b"HTTP/1.1 200 OK\r\n folded: x\r\n\r\n", E::HeaderName),
        (b"HTTP/1.1 200 OK\r\nA: b\r\n folded\r\n\r\n", E::HeaderName),
        (b"HTTP/1.1 200 OK\r\nNo colon\r\n\r\n", E::HeaderName),
        (b"HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n", E::HeaderName),
        (b"HTTP/1.1 200 OK\r\nName : x\r\n\r\n", E::HeaderName),
        (b"HTTP/1.1 200 OK\r\n: x\r\n\r\n", E::HeaderName),
        (b"HTTP/1.1 200 OK\r\nA: b\x01c\r\n\r\n", E::HeaderValue),
        (b"HTTP/1.1 200 OK\r\nA: b\x7fc\r\n\r\n", E::HeaderValue),
        (b"HTTP/1.1 200 OK\r\nA: b\rc\r\n\r\n", E::HeaderValue),
        (b"HTTP/1.1 200 OK\r\n\rX\n\n", E::NewLine),
        (b"\rX\n\n", E::NewLine),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: +0\r\n\r\n",
            E::InvalidContentLength,
        ),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
            E::InvalidContentLength,
        ),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 1 2\r\n\r\n",
            E::InvalidContentLength,
        ),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551616\r\n\r\n",
            E::InvalidContentLength,
        ),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
            E::ConflictingContentLength,
        ),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\n",
            E::ConflictingContentLength,
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
            E::LengthAndChunked,
        ),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
            E::LengthAndChunked,
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
            E::UnsupportedTransferCoding,
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
            E::UnsupportedTransferCoding,
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
            E::UnsupportedTransferCoding,
        ),
        (
            b"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
            E::TransferEncodingInHttp10,
        ),
    ] {
        for cut in [0, 1, wire.len() / 2, wire.len() - 1] {
            assert_eq!(
                run(wire, &[cut], &OPTS).result,
                Err(want),
                "{:?} cut at {cut}",
                String::from_utf8_lossy(wire)
            );
        }
    }
    // Identical Content-Length values are one (RFC 9110 §8.6).
    let r = whole(b"HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\ncontent-length: 02\r\n\r\nok");
    assert_eq!((r.result, r.body.as_slice()), (Ok(true), &b"ok"[..]));
    // Leading empty lines are skipped, as httparse does.
    assert_eq!(
        whole(b"\r\n\nHTTP/1.1 204 No Content\r\n\r\n").result,
        Ok(true)
    );
}

#[test]
fn malformed_chunked_bodies_are_refused_with_their_error() {
    use Http1Error as E;
    let head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    // The hand-written client's cases, then more.
    for (body, want) in [
        (&b"x\r\n"[..], E::ChunkSize),
        (b"\r\n", E::ChunkSize),
        (b"5\r\nhelloX\r\n", E::ChunkDataEnd),
        (b"5\rX", E::ChunkLineEnd),
        (b"11111111111111111\r\n", E::ChunkSizeOverflow),
        (b"0\r\n\rX", E::ChunkLineEnd),
        (b"3;\x01\r\n", E::ChunkExtension),
        (b"-1\r\n", E::ChunkSize),
        (b"0x10\r\n", E::ChunkSize),
        (b"1 1\r\nab\r\n", E::ChunkSize),
        (b"g\r\n", E::ChunkSize),
        (b"5\r\nhello", E::IncompleteBody),
        (b"5\r\nhello\r\n0\r\nA: b\r\n", E::IncompleteBody),
        (b"0\r\n\x00\r\n\r\n", E::Trailer),
        (b"0\r\n\tA: b\r\n\r\n", E::Trailer),
        (b"0\r\nA: b\rX\r\n\r\n", E::ChunkLineEnd),
    ] {
        let wire = [&head[..], body].concat();
        let eof = Opts { eof: true, ..OPTS };
        for cut in 0..wire.len() {
            assert_eq!(
                run(&wire, &[cut], &eof).result,
                Err(want),
                "{:?} cut at {cut}",
                String::from_utf8_lossy(body)
            );
        }
    }
}

#[test]
fn an_answer_cut_short_by_the_close() {
    let eof = Opts { eof: true, ..OPTS };
    let at_eof = |wire: &[u8]| run(wire, &[], &eof).result;
    assert_eq!(at_eof(b""), Err(Http1Error::ClosedBeforeAnswer));
    assert_eq!(at_eof(b"\r\n"), Err(Http1Error::IncompleteHead));
    assert_eq!(
        at_eof(b"HTTP/1.1 200 OK\r\nA: b\r\n"),
        Err(Http1Error::IncompleteHead)
    );
    // A malformed head cut short says what is wrong with it.
    assert_eq!(at_eof(b"ICY 200 OK\r\n"), Err(Http1Error::Version));
    assert_eq!(
        at_eof(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n123456789"),
        Err(Http1Error::IncompleteBody)
    );
    assert_eq!(
        at_eof(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"),
        Err(Http1Error::IncompleteBody)
    );
    // A complete answer then the close: complete, not reusable.
    let r = run(b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx", &[], &eof);
    assert_eq!((r.result, r.reusable), (Ok(true), false));
}

#[test]
fn a_head_larger_than_the_buffer_says_what_it_needed() {
    let wire = [DOC_HEAD, DOC_BODY].concat();
    let size = DOC_HEAD.len();
    // Exactly enough.
    let r = same_at_every_split(&wire, &Opts { buf: size, ..OPTS });
    assert_eq!(r.result, Ok(true));
    for buf in [0, 1, 20, size - 1] {
        let o = Opts { buf, ..OPTS };
        let want = Err(Http1Error::HeadTooLarge {
            capacity: buf,
            needed: Some(size),
        });
        assert_eq!(same_at_every_split(&wire, &o).result, want);
        // The end never seen: the size is not known.
        let o = Opts {
            buf,
            eof: true,
            ..OPTS
        };
        let cut_short = &DOC_HEAD[..size - 1];
        assert_eq!(
            run(cut_short, &[buf], &o).result,
            if buf < cut_short.len() {
                Err(Http1Error::HeadTooLarge {
                    capacity: buf,
                    needed: None,
                })
            } else {
                // It did fit: it is incomplete.
                Err(Http1Error::IncompleteHead)
            }
        );
    }
    // A malformed head is that, not too large.
    assert_eq!(
        run(b"ICY 200 OK\r\n\r\n", &[], &Opts { buf: 5, ..OPTS }).result,
        Err(Http1Error::Version)
    );
    // Too many headers: the count it has.
    let o = Opts { headers: 5, ..OPTS };
    assert_eq!(
        same_at_every_split(&wire, &o).result,
        Err(Http1Error::TooManyHeaders {
            capacity: 5,
            needed: 6
        })
    );
    assert_eq!(
        run(&wire, &[], &Opts { headers: 6, ..OPTS }).result,
        Ok(true)
    );
    // Both too small: the buffer is reported first.
    assert_eq!(
        run(
            &wire,
            &[],
            &Opts {
                headers: 1,
                buf: 100,
                ..OPTS
            }
        )
        .result,
        Err(Http1Error::HeadTooLarge {
            capacity: 100,
            needed: Some(size)
        })
    );
}

#[test]
fn bodies_go_to_any_sink() {
    let (wire, doc) = copy_part_wire();
    // Discard: framed and thrown away.
    let mut buf = [0u8; 1024];
    let mut headers = [EMPTY_HEADER; 16];
    let mut reader = Reader::new(&mut buf, &mut headers, "PUT");
    let mut rest = &wire[..];
    let mut events = Vec::new();
    while !reader.is_done() {
        let step = reader.feed(rest, &mut Discard).unwrap();
        rest = &rest[step.used..];
        events.push(matches!(step.event, Event::Head(_)));
    }
    assert_eq!(events, [true, false]);
    assert!(reader.reusable());

    // A `dyn` sink and a counting closure.
    struct Count(usize);
    impl BodySink for Count {
        fn push(&mut self, bytes: &[u8]) {
            self.0 += bytes.len();
        }
    }
    let mut count = Count(0);
    let sink: &mut dyn BodySink = &mut count;
    let mut buf = [0u8; 1024];
    let mut headers = [EMPTY_HEADER; 16];
    let mut reader = Reader::new(&mut buf, &mut headers, "PUT");
    let step = reader.feed(&wire, sink).unwrap();
    reader.feed(&wire[step.used..], sink).unwrap();
    assert_eq!(count.0, doc.len());

    // A body the document reader refuses (a proxy's HTML page) is still
    // read to its end: the status is what counts, the connection stays.
    let html = b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 20\r\n\r\n<html>bad gw</html>\n";
    let (head, document, reusable) = read_document(&[html], "PUT");
    assert_eq!(head.status, 502);
    assert!(matches!(
        document,
        Err(ResponseError::Xml(_)) | Err(ResponseError::UnknownRoot)
    ));
    assert!(reusable);
}

#[test]
fn errors_display_what_went_wrong() {
    let shown = [
        Http1Error::HeadTooLarge {
            capacity: 512,
            needed: Some(700),
        },
        Http1Error::HeadTooLarge {
            capacity: 512,
            needed: None,
        },
        Http1Error::TooManyHeaders {
            capacity: 8,
            needed: 9,
        },
        Http1Error::StatusOutOfRange { status: 600 },
        Http1Error::ChunkSizeOverflow,
    ]
    .map(|e| e.to_string());
    assert_eq!(
        shown,
        [
            "answer head needs a 700-byte buffer, not 512",
            "answer head does not fit the 512-byte buffer",
            "answer has 9 headers, storage for 8",
            "status 600 is not 100-599",
            "chunk size larger than 64 bits",
        ]
    );
    let e: &dyn std::error::Error = &Http1Error::ClosedBeforeAnswer;
    assert_eq!(e.to_string(), "connection closed before any answer");
}
