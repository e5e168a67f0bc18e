//! Code-cell starts, materialization and lifecycle events (§D.3).

use rollout_conformance::bundle::CodeCellRuntimeStatus::{Completed, Yielded};
use rollout_conformance::bundle::RawPayload;
use serde_json::json;

use crate::support::{
    code_cell_ended, code_cell_initial, code_cell_started, exec_call, input, Trace, CHILD, CHILD_TURN, ROOT, TURN,
};

/// The three code-cell events for runtime cell `1`, with the name upstream gives each.
fn code_cell_events() -> [(RawPayload, &'static str); 3] {
    [
        (code_cell_started("1", "call-exec"), "code cell start"),
        (code_cell_initial("1", Yielded), "code cell initial response"),
        (code_cell_ended("1", Completed), "code cell end"),
    ]
}

#[test]
fn code_cell_event_without_thread_or_turn() {
    for (event, name) in code_cell_events() {
        let mut trace = Trace::rooted();
        let seq = trace.event(None, None, event);
        trace.fails_with(&format!("{name} 1 did not include a thread id"), seq);
    }
}

#[test]
fn code_cell_event_with_only_an_unknown_turn() {
    for (event, name) in code_cell_events() {
        let mut trace = Trace::rooted();
        let seq = trace.event(None, Some("turn-missing"), event);
        trace.fails_with(&format!("{name} 1 referenced unknown Codex turn turn-missing"), seq);
    }
}

#[test]
fn runtime_cell_mapped_to_two_cells() {
    let mut trace = Trace::rooted();
    trace.code_cell("1", "call-a");
    let seq = trace.code_cell("1", "call-b");
    trace.fails_with(
        "runtime code cell 1 in thread thread-root mapped to both code_cell:call-a and code_cell:call-b",
        seq,
    );
}

#[test]
fn second_start_of_a_queued_cell_is_duplicate() {
    let mut trace = Trace::rooted();
    trace.code_cell("1", "call-a");
    let seq = trace.code_cell("2", "call-a");
    trace.fails_with("duplicate code cell start for code_cell:call-a", seq);

    // Re-recording the same runtime mapping is fine; the start itself is still a duplicate.
    let mut trace = Trace::rooted();
    trace.code_cell("1", "call-a");
    let seq = trace.code_cell("1", "call-a");
    trace.fails_with("duplicate code cell start for code_cell:call-a", seq);
}

#[test]
fn second_start_of_a_materialized_cell_is_duplicate() {
    let mut trace = Trace::rooted();
    trace.request("inf-1", input(json!([exec_call("call-a")])));
    trace.code_cell("1", "call-a");
    let seq = trace.code_cell("1", "call-a");
    trace.fails_with("duplicate code cell start for code_cell:call-a", seq);
}

#[test]
fn queued_start_without_envelope_turn_fails_when_it_materializes() {
    let mut trace = Trace::rooted();
    trace.event(Some(ROOT), None, code_cell_started("1", "call-exec"));
    // The start waits for its source item; the request carrying it materializes the cell.
    let seq = trace.request("inf-1", input(json!([exec_call("call-exec")])));
    trace.fails_with("code cell start code_cell:call-exec did not include a Codex turn id", seq);
}

#[test]
fn start_without_envelope_turn_after_its_source_item() {
    let mut trace = Trace::rooted();
    trace.request("inf-1", input(json!([exec_call("call-exec")])));
    let seq = trace.event(Some(ROOT), None, code_cell_started("1", "call-exec"));
    trace.fails_with("code cell start code_cell:call-exec did not include a Codex turn id", seq);
}

#[test]
fn start_in_unknown_turn() {
    let mut trace = Trace::rooted();
    trace.request("inf-1", input(json!([exec_call("call-exec")])));
    let seq = trace.event(Some(ROOT), Some("turn-missing"), code_cell_started("1", "call-exec"));
    trace.fails_with("code cell start referenced unknown Codex turn turn-missing", seq);
}

#[test]
fn start_whose_turn_belongs_to_another_thread() {
    let mut trace = Trace::rooted().with_child();
    trace.request("inf-1", input(json!([exec_call("call-exec")])));
    let seq = trace.event(Some(ROOT), Some(CHILD_TURN), code_cell_started("1", "call-exec"));
    trace.fails_with("code cell start used thread thread-root, but Codex turn turn-child belongs to thread-child", seq);
}

#[test]
fn lifecycle_event_for_unknown_runtime_cell() {
    let mut trace = Trace::rooted();
    let seq = trace.event(Some(ROOT), Some(TURN), code_cell_initial("9", Yielded));
    trace.fails_with("code cell initial response referenced unknown runtime cell 9 in thread thread-root", seq);

    // The thread may come from the envelope turn alone.
    let mut trace = Trace::rooted();
    let seq = trace.event(None, Some(TURN), code_cell_ended("9", Completed));
    trace.fails_with("code cell end referenced unknown runtime cell 9 in thread thread-root", seq);

    // Runtime cell ids are per thread.
    let mut trace = Trace::rooted().with_child();
    trace.code_cell("1", "call-exec");
    let seq = trace.event(Some(CHILD), Some(CHILD_TURN), code_cell_ended("1", Completed));
    trace.fails_with("code cell end referenced unknown runtime cell 1 in thread thread-child", seq);
}
