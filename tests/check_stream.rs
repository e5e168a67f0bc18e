//! Stream rules no bundle in git can show: files that are not regular, symlinks that leave the
//! bundle (whose targets must never be opened), unreadable files, limits at small sizes, and the
//! lifecycle starts and ends upstream rejects outright. Each builds its bundle in a temp dir.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use pretty_assertions::assert_eq;
use rollout_conformance::bundle::{read_regular, Bundle, ReadError};
use rollout_conformance::rules::{stream, Limits};

/// A valid bundle that ends everything it starts: thread, two turns, two inferences, five payloads.
const VALID: &str = "corpus/valid/cancelled_inference";

fn copy_valid(to: &Path) {
    let from = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(VALID);
    fs::create_dir_all(to.join("payloads")).unwrap();
    for name in ["manifest.json", "trace.jsonl"] {
        fs::copy(from.join(name), to.join(name)).unwrap();
    }
    for entry in fs::read_dir(from.join("payloads")).unwrap() {
        let entry = entry.unwrap();
        fs::copy(entry.path(), to.join("payloads").join(entry.file_name())).unwrap();
    }
}

/// `(rule id, slug, file, line)` of every stream violation, sorted.
fn found(dir: &Path, limits: &Limits) -> Vec<(String, String, String, Option<usize>)> {
    let mut found: Vec<_> = stream::check(dir, limits)
        .violations
        .into_iter()
        .map(|v| (v.rule.id.to_owned(), v.rule.slug.to_owned(), v.location.file, v.location.line))
        .collect();
    found.sort();
    found
}

fn one(id: &str, slug: &str, file: &str, line: Option<usize>) -> Vec<(String, String, String, Option<usize>)> {
    vec![(id.to_owned(), slug.to_owned(), file.to_owned(), line)]
}

/// Run the stream check on another thread: an open of a FIFO would block it, failing the test.
fn found_within_seconds(dir: &Path, limits: Limits) -> Vec<(String, String, String, Option<usize>)> {
    let (sender, receiver) = std::sync::mpsc::channel();
    let dir = dir.to_path_buf();
    std::thread::spawn(move || sender.send(found(&dir, &limits)));
    receiver.recv_timeout(Duration::from_secs(20)).expect("the check blocked: it opened a FIFO")
}

fn mkfifo(path: &Path) {
    assert!(std::process::Command::new("mkfifo").arg(path).status().unwrap().success());
}

/// The lines of the valid bundle's log, to edit.
fn log_lines(dir: &Path) -> Vec<String> {
    fs::read_to_string(dir.join("trace.jsonl")).unwrap().lines().map(str::to_owned).collect()
}

fn write_log(dir: &Path, lines: &[String]) {
    fs::write(dir.join("trace.jsonl"), lines.iter().map(|l| format!("{l}\n")).collect::<String>()).unwrap();
}

#[test]
fn the_valid_bundle_is_clean_and_comes_back_as_read_dir_reads_it() {
    let dir = tempfile::tempdir().unwrap();
    copy_valid(dir.path());
    let checked = stream::check(dir.path(), &Limits::CHECK);
    assert_eq!(checked.violations, vec![]);
    let bundle = checked.bundle.expect("a bundle to reduce");
    let read = Bundle::read_dir(dir.path()).unwrap();
    assert_eq!((bundle.manifest, bundle.events, bundle.stop), (read.manifest, read.events, read.stop));
}

#[test]
fn manifest_missing() {
    let dir = tempfile::tempdir().unwrap();
    copy_valid(dir.path());
    fs::remove_file(dir.path().join("manifest.json")).unwrap();
    assert_eq!(found(dir.path(), &Limits::CHECK), one("RC1001", "manifest-missing", "manifest.json", None));
    assert!(stream::check(dir.path(), &Limits::CHECK).bundle.is_none());
}

#[test]
fn manifest_not_regular_as_a_directory_or_a_fifo_is_never_opened() {
    let dir = tempfile::tempdir().unwrap();
    copy_valid(dir.path());
    fs::remove_file(dir.path().join("manifest.json")).unwrap();
    fs::create_dir(dir.path().join("manifest.json")).unwrap();
    assert_eq!(found(dir.path(), &Limits::CHECK), one("RC1002", "manifest-not-regular", "manifest.json", None));
    fs::remove_dir(dir.path().join("manifest.json")).unwrap();
    mkfifo(&dir.path().join("manifest.json"));
    assert_eq!(
        found_within_seconds(dir.path(), Limits::CHECK),
        one("RC1002", "manifest-not-regular", "manifest.json", None)
    );
}

#[test]
fn trace_fifo_is_never_opened() {
    let dir = tempfile::tempdir().unwrap();
    copy_valid(dir.path());
    fs::remove_file(dir.path().join("trace.jsonl")).unwrap();
    mkfifo(&dir.path().join("trace.jsonl"));
    assert_eq!(
        found_within_seconds(dir.path(), Limits::CHECK),
        one("RC1008", "trace-not-regular", "trace.jsonl", None)
    );
}

/// A bundle at `<tmp>/bundle` whose `name` is a symlink to a FIFO at `<tmp>/outside`: opening the
/// target would block the check forever.
fn bundle_linking_outside(tmp: &Path, name: &str) -> PathBuf {
    let bundle = tmp.join("bundle");
    copy_valid(&bundle);
    mkfifo(&tmp.join("outside"));
    fs::remove_file(bundle.join(name)).unwrap();
    std::os::unix::fs::symlink(tmp.join("outside"), bundle.join(name)).unwrap();
    bundle
}

#[test]
fn manifest_and_trace_symlinks_leaving_the_bundle_are_refused_unopened() {
    for name in ["manifest.json", "trace.jsonl"] {
        let tmp = tempfile::tempdir().unwrap();
        let bundle = bundle_linking_outside(tmp.path(), name);
        assert_eq!(found_within_seconds(&bundle, Limits::CHECK), one("RC1009", "file-outside-bundle", name, None));
    }
}

#[test]
fn a_symlink_that_stays_inside_the_bundle_is_followed() {
    let dir = tempfile::tempdir().unwrap();
    copy_valid(dir.path());
    fs::rename(dir.path().join("trace.jsonl"), dir.path().join("events.jsonl")).unwrap();
    std::os::unix::fs::symlink("events.jsonl", dir.path().join("trace.jsonl")).unwrap();
    assert_eq!(found(dir.path(), &Limits::CHECK), vec![]);
}

#[test]
fn payload_symlink_leaving_the_bundle_is_refused_unopened() {
    // payloads/5.json is the response of the completed inference at line 9 (seq 9).
    let tmp = tempfile::tempdir().unwrap();
    let bundle = bundle_linking_outside(tmp.path(), "payloads/5.json");
    assert_eq!(
        found_within_seconds(&bundle, Limits::CHECK),
        one("RC3009", "payload-symlink-escapes", "trace.jsonl", Some(9))
    );
    let violations = stream::check(&bundle, &Limits::CHECK).violations;
    assert_eq!(violations[0].location.seq, Some(9));
    assert!(violations[0].message.contains("payloads/5.json"), "{}", violations[0].message);
}

#[test]
fn payload_fifo_inside_the_bundle_is_never_opened() {
    let dir = tempfile::tempdir().unwrap();
    copy_valid(dir.path());
    fs::remove_file(dir.path().join("payloads/5.json")).unwrap();
    mkfifo(&dir.path().join("payloads/5.json"));
    assert_eq!(
        found_within_seconds(dir.path(), Limits::CHECK),
        one("RC3003", "payload-not-regular", "trace.jsonl", Some(9))
    );
}

/// Whether this process can read a file its mode forbids (it runs as root).
fn reads_despite_mode(dir: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let probe = dir.join("probe");
    fs::write(&probe, "x").unwrap();
    fs::set_permissions(&probe, fs::Permissions::from_mode(0o000)).unwrap();
    fs::read(&probe).is_ok()
}

/// The stream violations of `dir` as a process that cannot read past file modes sees them: this
/// one, or, when it runs as root, `check` started with the capabilities that bypass file modes
/// dropped (`setpriv`, from util-linux).
fn found_without_override(dir: &Path) -> Vec<(String, String, String, Option<usize>)> {
    if !reads_despite_mode(dir.parent().unwrap()) {
        return found(dir, &Limits::CHECK);
    }
    let output = std::process::Command::new("setpriv")
        .args(["--bounding-set", "-dac_override,-dac_read_search", env!("CARGO_BIN_EXE_rollout-conformance")])
        .args(["check", "--format", "json"])
        .arg(dir)
        .output()
        .expect("setpriv (util-linux) runs the check without root's file-mode override");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut found: Vec<_> = report["entries"][0]["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            let text = |key: &str| v[key].as_str().unwrap().to_owned();
            let line = v["location"]["line"].as_u64().map(|line| line as usize);
            (text("rule"), text("slug"), v["location"]["file"].as_str().unwrap().to_owned(), line)
        })
        .collect();
    found.sort();
    found
}

#[test]
fn unreadable_trace_and_payload() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("bundle");
    copy_valid(&dir);
    fs::set_permissions(dir.join("payloads/5.json"), fs::Permissions::from_mode(0o000)).unwrap();
    assert_eq!(found_without_override(&dir), one("RC3004", "payload-unreadable", "trace.jsonl", Some(9)));
    fs::set_permissions(dir.join("trace.jsonl"), fs::Permissions::from_mode(0o000)).unwrap();
    assert_eq!(found_without_override(&dir), one("RC1010", "file-unreadable", "trace.jsonl", None));
}

#[test]
fn duplicate_start_of_each_kind() {
    let dir = tempfile::tempdir().unwrap();
    copy_valid(dir.path());
    let mut lines = log_lines(dir.path());
    // thread_started (line 2) and codex_turn_started (line 3) again, as lines 13 and 14, before
    // rollout_ended; the seq gap they leave is avoided by renumbering.
    let (thread, turn) = (lines[1].clone(), lines[2].clone());
    lines.insert(11, turn);
    lines.insert(11, thread);
    let lines: Vec<String> = lines
        .into_iter()
        .enumerate()
        .map(|(i, l)| {
            let mut event: serde_json::Value = serde_json::from_str(&l).unwrap();
            event["seq"] = (i as u64 + 1).into();
            event["wall_time_unix_ms"] = (1_767_225_600_001i64 + i as i64).into();
            event.to_string()
        })
        .collect();
    write_log(dir.path(), &lines);
    // Line 12 is a thread_started after the thread's own thread_ended (line 11): work after its end.
    let mut expected = one("RC4001", "duplicate-start", "trace.jsonl", Some(12));
    expected.extend(one("RC4001", "duplicate-start", "trace.jsonl", Some(13)));
    expected.extend(one("RC4005", "event-after-thread-ended", "trace.jsonl", Some(12)));
    expected.extend(one("RC4005", "event-after-thread-ended", "trace.jsonl", Some(13)));
    expected.sort();
    assert_eq!(found(dir.path(), &Limits::CHECK), expected);
}

#[test]
fn end_without_start() {
    let dir = tempfile::tempdir().unwrap();
    copy_valid(dir.path());
    let mut lines = log_lines(dir.path());
    // The second turn's start (line 7) names another id, so its end at line 10 ends nothing.
    lines[6] =
        lines[6].replace("\"codex_turn_id\":\"sub-x2\",\"thread_id\"", "\"codex_turn_id\":\"sub-x3\",\"thread_id\"");
    lines[6] = lines[6].replace("\"codex_turn_id\":\"sub-x2\",\"payload\"", "\"codex_turn_id\":\"sub-x3\",\"payload\"");
    write_log(dir.path(), &lines);
    let mut expected = one("RC4002", "end-without-start", "trace.jsonl", Some(10));
    // sub-x3 then never ends; a warning.
    expected.extend(one("RC4004", "never-ended", "trace.jsonl", Some(7)));
    expected.sort();
    assert_eq!(found(dir.path(), &Limits::CHECK), expected);
}

const NO_LIMITS: Limits =
    Limits { max_line_bytes: None, max_payload_bytes: None, max_bundle_bytes: None, max_events: None };

#[test]
fn a_line_over_the_limit_is_reported_and_not_parsed() {
    let dir = tempfile::tempdir().unwrap();
    copy_valid(dir.path());
    let lines = log_lines(dir.path());
    let longest = lines.iter().map(String::len).max().unwrap();
    // Only the longest line (the first inference_started, line 4... whichever) is over.
    let limit = Limits { max_line_bytes: Some(longest as u64 - 1), ..NO_LIMITS };
    let line = lines.iter().position(|l| l.len() == longest).unwrap() + 1;
    let checked = stream::check(dir.path(), &limit);
    let rules: Vec<_> = checked.violations.iter().map(|v| (v.rule.slug, v.location.line)).collect();
    assert!(rules.contains(&("line-too-long", Some(line))), "{rules:?}");
    // The reducer's bundle stops at that line instead of parsing it.
    let bundle = checked.bundle.unwrap();
    assert_eq!(bundle.stop.as_ref().and_then(|e| e.line), Some(line));
    assert!(bundle.events.iter().all(|r| r.line < line));
}

#[test]
fn payload_over_the_limit_is_refused_by_the_check_and_the_reducer() {
    let dir = tempfile::tempdir().unwrap();
    copy_valid(dir.path());
    // Padded with whitespace (still the same JSON) past every other payload of the bundle.
    let path = dir.path().join("payloads/5.json");
    let mut padded = fs::read(&path).unwrap();
    padded.resize(4096, b' ');
    fs::write(&path, padded).unwrap();
    let size = 4096;
    let limit = Limits { max_payload_bytes: Some(size - 1), ..NO_LIMITS };
    assert_eq!(found(dir.path(), &limit), one("RC9002", "payload-too-large", "trace.jsonl", Some(9)));
    let bundle = stream::check(dir.path(), &limit).bundle.unwrap();
    let error = rollout_conformance::reducer::replay(&bundle).unwrap_err();
    let rule = rollout_conformance::rules::catalog::rule_for(&error.kind);
    assert_eq!((rule.id, error.line), ("RC9002", Some(9)), "{}", error.message());
}

#[test]
fn a_file_longer_than_its_metadata_says_is_still_cut_off() {
    // /proc files report a length of 0 and hold more.
    let path = Path::new("/proc/self/status");
    assert_eq!(fs::metadata(path).unwrap().len(), 0);
    assert!(matches!(read_regular(path, Some(8)), Err(ReadError::TooLarge)));
}

#[test]
fn bundle_over_the_limit_is_not_read() {
    let dir = tempfile::tempdir().unwrap();
    copy_valid(dir.path());
    let limit = Limits { max_bundle_bytes: Some(1024), ..NO_LIMITS };
    assert_eq!(found(dir.path(), &limit), one("RC9003", "bundle-too-large", "", None));
    assert!(stream::check(dir.path(), &limit).bundle.is_none());
}

#[test]
fn events_beyond_the_limit_are_not_read() {
    let dir = tempfile::tempdir().unwrap();
    copy_valid(dir.path());
    let limit = Limits { max_events: Some(11), ..NO_LIMITS };
    assert_eq!(found(dir.path(), &limit), one("RC9004", "too-many-events", "trace.jsonl", Some(12)));
    let bundle = stream::check(dir.path(), &limit).bundle.unwrap();
    assert_eq!(bundle.events.len(), 11);
}

#[test]
fn manifest_over_the_line_limit_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    copy_valid(dir.path());
    let manifest = fs::metadata(dir.path().join("manifest.json")).unwrap().len();
    let longest_line = log_lines(dir.path()).iter().map(String::len).max().unwrap() as u64;
    assert!(manifest < longest_line);
    let limit = Limits { max_line_bytes: Some(manifest - 1), ..NO_LIMITS };
    let rules: Vec<_> = found(dir.path(), &limit).into_iter().map(|(id, slug, file, _)| (id, slug, file)).collect();
    assert!(rules.contains(&("RC9005".into(), "manifest-too-large".into(), "manifest.json".into())), "{rules:?}");
}
