//! Every bundle this project ships under `corpus/`: its reduced state is an insta snapshot in
//! `snapshots/` (with a second snapshot of what stayed queued, when anything did), or its error is
//! exactly `expected-error.txt`.

mod common;

use std::path::{Path, PathBuf};

use libtest_mimic::{Arguments, Failed, Trial};
use rollout_conformance::reducer::replay_dir;
use rollout_conformance::rules::graph;
use rollout_conformance::suite::{recheck, ReferenceReducer};

const KINDS: [&str; 3] = ["valid", "findings", "regressions"];

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

fn check_bundle(root: &Path, bundle: &Path) -> Result<(), Failed> {
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
            Trial::test(name, move || check_bundle(&root, &bundle))
        })
        .collect();
    // A saved stream failure keeps both orders and its facts: once fixed, every stream property
    // holds on it again.
    if let Ok(entries) = std::fs::read_dir(root.join("corpus/regressions")) {
        for dir in entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|d| d.join("causal").is_dir()) {
            let name = format!("regressions/{} (stream properties)", dir.file_name().unwrap().to_string_lossy());
            trials.push(Trial::test(name, move || recheck(&ReferenceReducer, &dir).map_err(|v| v.to_string().into())));
        }
    }
    libtest_mimic::run(&args, trials).exit();
}
