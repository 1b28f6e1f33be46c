//! Signing keys and signatures.

use crate::raw::{self, RawRequest, tcc_request, tcc_str};
use crate::state::{self, tcc_signing_key};
use crate::status::{self, Result, tcc_status, tcc_status::*};
use core::ffi::c_char;
use tencent_cos_core::{
    Credentials, KeyTime, Output, OutputError, Selection, Signed, Signer, SigningKey,
};

/// The longest security token a `tcc_signing_key` holds, in bytes: the
/// most Tencent Cloud STS documents for a token (4,096).
pub const TCC_MAX_TOKEN_LEN: usize = 4096;

/// What a `tcc_signing_key` holds: the key (which owns its SecretId) and
/// a copy of the security token of temporary credentials. It borrows
/// nothing from the caller.
#[repr(C)]
pub(crate) struct Key {
    key: SigningKey,
    /// The token's length, 0 for permanent credentials.
    token_len: usize,
    /// The token's bytes, then zeros.
    token: [u8; TCC_MAX_TOKEN_LEN],
}

impl Key {
    /// The key, with the token if its credentials have one.
    pub(crate) fn signer(&self) -> Result<Signer<'_>> {
        if !self.key.needs_token() {
            return Ok(Signer::from(&self.key));
        }
        let token = self.token.get(..self.token_len).ok_or(TCC_ERR_INTERNAL)?;
        let token = core::str::from_utf8(token).map_err(|_| TCC_ERR_INTERNAL)?;
        self.key.with_token(token).map_err(status::credentials)
    }

    /// The key alone.
    pub(crate) fn key(&self) -> &SigningKey {
        &self.key
    }
}

/// SecretId, SecretKey and, for temporary credentials, the security token.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct tcc_credentials {
    /// The SecretId (`AKID...`): printable ASCII, no `&`.
    pub secret_id: tcc_str,
    /// The SecretKey.
    pub secret_key: tcc_str,
    /// The security token of temporary (STS) credentials; empty (NULL, 0)
    /// for permanent ones.
    pub security_token: tcc_str,
}

/// Which of a request's pairs a signature covers (a `uint32_t`: one of
/// the `TCC_SELECTION_*` values).
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct tcc_selection(pub u32);

/// Every param and every header given, exactly as given.
pub const TCC_SELECTION_EXACT: tcc_selection = tcc_selection(0);
/// As the official SDKs choose: every param; of the headers, those of
/// their list (`content-*`, `host`, `if-*`, `range`, ...) and every
/// `x-cos-*` and `x-ci-*` one. The others are not looked at.
pub const TCC_SELECTION_SDK: tcc_selection = tcc_selection(1);

impl tcc_selection {
    fn get(self) -> Result<Selection> {
        match self {
            TCC_SELECTION_EXACT => Ok(Selection::Exact),
            TCC_SELECTION_SDK => Ok(Selection::Sdk),
            _ => Err(TCC_ERR_ARGUMENT),
        }
    }
}

/// Derives the signing key of the window `start..=end` (Unix seconds)
/// into `key`: `hex(HMAC-SHA1(SecretKey, "start;end"))` and the HMAC
/// state keyed by it, made once per window and reused for every request
/// signed in it.
///
/// The key owns what it keeps: the SecretId and a copy of the security
/// token (at most `TCC_MAX_TOKEN_LEN` bytes), never the SecretKey. The
/// credentials' strings may be freed or reused as soon as this returns.
/// A key is renewed by calling this again on the same storage. On
/// failure `key` is left uninitialised (every later use is
/// `TCC_ERR_NOT_INITIALIZED`).
///
/// Errors: `TCC_ERR_NULL`, `TCC_ERR_ALIGNMENT`, `TCC_ERR_LENGTH`,
/// `TCC_ERR_UTF8`, `TCC_ERR_SECRET_ID`, `TCC_ERR_SECRET_KEY`,
/// `TCC_ERR_TOKEN` (also a token longer than `TCC_MAX_TOKEN_LEN`),
/// `TCC_ERR_KEY_TIME`.
///
/// # Safety
///
/// `key` is NULL or points to writable storage of `TCC_SIGNING_KEY_SIZE`
/// bytes; `credentials` is NULL or points to a readable `tcc_credentials`
/// whose strings are readable for their lengths (for the duration of the
/// call).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tcc_signing_key_init(
    key: *mut tcc_signing_key,
    credentials: *const tcc_credentials,
    start: u64,
    end: u64,
) -> tcc_status {
    status::run(|| {
        // SAFETY: the pointers are as the contract above says.
        let (slot, c) = unsafe { (state::claim(key)?, raw::input(credentials)?) };
        // SAFETY: as above, for the strings (read during this call only:
        // the key copies what it keeps).
        let (id, secret, token) = unsafe {
            (
                raw::text(c.secret_id)?,
                raw::text(c.secret_key)?,
                raw::optional(c.security_token)?,
            )
        };
        let creds = match token {
            Some(token) => Credentials::with_token(id, secret, token),
            None => Credentials::new(id, secret),
        }
        .map_err(status::credentials)?;
        let token = token.unwrap_or("").as_bytes();
        if token.len() > TCC_MAX_TOKEN_LEN {
            return Err(TCC_ERR_TOKEN);
        }
        let window = KeyTime::new(start, end).map_err(|_| TCC_ERR_KEY_TIME)?;
        let place = slot.place();
        // SAFETY: `place` is the claimed storage's value (non-NULL,
        // aligned, writable, of `Key`'s size: `claim`'s checks and the
        // compile-time size check); each field is written whole before the
        // marker is set, the token bytes with `copy` (the caller's token
        // may even lie in this storage) and the rest of the array zeroed,
        // so every byte of the value is initialised. Built in place: the
        // 4 KiB token never passes through the stack.
        unsafe {
            core::ptr::addr_of_mut!((*place).key).write(SigningKey::new(&creds, window));
            let dst = core::ptr::addr_of_mut!((*place).token).cast::<u8>();
            core::ptr::copy(token.as_ptr(), dst, token.len());
            dst.add(token.len())
                .write_bytes(0, TCC_MAX_TOKEN_LEN - token.len());
            core::ptr::addr_of_mut!((*place).token_len).write(token.len());
            slot.mark();
        }
        Ok(())
    })
}

/// Writes the key's SignKey, 40 lowercase hex digits, into `out` (for
/// test vectors and debugging: it signs anything in its window, so treat
/// it like the SecretKey).
///
/// `*needed` (if `needed` is not NULL) gets the length written, or the
/// length needed with `TCC_ERR_BUFFER_TOO_SMALL` (`out` may be NULL when
/// `out_len` is 0). Nothing is NUL-terminated.
///
/// # Safety
///
/// `key` is NULL or points to `TCC_SIGNING_KEY_SIZE` readable bytes;
/// `out` is NULL or points to `out_len` writable bytes; `needed` is NULL
/// or points to a writable `size_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tcc_signing_key_sign_key(
    key: *const tcc_signing_key,
    out: *mut c_char,
    out_len: usize,
    needed: *mut usize,
) -> tcc_status {
    status::run(|| {
        // SAFETY: the pointers are as the contract above says.
        let (key, (buf, needed)) =
            unsafe { (state::get(key)?, raw::output(out, out_len, needed)?) };
        let sign_key = key.key().sign_key();
        let r = match buf.get_mut(..sign_key.len()) {
            Some(dst) => {
                for (d, b) in dst.iter_mut().zip(sign_key.bytes()) {
                    *d = b;
                }
                Ok(sign_key.len())
            }
            None => Err((TCC_ERR_BUFFER_TOO_SMALL, sign_key.len())),
        };
        status::sized(needed, r)
    })
}

/// How a signed request is written out.
type Write = fn(&Signed<'_>, &mut [u8]) -> core::result::Result<usize, OutputError>;

/// Signs `request` with `key` and writes what `write` makes of it.
///
/// # Safety
///
/// As [`tcc_sign_authorization`].
unsafe fn sign_into(
    key: *const tcc_signing_key,
    request: *const tcc_request,
    selection: tcc_selection,
    out: *mut c_char,
    out_len: usize,
    needed: *mut usize,
    write: Write,
) -> tcc_status {
    status::run(|| {
        // SAFETY: the pointers are as the public functions' contract says.
        let (key, request, (buf, needed)) = unsafe {
            (
                state::get(key)?,
                RawRequest::new(request)?,
                raw::output(out, out_len, needed)?,
            )
        };
        let selection = selection.get()?;
        let signer = key.signer()?;
        let r = request.with_written(|req| match signer.sign(req, selection) {
            Ok(signed) => {
                write(&signed, buf).map_err(|e| status::output(e, TCC_ERR_BUFFER_TOO_SMALL))
            }
            Err(e) => Err((status::sign(e), 0)),
        })?;
        status::sized(needed, r)
    })
}

/// Signs `request` with `key` and writes the `Authorization` header value
/// into `out`: `q-sign-algorithm=sha1&q-ak=...&q-signature=...`.
///
/// `selection` is `TCC_SELECTION_EXACT` (every pair given) or
/// `TCC_SELECTION_SDK` (the headers the official SDKs sign). `*needed`
/// (if `needed` is not NULL) gets the length written, or the length
/// needed with `TCC_ERR_BUFFER_TOO_SMALL`: call with `out` NULL and
/// `out_len` 0 to learn it. Nothing is NUL-terminated. Send the header
/// `x-cos-security-token` yourself with temporary credentials (the key's
/// copy of the token is not written here).
///
/// Errors: `TCC_ERR_NULL`, `TCC_ERR_ALIGNMENT`, `TCC_ERR_LENGTH`,
/// `TCC_ERR_UTF8`, `TCC_ERR_NOT_INITIALIZED`, `TCC_ERR_ARGUMENT`,
/// `TCC_ERR_PAIR_TABLE`, `TCC_ERR_METHOD`, `TCC_ERR_EMPTY_NAME`,
/// `TCC_ERR_HEADER_NAME`, `TCC_ERR_HEADER_VALUE`, `TCC_ERR_DUPLICATE_NAME`,
/// `TCC_ERR_BUFFER_TOO_SMALL`.
///
/// # Safety
///
/// `key` is NULL or points to `TCC_SIGNING_KEY_SIZE` readable bytes; `request` is NULL or points to
/// a readable `tcc_request` whose strings and arrays are readable for
/// their lengths; `out` is NULL or points to `out_len` writable bytes;
/// `needed` is NULL or points to a writable `size_t`. Nothing read
/// overlaps `out`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tcc_sign_authorization(
    key: *const tcc_signing_key,
    request: *const tcc_request,
    selection: tcc_selection,
    out: *mut c_char,
    out_len: usize,
    needed: *mut usize,
) -> tcc_status {
    // SAFETY: the contract above is `sign_into`'s.
    unsafe {
        sign_into(key, request, selection, out, out_len, needed, |s, buf| {
            s.authorization_to_slice(buf).map(str::len)
        })
    }
}

/// Signs `request` with `key` and writes the presigned-URL query into
/// `out`: the same `q-*` fields with every value percent-encoded, then
/// `&x-cos-security-token=...` for temporary credentials. Append it to
/// the URL after `?` (or after the request's own query and `&`).
///
/// As `tcc_sign_authorization` otherwise.
///
/// # Safety
///
/// As `tcc_sign_authorization`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tcc_sign_presigned_query(
    key: *const tcc_signing_key,
    request: *const tcc_request,
    selection: tcc_selection,
    out: *mut c_char,
    out_len: usize,
    needed: *mut usize,
) -> tcc_status {
    // SAFETY: the contract above is `sign_into`'s.
    unsafe {
        sign_into(key, request, selection, out, out_len, needed, |s, buf| {
            s.presigned_query().to_slice(buf).map(str::len)
        })
    }
}

/// Writes a debugging text of `request` into `out`: the StringToSign for
/// a window, else the HttpString.
///
/// # Safety
///
/// As [`tcc_string_to_sign`].
unsafe fn debug_text(
    request: *const tcc_request,
    selection: tcc_selection,
    window: Option<(u64, u64)>,
    out: *mut c_char,
    out_len: usize,
    needed: *mut usize,
) -> tcc_status {
    status::run(|| {
        // SAFETY: the pointers are as the public functions' contract says.
        let (request, (buf, needed)) = unsafe {
            (
                RawRequest::new(request)?,
                raw::output(out, out_len, needed)?,
            )
        };
        let selection = selection.get()?;
        let window = match window {
            Some((start, end)) => Some(KeyTime::new(start, end).map_err(|_| TCC_ERR_KEY_TIME)?),
            None => None,
        };
        let r = request.with_written(|req| {
            let sign_error = |e| (status::sign(e), 0);
            let written = match window {
                Some(window) => req
                    .string_to_sign(selection, window)
                    .map_err(sign_error)?
                    .to_slice(buf),
                None => req
                    .http_string(selection)
                    .map_err(sign_error)?
                    .to_slice(buf),
            };
            written
                .map(str::len)
                .map_err(|e| status::output(e, TCC_ERR_BUFFER_TOO_SMALL))
        })?;
        status::sized(needed, r)
    })
}

/// Writes the StringToSign of `request` for the window `start..=end`
/// into `out` (`sha1\n<start>;<end>\n<hex SHA-1 of the HttpString>\n`),
/// for debugging a signature against the server's.
///
/// `*needed` as in `tcc_sign_authorization`. Errors: those of
/// `tcc_sign_authorization` but `TCC_ERR_NOT_INITIALIZED`, and
/// `TCC_ERR_KEY_TIME`.
///
/// # Safety
///
/// `request`, `out` and `needed` as in `tcc_sign_authorization`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tcc_string_to_sign(
    request: *const tcc_request,
    selection: tcc_selection,
    start: u64,
    end: u64,
    out: *mut c_char,
    out_len: usize,
    needed: *mut usize,
) -> tcc_status {
    // SAFETY: the contract above is `debug_text`'s.
    unsafe { debug_text(request, selection, Some((start, end)), out, out_len, needed) }
}

/// Writes the HttpString of `request` into `out`
/// (`method\npath\nparams\nheaders\n`, lowercased and encoded as signed),
/// for debugging a signature against the server's.
///
/// `*needed` as in `tcc_sign_authorization`. Errors: those of
/// `tcc_sign_authorization` but `TCC_ERR_NOT_INITIALIZED`.
///
/// # Safety
///
/// `request`, `out` and `needed` as in `tcc_sign_authorization`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tcc_http_string(
    request: *const tcc_request,
    selection: tcc_selection,
    out: *mut c_char,
    out_len: usize,
    needed: *mut usize,
) -> tcc_status {
    // SAFETY: the contract above is `debug_text`'s.
    unsafe { debug_text(request, selection, None, out, out_len, needed) }
}
