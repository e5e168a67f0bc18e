//! Starts and ends in file order: one start per id, no end before its start, one end, nothing
//! of a thread after its end, everything ended once the rollout ended, and envelope and payload
//! naming the same thread and turn.

use std::collections::HashMap;

use crate::bundle::{EventRecord, ExecutionStatus, RawPayload, RawTraceEvent};
use crate::rules::catalog;
use crate::rules::{Location, Violation};

/// What has a lifecycle, as messages name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum What {
    Thread,
    Turn,
    Inference,
    Tool,
    CodeCell,
    Compaction,
}

impl What {
    fn name(self) -> &'static str {
        match self {
            What::Thread => "thread",
            What::Turn => "codex turn",
            What::Inference => "inference call",
            What::Tool => "tool call",
            What::CodeCell => "code cell",
            What::Compaction => "compaction request",
        }
    }
}

/// One started id: where it started, and its first explicit end.
struct Span {
    line: usize,
    seq: u64,
    ended: Option<usize>,
    /// Closed without an end event of its own: upstream closes running inference calls, and
    /// fails or terminates running code cells, when their turn ends.
    closed_by_turn: bool,
    /// The turn it runs in (inference calls and code cells), to close it with that turn.
    turn: Option<String>,
}

#[derive(Default)]
struct Lifecycles {
    /// `(what, id)`; code cells are keyed `thread runtime_cell_id` (runtime ids repeat across threads).
    spans: HashMap<(What, String), Span>,
    /// Start order, so `never-ended` reports in file order.
    order: Vec<(What, String)>,
    turn_threads: HashMap<String, String>,
}

/// Check the lifecycles of `events`.
pub fn check(events: &[EventRecord], found: &mut Vec<Violation>) {
    let mut lives = Lifecycles::default();
    let mut rollout_ended = None;
    for record in events {
        let at = Location::event(record.line, Some(record.event.seq));
        let event = &record.event;
        context(event, &at, found);
        after_thread_end(event, &lives, &at, found);
        if matches!(event.payload, RawPayload::RolloutEnded { .. }) {
            rollout_ended.get_or_insert(record.line);
        }
        lives.event(record, &at, found);
    }
    let Some(ended) = rollout_ended else { return };
    for key in &lives.order {
        let span = &lives.spans[key];
        if span.ended.is_none() && !span.closed_by_turn {
            let (what, id) = key;
            found.push(Violation::new(
                &catalog::NEVER_ENDED,
                Location::event(span.line, Some(span.seq)),
                format!(
                    "{} {} started here and never ended before rollout_ended at line {ended}",
                    what.name(),
                    shown(*what, id)
                ),
            ));
        }
    }
}

/// A code cell's key reads as `runtime cell R in thread T`.
fn shown(what: What, id: &str) -> String {
    match (what, id.split_once(' ')) {
        (What::CodeCell, Some((thread, runtime))) => format!("{runtime} in thread {thread}"),
        _ => id.to_owned(),
    }
}

impl Lifecycles {
    fn event(&mut self, record: &EventRecord, at: &Location, found: &mut Vec<Violation>) {
        use RawPayload::*;
        let event = &record.event;
        match &event.payload {
            ThreadStarted { thread_id, .. } => self.start(What::Thread, thread_id, None, record, at, found),
            ThreadEnded { thread_id, .. } => self.end(What::Thread, thread_id, at, found),
            CodexTurnStarted { codex_turn_id, thread_id } => {
                self.start(What::Turn, codex_turn_id, None, record, at, found);
                self.turn_threads.entry(codex_turn_id.to_string()).or_insert_with(|| thread_id.to_string());
            }
            CodexTurnEnded { codex_turn_id, status } => {
                self.end(What::Turn, codex_turn_id, at, found);
                self.close_with_turn(codex_turn_id, *status);
            }
            InferenceStarted { inference_call_id, codex_turn_id, .. } => {
                self.start(What::Inference, inference_call_id, Some(codex_turn_id), record, at, found)
            }
            InferenceCompleted { inference_call_id, .. }
            | InferenceFailed { inference_call_id, .. }
            | InferenceCancelled { inference_call_id, .. } => self.end(What::Inference, inference_call_id, at, found),
            ToolCallStarted { tool_call_id, .. } => self.start(What::Tool, tool_call_id, None, record, at, found),
            ToolCallEnded { tool_call_id, .. } => self.end(What::Tool, tool_call_id, at, found),
            CodeCellStarted { runtime_cell_id, .. } => {
                if let Some(key) = self.code_cell(event, runtime_cell_id) {
                    self.start(What::CodeCell, &key, event.codex_turn_id.as_deref(), record, at, found);
                }
            }
            CodeCellEnded { runtime_cell_id, .. } => {
                if let Some(key) = self.code_cell(event, runtime_cell_id) {
                    self.end(What::CodeCell, &key, at, found);
                }
            }
            CompactionRequestStarted { compaction_request_id, .. } => {
                self.start(What::Compaction, compaction_request_id, None, record, at, found)
            }
            CompactionRequestCompleted { compaction_request_id, .. }
            | CompactionRequestFailed { compaction_request_id, .. } => {
                self.end(What::Compaction, compaction_request_id, at, found)
            }
            _ => {}
        }
    }

    /// A code cell's key: its thread (the envelope's, else its envelope turn's) and runtime id.
    fn code_cell(&self, event: &RawTraceEvent, runtime_cell_id: &str) -> Option<String> {
        let thread = event.thread_id.as_deref().or_else(|| {
            event.codex_turn_id.as_deref().and_then(|turn| self.turn_threads.get(turn).map(String::as_str))
        })?;
        Some(format!("{thread} {runtime_cell_id}"))
    }

    fn start(
        &mut self,
        what: What,
        id: &str,
        turn: Option<&str>,
        record: &EventRecord,
        at: &Location,
        found: &mut Vec<Violation>,
    ) {
        let key = (what, id.to_owned());
        if let Some(first) = self.spans.get(&key) {
            found.push(Violation::new(
                &catalog::DUPLICATE_START,
                at.clone(),
                format!("{} {} was already started at line {}", what.name(), shown(what, id), first.line),
            ));
            return;
        }
        let span = Span {
            line: record.line,
            seq: record.event.seq,
            ended: None,
            closed_by_turn: false,
            turn: turn.map(str::to_owned),
        };
        self.spans.insert(key.clone(), span);
        self.order.push(key);
    }

    fn end(&mut self, what: What, id: &str, at: &Location, found: &mut Vec<Violation>) {
        let Some(span) = self.spans.get_mut(&(what, id.to_owned())) else {
            found.push(Violation::new(
                &catalog::END_WITHOUT_START,
                at.clone(),
                format!("{} {} ends here but was not started before", what.name(), shown(what, id)),
            ));
            return;
        };
        match span.ended {
            Some(first) => found.push(Violation::new(
                &catalog::DUPLICATE_END,
                at.clone(),
                format!("{} {} already ended at line {first}", what.name(), shown(what, id)),
            )),
            None => span.ended = at.line,
        }
    }

    /// What upstream closes when a turn ends (spec §D.2): running inference calls for any status
    /// but `running`, running code cells for failed, cancelled and aborted.
    fn close_with_turn(&mut self, turn: &str, status: ExecutionStatus) {
        let closes_cells =
            matches!(status, ExecutionStatus::Failed | ExecutionStatus::Cancelled | ExecutionStatus::Aborted);
        let closes_inferences = status != ExecutionStatus::Running;
        for ((what, _), span) in self.spans.iter_mut() {
            let closes = match what {
                What::Inference => closes_inferences,
                What::CodeCell => closes_cells,
                _ => false,
            };
            if closes && span.ended.is_none() && span.turn.as_deref() == Some(turn) {
                span.closed_by_turn = true;
            }
        }
    }
}

/// Envelope and payload thread and turn ids agree where both are present.
fn context(event: &RawTraceEvent, at: &Location, found: &mut Vec<Violation>) {
    let (thread, turn) = payload_context(&event.payload);
    let pairs =
        [("thread_id", event.thread_id.as_deref(), thread), ("codex_turn_id", event.codex_turn_id.as_deref(), turn)];
    for (field, envelope, payload) in pairs {
        if let (Some(envelope), Some(payload)) = (envelope, payload) {
            if envelope != payload {
                found.push(Violation::new(
                    &catalog::CONTEXT_MISMATCH,
                    at.clone(),
                    format!("{}: envelope {field} {envelope}, payload {field} {payload}", event.payload.type_name()),
                ));
            }
        }
    }
}

/// The payload's own `thread_id` and `codex_turn_id`, where it has them.
fn payload_context(payload: &RawPayload) -> (Option<&str>, Option<&str>) {
    use RawPayload::*;
    match payload {
        ThreadStarted { thread_id, .. } | ThreadEnded { thread_id, .. } => (Some(thread_id), None),
        CodexTurnStarted { codex_turn_id, thread_id }
        | InferenceStarted { codex_turn_id, thread_id, .. }
        | CompactionRequestStarted { codex_turn_id, thread_id, .. } => (Some(thread_id), Some(codex_turn_id)),
        CodexTurnEnded { codex_turn_id, .. } => (None, Some(codex_turn_id)),
        _ => (None, None),
    }
}

/// An event of a thread (by envelope or payload `thread_id`) after that thread's `thread_ended`.
fn after_thread_end(event: &RawTraceEvent, lives: &Lifecycles, at: &Location, found: &mut Vec<Violation>) {
    // An agent result carries the child's envelope and is observed by the parent, legitimately
    // after the child thread ended.
    if matches!(event.payload, RawPayload::AgentResultObserved { .. }) {
        return;
    }
    let (payload_thread, _) = payload_context(&event.payload);
    // A second `thread_ended` of the thread is a duplicate end, not work after the end.
    let ending = match &event.payload {
        RawPayload::ThreadEnded { thread_id, .. } => Some(thread_id.as_str()),
        _ => None,
    };
    let mut threads: Vec<&str> = event.thread_id.as_deref().into_iter().chain(payload_thread).collect();
    threads.dedup();
    for thread in threads {
        if ending == Some(thread) {
            continue;
        }
        let ended = lives.spans.get(&(What::Thread, thread.to_owned())).and_then(|span| span.ended);
        if let Some(ended) = ended {
            found.push(Violation::new(
                &catalog::EVENT_AFTER_THREAD_ENDED,
                at.clone(),
                format!("{} of thread {thread}, which ended at line {ended}", event.payload.type_name()),
            ));
        }
    }
}
