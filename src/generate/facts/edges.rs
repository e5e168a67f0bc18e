//! Where each interaction edge of a generated stream must start and land, and what it carries.

use serde::{Deserialize, Serialize};

use crate::model::{ConversationPart, ConversationRole, InteractionEdgeKind, RolloutTrace, TraceAnchor};

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

impl EdgeFact {
    /// Every disagreement between this fact and the reduced edge `id`, if it exists.
    pub fn check(&self, id: &str, trace: &RolloutTrace, problems: &mut Vec<String>) {
        let fact = self;
        let Some(edge) = trace.interaction_edges.get(id) else { return };
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
        let missing: Vec<&String> = fact.carries.iter().filter(|p| !edge.carried_raw_payload_ids.contains(p)).collect();
        if !missing.is_empty() {
            problems.push(format!("{id}: does not carry {missing:?} (carries {:?})", edge.carried_raw_payload_ids));
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
