//! The reduced objects the timeline draws, each placed at the seqs it came from: calls and turns
//! as spans, compactions, terminal operations and agent messages as instants, edges as arrows.

use std::collections::HashMap;

use super::events::Events;
use super::layout::{tag, Instant, InstantKind, Span, SpanKind};
use crate::model::{ConversationPart, RolloutTrace, TraceAnchor};

/// At most this many characters of a value go into a tooltip (`--show-values`).
const VALUE_CHARS: usize = 300;

fn clip(text: &str) -> String {
    let mut clipped: String = text.chars().take(VALUE_CHARS).collect();
    if clipped.len() < text.len() {
        clipped.push('…');
    }
    clipped
}

/// The seq at which a conversation item first appeared.
pub fn item_seq(trace: &RolloutTrace, events: &Events, item_id: &str) -> Option<u64> {
    let item = trace.conversation_items.get(item_id)?;
    events.first_seen(item.first_seen_at_unix_ms, &item.thread_id).map(|e| e.seq)
}

fn span(kind: SpanKind, id: &str, execution: &crate::model::ExecutionWindow, note: String) -> Span {
    Span {
        kind,
        id: id.to_owned(),
        start: execution.started_seq,
        end: execution.ended_seq,
        status: tag(&execution.status),
        queued_until: None,
        note,
        row: 0,
        value: None,
    }
}

pub fn collect<'t>(
    trace: &'t RolloutTrace,
    events: &Events,
    show_values: bool,
    spans: &mut HashMap<&'t str, Vec<Span>>,
    instants: &mut HashMap<&'t str, Vec<Instant>>,
) {
    let value = |text: &str| show_values.then(|| clip(text));
    for turn in trace.codex_turns.values() {
        let s = span(SpanKind::Turn, &turn.codex_turn_id, &turn.execution, String::new());
        spans.entry(&turn.thread_id).or_default().push(s);
    }
    for call in trace.inference_calls.values() {
        let mut s = span(SpanKind::Inference, &call.inference_call_id, &call.execution, String::new());
        s.value = value(&call.model);
        spans.entry(&call.thread_id).or_default().push(s);
    }
    for cell in trace.code_cells.values() {
        let mut s = span(SpanKind::CodeCell, &cell.code_cell_id, &cell.execution, tag(&cell.runtime_status));
        let source_seq = item_seq(trace, events, &cell.source_item_id);
        s.queued_until = source_seq.filter(|&seq| seq > cell.execution.started_seq);
        s.value = value(&cell.source_js);
        spans.entry(&cell.thread_id).or_default().push(s);
    }
    for call in trace.tool_calls.values() {
        let mut s = span(SpanKind::Tool, &call.tool_call_id, &call.execution, tag(&call.kind));
        s.value = value(&serde_json::to_string(&call.summary).unwrap_or_default());
        spans.entry(&call.thread_id).or_default().push(s);
    }
    for compaction in trace.compactions.values() {
        let Some(event) = events.compaction_installed(&compaction.compaction_id) else { continue };
        let note = format!("{} requests", compaction.request_ids.len());
        let point = Instant {
            kind: InstantKind::Compaction,
            id: compaction.compaction_id.to_string(),
            seq: event.seq,
            note,
            value: None,
        };
        instants.entry(&compaction.thread_id).or_default().push(point);
    }
    for operation in trace.terminal_operations.values() {
        let Some(call) = trace.tool_calls.get(&operation.tool_call_id) else { continue };
        let note = format!("{} {}", tag(&operation.kind), tag(&operation.execution.status));
        let text = match &operation.request {
            crate::model::TerminalRequest::ExecCommand { display_command, .. } => display_command,
            crate::model::TerminalRequest::WriteStdin { stdin, .. } => stdin,
        };
        let point = Instant {
            kind: InstantKind::TerminalOperation,
            id: operation.operation_id.to_string(),
            seq: operation.execution.started_seq,
            note,
            value: value(text),
        };
        instants.entry(&call.thread_id).or_default().push(point);
    }
    for item in trace.conversation_items.values() {
        let Some(route) = &item.agent_message else { continue };
        let Some(seq) = item_seq(trace, events, &item.item_id) else { continue };
        let text: Vec<&str> = item
            .body
            .parts
            .iter()
            .filter_map(|part| match part {
                ConversationPart::Text { text } | ConversationPart::Summary { text } => Some(text.as_str()),
                _ => None,
            })
            .collect();
        let point = Instant {
            kind: InstantKind::AgentMessage,
            id: item.item_id.to_string(),
            seq,
            note: format!("{} → {}", route.author, route.recipient),
            value: value(&text.join(" ")),
        };
        instants.entry(&item.thread_id).or_default().push(point);
    }
}

/// One end of an arrow: the thread whose lane it touches and the seq on it.
#[derive(Debug, Clone)]
pub struct End {
    pub thread_id: String,
    pub seq: u64,
    /// `conversation_item`, `tool_call` or `thread`.
    pub anchor: &'static str,
    pub id: String,
}

/// Where an edge anchor sits on the timeline; a thread anchor sits where the thread started.
pub fn anchor_end(trace: &RolloutTrace, events: &Events, anchor: &TraceAnchor) -> Option<End> {
    match anchor {
        TraceAnchor::ConversationItem { item_id } => {
            let item = trace.conversation_items.get(item_id)?;
            let seq = item_seq(trace, events, item_id)?;
            Some(End {
                thread_id: item.thread_id.to_string(),
                seq,
                anchor: "conversation_item",
                id: item_id.to_string(),
            })
        }
        TraceAnchor::ToolCall { tool_call_id } => {
            let call = trace.tool_calls.get(tool_call_id)?;
            let seq = call.execution.started_seq;
            Some(End { thread_id: call.thread_id.to_string(), seq, anchor: "tool_call", id: tool_call_id.to_string() })
        }
        TraceAnchor::Thread { thread_id } => {
            let thread = trace.threads.get(thread_id)?;
            let seq = thread.execution.started_seq;
            Some(End { thread_id: thread_id.to_string(), seq, anchor: "thread", id: thread_id.to_string() })
        }
    }
}
