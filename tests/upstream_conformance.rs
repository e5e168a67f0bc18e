//! Every case under `../shared/conformance/upstream/` (default revision) and under
//! `../shared/conformance/revision-<name>/` (that revision): the reference reducer must write
//! exactly the case's `expected-state.json`, or fail with exactly `expected-error.txt`.

mod common;

use std::path::{Path, PathBuf};

use libtest_mimic::{Arguments, Failed, Trial};
use rollout_conformance::reducer::{replay_dir_with, ReplayOptions};
use rollout_conformance::revision::{Revision, INFERENCE_TIMING};

fn conformance_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance").join(name)
}

/// Each corpus, the revision its expected files come from, and its test-name prefix.
fn corpora() -> [(&'static str, &'static Revision, &'static str); 2] {
    [
        ("upstream", Revision::default_revision(), ""),
        ("revision-inference-timing", &INFERENCE_TIMING, "inference-timing/"),
    ]
}

fn check_case(case: &Path, revision: &'static Revision) -> Result<(), Failed> {
    let result = replay_dir_with(case.join("bundle"), &ReplayOptions::revision(revision));
    let expected_state = case.join("expected-state.json");
    if expected_state.exists() {
        let expected = std::fs::read_to_string(&expected_state)?;
        let state = result.map_err(|e| format!("replay failed: {e}"))?.trace.to_state_json();
        if state != expected.strip_suffix('\n').unwrap_or(&expected) {
            pretty_assertions::assert_eq!(state.as_str(), expected.trim_end_matches('\n'));
        }
        return Ok(());
    }
    common::fails_as_expected(&result, &case.join("expected-error.txt"))
}

fn main() {
    let args = Arguments::from_args();
    let trials: Vec<Trial> =
        corpora().into_iter().flat_map(|(name, revision, prefix)| trials(name, revision, prefix)).collect();
    libtest_mimic::run(&args, trials).exit();
}

fn trials(corpus: &str, revision: &'static Revision, prefix: &'static str) -> Vec<Trial> {
    let dir = conformance_dir(corpus);
    match std::fs::read_dir(&dir) {
        Ok(entries) => {
            let mut cases: Vec<PathBuf> =
                entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.join("bundle").is_dir()).collect();
            cases.sort();
            assert!(!cases.is_empty(), "no cases under {}", dir.display());
            cases
                .into_iter()
                .map(|case| {
                    let name = format!("{prefix}{}", case.file_name().unwrap().to_string_lossy());
                    Trial::test(name, move || check_case(&case, revision))
                })
                .collect()
        }
        // A user's fresh clone has no ../shared; say so loudly, and never pass silently in CI.
        Err(_) => {
            let message = format!("{corpus} corpus not found at {}: its conformance NOT checked", dir.display());
            eprintln!("SKIPPED: {message}");
            if std::env::var_os("CI").is_some() {
                vec![Trial::test(format!("{prefix}{corpus}_corpus_present"), move || Err(message.into()))]
            } else {
                vec![Trial::test(format!("{prefix}{corpus}_corpus_skipped"), || Ok(())).with_ignored_flag(true)]
            }
        }
    }
}
