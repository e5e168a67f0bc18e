//! Where upstream itself depends on the order of legal events. Listed once, here: confluence
//! compares canonical forms with exactly these fields masked, checks what still holds of each
//! masked field (its bound), and the tests check that each one is still real on its minimal
//! bundle pair in `corpus/findings/`.

use serde_json::Value;

use crate::model::{InteractionEdgeKind, RolloutTrace};
use crate::reducer::UndeliveredEdge;

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
    },
    OrderDependence {
        name: "nested_tool_call_ids_order",
        description: "a cell materialized from the queue backfills its nested tools in tool-id order; a cell \
                      that already exists appends them in start order (compared as a set)",
        finding: "nested_tool_order_dependence",
        pair: ["cell_queued", "cell_materialized"],
        mask: mask_nested_tool_order,
        bound: |_, _| Vec::new(),
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
