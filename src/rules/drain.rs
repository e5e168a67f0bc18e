//! Queue-draining rules: what the reducer queued and never resolved, each at the event that waited.

use super::catalog::{
    AGENT_RESULT_NEVER_SHOWN, CODE_CELL_LIFECYCLE_DROPPED, CODE_CELL_NEVER_MATERIALIZED,
    COMPACTION_REPLACEMENT_UNCONSUMED, MESSAGE_NEVER_DELIVERED, MESSAGE_TARGET_NEVER_STARTED,
    SPAWNED_CHILD_NEVER_STARTED,
};
use super::locate::{self, Events};
use super::{Location, Rule, Violation};
use crate::bundle::{Bundle, EventRecord, RawPayload};
use crate::generate::order_dependence::is_late_end_record;
use crate::model::{InteractionEdgeKind, TraceAnchor};
use crate::reducer::{Replayed, UnconsumedReplacement, UndeliveredEdge, UndeliveredReason};

/// One violation per leftover of the replay, located at the event that waited.
pub fn violations(bundle: &Bundle, replayed: &Replayed) -> Vec<Violation> {
    let events = Events::new(bundle);
    let leftovers = &replayed.leftovers;
    let mut found = Vec::new();
    for cell in &leftovers.unmaterialized_code_cells {
        found.push(Violation::new(
            &CODE_CELL_NEVER_MATERIALIZED,
            locate::at(events.by_seq(cell.start_seq, "code_cell_started")),
            format!(
                "{} (runtime cell {} of thread {}) started, but no custom_tool_call item with call id {} appeared",
                cell.code_cell_id, cell.runtime_cell_id, cell.thread_id, cell.model_visible_call_id
            ),
        ));
        for waiting in &cell.waiting_lifecycle_events {
            let type_name = match waiting.event {
                "initial_response" => "code_cell_initial_response",
                _ => "code_cell_ended",
            };
            found.push(Violation::new(
                &CODE_CELL_LIFECYCLE_DROPPED,
                locate::at(events.by_seq(waiting.seq, type_name)),
                format!("{type_name} of {} waited for the cell and was dropped with it", cell.code_cell_id),
            ));
        }
    }
    // A late interaction end's stray record is an order hazard, reported by `hazard`.
    let undelivered = leftovers.undelivered_edges.iter().filter(|edge| !is_late_end_record(edge, &replayed.trace));
    for edge in undelivered {
        let (rule, why) = undelivered_rule(edge);
        found.push(Violation::new(
            rule,
            edge_location(&events, edge),
            format!(
                "{} edge {} to thread {} was dropped at the end of replay: {why}",
                kind_name(&edge.kind),
                edge.edge_id,
                edge.target_thread_id
            ),
        ));
    }
    for replacement in &leftovers.unconsumed_compaction_replacements {
        let (location, compaction) = replacement_location(&events, replayed, replacement);
        found.push(Violation::new(
            &COMPACTION_REPLACEMENT_UNCONSUMED,
            location,
            format!(
                "compaction {compaction} of thread {}: its {} replacement items were never compared with a full request",
                replacement.thread_id,
                replacement.replacement_item_ids.len()
            ),
        ));
    }
    found
}

fn undelivered_rule(edge: &UndeliveredEdge) -> (&'static Rule, &'static str) {
    match edge.reason {
        UndeliveredReason::ChildThreadNeverStarted => (&SPAWNED_CHILD_NEVER_STARTED, "the child thread never started"),
        UndeliveredReason::TargetThreadNeverStarted => {
            (&MESSAGE_TARGET_NEVER_STARTED, "the target thread never started")
        }
        UndeliveredReason::MessageNeverDelivered if edge.kind == InteractionEdgeKind::AgentResult => {
            (&AGENT_RESULT_NEVER_SHOWN, "the parent thread never showed the result")
        }
        UndeliveredReason::MessageNeverDelivered => {
            (&MESSAGE_NEVER_DELIVERED, "the target thread never showed the message")
        }
    }
}

/// The event that queued the edge: the `agent_result_observed` of a result, the runtime end of a
/// spawn (its begin queues nothing), the first runtime event of any other tool.
fn edge_location(events: &Events, edge: &UndeliveredEdge) -> Location {
    let record: Option<&EventRecord> = match (&edge.kind, &edge.source) {
        (InteractionEdgeKind::AgentResult, _) => events.agent_result(&edge.edge_id),
        (InteractionEdgeKind::SpawnAgent, TraceAnchor::ToolCall { tool_call_id }) => events
            .tool_runtime(tool_call_id)
            .find(|record| matches!(record.event.payload, RawPayload::ToolCallRuntimeEnded { .. })),
        (_, TraceAnchor::ToolCall { tool_call_id }) => events.tool_runtime(tool_call_id).next(),
        _ => None,
    };
    locate::at(record)
}

/// The last `compaction_installed` of the thread whose replacement is the one left over, and that
/// compaction's id.
fn replacement_location(
    events: &Events,
    replayed: &Replayed,
    replacement: &UnconsumedReplacement,
) -> (Location, String) {
    let installed = replayed
        .trace
        .compactions
        .values()
        .filter(|c| c.thread_id == replacement.thread_id && c.replacement_item_ids == replacement.replacement_item_ids)
        .filter_map(|c| events.compaction_installed(&c.compaction_id).map(|record| (record, &c.compaction_id)))
        .max_by_key(|(record, _)| record.line);
    match installed {
        Some((record, compaction)) => (locate::at(Some(record)), compaction.to_string()),
        None => (Location::bundle(), "(unknown)".to_owned()),
    }
}

/// The edge kind's serde tag, as the trace writes it.
fn kind_name(kind: &InteractionEdgeKind) -> String {
    serde_json::to_value(kind).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}
