//! The paths a generated stream exercises. The suite fails if any path becomes rare, so the
//! generators cannot quietly stop covering what matters.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use super::emit::{Emitted, Tag, ROOT_THREAD_ID};
use super::facts::{TargetFact, ToolFact};
use crate::bundle::{RawPayload, ToolCallKind};
use crate::model::InteractionEdgeKind;
use crate::reducer::UndeliveredReason;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Path {
    /// A code-cell start before the response that carries its `exec` item.
    CellQueuedBeforeSource,
    /// A cell's initial response or end before that response.
    LifecycleQueued,
    /// A nested tool started while its cell was still queued.
    NestedToolWhileQueued,
    /// A spawn edge that falls back to the child thread.
    SpawnFallback,
    /// A spawn whose child thread never starts.
    NeverStartedChild,
    /// A compaction whose replacement a later full request consumes.
    CompactionReplacementConsumed,
    IncrementalRequest,
    /// An agent result shown in the parent's next request.
    AgentResultDelivered,
    /// A write_stdin joining an existing terminal session.
    TerminalSessionReuse,
    /// A child's tool or code cell starts before an event of the root thread.
    ChildWorkInterleaved,
    /// A message to a child whose thread never started.
    MessageToNeverStartedChild,
    /// Context items of rarely written shapes before the conversation.
    ContextItemShapes,
    /// A task or message delivered in an encrypted `agent_message` body.
    EncryptedDelivery,
    /// A task or message delivered in the legacy JSON form.
    LegacyDelivery,
    /// A spawn task shown twice in one request.
    TwinDelivery,
    /// An agent result observed twice while pending.
    ResultMergedWhilePending,
    /// An agent result observed again after its parent showed it.
    ResultObservedAfterDelivery,
    /// Reasoning re-sent with readable text or summary its first sighting lacked.
    ReasoningMerged,
    /// An assistant message re-sent without its phase: a new item at the same position.
    PhaseDroppedOnResend,
    /// A user message repeating an earlier one word for word: a new item.
    UserMessageRepeated,
    /// A write_stdin whose operation comes from its runtime begin.
    WriteStdinFromRuntime,
    /// An inference with no terminal event, closed by its turn's end.
    InferenceClosedByTurn,
    /// The rollout stopped after a code cell started (and sent a lifecycle event) but before
    /// the response carrying its `custom_tool_call` item was recorded.
    CellNeverMaterialized,
    /// The rollout stopped with a followup_task past its runtime begin only.
    FollowupLeftRunning,
    /// The rollout stopped with a close_agent past its runtime begin only.
    CloseLeftRunning,
}

impl Path {
    pub const ALL: [Path; 25] = [
        Path::CellQueuedBeforeSource,
        Path::LifecycleQueued,
        Path::NestedToolWhileQueued,
        Path::SpawnFallback,
        Path::NeverStartedChild,
        Path::CompactionReplacementConsumed,
        Path::IncrementalRequest,
        Path::AgentResultDelivered,
        Path::TerminalSessionReuse,
        Path::ChildWorkInterleaved,
        Path::MessageToNeverStartedChild,
        Path::ContextItemShapes,
        Path::EncryptedDelivery,
        Path::LegacyDelivery,
        Path::TwinDelivery,
        Path::ResultMergedWhilePending,
        Path::ResultObservedAfterDelivery,
        Path::ReasoningMerged,
        Path::PhaseDroppedOnResend,
        Path::UserMessageRepeated,
        Path::WriteStdinFromRuntime,
        Path::InferenceClosedByTurn,
        Path::CellNeverMaterialized,
        Path::FollowupLeftRunning,
        Path::CloseLeftRunning,
    ];
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Path::CellQueuedBeforeSource => "cell queued before its source",
            Path::LifecycleQueued => "lifecycle event queued",
            Path::NestedToolWhileQueued => "nested tool while queued",
            Path::SpawnFallback => "spawn fallback",
            Path::NeverStartedChild => "never-started child",
            Path::CompactionReplacementConsumed => "compaction replacement consumed",
            Path::IncrementalRequest => "incremental request",
            Path::AgentResultDelivered => "agent result delivered",
            Path::TerminalSessionReuse => "terminal session reuse",
            Path::ChildWorkInterleaved => "child work interleaved",
            Path::MessageToNeverStartedChild => "message to a never-started child",
            Path::ContextItemShapes => "context item shapes",
            Path::EncryptedDelivery => "encrypted delivery",
            Path::LegacyDelivery => "legacy delivery",
            Path::TwinDelivery => "twin delivery",
            Path::ResultMergedWhilePending => "result merged while pending",
            Path::ResultObservedAfterDelivery => "result observed after delivery",
            Path::ReasoningMerged => "reasoning merged on re-sighting",
            Path::PhaseDroppedOnResend => "phase dropped on re-send",
            Path::UserMessageRepeated => "user message repeated",
            Path::WriteStdinFromRuntime => "write_stdin from runtime events",
            Path::InferenceClosedByTurn => "inference closed by its turn",
            Path::CellNeverMaterialized => "cell never materialized",
            Path::FollowupLeftRunning => "followup left running",
            Path::CloseLeftRunning => "close left running",
        };
        f.write_str(name)
    }
}

/// The paths one stream, in `order`, exercises.
pub fn paths(emitted: &Emitted, order: &[usize]) -> Vec<Path> {
    let mut found = Vec::new();
    let mut response_at: HashMap<&str, usize> = HashMap::new();
    for (position, &event) in order.iter().enumerate() {
        if let Tag::ExecResponse(cells) = &emitted.events[event].tag {
            for cell in cells {
                response_at.insert(cell, position);
            }
        }
    }
    let mut before_source = |path: Path, cell: &str, position: usize| {
        if response_at.get(cell).is_some_and(|&at| position < at) && !found.contains(&path) {
            found.push(path);
        }
    };
    for (position, &event) in order.iter().enumerate() {
        match &emitted.events[event].tag {
            Tag::CellStart(cell) => before_source(Path::CellQueuedBeforeSource, cell, position),
            Tag::CellLifecycle(cell) => before_source(Path::LifecycleQueued, cell, position),
            Tag::NestedToolStart(cell) => before_source(Path::NestedToolWhileQueued, cell, position),
            _ => {}
        }
    }
    if child_work_interleaved(emitted, order) {
        found.push(Path::ChildWorkInterleaved);
    }
    let facts = &emitted.facts;
    let edges = |kind: InteractionEdgeKind, thread_target: Option<bool>| {
        facts.edges.values().any(|edge| {
            edge.kind == kind && thread_target.is_none_or(|t| t == matches!(edge.target, TargetFact::Thread(_)))
        })
    };
    let mut add = |path, hit: bool| {
        if hit {
            found.push(path);
        }
    };
    add(Path::SpawnFallback, edges(InteractionEdgeKind::SpawnAgent, Some(true)));
    add(Path::NeverStartedChild, facts.undelivered.values().any(|r| *r == UndeliveredReason::ChildThreadNeverStarted));
    add(Path::CompactionReplacementConsumed, !facts.compactions.is_empty());
    add(Path::IncrementalRequest, facts.incremental_requests > 0);
    add(Path::AgentResultDelivered, edges(InteractionEdgeKind::AgentResult, None));
    add(Path::TerminalSessionReuse, facts.session_reuses > 0);
    let never_started_target = |r: &UndeliveredReason| *r == UndeliveredReason::TargetThreadNeverStarted;
    add(Path::MessageToNeverStartedChild, facts.undelivered.values().any(never_started_target));
    add(Path::ContextItemShapes, facts.context_items > 0);
    add(Path::EncryptedDelivery, facts.encrypted_deliveries > 0);
    add(Path::LegacyDelivery, facts.legacy_deliveries > 0);
    add(Path::TwinDelivery, facts.twin_deliveries > 0);
    add(Path::ResultMergedWhilePending, facts.results_merged_while_pending > 0);
    // A shown result observed again leaves a stray record behind its materialized edge.
    let observed_again = facts
        .undelivered
        .keys()
        .any(|id| facts.edges.get(id).is_some_and(|edge| edge.kind == InteractionEdgeKind::AgentResult));
    add(Path::ResultObservedAfterDelivery, observed_again);
    add(Path::ReasoningMerged, facts.item_paths.reasoning_merged > 0);
    add(Path::PhaseDroppedOnResend, facts.item_paths.phase_dropped > 0);
    add(Path::UserMessageRepeated, facts.item_paths.repeated_user_messages > 0);
    let stdin_from_runtime = |tool: &ToolFact| tool.kind == ToolCallKind::WriteStdin && tool.invocation.is_none();
    add(Path::WriteStdinFromRuntime, facts.tools.values().any(stdin_from_runtime));
    add(Path::InferenceClosedByTurn, inference_closed_by_turn(emitted));
    add(Path::CellNeverMaterialized, facts.unmaterialized_cells.values().any(|cell| !cell.waiting.is_empty()));
    let left_running =
        |kind: ToolCallKind| facts.running_tools.iter().any(|id| facts.tools.get(id).is_some_and(|t| t.kind == kind));
    add(Path::FollowupLeftRunning, left_running(ToolCallKind::AssignAgentTask));
    add(Path::CloseLeftRunning, left_running(ToolCallKind::CloseAgent));
    found.sort();
    found
}

/// Some inference start has no completion, failure or cancellation.
fn inference_closed_by_turn(emitted: &Emitted) -> bool {
    let mut running: Vec<&str> = Vec::new();
    for event in &emitted.events {
        match &event.payload {
            RawPayload::InferenceStarted { inference_call_id, .. } => running.push(inference_call_id),
            RawPayload::InferenceCompleted { inference_call_id, .. }
            | RawPayload::InferenceFailed { inference_call_id, .. }
            | RawPayload::InferenceCancelled { inference_call_id, .. } => running.retain(|c| c != inference_call_id),
            _ => {}
        }
    }
    !running.is_empty()
}

fn child_work_interleaved(emitted: &Emitted, order: &[usize]) -> bool {
    let Some(last_root) = order.iter().rposition(|&e| emitted.events[e].thread_id.as_deref() == Some(ROOT_THREAD_ID))
    else {
        return false;
    };
    order[..last_root].iter().any(|&e| {
        let event = &emitted.events[e];
        matches!(event.payload, RawPayload::ToolCallStarted { .. } | RawPayload::CodeCellStarted { .. })
            && event.thread_id.as_deref().is_some_and(|thread| thread != ROOT_THREAD_ID)
    })
}

/// How many streams exercised each path.
#[derive(Debug, Clone, Default)]
pub struct Coverage {
    pub streams: usize,
    pub hits: BTreeMap<Path, usize>,
}

impl Coverage {
    pub fn record(&mut self, paths: &[Path]) {
        self.streams += 1;
        for path in paths {
            *self.hits.entry(*path).or_default() += 1;
        }
    }

    pub fn share(&self, path: Path) -> f64 {
        if self.streams == 0 {
            return 0.0;
        }
        self.hits.get(&path).copied().unwrap_or(0) as f64 / self.streams as f64
    }

    /// The paths hit in fewer than `minimum` (a fraction) of the streams.
    pub fn rare(&self, minimum: f64) -> Vec<Path> {
        Path::ALL.into_iter().filter(|&path| self.share(path) < minimum).collect()
    }

    /// A table for humans: path, streams that hit it, share.
    pub fn table(&self) -> String {
        let mut out = format!("{:<34} {:>8} {:>7}\n", "path", "streams", "share");
        for path in Path::ALL {
            let hits = self.hits.get(&path).copied().unwrap_or(0);
            out.push_str(&format!("{:<34} {:>8} {:>6.1}%\n", path.to_string(), hits, 100.0 * self.share(path)));
        }
        out.push_str(&format!("{:<34} {:>8}\n", "total streams", self.streams));
        out
    }
}
