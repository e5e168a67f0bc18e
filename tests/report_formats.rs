//! Every report format renders `check` and `compare` reports in its documented shape: JSON and JSON
//! Lines against `docs/report.schema.json`, SARIF against the OASIS 2.1.0 schema, JUnit as XML; and
//! no format leaks a violation's value or a disagreement's detail unless asked to.

use std::path::{Path, PathBuf};

use pretty_assertions::assert_eq;
use quick_xml::events::Event;
use rollout_conformance::report::{render, Disagreement, DisagreementKind, Entry, Format, Report, ReportKind};
use rollout_conformance::rules::catalog::{self, Rule};
use rollout_conformance::rules::{Family, Location, Severity, Violation};
use serde_json::{json, Value};

/// Stands for prompt text, code and stderr: it must never reach a report by default.
const CANARY: &str = "CANARY-secret-prompt-7f3a";

const FORMATS: [Format; 6] = [Format::Human, Format::Json, Format::Jsonl, Format::Sarif, Format::Junit, Format::Html];

fn rules() -> Vec<&'static Rule> {
    catalog::all().collect()
}

/// A violation of every catalog rule, cycling through the three kinds of place and the three
/// severities, each carrying the canary as its value.
fn violations() -> Vec<Violation> {
    let severities = [Severity::Error, Severity::Warning, Severity::Info];
    let mut violations = Vec::new();
    for (index, rule) in rules().into_iter().enumerate() {
        for (kind, severity) in severities.iter().enumerate() {
            let location = match (index + kind) % 3 {
                0 => Location::event(4 + kind, Some(3 + kind as u64)),
                1 => Location::file("manifest.json"),
                _ => Location::bundle(),
            };
            let mut violation =
                Violation::new(rule, location, format!("rule {} seen at seq {kind}", rule.id)).with_value(CANARY);
            violation.severity = *severity;
            violations.push(violation);
        }
    }
    violations
}

fn check_report() -> Report {
    let entries = vec![
        Entry::bundle(PathBuf::from("corpus/invalid/every rule"), violations()),
        Entry::bundle(PathBuf::from("corpus/valid/clean"), Vec::new()),
    ];
    let mut report = Report::new(ReportKind::Check, entries);
    report.figures.push(("bundles per second".to_owned(), "12.5".to_owned()));
    report
}

fn disagreement(kind: DisagreementKind) -> Disagreement {
    Disagreement {
        kind,
        message: format!("case differs: {}", kind.slug()),
        differences: vec!["/threads/0/turns".to_owned()],
        events: Some(7),
        saved: Some(PathBuf::from(format!("out/{}", kind.slug()))),
        reproduce: Some("rollout-conformance compare --case out/x".to_owned()),
        detail: Some(format!("stderr: {CANARY}")),
    }
}

fn compare_report() -> Report {
    let mut entries: Vec<Entry> = DisagreementKind::ALL
        .into_iter()
        .enumerate()
        .map(|(index, kind)| Entry {
            name: format!("generated seed 7 case {index}"),
            path: None,
            violations: Vec::new(),
            disagreement: Some(disagreement(kind)),
        })
        .collect();
    entries.push(Entry {
        name: "generated seed 7 case 99".to_owned(),
        path: None,
        violations: Vec::new(),
        disagreement: None,
    });
    Report::new(ReportKind::Compare, entries)
}

fn both_reports() -> [Report; 2] {
    [check_report(), compare_report()]
}

fn rendered(report: &Report, format: Format) -> String {
    let mut out = Vec::new();
    render(report, format, &mut out).unwrap_or_else(|e| panic!("{format:?}: {e}"));
    String::from_utf8(out).expect("reports are UTF-8")
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parse {}: {e}", path.display()))
}

fn manifest_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::options().should_validate_formats(true).build(schema).expect("the schema itself is valid")
}

fn assert_valid(validator: &jsonschema::Validator, instance: &Value, what: &str) {
    let errors: Vec<String> =
        validator.iter_errors(instance).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{what} does not match its schema:\n{}\n{instance:#}", errors.join("\n"));
}

fn report_schema() -> Value {
    read_json(&manifest_path("docs/report.schema.json"))
}

/// The report schema rooted at one of its `$defs`.
fn record_validator(definition: &str) -> jsonschema::Validator {
    let schema = report_schema();
    validator(&json!({
        "$schema": schema["$schema"],
        "$defs": schema["$defs"],
        "$ref": format!("#/$defs/{definition}"),
    }))
}

#[test]
fn json_matches_the_report_schema() {
    let validator = validator(&report_schema());
    for mut report in both_reports() {
        for show_values in [false, true] {
            report.show_values = show_values;
            let document: Value = serde_json::from_str(&rendered(&report, Format::Json)).expect("one JSON document");
            assert_valid(&validator, &document, &format!("{:?} json (show_values {show_values})", report.kind));
        }
    }
}

#[test]
fn json_spells_out_each_violation() {
    let rule = rules()[0];
    let violation = Violation::new(rule, Location::event(12, Some(11)), "seen").with_value(CANARY);
    let mut report = Report::new(ReportKind::Check, vec![Entry::bundle(PathBuf::from("b"), vec![violation])]);
    report.show_values = true;
    let document: Value = serde_json::from_str(&rendered(&report, Format::Json)).expect("one JSON document");
    let expected = json!({
        "name": "b",
        "path": "b",
        "violations": [{
            "rule": rule.id,
            "slug": rule.slug,
            "family": rule.family.slug(),
            "severity": rule.severity.name(),
            "title": rule.title,
            "location": {"file": "trace.jsonl", "line": 12, "seq": 11},
            "message": "seen",
            "hint": rule.hint,
            "value": CANARY,
        }],
        "disagreement": null,
    });
    assert_eq!(document["entries"], json!([expected]));
    assert_eq!(document["kind"], json!("check"));
    assert_eq!(document["tool"]["name"], json!("rollout-conformance"));
}

#[test]
fn the_report_schema_is_closed() {
    let document: Value = serde_json::from_str(&rendered(&check_report(), Format::Json)).expect("one JSON document");
    let mut extra_field = document.clone();
    extra_field["entries"][0]["violations"][0]["payload"] = json!("text");
    let mut bad_rule = document;
    bad_rule["entries"][0]["violations"][0]["rule"] = json!("manifest-missing");
    let validator = validator(&report_schema());
    for (what, instance) in [("an unknown field", extra_field), ("a slug for an id", bad_rule)] {
        assert!(!validator.is_valid(&instance), "the schema accepts {what}");
    }
    let record = record_validator("jsonlRecord");
    let no_bundle = json!({"type": "clean", "path": null});
    assert!(!record.is_valid(&no_bundle), "the schema accepts a clean record naming no entry");
}

#[test]
fn every_jsonl_line_matches_a_record_schema() {
    let validator = record_validator("jsonlRecord");
    for mut report in both_reports() {
        for show_values in [false, true] {
            report.show_values = show_values;
            let text = rendered(&report, Format::Jsonl);
            let records: Vec<Value> =
                text.lines().map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"))).collect();
            for record in &records {
                assert_valid(&validator, record, &format!("{:?} jsonl record", report.kind));
            }
            let found: usize = report
                .entries
                .iter()
                .map(|entry| entry.violations.len() + usize::from(entry.disagreement.is_some()))
                .sum();
            let clean = report
                .entries
                .iter()
                .filter(|entry| entry.violations.is_empty() && entry.disagreement.is_none())
                .count();
            assert_eq!(records.len(), found + clean + 1, "a record per finding, per clean entry, and a summary");
            assert_eq!(records.last().map(|record| record["type"].clone()), Some(json!("summary")));
        }
    }
}

#[test]
fn jsonl_slices_concatenate_into_one_stream() {
    let [check, _] = both_reports();
    let (first, second) = check.entries.split_at(1);
    let slices = [Report::new(ReportKind::Check, first.to_vec()), Report::new(ReportKind::Check, second.to_vec())];
    let joined: String = slices.iter().map(|slice| rendered(slice, Format::Jsonl)).collect();
    let validator = record_validator("jsonlRecord");
    let types: Vec<Value> = joined
        .lines()
        .map(|line| {
            let record: Value = serde_json::from_str(line).expect("each line is JSON");
            assert_valid(&validator, &record, "concatenated jsonl record");
            record["type"].clone()
        })
        .collect();
    let summaries = types.iter().filter(|kind| **kind == json!("summary")).count();
    assert_eq!(summaries, 2, "one summary per slice");
    assert!(types.contains(&json!("clean")), "the clean bundle of the second slice is recorded");
}

/// The OASIS schema, formats checked (so every `uri` must be a URI reference).
fn sarif_validator() -> jsonschema::Validator {
    validator(&read_json(&manifest_path("tests/data/sarif-schema-2.1.0.json")))
}

#[test]
fn sarif_matches_the_oasis_schema() {
    let sarif = sarif_validator();
    for mut report in both_reports() {
        for show_values in [false, true] {
            report.show_values = show_values;
            let log: Value = serde_json::from_str(&rendered(&report, Format::Sarif)).expect("one JSON document");
            assert_valid(&sarif, &log, &format!("{:?} sarif (show_values {show_values})", report.kind));
        }
    }
}

#[test]
fn sarif_lists_the_catalog_and_points_each_result_at_its_rule() {
    let report = check_report();
    let log: Value = serde_json::from_str(&rendered(&report, Format::Sarif)).expect("one JSON document");
    let run = &log["runs"][0];
    let descriptors = run["tool"]["driver"]["rules"].as_array().expect("rules");
    let ids: Vec<&str> = descriptors.iter().map(|rule| rule["id"].as_str().unwrap_or("")).collect();
    assert_eq!(ids, rules().iter().map(|rule| rule.id).collect::<Vec<_>>());
    for (descriptor, rule) in descriptors.iter().zip(rules()) {
        let level = match rule.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "note",
        };
        assert_eq!(
            descriptor,
            &json!({
                "id": rule.id,
                "name": rule.slug,
                "shortDescription": {"text": rule.title},
                "fullDescription": {"text": rule.doc},
                "help": {"text": rule.hint},
                "defaultConfiguration": {"enabled": !rule.retired, "level": level},
            })
        );
    }
    let results = run["results"].as_array().expect("results");
    let violations = &report.entries[0].violations;
    assert_eq!(results.len(), violations.len());
    for (result, violation) in results.iter().zip(violations) {
        let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(descriptors[index]["id"], json!(violation.rule.id));
        assert_eq!(result["ruleId"], json!(violation.rule.id));
        let level = match violation.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "note",
        };
        assert_eq!(result["level"], json!(level));
        let physical = &result["locations"][0]["physicalLocation"];
        let uri = match violation.location.file.as_str() {
            "" => "corpus/invalid/every%20rule".to_owned(),
            file => format!("corpus/invalid/every%20rule/{file}"),
        };
        assert_eq!(physical["artifactLocation"]["uri"], json!(uri));
        assert_eq!(physical["region"]["startLine"].as_u64(), violation.location.line.map(|line| line as u64));
    }
}

#[test]
fn sarif_uris_are_relative_under_the_current_directory_and_file_uris_outside() {
    let current = std::env::current_dir().expect("a current directory");
    let rule = rules()[0];
    let violation = Violation::new(rule, Location::event(2, Some(1)), "seen");
    let inside = Entry::bundle(current.join("bundles/a b"), vec![violation.clone()]);
    let outside = Entry::bundle(PathBuf::from("/nonexistent-root/c"), vec![violation]);
    let report = Report::new(ReportKind::Check, vec![inside, outside]);
    let log: Value = serde_json::from_str(&rendered(&report, Format::Sarif)).expect("one JSON document");
    let uris: Vec<&Value> = log["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|result| &result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])
        .collect();
    assert_eq!(uris, [&json!("bundles/a%20b/trace.jsonl"), &json!("file:///nonexistent-root/c/trace.jsonl")]);
    assert_valid(&sarif_validator(), &log, "sarif with absolute paths");
}

/// The names of the XML elements in `xml`, in document order, after checking it is well formed:
/// one root, every element closed by its own name.
fn xml_elements(xml: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut elements = Vec::new();
    let (mut depth, mut roots) = (0usize, 0usize);
    loop {
        let event =
            reader.read_event().unwrap_or_else(|e| panic!("malformed XML at {}: {e}\n{xml}", reader.buffer_position()));
        let (start, empty) = match &event {
            Event::Start(start) => (start, false),
            Event::Empty(start) => (start, true),
            Event::End(_) => {
                depth -= 1;
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        roots += usize::from(depth == 0);
        depth += usize::from(!empty);
        let name = String::from_utf8(start.name().as_ref().to_vec()).expect("UTF-8 name");
        let attributes = start
            .attributes()
            .map(|attribute| {
                let attribute = attribute.expect("well-formed attribute");
                let value = attribute.unescape_value().expect("escaped attribute").into_owned();
                (String::from_utf8(attribute.key.as_ref().to_vec()).expect("UTF-8 key"), value)
            })
            .collect();
        elements.push((name, attributes));
    }
    assert_eq!((depth, roots), (0, 1), "every element closed, one root");
    elements
}

fn count(elements: &[(String, Vec<(String, String)>)], name: &str) -> usize {
    elements.iter().filter(|(element, _)| element == name).count()
}

#[test]
fn junit_check_has_a_suite_per_bundle_and_a_case_per_family() {
    let report = check_report();
    let elements = xml_elements(&rendered(&report, Format::Junit));
    assert_eq!(count(&elements, "testsuite"), report.entries.len());
    assert_eq!(count(&elements, "testcase"), report.entries.len() * Family::ALL.len());
    let failing_families: std::collections::BTreeSet<Family> =
        report.entries[0].violations.iter().map(|v| v.rule.family).collect();
    assert_eq!(count(&elements, "failure"), failing_families.len());
    let first = &report.entries[0].violations[0];
    let per_family = report.entries[0].violations.iter().filter(|v| v.rule.family == first.rule.family).count();
    let failure = elements.iter().find(|(name, _)| name == "failure").expect("a failure");
    let message = failure.1.iter().find(|(key, _)| key == "message").map(|(_, value)| value.as_str());
    assert_eq!(message, Some(format!("{per_family} violations, first {} {}", first.rule.id, first.rule.slug).as_str()));
}

#[test]
fn junit_compare_has_a_case_per_case_failing_on_disagreement() {
    let report = compare_report();
    let elements = xml_elements(&rendered(&report, Format::Junit));
    assert_eq!(count(&elements, "testsuite"), 1);
    assert_eq!(count(&elements, "testcase"), report.entries.len());
    let failures = DisagreementKind::ALL.iter().filter(|kind| !kind.is_candidate_failure()).count();
    assert_eq!(count(&elements, "failure"), failures);
    assert_eq!(count(&elements, "error"), DisagreementKind::ALL.len() - failures);
}

#[test]
fn no_format_shows_values_unless_asked() {
    for report in both_reports() {
        for format in FORMATS {
            let output = rendered(&report, format);
            assert!(!output.contains(CANARY), "{format:?} {:?} leaks a value:\n{output}", report.kind);
        }
    }
}

#[test]
fn json_and_human_show_values_when_asked() {
    for mut report in both_reports() {
        report.show_values = true;
        for format in [Format::Human, Format::Json, Format::Jsonl] {
            let output = rendered(&report, format);
            assert!(output.contains(CANARY), "{format:?} {:?} drops the value it was asked to show", report.kind);
        }
    }
}
