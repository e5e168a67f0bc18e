//! Tool calls, MCP correlation, terminal operations and sessions (§D.7, §D.8).

use pretty_assertions::assert_eq;
use rollout_conformance::bundle::{RawPayload, RawToolCallRequester, ToolCallKind, ToolCallSummary};
use serde_json::{json, Value};

use crate::support::{exec_begin, exec_end, function_invocation, tool_started, Trace, CHILD, CHILD_TURN, ROOT, TURN};

fn exec_tool(trace: &mut Trace, id: &str) -> u64 {
    trace.tool(id, ToolCallKind::ExecCommand, None)
}

/// A write_stdin tool whose invocation (raw_payload:1 in a fresh trace) creates its operation.
fn write_stdin_tool(trace: &mut Trace, id: &str, session_id: Value) -> u64 {
    let invocation = function_invocation("write_stdin", json!({ "session_id": session_id, "chars": "ls\n" }));
    trace.tool(id, ToolCallKind::WriteStdin, Some(invocation))
}

#[test]
fn second_tool_start_is_duplicate() {
    let mut trace = Trace::rooted();
    exec_tool(&mut trace, "call-1");
    let seq = exec_tool(&mut trace, "call-1");
    trace.fails_with("duplicate tool call start for call-1", seq);
}

#[test]
fn second_tool_with_the_same_model_visible_call_id() {
    let mut trace = Trace::rooted().with_child();
    trace.in_turn(tool_started("tool-a", Some("call-1"), ToolCallKind::ExecCommand, None));
    // Model-visible call ids are compared across threads.
    let seq =
        trace.event(Some(CHILD), Some(CHILD_TURN), tool_started("tool-b", Some("call-1"), ToolCallKind::Web, None));
    trace.fails_with("duplicate tool call for model-visible call id call-1", seq);
}

#[test]
fn tool_start_without_thread_or_turn() {
    let mut trace = Trace::rooted();
    let seq = trace.event(None, None, tool_started("call-1", Some("call-1"), ToolCallKind::Web, None));
    trace.fails_with("tool call start did not include thread or Codex turn context", seq);
}

#[test]
fn tool_start_in_unknown_turn() {
    let mut trace = Trace::rooted();
    let seq = trace.event(None, Some("turn-missing"), tool_started("call-1", None, ToolCallKind::Web, None));
    trace.fails_with("tool call start referenced unknown Codex turn turn-missing", seq);

    // With a known envelope thread the turn is still checked.
    let mut trace = Trace::rooted();
    let seq = trace.event(Some(ROOT), Some("turn-missing"), tool_started("call-1", None, ToolCallKind::Web, None));
    trace.fails_with("tool call start referenced unknown Codex turn turn-missing", seq);
}

#[test]
fn tool_start_in_unknown_thread() {
    let mut trace = Trace::rooted();
    let seq = trace.event(Some("thread-ghost"), None, tool_started("call-1", None, ToolCallKind::Web, None));
    trace.fails_with("tool call start referenced unknown thread thread-ghost", seq);

    let mut trace = Trace::rooted();
    let seq = trace.event(Some("thread-ghost"), Some(TURN), tool_started("call-1", None, ToolCallKind::Web, None));
    trace.fails_with("tool call start referenced unknown thread thread-ghost", seq);
}

#[test]
fn tool_start_whose_turn_belongs_to_another_thread() {
    let mut trace = Trace::rooted().with_child();
    let seq = trace.event(Some(CHILD), Some(TURN), tool_started("call-1", None, ToolCallKind::Web, None));
    trace.fails_with("tool call start used thread thread-child, but Codex turn turn-1 belongs to thread-root", seq);
}

#[test]
fn nested_tool_of_unknown_runtime_cell() {
    let mut trace = Trace::rooted();
    let seq = trace.in_turn(RawPayload::ToolCallStarted {
        tool_call_id: "nested-1".into(),
        model_visible_call_id: None,
        code_mode_runtime_tool_id: Some("tool-7".into()),
        requester: RawToolCallRequester::CodeCell { runtime_cell_id: "7".into() },
        kind: ToolCallKind::ExecCommand,
        summary: ToolCallSummary::Generic { label: "exec_command".into(), input_preview: None, output_preview: None },
        invocation_payload: None,
    });
    trace.fails_with("code-mode nested tool referenced unknown runtime cell 7 in thread thread-root", seq);
}

#[test]
fn wait_invocation_without_usable_arguments() {
    let wait = |payload: Value| json!({ "tool_name": "wait", "tool_namespace": null, "payload": payload });
    let cases = [
        (
            wait(json!({ "type": "function" })),
            "wait tool request payload raw_payload:1 did not contain function arguments",
        ),
        (
            wait(json!({ "type": "function", "arguments": { "cell_id": "1" } })),
            "wait tool request payload raw_payload:1 did not contain function arguments",
        ),
        (
            wait(json!({ "type": "function", "arguments": "{cell_id: 1" })),
            "wait tool request payload raw_payload:1 had invalid JSON arguments",
        ),
        (
            wait(json!({ "type": "function", "arguments": "{}" })),
            "wait tool request payload raw_payload:1 did not contain cell_id",
        ),
        (
            wait(json!({ "type": "function", "arguments": r#"{"cell_id": 1}"# })),
            "wait tool request payload raw_payload:1 did not contain cell_id",
        ),
    ];
    for (invocation, expected) in cases {
        let mut trace = Trace::rooted();
        let seq = trace.tool("call-wait", ToolCallKind::Other { name: "wait".into() }, Some(invocation.clone()));
        trace.fails_with(expected, seq);

        // The invocation is read for every tool kind; only `tool_name` decides.
        let mut trace = Trace::rooted();
        let seq = trace.tool("call-wait", ToolCallKind::ExecCommand, Some(invocation));
        trace.fails_with(expected, seq);
    }
}

#[test]
fn write_stdin_invocation_that_is_not_a_usable_dispatch_payload() {
    let stdin = |payload: Value| json!({ "tool_name": "write_stdin", "tool_namespace": null, "payload": payload });
    let arguments = |arguments: &str| stdin(json!({ "type": "function", "arguments": arguments }));
    // (invocation, the cause upstream wraps, if it is fixed text)
    let cases: Vec<(Value, Option<&str>)> = vec![
        (json!({ "tool_name": "write_stdin" }), None),
        (json!({ "tool_name": 5, "payload": { "type": "function", "arguments": "{}" } }), None),
        (
            function_invocation("exec_command", json!({ "session_id": 1 })),
            Some("dispatch terminal request is for exec_command, not write_stdin"),
        ),
        (
            stdin(json!({ "type": "custom", "input": "ls" })),
            Some("write_stdin dispatch payload used unsupported custom payload"),
        ),
        (stdin(json!({ "type": "function" })), Some("write_stdin dispatch payload omitted function arguments")),
        (arguments("{session_id: 1"), None),
        (arguments(r#"{"session_id": 1, "chars": 5}"#), None),
        (arguments(r#"{"session_id": null, "chars": "ls"}"#), Some("write_stdin dispatch payload omitted session_id")),
        (arguments(r#"{"session_id": "", "chars": "ls"}"#), Some("write_stdin dispatch payload omitted session_id")),
        (arguments(r#"{"session_id": true, "chars": "ls"}"#), Some("write_stdin dispatch payload omitted session_id")),
    ];
    for (invocation, cause) in cases {
        let mut trace = Trace::rooted();
        let seq = trace.tool("call-stdin", ToolCallKind::WriteStdin, Some(invocation.clone()));
        let err = trace.error();
        assert_eq!(
            err.message(),
            "parse terminal invocation payload raw_payload:1 as dispatch payload",
            "{invocation}"
        );
        assert_eq!(err.seq, Some(seq));
        if let Some(cause) = cause {
            assert_eq!(err.detail.as_deref(), Some(cause), "{invocation}");
        }
    }

    // Bad function arguments are wrapped once more.
    let mut trace = Trace::rooted();
    trace.tool("call-stdin", ToolCallKind::WriteStdin, Some(arguments("[]")));
    let err = trace.error();
    let detail = err.detail.unwrap_or_default();
    assert!(detail.starts_with("parse write_stdin dispatch function arguments"), "{detail}");
}

#[test]
fn mcp_correlation_for_unknown_tool() {
    let mut trace = Trace::rooted();
    let seq = trace.event(
        None,
        None,
        RawPayload::McpToolCallCorrelationAssigned { tool_call_id: "call-ghost".into(), mcp_call_id: "mcp-1".into() },
    );
    trace.fails_with("MCP correlation referenced unknown tool call call-ghost", seq);
}

#[test]
fn second_mcp_correlation() {
    let mut trace = Trace::rooted();
    trace.tool("call-mcp", ToolCallKind::Mcp { server: "docs".into(), tool: "search".into() }, None);
    let correlation = |mcp_call_id: &str| RawPayload::McpToolCallCorrelationAssigned {
        tool_call_id: "call-mcp".into(),
        mcp_call_id: mcp_call_id.into(),
    };
    trace.event(None, None, correlation("mcp-1"));
    let seq = trace.event(None, None, correlation("mcp-2"));
    trace.fails_with("duplicate MCP correlation for tool call call-mcp", seq);
}

#[test]
fn runtime_events_for_unknown_tool() {
    let mut trace = Trace::rooted();
    let seq = trace.runtime_start("call-ghost", exec_begin(None));
    trace.fails_with("tool runtime start referenced unknown call call-ghost", seq);

    let mut trace = Trace::rooted();
    let seq = trace.runtime_end("call-ghost", exec_end(None));
    trace.fails_with("tool runtime end referenced unknown call call-ghost", seq);
}

#[test]
fn tool_end_for_unknown_tool() {
    let mut trace = Trace::rooted();
    let seq = trace.tool_end("call-ghost", None);
    trace.fails_with("tool call end referenced unknown call call-ghost", seq);
}

#[test]
fn runtime_start_would_create_a_second_terminal_operation() {
    // write_stdin: the invocation already created the operation.
    let mut trace = Trace::rooted();
    write_stdin_tool(&mut trace, "call-stdin", json!(123));
    let seq = trace.runtime_start("call-stdin", exec_begin(Some("123")));
    trace.fails_with("tool runtime start would create a second terminal operation for call-stdin", seq);

    // exec_command: a second runtime begin.
    let mut trace = Trace::rooted();
    exec_tool(&mut trace, "call-exec");
    trace.runtime_start("call-exec", exec_begin(None));
    let seq = trace.runtime_start("call-exec", exec_begin(None));
    trace.fails_with("tool runtime start would create a second terminal operation for call-exec", seq);
}

#[test]
fn terminal_runtime_begin_without_command_or_cwd() {
    let cases = [
        json!({ "call_id": "call-exec", "cwd": "/repo" }),
        json!({ "call_id": "call-exec", "command": "echo hi", "cwd": "/repo" }),
        json!({ "call_id": "call-exec", "command": ["echo", 1], "cwd": "/repo" }),
        json!({ "call_id": "call-exec", "command": ["echo", "hi"] }),
        json!({ "call_id": "call-exec", "command": ["echo", "hi"], "cwd": null }),
    ];
    for kind in [ToolCallKind::ExecCommand, ToolCallKind::WriteStdin] {
        for begin in &cases {
            let mut trace = Trace::rooted();
            trace.tool("call-exec", kind.clone(), None);
            let seq = trace.runtime_start("call-exec", begin.clone());
            trace.fails_with("parse terminal runtime start payload raw_payload:1", seq);
        }
    }
}

#[test]
fn exec_runtime_end_that_is_not_exec_end_shaped() {
    let cases = [
        json!({ "call_id": "call-exec", "stdout": "hi\n" }),
        json!({ "stdout": "", "stderr": "", "exit_code": "0", "formatted_output": "" }),
        // A dispatch result is no excuse for an exec_command operation.
        json!({ "type": "error", "error": "sandbox denied" }),
    ];
    for end in cases {
        let mut trace = Trace::rooted();
        exec_tool(&mut trace, "call-exec");
        trace.runtime_start("call-exec", exec_begin(None));
        let seq = trace.runtime_end("call-exec", end);
        trace.fails_with("parse exec terminal response raw_payload:2", seq);
    }
}

/// Neither an exec end (exit_code is a string) nor a dispatch result (no `type`).
fn neither_exec_end_nor_dispatch_result() -> Value {
    json!({ "stdout": "", "stderr": "", "exit_code": "x", "formatted_output": "" })
}

#[test]
fn write_stdin_result_that_is_neither_exec_end_nor_dispatch_result() {
    let mut trace = Trace::rooted();
    write_stdin_tool(&mut trace, "call-stdin", json!(123));
    let seq = trace.tool_end("call-stdin", Some(neither_exec_end_nor_dispatch_result()));
    trace.fails_with(
        r#"parse write_stdin terminal response raw_payload:2 as protocol payload (invalid type: string "x", expected i32) or dispatch payload"#,
        seq,
    );
}

#[test]
fn write_stdin_runtime_end_that_is_neither_exec_end_nor_dispatch_result() {
    let mut trace = Trace::rooted();
    trace.tool("call-stdin", ToolCallKind::WriteStdin, None);
    trace.runtime_start("call-stdin", exec_begin(Some("pty-1")));
    let seq = trace.runtime_end("call-stdin", neither_exec_end_nor_dispatch_result());
    trace.fails_with(
        r#"parse write_stdin terminal response raw_payload:2 as protocol payload (invalid type: string "x", expected i32) or dispatch payload"#,
        seq,
    );
}

#[test]
fn terminal_end_reporting_another_process_id() {
    let mut trace = Trace::rooted();
    exec_tool(&mut trace, "call-exec");
    trace.runtime_start("call-exec", exec_begin(Some("pty-1")));
    let seq = trace.runtime_end("call-exec", exec_end(Some("pty-2")));
    trace.fails_with("terminal operation terminal_operation:1 changed process id from pty-1 to pty-2", seq);

    // The dispatch invocation's session id counts as the operation's process id.
    let mut trace = Trace::rooted();
    write_stdin_tool(&mut trace, "call-stdin", json!(123));
    let seq = trace.runtime_end("call-stdin", exec_end(Some("pty-9")));
    trace.fails_with("terminal operation terminal_operation:1 changed process id from 123 to pty-9", seq);
}

#[test]
fn terminal_session_reused_by_another_thread() {
    // The child's begin names the root's process.
    let mut trace = Trace::rooted().with_child();
    exec_tool(&mut trace, "call-root");
    trace.runtime_start("call-root", exec_begin(Some("pty-1")));
    trace.now_in(CHILD, CHILD_TURN);
    exec_tool(&mut trace, "call-child");
    let seq = trace.runtime_start("call-child", exec_begin(Some("pty-1")));
    trace.fails_with("terminal session pty-1 belongs to thread thread-root, not thread-child", seq);

    // Only the child's end names it.
    let mut trace = Trace::rooted().with_child();
    exec_tool(&mut trace, "call-root");
    trace.runtime_start("call-root", exec_begin(Some("pty-1")));
    trace.now_in(CHILD, CHILD_TURN);
    exec_tool(&mut trace, "call-child");
    trace.runtime_start("call-child", exec_begin(None));
    let seq = trace.runtime_end("call-child", exec_end(Some("pty-1")));
    trace.fails_with("terminal session pty-1 belongs to thread thread-root, not thread-child", seq);

    // A write_stdin invocation's session id in another thread.
    let mut trace = Trace::rooted().with_child();
    exec_tool(&mut trace, "call-root");
    trace.runtime_start("call-root", exec_begin(Some("123")));
    trace.now_in(CHILD, CHILD_TURN);
    let seq = write_stdin_tool(&mut trace, "call-child", json!(123));
    trace.fails_with("terminal session 123 belongs to thread thread-root, not thread-child", seq);
}
