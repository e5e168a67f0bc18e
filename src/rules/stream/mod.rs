//! Stream rules: checked on the raw bundle (manifest, every line of the log, every payload ref)
//! without reducing it, and every violation collected, not only the first.
//!
//! Nothing outside the bundle is opened: every file is resolved inside the bundle and checked to
//! be a regular file on its metadata before it is opened, and every read is bounded by `Limits`.

mod files;
mod lifecycle;
mod log;
mod manifest;
mod payloads;

use std::path::Path;

use super::{Limits, Violation};
use crate::bundle::{bundle_root, Bundle};
use crate::revision::Revision;

/// What the stream pass found, and the bundle to reduce when the files could be read at all.
#[derive(Debug)]
pub struct StreamCheck {
    pub violations: Vec<Violation>,
    /// `None` when the manifest or the log could not be read: there is nothing to reduce.
    pub bundle: Option<Bundle>,
}

/// Check the bundle at `dir` under the default revision.
pub fn check(dir: &Path, limits: &Limits) -> StreamCheck {
    check_as(dir, limits, Revision::default_revision())
}

/// Check the bundle at `dir` under `revision`: the event types it reads.
pub fn check_as(dir: &Path, limits: &Limits, revision: &'static Revision) -> StreamCheck {
    let mut found = Vec::new();
    let root = bundle_root(dir);
    if !files::within_bundle_limit(&root, limits, &mut found) {
        return StreamCheck { violations: found, bundle: None };
    }
    let manifest = manifest::read(&root, limits, &mut found);
    let Some(log) = files::read_log(&root, limits, &mut found) else {
        return StreamCheck { violations: found, bundle: None };
    };
    let events = log::check(&log, manifest.as_ref(), limits, revision, &mut found);
    payloads::check(&root, &events, limits, &mut found);
    lifecycle::check(&events, &mut found);
    let bounds = limits.bounds();
    // The same primitives as `Bundle::read_dir`, on the bytes already read: one reader, one read.
    let bundle = manifest.map(|manifest| Bundle::from_log(manifest, &log, dir, bounds));
    StreamCheck { violations: found, bundle }
}
