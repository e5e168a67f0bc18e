//! Family 1, bundle and files: `manifest.json`, `trace.jsonl` and the bundle directory.

use super::{Family, Rule, Severity};

pub static MANIFEST_MISSING: Rule = Rule {
    id: "RC1001",
    slug: "manifest-missing",
    family: Family::Bundle,
    severity: Severity::Error,
    title: "manifest.json is missing",
    doc: "Every bundle directory holds a `manifest.json` beside `trace.jsonl`. The upstream writer \
          creates it once, when the bundle is created, before the first event; a bundle without it \
          cannot be reduced at all (upstream fails with the operating system's error). A producer \
          breaks this when it writes events into a directory it did not create through its bundle \
          writer, or when the manifest is lost in a copy. Fix: create the manifest with all seven \
          fields when the bundle directory is created.",
    hint: "write manifest.json when the bundle directory is created",
    retired: false,
};

pub static MANIFEST_NOT_REGULAR: Rule = Rule {
    id: "RC1002",
    slug: "manifest-not-regular",
    family: Family::Bundle,
    severity: Severity::Error,
    title: "manifest.json is not a regular file",
    doc: "`manifest.json` must be a plain file. A directory, FIFO, socket or device in its place is \
          refused without being opened: reading a FIFO blocks until some other process writes, and a \
          device may never end. A producer breaks this when something else in the pipeline creates \
          the path (a mount, a pipe used to stream the manifest). Fix: write the manifest as an \
          ordinary file.",
    hint: "write manifest.json as an ordinary file",
    retired: false,
};

pub static MANIFEST_UNPARSEABLE: Rule = Rule {
    id: "RC1003",
    slug: "manifest-unparseable",
    family: Family::Bundle,
    severity: Severity::Error,
    title: "manifest.json is not a manifest object",
    doc: "`manifest.json` must be one JSON object with all seven fields, each of its type: \
          `schema_version` (integer), `trace_id`, `rollout_id`, `root_thread_id` (strings), \
          `started_at_unix_ms` (integer), `raw_event_log`, `payloads_dir` (strings). Upstream's \
          reducer has no defaults for any of them and fails with `read <path>` otherwise. A \
          producer breaks this with a hand-written manifest, a missing field, or a file cut off \
          mid-write. Fix: serialize the whole manifest struct, and write it before any event.",
    hint: "write all seven manifest fields with their JSON types",
    retired: false,
};

pub static MANIFEST_SCHEMA_VERSION: Rule = Rule {
    id: "RC1004",
    slug: "manifest-schema-version",
    family: Family::Bundle,
    severity: Severity::Error,
    title: "manifest schema_version is not 1",
    doc: "The only manifest schema this format defines is version 1. Upstream's reducer never reads \
          the field, so a bundle claiming another version is reduced as if it were version 1 and \
          its meaning silently changes if the version ever means something. A producer breaks this \
          by writing a version of its own invention. Fix: write `schema_version: 1`.",
    hint: "write \"schema_version\": 1 in manifest.json",
    retired: false,
};

pub static MANIFEST_FILE_NAMES: Rule = Rule {
    id: "RC1005",
    slug: "manifest-file-names",
    family: Family::Bundle,
    severity: Severity::Error,
    title: "manifest names a log or payload directory other than trace.jsonl and payloads",
    doc: "`raw_event_log` must be `trace.jsonl` and `payloads_dir` must be `payloads`. Upstream's \
          reducer ignores both fields and always opens `trace.jsonl` and the refs' own paths, so a \
          manifest naming other files describes a bundle that is not the one reduced. A producer \
          breaks this by renaming files in its writer. Fix: keep the fixed names.",
    hint: "write \"raw_event_log\": \"trace.jsonl\" and \"payloads_dir\": \"payloads\"",
    retired: false,
};

pub static MANIFEST_EMPTY_ID: Rule = Rule {
    id: "RC1006",
    slug: "manifest-empty-id",
    family: Family::Bundle,
    severity: Severity::Error,
    title: "a manifest id is empty",
    doc: "`trace_id`, `rollout_id` and `root_thread_id` identify the bundle, the session and its root \
          thread; the reduced graph copies them and every event's `rollout_id` must equal the \
          manifest's. An empty string identifies nothing and cannot be told apart from another \
          bundle's. A producer breaks this when it creates the bundle before the session has its \
          ids. Fix: create the bundle once the root thread id is known.",
    hint: "fill trace_id, rollout_id and root_thread_id before creating the bundle",
    retired: false,
};

pub static TRACE_MISSING: Rule = Rule {
    id: "RC1007",
    slug: "trace-missing",
    family: Family::Bundle,
    severity: Severity::Error,
    title: "trace.jsonl is missing",
    doc: "The event log `trace.jsonl` sits beside the manifest; without it there is nothing to \
          reduce and upstream fails with `open trace event log <path>`. The upstream writer creates \
          it with the manifest, empty, before the first event. A producer breaks this when it only \
          opens the log at its first event and never writes one, or loses it in a copy. Fix: create \
          `trace.jsonl` together with the manifest.",
    hint: "create trace.jsonl together with manifest.json",
    retired: false,
};

pub static TRACE_NOT_REGULAR: Rule = Rule {
    id: "RC1008",
    slug: "trace-not-regular",
    family: Family::Bundle,
    severity: Severity::Error,
    title: "trace.jsonl is not a regular file",
    doc: "`trace.jsonl` must be a plain file. A directory, FIFO, socket or device in its place is \
          refused without being opened: a FIFO read blocks until a writer appears and a device may \
          never end. A producer breaks this by streaming the log through a named pipe into the \
          bundle. Fix: append events to an ordinary file.",
    hint: "write trace.jsonl as an ordinary file",
    retired: false,
};

pub static FILE_OUTSIDE_BUNDLE: Rule = Rule {
    id: "RC1009",
    slug: "file-outside-bundle",
    family: Family::Bundle,
    severity: Severity::Error,
    title: "manifest.json or trace.jsonl is a symlink that leaves the bundle",
    doc: "A bundle is self-contained: `manifest.json` and `trace.jsonl` must resolve inside the \
          bundle directory. A symlink pointing elsewhere is refused before anything is opened, so \
          checking an untrusted bundle never reads (or blocks on) a file outside it. A producer \
          breaks this by linking a bundle to a shared log instead of copying it. Fix: copy the file \
          into the bundle.",
    hint: "copy the file into the bundle instead of linking to it",
    retired: false,
};

pub static FILE_UNREADABLE: Rule = Rule {
    id: "RC1010",
    slug: "file-unreadable",
    family: Family::Bundle,
    severity: Severity::Error,
    title: "manifest.json or trace.jsonl exists but cannot be read",
    doc: "The manifest and the log exist but the operating system refuses to read them (permission \
          denied, an I/O error). Upstream fails the same way, with the operating system's error. A \
          producer breaks this by writing the bundle with a mode its readers lack, or by a failing \
          disk. Fix: make the bundle's files readable by whoever reduces it.",
    hint: "make the bundle's files readable",
    retired: false,
};

pub static TRACE_EMPTY: Rule = Rule {
    id: "RC1011",
    slug: "trace-empty",
    family: Family::Bundle,
    severity: Severity::Error,
    title: "trace.jsonl is empty",
    doc: "The upstream writer creates `trace.jsonl` empty and appends `rollout_started` at once. An \
          empty log reduces upstream to a graph without threads, which says nothing about the \
          rollout. It is what a producer leaves when it crashes, or is killed, before its first \
          event, or when a copy truncated the log. Fix: write `rollout_started` as soon as the \
          bundle is created, and copy the log whole.",
    hint: "write rollout_started as soon as the bundle is created",
    retired: false,
};

pub static BUNDLE_RULES: [&Rule; 11] = [
    &MANIFEST_MISSING,
    &MANIFEST_NOT_REGULAR,
    &MANIFEST_UNPARSEABLE,
    &MANIFEST_SCHEMA_VERSION,
    &MANIFEST_FILE_NAMES,
    &MANIFEST_EMPTY_ID,
    &TRACE_MISSING,
    &TRACE_NOT_REGULAR,
    &FILE_OUTSIDE_BUNDLE,
    &FILE_UNREADABLE,
    &TRACE_EMPTY,
];
