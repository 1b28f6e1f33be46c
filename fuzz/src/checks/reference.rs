//! A straightforward signer written from the spec
//! (`shared/reference/cos-signature.md`) with `String`, `format!`, a sorted
//! `Vec` and the `hmac`/`sha1` crates: the oracle the crate's streaming,
//! allocation-free signer is compared with. It also says which inputs the
//! crate must refuse, and with which error.

use hmac::{KeyInit, Mac};
use sha1::{Digest, Sha1};
use tencent_cos_core::{CredentialsError, PairKind, SignError};

/// `E(s)`: keep `A-Z a-z 0-9 - _ . ~`, every other byte as `%XX` (uppercase).
pub fn encode(s: &[u8]) -> String {
    let mut out = String::new();
    for &b in s {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Percent-decodes `s`; `None` on a bad escape.
pub fn decode(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            if !hex.bytes().all(|c| c.is_ascii_hexdigit()) {
                return None;
            }
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Some(out)
}

fn hmac_sha1(key: &[u8], msg: &[u8]) -> [u8; 20] {
    let mut m = hmac::Hmac::<Sha1>::new_from_slice(key).expect("HMAC takes any key");
    m.update(msg);
    m.finalize().into_bytes().into()
}

/// Every stage of one signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// `hex(HMAC-SHA1(SecretKey, KeyTime))`.
    pub sign_key: String,
    /// The canonical request.
    pub http_string: String,
    /// `sha1\nKeyTime\nhex(SHA1(HttpString))\n`.
    pub string_to_sign: String,
    /// 40 lowercase hex digits.
    pub signature: String,
    /// Signed header names, `;`-joined.
    pub header_list: String,
    /// Signed parameter names, `;`-joined.
    pub param_list: String,
    /// The `Authorization` value.
    pub authorization: String,
    /// The presigned-URL query.
    pub presigned: String,
}

/// The header names the official SDKs sign.
pub fn sdk_signs(name: &str) -> bool {
    const LIST: [&str; 17] = [
        "cache-control",
        "content-disposition",
        "content-encoding",
        "content-length",
        "content-md5",
        "content-type",
        "expect",
        "expires",
        "host",
        "if-match",
        "if-modified-since",
        "if-none-match",
        "if-unmodified-since",
        "origin",
        "range",
        "transfer-encoding",
        "pic-operations",
    ];
    let lower = name.to_ascii_lowercase();
    lower.starts_with("x-cos-") || lower.starts_with("x-ci-") || LIST.contains(&lower.as_str())
}

/// `(name "=" value joined by "&", names joined by ";")` of the pairs,
/// each `(lower(E(name)), E(value))`, sorted by the encoded name.
fn canonical(pairs: &[(&str, &str)]) -> (String, String) {
    let mut v: Vec<(String, String)> = pairs
        .iter()
        .map(|(n, v)| {
            (
                encode(n.as_bytes()).to_ascii_lowercase(),
                encode(v.as_bytes()),
            )
        })
        .collect();
    v.sort();
    let joined = v
        .iter()
        .map(|(n, v)| format!("{n}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let names = v
        .iter()
        .map(|(n, _)| n.as_str())
        .collect::<Vec<_>>()
        .join(";");
    (joined, names)
}

/// A request and its credentials, as the spec takes them.
pub struct Request<'a> {
    /// Any case.
    pub method: &'a str,
    /// Decoded path, verbatim.
    pub path: &'a str,
    /// Signed parameters.
    pub params: &'a [(&'a str, &'a str)],
    /// Signed headers.
    pub headers: &'a [(&'a str, &'a str)],
    /// `q-ak`.
    pub secret_id: &'a str,
    /// The SecretKey.
    pub secret_key: &'a str,
    /// Security token (presigned form only).
    pub token: Option<&'a str>,
    /// Window start.
    pub start: u64,
    /// Window end.
    pub end: u64,
}

/// Signs `r` exactly as the spec says.
pub fn sign(r: &Request<'_>) -> Reference {
    let key_time = format!("{};{}", r.start, r.end);
    let sign_key = hex::encode(hmac_sha1(r.secret_key.as_bytes(), key_time.as_bytes()));
    let (params, param_list) = canonical(r.params);
    let (headers, header_list) = canonical(r.headers);
    let http_string = format!(
        "{}\n{}\n{params}\n{headers}\n",
        r.method.to_ascii_lowercase(),
        r.path
    );
    let string_to_sign = format!(
        "sha1\n{key_time}\n{}\n",
        hex::encode(Sha1::digest(http_string.as_bytes()))
    );
    let signature = hex::encode(hmac_sha1(sign_key.as_bytes(), string_to_sign.as_bytes()));
    let authorization = format!(
        "q-sign-algorithm=sha1&q-ak={}&q-sign-time={key_time}&q-key-time={key_time}\
         &q-header-list={header_list}&q-url-param-list={param_list}&q-signature={signature}",
        r.secret_id
    );
    let e = |s: &str| encode(s.as_bytes());
    let mut presigned = format!(
        "q-sign-algorithm=sha1&q-ak={}&q-sign-time={}&q-key-time={}\
         &q-header-list={}&q-url-param-list={}&q-signature={signature}",
        e(r.secret_id),
        e(&key_time),
        e(&key_time),
        e(&header_list),
        e(&param_list),
    );
    if let Some(t) = r.token {
        presigned.push_str(&format!("&x-cos-security-token={}", e(t)));
    }
    Reference {
        sign_key,
        http_string,
        string_to_sign,
        signature,
        header_list,
        param_list,
        authorization,
        presigned,
    }
}

/// RFC 9110 `tchar`.
pub fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// A non-empty run of `tchar`s.
pub fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_tchar)
}

/// The index of the first name that repeats an earlier one, compared
/// ASCII-lowercased (which is what equal `lower(E(name))` means).
fn first_duplicate(names: &[&str]) -> Option<usize> {
    (0..names.len()).find(|&i| names[..i].iter().any(|n| n.eq_ignore_ascii_case(names[i])))
}

/// The error the crate must give for this request, in the order its
/// checks run (method, params, each selected header in turn, duplicate
/// params, duplicate selected headers); `None` if it must sign it. Any
/// number of pairs is signed; a header that is not selected is not
/// checked.
pub fn expected_sign_error(
    method: &str,
    params: &[(&str, &str)],
    headers: &[(&str, &str)],
    sdk: bool,
) -> Option<SignError> {
    if !is_token(method) {
        return Some(SignError::InvalidMethod);
    }
    if let Some(index) = params.iter().position(|(n, _)| n.is_empty()) {
        return Some(SignError::EmptyName {
            kind: PairKind::Param,
            index,
        });
    }
    for (index, (n, v)) in headers.iter().enumerate() {
        if sdk && !sdk_signs(n) {
            continue;
        }
        if n.is_empty() {
            return Some(SignError::EmptyName {
                kind: PairKind::Header,
                index,
            });
        }
        if !is_token(n) {
            return Some(SignError::InvalidHeaderName { index });
        }
        if v.bytes().any(|b| matches!(b, b'\r' | b'\n' | 0)) {
            return Some(SignError::InvalidHeaderValue { index });
        }
    }
    let names: Vec<&str> = params.iter().map(|p| p.0).collect();
    if let Some(index) = first_duplicate(&names) {
        return Some(SignError::DuplicateName {
            kind: PairKind::Param,
            index,
        });
    }
    // Only the selected headers are compared; the index is the position in
    // the caller's slice.
    let selected: Vec<(usize, &str)> = headers
        .iter()
        .enumerate()
        .filter(|(_, (n, _))| !sdk || sdk_signs(n))
        .map(|(i, (n, _))| (i, *n))
        .collect();
    let names: Vec<&str> = selected.iter().map(|s| s.1).collect();
    if let Some(k) = first_duplicate(&names) {
        return Some(SignError::DuplicateName {
            kind: PairKind::Header,
            index: selected[k].0,
        });
    }
    None
}

/// The error `Credentials::new` / `with_token` must give.
pub fn expected_credentials_error(
    id: &str,
    key: &str,
    token: Option<&str>,
) -> Option<CredentialsError> {
    if id.is_empty() {
        return Some(CredentialsError::EmptySecretId);
    }
    if !id.bytes().all(|b| b.is_ascii_graphic() && b != b'&') {
        return Some(CredentialsError::InvalidSecretId);
    }
    if key.is_empty() {
        return Some(CredentialsError::EmptySecretKey);
    }
    if key.trim() != key {
        return Some(CredentialsError::SecretKeyWhitespace);
    }
    let t = token?;
    if t.is_empty() {
        return Some(CredentialsError::EmptyToken);
    }
    if t.trim() != t {
        return Some(CredentialsError::TokenWhitespace);
    }
    if t.bytes().any(|b| b.is_ascii_control()) {
        return Some(CredentialsError::InvalidToken);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The spec's vector `upc_minimal` (the README's example).
    #[test]
    fn reproduces_a_published_vector() {
        let r = sign(&Request {
            method: "PUT",
            path: "/dest/big-file.bin",
            params: &[
                ("partNumber", "1"),
                (
                    "uploadId",
                    "1585130821cbb7df1d11846c073ad648e8f33b087cec2381df437acdc833cf654b9ecc6361",
                ),
            ],
            headers: &[
                (
                    "Host",
                    "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com",
                ),
                (
                    "x-cos-copy-source",
                    "sourcebucket-1250000000.cos.ap-guangzhou.myqcloud.com/source/big-file.bin",
                ),
                ("x-cos-copy-source-range", "bytes=0-1048575"),
            ],
            secret_id: "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q",
            secret_key: "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz",
            token: None,
            start: 1_700_000_000,
            end: 1_700_003_600,
        });
        assert_eq!(r.signature, "c97446ad4e77ed2d6113e295d9abc0a0756607d2");
        assert_eq!(
            r.header_list,
            "host;x-cos-copy-source;x-cos-copy-source-range"
        );
        assert_eq!(encode("a b/~*".as_bytes()), "a%20b%2F~%2A");
        assert_eq!(decode("a%2Fb%7e"), Some(b"a/b~".to_vec()));
        assert_eq!(decode("%4"), None);
    }
}
