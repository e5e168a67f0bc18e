//! A candidate that is a command: `'CMD ARGS {bundle}'`, split like a shell would but run without
//! one, so a bundle path is always exactly one argument and can inject nothing.

use std::ffi::OsString;
use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use wait_timeout::ChildExt;

use super::{Candidate, Outcome};

/// The placeholder for the bundle directory.
pub const BUNDLE: &str = "{bundle}";
/// The placeholder for a file the candidate writes its state to, instead of stdout.
pub const OUT: &str = "{out}";

/// Rust's exit code for a panic that unwound out of `main`.
const PANIC_EXIT_CODE: i32 = 101;
/// How much of stderr (and of garbage output) is kept.
const TAIL_BYTES: usize = 2048;

/// An external reducer.
#[derive(Debug, Clone)]
pub struct ExternalCommand {
    /// The template as given, for reports and the reproduce command.
    pub template: String,
    words: Vec<String>,
    pub timeout: Duration,
}

impl ExternalCommand {
    /// Split `template` into words; it must name `{bundle}` somewhere.
    pub fn parse(template: &str, timeout: Duration) -> Result<Self, String> {
        let words = shell_words::split(template).map_err(|e| format!("--candidate {template:?}: {e}"))?;
        if words.is_empty() {
            return Err("--candidate is empty".to_owned());
        }
        if !words.iter().any(|word| word.contains(BUNDLE)) {
            return Err(format!("--candidate {template:?} does not name {BUNDLE}"));
        }
        Ok(ExternalCommand { template: template.to_owned(), words, timeout })
    }

    /// Each word with its placeholders filled in; a word stays one argument whatever the path holds.
    fn argv(&self, bundle: &Path, out: &Path) -> Vec<OsString> {
        self.words.iter().map(|word| substitute(word, bundle, out)).collect()
    }

    /// Whether the program can be found (a path, or a name on `PATH`): a missing program is a
    /// usage error, not a crash on every case.
    pub fn program_exists(&self) -> bool {
        let program = Path::new(&self.words[0]);
        if program.components().count() > 1 {
            return program.is_file();
        }
        std::env::var_os("PATH").is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
    }

    fn writes_out_file(&self) -> bool {
        self.words.iter().any(|word| word.contains(OUT))
    }
}

fn substitute(word: &str, bundle: &Path, out: &Path) -> OsString {
    if word == BUNDLE {
        return bundle.as_os_str().to_owned();
    }
    if word == OUT {
        return out.as_os_str().to_owned();
    }
    let replaced = word.replace(BUNDLE, &bundle.to_string_lossy()).replace(OUT, &out.to_string_lossy());
    OsString::from(replaced)
}

impl Candidate for ExternalCommand {
    fn name(&self) -> &str {
        &self.template
    }

    fn run(&self, dir: &Path, _: crate::bundle::LogBounds) -> Outcome {
        let scratch = match tempfile::tempdir() {
            Ok(scratch) => scratch,
            Err(e) => return Outcome::Crashed { detail: format!("could not make a scratch directory: {e}") },
        };
        let out = scratch.path().join("state.json");
        let argv = self.argv(dir, &out);
        let mut command = Command::new(&argv[0]);
        command.args(&argv[1..]).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        #[cfg(unix)]
        {
            // Its own process group, so a timeout stops the candidate's children too.
            use std::os::unix::process::CommandExt;
            command.process_group(0);
        }
        let mut child = match command.spawn() {
            Ok(child) => child,
            Err(e) => return Outcome::Crashed { detail: format!("could not start {:?}: {e}", argv[0]) },
        };
        let stdout = read_in_background(child.stdout.take());
        let stderr = read_in_background(child.stderr.take());
        let status = match child.wait_timeout(self.timeout) {
            Ok(Some(status)) => Some(status),
            Ok(None) => None,
            Err(e) => {
                stop(&mut child);
                return Outcome::Crashed { detail: format!("waiting for the candidate: {e}") };
            }
        };
        // Also after a normal exit: a candidate's stray children must not outlive the case.
        stop(&mut child);
        let stderr = tail(&collect(stderr));
        let Some(status) = status else {
            return Outcome::TimedOut { stderr };
        };
        let stdout = collect(stdout);
        if let Some(signal) = signal(&status) {
            return Outcome::Crashed { detail: format!("killed by signal {signal}\nstderr:\n{stderr}") };
        }
        match status.code() {
            Some(0) => {
                let output = if self.writes_out_file() { std::fs::read(&out).unwrap_or_default() } else { stdout };
                match serde_json::from_slice(&output) {
                    Ok(state) => Outcome::State(state),
                    Err(_) => Outcome::Garbage { excerpt: tail(&output) },
                }
            }
            Some(PANIC_EXIT_CODE) => {
                Outcome::Crashed { detail: format!("exited {PANIC_EXIT_CODE} (a Rust panic)\nstderr:\n{stderr}") }
            }
            Some(_) | None => Outcome::Rejected { message: error_message(&stderr), stderr },
        }
    }
}

/// The candidate's top-level message: its first `error:` line, else its first line.
fn error_message(stderr: &str) -> String {
    let lines = || stderr.lines().map(str::trim).filter(|line| !line.is_empty());
    lines()
        .find_map(|line| line.strip_prefix("error:"))
        .map(|message| message.trim().to_owned())
        .or_else(|| lines().next().map(str::to_owned))
        .unwrap_or_default()
}

fn read_in_background(pipe: Option<impl Read + Send + 'static>) -> mpsc::Receiver<Vec<u8>> {
    let (send, receive) = mpsc::channel();
    if let Some(mut pipe) = pipe {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            let _ = send.send(bytes);
        });
    }
    receive
}

/// What a reader got; a grandchild that escaped the process group and holds the pipe open is
/// given a second, then ignored.
fn collect(receiver: mpsc::Receiver<Vec<u8>>) -> Vec<u8> {
    receiver.recv_timeout(Duration::from_secs(1)).unwrap_or_default()
}

fn tail(bytes: &[u8]) -> String {
    let start = bytes.len().saturating_sub(TAIL_BYTES);
    let text = String::from_utf8_lossy(&bytes[start..]);
    text.trim_end().to_owned()
}

/// Kill the candidate's process group (or, off Unix, the candidate) and reap it.
fn stop(child: &mut Child) {
    #[cfg(unix)]
    if let Ok(pid) = i32::try_from(child.id()) {
        // SAFETY: kill(2) on the group we created for this child; it has no memory effects.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

#[cfg(unix)]
fn signal(status: &std::process::ExitStatus) -> Option<i32> {
    use std::os::unix::process::ExitStatusExt;
    status.signal()
}

#[cfg(not(unix))]
fn signal(_: &std::process::ExitStatus) -> Option<i32> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bundle_path_stays_one_argument() {
        let command = ExternalCommand::parse("cat --in={bundle} {bundle}", Duration::from_secs(1)).unwrap();
        let argv = command.argv(Path::new("/tmp/a b'; touch pwned;'"), Path::new("/o"));
        assert_eq!(argv, ["cat", "--in=/tmp/a b'; touch pwned;'", "/tmp/a b'; touch pwned;'"]);
    }

    #[test]
    fn the_message_is_the_first_error_line() {
        assert_eq!(
            error_message("warn: x\nerror: duplicate thread start for t\n  at line 2"),
            "duplicate thread start for t"
        );
        assert_eq!(error_message("\nsomething broke\nmore"), "something broke");
    }

    #[test]
    fn a_template_without_the_bundle_is_refused() {
        assert!(ExternalCommand::parse("reduce --stdout", Duration::from_secs(1)).is_err());
        assert!(ExternalCommand::parse("reduce 'unclosed {bundle}", Duration::from_secs(1)).is_err());
    }
}
