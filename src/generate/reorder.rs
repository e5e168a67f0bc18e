//! Legal orders: linear extensions of the happens-before relation, chosen step by step.
//!
//! At each step the order takes the k-th ready event (ready = all its predecessors placed).
//! Choices shrink toward 0, i.e. toward the first ready event, which gives back the causal order.

use std::collections::BTreeSet;

use proptest::prelude::*;

use super::emit::{Emitted, HbRule};

/// One choice per event; a missing choice counts as 0.
pub fn choices(max_events: usize) -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(any::<usize>(), 0..=max_events)
}

/// The order the choices pick; always a linear extension of `happens_before`.
pub fn linear_extension(happens_before: &[Vec<(usize, HbRule)>], choices: &[usize]) -> Vec<usize> {
    let n = happens_before.len();
    let mut waiting_on: Vec<usize> = happens_before.iter().map(Vec::len).collect();
    let mut successors: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (event, preds) in happens_before.iter().enumerate() {
        for (pred, _) in preds {
            successors[*pred].push(event);
        }
    }
    let mut ready: BTreeSet<usize> = (0..n).filter(|&e| waiting_on[e] == 0).collect();
    let mut order = Vec::with_capacity(n);
    while !ready.is_empty() {
        let k = choices.get(order.len()).copied().unwrap_or(0) % ready.len();
        let event = *ready.iter().nth(k).expect("k < ready.len()");
        ready.remove(&event);
        order.push(event);
        for &next in &successors[event] {
            waiting_on[next] -= 1;
            if waiting_on[next] == 0 {
                ready.insert(next);
            }
        }
    }
    debug_assert_eq!(order.len(), n, "happens-before has no cycles");
    order
}

impl Emitted {
    /// The legal order these choices pick.
    pub fn reordered(&self, choices: &[usize]) -> Vec<usize> {
        linear_extension(&self.happens_before, choices)
    }
}
