#![doc = include_str!("../README.md")]
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

pub mod auth;
pub mod credentials;
mod encode;
mod hash;
pub mod sign;
pub mod sink;
pub mod xml;

pub use auth::{Authorization, AuthorizationError, VerifyError, VerifyPolicy};
pub use credentials::{Credentials, CredentialsError, KeyTime, KeyTimeError};
pub use sign::{
    CanonicalRequest, MAX_PAIRS, PairKind, Selection, SignError, Signature, Signed, SigningKey,
};
pub use sink::OutputError;
