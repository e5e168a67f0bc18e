//! Recognizing an inter-agent message among conversation items (§D.9.1).

use compact_str::CompactString;
use serde::Deserialize;

use super::payloads::AgentPath;
use crate::model::{ConversationItem, ConversationItemKind, ConversationPart as Part, ConversationRole};

pub struct InterAgentMessage {
    pub author: CompactString,
    pub recipient: CompactString,
    pub content: CompactString,
}

/// The legacy JSON text form of an inter-agent message.
#[derive(Deserialize)]
#[allow(dead_code)] // Fields upstream requires or type-checks, though only some are read.
struct InterAgentCommunication {
    author: AgentPath,
    recipient: AgentPath,
    content: CompactString,
    trigger_turn: bool,
    #[serde(default)]
    other_recipients: Option<Vec<AgentPath>>,
    #[serde(default)]
    encrypted_content: Option<CompactString>,
    #[serde(default)]
    id: Option<CompactString>,
}

fn is_encrypted(label: &str) -> bool {
    label == "encrypted_content"
}

/// The routing and content of an assistant message that carries one agent's words to another.
pub fn inter_agent_message(item: &ConversationItem) -> Option<InterAgentMessage> {
    if item.role != ConversationRole::Assistant || item.kind != ConversationItemKind::Message {
        return None;
    }
    let parts = item.body.parts.as_slice();
    match &item.agent_message {
        Some(route) => {
            let content = match parts {
                [Part::Text { text }] => text.clone(),
                [Part::Encoded { label, value }] if is_encrypted(label) => value.clone(),
                [Part::Text { .. }, Part::Encoded { label, value }] if is_encrypted(label) => value.clone(),
                _ => return None,
            };
            Some(InterAgentMessage { author: route.author.clone(), recipient: route.recipient.clone(), content })
        }
        None => {
            let [Part::Text { text }] = parts else { return None };
            let legacy: InterAgentCommunication = serde_json::from_str(text).ok()?;
            Some(InterAgentMessage {
                author: legacy.author.0.into(),
                recipient: legacy.recipient.0.into(),
                content: legacy.encrypted_content.unwrap_or(legacy.content),
            })
        }
    }
}
