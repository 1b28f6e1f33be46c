//! Runs the `cos-tool` example's `parse` and `explain` subcommands as a
//! program: every response document of `tests/data/responses/`, whole and
//! in small chunks, against `expected.json`; and the signature-mismatch
//! report.
//!
//! The example is built once with `cargo build --example cos-tool
//! --message-format=json` (the same cargo, found through `env!("CARGO")`,
//! with the same features as this test), and its path is read from cargo's
//! own report.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc
)]

use serde_json::Value;

use std::path::Path;
use std::process::Output;

mod support;
use support::run;

fn data() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/responses"))
}

/// The single JSON object `parse` printed.
fn parse_output(out: &Output) -> Value {
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout.clone()).unwrap();
    assert_eq!(text.lines().count(), 1, "one line expected: {text:?}");
    serde_json::from_str(&text).unwrap()
}

#[test]
fn parse_gives_the_expected_object_whole_and_in_chunks() {
    let expected: Value =
        serde_json::from_slice(&std::fs::read(data().join("expected.json")).unwrap()).unwrap();
    let expected = expected.as_object().unwrap();
    assert!(expected.len() >= 30);
    for (name, want) in expected {
        let body = std::fs::read(data().join(name)).unwrap();
        for chunk in [None, Some("1"), Some("2"), Some("7"), Some("64")] {
            let args: Vec<&str> = match chunk {
                None => vec!["parse"],
                Some(n) => vec!["parse", "--chunk", n],
            };
            let got = parse_output(&run(&args, &body));
            if want.get("error").is_some() {
                // The library tests pin the kind; here: one "error" key
                // with a message.
                let obj = got.as_object().unwrap();
                assert_eq!(obj.len(), 1, "{name} {chunk:?}: {got}");
                assert!(
                    !obj["error"].as_str().unwrap().is_empty(),
                    "{name} {chunk:?}: {got}"
                );
            } else {
                assert_eq!(&got, want, "{name} with chunk {chunk:?}");
            }
        }
    }
}

#[test]
fn parse_prints_keys_in_contract_order_with_nulls() {
    let out = run(
        &["parse"],
        b"<Error><Code>NoSuchKey</Code><RequestId>r&amp;1</RequestId></Error>",
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "{\"kind\":\"Error\",\"code\":\"NoSuchKey\",\"message\":null,\"resource\":null,\
         \"request_id\":\"r&1\",\"trace_id\":null}\n"
    );
    let out = run(
        &["parse", "--chunk=3"],
        b"<CopyPartResult><ETag>\"e\"</ETag></CopyPartResult>",
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "{\"kind\":\"CopyPartResult\",\"etag\":\"\\\"e\\\"\",\"last_modified\":null}\n"
    );
}

#[test]
fn parse_values_up_to_1024_bytes_fit() {
    let fits = format!(
        "<InitiateMultipartUploadResult><UploadId>  {}  </UploadId></InitiateMultipartUploadResult>",
        "u".repeat(1024)
    );
    let got = parse_output(&run(&["parse", "--chunk", "5"], fits.as_bytes()));
    assert_eq!(got["upload_id"].as_str().unwrap().len(), 1024);
    let too_long = fits.replace("  </", "u</");
    let got = parse_output(&run(&["parse"], too_long.as_bytes()));
    assert!(got["error"].as_str().unwrap().contains("UploadId"), "{got}");
}

#[test]
fn parse_reports_error_text_for_incomplete_and_unknown_bodies() {
    let got = parse_output(&run(
        &["parse", "--chunk", "4"],
        b"<CopyPartResult><ETag>x</ETag>",
    ));
    assert_eq!(
        got["error"],
        "document ended before its root element closed at byte 30"
    );
    let got = parse_output(&run(&["parse"], b""));
    assert!(got["error"].as_str().unwrap().starts_with("document ended"));
    let got = parse_output(&run(&["parse"], b"<ListPartsResult/>"));
    assert_eq!(got["error"], "unknown root element");
}

#[test]
fn parse_usage_errors_exit_2() {
    for args in [
        &["parse", "--chunk", "0"][..],
        &["parse", "--chunk", "x"],
        &["parse", "--chunk", "-1"],
        &["parse", "--chunk"],
        &["parse", "extra"],
    ] {
        let out = run(args, b"<Error/>");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(!out.stderr.is_empty(), "{args:?}");
    }
}

/// The request that matches the FormatString of `error-signature.xml`, as
/// `sign --jsonl` reads it, with `extra` headers.
fn request_json(extra: &[(&str, &str)]) -> String {
    let mut headers = vec![
        vec![
            "Host".to_string(),
            "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com".to_string(),
        ],
        vec![
            "x-cos-copy-source".to_string(),
            "sourcebucket-1250000000.cos.ap-guangzhou.myqcloud.com/source/big-file.bin".to_string(),
        ],
    ];
    for (n, v) in extra {
        headers.push(vec![n.to_string(), v.to_string()]);
    }
    serde_json::json!({
        "method": "PUT",
        "path": "/exampleobject",
        "params": [
            ["partNumber", "1"],
            ["uploadId", "1585130821cbb7df1d11846c073ad648e8f33b087cec2381df437acdc833cf654b9ecc6361"],
        ],
        "headers": headers,
        "secret_id": "AKIDexample",
        "secret_key": "unused",
        "key_time": "1615113257;1615199657",
    })
    .to_string()
}

#[test]
fn explain_shows_where_the_http_strings_part() {
    let body = data().join("error-signature.xml");
    let body = body.to_str().unwrap();
    let req = request_json(&[("x-cos-copy-source-range", "bytes=0-9")]);
    let out = run(&["explain", "--body", body], req.as_bytes());
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        text,
        "Code:       SignatureDoesNotMatch\n\
         RequestId:  NTk0NTRjZjZfNTViMjM1XzlkMV9hZTZh\n\
         KeyTime:    1615113257;1615199657\n\n\
         HttpString differs from the server's at byte 271 (line 4, headers)\n  \
         local:  \"%2Fsource%2Fbig-file.bin|&x-cos-copy-source-range\"\n  \
         server: \"%2Fsource%2Fbig-file.bin|\\n\"\n"
    );

    // The same request from a file; the HttpStrings now agree and the
    // sample's made-up digest parts the StringToSign.
    let dir = std::env::temp_dir().join(format!("cos-tool-explain-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let req_path = dir.join("request.json");
    std::fs::write(&req_path, request_json(&[])).unwrap();
    let out = run(
        &[
            "explain",
            "--body",
            body,
            "--request",
            req_path.to_str().unwrap(),
        ],
        b"",
    );
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(
            "StringToSign differs from the server's at byte 27 \
             (line 3, SHA-1 of the HttpString): the HttpStrings differ\n"
        ),
        "{text}"
    );
}

#[test]
fn explain_refuses_what_it_cannot_compare() {
    let copy = data().join("copy-part-result.xml");
    let out = run(
        &["explain", "--body", copy.to_str().unwrap()],
        request_json(&[]).as_bytes(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("the body is a CopyPartResult document, not an Error")
    );
    let err = data().join("error-signature.xml");
    let out = run(
        &["explain", "--body", err.to_str().unwrap()],
        b"{\"method\":\"PUT\"}",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("missing field \"path\"")
    );
    for args in [
        &["explain"][..],
        &["explain", "--body"],
        &["explain", "--bogus", "x"],
    ] {
        assert_eq!(run(args, b"").status.code(), Some(2), "{args:?}");
    }
}
