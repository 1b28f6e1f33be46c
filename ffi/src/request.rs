//! The requests of a multipart copy, signed and written out.

use crate::raw::{self, tcc_str};
use crate::state::{self, tcc_signing_key};
use crate::status::{self, Result, Written, tcc_status, tcc_status::*};
use core::ffi::c_char;
use tencent_cos_core::{
    AbortMultipartUpload, ByteRange, CompleteBody, CompleteMultipartUpload, CopyCondition,
    CopySource, ETag, Host, InitiateMultipartUpload, Output, RequestError, SignedRequest, Signer,
    SourceCustomerKey, UploadPartCopy,
};

/// Where a request goes: the `Host` it carries (and signs). Either a
/// bucket's own domain, `<bucket>.cos.<region>.myqcloud.com` (`bucket`
/// and `region` set, `endpoint` empty), or any other endpoint sent as
/// given, `host` or `host:port` (`endpoint` set, the others empty).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct tcc_host {
    /// `examplebucket-1250000000`.
    pub bucket: tcc_str,
    /// `ap-guangzhou`.
    pub region: tcc_str,
    /// A custom endpoint (a CDN, a custom domain, an emulator).
    pub endpoint: tcc_str,
}

/// The object to copy from: `x-cos-copy-source`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct tcc_copy_source {
    /// The source bucket, `name-APPID`.
    pub bucket: tcc_str,
    /// Its region.
    pub region: tcc_str,
    /// The object key as stored, not encoded (one leading `/` is
    /// dropped).
    pub key: tcc_str,
    /// A version of the object; empty for none.
    pub version_id: tcc_str,
}

/// An UploadPartCopy: `PUT /<key>?partNumber=N&uploadId=...` copying a
/// byte range of the source as one part. Every header sent is signed.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct tcc_upload_part_copy {
    /// The destination.
    pub host: tcc_host,
    /// The destination object key (one leading `/` is dropped).
    pub key: tcc_str,
    /// From InitiateMultipartUpload.
    pub upload_id: tcc_str,
    /// The object to copy from.
    pub source: tcc_copy_source,
    /// The first byte of the source to copy (with `has_range`).
    pub range_first: u64,
    /// The last byte of the source to copy, inclusive (with `has_range`).
    pub range_last: u64,
    /// Non-zero: copy `range_first..=range_last`; 0: the whole source.
    pub has_range: u32,
    /// The part number, 1..=10000.
    pub part_number: u16,
    /// `x-cos-copy-source-If-Match`, a quoted entity-tag; empty for none.
    pub if_match: tcc_str,
    /// `x-cos-copy-source-If-None-Match`; empty for none.
    pub if_none_match: tcc_str,
    /// `x-cos-copy-source-If-Modified-Since`, Unix seconds; 0 for none.
    pub if_modified_since: u64,
    /// `x-cos-copy-source-If-Unmodified-Since`, Unix seconds; 0 for none.
    pub if_unmodified_since: u64,
    /// The source's SSE-C key, base64 (44 characters); empty for none.
    pub source_customer_key: tcc_str,
    /// MD5 of that key, base64 (24 characters).
    pub source_customer_key_md5: tcc_str,
}

/// An InitiateMultipartUpload: `POST /<key>?uploads`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct tcc_initiate {
    /// The destination.
    pub host: tcc_host,
    /// The destination object key.
    pub key: tcc_str,
    /// The final object's `Content-Type`; empty for none.
    pub content_type: tcc_str,
}

/// A part of a CompleteMultipartUpload.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct tcc_part {
    /// The part's ETag as COS gave it, quotes kept.
    pub etag: tcc_str,
    /// The part number.
    pub number: u16,
}

/// A CompleteMultipartUpload: `POST /<key>?uploadId=...` with the parts
/// as its XML body.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct tcc_complete {
    /// The destination.
    pub host: tcc_host,
    /// The destination object key.
    pub key: tcc_str,
    /// The upload to complete.
    pub upload_id: tcc_str,
    /// The parts, in strictly ascending part number.
    pub parts: *const tcc_part,
    /// The number of parts.
    pub parts_len: usize,
    /// `Content-MD5` of the body (base64), computed by the caller; empty
    /// for none.
    pub content_md5: tcc_str,
}

/// An AbortMultipartUpload: `DELETE /<key>?uploadId=...`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct tcc_abort {
    /// The destination.
    pub host: tcc_host,
    /// The destination object key.
    pub key: tcc_str,
    /// The upload to abort.
    pub upload_id: tcc_str,
}

/// The core's `Host`.
///
/// # Safety
///
/// The strings of `h` are readable for their lengths and unchanged for
/// `'a`.
pub(crate) unsafe fn host<'a>(h: &tcc_host) -> Result<Host<'a>> {
    // SAFETY: the caller's contract.
    let (bucket, region, endpoint) = unsafe {
        (
            raw::text(h.bucket)?,
            raw::text(h.region)?,
            raw::text(h.endpoint)?,
        )
    };
    match (bucket.is_empty() && region.is_empty(), endpoint.is_empty()) {
        (_, true) => Ok(Host::bucket(bucket, region)),
        (true, false) => Ok(Host::Custom(endpoint)),
        (false, false) => Err(TCC_ERR_ARGUMENT),
    }
}

/// The core's `CopySource`.
///
/// # Safety
///
/// As [`host`], for `s`.
pub(crate) unsafe fn copy_source<'a>(s: &tcc_copy_source) -> Result<CopySource<'a>> {
    // SAFETY: the caller's contract.
    let (bucket, region, key, version) = unsafe {
        (
            raw::text(s.bucket)?,
            raw::text(s.region)?,
            raw::text(s.key)?,
            raw::optional(s.version_id)?,
        )
    };
    let source = CopySource::new(bucket, region, key).map_err(status::copy_source)?;
    match version {
        Some(v) => source.with_version_id(v).map_err(status::copy_source),
        None => Ok(source),
    }
}

/// An optional entity-tag.
///
/// # Safety
///
/// As [`host`], for `s`.
pub(crate) unsafe fn etag<'a>(s: tcc_str) -> Result<Option<ETag<'a>>> {
    // SAFETY: the caller's contract.
    match unsafe { raw::optional(s)? } {
        Some(t) => ETag::new(t).map(Some).map_err(|_| TCC_ERR_ETAG),
        None => Ok(None),
    }
}

/// An optional SSE-C key (both parts or neither).
///
/// # Safety
///
/// As [`host`], for `key` and `md5`.
pub(crate) unsafe fn customer_key<'a>(
    key: tcc_str,
    md5: tcc_str,
) -> Result<Option<SourceCustomerKey<'a>>> {
    // SAFETY: the caller's contract.
    match unsafe { (raw::optional(key)?, raw::optional(md5)?) } {
        (Some(key), Some(key_md5)) => Ok(Some(SourceCustomerKey { key, key_md5 })),
        (None, None) => Ok(None),
        _ => Err(TCC_ERR_SSE_C_KEY),
    }
}

/// The copy conditions COS takes: one of the four, or If-None-Match with
/// If-Modified-Since, or If-Match with If-Unmodified-Since.
fn condition<'a>(
    if_match: Option<ETag<'a>>,
    if_none_match: Option<ETag<'a>>,
    modified_since: u64,
    unmodified_since: u64,
) -> Result<CopyCondition<'a>> {
    let since = |t: u64| Some(t).filter(|t| *t != 0);
    Ok(
        match (
            if_match,
            if_none_match,
            since(modified_since),
            since(unmodified_since),
        ) {
            (None, None, None, None) => CopyCondition::None,
            (Some(e), None, None, None) => CopyCondition::Match(e),
            (None, Some(e), None, None) => CopyCondition::NoneMatch(e),
            (None, None, Some(t), None) => CopyCondition::ModifiedSince(t),
            (None, None, None, Some(t)) => CopyCondition::UnmodifiedSince(t),
            (None, Some(etag), Some(since), None) => {
                CopyCondition::NoneMatchModifiedSince { etag, since }
            }
            (Some(etag), None, None, Some(since)) => {
                CopyCondition::MatchUnmodifiedSince { etag, since }
            }
            _ => return Err(TCC_ERR_CONDITION),
        },
    )
}

/// Writes a signed request's head into `buf`, then its body of
/// `body_len` bytes (what `body` writes into the rest) right after it; on
/// success the head's length goes to `head_out`.
pub(crate) fn head_and_body(
    signed: &SignedRequest<'_>,
    body_len: usize,
    body: impl FnOnce(&mut [u8]) -> bool,
    buf: &mut [u8],
    head_out: Option<raw::Out<'_, usize>>,
) -> Written {
    let head_len = signed.head().len();
    let total = head_len.saturating_add(body_len);
    let too_small = Err((TCC_ERR_BUFFER_TOO_SMALL, total));
    let Some((head, rest)) = buf.split_at_mut_checked(head_len) else {
        return too_small;
    };
    if signed.head().to_slice(head).is_err() || !body(rest) {
        return too_small;
    }
    if let Some(out) = head_out {
        out.set(head_len);
    }
    Ok(total)
}

/// Writes the head of a request without a body into `buf`.
fn head(signed: core::result::Result<SignedRequest<'_>, RequestError>, buf: &mut [u8]) -> Written {
    let signed = signed.map_err(status::request)?;
    head_and_body(&signed, 0, |_| true, buf, None)
}

/// The common contract of the four request writers (the arguments are
/// the C functions').
///
/// # Safety
///
/// As [`tcc_upload_part_copy_head`].
#[allow(clippy::too_many_arguments)]
unsafe fn write_request<R>(
    key: *const tcc_signing_key,
    request: *const R,
    scratch: *mut u8,
    scratch_len: usize,
    out: *mut c_char,
    out_len: usize,
    needed: *mut usize,
    write: impl FnOnce(Signer<'_>, &R, &mut [u8], &mut [u8]) -> Result<Written>,
) -> tcc_status {
    status::run(|| {
        // SAFETY: the pointers are as the public functions' contract says.
        let (key, request, scratch, (buf, needed)) = unsafe {
            (
                state::get(key)?,
                raw::input(request)?,
                raw::buffer(scratch, scratch_len)?,
                raw::output(out, out_len, needed)?,
            )
        };
        let r = write(key.signer()?, request, scratch, buf)?;
        status::sized(needed, r)
    })
}

/// Builds, signs and writes the head of an UploadPartCopy into `out`:
/// request line, headers, blank line (`Content-Length: 0`; there is no
/// body). Header values that need formatting (host, path, part number,
/// copy source, range, dates, Authorization) go into `scratch` first: 1
/// KiB fits COS's usual requests.
///
/// `*needed` (if `needed` is not NULL) gets the length written; with
/// `TCC_ERR_BUFFER_TOO_SMALL` the length `out` needs, with
/// `TCC_ERR_SCRATCH_TOO_SMALL` the length `scratch` needs. Nothing is
/// NUL-terminated.
///
/// Errors: `TCC_ERR_NULL`, `TCC_ERR_ALIGNMENT`, `TCC_ERR_LENGTH`,
/// `TCC_ERR_UTF8`, `TCC_ERR_NOT_INITIALIZED`, `TCC_ERR_ARGUMENT`,
/// `TCC_ERR_HOST`, `TCC_ERR_BUCKET`, `TCC_ERR_OBJECT_KEY`,
/// `TCC_ERR_PART_NUMBER`, `TCC_ERR_UPLOAD_ID`, `TCC_ERR_COPY_SOURCE`,
/// `TCC_ERR_RANGE`, `TCC_ERR_ETAG`, `TCC_ERR_CONDITION`,
/// `TCC_ERR_SSE_C_KEY`, `TCC_ERR_HEADER_VALUE`, `TCC_ERR_SCRATCH_TOO_SMALL`,
/// `TCC_ERR_BUFFER_TOO_SMALL`.
///
/// # Safety
///
/// `key` is NULL or points to `TCC_SIGNING_KEY_SIZE` readable bytes; `request` is NULL or points to
/// a readable request whose strings are readable for their lengths;
/// `scratch` and `out` are NULL or point to `scratch_len` and `out_len`
/// writable bytes; `needed` is NULL or points to a writable `size_t`.
/// `scratch` and `out` overlap nothing else.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tcc_upload_part_copy_head(
    key: *const tcc_signing_key,
    request: *const tcc_upload_part_copy,
    scratch: *mut u8,
    scratch_len: usize,
    out: *mut c_char,
    out_len: usize,
    needed: *mut usize,
) -> tcc_status {
    let write = |k: Signer<'_>, r: &tcc_upload_part_copy, scratch: &mut [u8], buf: &mut [u8]| {
        // SAFETY: the strings of the request are the caller's, under
        // the contract above.
        let (host, object, upload_id, source, if_match, if_none_match, customer) = unsafe {
            (
                host(&r.host)?,
                raw::text(r.key)?,
                raw::text(r.upload_id)?,
                copy_source(&r.source)?,
                etag(r.if_match)?,
                etag(r.if_none_match)?,
                customer_key(r.source_customer_key, r.source_customer_key_md5)?,
            )
        };
        let mut upc = UploadPartCopy::new(host, object, r.part_number, upload_id, source)
            .with_condition(condition(
                if_match,
                if_none_match,
                r.if_modified_since,
                r.if_unmodified_since,
            )?);
        if r.has_range != 0 {
            let range = ByteRange::new(r.range_first, r.range_last).map_err(|_| TCC_ERR_RANGE)?;
            upc = upc.with_range(range);
        }
        upc.source_customer_key = customer;
        Ok(head(upc.sign(k, scratch), buf))
    };
    // SAFETY: the contract above is `write_request`'s.
    unsafe {
        write_request(
            key,
            request,
            scratch,
            scratch_len,
            out,
            out_len,
            needed,
            write,
        )
    }
}

/// Builds, signs and writes the head of an InitiateMultipartUpload into
/// `out` (no body). As `tcc_upload_part_copy_head` otherwise.
///
/// # Safety
///
/// As `tcc_upload_part_copy_head`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tcc_initiate_head(
    key: *const tcc_signing_key,
    request: *const tcc_initiate,
    scratch: *mut u8,
    scratch_len: usize,
    out: *mut c_char,
    out_len: usize,
    needed: *mut usize,
) -> tcc_status {
    let write = |k: Signer<'_>, r: &tcc_initiate, scratch: &mut [u8], buf: &mut [u8]| {
        // SAFETY: the strings of the request are the caller's.
        let (host, object, content_type) = unsafe {
            (
                host(&r.host)?,
                raw::text(r.key)?,
                raw::optional(r.content_type)?,
            )
        };
        let mut initiate = InitiateMultipartUpload::new(host, object);
        initiate.content_type = content_type;
        Ok(head(initiate.sign(k, scratch), buf))
    };
    // SAFETY: the contract above is `write_request`'s.
    unsafe {
        write_request(
            key,
            request,
            scratch,
            scratch_len,
            out,
            out_len,
            needed,
            write,
        )
    }
}

/// Builds, signs and writes the head of an AbortMultipartUpload into
/// `out` (no body). As `tcc_upload_part_copy_head` otherwise.
///
/// # Safety
///
/// As `tcc_upload_part_copy_head`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tcc_abort_head(
    key: *const tcc_signing_key,
    request: *const tcc_abort,
    scratch: *mut u8,
    scratch_len: usize,
    out: *mut c_char,
    out_len: usize,
    needed: *mut usize,
) -> tcc_status {
    let write = |k: Signer<'_>, r: &tcc_abort, scratch: &mut [u8], buf: &mut [u8]| {
        // SAFETY: the strings of the request are the caller's.
        let (host, object, upload_id) =
            unsafe { (host(&r.host)?, raw::text(r.key)?, raw::text(r.upload_id)?) };
        Ok(head(
            AbortMultipartUpload::new(host, object, upload_id).sign(k, scratch),
            buf,
        ))
    };
    // SAFETY: the contract above is `write_request`'s.
    unsafe {
        write_request(
            key,
            request,
            scratch,
            scratch_len,
            out,
            out_len,
            needed,
            write,
        )
    }
}

/// Builds, signs and writes a CompleteMultipartUpload into `out`: its
/// head, then its XML body right after it (send the `*needed` bytes as
/// they are). `*head_len` (if `head_len` is not NULL) gets the length of
/// the head. As `tcc_upload_part_copy_head` otherwise; more errors:
/// `TCC_ERR_NO_PARTS`, `TCC_ERR_PART_NUMBER`, `TCC_ERR_PART_ORDER`,
/// `TCC_ERR_PART_ETAG`.
///
/// # Safety
///
/// As `tcc_upload_part_copy_head`; `request->parts` is NULL or points to
/// `request->parts_len` readable parts; `head_len` is NULL or points to a
/// writable `size_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tcc_complete_request(
    key: *const tcc_signing_key,
    request: *const tcc_complete,
    scratch: *mut u8,
    scratch_len: usize,
    out: *mut c_char,
    out_len: usize,
    needed: *mut usize,
    head_len: *mut usize,
) -> tcc_status {
    // SAFETY: the caller's contract.
    let head_out = match unsafe { raw::optional_out(head_len) } {
        Ok(h) => h,
        Err(e) => return e,
    };
    let write = |k: Signer<'_>, r: &tcc_complete, scratch: &mut [u8], buf: &mut [u8]| {
        // SAFETY: the strings and parts of the request are the
        // caller's.
        let (host, object, upload_id, md5, parts) = unsafe {
            (
                host(&r.host)?,
                raw::text(r.key)?,
                raw::text(r.upload_id)?,
                raw::optional(r.content_md5)?,
                raw::array(r.parts, r.parts_len)?,
            )
        };
        for p in parts {
            // SAFETY: as above: checked once here, read again below.
            unsafe { raw::text(p.etag)? };
        }
        let body = CompleteBody::new(parts.iter().map(|p| {
            // SAFETY: as above; checked as UTF-8 just before.
            (p.number, unsafe { raw::text(p.etag) }.unwrap_or_default())
        }))
        .map_err(|e| status::request(e).0)?;
        let mut complete = CompleteMultipartUpload::new(host, object, upload_id, body.len());
        complete.content_md5 = md5;
        Ok(match complete.sign(k, scratch) {
            Ok(signed) => {
                let write_body = |rest: &mut [u8]| body.to_slice(rest).is_ok();
                head_and_body(&signed, body.len(), write_body, buf, head_out)
            }
            Err(e) => Err(status::request(e)),
        })
    };
    // SAFETY: the contract above is `write_request`'s.
    unsafe {
        write_request(
            key,
            request,
            scratch,
            scratch_len,
            out,
            out_len,
            needed,
            write,
        )
    }
}
