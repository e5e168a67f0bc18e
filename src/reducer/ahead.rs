//! Payloads read ahead of replay (`Bundle::each_event_read_ahead`). A request's input repeats the
//! conversation so far, so parsing and normalizing it was most of the payload work left on the
//! replay thread; the read-ahead thread does it and hands over the normalized items. Any other
//! payload is handed over as bytes and parsed where it is used (a `Value` tree parsed on one
//! thread and freed on another cost more than the parse).

use compact_str::CompactString;
use serde_json::Value;

use super::conversation::normalize::{normalize_items, NormalizedItem};
use super::Replay;
use crate::bundle::{Bundle, RawPayloadKind, RawPayloadRef};
use crate::error::{Error, ErrorKind};

/// A request payload's normalized `input` and its string `previous_response_id`, if any.
pub(super) type RequestInput = (Vec<NormalizedItem>, Option<CompactString>);

/// One payload file of an event, as the read-ahead thread left it.
pub(super) enum Ahead {
    Bytes(Result<Vec<u8>, Error>),
    Request(Result<RequestInput, Error>),
}

/// Each payload an event names, as read ahead.
pub(super) type PayloadsAhead = Vec<(RawPayloadRef, Ahead)>;

/// What the read-ahead thread does with one payload: the same work, with the same errors, that
/// replay would do when it asks for it.
pub(super) fn read(bundle: &Bundle, payload: &RawPayloadRef, summary_limit: usize) -> Ahead {
    let bytes = bundle.payload_bytes(payload);
    match payload.kind {
        RawPayloadKind::InferenceRequest => Ahead::Request(
            bundle.payload_json_from(payload, bytes).and_then(|v| request_input(v, payload, summary_limit)),
        ),
        _ => Ahead::Bytes(bytes),
    }
}

fn request_input(mut value: Value, payload: &RawPayloadRef, summary_limit: usize) -> Result<RequestInput, Error> {
    let id = &payload.raw_payload_id;
    let previous = value.get("previous_response_id").and_then(Value::as_str).map(CompactString::from);
    let input = match value.get_mut("input").map(Value::take) {
        None => return Err(ErrorKind::RequestMissingInput(id.clone()).into()),
        Some(Value::Array(input)) => input,
        Some(_) => return Err(ErrorKind::RequestNonArrayInput(id.clone()).into()),
    };
    Ok((normalize_items(input, id, summary_limit)?, previous))
}

impl Replay<'_> {
    /// A payload of the event being handled, parsed from the bytes read ahead; else (a payload of
    /// an earlier event, one read ahead in another form, or a bundle not read ahead) read now.
    pub(super) fn payload_json(&self, payload: &RawPayloadRef) -> Result<Value, Error> {
        match self.take_ahead(payload, |ahead| matches!(ahead, Ahead::Bytes(_))) {
            Some(Ahead::Bytes(bytes)) => self.bundle.payload_json_from(payload, bytes),
            _ => self.bundle.payload_json(payload),
        }
    }

    /// A request payload's input, as normalized ahead when it was; else normalized now.
    pub(super) fn request_input(&self, payload: &RawPayloadRef) -> Result<RequestInput, Error> {
        match self.take_ahead(payload, |ahead| matches!(ahead, Ahead::Request(_))) {
            Some(Ahead::Request(input)) => input,
            _ => request_input(self.payload_json(payload)?, payload, self.summary_limit()),
        }
    }

    fn take_ahead(&self, payload: &RawPayloadRef, wanted: impl Fn(&Ahead) -> bool) -> Option<Ahead> {
        let mut ahead = self.ahead.borrow_mut();
        let at = ahead.iter().position(|(read, form)| read == payload && wanted(form))?;
        Some(ahead.swap_remove(at).1)
    }
}
