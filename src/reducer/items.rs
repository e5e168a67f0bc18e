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
