//! The reference reducer with one planted bug (no_spawn_fallback): Drop pending spawn edges at the end instead of falling back to the child thread.
//! `planted_no_spawn_fallback BUNDLE` prints the state as `reduce --stdout` does, or `error: ...` and exits 2.

use std::process::ExitCode;

use rollout_conformance::differential::planted_main;
use rollout_conformance::reducer::PlantedBugs;

fn main() -> ExitCode {
    planted_main(PlantedBugs { no_spawn_fallback: true, ..PlantedBugs::default() })
}
