//! The reducer family against `ErrorKind`: every rule is some error's, ids and slugs are unique
//! across the catalog, and the public message withholds free text.

use std::collections::{BTreeMap, HashSet};
use std::mem::discriminant;

use super::*;
use crate::error::{Error, ErrorKind as K};
use crate::rules::catalog;
use crate::rules::check::reducer_violation;

const CANARY: &str = "CANARY-7f3a";

fn s(text: &str) -> String {
    text.to_owned()
}

/// One value of every `ErrorKind` variant (ids made up, no free text).
fn every_kind() -> Vec<K> {
    vec![
        K::ManifestOpen(s("No such file or directory (os error 2)").into()),
        K::ManifestParse(s("/b/manifest.json").into()),
        K::TraceOpen(s("/b/trace.jsonl").into()),
        K::TraceLineRead(2),
        K::TraceLineParse(2),
        K::PayloadOpen(s("raw_payload:1").into()),
        K::PayloadParse(s("raw_payload:1").into()),
        K::OtherEvent,
        K::SummaryCutInsideCharacter(s("raw_payload:1").into()),
        K::Serde(s("missing field `prompt`").into()),
        K::DuplicateThreadStart(s("t").into()),
        K::ThreadMetadataParse(s("raw_payload:1").into()),
        K::UnknownThread(s("t").into()),
        K::DuplicateTurnStart(s("turn").into()),
        K::TurnEndWrongThread { turn: s("turn").into(), thread: s("t").into(), owner: s("o").into() },
        K::TurnEndUnknownTurn(s("turn").into()),
        K::DuplicateInferenceStart(s("inf").into()),
        K::InferenceUnknownTurn { call: s("inf").into(), turn: s("turn").into() },
        K::InferenceWrongThread {
            call: s("inf").into(),
            thread: s("t").into(),
            turn: s("turn").into(),
            owner: s("o").into(),
        },
        K::RequestMissingInput(s("raw_payload:1").into()),
        K::RequestNonArrayInput(s("raw_payload:1").into()),
        K::UnknownPreviousResponse { call: s("inf").into(), response: s("resp").into() },
        K::ConversationMismatch {
            turn: s("turn").into(),
            thread: s("t").into(),
            index: 3,
            item: s("conversation_item:1").into(),
        },
        K::CallIdReused(s("call").into()),
        K::ItemWithoutType(s("raw_payload:1").into()),
        K::UnsupportedItemType { item_type: s("hologram").into(), payload: s("raw_payload:1").into() },
        K::MessageWithoutRole(s("raw_payload:1").into()),
        K::UnsupportedRole { role: s("narrator").into(), payload: s("raw_payload:1").into() },
        K::AgentMessageParse(s("raw_payload:1").into()),
        K::AgentMessageEmpty(s("raw_payload:1").into()),
        K::ReasoningNonArray { payload: s("raw_payload:1").into(), key: "summary" },
        K::ReasoningEntryWithoutType { payload: s("raw_payload:1").into(), key: "content" },
        K::ReasoningUnsupportedContent { payload: s("raw_payload:1").into(), entry_type: s("image").into() },
        K::ReasoningUnsupportedSummary { payload: s("raw_payload:1").into(), entry_type: s("text").into() },
        K::ReasoningEntryWithoutText { payload: s("raw_payload:1").into(), key: "summary" },
        K::ReasoningNonStringEncrypted(s("raw_payload:1").into()),
        K::ReasoningEmpty(s("raw_payload:1").into()),
        K::CompactionItemWithoutEncrypted(s("raw_payload:1").into()),
        K::CompletionUnknownCall(s("inf").into()),
        K::ResponseCreatedUnknownCall(s("inf").into()),
        K::FirstDeltaUnknownCall(s("inf").into()),
        K::ResponseWithoutOutputItems(s("raw_payload:1").into()),
        K::DuplicateCompactionRequest(s("req").into()),
        K::CompactionRequestUnknownTurn { request: s("req").into(), turn: s("turn").into() },
        K::CompactionRequestWrongThread {
            request: s("req").into(),
            thread: s("t").into(),
            turn: s("turn").into(),
            owner: s("o").into(),
        },
        K::CompactionCompletionUnknownRequest(s("req").into()),
        K::CompactionIdMismatch { request: s("req").into(), completion: s("c2").into(), start: s("c1").into() },
        K::CompactionInstallWithoutThread(s("c").into()),
        K::CompactionInstallWithoutTurn(s("c").into()),
        K::DuplicateCompactionInstall(s("c").into()),
        K::CompactionInstallUnknownTurn { compaction: s("c").into(), turn: s("turn").into() },
        K::CompactionInstallWrongThread {
            compaction: s("c").into(),
            thread: s("t").into(),
            turn: s("turn").into(),
            owner: s("o").into(),
        },
        K::CheckpointWithoutArray { payload: s("raw_payload:1").into(), key: "input_history" },
        K::CodeCellWithoutThread { event: "code cell start", runtime_cell: s("1").into() },
        K::CodeCellUnknownEnvelopeTurn { event: "code cell end", runtime_cell: s("1").into(), turn: s("turn").into() },
        K::RuntimeCellRemapped {
            runtime_cell: s("1").into(),
            thread: s("t").into(),
            first: s("a").into(),
            second: s("b").into(),
        },
        K::DuplicateCodeCellStart(s("code_cell:c").into()),
        K::CodeCellStartWithoutTurn(s("code_cell:c").into()),
        K::CodeCellStartUnknownThread(s("t").into()),
        K::CodeCellStartUnknownTurn(s("turn").into()),
        K::CodeCellStartWrongThread { thread: s("t").into(), turn: s("turn").into(), owner: s("o").into() },
        K::UnknownRuntimeCell { event: "code cell end", runtime_cell: s("1").into(), thread: s("t").into() },
        K::CodeCellWithoutSourceItem { code_cell: s("code_cell:c").into(), call: s("c").into() },
        K::CodeCellUnknownCell { event: "code cell end", code_cell: s("code_cell:c").into() },
        K::DuplicateToolCallStart(s("call").into()),
        K::DuplicateModelVisibleCall(s("call").into()),
        K::MultipleToolCallsMatched(s("call").into()),
        K::ToolStartWithoutContext,
        K::ToolStartUnknownTurn(s("turn").into()),
        K::ToolStartUnknownThread(s("t").into()),
        K::ToolStartWrongThread { thread: s("t").into(), turn: s("turn").into(), owner: s("o").into() },
        K::NestedToolUnknownRuntimeCell { runtime_cell: s("1").into(), thread: s("t").into() },
        K::WaitWithoutArguments(s("raw_payload:1").into()),
        K::WaitInvalidArguments(s("raw_payload:1").into()),
        K::WaitWithoutCellId(s("raw_payload:1").into()),
        K::TerminalInvocationParse(s("raw_payload:1").into()),
        K::McpUnknownToolCall(s("call").into()),
        K::DuplicateMcpCorrelation(s("call").into()),
        K::RuntimeStartUnknownCall(s("call").into()),
        K::RuntimeEndUnknownCall(s("call").into()),
        K::SecondTerminalOperation(s("call").into()),
        K::TerminalRuntimeStartParse(s("raw_payload:1").into()),
        K::ExecResponseParse(s("raw_payload:1").into()),
        K::WriteStdinResponseParse {
            payload: s("raw_payload:1").into(),
            protocol_error: s("missing field `stdout`").into(),
        },
        K::ProcessIdChanged { operation: s("terminal_operation:1").into(), from: s("1").into(), to: s("2").into() },
        K::TerminalSessionWrongThread { terminal: s("pty-1").into(), owner: s("o").into(), thread: s("t").into() },
        K::ToolEndUnknownCall(s("call").into()),
        K::TerminalEndUnknownOperation(s("terminal_operation:1").into()),
        K::ActivityKindMismatch { activity: "Started", kind: s("SendMessage").into() },
        K::ActivityMissingInvocation(s("call").into()),
        K::ActivityUnregisteredInvocation { tool: s("call").into(), payload: s("raw_payload:1").into() },
        K::ActivityMissingArguments(s("call").into()),
        K::ActivityArgumentsParse(s("call").into()),
        K::AgentEdgeUnknownThread(s("t").into()),
        K::AgentEdgeUnknownToolCall(s("call").into()),
        K::PendingEdgeConflict(s("edge:tool:call").into()),
        K::EdgeEndpointConflict(s("edge:tool:call").into()),
        K::NonSpawnFallback(s("edge:tool:call").into()),
        K::PayloadOutsideBundle(s("raw_payload:1").into()),
        K::PayloadSymlinkOutside(s("raw_payload:1").into()),
        K::FileOutsideBundle(s("/b/manifest.json").into()),
        K::ManifestNotRegular(s("/b/manifest.json").into()),
        K::TraceNotRegular(s("/b/trace.jsonl").into()),
        K::PayloadNotRegular(s("raw_payload:1").into()),
        K::LineTooLong { line: 2, max: 16 },
        K::TooManyEvents { line: 2, max: 1 },
        K::PayloadTooLarge { id: s("raw_payload:1").into(), max: 16 },
        K::BundleTooLarge { max: 16 },
        K::ManifestTooLarge { path: s("/b/manifest.json").into(), max: 16 },
    ]
}

#[test]
fn every_variant_is_listed_once() {
    let kinds = every_kind();
    let distinct: HashSet<_> = kinds.iter().map(discriminant).collect();
    assert_eq!(distinct.len(), kinds.len(), "a variant is listed twice");
}

#[test]
fn every_reducer_rule_is_the_rule_of_exactly_one_error() {
    let mut sources: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut others = 0;
    for kind in every_kind() {
        match reducer_rule(&kind) {
            Some(rule) => sources.entry(rule.id).or_default().push(format!("{kind:?}")),
            None => others += 1,
        }
    }
    assert_eq!(others, 19, "the stream and limit families' eighteen kinds and the hazard family's one");
    for rule in REDUCER_RULES {
        let from = sources.remove(rule.id).unwrap_or_default();
        assert_eq!(from.len(), 1, "{} ({}) is the rule of {from:?}", rule.id, rule.slug);
    }
    assert!(sources.is_empty(), "rules outside REDUCER_RULES: {sources:?}");
}

#[test]
fn reducer_rules_are_errors_of_the_reducer_family_in_id_order() {
    let mut previous = "RC5000";
    for rule in REDUCER_RULES {
        assert_eq!(rule.family, Family::Reducer, "{}", rule.id);
        assert_eq!(rule.severity, Severity::Error, "{}", rule.id);
        assert!(!rule.retired, "{}", rule.id);
        let digits = rule.id.strip_prefix("RC5").unwrap_or_else(|| panic!("{} is not RC5xxx", rule.id));
        assert!(digits.len() == 3 && digits.bytes().all(|b| b.is_ascii_digit()), "{}", rule.id);
        assert!(rule.id > previous, "{} comes after {previous}", rule.id);
        previous = rule.id;
        let kebab = rule.slug.split('-').all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase()));
        assert!(kebab, "{} slug {:?} is not kebab-case", rule.id, rule.slug);
        for (what, text) in [("title", rule.title), ("doc", rule.doc), ("hint", rule.hint)] {
            assert!(!text.is_empty() && !text.contains('\n'), "{} {what} is not one line", rule.id);
        }
    }
}

#[test]
fn ids_and_slugs_are_unique_across_the_catalog() {
    let (mut ids, mut slugs) = (HashSet::new(), HashSet::new());
    for rule in catalog::all() {
        assert!(ids.insert(rule.id), "id {} twice", rule.id);
        assert!(slugs.insert(rule.slug), "slug {} twice", rule.slug);
    }
    for rule in REDUCER_RULES {
        assert_eq!(catalog::find(rule.id), Some(rule));
        assert_eq!(catalog::find(rule.slug), Some(rule));
    }
}

/// Each variant that carries free text, with the canary in it and its ids beside it.
fn kinds_with_free_text() -> Vec<(K, Vec<&'static str>)> {
    vec![
        (K::ManifestOpen(format!("{CANARY} (os error 13)").into()), vec!["(os error 13)"]),
        (K::ManifestOpen(s(CANARY).into()), vec![]),
        (K::Serde(format!("invalid agent path `{CANARY}`").into()), vec![]),
        (K::Serde(format!("unknown variant `{CANARY}`, expected one of `started`").into()), vec![]),
        (K::Serde(format!("invalid type: string \"{CANARY}\", expected u64").into()), vec![]),
        (K::Serde(format!("missing field `{CANARY}`").into()), vec![]),
        (K::Serde(format!("missing field `prompt` {CANARY}").into()), vec!["missing field `prompt`"]),
        (
            K::UnsupportedItemType { item_type: s(CANARY).into(), payload: s("raw_payload:4").into() },
            vec!["raw_payload:4"],
        ),
        (K::UnsupportedRole { role: s(CANARY).into(), payload: s("raw_payload:4").into() }, vec!["raw_payload:4"]),
        (
            K::ReasoningUnsupportedContent { payload: s("raw_payload:4").into(), entry_type: s(CANARY).into() },
            vec!["raw_payload:4"],
        ),
        (
            K::ReasoningUnsupportedSummary { payload: s("raw_payload:4").into(), entry_type: s(CANARY).into() },
            vec!["raw_payload:4"],
        ),
        (
            K::WriteStdinResponseParse {
                payload: s("raw_payload:4").into(),
                protocol_error: format!("invalid type: string \"{CANARY}\", expected i32").into(),
            },
            vec!["raw_payload:4", "as protocol payload (", ") or dispatch payload"],
        ),
    ]
}

#[test]
fn public_message_withholds_free_text_and_keeps_ids() {
    for (kind, kept) in kinds_with_free_text() {
        assert!(kind.to_string().contains(CANARY), "the canary is not in {kind:?}'s message");
        let public = public_message(&kind);
        assert!(!public.contains(CANARY), "{kind:?} leaks: {public}");
        assert!(public.contains("withheld"), "{kind:?} does not say what it left out: {public}");
        for id in kept {
            assert!(public.contains(id), "{kind:?} lost {id:?}: {public}");
        }
    }
}

#[test]
fn public_message_is_upstreams_message_when_there_is_no_free_text() {
    let free_text: HashSet<_> = kinds_with_free_text().iter().map(|(kind, _)| discriminant(kind)).collect();
    for kind in every_kind() {
        if !free_text.contains(&discriminant(&kind)) {
            assert_eq!(public_message(&kind), kind.to_string());
        }
    }
    assert_eq!(public_message(&K::Serde(s("missing field `prompt`").into())), "missing field `prompt`");
}

/// The rules no bundle is known to reach, as `tests/reducer_errors/main.rs` lists them.
#[test]
fn unreachable_errors_are_reported_under_their_rules() {
    let unreachable = [
        (K::CodeCellStartUnknownThread(s("t").into()), &CODE_CELL_START_UNKNOWN_THREAD),
        (
            K::CodeCellUnknownCell { event: "code cell end", code_cell: s("code_cell:c").into() },
            &CODE_CELL_UNKNOWN_CELL,
        ),
        (
            K::CodeCellWithoutSourceItem { code_cell: s("code_cell:c").into(), call: s("c").into() },
            &CODE_CELL_WITHOUT_SOURCE_ITEM,
        ),
        (K::MultipleToolCallsMatched(s("call").into()), &MULTIPLE_TOOL_CALLS_MATCHED),
        (K::TerminalEndUnknownOperation(s("terminal_operation:1").into()), &TERMINAL_END_UNKNOWN_OPERATION),
        (
            K::ActivityUnregisteredInvocation { tool: s("call").into(), payload: s("raw_payload:1").into() },
            &ACTIVITY_UNREGISTERED_INVOCATION,
        ),
        (K::AgentEdgeUnknownToolCall(s("call").into()), &AGENT_EDGE_UNKNOWN_TOOL_CALL),
        (K::NonSpawnFallback(s("edge:tool:call").into()), &NON_SPAWN_FALLBACK),
    ];
    for (kind, rule) in unreachable {
        assert!(rule.doc.contains("No bundle is known to reach it"), "{} does not say so", rule.id);
        let message = kind.to_string();
        let violation = reducer_violation(&Error::new(kind).at_event(7, 6));
        assert_eq!(violation.rule, rule, "{message}");
        assert_eq!((violation.location.line, violation.location.seq), (Some(7), Some(6)));
        assert_eq!(violation.location.file, "trace.jsonl");
        assert_eq!(violation.message, message);
    }
}

#[test]
fn rule_for_falls_back_only_for_other_families() {
    for kind in every_kind() {
        match reducer_rule(&kind) {
            Some(rule) => assert_eq!(catalog::rule_for(&kind), rule),
            None => assert_ne!(catalog::rule_for(&kind).family, Family::Reducer, "{kind:?}"),
        }
    }
}
