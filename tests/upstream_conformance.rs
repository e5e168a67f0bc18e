//! Every case under `../shared/conformance/upstream/`: the reference reducer must write exactly
//! upstream's `expected-state.json`, or fail with exactly `expected-error.txt`.

mod common;

use std::path::{Path, PathBuf};

use libtest_mimic::{Arguments, Failed, Trial};
use rollout_conformance::reducer::replay_dir;

fn upstream_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance/upstream")
}

fn check_case(case: &Path) -> Result<(), Failed> {
    let result = replay_dir(case.join("bundle"));
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
    let dir = upstream_dir();
    let trials: Vec<Trial> = match std::fs::read_dir(&dir) {
        Ok(entries) => {
            let mut cases: Vec<PathBuf> =
                entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.join("bundle").is_dir()).collect();
            cases.sort();
            assert!(!cases.is_empty(), "no cases under {}", dir.display());
            cases
                .into_iter()
                .map(|case| {
                    let name = case.file_name().unwrap().to_string_lossy().into_owned();
                    Trial::test(name, move || check_case(&case))
                })
                .collect()
        }
        // A user's fresh clone has no ../shared; say so loudly, and never pass silently in CI.
        Err(_) => {
            let message = format!("upstream corpus not found at {}: upstream conformance NOT checked", dir.display());
            eprintln!("SKIPPED: {message}");
            if std::env::var_os("CI").is_some() {
                vec![Trial::test("upstream_corpus_present", move || Err(message.into()))]
            } else {
                vec![Trial::test("upstream_corpus_skipped", || Ok(())).with_ignored_flag(true)]
            }
        }
    };
    libtest_mimic::run(&args, trials).exit();
}
