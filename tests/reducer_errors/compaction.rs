//! Compaction requests and installs (§D.10, §D.4.6).

use rollout_conformance::bundle::{RawPayload, RawPayloadKind};
use serde_json::{json, Value};

use crate::support::{message, Trace, CHILD, ROOT, TURN};

fn request_started(trace: &mut Trace, compaction_id: &str, request_id: &str, thread: &str, turn: &str) -> u64 {
    let request_payload = trace.payload(RawPayloadKind::CompactionRequest, json!({ "input": [] }));
    trace.event(
        Some(thread),
        Some(turn),
        RawPayload::CompactionRequestStarted {
            compaction_id: compaction_id.into(),
            compaction_request_id: request_id.into(),
            thread_id: thread.into(),
            codex_turn_id: turn.into(),
            model: "gpt-test".into(),
            provider_name: "test-provider".into(),
            request_payload,
        },
    )
}

fn request_completed(trace: &mut Trace, compaction_id: &str, request_id: &str) -> u64 {
    let response_payload = trace.payload(RawPayloadKind::CompactionResponse, json!({ "output_items": [] }));
    trace.event(
        None,
        None,
        RawPayload::CompactionRequestCompleted {
            compaction_id: compaction_id.into(),
            compaction_request_id: request_id.into(),
            response_payload,
        },
    )
}

fn request_failed(trace: &mut Trace, compaction_id: &str, request_id: &str) -> u64 {
    trace.event(
        None,
        None,
        RawPayload::CompactionRequestFailed {
            compaction_id: compaction_id.into(),
            compaction_request_id: request_id.into(),
            error: "context window exceeded".into(),
        },
    )
}

/// `compaction_installed` with this envelope and checkpoint.
fn installed(
    trace: &mut Trace,
    thread: Option<&str>,
    turn: Option<&str>,
    compaction_id: &str,
    checkpoint: Value,
) -> u64 {
    let checkpoint_payload = trace.payload(RawPayloadKind::CompactionCheckpoint, checkpoint);
    trace.event(
        thread,
        turn,
        RawPayload::CompactionInstalled { compaction_id: compaction_id.into(), checkpoint_payload },
    )
}

fn checkpoint() -> Value {
    json!({
        "input_history": [message("user", "long history")],
        "replacement_history": [message("user", "long history"), { "type": "compaction", "encrypted_content": "enc" }],
    })
}

#[test]
fn second_request_start_is_duplicate() {
    let mut trace = Trace::rooted();
    request_started(&mut trace, "compaction-1", "compaction_request:1", ROOT, TURN);
    let seq = request_started(&mut trace, "compaction-1", "compaction_request:1", ROOT, TURN);
    trace.fails_with("duplicate compaction request start for compaction_request:1", seq);
}

#[test]
fn request_in_unknown_thread() {
    let mut trace = Trace::rooted();
    let seq = request_started(&mut trace, "compaction-1", "compaction_request:1", "thread-ghost", TURN);
    trace.fails_with("trace event referenced unknown thread thread-ghost", seq);
}

#[test]
fn request_in_unknown_turn() {
    let mut trace = Trace::rooted();
    let seq = request_started(&mut trace, "compaction-1", "compaction_request:1", ROOT, "turn-missing");
    trace.fails_with("compaction request compaction_request:1 referenced unknown codex turn turn-missing", seq);
}

#[test]
fn request_whose_turn_belongs_to_another_thread() {
    let mut trace = Trace::rooted().with_child();
    let seq = request_started(&mut trace, "compaction-1", "compaction_request:1", CHILD, TURN);
    trace.fails_with(
        "compaction request compaction_request:1 used thread thread-child, but codex turn turn-1 belongs to thread-root",
        seq,
    );
}

#[test]
fn completion_or_failure_of_unknown_request() {
    let mut trace = Trace::rooted();
    let seq = request_completed(&mut trace, "compaction-1", "compaction_request:9");
    trace.fails_with("compaction request completion referenced unknown request compaction_request:9", seq);

    let mut trace = Trace::rooted();
    let seq = request_failed(&mut trace, "compaction-1", "compaction_request:9");
    trace.fails_with("compaction request completion referenced unknown request compaction_request:9", seq);
}

#[test]
fn completion_naming_another_compaction() {
    let mut trace = Trace::rooted();
    request_started(&mut trace, "compaction-1", "compaction_request:1", ROOT, TURN);
    let seq = request_completed(&mut trace, "compaction-2", "compaction_request:1");
    trace.fails_with(
        "compaction request compaction_request:1 completion used compaction compaction-2, but start used compaction-1",
        seq,
    );

    let mut trace = Trace::rooted();
    request_started(&mut trace, "compaction-1", "compaction_request:1", ROOT, TURN);
    let seq = request_failed(&mut trace, "compaction-2", "compaction_request:1");
    trace.fails_with(
        "compaction request compaction_request:1 completion used compaction compaction-2, but start used compaction-1",
        seq,
    );
}

#[test]
fn install_without_envelope_thread() {
    let mut trace = Trace::rooted();
    let seq = installed(&mut trace, None, Some(TURN), "compaction-1", checkpoint());
    trace.fails_with("compaction installed event compaction-1 did not include a thread id", seq);
}

#[test]
fn install_without_envelope_turn() {
    let mut trace = Trace::rooted();
    let seq = installed(&mut trace, Some(ROOT), None, "compaction-1", checkpoint());
    trace.fails_with("compaction installed event compaction-1 did not include a codex turn id", seq);
}

#[test]
fn second_install_is_duplicate() {
    let mut trace = Trace::rooted();
    installed(&mut trace, Some(ROOT), Some(TURN), "compaction-1", checkpoint());
    let seq = installed(&mut trace, Some(ROOT), Some(TURN), "compaction-1", checkpoint());
    trace.fails_with("duplicate compaction install for compaction-1", seq);
}

#[test]
fn install_in_unknown_thread() {
    let mut trace = Trace::rooted();
    let seq = installed(&mut trace, Some("thread-ghost"), Some(TURN), "compaction-1", checkpoint());
    trace.fails_with("trace event referenced unknown thread thread-ghost", seq);
}

#[test]
fn install_in_unknown_turn() {
    let mut trace = Trace::rooted();
    let seq = installed(&mut trace, Some(ROOT), Some("turn-missing"), "compaction-1", checkpoint());
    trace.fails_with("compaction install compaction-1 referenced unknown codex turn turn-missing", seq);
}

#[test]
fn install_whose_turn_belongs_to_another_thread() {
    let mut trace = Trace::rooted().with_child();
    let seq = installed(&mut trace, Some(CHILD), Some(TURN), "compaction-1", checkpoint());
    trace.fails_with(
        "compaction install compaction-1 used thread thread-child, but codex turn turn-1 belongs to thread-root",
        seq,
    );
}

#[test]
fn checkpoint_without_array_histories() {
    let cases = [
        (json!({ "replacement_history": [] }), "input_history"),
        (json!({ "input_history": "all of it", "replacement_history": [] }), "input_history"),
        (json!({ "input_history": [] }), "replacement_history"),
        (json!({ "input_history": [], "replacement_history": null }), "replacement_history"),
    ];
    for (checkpoint, key) in cases {
        let mut trace = Trace::rooted();
        let seq = installed(&mut trace, Some(ROOT), Some(TURN), "compaction-1", checkpoint);
        trace.fails_with(&format!("compaction checkpoint payload raw_payload:1 did not contain array {key}"), seq);
    }
}

#[test]
fn checkpoint_items_are_normalized_like_requests() {
    let mut trace = Trace::rooted();
    let bad = json!({ "input_history": [], "replacement_history": [{ "type": "context_compaction" }] });
    let seq = installed(&mut trace, Some(ROOT), Some(TURN), "compaction-1", bad);
    trace.fails_with("compaction item in payload raw_payload:1 did not contain string encrypted_content", seq);
}
