//! Mutations of collab runtime payloads, terminal invocations and compaction ends: a value the
//! reducer's typed payloads or its lifecycle checks reject, at the first event that carries it.

use compact_str::{format_compact, CompactString, ToCompactString};
use serde::de::Error as _;
use serde_json::{json, Value};

use super::targets::{payload_value, to_bytes};
use super::{Edit, MutationKind, Target};
use crate::bundle::{RawPayload, RawPayloadRef, ToolCallKind};
use crate::error::{CollabValueCause, ErrorKind};
use crate::generate::emit::{Emitted, PlannedEvent, Tag};

pub(super) fn target(emitted: &Emitted, kind: MutationKind) -> Option<Target> {
    match kind {
        // `/root/` has one empty segment: it fails the segment test however the test's terms
        // are combined, and it is neither of the two whole paths accepted as they are.
        MutationKind::InvalidAgentPath => first_runtime_end(emitted, |value, _| {
            value.get("agent_thread_id")?;
            let path = "/root/".to_owned();
            value["agent_path"] = json!(path);
            Some(serde_message(CollabValueCause::InvalidAgentPath(path)))
        }),
        MutationKind::EmptyReasoningEffort => first_runtime_end(emitted, |value, _| {
            value.get("agent_thread_id").is_none().then_some(())?;
            *value.get_mut("reasoning_effort")? = json!("");
            Some(serde_message(CollabValueCause::EmptyReasoningEffort))
        }),
        MutationKind::ActivityKindMismatch => first_runtime_end(emitted, |value, tool_kind| {
            value.get("agent_thread_id")?;
            // Each activity moved to the next one, which no tool kind pairs with the first's.
            let (next, debug_name) = match value.get("kind")?.as_str()? {
                "started" => ("interacted", "Interacted"),
                "interacted" => ("interrupted", "Interrupted"),
                "interrupted" => ("started", "Started"),
                _ => return None,
            };
            value["kind"] = json!(next);
            // A path accepted as a whole: the mismatch, not the path, must be what fails.
            value["agent_path"] = json!("/morpheus");
            Some(ErrorKind::ActivityKindMismatch { activity: debug_name, kind: format_compact!("{tool_kind:?}") })
        }),
        MutationKind::EmptySessionId => empty_session_id(emitted),
        MutationKind::FailedCompactionIdMismatch => failed_compaction_id_mismatch(&emitted.events),
        _ => None,
    }
}

/// How serde_json words a custom error from a typed payload read out of a `Value`: the
/// reducer's top-level message for collab payload values its types reject.
fn serde_message(cause: CollabValueCause) -> ErrorKind {
    ErrorKind::Serde(serde_json::Error::custom(cause).to_compact_string())
}

/// The first tool runtime end whose payload `edit` changes (given the tool's kind), with the
/// error `edit` names.
fn first_runtime_end(
    emitted: &Emitted,
    edit: impl Fn(&mut Value, &ToolCallKind) -> Option<ErrorKind>,
) -> Option<Target> {
    let events = &emitted.events;
    events.iter().enumerate().find_map(|(index, event)| {
        let RawPayload::ToolCallRuntimeEnded { tool_call_id, runtime_payload, .. } = &event.payload else {
            return None;
        };
        let tool_kind = events[..index].iter().find_map(|e| match &e.payload {
            RawPayload::ToolCallStarted { tool_call_id: id, kind, .. } if id == tool_call_id => Some(kind),
            _ => None,
        })?;
        let mut value = payload_value(emitted, runtime_payload)?;
        let error = edit(&mut value, tool_kind)?;
        Some(rewrite(index, runtime_payload, &value, error))
    })
}

fn rewrite(index: usize, payload: &RawPayloadRef, value: &Value, error: ErrorKind) -> Target {
    Target { edit: Edit::None, payload: Some((payload.path.clone(), to_bytes(value))), error, fails_at: index }
}

/// The first write_stdin dispatch invocation names the empty string as its session.
fn empty_session_id(emitted: &Emitted) -> Option<Target> {
    emitted.events.iter().enumerate().find_map(|(index, event)| {
        let RawPayload::ToolCallStarted {
            kind: ToolCallKind::WriteStdin, invocation_payload: Some(invocation), ..
        } = &event.payload
        else {
            return None;
        };
        let mut value = payload_value(emitted, invocation)?;
        let mut arguments: Value = serde_json::from_str(value["payload"]["arguments"].as_str()?).ok()?;
        arguments["session_id"] = json!("");
        value["payload"]["arguments"] = json!(arguments.to_string());
        let error = ErrorKind::TerminalInvocationParse(invocation.raw_payload_id.clone());
        Some(rewrite(index, invocation, &value, error))
    })
}

/// The first compaction request completion becomes a failure that names another compaction.
fn failed_compaction_id_mismatch(events: &[PlannedEvent]) -> Option<Target> {
    events.iter().enumerate().find_map(|(index, event)| {
        let RawPayload::CompactionRequestCompleted { compaction_id, compaction_request_id, .. } = &event.payload else {
            return None;
        };
        let completion = CompactString::from("compaction-mutated-failed");
        let failed = PlannedEvent {
            payload: RawPayload::CompactionRequestFailed {
                compaction_id: completion.clone(),
                compaction_request_id: compaction_request_id.clone(),
                error: "compaction stream closed".into(),
            },
            tag: Tag::Plain,
            ..event.clone()
        };
        let error = ErrorKind::CompactionIdMismatch {
            request: compaction_request_id.clone(),
            completion,
            start: compaction_id.clone(),
        };
        Some(Target { edit: Edit::Replace(index, Box::new(failed)), payload: None, error, fails_at: index })
    })
}
