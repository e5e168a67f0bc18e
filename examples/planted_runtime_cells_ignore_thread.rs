//! The reference reducer with one planted bug (runtime_cells_ignore_thread): Key runtime cells by their runtime id alone, as if ids could not repeat across threads.
//! `planted_runtime_cells_ignore_thread BUNDLE` prints the state as `reduce --stdout` does, or `error: ...` and exits 2.

use std::process::ExitCode;

use rollout_conformance::differential::planted_main;
use rollout_conformance::reducer::PlantedBugs;

fn main() -> ExitCode {
    planted_main(PlantedBugs { runtime_cells_ignore_thread: true, ..PlantedBugs::default() })
}
