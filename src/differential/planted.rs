//! The command-line body of the planted-bug examples (`examples/planted_*.rs`): the reference
//! reducer with one deliberate bug, printing what `reduce --stdout` prints.

use std::process::ExitCode;

use crate::bundle::Bundle;
use crate::reducer::{replay_with_bugs, PlantedBugs};

/// `planted_x BUNDLE`: the state JSON on stdout, or `error: <message>` on stderr and exit 2.
#[doc(hidden)]
pub fn planted_main(bugs: PlantedBugs) -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let (Some(dir), None) = (args.next(), args.next()) else {
        eprintln!("error: usage: planted BUNDLE");
        return ExitCode::from(2);
    };
    match Bundle::read_dir(&dir).and_then(|bundle| replay_with_bugs(&bundle, bugs)) {
        Ok(replayed) => {
            println!("{}", replayed.trace.to_state_json());
            ExitCode::SUCCESS
        }
        Err(error) => {
            crate::cli::print_error(&error);
            ExitCode::from(2)
        }
    }
}
