//! Rules a bundle, its stream and its reduced graph must satisfy: the one catalog, and the checks
//! that report against it.

pub mod catalog;
pub mod check;
pub mod config;
pub mod docs;
pub mod drain;
pub mod graph;
pub mod hazard;
mod limits;
pub mod locate;
pub mod stream;
mod violation;

pub use catalog::{Family, Rule, Severity};
pub use limits::Limits;
pub use violation::{Location, Violation};
