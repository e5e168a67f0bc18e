//! Which bundles on disk `compare` hands to no reducer: those the bundle reader refuses as input
//! (a file that is not regular, a path or symlink leaving the bundle, a reading limit), as
//! opposed to streams a reducer must reject. A reducer run on one could hang on a FIFO or read
//! outside the bundle, and the reference's answer would be this tool's refusal, not a reduction
//! to agree with.

use std::path::Path;

use crate::bundle::{Bundle, LogBounds};
use crate::error::{Error, ErrorKind};

/// Whether the reader refused the bundle's files rather than found its stream wrong.
pub fn refusal(kind: &ErrorKind) -> bool {
    use ErrorKind::*;
    matches!(
        kind,
        ManifestNotRegular(_)
            | TraceNotRegular(_)
            | FileOutsideBundle(_)
            | PayloadNotRegular(_)
            | PayloadOutsideBundle(_)
            | PayloadSymlinkOutside(_)
            | LineTooLong { .. }
            | TooManyEvents { .. }
            | PayloadTooLarge { .. }
            | BundleTooLarge { .. }
            | ManifestTooLarge { .. }
    )
}

/// The first refusal in the bundle at `dir`, read within `bounds`: its manifest and log, every
/// payload of the events before the log's first bad line (each at the line naming it), then that
/// line. `None` when a reducer may be given the bundle.
pub fn screen(dir: &Path, bounds: LogBounds) -> Option<Error> {
    let bundle = match Bundle::read_dir_bounded(dir, bounds) {
        Ok(bundle) => bundle,
        // The bundle limit names the directory; it is the bundle as a whole.
        Err(error) if matches!(*error.kind, ErrorKind::BundleTooLarge { .. }) => return Some(Error::new(*error.kind)),
        Err(error) => return refusal(&error.kind).then_some(error),
    };
    for record in &bundle.events {
        for payload in record.event.payload.payload_refs() {
            match bundle.payload_bytes(payload) {
                Err(error) if refusal(&error.kind) => return Some(error.at_event(record.line, record.event.seq)),
                _ => {}
            }
        }
    }
    bundle.stop.filter(|stop| refusal(&stop.kind))
}
