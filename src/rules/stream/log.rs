//! Each line of `trace.jsonl`: UTF-8, a trace event of a known type, `seq` from 1 without gaps
//! or steps back, wall time, the rollout's identity, and where `rollout_started`/`rollout_ended`
//! stand (spec §B.1).

use serde_json::Value;

use crate::bundle::{
    log_lines, parse_line, EventRecord, LineError, LogLine, Manifest, RawPayload, RAW_EVENT_LOG_FILE_NAME,
};
use crate::revision::{self, Revision};
use crate::rules::catalog::{self, Rule};
use crate::rules::{Limits, Location, Violation};

/// The payload `type` tags of bc8b25ea02 (§B.2); later revisions add theirs (`Revision::new_event_types`).
const EVENT_TYPES: [&str; 25] = [
    "rollout_started",
    "rollout_ended",
    "thread_started",
    "thread_ended",
    "codex_turn_started",
    "codex_turn_ended",
    "inference_started",
    "inference_completed",
    "inference_failed",
    "inference_cancelled",
    "tool_call_started",
    "mcp_tool_call_correlation_assigned",
    "tool_call_runtime_started",
    "tool_call_runtime_ended",
    "tool_call_ended",
    "code_cell_started",
    "code_cell_initial_response",
    "code_cell_ended",
    "compaction_request_started",
    "compaction_request_completed",
    "compaction_request_failed",
    "compaction_installed",
    "agent_result_observed",
    "protocol_event_observed",
    "other",
];

/// A type tag is named in messages, but only as long as a tag could reasonably be.
const MAX_TAG_IN_MESSAGE: usize = 64;

/// Check every line; the events that parsed, in file order (up to the event limit).
pub fn check(
    log: &[u8],
    manifest: Option<&Manifest>,
    limits: &Limits,
    revision: &Revision,
    found: &mut Vec<Violation>,
) -> Vec<EventRecord> {
    let mut events: Vec<EventRecord> = Vec::new();
    let mut order = Order::default();
    let mut first_line = None;
    if log.is_empty() {
        found.push(Violation::new(
            &catalog::TRACE_EMPTY,
            Location::file(RAW_EVENT_LOG_FILE_NAME),
            "trace.jsonl is empty".to_owned(),
        ));
    }
    let mut crlf = None;
    for line in log_lines(log) {
        let at = Location::event(line.number, None);
        if line.crlf {
            crlf.get_or_insert((line.number, 0usize)).1 += 1;
        }
        let mut report = |rule: &'static Rule, message: String| found.push(Violation::new(rule, at.clone(), message));
        // A byte order mark or a NUL is named for what it is, not as JSON that does not parse.
        let odd = if line.number == 1 && line.bytes.starts_with(BOM) {
            Some((&catalog::LINE_HAS_BOM, "line 1 starts with a UTF-8 byte order mark".to_owned()))
        } else {
            let nul = line.bytes.iter().position(|&b| b == 0);
            nul.map(|at| (&catalog::LINE_HAS_NUL, format!("line {} holds a NUL byte at byte {}", line.number, at + 1)))
        };
        if let Some((rule, message)) = odd.filter(|_| !too_long(&line, limits)) {
            report(rule, message);
            order.lost_track();
            first_line.get_or_insert(line.number);
            continue;
        }
        if too_long(&line, limits) {
            report(
                &catalog::LINE_TOO_LONG,
                // The read stops inside such a line, so its length is not known.
                format!(
                    "line {} is longer than the limit of {} bytes",
                    line.number,
                    limits.max_line_bytes.unwrap_or_default()
                ),
            );
            order.lost_track();
            first_line.get_or_insert(line.number);
            continue;
        }
        match parse_line(line.bytes) {
            Ok(None) => report(&catalog::BLANK_LINE, format!("line {} is blank", line.number)),
            Ok(Some(event)) => {
                if limits.max_events.is_some_and(|max| events.len() >= max) {
                    report(
                        &catalog::TOO_MANY_EVENTS,
                        format!(
                            "line {} holds an event beyond the limit of {}",
                            line.number,
                            limits.max_events.unwrap_or_default()
                        ),
                    );
                    break;
                }
                if let RawPayload::InferenceResponseCreated { .. } | RawPayload::InferenceFirstDelta { .. } =
                    &event.payload
                {
                    newer_revision(line.number, Some(event.seq), event.payload.type_name(), revision, found);
                }
                let record = EventRecord { line: line.number, event };
                let first = *first_line.get_or_insert(line.number) == line.number;
                order.check(&record, first, manifest, found);
                events.push(record);
            }
            Err(LineError::NotUtf8(e)) => {
                found.push(
                    Violation::new(&catalog::LINE_NOT_UTF8, at, format!("line {} is not valid UTF-8", line.number))
                        .with_value(e.to_string()),
                );
                order.lost_track();
                first_line.get_or_insert(line.number);
            }
            Err(LineError::NotEvent(e)) => {
                found.push(not_an_event(line.number, line.bytes, line.terminated, revision, &e));
                order.lost_track();
                first_line.get_or_insert(line.number);
            }
        }
    }
    order.finish(&events, found);
    if let Some((line, count)) = crlf {
        found.push(Violation::new(
            &catalog::CRLF_LINE_ENDING,
            Location::event(line, None),
            format!("{count} line(s) end in CRLF, the first is line {line}"),
        ));
    }
    events
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

fn too_long(line: &LogLine<'_>, limits: &Limits) -> bool {
    limits.max_line_bytes.is_some_and(|max| line.bytes.len() as u64 > max)
}

/// Why a UTF-8 line is not an event: cut off at the end of the log, an unknown type, or anything
/// else. The serde message (which may quote the line) is kept as the value only.
fn not_an_event(
    number: usize,
    bytes: &[u8],
    terminated: bool,
    revision: &Revision,
    error: &serde_json::Error,
) -> Violation {
    let at = Location::event(number, None);
    if !terminated && error.is_eof() {
        return Violation::new(
            &catalog::LINE_TRUNCATED,
            at,
            format!("line {number} is the last, has no newline and its JSON ends early"),
        );
    }
    let parsed = serde_json::from_slice::<Value>(bytes);
    let tag = parsed.as_ref().ok().and_then(|v| v.get("payload")).and_then(|p| p.get("type")).and_then(Value::as_str);
    if let Some(newer) = tag.and_then(|tag| newer_revision_violation(number, None, tag, revision)) {
        return newer.with_value(error.to_string());
    }
    let known = |tag: &&str| EVENT_TYPES.contains(tag) || revision::ALL.iter().any(|r| r.new_event_types.contains(tag));
    if let Some(tag) = tag.filter(|tag| !known(tag)) {
        let named: String = tag.chars().take(MAX_TAG_IN_MESSAGE).collect();
        return Violation::new(
            &catalog::UNKNOWN_EVENT_TYPE,
            at,
            format!("line {number} has payload type `{named}`, which upstream cannot reduce"),
        )
        .with_value(tag.to_owned());
    }
    let what = if parsed.is_ok() { "is JSON but not a trace event" } else { "is not valid JSON" };
    Violation::new(&catalog::LINE_NOT_EVENT, at, format!("line {number} {what} (at column {})", error.column()))
        .with_value(error.to_string())
}

/// An event type the checked revision does not read but a later one does.
fn newer_revision(line: usize, seq: Option<u64>, tag: &str, revision: &Revision, found: &mut Vec<Violation>) {
    found.extend(newer_revision_violation(line, seq, tag, revision));
}

fn newer_revision_violation(line: usize, seq: Option<u64>, tag: &str, revision: &Revision) -> Option<Violation> {
    let newer = revision.newer_for_event(tag)?;
    Some(Violation::new(
        &catalog::EVENT_FROM_NEWER_REVISION,
        Location::event(line, seq),
        format!(
            "line {line} has payload type `{tag}` of revision {}, newer than {}; check with `--revision {}`",
            newer.name, revision.name, newer.name
        ),
    ))
}

/// What the lines so far say about order: seq, wall time, the rollout's start and end.
#[derive(Default)]
struct Order {
    /// The highest seq so far; `None` before the first event and after a line that did not parse
    /// (its seq is unknown, so the next step is not judged).
    last_seq: Option<u64>,
    seen_event: bool,
    last_wall: Option<i64>,
    rollout_started: bool,
    /// The line of the first `rollout_ended`, and the first event after it with how many follow.
    rollout_ended: Option<usize>,
    after_end: Option<(usize, u64, usize)>,
}

impl Order {
    fn lost_track(&mut self) {
        self.last_seq = None;
        self.seen_event = true;
    }

    fn check(&mut self, record: &EventRecord, first: bool, manifest: Option<&Manifest>, found: &mut Vec<Violation>) {
        let event = &record.event;
        let (line, seq) = (record.line, event.seq);
        let at = Location::event(line, Some(seq));
        let mut report = |rule: &'static Rule, message: String| found.push(Violation::new(rule, at.clone(), message));
        if event.schema_version != 1 {
            report(
                &catalog::EVENT_SCHEMA_VERSION,
                format!("seq {seq} has schema_version {}, not 1", event.schema_version),
            );
        }
        match self.last_seq {
            None if !self.seen_event && seq != 1 => {
                report(&catalog::SEQ_NOT_FROM_ONE, format!("the first event has seq {seq}, not 1"))
            }
            Some(last) if seq > last.saturating_add(1) => {
                report(&catalog::SEQ_GAP, format!("seq jumps from {last} to {seq}: {} missing", seq - last - 1))
            }
            Some(last) if seq <= last => report(&catalog::SEQ_NOT_INCREASING, format!("seq {seq} follows seq {last}")),
            _ => {}
        }
        self.last_seq = Some(self.last_seq.map_or(seq, |last| last.max(seq)));
        self.seen_event = true;
        if let Some(last) = self.last_wall.filter(|&last| event.wall_time_unix_ms < last) {
            report(
                &catalog::WALL_TIME_BACKWARDS,
                format!("wall_time_unix_ms steps back {} ms from the event before", last - event.wall_time_unix_ms),
            );
        }
        self.last_wall = Some(event.wall_time_unix_ms);
        if let Some(manifest) = manifest {
            if event.rollout_id != manifest.rollout_id {
                report(
                    &catalog::ROLLOUT_ID_MISMATCH,
                    format!("rollout_id {} is not the manifest's {}", event.rollout_id, manifest.rollout_id),
                );
            }
        }
        if let Some(ended) = self.rollout_ended {
            match &self.after_end {
                None if !matches!(event.payload, RawPayload::RolloutEnded { .. }) => {
                    self.after_end = Some((line, seq, ended))
                }
                _ => {}
            }
        }
        match &event.payload {
            RawPayload::RolloutStarted { trace_id, root_thread_id } => {
                if !first {
                    report(&catalog::ROLLOUT_STARTED_NOT_FIRST, "rollout_started is not the first event".to_owned());
                }
                self.rollout_started = true;
                if let Some(manifest) = manifest {
                    if trace_id != manifest.trace_id {
                        report(
                            &catalog::ROLLOUT_STARTED_MISMATCH,
                            format!("rollout_started trace_id {trace_id} is not the manifest's {}", manifest.trace_id),
                        );
                    }
                    if root_thread_id != manifest.root_thread_id {
                        report(
                            &catalog::ROLLOUT_STARTED_MISMATCH,
                            format!(
                                "rollout_started root_thread_id {root_thread_id} is not the manifest's {}",
                                manifest.root_thread_id
                            ),
                        );
                    }
                }
            }
            RawPayload::RolloutEnded { .. } => match self.rollout_ended {
                Some(first_end) => report(
                    &catalog::ROLLOUT_ENDED_TWICE,
                    format!("a second rollout_ended; the first is at line {first_end}"),
                ),
                None => self.rollout_ended = Some(line),
            },
            _ => {}
        }
    }

    fn finish(&self, events: &[EventRecord], found: &mut Vec<Violation>) {
        if let (false, Some(first)) = (self.rollout_started, events.first()) {
            found.push(Violation::new(
                &catalog::ROLLOUT_STARTED_NOT_FIRST,
                Location::event(first.line, Some(first.event.seq)),
                "the log has no rollout_started".to_owned(),
            ));
        }
        if let Some((line, seq, ended)) = self.after_end {
            let following = events
                .iter()
                .filter(|r| r.line >= line && !matches!(r.event.payload, RawPayload::RolloutEnded { .. }))
                .count();
            found.push(Violation::new(
                &catalog::EVENT_AFTER_ROLLOUT_ENDED,
                Location::event(line, Some(seq)),
                format!("{following} event(s) follow rollout_ended at line {ended}, starting here"),
            ));
        }
    }
}
