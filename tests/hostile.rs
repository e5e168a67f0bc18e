//! Every case of `corpus/invalid/hostile/` through the binary: `check`, `reduce`, `diff` (the
//! bundle against itself) and `compare` (the bundle alone, `reduce --stdout` as the candidate,
//! `--match-errors`) each exit as its `case.md` says (2 unreadable input, 1 violations, 0 clean or
//! agreed), name the rule it gives, finish within a time bound, and never panic (exit 101).
//! `compare` names a rule only for a bundle its reader refuses as input, which no reducer is given;
//! a stream both reducers reject alike is an agreement. A case with a `make.sh` is built in a temp
//! dir first (a FIFO, a device, a sparse file: what git cannot store).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Generous for a debug build reading 16 MiB of a 100 MB line; a hang (an opened FIFO) never ends.
const TIME_BOUND: Duration = Duration::from_secs(60);

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `check: exit 1, RC3003 payload-not-regular` → (1, Some("RC3003")).
fn expectation(case_md: &str, command: &str) -> (i32, Option<String>) {
    let prefix = format!("{command}: exit ");
    let line = case_md
        .lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("case.md has no `{prefix}` line"));
    let (code, rest) = line.split_once(',').unwrap_or((line, ""));
    let rule = rest.split_whitespace().next().map(str::to_owned);
    (code.trim().parse().expect("an exit code"), rule)
}

/// Run to the end within the bound, killing it otherwise; (exit code, stdout + stderr).
fn run_bounded(command: &mut Command) -> Result<(i32, String), String> {
    let mut child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().map_err(|e| e.to_string())?;
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let readers = [
        std::thread::spawn(move || std::io::read_to_string(&mut out).unwrap_or_default()),
        std::thread::spawn(move || std::io::read_to_string(&mut err).unwrap_or_default()),
    ];
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if started.elapsed() > TIME_BOUND {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("still running after {TIME_BOUND:?} (a hang: an opened FIFO?)"));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let text: String = readers.into_iter().map(|r| r.join().unwrap_or_default()).collect();
    Ok((status.code().unwrap_or(-1), text))
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_rollout-conformance"))
}

/// The bundle of a case: the case directory itself, or what its `make.sh` built under `tmp`.
fn bundle_of(case: &Path, tmp: &Path) -> Result<PathBuf, String> {
    let script = case.join("make.sh");
    if !script.exists() {
        return Ok(case.to_path_buf());
    }
    let made = Command::new("bash").arg(&script).arg(tmp).output().map_err(|e| e.to_string())?;
    if !made.status.success() {
        return Err(format!("make.sh failed: {}", String::from_utf8_lossy(&made.stderr)));
    }
    Ok(tmp.join("bundle"))
}

fn run_case(case: &Path) -> Result<(), String> {
    let case_md = std::fs::read_to_string(case.join("case.md")).map_err(|e| e.to_string())?;
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let bundle = bundle_of(case, tmp.path())?;
    let state = tmp.path().join("state.json");
    let out = tmp.path().join("compare-out");
    let candidate = shell_words::join([env!("CARGO_BIN_EXE_rollout-conformance"), "reduce", "--stdout", "{bundle}"]);
    let command = |args: &[&std::ffi::OsStr]| {
        let mut c = bin();
        c.args(args);
        c
    };
    let runs: [(&str, Command); 4] = [
        ("check", command(&["check".as_ref(), bundle.as_ref()])),
        ("reduce", command(&["reduce".as_ref(), bundle.as_ref(), "-o".as_ref(), state.as_ref()])),
        ("diff", command(&["diff".as_ref(), bundle.as_ref(), bundle.as_ref()])),
        (
            "compare",
            command(&[
                "compare".as_ref(),
                "--candidate".as_ref(),
                candidate.as_ref(),
                "--match-errors".as_ref(),
                "--bundle".as_ref(),
                bundle.as_ref(),
                "--out".as_ref(),
                out.as_ref(),
            ]),
        ),
    ];
    for (name, mut command) in runs {
        let (code, rule) = expectation(&case_md, name);
        let (got, output) = run_bounded(&mut command).map_err(|e| format!("{name}: {e}"))?;
        if got == 101 {
            return Err(format!("{name} panicked:\n{output}"));
        }
        if got != code {
            return Err(format!("{name} exited {got}, not {code}:\n{output}"));
        }
        if let Some(rule) = rule.filter(|rule| !output.contains(rule.as_str())) {
            return Err(format!("{name} does not name {rule}:\n{output}"));
        }
    }
    Ok(())
}

#[test]
fn every_hostile_case_exits_as_its_case_says_naming_its_rule() {
    let dir = root().join("corpus/invalid/hostile");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("case.md").is_file())
        .collect();
    cases.sort();
    assert!(cases.len() >= 19, "hostile cases went missing: {cases:?}");
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            run_case(case).err().map(|e| format!("{}: {e}", case.file_name().unwrap().to_string_lossy()))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
