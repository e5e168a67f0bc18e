//! A candidate that never answers, with a child that never does either: `compare` must stop both
//! at the timeout and report `candidate-timed-out`.

use std::process::Command;
use std::time::Duration;

fn main() {
    // The child holds stdout open: only killing the whole process group ends the case cleanly.
    let _child = Command::new("sleep").arg("1000").spawn();
    loop {
        std::thread::sleep(Duration::from_secs(60));
    }
}
