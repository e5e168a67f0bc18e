//! Mutations of payload shapes and log lines: a request, response, invocation or line that no
//! producer writes, at the first event that reads it.

use serde_json::{json, Value};

use super::targets::{first_request, payload_value, to_bytes};
use super::{Edit, MutationKind, Target};
use crate::bundle::{RawPayload, ToolCallKind};
use crate::error::ErrorKind;
use crate::generate::emit::{Emitted, PlannedEvent, Tag};

pub(super) fn target(emitted: &Emitted, kind: MutationKind) -> Option<Target> {
    let events = &emitted.events;
    match kind {
        MutationKind::RequestNonArrayInput => {
            let (index, request) = first_request(events)?;
            let mut value = payload_value(emitted, request)?;
            *value.get_mut("input")? = Value::String("not an array".to_owned());
            Some(rewrite(index, request, &value, ErrorKind::RequestNonArrayInput(request.raw_payload_id.clone())))
        }
        MutationKind::ResponseWithoutOutputItems => events.iter().enumerate().find_map(|(index, event)| {
            let RawPayload::InferenceCompleted { response_payload, .. } = &event.payload else { return None };
            let mut value = payload_value(emitted, response_payload)?;
            value.as_object_mut()?.remove("output_items")?;
            let error = ErrorKind::ResponseWithoutOutputItems(response_payload.raw_payload_id.clone());
            Some(rewrite(index, response_payload, &value, error))
        }),
        MutationKind::BrokenReasoningItem => {
            let (index, request) = first_request(events)?;
            let payload = request.raw_payload_id.clone();
            // Which of the six ways varies with the stream, so that runs reach all of them.
            let (item, error) = match events.len() % 6 {
                0 => (
                    json!({"type": "reasoning", "content": "not an array"}),
                    ErrorKind::ReasoningNonArray { payload, key: "content" },
                ),
                1 => (
                    json!({"type": "reasoning", "content": [{"type": "mutated_text", "text": "?"}]}),
                    ErrorKind::ReasoningUnsupportedContent { payload, entry_type: "mutated_text".into() },
                ),
                2 => (
                    json!({"type": "reasoning", "summary": [{"type": "mutated_summary", "text": "?"}]}),
                    ErrorKind::ReasoningUnsupportedSummary { payload, entry_type: "mutated_summary".into() },
                ),
                3 => (
                    json!({"type": "reasoning", "summary": [], "encrypted_content": 7}),
                    ErrorKind::ReasoningNonStringEncrypted(payload),
                ),
                4 => (json!({"type": "reasoning", "summary": [], "content": null}), ErrorKind::ReasoningEmpty(payload)),
                // A null `content` reads as none, a null `summary` does not.
                _ => (
                    json!({"type": "reasoning", "summary": null, "content": [{"type": "text", "text": "?"}]}),
                    ErrorKind::ReasoningNonArray { payload, key: "summary" },
                ),
            };
            append_to_request(emitted, index, request, item, error)
        }
        MutationKind::EmptyAgentMessage => {
            let (index, request) = first_request(events)?;
            let item = json!({"type": "agent_message", "author": "/root", "recipient": "/root/mutated", "content": []});
            let error = ErrorKind::AgentMessageEmpty(request.raw_payload_id.clone());
            append_to_request(emitted, index, request, item, error)
        }
        MutationKind::SummaryCutInsideCharacter => {
            let (index, request) = first_request(events)?;
            // `{"t":"` is 6 bytes; 233 more ASCII bytes put a two-byte character across byte 240.
            let arguments = json!({"t": format!("{}{}", "a".repeat(233), "é".repeat(20))}).to_string();
            let item = json!({"type": "function_call", "name": "exec_command", "arguments": arguments, "call_id": "call-mutated-cut"});
            let error = ErrorKind::SummaryCutInsideCharacter(request.raw_payload_id.clone());
            append_to_request(emitted, index, request, item, error)
        }
        MutationKind::TerminalInvocationParse => events.iter().enumerate().find_map(|(index, event)| {
            let RawPayload::ToolCallStarted {
                kind: ToolCallKind::WriteStdin,
                invocation_payload: Some(invocation),
                ..
            } = &event.payload
            else {
                return None;
            };
            let mut value = payload_value(emitted, invocation)?;
            let arguments = |session: Value| json!({"session_id": session, "chars": "y\n"}).to_string();
            // Six ways a dispatch invocation can fail to be a write_stdin, by the stream's length.
            match events.len() % 6 {
                0 => value = Value::String("not an invocation".to_owned()),
                1 => value["tool_name"] = json!("mutated_tool"),
                2 => value["payload"]["type"] = json!("mutated_payload"),
                3 => _ = value.get_mut("payload")?.as_object_mut()?.remove("arguments"),
                4 => value["payload"]["arguments"] = json!("not json"),
                _ => value["payload"]["arguments"] = json!(arguments(json!(""))),
            }
            Some(rewrite(
                index,
                invocation,
                &value,
                ErrorKind::TerminalInvocationParse(invocation.raw_payload_id.clone()),
            ))
        }),
        MutationKind::TerminalSessionWrongThread => terminal_session_wrong_thread(emitted),
        MutationKind::UnparseableLine => {
            let index = (events.len() / 2).max(1);
            let line = json!({"schema_version": 1, "seq": index + 1, "wall_time_unix_ms": 0, "rollout_id": "r", "payload": {"type": "mutated_unknown_event"}});
            Some(Target {
                edit: Edit::Unparseable(index, line.to_string()),
                payload: None,
                // Lines count from 1.
                error: ErrorKind::TraceLineParse(index + 1),
                fails_at: index,
            })
        }
        _ => None,
    }
}

fn rewrite(index: usize, payload: &crate::bundle::RawPayloadRef, value: &Value, error: ErrorKind) -> Target {
    Target { edit: Edit::None, payload: Some((payload.path.clone(), to_bytes(value))), error, fails_at: index }
}

/// The request at `index` with one more input item, which normalization must reject.
fn append_to_request(
    emitted: &Emitted,
    index: usize,
    request: &crate::bundle::RawPayloadRef,
    item: Value,
    error: ErrorKind,
) -> Option<Target> {
    let mut value = payload_value(emitted, request)?;
    value.get_mut("input")?.as_array_mut()?.push(item);
    Some(rewrite(index, request, &value, error))
}

/// The first write_stdin, after a second thread started, is written under that thread (with no
/// turn, so the tool's thread is that thread): the session it writes to belongs to its own.
fn terminal_session_wrong_thread(emitted: &Emitted) -> Option<Target> {
    let events = &emitted.events;
    events.iter().enumerate().find_map(|(index, event)| {
        let RawPayload::ToolCallStarted {
            kind: ToolCallKind::WriteStdin, invocation_payload: Some(invocation), ..
        } = &event.payload
        else {
            return None;
        };
        let owner = event.thread_id.clone()?;
        let other = events[..index].iter().find_map(|e| match &e.payload {
            RawPayload::ThreadStarted { thread_id, .. } if *thread_id != owner => Some(thread_id.clone()),
            _ => None,
        })?;
        let value = payload_value(emitted, invocation)?;
        let arguments: Value = serde_json::from_str(value["payload"]["arguments"].as_str()?).ok()?;
        let terminal = match &arguments["session_id"] {
            Value::Number(n) => n.to_string(),
            Value::String(s) => s.clone(),
            _ => return None,
        };
        let mutated =
            PlannedEvent { thread_id: Some(other.clone()), codex_turn_id: None, tag: Tag::Plain, ..event.clone() };
        Some(Target {
            edit: Edit::Replace(index, Box::new(mutated)),
            payload: None,
            error: ErrorKind::TerminalSessionWrongThread { terminal: terminal.into(), owner, thread: other },
            fails_at: index,
        })
    })
}
