//! The conversation items of a replay, found by their number: every id is `conversation_item:<n>`
//! with `n` counting up from 1, so a lookup is an index, not a search through the ordered map of
//! `state.json` (string comparisons were the reducer's largest cost on long conversations).

use compact_str::CompactString;
use std::collections::BTreeMap;

use crate::model::ConversationItem;

/// How every conversation item id starts; `next_item_id` makes them, `slot` reads them back.
pub(super) const PREFIX: &str = "conversation_item:";

#[derive(Debug, Default)]
pub(super) struct Items {
    /// Item `n` at `n - 1`: ids are made by `next_item_id` and each is stored as it is made.
    items: Vec<ConversationItem>,
}

fn slot(item_id: &str) -> Option<usize> {
    let n: usize = item_id.strip_prefix(PREFIX)?.parse().ok()?;
    n.checked_sub(1)
}

impl Items {
    pub(super) fn insert(&mut self, item: ConversationItem) {
        assert_eq!(slot(&item.item_id), Some(self.items.len()), "conversation items are stored in id order");
        self.items.push(item);
    }

    /// The stored id is compared too: `conversation_item:01` names no item.
    pub(super) fn get(&self, item_id: &str) -> Option<&ConversationItem> {
        self.items.get(slot(item_id)?).filter(|item| item.item_id == item_id)
    }

    pub(super) fn get_mut(&mut self, item_id: &str) -> Option<&mut ConversationItem> {
        self.items.get_mut(slot(item_id)?).filter(|item| item.item_id == item_id)
    }

    pub(super) fn len(&self) -> usize {
        self.items.len()
    }

    /// The map `state.json` is written from, ordered by id as text.
    pub(super) fn into_map(self) -> BTreeMap<CompactString, ConversationItem> {
        self.items.into_iter().map(|item| (item.item_id.clone(), item)).collect()
    }
}

/// Item ids as bits by their number, for the thread lists a full request appends to about a
/// hundred ids at a time: a bit test stays in cache where a hashed set of a million ids did not.
/// An id not written as `next_item_id` writes it, or past the items made so far, is kept hashed.
#[derive(Debug, Default)]
pub(super) struct ItemSet {
    bits: Vec<u64>,
    others: rustc_hash::FxHashSet<CompactString>,
}

impl ItemSet {
    /// Add `item_id`, given that `made` items exist; false when it was in already.
    pub(super) fn insert(&mut self, item_id: &str, made: usize) -> bool {
        let Some(slot) = canonical_slot(item_id).filter(|&slot| slot < made) else {
            return self.others.insert(item_id.into());
        };
        // An id hashed while it was past the items made stays hashed once it is made.
        if !self.others.is_empty() && self.others.contains(item_id) {
            return false;
        }
        let (word, bit) = (slot / 64, 1u64 << (slot % 64));
        if word >= self.bits.len() {
            self.bits.resize(word + 1, 0);
        }
        let fresh = self.bits[word] & bit == 0;
        self.bits[word] |= bit;
        fresh
    }
}

/// The slot of an id exactly as `next_item_id` writes it: `parse` alone would also take
/// `conversation_item:01` and `conversation_item:+1` for item 1.
fn canonical_slot(item_id: &str) -> Option<usize> {
    let digits = item_id.strip_prefix(PREFIX)?;
    let canonical = digits.bytes().all(|b| b.is_ascii_digit()) && !digits.starts_with('0');
    canonical.then(|| slot(item_id)).flatten()
}

impl std::ops::Index<&str> for Items {
    type Output = ConversationItem;

    fn index(&self, item_id: &str) -> &ConversationItem {
        self.get(item_id).unwrap_or_else(|| panic!("no conversation item {item_id}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ConversationBody, ConversationItemKind, ConversationRole};

    fn item(n: usize) -> ConversationItem {
        ConversationItem {
            item_id: format!("conversation_item:{n}").into(),
            thread_id: format!("t{n}").into(),
            codex_turn_id: None,
            first_seen_at_unix_ms: 0,
            role: ConversationRole::User,
            channel: None,
            kind: ConversationItemKind::Message,
            agent_message: None,
            body: ConversationBody::default(),
            call_id: None,
            produced_by: Vec::new(),
        }
    }

    /// Each id is new once, whether it is held as a bit or hashed; look-alike spellings of a
    /// number are ids of their own.
    #[test]
    fn an_item_set_admits_each_id_once() {
        let mut set = ItemSet::default();
        let ids = [
            "conversation_item:1",
            "conversation_item:01",
            "conversation_item:+1",
            "conversation_item:64",
            "conversation_item:65",
            "conversation_item:0",
            "conversation_item:",
            "conversation_item:81",
            "conversation_item:100",
            "item:1",
        ];
        for id in ids {
            assert!(set.insert(id, 80), "{id} is new");
        }
        for id in ids {
            assert!(!set.insert(id, 80), "{id} is in already");
        }
        assert_eq!(set.others.len(), 7, "the look-alikes, the empty number, items past the 80 made, item:1");
        assert_eq!(set.bits.len(), 2, "items 1 to 80 take two words");
    }

    #[test]
    fn an_id_seen_before_it_was_made_is_not_new_once_made() {
        let mut set = ItemSet::default();
        assert!(set.insert("conversation_item:90", 80));
        assert!(!set.insert("conversation_item:90", 100), "held hashed, found hashed");
        assert!(set.insert("conversation_item:91", 100), "a made id never seen is new");
    }

    #[test]
    fn items_are_found_by_their_exact_id_and_written_in_text_order() {
        let mut items = Items::default();
        for n in 1..=11 {
            items.insert(item(n));
        }
        assert_eq!(items.len(), 11);
        assert_eq!(items["conversation_item:2"].thread_id, "t2");
        items.get_mut("conversation_item:3").unwrap().thread_id = "changed".into();
        assert_eq!(items.get("conversation_item:3").unwrap().thread_id, "changed");
        for missing in ["conversation_item:02", "conversation_item:0", "conversation_item:12", "item:1", ""] {
            assert!(items.get(missing).is_none(), "{missing}");
            assert!(items.get_mut(missing).is_none(), "{missing}");
        }
        let ids: Vec<CompactString> = items.into_map().into_keys().collect();
        assert_eq!(
            ids[..4],
            ["conversation_item:1", "conversation_item:10", "conversation_item:11", "conversation_item:2"]
        );
    }
}
