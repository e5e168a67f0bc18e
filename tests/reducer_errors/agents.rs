//! Multi-agent interaction edges: typed collab payloads, sub-agent activity, edge bookkeeping
//! (§D.9). Thread ids are UUIDs because collab payloads carry them as UUIDs.

use rollout_conformance::bundle::{RawPayload, ToolCallKind};
use rollout_conformance::ErrorKind;
use serde_json::{json, Value};

use crate::support::{function_invocation, Trace, CHILD_UUID, OTHER_CHILD_UUID, ROOT_UUID};

/// `ROOT_UUID` (`/root`) with `turn-1`, and the child `CHILD_UUID` (`/root/child`).
fn agents_trace() -> Trace {
    let mut trace = Trace::rooted_as(ROOT_UUID);
    trace.thread(CHILD_UUID, "/root/child");
    trace.turn("turn-child", CHILD_UUID);
    trace
}

fn interaction_begin(receiver: &str, prompt: &str) -> Value {
    json!({ "call_id": "call-send", "started_at_ms": 10, "sender_thread_id": ROOT_UUID, "receiver_thread_id": receiver, "prompt": prompt })
}

fn interaction_end(receiver: &str, prompt: &str) -> Value {
    json!({
        "call_id": "call-send",
        "completed_at_ms": 20,
        "sender_thread_id": ROOT_UUID,
        "receiver_thread_id": receiver,
        "receiver_agent_nickname": null,
        "receiver_agent_role": null,
        "prompt": prompt,
        "status": "running",
    })
}

fn close_begin(receiver: &str) -> Value {
    json!({ "call_id": "call-close", "sender_thread_id": ROOT_UUID, "receiver_thread_id": receiver })
}

fn close_end(receiver: &str) -> Value {
    json!({ "call_id": "call-close", "sender_thread_id": ROOT_UUID, "receiver_thread_id": receiver, "status": "shutdown" })
}

pub fn spawn_end(new_thread_id: &str) -> Value {
    json!({
        "call_id": "call-spawn",
        "completed_at_ms": 20,
        "sender_thread_id": ROOT_UUID,
        "new_thread_id": new_thread_id,
        "new_agent_nickname": "James",
        "new_agent_role": "explorer",
        "prompt": "count the files",
        "model": "gpt-test",
        "reasoning_effort": "medium",
        "status": "pending_init",
    })
}

fn activity(kind: &str) -> Value {
    json!({ "event_id": "call-x", "occurred_at_ms": 1234, "agent_thread_id": CHILD_UUID, "agent_path": "/root/child", "kind": kind })
}

/// `value` without `key`, or with `key` set to `replacement`.
fn with(mut value: Value, key: &str, replacement: Option<Value>) -> Value {
    let object = value.as_object_mut().unwrap();
    match replacement {
        Some(replacement) => object.insert(key.to_owned(), replacement),
        None => object.remove(key),
    };
    value
}

/// Whether a typed payload is fed to the runtime begin or end handler.
#[derive(Clone, Copy)]
enum Runtime {
    Begin,
    End,
}

/// A tool of `kind` in the root thread, then one runtime event with `payload`; returns its seq.
fn tool_with_runtime(kind: ToolCallKind, runtime: Runtime, payload: Value) -> (Trace, u64) {
    let mut trace = agents_trace();
    let invocation = function_invocation("send_message", json!({ "target": "/root/child", "message": "hello" }));
    trace.tool("call-x", kind, Some(invocation));
    let seq = match runtime {
        Runtime::Begin => trace.runtime_start("call-x", payload),
        Runtime::End => trace.runtime_end("call-x", payload),
    };
    (trace, seq)
}

mod collab_payloads {
    use pretty_assertions::assert_eq;

    use super::*;

    /// The payload is refused with serde's own message, nothing around it.
    #[track_caller]
    fn fails_with_serde(kind: ToolCallKind, runtime: Runtime, payload: Value) -> String {
        let (trace, seq) = tool_with_runtime(kind, runtime, payload);
        let err = trace.error();
        assert!(matches!(*err.kind, ErrorKind::Serde(_)), "not a bare serde error: {}", err.message());
        assert_eq!(err.seq, Some(seq));
        err.message()
    }

    #[test]
    fn interaction_begin_without_prompt() {
        for kind in [ToolCallKind::SendMessage, ToolCallKind::AssignAgentTask] {
            let begin = with(interaction_begin(CHILD_UUID, "hello"), "prompt", None);
            assert_eq!(fails_with_serde(kind, Runtime::Begin, begin), "missing field `prompt`");
        }
    }

    #[test]
    fn interaction_begin_with_non_uuid_receiver() {
        let begin = interaction_begin("thread-child", "hello");
        let message = fails_with_serde(ToolCallKind::AssignAgentTask, Runtime::Begin, begin);
        assert!(message.starts_with("invalid character: expected an optional prefix of `urn:uuid:`"), "{message}");
    }

    #[test]
    fn interaction_end_without_status() {
        let end = with(interaction_end(CHILD_UUID, "hello"), "status", None);
        assert_eq!(fails_with_serde(ToolCallKind::SendMessage, Runtime::End, end), "missing field `status`");
    }

    #[test]
    fn interaction_end_with_unknown_status() {
        let end = with(interaction_end(CHILD_UUID, "hello"), "status", Some(json!("bogus")));
        let message = fails_with_serde(ToolCallKind::AssignAgentTask, Runtime::End, end);
        assert!(message.starts_with("unknown variant `bogus`"), "{message}");
    }

    #[test]
    fn close_begin_without_receiver() {
        let begin = with(close_begin(CHILD_UUID), "receiver_thread_id", None);
        assert_eq!(
            fails_with_serde(ToolCallKind::CloseAgent, Runtime::Begin, begin),
            "missing field `receiver_thread_id`"
        );
    }

    #[test]
    fn close_end_with_unknown_status() {
        let end = with(close_end(CHILD_UUID), "status", Some(json!({ "finished": "ok" })));
        let message = fails_with_serde(ToolCallKind::CloseAgent, Runtime::End, end);
        assert!(message.starts_with("unknown variant `finished`"), "{message}");
    }

    #[test]
    fn spawn_end_without_model() {
        let end = with(spawn_end(CHILD_UUID), "model", None);
        assert_eq!(fails_with_serde(ToolCallKind::SpawnAgent, Runtime::End, end), "missing field `model`");
    }

    #[test]
    fn spawn_end_with_non_uuid_sender() {
        let end = with(spawn_end(CHILD_UUID), "sender_thread_id", Some(json!("thread-root")));
        let message = fails_with_serde(ToolCallKind::SpawnAgent, Runtime::End, end);
        assert!(message.starts_with("invalid character: expected an optional prefix of `urn:uuid:`"), "{message}");
    }

    #[test]
    fn spawn_end_with_empty_reasoning_effort() {
        let end = with(spawn_end(CHILD_UUID), "reasoning_effort", Some(json!("")));
        fails_with_serde(ToolCallKind::SpawnAgent, Runtime::End, end);
    }

    #[test]
    fn activity_without_kind() {
        let payload = with(activity("started"), "kind", None);
        assert_eq!(fails_with_serde(ToolCallKind::SpawnAgent, Runtime::End, payload), "missing field `kind`");
    }

    #[test]
    fn activity_with_unknown_kind() {
        let message = fails_with_serde(ToolCallKind::SpawnAgent, Runtime::End, activity("finished"));
        assert!(message.starts_with("unknown variant `finished`"), "{message}");
    }

    #[test]
    fn activity_with_invalid_agent_path() {
        for path in ["/Root/Child", "root/child", "/root/root", "/root/../child", "/root//child"] {
            let payload = with(activity("started"), "agent_path", Some(json!(path)));
            fails_with_serde(ToolCallKind::SpawnAgent, Runtime::End, payload);
        }
    }

    #[test]
    fn activity_with_non_uuid_thread() {
        let payload = with(activity("started"), "agent_thread_id", Some(json!("thread-child")));
        let message = fails_with_serde(ToolCallKind::SpawnAgent, Runtime::End, payload);
        assert!(message.starts_with("invalid character: expected an optional prefix of `urn:uuid:`"), "{message}");
    }

    #[test]
    fn activity_is_parsed_for_every_tool_kind() {
        // Any runtime end with an `agent_thread_id` key is a sub-agent activity.
        let payload = with(activity("started"), "event_id", None);
        assert_eq!(fails_with_serde(ToolCallKind::ApplyPatch, Runtime::End, payload), "missing field `event_id`");
    }
}

#[test]
fn activity_kind_not_matching_the_tool_kind() {
    let cases = [
        (ToolCallKind::ExecCommand, "started", "sub-agent activity Started does not match tool call kind ExecCommand"),
        (
            ToolCallKind::SpawnAgent,
            "interacted",
            "sub-agent activity Interacted does not match tool call kind SpawnAgent",
        ),
        (
            ToolCallKind::SpawnAgent,
            "interrupted",
            "sub-agent activity Interrupted does not match tool call kind SpawnAgent",
        ),
        (
            ToolCallKind::AssignAgentTask,
            "started",
            "sub-agent activity Started does not match tool call kind AssignAgentTask",
        ),
        (
            ToolCallKind::SendMessage,
            "interrupted",
            "sub-agent activity Interrupted does not match tool call kind SendMessage",
        ),
        (
            ToolCallKind::CloseAgent,
            "interacted",
            "sub-agent activity Interacted does not match tool call kind CloseAgent",
        ),
        (
            ToolCallKind::WaitAgent,
            "interacted",
            "sub-agent activity Interacted does not match tool call kind WaitAgent",
        ),
        (
            ToolCallKind::Other { name: "wait".into() },
            "started",
            r#"sub-agent activity Started does not match tool call kind Other { name: "wait" }"#,
        ),
        (
            ToolCallKind::Mcp { server: "docs".into(), tool: "search".into() },
            "interrupted",
            r#"sub-agent activity Interrupted does not match tool call kind Mcp { server: "docs", tool: "search" }"#,
        ),
    ];
    for (kind, activity_kind, expected) in cases {
        let (trace, seq) = tool_with_runtime(kind, Runtime::End, activity(activity_kind));
        trace.fails_with(expected, seq);
    }
}

/// A `kind` tool `call-x` with this invocation, then an activity of `activity_kind`.
fn activity_for_tool(kind: ToolCallKind, invocation: Option<Value>, activity_kind: &str) -> (Trace, u64) {
    let mut trace = agents_trace();
    trace.tool("call-x", kind, invocation);
    let seq = trace.runtime_end("call-x", activity(activity_kind));
    (trace, seq)
}

#[test]
fn message_activity_needs_the_invocation_payload() {
    for (kind, activity_kind) in [
        (ToolCallKind::SpawnAgent, "started"),
        (ToolCallKind::SendMessage, "interacted"),
        (ToolCallKind::AssignAgentTask, "interacted"),
    ] {
        let (trace, seq) = activity_for_tool(kind, None, activity_kind);
        trace.fails_with("agent activity tool call call-x missing invocation payload", seq);
    }
}

#[test]
fn message_activity_needs_string_function_arguments() {
    let invocations = [
        json!({ "tool_name": "send_message", "payload": { "type": "function" } }),
        json!({ "tool_name": "send_message", "payload": { "type": "function", "arguments": { "message": "hello" } } }),
        json!({ "tool_name": "send_message", "payload": { "type": "custom", "input": "hello" } }),
        json!({ "tool_name": "send_message" }),
    ];
    for invocation in invocations {
        let (trace, seq) = activity_for_tool(ToolCallKind::SendMessage, Some(invocation), "interacted");
        trace.fails_with("agent activity tool call call-x missing function arguments", seq);
    }
}

#[test]
fn message_activity_needs_a_string_message_argument() {
    let arguments =
        ["{message: hello", r#"{"target": "/root/child"}"#, r#"{"message": 5}"#, r#"["hello"]"#, "\"hello\""];
    for arguments in arguments {
        let invocation =
            json!({ "tool_name": "followup_task", "payload": { "type": "function", "arguments": arguments } });
        let (trace, seq) = activity_for_tool(ToolCallKind::AssignAgentTask, Some(invocation), "interacted");
        trace.fails_with("parse agent activity tool call call-x arguments", seq);
    }
}

fn agent_result(edge_id: &str, child: &str, message: &str) -> RawPayload {
    RawPayload::AgentResultObserved {
        edge_id: edge_id.into(),
        child_thread_id: child.into(),
        child_codex_turn_id: "turn-child".into(),
        parent_thread_id: ROOT_UUID.into(),
        message: message.into(),
        carried_payload: None,
    }
}

#[test]
fn agent_result_from_unknown_child_thread() {
    let mut trace = agents_trace();
    let seq = trace.in_turn(agent_result("edge:agent_result:ghost", "thread-ghost", "done"));
    trace.fails_with("agent edge referenced unknown thread thread-ghost", seq);
}

#[test]
fn pending_edge_observed_with_conflicting_delivery_data() {
    // The receiver has not started, so the begin's edge is still pending when the end arrives.
    let mut trace = Trace::rooted_as(ROOT_UUID);
    trace.tool("call-send", ToolCallKind::SendMessage, None);
    trace.runtime_start("call-send", interaction_begin(CHILD_UUID, "hello"));
    let seq = trace.runtime_end("call-send", interaction_end(CHILD_UUID, "goodbye"));
    trace.fails_with("pending interaction edge edge:tool:call-send was observed with conflicting delivery data", seq);

    let mut trace = Trace::rooted_as(ROOT_UUID);
    trace.tool("call-send", ToolCallKind::AssignAgentTask, None);
    trace.runtime_start("call-send", interaction_begin(CHILD_UUID, "hello"));
    let seq = trace.runtime_end("call-send", interaction_end(OTHER_CHILD_UUID, "hello"));
    trace.fails_with("pending interaction edge edge:tool:call-send was observed with conflicting delivery data", seq);

    // The parent never showed the first result, so a second one with the same id conflicts.
    let mut trace = agents_trace();
    trace.in_turn(agent_result("edge:agent_result:1", CHILD_UUID, "done"));
    let seq = trace.in_turn(agent_result("edge:agent_result:1", CHILD_UUID, "done, really"));
    trace.fails_with("pending interaction edge edge:agent_result:1 was observed with conflicting delivery data", seq);
}

#[test]
fn materialized_edge_observed_with_conflicting_endpoints() {
    // Close edges materialize at once, to the receiver thread of each payload.
    let mut trace = agents_trace();
    trace.thread(OTHER_CHILD_UUID, "/root/other");
    trace.tool("call-close", ToolCallKind::CloseAgent, None);
    trace.runtime_start("call-close", close_begin(CHILD_UUID));
    let seq = trace.runtime_end("call-close", close_end(OTHER_CHILD_UUID));
    trace.fails_with("interaction edge edge:tool:call-close was observed with conflicting endpoints", seq);
}
