//! Property tests of the signature: the reference signer of the fuzz crate
//! as oracle, order independence, `Sdk` ⊆ `Exact`, `Authorization` and
//! presigned query ↔ parse ↔ verify, exact lengths.

#[allow(dead_code)] // the fuzz checks use the rest
#[path = "../fuzz/src/checks/reference.rs"]
mod reference;

use proptest::prelude::*;
use tencent_cos_core::{
    Authorization, CanonicalRequest, Credentials, KeyTime, OutputError, Selection, Signed,
    SigningKey, VerifyError, VerifyPolicy,
};
use tencent_cos_core::{Output, sdk_signs_header};

#[derive(Debug, Clone)]
struct Req {
    method: String,
    path: String,
    params: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    id: String,
    secret: String,
    token: Option<String>,
    start: u64,
    end: u64,
}

impl Req {
    fn params(&self) -> Vec<(&str, &str)> {
        borrow(&self.params)
    }
    fn headers(&self) -> Vec<(&str, &str)> {
        borrow(&self.headers)
    }
    fn creds(&self) -> Credentials<'_> {
        match &self.token {
            Some(t) => Credentials::with_token(&self.id, &self.secret, t).unwrap(),
            None => Credentials::new(&self.id, &self.secret).unwrap(),
        }
    }
    fn key(&self) -> SigningKey {
        SigningKey::new(&self.creds(), KeyTime::new(self.start, self.end).unwrap())
    }
}

fn borrow(p: &[(String, String)]) -> Vec<(&str, &str)> {
    p.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect()
}

/// Pairs with names distinct after ASCII lowercasing (the crate refuses
/// the others).
fn distinct(pairs: Vec<(String, String)>) -> Vec<(String, String)> {
    let mut seen = std::collections::HashSet::new();
    pairs
        .into_iter()
        .filter(|(n, _)| seen.insert(n.to_ascii_lowercase()))
        .collect()
}

fn param_name() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec!["partNumber", "uploadId", "uploads", "a{", "az", "A/B"])
            .prop_map(str::to_string),
        "[a-zA-Z0-9 /+*%&=;~._-]{1,12}",
        "\\PC{1,8}",
    ]
}

fn header_name() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "Host",
            "Content-Length",
            "Content-Type",
            "Date",
            "User-Agent",
            "Range",
            "x-cos-copy-source",
            "X-COS-META-A",
            "x-ci-process",
            "x-cos-security-token",
        ])
        .prop_map(str::to_string),
        "[!#$%&'*+.^_`|~0-9A-Za-z-]{1,16}",
        "x-cos-[a-z-]{1,10}",
    ]
}

fn request() -> impl Strategy<Value = Req> {
    (
        prop::sample::select(vec!["PUT", "get", "Post", "DELETE", "HEAD"]),
        "/\\PC{0,40}",
        prop::collection::vec((param_name(), "\\PC{0,20}"), 0..10),
        prop::collection::vec((header_name(), "\\PC{0,30}"), 0..10),
        "[!-%'-~]{1,40}",
        prop_oneof!["[A-Za-z0-9]{1,40}", "[!-~]{65,120}", "\\PC{1,20}"]
            .prop_filter("no surrounding whitespace", |k| k.trim() == k),
        proptest::option::of("[!-~]{1,60}"),
        any::<u64>(),
        any::<u64>(),
    )
        .prop_map(
            |(method, path, params, headers, id, secret, token, a, b)| Req {
                method: method.to_string(),
                path,
                params: distinct(params),
                headers: distinct(headers),
                id,
                secret,
                token,
                start: a.min(b),
                end: a.max(b),
            },
        )
}

/// Signs with the key and, for temporary credentials, its token.
fn sign<'r>(
    key: &'r SigningKey,
    token: Option<&'r str>,
    req: &'r CanonicalRequest<'r>,
    s: Selection,
) -> Signed<'r> {
    key.signer(token).unwrap().sign(req, s).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Every stage equals the spec's reference signer.
    #[test]
    fn equals_the_reference_signer(r in request()) {
        let (params, headers) = (r.params(), r.headers());
        let req = CanonicalRequest::new(&r.method, &r.path, &params, &headers);
        let key = r.key();
        let signed = sign(&key, r.token.as_deref(), &req, Selection::Exact);
        let want = reference::sign(&reference::Request {
            method: &r.method,
            path: &r.path,
            params: &params,
            headers: &headers,
            secret_id: &r.id,
            secret_key: &r.secret,
            token: r.token.as_deref(),
            start: r.start,
            end: r.end,
        });
        prop_assert_eq!(key.sign_key(), want.sign_key.as_str());
        let mut http = String::new();
        req.http_string(Selection::Exact).and_then(|t| Ok(t.write_to(&mut http)?)).unwrap();
        prop_assert_eq!(&http, &want.http_string);
        let mut sts = String::new();
        req.string_to_sign(Selection::Exact, key.key_time()).and_then(|t| Ok(t.write_to(&mut sts)?)).unwrap();
        prop_assert_eq!(&sts, &want.string_to_sign);
        prop_assert_eq!(signed.signature().as_str(), want.signature.as_str());
        prop_assert_eq!(signed.to_string(), want.authorization);
        let mut q = String::new();
        signed.presigned_query().write_to(&mut q).unwrap();
        prop_assert_eq!(q, want.presigned);
    }

    /// The order in which pairs are given does not matter.
    #[test]
    fn pair_order_does_not_matter(
        (r, params, headers) in request().prop_flat_map(|r| {
            let p = Just(r.params.clone()).prop_shuffle();
            let h = Just(r.headers.clone()).prop_shuffle();
            (Just(r), p, h)
        })
    ) {
        let key = r.key();
        let (p1, h1) = (r.params(), r.headers());
        let (p2, h2) = (borrow(&params), borrow(&headers));
        let a = CanonicalRequest::new(&r.method, &r.path, &p1, &h1);
        let b = CanonicalRequest::new(&r.method, &r.path, &p2, &h2);
        for s in [Selection::Exact, Selection::Sdk] {
            prop_assert_eq!(sign(&key, r.token.as_deref(), &a, s).to_string(), sign(&key, r.token.as_deref(), &b, s).to_string());
        }
    }

    /// `Sdk` signs exactly what `Exact` signs of the headers it selects, and
    /// its header list is part of `Exact`'s.
    #[test]
    fn sdk_selection_is_exact_on_the_selected_headers(r in request()) {
        let key = r.key();
        let (params, headers) = (r.params(), r.headers());
        let all = CanonicalRequest::new(&r.method, &r.path, &params, &headers);
        let kept: Vec<(&str, &str)> =
            headers.iter().copied().filter(|(n, _)| sdk_signs_header(n)).collect();
        prop_assert_eq!(
            kept.iter().map(|(n, _)| reference::sdk_signs(n)).collect::<Vec<_>>(),
            vec![true; kept.len()]
        );
        let filtered = CanonicalRequest::new(&r.method, &r.path, &params, &kept);
        let sdk = sign(&key, r.token.as_deref(), &all, Selection::Sdk);
        prop_assert_eq!(sdk.to_string(), sign(&key, r.token.as_deref(), &filtered, Selection::Exact).to_string());
        let exact = sign(&key, r.token.as_deref(), &all, Selection::Exact).to_string();
        let sdk = sdk.to_string();
        let sdk = Authorization::parse(&sdk).unwrap();
        let exact = Authorization::parse(&exact).unwrap();
        for n in sdk.header_names() {
            prop_assert!(exact.header_names().any(|e| e == n), "{} not in {}", n, exact.header_list());
        }
        prop_assert_eq!(sdk.url_param_list(), exact.url_param_list());
    }

    /// `Authorization` → parse → verify, and what breaks verification.
    #[test]
    fn authorization_parses_back_and_verifies(r in request(), extra in "\\PC{0,10}") {
        let key = r.key();
        let (params, headers) = (r.params(), r.headers());
        let req = CanonicalRequest::new(&r.method, &r.path, &params, &headers);
        let signed = sign(&key, r.token.as_deref(), &req, Selection::Exact);
        let text = signed.to_string();
        prop_assert_eq!(signed.authorization().len(), text.len());
        let mut short = vec![0u8; text.len() - 1];
        prop_assert_eq!(
            signed.authorization_to_slice(&mut short),
            Err(OutputError::BufferTooSmall { needed: text.len() })
        );
        let a = Authorization::parse(&text).unwrap();
        let kt = KeyTime::new(r.start, r.end).unwrap();
        prop_assert_eq!(a.secret_id(), r.id.as_str());
        prop_assert_eq!((a.sign_time(), a.key_time()), (kt, kt));
        prop_assert_eq!(a.signature(), signed.signature().as_str());
        prop_assert_eq!(a.header_names().count(), headers.len());
        prop_assert_eq!(a.param_names().count(), params.len());
        let cos = VerifyPolicy::COS;
        for now in [r.start, r.end, r.start / 2 + r.end / 2] {
            prop_assert_eq!(a.verify(&req, &r.secret, now, &cos), Ok(()));
        }
        if let Some(after) = r.end.checked_add(1) {
            prop_assert_eq!(a.verify(&req, &r.secret, after, &cos), Err(VerifyError::Expired));
        }
        // An unsigned extra header does not matter; a changed signed value does.
        let mut more = headers.clone();
        more.push(("X-Unsigned-Extra", extra.as_str()));
        let with_extra = CanonicalRequest::new(&r.method, &r.path, &params, &more);
        prop_assert_eq!(a.verify(&with_extra, &r.secret, r.start, &cos), Ok(()));
        if let Some((name, value)) = headers.first() {
            let changed = format!("{value}!");
            let mut h = headers.clone();
            h[0] = (name, changed.as_str());
            let tampered = CanonicalRequest::new(&r.method, &r.path, &params, &h);
            prop_assert_eq!(
                a.verify(&tampered, &r.secret, r.start, &cos),
                Err(VerifyError::SignatureMismatch)
            );
        }
        let moved = format!("{}/", r.path);
        let other_path = CanonicalRequest::new(&r.method, &moved, &params, &headers);
        prop_assert_eq!(
            a.verify(&other_path, &r.secret, r.start, &cos),
            Err(VerifyError::SignatureMismatch)
        );
    }

    /// The presigned query → `parse_presigned` gives the same fields, the
    /// token included, and verifies.
    #[test]
    fn presigned_query_parses_back(r in request()) {
        let key = r.key();
        let (params, headers) = (r.params(), r.headers());
        let req = CanonicalRequest::new(&r.method, &r.path, &params, &headers);
        let signed = sign(&key, r.token.as_deref(), &req, Selection::Exact);
        let mut q = String::new();
        signed.presigned_query().write_to(&mut q).unwrap();
        prop_assert_eq!(signed.presigned_query().len(), q.len());
        // The request's own parameters may come first.
        let url_query = format!("partNumber=1&{q}");
        let mut none = [0u8; 0];
        let needed = match Authorization::parse_presigned(&url_query, &mut none) {
            Err(tencent_cos_core::AuthorizationError::Output(OutputError::BufferTooSmall { needed })) => needed,
            other => panic!("{other:?}"),
        };
        let mut scratch = vec![0u8; needed];
        let p = Authorization::parse_presigned(&url_query, &mut scratch).unwrap();
        let h = signed.to_string();
        let a = Authorization::parse(&h).unwrap();
        prop_assert_eq!(p.secret_id(), a.secret_id());
        prop_assert_eq!(p.key_time(), a.key_time());
        prop_assert_eq!(p.sign_time(), a.sign_time());
        prop_assert_eq!(p.header_list(), a.header_list());
        prop_assert_eq!(p.url_param_list(), a.url_param_list());
        prop_assert_eq!(p.signature(), a.signature());
        prop_assert_eq!(p.security_token(), r.token.as_deref());
        prop_assert_eq!(p.verify(&req, &r.secret, r.end, &VerifyPolicy::COS), Ok(()));
    }
}

proptest! {
    /// `KeyTime` text round trip, and the window it describes.
    #[test]
    fn key_time_text_round_trips(a in any::<u64>(), b in any::<u64>(), now in any::<u64>()) {
        let kt = KeyTime::new(a.min(b), a.max(b)).unwrap();
        let text = kt.to_string();
        prop_assert_eq!(&text, &format!("{};{}", a.min(b), a.max(b)));
        prop_assert_eq!(KeyTime::parse(&text), Some(kt));
        prop_assert_eq!(kt.contains(now), (a.min(b)..=a.max(b)).contains(&now));
        prop_assert_eq!(KeyTime::new(a, b).is_ok(), a <= b);
        let from_now = KeyTime::from_now(a, b, now);
        match a.checked_add(b) {
            Some(end) => {
                let kt = from_now.unwrap();
                prop_assert_eq!((kt.start(), kt.end()), (a.saturating_sub(now), end));
            }
            None => prop_assert!(from_now.is_err()),
        }
    }
}
