//! The reference reducer with one planted bug (last_reasoning_wins): Let a re-sighting of reasoning replace the stored body (last wins).
//! `planted_last_reasoning_wins BUNDLE` prints the state as `reduce --stdout` does, or `error: ...` and exits 2.

use std::process::ExitCode;

use rollout_conformance::differential::planted_main;
use rollout_conformance::reducer::PlantedBugs;

fn main() -> ExitCode {
    planted_main(PlantedBugs { last_reasoning_wins: true, ..PlantedBugs::default() })
}
