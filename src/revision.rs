//! Format revisions: which upstream reducer behaviour a replay, check or generator follows.
//!
//! Upstream changes the trace format additively at `schema_version: 1`, so the version field
//! cannot tell producers apart. A [`Revision`] is data plus a few named switches the reducer and
//! the generators read; there is one reducer, never a copy per revision.

use std::fmt;

/// How sure we are that a revision is upstream's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// An upstream openai/codex commit confirms it.
    Confirmed,
    /// Seen only outside upstream; a candidate until an upstream commit or PR is found.
    Provisional,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Confirmed => "confirmed",
            Status::Provisional => "provisional",
        }
    }
}

/// A reducer behaviour set, by name.
#[derive(Debug, PartialEq, Eq)]
pub struct Revision {
    /// What `--revision` takes.
    pub name: &'static str,
    pub status: Status,
    /// Where the facts of the revision come from.
    pub source: &'static str,
    /// What it changes against the revision before it, one line each.
    pub changes: &'static [&'static str],
    /// Event types this revision adds: a bundle that uses one needs this revision or a later one.
    pub new_event_types: &'static [&'static str],
    /// `inference_response_created`, `inference_first_delta`, the server times on
    /// `inference_completed` and the `timing` object on every inference call.
    pub timing: bool,
    /// `response_id` is overwritten only by a non-null value; failed and cancelled calls keep it.
    pub sticky_response_id: bool,
}

/// Upstream openai/codex `codex-rs/rollout-trace` at `bc8b25ea02`: the reference.
pub static BC8B25EA02: Revision = Revision {
    name: "bc8b25ea02",
    status: Status::Confirmed,
    source: "upstream openai/codex codex-rs/rollout-trace at commit bc8b25ea02 (spec/codex-trace-format.md)",
    changes: &["the baseline: 25 event types, no inference timing"],
    new_event_types: &[],
    timing: false,
    sticky_response_id: false,
};

/// The inference-timing revision, seen only in a stored copy of the mirror vegerot/codex.
pub static INFERENCE_TIMING: Revision = Revision {
    name: "inference-timing",
    status: Status::Provisional,
    source: "a stored copy of the public mirror vegerot/codex at 2d807f9e2b, 361b08c349, f79c6176de and \
             52622a5919; no upstream commit id confirmed (spec/revision-inference-timing.md)",
    changes: &[
        "new events inference_response_created and inference_first_delta",
        "inference_completed: optional server_created_at_unix_ms and server_completed_at_unix_ms (type-checked)",
        "every inference call gains a `timing` object after `execution`, old bundles included",
        "response_id is overwritten only by a non-null value; failed and cancelled calls keep it",
    ],
    new_event_types: &["inference_response_created", "inference_first_delta"],
    timing: true,
    sticky_response_id: true,
};

/// Every revision, oldest first.
pub static ALL: [&Revision; 2] = [&BC8B25EA02, &INFERENCE_TIMING];

impl Revision {
    /// The default: the confirmed upstream.
    pub fn default_revision() -> &'static Revision {
        &BC8B25EA02
    }

    pub fn find(name: &str) -> Option<&'static Revision> {
        ALL.iter().copied().find(|revision| revision.name == name)
    }

    /// The oldest revision that adds `event_type`, when a later one than `self` does.
    pub fn newer_for_event(&self, event_type: &str) -> Option<&'static Revision> {
        let position = ALL.iter().position(|r| std::ptr::eq(*r, self)).unwrap_or(0);
        ALL[position + 1..].iter().copied().find(|r| r.new_event_types.contains(&event_type))
    }

    /// Whether this revision reads `event_type` (one any revision adds); other types are not judged here.
    pub fn knows_event(&self, event_type: &str) -> bool {
        let position = ALL.iter().position(|r| std::ptr::eq(*r, self)).unwrap_or(0);
        let added_later = ALL[position + 1..].iter().any(|r| r.new_event_types.contains(&event_type));
        !added_later
    }

    /// The hint after a bundle's newer event: which revision reads it and how to ask for it.
    pub fn newer_event_hint(&self, event_type: &str) -> Option<String> {
        let newer = self.newer_for_event(event_type)?;
        Some(format!(
            "event type `{event_type}` belongs to revision {} ({}), newer than {}; reduce with `--revision {}`",
            newer.name,
            newer.status.as_str(),
            self.name,
            newer.name
        ))
    }

    /// The names of every revision, for usage messages.
    pub fn names() -> String {
        ALL.iter().map(|r| r.name).collect::<Vec<_>>().join(", ")
    }
}

impl Default for &'static Revision {
    fn default() -> Self {
        Revision::default_revision()
    }
}

impl fmt::Display for Revision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

/// `--revision NAME` for clap: a registered name, or a message listing them.
pub fn parse_name(name: &str) -> Result<&'static Revision, String> {
    Revision::find(name).ok_or_else(|| format!("unknown revision `{name}`; known: {}", Revision::names()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_is_the_confirmed_upstream() {
        let default = Revision::default_revision();
        assert_eq!(default.name, "bc8b25ea02");
        assert_eq!(default.status, Status::Confirmed);
        assert!(!default.timing && !default.sticky_response_id);
    }

    #[test]
    fn timing_events_need_the_timing_revision() {
        let hint = BC8B25EA02.newer_event_hint("inference_first_delta").unwrap();
        assert!(hint.contains("--revision inference-timing"), "{hint}");
        assert!(!BC8B25EA02.knows_event("inference_response_created"));
        assert!(INFERENCE_TIMING.knows_event("inference_response_created"));
        assert_eq!(INFERENCE_TIMING.newer_event_hint("inference_first_delta"), None);
        assert_eq!(BC8B25EA02.newer_event_hint("tool_call_started"), None);
        assert_eq!(parse_name("inference-timing"), Ok(&INFERENCE_TIMING));
        assert!(parse_name("latest").unwrap_err().contains("bc8b25ea02, inference-timing"));
    }
}
