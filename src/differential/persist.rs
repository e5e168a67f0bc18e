//! Writing one disagreement to `OUT/<hash>/`: the minimal bundle, both outputs, the diff, a
//! `case.md`, and the command that reproduces it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::{Outcome, Verdict};
use crate::bundle::{bundle_root, read_top_level, Bundle, LogBounds, RAW_EVENT_LOG_FILE_NAME};

/// Where a case's bundle comes from.
pub enum Source<'a> {
    Memory(&'a Bundle),
    /// A bundle directory on disk, copied as is (it may not even read).
    Dir(&'a Path),
}

/// What was written.
pub struct Saved {
    pub dir: PathBuf,
    pub reproduce: Option<String>,
}

/// Write the case (the reference's outcome, then the candidate's); `reproduce` is the command
/// line that runs one bundle, to which the saved bundle's path is appended. A bundle is read
/// within `bounds`.
pub fn save(
    out: &Path,
    name: &str,
    source: Source<'_>,
    verdict: &Verdict,
    (reference, candidate): (&Outcome, &Outcome),
    bounds: LogBounds,
    reproduce: Option<&str>,
) -> std::io::Result<Saved> {
    let identity = match &source {
        Source::Memory(bundle) => bundle.event_log()?,
        Source::Dir(dir) => read_top_level(&bundle_root(dir), RAW_EVENT_LOG_FILE_NAME, bounds.max_bundle_bytes, None)
            .unwrap_or_else(|_| dir.as_os_str().as_encoded_bytes().to_vec()),
    };
    let mut hash = fnv1a(verdict.kind.slug().as_bytes());
    hash = identity.iter().fold(hash, |h, &b| (h ^ u64::from(b)).wrapping_mul(FNV_PRIME));
    let dir = out.join(format!("{hash:016x}"));
    let bundle_dir = dir.join("bundle");
    if bundle_dir.exists() {
        std::fs::remove_dir_all(&bundle_dir)?;
    }
    let events = match source {
        Source::Memory(bundle) => {
            bundle.write_dir(&bundle_dir)?;
            Some(bundle.events.len())
        }
        Source::Dir(src) => {
            copy_dir(src, &bundle_dir)?;
            None
        }
    };
    write_outcome(&dir, "reference", reference)?;
    write_outcome(&dir, "candidate", candidate)?;
    let mut diff = String::new();
    for difference in &verdict.differences {
        let _ = writeln!(diff, "{difference}");
    }
    std::fs::write(dir.join("diff.txt"), diff)?;
    if let Some(page) = html_page(name, &bundle_dir, verdict, (reference, candidate), bounds) {
        std::fs::write(dir.join("report.html"), page)?;
    }
    let reproduce =
        reproduce.map(|prefix| format!("{prefix} --bundle {}", shell_words::quote(&bundle_dir.to_string_lossy())));
    if let Some(command) = &reproduce {
        std::fs::write(dir.join("reproduce.txt"), format!("{command}\n"))?;
    }
    std::fs::write(dir.join("case.md"), case_md(name, verdict, events, reproduce.as_deref()))?;
    Ok(Saved { dir, reproduce })
}

/// `report.html`: both reductions on the timeline, the events the differing objects came from
/// marked, and the diff. Only when the reference reduced the bundle: its graph is the picture.
fn html_page(
    name: &str,
    bundle_dir: &Path,
    verdict: &Verdict,
    (reference, candidate): (&Outcome, &Outcome),
    bounds: LogBounds,
) -> Option<String> {
    let Outcome::State(state) = reference else { return None };
    let trace: crate::model::RolloutTrace = serde_json::from_value(state.clone()).ok()?;
    let bundle = Bundle::read_dir_bounded(bundle_dir, bounds).ok()?;
    let candidate = match candidate {
        Outcome::State(state) => Ok(state),
        Outcome::Rejected { message, .. } => Err(message.as_str()),
        Outcome::Crashed { .. } | Outcome::TimedOut { .. } | Outcome::Garbage { .. } => Err(verdict.kind.slug()),
    };
    let options = crate::report::html::Options::default();
    Some(crate::report::html::disagreement_page(name, &bundle, &trace, candidate, &verdict.differences, options))
}

fn case_md(name: &str, verdict: &Verdict, events: Option<usize>, reproduce: Option<&str>) -> String {
    let mut text = format!("# {}: {name}\n\n- What was seen: {}\n", verdict.kind.slug(), verdict.message);
    if let Some(events) = events {
        let _ = writeln!(text, "- The bundle is the minimal case the candidate still disagrees on ({events} events).");
    }
    let _ = writeln!(
        text,
        "- Files: `bundle/`, each side's output (`reference-state.json` or `reference-error.txt`, `candidate-…`), \
         `diff.txt` (JSON paths where the states differ, most significant first), and `report.html` (both \
         reductions on a timeline, the differing objects' events marked) when the reference reduced the bundle."
    );
    if let Some(command) = reproduce {
        let _ = writeln!(text, "- Reproduce:\n\n      {command}");
    }
    text
}

fn write_outcome(dir: &Path, side: &str, outcome: &Outcome) -> std::io::Result<()> {
    for stale in ["state.json", "error.txt", "crash.txt", "timeout.txt", "output.txt"] {
        let _ = std::fs::remove_file(dir.join(format!("{side}-{stale}")));
    }
    let (file, text) = match outcome {
        Outcome::State(state) => {
            ("state.json", serde_json::to_string_pretty(state).map_err(std::io::Error::other)? + "\n")
        }
        Outcome::Rejected { message, stderr } if stderr.is_empty() => ("error.txt", format!("{message}\n")),
        Outcome::Rejected { message, stderr } => ("error.txt", format!("{message}\n\nstderr:\n{stderr}\n")),
        Outcome::Crashed { detail } => ("crash.txt", format!("{detail}\n")),
        Outcome::TimedOut { stderr } => ("timeout.txt", format!("stopped at the timeout\n\nstderr:\n{stderr}\n")),
        Outcome::Garbage { excerpt } => ("output.txt", format!("{excerpt}\n")),
    };
    std::fs::write(dir.join(format!("{side}-{file}")), text)
}

/// Regular files and directories only: a symlink in a bundle is not followed out of it.
fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        if kind.is_dir() {
            copy_dir(&entry.path(), &to.join(entry.file_name()))?;
        } else if kind.is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name()))?;
        }
    }
    Ok(())
}

const FNV_PRIME: u64 = 0x100_0000_01b3;

/// FNV-1a, like the suite's regression names: stable across Rust versions.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| (hash ^ u64::from(byte)).wrapping_mul(FNV_PRIME))
}
