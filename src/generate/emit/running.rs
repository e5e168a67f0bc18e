//! Work left running. Inferences a turn end closes: a producer whose turn ends while an attempt
//! still streams writes no terminal event for it, and the turn end closes the call (spec §D.2,
//! `codex_turn_ended` 5). And rollouts that stop mid-work (the process is killed, the user
//! quits): nothing after the stop is written.

use compact_str::CompactString;

use super::{Emitter, HbRule};
use crate::bundle::{ExecutionStatus, RawPayload};
use crate::generate::scenario::{Call, ChildFate, ChildPlan, Exchange, OpenWork, Outcome, ResultPlan};

/// How a turn end closes a call still running; `None` leaves it running.
fn closed_by_turn(status: ExecutionStatus) -> Option<ExecutionStatus> {
    match status {
        ExecutionStatus::Completed | ExecutionStatus::Cancelled => Some(ExecutionStatus::Cancelled),
        ExecutionStatus::Failed => Some(ExecutionStatus::Failed),
        ExecutionStatus::Aborted => Some(ExecutionStatus::Aborted),
        ExecutionStatus::Running => None,
    }
}

impl Emitter {
    /// The rollout stops in `thread`'s running turn with `work` open: its turn, threads and the
    /// rollout never end.
    pub(super) fn stop(&mut self, thread: &str, work: &OpenWork) {
        // Cells that outlived an earlier turn ended before the stop.
        self.flush_deferred_cell_ends(thread);
        let exchange = |calls: Vec<Call>, outcome: Outcome| Exchange {
            incremental: false,
            user_message: true,
            reasoning: false,
            assistant_message: false,
            calls,
            outcome,
        };
        match work {
            OpenWork::UnrecordedCell { initial, end } => {
                self.exchange(thread, &exchange(Vec::new(), Outcome::Stopped));
                self.unrecorded_cell(thread, *initial, *end);
            }
            OpenWork::AgentTool { close } => {
                let mut calls = Vec::new();
                if self.live_child(thread).is_none() {
                    let child = ChildPlan {
                        fate: ChildFate::ReceivesTask,
                        via_activity: false,
                        assistant_reply: true,
                        calls: Vec::new(),
                        result: ResultPlan::None,
                    };
                    calls.push(Call::Spawn(child));
                }
                calls.push(match close {
                    true => Call::Close { via_activity: false },
                    false => Call::Message { followup: true, via_activity: false },
                });
                self.stop_agent_tool = true;
                self.exchange(thread, &exchange(calls, Outcome::Completed));
            }
        }
        self.stopped = true;
    }

    /// Every other failure or cancellation with no partial response (so no output and no
    /// tools), when the next event of its thread's spine is its turn's end, is dropped: the call
    /// is left to that turn end.
    pub(super) fn leave_inferences_to_turn_end(&mut self) {
        let dropped: Vec<(usize, CompactString, ExecutionStatus)> =
            (0..self.events.len()).rev().filter_map(|index| self.left_to_turn_end(index)).collect();
        for (index, call, status) in dropped {
            self.remove_event(index);
            if let Some(fact) = self.facts.inference_calls.get_mut(&call) {
                fact.status = status;
            }
        }
    }

    /// The call of this terminal event and the status its turn end gives it, if it is dropped.
    fn left_to_turn_end(&self, index: usize) -> Option<(usize, CompactString, ExecutionStatus)> {
        let call = match &self.events[index].payload {
            RawPayload::InferenceFailed { inference_call_id, partial_response_payload: None, .. }
            | RawPayload::InferenceCancelled { inference_call_id, partial_response_payload: None, .. } => {
                inference_call_id
            }
            _ => return None,
        };
        let n: u64 = call.trim_start_matches("inference-").parse().ok()?;
        if n % 2 == 1 {
            return None;
        }
        let turn = &self.facts.inference_calls.get(call)?.codex_turn_id;
        let next_spine = (index + 1..self.events.len())
            .find(|&e| self.happens_before[e].iter().any(|&(p, rule)| p == index && rule == HbRule::ThreadSpine))?;
        match &self.events[next_spine].payload {
            RawPayload::CodexTurnEnded { codex_turn_id, status } if codex_turn_id == turn => {
                Some((index, call.clone(), closed_by_turn(*status)?))
            }
            _ => None,
        }
    }

    /// Drop one event: whatever had to follow it now follows what it followed.
    fn remove_event(&mut self, index: usize) {
        self.events.remove(index);
        let inherited = self.happens_before.remove(index);
        let shift = |p: usize| if p > index { p - 1 } else { p };
        for preds in &mut self.happens_before {
            if preds.iter().any(|&(p, _)| p == index) {
                preds.retain(|&(p, _)| p != index);
                preds.extend(inherited.iter().copied());
            }
            for (p, _) in preds.iter_mut() {
                *p = shift(*p);
            }
        }
    }
}
