//! The conversation items of a replay, found by their number: every id is `conversation_item:<n>`
//! with `n` counting up from 1, so a lookup is an index, not a search through the ordered map of
//! `state.json` (string comparisons were the reducer's largest cost on long conversations).

use std::collections::BTreeMap;

use crate::model::ConversationItem;

const PREFIX: &str = "conversation_item:";

#[derive(Debug, Default)]
pub(super) struct Items {
    /// Slot `n - 1` holds item `n`.
    slots: Vec<Option<ConversationItem>>,
    len: usize,
}

fn slot(item_id: &str) -> Option<usize> {
    let n: usize = item_id.strip_prefix(PREFIX)?.parse().ok()?;
    n.checked_sub(1)
}

impl Items {
    pub(super) fn insert(&mut self, item: ConversationItem) {
        let Some(at) = slot(&item.item_id) else { unreachable!("item ids are made by next_item_id: {}", item.item_id) };
        if self.slots.len() <= at {
            self.slots.resize_with(at + 1, || None);
        }
        if self.slots[at].replace(item).is_none() {
            self.len += 1;
        }
    }

    pub(super) fn get(&self, item_id: &str) -> Option<&ConversationItem> {
        // The stored id is compared too: `conversation_item:01` names no item.
        match self.slots.get(slot(item_id)?)? {
            Some(item) if item.item_id == item_id => Some(item),
            _ => None,
        }
    }

    pub(super) fn get_mut(&mut self, item_id: &str) -> Option<&mut ConversationItem> {
        match self.slots.get_mut(slot(item_id)?)? {
            Some(item) if item.item_id == item_id => Some(item),
            _ => None,
        }
    }

    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// The map `state.json` is written from, ordered by id as text.
    pub(super) fn into_map(self) -> BTreeMap<String, ConversationItem> {
        self.slots.into_iter().flatten().map(|item| (item.item_id.clone(), item)).collect()
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
            item_id: format!("conversation_item:{n}"),
            thread_id: format!("t{n}"),
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
        let ids: Vec<String> = items.into_map().into_keys().collect();
        assert_eq!(
            ids[..4],
            ["conversation_item:1", "conversation_item:10", "conversation_item:11", "conversation_item:2"]
        );
    }
}
