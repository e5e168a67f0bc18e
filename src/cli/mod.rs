//! The command line: argument handling only; the work lives in the library.

mod bench;
mod check;
mod compare;
mod diff;
mod gen;
mod reduce;
mod revisions;
pub mod rules;
mod show;

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::revision::{self, Revision};

/// Conformance tooling for Codex rollout-trace bundles (manifest.json, trace.jsonl, payloads/).
#[derive(Parser)]
#[command(name = "rollout-conformance", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Replay a bundle into the reduced graph (state.json), byte for byte what upstream
    /// `codex debug trace-reduce` writes.
    Reduce(reduce::ReduceArgs),
    /// Check bundles against the rule catalog: every violation, with its rule, place and fix.
    Check(check::CheckArgs),
    /// Draw a bundle and its reduction as a self-contained HTML timeline.
    Show(show::ShowArgs),
    /// List the rule catalog.
    Rules(rules::RulesArgs),
    /// Explain one rule: what it checks, why a producer breaks it, how to fix it.
    Explain(rules::ExplainArgs),
    /// Write generated valid bundles, each with its reference reduction (expected-state.json).
    Gen(gen::GenArgs),
    /// Measure how the reference reducer's time grows with the number of events.
    Bench(bench::BenchArgs),
    /// Where two reduced states (or bundles, reduced first) differ, by JSON path.
    Diff(diff::DiffArgs),
    /// Check a candidate reducer against the reference; shrink every disagreement to a bundle.
    Compare(compare::CompareArgs),
    /// List the format revisions `--revision` takes, and what each changes.
    Revisions,
}

/// The reading limits, shared by `check`, `reduce`, `diff` and `compare`; `reduce` has its own
/// defaults, the others `check`'s.
#[derive(Args, Clone, Copy, Debug)]
pub struct LimitArgs {
    /// Largest line of trace.jsonl (and manifest.json), in bytes [default: 16 MiB].
    #[arg(long, value_name = "BYTES")]
    pub max_line_bytes: Option<u64>,
    /// Largest payload file, in bytes [default: 256 MiB].
    #[arg(long, value_name = "BYTES")]
    pub max_payload_bytes: Option<u64>,
    /// Largest bundle (all its files), in bytes [default: 16 GiB; none for reduce].
    #[arg(long, value_name = "BYTES")]
    pub max_bundle_bytes: Option<u64>,
    /// Most events in one trace.jsonl [default: 10,000,000; none for reduce].
    #[arg(long, value_name = "N")]
    pub max_events: Option<usize>,
}

impl LimitArgs {
    /// `defaults`, with each limit given on the command line in its place.
    pub fn over(&self, defaults: crate::rules::Limits) -> crate::rules::Limits {
        crate::rules::Limits {
            max_line_bytes: self.max_line_bytes.or(defaults.max_line_bytes),
            max_payload_bytes: self.max_payload_bytes.or(defaults.max_payload_bytes),
            max_bundle_bytes: self.max_bundle_bytes.or(defaults.max_bundle_bytes),
            max_events: self.max_events.or(defaults.max_events),
        }
    }
}

/// `--revision NAME`, shared by every command that reduces.
#[derive(Args, Clone, Copy, Debug)]
pub struct RevisionArg {
    /// The format revision to follow (see `revisions`) [default: bc8b25ea02, the confirmed upstream].
    #[arg(long = "revision", value_name = "NAME", value_parser = revision::parse_name)]
    pub revision: Option<&'static Revision>,
}

impl RevisionArg {
    /// The revision asked for, or the default.
    pub fn or_default(&self) -> &'static Revision {
        self.revision.unwrap_or_else(Revision::default_revision)
    }
}

/// Exit code for usage and input errors.
pub const EXIT_ERROR: u8 = 2;

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { ExitCode::from(EXIT_ERROR) } else { ExitCode::SUCCESS };
        }
    };
    match cli.command {
        Command::Reduce(args) => reduce::run(args),
        Command::Check(args) => check::run(args),
        Command::Show(args) => show::run(args),
        Command::Rules(args) => rules::list(args),
        Command::Explain(args) => rules::explain(args),
        Command::Gen(args) => gen::run(args),
        Command::Bench(args) => bench::run(args),
        Command::Revisions => revisions::run(),
        Command::Diff(args) => diff::run(args),
        Command::Compare(args) => compare::run(args),
    }
}

/// Print a replay error: the top-level message first, then its context.
pub fn print_error(error: &crate::Error) {
    eprintln!("error: {}", error.message());
    for line in error.context_lines() {
        eprintln!("  {line}");
    }
}
