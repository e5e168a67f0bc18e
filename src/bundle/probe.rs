//! Timing of payload reads for `bench`, off unless a bench turns it on for its thread: replay
//! reads payloads through [`Bundle::payload_json`](super::Bundle::payload_json), or reads their
//! bytes on its read-ahead thread and parses them through
//! [`Bundle::payload_json_from`](super::Bundle::payload_json_from), so their phase can only be
//! timed here. Read-ahead time overlaps the reduction; the bench reports it as such.

use std::cell::RefCell;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// What the payload reads of one replay cost, and which payloads it read, in order.
#[derive(Debug, Default)]
pub struct PayloadProbe {
    pub time: Duration,
    pub paths: Vec<String>,
}

thread_local! {
    static PROBE: RefCell<Option<PayloadProbe>> = const { RefCell::new(None) };
}

/// Start recording payload reads on this thread (dropping any earlier record).
pub fn start() {
    PROBE.with(|probe| *probe.borrow_mut() = Some(PayloadProbe::default()));
}

/// Stop recording and return what was recorded since [`start`].
pub fn take() -> Option<PayloadProbe> {
    PROBE.with(|probe| probe.borrow_mut().take())
}

fn on() -> bool {
    PROBE.with(|probe| probe.borrow().is_some())
}

/// Time spent, and the payload it read when it was a read.
fn record(path: Option<&str>, took: Duration) {
    PROBE.with(|probe| {
        if let Some(probe) = probe.borrow_mut().as_mut() {
            probe.time += took;
            probe.paths.extend(path.map(str::to_owned));
        }
    });
}

/// A read on this thread, recorded when the probe is on.
pub(super) fn timed<T>(path: &str, read: impl FnOnce() -> T) -> T {
    if !on() {
        return read();
    }
    let started = Instant::now();
    let value = read();
    record(Some(path), started.elapsed());
    value
}

/// More time for a payload already recorded: its parse on this thread, after a read ahead.
pub(super) fn timed_more<T>(parse: impl FnOnce() -> T) -> T {
    if !on() {
        return parse();
    }
    let started = Instant::now();
    let value = parse();
    record(None, started.elapsed());
    value
}

/// What reads on another thread (the read-ahead) record, when this thread's probe is on; merged
/// into this thread's record at the end.
pub(super) struct Shared(Option<Mutex<PayloadProbe>>);

impl Shared {
    pub(super) fn when_on() -> Self {
        Shared(on().then(|| Mutex::new(PayloadProbe::default())))
    }

    pub(super) fn time<T>(&self, path: &str, read: impl FnOnce() -> T) -> T {
        let Some(shared) = &self.0 else { return read() };
        let started = Instant::now();
        let value = read();
        let took = started.elapsed();
        let mut shared = shared.lock().unwrap_or_else(PoisonError::into_inner);
        shared.time += took;
        shared.paths.push(path.to_owned());
        value
    }

    pub(super) fn merge(self) {
        let Some(shared) = self.0 else { return };
        let shared = shared.into_inner().unwrap_or_else(PoisonError::into_inner);
        PROBE.with(|probe| {
            if let Some(probe) = probe.borrow_mut().as_mut() {
                probe.time += shared.time;
                probe.paths.extend(shared.paths);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use crate::bundle::Bundle;
    use crate::generate::emit::emit_as;
    use crate::generate::large::scenario_with_events;
    use crate::reducer::replay;
    use crate::revision::Revision;

    #[test]
    fn a_probe_records_every_payload_read_on_either_thread_and_only_when_on() {
        let emitted = emit_as(&scenario_with_events(300, 3), Revision::default_revision());
        let held = emitted.bundle(&emitted.causal_order());
        let named: BTreeSet<String> =
            held.events.iter().flat_map(|r| r.event.payload.payload_refs()).map(|p| p.path.to_string()).collect();
        let dir = tempfile::tempdir().unwrap();
        held.write_dir(dir.path()).unwrap();

        super::start();
        replay(&held).unwrap();
        let in_memory = super::take().expect("started");
        assert!(!in_memory.paths.is_empty(), "an in-memory replay reads on this thread");
        assert!(in_memory.time > std::time::Duration::ZERO);

        super::start();
        replay(&Bundle::open_dir(dir.path()).unwrap()).unwrap();
        replay(&held).unwrap();
        let probed = super::take().expect("started");
        let paths: BTreeSet<String> = probed.paths.iter().cloned().collect();
        assert_eq!(paths, named, "the read-ahead's reads and the in-memory reads");
        // The read-ahead reads every named payload; replay from memory reads only those it uses.
        assert!(probed.paths.len() > named.len(), "both replays recorded");
        assert!(probed.time > std::time::Duration::ZERO);

        replay(&held).unwrap();
        assert!(super::take().is_none(), "nothing recorded once taken");
    }

    #[test]
    fn a_parse_after_a_read_ahead_adds_its_time_and_names_no_file() {
        let pause = std::time::Duration::from_millis(5);
        super::start();
        super::timed_more(|| std::thread::sleep(pause));
        let probed = super::take().expect("started");
        assert!(probed.time >= pause, "{:?}", probed.time);
        assert!(probed.paths.is_empty());
    }
}
