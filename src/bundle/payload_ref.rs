//! `RawPayloadRef`: how an event points at a payload file (spec §A.3).

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

/// A reference from an event to one `payloads/<N>.json` file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawPayloadRef {
    pub raw_payload_id: CompactString,
    pub kind: RawPayloadKind,
    pub path: CompactString,
}

/// What a payload holds. Adjacently tagged upstream; every variant is a unit, so it serializes as
/// `{"type": "<name>"}`. The reducer only copies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum RawPayloadKind {
    InferenceRequest,
    InferenceResponse,
    CompactionRequest,
    CompactionCheckpoint,
    CompactionResponse,
    ToolInvocation,
    ToolResult,
    ToolRuntimeEvent,
    TerminalRuntimeEvent,
    ProtocolEvent,
    SessionMetadata,
    AgentResult,
}
