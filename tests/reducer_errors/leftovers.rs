//! `Replayed.leftovers`: queued work that never resolved, which upstream drops silently.
//!
//! Leftovers holding undelivered edges are compared in their serialized form, which is also what
//! the corpus snapshots record.

use std::collections::BTreeMap;

use pretty_assertions::assert_eq;
use rollout_conformance::bundle::CodeCellRuntimeStatus::{Completed, Yielded};
use rollout_conformance::bundle::{ExecutionStatus, RawPayload, RawPayloadKind, RolloutStatus, ToolCallKind};
use rollout_conformance::model::{InteractionEdge, InteractionEdgeKind, TraceAnchor};
use rollout_conformance::reducer::{Leftovers, UnmaterializedCodeCell, WaitingLifecycleEvent};
use serde_json::json;

use crate::agents::spawn_end;
use crate::support::{
    code_cell_ended, code_cell_initial, function_invocation, input, message, output, Trace, CHILD_UUID, ROOT,
    ROOT_UUID, STARTED_AT, TURN,
};

#[test]
fn code_cell_whose_exec_call_never_appears() {
    let mut trace = Trace::rooted();
    trace.code_cell("1", "call-exec");
    // A reconcile pass flushes the start queue, but this request does not carry the exec call.
    trace.request("inf-1", input(json!([message("user", "run it")])));
    // Written out of seq order on purpose: the waiting events are reported sorted by seq.
    trace.in_turn_with_seq(6, code_cell_ended("1", Completed));
    trace.in_turn_with_seq(5, code_cell_initial("1", Yielded));

    let replayed = trace.replay();
    assert_eq!(
        replayed.leftovers,
        Leftovers {
            unmaterialized_code_cells: vec![UnmaterializedCodeCell {
                code_cell_id: "code_cell:call-exec".into(),
                thread_id: ROOT.into(),
                runtime_cell_id: "1".into(),
                model_visible_call_id: "call-exec".into(),
                start_seq: 3,
                waiting_lifecycle_events: vec![
                    WaitingLifecycleEvent { seq: 5, event: "initial_response", status: Yielded },
                    WaitingLifecycleEvent { seq: 6, event: "end", status: Completed },
                ],
            }],
            undelivered_edges: vec![],
            unconsumed_compaction_replacements: vec![],
        }
    );
    assert!(replayed.trace.code_cells.is_empty());
}

/// Root `ROOT_UUID` spawns `CHILD_UUID`: invocation (raw_payload:1) at seq 3, the collab spawn
/// end naming the child (raw_payload:2) at seq 4, the tool result (raw_payload:3) at seq 5.
fn spawn_of_child() -> Trace {
    let mut trace = Trace::rooted_as(ROOT_UUID);
    let invocation = function_invocation("spawn_agent", json!({ "task_name": "child", "message": "count the files" }));
    trace.tool("call-spawn", ToolCallKind::SpawnAgent, Some(invocation));
    trace.runtime_end("call-spawn", spawn_end(CHILD_UUID));
    trace.tool_end("call-spawn", Some(json!({ "agent_id": CHILD_UUID })));
    trace
}

fn spawn_edge_id() -> String {
    format!("edge:spawn:{ROOT_UUID}:{CHILD_UUID}")
}

#[test]
fn spawn_whose_child_never_starts() {
    let replayed = spawn_of_child().replay();
    assert_eq!(
        serde_json::to_value(&replayed.leftovers).unwrap(),
        json!({
            "unmaterialized_code_cells": [],
            "undelivered_edges": [{
                "edge_id": spawn_edge_id(),
                "kind": "spawn_agent",
                "source": { "type": "tool_call", "tool_call_id": "call-spawn" },
                "target_thread_id": CHILD_UUID,
                "reason": "child_thread_never_started",
            }],
            "unconsumed_compaction_replacements": [],
        })
    );
    assert!(replayed.trace.interaction_edges.is_empty());
}

#[test]
fn spawn_whose_child_starts_but_never_sees_the_message_falls_back_to_the_thread() {
    let mut trace = spawn_of_child();
    trace.thread(CHILD_UUID, "/root/child");
    trace.turn("turn-child", CHILD_UUID);
    trace.request_in("inf-child", CHILD_UUID, "turn-child", input(json!([message("user", "something else")])));

    let replayed = trace.replay();
    let edge = InteractionEdge {
        edge_id: spawn_edge_id().into(),
        kind: InteractionEdgeKind::SpawnAgent,
        source: TraceAnchor::ToolCall { tool_call_id: "call-spawn".into() },
        target: TraceAnchor::Thread { thread_id: CHILD_UUID.into() },
        started_at_unix_ms: STARTED_AT + 3,
        ended_at_unix_ms: Some(STARTED_AT + 4),
        carried_item_ids: vec![],
        carried_raw_payload_ids: vec!["raw_payload:1".into(), "raw_payload:2".into(), "raw_payload:3".into()],
    };
    assert_eq!(replayed.trace.interaction_edges, BTreeMap::from([(spawn_edge_id().into(), edge)]));
    assert_eq!(replayed.leftovers, Leftovers::default());
}

#[test]
fn agent_result_whose_parent_never_shows_the_notification() {
    let mut trace = Trace::rooted_as(ROOT_UUID);
    trace.thread(CHILD_UUID, "/root/child");
    trace.turn("turn-child", CHILD_UUID);
    trace.request_in("inf-child", CHILD_UUID, "turn-child", input(json!([message("user", "count the files")])));
    trace.complete("inf-child", Some("resp-child"), output(json!([message("assistant", "done")])));
    trace.now_in(CHILD_UUID, "turn-child");
    let edge_id = format!("edge:agent_result:{CHILD_UUID}:turn-child:{ROOT_UUID}");
    let carried_payload = trace.payload(
        RawPayloadKind::AgentResult,
        json!({ "child_agent_path": "/root/child", "message": "done", "status": { "completed": "done" } }),
    );
    trace.in_turn(RawPayload::AgentResultObserved {
        edge_id: edge_id.clone().into(),
        child_thread_id: CHILD_UUID.into(),
        child_codex_turn_id: "turn-child".into(),
        parent_thread_id: ROOT_UUID.into(),
        message: "<subagent_notification>done</subagent_notification>".into(),
        carried_payload: Some(carried_payload),
    });
    // The parent's next request does not carry the notification.
    trace.request_in("inf-root", ROOT_UUID, TURN, input(json!([message("user", "status?")])));

    let replayed = trace.replay();
    assert_eq!(
        serde_json::to_value(&replayed.leftovers).unwrap(),
        json!({
            "unmaterialized_code_cells": [],
            "undelivered_edges": [{
                "edge_id": edge_id,
                "kind": "agent_result",
                "source": { "type": "conversation_item", "item_id": "conversation_item:2" },
                "target_thread_id": ROOT_UUID,
                "reason": "message_never_delivered",
            }],
            "unconsumed_compaction_replacements": [],
        })
    );
    assert!(replayed.trace.interaction_edges.is_empty());
}

#[test]
fn simple_rollout_leaves_nothing_behind() {
    let mut trace = Trace::rooted();
    trace.request("inf-1", input(json!([message("user", "hi")])));
    trace.complete("inf-1", Some("resp-1"), output(json!([message("assistant", "hello")])));
    trace.in_turn(RawPayload::CodexTurnEnded { codex_turn_id: TURN.into(), status: ExecutionStatus::Completed });
    trace.event(None, None, RawPayload::ThreadEnded { thread_id: ROOT.into(), status: RolloutStatus::Completed });
    trace.event(None, None, RawPayload::RolloutEnded { status: RolloutStatus::Completed });

    let replayed = trace.replay();
    assert!(replayed.leftovers.is_empty());
    assert_eq!(replayed.leftovers, Leftovers::default());
    assert_eq!(replayed.trace.status, RolloutStatus::Completed);
}
