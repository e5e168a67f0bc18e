//! Replay errors worded for a report that anyone may read: upstream's top-level message with
//! every piece of free text (OS and serde messages, strings copied out of payloads) withheld.

use crate::error::ErrorKind;

const WITHHELD: &str = "<withheld>";

/// The top-level message of a replay error with its free text replaced by a marker. Ids, type
/// tags of our own and field names stay. No wildcard arm: a new variant must be sorted into
/// "has free text" or not before it compiles.
pub fn public_message(kind: &ErrorKind) -> String {
    use ErrorKind as K;
    match kind {
        K::ManifestOpen(os_error) => os_error_message(os_error),
        K::Serde(message) => serde_message(message),
        K::UnsupportedItemType { payload, .. } => {
            K::UnsupportedItemType { item_type: WITHHELD.into(), payload: payload.clone() }.to_string()
        }
        K::UnsupportedRole { payload, .. } => {
            K::UnsupportedRole { role: WITHHELD.into(), payload: payload.clone() }.to_string()
        }
        K::ReasoningUnsupportedContent { payload, .. } => {
            K::ReasoningUnsupportedContent { payload: payload.clone(), entry_type: WITHHELD.into() }.to_string()
        }
        K::ReasoningUnsupportedSummary { payload, .. } => {
            K::ReasoningUnsupportedSummary { payload: payload.clone(), entry_type: WITHHELD.into() }.to_string()
        }
        K::WriteStdinResponseParse { payload, .. } => {
            K::WriteStdinResponseParse { payload: payload.clone(), protocol_error: "<serde message withheld>".into() }
                .to_string()
        }

        // Only ids, seq numbers, bundle paths, field names and our own type tags.
        K::ManifestParse(_)
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
        | K::SummaryCutInsideCharacter(_)
        | K::OtherEvent
        | K::DuplicateThreadStart(_)
        | K::ThreadMetadataParse(_)
        | K::UnknownThread(_)
        | K::DuplicateTurnStart(_)
        | K::TurnEndWrongThread { .. }
        | K::TurnEndUnknownTurn(_)
        | K::DuplicateInferenceStart(_)
        | K::ResponseCreatedUnknownCall(_)
        | K::FirstDeltaUnknownCall(_)
        | K::InferenceUnknownTurn { .. }
        | K::InferenceWrongThread { .. }
        | K::RequestMissingInput(_)
        | K::RequestNonArrayInput(_)
        | K::UnknownPreviousResponse { .. }
        | K::ConversationMismatch { .. }
        | K::CallIdReused(_)
        | K::ItemWithoutType(_)
        | K::MessageWithoutRole(_)
        | K::AgentMessageParse(_)
        | K::AgentMessageEmpty(_)
        | K::ReasoningNonArray { .. }
        | K::ReasoningEntryWithoutType { .. }
        | K::ReasoningEntryWithoutText { .. }
        | K::ReasoningNonStringEncrypted(_)
        | K::ReasoningEmpty(_)
        | K::CompactionItemWithoutEncrypted(_)
        | K::CompletionUnknownCall(_)
        | K::ResponseWithoutOutputItems(_)
        | K::DuplicateCompactionRequest(_)
        | K::CompactionRequestUnknownTurn { .. }
        | K::CompactionRequestWrongThread { .. }
        | K::CompactionCompletionUnknownRequest(_)
        | K::CompactionIdMismatch { .. }
        | K::CompactionInstallWithoutThread(_)
        | K::CompactionInstallWithoutTurn(_)
        | K::DuplicateCompactionInstall(_)
        | K::CompactionInstallUnknownTurn { .. }
        | K::CompactionInstallWrongThread { .. }
        | K::CheckpointWithoutArray { .. }
        | K::CodeCellWithoutThread { .. }
        | K::CodeCellUnknownEnvelopeTurn { .. }
        | K::RuntimeCellRemapped { .. }
        | K::DuplicateCodeCellStart(_)
        | K::CodeCellStartWithoutTurn(_)
        | K::CodeCellStartUnknownThread(_)
        | K::CodeCellStartUnknownTurn(_)
        | K::CodeCellStartWrongThread { .. }
        | K::UnknownRuntimeCell { .. }
        | K::CodeCellWithoutSourceItem { .. }
        | K::CodeCellUnknownCell { .. }
        | K::DuplicateToolCallStart(_)
        | K::DuplicateModelVisibleCall(_)
        | K::MultipleToolCallsMatched(_)
        | K::ToolStartWithoutContext
        | K::ToolStartUnknownTurn(_)
        | K::ToolStartUnknownThread(_)
        | K::ToolStartWrongThread { .. }
        | K::NestedToolUnknownRuntimeCell { .. }
        | K::WaitWithoutArguments(_)
        | K::WaitInvalidArguments(_)
        | K::WaitWithoutCellId(_)
        | K::TerminalInvocationParse(_)
        | K::McpUnknownToolCall(_)
        | K::DuplicateMcpCorrelation(_)
        | K::RuntimeStartUnknownCall(_)
        | K::RuntimeEndUnknownCall(_)
        | K::SecondTerminalOperation(_)
        | K::TerminalRuntimeStartParse(_)
        | K::ExecResponseParse(_)
        | K::ProcessIdChanged { .. }
        | K::TerminalSessionWrongThread { .. }
        | K::ToolEndUnknownCall(_)
        | K::TerminalEndUnknownOperation(_)
        | K::ActivityKindMismatch { .. }
        | K::ActivityMissingInvocation(_)
        | K::ActivityUnregisteredInvocation { .. }
        | K::ActivityMissingArguments(_)
        | K::ActivityArgumentsParse(_)
        | K::AgentEdgeUnknownThread(_)
        | K::AgentEdgeUnknownToolCall(_)
        | K::PendingEdgeConflict(_)
        | K::EdgeEndpointConflict(_)
        | K::NonSpawnFallback(_) => kind.to_string(),
    }
}

/// An OS error keeps only its code (`(os error 2)`): the description is the platform's wording.
fn os_error_message(os_error: &str) -> String {
    let code = os_error
        .rsplit_once(" (os error ")
        .and_then(|(_, rest)| rest.strip_suffix(')'))
        .filter(|code| !code.is_empty() && code.bytes().all(|b| b.is_ascii_digit()));
    match code {
        Some(code) => format!("<OS error withheld> (os error {code})"),
        None => "<OS error withheld>".to_owned(),
    }
}

/// A serde message keeps a leading "missing field `name`" (the name is the type's, not the
/// payload's); anything else may quote a payload value and is withheld.
fn serde_message(message: &str) -> String {
    const MISSING: &str = "missing field `";
    let field = message
        .strip_prefix(MISSING)
        .and_then(|rest| rest.split_once('`'))
        .filter(|(name, _)| !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'));
    match field {
        Some((name, "")) => format!("{MISSING}{name}`"),
        Some((name, _)) => format!("{MISSING}{name}` (rest of the serde message withheld)"),
        None => "<serde message withheld>".to_owned(),
    }
}
