//! Tool calls: start, MCP correlation, runtime events, end, and model-visible linking (§D.7).

use compact_str::CompactString;
use std::collections::BTreeSet;

use serde_json::Value;

use super::{Ctx, Replay};
use crate::bundle::{ExecutionStatus, RawPayload, RawPayloadRef, RawToolCallRequester, ToolCallKind, ToolCallSummary};
use crate::error::{Error, ErrorKind};
use crate::model::{ConversationItemKind as Kind, ExecutionWindow, ProducerRef, ToolCall, ToolCallRequester};

impl Replay<'_> {
    pub(super) fn tool_call_started(&mut self, ctx: Ctx, payload: &RawPayload) -> Result<(), Error> {
        let RawPayload::ToolCallStarted {
            tool_call_id,
            model_visible_call_id,
            code_mode_runtime_tool_id,
            requester,
            kind,
            summary,
            invocation_payload,
        } = payload
        else {
            unreachable!("dispatched on tool_call_started")
        };
        if self.trace.tool_calls.contains_key(tool_call_id) {
            return Err(ErrorKind::DuplicateToolCallStart(tool_call_id.clone()).into());
        }
        if let Some(call_id) = model_visible_call_id {
            match self.index.tools_by_model_visible_call.get(call_id).map(Vec::as_slice) {
                Some([_, _, ..]) => return Err(ErrorKind::MultipleToolCallsMatched(call_id.clone()).into()),
                Some([other]) if other != tool_call_id => {
                    return Err(ErrorKind::DuplicateModelVisibleCall(call_id.clone()).into())
                }
                _ => {}
            }
        }
        let thread_id = self.tool_thread(ctx)?;
        let requester = match requester {
            RawToolCallRequester::Model => ToolCallRequester::Model,
            RawToolCallRequester::CodeCell { runtime_cell_id } => {
                let code_cell_id =
                    self.runtime_cells.get(&self.runtime_cell_key(&thread_id, runtime_cell_id)).cloned().ok_or_else(
                        || ErrorKind::NestedToolUnknownRuntimeCell {
                            runtime_cell: runtime_cell_id.clone(),
                            thread: thread_id.clone(),
                        },
                    )?;
                ToolCallRequester::CodeCell { code_cell_id }
            }
        };
        let items_of = |kinds: [Kind; 2]| -> Vec<CompactString> {
            let Some(call_id) = model_visible_call_id else { return Vec::new() };
            let merged: BTreeSet<&CompactString> = kinds
                .iter()
                .filter_map(|kind| self.index.items_with_call(&thread_id, call_id, *kind))
                .flatten()
                .collect();
            merged.into_iter().cloned().collect()
        };
        let call_item_ids = items_of([Kind::FunctionCall, Kind::CustomToolCall]);
        let output_item_ids = items_of([Kind::FunctionCallOutput, Kind::CustomToolCallOutput]);

        // The invocation is read for every tool (wait detection) and for write_stdin's operation;
        // once is enough, and its errors surface at the same event either way.
        let invocation = match invocation_payload {
            Some(payload) => Some((payload, self.payload_json(payload)?)),
            None => None,
        };
        let mut terminal_operation_id = None;
        if let (ToolCallKind::WriteStdin, Some((payload, value))) = (kind, &invocation) {
            terminal_operation_id =
                Some(self.terminal_from_invocation(ctx, tool_call_id, &thread_id, payload, value)?);
        }
        if let Some((payload, value)) = &invocation {
            self.link_wait_tool(tool_call_id, &thread_id, payload, value)?;
        }
        let summary = match &terminal_operation_id {
            Some(operation_id) => ToolCallSummary::Terminal { operation_id: operation_id.clone() },
            None => summary.clone(),
        };
        let tool = ToolCall {
            tool_call_id: tool_call_id.clone(),
            mcp_call_id: None,
            model_visible_call_id: model_visible_call_id.clone(),
            code_mode_runtime_tool_id: code_mode_runtime_tool_id.clone(),
            thread_id: thread_id.clone(),
            started_by_codex_turn_id: ctx.codex_turn_id.map(CompactString::from),
            execution: ExecutionWindow::running(ctx.wall, ctx.seq),
            requester: requester.clone(),
            kind: kind.clone(),
            model_visible_call_item_ids: call_item_ids,
            model_visible_output_item_ids: Vec::new(),
            terminal_operation_id,
            summary,
            raw_invocation_payload_id: invocation_payload.as_ref().map(|p| p.raw_payload_id.clone()),
            raw_result_payload_id: None,
            raw_runtime_payload_ids: Vec::new(),
        };
        self.trace.tool_calls.insert(tool_call_id.clone(), tool);
        if let Some(call_id) = model_visible_call_id {
            self.index.tools_by_model_visible_call.entry(call_id.clone()).or_default().push(tool_call_id.clone());
        }
        if let ToolCallRequester::CodeCell { code_cell_id } = &requester {
            self.index.tools_by_requester_cell.entry(code_cell_id.clone()).or_default().insert(tool_call_id.clone());
            if let Some(cell) = self.trace.code_cells.get_mut(code_cell_id) {
                cell.nested_tool_call_ids.push(tool_call_id.clone());
            }
        }
        self.link_tool_to_responses(tool_call_id);
        let producer = ProducerRef::Tool { tool_call_id: tool_call_id.clone() };
        for item_id in output_item_ids {
            if let Some(tool) = self.trace.tool_calls.get_mut(tool_call_id) {
                push_unique(&mut tool.model_visible_output_item_ids, &item_id);
            }
            self.add_producer(&item_id, &producer);
        }
        self.sync_terminal_observation(tool_call_id);
        Ok(())
    }

    /// A tool's thread: the envelope thread, else the envelope turn's; an envelope turn must agree.
    fn tool_thread(&self, ctx: Ctx) -> Result<CompactString, Error> {
        let turn = |turn_id: &str| {
            self.trace
                .codex_turns
                .get(turn_id)
                .ok_or_else(|| Error::from(ErrorKind::ToolStartUnknownTurn(turn_id.into())))
        };
        let thread_id = match (ctx.thread_id, ctx.codex_turn_id) {
            (Some(thread), _) => CompactString::from(thread),
            (None, Some(turn_id)) => turn(turn_id)?.thread_id.clone(),
            (None, None) => return Err(ErrorKind::ToolStartWithoutContext.into()),
        };
        if !self.trace.threads.contains_key(&thread_id) {
            return Err(ErrorKind::ToolStartUnknownThread(thread_id).into());
        }
        if let Some(turn_id) = ctx.codex_turn_id {
            let owner = &turn(turn_id)?.thread_id;
            if owner != thread_id {
                return Err(ErrorKind::ToolStartWrongThread {
                    thread: thread_id,
                    turn: turn_id.into(),
                    owner: owner.clone(),
                }
                .into());
            }
        }
        Ok(thread_id)
    }

    /// The invocation is read for every tool; a `wait` call joins the cell it names, if any.
    fn link_wait_tool(
        &mut self,
        tool_call_id: &str,
        thread_id: &str,
        invocation: &RawPayloadRef,
        value: &Value,
    ) -> Result<(), Error> {
        if value.get("tool_name").and_then(Value::as_str) != Some("wait") {
            return Ok(());
        }
        let payload_id = &invocation.raw_payload_id;
        let arguments = value
            .get("payload")
            .and_then(|p| p.get("arguments"))
            .and_then(Value::as_str)
            .ok_or_else(|| ErrorKind::WaitWithoutArguments(payload_id.clone()))?;
        let arguments: Value = serde_json::from_str(arguments)
            .map_err(|e| Error::new(ErrorKind::WaitInvalidArguments(payload_id.clone())).with_detail(e))?;
        let cell_id = arguments
            .get("cell_id")
            .and_then(Value::as_str)
            .ok_or_else(|| ErrorKind::WaitWithoutCellId(payload_id.clone()))?;
        // A wait for an unknown or still-queued cell is silently not linked.
        if let Some(code_cell_id) = self.runtime_cells.get(&self.runtime_cell_key(thread_id, cell_id)) {
            if let Some(cell) = self.trace.code_cells.get_mut(code_cell_id) {
                cell.wait_tool_call_ids.push(tool_call_id.into());
            }
        }
        Ok(())
    }

    pub(super) fn mcp_correlation(&mut self, tool_call_id: &str, mcp_call_id: &str) -> Result<(), Error> {
        let tool = self
            .trace
            .tool_calls
            .get_mut(tool_call_id)
            .ok_or_else(|| ErrorKind::McpUnknownToolCall(tool_call_id.into()))?;
        if tool.mcp_call_id.replace(mcp_call_id.into()).is_some() {
            return Err(ErrorKind::DuplicateMcpCorrelation(tool_call_id.into()).into());
        }
        Ok(())
    }

    /// The tool a runtime event names, with the event's payload recorded on it.
    fn record_runtime_payload(
        &mut self,
        tool_call_id: &str,
        runtime: &RawPayloadRef,
        unknown: fn(CompactString) -> ErrorKind,
    ) -> Result<&mut ToolCall, Error> {
        let tool = self.trace.tool_calls.get_mut(tool_call_id).ok_or_else(|| unknown(tool_call_id.into()))?;
        push_unique(&mut tool.raw_runtime_payload_ids, &runtime.raw_payload_id);
        Ok(tool)
    }

    pub(super) fn tool_runtime_started(
        &mut self,
        ctx: Ctx,
        tool_call_id: &str,
        runtime: &RawPayloadRef,
    ) -> Result<(), Error> {
        let tool = self.record_runtime_payload(tool_call_id, runtime, ErrorKind::RuntimeStartUnknownCall)?;
        let is_terminal = matches!(tool.kind, ToolCallKind::ExecCommand | ToolCallKind::WriteStdin);
        if is_terminal {
            if tool.terminal_operation_id.is_some() {
                return Err(ErrorKind::SecondTerminalOperation(tool_call_id.into()).into());
            }
            let operation_id = self.terminal_from_runtime(ctx, tool_call_id, runtime)?;
            let tool = self.trace.tool_calls.get_mut(tool_call_id).expect("checked above");
            tool.summary = ToolCallSummary::Terminal { operation_id: operation_id.clone() };
            tool.terminal_operation_id = Some(operation_id);
            self.sync_terminal_observation(tool_call_id);
        }
        self.agent_runtime_started(ctx, tool_call_id, runtime)
    }

    pub(super) fn tool_runtime_ended(
        &mut self,
        ctx: Ctx,
        tool_call_id: &str,
        status: ExecutionStatus,
        runtime: &RawPayloadRef,
    ) -> Result<(), Error> {
        let tool = self.record_runtime_payload(tool_call_id, runtime, ErrorKind::RuntimeEndUnknownCall)?;
        let operation_id = tool.terminal_operation_id.clone();
        // Read once: the terminal end and the agent handling (every tool kind) both need it.
        let value = self.payload_json(runtime)?;
        if let Some(operation_id) = operation_id {
            self.end_terminal_operation(ctx, &operation_id, status, Some((runtime, &value)))?;
        }
        self.agent_runtime_ended(ctx, tool_call_id, value)
    }

    pub(super) fn tool_call_ended(
        &mut self,
        ctx: Ctx,
        tool_call_id: &str,
        status: ExecutionStatus,
        result: Option<&RawPayloadRef>,
    ) -> Result<(), Error> {
        let tool = self
            .trace
            .tool_calls
            .get_mut(tool_call_id)
            .ok_or_else(|| ErrorKind::ToolEndUnknownCall(tool_call_id.into()))?;
        tool.execution.end(ctx.wall, ctx.seq, status);
        tool.raw_result_payload_id = result.map(|p| p.raw_payload_id.clone());
        // Without runtime events the dispatch result is all we know of the terminal operation.
        if let (Some(operation_id), true) =
            (tool.terminal_operation_id.clone(), tool.raw_runtime_payload_ids.is_empty())
        {
            // The result is read only here, when it is all there is to end the operation with.
            let parsed = match result {
                Some(payload) => Some((payload, self.payload_json(payload)?)),
                None => None,
            };
            self.end_terminal_operation(ctx, &operation_id, status, parsed.as_ref().map(|(p, v)| (*p, v)))?;
        }
        if let Some(result) = result {
            self.attach_result_to_edges(tool_call_id, &result.raw_payload_id);
        }
        Ok(())
    }

    /// Reconcile step (b): a call or output item joins the tool with its model-visible call id.
    pub(super) fn link_item_to_tool(&mut self, item_id: &str) -> Result<(), Error> {
        let Some(item) = self.items.get(item_id) else { return Ok(()) };
        let Some(call_id) = item.call_id.clone() else { return Ok(()) };
        let is_call = matches!(item.kind, Kind::FunctionCall | Kind::CustomToolCall);
        let is_output = matches!(item.kind, Kind::FunctionCallOutput | Kind::CustomToolCallOutput);
        if !is_call && !is_output {
            return Ok(());
        }
        let tool_call_id = match self.index.tools_by_model_visible_call.get(&call_id).map(Vec::as_slice) {
            None | Some([]) => return Ok(()),
            Some([tool]) => tool.clone(),
            Some(_) => return Err(ErrorKind::MultipleToolCallsMatched(call_id).into()),
        };
        let tool = self.trace.tool_calls.get_mut(&tool_call_id).expect("indexed tools exist");
        if is_call {
            push_unique(&mut tool.model_visible_call_item_ids, item_id);
            self.link_tool_to_responses(&tool_call_id);
        } else {
            push_unique(&mut tool.model_visible_output_item_ids, item_id);
            self.add_producer(item_id, &ProducerRef::Tool { tool_call_id: tool_call_id.clone() });
        }
        self.sync_terminal_observation(&tool_call_id);
        Ok(())
    }

    /// Every inference whose current response items include one of the tool's call items lists
    /// the tool as started by its response. During the response pass itself the response items
    /// are not assigned yet, so this links only later sightings (spec §D.7.3).
    fn link_tool_to_responses(&mut self, tool_call_id: &str) {
        let Some(tool) = self.trace.tool_calls.get(tool_call_id) else { return };
        let inferences: BTreeSet<CompactString> = tool
            .model_visible_call_item_ids
            .iter()
            .filter_map(|item| self.index.inferences_by_response_item.get(item))
            .flatten()
            .cloned()
            .collect();
        for inference_id in inferences {
            if let Some(call) = self.trace.inference_calls.get_mut(&inference_id) {
                push_unique(&mut call.tool_call_ids_started_by_response, tool_call_id);
            }
        }
    }
}

pub(super) fn push_unique(list: &mut Vec<CompactString>, id: &str) {
    if !list.iter().any(|existing| existing == id) {
        list.push(id.into());
    }
}
