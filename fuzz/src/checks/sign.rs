//! `sign`: arbitrary requests and credentials.
//!
//! Whatever the crate accepts must sign exactly as the spec's reference
//! signer does, at every stage; what it refuses must be refused for the
//! reason the spec gives (the reference predicts the exact error). The
//! outputs must be well formed: exact lengths, a too-small buffer is an
//! error, two signings agree, the `Authorization` and the presigned query
//! parse back to the same fields and verify.

use super::input::Input;
use super::reference::{self, Request};
use tencent_cos_core::Output;
use tencent_cos_core::{
    Authorization, CanonicalRequest, Credentials, KeyTime, OutputError, Selection, SignError,
    Signer, SigningKey, VerifyError, VerifyPolicy,
};

const METHODS: &[&str] = &[
    "PUT", "put", "GET", "Post", "DELETE", "HEAD", "", "G T", "GE\u{e9}",
];
const NAMES: &[&str] = &[
    "Host",
    "host",
    "HOST",
    "x-cos-meta-a",
    "X-COS-META-A",
    "x-cos-copy-source",
    "x-cos-security-token",
    "x-ci-x",
    "Content-Length",
    "content-type",
    "Date",
    "User-Agent",
    "Range",
    "uploads",
    "partNumber",
    "uploadId",
    "a",
    "A",
    "a{",
    "az",
    "a b",
    "",
    "x-cos-",
    "%41",
    "腾讯",
];
const VALUES: &[&str] = &[
    "",
    "1",
    "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com",
    "a b+c/d~e*f%g",
    "bytes=0-1048575",
    " padded ",
    "a\rb",
    "a\nb",
    "a\0b",
    "腾讯云",
];
const IDS: &[&str] = &[
    "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q",
    "AKID=x;y%z",
    "",
    "AK ID",
    "AK&ID",
    "AKIDé",
];
const KEYS: &[&str] = &[
    "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz",
    "k",
    "",
    " k",
    "k\t",
    "k\u{3000}",
];

/// Up to 12 pairs, or (rarely) about as many as an index array of the
/// signer holds (32 params, 96 headers), past which it orders by search.
fn pairs(input: &mut Input<'_>) -> Vec<(String, String)> {
    let n = match input.byte() {
        250..=252 => 31 + input.below(4),
        253..=255 => 95 + input.below(4),
        b => usize::from(b % 13),
    };
    (0..n)
        .map(|_| {
            (
                input.word_or_text(NAMES, 64),
                input.word_or_text(VALUES, 600),
            )
        })
        .collect()
}

fn borrow(p: &[(String, String)]) -> Vec<(&str, &str)> {
    p.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect()
}

/// Runs the check on one input.
pub fn check(data: &[u8]) {
    let mut input = Input::new(data);
    let method = input.word_or_text(METHODS, 12);
    let path = input.text(900);
    let params = pairs(&mut input);
    let headers = pairs(&mut input);
    let id = input.word_or_text(IDS, 40);
    let secret = input.word_or_text(KEYS, 300);
    let token = input.bool().then(|| input.text(200));
    let (start, end) = (input.number(), input.number());

    let creds = match &token {
        Some(t) => Credentials::with_token(&id, &secret, t),
        None => Credentials::new(&id, &secret),
    };
    assert_eq!(
        creds.err(),
        reference::expected_credentials_error(&id, &secret, token.as_deref()),
        "credentials {id:?} {secret:?} {token:?}"
    );
    // Refused credentials: carry on with good ones, to reach the signer.
    let (id, secret, token) = match creds {
        Ok(_) => (id, secret, token),
        Err(_) => (IDS[0].to_string(), KEYS[0].to_string(), None),
    };
    let creds = match &token {
        Some(t) => Credentials::with_token(&id, &secret, t),
        None => Credentials::new(&id, &secret),
    }
    .expect("checked above");

    assert_eq!(KeyTime::new(start, end).is_err(), start > end);
    let (start, end) = (start.min(end), start.max(end));
    let key_time = KeyTime::new(start, end).expect("ordered");
    let key = SigningKey::new(&creds, key_time);
    assert_eq!(key.needs_token(), token.is_some());
    let signer = key.signer(creds.security_token()).expect("checked above");

    let (params, headers) = (borrow(&params), borrow(&headers));
    let request = CanonicalRequest::new(&method, &path, &params, &headers);
    for selection in [Selection::Exact, Selection::Sdk] {
        let sdk = selection == Selection::Sdk;
        let expected = reference::expected_sign_error(&method, &params, &headers, sdk);
        if token.is_some() {
            // A key of temporary credentials signs only with its token, or
            // a request that carries the token itself (header or param).
            let carried = params
                .iter()
                .chain(headers.iter())
                .any(|(n, _)| n.eq_ignore_ascii_case("x-cos-security-token"));
            let bare = key.sign(&request, selection).err();
            if carried {
                assert_eq!(bare, expected, "{request:?} carrying its token");
            } else {
                assert_eq!(bare, Some(SignError::MissingToken));
            }
        }
        match signer.sign(&request, selection) {
            Err(e) => assert_eq!(Some(e), expected, "{request:?} refused"),
            Ok(signed) => {
                assert_eq!(expected, None, "{request:?} accepted");
                let selected: Vec<(&str, &str)> = headers
                    .iter()
                    .copied()
                    .filter(|(n, _)| !sdk || reference::sdk_signs(n))
                    .collect();
                let want = reference::sign(&Request {
                    method: &method,
                    path: &path,
                    params: &params,
                    headers: &selected,
                    secret_id: &id,
                    secret_key: &secret,
                    token: token.as_deref(),
                    start,
                    end,
                });
                check_signed(signer, &request, selection, &signed, &want, &secret);
            }
        }
    }
}

fn check_signed(
    signer: Signer<'_>,
    request: &CanonicalRequest<'_>,
    selection: Selection,
    signed: &tencent_cos_core::Signed<'_>,
    want: &reference::Reference,
    secret: &str,
) {
    let key = signer.key();
    // Every stage equals the reference.
    assert_eq!(key.sign_key(), want.sign_key);
    let mut http = String::new();
    request
        .http_string(selection)
        .and_then(|t| Ok(t.write_to(&mut http)?))
        .expect("signable");
    assert_eq!(http, want.http_string);
    let mut sts = String::new();
    request
        .string_to_sign(selection, key.key_time())
        .and_then(|t| Ok(t.write_to(&mut sts)?))
        .expect("signable");
    assert_eq!(sts, want.string_to_sign);
    assert_eq!(signed.signature().as_str(), want.signature);
    assert!(signed.signature().ct_eq(want.signature.as_bytes()));
    let auth = signed.to_string();
    assert_eq!(auth, want.authorization);

    // Exact lengths; a buffer one byte short is an error naming the length.
    assert_eq!(signed.authorization().len(), auth.len());
    let mut buf = vec![0u8; auth.len()];
    assert_eq!(signed.authorization_to_slice(&mut buf), Ok(auth.as_str()));
    let mut short = vec![0u8; auth.len() - 1];
    assert_eq!(
        signed.authorization_to_slice(&mut short),
        Err(OutputError::BufferTooSmall { needed: auth.len() })
    );
    let mut query = String::new();
    signed
        .presigned_query()
        .write_to(&mut query)
        .expect("String");
    assert_eq!(query, want.presigned);
    assert_eq!(signed.presigned_query().len(), query.len());
    let mut buf = vec![0u8; query.len()];
    assert_eq!(
        signed.presigned_query().to_slice(&mut buf),
        Ok(query.as_str())
    );

    // Deterministic: again with the same key, with a fresh one, and with
    // another key refreshed in place to these credentials and window.
    let again = signer.sign(request, selection).expect("signed once");
    assert_eq!(again.to_string(), auth);
    let creds = match signer.security_token() {
        Some(t) => Credentials::with_token(key.secret_id(), secret, t),
        None => Credentials::new(key.secret_id(), secret),
    }
    .expect("valid");
    let fresh = SigningKey::new(&creds, key.key_time());
    let mut refreshed = SigningKey::new(
        &Credentials::with_token("AKIDother", "other", "other-token").expect("valid"),
        KeyTime::new(0, 1).expect("ordered"),
    );
    refreshed.refresh(&creds, key.key_time());
    for k in [&fresh, &refreshed] {
        let s = k.signer(creds.security_token()).expect("same token");
        assert_eq!(s.sign(request, selection).expect("same").to_string(), auth);
        assert_eq!(k.sign_key(), key.sign_key());
    }

    // The Authorization parses back to the same fields and verifies.
    let parsed = Authorization::parse(&auth).expect("own output parses");
    let kt = key.key_time();
    assert_eq!(parsed.secret_id(), key.secret_id());
    assert_eq!((parsed.sign_time(), parsed.key_time()), (kt, kt));
    assert_eq!(parsed.header_list(), want.header_list);
    assert_eq!(parsed.url_param_list(), want.param_list);
    assert_eq!(parsed.signature(), want.signature);
    assert_eq!(parsed.security_token(), None);
    assert_eq!(
        parsed.header_names().collect::<Vec<_>>().join(";"),
        want.header_list
    );
    let cos = VerifyPolicy::COS;
    assert_eq!(parsed.verify(request, secret, kt.start(), &cos), Ok(()));
    assert_eq!(parsed.verify(request, secret, kt.end(), &cos), Ok(()));
    if let Some(after) = kt.end().checked_add(1) {
        assert_eq!(
            parsed.verify(request, secret, after, &cos),
            Err(VerifyError::Expired)
        );
    }
    if let Some(before) = kt.start().checked_sub(1) {
        assert_eq!(
            parsed.verify(request, secret, before, &cos),
            Err(VerifyError::NotYetValid)
        );
    }
    // Every param is signed, and so is every header STRICT wants signed
    // when present (with `Sdk` too: its selection covers them).
    let strict = parsed.verify(request, secret, kt.start(), &VerifyPolicy::STRICT);
    if VerifyPolicy::STRICT
        .max_lifetime
        .is_some_and(|max| kt.end() - kt.start() > u64::from(max))
    {
        assert_eq!(strict, Err(VerifyError::LifetimeTooLong));
    } else if parsed.header_names().any(|n| n == "host") {
        assert_eq!(strict, Ok(()));
    } else {
        assert_eq!(
            strict,
            Err(VerifyError::RequiredHeaderUnsigned { index: 0 })
        );
    }
    // Another secret, or another signature, does not verify.
    let other = format!("{secret}x");
    assert_eq!(
        parsed.verify(request, &other, kt.start(), &cos),
        Err(VerifyError::SignatureMismatch)
    );
    let flipped = if want.signature.starts_with('0') {
        "1"
    } else {
        "0"
    };
    let tampered = auth.replace(
        &format!("q-signature={}", want.signature),
        &format!("q-signature={flipped}{}", &want.signature[1..]),
    );
    let tampered = Authorization::parse(&tampered).expect("still well formed");
    assert_eq!(
        tampered.verify(request, secret, kt.start(), &cos),
        Err(VerifyError::SignatureMismatch)
    );

    // The presigned query parses back too, token included.
    let mut scratch = vec![0u8; query.len()];
    let p = Authorization::parse_presigned(&query, &mut scratch).expect("own query parses");
    assert_eq!(p.secret_id(), key.secret_id());
    assert_eq!((p.sign_time(), p.key_time()), (kt, kt));
    assert_eq!(p.header_list(), want.header_list);
    assert_eq!(p.url_param_list(), want.param_list);
    assert_eq!(p.signature(), want.signature);
    assert_eq!(p.security_token(), signer.security_token());
    assert_eq!(p.verify(request, secret, kt.start(), &cos), Ok(()));
}
