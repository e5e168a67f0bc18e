//! What stayed queued at the end of replay. Upstream drops all of it silently; we return it as
//! data so that `check` and the property suite can call it out.

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use super::Replay;
use crate::bundle::CodeCellRuntimeStatus;
use crate::model::{InteractionEdgeKind, TraceAnchor};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Leftovers {
    /// Code-cell starts whose `custom_tool_call` item never appeared, with what waited on them.
    pub unmaterialized_code_cells: Vec<UnmaterializedCodeCell>,
    /// Agent edges that never reached a recipient item (spawn edges with a started child excepted).
    pub undelivered_edges: Vec<UndeliveredEdge>,
    /// Compaction replacements that no later full request consumed.
    pub unconsumed_compaction_replacements: Vec<UnconsumedReplacement>,
}

impl Leftovers {
    pub fn is_empty(&self) -> bool {
        self.unmaterialized_code_cells.is_empty()
            && self.undelivered_edges.is_empty()
            && self.unconsumed_compaction_replacements.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnmaterializedCodeCell {
    pub code_cell_id: CompactString,
    pub thread_id: CompactString,
    pub runtime_cell_id: CompactString,
    pub model_visible_call_id: CompactString,
    pub start_seq: u64,
    pub waiting_lifecycle_events: Vec<WaitingLifecycleEvent>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WaitingLifecycleEvent {
    pub seq: u64,
    /// `initial_response` or `end`.
    pub event: &'static str,
    pub status: CodeCellRuntimeStatus,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UndeliveredEdge {
    pub edge_id: CompactString,
    pub kind: InteractionEdgeKind,
    pub source: TraceAnchor,
    pub target_thread_id: CompactString,
    pub reason: UndeliveredReason,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UndeliveredReason {
    /// A spawn edge whose child thread never started: no fallback target exists.
    ChildThreadNeverStarted,
    /// The recipient thread never started.
    TargetThreadNeverStarted,
    /// The recipient thread exists but never showed the message.
    MessageNeverDelivered,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnconsumedReplacement {
    pub thread_id: CompactString,
    pub replacement_item_ids: Vec<CompactString>,
}

impl Replay<'_> {
    pub(super) fn leftovers(&mut self, undelivered_edges: Vec<UndeliveredEdge>) -> Leftovers {
        let mut unmaterialized_code_cells = Vec::new();
        for (code_cell_id, start) in std::mem::take(&mut self.pending_code_cell_starts) {
            let mut waiting = self.pending_code_cell_lifecycle.remove(&code_cell_id).unwrap_or_default();
            waiting.sort_by_key(|event| event.seq);
            unmaterialized_code_cells.push(UnmaterializedCodeCell {
                code_cell_id,
                thread_id: start.thread_id,
                runtime_cell_id: start.runtime_cell_id,
                model_visible_call_id: start.model_visible_call_id,
                start_seq: start.seq,
                waiting_lifecycle_events: waiting
                    .into_iter()
                    .map(|event| WaitingLifecycleEvent {
                        seq: event.seq,
                        event: event.kind.name(),
                        status: event.status,
                    })
                    .collect(),
            });
        }
        let mut unconsumed_compaction_replacements: Vec<UnconsumedReplacement> =
            std::mem::take(&mut self.pending_compaction_replacements)
                .into_iter()
                .map(|(thread_id, replacement_item_ids)| UnconsumedReplacement { thread_id, replacement_item_ids })
                .collect();
        unconsumed_compaction_replacements.sort_by(|a, b| a.thread_id.cmp(&b.thread_id));
        Leftovers { unmaterialized_code_cells, undelivered_edges, unconsumed_compaction_replacements }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leftovers_are_empty_only_when_every_queue_is() {
        assert!(Leftovers::default().is_empty());
        let cell = UnmaterializedCodeCell {
            code_cell_id: "code_cell:c".into(),
            thread_id: "t".into(),
            runtime_cell_id: "r".into(),
            model_visible_call_id: "c".into(),
            start_seq: 1,
            waiting_lifecycle_events: Vec::new(),
        };
        let edge = UndeliveredEdge {
            edge_id: "e".into(),
            kind: InteractionEdgeKind::SpawnAgent,
            source: TraceAnchor::Thread { thread_id: "t".into() },
            target_thread_id: "u".into(),
            reason: UndeliveredReason::ChildThreadNeverStarted,
        };
        let replacement = UnconsumedReplacement { thread_id: "t".into(), replacement_item_ids: Vec::new() };
        let only = [
            Leftovers { unmaterialized_code_cells: vec![cell], ..Leftovers::default() },
            Leftovers { undelivered_edges: vec![edge], ..Leftovers::default() },
            Leftovers { unconsumed_compaction_replacements: vec![replacement], ..Leftovers::default() },
        ];
        for leftovers in only {
            assert!(!leftovers.is_empty(), "{leftovers:?}");
        }
    }
}
