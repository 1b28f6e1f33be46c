//! The status codes every function returns, their messages, and the
//! mapping from the core's typed errors.

use core::ffi::{CStr, c_char, c_int};
use tencent_cos_core::copy::CopyError;
use tencent_cos_core::xml::XmlErrorKind;
use tencent_cos_core::{
    AuthorizationError, CopySourceError, CredentialsError, OutputError, PlanError, RequestError,
    ResponseError, SignError, VerifyError,
};

macro_rules! messages {
    ($($name:ident = $value:literal, $message:literal;)*) => {
        impl tcc_status {
            /// Every status, in declaration order (for tests).
            pub const ALL: &[tcc_status] = &[$(Self::$name,)*];

            /// The static message of this status.
            pub const fn message(self) -> &'static CStr {
                match self {
                    $(Self::$name => $message,)*
                }
            }

            /// The status numbered `code`, if any.
            pub const fn from_code(code: c_int) -> Option<Self> {
                match code {
                    $($value => Some(Self::$name),)*
                    _ => None,
                }
            }
        }
    };
}

/// What a call did: `TCC_OK`, or why it did nothing useful.
///
/// The numbers are stable; `tcc_strerror` gives a short static message
/// for each. A function that fails leaves its outputs unspecified, but
/// for `*needed` where it says so. Only functions return this type (in a
/// register, widened to a word): no struct holds it, so its size (1 byte
/// with `-fshort-enums`, the default of `arm-none-eabi-gcc`, else 4) never
/// changes a layout.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum tcc_status {
    /// Success.
    TCC_OK = 0,
    /// A required pointer is NULL, or a pointer is NULL with a length
    /// other than 0.
    TCC_ERR_NULL = 1,
    /// A length is impossible: the bytes it spans would pass the end of
    /// the address space or exceed PTRDIFF_MAX.
    TCC_ERR_LENGTH = 2,
    /// A string is not valid UTF-8.
    TCC_ERR_UTF8 = 3,
    /// A pointer is not aligned for its type (caller storage of an opaque
    /// type: see the `TCC_*_ALIGN` constants).
    TCC_ERR_ALIGNMENT = 4,
    /// Opaque storage was never initialised by its `_init` function, its
    /// initialisation failed, or it holds another type.
    TCC_ERR_NOT_INITIALIZED = 5,
    /// The call does not fit the object's state (a reader fed after
    /// `tcc_response_reader_finish`, a document asked for before it).
    TCC_ERR_STATE = 6,
    /// An enumerated argument is out of range, or fields that exclude
    /// each other are both set.
    TCC_ERR_ARGUMENT = 7,
    /// The output buffer is too small; `*needed` holds the size needed.
    TCC_ERR_BUFFER_TOO_SMALL = 8,
    /// The scratch buffer is too small; `*needed` holds the size needed.
    TCC_ERR_SCRATCH_TOO_SMALL = 9,
    /// A request has more params and headers together than
    /// `TCC_SMALL_PAIRS` and its `pair_table` has fewer slots than it has
    /// pairs; `*needed`, where the function has one, holds the slots
    /// needed.
    TCC_ERR_PAIR_TABLE = 10,
    /// The SecretId is empty, not printable ASCII, or holds `&`.
    TCC_ERR_SECRET_ID = 20,
    /// The SecretKey is empty or has surrounding whitespace.
    TCC_ERR_SECRET_KEY = 21,
    /// The security token has surrounding whitespace or a control byte.
    TCC_ERR_TOKEN = 22,
    /// The key time's start is after its end.
    TCC_ERR_KEY_TIME = 23,
    /// The method is empty or not an HTTP token.
    TCC_ERR_METHOD = 30,
    /// A param or header has an empty name.
    TCC_ERR_EMPTY_NAME = 31,
    /// A signed header name is not an HTTP token.
    TCC_ERR_HEADER_NAME = 32,
    /// A signed header value holds CR, LF or NUL (or a caller's header
    /// value of a built request is empty).
    TCC_ERR_HEADER_VALUE = 33,
    /// Two params or two signed headers have names equal after
    /// lowercasing.
    TCC_ERR_DUPLICATE_NAME = 34,
    /// The `Host` value is empty or holds a byte a host cannot have.
    TCC_ERR_HOST = 40,
    /// The object key is empty, `.` or `..`.
    TCC_ERR_OBJECT_KEY = 41,
    /// The part number is outside 1..=10000.
    TCC_ERR_PART_NUMBER = 42,
    /// The upload id is empty or holds whitespace or control bytes.
    TCC_ERR_UPLOAD_ID = 43,
    /// A bucket (`name-APPID`) or region is invalid.
    TCC_ERR_BUCKET = 44,
    /// The copy source is invalid (key, version id).
    TCC_ERR_COPY_SOURCE = 45,
    /// The byte range is reversed, empty or overflows.
    TCC_ERR_RANGE = 46,
    /// An entity-tag is empty, `*`, unquoted or holds a byte not allowed.
    TCC_ERR_ETAG = 47,
    /// The copy conditions are a combination COS does not take, or a date
    /// is out of range.
    TCC_ERR_CONDITION = 48,
    /// An SSE-C key is not 44 base64 characters, or its MD5 not 24.
    TCC_ERR_SSE_C_KEY = 49,
    /// CompleteMultipartUpload parts are not in strictly ascending order.
    TCC_ERR_PART_ORDER = 50,
    /// CompleteMultipartUpload has no parts.
    TCC_ERR_NO_PARTS = 51,
    /// A part's ETag is empty or holds a control byte or a non-XML
    /// character.
    TCC_ERR_PART_ETAG = 52,
    /// The object is empty or larger than 10000 parts of 5 GiB.
    TCC_ERR_PLAN = 53,
    /// The body is not well-formed XML.
    TCC_ERR_XML = 60,
    /// The body ended before its root element closed.
    TCC_ERR_INCOMPLETE = 61,
    /// The root element is none of the four documents.
    TCC_ERR_UNKNOWN_ROOT = 62,
    /// An ETag or UploadId is longer than the reader's capacity
    /// (`TCC_VALUE_CAPACITY`).
    TCC_ERR_VALUE_TOO_LONG = 63,
    /// A field appears twice.
    TCC_ERR_DUPLICATE_FIELD = 64,
    /// A field holds an element instead of text.
    TCC_ERR_NESTED_ELEMENT = 65,
    /// A required field is absent or empty.
    TCC_ERR_MISSING_FIELD = 66,
    /// The Authorization value or presigned query is malformed.
    TCC_ERR_AUTHORIZATION = 70,
    /// `q-sign-time` and `q-key-time` differ.
    TCC_ERR_TIME_MISMATCH = 71,
    /// The signature's window is longer than the policy allows.
    TCC_ERR_LIFETIME = 72,
    /// `now` is before the signature's window.
    TCC_ERR_NOT_YET_VALID = 73,
    /// `now` is after the signature's window.
    TCC_ERR_EXPIRED = 74,
    /// A name the signature lists is not in the request.
    TCC_ERR_SIGNED_PAIR_MISSING = 75,
    /// A header or param the policy wants signed is not.
    TCC_ERR_UNSIGNED = 76,
    /// The signature does not match.
    TCC_ERR_SIGNATURE_MISMATCH = 77,
    /// The part slot array has fewer slots than the plan has parts.
    TCC_ERR_PART_STORAGE = 80,
    /// The copy machine has no signing key (`tcc_copy_set_key`).
    TCC_ERR_NO_KEY = 81,
    /// The job cannot be sent now.
    TCC_ERR_NOT_READY = 82,
    /// The job is not one the machine handed out and is waiting for.
    TCC_ERR_NOT_IN_FLIGHT = 83,
    /// The copy source's key cannot be decoded.
    TCC_ERR_SOURCE_KEY = 84,
    /// An error this interface does not name (a newer core's).
    TCC_ERR_INTERNAL = 99,
}

// The messages, and the numbers again (the test below checks that they
// agree with the enum; a variant missing here does not compile).
messages! {
    TCC_OK = 0, c"success";
    TCC_ERR_NULL = 1, c"a required pointer is NULL";
    TCC_ERR_LENGTH = 2, c"a length is impossible for its pointer";
    TCC_ERR_UTF8 = 3, c"a string is not valid UTF-8";
    TCC_ERR_ALIGNMENT = 4, c"a pointer is misaligned for its type";
    TCC_ERR_NOT_INITIALIZED = 5, c"opaque storage is not initialised (or of another type)";
    TCC_ERR_STATE = 6, c"the call does not fit the object's state";
    TCC_ERR_ARGUMENT = 7, c"an argument is out of range or conflicts with another";
    TCC_ERR_BUFFER_TOO_SMALL = 8, c"output buffer too small (see *needed)";
    TCC_ERR_SCRATCH_TOO_SMALL = 9, c"scratch buffer too small (see *needed)";
    TCC_ERR_PAIR_TABLE = 10, c"a request of more than 16 pairs needs a pair table of as many slots";
    TCC_ERR_SECRET_ID = 20, c"SecretId is empty or invalid";
    TCC_ERR_SECRET_KEY = 21, c"SecretKey is empty or has surrounding whitespace";
    TCC_ERR_TOKEN = 22, c"security token is invalid";
    TCC_ERR_KEY_TIME = 23, c"key time start is after its end";
    TCC_ERR_METHOD = 30, c"method is empty or not an HTTP token";
    TCC_ERR_EMPTY_NAME = 31, c"a param or header has an empty name";
    TCC_ERR_HEADER_NAME = 32, c"a header name is not an HTTP token";
    TCC_ERR_HEADER_VALUE = 33, c"a header value is empty or holds CR, LF or NUL";
    TCC_ERR_DUPLICATE_NAME = 34, c"two names are equal after lowercasing";
    TCC_ERR_HOST = 40, c"host is empty or invalid";
    TCC_ERR_OBJECT_KEY = 41, c"object key is empty, '.' or '..'";
    TCC_ERR_PART_NUMBER = 42, c"part number is outside 1..=10000";
    TCC_ERR_UPLOAD_ID = 43, c"upload id is empty or invalid";
    TCC_ERR_BUCKET = 44, c"bucket or region is invalid";
    TCC_ERR_COPY_SOURCE = 45, c"copy source is invalid";
    TCC_ERR_RANGE = 46, c"byte range is invalid";
    TCC_ERR_ETAG = 47, c"entity-tag is invalid";
    TCC_ERR_CONDITION = 48, c"copy conditions are an invalid combination or date";
    TCC_ERR_SSE_C_KEY = 49, c"SSE-C key or its MD5 is not base64 of the right length";
    TCC_ERR_PART_ORDER = 50, c"parts are not in strictly ascending order";
    TCC_ERR_NO_PARTS = 51, c"no parts to complete";
    TCC_ERR_PART_ETAG = 52, c"a part's ETag is invalid";
    TCC_ERR_PLAN = 53, c"object size cannot be copied in parts";
    TCC_ERR_XML = 60, c"body is not well-formed XML";
    TCC_ERR_INCOMPLETE = 61, c"body ended before the document did";
    TCC_ERR_UNKNOWN_ROOT = 62, c"unknown root element";
    TCC_ERR_VALUE_TOO_LONG = 63, c"ETag or UploadId longer than the reader's capacity";
    TCC_ERR_DUPLICATE_FIELD = 64, c"a field appears twice";
    TCC_ERR_NESTED_ELEMENT = 65, c"a field holds an element";
    TCC_ERR_MISSING_FIELD = 66, c"a required field is missing or empty";
    TCC_ERR_AUTHORIZATION = 70, c"authorization is malformed";
    TCC_ERR_TIME_MISMATCH = 71, c"q-sign-time and q-key-time differ";
    TCC_ERR_LIFETIME = 72, c"signature window is longer than the policy allows";
    TCC_ERR_NOT_YET_VALID = 73, c"request is not yet valid";
    TCC_ERR_EXPIRED = 74, c"request has expired";
    TCC_ERR_SIGNED_PAIR_MISSING = 75, c"a signed name is not in the request";
    TCC_ERR_UNSIGNED = 76, c"a header or param the policy requires is not signed";
    TCC_ERR_SIGNATURE_MISMATCH = 77, c"signature does not match";
    TCC_ERR_PART_STORAGE = 80, c"too few part slots for the plan";
    TCC_ERR_NO_KEY = 81, c"no signing key given to the copy machine";
    TCC_ERR_NOT_READY = 82, c"the job cannot be sent now";
    TCC_ERR_NOT_IN_FLIGHT = 83, c"the job is not in flight";
    TCC_ERR_SOURCE_KEY = 84, c"copy source key cannot be decoded";
    TCC_ERR_INTERNAL = 99, c"unexpected error";
}

/// The message for a code that is no status.
const UNKNOWN: &CStr = c"unknown status code";

/// A short, static, NUL-terminated message for `code` (any integer:
/// a code that is no `tcc_status` gives "unknown status code"). Never
/// NULL; never free it.
#[unsafe(no_mangle)]
pub extern "C" fn tcc_strerror(code: c_int) -> *const c_char {
    tcc_status::from_code(code)
        .map_or(UNKNOWN, tcc_status::message)
        .as_ptr()
}

use tcc_status::*;

/// The result of a step of a call.
pub(crate) type Result<T> = core::result::Result<T, tcc_status>;

/// Runs the body of a call and gives its status.
pub(crate) fn run(body: impl FnOnce() -> Result<()>) -> tcc_status {
    match body() {
        Ok(()) => TCC_OK,
        Err(e) => e,
    }
}

/// A length written, or an error with the length needed (0 when the
/// error is not about a length).
pub(crate) type Written = core::result::Result<usize, (tcc_status, usize)>;

/// Reports a [`Written`] result's length in `*needed` and gives its status.
pub(crate) fn sized(needed: crate::raw::Needed<'_>, r: Written) -> Result<()> {
    match r {
        Ok(n) => {
            needed.report(n);
            Ok(())
        }
        Err((code, n)) => {
            if n > 0 {
                needed.report(n);
            }
            Err(code)
        }
    }
}

pub(crate) fn credentials(e: CredentialsError) -> tcc_status {
    match e {
        CredentialsError::EmptySecretId
        | CredentialsError::InvalidSecretId
        | CredentialsError::SecretIdTooLong => TCC_ERR_SECRET_ID,
        CredentialsError::EmptySecretKey | CredentialsError::SecretKeyWhitespace => {
            TCC_ERR_SECRET_KEY
        }
        CredentialsError::EmptyToken
        | CredentialsError::TokenWhitespace
        | CredentialsError::InvalidToken
        | CredentialsError::UnexpectedToken => TCC_ERR_TOKEN,
        // A check added to the core later: the credentials are refused.
        _ => TCC_ERR_ARGUMENT,
    }
}

/// A too-small buffer as `too_small`, with the size needed.
pub(crate) fn output(e: OutputError, too_small: tcc_status) -> (tcc_status, usize) {
    match e {
        OutputError::BufferTooSmall { needed } => (too_small, needed),
        // Only a `core::fmt::Write` refuses a write; buffers never do.
        OutputError::Sink => (TCC_ERR_INTERNAL, 0),
        _ => (TCC_ERR_INTERNAL, 0),
    }
}

pub(crate) fn sign(e: SignError) -> tcc_status {
    match e {
        SignError::InvalidMethod => TCC_ERR_METHOD,
        SignError::EmptyName { .. } => TCC_ERR_EMPTY_NAME,
        SignError::InvalidHeaderName { .. } => TCC_ERR_HEADER_NAME,
        SignError::InvalidHeaderValue { .. } => TCC_ERR_HEADER_VALUE,
        SignError::DuplicateName { .. } => TCC_ERR_DUPLICATE_NAME,
        SignError::MissingToken => TCC_ERR_TOKEN,
        SignError::Output(_) => TCC_ERR_INTERNAL,
        // A check added to the core later: the request is refused.
        _ => TCC_ERR_ARGUMENT,
    }
}

pub(crate) fn copy_source(e: CopySourceError) -> tcc_status {
    match e {
        CopySourceError::InvalidBucketName
        | CopySourceError::InvalidAppId
        | CopySourceError::InvalidRegion
        | CopySourceError::MissingRegion => TCC_ERR_BUCKET,
        _ => TCC_ERR_COPY_SOURCE,
    }
}

/// A builder's error; a too-small buffer is the scratch's.
pub(crate) fn request(e: RequestError) -> (tcc_status, usize) {
    let code = match e {
        RequestError::Output(o) => return output(o, TCC_ERR_SCRATCH_TOO_SMALL),
        RequestError::InvalidHost => TCC_ERR_HOST,
        RequestError::Key(_) => TCC_ERR_OBJECT_KEY,
        RequestError::PartNumber => TCC_ERR_PART_NUMBER,
        RequestError::UploadId => TCC_ERR_UPLOAD_ID,
        RequestError::HeaderValue => TCC_ERR_HEADER_VALUE,
        RequestError::PartOrder => TCC_ERR_PART_ORDER,
        RequestError::NoParts => TCC_ERR_NO_PARTS,
        RequestError::PartETag => TCC_ERR_PART_ETAG,
        RequestError::Bucket(e) => copy_source(e),
        RequestError::ConditionDate(_) => TCC_ERR_CONDITION,
        RequestError::SseCustomerKey => TCC_ERR_SSE_C_KEY,
        RequestError::Sign(e) => sign(e),
        RequestError::TooManyPairs { .. } => TCC_ERR_INTERNAL,
        // A check added to the core later: the request is refused.
        _ => TCC_ERR_ARGUMENT,
    };
    (code, 0)
}

pub(crate) fn response(e: ResponseError) -> tcc_status {
    match e {
        ResponseError::Xml(x) if x.kind == XmlErrorKind::Incomplete => TCC_ERR_INCOMPLETE,
        ResponseError::Xml(_) => TCC_ERR_XML,
        ResponseError::UnknownRoot => TCC_ERR_UNKNOWN_ROOT,
        ResponseError::ValueTooLong { .. } => TCC_ERR_VALUE_TOO_LONG,
        ResponseError::DuplicateField { .. } => TCC_ERR_DUPLICATE_FIELD,
        ResponseError::NestedElement { .. } => TCC_ERR_NESTED_ELEMENT,
        ResponseError::MissingField { .. } => TCC_ERR_MISSING_FIELD,
        // A check added to the core later: the document is unreadable.
        _ => TCC_ERR_XML,
    }
}

/// A presigned query's parse error; a too-small buffer is the scratch's.
pub(crate) fn authorization(e: AuthorizationError) -> (tcc_status, usize) {
    match e {
        AuthorizationError::Output(o) => output(o, TCC_ERR_SCRATCH_TOO_SMALL),
        _ => (TCC_ERR_AUTHORIZATION, 0),
    }
}

pub(crate) fn verify(e: VerifyError) -> tcc_status {
    match e {
        VerifyError::TimeMismatch => TCC_ERR_TIME_MISMATCH,
        VerifyError::LifetimeTooLong => TCC_ERR_LIFETIME,
        VerifyError::NotYetValid => TCC_ERR_NOT_YET_VALID,
        VerifyError::Expired => TCC_ERR_EXPIRED,
        VerifyError::Request(e) => sign(e),
        VerifyError::SignedHeaderMissing { .. } | VerifyError::SignedParamMissing { .. } => {
            TCC_ERR_SIGNED_PAIR_MISSING
        }
        VerifyError::RequiredHeaderUnsigned { .. }
        | VerifyError::HeaderUnsigned { .. }
        | VerifyError::ParamUnsigned { .. } => TCC_ERR_UNSIGNED,
        VerifyError::InvalidSecretKey => TCC_ERR_SECRET_KEY,
        VerifyError::SignatureMismatch => TCC_ERR_SIGNATURE_MISMATCH,
        // A check added to the core later: the signature is refused.
        _ => TCC_ERR_AUTHORIZATION,
    }
}

/// Every plan error, those added later too, is `TCC_ERR_PLAN`.
pub(crate) fn plan(_: PlanError) -> tcc_status {
    TCC_ERR_PLAN
}

/// The copy machine's error; a too-small buffer is `too_small`.
pub(crate) fn copy(e: CopyError, too_small: tcc_status) -> (tcc_status, usize) {
    let code = match e {
        CopyError::Output(o) => return output(o, too_small),
        CopyError::Request(e) => return request(e),
        CopyError::PartStorage { .. } => TCC_ERR_PART_STORAGE,
        CopyError::SourceKey(_) => TCC_ERR_SOURCE_KEY,
        CopyError::NoKey => TCC_ERR_NO_KEY,
        CopyError::NotReady => TCC_ERR_NOT_READY,
        // A case added to the core later: the call does not fit the state.
        _ => TCC_ERR_STATE,
    };
    (code, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_messages_static() {
        for (i, a) in tcc_status::ALL.iter().enumerate() {
            let code = *a as c_int;
            assert_eq!(tcc_status::from_code(code), Some(*a));
            assert!(!a.message().is_empty());
            for b in tcc_status::ALL.iter().skip(i + 1) {
                assert_ne!(code, *b as c_int);
                assert_ne!(a.message(), b.message());
            }
            // SAFETY: tcc_strerror returns a static NUL-terminated string.
            let m = unsafe { CStr::from_ptr(tcc_strerror(code)) };
            assert_eq!(m, a.message());
        }
        for code in [-1, 11, 98, 100, c_int::MAX, c_int::MIN] {
            // SAFETY: as above.
            let m = unsafe { CStr::from_ptr(tcc_strerror(code)) };
            assert_eq!(m, UNKNOWN);
        }
    }
}
