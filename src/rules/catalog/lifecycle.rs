//! Family 4, lifecycle: starts and ends of threads, turns, inferences, tools, code cells and
//! compaction requests, in file order.

use super::{Family, Rule, Severity};

pub static DUPLICATE_START: Rule = Rule {
    id: "RC4001",
    slug: "duplicate-start",
    family: Family::Lifecycle,
    severity: Severity::Error,
    title: "one id is started twice",
    doc: "A thread, turn, inference call, tool call, code cell (by thread and runtime cell id) or \
          compaction request starts once. Upstream rejects a second start of most of them \
          (`duplicate ... start for <id>`) and the whole bundle with it. A producer breaks this by \
          re-emitting a start on resume or retry, or by reusing an id for a new attempt. Fix: give \
          every attempt a fresh id and never re-emit a start.",
    hint: "give every attempt a fresh id; never re-emit a start",
    retired: false,
};

pub static END_WITHOUT_START: Rule = Rule {
    id: "RC4002",
    slug: "end-without-start",
    family: Family::Lifecycle,
    severity: Severity::Error,
    title: "an end names an id that was never started before it",
    doc: "Every end (`thread_ended`, `codex_turn_ended`, an inference completion, `tool_call_ended`, \
          `code_cell_ended`, a compaction completion) follows the start of its id. Upstream rejects \
          an end of an unknown id. A producer breaks this by writing the end before the start from \
          two threads without a lock, or by losing the start. Fix: append the start before any \
          work that can end it.",
    hint: "append the start before anything that can end it",
    retired: false,
};

pub static DUPLICATE_END: Rule = Rule {
    id: "RC4003",
    slug: "duplicate-end",
    family: Family::Lifecycle,
    severity: Severity::Warning,
    title: "one id is ended twice",
    doc: "Each started thread, turn, inference call, tool call, code cell or compaction request ends \
          once. Upstream accepts a second end (the last end time or status usually wins; a second \
          inference completion reduces its payload again), hence a warning, but the reduced graph \
          then depends on which end came last. A producer breaks this by ending from both a normal \
          path and a cleanup path. Fix: end each id exactly once.",
    hint: "end each id exactly once",
    retired: false,
};

pub static NEVER_ENDED: Rule = Rule {
    id: "RC4004",
    slug: "never-ended",
    family: Family::Lifecycle,
    severity: Severity::Warning,
    title: "the rollout ended while something it started never ended",
    doc: "Once `rollout_ended` is written the rollout is over, so every thread, turn, inference call \
          (completed, failed or cancelled, or closed by its turn's end), tool call \
          (`tool_call_ended`) and code cell (`code_cell_ended`, or terminated by its turn) it \
          started should have ended; one that did not stays `running` in the reduced graph. Only \
          checked when the log has a `rollout_ended`: a bundle still being written has open work. \
          A warning, not an error: upstream's own writer test ends the rollout without ending its \
          root thread. Fix: end everything on the shutdown path.",
    hint: "end every thread, turn, inference, tool and code cell before rollout_ended",
    retired: false,
};

pub static EVENT_AFTER_THREAD_ENDED: Rule = Rule {
    id: "RC4005",
    slug: "event-after-thread-ended",
    family: Family::Lifecycle,
    severity: Severity::Error,
    title: "an event of a thread follows its thread_ended",
    doc: "After `thread_ended` a thread writes nothing more: no event whose envelope `thread_id` or \
          payload `thread_id` is that thread. Upstream reduces such events anyway, attaching work to \
          a thread already marked ended. A producer breaks this when a runtime callback fires after \
          the thread shut down. Fix: drain the thread's callbacks before ending it.",
    hint: "drain a thread's callbacks before its thread_ended",
    retired: false,
};

pub static CONTEXT_MISMATCH: Rule = Rule {
    id: "RC4006",
    slug: "context-mismatch",
    family: Family::Lifecycle,
    severity: Severity::Error,
    title: "an event's envelope thread or turn disagrees with its payload",
    doc: "Where an event carries a thread or turn id both in its envelope and in its payload, the two \
          agree. Upstream reads the envelope for some events and the payload for others, so a \
          disagreement attaches the event to different threads depending on the handler. A producer \
          breaks this by writing the envelope from the current thread while the payload names \
          another. Fix: fill both from the same context.",
    hint: "fill envelope and payload thread and turn ids from the same context",
    retired: false,
};

pub static LIFECYCLE_RULES: [&Rule; 6] =
    [&DUPLICATE_START, &END_WITHOUT_START, &DUPLICATE_END, &NEVER_ENDED, &EVENT_AFTER_THREAD_ENDED, &CONTEXT_MISMATCH];
