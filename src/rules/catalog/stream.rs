//! Family 2, envelope and sequence: each line of `trace.jsonl`, its envelope fields, `seq`, wall
//! time and the rollout's identity.

use super::{Family, Rule, Severity};

pub static LINE_NOT_UTF8: Rule = Rule {
    id: "RC2001",
    slug: "line-not-utf8",
    family: Family::Envelope,
    severity: Severity::Error,
    title: "a line of trace.jsonl is not UTF-8",
    doc: "Every line of the event log is UTF-8 JSON. Upstream reads the log line by line as text and \
          stops at the first line that is not valid UTF-8 with `read trace event line <n>`, so no \
          event after it is reduced. A producer breaks this by writing raw bytes of a tool's output \
          into an event instead of escaping them, or by cutting a string inside a character. Fix: \
          serialize events with a JSON encoder that writes UTF-8.",
    hint: "serialize every event with a UTF-8 JSON encoder",
    retired: false,
};

pub static LINE_NOT_EVENT: Rule = Rule {
    id: "RC2002",
    slug: "line-not-event",
    family: Family::Envelope,
    severity: Severity::Error,
    title: "a line of trace.jsonl is not a trace event",
    doc: "Every non-blank line must be one JSON object with the envelope fields (`schema_version`, \
          `seq`, `wall_time_unix_ms`, `rollout_id`, `payload`) and a payload of a known type with \
          its required fields. Upstream stops at the first line that is not with `parse trace event \
          line <n>` and reduces nothing after it. A producer breaks this with invalid JSON, two \
          events on one line, a missing or mistyped field. Fix: append exactly one serialized event \
          per line.",
    hint: "append exactly one serialized RawTraceEvent per line",
    retired: false,
};

pub static SEQ_GAP: Rule = Rule {
    id: "RC2003",
    slug: "seq-gap",
    family: Family::Envelope,
    severity: Severity::Error,
    title: "seq skips values",
    doc: "The writer numbers events 1, 2, 3, ... with no gaps, so a gap means events were lost: \
          written to another file, dropped by a failed write, or removed by a tool that edited the \
          log. Upstream does not look at `seq`, so the loss goes unnoticed and the reduced graph \
          silently lacks whatever those events did. Each gap is reported at the line after it. Fix: \
          assign `seq` from one counter under the same lock that appends the line.",
    hint: "assign seq from one counter, under the lock that appends the line",
    retired: false,
};

pub static SEQ_NOT_INCREASING: Rule = Rule {
    id: "RC2004",
    slug: "seq-not-increasing",
    family: Family::Envelope,
    severity: Severity::Error,
    title: "seq repeats or goes backwards",
    doc: "In file order each event's `seq` is one more than the one before. A repeated or smaller \
          value means two writers shared the log, or lines were appended out of the order their \
          numbers were taken in; upstream replays in file order and sorts queued code-cell events \
          by `seq`, so both orders are in play and disagree. Each step back is reported at its line. \
          Fix: take the number and append the line under one lock.",
    hint: "take seq and append the line under one lock",
    retired: false,
};

pub static SEQ_NOT_FROM_ONE: Rule = Rule {
    id: "RC2005",
    slug: "seq-not-from-one",
    family: Family::Envelope,
    severity: Severity::Error,
    title: "the first event's seq is not 1",
    doc: "The writer's counter starts at 1 when the bundle is created, so the first event has `seq` 1. \
          A log that starts elsewhere lost its first events (often `rollout_started` and the root's \
          `thread_started`) or continues another bundle's counter. Fix: start a fresh counter at 1 \
          for every bundle.",
    hint: "start seq at 1 in every bundle",
    retired: false,
};

pub static LINE_TRUNCATED: Rule = Rule {
    id: "RC2006",
    slug: "line-truncated",
    family: Family::Envelope,
    severity: Severity::Error,
    title: "the last line of trace.jsonl is cut off",
    doc: "The last line has no trailing newline and its JSON ends early: the producer was killed, or \
          its disk filled, in the middle of appending an event. Upstream fails on it with `parse \
          trace event line <n>`. Every earlier event is intact. Fix: write each line with one write \
          call ending in `\\n`, and when recovering a bundle, drop an unterminated last line.",
    hint: "end every line with \\n in the same write; drop a cut-off last line when recovering",
    retired: false,
};

pub static BLANK_LINE: Rule = Rule {
    id: "RC2007",
    slug: "blank-line",
    family: Family::Envelope,
    severity: Severity::Info,
    title: "trace.jsonl holds a blank line",
    doc: "A line that is empty after trimming whitespace. Upstream skips it (and still counts it in \
          line numbers), so it is harmless, but the upstream writer never produces one: it points at \
          a second writer or a hand edit. Fix: append events only through the bundle writer.",
    hint: "append events only through the bundle writer",
    retired: false,
};

pub static UNKNOWN_EVENT_TYPE: Rule = Rule {
    id: "RC2008",
    slug: "unknown-event-type",
    family: Family::Envelope,
    severity: Severity::Error,
    title: "an event's payload type is not one upstream knows",
    doc: "The payload `type` must be one of the 25 event types of the format. Upstream cannot reduce \
          any other: the line is a parse error (`parse trace event line <n>`) and replay stops there. \
          A producer breaks this by emitting an event type from a newer or private version of the \
          format. Fix: emit only the format's event types, or wrap new information in an `other` \
          event where losing it is acceptable.",
    hint: "emit only the event types of the format",
    retired: false,
};

pub static EVENT_SCHEMA_VERSION: Rule = Rule {
    id: "RC2009",
    slug: "event-schema-version",
    family: Family::Envelope,
    severity: Severity::Error,
    title: "an event's schema_version is not 1",
    doc: "The envelope's `schema_version` is 1, the only event schema the format defines. Upstream \
          never reads it, so an event of another version is reduced as version 1 whatever it meant. \
          A producer breaks this by bumping its own version number. Fix: write `schema_version: 1` \
          on every event.",
    hint: "write \"schema_version\": 1 on every event",
    retired: false,
};

pub static WALL_TIME_BACKWARDS: Rule = Rule {
    id: "RC2010",
    slug: "wall-time-backwards",
    family: Family::Envelope,
    severity: Severity::Warning,
    title: "wall_time_unix_ms goes backwards",
    doc: "Events are appended in order, so their wall times should not decrease. A step back means \
          the clock moved (an NTP correction) or times were taken before a lock and written after \
          it; the reduced graph then shows things ending before they started. It is a warning \
          because a real clock can step back. Fix: take the time under the lock that appends the \
          line.",
    hint: "take wall_time_unix_ms under the lock that appends the line",
    retired: false,
};

pub static ROLLOUT_ID_MISMATCH: Rule = Rule {
    id: "RC2011",
    slug: "rollout-id-mismatch",
    family: Family::Envelope,
    severity: Severity::Error,
    title: "an event's rollout_id differs from the manifest's",
    doc: "One bundle holds one rollout: every event's `rollout_id` equals the manifest's. Upstream \
          never reads it, so events of another rollout are silently merged into this one. A producer \
          breaks this by sharing a bundle between sessions or by a child thread writing into the \
          wrong bundle. Fix: write each rollout into its own bundle.",
    hint: "write each rollout into its own bundle",
    retired: false,
};

pub static ROLLOUT_STARTED_NOT_FIRST: Rule = Rule {
    id: "RC2012",
    slug: "rollout-started-not-first",
    family: Family::Envelope,
    severity: Severity::Warning,
    title: "rollout_started is missing or not the first event",
    doc: "The writer appends `rollout_started` as the first event of a bundle, and only once. It is \
          reported at a `rollout_started` that is not first, or at the first event when there is \
          none. A warning, not an error: upstream's reducer needs no `rollout_started` (it falls \
          back to the manifest) and upstream's own test bundles are written without one. Fix: \
          append `rollout_started` when the bundle is created.",
    hint: "append rollout_started as the first event",
    retired: false,
};

pub static ROLLOUT_STARTED_MISMATCH: Rule = Rule {
    id: "RC2013",
    slug: "rollout-started-mismatch",
    family: Family::Envelope,
    severity: Severity::Error,
    title: "rollout_started disagrees with the manifest",
    doc: "`rollout_started` repeats the manifest's `trace_id` and `root_thread_id`. Upstream \
          overwrites the reduced graph's ids with the event's without comparing, so a mismatch \
          silently changes which thread is the root. A producer breaks this when it creates the \
          manifest and the event from different state. Fix: build both from the same ids.",
    hint: "write rollout_started from the manifest's trace_id and root_thread_id",
    retired: false,
};

pub static ROLLOUT_ENDED_TWICE: Rule = Rule {
    id: "RC2014",
    slug: "rollout-ended-twice",
    family: Family::Envelope,
    severity: Severity::Warning,
    title: "rollout_ended appears more than once",
    doc: "The writer appends `rollout_ended` once, when the root thread ends. Upstream accepts a \
          second one (the last wins, so the rollout's status and end time move), hence a warning. A \
          producer breaks this by ending the rollout on every thread end. Fix: append \
          `rollout_ended` only for the root thread.",
    hint: "append rollout_ended once, when the root thread ends",
    retired: false,
};

pub static EVENT_AFTER_ROLLOUT_ENDED: Rule = Rule {
    id: "RC2015",
    slug: "event-after-rollout-ended",
    family: Family::Envelope,
    severity: Severity::Error,
    title: "an event follows rollout_ended",
    doc: "`rollout_ended` is the last event of a bundle: the root thread has ended and the writer is \
          closed. An event after it is reduced by upstream as usual, but the rollout is already \
          marked ended, so the graph shows work after the end. A producer breaks this by letting a \
          child thread or a late runtime callback write after the root ended. Fix: end child \
          threads and flush callbacks before ending the root.",
    hint: "end every thread and flush late callbacks before rollout_ended",
    retired: false,
};

pub static EVENT_FROM_NEWER_REVISION: Rule = Rule {
    id: "RC2016",
    slug: "event-from-newer-revision",
    family: Family::Envelope,
    severity: Severity::Error,
    title: "an event's payload type belongs to a newer format revision than the one checked",
    doc: "Upstream changes the format additively without bumping `schema_version`, so a bundle from \
          a newer Codex can hold event types the chosen revision does not know (for example \
          `inference_response_created` and `inference_first_delta`, added by the provisional \
          `inference-timing` revision). A reducer of the chosen revision cannot parse such a line \
          (`parse trace event line <n>`) and replay stops there. The message names the revision \
          that reads the event. Fix: check and reduce with `--revision <name>` of the Codex that \
          wrote the bundle, or produce the bundle with a Codex of the checked revision.",
    hint: "check with --revision of the Codex that wrote the bundle",
    retired: false,
};

pub static LINE_HAS_BOM: Rule = Rule {
    id: "RC2017",
    slug: "line-has-bom",
    family: Family::Envelope,
    severity: Severity::Error,
    title: "trace.jsonl starts with a UTF-8 byte order mark",
    doc: "The event log is plain UTF-8 without a byte order mark. JSON does not allow one, so \
          upstream fails on the first line with `parse trace event line 1` and reduces nothing. A \
          producer breaks this by writing the log through an editor or an encoder that prepends \
          `EF BB BF`. Fix: write UTF-8 without a BOM.",
    hint: "write trace.jsonl as UTF-8 without a byte order mark",
    retired: false,
};

pub static CRLF_LINE_ENDING: Rule = Rule {
    id: "RC2018",
    slug: "crlf-line-ending",
    family: Family::Envelope,
    severity: Severity::Warning,
    title: "lines of trace.jsonl end in CRLF",
    doc: "Events are separated by `\\n`. Upstream reads the log as lines and drops a `\\r` before \
          the newline, so a CRLF log reduces the same, but other readers of the format may keep the \
          `\\r` and fail. It is reported once per log, at the first such line. A producer breaks \
          this by writing the log in text mode on Windows, or a copy converts it. Fix: write `\\n` \
          line endings and copy bundles as binary.",
    hint: "end lines with \\n only, and copy bundles as binary files",
    retired: false,
};

pub static LINE_HAS_NUL: Rule = Rule {
    id: "RC2019",
    slug: "line-has-nul",
    family: Family::Envelope,
    severity: Severity::Error,
    title: "a line of trace.jsonl holds a NUL byte",
    doc: "JSON allows no raw NUL byte, in a string or outside one, so upstream stops at such a line \
          with `parse trace event line <n>` and reduces nothing after it. NUL bytes are what a file \
          shows after a crash on a filesystem that extended it before the data was written, or when \
          a preallocated log was never filled. Fix: append events with complete writes, and escape \
          NUL in strings as `\\u0000`.",
    hint: "append whole events; escape NUL as \\u0000",
    retired: false,
};

pub static STREAM_RULES: [&Rule; 19] = [
    &LINE_NOT_UTF8,
    &LINE_NOT_EVENT,
    &SEQ_GAP,
    &SEQ_NOT_INCREASING,
    &SEQ_NOT_FROM_ONE,
    &LINE_TRUNCATED,
    &BLANK_LINE,
    &UNKNOWN_EVENT_TYPE,
    &EVENT_SCHEMA_VERSION,
    &WALL_TIME_BACKWARDS,
    &ROLLOUT_ID_MISMATCH,
    &ROLLOUT_STARTED_NOT_FIRST,
    &ROLLOUT_STARTED_MISMATCH,
    &ROLLOUT_ENDED_TWICE,
    &EVENT_AFTER_ROLLOUT_ENDED,
    &EVENT_FROM_NEWER_REVISION,
    &LINE_HAS_BOM,
    &CRLF_LINE_ENDING,
    &LINE_HAS_NUL,
];
