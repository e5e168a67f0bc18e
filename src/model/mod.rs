//! The reduced graph (`state.json`), serde-identical to upstream (spec §C).
//!
//! Field order is declaration order; maps are `BTreeMap` (lexicographic keys); `Option` fields
//! serialize as `null` except `ConversationItem::agent_message`, which is omitted when absent.

mod conversation;
mod runtime;
pub mod state_json;

pub use conversation::*;
pub use runtime::*;

use std::collections::BTreeMap;

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

pub use crate::bundle::{
    CodeCellRuntimeStatus, ExecutionStatus, RawPayloadKind, RawPayloadRef, RolloutStatus, ToolCallKind, ToolCallSummary,
};

pub const REDUCED_TRACE_SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RolloutTrace {
    pub schema_version: u32,
    pub trace_id: CompactString,
    pub rollout_id: CompactString,
    pub started_at_unix_ms: i64,
    pub ended_at_unix_ms: Option<i64>,
    pub status: RolloutStatus,
    pub root_thread_id: CompactString,
    pub threads: BTreeMap<CompactString, AgentThread>,
    pub codex_turns: BTreeMap<CompactString, CodexTurn>,
    pub conversation_items: BTreeMap<CompactString, ConversationItem>,
    pub inference_calls: BTreeMap<CompactString, InferenceCall>,
    pub code_cells: BTreeMap<CompactString, CodeCell>,
    pub tool_calls: BTreeMap<CompactString, ToolCall>,
    pub terminal_sessions: BTreeMap<CompactString, TerminalSession>,
    pub terminal_operations: BTreeMap<CompactString, TerminalOperation>,
    pub compactions: BTreeMap<CompactString, Compaction>,
    pub compaction_requests: BTreeMap<CompactString, CompactionRequest>,
    pub interaction_edges: BTreeMap<CompactString, InteractionEdge>,
    pub raw_payloads: BTreeMap<CompactString, RawPayloadRef>,
}

impl RolloutTrace {
    /// The empty trace a replay starts from.
    pub fn new(
        trace_id: CompactString,
        rollout_id: CompactString,
        root_thread_id: CompactString,
        started_at_unix_ms: i64,
    ) -> Self {
        RolloutTrace {
            schema_version: REDUCED_TRACE_SCHEMA_VERSION,
            trace_id,
            rollout_id,
            started_at_unix_ms,
            ended_at_unix_ms: None,
            status: RolloutStatus::Running,
            root_thread_id,
            threads: BTreeMap::new(),
            codex_turns: BTreeMap::new(),
            conversation_items: BTreeMap::new(),
            inference_calls: BTreeMap::new(),
            code_cells: BTreeMap::new(),
            tool_calls: BTreeMap::new(),
            terminal_sessions: BTreeMap::new(),
            terminal_operations: BTreeMap::new(),
            compactions: BTreeMap::new(),
            compaction_requests: BTreeMap::new(),
            interaction_edges: BTreeMap::new(),
            raw_payloads: BTreeMap::new(),
        }
    }

    /// `state.json` as upstream writes it: pretty JSON, two-space indent, no trailing newline.
    pub fn to_state_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("the reduced model always serializes")
    }

    /// The same bytes as [`Self::to_state_json`], written as they are produced: a large state
    /// never exists twice in memory. A state of more than a few pieces is rendered on every core
    /// ([`state_json`]).
    pub fn write_state_json(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        if self.map_entries() <= 4 * state_json::ENTRIES_PER_PIECE {
            return serde_json::to_writer_pretty(out, self).map_err(std::io::Error::from);
        }
        // One writer keeps up with a few renderers, not with many.
        let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(4);
        state_json::write(self, out, state_json::ENTRIES_PER_PIECE, workers)
    }

    /// Entries in all the top-level maps.
    fn map_entries(&self) -> usize {
        let runtime = self.code_cells.len() + self.tool_calls.len() + self.terminal_sessions.len();
        let compaction = self.compactions.len() + self.compaction_requests.len() + self.interaction_edges.len();
        self.threads.len()
            + self.codex_turns.len()
            + self.conversation_items.len()
            + self.inference_calls.len()
            + runtime
            + self.terminal_operations.len()
            + compaction
            + self.raw_payloads.len()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecutionWindow {
    pub started_at_unix_ms: i64,
    pub started_seq: u64,
    pub ended_at_unix_ms: Option<i64>,
    pub ended_seq: Option<u64>,
    pub status: ExecutionStatus,
}

impl ExecutionWindow {
    pub fn running(started_at_unix_ms: i64, started_seq: u64) -> Self {
        ExecutionWindow {
            started_at_unix_ms,
            started_seq,
            ended_at_unix_ms: None,
            ended_seq: None,
            status: ExecutionStatus::Running,
        }
    }

    pub fn end(&mut self, at_unix_ms: i64, seq: u64, status: ExecutionStatus) {
        self.ended_at_unix_ms = Some(at_unix_ms);
        self.ended_seq = Some(seq);
        self.status = status;
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentThread {
    pub thread_id: CompactString,
    pub agent_path: CompactString,
    pub nickname: Option<CompactString>,
    pub origin: AgentOrigin,
    pub execution: ExecutionWindow,
    pub default_model: Option<CompactString>,
    pub conversation_item_ids: Vec<CompactString>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AgentOrigin {
    Root,
    Spawned {
        parent_thread_id: CompactString,
        spawn_edge_id: CompactString,
        task_name: CompactString,
        agent_role: CompactString,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodexTurn {
    pub codex_turn_id: CompactString,
    pub thread_id: CompactString,
    pub execution: ExecutionWindow,
    pub input_item_ids: Vec<CompactString>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InferenceCall {
    pub inference_call_id: CompactString,
    pub thread_id: CompactString,
    pub codex_turn_id: CompactString,
    pub execution: ExecutionWindow,
    /// Present under revisions with inference timing (always then, old bundles included);
    /// absent, and not written, under bc8b25ea02.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timing: Option<InferenceTiming>,
    pub model: CompactString,
    pub provider_name: CompactString,
    pub response_id: Option<CompactString>,
    pub upstream_request_id: Option<CompactString>,
    pub request_item_ids: Vec<CompactString>,
    pub response_item_ids: Vec<CompactString>,
    pub tool_call_ids_started_by_response: Vec<CompactString>,
    pub usage: Option<TokenUsage>,
    pub raw_request_payload_id: CompactString,
    pub raw_response_payload_id: Option<CompactString>,
}

/// When an inference call's milestones happened (revision addendum §3.2). Every field is
/// written, `null` when absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InferenceTiming {
    pub request_started_at_unix_ms: i64,
    pub response_created_at_unix_ms: Option<i64>,
    pub response_created_seq: Option<u64>,
    pub first_delta_at_unix_ms: Option<i64>,
    pub first_delta_seq: Option<u64>,
    pub response_completed_at_unix_ms: Option<i64>,
    pub server_response_created_at_unix_ms: Option<i64>,
    pub server_response_completed_at_unix_ms: Option<i64>,
}

impl InferenceTiming {
    /// A call just started: its request time and nothing else.
    pub fn started(request_started_at_unix_ms: i64) -> Self {
        InferenceTiming { request_started_at_unix_ms, ..InferenceTiming::default() }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenUsage {
    pub input_tokens: u64,
    pub cached_input_tokens: u64,
    #[serde(default)]
    pub cache_write_input_tokens: u64,
    pub output_tokens: u64,
    pub reasoning_output_tokens: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Compaction {
    pub compaction_id: CompactString,
    pub thread_id: CompactString,
    pub codex_turn_id: CompactString,
    pub installed_at_unix_ms: i64,
    pub marker_item_id: CompactString,
    pub request_ids: Vec<CompactString>,
    pub input_item_ids: Vec<CompactString>,
    pub replacement_item_ids: Vec<CompactString>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompactionRequest {
    pub compaction_request_id: CompactString,
    pub compaction_id: CompactString,
    pub thread_id: CompactString,
    pub codex_turn_id: CompactString,
    pub execution: ExecutionWindow,
    pub model: CompactString,
    pub provider_name: CompactString,
    pub raw_request_payload_id: CompactString,
    pub raw_response_payload_id: Option<CompactString>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InteractionEdge {
    pub edge_id: CompactString,
    pub kind: InteractionEdgeKind,
    pub source: TraceAnchor,
    pub target: TraceAnchor,
    pub started_at_unix_ms: i64,
    pub ended_at_unix_ms: Option<i64>,
    pub carried_item_ids: Vec<CompactString>,
    pub carried_raw_payload_ids: Vec<CompactString>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InteractionEdgeKind {
    SpawnAgent,
    AssignAgentTask,
    SendMessage,
    AgentResult,
    CloseAgent,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TraceAnchor {
    ConversationItem { item_id: CompactString },
    ToolCall { tool_call_id: CompactString },
    Thread { thread_id: CompactString },
}
