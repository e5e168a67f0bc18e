//! Opening `manifest.json` and `trace.jsonl` safely, and the size of the whole bundle.

use std::path::Path;

use crate::bundle::{read_log_file, resolve_inside, tree_size, Outside, ReadError, RAW_EVENT_LOG_FILE_NAME};
use crate::rules::catalog::{self, Rule};
use crate::rules::{Limits, Location, Violation};

/// The rules one top-level file of the bundle reports its problems under.
pub struct FileRules {
    /// Read as a log: ended inside the first line longer than this.
    pub max_line_bytes: Option<u64>,
    pub missing: &'static Rule,
    pub not_regular: &'static Rule,
    pub too_large: &'static Rule,
}

/// Read `name` (a file at the bundle's top level) whole, or report why not: refused before any
/// open when it leaves the bundle or is not a regular file, and cut off beyond `max_bytes`.
pub fn read_top_level(
    root: &Path,
    name: &str,
    max_bytes: Option<u64>,
    rules: &FileRules,
    found: &mut Vec<Violation>,
) -> Option<Vec<u8>> {
    match read_refusing(root, name, max_bytes, rules) {
        Ok(bytes) => Some(bytes),
        Err(violation) => {
            found.push(violation);
            None
        }
    }
}

fn read_refusing(root: &Path, name: &str, max_bytes: Option<u64>, rules: &FileRules) -> Result<Vec<u8>, Violation> {
    let refuse = |rule: &'static Rule, message: String| Violation::new(rule, Location::file(name), message);
    if root.join(name).symlink_metadata().is_err() {
        return Err(refuse(rules.missing, format!("{name} does not exist")));
    }
    let target = match resolve_inside(root, Path::new(name)) {
        Ok(Some(target)) => target,
        Ok(None) => return Err(refuse(rules.missing, format!("{name} is a symlink to nothing"))),
        Err(Outside::Symlink | Outside::Parent | Outside::Absolute) => {
            return Err(refuse(
                &catalog::FILE_OUTSIDE_BUNDLE,
                format!("{name} is a symlink that resolves outside the bundle"),
            ))
        }
    };
    read_log_file(&target, max_bytes, rules.max_line_bytes).map_err(|e| match e {
        ReadError::NotRegular => refuse(rules.not_regular, format!("{name} is not a regular file")),
        ReadError::TooLarge => {
            refuse(rules.too_large, format!("{name} is larger than {} bytes", max_bytes.unwrap_or_default()))
        }
        ReadError::Io(e) if e.kind() == std::io::ErrorKind::NotFound => {
            refuse(rules.missing, format!("{name} does not exist"))
        }
        ReadError::Outside => refuse(&catalog::FILE_OUTSIDE_BUNDLE, format!("{name} resolves outside the bundle")),
        ReadError::Io(e) => {
            refuse(&catalog::FILE_UNREADABLE, format!("{name} cannot be read")).with_value(e.to_string())
        }
    })
}

/// `trace.jsonl`, bounded by the bundle limit (it can be no larger than the bundle).
pub fn read_log(root: &Path, limits: &Limits, found: &mut Vec<Violation>) -> Option<Vec<u8>> {
    let rules = FileRules {
        max_line_bytes: limits.max_line_bytes,
        missing: &catalog::TRACE_MISSING,
        not_regular: &catalog::TRACE_NOT_REGULAR,
        too_large: &catalog::BUNDLE_TOO_LARGE,
    };
    read_top_level(root, RAW_EVENT_LOG_FILE_NAME, limits.max_bundle_bytes, &rules, found)
}

/// Whether every file of the bundle together fits `max_bundle_bytes`, summed from metadata
/// without following symlinks; reports it when not.
pub fn within_bundle_limit(root: &Path, limits: &Limits, found: &mut Vec<Violation>) -> bool {
    let Some(max) = limits.max_bundle_bytes else { return true };
    let total = tree_size(root);
    if total <= max {
        return true;
    }
    found.push(Violation::new(
        &catalog::BUNDLE_TOO_LARGE,
        Location::bundle(),
        format!("the bundle's files hold {total} bytes, more than the limit of {max}"),
    ));
    false
}
