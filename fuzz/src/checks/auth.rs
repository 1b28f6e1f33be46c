//! `auth`: `Authorization::parse` and `parse_presigned` on arbitrary text,
//! and `verify` on what they accept.
//!
//! A parsed value must be consistent (every field as documented), must
//! survive being written out canonically and parsed again, and its
//! `verify` must never panic. When the signed names it lists can be
//! turned back into a request, a reference signature for that request
//! must verify, and a wrong one must not.

use super::input::Input;
use super::reference::{self, Request};
use tencent_cos_core::{
    Authorization, AuthorizationError, CanonicalRequest, KeyTime, MAX_PAIRS, OutputError,
    VerifyError, VerifyPolicy,
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
/// lowercase hex digits, strictly ascending, at most [`MAX_PAIRS`].
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
    names.len() <= MAX_PAIRS
        && names.iter().all(|n| name_ok(n))
        && names.windows(2).all(|w| w[0] < w[1])
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
    let required_ok = !policy
        .required_headers
        .iter()
        .any(|r| !a.header_names().any(|n| n == *r));
    let expected = if required_ok {
        Ok(())
    } else {
        Err(VerifyError::RequiredHeaderUnsigned { index: 0 })
    };
    assert_eq!(good.verify(&request, &secret, now, &policy), expected);
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
