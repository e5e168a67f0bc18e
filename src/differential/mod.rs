//! Differential testing: a candidate reducer (an external command, a Rust reducer with its own
//! types, or a git baseline of this crate) run against the reference on the corpus, the upstream
//! cases and generated streams; every disagreement shrunk with the candidate in the loop and
//! written to disk as a minimal bundle.
//!
//! A Rust reducer plugs in through [`JsonReducer`] (its own types, the state as JSON) or, for one
//! written against our model, [`Typed`] over [`crate::suite::Reducer`]. [`check_reducer`] is the
//! one call for a reducer's own `cargo test`:
//!
//! ```text
//! use rollout_conformance::differential::{check_reducer, HarnessConfig, JsonReducer};
//!
//! struct Mine;
//! impl JsonReducer for Mine {
//!     fn name(&self) -> &str { "mine" }
//!     fn reduce_json(&self, bundle: &Bundle) -> Result<serde_json::Value, String> { my_reduce(bundle) }
//! }
//!
//! #[test]
//! fn agrees_with_the_reference() {
//!     check_reducer(&Mine, &HarnessConfig::default()); // panics with every minimized disagreement
//! }
//! ```

mod baseline;
mod cases;
mod external;
mod harness;
mod judge;
mod persist;
mod planted;
mod runner;
mod screen;
mod shrink;

use std::path::Path;

use serde_json::Value;

use crate::bundle::{Bundle, LogBounds};
use crate::suite::{Reducer, ReferenceReducer};
pub use baseline::Baseline;
pub use cases::{bundle_cases, corpus_cases, upstream_cases, CaseSize, Expected, FixedCase};
pub use external::ExternalCommand;
pub use harness::{check_reducer, check_typed_reducer, harness_report, HarnessConfig};
pub use judge::{judge, Comparison, Verdict};
#[doc(hidden)]
pub use planted::planted_main;
pub use runner::{compare, CompareConfig};
pub use shrink::ShrinkLimits;

/// A Rust reducer with its own types: a bundle in, the reduced state as JSON (what `reduce`
/// writes to state.json) or its top-level error message out. `Sync`, because cases run in
/// parallel.
pub trait JsonReducer: Sync {
    /// A short name for reports.
    fn name(&self) -> &str;

    /// Reduce a bundle. `Err` carries the top-level message (upstream's wording, for
    /// `--match-errors`), without context lines.
    fn reduce_json(&self, bundle: &Bundle) -> Result<Value, String>;
}

/// A reducer written against our typed model, as a [`JsonReducer`]; `Typed(ReferenceReducer)` is
/// the reference.
#[derive(Debug, Clone, Copy, Default)]
pub struct Typed<R>(pub R);

impl<R: Reducer + Sync> JsonReducer for Typed<R> {
    fn name(&self) -> &str {
        self.0.name()
    }

    fn reduce_json(&self, bundle: &Bundle) -> Result<Value, String> {
        let replayed = self.0.reduce(bundle).map_err(|e| e.message())?;
        serde_json::to_value(&replayed.trace).map_err(|e| format!("serialize the reduced state: {e}"))
    }
}

/// The reference reducer at the default revision, as a JSON-level reducer.
pub fn reference() -> Typed<ReferenceReducer> {
    Typed(ReferenceReducer::default())
}

/// The reference reducer at `revision`, as a JSON-level reducer.
pub fn reference_at(revision: &'static crate::revision::Revision) -> Typed<ReferenceReducer> {
    Typed(ReferenceReducer::at(revision))
}

/// What one reducer did with one bundle on disk.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// A reduced state.
    State(Value),
    /// The reducer rejected the bundle: its top-level message, and (for a process) the stderr tail.
    Rejected { message: String, stderr: String },
    /// Killed by a signal, exited 101 (a Rust panic), panicked in process, or could not start.
    Crashed { detail: String },
    /// Ran past the per-case timeout and was stopped.
    TimedOut { stderr: String },
    /// Exited 0 with output that is not JSON: an excerpt of it.
    Garbage { excerpt: String },
}

/// Anything that can be run on a bundle directory: an external command or a [`JsonReducer`].
pub trait Candidate: Sync {
    fn name(&self) -> &str;

    /// Run on the bundle at `dir`, reading it within `bounds` (a process reads for itself: the
    /// bounds are for reducers in this process). Never panics: every failure is an [`Outcome`].
    fn run(&self, dir: &Path, bounds: LogBounds) -> Outcome;
}

impl<R: JsonReducer + ?Sized> Candidate for R {
    fn name(&self) -> &str {
        JsonReducer::name(self)
    }

    /// Reads the bundle first, within `bounds`: a bundle that does not read is rejected with the
    /// reader's error, as `reduce` would.
    fn run(&self, dir: &Path, bounds: LogBounds) -> Outcome {
        let bundle = match Bundle::read_dir_bounded(dir, bounds) {
            Ok(bundle) => bundle,
            Err(e) => return Outcome::Rejected { message: e.message(), stderr: String::new() },
        };
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.reduce_json(&bundle))) {
            Ok(Ok(state)) => Outcome::State(state),
            Ok(Err(message)) => Outcome::Rejected { message, stderr: String::new() },
            Err(panic) => {
                let text = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_default();
                Outcome::Crashed { detail: format!("panicked: {text}") }
            }
        }
    }
}
