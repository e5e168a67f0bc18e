//! Invalid streams: one mutation of a valid stream, with the upstream error it must produce.
//!
//! Every mutation edits the causal order of an [`Emitted`] scenario (one event dropped, inserted
//! or rewritten, or one payload file rewritten) at a target chosen deterministically: the first
//! suitable event. Everything before the target is the valid stream unchanged, so the target is
//! the first event that can fail, and the expected message is built from the [`ErrorKind`]
//! variant the reducer must raise there (its `Display` is upstream's text; no text is retyped).

use compact_str::CompactString;
use proptest::prelude::*;
use proptest::sample::Index;

use super::emit::{bundle_of, emit, Emitted, PlannedEvent};
use super::scenario::{scenario, Size};
use crate::bundle::{parse_event_log, Bundle};
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
    /// A bc8b25ea02 stream gets an `inference_first_delta` (an event of the inference-timing
    /// revision) right after its first `inference_started`: upstream's reader stops at that line,
    /// `parse trace event line <n>`.
    NewerRevisionEvent,
    /// Repeat the first `code_cell_started` right after itself: `duplicate code cell start for
    /// code_cell:<call>`.
    DuplicateCodeCellStart,
    /// Repeat the first `code_cell_started` right after itself with another model-visible call
    /// id: `runtime code cell <r> in thread <t> mapped to both <first> and <second>`.
    RemapRuntimeCell,
    /// Repeat the first `compaction_request_started`: `duplicate compaction request start for <id>`.
    DuplicateCompactionRequest,
    /// The first `compaction_request_started` names a thread that never started.
    CompactionRequestUnknownThread,
    /// The first `compaction_request_started` after a second thread started names that thread.
    CompactionRequestWrongThread,
    /// The first compaction request end names another compaction.
    CompactionIdMismatch,
    /// Repeat the first `compaction_installed`: `duplicate compaction install for <id>`.
    DuplicateCompactionInstall,
    /// The first `compaction_installed` envelope names a thread that never started.
    CompactionInstallUnknownThread,
    /// The first `compaction_installed` envelope names a turn that never started.
    CompactionInstallUnknownTurn,
    /// The first `compaction_installed` after a second thread started names that thread.
    CompactionInstallWrongThread,
    /// The first checkpoint's `replacement_history` is not an array.
    CheckpointWithoutArray,
    /// The first code-cell event loses its envelope thread and turn.
    CellEventWithoutThread,
    /// The first code-cell event loses its envelope thread and names an unknown turn.
    CellEventUnknownTurn,
    /// The first code-cell initial response or end names a runtime cell nothing started.
    CellEventUnknownRuntimeCell,
    /// Two copies of the first code-cell start, written before the response with its `exec`
    /// item: the second finds the first still queued.
    DuplicateQueuedCodeCellStart,
    /// A child's code-cell start, made when its `exec` item exists, names a root turn.
    CodeCellStartWrongThread,
    /// The first tool start names a thread that never started.
    ToolStartUnknownThread,
    /// The first tool start after a second thread started names that thread with its own turn.
    ToolStartWrongThread,
    /// The first tool start loses its envelope thread and names an unknown turn.
    ToolStartUnknownTurn,
    /// The first tool start loses its envelope thread and turn.
    ToolStartWithoutContext,
    /// The first nested tool names a runtime cell nothing started.
    NestedToolUnknownRuntimeCell,
    /// A second tool start with the first model-visible call id of a tool.
    DuplicateModelVisibleCall,
    /// Repeat the first MCP correlation.
    DuplicateMcpCorrelation,
    /// Repeat the first exec_command runtime start: `... already has a terminal operation`.
    SecondTerminalOperation,
    /// The first exec_command runtime start payload is not an exec begin event.
    TerminalRuntimeStartParse,
    /// The first exec_command runtime end payload is not an exec end event.
    ExecResponseParse,
    /// The first exec_command whose runtime start names a process gets another one in its end.
    ProcessIdChanged,
    /// The first write_stdin invocation is broken in one of six ways (picked by position).
    TerminalInvocationParse,
    /// The first write_stdin after a second thread started moves to that thread.
    TerminalSessionWrongThread,
    /// The first `thread_started` metadata is not session metadata.
    ThreadMetadataParse,
    /// The first `inference_started` after a second thread started names that thread.
    InferenceWrongThread,
    /// The first request's `input` is a string.
    RequestNonArrayInput,
    /// The first response payload loses its `output_items`.
    ResponseWithoutOutputItems,
    /// The first request gets a reasoning item that is broken in one of six ways.
    BrokenReasoningItem,
    /// The first request gets an `agent_message` with no content.
    EmptyAgentMessage,
    /// The first request gets a function call whose arguments' summary would be cut inside a
    /// character.
    SummaryCutInsideCharacter,
    /// Timing revision: the first `inference_response_created` names an unknown call.
    ResponseCreatedUnknownCall,
    /// Timing revision: the first `inference_first_delta` names an unknown call.
    FirstDeltaUnknownCall,
    /// Timing revision: the first completion's server time is not an integer.
    BadServerTime,
    /// A line in the middle of the log names an event type no revision has: the reader stops.
    UnparseableLine,
    /// The first agent result, observed again while pending with another child, message or
    /// parent: `pending interaction edge <id> was observed with conflicting delivery data`.
    ConflictingAgentResult,
    /// An agent result observed again after the request that shows it twice: it resolves to the
    /// second copy, `interaction edge <id> was observed with conflicting endpoints`.
    AgentResultToSecondCopy,
    // Collab payloads, write_stdin sessions and failed compactions (`collab.rs`).
    /// The first sub-agent activity names the agent path `/root/`.
    InvalidAgentPath,
    /// The first collab spawn end has an empty `reasoning_effort`.
    EmptyReasoningEffort,
    /// The first sub-agent activity reports another activity than its tool's kind allows.
    ActivityKindMismatch,
    /// The first write_stdin dispatch invocation names the empty string as its session.
    EmptySessionId,
    /// The first compaction request completion becomes a failure naming another compaction.
    FailedCompactionIdMismatch,
}

impl MutationKind {
    pub const ALL: [MutationKind; 65] = [
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
        MutationKind::NewerRevisionEvent,
        MutationKind::DuplicateCodeCellStart,
        MutationKind::RemapRuntimeCell,
        MutationKind::DuplicateCompactionRequest,
        MutationKind::CompactionRequestUnknownThread,
        MutationKind::CompactionRequestWrongThread,
        MutationKind::CompactionIdMismatch,
        MutationKind::DuplicateCompactionInstall,
        MutationKind::CompactionInstallUnknownThread,
        MutationKind::CompactionInstallUnknownTurn,
        MutationKind::CompactionInstallWrongThread,
        MutationKind::CheckpointWithoutArray,
        MutationKind::CellEventWithoutThread,
        MutationKind::CellEventUnknownTurn,
        MutationKind::CellEventUnknownRuntimeCell,
        MutationKind::DuplicateQueuedCodeCellStart,
        MutationKind::CodeCellStartWrongThread,
        MutationKind::ToolStartUnknownThread,
        MutationKind::ToolStartWrongThread,
        MutationKind::ToolStartUnknownTurn,
        MutationKind::ToolStartWithoutContext,
        MutationKind::NestedToolUnknownRuntimeCell,
        MutationKind::DuplicateModelVisibleCall,
        MutationKind::DuplicateMcpCorrelation,
        MutationKind::SecondTerminalOperation,
        MutationKind::TerminalRuntimeStartParse,
        MutationKind::ExecResponseParse,
        MutationKind::ProcessIdChanged,
        MutationKind::TerminalInvocationParse,
        MutationKind::TerminalSessionWrongThread,
        MutationKind::ThreadMetadataParse,
        MutationKind::InferenceWrongThread,
        MutationKind::RequestNonArrayInput,
        MutationKind::ResponseWithoutOutputItems,
        MutationKind::BrokenReasoningItem,
        MutationKind::EmptyAgentMessage,
        MutationKind::SummaryCutInsideCharacter,
        MutationKind::ResponseCreatedUnknownCall,
        MutationKind::FirstDeltaUnknownCall,
        MutationKind::BadServerTime,
        MutationKind::UnparseableLine,
        MutationKind::ConflictingAgentResult,
        MutationKind::AgentResultToSecondCopy,
        // collab.rs
        MutationKind::InvalidAgentPath,
        MutationKind::EmptyReasoningEffort,
        MutationKind::ActivityKindMismatch,
        MutationKind::EmptySessionId,
        MutationKind::FailedCompactionIdMismatch,
    ];
}

/// An invalid bundle and how the reducer must reject it.
#[derive(Debug, Clone)]
pub struct Mutated {
    pub kind: MutationKind,
    pub bundle: Bundle,
    /// Upstream's exact top-level message.
    pub expected_error: String,
    /// The seq of the event that must fail; `None` when the reader stops at a line before it
    /// reaches an event (the error names the line).
    pub seq: Option<u64>,
}

/// The kinds that apply to this scenario, in [`MutationKind::ALL`] order.
pub fn applicable(emitted: &Emitted) -> Vec<MutationKind> {
    MutationKind::ALL.into_iter().filter(|&kind| target(emitted, kind).is_some()).collect()
}

/// The scenario's causal order with one `kind` mutation, or `None` when `kind` does not apply.
pub fn apply(emitted: &Emitted, kind: MutationKind) -> Option<Mutated> {
    let Target { edit, payload, error, fails_at } = target(emitted, kind)?;
    let mut events: Vec<PlannedEvent> = emitted.causal_order().into_iter().map(|i| emitted.events[i].clone()).collect();
    let mut unparseable = None;
    let stops_reader = matches!(edit, Edit::Unparseable(..));
    match edit {
        Edit::None => {}
        Edit::Remove(index) => {
            events.remove(index);
        }
        Edit::Insert(index, event) => events.insert(index, *event),
        Edit::InsertTwice(index, event) => events.splice(index..index, [(*event).clone(), *event]).for_each(drop),
        Edit::Replace(index, event) => events[index] = *event,
        Edit::Unparseable(index, line) => unparseable = Some((index, line)),
    }
    let mut payloads = emitted.payloads.clone();
    if let Some((path, bytes)) = payload {
        payloads.insert(path.into(), bytes);
    }
    let mut bundle = bundle_of(&emitted.manifest, events.iter(), payloads);
    if let Some((index, line)) = unparseable {
        // Read back as the log a reader sees: the events before the line, then where it stopped.
        let mut log = Vec::new();
        for (position, record) in bundle.events.iter().enumerate() {
            if position == index {
                log.extend_from_slice(line.as_bytes());
                log.push(b'\n');
            }
            log.extend(serde_json::to_vec(&record.event).expect("events serialize"));
            log.push(b'\n');
        }
        (bundle.events, bundle.stop) = parse_event_log(&log);
    }
    Some(Mutated {
        kind,
        bundle,
        expected_error: error.to_string(),
        seq: (!stops_reader).then_some(fails_at as u64 + 1),
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

/// What a mutation changes, and where the replay must stop.
pub(super) struct Target {
    edit: Edit,
    /// A payload file (re)written: path and bytes.
    payload: Option<(CompactString, Vec<u8>)>,
    error: ErrorKind,
    /// The position, in the mutated order, of the event that must fail.
    fails_at: usize,
}

/// The one change to the event list (positions are in the causal order).
pub(super) enum Edit {
    None,
    Remove(usize),
    Insert(usize, Box<PlannedEvent>),
    Replace(usize, Box<PlannedEvent>),
    /// Two copies of the event, at this position.
    InsertTwice(usize, Box<PlannedEvent>),
    /// A line that is not an event, written before the event at this position.
    Unparseable(usize, String),
}

mod agents;
mod collab;
mod lifecycle;
mod shapes;
mod targets;
#[cfg(test)]
mod tests;

use targets::target;
