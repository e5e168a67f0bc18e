//! Every error the bundle reader and the reference reducer can raise, in one place.
//!
//! `ErrorKind`'s `Display` is upstream's top-level message, byte for byte (spec §E); the text is
//! data here and nowhere else. `Error` adds where it happened (file, line, seq) and the cause.

use std::fmt;

use compact_str::CompactString;
use std::path::PathBuf;

/// The top-level message of a failed replay. Variants marked "ours" have no upstream twin.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ErrorKind {
    // --- bundle / parsing ---
    /// Upstream prints only the OS error when `manifest.json` cannot be opened.
    #[error("{0}")]
    ManifestOpen(CompactString),
    #[error("read {0}")]
    ManifestParse(CompactString),
    #[error("open trace event log {0}")]
    TraceOpen(CompactString),
    #[error("read trace event line {0}")]
    TraceLineRead(usize),
    #[error("parse trace event line {0}")]
    TraceLineParse(usize),
    #[error("open payload {0}")]
    PayloadOpen(CompactString),
    #[error("parse payload {0}")]
    PayloadParse(CompactString),
    #[error("raw trace event has no reducer implementation")]
    OtherEvent,
    /// Ours: upstream panics (aborts the process) when the 240-byte summary cut splits a character.
    #[error("JSON summary of payload {0} would be cut inside a multi-byte UTF-8 character at byte 240; upstream aborts here (panic)")]
    SummaryCutInsideCharacter(CompactString),
    /// A serde message printed without context, as upstream does for typed runtime payloads.
    #[error("{0}")]
    Serde(CompactString),

    // --- threads / turns ---
    #[error("duplicate thread start for {0}")]
    DuplicateThreadStart(CompactString),
    #[error("parse thread metadata {0}")]
    ThreadMetadataParse(CompactString),
    #[error("trace event referenced unknown thread {0}")]
    UnknownThread(CompactString),
    #[error("duplicate codex turn start for {0}")]
    DuplicateTurnStart(CompactString),
    #[error("codex turn end for {turn} used thread {thread}, but the turn belongs to {owner}")]
    TurnEndWrongThread { turn: CompactString, thread: CompactString, owner: CompactString },
    #[error("codex turn end referenced unknown turn {0}")]
    TurnEndUnknownTurn(CompactString),

    // --- inference / conversation ---
    #[error("duplicate inference start for {0}")]
    DuplicateInferenceStart(CompactString),
    #[error("inference start {call} referenced unknown codex turn {turn}")]
    InferenceUnknownTurn { call: CompactString, turn: CompactString },
    #[error("inference start {call} used thread {thread}, but codex turn {turn} belongs to {owner}")]
    InferenceWrongThread { call: CompactString, thread: CompactString, turn: CompactString, owner: CompactString },
    #[error("inference request payload {0} did not contain input")]
    RequestMissingInput(CompactString),
    #[error("inference request payload {0} had non-array input")]
    RequestNonArrayInput(CompactString),
    #[error("incremental inference request {call} referenced unknown previous_response_id {response}")]
    UnknownPreviousResponse { call: CompactString, response: CompactString },
    #[error("model conversation mismatch while reducing turn {turn} for thread {thread} at item index {index}: existing item {item} does not match the current model payload item")]
    ConversationMismatch { turn: CompactString, thread: CompactString, index: usize, item: CompactString },
    #[error("model-visible call id {0} was reused with different content")]
    CallIdReused(CompactString),
    #[error("model item in payload {0} did not contain a string type")]
    ItemWithoutType(CompactString),
    #[error("unsupported model item type {item_type} in payload {payload}")]
    UnsupportedItemType { item_type: CompactString, payload: CompactString },
    #[error("message item in payload {0} did not contain a string role")]
    MessageWithoutRole(CompactString),
    #[error("unsupported message role {role} in payload {payload}")]
    UnsupportedRole { role: CompactString, payload: CompactString },
    #[error("failed to parse agent_message item in payload {0}")]
    AgentMessageParse(CompactString),
    #[error("agent_message item in payload {0} contained no content")]
    AgentMessageEmpty(CompactString),
    #[error("reasoning item in payload {payload} had non-array {key}")]
    ReasoningNonArray { payload: CompactString, key: &'static str },
    #[error("reasoning item in payload {payload} had {key} entry without string type")]
    ReasoningEntryWithoutType { payload: CompactString, key: &'static str },
    #[error("reasoning item in payload {payload} had unsupported content type {entry_type}")]
    ReasoningUnsupportedContent { payload: CompactString, entry_type: CompactString },
    #[error("reasoning item in payload {payload} had unsupported summary type {entry_type}")]
    ReasoningUnsupportedSummary { payload: CompactString, entry_type: CompactString },
    #[error("reasoning item in payload {payload} had {key} entry without string text")]
    ReasoningEntryWithoutText { payload: CompactString, key: &'static str },
    #[error("reasoning item in payload {0} had non-string encrypted_content")]
    ReasoningNonStringEncrypted(CompactString),
    #[error("reasoning item in payload {0} contained no content, summary, or encrypted_content")]
    ReasoningEmpty(CompactString),
    #[error("compaction item in payload {0} did not contain string encrypted_content")]
    CompactionItemWithoutEncrypted(CompactString),
    #[error("inference completion referenced unknown call {0}")]
    CompletionUnknownCall(CompactString),
    #[error("inference response payload {0} did not contain output_items")]
    ResponseWithoutOutputItems(CompactString),
    /// Inference-timing revision (addendum §5.1).
    #[error("response creation referenced unknown inference call {0}")]
    ResponseCreatedUnknownCall(CompactString),
    /// Inference-timing revision (addendum §5.1).
    #[error("first delta referenced unknown inference call {0}")]
    FirstDeltaUnknownCall(CompactString),

    // --- compaction ---
    #[error("duplicate compaction request start for {0}")]
    DuplicateCompactionRequest(CompactString),
    #[error("compaction request {request} referenced unknown codex turn {turn}")]
    CompactionRequestUnknownTurn { request: CompactString, turn: CompactString },
    #[error("compaction request {request} used thread {thread}, but codex turn {turn} belongs to {owner}")]
    CompactionRequestWrongThread {
        request: CompactString,
        thread: CompactString,
        turn: CompactString,
        owner: CompactString,
    },
    #[error("compaction request completion referenced unknown request {0}")]
    CompactionCompletionUnknownRequest(CompactString),
    #[error("compaction request {request} completion used compaction {completion}, but start used {start}")]
    CompactionIdMismatch { request: CompactString, completion: CompactString, start: CompactString },
    #[error("compaction installed event {0} did not include a thread id")]
    CompactionInstallWithoutThread(CompactString),
    #[error("compaction installed event {0} did not include a codex turn id")]
    CompactionInstallWithoutTurn(CompactString),
    #[error("duplicate compaction install for {0}")]
    DuplicateCompactionInstall(CompactString),
    #[error("compaction install {compaction} referenced unknown codex turn {turn}")]
    CompactionInstallUnknownTurn { compaction: CompactString, turn: CompactString },
    #[error("compaction install {compaction} used thread {thread}, but codex turn {turn} belongs to {owner}")]
    CompactionInstallWrongThread {
        compaction: CompactString,
        thread: CompactString,
        turn: CompactString,
        owner: CompactString,
    },
    #[error("compaction checkpoint payload {payload} did not contain array {key}")]
    CheckpointWithoutArray { payload: CompactString, key: &'static str },

    // --- code cells ---
    #[error("{event} {runtime_cell} did not include a thread id")]
    CodeCellWithoutThread { event: &'static str, runtime_cell: CompactString },
    #[error("{event} {runtime_cell} referenced unknown Codex turn {turn}")]
    CodeCellUnknownEnvelopeTurn { event: &'static str, runtime_cell: CompactString, turn: CompactString },
    #[error("runtime code cell {runtime_cell} in thread {thread} mapped to both {first} and {second}")]
    RuntimeCellRemapped {
        runtime_cell: CompactString,
        thread: CompactString,
        first: CompactString,
        second: CompactString,
    },
    #[error("duplicate code cell start for {0}")]
    DuplicateCodeCellStart(CompactString),
    #[error("code cell start {0} did not include a Codex turn id")]
    CodeCellStartWithoutTurn(CompactString),
    #[error("code cell start referenced unknown thread {0}")]
    CodeCellStartUnknownThread(CompactString),
    #[error("code cell start referenced unknown Codex turn {0}")]
    CodeCellStartUnknownTurn(CompactString),
    #[error("code cell start used thread {thread}, but Codex turn {turn} belongs to {owner}")]
    CodeCellStartWrongThread { thread: CompactString, turn: CompactString, owner: CompactString },
    #[error("{event} referenced unknown runtime cell {runtime_cell} in thread {thread}")]
    UnknownRuntimeCell { event: &'static str, runtime_cell: CompactString, thread: CompactString },
    #[error("code cell {code_cell} referenced model-visible call {call}, but no custom tool call item was observed")]
    CodeCellWithoutSourceItem { code_cell: CompactString, call: CompactString },
    #[error("{event} referenced unknown cell {code_cell}")]
    CodeCellUnknownCell { event: &'static str, code_cell: CompactString },

    // --- tools / terminals / MCP ---
    #[error("duplicate tool call start for {0}")]
    DuplicateToolCallStart(CompactString),
    #[error("duplicate tool call for model-visible call id {0}")]
    DuplicateModelVisibleCall(CompactString),
    #[error("multiple tool calls matched model-visible call id {0}")]
    MultipleToolCallsMatched(CompactString),
    #[error("tool call start did not include thread or Codex turn context")]
    ToolStartWithoutContext,
    #[error("tool call start referenced unknown Codex turn {0}")]
    ToolStartUnknownTurn(CompactString),
    #[error("tool call start referenced unknown thread {0}")]
    ToolStartUnknownThread(CompactString),
    #[error("tool call start used thread {thread}, but Codex turn {turn} belongs to {owner}")]
    ToolStartWrongThread { thread: CompactString, turn: CompactString, owner: CompactString },
    #[error("code-mode nested tool referenced unknown runtime cell {runtime_cell} in thread {thread}")]
    NestedToolUnknownRuntimeCell { runtime_cell: CompactString, thread: CompactString },
    #[error("wait tool request payload {0} did not contain function arguments")]
    WaitWithoutArguments(CompactString),
    #[error("wait tool request payload {0} had invalid JSON arguments")]
    WaitInvalidArguments(CompactString),
    #[error("wait tool request payload {0} did not contain cell_id")]
    WaitWithoutCellId(CompactString),
    #[error("parse terminal invocation payload {0} as dispatch payload")]
    TerminalInvocationParse(CompactString),
    #[error("MCP correlation referenced unknown tool call {0}")]
    McpUnknownToolCall(CompactString),
    #[error("duplicate MCP correlation for tool call {0}")]
    DuplicateMcpCorrelation(CompactString),
    #[error("tool runtime start referenced unknown call {0}")]
    RuntimeStartUnknownCall(CompactString),
    #[error("tool runtime end referenced unknown call {0}")]
    RuntimeEndUnknownCall(CompactString),
    #[error("tool runtime start would create a second terminal operation for {0}")]
    SecondTerminalOperation(CompactString),
    #[error("parse terminal runtime start payload {0}")]
    TerminalRuntimeStartParse(CompactString),
    #[error("parse exec terminal response {0}")]
    ExecResponseParse(CompactString),
    #[error(
        "parse write_stdin terminal response {payload} as protocol payload ({protocol_error}) or dispatch payload"
    )]
    WriteStdinResponseParse { payload: CompactString, protocol_error: CompactString },
    #[error("terminal operation {operation} changed process id from {from} to {to}")]
    ProcessIdChanged { operation: CompactString, from: CompactString, to: CompactString },
    #[error("terminal session {terminal} belongs to thread {owner}, not {thread}")]
    TerminalSessionWrongThread { terminal: CompactString, owner: CompactString, thread: CompactString },
    #[error("tool call end referenced unknown call {0}")]
    ToolEndUnknownCall(CompactString),
    #[error("terminal end referenced unknown operation {0}")]
    TerminalEndUnknownOperation(CompactString),

    // --- agents ---
    #[error("sub-agent activity {activity} does not match tool call kind {kind}")]
    ActivityKindMismatch { activity: &'static str, kind: CompactString },
    #[error("agent activity tool call {0} missing invocation payload")]
    ActivityMissingInvocation(CompactString),
    #[error("agent activity tool call {tool} referenced missing invocation payload {payload}")]
    ActivityUnregisteredInvocation { tool: CompactString, payload: CompactString },
    #[error("agent activity tool call {0} missing function arguments")]
    ActivityMissingArguments(CompactString),
    #[error("parse agent activity tool call {0} arguments")]
    ActivityArgumentsParse(CompactString),
    #[error("agent edge referenced unknown thread {0}")]
    AgentEdgeUnknownThread(CompactString),
    #[error("agent edge referenced unknown tool call {0}")]
    AgentEdgeUnknownToolCall(CompactString),
    #[error("pending interaction edge {0} was observed with conflicting delivery data")]
    PendingEdgeConflict(CompactString),
    #[error("interaction edge {0} was observed with conflicting endpoints")]
    EdgeEndpointConflict(CompactString),
    #[error("non-spawn interaction edge {0} carried a spawn fallback target")]
    NonSpawnFallback(CompactString),

    // --- ours: reading a bundle safely ---
    /// Ours: upstream would read the file wherever the path points; we refuse to leave the bundle.
    #[error("open payload {0}")]
    PayloadOutsideBundle(CompactString),
    /// Ours: as [`ErrorKind::PayloadOutsideBundle`], through a symlink.
    #[error("open payload {0}")]
    PayloadSymlinkOutside(CompactString),
    /// Ours: `manifest.json` or `trace.jsonl` is a symlink resolving outside the bundle.
    #[error("{0} resolves outside the bundle")]
    FileOutsideBundle(CompactString),
    /// Ours: upstream would block on a FIFO or fail reading a directory; we never open it.
    #[error("{0} is not a regular file")]
    ManifestNotRegular(CompactString),
    /// Upstream's top-level message; the cause says it is not a regular file.
    #[error("open trace event log {0}")]
    TraceNotRegular(CompactString),
    /// Upstream's top-level message; the cause says it is not a regular file.
    #[error("open payload {0}")]
    PayloadNotRegular(CompactString),

    // --- ours: limits (RC9xxx), which upstream does not have ---
    #[error("trace event line {line} is longer than the line limit of {max} bytes")]
    LineTooLong { line: usize, max: u64 },
    #[error("trace event line {line} holds an event beyond the event limit of {max}")]
    TooManyEvents { line: usize, max: usize },
    #[error("payload {id} is larger than the payload limit of {max} bytes")]
    PayloadTooLarge { id: CompactString, max: u64 },
    #[error("the bundle's files hold more than the bundle limit of {max} bytes")]
    BundleTooLarge { max: u64 },
    #[error("{path} is longer than the manifest limit of {max} bytes")]
    ManifestTooLarge { path: CompactString, max: u64 },
}

/// Why a write_stdin invocation is not a usable dispatch payload: upstream's cause under
/// [`ErrorKind::TerminalInvocationParse`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DispatchCause {
    #[error("{0}")]
    Shape(String),
    #[error("dispatch terminal request is for {0}, not write_stdin")]
    NotWriteStdin(String),
    #[error("write_stdin dispatch payload used unsupported {0} payload")]
    UnsupportedPayload(String),
    #[error("write_stdin dispatch payload omitted function arguments")]
    MissingArguments,
    #[error("parse write_stdin dispatch function arguments: {0}")]
    Arguments(String),
    #[error("write_stdin dispatch payload omitted session_id")]
    MissingSessionId,
}

/// Causes of our own wording, for collab payload values upstream's types reject. Upstream prints
/// its types' serde messages there, which the spec does not give; only the top-level message above
/// them has to match.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CollabValueCause {
    #[error("invalid agent path `{0}`")]
    InvalidAgentPath(String),
    #[error("reasoning_effort must not be empty")]
    EmptyReasoningEffort,
}

/// A located error: upstream's message plus where it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// Boxed to keep `Result<_, Error>` small on the hot path.
    pub kind: Box<ErrorKind>,
    /// The file being read (`trace.jsonl`, a payload file, `manifest.json`).
    pub file: Option<PathBuf>,
    /// 1-based line of `trace.jsonl` whose event failed.
    pub line: Option<usize>,
    pub seq: Option<u64>,
    /// The underlying cause (a serde or OS message), printed after the top-level message.
    pub detail: Option<String>,
}

impl Error {
    pub fn new(kind: ErrorKind) -> Self {
        Error { kind: Box::new(kind), file: None, line: None, seq: None, detail: None }
    }

    pub fn with_detail(mut self, detail: impl fmt::Display) -> Self {
        self.detail = Some(detail.to_string());
        self
    }

    pub fn with_file(mut self, file: impl Into<PathBuf>) -> Self {
        self.file = Some(file.into());
        self
    }

    /// Attach the event position unless an inner layer already did.
    pub fn at_event(mut self, line: usize, seq: u64) -> Self {
        self.line.get_or_insert(line);
        self.seq.get_or_insert(seq);
        self
    }

    /// The top-level message alone: what upstream tests match and `expected-error.txt` holds.
    pub fn message(&self) -> String {
        self.kind.to_string()
    }

    /// The context lines after the top-level message: cause, file, line, seq.
    pub fn context_lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        if let Some(detail) = &self.detail {
            lines.push(format!("caused by: {detail}"));
        }
        if let Some(file) = &self.file {
            lines.push(format!("file: {}", file.display()));
        }
        // The line is always the event's line in the log, even when `file` is a payload.
        let log = crate::bundle::RAW_EVENT_LOG_FILE_NAME;
        match (self.line, self.seq) {
            (Some(line), Some(seq)) => lines.push(format!("event: {log} line {line}, seq {seq}")),
            (Some(line), None) => lines.push(format!("event: {log} line {line}")),
            (None, Some(seq)) => lines.push(format!("event: seq {seq}")),
            (None, None) => {}
        }
        lines
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Error::new(kind)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.kind, f)
    }
}

impl std::error::Error for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;
