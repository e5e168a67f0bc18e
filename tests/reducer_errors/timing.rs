//! The inference-timing revision's errors (addendum §5), what the default revision says about its
//! events, and the `response_id` rule that tells the two apart on old-format bundles (§4.7).

use pretty_assertions::assert_eq;
use rollout_conformance::bundle::{Bundle, RawPayload};
use rollout_conformance::reducer::{replay_with, ReplayOptions};
use rollout_conformance::revision::{Revision, BC8B25EA02, INFERENCE_TIMING};
use serde_json::json;

use crate::support::{input, message, output, Trace};

fn created(call: &str, response_id: Option<&str>, server: Option<i64>) -> RawPayload {
    RawPayload::InferenceResponseCreated {
        inference_call_id: call.into(),
        response_id: response_id.map(Into::into),
        server_created_at_unix_ms: server,
    }
}

fn first_delta(call: &str) -> RawPayload {
    RawPayload::InferenceFirstDelta { inference_call_id: call.into() }
}

#[test]
fn response_created_before_its_start_is_an_unknown_call() {
    let mut trace = Trace::rooted();
    let seq = trace.in_turn(created("inf-1", Some("resp-1"), None));
    trace.request("inf-1", input(json!([message("user", "hi")])));
    let err = trace.error_as(&INFERENCE_TIMING);
    assert_eq!(err.message(), "response creation referenced unknown inference call inf-1");
    assert_eq!(err.seq, Some(seq));
}

#[test]
fn first_delta_for_an_unknown_call() {
    let mut trace = Trace::rooted();
    trace.request("inf-1", input(json!([message("user", "hi")])));
    let seq = trace.in_turn(first_delta("inf-other"));
    let err = trace.error_as(&INFERENCE_TIMING);
    assert_eq!(err.message(), "first delta referenced unknown inference call inf-other");
    assert_eq!(err.seq, Some(seq));
}

/// Under bc8b25ea02 the line is a parse error, as upstream's; the cause names the revision.
#[test]
fn timing_events_under_the_default_revision_name_the_revision_to_use() {
    for event in [created("inf-1", None, None), first_delta("inf-1")] {
        let mut trace = Trace::rooted();
        trace.request("inf-1", input(json!([message("user", "hi")])));
        let seq = trace.in_turn(event);
        let err = trace.error_as(&BC8B25EA02);
        assert_eq!(err.message(), format!("parse trace event line {seq}"));
        let detail = err.detail.clone().unwrap_or_default();
        assert!(detail.contains("--revision inference-timing"), "{detail}");
    }
}

/// A line with a server time that is not an i64: ignored by bc8b25ea02, a parse error in the
/// timing revision (§5.2, compatibility edge).
#[test]
fn a_non_integer_server_time_fails_only_under_the_timing_revision() {
    let dir = tempfile::tempdir().unwrap();
    let mut trace = Trace::rooted();
    trace.request("inf-1", input(json!([message("user", "hi")])));
    let seq = trace.complete("inf-1", Some("resp-1"), output(json!([])));
    trace.bundle().write_dir(dir.path()).unwrap();
    let log = dir.path().join("trace.jsonl");
    let text = std::fs::read_to_string(&log).unwrap();
    let text = text.replace("\"response_payload\"", "\"server_created_at_unix_ms\":2.5,\"response_payload\"");
    std::fs::write(&log, text).unwrap();
    let bundle = Bundle::read_dir(dir.path()).unwrap();
    let default = replay_with(&bundle, &ReplayOptions::revision(Revision::default_revision()));
    assert!(default.is_ok(), "{:?}", default.err());
    let err = replay_with(&bundle, &ReplayOptions::revision(&INFERENCE_TIMING)).unwrap_err();
    assert_eq!(err.message(), format!("parse trace event line {seq}"));
    assert!(err.detail.unwrap_or_default().contains("expected i64"));
}

/// A completed call followed by a second, failed terminal: bc8b25ea02 resets `response_id` to
/// null, so a later incremental request cannot find it; the timing revision keeps it (§4.7).
#[test]
fn a_failed_second_terminal_keeps_the_response_id_only_under_the_timing_revision() {
    let build = || {
        let mut trace = Trace::rooted();
        trace.request("inf-1", input(json!([message("user", "a")])));
        trace.complete("inf-1", Some("resp-1"), output(json!([message("assistant", "b")])));
        trace.in_turn(RawPayload::InferenceFailed {
            inference_call_id: "inf-1".into(),
            upstream_request_id: None,
            error: "late".into(),
            partial_response_payload: None,
        });
        let seq = trace.request("inf-2", json!({ "previous_response_id": "resp-1", "input": [] }));
        (trace, seq)
    };
    let (trace, seq) = build();
    let err = trace.error_as(&BC8B25EA02);
    assert_eq!(err.message(), "incremental inference request inf-2 referenced unknown previous_response_id resp-1");
    assert_eq!(err.seq, Some(seq));
    let replayed = build().0.replay_as(&INFERENCE_TIMING);
    let calls = &replayed.trace.inference_calls;
    assert_eq!(calls["inf-1"].response_id.as_deref(), Some("resp-1"));
    assert_eq!(calls["inf-2"].request_item_ids.len(), 2);
}

/// A response id known only from `inference_response_created` is a valid previous response,
/// even while the call is still running (§4.7).
#[test]
fn a_created_response_id_can_be_continued_while_its_call_runs() {
    let mut trace = Trace::rooted();
    trace.request("inf-1", input(json!([message("user", "a")])));
    trace.in_turn(created("inf-1", Some("resp-1"), Some(1_700_000_000_000)));
    trace.request("inf-2", json!({ "previous_response_id": "resp-1", "input": [] }));
    let replayed = trace.replay_as(&INFERENCE_TIMING);
    let call = &replayed.trace.inference_calls["inf-1"];
    assert_eq!(call.response_id.as_deref(), Some("resp-1"));
    let timing = call.timing.as_ref().unwrap();
    assert_eq!(timing.server_response_created_at_unix_ms, Some(1_700_000_000_000));
    assert_eq!(timing.response_completed_at_unix_ms, None);
}
