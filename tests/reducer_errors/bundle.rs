//! Bundle reading and event parsing: manifest, event log lines, payload files, `other` events.

use std::fs;
use std::path::Path;

use pretty_assertions::assert_eq;
use rollout_conformance::bundle::{Manifest, PayloadStore, RawPayload, RawPayloadKind, RawPayloadRef};
use rollout_conformance::reducer::{replay, replay_dir};
use rollout_conformance::Error;
use serde_json::{json, Value};

use crate::support::{Trace, ROOT, STARTED_AT};

fn manifest_json() -> String {
    serde_json::to_string_pretty(&Manifest::new("trace-1", "rollout-1", ROOT, STARTED_AT)).unwrap()
}

/// One compact event line, as the writer would append it.
fn line(seq: u64, payload: Value) -> String {
    json!({
        "schema_version": 1,
        "seq": seq,
        "wall_time_unix_ms": STARTED_AT + seq as i64,
        "rollout_id": "rollout-1",
        "thread_id": null,
        "codex_turn_id": null,
        "payload": payload,
    })
    .to_string()
}

fn thread_started_line(seq: u64) -> String {
    line(seq, json!({ "type": "thread_started", "thread_id": ROOT, "agent_path": "/root", "metadata_payload": null }))
}

/// A bundle directory with this manifest and these raw bytes as `trace.jsonl`.
fn write_bundle(dir: &Path, log: &[u8]) {
    fs::create_dir_all(dir.join("payloads")).unwrap();
    fs::write(dir.join("manifest.json"), manifest_json()).unwrap();
    fs::write(dir.join("trace.jsonl"), log).unwrap();
}

#[track_caller]
fn replay_dir_error(dir: &Path) -> Error {
    match replay_dir(dir) {
        Ok(_) => panic!("replay succeeded, but an error was expected"),
        Err(err) => err,
    }
}

#[cfg(unix)]
#[test]
fn missing_manifest_reports_only_the_os_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = replay_dir_error(dir.path());
    assert_eq!(err.message(), "No such file or directory (os error 2)");
}

#[test]
fn invalid_manifest_is_read_error_naming_the_manifest_path() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("manifest.json"), r#"{"schema_version": 1, "trace_id": "trace-1"}"#).unwrap();
    fs::write(dir.path().join("trace.jsonl"), "").unwrap();
    let err = replay_dir_error(dir.path());
    assert_eq!(err.message(), format!("read {}/manifest.json", dir.path().display()));
}

#[test]
fn missing_event_log_is_open_error_naming_its_path() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("manifest.json"), manifest_json()).unwrap();
    let err = replay_dir_error(dir.path());
    assert_eq!(err.message(), format!("open trace event log {}/trace.jsonl", dir.path().display()));
}

#[test]
fn malformed_line_names_its_physical_line_counting_blank_lines() {
    let dir = tempfile::tempdir().unwrap();
    let log = format!("{}\n\n   \n{{\"not\": \"an event\"}}\n{}\n", thread_started_line(1), thread_started_line(2));
    write_bundle(dir.path(), log.as_bytes());
    let err = replay_dir_error(dir.path());
    assert_eq!(err.message(), "parse trace event line 4");
    assert_eq!(err.line, Some(4));
    assert_eq!(err.seq, None);
}

#[test]
fn every_kind_of_unparsable_line_is_a_parse_error() {
    let bad_lines = [
        ("truncated JSON", r#"{"schema_version":1,"seq":2"#.to_owned()),
        ("unknown payload type", line(2, json!({ "type": "rollout_paused" }))),
        ("missing envelope field", {
            let mut event: Value = serde_json::from_str(&thread_started_line(2)).unwrap();
            event.as_object_mut().unwrap().remove("wall_time_unix_ms");
            event.to_string()
        }),
        ("wrong field type", line(2, json!({ "type": "rollout_ended", "status": 3 }))),
        ("missing payload field", line(2, json!({ "type": "thread_started", "thread_id": ROOT }))),
    ];
    for (what, bad) in bad_lines {
        let dir = tempfile::tempdir().unwrap();
        write_bundle(dir.path(), format!("{}\n{bad}\n", thread_started_line(1)).as_bytes());
        let err = replay_dir_error(dir.path());
        assert_eq!(err.message(), "parse trace event line 2", "{what}");
        assert_eq!(err.line, Some(2), "{what}");
    }
}

#[test]
fn unreadable_line_is_a_read_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = format!("{}\n", thread_started_line(1)).into_bytes();
    log.extend_from_slice(b"{\"seq\": \"\xff\xfe\"}\n");
    write_bundle(dir.path(), &log);
    let err = replay_dir_error(dir.path());
    assert_eq!(err.message(), "read trace event line 2");
    assert_eq!(err.line, Some(2));
}

#[test]
fn events_before_a_malformed_line_are_replayed_first() {
    let dir = tempfile::tempdir().unwrap();
    // The second line repeats the first, so replay fails there before reaching line 3.
    let log = format!("{}\n{}\nnot json\n", thread_started_line(1), thread_started_line(2));
    write_bundle(dir.path(), log.as_bytes());
    let err = replay_dir_error(dir.path());
    assert_eq!(err.message(), "duplicate thread start for thread-root");
    assert_eq!((err.line, err.seq), (Some(2), Some(2)));
}

fn thread_with_metadata(metadata_payload: RawPayloadRef) -> RawPayload {
    RawPayload::ThreadStarted {
        thread_id: ROOT.into(),
        agent_path: "/root".into(),
        metadata_payload: Some(metadata_payload),
    }
}

fn metadata_ref(n: u64, path: &str) -> RawPayloadRef {
    RawPayloadRef {
        raw_payload_id: format!("raw_payload:{n}").into(),
        kind: RawPayloadKind::SessionMetadata,
        path: path.into(),
    }
}

#[test]
fn missing_payload_is_open_error() {
    let mut trace = Trace::empty();
    let seq = trace.event(None, None, thread_with_metadata(metadata_ref(7, "payloads/7.json")));
    trace.fails_with("open payload raw_payload:7", seq);
}

/// On disk: one `thread_started` (seq 1) whose metadata is `payloads/1.json`.
fn bundle_with_one_payload() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut trace = Trace::empty();
    let metadata = trace.payload(RawPayloadKind::SessionMetadata, json!({ "agent_path": "/root" }));
    trace.event(None, None, thread_with_metadata(metadata));
    trace.bundle().write_dir(dir.path()).unwrap();
    dir
}

#[test]
fn missing_payload_file_on_disk_is_open_error() {
    let dir = bundle_with_one_payload();
    fs::remove_file(dir.path().join("payloads/1.json")).unwrap();
    let err = replay_dir_error(dir.path());
    assert_eq!(err.message(), "open payload raw_payload:1");
    assert_eq!(err.seq, Some(1));
}

/// Replay `dir` on another thread; a read that blocks fails the test instead of hanging it.
fn replay_dir_error_within_seconds(dir: &Path) -> Error {
    let (sender, receiver) = std::sync::mpsc::channel();
    let dir = dir.to_path_buf();
    std::thread::spawn(move || sender.send(replay_dir_error(&dir)));
    receiver.recv_timeout(std::time::Duration::from_secs(20)).expect("replay blocked on a file")
}

#[test]
fn fifo_in_the_bundle_is_refused_instead_of_read() {
    let dir = bundle_with_one_payload();
    let mkfifo = |path: &Path| {
        fs::remove_file(path).unwrap();
        assert!(std::process::Command::new("mkfifo").arg(path).status().unwrap().success());
    };
    mkfifo(&dir.path().join("payloads/1.json"));
    let err = replay_dir_error_within_seconds(dir.path());
    assert_eq!(err.message(), "open payload raw_payload:1");
    assert_eq!(err.seq, Some(1));

    mkfifo(&dir.path().join("trace.jsonl"));
    let err = replay_dir_error_within_seconds(dir.path());
    assert!(err.message().starts_with("open trace"), "{}", err.message());
}

#[test]
fn payload_that_is_not_json_is_parse_error() {
    let mut trace = Trace::empty();
    let metadata = trace.payload(RawPayloadKind::SessionMetadata, json!({}));
    let seq = trace.event(None, None, thread_with_metadata(metadata));
    let mut bundle = trace.bundle();
    let PayloadStore::Memory(files) = &mut bundle.payloads else { panic!("an in-memory bundle") };
    files.insert("payloads/1.json".into(), b"{ not json".to_vec());
    let err = replay(&bundle).unwrap_err();
    assert_eq!(err.message(), "parse payload raw_payload:1");
    assert_eq!(err.seq, Some(seq));
}

#[test]
fn payload_file_on_disk_that_is_not_json_is_parse_error() {
    let dir = tempfile::tempdir().unwrap();
    write_bundle(dir.path(), format!("{}\n", line(1, json!({
        "type": "thread_started",
        "thread_id": ROOT,
        "agent_path": "/root",
        "metadata_payload": { "raw_payload_id": "raw_payload:1", "kind": { "type": "session_metadata" }, "path": "payloads/1.json" },
    })))
    .as_bytes());
    fs::write(dir.path().join("payloads/1.json"), "[1, 2,").unwrap();
    let err = replay_dir_error(dir.path());
    assert_eq!(err.message(), "parse payload raw_payload:1");
}

/// A bundle at `<tmp>/bundle` whose only event reads the metadata payload at `path`, and a valid
/// metadata file at `<tmp>/outside.json`: reading it would make the replay succeed.
fn bundle_reading_payload_at(tmp: &Path, path: &str) -> std::path::PathBuf {
    fs::write(tmp.join("outside.json"), r#"{"agent_path": "/root/escaped"}"#).unwrap();
    let bundle = tmp.join("bundle");
    let mut trace = Trace::empty();
    trace.event(None, None, thread_with_metadata(metadata_ref(1, path)));
    trace.bundle().write_dir(&bundle).unwrap();
    bundle
}

#[test]
fn payload_path_leaving_the_bundle_is_refused_and_never_read() {
    let tmp = tempfile::tempdir().unwrap();
    let bundle = bundle_reading_payload_at(tmp.path(), "../outside.json");
    let err = replay_dir_error(&bundle);
    assert_eq!(err.message(), "open payload raw_payload:1");
    assert_eq!(err.seq, Some(1));

    let tmp = tempfile::tempdir().unwrap();
    let absolute = tmp.path().join("outside.json").display().to_string();
    let bundle = bundle_reading_payload_at(tmp.path(), &absolute);
    assert_eq!(replay_dir_error(&bundle).message(), "open payload raw_payload:1");

    let tmp = tempfile::tempdir().unwrap();
    let bundle = bundle_reading_payload_at(tmp.path(), "payloads/../../outside.json");
    assert_eq!(replay_dir_error(&bundle).message(), "open payload raw_payload:1");
}

#[cfg(unix)]
#[test]
fn payload_symlink_leaving_the_bundle_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let bundle = bundle_reading_payload_at(tmp.path(), "payloads/1.json");
    std::os::unix::fs::symlink(tmp.path().join("outside.json"), bundle.join("payloads/1.json")).unwrap();
    assert_eq!(replay_dir_error(&bundle).message(), "open payload raw_payload:1");
}

#[test]
fn payload_never_read_is_never_missed() {
    // Control for the tests above: a protocol event's payload is only registered, not opened.
    let mut trace = Trace::rooted();
    let event_payload = metadata_ref(9, "payloads/9.json");
    trace.event(None, None, RawPayload::ProtocolEventObserved { event_type: "warning".into(), event_payload });
    let replayed = trace.replay();
    assert_eq!(replayed.trace.raw_payloads["raw_payload:9"].path, "payloads/9.json");
}

#[test]
fn other_event_has_no_reducer_implementation() {
    let mut trace = Trace::rooted();
    let payload = trace.payload(RawPayloadKind::ProtocolEvent, json!({}));
    let seq = trace.event(
        None,
        None,
        RawPayload::Other {
            kind: "future_event".into(),
            summary: "from a newer recorder".into(),
            payloads: vec![payload],
            metadata: json!({ "k": 1 }),
        },
    );
    trace.fails_with("raw trace event has no reducer implementation", seq);
}
