//! What a correct reduction of a scenario must contain, stated by the emitter as it writes the
//! events, and the check of those facts against a reduced graph.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

mod calls;
mod tools;

pub use calls::{InferenceFact, TurnFact};
pub use tools::{TerminalFact, ToolFact};

use crate::bundle::{CodeCellRuntimeStatus, ExecutionStatus};
use crate::model::{
    CodeCell, ConversationItemKind, ConversationPart, ConversationRole, InteractionEdgeKind, ProducerRef, RolloutTrace,
    TraceAnchor,
};
use crate::reducer::{Leftovers, UndeliveredReason};

/// Serializable, so a saved regression can be re-checked against the facts it failed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpectedFacts {
    pub threads: Vec<String>,
    pub code_cells: BTreeMap<String, CellFact>,
    pub edges: BTreeMap<String, EdgeFact>,
    pub compactions: BTreeMap<String, CompactionFact>,
    /// Edges the scenario itself leaves undelivered (never-started children, unshown results).
    pub undelivered: BTreeMap<String, UndeliveredReason>,
    /// `terminal id → tool calls` whose operations join that session.
    pub terminal_sessions: BTreeMap<String, Vec<String>>,
    pub incremental_requests: usize,
    pub session_reuses: usize,
    /// `encrypted_content → (text, summary)`: re-sightings never lose the first readable body.
    pub reasoning: BTreeMap<String, (String, String)>,
    /// `call_id → summary` of a function_call's JSON arguments, cut at 240 bytes.
    pub json_summaries: BTreeMap<String, String>,
    /// Inference-timing revision: `inference_call_id → timing`. Empty for bc8b25ea02 streams,
    /// whose calls must have no `timing` at all.
    #[serde(default)]
    pub timing: BTreeMap<String, TimingFact>,
    /// `tool_call_id → fact`, for every tool call of the stream.
    #[serde(default)]
    pub tools: BTreeMap<String, ToolFact>,
    /// `inference_call_id → fact`, for every inference call of the stream.
    #[serde(default)]
    pub inference_calls: BTreeMap<String, InferenceFact>,
    /// `codex_turn_id → fact`, for every turn of the stream.
    #[serde(default)]
    pub turns: BTreeMap<String, TurnFact>,
}

/// What a call's `timing` and `response_id` must show under the inference-timing revision, in
/// any legal order: which milestones were recorded, and the server times.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimingFact {
    pub response_created: bool,
    pub first_delta: bool,
    pub response_completed: bool,
    pub server_response_created_at_unix_ms: Option<i64>,
    pub server_response_completed_at_unix_ms: Option<i64>,
    pub response_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CellFact {
    pub thread_id: String,
    pub codex_turn_id: String,
    pub runtime_cell_id: String,
    pub source_js: String,
    /// Whether its initial response said `yielded` (which records `yielded_at`).
    pub yielded: bool,
    pub model_visible_call_id: String,
    pub runtime_status: CodeCellRuntimeStatus,
    pub execution_status: ExecutionStatus,
    /// Whether `execution` has ended: an end event or a failed/interrupted turn ends it, an
    /// initial response never does.
    pub ended: bool,
    pub nested_tool_call_ids: Vec<String>,
    pub wait_tool_call_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EdgeFact {
    pub kind: InteractionEdgeKind,
    pub source: SourceFact,
    pub target: TargetFact,
    /// Raw payloads the edge must carry in any legal order (tool invocation, the runtime event
    /// that creates it, the tool result; an agent result's payload).
    pub carries: Vec<String>,
}

/// Where an edge must start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SourceFact {
    /// The tool call whose runtime created it.
    ToolCall(String),
    /// An agent result: the child turn's latest assistant message, found by thread and text.
    Message { thread: String, text: String },
    /// An agent result of a child turn that wrote no assistant message.
    Thread(String),
}

/// Where an edge must land: an item of a thread, or the thread itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TargetFact {
    ItemOf(String),
    Thread(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompactionFact {
    pub thread_id: String,
    pub input_items: usize,
    pub replacement_items: usize,
}

impl ExpectedFacts {
    /// Every disagreement between these facts and a reduction, as readable lines.
    pub fn check(&self, trace: &RolloutTrace, leftovers: &Leftovers) -> Vec<String> {
        let mut problems = Vec::new();
        let threads: Vec<&String> = trace.threads.keys().collect();
        let mut expected_threads: Vec<&String> = self.threads.iter().collect();
        expected_threads.sort();
        if threads != expected_threads {
            problems.push(format!("threads: expected {expected_threads:?}, got {threads:?}"));
        }
        let cells: Vec<&String> = trace.code_cells.keys().collect();
        let expected_cells: Vec<&String> = self.code_cells.keys().collect();
        if cells != expected_cells {
            problems.push(format!("code cells: expected {expected_cells:?}, got {cells:?}"));
        }
        for (id, fact) in &self.code_cells {
            let Some(cell) = trace.code_cells.get(id) else { continue };
            let source = trace.conversation_items.get(&cell.source_item_id);
            let source_ok = source.is_some_and(|item| {
                item.kind == ConversationItemKind::CustomToolCall
                    && item.thread_id == fact.thread_id
                    && item.call_id.as_deref() == Some(&fact.model_visible_call_id)
            });
            if !source_ok {
                problems.push(format!("{id}: source item {} is not its custom_tool_call", cell.source_item_id));
            }
            if cell.thread_id != fact.thread_id {
                problems.push(format!("{id}: thread {} instead of {}", cell.thread_id, fact.thread_id));
            }
            cell_details(id, cell, fact, trace, &mut problems);
            if (cell.runtime_status, cell.execution.status) != (fact.runtime_status, fact.execution_status) {
                problems.push(format!(
                    "{id}: status {:?}/{:?} instead of {:?}/{:?}",
                    cell.runtime_status, cell.execution.status, fact.runtime_status, fact.execution_status
                ));
            }
            if cell.execution.ended_at_unix_ms.is_some() != fact.ended {
                let state = if fact.ended { "ended" } else { "still running" };
                problems.push(format!("{id}: execution should be {state}: {:?}", cell.execution));
            }
            // Which tools, not their order: that is a listed upstream order dependence.
            let mut nested = cell.nested_tool_call_ids.clone();
            nested.sort();
            let mut expected = fact.nested_tool_call_ids.clone();
            expected.sort();
            if nested != expected {
                problems.push(format!(
                    "{id}: nested tools {:?} instead of {:?}",
                    cell.nested_tool_call_ids, fact.nested_tool_call_ids
                ));
            }
            if cell.wait_tool_call_ids != fact.wait_tool_call_ids {
                problems.push(format!(
                    "{id}: wait tools {:?} instead of {:?}",
                    cell.wait_tool_call_ids, fact.wait_tool_call_ids
                ));
            }
        }
        let edges: Vec<&String> = trace.interaction_edges.keys().collect();
        let expected_edges: Vec<&String> = self.edges.keys().collect();
        if edges != expected_edges {
            problems.push(format!("edges: expected {expected_edges:?}, got {edges:?}"));
        }
        for (id, fact) in &self.edges {
            let Some(edge) = trace.interaction_edges.get(id) else { continue };
            if edge.kind != fact.kind {
                problems.push(format!("{id}: kind {:?} instead of {:?}", edge.kind, fact.kind));
            }
            let target_ok = match (&fact.target, &edge.target) {
                (TargetFact::Thread(thread), TraceAnchor::Thread { thread_id }) => thread == thread_id,
                (TargetFact::ItemOf(thread), TraceAnchor::ConversationItem { item_id }) => {
                    trace.conversation_items.get(item_id).is_some_and(|item| &item.thread_id == thread)
                }
                _ => false,
            };
            if !target_ok {
                problems.push(format!("{id}: target {:?} instead of {:?}", edge.target, fact.target));
            }
            if !source_holds(trace, &fact.source, &edge.source) {
                problems.push(format!("{id}: source {:?} instead of {:?}", edge.source, fact.source));
            }
            let missing: Vec<&String> =
                fact.carries.iter().filter(|p| !edge.carried_raw_payload_ids.contains(p)).collect();
            if !missing.is_empty() {
                problems.push(format!("{id}: does not carry {missing:?} (carries {:?})", edge.carried_raw_payload_ids));
            }
        }
        for (id, fact) in &self.compactions {
            let Some(compaction) = trace.compactions.get(id) else {
                problems.push(format!("{id}: compaction missing"));
                continue;
            };
            if compaction.input_item_ids.len() != fact.input_items
                || compaction.replacement_item_ids.len() != fact.replacement_items
            {
                problems.push(format!(
                    "{id}: {} input / {} replacement items instead of {} / {}",
                    compaction.input_item_ids.len(),
                    compaction.replacement_item_ids.len(),
                    fact.input_items,
                    fact.replacement_items
                ));
            }
            // The next full request reuses every replacement item (the replacement is consumed).
            let consumed = trace.inference_calls.values().any(|call| {
                call.thread_id == fact.thread_id
                    && compaction.replacement_item_ids.iter().all(|id| call.request_item_ids.contains(id))
            });
            if !consumed {
                problems.push(format!("{id}: no later request reuses the replacement items"));
            }
        }
        for (terminal, tools) in &self.terminal_sessions {
            let Some(session) = trace.terminal_sessions.get(terminal) else {
                problems.push(format!("terminal session {terminal} missing"));
                continue;
            };
            let session_tools: Vec<&str> = session
                .operation_ids
                .iter()
                .filter_map(|op| trace.terminal_operations.get(op).map(|op| op.tool_call_id.as_str()))
                .collect();
            if session_tools != tools.iter().map(String::as_str).collect::<Vec<_>>() {
                problems
                    .push(format!("terminal session {terminal}: operations of {session_tools:?} instead of {tools:?}"));
            }
        }
        for item in trace.conversation_items.values() {
            let parts = &item.body.parts;
            if item.kind == ConversationItemKind::Reasoning {
                let encrypted = parts.iter().find_map(|part| match part {
                    ConversationPart::Encoded { value, .. } => Some(value),
                    _ => None,
                });
                if let Some((text, summary)) = encrypted.and_then(|e| self.reasoning.get(e)) {
                    let has_text = parts.contains(&ConversationPart::Text { text: text.clone() });
                    let has_summary = parts.contains(&ConversationPart::Summary { text: summary.clone() });
                    if !has_text || !has_summary {
                        problems.push(format!(
                            "{}: reasoning body lost its first readable text or summary: {parts:?}",
                            item.item_id
                        ));
                    }
                }
            }
            let expected_summary = item.call_id.as_ref().and_then(|call| self.json_summaries.get(call));
            if let (ConversationItemKind::FunctionCall, Some(expected)) = (item.kind, expected_summary) {
                let ok = matches!(parts.as_slice(), [ConversationPart::Json { summary, .. }] if summary == expected);
                if !ok {
                    problems.push(format!("{}: arguments summary {parts:?} instead of {expected:?}", item.item_id));
                }
            }
        }
        let undelivered: BTreeMap<&String, UndeliveredReason> =
            leftovers.undelivered_edges.iter().map(|edge| (&edge.edge_id, edge.reason)).collect();
        for (id, reason) in &self.undelivered {
            if undelivered.get(id) != Some(reason) {
                problems
                    .push(format!("{id}: expected undelivered ({reason:?}), leftovers say {:?}", undelivered.get(id)));
            }
        }
        self.check_timing(trace, &mut problems);
        same_ids("tool calls", trace.tool_calls.keys(), self.tools.keys(), &mut problems);
        for (id, fact) in &self.tools {
            fact.check(id, trace, &mut problems);
        }
        same_ids("inference calls", trace.inference_calls.keys(), self.inference_calls.keys(), &mut problems);
        for (id, fact) in &self.inference_calls {
            fact.check(id, trace, !self.timing.is_empty(), &mut problems);
        }
        same_ids("codex turns", trace.codex_turns.keys(), self.turns.keys(), &mut problems);
        for (id, fact) in &self.turns {
            fact.check(id, trace, &mut problems);
        }
        problems
    }

    /// Each call's `timing` and `response_id` against its fact; no `timing` at all without facts.
    fn check_timing(&self, trace: &RolloutTrace, problems: &mut Vec<String>) {
        for (id, call) in &trace.inference_calls {
            let (fact, timing) = match (self.timing.get(id), &call.timing) {
                (None, None) => continue,
                (None, Some(_)) => {
                    problems.push(format!("{id}: a timing object, but the stream has no timing revision"));
                    continue;
                }
                (Some(_), None) => {
                    problems.push(format!("{id}: no timing object"));
                    continue;
                }
                (Some(fact), Some(timing)) => (fact, timing),
            };
            let mut expect = |what: &str, ok: bool| {
                if !ok {
                    problems.push(format!("{id}: timing {what} is wrong: {timing:?} for {fact:?}"));
                }
            };
            expect("request start", timing.request_started_at_unix_ms == call.execution.started_at_unix_ms);
            let created = (timing.response_created_at_unix_ms, timing.response_created_seq);
            expect(
                "response created",
                created.0.is_some() == fact.response_created && created.1.is_some() == fact.response_created,
            );
            let delta = (timing.first_delta_at_unix_ms, timing.first_delta_seq);
            expect("first delta", delta.0.is_some() == fact.first_delta && delta.1.is_some() == fact.first_delta);
            // The stream task writes them in this order, whatever else interleaves.
            let ordered = [Some(call.execution.started_seq), created.1, delta.1];
            let seqs: Vec<u64> = ordered.into_iter().flatten().collect();
            expect("order", seqs.windows(2).all(|w| w[0] < w[1]));
            expect("completion", timing.response_completed_at_unix_ms.is_some() == fact.response_completed);
            expect(
                "server creation",
                timing.server_response_created_at_unix_ms == fact.server_response_created_at_unix_ms,
            );
            expect(
                "server completion",
                timing.server_response_completed_at_unix_ms == fact.server_response_completed_at_unix_ms,
            );
            if call.response_id != fact.response_id {
                problems.push(format!("{id}: response_id {:?} instead of {:?}", call.response_id, fact.response_id));
            }
        }
    }
}

fn source_holds(trace: &RolloutTrace, fact: &SourceFact, source: &TraceAnchor) -> bool {
    match (fact, source) {
        (SourceFact::ToolCall(id), TraceAnchor::ToolCall { tool_call_id }) => id == tool_call_id,
        (SourceFact::Thread(thread), TraceAnchor::Thread { thread_id }) => thread == thread_id,
        (SourceFact::Message { thread, text }, TraceAnchor::ConversationItem { item_id }) => {
            trace.conversation_items.get(item_id).is_some_and(|item| {
                &item.thread_id == thread
                    && item.role == ConversationRole::Assistant
                    && item.body.parts == [ConversationPart::Text { text: text.clone() }]
            })
        }
        _ => false,
    }
}

/// The reduced objects of one kind are exactly the ones the stream wrote.
fn same_ids<'a>(
    what: &str,
    got: impl Iterator<Item = &'a String>,
    expected: impl Iterator<Item = &'a String>,
    problems: &mut Vec<String>,
) {
    let (got, expected): (Vec<&String>, Vec<&String>) = (got.collect(), expected.collect());
    if got != expected {
        problems.push(format!("{what}: expected {expected:?}, got {got:?}"));
    }
}

/// A cell's turn, runtime id, source, initial response and yield, and its output items.
fn cell_details(id: &str, cell: &CodeCell, fact: &CellFact, trace: &RolloutTrace, problems: &mut Vec<String>) {
    let initial = cell.initial_response_at_unix_ms.is_some() && cell.initial_response_seq.is_some();
    let yielded = (cell.yielded_at_unix_ms.is_some(), cell.yielded_seq.is_some()) == (fact.yielded, fact.yielded);
    let producer = ProducerRef::CodeCell { code_cell_id: id.to_owned() };
    let outputs_ok = cell.output_item_ids.iter().all(|item_id| {
        trace.conversation_items.get(item_id).is_some_and(|item| {
            item.kind == ConversationItemKind::CustomToolCallOutput
                && item.call_id.as_ref() == Some(&fact.model_visible_call_id)
                && item.produced_by.contains(&producer)
        })
    });
    let ok = cell.codex_turn_id == fact.codex_turn_id
        && cell.runtime_cell_id.as_ref() == Some(&fact.runtime_cell_id)
        && cell.source_js == fact.source_js
        && cell.model_visible_call_id == fact.model_visible_call_id
        && initial
        && yielded
        && outputs_ok;
    if !ok {
        problems.push(format!("{id}: cell {cell:?} instead of {fact:?}"));
    }
}
