//! `check`: every rule of the catalog on every bundle found, in parallel, as one report.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

use super::EXIT_ERROR;
use crate::report::{render, Entry, Format, Report, ReportKind};
use crate::rules::check::{check_bundle, find_bundles, partition};
use crate::rules::config::{CheckConfig, ConfigFile, FailOn, CONFIG_FILE_NAME};

#[derive(Args)]
#[command(after_long_help = "\
A PATH is a bundle (a directory with manifest.json or trace.jsonl) or a directory walked for
bundles; bundles are checked in parallel on every core. `rollout-conformance rules` lists the
rules and `rollout-conformance explain RULE` explains one.

Reports carry ids, seq, lines, field names and type tags only, never payload content or free
text from events, unless --show-values is given.

A rollout-conformance.toml in a PATH (or beside a bundle given directly) sets the same options
as the command line; the command line wins:
  fail-on = \"warning\"
  revision = \"inference-timing\"
  allow = [\"blank-line\"]
  deny = [\"RC2010\"]
  max-events = 2000000

Limits (defaults far beyond real rollouts): --max-line-bytes 16 MiB, --max-payload-bytes
256 MiB, --max-bundle-bytes 16 GiB, --max-events 10,000,000.

Exit status: 0 when nothing reaches --fail-on, 1 when something does, 2 on a usage or I/O error.

Examples:
  rollout-conformance check $CODEX_ROLLOUT_TRACE_ROOT
  rollout-conformance check traces/ --format sarif -o check.sarif --fail-on warning
  rollout-conformance check traces/ --format jsonl --partition 2/4 >> report.jsonl")]
pub struct CheckArgs {
    /// Bundles, or directories that are walked for bundles.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    /// Write the report here instead of standard output.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// The lowest severity that makes the exit status 1 [default: error].
    #[arg(long, value_enum)]
    fail_on: Option<FailOn>,
    /// Do not report this rule (id or slug); repeatable.
    #[arg(long, value_name = "RULE")]
    allow: Vec<String>,
    /// Report this rule as a warning; repeatable.
    #[arg(long, value_name = "RULE")]
    warn: Vec<String>,
    /// Report this rule as an error; repeatable.
    #[arg(long, value_name = "RULE")]
    deny: Vec<String>,
    /// Check only the K-th of N deterministic slices of the bundles found (a CI matrix).
    #[arg(long, value_name = "K/N", value_parser = parse_partition)]
    partition: Option<(usize, usize)>,
    /// Put the offending values (payload text, serde messages) in the report. They may hold
    /// prompts and code: for local debugging only.
    #[arg(long)]
    show_values: bool,
    #[command(flatten)]
    limits: super::LimitArgs,
    #[command(flatten)]
    revision: super::RevisionArg,
}

fn parse_partition(text: &str) -> Result<(usize, usize), String> {
    let (k, n) = text.split_once('/').ok_or("expected K/N, e.g. 2/4")?;
    let (k, n): (usize, usize) =
        (k.parse().map_err(|_| "K is not a number")?, n.parse().map_err(|_| "N is not a number")?);
    if n == 0 || k == 0 || k > n {
        return Err(format!("{k}/{n}: need 1 <= K <= N"));
    }
    Ok((k, n))
}

/// The run's configuration: config files first, then the command line.
fn config(args: &CheckArgs) -> Result<CheckConfig, String> {
    let mut config = CheckConfig::default();
    for path in &args.paths {
        let beside = [Some(path.as_path()), path.parent()];
        if let Some(file) = beside.into_iter().flatten().find(|dir| dir.join(CONFIG_FILE_NAME).is_file()) {
            if let Some(file) = ConfigFile::read(file)? {
                config.apply_file(&file)?;
            }
        }
    }
    // The command line is one more layer of the same settings, applied last.
    config.apply_file(&ConfigFile {
        fail_on: args.fail_on,
        allow: args.allow.clone(),
        warn: args.warn.clone(),
        deny: args.deny.clone(),
        max_line_bytes: args.limits.max_line_bytes,
        max_payload_bytes: args.limits.max_payload_bytes,
        max_bundle_bytes: args.limits.max_bundle_bytes,
        max_events: args.limits.max_events,
        revision: args.revision.revision.map(|revision| revision.name.to_owned()),
    })?;
    Ok(config)
}

/// A bar on a terminal for runs long enough to want one; never in CI logs or piped output.
fn progress(total: usize) -> ProgressBar {
    let interactive = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
    if !interactive || total < 20 {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} bundles, {elapsed} elapsed, {eta} left") {
        bar.set_style(style);
    }
    bar
}

pub fn run(args: CheckArgs) -> ExitCode {
    let config = match config(&args) {
        Ok(config) => config,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let mut bundles = match find_bundles(&args.paths) {
        Ok(bundles) => bundles,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    if let Some((k, n)) = args.partition {
        bundles = partition(bundles, k, n);
    }
    let bar = progress(bundles.len());
    let entries: Vec<Entry> = bundles
        .into_par_iter()
        .map(|bundle| {
            let violations = check_bundle(&bundle, &config);
            bar.inc(1);
            Entry::bundle(bundle, violations)
        })
        .collect();
    bar.finish_and_clear();
    let mut report = Report::new(ReportKind::Check, entries);
    report.show_values = args.show_values;
    report.revision = config.revision;
    if let Err(e) = write_report(&report, args.format, args.output.as_ref()) {
        eprintln!("error: write report: {e}");
        return ExitCode::from(EXIT_ERROR);
    }
    match report.worst() {
        Some(worst) if config.fail_on.fails(worst) => ExitCode::from(1),
        _ => ExitCode::SUCCESS,
    }
}

/// Render to `output` (written whole, then renamed into place) or to standard output.
pub(super) fn write_report(report: &Report, format: Format, output: Option<&PathBuf>) -> std::io::Result<()> {
    let mut bytes = Vec::new();
    render(report, format, &mut bytes)?;
    match output {
        Some(path) => std::fs::write(path, bytes),
        None => {
            let mut out = std::io::stdout().lock();
            match out.write_all(&bytes).and_then(|()| out.flush()) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => other,
            }
        }
    }
}
