//! Human output: violations grouped by bundle, each with its rule, place, message and hint, then
//! one summary line.

use std::io::{self, Write};

use super::{Entry, Report, ReportKind};

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for entry in &report.entries {
        entry_block(report, entry, out)?;
    }
    let summary = report.summary();
    let noun = match report.kind {
        ReportKind::Check => "bundle",
        ReportKind::Compare => "case",
    };
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    write!(
        out,
        "{}: {}, {}, {}",
        plural(summary.entries, noun),
        plural(summary.errors, "error"),
        plural(summary.warnings, "warning"),
        plural(summary.infos, "info"),
    )?;
    if report.kind == ReportKind::Compare {
        let agreed = summary.entries - summary.disagreements;
        write!(
            out,
            "; {agreed} agreed, {} disagreed, {}",
            summary.disagreements - summary.candidate_failures,
            plural(summary.candidate_failures, "candidate failure")
        )?;
    }
    writeln!(out)?;
    for (name, value) in &report.figures {
        writeln!(out, "  {name}: {value}")?;
    }
    Ok(())
}

fn entry_block(report: &Report, entry: &Entry, out: &mut dyn Write) -> io::Result<()> {
    if entry.violations.is_empty() && entry.disagreement.is_none() {
        return Ok(());
    }
    writeln!(out, "{}", entry.name)?;
    for violation in &entry.violations {
        let rule = violation.rule;
        writeln!(
            out,
            "  {severity}[{id} {slug}] {place}: {message}",
            severity = violation.severity,
            id = rule.id,
            slug = rule.slug,
            place = violation.location.display(),
            message = violation.message,
        )?;
        if report.show_values {
            if let Some(value) = &violation.value {
                writeln!(out, "      value: {value}")?;
            }
        }
        writeln!(out, "      hint: {}", rule.hint)?;
    }
    if let Some(disagreement) = &entry.disagreement {
        writeln!(out, "  {}: {}", disagreement.kind.slug(), disagreement.message)?;
        for path in disagreement.differences.iter().take(10) {
            writeln!(out, "      differs at {path}")?;
        }
        if let Some(events) = disagreement.events {
            writeln!(out, "      minimized to {events} events")?;
        }
        if let Some(saved) = &disagreement.saved {
            writeln!(out, "      saved: {}", saved.display())?;
        }
        if let Some(command) = &disagreement.reproduce {
            writeln!(out, "      reproduce: {command}")?;
        }
        if report.show_values {
            if let Some(detail) = &disagreement.detail {
                writeln!(out, "      detail: {detail}")?;
            }
        }
    }
    writeln!(out)
}
