//! Verifying a request's signature: for gateways, emulators and tests.

use crate::raw::{self, RawRequest, tcc_request, tcc_str};
use crate::status::{self, Result, tcc_status, tcc_status::*};
use tencent_cos_core::{Authorization, VerifyPolicy};

/// What a verification demands beyond a matching signature (a
/// `uint32_t`: one of the `TCC_POLICY_*` values).
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct tcc_policy(pub u32);

/// What COS demands: the signature of what is signed, in its window; any
/// window length.
pub const TCC_POLICY_COS: tcc_policy = tcc_policy(0);
/// Also: `host` signed; every `content-type`, `content-length`,
/// `content-md5` and `x-cos-*` header present signed; every param signed;
/// a window of at most 7 days.
pub const TCC_POLICY_STRICT: tcc_policy = tcc_policy(1);

impl tcc_policy {
    fn get(self) -> Result<VerifyPolicy<'static>> {
        match self {
            TCC_POLICY_COS => Ok(VerifyPolicy::COS),
            TCC_POLICY_STRICT => Ok(VerifyPolicy::STRICT),
            _ => Err(TCC_ERR_ARGUMENT),
        }
    }
}

/// Verifies `request` as received — every param and header it carries —
/// against `auth` with the SecretKey of its SecretId, at `now` (Unix
/// seconds), under `policy`.
fn verify(
    auth: &Authorization<'_>,
    request: &RawRequest<'_>,
    secret_key: &str,
    now: u64,
    policy: tcc_policy,
) -> Result<()> {
    let policy = policy.get()?;
    request
        .with(|req| auth.verify(req, secret_key, now, &policy))?
        .map_err(status::verify)
}

/// Verifies `request`, as received, against the `Authorization` header
/// value `authorization`, with `secret_key` (the SecretKey of the value's
/// `q-ak`, which the caller looks up), at `now` (Unix seconds), under
/// `policy` (`TCC_POLICY_COS` or `TCC_POLICY_STRICT`). Only the pairs the
/// signature names are checked; the comparison takes constant time.
///
/// Returns `TCC_OK` when the request is authentic. Errors: the argument
/// checks (`TCC_ERR_NULL`, `TCC_ERR_ALIGNMENT`, `TCC_ERR_LENGTH`,
/// `TCC_ERR_UTF8`, `TCC_ERR_ARGUMENT`, `TCC_ERR_PAIR_TABLE`),
/// `TCC_ERR_AUTHORIZATION` (malformed), then in the order checked:
/// `TCC_ERR_TIME_MISMATCH`, `TCC_ERR_LIFETIME`, `TCC_ERR_NOT_YET_VALID`,
/// `TCC_ERR_EXPIRED`, a signed pair's `TCC_ERR_METHOD`...
/// `TCC_ERR_DUPLICATE_NAME`, `TCC_ERR_SIGNED_PAIR_MISSING`,
/// `TCC_ERR_UNSIGNED`, `TCC_ERR_SECRET_KEY`,
/// `TCC_ERR_SIGNATURE_MISMATCH`.
///
/// # Safety
///
/// The strings are readable for their lengths; `request` is NULL or
/// points to a readable `tcc_request` whose strings and arrays are
/// readable for their lengths.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tcc_verify_authorization(
    authorization: tcc_str,
    request: *const tcc_request,
    secret_key: tcc_str,
    now: u64,
    policy: tcc_policy,
) -> tcc_status {
    status::run(|| {
        // SAFETY: the contract above.
        let (value, request, secret_key) = unsafe {
            (
                raw::text(authorization)?,
                RawRequest::new(request)?,
                raw::text(secret_key)?,
            )
        };
        let auth = Authorization::parse(value).map_err(|_| TCC_ERR_AUTHORIZATION)?;
        verify(&auth, &request, secret_key, now, policy)
    })
}

/// Verifies `request` against the presigned URL's raw query `query` (the
/// part after `?`, still percent-encoded; params that are not `q-*`
/// fields or `x-cos-security-token` are the request's own and skipped).
/// The decoded values go into `scratch`: a too-small one is
/// `TCC_ERR_SCRATCH_TOO_SMALL` with the length needed in `*needed` (if
/// `needed` is not NULL); a too-small `pair_table` is
/// `TCC_ERR_PAIR_TABLE` with the slots needed there. The request's params
/// are all those of the URL, decoded, the `q-*` ones included. As
/// `tcc_verify_authorization` otherwise.
///
/// # Safety
///
/// As `tcc_verify_authorization`; `scratch` is NULL or points to
/// `scratch_len` writable bytes that overlap nothing else; `needed` is
/// NULL or points to a writable `size_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tcc_verify_presigned(
    query: tcc_str,
    scratch: *mut u8,
    scratch_len: usize,
    needed: *mut usize,
    request: *const tcc_request,
    secret_key: tcc_str,
    now: u64,
    policy: tcc_policy,
) -> tcc_status {
    status::run(|| {
        // SAFETY: the contract above.
        let (query, (scratch, needed), request, secret_key) = unsafe {
            (
                raw::text(query)?,
                raw::output(scratch.cast(), scratch_len, needed)?,
                RawRequest::new(request)?,
                raw::text(secret_key)?,
            )
        };
        let auth = match Authorization::parse_presigned(query, scratch) {
            Ok(a) => a,
            Err(e) => return status::sized(needed, Err(status::authorization(e))),
        };
        match verify(&auth, &request, secret_key, now, policy) {
            Err(TCC_ERR_PAIR_TABLE) => {
                status::sized(needed, Err((TCC_ERR_PAIR_TABLE, request.pairs())))
            }
            r => r,
        }
    })
}
