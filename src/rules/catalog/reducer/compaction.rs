//! Reducer rules RC5201..: compaction requests and installed compaction checkpoints.

use super::{Rule, REDUCER};

pub static DUPLICATE_COMPACTION_REQUEST: Rule = Rule {
    id: "RC5201",
    slug: "duplicate-compaction-request",
    title: "a second `compaction_request_started` for the same request id",
    doc: "Every compaction request is started once; upstream stops with `duplicate compaction \
          request start for <id>` when the id is already known. A producer breaks this by \
          retrying a compaction request under the same id. Fix: give each attempt its own \
          compaction request id.",
    hint: "give each compaction request attempt its own id",
    ..REDUCER
};

pub static COMPACTION_REQUEST_UNKNOWN_TURN: Rule = Rule {
    id: "RC5202",
    slug: "compaction-request-unknown-turn",
    title: "a compaction request names a Codex turn that has not started",
    doc: "`compaction_request_started` names its thread and turn in the payload (the envelope is \
          not read); the thread must exist and the turn too, or upstream stops with `compaction \
          request <id> referenced unknown codex turn <turn>`. A producer breaks this by recording \
          a compaction between turns with no turn started, or before the turn's start is written. \
          Fix: start the turn first and name it in the payload.",
    hint: "write codex_turn_started before the turn's compaction requests",
    ..REDUCER
};

pub static COMPACTION_REQUEST_WRONG_THREAD: Rule = Rule {
    id: "RC5203",
    slug: "compaction-request-wrong-thread",
    title: "a compaction request pairs a thread with a turn of another thread",
    doc: "The request payload's `thread_id` must be the thread its `codex_turn_id` belongs to; \
          upstream stops with `compaction request <id> used thread <t>, but codex turn <turn> \
          belongs to <t'>`. A producer breaks this by taking the thread and the turn from two \
          different agents' contexts. Fix: take both from the same context.",
    hint: "name the thread the turn belongs to",
    ..REDUCER
};

pub static COMPACTION_COMPLETION_UNKNOWN_REQUEST: Rule = Rule {
    id: "RC5204",
    slug: "compaction-completion-unknown-request",
    title: "a compaction request completion or failure for an unknown request",
    doc: "`compaction_request_completed` and `compaction_request_failed` must name a started \
          request; upstream stops with `compaction request completion referenced unknown request \
          <id>`. A producer breaks this by writing the end before the start, or losing the start. \
          Fix: write `compaction_request_started` before the request's end.",
    hint: "write compaction_request_started before its end",
    ..REDUCER
};

pub static COMPACTION_ID_MISMATCH: Rule = Rule {
    id: "RC5205",
    slug: "compaction-id-mismatch",
    title: "a compaction request ends under another compaction id than it started with",
    doc: "A request's completion or failure must carry the `compaction_id` of its start; \
          upstream stops with `compaction request <id> completion used compaction <c>, but start \
          used <c'>`. A producer breaks this when it allocates the compaction id twice, once for \
          the start and once for the end. Fix: allocate the compaction id once and write it on \
          both events.",
    hint: "write the start's compaction_id on the request's end",
    ..REDUCER
};

pub static COMPACTION_INSTALL_WITHOUT_THREAD: Rule = Rule {
    id: "RC5206",
    slug: "compaction-install-without-thread",
    title: "`compaction_installed` without an envelope `thread_id`",
    doc: "Unlike the request events, `compaction_installed` takes its thread from the envelope; \
          upstream stops with `compaction installed event <c> did not include a thread id` when \
          it is null. A producer breaks this by writing the install from a context that has no \
          thread attached. Fix: write the install with the envelope thread whose history it \
          replaces.",
    hint: "set the envelope thread_id on compaction_installed",
    ..REDUCER
};

pub static COMPACTION_INSTALL_WITHOUT_TURN: Rule = Rule {
    id: "RC5207",
    slug: "compaction-install-without-turn",
    title: "`compaction_installed` without an envelope `codex_turn_id`",
    doc: "`compaction_installed` takes its turn from the envelope too; upstream stops with \
          `compaction installed event <c> did not include a codex turn id` when it is null. A \
          producer breaks this by installing a compaction outside of any turn (on resume, say). \
          Fix: install compactions inside a started turn and write its id in the envelope.",
    hint: "set the envelope codex_turn_id on compaction_installed",
    ..REDUCER
};

pub static DUPLICATE_COMPACTION_INSTALL: Rule = Rule {
    id: "RC5208",
    slug: "duplicate-compaction-install",
    title: "a second `compaction_installed` for the same compaction id",
    doc: "A compaction is installed once; upstream stops with `duplicate compaction install for \
          <c>` when the id is already installed. A producer breaks this by re-installing the same \
          checkpoint after a retry or on resume. Fix: install each compaction id once; a new \
          checkpoint gets a new compaction id.",
    hint: "install each compaction id once",
    ..REDUCER
};

pub static COMPACTION_INSTALL_UNKNOWN_TURN: Rule = Rule {
    id: "RC5209",
    slug: "compaction-install-unknown-turn",
    title: "`compaction_installed` in a Codex turn that has not started",
    doc: "The install's envelope thread must exist and its envelope turn too, or upstream stops \
          with `compaction install <c> referenced unknown codex turn <turn>`. A producer breaks \
          this by writing the install before the turn's `codex_turn_started`. Fix: start the turn \
          first.",
    hint: "write codex_turn_started before the install",
    ..REDUCER
};

pub static COMPACTION_INSTALL_WRONG_THREAD: Rule = Rule {
    id: "RC5210",
    slug: "compaction-install-wrong-thread",
    title: "`compaction_installed` pairs a thread with a turn of another thread",
    doc: "The install's envelope turn must belong to its envelope thread; upstream stops with \
          `compaction install <c> used thread <t>, but codex turn <turn> belongs to <t'>`. A \
          producer breaks this by filling the envelope from two contexts. Fix: take both ids from \
          the thread being compacted.",
    hint: "write the envelope turn of the envelope thread",
    ..REDUCER
};

pub static CHECKPOINT_WITHOUT_ARRAY: Rule = Rule {
    id: "RC5211",
    slug: "checkpoint-without-array",
    title: "a compaction checkpoint without array `input_history` or `replacement_history`",
    doc: "Installing a compaction reads its checkpoint payload: both `input_history` (what the \
          thread held) and `replacement_history` (what replaces it) must be arrays of model items, \
          or upstream stops with `compaction checkpoint payload <p> did not contain array <key>`. \
          A producer breaks this by recording only the summary, or null for an empty history. \
          Fix: record both histories as arrays, empty when there is nothing.",
    hint: "record input_history and replacement_history as arrays",
    ..REDUCER
};
