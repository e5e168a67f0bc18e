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

/// Delivery of message-like edges to the recipient's items: which items count as inter-agent
/// messages for a thread (§D.9.1), and how payload thread ids name that thread (§D.9.2–§D.9.3).
mod delivery {
    use std::collections::BTreeMap;

    use pretty_assertions::assert_eq;
    use rollout_conformance::model::{InteractionEdge, InteractionEdgeKind as Kind, TraceAnchor};
    use rollout_conformance::reducer::{Leftovers, Replayed, UndeliveredEdge, UndeliveredReason};

    use super::*;
    use crate::support::{input, STARTED_AT, TURN};

    /// An `agent_message` model item with one text part.
    fn agent_message(author: &str, recipient: &str, text: &str) -> Value {
        let content = json!([{ "type": "input_text", "text": text }]);
        json!({ "type": "agent_message", "author": author, "recipient": recipient, "content": content })
    }

    /// A legacy inter-agent message: an assistant message whose only text is the JSON record.
    fn legacy_message(author: &str, recipient: &str, text: &str) -> Value {
        let record = json!({ "author": author, "recipient": recipient, "content": text, "trigger_turn": true });
        let content = json!([{ "type": "output_text", "text": record.to_string() }]);
        json!({ "type": "message", "role": "assistant", "content": content })
    }

    fn item(item_id: &str) -> TraceAnchor {
        TraceAnchor::ConversationItem { item_id: item_id.into() }
    }

    fn tool(tool_call_id: &str) -> TraceAnchor {
        TraceAnchor::ToolCall { tool_call_id: tool_call_id.into() }
    }

    fn raw(ids: &[u32]) -> Vec<compact_str::CompactString> {
        ids.iter().map(|n| compact_str::format_compact!("raw_payload:{n}")).collect()
    }

    fn at(seq: i64) -> i64 {
        STARTED_AT + seq
    }

    fn spawn_edge_id() -> String {
        format!("edge:spawn:{ROOT_UUID}:{CHILD_UUID}")
    }

    /// A `send_message` edge still pending at the end, reported as never delivered.
    fn undelivered_send(tool_call_id: &str) -> UndeliveredEdge {
        UndeliveredEdge {
            edge_id: format!("edge:tool:{tool_call_id}").into(),
            kind: Kind::SendMessage,
            source: tool(tool_call_id),
            target_thread_id: CHILD_UUID.into(),
            reason: UndeliveredReason::MessageNeverDelivered,
        }
    }

    /// Root (`/root`) spawns `CHILD_UUID`; its spawn end names both threads through `render`
    /// (invocation raw_payload:1 at seq 3, spawn end raw_payload:2 at seq 4).
    fn spawn_rendered(render: &dyn Fn(&str) -> String) -> Trace {
        let mut trace = Trace::rooted_as(ROOT_UUID);
        let invocation =
            function_invocation("spawn_agent", json!({ "task_name": "child", "message": "count the files" }));
        trace.tool("call-spawn", ToolCallKind::SpawnAgent, Some(invocation));
        let end = with(spawn_end(&render(CHILD_UUID)), "sender_thread_id", Some(json!(render(ROOT_UUID))));
        trace.runtime_end("call-spawn", end);
        trace
    }

    /// Spawn, send_message (begin + end), assign_agent_task (sub-agent activity) and close_agent,
    /// every collab payload naming the threads through `render`. The child (started with its
    /// lowercase id) shows the spawn prompt as conversation_item:1, then "hello" and "also count
    /// the tests" as conversation_item:2 and :3.
    ///
    /// | seq   | event                                         | raw payloads |
    /// |-------|-----------------------------------------------|--------------|
    /// | 3, 4  | spawn tool start, spawn end                   | 1, 2         |
    /// | 5–7   | child thread, child turn, child request       | 3            |
    /// | 8–10  | send tool start, begin, end                   | 4, 5, 6      |
    /// | 11–12 | assign tool start, activity                   | 7, 8         |
    /// | 13    | child request with all three prompts          | 9            |
    /// | 14–16 | close tool start (no invocation), begin, end  | 10, 11       |
    fn collab_round_trip(render: &dyn Fn(&str) -> String) -> Trace {
        let (child, sender) = (render(CHILD_UUID), Some(json!(render(ROOT_UUID))));
        let mut trace = spawn_rendered(render);
        trace.thread(CHILD_UUID, "/root/child");
        trace.turn("turn-child", CHILD_UUID);
        let spawn_prompt = agent_message("/root", "/root/child", "count the files");
        trace.request_in("inf-child-1", CHILD_UUID, "turn-child", input(json!([spawn_prompt])));

        let invocation = function_invocation("send_message", json!({ "target": "/root/child", "message": "hello" }));
        trace.tool("call-send", ToolCallKind::SendMessage, Some(invocation));
        trace.runtime_start("call-send", with(interaction_begin(&child, "hello"), "sender_thread_id", sender.clone()));
        trace.runtime_end("call-send", with(interaction_end(&child, "hello"), "sender_thread_id", sender.clone()));

        let invocation =
            function_invocation("followup_task", json!({ "target": "/root/child", "message": "also count the tests" }));
        trace.tool("call-assign", ToolCallKind::AssignAgentTask, Some(invocation));
        trace.runtime_end("call-assign", with(activity("interacted"), "agent_thread_id", Some(json!(child))));

        let items = json!([
            spawn_prompt,
            agent_message("/root", "/root/child", "hello"),
            agent_message("/root", "/root/child", "also count the tests"),
        ]);
        trace.request_in("inf-child-2", CHILD_UUID, "turn-child", input(items));

        trace.tool("call-close", ToolCallKind::CloseAgent, None);
        trace.runtime_start("call-close", with(close_begin(&child), "sender_thread_id", sender.clone()));
        trace.runtime_end("call-close", with(close_end(&child), "sender_thread_id", sender));
        trace
    }

    #[test]
    fn collab_payload_thread_ids_are_uuids_rendered_lowercase() {
        let lowercase = collab_round_trip(&|id| id.to_owned()).replay();

        let edges = [
            InteractionEdge {
                edge_id: spawn_edge_id().into(),
                kind: Kind::SpawnAgent,
                source: tool("call-spawn"),
                target: item("conversation_item:1"),
                started_at_unix_ms: at(3),
                ended_at_unix_ms: Some(at(4)),
                carried_item_ids: vec!["conversation_item:1".into()],
                carried_raw_payload_ids: raw(&[1, 2]),
            },
            InteractionEdge {
                edge_id: "edge:tool:call-send".into(),
                kind: Kind::SendMessage,
                source: tool("call-send"),
                target: item("conversation_item:2"),
                started_at_unix_ms: at(8),
                ended_at_unix_ms: Some(at(10)),
                carried_item_ids: vec!["conversation_item:2".into()],
                carried_raw_payload_ids: raw(&[4, 5, 6]),
            },
            InteractionEdge {
                edge_id: "edge:tool:call-assign".into(),
                kind: Kind::AssignAgentTask,
                source: tool("call-assign"),
                target: item("conversation_item:3"),
                started_at_unix_ms: at(11),
                ended_at_unix_ms: Some(at(12)),
                carried_item_ids: vec!["conversation_item:3".into()],
                carried_raw_payload_ids: raw(&[7, 8]),
            },
            InteractionEdge {
                edge_id: "edge:tool:call-close".into(),
                kind: Kind::CloseAgent,
                source: tool("call-close"),
                target: TraceAnchor::Thread { thread_id: CHILD_UUID.into() },
                started_at_unix_ms: at(14),
                ended_at_unix_ms: Some(at(16)),
                carried_item_ids: vec![],
                carried_raw_payload_ids: raw(&[10, 11]),
            },
        ];
        let expected: BTreeMap<compact_str::CompactString, InteractionEdge> =
            edges.into_iter().map(|edge| (edge.edge_id.clone(), edge)).collect();
        assert_eq!(lowercase.trace.interaction_edges, expected);
        assert_eq!(lowercase.leftovers, Leftovers::default());

        // Uppercase, and uppercase without hyphens: the same UUIDs, so the same reduced state.
        let renderings: [&dyn Fn(&str) -> String; 2] =
            [&|id| id.to_uppercase(), &|id| id.to_uppercase().replace('-', "")];
        for render in renderings {
            let Replayed { trace, leftovers } = collab_round_trip(render).replay();
            assert_eq!(trace.interaction_edges, expected, "payload ids rendered as {}", render(CHILD_UUID));
            assert_eq!(trace, lowercase.trace);
            assert_eq!(leftovers, Leftovers::default());
        }
    }

    #[test]
    fn uppercase_spawn_child_falls_back_to_the_lowercase_thread() {
        // The child never shows the prompt: the fallback target is the re-rendered child id.
        let mut trace = spawn_rendered(&|id| id.to_uppercase());
        trace.thread(CHILD_UUID, "/root/child");
        let replayed = trace.replay();
        let edge = &replayed.trace.interaction_edges[spawn_edge_id().as_str()];
        assert_eq!(edge.target, TraceAnchor::Thread { thread_id: CHILD_UUID.into() });
        assert_eq!(replayed.leftovers, Leftovers::default());
    }

    /// Root spawns `CHILD_UUID` (`/root/child`), which starts and shows `items` in a request.
    fn spawned_child_shows(items: Value) -> Replayed {
        let mut trace = spawn_rendered(&|id| id.to_owned());
        trace.thread(CHILD_UUID, "/root/child");
        trace.turn("turn-child", CHILD_UUID);
        trace.request_in("inf-child", CHILD_UUID, "turn-child", input(items));
        trace.replay()
    }

    #[test]
    fn spawn_prompt_addressed_to_another_agent_is_not_the_delivery() {
        // Control: addressed to the child's own path, the item is the delivery.
        let delivered = spawned_child_shows(json!([agent_message("/root", "/root/child", "count the files")]));
        assert_eq!(delivered.trace.interaction_edges[spawn_edge_id().as_str()].target, item("conversation_item:1"));

        // Same author and content, but addressed to `/root/other`: the edge stays pending and
        // falls back to the child thread at the end (§D.9.6).
        let replayed = spawned_child_shows(json!([agent_message("/root", "/root/other", "count the files")]));
        let edge = &replayed.trace.interaction_edges[spawn_edge_id().as_str()];
        assert_eq!(edge.target, TraceAnchor::Thread { thread_id: CHILD_UUID.into() });
        assert_eq!(edge.carried_item_ids, Vec::<String>::new());
        assert_eq!(edge.carried_raw_payload_ids, raw(&[1, 2]));
        assert_eq!(replayed.leftovers, Leftovers::default());
        assert_eq!(replayed.trace.threads[CHILD_UUID].conversation_item_ids, vec!["conversation_item:1"]);
    }

    /// A send_message "hello" from root to `CHILD_UUID` (`/root/child`) and a child request with
    /// `items`, the request before or after the tool's runtime begin.
    fn send_while_child_shows(items: &Value, request_first: bool) -> Replayed {
        let mut trace = agents_trace();
        let request = |trace: &mut Trace| {
            trace.request_in("inf-child", CHILD_UUID, "turn-child", input(items.clone()));
        };
        if request_first {
            request(&mut trace);
        }
        trace.tool("call-send", ToolCallKind::SendMessage, None);
        trace.runtime_start("call-send", interaction_begin(CHILD_UUID, "hello"));
        if !request_first {
            request(&mut trace);
        }
        trace.replay()
    }

    #[test]
    fn send_message_is_not_delivered_to_an_item_for_another_recipient() {
        let misaddressed = agent_message("/root", "/root/other", "hello");
        for request_first in [true, false] {
            // Only the misaddressed item: the edge is never delivered.
            let replayed = send_while_child_shows(&json!([misaddressed]), request_first);
            assert_eq!(replayed.trace.interaction_edges, BTreeMap::new(), "request first: {request_first}");
            assert_eq!(replayed.leftovers.undelivered_edges, vec![undelivered_send("call-send")]);

            // Followed by a correctly addressed one: that second item is the delivery.
            let items = json!([misaddressed, agent_message("/root", "/root/child", "hello")]);
            let replayed = send_while_child_shows(&items, request_first);
            let edge = &replayed.trace.interaction_edges["edge:tool:call-send"];
            assert_eq!(edge.target, item("conversation_item:2"), "request first: {request_first}");
            assert_eq!(edge.carried_item_ids, vec!["conversation_item:2"]);
            assert_eq!(replayed.leftovers, Leftovers::default());
        }
    }

    #[test]
    fn agent_message_paths_are_not_validated_only_compared() {
        // Invalid author or recipient paths in an `agent_message` item are no error (§D.4.1: the
        // strings are not validated); they just do not match the sender or the child.
        for (author, recipient) in [("/root/Bad Path", "/root/child"), ("root/x", "/root/child"), ("/root", "root/x")] {
            let replayed = send_while_child_shows(&json!([agent_message(author, recipient, "hello")]), false);
            let stored = replayed.trace.conversation_items["conversation_item:1"].agent_message.as_ref().unwrap();
            assert_eq!((stored.author.as_str(), stored.recipient.as_str()), (author, recipient));
            assert_eq!(replayed.trace.interaction_edges, BTreeMap::new(), "{author} -> {recipient}");
            assert_eq!(replayed.leftovers.undelivered_edges, vec![undelivered_send("call-send")]);
        }
    }

    /// The root thread, started with agent path `root_path`, sends "hello" to a child thread
    /// started with agent path `child_path`, whose request then shows `message`.
    fn send_between(root_path: &str, child_path: &str, message: Value) -> Replayed {
        let mut trace = Trace::empty();
        trace.now_in(ROOT_UUID, TURN);
        trace.thread(ROOT_UUID, root_path);
        trace.turn(TURN, ROOT_UUID);
        trace.thread(CHILD_UUID, child_path);
        trace.turn("turn-child", CHILD_UUID);
        trace.tool("call-send", ToolCallKind::SendMessage, None);
        trace.runtime_start("call-send", interaction_begin(CHILD_UUID, "hello"));
        trace.request_in("inf-child", CHILD_UUID, "turn-child", input(json!([message])));
        trace.replay()
    }

    #[test]
    fn invalid_agent_path_matches_only_in_agent_message_metadata() {
        // Thread agent paths are not validated either (§D.2), so a child can be `/root/Bad Path`
        // and a root `/Root`; an `agent_message` naming them verbatim is the delivery.
        let (bad_child, bad_root) = ("/root/Bad Path", "/Root");
        for (root_path, child_path) in [("/root", bad_child), (bad_root, "/root/child")] {
            let replayed = send_between(root_path, child_path, agent_message(root_path, child_path, "hello"));
            assert_eq!(replayed.trace.threads[ROOT_UUID].agent_path, root_path);
            assert_eq!(replayed.trace.threads[CHILD_UUID].agent_path, child_path);
            let edge = &replayed.trace.interaction_edges["edge:tool:call-send"];
            assert_eq!(edge.target, item("conversation_item:1"), "{root_path} -> {child_path}");
            assert_eq!(replayed.leftovers, Leftovers::default());
        }

        // Control: a legacy JSON message with valid paths is a delivery.
        let replayed = send_between("/root", "/root/child", legacy_message("/root", "/root/child", "hello"));
        assert_eq!(replayed.trace.interaction_edges["edge:tool:call-send"].target, item("conversation_item:1"));

        // The legacy form validates its paths (§D.9.1): with the same invalid recipient or
        // author, the item is a plain assistant message, which is no error and no delivery.
        for (root_path, child_path) in [("/root", bad_child), (bad_root, "/root/child")] {
            let replayed = send_between(root_path, child_path, legacy_message(root_path, child_path, "hello"));
            assert_eq!(replayed.trace.conversation_items["conversation_item:1"].agent_message, None);
            assert_eq!(replayed.trace.interaction_edges, BTreeMap::new(), "{root_path} -> {child_path}");
            assert_eq!(replayed.leftovers.undelivered_edges, vec![undelivered_send("call-send")]);
        }
    }
}
