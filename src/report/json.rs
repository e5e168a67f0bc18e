//! JSON output: the whole report as one document, in the shape `docs/report.schema.json`
//! describes. The per-violation and per-disagreement shapes are shared with JSON Lines.

use std::io::{self, Write};
use std::path::Path;

use serde::{Serialize, Serializer};

use super::{Disagreement, DisagreementKind, Entry, Report, ReportKind, Summary};
use crate::rules::{Family, Location, Severity, Violation};

/// Which tool wrote the report, so a stored report says what produced it.
#[derive(Serialize)]
pub(super) struct Tool {
    name: &'static str,
    version: &'static str,
}

pub(super) const TOOL: Tool = Tool { name: env!("CARGO_PKG_NAME"), version: env!("CARGO_PKG_VERSION") };

#[derive(Serialize)]
struct Document<'a> {
    tool: Tool,
    kind: ReportKind,
    summary: Summary,
    entries: Vec<EntryOut<'a>>,
    figures: Figures<'a>,
}

#[derive(Serialize)]
struct EntryOut<'a> {
    name: &'a str,
    path: Option<String>,
    violations: Vec<ViolationOut<'a>>,
    disagreement: Option<DisagreementOut<'a>>,
}

/// One violation with its rule spelled out, so a consumer needs no copy of the catalog.
#[derive(Serialize)]
pub(super) struct ViolationOut<'a> {
    rule: &'static str,
    slug: &'static str,
    family: Family,
    severity: Severity,
    title: &'static str,
    location: &'a Location,
    message: &'a str,
    hint: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<&'a str>,
}

impl<'a> ViolationOut<'a> {
    pub(super) fn new(report: &Report, violation: &'a Violation) -> Self {
        let rule = violation.rule;
        ViolationOut {
            rule: rule.id,
            slug: rule.slug,
            family: rule.family,
            severity: violation.severity,
            title: rule.title,
            location: &violation.location,
            message: &violation.message,
            hint: rule.hint,
            value: report.shown_value(violation),
        }
    }
}

#[derive(Serialize)]
pub(super) struct DisagreementOut<'a> {
    kind: DisagreementKind,
    message: &'a str,
    differences: &'a [String],
    events: Option<usize>,
    saved: Option<String>,
    reproduce: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<&'a str>,
}

impl<'a> DisagreementOut<'a> {
    pub(super) fn new(report: &Report, disagreement: &'a Disagreement) -> Self {
        DisagreementOut {
            kind: disagreement.kind,
            message: &disagreement.message,
            differences: &disagreement.differences,
            events: disagreement.events,
            saved: disagreement.saved.as_deref().map(path_text),
            reproduce: disagreement.reproduce.as_deref(),
            detail: report.shown_detail(disagreement),
        }
    }
}

/// `figures` as an object `{name: value}`, in the report's order.
pub(super) struct Figures<'a>(pub(super) &'a [(String, String)]);

impl Serialize for Figures<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(name, value)| (name, value)))
    }
}

/// A path as text; serde refuses paths that are not UTF-8, a report should not.
pub(super) fn path_text(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

fn entry_out<'a>(report: &Report, entry: &'a Entry) -> EntryOut<'a> {
    EntryOut {
        name: &entry.name,
        path: entry.path.as_deref().map(path_text),
        violations: entry.violations.iter().map(|violation| ViolationOut::new(report, violation)).collect(),
        disagreement: entry.disagreement.as_ref().map(|disagreement| DisagreementOut::new(report, disagreement)),
    }
}

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let document = Document {
        tool: TOOL,
        kind: report.kind,
        summary: report.summary(),
        entries: report.entries.iter().map(|entry| entry_out(report, entry)).collect(),
        figures: Figures(&report.figures),
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)
}
