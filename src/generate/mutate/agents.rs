//! Mutations of inter-agent deliveries: an agent result observed a second time with other
//! delivery data while it is pending, or once more after its notification was shown twice.

use serde_json::Value;

use super::targets::{payload_value, to_bytes};
use super::{Edit, MutationKind, Target};
use crate::bundle::RawPayload;
use crate::error::ErrorKind;
use crate::generate::emit::Emitted;

pub(super) fn target(emitted: &Emitted, kind: MutationKind) -> Option<Target> {
    match kind {
        MutationKind::ConflictingAgentResult => conflicting_agent_result(emitted),
        MutationKind::AgentResultToSecondCopy => agent_result_to_second_copy(emitted),
        _ => None,
    }
}

/// The first agent result is still pending right after it is observed (its parent shows it in a
/// later request), so a copy there merges into it, and must agree on its delivery data. Which
/// datum differs is picked by the stream's length: the child (hence author and source), the message (the
/// content), or the parent (the target thread).
fn conflicting_agent_result(emitted: &Emitted) -> Option<Target> {
    let (index, event) = emitted
        .events
        .iter()
        .enumerate()
        .find(|(_, event)| matches!(event.payload, RawPayload::AgentResultObserved { .. }))?;
    let mut copy = event.clone();
    let RawPayload::AgentResultObserved { edge_id, child_thread_id, parent_thread_id, message, .. } = &mut copy.payload
    else {
        unreachable!("found as an agent result")
    };
    let edge_id = edge_id.clone();
    // Not the target's position: the first result's position repeats across streams.
    match emitted.events.len() % 3 {
        // The parent is a known thread, so the author is found; the source becomes that thread.
        0 => *child_thread_id = parent_thread_id.clone(),
        1 => message.push_str(" (observed again)"),
        _ => *parent_thread_id = child_thread_id.clone(),
    }
    Some(Target {
        edit: Edit::Insert(index + 1, Box::new(copy)),
        payload: None,
        error: ErrorKind::PendingEdgeConflict(edge_id),
        fails_at: index + 1,
    })
}

/// The request that first shows an agent result's notification carries it twice; the result,
/// observed again right after that request, finds the second copy unlinked and resolves to it,
/// but its edge already targets the first: `interaction edge <id> was observed with conflicting
/// endpoints`.
fn agent_result_to_second_copy(emitted: &Emitted) -> Option<Target> {
    let events = &emitted.events;
    events.iter().enumerate().find_map(|(observed, event)| {
        let RawPayload::AgentResultObserved { edge_id, parent_thread_id, message, .. } = &event.payload else {
            return None;
        };
        let (request, mut value, path) = events.iter().enumerate().skip(observed + 1).find_map(|(index, later)| {
            let RawPayload::InferenceStarted { thread_id, request_payload, .. } = &later.payload else {
                return None;
            };
            let value = payload_value(emitted, request_payload).filter(|_| thread_id == parent_thread_id)?;
            shows(&value, message).then(|| (index, value, request_payload.path.clone()))
        })?;
        let input = value.get_mut("input")?.as_array_mut()?;
        let at = input.iter().position(|item| is_notification(item, message))?;
        let copy = input[at].clone();
        input.insert(at + 1, copy);
        Some(Target {
            edit: Edit::Insert(request + 1, Box::new(event.clone())),
            payload: Some((path, to_bytes(&value))),
            error: ErrorKind::EdgeEndpointConflict(edge_id.clone()),
            fails_at: request + 1,
        })
    })
}

fn is_notification(item: &Value, message: &str) -> bool {
    item["type"] == "agent_message" && item["content"][0]["text"].as_str() == Some(message)
}

fn shows(request: &Value, message: &str) -> bool {
    request["input"].as_array().is_some_and(|input| input.iter().any(|item| is_notification(item, message)))
}
