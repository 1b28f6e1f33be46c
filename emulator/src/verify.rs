//! Every request's signature, verified with the crate as COS verifies it,
//! and the answers COS gives when it does not hold.

use crate::Shared;
use crate::http::Request;
use crate::reply::{Failure, fail};
use std::fmt::Write as _;
use tencent_cos_core::{Authorization, CanonicalRequest, Selection, VerifyError};

/// The fields of a presigned URL's query.
const PRESIGN_FIELDS: [&str; 7] = [
    "q-sign-algorithm",
    "q-ak",
    "q-sign-time",
    "q-key-time",
    "q-header-list",
    "q-url-param-list",
    "q-signature",
];

const TOKEN: &str = "x-cos-security-token";

/// Whether a query parameter of this name belongs to the authorization
/// rather than to the request (the `q-*` fields and the token).
pub(crate) fn is_auth_param(name: &str) -> bool {
    PRESIGN_FIELDS.contains(&name) || name == TOKEN
}

/// `lowercase(E(name))`, as names appear in the signed lists.
fn signed_name(name: &str) -> String {
    let mut out = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b.to_ascii_lowercase() as char);
        } else {
            let _ = write!(out, "%{b:02x}");
        }
    }
    out
}

/// The pairs the names of a signed list name, in the list's order.
fn pick<'p, 'n>(
    pairs: &[(&'p str, &'p str)],
    names: impl Iterator<Item = &'n str>,
) -> Vec<(&'p str, &'p str)> {
    names
        .filter_map(|name| pairs.iter().find(|(n, _)| signed_name(n) == name).copied())
        .collect()
}

/// `The difference between the request time and the server's time is too
/// large.`: COS's answer to a window that has not started yet.
pub(crate) const SKEWED: &str =
    "The difference between the request time and the server's time is too large.";

impl Shared {
    /// Checks the signature and the token; the error answer if they fail.
    pub(crate) fn authenticate(&self, req: &Request, now: u64) -> Result<(), Failure> {
        let denied = |m: &str| fail(403, "AccessDenied", m);
        let header = req.header("authorization");
        let presigned = header.is_none() && req.has("q-signature");
        let mut scratch = vec![0u8; req.raw_query.len()];
        let auth = match header {
            Some(value) => Authorization::parse(value),
            None if presigned => Authorization::parse_presigned(&req.raw_query, &mut scratch),
            None => return Err(denied("Access Denied.")),
        }
        .map_err(|e| denied(&format!("invalid authorization: {e}")))?;
        let account = self
            .config
            .accounts
            .iter()
            .find(|a| a.secret_id == auth.secret_id())
            .ok_or_else(|| {
                fail(
                    403,
                    "InvalidAccessKeyId",
                    "The Access Key Id you provided does not exist in our records.",
                )
            })?;
        // The token: a header, a presigned field, or a (signed) parameter.
        let token = req
            .header(TOKEN)
            .or(auth.security_token())
            .or(req.param(TOKEN).filter(|_| presigned));
        if account.token.as_deref() != token {
            return Err(fail(
                403,
                "InvalidAccessKeyId",
                "The security token is missing or invalid.",
            ));
        }
        // The request's own params: a presigned URL's fields are not part
        // of it, nor its token unless the token was signed as a param.
        let token_signed = auth.param_names().any(|n| n == TOKEN);
        let params: Vec<(&str, &str)> = req
            .params
            .iter()
            .filter(|(n, _)| {
                !presigned
                    || !(PRESIGN_FIELDS.contains(&n.as_str()) || (n == TOKEN && !token_signed))
            })
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let headers: Vec<(&str, &str)> = req
            .headers
            .iter()
            .filter(|(n, _)| !n.eq_ignore_ascii_case("authorization"))
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let request = CanonicalRequest::new(&req.method, &req.path, &params, &headers);
        let policy = self.config.policy.verify_policy();
        let mismatch = |message: String| {
            // The server's own texts, over what the lists name.
            let signed_params = pick(&params, auth.param_names());
            let signed_headers = pick(&headers, auth.header_names());
            let mine =
                CanonicalRequest::new(&req.method, &req.path, &signed_params, &signed_headers);
            let texts = mine
                .http_string(Selection::Exact)
                .and_then(|http_string| {
                    let string_to_sign = mine.string_to_sign(Selection::Exact, auth.key_time())?;
                    Ok((string_to_sign.to_string(), http_string.to_string()))
                })
                .ok();
            let mut f = fail(403, "SignatureDoesNotMatch", message);
            f.signed_texts = texts;
            f
        };
        let list_name = |list: &str, position: usize| {
            list.split(';')
                .filter(|n| !n.is_empty())
                .nth(position)
                .unwrap_or_default()
                .to_owned()
        };
        match auth.verify(&request, &account.secret_key, now, &policy) {
            Ok(()) => Ok(()),
            Err(VerifyError::Expired) => Err(denied("Request has expired")),
            Err(VerifyError::NotYetValid) => Err(fail(403, "RequestTimeTooSkewed", SKEWED)),
            Err(VerifyError::TimeMismatch) => Err(denied("q-sign-time and q-key-time differ")),
            Err(VerifyError::Request(e)) => Err(fail(400, "InvalidRequest", e.to_string())),
            Err(VerifyError::SignatureMismatch) => Err(mismatch(
                "The Signature you specified is invalid.".to_owned(),
            )),
            Err(VerifyError::SignedHeaderMissing { position }) => Err(mismatch(format!(
                "The Signature you specified is invalid: the signed header {:?} is not in the request.",
                list_name(auth.header_list(), position)
            ))),
            Err(VerifyError::SignedParamMissing { position }) => Err(mismatch(format!(
                "The Signature you specified is invalid: the signed parameter {:?} is not in the request.",
                list_name(auth.url_param_list(), position)
            ))),
            Err(VerifyError::RequiredHeaderUnsigned { index }) => Err(denied(&format!(
                "The header {:?} must be signed (strict signature).",
                policy
                    .required_headers
                    .get(index)
                    .copied()
                    .unwrap_or_default()
            ))),
            Err(VerifyError::ParamUnsigned { index }) => Err(denied(&format!(
                "The parameter {:?} must be signed (strict signature).",
                params.get(index).map(|p| p.0).unwrap_or_default()
            ))),
            Err(e) => Err(denied(&e.to_string())),
        }
    }
}
