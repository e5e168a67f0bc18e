//! Thread and turn events (§D.2).

use rollout_conformance::bundle::{ExecutionStatus, RawPayload, RawPayloadKind, RolloutStatus};
use serde_json::json;

use crate::support::{Trace, CHILD, CHILD_TURN, ROOT, TURN};

fn turn_ended(turn: &str) -> RawPayload {
    RawPayload::CodexTurnEnded { codex_turn_id: turn.into(), status: ExecutionStatus::Completed }
}

#[test]
fn second_thread_start_is_duplicate() {
    let mut trace = Trace::rooted();
    let seq = trace.thread(ROOT, "/root");
    trace.fails_with("duplicate thread start for thread-root", seq);
}

/// A root thread start whose metadata payload is `metadata` fails to parse it.
fn metadata_fails(metadata: serde_json::Value) {
    let mut trace = Trace::empty();
    let metadata = trace.payload(RawPayloadKind::SessionMetadata, metadata);
    let thread_start = RawPayload::ThreadStarted {
        thread_id: ROOT.into(),
        agent_path: "/root".into(),
        metadata_payload: Some(metadata),
    };
    let seq = trace.event(None, None, thread_start);
    trace.fails_with("parse thread metadata raw_payload:1", seq);
}

#[test]
fn metadata_with_non_string_field_is_parse_error() {
    for field in ["agent_path", "task_name", "nickname", "agent_role", "model"] {
        metadata_fails(json!({ "thread_id": ROOT, field: 7 }));
    }
}

#[test]
fn metadata_that_is_not_an_object_is_parse_error() {
    for metadata in [json!("cli"), json!(42), json!([])] {
        metadata_fails(metadata);
    }
}

#[test]
fn thread_end_for_unknown_thread() {
    let mut trace = Trace::rooted();
    let seq =
        trace.event(None, None, RawPayload::ThreadEnded { thread_id: CHILD.into(), status: RolloutStatus::Completed });
    trace.fails_with("trace event referenced unknown thread thread-child", seq);
}

#[test]
fn turn_start_in_unknown_thread() {
    let mut trace = Trace::rooted();
    let seq = trace.turn(CHILD_TURN, CHILD);
    trace.fails_with("trace event referenced unknown thread thread-child", seq);
}

#[test]
fn second_turn_start_is_duplicate() {
    let mut trace = Trace::rooted().with_child();
    // The same turn id again, even in another thread.
    let seq = trace.turn(TURN, CHILD);
    trace.fails_with("duplicate codex turn start for turn-1", seq);
}

#[test]
fn turn_end_whose_envelope_names_another_thread() {
    let mut trace = Trace::rooted().with_child();
    let seq = trace.event(Some(CHILD), Some(TURN), turn_ended(TURN));
    trace.fails_with("codex turn end for turn-1 used thread thread-child, but the turn belongs to thread-root", seq);
}

#[test]
fn turn_end_for_unknown_turn() {
    let mut trace = Trace::rooted();
    let seq = trace.event(None, None, turn_ended("turn-missing"));
    trace.fails_with("codex turn end referenced unknown turn turn-missing", seq);

    // An envelope thread does not change the message when the turn is unknown.
    let mut trace = Trace::rooted();
    let seq = trace.event(Some(ROOT), None, turn_ended("turn-missing"));
    trace.fails_with("codex turn end referenced unknown turn turn-missing", seq);
}
