//! JSON Lines output: one record per violation, per disagreement and per entry with nothing found,
//! then one summary record. There is no header, so the output of several `--partition` slices
//! concatenates into one stream; each slice ends with its own summary record.

use std::io::{self, Write};

use serde::Serialize;

use super::json::{path_text, DisagreementOut, Figures, Tool, ViolationOut, TOOL};
use super::{Report, ReportKind, Summary};

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
enum Record<'a> {
    Violation {
        /// The entry's name: the bundle path as found.
        bundle: &'a str,
        path: Option<String>,
        #[serde(flatten)]
        violation: ViolationOut<'a>,
    },
    Disagreement {
        case: &'a str,
        path: Option<String>,
        #[serde(flatten)]
        disagreement: DisagreementOut<'a>,
    },
    /// An entry checked or compared with nothing to report, so a consumer can count what was
    /// covered without trusting any one slice's summary.
    Clean {
        #[serde(skip_serializing_if = "Option::is_none")]
        bundle: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        case: Option<&'a str>,
        path: Option<String>,
    },
    /// Counts over this slice's records only.
    Summary { tool: Tool, kind: ReportKind, summary: Summary, figures: Figures<'a> },
}

fn line(out: &mut dyn Write, record: &Record<'_>) -> io::Result<()> {
    serde_json::to_writer(&mut *out, record)?;
    writeln!(out)
}

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for entry in &report.entries {
        let path = || entry.path.as_deref().map(path_text);
        for violation in &entry.violations {
            let violation = ViolationOut::new(report, violation);
            line(out, &Record::Violation { bundle: &entry.name, path: path(), violation })?;
        }
        if let Some(disagreement) = &entry.disagreement {
            let disagreement = DisagreementOut::new(report, disagreement);
            line(out, &Record::Disagreement { case: &entry.name, path: path(), disagreement })?;
        }
        if entry.violations.is_empty() && entry.disagreement.is_none() {
            let name = Some(entry.name.as_str());
            let (bundle, case) = match report.kind {
                ReportKind::Check => (name, None),
                ReportKind::Compare => (None, name),
            };
            line(out, &Record::Clean { bundle, case, path: path() })?;
        }
    }
    let summary =
        Record::Summary { tool: TOOL, kind: report.kind, summary: report.summary(), figures: Figures(&report.figures) };
    line(out, &summary)
}
