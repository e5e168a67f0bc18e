//! The canonical form of a reduced graph: what two legal orders of one scenario must agree on.
//!
//! Counter-based ids depend on replay order, so they are renamed by what they are:
//! `conversation_item:N` becomes `item:<thread>:<position in the thread's list>` and
//! `terminal_operation:N` becomes `operation:<tool_call_id>`. Seq and wall-time values depend on
//! the order too; they become `"set"` (null stays null, so "ended or not" still compares).

use rustc_hash::FxHashMap as HashMap;
use serde_json::{Map, Value};

use crate::model::RolloutTrace;

/// The marker that replaces a seq or wall-time value.
pub const TIME_MARKER: &str = "set";

/// A canonical JSON value, with every object's keys sorted.
pub fn canonical_form(trace: &RolloutTrace) -> Value {
    let mut renames: HashMap<String, String> = HashMap::default();
    for thread in trace.threads.values() {
        for (position, item_id) in thread.conversation_item_ids.iter().enumerate() {
            renames.insert(item_id.to_string(), format!("item:{}:{position}", thread.thread_id));
        }
    }
    for operation in trace.terminal_operations.values() {
        renames.insert(operation.operation_id.to_string(), format!("operation:{}", operation.tool_call_id));
    }
    let value = serde_json::to_value(trace).expect("the reduced model always serializes");
    canonicalize(value, &renames, false)
}

fn is_order_dependent_key(key: &str) -> bool {
    key.ends_with("_seq") || key.ends_with("_unix_ms")
}

fn canonicalize(value: Value, renames: &HashMap<String, String>, time: bool) -> Value {
    match value {
        Value::Number(_) if time => Value::String(TIME_MARKER.to_owned()),
        Value::String(text) => Value::String(renames.get(&text).cloned().unwrap_or(text)),
        Value::Array(values) => Value::Array(values.into_iter().map(|v| canonicalize(v, renames, false)).collect()),
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map
                .into_iter()
                .map(|(key, value)| {
                    let time = is_order_dependent_key(&key);
                    (renames.get(&key).cloned().unwrap_or(key), canonicalize(value, renames, time))
                })
                .collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().collect::<Map<String, Value>>())
        }
        other => other,
    }
}
