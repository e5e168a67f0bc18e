//! Multi-agent trees: spawned children and grandchildren (all in the root's bundle), messages to
//! them, closes, and their results reaching their parent.

use compact_str::{format_compact, CompactString};
use serde_json::{json, Value};

use super::conversation::{developer_message, ResponseItem};
use super::tools::{output_item, Runtime, ToolSpec};
use super::{Emitter, HbRule, Tag, ROOT_AGENT_PATH};
use crate::bundle::{ExecutionStatus, RawPayload, RawPayloadKind, RolloutStatus, ToolCallKind};
use crate::generate::facts::{EdgeFact, SourceFact, TargetFact, ThreadFact};
use crate::generate::scenario::{Call, ChildFate, ChildPlan, Exchange, Outcome, ResultPlan};
use crate::model::InteractionEdgeKind;
use crate::reducer::UndeliveredReason;

#[derive(Debug, Clone)]
pub struct Child {
    pub thread_id: CompactString,
    pub agent_path: CompactString,
    /// The thread that spawned it: the root, or a child for a grandchild.
    pub parent_thread: CompactString,
    /// 1 for the root's children.
    pub depth: usize,
    pub started: bool,
    pub closed: bool,
}

/// An agent-tool call, resolved to its child (`target` is the child's agent path).
pub enum AgentCall {
    Spawn { call_id: CompactString, child: usize, plan: ChildPlan },
    Message { call_id: CompactString, child: usize, target: CompactString, followup: bool, via_activity: bool },
    Close { call_id: CompactString, child: usize, target: CompactString, via_activity: bool },
}

fn agent_message(author: &str, recipient: &str, text: &str) -> Value {
    json!({"type": "agent_message", "author": author, "recipient": recipient, "content": [{"type": "input_text", "text": text}]})
}

/// The ways a producer writes one agent's words to another (§D.9.1), taken in turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Delivery {
    Text,
    /// An `agent_message` whose only content is the encrypted words.
    Encrypted,
    /// An `agent_message` with a readable preview, then the encrypted words.
    PreviewAndEncrypted,
    /// The legacy form: a plain assistant message whose text is the JSON communication.
    Legacy,
    /// The same `agent_message` twice in one request: the edge lands on the first copy.
    Twice,
}

/// The items that deliver `text`: a user message quoting a legacy communication comes first, as
/// no inter-agent message (only an assistant message is one). Also the legacy item's text, a
/// plain assistant message of the turn that sees it.
fn delivery_items(form: Delivery, author: &str, recipient: &str, text: &str) -> (Vec<Value>, Option<CompactString>) {
    let message =
        |content: Value| json!({"type": "agent_message", "author": author, "recipient": recipient, "content": content});
    match form {
        Delivery::Text => (vec![agent_message(author, recipient, text)], None),
        Delivery::Twice => (vec![agent_message(author, recipient, text); 2], None),
        Delivery::Encrypted => (vec![message(json!([{"type": "encrypted_content", "encrypted_content": text}]))], None),
        Delivery::PreviewAndEncrypted => {
            let content = json!([{"type": "input_text", "text": "(encrypted message)"}, {"type": "encrypted_content", "encrypted_content": text}]);
            (vec![message(content)], None)
        }
        Delivery::Legacy => {
            let legacy =
                json!({"author": author, "recipient": recipient, "content": text, "trigger_turn": true}).to_string();
            let quoted = super::conversation::user_message(&legacy);
            let item =
                json!({"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": legacy}]});
            (vec![quoted, item], Some(legacy.into()))
        }
    }
}

fn prompt(call_id: &str) -> String {
    format!("Review the change in {call_id} and report problems.")
}

fn message_text(call_id: &str) -> String {
    format!("Also check the tests touched by {call_id}.")
}

impl AgentCall {
    pub fn call_id(&self) -> &str {
        match self {
            AgentCall::Spawn { call_id, .. }
            | AgentCall::Message { call_id, .. }
            | AgentCall::Close { call_id, .. } => call_id,
        }
    }

    fn function(&self) -> (&'static str, Value) {
        match self {
            AgentCall::Spawn { call_id, child, .. } => (
                "spawn_agent",
                json!({"message": prompt(call_id), "agent_type": "worker", "task_name": format!("worker_{}", child + 1)}),
            ),
            AgentCall::Message { call_id, target, followup, .. } => {
                let name = if *followup { "followup_task" } else { "send_message" };
                (name, json!({"target": target, "message": message_text(call_id)}))
            }
            AgentCall::Close { target, .. } => ("close_agent", json!({"target": target})),
        }
    }

    pub fn item(&self) -> ResponseItem {
        let (name, arguments) = self.function();
        ResponseItem::same(
            json!({"type": "function_call", "name": name, "arguments": arguments.to_string(), "call_id": self.call_id()}),
        )
    }
}

impl Emitter {
    /// The items that show a child its task or a message, in the next of the forms. Only a spawn
    /// task may come twice: a message edge's late runtime end would find the second copy
    /// unlinked and resolve to it (conflicting endpoints, §D.9.7).
    fn delivery(
        &mut self,
        author: &str,
        recipient: &str,
        text: &str,
        task: bool,
    ) -> (Vec<Value>, Option<CompactString>) {
        let forms =
            [Delivery::Encrypted, Delivery::PreviewAndEncrypted, Delivery::Legacy, Delivery::Twice, Delivery::Text];
        let form = match forms[(self.next("delivery") as usize - 1) % forms.len()] {
            Delivery::Twice if !task => Delivery::Text,
            form => form,
        };
        match form {
            Delivery::Encrypted | Delivery::PreviewAndEncrypted => self.facts.encrypted_deliveries += 1,
            Delivery::Legacy => self.facts.legacy_deliveries += 1,
            Delivery::Twice => self.facts.twin_deliveries += 1,
            Delivery::Text => {}
        }
        delivery_items(form, author, recipient, text)
    }

    /// The latest child of `thread` that started and is not closed.
    pub(super) fn live_child(&self, thread: &str) -> Option<usize> {
        self.children.iter().rposition(|child| child.started && !child.closed && child.parent_thread == thread)
    }

    /// The latest child of `thread` whose thread never started.
    fn unstarted_child(&self, thread: &str) -> Option<usize> {
        self.children.iter().rposition(|child| !child.started && child.parent_thread == thread)
    }

    fn child_of_thread(&self, thread: &str) -> Option<&Child> {
        self.children.iter().find(|child| child.thread_id == thread)
    }

    fn agent_path_of(&self, thread: &str) -> CompactString {
        self.child_of_thread(thread).map_or_else(|| ROOT_AGENT_PATH.into(), |child| child.agent_path.clone())
    }

    pub(super) fn plan_agent_call(&mut self, thread: &str, call: &Call, call_id: &str) -> Option<AgentCall> {
        let call_id = CompactString::from(call_id);
        match call {
            Call::Spawn(plan) => {
                let child = self.children.len();
                let depth = self.child_of_thread(thread).map_or(0, |parent| parent.depth) + 1;
                self.children.push(Child {
                    thread_id: format_compact!("019d0000-0000-7000-8000-{:012x}", child + 2),
                    agent_path: format_compact!("{}/worker_{}", self.agent_path_of(thread), child + 1),
                    parent_thread: thread.into(),
                    depth,
                    started: plan.fate != ChildFate::NeverStarts,
                    closed: false,
                });
                Some(AgentCall::Spawn { call_id, child, plan: plan.clone() })
            }
            Call::Message { followup, via_activity } => {
                // With no live child, a message goes to one that never started, and stays undelivered.
                let child = self.live_child(thread).or_else(|| self.unstarted_child(thread))?;
                let target = self.children[child].agent_path.clone();
                Some(AgentCall::Message { call_id, child, target, followup: *followup, via_activity: *via_activity })
            }
            Call::Close { via_activity } => {
                let child = self.live_child(thread)?;
                self.children[child].closed = true;
                let target = self.children[child].agent_path.clone();
                Some(AgentCall::Close { call_id, child, target, via_activity: *via_activity })
            }
            _ => None,
        }
    }

    fn agent_spec(&self, call: &AgentCall, kind: ToolCallKind, runtime: Vec<Runtime>) -> ToolSpec<'static> {
        let (name, arguments) = call.function();
        let call_id = call.call_id();
        let invocation = json!({"tool_name": name, "tool_namespace": null, "payload": {"type": "function", "arguments": arguments.to_string()}});
        let output = output_item("function_call_output", call_id, &format!("{name} accepted"));
        ToolSpec::direct(call_id, kind, name, invocation, runtime, output)
    }

    fn activity(&self, call_id: &str, child: usize, kind: &str) -> Value {
        let child = &self.children[child];
        json!({"event_id": call_id, "occurred_at_ms": 1, "agent_thread_id": child.thread_id, "agent_path": child.agent_path, "kind": kind})
    }

    /// One child turn: a request carrying `inputs`, a response, a completed turn end. When the
    /// response asks for `calls`, a second request carries their outputs and gets the reply.
    /// Returns the turn id, its end event and the reply's text.
    fn child_turn(
        &mut self,
        child: usize,
        inputs: Vec<Value>,
        reply: bool,
        calls: &[Call],
        preds: Vec<(usize, HbRule)>,
    ) -> (CompactString, usize, Option<CompactString>) {
        let thread = self.children[child].thread_id.clone();
        let turn_id = format_compact!("turn-{}", self.next("turn"));
        self.state(&thread).current_turn = Some(turn_id.clone());
        self.state(&thread).pending_inputs.extend(inputs);
        self.turn_started(&thread, &turn_id, preds);
        let exchange = |reply: bool, calls: &[Call]| Exchange {
            incremental: true,
            user_message: false,
            reasoning: !reply,
            assistant_message: reply,
            calls: calls.to_vec(),
            outcome: Outcome::Completed,
        };
        if !calls.is_empty() {
            // A replying child also speaks before its calls: the result's source is the later reply.
            self.exchange(&thread, &Exchange { assistant_message: reply, ..exchange(false, calls) });
        }
        let answer = self.exchange(&thread, &exchange(reply, &[]));
        self.end_turn(&thread, ExecutionStatus::Completed);
        let end = self.state(&thread).last_spine.expect("the turn ended");
        (turn_id, end, answer)
    }

    pub(super) fn run_agent_call(&mut self, thread: &str, turn: &str, request: usize, call: AgentCall) {
        self.reobserve_shown(thread, request);
        let after_request = self.after_request(request);
        let call_id = CompactString::from(call.call_id());
        match &call {
            AgentCall::Spawn { child, plan, .. } => {
                let child = *child;
                let Child { thread_id: child_thread, agent_path: child_path, depth, .. } = self.children[child].clone();
                let parent_path = self.agent_path_of(thread);
                let edge_id = format_compact!("edge:spawn:{thread}:{child_thread}");
                let end_body = if plan.via_activity {
                    self.activity(&call_id, child, "started")
                } else {
                    json!({"call_id": call_id, "sender_thread_id": thread, "new_thread_id": child_thread, "new_agent_nickname": format!("Worker{}", child + 1), "new_agent_role": "worker", "prompt": prompt(&call_id), "model": super::MODEL, "reasoning_effort": "medium", "status": "pending_init"})
                };
                let mut runtime = Vec::new();
                if !plan.via_activity {
                    runtime.push(Runtime::Begin(
                        json!({"call_id": call_id, "sender_thread_id": thread, "prompt": prompt(&call_id)}),
                    ));
                }
                runtime.push(Runtime::End(end_body));
                let spec = self.agent_spec(&call, ToolCallKind::SpawnAgent, runtime);
                let output = spec.output();
                let start = self.tool_start(thread, turn, &spec, after_request);
                if plan.fate == ChildFate::NeverStarts {
                    let (_, end) = self.tool_finish(thread, turn, spec, start, Vec::new());
                    self.tool_output(thread, output, end);
                    self.facts.undelivered.insert(edge_id, UndeliveredReason::ChildThreadNeverStarted);
                    return;
                }
                let task_name = format_compact!("worker_{}", child + 1);
                let mut metadata = json!({
                    "thread_id": child_thread, "agent_path": child_path, "task_name": task_name,
                    "nickname": format!("Worker{}", child + 1), "agent_role": "worker",
                    "session_source": {"subagent": {"thread_spawn": {"parent_thread_id": thread, "depth": depth, "agent_path": child_path, "agent_nickname": format!("Worker{}", child + 1), "agent_role": "worker"}}},
                    "cwd": "/repo", "model": super::MODEL, "provider_name": super::PROVIDER,
                });
                // Every other child's metadata names no task: its task name is then the last
                // segment of its agent path, `worker_<n>` all the same.
                if child % 2 == 1 {
                    metadata.as_object_mut().expect("an object").remove("task_name");
                }
                let fact = ThreadFact {
                    agent_path: child_path.clone(),
                    nickname: Some(format_compact!("Worker{}", child + 1)),
                    spawned: Some((thread.into(), task_name, "worker".into())),
                    end: None,
                };
                let started =
                    self.start_thread(&child_thread, fact, &metadata, vec![(start, HbRule::ChildCreatedBySpawn)]);
                // The spawn's end reports the child, so the child exists by then.
                let (runtime_events, end) =
                    self.tool_finish(thread, turn, spec, start, vec![(started, HbRule::ChildCreatedBySpawn)]);
                self.tool_output(thread, output, end);
                let carries = self.payload_ids_of(&[&[start][..], &runtime_events, &[end]].concat());
                let mut inputs = vec![developer_message(&format!("You are {child_path}."))];
                let mut legacy_task = None;
                let target = match plan.fate {
                    ChildFate::ReceivesTask => {
                        let (items, legacy) = self.delivery(&parent_path, &child_path, &prompt(&call_id), true);
                        inputs.extend(items);
                        legacy_task = legacy;
                        TargetFact::ItemOf(child_thread.clone())
                    }
                    _ => {
                        inputs.push(super::conversation::user_message("Start when the task arrives."));
                        TargetFact::Thread(child_thread.clone())
                    }
                };
                let source = SourceFact::ToolCall(call_id.clone());
                let fact =
                    EdgeFact { kind: InteractionEdgeKind::SpawnAgent, source, target, carries, ends: Some(true) };
                self.facts.edges.insert(edge_id, fact);
                let (child_turn, child_turn_end, reply) =
                    self.child_turn(child, inputs, plan.assistant_reply, &plan.calls, Vec::new());
                if plan.result != ResultPlan::None {
                    // A legacy task is a plain assistant message of the turn, before any reply.
                    let source = match reply.or(legacy_task) {
                        Some(text) => SourceFact::Message { thread: child_thread.clone(), text },
                        None => SourceFact::Thread(child_thread.clone()),
                    };
                    self.agent_result(child, (&child_turn, child_turn_end), source, plan.result);
                }
            }
            AgentCall::Message { child, followup, via_activity, .. } => {
                let child = *child;
                let Child { thread_id: child_thread, agent_path: child_path, .. } = self.children[child].clone();
                let (kind, edge_kind) = if *followup {
                    (ToolCallKind::AssignAgentTask, InteractionEdgeKind::AssignAgentTask)
                } else {
                    (ToolCallKind::SendMessage, InteractionEdgeKind::SendMessage)
                };
                let text = message_text(&call_id);
                let started = self.children[child].started;
                // An activity names a running agent; a never-started child gets the plain events.
                let runtime = if *via_activity && started {
                    vec![Runtime::End(self.activity(&call_id, child, "interacted"))]
                } else {
                    let begin = json!({"call_id": call_id, "sender_thread_id": thread, "receiver_thread_id": child_thread, "prompt": text});
                    let end = json!({"call_id": call_id, "sender_thread_id": thread, "receiver_thread_id": child_thread, "receiver_agent_nickname": null, "receiver_agent_role": null, "prompt": text, "status": "running"});
                    vec![Runtime::Begin(begin), Runtime::End(end)]
                };
                let spec = self.agent_spec(&call, kind, runtime);
                let stopped = std::mem::take(&mut self.stop_agent_tool);
                let (start, first_runtime, end) = match stopped {
                    true => {
                        let (start, begin) = self.begin_only(thread, turn, spec, after_request);
                        (start, begin, None)
                    }
                    false => {
                        let (start, runtime_events, end) = self.direct_tool(thread, turn, spec, after_request);
                        (start, runtime_events[0], Some(end))
                    }
                };
                let edge_id = format_compact!("edge:tool:{call_id}");
                if !started {
                    self.facts.undelivered.insert(edge_id, UndeliveredReason::TargetThreadNeverStarted);
                    return;
                }
                // The first runtime event creates the edge; a late end may be lost (listed dependence).
                let carries = self.payload_ids_of(&[&[start, first_runtime][..], end.as_slice()].concat());
                self.facts.edges.insert(
                    edge_id,
                    EdgeFact {
                        kind: edge_kind,
                        source: SourceFact::ToolCall(call_id.clone()),
                        target: TargetFact::ItemOf(child_thread.clone()),
                        carries,
                        // An activity edge is made at the end; a begin's edge may lose a late end,
                        // and keeps none when the rollout stopped before it.
                        ends: if stopped { Some(false) } else { (*via_activity).then_some(true) },
                    },
                );
                let (inputs, _) = self.delivery(&self.agent_path_of(thread), &child_path, &text, false);
                let _ = self.child_turn(child, inputs, true, &[], vec![(start, HbRule::ChildTurnAfterMessage)]);
            }
            AgentCall::Close { child, via_activity, .. } => {
                let child = *child;
                let child_thread = self.children[child].thread_id.clone();
                let runtime = if *via_activity {
                    vec![Runtime::End(self.activity(&call_id, child, "interrupted"))]
                } else {
                    vec![
                        Runtime::Begin(
                            json!({"call_id": call_id, "sender_thread_id": thread, "receiver_thread_id": child_thread}),
                        ),
                        Runtime::End(
                            json!({"call_id": call_id, "sender_thread_id": thread, "receiver_thread_id": child_thread, "receiver_agent_nickname": null, "receiver_agent_role": null, "status": "shutdown"}),
                        ),
                    ]
                };
                // A cell that outlived the child's turn ends before the close: nothing of a thread
                // follows its thread_ended.
                self.flush_deferred_cell_ends(&child_thread);
                let mut preds = after_request;
                // Idle: everything the child wrote so far, its tools' and cells' events included.
                preds.extend(self.state(&child_thread).last_spine.map(|e| (e, HbRule::Close)));
                preds.extend(
                    (0..self.events.len())
                        .filter(|&e| self.events[e].thread_id.as_deref() == Some(child_thread.as_str()))
                        .map(|e| (e, HbRule::Close)),
                );
                let spec = self.agent_spec(&call, ToolCallKind::CloseAgent, runtime);
                if std::mem::take(&mut self.stop_agent_tool) {
                    // The close edge is made at its begin (§D.9.2), and never ends: nor does the child.
                    let (start, begin) = self.begin_only(thread, turn, spec, preds);
                    let carries = self.payload_ids_of(&[start, begin]);
                    let fact = EdgeFact {
                        kind: InteractionEdgeKind::CloseAgent,
                        source: SourceFact::ToolCall(call_id.clone()),
                        target: TargetFact::Thread(child_thread.clone()),
                        carries,
                        ends: Some(false),
                    };
                    self.facts.edges.insert(format_compact!("edge:tool:{call_id}"), fact);
                    return;
                }
                let (start, runtime_events, end) = self.direct_tool(thread, turn, spec, preds);
                let close_end = *runtime_events.last().expect("a close has a runtime end");
                let carries = self.payload_ids_of(&[&[start][..], &runtime_events, &[end]].concat());
                self.facts.edges.insert(
                    format_compact!("edge:tool:{call_id}"),
                    EdgeFact {
                        kind: InteractionEdgeKind::CloseAgent,
                        source: SourceFact::ToolCall(call_id.clone()),
                        target: TargetFact::Thread(child_thread.clone()),
                        carries,
                        ends: Some(true),
                    },
                );
                let payload =
                    RawPayload::ThreadEnded { thread_id: child_thread.clone(), status: RolloutStatus::Completed };
                self.spine(&child_thread, false, payload, Tag::Plain, vec![(close_end, HbRule::Close)]);
            }
        }
    }

    /// A tool's start and runtime begin, the last of it the rollout writes before it stops.
    /// Returns (start, runtime begin).
    fn begin_only(&mut self, thread: &str, turn: &str, spec: ToolSpec, preds: Vec<(usize, HbRule)>) -> (usize, usize) {
        let start = self.tool_start(thread, turn, &spec, preds);
        let tool_call_id = spec.tool_call_id.clone();
        let body = match spec.runtime.into_iter().next() {
            Some(Runtime::Begin(body)) => body,
            _ => unreachable!("an agent tool left running has a runtime begin"),
        };
        let runtime_payload = self.payload(RawPayloadKind::ToolRuntimeEvent, &body);
        if let Some(fact) = self.facts.tools.get_mut(&tool_call_id) {
            fact.runtime.push(runtime_payload.raw_payload_id.clone());
        }
        self.facts.running_tools.insert(tool_call_id.clone());
        let payload = RawPayload::ToolCallRuntimeStarted { tool_call_id, runtime_payload };
        let begin = self.push(Some(thread), Some(turn), payload, Tag::Plain, vec![(start, HbRule::ToolLifecycle)]);
        (start, begin)
    }

    /// The child's result, observed after its turn; `Delivered` shows it in the parent's next
    /// request.
    fn agent_result(
        &mut self,
        child: usize,
        (child_turn, child_turn_end): (&str, usize),
        source: SourceFact,
        plan: ResultPlan,
    ) {
        let Child { thread_id: child_thread, agent_path: child_path, parent_thread, .. } = self.children[child].clone();
        let edge_id = format_compact!("edge:agent_result:{child_thread}:{child_turn}:{parent_thread}");
        let message =
            format_compact!("<subagent_notification>{child_path} finished {child_turn}</subagent_notification>");
        let carried = json!({"child_agent_path": child_path, "message": message, "status": {"completed": "done"}});
        let carried_payload = self.payload(RawPayloadKind::AgentResult, &carried);
        let carried = carried_payload.raw_payload_id.clone();
        let observed = RawPayload::AgentResultObserved {
            edge_id: edge_id.clone(),
            child_thread_id: child_thread.clone(),
            child_codex_turn_id: child_turn.into(),
            parent_thread_id: parent_thread.clone(),
            message: message.clone(),
            carried_payload: Some(carried_payload),
        };
        let after_turn = vec![(child_turn_end, HbRule::ResultAfterChildTurn)];
        let mut waits = vec![child_turn_end];
        // Results are observed again in turn: never, while still pending (the two merge, both
        // with an end time: both come before the request that shows the notification, else the
        // later one finds it linked and stays pending), or after the parent showed it (see
        // `reobserve_shown`).
        let turn = self.next("result") % 3;
        let again = (turn == 1).then(|| Reobservation { child, turn: child_turn.into(), payload: observed.clone() });
        let observations = if turn == 0 { 2 } else { 1 };
        for _ in 0..observations {
            let event =
                self.push(Some(&child_thread), Some(child_turn), observed.clone(), Tag::Plain, after_turn.clone());
            if observations == 2 {
                waits.push(event);
            }
        }
        if observations == 2 {
            self.facts.results_merged_while_pending += 1;
        }
        match plan {
            ResultPlan::Delivered => {
                let parent_path = self.agent_path_of(&parent_thread);
                let parent = self.state(&parent_thread);
                parent.pending_inputs.push(agent_message(&child_path, &parent_path, &message));
                parent.pending_waits.extend(waits);
                self.notifications.push(Notification { edge_id, parent_thread, message, carried, source, again });
            }
            _ => {
                self.facts.undelivered.insert(edge_id, UndeliveredReason::MessageNeverDelivered);
            }
        }
    }

    fn shown(&self, parent_thread: &str, message: &str) -> bool {
        !self.threads[parent_thread]
            .pending_inputs
            .iter()
            .any(|item| item["content"][0]["text"].as_str() == Some(message))
    }

    /// As `thread` runs an agent call its response (`request`) asked for, results it already
    /// showed are observed once more, the child still running. The notification is linked, so
    /// the second observation stays pending and is dropped at the end (undelivered), even when a
    /// later full request sights the notification again.
    fn reobserve_shown(&mut self, thread: &str, request: usize) {
        for index in 0..self.notifications.len() {
            let notification = &self.notifications[index];
            let Some(again) = notification.again.as_ref().filter(|_| notification.parent_thread == thread) else {
                continue;
            };
            if self.children[again.child].closed || !self.shown(thread, &notification.message) {
                continue;
            }
            let again = self.notifications[index].again.take().expect("checked above");
            let child_thread = self.children[again.child].thread_id.clone();
            let preds = vec![(request, HbRule::AfterRequest)];
            self.push(Some(&child_thread), Some(&again.turn), again.payload, Tag::Plain, preds);
            let edge_id = self.notifications[index].edge_id.clone();
            self.facts.undelivered.insert(edge_id, UndeliveredReason::MessageNeverDelivered);
        }
    }

    /// Results whose notification no later request or compaction of the parent carried stay
    /// undelivered.
    pub(super) fn settle_notifications(&mut self) {
        for Notification { edge_id, parent_thread, message, carried, source, .. } in
            std::mem::take(&mut self.notifications)
        {
            if !self.shown(&parent_thread, &message) {
                self.facts.undelivered.insert(edge_id, UndeliveredReason::MessageNeverDelivered);
            } else {
                let fact = EdgeFact {
                    kind: InteractionEdgeKind::AgentResult,
                    source,
                    target: TargetFact::ItemOf(parent_thread),
                    carries: vec![carried],
                    ends: Some(true),
                };
                self.facts.edges.insert(edge_id, fact);
            }
        }
    }
}

/// An agent result waiting to be shown to its parent.
pub struct Notification {
    edge_id: CompactString,
    parent_thread: CompactString,
    message: CompactString,
    /// The raw payload id of the result the edge carries.
    carried: CompactString,
    source: SourceFact,
    /// Observed once more after the parent showed it, when the parent next runs an agent call.
    again: Option<Reobservation>,
}

pub struct Reobservation {
    child: usize,
    turn: CompactString,
    payload: RawPayload,
}
