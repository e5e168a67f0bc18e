//! Every bundle this project ships under `corpus/`: its reduced state is an insta snapshot in
//! `snapshots/` (with a second snapshot of what stayed queued, when anything did), or its error is
//! exactly `expected-error.txt`. Each bundle of `corpus/invalid/` reports exactly the violations
//! its `expected-violations.json` lists; every other bundle reports no error.
//!
//! Each reducible bundle is also reduced under every later revision, as a snapshot of its own
//! (`<name>__<revision>`), which must equal the default state once the revision's additions are
//! removed.

mod common;

use std::path::{Path, PathBuf};

use libtest_mimic::{Arguments, Failed, Trial};
use rollout_conformance::reducer::{replay_dir, replay_dir_with, ReplayOptions};
use rollout_conformance::revision::{self, Revision};
use rollout_conformance::rules::check::check_bundle;
use rollout_conformance::rules::config::CheckConfig;
use rollout_conformance::rules::{catalog, graph, Severity};
use rollout_conformance::suite::{recheck, ReferenceReducer};

const KINDS: [&str; 3] = ["valid", "findings", "regressions"];

/// One expected violation: the rule (id and slug, which must agree with the catalog) and where:
/// the bundle-relative file (empty for the bundle as a whole) and, in `trace.jsonl`, the line.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    rule: String,
    slug: String,
    file: String,
    #[serde(default)]
    line: Option<usize>,
}

/// `check` of an invalid bundle reports exactly its `expected-violations.json`, no more, no less.
fn check_invalid(bundle: &Path) -> Result<(), Failed> {
    let text = std::fs::read_to_string(bundle.join(EXPECTED_VIOLATIONS))?;
    let mut expected: Vec<Expected> = serde_json::from_str(&text).map_err(|e| format!("{EXPECTED_VIOLATIONS}: {e}"))?;
    for entry in &expected {
        let rule = catalog::find(&entry.rule).ok_or_else(|| format!("unknown rule {}", entry.rule))?;
        if rule.slug != entry.slug {
            return Err(format!("{} is `{}`, not `{}`", rule.id, rule.slug, entry.slug).into());
        }
    }
    let mut found: Vec<Expected> = check_bundle(bundle, &CheckConfig::default())
        .into_iter()
        .map(|v| Expected {
            rule: v.rule.id.to_owned(),
            slug: v.rule.slug.to_owned(),
            file: v.location.file,
            line: v.location.line,
        })
        .collect();
    expected.sort();
    found.sort();
    if expected != found {
        return Err(format!("violations differ\n  expected: {expected:?}\n     found: {found:?}").into());
    }
    Ok(())
}

/// A bundle that is not in `corpus/invalid/` reports no error (warnings and infos may stand).
fn check_clean(bundle: &Path) -> Result<(), Failed> {
    let errors: Vec<String> = check_bundle(bundle, &CheckConfig::default())
        .into_iter()
        .filter(|v| v.severity == Severity::Error)
        .map(|v| format!("{} {} at {}: {}", v.rule.id, v.rule.slug, v.location.display(), v.message))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!("check reported errors:\n  {}", errors.join("\n  ")).into())
    }
}

const EXPECTED_VIOLATIONS: &str = "expected-violations.json";

/// Every directory holding a `manifest.json`, at any depth (a finding may pair two bundles).
fn bundles(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries.into_iter().filter(|p| p.is_dir()) {
        if path.join("manifest.json").is_file() {
            found.push(path);
        } else {
            bundles(&path, found);
        }
    }
}

fn reduce_bundle(root: &Path, bundle: &Path) -> Result<(), Failed> {
    let name = bundle.strip_prefix(root).unwrap().to_string_lossy().replace(['/', '\\'], "__");
    let result = replay_dir(bundle);
    let expected_error = bundle.join("expected-error.txt");
    if expected_error.exists() {
        return common::fails_as_expected(&result, &expected_error);
    }
    let replayed = result.map_err(|e| format!("replay failed: {e} ({})", e.context_lines().join(", ")))?;
    // Ownership holds for valid bundles and regressions; findings may show upstream breaking it.
    let broken = graph::check(&replayed.trace);
    if !bundle.starts_with(root.join("corpus/findings")) && !broken.is_empty() {
        return Err(format!("ownership: {broken:?}").into());
    }
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(root.join("snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        insta::assert_snapshot!(name.clone(), replayed.trace.to_state_json());
        if !replayed.leftovers.is_empty() {
            insta::assert_json_snapshot!(format!("{name}__leftovers"), replayed.leftovers);
        }
    });
    for revision in revision::ALL.iter().copied().filter(|r| !std::ptr::eq(*r, Revision::default_revision())) {
        reduce_under(root, bundle, &name, revision, &replayed.trace)?;
    }
    Ok(())
}

/// The bundle under a later revision: its own snapshot, and the default state plus nothing but
/// the revision's `timing` objects (old-format bundles, addendum §6).
fn reduce_under(
    root: &Path,
    bundle: &Path,
    name: &str,
    revision: &'static Revision,
    default: &rollout_conformance::model::RolloutTrace,
) -> Result<(), Failed> {
    let replayed = replay_dir_with(bundle, &ReplayOptions::revision(revision))
        .map_err(|e| format!("replay under {revision} failed: {e} ({})", e.context_lines().join(", ")))?;
    let mut stripped = replayed.trace.clone();
    for call in stripped.inference_calls.values_mut() {
        let timing =
            call.timing.take().ok_or_else(|| format!("{}: no timing under {revision}", call.inference_call_id))?;
        if timing.request_started_at_unix_ms != call.execution.started_at_unix_ms {
            return Err(format!("{}: request_started_at_unix_ms is not the start", call.inference_call_id).into());
        }
    }
    if stripped.to_state_json() != default.to_state_json() {
        return Err(format!("under {revision}, the state differs from the default beyond `timing`").into());
    }
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(root.join("snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!(format!("{name}__{}", revision.name), replayed.trace.to_state_json()));
    Ok(())
}

fn main() {
    let args = Arguments::from_args();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut found = Vec::new();
    for kind in KINDS {
        bundles(&root.join("corpus").join(kind), &mut found);
    }
    let mut trials: Vec<Trial> = found
        .into_iter()
        .map(|bundle| {
            let name = bundle.strip_prefix(root.join("corpus")).unwrap().to_string_lossy().into_owned();
            let root = root.clone();
            Trial::test(name, move || reduce_bundle(&root, &bundle))
        })
        .collect();
    // A saved stream failure keeps both orders and its facts: once fixed, every stream property
    // holds on it again.
    if let Ok(entries) = std::fs::read_dir(root.join("corpus/regressions")) {
        for dir in entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|d| d.join("causal").is_dir()) {
            let name = format!("regressions/{} (stream properties)", dir.file_name().unwrap().to_string_lossy());
            trials.push(Trial::test(name, move || {
                recheck(&ReferenceReducer::default(), &dir).map_err(|v| v.to_string().into())
            }));
        }
    }
    // Valid bundles and saved regressions are clean under `check`; findings show upstream quirks
    // and are checked above for their reduction only.
    for kind in ["valid", "regressions"] {
        let mut clean = Vec::new();
        bundles(&root.join("corpus").join(kind), &mut clean);
        for bundle in clean {
            let name = format!("{} (check)", bundle.strip_prefix(root.join("corpus")).unwrap().display());
            trials.push(Trial::test(name, move || check_clean(&bundle)));
        }
    }
    let mut invalid = Vec::new();
    bundles(&root.join("corpus/invalid"), &mut invalid);
    for bundle in invalid {
        let name = format!("{} (check)", bundle.strip_prefix(root.join("corpus")).unwrap().display());
        trials.push(Trial::test(name, move || check_invalid(&bundle)));
    }
    libtest_mimic::run(&args, trials).exit();
}
