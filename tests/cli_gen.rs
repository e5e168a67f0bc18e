//! `gen` and `bench` end to end: written bundles reduce to their expected state, output is
//! deterministic, reorders stay legal, and bad targets are refused.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use rollout_conformance::generate::coverage::Path as CoveragePath;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_rollout-conformance"))
}

fn run(args: &[&str], out: &Path) -> Output {
    bin().args(args).arg("--out").arg(out).output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn assert_success(output: &Output) {
    assert_eq!(output.status.code(), Some(0), "stderr:\n{}", text(&output.stderr));
}

/// Every file under `dir`, by path relative to it.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, into: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, into);
            } else {
                into.insert(path.strip_prefix(root).unwrap().to_path_buf(), std::fs::read(&path).unwrap());
            }
        }
    }
    let mut all = BTreeMap::new();
    walk(dir, dir, &mut all);
    all
}

/// The `payload` of each line of `trace.jsonl`, in file order (seq and wall time follow the order).
fn payloads_in_order(bundle: &Path) -> Vec<serde_json::Value> {
    let log = std::fs::read_to_string(bundle.join("trace.jsonl")).unwrap();
    log.lines().map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap()["payload"].clone()).collect()
}

/// `reduce` the bundle and check its state.json is the written expected-state.json, whose only
/// difference is the trailing newline upstream's corpus stores.
fn assert_reduces_to_expected(bundle: &Path) {
    let output = bin().arg("reduce").arg(bundle).output().unwrap();
    assert_success(&output);
    let state = std::fs::read_to_string(bundle.join("state.json")).unwrap();
    let expected = std::fs::read_to_string(bundle.join("expected-state.json")).unwrap();
    assert!(expected.ends_with("}\n") && !expected.ends_with("\n\n"), "{}: one trailing newline", bundle.display());
    pretty_assertions::assert_eq!(format!("{state}\n"), expected, "{}", bundle.display());
}

#[test]
fn written_bundles_reduce_to_their_expected_state() {
    let out = tempfile::tempdir().unwrap();
    let output = run(&["gen", "--seed", "3", "--count", "3"], out.path());
    assert_success(&output);
    let mut names: Vec<String> =
        std::fs::read_dir(out.path()).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    assert_eq!(names, ["3-0", "3-1", "3-2"]);
    for name in names {
        let bundle = out.path().join(name);
        for file in ["manifest.json", "trace.jsonl", "payloads", "expected-state.json"] {
            assert!(bundle.join(file).exists(), "{} has {file}", bundle.display());
        }
        assert_reduces_to_expected(&bundle);
    }
    assert!(text(&output.stderr).contains("wrote 3 bundles"), "{}", text(&output.stderr));
}

#[test]
fn the_same_seed_writes_identical_files_and_other_seeds_differ() {
    let (first, second, other) =
        (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let args = ["gen", "--seed", "11", "--count", "2", "--size", "large", "--reorder"];
    assert_success(&run(&args, first.path()));
    assert_success(&run(&args, second.path()));
    assert!(files(first.path()) == files(second.path()), "same seed, different files");

    assert_success(&run(&["gen", "--seed", "12", "--count", "2", "--size", "large", "--reorder"], other.path()));
    let trace = |dir: &Path, name: &str| std::fs::read(dir.join(name).join("trace.jsonl")).unwrap();
    assert_ne!(trace(first.path(), "11-0"), trace(other.path(), "12-0"));
    assert_ne!(trace(first.path(), "11-1"), trace(other.path(), "12-1"));
}

#[test]
fn a_bundle_does_not_depend_on_the_count() {
    let (one, three) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    assert_success(&run(&["gen", "--seed", "5"], one.path()));
    assert_success(&run(&["gen", "--seed", "5", "--count", "3"], three.path()));
    assert!(files(&one.path().join("5-0")) == files(&three.path().join("5-0")));
}

#[test]
fn reorder_writes_the_same_events_in_another_legal_order() {
    let (causal, reordered) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let args = ["gen", "--seed", "21", "--count", "4", "--size", "large"];
    assert_success(&run(&args, causal.path()));
    assert_success(&run(&[&args[..], &["--reorder"]].concat(), reordered.path()));
    let mut moved = 0;
    for index in 0..4 {
        let name = format!("21-{index}");
        let (causal, reordered) = (causal.path().join(&name), reordered.path().join(&name));
        let (in_causal, in_reorder) = (payloads_in_order(&causal), payloads_in_order(&reordered));
        moved += usize::from(in_causal != in_reorder);
        let sorted = |mut payloads: Vec<serde_json::Value>| {
            payloads.sort_by_key(|p| p.to_string());
            payloads
        };
        assert_eq!(sorted(in_causal), sorted(in_reorder), "{name}: a reorder keeps every event");
        assert_reduces_to_expected(&reordered);
    }
    assert!(moved > 0, "no reordered bundle differs from the causal order");
}

#[test]
fn stats_print_every_coverage_path() {
    let out = tempfile::tempdir().unwrap();
    let output = run(&["gen", "--count", "20", "--size", "large", "--reorder", "--stats"], out.path());
    assert_success(&output);
    let table = text(&output.stdout);
    for path in CoveragePath::ALL {
        assert!(table.contains(&path.to_string()), "missing {path} in:\n{table}");
    }
    assert!(table.contains("total streams") && table.contains("20"), "{table}");
}

#[test]
fn events_writes_one_bundle_of_about_that_many_events() {
    let out = tempfile::tempdir().unwrap();
    assert_success(&run(&["gen", "--seed", "2", "--events", "3000"], out.path()));
    let bundle = out.path().join("2-0");
    let events = payloads_in_order(&bundle).len();
    assert!((2_700..=3_300).contains(&events), "{events} events for --events 3000");
    assert_reduces_to_expected(&bundle);
}

#[test]
fn a_non_empty_bundle_directory_is_refused_unless_forced() {
    let out = tempfile::tempdir().unwrap();
    let taken = out.path().join("0-1");
    std::fs::create_dir(&taken).unwrap();
    std::fs::write(taken.join("notes.txt"), "mine").unwrap();

    let output = run(&["gen", "--count", "2"], out.path());
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("0-1") && stderr.contains("not empty") && stderr.contains("--force"), "{stderr}");
    assert!(!out.path().join("0-0").exists(), "nothing is written when a target is refused");
    assert_eq!(std::fs::read_to_string(taken.join("notes.txt")).unwrap(), "mine");

    assert_success(&run(&["gen", "--count", "2", "--force"], out.path()));
    assert!(!taken.join("notes.txt").exists(), "--force replaces the directory");
    assert_reduces_to_expected(&taken);
}

#[test]
fn an_empty_existing_directory_is_used() {
    let out = tempfile::tempdir().unwrap();
    std::fs::create_dir(out.path().join("0-0")).unwrap();
    assert_success(&run(&["gen", "--size", "tiny"], out.path()));
    assert_reduces_to_expected(&out.path().join("0-0"));
}

#[test]
fn usage_errors_exit_2() {
    let out = tempfile::tempdir().unwrap();
    let no_out = bin().args(["gen", "--count", "1"]).output().unwrap();
    assert_eq!(no_out.status.code(), Some(2), "--out is required");
    for args in
        [&["gen", "--events", "0"][..], &["gen", "--size", "huge"], &["gen", "--size", "tiny", "--events", "100"]]
    {
        let output = run(args, out.path());
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", text(&output.stderr));
    }
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0);
}

#[test]
fn bench_prints_a_table_with_ratios() {
    let output = bin().args(["bench", "--events", "2000,4000", "--repeat", "1"]).output().unwrap();
    assert_success(&output);
    let table = text(&output.stdout);
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].contains("events") && lines[0].contains("x time"), "{table}");
    let events: Vec<usize> =
        lines[1..3].iter().map(|l| l.split_whitespace().next().unwrap().parse().unwrap()).collect();
    assert!((1_800..=2_200).contains(&events[0]) && (3_600..=4_400).contains(&events[1]), "{table}");
    assert!(lines[2].contains('x'), "the second row has a ratio: {table}");
    assert!(lines[3].starts_with("in memory:") && lines[4].starts_with("on disk:"), "{table}");
}

#[test]
fn bench_floor_is_measured_and_divides_the_total() {
    let output = bin().args(["bench", "--events", "2000", "--repeat", "1", "--floor"]).output().unwrap();
    assert_success(&output);
    let table = text(&output.stdout);
    let header = table.lines().position(|l| l.contains("floor s")).unwrap_or_else(|| panic!("{table}"));
    let row: Vec<&str> = table.lines().nth(header + 1).unwrap().split_whitespace().collect();
    let (total, floor, ratio) = (row[5], row[row.len() - 2], row[row.len() - 1]);
    let floor: f64 = floor.parse().unwrap_or_else(|_| panic!("floor s is a number: {table}"));
    let total: f64 = total.parse().unwrap();
    let ratio: f64 = ratio.strip_suffix('x').and_then(|r| r.parse().ok()).unwrap_or_else(|| panic!("{table}"));
    assert!(floor > 0.0, "the floor reads and parses every line: {table}");
    // Printed with 4 decimals and 2, so the ratio matches total ÷ floor only to rounding.
    assert!((ratio - total / floor).abs() <= 0.01 + ratio * 0.05, "{table}");
}
