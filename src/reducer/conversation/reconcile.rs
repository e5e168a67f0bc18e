//! Reconcile passes (§D.4.2–§D.4.3): reuse a stored item or create one, then link it.

use compact_str::CompactString;
use rustc_hash::{FxHashMap, FxHashSet};

use super::normalize::NormalizedItem;
use crate::error::{Error, ErrorKind};
use crate::model::{ConversationItem, ConversationItemKind as Kind, ConversationPart as Part, ProducerRef};
use crate::reducer::Replay;

/// How a pass chooses between reusing a stored item and creating one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Full requests: reuse by position, else the first unused match anywhere in `previous`.
    FullSnapshot,
    /// Incremental deltas and responses: the position must match, or is past the end (new item).
    AppendOnly,
    /// Compaction checkpoints: the first unused match among the candidates, else new.
    Detached,
}

/// One reconcile pass over a list of normalized items.
pub struct Pass<'a> {
    pub thread_id: &'a str,
    pub codex_turn_id: &'a str,
    pub wall: i64,
    pub mode: Mode,
    pub previous: &'a [CompactString],
    pub start_index: usize,
    pub producers: Vec<ProducerRef>,
}

impl<'a> Pass<'a> {
    pub fn new(
        thread_id: &'a str,
        codex_turn_id: &'a str,
        wall: i64,
        mode: Mode,
        previous: &'a [CompactString],
        start_index: usize,
    ) -> Self {
        Pass { thread_id, codex_turn_id, wall, mode, previous, start_index, producers: Vec::new() }
    }

    /// The producers appended to every item this pass chooses.
    pub fn producing(mut self, producers: Vec<ProducerRef>) -> Self {
        self.producers = producers;
        self
    }
}

/// A hash such that two items that match (§D.4.2) hash alike; a bucket is confirmed with
/// [`matches`]. Hashing the fields beats formatting a key string with `{:?}` on every search.
///
/// Matching compares role, channel, kind, call id, agent routing and the body, with JSON parts
/// compared by summary only. Reasoning with encrypted content matches on its first encoded part
/// alone; the merge never changes that part, so the hash of a stored item is stable.
pub fn match_hash(item: &NormalizedItem) -> u64 {
    hash_fields(item.role, item.channel, item.kind, &item.call_id, &item.agent_message, &item.parts)
}

fn stored_hash(item: &ConversationItem) -> u64 {
    hash_fields(item.role, item.channel, item.kind, &item.call_id, &item.agent_message, &item.body.parts)
}

fn hash_fields(
    role: crate::model::ConversationRole,
    channel: Option<crate::model::ConversationChannel>,
    kind: Kind,
    call_id: &Option<CompactString>,
    agent_message: &Option<crate::model::AgentMessageRoute>,
    parts: &[Part],
) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = rustc_hash::FxHasher::default();
    (role, channel, kind, call_id, agent_message).hash(&mut hasher);
    match (kind, first_encoded(parts)) {
        (Kind::Reasoning, Some(encoded)) => (0u8, encoded).hash(&mut hasher),
        _ => {
            1u8.hash(&mut hasher);
            parts.len().hash(&mut hasher);
            for part in parts {
                match part {
                    Part::Json { summary, .. } => ("json", summary).hash(&mut hasher),
                    other => other.hash(&mut hasher),
                }
            }
        }
    }
    hasher.finish()
}

fn first_encoded(parts: &[Part]) -> Option<&Part> {
    parts.iter().find(|part| matches!(part, Part::Encoded { .. }))
}

/// Whether a stored item matches a normalized one (§D.4.2), field by field.
fn matches(stored: &ConversationItem, item: &NormalizedItem) -> bool {
    let same_header = stored.role == item.role
        && stored.channel == item.channel
        && stored.kind == item.kind
        && stored.call_id == item.call_id
        && stored.agent_message == item.agent_message;
    same_header
        && match (item.kind, first_encoded(&item.parts)) {
            (Kind::Reasoning, Some(encoded)) => first_encoded(&stored.body.parts) == Some(encoded),
            _ => same_body(&stored.body.parts, &item.parts),
        }
}

/// Equality by the general rule: parts pairwise equal, JSON parts by summary.
fn same_body(a: &[Part], b: &[Part]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|pair| match pair {
            (Part::Json { summary: x, .. }, Part::Json { summary: y, .. }) => x == y,
            (x, y) => x == y,
        })
}

/// Re-sighting of reasoning with the same encrypted identity: the first readable text and
/// summary win; the stored encoded parts stay.
fn merge_reasoning(stored: &[Part], incoming: &[Part]) -> Option<Vec<Part>> {
    if same_body(stored, incoming) {
        return None;
    }
    let texts = |parts: &[Part]| parts.iter().filter(|p| matches!(p, Part::Text { .. })).cloned().collect::<Vec<_>>();
    let summaries =
        |parts: &[Part]| parts.iter().filter(|p| matches!(p, Part::Summary { .. })).cloned().collect::<Vec<_>>();
    let (stored_texts, stored_summaries) = (texts(stored), summaries(stored));
    if !stored_texts.is_empty() && !stored_summaries.is_empty() {
        return None;
    }
    let mut merged = if stored_texts.is_empty() { texts(incoming) } else { stored_texts };
    merged.extend(if stored_summaries.is_empty() { summaries(incoming) } else { stored_summaries });
    merged.extend(stored.iter().filter(|p| matches!(p, Part::Encoded { .. })).cloned());
    Some(merged)
}

impl Replay<'_> {
    /// Run one pass; returns the chosen ids in input order. Flushes queued code-cell starts after.
    pub(in crate::reducer) fn reconcile(
        &mut self,
        pass: Pass,
        items: Vec<NormalizedItem>,
    ) -> Result<Vec<CompactString>, Error> {
        let mut chosen_ids = Vec::with_capacity(items.len());
        let mut used: FxHashSet<CompactString> = FxHashSet::default();
        // Built on the first search only: most full requests reuse every item by position.
        let mut previous_by_key: Option<FxHashMap<u64, Vec<usize>>> = None;
        for (offset, item) in items.into_iter().enumerate() {
            let index = pass.start_index + offset;
            self.check_call_id(pass.thread_id, &item)?;
            let positional = pass.previous.get(index).filter(|id| self.stored_matches(id, &item));
            let chosen = match pass.mode {
                Mode::FullSnapshot | Mode::Detached => {
                    let reused = match (pass.mode, positional) {
                        (Mode::FullSnapshot, Some(id)) => Some(id.clone()),
                        _ => {
                            let by_key = previous_by_key.get_or_insert_with(|| {
                                let mut by_key: FxHashMap<u64, Vec<usize>> = FxHashMap::default();
                                for (position, id) in pass.previous.iter().enumerate() {
                                    by_key.entry(self.stored_key(id)).or_default().push(position);
                                }
                                by_key
                            });
                            // Positions ascend in each bucket; `matches` drops hash collisions.
                            by_key
                                .get(&match_hash(&item))
                                .and_then(|positions| {
                                    positions
                                        .iter()
                                        .map(|&p| &pass.previous[p])
                                        .find(|id| !used.contains(*id) && self.stored_matches(id, &item))
                                })
                                .cloned()
                        }
                    };
                    match reused {
                        Some(id) => id,
                        None => self.create_item(&pass, &item),
                    }
                }
                Mode::AppendOnly => match (pass.previous.get(index), positional) {
                    (None, _) => self.create_item(&pass, &item),
                    (Some(_), Some(id)) => id.clone(),
                    (Some(existing), None) => {
                        return Err(ErrorKind::ConversationMismatch {
                            turn: pass.codex_turn_id.into(),
                            thread: pass.thread_id.into(),
                            index,
                            item: existing.clone(),
                        }
                        .into())
                    }
                },
            };
            used.insert(chosen.clone());
            self.sighted(&pass, &chosen, &item)?;
            chosen_ids.push(chosen);
        }
        self.flush_code_cell_starts()?;
        Ok(chosen_ids)
    }

    /// Every same-thread item with this call id and kind must match a new sighting. Matching is
    /// an equivalence and each stored item passed this check, so the first one stands for all.
    fn check_call_id(&self, thread_id: &str, item: &NormalizedItem) -> Result<(), Error> {
        let Some(call_id) = &item.call_id else { return Ok(()) };
        let Some(existing) = self.index.items_with_call(thread_id, call_id, item.kind).and_then(|ids| ids.first())
        else {
            return Ok(());
        };
        if !self.stored_matches(existing, item) {
            return Err(ErrorKind::CallIdReused(call_id.clone()).into());
        }
        Ok(())
    }

    fn stored_matches(&self, item_id: &str, item: &NormalizedItem) -> bool {
        self.items.get(item_id).is_some_and(|stored| matches(stored, item))
    }

    /// A missing item (never the case for ids in a snapshot) gets a bucket `matches` rejects.
    fn stored_key(&self, item_id: &str) -> u64 {
        self.items.get(item_id).map(stored_hash).unwrap_or_default()
    }

    pub(in crate::reducer) fn create_item(&mut self, pass: &Pass, item: &NormalizedItem) -> CompactString {
        let item_id = self.next_item_id();
        let stored =
            item.stored(item_id.clone(), pass.thread_id, Some(pass.codex_turn_id), pass.wall, pass.producers.clone());
        if let Some(call_id) = &item.call_id {
            self.index.add_item_with_call(pass.thread_id, call_id, item.kind, &item_id);
            if item.kind == Kind::CustomToolCall {
                self.note_code_cell_source(pass.thread_id, call_id);
            }
        }
        self.note_agent_result_candidate(&stored);
        self.items.insert(stored);
        item_id
    }

    /// The steps every chosen item goes through, in upstream's order.
    fn sighted(&mut self, pass: &Pass, item_id: &str, item: &NormalizedItem) -> Result<(), Error> {
        let stored = self.items.get_mut(item_id).expect("chosen items exist");
        if item.kind == Kind::Reasoning && self.bugs.last_reasoning_wins {
            stored.body.parts = item.parts.clone();
        } else if item.kind == Kind::Reasoning {
            if let Some(merged) = merge_reasoning(&stored.body.parts, &item.parts) {
                stored.body.parts = merged;
            }
        }
        for producer in &pass.producers {
            if !stored.produced_by.contains(producer) {
                stored.produced_by.push(producer.clone());
            }
        }
        self.link_item_to_tool(item_id)?;
        self.link_code_cell_output(item_id);
        self.resolve_pending_edge_for_item(item_id)?;
        Ok(())
    }
}

/// For `cargo bench` only: reconcile `requests` in turn as full requests of one thread, each
/// against the snapshot the previous one left, as a growing conversation does. Returns the number
/// of items stored.
#[doc(hidden)]
pub fn reconcile_full_requests(
    bundle: &crate::bundle::Bundle,
    requests: &[Vec<NormalizedItem>],
) -> Result<usize, Error> {
    let mut replay = Replay::new(bundle, &crate::reducer::ReplayOptions::default());
    let mut snapshot = Vec::new();
    for items in requests {
        let pass = Pass::new("thread", "turn", 0, Mode::FullSnapshot, &snapshot, 0);
        snapshot = replay.reconcile(pass, items.clone())?;
    }
    Ok(replay.items.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ConversationChannel, ConversationRole};

    fn item(kind: Kind, parts: Vec<Part>) -> NormalizedItem {
        let role = ConversationRole::Assistant;
        NormalizedItem {
            role,
            channel: Some(ConversationChannel::Analysis),
            kind,
            parts,
            call_id: None,
            agent_message: None,
        }
    }

    fn stored(item: &NormalizedItem) -> ConversationItem {
        item.stored("conversation_item:1".into(), "t", None, 0, Vec::new())
    }

    /// The bench's entry point stores each item of a growing conversation once.
    #[test]
    fn growing_full_requests_store_each_item_once() {
        let manifest = crate::bundle::Manifest::new("trace", "rollout", "thread", 0);
        let bundle = crate::bundle::Bundle::in_memory(manifest, Vec::new(), Default::default());
        let text = |t: &str| item(Kind::Message, vec![Part::Text { text: t.into() }]);
        let requests = [vec![text("a")], vec![text("a"), text("b")], vec![text("b"), text("a"), text("c")]];
        assert_eq!(reconcile_full_requests(&bundle, &requests).expect("full requests reconcile"), 3);
    }

    /// Items that match must hash alike, or a search would miss them.
    #[test]
    fn matching_items_hash_alike() {
        let text = |t: &str| Part::Text { text: t.into() };
        let summary = |t: &str| Part::Summary { text: t.into() };
        let encoded = |v: &str| Part::Encoded { label: "encrypted_content".into(), value: v.into() };
        let json = |s: &str, p: &str| Part::Json { summary: s.into(), raw_payload_id: p.into() };
        let items = [
            item(Kind::Reasoning, vec![text("a"), summary("s"), encoded("e1")]),
            item(Kind::Reasoning, vec![summary("other"), encoded("e1")]),
            item(Kind::Reasoning, vec![encoded("e2")]),
            item(Kind::Reasoning, vec![text("a"), summary("s")]),
            item(Kind::Reasoning, vec![text("a")]),
            item(Kind::Message, vec![text("a")]),
            item(Kind::Message, vec![text("a"), encoded("e1")]),
            item(Kind::FunctionCall, vec![json("{}", "raw_payload:1")]),
            item(Kind::FunctionCall, vec![json("{}", "raw_payload:2")]),
            item(Kind::FunctionCall, vec![json("{\"a\":1}", "raw_payload:1")]),
        ];
        for a in &items {
            for b in &items {
                if matches(&stored(a), b) {
                    assert_eq!(stored_hash(&stored(a)), match_hash(b), "{a:?} vs {b:?}");
                }
                assert_eq!(stored_hash(&stored(a)), match_hash(a), "{a:?}");
            }
        }
        assert!(matches(&stored(&items[0]), &items[1]), "reasoning matches on its encrypted identity");
        assert!(matches(&stored(&items[7]), &items[8]), "JSON parts compare by summary only");
    }
}
