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

pub static BUNDLE_RULES: [&Rule; 1] = [&MANIFEST_MISSING];
