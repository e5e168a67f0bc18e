//! Checks shared by the data-driven test binaries.

use std::path::Path;

use libtest_mimic::Failed;
use rollout_conformance::reducer::Replayed;
use rollout_conformance::Error;

/// The replay failed with exactly the message in `expected_file` (`expected-error.txt`, whose
/// one line ends with a newline).
pub fn fails_as_expected(result: &Result<Replayed, Error>, expected_file: &Path) -> Result<(), Failed> {
    let expected = std::fs::read_to_string(expected_file)?;
    let expected = expected.strip_suffix('\n').unwrap_or(&expected);
    match result {
        Ok(_) => Err(format!("replay succeeded, expected error: {expected}").into()),
        Err(e) if e.message() == expected => Ok(()),
        Err(e) => Err(format!("wrong error\n  expected: {expected}\n       got: {}", e.message()).into()),
    }
}
