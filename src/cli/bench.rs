//! `bench`: how the reference reducer's time grows with the number of events.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Args;

mod phases;
use phases::Phases;

use super::{print_error, EXIT_ERROR};
use crate::bundle::Bundle;
use crate::error::Error;
use crate::generate::emit::emit_as;
use crate::generate::large::scenario_with_events;
use crate::reducer::{replay_dir_with, replay_with, ReplayOptions};
use crate::revision::Revision;

/// Exit code when a generated bundle does not reduce.
const EXIT_FINDING: u8 = 1;

#[derive(Args)]
#[command(after_long_help = "\
For each size, one valid scenario of about that many events is generated (as `gen --events`
does) and reduced --repeat times in memory (`replay` on the in-memory bundle) and from disk
(`replay_dir`, which streams `trace.jsonl`, on a copy written to the system temp directory, page
cache warm); the fastest run counts. The reduced state is freed after the clock stops, as
`reduce` never frees it, and the allocator's free pages go back to the OS before each run
starts: every run, at every size, faults in its memory as a fresh `reduce` process does. The
table shows each size's time and the ratios to the previous size: when the sizes double, linear
scaling reads as time ratios near 2. A second table splits the disk run of `reduce` into phases:
event parse (timed in a pass of its own, done on replay's read-ahead thread) and payload
read+parse (files read there, request inputs parsed and normalized there too, other payloads
parsed by the reducer), both overlapping the replay; replay (wall time, reading included);
serialization to a sink (on every core); total = replay + serialization. It gives the
throughputs and the peak resident memory (VmHWM) of those runs; --floor adds the floor (read and
parse every line and every payload the reducer read, serialize the final state to a sink with
serde_json, all on one thread) and total ÷ floor time. The closing lines fit time ~ events^k
over all sizes by least squares on the logarithms (k near 1 is linear). Absolute times depend on
the machine, its load and the build profile; compare the ratios, in a release build.

Exit status: 0 when every size was measured; 1 when a generated bundle does not reduce; 2 on
usage or I/O errors.

Example:
  cargo run --release -- bench --events 10000,20000,40000,80000,160000")]
pub struct BenchArgs {
    /// Target event counts, comma separated; measured smallest first, repeats dropped.
    #[arg(
        long,
        value_name = "N,N,...",
        value_delimiter = ',',
        default_value = "10000,20000,40000,80000",
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    events: Vec<u64>,
    /// Seed of the generated scenarios (the same for every size).
    #[arg(long, default_value_t = 0, value_name = "N")]
    seed: u64,
    /// Runs per size and mode; the fastest counts.
    #[arg(long, default_value_t = 3, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    repeat: u32,
    /// Also measure the JSON floor on each bundle and print reduce time ÷ floor time.
    #[arg(long)]
    floor: bool,
    /// Generate and reduce under this revision.
    #[command(flatten)]
    revision: super::RevisionArg,
}

/// One size's measurement.
struct Row {
    events: usize,
    memory: Duration,
    disk: Duration,
    phases: Phases,
}

pub fn run(args: BenchArgs) -> ExitCode {
    let terminal = std::io::stderr().is_terminal();
    let mut sizes = args.events.clone();
    sizes.sort_unstable();
    sizes.dedup();
    let mut rows = Vec::new();
    for &target in &sizes {
        if terminal {
            eprintln!("measuring about {target} events ...");
        }
        match measure(target as usize, args.seed, args.repeat, args.floor, args.revision.or_default()) {
            Ok(row) => rows.push(row),
            Err(BenchError::Io(message)) => {
                eprintln!("error: {message}");
                return ExitCode::from(EXIT_ERROR);
            }
            Err(BenchError::Reduce(error)) => {
                print_error(&error);
                eprintln!("error: the generated bundle of about {target} events does not reduce");
                return ExitCode::from(EXIT_FINDING);
            }
        }
    }
    print!("{}", table(&rows));
    print!("{}", phases::table(rows.iter().map(|row| (row.events, &row.phases))));
    ExitCode::SUCCESS
}

pub(super) enum BenchError {
    Io(String),
    Reduce(Error),
}

/// The fastest of `repeat` runs. What a run returns is freed after its clock stops: `reduce`
/// never frees its state, and freeing a large one misses cache on every node.
fn fastest<T>(repeat: u32, mut run: impl FnMut() -> Result<T, Error>) -> Result<Duration, BenchError> {
    let mut best = Duration::MAX;
    for _ in 0..repeat {
        let started = cold_start();
        let kept = run().map_err(BenchError::Reduce)?;
        best = best.min(started.elapsed());
        drop(kept);
    }
    Ok(best)
}

/// The clock of a timed run, started on a cold heap ([`cold_heap`]).
pub(super) fn cold_start() -> Instant {
    cold_heap();
    Instant::now()
}

/// Hand the heap's free pages back to the OS, so the next run faults in every page it touches, as
/// a fresh `reduce` process does. Otherwise a small size runs in pages the previous run (or the
/// generator) left behind, which a large one outgrows: per-event times compared a warm heap with
/// a cold one (10k events in memory ran 18% faster warm). Under another global allocator (the
/// library's tests) there is nothing to collect.
fn cold_heap() {
    // SAFETY: `mi_collect` only walks mimalloc's own free lists; it takes no pointer of ours.
    unsafe { libmimalloc_sys::mi_collect(true) }
}

fn measure(target: usize, seed: u64, repeat: u32, floor: bool, revision: &'static Revision) -> Result<Row, BenchError> {
    let options = ReplayOptions::revision(revision);
    let emitted = emit_as(&scenario_with_events(target, seed), revision);
    let bundle: Bundle = emitted.bundle(&emitted.causal_order());
    drop(emitted);
    let events = bundle.events.len();
    let memory = fastest(repeat, || replay_with(&bundle, &options))?;

    let dir = temp_bundle_dir(events);
    let written = bundle.write_dir(&dir).map_err(|e| BenchError::Io(format!("write {}: {e}", dir.display())));
    drop(bundle);
    let disk = written.and_then(|()| fastest(repeat, || replay_dir_with(&dir, &options)));
    let phases = disk.and_then(|disk| Ok((disk, phases::measure(&dir, repeat, floor, &options)?)));
    let _ = std::fs::remove_dir_all(&dir);
    let (disk, phases) = phases?;
    Ok(Row { events, memory, disk, phases })
}

/// A fresh directory under the system temp dir, unique to this process and size.
fn temp_bundle_dir(events: usize) -> PathBuf {
    std::env::temp_dir().join(format!("rollout-conformance-bench-{}-{events}", std::process::id()))
}

fn table(rows: &[Row]) -> String {
    let mut out = format!(
        "{:>10} {:>10} {:>10} {:>8} | {:>10} {:>10} {:>8} | {:>8}\n",
        "events", "memory s", "events/s", "x time", "disk s", "events/s", "x time", "x events"
    );
    for (n, row) in rows.iter().enumerate() {
        let previous = n.checked_sub(1).map(|p| &rows[p]);
        let ratio = |now: f64, before: Option<f64>| match before {
            Some(before) if before > 0.0 => format!("{:.2}x", now / before),
            _ => "-".to_owned(),
        };
        let secs = |d: Duration| d.as_secs_f64();
        out.push_str(&format!(
            "{:>10} {:>10.4} {:>10} {:>8} | {:>10.4} {:>10} {:>8} | {:>8}\n",
            row.events,
            secs(row.memory),
            rate(row.events, row.memory),
            ratio(secs(row.memory), previous.map(|p| secs(p.memory))),
            secs(row.disk),
            rate(row.events, row.disk),
            ratio(secs(row.disk), previous.map(|p| secs(p.disk))),
            ratio(row.events as f64, previous.map(|p| p.events as f64)),
        ));
    }
    out.push_str(&format!("in memory: {}\n", conclusion(rows, |r| r.memory)));
    out.push_str(&format!("on disk:   {}\n", conclusion(rows, |r| r.disk)));
    out
}

fn rate(events: usize, took: Duration) -> String {
    let per_second = events as f64 / took.as_secs_f64().max(1e-9);
    if per_second >= 1e6 {
        format!("{:.2}M", per_second / 1e6)
    } else {
        format!("{:.1}k", per_second / 1e3)
    }
}

/// The scaling in words, from ratios only. The per-step ratios show the spread; the verdict comes
/// from k in time ~ events^k, fitted over every size so one noisy size moves it least.
fn conclusion(rows: &[Row], time: impl Fn(&Row) -> Duration) -> String {
    let secs = |row: &Row| time(row).as_secs_f64().max(1e-9);
    let steps: Vec<(f64, f64)> = rows
        .windows(2)
        .map(|pair| (pair[1].events as f64 / pair[0].events as f64, secs(&pair[1]) / secs(&pair[0])))
        .collect();
    let (Some(first), Some(last)) = (rows.first(), rows.last()) else { return "no sizes".to_owned() };
    if steps.is_empty() {
        return "one size only: no ratio to compare".to_owned();
    }
    let (events, took) = (last.events as f64 / first.events as f64, secs(last) / secs(first));
    let exponent = log_log_slope(rows.iter().map(|row| (row.events as f64, secs(row))));
    let verdict = match exponent {
        k if k > 1.15 => "superlinear",
        k if k < 0.85 => "sublinear (fixed costs dominate the small sizes)",
        _ => "linear",
    };
    let (low, high) = min_max(steps.iter().map(|(_, took)| *took));
    let per_step = if steps.iter().all(|(events, _)| (1.9..=2.1).contains(events)) {
        format!("each doubling took {low:.2}x–{high:.2}x")
    } else {
        format!("each step took {low:.2}x–{high:.2}x")
    };
    format!("{verdict}: {per_step}; {events:.1}x the events took {took:.1}x the time (time ~ events^{exponent:.2})")
}

/// The least-squares slope of ln(y) against ln(x).
fn log_log_slope(points: impl Iterator<Item = (f64, f64)>) -> f64 {
    let points: Vec<(f64, f64)> = points.map(|(x, y)| (x.ln(), y.ln())).collect();
    let n = points.len() as f64;
    let (mean_x, mean_y) = (points.iter().map(|p| p.0).sum::<f64>() / n, points.iter().map(|p| p.1).sum::<f64>() / n);
    let covariance: f64 = points.iter().map(|(x, y)| (x - mean_x) * (y - mean_y)).sum();
    let variance: f64 = points.iter().map(|(x, _)| (x - mean_x).powi(2)).sum();
    covariance / variance.max(1e-12)
}

fn min_max(values: impl Iterator<Item = f64>) -> (f64, f64) {
    values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)))
}

#[cfg(test)]
mod tests {
    use super::{cold_heap, log_log_slope};

    fn resident_bytes() -> u64 {
        super::phases::status_bytes("VmRSS:").expect("Linux reports VmRSS")
    }

    /// Memory freed to mimalloc stays resident until `cold_heap`, which gives it back. The tests
    /// run under the system allocator, so the blocks come from mimalloc by hand.
    #[test]
    fn cold_heap_gives_freed_pages_back() {
        const BLOCK: usize = 64 << 10;
        const TOTAL: u64 = 256 << 20;
        let before = resident_bytes();
        let blocks: Vec<*mut u8> = (0..TOTAL as usize / BLOCK)
            .map(|_| {
                // SAFETY: a fresh block of BLOCK bytes, written within its bounds.
                unsafe {
                    let block = libmimalloc_sys::mi_malloc(BLOCK).cast::<u8>();
                    assert!(!block.is_null());
                    std::ptr::write_bytes(block, 1, BLOCK);
                    block
                }
            })
            .collect();
        // SAFETY: each block came from mi_malloc and is freed once.
        blocks.into_iter().for_each(|block| unsafe { libmimalloc_sys::mi_free(block.cast()) });
        let freed = resident_bytes();
        assert!(freed > before + TOTAL / 2, "freed blocks stay resident: {before} then {freed}");
        cold_heap();
        let collected = resident_bytes();
        assert!(collected + TOTAL / 2 < freed, "cold_heap gave back too little: {freed} then {collected}");
    }

    #[test]
    fn slope_of_a_power_law_is_its_exponent() {
        let linear = [(1e4, 0.5), (2e4, 1.0), (4e4, 2.0)];
        assert!((log_log_slope(linear.into_iter()) - 1.0).abs() < 1e-9);
        let quadratic = [(1e4, 1.0), (2e4, 4.0), (4e4, 16.0)];
        assert!((log_log_slope(quadratic.into_iter()) - 2.0).abs() < 1e-9);
        // One slow middle size moves the fit less than it moves a single step.
        let noisy = [(1e4, 1.0), (2e4, 3.0), (4e4, 4.0)];
        let k = log_log_slope(noisy.into_iter());
        assert!(k > 0.9 && k < 1.1, "{k}");
    }
}
