//! `revisions`: the format revisions, their status and source, and what each changes.

use std::io::Write;
use std::process::ExitCode;

use crate::revision::{Revision, ALL};

pub fn run() -> ExitCode {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(listing().as_bytes());
    ExitCode::SUCCESS
}

/// One block per revision, oldest first; the default is marked.
pub fn listing() -> String {
    let mut text = String::new();
    for revision in ALL {
        let default = if std::ptr::eq(revision, Revision::default_revision()) { " (default)" } else { "" };
        text.push_str(&format!("{}{default}: {}\n", revision.name, revision.status.as_str()));
        text.push_str(&format!("  source: {}\n", revision.source));
        for change in revision.changes {
            text.push_str(&format!("  - {change}\n"));
        }
    }
    text
}
