//! What each thread, inference call and codex turn of a generated stream must look like once
//! reduced: owner or origin, status, end, the response's ids and usage, and its payloads.

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use crate::bundle::ExecutionStatus;
use crate::model::{AgentOrigin, ExecutionWindow, RolloutTrace};

/// A thread: where it sits in the agent tree, what its metadata names it, and how it ended
/// (`None` while it never ends).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadFact {
    pub agent_path: CompactString,
    pub nickname: Option<CompactString>,
    /// `(parent_thread_id, task_name, agent_role)` of a spawned child; `None` for the root.
    pub spawned: Option<(CompactString, CompactString, CompactString)>,
    pub end: Option<ExecutionStatus>,
}

impl ThreadFact {
    pub fn check(&self, id: &str, trace: &RolloutTrace, problems: &mut Vec<String>) {
        let Some(thread) = trace.threads.get(id) else {
            problems.push(format!("{id}: thread missing"));
            return;
        };
        let mut expect = super::expecter(problems, id, thread, self);
        expect("agent path", thread.agent_path == self.agent_path);
        expect("nickname", thread.nickname == self.nickname);
        let origin_ok = match (&thread.origin, &self.spawned) {
            (AgentOrigin::Root, None) => true,
            (AgentOrigin::Spawned { parent_thread_id, spawn_edge_id, task_name, agent_role }, Some(spawned)) => {
                (parent_thread_id, task_name, agent_role) == (&spawned.0, &spawned.1, &spawned.2)
                    && *spawn_edge_id == format!("edge:spawn:{}:{id}", spawned.0)
            }
            _ => false,
        };
        expect("origin", origin_ok);
        expect("execution", ends_as(&thread.execution, self.end));
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InferenceFact {
    pub thread_id: CompactString,
    pub codex_turn_id: CompactString,
    pub status: ExecutionStatus,
    pub request: CompactString,
    /// The response payload: a completed call's, or a failed or cancelled call's partial one.
    pub response: Option<CompactString>,
    /// How many output items that payload lists.
    pub response_items: usize,
    /// `(response_id, upstream_request_id, input_tokens)` of a completed call.
    pub completed: Option<(CompactString, CompactString, u64)>,
}

impl InferenceFact {
    /// Every disagreement between this fact and the reduced call `id`. `timing`: the stream is
    /// of the inference-timing revision, whose created events may set `response_id` on any call
    /// (its own facts check that).
    pub fn check(&self, id: &str, trace: &RolloutTrace, timing: bool, problems: &mut Vec<String>) {
        let Some(call) = trace.inference_calls.get(id) else {
            problems.push(format!("{id}: inference call missing"));
            return;
        };
        let mut expect = super::expecter(problems, id, call, self);
        expect("thread", call.thread_id == self.thread_id);
        expect("turn", call.codex_turn_id == self.codex_turn_id);
        // `running`: the rollout stopped while it streamed, so it never ends.
        let execution = match self.status {
            ExecutionStatus::Running => ends_as(&call.execution, None),
            status => ended_as(&call.execution, status),
        };
        expect("execution", execution);
        expect("request payload", call.raw_request_payload_id == self.request);
        expect("response payload", call.raw_response_payload_id == self.response);
        expect("response items", call.response_item_ids.len() == self.response_items);
        let (response_id, upstream, usage) = match &self.completed {
            Some((response, upstream, input_tokens)) => {
                (Some(response.as_str()), Some(upstream.as_str()), Some(*input_tokens))
            }
            None => (None, None, None),
        };
        if !timing {
            expect("response id", call.response_id.as_deref() == response_id);
        }
        expect("upstream request id", call.upstream_request_id.as_deref() == upstream);
        expect("usage", call.usage.as_ref().map(|usage| usage.input_tokens) == usage);
    }
}

/// A turn's status, and whether its end is recorded: `None` for a turn that never ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TurnFact {
    pub thread_id: CompactString,
    pub end: Option<ExecutionStatus>,
}

impl TurnFact {
    pub fn check(&self, id: &str, trace: &RolloutTrace, problems: &mut Vec<String>) {
        let Some(turn) = trace.codex_turns.get(id) else {
            problems.push(format!("{id}: codex turn missing"));
            return;
        };
        if turn.thread_id != self.thread_id || !ends_as(&turn.execution, self.end) {
            problems.push(format!("{id}: turn {turn:?} instead of {self:?}"));
        }
    }
}

/// Ended as `end` says, or still running with no end recorded when it says `None`.
fn ends_as(window: &ExecutionWindow, end: Option<ExecutionStatus>) -> bool {
    match end {
        Some(status) => ended_as(window, status),
        None => {
            window.status == ExecutionStatus::Running && window.ended_at_unix_ms.is_none() && window.ended_seq.is_none()
        }
    }
}

/// Ended with `status`, its end time and seq both recorded and not before its start.
fn ended_as(window: &ExecutionWindow, status: ExecutionStatus) -> bool {
    let ended_after_start = window.ended_seq.is_some_and(|seq| seq > window.started_seq)
        && window.ended_at_unix_ms.is_some_and(|at| at >= window.started_at_unix_ms);
    window.status == status && ended_after_start
}
