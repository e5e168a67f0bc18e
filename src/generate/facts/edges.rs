//! Where each interaction edge of a generated stream must start and land, and what it carries.

use std::collections::BTreeMap;

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use crate::model::{
    ConversationItem, ConversationItemKind, ConversationPart, ConversationRole, InteractionEdge, InteractionEdgeKind,
    RolloutTrace, TraceAnchor,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EdgeFact {
    pub kind: InteractionEdgeKind,
    pub source: SourceFact,
    pub target: TargetFact,
    /// Raw payloads the edge must carry in any legal order (tool invocation, the runtime event
    /// that creates it, the tool result; an agent result's payload).
    pub carries: Vec<CompactString>,
    /// Whether the edge must have an end time; `None` where upstream's order decides it (a
    /// late interaction end is lost).
    #[serde(default)]
    pub ends: Option<bool>,
}

/// Where an edge must start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SourceFact {
    /// The tool call whose runtime created it.
    ToolCall(CompactString),
    /// An agent result: the child turn's latest assistant message, found by thread and text.
    Message { thread: CompactString, text: CompactString },
    /// An agent result of a child turn that wrote no assistant message.
    Thread(CompactString),
}

/// Where an edge must land: an item of a thread, or the thread itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TargetFact {
    ItemOf(CompactString),
    Thread(CompactString),
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
            // Only an assistant message delivers: a user message quoting the words never does.
            (TargetFact::ItemOf(thread), TraceAnchor::ConversationItem { item_id }) => {
                trace.conversation_items.get(item_id).is_some_and(|item| {
                    item.thread_id == thread
                        && item.role == ConversationRole::Assistant
                        && item.kind == ConversationItemKind::Message
                })
            }
            _ => false,
        };
        if !target_ok {
            problems.push(format!("{id}: target {:?} instead of {:?}", edge.target, fact.target));
        }
        if !source_holds(trace, &fact.source, &edge.source) {
            problems.push(format!("{id}: source {:?} instead of {:?}", edge.source, fact.source));
        }
        self.check_times(id, edge, trace, problems);
        let missing: Vec<&CompactString> =
            fact.carries.iter().filter(|p| !edge.carried_raw_payload_ids.contains(p)).collect();
        if !missing.is_empty() {
            problems.push(format!("{id}: does not carry {missing:?} (carries {:?})", edge.carried_raw_payload_ids));
        }
    }
}

impl EdgeFact {
    /// A tool's edge starts when the tool did; an end, when present, is never before the start.
    fn check_times(&self, id: &str, edge: &InteractionEdge, trace: &RolloutTrace, problems: &mut Vec<String>) {
        let (started, ended) = (edge.started_at_unix_ms, edge.ended_at_unix_ms);
        if let SourceFact::ToolCall(tool) = &self.source {
            let tool_start = trace.tool_calls.get(tool).map(|tool| tool.execution.started_at_unix_ms);
            if tool_start != Some(started) {
                problems.push(format!("{id}: started at {started}, its tool at {tool_start:?}"));
            }
        }
        if ended.is_some_and(|ended| ended < started) {
            problems.push(format!("{id}: ended at {ended:?}, before its start {started}"));
        }
        if self.ends.is_some_and(|ends| ends != ended.is_some()) {
            problems.push(format!("{id}: ended at {ended:?}, but an end is expected: {:?}", self.ends));
        }
    }
}

/// Each item delivers one edge (§D.9.1), and an edge lands on the first item of its thread that
/// shows its message and no other edge targets (§D.9.2, §D.9.4): no earlier copy stays unlinked.
pub fn check_item_targets(trace: &RolloutTrace, problems: &mut Vec<String>) {
    let mut targeted: BTreeMap<&str, &str> = BTreeMap::new();
    for (id, edge) in &trace.interaction_edges {
        if let TraceAnchor::ConversationItem { item_id } = &edge.target {
            if let Some(other) = targeted.insert(item_id, id) {
                problems.push(format!("{id} and {other} both land on {item_id}"));
            }
        }
    }
    for (&item_id, &edge_id) in &targeted {
        let Some(item) = trace.conversation_items.get(item_id) else { continue };
        let Some(thread) = trace.threads.get(&item.thread_id) else { continue };
        let copy = |other: &ConversationItem| {
            (other.role, other.kind, &other.agent_message, &other.body)
                == (item.role, item.kind, &item.agent_message, &item.body)
        };
        let earlier = thread.conversation_item_ids.iter().take_while(|id| id.as_str() != item_id).find(|id| {
            !targeted.contains_key(id.as_str()) && trace.conversation_items.get(id.as_str()).is_some_and(copy)
        });
        if let Some(earlier) = earlier {
            problems.push(format!("{edge_id}: lands on {item_id}, but the earlier copy {earlier} stays unlinked"));
        }
    }
}

fn source_holds(trace: &RolloutTrace, fact: &SourceFact, source: &TraceAnchor) -> bool {
    match (fact, source) {
        (SourceFact::ToolCall(id), TraceAnchor::ToolCall { tool_call_id }) => id == tool_call_id,
        (SourceFact::Thread(thread), TraceAnchor::Thread { thread_id }) => thread == thread_id,
        (SourceFact::Message { thread, text }, TraceAnchor::ConversationItem { item_id }) => {
            trace.conversation_items.get(item_id).is_some_and(|item| {
                item.thread_id == thread
                    && item.role == ConversationRole::Assistant
                    && item.body.parts == [ConversationPart::Text { text: text.clone() }]
            })
        }
        _ => false,
    }
}
