//! The binary end to end: exit codes, output placement, and messages for bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_rollout-conformance"))
}

fn upstream_case(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance/upstream").join(name)
}

fn corpus(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/valid").join(name)
}

/// Copy a bundle into a temp dir so a test may write `state.json` or break files.
fn copy_bundle(from: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in ["manifest.json", "trace.jsonl"] {
        std::fs::copy(from.join(entry), dir.path().join(entry)).unwrap();
    }
    std::fs::create_dir(dir.path().join("payloads")).unwrap();
    for payload in std::fs::read_dir(from.join("payloads")).unwrap() {
        let payload = payload.unwrap().path();
        std::fs::copy(&payload, dir.path().join("payloads").join(payload.file_name().unwrap())).unwrap();
    }
    dir
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn reduce_stdout_prints_state_and_a_newline() {
    let output = bin().args(["reduce", "--stdout"]).arg(corpus("full_and_incremental_requests")).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.ends_with("}\n") && !text.ends_with("\n\n"));
    let state: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(state["schema_version"], 1);
}

#[test]
fn reduce_writes_state_json_into_the_bundle_like_upstream() {
    let case = upstream_case("response_outputs_enter_thread_conversation_on_completion");
    if !case.exists() {
        // Same rule as the upstream conformance test: skipped on a user's clone, never in CI.
        assert!(std::env::var_os("CI").is_none(), "../shared is missing: {}", case.display());
        eprintln!("SKIPPED: ../shared not present");
        return;
    }
    let bundle = copy_bundle(&case.join("bundle"));
    let output = bin().arg("reduce").arg(bundle.path()).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let written = std::fs::read_to_string(bundle.path().join("state.json")).unwrap();
    let expected = std::fs::read_to_string(case.join("expected-state.json")).unwrap();
    // Upstream writes no trailing newline; the expected file has one.
    assert_eq!(format!("{written}\n"), expected);
}

#[test]
fn reduce_output_flag_leaves_the_bundle_untouched() {
    let bundle = copy_bundle(&corpus("full_and_incremental_requests"));
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("reduced.json");
    let output = bin().arg("reduce").arg(bundle.path()).arg("--output").arg(&target).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(target.is_file());
    assert!(!bundle.path().join("state.json").exists());
}

#[test]
fn malformed_line_exits_2_and_names_the_line() {
    let bundle = copy_bundle(&corpus("full_and_incremental_requests"));
    let log = bundle.path().join("trace.jsonl");
    let mut lines: Vec<String> = std::fs::read_to_string(&log).unwrap().lines().map(str::to_owned).collect();
    lines[2] = "{\"schema_version\":1,\"seq\":3".to_owned();
    std::fs::write(&log, lines.join("\n") + "\n").unwrap();
    let output = bin().args(["reduce", "--stdout"]).arg(bundle.path()).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(err.starts_with("error: parse trace event line 3\n"), "{err}");
    assert!(err.contains("event: trace.jsonl line 3"), "{err}");
    assert!(output.stdout.is_empty());
}

#[test]
fn replay_error_exits_2_with_upstream_message_first() {
    let case = upstream_case("unknown_previous_response_id_is_reducer_error");
    if !case.exists() {
        // Same rule as the upstream conformance test: skipped on a user's clone, never in CI.
        assert!(std::env::var_os("CI").is_none(), "../shared is missing: {}", case.display());
        eprintln!("SKIPPED: ../shared not present");
        return;
    }
    let output = bin().args(["reduce", "--stdout"]).arg(case.join("bundle")).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    let first = err.lines().next().unwrap();
    assert_eq!(
        first,
        "error: incremental inference request inference-1 referenced unknown previous_response_id resp-missing"
    );
    // Line 3 of that bundle's trace.jsonl is inference-1's start, with seq 3.
    assert!(err.contains("\n  event: trace.jsonl line 3, seq 3"), "{err}");
}

#[test]
fn missing_bundle_exits_2() {
    let output = bin().args(["reduce", "--stdout", "/nonexistent/bundle"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("manifest.json"), "{}", stderr(&output));
}

#[test]
fn usage_error_exits_2() {
    let output = bin().args(["reduce"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let output = bin().args(["no-such-command"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn help_exits_0() {
    let output = bin().args(["reduce", "--help"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&output.stdout).contains("state.json"));
}

#[test]
fn reduce_replaces_a_state_json_symlink_instead_of_following_it() {
    let bundle = copy_bundle(&corpus("full_and_incremental_requests"));
    let outside = tempfile::tempdir().unwrap();
    let victim = outside.path().join("victim.txt");
    std::fs::write(&victim, "keep me").unwrap();
    std::os::unix::fs::symlink(&victim, bundle.path().join("state.json")).unwrap();
    let output = bin().arg("reduce").arg(bundle.path()).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
    let state = bundle.path().join("state.json");
    assert!(!state.symlink_metadata().unwrap().file_type().is_symlink());
    assert!(std::fs::read_to_string(state).unwrap().starts_with('{'));
}

#[test]
fn reduce_gives_state_json_the_mode_a_plain_write_would() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    let bundle = copy_bundle(&corpus("full_and_incremental_requests"));
    let plain = bundle.path().join("plain.txt");
    std::fs::write(&plain, "x").unwrap();
    let state = bundle.path().join("state.json");
    let output = bin().arg("reduce").arg(bundle.path()).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(mode(&state), mode(&plain), "a new state.json gets 0666 less the umask");

    std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o640)).unwrap();
    let output = bin().arg("reduce").arg(bundle.path()).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(mode(&state), 0o640, "an existing state.json keeps its mode");
}

#[test]
fn reduce_writes_into_a_fifo_instead_of_replacing_it() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("out.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    let output =
        bin().arg("reduce").arg(corpus("full_and_incremental_requests")).arg("-o").arg(&fifo).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    // Checked before joining: a replaced FIFO leaves the reader blocked for good.
    assert!(std::fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo(), "the FIFO was replaced");
    assert!(reader.join().unwrap().starts_with('{'));
}
