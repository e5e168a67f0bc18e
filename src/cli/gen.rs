//! `gen`: write generated bundles, each with the reference reduction beside it.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};
use proptest::prelude::any;

use super::{print_error, EXIT_ERROR};
use crate::bundle::Bundle;
use crate::generate::coverage::{paths, Coverage};
use crate::generate::emit::emit_as;
use crate::generate::large::scenario_with_events;
use crate::generate::reorder::choices;
use crate::generate::scenario::{scenario, Size};
use crate::generate::seeded::{runner, sample};
use crate::reducer::{replay_with, ReplayOptions};
use crate::revision::Revision;

/// The reference reduction as upstream's conformance corpus stores it.
pub const EXPECTED_STATE_FILE_NAME: &str = "expected-state.json";

/// Exit code when a generated bundle does not reduce: a finding about the generator or the
/// reducer, not a usage error.
const EXIT_FINDING: u8 = 1;

#[derive(Args)]
#[command(after_long_help = "\
Each bundle goes to OUT/<seed>-<index>/ (index from 0): manifest.json, trace.jsonl, payloads/,
and expected-state.json, the reference reduction as upstream's conformance corpus stores it
(pretty JSON and one trailing newline). `rollout-conformance reduce OUT/<seed>-<index>` writes
state.json, which equals expected-state.json without its final newline.

Output is deterministic: the same --seed, --count, --size, --events and --reorder give
byte-identical files, and bundle <index> does not depend on --count.

Exit status: 0 when every bundle was written; 1 when a generated bundle does not reduce (the
bundle is kept, without expected-state.json); 2 on usage or I/O errors, or when a bundle
directory exists and is not empty (pass --force to replace it).

Examples:
  rollout-conformance gen --out corpus-gen --count 100 --size large --reorder --stats
  rollout-conformance gen --out big --events 1000000")]
pub struct GenArgs {
    /// Seed; bundle <index> is derived from (seed, index).
    #[arg(long, default_value_t = 0, value_name = "N")]
    seed: u64,
    /// How many bundles to write.
    #[arg(long, default_value_t = 1, value_name = "N")]
    count: u64,
    /// Directory that receives the bundle directories (created if needed).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Bounds of each generated scenario (turns, steps per turn, calls per response).
    #[arg(long, value_enum, default_value_t = SizeArg::Medium)]
    size: SizeArg,
    /// Write the events in a random legal order (a linear extension of the happens-before
    /// relation) instead of the order the producer caused them.
    #[arg(long)]
    reorder: bool,
    /// Print a table of the coverage paths the written streams exercise to stdout.
    #[arg(long)]
    stats: bool,
    /// Write large bundles of about N events each (long turns of tools and code cells,
    /// compactions, a few children) instead of sampling `--size` scenarios.
    #[arg(long, value_name = "N", conflicts_with = "size", value_parser = clap::value_parser!(u64).range(1..))]
    events: Option<u64>,
    /// Replace bundle directories that exist and are not empty (their old contents are deleted).
    #[arg(long)]
    force: bool,
    /// Write streams as a producer of this revision does, reduced under it.
    #[command(flatten)]
    revision: super::RevisionArg,
}

#[derive(Clone, Copy, ValueEnum)]
enum SizeArg {
    Tiny,
    Medium,
    Large,
}

impl SizeArg {
    fn size(self) -> Size {
        match self {
            SizeArg::Tiny => Size::TINY,
            SizeArg::Medium => Size::MEDIUM,
            SizeArg::Large => Size::LARGE,
        }
    }
}

/// Progress on stderr: periodic lines on a terminal, and always the final summary.
struct Progress {
    terminal: bool,
    verbose: bool,
    started: Instant,
    last: Instant,
}

impl Progress {
    fn new(verbose: bool) -> Self {
        let now = Instant::now();
        Progress { terminal: std::io::stderr().is_terminal(), verbose, started: now, last: now }
    }

    /// A phase of a large bundle: always shown, there are few.
    fn phase(&self, bundle: &str, what: &str, since: Instant) {
        if self.verbose {
            eprintln!("{bundle}: {what} in {:.1}s", since.elapsed().as_secs_f64());
        }
    }

    fn tick(&mut self, written: u64, count: u64) {
        if self.terminal && self.last.elapsed() >= Duration::from_secs(2) {
            self.last = Instant::now();
            eprintln!("{written}/{count} bundles written ({:.0}s)", self.started.elapsed().as_secs_f64());
        }
    }
}

pub fn run(args: GenArgs) -> ExitCode {
    let dirs: Vec<PathBuf> = (0..args.count).map(|index| args.out.join(format!("{}-{index}", args.seed))).collect();
    // Check every target before writing any, so a refusal leaves nothing half written.
    for dir in &dirs {
        if let Err(message) = check_target(dir, args.force) {
            eprintln!("error: {message}");
            return ExitCode::from(EXIT_ERROR);
        }
    }
    let revision = args.revision.or_default();
    let mut progress = Progress::new(args.events.is_some());
    let mut coverage = Coverage::default();
    let mut total_events = 0usize;
    for (index, dir) in (0..args.count).zip(&dirs) {
        let name = format!("{}-{index}", args.seed);
        let mut runner = runner(args.seed, index);
        let phase = Instant::now();
        let emitted = match args.events {
            Some(events) => {
                let large_seed = sample(any::<u64>(), &mut runner);
                let scenario = scenario_with_events(events as usize, large_seed);
                let emitted = emit_as(&scenario, revision);
                progress.phase(&name, &format!("built and emitted {} events", emitted.events.len()), phase);
                emitted
            }
            None => emit_as(&sample(scenario(args.size.size()), &mut runner), revision),
        };
        let order = if args.reorder {
            emitted.reordered(&sample(choices(emitted.events.len()), &mut runner))
        } else {
            emitted.causal_order()
        };
        if args.stats {
            coverage.record(&paths(&emitted, &order));
        }
        total_events += order.len();
        let bundle = emitted.bundle(&order);
        // A million-event scenario holds its payloads twice until the emitter's copy goes.
        drop(emitted);
        match write_bundle(bundle, dir, args.force, &name, &progress, revision) {
            Ok(()) => {}
            Err(Failure::Io(message)) => {
                eprintln!("error: {message}");
                return ExitCode::from(EXIT_ERROR);
            }
            Err(Failure::Reduce(error)) => {
                print_error(&error);
                eprintln!("error: generated bundle {} does not reduce (kept for inspection)", dir.display());
                return ExitCode::from(EXIT_FINDING);
            }
        }
        progress.tick(index + 1, args.count);
    }
    if args.stats {
        print!("{}", coverage.table());
    }
    eprintln!(
        "wrote {} bundle{} ({total_events} events) to {} in {:.1}s",
        args.count,
        if args.count == 1 { "" } else { "s" },
        args.out.display(),
        progress.started.elapsed().as_secs_f64()
    );
    ExitCode::SUCCESS
}

enum Failure {
    Io(String),
    Reduce(crate::Error),
}

/// A bundle directory may be written when it is absent or empty, or with `--force`.
fn check_target(dir: &Path, force: bool) -> Result<(), String> {
    match std::fs::metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!("inspect {}: {e}", dir.display())),
        Ok(meta) if !meta.is_dir() => Err(format!("{} exists and is not a directory", dir.display())),
        Ok(_) if force => Ok(()),
        Ok(_) => {
            let mut entries = std::fs::read_dir(dir).map_err(|e| format!("read {}: {e}", dir.display()))?;
            match entries.next() {
                None => Ok(()),
                Some(_) => Err(format!(
                    "bundle directory {} is not empty; pass --force to replace it, or choose another --out or --seed",
                    dir.display()
                )),
            }
        }
    }
}

/// Write the bundle, reduce it in memory, and write `expected-state.json` beside it. A bundle
/// that does not reduce stays on disk, for inspection. The bundle is dropped before the state is
/// serialized: for a million events each is over a gigabyte.
fn write_bundle(
    bundle: Bundle,
    dir: &Path,
    force: bool,
    name: &str,
    progress: &Progress,
    revision: &'static Revision,
) -> Result<(), Failure> {
    if force && dir.is_dir() {
        // Old payload files would otherwise stay beside the new ones.
        std::fs::remove_dir_all(dir).map_err(|e| Failure::Io(format!("remove {}: {e}", dir.display())))?;
    }
    let phase = Instant::now();
    bundle.write_dir(dir).map_err(|e| Failure::Io(format!("write bundle {}: {e}", dir.display())))?;
    progress.phase(name, "wrote the bundle", phase);
    let phase = Instant::now();
    let replayed = replay_with(&bundle, &ReplayOptions::revision(revision));
    drop(bundle);
    let state = replayed.map_err(Failure::Reduce)?.trace.to_state_json();
    let path = dir.join(EXPECTED_STATE_FILE_NAME);
    let write = |mut file: std::fs::File| file.write_all(state.as_bytes()).and_then(|()| file.write_all(b"\n"));
    std::fs::File::create(&path).and_then(write).map_err(|e| Failure::Io(format!("write {}: {e}", path.display())))?;
    progress.phase(name, "reduced and wrote expected-state.json", phase);
    Ok(())
}
