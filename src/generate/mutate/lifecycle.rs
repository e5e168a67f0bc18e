//! Mutations of the lifecycle events of compactions, code cells, tools, threads and inference
//! calls: an id, an envelope or a payload made wrong at the first event that can carry it.

use std::collections::HashMap;

use compact_str::{format_compact, CompactString};
use serde_json::{json, Value};

use super::targets::{duplicate, payload_value, rename_first, to_bytes};
use super::{Edit, MutationKind, Target};
use crate::bundle::{RawPayload, RawToolCallRequester, ServerTime, ToolCallKind};
use crate::error::ErrorKind;
use crate::generate::emit::{Emitted, PlannedEvent, Tag};

/// An id no generated stream uses.
const UNKNOWN_THREAD: &str = "thread-mutated-unknown";
const UNKNOWN_TURN: &str = "turn-mutated-unknown";

pub(super) fn target(emitted: &Emitted, kind: MutationKind) -> Option<Target> {
    let events = &emitted.events;
    match kind {
        MutationKind::DuplicateCompactionRequest => duplicate(events, |p| match p {
            RawPayload::CompactionRequestStarted { compaction_request_id, .. } => {
                Some(ErrorKind::DuplicateCompactionRequest(compaction_request_id.clone()))
            }
            _ => None,
        }),
        MutationKind::CompactionRequestUnknownThread => rename_first(
            events,
            ErrorKind::UnknownThread(UNKNOWN_THREAD.into()),
            |p| match p {
                RawPayload::CompactionRequestStarted { thread_id, .. } => Some(thread_id),
                _ => None,
            },
            UNKNOWN_THREAD,
        ),
        MutationKind::CompactionRequestWrongThread => first_edit(events, |index, event| {
            let RawPayload::CompactionRequestStarted { compaction_request_id, thread_id, codex_turn_id, .. } =
                &event.payload
            else {
                return None;
            };
            let other = other_thread(events, index, thread_id)?;
            let error = ErrorKind::CompactionRequestWrongThread {
                request: compaction_request_id.clone(),
                thread: other.clone(),
                turn: codex_turn_id.clone(),
                owner: thread_id.clone(),
            };
            let mut mutated = event.clone();
            if let RawPayload::CompactionRequestStarted { thread_id, .. } = &mut mutated.payload {
                *thread_id = other;
            }
            Some((mutated, error))
        }),
        MutationKind::CompactionIdMismatch => first_edit(events, |_, event| {
            let mut mutated = event.clone();
            let (RawPayload::CompactionRequestCompleted { compaction_id, compaction_request_id, .. }
            | RawPayload::CompactionRequestFailed { compaction_id, compaction_request_id, .. }) = &mut mutated.payload
            else {
                return None;
            };
            let completion = CompactString::from("compaction-mutated-other");
            let error = ErrorKind::CompactionIdMismatch {
                request: compaction_request_id.clone(),
                completion: completion.clone(),
                start: std::mem::replace(compaction_id, completion),
            };
            Some((mutated, error))
        }),
        MutationKind::DuplicateCompactionInstall => duplicate(events, |p| match p {
            RawPayload::CompactionInstalled { compaction_id, .. } => {
                Some(ErrorKind::DuplicateCompactionInstall(compaction_id.clone()))
            }
            _ => None,
        }),
        MutationKind::CompactionInstallUnknownThread => first_install(events, |_, _, mutated, _| {
            mutated.thread_id = Some(UNKNOWN_THREAD.into());
            Some(ErrorKind::UnknownThread(UNKNOWN_THREAD.into()))
        }),
        MutationKind::CompactionInstallUnknownTurn => first_install(events, |_, compaction, mutated, _| {
            mutated.codex_turn_id = Some(UNKNOWN_TURN.into());
            Some(ErrorKind::CompactionInstallUnknownTurn { compaction, turn: UNKNOWN_TURN.into() })
        }),
        MutationKind::CompactionInstallWrongThread => first_install(events, |index, compaction, mutated, owner| {
            let other = other_thread(events, index, &owner)?;
            mutated.thread_id = Some(other.clone());
            let turn = mutated.codex_turn_id.clone()?;
            Some(ErrorKind::CompactionInstallWrongThread { compaction, thread: other, turn, owner })
        }),
        MutationKind::CheckpointWithoutArray => events.iter().enumerate().find_map(|(index, event)| {
            let RawPayload::CompactionInstalled { checkpoint_payload, .. } = &event.payload else { return None };
            let mut value = payload_value(emitted, checkpoint_payload)?;
            *value.get_mut("replacement_history")? = Value::String("not an array".to_owned());
            Some(Target {
                edit: Edit::None,
                payload: Some((checkpoint_payload.path.clone(), to_bytes(&value))),
                error: ErrorKind::CheckpointWithoutArray {
                    payload: checkpoint_payload.raw_payload_id.clone(),
                    key: "replacement_history",
                },
                fails_at: index,
            })
        }),
        MutationKind::CellEventWithoutThread => first_edit(events, |_, event| {
            let (name, runtime_cell) = cell_event(&event.payload)?;
            let mutated = PlannedEvent { thread_id: None, codex_turn_id: None, tag: Tag::Plain, ..event.clone() };
            Some((mutated, ErrorKind::CodeCellWithoutThread { event: name, runtime_cell }))
        }),
        MutationKind::CellEventUnknownTurn => first_edit(events, |_, event| {
            let (name, runtime_cell) = cell_event(&event.payload)?;
            let mutated = PlannedEvent {
                thread_id: None,
                codex_turn_id: Some(UNKNOWN_TURN.into()),
                tag: Tag::Plain,
                ..event.clone()
            };
            let error = ErrorKind::CodeCellUnknownEnvelopeTurn { event: name, runtime_cell, turn: UNKNOWN_TURN.into() };
            Some((mutated, error))
        }),
        MutationKind::CellEventUnknownRuntimeCell => first_edit(events, |_, event| {
            let (name, _) = cell_event(&event.payload)?;
            let thread = event.thread_id.clone()?;
            let mut mutated = PlannedEvent { tag: Tag::Plain, ..event.clone() };
            let runtime_cell = CompactString::from("cell-mutated-unknown");
            match &mut mutated.payload {
                RawPayload::CodeCellInitialResponse { runtime_cell_id, .. }
                | RawPayload::CodeCellEnded { runtime_cell_id, .. } => *runtime_cell_id = runtime_cell.clone(),
                _ => return None,
            }
            Some((mutated, ErrorKind::UnknownRuntimeCell { event: name, runtime_cell, thread }))
        }),
        MutationKind::DuplicateQueuedCodeCellStart => events.iter().enumerate().find_map(|(index, event)| {
            let Tag::CellStart(cell) = &event.tag else { return None };
            let response =
                events.iter().position(|e| matches!(&e.tag, Tag::ExecResponse(cells) if cells.contains(cell)))?;
            (response < index).then_some(())?;
            let copy = PlannedEvent { tag: Tag::Plain, ..event.clone() };
            Some(Target {
                edit: Edit::InsertTwice(response, Box::new(copy)),
                payload: None,
                error: ErrorKind::DuplicateCodeCellStart(cell.clone()),
                fails_at: response + 1,
            })
        }),
        MutationKind::CodeCellStartWrongThread => code_cell_start_wrong_thread(events),
        MutationKind::ToolStartUnknownThread => first_tool_start(events, |_, mutated| {
            mutated.thread_id = Some(UNKNOWN_THREAD.into());
            Some(ErrorKind::ToolStartUnknownThread(UNKNOWN_THREAD.into()))
        }),
        MutationKind::ToolStartWrongThread => first_tool_start(events, |index, mutated| {
            let owner = mutated.thread_id.clone()?;
            let turn = mutated.codex_turn_id.clone()?;
            let other = other_thread(events, index, &owner)?;
            mutated.thread_id = Some(other.clone());
            Some(ErrorKind::ToolStartWrongThread { thread: other, turn, owner })
        }),
        MutationKind::ToolStartUnknownTurn => first_tool_start(events, |_, mutated| {
            mutated.thread_id = None;
            mutated.codex_turn_id = Some(UNKNOWN_TURN.into());
            Some(ErrorKind::ToolStartUnknownTurn(UNKNOWN_TURN.into()))
        }),
        MutationKind::ToolStartWithoutContext => first_tool_start(events, |_, mutated| {
            mutated.thread_id = None;
            mutated.codex_turn_id = None;
            Some(ErrorKind::ToolStartWithoutContext)
        }),
        MutationKind::NestedToolUnknownRuntimeCell => first_edit(events, |_, event| {
            let mut mutated = PlannedEvent { tag: Tag::Plain, ..event.clone() };
            let thread = event.thread_id.clone()?;
            let RawPayload::ToolCallStarted { requester: RawToolCallRequester::CodeCell { runtime_cell_id }, .. } =
                &mut mutated.payload
            else {
                return None;
            };
            let runtime_cell = CompactString::from("cell-mutated-unknown");
            *runtime_cell_id = runtime_cell.clone();
            Some((mutated, ErrorKind::NestedToolUnknownRuntimeCell { runtime_cell, thread }))
        }),
        MutationKind::DuplicateModelVisibleCall => events.iter().enumerate().find_map(|(index, event)| {
            let mut copy = PlannedEvent { tag: Tag::Plain, ..event.clone() };
            let RawPayload::ToolCallStarted { tool_call_id, model_visible_call_id: Some(call), .. } = &mut copy.payload
            else {
                return None;
            };
            *tool_call_id = "tool-mutated-second".into();
            let error = ErrorKind::DuplicateModelVisibleCall(call.clone());
            Some(Target { edit: Edit::Insert(index + 1, Box::new(copy)), payload: None, error, fails_at: index + 1 })
        }),
        MutationKind::DuplicateMcpCorrelation => duplicate(events, |p| match p {
            RawPayload::McpToolCallCorrelationAssigned { tool_call_id, .. } => {
                Some(ErrorKind::DuplicateMcpCorrelation(tool_call_id.clone()))
            }
            _ => None,
        }),
        MutationKind::SecondTerminalOperation => {
            let execs = exec_tools(events);
            duplicate(events, |p| match p {
                RawPayload::ToolCallRuntimeStarted { tool_call_id, .. }
                    if execs.contains_key(tool_call_id.as_str()) =>
                {
                    Some(ErrorKind::SecondTerminalOperation(tool_call_id.clone()))
                }
                _ => None,
            })
        }
        MutationKind::TerminalRuntimeStartParse | MutationKind::ExecResponseParse => {
            let execs = exec_tools(events);
            let start = kind == MutationKind::TerminalRuntimeStartParse;
            events.iter().enumerate().find_map(|(index, event)| {
                let payload = match &event.payload {
                    RawPayload::ToolCallRuntimeStarted { tool_call_id, runtime_payload } if start => {
                        execs.contains_key(tool_call_id.as_str()).then_some(runtime_payload)?
                    }
                    RawPayload::ToolCallRuntimeEnded { tool_call_id, runtime_payload, .. } if !start => {
                        execs.contains_key(tool_call_id.as_str()).then_some(runtime_payload)?
                    }
                    _ => return None,
                };
                let id = payload.raw_payload_id.clone();
                Some(Target {
                    edit: Edit::None,
                    payload: Some((payload.path.clone(), to_bytes(&json!({"mutated": "not an exec event"})))),
                    error: if start {
                        ErrorKind::TerminalRuntimeStartParse(id)
                    } else {
                        ErrorKind::ExecResponseParse(id)
                    },
                    fails_at: index,
                })
            })
        }
        MutationKind::ProcessIdChanged => process_id_changed(emitted),
        MutationKind::ThreadMetadataParse => events.iter().enumerate().find_map(|(index, event)| {
            let RawPayload::ThreadStarted { metadata_payload: Some(metadata), .. } = &event.payload else {
                return None;
            };
            Some(Target {
                edit: Edit::None,
                payload: Some((metadata.path.clone(), to_bytes(&json!("not session metadata")))),
                error: ErrorKind::ThreadMetadataParse(metadata.raw_payload_id.clone()),
                fails_at: index,
            })
        }),
        MutationKind::InferenceWrongThread => first_edit(events, |index, event| {
            let mut mutated = event.clone();
            let RawPayload::InferenceStarted { inference_call_id, thread_id, codex_turn_id, .. } = &mut mutated.payload
            else {
                return None;
            };
            let other = other_thread(events, index, thread_id)?;
            let error = ErrorKind::InferenceWrongThread {
                call: inference_call_id.clone(),
                thread: other.clone(),
                turn: codex_turn_id.clone(),
                owner: std::mem::replace(thread_id, other),
            };
            Some((mutated, error))
        }),
        MutationKind::ResponseCreatedUnknownCall => rename_first(
            events,
            ErrorKind::ResponseCreatedUnknownCall("inference-mutated-unknown".into()),
            |p| match p {
                RawPayload::InferenceResponseCreated { inference_call_id, .. } => Some(inference_call_id),
                _ => None,
            },
            "inference-mutated-unknown",
        ),
        MutationKind::FirstDeltaUnknownCall => rename_first(
            events,
            ErrorKind::FirstDeltaUnknownCall("inference-mutated-unknown".into()),
            |p| match p {
                RawPayload::InferenceFirstDelta { inference_call_id } => Some(inference_call_id),
                _ => None,
            },
            "inference-mutated-unknown",
        ),
        MutationKind::BadServerTime => {
            // Only the timing revision reads the server times.
            if emitted.facts.timing.is_empty() {
                return None;
            }
            first_edit(events, |index, event| {
                let mut mutated = event.clone();
                let RawPayload::InferenceCompleted { server_created_at_unix_ms, .. } = &mut mutated.payload else {
                    return None;
                };
                *server_created_at_unix_ms =
                    Some(ServerTime::Invalid("invalid type: string \"soon\", expected i64".to_owned()));
                // Lines count from 1.
                Some((mutated, ErrorKind::TraceLineParse(index + 1)))
            })
        }
        _ => None,
    }
}

/// The first event `edit` rewrites, with the error that event must fail with.
fn first_edit(
    events: &[PlannedEvent],
    edit: impl Fn(usize, &PlannedEvent) -> Option<(PlannedEvent, ErrorKind)>,
) -> Option<Target> {
    events.iter().enumerate().find_map(|(index, event)| {
        let (mutated, error) = edit(index, event)?;
        Some(Target { edit: Edit::Replace(index, Box::new(mutated)), payload: None, error, fails_at: index })
    })
}

/// The first `compaction_installed`, its envelope changed by `edit` (given the compaction id and
/// the envelope thread that owns its turn).
fn first_install(
    events: &[PlannedEvent],
    edit: impl Fn(usize, CompactString, &mut PlannedEvent, CompactString) -> Option<ErrorKind>,
) -> Option<Target> {
    first_edit(events, |index, event| {
        let RawPayload::CompactionInstalled { compaction_id, .. } = &event.payload else { return None };
        let owner = event.thread_id.clone()?;
        event.codex_turn_id.as_ref()?;
        let mut mutated = event.clone();
        let error = edit(index, compaction_id.clone(), &mut mutated, owner)?;
        Some((mutated, error))
    })
}

/// The first `tool_call_started`, its envelope changed by `edit`.
fn first_tool_start(
    events: &[PlannedEvent],
    edit: impl Fn(usize, &mut PlannedEvent) -> Option<ErrorKind>,
) -> Option<Target> {
    first_edit(events, |index, event| {
        if !matches!(event.payload, RawPayload::ToolCallStarted { .. }) {
            return None;
        }
        let mut mutated = PlannedEvent { tag: Tag::Plain, ..event.clone() };
        let error = edit(index, &mut mutated)?;
        Some((mutated, error))
    })
}

/// A thread started before `index` other than `thread`.
fn other_thread(events: &[PlannedEvent], index: usize, thread: &str) -> Option<CompactString> {
    events[..index].iter().find_map(|event| match &event.payload {
        RawPayload::ThreadStarted { thread_id, .. } if thread_id != thread => Some(thread_id.clone()),
        _ => None,
    })
}

/// A code-cell event's name (as the reducer's errors word it) and runtime cell id.
fn cell_event(payload: &RawPayload) -> Option<(&'static str, CompactString)> {
    match payload {
        RawPayload::CodeCellStarted { runtime_cell_id, .. } => Some(("code cell start", runtime_cell_id.clone())),
        RawPayload::CodeCellInitialResponse { runtime_cell_id, .. } => {
            Some(("code cell initial response", runtime_cell_id.clone()))
        }
        RawPayload::CodeCellEnded { runtime_cell_id, .. } => Some(("code cell end", runtime_cell_id.clone())),
        _ => None,
    }
}

/// A code-cell start of a child thread, written after its `exec` item exists (so it materializes
/// at once), moved to a turn of another thread: that turn's owner is not the envelope thread.
fn code_cell_start_wrong_thread(events: &[PlannedEvent]) -> Option<Target> {
    first_edit(events, |index, event| {
        let Tag::CellStart(cell) = &event.tag else { return None };
        let thread = event.thread_id.as_deref()?;
        let answered =
            events[..index].iter().any(|e| matches!(&e.tag, Tag::ExecResponse(cells) if cells.contains(cell)));
        if !answered {
            return None;
        }
        let (turn, owner) = events[..index].iter().find_map(|e| match &e.payload {
            RawPayload::CodexTurnStarted { codex_turn_id, thread_id } if thread_id != thread => {
                Some((codex_turn_id.clone(), thread_id.clone()))
            }
            _ => None,
        })?;
        let mutated = PlannedEvent { codex_turn_id: Some(turn.clone()), tag: Tag::Plain, ..event.clone() };
        Some((mutated, ErrorKind::CodeCellStartWrongThread { thread: thread.into(), turn, owner }))
    })
}

/// exec_command tools by id.
fn exec_tools(events: &[PlannedEvent]) -> HashMap<&str, usize> {
    events
        .iter()
        .enumerate()
        .filter_map(|(index, event)| match &event.payload {
            RawPayload::ToolCallStarted { tool_call_id, kind: ToolCallKind::ExecCommand, .. } => {
                Some((tool_call_id.as_str(), index))
            }
            _ => None,
        })
        .collect()
}

/// The first exec_command whose runtime start names its process: its runtime end names another.
/// The operation id counts the operations opened before it (write_stdin starts, exec runtime
/// starts), from 1.
fn process_id_changed(emitted: &Emitted) -> Option<Target> {
    let events = &emitted.events;
    let execs = exec_tools(events);
    // A write_stdin without an invocation payload opens its operation at its runtime start.
    let stdin_from_runtime: Vec<&str> = events
        .iter()
        .filter_map(|event| match &event.payload {
            RawPayload::ToolCallStarted {
                tool_call_id,
                kind: ToolCallKind::WriteStdin,
                invocation_payload: None,
                ..
            } => Some(tool_call_id.as_str()),
            _ => None,
        })
        .collect();
    let mut operations = 0;
    let mut operation_of: HashMap<&str, (u64, CompactString)> = HashMap::new();
    for (index, event) in events.iter().enumerate() {
        match &event.payload {
            RawPayload::ToolCallStarted { kind: ToolCallKind::WriteStdin, invocation_payload: Some(_), .. } => {
                operations += 1;
            }
            RawPayload::ToolCallRuntimeStarted { tool_call_id, runtime_payload } => {
                if stdin_from_runtime.contains(&tool_call_id.as_str()) {
                    operations += 1;
                    continue;
                }
                if !execs.contains_key(tool_call_id.as_str()) {
                    continue;
                }
                operations += 1;
                let begin = payload_value(emitted, runtime_payload)?;
                if let Some(process) = begin.get("process_id").and_then(Value::as_str) {
                    operation_of.insert(tool_call_id, (operations, process.into()));
                }
            }
            RawPayload::ToolCallRuntimeEnded { tool_call_id, runtime_payload, .. } => {
                let Some((operation, from)) = operation_of.get(tool_call_id.as_str()) else { continue };
                let mut end = payload_value(emitted, runtime_payload)?;
                let to = format!("{from}-mutated");
                *end.as_object_mut()?.entry("process_id").or_insert(Value::Null) = Value::String(to.clone());
                return Some(Target {
                    edit: Edit::None,
                    payload: Some((runtime_payload.path.clone(), to_bytes(&end))),
                    error: ErrorKind::ProcessIdChanged {
                        operation: format_compact!("terminal_operation:{operation}"),
                        from: from.clone(),
                        to: to.into(),
                    },
                    fails_at: index,
                });
            }
            _ => {}
        }
    }
    None
}
