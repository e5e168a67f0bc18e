//! Terminal operations and sessions for exec_command and write_stdin tools (§D.8).

use compact_str::{format_compact, CompactString, ToCompactString};
use serde::Deserialize;
use serde_json::Value;

use super::tool::push_unique;
use super::{Ctx, Replay};
use crate::bundle::{ExecutionStatus, RawPayloadRef};
use crate::error::{DispatchCause, Error, ErrorKind};
use crate::model::{
    ExecutionWindow, TerminalModelObservation, TerminalObservationSource, TerminalOperation, TerminalOperationKind,
    TerminalRequest, TerminalResult, TerminalSession,
};

/// A tool dispatch invocation, as far as write_stdin reads it.
#[derive(Deserialize)]
struct DispatchInvocation {
    tool_name: CompactString,
    payload: DispatchPayload,
}

#[derive(Deserialize)]
struct DispatchPayload {
    #[serde(rename = "type")]
    payload_type: CompactString,
    arguments: Option<CompactString>,
}

#[derive(Deserialize)]
struct WriteStdinArguments {
    session_id: Value,
    chars: Option<CompactString>,
    yield_time_ms: Option<u64>,
    max_output_tokens: Option<u64>,
}

/// An exec begin event, as far as a terminal operation reads it.
#[derive(Deserialize)]
struct ExecBegin {
    process_id: Option<CompactString>,
    command: Vec<CompactString>,
    cwd: CompactString,
    interaction_input: Option<CompactString>,
}

/// An exec end event, as far as a terminal operation reads it.
#[derive(Deserialize)]
struct ExecEnd {
    process_id: Option<CompactString>,
    stdout: CompactString,
    stderr: CompactString,
    exit_code: i32,
    formatted_output: CompactString,
}

/// A tool dispatch result.
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum DispatchResult {
    DirectResponse { response_item: Value },
    CodeModeResponse { value: Value },
    Error { error: CompactString },
}

/// The structured result a code-mode write_stdin returns to JavaScript.
#[derive(Deserialize)]
struct CodeModeExecResult {
    chunk_id: Option<CompactString>,
    exit_code: Option<i32>,
    original_token_count: Option<u64>,
    output: CompactString,
}

/// Text of a tool output: a string, the joined `text` fields of an array, or other JSON.
fn output_text(output: Option<&Value>) -> Option<CompactString> {
    match output? {
        Value::Null => None,
        Value::String(text) => Some(text.as_str().into()),
        Value::Array(entries) => {
            let texts: Vec<&str> = entries.iter().filter_map(|e| e.get("text").and_then(Value::as_str)).collect();
            (!texts.is_empty()).then(|| texts.join("\n").into())
        }
        other => Some(other.to_compact_string()),
    }
}

fn text_result(output: CompactString) -> TerminalResult {
    TerminalResult {
        exit_code: None,
        stdout: output.clone(),
        stderr: CompactString::default(),
        formatted_output: Some(output),
        original_token_count: None,
        chunk_id: None,
    }
}

fn exec_result(end: ExecEnd) -> (TerminalResult, Option<CompactString>) {
    let result = TerminalResult {
        exit_code: Some(end.exit_code),
        stdout: end.stdout,
        stderr: end.stderr,
        formatted_output: Some(end.formatted_output),
        original_token_count: None,
        chunk_id: None,
    };
    (result, end.process_id)
}

fn dispatch_result(result: DispatchResult) -> TerminalResult {
    match result {
        DispatchResult::DirectResponse { response_item } => {
            text_result(output_text(response_item.get("output")).unwrap_or_else(|| response_item.to_compact_string()))
        }
        DispatchResult::CodeModeResponse { value } => match serde_json::from_value::<CodeModeExecResult>(value.clone())
        {
            Ok(exec) => TerminalResult {
                exit_code: exec.exit_code,
                stdout: exec.output.clone(),
                stderr: CompactString::default(),
                formatted_output: Some(exec.output),
                original_token_count: exec.original_token_count,
                chunk_id: exec.chunk_id,
            },
            Err(_) => text_result(output_text(Some(&value)).unwrap_or_else(|| value.to_compact_string())),
        },
        DispatchResult::Error { error } => TerminalResult {
            exit_code: None,
            stdout: CompactString::default(),
            stderr: error.clone(),
            formatted_output: Some(error),
            original_token_count: None,
            chunk_id: None,
        },
    }
}

/// The terminal id and request of a write_stdin dispatch invocation.
fn write_stdin_request(value: &Value) -> Result<(CompactString, TerminalRequest), DispatchCause> {
    let invocation: DispatchInvocation =
        DispatchInvocation::deserialize(value).map_err(|e| DispatchCause::Shape(e.to_string()))?;
    if invocation.tool_name != "write_stdin" {
        return Err(DispatchCause::NotWriteStdin(invocation.tool_name.to_string()));
    }
    if invocation.payload.payload_type != "function" {
        return Err(DispatchCause::UnsupportedPayload(invocation.payload.payload_type.to_string()));
    }
    let arguments = invocation.payload.arguments.ok_or(DispatchCause::MissingArguments)?;
    let arguments: WriteStdinArguments =
        serde_json::from_str(&arguments).map_err(|e| DispatchCause::Arguments(e.to_string()))?;
    let session_id = match &arguments.session_id {
        Value::String(id) if !id.is_empty() => id.clone(),
        Value::Number(number) => number.to_string(),
        _ => return Err(DispatchCause::MissingSessionId),
    };
    let request = TerminalRequest::WriteStdin {
        stdin: arguments.chars.unwrap_or_default(),
        yield_time_ms: arguments.yield_time_ms,
        max_output_tokens: arguments.max_output_tokens,
    };
    Ok((session_id.into(), request))
}

/// The result of an end payload and the process id it reports, if any.
fn terminal_response(
    kind: TerminalOperationKind,
    payload: &RawPayloadRef,
    value: &Value,
) -> Result<(TerminalResult, Option<CompactString>), Error> {
    let id = &payload.raw_payload_id;
    let exec_end = ExecEnd::deserialize(value);
    match (kind, exec_end) {
        (_, Ok(end)) => Ok(exec_result(end)),
        (TerminalOperationKind::ExecCommand, Err(e)) => {
            Err(Error::new(ErrorKind::ExecResponseParse(id.clone())).with_detail(e))
        }
        (TerminalOperationKind::WriteStdin, Err(protocol_error)) => match DispatchResult::deserialize(value) {
            Ok(result) => Ok((dispatch_result(result), None)),
            Err(dispatch_error) => Err(Error::new(ErrorKind::WriteStdinResponseParse {
                payload: id.clone(),
                protocol_error: protocol_error.to_compact_string(),
            })
            .with_detail(dispatch_error)),
        },
    }
}

impl Replay<'_> {
    /// A write_stdin tool's operation, from its dispatch invocation.
    pub(super) fn terminal_from_invocation(
        &mut self,
        ctx: Ctx,
        tool_call_id: &str,
        thread_id: &str,
        invocation: &RawPayloadRef,
        value: &Value,
    ) -> Result<CompactString, Error> {
        let (terminal_id, request) = write_stdin_request(value).map_err(|cause| {
            Error::new(ErrorKind::TerminalInvocationParse(invocation.raw_payload_id.clone())).with_detail(cause)
        })?;
        let operation = self.new_operation(
            ctx,
            tool_call_id,
            TerminalOperationKind::WriteStdin,
            Some(terminal_id),
            request,
            invocation,
        );
        self.create_operation(thread_id, operation)
    }

    /// An exec_command or write_stdin tool's operation, from its runtime begin payload.
    pub(super) fn terminal_from_runtime(
        &mut self,
        ctx: Ctx,
        tool_call_id: &str,
        runtime: &RawPayloadRef,
    ) -> Result<CompactString, Error> {
        let value = self.payload_json(runtime)?;
        let begin: ExecBegin = serde_json::from_value(value).map_err(|e| {
            Error::new(ErrorKind::TerminalRuntimeStartParse(runtime.raw_payload_id.clone())).with_detail(e)
        })?;
        let tool = &self.trace.tool_calls[tool_call_id];
        let thread_id = tool.thread_id.clone();
        let (kind, request) = match tool.kind {
            crate::bundle::ToolCallKind::WriteStdin => (
                TerminalOperationKind::WriteStdin,
                TerminalRequest::WriteStdin {
                    stdin: begin.interaction_input.unwrap_or_default(),
                    yield_time_ms: None,
                    max_output_tokens: None,
                },
            ),
            _ => (
                TerminalOperationKind::ExecCommand,
                TerminalRequest::ExecCommand {
                    display_command: begin.command.join(" ").into(),
                    command: begin.command,
                    cwd: begin.cwd,
                    yield_time_ms: None,
                    max_output_tokens: None,
                },
            ),
        };
        let operation = self.new_operation(ctx, tool_call_id, kind, begin.process_id, request, runtime);
        self.create_operation(&thread_id, operation)
    }

    fn new_operation(
        &mut self,
        ctx: Ctx,
        tool_call_id: &str,
        kind: TerminalOperationKind,
        terminal_id: Option<CompactString>,
        request: TerminalRequest,
        payload: &RawPayloadRef,
    ) -> TerminalOperation {
        let operation_id = format_compact!("terminal_operation:{}", self.next_operation);
        self.next_operation += 1;
        TerminalOperation {
            operation_id,
            terminal_id,
            tool_call_id: tool_call_id.into(),
            kind,
            execution: ExecutionWindow::running(ctx.wall, ctx.seq),
            request,
            result: None,
            model_observations: Vec::new(),
            raw_payload_ids: vec![payload.raw_payload_id.clone()],
        }
    }

    fn create_operation(&mut self, thread_id: &str, operation: TerminalOperation) -> Result<CompactString, Error> {
        let operation_id = operation.operation_id.clone();
        let session = operation
            .terminal_id
            .clone()
            .map(|t| (t, operation.execution.started_at_unix_ms, operation.execution.started_seq));
        self.trace.terminal_operations.insert(operation_id.clone(), operation);
        if let Some((terminal_id, wall, seq)) = session {
            self.ensure_session(thread_id, &terminal_id, &operation_id, wall, seq)?;
        }
        Ok(operation_id)
    }

    /// End an operation from a runtime end payload, or from a dispatch result without runtime events.
    pub(super) fn end_terminal_operation(
        &mut self,
        ctx: Ctx,
        operation_id: &str,
        status: ExecutionStatus,
        payload: Option<(&RawPayloadRef, &Value)>,
    ) -> Result<(), Error> {
        let kind = self
            .trace
            .terminal_operations
            .get(operation_id)
            .ok_or_else(|| ErrorKind::TerminalEndUnknownOperation(operation_id.into()))?
            .kind;
        let parsed = match payload {
            Some((payload, value)) => Some((payload, terminal_response(kind, payload, value)?)),
            None => None,
        };
        let operation = self.trace.terminal_operations.get_mut(operation_id).expect("checked above");
        operation.execution.end(ctx.wall, ctx.seq, status);
        if let Some((payload, (result, end_terminal_id))) = parsed {
            push_unique(&mut operation.raw_payload_ids, &payload.raw_payload_id);
            match (&operation.terminal_id, end_terminal_id) {
                (Some(from), Some(to)) if from != to => {
                    return Err(
                        ErrorKind::ProcessIdChanged { operation: operation_id.into(), from: from.clone(), to }.into()
                    )
                }
                (None, Some(to)) => operation.terminal_id = Some(to),
                _ => {}
            }
            operation.result = Some(result);
        }
        let operation = &self.trace.terminal_operations[operation_id];
        if let Some(terminal_id) = operation.terminal_id.clone() {
            let (wall, seq) = (operation.execution.started_at_unix_ms, operation.execution.started_seq);
            let thread_id =
                self.trace.tool_calls.get(&operation.tool_call_id).map(|t| t.thread_id.clone()).unwrap_or_default();
            self.ensure_session(&thread_id, &terminal_id, operation_id, wall, seq)?;
        }
        Ok(())
    }

    /// Sessions are keyed by terminal id across the rollout and never end.
    fn ensure_session(
        &mut self,
        thread_id: &str,
        terminal_id: &str,
        operation_id: &str,
        wall: i64,
        seq: u64,
    ) -> Result<(), Error> {
        let session = self.trace.terminal_sessions.entry(terminal_id.into()).or_insert_with(|| TerminalSession {
            terminal_id: terminal_id.into(),
            thread_id: thread_id.into(),
            created_by_operation_id: operation_id.into(),
            operation_ids: Vec::new(),
            execution: ExecutionWindow::running(wall, seq),
        });
        if session.thread_id != thread_id {
            return Err(ErrorKind::TerminalSessionWrongThread {
                terminal: terminal_id.into(),
                owner: session.thread_id.clone(),
                thread: thread_id.into(),
            }
            .into());
        }
        if self.index.session_operations.insert((terminal_id.into(), operation_id.into())) {
            session.operation_ids.push(operation_id.into());
        }
        Ok(())
    }

    /// The operation's single `direct_tool_call` observation mirrors the tool's items.
    pub(super) fn sync_terminal_observation(&mut self, tool_call_id: &str) {
        let Some(tool) = self.trace.tool_calls.get(tool_call_id) else { return };
        let Some(operation_id) = &tool.terminal_operation_id else { return };
        if tool.model_visible_call_item_ids.is_empty() && tool.model_visible_output_item_ids.is_empty() {
            return;
        }
        let observation = TerminalModelObservation {
            call_item_ids: tool.model_visible_call_item_ids.clone(),
            output_item_ids: tool.model_visible_output_item_ids.clone(),
            source: TerminalObservationSource::DirectToolCall,
        };
        if let Some(operation) = self.trace.terminal_operations.get_mut(operation_id) {
            operation.model_observations = vec![observation];
        }
    }
}
