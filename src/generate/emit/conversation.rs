//! Turns, inference exchanges and compactions: the requests a producer sends and the responses
//! it records, with the conversation each thread has so far.

use compact_str::{format_compact, CompactString};
use serde_json::{json, Value};

use std::collections::btree_map::Entry;

use super::{Emitter, HbRule, Tag, MODEL, PROVIDER, ROOT_THREAD_ID};
use crate::bundle::{ExecutionStatus, RawPayload, RawPayloadKind};
use crate::generate::facts::{CompactionFact, InferenceFact, ItemFact, TurnFact};
use crate::generate::scenario::{Exchange, ForkedHistory, Outcome, Step, TurnPlan};
use crate::model::{ConversationChannel, ConversationItemKind, ConversationRole, ProducerRef};

pub fn user_message(text: &str) -> Value {
    json!({"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]})
}

pub fn developer_message(text: &str) -> Value {
    json!({"type": "message", "role": "developer", "content": [{"type": "input_text", "text": text}]})
}

pub fn assistant_message(text: &str) -> Value {
    json!({"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": text}], "phase": "final_answer"})
}

/// The history a forked thread starts from; a source that was mid-turn ends with the marker.
pub fn forked_history(fork: &ForkedHistory) -> Vec<Value> {
    let mut items = vec![developer_message("You are a coding agent working in /repo.")];
    for n in 1..=fork.exchanges {
        items.push(user_message(&format!("forked question {n}")));
        items.push(assistant_message(&format!("forked answer {n}")));
    }
    if fork.interrupted {
        items.push(user_message("<turn_aborted>\nThe user interrupted the previous turn on purpose.\n</turn_aborted>"));
    }
    items
}

/// Items a producer may put before the conversation, in shapes the rest of the stream never
/// writes: each normalizes by its own rule (payload refs for content it cannot show, whole-item
/// JSON for calls it does not model, text for arguments that are not JSON).
pub fn context_items() -> Vec<Value> {
    vec![
        json!({"type": "additional_tools", "tools": [{"name": "lookup"}]}),
        json!({"type": "message", "role": "system", "content": null}),
        json!({"type": "message", "role": "developer", "content": "plain string content"}),
        json!({"type": "message", "role": "user", "content": []}),
        json!({"type": "message", "role": "user", "content": [
            {"type": "input_image", "image_url": "https://example.invalid/a.png"},
            {"type": "input_text"},
            {"text": "an entry without a type"},
            {"type": "input_text", "text": "context text"},
        ]}),
        json!({"type": "message", "role": "tool", "content": [{"type": "text", "text": "tool context"}]}),
        json!({"type": "message", "role": "assistant", "phase": "summary", "content": [{"type": "output_text", "text": "summary so far"}]}),
        json!({"type": "message", "role": "assistant", "phase": "commentary", "content": [{"type": "output_text", "text": "looking around first"}]}),
        json!({"type": "reasoning", "content": null, "summary": [{"type": "summary_text", "text": "context reasoning"}]}),
        json!({"type": "function_call", "name": "lookup", "arguments": "not json {", "call_id": "ctx-call-1"}),
        json!({"type": "function_call_output", "call_id": "ctx-call-1", "output": [{"type": "input_text", "text": "looked up"}]}),
        json!({"type": "function_call", "name": "lookup", "arguments": {"q": "object arguments"}, "call_id": "ctx-call-2"}),
        // Compact JSON of exactly 240 bytes: shown whole, with no `...`.
        json!({"type": "function_call", "name": "lookup", "arguments": json!({"q": "x".repeat(232)}).to_string(), "call_id": "ctx-call-6"}),
        json!({"type": "function_call_output", "call_id": "ctx-call-2", "output": {"rows": 2}}),
        json!({"type": "custom_tool_call", "name": "lookup", "input": {"q": 1}, "call_id": "ctx-call-4"}),
        json!({"type": "web_search_call", "id": "ws-1", "status": "completed", "action": {"type": "search", "query": "x"}}),
        json!({"type": "tool_search_output", "call_id": "ctx-call-5", "tools": []}),
    ]
}

/// Whether a message's content is all text entries: only then does its re-sent copy match it.
/// Content a reducer shows as a payload ref names the payload it came from, so the copy in a
/// later request is a new item.
fn shows_as_text(item: &Value) -> bool {
    item["content"].as_array().is_some_and(|entries| {
        !entries.is_empty()
            && entries.iter().all(|e| {
                e["text"].is_string() && matches!(e["type"].as_str(), Some("input_text" | "output_text" | "text"))
            })
    })
}

/// What a response holds: the items as recorded, and as the producer re-sends them later.
pub struct ResponseItem {
    pub recorded: Value,
    pub resent: Value,
}

impl ResponseItem {
    pub fn same(item: Value) -> Self {
        ResponseItem { recorded: item.clone(), resent: item }
    }
}

impl Emitter {
    pub(super) fn turn(&mut self, thread: &str, plan: &TurnPlan) {
        let turn_id = format_compact!("turn-{}", self.next("turn"));
        let state = self.state(thread);
        state.current_turn = Some(turn_id.clone());
        // A turn that never ended leaves its cells running; they are not this turn's.
        state.cells_ended_by_turn.clear();
        self.turn_started(thread, &turn_id, Vec::new());
        for step in &plan.steps {
            match step {
                Step::Exchange(exchange) => {
                    self.exchange(thread, exchange);
                }
                Step::Compaction { v2, then } => {
                    self.compaction(thread, *v2);
                    self.exchange(thread, then);
                }
                Step::Stop(work) => {
                    self.stop(thread, work);
                    return;
                }
            }
        }
        if let Some(status) = plan.end {
            self.end_turn(thread, status);
        }
    }

    /// A turn's start event; the turn runs until [`Self::end_turn`], if it ever ends.
    pub(super) fn turn_started(&mut self, thread: &str, turn_id: &str, preds: Vec<(usize, HbRule)>) {
        let payload = RawPayload::CodexTurnStarted { codex_turn_id: turn_id.into(), thread_id: thread.into() };
        self.spine(thread, false, payload, Tag::Plain, preds);
        self.facts.turns.insert(turn_id.into(), TurnFact { thread_id: thread.into(), end: None });
    }

    pub(super) fn end_turn(&mut self, thread: &str, status: ExecutionStatus) {
        let turn_id = self.state(thread).current_turn.clone().expect("a turn is running");
        self.facts.turns.get_mut(&turn_id).expect("the turn started").end = Some(status);
        let state = self.state(thread);
        let waits = std::mem::take(&mut state.turn_waits).into_iter().map(|e| (e, HbRule::TurnEndsAfterWork)).collect();
        let payload = RawPayload::CodexTurnEnded { codex_turn_id: turn_id.clone(), status };
        let end = self.spine(thread, true, payload, Tag::Plain, waits);
        self.turn_ended_for_cells(thread, &turn_id, status, end);
        self.flush_deferred_cell_ends(thread);
    }

    /// One inference: request, response (or failure), and the tools its response asked for.
    /// Returns the text of its assistant message, when the response completed with one.
    pub(super) fn exchange(&mut self, thread: &str, plan: &Exchange) -> Option<CompactString> {
        let call_id_base = self.next("inference");
        let inference_id = format_compact!("inference-{call_id_base}");
        let turn_id = self.state(thread).current_turn.clone().expect("a turn is running");
        let mut new_items = std::mem::take(&mut self.state(thread).pending_inputs);
        // Now and then the root's user repeats an earlier message word for word: a new item.
        let repeated = (thread == ROOT_THREAD_ID && plan.user_message && call_id_base.is_multiple_of(5))
            .then(|| self.state(thread).history.iter().rev().find(|item| is_user_text(item)).cloned())
            .flatten();
        if let Some(item) = &repeated {
            new_items.push(item.clone());
        } else if plan.user_message || (new_items.is_empty() && self.state(thread).history.is_empty()) {
            new_items.push(user_message(&format!("request {call_id_base}: keep going")));
        }
        let state = self.state(thread);
        let incremental = plan.incremental.then(|| state.last_response_id.clone()).flatten();
        let request = match &incremental {
            Some(previous) => json!({"model": MODEL, "previous_response_id": previous, "input": new_items}),
            None => {
                let mut input = state.history.clone();
                input.extend(new_items.iter().cloned());
                json!({"model": MODEL, "input": input})
            }
        };
        state.history.extend(new_items);
        let waits: Vec<(usize, HbRule)> =
            std::mem::take(&mut state.pending_waits).into_iter().map(|e| (e, HbRule::OutputBeforeRequest)).collect();
        let request_payload = self.payload(RawPayloadKind::InferenceRequest, &request);
        self.record_items(thread, request["input"].as_array().into_iter().flatten(), None);
        if let Some(fact) = repeated.and_then(|item| ItemFact::written(thread, &item, None)) {
            if let Some(stated) = self.facts.items.get_mut(&fact.key()) {
                stated.copies += 1;
                self.facts.item_paths.repeated_user_messages += 1;
            }
        }
        let mut fact = InferenceFact {
            thread_id: thread.into(),
            codex_turn_id: turn_id.clone(),
            status: ExecutionStatus::Completed,
            request: request_payload.raw_payload_id.clone(),
            response: None,
            response_items: 0,
            completed: None,
        };
        if incremental.is_some() {
            self.facts.incremental_requests += 1;
        }
        let tag = if incremental.is_some() { Tag::IncrementalRequest } else { Tag::Plain };
        let started = self.spine(
            thread,
            false,
            RawPayload::InferenceStarted {
                inference_call_id: inference_id.clone(),
                thread_id: thread.into(),
                codex_turn_id: turn_id.clone(),
                model: MODEL.into(),
                provider_name: PROVIDER.into(),
                request_payload,
                request_input_mode: None,
            },
            tag,
            waits,
        );
        // A stopped response streamed as a completing one does, up to the stop.
        let streamed_as = if plan.outcome == Outcome::Stopped { &Outcome::Completed } else { &plan.outcome };
        let stream = self.inference_stream(thread, &turn_id, &inference_id, started, call_id_base, streamed_as);
        if let Some(delta) = stream.first_delta {
            self.first_deltas.insert(started, delta);
        }
        if plan.outcome == Outcome::Stopped {
            // No terminal event: the call runs on, its response never recorded.
            self.completion_server_times(&inference_id, call_id_base, stream, false, &format!("resp-{call_id_base}"));
            fact.status = ExecutionStatus::Running;
            self.facts.inference_calls.insert(inference_id, fact);
            self.state(thread).last_response_id = None;
            return None;
        }

        let mut items: Vec<ResponseItem> = Vec::new();
        if plan.reasoning {
            let n = call_id_base;
            let (recorded, resent) = reasoning(n);
            let recorded_readable = recorded.get("content").is_some() && recorded["summary"] != json!([]);
            if recorded_readable
                && (plan.outcome == Outcome::Completed
                    || matches!(plan.outcome, Outcome::Failed { partial: true } | Outcome::Cancelled { partial: true }))
            {
                self.facts.reasoning.insert(
                    format_compact!("enc-reasoning-{n}"),
                    (format_compact!("thinking {n}"), format_compact!("plan {n}")),
                );
            }
            items.push(ResponseItem { recorded, resent });
        }
        let answer = plan.assistant_message.then(|| format_compact!("answer {call_id_base}"));
        if let Some(text) = &answer {
            let recorded = assistant_message(text);
            // Some of the root's answers are re-sent without their phase: another channel, so
            // a new item, even at the same position.
            let resent = if thread == ROOT_THREAD_ID && call_id_base % 3 == 2 {
                let mut resent = recorded.clone();
                resent.as_object_mut().expect("a message is an object").remove("phase");
                resent
            } else {
                recorded.clone()
            };
            items.push(ResponseItem { recorded, resent });
        }
        let completed = plan.outcome == Outcome::Completed;
        let mut tool_work = Vec::new();
        if completed {
            for (call_plan, wait) in self
                .wait_calls(thread)
                .into_iter()
                .map(|w| (None, Some(w)))
                .chain(plan.calls.iter().map(|c| (Some(c), None)))
            {
                let call = match (call_plan, wait) {
                    (_, Some(wait)) => self.wait_call(thread, wait),
                    (Some(call), None) => self.plan_call(thread, call),
                    (None, None) => unreachable!("one of the two is set"),
                };
                items.push(call.item());
                tool_work.push(call);
            }
        }

        let recorded: Vec<Value> = items.iter().map(|i| i.recorded.clone()).collect();
        let cells: Vec<CompactString> = tool_work.iter().filter_map(|w| w.code_cell_id()).collect();
        let tag = if cells.is_empty() { Tag::Plain } else { Tag::ExecResponse(cells) };
        let response_id = format_compact!("resp-{call_id_base}");
        let payload = match plan.outcome {
            Outcome::Completed => {
                let usage = json!({"input_tokens": 100 + call_id_base, "cached_input_tokens": 10, "cache_write_input_tokens": 3, "output_tokens": 20, "reasoning_output_tokens": 5, "total_tokens": 120 + call_id_base});
                let response = json!({"response_id": response_id, "upstream_request_id": format!("req-{call_id_base}"), "token_usage": usage, "output_items": recorded});
                let response_payload = self.payload(RawPayloadKind::InferenceResponse, &response);
                fact.response = Some(response_payload.raw_payload_id.clone());
                fact.response_items = recorded.len();
                fact.completed = Some((response_id.clone(), format_compact!("req-{call_id_base}"), 100 + call_id_base));
                let (server_created_at_unix_ms, server_completed_at_unix_ms) =
                    self.completion_server_times(&inference_id, call_id_base, stream, true, &response_id);
                RawPayload::InferenceCompleted {
                    inference_call_id: inference_id.clone(),
                    response_id: Some(response_id.clone()),
                    upstream_request_id: Some(format_compact!("req-{call_id_base}")),
                    server_created_at_unix_ms,
                    server_completed_at_unix_ms,
                    response_payload,
                }
            }
            Outcome::Stopped => unreachable!("a stopped exchange returned above"),
            Outcome::Failed { partial } | Outcome::Cancelled { partial } => {
                self.completion_server_times(&inference_id, call_id_base, stream, false, &response_id);
                let partial_response_payload = partial.then(|| {
                    let response = json!({"response_id": null, "upstream_request_id": null, "token_usage": null, "output_items": recorded});
                    self.payload(RawPayloadKind::InferenceResponse, &response)
                });
                fact.response = partial_response_payload.as_ref().map(|p| p.raw_payload_id.clone());
                fact.response_items = if partial { recorded.len() } else { 0 };
                fact.status = match plan.outcome {
                    Outcome::Failed { .. } => ExecutionStatus::Failed,
                    _ => ExecutionStatus::Cancelled,
                };
                if matches!(plan.outcome, Outcome::Failed { .. }) {
                    RawPayload::InferenceFailed {
                        inference_call_id: inference_id.clone(),
                        upstream_request_id: None,
                        error: "stream disconnected before completion".into(),
                        partial_response_payload,
                    }
                } else {
                    RawPayload::InferenceCancelled {
                        inference_call_id: inference_id.clone(),
                        upstream_request_id: None,
                        reason: "turn interrupted".into(),
                        partial_response_payload,
                    }
                }
            }
        };
        let has_partial = match &payload {
            RawPayload::InferenceFailed { partial_response_payload, .. }
            | RawPayload::InferenceCancelled { partial_response_payload, .. } => partial_response_payload.is_some(),
            _ => true,
        };
        if has_partial && fact.response.is_some() {
            let producer = ProducerRef::Inference { inference_call_id: inference_id.clone() };
            self.record_items(thread, &recorded, Some(producer));
        }
        self.facts.inference_calls.insert(inference_id.clone(), fact);
        let after_stream = stream.last.map(|last| (last, HbRule::InferenceStream)).into_iter().collect();
        self.spine(thread, false, payload, tag, after_stream);
        let state = self.state(thread);
        if has_partial {
            state.history.extend(items.iter().map(|i| i.resent.clone()));
        }
        state.last_response_id = completed.then_some(response_id);
        for work in tool_work {
            self.run_call(thread, &turn_id, started, work);
        }
        answer.filter(|_| completed)
    }

    /// Compaction: request, completion, then the checkpoint. The next request is a full one.
    pub(super) fn compaction(&mut self, thread: &str, v2: bool) {
        let n = self.next("compaction");
        let compaction_id = format_compact!("compaction-{n}");
        let request_id = format_compact!("compaction_request:{n}");
        let turn_id = self.state(thread).current_turn.clone().expect("a turn is running");
        let state = self.state(thread);
        let pending = std::mem::take(&mut state.pending_inputs);
        state.history.extend(pending);
        let input_history = state.history.clone();
        let waits: Vec<(usize, HbRule)> =
            std::mem::take(&mut state.pending_waits).into_iter().map(|e| (e, HbRule::OutputBeforeRequest)).collect();
        let request_payload =
            self.payload(RawPayloadKind::CompactionRequest, &json!({"model": MODEL, "input": input_history}));
        let request_payload_id = request_payload.raw_payload_id.clone();
        self.spine(
            thread,
            false,
            RawPayload::CompactionRequestStarted {
                compaction_id: compaction_id.clone(),
                compaction_request_id: request_id.clone(),
                thread_id: thread.into(),
                codex_turn_id: turn_id.clone(),
                model: MODEL.into(),
                provider_name: PROVIDER.into(),
                request_payload,
            },
            Tag::Plain,
            waits,
        );
        // Remote compaction v2 keeps the user, developer and system messages, then one
        // encrypted summary item; v1 writes a `compaction` item instead.
        let mut replacement: Vec<Value> = input_history
            .iter()
            .filter(|item| {
                item.get("type").and_then(Value::as_str) == Some("message")
                    && matches!(item.get("role").and_then(Value::as_str), Some("user" | "developer" | "system"))
                    && shows_as_text(item)
            })
            .cloned()
            .collect();
        let item_type = if v2 { "context_compaction" } else { "compaction" };
        replacement.push(json!({"type": item_type, "encrypted_content": format!("enc-compaction-{n}")}));
        let response_payload =
            self.payload(RawPayloadKind::CompactionResponse, &json!({"output_items": [replacement.last().cloned()]}));
        let payloads = (request_payload_id, response_payload.raw_payload_id.clone());
        self.spine(
            thread,
            false,
            RawPayload::CompactionRequestCompleted {
                compaction_id: compaction_id.clone(),
                compaction_request_id: request_id.clone(),
                response_payload,
            },
            Tag::Plain,
            Vec::new(),
        );
        self.record_items(thread, &input_history, None);
        let producer = ProducerRef::Compaction { compaction_id: compaction_id.clone() };
        self.record_items(thread, &replacement, Some(producer));
        let checkpoint = json!({"input_history": input_history, "replacement_history": replacement});
        let checkpoint_payload = self.payload(RawPayloadKind::CompactionCheckpoint, &checkpoint);
        self.spine(
            thread,
            true,
            RawPayload::CompactionInstalled { compaction_id: compaction_id.clone(), checkpoint_payload },
            Tag::Plain,
            Vec::new(),
        );
        self.facts.compactions.insert(
            compaction_id,
            CompactionFact {
                thread_id: thread.into(),
                codex_turn_id: turn_id,
                // `additional_tools` items are not conversation items.
                input_items: input_history.iter().filter(|item| item["type"] != "additional_tools").count(),
                replacement_items: replacement.len(),
                request: (request_id, payloads.0, payloads.1),
            },
        );
        let state = self.state(thread);
        state.history = replacement;
        state.last_response_id = None;
    }
}

/// A plain user message the thread sent, which the user may repeat.
fn is_user_text(item: &Value) -> bool {
    item["type"] == "message" && item["role"] == "user" && shows_as_text(item)
}

/// A reasoning item as the response records it and as the producer re-sends it, by the
/// inference's number: fully readable, then re-sent without its text; or first with less
/// (encrypted only, summary only, text only) and re-sent readable, which a reducer merges.
fn reasoning(n: u64) -> (Value, Value) {
    let encrypted = format!("enc-reasoning-{n}");
    let text = json!([{"type": "reasoning_text", "text": format!("thinking {n}")}]);
    let summary = json!([{"type": "summary_text", "text": format!("plan {n}")}]);
    let full = json!({"type": "reasoning", "summary": summary, "content": text, "encrypted_content": encrypted});
    let recorded = match n % 4 {
        0 => return (full, json!({"type": "reasoning", "summary": summary, "encrypted_content": encrypted})),
        1 => json!({"type": "reasoning", "summary": [], "encrypted_content": encrypted}),
        2 => json!({"type": "reasoning", "summary": summary, "encrypted_content": encrypted}),
        _ => json!({"type": "reasoning", "summary": [], "content": text, "encrypted_content": encrypted}),
    };
    (recorded, full)
}

impl Emitter {
    /// States the facts of the items a request, response or compaction writes. An item seen
    /// again changes nothing, except reasoning, whose readable parts merge as a reducer's do.
    fn record_items<'a>(
        &mut self,
        thread: &str,
        items: impl IntoIterator<Item = &'a Value>,
        producer: Option<ProducerRef>,
    ) {
        for item in items {
            let Some(fact) = ItemFact::written(thread, item, producer.clone()) else { continue };
            let paths = &mut self.facts.item_paths;
            match self.facts.items.entry(fact.key()) {
                Entry::Vacant(entry) => {
                    let unphased = (fact.role, fact.kind, fact.channel)
                        == (ConversationRole::Assistant, ConversationItemKind::Message, None::<ConversationChannel>);
                    paths.phase_dropped += usize::from(unphased);
                    entry.insert(fact);
                }
                Entry::Occupied(mut entry) => {
                    paths.reasoning_merged += usize::from(entry.get_mut().merge_reasoning(&fact.parts));
                }
            }
        }
    }
}
