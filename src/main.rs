//! The binary: `main` hands the command line to `cli::main`.

use std::process::ExitCode;

// The reducer allocates and frees millions of small strings and maps; glibc's malloc spent a fifth
// of a reduce in malloc, free and consolidation, mimalloc a fraction of that.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    rollout_conformance::cli::main()
}
