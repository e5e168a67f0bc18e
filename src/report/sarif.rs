//! SARIF 2.1.0 output through `serde-sarif`: one run whose driver lists the whole rule catalog,
//! one result per violation (and, for `compare`, per disagreement).

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

use serde_sarif::sarif::{
    ArtifactLocation, Location, Message, MultiformatMessageString, PhysicalLocation, PropertyBag, Region,
    ReportingConfiguration, ReportingDescriptor, Result as SarifResult, ResultLevel, Run, Sarif, Tool, ToolComponent,
    SCHEMA_URL,
};

use super::{Disagreement, DisagreementKind, Entry, Report, ReportKind};
use crate::rules::catalog::{self, Rule};
use crate::rules::{Severity, Violation};

fn level(severity: Severity) -> ResultLevel {
    match severity {
        Severity::Error => ResultLevel::Error,
        Severity::Warning => ResultLevel::Warning,
        Severity::Info => ResultLevel::Note,
    }
}

fn text(text: &str) -> MultiformatMessageString {
    MultiformatMessageString::builder().text(text).build()
}

fn descriptor(rule: &Rule) -> ReportingDescriptor {
    // `defaultConfiguration.level` is typed as free JSON in serde-sarif; the level enum
    // serializes to exactly the strings the schema allows.
    let default_level = serde_json::to_value(level(rule.severity)).unwrap_or(serde_json::Value::Null);
    ReportingDescriptor::builder()
        .id(rule.id)
        .name(rule.slug)
        .short_description(text(rule.title))
        .full_description(text(rule.doc))
        .help(text(rule.hint))
        .default_configuration(ReportingConfiguration::builder().level(default_level).enabled(!rule.retired).build())
        .build()
}

/// Disagreements are not catalog rules; a compare run describes each kind after the catalog so
/// its results can name one.
fn disagreement_descriptor(kind: DisagreementKind) -> ReportingDescriptor {
    ReportingDescriptor::builder()
        .id(kind.slug())
        .name(kind.slug())
        .short_description(text(kind.title()))
        .default_configuration(ReportingConfiguration::builder().level(serde_json::json!("error")).build())
        .build()
}

/// `path` as a URI reference: relative to the current directory when it lies under it, otherwise
/// absolute (`file://`), with separators as `/` and anything outside a URI path percent-encoded.
fn uri(path: &Path) -> String {
    let current = std::env::current_dir().ok();
    let relative = match &current {
        Some(current) if path.is_absolute() => path.strip_prefix(current).ok(),
        _ => None,
    };
    let (path, absolute) = match relative {
        Some(relative) => (relative, false),
        None => (path, path.is_absolute()),
    };
    let segments: Vec<String> = path
        .components()
        .filter_map(|component| match component {
            Component::Normal(part) => Some(encode(&part.to_string_lossy())),
            Component::ParentDir => Some("..".to_owned()),
            // A drive (`C:`) stays as written: `file:///C:/...`.
            Component::Prefix(prefix) => Some(prefix.as_os_str().to_string_lossy().into_owned()),
            Component::CurDir | Component::RootDir => None,
        })
        .collect();
    let joined = segments.join("/");
    if absolute {
        format!("file:///{joined}")
    } else {
        joined
    }
}

fn encode(segment: &str) -> String {
    let mut encoded = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=@".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

fn location(path: &Path, line: Option<usize>) -> Location {
    let artifact = ArtifactLocation::builder().uri(uri(path)).build();
    let physical = match line.and_then(|line| i64::try_from(line).ok()) {
        Some(line) => PhysicalLocation::builder()
            .artifact_location(artifact)
            .region(Region::builder().start_line(line).build())
            .build(),
        None => PhysicalLocation::builder().artifact_location(artifact).build(),
    };
    Location::builder().physical_location(physical).build()
}

/// The shown value as a property, present only when the run asked for values.
fn value_properties(name: &str, value: Option<&str>) -> Option<PropertyBag> {
    let value = value?;
    let additional_properties = BTreeMap::from([(name.to_owned(), serde_json::json!(value))]);
    Some(PropertyBag::builder().additional_properties(additional_properties).build())
}

fn violation_result(report: &Report, entry: &Entry, violation: &Violation, rule_index: i64) -> SarifResult {
    let rule = violation.rule;
    let file = (!violation.location.file.is_empty()).then_some(violation.location.file.as_str());
    // A bundle's path joined with the bundle-relative file; a case without a directory keeps the
    // file alone, and the bundle as a whole is its directory.
    let path = match (&entry.path, file) {
        (Some(dir), Some(file)) => Some(dir.join(file)),
        (Some(dir), None) => Some(dir.clone()),
        (None, Some(file)) => Some(PathBuf::from(file)),
        (None, None) => None,
    };
    // The file and line are in the location; the seq has no SARIF field, so the text keeps it.
    let mut text = format!("{}: {}", rule.title, violation.message);
    if let Some(seq) = violation.location.seq {
        text.push_str(&format!(" (seq {seq})"));
    }
    let message = Message::builder().text(text).build();
    let locations: Vec<Location> = path.iter().map(|path| location(path, violation.location.line)).collect();
    let result = SarifResult::builder()
        .rule_id(rule.id)
        .rule_index(rule_index)
        .level(level(violation.severity))
        .message(message)
        .locations(locations);
    match value_properties("value", report.shown_value(violation)) {
        Some(properties) => result.properties(properties).build(),
        None => result.build(),
    }
}

fn disagreement_result(report: &Report, entry: &Entry, disagreement: &Disagreement, rule_index: i64) -> SarifResult {
    let message = Message::builder()
        .text(format!("{}: {}: {}", entry.name, disagreement.kind.slug(), disagreement.message))
        .build();
    let place = disagreement.saved.as_ref().or(entry.path.as_ref());
    let locations: Vec<Location> = place.iter().map(|path| location(path, None)).collect();
    let result = SarifResult::builder()
        .rule_id(disagreement.kind.slug())
        .rule_index(rule_index)
        .level(ResultLevel::Error)
        .message(message)
        .locations(locations);
    match value_properties("detail", report.shown_detail(disagreement)) {
        Some(properties) => result.properties(properties).build(),
        None => result.build(),
    }
}

fn index_of(position: Option<usize>) -> i64 {
    position.and_then(|index| i64::try_from(index).ok()).unwrap_or(-1)
}

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let rules: Vec<&'static Rule> = catalog::all().collect();
    let mut descriptors: Vec<ReportingDescriptor> = rules.iter().map(|rule| descriptor(rule)).collect();
    if report.kind == ReportKind::Compare {
        descriptors.extend(DisagreementKind::ALL.into_iter().map(disagreement_descriptor));
    }
    let mut results = Vec::new();
    for entry in &report.entries {
        for violation in &entry.violations {
            let index = index_of(rules.iter().position(|rule| rule.id == violation.rule.id));
            results.push(violation_result(report, entry, violation, index));
        }
        if let Some(disagreement) = &entry.disagreement {
            let position = DisagreementKind::ALL.iter().position(|kind| *kind == disagreement.kind);
            let index = index_of(position.map(|position| rules.len() + position));
            results.push(disagreement_result(report, entry, disagreement, index));
        }
    }
    let driver = ToolComponent::builder()
        .name(env!("CARGO_PKG_NAME"))
        .version(env!("CARGO_PKG_VERSION"))
        .rules(descriptors)
        .build();
    let run = Run::builder().tool(Tool::builder().driver(driver).build()).results(results).build();
    let sarif = Sarif::builder().schema(SCHEMA_URL).version(serde_json::json!("2.1.0")).runs(vec![run]).build();
    serde_json::to_writer_pretty(&mut *out, &sarif)?;
    writeln!(out)
}
