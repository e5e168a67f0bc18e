//! The library harness: one call checks a Rust reducer against the reference on the corpus, the
//! upstream cases when present, and generated streams, and fails the calling test with every
//! minimized disagreement.

use std::path::{Path, PathBuf};

use super::cases::{corpus_cases, upstream_cases, CaseSize};
use super::runner::{compare, CompareConfig};
use super::shrink::ShrinkLimits;
use super::{reference, Comparison, JsonReducer};
use crate::bundle::Bundle;
use crate::report::{render, Format, Report};
use crate::suite::{run, Reducer, SuiteConfig};

/// What the harness runs. `Default` takes this crate's corpus, `../shared/conformance/upstream`
/// beside it when present (or `ROLLOUT_CONFORMANCE_UPSTREAM`), and 64 generated draws
/// (`PROPTEST_CASES` overrides).
#[derive(Debug, Clone)]
pub struct HarnessConfig {
    pub corpus: Option<PathBuf>,
    pub upstream: Option<PathBuf>,
    pub cases: u64,
    pub seed: u64,
    pub size: CaseSize,
    pub comparison: Comparison,
    pub shrink: ShrinkLimits,
    /// Where minimized disagreements are written.
    pub out: Option<PathBuf>,
}

impl Default for HarnessConfig {
    fn default() -> Self {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let upstream = std::env::var_os("ROLLOUT_CONFORMANCE_UPSTREAM")
            .map(PathBuf::from)
            .or_else(|| Some(root.join("../shared/conformance/upstream")))
            .filter(|dir| dir.is_dir());
        let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(64);
        HarnessConfig {
            corpus: Some(root.join("corpus")).filter(|dir| dir.is_dir()),
            upstream,
            cases,
            seed: 0x5eed,
            size: CaseSize::Medium,
            comparison: Comparison::default(),
            shrink: ShrinkLimits::default(),
            out: Some(PathBuf::from("target/rollout-conformance/compare-out")),
        }
    }
}

/// Run `reducer` against the reference; the report holds one entry per case.
pub fn harness_report(reducer: &dyn JsonReducer, config: &HarnessConfig) -> Result<Report, String> {
    let mut fixed = Vec::new();
    if let Some(corpus) = &config.corpus {
        fixed.extend(corpus_cases(corpus)?);
    }
    if let Some(upstream) = &config.upstream {
        fixed.extend(upstream_cases(upstream)?);
    }
    let compare_config = CompareConfig {
        comparison: config.comparison,
        fixed,
        cases: config.cases,
        seed: config.seed,
        size: config.size,
        shrink: config.shrink,
        out: config.out.clone(),
        ..CompareConfig::default()
    };
    Ok(compare(&reference(), &Dyn(reducer), &compare_config))
}

/// Panic (failing the calling test) with every minimized disagreement of `reducer`.
pub fn check_reducer(reducer: &dyn JsonReducer, config: &HarnessConfig) {
    let report = harness_report(reducer, config).unwrap_or_else(|e| panic!("conformance harness: {e}"));
    if report.summary().disagreements > 0 {
        let mut text = Vec::new();
        let _ = render(&report, Format::Human, &mut text);
        panic!("{} disagrees with the reference reducer:\n{}", reducer.name(), String::from_utf8_lossy(&text));
    }
}

/// A reducer on our typed model: the property suite (determinism, confluence, queue draining,
/// ownership, model agreement, rejection) first, then everything [`check_reducer`] runs.
pub fn check_typed_reducer<R: Reducer + Sync>(reducer: &R, config: &HarnessConfig) {
    let suite = SuiteConfig {
        cases: u32::try_from(config.cases).unwrap_or(u32::MAX),
        seed: config.seed,
        size: config.size.size(),
        persist: config.out.clone(),
        ..SuiteConfig::with_cases(0)
    };
    if let Some(failure) = run(reducer, &suite).failure {
        panic!(
            "{}: {} ({} events; minimized bundle: {:?})",
            reducer.name(),
            failure.violation,
            failure.events,
            failure.saved
        );
    }
    check_reducer(&ByRef(reducer), config);
}

struct ByRef<'a, R>(&'a R);

impl<R: Reducer + Sync> JsonReducer for ByRef<'_, R> {
    fn name(&self) -> &str {
        self.0.name()
    }

    fn reduce_json(&self, bundle: &Bundle) -> Result<serde_json::Value, String> {
        let replayed = self.0.reduce(bundle).map_err(|e| e.message())?;
        serde_json::to_value(&replayed.trace).map_err(|e| format!("serialize the reduced state: {e}"))
    }
}

/// `&dyn JsonReducer` as a sized reducer, so it can be passed as a `&dyn Candidate`.
struct Dyn<'a>(&'a dyn JsonReducer);

impl JsonReducer for Dyn<'_> {
    fn name(&self) -> &str {
        self.0.name()
    }

    fn reduce_json(&self, bundle: &Bundle) -> Result<serde_json::Value, String> {
        self.0.reduce_json(bundle)
    }
}
