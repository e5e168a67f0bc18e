//! Multi-agent interaction edges: queue-or-resolve, delivery, tool results, fallback (§D.9).

mod message;
mod payloads;
mod pending;

use compact_str::{format_compact, CompactString, ToCompactString};
use pending::max_present;
pub use pending::{PendingEdge, PendingEdges};

use serde_json::Value;

use super::tool::push_unique;
use super::{Ctx, Replay};
use crate::bundle::{RawPayload, RawPayloadRef, ToolCallKind};
use crate::error::{Error, ErrorKind};
use crate::model::{
    ConversationItem, ConversationItemKind, ConversationRole, InteractionEdge, InteractionEdgeKind as EdgeKind,
    TraceAnchor,
};
use payloads::{
    parse, ActivityKind, CloseBegin, CloseEnd, InteractionBegin, InteractionEnd, SpawnEnd, SubAgentActivity,
};

use super::{UndeliveredEdge, UndeliveredReason};

fn tool_anchor(tool_call_id: &str) -> TraceAnchor {
    TraceAnchor::ToolCall { tool_call_id: tool_call_id.into() }
}

impl Replay<'_> {
    fn agent_path_of(&self, thread_id: &str) -> Result<CompactString, Error> {
        self.trace
            .threads
            .get(thread_id)
            .map(|thread| thread.agent_path.clone())
            .ok_or_else(|| ErrorKind::AgentEdgeUnknownThread(thread_id.into()).into())
    }

    /// The tool's payload ids known now: invocation, runtime payloads, result.
    fn tool_payload_ids(&self, tool_call_id: &str) -> Vec<CompactString> {
        let Some(tool) = self.trace.tool_calls.get(tool_call_id) else { return Vec::new() };
        let mut ids = Vec::new();
        ids.extend(tool.raw_invocation_payload_id.iter().cloned());
        for id in tool.raw_runtime_payload_ids.iter().chain(&tool.raw_result_payload_id) {
            push_unique(&mut ids, id);
        }
        ids
    }

    /// A message-like edge from a tool: author is the tool thread's agent path, started at the
    /// tool's start, carrying the tool's payloads known now.
    fn tool_edge(
        &self,
        tool_call_id: &str,
        edge_id: CompactString,
        kind: EdgeKind,
        target_thread_id: CompactString,
        content: CompactString,
    ) -> Result<PendingEdge, Error> {
        let tool = &self.trace.tool_calls[tool_call_id];
        Ok(PendingEdge {
            edge_id,
            kind,
            source: tool_anchor(tool_call_id),
            message_author: self.agent_path_of(&tool.thread_id)?,
            message_content: content,
            unresolved_spawn_thread_id: None,
            target_thread_id,
            started_at_unix_ms: tool.execution.started_at_unix_ms,
            ended_at_unix_ms: None,
            carried_raw_payload_ids: self.tool_payload_ids(tool_call_id),
        })
    }

    pub(super) fn agent_runtime_started(
        &mut self,
        _ctx: Ctx,
        tool_call_id: &str,
        runtime: &RawPayloadRef,
    ) -> Result<(), Error> {
        let kind = self.trace.tool_calls[tool_call_id].kind.clone();
        let edge_kind = match kind {
            ToolCallKind::AssignAgentTask => EdgeKind::AssignAgentTask,
            ToolCallKind::SendMessage => EdgeKind::SendMessage,
            ToolCallKind::CloseAgent => {
                let begin: CloseBegin = parse(self.payload_json(runtime)?)?;
                return self.close_edge(tool_call_id, &begin.receiver_thread_id.to_string(), None);
            }
            _ => return Ok(()),
        };
        let begin: InteractionBegin = parse(self.payload_json(runtime)?)?;
        let edge_id = format_compact!("edge:tool:{tool_call_id}");
        let edge = self.tool_edge(
            tool_call_id,
            edge_id,
            edge_kind,
            begin.receiver_thread_id.to_compact_string(),
            begin.prompt.into(),
        )?;
        self.queue_or_resolve(edge)
    }

    /// Runtime end: `value` is the runtime payload, which is read for every tool kind.
    pub(super) fn agent_runtime_ended(&mut self, ctx: Ctx, tool_call_id: &str, value: Value) -> Result<(), Error> {
        let tool = &self.trace.tool_calls[tool_call_id];
        let (kind, tool_thread) = (tool.kind.clone(), tool.thread_id.clone());
        if value.get("agent_thread_id").is_some() {
            let activity: SubAgentActivity = parse(value)?;
            let child = activity.agent_thread_id.to_string();
            let (edge_id, edge_kind, fallback) = match (&kind, activity.kind) {
                (ToolCallKind::SpawnAgent, ActivityKind::Started) => {
                    (format_compact!("edge:spawn:{tool_thread}:{child}"), EdgeKind::SpawnAgent, true)
                }
                (ToolCallKind::AssignAgentTask, ActivityKind::Interacted) => {
                    (format_compact!("edge:tool:{tool_call_id}"), EdgeKind::AssignAgentTask, false)
                }
                (ToolCallKind::SendMessage, ActivityKind::Interacted) => {
                    (format_compact!("edge:tool:{tool_call_id}"), EdgeKind::SendMessage, false)
                }
                (ToolCallKind::CloseAgent, ActivityKind::Interrupted) => {
                    return self.close_edge(tool_call_id, &child, Some(ctx.wall))
                }
                (kind, activity) => {
                    return Err(ErrorKind::ActivityKindMismatch {
                        activity: activity.debug_name(),
                        kind: format!("{kind:?}").into(),
                    }
                    .into())
                }
            };
            let content = self.invocation_message(tool_call_id)?;
            let mut edge = self.tool_edge(tool_call_id, edge_id, edge_kind, child.as_str().into(), content)?;
            edge.ended_at_unix_ms = Some(ctx.wall);
            edge.unresolved_spawn_thread_id = fallback.then_some(child.into());
            return self.queue_or_resolve(edge);
        }
        let mut edge = match kind {
            ToolCallKind::SpawnAgent => {
                let end: SpawnEnd = parse(value)?;
                let Some(child) = end.new_thread_id else { return Ok(()) };
                let edge_id = format_compact!("edge:spawn:{}:{}", end.sender_thread_id, child);
                let mut edge = self.tool_edge(
                    tool_call_id,
                    edge_id,
                    EdgeKind::SpawnAgent,
                    child.to_compact_string(),
                    end.prompt.into(),
                )?;
                edge.unresolved_spawn_thread_id = Some(child.to_compact_string());
                edge
            }
            ToolCallKind::AssignAgentTask | ToolCallKind::SendMessage => {
                let end: InteractionEnd = parse(value)?;
                let edge_kind =
                    if kind == ToolCallKind::SendMessage { EdgeKind::SendMessage } else { EdgeKind::AssignAgentTask };
                let edge_id = format_compact!("edge:tool:{tool_call_id}");
                self.tool_edge(
                    tool_call_id,
                    edge_id,
                    edge_kind,
                    end.receiver_thread_id.to_compact_string(),
                    end.prompt.into(),
                )?
            }
            ToolCallKind::CloseAgent => {
                let end: CloseEnd = parse(value)?;
                return self.close_edge(tool_call_id, &end.receiver_thread_id.to_string(), Some(ctx.wall));
            }
            _ => return Ok(()),
        };
        edge.ended_at_unix_ms = Some(ctx.wall);
        self.queue_or_resolve(edge)
    }

    /// Sub-agent activity carries no text; the message is the invocation's `message` argument.
    fn invocation_message(&self, tool_call_id: &str) -> Result<CompactString, Error> {
        let tool = &self.trace.tool_calls[tool_call_id];
        let payload_id = tool
            .raw_invocation_payload_id
            .as_ref()
            .ok_or_else(|| ErrorKind::ActivityMissingInvocation(tool_call_id.into()))?;
        let payload = self.trace.raw_payloads.get(payload_id).ok_or_else(|| {
            ErrorKind::ActivityUnregisteredInvocation { tool: tool_call_id.into(), payload: payload_id.clone() }
        })?;
        let value = self.payload_json(payload)?;
        let arguments = value
            .get("payload")
            .and_then(|p| p.get("arguments"))
            .and_then(Value::as_str)
            .ok_or_else(|| ErrorKind::ActivityMissingArguments(tool_call_id.into()))?;
        let parse_error = || Error::from(ErrorKind::ActivityArgumentsParse(tool_call_id.into()));
        let arguments: serde_json::Map<String, Value> =
            serde_json::from_str(arguments).map_err(|e| parse_error().with_detail(e))?;
        arguments.get("message").and_then(Value::as_str).map(CompactString::from).ok_or_else(parse_error)
    }

    /// Close edges go straight to the child thread, or nowhere if it is unknown.
    fn close_edge(&mut self, tool_call_id: &str, target_thread_id: &str, ended_at: Option<i64>) -> Result<(), Error> {
        if !self.trace.threads.contains_key(target_thread_id) {
            return Ok(());
        }
        let edge = InteractionEdge {
            edge_id: format_compact!("edge:tool:{tool_call_id}"),
            kind: EdgeKind::CloseAgent,
            source: tool_anchor(tool_call_id),
            target: TraceAnchor::Thread { thread_id: target_thread_id.into() },
            started_at_unix_ms: self.trace.tool_calls[tool_call_id].execution.started_at_unix_ms,
            ended_at_unix_ms: ended_at,
            carried_item_ids: Vec::new(),
            carried_raw_payload_ids: self.tool_payload_ids(tool_call_id),
        };
        self.upsert_edge(edge)
    }

    pub(super) fn agent_result_observed(&mut self, ctx: Ctx, payload: &RawPayload) -> Result<(), Error> {
        let RawPayload::AgentResultObserved {
            edge_id,
            child_thread_id,
            child_codex_turn_id,
            parent_thread_id,
            message,
            carried_payload,
        } = payload
        else {
            unreachable!("dispatched on agent_result_observed")
        };
        let author = self.agent_path_of(child_thread_id)?;
        let source = match self.index_latest_message(child_thread_id, child_codex_turn_id) {
            Some(item_id) => TraceAnchor::ConversationItem { item_id },
            None => TraceAnchor::Thread { thread_id: child_thread_id.clone() },
        };
        let edge = PendingEdge {
            edge_id: edge_id.clone(),
            kind: EdgeKind::AgentResult,
            source,
            target_thread_id: parent_thread_id.clone(),
            message_author: author,
            message_content: message.clone(),
            unresolved_spawn_thread_id: None,
            started_at_unix_ms: ctx.wall,
            ended_at_unix_ms: Some(ctx.wall),
            carried_raw_payload_ids: carried_payload.iter().map(|p| p.raw_payload_id.clone()).collect(),
        };
        self.queue_or_resolve(edge)
    }

    fn index_latest_message(&self, thread_id: &str, turn_id: &str) -> Option<CompactString> {
        self.pending_edges.latest_assistant_message(thread_id, turn_id)
    }

    /// Item creation hook: the child turn's latest plain assistant message is an agent result's
    /// source (greatest first-seen time, ties to the lexicographically last id).
    pub(super) fn note_agent_result_candidate(&mut self, item: &ConversationItem) {
        if item.role == ConversationRole::Assistant
            && item.kind == ConversationItemKind::Message
            && item.agent_message.is_none()
        {
            if let Some(turn) = &item.codex_turn_id {
                self.pending_edges.offer_assistant_message(
                    &item.thread_id,
                    turn,
                    &item.item_id,
                    item.first_seen_at_unix_ms,
                );
            }
        }
    }

    /// Thread-list hook: inter-agent messages become findable by (thread, author, content).
    pub(super) fn note_thread_item(&mut self, thread_id: &str, item_id: &str) {
        let Some(route) = self.inter_agent_route(item_id) else { return };
        self.pending_edges.offer_delivered_message(thread_id, route, item_id);
    }

    /// (author, content) of an inter-agent message addressed to its own thread's agent.
    fn inter_agent_route(&self, item_id: &str) -> Option<(CompactString, CompactString)> {
        let item = self.items.get(item_id)?;
        let thread = self.trace.threads.get(&item.thread_id)?;
        let message = message::inter_agent_message(item)?;
        (message.recipient == thread.agent_path).then_some((message.author, message.content))
    }

    /// D.9.2: deliver now if the recipient already shows the message, else merge or queue.
    fn queue_or_resolve(&mut self, edge: PendingEdge) -> Result<(), Error> {
        if self.trace.threads.contains_key(&edge.target_thread_id) {
            let route = (edge.message_author.clone(), edge.message_content.clone());
            if let Some(item_id) = self.pending_edges.first_unlinked_message(&edge.target_thread_id, &route) {
                return self.materialize_to_item(edge, &item_id);
            }
        }
        self.pending_edges.merge_or_push(edge)
    }

    /// Reconcile step (d): an inter-agent message resolves the first matching pending edge.
    pub(super) fn resolve_pending_edge_for_item(&mut self, item_id: &str) -> Result<(), Error> {
        if self.pending_edges.is_linked(item_id) {
            return Ok(());
        }
        let Some(route) = self.inter_agent_route(item_id) else { return Ok(()) };
        let thread_id = self.items[item_id].thread_id.clone();
        match self.pending_edges.take_first_matching(&thread_id, &route) {
            Some(edge) => self.materialize_to_item(edge, item_id),
            None => Ok(()),
        }
    }

    fn materialize_to_item(&mut self, edge: PendingEdge, item_id: &str) -> Result<(), Error> {
        self.pending_edges.link(item_id);
        let target = TraceAnchor::ConversationItem { item_id: item_id.into() };
        self.upsert_edge(edge.materialize(target, vec![item_id.into()]))
    }

    /// D.9.7: insert, or merge into an edge with the same id and endpoints.
    fn upsert_edge(&mut self, edge: InteractionEdge) -> Result<(), Error> {
        let Some(existing) = self.trace.interaction_edges.get_mut(&edge.edge_id) else {
            if let TraceAnchor::ToolCall { tool_call_id } = &edge.source {
                self.pending_edges.note_materialized_source(tool_call_id, &edge.edge_id);
            }
            self.trace.interaction_edges.insert(edge.edge_id.clone(), edge);
            return Ok(());
        };
        if existing.kind != edge.kind || existing.source != edge.source || existing.target != edge.target {
            return Err(ErrorKind::EdgeEndpointConflict(edge.edge_id).into());
        }
        existing.started_at_unix_ms = existing.started_at_unix_ms.min(edge.started_at_unix_ms);
        existing.ended_at_unix_ms = max_present(existing.ended_at_unix_ms, edge.ended_at_unix_ms);
        for id in &edge.carried_item_ids {
            push_unique(&mut existing.carried_item_ids, id);
        }
        for id in &edge.carried_raw_payload_ids {
            push_unique(&mut existing.carried_raw_payload_ids, id);
        }
        Ok(())
    }

    /// D.9.5: a tool result joins the first materialized edge from the tool, else a pending one.
    pub(super) fn attach_result_to_edges(&mut self, tool_call_id: &str, result_id: &str) {
        if let Some(edge_id) = self.pending_edges.first_materialized_from(tool_call_id) {
            if let Some(edge) = self.trace.interaction_edges.get_mut(&edge_id) {
                push_unique(&mut edge.carried_raw_payload_ids, result_id);
                return;
            }
        }
        self.pending_edges.attach_to_first_pending_from(tool_call_id, result_id);
    }

    /// D.9.6: pending spawn edges fall back to the child thread; everything else is dropped
    /// (upstream silently) and returned for the leftover report.
    pub(super) fn resolve_spawn_fallbacks(&mut self) -> Result<Vec<UndeliveredEdge>, Error> {
        let mut undelivered = Vec::new();
        for edge in self.pending_edges.drain() {
            let reason = match &edge.unresolved_spawn_thread_id {
                Some(_) if edge.kind != EdgeKind::SpawnAgent => {
                    return Err(ErrorKind::NonSpawnFallback(edge.edge_id).into());
                }
                Some(child) if self.trace.threads.contains_key(child) && !self.bugs.no_spawn_fallback => {
                    let target = TraceAnchor::Thread { thread_id: child.clone() };
                    self.upsert_edge(edge.materialize(target, Vec::new()))?;
                    continue;
                }
                Some(_) => UndeliveredReason::ChildThreadNeverStarted,
                None if !self.trace.threads.contains_key(&edge.target_thread_id) => {
                    UndeliveredReason::TargetThreadNeverStarted
                }
                None => UndeliveredReason::MessageNeverDelivered,
            };
            undelivered.push(UndeliveredEdge {
                edge_id: edge.edge_id,
                kind: edge.kind,
                source: edge.source,
                target_thread_id: edge.target_thread_id,
                reason,
            });
        }
        Ok(undelivered)
    }
}
