//! The reference reducer with one planted bug (eager_code_cells): Materialize a code cell at its start instead of queueing it for its `exec` item.
//! `planted_eager_code_cells BUNDLE` prints the state as `reduce --stdout` does, or `error: ...` and exits 2.

use std::process::ExitCode;

use rollout_conformance::differential::planted_main;
use rollout_conformance::reducer::PlantedBugs;

fn main() -> ExitCode {
    planted_main(PlantedBugs { eager_code_cells: true, ..PlantedBugs::default() })
}
