//! The reducer's hot inner pieces: `cargo bench --bench reducer`. Short runs by design: these
//! compare a change against its parent on one machine at one moment, not absolute speed.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use serde_json::{json, Value};

use rollout_conformance::bundle::Bundle;
use rollout_conformance::canon::canonical_form;
use rollout_conformance::generate::emit::emit_as;
use rollout_conformance::generate::large::scenario_with_events;
use rollout_conformance::model::RolloutTrace;
use rollout_conformance::reducer::conversation::normalize::{json_summary, normalize_items, SUMMARY_LIMIT};
use rollout_conformance::reducer::conversation::reconcile_full_requests;
use rollout_conformance::reducer::replay;
use rollout_conformance::revision::Revision;

// As the binary does: allocation is a large part of a reduction (see src/main.rs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A request input of `n` items mixing the kinds a conversation carries.
fn request_items(n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| match i % 4 {
            0 => json!({"type": "message", "role": "user", "content": [{"type": "input_text", "text": format!("question {i} ").repeat(8)}]}),
            1 => json!({"type": "function_call", "call_id": format!("call_{i}"), "name": "shell", "arguments": format!("{{\"command\":[\"ls\",\"-la\",\"dir{i}\"],\"timeout_ms\":{i}}}")}),
            2 => json!({"type": "function_call_output", "call_id": format!("call_{}", i - 1), "output": format!("line {i}\n").repeat(20)}),
            _ => json!({"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": format!("answer {i} ").repeat(8)}]}),
        })
        .collect()
}

fn generated_trace() -> (Bundle, RolloutTrace) {
    let emitted = emit_as(&scenario_with_events(2_000, 0), Revision::default_revision());
    let bundle = emitted.bundle(&emitted.causal_order());
    let trace = replay(&bundle).expect("generated bundles reduce").trace;
    (bundle, trace)
}

fn benches(c: &mut Criterion) {
    let items = request_items(200);
    c.bench_function("normalize 200 items", |b| {
        b.iter_batched(
            || items.clone(),
            |items| normalize_items(items, "raw_payload:1", SUMMARY_LIMIT),
            BatchSize::SmallInput,
        )
    });

    let nested = json!({"command": ["bash", "-lc", "cargo test --release".repeat(4)], "env": {"A": "1", "B": [1, 2.5, null, true]}, "workdir": "/tmp/x".repeat(20)});
    c.bench_function("json summary", |b| b.iter(|| json_summary(&nested, "raw_payload:1", SUMMARY_LIMIT)));

    // 40 full requests, each one item longer than the last, as a conversation grows; every
    // third request reorders its first two items so the search by match key runs too.
    let normalized = normalize_items(request_items(80), "raw_payload:1", SUMMARY_LIMIT).expect("items normalize");
    let requests: Vec<_> = (40..80)
        .map(|n| {
            let mut request = normalized[..n].to_vec();
            if n % 3 == 0 {
                request.swap(0, 1);
            }
            request
        })
        .collect();
    let (bundle, trace) = generated_trace();
    c.bench_function("reconcile 40 growing full requests", |b| b.iter(|| reconcile_full_requests(&bundle, &requests)));

    c.bench_function("canonical form (2k events)", |b| b.iter(|| canonical_form(&trace)));
    c.bench_function("state.json to a sink (2k events)", |b| b.iter(|| trace.write_state_json(&mut std::io::sink())));
}

criterion_group! {
    name = reducer;
    config = Criterion::default().sample_size(10).warm_up_time(Duration::from_millis(300)).measurement_time(Duration::from_secs(2));
    targets = benches
}
criterion_main!(reducer);
