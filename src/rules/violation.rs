//! A violation: one rule broken at one place, with a message that carries no payload content.

use serde::Serialize;

use super::catalog::{Rule, Severity};

/// Where in a bundle a violation is: a bundle-relative file, and for the event log the line and
/// the event's seq.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Location {
    /// `manifest.json`, `trace.jsonl`, `payloads/3.json`; empty for the bundle as a whole.
    pub file: String,
    /// 1-based physical line of `trace.jsonl`.
    pub line: Option<usize>,
    pub seq: Option<u64>,
}

impl Location {
    pub fn bundle() -> Self {
        Location::default()
    }

    pub fn file(file: impl Into<String>) -> Self {
        Location { file: file.into(), line: None, seq: None }
    }

    /// An event of the log, by line and (when it parsed that far) seq.
    pub fn event(line: usize, seq: Option<u64>) -> Self {
        Location { file: crate::bundle::RAW_EVENT_LOG_FILE_NAME.to_owned(), line: Some(line), seq }
    }

    /// `trace.jsonl:12 (seq 11)`, `payloads/3.json`, or `bundle`.
    pub fn display(&self) -> String {
        let mut text = if self.file.is_empty() { "bundle".to_owned() } else { self.file.clone() };
        if let Some(line) = self.line {
            text.push_str(&format!(":{line}"));
        }
        if let Some(seq) = self.seq {
            text.push_str(&format!(" (seq {seq})"));
        }
        text
    }
}

/// One rule broken at one place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub rule: &'static Rule,
    /// The rule's severity after `--allow`/`--deny` and the config file.
    pub severity: Severity,
    pub location: Location,
    /// Built from ids, seq, lines, field names and type tags only: never payload content or
    /// free text from events, so any report may be published.
    pub message: String,
    /// The offending value (may be private); rendered only with `--show-values`.
    pub value: Option<String>,
}

impl Violation {
    pub fn new(rule: &'static Rule, location: Location, message: impl Into<String>) -> Self {
        Violation { rule, severity: rule.severity, location, message: message.into(), value: None }
    }

    /// Attach the offending value, shown only on request.
    pub fn with_value(mut self, value: impl Into<String>) -> Self {
        self.value = Some(value.into());
        self
    }
}
