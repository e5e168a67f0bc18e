//! Ownership rules of a reduced graph: every id it names exists, and the pieces agree about
//! which thread they belong to.

use std::collections::{HashMap, HashSet};

use super::catalog::{self as rule, Rule};
use super::{Location, Violation};
use crate::model::{ConversationItemKind, ProducerRef, RolloutTrace, ToolCallRequester, TraceAnchor};
use crate::reducer::Leftovers;

/// One broken ownership rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphViolation {
    /// The ownership rule broken (one of `catalog::OWNERSHIP_RULES`).
    pub rule: &'static Rule,
    pub message: String,
}

struct Check<'t> {
    trace: &'t RolloutTrace,
    /// Code cells the reducer dropped because their `exec` item never appeared: a nested tool
    /// that names one is the queue rule's finding, not a broken graph.
    dropped_cells: HashSet<&'t str>,
    found: Vec<GraphViolation>,
}

impl Check<'_> {
    fn fail(&mut self, rule: &'static Rule, message: String) {
        self.found.push(GraphViolation { rule, message });
    }

    fn item(&mut self, owner: &str, item_id: &str) {
        if !self.trace.conversation_items.contains_key(item_id) {
            self.fail(&rule::DANGLING_ITEM, format!("{owner} names missing conversation item {item_id}"));
        }
    }

    fn payload(&mut self, owner: &str, payload_id: &str) {
        if !self.trace.raw_payloads.contains_key(payload_id) {
            self.fail(&rule::DANGLING_PAYLOAD, format!("{owner} names raw payload {payload_id}, not in raw_payloads"));
        }
    }

    fn thread(&mut self, owner: &str, thread_id: &str) {
        if !self.trace.threads.contains_key(thread_id) {
            self.fail(&rule::DANGLING_THREAD, format!("{owner} names missing thread {thread_id}"));
        }
    }

    fn turn_of_thread(&mut self, owner: &str, turn_id: &str, thread_id: &str) {
        match self.trace.codex_turns.get(turn_id) {
            None => self.fail(&rule::DANGLING_TURN, format!("{owner} names missing turn {turn_id}")),
            Some(turn) if turn.thread_id != thread_id => self.fail(
                &rule::TURN_THREAD_MISMATCH,
                format!("{owner} is in thread {thread_id} but its turn {turn_id} belongs to {}", turn.thread_id),
            ),
            Some(_) => {}
        }
    }

    fn anchor(&mut self, owner: &str, anchor: &TraceAnchor) {
        match anchor {
            TraceAnchor::ConversationItem { item_id } => self.item(owner, item_id),
            TraceAnchor::ToolCall { tool_call_id } if !self.trace.tool_calls.contains_key(tool_call_id) => {
                self.fail(&rule::DANGLING_TOOL_CALL, format!("{owner} names missing tool call {tool_call_id}"))
            }
            TraceAnchor::Thread { thread_id } => self.thread(owner, thread_id),
            TraceAnchor::ToolCall { .. } => {}
        }
    }
}

/// Every broken ownership rule of a reduced graph (empty when it is well formed).
pub fn check(trace: &RolloutTrace) -> Vec<GraphViolation> {
    check_after(trace, &Leftovers::default())
}

/// Like [`check`], for a graph whose replay left `leftovers`: references to the code cells it
/// never materialized are expected (upstream's own cases have them) and reported by the queue rules.
pub fn check_after<'t>(trace: &'t RolloutTrace, leftovers: &'t Leftovers) -> Vec<GraphViolation> {
    let dropped_cells = leftovers.unmaterialized_code_cells.iter().map(|cell| cell.code_cell_id.as_str()).collect();
    let mut check = Check { trace, dropped_cells, found: Vec::new() };
    let mut owners: HashMap<&str, Vec<&str>> = HashMap::new();
    for thread in trace.threads.values() {
        for item_id in &thread.conversation_item_ids {
            owners.entry(item_id).or_default().push(&thread.thread_id);
            check.item(&format!("thread {}", thread.thread_id), item_id);
        }
    }
    for (item_id, item) in &trace.conversation_items {
        match owners.get(item_id.as_str()).map(Vec::as_slice) {
            Some([owner]) if *owner == item.thread_id => {}
            Some([owner]) => check
                .fail(&rule::ITEM_OWNER, format!("{item_id} of thread {} is listed by thread {owner}", item.thread_id)),
            Some(many) => check.fail(&rule::ITEM_OWNER, format!("{item_id} is listed by {} threads", many.len())),
            None => check.fail(&rule::ITEM_OWNER, format!("{item_id} is in no thread's list")),
        }
        if let Some(turn) = &item.codex_turn_id {
            check.turn_of_thread(item_id, turn, &item.thread_id);
        }
        for producer in &item.produced_by {
            match producer {
                ProducerRef::Inference { inference_call_id }
                    if !trace.inference_calls.contains_key(inference_call_id) =>
                {
                    check.fail(
                        &rule::DANGLING_PRODUCER,
                        format!("{item_id} produced by missing inference {inference_call_id}"),
                    )
                }
                ProducerRef::Tool { tool_call_id } if !trace.tool_calls.contains_key(tool_call_id) => check
                    .fail(&rule::DANGLING_PRODUCER, format!("{item_id} produced by missing tool call {tool_call_id}")),
                ProducerRef::CodeCell { code_cell_id } if !trace.code_cells.contains_key(code_cell_id) => check
                    .fail(&rule::DANGLING_PRODUCER, format!("{item_id} produced by missing code cell {code_cell_id}")),
                ProducerRef::Compaction { compaction_id } if !trace.compactions.contains_key(compaction_id) => check
                    .fail(
                        &rule::DANGLING_PRODUCER,
                        format!("{item_id} produced by missing compaction {compaction_id}"),
                    ),
                ProducerRef::InteractionEdge { edge_id } if !trace.interaction_edges.contains_key(edge_id) => {
                    check.fail(&rule::DANGLING_PRODUCER, format!("{item_id} produced by missing edge {edge_id}"))
                }
                _ => {}
            }
        }
        for part in &item.body.parts {
            if let crate::model::ConversationPart::Json { raw_payload_id, .. }
            | crate::model::ConversationPart::PayloadRef { raw_payload_id, .. } = part
            {
                check.payload(item_id, raw_payload_id);
            }
        }
    }
    for turn in trace.codex_turns.values() {
        check.thread(&turn.codex_turn_id, &turn.thread_id);
        for item in &turn.input_item_ids {
            check.item(&turn.codex_turn_id, item);
        }
    }
    for call in trace.inference_calls.values() {
        let owner = &call.inference_call_id;
        check.turn_of_thread(owner, &call.codex_turn_id, &call.thread_id);
        for item in call.request_item_ids.iter().chain(&call.response_item_ids) {
            check.item(owner, item);
        }
        for tool in &call.tool_call_ids_started_by_response {
            check.anchor(owner, &TraceAnchor::ToolCall { tool_call_id: tool.clone() });
        }
        check.payload(owner, &call.raw_request_payload_id);
        if let Some(payload) = &call.raw_response_payload_id {
            check.payload(owner, payload);
        }
    }
    for cell in trace.code_cells.values() {
        let owner = &cell.code_cell_id;
        check.turn_of_thread(owner, &cell.codex_turn_id, &cell.thread_id);
        match trace.conversation_items.get(&cell.source_item_id) {
            Some(source)
                if source.kind == ConversationItemKind::CustomToolCall
                    && source.thread_id == cell.thread_id
                    && source.call_id.as_ref() == Some(&cell.model_visible_call_id) => {}
            _ => check.fail(
                &rule::CODE_CELL_SOURCE,
                format!(
                    "{owner}: source {} is not a custom_tool_call of its thread with its call id",
                    cell.source_item_id
                ),
            ),
        }
        for item in &cell.output_item_ids {
            check.item(owner, item);
        }
        for tool in cell.nested_tool_call_ids.iter().chain(&cell.wait_tool_call_ids) {
            check.anchor(owner, &TraceAnchor::ToolCall { tool_call_id: tool.clone() });
        }
    }
    for tool in trace.tool_calls.values() {
        let owner = &tool.tool_call_id;
        check.thread(owner, &tool.thread_id);
        if let Some(turn) = &tool.started_by_codex_turn_id {
            check.turn_of_thread(owner, turn, &tool.thread_id);
        }
        if let ToolCallRequester::CodeCell { code_cell_id } = &tool.requester {
            match trace.code_cells.get(code_cell_id) {
                Some(cell) if cell.thread_id == tool.thread_id => {}
                Some(cell) => check.fail(
                    &rule::NESTED_TOOL_CELL,
                    format!("{owner} in thread {} names {code_cell_id} of thread {}", tool.thread_id, cell.thread_id),
                ),
                None if check.dropped_cells.contains(code_cell_id.as_str()) => {}
                None => check.fail(&rule::NESTED_TOOL_CELL, format!("{owner} names missing code cell {code_cell_id}")),
            }
        }
        for item in tool.model_visible_call_item_ids.iter().chain(&tool.model_visible_output_item_ids) {
            check.item(owner, item);
        }
        if let Some(operation) = &tool.terminal_operation_id {
            if !trace.terminal_operations.contains_key(operation) {
                check.fail(&rule::DANGLING_OPERATION, format!("{owner} names missing terminal operation {operation}"));
            }
        }
        let payloads = tool
            .raw_invocation_payload_id
            .iter()
            .chain(&tool.raw_result_payload_id)
            .chain(&tool.raw_runtime_payload_ids);
        for payload in payloads {
            check.payload(owner, payload);
        }
    }
    for operation in trace.terminal_operations.values() {
        let owner = &operation.operation_id;
        check.anchor(owner, &TraceAnchor::ToolCall { tool_call_id: operation.tool_call_id.clone() });
        for payload in &operation.raw_payload_ids {
            check.payload(owner, payload);
        }
        for observation in &operation.model_observations {
            for item in observation.call_item_ids.iter().chain(&observation.output_item_ids) {
                check.item(owner, item);
            }
        }
        if let Some(terminal) = &operation.terminal_id {
            if !trace.terminal_sessions.contains_key(terminal) {
                check.fail(&rule::DANGLING_SESSION, format!("{owner} names missing terminal session {terminal}"));
            }
        }
    }
    for session in trace.terminal_sessions.values() {
        check.thread(&session.terminal_id, &session.thread_id);
        for operation in session.operation_ids.iter().chain(std::iter::once(&session.created_by_operation_id)) {
            if !trace.terminal_operations.contains_key(operation) {
                check.fail(
                    &rule::DANGLING_OPERATION,
                    format!("session {} names missing operation {operation}", session.terminal_id),
                );
            }
        }
    }
    for request in trace.compaction_requests.values() {
        let owner = &request.compaction_request_id;
        check.turn_of_thread(owner, &request.codex_turn_id, &request.thread_id);
        for payload in std::iter::once(&request.raw_request_payload_id).chain(&request.raw_response_payload_id) {
            check.payload(owner, payload);
        }
    }
    for compaction in trace.compactions.values() {
        let owner = &compaction.compaction_id;
        check.turn_of_thread(owner, &compaction.codex_turn_id, &compaction.thread_id);
        for request in &compaction.request_ids {
            if !trace.compaction_requests.contains_key(request) {
                check.fail(
                    &rule::DANGLING_COMPACTION_REQUEST,
                    format!("{owner} names missing compaction request {request}"),
                );
            }
        }
        let items = compaction.input_item_ids.iter().chain(&compaction.replacement_item_ids);
        for item in items.chain(std::iter::once(&compaction.marker_item_id)) {
            check.item(owner, item);
        }
    }
    for edge in trace.interaction_edges.values() {
        check.anchor(&edge.edge_id, &edge.source);
        check.anchor(&edge.edge_id, &edge.target);
        for item in &edge.carried_item_ids {
            check.item(&edge.edge_id, item);
        }
        for payload in &edge.carried_raw_payload_ids {
            check.payload(&edge.edge_id, payload);
        }
    }
    check.found
}

/// The ownership violations of a reduced graph, as catalog violations of the bundle as a whole
/// (the graph has no line); messages name ids only.
pub fn violations(trace: &RolloutTrace, leftovers: &Leftovers) -> Vec<Violation> {
    check_after(trace, leftovers)
        .into_iter()
        .map(|found| Violation::new(found.rule, Location::bundle(), found.message))
        .collect()
}
