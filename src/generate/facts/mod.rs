//! What a correct reduction of a scenario must contain, stated by the emitter as it writes the
//! events, and the check of those facts against a reduced graph.

use std::collections::{BTreeMap, BTreeSet};

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

mod calls;
mod cells;
mod edges;
mod items;
mod tools;

pub use calls::{InferenceFact, ThreadFact, TurnFact};
pub use cells::{CellFact, UnmaterializedCellFact};
pub use edges::{EdgeFact, SourceFact, TargetFact};
pub use items::{ItemFact, ItemPaths};
pub use tools::{TerminalFact, ToolFact};

use crate::bundle::ExecutionStatus;
use crate::generate::order_dependence::is_late_end_record;
use crate::model::{ConversationItemKind, ConversationPart, RolloutTrace};
use crate::reducer::{Leftovers, UndeliveredReason};

/// Serializable, so a saved regression can be re-checked against the facts it failed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpectedFacts {
    pub threads: Vec<CompactString>,
    pub code_cells: BTreeMap<CompactString, CellFact>,
    pub edges: BTreeMap<CompactString, EdgeFact>,
    pub compactions: BTreeMap<CompactString, CompactionFact>,
    /// Edges the scenario itself leaves undelivered (never-started children, unshown results).
    pub undelivered: BTreeMap<CompactString, UndeliveredReason>,
    /// `terminal id → tool calls` whose operations join that session.
    pub terminal_sessions: BTreeMap<CompactString, Vec<CompactString>>,
    pub incremental_requests: usize,
    pub session_reuses: usize,
    /// `encrypted_content → (text, summary)`: re-sightings never lose the first readable body.
    pub reasoning: BTreeMap<CompactString, (CompactString, CompactString)>,
    /// `call_id → summary` of a function_call's JSON arguments, cut at 240 bytes.
    pub json_summaries: BTreeMap<CompactString, CompactString>,
    /// Every conversation item the scenario wrote in a shape it checks, by [`ItemFact::key`].
    #[serde(default)]
    pub items: BTreeMap<String, ItemFact>,
    #[serde(default)]
    pub item_paths: ItemPaths,
    /// Inference-timing revision: `inference_call_id → timing`. Empty for bc8b25ea02 streams,
    /// whose calls must have no `timing` at all.
    #[serde(default)]
    pub timing: BTreeMap<CompactString, TimingFact>,
    /// `tool_call_id → fact`, for every tool call of the stream.
    #[serde(default)]
    pub tools: BTreeMap<CompactString, ToolFact>,
    /// `inference_call_id → fact`, for every inference call of the stream.
    #[serde(default)]
    pub inference_calls: BTreeMap<CompactString, InferenceFact>,
    /// `codex_turn_id → fact`, for every turn of the stream.
    #[serde(default)]
    pub turns: BTreeMap<CompactString, TurnFact>,
    /// `thread_id → fact`, for every thread of the stream.
    #[serde(default)]
    pub thread_facts: BTreeMap<CompactString, ThreadFact>,
    /// How many context items of rarely written shapes the root's first request starts with.
    #[serde(default)]
    pub context_items: usize,
    /// Tasks and messages delivered in an encrypted body, and in the legacy JSON form.
    #[serde(default)]
    pub encrypted_deliveries: usize,
    #[serde(default)]
    pub legacy_deliveries: usize,
    /// Spawn tasks shown twice in one request.
    #[serde(default)]
    pub twin_deliveries: usize,
    /// Agent results observed twice while pending.
    #[serde(default)]
    pub results_merged_while_pending: usize,
    /// `code_cell_id → fact` of cells the rollout stopped before their source item was recorded.
    #[serde(default)]
    pub unmaterialized_cells: BTreeMap<CompactString, UnmaterializedCellFact>,
    /// Tools the rollout stopped while they ran (their runtime begin the last of them written).
    #[serde(default)]
    pub running_tools: BTreeSet<CompactString>,
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
    pub response_id: Option<CompactString>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompactionFact {
    pub thread_id: CompactString,
    pub codex_turn_id: CompactString,
    /// Its one request: `(compaction_request_id, request payload, response payload)`; it completes.
    pub request: (CompactString, CompactString, CompactString),
    pub input_items: usize,
    pub replacement_items: usize,
}

impl ExpectedFacts {
    /// Every disagreement between these facts and a reduction, as readable lines.
    pub fn check(&self, trace: &RolloutTrace, leftovers: &Leftovers) -> Vec<String> {
        let mut problems = Vec::new();
        let threads: Vec<&CompactString> = trace.threads.keys().collect();
        let mut expected_threads: Vec<&CompactString> = self.threads.iter().collect();
        expected_threads.sort();
        if threads != expected_threads {
            problems.push(format!("threads: expected {expected_threads:?}, got {threads:?}"));
        }
        let cells: Vec<&CompactString> = trace.code_cells.keys().collect();
        let expected_cells: Vec<&CompactString> = self.code_cells.keys().collect();
        if cells != expected_cells {
            problems.push(format!("code cells: expected {expected_cells:?}, got {cells:?}"));
        }
        for (id, fact) in &self.code_cells {
            fact.check(id, trace, &mut problems);
        }
        let edges: Vec<&CompactString> = trace.interaction_edges.keys().collect();
        let expected_edges: Vec<&CompactString> = self.edges.keys().collect();
        if edges != expected_edges {
            problems.push(format!("edges: expected {expected_edges:?}, got {edges:?}"));
        }
        for (id, fact) in &self.edges {
            fact.check(id, trace, &mut problems);
        }
        edges::check_item_targets(trace, &mut problems);
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
            let (request_id, request_payload, response_payload) = &fact.request;
            let request_ok = trace.compaction_requests.get(request_id).is_some_and(|request| {
                request.compaction_id == *id
                    && request.thread_id == fact.thread_id
                    && request.codex_turn_id == fact.codex_turn_id
                    && request.raw_request_payload_id == *request_payload
                    && request.raw_response_payload_id.as_ref() == Some(response_payload)
                    && request.execution.status == ExecutionStatus::Completed
                    && request.execution.ended_seq.is_some()
            });
            let owner_ok = compaction.thread_id == fact.thread_id && compaction.codex_turn_id == fact.codex_turn_id;
            if !request_ok || !owner_ok || compaction.request_ids != [request_id.clone()] {
                problems.push(format!("{id}: compaction {compaction:?} or its request is wrong for {fact:?}"));
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
            if session_tools != tools.iter().map(CompactString::as_str).collect::<Vec<_>>() {
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
        items::check(&self.items, trace, &mut problems);
        let undelivered: BTreeMap<&CompactString, UndeliveredReason> =
            leftovers.undelivered_edges.iter().map(|edge| (&edge.edge_id, edge.reason)).collect();
        for (id, reason) in &self.undelivered {
            if undelivered.get(id) != Some(reason) {
                problems
                    .push(format!("{id}: expected undelivered ({reason:?}), leftovers say {:?}", undelivered.get(id)));
            }
        }
        cells::check_unmaterialized(&self.unmaterialized_cells, leftovers, &mut problems);
        self.check_leftovers_empty(trace, leftovers, &mut problems);
        self.check_timing(trace, &mut problems);
        same_ids("tool calls", trace.tool_calls.keys(), self.tools.keys(), &mut problems);
        for (id, fact) in &self.tools {
            fact.check(id, trace, self.running_tools.contains(id), &mut problems);
        }
        same_ids("inference calls", trace.inference_calls.keys(), self.inference_calls.keys(), &mut problems);
        for (id, fact) in &self.inference_calls {
            fact.check(id, trace, !self.timing.is_empty(), &mut problems);
        }
        same_ids("codex turns", trace.codex_turns.keys(), self.turns.keys(), &mut problems);
        for (id, fact) in &self.turns {
            fact.check(id, trace, &mut problems);
        }
        for (id, fact) in &self.thread_facts {
            fact.check(id, trace, &mut problems);
        }
        problems
    }

    /// Leftovers are empty exactly when the scenario leaves nothing queued, apart from the late
    /// interaction ends upstream's order may leave behind (a listed order dependence).
    fn check_leftovers_empty(&self, trace: &RolloutTrace, leftovers: &Leftovers, problems: &mut Vec<String>) {
        let predicted = !self.undelivered.is_empty() || !self.unmaterialized_cells.is_empty();
        let late_ends = leftovers.undelivered_edges.iter().any(|edge| is_late_end_record(edge, trace));
        if predicted && leftovers.is_empty() {
            problems.push("leftovers are empty, but the scenario leaves work queued".to_owned());
        }
        if !predicted && !late_ends && !leftovers.is_empty() {
            problems.push(format!("leftovers are not empty, but the scenario leaves nothing queued: {leftovers:?}"));
        }
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

/// The reduced objects of one kind are exactly the ones the stream wrote.
fn same_ids<'a>(
    what: &str,
    got: impl Iterator<Item = &'a CompactString>,
    expected: impl Iterator<Item = &'a CompactString>,
    problems: &mut Vec<String>,
) {
    let (got, expected): (Vec<&CompactString>, Vec<&CompactString>) = (got.collect(), expected.collect());
    if got != expected {
        problems.push(format!("{what}: expected {expected:?}, got {got:?}"));
    }
}

/// Records `<id>: <what> is wrong: <object> for <fact>` for each expectation that fails.
fn expecter<'a>(
    problems: &'a mut Vec<String>,
    id: &'a str,
    object: &'a dyn std::fmt::Debug,
    fact: &'a dyn std::fmt::Debug,
) -> impl FnMut(&str, bool) + 'a {
    move |what, ok| {
        if !ok {
            problems.push(format!("{id}: {what} is wrong: {object:?} for {fact:?}"));
        }
    }
}
