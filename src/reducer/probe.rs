//! Timing of payload reads for `bench`, off unless a bench turns it on for its thread: payload
//! reads happen inside replay, so their phase can only be timed from here.

use std::cell::RefCell;
use std::time::Duration;

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

pub(super) fn on() -> bool {
    PROBE.with(|probe| probe.borrow().is_some())
}

pub(super) fn record(path: &str, took: Duration) {
    PROBE.with(|probe| {
        if let Some(probe) = probe.borrow_mut().as_mut() {
            probe.time += took;
            probe.paths.push(path.to_owned());
        }
    });
}
