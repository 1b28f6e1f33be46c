//! Reading responses allocates nothing: a counting global allocator
//! watches the tokenizer, the response reader, the error helpers and the
//! signature explainer.
//!
//! The counter is per thread, so tests running in parallel do not disturb
//! each other.

use std::fmt::Write as _;
use std::hint::black_box;
use tencent_cos_core::xml::{Event, Tokenizer, XmlError};
use tencent_cos_core::{
    CanonicalRequest, KeyTime, Response, ResponseHeaders, ResponseReader, Selection, explain,
    part_result,
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

fn bodies() -> Vec<Vec<u8>> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/responses");
    let mut out: Vec<Vec<u8>> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    out.sort();
    out
}

#[test]
fn the_counter_counts() {
    let n = allocations_during(|| {
        black_box(vec![1u8; 100]);
        black_box(String::from("x").repeat(10));
    });
    assert!(n >= 2, "{n}");
}

#[test]
fn reading_responses_allocates_nothing() {
    let bodies = bodies();
    assert!(bodies.len() >= 30);
    let mut outcomes = 0usize;
    let n = allocations_during(|| {
        for body in &bodies {
            // Whole, and in pieces of 1, 3 and 64 bytes.
            for size in [body.len().max(1), 1, 3, 64] {
                let mut r = ResponseReader::<1024>::new();
                let fed = body.chunks(size).try_for_each(|c| r.feed(c));
                let result = fed.and_then(|()| r.finish());
                if let Ok(response) = &result {
                    let status = if matches!(response, Response::Error(_)) {
                        403
                    } else {
                        200
                    };
                    let outcome = part_result(status, response);
                    black_box(outcome.map_err(|e| e.is_retryable()).is_ok());
                    outcomes += 1;
                }
                black_box(&result);
            }
            // The tokenizer alone.
            let mut t = Tokenizer::new();
            let mut events = 0usize;
            let _ = t.feed(body, &mut |e| {
                if let Event::Text(s) = e {
                    black_box(s);
                }
                events += 1;
                Ok::<_, XmlError>(())
            });
            black_box((events, t.finish().is_ok()));
        }
    });
    assert_eq!(n, 0, "{n} allocations");
    assert!(outcomes > 40, "{outcomes}");
}

#[test]
fn headers_and_explain_allocate_nothing() {
    let body = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/responses/error-signature.xml"
    ))
    .unwrap();
    let headers = [
        (
            "Host",
            "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com",
        ),
        ("x-cos-security-token", "secret"),
    ];
    let response_headers = [
        ("Content-Type", "application/xml"),
        ("x-cos-request-id", "NTk0NTRjZjZfNTViMjM1XzlkMV9hZTZh"),
        ("x-cos-server-side-encryption", "AES256"),
    ];
    let mut out = Fixed::<512>::new();
    let n = allocations_during(|| {
        let h = ResponseHeaders::from_pairs(response_headers.iter().copied());
        black_box(h.request_id());
        let Ok(Response::Error(e)) = Response::<1024>::parse(&body) else {
            panic!("not an Error document")
        };
        let req = CanonicalRequest::new("PUT", "/exampleobject", &[], &headers);
        let kt = KeyTime::new(1_615_113_257, 1_615_199_657).unwrap();
        let m = explain(&e, &req, Selection::Exact, kt).unwrap();
        write!(out, "{m}").unwrap();
    });
    assert_eq!(n, 0, "{n} allocations");
    let report = out.as_str();
    assert!(report.starts_with("HttpString differs"), "{report}");
}
