//! Queue-draining rules: what the reducer queued and never resolved (being written).

use super::Violation;
use crate::bundle::Bundle;
use crate::reducer::Replayed;

/// One violation per leftover of the replay, located at the event that waited.
pub fn violations(_bundle: &Bundle, _replayed: &Replayed) -> Vec<Violation> {
    Vec::new()
}
