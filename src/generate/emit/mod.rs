//! Turns a [`Scenario`] into events and payloads, in causal order, together with the
//! happens-before relation a real producer guarantees. That relation defines "legal order".

mod agents;
mod cells;
mod conversation;
mod running;
mod timing;
mod tools;

use std::collections::{BTreeMap, HashMap};

use compact_str::{format_compact, CompactString};
use serde_json::{json, Value};

use super::facts::{ExpectedFacts, ThreadFact};
use super::scenario::Scenario;
use crate::bundle::{
    Bundle, ExecutionStatus, Manifest, RawPayload, RawPayloadKind, RawPayloadRef, RawTraceEvent, RolloutStatus,
};
use crate::revision::Revision;

pub const ROOT_THREAD_ID: &str = "019d0000-0000-7000-8000-000000000001";
pub const ROOT_AGENT_PATH: &str = "/root";
const STARTED_AT_UNIX_MS: i64 = 1_767_225_600_000;
pub const MODEL: &str = "gpt-test";
pub const PROVIDER: &str = "test-provider";

/// One producer guarantee. Every happens-before edge names the rule it comes from; an order of
/// the events is legal when it respects every edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HbRule {
    /// One task writes a thread's lifecycle, turns, inference calls and compactions, in order.
    ThreadSpine,
    /// A tool or code cell starts after the request whose response asked for it was sent. It may
    /// come before or after that inference's completion: execution races the completion hook.
    AfterRequest,
    /// A tool's runtime begin, runtime end and end follow its start in that order; the MCP
    /// correlation follows the start and races the runtime events.
    ToolLifecycle,
    /// A request (or a compaction's input) carries tool outputs, cell results and agent
    /// notifications only after they exist.
    OutputBeforeRequest,
    /// A turn ends after the tools it started end and its cells answered.
    TurnEndsAfterWork,
    /// Nested tools run from a cell's JavaScript: after the cell starts, one at a time, before the
    /// cell's initial response.
    NestedTool,
    /// A cell's initial response follows its start; its end follows the initial response.
    CellLifecycle,
    /// A yielded cell that outlives its turn ends after the turn ended; any other cell ends within
    /// its turn.
    CellEndVsTurnEnd,
    /// A wait returns after the cell it waits on ended.
    WaitAfterCellEnd,
    /// A child thread is created while its spawn runs: after the spawn tool starts and before the
    /// spawn's runtime end reports it. Otherwise the child interleaves freely with its parent.
    ChildCreatedBySpawn,
    /// A followup or message wakes the child: its new turn starts after the sending tool started.
    /// The runtime begin and end race the child's request.
    ChildTurnAfterMessage,
    /// An agent result is observed after the child's turn ended; it races the parent's request
    /// that shows the notification.
    ResultAfterChildTurn,
    /// close_agent targets a started, idle child (after everything it wrote, its tools and cells
    /// included); the child's thread ends after the close.
    Close,
    /// A terminal session runs one operation at a time: a write_stdin starts after the previous
    /// operation on its session ended.
    SessionSerialized,
    /// Thread ends follow the thread's work; the rollout end comes last.
    RolloutEndsLast,
    /// Timing revision: the attempt's stream task writes response created, then first delta,
    /// after the start and before the attempt's terminal event. Neither is ordered against
    /// other threads, nor against tools of earlier responses still running.
    InferenceStream,
    /// Timing revision: a tool or cell its response asked for starts after that response's first
    /// delta, since the call's input is streamed as deltas before the call is dispatched.
    ToolAfterFirstDelta,
}

impl HbRule {
    pub const ALL: [HbRule; 17] = [
        HbRule::ThreadSpine,
        HbRule::AfterRequest,
        HbRule::ToolLifecycle,
        HbRule::OutputBeforeRequest,
        HbRule::TurnEndsAfterWork,
        HbRule::NestedTool,
        HbRule::CellLifecycle,
        HbRule::CellEndVsTurnEnd,
        HbRule::WaitAfterCellEnd,
        HbRule::ChildCreatedBySpawn,
        HbRule::ChildTurnAfterMessage,
        HbRule::ResultAfterChildTurn,
        HbRule::Close,
        HbRule::SessionSerialized,
        HbRule::RolloutEndsLast,
        HbRule::InferenceStream,
        HbRule::ToolAfterFirstDelta,
    ];
}

/// What an event is, for coverage counting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tag {
    Plain,
    CellStart(CompactString),
    CellLifecycle(CompactString),
    NestedToolStart(CompactString),
    /// An inference completion whose response carries these cells' `exec` items.
    ExecResponse(Vec<CompactString>),
    IncrementalRequest,
}

/// An event before it is given a seq and a wall time.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedEvent {
    pub thread_id: Option<CompactString>,
    pub codex_turn_id: Option<CompactString>,
    pub payload: RawPayload,
    pub tag: Tag,
}

/// A scenario written out: events in causal order, their happens-before edges, payload files,
/// and the facts a correct reduction must show.
#[derive(Debug, Clone)]
pub struct Emitted {
    pub manifest: Manifest,
    pub events: Vec<PlannedEvent>,
    /// For each event, the events that must come before it, and why.
    pub happens_before: Vec<Vec<(usize, HbRule)>>,
    pub payloads: BTreeMap<String, Vec<u8>>,
    pub facts: ExpectedFacts,
}

impl Emitted {
    /// The causal order: the order the emitter wrote.
    pub fn causal_order(&self) -> Vec<usize> {
        (0..self.events.len()).collect()
    }

    /// The bundle with events in `order`; seq is the position and wall time never decreases.
    pub fn bundle(&self, order: &[usize]) -> Bundle {
        bundle_of(&self.manifest, order.iter().map(|&index| &self.events[index]), self.payloads.clone())
    }

    /// Whether `order` is a permutation that respects every happens-before edge.
    pub fn is_legal(&self, order: &[usize]) -> bool {
        let mut position = vec![usize::MAX; self.events.len()];
        for (at, &index) in order.iter().enumerate() {
            if index >= position.len() || position[index] != usize::MAX {
                return false;
            }
            position[index] = at;
        }
        order.len() == self.events.len()
            && self
                .happens_before
                .iter()
                .enumerate()
                .all(|(event, preds)| preds.iter().all(|(p, _)| position[*p] < position[event]))
    }
}

/// Planned events in order as a bundle: seq is the position (from 1) and the wall time is the
/// manifest's start plus the seq, so it never decreases.
pub fn bundle_of<'a>(
    manifest: &Manifest,
    events: impl Iterator<Item = &'a PlannedEvent>,
    payloads: BTreeMap<String, Vec<u8>>,
) -> Bundle {
    let events = events
        .enumerate()
        .map(|(position, planned)| {
            let seq = position as u64 + 1;
            RawTraceEvent {
                schema_version: 1,
                seq,
                wall_time_unix_ms: manifest.started_at_unix_ms + seq as i64,
                rollout_id: manifest.rollout_id.as_str().into(),
                thread_id: planned.thread_id.clone(),
                codex_turn_id: planned.codex_turn_id.clone(),
                payload: planned.payload.clone(),
            }
        })
        .collect();
    Bundle::in_memory(manifest.clone(), events, payloads)
}

/// Per-thread producer state while emitting.
#[derive(Debug, Default)]
struct ThreadState {
    /// The conversation as the producer re-sends it in a full request.
    history: Vec<Value>,
    /// Items for the next request: tool outputs, cell results, notifications.
    pending_inputs: Vec<Value>,
    /// Events whose outputs are in `pending_inputs`.
    pending_waits: Vec<usize>,
    /// Set while the last step was a completed exchange: an incremental request may follow.
    last_response_id: Option<CompactString>,
    last_spine: Option<usize>,
    current_turn: Option<CompactString>,
    /// Events the current turn's end must follow.
    turn_waits: Vec<usize>,
    /// Terminal sessions still open, for write_stdin.
    open_sessions: Vec<u64>,
    next_runtime_cell: u64,
    /// Wait calls to issue in the next completed response: (runtime cell id, cell end event).
    pending_wait_calls: Vec<(CompactString, usize)>,
    /// Ends of yielded cells that outlive the current turn, emitted after it ends.
    deferred_cell_ends: Vec<cells::DeferredCellEnd>,
    /// Cells of the current turn with no end event: the turn's end decides their status.
    cells_ended_by_turn: Vec<CompactString>,
}

struct Emitter {
    events: Vec<PlannedEvent>,
    happens_before: Vec<Vec<(usize, HbRule)>>,
    payloads: BTreeMap<String, Vec<u8>>,
    facts: ExpectedFacts,
    threads: HashMap<CompactString, ThreadState>,
    counters: HashMap<&'static str, u64>,
    children: Vec<agents::Child>,
    /// `(thread, runtime cell id) → code_cell_id`, for wait calls.
    cell_ids: HashMap<(CompactString, CompactString), CompactString>,
    /// Agent results waiting to be shown to their parent.
    notifications: Vec<agents::Notification>,
    /// The last event of each terminal session's latest operation.
    session_last: HashMap<u64, usize>,
    /// Emit the inference-timing revision's events and server times.
    timing: bool,
    /// `inference_started` event → its first delta, which the response's tools follow.
    first_deltas: HashMap<usize, usize>,
    /// The rollout stopped: nothing more is written.
    stopped: bool,
    /// The next followup_task or close_agent stops after its runtime begin.
    stop_agent_tool: bool,
}

impl Emitter {
    fn next(&mut self, counter: &'static str) -> u64 {
        let value = self.counters.entry(counter).or_insert(0);
        *value += 1;
        *value
    }

    fn payload(&mut self, kind: RawPayloadKind, value: &Value) -> RawPayloadRef {
        let n = self.payloads.len() + 1;
        let path = format!("payloads/{n}.json");
        self.payloads.insert(path.clone(), serde_json::to_vec_pretty(value).expect("JSON serializes"));
        RawPayloadRef { raw_payload_id: format_compact!("raw_payload:{n}"), kind, path: path.into() }
    }

    fn push(
        &mut self,
        thread: Option<&str>,
        turn: Option<&str>,
        payload: RawPayload,
        tag: Tag,
        preds: Vec<(usize, HbRule)>,
    ) -> usize {
        let index = self.events.len();
        debug_assert!(preds.iter().all(|(p, _)| *p < index), "causal order must respect happens-before");
        if let RawPayload::ThreadEnded { thread_id, status } = &payload {
            if let Some(fact) = self.facts.thread_facts.get_mut(thread_id) {
                fact.end = Some(thread_end_status(*status));
            }
        }
        self.events.push(PlannedEvent {
            thread_id: thread.map(CompactString::from),
            codex_turn_id: turn.map(CompactString::from),
            payload,
            tag,
        });
        self.happens_before.push(preds);
        index
    }

    /// A spine event: ordered after the thread's previous spine event, plus `extra`.
    fn spine(
        &mut self,
        thread: &str,
        envelope: bool,
        payload: RawPayload,
        tag: Tag,
        extra: Vec<(usize, HbRule)>,
    ) -> usize {
        let state = self.threads.get(thread).expect("thread state exists");
        let turn = state.current_turn.clone();
        let mut preds: Vec<(usize, HbRule)> = state.last_spine.map(|p| (p, HbRule::ThreadSpine)).into_iter().collect();
        preds.extend(extra);
        let (thread_env, turn_env) = if envelope { (Some(thread), turn.as_deref()) } else { (None, None) };
        let index = self.push(thread_env, turn_env, payload, tag, preds);
        self.threads.get_mut(thread).expect("thread state exists").last_spine = Some(index);
        index
    }

    /// The raw payload ids these events reference, in order.
    fn payload_ids_of(&self, events: &[usize]) -> Vec<CompactString> {
        events
            .iter()
            .flat_map(|&e| self.events[e].payload.payload_refs())
            .map(|payload| payload.raw_payload_id.clone())
            .collect()
    }

    fn state(&mut self, thread: &str) -> &mut ThreadState {
        self.threads.get_mut(thread).expect("thread state exists")
    }

    /// What a tool or cell started by the response of `request` must follow.
    fn after_request(&self, request: usize) -> Vec<(usize, HbRule)> {
        let mut preds = vec![(request, HbRule::AfterRequest)];
        preds.extend(self.first_deltas.get(&request).map(|&delta| (delta, HbRule::ToolAfterFirstDelta)));
        preds
    }

    fn all_events_before(&self) -> Vec<(usize, HbRule)> {
        // Only the sinks are needed, but every event is simplest and still linear to check.
        (0..self.events.len()).map(|i| (i, HbRule::RolloutEndsLast)).collect()
    }
}

/// Write a scenario out as events in causal order, as a bc8b25ea02 producer does.
pub fn emit(scenario: &Scenario) -> Emitted {
    emit_as(scenario, Revision::default_revision())
}

/// Write a scenario out as a producer of `revision` does.
pub fn emit_as(scenario: &Scenario, revision: &Revision) -> Emitted {
    let manifest = Manifest::new("trace-generated", ROOT_THREAD_ID, ROOT_THREAD_ID, STARTED_AT_UNIX_MS);
    let mut emitter = Emitter {
        events: Vec::new(),
        happens_before: Vec::new(),
        payloads: BTreeMap::new(),
        facts: ExpectedFacts::default(),
        threads: HashMap::new(),
        counters: HashMap::new(),
        children: Vec::new(),
        cell_ids: HashMap::new(),
        notifications: Vec::new(),
        session_last: HashMap::new(),
        timing: revision.timing,
        first_deltas: HashMap::new(),
        stopped: false,
        stop_agent_tool: false,
    };
    emitter.push(
        None,
        None,
        RawPayload::RolloutStarted { trace_id: "trace-generated".into(), root_thread_id: ROOT_THREAD_ID.into() },
        Tag::Plain,
        Vec::new(),
    );
    let metadata = json!({
        "thread_id": ROOT_THREAD_ID, "agent_path": ROOT_AGENT_PATH, "nickname": null, "agent_role": null,
        "session_source": "exec", "cwd": "/repo", "model": MODEL, "provider_name": PROVIDER,
    });
    let root = ThreadFact { agent_path: ROOT_AGENT_PATH.into(), nickname: None, spawned: None, end: None };
    emitter.start_thread(ROOT_THREAD_ID, root, &metadata, vec![(0, HbRule::ThreadSpine)]);
    if scenario.context_items {
        let items = conversation::context_items();
        emitter.facts.context_items = items.len();
        emitter.state(ROOT_THREAD_ID).pending_inputs = items;
    }
    if let Some(fork) = &scenario.forked_history {
        emitter.state(ROOT_THREAD_ID).pending_inputs.extend(conversation::forked_history(fork));
    }
    for turn in &scenario.turns {
        emitter.turn(ROOT_THREAD_ID, turn);
    }
    emitter.flush_deferred_cell_ends(ROOT_THREAD_ID);
    emitter.settle_notifications();
    emitter.settle_cell_outputs();
    if let Some(status) = scenario.end.filter(|_| !emitter.stopped) {
        emitter.end_rollout(status);
    }
    emitter.leave_inferences_to_turn_end();
    emitter.place_unrecorded_cells();
    let Emitter { events, happens_before, payloads, facts, .. } = emitter;
    Emitted { manifest, events, happens_before, payloads, facts }
}

impl Emitter {
    fn start_thread(&mut self, thread: &str, fact: ThreadFact, metadata: &Value, preds: Vec<(usize, HbRule)>) -> usize {
        let metadata = self.payload(RawPayloadKind::SessionMetadata, metadata);
        self.threads.insert(thread.into(), ThreadState::default());
        self.facts.threads.push(thread.into());
        let payload = RawPayload::ThreadStarted {
            thread_id: thread.into(),
            agent_path: fact.agent_path.clone(),
            metadata_payload: Some(metadata),
        };
        self.facts.thread_facts.insert(thread.into(), fact);
        self.spine(thread, false, payload, Tag::Plain, preds)
    }

    fn end_rollout(&mut self, status: RolloutStatus) {
        for child in self.children.clone() {
            if child.started && !child.closed {
                // A thread ends after its work, cells that outlived their turn included: nothing of a
                // thread follows its thread_ended (check's lifecycle rule).
                self.flush_deferred_cell_ends(&child.thread_id);
                let preds = self.all_events_before();
                let payload =
                    RawPayload::ThreadEnded { thread_id: child.thread_id.clone(), status: RolloutStatus::Completed };
                self.spine(&child.thread_id, false, payload, Tag::Plain, preds);
            }
        }
        let preds = self.all_events_before();
        let payload = RawPayload::ThreadEnded { thread_id: ROOT_THREAD_ID.into(), status };
        self.spine(ROOT_THREAD_ID, false, payload, Tag::Plain, preds);
        let preds = self.all_events_before();
        self.push(None, None, RawPayload::RolloutEnded { status }, Tag::Plain, preds);
    }
}

/// How a thread's `thread_ended` status shows in its execution window (spec: thread lifecycle).
fn thread_end_status(status: RolloutStatus) -> ExecutionStatus {
    match status {
        RolloutStatus::Running => ExecutionStatus::Running,
        RolloutStatus::Completed => ExecutionStatus::Completed,
        RolloutStatus::Failed => ExecutionStatus::Failed,
        RolloutStatus::Aborted => ExecutionStatus::Aborted,
    }
}
