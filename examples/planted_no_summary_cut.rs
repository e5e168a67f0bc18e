//! The reference reducer with one planted bug (no_summary_cut): Keep JSON summaries whole instead of cutting them at 240 bytes.
//! `planted_no_summary_cut BUNDLE` prints the state as `reduce --stdout` does, or `error: ...` and exits 2.

use std::process::ExitCode;

use rollout_conformance::differential::planted_main;
use rollout_conformance::reducer::PlantedBugs;

fn main() -> ExitCode {
    planted_main(PlantedBugs { no_summary_cut: true, ..PlantedBugs::default() })
}
