//! The request builders reproduce the SDKs' wire captures, and what they
//! emit parses back and verifies.

use serde_json::Value;
use tencent_cos_core::Method;
use tencent_cos_core::Output;
use tencent_cos_core::{
    AbortMultipartUpload, Authorization, ByteRange, CanonicalRequest, CopyCondition, CopyPlan,
    CopySource, Credentials, ETag, Host, InitiateMultipartUpload, KeyTime, RequestError,
    SignedRequest, SigningKey, SourceCustomerKey, UploadPartCopy, VerifyPolicy,
};

const ID: &str = "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q";
const SK: &str = "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz";
const UPLOAD: &str = "1585130821cbb7df1d11846c073ad648e8f33b087cec2381df437acdc833cf654b9ecc6361";

fn vector(name: &str) -> Value {
    let all: Value = serde_json::from_str(include_str!("data/signature-vectors.json")).unwrap();
    all.as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == name)
        .unwrap()
        .clone()
}

fn key_for(v: &Value) -> KeyTime {
    KeyTime::new(v["start"].as_u64().unwrap(), v["end"].as_u64().unwrap()).unwrap()
}

fn dest() -> Host<'static> {
    Host::bucket("examplebucket-1250000000", "ap-guangzhou")
}

/// The request as a server receives it, verified with the crate's verifier.
fn verify_as_server(r: &SignedRequest<'_>, path: &str, now: u64) {
    let auth = Authorization::parse(r.header("Authorization").unwrap()).unwrap();
    let headers: Vec<(&str, &str)> = r
        .headers()
        .iter()
        .copied()
        .filter(|(n, _)| *n != "Authorization")
        .collect();
    let req = CanonicalRequest::new(r.method().as_str(), path, r.params(), &headers);
    auth.verify(&req, SK, now, &VerifyPolicy::STRICT).unwrap();
    // Every header sent is signed.
    assert_eq!(auth.header_names().count(), headers.len());
}

#[test]
fn upload_part_copy_reproduces_the_python_sdk_wire_capture() {
    let v = vector("python_full_upload_part_copy_versioned_conditional");
    let signing = SigningKey::new(&Credentials::new(ID, SK).unwrap(), key_for(&v));
    let source = CopySource::new(
        "sourcebucket-1250000000",
        "ap-guangzhou",
        "源文件/report + final~*.txt",
    )
    .unwrap()
    .with_version_id("MTg0NDUxNTc1NjIzMTQ1MDAwODg")
    .unwrap();
    let etag = ETag::new("\"ee8de918d05640145b18f70f4c3aa602\"").unwrap();
    let upc = UploadPartCopy::new(dest(), "dest/big-file.bin", 1, UPLOAD, source)
        .with_range(ByteRange::new(0, 1_048_575).unwrap())
        .with_condition(CopyCondition::Match(etag));
    let mut scratch = [0u8; 1024];
    let r = upc.sign(&signing, &mut scratch).unwrap();
    assert_eq!(
        r.header("Authorization").unwrap(),
        v["expected_authorization"].as_str().unwrap()
    );
    // The headers and values the SDK signed, and nothing else but Authorization.
    let signed = v["signed_headers"].as_object().unwrap();
    assert_eq!(r.headers().len(), signed.len() + 1);
    for (name, value) in signed {
        assert_eq!(r.header(name), value.as_str(), "{name}");
    }
    let mut head = String::new();
    r.head().write_to(&mut head).unwrap();
    assert!(head.starts_with(&format!(
        "PUT /dest/big-file.bin?partNumber=1&uploadId={UPLOAD} HTTP/1.1\r\n"
    )));
    assert_eq!(head.len(), r.head().len());
    assert!(head.ends_with("\r\n\r\n"));
    verify_as_server(&r, "/dest/big-file.bin", 1_700_000_001);
}

#[test]
fn upload_part_copy_reproduces_the_node_sdk_wire_captures() {
    // Node passes a copy source through verbatim (a literal `*`): a parsed
    // CopySource is written back byte for byte.
    let v = vector("node_full_upload_part_copy_versioned_conditional");
    let signing = SigningKey::new(&Credentials::new(ID, SK).unwrap(), key_for(&v));
    let value = v["signed_headers"]["x-cos-copy-source"].as_str().unwrap();
    let etag = ETag::new("\"ee8de918d05640145b18f70f4c3aa602\"").unwrap();
    let upc = UploadPartCopy::new(
        dest(),
        "/dest/big-file.bin",
        1,
        UPLOAD,
        CopySource::parse(value).unwrap(),
    )
    .with_range(ByteRange::new(0, 1_048_575).unwrap())
    .with_condition(CopyCondition::Match(etag));
    let mut scratch = [0u8; 1024];
    let r = upc.sign(&signing, &mut scratch).unwrap();
    assert_eq!(
        r.header("authorization").unwrap(),
        v["expected_authorization"].as_str().unwrap()
    );

    // No range: Node sent an empty range unsigned; the builder sends none.
    let v = vector("node_full_upload_part_copy_leading_slash_empty_range");
    let signing = SigningKey::new(&Credentials::new(ID, SK).unwrap(), key_for(&v));
    let source = CopySource::new("sourcebucket-1250000000", "ap-guangzhou", "plain.bin").unwrap();
    let r = UploadPartCopy::new(dest(), "/lead/slash.bin", 2, UPLOAD, source)
        .sign(&signing, &mut scratch)
        .unwrap();
    assert_eq!(
        r.header("authorization").unwrap(),
        v["expected_authorization"].as_str().unwrap()
    );
    assert_eq!(r.header("x-cos-copy-source-range"), None);
}

#[test]
fn upload_part_copy_never_sends_the_python_sdks_empty_range() {
    // The Python SDK signs `x-cos-copy-source-range:` with an empty value
    // when no range is given; the multipart-copy reference says never to
    // send an empty range. The builder's answer differs on purpose.
    let v = vector("python_full_upload_part_copy_empty_range");
    let signing = SigningKey::new(&Credentials::new(ID, SK).unwrap(), key_for(&v));
    let source = CopySource::new("sourcebucket-1250000000", "ap-guangzhou", "plain.bin").unwrap();
    let mut scratch = [0u8; 1024];
    let r = UploadPartCopy::new(dest(), "dest/big-file.bin", 2, UPLOAD, source)
        .sign(&signing, &mut scratch)
        .unwrap();
    let auth = r.header("authorization").unwrap();
    assert_ne!(auth, v["expected_authorization"].as_str().unwrap());
    assert!(auth.contains("&q-header-list=content-length;host;x-cos-copy-source&"));
}

#[test]
fn every_part_of_a_plan_signs_and_verifies_with_one_key() {
    let creds = Credentials::with_token(ID, SK, "sts-token/abc+def=").unwrap();
    let key = SigningKey::new(&creds, KeyTime::from_now(1_700_000_000, 3600, 60).unwrap());
    let signing = key.with_token("sts-token/abc+def=").unwrap();
    let source = CopySource::new("sourcebucket-1250000000", "ap-guangzhou", "big/源.bin").unwrap();
    let plan = CopyPlan::new(64 * 1024 * 1024 + 5, 8 * 1024 * 1024).unwrap();
    let mut seen = 0;
    for (n, range) in plan.parts() {
        let mut scratch = [0u8; 1024];
        let r = UploadPartCopy::new(dest(), "dest/复制 a+b.bin", n, UPLOAD, source)
            .with_range(range)
            .sign(signing, &mut scratch)
            .unwrap();
        assert_eq!(r.method(), Method::Put);
        assert_eq!(r.header("x-cos-security-token"), Some("sts-token/abc+def="));
        assert_eq!(
            r.header("x-cos-copy-source-range").unwrap(),
            range.value().as_str()
        );
        let mut target = [0u8; 256];
        let t = r.target().to_slice(&mut target).unwrap();
        assert!(
            t.starts_with("/dest/%E5%A4%8D%E5%88%B6%20a%2Bb.bin?partNumber="),
            "{t}"
        );
        verify_as_server(&r, "/dest/复制 a+b.bin", 1_700_000_500);
        seen += 1;
    }
    assert_eq!(seen, 9);
}

#[test]
fn conditions_sse_c_and_every_header_are_signed() {
    let signing = SigningKey::new(
        &Credentials::new(ID, SK).unwrap(),
        KeyTime::new(100, 200).unwrap(),
    );
    let source = CopySource::new("sourcebucket-1250000000", "ap-guangzhou", "k").unwrap();
    let etag = ETag::new("\"abc\"").unwrap();
    let sse = SourceCustomerKey {
        key: "MDEyMzQ1Njc4OUFCQ0RFRjAxMjM0NTY3ODlBQkNERUY=",
        key_md5: "U5L61r7jQ6vK8wDgXWZDbQ==",
    };
    let upc = UploadPartCopy::new(Host::Custom("127.0.0.1:9000"), "k2", 10_000, UPLOAD, source)
        .with_condition(CopyCondition::NoneMatchModifiedSince {
            etag,
            since: 784_111_777,
        })
        .with_source_customer_key(sse);
    let mut scratch = [0u8; 2048];
    let r = upc.sign(&signing, &mut scratch).unwrap();
    assert_eq!(r.header("host"), Some("127.0.0.1:9000"));
    assert_eq!(r.header("x-cos-copy-source-If-None-Match"), Some("\"abc\""));
    assert_eq!(
        r.header("x-cos-copy-source-If-Modified-Since"),
        Some("Sun, 06 Nov 1994 08:49:37 GMT")
    );
    assert_eq!(
        r.header("x-cos-copy-source-server-side-encryption-customer-algorithm"),
        Some("AES256")
    );
    let debug = format!("{r:?}");
    assert!(!debug.contains(sse.key), "{debug}");
    verify_as_server(&r, "/k2", 150);

    let bad = UploadPartCopy::new(dest(), "k", 1, UPLOAD, source).with_source_customer_key(
        SourceCustomerKey {
            key: "short",
            key_md5: sse.key_md5,
        },
    );
    assert_eq!(
        bad.sign(&signing, &mut scratch).unwrap_err(),
        RequestError::SseCustomerKey
    );
    for n in [0, 10_001] {
        let bad = UploadPartCopy::new(dest(), "k", n, UPLOAD, source);
        assert_eq!(
            bad.sign(&signing, &mut scratch).unwrap_err(),
            RequestError::PartNumber
        );
    }
    let bad = UploadPartCopy::new(
        Host::bucket("Bad_Bucket", "ap-guangzhou"),
        "k",
        1,
        UPLOAD,
        source,
    );
    assert!(matches!(
        bad.sign(&signing, &mut scratch),
        Err(RequestError::Bucket(_))
    ));
}

#[test]
fn a_small_scratch_or_output_buffer_is_an_error_with_the_exact_size() {
    let signing = SigningKey::new(
        &Credentials::new(ID, SK).unwrap(),
        KeyTime::new(1, 2).unwrap(),
    );
    let source = CopySource::new("sourcebucket-1250000000", "ap-guangzhou", "a/b c").unwrap();
    let upc = UploadPartCopy::new(dest(), "k", 1, UPLOAD, source)
        .with_range(ByteRange::new(0, 9).unwrap());
    let needed = {
        let mut tiny = [0u8; 16];
        match upc.sign(&signing, &mut tiny) {
            Err(RequestError::Output(tencent_cos_core::OutputError::BufferTooSmall { needed })) => {
                needed
            }
            other => panic!("{other:?}"),
        }
    };
    let mut exact = vec![0u8; needed];
    let r = upc.sign(&signing, &mut exact).unwrap();
    let mut head = vec![0u8; r.head().len()];
    assert!(r.head().to_slice(&mut head).is_ok());
    let mut short = vec![0u8; r.head().len() - 1];
    assert!(r.head().to_slice(&mut short).is_err());
    let mut less = vec![0u8; needed - 1];
    assert!(upc.sign(&signing, &mut less).is_err());

    let abort = AbortMultipartUpload::new(dest(), "k", UPLOAD);
    let init = InitiateMultipartUpload::new(dest(), "k");
    let mut s = [0u8; 512];
    assert!(abort.sign(&signing, &mut s).is_ok());
    assert!(init.sign(&signing, &mut s).is_ok());
}
