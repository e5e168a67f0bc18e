//! Family 6, queue draining: work the reducer queued that never resolved by the end of replay.
//! Upstream drops all of it without a word; a legal producer can leave some of it (a rollout cut
//! short, a parent that never shows a child's result), so these are warnings.

use super::{Family, Rule, Severity};

pub static CODE_CELL_NEVER_MATERIALIZED: Rule = Rule {
    id: "RC6001",
    slug: "code-cell-never-materialized",
    family: Family::Queue,
    severity: Severity::Warning,
    title: "code cell started but its `exec` custom_tool_call item never appeared",
    doc: "A `code_cell_started` waits until a `custom_tool_call` item of its thread with the same \
          `model_visible_call_id` appears in some request, response or compaction checkpoint. This rule \
          reports a start that was still waiting at the end of the log. Upstream drops the cell silently: \
          the reduced graph has no code cell, while its nested tools keep a requester naming the missing \
          cell. A producer leaves this when the inference that streamed the `exec` call failed or was \
          cancelled without a partial response payload, or when it records the cell under a call id the \
          model never used. Fix: record the partial response (with the `exec` item) on a failed or \
          cancelled inference, and start cells under the model-visible call id of their `exec` item.",
    hint: "record the response that carries the cell's `exec` custom_tool_call item",
    retired: false,
};

pub static CODE_CELL_LIFECYCLE_DROPPED: Rule = Rule {
    id: "RC6002",
    slug: "code-cell-lifecycle-dropped",
    family: Family::Queue,
    severity: Severity::Warning,
    title: "code cell initial response or end dropped with its never-materialized cell",
    doc: "A `code_cell_initial_response` or `code_cell_ended` of a cell that has not materialized yet \
          waits beside the cell's queued start and is applied when the cell appears. This rule reports \
          each such event still waiting at the end of the log: upstream discards it with the start, so \
          the cell's status and timing are lost although the runtime reported them. It always comes \
          with `code-cell-never-materialized` on the cell's start; fixing that (recording the \
          response that carries the `exec` item) fixes this.",
    hint: "record the response that carries the cell's `exec` custom_tool_call item",
    retired: false,
};

pub static SPAWNED_CHILD_NEVER_STARTED: Rule = Rule {
    id: "RC6003",
    slug: "spawned-child-never-started",
    family: Family::Queue,
    severity: Severity::Warning,
    title: "spawn_agent names a child thread that never started",
    doc: "A spawn edge waits for the child's first model-visible item and, at the end of replay, falls \
          back to the child thread itself. This rule reports a spawn whose child thread has no \
          `thread_started` in the log, so the edge has no target at all and upstream drops it: the \
          reduced graph does not show that the spawn happened. A producer leaves this when the child \
          failed to start, or when the child's events went to another bundle. Fix: record the child's \
          `thread_started` in the same bundle as the spawn, or leave the spawn's runtime end without a \
          `new_thread_id` when no child was created.",
    hint: "record the child's thread_started in the same bundle as the spawn",
    retired: false,
};

pub static MESSAGE_TARGET_NEVER_STARTED: Rule = Rule {
    id: "RC6004",
    slug: "message-target-never-started",
    family: Family::Queue,
    severity: Severity::Warning,
    title: "task, message or agent result addressed to a thread that never started",
    doc: "An assign_agent_task, send_message or agent result edge waits until its recipient thread shows \
          the message. This rule reports an edge whose recipient thread has no `thread_started` in the \
          log: it can never be delivered and upstream drops it at the end of replay, so the reduced \
          graph loses the interaction. A producer leaves this when it records an interaction with a \
          thread whose events are written to another bundle, or names the recipient by a wrong id. \
          Fix: keep every thread an interaction names in the same bundle, under the id its \
          `thread_started` uses.",
    hint: "record the recipient's thread_started in the same bundle, under the same id",
    retired: false,
};

pub static MESSAGE_NEVER_DELIVERED: Rule = Rule {
    id: "RC6005",
    slug: "message-never-delivered",
    family: Family::Queue,
    severity: Severity::Warning,
    title: "task or message never shown by its recipient thread",
    doc: "An assign_agent_task or send_message edge is delivered when the recipient thread shows an \
          inter-agent message with the sender's agent path and the same content in a later request. \
          This rule reports an edge whose recipient started but never showed such a message: upstream \
          drops the edge at the end of replay and the reduced graph does not show the interaction. A \
          producer leaves this when the rollout ends before the recipient's next request, or when the \
          content the recipient sees differs from the prompt the sender's runtime payload carries. Fix: \
          record the recipient's request that carries the message, with the same author and content.",
    hint: "record the recipient's request that shows the message, with the same author and content",
    retired: false,
};

pub static AGENT_RESULT_NEVER_SHOWN: Rule = Rule {
    id: "RC6006",
    slug: "agent-result-never-shown",
    family: Family::Queue,
    severity: Severity::Warning,
    title: "agent result never shown to the parent thread",
    doc: "An `agent_result_observed` edge is delivered when the parent thread shows the child's result \
          notification in a later request. This rule reports a result the parent never showed: upstream \
          drops the edge at the end of replay. A legal producer leaves this when the parent finishes \
          without another request after the child reports, or when the parent was interrupted; it is a \
          warning so a reader knows the result is not in the graph. Fix, when the parent did read the \
          result: record the parent's request that carries the notification.",
    hint: "record the parent's request that carries the child's result notification",
    retired: false,
};

pub static COMPACTION_REPLACEMENT_UNCONSUMED: Rule = Rule {
    id: "RC6007",
    slug: "compaction-replacement-unconsumed",
    family: Family::Queue,
    severity: Severity::Warning,
    title: "compaction installed but no later full request showed the history it kept",
    doc: "An installed compaction's replacement items are compared against the thread's next full \
          inference request, which shows which of them the model kept. This rule reports a thread \
          whose last installed compaction was never followed by a full request: upstream forgets the \
          replacement at the end of replay, so nothing shows how the compacted history was used. A \
          producer leaves this when the rollout ends right after a compaction, or when every later \
          request is incremental. Fix: none is needed for a rollout that ended; otherwise record the \
          first request after a compaction in full mode.",
    hint: "record the first request after a compaction as a full request",
    retired: false,
};

pub static QUEUE_RULES: [&Rule; 7] = [
    &CODE_CELL_NEVER_MATERIALIZED,
    &CODE_CELL_LIFECYCLE_DROPPED,
    &SPAWNED_CHILD_NEVER_STARTED,
    &MESSAGE_TARGET_NEVER_STARTED,
    &MESSAGE_NEVER_DELIVERED,
    &AGENT_RESULT_NEVER_SHOWN,
    &COMPACTION_REPLACEMENT_UNCONSUMED,
];
