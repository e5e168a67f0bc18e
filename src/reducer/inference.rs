//! Inference lifecycle and the request/response side of the conversation (§D.4.4–§D.6).

use compact_str::CompactString;
use serde_json::Value;

use super::conversation::normalize::normalize_items;
use super::conversation::{Mode, Pass};
use super::timing::ServerTimes;
use super::{Ctx, Replay};
use crate::bundle::{ExecutionStatus, RawPayload, RawPayloadRef};
use crate::error::{Error, ErrorKind};
use crate::model::{ExecutionWindow, InferenceCall, InferenceTiming, ProducerRef, TokenUsage};

/// How an inference ended.
pub enum Outcome {
    /// `server` is read only under revisions with inference timing.
    Completed {
        response_id: Option<CompactString>,
        server: Option<ServerTimes>,
    },
    Failed,
    Cancelled,
}

impl Replay<'_> {
    pub(super) fn inference_started(&mut self, ctx: Ctx, payload: &RawPayload) -> Result<(), Error> {
        let RawPayload::InferenceStarted {
            inference_call_id,
            thread_id,
            codex_turn_id,
            model,
            provider_name,
            request_payload,
            // Main's reducer ignores the branch's explicit mode (§D.6, §H.3); it is data only.
            request_input_mode: _,
        } = payload
        else {
            unreachable!("dispatched on inference_started")
        };
        if self.trace.inference_calls.contains_key(inference_call_id) {
            return Err(ErrorKind::DuplicateInferenceStart(inference_call_id.clone()).into());
        }
        let turn = self.trace.codex_turns.get(codex_turn_id).ok_or_else(|| ErrorKind::InferenceUnknownTurn {
            call: inference_call_id.clone(),
            turn: codex_turn_id.clone(),
        })?;
        if turn.thread_id != thread_id {
            return Err(ErrorKind::InferenceWrongThread {
                call: inference_call_id.clone(),
                thread: thread_id.clone(),
                turn: codex_turn_id.clone(),
                owner: turn.thread_id.clone(),
            }
            .into());
        }
        // The request is reduced before the call exists, so a pass never sees its own call.
        let request_item_ids =
            self.reduce_request(ctx, inference_call_id, thread_id, codex_turn_id, request_payload)?;
        if !self.trace.threads.contains_key(thread_id) {
            return Err(Self::unknown_thread(thread_id));
        }
        self.append_thread_items(thread_id, &request_item_ids);
        self.snapshots.insert(thread_id.clone(), request_item_ids.clone());
        self.index.inferences_by_turn.entry(codex_turn_id.clone()).or_default().push(inference_call_id.clone());
        let call = InferenceCall {
            inference_call_id: inference_call_id.clone(),
            thread_id: thread_id.clone(),
            codex_turn_id: codex_turn_id.clone(),
            execution: ExecutionWindow::running(ctx.wall, ctx.seq),
            timing: self.revision.timing.then(|| InferenceTiming::started(ctx.wall)),
            model: model.clone(),
            provider_name: provider_name.clone(),
            response_id: None,
            upstream_request_id: None,
            request_item_ids,
            response_item_ids: Vec::new(),
            tool_call_ids_started_by_response: Vec::new(),
            usage: None,
            raw_request_payload_id: request_payload.raw_payload_id.clone(),
            raw_response_payload_id: None,
        };
        self.trace.inference_calls.insert(inference_call_id.clone(), call);
        Ok(())
    }

    /// The request items, as ids: a full snapshot, or a prior call's items plus a delta. The mode
    /// comes from the payload: a string `previous_response_id` means incremental.
    fn reduce_request(
        &mut self,
        ctx: Ctx,
        call: &str,
        thread_id: &str,
        turn: &str,
        request_payload: &RawPayloadRef,
    ) -> Result<Vec<CompactString>, Error> {
        let (items, previous_response_id) = self.request_input(request_payload)?;
        let pass = |mode, previous, start_index| Pass::new(thread_id, turn, ctx.wall, mode, previous, start_index);
        match previous_response_id {
            Some(previous_response_id) => {
                let prior = self.inference_with_response_id(thread_id, &previous_response_id).ok_or_else(|| {
                    ErrorKind::UnknownPreviousResponse { call: call.into(), response: previous_response_id.clone() }
                })?;
                let prior = &self.trace.inference_calls[&prior];
                let prefix: Vec<CompactString> =
                    prior.request_item_ids.iter().chain(&prior.response_item_ids).cloned().collect();
                // The delta is compared with the thread's current snapshot, not with the prefix.
                let snapshot = self.take_snapshot(thread_id);
                let delta = self.reconcile(pass(Mode::AppendOnly, &snapshot, prefix.len()), items)?;
                Ok(prefix.into_iter().chain(delta).collect())
            }
            None => {
                let replacement = match self.bugs.ignore_compaction_replacement {
                    true => None,
                    false => self.pending_compaction_replacements.remove(thread_id),
                };
                let previous = match replacement {
                    Some(replacement) => replacement,
                    None => self.take_snapshot(thread_id),
                };
                self.reconcile(pass(Mode::FullSnapshot, &previous, 0), items)
            }
        }
    }

    /// The first call (in id order) of this thread whose response id is `response_id`.
    fn inference_with_response_id(&self, thread_id: &str, response_id: &str) -> Option<CompactString> {
        self.index
            .inferences_by_response_id
            .get(&(thread_id.into(), response_id.into()))
            .and_then(|calls| calls.first())
            .cloned()
    }

    pub(super) fn inference_ended(
        &mut self,
        ctx: Ctx,
        inference_call_id: &str,
        outcome: Outcome,
        upstream_request_id: &Option<CompactString>,
        response_payload: Option<&RawPayloadRef>,
    ) -> Result<(), Error> {
        if !self.trace.inference_calls.contains_key(inference_call_id) {
            return Err(ErrorKind::CompletionUnknownCall(inference_call_id.into()).into());
        }
        let response = match response_payload {
            Some(payload) => {
                Some((payload.raw_payload_id.clone(), self.reduce_response(ctx, inference_call_id, payload)?))
            }
            None => None,
        };
        let call = self.trace.inference_calls.get_mut(inference_call_id).expect("checked above");
        let (response_id, status) = match outcome {
            Outcome::Completed { response_id, server } => {
                if let (Some(timing), Some(server)) = (call.timing.as_mut(), server) {
                    super::timing::completed(timing, ctx, server);
                }
                (response_id, ExecutionStatus::Completed)
            }
            Outcome::Failed => (None, ExecutionStatus::Failed),
            Outcome::Cancelled => (None, ExecutionStatus::Cancelled),
        };
        // bc8b25ea02 assigns every terminal's id, null included; later revisions keep a known one.
        let old_response_id = match (self.revision.sticky_response_id, response_id) {
            (true, None) => call.response_id.clone(),
            (_, response_id) => std::mem::replace(&mut call.response_id, response_id),
        };
        // A turn end may have closed the call already; its status and end then stand.
        if call.execution.status == ExecutionStatus::Running {
            call.execution.end(ctx.wall, ctx.seq, status);
        }
        if upstream_request_id.is_some() {
            call.upstream_request_id = upstream_request_id.clone();
        }
        let thread_id = call.thread_id.clone();
        let new_response_id = call.response_id.clone();
        let mut replaced_items = None;
        if let Some((payload_id, (item_ids, usage))) = response {
            call.raw_response_payload_id = Some(payload_id);
            replaced_items = Some(std::mem::replace(&mut call.response_item_ids, item_ids));
            if usage.is_some() {
                call.usage = usage;
            }
        }
        if let Some(old_items) = replaced_items {
            let new_items = self.trace.inference_calls[inference_call_id].response_item_ids.clone();
            self.index.set_response_items(inference_call_id, &old_items, &new_items);
        }
        self.index.set_response_id(
            &thread_id,
            inference_call_id,
            old_response_id.as_deref(),
            new_response_id.as_deref(),
        );
        Ok(())
    }

    /// Every response item is new (AppendOnly past the end of the snapshot).
    fn reduce_response(
        &mut self,
        ctx: Ctx,
        inference_call_id: &str,
        payload: &RawPayloadRef,
    ) -> Result<(Vec<CompactString>, Option<TokenUsage>), Error> {
        let id = &payload.raw_payload_id;
        let mut value = self.payload_json(payload)?;
        let Some(Value::Array(output_items)) = value.get_mut("output_items").map(Value::take) else {
            return Err(ErrorKind::ResponseWithoutOutputItems(id.clone()).into());
        };
        let items = normalize_items(output_items, id, self.summary_limit())?;
        let call = &self.trace.inference_calls[inference_call_id];
        let (thread_id, turn_id) = (call.thread_id.clone(), call.codex_turn_id.clone());
        let mut snapshot = self.take_snapshot(&thread_id);
        let pass = Pass::new(&thread_id, &turn_id, ctx.wall, Mode::AppendOnly, &snapshot, snapshot.len())
            .producing(vec![ProducerRef::Inference { inference_call_id: inference_call_id.into() }]);
        let ids = self.reconcile(pass, items)?;
        self.append_thread_items(&thread_id, &ids);
        snapshot.extend(ids.iter().cloned());
        self.snapshots.insert(thread_id, snapshot);
        Ok((ids, token_usage(value.get("token_usage"))))
    }

    /// Close the turn's still-running calls when the turn ends.
    pub(super) fn close_turn_inferences(&mut self, ctx: Ctx, codex_turn_id: &str, status: ExecutionStatus) {
        let Some(calls) = self.index.inferences_by_turn.get(codex_turn_id) else { return };
        for call_id in calls {
            if let Some(call) = self.trace.inference_calls.get_mut(call_id) {
                if call.execution.status == ExecutionStatus::Running {
                    call.execution.end(ctx.wall, ctx.seq, status);
                }
            }
        }
    }
}

/// Usage is recorded only when the four required counters are integers; negatives clamp to 0.
fn token_usage(value: Option<&Value>) -> Option<TokenUsage> {
    let usage = value?.as_object()?;
    let count = |key: &str| -> Option<u64> {
        let number = usage.get(key)?.as_i64()?;
        Some(number.max(0) as u64)
    };
    Some(TokenUsage {
        input_tokens: count("input_tokens")?,
        cached_input_tokens: count("cached_input_tokens")?,
        cache_write_input_tokens: count("cache_write_input_tokens").unwrap_or(0),
        output_tokens: count("output_tokens")?,
        reasoning_output_tokens: count("reasoning_output_tokens")?,
    })
}
