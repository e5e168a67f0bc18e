//! Invalid streams: one mutation of a valid stream, with the upstream error it must produce.
//!
//! Every mutation edits the causal order of an [`Emitted`] scenario (one event dropped, inserted
//! or rewritten, or one payload file rewritten) at a target chosen deterministically: the first
//! suitable event. Everything before the target is the valid stream unchanged, so the target is
//! the first event that can fail, and the expected message is built from the [`ErrorKind`]
//! variant the reducer must raise there (its `Display` is upstream's text; no text is retyped).

use std::collections::{BTreeMap, HashMap};

use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{json, Value};

use super::emit::{emit, Emitted, PlannedEvent, Tag};
use super::scenario::{scenario, Size};
use crate::bundle::{Bundle, Manifest, RawPayload, RawPayloadRef, RawTraceEvent};
use crate::error::ErrorKind;

/// One way to make a valid stream invalid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MutationKind {
    /// Drop a `thread_started` (the first one whose next mention is a `codex_turn_started` or
    /// `thread_ended` of that thread): that event fails with `trace event referenced unknown
    /// thread <t>`.
    DropThreadStart,
    /// Repeat the first `thread_started` right after itself: `duplicate thread start for <t>`.
    DuplicateThreadStart,
    /// Drop the first `codex_turn_started`; the turn's first step, right after it, fails:
    /// `inference start <id> referenced unknown codex turn <turn>` or `compaction request <id>
    /// referenced unknown codex turn <turn>`.
    DropTurnStart,
    /// Repeat the first `codex_turn_started` right after itself: `duplicate codex turn start for
    /// <turn>`.
    DuplicateTurnStart,
    /// Repeat the first `inference_started` right after itself: `duplicate inference start for
    /// <id>`.
    DuplicateInferenceStart,
    /// Repeat the first `tool_call_started` right after itself: `duplicate tool call start for
    /// <id>`.
    DuplicateToolStart,
    /// The first response (completed, or partial) of a thread that already recorded a
    /// `function_call` gets one more `function_call` with that call id and other arguments:
    /// `model-visible call id <c> was reused with different content`.
    ReuseCallIdWithOtherContent,
    /// The first inference request payload ref points at a path with no file: `open payload <p>`.
    MissingPayloadFile,
    /// The first inference response payload (else the first request payload) is cut in half, as
    /// a torn write leaves it: `parse payload <p>`.
    BrokenPayloadJson,
    /// The first incremental request's `previous_response_id` names no inference's response:
    /// `incremental inference request <id> referenced unknown previous_response_id <r>`.
    UnknownPreviousResponse,
    /// The first request payload loses its `input`: `inference request payload <p> did not
    /// contain input`.
    RequestWithoutInput,
    /// An `other` event inserted in the middle of the stream: `raw trace event has no reducer
    /// implementation`.
    OtherEvent,
    /// The first `codex_turn_ended` after a second thread started names that other thread in its
    /// envelope: `codex turn end for <turn> used thread <t>, but the turn belongs to <owner>`.
    /// Needs two threads.
    TurnEndWrongThread,
    /// The first `codex_turn_ended` names a turn that never started: `codex turn end referenced
    /// unknown turn <turn>`.
    TurnEndUnknownTurn,
    /// The first inference completion, failure or cancellation names an unknown call: `inference
    /// completion referenced unknown call <id>`.
    CompletionUnknownCall,
    /// The first `tool_call_ended` names an unknown tool: `tool call end referenced unknown call
    /// <id>`.
    ToolEndUnknownCall,
    /// The first request's `input` gets an item of an unknown `type`: `unsupported model item
    /// type <type> in payload <p>`.
    UnknownModelItemType,
}

impl MutationKind {
    pub const ALL: [MutationKind; 17] = [
        MutationKind::DropThreadStart,
        MutationKind::DuplicateThreadStart,
        MutationKind::DropTurnStart,
        MutationKind::DuplicateTurnStart,
        MutationKind::DuplicateInferenceStart,
        MutationKind::DuplicateToolStart,
        MutationKind::ReuseCallIdWithOtherContent,
        MutationKind::MissingPayloadFile,
        MutationKind::BrokenPayloadJson,
        MutationKind::UnknownPreviousResponse,
        MutationKind::RequestWithoutInput,
        MutationKind::OtherEvent,
        MutationKind::TurnEndWrongThread,
        MutationKind::TurnEndUnknownTurn,
        MutationKind::CompletionUnknownCall,
        MutationKind::ToolEndUnknownCall,
        MutationKind::UnknownModelItemType,
    ];
}

/// An invalid bundle and how the reducer must reject it.
#[derive(Debug, Clone)]
pub struct Mutated {
    pub kind: MutationKind,
    pub bundle: Bundle,
    /// Upstream's exact top-level message.
    pub expected_error: String,
    /// The seq of the event that must fail.
    pub seq: u64,
}

/// The kinds that apply to this scenario, in [`MutationKind::ALL`] order.
pub fn applicable(emitted: &Emitted) -> Vec<MutationKind> {
    MutationKind::ALL.into_iter().filter(|&kind| target(emitted, kind).is_some()).collect()
}

/// The scenario's causal order with one `kind` mutation, or `None` when `kind` does not apply.
pub fn apply(emitted: &Emitted, kind: MutationKind) -> Option<Mutated> {
    let Target { edit, payload, error, fails_at } = target(emitted, kind)?;
    let mut events: Vec<PlannedEvent> = emitted.causal_order().into_iter().map(|i| emitted.events[i].clone()).collect();
    match edit {
        Edit::None => {}
        Edit::Remove(index) => {
            events.remove(index);
        }
        Edit::Insert(index, event) => events.insert(index, *event),
        Edit::Replace(index, event) => events[index] = *event,
    }
    let mut payloads = emitted.payloads.clone();
    if let Some((path, bytes)) = payload {
        payloads.insert(path, bytes);
    }
    Some(Mutated {
        kind,
        bundle: bundle_of(&emitted.manifest, &events, payloads),
        expected_error: error.to_string(),
        seq: fails_at as u64 + 1,
    })
}

/// One applicable kind for this scenario, picked by a proptest index; `None` if none applies.
pub fn mutation(emitted: &Emitted) -> impl Strategy<Value = Option<MutationKind>> {
    let kinds = applicable(emitted);
    any::<Index>().prop_map(move |index| (!kinds.is_empty()).then(|| *index.get(&kinds)))
}

/// A scenario of at most `size`, emitted in causal order, with one applicable mutation.
/// Shrinks through the scenario.
pub fn mutated(size: Size) -> impl Strategy<Value = Mutated> {
    (scenario(size), any::<Index>()).prop_filter_map("no mutation applies", |(scenario, index)| {
        let emitted = emit(&scenario);
        let kinds = applicable(&emitted);
        if kinds.is_empty() {
            return None;
        }
        apply(&emitted, *index.get(&kinds))
    })
}

/// Planned events in order as a bundle: seq = position + 1, wall time = start + seq.
fn bundle_of(manifest: &Manifest, events: &[PlannedEvent], payloads: BTreeMap<String, Vec<u8>>) -> Bundle {
    let events = events
        .iter()
        .enumerate()
        .map(|(position, planned)| {
            let seq = position as u64 + 1;
            RawTraceEvent {
                schema_version: 1,
                seq,
                wall_time_unix_ms: manifest.started_at_unix_ms + seq as i64,
                rollout_id: manifest.rollout_id.clone(),
                thread_id: planned.thread_id.clone(),
                codex_turn_id: planned.codex_turn_id.clone(),
                payload: planned.payload.clone(),
            }
        })
        .collect();
    Bundle::in_memory(manifest.clone(), events, payloads)
}

/// What a mutation changes, and where the replay must stop.
struct Target {
    edit: Edit,
    /// A payload file (re)written: path and bytes.
    payload: Option<(String, Vec<u8>)>,
    error: ErrorKind,
    /// The position, in the mutated order, of the event that must fail.
    fails_at: usize,
}

/// The one change to the event list (positions are in the causal order).
enum Edit {
    None,
    Remove(usize),
    Insert(usize, Box<PlannedEvent>),
    Replace(usize, Box<PlannedEvent>),
}

fn target(emitted: &Emitted, kind: MutationKind) -> Option<Target> {
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
        MutationKind::MissingPayloadFile => {
            let (index, request) = first_request(events)?;
            let path = (0..)
                .map(|n| format!("payloads/missing-{n}.json"))
                .find(|path| !emitted.payloads.contains_key(path))
                .expect("some name is free");
            let mut event = events[index].clone();
            if let RawPayload::InferenceStarted { request_payload, .. } = &mut event.payload {
                request_payload.path = path;
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
            let mut bytes = emitted.payloads.get(&payload.path)?.clone();
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
            let response = "resp-mutated-unknown".to_owned();
            events.iter().enumerate().find_map(|(index, event)| {
                let RawPayload::InferenceStarted {
                    inference_call_id, request_payload, request_input_mode: None, ..
                } = &event.payload
                else {
                    return None;
                };
                let mut value = payload_value(emitted, request_payload)?;
                let previous = value.get_mut("previous_response_id").filter(|v| v.is_string())?;
                *previous = Value::String(response.clone());
                Some(Target {
                    edit: Edit::None,
                    payload: Some((request_payload.path.clone(), to_bytes(&value))),
                    error: ErrorKind::UnknownPreviousResponse {
                        call: inference_call_id.clone(),
                        response: response.clone(),
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
                    kind: "mutation".to_owned(),
                    summary: "an event kind the reducer does not implement".to_owned(),
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
            let turn = "turn-mutated-unknown".to_owned();
            let index = events.iter().position(|e| matches!(e.payload, RawPayload::CodexTurnEnded { .. }))?;
            let mut event = events[index].clone();
            if let RawPayload::CodexTurnEnded { codex_turn_id, .. } = &mut event.payload {
                *codex_turn_id = turn.clone();
            }
            Some(Target {
                edit: Edit::Replace(index, Box::new(event)),
                payload: None,
                error: ErrorKind::TurnEndUnknownTurn(turn),
                fails_at: index,
            })
        }
        MutationKind::CompletionUnknownCall => {
            let call = "inference-mutated-unknown".to_owned();
            let index = events.iter().position(|e| {
                matches!(
                    e.payload,
                    RawPayload::InferenceCompleted { .. }
                        | RawPayload::InferenceFailed { .. }
                        | RawPayload::InferenceCancelled { .. }
                )
            })?;
            let mut event = events[index].clone();
            match &mut event.payload {
                RawPayload::InferenceCompleted { inference_call_id, .. }
                | RawPayload::InferenceFailed { inference_call_id, .. }
                | RawPayload::InferenceCancelled { inference_call_id, .. } => *inference_call_id = call.clone(),
                _ => unreachable!("matched above"),
            }
            Some(Target {
                edit: Edit::Replace(index, Box::new(event)),
                payload: None,
                error: ErrorKind::CompletionUnknownCall(call),
                fails_at: index,
            })
        }
        MutationKind::ToolEndUnknownCall => {
            let tool = "tool-mutated-unknown".to_owned();
            let index = events.iter().position(|e| matches!(e.payload, RawPayload::ToolCallEnded { .. }))?;
            let mut event = events[index].clone();
            if let RawPayload::ToolCallEnded { tool_call_id, .. } = &mut event.payload {
                *tool_call_id = tool.clone();
            }
            Some(Target {
                edit: Edit::Replace(index, Box::new(event)),
                payload: None,
                error: ErrorKind::ToolEndUnknownCall(tool),
                fails_at: index,
            })
        }
        MutationKind::UnknownModelItemType => {
            let item_type = "mutated_unknown_item".to_owned();
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
fn duplicate(events: &[PlannedEvent], error_of: impl Fn(&RawPayload) -> Option<ErrorKind>) -> Option<Target> {
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

/// The first `inference_started` and its request payload.
fn first_request(events: &[PlannedEvent]) -> Option<(usize, &RawPayloadRef)> {
    events.iter().enumerate().find_map(|(index, event)| match &event.payload {
        RawPayload::InferenceStarted { request_payload, .. } => Some((index, request_payload)),
        _ => None,
    })
}

fn payload_value(emitted: &Emitted, payload: &RawPayloadRef) -> Option<Value> {
    serde_json::from_slice(emitted.payloads.get(&payload.path)?).ok()
}

fn to_bytes(value: &Value) -> Vec<u8> {
    serde_json::to_vec_pretty(value).expect("JSON serializes")
}

/// Whether an event names `thread` anywhere: envelope, payload fields, or referenced files.
/// Conservative: any mention counts, even one the reducer would not look up.
fn mentions(emitted: &Emitted, event: &PlannedEvent, thread: &str) -> bool {
    let needle = thread.as_bytes();
    let contains = |haystack: &[u8]| haystack.windows(needle.len()).any(|window| window == needle);
    event.thread_id.as_deref() == Some(thread)
        || contains(&serde_json::to_vec(&event.payload).expect("payload serializes"))
        || event.payload.payload_refs().iter().any(|r| emitted.payloads.get(&r.path).is_some_and(|b| contains(b)))
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
    let mut first_call: HashMap<&str, String> = HashMap::new();
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
            first_call.insert(thread, call_id.to_owned());
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
                mutated.thread_id = Some(other.to_owned());
                return Some(Target {
                    edit: Edit::Replace(index, Box::new(mutated)),
                    payload: None,
                    error: ErrorKind::TurnEndWrongThread {
                        turn: codex_turn_id.clone(),
                        thread: other.to_owned(),
                        owner: owner.to_owned(),
                    },
                    fails_at: index,
                });
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::panic::{catch_unwind, AssertUnwindSafe};

    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    use super::*;
    use crate::reducer::replay;

    #[test]
    fn every_mutation_fails_at_its_event_with_upstream_text() {
        let mut runner = TestRunner::deterministic();
        let strategy = scenario(Size::MEDIUM);
        let mut exercised: BTreeSet<MutationKind> = BTreeSet::new();
        for case in 0..200 {
            let scenario = strategy.new_tree(&mut runner).expect("scenario generates").current();
            let emitted = emit(&scenario);
            let valid = emitted.bundle(&emitted.causal_order());
            if let Err(e) = replay(&valid) {
                panic!("case {case}: the unmutated stream must reduce, got {} at {:?}", e.message(), e.seq);
            }
            for kind in applicable(&emitted) {
                let mutated = apply(&emitted, kind).expect("applicable kinds apply");
                assert_eq!(mutated.kind, kind);
                let result = catch_unwind(AssertUnwindSafe(|| replay(&mutated.bundle)))
                    .unwrap_or_else(|_| panic!("case {case}: {kind:?} made the reducer panic"));
                let err = match result {
                    Ok(_) => panic!("case {case}: {kind:?} was accepted; expected `{}`", mutated.expected_error),
                    Err(err) => err,
                };
                assert_eq!(
                    (err.message(), err.seq),
                    (mutated.expected_error.clone(), Some(mutated.seq)),
                    "case {case}: {kind:?}"
                );
                exercised.insert(kind);
            }
        }
        let missing: Vec<_> = MutationKind::ALL.into_iter().filter(|k| !exercised.contains(k)).collect();
        assert!(missing.is_empty(), "mutation kinds never applicable in 200 scenarios: {missing:?}");
    }

    #[test]
    fn mutated_strategy_yields_rejected_bundles() {
        let mut runner = TestRunner::deterministic();
        let strategy = mutated(Size::TINY);
        for _ in 0..20 {
            let mutated = strategy.new_tree(&mut runner).expect("mutation generates").current();
            let err = replay(&mutated.bundle).expect_err("a mutated stream is rejected");
            assert_eq!((err.message(), err.seq), (mutated.expected_error, Some(mutated.seq)), "{:?}", mutated.kind);
        }
    }

    #[test]
    fn inapplicable_kinds_return_none() {
        let mut runner = TestRunner::deterministic();
        let scenario = scenario(Size::TINY).new_tree(&mut runner).expect("scenario generates").current();
        let emitted = emit(&scenario);
        let kinds = applicable(&emitted);
        for kind in MutationKind::ALL {
            assert_eq!(apply(&emitted, kind).is_some(), kinds.contains(&kind), "{kind:?}");
        }
    }
}
