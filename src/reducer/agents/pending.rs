//! The pending-edge queue and the lookups that resolve it in linear time.

use compact_str::CompactString;
use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::error::{Error, ErrorKind};
use crate::model::{InteractionEdge, InteractionEdgeKind, TraceAnchor};
use crate::reducer::tool::push_unique;

/// An edge waiting for its recipient's model-visible item (§D.9.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingEdge {
    pub edge_id: CompactString,
    pub kind: InteractionEdgeKind,
    pub source: TraceAnchor,
    pub target_thread_id: CompactString,
    /// The sender's agent path, as the delivered item names its author.
    pub message_author: CompactString,
    pub message_content: CompactString,
    /// Spawn edges only: the child thread to fall back to at the end of replay.
    pub unresolved_spawn_thread_id: Option<CompactString>,
    pub started_at_unix_ms: i64,
    pub ended_at_unix_ms: Option<i64>,
    pub carried_raw_payload_ids: Vec<CompactString>,
}

impl PendingEdge {
    pub fn materialize(self, target: TraceAnchor, carried_item_ids: Vec<CompactString>) -> InteractionEdge {
        InteractionEdge {
            edge_id: self.edge_id,
            kind: self.kind,
            source: self.source,
            target,
            started_at_unix_ms: self.started_at_unix_ms,
            ended_at_unix_ms: self.ended_at_unix_ms,
            carried_item_ids,
            carried_raw_payload_ids: self.carried_raw_payload_ids,
        }
    }

    fn delivery_data_equal(&self, other: &PendingEdge) -> bool {
        self.kind == other.kind
            && self.source == other.source
            && self.target_thread_id == other.target_thread_id
            && self.message_author == other.message_author
            && self.message_content == other.message_content
            && self.unresolved_spawn_thread_id == other.unresolved_spawn_thread_id
    }
}

/// `(thread, author, content)`: how a delivered message and a pending edge find each other.
type Route = (CompactString, CompactString, CompactString);

/// The pending list in insertion order, plus the indexes over it and over delivered messages.
#[derive(Debug, Default)]
pub struct PendingEdges {
    /// List order is insertion order; upstream resolves the first match in list order.
    queue: BTreeMap<u64, PendingEdge>,
    /// Insertion counter: keys of `queue` and `delivered` sort in arrival order.
    next: u64,
    /// `edge_id → queue key`: a second observation of a pending edge merges into it.
    by_id: HashMap<CompactString, u64>,
    /// `(target thread, author, content) → queue keys`: an arriving message resolves the first.
    by_route: HashMap<Route, BTreeSet<u64>>,
    /// `tool_call_id → queue keys`: a tool result joins the first pending edge from its tool.
    by_source_tool: HashMap<CompactString, BTreeSet<u64>>,
    /// Items already the target of a materialized edge; each item delivers one edge.
    linked: HashSet<CompactString>,
    /// Per route, the unlinked inter-agent message items in their thread's list order (keyed by
    /// arrival), so the first unlinked one is found without rescanning linked ones.
    delivered: HashMap<Route, BTreeMap<u64, CompactString>>,
    /// Where each unlinked delivered item sits in `delivered`, to drop it once it is linked.
    delivered_at: HashMap<CompactString, (Route, u64)>,
    /// `tool_call_id → materialized edges from that tool` (id order).
    materialized_by_source_tool: HashMap<CompactString, BTreeSet<CompactString>>,
    /// `(thread, turn) → (first_seen, item_id)` of the latest plain assistant message.
    latest_assistant: HashMap<(CompactString, CompactString), (i64, CompactString)>,
}

/// The later of two optional end times; absent only when both are.
pub fn max_present(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

fn route(thread: &str, (author, content): &(CompactString, CompactString)) -> Route {
    (thread.into(), author.clone(), content.clone())
}

impl PendingEdges {
    pub fn is_linked(&self, item_id: &str) -> bool {
        self.linked.contains(item_id)
    }

    pub fn link(&mut self, item_id: &str) {
        self.linked.insert(item_id.into());
        if let Some((route, key)) = self.delivered_at.remove(item_id) {
            if let Some(items) = self.delivered.get_mut(&route) {
                items.remove(&key);
            }
        }
    }

    pub fn offer_delivered_message(
        &mut self,
        thread: &str,
        author_content: (CompactString, CompactString),
        item_id: &str,
    ) {
        if self.linked.contains(item_id) {
            return;
        }
        let key = self.next;
        self.next += 1;
        let route = route(thread, &author_content);
        self.delivered.entry(route.clone()).or_default().insert(key, item_id.into());
        self.delivered_at.insert(item_id.into(), (route, key));
    }

    /// The first message in the thread's list with this author and content that no edge targets.
    pub fn first_unlinked_message(
        &self,
        thread: &str,
        author_content: &(CompactString, CompactString),
    ) -> Option<CompactString> {
        self.delivered.get(&route(thread, author_content))?.values().next().cloned()
    }

    pub fn offer_assistant_message(&mut self, thread: &str, turn: &str, item_id: &str, first_seen: i64) {
        let candidate = (first_seen, CompactString::from(item_id));
        let best = self.latest_assistant.entry((thread.into(), turn.into())).or_insert_with(|| candidate.clone());
        if candidate > *best {
            *best = candidate;
        }
    }

    pub fn latest_assistant_message(&self, thread: &str, turn: &str) -> Option<CompactString> {
        self.latest_assistant.get(&(thread.into(), turn.into())).map(|(_, item)| item.clone())
    }

    /// Merge into a pending edge with the same id (its delivery data must agree), else queue.
    pub fn merge_or_push(&mut self, edge: PendingEdge) -> Result<(), Error> {
        if let Some(existing) = self.by_id.get(&edge.edge_id).and_then(|key| self.queue.get_mut(key)) {
            if !existing.delivery_data_equal(&edge) {
                return Err(ErrorKind::PendingEdgeConflict(edge.edge_id).into());
            }
            existing.started_at_unix_ms = existing.started_at_unix_ms.min(edge.started_at_unix_ms);
            existing.ended_at_unix_ms = max_present(existing.ended_at_unix_ms, edge.ended_at_unix_ms);
            for id in &edge.carried_raw_payload_ids {
                push_unique(&mut existing.carried_raw_payload_ids, id);
            }
            return Ok(());
        }
        let key = self.next;
        self.next += 1;
        self.by_id.insert(edge.edge_id.clone(), key);
        let author_content = (edge.message_author.clone(), edge.message_content.clone());
        self.by_route.entry(route(&edge.target_thread_id, &author_content)).or_default().insert(key);
        if let TraceAnchor::ToolCall { tool_call_id } = &edge.source {
            self.by_source_tool.entry(tool_call_id.clone()).or_default().insert(key);
        }
        self.queue.insert(key, edge);
        Ok(())
    }

    /// Remove and return the first pending edge (list order) for this route.
    pub fn take_first_matching(
        &mut self,
        thread: &str,
        author_content: &(CompactString, CompactString),
    ) -> Option<PendingEdge> {
        let key = *self.by_route.get(&route(thread, author_content))?.first()?;
        self.remove(key)
    }

    fn remove(&mut self, key: u64) -> Option<PendingEdge> {
        let edge = self.queue.remove(&key)?;
        self.by_id.remove(&edge.edge_id);
        let author_content = (edge.message_author.clone(), edge.message_content.clone());
        if let Some(keys) = self.by_route.get_mut(&route(&edge.target_thread_id, &author_content)) {
            keys.remove(&key);
        }
        if let TraceAnchor::ToolCall { tool_call_id } = &edge.source {
            if let Some(keys) = self.by_source_tool.get_mut(tool_call_id) {
                keys.remove(&key);
            }
        }
        Some(edge)
    }

    pub fn note_materialized_source(&mut self, tool_call_id: &str, edge_id: &str) {
        self.materialized_by_source_tool.entry(tool_call_id.into()).or_default().insert(edge_id.into());
    }

    pub fn first_materialized_from(&self, tool_call_id: &str) -> Option<CompactString> {
        self.materialized_by_source_tool.get(tool_call_id)?.first().cloned()
    }

    pub fn attach_to_first_pending_from(&mut self, tool_call_id: &str, payload_id: &str) {
        let Some(key) = self.by_source_tool.get(tool_call_id).and_then(|keys| keys.first()) else { return };
        if let Some(edge) = self.queue.get_mut(key) {
            push_unique(&mut edge.carried_raw_payload_ids, payload_id);
        }
    }

    /// Everything still pending, in list order.
    pub fn drain(&mut self) -> Vec<PendingEdge> {
        self.by_id.clear();
        self.by_route.clear();
        self.by_source_tool.clear();
        std::mem::take(&mut self.queue).into_values().collect()
    }
}
