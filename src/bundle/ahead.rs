//! Reading ahead of replay: while the reducer handles one event, a second thread reads and parses
//! the log lines after it and applies `read` to the payloads those events name (replay reads the
//! files' bytes there and parses them itself: a payload tree parsed on one thread and freed on
//! another cost more than the parse).
//!
//! Reading and parsing payload files was about half of a disk replay. Nothing read ahead changes
//! what replay sees: the events arrive in log order, each with its payloads already read, and the
//! walk stops where the log stops. A payload the reducer asks for later is read again then.

use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

use super::{probe, Bundle, EventRecord, RawPayloadRef};
use crate::error::Error;

/// Events handed over in batches: one channel message per event cost more than a small event's
/// handling.
const BATCH: usize = 32;
/// Batches in flight: enough to ride out stretches where one thread is slower than the other (4
/// left both threads waiting about a tenth of a 1M-event replay), few enough that memory holds
/// only a few thousand events' payloads.
const IN_FLIGHT: usize = 64;

/// One event and what `read` gave for each payload it names, in the order it names them.
pub type AheadOf<T> = (EventRecord, Vec<(RawPayloadRef, T)>);

type Batch<T> = Vec<Result<AheadOf<T>, Error>>;

impl Bundle {
    /// As [`Bundle::each_event`], each event handed over with `read` applied to every payload ref
    /// it carries. A bundle from [`Bundle::open_dir`] reads its log and those payloads on a
    /// second thread, ahead of `handle`; any other bundle reads nothing ahead (the list is
    /// empty) and `handle` reads what it needs itself.
    pub fn each_event_read_ahead<T: Send>(
        &self,
        read: impl Fn(&RawPayloadRef) -> T + Sync,
        mut handle: impl FnMut(&EventRecord, Vec<(RawPayloadRef, T)>) -> Result<(), Error>,
    ) -> Result<Option<Error>, Error> {
        let Some(log) = &self.log else {
            return self.each_event(|record| handle(record, Vec::new()));
        };
        // The read-ahead thread's reads are timed into this thread's probe, when it is on.
        let probed = probe::Shared::when_on();
        let read_ahead = |payload: &RawPayloadRef| probed.time(&payload.path, || read(payload));
        let walked = std::thread::scope(|scope| {
            let (batches, received) = sync_channel::<Batch<T>>(IN_FLIGHT);
            let spawned = std::thread::Builder::new()
                .name("read-ahead".to_owned())
                .spawn_scoped(scope, || read_log(self, &read_ahead, batches));
            if spawned.is_err() {
                // No second thread to be had: the same walk, on this one.
                return self.each_event(|record| handle(record, read_all(record, &read)));
            }
            let stop = hand_over(received, &mut handle)?;
            Ok(stop.map(|stop| stop.with_file(log.path())))
        });
        probed.merge();
        walked
    }
}

/// The producer: every event with its payloads read, then where the log stopped, if it did.
fn read_log<T>(bundle: &Bundle, read: &impl Fn(&RawPayloadRef) -> T, batches: SyncSender<Batch<T>>) {
    let Some(log) = &bundle.log else { return };
    let mut batch = Vec::with_capacity(BATCH);
    for event in log.events() {
        let ahead = event.map(|record| {
            let payloads = read_all(&record, read);
            (record, payloads)
        });
        batch.push(ahead);
        if batch.len() == BATCH {
            // A closed channel means replay stopped early: nothing more is wanted.
            if batches.send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH))).is_err() {
                return;
            }
        }
    }
    let _ = batches.send(batch);
}

fn read_all<T>(record: &EventRecord, read: &impl Fn(&RawPayloadRef) -> T) -> Vec<(RawPayloadRef, T)> {
    record.event.payload.payload_refs().into_iter().map(|payload| (payload.clone(), read(payload))).collect()
}

/// The consumer: each event to `handle` in order; the first error of `handle` ends the walk (the
/// receiver is dropped, so the producer stops at its next send).
fn hand_over<T>(
    received: Receiver<Batch<T>>,
    handle: &mut impl FnMut(&EventRecord, Vec<(RawPayloadRef, T)>) -> Result<(), Error>,
) -> Result<Option<Error>, Error> {
    for batch in received {
        for ahead in batch {
            match ahead {
                Ok((record, payloads)) => handle(&record, payloads)?,
                Err(stop) => return Ok(Some(stop)),
            }
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use crate::bundle::Bundle;
    use crate::error::{Error, ErrorKind};
    use crate::generate::emit::emit_as;
    use crate::generate::large::scenario_with_events;
    use crate::revision::Revision;

    /// A bundle of about 2,000 events on disk: many batches more than are ever in flight.
    fn long_bundle() -> (tempfile::TempDir, Bundle) {
        let emitted = emit_as(&scenario_with_events(2_000, 7), Revision::default_revision());
        let held = emitted.bundle(&emitted.causal_order());
        let dir = tempfile::tempdir().unwrap();
        held.write_dir(dir.path()).unwrap();
        (dir, held)
    }

    #[test]
    fn events_arrive_in_log_order_each_with_every_payload_it_names() {
        let (dir, held) = long_bundle();
        let opened = Bundle::open_dir(dir.path()).unwrap();
        let mut seen = Vec::new();
        let stop = opened
            .each_event_read_ahead(
                |payload| opened.payload_json(payload).is_ok(),
                |record, payloads| {
                    let names: Vec<_> = record.event.payload.payload_refs().into_iter().cloned().collect();
                    assert_eq!(payloads.iter().map(|(r, _)| r.clone()).collect::<Vec<_>>(), names);
                    assert!(payloads.iter().all(|(_, read)| *read), "every payload read at {}", record.line);
                    seen.push(record.clone());
                    Ok(())
                },
            )
            .unwrap();
        assert!(stop.is_none());
        assert_eq!(seen, held.events);
    }

    #[test]
    fn an_error_of_the_handler_ends_the_walk_and_the_reading_thread() {
        let (dir, _) = long_bundle();
        let opened = Bundle::open_dir(dir.path()).unwrap();
        let mut handled = 0;
        let result = opened.each_event_read_ahead(
            |_| (),
            |_, _| {
                handled += 1;
                match handled {
                    3 => Err(Error::new(ErrorKind::OtherEvent)),
                    _ => Ok(()),
                }
            },
        );
        // Returning at all proves the reading thread, blocked on a full channel, was let go.
        assert!(matches!(*result.unwrap_err().kind, ErrorKind::OtherEvent));
        assert_eq!(handled, 3);
    }

    #[test]
    fn a_bad_line_stops_the_walk_there_after_every_event_before_it() {
        let (dir, held) = long_bundle();
        let log = dir.path().join("trace.jsonl");
        let text = std::fs::read_to_string(&log).unwrap();
        let mut lines: Vec<&str> = text.lines().collect();
        lines.insert(1_000, "{not json");
        std::fs::write(&log, lines.join("\n") + "\n").unwrap();
        let opened = Bundle::open_dir(dir.path()).unwrap();
        let mut handled = 0;
        let count = |_: &_, _| {
            handled += 1;
            Ok(())
        };
        let stop = opened.each_event_read_ahead(|_| (), count).unwrap().unwrap();
        assert_eq!(handled, 1_000);
        assert_eq!(stop.line, Some(1_001));
        assert_eq!(stop.file.as_deref(), Some(log.as_path()));
        assert!(held.events.len() > 1_500);
    }
}
