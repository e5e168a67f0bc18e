//! The conformance suite as a library: any reducer implementing [`Reducer`] can be checked
//! against generated streams with one call, [`run`].

pub mod properties;
mod regression;

use std::cell::RefCell;
use std::path::PathBuf;

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};

use crate::bundle::Bundle;
use crate::error::Error;
use crate::generate::coverage::{paths, Coverage};
use crate::generate::emit::{emit_as, Emitted};
use crate::generate::facts::ExpectedFacts;
use crate::generate::mutate::{applicable, apply};
use crate::generate::reorder::choices;
use crate::generate::scenario::{scenario, Scenario, Size};
use crate::reducer::{replay_with, ReplayOptions, Replayed};
use crate::revision::Revision;
pub use properties::{Property, Violation};
pub use regression::{recheck, EXPECTED_FACTS_FILE_NAME};

/// A reducer under test: a bundle in, a reduced state (or an error) and what stayed queued out.
/// `Sync`, since the suite runs its cases on several threads.
pub trait Reducer: Sync {
    /// A short name for reports.
    fn name(&self) -> &str;

    /// Reduce a bundle. A reducer that cannot report leftovers returns them empty.
    fn reduce(&self, bundle: &Bundle) -> Result<Replayed, Error>;
}

/// The reference reducer: upstream's semantics, byte for byte, at one revision (by default the
/// confirmed upstream).
#[derive(Debug, Clone, Copy, Default)]
pub struct ReferenceReducer {
    pub revision: &'static Revision,
}

impl ReferenceReducer {
    pub fn at(revision: &'static Revision) -> Self {
        ReferenceReducer { revision }
    }
}

impl Reducer for ReferenceReducer {
    fn name(&self) -> &str {
        "reference"
    }

    fn reduce(&self, bundle: &Bundle) -> Result<Replayed, Error> {
        replay_with(bundle, &ReplayOptions::revision(self.revision))
    }
}

/// The default [`SuiteConfig::read_back_every`].
pub const READ_BACK_EVERY: u32 = 16;

/// Where the disk-vs-memory check writes its bundles: `ROLLOUT_CONFORMANCE_SCRATCH` when set,
/// else `/dev/shm` when it is a directory (tmpfs: creating files on ext4 was three quarters of a
/// read-back's time, and the reader under test is the same on any file system), else the
/// system temp directory.
pub fn scratch_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("ROLLOUT_CONFORMANCE_SCRATCH") {
        return PathBuf::from(dir);
    }
    let shm = std::path::Path::new("/dev/shm");
    match shm.is_dir() {
        true => shm.to_path_buf(),
        false => std::env::temp_dir(),
    }
}

/// Whether case number `case` (0-based) reads its bundle back from disk.
fn reads_back(case: u64, every: u32, shrinking: bool) -> bool {
    shrinking || case.is_multiple_of(u64::from(every.max(1)))
}

/// How much to generate, from which seed, and where failures go.
#[derive(Debug, Clone)]
pub struct SuiteConfig {
    pub cases: u32,
    pub size: Size,
    pub seed: u64,
    /// How hard to shrink a failure (0 reports the first failing case as is).
    pub max_shrink_iters: u32,
    /// Where a failure's minimized bundle is written, as `<dir>/<property>-<hash>/`.
    pub persist: Option<PathBuf>,
    /// The format revision the generated streams are written in (the reducer under test must
    /// follow the same one).
    pub revision: &'static Revision,
    /// The disk-vs-memory determinism check runs on the first case, every this many cases, and
    /// on every case while a failure is shrunk or rechecked (1: every case). Writing each bundle
    /// to disk was two thirds of a case's time; the memory-only checks run on every case.
    pub read_back_every: u32,
    /// Threads the cases are split over (at least 1). Default: the machine's cores, or
    /// `ROLLOUT_CONFORMANCE_WORKERS`.
    pub workers: usize,
}

impl SuiteConfig {
    /// `cases` unless `PROPTEST_CASES` says otherwise; shrinking as hard as
    /// `PROPTEST_MAX_SHRINK_ITERS` says (default 4096): mutation runs set it to 0, since a killed
    /// mutant needs no minimal case.
    pub fn with_cases(cases: u32) -> Self {
        let env = |name: &str| std::env::var(name).ok().and_then(|v| v.parse().ok());
        SuiteConfig {
            cases: env("PROPTEST_CASES").unwrap_or(cases),
            size: Size::MEDIUM,
            seed: 0x5eed,
            max_shrink_iters: env("PROPTEST_MAX_SHRINK_ITERS").unwrap_or(4096),
            persist: None,
            revision: Revision::default_revision(),
            read_back_every: READ_BACK_EVERY,
            workers: std::env::var("ROLLOUT_CONFORMANCE_WORKERS")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from)),
        }
    }
}

/// What a run found.
#[derive(Debug, Clone)]
pub struct SuiteReport {
    pub reducer: String,
    pub cases: u32,
    pub coverage: Coverage,
    pub failure: Option<SuiteFailure>,
}

/// The first property that failed, on the minimal case proptest shrank to.
#[derive(Debug, Clone)]
pub struct SuiteFailure {
    pub violation: Violation,
    pub events: usize,
    /// Where the minimized bundle was written, if persisting.
    pub saved: Option<PathBuf>,
}

/// One generated case: a scenario, a legal reorder of it, and which mutation to try.
type Case = (Scenario, Vec<usize>, prop::sample::Index);

/// Mostly `size`, with tiny scenarios (which shrink well) and large ones (hundreds of events).
fn case_strategy(size: Size) -> impl Strategy<Value = Case> {
    let scenarios = prop_oneof![1 => scenario(Size::TINY), 3 => scenario(size), 1 => scenario(Size::LARGE)];
    (scenarios, choices(4096), any::<prop::sample::Index>())
}

/// A failing case: the violation and the bundle that shows it.
#[derive(Debug, Clone)]
pub struct FailedCase {
    pub violation: Violation,
    pub bundle: Bundle,
    /// For a rejection failure: the message the mutated bundle must fail with.
    pub expected_error: Option<String>,
    /// For a stream failure: the causal order too, since confluence needs both orders.
    pub causal: Option<Bundle>,
    /// For a stream failure: what the scenario says a correct reduction contains.
    pub facts: Option<ExpectedFacts>,
}

impl FailedCase {
    /// A stream failure: the reordered bundle, with the causal order and the facts beside it.
    fn stream(violation: Violation, emitted: &Emitted, order: &[usize]) -> Box<Self> {
        Box::new(FailedCase {
            violation,
            bundle: emitted.bundle(order),
            expected_error: None,
            causal: Some(emitted.bundle(&emitted.causal_order())),
            facts: Some(emitted.facts.clone()),
        })
    }
}

/// How many mutations of each case the rejection property tries.
const MUTATIONS_PER_CASE: usize = 6;

/// Check one case: the stream properties, then some mutations of it, reduced under `revision`
/// (the one `emitted` was written in). `read_back` as in [`properties::check_stream`].
pub fn check_case(
    reducer: &dyn Reducer,
    revision: &Revision,
    emitted: &Emitted,
    order: &[usize],
    pick: &prop::sample::Index,
    read_back: bool,
) -> Result<(), Box<FailedCase>> {
    properties::check_stream(reducer, emitted, order, read_back)
        .map_err(|violation| FailedCase::stream(violation, emitted, order))?;
    let kinds = applicable(emitted);
    // Several kinds per case, from the picked one on: each replay stops at its target, so this
    // is cheap, and every kind is then exercised in some case of a CI run.
    let first = if kinds.is_empty() { 0 } else { pick.index(kinds.len()) };
    for offset in 0..kinds.len().min(MUTATIONS_PER_CASE) {
        if let Some(mutated) = apply(emitted, kinds[(first + offset) % kinds.len()]) {
            properties::check_rejection(reducer, &mutated, revision).map_err(|violation| {
                let expected_error = Some(mutated.expected_error.clone());
                let bundle = mutated.bundle.clone();
                Box::new(FailedCase { violation, bundle, expected_error, causal: None, facts: None })
            })?;
        }
    }
    Ok(())
}

/// Run the property suite against `reducer`: `config.cases` cases split over `config.workers`
/// threads, each shard with its own seed (shard 0 the config's own, so one worker runs exactly
/// the cases it always ran). The reported failure is that of the lowest failing shard, so the
/// report does not depend on which thread finished first.
pub fn run(reducer: &dyn Reducer, config: &SuiteConfig) -> SuiteReport {
    let workers = config.workers.clamp(1, config.cases.max(1) as usize) as u32;
    let shares = (0..workers).map(|shard| config.cases / workers + u32::from(shard < config.cases % workers));
    let shards: Vec<_> = std::thread::scope(|scope| {
        let running: Vec<_> = shares
            .enumerate()
            .map(|(shard, cases)| scope.spawn(move || run_shard(reducer, config, shard as u64, cases)))
            .collect();
        // A panicking reducer panics the run, as it would with one thread.
        running.into_iter().map(|shard| shard.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
    });
    let mut coverage = Coverage::default();
    let mut first_failure = None;
    for (shard_coverage, result) in shards {
        coverage.streams += shard_coverage.streams;
        for (path, hits) in shard_coverage.hits {
            *coverage.hits.entry(path).or_default() += hits;
        }
        if first_failure.is_none() {
            first_failure = result.err();
        }
    }
    let failure = first_failure.map(|failure| report_failure(reducer, config, failure));
    SuiteReport { reducer: reducer.name().to_owned(), cases: config.cases, coverage, failure }
}

/// One shard's cases: what they covered, and the minimal failing case if one failed.
fn run_shard(
    reducer: &dyn Reducer,
    config: &SuiteConfig,
    shard: u64,
    cases: u32,
) -> (Coverage, Result<(), TestError<Case>>) {
    let mut seed = [0u8; 32];
    seed[..8].copy_from_slice(&config.seed.to_le_bytes());
    seed[8..16].copy_from_slice(&shard.to_le_bytes());
    let proptest_config =
        Config { cases, max_shrink_iters: config.max_shrink_iters, failure_persistence: None, ..Config::default() };
    let mut runner = TestRunner::new_with_rng(proptest_config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed));
    let coverage = RefCell::new(Coverage::default());
    let shrinking = RefCell::new(false);
    let case = std::cell::Cell::new(0u64);
    let result = runner.run(&case_strategy(config.size), |(scenario, choices, pick)| {
        let emitted = emit_as(&scenario, config.revision);
        let order = emitted.reordered(&choices);
        if !*shrinking.borrow() {
            coverage.borrow_mut().record(&paths(&emitted, &order));
        }
        let read_back = reads_back(case.replace(case.get() + 1), config.read_back_every, *shrinking.borrow());
        check_case(reducer, config.revision, &emitted, &order, &pick, read_back).map_err(|failed| {
            *shrinking.borrow_mut() = true;
            TestCaseError::fail(failed.violation.to_string())
        })
    });
    (coverage.into_inner(), result)
}

/// The failure a shard found, checked once more and saved when persisting.
fn report_failure(reducer: &dyn Reducer, config: &SuiteConfig, failure: TestError<Case>) -> SuiteFailure {
    let (scenario, choices, pick) = match failure {
        TestError::Abort(reason) => {
            return SuiteFailure {
                violation: Violation {
                    property: Property::Generation,
                    message: format!("generation aborted: {reason}"),
                },
                events: 0,
                saved: None,
            }
        }
        TestError::Fail(_, case) => case,
    };
    let emitted = emit_as(&scenario, config.revision);
    let order = emitted.reordered(&choices);
    let failed = match check_case(reducer, config.revision, &emitted, &order, &pick, true) {
        Err(failed) => failed,
        // A reducer that fails only sometimes is a determinism failure in itself.
        Ok(()) => FailedCase::stream(
            Violation { property: Property::Determinism, message: "a failing case passed when run again".to_owned() },
            &emitted,
            &order,
        ),
    };
    let saved = config.persist.as_ref().and_then(|dir| regression::save(dir, &failed, config).ok());
    SuiteFailure { events: failed.bundle.events.len(), violation: failed.violation, saved }
}

#[cfg(test)]
mod tests {
    use super::reads_back;

    #[test]
    fn the_first_case_every_nth_and_every_shrink_step_read_back_from_disk() {
        let sampled: Vec<u64> = (0..40).filter(|&case| reads_back(case, 16, false)).collect();
        assert_eq!(sampled, [0, 16, 32]);
        assert!((0..40).all(|case| reads_back(case, 16, true)));
        assert!((0..40).all(|case| reads_back(case, 1, false)));
        assert!(reads_back(0, 0, false), "0 means every case, not none");
    }
}
