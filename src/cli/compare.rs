//! `compare`: a candidate reducer against the reference on the corpus, upstream's cases and
//! generated streams, every disagreement shrunk and saved.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;

use super::check::write_report;
use super::{LimitArgs, RevisionArg, EXIT_ERROR};
use crate::differential::{
    bundle_cases, compare, corpus_cases, reference_at, upstream_cases, Baseline, Candidate, CaseSize, CompareConfig,
    Comparison, ExternalCommand, ShrinkLimits,
};
use crate::report::Format;
use crate::rules::Limits;

/// Run a candidate reducer against the reference and report every case it disagrees on, each
/// shrunk to a minimal bundle under --out.
///
/// The candidate is a command template: `{bundle}` becomes the bundle directory (one argument;
/// no shell is involved), and the state is read from stdout, or from `{out}` when the template
/// names it. Exit 0 with JSON is a state; another exit code is a rejection (its first `error:`
/// line is the message); 101, a signal, a timeout or non-JSON output are candidate failures.
///
/// A bundle on disk is first read within the limits (`check`'s defaults): one the reader refuses
/// as input (a file that is not regular, a path or symlink leaving the bundle, a limit exceeded)
/// is given to neither reducer, and listed under the summary with its rule and place.
///
/// Exit status: 0 when every case agreed, 1 on any disagreement, 2 on a usage or I/O error.
#[derive(Args)]
#[command(after_help = "Examples:
  rollout-conformance compare --candidate 'target/release/rollout-conformance reduce --stdout {bundle}' --cases 1000
  rollout-conformance compare --candidate 'my-reducer --in {bundle} --out {out}' --canonical
  rollout-conformance compare --baseline main --cases 200")]
pub struct CompareArgs {
    #[command(flatten)]
    revision: RevisionArg,
    #[command(flatten)]
    limits: LimitArgs,
    /// The candidate command, e.g. 'codex debug trace-reduce {bundle} --output {out}'.
    #[arg(long, value_name = "TEMPLATE")]
    candidate: Option<String>,
    /// Build this git revision of the crate and use its `reduce` as the reference; the candidate
    /// is then --candidate, or this build's own reducer.
    #[arg(long, value_name = "REF")]
    baseline: Option<String>,
    /// Build the baseline in the release profile (slower to build, faster to run).
    #[arg(long, requires = "baseline")]
    baseline_release: bool,
    /// Compare only these bundles (no corpus, no generated cases unless --cases is given).
    #[arg(long, value_name = "DIR")]
    bundle: Vec<PathBuf>,
    /// The corpus whose every bundle is a case.
    #[arg(long, value_name = "DIR", default_value = "corpus")]
    corpus: PathBuf,
    /// Skip the corpus.
    #[arg(long)]
    no_corpus: bool,
    /// Upstream's conformance cases: DIR/<name>/bundle with expected-state.json or expected-error.txt.
    #[arg(long, value_name = "DIR")]
    upstream_cases: Option<PathBuf>,
    /// Generated scenarios; each gives a legal reorder and a mutated (invalid) stream [default: 100].
    #[arg(long, value_name = "N")]
    cases: Option<u64>,
    #[arg(long, default_value_t = 0x5eed)]
    seed: u64,
    #[arg(long, value_enum, default_value = "medium")]
    size: CaseSize,
    /// Compare canonical forms, for reducers that number items differently.
    #[arg(long)]
    canonical: bool,
    /// Two rejections must also carry the same top-level message.
    #[arg(long)]
    match_errors: bool,
    /// Seconds one candidate run may take before it is stopped.
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    timeout: f64,
    /// Stop starting generated cases after this many seconds; keep what was found.
    #[arg(long, value_name = "SECS")]
    time_budget: Option<f64>,
    /// Run only the K-th of N deterministic slices of the generated cases (a CI matrix).
    #[arg(long, value_name = "K/N", value_parser = parse_partition)]
    partition: Option<(u64, u64)>,
    /// Where each disagreement is written, as DIR/<hash>/.
    #[arg(long, value_name = "DIR", default_value = "compare-out")]
    out: PathBuf,
    /// Shrink steps per disagreement (0 keeps cases as found).
    #[arg(long, value_name = "N", default_value_t = 1024)]
    max_shrink_iters: u32,
    /// Seconds of shrinking per disagreement.
    #[arg(long, value_name = "SECS", default_value_t = 60.0)]
    max_shrink_secs: f64,
    /// Disagreements shrunk, one per signature (kind, mutation, first differing top-level
    /// field); the others are saved as found.
    #[arg(long, value_name = "N", default_value_t = 8)]
    max_shrinks: usize,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    /// Write the report here instead of standard output.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Put candidate stderr tails and output excerpts in the report (they may hold payload text).
    #[arg(long)]
    show_values: bool,
}

fn parse_partition(text: &str) -> Result<(u64, u64), String> {
    let (k, n) = text.split_once('/').ok_or("expected K/N, e.g. 2/4")?;
    let (k, n): (u64, u64) = (k.parse().map_err(|_| "K is not a number")?, n.parse().map_err(|_| "N is not a number")?);
    if n == 0 || k == 0 || k > n {
        return Err(format!("{k}/{n}: need 1 <= K <= N"));
    }
    Ok((k, n))
}

fn seconds(value: f64, flag: &str) -> Result<Duration, String> {
    Duration::try_from_secs_f64(value).map_err(|_| format!("{flag} {value}: not a number of seconds"))
}

pub fn run(args: CompareArgs) -> ExitCode {
    match run_checked(&args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn run_checked(args: &CompareArgs) -> Result<ExitCode, String> {
    let timeout = seconds(args.timeout, "--timeout")?;
    if args.candidate.is_none() && args.baseline.is_none() {
        return Err("give --candidate 'CMD {bundle}', or --baseline REF".to_owned());
    }
    let external = args.candidate.as_deref().map(|template| ExternalCommand::parse(template, timeout)).transpose()?;
    if let Some(external) = external.as_ref().filter(|external| !external.program_exists()) {
        return Err(format!("--candidate {:?}: the program was not found", external.template));
    }
    let config = config(args)?;
    let ours = reference_at(config.revision);
    let baseline =
        args.baseline.as_deref().map(|revision| Baseline::build(revision, args.baseline_release)).transpose()?;
    let baseline_reducer = baseline.as_ref().map(|baseline| baseline.reducer(timeout));
    let reference: &dyn Candidate = match &baseline_reducer {
        Some(reducer) => reducer,
        None => &ours,
    };
    let candidate: &dyn Candidate = match &external {
        Some(external) => external,
        None => &ours,
    };
    let mut report = compare(reference, candidate, &config);
    report.show_values = args.show_values;
    if let Some(baseline) = &baseline {
        report.figures.insert(0, ("baseline".to_owned(), baseline.revision.clone()));
    }
    write_report(&report, args.format, args.output.as_ref()).map_err(|e| format!("write report: {e}"))?;
    Ok(ExitCode::from(u8::from(report.summary().disagreements > 0)))
}

fn config(args: &CompareArgs) -> Result<CompareConfig, String> {
    let mut fixed = bundle_cases(&args.bundle)?;
    if args.bundle.is_empty() && !args.no_corpus {
        if args.corpus.is_dir() {
            fixed.extend(corpus_cases(&args.corpus)?);
        } else if args.corpus != Path::new("corpus") {
            return Err(format!("--corpus {}: not a directory", args.corpus.display()));
        } else {
            eprintln!("note: no corpus/ here; running generated cases only (--corpus DIR names one)");
        }
    }
    if let Some(dir) = &args.upstream_cases {
        fixed.extend(upstream_cases(dir)?);
    }
    let cases = args.cases.unwrap_or(if args.bundle.is_empty() { 100 } else { 0 });
    Ok(CompareConfig {
        comparison: Comparison { canonical: args.canonical, match_errors: args.match_errors },
        fixed,
        bounds: args.limits.over(Limits::CHECK).bounds(),
        cases,
        seed: args.seed,
        size: args.size,
        revision: args.revision.or_default(),
        partition: args.partition,
        time_budget: args.time_budget.map(|secs| seconds(secs, "--time-budget")).transpose()?,
        shrink: ShrinkLimits {
            max_iters: args.max_shrink_iters,
            max_time: seconds(args.max_shrink_secs, "--max-shrink-secs")?,
        },
        max_shrinks: args.max_shrinks,
        out: Some(args.out.clone()),
        reproduce: Some(reproduce_prefix(args)),
        progress: true,
    })
}

/// `compare` with the same candidate and comparison, to which `--bundle PATH` is appended.
fn reproduce_prefix(args: &CompareArgs) -> String {
    let mut words = vec!["rollout-conformance".to_owned(), "compare".to_owned()];
    if let Some(template) = &args.candidate {
        words.extend(["--candidate".to_owned(), template.clone()]);
    }
    if let Some(revision) = &args.baseline {
        words.extend(["--baseline".to_owned(), revision.clone()]);
    }
    if args.baseline_release {
        words.push("--baseline-release".to_owned());
    }
    for (set, flag) in [(args.canonical, "--canonical"), (args.match_errors, "--match-errors")] {
        if set {
            words.push(flag.to_owned());
        }
    }
    if args.timeout != 10.0 {
        words.extend(["--timeout".to_owned(), args.timeout.to_string()]);
    }
    let limits = &args.limits;
    for (value, flag) in [
        (limits.max_line_bytes, "--max-line-bytes"),
        (limits.max_payload_bytes, "--max-payload-bytes"),
        (limits.max_bundle_bytes, "--max-bundle-bytes"),
        (limits.max_events.map(|n| n as u64), "--max-events"),
    ] {
        if let Some(value) = value {
            words.extend([flag.to_owned(), value.to_string()]);
        }
    }
    shell_words::join(words)
}
