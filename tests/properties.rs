//! The property suite against the reference reducer, the listed upstream order dependences, and
//! the suite's own sensitivity: planted bugs it must catch within the CI case budget.

use std::path::{Path, PathBuf};

use rollout_conformance::bundle::Bundle;
use rollout_conformance::canon::canonical_form;
use rollout_conformance::diff::json_diff;
use rollout_conformance::generate::order_dependence::{masked, ORDER_DEPENDENCES};
use rollout_conformance::reducer::{replay, replay_dir, replay_with_bugs, PlantedBugs, Replayed};
use rollout_conformance::revision::INFERENCE_TIMING;
use rollout_conformance::suite::{recheck, run, Property, Reducer, ReferenceReducer, SuiteConfig};

/// Cases per run in `cargo test`; `PROPTEST_CASES` raises it.
const CI_CASES: u32 = 96;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn reference_reducer_satisfies_every_property() {
    let config = SuiteConfig { persist: Some(root().join("corpus/regressions")), ..SuiteConfig::with_cases(CI_CASES) };
    let report = run(&ReferenceReducer::default(), &config);
    eprintln!("{}", report.coverage.table());
    if let Some(failure) = report.failure {
        panic!("{} ({} events; minimized bundle: {:?})", failure.violation, failure.events, failure.saved);
    }
    // Generators must not quietly stop covering the paths that matter.
    let rare = report.coverage.rare(0.02);
    assert!(rare.is_empty(), "paths hit in fewer than 2% of streams: {rare:?}\n{}", report.coverage.table());
}

/// The same suite on streams of the inference-timing revision, reduced under it: the timing
/// events race tools and other threads, and every call's timing matches its facts.
#[test]
fn reference_reducer_satisfies_every_property_under_inference_timing() {
    let config = SuiteConfig { revision: &INFERENCE_TIMING, ..SuiteConfig::with_cases(CI_CASES / 2) };
    let report = run(&ReferenceReducer::at(&INFERENCE_TIMING), &config);
    if let Some(failure) = report.failure {
        panic!("{} ({} events)", failure.violation, failure.events);
    }
}

fn canonical(dir: &Path) -> serde_json::Value {
    canonical_form(&replay_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())).trace)
}

/// Each listed dependence is real: its finding pair differs, and only where the list masks.
#[test]
fn listed_order_dependences_are_still_real() {
    for dependence in &ORDER_DEPENDENCES {
        let finding = root().join("corpus/findings").join(dependence.finding);
        let [a, b] = dependence.pair.map(|side| canonical(&finding.join(side)));
        assert!(
            !json_diff(&a, &b).is_empty(),
            "{}: the pair no longer differs; remove it from the list",
            dependence.name
        );
        let (mut a_masked, mut b_masked) = (a.clone(), b.clone());
        dependence.apply(&mut a_masked);
        dependence.apply(&mut b_masked);
        let rest = json_diff(&a_masked, &b_masked);
        assert!(rest.is_empty(), "{}: the pair also differs outside the listed field: {rest:?}", dependence.name);
        // The second bundle is written in the generators' causal order: the first stays within
        // the bound from it, and (where the field can lose entries) the bound is not vacuous.
        let within = dependence.bound(&b, &a);
        assert!(within.is_empty(), "{}: the pair breaks its own bound: {within:?}", dependence.name);
        if dependence.name != "nested_tool_call_ids_order" {
            assert!(!dependence.bound(&a, &b).is_empty(), "{}: the bound holds both ways", dependence.name);
        }
        assert_eq!(masked(a), masked(b));
    }
}

/// A reference reducer with deliberate bugs.
struct Planted(&'static str, PlantedBugs);

impl Reducer for Planted {
    fn name(&self) -> &str {
        self.0
    }

    fn reduce(&self, bundle: &Bundle) -> Result<Replayed, rollout_conformance::Error> {
        replay_with_bugs(bundle, self.1)
    }
}

/// The property that catches `bugs` within the CI budget (no shrinking: detection is the point).
fn caught_by(name: &'static str, bugs: PlantedBugs) -> Property {
    let config = SuiteConfig { max_shrink_iters: 0, ..SuiteConfig::with_cases(CI_CASES) };
    let report = run(&Planted(name, bugs), &config);
    let failure =
        report.failure.unwrap_or_else(|| panic!("the suite missed the planted bug `{name}` in {CI_CASES} cases"));
    eprintln!("{name}: caught by {}: {}", failure.violation.property, failure.violation.message);
    failure.violation.property
}

#[test]
fn planted_eager_code_cells_is_caught() {
    let property = caught_by("eager code cells", PlantedBugs { eager_code_cells: true, ..PlantedBugs::default() });
    assert_eq!(property, Property::Ownership);
}

#[test]
fn planted_missing_spawn_fallback_is_caught() {
    let property = caught_by("no spawn fallback", PlantedBugs { no_spawn_fallback: true, ..PlantedBugs::default() });
    assert_eq!(property, Property::ModelAgreement);
}

#[test]
fn planted_unconsumed_compaction_replacement_is_caught() {
    let bugs = PlantedBugs { ignore_compaction_replacement: true, ..PlantedBugs::default() };
    assert_eq!(caught_by("compaction replacement ignored", bugs), Property::ModelAgreement);
}

#[test]
fn planted_initial_response_changing_execution_is_caught() {
    let bugs = PlantedBugs { initial_response_ends_execution: true, ..PlantedBugs::default() };
    assert_eq!(caught_by("initial response ends execution", bugs), Property::ModelAgreement);
}

#[test]
fn planted_broken_reasoning_merge_is_caught() {
    let bugs = PlantedBugs { last_reasoning_wins: true, ..PlantedBugs::default() };
    assert_eq!(caught_by("last reasoning wins", bugs), Property::ModelAgreement);
}

#[test]
fn planted_missing_summary_cut_is_caught() {
    let bugs = PlantedBugs { no_summary_cut: true, ..PlantedBugs::default() };
    // Either sees it: a summary's facts, or the mutation whose cut falls inside a character.
    let caught = caught_by("no summary cut", bugs);
    assert!(matches!(caught, Property::ModelAgreement | Property::Rejection), "caught by {caught:?}");
}

#[test]
fn planted_runtime_cells_keyed_without_thread_is_caught() {
    let bugs = PlantedBugs { runtime_cells_ignore_thread: true, ..PlantedBugs::default() };
    let property = caught_by("runtime cells keyed without thread", bugs);
    // A child's first cell reuses the root's runtime id "1": the valid stream is rejected.
    assert_eq!(property, Property::ModelAgreement);
}

#[test]
fn a_caught_bug_is_saved_shrunk_and_its_regression_fails_until_fixed() {
    let bug = Planted("no spawn fallback", PlantedBugs { no_spawn_fallback: true, ..PlantedBugs::default() });
    let dir = tempfile::tempdir().unwrap();
    let config = SuiteConfig {
        persist: Some(dir.path().to_path_buf()),
        max_shrink_iters: 256,
        ..SuiteConfig::with_cases(CI_CASES)
    };
    let failure = run(&bug, &config).failure.expect("the planted bug is caught");
    assert_eq!(failure.violation.property, Property::ModelAgreement);
    let saved = failure.saved.expect("the failing case is saved");
    assert_eq!(saved.parent(), Some(dir.path()));
    assert!(saved.file_name().unwrap().to_string_lossy().starts_with("model-agreement-"), "{}", saved.display());
    for file in
        ["case.md", "expected-facts.json", "causal/manifest.json", "causal/trace.jsonl", "reordered/trace.jsonl"]
    {
        assert!(saved.join(file).is_file(), "{file} missing in {}", saved.display());
    }
    let case = std::fs::read_to_string(saved.join("case.md")).unwrap();
    assert!(case.contains(&failure.violation.message), "{case}");

    // The saved bundle alone reproduces the failure, and the reference passes it.
    let again = recheck(&bug, &saved).expect_err("the saved case fails under the bug");
    assert_eq!(again.property, Property::ModelAgreement, "{again}");
    recheck(&ReferenceReducer::default(), &saved)
        .unwrap_or_else(|v| panic!("the reference fails its own regression: {v}"));
}

/// A bundle directory read fully into memory, independent of `Bundle::read_dir`.
fn in_memory_copy(dir: &Path) -> Bundle {
    let manifest = serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    let events = std::fs::read_to_string(dir.join("trace.jsonl"))
        .unwrap()
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let payloads = std::fs::read_dir(dir.join("payloads"))
        .unwrap()
        .map(|entry| {
            let path = entry.unwrap().path();
            (format!("payloads/{}", path.file_name().unwrap().to_string_lossy()), std::fs::read(&path).unwrap())
        })
        .collect();
    Bundle::in_memory(manifest, events, payloads)
}

/// The suite is only as good as its reference: the same bytes from disk, from memory, and twice.
#[test]
fn reference_is_deterministic_on_the_corpus() {
    for entry in std::fs::read_dir(root().join("corpus/valid")).unwrap() {
        let dir = entry.unwrap().path();
        let from_disk = replay_dir(&dir).unwrap().trace.to_state_json();
        let memory = in_memory_copy(&dir);
        assert_eq!(from_disk, replay(&memory).unwrap().trace.to_state_json(), "{}", dir.display());
        assert_eq!(from_disk, replay_dir(&dir).unwrap().trace.to_state_json(), "{}", dir.display());
    }
}

/// Cases run on several threads, yet a run reports the same failure every time: the lowest
/// failing shard's, whichever thread finished first.
#[test]
fn a_run_split_over_workers_reports_the_same_failure_each_time() {
    let bugs = PlantedBugs { no_spawn_fallback: true, ..PlantedBugs::default() };
    let config = SuiteConfig { max_shrink_iters: 0, workers: 3, ..SuiteConfig::with_cases(CI_CASES) };
    let first = run(&Planted("no spawn fallback", bugs), &config).failure.expect("caught");
    let again = run(&Planted("no spawn fallback", bugs), &config).failure.expect("caught");
    assert_eq!(first.violation, again.violation);
    assert_eq!(first.events, again.events);
}
