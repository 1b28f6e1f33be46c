//! Every vector of `tests/data/signature-vectors.json` (the official doc's
//! worked examples, the Go and C++ SDK unit tests, and what the Python,
//! Node and Go SDKs produce), asserted stage by stage.

use serde_json::Value;
use tencent_cos_core::Output;
use tencent_cos_core::{
    Authorization, CanonicalRequest, Credentials, KeyTime, PairKind, Selection, SignError,
    SigningKey, VerifyPolicy,
};

fn vectors() -> Vec<Value> {
    let text = include_str!("data/signature-vectors.json");
    serde_json::from_str::<Value>(text)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn pairs(v: &Value) -> Vec<(String, String)> {
    v.as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect()
}

fn borrow(p: &[(String, String)]) -> Vec<(&str, &str)> {
    p.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect()
}

struct Case {
    name: String,
    method: String,
    path: String,
    params: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    id: String,
    key: String,
    key_time: KeyTime,
}

fn case(v: &Value) -> Case {
    let s = |k: &str| v[k].as_str().unwrap().to_string();
    Case {
        name: s("name"),
        method: s("method"),
        path: s("path"),
        params: pairs(&v["params"]),
        headers: pairs(&v["signed_headers"]),
        id: s("secret_id"),
        key: s("secret_key"),
        key_time: KeyTime::new(v["start"].as_u64().unwrap(), v["end"].as_u64().unwrap()).unwrap(),
    }
}

#[test]
fn the_file_has_all_34_vectors() {
    let all = vectors();
    assert_eq!(all.len(), 34);
    assert_eq!(
        all.iter()
            .filter(|v| v["divergent"] == Value::Bool(true))
            .count(),
        2
    );
}

#[test]
fn every_non_divergent_vector_matches_at_every_stage() {
    let mut checked = 0;
    for v in vectors()
        .iter()
        .filter(|v| v["divergent"] != Value::Bool(true))
    {
        let c = case(v);
        let (params, headers) = (borrow(&c.params), borrow(&c.headers));
        let req = CanonicalRequest::new(&c.method, &c.path, &params, &headers);
        let creds = Credentials::new(&c.id, &c.key).unwrap();
        let key = SigningKey::new(&creds, c.key_time);
        assert_eq!(
            key.sign_key(),
            v["sign_key"].as_str().unwrap(),
            "{}: SignKey",
            c.name
        );

        let mut http = String::new();
        req.http_string(Selection::Exact)
            .and_then(|t| Ok(t.write_to(&mut http)?))
            .unwrap();
        assert_eq!(
            http,
            v["http_string"].as_str().unwrap(),
            "{}: HttpString",
            c.name
        );

        let mut sts = String::new();
        req.string_to_sign(Selection::Exact, c.key_time)
            .and_then(|t| Ok(t.write_to(&mut sts)?))
            .unwrap();
        assert_eq!(
            sts,
            v["string_to_sign"].as_str().unwrap(),
            "{}: StringToSign",
            c.name
        );

        let signed = key.sign(&req, Selection::Exact).unwrap();
        let want = v["expected_authorization"].as_str().unwrap();
        assert_eq!(signed.to_string(), want, "{}: Authorization", c.name);
        assert_eq!(signed.authorization().len(), want.len());
        let mut buf = [0u8; 512];
        assert_eq!(signed.authorization_to_slice(&mut buf).unwrap(), want);
        assert!(want.ends_with(signed.signature().as_str()));

        // The verifier accepts what the SDKs produced, in the window only.
        let auth = Authorization::parse(want).unwrap();
        let mid = c.key_time.start() + (c.key_time.end() - c.key_time.start()) / 2;
        assert_eq!(
            auth.verify(&req, &c.key, mid, &VerifyPolicy::COS),
            Ok(()),
            "{}",
            c.name
        );
        assert!(
            auth.verify(&req, &c.key, c.key_time.end() + 1, &VerifyPolicy::COS)
                .is_err()
        );
        checked += 1;
    }
    assert_eq!(checked, 32);
}

#[test]
fn sdk_selection_reproduces_the_sdk_filtered_vectors() {
    // Add headers the SDKs never sign; the result must not change.
    for v in vectors()
        .iter()
        .filter(|v| v["source"].as_str().unwrap().contains("get_auth"))
    {
        let c = case(v);
        let mut headers = c.headers.clone();
        for (n, val) in [
            ("User-Agent", "curl/8"),
            ("Accept", "*/*"),
            ("Connection", "keep-alive"),
        ] {
            headers.push((n.to_string(), val.to_string()));
        }
        let (params, headers) = (borrow(&c.params), borrow(&headers));
        let req = CanonicalRequest::new(&c.method, &c.path, &params, &headers);
        let key = SigningKey::new(&Credentials::new(&c.id, &c.key).unwrap(), c.key_time);
        let signed = key.sign(&req, Selection::Sdk).unwrap();
        assert_eq!(
            signed.to_string(),
            v["expected_authorization"].as_str().unwrap(),
            "{}",
            c.name
        );
    }
}

#[test]
fn the_official_doc_example_signs_date_but_the_sdks_do_not() {
    let all = vectors();
    let doc = all
        .iter()
        .find(|v| v["name"] == "doc_example_put_object")
        .unwrap();
    let sdk = all
        .iter()
        .find(|v| v["name"] == "doc_put_example_sdk_filtered")
        .unwrap();
    let c = case(doc);
    let (params, headers) = (borrow(&c.params), borrow(&c.headers));
    let req = CanonicalRequest::new(&c.method, &c.path, &params, &headers);
    let key = SigningKey::new(&Credentials::new(&c.id, &c.key).unwrap(), c.key_time);
    assert_eq!(
        key.sign(&req, Selection::Sdk).unwrap().to_string(),
        sdk["expected_authorization"].as_str().unwrap()
    );
}

#[test]
fn divergent_duplicate_header_names_are_refused() {
    let all = vectors();
    let v = all
        .iter()
        .find(|v| v["name"] == "divergent_dup_header_case")
        .unwrap();
    let c = case(v);
    // The SDKs were given x-cos-meta-a twice, in two spellings.
    let headers = [
        ("Host", c.headers[0].1.as_str()),
        ("x-cos-meta-a", "1"),
        ("X-Cos-Meta-A", "2"),
    ];
    let req = CanonicalRequest::new(&c.method, &c.path, &[], &headers);
    let key = SigningKey::new(&Credentials::new(&c.id, &c.key).unwrap(), c.key_time);
    for sel in [Selection::Exact, Selection::Sdk] {
        assert_eq!(
            key.sign(&req, sel).unwrap_err(),
            SignError::DuplicateName {
                kind: PairKind::Header,
                index: 2
            }
        );
    }
}

#[test]
fn divergent_param_order_follows_the_encoded_names_as_python_and_go_do() {
    let all = vectors();
    let v = all
        .iter()
        .find(|v| v["name"] == "divergent_param_sort_flip")
        .unwrap();
    let c = case(v);
    let (params, headers) = (borrow(&c.params), borrow(&c.headers));
    let req = CanonicalRequest::new(&c.method, &c.path, &params, &headers);
    let key = SigningKey::new(&Credentials::new(&c.id, &c.key).unwrap(), c.key_time);
    let got = key.sign(&req, Selection::Exact).unwrap().to_string();
    assert_eq!(got, v["python_authorization"].as_str().unwrap());
    assert_eq!(got, v["go_authorization"].as_str().unwrap());
    assert_ne!(got, v["node_authorization"].as_str().unwrap());
    let mut http = String::new();
    req.http_string(Selection::Exact)
        .and_then(|t| Ok(t.write_to(&mut http)?))
        .unwrap();
    assert_eq!(http, v["http_string"].as_str().unwrap());
}

#[test]
fn a_reused_key_signs_like_a_fresh_one() {
    let all = vectors();
    let key_for = |v: &Value| {
        let c = case(v);
        (c.id.clone(), c.key.clone(), c.key_time)
    };
    let base = all.iter().find(|v| v["name"] == "upc_minimal").unwrap();
    let (id, sk, kt) = key_for(base);
    let creds = Credentials::new(&id, &sk).unwrap();
    let shared = SigningKey::new(&creds, kt);
    let same_window: Vec<&Value> = all
        .iter()
        .filter(|v| {
            v["divergent"] != Value::Bool(true) && key_for(v) == (id.clone(), sk.clone(), kt)
        })
        .collect();
    assert!(same_window.len() > 10);
    for v in same_window {
        let c = case(v);
        let (params, headers) = (borrow(&c.params), borrow(&c.headers));
        let req = CanonicalRequest::new(&c.method, &c.path, &params, &headers);
        assert_eq!(
            shared.sign(&req, Selection::Exact).unwrap().to_string(),
            v["expected_authorization"].as_str().unwrap()
        );
    }
}
