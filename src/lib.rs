#![doc = include_str!("../README.md")]
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]
#![warn(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    clippy::alloc_instead_of_core
)]

pub mod auth;
mod bytes;
pub mod condition;
pub mod copy;
pub mod copy_source;
pub mod cos_error;
pub mod credentials;
pub mod date;
mod encode;
pub mod explain;
mod hash;
pub mod http1;
#[cfg(feature = "http")]
pub mod http_interop;
#[cfg(feature = "embedded-io")]
pub mod io;
pub mod plan;
pub mod range;
mod redact;
pub mod request;
pub mod response;
pub mod sign;
mod sink;
mod wire;
pub mod xml;

pub use auth::{Authorization, AuthorizationError, VerifyError, VerifyPolicy};
pub use condition::{ConditionError, CopyCondition, ETag, ETagError};
pub use copy_source::{CopySource, CopySourceError, Domain, HostKind};
pub use cos_error::{
    CodeText, CosError, CosErrorCode, MAX_CODE_LEN, ResponseHeaders, complete_result,
    initiate_result, part_result,
};
pub use credentials::{Credentials, CredentialsError, KeyTime, KeyTimeError, MAX_SECRET_ID_LEN};
pub use date::{DateError, HttpDate};
pub use explain::{Difference, Mismatch, SignedText, explain};
pub use http1::Http1Error;
pub use plan::{CopyPlan, PlanError};
pub use range::{ByteRange, RangeError, RangeValue};
pub use request::{
    AbortMultipartUpload, CompleteBody, CompleteMultipartUpload, HeadObject, Host,
    InitiateMultipartUpload, KeyError, RequestError, SignedRequest, SourceCustomerKey,
    UploadPartCopy,
};
pub use response::{
    CompleteMultipartUploadResult, CopyPartResult, CosErrorBody, CutFields, DocumentKind, Field,
    InitiateMultipartUploadResult, Response, ResponseError, ResponseReader,
};
pub use sign::{
    CanonicalRequest, PairKind, Selection, SignError, Signature, Signed, Signer, SigningKey,
};
pub use sink::OutputError;
