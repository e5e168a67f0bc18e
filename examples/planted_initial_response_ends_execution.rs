//! The reference reducer with one planted bug (initial_response_ends_execution): Let an initial response end the cell's `execution`.
//! `planted_initial_response_ends_execution BUNDLE` prints the state as `reduce --stdout` does, or `error: ...` and exits 2.

use std::process::ExitCode;

use rollout_conformance::differential::planted_main;
use rollout_conformance::reducer::PlantedBugs;

fn main() -> ExitCode {
    planted_main(PlantedBugs { initial_response_ends_execution: true, ..PlantedBugs::default() })
}
