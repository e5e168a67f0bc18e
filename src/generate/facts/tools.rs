//! What each tool call of a generated stream must look like once reduced: who asked, which
//! payloads it carries, how it ended, and the model-visible items and terminal operation it joins.

use std::collections::BTreeSet;

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use crate::bundle::{ExecutionStatus, ToolCallKind, ToolCallSummary};
use crate::model::{
    ConversationItemKind, RolloutTrace, TerminalModelObservation, TerminalObservationSource, TerminalOperation,
    TerminalOperationKind, TerminalRequest, TerminalResult, ToolCall, ToolCallRequester,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolFact {
    pub thread_id: CompactString,
    pub codex_turn_id: CompactString,
    pub kind: ToolCallKind,
    pub label: CompactString,
    pub model_visible_call_id: Option<CompactString>,
    /// The code cell that asked for it; `None` when the model did.
    pub requester_cell: Option<CompactString>,
    pub mcp_call_id: Option<CompactString>,
    /// `None`: a tool whose start carries no invocation payload.
    pub invocation: Option<CompactString>,
    /// Runtime payloads in event order (the tool's own events are causally ordered).
    pub runtime: Vec<CompactString>,
    pub result: Option<CompactString>,
    /// The terminal operation of an exec_command or write_stdin tool.
    pub terminal: Option<TerminalFact>,
}

/// An exec_command or write_stdin tool's operation: its session, request, result and payloads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TerminalFact {
    pub terminal_id: Option<CompactString>,
    pub request: TerminalRequest,
    pub result: TerminalResult,
    /// The payload that created the operation, then the one that ended it.
    pub payloads: Vec<CompactString>,
}

impl TerminalFact {
    fn holds(&self, tool: &ToolCall, operation: &TerminalOperation) -> bool {
        let kind = match self.request {
            TerminalRequest::ExecCommand { .. } => TerminalOperationKind::ExecCommand,
            TerminalRequest::WriteStdin { .. } => TerminalOperationKind::WriteStdin,
        };
        // A tool the model called is seen through its own items; a cell's tool is not.
        let observations = match &tool.model_visible_call_id {
            Some(_) => vec![TerminalModelObservation {
                call_item_ids: tool.model_visible_call_item_ids.clone(),
                output_item_ids: tool.model_visible_output_item_ids.clone(),
                source: TerminalObservationSource::DirectToolCall,
            }],
            None => Vec::new(),
        };
        operation.kind == kind
            && operation.terminal_id == self.terminal_id
            && operation.request == self.request
            && operation.result.as_ref() == Some(&self.result)
            && operation.raw_payload_ids == self.payloads
            && operation.execution.status == ExecutionStatus::Completed
            && operation.execution.ended_seq.is_some()
            && operation.model_observations == observations
    }
}

impl ToolFact {
    /// Every disagreement between this fact and the reduced tool call `id`; `running`: the
    /// rollout stopped with it still running (no end, status running).
    pub fn check(&self, id: &str, trace: &RolloutTrace, running: bool, problems: &mut Vec<String>) {
        let Some(tool) = trace.tool_calls.get(id) else {
            problems.push(format!("{id}: tool call missing"));
            return;
        };
        let mut expect = super::expecter(problems, id, tool, self);
        expect("thread", tool.thread_id == self.thread_id);
        expect("turn", tool.started_by_codex_turn_id.as_deref() == Some(self.codex_turn_id.as_str()));
        expect("kind", tool.kind == self.kind);
        expect("model-visible call id", tool.model_visible_call_id == self.model_visible_call_id);
        let requester_cell = match &tool.requester {
            ToolCallRequester::Model => None,
            ToolCallRequester::CodeCell { code_cell_id } => Some(code_cell_id),
        };
        expect("requester", requester_cell == self.requester_cell.as_ref());
        expect("mcp call id", tool.mcp_call_id == self.mcp_call_id);
        expect("invocation payload", tool.raw_invocation_payload_id == self.invocation);
        expect("runtime payloads", tool.raw_runtime_payload_ids == self.runtime);
        expect("result payload", tool.raw_result_payload_id == self.result);
        let execution = &tool.execution;
        let (ended_at, ended_seq) = (execution.ended_at_unix_ms.is_some(), execution.ended_seq.is_some());
        let execution_ok = match running {
            true => !ended_at && !ended_seq && execution.status == ExecutionStatus::Running,
            false => ended_at && ended_seq && execution.status == ExecutionStatus::Completed,
        };
        expect("execution", execution_ok);
        expect("terminal operation", self.terminal_holds(id, tool, trace));
        expect("model-visible items", self.items_hold(tool, trace));
    }

    /// Exec and write_stdin tools own one terminal operation and say so in their summary; the
    /// others keep the summary their start event wrote.
    fn terminal_holds(&self, id: &str, tool: &ToolCall, trace: &RolloutTrace) -> bool {
        let terminal = matches!(self.kind, ToolCallKind::ExecCommand | ToolCallKind::WriteStdin);
        match (&tool.terminal_operation_id, &tool.summary) {
            (Some(operation_id), ToolCallSummary::Terminal { operation_id: summary_id }) => {
                let operation = trace.terminal_operations.get(operation_id);
                terminal
                    && operation_id == summary_id
                    && operation.is_some_and(|op| {
                        op.tool_call_id == id && self.terminal.as_ref().is_some_and(|fact| fact.holds(tool, op))
                    })
            }
            (None, ToolCallSummary::Generic { label, input_preview: None, output_preview: None }) => {
                !terminal && label == self.label
            }
            _ => false,
        }
    }

    /// A tool the model called links the response item that called it (every such tool comes
    /// from a completed response) and exactly the items of its thread with its call id: calls
    /// and outputs apart, whichever of the tool and the item came first.
    fn items_hold(&self, tool: &ToolCall, trace: &RolloutTrace) -> bool {
        let Some(call_id) = &self.model_visible_call_id else {
            return tool.model_visible_call_item_ids.is_empty() && tool.model_visible_output_item_ids.is_empty();
        };
        let items_of = |kinds: [ConversationItemKind; 2]| -> BTreeSet<&CompactString> {
            trace
                .conversation_items
                .values()
                .filter(|item| {
                    item.call_id.as_ref() == Some(call_id)
                        && kinds.contains(&item.kind)
                        && item.thread_id == self.thread_id
                })
                .map(|item| &item.item_id)
                .collect()
        };
        let calls = items_of([ConversationItemKind::FunctionCall, ConversationItemKind::CustomToolCall]);
        let outputs = items_of([ConversationItemKind::FunctionCallOutput, ConversationItemKind::CustomToolCallOutput]);
        !calls.is_empty()
            && tool.model_visible_call_item_ids.iter().collect::<BTreeSet<_>>() == calls
            && tool.model_visible_output_item_ids.iter().collect::<BTreeSet<_>>() == outputs
    }
}
