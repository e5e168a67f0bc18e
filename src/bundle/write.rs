//! Writing bundles the way the upstream writer does: payload files first, then the event line.

use std::collections::BTreeMap;
use std::path::Path;

use compact_str::{format_compact, CompactString};
use serde_json::Value;

use super::{
    Bundle, Manifest, RawPayload, RawPayloadKind, RawPayloadRef, RawTraceEvent, MANIFEST_FILE_NAME, PAYLOADS_DIR_NAME,
    RAW_EVENT_LOG_FILE_NAME,
};

/// Builds a bundle in memory; `finish` gives a [`Bundle`], `write_dir` puts it on disk.
#[derive(Debug, Clone)]
pub struct BundleWriter {
    manifest: Manifest,
    events: Vec<RawTraceEvent>,
    payloads: BTreeMap<String, Vec<u8>>,
    next_payload: u64,
}

impl BundleWriter {
    pub fn new(manifest: Manifest) -> Self {
        BundleWriter { manifest, events: Vec::new(), payloads: BTreeMap::new(), next_payload: 1 }
    }

    /// Store a payload as `payloads/<N>.json` (pretty JSON, no trailing newline) and return its ref.
    pub fn payload(&mut self, kind: RawPayloadKind, value: &Value) -> RawPayloadRef {
        let n = self.next_payload;
        self.next_payload += 1;
        let path = format!("{PAYLOADS_DIR_NAME}/{n}.json");
        let bytes = serde_json::to_vec_pretty(value).expect("a JSON value always serializes");
        self.payloads.insert(path.clone(), bytes);
        RawPayloadRef { raw_payload_id: format_compact!("raw_payload:{n}"), kind, path: path.into() }
    }

    /// Append an event with the next seq; wall time is `started_at + seq` unless given.
    pub fn event(&mut self, thread_id: Option<&str>, codex_turn_id: Option<&str>, payload: RawPayload) -> u64 {
        let seq = self.events.len() as u64 + 1;
        let wall = self.manifest.started_at_unix_ms + seq as i64;
        self.push(RawTraceEvent {
            schema_version: 1,
            seq,
            wall_time_unix_ms: wall,
            rollout_id: self.manifest.rollout_id.clone().into(),
            thread_id: thread_id.map(CompactString::from),
            codex_turn_id: codex_turn_id.map(CompactString::from),
            payload,
        });
        seq
    }

    /// Append a fully formed event as is.
    pub fn push(&mut self, event: RawTraceEvent) {
        self.events.push(event);
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    pub fn finish(self) -> Bundle {
        Bundle::in_memory(self.manifest, self.events, self.payloads)
    }
}

impl Bundle {
    /// The events as `trace.jsonl` holds them: one JSON object per line.
    pub fn event_log(&self) -> std::io::Result<Vec<u8>> {
        let mut log = Vec::new();
        for record in &self.events {
            serde_json::to_writer(&mut log, &record.event).map_err(std::io::Error::other)?;
            log.push(b'\n');
        }
        Ok(log)
    }

    /// Write this bundle to `dir` (created if needed). Only in-memory bundles and events are
    /// written; a directory-backed bundle copies the payload files its events name.
    pub fn write_dir(&self, dir: impl AsRef<Path>) -> std::io::Result<()> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir.join(PAYLOADS_DIR_NAME))?;
        let manifest = serde_json::to_vec_pretty(&self.manifest).map_err(std::io::Error::other)?;
        std::fs::write(dir.join(MANIFEST_FILE_NAME), manifest)?;
        std::fs::write(dir.join(RAW_EVENT_LOG_FILE_NAME), self.event_log()?)?;
        match &self.payloads {
            super::PayloadStore::Memory(files) => {
                for (path, bytes) in files {
                    let target = dir.join(path);
                    if let Some(parent) = target.parent() {
                        std::fs::create_dir_all(parent)?;
                    }
                    std::fs::write(target, bytes)?;
                }
            }
            super::PayloadStore::Dir { .. } => {
                for record in &self.events {
                    for payload in record.event.payload.payload_refs() {
                        if let Ok(bytes) = self.payload_bytes(payload) {
                            let target = dir.join(&payload.path);
                            if let Some(parent) = target.parent() {
                                std::fs::create_dir_all(parent)?;
                            }
                            std::fs::write(target, bytes)?;
                        }
                    }
                }
            }
        }
        Ok(())
    }
}
