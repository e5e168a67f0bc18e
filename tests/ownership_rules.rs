//! Each ownership rule of `rules::graph` fires on its own: a valid corpus bundle checks clean, one
//! minimal corruption of its reduced graph breaks exactly one rule, and every violation it yields
//! carries that catalog rule and names the corrupted object. (The reference reducer keeps these
//! rules on every bundle but one kind, so they are tested on corrupted graphs, not on bundles.)

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::path::Path;

use rollout_conformance::model::{RolloutTrace, ToolCallRequester, TraceAnchor};
use rollout_conformance::reducer::{replay_dir, Leftovers};
use rollout_conformance::rules::catalog::{self, OWNERSHIP_RULES};
use rollout_conformance::rules::graph::{self, GraphViolation};
use rollout_conformance::rules::{Family, Location, Rule, Severity};

thread_local! {
    /// Ids of the rules the corruption tests run on this thread have seen fire (read by the
    /// coverage test).
    static TRIGGERED: RefCell<BTreeSet<&'static str>> = const { RefCell::new(BTreeSet::new()) };
}

/// The reduced graph of `corpus/valid/<bundle>`, checked to be free of ownership violations.
fn valid_trace(bundle: &str) -> RolloutTrace {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/valid").join(bundle);
    let trace = replay_dir(&dir).unwrap_or_else(|e| panic!("{bundle}: replay failed: {e}")).trace;
    assert_eq!(graph::check(&trace), Vec::<GraphViolation>::new(), "{bundle} must check clean before corruption");
    trace
}

/// `graph::check` finds violations, all of rule `rule`, each message naming every id in `names`;
/// `graph::violations` reports the same ones as that catalog rule, on the bundle as a whole.
fn assert_only(trace: &RolloutTrace, rule: &'static Rule, names: &[&str]) -> Vec<GraphViolation> {
    let found = graph::check(trace);
    assert!(!found.is_empty(), "expected [{}] violations, found none", rule.slug);
    for violation in &found {
        assert_eq!(violation.rule.id, rule.id, "unexpected rule in {found:#?}");
        for name in names {
            assert!(violation.message.contains(name), "message {:?} does not name {name}", violation.message);
        }
        TRIGGERED.with(|t| t.borrow_mut().insert(violation.rule.id));
    }
    let reported = graph::violations(trace, &Leftovers::default());
    assert_eq!(reported.len(), found.len(), "{reported:#?}");
    for (violation, graph_violation) in reported.iter().zip(&found) {
        assert!(std::ptr::eq(violation.rule, rule), "{} reported as {}", rule.id, violation.rule.id);
        assert_eq!(violation.severity, Severity::Error);
        assert_eq!(violation.location, Location::bundle());
        assert_eq!(violation.message, graph_violation.message);
    }
    found
}

/// The messages of `found`, sorted, for exact comparisons.
fn messages(found: &[GraphViolation]) -> Vec<&str> {
    let mut messages: Vec<&str> = found.iter().map(|v| v.message.as_str()).collect();
    messages.sort_unstable();
    messages
}

/// Remove the compaction marker item from `conversation_items`. The thread's item list and the
/// compaction's `marker_item_id` still name it, so both now point at a missing item.
#[test]
fn dangling_item() {
    let mut trace = valid_trace("compaction_then_full_request");
    assert!(trace.conversation_items.remove("conversation_item:4").is_some());
    let found = assert_only(&trace, &catalog::DANGLING_ITEM, &["conversation_item:4"]);
    assert!(
        found.iter().any(|v| v.message.starts_with("compact-6b2f ")),
        "the compaction's marker reference is not reported: {found:#?}"
    );
}

/// Remove the raw payload holding inference-ls-1's request. The inference still names it as
/// `raw_request_payload_id`, so a named payload is no longer in `raw_payloads`.
#[test]
fn dangling_payload() {
    let mut trace = valid_trace("full_and_incremental_requests");
    assert!(trace.raw_payloads.remove("raw_payload:2").is_some());
    let found = assert_only(&trace, &catalog::DANGLING_PAYLOAD, &["raw_payload:2"]);
    assert!(
        found.iter().any(|v| v.message.starts_with("inference-ls-1 ")),
        "the inference's request payload is not reported: {found:#?}"
    );
}

/// Remove the child thread, which never ran a turn and owns no items. The spawn edge's target
/// anchor still names it, so an edge endpoint is a missing thread.
#[test]
fn dangling_thread() {
    let mut trace = valid_trace("spawn_child_never_messaged");
    let child = "019d6a10-4b1e-7c3a-9d2f-000000000002";
    let edge = "edge:spawn:019d6a10-4b1e-7c3a-9d2f-000000000001:019d6a10-4b1e-7c3a-9d2f-000000000002";
    assert!(trace.threads.remove(child).is_some());
    let found = assert_only(&trace, &catalog::DANGLING_THREAD, &[edge, child]);
    assert_eq!(found.len(), 1, "{found:#?}");
}

/// Remove the bundle's only turn. Its items, inference calls and tool call still name it as their
/// turn, so each of them names a missing turn (and nothing else changes).
#[test]
fn dangling_turn() {
    let mut trace = valid_trace("full_and_incremental_requests");
    assert!(trace.codex_turns.remove("sub-3f1a").is_some());
    let found = assert_only(&trace, &catalog::DANGLING_TURN, &["sub-3f1a"]);
    for owner in ["inference-ls-1", "inference-ls-2", "call_ls_src_1", "conversation_item:1"] {
        assert!(
            found.iter().any(|v| v.message.starts_with(&format!("{owner} "))),
            "{owner} is not reported: {found:#?}"
        );
    }
}

/// Move the root's spawn tool call into the (existing) child thread. Its turn sub-sp15 still
/// belongs to the root, so the tool and its turn disagree about the thread.
#[test]
fn turn_thread_mismatch() {
    let mut trace = valid_trace("spawn_child_receives_task");
    let root = "019d6a0f-4b1e-7c3a-9d2f-000000000001";
    let child = "019d6a0f-4b1e-7c3a-9d2f-000000000002";
    trace.tool_calls.get_mut("call_spawn_parser").unwrap().thread_id = child.into();
    let found = assert_only(&trace, &catalog::TURN_THREAD_MISMATCH, &["call_spawn_parser", "sub-sp15", root, child]);
    assert_eq!(found.len(), 1, "{found:#?}");
}

/// Point the close edge's source anchor at a tool call that does not exist, so an edge endpoint
/// names a missing tool call.
#[test]
fn dangling_tool_call() {
    let mut trace = valid_trace("close_agent");
    let edge = trace.interaction_edges.get_mut("edge:tool:call_close_lint").unwrap();
    assert_eq!(edge.source, TraceAnchor::ToolCall { tool_call_id: "call_close_lint".into() });
    edge.source = TraceAnchor::ToolCall { tool_call_id: "call_close_missing".into() };
    let found = assert_only(&trace, &catalog::DANGLING_TOOL_CALL, &["edge:tool:call_close_lint", "call_close_missing"]);
    assert_eq!(found.len(), 1, "{found:#?}");
}

/// Drop conversation_item:3 from its thread's item list. The item still exists but no thread
/// lists it, so it does not belong to exactly one thread's list.
#[test]
fn item_owner() {
    let mut trace = valid_trace("full_and_incremental_requests");
    let thread = trace.threads.get_mut("019d6a01-4b1e-7c3a-9d2f-000000000001").unwrap();
    thread.conversation_item_ids.retain(|id| id != "conversation_item:3");
    let found = assert_only(&trace, &catalog::ITEM_OWNER, &["conversation_item:3"]);
    assert_eq!(messages(&found), ["conversation_item:3 is in no thread's list"]);
}

/// Remove the compaction. The marker and the three replacement items still say they were produced
/// by it, so each names a missing producer.
#[test]
fn dangling_producer() {
    let mut trace = valid_trace("compaction_then_full_request");
    assert!(trace.compactions.remove("compact-6b2f").is_some());
    let found = assert_only(&trace, &catalog::DANGLING_PRODUCER, &["compact-6b2f"]);
    assert_eq!(
        messages(&found),
        [4, 5, 6, 7].map(|n| format!("conversation_item:{n} produced by missing compaction compact-6b2f")),
    );
}

/// Point the code cell's `source_item_id` at an item that does not exist, so its source is not a
/// custom_tool_call of its thread with its call id.
#[test]
fn code_cell_source() {
    let mut trace = valid_trace("code_cell_wait");
    trace.code_cells.get_mut("code_cell:call_exec_e2e").unwrap().source_item_id = "conversation_item:404".into();
    let found = assert_only(&trace, &catalog::CODE_CELL_SOURCE, &["code_cell:call_exec_e2e", "conversation_item:404"]);
    assert_eq!(found.len(), 1, "{found:#?}");
}

/// Make the nested exec tool's requester a code cell that does not exist, so a nested tool call
/// no longer names an existing code cell.
#[test]
fn nested_tool_cell() {
    let mut trace = valid_trace("code_cell_nested_tool_while_queued");
    let tool = trace.tool_calls.get_mut("cm_exec_3_1").unwrap();
    assert_eq!(tool.requester, ToolCallRequester::CodeCell { code_cell_id: "code_cell:call_exec_api".into() });
    tool.requester = ToolCallRequester::CodeCell { code_cell_id: "code_cell:call_exec_missing".into() };
    let found = assert_only(&trace, &catalog::NESTED_TOOL_CELL, &["cm_exec_3_1", "code_cell:call_exec_missing"]);
    assert_eq!(found.len(), 1, "{found:#?}");
}

/// Remove the write_stdin terminal operation. Its tool call (`terminal_operation_id`) and the
/// session it joined (`operation_ids`) still name it, so both point at a missing operation.
#[test]
fn dangling_operation() {
    let mut trace = valid_trace("write_stdin_joins_session");
    assert!(trace.terminal_operations.remove("terminal_operation:2").is_some());
    let found = assert_only(&trace, &catalog::DANGLING_OPERATION, &["terminal_operation:2"]);
    assert_eq!(
        messages(&found),
        [
            "call_py_stdin names missing terminal operation terminal_operation:2",
            "session 1001 names missing operation terminal_operation:2",
        ]
    );
}

/// Remove terminal session 1001. Both operations (the exec_command that opened it and the
/// write_stdin that joined it) still name it as their `terminal_id`.
#[test]
fn dangling_session() {
    let mut trace = valid_trace("write_stdin_joins_session");
    assert!(trace.terminal_sessions.remove("1001").is_some());
    let found = assert_only(&trace, &catalog::DANGLING_SESSION, &["1001"]);
    assert_eq!(
        messages(&found),
        [
            "terminal_operation:1 names missing terminal session 1001",
            "terminal_operation:2 names missing terminal session 1001",
        ]
    );
}

/// Remove the item of the write_stdin's call. Besides the thread, inference and tool call, the
/// terminal operation's model observation names it too.
#[test]
fn dangling_item_in_a_terminal_observation() {
    let mut trace = valid_trace("write_stdin_joins_session");
    let call_item = trace.tool_calls["call_py_stdin"].model_visible_call_item_ids[0].clone();
    assert!(trace.conversation_items.remove(&call_item).is_some());
    let found = assert_only(&trace, &catalog::DANGLING_ITEM, &[&call_item]);
    assert!(
        found.iter().any(|v| v.message.starts_with("terminal_operation:2 ")),
        "the operation's observation is not reported: {found:#?}"
    );
}

/// Remove the compaction's request. The installed compaction still lists it in `request_ids`.
#[test]
fn dangling_compaction_request() {
    let mut trace = valid_trace("compaction_then_full_request");
    assert!(trace.compaction_requests.remove("compaction_request:1").is_some());
    let found = assert_only(&trace, &catalog::DANGLING_COMPACTION_REQUEST, &["compaction_request:1"]);
    assert_eq!(messages(&found), ["compact-6b2f names missing compaction request compaction_request:1"]);
}

/// Every ownership rule of the catalog has a corruption test above: the tests together trigger
/// exactly `OWNERSHIP_RULES`, and graph.rs names no other rule, so a rule added later without a
/// test (or emitted without being listed) fails here.
#[test]
fn every_rule_has_a_corruption_test() {
    let rule_tests: &[fn()] = &[
        dangling_item,
        dangling_payload,
        dangling_thread,
        dangling_turn,
        turn_thread_mismatch,
        dangling_tool_call,
        item_owner,
        dangling_producer,
        code_cell_source,
        nested_tool_cell,
        dangling_operation,
        dangling_session,
        dangling_compaction_request,
    ];
    TRIGGERED.with(|t| t.borrow_mut().clear());
    for test in rule_tests {
        test();
    }
    let triggered: Vec<&str> = TRIGGERED.with(|t| t.borrow().iter().copied().collect());
    let listed: Vec<&str> = OWNERSHIP_RULES.iter().map(|rule| rule.id).collect();
    assert_eq!(triggered, listed, "rules triggered by the corruption tests");
    for rule in OWNERSHIP_RULES {
        assert_eq!(rule.family, Family::Ownership, "{} is listed as an ownership rule", rule.id);
        assert_eq!(rule.severity, Severity::Error, "{}", rule.id);
    }

    // graph.rs names its rules as `rule::NAME` (the catalog imported as `rule`): as many distinct
    // names as listed rules, so none is emitted outside OWNERSHIP_RULES.
    let source = include_str!("../src/rules/graph.rs");
    let named: BTreeSet<&str> = source
        .split("rule::")
        .skip(1)
        .map(|rest| rest.split(|c: char| !(c.is_ascii_uppercase() || c == '_')).next().unwrap_or(""))
        .filter(|name| !name.is_empty())
        .collect();
    assert_eq!(named.len(), OWNERSHIP_RULES.len(), "rules named in src/rules/graph.rs: {named:?}");
}
