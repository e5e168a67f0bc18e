//! Where upstream itself depends on the order of legal events. Listed once, here: confluence
//! compares canonical forms with exactly these fields masked, checks what still holds of each
//! masked field (its bound), `check` reports the events that raced (its hazard rule), and the
//! tests check that each one is still real on its minimal bundle pair in `corpus/findings/`.

use std::collections::HashMap;

use serde_json::Value;

use crate::bundle::{EventRecord, RawPayload};
use crate::model::{InteractionEdgeKind, RolloutTrace, ToolCall, TraceAnchor};
use crate::reducer::{Replayed, UndeliveredEdge};
use crate::rules::catalog::{LATE_INTERACTION_END_LOST, NESTED_TOOL_ORDER, TOOL_STARTED_BEFORE_RESPONSE};
use crate::rules::locate::{self, Events};
use crate::rules::{Location, Rule};

/// What a masked field becomes.
pub const MASK: &str = "order-dependent";

pub struct OrderDependence {
    pub name: &'static str,
    pub description: &'static str,
    /// The directory under `corpus/findings/` whose two bundles differ only here.
    pub finding: &'static str,
    /// The two bundles of the pair, relative to `finding`; the second is written the way the
    /// generators' causal order writes it.
    pub pair: [&'static str; 2],
    mask: fn(&mut Value),
    /// What the masked field still obeys between the causal order and any legal reorder.
    bound: fn(&Value, &Value) -> Vec<String>,
    /// The hazard rule `check` reports a bundle under when its result hinges on this order.
    pub rule: &'static Rule,
    /// The events of a bundle whose place in the log decided the masked field.
    races: fn(&Events, &Replayed) -> Vec<Race>,
}

/// An event that raced another and thereby decided an order-dependent field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Race {
    pub location: Location,
    /// Ids, seqs and type tags only.
    pub message: String,
}

pub const ORDER_DEPENDENCES: [OrderDependence; 3] = [
    OrderDependence {
        name: "tool_call_ids_started_by_response",
        description: "filled only when the tool starts after its response was reduced (or a later full \
                      request re-sights the call); a tool that races ahead of the completion is never listed",
        finding: "started_by_response_order_dependence",
        pair: ["before", "after"],
        mask: mask_started_by_response,
        bound: started_by_response_bound,
        rule: &TOOL_STARTED_BEFORE_RESPONSE,
        races: tools_started_before_response,
    },
    OrderDependence {
        name: "late_interaction_end_lost",
        description: "a send_message or followup runtime end that arrives after the child showed the \
                      message is lost: the edge keeps ended_at_unix_ms null, does not carry the end payload, \
                      and a stray pending record with the same edge id is dropped at the end",
        finding: "late_send_message_end_lost",
        pair: ["end_after_delivery", "end_before_delivery"],
        mask: mask_interaction_end,
        bound: interaction_end_bound,
        rule: &LATE_INTERACTION_END_LOST,
        races: late_interaction_ends,
    },
    OrderDependence {
        name: "nested_tool_call_ids_order",
        description: "a cell materialized from the queue backfills its nested tools in tool-id order; a cell \
                      that already exists appends them in start order (compared as a set)",
        finding: "nested_tool_order_dependence",
        pair: ["cell_queued", "cell_materialized"],
        mask: mask_nested_tool_order,
        bound: |_, _| Vec::new(),
        rule: &NESTED_TOOL_ORDER,
        races: nested_tools_out_of_start_order,
    },
];

/// Order only: the same tools must be listed, in any order.
fn mask_nested_tool_order(canonical: &mut Value) {
    if let Some(Value::Object(cells)) = canonical.get_mut("code_cells") {
        for cell in cells.values_mut() {
            if let Some(Value::Array(ids)) = cell.get_mut("nested_tool_call_ids") {
                ids.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
            }
        }
    }
}

fn mask_started_by_response(canonical: &mut Value) {
    if let Some(Value::Object(calls)) = canonical.get_mut("inference_calls") {
        for call in calls.values_mut() {
            call["tool_call_ids_started_by_response"] = Value::String(MASK.to_owned());
        }
    }
}

fn is_message_edge(kind: &Value) -> bool {
    let message_kinds = [InteractionEdgeKind::SendMessage, InteractionEdgeKind::AssignAgentTask];
    message_kinds.iter().any(|k| serde_json::to_value(k).ok().as_ref() == Some(kind))
}

fn mask_interaction_end(canonical: &mut Value) {
    if let Some(Value::Object(edges)) = canonical.get_mut("interaction_edges") {
        for edge in edges.values_mut().filter(|edge| is_message_edge(&edge["kind"])) {
            edge["ended_at_unix_ms"] = Value::String(MASK.to_owned());
            edge["carried_raw_payload_ids"] = Value::String(MASK.to_owned());
        }
    }
}

/// The strings of `value[key]`, an array of ids.
fn ids<'a>(value: &'a Value, key: &str) -> Vec<&'a str> {
    value
        .get(key)
        .and_then(Value::as_array)
        .map(|ids| ids.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// The entries of one top-level map of a canonical form.
fn entries<'a>(canonical: &'a Value, map: &str) -> impl Iterator<Item = (&'a String, &'a Value)> {
    canonical.get(map).and_then(Value::as_object).into_iter().flatten()
}

/// In the causal order every tool starts after its response; racing ahead can only drop ids.
fn started_by_response_bound(causal: &Value, reordered: &Value) -> Vec<String> {
    let key = "tool_call_ids_started_by_response";
    let mut problems = Vec::new();
    for (id, call) in entries(reordered, "inference_calls") {
        let allowed = causal["inference_calls"].get(id).map(|call| ids(call, key)).unwrap_or_default();
        for tool in ids(call, key).into_iter().filter(|tool| !allowed.contains(tool)) {
            problems.push(format!("inference call {id}: {key} lists {tool} only in the reorder"));
        }
    }
    problems
}

/// In the causal order the end arrives before delivery; a late end can only be missing.
fn interaction_end_bound(causal: &Value, reordered: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    for (id, edge) in entries(reordered, "interaction_edges").filter(|(_, edge)| is_message_edge(&edge["kind"])) {
        let Some(before) = causal["interaction_edges"].get(id) else { continue };
        let carried = ids(before, "carried_raw_payload_ids");
        for payload in ids(edge, "carried_raw_payload_ids").into_iter().filter(|p| !carried.contains(p)) {
            problems.push(format!("edge {id}: carries {payload} only in the reorder"));
        }
        let ended = &edge["ended_at_unix_ms"];
        if !ended.is_null() && ended != &before["ended_at_unix_ms"] {
            problems.push(format!("edge {id}: ended_at_unix_ms is {ended} in the reorder only"));
        }
    }
    problems
}

impl OrderDependence {
    pub fn apply(&self, canonical: &mut Value) {
        (self.mask)(canonical)
    }

    /// What breaks this dependence's bound, from the causal order's canonical form to a reorder's.
    pub fn bound(&self, causal: &Value, reordered: &Value) -> Vec<String> {
        (self.bound)(causal, reordered)
    }

    /// The events of a replayed bundle that raced and decided this dependence's field.
    pub fn races(&self, events: &Events, replayed: &Replayed) -> Vec<Race> {
        (self.races)(events, replayed)
    }
}

/// Every listed dependence's bound, checked on unmasked canonical forms.
pub fn beyond_bounds(causal: &Value, reordered: &Value) -> Vec<String> {
    ORDER_DEPENDENCES.iter().flat_map(|dependence| dependence.bound(causal, reordered)).collect()
}

/// A canonical form with every listed order dependence masked.
pub fn masked(mut canonical: Value) -> Value {
    for dependence in &ORDER_DEPENDENCES {
        dependence.apply(&mut canonical);
    }
    canonical
}

/// The stray pending record a late interaction end leaves behind: an undelivered edge whose id
/// is also a materialized edge.
pub fn is_late_end_record(edge: &UndeliveredEdge, trace: &RolloutTrace) -> bool {
    matches!(edge.kind, InteractionEdgeKind::SendMessage | InteractionEdgeKind::AssignAgentTask)
        && trace.interaction_edges.contains_key(&edge.edge_id)
}

/// Tools whose `tool_call_started` came before the end of the inference whose response holds
/// their call item, and that upstream therefore left out of `tool_call_ids_started_by_response`.
fn tools_started_before_response(events: &Events, replayed: &Replayed) -> Vec<Race> {
    let trace = &replayed.trace;
    let mut tools_by_item: HashMap<&str, Vec<&ToolCall>> = HashMap::new();
    for tool in trace.tool_calls.values() {
        for item in &tool.model_visible_call_item_ids {
            tools_by_item.entry(item).or_default().push(tool);
        }
    }
    let mut races = Vec::new();
    for call in trace.inference_calls.values() {
        let Some(ended) = call.execution.ended_seq else { continue };
        let mut raced: Vec<&ToolCall> = call
            .response_item_ids
            .iter()
            .flat_map(|item| tools_by_item.get(item.as_str()).into_iter().flatten().copied())
            .filter(|tool| tool.execution.started_seq < ended)
            .filter(|tool| !call.tool_call_ids_started_by_response.contains(&tool.tool_call_id))
            .collect();
        raced.sort_by(|a, b| a.tool_call_id.cmp(&b.tool_call_id));
        raced.dedup_by(|a, b| a.tool_call_id == b.tool_call_id);
        for tool in raced {
            let started = tool.execution.started_seq;
            races.push(Race {
                location: locate::at(events.by_seq(started, "tool_call_started")),
                message: format!(
                    "tool call {} started at seq {started}, before inference {} ended at seq {ended} with its call \
                     item, so it is not in that call's tool_call_ids_started_by_response",
                    tool.tool_call_id, call.inference_call_id
                ),
            });
        }
    }
    races
}

/// Runtime ends of send_message and followup tools that arrived after the recipient showed the
/// message: each left the stray pending record `is_late_end_record` recognizes.
fn late_interaction_ends(events: &Events, replayed: &Replayed) -> Vec<Race> {
    let mut races = Vec::new();
    for edge in replayed.leftovers.undelivered_edges.iter().filter(|edge| is_late_end_record(edge, &replayed.trace)) {
        let TraceAnchor::ToolCall { tool_call_id } = &edge.source else { continue };
        let runtime: Vec<&EventRecord> = events.tool_runtime(tool_call_id).collect();
        let is_end = |record: &&EventRecord| matches!(record.event.payload, RawPayload::ToolCallRuntimeEnded { .. });
        let late = runtime.iter().copied().rev().find(is_end).or(runtime.last().copied());
        races.push(Race {
            location: locate::at(late),
            message: format!(
                "runtime end of tool call {tool_call_id} came after edge {} was delivered, so the edge keeps no \
                 end time and does not carry the end payload",
                edge.edge_id
            ),
        });
    }
    races
}

/// Cells whose `nested_tool_call_ids` differ from their tools' start order: only a cell that
/// materialized from the queue lists them otherwise (by tool id), so the order hinged on when
/// its response was recorded.
fn nested_tools_out_of_start_order(events: &Events, replayed: &Replayed) -> Vec<Race> {
    let trace = &replayed.trace;
    let mut races = Vec::new();
    for cell in trace.code_cells.values() {
        let listed: Vec<(u64, &str)> = cell
            .nested_tool_call_ids
            .iter()
            .filter_map(|id| trace.tool_calls.get(id).map(|tool| (tool.execution.started_seq, id.as_str())))
            .collect();
        let mut by_start = listed.clone();
        by_start.sort();
        let Some(at) = (0..listed.len()).find(|&i| listed[i] != by_start[i]) else { continue };
        let ((started, tool), (_, listed_first)) = (by_start[at], listed[at]);
        races.push(Race {
            location: locate::at(events.by_seq(started, "tool_call_started")),
            message: format!(
                "code cell {} lists nested tool {listed_first} before {tool}, which started first (seq \
                 {started}): the cell materialized from the queue and listed its tools by id",
                cell.code_cell_id
            ),
        });
    }
    races
}
