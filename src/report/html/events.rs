//! The log as the timeline needs it: seq, line, wall time, type tag and thread of every event,
//! and the lookups that place reduced objects back on the events they came from.

use std::collections::{BTreeMap, HashMap};

use crate::bundle::{Bundle, RawPayload};

/// One event of `trace.jsonl`, without its payload.
#[derive(Debug, Clone)]
pub struct EventInfo {
    pub line: usize,
    pub seq: u64,
    pub wall: i64,
    pub kind: &'static str,
    /// The thread the event is about: the payload's own thread field when it has one, else the
    /// envelope's.
    pub thread: Option<String>,
}

#[derive(Debug, Default)]
pub struct Events {
    /// In file order.
    pub list: Vec<EventInfo>,
    by_seq: HashMap<u64, usize>,
    by_wall: BTreeMap<i64, Vec<usize>>,
    /// `compaction_installed` carries no seq into the reduced graph, so it is found here.
    installed: HashMap<String, usize>,
}

impl Events {
    pub fn new(bundle: &Bundle) -> Self {
        let mut events = Events::default();
        for (index, record) in bundle.events.iter().enumerate() {
            let event = &record.event;
            let thread = match &event.payload {
                RawPayload::ThreadStarted { thread_id, .. }
                | RawPayload::ThreadEnded { thread_id, .. }
                | RawPayload::CodexTurnStarted { thread_id, .. }
                | RawPayload::InferenceStarted { thread_id, .. }
                | RawPayload::CompactionRequestStarted { thread_id, .. } => Some(thread_id.clone()),
                RawPayload::AgentResultObserved { parent_thread_id, .. } => Some(parent_thread_id.clone()),
                _ => event.thread_id.clone(),
            };
            if let RawPayload::CompactionInstalled { compaction_id, .. } = &event.payload {
                events.installed.entry(compaction_id.to_string()).or_insert(index);
            }
            // A duplicated seq (an invalid bundle) keeps its first line.
            events.by_seq.entry(event.seq).or_insert(index);
            events.by_wall.entry(event.wall_time_unix_ms).or_default().push(index);
            events.list.push(EventInfo {
                line: record.line,
                seq: event.seq,
                wall: event.wall_time_unix_ms,
                kind: event.payload.type_name(),
                thread: thread.map(String::from),
            });
        }
        events
    }

    pub fn at_seq(&self, seq: u64) -> Option<&EventInfo> {
        self.by_seq.get(&seq).map(|&i| &self.list[i])
    }

    pub fn at_line(&self, line: usize) -> Option<&EventInfo> {
        self.list.binary_search_by_key(&line, |e| e.line).ok().map(|i| &self.list[i])
    }

    /// The lowest and highest seq in the log.
    pub fn seq_range(&self) -> Option<(u64, u64)> {
        let min = self.list.iter().map(|e| e.seq).min()?;
        let max = self.list.iter().map(|e| e.seq).max()?;
        Some((min, max))
    }

    pub fn compaction_installed(&self, compaction_id: &str) -> Option<&EventInfo> {
        self.installed.get(compaction_id).map(|&i| &self.list[i])
    }

    /// The event that first showed a conversation item. The reduced graph keeps only its wall
    /// time, so this is the first event at that time on the item's thread (or on any thread);
    /// when several events share a millisecond it may be a neighbour of the true one.
    pub fn first_seen(&self, wall: i64, thread: &str) -> Option<&EventInfo> {
        if let Some(at) = self.by_wall.get(&wall) {
            let on_thread = at.iter().find(|&&i| self.list[i].thread.as_deref() == Some(thread));
            return on_thread.or(at.first()).map(|&i| &self.list[i]);
        }
        self.by_wall.range(wall..).next().and_then(|(_, at)| at.first()).map(|&i| &self.list[i])
    }
}

/// `2026-01-01T00:00:00.001Z` for a wall time in Unix milliseconds.
pub fn wall_time(ms: i64) -> String {
    let (days, rest) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    let (year, month, day) = civil_from_days(days);
    let (h, m, s, milli) = (rest / 3_600_000, rest / 60_000 % 60, rest / 1000 % 60, rest % 1000);
    format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}.{milli:03}Z")
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::wall_time;

    #[test]
    fn wall_time_is_utc_iso() {
        assert_eq!(wall_time(1_767_225_600_001), "2026-01-01T00:00:00.001Z");
        assert_eq!(wall_time(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(wall_time(951_782_400_000), "2000-02-29T00:00:00.000Z");
    }
}
