//! Medium property cases per second, every property on, with the disk read-back on every case
//! and sampled: `cargo bench --bench properties` (PROPTEST_CASES sets the case count). Both runs
//! share one process and moment, so their ratio is meaningful on a loaded machine.

use std::time::Instant;

use rollout_conformance::suite::{run, ReferenceReducer, SuiteConfig, READ_BACK_EVERY};

// As the binary does: allocation is a large part of a reduction (see src/main.rs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // `cargo test --all-targets` runs this without `--bench`: a few cases only, to prove it runs.
    let benching = std::env::args().any(|arg| arg == "--bench");
    let default_cases = if benching { 500 } else { 4 };
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default_cases);
    let mut rates = Vec::new();
    for every in [1, READ_BACK_EVERY] {
        let config = SuiteConfig { cases, read_back_every: every, ..SuiteConfig::with_cases(cases) };
        let started = Instant::now();
        let report = run(&ReferenceReducer::default(), &config);
        let took = started.elapsed().as_secs_f64();
        if let Some(failure) = report.failure {
            eprintln!("error: {}", failure.violation);
            std::process::exit(1);
        }
        let rate = f64::from(cases) / took.max(1e-9);
        println!("read back every {every:>2} case(s): {cases} cases in {took:.2} s, {rate:.1} cases/s");
        rates.push(rate);
    }
    println!("sampled ÷ every case: {:.2}x the cases per second", rates[1] / rates[0]);
}
