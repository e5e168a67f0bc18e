//! The binary: `main` hands the command line to `cli::main`.

use std::process::ExitCode;

fn main() -> ExitCode {
    rollout_conformance::cli::main()
}
