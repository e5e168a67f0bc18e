//! Inference lifecycle, request/response reduction and item normalization (§D.4–§D.6).

use pretty_assertions::assert_eq;
use rollout_conformance::bundle::{InferenceRequestInputMode, RawPayload, RawPayloadKind, RequestInputModeField};
use rollout_conformance::reducer::replay_dir;
use serde_json::{json, Value};

use crate::support::{function_call, inference_started, input, message, output, Trace, CHILD, ROOT, TURN};

#[test]
fn second_inference_start_is_duplicate() {
    let mut trace = Trace::rooted();
    trace.request("inf-1", input(json!([message("user", "hi")])));
    let seq = trace.request("inf-1", input(json!([message("user", "hi")])));
    trace.fails_with("duplicate inference start for inf-1", seq);
}

#[test]
fn inference_start_in_unknown_turn() {
    let mut trace = Trace::rooted();
    let seq = trace.request_in("inf-1", ROOT, "turn-missing", input(json!([])));
    trace.fails_with("inference start inf-1 referenced unknown codex turn turn-missing", seq);
}

#[test]
fn inference_start_whose_turn_belongs_to_another_thread() {
    let mut trace = Trace::rooted().with_child();
    let seq = trace.request_in("inf-1", CHILD, TURN, input(json!([])));
    trace.fails_with(
        "inference start inf-1 used thread thread-child, but codex turn turn-1 belongs to thread-root",
        seq,
    );
}

#[test]
fn request_without_input() {
    let mut trace = Trace::rooted();
    let seq = trace.request("inf-1", json!({ "model": "gpt-test" }));
    trace.fails_with("inference request payload raw_payload:1 did not contain input", seq);
}

#[test]
fn request_with_non_array_input() {
    for bad in [json!("hello"), json!({ "type": "message" }), json!(3)] {
        let mut trace = Trace::rooted();
        let seq = trace.request("inf-1", json!({ "input": bad }));
        trace.fails_with("inference request payload raw_payload:1 had non-array input", seq);
    }
}

#[test]
fn incremental_request_with_unknown_previous_response_id() {
    let mut trace = Trace::rooted();
    trace.request("inf-1", input(json!([message("user", "a")])));
    trace.complete("inf-1", Some("resp-1"), output(json!([message("assistant", "b")])));
    let seq = trace.request("inf-2", json!({ "previous_response_id": "resp-missing", "input": [] }));
    trace.fails_with("incremental inference request inf-2 referenced unknown previous_response_id resp-missing", seq);
}

#[test]
fn previous_response_id_of_another_thread_is_unknown() {
    let mut trace = Trace::rooted().with_child();
    trace.request("inf-1", input(json!([message("user", "a")])));
    trace.complete("inf-1", Some("resp-1"), output(json!([])));
    let seq = trace.request_in("inf-2", CHILD, "turn-child", json!({ "previous_response_id": "resp-1", "input": [] }));
    trace.fails_with("incremental inference request inf-2 referenced unknown previous_response_id resp-1", seq);
}

/// `inference_started` of the `request_input_mode` branch (§D.6) with an explicit mode.
fn started_with_mode(trace: &mut Trace, call: &str, body: Value, mode: RequestInputModeField) -> u64 {
    let request_payload = trace.payload(RawPayloadKind::InferenceRequest, body);
    let mut started = inference_started(call, ROOT, TURN, request_payload);
    let RawPayload::InferenceStarted { request_input_mode, .. } = &mut started else { unreachable!() };
    *request_input_mode = Some(mode);
    trace.event(None, None, started)
}

fn traced_first_response() -> Trace {
    let mut trace = Trace::rooted();
    trace.request("inf-1", input(json!([message("user", "a")])));
    trace.complete("inf-1", Some("resp-1"), output(json!([message("assistant", "b")])));
    trace
}

// Upstream main ignores the branch's `request_input_mode` (§D.6, §H.3): a bundle that carries
// it parses, and reduces exactly as it would without it.

#[test]
fn explicit_request_mode_is_parsed_and_ignored() {
    let without_mode = {
        let mut trace = traced_first_response();
        trace.request("inf-2", json!({ "previous_response_id": "resp-1", "input": [] }));
        trace.replay()
    };
    let modes = [
        RequestInputModeField::Known(InferenceRequestInputMode::FullSnapshot),
        // Modes the branch does not define, and values that are no mode at all, parse too.
        RequestInputModeField::Unrecognized(json!({ "type": "full_snapshot_v2" })),
        RequestInputModeField::Unrecognized(json!({ "type": "incremental" })),
        RequestInputModeField::Unrecognized(json!("full")),
    ];
    for mode in modes {
        let mut trace = traced_first_response();
        started_with_mode(&mut trace, "inf-2", json!({ "previous_response_id": "resp-1", "input": [] }), mode.clone());
        // Through disk, so the field is parsed from trace.jsonl.
        let dir = tempfile::tempdir().unwrap();
        trace.bundle().write_dir(dir.path()).unwrap();
        let log = std::fs::read_to_string(dir.path().join("trace.jsonl")).unwrap();
        assert!(log.contains("\"request_input_mode\""), "{log}");
        let with_mode = replay_dir(dir.path()).unwrap_or_else(|e| panic!("{mode:?}: {}", e.message()));
        // Incremental from the payload: prior request and response items, no new ones.
        let ids = &with_mode.trace.inference_calls["inf-2"].request_item_ids;
        assert_eq!(ids, &["conversation_item:1".to_owned(), "conversation_item:2".to_owned()], "{mode:?}");
        assert_eq!(with_mode.trace, without_mode.trace, "{mode:?}");
    }
}

#[test]
fn untraced_prefix_mode_is_ignored_so_its_unknown_response_fails() {
    let mut trace = Trace::rooted();
    let prefix_payload = trace.payload(RawPayloadKind::InferenceRequest, input(json!([message("user", "prewarmed")])));
    let prefix_id = prefix_payload.raw_payload_id.clone();
    let mode = RequestInputModeField::Known(InferenceRequestInputMode::IncrementalWithUntracedPrefix {
        previous_response_id: "resp-warm".into(),
        prefix_payload,
    });
    let seq = started_with_mode(&mut trace, "inf-1", json!({ "previous_response_id": "resp-warm", "input": [] }), mode);
    trace.fails_with("incremental inference request inf-1 referenced unknown previous_response_id resp-warm", seq);

    let mut trace = Trace::rooted();
    let prefix_payload = trace.payload(RawPayloadKind::InferenceRequest, input(json!([message("user", "prewarmed")])));
    let mode = RequestInputModeField::Known(InferenceRequestInputMode::IncrementalWithUntracedPrefix {
        previous_response_id: "resp-warm".into(),
        prefix_payload,
    });
    started_with_mode(&mut trace, "inf-1", input(json!([message("user", "hi")])), mode);
    let reduced = trace.replay();
    assert!(!reduced.trace.raw_payloads.contains_key(&prefix_id), "main never registers the prefix payload");
}

#[test]
fn incremental_delta_disagreeing_with_the_current_snapshot() {
    let mut trace = traced_first_response();
    // A full request extends the snapshot past resp-1's prefix (items 1, 2) with a new item 3 ...
    trace.request("inf-2", input(json!([message("user", "a"), message("assistant", "b"), message("user", "c")])));
    // ... so the delta after resp-1 is compared, at index 2, with item 3.
    let seq = trace.request("inf-3", json!({ "previous_response_id": "resp-1", "input": [message("user", "d")] }));
    trace.fails_with(
        "model conversation mismatch while reducing turn turn-1 for thread thread-root at item index 2: \
         existing item conversation_item:3 does not match the current model payload item",
        seq,
    );
}

#[test]
fn model_visible_call_id_reused_with_different_content() {
    let mut trace = Trace::rooted();
    trace.request("inf-1", input(json!([function_call("call-1", r#"{"a":1}"#)])));
    let seq = trace.request("inf-2", input(json!([function_call("call-1", r#"{"a":2}"#)])));
    trace.fails_with("model-visible call id call-1 was reused with different content", seq);

    let mut trace = Trace::rooted();
    let call_output = |text: &str| json!({ "type": "function_call_output", "call_id": "call-1", "output": text });
    trace.request("inf-1", input(json!([call_output("ok")])));
    let seq = trace.request("inf-2", input(json!([call_output("not ok")])));
    trace.fails_with("model-visible call id call-1 was reused with different content", seq);
}

#[test]
fn completion_of_unknown_inference() {
    let mut trace = Trace::rooted();
    let seq = trace.complete("inf-missing", Some("resp-1"), output(json!([])));
    trace.fails_with("inference completion referenced unknown call inf-missing", seq);

    let mut trace = Trace::rooted();
    let seq = trace.event(
        None,
        None,
        RawPayload::InferenceFailed {
            inference_call_id: "inf-missing".into(),
            upstream_request_id: None,
            error: "boom".into(),
            partial_response_payload: None,
        },
    );
    trace.fails_with("inference completion referenced unknown call inf-missing", seq);

    let mut trace = Trace::rooted();
    let seq = trace.event(
        None,
        None,
        RawPayload::InferenceCancelled {
            inference_call_id: "inf-missing".into(),
            upstream_request_id: None,
            reason: "interrupted".into(),
            partial_response_payload: None,
        },
    );
    trace.fails_with("inference completion referenced unknown call inf-missing", seq);
}

#[test]
fn response_without_array_output_items() {
    for body in [json!({ "response_id": "resp-1" }), json!({ "output_items": { "type": "message" } })] {
        let mut trace = Trace::rooted();
        trace.request("inf-1", input(json!([])));
        let seq = trace.complete("inf-1", Some("resp-1"), body);
        trace.fails_with("inference response payload raw_payload:2 did not contain output_items", seq);
    }

    // A partial response of a cancelled call is read the same way.
    let mut trace = Trace::rooted();
    trace.request("inf-1", input(json!([])));
    let partial = trace.payload(RawPayloadKind::InferenceResponse, json!({ "response_id": null }));
    let seq = trace.event(
        None,
        None,
        RawPayload::InferenceCancelled {
            inference_call_id: "inf-1".into(),
            upstream_request_id: None,
            reason: "interrupted".into(),
            partial_response_payload: Some(partial),
        },
    );
    trace.fails_with("inference response payload raw_payload:2 did not contain output_items", seq);
}

/// Model items that fail normalization, each with the message it gives in payload raw_payload:1.
fn unnormalizable_items() -> Vec<(Value, &'static str)> {
    let reasoning = |fields: Value| {
        let mut item = json!({ "type": "reasoning", "id": "rs-1" });
        item.as_object_mut().unwrap().extend(fields.as_object().unwrap().clone());
        item
    };
    let agent_message = |content: Value| json!({ "type": "agent_message", "author": "/root", "recipient": "/root/child", "content": content });
    vec![
        (json!("just text"), "model item in payload raw_payload:1 did not contain a string type"),
        (json!({ "role": "user", "content": [] }), "model item in payload raw_payload:1 did not contain a string type"),
        (json!({ "type": 7 }), "model item in payload raw_payload:1 did not contain a string type"),
        (
            json!({ "type": "new_unhandled_model_item" }),
            "unsupported model item type new_unhandled_model_item in payload raw_payload:1",
        ),
        (
            json!({ "type": "message", "content": [{ "type": "input_text", "text": "hi" }] }),
            "message item in payload raw_payload:1 did not contain a string role",
        ),
        (
            json!({ "type": "message", "role": 1, "content": [] }),
            "message item in payload raw_payload:1 did not contain a string role",
        ),
        (message("narrator", "hi"), "unsupported message role narrator in payload raw_payload:1"),
        (
            json!({ "type": "agent_message", "recipient": "/root/child", "content": [{ "type": "input_text", "text": "hi" }] }),
            "failed to parse agent_message item in payload raw_payload:1",
        ),
        (
            json!({ "type": "agent_message", "author": "/root", "content": [{ "type": "input_text", "text": "hi" }] }),
            "failed to parse agent_message item in payload raw_payload:1",
        ),
        (
            json!({ "type": "agent_message", "author": "/root", "recipient": "/root/child" }),
            "failed to parse agent_message item in payload raw_payload:1",
        ),
        (
            agent_message(json!([{ "type": "output_text", "text": "hi" }])),
            "failed to parse agent_message item in payload raw_payload:1",
        ),
        (
            agent_message(json!([{ "type": "input_text" }])),
            "failed to parse agent_message item in payload raw_payload:1",
        ),
        (agent_message(json!([])), "agent_message item in payload raw_payload:1 contained no content"),
        (reasoning(json!({ "content": "thinking" })), "reasoning item in payload raw_payload:1 had non-array content"),
        (reasoning(json!({ "summary": null })), "reasoning item in payload raw_payload:1 had non-array summary"),
        (
            reasoning(json!({ "summary": { "type": "summary_text" } })),
            "reasoning item in payload raw_payload:1 had non-array summary",
        ),
        (
            reasoning(json!({ "content": [{ "text": "t" }] })),
            "reasoning item in payload raw_payload:1 had content entry without string type",
        ),
        (
            reasoning(json!({ "summary": [{ "type": 1, "text": "t" }] })),
            "reasoning item in payload raw_payload:1 had summary entry without string type",
        ),
        (
            reasoning(json!({ "content": [{ "type": "summary_text", "text": "t" }] })),
            "reasoning item in payload raw_payload:1 had unsupported content type summary_text",
        ),
        (
            reasoning(json!({ "summary": [{ "type": "reasoning_text", "text": "t" }] })),
            "reasoning item in payload raw_payload:1 had unsupported summary type reasoning_text",
        ),
        (
            reasoning(json!({ "content": [{ "type": "reasoning_text" }] })),
            "reasoning item in payload raw_payload:1 had content entry without string text",
        ),
        (
            reasoning(json!({ "summary": [{ "type": "summary_text", "text": 5 }] })),
            "reasoning item in payload raw_payload:1 had summary entry without string text",
        ),
        (
            reasoning(json!({ "summary": [], "encrypted_content": 5 })),
            "reasoning item in payload raw_payload:1 had non-string encrypted_content",
        ),
        (
            reasoning(json!({})),
            "reasoning item in payload raw_payload:1 contained no content, summary, or encrypted_content",
        ),
        (
            reasoning(json!({ "content": null, "summary": [], "encrypted_content": null })),
            "reasoning item in payload raw_payload:1 contained no content, summary, or encrypted_content",
        ),
        (
            json!({ "type": "compaction" }),
            "compaction item in payload raw_payload:1 did not contain string encrypted_content",
        ),
        (
            json!({ "type": "compaction_summary", "encrypted_content": 5 }),
            "compaction item in payload raw_payload:1 did not contain string encrypted_content",
        ),
        (
            json!({ "type": "context_compaction", "encrypted_content": null }),
            "compaction item in payload raw_payload:1 did not contain string encrypted_content",
        ),
    ]
}

#[test]
fn request_items_that_cannot_be_normalized() {
    for (item, expected) in unnormalizable_items() {
        let mut trace = Trace::rooted();
        // A valid item first: the bad one is found wherever it sits.
        let seq = trace.request("inf-1", input(json!([message("user", "ok"), item])));
        trace.fails_with(expected, seq);
    }
}

#[test]
fn response_items_that_cannot_be_normalized() {
    let mut trace = Trace::rooted();
    trace.request("inf-1", input(json!([])));
    let seq = trace.complete("inf-1", Some("resp-1"), output(json!([message("narrator", "hi")])));
    trace.fails_with("unsupported message role narrator in payload raw_payload:2", seq);
}

/// `{"a":"xx…xé"}` with `xs` ASCII letters before the two-byte `é`.
fn arguments_with_e_acute_after(xs: usize) -> String {
    format!(r#"{{"a":"{}é"}}"#, "x".repeat(xs))
}

#[test]
fn json_summary_cut_inside_a_character_aborts_like_upstream() {
    // `{"a":"` is 6 bytes, so after 233 letters `é` takes bytes 239 and 240: the cut splits it.
    let mut trace = Trace::rooted();
    let seq = trace.request("inf-1", input(json!([function_call("call-1", &arguments_with_e_acute_after(233))])));
    let err = trace.error();
    assert!(err.message().contains("upstream aborts here"), "{}", err.message());
    assert!(err.message().contains("raw_payload:1"), "{}", err.message());
    assert_eq!(err.seq, Some(seq));

    // Control: one letter more and the cut falls exactly before `é`.
    let mut trace = Trace::rooted();
    trace.request("inf-1", input(json!([function_call("call-1", &arguments_with_e_acute_after(234))])));
    let replayed = trace.replay();
    let item = &replayed.trace.conversation_items["conversation_item:1"];
    let summary = serde_json::to_value(&item.body.parts[0]).unwrap()["summary"].as_str().unwrap().to_owned();
    assert_eq!(summary, format!(r#"{{"a":"{}..."#, "x".repeat(234)));
}
