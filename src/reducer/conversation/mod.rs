//! Conversation reconciliation: normalizing model items and choosing which stored item each one
//! is (spec §D.4).

pub mod normalize;
mod reconcile;

#[doc(hidden)]
pub use reconcile::reconcile_full_requests;
pub use reconcile::{Mode, Pass};

use super::items::ItemSet;
use super::Replay;
use compact_str::CompactString;

impl Replay<'_> {
    /// Append ids to the thread's `conversation_item_ids`, which never repeats an id.
    pub(super) fn append_thread_items(&mut self, thread_id: &str, ids: &[CompactString]) {
        let Some(thread) = self.trace.threads.get_mut(thread_id) else { return };
        if !self.index.thread_items.contains_key(thread_id) {
            self.index.thread_items.insert(thread_id.into(), ItemSet::default());
        }
        let seen = self.index.thread_items.get_mut(thread_id).expect("inserted above");
        let made = self.items.len();
        let mut appended = Vec::new();
        for id in ids {
            if seen.insert(id, made) {
                thread.conversation_item_ids.push(id.clone());
                appended.push(id);
            }
        }
        for id in appended {
            self.note_thread_item(thread_id, id);
        }
    }
}
