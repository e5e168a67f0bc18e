//! Direct tools, terminal sessions and code cells, with the events a producer writes for them.

use compact_str::{format_compact, CompactString, ToCompactString};
use serde_json::{json, Value};

use super::conversation::ResponseItem;
use super::{Emitter, HbRule, Tag};
use crate::bundle::{ExecutionStatus, RawPayload, RawPayloadKind, RawToolCallRequester, ToolCallKind, ToolCallSummary};
use crate::generate::facts::{TerminalFact, ToolFact};
use crate::generate::scenario::{Call, CodeCellPlan};
use crate::model::{TerminalRequest, TerminalResult};

/// A call the response carries, resolved against what the thread can do at this point.
pub enum CallWork {
    Exec { call_id: CompactString, keep_open: bool, process_id_at_begin: bool },
    WriteStdin { call_id: CompactString, session: u64 },
    Mcp { call_id: CompactString },
    ApplyPatch { call_id: CompactString },
    Cell { call_id: CompactString, runtime_cell_id: CompactString, plan: CodeCellPlan },
    Wait { call_id: CompactString, runtime_cell_id: CompactString, cell_end: usize },
    Agent(super::agents::AgentCall),
}

impl CallWork {
    pub fn call_id(&self) -> &str {
        match self {
            CallWork::Exec { call_id, .. }
            | CallWork::WriteStdin { call_id, .. }
            | CallWork::Mcp { call_id }
            | CallWork::ApplyPatch { call_id }
            | CallWork::Cell { call_id, .. }
            | CallWork::Wait { call_id, .. } => call_id,
            CallWork::Agent(call) => call.call_id(),
        }
    }

    pub fn code_cell_id(&self) -> Option<CompactString> {
        match self {
            CallWork::Cell { call_id, .. } => Some(format_compact!("code_cell:{call_id}")),
            _ => None,
        }
    }

    /// The model-visible item of the call.
    pub fn item(&self) -> ResponseItem {
        let call_id = self.call_id();
        let function = |name: &str, arguments: Value| {
            ResponseItem::same(
                json!({"type": "function_call", "name": name, "arguments": arguments.to_string(), "call_id": call_id}),
            )
        };
        match self {
            CallWork::Exec { .. } => function("exec_command", json!({"cmd": exec_command_line(call_id)})),
            CallWork::WriteStdin { session, .. } => {
                let (session_id, _, _) = write_stdin_shape(call_id, *session, "");
                function("write_stdin", json!({"session_id": session_id, "chars": "y\n", "yield_time_ms": 250}))
            }
            CallWork::Mcp { .. } => ResponseItem::same(json!({
                "type": "function_call", "name": "search_issues", "namespace": "mcp__github__",
                "arguments": json!({"query": format!("label:bug {call_id}")}).to_string(), "call_id": call_id,
            })),
            CallWork::ApplyPatch { .. } => ResponseItem::same(
                json!({"type": "custom_tool_call", "name": "apply_patch", "input": patch(call_id), "call_id": call_id}),
            ),
            CallWork::Cell { .. } => ResponseItem::same(
                json!({"type": "custom_tool_call", "name": "exec", "input": cell_source(call_id), "call_id": call_id}),
            ),
            CallWork::Wait { runtime_cell_id, .. } => {
                function("wait", json!({"cell_id": runtime_cell_id, "yield_time_ms": 1000}))
            }
            CallWork::Agent(call) => call.item(),
        }
    }
}

/// A write_stdin's session id and output as a producer may write them, by the call's number:
/// a number or a string id; output as a string, text entries, other JSON or null. With the
/// text a reducer shows for it (`None`: the whole output item, as compact JSON).
fn write_stdin_shape(call_id: &str, session: u64, output: &str) -> (Value, Value, Option<String>) {
    let n: usize = call_id.trim_start_matches("call-").parse().unwrap_or(0);
    match n % 4 {
        0 => (json!(session), json!(output), Some(output.to_owned())),
        1 => (json!(session.to_string()), json!([{"type": "input_text", "text": output}]), Some(output.to_owned())),
        2 => {
            let value = json!({"text": output});
            (json!(session), value.clone(), Some(value.to_string()))
        }
        _ => (json!(session.to_string()), Value::Null, None),
    }
}

/// Every third write_stdin (by call number, apart from its shape's) is written as a producer
/// that records the terminal interaction writes it: no invocation payload, runtime begin and end.
fn write_stdin_from_runtime(call_id: &str) -> bool {
    let n: usize = call_id.trim_start_matches("call-").parse().unwrap_or(0);
    n % 3 == 2
}

/// Every third command is long, so its JSON summary is cut at 240 bytes.
fn exec_command_line(call_id: &str) -> String {
    let n: usize = call_id.trim_start_matches("call-").parse().unwrap_or(0);
    if n.is_multiple_of(3) {
        let files: Vec<String> = (0..30).map(|i| format!("src/module_{i}/mod.rs")).collect();
        format!("rustfmt --check {} # {call_id}", files.join(" "))
    } else {
        format!("cargo test --package {call_id}")
    }
}

/// What a reducer must show for these compact JSON arguments: at most 240 bytes, then `...`.
fn expected_summary(arguments: &str) -> CompactString {
    if arguments.len() > 240 {
        format_compact!("{}...", &arguments[..240])
    } else {
        arguments.into()
    }
}

fn patch(call_id: &str) -> String {
    format!("*** Begin Patch\n*** Update File: src/{call_id}.rs\n@@\n-old\n+new\n*** End Patch\n")
}

/// The JavaScript of a cell: its `exec` item's input and its start's `source_js` are the same text.
pub(super) fn cell_source(call_id: &str) -> CompactString {
    format_compact!("const r = await tools.exec_command({{ cmd: \"ls {call_id}\" }});\ntext(r.output);")
}

fn invocation(tool_name: &str, namespace: Option<&str>, payload: Value) -> Value {
    json!({"tool_name": tool_name, "tool_namespace": namespace, "payload": payload})
}

fn function_invocation(tool_name: &str, arguments: &Value) -> Value {
    invocation(tool_name, None, json!({"type": "function", "arguments": arguments.to_string()}))
}

/// The output item a direct tool returns to the model.
pub(super) fn output_item(output_type: &str, call_id: &str, output: &str) -> Value {
    json!({"type": output_type, "call_id": call_id, "output": output})
}

/// A runtime event of a tool, as its protocol body.
pub enum Runtime {
    Begin(Value),
    End(Value),
}

/// What a tool's events say: who asked, what kind, invocation, runtime events and result.
pub struct ToolSpec<'a> {
    pub tool_call_id: CompactString,
    pub model_visible_call_id: Option<CompactString>,
    pub requester: RawToolCallRequester,
    pub kind: ToolCallKind,
    pub label: &'a str,
    /// `None`: the start carries no invocation payload.
    pub invocation: Option<Value>,
    pub runtime: Vec<Runtime>,
    pub result: Value,
    pub start_tag: Tag,
}

impl<'a> ToolSpec<'a> {
    /// A tool the model called directly: its result is a `direct_response` carrying `output`,
    /// the item the thread's next request shows.
    pub fn direct(
        call_id: &str,
        kind: ToolCallKind,
        label: &'a str,
        invocation: Value,
        runtime: Vec<Runtime>,
        output: Value,
    ) -> Self {
        ToolSpec {
            tool_call_id: call_id.into(),
            model_visible_call_id: Some(call_id.into()),
            requester: RawToolCallRequester::Model,
            kind,
            label,
            invocation: Some(invocation),
            runtime,
            result: json!({"type": "direct_response", "response_item": output}),
            start_tag: Tag::Plain,
        }
    }

    /// The output item of a direct tool's result.
    pub fn output(&self) -> Value {
        self.result["response_item"].clone()
    }
}

impl Emitter {
    /// A direct tool's events, with its output queued for the thread's next request.
    pub(super) fn direct_tool(
        &mut self,
        thread: &str,
        turn: &str,
        spec: ToolSpec,
        preds: Vec<(usize, HbRule)>,
    ) -> (usize, Vec<usize>, usize) {
        let output = spec.output();
        let events = self.tool_events(thread, turn, spec, preds);
        self.tool_output(thread, output, events.2);
        events
    }

    /// A tool's start event.
    pub(super) fn tool_start(
        &mut self,
        thread: &str,
        turn: &str,
        spec: &ToolSpec,
        preds: Vec<(usize, HbRule)>,
    ) -> usize {
        let invocation_payload =
            spec.invocation.as_ref().map(|invocation| self.payload(RawPayloadKind::ToolInvocation, invocation));
        let requester_cell = match &spec.requester {
            RawToolCallRequester::Model => None,
            RawToolCallRequester::CodeCell { runtime_cell_id } => {
                Some(self.cell_ids[&(CompactString::from(thread), runtime_cell_id.clone())].clone())
            }
        };
        let fact = ToolFact {
            thread_id: thread.into(),
            codex_turn_id: turn.into(),
            kind: spec.kind.clone(),
            label: spec.label.into(),
            model_visible_call_id: spec.model_visible_call_id.clone(),
            requester_cell,
            mcp_call_id: None,
            invocation: invocation_payload.as_ref().map(|p| p.raw_payload_id.clone()),
            runtime: Vec::new(),
            result: None,
            terminal: None,
        };
        self.facts.tools.insert(spec.tool_call_id.clone(), fact);
        self.push(
            Some(thread),
            Some(turn),
            RawPayload::ToolCallStarted {
                tool_call_id: spec.tool_call_id.clone(),
                model_visible_call_id: spec.model_visible_call_id.clone(),
                code_mode_runtime_tool_id: None,
                requester: spec.requester.clone(),
                kind: spec.kind.clone(),
                summary: ToolCallSummary::Generic {
                    label: spec.label.into(),
                    input_preview: None,
                    output_preview: None,
                },
                invocation_payload,
            },
            spec.start_tag.clone(),
            preds,
        )
    }

    /// A started tool's runtime events and end; `last_runtime_preds` also precede its last
    /// runtime event. Returns (runtime events, end).
    pub(super) fn tool_finish(
        &mut self,
        thread: &str,
        turn: &str,
        spec: ToolSpec,
        start: usize,
        last_runtime_preds: Vec<(usize, HbRule)>,
    ) -> (Vec<usize>, usize) {
        let mut last = start;
        let mut runtime_events = Vec::new();
        let count = spec.runtime.len();
        for (n, runtime) in spec.runtime.into_iter().enumerate() {
            let (payload, is_end) = match runtime {
                Runtime::Begin(body) => (body, false),
                Runtime::End(body) => (body, true),
            };
            let runtime_payload = self.payload(RawPayloadKind::ToolRuntimeEvent, &payload);
            self.tool_fact(&spec.tool_call_id).runtime.push(runtime_payload.raw_payload_id.clone());
            let tool_call_id = spec.tool_call_id.clone();
            let event = if is_end {
                RawPayload::ToolCallRuntimeEnded { tool_call_id, status: ExecutionStatus::Completed, runtime_payload }
            } else {
                RawPayload::ToolCallRuntimeStarted { tool_call_id, runtime_payload }
            };
            let mut preds = vec![(last, HbRule::ToolLifecycle)];
            if n + 1 == count {
                preds.extend(last_runtime_preds.iter().copied());
            }
            last = self.push(Some(thread), Some(turn), event, Tag::Plain, preds);
            runtime_events.push(last);
        }
        let result_payload = self.payload(RawPayloadKind::ToolResult, &spec.result);
        self.tool_fact(&spec.tool_call_id).result = Some(result_payload.raw_payload_id.clone());
        let end = self.push(
            Some(thread),
            Some(turn),
            RawPayload::ToolCallEnded {
                tool_call_id: spec.tool_call_id,
                status: ExecutionStatus::Completed,
                result_payload: Some(result_payload),
            },
            Tag::Plain,
            vec![(last, HbRule::ToolLifecycle)],
        );
        (runtime_events, end)
    }

    /// A tool's events: start, runtime events in order, end. Returns (start, runtime events, end).
    pub(super) fn tool_events(
        &mut self,
        thread: &str,
        turn: &str,
        spec: ToolSpec,
        start_preds: Vec<(usize, HbRule)>,
    ) -> (usize, Vec<usize>, usize) {
        let start = self.tool_start(thread, turn, &spec, start_preds);
        let (runtime_events, end) = self.tool_finish(thread, turn, spec, start, Vec::new());
        (start, runtime_events, end)
    }

    /// The operation a terminal tool's events make, once the tool's events are written.
    pub(super) fn terminal_fact(
        &mut self,
        tool_call_id: &str,
        terminal_id: Option<CompactString>,
        request: TerminalRequest,
        result: TerminalResult,
        payloads: Payloads,
    ) {
        let tool = self.tool_fact(tool_call_id);
        let payloads = match payloads {
            Payloads::Runtime => tool.runtime.clone(),
            Payloads::InvocationAndResult => {
                [tool.invocation.clone(), tool.result.clone()].into_iter().flatten().collect()
            }
        };
        tool.terminal = Some(TerminalFact { terminal_id, request, result, payloads });
    }

    fn tool_fact(&mut self, tool_call_id: &str) -> &mut ToolFact {
        self.facts.tools.get_mut(tool_call_id).expect("a tool's fact is written at its start")
    }

    /// The output a direct tool returns to the model, sent in the thread's next request.
    pub(super) fn tool_output(&mut self, thread: &str, item: Value, ready_at: usize) {
        let state = self.state(thread);
        state.pending_inputs.push(item);
        state.pending_waits.push(ready_at);
        state.turn_waits.push(ready_at);
    }

    pub(super) fn plan_call(&mut self, thread: &str, call: &Call) -> CallWork {
        let call_id = format_compact!("call-{}", self.next("call"));
        match call {
            Call::ExecCommand { keep_open, process_id_at_begin } => {
                CallWork::Exec { call_id, keep_open: *keep_open, process_id_at_begin: *process_id_at_begin }
            }
            Call::WriteStdin => match self.state(thread).open_sessions.last() {
                Some(&session) => CallWork::WriteStdin { call_id, session },
                None => CallWork::ApplyPatch { call_id },
            },
            Call::Mcp => CallWork::Mcp { call_id },
            Call::Other => CallWork::ApplyPatch { call_id },
            Call::CodeCell(plan) => {
                let state = self.state(thread);
                state.next_runtime_cell += 1;
                CallWork::Cell {
                    call_id,
                    runtime_cell_id: state.next_runtime_cell.to_compact_string(),
                    plan: plan.clone(),
                }
            }
            Call::Spawn(_) | Call::Message { .. } | Call::Close { .. } => {
                match self.plan_agent_call(thread, call, &call_id) {
                    Some(agent) => CallWork::Agent(agent),
                    None => CallWork::ApplyPatch { call_id },
                }
            }
        }
    }

    /// Waits for yielded cells, issued by the thread's next completed response.
    pub(super) fn wait_calls(&mut self, thread: &str) -> Vec<(CompactString, usize)> {
        std::mem::take(&mut self.state(thread).pending_wait_calls)
    }

    pub(super) fn wait_call(&mut self, _thread: &str, (runtime_cell_id, cell_end): (CompactString, usize)) -> CallWork {
        CallWork::Wait { call_id: format_compact!("call-{}", self.next("call")), runtime_cell_id, cell_end }
    }

    /// Emit the events of one call of a completed response whose request is event `request`.
    pub(super) fn run_call(&mut self, thread: &str, turn: &str, request: usize, work: CallWork) {
        let after_request = self.after_request(request);
        match work {
            CallWork::Exec { call_id, keep_open, process_id_at_begin } => {
                let session = keep_open.then(|| 1000 + self.next("session"));
                let process_id = session.map(|s| s.to_compact_string());
                let cmd = exec_command_line(&call_id);
                self.facts.json_summaries.insert(call_id.clone(), expected_summary(&json!({"cmd": cmd}).to_string()));
                let command = json!(["bash", "-lc", cmd]);
                let begin = json!({"call_id": call_id, "process_id": if process_id_at_begin { process_id.clone() } else { None }, "turn_id": turn, "command": command, "cwd": "/repo", "parsed_cmd": [], "source": "agent"});
                let output = format!("test result: ok ({call_id})\n");
                let end = json!({"call_id": call_id, "process_id": process_id, "turn_id": turn, "command": command, "cwd": "/repo", "stdout": output, "stderr": "", "aggregated_output": output, "exit_code": 0, "duration": {"secs": 1, "nanos": 0}, "formatted_output": output, "status": "completed"});
                let spec = ToolSpec::direct(
                    &call_id,
                    ToolCallKind::ExecCommand,
                    "exec_command",
                    function_invocation("exec_command", &json!({"cmd": cmd})),
                    vec![Runtime::Begin(begin), Runtime::End(end)],
                    output_item("function_call_output", &call_id, &output),
                );
                let (_, _, end) = self.direct_tool(thread, turn, spec, after_request);
                let request = exec_request(vec!["bash".into(), "-lc".into(), cmd.into()]);
                self.terminal_fact(&call_id, process_id, request, exec_output(&output), Payloads::Runtime);
                if let Some(session) = session {
                    self.session_last.insert(session, end);
                    self.state(thread).open_sessions.push(session);
                    self.facts.terminal_sessions.insert(session.to_compact_string(), vec![call_id.clone()]);
                }
            }
            CallWork::WriteStdin { call_id, session } => {
                let output = format!("continued session {session}\n");
                let mut preds = after_request;
                preds.extend(self.session_last.get(&session).map(|&e| (e, HbRule::SessionSerialized)));
                let end = if write_stdin_from_runtime(&call_id) {
                    self.write_stdin_from_runtime(thread, turn, &call_id, session, &output, preds)
                } else {
                    let (session_id, output_value, text) = write_stdin_shape(&call_id, session, &output);
                    let arguments = json!({"session_id": session_id, "chars": "y\n", "yield_time_ms": 250});
                    let item = json!({"type": "function_call_output", "call_id": call_id, "output": output_value});
                    let text = text.unwrap_or_else(|| item.to_string());
                    let spec = ToolSpec::direct(
                        &call_id,
                        ToolCallKind::WriteStdin,
                        "write_stdin",
                        function_invocation("write_stdin", &arguments),
                        Vec::new(),
                        item,
                    );
                    let (_, _, end) = self.direct_tool(thread, turn, spec, preds);
                    let request = TerminalRequest::WriteStdin {
                        stdin: "y\n".into(),
                        yield_time_ms: Some(250),
                        max_output_tokens: None,
                    };
                    let result = TerminalResult { exit_code: None, ..exec_output(&text) };
                    let terminal = Some(session.to_compact_string());
                    self.terminal_fact(&call_id, terminal, request, result, Payloads::InvocationAndResult);
                    end
                };
                self.session_last.insert(session, end);
                self.facts.session_reuses += 1;
                self.facts.terminal_sessions.entry(session.to_compact_string()).or_default().push(call_id.clone());
            }
            CallWork::Mcp { call_id } => {
                let arguments = json!({"query": format!("label:bug {call_id}")});
                let mcp_invocation = json!({"server": "github", "tool": "search_issues", "arguments": arguments});
                let spec = ToolSpec::direct(
                    &call_id,
                    ToolCallKind::Other { name: "mcp__github__search_issues".into() },
                    "mcp__github__search_issues",
                    invocation(
                        "search_issues",
                        Some("mcp__github__"),
                        json!({"type": "function", "arguments": arguments.to_string()}),
                    ),
                    vec![
                        Runtime::Begin(json!({"call_id": call_id, "invocation": mcp_invocation})),
                        Runtime::End(
                            json!({"call_id": call_id, "invocation": mcp_invocation, "duration": {"secs": 0, "nanos": 5}, "result": {"Ok": {"content": [{"type": "text", "text": "2 issues"}], "isError": false}}}),
                        ),
                    ],
                    output_item("function_call_output", &call_id, "2 issues"),
                );
                let (start, _, _) = self.direct_tool(thread, turn, spec, after_request);
                let mcp_call_id = format_compact!("{:08x}-0000-4000-8000-000000000000", self.next("mcp"));
                self.tool_fact(&call_id).mcp_call_id = Some(mcp_call_id.clone());
                self.push(
                    None,
                    None,
                    RawPayload::McpToolCallCorrelationAssigned { tool_call_id: call_id.clone(), mcp_call_id },
                    Tag::Plain,
                    vec![(start, HbRule::ToolLifecycle)],
                );
            }
            CallWork::ApplyPatch { call_id } => {
                let changes = json!({format!("src/{call_id}.rs"): {"update": {"unified_diff": "-old\n+new\n"}}});
                let spec = ToolSpec::direct(
                    &call_id,
                    ToolCallKind::ApplyPatch,
                    "apply_patch",
                    invocation("apply_patch", None, json!({"type": "custom", "input": patch(&call_id)})),
                    vec![
                        Runtime::Begin(
                            json!({"call_id": call_id, "turn_id": turn, "auto_approved": true, "changes": changes}),
                        ),
                        Runtime::End(
                            json!({"call_id": call_id, "turn_id": turn, "stdout": "Success.", "stderr": "", "success": true, "changes": changes}),
                        ),
                    ],
                    output_item("custom_tool_call_output", &call_id, "Success."),
                );
                self.direct_tool(thread, turn, spec, after_request);
            }
            CallWork::Cell { call_id, runtime_cell_id, plan } => {
                self.run_cell(thread, turn, request, &call_id, &runtime_cell_id, &plan)
            }
            CallWork::Wait { call_id, runtime_cell_id, cell_end } => {
                let arguments = json!({"cell_id": runtime_cell_id, "yield_time_ms": 1000});
                let spec = ToolSpec::direct(
                    &call_id,
                    ToolCallKind::Other { name: "wait".into() },
                    "wait",
                    function_invocation("wait", &arguments),
                    Vec::new(),
                    output_item("function_call_output", &call_id, "cell finished"),
                );
                let (_, _, end) = self.direct_tool(thread, turn, spec, after_request);
                self.happens_before[end].push((cell_end, HbRule::WaitAfterCellEnd));
                let cell_id = self.cell_ids.get(&(CompactString::from(thread), runtime_cell_id)).cloned();
                if let Some(cell) = cell_id.and_then(|id| self.facts.code_cells.get_mut(&id)) {
                    cell.wait_tool_call_ids.push(call_id.clone());
                }
            }
            CallWork::Agent(call) => self.run_agent_call(thread, turn, request, call),
        }
    }
}

impl Emitter {
    /// A write_stdin whose operation comes from its runtime begin (the session is its process
    /// id, the stdin its `interaction_input`) and ends with an exec end. Returns its end event.
    fn write_stdin_from_runtime(
        &mut self,
        thread: &str,
        turn: &str,
        call_id: &str,
        session: u64,
        output: &str,
        preds: Vec<(usize, HbRule)>,
    ) -> usize {
        let process_id = session.to_compact_string();
        let command = json!(["bash", "-lc", "cat"]);
        let begin = json!({"call_id": call_id, "process_id": process_id, "turn_id": turn, "command": command, "cwd": "/repo", "parsed_cmd": [], "source": "unified_exec_interaction", "interaction_input": "y\n"});
        let end = json!({"call_id": call_id, "process_id": process_id, "turn_id": turn, "command": command, "cwd": "/repo", "stdout": output, "stderr": "", "aggregated_output": output, "exit_code": 0, "duration": {"secs": 0, "nanos": 250}, "formatted_output": output, "status": "completed"});
        let spec = ToolSpec {
            invocation: None,
            ..ToolSpec::direct(
                call_id,
                ToolCallKind::WriteStdin,
                "write_stdin",
                Value::Null,
                vec![Runtime::Begin(begin), Runtime::End(end)],
                output_item("function_call_output", call_id, output),
            )
        };
        let (_, _, end) = self.direct_tool(thread, turn, spec, preds);
        let request = TerminalRequest::WriteStdin { stdin: "y\n".into(), yield_time_ms: None, max_output_tokens: None };
        self.terminal_fact(call_id, Some(process_id), request, exec_output(output), Payloads::Runtime);
        end
    }
}

/// Which of a terminal tool's payloads its operation lists: its runtime begin and end, or (a
/// write_stdin without runtime events) its invocation and result.
pub(super) enum Payloads {
    Runtime,
    InvocationAndResult,
}

/// An exec_command operation's request, as its runtime begin states it.
pub(super) fn exec_request(command: Vec<CompactString>) -> TerminalRequest {
    TerminalRequest::ExecCommand {
        display_command: command.join(" ").into(),
        command,
        cwd: "/repo".into(),
        yield_time_ms: None,
        max_output_tokens: None,
    }
}

/// The result of a command that printed `output` and exited 0.
pub(super) fn exec_output(output: &str) -> TerminalResult {
    TerminalResult {
        exit_code: Some(0),
        stdout: output.into(),
        stderr: CompactString::default(),
        formatted_output: Some(output.into()),
        original_token_count: None,
        chunk_id: None,
    }
}
