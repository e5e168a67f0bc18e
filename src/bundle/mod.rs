//! The on-disk bundle format: manifest, event log, payload files (spec §A–§B).
//!
//! A [`Bundle`] is read from a directory (its log held whole, or opened to be streamed while
//! replaying) or built in memory; the reducer asks it for events and payloads and never opens
//! files itself.

mod ahead;
mod contain;
mod event;
mod log;
mod manifest;
mod payload_ref;
#[doc(hidden)]
pub mod probe;
mod read;
mod seen;
mod write;

pub use ahead::AheadOf;
pub use contain::{bundle_root, locate, locate_seen, resolve_inside, Inside, Outside};
pub use log::{
    line_event, log_lines, parse_event_log, parse_event_log_bounded, parse_line, EventStream, LineError, LogLine,
};
pub use read::{
    open_top_level, payload_file, read_log_file, read_regular, read_top_level, tree_size, LogBounds, ReadError,
};
pub use seen::SeenDirs;

pub use event::*;
pub use manifest::*;
pub use payload_ref::*;
pub use write::BundleWriter;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use crate::error::{Error, ErrorKind};

/// One parsed line of `trace.jsonl`, with its 1-based physical line number.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRecord {
    pub line: usize,
    pub event: RawTraceEvent,
}

/// Where payload bytes come from.
#[derive(Debug, Clone)]
pub enum PayloadStore {
    /// Files under a bundle directory (its canonical path), read on demand, each refused beyond
    /// `max_payload_bytes`.
    Dir { root: PathBuf, max_payload_bytes: Option<u64>, seen: Arc<SeenDirs> },
    /// Bytes keyed by the ref's bundle-relative `path`.
    Memory(BTreeMap<String, Vec<u8>>),
}

/// A whole bundle. Replay stops at `stop`: upstream reads the log line by line and aborts at the
/// first unreadable line, after handling every line before it.
#[derive(Debug, Clone)]
pub struct Bundle {
    pub manifest: Manifest,
    /// Empty in a bundle from [`Bundle::open_dir`], whose events are read only by [`Bundle::each_event`].
    pub events: Vec<EventRecord>,
    /// The first line that could not be read or parsed, if any; events after it are not kept.
    pub stop: Option<Error>,
    pub payloads: PayloadStore,
    /// `trace.jsonl`, opened and not yet read, in a bundle from [`Bundle::open_dir`].
    log: Option<log::LogFile>,
}

impl Bundle {
    /// A bundle held in memory, as the generators and tests build it.
    pub fn in_memory(manifest: Manifest, events: Vec<RawTraceEvent>, payloads: BTreeMap<String, Vec<u8>>) -> Self {
        let events = events.into_iter().enumerate().map(|(i, event)| EventRecord { line: i + 1, event }).collect();
        Bundle { manifest, events, stop: None, payloads: PayloadStore::Memory(payloads), log: None }
    }

    /// Hand each event to `handle` in log order, then say where reading stopped, if it did (the
    /// first unreadable line, located in `trace.jsonl`). A bundle from [`Bundle::open_dir`] reads
    /// its log here, line by line, each event dropped once handled; others hand out `events` and
    /// `stop`. The first error of `handle` ends the walk.
    pub fn each_event(
        &self,
        mut handle: impl FnMut(&EventRecord) -> Result<(), Error>,
    ) -> Result<Option<Error>, Error> {
        let Some(log) = &self.log else {
            self.events.iter().try_for_each(handle)?;
            return Ok(self.stop.clone());
        };
        for read in log.events() {
            match read {
                Ok(record) => handle(&record)?,
                Err(stop) => return Ok(Some(stop.with_file(log.path()))),
            }
        }
        Ok(None)
    }

    /// The bytes of a payload file, resolved strictly inside the bundle.
    pub fn payload_bytes(&self, payload: &RawPayloadRef) -> Result<Vec<u8>, Error> {
        match &self.payloads {
            PayloadStore::Dir { root, max_payload_bytes, seen } => {
                read::payload_file(root, payload, *max_payload_bytes, seen)
            }
            PayloadStore::Memory(files) => files.get(payload.path.as_str()).cloned().ok_or_else(|| {
                Error::new(ErrorKind::PayloadOpen(payload.raw_payload_id.clone()))
                    .with_detail(format!("no payload file at {}", payload.path))
            }),
        }
    }

    /// A payload parsed as JSON (`open payload` / `parse payload` errors as upstream); timed when
    /// this thread's [`probe`] is on.
    pub fn payload_json(&self, payload: &RawPayloadRef) -> Result<serde_json::Value, Error> {
        probe::timed(&payload.path, || self.parse_payload(payload))
    }

    fn parse_payload(&self, payload: &RawPayloadRef) -> Result<serde_json::Value, Error> {
        let read;
        let bytes = match &self.payloads {
            // Parsed where they lie: the suite replays each in-memory bundle several times.
            PayloadStore::Memory(files) if files.contains_key(payload.path.as_str()) => &files[payload.path.as_str()],
            _ => {
                read = self.payload_bytes(payload)?;
                &read
            }
        };
        parse_payload_bytes(payload, bytes)
    }

    /// A payload read ahead as bytes ([`Bundle::payload_bytes`]), parsed on this thread: trees
    /// parsed where they are used and freed are cheaper than trees handed across threads. The
    /// parse adds to this thread's [`probe`] time; the read already named the file.
    pub fn payload_json_from(
        &self,
        payload: &RawPayloadRef,
        read: Result<Vec<u8>, Error>,
    ) -> Result<serde_json::Value, Error> {
        probe::timed_more(|| parse_payload_bytes(payload, &read?))
    }

    /// The bundle directory, when it was read from disk.
    pub fn dir(&self) -> Option<&std::path::Path> {
        match &self.payloads {
            PayloadStore::Dir { root, .. } => Some(root),
            PayloadStore::Memory(_) => None,
        }
    }
}

/// A payload's bytes parsed as JSON (`parse payload` as upstream).
fn parse_payload_bytes(payload: &RawPayloadRef, bytes: &[u8]) -> Result<serde_json::Value, Error> {
    serde_json::from_slice(bytes).map_err(|e| {
        Error::new(ErrorKind::PayloadParse(payload.raw_payload_id.clone())).with_file(&payload.path).with_detail(e)
    })
}
