use std::process::ExitCode;

fn main() -> ExitCode {
    rollout_conformance::cli::main()
}
