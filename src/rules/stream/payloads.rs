//! Payload refs: each id and path of the writer's shape, the file inside the bundle, regular,
//! UTF-8 JSON and within the payload limit; one id one ref; the kind the field calls for; and
//! the files of `payloads/` no event names (spec §A.3).

use std::collections::{BTreeSet, HashMap};
use std::path::{Component, Path};

use crate::bundle::{
    read_regular, resolve_inside, EventRecord, InferenceRequestInputMode, Outside, RawPayload, RawPayloadKind,
    RawPayloadRef, ReadError, RequestInputModeField, PAYLOADS_DIR_NAME,
};
use crate::rules::catalog::{self, Rule};
use crate::rules::{Limits, Location, Violation};

use RawPayloadKind as K;

/// One ref of an event: the field that holds it and the kinds that field may carry.
struct Role<'e> {
    payload: &'e RawPayloadRef,
    field: &'static str,
    kinds: &'static [RawPayloadKind],
}

/// Every ref of an event, with its role: those `RawPayload::payload_refs` lists, and the branch's
/// untraced-prefix payload, which a branch reducer reads like a request.
fn roles(payload: &RawPayload) -> Vec<Role<'_>> {
    use RawPayload::*;
    let role = |payload, field, kinds| Role { payload, field, kinds };
    let mut roles = match payload {
        ThreadStarted { metadata_payload, .. } => {
            metadata_payload.iter().map(|p| role(p, "metadata_payload", &[K::SessionMetadata])).collect()
        }
        InferenceStarted { request_payload, .. } => {
            vec![role(request_payload, "request_payload", &[K::InferenceRequest])]
        }
        InferenceCompleted { response_payload, .. } => {
            vec![role(response_payload, "response_payload", &[K::InferenceResponse])]
        }
        InferenceFailed { partial_response_payload, .. } | InferenceCancelled { partial_response_payload, .. } => {
            partial_response_payload
                .iter()
                .map(|p| role(p, "partial_response_payload", &[K::InferenceResponse]))
                .collect()
        }
        ToolCallStarted { invocation_payload, .. } => {
            invocation_payload.iter().map(|p| role(p, "invocation_payload", &[K::ToolInvocation])).collect()
        }
        // `terminal_runtime_event` is defined for runtime observations, though the recorder uses none.
        ToolCallRuntimeStarted { runtime_payload, .. } | ToolCallRuntimeEnded { runtime_payload, .. } => {
            vec![role(runtime_payload, "runtime_payload", &[K::ToolRuntimeEvent, K::TerminalRuntimeEvent])]
        }
        ToolCallEnded { result_payload, .. } => {
            result_payload.iter().map(|p| role(p, "result_payload", &[K::ToolResult])).collect()
        }
        CodeCellInitialResponse { response_payload, .. } | CodeCellEnded { response_payload, .. } => {
            response_payload.iter().map(|p| role(p, "response_payload", &[K::ToolResult])).collect()
        }
        CompactionRequestStarted { request_payload, .. } => {
            vec![role(request_payload, "request_payload", &[K::CompactionRequest])]
        }
        CompactionRequestCompleted { response_payload, .. } => {
            vec![role(response_payload, "response_payload", &[K::CompactionResponse])]
        }
        CompactionInstalled { checkpoint_payload, .. } => {
            vec![role(checkpoint_payload, "checkpoint_payload", &[K::CompactionCheckpoint])]
        }
        AgentResultObserved { carried_payload, .. } => {
            carried_payload.iter().map(|p| role(p, "carried_payload", &[K::AgentResult])).collect()
        }
        ProtocolEventObserved { event_payload, .. } => vec![role(event_payload, "event_payload", &[K::ProtocolEvent])],
        // An `other` event may carry payloads of any kind.
        Other { payloads, .. } => payloads.iter().map(|p| role(p, "payloads", ALL_KINDS)).collect(),
        RolloutStarted { .. }
        | RolloutEnded { .. }
        | ThreadEnded { .. }
        | CodexTurnStarted { .. }
        | CodexTurnEnded { .. }
        | InferenceResponseCreated { .. }
        | InferenceFirstDelta { .. }
        | McpToolCallCorrelationAssigned { .. }
        | CompactionRequestFailed { .. }
        | CodeCellStarted { .. } => Vec::new(),
    };
    if let InferenceStarted {
        request_input_mode:
            Some(RequestInputModeField::Known(InferenceRequestInputMode::IncrementalWithUntracedPrefix {
                prefix_payload,
                ..
            })),
        ..
    } = payload
    {
        roles.push(role(prefix_payload, "request_input_mode.prefix_payload", &[K::InferenceRequest]));
    }
    roles
}

const ALL_KINDS: &[RawPayloadKind] = &[
    K::InferenceRequest,
    K::InferenceResponse,
    K::CompactionRequest,
    K::CompactionCheckpoint,
    K::CompactionResponse,
    K::ToolInvocation,
    K::ToolResult,
    K::ToolRuntimeEvent,
    K::TerminalRuntimeEvent,
    K::ProtocolEvent,
    K::SessionMetadata,
    K::AgentResult,
];

/// What is wrong with one payload file, found once per path however many events name it.
type FileProblem = Option<(&'static Rule, String, Option<String>)>;

/// Check every ref of every event, then the files of `payloads/` none names.
pub fn check(root: &Path, events: &[EventRecord], limits: &Limits, found: &mut Vec<Violation>) {
    let mut files: HashMap<String, FileProblem> = HashMap::new();
    let mut refs: HashMap<&str, (&RawPayloadRef, usize)> = HashMap::new();
    let mut named: BTreeSet<String> = BTreeSet::new();
    for record in events {
        let at = Location::event(record.line, Some(record.event.seq));
        for role in roles(&record.event.payload) {
            let payload = role.payload;
            let id = &payload.raw_payload_id;
            let report = |found: &mut Vec<Violation>, rule: &'static Rule, message: String| {
                found.push(Violation::new(rule, at.clone(), message));
            };
            if let Some(normal) = normalized(&payload.path) {
                if !writer_shaped(id, &normal) {
                    report(
                        found,
                        &catalog::PAYLOAD_REF_MALFORMED,
                        format!("{} ref {id} at {} is not raw_payload:N at payloads/N.json", role.field, payload.path),
                    );
                }
                named.insert(normal);
            }
            match refs.get(id.as_str()) {
                Some((first, line)) if *first != payload => report(
                    found,
                    &catalog::PAYLOAD_ID_REUSED,
                    format!("{id} names {} here but {} at line {line}", describe(payload), describe(first)),
                ),
                Some(_) => {}
                None => {
                    refs.insert(id, (payload, record.line));
                }
            }
            if !role.kinds.contains(&payload.kind) {
                report(
                    found,
                    &catalog::PAYLOAD_KIND_MISMATCH,
                    format!(
                        "{} ref {id} has kind {}, expected {}",
                        role.field,
                        kind_name(payload.kind),
                        kind_name(role.kinds[0])
                    ),
                );
            }
            let problem =
                files.entry(payload.path.to_string()).or_insert_with(|| file_problem(root, &payload.path, limits));
            if let Some((rule, what, value)) = problem {
                let violation =
                    Violation::new(rule, at.clone(), format!("{} ref {id}: {} {what}", role.field, payload.path));
                found.push(match value {
                    Some(value) => violation.with_value(value.clone()),
                    None => violation,
                });
            }
        }
    }
    unreferenced(root, &named, found);
}

/// `raw_payload:N` at `payloads/N.json` (once `.` components are dropped), the same N.
fn writer_shaped(id: &str, path: &str) -> bool {
    let Some(n) = id.strip_prefix("raw_payload:") else { return false };
    !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) && path == format!("{PAYLOADS_DIR_NAME}/{n}.json")
}

/// The bundle-relative path without `.` components, when it stays inside the bundle by its text.
fn normalized(path: &str) -> Option<String> {
    let mut parts = Vec::new();
    for component in Path::new(path).components() {
        match component {
            Component::Normal(part) => parts.push(part.to_string_lossy().into_owned()),
            Component::CurDir => {}
            _ => return None,
        }
    }
    Some(parts.join("/"))
}

fn describe(payload: &RawPayloadRef) -> String {
    format!("kind {} at {}", kind_name(payload.kind), payload.path)
}

fn kind_name(kind: RawPayloadKind) -> String {
    serde_json::to_value(kind).ok().and_then(|v| v["type"].as_str().map(str::to_owned)).unwrap_or_default()
}

/// Resolve, refuse and read one payload path, as the reducer would, but without stopping.
fn file_problem(root: &Path, path: &str, limits: &Limits) -> FileProblem {
    let target = match resolve_inside(root, Path::new(path)) {
        Ok(Some(target)) => target,
        Ok(None) => return Some((&catalog::PAYLOAD_MISSING, "does not exist".into(), None)),
        Err(Outside::Parent) => return Some((&catalog::PAYLOAD_PATH_PARENT, "climbs out of the bundle".into(), None)),
        Err(Outside::Absolute) => return Some((&catalog::PAYLOAD_PATH_ABSOLUTE, "is an absolute path".into(), None)),
        Err(Outside::Symlink) => {
            return Some((&catalog::PAYLOAD_SYMLINK_ESCAPES, "resolves outside the bundle".into(), None))
        }
    };
    let bytes = match read_regular(&target, limits.max_payload_bytes) {
        Ok(bytes) => bytes,
        Err(ReadError::NotRegular) => {
            return Some((&catalog::PAYLOAD_NOT_REGULAR, "is not a regular file".into(), None))
        }
        Err(ReadError::TooLarge) => {
            let max = limits.max_payload_bytes.unwrap_or_default();
            return Some((&catalog::PAYLOAD_TOO_LARGE, format!("is larger than {max} bytes"), None));
        }
        Err(ReadError::Outside) => {
            return Some((&catalog::PAYLOAD_SYMLINK_ESCAPES, "resolves outside the bundle".into(), None))
        }
        Err(ReadError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {
            return Some((&catalog::PAYLOAD_MISSING, "does not exist".into(), None))
        }
        Err(ReadError::Io(e)) => {
            return Some((&catalog::PAYLOAD_UNREADABLE, "cannot be read".into(), Some(e.to_string())))
        }
    };
    if let Err(e) = std::str::from_utf8(&bytes) {
        return Some((&catalog::PAYLOAD_NOT_UTF8, "is not valid UTF-8".into(), Some(e.to_string())));
    }
    // Validated without building the value: a large payload costs no more memory than its bytes.
    if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&bytes) {
        return Some((
            &catalog::PAYLOAD_NOT_JSON,
            format!("is not valid JSON (line {}, column {})", e.line(), e.column()),
            Some(e.to_string()),
        ));
    }
    None
}

/// Files directly under `payloads/` that no ref names, each located at itself.
fn unreferenced(root: &Path, named: &BTreeSet<String>, found: &mut Vec<Violation>) {
    // Listed only when `payloads/` itself stays inside the bundle.
    let Ok(Some(dir)) = resolve_inside(root, Path::new(PAYLOADS_DIR_NAME)) else { return };
    if !dir.symlink_metadata().is_ok_and(|m| m.is_dir()) {
        return;
    }
    let Ok(entries) = std::fs::read_dir(&dir) else { return };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| !t.is_dir()))
        .map(|e| format!("{PAYLOADS_DIR_NAME}/{}", e.file_name().to_string_lossy()))
        .collect();
    names.sort();
    for name in names.into_iter().filter(|name| !named.contains(name)) {
        let message = format!("{name} is named by no event");
        found.push(Violation::new(&catalog::PAYLOAD_UNREFERENCED, Location::file(name), message));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::RawTraceEvent;

    /// Every ref the reducer registers has a role here, in the same order.
    #[test]
    fn roles_cover_every_registered_ref() {
        let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus/valid");
        let mut seen = 0;
        for bundle in std::fs::read_dir(dir).unwrap().filter_map(Result::ok) {
            let log = std::fs::read(bundle.path().join("trace.jsonl")).unwrap();
            for line in log.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
                let event: RawTraceEvent = serde_json::from_slice(line).unwrap();
                let registered: Vec<&RawPayloadRef> = event.payload.payload_refs();
                let roled: Vec<&RawPayloadRef> = roles(&event.payload).iter().map(|r| r.payload).collect();
                assert_eq!(registered, roled, "{}", event.payload.type_name());
                seen += registered.len();
            }
        }
        assert!(seen > 0);
    }
}
