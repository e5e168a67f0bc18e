//! Thread and turn events, with thread metadata and spawn origin (spec §D.2).

use compact_str::{format_compact, CompactString};
use serde::Deserialize;
use serde_json::Value;

use super::{Ctx, Replay};
use crate::bundle::{ExecutionStatus, RawPayloadRef, RolloutStatus};
use crate::error::{Error, ErrorKind};
use crate::model::{AgentOrigin, AgentThread, CodeCellRuntimeStatus, CodexTurn, ExecutionWindow};

/// The fields of a `session_metadata` payload the reducer reads; other keys are ignored.
#[derive(Deserialize)]
struct ThreadMetadata {
    agent_path: Option<CompactString>,
    task_name: Option<CompactString>,
    nickname: Option<CompactString>,
    agent_role: Option<CompactString>,
    model: Option<CompactString>,
    session_source: Option<Value>,
}

/// What `session_source.subagent.thread_spawn` says about a spawned thread.
struct ThreadSpawn {
    parent_thread_id: CompactString,
    agent_path: Option<CompactString>,
    task_name: Option<CompactString>,
    agent_role: Option<CompactString>,
}

fn thread_spawn(session_source: Option<&Value>) -> Option<ThreadSpawn> {
    let spawn = session_source?.get("subagent")?.get("thread_spawn")?.as_object()?;
    let text = |key: &str| spawn.get(key).and_then(Value::as_str).map(CompactString::from);
    Some(ThreadSpawn {
        parent_thread_id: text("parent_thread_id")?,
        agent_path: text("agent_path"),
        task_name: text("task_name"),
        agent_role: text("agent_role"),
    })
}

/// The last non-empty `/` segment of an agent path.
fn last_segment(path: &str) -> Option<&str> {
    path.rsplit('/').find(|segment| !segment.is_empty())
}

fn rollout_to_execution(status: RolloutStatus) -> ExecutionStatus {
    match status {
        RolloutStatus::Running => ExecutionStatus::Running,
        RolloutStatus::Completed => ExecutionStatus::Completed,
        RolloutStatus::Failed => ExecutionStatus::Failed,
        RolloutStatus::Aborted => ExecutionStatus::Aborted,
    }
}

impl Replay<'_> {
    pub(super) fn thread_started(
        &mut self,
        ctx: Ctx,
        thread_id: &str,
        event_agent_path: &str,
        metadata_payload: Option<&RawPayloadRef>,
    ) -> Result<(), Error> {
        if self.trace.threads.contains_key(thread_id) {
            return Err(ErrorKind::DuplicateThreadStart(thread_id.into()).into());
        }
        let metadata = match metadata_payload {
            Some(payload) => {
                let value = self.payload_json(payload)?;
                let metadata: ThreadMetadata = serde_json::from_value(value).map_err(|e| {
                    Error::new(ErrorKind::ThreadMetadataParse(payload.raw_payload_id.clone())).with_detail(e)
                })?;
                Some(metadata)
            }
            None => None,
        };
        let meta = |f: fn(&ThreadMetadata) -> &Option<CompactString>| metadata.as_ref().and_then(|m| f(m).clone());
        let spawn = thread_spawn(metadata.as_ref().and_then(|m| m.session_source.as_ref()));
        let spawn_agent_path = spawn.as_ref().and_then(|s| s.agent_path.clone().or_else(|| meta(|m| &m.agent_path)));
        let agent_path =
            spawn_agent_path.clone().or_else(|| meta(|m| &m.agent_path)).unwrap_or_else(|| event_agent_path.into());
        let origin = match spawn {
            Some(spawn) => {
                let spawn_task_name = spawn
                    .task_name
                    .clone()
                    .or_else(|| meta(|m| &m.task_name))
                    .or_else(|| spawn_agent_path.as_deref().and_then(last_segment).map(CompactString::from));
                let task_name =
                    spawn_task_name.unwrap_or_else(|| last_segment(&agent_path).unwrap_or(&agent_path).into());
                let agent_role = spawn.agent_role.clone().or_else(|| meta(|m| &m.agent_role)).unwrap_or_default();
                AgentOrigin::Spawned {
                    spawn_edge_id: format_compact!("edge:spawn:{}:{}", spawn.parent_thread_id, thread_id),
                    parent_thread_id: spawn.parent_thread_id,
                    task_name,
                    agent_role,
                }
            }
            None => AgentOrigin::Root,
        };
        let thread = AgentThread {
            thread_id: thread_id.into(),
            agent_path,
            nickname: meta(|m| &m.nickname),
            origin,
            execution: ExecutionWindow::running(ctx.wall, ctx.seq),
            default_model: meta(|m| &m.model),
            conversation_item_ids: Vec::new(),
        };
        self.trace.threads.insert(thread_id.into(), thread);
        Ok(())
    }

    pub(super) fn thread_ended(&mut self, ctx: Ctx, thread_id: &str, status: RolloutStatus) -> Result<(), Error> {
        let thread = self.trace.threads.get_mut(thread_id).ok_or_else(|| Self::unknown_thread(thread_id))?;
        thread.execution.end(ctx.wall, ctx.seq, rollout_to_execution(status));
        Ok(())
    }

    pub(super) fn turn_started(&mut self, ctx: Ctx, codex_turn_id: &str, thread_id: &str) -> Result<(), Error> {
        if self.trace.codex_turns.contains_key(codex_turn_id) {
            return Err(ErrorKind::DuplicateTurnStart(codex_turn_id.into()).into());
        }
        if !self.trace.threads.contains_key(thread_id) {
            return Err(Self::unknown_thread(thread_id));
        }
        let turn = CodexTurn {
            codex_turn_id: codex_turn_id.into(),
            thread_id: thread_id.into(),
            execution: ExecutionWindow::running(ctx.wall, ctx.seq),
            input_item_ids: Vec::new(),
        };
        self.trace.codex_turns.insert(codex_turn_id.into(), turn);
        Ok(())
    }

    pub(super) fn turn_ended(&mut self, ctx: Ctx, codex_turn_id: &str, status: ExecutionStatus) -> Result<(), Error> {
        let turn = self.trace.codex_turns.get_mut(codex_turn_id);
        if let (Some(envelope_thread), Some(turn)) = (ctx.thread_id, turn.as_ref()) {
            if turn.thread_id != envelope_thread {
                return Err(ErrorKind::TurnEndWrongThread {
                    turn: codex_turn_id.into(),
                    thread: envelope_thread.into(),
                    owner: turn.thread_id.clone(),
                }
                .into());
            }
        }
        let turn = turn.ok_or_else(|| ErrorKind::TurnEndUnknownTurn(codex_turn_id.into()))?;
        turn.execution.end(ctx.wall, ctx.seq, status);

        // Yielded cells may outlive a completed turn; only a failed or interrupted turn ends them.
        let cell_status = match status {
            ExecutionStatus::Failed => Some(CodeCellRuntimeStatus::Failed),
            ExecutionStatus::Cancelled | ExecutionStatus::Aborted => Some(CodeCellRuntimeStatus::Terminated),
            ExecutionStatus::Running | ExecutionStatus::Completed => None,
        };
        if let Some(cell_status) = cell_status {
            self.terminate_turn_code_cells(ctx, codex_turn_id, cell_status);
        }
        let inference_status = match status {
            ExecutionStatus::Completed | ExecutionStatus::Cancelled => Some(ExecutionStatus::Cancelled),
            ExecutionStatus::Failed => Some(ExecutionStatus::Failed),
            ExecutionStatus::Aborted => Some(ExecutionStatus::Aborted),
            ExecutionStatus::Running => None,
        };
        if let Some(inference_status) = inference_status {
            self.close_turn_inferences(ctx, codex_turn_id, inference_status);
        }
        Ok(())
    }
}
