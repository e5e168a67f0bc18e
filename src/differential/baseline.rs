//! Baseline mode: build a git revision of this crate in a temporary worktree and use its
//! `reduce` as the reference, so a reducer change is checked against a release in one command.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use super::ExternalCommand;

/// A built revision: its binary, copied out of the (already removed) worktree.
pub struct Baseline {
    pub revision: String,
    pub binary: PathBuf,
    _scratch: tempfile::TempDir,
}

/// Removes the worktree however the build ends.
struct Worktree<'a> {
    repo: &'a Path,
    path: PathBuf,
}

impl Drop for Worktree<'_> {
    fn drop(&mut self) {
        let _ = git(self.repo).args(["worktree", "remove", "--force"]).arg(&self.path).status();
        let _ = git(self.repo).args(["worktree", "prune"]).status();
    }
}

fn git(repo: &Path) -> Command {
    let mut command = Command::new("git");
    command.arg("-C").arg(repo).stdin(Stdio::null());
    command
}

impl Baseline {
    /// Check out `revision` of the repository holding the current directory and build it, with
    /// the target dir `target/baseline` of that repository kept between runs (so a rebuild is
    /// incremental). `release` picks the profile. Cargo's output goes to stderr.
    pub fn build(revision: &str, release: bool) -> Result<Baseline, String> {
        let toplevel =
            git(Path::new(".")).args(["rev-parse", "--show-toplevel"]).output().map_err(|e| format!("run git: {e}"))?;
        if !toplevel.status.success() {
            return Err(format!(
                "--baseline needs a git checkout: {}",
                String::from_utf8_lossy(&toplevel.stderr).trim()
            ));
        }
        let repo = PathBuf::from(String::from_utf8_lossy(&toplevel.stdout).trim());
        let scratch = tempfile::Builder::new()
            .prefix("rollout-conformance-baseline-")
            .tempdir()
            .map_err(|e| format!("temporary directory: {e}"))?;
        let worktree = Worktree { repo: &repo, path: scratch.path().join("tree") };
        let added = git(&repo)
            .args(["worktree", "add", "--detach"])
            .arg(&worktree.path)
            .arg(revision)
            .stdout(Stdio::null())
            .output()
            .map_err(|e| format!("run git worktree add: {e}"))?;
        if !added.status.success() {
            return Err(format!("--baseline {revision}: {}", String::from_utf8_lossy(&added.stderr).trim()));
        }
        let target = repo.join("target/baseline");
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut build = Command::new(cargo);
        build
            .current_dir(&worktree.path)
            .args(["build", "--bin", "rollout-conformance", "--target-dir"])
            .arg(&target)
            .stdin(Stdio::null())
            .stdout(Stdio::inherit());
        if release {
            build.arg("--release");
        }
        let built = build.status().map_err(|e| format!("run cargo build: {e}"))?;
        if !built.success() {
            return Err(format!("--baseline {revision}: cargo build failed ({built})"));
        }
        let profile = if release { "release" } else { "debug" };
        let binary = scratch.path().join("rollout-conformance-baseline");
        std::fs::copy(target.join(profile).join("rollout-conformance"), &binary)
            .map_err(|e| format!("copy the baseline binary: {e}"))?;
        drop(worktree);
        Ok(Baseline { revision: revision.to_owned(), binary, _scratch: scratch })
    }

    /// The baseline's `reduce --stdout {bundle}` as a reducer.
    pub fn reducer(&self, timeout: Duration) -> ExternalCommand {
        let binary = shell_words::quote(&self.binary.to_string_lossy()).into_owned();
        ExternalCommand::parse(&format!("{binary} reduce --stdout {{bundle}}"), timeout)
            .expect("the template names {bundle}")
    }
}
