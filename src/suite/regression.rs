//! Saving a failing case as a minimal bundle under `corpus/regressions/`: the bundle itself, not
//! only a seed, because seeds go stale when the strategies change.

use std::path::{Path, PathBuf};

use super::properties::{check_both_orders, reduce, Property, Violation};
use super::{FailedCase, Reducer, SuiteConfig};
use crate::bundle::Bundle;
use crate::generate::facts::ExpectedFacts;

/// The file beside a saved stream failure that holds its scenario's [`ExpectedFacts`].
pub const EXPECTED_FACTS_FILE_NAME: &str = "expected-facts.json";

/// Write `<dir>/<property>-<hash>/` with the bundle (or, for a stream failure, `causal/`,
/// `reordered/` and the expected facts) and a `case.md`; returns the directory.
pub fn save(dir: &Path, failed: &FailedCase, config: &SuiteConfig) -> std::io::Result<PathBuf> {
    let (violation, bundle) = (&failed.violation, &failed.bundle);
    let target = dir.join(format!("{}-{:08x}", violation.property.slug(), fnv1a(&bundle.event_log()?) as u32));
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
         - A stream failure keeps both orders (`causal/`, `reordered/`) and the scenario's \
         `expected-facts.json`. `tests/corpus.rs` replays every bundle here, re-checks ownership, confluence \
         on the pair, and model agreement and queue draining against the facts. Fix the cause, then review \
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
    if let Some(facts) = &failed.facts {
        let json = serde_json::to_vec_pretty(facts).map_err(std::io::Error::other)?;
        std::fs::write(target.join(EXPECTED_FACTS_FILE_NAME), json)?;
    }
    Ok(target)
}

/// Re-check a saved stream failure (`causal/`, `reordered/`, `expected-facts.json`) under
/// `reducer`: ownership, model agreement and queue draining on both orders, then confluence.
/// `tests/corpus.rs` runs it on every such directory in `corpus/regressions/`.
pub fn recheck(reducer: &dyn Reducer, dir: &Path) -> Result<(), Violation> {
    let unreadable = |what: String| Violation { property: Property::ModelAgreement, message: what };
    let facts: ExpectedFacts = std::fs::read(dir.join(EXPECTED_FACTS_FILE_NAME))
        .map_err(|e| e.to_string())
        .and_then(|bytes| serde_json::from_slice(&bytes).map_err(|e| e.to_string()))
        .map_err(|e| unreadable(format!("{EXPECTED_FACTS_FILE_NAME}: {e}")))?;
    let read = |side: &str| {
        let bundle = Bundle::read_dir(dir.join(side)).map_err(|e| unreadable(format!("{side}/: {e}")))?;
        reduce(reducer, &bundle, &format!("{side} order"))
    };
    check_both_orders(&facts, &read("causal")?, &read("reordered")?)
}

/// FNV-1a: a directory name that stays the same across Rust versions, unlike `DefaultHasher`.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| (hash ^ u64::from(byte)).wrapping_mul(0x100_0000_01b3))
}
