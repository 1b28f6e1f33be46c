//! An error answer is never lost (issue 15 §1): error bodies built as COS
//! sends them (a `SignatureDoesNotMatch` with its long Message, TraceId,
//! StringToSign and a FormatString as long as the request's canonical
//! form; `AccessDenied` "Request has expired"; `SlowDown`; `InternalError`
//! on a 200; `NoSuchUpload`; ...) read at every capacity, from tiny ones
//! up, fed whole, a byte at a time and in 7-byte chunks: the result
//! helpers always give the code and whether to retry; every optional value
//! is kept whole or cut at a character boundary and marked.

use tencent_cos_core::Output;
use tencent_cos_core::{
    CanonicalRequest, CosError, CosErrorCode, CutFields, Field, KeyTime, MAX_CODE_LEN, Response,
    ResponseError, ResponseReader, Selection, complete_result, initiate_result, part_result,
};

/// A TraceId as COS writes them: base64 of 128 hex digits, 172 bytes.
const TRACE_ID: &str = "OGVmYzZiMmQzYjA2OWNhODk0NTRkMTBiOWVmMDAxODc0OWRkZjk0ZDM1NmI1M2E2MTRlY2MzZDhmNmI5MWI1OTQyYWVlY2QwZTk2MDVmZDQ3MmI2Y2I4ZmI5ZmM4ODFjYmRkMmZmNzk1YjUxODZhZmZlNzNhNWU4Y2E5MmZmYmE=";
const REQUEST_ID: &str = "NjU0ZWI5ZjNfMjQ4OGY3MGFfNGIzOF8xYjRhYjQ4";
const RESOURCE: &str =
    "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/dest/%E6%BA%90%E6%96%87%E4%BB%B6.bin";
/// A temporary credential's token: long, as STS issues them.
const TOKEN: &str = "Wl7MgYpvZJDD5PrG0S6gXvmjBNQaxR0aeXZtcmNhXrO1dUVCtpMBRLPPtkJ4Hr3tOuQ1WSzI0vRm8ndtMp6oTjgN8ICOrdhlBXcNhJhhbmqNPSFLDxZiL2LX2sPyRWu0Tqbsye6X4Cr1sZ9qtXsrfcLpb6U8MGvfgZWU5bEQuP3MxQf0kLG8iKq1lRfA6cIj8s9OeYIPUYqZjNWdaZKyaEU4T3ms2zNRA7ffAZXBPiGUjMzEoqJ5oD7FDYBCKt7R";

/// An error body as COS writes it: declaration, tab-indented fields.
fn error_body(fields: &[(&str, &str)]) -> String {
    let mut xml = String::from("<?xml version='1.0' encoding='utf-8' ?>\n<Error>\n");
    for (name, value) in fields {
        let v = value
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        xml.push_str(&format!("\t<{name}>{v}</{name}>\n"));
    }
    xml.push_str("</Error>");
    xml
}

/// One error answer and what it must give.
struct Case {
    name: &'static str,
    status: u16,
    /// The fields in the body, in order, decoded.
    fields: Vec<(&'static str, String)>,
    retryable: bool,
}

impl Case {
    fn body(&self) -> String {
        let f: Vec<(&str, &str)> = self.fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
        error_body(&f)
    }

    fn value(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    fn code(&self) -> &str {
        self.value("Code").unwrap()
    }
}

/// The HttpString and StringToSign COS echoes for an UploadPartCopy with
/// temporary credentials, each line break written as the two characters
/// `\n`.
fn signed_texts() -> (String, String) {
    let params = [
        ("partNumber", "7"),
        (
            "uploadId",
            "1585130821cbb7df1d11846c073ad648e8f33b087cec2381df437acdc833cf654b9ecc6361",
        ),
    ];
    let headers = [
        ("Content-Length", "0"),
        (
            "Host",
            "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com",
        ),
        (
            "x-cos-copy-source",
            "sourcebucket-1250000000.cos.ap-guangzhou.myqcloud.com/%E6%BA%90%E6%96%87%E4%BB%B6/report%20%2B%20final~%2A.txt",
        ),
        (
            "x-cos-copy-source-if-match",
            "\"ee8de918d05640145b18f70f4c3aa602\"",
        ),
        ("x-cos-copy-source-range", "bytes=50331648-58720255"),
        ("x-cos-security-token", TOKEN),
    ];
    let request = CanonicalRequest::new("PUT", "/dest/源文件.bin", &params, &headers);
    let kt = KeyTime::new(1_700_000_000, 1_700_003_600).unwrap();
    let mut http = String::new();
    request
        .http_string(Selection::Exact)
        .and_then(|t| Ok(t.write_to(&mut http)?))
        .unwrap();
    let mut sts = String::new();
    request
        .string_to_sign(Selection::Exact, kt)
        .and_then(|t| Ok(t.write_to(&mut sts)?))
        .unwrap();
    (http.replace('\n', "\\n"), sts.replace('\n', "\\n"))
}

fn cases() -> Vec<Case> {
    let (http, sts) = signed_texts();
    assert!(http.len() > 700, "{}", http.len());
    let common = |code: &'static str, message: &str| {
        vec![
            ("Code", code.to_string()),
            ("Message", message.to_string()),
            ("Resource", RESOURCE.to_string()),
            ("RequestId", REQUEST_ID.to_string()),
            ("TraceId", TRACE_ID.to_string()),
        ]
    };
    let mut signature = common(
        "SignatureDoesNotMatch",
        "The Signature you specified is invalid. The request signature we calculated does not \
         match the signature you provided: check your SecretKey, the signing method and the \
         headers and parameters signed (see the StringToSign and FormatString below).",
    );
    signature.insert(2, ("StringToSign", sts));
    signature.insert(3, ("FormatString", http));
    vec![
        Case {
            name: "signature",
            status: 403,
            fields: signature,
            retryable: false,
        },
        Case {
            name: "expired",
            status: 403,
            fields: common("AccessDenied", "Request has expired"),
            retryable: false,
        },
        Case {
            name: "slow down",
            status: 503,
            fields: common("SlowDown", "Please reduce your request rate."),
            retryable: true,
        },
        Case {
            name: "internal error in a copy's 200",
            status: 200,
            fields: common(
                "InternalError",
                "We encountered an internal error. Please try again.",
            ),
            retryable: true,
        },
        Case {
            name: "no such upload",
            status: 404,
            fields: common(
                "NoSuchUpload",
                "The specified multipart upload does not exist. The upload ID might be \
                 invalid, or the multipart upload might have been aborted or completed.",
            ),
            retryable: false,
        },
        Case {
            name: "skewed clock",
            status: 403,
            fields: common(
                "RequestTimeTooSkewed",
                "The difference between the request time and the server's time is too large.",
            ),
            retryable: true,
        },
        Case {
            name: "longest S3-style code",
            status: 404,
            fields: common(
                "ServerSideEncryptionConfigurationNotFoundError",
                "The server side encryption configuration was not found.",
            ),
            retryable: false,
        },
        Case {
            name: "code only",
            status: 500,
            fields: vec![("Code", "InternalError".to_string())],
            retryable: true,
        },
    ]
}

/// What a reader of capacity `cap` keeps of `v` (no whitespace around it)
/// and whether it is cut: the longest prefix that fits at a character
/// boundary, without trailing whitespace.
fn kept(v: &str, cap: usize) -> (&str, bool) {
    if v.len() <= cap {
        return (v, false);
    }
    let end = (0..=cap).rev().find(|&i| v.is_char_boundary(i)).unwrap();
    (v[..end].trim_end_matches([' ', '\t', '\n', '\r']), true)
}

/// The body read whole by `parse`, fed whole, a byte at a time and in
/// 7-byte chunks: the same answer each time.
fn read_every_way<const N: usize, const D: usize>(body: &[u8]) -> Response<N, D> {
    let parsed = Response::<N, D>::parse(body);
    for size in [body.len().max(1), 1, 7] {
        let mut r = ResponseReader::<N, D>::new();
        for chunk in body.chunks(size) {
            r.feed(chunk).unwrap();
        }
        assert!(r.is_complete());
        assert_eq!(r.finish(), parsed, "N={N} D={D} chunks of {size}");
    }
    parsed.unwrap_or_else(|e| panic!("N={N} D={D}: {e}"))
}

fn check<const N: usize, const D: usize>() {
    for case in cases() {
        let body = case.body();
        let doc = read_every_way::<N, D>(body.as_bytes());
        let Response::Error(e) = &doc else {
            panic!("{}: {doc:?}", case.name)
        };
        let at = format!("{} N={N} D={D}", case.name);

        // Every value as written, or its cut prefix, marked.
        let mut cut = CutFields::NONE;
        for (field, got) in [
            (Field::Code, &e.code),
            (Field::Message, &e.message),
            (Field::Resource, &e.resource),
            (Field::RequestId, &e.request_id),
            (Field::TraceId, &e.trace_id),
        ] {
            let want = case.value(field.as_str()).map(|v| kept(v, N));
            assert_eq!(got.as_deref(), want.map(|w| w.0), "{at} {field}");
            if want.is_some_and(|w| w.1) {
                cut = cut.with(field);
            }
        }
        for (field, got) in [
            (Field::StringToSign, &e.string_to_sign),
            (Field::FormatString, &e.format_string),
        ] {
            // D = 0 skips the diagnostic fields altogether.
            let want = case
                .value(field.as_str())
                .filter(|_| D > 0)
                .map(|v| kept(v, D));
            assert_eq!(got.as_deref(), want.map(|w| w.0), "{at} {field}");
            if want.is_some_and(|w| w.1) {
                cut = cut.with(field);
            }
        }
        assert_eq!(e.cut, cut, "{at}");
        assert_eq!(doc.cut_fields(), cut, "{at}");

        // The code and whether to retry, from each helper.
        let code = case.code();
        let whole = code.len() <= N;
        assert!(code.len() <= MAX_CODE_LEN, "{at}");
        if N >= MAX_CODE_LEN {
            assert!(whole, "{at}");
        }
        for err in [
            part_result(case.status, &doc).unwrap_err(),
            initiate_result(case.status, &doc).unwrap_err(),
            complete_result(case.status, &doc).unwrap_err(),
        ] {
            assert_eq!(err.status(), case.status, "{at}");
            let got = err.code().unwrap();
            if whole {
                assert_eq!(got, CosErrorCode::parse(code), "{at}");
                assert_eq!(got.as_str(), code, "{at}");
                assert_eq!(err.is_retryable(), case.retryable, "{at}");
            } else {
                // Cut: never taken for another code; the status decides.
                assert_eq!(got, CosErrorCode::Cut(&code[..N]), "{at}");
                assert!(!got.is_retryable());
                assert_eq!(
                    err.is_retryable(),
                    tencent_cos_core::is_retryable_status(case.status),
                    "{at}"
                );
            }
            let CosError::Service {
                status,
                code: text,
                cut: err_cut,
            } = err
            else {
                panic!("{at}: {err:?}")
            };
            // The error owns its code: the status, the text kept and the
            // cut fields, the rest staying in the body.
            assert_eq!((status, err_cut), (case.status, cut), "{at}");
            assert_eq!(text.as_str(), kept(code, N).0, "{at}");
            assert_eq!(text.is_cut(), !whole, "{at}");
            let shown = err.to_string();
            let more = if whole { "" } else { "..." };
            assert_eq!(
                shown,
                format!("COS error {}{more} (HTTP {})", text.as_str(), case.status),
                "{at}"
            );
        }
    }
}

macro_rules! sweep {
    ($($n:literal => [$($d:literal),*];)*) => {
        $($(check::<$n, $d>();)*)*
    };
}

#[test]
fn every_capacity_gives_the_code_and_whether_to_retry() {
    sweep! {
        0 => [0, 1, 64];
        1 => [0, 1, 7];
        2 => [0, 3];
        3 => [0, 2];
        5 => [0, 8];
        8 => [0, 8, 100];
        11 => [0, 64];
        12 => [0, 256];
        13 => [0, 13];
        16 => [0, 16, 1024];
        19 => [0, 64];
        20 => [20, 300];
        21 => [0, 21];
        32 => [0, 32, 256];
        45 => [0, 45];
        46 => [0, 46, 1024];
        64 => [0, 1, 7, 64, 100, 256, 512, 1024];
        100 => [0, 100];
        128 => [0, 128, 1024];
        171 => [0, 171];
        172 => [172, 1024];
        256 => [0, 256, 1024];
        300 => [0, 300, 2048];
    }
}

/// The documented reader (README, `ResponseReader`'s example),
/// `ResponseReader::<64>`, on a real
/// `SignatureDoesNotMatch` answer: the code, no retry, and the long values
/// kept cut.
#[test]
fn the_readme_reader_reads_a_signature_mismatch() {
    let case = cases().remove(0);
    let body = case.body();
    let mut reader = ResponseReader::<64>::new();
    for chunk in body.as_bytes().chunks(16) {
        reader.feed(chunk).unwrap();
    }
    let body = reader.finish().unwrap();
    let error = part_result(403, &body).unwrap_err();
    assert_eq!(error.code(), Some(CosErrorCode::SignatureDoesNotMatch));
    assert!(!error.is_retryable());
    assert_eq!(
        body.cut_fields().iter().collect::<Vec<_>>(),
        [
            Field::Message,
            Field::Resource,
            Field::TraceId,
            Field::StringToSign,
            Field::FormatString
        ]
    );
    let Response::Error(e) = &body else { panic!() };
    assert_eq!(
        e.message.as_deref(),
        Some("The Signature you specified is invalid. The request signature we")
    );
    assert_eq!(e.request_id.as_deref(), Some(REQUEST_ID));
    assert_eq!(e.trace_id.as_deref(), Some(&TRACE_ID[..64]));
    assert_eq!(
        error.to_string(),
        "COS error SignatureDoesNotMatch (HTTP 403)"
    );
}

/// The error owns what it holds: `part_result(..)?` moves it into a
/// `Box<dyn Error>` (no borrow of the parsed body survives), and the
/// code and whether to retry are read back through the box.
#[test]
fn part_result_errors_move_into_a_boxed_error() {
    fn copy_part(status: u16, body: &[u8]) -> Result<String, Box<dyn std::error::Error>> {
        let mut reader = ResponseReader::<64, 0>::new();
        for chunk in body.chunks(7) {
            reader.feed(chunk)?;
        }
        let parsed = reader.finish()?;
        let result = part_result(status, &parsed)?;
        Ok(result.etag.to_string())
    }
    let ok = b"<CopyPartResult><ETag>\"5eb63bbbe01eeed093cb22bb8f5acdc3\"</ETag>\
               <LastModified>2023-11-14T22:13:20.000Z</LastModified></CopyPartResult>";
    assert_eq!(
        copy_part(200, ok).unwrap(),
        "\"5eb63bbbe01eeed093cb22bb8f5acdc3\""
    );
    for case in cases() {
        let boxed = copy_part(case.status, case.body().as_bytes()).unwrap_err();
        let err: &CosError = boxed.downcast_ref().unwrap();
        assert_eq!(err.status(), case.status, "{}", case.name);
        assert_eq!(
            err.code(),
            Some(CosErrorCode::parse(case.code())),
            "{}",
            case.name
        );
        assert_eq!(err.is_retryable(), case.retryable, "{}", case.name);
        assert_eq!(
            boxed.to_string(),
            format!("COS error {} (HTTP {})", case.code(), case.status)
        );
    }
    // The first case is a real SignatureDoesNotMatch: 403, not retried.
    let case = cases().remove(0);
    let boxed = copy_part(403, case.body().as_bytes()).unwrap_err();
    let err: &CosError = boxed.downcast_ref().unwrap();
    assert_eq!(err.code(), Some(CosErrorCode::SignatureDoesNotMatch));
    assert!(!err.is_retryable());
    // `'static`: it outlives the reader and the body it came from.
    fn is_static<T: 'static>(_: &T) {}
    is_static(err);
}

/// A code longer than `MAX_CODE_LEN` read with a larger capacity is kept
/// as its first `MAX_CODE_LEN` bytes and marked cut in the error.
#[test]
fn a_code_longer_than_the_longest_known_is_cut_in_the_error() {
    let long = "X".repeat(MAX_CODE_LEN + 4);
    let body = error_body(&[("Code", &long)]);
    let doc = Response::<64, 0>::parse(body.as_bytes()).unwrap();
    let err = part_result(503, &doc).unwrap_err();
    assert_eq!(err.code(), Some(CosErrorCode::Cut(&long[..MAX_CODE_LEN])));
    assert!(err.is_retryable(), "by its status");
    assert_eq!(
        err.to_string(),
        format!("COS error {}... (HTTP 503)", &long[..MAX_CODE_LEN])
    );
}

/// Below `MAX_CODE_LEN` a long code is cut, never an error, and a cut
/// code that reads like a shorter known code is not taken for it.
#[test]
fn a_cut_code_is_never_another_code() {
    let body = error_body(&[("Code", "InvalidPartOrder"), ("Message", "out of order")]);
    let doc = Response::<11, 0>::parse(body.as_bytes()).unwrap();
    let err = complete_result(400, &doc).unwrap_err();
    assert_eq!(err.code(), Some(CosErrorCode::Cut("InvalidPart")));
    assert_ne!(err.code(), Some(CosErrorCode::InvalidPart));
    assert_eq!(err.code().unwrap().to_string(), "InvalidPart...");
    assert!(!err.is_retryable());
    // The same code whole one byte later.
    let doc = Response::<16, 0>::parse(body.as_bytes()).unwrap();
    let err = complete_result(400, &doc).unwrap_err();
    assert_eq!(err.code(), Some(CosErrorCode::InvalidPartOrder));
    // `SlowDown` cut on a 503 is still retried, by its status.
    let body = error_body(&[("Code", "SlowDown")]);
    let doc = Response::<4, 0>::parse(body.as_bytes()).unwrap();
    let err = part_result(503, &doc).unwrap_err();
    assert_eq!(err.code(), Some(CosErrorCode::Cut("Slow")));
    assert!(err.is_retryable());
}

/// The field `ValueTooLong` names when `body` is read with capacity `N`.
fn too_long<const N: usize>(body: &[u8]) -> Option<Field> {
    match Response::<N>::parse(body) {
        Err(ResponseError::ValueTooLong { field }) => Some(field),
        _ => None,
    }
}

/// What the protocol needs whole is still an error when it does not fit,
/// while the optional values beside it are cut.
#[test]
fn etag_and_upload_id_are_never_cut() {
    let copy = b"<CopyPartResult><ETag>\"ba82b57cfdfda8bd17ad4e5879ebb4fe\"</ETag>\
        <LastModified>2017-09-04T04:45:45.000Z</LastModified></CopyPartResult>";
    assert_eq!(too_long::<33>(copy), Some(Field::ETag));
    let doc = Response::<34>::parse(copy).unwrap();
    let part = part_result(200, &doc).unwrap();
    assert_eq!(part.etag, "\"ba82b57cfdfda8bd17ad4e5879ebb4fe\"");
    assert_eq!(
        part.last_modified.as_deref(),
        Some("2017-09-04T04:45:45.000Z")
    );
    let doc = Response::<34, 0>::parse(&copy[..]).unwrap();
    assert!(!doc.is_cut(Field::LastModified));
    let long_date = b"<CopyPartResult><ETag>\"e\"</ETag>\
        <LastModified>2017-09-04T04:45:45.000Z</LastModified></CopyPartResult>";
    let doc = Response::<19>::parse(long_date).unwrap();
    let part = part_result(200, &doc).unwrap();
    assert_eq!(part.last_modified.as_deref(), Some("2017-09-04T04:45:45"));
    assert!(part.is_cut(Field::LastModified));

    let upload_id = "1585130821cbb7df1d11846c073ad648e8f33b087cec2381df437acdc833cf654b9ecc6361";
    let init = format!(
        "<InitiateMultipartUploadResult><Bucket>examplebucket-1250000000</Bucket>\
         <Key>dest/big-file.bin</Key><UploadId>{upload_id}</UploadId></InitiateMultipartUploadResult>"
    );
    assert_eq!(too_long::<73>(init.as_bytes()), Some(Field::UploadId));
    let doc = Response::<74>::parse(init.as_bytes()).unwrap();
    let r = initiate_result(200, &doc).unwrap();
    assert_eq!(r.upload_id, upload_id);
    assert!(r.cut.is_empty());
    assert_eq!(too_long::<16>(init.as_bytes()), Some(Field::UploadId));

    let complete = b"<CompleteMultipartUploadResult>\
        <Location>http://examplebucket-1250000000.cos.ap-beijing.myqcloud.com/exampleobject</Location>\
        <Bucket>examplebucket-1250000000</Bucket><Key>exampleobject</Key>\
        <ETag>\"aa259a62513358f69e98e72e59856d88-3\"</ETag></CompleteMultipartUploadResult>";
    assert_eq!(too_long::<35>(complete), Some(Field::ETag));
    let doc = Response::<36>::parse(complete).unwrap();
    let r = complete_result(200, &doc).unwrap();
    assert_eq!(r.etag, "\"aa259a62513358f69e98e72e59856d88-3\"");
    assert_eq!(
        r.location.as_deref(),
        Some("http://examplebucket-1250000000.cos.")
    );
    assert_eq!(r.bucket.as_deref(), Some("examplebucket-1250000000"));
    assert_eq!(r.cut.iter().collect::<Vec<_>>(), [Field::Location]);
}
