//! Reducer rules RC5401..: tool calls, their runtime and end events, `wait` calls and MCP
//! correlation.

use super::{Rule, REDUCER};

pub static DUPLICATE_TOOL_CALL_START: Rule = Rule {
    id: "RC5401",
    slug: "duplicate-tool-call-start",
    title: "a second `tool_call_started` for the same tool call id",
    doc: "Every tool call is started once; upstream stops with `duplicate tool call start for \
          <id>` when the id is already known. A producer breaks this by re-announcing a tool call \
          on approval or retry. Fix: start each tool call id once and record retries as new tool \
          calls.",
    hint: "start each tool call id once",
    ..REDUCER
};

pub static DUPLICATE_MODEL_VISIBLE_CALL: Rule = Rule {
    id: "RC5402",
    slug: "duplicate-model-visible-call",
    title: "two tool calls for one model-visible call id",
    doc: "A model-visible call id (the `call_id` the model saw) belongs to one tool call in the \
          whole rollout; upstream stops with `duplicate tool call for model-visible call id <c>` \
          when another tool call already carries it. A producer breaks this by starting a second \
          tool for one model call (a retry, or a handler that dispatches twice), or by reusing \
          call ids across threads. Fix: give one tool call per model-visible call id; internal \
          follow-ups get no model-visible id.",
    hint: "one tool call per model-visible call id",
    ..REDUCER
};

pub static MULTIPLE_TOOL_CALLS_MATCHED: Rule = Rule {
    id: "RC5403",
    slug: "multiple-tool-calls-matched",
    title: "several tool calls share one model-visible call id",
    doc: "Looking up the tool of a model-visible call id, upstream stops with `multiple tool calls \
          matched model-visible call id <c>` when two or more tools carry it. No bundle is known \
          to reach it: `tool_call_started` already refuses a second tool with the same id (RC5402), \
          so two tools never share one. Should it fire, the producer fix is that of RC5402.",
    hint: "one tool call per model-visible call id",
    ..REDUCER
};

pub static TOOL_START_WITHOUT_CONTEXT: Rule = Rule {
    id: "RC5404",
    slug: "tool-start-without-context",
    title: "`tool_call_started` with neither an envelope thread nor an envelope turn",
    doc: "A tool call takes its thread from the envelope, or through the envelope turn; with \
          neither upstream stops with `tool call start did not include thread or Codex turn \
          context`. A producer breaks this by recording tools started from a context with no \
          session attached (a background task, a nested runtime). Fix: write the tool start with \
          the thread and turn that requested it.",
    hint: "write tool_call_started with its envelope thread and turn",
    ..REDUCER
};

pub static TOOL_START_UNKNOWN_TURN: Rule = Rule {
    id: "RC5405",
    slug: "tool-start-unknown-turn",
    title: "`tool_call_started` with an envelope turn that has not started",
    doc: "When the tool start carries an envelope turn, it must exist; upstream stops with `tool \
          call start referenced unknown Codex turn <turn>`. A producer breaks this by writing the \
          tool start before its turn's start, or with a turn id of another rollout. Fix: start \
          the turn first.",
    hint: "write codex_turn_started before the turn's tools",
    ..REDUCER
};

pub static TOOL_START_UNKNOWN_THREAD: Rule = Rule {
    id: "RC5406",
    slug: "tool-start-unknown-thread",
    title: "`tool_call_started` in a thread that has not started",
    doc: "The tool's envelope thread must exist; upstream stops with `tool call start referenced \
          unknown thread <t>`. A producer breaks this by writing a sub-agent's tool calls before \
          its `thread_started`. Fix: start the thread first.",
    hint: "write thread_started before the thread's tools",
    ..REDUCER
};

pub static TOOL_START_WRONG_THREAD: Rule = Rule {
    id: "RC5407",
    slug: "tool-start-wrong-thread",
    title: "`tool_call_started` pairs a thread with a turn of another thread",
    doc: "A tool start's envelope turn must belong to its envelope thread; upstream stops with \
          `tool call start used thread <t>, but Codex turn <turn> belongs to <t'>`. A producer \
          breaks this when a tool run on behalf of a sub-agent is recorded with the parent's turn. \
          Fix: take the thread and turn from the same context.",
    hint: "write the envelope turn of the envelope thread",
    ..REDUCER
};

pub static NESTED_TOOL_UNKNOWN_RUNTIME_CELL: Rule = Rule {
    id: "RC5408",
    slug: "nested-tool-unknown-runtime-cell",
    title: "a tool requested by a code cell whose runtime id was never started",
    doc: "A tool whose requester is `code_cell` names the runtime cell that called it; upstream \
          resolves it through the runtime ids recorded by `code_cell_started` in the same thread \
          and stops with `code-mode nested tool referenced unknown runtime cell <r> in thread <t>`. \
          A queued (not yet materialized) cell is fine. A producer breaks this by writing the \
          nested tool before the cell's start, or under another thread. Fix: write \
          `code_cell_started` before the tools the cell calls.",
    hint: "write code_cell_started before its nested tools",
    ..REDUCER
};

pub static WAIT_WITHOUT_ARGUMENTS: Rule = Rule {
    id: "RC5409",
    slug: "wait-without-arguments",
    title: "a `wait` tool invocation without string function arguments",
    doc: "Every tool's invocation payload is read; when its `tool_name` is `wait`, upstream links \
          the wait to a code cell and needs `payload.arguments` as a string, stopping with `wait \
          tool request payload <p> did not contain function arguments` otherwise. A producer \
          breaks this by recording the arguments already parsed (an object) or not at all. Fix: \
          record the invocation's arguments as the JSON string the model sent.",
    hint: "record wait arguments as a JSON string",
    ..REDUCER
};

pub static WAIT_INVALID_ARGUMENTS: Rule = Rule {
    id: "RC5410",
    slug: "wait-invalid-arguments",
    title: "a `wait` tool invocation whose arguments are not JSON",
    doc: "The `wait` invocation's `payload.arguments` string must parse as JSON; upstream stops \
          with `wait tool request payload <p> had invalid JSON arguments`. A producer breaks this \
          by truncating the arguments or recording a streamed fragment. Fix: record the complete \
          arguments string.",
    hint: "record the complete wait arguments",
    ..REDUCER
};

pub static WAIT_WITHOUT_CELL_ID: Rule = Rule {
    id: "RC5411",
    slug: "wait-without-cell-id",
    title: "a `wait` tool invocation without a string `cell_id`",
    doc: "The parsed `wait` arguments must carry the awaited cell as a string `cell_id`; upstream \
          stops with `wait tool request payload <p> did not contain cell_id` (a number is not \
          enough). A producer breaks this by naming the tool `wait` for something that is not a \
          code cell wait, or by sending the cell id as a number. Fix: send `cell_id` as a string, \
          or give other tools another name.",
    hint: "give wait a string cell_id",
    ..REDUCER
};

pub static RUNTIME_START_UNKNOWN_CALL: Rule = Rule {
    id: "RC5412",
    slug: "runtime-start-unknown-call",
    title: "`tool_call_runtime_started` for a tool call never started",
    doc: "Upstream attaches runtime begins to a known tool call and stops with `tool runtime start \
          referenced unknown call <id>` otherwise. A producer breaks this when the runtime \
          (sandbox, exec server) reports before the tool start is written, or names the call by its \
          model-visible id instead of the tool call id. Fix: write `tool_call_started` first and \
          use its `tool_call_id`.",
    hint: "write tool_call_started first and use its tool_call_id",
    ..REDUCER
};

pub static RUNTIME_END_UNKNOWN_CALL: Rule = Rule {
    id: "RC5413",
    slug: "runtime-end-unknown-call",
    title: "`tool_call_runtime_ended` for a tool call never started",
    doc: "Upstream attaches runtime ends to a known tool call and stops with `tool runtime end \
          referenced unknown call <id>` otherwise. A producer breaks this in the same ways as \
          RC5412: the end is written before the tool start, or under another id. Fix: write \
          `tool_call_started` first and use its `tool_call_id`.",
    hint: "write tool_call_started first and use its tool_call_id",
    ..REDUCER
};

pub static TOOL_END_UNKNOWN_CALL: Rule = Rule {
    id: "RC5414",
    slug: "tool-end-unknown-call",
    title: "`tool_call_ended` for a tool call never started",
    doc: "Upstream ends only known tool calls and stops with `tool call end referenced unknown \
          call <id>` otherwise. A producer breaks this by writing the end of a tool whose start \
          was dropped (a tool refused before it was recorded), or under another id. Fix: write \
          `tool_call_started` before its end, or no end at all.",
    hint: "write tool_call_started before its end",
    ..REDUCER
};

pub static MCP_UNKNOWN_TOOL_CALL: Rule = Rule {
    id: "RC5421",
    slug: "mcp-unknown-tool-call",
    title: "an MCP correlation for a tool call never started",
    doc: "`mcp_tool_call_correlation_assigned` sets the MCP call id of a known tool call; \
          upstream stops with `MCP correlation referenced unknown tool call <id>` otherwise. A \
          producer breaks this by writing the correlation as soon as the MCP client assigns it, \
          before the tool start is recorded. Fix: write `tool_call_started` first.",
    hint: "write tool_call_started before its MCP correlation",
    ..REDUCER
};

pub static DUPLICATE_MCP_CORRELATION: Rule = Rule {
    id: "RC5422",
    slug: "duplicate-mcp-correlation",
    title: "a second MCP correlation for the same tool call",
    doc: "A tool call gets one MCP call id; upstream stops with `duplicate MCP correlation for \
          tool call <id>` on a second `mcp_tool_call_correlation_assigned`, even with the same \
          value. A producer breaks this by recording the correlation again on a retried MCP \
          request. Fix: write the correlation once per tool call.",
    hint: "write one MCP correlation per tool call",
    ..REDUCER
};
