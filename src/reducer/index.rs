//! Lookups kept in step with the reduced state, so that replay never scans every item or call.
//!
//! Upstream finds things by iterating its maps; each index here reproduces that iteration order:
//! `IdSet` or `BTreeSet<CompactString>` for "first/last in lexicographic id order", `Vec` for list
//! order.

use compact_str::CompactString;
use std::collections::BTreeSet;

// Ids are short strings hashed millions of times; SipHash's flooding defence buys nothing here.
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::id_set::IdSet;
use super::items::ItemSet;
use crate::model::ConversationItemKind;

/// The items of one thread with one model-visible call id, by kind (a call has two or three).
pub type CallItems = Vec<(ConversationItemKind, IdSet)>;

#[derive(Debug, Default)]
pub struct Index {
    /// `thread → call_id → kind → item ids`: the call-id consistency check, code-cell source and
    /// output lookups, and the model-visible items a tool finds at start. Nested, so a lookup
    /// borrows its strings: a `(thread, call_id, kind)` key copied the 36-byte thread id to the
    /// heap per lookup, and read it back through a pointer per match.
    pub items_by_call: HashMap<CompactString, HashMap<CompactString, CallItems>>,
    /// Per thread, the ids already in `conversation_item_ids`, which never repeats an id.
    pub thread_items: HashMap<CompactString, ItemSet>,
    /// `model_visible_call_id → tool call ids`, searched across all threads.
    pub tools_by_model_visible_call: HashMap<CompactString, Vec<CompactString>>,
    /// `item id → inference calls whose response_item_ids contain it` (id order).
    pub inferences_by_response_item: HashMap<CompactString, IdSet>,
    /// `(thread, response_id) → inference calls` (id order), for `previous_response_id`.
    pub inferences_by_response_id: HashMap<(CompactString, CompactString), IdSet>,
    /// `turn → inference calls`, closed when the turn ends.
    pub inferences_by_turn: HashMap<CompactString, Vec<CompactString>>,
    /// `turn → materialized code cells`, terminated when the turn fails or is interrupted.
    pub code_cells_by_turn: HashMap<CompactString, Vec<CompactString>>,
    /// `code_cell_id → tools whose requester names it` (id order), for backfill when a queued cell
    /// materializes after its nested tools started.
    pub tools_by_requester_cell: HashMap<CompactString, IdSet>,
    /// `(thread, model-visible call id) → queued code-cell starts` waiting for that source item.
    pub code_cell_starts_by_source: HashMap<(CompactString, CompactString), Vec<CompactString>>,
    /// Queued starts whose source item now exists; the next flush materializes them.
    pub ready_code_cell_starts: BTreeSet<CompactString>,
    /// `(terminal id, operation id)` pairs already in a session's `operation_ids`: polling one
    /// session with many write_stdin calls must not rescan its list.
    pub session_operations: HashSet<(CompactString, CompactString)>,
    /// `compaction_id → compaction requests` (id order), for `request_ids` at install.
    pub compaction_requests_by_compaction: HashMap<CompactString, IdSet>,
}

impl Index {
    pub fn items_with_call(&self, thread: &str, call_id: &str, kind: ConversationItemKind) -> Option<&IdSet> {
        let by_kind = self.items_by_call.get(thread)?.get(call_id)?;
        by_kind.iter().find(|(k, _)| *k == kind).map(|(_, ids)| ids)
    }

    pub fn add_item_with_call(&mut self, thread: &str, call_id: &str, kind: ConversationItemKind, item_id: &str) {
        if !self.items_by_call.contains_key(thread) {
            self.items_by_call.insert(thread.into(), HashMap::default());
        }
        let calls = self.items_by_call.get_mut(thread).expect("inserted above");
        if !calls.contains_key(call_id) {
            calls.insert(call_id.into(), CallItems::new());
        }
        let by_kind = calls.get_mut(call_id).expect("inserted above");
        match by_kind.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, ids)) => ids.insert(item_id.into()),
            None => by_kind.push((kind, IdSet::One(item_id.into()))),
        }
    }

    /// Record that `inference`'s response items are now `new` instead of `old`.
    pub fn set_response_items(&mut self, inference: &str, old: &[CompactString], new: &[CompactString]) {
        for item in old {
            if let Some(set) = self.inferences_by_response_item.get_mut(item) {
                set.remove(inference);
            }
        }
        for item in new {
            self.inferences_by_response_item.entry(item.clone()).or_default().insert(inference.into());
        }
    }

    /// Record that `inference` in `thread` now has `new` as its response id instead of `old`.
    pub fn set_response_id(&mut self, thread: &str, inference: &str, old: Option<&str>, new: Option<&str>) {
        if let Some(old) = old {
            if let Some(set) = self.inferences_by_response_id.get_mut(&(thread.into(), old.into())) {
                set.remove(inference);
            }
        }
        if let Some(new) = new {
            self.inferences_by_response_id.entry((thread.into(), new.into())).or_default().insert(inference.into());
        }
    }
}
