//! A dozen fixed-seed generated scenarios and their reference reductions, as insta snapshots, so
//! a change to the generators or the reducer shows up in review. `gen --seed N --size S` writes
//! the same bundles (bundle index 0).

use rollout_conformance::generate::scenario::Size;
use rollout_conformance::generate::seeded;
use rollout_conformance::reducer::{replay, replay_with, ReplayOptions};
use rollout_conformance::revision::{Revision, INFERENCE_TIMING};

fn golden(seed: u64, size: Size, size_name: &str) {
    let emitted = seeded::emitted(seed, 0, size);
    let replayed = replay(&emitted.bundle(&emitted.causal_order())).expect("generated streams are valid");
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.set_info(&format!("gen --seed {seed} --size {size_name}: {} events", emitted.events.len()));
    settings.bind(|| {
        insta::assert_snapshot!(format!("generated__seed_{seed:02}_{size_name}"), replayed.trace.to_state_json())
    });
}

macro_rules! goldens {
    ($($name:ident: $seed:expr, $size:ident, $size_name:expr;)*) => {
        $(
            #[test]
            fn $name() {
                golden($seed, Size::$size, $size_name);
            }
        )*
    };
}

goldens! {
    seed_01_tiny: 1, TINY, "tiny";
    seed_02_tiny: 2, TINY, "tiny";
    seed_03_tiny: 3, TINY, "tiny";
    seed_04_tiny: 4, TINY, "tiny";
    seed_05_tiny: 5, TINY, "tiny";
    seed_06_tiny: 6, TINY, "tiny";
    seed_07_tiny: 7, TINY, "tiny";
    seed_08_tiny: 8, TINY, "tiny";
    seed_09_medium: 9, MEDIUM, "medium";
    seed_10_medium: 10, MEDIUM, "medium";
    seed_11_medium: 11, MEDIUM, "medium";
    seed_12_medium: 12, MEDIUM, "medium";
}

/// Under inference-timing, a bundle without timing events (a bc8b25ea02 producer's) reduces to
/// the default revision's state plus a default `timing` object on every call, and nothing else.
#[test]
fn old_producer_bundles_gain_only_default_timing_under_inference_timing() {
    let mut calls = 0;
    for (seed, size) in [(1, Size::TINY), (2, Size::MEDIUM), (3, Size::MEDIUM), (4, Size::LARGE)] {
        let emitted = seeded::emitted(seed, 0, size);
        let bundle = emitted.bundle(&emitted.causal_order());
        let default = replay(&bundle).expect("generated streams are valid");
        let timed = replay_with(&bundle, &ReplayOptions::revision(&INFERENCE_TIMING)).expect("valid under timing");
        let mut stripped = timed.trace.clone();
        for call in stripped.inference_calls.values_mut() {
            let timing = call.timing.take().expect("every call has timing under inference-timing");
            let ended = bundle.events.iter().find(|r| {
                matches!(&r.event.payload, rollout_conformance::bundle::RawPayload::InferenceCompleted { inference_call_id, .. }
                    if inference_call_id == call.inference_call_id)
            });
            let expected = rollout_conformance::model::InferenceTiming {
                request_started_at_unix_ms: call.execution.started_at_unix_ms,
                response_completed_at_unix_ms: ended.map(|r| r.event.wall_time_unix_ms),
                ..Default::default()
            };
            assert_eq!(timing, expected, "{}", call.inference_call_id);
            calls += 1;
        }
        assert_eq!(stripped.to_state_json(), default.trace.to_state_json(), "seed {seed}");
        assert_eq!(timed.leftovers, default.leftovers);
    }
    assert!(calls > 10, "too few inference calls to mean anything: {calls}");
}

/// The same scenarios written by an inference-timing producer: the default revision refuses them
/// with the detection error, and the timing revision fills the timing of every call.
#[test]
fn timing_streams_need_the_timing_revision() {
    let emitted = seeded::emitted_as(2, 0, Size::MEDIUM, &INFERENCE_TIMING);
    let bundle = emitted.bundle(&emitted.causal_order());
    let err = replay_with(&bundle, &ReplayOptions::revision(Revision::default_revision())).unwrap_err();
    assert!(err.message().starts_with("parse trace event line "), "{}", err.message());
    assert!(err.detail.unwrap_or_default().contains("--revision inference-timing"));
    let timed = replay_with(&bundle, &ReplayOptions::revision(&INFERENCE_TIMING)).unwrap();
    let problems = emitted.facts.check(&timed.trace, &timed.leftovers);
    assert!(problems.is_empty(), "{problems:?}");
    assert!(timed
        .trace
        .inference_calls
        .values()
        .any(|c| c.timing.as_ref().is_some_and(|t| t.first_delta_seq.is_some())));
}
