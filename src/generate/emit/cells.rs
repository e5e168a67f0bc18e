//! Code cells: start, nested tools, initial response, end, and what the turn end does to them.

use compact_str::{format_compact, CompactString, ToCompactString};
use serde_json::{json, Value};

use super::tools::{cell_source, exec_output, exec_request, Payloads, Runtime, ToolSpec};
use super::{Emitter, HbRule, Tag};
use crate::bundle::{
    CodeCellRuntimeStatus as Status, ExecutionStatus, RawPayload, RawPayloadKind, RawToolCallRequester, ToolCallKind,
};
use crate::generate::facts::{CellFact, UnmaterializedCellFact};
use crate::generate::scenario::{CellFinal, CodeCellPlan};

/// The end of a yielded cell that outlives its turn, written after the turn ends.
#[derive(Debug)]
pub struct DeferredCellEnd {
    runtime_cell_id: CompactString,
    turn: CompactString,
    status: Status,
    initial_response: usize,
}

/// The status a runtime response records (producer realism): a yield is `yielded`, a
/// termination `terminated`, a result with error text `failed`, any other result `completed`.
fn response_body(status: Status, runtime_cell_id: &str) -> Value {
    let content = json!([{"type": "input_text", "text": format!("cell {runtime_cell_id} output")}]);
    match status {
        Status::Yielded => json!({"response": {"Yielded": {"cell_id": runtime_cell_id, "content_items": content}}}),
        Status::Terminated => {
            json!({"response": {"Terminated": {"cell_id": runtime_cell_id, "content_items": content}}})
        }
        Status::Failed => {
            json!({"response": {"Result": {"cell_id": runtime_cell_id, "content_items": content, "error_text": "TypeError: boom"}}})
        }
        _ => json!({"response": {"Result": {"cell_id": runtime_cell_id, "content_items": content}}}),
    }
}

fn execution_of(status: Status) -> ExecutionStatus {
    match status {
        Status::Completed => ExecutionStatus::Completed,
        Status::Failed => ExecutionStatus::Failed,
        Status::Terminated => ExecutionStatus::Cancelled,
        Status::Starting | Status::Running | Status::Yielded => ExecutionStatus::Running,
    }
}

impl Emitter {
    /// A lifecycle event of a cell: `(status, is_end)`.
    fn cell_event(
        &mut self,
        thread: &str,
        turn: &str,
        runtime_cell_id: &str,
        (status, end): (Status, bool),
        tag: Tag,
        preds: Vec<(usize, HbRule)>,
    ) -> usize {
        let response_payload = Some(self.payload(RawPayloadKind::ToolResult, &response_body(status, runtime_cell_id)));
        let runtime_cell_id = CompactString::from(runtime_cell_id);
        let payload = if end {
            RawPayload::CodeCellEnded { runtime_cell_id, status, response_payload }
        } else {
            RawPayload::CodeCellInitialResponse { runtime_cell_id, status, response_payload }
        };
        self.push(Some(thread), Some(turn), payload, tag, preds)
    }

    pub(super) fn run_cell(
        &mut self,
        thread: &str,
        turn: &str,
        request: usize,
        call_id: &str,
        runtime_cell_id: &str,
        plan: &CodeCellPlan,
    ) {
        let cell_id = format_compact!("code_cell:{call_id}");
        self.cell_ids.insert((thread.into(), runtime_cell_id.into()), cell_id.clone());
        let source_js = cell_source(call_id);
        let start = self.push(
            Some(thread),
            Some(turn),
            RawPayload::CodeCellStarted {
                runtime_cell_id: runtime_cell_id.into(),
                model_visible_call_id: call_id.into(),
                source_js,
            },
            Tag::CellStart(cell_id.clone()),
            self.after_request(request),
        );
        // Nested tools run one at a time from the cell's JavaScript. Their ids sort opposite to their
        // start order, so the backfill-versus-append order dependence is exercised.
        let mut nested = Vec::new();
        let mut last = (start, HbRule::NestedTool);
        for k in 0..plan.nested_tools {
            let tool_call_id = format_compact!("{call_id}-nested-{}", plan.nested_tools - k);
            let cmd = format!("ls {call_id}/{k}");
            let output = format!("file-{k}\n");
            let spec = ToolSpec {
                tool_call_id: tool_call_id.clone(),
                model_visible_call_id: None,
                requester: RawToolCallRequester::CodeCell { runtime_cell_id: runtime_cell_id.into() },
                kind: ToolCallKind::ExecCommand,
                label: "exec_command",
                invocation: Some(
                    json!({"tool_name": "exec_command", "tool_namespace": null, "payload": {"type": "function", "arguments": json!({"cmd": cmd}).to_string()}}),
                ),
                runtime: vec![
                    Runtime::Begin(
                        json!({"call_id": tool_call_id, "turn_id": turn, "command": ["bash", "-lc", cmd], "cwd": "/repo"}),
                    ),
                    Runtime::End(
                        json!({"call_id": tool_call_id, "turn_id": turn, "command": ["bash", "-lc", cmd], "cwd": "/repo", "stdout": output, "stderr": "", "exit_code": 0, "formatted_output": output}),
                    ),
                ],
                result: json!({"type": "code_mode_response", "value": {"output": output, "exit_code": 0}}),
                start_tag: Tag::NestedToolStart(cell_id.clone()),
            };
            let preds = vec![last, (start, HbRule::NestedTool)];
            let (_, _, end) = self.tool_events(thread, turn, spec, preds);
            let request = exec_request(vec!["bash".into(), "-lc".into(), cmd.into()]);
            self.terminal_fact(&tool_call_id, None, request, exec_output(&output), Payloads::Runtime);
            last = (end, HbRule::NestedTool);
            nested.push(tool_call_id);
        }

        let ended_by_turn = plan.final_status == CellFinal::EndedByTurn;
        let final_status = match plan.final_status {
            CellFinal::Completed => Status::Completed,
            CellFinal::Failed => Status::Failed,
            CellFinal::Terminated => Status::Terminated,
            CellFinal::EndedByTurn => Status::Yielded,
        };
        let yields = plan.yields || ended_by_turn;
        let initial_status = if yields { Status::Yielded } else { final_status };
        let initial = self.cell_event(
            thread,
            turn,
            runtime_cell_id,
            (initial_status, false),
            Tag::CellLifecycle(cell_id.clone()),
            vec![(start, HbRule::CellLifecycle), last],
        );
        self.tool_output(thread, json!({"type": "custom_tool_call_output", "call_id": call_id, "output": format!("cell {runtime_cell_id} output")}), initial);
        self.facts.code_cells.insert(
            cell_id.clone(),
            CellFact {
                thread_id: thread.into(),
                codex_turn_id: turn.into(),
                runtime_cell_id: runtime_cell_id.into(),
                source_js: cell_source(call_id),
                yielded: yields,
                output_shown: false,
                model_visible_call_id: call_id.into(),
                runtime_status: final_status,
                execution_status: execution_of(final_status),
                ended: !ended_by_turn,
                nested_tool_call_ids: nested,
                wait_tool_call_ids: Vec::new(),
            },
        );
        if ended_by_turn {
            self.state(thread).cells_ended_by_turn.push(cell_id);
        } else if plan.outlives_turn && yields {
            self.state(thread).deferred_cell_ends.push(DeferredCellEnd {
                runtime_cell_id: runtime_cell_id.into(),
                turn: turn.into(),
                status: final_status,
                initial_response: initial,
            });
        } else {
            let end = self.cell_event(
                thread,
                turn,
                runtime_cell_id,
                (final_status, true),
                Tag::CellLifecycle(cell_id),
                vec![(initial, HbRule::CellLifecycle)],
            );
            self.state(thread).turn_waits.push(end);
            if plan.wait && yields {
                self.state(thread).pending_wait_calls.push((runtime_cell_id.into(), end));
            }
        }
    }

    /// A cell's output was shown unless it is still waiting for its thread's next request.
    pub(super) fn settle_cell_outputs(&mut self) {
        for fact in self.facts.code_cells.values_mut() {
            let unshown = self.threads[&fact.thread_id].pending_inputs.iter().any(|item| {
                item["type"] == "custom_tool_call_output" && item["call_id"] == fact.model_visible_call_id.as_str()
            });
            fact.output_shown = !unshown;
        }
    }

    /// A failed turn fails its still-running cells; a cancelled or aborted one terminates them.
    pub(super) fn turn_ended_for_cells(
        &mut self,
        thread: &str,
        _turn: &str,
        status: ExecutionStatus,
        _turn_end: usize,
    ) {
        let cells = std::mem::take(&mut self.state(thread).cells_ended_by_turn);
        let runtime_status = match status {
            ExecutionStatus::Failed => Status::Failed,
            ExecutionStatus::Cancelled | ExecutionStatus::Aborted => Status::Terminated,
            ExecutionStatus::Running | ExecutionStatus::Completed => return,
        };
        for cell_id in cells {
            if let Some(fact) = self.facts.code_cells.get_mut(&cell_id) {
                fact.runtime_status = runtime_status;
                fact.execution_status = execution_of(runtime_status);
                fact.ended = true;
            }
        }
    }

    /// Write the ends of cells that outlived the turn that just ended (or the thread's last turn).
    pub(super) fn flush_deferred_cell_ends(&mut self, thread: &str) {
        let deferred = std::mem::take(&mut self.state(thread).deferred_cell_ends);
        let turn_end = self.state(thread).last_spine;
        for end in deferred {
            let cell_id = self
                .cell_ids
                .get(&(CompactString::from(thread), end.runtime_cell_id.clone()))
                .cloned()
                .unwrap_or_default();
            let mut preds = vec![(end.initial_response, HbRule::CellLifecycle)];
            preds.extend(turn_end.map(|e| (e, HbRule::CellEndVsTurnEnd)));
            self.cell_event(
                thread,
                &end.turn,
                &end.runtime_cell_id,
                (end.status, true),
                Tag::CellLifecycle(cell_id),
                preds,
            );
        }
    }

    /// A cell the runtime started while the response asking for it still streamed, with the
    /// initial response and end it sent before the stop. Its events come after every other
    /// event, so their seqs are the same in every legal order.
    pub(super) fn unrecorded_cell(&mut self, thread: &str, initial: Option<Status>, end: Option<Status>) {
        let call_id = format_compact!("call-{}", self.next("call"));
        let state = self.state(thread);
        state.next_runtime_cell += 1;
        let runtime_cell_id = state.next_runtime_cell.to_compact_string();
        let turn = state.current_turn.clone().expect("a turn is running");
        let cell_id = format_compact!("code_cell:{call_id}");
        self.cell_ids.insert((thread.into(), runtime_cell_id.clone()), cell_id.clone());
        let start = RawPayload::CodeCellStarted {
            runtime_cell_id: runtime_cell_id.clone(),
            model_visible_call_id: call_id.clone(),
            source_js: cell_source(&call_id),
        };
        let preds = self.all_events_before();
        let mut last = self.push(Some(thread), Some(&turn), start, Tag::CellStart(cell_id.clone()), preds);
        let mut waiting = Vec::new();
        for (status, is_end) in [initial.map(|s| (s, false)), end.map(|s| (s, true))].into_iter().flatten() {
            let preds = vec![(last, HbRule::CellLifecycle)];
            let tag = Tag::CellLifecycle(cell_id.clone());
            last = self.cell_event(thread, &turn, &runtime_cell_id, (status, is_end), tag, preds);
            waiting.push((0, if is_end { "end" } else { "initial_response" }.to_owned(), status));
        }
        let fact = UnmaterializedCellFact {
            thread_id: thread.into(),
            runtime_cell_id,
            model_visible_call_id: call_id,
            start_seq: 0,
            waiting,
        };
        self.facts.unmaterialized_cells.insert(cell_id, fact);
    }

    /// The seqs of unrecorded cells' events, once no event is dropped any more: a seq is the
    /// event's position, the same in every legal order for these last events.
    pub(super) fn place_unrecorded_cells(&mut self) {
        let events = &self.events;
        for fact in self.facts.unmaterialized_cells.values_mut() {
            let seq_of = |wanted: &dyn Fn(&RawPayload) -> bool| {
                let position = events
                    .iter()
                    .position(|e| e.thread_id.as_deref() == Some(fact.thread_id.as_str()) && wanted(&e.payload));
                position.map_or(0, |p| p as u64 + 1)
            };
            let call = fact.model_visible_call_id.clone();
            let runtime = fact.runtime_cell_id.clone();
            fact.start_seq = seq_of(
                &|payload| matches!(payload, RawPayload::CodeCellStarted { model_visible_call_id, .. } if *model_visible_call_id == call),
            );
            for (seq, event, _) in &mut fact.waiting {
                let is_end = event == "end";
                *seq = seq_of(&|payload| match payload {
                    RawPayload::CodeCellEnded { runtime_cell_id, .. } => is_end && *runtime_cell_id == runtime,
                    RawPayload::CodeCellInitialResponse { runtime_cell_id, .. } => {
                        !is_end && *runtime_cell_id == runtime
                    }
                    _ => false,
                });
            }
        }
    }
}
