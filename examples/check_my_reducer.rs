//! How a third-party Rust reducer uses the library harness: implement `JsonReducer` on your own
//! types, then call `check_reducer` from a test (here from `main`, so it can be run by hand):
//!
//!     cargo run --example check_my_reducer            # agrees: exit 0
//!     cargo run --example check_my_reducer -- --buggy # loses each thread's nickname: a report, exit 1
//!
//! The reducer below stands in for yours: it calls the reference and converts to JSON, and with
//! `--buggy` it loses a field, as a port might.

use std::process::ExitCode;

use rollout_conformance::bundle::Bundle;
use rollout_conformance::differential::{harness_report, HarnessConfig, JsonReducer};
use rollout_conformance::report::{render, Format};

struct MyReducer {
    buggy: bool,
}

impl JsonReducer for MyReducer {
    fn name(&self) -> &str {
        if self.buggy {
            "my reducer (buggy)"
        } else {
            "my reducer"
        }
    }

    fn reduce_json(&self, bundle: &Bundle) -> Result<serde_json::Value, String> {
        let replayed = rollout_conformance::reducer::replay(bundle).map_err(|e| e.message())?;
        let mut state = serde_json::to_value(&replayed.trace).map_err(|e| e.to_string())?;
        if self.buggy {
            if let Some(threads) = state.get_mut("threads").and_then(|t| t.as_object_mut()) {
                for thread in threads.values_mut() {
                    if let Some(thread) = thread.as_object_mut() {
                        thread.remove("nickname");
                    }
                }
            }
        }
        Ok(state)
    }
}

fn main() -> ExitCode {
    let reducer = MyReducer { buggy: std::env::args().any(|arg| arg == "--buggy") };
    // In a test this is one line: `check_reducer(&reducer, &HarnessConfig::default())`, which
    // panics with the same report.
    let config = HarnessConfig { cases: 16, ..HarnessConfig::default() };
    let report = match harness_report(&reducer, &config) {
        Ok(report) => report,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let _ = render(&report, Format::Human, &mut std::io::stdout());
    ExitCode::from(u8::from(report.summary().disagreements > 0))
}
