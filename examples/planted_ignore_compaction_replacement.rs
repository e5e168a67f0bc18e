//! The reference reducer with one planted bug (ignore_compaction_replacement): Let full requests ignore (and never consume) a compaction's replacement.
//! `planted_ignore_compaction_replacement BUNDLE` prints the state as `reduce --stdout` does, or `error: ...` and exits 2.

use std::process::ExitCode;

use rollout_conformance::differential::planted_main;
use rollout_conformance::reducer::PlantedBugs;

fn main() -> ExitCode {
    planted_main(PlantedBugs { ignore_compaction_replacement: true, ..PlantedBugs::default() })
}
