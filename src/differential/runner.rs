//! The compare run: every case through the reference and the candidate in parallel, then each
//! disagreement shrunk (one at a time), saved, and reported as one `report::Report`.

use std::collections::HashSet;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

use super::cases::{bundle_of, draw, generated_name, CaseSize, FixedCase, Variant};
use super::persist::{save, Saved, Source};
use super::screen::screen;
use super::shrink::{shrink, ShrinkLimits, Target};
use super::{judge, Candidate, Comparison, Outcome, Verdict};
use crate::bundle::{Bundle, LogBounds};
use crate::generate::mutate::MutationKind;
use crate::report::{Disagreement, DisagreementKind, Entry, Report, ReportKind};
use crate::revision::Revision;
use crate::rules::check::reducer_violation;
use crate::rules::{Limits, Violation};

/// What to run and how.
#[derive(Debug, Clone)]
pub struct CompareConfig {
    pub comparison: Comparison,
    /// Bundles on disk: the corpus, upstream's cases, bundles given by path. One the reader
    /// refuses as input (see `screen`) is given to neither side: it is no case, and its rule and
    /// place are a figure of the report.
    pub fixed: Vec<FixedCase>,
    /// What a bundle on disk may hold, for the screen and for every reducer in this process.
    pub bounds: LogBounds,
    /// Generated draws; each gives a reordered case and a mutated one.
    pub cases: u64,
    pub seed: u64,
    pub size: CaseSize,
    /// The format revision of the generated streams (the reference is chosen to match).
    pub revision: &'static Revision,
    /// Only draws `i` with `i % N == K - 1`.
    pub partition: Option<(u64, u64)>,
    /// Stop starting generated cases after this long; what was found is kept.
    pub time_budget: Option<Duration>,
    pub shrink: ShrinkLimits,
    /// At most this many disagreements are shrunk, one per kind of difference (the kind and the
    /// top-level field of the first difference, or the mutation); the rest are saved as found.
    pub max_shrinks: usize,
    /// Where each disagreement is written, as `OUT/<hash>/`.
    pub out: Option<PathBuf>,
    /// The command line that runs compare on one bundle (`--bundle PATH` is appended).
    pub reproduce: Option<String>,
    /// Draw a progress bar when stderr is a terminal (and `CI` is unset).
    pub progress: bool,
}

impl Default for CompareConfig {
    fn default() -> Self {
        CompareConfig {
            comparison: Comparison::default(),
            fixed: Vec::new(),
            bounds: Limits::CHECK.bounds(),
            cases: 100,
            seed: 0x5eed,
            size: CaseSize::Medium,
            revision: Revision::default_revision(),
            partition: None,
            time_budget: None,
            shrink: ShrinkLimits::default(),
            max_shrinks: 8,
            out: None,
            reproduce: None,
            progress: false,
        }
    }
}

/// One case after both sides ran.
struct Evaluated {
    name: String,
    source: Evaluation,
    reference: Outcome,
    candidate: Outcome,
    verdict: Option<Verdict>,
    /// Why the bundle was given to neither side.
    refused: Option<Violation>,
}

enum Evaluation {
    Fixed(PathBuf),
    /// The bundle is kept only when the case disagrees.
    Generated {
        index: u64,
        variant: Variant,
        kind: Option<MutationKind>,
        bundle: Option<Box<Bundle>>,
    },
}

/// Run `candidate` against `reference` on every case of `config`.
pub fn compare(reference: &dyn Candidate, candidate: &dyn Candidate, config: &CompareConfig) -> Report {
    let indices: Vec<u64> =
        (0..config.cases).filter(|i| config.partition.is_none_or(|(k, n)| i % n == k - 1)).collect();
    let bar = progress(config.progress, config.fixed.len() + 2 * indices.len());
    let started = Instant::now();
    let skipped = AtomicUsize::new(0);
    let mut evaluated: Vec<Evaluated> = config
        .fixed
        .par_iter()
        .map(|case| {
            let result = fixed(reference, candidate, case, config);
            bar.inc(1);
            result
        })
        .collect();
    let generated: Vec<Vec<Evaluated>> = indices
        .par_iter()
        .map(|&index| {
            if config.time_budget.is_some_and(|budget| started.elapsed() >= budget) {
                skipped.fetch_add(1, Ordering::Relaxed);
                return Vec::new();
            }
            let result = generated(reference, candidate, config, index);
            bar.inc(2);
            result
        })
        .collect();
    evaluated.extend(generated.into_iter().flatten());
    bar.finish_and_clear();
    let elapsed = started.elapsed();

    let compared = evaluated.iter().filter(|case| case.refused.is_none()).count();
    let mut figures = vec![
        ("candidate".to_owned(), candidate.name().to_owned()),
        ("reference".to_owned(), reference.name().to_owned()),
        (
            "cases per second".to_owned(),
            format!(
                "{:.1} ({} cases in {:.1} s)",
                compared as f64 / elapsed.as_secs_f64().max(1e-9),
                compared,
                elapsed.as_secs_f64()
            ),
        ),
    ];
    let skipped = skipped.into_inner();
    if skipped > 0 {
        figures.push(("generated draws skipped by --time-budget".to_owned(), skipped.to_string()));
    }
    // A refused bundle was not compared, so it is no case: its rule and place go under the summary.
    for case in &evaluated {
        if let Some(refused) = &case.refused {
            let rule = refused.rule;
            let place = refused.location.display();
            figures.push((
                format!("refused as input, given to neither reducer: {}", case.name),
                format!("{} {} at {place}: {}", rule.id, rule.slug, refused.message),
            ));
        }
    }
    let mut shrunk = HashSet::new();
    let entries = evaluated
        .into_iter()
        .filter(|case| case.refused.is_none())
        .map(|case| entry(reference, candidate, config, case, &mut shrunk, &mut figures))
        .collect();
    let mut report = Report::new(ReportKind::Compare, entries);
    report.revision = config.revision;
    report.figures = figures;
    report
}

fn fixed(reference: &dyn Candidate, candidate: &dyn Candidate, case: &FixedCase, config: &CompareConfig) -> Evaluated {
    let source = Evaluation::Fixed(case.dir.clone());
    if let Some(refused) = screen(&case.dir, config.bounds) {
        let outcome = Outcome::Rejected { message: refused.message(), stderr: String::new() };
        let refused = Some(reducer_violation(&refused));
        let (reference, candidate) = (outcome.clone(), outcome);
        return Evaluated { name: case.name.clone(), source, reference, candidate, verdict: None, refused };
    }
    let expected = match &case.expected {
        Some(expected) => expected.outcome(),
        None => reference.run(&case.dir, config.bounds),
    };
    let got = candidate.run(&case.dir, config.bounds);
    let verdict = judge(&expected, &got, config.comparison);
    Evaluated { name: case.name.clone(), source, reference: expected, candidate: got, verdict, refused: None }
}

fn generated(
    reference: &dyn Candidate,
    candidate: &dyn Candidate,
    config: &CompareConfig,
    index: u64,
) -> Vec<Evaluated> {
    let drawn = draw(config.seed, index, config.size.size());
    [Variant::Reordered, Variant::Mutated]
        .into_iter()
        .filter_map(|variant| {
            let (bundle, kind) = bundle_of(&drawn, variant, None, config.revision)?;
            let (expected, got, verdict) = run_pair(reference, candidate, &bundle, config.comparison, config.bounds);
            let bundle = verdict.is_some().then(|| Box::new(bundle));
            Some(Evaluated {
                name: generated_name(config.seed, index, variant, kind),
                source: Evaluation::Generated { index, variant, kind, bundle },
                reference: expected,
                candidate: got,
                verdict,
                refused: None,
            })
        })
        .collect()
}

/// Write `bundle` to a scratch directory, run both sides on it, and judge.
pub(super) fn run_pair(
    reference: &dyn Candidate,
    candidate: &dyn Candidate,
    bundle: &Bundle,
    comparison: Comparison,
    bounds: LogBounds,
) -> (Outcome, Outcome, Option<Verdict>) {
    let written = tempfile::tempdir().and_then(|scratch| {
        let dir = scratch.path().join("bundle");
        bundle.write_dir(&dir).map(|()| (scratch, dir))
    });
    let (_scratch, dir) = match written {
        Ok(written) => written,
        Err(e) => {
            let failed = Outcome::Crashed { detail: format!("could not write the bundle: {e}") };
            return (failed.clone(), failed.clone(), judge(&failed, &failed, comparison));
        }
    };
    let expected = reference.run(&dir, bounds);
    let got = candidate.run(&dir, bounds);
    let verdict = judge(&expected, &got, comparison);
    (expected, got, verdict)
}

/// The report entry of one case: shrunk and saved first when it disagrees.
fn entry(
    reference: &dyn Candidate,
    candidate: &dyn Candidate,
    config: &CompareConfig,
    case: Evaluated,
    shrunk_signatures: &mut HashSet<String>,
    figures: &mut Vec<(String, String)>,
) -> Entry {
    let path = match &case.source {
        Evaluation::Fixed(dir) => Some(dir.clone()),
        Evaluation::Generated { .. } => None,
    };
    let Some(verdict) = case.verdict else {
        return Entry { name: case.name, path, violations: Vec::new(), disagreement: None };
    };
    let (mut verdict, mut expected, mut got) = (verdict, case.reference, case.candidate);
    let mut events = None;
    let mut bundle_kept = None;
    if let Evaluation::Generated { index, variant, kind, bundle } = case.source {
        let found = bundle.expect("a disagreeing case keeps its bundle");
        let found_events = found.events.len();
        bundle_kept = Some(*found);
        // A hanging candidate costs a timeout per step: keep its case as found. Shrinking costs
        // hundreds of candidate runs, so one case per signature is enough to show the bug.
        let signature = signature(&verdict, kind);
        let wanted = shrunk_signatures.len() < config.max_shrinks && !shrunk_signatures.contains(&signature);
        if config.shrink.max_iters > 0 && verdict.kind != DisagreementKind::CandidateTimedOut && wanted {
            shrunk_signatures.insert(signature);
            let target = Target {
                seed: config.seed,
                index,
                size: config.size.size(),
                revision: config.revision,
                variant,
                kind,
                disagreement: verdict.kind,
            };
            if let Some(shrunk) = shrink(reference, candidate, config.comparison, config.bounds, target, config.shrink)
            {
                figures.push((
                    format!("shrink {}", case.name),
                    format!(
                        "{:.1} s, {} runs, {} -> {} events",
                        shrunk.elapsed.as_secs_f64(),
                        shrunk.runs,
                        found_events,
                        shrunk.bundle.events.len()
                    ),
                ));
                events = Some(shrunk.bundle.events.len());
                (verdict, expected, got) = (shrunk.verdict, shrunk.reference, shrunk.candidate);
                bundle_kept = Some(shrunk.bundle);
            }
        }
    }
    let saved = config.out.as_ref().and_then(|out| {
        let source = match (&bundle_kept, &path) {
            (Some(bundle), _) => Source::Memory(bundle),
            (None, Some(dir)) => Source::Dir(dir),
            (None, None) => return None,
        };
        match save(out, &case.name, source, &verdict, (&expected, &got), config.bounds, config.reproduce.as_deref()) {
            Ok(saved) => Some(saved),
            Err(e) => {
                eprintln!("warning: could not save {} under {}: {e}", case.name, out.display());
                None
            }
        }
    });
    let (saved, reproduce) = match saved {
        Some(Saved { dir, reproduce }) => (Some(dir), reproduce),
        None => (None, path.as_deref().and_then(|dir| reproduce_on(config, dir))),
    };
    let disagreement = Disagreement {
        kind: verdict.kind,
        message: verdict.message,
        differences: verdict.differences.into_iter().map(|d| d.path).collect(),
        events,
        saved,
        reproduce,
        detail: verdict.detail,
    };
    Entry { name: case.name, path, violations: Vec::new(), disagreement: Some(disagreement) }
}

/// What makes two disagreements likely the same bug.
fn signature(verdict: &Verdict, kind: Option<MutationKind>) -> String {
    let field = verdict.differences.first().map(|d| d.path.split('/').nth(1).unwrap_or("").to_owned());
    format!("{} {:?} {}", verdict.kind.slug(), kind, field.unwrap_or_default())
}

fn reproduce_on(config: &CompareConfig, dir: &Path) -> Option<String> {
    let prefix = config.reproduce.as_ref()?;
    Some(format!("{prefix} --bundle {}", shell_words::quote(&dir.to_string_lossy())))
}

/// A bar on a terminal for runs long enough to want one; never in CI logs or piped output.
fn progress(wanted: bool, total: usize) -> ProgressBar {
    let interactive = wanted && std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
    if !interactive || total < 20 {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} cases, {elapsed} elapsed, {eta} left") {
        bar.set_style(style);
    }
    bar
}
