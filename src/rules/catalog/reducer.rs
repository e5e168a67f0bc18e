//! Family 5, reducer: one rule per upstream error text, so that every way the reference reducer
//! rejects a bundle has an id. Rules live by domain in `reducer/`; this module joins them, maps each
//! `ErrorKind` to its rule, and words a replay error for a report.

mod agents;
mod code_cells;
mod compaction;
mod inference;
mod model_items;
mod public;
mod terminals;
mod threads;
mod tools;

#[cfg(test)]
mod tests;

pub use agents::*;
pub use code_cells::*;
pub use compaction::*;
pub use inference::*;
pub use model_items::*;
pub use public::public_message;
pub use terminals::*;
pub use threads::*;
pub use tools::*;

use super::{Family, Rule, Severity};
use crate::error::ErrorKind;

/// What every reducer rule shares: upstream rejects the whole bundle, so each is an error.
const REDUCER: Rule = Rule {
    id: "",
    slug: "",
    family: Family::Reducer,
    severity: Severity::Error,
    title: "",
    doc: "",
    hint: "",
    retired: false,
};

pub static REDUCER_RULES: [&Rule; 90] = [
    // RC5001.. events, threads and turns
    &OTHER_EVENT,
    &DUPLICATE_THREAD_START,
    &THREAD_METADATA_INVALID,
    &UNKNOWN_THREAD,
    &DUPLICATE_TURN_START,
    &TURN_END_WRONG_THREAD,
    &TURN_END_UNKNOWN_TURN,
    // RC5101.. inference calls and reconciliation
    &DUPLICATE_INFERENCE_START,
    &INFERENCE_UNKNOWN_TURN,
    &INFERENCE_WRONG_THREAD,
    &REQUEST_MISSING_INPUT,
    &REQUEST_NON_ARRAY_INPUT,
    &UNKNOWN_PREVIOUS_RESPONSE,
    &COMPLETION_UNKNOWN_CALL,
    &RESPONSE_WITHOUT_OUTPUT_ITEMS,
    &RESPONSE_CREATED_UNKNOWN_CALL,
    &FIRST_DELTA_UNKNOWN_CALL,
    &CONVERSATION_MISMATCH,
    &CALL_ID_REUSED,
    // RC5131.. model items
    &ITEM_WITHOUT_TYPE,
    &UNSUPPORTED_ITEM_TYPE,
    &MESSAGE_WITHOUT_ROLE,
    &UNSUPPORTED_ROLE,
    &AGENT_MESSAGE_INVALID,
    &AGENT_MESSAGE_EMPTY,
    &REASONING_NON_ARRAY,
    &REASONING_ENTRY_WITHOUT_TYPE,
    &REASONING_UNSUPPORTED_CONTENT,
    &REASONING_UNSUPPORTED_SUMMARY,
    &REASONING_ENTRY_WITHOUT_TEXT,
    &REASONING_NON_STRING_ENCRYPTED,
    &REASONING_EMPTY,
    &COMPACTION_ITEM_WITHOUT_ENCRYPTED,
    // RC5201.. compaction
    &DUPLICATE_COMPACTION_REQUEST,
    &COMPACTION_REQUEST_UNKNOWN_TURN,
    &COMPACTION_REQUEST_WRONG_THREAD,
    &COMPACTION_COMPLETION_UNKNOWN_REQUEST,
    &COMPACTION_ID_MISMATCH,
    &COMPACTION_INSTALL_WITHOUT_THREAD,
    &COMPACTION_INSTALL_WITHOUT_TURN,
    &DUPLICATE_COMPACTION_INSTALL,
    &COMPACTION_INSTALL_UNKNOWN_TURN,
    &COMPACTION_INSTALL_WRONG_THREAD,
    &CHECKPOINT_WITHOUT_ARRAY,
    // RC5301.. code cells
    &CODE_CELL_WITHOUT_THREAD,
    &CODE_CELL_UNKNOWN_ENVELOPE_TURN,
    &RUNTIME_CELL_REMAPPED,
    &DUPLICATE_CODE_CELL_START,
    &CODE_CELL_START_WITHOUT_TURN,
    &CODE_CELL_START_UNKNOWN_THREAD,
    &CODE_CELL_START_UNKNOWN_TURN,
    &CODE_CELL_START_WRONG_THREAD,
    &UNKNOWN_RUNTIME_CELL,
    &CODE_CELL_UNKNOWN_CELL,
    &CODE_CELL_WITHOUT_SOURCE_ITEM,
    // RC5401.. tool calls and MCP
    &DUPLICATE_TOOL_CALL_START,
    &DUPLICATE_MODEL_VISIBLE_CALL,
    &MULTIPLE_TOOL_CALLS_MATCHED,
    &TOOL_START_WITHOUT_CONTEXT,
    &TOOL_START_UNKNOWN_TURN,
    &TOOL_START_UNKNOWN_THREAD,
    &TOOL_START_WRONG_THREAD,
    &NESTED_TOOL_UNKNOWN_RUNTIME_CELL,
    &WAIT_WITHOUT_ARGUMENTS,
    &WAIT_INVALID_ARGUMENTS,
    &WAIT_WITHOUT_CELL_ID,
    &RUNTIME_START_UNKNOWN_CALL,
    &RUNTIME_END_UNKNOWN_CALL,
    &TOOL_END_UNKNOWN_CALL,
    &MCP_UNKNOWN_TOOL_CALL,
    &DUPLICATE_MCP_CORRELATION,
    // RC5431.. terminals
    &TERMINAL_INVOCATION_INVALID,
    &SECOND_TERMINAL_OPERATION,
    &TERMINAL_RUNTIME_START_INVALID,
    &EXEC_RESPONSE_INVALID,
    &WRITE_STDIN_RESPONSE_INVALID,
    &PROCESS_ID_CHANGED,
    &TERMINAL_SESSION_WRONG_THREAD,
    &TERMINAL_END_UNKNOWN_OPERATION,
    // RC5501.. agents
    &COLLAB_PAYLOAD_INVALID,
    &ACTIVITY_KIND_MISMATCH,
    &ACTIVITY_MISSING_INVOCATION,
    &ACTIVITY_UNREGISTERED_INVOCATION,
    &ACTIVITY_MISSING_ARGUMENTS,
    &ACTIVITY_ARGUMENTS_INVALID,
    &AGENT_EDGE_UNKNOWN_THREAD,
    &AGENT_EDGE_UNKNOWN_TOOL_CALL,
    &PENDING_EDGE_CONFLICT,
    &EDGE_ENDPOINT_CONFLICT,
    &NON_SPAWN_FALLBACK,
];

/// The reducer rule an error violates; `None` for the errors of reading the bundle (stream
/// families) and the summary-cut panic (hazard family), which other families own. No wildcard arm:
/// a new `ErrorKind` variant does not compile until it has a rule here.
pub fn reducer_rule(kind: &ErrorKind) -> Option<&'static Rule> {
    use ErrorKind as K;
    let rule: &'static Rule = match kind {
        K::ManifestOpen(_)
        | K::ManifestParse(_)
        | K::TraceOpen(_)
        | K::TraceLineRead(_)
        | K::TraceLineParse(_)
        | K::PayloadOpen(_)
        | K::PayloadParse(_)
        | K::PayloadOutsideBundle(_)
        | K::PayloadSymlinkOutside(_)
        | K::FileOutsideBundle(_)
        | K::ManifestNotRegular(_)
        | K::TraceNotRegular(_)
        | K::PayloadNotRegular(_)
        | K::LineTooLong { .. }
        | K::TooManyEvents { .. }
        | K::PayloadTooLarge { .. }
        | K::BundleTooLarge { .. }
        | K::ManifestTooLarge { .. }
        | K::SummaryCutInsideCharacter(_) => return None,
        K::OtherEvent => &OTHER_EVENT,
        K::Serde(_) => &COLLAB_PAYLOAD_INVALID,

        K::DuplicateThreadStart(_) => &DUPLICATE_THREAD_START,
        K::ThreadMetadataParse(_) => &THREAD_METADATA_INVALID,
        K::UnknownThread(_) => &UNKNOWN_THREAD,
        K::DuplicateTurnStart(_) => &DUPLICATE_TURN_START,
        K::TurnEndWrongThread { .. } => &TURN_END_WRONG_THREAD,
        K::TurnEndUnknownTurn(_) => &TURN_END_UNKNOWN_TURN,

        K::DuplicateInferenceStart(_) => &DUPLICATE_INFERENCE_START,
        K::InferenceUnknownTurn { .. } => &INFERENCE_UNKNOWN_TURN,
        K::InferenceWrongThread { .. } => &INFERENCE_WRONG_THREAD,
        K::RequestMissingInput(_) => &REQUEST_MISSING_INPUT,
        K::RequestNonArrayInput(_) => &REQUEST_NON_ARRAY_INPUT,
        K::UnknownPreviousResponse { .. } => &UNKNOWN_PREVIOUS_RESPONSE,
        K::ConversationMismatch { .. } => &CONVERSATION_MISMATCH,
        K::CallIdReused(_) => &CALL_ID_REUSED,
        K::ItemWithoutType(_) => &ITEM_WITHOUT_TYPE,
        K::UnsupportedItemType { .. } => &UNSUPPORTED_ITEM_TYPE,
        K::MessageWithoutRole(_) => &MESSAGE_WITHOUT_ROLE,
        K::UnsupportedRole { .. } => &UNSUPPORTED_ROLE,
        K::AgentMessageParse(_) => &AGENT_MESSAGE_INVALID,
        K::AgentMessageEmpty(_) => &AGENT_MESSAGE_EMPTY,
        K::ReasoningNonArray { .. } => &REASONING_NON_ARRAY,
        K::ReasoningEntryWithoutType { .. } => &REASONING_ENTRY_WITHOUT_TYPE,
        K::ReasoningUnsupportedContent { .. } => &REASONING_UNSUPPORTED_CONTENT,
        K::ReasoningUnsupportedSummary { .. } => &REASONING_UNSUPPORTED_SUMMARY,
        K::ReasoningEntryWithoutText { .. } => &REASONING_ENTRY_WITHOUT_TEXT,
        K::ReasoningNonStringEncrypted(_) => &REASONING_NON_STRING_ENCRYPTED,
        K::ReasoningEmpty(_) => &REASONING_EMPTY,
        K::CompactionItemWithoutEncrypted(_) => &COMPACTION_ITEM_WITHOUT_ENCRYPTED,
        K::CompletionUnknownCall(_) => &COMPLETION_UNKNOWN_CALL,
        K::ResponseWithoutOutputItems(_) => &RESPONSE_WITHOUT_OUTPUT_ITEMS,
        K::ResponseCreatedUnknownCall(_) => &RESPONSE_CREATED_UNKNOWN_CALL,
        K::FirstDeltaUnknownCall(_) => &FIRST_DELTA_UNKNOWN_CALL,

        K::DuplicateCompactionRequest(_) => &DUPLICATE_COMPACTION_REQUEST,
        K::CompactionRequestUnknownTurn { .. } => &COMPACTION_REQUEST_UNKNOWN_TURN,
        K::CompactionRequestWrongThread { .. } => &COMPACTION_REQUEST_WRONG_THREAD,
        K::CompactionCompletionUnknownRequest(_) => &COMPACTION_COMPLETION_UNKNOWN_REQUEST,
        K::CompactionIdMismatch { .. } => &COMPACTION_ID_MISMATCH,
        K::CompactionInstallWithoutThread(_) => &COMPACTION_INSTALL_WITHOUT_THREAD,
        K::CompactionInstallWithoutTurn(_) => &COMPACTION_INSTALL_WITHOUT_TURN,
        K::DuplicateCompactionInstall(_) => &DUPLICATE_COMPACTION_INSTALL,
        K::CompactionInstallUnknownTurn { .. } => &COMPACTION_INSTALL_UNKNOWN_TURN,
        K::CompactionInstallWrongThread { .. } => &COMPACTION_INSTALL_WRONG_THREAD,
        K::CheckpointWithoutArray { .. } => &CHECKPOINT_WITHOUT_ARRAY,

        K::CodeCellWithoutThread { .. } => &CODE_CELL_WITHOUT_THREAD,
        K::CodeCellUnknownEnvelopeTurn { .. } => &CODE_CELL_UNKNOWN_ENVELOPE_TURN,
        K::RuntimeCellRemapped { .. } => &RUNTIME_CELL_REMAPPED,
        K::DuplicateCodeCellStart(_) => &DUPLICATE_CODE_CELL_START,
        K::CodeCellStartWithoutTurn(_) => &CODE_CELL_START_WITHOUT_TURN,
        K::CodeCellStartUnknownThread(_) => &CODE_CELL_START_UNKNOWN_THREAD,
        K::CodeCellStartUnknownTurn(_) => &CODE_CELL_START_UNKNOWN_TURN,
        K::CodeCellStartWrongThread { .. } => &CODE_CELL_START_WRONG_THREAD,
        K::UnknownRuntimeCell { .. } => &UNKNOWN_RUNTIME_CELL,
        K::CodeCellWithoutSourceItem { .. } => &CODE_CELL_WITHOUT_SOURCE_ITEM,
        K::CodeCellUnknownCell { .. } => &CODE_CELL_UNKNOWN_CELL,

        K::DuplicateToolCallStart(_) => &DUPLICATE_TOOL_CALL_START,
        K::DuplicateModelVisibleCall(_) => &DUPLICATE_MODEL_VISIBLE_CALL,
        K::MultipleToolCallsMatched(_) => &MULTIPLE_TOOL_CALLS_MATCHED,
        K::ToolStartWithoutContext => &TOOL_START_WITHOUT_CONTEXT,
        K::ToolStartUnknownTurn(_) => &TOOL_START_UNKNOWN_TURN,
        K::ToolStartUnknownThread(_) => &TOOL_START_UNKNOWN_THREAD,
        K::ToolStartWrongThread { .. } => &TOOL_START_WRONG_THREAD,
        K::NestedToolUnknownRuntimeCell { .. } => &NESTED_TOOL_UNKNOWN_RUNTIME_CELL,
        K::WaitWithoutArguments(_) => &WAIT_WITHOUT_ARGUMENTS,
        K::WaitInvalidArguments(_) => &WAIT_INVALID_ARGUMENTS,
        K::WaitWithoutCellId(_) => &WAIT_WITHOUT_CELL_ID,
        K::TerminalInvocationParse(_) => &TERMINAL_INVOCATION_INVALID,
        K::McpUnknownToolCall(_) => &MCP_UNKNOWN_TOOL_CALL,
        K::DuplicateMcpCorrelation(_) => &DUPLICATE_MCP_CORRELATION,
        K::RuntimeStartUnknownCall(_) => &RUNTIME_START_UNKNOWN_CALL,
        K::RuntimeEndUnknownCall(_) => &RUNTIME_END_UNKNOWN_CALL,
        K::SecondTerminalOperation(_) => &SECOND_TERMINAL_OPERATION,
        K::TerminalRuntimeStartParse(_) => &TERMINAL_RUNTIME_START_INVALID,
        K::ExecResponseParse(_) => &EXEC_RESPONSE_INVALID,
        K::WriteStdinResponseParse { .. } => &WRITE_STDIN_RESPONSE_INVALID,
        K::ProcessIdChanged { .. } => &PROCESS_ID_CHANGED,
        K::TerminalSessionWrongThread { .. } => &TERMINAL_SESSION_WRONG_THREAD,
        K::ToolEndUnknownCall(_) => &TOOL_END_UNKNOWN_CALL,
        K::TerminalEndUnknownOperation(_) => &TERMINAL_END_UNKNOWN_OPERATION,

        K::ActivityKindMismatch { .. } => &ACTIVITY_KIND_MISMATCH,
        K::ActivityMissingInvocation(_) => &ACTIVITY_MISSING_INVOCATION,
        K::ActivityUnregisteredInvocation { .. } => &ACTIVITY_UNREGISTERED_INVOCATION,
        K::ActivityMissingArguments(_) => &ACTIVITY_MISSING_ARGUMENTS,
        K::ActivityArgumentsParse(_) => &ACTIVITY_ARGUMENTS_INVALID,
        K::AgentEdgeUnknownThread(_) => &AGENT_EDGE_UNKNOWN_THREAD,
        K::AgentEdgeUnknownToolCall(_) => &AGENT_EDGE_UNKNOWN_TOOL_CALL,
        K::PendingEdgeConflict(_) => &PENDING_EDGE_CONFLICT,
        K::EdgeEndpointConflict(_) => &EDGE_ENDPOINT_CONFLICT,
        K::NonSpawnFallback(_) => &NON_SPAWN_FALLBACK,
    };
    Some(rule)
}
