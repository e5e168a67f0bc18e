//! `rollout-conformance diff`: paths, order, formats and exit codes, end to end.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{json, Value};

fn diff(args: &[&Path], extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rollout-conformance")).arg("diff").args(args).args(extra).output().unwrap()
}

fn write(dir: &Path, name: &str, value: &Value) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec_pretty(value).unwrap()).unwrap();
    path
}

fn corpus(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/valid").join(name)
}

#[test]
fn one_nested_difference_prints_exactly_that_path() {
    let dir = tempfile::tempdir().unwrap();
    let state = json!({"threads": {"t-1": {"thread_id": "t-1", "execution": {"status": "running", "ended_seq": null}}}, "n": 1});
    let mut changed = state.clone();
    changed["threads"]["t-1"]["execution"]["status"] = json!("completed");
    let (a, b) = (write(dir.path(), "a.json", &state), write(dir.path(), "b.json", &changed));
    let output = diff(&[&a, &b], &[]);
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let paths: Vec<&str> =
        stdout.lines().filter(|line| line.starts_with('/')).map(|l| l.split(": ").next().unwrap()).collect();
    assert_eq!(paths, ["/threads/t-1/execution/status"], "{stdout}");
    assert!(stdout.contains("\"running\" != \"completed\""), "{stdout}");

    let output = diff(&[&a, &b], &["--format", "json"]);
    assert_eq!(output.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["equal"], json!(false));
    assert_eq!(report["differences"].as_array().unwrap().len(), 1);
    assert_eq!(report["differences"][0]["path"], json!("/threads/t-1/execution/status"));
    assert_eq!(report["differences"][0]["context"], json!(""));
}

#[test]
fn a_missing_object_is_reported_once_before_deeper_fields() {
    let dir = tempfile::tempdir().unwrap();
    let left = json!({"a": {"b": {"c": 1}}, "code_cells": {"x": {"code_cell_id": "x", "deep": {"er": 1}}}});
    let right = json!({"a": {"b": {"c": 2}}, "code_cells": {}});
    let output =
        diff(&[&write(dir.path(), "l.json", &left), &write(dir.path(), "r.json", &right)], &["--format", "json"]);
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let paths: Vec<&str> =
        report["differences"].as_array().unwrap().iter().map(|d| d["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["/code_cells/x", "/a/b/c"]);
}

#[test]
fn a_bundle_is_reduced_first_and_equals_its_own_state() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = corpus("close_agent");
    let state = Command::new(env!("CARGO_BIN_EXE_rollout-conformance"))
        .args(["reduce", "--stdout"])
        .arg(&bundle)
        .output()
        .unwrap();
    let file = dir.path().join("state.json");
    std::fs::write(&file, &state.stdout).unwrap();
    for extra in [&[][..], &["--canonical"][..]] {
        let output = diff(&[&bundle, &file], extra);
        assert_eq!(output.status.code(), Some(0), "{extra:?}: {}", String::from_utf8_lossy(&output.stdout));
        assert_eq!(String::from_utf8_lossy(&output.stdout), "equal\n");
    }
    // Two different bundles differ, canonical or not.
    let output = diff(&[&bundle, &corpus("reasoning_merge")], &["--canonical"]);
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn unreadable_inputs_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.json");
    let output = diff(&[&missing, &missing], &[]);
    assert_eq!(output.status.code(), Some(2));
    let not_a_trace = write(dir.path(), "x.json", &json!({"a": 1}));
    assert_eq!(diff(&[&not_a_trace, &not_a_trace], &[]).status.code(), Some(0));
    let output = diff(&[&not_a_trace, &not_a_trace], &["--canonical"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not a reduced graph"));
}
