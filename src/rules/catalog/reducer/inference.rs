//! Reducer rules RC5101..: inference calls, their request and response payloads, and the
//! reconciliation of each request with the thread's conversation.

use super::{Rule, REDUCER};

pub static DUPLICATE_INFERENCE_START: Rule = Rule {
    id: "RC5101",
    slug: "duplicate-inference-start",
    title: "a second `inference_started` for the same inference call id",
    doc: "Every inference call is started once; upstream stops with `duplicate inference start \
          for <id>` when the id is already known. A producer breaks this when it retries a request \
          under the same inference call id, or records a reconnect as a new start. Fix: give each \
          attempt its own inference call id.",
    hint: "give each inference attempt its own id",
    ..REDUCER
};

pub static INFERENCE_UNKNOWN_TURN: Rule = Rule {
    id: "RC5102",
    slug: "inference-unknown-turn",
    title: "`inference_started` names a Codex turn that has not started",
    doc: "Upstream looks up the `codex_turn_id` of the payload (the envelope is not read) and \
          stops with `inference start <id> referenced unknown codex turn <turn>` when the turn is \
          not known yet. A producer breaks this when it writes the request before the turn's \
          `codex_turn_started`, or fills the field with another turn's id. Fix: start the turn \
          first and name it in the payload.",
    hint: "write codex_turn_started before the turn's inferences",
    ..REDUCER
};

pub static INFERENCE_WRONG_THREAD: Rule = Rule {
    id: "RC5103",
    slug: "inference-wrong-thread",
    title: "`inference_started` pairs a thread with a turn of another thread",
    doc: "The payload's `thread_id` must be the thread its `codex_turn_id` was started in; \
          upstream stops with `inference start <id> used thread <t>, but codex turn <turn> \
          belongs to <t'>`. A producer breaks this when a sub-agent's request is recorded with the \
          parent's turn, or the other way round. Fix: take thread and turn from the same context.",
    hint: "name the thread the turn belongs to",
    ..REDUCER
};

pub static REQUEST_MISSING_INPUT: Rule = Rule {
    id: "RC5104",
    slug: "request-missing-input",
    title: "an inference request payload has no `input`",
    doc: "Upstream rebuilds the conversation from the request payload's top-level `input` and \
          stops with `inference request payload <p> did not contain input` when the key is \
          missing. A producer breaks this by recording a request in another API shape (`messages`, \
          say) or only the request's metadata. Fix: record the Responses-style request body with \
          its `input` array.",
    hint: "record the request body with its input array",
    ..REDUCER
};

pub static REQUEST_NON_ARRAY_INPUT: Rule = Rule {
    id: "RC5105",
    slug: "request-non-array-input",
    title: "an inference request payload's `input` is not an array",
    doc: "`input` must be an array of model items; upstream stops with `inference request payload \
          <p> had non-array input` for a string, object or null. A producer breaks this when it \
          records the shorthand string form of a request. Fix: record `input` as the array of items \
          actually sent (a single user message item for a plain prompt).",
    hint: "record input as an array of model items",
    ..REDUCER
};

pub static UNKNOWN_PREVIOUS_RESPONSE: Rule = Rule {
    id: "RC5106",
    slug: "unknown-previous-response",
    title: "an incremental request continues a response the trace does not hold",
    doc: "A request whose payload has a string `previous_response_id` is incremental: upstream \
          looks for an inference of the same thread whose completion recorded that `response_id`, \
          and stops with `incremental inference request <id> referenced unknown \
          previous_response_id <r>` when there is none. A producer breaks this when the previous \
          response was never traced (a websocket warm-up, a response recorded in another thread) \
          or its completion was written after this request. Fix: record the previous inference's \
          completion first, or record a full request payload (no `previous_response_id`).",
    hint: "trace the previous response first, or record a full request",
    ..REDUCER
};

pub static COMPLETION_UNKNOWN_CALL: Rule = Rule {
    id: "RC5107",
    slug: "completion-unknown-call",
    title: "an inference completion, failure or cancellation for an unknown call",
    doc: "`inference_completed`, `inference_failed` and `inference_cancelled` must name a started \
          inference; upstream stops with `inference completion referenced unknown call <id>`. A \
          producer breaks this when the end is written before the start (two writer tasks racing) \
          or the start was dropped. Fix: write `inference_started` before any end of that call.",
    hint: "write inference_started before the call's end",
    ..REDUCER
};

pub static RESPONSE_WITHOUT_OUTPUT_ITEMS: Rule = Rule {
    id: "RC5108",
    slug: "response-without-output-items",
    title: "an inference response payload has no array `output_items`",
    doc: "Upstream appends the response's `output_items` to the conversation and stops with \
          `inference response payload <p> did not contain output_items` when it is missing or not \
          an array. A producer breaks this by recording the raw wire response (`output`) or only \
          its metadata. Fix: record the response payload with `output_items` as an array, empty \
          when the model produced nothing.",
    hint: "record output_items as an array, empty if need be",
    ..REDUCER
};

pub static RESPONSE_CREATED_UNKNOWN_CALL: Rule = Rule {
    id: "RC5109",
    slug: "response-created-unknown-call",
    title: "an `inference_response_created` for an inference call that has not started",
    doc: "Inference-timing revision only (provisional). `inference_response_created` must name a \
          started inference; the revision's reducer queues nothing and stops with `response \
          creation referenced unknown inference call <id>`, also when the start comes later in the \
          log. A producer breaks this when the stream task records the provider's \"response \
          created\" before the request task records the start, or under another call id. Fix: \
          write `inference_started` before any event of the attempt's stream.",
    hint: "write inference_started before the attempt's stream events",
    ..REDUCER
};

pub static FIRST_DELTA_UNKNOWN_CALL: Rule = Rule {
    id: "RC5110",
    slug: "first-delta-unknown-call",
    title: "an `inference_first_delta` for an inference call that has not started",
    doc: "Inference-timing revision only (provisional). `inference_first_delta` must name a \
          started inference; the revision's reducer stops with `first delta referenced unknown \
          inference call <id>`. A producer breaks this when the first output delta is recorded by \
          a task that runs ahead of the one writing the start, or under another call id. Fix: \
          write `inference_started` before any event of the attempt's stream.",
    hint: "write inference_started before the attempt's stream events",
    ..REDUCER
};

pub static CONVERSATION_MISMATCH: Rule = Rule {
    id: "RC5121",
    slug: "conversation-mismatch",
    title: "an incremental request disagrees with the thread's conversation",
    doc: "An incremental request's delta is placed after its prefix (the previous request and \
          response) and checked against the thread's current conversation: each position that \
          already holds an item must hold a matching one, or upstream stops with `model conversation mismatch while reducing turn <turn> for thread \
          <t> at item index <i>: existing item <item> does not match the current model payload \
          item`. A producer breaks this when a full request recorded in between extended the \
          snapshot with other content than the incremental delta assumes, or when the delta was \
          computed against another prefix. Fix: record incremental requests only on top of what \
          the trace already shows, or record a full request instead.",
    hint: "record the delta against the conversation the trace holds, or a full request",
    ..REDUCER
};

pub static CALL_ID_REUSED: Rule = Rule {
    id: "RC5122",
    slug: "call-id-reused",
    title: "a model-visible call id reused with different content",
    doc: "Within a thread, upstream treats a call id with a given item kind (`function_call`, \
          `function_call_output`, ...) as one item: a later item with the same thread, call id and \
          kind must match the earlier one, or replay stops with `model-visible call id <c> was \
          reused with different content`. A producer breaks this by generating call ids that \
          repeat, or by rewriting a call's arguments or output between requests. Fix: use unique \
          call ids and resend earlier items unchanged.",
    hint: "keep call ids unique and earlier items unchanged",
    ..REDUCER
};
