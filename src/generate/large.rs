//! One large valid scenario of about N events, for `gen --events` and `bench`: eight long turns
//! of exchanges with tools and code cells, periodic compactions, mostly incremental requests and
//! a few spawned children, so payloads and per-event work stay flat as N grows.

use crate::bundle::{ExecutionStatus, RolloutStatus};

use super::scenario::{
    Call, CellFinal, ChildFate, ChildPlan, CodeCellPlan, Exchange, Outcome, ResultPlan, Scenario, Step, TurnPlan,
};

/// Exchanges between compactions. A full request and a compaction re-send the history since the
/// last compaction, so this bounds every payload.
const COMPACTION_EVERY: std::ops::RangeInclusive<u64> = 30..=60;
/// Turns, at every size. Each opens with a user message and compaction keeps every user message,
/// so a fixed count keeps compactions and the full requests after them the same size whatever
/// the target: the work per event does not grow with N.
const TURNS: usize = 8;
/// Roughly the events one exchange emits with this mix (used only to size turns).
const EVENTS_PER_EXCHANGE: usize = 9;
/// Children spawned over the whole scenario, at evenly spaced points.
const CHILDREN: usize = 4;

/// A scenario whose emitted stream has about `target` events (a few percent over for a few
/// hundred, within a few events from thousands up), the same for the same `target` and `seed`.
pub fn scenario_with_events(target: usize, seed: u64) -> Scenario {
    let mut builder = Builder { rng: SplitMix64(seed), events: 0, children: Vec::new(), terminal_open: false };
    // rollout_started, root thread_started; at the end the root's thread_ended and rollout_ended.
    builder.events = 4;
    let exchanges_per_turn = (target / (EVENTS_PER_EXCHANGE * TURNS)).max(1);
    let mut until_compaction = builder.rng.range(COMPACTION_EVERY);
    let mut turns = Vec::new();
    while builder.events < target || turns.is_empty() {
        builder.events += 2; // turn started, turn ended
        let mut steps = Vec::new();
        while steps.len() < exchanges_per_turn && builder.events < target {
            let first = steps.is_empty();
            let spawn_due = builder.children.len() < CHILDREN
                && builder.events * (CHILDREN + 1) >= target * (builder.children.len() + 1);
            let mut exchange = builder.exchange(first, spawn_due);
            until_compaction -= 1;
            if until_compaction == 0 {
                until_compaction = builder.rng.range(COMPACTION_EVERY);
                builder.events += 3; // compaction request started, completed, installed
                exchange.incremental = false;
                steps.push(Step::Compaction { v2: builder.rng.chance(1, 2), then: exchange });
            } else {
                steps.push(Step::Exchange(exchange));
            }
        }
        turns.push(TurnPlan { steps, end: Some(ExecutionStatus::Completed) });
    }
    Scenario { forked_history: None, context_items: false, turns, end: Some(RolloutStatus::Completed) }
}

/// The child as the builder tracks it, to plan messages and closes only to live children.
struct Child {
    started: bool,
    closed: bool,
}

struct Builder {
    rng: SplitMix64,
    /// Events the plan so far emits, counted the way `emit` writes them.
    events: usize,
    children: Vec<Child>,
    /// A kept-open exec exists, so a write_stdin joins a session instead of becoming a patch.
    terminal_open: bool,
}

impl Builder {
    fn exchange(&mut self, opens_turn: bool, spawn_due: bool) -> Exchange {
        let rng = &mut self.rng;
        // Rarely a failed or cancelled inference (which never carries calls).
        let outcome = match rng.below(100) {
            0 => Outcome::Failed { partial: rng.chance(1, 2) },
            1 => Outcome::Cancelled { partial: rng.chance(1, 2) },
            _ => Outcome::Completed,
        };
        let mut exchange = Exchange {
            incremental: !rng.chance(1, 64),
            user_message: opens_turn,
            reasoning: rng.chance(1, 2),
            assistant_message: rng.chance(1, 3),
            calls: Vec::new(),
            outcome,
        };
        self.events += 2; // inference started, completed / failed / cancelled
        if outcome != Outcome::Completed {
            return exchange;
        }
        if spawn_due {
            let call = self.spawn();
            exchange.calls.push(call);
        }
        for _ in 0..self.rng.below(4) {
            let call = self.call();
            exchange.calls.push(call);
        }
        exchange
    }

    fn call(&mut self) -> Call {
        let live = self.children.iter().rposition(|c| c.started && !c.closed);
        match self.rng.below(100) {
            0..=29 => {
                let keep_open = self.rng.chance(1, 4);
                self.terminal_open |= keep_open;
                self.events += 4; // start, runtime begin, runtime end, end
                Call::ExecCommand { keep_open, process_id_at_begin: self.rng.chance(1, 2) }
            }
            30..=44 => {
                // Without an open session emit writes an apply_patch (4 events) instead.
                self.events += if self.terminal_open { 2 } else { 4 };
                Call::WriteStdin
            }
            45..=54 => {
                self.events += 5; // a direct tool's four, and the MCP correlation
                Call::Mcp
            }
            55..=69 => {
                self.events += 4;
                Call::Other
            }
            70..=71 if live.is_some() => {
                let child = live.expect("checked");
                let via_activity = self.rng.chance(1, 2);
                if self.rng.chance(1, 4) {
                    self.children[child].closed = true;
                    // The tool; the child's thread end was counted at its spawn.
                    self.events += if via_activity { 3 } else { 4 };
                    Call::Close { via_activity }
                } else {
                    self.events += if via_activity { 3 } else { 4 } + 4; // the tool, the child's turn
                    Call::Message { followup: self.rng.chance(1, 2), via_activity }
                }
            }
            _ => Call::CodeCell(self.cell()),
        }
    }

    fn cell(&mut self) -> CodeCellPlan {
        let rng = &mut self.rng;
        let final_status = match rng.below(20) {
            0 => CellFinal::Failed,
            1 => CellFinal::Terminated,
            2 => CellFinal::EndedByTurn,
            _ => CellFinal::Completed,
        };
        let yields = rng.chance(1, 3);
        let wait = yields && rng.chance(1, 2);
        let outlives_turn = yields && !wait && rng.chance(1, 8);
        let nested_tools = rng.below(3) as usize;
        // Start, initial response, end (none when the turn ends it); four per nested tool; a
        // wait call (start, end) in the next completed response.
        let ended_by_turn = final_status == CellFinal::EndedByTurn;
        self.events += 3 - usize::from(ended_by_turn) + 4 * nested_tools;
        if wait && !ended_by_turn && !outlives_turn {
            self.events += 2;
        }
        CodeCellPlan { final_status, yields, wait, outlives_turn, nested_tools }
    }

    fn spawn(&mut self) -> Call {
        let n = self.children.len();
        let fate =
            [ChildFate::ReceivesTask, ChildFate::NeverMessaged, ChildFate::ReceivesTask, ChildFate::NeverStarts][n % 4];
        let via_activity = n % 2 == 1;
        let result = if n % 3 == 2 { ResultPlan::NotShown } else { ResultPlan::Delivered };
        // The spawn tool: start, runtime begin (not via activity), runtime end, end.
        self.events += if via_activity { 3 } else { 4 };
        let started = fate != ChildFate::NeverStarts;
        if started {
            // Thread started, the child's turn (4), the agent result, and its one thread end
            // (after a close, or at the rollout end).
            self.events += 1 + 4 + 1 + 1;
        }
        self.children.push(Child { started, closed: false });
        Call::Spawn(ChildPlan { fate, via_activity, assistant_reply: n.is_multiple_of(2), calls: Vec::new(), result })
    }
}

/// A small deterministic generator (SplitMix64): the builder needs reproducible choices, not
/// proptest's shrinking.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn chance(&mut self, numerator: u64, denominator: u64) -> bool {
        self.below(denominator) < numerator
    }

    fn range(&mut self, range: std::ops::RangeInclusive<u64>) -> u64 {
        range.start() + self.below(range.end() - range.start() + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::emit::emit;
    use crate::reducer::replay;

    #[test]
    fn emitted_event_count_tracks_the_target() {
        for (target, seed) in [(500, 1), (2_000, 2), (10_000, 3), (40_000, 4)] {
            let emitted = emit(&scenario_with_events(target, seed));
            let events = emitted.events.len();
            let off = events.abs_diff(target) as f64 / target as f64;
            assert!(off <= 0.10, "target {target}: emitted {events} events ({:.1}% off)", off * 100.0);
        }
    }

    #[test]
    fn the_turn_count_does_not_grow_with_the_target() {
        for target in [2_000, 40_000, 1_000_000] {
            let turns = scenario_with_events(target, 5).turns.len();
            assert!((TURNS - 1..=TURNS + 2).contains(&turns), "target {target}: {turns} turns");
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_scenario() {
        assert_eq!(scenario_with_events(3_000, 7), scenario_with_events(3_000, 7));
        assert_ne!(scenario_with_events(3_000, 7), scenario_with_events(3_000, 8));
    }

    #[test]
    fn a_large_scenario_reduces_with_nothing_left_queued() {
        let emitted = emit(&scenario_with_events(5_000, 11));
        let replayed = replay(&emitted.bundle(&emitted.causal_order())).expect("a generated stream reduces");
        let problems = emitted.facts.check(&replayed.trace, &replayed.leftovers);
        assert!(problems.is_empty(), "{problems:#?}");
    }
}
