//! The response reader on the documents of `tests/data/responses/`: each
//! gives the result recorded in `expected.json`, and the same result when
//! fed in two pieces split at every point, one byte at a time, or in three
//! pieces.

use serde_json::{Value, json};
use std::path::Path;
use tencent_cos_core::xml::XmlErrorKind;
use tencent_cos_core::{
    CanonicalRequest, CosErrorCode, Field, KeyTime, Response, ResponseError, ResponseReader,
    Selection, SignedText, explain, part_result,
};

const N: usize = 1024;
type Parsed = Result<Response<N>, ResponseError>;

fn dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/responses"))
}

fn documents() -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .map(|p| {
            (
                p.file_name().unwrap().to_str().unwrap().to_string(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    assert!(out.len() >= 30, "{}", out.len());
    out
}

fn feed(pieces: &[&[u8]]) -> Parsed {
    let mut r = ResponseReader::<N>::new();
    for p in pieces {
        r.feed(p)?;
    }
    r.finish()
}

fn opt(s: &Option<heapless::String<N>>) -> Value {
    s.as_deref()
        .map_or(Value::Null, |s| Value::String(s.into()))
}

/// The shape `cos-tool parse` prints, with a short tag for errors.
fn to_json(r: &Parsed) -> Value {
    match r {
        Ok(Response::CopyPart(d)) => json!({
            "kind": "CopyPartResult",
            "etag": d.etag.as_str(),
            "last_modified": opt(&d.last_modified),
        }),
        Ok(Response::Error(d)) => json!({
            "kind": "Error",
            "code": opt(&d.code),
            "message": opt(&d.message),
            "resource": opt(&d.resource),
            "request_id": opt(&d.request_id),
            "trace_id": opt(&d.trace_id),
        }),
        Ok(Response::Initiate(d)) => json!({
            "kind": "InitiateMultipartUploadResult",
            "bucket": opt(&d.bucket),
            "key": opt(&d.key),
            "upload_id": d.upload_id.as_str(),
        }),
        Ok(Response::Complete(d)) => json!({
            "kind": "CompleteMultipartUploadResult",
            "location": opt(&d.location),
            "bucket": opt(&d.bucket),
            "key": opt(&d.key),
            "etag": d.etag.as_str(),
        }),
        Err(e) => json!({ "error": tag(e) }),
    }
}

fn tag(e: &ResponseError) -> String {
    match e {
        ResponseError::Xml(x) => format!("{:?}", x.kind),
        ResponseError::UnknownRoot => "UnknownRoot".into(),
        ResponseError::ValueTooLong { field } => format!("ValueTooLong({field})"),
        ResponseError::DuplicateField { field } => format!("DuplicateField({field})"),
        ResponseError::NestedElement { field } => format!("NestedElement({field})"),
        ResponseError::MissingField { field } => format!("MissingField({field})"),
        other => format!("{other:?}"),
    }
}

#[test]
fn every_document_gives_its_expected_result() {
    let expected: Value =
        serde_json::from_slice(&std::fs::read(dir().join("expected.json")).unwrap()).unwrap();
    let docs = documents();
    assert_eq!(
        expected.as_object().unwrap().len(),
        docs.len(),
        "expected.json and the .xml files disagree"
    );
    for (name, body) in &docs {
        let got = to_json(&feed(&[body]));
        assert_eq!(&got, &expected[name.as_str()], "{name}");
    }
}

/// `Response::parse` (which on hosts first tries its short paths for a
/// whole body) gives what the reader gives, at capacities that cut values
/// and drop the diagnostic fields.
#[test]
fn parse_is_the_reader() {
    fn both<const C: usize, const D: usize>(body: &[u8]) {
        let mut r = ResponseReader::<C, D>::new();
        let fed = r.feed(body).and_then(|()| r.finish());
        assert_eq!(Response::<C, D>::parse(body), fed, "{C} {D}");
    }
    for (name, body) in documents() {
        eprintln!("{name}");
        both::<8, 8>(&body);
        both::<16, 0>(&body);
        both::<34, 34>(&body);
        both::<64, 64>(&body);
        both::<200, 0>(&body);
        both::<200, 400>(&body);
    }
}

#[test]
fn every_split_gives_the_whole_result() {
    for (name, body) in documents() {
        let whole = feed(&[&body]);
        for i in 0..=body.len() {
            let (a, b) = body.split_at(i);
            assert_eq!(feed(&[a, b]), whole, "{name} split at {i}");
        }
        let bytes: Vec<&[u8]> = body.chunks(1).collect();
        assert_eq!(feed(&bytes), whole, "{name} byte by byte");
        // Three pieces, with the middle one of every length up to 7 and
        // every start (the middle piece may sit inside a name, an entity
        // or a UTF-8 sequence).
        for len in 0..8.min(body.len()) {
            for i in 0..=body.len() - len {
                let (a, rest) = body.split_at(i);
                let (b, c) = rest.split_at(len);
                assert_eq!(feed(&[a, b, c]), whole, "{name} pieces at {i}+{len}");
            }
        }
        // Empty chunks are harmless.
        assert_eq!(feed(&[b"", &body, b""]), whole, "{name} with empty chunks");
    }
}

#[test]
fn errors_carry_their_position() {
    let body = std::fs::read(dir().join("bad-mismatched.xml")).unwrap();
    match feed(&[&body]) {
        Err(ResponseError::Xml(e)) => {
            assert_eq!(e.kind, XmlErrorKind::MismatchedTag);
            assert_eq!(&body[e.offset..e.offset + 1], b">");
            assert_eq!(
                e.to_string(),
                "end tag does not match the open element at byte 31"
            );
        }
        other => panic!("{other:?}"),
    }
    let body = std::fs::read(dir().join("bad-truncated.xml")).unwrap();
    let e = feed(&[&body]).unwrap_err();
    assert!(e.is_incomplete());
    assert_eq!(
        e,
        ResponseError::Xml(tencent_cos_core::xml::XmlError {
            kind: XmlErrorKind::Incomplete,
            offset: body.len()
        })
    );
}

#[test]
fn signature_error_keeps_its_diagnostics() {
    let body = std::fs::read(dir().join("error-signature.xml")).unwrap();
    let Ok(Response::Error(e)) = feed(&[&body]) else {
        panic!()
    };
    assert_eq!(
        e.string_to_sign.as_deref(),
        Some("sha1\\n1615113257;1615199657\\nc7503b64eefd8e4e4e35c8cdc1a23fbcc7f23b51\\n")
    );
    let format = e.format_string.as_deref().unwrap();
    assert!(format.starts_with("put\\n/exampleobject\\npartnumber=1&uploadid=15851"));
    assert!(format.ends_with("%2Fsource%2Fbig-file.bin\\n"));

    // The local request that matches the server's FormatString.
    let params = [
        ("partNumber", "1"),
        (
            "uploadId",
            "1585130821cbb7df1d11846c073ad648e8f33b087cec2381df437acdc833cf654b9ecc6361",
        ),
    ];
    let headers = [
        (
            "Host",
            "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com",
        ),
        (
            "x-cos-copy-source",
            "sourcebucket-1250000000.cos.ap-guangzhou.myqcloud.com/source/big-file.bin",
        ),
    ];
    let kt = KeyTime::new(1_615_113_257, 1_615_199_657).unwrap();
    let req = CanonicalRequest::new("PUT", "/exampleobject", &params, &headers);
    let m = explain(&e, &req, Selection::Exact, kt).unwrap();
    assert!(m.http_string_compared && m.string_to_sign_compared);
    // The HttpStrings agree; the digest in the sample body is not the real
    // one, so the StringToSign parts on line 3.
    let d = m.difference.unwrap();
    assert_eq!(
        (d.text, d.line, d.offset),
        (SignedText::StringToSign, 2, 27)
    );

    // A request signed with a different range header parts in the headers.
    let headers2 = [
        headers[0],
        headers[1],
        ("x-cos-copy-source-range", "bytes=0-9"),
    ];
    let req2 = CanonicalRequest::new("PUT", "/exampleobject", &params, &headers2);
    let m = explain(&e, &req2, Selection::Exact, kt).unwrap();
    let d = m.difference.unwrap();
    assert_eq!((d.text, d.line), (SignedText::HttpString, 3));
    assert_eq!(d.local.after(), b"&x-cos-copy-source-range");
    assert_eq!(d.server.after(), b"\n");
    let report = m.to_string();
    assert!(
        report.starts_with("HttpString differs from the server's at byte "),
        "{report}"
    );
    assert!(report.contains("(line 4, headers)"), "{report}");

    // And the part's outcome: a typed, non-retryable error.
    let response = Response::Error(e);
    let err = part_result(403, &response).unwrap_err();
    assert_eq!(err.code(), Some(CosErrorCode::SignatureDoesNotMatch));
    assert!(!err.is_retryable());
}

#[test]
fn capacity_is_the_callers_choice() {
    let body = std::fs::read(dir().join("copy-part-result.xml")).unwrap();
    // The ETag with its quotes is 34 bytes; LastModified 19.
    assert!(Response::<34>::parse(&body).is_ok());
    assert_eq!(
        Response::<33>::parse(&body),
        Err(ResponseError::ValueTooLong { field: Field::ETag })
    );
    let body = std::fs::read(dir().join("error-signature.xml")).unwrap();
    // Small values, diagnostics dropped on purpose.
    let Ok(Response::Error(e)) = Response::<200, 0>::parse(&body) else {
        panic!()
    };
    assert_eq!(e.code.as_deref(), Some("SignatureDoesNotMatch"));
    assert_eq!((e.string_to_sign, e.format_string), (None, None));
    // Diagnostics kept, but too small for the FormatString: cut at 100
    // bytes and marked; the rest whole.
    let Ok(Response::Error(e)) = Response::<200, 100>::parse(&body) else {
        panic!()
    };
    assert_eq!(
        e.format_string.as_deref(),
        Some(
            "put\\n/exampleobject\\npartnumber=1&uploadid=1585130821cbb7df1d11846c073ad648e8f33b087cec2381df437acdc"
        )
    );
    assert_eq!(e.cut.iter().collect::<Vec<_>>(), [Field::FormatString]);
    assert_eq!(
        e.string_to_sign.as_deref(),
        Some("sha1\\n1615113257;1615199657\\nc7503b64eefd8e4e4e35c8cdc1a23fbcc7f23b51\\n")
    );
    let Ok(Response::Error(e)) = Response::<200, 400>::parse(&body) else {
        panic!()
    };
    assert!(e.cut.is_empty());
    // The TraceId (172 bytes) cut at 100; the code and retryability kept.
    let Ok(response) = Response::<100, 400>::parse(&body) else {
        panic!()
    };
    let Response::Error(e) = &response else {
        panic!()
    };
    assert_eq!(e.trace_id.as_deref().map(str::len), Some(100));
    assert!(
        "OGVmYzZiMmQzYjA2OWNhODk0NTRkMTBiOWVmMDAxODc0OWRkZjk0ZDM1NmI1M2E2MTRlY2MzZDhmNmI5MWI1OTQyYWVlY2QwZTk2MDVmZDQ3MmI2Y2I4ZmI5ZmM4ODFjYmRkMmZmNzk1YjUxODZhZmZlNzNhNWU4Y2E5MmZmYmE="
            .starts_with(e.trace_id.as_deref().unwrap())
    );
    assert_eq!(e.cut.iter().collect::<Vec<_>>(), [Field::TraceId]);
    let err = part_result(403, &response).unwrap_err();
    assert_eq!(err.code(), Some(CosErrorCode::SignatureDoesNotMatch));
    assert!(!err.is_retryable());
}

#[test]
fn whole_and_chunked_reading_agree_on_is_complete() {
    let body = std::fs::read(dir().join("complete-keepalive.xml")).unwrap();
    let mut r = ResponseReader::<N>::new();
    for (i, chunk) in body.chunks(7).enumerate() {
        assert!(!r.is_complete(), "complete too early at chunk {i}");
        r.feed(chunk).unwrap();
    }
    assert!(r.is_complete());
    assert!(matches!(r.finish(), Ok(Response::Complete(_))));
}
