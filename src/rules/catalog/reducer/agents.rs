//! Reducer rules RC5501..: collab payloads of the agent tools and the interaction edges between
//! agents.

use super::{Rule, REDUCER};

pub static COLLAB_PAYLOAD_INVALID: Rule = Rule {
    id: "RC5501",
    slug: "collab-payload-invalid",
    title: "a collab or sub-agent activity payload its typed shape rejects",
    doc: "Agent tools' runtime payloads are parsed into typed shapes: the begin and end of \
          assign_agent_task, send_message, spawn_agent and close_agent, and (for a runtime end of \
          any tool kind that has a top-level `agent_thread_id`) a sub-agent activity. Missing \
          required fields, thread ids that are not UUIDs, an invalid `agent_path`, an empty \
          `reasoning_effort` or an unknown `status` or activity `kind` stop upstream with the bare \
          serde message (such as missing field `prompt`), with no context. A producer breaks this by \
          recording thread ids that are not UUIDs, or an older payload shape. Fix: record the \
          collab events as the runtime emits them, with UUID thread ids.",
    hint: "record collab payloads in their typed shape, with UUID thread ids",
    ..REDUCER
};

pub static ACTIVITY_KIND_MISMATCH: Rule = Rule {
    id: "RC5502",
    slug: "activity-kind-mismatch",
    title: "a sub-agent activity that does not fit its tool's kind",
    doc: "A sub-agent activity is accepted only as (spawn_agent, started), (assign_agent_task, \
          interacted), (send_message, interacted) or (close_agent, interrupted); upstream stops \
          with `sub-agent activity <Kind> does not match tool call kind <ToolCallKind>` for any \
          other pair, including an activity on a non-agent tool. A producer breaks this by \
          attaching an activity to the wrong tool call. Fix: report each activity on the agent \
          tool call that caused it.",
    hint: "report activities on the agent tool that caused them",
    ..REDUCER
};

pub static ACTIVITY_MISSING_INVOCATION: Rule = Rule {
    id: "RC5503",
    slug: "activity-missing-invocation",
    title: "a message activity for a tool call without an invocation payload",
    doc: "For an interacted activity the edge's message is read from the tool's invocation \
          arguments; upstream stops with `agent activity tool call <id> missing invocation \
          payload` when the tool started without one. A producer breaks this by leaving the \
          invocation payload off assign_agent_task or send_message starts. Fix: record the \
          invocation payload on every agent tool start.",
    hint: "record the invocation payload on agent tool starts",
    ..REDUCER
};

pub static ACTIVITY_UNREGISTERED_INVOCATION: Rule = Rule {
    id: "RC5504",
    slug: "activity-unregistered-invocation",
    title: "a message activity whose tool's invocation payload is not registered",
    doc: "Upstream would stop with `agent activity tool call <tool> referenced missing invocation \
          payload <p>` when the tool's invocation payload id is not among the payloads the replay \
          has seen. No bundle is known to reach it: the invocation ref is registered before the \
          tool start is handled, and registered payloads are never forgotten. Should it fire, the \
          fix is that of RC5503.",
    hint: "record the invocation payload on agent tool starts",
    ..REDUCER
};

pub static ACTIVITY_MISSING_ARGUMENTS: Rule = Rule {
    id: "RC5505",
    slug: "activity-missing-arguments",
    title: "a message activity whose tool invocation has no string function arguments",
    doc: "The invocation payload of a tool with an interacted activity must hold \
          `payload.arguments` as a string; upstream stops with `agent activity tool call <id> \
          missing function arguments`. A producer breaks this by recording the arguments parsed, \
          or a non-function payload. Fix: record the arguments as the JSON string the model sent.",
    hint: "record the invocation arguments as a JSON string",
    ..REDUCER
};

pub static ACTIVITY_ARGUMENTS_INVALID: Rule = Rule {
    id: "RC5506",
    slug: "activity-arguments-invalid",
    title: "a message activity whose tool arguments carry no string `message`",
    doc: "The arguments of a tool with an interacted activity must parse as a JSON object with a \
          string `message`, which becomes the edge's content; upstream stops with `parse agent \
          activity tool call <id> arguments` otherwise. A producer breaks this by truncating the \
          arguments or naming the field otherwise. Fix: record the complete arguments with their \
          `message`.",
    hint: "record the complete arguments with a string message",
    ..REDUCER
};

pub static AGENT_EDGE_UNKNOWN_THREAD: Rule = Rule {
    id: "RC5507",
    slug: "agent-edge-unknown-thread",
    title: "an agent edge whose author thread has not started",
    doc: "An interaction edge's author is the agent path of a thread: the agent tool's thread, or \
          for `agent_result_observed` the `child_thread_id`; upstream stops with `agent edge \
          referenced unknown thread <t>` when that thread is unknown. A producer breaks this by \
          writing a child's result before the child's `thread_started`, or naming the child by \
          another id than its thread id. Fix: start the child thread first and name it by its \
          thread id.",
    hint: "write the author thread's thread_started first",
    ..REDUCER
};

pub static AGENT_EDGE_UNKNOWN_TOOL_CALL: Rule = Rule {
    id: "RC5508",
    slug: "agent-edge-unknown-tool-call",
    title: "an agent edge built for a tool call that does not exist",
    doc: "Building an edge from an agent tool looks the tool call up again; upstream keeps `agent \
          edge referenced unknown tool call <id>` as an internal invariant. No bundle is known to \
          reach it: the events that build edges have already checked the tool exists (RC5412, \
          RC5413). Should it fire, a reducer lost a tool call; a producer can only write the tool \
          start first.",
    hint: "report the reducer: no bundle should reach this",
    ..REDUCER
};

pub static PENDING_EDGE_CONFLICT: Rule = Rule {
    id: "RC5509",
    slug: "pending-edge-conflict",
    title: "one pending interaction edge seen twice with different delivery data",
    doc: "An edge waiting for its delivery (the message item in the target thread) may be \
          reported again, by a begin and then an end; upstream merges the two only if kind, \
          source, target thread, author, content and spawn fallback are equal, and stops with \
          `pending interaction edge <id> was observed with conflicting delivery data` otherwise. \
          A producer breaks this when the begin and end of one tool call carry different prompts \
          or receivers, or two `agent_result_observed` share an `edge_id`. Fix: report the same \
          delivery on both ends, and give every agent result its own edge id.",
    hint: "report the same delivery at begin and end",
    ..REDUCER
};

pub static EDGE_ENDPOINT_CONFLICT: Rule = Rule {
    id: "RC5510",
    slug: "edge-endpoint-conflict",
    title: "one interaction edge materialized twice with different endpoints",
    doc: "A materialized edge seen again must keep its kind, source and target; upstream stops \
          with `interaction edge <id> was observed with conflicting endpoints` otherwise. A \
          producer breaks this when the begin and end of one close_agent call name different \
          receivers, or when a message is delivered twice: a late runtime end re-queues an edge \
          already delivered, and a second identical message item then resolves it elsewhere. Fix: \
          report the same receiver at both ends of a tool call and deliver each message once.",
    hint: "report the same receiver at both ends of an agent tool call",
    ..REDUCER
};

pub static NON_SPAWN_FALLBACK: Rule = Rule {
    id: "RC5511",
    slug: "non-spawn-fallback",
    title: "a non-spawn pending edge carries a spawn fallback",
    doc: "At the end of replay, pending spawn edges fall back to the child thread; upstream stops \
          with `non-spawn interaction edge <id> carried a spawn fallback target` if an edge of \
          another kind carries such a fallback. No bundle is known to reach it: only spawn \
          producers set a fallback. Should it fire, a reducer built a wrong edge; there is no \
          producer fix.",
    hint: "report the reducer: no bundle should reach this",
    ..REDUCER
};
