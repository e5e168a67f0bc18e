//! The inference-timing revision's stream events: response created and first delta between an
//! inference's start and its terminal event, and the server times of its completion.

use compact_str::format_compact;

use super::{Emitter, HbRule, Tag};
use crate::bundle::{RawPayload, ServerTime};
use crate::generate::facts::TimingFact;
use crate::generate::scenario::Outcome;

/// Server times are whole seconds × 1000, as the producer converts them.
const SERVER_EPOCH_MS: i64 = 1_700_000_000_000;

/// What one attempt's stream wrote, for its terminal event and the tools its response asked for.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Stream {
    /// The last stream event, which the terminal event follows.
    pub last: Option<usize>,
    /// The first delta, which the response's tools follow.
    pub first_delta: Option<usize>,
    /// The server creation time the created event carried.
    created_server: Option<i64>,
    created_response_id: bool,
    created: bool,
    /// A failed or cancelled call's second created event (a retried attempt): its server time.
    second_created_server: Option<i64>,
}

impl Emitter {
    /// Response created (unless the attempt failed before the provider answered), then the first
    /// delta when any output was streamed. Varied by `n` so that ids and server times are
    /// sometimes null.
    pub(super) fn inference_stream(
        &mut self,
        thread: &str,
        turn: &str,
        call: &str,
        started: usize,
        n: u64,
        outcome: &Outcome,
    ) -> Stream {
        let mut stream = Stream::default();
        if !self.timing {
            return stream;
        }
        let streamed = matches!(
            outcome,
            Outcome::Completed | Outcome::Failed { partial: true } | Outcome::Cancelled { partial: true }
        );
        if streamed || !n.is_multiple_of(3) {
            let created_server = n.is_multiple_of(2).then(|| SERVER_EPOCH_MS + n as i64 * 1000);
            let response_id = n.is_multiple_of(2).then(|| format_compact!("resp-{n}"));
            stream.created_response_id = response_id.is_some();
            stream.created_server = created_server;
            let payload = RawPayload::InferenceResponseCreated {
                inference_call_id: call.into(),
                response_id,
                server_created_at_unix_ms: created_server,
            };
            let created =
                self.push(Some(thread), Some(turn), payload, Tag::Plain, vec![(started, HbRule::InferenceStream)]);
            stream.last = Some(created);
            stream.created = true;
        }
        if streamed {
            let after = stream.last.unwrap_or(started);
            let payload = RawPayload::InferenceFirstDelta { inference_call_id: call.into() };
            let delta =
                self.push(Some(thread), Some(turn), payload, Tag::Plain, vec![(after, HbRule::InferenceStream)]);
            stream.last = Some(delta);
            stream.first_delta = Some(delta);
        }
        // A call that did not complete may have been retried: a second created event, with an id
        // and a server time, fills only what the first left null.
        if let (Some(last), false) = (stream.last.filter(|_| stream.created), *outcome == Outcome::Completed) {
            let server = SERVER_EPOCH_MS + n as i64 * 1000 + 1000;
            let payload = RawPayload::InferenceResponseCreated {
                inference_call_id: call.into(),
                response_id: Some(format_compact!("resp-{n}-retry")),
                server_created_at_unix_ms: Some(server),
            };
            let second =
                self.push(Some(thread), Some(turn), payload, Tag::Plain, vec![(last, HbRule::InferenceStream)]);
            stream.last = Some(second);
            stream.second_created_server = Some(server);
        }
        stream
    }

    /// The server times a completed event carries, and the call's expected timing.
    pub(super) fn completion_server_times(
        &mut self,
        call: &str,
        n: u64,
        stream: Stream,
        completed: bool,
        response_id: &str,
    ) -> (Option<ServerTime>, Option<ServerTime>) {
        if !self.timing {
            return (None, None);
        }
        let created = (completed && n % 3 != 1).then(|| SERVER_EPOCH_MS + n as i64 * 1000);
        let done = completed.then(|| SERVER_EPOCH_MS + n as i64 * 1000 + 2000);
        let fact = TimingFact {
            response_created: stream.created,
            first_delta: stream.first_delta.is_some(),
            response_completed: completed,
            server_response_created_at_unix_ms: created.or(stream.created_server).or(stream.second_created_server),
            server_response_completed_at_unix_ms: done,
            // Failed and cancelled calls keep the first id a created event gave them.
            response_id: match completed {
                true => Some(response_id.into()),
                false if stream.created_response_id => Some(response_id.into()),
                false => stream.second_created_server.map(|_| format_compact!("{response_id}-retry")),
            },
        };
        self.facts.timing.insert(call.into(), fact);
        (created.map(ServerTime::Millis), done.map(ServerTime::Millis))
    }
}
