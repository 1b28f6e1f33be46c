//! The emulator's own checks of copies and objects, over real sockets
//! (moved here from the tests of the multipart-copy example's old
//! hand-written client): part numbers, ranges and copy conditions,
//! Complete's parts, unknown buckets and keys, PUT/GET/HEAD round trips.

mod support;

use cos_emulator::{Config, DEST_BUCKET, MIN_PART, SOURCE_BUCKET, generate};
use support::{Client, encode, host_of, start};

const SOURCE_KEY: &str = "src/data file+1.bin";
const DEST_KEY: &str = "dst/copy.bin";
const MIB: usize = MIN_PART as usize;

fn copy_source() -> String {
    format!("{}/{}", host_of(SOURCE_BUCKET), encode(SOURCE_KEY, true))
}

/// UploadPartCopy of part `number` with `extra` headers: `(status, Code)`
/// and the ETag of a success.
fn part(c: &Client, id: &str, number: &str, extra: &[(&str, &str)]) -> ((u16, String), String) {
    let source = copy_source();
    let mut headers = vec![("x-cos-copy-source", source.as_str())];
    headers.extend_from_slice(extra);
    let params = [("partNumber", number), ("uploadId", id)];
    let r = c.send("PUT", DEST_KEY, &params, &headers, b"");
    (r.code(), r.field("ETag").unwrap_or_default())
}

#[test]
fn the_emulator_checks_part_numbers_ranges_and_conditions() {
    let emu = start(Config::default());
    let data = generate(41, 2 * MIB);
    let etag = emu.put_object(SOURCE_BUCKET, SOURCE_KEY, data.clone());
    let c = Client::new(&emu, DEST_BUCKET);
    let id = c.initiate(DEST_KEY);
    let bad = (400, "InvalidArgument".to_owned());
    let code = |number: &str, extra: &[(&str, &str)]| part(&c, &id, number, extra).0;
    assert_eq!(code("0", &[]), bad);
    assert_eq!(code("10001", &[]), bad);
    assert_eq!(code("01", &[]), bad);
    assert_eq!(code("10000", &[]), (200, String::new()));
    let beyond = format!("bytes=0-{}", data.len());
    assert_eq!(code("1", &[("x-cos-copy-source-range", &beyond)]), bad);
    assert_eq!(code("1", &[("x-cos-copy-source-range", "bytes=5-")]), bad);
    let failed = (412, "PreconditionFailed".to_owned());
    assert_eq!(
        code("1", &[("x-cos-copy-source-If-None-Match", &etag)]),
        failed
    );
    assert_eq!(
        code("1", &[("x-cos-copy-source-If-Match", "\"0123\"")]),
        failed
    );
    let later = tencent_cos_core::http_date(4_000_000_000).unwrap();
    assert_eq!(
        code(
            "1",
            &[("x-cos-copy-source-If-Modified-Since", later.as_str())]
        ),
        failed
    );
    // Conflicting conditions are refused before they are evaluated.
    assert_eq!(
        code(
            "1",
            &[
                ("x-cos-copy-source-If-Match", &etag),
                ("x-cos-copy-source-If-None-Match", "\"x\"")
            ]
        ),
        bad
    );
    assert_eq!(
        code(
            "1",
            &[
                ("x-cos-copy-source-If-Match", &etag),
                ("x-cos-copy-source-range", "bytes=0-9")
            ]
        ),
        (200, String::new())
    );
    // Unknown upload, unknown source.
    assert_eq!(
        part(&c, "nope", "1", &[]).0,
        (404, "NoSuchUpload".to_owned())
    );
    let absent = format!("{}/absent", host_of(SOURCE_BUCKET));
    let params = [("partNumber", "1"), ("uploadId", id.as_str())];
    let r = c.send(
        "PUT",
        DEST_KEY,
        &params,
        &[("x-cos-copy-source", &absent)],
        b"",
    );
    assert_eq!(r.code(), (404, "NoSuchKey".to_owned()));
    let abort = |id: &str| c.send("DELETE", DEST_KEY, &[("uploadId", id)], &[], b"");
    assert_eq!(abort("no-such-upload").code(), (404, "NoSuchUpload".into()));
    assert_eq!(abort(&id).status, 204);
    assert_eq!(emu.uploads_in_progress(), 0);
}

#[test]
fn the_emulator_checks_the_parts_at_complete() {
    let emu = start(Config::default());
    emu.put_object(SOURCE_BUCKET, SOURCE_KEY, generate(42, 3 * MIB));
    let c = Client::new(&emu, DEST_BUCKET);
    let id = c.initiate(DEST_KEY);
    let ranged = |n: &str, first: usize, len: usize| {
        let range = format!("bytes={first}-{}", first + len - 1);
        let (code, etag) = part(&c, &id, n, &[("x-cos-copy-source-range", &range)]);
        assert_eq!(code.0, 200);
        etag
    };
    let small = ranged("1", 0, 1000);
    let big = ranged("2", 1000, MIB);
    let last = ranged("3", 0, 10);
    let complete = |parts: &[(u16, &str)]| {
        let body = Client::complete_body(parts);
        c.send(
            "POST",
            DEST_KEY,
            &[("uploadId", id.as_str())],
            &[("Content-Type", "application/xml")],
            body.as_bytes(),
        )
    };
    // A small part that is not the last.
    assert_eq!(
        complete(&[(1, &small), (2, &big)]).code(),
        (400, "EntityTooSmall".into())
    );
    // A wrong ETag.
    assert_eq!(
        complete(&[(2, &small), (3, &last)]).code(),
        (400, "InvalidPart".into())
    );
    // Out of order.
    assert_eq!(
        complete(&[(3, &last), (2, &big)]).code(),
        (400, "InvalidPartOrder".into())
    );
    let raw = |body: &str| {
        c.send(
            "POST",
            DEST_KEY,
            &[("uploadId", id.as_str())],
            &[],
            body.as_bytes(),
        )
        .code()
    };
    assert_eq!(
        raw("<CompleteMultipartUpload/>"),
        (400, "MalformedXML".into())
    );
    assert_eq!(
        raw("<CompleteMultipartUpload><Part>"),
        (400, "MalformedXML".into())
    );
    assert_eq!(
        emu.uploads_in_progress(),
        1,
        "failed Completes leave the upload"
    );
    // The small part may be the last one.
    let done = complete(&[(2, &big), (3, &last)]);
    assert_eq!(done.status, 200);
    assert!(done.field("ETag").unwrap().ends_with("-2\""));
    assert_eq!(emu.object(DEST_BUCKET, DEST_KEY).unwrap().len(), MIB + 10);
    assert_eq!(emu.uploads_in_progress(), 0);
    assert_eq!(
        complete(&[(1, &small)]).code(),
        (404, "NoSuchUpload".into())
    );
}

#[test]
fn the_emulator_refuses_unknown_buckets_and_keys() {
    let emu = start(Config::default());
    emu.put_object(SOURCE_BUCKET, SOURCE_KEY, generate(43, MIB));
    let unknown = Client::new(&emu, "unknownbucket-1250000000");
    assert_eq!(unknown.send("HEAD", SOURCE_KEY, &[], &[], b"").status, 404);
    let mut c = Client::new(&emu, DEST_BUCKET);
    c.secret_id = "AKIDunknown".into();
    let r = c.send("POST", DEST_KEY, &[("uploads", "")], &[], b"");
    assert_eq!(r.code(), (403, "InvalidAccessKeyId".into()));
}

#[test]
fn get_put_and_head_round_trip() {
    let emu = start(Config::default());
    let data = generate(7, 2 * MIB + 3);
    emu.put_object(SOURCE_BUCKET, SOURCE_KEY, data.clone());
    let c = Client::new(&emu, SOURCE_BUCKET);
    assert_eq!(c.get(SOURCE_KEY).body, data);
    let put = c.put("other/ünï code.bin", b"hello");
    // MD5("hello").
    assert_eq!(
        put.header("ETag"),
        Some("\"5d41402abc4b2a76b9719d911017c592\"")
    );
    assert_eq!(
        emu.object(SOURCE_BUCKET, "other/ünï code.bin")
            .as_deref()
            .map(Vec::as_slice),
        Some(&b"hello"[..])
    );
    let head = c.send("HEAD", SOURCE_KEY, &[], &[], b"");
    assert_eq!(
        head.header("Content-Length"),
        Some(data.len().to_string().as_str())
    );
    // A missing object: a HEAD answer has no body, a GET's has the code.
    let head = c.send("HEAD", "missing", &[], &[], b"");
    assert_eq!((head.status, head.body.len()), (404, 0));
    assert_eq!(c.get("missing").code(), (404, "NoSuchKey".into()));
}
