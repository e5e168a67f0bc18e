//! JUnit XML through `quick-junit`. For `check`, a testsuite per bundle with a testcase per rule
//! family, failing with that family's violations; for `compare`, one testsuite with a testcase per
//! case, failing on a disagreement.

use std::io::{self, Write};

use quick_junit::{NonSuccessKind, Report as JunitReport, TestCase, TestCaseStatus, TestSuite};

use super::{Disagreement, Entry, Report, ReportKind};
use crate::rules::{Family, Violation};

/// One line per violation, in the human format's words.
fn violation_line(report: &Report, violation: &Violation) -> String {
    let rule = violation.rule;
    let mut line = format!(
        "{}[{} {}] {}: {}",
        violation.severity,
        rule.id,
        rule.slug,
        violation.location.display(),
        violation.message
    );
    if let Some(value) = report.shown_value(violation) {
        line.push_str(&format!(" (value: {value})"));
    }
    line
}

fn family_case(report: &Report, entry: &Entry, family: Family) -> TestCase {
    let violations: Vec<&Violation> =
        entry.violations.iter().filter(|violation| violation.rule.family == family).collect();
    let status = match violations.first() {
        None => TestCaseStatus::success(),
        Some(first) => {
            let count = violations.len();
            let worst = violations.iter().map(|violation| violation.severity).max().unwrap_or(first.severity);
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            status
                .set_message(format!(
                    "{count} violation{}, first {} {}",
                    if count == 1 { "" } else { "s" },
                    first.rule.id,
                    first.rule.slug
                ))
                // The worst severity, so a consumer can tell a failed build from a noted one.
                .set_type(worst.name())
                .set_description(
                    violations.iter().map(|violation| violation_line(report, violation)).collect::<Vec<_>>().join("\n"),
                );
            status
        }
    };
    let mut case = TestCase::new(family.slug(), status);
    case.set_classname(entry.name.as_str());
    case
}

fn disagreement_text(report: &Report, disagreement: &Disagreement) -> String {
    let mut lines = vec![format!("{}: {}", disagreement.kind.slug(), disagreement.message)];
    lines.extend(disagreement.differences.iter().map(|path| format!("differs at {path}")));
    if let Some(events) = disagreement.events {
        lines.push(format!("minimized to {events} events"));
    }
    if let Some(saved) = &disagreement.saved {
        lines.push(format!("saved: {}", saved.display()));
    }
    if let Some(command) = &disagreement.reproduce {
        lines.push(format!("reproduce: {command}"));
    }
    if let Some(detail) = report.shown_detail(disagreement) {
        lines.push(format!("detail: {detail}"));
    }
    lines.join("\n")
}

fn compare_case(report: &Report, entry: &Entry) -> TestCase {
    let status = match &entry.disagreement {
        None => TestCaseStatus::success(),
        Some(disagreement) => {
            // A candidate that crashed or hung did not give a wrong answer: JUnit's `error`.
            let kind =
                if disagreement.kind.is_candidate_failure() { NonSuccessKind::Error } else { NonSuccessKind::Failure };
            let mut status = TestCaseStatus::non_success(kind);
            status
                .set_message(format!("{}: {}", disagreement.kind.slug(), disagreement.message))
                .set_type(disagreement.kind.slug())
                .set_description(disagreement_text(report, disagreement));
            status
        }
    };
    let mut case = TestCase::new(entry.name.as_str(), status);
    case.set_classname("compare");
    case
}

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut junit = JunitReport::new(format!("{} {}", env!("CARGO_PKG_NAME"), kind_word(report.kind)));
    match report.kind {
        ReportKind::Check => {
            for entry in &report.entries {
                let mut suite = TestSuite::new(entry.name.as_str());
                suite.add_test_cases(Family::ALL.into_iter().map(|family| family_case(report, entry, family)));
                junit.add_test_suite(suite);
            }
        }
        ReportKind::Compare => {
            let mut suite = TestSuite::new("compare");
            suite.add_test_cases(report.entries.iter().map(|entry| compare_case(report, entry)));
            junit.add_test_suite(suite);
        }
    }
    // quick-junit ends the document with a newline of its own.
    junit.serialize(&mut *out).map_err(io::Error::other)
}

fn kind_word(kind: ReportKind) -> &'static str {
    match kind {
        ReportKind::Check => "check",
        ReportKind::Compare => "compare",
    }
}
