#![doc = include_str!("../README.md")]
//!
//! ## Where things are
//!
//! Every item has one path. Types, functions and constants are at the
//! crate root, except in five modules that are namespaces of their own,
//! whose names would collide or read badly at the root:
//!
//! * [`copy`]: the multipart-copy state machine and its vocabulary
//!   (`Request`, `Job`, `Poll`, `Answer`, `Headers`, `Document`, `Notice`);
//! * [`http1`]: the HTTP/1.1 response reader (`Reader`, `Event`, `Head`);
//! * [`xml`]: the tokenizer every XML document is read with, public so
//!   that a gateway or an emulator reads COS's request documents with the
//!   same grammar (its page says more);
//! * `io` and `http_interop`: the adapters the `embedded-io` and `http`
//!   features bring.
//!
//! Everything the crate writes (a header value, a request head, a body, a
//! string a signature covers) is an [`Output`]: [`len`](Output::len) first,
//! then [`to_slice`](Output::to_slice) into a buffer of that size or
//! [`write_to`](Output::write_to) any `core::fmt::Write`.
//!
//! Every error enum is `#[non_exhaustive]` and implements `Display` and
//! `core::error::Error`. A variant that only wraps another error is a
//! one-field tuple (`RequestError::Sign(SignError)`) and `source()` returns
//! the wrapped error (a transport's own error in `io::WireError` excepted:
//! an `embedded-io` error need not implement `Error`); a variant that
//! carries anything else names its fields
//! (`ResponseError::MissingField { field }`).
#![cfg_attr(not(test), no_std)]
// docs.rs (`--cfg docsrs`, nightly rustdoc): each feature-gated item shows
// the feature it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![warn(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    clippy::alloc_instead_of_core
)]

mod auth;
mod bytes;
mod condition;
pub mod copy;
mod copy_source;
mod cos_error;
mod credentials;
mod date;
mod encode;
mod explain;
mod hash;
pub mod http1;
#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub mod http_interop;
#[cfg(feature = "embedded-io")]
#[cfg_attr(docsrs, doc(cfg(feature = "embedded-io")))]
pub mod io;
mod plan;
mod range;
mod redact;
mod request;
mod response;
mod sign;
mod sink;
mod wire;
pub mod xml;

pub use auth::{Authorization, AuthorizationError, AuthorizationField, VerifyError, VerifyPolicy};
pub use condition::{
    ConditionError, ConditionHeader, ConditionHeaders, CopyCondition, ETag, ETagError, HeaderValue,
};
pub use copy_source::{
    CopySource, CopySourceError, Domain, HostKind, MAX_APPID_LEN, MAX_BUCKET_NAME_LEN,
    MAX_REGION_LEN,
};
pub use cos_error::{
    CodeText, CosError, CosErrorCode, MAX_CODE_LEN, ResponseHeaders, complete_result,
    initiate_result, is_retryable_status, part_result,
};
pub use credentials::{Credentials, CredentialsError, KeyTime, KeyTimeError, MAX_SECRET_ID_LEN};
pub use date::{
    DateError, HttpDate, MAX_UNIX, http_date, parse_http_date, parse_http_date_at,
    parse_imf_fixdate, parse_iso8601,
};
pub use explain::{Difference, Mismatch, SignedText, Window, explain};
pub use plan::{
    CopyPlan, MAX_OBJECT_SIZE, MAX_PART_SIZE, MAX_PARTS, MIN_PART_SIZE, Parts, PlanError,
};
pub use range::{ByteRange, RangeError, RangeValue};
pub use request::{
    AbortMultipartUpload, CompleteBody, CompleteMultipartUpload, HeadObject, Host,
    InitiateMultipartUpload, KeyError, MAX_PART_NUMBER, Method, RequestError, RequestHead,
    RequestTarget, SignedRequest, SourceCustomerKey, UploadPartCopy,
};
pub use response::{
    CompleteMultipartUploadResult, CopyPartResult, CosErrorBody, CutFields, DocumentKind, Field,
    InitiateMultipartUploadResult, Response, ResponseError, ResponseReader,
};
pub use sign::{
    AuthorizationValue, CanonicalRequest, HttpString, PairKind, PresignedQuery, Selection,
    SignError, Signature, Signed, Signer, SigningKey, StringToSign, sdk_signs_header,
};
pub use sink::{Output, OutputError};
