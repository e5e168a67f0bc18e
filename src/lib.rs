//! rollout-conformance: a reference reducer, generators and conformance checks for Codex
//! rollout-trace bundles.

pub mod bundle;
pub mod canon;
pub mod cli;
pub mod diff;
pub mod differential;
pub mod error;
pub mod generate;
pub mod model;
pub mod reducer;
pub mod report;
pub mod revision;
pub mod rules;
pub mod suite;

pub use error::{Error, ErrorKind};
