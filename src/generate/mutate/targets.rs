//! Where each mutation strikes: the first suitable event in the causal order, so that nothing
//! before it can fail first, and the exact error it must cause.

use std::collections::HashMap;

use compact_str::{format_compact, CompactString};
use serde_json::{json, Value};

use super::{Edit, MutationKind, Target};
use crate::bundle::{RawPayload, RawPayloadRef};
use crate::error::ErrorKind;
use crate::generate::emit::{Emitted, PlannedEvent, Tag};

pub(super) fn target(emitted: &Emitted, kind: MutationKind) -> Option<Target> {
    let events = &emitted.events;
    match kind {
        MutationKind::DropThreadStart => drop_thread_start(emitted),
        MutationKind::DuplicateThreadStart => duplicate(events, |p| match p {
            RawPayload::ThreadStarted { thread_id, .. } => Some(ErrorKind::DuplicateThreadStart(thread_id.clone())),
            _ => None,
        }),
        MutationKind::DropTurnStart => drop_turn_start(events),
        MutationKind::DuplicateTurnStart => duplicate(events, |p| match p {
            RawPayload::CodexTurnStarted { codex_turn_id, .. } => {
                Some(ErrorKind::DuplicateTurnStart(codex_turn_id.clone()))
            }
            _ => None,
        }),
        MutationKind::DuplicateInferenceStart => duplicate(events, |p| match p {
            RawPayload::InferenceStarted { inference_call_id, .. } => {
                Some(ErrorKind::DuplicateInferenceStart(inference_call_id.clone()))
            }
            _ => None,
        }),
        MutationKind::DuplicateToolStart => duplicate(events, |p| match p {
            RawPayload::ToolCallStarted { tool_call_id, .. } => {
                Some(ErrorKind::DuplicateToolCallStart(tool_call_id.clone()))
            }
            _ => None,
        }),
        MutationKind::ReuseCallIdWithOtherContent => reuse_call_id(emitted),
        MutationKind::NewerRevisionEvent => newer_revision_event(emitted),
        MutationKind::DuplicateCodeCellStart => duplicate(events, |p| match p {
            RawPayload::CodeCellStarted { model_visible_call_id, .. } => {
                Some(ErrorKind::DuplicateCodeCellStart(format_compact!("code_cell:{model_visible_call_id}")))
            }
            _ => None,
        }),
        MutationKind::RemapRuntimeCell => remap_runtime_cell(events),
        MutationKind::DuplicateCompactionRequest
        | MutationKind::CompactionRequestUnknownThread
        | MutationKind::CompactionRequestWrongThread
        | MutationKind::CompactionIdMismatch
        | MutationKind::DuplicateCompactionInstall
        | MutationKind::CompactionInstallUnknownThread
        | MutationKind::CompactionInstallUnknownTurn
        | MutationKind::CompactionInstallWrongThread
        | MutationKind::CheckpointWithoutArray
        | MutationKind::CellEventWithoutThread
        | MutationKind::CellEventUnknownTurn
        | MutationKind::CellEventUnknownRuntimeCell
        | MutationKind::DuplicateQueuedCodeCellStart
        | MutationKind::CodeCellStartWrongThread
        | MutationKind::ToolStartUnknownThread
        | MutationKind::ToolStartWrongThread
        | MutationKind::ToolStartUnknownTurn
        | MutationKind::ToolStartWithoutContext
        | MutationKind::NestedToolUnknownRuntimeCell
        | MutationKind::DuplicateModelVisibleCall
        | MutationKind::DuplicateMcpCorrelation
        | MutationKind::SecondTerminalOperation
        | MutationKind::TerminalRuntimeStartParse
        | MutationKind::ExecResponseParse
        | MutationKind::ProcessIdChanged
        | MutationKind::ThreadMetadataParse
        | MutationKind::InferenceWrongThread
        | MutationKind::ResponseCreatedUnknownCall
        | MutationKind::FirstDeltaUnknownCall
        | MutationKind::BadServerTime => super::lifecycle::target(emitted, kind),
        MutationKind::RequestNonArrayInput
        | MutationKind::ResponseWithoutOutputItems
        | MutationKind::BrokenReasoningItem
        | MutationKind::EmptyAgentMessage
        | MutationKind::SummaryCutInsideCharacter
        | MutationKind::TerminalInvocationParse
        | MutationKind::TerminalSessionWrongThread
        | MutationKind::UnparseableLine => super::shapes::target(emitted, kind),
        MutationKind::ConflictingAgentResult | MutationKind::AgentResultToSecondCopy => {
            super::agents::target(emitted, kind)
        }
        MutationKind::InvalidAgentPath
        | MutationKind::EmptyReasoningEffort
        | MutationKind::ActivityKindMismatch
        | MutationKind::EmptySessionId
        | MutationKind::FailedCompactionIdMismatch => super::collab::target(emitted, kind),
        MutationKind::MissingPayloadFile => {
            let (index, request) = first_request(events)?;
            let path = (0..)
                .map(|n| format!("payloads/missing-{n}.json"))
                .find(|path| !emitted.payloads.contains_key(path))
                .expect("some name is free");
            let mut event = events[index].clone();
            if let RawPayload::InferenceStarted { request_payload, .. } = &mut event.payload {
                request_payload.path = path.into();
            }
            Some(Target {
                edit: Edit::Replace(index, Box::new(event)),
                payload: None,
                error: ErrorKind::PayloadOpen(request.raw_payload_id.clone()),
                fails_at: index,
            })
        }
        MutationKind::BrokenPayloadJson => {
            let first_response = events.iter().enumerate().find_map(|(i, e)| match &e.payload {
                RawPayload::InferenceCompleted { response_payload, .. } => Some((i, response_payload)),
                _ => None,
            });
            let (index, payload) = first_response.or_else(|| first_request(events))?;
            let mut bytes = emitted.payloads.get(payload.path.as_str())?.clone();
            // A strict prefix of a JSON object lacks its closing brace: never valid JSON.
            bytes.truncate(bytes.len() / 2);
            Some(Target {
                edit: Edit::None,
                payload: Some((payload.path.clone(), bytes)),
                error: ErrorKind::PayloadParse(payload.raw_payload_id.clone()),
                fails_at: index,
            })
        }
        MutationKind::UnknownPreviousResponse => {
            let response = "resp-mutated-unknown";
            events.iter().enumerate().find_map(|(index, event)| {
                let RawPayload::InferenceStarted {
                    inference_call_id, request_payload, request_input_mode: None, ..
                } = &event.payload
                else {
                    return None;
                };
                let mut value = payload_value(emitted, request_payload)?;
                let previous = value.get_mut("previous_response_id").filter(|v| v.is_string())?;
                *previous = Value::String(response.to_owned());
                Some(Target {
                    edit: Edit::None,
                    payload: Some((request_payload.path.clone(), to_bytes(&value))),
                    error: ErrorKind::UnknownPreviousResponse {
                        call: inference_call_id.clone(),
                        response: response.into(),
                    },
                    fails_at: index,
                })
            })
        }
        MutationKind::RequestWithoutInput => {
            let (index, request) = first_request(events)?;
            let mut value = payload_value(emitted, request)?;
            value.as_object_mut()?.remove("input")?;
            Some(Target {
                edit: Edit::None,
                payload: Some((request.path.clone(), to_bytes(&value))),
                error: ErrorKind::RequestMissingInput(request.raw_payload_id.clone()),
                fails_at: index,
            })
        }
        MutationKind::OtherEvent => {
            let index = events.len() / 2;
            let other = PlannedEvent {
                thread_id: None,
                codex_turn_id: None,
                payload: RawPayload::Other {
                    kind: "mutation".into(),
                    summary: "an event kind the reducer does not implement".into(),
                    payloads: Vec::new(),
                    metadata: Value::Null,
                },
                tag: Tag::Plain,
            };
            Some(Target {
                edit: Edit::Insert(index, Box::new(other)),
                payload: None,
                error: ErrorKind::OtherEvent,
                fails_at: index,
            })
        }
        MutationKind::TurnEndWrongThread => turn_end_wrong_thread(events),
        MutationKind::TurnEndUnknownTurn => {
            let turn = "turn-mutated-unknown";
            rename_first(
                events,
                ErrorKind::TurnEndUnknownTurn(turn.into()),
                |payload| match payload {
                    RawPayload::CodexTurnEnded { codex_turn_id, .. } => Some(codex_turn_id),
                    _ => None,
                },
                turn,
            )
        }
        MutationKind::CompletionUnknownCall => {
            let call = "inference-mutated-unknown";
            rename_first(
                events,
                ErrorKind::CompletionUnknownCall(call.into()),
                |payload| match payload {
                    RawPayload::InferenceCompleted { inference_call_id, .. }
                    | RawPayload::InferenceFailed { inference_call_id, .. }
                    | RawPayload::InferenceCancelled { inference_call_id, .. } => Some(inference_call_id),
                    _ => None,
                },
                call,
            )
        }
        MutationKind::ToolEndUnknownCall => {
            let tool = "tool-mutated-unknown";
            rename_first(
                events,
                ErrorKind::ToolEndUnknownCall(tool.into()),
                |payload| match payload {
                    RawPayload::ToolCallEnded { tool_call_id, .. } => Some(tool_call_id),
                    _ => None,
                },
                tool,
            )
        }
        MutationKind::UnknownModelItemType => {
            let item_type = CompactString::from("mutated_unknown_item");
            let (index, request) = first_request(events)?;
            let mut value = payload_value(emitted, request)?;
            value.get_mut("input")?.as_array_mut()?.push(json!({"type": item_type, "text": "?"}));
            Some(Target {
                edit: Edit::None,
                payload: Some((request.path.clone(), to_bytes(&value))),
                error: ErrorKind::UnsupportedItemType { item_type, payload: request.raw_payload_id.clone() },
                fails_at: index,
            })
        }
    }
}

/// The first event `error_of` accepts, repeated right after itself; the copy fails.
/// The first event whose id `field` picks out gets `new_id`, an id nothing else knows; that
/// event must fail with `error`.
pub(super) fn rename_first(
    events: &[PlannedEvent],
    error: ErrorKind,
    field: impl Fn(&mut RawPayload) -> Option<&mut CompactString>,
    new_id: &str,
) -> Option<Target> {
    let (index, mut event) = events.iter().enumerate().find_map(|(index, event)| {
        let mut event = event.clone();
        field(&mut event.payload).is_some().then_some((index, event))
    })?;
    *field(&mut event.payload)? = new_id.into();
    Some(Target { edit: Edit::Replace(index, Box::new(event)), payload: None, error, fails_at: index })
}

pub(super) fn duplicate(
    events: &[PlannedEvent],
    error_of: impl Fn(&RawPayload) -> Option<ErrorKind>,
) -> Option<Target> {
    events.iter().enumerate().find_map(|(index, event)| {
        let error = error_of(&event.payload)?;
        Some(Target {
            edit: Edit::Insert(index + 1, Box::new(event.clone())),
            payload: None,
            error,
            fails_at: index + 1,
        })
    })
}

/// A second start of the first cell's runtime id under another call id; the envelope names the thread.
fn remap_runtime_cell(events: &[PlannedEvent]) -> Option<Target> {
    let (index, event, runtime_cell, call) =
        events.iter().enumerate().find_map(|(index, event)| match &event.payload {
            RawPayload::CodeCellStarted { runtime_cell_id, model_visible_call_id, .. } => {
                Some((index, event, runtime_cell_id, model_visible_call_id))
            }
            _ => None,
        })?;
    let thread = event.thread_id.clone()?;
    let second = "call-mutated-remap";
    let mut remapped = event.clone();
    if let RawPayload::CodeCellStarted { model_visible_call_id, .. } = &mut remapped.payload {
        *model_visible_call_id = second.into();
    }
    remapped.tag = Tag::Plain;
    let error = ErrorKind::RuntimeCellRemapped {
        runtime_cell: runtime_cell.clone(),
        thread,
        first: format_compact!("code_cell:{call}"),
        second: format_compact!("code_cell:{second}"),
    };
    Some(Target { edit: Edit::Insert(index + 1, Box::new(remapped)), payload: None, error, fails_at: index + 1 })
}

/// Only bc8b25ea02 streams: a stream of the timing revision has timing facts for its calls.
fn newer_revision_event(emitted: &Emitted) -> Option<Target> {
    if !emitted.facts.timing.is_empty() {
        return None;
    }
    let (index, event) =
        emitted.events.iter().enumerate().find(|(_, e)| matches!(e.payload, RawPayload::InferenceStarted { .. }))?;
    let RawPayload::InferenceStarted { inference_call_id, .. } = &event.payload else { return None };
    let delta = PlannedEvent {
        payload: RawPayload::InferenceFirstDelta { inference_call_id: inference_call_id.clone() },
        tag: Tag::Plain,
        ..event.clone()
    };
    let fails_at = index + 1;
    // Lines count from 1.
    Some(Target {
        edit: Edit::Insert(fails_at, Box::new(delta)),
        payload: None,
        error: ErrorKind::TraceLineParse(fails_at + 1),
        fails_at,
    })
}

/// The first `inference_started` and its request payload.
pub(super) fn first_request(events: &[PlannedEvent]) -> Option<(usize, &RawPayloadRef)> {
    events.iter().enumerate().find_map(|(index, event)| match &event.payload {
        RawPayload::InferenceStarted { request_payload, .. } => Some((index, request_payload)),
        _ => None,
    })
}

pub(super) fn payload_value(emitted: &Emitted, payload: &RawPayloadRef) -> Option<Value> {
    serde_json::from_slice(emitted.payloads.get(payload.path.as_str())?).ok()
}

pub(super) fn to_bytes(value: &Value) -> Vec<u8> {
    serde_json::to_vec_pretty(value).expect("JSON serializes")
}

/// Whether an event names `thread` anywhere: envelope, payload fields, or referenced files.
/// Conservative: any mention counts, even one the reducer would not look up.
fn mentions(emitted: &Emitted, event: &PlannedEvent, thread: &str) -> bool {
    let needle = thread.as_bytes();
    let contains = |haystack: &[u8]| haystack.windows(needle.len()).any(|window| window == needle);
    event.thread_id.as_deref() == Some(thread)
        || contains(&serde_json::to_vec(&event.payload).expect("payload serializes"))
        || event
            .payload
            .payload_refs()
            .iter()
            .any(|r| emitted.payloads.get(r.path.as_str()).is_some_and(|b| contains(b)))
}

fn drop_thread_start(emitted: &Emitted) -> Option<Target> {
    let events = &emitted.events;
    events.iter().enumerate().find_map(|(index, event)| {
        let RawPayload::ThreadStarted { thread_id, .. } = &event.payload else { return None };
        let next = (index + 1..events.len()).find(|&j| mentions(emitted, &events[j], thread_id))?;
        match &events[next].payload {
            RawPayload::CodexTurnStarted { thread_id: t, .. } | RawPayload::ThreadEnded { thread_id: t, .. }
                if t == thread_id =>
            {
                Some(Target {
                    edit: Edit::Remove(index),
                    payload: None,
                    error: ErrorKind::UnknownThread(thread_id.clone()),
                    fails_at: next - 1,
                })
            }
            _ => None,
        }
    })
}

/// The first turn start whose next event is the turn's first step.
fn drop_turn_start(events: &[PlannedEvent]) -> Option<Target> {
    events.iter().enumerate().find_map(|(index, event)| {
        let RawPayload::CodexTurnStarted { codex_turn_id: turn, .. } = &event.payload else { return None };
        let error = match &events.get(index + 1)?.payload {
            RawPayload::InferenceStarted { inference_call_id, codex_turn_id, .. } if codex_turn_id == turn => {
                ErrorKind::InferenceUnknownTurn { call: inference_call_id.clone(), turn: turn.clone() }
            }
            RawPayload::CompactionRequestStarted { compaction_request_id, codex_turn_id, .. }
                if codex_turn_id == turn =>
            {
                ErrorKind::CompactionRequestUnknownTurn { request: compaction_request_id.clone(), turn: turn.clone() }
            }
            _ => return None,
        };
        Some(Target { edit: Edit::Remove(index), payload: None, error, fails_at: index })
    })
}

/// The first response of a thread that recorded a `function_call` in an earlier response gets
/// one more `function_call` with that call id and other arguments.
fn reuse_call_id(emitted: &Emitted) -> Option<Target> {
    let mut thread_of_inference: HashMap<&str, &str> = HashMap::new();
    // Per thread, the first function call id an earlier response recorded.
    let mut first_call: HashMap<&str, CompactString> = HashMap::new();
    for (index, event) in emitted.events.iter().enumerate() {
        let (inference, response) = match &event.payload {
            RawPayload::InferenceStarted { inference_call_id, thread_id, .. } => {
                thread_of_inference.insert(inference_call_id, thread_id);
                continue;
            }
            RawPayload::InferenceCompleted { inference_call_id, response_payload, .. } => {
                (inference_call_id, response_payload)
            }
            RawPayload::InferenceFailed { inference_call_id, partial_response_payload: Some(partial), .. }
            | RawPayload::InferenceCancelled { inference_call_id, partial_response_payload: Some(partial), .. } => {
                (inference_call_id, partial)
            }
            _ => continue,
        };
        let Some(&thread) = thread_of_inference.get(inference.as_str()) else { continue };
        let Some(mut value) = payload_value(emitted, response) else { continue };
        let Some(items) = value.get_mut("output_items").and_then(Value::as_array_mut) else { continue };
        if let Some(call_id) = first_call.get(thread) {
            let arguments = json!({"mutated": true, "reused_call_id": call_id}).to_string();
            items.push(
                json!({"type": "function_call", "name": "exec_command", "arguments": arguments, "call_id": call_id}),
            );
            return Some(Target {
                edit: Edit::None,
                payload: Some((response.path.clone(), to_bytes(&value))),
                error: ErrorKind::CallIdReused(call_id.clone()),
                fails_at: index,
            });
        }
        let call = items.iter().find_map(|item| {
            (item.get("type").and_then(Value::as_str) == Some("function_call"))
                .then(|| item.get("call_id").and_then(Value::as_str))
                .flatten()
        });
        if let Some(call_id) = call {
            first_call.insert(thread, call_id.into());
        }
    }
    None
}

/// The first turn end after a second thread started names that other thread in its envelope.
fn turn_end_wrong_thread(events: &[PlannedEvent]) -> Option<Target> {
    let mut threads: Vec<&str> = Vec::new();
    let mut owner_of_turn: HashMap<&str, &str> = HashMap::new();
    for (index, event) in events.iter().enumerate() {
        match &event.payload {
            RawPayload::ThreadStarted { thread_id, .. } => threads.push(thread_id),
            RawPayload::CodexTurnStarted { codex_turn_id, thread_id } => {
                owner_of_turn.insert(codex_turn_id, thread_id);
            }
            RawPayload::CodexTurnEnded { codex_turn_id, .. } => {
                let Some(&owner) = owner_of_turn.get(codex_turn_id.as_str()) else { continue };
                let Some(&other) = threads.iter().find(|&&t| t != owner) else { continue };
                let mut mutated = event.clone();
                mutated.thread_id = Some(other.into());
                return Some(Target {
                    edit: Edit::Replace(index, Box::new(mutated)),
                    payload: None,
                    error: ErrorKind::TurnEndWrongThread {
                        turn: codex_turn_id.clone(),
                        thread: other.into(),
                        owner: owner.into(),
                    },
                    fails_at: index,
                });
            }
            _ => {}
        }
    }
    None
}
