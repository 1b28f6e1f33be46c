//! The differential check against the official Python SDK, offline: every
//! request of `tests/data/sdk-diff-vectors.jsonl` (generated and signed by
//! cos-python-sdk-v5 1.9.44 through `tests/sdk_diff/run.sh`) signed by this
//! crate must give the SDK's StringToSign, signature and Authorization.
//!
//! `"selection": "exact"` requests were signed by the SDK with its header
//! whitelist turned off, and are signed here with `Selection::Exact`;
//! `"sdk"` ones kept the SDK's own whitelist and are signed here with
//! `Selection::Sdk` over every header given.

use serde_json::Value;
use tencent_cos_core::Output;
use tencent_cos_core::{CanonicalRequest, Credentials, KeyTime, Selection, SigningKey};

fn vectors() -> Vec<Value> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/sdk-diff-vectors.jsonl"
    );
    std::fs::read_to_string(path)
        .unwrap()
        .split('\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn pairs(v: &Value) -> Vec<(&str, &str)> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_str().unwrap(), p[1].as_str().unwrap()))
        .collect()
}

fn key_time(v: &Value) -> KeyTime {
    let (a, b) = v.as_str().unwrap().split_once(';').unwrap();
    KeyTime::new(a.parse().unwrap(), b.parse().unwrap()).unwrap()
}

#[test]
fn the_crate_signs_every_request_as_the_python_sdk_does() {
    let all = vectors();
    let mut differ = Vec::new();
    for v in &all {
        let s = |k: &str| v[k].as_str().unwrap();
        let (params, headers) = (pairs(&v["params"]), pairs(&v["headers"]));
        let request = CanonicalRequest::new(s("method"), s("path"), &params, &headers);
        let selection = match s("selection") {
            "exact" => Selection::Exact,
            "sdk" => Selection::Sdk,
            other => panic!("selection {other}"),
        };
        let creds = Credentials::new(s("secret_id"), s("secret_key")).unwrap();
        let key = SigningKey::new(&creds, key_time(&v["key_time"]));
        let signed = key.sign(&request, selection).unwrap();
        let mut sts = String::new();
        request
            .string_to_sign(selection, key.key_time())
            .and_then(|t| Ok(t.write_to(&mut sts)?))
            .unwrap();
        let sdk = &v["sdk"];
        let got = [
            sts.as_str(),
            signed.signature().as_str(),
            &signed.to_string(),
        ]
        .map(str::to_string);
        let want = ["string_to_sign", "signature", "authorization"]
            .map(|k| sdk[k].as_str().unwrap().to_string());
        if got != want {
            differ.push(s("name").to_string());
        }
    }
    assert!(all.len() >= 2000, "{} vectors", all.len());
    assert!(
        differ.is_empty(),
        "{} of {} differ: {differ:?}",
        differ.len(),
        all.len()
    );
}

/// The file holds what the generator promises, so the agreement above
/// means something.
#[test]
fn the_vectors_cover_what_they_claim() {
    let all = vectors();
    let count = |f: &dyn Fn(&Value) -> bool| all.iter().filter(|v| f(v)).count();
    let any_pair = |v: &Value, list: &str, f: &dyn Fn(&str, &str) -> bool| {
        pairs(&v[list]).iter().any(|(n, x)| f(n, x))
    };
    let non_ascii = |s: &str| !s.is_ascii();
    let reserved = |s: &str| s.bytes().any(|b| b" /+*%&=;?#~".contains(&b));
    assert!(count(&|v| v["selection"] == "sdk") > 200);
    assert!(count(&|v| non_ascii(v["path"].as_str().unwrap())) > 1000);
    assert!(count(&|v| v["path"].as_str().unwrap().len() > 500) > 50);
    assert!(count(&|v| any_pair(v, "params", &|n, _| non_ascii(n))) > 500);
    assert!(count(&|v| any_pair(v, "params", &|n, _| reserved(n))) > 500);
    assert!(count(&|v| any_pair(v, "params", &|_, x| x.is_empty())) > 500);
    assert!(count(&|v| any_pair(v, "headers", &|_, x| x.is_empty())) > 500);
    assert!(count(&|v| any_pair(v, "headers", &|_, x| non_ascii(x))) > 1000);
    assert!(count(&|v| any_pair(v, "headers", &|_, x| x.len() > 500)) > 50);
    assert!(count(&|v| v["params"].as_array().unwrap().len() > 30) > 20);
    assert!(count(&|v| v["headers"].as_array().unwrap().len() > 30) > 20);
    assert!(count(&|v| v["secret_key"].as_str().unwrap().len() > 64) > 200);
    assert!(count(&|v| non_ascii(v["secret_key"].as_str().unwrap())) > 200);
}
