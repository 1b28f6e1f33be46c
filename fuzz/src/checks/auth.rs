//! `auth`: `Authorization::parse` and `parse_presigned` on arbitrary text,
//! and `verify` on what they accept.
//!
//! A parsed value must be consistent (every field as documented), must
//! survive being written out canonically and parsed again, and its
//! `verify` must never panic. When the signed names it lists can be
//! turned back into a request, a reference signature for that request
//! must verify, and a wrong one must not. Pairs the lists do not name,
//! of any number and shape, never change a verdict (but the policy's:
//! STRICT refuses an unsigned `x-cos-*` header or param).

use super::input::Input;
use super::reference::{self, Request};
use tencent_cos_core::{
    Authorization, AuthorizationError, CanonicalRequest, KeyTime, OutputError, VerifyError,
    VerifyPolicy,
};

/// Pieces to splice into the text so that the fuzzer reaches past the
/// first field.
const PIECES: &[&str] = &[
    "q-sign-algorithm=sha1",
    "q-ak=AKIDx",
    "q-sign-time=1;2",
    "q-key-time=1;2",
    "q-sign-time=1%3B2",
    "q-key-time=1%3B2",
    "q-header-list=host;x-cos-a",
    "q-header-list=host%3Bx-cos-a",
    "q-header-list=",
    "q-url-param-list=",
    "q-url-param-list=a%7b;b",
    "q-url-param-list=a%257b%3Bb",
    "q-signature=0123456789abcdef0123456789abcdef01234567",
    "x-cos-security-token=tok%2Ben",
    "&",
    "=",
    ";",
    "%",
    "%3B",
];

/// One long text, or pieces and text glued together.
fn text(input: &mut Input<'_>) -> String {
    if input.bool() {
        return input.text(2000);
    }
    let mut s = String::new();
    for _ in 0..input.below(10) {
        if input.bool() {
            s.push_str(&input.word_or_text(PIECES, 40));
        } else {
            s.push_str(&input.text(60));
        }
        if input.bool() {
            s.push('&');
        }
    }
    s
}

/// A `;`-list is empty, or names of `[a-z0-9-_.~]` and `%` + two
/// lowercase hex digits, strictly ascending (any number of them).
fn valid_list(list: &str) -> bool {
    if list.is_empty() {
        return true;
    }
    let names: Vec<&str> = list.split(';').collect();
    let name_ok = |n: &str| {
        let b = n.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'%' {
                let ok = |c: Option<&u8>| c.is_some_and(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'));
                if !(ok(b.get(i + 1)) && ok(b.get(i + 2))) {
                    return false;
                }
                i += 3;
            } else {
                if !(b[i].is_ascii_lowercase()
                    || b[i].is_ascii_digit()
                    || matches!(b[i], b'-' | b'_' | b'.' | b'~'))
                {
                    return false;
                }
                i += 1;
            }
        }
        !b.is_empty()
    };
    names.iter().all(|n| name_ok(n)) && names.windows(2).all(|w| w[0] < w[1])
}

fn consistent(a: &Authorization<'_>) {
    assert!(!a.secret_id().is_empty());
    assert!(a.secret_id().bytes().all(|b| b.is_ascii_graphic()));
    for t in [a.sign_time(), a.key_time()] {
        assert!(t.start() <= t.end());
    }
    assert!(valid_list(a.header_list()), "{:?}", a.header_list());
    assert!(valid_list(a.url_param_list()), "{:?}", a.url_param_list());
    assert_eq!(
        a.header_names().collect::<Vec<_>>().join(";"),
        a.header_list()
    );
    assert_eq!(
        a.param_names().collect::<Vec<_>>().join(";"),
        a.url_param_list()
    );
    assert_eq!(a.signature().len(), 40);
    assert!(
        a.signature()
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    );
    if let Some(t) = a.security_token() {
        assert!(!t.is_empty() && !t.bytes().any(|b| b.is_ascii_control()));
    }
}

fn kt(t: KeyTime) -> String {
    format!("{};{}", t.start(), t.end())
}

/// The header form of `a`, fields in the usual order.
fn header_form(a: &Authorization<'_>) -> String {
    format!(
        "q-sign-algorithm=sha1&q-ak={}&q-sign-time={}&q-key-time={}&q-header-list={}\
         &q-url-param-list={}&q-signature={}",
        a.secret_id(),
        kt(a.sign_time()),
        kt(a.key_time()),
        a.header_list(),
        a.url_param_list(),
        a.signature()
    )
}

/// The presigned form of `a`, every value encoded.
fn presigned_form(a: &Authorization<'_>) -> String {
    let e = |s: &str| reference::encode(s.as_bytes());
    let mut q = format!(
        "q-sign-algorithm=sha1&q-ak={}&q-sign-time={}&q-key-time={}&q-header-list={}\
         &q-url-param-list={}&q-signature={}",
        e(a.secret_id()),
        e(&kt(a.sign_time())),
        e(&kt(a.key_time())),
        e(a.header_list()),
        e(a.url_param_list()),
        a.signature()
    );
    if let Some(t) = a.security_token() {
        q.push_str(&format!("&x-cos-security-token={}", e(t)));
    }
    q
}

/// Same fields (the header form has no token).
fn same(a: &Authorization<'_>, b: &Authorization<'_>, token: bool) {
    assert_eq!(a.secret_id(), b.secret_id());
    assert_eq!(a.sign_time(), b.sign_time());
    assert_eq!(a.key_time(), b.key_time());
    assert_eq!(a.header_list(), b.header_list());
    assert_eq!(a.url_param_list(), b.url_param_list());
    assert_eq!(a.signature(), b.signature());
    if token {
        assert_eq!(a.security_token(), b.security_token());
    }
}

/// Names of pairs nobody signs, of every shape a gateway receives.
const UNSIGNED_NAMES: &[&str] = &[
    "User-Agent",
    "X-Custom",
    "accept",
    "Accept-Encoding",
    "a b",
    "x(y)",
    "",
    "?&=x",
    "é",
    "Authorization",
    "Host",
    "x-cos-meta-unsigned",
    "Content-Type",
];
const UNSIGNED_VALUES: &[&str] = &[
    "",
    "curl/8.5.0 (x86_64-pc-linux-gnu) libcurl/8.5.0",
    "a(b)",
    "a\r\nb",
    "\0",
    "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0",
    "腾讯",
];

/// Up to 120 pairs, none of which `list` names.
fn unsigned_pairs(input: &mut Input<'_>, list: &str) -> Vec<(String, String)> {
    let n = match input.byte() {
        0..=199 => input.below(4),
        _ => 100 + input.below(21),
    };
    let signed: Vec<&str> = list.split(';').collect();
    (0..n)
        .map(|_| {
            (
                input.word_or_text(UNSIGNED_NAMES, 20),
                input.word_or_text(UNSIGNED_VALUES, 40),
            )
        })
        .filter(|(name, _)| {
            !signed.contains(
                &reference::encode(name.as_bytes())
                    .to_ascii_lowercase()
                    .as_str(),
            )
        })
        .collect()
}

/// Whether STRICT wants a header of this name signed when present.
fn strict_wants(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.starts_with("x-cos-") || ["content-type", "content-length", "content-md5"].contains(&&*n)
}

/// Pairs nobody signed, to append to a request's headers and to its
/// params.
struct Unsigned {
    headers: Vec<(String, String)>,
    params: Vec<(String, String)>,
}

fn borrowed(p: &[(String, String)]) -> Vec<(&str, &str)> {
    p.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect()
}

/// `verify` of `request` with unsigned pairs appended to its headers (or
/// its params) equals `verify` of `request` under every policy that does
/// not look at unsigned pairs of that kind (indices of errors are
/// unchanged: the pairs come after the request's own).
#[allow(clippy::too_many_arguments)]
fn unsigned_pairs_change_nothing(
    a: &Authorization<'_>,
    method: &str,
    path: &str,
    p: &[(&str, &str)],
    h: &[(&str, &str)],
    extra: &Unsigned,
    secret: &str,
    now: u64,
) {
    let request = CanonicalRequest::new(method, path, p, h);
    let (extra_h, extra_p) = (borrowed(&extra.headers), borrowed(&extra.params));
    let more_headers: Vec<(&str, &str)> = h.iter().chain(&extra_h).copied().collect();
    let more_params: Vec<(&str, &str)> = p.iter().chain(&extra_p).copied().collect();
    let with_headers = CanonicalRequest::new(method, path, p, &more_headers);
    let with_params = CanonicalRequest::new(method, path, &more_params, h);
    let host_only = VerifyPolicy::COS.with_required_headers(&["host"]);
    // STRICT wants these signed: the first of them is named.
    let strict_header = extra_h.iter().position(|(n, _)| strict_wants(n));
    let fields = [
        "q-sign-algorithm",
        "q-ak",
        "q-sign-time",
        "q-key-time",
        "q-header-list",
        "q-url-param-list",
        "q-signature",
        "x-cos-security-token",
    ];
    let strict_param = extra_p
        .iter()
        .position(|(n, _)| !(a.is_presigned() && fields.contains(n)));
    for policy in [VerifyPolicy::COS, host_only, VerifyPolicy::STRICT] {
        let before = a.verify(&request, secret, now, &policy);
        let strict = policy == VerifyPolicy::STRICT;
        // What adding the pairs gives: `before`, but where STRICT wants one
        // of them signed; then, if all else held, that one is named.
        let expect = |got: Result<(), VerifyError>, wanted: Option<usize>, err: VerifyError| match (
            strict, wanted,
        ) {
            (true, Some(_)) if before.is_ok() => assert_eq!(got, Err(err)),
            (true, Some(_)) => {}
            _ => assert_eq!(got, before, "{policy:?}: {extra_h:?} {extra_p:?}"),
        };
        let index = h.len() + strict_header.unwrap_or(0);
        let headers = a.verify(&with_headers, secret, now, &policy);
        expect(
            headers,
            strict_header,
            VerifyError::HeaderUnsigned { index },
        );
        let index = p.len() + strict_param.unwrap_or(0);
        let params = a.verify(&with_params, secret, now, &policy);
        expect(params, strict_param, VerifyError::ParamUnsigned { index });
    }
}

/// Verifies a request rebuilt from the signed names of `a`.
fn verify_rebuilt(a: &Authorization<'_>, input: &mut Input<'_>) {
    let secret = input.word_or_text(&["BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz", "", " s"], 30);
    let method = input.word_or_text(&["PUT", "get", "B D"], 6);
    let path = input.text(40);
    let decoded = |n: &str| {
        String::from_utf8(reference::decode(n).expect("checked list")).unwrap_or_default()
    };
    let headers: Vec<(String, String)> = a
        .header_names()
        .map(|n| (decoded(n), input.text(20)))
        .collect();
    let params: Vec<(String, String)> = a
        .param_names()
        .map(|n| (decoded(n), input.text(20)))
        .collect();
    let h: Vec<(&str, &str)> = headers
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let p: Vec<(&str, &str)> = params
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let request = CanonicalRequest::new(&method, &path, &p, &h);
    let now = a.key_time().start();
    let policy = if input.bool() {
        VerifyPolicy::STRICT
    } else {
        VerifyPolicy::COS
    };
    // Whatever the request, no panic.
    let got = a.verify(&request, &secret, now, &policy);
    if got.is_ok() {
        // Possible only by a 2^-160 accident, or if the text held the
        // right signature: then the reference must agree.
        let want = reference::sign(&Request {
            method: &method,
            path: &path,
            params: &p,
            headers: &h,
            secret_id: a.secret_id(),
            secret_key: &secret,
            token: None,
            start: a.key_time().start(),
            end: a.key_time().end(),
        });
        assert_eq!(want.signature, a.signature());
    }
    let extra = Unsigned {
        headers: unsigned_pairs(input, a.header_list()),
        params: unsigned_pairs(input, a.url_param_list()),
    };
    unsigned_pairs_change_nothing(a, &method, &path, &p, &h, &extra, &secret, now);

    // When the names come back exactly, and the request is signable, the
    // reference signature for it must verify.
    let names_back = |pairs: &[(&str, &str)], list: &str| {
        pairs
            .iter()
            .map(|(n, _)| reference::encode(n.as_bytes()).to_ascii_lowercase())
            .collect::<Vec<_>>()
            .join(";")
            == list
    };
    let signable = reference::expected_sign_error(&method, &p, &h, false).is_none();
    let secret_ok = !secret.is_empty() && secret.trim() == secret;
    if a.sign_time() != a.key_time()
        || !names_back(&p, a.url_param_list())
        || !names_back(&h, a.header_list())
        || !signable
        || !secret_ok
    {
        return;
    }
    let want = reference::sign(&Request {
        method: &method,
        path: &path,
        params: &p,
        headers: &h,
        secret_id: a.secret_id(),
        secret_key: &secret,
        token: None,
        start: a.key_time().start(),
        end: a.key_time().end(),
    });
    let text = header_form(a).replace(
        &format!("q-signature={}", a.signature()),
        &format!("q-signature={}", want.signature),
    );
    let good = Authorization::parse(&text).expect("same fields");
    let (start, end) = (a.key_time().start(), a.key_time().end());
    let expected = if policy
        .max_lifetime
        .is_some_and(|max| end - start > u64::from(max))
    {
        Err(VerifyError::LifetimeTooLong)
    } else if policy
        .required_headers
        .iter()
        .any(|r| !a.header_names().any(|n| n == *r))
    {
        Err(VerifyError::RequiredHeaderUnsigned { index: 0 })
    } else {
        Ok(())
    };
    assert_eq!(good.verify(&request, &secret, now, &policy), expected);
    // The pairs nobody signed change nothing here either: a request
    // verifies with any number of them, of any shape, in any policy that
    // does not ask for them to be signed.
    unsigned_pairs_change_nothing(&good, &method, &path, &p, &h, &extra, &secret, now);
}

/// Runs the check on one input.
pub fn check(data: &[u8]) {
    let mut input = Input::new(data);
    let header_text = text(&mut input);
    let query_text = text(&mut input);
    let scratch_len = input.below(300);

    if let Ok(a) = Authorization::parse(&header_text) {
        consistent(&a);
        let again = header_form(&a);
        same(
            &a,
            &Authorization::parse(&again).expect("canonical form"),
            true,
        );
        let q = presigned_form(&a);
        let mut scratch = vec![0u8; q.len()];
        let p = Authorization::parse_presigned(&q, &mut scratch).expect("presigned form");
        same(&a, &p, true);
        verify_rebuilt(&a, &mut input);
    }

    let mut scratch = vec![0u8; scratch_len];
    match Authorization::parse_presigned(&query_text, &mut scratch) {
        Ok(a) => {
            consistent(&a);
            let again = header_form(&a);
            same(
                &a,
                &Authorization::parse(&again).expect("header form"),
                false,
            );
            let q = presigned_form(&a);
            let mut scratch = vec![0u8; q.len()];
            let b = Authorization::parse_presigned(&q, &mut scratch).expect("canonical form");
            same(&a, &b, true);
            verify_rebuilt(&a, &mut input);
        }
        Err(AuthorizationError::Output(OutputError::BufferTooSmall { needed })) => {
            assert!(needed > scratch_len);
            // With the length asked for, the scratch is no longer the
            // problem.
            let mut scratch = vec![0u8; needed];
            let r = Authorization::parse_presigned(&query_text, &mut scratch);
            assert!(
                !matches!(r, Err(AuthorizationError::Output(_))),
                "{query_text:?}: {needed} was not enough: {r:?}"
            );
        }
        Err(_) => {}
    }
}
