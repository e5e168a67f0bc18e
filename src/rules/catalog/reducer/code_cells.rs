//! Reducer rules RC5301..: code-mode cells, their runtime ids and the start queue.

use super::{Rule, REDUCER};

pub static CODE_CELL_WITHOUT_THREAD: Rule = Rule {
    id: "RC5301",
    slug: "code-cell-without-thread",
    title: "a code cell event with neither an envelope thread nor an envelope turn",
    doc: "Code cell events (`code_cell_started`, `code_cell_initial_response`, \
          `code_cell_ended`) find their thread in the envelope, or through the envelope turn; \
          with neither upstream stops with `<event> <runtime cell> did not include a thread id`. \
          A producer breaks this by writing code cell events from the JavaScript runtime's \
          context, which knows no thread. Fix: write them with the thread (and turn) of the cell's \
          `exec` call.",
    hint: "write code cell events with the envelope thread of their call",
    ..REDUCER
};

pub static CODE_CELL_UNKNOWN_ENVELOPE_TURN: Rule = Rule {
    id: "RC5302",
    slug: "code-cell-unknown-envelope-turn",
    title: "a code cell event without a thread whose envelope turn is unknown",
    doc: "A code cell event with no envelope thread takes the thread of its envelope turn; \
          upstream stops with `<event> <runtime cell> referenced unknown Codex turn <turn>` when \
          that turn has not started. A producer breaks this by writing a cell event before its \
          turn's start, or with a stale turn id. Fix: write the envelope thread, or a turn that \
          has started.",
    hint: "write the envelope thread, or a started turn",
    ..REDUCER
};

pub static RUNTIME_CELL_REMAPPED: Rule = Rule {
    id: "RC5303",
    slug: "runtime-cell-remapped",
    title: "one runtime cell id mapped to two code cells in a thread",
    doc: "`code_cell_started` maps its `runtime_cell_id` to `code_cell:<model_visible_call_id>` \
          within its thread; mapping the same runtime id to another call stops upstream with \
          `runtime code cell <r> in thread <t> mapped to both <a> and <b>`. A producer breaks \
          this when its runtime restarts and numbers cells from 1 again within the same thread. \
          Fix: keep runtime cell ids unique per thread for the whole rollout.",
    hint: "keep runtime cell ids unique within a thread",
    ..REDUCER
};

pub static DUPLICATE_CODE_CELL_START: Rule = Rule {
    id: "RC5304",
    slug: "duplicate-code-cell-start",
    title: "a second `code_cell_started` for the same model-visible call",
    doc: "A code cell is named after its `exec` call (`code_cell:<call id>`) and started once; \
          upstream stops with `duplicate code cell start for <id>` when that cell is already \
          materialized or already waiting in the start queue. A producer breaks this by starting \
          two runtime cells for one model call, or re-recording a start on retry. Fix: write one \
          start per `exec` call.",
    hint: "write one code_cell_started per exec call",
    ..REDUCER
};

pub static CODE_CELL_START_WITHOUT_TURN: Rule = Rule {
    id: "RC5305",
    slug: "code-cell-start-without-turn",
    title: "a code cell start without an envelope turn",
    doc: "When the cell's `custom_tool_call` item is seen (at once or later, from the start \
          queue), upstream materializes the cell from the start event and needs its envelope \
          `codex_turn_id`: it stops with `code cell start <id> did not include a Codex turn id`. \
          A producer breaks this by writing the start with the thread only. Fix: write the start \
          with the envelope turn of its `exec` call.",
    hint: "write code_cell_started with its envelope turn",
    ..REDUCER
};

pub static CODE_CELL_START_UNKNOWN_THREAD: Rule = Rule {
    id: "RC5306",
    slug: "code-cell-start-unknown-thread",
    title: "a code cell start materialized in an unknown thread",
    doc: "Materializing a code cell checks that the start's thread exists, and upstream would stop \
          with `code cell start referenced unknown thread <t>`. No bundle is known to reach it: a \
          start materializes only once a `custom_tool_call` item exists in its thread, and items \
          only exist in known threads. Should it fire, a reducer let an item into an unknown \
          thread; the producer fix is the one for RC5004 (start the thread first).",
    hint: "write thread_started before any event of the thread",
    ..REDUCER
};

pub static CODE_CELL_START_UNKNOWN_TURN: Rule = Rule {
    id: "RC5307",
    slug: "code-cell-start-unknown-turn",
    title: "a code cell start whose envelope turn has not started",
    doc: "Materializing the cell needs its envelope turn to exist; upstream stops with `code cell \
          start referenced unknown Codex turn <turn>`. Because starts may wait in a queue until \
          their `custom_tool_call` item appears, the failure can surface at a later event (the \
          request that shows the item). A producer breaks this by writing a turn id that is never \
          started, or starting it only after the item is seen. Fix: start the turn before its \
          code cells.",
    hint: "start the turn before its code cells",
    ..REDUCER
};

pub static CODE_CELL_START_WRONG_THREAD: Rule = Rule {
    id: "RC5308",
    slug: "code-cell-start-wrong-thread",
    title: "a code cell start pairs a thread with a turn of another thread",
    doc: "The start's envelope turn must belong to its thread; upstream stops with `code cell \
          start used thread <t>, but Codex turn <turn> belongs to <t'>` when the cell is \
          materialized. A producer breaks this when a nested agent's runtime reports under the \
          parent's turn. Fix: write the start with the thread and turn of its `exec` call.",
    hint: "write the thread and turn of the exec call",
    ..REDUCER
};

pub static UNKNOWN_RUNTIME_CELL: Rule = Rule {
    id: "RC5309",
    slug: "unknown-runtime-cell",
    title: "a code cell initial response or end for a runtime cell never started",
    doc: "`code_cell_initial_response` and `code_cell_ended` find their cell by `(thread, \
          runtime_cell_id)`; upstream stops with `<event> referenced unknown runtime cell <r> in \
          thread <t>` when no start recorded that pair. A producer breaks this by writing the \
          runtime's reply before the start (two tasks racing on the log), losing the start, or \
          reporting the cell in another thread. Fix: write `code_cell_started` first, in the same \
          thread.",
    hint: "write code_cell_started first, in the same thread",
    ..REDUCER
};

pub static CODE_CELL_UNKNOWN_CELL: Rule = Rule {
    id: "RC5310",
    slug: "code-cell-unknown-cell",
    title: "a code cell event for a runtime id whose cell is neither materialized nor queued",
    doc: "After finding the cell by runtime id, upstream queues the event if the start is still \
          queued, and stops with `code cell initial response referenced unknown cell <id>` or \
          `code cell end referenced unknown cell <id>` if the cell is nowhere. No bundle is known \
          to reach it: the runtime index only names cells that are queued or materialized, and a \
          queued start leaves the queue only by materializing. Should it fire, the fix is that of \
          RC5309.",
    hint: "write code_cell_started first, in the same thread",
    ..REDUCER
};

pub static CODE_CELL_WITHOUT_SOURCE_ITEM: Rule = Rule {
    id: "RC5311",
    slug: "code-cell-without-source-item",
    title: "a code cell materialized without its `custom_tool_call` item",
    doc: "A code cell materializes only once its `custom_tool_call` item is in the conversation, \
          and then links that item as its source; upstream keeps the check `code cell <id> \
          referenced model-visible call <c>, but no custom tool call item was observed` as an \
          internal invariant. No bundle is known to reach it. Should it fire, a reducer \
          materialized a cell too early; a producer can only make sure the `exec` \
          `custom_tool_call` item appears in a request or response of the cell's thread.",
    hint: "record the exec custom_tool_call item in the cell's thread",
    ..REDUCER
};
