//! `check` of one bundle: the stream rules on the raw files, then the reduction rules on what the
//! reference reducer makes of it. Every stream violation is collected; reduction stops at the
//! first reducer error, as upstream does.

use std::path::{Path, PathBuf};

use super::config::{CheckConfig, Level};
use super::{catalog, drain, graph, hazard, stream, Location, Severity, Violation};
use crate::bundle::{Bundle, MANIFEST_FILE_NAME, RAW_EVENT_LOG_FILE_NAME};
use crate::error::Error;
use crate::reducer::{replay_with, ReplayOptions};
use crate::revision::Revision;

/// Every violation of `dir`, at the severities `config` gives, in file and line order.
pub fn check_bundle(dir: &Path, config: &CheckConfig) -> Vec<Violation> {
    let streamed = stream::check_as(dir, &config.limits, config.revision);
    let mut found = streamed.violations;
    if let Some(bundle) = &streamed.bundle {
        // A fact the stream rules already reported at the same place is not reported again: an
        // error there (a truncated line, an escaping symlink, a second start) is what the
        // reducer stopped on, named more precisely.
        let new: Vec<Violation> = reduction_with(bundle, config.revision)
            .into_iter()
            .filter(|v| {
                !found.iter().any(|seen| {
                    seen.location == v.location && (seen.rule.id == v.rule.id || seen.severity == Severity::Error)
                })
            })
            .collect();
        found.extend(new);
    }
    let mut kept: Vec<Violation> = found
        .into_iter()
        .filter_map(|mut violation| match config.level(violation.rule) {
            Level::Allow => None,
            Level::Report(severity) => {
                violation.severity = severity;
                Some(violation)
            }
        })
        .collect();
    kept.sort_by(|a, b| (&a.location, a.rule.id).cmp(&(&b.location, b.rule.id)));
    kept
}

/// The reduction rules under the default revision.
pub fn reduction(bundle: &Bundle) -> Vec<Violation> {
    reduction_with(bundle, Revision::default_revision())
}

/// The reduction rules: a reducer error, or what stayed queued, the graph's ownership and the
/// hazards of a bundle that reduced under `revision`.
pub fn reduction_with(bundle: &Bundle, revision: &'static Revision) -> Vec<Violation> {
    match replay_with(bundle, &ReplayOptions::revision(revision)) {
        Err(error) => vec![reducer_violation(&error)],
        Ok(replayed) => {
            let mut found = drain::violations(bundle, &replayed);
            found.extend(graph::violations(&replayed.trace, &replayed.leftovers));
            found.extend(hazard::violations(bundle, &replayed));
            found
        }
    }
}

/// A replay error as a violation of its rule, located at the event (or file) it names.
pub fn reducer_violation(error: &Error) -> Violation {
    // An error that stands for an upstream crash is a hazard, not an upstream error text.
    let rule = catalog::rule_for(&error.kind);
    let location = match (error.line, &error.file) {
        (Some(line), _) => Location::event(line, error.seq),
        (None, Some(file)) => Location::file(file.file_name().map_or_else(String::new, |n| bundle_relative(file, n))),
        (None, None) => Location::bundle(),
    };
    let public = catalog::public_message(&error.kind);
    // The value is what the public message leaves out: upstream's whole message, and the cause.
    let full = error.message();
    let value = [(full != public).then_some(full), error.detail.clone()].into_iter().flatten().collect::<Vec<_>>();
    let violation = Violation::new(rule, location, public);
    if value.is_empty() {
        violation
    } else {
        violation.with_value(value.join("; caused by: "))
    }
}

/// `manifest.json` and `trace.jsonl` by name; anything else as it was given.
fn bundle_relative(file: &Path, name: &std::ffi::OsStr) -> String {
    let name = name.to_string_lossy();
    if name == MANIFEST_FILE_NAME || name == RAW_EVENT_LOG_FILE_NAME {
        name.into_owned()
    } else {
        file.display().to_string()
    }
}

/// Every bundle under `paths`: a path that is a bundle (it holds `manifest.json` or
/// `trace.jsonl`) is itself; a directory is walked for them. Sorted, without duplicates.
pub fn find_bundles(paths: &[PathBuf]) -> std::io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for path in paths {
        if !path.is_dir() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("{}: not a directory", path.display()),
            ));
        }
        walk(path, &mut found)?;
    }
    found.sort();
    found.dedup();
    Ok(found)
}

fn is_bundle(dir: &Path) -> bool {
    [MANIFEST_FILE_NAME, RAW_EVENT_LOG_FILE_NAME].iter().any(|name| dir.join(name).symlink_metadata().is_ok())
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if is_bundle(dir) {
        found.push(dir.to_path_buf());
        return Ok(());
    }
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        // Symlinked directories are not followed: a walk never leaves the tree it was given.
        if entry.file_type()?.is_dir() {
            walk(&entry.path(), found)?;
        }
    }
    Ok(())
}

/// The `k`-th (1-based) of `n` deterministic slices: every `n`-th bundle in sorted order.
pub fn partition<T>(items: Vec<T>, k: usize, n: usize) -> Vec<T> {
    items.into_iter().enumerate().filter(|(i, _)| i % n == k - 1).map(|(_, item)| item).collect()
}
