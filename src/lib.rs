//! rollout-conformance: a reference reducer, generators and conformance checks for Codex
//! rollout-trace bundles.

pub mod bundle;
pub mod cli;
pub mod error;
pub mod model;
pub mod reducer;

pub use error::{Error, ErrorKind};
