//! `check` as a library: the catalog is documented and every rule can fire; valid bundles (the
//! corpus, generated streams in any legal order, upstream's own cases) report no error.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use rollout_conformance::generate::scenario::Size;
use rollout_conformance::generate::seeded;
use rollout_conformance::rules::check::check_bundle;
use rollout_conformance::rules::config::CheckConfig;
use rollout_conformance::rules::docs::rules_markdown;
use rollout_conformance::rules::{catalog, Family, Severity};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn docs_rules_md_is_generated_from_the_catalog() {
    let written = std::fs::read_to_string(root().join("docs/rules.md")).unwrap_or_default();
    assert!(
        written == rules_markdown(),
        "docs/rules.md is stale: run `cargo run -- rules --format markdown > docs/rules.md`"
    );
}

/// Rules no bundle on disk can show, and the test file that makes each fire instead.
const FIRED_IN_TESTS: &[(&str, &str)] = &[
    // git stores no bundle without a regular manifest, and a stored symlink would leave the repo.
    ("RC1001", "tests/check_stream.rs"),
    ("RC1002", "tests/check_stream.rs"),
    ("RC1009", "tests/check_stream.rs"),
    ("RC3009", "tests/check_stream.rs"),
    // File modes do not survive every checkout.
    ("RC1010", "tests/check_stream.rs"),
    ("RC3004", "tests/check_stream.rs"),
    // Limits fire at real sizes only; the test lowers them.
    ("RC9001", "tests/check_stream.rs"),
    ("RC9002", "tests/check_stream.rs"),
    ("RC9003", "tests/check_stream.rs"),
    ("RC9004", "tests/check_stream.rs"),
    ("RC9005", "tests/check_stream.rs"),
];

/// Every rule id that an `expected-violations.json` under `corpus/invalid/` names.
fn rules_in_invalid_corpus() -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let Ok(entries) = std::fs::read_dir(root().join("corpus/invalid")) else { return found };
    // The stored cases of `hostile/` are bundles too, one level down.
    let hostile = std::fs::read_dir(root().join("corpus/invalid/hostile")).into_iter().flatten();
    for entry in entries.chain(hostile).filter_map(Result::ok) {
        let Ok(text) = std::fs::read_to_string(entry.path().join("expected-violations.json")) else { continue };
        let expected: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
        found.extend(expected.iter().filter_map(|v| v["rule"].as_str().map(str::to_owned)));
    }
    found
}

#[test]
fn every_rule_is_documented_and_fires_on_a_bundle_or_in_a_test() {
    let in_corpus = rules_in_invalid_corpus();
    let mut problems = Vec::new();
    for rule in catalog::all() {
        let kebab = !rule.slug.is_empty()
            && rule
                .slug
                .split('-')
                .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
        if !kebab {
            problems.push(format!("{}: slug `{}` is not kebab-case", rule.id, rule.slug));
        }
        if rule.title.is_empty() || rule.hint.is_empty() || rule.doc.len() < 120 {
            problems.push(format!("{}: title, hint and a paragraph of doc are required", rule.id));
        }
        if rule.retired || in_corpus.contains(rule.id) {
            continue;
        }
        // These families have a coverage test of their own: every reducer error test checks the
        // rule it maps to (tests/reducer_errors/support.rs, and the unreachable ones in
        // src/rules/catalog/reducer/tests.rs); a corruption of a reduced graph fires each ownership
        // rule (tests/ownership_rules.rs), which no bundle can reach through a correct reducer.
        if matches!(rule.family, Family::Reducer | Family::Ownership) {
            continue;
        }
        match FIRED_IN_TESTS.iter().find(|(id, _)| *id == rule.id) {
            Some((_, test)) => {
                let source = std::fs::read_to_string(root().join(test)).unwrap_or_default();
                if !source.contains(rule.slug) && !source.contains(rule.id) {
                    problems.push(format!("{}: {test} never names `{}`", rule.id, rule.slug));
                }
            }
            None => problems
                .push(format!("{} `{}` fires on no bundle of corpus/invalid/ and in no test", rule.id, rule.slug)),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn errors(dir: &Path) -> Vec<String> {
    check_bundle(dir, &CheckConfig::default())
        .into_iter()
        .filter(|v| v.severity == Severity::Error)
        .map(|v| format!("{} {} at {}: {}", v.rule.id, v.rule.slug, v.location.display(), v.message))
        .collect()
}

#[test]
fn generated_valid_bundles_report_no_error_in_any_legal_order() {
    let cases: u64 = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(24);
    let dir = tempfile::tempdir().unwrap();
    for index in 0..cases {
        let size = if index % 3 == 0 { Size::MEDIUM } else { Size::TINY };
        let emitted = seeded::emitted(0xc4ec, index, size);
        let choices: Vec<usize> = (0..emitted.events.len()).map(|i| (i * 7919 + index as usize) % 97).collect();
        for (name, order) in [("causal", emitted.causal_order()), ("reordered", emitted.reordered(&choices))] {
            let bundle = dir.path().join(format!("{index}-{name}"));
            emitted.bundle(&order).write_dir(&bundle).unwrap();
            let found = errors(&bundle);
            assert!(found.is_empty(), "seed 0xc4ec case {index} ({name}):\n  {}", found.join("\n  "));
        }
    }
}

#[test]
fn upstream_cases_that_reduce_report_no_error() {
    let upstream = root().join("../shared/conformance/upstream");
    let Ok(entries) = std::fs::read_dir(&upstream) else {
        assert!(std::env::var_os("CI").is_none(), "../shared is missing: {}", upstream.display());
        eprintln!("SKIPPED: ../shared not present");
        return;
    };
    let mut checked = 0;
    for case in entries.filter_map(Result::ok).map(|e| e.path()) {
        if !case.join("expected-state.json").is_file() {
            continue;
        }
        let found = errors(&case.join("bundle"));
        assert!(found.is_empty(), "{}:\n  {}", case.display(), found.join("\n  "));
        checked += 1;
    }
    assert!(checked > 0, "no upstream case with an expected state under {}", upstream.display());
}
