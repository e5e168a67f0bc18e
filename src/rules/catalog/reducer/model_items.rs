//! Reducer rules RC5131..: the shape of one model item in a request, response or checkpoint
//! payload, as the reducer normalizes it.

use super::{Rule, REDUCER};

pub static ITEM_WITHOUT_TYPE: Rule = Rule {
    id: "RC5131",
    slug: "item-without-type",
    title: "a model item without a string `type`",
    doc: "Every element of `input`, `output_items`, `input_history` and `replacement_history` is \
          normalized by its `type`; upstream stops with `model item in payload <p> did not \
          contain a string type` when it is missing or not a string. A producer breaks this by \
          recording items in a chat-completions shape (role and content only) or wrapping them. \
          Fix: record Responses-style items, each with its `type`.",
    hint: "give every model item a string type",
    ..REDUCER
};

pub static UNSUPPORTED_ITEM_TYPE: Rule = Rule {
    id: "RC5132",
    slug: "unsupported-item-type",
    title: "a model item of a type the reducer does not know",
    doc: "Upstream accepts the Responses item types it models (messages, agent messages, \
          reasoning, function, custom and local-shell calls and their outputs, web search, image \
          generation, compaction, ...) and skips `additional_tools`; any other type stops replay \
          with `unsupported model item type <type> in payload <p>`. A producer breaks this when it \
          records a newer item type than the reducer knows, or a misspelled one. Fix: record only \
          the item types the format lists, or upgrade the reducer first.",
    hint: "record only model item types the format lists",
    ..REDUCER
};

pub static MESSAGE_WITHOUT_ROLE: Rule = Rule {
    id: "RC5133",
    slug: "message-without-role",
    title: "a `message` item without a string `role`",
    doc: "A `message` item needs its `role` as a string; upstream stops with `message item in \
          payload <p> did not contain a string role`. A producer breaks this by dropping the role \
          of messages whose role is implied by position. Fix: write the role on every message.",
    hint: "write the role on every message item",
    ..REDUCER
};

pub static UNSUPPORTED_ROLE: Rule = Rule {
    id: "RC5134",
    slug: "unsupported-role",
    title: "a `message` item with a role other than system, developer, user, assistant or tool",
    doc: "Upstream knows the roles `system`, `developer`, `user`, `assistant` and `tool` and stops \
          with `unsupported message role <r> in payload <p>` for any other (including a \
          differently capitalized one). A producer breaks this with roles of another API \
          (`function`, `model`) or its own. Fix: map roles to the five the format lists.",
    hint: "use one of the five message roles",
    ..REDUCER
};

pub static AGENT_MESSAGE_INVALID: Rule = Rule {
    id: "RC5135",
    slug: "agent-message-invalid",
    title: "an `agent_message` item that does not parse",
    doc: "An `agent_message` item must have string `author` and `recipient` and a `content` array \
          of `input_text` and `encrypted_content` entries; upstream stops with `failed to parse \
          agent_message item in payload <p>` otherwise. A producer breaks this by leaving out the \
          author or recipient, or by putting other content types in it. Fix: write both agent \
          paths and only those two content entry types.",
    hint: "write author, recipient and input_text/encrypted_content entries",
    ..REDUCER
};

pub static AGENT_MESSAGE_EMPTY: Rule = Rule {
    id: "RC5136",
    slug: "agent-message-empty",
    title: "an `agent_message` item with empty content",
    doc: "An `agent_message` must carry at least one content entry; upstream stops with \
          `agent_message item in payload <p> contained no content` for an empty array. A \
          producer breaks this when it records a message before its text was filled in. Fix: \
          record the message with its content, or leave the item out.",
    hint: "record agent messages with their content",
    ..REDUCER
};

pub static REASONING_NON_ARRAY: Rule = Rule {
    id: "RC5137",
    slug: "reasoning-non-array",
    title: "a reasoning item whose `content` or `summary` is not an array",
    doc: "A `reasoning` item's `summary` must be an array (null included in the check) and its \
          `content`, when present and not null, too; upstream stops with `reasoning item in \
          payload <p> had non-array <key>`. A producer breaks this by writing a summary string \
          instead of summary entries, or by leaving `summary` null. Fix: write `summary` as an \
          array (empty when there is none) and `content` as an array or not at all.",
    hint: "write summary (and content) as arrays",
    ..REDUCER
};

pub static REASONING_ENTRY_WITHOUT_TYPE: Rule = Rule {
    id: "RC5138",
    slug: "reasoning-entry-without-type",
    title: "a reasoning `content` or `summary` entry without a string `type`",
    doc: "Each entry of a reasoning item's `content` and `summary` is read by its `type`; upstream \
          stops with `reasoning item in payload <p> had <key> entry without string type`. A \
          producer breaks this by writing bare strings or untyped objects as entries. Fix: write \
          entries as typed objects (`reasoning_text`/`text` for content, `summary_text` for \
          summary).",
    hint: "write reasoning entries as typed objects",
    ..REDUCER
};

pub static REASONING_UNSUPPORTED_CONTENT: Rule = Rule {
    id: "RC5139",
    slug: "reasoning-unsupported-content",
    title: "a reasoning `content` entry of a type other than reasoning_text or text",
    doc: "Reasoning `content` entries must be `reasoning_text` or `text`; upstream stops with \
          `reasoning item in payload <p> had unsupported content type <t>` for any other. A \
          producer breaks this by putting summary entries or images into `content`. Fix: keep \
          only those two entry types in `content`.",
    hint: "use reasoning_text or text entries in content",
    ..REDUCER
};

pub static REASONING_UNSUPPORTED_SUMMARY: Rule = Rule {
    id: "RC5140",
    slug: "reasoning-unsupported-summary",
    title: "a reasoning `summary` entry of a type other than summary_text",
    doc: "Reasoning `summary` entries must be `summary_text`; upstream stops with `reasoning item \
          in payload <p> had unsupported summary type <t>` for any other. A producer breaks this by \
          putting content entries (`reasoning_text`) into `summary`. Fix: use `summary_text` \
          entries in `summary`.",
    hint: "use summary_text entries in summary",
    ..REDUCER
};

pub static REASONING_ENTRY_WITHOUT_TEXT: Rule = Rule {
    id: "RC5141",
    slug: "reasoning-entry-without-text",
    title: "a reasoning `content` or `summary` entry without a string `text`",
    doc: "Each reasoning entry carries its words in `text`, which must be a string; upstream \
          stops with `reasoning item in payload <p> had <key> entry without string text`. A \
          producer breaks this by streaming an entry before its text arrived, or nesting the text. \
          Fix: record entries with their final `text` string.",
    hint: "record reasoning entries with a string text",
    ..REDUCER
};

pub static REASONING_NON_STRING_ENCRYPTED: Rule = Rule {
    id: "RC5142",
    slug: "reasoning-non-string-encrypted",
    title: "a reasoning item whose `encrypted_content` is neither a string nor null",
    doc: "A reasoning item's `encrypted_content` is its identity across requests and must be a \
          string or null; upstream stops with `reasoning item in payload <p> had non-string \
          encrypted_content` otherwise. A producer breaks this by writing the decoded bytes or an \
          object. Fix: write the opaque string the API returned, or null.",
    hint: "write encrypted_content as the API's string, or null",
    ..REDUCER
};

pub static REASONING_EMPTY: Rule = Rule {
    id: "RC5143",
    slug: "reasoning-empty",
    title: "a reasoning item with no content, summary or encrypted content",
    doc: "Upstream builds a reasoning item from its content entries, summary entries and \
          encrypted content, and stops with `reasoning item in payload <p> contained no content, \
          summary, or encrypted_content` when all three are empty. A producer breaks this by \
          recording a reasoning item whose parts were stripped (e.g. encrypted content not \
          requested). Fix: request and keep encrypted content, or leave the empty item out.",
    hint: "keep at least one part of a reasoning item, or leave it out",
    ..REDUCER
};

pub static COMPACTION_ITEM_WITHOUT_ENCRYPTED: Rule = Rule {
    id: "RC5144",
    slug: "compaction-item-without-encrypted",
    title: "a compaction model item without a string `encrypted_content`",
    doc: "A `compaction`-type model item is only its `encrypted_content`, which must be a string; \
          upstream stops with `compaction item in payload <p> did not contain string \
          encrypted_content`. A producer breaks this by recording a compaction item with its \
          summary removed or replaced by a placeholder object. Fix: record the item as the API \
          returned it.",
    hint: "record compaction items with their encrypted_content string",
    ..REDUCER
};
