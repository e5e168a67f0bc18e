//! `manifest.json`: read safely, every field present with its type, version and names as the
//! format fixes them, ids not empty (spec §A.2).

use std::path::Path;

use serde_json::Value;

use super::files::{read_top_level, FileRules};
use crate::bundle::{Manifest, MANIFEST_FILE_NAME, PAYLOADS_DIR_NAME, RAW_EVENT_LOG_FILE_NAME};
use crate::rules::catalog::{self, Rule};
use crate::rules::{Limits, Location, Violation};

/// The seven fields, and whether each is a string (else an integer).
const FIELDS: [(&str, bool); 7] = [
    ("schema_version", false),
    ("trace_id", true),
    ("rollout_id", true),
    ("root_thread_id", true),
    ("started_at_unix_ms", false),
    ("raw_event_log", true),
    ("payloads_dir", true),
];

/// The manifest, when it could be read and deserialized as upstream does.
pub fn read(root: &Path, limits: &Limits, found: &mut Vec<Violation>) -> Option<Manifest> {
    let rules = FileRules {
        max_line_bytes: None,
        missing: &catalog::MANIFEST_MISSING,
        not_regular: &catalog::MANIFEST_NOT_REGULAR,
        too_large: &catalog::MANIFEST_TOO_LARGE,
    };
    let bytes = read_top_level(root, MANIFEST_FILE_NAME, limits.max_line_bytes, &rules, found)?;
    let report = |found: &mut Vec<Violation>, rule: &'static Rule, message: String| {
        found.push(Violation::new(rule, Location::file(MANIFEST_FILE_NAME), message));
    };
    let manifest = match serde_json::from_slice::<Manifest>(&bytes) {
        Ok(manifest) => manifest,
        Err(e) => {
            let message = match serde_json::from_slice::<Value>(&bytes) {
                Err(_) => "manifest.json is not valid JSON".to_owned(),
                Ok(Value::Object(object)) => match FIELDS.iter().find(|(name, _)| !object.contains_key(*name)) {
                    Some((name, _)) => format!("manifest.json has no `{name}`"),
                    None => match FIELDS.iter().find(|(name, string)| object[*name].is_string() != *string) {
                        Some((name, true)) => format!("manifest.json `{name}` is not a string"),
                        Some((name, false)) => format!("manifest.json `{name}` is not an integer of its range"),
                        None => "manifest.json is not a manifest".to_owned(),
                    },
                },
                Ok(_) => "manifest.json is not a JSON object".to_owned(),
            };
            found.push(
                Violation::new(&catalog::MANIFEST_UNPARSEABLE, Location::file(MANIFEST_FILE_NAME), message)
                    .with_value(e.to_string()),
            );
            return None;
        }
    };
    if manifest.schema_version != 1 {
        report(
            found,
            &catalog::MANIFEST_SCHEMA_VERSION,
            format!("schema_version is {}, not 1", manifest.schema_version),
        );
    }
    if manifest.raw_event_log != RAW_EVENT_LOG_FILE_NAME {
        found.push(
            Violation::new(
                &catalog::MANIFEST_FILE_NAMES,
                Location::file(MANIFEST_FILE_NAME),
                format!("raw_event_log is not {RAW_EVENT_LOG_FILE_NAME}"),
            )
            .with_value(manifest.raw_event_log.clone()),
        );
    }
    if manifest.payloads_dir != PAYLOADS_DIR_NAME {
        found.push(
            Violation::new(
                &catalog::MANIFEST_FILE_NAMES,
                Location::file(MANIFEST_FILE_NAME),
                format!("payloads_dir is not {PAYLOADS_DIR_NAME}"),
            )
            .with_value(manifest.payloads_dir.clone()),
        );
    }
    for (name, id) in [
        ("trace_id", &manifest.trace_id),
        ("rollout_id", &manifest.rollout_id),
        ("root_thread_id", &manifest.root_thread_id),
    ] {
        if id.is_empty() {
            report(found, &catalog::MANIFEST_EMPTY_ID, format!("{name} is empty"));
        }
    }
    Some(manifest)
}
