//! Each conversation item as the scenario wrote it: role, channel, kind, call id and body parts
//! (spec §C.5, §D.4.1), its first producer, and how many distinct items carry it at least.
//!
//! An item is found in a reduction by thread, role, kind, channel and a marker: its call id, else its
//! first encrypted value, else its first readable text, else its first JSON summary.

use std::collections::{BTreeMap, HashMap, HashSet};

use compact_str::CompactString;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::{
    ConversationChannel as Channel, ConversationItem, ConversationItemKind as Kind, ConversationPart as Part,
    ConversationRole as Role, ProducerRef, RolloutTrace,
};

/// JSON parts show this many bytes of compact JSON, then `...`.
const SUMMARY_CUT: usize = 240;
const ENCRYPTED: &str = "encrypted_content";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemFact {
    pub thread_id: CompactString,
    pub role: Role,
    pub channel: Option<Channel>,
    pub kind: Kind,
    pub call_id: Option<CompactString>,
    /// JSON parts compare by summary and payload refs by label: which payload an item was first
    /// seen in is not this fact's concern.
    pub parts: Vec<Part>,
    /// The inference whose response holds the item, or the compaction that wrote it.
    pub producer: Option<ProducerRef>,
    /// Distinct items at least: a message the user repeats word for word is a new item.
    pub copies: usize,
}

/// Counts of the item shapes that take a rare reconcile path, for coverage.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemPaths {
    /// Reasoning re-sighted with readable text or summary its first sighting lacked.
    pub reasoning_merged: usize,
    /// Assistant messages re-sent without the phase they were recorded with.
    pub phase_dropped: usize,
    /// User messages repeating an earlier one word for word.
    pub repeated_user_messages: usize,
}

impl ItemFact {
    /// The fact of a model item as the generator writes it; `None` for shapes it never checks
    /// (items that only show as payload refs, non-item types, summaries cut inside a character).
    pub fn written(thread_id: &str, item: &Value, producer: Option<ProducerRef>) -> Option<ItemFact> {
        let item_type = item.get("type")?.as_str()?;
        let call_id = item.get("call_id").and_then(Value::as_str).map(CompactString::from);
        let (role, channel, kind, parts, call_id) = match item_type {
            "message" => {
                let role = match item.get("role")?.as_str()? {
                    "system" => Role::System,
                    "developer" => Role::Developer,
                    "user" => Role::User,
                    "assistant" => Role::Assistant,
                    "tool" => Role::Tool,
                    _ => return None,
                };
                let channel = match item.get("phase").and_then(Value::as_str) {
                    Some("commentary") => Some(Channel::Commentary),
                    Some("final_answer") => Some(Channel::Final),
                    Some("summary") => Some(Channel::Summary),
                    _ => None,
                };
                (role, channel, Kind::Message, content(item.get("content")), None)
            }
            "agent_message" => {
                let parts = item
                    .get("content")?
                    .as_array()?
                    .iter()
                    .map(|entry| match entry.get("type")?.as_str()? {
                        "input_text" => Some(Part::Text { text: entry.get("text")?.as_str()?.into() }),
                        "encrypted_content" => Some(encoded(entry.get(ENCRYPTED)?.as_str()?)),
                        _ => None,
                    })
                    .collect::<Option<Vec<_>>>()?;
                (Role::Assistant, Some(Channel::Analysis), Kind::Message, parts, None)
            }
            "reasoning" => {
                let texts = |key: &str, part: fn(CompactString) -> Part| -> Vec<Part> {
                    let entries = item.get(key).and_then(Value::as_array).into_iter().flatten();
                    entries.filter_map(|e| e.get("text").and_then(Value::as_str)).map(|t| part(t.into())).collect()
                };
                let mut parts = texts("content", |text| Part::Text { text });
                parts.extend(texts("summary", |text| Part::Summary { text }));
                parts.extend(item.get(ENCRYPTED).and_then(Value::as_str).map(encoded));
                (Role::Assistant, Some(Channel::Analysis), Kind::Reasoning, parts, None)
            }
            "function_call" => {
                let part = match item.get("arguments") {
                    Some(Value::String(text)) => match serde_json::from_str::<Value>(text) {
                        Ok(parsed) => json(&parsed)?,
                        Err(_) => Part::Text { text: text.as_str().into() },
                    },
                    Some(other) => json(other)?,
                    None => payload_ref("payload"),
                };
                (Role::Assistant, Some(Channel::Commentary), Kind::FunctionCall, vec![part], call_id)
            }
            "function_call_output" | "custom_tool_call_output" => {
                let kind = if item_type == "function_call_output" {
                    Kind::FunctionCallOutput
                } else {
                    Kind::CustomToolCallOutput
                };
                let parts = match item.get("output") {
                    Some(Value::String(text)) => vec![Part::Text { text: text.as_str().into() }],
                    Some(array @ Value::Array(_)) => content(Some(array)),
                    Some(other) => vec![json(other)?],
                    None => vec![payload_ref("tool_output")],
                };
                (Role::Tool, Some(Channel::Commentary), kind, parts, call_id)
            }
            "custom_tool_call" => {
                let part = match (item.get("input"), item.get("name").and_then(Value::as_str)) {
                    (Some(Value::String(source)), Some("exec")) => {
                        Part::Code { language: "javascript".into(), source: source.as_str().into() }
                    }
                    (Some(Value::String(text)), _) => Part::Text { text: text.as_str().into() },
                    _ => json(item)?,
                };
                (Role::Assistant, Some(Channel::Commentary), Kind::CustomToolCall, vec![part], call_id)
            }
            "tool_search_call" | "web_search_call" | "image_generation_call" | "local_shell_call" => {
                (Role::Assistant, Some(Channel::Commentary), Kind::FunctionCall, vec![json(item)?], call_id)
            }
            "tool_search_output" | "mcp_tool_call_output" => {
                (Role::Tool, Some(Channel::Commentary), Kind::FunctionCallOutput, vec![json(item)?], call_id)
            }
            "compaction" | "compaction_summary" | "context_compaction" => {
                let value = item.get(ENCRYPTED)?.as_str()?;
                (Role::Assistant, Some(Channel::Summary), Kind::Message, vec![encoded(value)], None)
            }
            _ => return None,
        };
        let fact = ItemFact { thread_id: thread_id.into(), role, channel, kind, call_id, parts, producer, copies: 1 };
        fact.marker().is_some().then_some(fact)
    }

    /// The key of this fact among a scenario's facts.
    pub fn key(&self) -> String {
        let marker = self.marker().unwrap_or_default();
        format!("{} {:?} {:?} {:?} {marker}", self.thread_id, self.role, self.kind, self.channel)
    }

    fn marker(&self) -> Option<&str> {
        let encoded = self.parts.iter().find_map(|part| match part {
            Part::Encoded { value, .. } => Some(value.as_str()),
            _ => None,
        });
        let readable = self.parts.iter().find_map(|part| match part {
            Part::Text { text } | Part::Summary { text } | Part::Code { source: text, .. } => Some(text.as_str()),
            _ => None,
        });
        let json = self.parts.iter().find_map(|part| match part {
            Part::Json { summary, .. } => Some(summary.as_str()),
            _ => None,
        });
        self.call_id.as_deref().or(encoded).or(readable).or(json)
    }

    /// A re-sighting of reasoning with the same encrypted identity keeps the first readable text
    /// and summary (spec §D.4.3): the stored body changes only while one of them is missing.
    /// Returns whether the body changed.
    pub fn merge_reasoning(&mut self, incoming: &[Part]) -> bool {
        let only = |parts: &[Part], text: bool| -> Vec<Part> {
            let wanted =
                |p: &&Part| if text { matches!(p, Part::Text { .. }) } else { matches!(p, Part::Summary { .. }) };
            parts.iter().filter(wanted).cloned().collect()
        };
        let (texts, summaries) = (only(&self.parts, true), only(&self.parts, false));
        if self.kind != Kind::Reasoning || self.parts == incoming || (!texts.is_empty() && !summaries.is_empty()) {
            return false;
        }
        let mut merged = if texts.is_empty() { only(incoming, true) } else { texts };
        merged.extend(if summaries.is_empty() { only(incoming, false) } else { summaries });
        merged.extend(self.parts.iter().filter(|p| matches!(p, Part::Encoded { .. })).cloned());
        let changed = merged != self.parts;
        self.parts = merged;
        changed
    }
}

fn encoded(value: &str) -> Part {
    Part::Encoded { label: ENCRYPTED.into(), value: value.into() }
}

fn payload_ref(label: &str) -> Part {
    Part::PayloadRef { label: label.into(), raw_payload_id: CompactString::default() }
}

/// Compact JSON cut at 240 bytes; `None` when the cut would fall inside a character.
fn json(value: &Value) -> Option<Part> {
    let mut summary = value.to_string();
    if summary.len() > SUMMARY_CUT {
        summary = format!("{}...", summary.get(..SUMMARY_CUT)?);
    }
    Some(Part::Json { summary: summary.into(), raw_payload_id: CompactString::default() })
}

/// Message content or an array tool output: text entries with text, a payload ref for any other
/// entry, and one for content that is not an array or leaves nothing.
fn content(content: Option<&Value>) -> Vec<Part> {
    let Some(Value::Array(entries)) = content else { return vec![payload_ref("content")] };
    let mut parts: Vec<Part> = entries
        .iter()
        .filter_map(|entry| match entry.get("type").and_then(Value::as_str) {
            Some("input_text" | "output_text" | "text") => {
                entry.get("text").and_then(Value::as_str).map(|text| Part::Text { text: text.into() })
            }
            Some(label) => Some(payload_ref(label)),
            None => Some(payload_ref("content")),
        })
        .collect();
    if parts.is_empty() {
        parts.push(payload_ref("empty_content"));
    }
    parts
}

fn same_part(expected: &Part, got: &Part) -> bool {
    match (expected, got) {
        (Part::Json { summary: a, .. }, Part::Json { summary: b, .. }) => a == b,
        (Part::PayloadRef { label: a, .. }, Part::PayloadRef { label: b, .. }) => a == b,
        (a, b) => a == b,
    }
}

/// Every disagreement between the item facts and a reduction's conversation items.
pub fn check(facts: &BTreeMap<String, ItemFact>, trace: &RolloutTrace, problems: &mut Vec<String>) {
    if facts.is_empty() {
        return;
    }
    // Each item under every marker it could be found by, so a fact finds it whichever part moved.
    // The role too: a user message may quote an inter-agent message's JSON word for word.
    type Key<'a> = (&'a str, Role, Kind, Option<Channel>, &'a str);
    let mut index: HashMap<Key, Vec<&ConversationItem>> = HashMap::new();
    for item in trace.conversation_items.values() {
        let texts = item.body.parts.iter().map(|part| match part {
            Part::Text { text } | Part::Summary { text } | Part::Code { source: text, .. } => text.as_str(),
            Part::Encoded { value, .. } => value.as_str(),
            Part::Json { summary, .. } => summary.as_str(),
            Part::PayloadRef { label, .. } => label.as_str(),
        });
        let markers: HashSet<&str> = item.call_id.as_deref().into_iter().chain(texts).collect();
        for marker in markers {
            index.entry((item.thread_id.as_str(), item.role, item.kind, item.channel, marker)).or_default().push(item);
        }
    }
    for (key, fact) in facts {
        let marker = fact.marker().unwrap_or_default();
        let found = index
            .get(&(fact.thread_id.as_str(), fact.role, fact.kind, fact.channel, marker))
            .map_or(&[][..], Vec::as_slice);
        if found.len() < fact.copies {
            problems.push(format!("{key}: {} conversation items instead of at least {}", found.len(), fact.copies));
        }
        for item in found {
            let parts = &item.body.parts;
            let body_ok = parts.len() == fact.parts.len() && fact.parts.iter().zip(parts).all(|(a, b)| same_part(a, b));
            let producer_ok = fact.producer.as_ref().is_none_or(|p| item.produced_by.first() == Some(p));
            let deduplicated = item.produced_by.iter().collect::<HashSet<_>>().len() == item.produced_by.len();
            if item.call_id != fact.call_id || !body_ok || !producer_ok || !deduplicated {
                problems.push(format!("{}: item {item:?} is wrong for {fact:?}", item.item_id));
            }
        }
    }
}
