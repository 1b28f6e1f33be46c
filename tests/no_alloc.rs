//! Signing allocates nothing: a counting global allocator watches it.
//!
//! The counter is per thread, so tests running in parallel do not disturb
//! each other.

use std::hint::black_box;
use tencent_cos_core::Output;
use tencent_cos_core::{
    Authorization, CanonicalRequest, Credentials, KeyTime, Selection, SigningKey, VerifyPolicy,
};

#[path = "support/counting.rs"]
mod counting;
use counting::{Counting, allocations_during};
#[allow(dead_code)]
#[path = "support/fixed.rs"]
mod fixed;
use fixed::Fixed;

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn the_counter_counts() {
    let n = allocations_during(|| {
        black_box(vec![1u8; 100]);
        black_box(String::from("x").repeat(10));
    });
    assert!(n >= 2, "{n}");
}

#[test]
fn signing_allocates_nothing() {
    let params = [
        ("partNumber", "7"),
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
        ("Content-Length", "0"),
        (
            "x-cos-copy-source",
            "sourcebucket-1250000000.cos.ap-guangzhou.myqcloud.com/%E6%BA%90/a%20b.bin",
        ),
        ("x-cos-copy-source-range", "bytes=6291456-7340031"),
        ("x-cos-security-token", "token/with+reserved=chars"),
        ("User-Agent", "firmware/1.0"),
    ];
    let mut auth = [0u8; 512];
    let mut query = [0u8; 1024];
    let mut text = Fixed::<1024>::new();
    let n = allocations_during(|| {
        let creds = Credentials::with_token(
            "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q",
            "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz",
            "token/with+reserved=chars",
        )
        .unwrap();
        let kt = KeyTime::from_now(1_700_000_000, 3600, 60).unwrap();
        let mut key = SigningKey::new(&Credentials::new("AKIDold", "old").unwrap(), kt);
        // Renewed in place: no allocation either.
        key.refresh(&creds, kt);
        let key = key.with_token("token/with+reserved=chars").unwrap();
        let req = CanonicalRequest::new("PUT", "/dest/对象 1.bin", &params, &headers);
        for sel in [Selection::Exact, Selection::Sdk] {
            let signed = key.sign(&req, sel).unwrap();
            let len = signed.authorization().len();
            let a = signed.authorization_to_slice(&mut auth).unwrap();
            assert_eq!(a.len(), len);
            signed.presigned_query().to_slice(&mut query).unwrap();
            text.clear();
            signed.authorization().write_to(&mut text).unwrap();
            req.http_string(sel).unwrap().write_to(&mut text).unwrap();
        }
        let signed = key.sign(&req, Selection::Exact).unwrap();
        let a = signed.authorization_to_slice(&mut auth).unwrap();
        let parsed = Authorization::parse(a).unwrap();
        parsed
            .verify(
                &req,
                "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz",
                1_700_000_100,
                &VerifyPolicy::STRICT,
            )
            .unwrap();
    });
    assert_eq!(n, 0);
}

/// No limit a real request reaches, and still nothing allocated: the 70
/// metadata headers the Node SDK sends, and more pairs than the signer's
/// index arrays hold (120 headers, 40 params), signed and verified with
/// 100 unsigned headers besides.
fn borrow(p: &[(String, String)]) -> Vec<(&str, &str)> {
    p.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect()
}

#[test]
fn many_pairs_sign_and_verify_without_allocating() {
    let host = (
        "Host",
        "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com",
    );
    let meta: Vec<(String, String)> = (0..120)
        .map(|i| (format!("x-cos-meta-field-{i:03}"), format!("value {i}")))
        .collect();
    let params: Vec<(String, String)> =
        (0..40).map(|i| (format!("p{i}"), format!("{i}"))).collect();
    let noise: Vec<(String, String)> = (0..100)
        .map(|i| (format!("X-Custom-{i}"), format!("a(b) {i}")))
        .collect();
    let mut seventy = borrow(&meta[..70]);
    seventy.push(host);
    let mut all = borrow(&meta);
    all.push(host);
    let mut received = all.clone();
    received.extend(borrow(&noise));
    let params = borrow(&params);
    let mut auth = [0u8; 8192];
    let n = allocations_during(|| {
        let creds = Credentials::new(
            "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q",
            "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz",
        )
        .unwrap();
        let key = SigningKey::new(&creds, KeyTime::new(1_700_000_000, 1_700_000_900).unwrap());
        for (params, headers, sent) in [
            (&[][..], &seventy[..], &seventy[..]),
            (&params[..], &all[..], &received[..]),
        ] {
            let req = CanonicalRequest::new("PUT", "/k", params, headers);
            let signed = key.sign(&req, Selection::Exact).unwrap();
            let a = signed.authorization_to_slice(&mut auth).unwrap();
            let parsed = Authorization::parse(a).unwrap();
            let got = CanonicalRequest::new("PUT", "/k", params, sent);
            parsed
                .verify(
                    &got,
                    "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz",
                    1_700_000_100,
                    &VerifyPolicy::STRICT,
                )
                .unwrap();
        }
    });
    assert_eq!(n, 0);
}

#[test]
fn building_requests_allocates_nothing() {
    use tencent_cos_core::{
        AbortMultipartUpload, ByteRange, CompleteBody, CompleteMultipartUpload, CopyCondition,
        CopyPlan, CopySource, ETag, Host, InitiateMultipartUpload, UploadPartCopy,
    };
    let mut scratch = [0u8; 1024];
    let mut head = [0u8; 2048];
    let mut body = [0u8; 1024];
    let n = allocations_during(|| {
        let creds = Credentials::new("AKIDx", "secret").unwrap();
        let key = SigningKey::new(&creds, KeyTime::new(1, 2).unwrap());
        let host = Host::bucket("examplebucket-1250000000", "ap-guangzhou");
        let source = CopySource::new("src-1250000000", "ap-beijing", "源/a b+c.bin")
            .unwrap()
            .with_version_id("MTg0NDUx")
            .unwrap();
        let plan = CopyPlan::new(10 * 1024 * 1024, 1024 * 1024).unwrap();
        for (part, range) in plan.parts() {
            let etag = ETag::new("\"abc\"").unwrap();
            let r = UploadPartCopy::new(host, "dest/obj", part, "upload", source)
                .with_range(range)
                .with_condition(CopyCondition::MatchUnmodifiedSince {
                    etag,
                    since: 1_700_000_000,
                })
                .sign(&key, &mut scratch)
                .unwrap();
            r.head().to_slice(&mut head).unwrap();
        }
        let r = InitiateMultipartUpload::new(host, "dest/obj")
            .sign(&key, &mut scratch)
            .unwrap();
        r.head().to_slice(&mut head).unwrap();
        let parts = [(1u16, "\"a\""), (2, "\"b\"")];
        let b = CompleteBody::new(parts.iter().copied()).unwrap();
        b.to_slice(&mut body).unwrap();
        let r = CompleteMultipartUpload::new(host, "dest/obj", "upload", b.len())
            .sign(&key, &mut scratch)
            .unwrap();
        r.head().to_slice(&mut head).unwrap();
        let r = AbortMultipartUpload::new(host, "dest/obj", "upload")
            .sign(&key, &mut scratch)
            .unwrap();
        r.head().to_slice(&mut head).unwrap();
        let _ = ByteRange::parse("bytes=0-9").unwrap();
    });
    assert_eq!(n, 0);
}
