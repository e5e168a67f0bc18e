//! Code cells, tool calls and terminal objects (spec §C.7–§C.9).

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use super::{CodeCellRuntimeStatus, ExecutionWindow, ToolCallKind, ToolCallSummary};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeCell {
    pub code_cell_id: CompactString,
    pub model_visible_call_id: CompactString,
    pub thread_id: CompactString,
    pub codex_turn_id: CompactString,
    pub source_item_id: CompactString,
    pub output_item_ids: Vec<CompactString>,
    pub runtime_cell_id: Option<CompactString>,
    pub execution: ExecutionWindow,
    pub runtime_status: CodeCellRuntimeStatus,
    pub initial_response_at_unix_ms: Option<i64>,
    pub initial_response_seq: Option<u64>,
    pub yielded_at_unix_ms: Option<i64>,
    pub yielded_seq: Option<u64>,
    pub source_js: CompactString,
    pub nested_tool_call_ids: Vec<CompactString>,
    pub wait_tool_call_ids: Vec<CompactString>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolCall {
    pub tool_call_id: CompactString,
    pub mcp_call_id: Option<CompactString>,
    pub model_visible_call_id: Option<CompactString>,
    pub code_mode_runtime_tool_id: Option<CompactString>,
    pub thread_id: CompactString,
    pub started_by_codex_turn_id: Option<CompactString>,
    pub execution: ExecutionWindow,
    pub requester: ToolCallRequester,
    pub kind: ToolCallKind,
    pub model_visible_call_item_ids: Vec<CompactString>,
    pub model_visible_output_item_ids: Vec<CompactString>,
    pub terminal_operation_id: Option<CompactString>,
    pub summary: ToolCallSummary,
    pub raw_invocation_payload_id: Option<CompactString>,
    pub raw_result_payload_id: Option<CompactString>,
    pub raw_runtime_payload_ids: Vec<CompactString>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToolCallRequester {
    Model,
    CodeCell { code_cell_id: CompactString },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TerminalSession {
    pub terminal_id: CompactString,
    pub thread_id: CompactString,
    pub created_by_operation_id: CompactString,
    pub operation_ids: Vec<CompactString>,
    pub execution: ExecutionWindow,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TerminalOperation {
    pub operation_id: CompactString,
    pub terminal_id: Option<CompactString>,
    pub tool_call_id: CompactString,
    pub kind: TerminalOperationKind,
    pub execution: ExecutionWindow,
    pub request: TerminalRequest,
    pub result: Option<TerminalResult>,
    pub model_observations: Vec<TerminalModelObservation>,
    pub raw_payload_ids: Vec<CompactString>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TerminalOperationKind {
    ExecCommand,
    WriteStdin,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TerminalRequest {
    ExecCommand {
        command: Vec<CompactString>,
        display_command: CompactString,
        cwd: CompactString,
        yield_time_ms: Option<u64>,
        max_output_tokens: Option<u64>,
    },
    WriteStdin {
        stdin: CompactString,
        yield_time_ms: Option<u64>,
        max_output_tokens: Option<u64>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TerminalResult {
    pub exit_code: Option<i32>,
    pub stdout: CompactString,
    pub stderr: CompactString,
    pub formatted_output: Option<CompactString>,
    pub original_token_count: Option<u64>,
    pub chunk_id: Option<CompactString>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TerminalModelObservation {
    pub call_item_ids: Vec<CompactString>,
    pub output_item_ids: Vec<CompactString>,
    pub source: TerminalObservationSource,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TerminalObservationSource {
    DirectToolCall,
    CodeCellOutput,
}
