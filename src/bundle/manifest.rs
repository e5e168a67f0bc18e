//! `manifest.json` (spec §A.2).

use serde::{Deserialize, Serialize};

pub const MANIFEST_FILE_NAME: &str = "manifest.json";
pub const RAW_EVENT_LOG_FILE_NAME: &str = "trace.jsonl";
pub const PAYLOADS_DIR_NAME: &str = "payloads";
pub const REDUCED_STATE_FILE_NAME: &str = "state.json";

/// All seven fields are required; the reducer ignores `raw_event_log` and `payloads_dir` and
/// never checks `schema_version`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub schema_version: u32,
    pub trace_id: String,
    pub rollout_id: String,
    pub root_thread_id: String,
    pub started_at_unix_ms: i64,
    pub raw_event_log: String,
    pub payloads_dir: String,
}

impl Manifest {
    /// A manifest as the upstream writer creates it.
    pub fn new(trace_id: &str, rollout_id: &str, root_thread_id: &str, started_at_unix_ms: i64) -> Self {
        Manifest {
            schema_version: 1,
            trace_id: trace_id.to_owned(),
            rollout_id: rollout_id.to_owned(),
            root_thread_id: root_thread_id.to_owned(),
            started_at_unix_ms,
            raw_event_log: RAW_EVENT_LOG_FILE_NAME.to_owned(),
            payloads_dir: PAYLOADS_DIR_NAME.to_owned(),
        }
    }
}
