//! Reducer rules RC5001..: events the reducer cannot dispatch, threads and Codex turns.

use super::{Rule, REDUCER};

pub static OTHER_EVENT: Rule = Rule {
    id: "RC5001",
    slug: "other-event",
    title: "an `other` event, which the reducer has no handler for",
    doc: "Upstream's raw event type has an `other` variant that the writer can record, but the \
          reducer has no implementation for it: replay stops at the first such line with `raw trace \
          event has no reducer implementation`. A producer writes it when it records an event kind \
          that has no variant of its own yet. Fix: emit one of the typed event variants instead, or \
          leave the event out of `trace.jsonl` until the format has a variant for it.",
    hint: "emit a typed event variant instead of `other`",
    ..REDUCER
};

pub static DUPLICATE_THREAD_START: Rule = Rule {
    id: "RC5002",
    slug: "duplicate-thread-start",
    title: "a second `thread_started` for the same thread id",
    doc: "A thread is created by exactly one `thread_started`; upstream stops with `duplicate \
          thread start for <t>` when the id is already known. A producer breaks this when it \
          re-announces a thread on resume or reconnect, or when two writers share one bundle. Fix: \
          write `thread_started` once per thread id, when the thread is first created.",
    hint: "write thread_started once per thread id",
    ..REDUCER
};

pub static THREAD_METADATA_INVALID: Rule = Rule {
    id: "RC5003",
    slug: "thread-metadata-invalid",
    title: "a thread's metadata payload is not the expected object",
    doc: "When `thread_started` names a `metadata_payload`, upstream reads it as an object whose \
          `agent_path`, `task_name`, `nickname`, `agent_role` and `model` are strings when present \
          (other keys are ignored); anything else stops replay with `parse thread metadata <p>`. A \
          producer breaks this by writing a non-object, or a number or object where one of those \
          strings belongs (a model config instead of a model name, say). Fix: write the session \
          metadata as an object with those five fields as strings or absent.",
    hint: "make the metadata an object whose five named fields are strings",
    ..REDUCER
};

pub static UNKNOWN_THREAD: Rule = Rule {
    id: "RC5004",
    slug: "unknown-thread",
    title: "an event names a thread that has not started",
    doc: "`thread_ended`, `codex_turn_started`, compaction requests and installs, and the agent \
          paths the reducer looks up all need the thread to exist; upstream stops with `trace event \
          referenced unknown thread <t>`. The reducer reads events in file order, so a producer \
          breaks this when it writes an event before its thread's `thread_started` (a child \
          thread's events flushed before the parent recorded the spawn), or names a thread of \
          another rollout. Fix: write `thread_started` before any event of that thread.",
    hint: "write thread_started before any event of the thread",
    ..REDUCER
};

pub static DUPLICATE_TURN_START: Rule = Rule {
    id: "RC5005",
    slug: "duplicate-turn-start",
    title: "a second `codex_turn_started` for the same turn id",
    doc: "A Codex turn is created by exactly one `codex_turn_started`; upstream stops with \
          `duplicate codex turn start for <turn>` when the id is already known, even in another \
          thread. A producer breaks this by reusing turn ids across threads or re-announcing a \
          turn after a retry. Fix: give every turn a rollout-unique id and start it once.",
    hint: "start every turn once, with a rollout-unique id",
    ..REDUCER
};

pub static TURN_END_WRONG_THREAD: Rule = Rule {
    id: "RC5006",
    slug: "turn-end-wrong-thread",
    title: "`codex_turn_ended` in a thread the turn does not belong to",
    doc: "When `codex_turn_ended` carries an envelope `thread_id`, upstream checks that the turn \
          was started in that thread and stops with `codex turn end for <turn> used thread <t>, \
          but the turn belongs to <t'>` otherwise. A producer breaks this when it fills the \
          envelope from the wrong context, e.g. ends a child's turn with the parent's thread id. \
          Fix: write the end with the thread the turn was started in, or no envelope thread.",
    hint: "end the turn in the thread it was started in",
    ..REDUCER
};

pub static TURN_END_UNKNOWN_TURN: Rule = Rule {
    id: "RC5007",
    slug: "turn-end-unknown-turn",
    title: "`codex_turn_ended` for a turn that never started",
    doc: "Upstream ends only turns it knows and stops with `codex turn end referenced unknown turn \
          <turn>` otherwise. A producer breaks this when the turn's start was never written (a \
          turn aborted before it was recorded, a log truncated at the front) or when the end \
          names the turn by another id. Fix: write `codex_turn_started` before any end of that \
          turn, with the same id.",
    hint: "write codex_turn_started before its end, with the same id",
    ..REDUCER
};
