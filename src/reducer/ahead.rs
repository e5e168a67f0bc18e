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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::PayloadStore;
    use crate::generate::emit::emit_as;
    use crate::generate::large::scenario_with_events;
    use crate::reducer::conversation::normalize::SUMMARY_LIMIT;
    use crate::revision::Revision;

    fn generated() -> Bundle {
        let emitted = emit_as(&scenario_with_events(300, 5), Revision::default_revision());
        emitted.bundle(&emitted.causal_order())
    }

    fn payloads(bundle: &Bundle) -> Vec<RawPayloadRef> {
        bundle.events.iter().flat_map(|record| record.event.payload.payload_refs()).cloned().collect()
    }

    #[test]
    fn requests_are_normalized_ahead_and_other_payloads_cross_as_bytes() {
        let bundle = generated();
        let all = payloads(&bundle);
        let requests = all.iter().filter(|p| p.kind == RawPayloadKind::InferenceRequest).count();
        assert!(requests > 10 && requests < all.len());
        let mut normalized = 0;
        for payload in &all {
            match (payload.kind, read(&bundle, payload, SUMMARY_LIMIT)) {
                (RawPayloadKind::InferenceRequest, Ahead::Request(input)) => {
                    let (items, _) = input.unwrap();
                    let input = bundle.payload_json(payload).unwrap()["input"].as_array().unwrap().len();
                    assert!(items.len() <= input, "{}", payload.raw_payload_id);
                    normalized += items.len();
                }
                (RawPayloadKind::InferenceRequest, Ahead::Bytes(_)) => panic!("a request crossed as bytes"),
                (_, Ahead::Bytes(bytes)) => assert_eq!(bytes.unwrap(), bundle.payload_bytes(payload).unwrap()),
                (_, Ahead::Request(_)) => panic!("{:?} normalized as a request", payload.kind),
            }
        }
        assert!(normalized > requests, "requests carry their conversation");
    }

    #[test]
    fn replay_takes_the_payload_it_asks_for_from_those_read_ahead() {
        let bundle = generated();
        let others: Vec<RawPayloadRef> =
            payloads(&bundle).into_iter().filter(|p| p.kind != RawPayloadKind::InferenceRequest).collect();
        let request = payloads(&bundle).into_iter().find(|p| p.kind == RawPayloadKind::InferenceRequest).unwrap();
        let (first, second) = (&others[0], &others[1]);
        assert_ne!(bundle.payload_bytes(first).unwrap(), bundle.payload_bytes(second).unwrap());
        let replay = Replay::new(&bundle, &Default::default());
        let read_ahead = |payload: &RawPayloadRef| (payload.clone(), read(&bundle, payload, SUMMARY_LIMIT));
        *replay.ahead.borrow_mut() = vec![read_ahead(first), read_ahead(&request), read_ahead(second)];
        // An event may name several payloads: each is matched by its ref, not by its form alone.
        assert_eq!(replay.payload_json(second).unwrap(), bundle.payload_json(second).unwrap());
        assert_eq!(replay.ahead.borrow().len(), 2, "the payload taken is gone from those ahead");
        // The request read ahead in its normalized form is no answer to a request for its JSON.
        assert_eq!(replay.payload_json(&request).unwrap(), bundle.payload_json(&request).unwrap());
        assert_eq!(replay.ahead.borrow().len(), 2);
        let (items, _) = replay.request_input(&request).unwrap();
        assert_eq!(items, request_input(bundle.payload_json(&request).unwrap(), &request, SUMMARY_LIMIT).unwrap().0);
        assert_eq!(replay.payload_json(first).unwrap(), bundle.payload_json(first).unwrap());
        assert!(replay.ahead.borrow().is_empty());
    }

    #[test]
    fn a_bad_request_read_ahead_carries_the_error_replay_would_raise() {
        let mut bundle = generated();
        let request = payloads(&bundle).into_iter().find(|p| p.kind == RawPayloadKind::InferenceRequest).unwrap();
        for (body, expected) in [
            (r#"{"input": {}}"#, ErrorKind::RequestNonArrayInput(request.raw_payload_id.clone())),
            (r#"{"model": "m"}"#, ErrorKind::RequestMissingInput(request.raw_payload_id.clone())),
        ] {
            let PayloadStore::Memory(files) = &mut bundle.payloads else { unreachable!("generated in memory") };
            files.insert(request.path.to_string(), body.as_bytes().to_vec());
            let Ahead::Request(Err(error)) = read(&bundle, &request, SUMMARY_LIMIT) else {
                panic!("{body} read ahead")
            };
            assert_eq!(*error.kind, expected);
        }
    }
}
