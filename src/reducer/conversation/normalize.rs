//! Normalization of one Responses-style model item into a conversation item's fields (§D.4.1).

use compact_str::CompactString;
use serde::Deserialize;
use serde_json::Value;

use crate::error::{Error, ErrorKind};
use crate::model::{
    AgentMessageRoute, ConversationChannel as Channel, ConversationItemKind as Kind, ConversationPart as Part,
    ConversationRole as Role,
};

/// Upstream strips this top-level key before anything else (nested occurrences stay).
const PASSTHROUGH_KEY: &str = "internal_chat_message_metadata_passthrough";
/// JSON part summaries are cut to this many bytes, then `...` is appended.
pub const SUMMARY_LIMIT: usize = 240;
const ENCRYPTED_CONTENT: &str = "encrypted_content";

/// A model item reduced to the fields a conversation item stores.
#[derive(Debug, Clone, PartialEq)]
pub struct NormalizedItem {
    pub role: Role,
    pub channel: Option<Channel>,
    pub kind: Kind,
    pub parts: Vec<Part>,
    pub call_id: Option<CompactString>,
    pub agent_message: Option<AgentMessageRoute>,
}

impl NormalizedItem {
    /// The conversation item this normalized item becomes when it is first seen.
    pub fn stored(
        &self,
        item_id: CompactString,
        thread_id: &str,
        codex_turn_id: Option<&str>,
        first_seen_at_unix_ms: i64,
        produced_by: Vec<crate::model::ProducerRef>,
    ) -> crate::model::ConversationItem {
        crate::model::ConversationItem {
            item_id,
            thread_id: thread_id.into(),
            codex_turn_id: codex_turn_id.map(CompactString::from),
            first_seen_at_unix_ms,
            role: self.role,
            channel: self.channel,
            kind: self.kind,
            agent_message: self.agent_message.clone(),
            body: crate::model::ConversationBody { parts: self.parts.clone() },
            call_id: self.call_id.clone(),
            produced_by,
        }
    }
}

/// Normalize every element of a request input, response output or checkpoint history.
/// `summary_limit` is [`SUMMARY_LIMIT`] except under a planted bug.
pub fn normalize_items(items: Vec<Value>, payload: &str, summary_limit: usize) -> Result<Vec<NormalizedItem>, Error> {
    let mut normalized = Vec::with_capacity(items.len());
    for item in items {
        if item.get("type").and_then(Value::as_str) == Some("additional_tools") {
            continue;
        }
        normalized.push(normalize_item(item, payload, summary_limit)?);
    }
    Ok(normalized)
}

fn normalize_item(mut item: Value, payload: &str, limit: usize) -> Result<NormalizedItem, Error> {
    if let Value::Object(map) = &mut item {
        // Under `preserve_order` upstream's `remove` is a swap-remove: the last key moves into the
        // gap, which changes the JSON summary of whole-item bodies (spec §I).
        map.swap_remove(PASSTHROUGH_KEY);
    }
    let item_type =
        item.get("type").and_then(Value::as_str).ok_or_else(|| ErrorKind::ItemWithoutType(payload.into()))?.to_owned();
    let call_id = || item.get("call_id").and_then(Value::as_str).map(CompactString::from);
    let make = |role, channel, kind, parts, call_id| NormalizedItem {
        role,
        channel,
        kind,
        parts,
        call_id,
        agent_message: None,
    };
    let whole_item = || json_part(&item, payload, limit).map(|part| vec![part]);
    Ok(match item_type.as_str() {
        "message" => {
            let role = message_role(&item, payload)?;
            let channel = match item.get("phase").and_then(Value::as_str) {
                Some("commentary") => Some(Channel::Commentary),
                Some("final_answer") => Some(Channel::Final),
                Some("summary") => Some(Channel::Summary),
                _ => None,
            };
            make(role, channel, Kind::Message, content_parts(item.get("content"), payload), None)
        }
        "agent_message" => agent_message(&item, payload)?,
        "reasoning" => {
            make(Role::Assistant, Some(Channel::Analysis), Kind::Reasoning, reasoning_parts(&item, payload)?, None)
        }
        "function_call" => {
            let parts = match item.get("arguments") {
                Some(Value::String(text)) => match serde_json::from_str::<Value>(text) {
                    Ok(parsed) => vec![json_part(&parsed, payload, limit)?],
                    Err(_) => vec![Part::Text { text: text.as_str().into() }],
                },
                Some(other) => vec![json_part(other, payload, limit)?],
                None => vec![payload_ref("payload", payload)],
            };
            make(Role::Assistant, Some(Channel::Commentary), Kind::FunctionCall, parts, call_id())
        }
        "function_call_output" | "custom_tool_call_output" => {
            let kind =
                if item_type == "function_call_output" { Kind::FunctionCallOutput } else { Kind::CustomToolCallOutput };
            let parts = tool_output_parts(item.get("output"), payload, limit)?;
            make(Role::Tool, Some(Channel::Commentary), kind, parts, call_id())
        }
        "custom_tool_call" => {
            let parts = match item.get("input") {
                Some(Value::String(input)) if item.get("name").and_then(Value::as_str) == Some("exec") => {
                    vec![Part::Code { language: "javascript".into(), source: input.as_str().into() }]
                }
                Some(Value::String(input)) => vec![Part::Text { text: input.as_str().into() }],
                _ => whole_item()?,
            };
            make(Role::Assistant, Some(Channel::Commentary), Kind::CustomToolCall, parts, call_id())
        }
        "tool_search_call" | "web_search_call" | "image_generation_call" | "local_shell_call" => {
            make(Role::Assistant, Some(Channel::Commentary), Kind::FunctionCall, whole_item()?, call_id())
        }
        "tool_search_output" | "mcp_tool_call_output" => {
            make(Role::Tool, Some(Channel::Commentary), Kind::FunctionCallOutput, whole_item()?, call_id())
        }
        "compaction" | "compaction_summary" | "context_compaction" => {
            let value = item
                .get(ENCRYPTED_CONTENT)
                .and_then(Value::as_str)
                .ok_or_else(|| ErrorKind::CompactionItemWithoutEncrypted(payload.into()))?;
            let parts = vec![Part::Encoded { label: ENCRYPTED_CONTENT.into(), value: value.into() }];
            make(Role::Assistant, Some(Channel::Summary), Kind::Message, parts, None)
        }
        _ => return Err(ErrorKind::UnsupportedItemType { item_type: item_type.into(), payload: payload.into() }.into()),
    })
}

fn message_role(item: &Value, payload: &str) -> Result<Role, Error> {
    let role = item.get("role").and_then(Value::as_str).ok_or_else(|| ErrorKind::MessageWithoutRole(payload.into()))?;
    Ok(match role {
        "system" => Role::System,
        "developer" => Role::Developer,
        "user" => Role::User,
        "assistant" => Role::Assistant,
        "tool" => Role::Tool,
        _ => return Err(ErrorKind::UnsupportedRole { role: role.into(), payload: payload.into() }.into()),
    })
}

/// The protocol shape of an `agent_message` model item.
#[derive(Deserialize)]
#[allow(dead_code)] // `id` is part of the shape upstream checks, though nothing reads it.
struct AgentMessageItem {
    id: Option<CompactString>,
    author: CompactString,
    recipient: CompactString,
    content: Vec<AgentMessageContent>,
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum AgentMessageContent {
    InputText { text: CompactString },
    EncryptedContent { encrypted_content: CompactString },
}

fn agent_message(item: &Value, payload: &str) -> Result<NormalizedItem, Error> {
    let parsed: AgentMessageItem = serde_json::from_value(item.clone())
        .map_err(|e| Error::new(ErrorKind::AgentMessageParse(payload.into())).with_detail(e))?;
    if parsed.content.is_empty() {
        return Err(ErrorKind::AgentMessageEmpty(payload.into()).into());
    }
    let parts = parsed
        .content
        .into_iter()
        .map(|entry| match entry {
            AgentMessageContent::InputText { text } => Part::Text { text },
            AgentMessageContent::EncryptedContent { encrypted_content } => {
                Part::Encoded { label: ENCRYPTED_CONTENT.into(), value: encrypted_content }
            }
        })
        .collect();
    Ok(NormalizedItem {
        role: Role::Assistant,
        channel: Some(Channel::Analysis),
        kind: Kind::Message,
        parts,
        call_id: None,
        agent_message: Some(AgentMessageRoute { author: parsed.author, recipient: parsed.recipient }),
    })
}

fn reasoning_parts(item: &Value, payload: &str) -> Result<Vec<Part>, Error> {
    let mut parts = Vec::new();
    let entries = |key: &'static str, null_is_none: bool| -> Result<Vec<&Value>, Error> {
        match item.get(key) {
            None => Ok(Vec::new()),
            Some(Value::Null) if null_is_none => Ok(Vec::new()),
            Some(Value::Array(entries)) => Ok(entries.iter().collect()),
            Some(_) => Err(ErrorKind::ReasoningNonArray { payload: payload.into(), key }.into()),
        }
    };
    let entry_text = |entry: &Value, key: &'static str, allowed: &[&str]| -> Result<CompactString, Error> {
        let entry_type = entry
            .get("type")
            .and_then(Value::as_str)
            .ok_or_else(|| ErrorKind::ReasoningEntryWithoutType { payload: payload.into(), key })?;
        if !allowed.contains(&entry_type) {
            let entry_type = entry_type.to_owned();
            return Err(if key == "content" {
                ErrorKind::ReasoningUnsupportedContent { payload: payload.into(), entry_type: entry_type.into() }
            } else {
                ErrorKind::ReasoningUnsupportedSummary { payload: payload.into(), entry_type: entry_type.into() }
            }
            .into());
        }
        entry
            .get("text")
            .and_then(Value::as_str)
            .map(CompactString::from)
            .ok_or_else(|| ErrorKind::ReasoningEntryWithoutText { payload: payload.into(), key }.into())
    };
    for entry in entries("content", true)? {
        parts.push(Part::Text { text: entry_text(entry, "content", &["reasoning_text", "text"])? });
    }
    for entry in entries("summary", false)? {
        parts.push(Part::Summary { text: entry_text(entry, "summary", &["summary_text"])? });
    }
    match item.get(ENCRYPTED_CONTENT) {
        None | Some(Value::Null) => {}
        Some(Value::String(value)) => {
            parts.push(Part::Encoded { label: ENCRYPTED_CONTENT.into(), value: value.as_str().into() })
        }
        Some(_) => return Err(ErrorKind::ReasoningNonStringEncrypted(payload.into()).into()),
    }
    if parts.is_empty() {
        return Err(ErrorKind::ReasoningEmpty(payload.into()).into());
    }
    Ok(parts)
}

fn tool_output_parts(output: Option<&Value>, payload: &str, limit: usize) -> Result<Vec<Part>, Error> {
    Ok(match output {
        Some(Value::String(text)) => vec![Part::Text { text: text.as_str().into() }],
        Some(array @ Value::Array(_)) => content_parts(Some(array), payload),
        Some(other) => vec![json_part(other, payload, limit)?],
        None => vec![payload_ref("tool_output", payload)],
    })
}

/// Parts of message content or an array tool output.
fn content_parts(content: Option<&Value>, payload: &str) -> Vec<Part> {
    let Some(Value::Array(entries)) = content else {
        return vec![payload_ref("content", payload)];
    };
    let mut parts = Vec::new();
    for entry in entries {
        match entry.get("type").and_then(Value::as_str) {
            Some("input_text" | "output_text" | "text") => {
                // Text entries without string text are dropped, not referenced.
                if let Some(text) = entry.get("text").and_then(Value::as_str) {
                    parts.push(Part::Text { text: text.into() });
                }
            }
            Some(label) => parts.push(payload_ref(label, payload)),
            None => parts.push(payload_ref("content", payload)),
        }
    }
    if parts.is_empty() {
        parts.push(payload_ref("empty_content", payload));
    }
    parts
}

fn payload_ref(label: &str, payload: &str) -> Part {
    Part::PayloadRef { label: label.into(), raw_payload_id: payload.into() }
}

fn json_part(value: &Value, payload: &str, limit: usize) -> Result<Part, Error> {
    Ok(Part::Json { summary: json_summary(value, payload, limit)?, raw_payload_id: payload.into() })
}

/// Compact JSON, cut at 240 bytes with `...` appended. Upstream panics when the cut falls inside
/// a multi-byte character; we report that as an error instead.
pub fn json_summary(value: &Value, payload: &str, limit: usize) -> Result<CompactString, Error> {
    let mut text = serde_json::to_string(value).expect("a JSON value always serializes");
    if text.len() > limit {
        if !text.is_char_boundary(limit) {
            return Err(ErrorKind::SummaryCutInsideCharacter(payload.into()).into());
        }
        text.truncate(limit);
        text.push_str("...");
    }
    Ok(text.into())
}
