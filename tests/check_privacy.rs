//! Reports never carry payload content or free text from events unless asked: canary strings
//! planted in every free-text field of two broken bundles reach no output format by default, and
//! `--show-values` puts the offending values back.

use std::path::Path;
use std::process::Command;

use serde_json::{json, Value};

const CANARY: &str = "CANARY-5e1f";
const ROLLOUT: &str = "019d0000-0000-7000-8000-00000000c0de";
const TURN: &str = "turn-1";

fn event(seq: u64, thread: Option<&str>, payload: Value) -> Value {
    json!({
        "schema_version": 1, "seq": seq, "wall_time_unix_ms": 1_767_225_600_000_i64 + seq as i64,
        "rollout_id": ROLLOUT, "thread_id": thread, "codex_turn_id": thread.map(|_| TURN), "payload": payload,
    })
}

fn payload_ref(n: u32, kind: &str) -> Value {
    json!({"raw_payload_id": format!("raw_payload:{n}"), "kind": {"type": kind}, "path": format!("payloads/{n}.json")})
}

fn canary(field: &str) -> String {
    format!("{CANARY} {field}")
}

fn write_bundle(dir: &Path, lines: &[String], payloads: &[(u32, String)]) {
    std::fs::create_dir_all(dir.join("payloads")).unwrap();
    let manifest = json!({
        "schema_version": 1, "trace_id": "trace-canary", "rollout_id": ROLLOUT, "root_thread_id": ROLLOUT,
        "started_at_unix_ms": 1_767_225_600_000_i64, "raw_event_log": "trace.jsonl", "payloads_dir": "payloads",
    });
    std::fs::write(dir.join("manifest.json"), serde_json::to_vec_pretty(&manifest).unwrap()).unwrap();
    std::fs::write(dir.join("trace.jsonl"), lines.concat()).unwrap();
    for (n, text) in payloads {
        std::fs::write(dir.join(format!("payloads/{n}.json")), text).unwrap();
    }
}

/// The rollout, its root thread and turn, and an inference whose request is payload 1.
fn prelude() -> Vec<Value> {
    let root = Some(ROLLOUT);
    vec![
        event(1, None, json!({"type": "rollout_started", "trace_id": "trace-canary", "root_thread_id": ROLLOUT})),
        event(2, None, json!({"type": "thread_started", "thread_id": ROLLOUT, "agent_path": "/root"})),
        event(3, None, json!({"type": "codex_turn_started", "codex_turn_id": TURN, "thread_id": ROLLOUT})),
        event(
            4,
            root,
            json!({"type": "inference_started", "inference_call_id": "call-1", "thread_id": ROLLOUT,
            "codex_turn_id": TURN, "model": "m", "provider_name": "p", "request_payload": payload_ref(1, "inference_request")}),
        ),
    ]
}

/// Stream problems around events whose every free-text field holds the canary.
fn stream_bundle(dir: &Path) {
    let root = Some(ROLLOUT);
    let mut events = prelude();
    events.extend([
        event(5, root, json!({"type": "inference_failed", "inference_call_id": "call-1", "error": canary("error")})),
        event(
            6,
            root,
            json!({"type": "inference_cancelled", "inference_call_id": "call-1", "reason": canary("reason")}),
        ),
        event(
            7,
            root,
            json!({"type": "tool_call_started", "tool_call_id": "tool-1", "requester": {"type": "model"},
            "kind": {"type": "other", "name": "tool"},
            "summary": {"type": "generic", "label": canary("label"), "input_preview": canary("input"), "output_preview": canary("output")}}),
        ),
        event(
            8,
            root,
            json!({"type": "tool_call_ended", "tool_call_id": "tool-1", "status": "completed",
            "result_payload": payload_ref(2, "tool_result")}),
        ),
        event(8, root, json!({"type": "tool_call_ended", "tool_call_id": "tool-1", "status": "completed"})),
        event(
            11,
            root,
            json!({"type": "code_cell_started", "runtime_cell_id": "cell-1", "model_visible_call_id": "call-x",
            "source_js": canary("source_js")}),
        ),
        event(
            12,
            root,
            json!({"type": "agent_result_observed", "edge_id": "edge-1", "child_thread_id": "child",
            "child_codex_turn_id": "turn-c", "parent_thread_id": ROLLOUT, "message": canary("message")}),
        ),
        event(
            13,
            None,
            json!({"type": "protocol_event_observed", "event_type": "warning", "event_payload": payload_ref(3, "protocol_event")}),
        ),
        event(
            14,
            root,
            json!({"type": "compaction_request_failed", "compaction_id": "c-1", "compaction_request_id": "r-1",
            "error": canary("compaction error")}),
        ),
        // A value of the wrong type: serde's message would quote it.
        event(15, root, json!({"type": "codex_turn_ended", "codex_turn_id": TURN, "status": canary("status")})),
    ]);
    let mut lines: Vec<String> = events.iter().map(|e| format!("{e}\n")).collect();
    lines.push(format!("{{\"schema_version\":1,\"seq\":16,\"note\":\"{}", canary("truncated")));
    let request = json!({"input": [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": canary("prompt")}]}]});
    let payloads = [
        (1, request.to_string()),
        (2, json!({"output": canary("tool output")}).to_string()),
        (3, format!("{{\"not json\": \"{}\"", canary("protocol payload"))),
    ];
    write_bundle(dir, &lines, &payloads);
}

/// A bundle the reducer rejects on a role that quotes the canary.
fn reducer_bundle(dir: &Path) {
    let events = prelude();
    let lines: Vec<String> = events.iter().map(|e| format!("{e}\n")).collect();
    let request = json!({"input": [{"type": "message", "role": canary("role"), "content": [{"type": "input_text", "text": canary("prompt")}]}]});
    write_bundle(dir, &lines, &[(1, request.to_string())]);
}

fn check(dir: &Path, format: &str, show_values: bool) -> String {
    let mut command = Command::new(env!("CARGO_BIN_EXE_rollout-conformance"));
    command.args(["check", "--format", format]).arg(dir);
    if show_values {
        command.arg("--show-values");
    }
    let output = command.output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{format}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn no_format_leaks_a_canary_by_default() {
    let dir = tempfile::tempdir().unwrap();
    stream_bundle(&dir.path().join("stream"));
    reducer_bundle(&dir.path().join("reducer"));
    for format in ["human", "json", "jsonl", "sarif", "junit", "html"] {
        let report = check(dir.path(), format, false);
        assert!(report.contains("trace.jsonl"), "{format}: the report names no location:\n{report}");
        assert!(!report.contains(CANARY), "{format} leaks payload or event text:\n{report}");
    }
}

#[test]
fn show_values_puts_the_offending_values_back() {
    let dir = tempfile::tempdir().unwrap();
    stream_bundle(&dir.path().join("stream"));
    reducer_bundle(&dir.path().join("reducer"));
    for format in ["human", "json"] {
        let report = check(dir.path(), format, true);
        assert!(report.contains(&canary("role")), "{format} with --show-values lacks the reducer's value:\n{report}");
        assert!(report.contains(&canary("status")), "{format} with --show-values lacks the serde value:\n{report}");
    }
}
