//! Reading COS's XML answers, fed in chunks.

use crate::raw::{self, tcc_str};
use crate::state::{self, tcc_response_reader};
use crate::status::{self, Result, tcc_status, tcc_status::*};
use tencent_cos_core::{
    CosError, CosErrorCode, CutFields, DocumentKind, Field, Response, ResponseError,
    ResponseReader, complete_result, initiate_result, part_result,
};

/// The capacity of each value a `tcc_response_reader` keeps, in bytes.
/// An ETag or UploadId longer than this is `TCC_ERR_VALUE_TOO_LONG`;
/// any other value is kept cut to fit and marked in `tcc_document.cut`.
/// The diagnostic `StringToSign` and `FormatString` of a
/// `SignatureDoesNotMatch` are not kept.
pub const TCC_VALUE_CAPACITY: usize = 256;

/// The reader's document type.
type Doc = Response<TCC_VALUE_CAPACITY, 0>;

/// What a `tcc_response_reader` holds: the reader while the body comes,
/// then what it read. It stays in the caller's storage (moved once, by
/// `finish`), so the sizes of its variants do not matter.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Reader {
    Reading(ResponseReader<TCC_VALUE_CAPACITY, 0>),
    Read(core::result::Result<Doc, ResponseError>),
}

impl Reader {
    /// What was read, once finished.
    pub(crate) fn result(&self) -> Result<&core::result::Result<Doc, ResponseError>> {
        match self {
            Self::Reading(_) => Err(TCC_ERR_STATE),
            Self::Read(r) => Ok(r),
        }
    }

    /// The document read, or why there is none.
    fn document(&self) -> Result<&Doc> {
        self.result()?.as_ref().map_err(|e| status::response(*e))
    }
}

/// Which document a body is (a `uint32_t`: one of the `TCC_DOCUMENT_*`
/// values).
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct tcc_document_kind(pub u32);

/// `<CopyPartResult>`: an UploadPartCopy succeeded.
pub const TCC_DOCUMENT_COPY_PART_RESULT: tcc_document_kind = tcc_document_kind(1);
/// `<Error>`: a request failed (on any status, 200 included).
pub const TCC_DOCUMENT_ERROR: tcc_document_kind = tcc_document_kind(2);
/// `<InitiateMultipartUploadResult>`.
pub const TCC_DOCUMENT_INITIATE_RESULT: tcc_document_kind = tcc_document_kind(3);
/// `<CompleteMultipartUploadResult>`.
pub const TCC_DOCUMENT_COMPLETE_RESULT: tcc_document_kind = tcc_document_kind(4);

fn document_kind(kind: DocumentKind) -> tcc_document_kind {
    match kind {
        DocumentKind::CopyPartResult => TCC_DOCUMENT_COPY_PART_RESULT,
        DocumentKind::Error => TCC_DOCUMENT_ERROR,
        DocumentKind::InitiateMultipartUploadResult => TCC_DOCUMENT_INITIATE_RESULT,
        DocumentKind::CompleteMultipartUploadResult => TCC_DOCUMENT_COMPLETE_RESULT,
    }
}

/// `ETag` (copy and Complete results): a bit of `tcc_document.present`
/// and `.cut`.
pub const TCC_FIELD_ETAG: u32 = 1 << 0;
/// `LastModified` (copy result).
pub const TCC_FIELD_LAST_MODIFIED: u32 = 1 << 1;
/// `Code` (error).
pub const TCC_FIELD_CODE: u32 = 1 << 2;
/// `Message` (error).
pub const TCC_FIELD_MESSAGE: u32 = 1 << 3;
/// `Resource` (error).
pub const TCC_FIELD_RESOURCE: u32 = 1 << 4;
/// `RequestId` (error).
pub const TCC_FIELD_REQUEST_ID: u32 = 1 << 5;
/// `TraceId` (error).
pub const TCC_FIELD_TRACE_ID: u32 = 1 << 6;
/// `Location` (Complete result).
pub const TCC_FIELD_LOCATION: u32 = 1 << 7;
/// `Bucket` (Initiate and Complete results).
pub const TCC_FIELD_BUCKET: u32 = 1 << 8;
/// `Key` (Initiate and Complete results).
pub const TCC_FIELD_KEY: u32 = 1 << 9;
/// `UploadId` (Initiate result).
pub const TCC_FIELD_UPLOAD_ID: u32 = 1 << 10;

/// The fields of a document as text: views into the reader's storage,
/// valid until the reader is initialised again. Values are entity-decoded
/// and trimmed, not NUL-terminated. A field the document does not carry
/// is NULL, 0 and its bit is clear in `present`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct tcc_document {
    /// Which document.
    pub kind: tcc_document_kind,
    /// The `TCC_FIELD_*` bits of the fields present.
    pub present: u32,
    /// The `TCC_FIELD_*` bits of the values kept cut (longer than
    /// `TCC_VALUE_CAPACITY`: the longest prefix that fits, at a character
    /// boundary). A cut `Code` is never taken for a known code.
    pub cut: u32,
    /// `ETag`, quotes kept (copy and Complete results).
    pub etag: tcc_str,
    /// `LastModified` (copy result).
    pub last_modified: tcc_str,
    /// `Code` (error).
    pub code: tcc_str,
    /// `Message` (error).
    pub message: tcc_str,
    /// `Resource` (error).
    pub resource: tcc_str,
    /// `RequestId` (error).
    pub request_id: tcc_str,
    /// `TraceId` (error).
    pub trace_id: tcc_str,
    /// `Location` (Complete result).
    pub location: tcc_str,
    /// `Bucket` (Initiate and Complete results).
    pub bucket: tcc_str,
    /// `Key` (Initiate and Complete results).
    pub key: tcc_str,
    /// `UploadId` (Initiate result).
    pub upload_id: tcc_str,
}

/// The fields as bits.
const FIELDS: [(Field, u32); 11] = [
    (Field::ETag, TCC_FIELD_ETAG),
    (Field::LastModified, TCC_FIELD_LAST_MODIFIED),
    (Field::Code, TCC_FIELD_CODE),
    (Field::Message, TCC_FIELD_MESSAGE),
    (Field::Resource, TCC_FIELD_RESOURCE),
    (Field::RequestId, TCC_FIELD_REQUEST_ID),
    (Field::TraceId, TCC_FIELD_TRACE_ID),
    (Field::Location, TCC_FIELD_LOCATION),
    (Field::Bucket, TCC_FIELD_BUCKET),
    (Field::Key, TCC_FIELD_KEY),
    (Field::UploadId, TCC_FIELD_UPLOAD_ID),
];

fn cut_bits(cut: CutFields) -> u32 {
    FIELDS
        .iter()
        .filter(|(f, _)| cut.contains(*f))
        .fold(0, |bits, (_, bit)| bits | bit)
}

impl tcc_document {
    fn of(doc: &Doc) -> Self {
        let mut d = Self {
            kind: document_kind(doc.kind()),
            present: 0,
            cut: cut_bits(doc.cut_fields()),
            etag: tcc_str::EMPTY,
            last_modified: tcc_str::EMPTY,
            code: tcc_str::EMPTY,
            message: tcc_str::EMPTY,
            resource: tcc_str::EMPTY,
            request_id: tcc_str::EMPTY,
            trace_id: tcc_str::EMPTY,
            location: tcc_str::EMPTY,
            bucket: tcc_str::EMPTY,
            key: tcc_str::EMPTY,
            upload_id: tcc_str::EMPTY,
        };
        match doc {
            Response::CopyPart(r) => {
                d.put(TCC_FIELD_ETAG, Some(&r.etag));
                d.put(TCC_FIELD_LAST_MODIFIED, r.last_modified.as_deref());
            }
            Response::Error(e) => {
                d.put(TCC_FIELD_CODE, e.code.as_deref());
                d.put(TCC_FIELD_MESSAGE, e.message.as_deref());
                d.put(TCC_FIELD_RESOURCE, e.resource.as_deref());
                d.put(TCC_FIELD_REQUEST_ID, e.request_id.as_deref());
                d.put(TCC_FIELD_TRACE_ID, e.trace_id.as_deref());
            }
            Response::Initiate(r) => {
                d.put(TCC_FIELD_BUCKET, r.bucket.as_deref());
                d.put(TCC_FIELD_KEY, r.key.as_deref());
                d.put(TCC_FIELD_UPLOAD_ID, Some(&r.upload_id));
            }
            Response::Complete(r) => {
                d.put(TCC_FIELD_LOCATION, r.location.as_deref());
                d.put(TCC_FIELD_BUCKET, r.bucket.as_deref());
                d.put(TCC_FIELD_KEY, r.key.as_deref());
                d.put(TCC_FIELD_ETAG, Some(&r.etag));
            }
        }
        d
    }

    /// Sets the field of `bit` to `value`, if there is one.
    fn put(&mut self, bit: u32, value: Option<&str>) {
        let Some(value) = value else { return };
        let slot = match bit {
            TCC_FIELD_ETAG => &mut self.etag,
            TCC_FIELD_LAST_MODIFIED => &mut self.last_modified,
            TCC_FIELD_CODE => &mut self.code,
            TCC_FIELD_MESSAGE => &mut self.message,
            TCC_FIELD_RESOURCE => &mut self.resource,
            TCC_FIELD_REQUEST_ID => &mut self.request_id,
            TCC_FIELD_TRACE_ID => &mut self.trace_id,
            TCC_FIELD_LOCATION => &mut self.location,
            TCC_FIELD_BUCKET => &mut self.bucket,
            TCC_FIELD_KEY => &mut self.key,
            _ => &mut self.upload_id,
        };
        *slot = tcc_str::of(value);
        self.present |= bit;
    }
}

/// A COS error code (a `uint32_t`: one of the `TCC_COS_*` values).
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct tcc_cos_code(pub u32);

/// No `Error` document.
pub const TCC_COS_NONE: tcc_cos_code = tcc_cos_code(0);
/// `SignatureDoesNotMatch` (400/403): see `tcc_string_to_sign`.
pub const TCC_COS_SIGNATURE_DOES_NOT_MATCH: tcc_cos_code = tcc_cos_code(1);
/// `AccessDenied`: no permission, or the signature's window has passed.
pub const TCC_COS_ACCESS_DENIED: tcc_cos_code = tcc_cos_code(2);
/// `InvalidAccessKeyId`: the SecretId is unknown.
pub const TCC_COS_INVALID_ACCESS_KEY_ID: tcc_cos_code = tcc_cos_code(3);
/// `InvalidArgument`.
pub const TCC_COS_INVALID_ARGUMENT: tcc_cos_code = tcc_cos_code(4);
/// `InvalidRequest`.
pub const TCC_COS_INVALID_REQUEST: tcc_cos_code = tcc_cos_code(5);
/// `NoSuchKey`: the source or destination object does not exist.
pub const TCC_COS_NO_SUCH_KEY: tcc_cos_code = tcc_cos_code(6);
/// `NoSuchBucket`.
pub const TCC_COS_NO_SUCH_BUCKET: tcc_cos_code = tcc_cos_code(7);
/// `NoSuchUpload`: the upload id is unknown, completed or aborted.
pub const TCC_COS_NO_SUCH_UPLOAD: tcc_cos_code = tcc_cos_code(8);
/// `EntityTooSmall`: a part but the last is under 1 MB.
pub const TCC_COS_ENTITY_TOO_SMALL: tcc_cos_code = tcc_cos_code(9);
/// `EntityTooLarge`.
pub const TCC_COS_ENTITY_TOO_LARGE: tcc_cos_code = tcc_cos_code(10);
/// `InvalidPart`.
pub const TCC_COS_INVALID_PART: tcc_cos_code = tcc_cos_code(11);
/// `InvalidPartOrder`.
pub const TCC_COS_INVALID_PART_ORDER: tcc_cos_code = tcc_cos_code(12);
/// `MalformedXML`.
pub const TCC_COS_MALFORMED_XML: tcc_cos_code = tcc_cos_code(13);
/// `PreconditionFailed` (412): a copy condition failed.
pub const TCC_COS_PRECONDITION_FAILED: tcc_cos_code = tcc_cos_code(14);
/// `RequestTimeTooSkewed`: correct the clock and sign again.
pub const TCC_COS_REQUEST_TIME_TOO_SKEWED: tcc_cos_code = tcc_cos_code(15);
/// `RequestTimeout`.
pub const TCC_COS_REQUEST_TIMEOUT: tcc_cos_code = tcc_cos_code(16);
/// `InternalError`.
pub const TCC_COS_INTERNAL_ERROR: tcc_cos_code = tcc_cos_code(17);
/// `ServiceUnavailable`.
pub const TCC_COS_SERVICE_UNAVAILABLE: tcc_cos_code = tcc_cos_code(18);
/// `SlowDown`.
pub const TCC_COS_SLOW_DOWN: tcc_cos_code = tcc_cos_code(19);
/// Another code (its text is in the document's `code`).
pub const TCC_COS_OTHER: tcc_cos_code = tcc_cos_code(0x100);
/// A code longer than `TCC_VALUE_CAPACITY`, kept cut: never one of the
/// named codes.
pub const TCC_COS_CUT: tcc_cos_code = tcc_cos_code(0x101);

/// The named codes, in the order of their numbers (from 1).
const CODES: [&str; 19] = [
    "SignatureDoesNotMatch",
    "AccessDenied",
    "InvalidAccessKeyId",
    "InvalidArgument",
    "InvalidRequest",
    "NoSuchKey",
    "NoSuchBucket",
    "NoSuchUpload",
    "EntityTooSmall",
    "EntityTooLarge",
    "InvalidPart",
    "InvalidPartOrder",
    "MalformedXML",
    "PreconditionFailed",
    "RequestTimeTooSkewed",
    "RequestTimeout",
    "InternalError",
    "ServiceUnavailable",
    "SlowDown",
];

/// The number of a code.
pub(crate) fn cos_code(code: CosErrorCode<'_>) -> tcc_cos_code {
    match code {
        CosErrorCode::Other(_) => TCC_COS_OTHER,
        CosErrorCode::Cut(_) => TCC_COS_CUT,
        named => CODES
            .iter()
            .position(|c| *c == named.as_str())
            .and_then(|i| u32::try_from(i).ok())
            .map_or(TCC_COS_OTHER, |i| tcc_cos_code(i.saturating_add(1))),
    }
}

/// How a request went, by its answer (a `uint32_t`: one of the
/// `TCC_OUTCOME_*` values).
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct tcc_outcome_kind(pub u32);

/// A 2xx with the document expected: the request succeeded.
pub const TCC_OUTCOME_SUCCESS: tcc_outcome_kind = tcc_outcome_kind(0);
/// COS answered with an `Error` document (on any status, 200 included).
pub const TCC_OUTCOME_SERVICE_ERROR: tcc_outcome_kind = tcc_outcome_kind(1);
/// A status other than 2xx with a document that is not an `Error`.
pub const TCC_OUTCOME_UNEXPECTED_STATUS: tcc_outcome_kind = tcc_outcome_kind(2);
/// A 2xx with another document than the one expected.
pub const TCC_OUTCOME_UNEXPECTED_DOCUMENT: tcc_outcome_kind = tcc_outcome_kind(3);

/// The outcome of a request, from its status and document.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct tcc_outcome {
    /// What happened.
    pub kind: tcc_outcome_kind,
    /// 1 when sending the same request again (signed anew) after a pause
    /// is worth it: a retryable code (`InternalError`,
    /// `ServiceUnavailable`, `SlowDown`, `RequestTimeout`,
    /// `RequestTimeTooSkewed`) or status (5xx, 408, 429); else 0.
    pub retryable: u32,
    /// The error code of a `TCC_OUTCOME_SERVICE_ERROR`, else
    /// `TCC_COS_NONE`.
    pub code: tcc_cos_code,
    /// The document that was read.
    pub document: tcc_document_kind,
    /// The HTTP status given.
    pub status: u16,
}

impl tcc_outcome {
    fn of(status: u16, doc: &Doc, r: core::result::Result<(), CosError>) -> Self {
        let (kind, retryable, code) = match r {
            Ok(()) => (TCC_OUTCOME_SUCCESS, false, TCC_COS_NONE),
            Err(e) => {
                let kind = match e {
                    CosError::Service { .. } => TCC_OUTCOME_SERVICE_ERROR,
                    CosError::UnexpectedStatus { .. } => TCC_OUTCOME_UNEXPECTED_STATUS,
                    CosError::UnexpectedDocument { .. } => TCC_OUTCOME_UNEXPECTED_DOCUMENT,
                    // A kind added to the core later: not a success.
                    _ => TCC_OUTCOME_UNEXPECTED_STATUS,
                };
                (
                    kind,
                    e.is_retryable(),
                    e.code().map_or(TCC_COS_NONE, cos_code),
                )
            }
        };
        Self {
            kind,
            retryable: u32::from(retryable),
            code,
            document: document_kind(doc.kind()),
            status,
        }
    }
}

/// Makes `reader` ready for a new body (any earlier document in it is
/// gone). Storage of `TCC_RESPONSE_READER_SIZE` bytes, aligned to
/// `TCC_RESPONSE_READER_ALIGN`.
///
/// Errors: `TCC_ERR_NULL`, `TCC_ERR_ALIGNMENT`.
///
/// # Safety
///
/// `reader` is NULL or points to `TCC_RESPONSE_READER_SIZE` writable
/// bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tcc_response_reader_init(reader: *mut tcc_response_reader) -> tcc_status {
    status::run(|| {
        // SAFETY: the contract above.
        let slot = unsafe { state::claim(reader)? };
        slot.fill(Reader::Reading(ResponseReader::new()));
        Ok(())
    })
}

/// Takes the next `len` bytes of the body, as they came (split anywhere,
/// even inside a character or an entity). After an error, every later
/// call returns it again.
///
/// Errors: `TCC_ERR_NULL`, `TCC_ERR_LENGTH`, `TCC_ERR_ALIGNMENT`,
/// `TCC_ERR_NOT_INITIALIZED`, `TCC_ERR_STATE` (after
/// `tcc_response_reader_finish`), and the body's: `TCC_ERR_XML`,
/// `TCC_ERR_UNKNOWN_ROOT`, `TCC_ERR_VALUE_TOO_LONG`,
/// `TCC_ERR_DUPLICATE_FIELD`, `TCC_ERR_NESTED_ELEMENT`.
///
/// # Safety
///
/// `reader` as in `tcc_response_reader_init`; `data` is NULL or points
/// to `len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tcc_response_reader_feed(
    reader: *mut tcc_response_reader,
    data: *const u8,
    len: usize,
) -> tcc_status {
    status::run(|| {
        // SAFETY: the contract above.
        let (reader, data) = unsafe { (state::get_mut(reader)?, raw::array(data, len)?) };
        match reader {
            Reader::Reading(r) => r.feed(data).map_err(status::response),
            Reader::Read(_) => Err(TCC_ERR_STATE),
        }
    })
}

/// Ends the body: from here the reader holds the document, or why there
/// is none (`TCC_ERR_INCOMPLETE` for a body that ended early). Calling it
/// again returns the same status.
///
/// Errors: `TCC_ERR_NULL`, `TCC_ERR_ALIGNMENT`, `TCC_ERR_NOT_INITIALIZED`,
/// and the body's (those of `tcc_response_reader_feed`,
/// `TCC_ERR_INCOMPLETE`, `TCC_ERR_MISSING_FIELD`).
///
/// # Safety
///
/// `reader` as in `tcc_response_reader_init`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tcc_response_reader_finish(
    reader: *mut tcc_response_reader,
) -> tcc_status {
    status::run(|| {
        // SAFETY: the contract above.
        let state = unsafe { state::get_mut(reader)? };
        if let Reader::Reading(_) = state {
            // `finish` takes the reader by value: moved out, a stand-in
            // left for the moment.
            let stand_in = Reader::Read(Err(ResponseError::UnknownRoot));
            if let Reader::Reading(r) = core::mem::replace(state, stand_in) {
                *state = Reader::Read(r.finish());
            }
        }
        state.document().map(|_| ())
    })
}

/// Describes the document read into `*document`: its kind and its
/// fields, as views into `reader` (valid until it is initialised again).
///
/// Errors: `TCC_ERR_NULL`, `TCC_ERR_ALIGNMENT`, `TCC_ERR_NOT_INITIALIZED`,
/// `TCC_ERR_STATE` (before `tcc_response_reader_finish`), and the body's
/// error if it could not be read.
///
/// # Safety
///
/// `reader` as in `tcc_response_reader_init`; `document` is NULL or
/// points to a writable `tcc_document`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tcc_response_document(
    reader: *const tcc_response_reader,
    document: *mut tcc_document,
) -> tcc_status {
    status::run(|| {
        // SAFETY: the contract above.
        let (reader, out) = unsafe { (state::get(reader)?, raw::out(document)?) };
        out.set(tcc_document::of(reader.document()?));
        Ok(())
    })
}

/// The outcome of a request answered with `status` and the document
/// read, for a request that expects `expected`
/// (`TCC_DOCUMENT_COPY_PART_RESULT` for an UploadPartCopy,
/// `TCC_DOCUMENT_INITIATE_RESULT`, `TCC_DOCUMENT_COMPLETE_RESULT`): a
/// success, or the error and whether to retry. An `Error` document on a
/// 200 is an error.
///
/// Returns `TCC_OK` when `*outcome` is filled in (whatever the outcome);
/// errors: `TCC_ERR_NULL`, `TCC_ERR_ALIGNMENT`, `TCC_ERR_NOT_INITIALIZED`,
/// `TCC_ERR_ARGUMENT` (another `expected`), `TCC_ERR_STATE` (before
/// `tcc_response_reader_finish`), and the body's error if it could not be
/// read (then only the status can tell whether to retry).
///
/// # Safety
///
/// `reader` as in `tcc_response_reader_init`; `outcome` is NULL or
/// points to a writable `tcc_outcome`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tcc_response_outcome(
    reader: *const tcc_response_reader,
    status: u16,
    expected: tcc_document_kind,
    outcome: *mut tcc_outcome,
) -> tcc_status {
    status::run(|| {
        // SAFETY: the contract above.
        let (reader, out) = unsafe { (state::get(reader)?, raw::out(outcome)?) };
        let doc = reader.document()?;
        let r = match expected {
            TCC_DOCUMENT_COPY_PART_RESULT => part_result(status, doc).map(|_| ()),
            TCC_DOCUMENT_INITIATE_RESULT => initiate_result(status, doc).map(|_| ()),
            TCC_DOCUMENT_COMPLETE_RESULT => complete_result(status, doc).map(|_| ()),
            _ => return Err(TCC_ERR_ARGUMENT),
        };
        out.set(tcc_outcome::of(status, doc, r));
        Ok(())
    })
}
