//! Typed collab runtime payloads. Upstream parses them strictly and prints serde's own message
//! when they do not fit (§D.9.2–§D.9.3).

use compact_str::ToCompactString;
use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use uuid::Uuid as RawUuid;

use crate::error::{CollabValueCause, Error, ErrorKind};

/// Parse a payload into its protocol type; the error is serde's message alone.
pub fn parse<T: DeserializeOwned>(value: Value) -> Result<T, Error> {
    serde_json::from_value(value).map_err(|e| ErrorKind::Serde(e.to_compact_string()).into())
}

/// A thread id in a collab payload: a UUID, rendered back lowercase and hyphenated. Upstream reads
/// a string and parses it, so a bad id fails with the uuid parser's own message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Uuid(RawUuid);

impl std::fmt::Display for Uuid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

impl<'de> Deserialize<'de> for Uuid {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        RawUuid::parse_str(&text).map(Uuid).map_err(D::Error::custom)
    }
}

/// `/root`, `/root/<segment>/…` (segments of `[a-z0-9_]+`, not `root`), or `/morpheus`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentPath(pub String);

pub fn is_valid_agent_path(path: &str) -> bool {
    if path == "/root" || path == "/morpheus" {
        return true;
    }
    let Some(rest) = path.strip_prefix("/root/") else { return false };
    rest.split('/').all(|segment| {
        !segment.is_empty()
            && segment != "root"
            && segment.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    })
}

impl<'de> Deserialize<'de> for AgentPath {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let path = String::deserialize(deserializer)?;
        if is_valid_agent_path(&path) {
            Ok(AgentPath(path))
        } else {
            Err(D::Error::custom(CollabValueCause::InvalidAgentPath(path)))
        }
    }
}

/// Upstream's reasoning effort is a non-empty string.
fn non_empty<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let text = String::deserialize(deserializer)?;
    if text.is_empty() {
        return Err(D::Error::custom(CollabValueCause::EmptyReasoningEffort));
    }
    Ok(text)
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)] // Parsed for strictness; the reducer does not read the status.
pub enum AgentStatus {
    PendingInit,
    Running,
    Interrupted,
    Shutdown,
    NotFound,
    Completed(Option<String>),
    Errored(String),
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
pub struct InteractionBegin {
    pub call_id: String,
    pub started_at_ms: Option<i64>,
    pub sender_thread_id: Uuid,
    pub receiver_thread_id: Uuid,
    pub prompt: String,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
pub struct InteractionEnd {
    pub call_id: String,
    pub completed_at_ms: Option<i64>,
    pub sender_thread_id: Uuid,
    pub receiver_thread_id: Uuid,
    pub receiver_agent_nickname: Option<String>,
    pub receiver_agent_role: Option<String>,
    pub prompt: String,
    pub status: AgentStatus,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
pub struct CloseBegin {
    pub call_id: String,
    pub started_at_ms: Option<i64>,
    pub sender_thread_id: Uuid,
    pub receiver_thread_id: Uuid,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
pub struct CloseEnd {
    pub call_id: String,
    pub completed_at_ms: Option<i64>,
    pub sender_thread_id: Uuid,
    pub receiver_thread_id: Uuid,
    pub receiver_agent_nickname: Option<String>,
    pub receiver_agent_role: Option<String>,
    pub status: AgentStatus,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
pub struct SpawnEnd {
    pub call_id: String,
    pub completed_at_ms: Option<i64>,
    pub sender_thread_id: Uuid,
    pub new_thread_id: Option<Uuid>,
    pub new_agent_nickname: Option<String>,
    pub new_agent_role: Option<String>,
    pub prompt: String,
    pub model: String,
    #[serde(deserialize_with = "non_empty")]
    pub reasoning_effort: String,
    pub status: AgentStatus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    Started,
    Interacted,
    Interrupted,
}

impl ActivityKind {
    /// Upstream names the activity by its Rust variant in the mismatch error.
    pub fn debug_name(self) -> &'static str {
        match self {
            ActivityKind::Started => "Started",
            ActivityKind::Interacted => "Interacted",
            ActivityKind::Interrupted => "Interrupted",
        }
    }
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
pub struct SubAgentActivity {
    pub event_id: String,
    pub occurred_at_ms: Option<i64>,
    pub agent_thread_id: Uuid,
    pub agent_path: AgentPath,
    pub kind: ActivityKind,
}
