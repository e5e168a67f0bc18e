//! Code cells: queued starts, lifecycle events and links to items and tools (§D.3).

use compact_str::{format_compact, CompactString};
use std::collections::BTreeSet;

use super::{Ctx, Replay};
use crate::bundle::{CodeCellRuntimeStatus, ExecutionStatus};
use crate::error::{Error, ErrorKind};
use crate::model::{CodeCell, ConversationItemKind, ExecutionWindow, ProducerRef};

const START_EVENT: &str = "code cell start";

/// A `code_cell_started` waiting for its `exec` custom_tool_call item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingCodeCellStart {
    pub seq: u64,
    pub wall: i64,
    pub thread_id: CompactString,
    /// The start's envelope turn, required only when the cell materializes.
    pub codex_turn_id: Option<CompactString>,
    pub runtime_cell_id: CompactString,
    pub model_visible_call_id: CompactString,
    pub source_js: CompactString,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifecycle {
    InitialResponse,
    End,
}

impl Lifecycle {
    pub fn name(self) -> &'static str {
        match self {
            Lifecycle::InitialResponse => "initial_response",
            Lifecycle::End => "end",
        }
    }

    fn event_name(self) -> &'static str {
        match self {
            Lifecycle::InitialResponse => "code cell initial response",
            Lifecycle::End => "code cell end",
        }
    }
}

/// An initial response or end that arrived while its cell's start was still queued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingLifecycleEvent {
    pub seq: u64,
    pub wall: i64,
    pub kind: Lifecycle,
    pub status: CodeCellRuntimeStatus,
    pub runtime_cell_id: CompactString,
}

fn execution_status(status: CodeCellRuntimeStatus) -> ExecutionStatus {
    match status {
        CodeCellRuntimeStatus::Starting | CodeCellRuntimeStatus::Running | CodeCellRuntimeStatus::Yielded => {
            ExecutionStatus::Running
        }
        CodeCellRuntimeStatus::Completed => ExecutionStatus::Completed,
        CodeCellRuntimeStatus::Failed => ExecutionStatus::Failed,
        CodeCellRuntimeStatus::Terminated => ExecutionStatus::Cancelled,
    }
}

impl Replay<'_> {
    /// Code-cell events name their thread by the envelope, else through the envelope turn.
    fn code_cell_thread(&self, ctx: Ctx, event: &'static str, runtime_cell_id: &str) -> Result<CompactString, Error> {
        if let Some(thread) = ctx.thread_id {
            return Ok(thread.into());
        }
        let turn = ctx
            .codex_turn_id
            .ok_or_else(|| ErrorKind::CodeCellWithoutThread { event, runtime_cell: runtime_cell_id.into() })?;
        let turn = self.trace.codex_turns.get(turn).ok_or_else(|| ErrorKind::CodeCellUnknownEnvelopeTurn {
            event,
            runtime_cell: runtime_cell_id.into(),
            turn: turn.into(),
        })?;
        Ok(turn.thread_id.clone())
    }

    fn has_source_item(&self, thread_id: &str, call_id: &str) -> bool {
        self.index
            .items_with_call(thread_id, call_id, ConversationItemKind::CustomToolCall)
            .is_some_and(|ids| !ids.is_empty())
    }

    /// Runtime cell ids are only unique within a thread.
    pub(super) fn runtime_cell_key(&self, thread_id: &str, runtime_cell_id: &str) -> (CompactString, CompactString) {
        let thread = if self.bugs.runtime_cells_ignore_thread { "" } else { thread_id };
        (thread.into(), runtime_cell_id.into())
    }

    pub(super) fn code_cell_started(
        &mut self,
        ctx: Ctx,
        runtime_cell_id: &str,
        model_visible_call_id: &str,
        source_js: &str,
    ) -> Result<(), Error> {
        let thread_id = self.code_cell_thread(ctx, START_EVENT, runtime_cell_id)?;
        let code_cell_id = format_compact!("code_cell:{model_visible_call_id}");
        let key = self.runtime_cell_key(&thread_id, runtime_cell_id);
        match self.runtime_cells.get(&key) {
            Some(existing) if existing != code_cell_id => {
                return Err(ErrorKind::RuntimeCellRemapped {
                    runtime_cell: runtime_cell_id.into(),
                    thread: thread_id,
                    first: existing.clone(),
                    second: code_cell_id,
                }
                .into())
            }
            Some(_) => {}
            None => {
                self.runtime_cells.insert(key, code_cell_id.clone());
            }
        }
        let start = PendingCodeCellStart {
            seq: ctx.seq,
            wall: ctx.wall,
            thread_id,
            codex_turn_id: ctx.codex_turn_id.map(CompactString::from),
            runtime_cell_id: runtime_cell_id.into(),
            model_visible_call_id: model_visible_call_id.into(),
            source_js: source_js.into(),
        };
        if self.has_source_item(&start.thread_id, model_visible_call_id) || self.bugs.eager_code_cells {
            return self.materialize_code_cell(&code_cell_id, start);
        }
        if self.trace.code_cells.contains_key(&code_cell_id)
            || self.pending_code_cell_starts.contains_key(&code_cell_id)
        {
            return Err(ErrorKind::DuplicateCodeCellStart(code_cell_id).into());
        }
        self.index
            .code_cell_starts_by_source
            .entry((start.thread_id.clone(), model_visible_call_id.into()))
            .or_default()
            .push(code_cell_id.clone());
        self.pending_code_cell_starts.insert(code_cell_id, start);
        Ok(())
    }

    /// A new `custom_tool_call` item makes the starts waiting on it ready for the next flush.
    pub(super) fn note_code_cell_source(&mut self, thread_id: &str, call_id: &str) {
        if let Some(cells) = self.index.code_cell_starts_by_source.remove(&(thread_id.into(), call_id.into())) {
            self.index.ready_code_cell_starts.extend(cells);
        }
    }

    /// Materialize every queued start whose source item now exists, in code_cell_id order.
    /// Upstream scans the whole queue; the ready set gives the same cells in the same order.
    pub(super) fn flush_code_cell_starts(&mut self) -> Result<(), Error> {
        let ready: BTreeSet<CompactString> = std::mem::take(&mut self.index.ready_code_cell_starts);
        for code_cell_id in ready {
            if let Some(start) = self.pending_code_cell_starts.remove(&code_cell_id) {
                self.materialize_code_cell(&code_cell_id, start)?;
            }
        }
        Ok(())
    }

    fn materialize_code_cell(&mut self, code_cell_id: &str, start: PendingCodeCellStart) -> Result<(), Error> {
        if self.trace.code_cells.contains_key(code_cell_id) {
            return Err(ErrorKind::DuplicateCodeCellStart(code_cell_id.into()).into());
        }
        let turn_id =
            start.codex_turn_id.clone().ok_or_else(|| ErrorKind::CodeCellStartWithoutTurn(code_cell_id.into()))?;
        let thread_id = &start.thread_id;
        if !self.trace.threads.contains_key(thread_id) {
            return Err(ErrorKind::CodeCellStartUnknownThread(thread_id.clone()).into());
        }
        let turn =
            self.trace.codex_turns.get(&turn_id).ok_or_else(|| ErrorKind::CodeCellStartUnknownTurn(turn_id.clone()))?;
        if turn.thread_id != thread_id {
            return Err(ErrorKind::CodeCellStartWrongThread {
                thread: thread_id.clone(),
                turn: turn_id,
                owner: turn.thread_id.clone(),
            }
            .into());
        }
        let call_id = &start.model_visible_call_id;
        let source_item_id = self
            .index
            .items_with_call(thread_id, call_id, ConversationItemKind::CustomToolCall)
            .and_then(|ids| ids.first());
        let source_item_id = match source_item_id {
            Some(id) => id.clone(),
            None if self.bugs.eager_code_cells => CompactString::default(),
            None => {
                let call = call_id.clone();
                return Err(ErrorKind::CodeCellWithoutSourceItem { code_cell: code_cell_id.into(), call }.into());
            }
        };
        let output_item_ids: Vec<CompactString> = self
            .index
            .items_with_call(thread_id, call_id, ConversationItemKind::CustomToolCallOutput)
            .map(|ids| ids.iter().cloned().collect())
            .unwrap_or_default();
        let producer = ProducerRef::CodeCell { code_cell_id: code_cell_id.into() };
        for item_id in &output_item_ids {
            self.add_producer(item_id, &producer);
        }
        // Nested tools may have started while the cell was queued.
        let nested_tool_call_ids = self
            .index
            .tools_by_requester_cell
            .get(code_cell_id)
            .map(|ids| ids.iter().cloned().collect())
            .unwrap_or_default();
        let cell = CodeCell {
            code_cell_id: code_cell_id.into(),
            model_visible_call_id: call_id.clone(),
            thread_id: thread_id.clone(),
            codex_turn_id: turn_id.clone(),
            source_item_id,
            output_item_ids,
            runtime_cell_id: Some(start.runtime_cell_id.clone()),
            execution: ExecutionWindow::running(start.wall, start.seq),
            runtime_status: CodeCellRuntimeStatus::Starting,
            initial_response_at_unix_ms: None,
            initial_response_seq: None,
            yielded_at_unix_ms: None,
            yielded_seq: None,
            source_js: start.source_js,
            nested_tool_call_ids,
            wait_tool_call_ids: Vec::new(),
        };
        self.trace.code_cells.insert(code_cell_id.into(), cell);
        self.index.code_cells_by_turn.entry(turn_id).or_default().push(code_cell_id.into());
        let mut waiting = self.pending_code_cell_lifecycle.remove(code_cell_id).unwrap_or_default();
        waiting.sort_by_key(|event| event.seq);
        for event in waiting {
            self.apply_lifecycle(code_cell_id, &event);
        }
        Ok(())
    }

    pub(super) fn code_cell_lifecycle(
        &mut self,
        ctx: Ctx,
        runtime_cell_id: &str,
        kind: Lifecycle,
        status: CodeCellRuntimeStatus,
    ) -> Result<(), Error> {
        let event_name = kind.event_name();
        let thread_id = self.code_cell_thread(ctx, event_name, runtime_cell_id)?;
        let code_cell_id =
            self.runtime_cells.get(&self.runtime_cell_key(&thread_id, runtime_cell_id)).cloned().ok_or_else(|| {
                ErrorKind::UnknownRuntimeCell {
                    event: event_name,
                    runtime_cell: runtime_cell_id.into(),
                    thread: thread_id,
                }
            })?;
        let event = PendingLifecycleEvent {
            seq: ctx.seq,
            wall: ctx.wall,
            kind,
            status,
            runtime_cell_id: runtime_cell_id.into(),
        };
        if self.trace.code_cells.contains_key(&code_cell_id) {
            self.apply_lifecycle(&code_cell_id, &event);
        } else if self.pending_code_cell_starts.contains_key(&code_cell_id) {
            self.pending_code_cell_lifecycle.entry(code_cell_id).or_default().push(event);
        } else {
            return Err(ErrorKind::CodeCellUnknownCell { event: event_name, code_cell: code_cell_id }.into());
        }
        Ok(())
    }

    /// Initial responses never change `execution`; ends do, with `terminated` as `cancelled`.
    fn apply_lifecycle(&mut self, code_cell_id: &str, event: &PendingLifecycleEvent) {
        let Some(cell) = self.trace.code_cells.get_mut(code_cell_id) else { return };
        if cell.initial_response_seq.is_none() && cell.initial_response_at_unix_ms.is_none() {
            cell.initial_response_at_unix_ms = Some(event.wall);
            cell.initial_response_seq = Some(event.seq);
        }
        match event.kind {
            Lifecycle::InitialResponse => {
                cell.runtime_cell_id = Some(event.runtime_cell_id.clone());
                if event.status == CodeCellRuntimeStatus::Yielded {
                    cell.yielded_at_unix_ms = Some(event.wall);
                    cell.yielded_seq = Some(event.seq);
                }
            }
            Lifecycle::End => cell.execution.end(event.wall, event.seq, execution_status(event.status)),
        }
        if self.bugs.initial_response_ends_execution && event.kind == Lifecycle::InitialResponse {
            cell.execution.end(event.wall, event.seq, execution_status(event.status));
        }
        cell.runtime_status = event.status;
    }

    /// A failed, cancelled or aborted turn ends its still-running cells at the turn-end event.
    pub(super) fn terminate_turn_code_cells(&mut self, ctx: Ctx, codex_turn_id: &str, status: CodeCellRuntimeStatus) {
        let Some(cells) = self.index.code_cells_by_turn.get(codex_turn_id).cloned() else { return };
        for code_cell_id in cells {
            let running = self
                .trace
                .code_cells
                .get(&code_cell_id)
                .is_some_and(|c| c.execution.status == ExecutionStatus::Running);
            if running {
                let event = PendingLifecycleEvent {
                    seq: ctx.seq,
                    wall: ctx.wall,
                    kind: Lifecycle::End,
                    status,
                    runtime_cell_id: CompactString::default(),
                };
                self.apply_lifecycle(&code_cell_id, &event);
            }
        }
    }

    /// A `custom_tool_call_output` seen in any pass joins its materialized cell (not thread-checked).
    pub(super) fn link_code_cell_output(&mut self, item_id: &str) {
        let Some(item) = self.items.get(item_id) else { return };
        let (ConversationItemKind::CustomToolCallOutput, Some(call_id)) = (item.kind, &item.call_id) else { return };
        let code_cell_id = format_compact!("code_cell:{call_id}");
        let Some(cell) = self.trace.code_cells.get_mut(&code_cell_id) else { return };
        if !cell.output_item_ids.iter().any(|id| id == item_id) {
            cell.output_item_ids.push(item_id.into());
        }
        self.add_producer(item_id, &ProducerRef::CodeCell { code_cell_id });
    }

    /// Append a producer to an item unless it is already listed.
    pub(super) fn add_producer(&mut self, item_id: &str, producer: &ProducerRef) {
        if let Some(item) = self.items.get_mut(item_id) {
            if !item.produced_by.contains(producer) {
                item.produced_by.push(producer.clone());
            }
        }
    }
}
