//! Recognizing an inter-agent message among conversation items (§D.9.1).

use serde::Deserialize;

use super::payloads::AgentPath;
use crate::model::{ConversationItem, ConversationItemKind, ConversationPart as Part, ConversationRole};

pub struct InterAgentMessage {
    pub author: String,
    pub recipient: String,
    pub content: String,
}

/// The legacy JSON text form of an inter-agent message.
#[derive(Deserialize)]
#[allow(dead_code)] // Fields upstream requires or type-checks, though only some are read.
struct InterAgentCommunication {
    author: AgentPath,
    recipient: AgentPath,
    content: String,
    trigger_turn: bool,
    #[serde(default)]
    other_recipients: Option<Vec<AgentPath>>,
    #[serde(default)]
    encrypted_content: Option<String>,
    #[serde(default)]
    id: Option<String>,
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
                author: legacy.author.0,
                recipient: legacy.recipient.0,
                content: legacy.encrypted_content.unwrap_or(legacy.content),
            })
        }
    }
}
