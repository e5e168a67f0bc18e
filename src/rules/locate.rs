//! The event of the log a reduced fact came from, through indexes built once per bundle so that
//! locating every leftover stays linear. A broken bundle may repeat a seq, so a lookup by seq
//! prefers the first record that also has the expected type.

use std::collections::HashMap;

use super::Location;
use crate::bundle::{Bundle, EventRecord, RawPayload};

pub struct Events<'b> {
    records: &'b [EventRecord],
    by_seq: HashMap<u64, Vec<usize>>,
    /// Per tool call, its `tool_call_runtime_started` and `tool_call_runtime_ended` records in order.
    tool_runtime: HashMap<&'b str, Vec<usize>>,
    /// Per edge id, the first `agent_result_observed` that names it.
    agent_result: HashMap<&'b str, usize>,
    /// Per compaction id, the last `compaction_installed` that names it.
    compaction_installed: HashMap<&'b str, usize>,
}

impl<'b> Events<'b> {
    pub fn new(bundle: &'b Bundle) -> Self {
        let records = bundle.events.as_slice();
        let mut events = Events {
            records,
            by_seq: HashMap::new(),
            tool_runtime: HashMap::new(),
            agent_result: HashMap::new(),
            compaction_installed: HashMap::new(),
        };
        for (index, record) in records.iter().enumerate() {
            events.by_seq.entry(record.event.seq).or_default().push(index);
            match &record.event.payload {
                RawPayload::ToolCallRuntimeStarted { tool_call_id, .. }
                | RawPayload::ToolCallRuntimeEnded { tool_call_id, .. } => {
                    events.tool_runtime.entry(tool_call_id).or_default().push(index)
                }
                RawPayload::AgentResultObserved { edge_id, .. } => {
                    events.agent_result.entry(edge_id).or_insert(index);
                }
                RawPayload::CompactionInstalled { compaction_id, .. } => {
                    events.compaction_installed.insert(compaction_id, index);
                }
                _ => {}
            }
        }
        events
    }

    /// The first record with `seq` and payload type `type_name`, else the first with `seq`.
    pub fn by_seq(&self, seq: u64, type_name: &str) -> Option<&'b EventRecord> {
        let indexes = self.by_seq.get(&seq)?;
        let records = indexes.iter().map(|&i| &self.records[i]);
        records.clone().find(|record| record.event.payload.type_name() == type_name).or_else(|| records.clone().next())
    }

    /// The runtime start and end records of a tool call, in file order.
    pub fn tool_runtime(&self, tool_call_id: &str) -> impl Iterator<Item = &'b EventRecord> + '_ {
        self.tool_runtime.get(tool_call_id).into_iter().flatten().map(|&i| &self.records[i])
    }

    pub fn agent_result(&self, edge_id: &str) -> Option<&'b EventRecord> {
        self.agent_result.get(edge_id).map(|&i| &self.records[i])
    }

    pub fn compaction_installed(&self, compaction_id: &str) -> Option<&'b EventRecord> {
        self.compaction_installed.get(compaction_id).map(|&i| &self.records[i])
    }
}

/// Where `record` is in the log; the bundle as a whole when no record was found.
pub fn at(record: Option<&EventRecord>) -> Location {
    record.map_or_else(Location::bundle, |record| Location::event(record.line, Some(record.event.seq)))
}
