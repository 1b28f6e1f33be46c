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
pub mod credentials;
mod encode;
mod hash;
pub mod request;
pub mod sign;
pub mod sink;
pub mod wire;
pub mod xml;

pub use auth::{Authorization, AuthorizationError, VerifyError, VerifyPolicy};
pub use credentials::{Credentials, CredentialsError, KeyTime, KeyTimeError};
pub use sign::{
    CanonicalRequest, MAX_PAIRS, PairKind, Selection, SignError, Signature, Signed, SigningKey,
};
pub use sink::OutputError;
