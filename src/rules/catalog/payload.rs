//! Family 3, payload references: every `RawPayloadRef` of every event and the file it names.

use super::{Family, Rule, Severity};

pub static PAYLOAD_REF_MALFORMED: Rule = Rule {
    id: "RC3001",
    slug: "payload-ref-malformed",
    family: Family::Payload,
    severity: Severity::Error,
    title: "a payload ref's id and path are not raw_payload:N and payloads/N.json",
    doc: "The writer numbers payloads from one counter: ordinal N has id `raw_payload:N` and path \
          `payloads/N.json`, the same N in both. Upstream treats the id as an opaque key, so an id \
          and path that disagree make two refs look alike or one payload look like two. A producer \
          breaks this by naming payload files by content hash or by a second counter. Fix: derive \
          both from one ordinal.",
    hint: "derive raw_payload_id and path from one ordinal N",
    retired: false,
};

pub static PAYLOAD_MISSING: Rule = Rule {
    id: "RC3002",
    slug: "payload-missing",
    family: Family::Payload,
    severity: Severity::Error,
    title: "a referenced payload file does not exist",
    doc: "The writer creates `payloads/N.json` before appending the event that refers to it. A ref to \
          a file that is not there fails upstream with `open payload <id>` when the handler reads \
          it, and is silently kept when the handler only registers it (a protocol event), so the \
          loss may surface only in a later tool. Fix: write the payload file before the event, and \
          copy `payloads/` with the bundle.",
    hint: "write the payload file before appending the event that names it",
    retired: false,
};

pub static PAYLOAD_NOT_REGULAR: Rule = Rule {
    id: "RC3003",
    slug: "payload-not-regular",
    family: Family::Payload,
    severity: Severity::Error,
    title: "a referenced payload is not a regular file",
    doc: "A payload must be a plain file. A directory, FIFO, socket or device at a payload path is \
          refused without being opened (a FIFO would block the reader). A producer breaks this by \
          streaming payloads through named pipes or by a path collision with a directory. Fix: \
          write each payload as an ordinary file.",
    hint: "write each payload as an ordinary file",
    retired: false,
};

pub static PAYLOAD_UNREADABLE: Rule = Rule {
    id: "RC3004",
    slug: "payload-unreadable",
    family: Family::Payload,
    severity: Severity::Error,
    title: "a referenced payload file cannot be opened or read",
    doc: "The payload file exists but cannot be read (permission denied, an I/O error). Upstream \
          fails with `open payload <id>` when its handler needs the payload. This is also the rule \
          for any other failure to open a payload upstream would report. Fix: make the payload \
          files readable by whoever reduces the bundle.",
    hint: "make payload files readable",
    retired: false,
};

pub static PAYLOAD_NOT_UTF8: Rule = Rule {
    id: "RC3005",
    slug: "payload-not-utf8",
    family: Family::Payload,
    severity: Severity::Error,
    title: "a payload file is not UTF-8",
    doc: "Payload files are JSON, and JSON is UTF-8. Upstream fails with `parse payload <id>` when \
          its handler reads a payload that is not. A producer breaks this by writing a tool's raw \
          output bytes into the file instead of a JSON string of them. Fix: serialize the payload \
          value with a JSON encoder.",
    hint: "serialize payloads with a UTF-8 JSON encoder",
    retired: false,
};

pub static PAYLOAD_NOT_JSON: Rule = Rule {
    id: "RC3006",
    slug: "payload-not-json",
    family: Family::Payload,
    severity: Severity::Error,
    title: "a payload file is not valid JSON",
    doc: "Every payload file holds one JSON document. Upstream fails with `parse payload <id>` when \
          its handler reads one that does not parse, and keeps it silently when it only registers \
          the ref. A producer breaks this by writing the file in pieces and being killed, or by \
          writing text that is not JSON. Fix: write the whole document, then the event.",
    hint: "write the whole JSON document before the event that names it",
    retired: false,
};

pub static PAYLOAD_PATH_PARENT: Rule = Rule {
    id: "RC3007",
    slug: "payload-path-parent",
    family: Family::Payload,
    severity: Severity::Error,
    title: "a payload path climbs out of the bundle with ..",
    doc: "A payload path is relative to the bundle and stays inside it. A `..` component could name \
          any file on the machine, so it is refused without opening anything (upstream would open \
          it). A producer breaks this by writing paths relative to some other directory. Fix: write \
          `payloads/N.json`. This is also the rule for a payload the reducer refuses as outside the \
          bundle.",
    hint: "write payload paths as payloads/N.json",
    retired: false,
};

pub static PAYLOAD_PATH_ABSOLUTE: Rule = Rule {
    id: "RC3008",
    slug: "payload-path-absolute",
    family: Family::Payload,
    severity: Severity::Error,
    title: "a payload path is absolute",
    doc: "A payload path is relative to the bundle. An absolute path ties the bundle to one machine \
          and could name any file on it, so it is refused without being opened (upstream would open \
          it). A producer breaks this by writing the path it opened instead of the bundle-relative \
          one. Fix: write `payloads/N.json`.",
    hint: "write payload paths relative to the bundle",
    retired: false,
};

pub static PAYLOAD_SYMLINK_ESCAPES: Rule = Rule {
    id: "RC3009",
    slug: "payload-symlink-escapes",
    family: Family::Payload,
    severity: Severity::Error,
    title: "a payload path resolves outside the bundle through a symlink",
    doc: "A payload path may pass through symlinks only if it stays inside the bundle. One that \
          resolves elsewhere is refused before its target is opened, so checking an untrusted \
          bundle never reads or blocks on a file outside it. A producer breaks this by linking \
          payloads to a shared cache instead of copying them. Fix: copy payloads into the bundle.",
    hint: "copy payload files into the bundle instead of linking them",
    retired: false,
};

pub static PAYLOAD_ID_REUSED: Rule = Rule {
    id: "RC3010",
    slug: "payload-id-reused",
    family: Family::Payload,
    severity: Severity::Error,
    title: "one raw_payload_id names different refs",
    doc: "Refs with the same `raw_payload_id` must be identical (same kind, same path). Upstream \
          keys `raw_payloads` by the id and overwrites on every sighting, so the reduced graph keeps \
          only the last ref and earlier objects point at a payload that is not theirs. A producer \
          breaks this by restarting its payload counter. Fix: number payloads from one counter per \
          bundle.",
    hint: "number payloads from one counter per bundle",
    retired: false,
};

pub static PAYLOAD_KIND_MISMATCH: Rule = Rule {
    id: "RC3011",
    slug: "payload-kind-mismatch",
    family: Family::Payload,
    severity: Severity::Warning,
    title: "a payload's kind does not fit the event field that refers to it",
    doc: "Each event field holds one kind of payload (spec A.3): a request payload is \
          `inference_request`, a tool invocation `tool_invocation`, a code cell response \
          `tool_result`, and so on. Upstream never branches on the kind and only copies it, hence a \
          warning, but tools that read the reduced graph do. A producer breaks this by passing the \
          wrong kind to its writer. Fix: write the kind the field calls for.",
    hint: "write the payload kind the event field calls for",
    retired: false,
};

pub static PAYLOAD_UNREFERENCED: Rule = Rule {
    id: "RC3012",
    slug: "payload-unreferenced",
    family: Family::Payload,
    severity: Severity::Info,
    title: "a file in payloads/ is named by no event",
    doc: "The writer creates a payload file just before the event that names it, so a file no event \
          names is either left from an event that was never written (the producer died in between) \
          or was added by hand. Harmless to the reducer, hence info. Fix: nothing, unless many \
          appear: then look for events lost between the payload write and the line append.",
    hint: "look for events lost between writing a payload and appending its event",
    retired: false,
};

pub static PAYLOAD_RULES: [&Rule; 12] = [
    &PAYLOAD_REF_MALFORMED,
    &PAYLOAD_MISSING,
    &PAYLOAD_NOT_REGULAR,
    &PAYLOAD_UNREADABLE,
    &PAYLOAD_NOT_UTF8,
    &PAYLOAD_NOT_JSON,
    &PAYLOAD_PATH_PARENT,
    &PAYLOAD_PATH_ABSOLUTE,
    &PAYLOAD_SYMLINK_ESCAPES,
    &PAYLOAD_ID_REUSED,
    &PAYLOAD_KIND_MISMATCH,
    &PAYLOAD_UNREFERENCED,
];
