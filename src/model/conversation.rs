//! Conversation items and their parts (spec §C.5).

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationItem {
    pub item_id: CompactString,
    pub thread_id: CompactString,
    pub codex_turn_id: Option<CompactString>,
    pub first_seen_at_unix_ms: i64,
    pub role: ConversationRole,
    pub channel: Option<ConversationChannel>,
    pub kind: ConversationItemKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_message: Option<AgentMessageRoute>,
    pub body: ConversationBody,
    pub call_id: Option<CompactString>,
    pub produced_by: Vec<ProducerRef>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConversationRole {
    System,
    Developer,
    User,
    Assistant,
    Tool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConversationChannel {
    Analysis,
    Commentary,
    Final,
    Summary,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConversationItemKind {
    Message,
    Reasoning,
    FunctionCall,
    FunctionCallOutput,
    CustomToolCall,
    CustomToolCallOutput,
    CompactionMarker,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AgentMessageRoute {
    pub author: CompactString,
    pub recipient: CompactString,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ConversationBody {
    pub parts: Vec<ConversationPart>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ConversationPart {
    Text { text: CompactString },
    Summary { text: CompactString },
    Encoded { label: CompactString, value: CompactString },
    Json { summary: CompactString, raw_payload_id: CompactString },
    Code { language: CompactString, source: CompactString },
    PayloadRef { label: CompactString, raw_payload_id: CompactString },
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ProducerRef {
    UserInput,
    Inference { inference_call_id: CompactString },
    Tool { tool_call_id: CompactString },
    CodeCell { code_cell_id: CompactString },
    InteractionEdge { edge_id: CompactString },
    Compaction { compaction_id: CompactString },
    Harness,
}
