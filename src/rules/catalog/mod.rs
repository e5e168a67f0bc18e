//! The rule catalog: every rule `check` can report, with a stable id that is never reused.
//!
//! Ids are `RC<family><nnn>`: the family digit groups rules as the docs do, and a retired rule
//! keeps its id with `retired: true`. Each family's rules live in their own file; this module
//! joins them and looks rules up by id or slug.

mod bundle;
mod hazard;
mod lifecycle;
mod limits;
mod ownership;
mod payload;
mod queue;
mod reducer;
mod stream;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use bundle::*;
pub use hazard::*;
pub use lifecycle::*;
pub use limits::*;
pub use ownership::*;
pub use payload::*;
pub use queue::*;
pub use reducer::{public_message, reducer_rule, REDUCER_RULES};
pub use stream::*;

/// How bad a violation is; `--fail-on` picks the lowest that fails a build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The families rule ids are grouped by, in catalog order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Family {
    /// `manifest.json`, `trace.jsonl` and the bundle directory.
    Bundle,
    /// Each line of the event log: JSON, envelope fields, `seq`, wall time, rollout identity.
    Envelope,
    /// `RawPayloadRef`s and the payload files they name.
    Payload,
    /// Starts and ends of threads, turns, inferences, tools and code cells.
    Lifecycle,
    /// Every way upstream's reducer rejects a bundle: one rule per error text.
    Reducer,
    /// Work the reducer queued that never resolved; upstream drops it silently.
    Queue,
    /// Ownership of the reduced graph: every id it names exists and owners agree.
    Ownership,
    /// Bundles upstream mishandles: a panic, or a result that depends on event order.
    Hazard,
    /// Sizes beyond what real rollouts reach.
    Limits,
}

impl Family {
    pub const ALL: [Family; 9] = [
        Family::Bundle,
        Family::Envelope,
        Family::Payload,
        Family::Lifecycle,
        Family::Reducer,
        Family::Queue,
        Family::Ownership,
        Family::Hazard,
        Family::Limits,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Family::Bundle => "bundle",
            Family::Envelope => "envelope",
            Family::Payload => "payload",
            Family::Lifecycle => "lifecycle",
            Family::Reducer => "reducer",
            Family::Queue => "queue",
            Family::Ownership => "ownership",
            Family::Hazard => "hazard",
            Family::Limits => "limits",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Family::Bundle => "Bundle and files",
            Family::Envelope => "Envelope and sequence",
            Family::Payload => "Payload references",
            Family::Lifecycle => "Lifecycle",
            Family::Reducer => "Reducer errors (upstream rejects the bundle)",
            Family::Queue => "Queue draining",
            Family::Ownership => "Ownership of the reduced graph",
            Family::Hazard => "Upstream hazards",
            Family::Limits => "Limits",
        }
    }

    /// The rules of this family, in id order.
    pub fn rules(self) -> &'static [&'static Rule] {
        match self {
            Family::Bundle => &BUNDLE_RULES,
            Family::Envelope => &STREAM_RULES,
            Family::Payload => &PAYLOAD_RULES,
            Family::Lifecycle => &LIFECYCLE_RULES,
            Family::Reducer => &REDUCER_RULES,
            Family::Queue => &QUEUE_RULES,
            Family::Ownership => &OWNERSHIP_RULES,
            Family::Hazard => &HAZARD_RULES,
            Family::Limits => &LIMIT_RULES,
        }
    }
}

/// One rule of the catalog.
#[derive(Debug, PartialEq, Eq, Serialize)]
pub struct Rule {
    /// Stable, never reused: `RC` and four digits, the first being the family's.
    pub id: &'static str,
    /// Kebab-case, unique, as stable as the id.
    pub slug: &'static str,
    #[serde(skip)]
    pub family: Family,
    pub severity: Severity,
    /// One line: what is wrong.
    pub title: &'static str,
    /// What it checks, why a producer breaks it, and how to fix it.
    pub doc: &'static str,
    /// One line on how to fix it, shown under each violation.
    pub hint: &'static str,
    /// A retired rule keeps its id and is never reported.
    pub retired: bool,
}

impl Rule {
    pub fn family_slug(&self) -> &'static str {
        self.family.slug()
    }
}

/// The rule a replay error violates, whichever family owns it: the reducer family for the
/// reducer's own checks, the hazard family for upstream's panic, the stream families for reading.
pub fn rule_for(kind: &crate::error::ErrorKind) -> &'static Rule {
    reducer_rule(kind)
        .or_else(|| hazard_rule_for(kind))
        .or_else(|| stream_rule_for(kind))
        .expect("every ErrorKind has a rule (src/rules/catalog/reducer/tests.rs checks each one)")
}

/// Every rule, family by family, in id order.
pub fn all() -> impl Iterator<Item = &'static Rule> {
    Family::ALL.into_iter().flat_map(|family| family.rules().iter().copied())
}

/// A rule by its id (`RC2003`, any case) or its slug (`seq-gap`).
pub fn find(id_or_slug: &str) -> Option<&'static Rule> {
    all().find(|rule| rule.id.eq_ignore_ascii_case(id_or_slug) || rule.slug == id_or_slug)
}

/// The stream rule (families 1–3 and 9) a reducer error about reading the bundle belongs to: the
/// generic one where several could apply. `None` for errors about what the events mean.
pub fn stream_rule_for(kind: &crate::error::ErrorKind) -> Option<&'static Rule> {
    use crate::error::ErrorKind::*;
    Some(match kind {
        ManifestOpen(_) => &MANIFEST_MISSING,
        ManifestParse(_) => &MANIFEST_UNPARSEABLE,
        TraceOpen(_) => &TRACE_MISSING,
        TraceLineRead(_) => &LINE_NOT_UTF8,
        TraceLineParse(_) => &LINE_NOT_EVENT,
        PayloadOpen(_) => &PAYLOAD_UNREADABLE,
        PayloadParse(_) => &PAYLOAD_NOT_JSON,
        PayloadOutsideBundle(_) => &PAYLOAD_PATH_PARENT,
        PayloadSymlinkOutside(_) => &PAYLOAD_SYMLINK_ESCAPES,
        FileOutsideBundle(_) => &FILE_OUTSIDE_BUNDLE,
        ManifestNotRegular(_) => &MANIFEST_NOT_REGULAR,
        TraceNotRegular(_) => &TRACE_NOT_REGULAR,
        PayloadNotRegular(_) => &PAYLOAD_NOT_REGULAR,
        LineTooLong { .. } => &LINE_TOO_LONG,
        TooManyEvents { .. } => &TOO_MANY_EVENTS,
        PayloadTooLarge { .. } => &PAYLOAD_TOO_LARGE,
        BundleTooLarge { .. } => &BUNDLE_TOO_LARGE,
        ManifestTooLarge { .. } => &MANIFEST_TOO_LARGE,
        _ => return None,
    })
}
