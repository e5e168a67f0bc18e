//! The reference reducer: replays a bundle into the reduced graph exactly as upstream does.
//!
//! The driver owns the state, its indexes and the pending queues; each domain (threads,
//! inference, conversation, compaction, tools, terminals, code cells, agents) adds handlers in its
//! own file. Every lookup goes through an index kept in step with the state, so replay is linear.

mod agents;
mod ahead;
mod code_cell;
mod compaction;
#[doc(hidden)]
pub mod conversation;
mod id_set;
mod index;
mod inference;
mod items;
mod leftovers;
mod planted;
mod terminal;
mod thread;
mod timing;
mod tool;

use compact_str::{format_compact, CompactString};
use std::cell::RefCell;
use std::collections::BTreeMap;

use rustc_hash::FxHashMap as HashMap;
use std::path::Path;

pub use leftovers::{
    Leftovers, UnconsumedReplacement, UndeliveredEdge, UndeliveredReason, UnmaterializedCodeCell, WaitingLifecycleEvent,
};

use crate::bundle::{Bundle, RawPayload, RawPayloadRef, RawTraceEvent};
use crate::error::{Error, ErrorKind};
use crate::model::RolloutTrace;
use crate::revision::Revision;

use agents::PendingEdges;
use code_cell::{PendingCodeCellStart, PendingLifecycleEvent};
use index::Index;
#[doc(hidden)]
pub use planted::PlantedBugs;

/// What a successful replay yields: the reduced graph and what stayed queued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replayed {
    pub trace: RolloutTrace,
    /// Queued work that never resolved. Upstream drops it silently; we report it.
    pub leftovers: Leftovers,
}

/// Replay a bundle read from `dir`.
pub fn replay_dir(dir: impl AsRef<Path>) -> Result<Replayed, Error> {
    replay(&Bundle::open_dir(dir)?)
}

/// Replay a bundle read from `dir` under `revision`.
pub fn replay_dir_with(dir: impl AsRef<Path>, options: &ReplayOptions) -> Result<Replayed, Error> {
    replay_with(&Bundle::open_dir(dir)?, options)
}

/// Replay a bundle under the default revision: every event in file order, then the end-of-replay
/// spawn fallback.
pub fn replay(bundle: &Bundle) -> Result<Replayed, Error> {
    replay_with(bundle, &ReplayOptions::default())
}

/// Replay with deliberate bugs, for the suite-sensitivity tests only.
#[doc(hidden)]
pub fn replay_with_bugs(bundle: &Bundle, bugs: PlantedBugs) -> Result<Replayed, Error> {
    replay_with(bundle, &ReplayOptions { bugs, ..ReplayOptions::default() })
}

/// How to replay: which revision's rules, and (for the suite-sensitivity tests) which bugs.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReplayOptions {
    pub revision: &'static Revision,
    #[doc(hidden)]
    pub bugs: PlantedBugs,
}

impl ReplayOptions {
    pub fn revision(revision: &'static Revision) -> Self {
        ReplayOptions { revision, ..ReplayOptions::default() }
    }
}

/// Replay a bundle under `options.revision`.
pub fn replay_with(bundle: &Bundle, options: &ReplayOptions) -> Result<Replayed, Error> {
    let mut replay = Replay::new(bundle, options);
    let summary_limit = replay.summary_limit();
    let read = |payload: &RawPayloadRef| ahead::read(bundle, payload, summary_limit);
    let stop = bundle.each_event_read_ahead(read, |record, ahead| {
        *replay.ahead.get_mut() = ahead;
        replay.event(record.line, &record.event).map_err(|e| e.at_event(record.line, record.event.seq))
    })?;
    if let Some(stop) = &stop {
        return Err(timing::stop_as_read_by(stop, options.revision));
    }
    replay.finish()
}

/// The envelope facts a handler may need.
#[derive(Debug, Clone, Copy)]
struct Ctx<'e> {
    /// The event's line in `trace.jsonl`, for errors that stand for a parse failure there.
    line: usize,
    seq: u64,
    wall: i64,
    /// The envelope thread; only some handlers read it (spec §J.11).
    thread_id: Option<&'e str>,
    /// The envelope turn; only some handlers read it.
    codex_turn_id: Option<&'e str>,
}

struct Replay<'b> {
    bundle: &'b Bundle,
    /// Conversation items live in `items` until the end of replay.
    trace: RolloutTrace,
    items: items::Items,
    /// Counter behind `conversation_item:<n>`, shared by all threads.
    next_item: u64,
    /// Counter behind `terminal_operation:<n>`.
    next_operation: u64,
    /// Per thread, the item ids of its latest request view; full requests reuse by position in it
    /// and incremental deltas must agree with it.
    snapshots: HashMap<CompactString, Vec<CompactString>>,
    /// Per thread, the replacement items of an installed compaction: a compaction rewrites the
    /// model's history, so only the next full request can show which items it kept.
    pending_compaction_replacements: HashMap<CompactString, Vec<CompactString>>,
    /// `(thread, runtime_cell_id) → code_cell_id`, recorded at start even while the start is
    /// queued, because nested tools and lifecycle events name cells by runtime id only.
    runtime_cells: HashMap<(CompactString, CompactString), CompactString>,
    /// Code-cell starts whose `exec` custom_tool_call item has not appeared yet: the runtime
    /// starts the cell before the stream-completion hook records the response that asked for it.
    pending_code_cell_starts: BTreeMap<CompactString, PendingCodeCellStart>,
    /// Initial responses and ends of still-queued cells: a fast cell can finish before its
    /// response is recorded. Kept sorted by seq and replayed when the cell materializes.
    pending_code_cell_lifecycle: HashMap<CompactString, Vec<PendingLifecycleEvent>>,
    /// Agent edges waiting for the recipient's model-visible item: the child sees the message
    /// in a later request than the one the parent's tool event is recorded in.
    pending_edges: PendingEdges,
    index: Index,
    bugs: PlantedBugs,
    /// Read through its bool switches only: no per-event comparison of names.
    revision: &'static Revision,
    /// The payload files of the event being handled, read ahead of it (`ahead::read`) and taken
    /// when asked for.
    ahead: RefCell<ahead::PayloadsAhead>,
}

impl<'b> Replay<'b> {
    /// An empty replay of `bundle`: the trace as its manifest starts it, nothing queued.
    pub(super) fn new(bundle: &'b Bundle, options: &ReplayOptions) -> Self {
        let (revision, bugs) = (options.revision, options.bugs);
        let manifest = &bundle.manifest;
        let trace = RolloutTrace::new(
            manifest.trace_id.as_str().into(),
            manifest.rollout_id.as_str().into(),
            manifest.root_thread_id.as_str().into(),
            manifest.started_at_unix_ms,
        );
        Replay {
            bundle,
            trace,
            items: items::Items::default(),
            next_item: 1,
            next_operation: 1,
            snapshots: HashMap::default(),
            pending_compaction_replacements: HashMap::default(),
            runtime_cells: HashMap::default(),
            pending_code_cell_starts: BTreeMap::new(),
            pending_code_cell_lifecycle: HashMap::default(),
            pending_edges: PendingEdges::default(),
            index: Index::default(),
            bugs,
            revision,
            ahead: RefCell::new(Vec::new()),
        }
    }
}

impl Replay<'_> {
    fn event(&mut self, line: usize, event: &RawTraceEvent) -> Result<(), Error> {
        for payload in event.payload.payload_refs() {
            self.trace.raw_payloads.insert(payload.raw_payload_id.clone(), payload.clone());
        }
        let ctx = Ctx {
            line,
            seq: event.seq,
            wall: event.wall_time_unix_ms,
            thread_id: event.thread_id.as_deref(),
            codex_turn_id: event.codex_turn_id.as_deref(),
        };
        use RawPayload::*;
        match &event.payload {
            RolloutStarted { trace_id, root_thread_id } => {
                self.trace.trace_id = trace_id.clone();
                self.trace.root_thread_id = root_thread_id.clone();
                Ok(())
            }
            RolloutEnded { status } => {
                self.trace.status = *status;
                self.trace.ended_at_unix_ms = Some(ctx.wall);
                Ok(())
            }
            ThreadStarted { thread_id, agent_path, metadata_payload } => {
                self.thread_started(ctx, thread_id, agent_path, metadata_payload.as_ref())
            }
            ThreadEnded { thread_id, status } => self.thread_ended(ctx, thread_id, *status),
            CodexTurnStarted { codex_turn_id, thread_id } => self.turn_started(ctx, codex_turn_id, thread_id),
            CodexTurnEnded { codex_turn_id, status } => self.turn_ended(ctx, codex_turn_id, *status),
            InferenceStarted { .. } => self.inference_started(ctx, &event.payload),
            InferenceResponseCreated { .. } | InferenceFirstDelta { .. } if !self.revision.timing => {
                Err(timing::newer_event(ctx, self.revision, &event.payload))
            }
            InferenceResponseCreated { inference_call_id, response_id, server_created_at_unix_ms } => {
                self.inference_response_created(ctx, inference_call_id, response_id, *server_created_at_unix_ms)
            }
            InferenceFirstDelta { inference_call_id } => self.inference_first_delta(ctx, inference_call_id),
            InferenceCompleted {
                inference_call_id,
                response_id,
                upstream_request_id,
                server_created_at_unix_ms,
                server_completed_at_unix_ms,
                response_payload,
            } => {
                let server = match self.revision.timing {
                    true => timing::server_times(ctx, server_created_at_unix_ms, server_completed_at_unix_ms)?,
                    false => None,
                };
                self.inference_ended(
                    ctx,
                    inference_call_id,
                    inference::Outcome::Completed { response_id: response_id.clone(), server },
                    upstream_request_id,
                    Some(response_payload),
                )
            }
            InferenceFailed { inference_call_id, upstream_request_id, partial_response_payload, .. } => self
                .inference_ended(
                    ctx,
                    inference_call_id,
                    inference::Outcome::Failed,
                    upstream_request_id,
                    partial_response_payload.as_ref(),
                ),
            InferenceCancelled { inference_call_id, upstream_request_id, partial_response_payload, .. } => self
                .inference_ended(
                    ctx,
                    inference_call_id,
                    inference::Outcome::Cancelled,
                    upstream_request_id,
                    partial_response_payload.as_ref(),
                ),
            ToolCallStarted { .. } => self.tool_call_started(ctx, &event.payload),
            McpToolCallCorrelationAssigned { tool_call_id, mcp_call_id } => {
                self.mcp_correlation(tool_call_id, mcp_call_id)
            }
            ToolCallRuntimeStarted { tool_call_id, runtime_payload } => {
                self.tool_runtime_started(ctx, tool_call_id, runtime_payload)
            }
            ToolCallRuntimeEnded { tool_call_id, status, runtime_payload } => {
                self.tool_runtime_ended(ctx, tool_call_id, *status, runtime_payload)
            }
            ToolCallEnded { tool_call_id, status, result_payload } => {
                self.tool_call_ended(ctx, tool_call_id, *status, result_payload.as_ref())
            }
            CodeCellStarted { runtime_cell_id, model_visible_call_id, source_js } => {
                self.code_cell_started(ctx, runtime_cell_id, model_visible_call_id, source_js)
            }
            CodeCellInitialResponse { runtime_cell_id, status, .. } => {
                self.code_cell_lifecycle(ctx, runtime_cell_id, code_cell::Lifecycle::InitialResponse, *status)
            }
            CodeCellEnded { runtime_cell_id, status, .. } => {
                self.code_cell_lifecycle(ctx, runtime_cell_id, code_cell::Lifecycle::End, *status)
            }
            CompactionRequestStarted { .. } => self.compaction_request_started(ctx, &event.payload),
            CompactionRequestCompleted { compaction_id, compaction_request_id, response_payload } => {
                self.compaction_request_ended(ctx, compaction_id, compaction_request_id, Some(response_payload))
            }
            CompactionRequestFailed { compaction_id, compaction_request_id, .. } => {
                self.compaction_request_ended(ctx, compaction_id, compaction_request_id, None)
            }
            CompactionInstalled { compaction_id, checkpoint_payload } => {
                self.compaction_installed(ctx, compaction_id, checkpoint_payload)
            }
            AgentResultObserved { .. } => self.agent_result_observed(ctx, &event.payload),
            ProtocolEventObserved { .. } => Ok(()),
            Other { .. } => Err(ErrorKind::OtherEvent.into()),
        }
    }

    /// End of replay: spawn edges fall back to the child thread; the rest is reported.
    fn finish(mut self) -> Result<Replayed, Error> {
        let undelivered = self.resolve_spawn_fallbacks()?;
        let leftovers = self.leftovers(undelivered);
        self.trace.conversation_items = self.items.into_map();
        Ok(Replayed { trace: self.trace, leftovers })
    }

    /// A thread's snapshot, taken out rather than copied: a request replaces it afterwards, a
    /// response extends it, and a compaction puts it back unchanged.
    fn take_snapshot(&mut self, thread_id: &str) -> Vec<CompactString> {
        self.snapshots.remove(thread_id).unwrap_or_default()
    }

    /// The next `conversation_item:<n>`, from the counter all threads share.
    fn next_item_id(&mut self) -> CompactString {
        let item_id = format_compact!("{}{}", items::PREFIX, self.next_item);
        self.next_item += 1;
        item_id
    }

    fn summary_limit(&self) -> usize {
        match self.bugs.no_summary_cut {
            true => usize::MAX,
            false => conversation::normalize::SUMMARY_LIMIT,
        }
    }

    fn unknown_thread(thread_id: &str) -> Error {
        ErrorKind::UnknownThread(thread_id.into()).into()
    }
}
