//! The cases `compare` runs: bundles on disk (the corpus, upstream's cases, bundles given by
//! path) and generated ones, each drawn by proptest's own runner so shrinking starts from it.

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestRng, TestRunner};

use super::Outcome;
use crate::bundle::Bundle;
use crate::generate::emit::emit_as;
use crate::generate::mutate::{applicable, apply, MutationKind};
use crate::generate::reorder::choices;
use crate::generate::scenario::{scenario, Scenario, Size};
use crate::generate::seeded;
use crate::revision::Revision;

/// The generated scenario sizes `--size` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum CaseSize {
    Tiny,
    #[default]
    Medium,
    Large,
}

impl CaseSize {
    pub fn size(self) -> Size {
        match self {
            CaseSize::Tiny => Size::TINY,
            CaseSize::Medium => Size::MEDIUM,
            CaseSize::Large => Size::LARGE,
        }
    }
}

/// What the reference outcome of an upstream case is: upstream's own recorded output.
#[derive(Debug, Clone, PartialEq)]
pub enum Expected {
    State(serde_json::Value),
    Error(String),
}

impl Expected {
    /// `DIR/expected-state.json`, else `DIR/expected-error.txt`.
    pub fn read(case: &Path) -> Result<Expected, String> {
        let state = case.join("expected-state.json");
        if state.is_file() {
            let bytes = std::fs::read(&state).map_err(|e| format!("{}: {e}", state.display()))?;
            return serde_json::from_slice(&bytes)
                .map(Expected::State)
                .map_err(|e| format!("{}: {e}", state.display()));
        }
        let error = case.join("expected-error.txt");
        let text = std::fs::read_to_string(&error).map_err(|e| format!("{}: {e}", error.display()))?;
        Ok(Expected::Error(text.strip_suffix('\n').unwrap_or(&text).to_owned()))
    }

    pub fn outcome(&self) -> Outcome {
        match self {
            Expected::State(state) => Outcome::State(state.clone()),
            Expected::Error(message) => Outcome::Rejected { message: message.clone(), stderr: String::new() },
        }
    }
}

/// A bundle already on disk.
#[derive(Debug, Clone)]
pub struct FixedCase {
    pub name: String,
    pub dir: PathBuf,
    /// Upstream's recorded outcome; `None` means the reference reducer decides.
    pub expected: Option<Expected>,
}

/// Every upstream case, `DIR/<name>/bundle` beside its expected output, sorted by name.
pub fn upstream_cases(dir: &Path) -> Result<Vec<FixedCase>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("--upstream-cases {}: {e}", dir.display()))?;
    let mut cases = Vec::new();
    for entry in entries {
        let case = entry.map_err(|e| format!("{}: {e}", dir.display()))?.path();
        if !case.join("bundle").is_dir() {
            continue;
        }
        let name = case.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let expected = Expected::read(&case)?;
        cases.push(FixedCase { name: format!("upstream/{name}"), dir: case.join("bundle"), expected: Some(expected) });
    }
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(cases)
}

/// One generated draw: a scenario, the choices behind its legal reorder, and which mutation.
pub type Draw = (Scenario, Vec<usize>, Index);

pub fn draw_strategy(size: Size) -> impl Strategy<Value = Draw> {
    (scenario(size), choices(4096), any::<Index>())
}

/// The runner that draws case `index` of `seed`: its RNG is `seeded::runner`'s (what "seed N"
/// means everywhere), so a case does not depend on how many others are drawn.
pub fn case_runner(seed: u64, index: u64, config: Config) -> TestRunner {
    let rng: TestRng = seeded::runner(seed, index).rng().clone();
    TestRunner::new_with_rng(config, rng)
}

/// Case `index` exactly as `TestRunner::run` first generates it, so that shrinking, which runs
/// the same runner, starts from this very value.
pub fn draw(seed: u64, index: u64, size: Size) -> Draw {
    let config = Config { cases: 1, failure_persistence: None, ..Config::default() };
    let drawn = RefCell::new(None);
    let _ = case_runner(seed, index, config).run(&draw_strategy(size), |value| {
        *drawn.borrow_mut() = Some(value);
        Ok(())
    });
    drawn.into_inner().expect("the runner draws one case")
}

/// Which of a draw's two cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// The scenario in the legal order its choices pick.
    Reordered,
    /// The scenario with one mutation: an invalid stream the candidate must reject.
    Mutated,
}

/// The bundle of one variant of a draw; for `Mutated`, also which mutation. `kind` pins the
/// mutation while shrinking (`None` picks it from the draw); a draw it does not apply to has none.
pub fn bundle_of(
    draw: &Draw,
    variant: Variant,
    kind: Option<MutationKind>,
    revision: &Revision,
) -> Option<(Bundle, Option<MutationKind>)> {
    let (scenario, choices, pick) = draw;
    let emitted = emit_as(scenario, revision);
    match variant {
        Variant::Reordered => Some((emitted.bundle(&emitted.reordered(choices)), None)),
        Variant::Mutated => {
            let kinds = applicable(&emitted);
            let kind = match kind {
                Some(kind) => kinds.contains(&kind).then_some(kind)?,
                None => *kinds.get(pick.index(kinds.len().max(1)))?,
            };
            apply(&emitted, kind).map(|mutated| (mutated.bundle, Some(kind)))
        }
    }
}

/// The report name of a generated case.
pub fn generated_name(seed: u64, index: u64, variant: Variant, kind: Option<MutationKind>) -> String {
    match (variant, kind) {
        (Variant::Reordered, _) => format!("generated seed {seed} case {index}"),
        (Variant::Mutated, Some(kind)) => format!("mutated seed {seed} case {index} ({kind:?})"),
        (Variant::Mutated, None) => format!("mutated seed {seed} case {index}"),
    }
}

/// Every bundle under `dir` (valid, findings, regressions, invalid), named by its path; the
/// reference reducer decides each one's expected outcome.
pub fn corpus_cases(dir: &Path) -> Result<Vec<FixedCase>, String> {
    let bundles = crate::rules::check::find_bundles(&[dir.to_path_buf()]).map_err(|e| format!("corpus: {e}"))?;
    Ok(bundles.into_iter().map(|dir| FixedCase { name: dir.display().to_string(), dir, expected: None }).collect())
}

/// Bundles given by path, each its own case.
pub fn bundle_cases(paths: &[PathBuf]) -> Result<Vec<FixedCase>, String> {
    paths
        .iter()
        .map(|dir| match dir.is_dir() {
            true => Ok(FixedCase { name: dir.display().to_string(), dir: dir.clone(), expected: None }),
            false => Err(format!("--bundle {}: not a directory", dir.display())),
        })
        .collect()
}
