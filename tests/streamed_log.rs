//! A bundle opened to stream its log (`Bundle::open_dir`) replays exactly as one read whole
//! (`Bundle::read_dir`): the same state, leftovers and error, under each set of bounds, for every
//! bundle of the corpus, of the upstream conformance cases, and of the hostile cases.

use std::path::{Path, PathBuf};
use std::process::Command;

use rollout_conformance::bundle::{Bundle, LogBounds};
use rollout_conformance::reducer::{replay_with, ReplayOptions};
use rollout_conformance::revision::{Revision, INFERENCE_TIMING};
use rollout_conformance::rules::Limits;

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every directory under `dir` holding a `trace.jsonl` or a `manifest.json`.
fn bundles_under(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut dirs: Vec<PathBuf> =
        entries.filter_map(Result::ok).filter(|e| e.file_type().is_ok_and(|t| t.is_dir())).map(|e| e.path()).collect();
    dirs.sort();
    for dir in dirs {
        if dir.join("trace.jsonl").exists() || dir.join("manifest.json").exists() {
            found.push(dir.clone());
        }
        bundles_under(&dir, found);
    }
}

fn bounds_to_try(longest_line: u64) -> [LogBounds; 4] {
    [
        LogBounds::NONE,
        Limits::REDUCE.bounds(),
        LogBounds { max_events: Some(3), ..LogBounds::NONE },
        LogBounds { max_line_bytes: Some(longest_line / 2), max_payload_bytes: Some(300), ..LogBounds::NONE },
    ]
}

fn longest_line(dir: &Path) -> u64 {
    let log = std::fs::read(dir.join("trace.jsonl")).unwrap_or_default();
    log.split(|&b| b == b'\n').map(<[u8]>::len).max().unwrap_or(0) as u64
}

/// Whether both readers replay `dir` alike under `bounds`; the replay said when not.
fn agree(dir: &Path, bounds: LogBounds, revision: &'static Revision) -> Result<(), String> {
    let options = ReplayOptions::revision(revision);
    let held = Bundle::read_dir_bounded(dir, bounds).and_then(|bundle| replay_with(&bundle, &options));
    let opened = Bundle::open_dir_bounded(dir, bounds).and_then(|bundle| replay_with(&bundle, &options));
    match held == opened {
        true => Ok(()),
        false => {
            Err(format!("{} under {bounds:?}: held {:?}\n  streamed {:?}", dir.display(), held.err(), opened.err()))
        }
    }
}

#[test]
fn every_corpus_and_conformance_bundle_replays_alike_streamed_and_held() {
    let mut bundles = Vec::new();
    bundles_under(&manifest_dir().join("corpus"), &mut bundles);
    let corpus = bundles.len();
    bundles_under(&manifest_dir().join("../shared/conformance/upstream"), &mut bundles);
    assert!(corpus > 50 && bundles.len() > corpus, "found {corpus} corpus bundles, {} in all", bundles.len());
    let mut timing = Vec::new();
    bundles_under(&manifest_dir().join("../shared/conformance/revision-inference-timing"), &mut timing);
    let runs = bundles
        .iter()
        .map(|dir| (dir, Revision::default_revision()))
        .chain(timing.iter().map(|d| (d, &INFERENCE_TIMING)));
    let mut failures = Vec::new();
    let (mut stopped, mut replayed) = (0, 0);
    for (dir, revision) in runs {
        for bounds in bounds_to_try(longest_line(dir)) {
            if let Err(failure) = agree(dir, bounds, revision) {
                failures.push(failure);
            }
            match Bundle::open_dir_bounded(dir, bounds).map(|b| replay_with(&b, &ReplayOptions::revision(revision))) {
                Ok(Ok(_)) => replayed += 1,
                Ok(Err(e)) if e.line.is_some() => stopped += 1,
                _ => {}
            }
        }
    }
    assert!(failures.is_empty(), "{} disagreements:\n{}", failures.len(), failures.join("\n"));
    // The comparisons covered both outcomes, and errors at a line of the log.
    assert!(replayed > 50 && stopped > 50, "{replayed} replayed, {stopped} failed at a line");
}

#[test]
fn every_hostile_case_is_refused_alike_streamed_and_held() {
    let hostile = manifest_dir().join("corpus/invalid/hostile");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&hostile)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("case.md").exists())
        .collect();
    cases.sort();
    assert!(cases.len() > 10, "found {} hostile cases", cases.len());
    let mut failures = Vec::new();
    for case in cases {
        let tmp = tempfile::tempdir().unwrap();
        let bundle = match case.join("make.sh").exists() {
            false => case.clone(),
            true => {
                let made = Command::new("bash").arg(case.join("make.sh")).arg(tmp.path()).output().unwrap();
                assert!(made.status.success(), "{}: {}", case.display(), String::from_utf8_lossy(&made.stderr));
                tmp.path().join("bundle")
            }
        };
        // Only under the bounds `reduce` applies: unbounded, a sparse 20 GB log would be read.
        if let Err(failure) = agree(&bundle, Limits::REDUCE.bounds(), Revision::default_revision()) {
            failures.push(failure);
        }
    }
    assert!(failures.is_empty(), "{} disagreements:\n{}", failures.len(), failures.join("\n"));
}
