//! Timing of payload reads for `bench`, off unless a bench turns it on for its thread: payload
//! reads happen inside replay (most on its read-ahead thread), so their phase can only be timed
//! from here. Read-ahead time overlaps the reduction; the bench reports it as such.

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

fn record(path: &str, took: Duration) {
    PROBE.with(|probe| {
        if let Some(probe) = probe.borrow_mut().as_mut() {
            probe.time += took;
            probe.paths.push(path.to_owned());
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
    record(path, started.elapsed());
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
