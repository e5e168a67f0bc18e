//! What each code cell of a generated stream must look like once reduced.

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use crate::bundle::{CodeCellRuntimeStatus, ExecutionStatus};
use crate::model::{CodeCell, ConversationItemKind, ProducerRef, RolloutTrace};
use crate::reducer::Leftovers;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CellFact {
    pub thread_id: CompactString,
    pub codex_turn_id: CompactString,
    pub runtime_cell_id: CompactString,
    pub source_js: CompactString,
    /// Whether its initial response said `yielded` (which records `yielded_at`).
    pub yielded: bool,
    /// Whether a later request of its thread carried its output item (which the cell then lists).
    pub output_shown: bool,
    pub model_visible_call_id: CompactString,
    pub runtime_status: CodeCellRuntimeStatus,
    pub execution_status: ExecutionStatus,
    /// Whether `execution` has ended: an end event or a failed/interrupted turn ends it, an
    /// initial response never does.
    pub ended: bool,
    pub nested_tool_call_ids: Vec<CompactString>,
    pub wait_tool_call_ids: Vec<CompactString>,
}

impl CellFact {
    /// Every disagreement between this fact and the reduced cell `id`, if it exists.
    pub fn check(&self, id: &str, trace: &RolloutTrace, problems: &mut Vec<String>) {
        let fact = self;
        let Some(cell) = trace.code_cells.get(id) else { return };
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
        cell_details(id, cell, fact, trace, problems);
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
}

/// A cell's turn, runtime id, source, initial response and yield, and its output items.
fn cell_details(id: &str, cell: &CodeCell, fact: &CellFact, trace: &RolloutTrace, problems: &mut Vec<String>) {
    let initial = cell.initial_response_at_unix_ms.is_some() && cell.initial_response_seq.is_some();
    let yielded = (cell.yielded_at_unix_ms.is_some(), cell.yielded_seq.is_some()) == (fact.yielded, fact.yielded);
    let producer = ProducerRef::CodeCell { code_cell_id: id.into() };
    let outputs_ok = cell.output_item_ids.iter().all(|item_id| {
        trace.conversation_items.get(item_id).is_some_and(|item| {
            item.kind == ConversationItemKind::CustomToolCallOutput
                && item.call_id.as_ref() == Some(&fact.model_visible_call_id)
                && item.produced_by.contains(&producer)
        })
    });
    let unique =
        cell.output_item_ids.iter().collect::<std::collections::BTreeSet<_>>().len() == cell.output_item_ids.len();
    let ok = cell.output_item_ids.is_empty() != fact.output_shown
        && unique
        && cell.codex_turn_id == fact.codex_turn_id
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

/// A cell whose start stays queued to the end: its `custom_tool_call` item never reached the
/// trace, so it has no `code_cells` entry and the leftovers list it (spec §D.3.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnmaterializedCellFact {
    pub thread_id: CompactString,
    pub runtime_cell_id: CompactString,
    pub model_visible_call_id: CompactString,
    /// Seqs are known in any legal order: the cell's events are the stream's last.
    pub start_seq: u64,
    /// Its initial response and end that waited on it, by seq: `(seq, event, status)`.
    pub waiting: Vec<(u64, String, CodeCellRuntimeStatus)>,
}

/// The leftovers list exactly the predicted unmaterialized cells, in code cell id order.
pub fn check_unmaterialized(
    facts: &std::collections::BTreeMap<CompactString, UnmaterializedCellFact>,
    leftovers: &Leftovers,
    problems: &mut Vec<String>,
) {
    let got: Vec<(&str, UnmaterializedCellFact)> = leftovers
        .unmaterialized_code_cells
        .iter()
        .map(|cell| {
            let waiting = cell
                .waiting_lifecycle_events
                .iter()
                .map(|event| (event.seq, event.event.to_owned(), event.status))
                .collect();
            let fact = UnmaterializedCellFact {
                thread_id: cell.thread_id.clone(),
                runtime_cell_id: cell.runtime_cell_id.clone(),
                model_visible_call_id: cell.model_visible_call_id.clone(),
                start_seq: cell.start_seq,
                waiting,
            };
            (cell.code_cell_id.as_str(), fact)
        })
        .collect();
    let expected: Vec<(&str, UnmaterializedCellFact)> =
        facts.iter().map(|(id, fact)| (id.as_str(), fact.clone())).collect();
    if got != expected {
        problems.push(format!("unmaterialized code cells: expected {expected:?}, leftovers say {got:?}"));
    }
}
