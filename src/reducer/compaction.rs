//! Compaction requests and installed checkpoints (§D.4.6, §D.10).

use compact_str::CompactString;
use serde_json::Value;

use super::conversation::normalize::normalize_items;
use super::conversation::{Mode, Pass};
use super::{Ctx, Replay};
use crate::bundle::{ExecutionStatus, RawPayload, RawPayloadRef};
use crate::error::{Error, ErrorKind};
use crate::model::{
    Compaction, CompactionRequest, ConversationBody, ConversationItem, ConversationItemKind, ConversationRole,
    ExecutionWindow, ProducerRef,
};

impl Replay<'_> {
    pub(super) fn compaction_request_started(&mut self, ctx: Ctx, payload: &RawPayload) -> Result<(), Error> {
        let RawPayload::CompactionRequestStarted {
            compaction_id,
            compaction_request_id,
            thread_id,
            codex_turn_id,
            model,
            provider_name,
            request_payload,
        } = payload
        else {
            unreachable!("dispatched on compaction_request_started")
        };
        if self.trace.compaction_requests.contains_key(compaction_request_id) {
            return Err(ErrorKind::DuplicateCompactionRequest(compaction_request_id.clone()).into());
        }
        if !self.trace.threads.contains_key(thread_id) {
            return Err(Self::unknown_thread(thread_id));
        }
        let turn =
            self.trace.codex_turns.get(codex_turn_id).ok_or_else(|| ErrorKind::CompactionRequestUnknownTurn {
                request: compaction_request_id.clone(),
                turn: codex_turn_id.clone(),
            })?;
        if turn.thread_id != thread_id {
            return Err(ErrorKind::CompactionRequestWrongThread {
                request: compaction_request_id.clone(),
                thread: thread_id.clone(),
                turn: codex_turn_id.clone(),
                owner: turn.thread_id.clone(),
            }
            .into());
        }
        let request = CompactionRequest {
            compaction_request_id: compaction_request_id.clone(),
            compaction_id: compaction_id.clone(),
            thread_id: thread_id.clone(),
            codex_turn_id: codex_turn_id.clone(),
            execution: ExecutionWindow::running(ctx.wall, ctx.seq),
            model: model.clone(),
            provider_name: provider_name.clone(),
            raw_request_payload_id: request_payload.raw_payload_id.clone(),
            raw_response_payload_id: None,
        };
        self.trace.compaction_requests.insert(compaction_request_id.clone(), request);
        self.index
            .compaction_requests_by_compaction
            .entry(compaction_id.clone())
            .or_default()
            .insert(compaction_request_id.clone());
        Ok(())
    }

    /// Completion (with a response payload) or failure (without one).
    pub(super) fn compaction_request_ended(
        &mut self,
        ctx: Ctx,
        compaction_id: &str,
        compaction_request_id: &str,
        response_payload: Option<&RawPayloadRef>,
    ) -> Result<(), Error> {
        let request = self
            .trace
            .compaction_requests
            .get_mut(compaction_request_id)
            .ok_or_else(|| ErrorKind::CompactionCompletionUnknownRequest(compaction_request_id.into()))?;
        if request.compaction_id != compaction_id {
            return Err(ErrorKind::CompactionIdMismatch {
                request: compaction_request_id.into(),
                completion: compaction_id.into(),
                start: request.compaction_id.clone(),
            }
            .into());
        }
        let status = if response_payload.is_some() { ExecutionStatus::Completed } else { ExecutionStatus::Failed };
        request.execution.end(ctx.wall, ctx.seq, status);
        request.raw_response_payload_id = response_payload.map(|p| p.raw_payload_id.clone());
        Ok(())
    }

    pub(super) fn compaction_installed(
        &mut self,
        ctx: Ctx,
        compaction_id: &str,
        checkpoint: &RawPayloadRef,
    ) -> Result<(), Error> {
        let thread_id = ctx.thread_id.ok_or_else(|| ErrorKind::CompactionInstallWithoutThread(compaction_id.into()))?;
        let turn_id = ctx.codex_turn_id.ok_or_else(|| ErrorKind::CompactionInstallWithoutTurn(compaction_id.into()))?;
        if self.trace.compactions.contains_key(compaction_id) {
            return Err(ErrorKind::DuplicateCompactionInstall(compaction_id.into()).into());
        }
        if !self.trace.threads.contains_key(thread_id) {
            return Err(Self::unknown_thread(thread_id));
        }
        let turn = self.trace.codex_turns.get(turn_id).ok_or_else(|| ErrorKind::CompactionInstallUnknownTurn {
            compaction: compaction_id.into(),
            turn: turn_id.into(),
        })?;
        if turn.thread_id != thread_id {
            return Err(ErrorKind::CompactionInstallWrongThread {
                compaction: compaction_id.into(),
                thread: thread_id.into(),
                turn: turn_id.into(),
                owner: turn.thread_id.clone(),
            }
            .into());
        }

        let payload_id = &checkpoint.raw_payload_id;
        let mut value = self.payload_json(checkpoint)?;
        let mut history = |key: &'static str| match value.get_mut(key).map(Value::take) {
            Some(Value::Array(items)) => Ok(items),
            _ => Err(Error::from(ErrorKind::CheckpointWithoutArray { payload: payload_id.clone(), key })),
        };
        let (input_history, replacement_history) = (history("input_history")?, history("replacement_history")?);
        let input = normalize_items(input_history, payload_id, self.summary_limit())?;
        let replacement = normalize_items(replacement_history, payload_id, self.summary_limit())?;

        let producer = ProducerRef::Compaction { compaction_id: compaction_id.into() };
        let snapshot = self.take_snapshot(thread_id);
        let input_item_ids =
            self.reconcile(Pass::new(thread_id, turn_id, ctx.wall, Mode::Detached, &snapshot, 0), input)?;
        // A compaction leaves the snapshot alone; the pending replacement stands in for it.
        self.snapshots.insert(thread_id.into(), snapshot);
        let marker_item_id = self.create_marker(thread_id, turn_id, ctx.wall, producer.clone());
        // The replacement is always fresh: no candidates.
        let replacement_pass =
            Pass::new(thread_id, turn_id, ctx.wall, Mode::Detached, &[], 0).producing(vec![producer]);
        let replacement_item_ids = self.reconcile(replacement_pass, replacement)?;

        let mut appended = input_item_ids.clone();
        appended.push(marker_item_id.clone());
        appended.extend(replacement_item_ids.iter().cloned());
        self.append_thread_items(thread_id, &appended);
        self.pending_compaction_replacements.insert(thread_id.into(), replacement_item_ids.clone());

        // Only requests seen so far count; later ones are never added.
        let request_ids = self
            .index
            .compaction_requests_by_compaction
            .get(compaction_id)
            .map(|ids| ids.iter().cloned().collect())
            .unwrap_or_default();
        let compaction = Compaction {
            compaction_id: compaction_id.into(),
            thread_id: thread_id.into(),
            codex_turn_id: turn_id.into(),
            installed_at_unix_ms: ctx.wall,
            marker_item_id,
            request_ids,
            input_item_ids,
            replacement_item_ids,
        };
        self.trace.compactions.insert(compaction_id.into(), compaction);
        Ok(())
    }

    /// The compaction marker: a fresh item that no linking step sees.
    fn create_marker(&mut self, thread_id: &str, turn_id: &str, wall: i64, producer: ProducerRef) -> CompactString {
        let item_id = self.next_item_id();
        let marker = ConversationItem {
            item_id: item_id.clone(),
            thread_id: thread_id.into(),
            codex_turn_id: Some(turn_id.into()),
            first_seen_at_unix_ms: wall,
            role: ConversationRole::Assistant,
            channel: None,
            kind: ConversationItemKind::CompactionMarker,
            agent_message: None,
            body: ConversationBody::default(),
            call_id: None,
            produced_by: vec![producer],
        };
        self.items.insert(marker);
        item_id
    }
}
