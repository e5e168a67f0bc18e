//! The raw event envelope and its payload variants, with upstream's exact serde names (§B): the
//! 25 of bc8b25ea02 and the two the inference-timing revision adds (revision addendum §2). One
//! parse serves every revision; what a revision does not read is refused at replay.

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use super::RawPayloadRef;

/// One line of `trace.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RawTraceEvent {
    pub schema_version: u32,
    pub seq: u64,
    pub wall_time_unix_ms: i64,
    pub rollout_id: CompactString,
    /// The "envelope thread"; only some handlers read it.
    #[serde(default)]
    pub thread_id: Option<CompactString>,
    /// The "envelope turn"; only some handlers read it.
    #[serde(default)]
    pub codex_turn_id: Option<CompactString>,
    pub payload: RawPayload,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RolloutStatus {
    Running,
    Completed,
    Failed,
    Aborted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExecutionStatus {
    Running,
    Completed,
    Failed,
    Cancelled,
    Aborted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CodeCellRuntimeStatus {
    Starting,
    Running,
    Yielded,
    Completed,
    Failed,
    Terminated,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RawToolCallRequester {
    Model,
    CodeCell { runtime_cell_id: CompactString },
}

/// Shared by raw events and the reduced `ToolCall`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToolCallKind {
    ExecCommand,
    WriteStdin,
    ApplyPatch,
    Mcp { server: CompactString, tool: CompactString },
    Web,
    ImageGeneration,
    SpawnAgent,
    AssignAgentTask,
    SendMessage,
    WaitAgent,
    CloseAgent,
    Other { name: CompactString },
}

/// Shared by raw events and the reduced `ToolCall`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToolCallSummary {
    Terminal { operation_id: CompactString },
    Agent { target_agent_path: CompactString, task_name: Option<CompactString>, message_preview: CompactString },
    WaitAgent { target_agent_path: Option<CompactString>, timeout_ms: Option<u64> },
    Generic { label: CompactString, input_preview: Option<CompactString>, output_preview: Option<CompactString> },
}

/// The explicit request mode of the `request_input_mode` branch (§D.6). Bundles that carry it
/// parse; the reducer, like upstream main, ignores it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum InferenceRequestInputMode {
    FullSnapshot,
    Incremental { previous_response_id: CompactString },
    IncrementalWithUntracedPrefix { previous_response_id: CompactString, prefix_payload: RawPayloadRef },
}

/// The `request_input_mode` field as written. Main has no such field and accepts any value there,
/// so a mode the branch does not define is kept as JSON rather than rejected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RequestInputModeField {
    Known(InferenceRequestInputMode),
    Unrecognized(serde_json::Value),
}

/// The event payload, internally tagged by `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RawPayload {
    RolloutStarted {
        trace_id: CompactString,
        root_thread_id: CompactString,
    },
    RolloutEnded {
        status: RolloutStatus,
    },
    ThreadStarted {
        thread_id: CompactString,
        agent_path: CompactString,
        #[serde(default)]
        metadata_payload: Option<RawPayloadRef>,
    },
    ThreadEnded {
        thread_id: CompactString,
        status: RolloutStatus,
    },
    CodexTurnStarted {
        codex_turn_id: CompactString,
        thread_id: CompactString,
    },
    CodexTurnEnded {
        codex_turn_id: CompactString,
        status: ExecutionStatus,
    },
    InferenceStarted {
        inference_call_id: CompactString,
        thread_id: CompactString,
        codex_turn_id: CompactString,
        model: CompactString,
        provider_name: CompactString,
        request_payload: RawPayloadRef,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_input_mode: Option<RequestInputModeField>,
    },
    /// Inference-timing revision only (addendum §2.1). The writer emits nulls, not absent keys.
    InferenceResponseCreated {
        inference_call_id: CompactString,
        #[serde(default)]
        response_id: Option<CompactString>,
        #[serde(default)]
        server_created_at_unix_ms: Option<i64>,
    },
    /// Inference-timing revision only (addendum §2.1).
    InferenceFirstDelta {
        inference_call_id: CompactString,
    },
    InferenceCompleted {
        inference_call_id: CompactString,
        #[serde(default)]
        response_id: Option<CompactString>,
        #[serde(default)]
        upstream_request_id: Option<CompactString>,
        /// bc8b25ea02 ignores this key whatever it holds; the timing revision type-checks it, so
        /// it is kept as read and judged at replay. Absent keys stay absent when written.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        server_created_at_unix_ms: Option<ServerTime>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        server_completed_at_unix_ms: Option<ServerTime>,
        response_payload: RawPayloadRef,
    },
    InferenceFailed {
        inference_call_id: CompactString,
        #[serde(default)]
        upstream_request_id: Option<CompactString>,
        error: CompactString,
        #[serde(default)]
        partial_response_payload: Option<RawPayloadRef>,
    },
    InferenceCancelled {
        inference_call_id: CompactString,
        #[serde(default)]
        upstream_request_id: Option<CompactString>,
        reason: CompactString,
        #[serde(default)]
        partial_response_payload: Option<RawPayloadRef>,
    },
    ToolCallStarted {
        tool_call_id: CompactString,
        #[serde(default)]
        model_visible_call_id: Option<CompactString>,
        #[serde(default)]
        code_mode_runtime_tool_id: Option<CompactString>,
        requester: RawToolCallRequester,
        kind: ToolCallKind,
        summary: ToolCallSummary,
        #[serde(default)]
        invocation_payload: Option<RawPayloadRef>,
    },
    McpToolCallCorrelationAssigned {
        tool_call_id: CompactString,
        mcp_call_id: CompactString,
    },
    ToolCallRuntimeStarted {
        tool_call_id: CompactString,
        runtime_payload: RawPayloadRef,
    },
    ToolCallRuntimeEnded {
        tool_call_id: CompactString,
        status: ExecutionStatus,
        runtime_payload: RawPayloadRef,
    },
    ToolCallEnded {
        tool_call_id: CompactString,
        status: ExecutionStatus,
        #[serde(default)]
        result_payload: Option<RawPayloadRef>,
    },
    CodeCellStarted {
        runtime_cell_id: CompactString,
        model_visible_call_id: CompactString,
        source_js: CompactString,
    },
    CodeCellInitialResponse {
        runtime_cell_id: CompactString,
        status: CodeCellRuntimeStatus,
        #[serde(default)]
        response_payload: Option<RawPayloadRef>,
    },
    CodeCellEnded {
        runtime_cell_id: CompactString,
        status: CodeCellRuntimeStatus,
        #[serde(default)]
        response_payload: Option<RawPayloadRef>,
    },
    CompactionRequestStarted {
        compaction_id: CompactString,
        compaction_request_id: CompactString,
        thread_id: CompactString,
        codex_turn_id: CompactString,
        model: CompactString,
        provider_name: CompactString,
        request_payload: RawPayloadRef,
    },
    CompactionRequestCompleted {
        compaction_id: CompactString,
        compaction_request_id: CompactString,
        response_payload: RawPayloadRef,
    },
    CompactionRequestFailed {
        compaction_id: CompactString,
        compaction_request_id: CompactString,
        error: CompactString,
    },
    CompactionInstalled {
        compaction_id: CompactString,
        checkpoint_payload: RawPayloadRef,
    },
    AgentResultObserved {
        edge_id: CompactString,
        child_thread_id: CompactString,
        child_codex_turn_id: CompactString,
        parent_thread_id: CompactString,
        message: CompactString,
        #[serde(default)]
        carried_payload: Option<RawPayloadRef>,
    },
    ProtocolEventObserved {
        event_type: CompactString,
        event_payload: RawPayloadRef,
    },
    Other {
        kind: CompactString,
        summary: CompactString,
        payloads: Vec<RawPayloadRef>,
        metadata: serde_json::Value,
    },
}

impl RawPayload {
    /// The refs the reducer registers in `raw_payloads` before handling the event (§B.2).
    pub fn payload_refs(&self) -> Vec<&RawPayloadRef> {
        use RawPayload::*;
        match self {
            ThreadStarted { metadata_payload, .. } => metadata_payload.iter().collect(),
            // A branch-version prefix payload is not registered: main does not know the field.
            InferenceStarted { request_payload, .. } => vec![request_payload],
            InferenceCompleted { response_payload, .. } => vec![response_payload],
            InferenceFailed { partial_response_payload, .. } | InferenceCancelled { partial_response_payload, .. } => {
                partial_response_payload.iter().collect()
            }
            ToolCallStarted { invocation_payload, .. } => invocation_payload.iter().collect(),
            ToolCallRuntimeStarted { runtime_payload, .. } | ToolCallRuntimeEnded { runtime_payload, .. } => {
                vec![runtime_payload]
            }
            ToolCallEnded { result_payload, .. } => result_payload.iter().collect(),
            CodeCellInitialResponse { response_payload, .. } | CodeCellEnded { response_payload, .. } => {
                response_payload.iter().collect()
            }
            CompactionRequestStarted { request_payload, .. } => vec![request_payload],
            CompactionRequestCompleted { response_payload, .. } => vec![response_payload],
            CompactionInstalled { checkpoint_payload, .. } => vec![checkpoint_payload],
            AgentResultObserved { carried_payload, .. } => carried_payload.iter().collect(),
            ProtocolEventObserved { event_payload, .. } => vec![event_payload],
            Other { payloads, .. } => payloads.iter().collect(),
            RolloutStarted { .. }
            | RolloutEnded { .. }
            | ThreadEnded { .. }
            | CodexTurnStarted { .. }
            | CodexTurnEnded { .. }
            | InferenceResponseCreated { .. }
            | InferenceFirstDelta { .. }
            | McpToolCallCorrelationAssigned { .. }
            | CompactionRequestFailed { .. }
            | CodeCellStarted { .. } => Vec::new(),
        }
    }

    /// The serde tag, for messages and statistics.
    pub fn type_name(&self) -> &'static str {
        use RawPayload::*;
        match self {
            RolloutStarted { .. } => "rollout_started",
            RolloutEnded { .. } => "rollout_ended",
            ThreadStarted { .. } => "thread_started",
            ThreadEnded { .. } => "thread_ended",
            CodexTurnStarted { .. } => "codex_turn_started",
            CodexTurnEnded { .. } => "codex_turn_ended",
            InferenceStarted { .. } => "inference_started",
            InferenceResponseCreated { .. } => "inference_response_created",
            InferenceFirstDelta { .. } => "inference_first_delta",
            InferenceCompleted { .. } => "inference_completed",
            InferenceFailed { .. } => "inference_failed",
            InferenceCancelled { .. } => "inference_cancelled",
            ToolCallStarted { .. } => "tool_call_started",
            McpToolCallCorrelationAssigned { .. } => "mcp_tool_call_correlation_assigned",
            ToolCallRuntimeStarted { .. } => "tool_call_runtime_started",
            ToolCallRuntimeEnded { .. } => "tool_call_runtime_ended",
            ToolCallEnded { .. } => "tool_call_ended",
            CodeCellStarted { .. } => "code_cell_started",
            CodeCellInitialResponse { .. } => "code_cell_initial_response",
            CodeCellEnded { .. } => "code_cell_ended",
            CompactionRequestStarted { .. } => "compaction_request_started",
            CompactionRequestCompleted { .. } => "compaction_request_completed",
            CompactionRequestFailed { .. } => "compaction_request_failed",
            CompactionInstalled { .. } => "compaction_installed",
            AgentResultObserved { .. } => "agent_result_observed",
            ProtocolEventObserved { .. } => "protocol_event_observed",
            Other { .. } => "other",
        }
    }
}

/// A server time on `inference_completed` as read: an i64, or whatever else the key held, with
/// the serde message the inference-timing revision's typed field gives for it (addendum §5.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerTime {
    Millis(i64),
    Invalid(String),
}

impl ServerTime {
    /// `Some(ms)` for a valid time; the serde message for anything else.
    pub fn millis(&self) -> Result<i64, &str> {
        match self {
            ServerTime::Millis(ms) => Ok(*ms),
            ServerTime::Invalid(message) => Err(message),
        }
    }
}

impl From<i64> for ServerTime {
    fn from(ms: i64) -> Self {
        ServerTime::Millis(ms)
    }
}

impl Serialize for ServerTime {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            ServerTime::Millis(ms) => serializer.serialize_i64(*ms),
            // Only a bundle read from disk holds one; it is written back as null, never invented.
            ServerTime::Invalid(_) => serializer.serialize_none(),
        }
    }
}

impl<'de> Deserialize<'de> for ServerTime {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ServerTimeVisitor)
    }
}

struct ServerTimeVisitor;

impl ServerTimeVisitor {
    /// The message an `i64` field gives for this value, as serde words it.
    fn invalid(unexpected: serde::de::Unexpected) -> ServerTime {
        use serde::de::Error;
        ServerTime::Invalid(serde_json::Error::invalid_type(unexpected, &"i64").to_string())
    }
}

impl<'de> serde::de::Visitor<'de> for ServerTimeVisitor {
    type Value = ServerTime;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_i64<E>(self, v: i64) -> Result<ServerTime, E> {
        Ok(ServerTime::Millis(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<ServerTime, E> {
        use serde::de::Error;
        Ok(i64::try_from(v).map(ServerTime::Millis).unwrap_or_else(|_| {
            ServerTime::Invalid(
                serde_json::Error::invalid_value(serde::de::Unexpected::Unsigned(v), &"i64").to_string(),
            )
        }))
    }

    fn visit_f64<E>(self, v: f64) -> Result<ServerTime, E> {
        Ok(Self::invalid(serde::de::Unexpected::Float(v)))
    }

    fn visit_bool<E>(self, v: bool) -> Result<ServerTime, E> {
        Ok(Self::invalid(serde::de::Unexpected::Bool(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<ServerTime, E> {
        Ok(Self::invalid(serde::de::Unexpected::Str(v)))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<ServerTime, A::Error> {
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(Self::invalid(serde::de::Unexpected::Seq))
    }

    /// A map is an object, or (under `arbitrary_precision`) a number that is not an integer:
    /// both read as "map" to the production build's typed field.
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<ServerTime, A::Error> {
        while map.next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?.is_some() {}
        Ok(Self::invalid(serde::de::Unexpected::Map))
    }
}
