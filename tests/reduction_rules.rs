//! The queue and hazard rules against the bundles that show them: each listed order dependence
//! reports its hazard on the raced bundle of its finding pair and not on the causal one, a panic
//! of upstream is its hazard rule, and every rule of both families has a bundle in
//! `corpus/invalid/` that expects it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use rollout_conformance::bundle::Bundle;
use rollout_conformance::generate::order_dependence::ORDER_DEPENDENCES;
use rollout_conformance::reducer::replay;
use rollout_conformance::rules::catalog::{self, HAZARD_RULES, QUEUE_RULES, SUMMARY_CUT_PANIC};
use rollout_conformance::rules::{hazard, Severity};
use rollout_conformance::ErrorKind;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The hazards `check` reports on a bundle that replays.
fn hazards(dir: &Path) -> Vec<rollout_conformance::rules::Violation> {
    let bundle = Bundle::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let replayed = replay(&bundle).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    hazard::violations(&bundle, &replayed)
}

/// The first bundle of each finding pair raced (the second is the causal order): only the first
/// reports the dependence's rule, once, at its catalog severity, at an event of the log.
#[test]
fn each_order_dependence_reports_its_raced_bundle_only() {
    for dependence in &ORDER_DEPENDENCES {
        let finding = root().join("corpus/findings").join(dependence.finding);
        let [raced, causal] = dependence.pair.map(|side| finding.join(side));
        let found = hazards(&raced);
        assert_eq!(found.len(), 1, "{}: {found:#?}", dependence.name);
        assert!(std::ptr::eq(found[0].rule, dependence.rule), "{}: {found:#?}", dependence.name);
        assert_eq!(found[0].severity, dependence.rule.severity);
        assert!(found[0].severity < Severity::Error, "{}: a legal order is not an error", dependence.name);
        assert!(found[0].location.line.is_some(), "{}: not located at an event", dependence.name);
        assert_eq!(hazards(&causal), Vec::new(), "{}: the causal order reports a hazard", dependence.name);
    }
}

/// Each dependence has its own hazard rule, and each of them is listed in the catalog.
#[test]
fn order_dependences_have_distinct_catalog_rules() {
    let ids: BTreeSet<&str> = ORDER_DEPENDENCES.iter().map(|d| d.rule.id).collect();
    assert_eq!(ids.len(), ORDER_DEPENDENCES.len());
    for dependence in &ORDER_DEPENDENCES {
        assert!(HAZARD_RULES.iter().any(|rule| std::ptr::eq(*rule, dependence.rule)), "{}", dependence.name);
    }
}

#[test]
fn only_a_summary_cut_is_a_hazard_error() {
    let cut = ErrorKind::SummaryCutInsideCharacter("raw_payload:3".into());
    assert!(std::ptr::eq(catalog::hazard_rule_for(&cut).unwrap(), &SUMMARY_CUT_PANIC));
    assert_eq!(SUMMARY_CUT_PANIC.severity, Severity::Error);
    for other in [ErrorKind::OtherEvent, ErrorKind::UnknownThread("t".into()), ErrorKind::Serde("x".into())] {
        assert_eq!(catalog::hazard_rule_for(&other), None, "{other:?}");
    }
}

/// Every queue and hazard rule is expected by at least one bundle of `corpus/invalid/`, and each
/// such bundle is named after the family and slug of the rule it was built for.
#[test]
fn every_queue_and_hazard_rule_has_an_invalid_bundle() {
    let mut expected = BTreeSet::new();
    let mut names = BTreeSet::new();
    for entry in std::fs::read_dir(root().join("corpus/invalid")).unwrap() {
        let dir = entry.unwrap().path();
        // `hostile/` holds cases of its own (tests/hostile.rs), not one bundle.
        if dir.ends_with("hostile") {
            continue;
        }
        names.insert(dir.file_name().unwrap().to_string_lossy().into_owned());
        let text = std::fs::read_to_string(dir.join("expected-violations.json")).unwrap();
        let entries: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
        for entry in entries {
            expected.insert(entry["rule"].as_str().unwrap().to_owned());
        }
    }
    for rule in QUEUE_RULES.iter().chain(&HAZARD_RULES) {
        assert!(expected.contains(rule.id), "no corpus/invalid bundle expects {} {}", rule.id, rule.slug);
        let name = format!("{}-{}", rule.family_slug(), rule.slug);
        assert!(names.contains(&name), "no corpus/invalid/{name}");
    }
}
