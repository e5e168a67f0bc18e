//! Inference timing (revision addendum §4): response created, first delta and the timing fields
//! of completed calls; and what a revision that lacks them says about such events.

use super::{Ctx, Replay};
use crate::bundle::{RawPayload, ServerTime};
use crate::error::{Error, ErrorKind};
use crate::model::InferenceTiming;
use crate::revision::Revision;
use compact_str::CompactString;

/// The server times of one `inference_completed`, both already type-checked.
#[derive(Debug, Clone, Copy)]
pub struct ServerTimes {
    created: Option<i64>,
    completed: Option<i64>,
}

impl Replay<'_> {
    pub(super) fn inference_response_created(
        &mut self,
        ctx: Ctx,
        inference_call_id: &str,
        response_id: &Option<CompactString>,
        server_created_at_unix_ms: Option<i64>,
    ) -> Result<(), Error> {
        let Some(call) = self.trace.inference_calls.get_mut(inference_call_id) else {
            return Err(ErrorKind::ResponseCreatedUnknownCall(inference_call_id.into()).into());
        };
        // No status or context checks: a created event after the call ended still applies (§4.2).
        if let Some(timing) = call.timing.as_mut() {
            if timing.response_created_at_unix_ms.is_none() {
                timing.response_created_at_unix_ms = Some(ctx.wall);
                timing.response_created_seq = Some(ctx.seq);
            }
            // Independent of the pair above: a later event still fills a null server time.
            if timing.server_response_created_at_unix_ms.is_none() {
                timing.server_response_created_at_unix_ms = server_created_at_unix_ms;
            }
        }
        if call.response_id.is_none() && response_id.is_some() {
            call.response_id = response_id.clone();
            let thread_id = call.thread_id.clone();
            self.index.set_response_id(&thread_id, inference_call_id, None, response_id.as_deref());
        }
        Ok(())
    }

    pub(super) fn inference_first_delta(&mut self, ctx: Ctx, inference_call_id: &str) -> Result<(), Error> {
        let Some(call) = self.trace.inference_calls.get_mut(inference_call_id) else {
            return Err(ErrorKind::FirstDeltaUnknownCall(inference_call_id.into()).into());
        };
        if let Some(timing) = call.timing.as_mut().filter(|t| t.first_delta_at_unix_ms.is_none()) {
            timing.first_delta_at_unix_ms = Some(ctx.wall);
            timing.first_delta_seq = Some(ctx.seq);
        }
        Ok(())
    }
}

/// A completed event's timing, applied whether or not the call is still running (§4.4).
pub(super) fn completed(timing: &mut InferenceTiming, ctx: Ctx, server: ServerTimes) {
    timing.response_completed_at_unix_ms = Some(ctx.wall);
    if server.created.is_some() {
        timing.server_response_created_at_unix_ms = server.created;
    }
    // Last wins, null included.
    timing.server_response_completed_at_unix_ms = server.completed;
}

/// The server times of `inference_completed`, or the parse error the typed fields of the timing
/// revision give for a value that is not an i64 (§5.2). The serde position is not known here.
pub(super) fn server_times(
    ctx: Ctx,
    created: &Option<ServerTime>,
    completed: &Option<ServerTime>,
) -> Result<Option<ServerTimes>, Error> {
    let read = |time: &Option<ServerTime>| match time {
        None => Ok(None),
        Some(time) => time.millis().map(Some).map_err(|message| {
            Error::new(ErrorKind::TraceLineParse(ctx.line)).with_detail(format!("{message} (in inference_completed)"))
        }),
    };
    Ok(Some(ServerTimes { created: read(created)?, completed: read(completed)? }))
}

/// An event a later revision adds, under one that lacks it: upstream at that revision cannot
/// parse the line, so the top-level message is its parse error; the cause names the revision.
pub(super) fn newer_event(ctx: Ctx, revision: &Revision, payload: &RawPayload) -> Error {
    let event_type = payload.type_name();
    let hint = revision.newer_event_hint(event_type).unwrap_or_else(|| format!("unknown variant `{event_type}`"));
    Error::new(ErrorKind::TraceLineParse(ctx.line)).with_detail(format!("unknown variant `{event_type}`: {hint}"))
}

/// The serde variant list as the reader (which knows every revision's events) words it, and as
/// bc8b25ea02's 25 variants word it.
const ALL_VARIANTS_AROUND_TIMING: &str =
    "`inference_started`, `inference_response_created`, `inference_first_delta`, `inference_completed`";
const BC8B25EA02_VARIANTS_AROUND_TIMING: &str = "`inference_started`, `inference_completed`";

/// A line the reader stopped at, as the chosen revision's reader would describe it: a revision
/// without the timing events lists only its own variants in an unknown-variant message.
pub(super) fn stop_as_read_by(stop: &Error, revision: &Revision) -> Error {
    let mut stop = stop.clone();
    if !revision.timing {
        if let Some(detail) = stop.detail.as_mut() {
            if detail.contains(ALL_VARIANTS_AROUND_TIMING) {
                *detail = detail.replacen(ALL_VARIANTS_AROUND_TIMING, BC8B25EA02_VARIANTS_AROUND_TIMING, 1);
            }
        }
    }
    stop
}
