//! The phases of one `reduce` run, its throughput, its peak memory, and the JSON floor.

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use super::BenchError;
use crate::bundle::probe;
use crate::bundle::{Bundle, RawTraceEvent};
use crate::reducer::{replay_with, ReplayOptions};

/// The fastest disk run of one size, split into phases. Replay reads the log and the payload
/// files on its read-ahead thread while it reduces, so those two phases overlap `replay`.
#[derive(Default)]
pub struct Phases {
    /// Every line of `trace.jsonl` read and parsed as replay streams it, timed in a pass of its
    /// own (replay does it on the read-ahead thread).
    event_parse: Duration,
    /// Payload files read (almost all on the read-ahead thread) and parsed (by the reducer)
    /// during replay.
    payloads: Duration,
    /// Replay's wall time, reading ahead included.
    replay: Duration,
    /// `state.json` written to a sink.
    serialization: Duration,
    /// `trace.jsonl` plus every payload file the reducer read, in bytes.
    input_bytes: u64,
    output_bytes: u64,
    /// Peak resident set of the process during the disk runs, in bytes (Linux only).
    peak: Option<u64>,
    floor: Option<Duration>,
}

impl Phases {
    fn total(&self) -> Duration {
        self.replay + self.serialization
    }
}

pub(super) fn measure(dir: &Path, repeat: u32, floor: bool, options: &ReplayOptions) -> Result<Phases, BenchError> {
    reset_peak();
    let mut best = Phases::default();
    let mut paths = Vec::new();
    for run in 0..repeat {
        let mut phases = Phases::default();
        let started = super::cold_start();
        let bundle = Bundle::open_dir(dir).map_err(BenchError::Reduce)?;
        probe::start();
        let replayed = replay_with(&bundle, options);
        phases.replay = started.elapsed();
        let probed = probe::take().unwrap_or_default();
        let replayed = replayed.map_err(BenchError::Reduce)?;
        phases.event_parse = parse_only(dir)?;
        phases.payloads = probed.time;
        let mut sink = Counting::default();
        let started = Instant::now();
        replayed.trace.write_state_json(&mut sink).map_err(|e| BenchError::Io(e.to_string()))?;
        phases.serialization = started.elapsed();
        phases.output_bytes = sink.0;
        drop((replayed, bundle));
        if run == 0 || phases.total() < best.total() {
            best = phases;
        }
        paths = probed.paths;
    }
    best.input_bytes = input_bytes(dir, &paths);
    best.peak = peak_resident();
    if floor {
        best.floor = Some(fastest_floor(dir, &paths, repeat, options)?);
    }
    Ok(best)
}

/// Read and parse every line of the log as replay streams it, handling nothing.
fn parse_only(dir: &Path) -> Result<Duration, BenchError> {
    let started = super::cold_start();
    let bundle = Bundle::open_dir(dir).map_err(BenchError::Reduce)?;
    let stop = bundle.each_event(|record| {
        std::hint::black_box(record);
        Ok(())
    });
    stop.map_err(BenchError::Reduce)?;
    Ok(started.elapsed())
}

/// Read and parse every line and every payload the reducer read, then serialize the final state:
/// the work any reducer must do, with nothing of ours in between.
fn fastest_floor(dir: &Path, paths: &[String], repeat: u32, options: &ReplayOptions) -> Result<Duration, BenchError> {
    let io = |e: std::io::Error| BenchError::Io(format!("floor on {}: {e}", dir.display()));
    // The state to serialize is computed outside the timed part; only its bytes count.
    let bundle = Bundle::open_dir(dir).map_err(BenchError::Reduce)?;
    let trace = replay_with(&bundle, options).map_err(BenchError::Reduce)?.trace;
    drop(bundle);
    let mut best = Duration::MAX;
    for _ in 0..repeat {
        let started = super::cold_start();
        let log = std::fs::read(dir.join("trace.jsonl")).map_err(io)?;
        let mut events = 0usize;
        for line in log.split(|&b| b == b'\n').filter(|line| !line.is_empty()) {
            let event: Result<RawTraceEvent, _> = serde_json::from_slice(line);
            events += usize::from(event.is_ok());
        }
        for path in paths {
            let bytes = std::fs::read(dir.join(path)).map_err(io)?;
            let value: Result<serde_json::Value, _> = serde_json::from_slice(&bytes);
            events += usize::from(value.is_ok());
        }
        // serde_json on one thread, as any reducer could: not our writer on every core.
        serde_json::to_writer_pretty(&mut Counting::default(), &trace).map_err(std::io::Error::from).map_err(io)?;
        std::hint::black_box(events);
        best = best.min(started.elapsed());
    }
    Ok(best)
}

fn input_bytes(dir: &Path, paths: &[String]) -> u64 {
    let size = |path: &Path| std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    size(&dir.join("trace.jsonl")) + paths.iter().map(|path| size(&dir.join(path))).sum::<u64>()
}

/// A sink that counts what it is given.
#[derive(Default)]
struct Counting(u64);

impl Write for Counting {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Writing 5 to clear_refs resets VmHWM to the current resident set (Linux 4.0 and later).
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn peak_resident() -> Option<u64> {
    status_bytes("VmHWM:")
}

/// A size field of `/proc/self/status` (`VmHWM:`, `VmRSS:`), given there in kB.
pub(super) fn status_bytes(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with(field))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

pub(super) fn table<'a>(rows: impl Iterator<Item = (usize, &'a Phases)>) -> String {
    let mut out = format!(
        "\n{:>10} {:>9} {:>9} {:>9} {:>9} {:>9} | {:>10} {:>9} {:>9} | {:>9} {:>9} {:>8}\n",
        "events",
        "parse s",
        "payload s",
        "replay s",
        "write s",
        "total s",
        "events/s",
        "in MB/s",
        "out MB/s",
        "peak MiB",
        "floor s",
        "x floor"
    );
    for (events, p) in rows {
        let total = p.total().as_secs_f64().max(1e-9);
        let mb_per_s = |bytes: u64| format!("{:.1}", bytes as f64 / 1e6 / total);
        let (floor, ratio) = match p.floor {
            Some(floor) => {
                (format!("{:.4}", floor.as_secs_f64()), format!("{:.2}x", total / floor.as_secs_f64().max(1e-9)))
            }
            None => ("-".to_owned(), "-".to_owned()),
        };
        out.push_str(&format!(
            "{:>10} {:>9.4} {:>9.4} {:>9.4} {:>9.4} {:>9.4} | {:>10} {:>9} {:>9} | {:>9} {:>9} {:>8}\n",
            events,
            p.event_parse.as_secs_f64(),
            p.payloads.as_secs_f64(),
            p.replay.as_secs_f64(),
            p.serialization.as_secs_f64(),
            total,
            super::rate(events, p.total()),
            mb_per_s(p.input_bytes),
            mb_per_s(p.output_bytes),
            p.peak.map_or("-".to_owned(), |bytes| format!("{:.0}", bytes as f64 / (1 << 20) as f64)),
            floor,
            ratio,
        ));
    }
    out
}
