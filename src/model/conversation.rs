//! Conversation items and their parts (spec §C.5).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationItem {
    pub item_id: String,
    pub thread_id: String,
    pub codex_turn_id: Option<String>,
    pub first_seen_at_unix_ms: i64,
    pub role: ConversationRole,
    pub channel: Option<ConversationChannel>,
    pub kind: ConversationItemKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_message: Option<AgentMessageRoute>,
    pub body: ConversationBody,
    pub call_id: Option<String>,
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
    pub author: String,
    pub recipient: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ConversationBody {
    pub parts: Vec<ConversationPart>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ConversationPart {
    Text { text: String },
    Summary { text: String },
    Encoded { label: String, value: String },
    Json { summary: String, raw_payload_id: String },
    Code { language: String, source: String },
    PayloadRef { label: String, raw_payload_id: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ProducerRef {
    UserInput,
    Inference { inference_call_id: String },
    Tool { tool_call_id: String },
    CodeCell { code_cell_id: String },
    InteractionEdge { edge_id: String },
    Compaction { compaction_id: String },
    Harness,
}
