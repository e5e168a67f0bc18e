//! Small builders shared by the error tests: a bundle under construction with a "current"
//! thread and turn, and constructors for the event payloads and model items the tests need.

use pretty_assertions::assert_eq;
use rollout_conformance::bundle::{
    Bundle, BundleWriter, CodeCellRuntimeStatus, ExecutionStatus, Manifest, RawPayload, RawPayloadKind, RawPayloadRef,
    RawToolCallRequester, RawTraceEvent, ToolCallKind, ToolCallSummary,
};
use rollout_conformance::reducer::{replay, replay_with, ReplayOptions, Replayed};
use rollout_conformance::revision::Revision;
use rollout_conformance::rules::catalog::{reducer_rule, rule_for};
use rollout_conformance::rules::check::{reduction, reduction_with};
use rollout_conformance::Error;
use serde_json::{json, Value};

pub const ROOT: &str = "thread-root";
pub const CHILD: &str = "thread-child";
pub const TURN: &str = "turn-1";
pub const CHILD_TURN: &str = "turn-child";

/// Thread ids for the agent tests: collab runtime payloads carry thread ids as UUIDs.
pub const ROOT_UUID: &str = "019d0000-0000-7000-8000-000000000001";
pub const CHILD_UUID: &str = "019d0000-0000-7000-8000-000000000002";
pub const OTHER_CHILD_UUID: &str = "019d0000-0000-7000-8000-000000000003";

/// The manifest's start time; every event's wall time is this plus its seq.
pub const STARTED_AT: i64 = 1_767_225_600_000;

/// A bundle being written. Events that need a thread/turn context use `thread`/`turn`.
pub struct Trace {
    writer: BundleWriter,
    thread: String,
    turn: String,
}

impl Trace {
    /// No events at all.
    pub fn empty() -> Self {
        Trace {
            writer: BundleWriter::new(Manifest::new("trace-1", "rollout-1", ROOT, STARTED_AT)),
            thread: ROOT.to_owned(),
            turn: TURN.to_owned(),
        }
    }

    /// `thread-root` (`/root`) started at seq 1 and `turn-1` at seq 2.
    pub fn rooted() -> Self {
        Self::rooted_as(ROOT)
    }

    /// Like [`Trace::rooted`], with another root thread id.
    pub fn rooted_as(root: &str) -> Self {
        let mut trace = Self::empty();
        trace.now_in(root, TURN);
        trace.thread(root, "/root");
        trace.turn(TURN, root);
        trace
    }

    /// Also `thread-child` (`/root/child`) at seq 3 and its turn `turn-child` at seq 4.
    pub fn with_child(mut self) -> Self {
        self.thread(CHILD, "/root/child");
        self.turn(CHILD_TURN, CHILD);
        self
    }

    /// Make `thread`/`turn` the context of the following `in_turn` events.
    pub fn now_in(&mut self, thread: &str, turn: &str) {
        (self.thread, self.turn) = (thread.to_owned(), turn.to_owned());
    }

    pub fn payload(&mut self, kind: RawPayloadKind, value: Value) -> RawPayloadRef {
        self.writer.payload(kind, &value)
    }

    /// Append an event with explicit envelope context; returns its seq.
    pub fn event(&mut self, thread: Option<&str>, turn: Option<&str>, payload: RawPayload) -> u64 {
        self.writer.event(thread, turn, payload)
    }

    /// Append an event in the current context with a seq of the caller's choosing.
    pub fn in_turn_with_seq(&mut self, seq: u64, payload: RawPayload) {
        self.writer.push(RawTraceEvent {
            schema_version: 1,
            seq,
            wall_time_unix_ms: STARTED_AT + seq as i64,
            rollout_id: "rollout-1".into(),
            thread_id: Some(self.thread.clone().into()),
            codex_turn_id: Some(self.turn.clone().into()),
            payload,
        });
    }

    /// Append an event in the current thread and turn.
    pub fn in_turn(&mut self, payload: RawPayload) -> u64 {
        let (thread, turn) = (self.thread.clone(), self.turn.clone());
        self.writer.event(Some(&thread), Some(&turn), payload)
    }

    pub fn thread(&mut self, thread_id: &str, agent_path: &str) -> u64 {
        let payload = RawPayload::ThreadStarted {
            thread_id: thread_id.into(),
            agent_path: agent_path.into(),
            metadata_payload: None,
        };
        self.event(None, None, payload)
    }

    pub fn turn(&mut self, turn_id: &str, thread_id: &str) -> u64 {
        self.event(
            None,
            None,
            RawPayload::CodexTurnStarted { codex_turn_id: turn_id.into(), thread_id: thread_id.into() },
        )
    }

    /// `inference_started` for `call` in the current thread and turn, with `body` as its request.
    pub fn request(&mut self, call: &str, body: Value) -> u64 {
        let (thread, turn) = (self.thread.clone(), self.turn.clone());
        self.request_in(call, &thread, &turn, body)
    }

    /// `inference_started` whose payload names `thread` and `turn` (the envelope is not read).
    pub fn request_in(&mut self, call: &str, thread: &str, turn: &str, body: Value) -> u64 {
        let request_payload = self.payload(RawPayloadKind::InferenceRequest, body);
        self.event(None, None, inference_started(call, thread, turn, request_payload))
    }

    /// `inference_completed` for `call` with `body` as its response payload.
    pub fn complete(&mut self, call: &str, response_id: Option<&str>, body: Value) -> u64 {
        let response_payload = self.payload(RawPayloadKind::InferenceResponse, body);
        self.event(
            None,
            None,
            RawPayload::InferenceCompleted {
                inference_call_id: call.into(),
                response_id: response_id.map(Into::into),
                upstream_request_id: None,
                server_created_at_unix_ms: None,
                server_completed_at_unix_ms: None,
                response_payload,
            },
        )
    }

    /// `tool_call_started` from the model in the current context; `invocation` becomes a
    /// `tool_invocation` payload. The model-visible call id is the tool call id.
    pub fn tool(&mut self, tool_call_id: &str, kind: ToolCallKind, invocation: Option<Value>) -> u64 {
        let invocation = invocation.map(|value| self.payload(RawPayloadKind::ToolInvocation, value));
        self.in_turn(tool_started(tool_call_id, Some(tool_call_id), kind, invocation))
    }

    pub fn runtime_start(&mut self, tool_call_id: &str, body: Value) -> u64 {
        let runtime_payload = self.payload(RawPayloadKind::ToolRuntimeEvent, body);
        self.in_turn(RawPayload::ToolCallRuntimeStarted { tool_call_id: tool_call_id.into(), runtime_payload })
    }

    pub fn runtime_end(&mut self, tool_call_id: &str, body: Value) -> u64 {
        let runtime_payload = self.payload(RawPayloadKind::ToolRuntimeEvent, body);
        self.in_turn(RawPayload::ToolCallRuntimeEnded {
            tool_call_id: tool_call_id.into(),
            status: ExecutionStatus::Completed,
            runtime_payload,
        })
    }

    /// `tool_call_ended` (completed) with an optional `tool_result` payload.
    pub fn tool_end(&mut self, tool_call_id: &str, result: Option<Value>) -> u64 {
        let result_payload = result.map(|value| self.payload(RawPayloadKind::ToolResult, value));
        self.in_turn(RawPayload::ToolCallEnded {
            tool_call_id: tool_call_id.into(),
            status: ExecutionStatus::Completed,
            result_payload,
        })
    }

    /// `code_cell_started` in the current context.
    pub fn code_cell(&mut self, runtime_cell_id: &str, call_id: &str) -> u64 {
        self.in_turn(code_cell_started(runtime_cell_id, call_id))
    }

    pub fn bundle(self) -> Bundle {
        self.writer.finish()
    }

    #[track_caller]
    pub fn replay(self) -> Replayed {
        match replay(&self.bundle()) {
            Ok(replayed) => replayed,
            Err(err) => panic!("replay failed: {} ({:?})", err.message(), err.context_lines()),
        }
    }

    /// The replay error, after checking that `check` reports it as exactly one violation of its
    /// rule at the same event.
    #[track_caller]
    pub fn error(self) -> Error {
        let bundle = self.bundle();
        let err = match replay(&bundle) {
            Ok(_) => panic!("replay succeeded, but an error was expected"),
            Err(err) => err,
        };
        assert_reported_under_its_rule(&bundle, &err);
        err
    }

    /// Replay under `revision`; panics on an error.
    #[track_caller]
    pub fn replay_as(self, revision: &'static Revision) -> Replayed {
        match replay_with(&self.bundle(), &ReplayOptions::revision(revision)) {
            Ok(replayed) => replayed,
            Err(err) => panic!("replay failed: {} ({:?})", err.message(), err.context_lines()),
        }
    }

    /// The replay error under `revision`, after checking that `check` under that revision
    /// reports it as exactly one violation of its rule at the same event.
    #[track_caller]
    pub fn error_as(self, revision: &'static Revision) -> Error {
        let bundle = self.bundle();
        let err = match replay_with(&bundle, &ReplayOptions::revision(revision)) {
            Ok(_) => panic!("replay succeeded, but an error was expected"),
            Err(err) => err,
        };
        let violations = reduction_with(&bundle, revision);
        let [violation] = violations.as_slice() else {
            panic!("{} violations for {:?}: {violations:?}", violations.len(), err.message());
        };
        let expected = reducer_rule(&err.kind).unwrap_or_else(|| rule_for(&err.kind));
        assert_eq!(violation.rule.id, expected.id, "rule for: {}", err.message());
        assert_eq!((violation.location.line, violation.location.seq), (err.line, err.seq));
        err
    }

    /// Replay fails with exactly `message`, located at the event with `seq`.
    #[track_caller]
    pub fn fails_with(self, message: &str, seq: u64) {
        let err = self.error();
        assert_eq!(err.message(), message);
        assert_eq!(err.seq, Some(seq), "seq of the offending event for: {message}");
    }
}

/// `check`'s reduction rules give exactly one violation for a bundle that fails replay: the
/// error's reducer rule (or, for the kinds other families own, their rule), located at its event.
#[track_caller]
pub fn assert_reported_under_its_rule(bundle: &Bundle, err: &Error) {
    let violations = reduction(bundle);
    let [violation] = violations.as_slice() else {
        panic!("{} violations for {:?}: {violations:?}", violations.len(), err.message());
    };
    let expected = reducer_rule(&err.kind).unwrap_or_else(|| rule_for(&err.kind));
    assert_eq!(violation.rule.id, expected.id, "rule for: {}", err.message());
    assert_eq!((violation.location.line, violation.location.seq), (err.line, err.seq), "{}", err.message());
}

pub fn inference_started(call: &str, thread: &str, turn: &str, request_payload: RawPayloadRef) -> RawPayload {
    RawPayload::InferenceStarted {
        inference_call_id: call.into(),
        thread_id: thread.into(),
        codex_turn_id: turn.into(),
        model: "gpt-test".into(),
        provider_name: "test-provider".into(),
        request_payload,
        request_input_mode: None,
    }
}

pub fn tool_started(
    tool_call_id: &str,
    model_visible_call_id: Option<&str>,
    kind: ToolCallKind,
    invocation_payload: Option<RawPayloadRef>,
) -> RawPayload {
    RawPayload::ToolCallStarted {
        tool_call_id: tool_call_id.into(),
        model_visible_call_id: model_visible_call_id.map(Into::into),
        code_mode_runtime_tool_id: None,
        requester: RawToolCallRequester::Model,
        kind,
        summary: ToolCallSummary::Generic { label: tool_call_id.into(), input_preview: None, output_preview: None },
        invocation_payload,
    }
}

pub fn code_cell_started(runtime_cell_id: &str, call_id: &str) -> RawPayload {
    RawPayload::CodeCellStarted {
        runtime_cell_id: runtime_cell_id.into(),
        model_visible_call_id: call_id.into(),
        source_js: "text('hi')".into(),
    }
}

pub fn code_cell_initial(runtime_cell_id: &str, status: CodeCellRuntimeStatus) -> RawPayload {
    RawPayload::CodeCellInitialResponse { runtime_cell_id: runtime_cell_id.into(), status, response_payload: None }
}

pub fn code_cell_ended(runtime_cell_id: &str, status: CodeCellRuntimeStatus) -> RawPayload {
    RawPayload::CodeCellEnded { runtime_cell_id: runtime_cell_id.into(), status, response_payload: None }
}

/// A request payload with these input items.
pub fn input(items: Value) -> Value {
    json!({ "model": "gpt-test", "input": items })
}

/// A response payload with these output items.
pub fn output(items: Value) -> Value {
    json!({ "response_id": "resp-1", "output_items": items })
}

pub fn message(role: &str, text: &str) -> Value {
    json!({ "type": "message", "role": role, "content": [{ "type": "input_text", "text": text }] })
}

pub fn function_call(call_id: &str, arguments: &str) -> Value {
    json!({ "type": "function_call", "name": "shell", "call_id": call_id, "arguments": arguments })
}

/// The code-mode `exec` custom tool call a code cell's start waits for.
pub fn exec_call(call_id: &str) -> Value {
    json!({ "type": "custom_tool_call", "call_id": call_id, "name": "exec", "input": "text('hi')" })
}

/// A dispatch invocation of a function tool with JSON `arguments`.
pub fn function_invocation(tool_name: &str, arguments: Value) -> Value {
    json!({ "tool_name": tool_name, "tool_namespace": null, "payload": { "type": "function", "arguments": arguments.to_string() } })
}

/// An exec begin runtime payload.
pub fn exec_begin(process_id: Option<&str>) -> Value {
    json!({ "call_id": "call-exec", "process_id": process_id, "turn_id": TURN, "command": ["echo", "hi"], "cwd": "/repo" })
}

/// An exec end runtime payload.
pub fn exec_end(process_id: Option<&str>) -> Value {
    json!({
        "call_id": "call-exec",
        "process_id": process_id,
        "stdout": "hi\n",
        "stderr": "",
        "exit_code": 0,
        "formatted_output": "hi\n",
    })
}
