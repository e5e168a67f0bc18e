//! Saving a failing case as a minimal bundle under `corpus/regressions/`: the bundle itself, not
//! only a seed, because seeds go stale when the strategies change.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use super::{FailedCase, SuiteConfig};

/// Write `<dir>/<property>-<hash>/` with the bundle (or, for a stream failure, `causal/` and
/// `reordered/`) and a `case.md`; returns the directory.
pub fn save(dir: &Path, failed: &FailedCase, config: &SuiteConfig) -> std::io::Result<PathBuf> {
    let (violation, bundle) = (&failed.violation, &failed.bundle);
    let mut hasher = DefaultHasher::new();
    for record in &bundle.events {
        serde_json::to_string(&record.event).unwrap_or_default().hash(&mut hasher);
    }
    let target = dir.join(format!("{}-{:08x}", violation.property.slug(), hasher.finish() as u32));
    match &failed.causal {
        Some(causal) => {
            causal.write_dir(target.join("causal"))?;
            bundle.write_dir(target.join("reordered"))?;
        }
        None => bundle.write_dir(&target)?,
    }
    let case = format!(
        "# {property} failed\n\n\
         - Property: `{property}`\n\
         - What was seen: {message}\n\
         - Found by the property suite run with seed `{seed:#x}`, size {size:?}, {cases} cases; this is the \
         case proptest shrank it to ({events} events). The bundle, not the seed, is the record: seeds go \
         stale when the strategies change.\n\
         - A stream failure keeps both orders (`causal/`, `reordered/`). `tests/corpus.rs` replays every \
         bundle here, re-checks ownership, and re-checks confluence on the pair. Fix the cause, then review \
         the snapshots with `cargo insta review`.\n",
        property = violation.property,
        message = violation.message,
        seed = config.seed,
        size = config.size,
        cases = config.cases,
        events = bundle.events.len(),
    );
    std::fs::write(target.join("case.md"), case)?;
    if let Some(expected) = &failed.expected_error {
        std::fs::write(target.join("expected-error.txt"), format!("{expected}\n"))?;
    }
    Ok(target)
}
