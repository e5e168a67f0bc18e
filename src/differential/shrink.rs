//! Shrinking a generated disagreement with the candidate in the loop: proptest's own runner, on
//! the draw's strategy and RNG, with a test that fails while the candidate still disagrees in the
//! same way. The minimal case is what proptest shrinks to.

use std::cell::Cell;
use std::time::{Duration, Instant};

use proptest::test_runner::{Config, TestCaseError, TestError};

use super::cases::{bundle_of, case_runner, draw_strategy, Variant};
use super::runner::run_pair;
use super::{Candidate, Comparison, Outcome, Verdict};
use crate::bundle::{Bundle, LogBounds};
use crate::generate::mutate::MutationKind;
use crate::generate::scenario::Size;
use crate::report::DisagreementKind;
use crate::revision::Revision;

/// How hard to shrink one case.
#[derive(Debug, Clone, Copy)]
pub struct ShrinkLimits {
    /// Shrink steps (each runs the candidate once); 0 keeps the case as found.
    pub max_iters: u32,
    pub max_time: Duration,
}

impl Default for ShrinkLimits {
    fn default() -> Self {
        ShrinkLimits { max_iters: 1024, max_time: Duration::from_secs(60) }
    }
}

/// Which generated case to shrink, and the disagreement it must keep showing.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    pub seed: u64,
    pub index: u64,
    pub size: Size,
    /// The format revision the draw is emitted in.
    pub revision: &'static Revision,
    pub variant: Variant,
    /// A mutated case keeps its mutation while it shrinks.
    pub kind: Option<MutationKind>,
    pub disagreement: DisagreementKind,
}

/// The minimal case found, with both outcomes on it.
#[derive(Debug, Clone)]
pub struct Shrunk {
    pub bundle: Bundle,
    pub reference: Outcome,
    pub candidate: Outcome,
    pub verdict: Verdict,
    /// Time spent shrinking, and how many times the pair ran.
    pub elapsed: Duration,
    pub runs: u32,
}

/// Shrink `target`; `None` when the disagreement did not show again (a flaky candidate).
pub fn shrink(
    reference: &dyn Candidate,
    candidate: &dyn Candidate,
    comparison: Comparison,
    bounds: LogBounds,
    target: Target,
    limits: ShrinkLimits,
) -> Option<Shrunk> {
    let started = Instant::now();
    let runs = Cell::new(0u32);
    let config = Config {
        cases: 1,
        max_shrink_iters: limits.max_iters,
        max_shrink_time: u32::try_from(limits.max_time.as_millis()).unwrap_or(u32::MAX),
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = case_runner(target.seed, target.index, config);
    let still_disagrees = |bundle: &Bundle| {
        runs.set(runs.get() + 1);
        let (reference, candidate, verdict) = run_pair(reference, candidate, bundle, comparison, bounds);
        verdict.filter(|v| v.kind == target.disagreement).map(|verdict| (reference, candidate, verdict))
    };
    let result = runner.run(&draw_strategy(target.size), |draw| {
        match bundle_of(&draw, target.variant, target.kind, target.revision) {
            Some((bundle, _)) if still_disagrees(&bundle).is_some() => Err(TestCaseError::fail("still disagrees")),
            _ => Ok(()),
        }
    });
    let minimal = match result {
        Err(TestError::Fail(_, draw)) => draw,
        Ok(()) | Err(TestError::Abort(_)) => return None,
    };
    let (bundle, _) = bundle_of(&minimal, target.variant, target.kind, target.revision)?;
    let (reference, candidate, verdict) = still_disagrees(&bundle)?;
    Some(Shrunk { bundle, reference, candidate, verdict, elapsed: started.elapsed(), runs: runs.get() })
}
