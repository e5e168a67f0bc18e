//! Every replay-aborting error of the reference reducer (spec §E), each triggered by a bundle,
//! with the exact top-level message written out from the spec, plus `Replayed.leftovers`.
//!
//! Not covered, because no bundle can reach them:
//!
//! * Marked internal or unreachable by the spec (§E): `conversation item <i> was referenced before
//!   it was created`, `inference response referenced unknown call`, `inference call <id>
//!   disappeared during response reduction`, `reasoning item merge attempted with different
//!   encrypted_content identity`, `complete_inference_call received a non-terminal inference
//!   event`, `code cell <id> referenced model-visible call <c>, but no custom tool call item was
//!   observed`, `code cell <id> disappeared during output linking`, `conversation item <i>
//!   disappeared during code-cell output linking`, `terminal end referenced unknown operation
//!   <op>`, `terminal session <id> disappeared during reduction`, `terminal operation <op>
//!   disappeared during observation linking`, `tool call <id> disappeared during …`, `agent edge
//!   referenced unknown tool call <id>`, `agent activity referenced unknown tool call <id>`, `close
//!   edge referenced unknown tool call <id>`, `non-spawn interaction edge <id> carried a spawn
//!   fallback target` (no producer gives a non-spawn edge a fallback).
//! * Listed by the spec as triggers, but unreachable with this reducer's (and upstream's) rules:
//!   - `trace event referenced unknown thread` from `inference_started`: the inference's turn must
//!     belong to its thread, and a turn only starts in a thread that exists.
//!   - `code cell start referenced unknown thread <t>`: a start materializes only once a
//!     `custom_tool_call` item exists in its thread, and items are only created in known threads.
//!   - `code cell initial response|end referenced unknown cell <id>`: the runtime index only names
//!     cells that are queued or materialized; a queued start leaves the queue only by
//!     materializing, and every failure aborts the replay.
//!   - `multiple tool calls matched model-visible call id <c>`: `tool_call_started` refuses a
//!     second tool with the same model-visible call id, so two tools never share one.
//!   - `agent activity tool call <id> referenced missing invocation payload <p>`: the invocation
//!     ref is registered before the tool start is handled and `raw_payloads` never shrinks.
//!   - `agent edge referenced unknown thread` for a tool's own thread: tools only start in known
//!     threads (the agent-result child path is covered).
//!   - `parse exec terminal response` from a tool *result*: an exec_command tool gets its
//!     operation only from a runtime begin, so it always has a runtime payload and its result is
//!     never parsed (the runtime-end path is covered).

mod agents;
mod bundle;
mod code_cells;
mod compaction;
mod conversation;
mod leftovers;
mod support;
mod threads;
mod timing;
mod tools;
