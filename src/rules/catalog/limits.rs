//! Family 9, limits: sizes beyond what real rollouts reach, refused before they are read.

use super::{Family, Rule, Severity};

pub static LINE_TOO_LONG: Rule = Rule {
    id: "RC9001",
    slug: "line-too-long",
    family: Family::Limits,
    severity: Severity::Error,
    title: "a line of trace.jsonl is longer than the line limit",
    doc: "Events are small: their large content lives in payload files. A line longer than \
          `max_line_bytes` (16 MiB by default) is reported and not parsed, so a hostile or broken \
          log cannot exhaust memory; nothing after it is reduced. A producer breaks this by inlining \
          a payload in an event. Fix: write large content to a payload file and refer to it.",
    hint: "move large content into a payload file",
    retired: false,
};

pub static PAYLOAD_TOO_LARGE: Rule = Rule {
    id: "RC9002",
    slug: "payload-too-large",
    family: Family::Limits,
    severity: Severity::Error,
    title: "a payload file is larger than the payload limit",
    doc: "A payload larger than `max_payload_bytes` (256 MiB by default) is refused: its size is \
          checked on its metadata before it is opened and again while reading, so a file that lies \
          about its length or grows is still bounded. Real request payloads are a few MB. A producer \
          breaks this by writing a whole session's history into one payload. Fix: keep payloads to \
          one request or response.",
    hint: "keep each payload to one request or response",
    retired: false,
};

pub static BUNDLE_TOO_LARGE: Rule = Rule {
    id: "RC9003",
    slug: "bundle-too-large",
    family: Family::Limits,
    severity: Severity::Error,
    title: "the bundle's files together exceed the bundle limit",
    doc: "The sum of the sizes of every file in the bundle may not exceed `max_bundle_bytes` (16 GiB \
          by default); such a bundle is not read at all. A multi-hour session stays far below. A \
          producer breaks this by never rotating bundles, or by writing unrelated files into the \
          bundle directory. Fix: one bundle per rollout, and nothing else in it.",
    hint: "one bundle per rollout, and nothing else in its directory",
    retired: false,
};

pub static TOO_MANY_EVENTS: Rule = Rule {
    id: "RC9004",
    slug: "too-many-events",
    family: Family::Limits,
    severity: Severity::Error,
    title: "trace.jsonl holds more events than the event limit",
    doc: "A log with more than `max_events` events (ten million by default) is read no further: it \
          is reported at the first event beyond the limit, and nothing from there on is checked or \
          reduced. A multi-hour session writes a few hundred thousand. A producer breaks this with a \
          loop that emits an event per token or per poll. Fix: emit events per call, not per poll.",
    hint: "emit events per call, not per poll",
    retired: false,
};

pub static MANIFEST_TOO_LARGE: Rule = Rule {
    id: "RC9005",
    slug: "manifest-too-large",
    family: Family::Limits,
    severity: Severity::Error,
    title: "manifest.json is longer than the line limit",
    doc: "The manifest is seven short fields. One longer than `max_line_bytes` is not a manifest and \
          is refused before it is read whole, so a hostile bundle cannot exhaust memory through it. \
          A producer breaks this by writing something else (a log, a payload) as the manifest. Fix: \
          write only the seven manifest fields.",
    hint: "write only the seven manifest fields",
    retired: false,
};

pub static LIMIT_RULES: [&Rule; 5] =
    [&LINE_TOO_LONG, &PAYLOAD_TOO_LARGE, &BUNDLE_TOO_LARGE, &TOO_MANY_EVENTS, &MANIFEST_TOO_LARGE];
