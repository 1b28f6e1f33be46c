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
pub mod condition;
pub mod copy_source;
pub mod credentials;
pub mod date;
mod encode;
mod hash;
pub mod plan;
pub mod range;
pub mod request;
pub mod sign;
pub mod sink;
pub mod wire;

pub use auth::{Authorization, AuthorizationError, VerifyError, VerifyPolicy};
pub use condition::{ConditionError, CopyCondition, ETag, ETagError};
pub use copy_source::{CopySource, CopySourceError, Domain, HostKind};
pub use credentials::{Credentials, CredentialsError, KeyTime, KeyTimeError};
pub use date::{DateError, HttpDate};
pub use plan::{CopyPlan, PlanError};
pub use range::{ByteRange, RangeError, RangeValue};
pub use sign::{
    CanonicalRequest, MAX_PAIRS, PairKind, Selection, SignError, Signature, Signed, SigningKey,
};
pub use sink::OutputError;
