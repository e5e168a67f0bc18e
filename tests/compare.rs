//! `rollout-conformance compare`, end to end: the reference agrees with itself as an external
//! candidate, every planted bug is found, shrunk and reproduced, failing candidates get their own
//! kinds, and bundle paths cannot inject commands.
//!
//! Case counts are CI-sized; `COMPARE_CASES` and `COMPARE_SHRINK_ITERS` raise them.

#[path = "common/fs.rs"]
mod fs_helpers;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_rollout-conformance")
}

fn env_or(name: &str, default: u64) -> String {
    std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok()).unwrap_or(default).to_string()
}

/// `target/<profile>/examples`, built once (a no-op after `cargo test`, which builds examples).
fn examples() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let exe = std::env::current_exe().unwrap();
        let profile_dir = exe.parent().and_then(Path::parent).expect("target/<profile>/deps/<test>").to_path_buf();
        let mut build = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
        build.current_dir(root()).args(["build", "--examples", "--quiet"]);
        if profile_dir.file_name().is_some_and(|name| name == "release") {
            build.arg("--release");
        }
        assert!(build.status().unwrap().success(), "cargo build --examples failed");
        profile_dir.join("examples")
    })
}

fn quoted(path: &Path) -> String {
    shell_words::quote(&path.to_string_lossy()).into_owned()
}

fn example(name: &str) -> String {
    format!("{} {{bundle}}", quoted(&examples().join(name)))
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn compare(args: &[&str], cwd: &Path) -> Run {
    let output = Command::new(bin()).arg("compare").args(args).current_dir(cwd).output().unwrap();
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

#[test]
fn the_reference_agrees_with_itself_as_an_external_candidate() {
    let out = tempfile::tempdir().unwrap();
    let candidate = format!("{} reduce --stdout {{bundle}}", quoted(Path::new(bin())));
    let cases = env_or("COMPARE_CASES", 25);
    let upstream = root().join("../shared/conformance/upstream");
    let mut args = vec!["--candidate", &candidate, "--cases", &cases, "--out", out.path().to_str().unwrap()];
    let upstream = upstream.to_string_lossy().into_owned();
    if Path::new(&upstream).is_dir() {
        args.extend(["--upstream-cases", &upstream]);
    }
    let run = compare(&args, root());
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains(" 0 disagreed, 0 candidate failures"), "{}", run.stdout);
    // The corpus was included, not only generated cases.
    let total: usize = run.stdout.split(' ').next().unwrap().parse().unwrap();
    assert!(total > 2 * 20, "{}", run.stdout);
}

/// The block of a report entry named `name`: its lines up to the blank line that ends it.
fn block<'a>(stdout: &'a str, name: &str) -> Vec<&'a str> {
    let mut lines = stdout.lines().skip_while(|line| *line != name);
    lines.next().expect("the entry is in the report");
    lines.take_while(|line| !line.is_empty()).collect()
}

fn field<'a>(block: &[&'a str], label: &str) -> &'a str {
    let prefix = format!("{label}: ");
    block.iter().find_map(|line| line.trim().strip_prefix(&prefix)).unwrap_or_else(|| panic!("no {label} in {block:?}"))
}

/// A planted bug is reported, its first disagreement shrunk to at most 30 events on disk, and
/// the printed command reproduces it from the saved bundle alone.
fn planted(name: &str) {
    let out = tempfile::tempdir().unwrap();
    let candidate = example(&format!("planted_{name}"));
    let (cases, iters) = (env_or("COMPARE_CASES", 40), env_or("COMPARE_SHRINK_ITERS", 400));
    let args = [
        "--candidate",
        &candidate,
        "--no-corpus",
        "--cases",
        &cases,
        "--max-shrinks",
        "1",
        "--max-shrink-iters",
        &iters,
    ];
    let mut args = args.to_vec();
    args.extend(["--out", out.path().to_str().unwrap()]);
    let run = compare(&args, root());
    assert_eq!(run.code, Some(1), "{name}: not found\n{}\n{}", run.stdout, run.stderr);
    let figure = run.stdout.lines().find_map(|line| line.trim().strip_prefix("shrink ")).expect("one case was shrunk");
    let (case, timing) = figure.split_once(": ").unwrap();
    eprintln!("{name}: {case}: {timing}");
    let entry = block(&run.stdout, case);
    let kind = entry[0].trim().split(':').next().unwrap().to_owned();
    let minimized = entry.iter().find_map(|line| line.trim().strip_prefix("minimized to ")).expect("shrunk");
    let events: usize = minimized.trim_end_matches(" events").parse().unwrap();
    assert!(events <= 30, "{name}: shrunk to {events} events\n{}", run.stdout);
    let saved = PathBuf::from(field(&entry, "saved"));
    let log = std::fs::read_to_string(saved.join("bundle/trace.jsonl")).unwrap();
    assert_eq!(log.lines().count(), events);
    for file in ["case.md", "diff.txt", "reference-state.json", "reproduce.txt", "report.html"] {
        assert!(saved.join(file).is_file(), "{file} missing in {}", saved.display());
    }
    let page = std::fs::read_to_string(saved.join("report.html")).unwrap();
    assert!(page.contains("data-lane-thread"), "{name}: report.html draws no timeline");

    let reproduce = field(&entry, "reproduce");
    assert_eq!(std::fs::read_to_string(saved.join("reproduce.txt")).unwrap().trim_end(), reproduce);
    let words = shell_words::split(reproduce).unwrap();
    assert_eq!(&words[..2], ["rollout-conformance", "compare"], "{reproduce}");
    let again = Command::new(bin()).args(&words[1..]).arg("--out").arg(out.path().join("again")).output().unwrap();
    let stdout = String::from_utf8_lossy(&again.stdout);
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert_eq!(again.status.code(), Some(1), "{name}: the command did not reproduce it\n{stdout}\n{stderr}");
    assert!(stdout.starts_with(&format!("{}\n  {kind}:", saved.join("bundle").display())), "{stdout}");
    assert!(stdout.contains("1 case: "), "{stdout}");
}

#[test]
fn planted_eager_code_cells_is_found_and_shrunk() {
    planted("eager_code_cells");
}

#[test]
fn planted_no_spawn_fallback_is_found_and_shrunk() {
    planted("no_spawn_fallback");
}

#[test]
fn planted_ignore_compaction_replacement_is_found_and_shrunk() {
    planted("ignore_compaction_replacement");
}

#[test]
fn planted_initial_response_ends_execution_is_found_and_shrunk() {
    planted("initial_response_ends_execution");
}

#[test]
fn planted_last_reasoning_wins_is_found_and_shrunk() {
    planted("last_reasoning_wins");
}

#[test]
fn planted_no_summary_cut_is_found_and_shrunk() {
    planted("no_summary_cut");
}

#[test]
fn planted_runtime_cells_ignore_thread_is_found_and_shrunk() {
    planted("runtime_cells_ignore_thread");
}

/// Each failing candidate gets its own kind on a corpus bundle and on generated ones, and
/// compare itself ends normally with 1.
#[test]
fn hanging_panicking_and_garbage_candidates_are_findings() {
    for (example_name, kind) in [
        ("candidate_hangs", "candidate-timed-out"),
        ("candidate_panics", "candidate-crashed"),
        ("candidate_garbage", "candidate-garbage"),
    ] {
        let out = tempfile::tempdir().unwrap();
        let candidate = example(example_name);
        let bundle = root().join("corpus/valid/close_agent");
        let args = ["--candidate", &candidate, "--timeout", "1", "--cases", "1", "--max-shrink-iters", "16"];
        let mut args = args.to_vec();
        args.extend(["--bundle", bundle.to_str().unwrap(), "--out", out.path().to_str().unwrap()]);
        let started = std::time::Instant::now();
        let run = compare(&args, root());
        assert_eq!(run.code, Some(1), "{example_name}\n{}\n{}", run.stdout, run.stderr);
        let count = run.stdout.matches(&format!("  {kind}: ")).count();
        assert_eq!(count, 3, "{example_name}: the corpus bundle and both generated cases\n{}", run.stdout);
        assert!(run.stdout.contains("0 agreed, 0 disagreed, 3 candidate failures"), "{}", run.stdout);
        assert!(started.elapsed().as_secs() < 30, "{example_name} took {:?}", started.elapsed());
    }
}

#[test]
fn a_bundle_path_cannot_inject_a_command() {
    let dir = tempfile::tempdir().unwrap();
    let weird = dir.path().join("x'; touch pwned; echo '$(touch pwned2)");
    fs_helpers::copy_dir(&root().join("corpus/valid/close_agent"), &weird);
    let candidate = format!("{} reduce --stdout {{bundle}}", quoted(Path::new(bin())));
    let out = dir.path().join("out");
    let args = ["--candidate", &candidate, "--bundle", weird.to_str().unwrap(), "--out", out.to_str().unwrap()];
    let run = compare(&args, dir.path());
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.starts_with("1 case: "), "{}", run.stdout);
    for file in ["pwned", "pwned2"] {
        assert!(!dir.path().join(file).exists(), "the path ran a command");
    }
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["--cases", "1"][..],
        &["--candidate", "no-placeholder"][..],
        &["--candidate", "x {bundle}", "--partition", "3/2"][..],
        &["--candidate", "no-such-reducer-anywhere {bundle}", "--cases", "1"][..],
    ] {
        let run = compare(args, root());
        assert_eq!(run.code, Some(2), "{args:?}: {}", run.stderr);
    }
}

mod harness {
    use rollout_conformance::bundle::Bundle;
    use rollout_conformance::differential::{check_reducer, harness_report, reference, HarnessConfig, JsonReducer};

    fn config(out: &std::path::Path) -> HarnessConfig {
        HarnessConfig { cases: 4, upstream: None, out: Some(out.to_path_buf()), ..HarnessConfig::default() }
    }

    /// A port that forgets every thread's nickname.
    struct NoNicknames;

    impl JsonReducer for NoNicknames {
        fn name(&self) -> &str {
            "no nicknames"
        }

        fn reduce_json(&self, bundle: &Bundle) -> Result<serde_json::Value, String> {
            let mut state = reference().reduce_json(bundle)?;
            for thread in state["threads"].as_object_mut().into_iter().flat_map(|t| t.values_mut()) {
                if let Some(thread) = thread.as_object_mut() {
                    thread.remove("nickname");
                }
            }
            Ok(state)
        }
    }

    #[test]
    fn the_reference_passes_its_own_harness() {
        let out = tempfile::tempdir().unwrap();
        check_reducer(&reference(), &config(out.path()));
    }

    #[test]
    fn a_json_level_reducer_that_drops_a_field_fails_the_calling_test() {
        let out = tempfile::tempdir().unwrap();
        let config = config(out.path());
        let report = harness_report(&NoNicknames, &config).unwrap();
        let found = report.entries.iter().filter_map(|e| e.disagreement.as_ref()).collect::<Vec<_>>();
        assert!(!found.is_empty());
        assert!(found.iter().all(|d| d.differences.iter().all(|p| p.ends_with("/nickname"))), "{found:?}");
        let panic = std::panic::catch_unwind(|| check_reducer(&NoNicknames, &config)).expect_err("the harness fails");
        let message = panic.downcast_ref::<String>().unwrap();
        assert!(message.contains("no nicknames disagrees with the reference reducer"), "{message}");
        assert!(message.contains("state-differs"), "{message}");
    }
}

#[test]
fn partitions_split_the_generated_cases_and_a_spent_budget_starts_none() {
    use rollout_conformance::differential::{compare, reference, CompareConfig};

    let config = CompareConfig { cases: 6, partition: Some((2, 3)), ..CompareConfig::default() };
    let report = compare(&reference(), &reference(), &config);
    let draws: Vec<&str> = report.entries.iter().map(|e| e.name.split(" (").next().unwrap()).collect();
    assert!(!draws.is_empty());
    assert!(draws.iter().all(|name| name.ends_with(" case 1") || name.ends_with(" case 4")), "{draws:?}");
    assert!(report.entries.iter().all(|e| e.disagreement.is_none()));

    let config = CompareConfig { cases: 6, time_budget: Some(std::time::Duration::ZERO), ..CompareConfig::default() };
    let report = compare(&reference(), &reference(), &config);
    assert!(report.entries.is_empty());
    let skipped = report.figures.iter().find(|(name, _)| name.contains("--time-budget")).expect("a figure says so");
    assert_eq!(skipped.1, "6");
}
