//! No data loss: a `reduce` killed mid-write, or whose write fails, leaves the previous
//! `state.json` intact, and adds no other file to the bundle (on Linux the new state is written
//! unnamed, `O_TMPFILE`, and named only to be renamed over state.json at once). `check`, `diff`
//! and `compare` write nothing into the directories they read; `compare` writes into its `--out`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

use rollout_conformance::generate::emit::emit;
use rollout_conformance::generate::large::scenario_with_events;

const PREVIOUS: &str = "{\"previous\": true}\n";

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_rollout-conformance"))
}

/// A generated bundle big enough that reducing and writing it takes a while in a debug build.
fn big_bundle(dir: &Path) {
    let emitted = emit(&scenario_with_events(2_000, 7));
    emitted.bundle(&emitted.causal_order()).write_dir(dir).unwrap();
}

/// Every file under `dir` with its length and mtime.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (u64, SystemTime)> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let meta = entry.path().symlink_metadata().unwrap();
            if meta.is_dir() {
                stack.push(entry.path());
            }
            files.insert(entry.path(), (meta.len(), meta.modified().unwrap()));
        }
    }
    files
}

#[test]
fn a_killed_reduce_leaves_the_previous_state_or_the_whole_new_one() {
    let tmp = tempfile::tempdir().unwrap();
    let bundle = tmp.path().join("bundle");
    big_bundle(&bundle);
    let started = std::time::Instant::now();
    let whole = bin().args(["reduce", "--stdout"]).arg(&bundle).output().unwrap();
    let run = started.elapsed();
    assert_eq!(whole.status.code(), Some(0));
    let whole = String::from_utf8(whole.stdout).unwrap();
    let state = bundle.join("state.json");
    std::fs::write(&state, PREVIOUS).unwrap();
    let names: Vec<PathBuf> = snapshot(&bundle).into_keys().collect();
    let mut outcomes = BTreeMap::new();
    // Kills spread over the run, densest near its end, where the state is written.
    for percent in [30u32, 60, 80, 90, 95, 100, 105, 110] {
        let delay_ms = (run * percent / 100).as_millis();
        std::fs::write(&state, PREVIOUS).unwrap();
        let mut child = bin().arg("reduce").arg(&bundle).stdout(std::process::Stdio::null()).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms as u64));
        child.kill().unwrap(); // SIGKILL: no cleanup runs
        child.wait().unwrap();
        let written = std::fs::read_to_string(&state).unwrap();
        let outcome = if written == PREVIOUS {
            "previous"
        } else if format!("{written}\n") == whole {
            "whole"
        } else {
            panic!(
                "after a kill at {delay_ms} ms state.json is neither the previous nor the whole new state ({} bytes)",
                written.len()
            );
        };
        outcomes.insert(delay_ms, outcome);
    }
    eprintln!("a whole run {run:?}; outcomes by kill delay (ms): {outcomes:?}");
    let after: Vec<PathBuf> = snapshot(&bundle).into_keys().collect();
    let added: Vec<&PathBuf> = after.iter().filter(|name| !names.contains(name)).collect();
    assert!(added.is_empty(), "the killed runs left files in the bundle: {added:?}");
    assert_eq!(after, names, "the killed runs removed files from the bundle");
}

#[test]
fn a_failed_write_leaves_the_previous_state_and_nothing_else() {
    let tmp = tempfile::tempdir().unwrap();
    let bundle = tmp.path().join("bundle");
    big_bundle(&bundle);
    let state = bundle.join("state.json");
    std::fs::write(&state, PREVIOUS).unwrap();
    // `-o` into a directory that is gone by the time the write happens.
    let gone = tmp.path().join("gone");
    std::fs::create_dir(&gone).unwrap();
    std::fs::remove_dir(&gone).unwrap();
    let output = bin().arg("reduce").arg(&bundle).arg("-o").arg(gone.join("state.json")).output().unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", String::from_utf8_lossy(&output.stderr));
    // A bundle directory without write permission, as a user without CAP_DAC_OVERRIDE sees it.
    let before = snapshot(&bundle);
    let is_root = Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    let mut command = if is_root {
        let mut c = Command::new("setpriv");
        c.args(["--inh-caps=-dac_override", "--bounding-set=-dac_override", "--"]);
        c.arg(env!("CARGO_BIN_EXE_rollout-conformance"));
        c
    } else {
        bin()
    };
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&bundle, std::fs::Permissions::from_mode(0o555)).unwrap();
    let output = command.arg("reduce").arg(&bundle).output().unwrap();
    std::fs::set_permissions(&bundle, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(std::fs::read_to_string(&state).unwrap(), PREVIOUS);
    assert_eq!(snapshot(&bundle), before, "the failed reduce left something in the bundle");
}

#[test]
fn check_diff_and_compare_write_nothing_into_what_they_read() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let tmp = tempfile::tempdir().unwrap();
    for kind in ["valid", "invalid"] {
        let copy = tmp.path().join(kind);
        let status = Command::new("cp").arg("-a").arg(root.join(kind)).arg(&copy).status().unwrap();
        assert!(status.success());
    }
    let before = snapshot(tmp.path());
    for format in ["human", "json", "sarif", "junit"] {
        let output = bin().args(["check", "--format", format]).arg(tmp.path()).output().unwrap();
        assert_eq!(output.status.code(), Some(1), "{format}: the invalid corpus fails the check");
    }
    let (valid, other, invalid) = (
        tmp.path().join("valid/cancelled_inference"),
        tmp.path().join("valid/close_agent"),
        tmp.path().join("invalid/payload-missing"),
    );
    for (left, right, code) in [(&valid, &valid, 0), (&valid, &other, 1), (&valid, &invalid, 2)] {
        let output = bin().arg("diff").arg(left).arg(right).output().unwrap();
        assert_eq!(output.status.code(), Some(code), "diff {left:?} {right:?}");
    }
    // A candidate that disagrees on every bundle, so compare saves a copy of each into --out.
    let out = tempfile::tempdir().unwrap();
    let output = bin()
        .args(["compare", "--candidate", "cat {bundle}/manifest.json", "--cases", "0", "--corpus"])
        .arg(tmp.path())
        .arg("--out")
        .arg(out.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(std::fs::read_dir(out.path()).unwrap().count() > 40, "compare saved its cases under --out");
    assert_eq!(snapshot(tmp.path()), before, "check, diff or compare changed the tree it read");
}
