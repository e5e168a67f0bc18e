//! Family 7, ownership of the reduced graph: every id an object names exists, and the pieces agree
//! about which thread they belong to. The reference reducer keeps these by construction except
//! where upstream itself does not (a dropped code cell's nested tools), so a violation means a
//! reducer is wrong or upstream's graph is broken; all are errors.

use super::{Family, Rule, Severity};

/// One ownership rule; they share family, severity and the shape of their docs.
macro_rules! ownership_rule {
    ($name:ident, $id:literal, $slug:literal, $title:literal, $doc:literal, $hint:literal) => {
        pub static $name: Rule = Rule {
            id: $id,
            slug: $slug,
            family: Family::Ownership,
            severity: Severity::Error,
            title: $title,
            doc: $doc,
            hint: $hint,
            retired: false,
        };
    };
}

ownership_rule!(
    DANGLING_ITEM,
    "RC7001",
    "dangling-item",
    "a reduced object names a conversation item that does not exist",
    "Threads, turns, inference calls, code cells, tool calls, terminal observations, compactions and \
     interaction edges name conversation items by id; each id must be a key of `conversation_items`. \
     A reducer breaks this when it records an id before the item is created and the creation then \
     fails or is skipped, or when it renumbers items without updating every list. Fix the reducer so \
     that every item id it writes comes from an item it inserted.",
    "only write item ids of items that were inserted"
);

ownership_rule!(
    DANGLING_PAYLOAD,
    "RC7002",
    "dangling-payload",
    "a reduced object names a raw payload that is not in raw_payloads",
    "Every `raw_payload_id` the reduced graph names (request, response, invocation, result, runtime, \
     checkpoint and carried payloads, and JSON or payload-ref parts of items) must be a key of \
     `raw_payloads`, which registers each event's payload refs before the event is handled. A reducer \
     breaks this when it copies a payload id without registering its ref. Fix the reducer so that it \
     registers every ref of an event before handling the event.",
    "register every payload ref of an event before handling it"
);

ownership_rule!(
    DANGLING_THREAD,
    "RC7003",
    "dangling-thread",
    "a reduced object names a thread that does not exist",
    "Turns, tool calls, terminal sessions and interaction edge anchors name threads by id; each must \
     be a key of `threads`. A reducer breaks this when it accepts an event for a thread that never \
     started instead of rejecting it, or when an edge falls back to a thread that is not in the \
     graph. Fix the reducer so that it only names threads it has recorded.",
    "only name threads that have a thread_started"
);

ownership_rule!(
    DANGLING_TURN,
    "RC7004",
    "dangling-turn",
    "a reduced object names a Codex turn that does not exist",
    "Conversation items, inference calls, code cells, tool calls, compaction requests and compactions \
     name their Codex turn; each must be a key of `codex_turns`. A reducer breaks this when it takes \
     a turn id from an event envelope without checking that the turn started. Fix the reducer so \
     that it resolves every turn id against the turns it has recorded.",
    "resolve every turn id against the recorded turns"
);

ownership_rule!(
    TURN_THREAD_MISMATCH,
    "RC7005",
    "turn-thread-mismatch",
    "an object's thread differs from the thread of its turn",
    "An item, inference call, code cell, tool call or compaction names both a thread and a turn, and \
     the turn must belong to that thread. A reducer breaks this when it reads the thread from one \
     place (the payload) and the turn from another (the envelope) without checking that they agree. \
     Fix the reducer so that it checks the turn's thread wherever it pairs the two.",
    "check that the turn belongs to the thread wherever both are recorded"
);

ownership_rule!(
    DANGLING_TOOL_CALL,
    "RC7006",
    "dangling-tool-call",
    "a reduced object names a tool call that does not exist",
    "Inference calls (`tool_call_ids_started_by_response`), code cells (nested and wait tools), \
     terminal operations and interaction edge anchors name tool calls; each must be a key of \
     `tool_calls`. A reducer breaks this when it links a tool before the tool started or keeps a \
     link to a tool it later dropped. Fix the reducer so that it only links tool calls it recorded.",
    "only link tool calls that were recorded"
);

ownership_rule!(
    ITEM_OWNER,
    "RC7007",
    "item-owner",
    "a conversation item is not listed by exactly its own thread",
    "Every conversation item belongs to exactly one thread: the one its `thread_id` names lists it \
     in `conversation_item_ids`, and no other thread does. A reducer breaks this when it appends an \
     item to the wrong thread's list, to two lists, or to none. Fix the reducer so that creating an \
     item and listing it in its thread happen together.",
    "list each item in its own thread, once"
);

ownership_rule!(
    DANGLING_PRODUCER,
    "RC7008",
    "dangling-producer",
    "a conversation item's producer does not exist",
    "Each entry of an item's `produced_by` names an inference call, tool call, code cell, compaction \
     or interaction edge that must exist in the graph. A reducer breaks this when it credits an \
     item to a producer it has not recorded (or recorded under another id). Fix the reducer so that \
     it credits items only to producers it recorded.",
    "credit items only to recorded producers"
);

ownership_rule!(
    CODE_CELL_SOURCE,
    "RC7009",
    "code-cell-source",
    "a code cell's source is not a custom_tool_call of its thread with its call id",
    "A code cell's `source_item_id` must be a `custom_tool_call` item of the cell's own thread whose \
     call id is the cell's `model_visible_call_id`: the `exec` call the model made. A reducer breaks \
     this when it materializes a cell before its source item exists, or picks a source from another \
     thread or kind. Fix the reducer so that a cell waits for its source item and takes the first \
     matching one.",
    "materialize a cell only from its own exec custom_tool_call item"
);

ownership_rule!(
    NESTED_TOOL_CELL,
    "RC7010",
    "nested-tool-cell",
    "a nested tool call names a missing code cell or one of another thread",
    "A tool call whose requester is a code cell must name an existing cell of the same thread. A \
     reducer breaks this when it resolves the requester through the runtime cell index of another \
     thread. Upstream itself leaves it when a cell never materialized (`code-cell-never-materialized`): \
     the cell is dropped and its nested tools keep naming it; the fix there is the producer's, \
     recording the response that carries the cell's `exec` item. Otherwise fix the reducer so that \
     it resolves requesters within the tool's thread.",
    "resolve a nested tool's cell within the tool's thread"
);

ownership_rule!(
    DANGLING_OPERATION,
    "RC7011",
    "dangling-operation",
    "a tool call or terminal session names a terminal operation that does not exist",
    "A tool call's `terminal_operation_id` and a terminal session's `operation_ids` and \
     `created_by_operation_id` must be keys of `terminal_operations`. A reducer breaks this when it \
     links an operation it later replaced or never inserted. Fix the reducer so that it links only \
     operations it inserted.",
    "link only terminal operations that were inserted"
);

ownership_rule!(
    DANGLING_SESSION,
    "RC7012",
    "dangling-session",
    "a terminal operation names a terminal session that does not exist",
    "A terminal operation's `terminal_id` must be a key of `terminal_sessions`. A reducer breaks this \
     when it records the process id of an operation without opening or joining its session. Fix the \
     reducer so that an operation with a terminal id always opens or joins that session.",
    "open or join the session of every operation that names one"
);

ownership_rule!(
    DANGLING_COMPACTION_REQUEST,
    "RC7013",
    "dangling-compaction-request",
    "a compaction names a compaction request that does not exist",
    "Each of a compaction's `request_ids` must be a key of `compaction_requests`. A reducer breaks \
     this when it attaches a request id to a compaction without recording the request. Fix the \
     reducer so that it records each compaction request when it starts and attaches only those.",
    "attach only compaction requests that were recorded"
);

pub static OWNERSHIP_RULES: [&Rule; 13] = [
    &DANGLING_ITEM,
    &DANGLING_PAYLOAD,
    &DANGLING_THREAD,
    &DANGLING_TURN,
    &TURN_THREAD_MISMATCH,
    &DANGLING_TOOL_CALL,
    &ITEM_OWNER,
    &DANGLING_PRODUCER,
    &CODE_CELL_SOURCE,
    &NESTED_TOOL_CELL,
    &DANGLING_OPERATION,
    &DANGLING_SESSION,
    &DANGLING_COMPACTION_REQUEST,
];
