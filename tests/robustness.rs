//! No input makes the reducer panic: generated bundles with one event field or one payload file
//! replaced by arbitrary JSON either reduce or fail with an error.

use std::collections::BTreeMap;

use proptest::prelude::*;
use rollout_conformance::bundle::{Bundle, RawTraceEvent};
use rollout_conformance::generate::emit::emit;
use rollout_conformance::generate::scenario::{scenario, Size};
use rollout_conformance::reducer::replay;
use serde_json::Value;

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1e6f64..1e6).prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
        Just(Value::String("019d0000-0000-7000-8000-000000000001".to_owned())),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Every leaf path of a JSON value, as keys and indexes.
fn leaves(value: &Value, path: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match value {
        Value::Object(map) => map.iter().for_each(|(k, v)| {
            path.push(k.clone());
            leaves(v, path, out);
            path.pop();
        }),
        Value::Array(items) => items.iter().enumerate().for_each(|(i, v)| {
            path.push(i.to_string());
            leaves(v, path, out);
            path.pop();
        }),
        _ => out.push(path.clone()),
    }
}

fn replace_at(value: &mut Value, path: &[String], with: Value) {
    match path.split_first() {
        None => *value = with,
        Some((head, rest)) => {
            let next = match value {
                Value::Object(map) => map.get_mut(head),
                Value::Array(items) => head.parse::<usize>().ok().and_then(|i| items.get_mut(i)),
                _ => None,
            };
            if let Some(next) = next {
                replace_at(next, rest, with);
            }
        }
    }
}

/// 128 cases in `cargo test`; `PROPTEST_CASES` raises it.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(128)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn corrupted_event_fields_never_panic(
        scenario in scenario(Size::TINY),
        pick in any::<prop::sample::Index>(),
        leaf in any::<prop::sample::Index>(),
        with in json_value(),
    ) {
        let emitted = emit(&scenario);
        let bundle = emitted.bundle(&emitted.causal_order());
        let mut events: Vec<Value> = bundle.events.iter().map(|r| serde_json::to_value(&r.event).unwrap()).collect();
        let target = pick.index(events.len());
        let mut paths = Vec::new();
        leaves(&events[target], &mut Vec::new(), &mut paths);
        replace_at(&mut events[target], &paths[leaf.index(paths.len())], with);
        // A corrupted line that no longer parses is the bundle reader's error, not the reducer's.
        let parsed: Result<Vec<RawTraceEvent>, _> = events.into_iter().map(serde_json::from_value).collect();
        if let Ok(events) = parsed {
            let payloads = emitted.payloads.clone();
            let _ = replay(&Bundle::in_memory(bundle.manifest.clone(), events, payloads));
        }
    }

    #[test]
    fn corrupted_payload_files_never_panic(
        scenario in scenario(Size::TINY),
        pick in any::<prop::sample::Index>(),
        with in json_value(),
        raw in prop::option::of(prop::collection::vec(any::<u8>(), 0..32)),
    ) {
        let emitted = emit(&scenario);
        let mut payloads: BTreeMap<String, Vec<u8>> = emitted.payloads.clone();
        let paths: Vec<String> = payloads.keys().cloned().collect();
        let target = &paths[pick.index(paths.len())];
        let bytes = raw.unwrap_or_else(|| serde_json::to_vec(&with).unwrap());
        payloads.insert(target.clone(), bytes);
        let bundle = emitted.bundle(&emitted.causal_order());
        let events = bundle.events.iter().map(|r| r.event.clone()).collect();
        let _ = replay(&Bundle::in_memory(bundle.manifest.clone(), events, payloads));
    }
}
