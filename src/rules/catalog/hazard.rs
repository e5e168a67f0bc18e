//! Family 8, upstream hazards: bundles upstream mishandles although every event in them is legal.
//! A panic is an error (upstream reduces nothing); a result that hinges on the order of two
//! independent events is a warning, located at the event that raced.

use super::{Family, Rule, Severity};
use crate::error::ErrorKind;

pub static SUMMARY_CUT_PANIC: Rule = Rule {
    id: "RC8001",
    slug: "summary-cut-inside-character",
    family: Family::Hazard,
    severity: Severity::Error,
    title: "a JSON part summary would be cut inside a UTF-8 character: upstream panics",
    doc: "The reducer summarizes JSON item parts (function_call arguments and the like) by cutting their \
          compact serialization to 240 bytes. Upstream cuts at byte 240 without looking for a character \
          boundary, so when a multi-byte UTF-8 character spans that byte `codex debug trace-reduce` \
          panics and reduces nothing (open upstream issue openai/codex#34282). Nothing is wrong with the \
          bundle: any non-ASCII text around the 240th byte of a tool argument triggers it, depending only \
          on string lengths. There is no producer-side fix short of changing the text: the summary is \
          taken from the re-serialized value, so escaping characters in the payload file does not help. \
          Until upstream cuts on a character boundary, such a bundle cannot be reduced upstream; the \
          violation names the payload whose summary is cut.",
    hint: "upstream bug openai/codex#34282: this bundle cannot be reduced upstream until it is fixed",
    retired: false,
};

pub static TOOL_STARTED_BEFORE_RESPONSE: Rule = Rule {
    id: "RC8002",
    slug: "tool-started-before-response",
    family: Family::Hazard,
    // Info, not a warning: this is the usual production order, so nearly every real bundle shows it.
    severity: Severity::Info,
    title: "tool started before the response that carries its call: left out of tool_call_ids_started_by_response",
    doc: "Upstream lists a tool in its inference call's `tool_call_ids_started_by_response` only when the \
          `tool_call_started` comes after the `inference_completed` whose response holds the call item \
          (or a later full request shows the call again). Tools are usually dispatched while the \
          response still streams, so the start is often recorded first, and then the tool is never \
          listed: the field depends on which of two events reached the log first, not on what the model \
          did. This rule reports each tool start that raced ahead of its response and was left out. \
          Nothing needs fixing in the producer; a consumer should not rely on the field, and can recover \
          the link from `model_visible_call_item_ids` and the call's `response_item_ids`.",
    hint: "do not rely on tool_call_ids_started_by_response; join call items with response_item_ids",
    retired: false,
};

pub static LATE_INTERACTION_END_LOST: Rule = Rule {
    id: "RC8003",
    slug: "late-interaction-end-lost",
    family: Family::Hazard,
    severity: Severity::Warning,
    title: "send_message or followup end recorded after the recipient showed the message: the end is lost",
    doc: "A send_message or assign_agent_task edge is delivered when the recipient shows the message. \
          Upstream merges the sender's runtime end into the edge only while it is still pending; an end \
          recorded after delivery starts a new pending record that is dropped at the end of replay, so \
          the delivered edge keeps `ended_at_unix_ms` null and does not carry the end payload. Both \
          orders are legal (the threads run independently), so the result depends on a race. This rule \
          reports each runtime end that arrived too late. A producer that can order them should record \
          the sender's runtime end before the recipient's next request; otherwise read the tool call's \
          own status instead of the edge's end.",
    hint: "record the runtime end before the recipient's request, or read the tool call's status",
    retired: false,
};

pub static NESTED_TOOL_ORDER: Rule = Rule {
    id: "RC8004",
    slug: "nested-tool-order",
    family: Family::Hazard,
    severity: Severity::Warning,
    title: "code cell materialized from the queue lists its nested tools out of start order",
    doc: "A code cell that exists when its nested tools start lists them in `nested_tool_call_ids` in \
          start order; a cell still waiting for its `exec` item lists the tools that started meanwhile \
          in tool-id order once it materializes. Which happens depends on whether the response that \
          carries the `exec` item was recorded before the tools started, a race in the producer. This \
          rule reports a cell whose list differs from the order its nested tools started in, at the \
          first tool start out of place. Nothing needs fixing in the producer; a consumer should read \
          the list as a set and order the tools by their `execution.started_seq`.",
    hint: "read nested_tool_call_ids as a set; order nested tools by execution.started_seq",
    retired: false,
};

pub static HAZARD_RULES: [&Rule; 4] =
    [&SUMMARY_CUT_PANIC, &TOOL_STARTED_BEFORE_RESPONSE, &LATE_INTERACTION_END_LOST, &NESTED_TOOL_ORDER];

/// The hazard rule a replay error is, when the error stands for an upstream crash rather than an
/// upstream error message.
pub fn hazard_rule_for(kind: &ErrorKind) -> Option<&'static Rule> {
    match kind {
        ErrorKind::SummaryCutInsideCharacter(_) => Some(&SUMMARY_CUT_PANIC),
        _ => None,
    }
}
