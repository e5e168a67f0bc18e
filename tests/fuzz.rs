//! Fuzzing on stable, bounded: the bundle reader, the reducer and `check` on arbitrary bytes and
//! on structure-aware mutations of valid generated bundles (flipped fields, truncated and spliced
//! lines, swapped and resized payloads, duplicated and dropped events). Each case must not panic,
//! must finish within `CASE_BOUND`, and must end in a located error, violations, or a clean run;
//! the streamed read `reduce` uses must end as the held read does.
//! `PROPTEST_CASES` scales it (256 per property by default, seconds in debug);
//! `PROPTEST_CASES=20000 cargo test --release --test fuzz` runs 40,000 cases (each the held and
//! the streamed reader, `check`, and the reducer when a reader gives a bundle): 160,000 executions
//! or more.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use rollout_conformance::bundle::{Bundle, LogBounds};
use rollout_conformance::generate::scenario::Size;
use rollout_conformance::generate::seeded;
use rollout_conformance::reducer::{replay, Replayed};
use rollout_conformance::rules::check::check_bundle;
use rollout_conformance::rules::config::CheckConfig;
use rollout_conformance::rules::Limits;

/// Far above what one small bundle takes, even in debug; a hang or a blow-up exceeds it.
const CASE_BOUND: Duration = Duration::from_secs(10);

/// Small limits, so mutations that grow a file also cross them.
const LIMITS: Limits = Limits {
    max_line_bytes: Some(64 << 10),
    max_payload_bytes: Some(256 << 10),
    max_bundle_bytes: Some(4 << 20),
    max_events: Some(2_000),
};

/// A bundle as the bytes of its files.
#[derive(Debug, Clone)]
struct Files {
    manifest: Vec<u8>,
    log: Vec<u8>,
    payloads: BTreeMap<String, Vec<u8>>,
}

/// Valid generated bundles to mutate, built once.
fn seeds() -> &'static [Files] {
    static SEEDS: OnceLock<Vec<Files>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        (0..8)
            .map(|index| {
                let emitted = seeded::emitted(0xf022, index, Size::TINY);
                let bundle = emitted.bundle(&emitted.causal_order());
                Files {
                    manifest: serde_json::to_vec_pretty(&bundle.manifest).unwrap(),
                    log: bundle.event_log().unwrap(),
                    payloads: emitted.payloads.clone(),
                }
            })
            .collect()
    })
}

#[derive(Debug, Clone)]
enum Mutation {
    FlipBit {
        at: usize,
        bit: u8,
    },
    /// Replace the value after the `n`-th `":` of a line with another JSON value.
    FlipField {
        line: usize,
        n: usize,
        value: &'static str,
    },
    TruncateLine {
        line: usize,
        at: usize,
    },
    Splice {
        line: usize,
        other: usize,
        at: usize,
    },
    Duplicate {
        line: usize,
    },
    Drop {
        line: usize,
    },
    SwapPayloads {
        a: usize,
        b: usize,
    },
    ResizePayload {
        which: usize,
        len: usize,
    },
    ManifestBytes(Vec<u8>),
}

const VALUES: [&str; 8] = ["null", "0", "-1", "18446744073709551616", "\"\"", "[]", "{}", "\"x\""];

fn mutation() -> impl Strategy<Value = Mutation> {
    let n = 0..64usize;
    prop_oneof![
        (any::<usize>(), 0..8u8).prop_map(|(at, bit)| Mutation::FlipBit { at, bit }),
        (n.clone(), 0..12usize, proptest::sample::select(&VALUES[..]))
            .prop_map(|(line, n, value)| Mutation::FlipField { line, n, value }),
        (n.clone(), any::<usize>()).prop_map(|(line, at)| Mutation::TruncateLine { line, at }),
        (n.clone(), n.clone(), any::<usize>()).prop_map(|(line, other, at)| Mutation::Splice { line, other, at }),
        n.clone().prop_map(|line| Mutation::Duplicate { line }),
        n.clone().prop_map(|line| Mutation::Drop { line }),
        (n.clone(), n.clone()).prop_map(|(a, b)| Mutation::SwapPayloads { a, b }),
        (n, 0..300_000usize).prop_map(|(which, len)| Mutation::ResizePayload { which, len }),
        proptest::collection::vec(any::<u8>(), 0..64).prop_map(Mutation::ManifestBytes),
    ]
}

fn apply(files: &mut Files, mutation: &Mutation) {
    let mut lines: Vec<Vec<u8>> = files.log.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
    let count = lines.len().max(1);
    let keys: Vec<String> = files.payloads.keys().cloned().collect();
    match mutation {
        Mutation::FlipBit { at, bit } if !files.log.is_empty() => {
            let at = at % files.log.len();
            files.log[at] ^= 1 << bit;
            return;
        }
        Mutation::FlipField { line, n, value } => {
            let line = &mut lines[line % count];
            let starts: Vec<usize> =
                line.windows(2).enumerate().filter(|(_, w)| w == b"\":").map(|(i, _)| i + 2).collect();
            if let Some(&start) = starts.get(n % starts.len().max(1)) {
                // The old value runs to the next `,` or `}` (good enough to corrupt, not to parse).
                let end = line[start..].iter().position(|&b| b == b',' || b == b'}').map_or(line.len(), |e| start + e);
                line.splice(start..end, value.bytes());
            }
        }
        Mutation::TruncateLine { line, at } => {
            let line = &mut lines[line % count];
            let at = at % (line.len() + 1);
            line.truncate(at);
        }
        Mutation::Splice { line, other, at } => {
            let tail = lines[other % count].clone();
            let line = &mut lines[line % count];
            let at = at % (line.len() + 1);
            line.truncate(at);
            line.extend_from_slice(&tail[at.min(tail.len())..]);
        }
        Mutation::Duplicate { line } => {
            let copy = lines[line % count].clone();
            lines.insert(line % count, copy);
        }
        Mutation::Drop { line } => {
            lines.remove(line % count);
        }
        Mutation::SwapPayloads { a, b } if !keys.is_empty() => {
            let (a, b) = (&keys[a % keys.len()], &keys[b % keys.len()]);
            let (x, y) = (files.payloads[a].clone(), files.payloads[b].clone());
            files.payloads.insert(a.clone(), y);
            files.payloads.insert(b.clone(), x);
        }
        Mutation::ResizePayload { which, len } if !keys.is_empty() => {
            let payload = files.payloads.get_mut(&keys[which % keys.len()]).unwrap();
            payload.resize(*len, b' ');
        }
        Mutation::ManifestBytes(bytes) => files.manifest = bytes.clone(),
        _ => {}
    }
    files.log = lines.join(&b'\n');
}

fn write(files: &Files, dir: &Path) {
    std::fs::create_dir_all(dir.join("payloads")).unwrap();
    std::fs::write(dir.join("manifest.json"), &files.manifest).unwrap();
    std::fs::write(dir.join("trace.jsonl"), &files.log).unwrap();
    for (path, bytes) in &files.payloads {
        std::fs::write(dir.join(path), bytes).unwrap();
    }
}

/// The three entry points on the bundle at `dir`: no panic (proptest fails the case on one),
/// within the bound, and every error located.
fn run_all(dir: &Path) -> Result<(), TestCaseError> {
    let started = Instant::now();
    let bounds: LogBounds = LIMITS.bounds();
    let outcome = |replayed: &Result<Replayed, rollout_conformance::Error>| {
        replayed.as_ref().map(|r| r.trace.to_state_json()).map_err(|e| e.to_string())
    };
    let held = match Bundle::read_dir_bounded(dir, bounds) {
        Ok(bundle) => {
            if let Some(stop) = &bundle.stop {
                prop_assert!(stop.line.is_some(), "a reading stop without a line: {stop:?}");
            }
            let replayed = replay(&bundle);
            if let Err(error) = &replayed {
                let located = error.line.is_some() || error.file.is_some() || error.seq.is_some();
                prop_assert!(located, "an unlocated replay error: {error:?}");
            }
            outcome(&replayed)
        }
        Err(error) => {
            prop_assert!(error.file.is_some(), "an unlocated read error: {error:?}");
            Err(error.to_string())
        }
    };
    // `reduce` streams the log: it must end as the held read does.
    let streamed = outcome(&Bundle::open_dir_bounded(dir, bounds).and_then(|b| replay(&b)));
    let errors = (held.as_ref().err(), streamed.as_ref().err());
    prop_assert!(held == streamed, "streamed and held reads disagree (errors held, streamed: {errors:?})");
    let config = CheckConfig { limits: LIMITS, ..CheckConfig::default() };
    for violation in check_bundle(dir, &config) {
        // A line number is always a line of the log.
        let at = &violation.location;
        prop_assert!(at.line.is_none() || at.file == "trace.jsonl", "a line outside the log: {violation:?}");
    }
    prop_assert!(started.elapsed() < CASE_BOUND, "took {:?}", started.elapsed());
    Ok(())
}

proptest! {
    #[test]
    fn mutated_generated_bundles(seed in 0..8usize, mutations in proptest::collection::vec(mutation(), 1..4)) {
        let mut files = seeds()[seed].clone();
        for mutation in &mutations {
            apply(&mut files, mutation);
        }
        let dir = tempfile::tempdir().unwrap();
        write(&files, dir.path());
        run_all(dir.path())?;
    }

    #[test]
    fn arbitrary_bytes(
        manifest in proptest::collection::vec(any::<u8>(), 0..256),
        log in proptest::collection::vec(any::<u8>(), 0..1024),
        payload in proptest::collection::vec(any::<u8>(), 0..256),
        valid_manifest in any::<bool>(),
    ) {
        let seed = &seeds()[0];
        let files = Files {
            manifest: if valid_manifest { seed.manifest.clone() } else { manifest },
            log,
            payloads: BTreeMap::from([("payloads/1.json".to_owned(), payload)]),
        };
        let dir = tempfile::tempdir().unwrap();
        write(&files, dir.path());
        run_all(dir.path())?;
    }
}
