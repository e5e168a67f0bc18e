//! One report model behind every output format: what `check` found in each bundle and what
//! `compare` found in each case, rendered as human text, JSON, JSON Lines, SARIF, JUnit or HTML.
//!
//! Nothing here holds payload content unless the run asked for it (`show_values`): messages are
//! built from ids, seq, lines, field names and type tags only.

use std::path::PathBuf;

use serde::Serialize;

use crate::rules::{Severity, Violation};

/// Which command produced the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ReportKind {
    Check,
    Compare,
}

/// Everything one run found.
#[derive(Debug, Clone)]
pub struct Report {
    pub kind: ReportKind,
    /// One entry per bundle checked or case compared, in a deterministic order.
    pub entries: Vec<Entry>,
    /// Render `Violation::value` and candidate output excerpts; off by default.
    pub show_values: bool,
    /// Measured figures worth printing under the summary (name, value), e.g. cases per second.
    pub figures: Vec<(String, String)>,
    /// The format revision the run reduced under.
    pub revision: &'static crate::revision::Revision,
}

/// One bundle (for `check`) or one case (for `compare`).
#[derive(Debug, Clone)]
pub struct Entry {
    /// The bundle path as found, or the case name (`generated seed 7 case 12`).
    pub name: String,
    /// The bundle directory, when there is one on disk.
    pub path: Option<PathBuf>,
    pub violations: Vec<Violation>,
    pub disagreement: Option<Disagreement>,
}

impl Entry {
    pub fn bundle(path: PathBuf, violations: Vec<Violation>) -> Self {
        Entry { name: path.display().to_string(), path: Some(path), violations, disagreement: None }
    }
}

/// How a candidate reducer's outcome differed from the reference on one case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DisagreementKind {
    /// Both reduced the bundle; the states differ.
    StateDiffers,
    /// The reference reduced the bundle; the candidate rejected it.
    RejectedValid,
    /// The reference rejected the bundle; the candidate produced a state.
    AcceptedInvalid,
    /// Both rejected it, with different top-level messages (`--match-errors`).
    ErrorMessageDiffers,
    /// The candidate crashed: killed by a signal, or exited with Rust's panic code 101.
    CandidateCrashed,
    /// The candidate ran past the per-case timeout and was stopped.
    CandidateTimedOut,
    /// The candidate exited 0 but its output was not JSON.
    CandidateGarbage,
}

impl DisagreementKind {
    pub fn slug(self) -> &'static str {
        match self {
            DisagreementKind::StateDiffers => "state-differs",
            DisagreementKind::RejectedValid => "rejected-valid",
            DisagreementKind::AcceptedInvalid => "accepted-invalid",
            DisagreementKind::ErrorMessageDiffers => "error-message-differs",
            DisagreementKind::CandidateCrashed => "candidate-crashed",
            DisagreementKind::CandidateTimedOut => "candidate-timed-out",
            DisagreementKind::CandidateGarbage => "candidate-garbage",
        }
    }

    /// One line saying what the kind means, for formats that describe each kind (SARIF rules).
    pub fn title(self) -> &'static str {
        match self {
            DisagreementKind::StateDiffers => "the candidate's reduced state differs from the reference",
            DisagreementKind::RejectedValid => "the candidate rejected a bundle the reference reduces",
            DisagreementKind::AcceptedInvalid => "the candidate reduced a bundle the reference rejects",
            DisagreementKind::ErrorMessageDiffers => "both rejected the bundle with different messages",
            DisagreementKind::CandidateCrashed => "the candidate crashed",
            DisagreementKind::CandidateTimedOut => "the candidate ran past the per-case timeout",
            DisagreementKind::CandidateGarbage => "the candidate exited 0 without printing JSON",
        }
    }

    pub const ALL: [DisagreementKind; 7] = [
        DisagreementKind::StateDiffers,
        DisagreementKind::RejectedValid,
        DisagreementKind::AcceptedInvalid,
        DisagreementKind::ErrorMessageDiffers,
        DisagreementKind::CandidateCrashed,
        DisagreementKind::CandidateTimedOut,
        DisagreementKind::CandidateGarbage,
    ];

    /// A failure of the candidate process itself, rather than a different answer.
    pub fn is_candidate_failure(self) -> bool {
        matches!(
            self,
            DisagreementKind::CandidateCrashed
                | DisagreementKind::CandidateTimedOut
                | DisagreementKind::CandidateGarbage
        )
    }
}

/// One disagreement, after shrinking.
#[derive(Debug, Clone)]
pub struct Disagreement {
    pub kind: DisagreementKind,
    /// One line, ids and paths only.
    pub message: String,
    /// JSON paths where the states differ, most significant first.
    pub differences: Vec<String>,
    /// Events in the minimized bundle.
    pub events: Option<usize>,
    /// Where the minimized case was written (`--out DIR/<hash>/`).
    pub saved: Option<PathBuf>,
    /// The one command that reproduces it.
    pub reproduce: Option<String>,
    /// The candidate's stderr tail or output excerpt: may hold payload text, so shown only with
    /// `show_values`.
    pub detail: Option<String>,
}

/// Counts over a whole report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub entries: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    /// Entries with a disagreement (compare only).
    pub disagreements: usize,
    pub candidate_failures: usize,
}

impl Report {
    pub fn new(kind: ReportKind, entries: Vec<Entry>) -> Self {
        Report {
            kind,
            entries,
            show_values: false,
            figures: Vec::new(),
            revision: crate::revision::Revision::default_revision(),
        }
    }

    pub fn summary(&self) -> Summary {
        let mut summary = Summary { entries: self.entries.len(), ..Summary::default() };
        for entry in &self.entries {
            for violation in &entry.violations {
                match violation.severity {
                    Severity::Error => summary.errors += 1,
                    Severity::Warning => summary.warnings += 1,
                    Severity::Info => summary.infos += 1,
                }
            }
            if let Some(disagreement) = &entry.disagreement {
                summary.disagreements += 1;
                summary.candidate_failures += usize::from(disagreement.kind.is_candidate_failure());
            }
        }
        summary
    }

    /// The value of a violation, or `None` unless the run asked for values.
    pub fn shown_value<'a>(&self, violation: &'a Violation) -> Option<&'a str> {
        self.show_values.then_some(violation.value.as_deref()).flatten()
    }

    /// The detail of a disagreement, or `None` unless the run asked for values.
    pub fn shown_detail<'a>(&self, disagreement: &'a Disagreement) -> Option<&'a str> {
        self.show_values.then_some(disagreement.detail.as_deref()).flatten()
    }

    /// The most severe violation in the report, if any.
    pub fn worst(&self) -> Option<Severity> {
        self.entries.iter().flat_map(|entry| &entry.violations).map(|v| v.severity).max()
    }
}

pub mod html;
mod human;
mod json;
mod jsonl;
mod junit;
mod sarif;

/// The output formats every report renders to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Jsonl,
    Sarif,
    Junit,
    /// A self-contained page: each bundle's timeline with its violations marked on it.
    Html,
}

/// Render `report` as `format`.
pub fn render(report: &Report, format: Format, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    match format {
        Format::Human => human::render(report, out),
        Format::Json => json::render(report, out),
        Format::Jsonl => jsonl::render(report, out),
        Format::Sarif => sarif::render(report, out),
        Format::Junit => junit::render(report, out),
        Format::Html => html::render(report, out),
    }
}
