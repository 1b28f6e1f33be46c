//! Verification as a gateway needs it (issue 15, part 3): requests and
//! presigned URLs made by the official SDKs (`tests/data/gateway/`,
//! remade by its `make.sh`), with whatever else a browser, an SDK or a
//! proxy adds; the pairs the lists do not name never change a verdict;
//! what `VerifyPolicy::STRICT` refuses, one header and one param at a
//! time; the window's bounds at their edges; requests with more pairs than
//! the signer's index arrays hold, checked against the reference signer.

#[allow(dead_code)] // the fuzz checks use the rest
#[path = "../fuzz/src/checks/reference.rs"]
mod reference;

use serde_json::Value;
use tencent_cos_core::Output;
use tencent_cos_core::{
    Authorization, CanonicalRequest, Credentials, KeyTime, PairKind, Selection, SignError,
    SigningKey, VerifyError, VerifyPolicy,
};

const HOST: &str = "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com";
const ID: &str = "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q";
const SK: &str = "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz";

fn captures() -> Vec<Value> {
    let text = include_str!("data/gateway/captures.jsonl");
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn capture(name: &str) -> Value {
    captures()
        .into_iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no capture {name}"))
}

fn pairs(v: &Value) -> Vec<(String, String)> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p[0].as_str().unwrap().to_string(),
                p[1].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn borrow(p: &[(String, String)]) -> Vec<(&str, &str)> {
    p.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect()
}

/// `%XX` decoded (a `+` stays a `+`, as COS reads a query).
fn decode(s: &str) -> String {
    String::from_utf8(reference::decode(s).expect("escapes")).unwrap()
}

/// A presigned URL as a server receives it: the decoded path, the raw
/// query, and every param of the query, decoded.
struct Url {
    path: String,
    query: String,
    params: Vec<(String, String)>,
}

fn url(text: &str) -> Url {
    let rest = text.strip_prefix("https://").unwrap();
    let (host, rest) = rest.split_once('/').unwrap();
    assert_eq!(host, HOST);
    let (path, query) = rest.split_once('?').unwrap();
    let params = query
        .split('&')
        .map(|p| {
            let (n, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(n), decode(v))
        })
        .collect();
    Url {
        path: format!("/{}", decode(path)),
        query: query.to_string(),
        params,
    }
}

/// Verifies a presigned capture at `now` under `policy`, with the params
/// and headers given.
fn verify_presigned(
    c: &Value,
    u: &Url,
    params: &[(&str, &str)],
    headers: &[(&str, &str)],
    now: u64,
    policy: &VerifyPolicy<'_>,
) -> Result<(), VerifyError> {
    let mut scratch = [0u8; 512];
    let a = Authorization::parse_presigned(&u.query, &mut scratch).unwrap();
    assert!(a.is_presigned());
    let req = CanonicalRequest::new(c["method"].as_str().unwrap(), &u.path, params, headers);
    a.verify(&req, c["secret_key"].as_str().unwrap(), now, policy)
}

#[test]
fn sdk_presigned_urls_pass_strict_with_every_param_as_received() {
    let mut seen = 0;
    for c in captures().iter().filter(|c| c["kind"] == "presigned") {
        let name = c["name"].as_str().unwrap();
        let u = url(c["url"].as_str().unwrap());
        let mut scratch = [0u8; 512];
        let a = Authorization::parse_presigned(&u.query, &mut scratch).unwrap();
        let (start, end) = (a.key_time().start(), a.key_time().end());
        let params = borrow(&u.params);
        let headers = pairs(&c["headers"]);
        let headers = borrow(&headers);
        // Every param: the request's own and the seven q-* fields (and the
        // token, for Node's temporary credentials).
        assert!(params.len() >= 7, "{name}");
        let check = |now, policy: &VerifyPolicy<'_>| {
            verify_presigned(c, &u, &params, &headers, now, policy)
        };
        for now in [start, start + 1, end] {
            assert_eq!(check(now, &VerifyPolicy::STRICT), Ok(()), "{name} at {now}");
            assert_eq!(check(now, &VerifyPolicy::COS), Ok(()), "{name} at {now}");
        }
        assert_eq!(
            check(end + 1, &VerifyPolicy::STRICT),
            Err(VerifyError::Expired)
        );
        // One more param, not signed: COS does not mind, STRICT names it.
        let mut more = params.clone();
        more.push(("x-cos-traffic-limit", "819200"));
        assert_eq!(
            verify_presigned(c, &u, &more, &headers, start, &VerifyPolicy::COS),
            Ok(())
        );
        assert_eq!(
            verify_presigned(c, &u, &more, &headers, start, &VerifyPolicy::STRICT),
            Err(VerifyError::ParamUnsigned {
                index: params.len()
            }),
            "{name}"
        );
        // A signed param changed, or the path: the signature no longer holds.
        if let Some(i) = params.iter().position(|(n, _)| *n == "versionId") {
            let mut changed = params.clone();
            changed[i].1 = "other";
            assert_eq!(
                verify_presigned(c, &u, &changed, &headers, start, &VerifyPolicy::COS),
                Err(VerifyError::SignatureMismatch)
            );
        }
        seen += 1;
    }
    assert_eq!(seen, 6);

    // The SDKs' own windows: Python starts 60 s early, Node 1 s.
    let a = url(capture("python_presigned_get_default")["url"]
        .as_str()
        .unwrap());
    assert!(a.query.contains("q-sign-time=1699999940%3B1700000300"));
    let n = capture("node_presigned_get_token_params");
    let u = url(n["url"].as_str().unwrap());
    let mut scratch = [0u8; 512];
    let a = Authorization::parse_presigned(&u.query, &mut scratch).unwrap();
    assert_eq!(
        a.key_time(),
        KeyTime::new(1_699_999_999, 1_700_000_599).unwrap()
    );
    assert_eq!(a.security_token(), Some("node+token/with=chars"));
    assert_eq!(a.url_param_list(), "response-content-type;versionid");
}

/// The presigned fields are exempt only when the authorization was read
/// from that query: beside an `Authorization` header they are params like
/// any other.
#[test]
fn presigned_fields_are_exempt_only_in_a_presigned_query() {
    let c = capture("node_presigned_get_token_params");
    let u = url(c["url"].as_str().unwrap());
    let mut scratch = [0u8; 512];
    let p = Authorization::parse_presigned(&u.query, &mut scratch).unwrap();
    let header_form = format!(
        "q-sign-algorithm=sha1&q-ak={}&q-sign-time=1699999999;1700000599&q-key-time=1699999999;1700000599&q-header-list={}&q-url-param-list={}&q-signature={}",
        p.secret_id(),
        p.header_list(),
        p.url_param_list(),
        p.signature()
    );
    let h = Authorization::parse(&header_form).unwrap();
    assert!(!h.is_presigned());
    let params = borrow(&u.params);
    let headers = [("Host", HOST)];
    let req = CanonicalRequest::new("GET", &u.path, &params, &headers);
    let key = c["secret_key"].as_str().unwrap();
    assert_eq!(
        p.verify(&req, key, 1_700_000_000, &VerifyPolicy::STRICT),
        Ok(())
    );
    assert_eq!(
        h.verify(&req, key, 1_700_000_000, &VerifyPolicy::STRICT),
        Err(VerifyError::ParamUnsigned { index: 0 })
    );
    assert_eq!(u.params[0].0, "q-sign-algorithm");
    assert_eq!(
        h.verify(&req, key, 1_700_000_000, &VerifyPolicy::COS),
        Ok(())
    );
}

/// The Node SDK sends 70 `x-cos-meta-*` headers when asked to: its
/// `Authorization` verifies, and this crate signs the same request to the
/// same value (no limit a real request reaches, no allocation: see
/// `tests/no_alloc.rs`).
#[test]
fn seventy_metadata_headers_sign_and_verify() {
    for name in ["node_put_70_meta", "python_put_70_meta"] {
        let c = capture(name);
        let headers = pairs(&c["headers"]);
        let headers = borrow(&headers);
        assert!(headers.len() >= 72, "{name}");
        let req = CanonicalRequest::new("PUT", c["path"].as_str().unwrap(), &[], &headers);
        let sdk_auth = c["authorization"].as_str().unwrap();
        let a = Authorization::parse(sdk_auth).unwrap();
        assert_eq!(a.header_names().count(), headers.len(), "{name}");
        let key = c["secret_key"].as_str().unwrap();
        let now = a.key_time().start();
        assert_eq!(
            a.verify(&req, key, now, &VerifyPolicy::STRICT),
            Ok(()),
            "{name}"
        );

        // Signed here, by the SDKs' selection: the same Authorization.
        let creds = Credentials::new(c["secret_id"].as_str().unwrap(), key).unwrap();
        let signing = SigningKey::new(&creds, a.key_time());
        let signed = signing.sign(&req, Selection::Sdk).unwrap();
        assert_eq!(signed.to_string(), sdk_auth, "{name}");
        let mut buf = vec![0u8; signed.authorization().len()];
        assert_eq!(signed.authorization_to_slice(&mut buf).unwrap(), sdk_auth);
    }
    // Node leaves Content-Type out of the signature: COS accepts that,
    // STRICT names the header (the request's 73rd).
    let c = capture("node_put_70_meta_content_type");
    let headers = pairs(&c["headers"]);
    let headers = borrow(&headers);
    assert_eq!(headers[72].0, "Content-Type");
    let req = CanonicalRequest::new("PUT", "/meta/object.bin", &[], &headers);
    let a = Authorization::parse(c["authorization"].as_str().unwrap()).unwrap();
    let key = c["secret_key"].as_str().unwrap();
    let now = a.key_time().end();
    assert_eq!(a.verify(&req, key, now, &VerifyPolicy::COS), Ok(()));
    assert_eq!(
        a.verify(&req, key, now, &VerifyPolicy::STRICT),
        Err(VerifyError::HeaderUnsigned { index: 72 })
    );
}

/// 120 headers and 40 params, all signed: past both index arrays of the
/// signer (96 headers, 32 params) and of the verifier. The signature is
/// the reference signer's; verification walks the lists.
#[test]
fn more_pairs_than_the_index_arrays_hold() {
    let headers: Vec<(String, String)> = (0..120)
        .rev()
        .map(|i| (format!("X-Cos-Meta-K{i:03}"), format!("v{i} (a, b)")))
        .chain([("Host".to_string(), HOST.to_string())])
        .collect();
    let params: Vec<(String, String)> = (0..40)
        .map(|i| (format!("p{}", (i * 7) % 40), format!("{i}")))
        .collect();
    let (h, p) = (borrow(&headers), borrow(&params));
    let req = CanonicalRequest::new("PUT", "/many", &p, &h);
    let creds = Credentials::new(ID, SK).unwrap();
    let key = SigningKey::new(&creds, KeyTime::new(1_700_000_000, 1_700_000_900).unwrap());
    let signed = key.sign(&req, Selection::Exact).unwrap();
    let want = reference::sign(&reference::Request {
        method: "PUT",
        path: "/many",
        params: &p,
        headers: &h,
        secret_id: ID,
        secret_key: SK,
        token: None,
        start: 1_700_000_000,
        end: 1_700_000_900,
    });
    assert_eq!(signed.to_string(), want.authorization);
    let auth = signed.to_string();
    let a = Authorization::parse(&auth).unwrap();
    assert_eq!(a.header_names().count(), 121);
    assert_eq!(a.param_names().count(), 40);
    for policy in [VerifyPolicy::COS, VerifyPolicy::STRICT] {
        assert_eq!(a.verify(&req, SK, 1_700_000_000, &policy), Ok(()));
    }
    // A duplicate among them is named as among few: the first pair that
    // repeats an earlier name.
    let mut dup = h.clone();
    dup.push(("x-cos-meta-k007", "again"));
    dup.push(("x-cos-meta-k003", "again"));
    let r = CanonicalRequest::new("PUT", "/many", &p, &dup);
    assert_eq!(
        key.sign(&r, Selection::Exact).unwrap_err(),
        SignError::DuplicateName {
            kind: PairKind::Header,
            index: 121
        }
    );
    assert_eq!(
        a.verify(&r, SK, 1_700_000_000, &VerifyPolicy::COS),
        Err(VerifyError::Request(SignError::DuplicateName {
            kind: PairKind::Header,
            index: 122
        }))
    );
}

/// Headers and params of every shape a gateway receives, none of them
/// signed.
fn unsigned_headers() -> Vec<(String, String)> {
    let shapes: [(&str, &str); 12] = [
        ("X-Custom", "a(b)"),
        (
            "User-Agent",
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)",
        ),
        ("Accept", "*/*"),
        ("bad name", "not a token"),
        ("(", ")"),
        ("", "empty name"),
        ("X-Forwarded-For", "203.0.113.7, 198.51.100.1"),
        ("Cookie", "a=b; c=d"),
        ("X-Odd", "line\r\nbreak\0nul\u{7f}"),
        ("腾讯", "云"),
        ("x-custom", "same name again"),
        ("Authorization", "Bearer not-this-one"),
    ];
    (0..120)
        .map(|i| {
            let (n, v) = shapes[i % shapes.len()];
            (n.to_string(), format!("{v} #{i}"))
        })
        .collect()
}

fn unsigned_params() -> Vec<(String, String)> {
    [
        ("", ""),
        ("", "x"),
        ("&", "="),
        ("?", "&=x"),
        ("a b", "c d"),
    ]
    .iter()
    .cycle()
    .take(105)
    .map(|(n, v)| (n.to_string(), v.to_string()))
    .collect()
}

/// A signed UploadPartCopy-like request and its parsed Authorization.
struct Signed {
    params: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    auth: String,
}

fn signed_request() -> Signed {
    let params = vec![
        ("partNumber".to_string(), "3".to_string()),
        ("uploadId".to_string(), "u-1".to_string()),
    ];
    let headers = vec![
        ("Host".to_string(), HOST.to_string()),
        ("Content-Length".to_string(), "0".to_string()),
        (
            "x-cos-copy-source".to_string(),
            "src-1250000000.cos.ap-guangzhou.myqcloud.com/a%20b".to_string(),
        ),
    ];
    let creds = Credentials::new(ID, SK).unwrap();
    let key = SigningKey::new(&creds, KeyTime::new(1_700_000_000, 1_700_000_600).unwrap());
    let (p, h) = (borrow(&params), borrow(&headers));
    let auth = key
        .sign(
            &CanonicalRequest::new("PUT", "/k", &p, &h),
            Selection::Exact,
        )
        .unwrap()
        .to_string();
    Signed {
        params,
        headers,
        auth,
    }
}

#[test]
fn unsigned_pairs_of_any_number_and_shape_never_change_the_verdict() {
    let s = signed_request();
    let a = Authorization::parse(&s.auth).unwrap();
    let extra_h = unsigned_headers();
    let extra_p = unsigned_params();
    // The request's own pairs first or last among the others.
    let orders = |own: &[(String, String)], extra: &[(String, String)]| {
        let mut first = own.to_vec();
        first.extend_from_slice(extra);
        let mut last = extra.to_vec();
        last.extend_from_slice(own);
        [own.to_vec(), first, last]
    };
    let headers = orders(&s.headers, &extra_h);
    let params = orders(&s.params, &extra_p);
    for h in &headers {
        for p in &params {
            let (hb, pb) = (borrow(h), borrow(p));
            let req = CanonicalRequest::new("PUT", "/k", &pb, &hb);
            let check = |key: &str, now: u64| a.verify(&req, key, now, &VerifyPolicy::COS);
            assert_eq!(check(SK, 1_700_000_000), Ok(()), "{} {}", h.len(), p.len());
            assert_eq!(check(SK, 1_700_000_601), Err(VerifyError::Expired));
            assert_eq!(
                check("wrong", 1_700_000_300),
                Err(VerifyError::SignatureMismatch)
            );
            // STRICT does not mind these headers (none of its kinds) …
            if p.len() == s.params.len() {
                assert_eq!(
                    a.verify(&req, SK, 1_700_000_000, &VerifyPolicy::STRICT),
                    Ok(())
                );
            }
            // … and a tampered value of a signed pair is caught among them.
            let mut tampered = h.clone();
            let at = tampered
                .iter()
                .position(|(n, _)| n == "x-cos-copy-source")
                .unwrap();
            tampered[at].1.push('x');
            let tb = borrow(&tampered);
            let req = CanonicalRequest::new("PUT", "/k", &pb, &tb);
            assert_eq!(
                a.verify(&req, SK, 1_700_000_000, &VerifyPolicy::COS),
                Err(VerifyError::SignatureMismatch)
            );
        }
    }
    // A signed header missing among them is still named by its position.
    let mut without: Vec<(String, String)> = extra_h.clone();
    without.extend(
        s.headers
            .iter()
            .filter(|(n, _)| n != "Content-Length")
            .cloned(),
    );
    let (hb, pb) = (borrow(&without), borrow(&s.params));
    assert_eq!(
        a.verify(
            &CanonicalRequest::new("PUT", "/k", &pb, &hb),
            SK,
            1_700_000_000,
            &VerifyPolicy::COS
        ),
        Err(VerifyError::SignedHeaderMissing { position: 0 })
    );
}

/// The `Authorization` of a GET or PUT of `/k` with these pairs, signed
/// for the window 1_700_000_000..=1_700_000_600.
fn authorization(method: &str, params: &[(&str, &str)], headers: &[(&str, &str)]) -> String {
    let creds = Credentials::new(ID, SK).unwrap();
    let key = SigningKey::new(&creds, KeyTime::new(1_700_000_000, 1_700_000_600).unwrap());
    let req = CanonicalRequest::new(method, "/k", params, headers);
    key.sign(&req, Selection::Exact).unwrap().to_string()
}

/// What STRICT and COS say of `request` under `auth`, in its window.
fn verdicts(auth: &str, request: &CanonicalRequest<'_>) -> [Result<(), VerifyError>; 2] {
    let a = Authorization::parse(auth).unwrap();
    [VerifyPolicy::STRICT, VerifyPolicy::COS].map(|p| a.verify(request, SK, 1_700_000_000, &p))
}

/// `pairs` without the one named `name`.
fn without<'a>(pairs: &[(&'a str, &'a str)], name: &str) -> Vec<(&'a str, &'a str)> {
    pairs.iter().copied().filter(|(n, _)| *n != name).collect()
}

#[test]
fn strict_refuses_each_unsigned_header_one_by_one() {
    let headers = [
        ("Host", HOST),
        ("Content-Type", "application/xml"),
        ("Content-Length", "13"),
        ("Content-MD5", "mQ/fVh815F3k6TAUm8m0eg=="),
        ("x-cos-security-token", "token"),
        ("x-cos-meta-a", "1"),
        (
            "X-COS-Copy-Source",
            "src-1250000000.cos.ap-guangzhou.myqcloud.com/k",
        ),
        ("x-cos-server-side-encryption", "AES256"),
        ("User-Agent", "curl/8.5.0 (x86_64-pc-linux-gnu)"),
        ("Accept", "*/*"),
    ];
    let full = CanonicalRequest::new("PUT", "/k", &[], &headers);
    // Everything STRICT wants signed (User-Agent and Accept need not be).
    let wanted = &headers[..8];
    assert_eq!(
        verdicts(&authorization("PUT", &[], wanted), &full),
        [Ok(()), Ok(())]
    );
    for (index, (name, _)) in wanted.iter().enumerate() {
        // Signed without it, sent with it.
        let auth = authorization("PUT", &[], &without(wanted, name));
        let want = if *name == "Host" {
            VerifyError::RequiredHeaderUnsigned { index: 0 }
        } else {
            VerifyError::HeaderUnsigned { index }
        };
        assert_eq!(verdicts(&auth, &full), [Err(want), Ok(())], "{name}");
    }
}

#[test]
fn strict_refuses_each_unsigned_param_one_by_one() {
    let params = [
        ("partNumber", "1"),
        ("uploadId", "u"),
        ("versionId", "MTg0"),
        ("response-content-type", "text/plain"),
        ("uploads", ""),
        ("q-ak", "not a field here"),
    ];
    let headers = [("Host", HOST)];
    let full = CanonicalRequest::new("GET", "/k", &params, &headers);
    assert_eq!(
        verdicts(&authorization("GET", &params, &headers), &full),
        [Ok(()), Ok(())]
    );
    for (index, (name, _)) in params.iter().enumerate() {
        let auth = authorization("GET", &without(&params, name), &headers);
        let want = VerifyError::ParamUnsigned { index };
        assert_eq!(verdicts(&auth, &full), [Err(want), Ok(())], "{name}");
    }
}

#[test]
fn the_window_is_bounded_at_its_edges() {
    let creds = Credentials::new(ID, SK).unwrap();
    let headers = [("Host", HOST)];
    let req = CanonicalRequest::new("GET", "/k", &[], &headers);
    // Each value lives as long as the test (leaked, so parsed values can
    // borrow it).
    let auth = |start: u64, end: u64| -> &'static str {
        let key = SigningKey::new(&creds, KeyTime::new(start, end).unwrap());
        key.sign(&req, Selection::Exact).unwrap().to_string().leak()
    };
    let t = 1_700_000_000;

    // The lifetime: at the bound, and one second over.
    let policy = VerifyPolicy::COS.with_max_lifetime(Some(900));
    let ok = Authorization::parse(auth(t, t + 900)).unwrap();
    let long = Authorization::parse(auth(t, t + 901)).unwrap();
    assert_eq!(ok.verify(&req, SK, t, &policy), Ok(()));
    assert_eq!(
        long.verify(&req, SK, t, &policy),
        Err(VerifyError::LifetimeTooLong)
    );
    assert_eq!(long.verify(&req, SK, t, &VerifyPolicy::COS), Ok(()));

    // STRICT: 7 days, not a second more; COS: decades.
    let week = Authorization::parse(auth(t, t + 604_800)).unwrap();
    let more = Authorization::parse(auth(t, t + 604_801)).unwrap();
    assert_eq!(VerifyPolicy::STRICT.max_lifetime, Some(604_800));
    assert_eq!(week.verify(&req, SK, t, &VerifyPolicy::STRICT), Ok(()));
    assert_eq!(
        more.verify(&req, SK, t, &VerifyPolicy::STRICT),
        Err(VerifyError::LifetimeTooLong)
    );
    let decades = Authorization::parse(auth(t, t + 50 * 365 * 86_400)).unwrap();
    assert_eq!(
        decades.verify(&req, SK, t + 86_400, &VerifyPolicy::COS),
        Ok(())
    );

    // The start ahead of `now`: as far as the skew allows.
    let a = Authorization::parse(auth(t, t + 600)).unwrap();
    let skew = VerifyPolicy::STRICT.with_start_skew(30);
    assert_eq!(a.verify(&req, SK, t - 30, &skew), Ok(()));
    assert_eq!(
        a.verify(&req, SK, t - 31, &skew),
        Err(VerifyError::NotYetValid)
    );
    assert_eq!(VerifyPolicy::STRICT.start_skew, 0);
    assert_eq!(VerifyPolicy::COS.start_skew, 0);
    assert_eq!(a.verify(&req, SK, t, &VerifyPolicy::STRICT), Ok(()));
    assert_eq!(
        a.verify(&req, SK, t - 1, &VerifyPolicy::STRICT),
        Err(VerifyError::NotYetValid)
    );
    // The end: inclusive.
    assert_eq!(a.verify(&req, SK, t + 600, &VerifyPolicy::STRICT), Ok(()));
    assert_eq!(
        a.verify(&req, SK, t + 601, &VerifyPolicy::STRICT),
        Err(VerifyError::Expired)
    );
    // A skew never wraps past the largest time.
    let late = Authorization::parse(auth(u64::MAX - 10, u64::MAX)).unwrap();
    let any = VerifyPolicy::COS.with_start_skew(u32::MAX);
    assert_eq!(late.verify(&req, SK, u64::MAX - 5, &any), Ok(()));
}

#[test]
fn custom_policies_are_made_from_the_given_ones() {
    const GATEWAY: VerifyPolicy<'static> = VerifyPolicy::COS
        .with_required_headers(&["host", "content-md5"])
        .with_signed_if_present(&["x-cos-meta-*", "range"])
        .with_all_params_signed(true)
        .with_max_lifetime(Some(3600))
        .with_start_skew(5);
    assert_eq!(GATEWAY.required_headers, ["host", "content-md5"]);
    assert_eq!(GATEWAY.signed_if_present, ["x-cos-meta-*", "range"]);
    const { assert!(GATEWAY.require_all_params) };
    assert_eq!((GATEWAY.max_lifetime, GATEWAY.start_skew), (Some(3600), 5));
    assert_eq!(
        VerifyPolicy::STRICT.signed_if_present,
        ["content-type", "content-length", "content-md5", "x-cos-*"]
    );

    let headers = [
        ("Host", HOST),
        ("Range", "bytes=0-1"),
        ("X-Cos-Meta-A", "1"),
    ];
    let creds = Credentials::new(ID, SK).unwrap();
    let key = SigningKey::new(&creds, KeyTime::new(1_700_000_000, 1_700_000_600).unwrap());
    let auth = key
        .sign(
            &CanonicalRequest::new("GET", "/k", &[], &headers[..2]),
            Selection::Exact,
        )
        .unwrap()
        .to_string();
    let a = Authorization::parse(&auth).unwrap();
    let req = CanonicalRequest::new("GET", "/k", &[], &headers);
    assert_eq!(
        a.verify(&req, SK, 1_700_000_000, &GATEWAY),
        Err(VerifyError::RequiredHeaderUnsigned { index: 1 })
    );
    let no_md5 = GATEWAY.with_required_headers(&["host"]);
    assert_eq!(
        a.verify(&req, SK, 1_700_000_000, &no_md5),
        Err(VerifyError::HeaderUnsigned { index: 2 })
    );
    let any_meta = no_md5.with_signed_if_present(&["range"]);
    assert_eq!(a.verify(&req, SK, 1_700_000_000, &any_meta), Ok(()));
}

/// `Debug` and `Display` show what failed, never the signature, the
/// token or a value of the request.
#[test]
fn nothing_secret_is_printed() {
    let c = capture("node_presigned_get_token_params");
    let u = url(c["url"].as_str().unwrap());
    let mut scratch = [0u8; 512];
    let a = Authorization::parse_presigned(&u.query, &mut scratch).unwrap();
    let debug = format!("{a:?}");
    assert!(debug.contains("AKIDnodeSdkTest"), "{debug}");
    for secret in [a.signature(), "node+token/with=chars"] {
        assert!(!debug.contains(secret), "{secret} in {debug}");
    }
    assert!(debug.contains("signature: \"<redacted>\""), "{debug}");
    let headers = [("Host", HOST), ("x-cos-meta-secret", "do-not-print")];
    let req = CanonicalRequest::new("GET", &u.path, &[], &headers);
    for policy in [VerifyPolicy::COS, VerifyPolicy::STRICT] {
        let e = a
            .verify(&req, "secret-key-value", 1_700_000_000, &policy)
            .unwrap_err();
        let shown = format!("{e} {e:?} {policy:?}");
        for secret in ["do-not-print", "secret-key-value", a.signature()] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
    }
    assert_eq!(
        VerifyError::HeaderUnsigned { index: 4 }.to_string(),
        "request header 4 must be signed when present, and is not"
    );
    assert_eq!(
        VerifyError::LifetimeTooLong.to_string(),
        "the signature's window is longer than allowed"
    );
}
