//! Reading a bundle directory: whole files, parsed from the slice, paths kept inside the bundle.

use std::path::{Component, Path};

use super::{
    Bundle, EventRecord, Manifest, PayloadStore, RawPayloadRef, RawTraceEvent, MANIFEST_FILE_NAME,
    RAW_EVENT_LOG_FILE_NAME,
};
use crate::error::{Error, ErrorKind};

impl Bundle {
    /// Read `manifest.json` and `trace.jsonl`; payloads are read later, when the reducer asks.
    pub fn read_dir(dir: impl AsRef<Path>) -> Result<Bundle, Error> {
        let dir = dir.as_ref();
        let manifest_path = dir.join(MANIFEST_FILE_NAME);
        let manifest_bytes = read_regular(&manifest_path)
            .map_err(|e| Error::new(ErrorKind::ManifestOpen(e.to_string())).with_file(&manifest_path))?;
        let manifest: Manifest = serde_json::from_slice(&manifest_bytes).map_err(|e| {
            Error::new(ErrorKind::ManifestParse(manifest_path.display().to_string()))
                .with_file(&manifest_path)
                .with_detail(e)
        })?;
        let log_path = dir.join(RAW_EVENT_LOG_FILE_NAME);
        let log = read_regular(&log_path).map_err(|e| {
            Error::new(ErrorKind::TraceOpen(log_path.display().to_string())).with_file(&log_path).with_detail(e)
        })?;
        let (events, stop) = parse_event_log(&log);
        let stop = stop.map(|e| e.with_file(&log_path));
        // Resolved once: payload paths are checked against the real bundle root.
        let root = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
        Ok(Bundle { manifest, events, stop, payloads: PayloadStore::Dir(root) })
    }
}

/// Parse `trace.jsonl` up to its first bad line. Blank lines are skipped but still counted.
pub fn parse_event_log(log: &[u8]) -> (Vec<EventRecord>, Option<Error>) {
    let mut events = Vec::new();
    let mut rest = log;
    let mut line = 0;
    while !rest.is_empty() {
        line += 1;
        let (raw, tail) = match rest.iter().position(|&b| b == b'\n') {
            Some(end) => (&rest[..end], &rest[end + 1..]),
            None => (rest, &rest[rest.len()..]),
        };
        rest = tail;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let text = match std::str::from_utf8(raw) {
            Ok(text) => text,
            Err(e) => {
                let error = Error::new(ErrorKind::TraceLineRead(line)).with_detail(e);
                return (events, Some(Error { line: Some(line), ..error }));
            }
        };
        if text.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<RawTraceEvent>(text) {
            Ok(event) => events.push(EventRecord { line, event }),
            Err(e) => {
                let error = Error::new(ErrorKind::TraceLineParse(line)).with_detail(e);
                return (events, Some(Error { line: Some(line), ..error }));
            }
        }
    }
    (events, None)
}

/// Read a payload file, refusing any path that could leave the bundle directory. `root` is the
/// bundle directory's canonical path.
pub fn payload_file(root: &Path, payload: &RawPayloadRef) -> Result<Vec<u8>, Error> {
    let open_error = |detail: String| {
        Error::new(ErrorKind::PayloadOpen(payload.raw_payload_id.clone())).with_file(&payload.path).with_detail(detail)
    };
    let relative = Path::new(&payload.path);
    if relative.components().any(|c| !matches!(c, Component::Normal(_) | Component::CurDir)) {
        return Err(Error::new(ErrorKind::PayloadOutsideBundle(payload.raw_payload_id.clone()))
            .with_file(&payload.path)
            .with_detail("payload path must stay inside the bundle (no `..`, no absolute path)"));
    }
    let full = root.join(relative);
    let Ok(target) = full.canonicalize() else {
        return Err(open_error(format!("no payload file at {}", full.display())));
    };
    if !target.starts_with(root) {
        return Err(Error::new(ErrorKind::PayloadOutsideBundle(payload.raw_payload_id.clone()))
            .with_file(&payload.path)
            .with_detail("payload path resolves outside the bundle (symlink)"));
    }
    read_regular(&target).map_err(|e| open_error(e.to_string()))
}

/// Read a whole file, refusing anything but a regular file: a FIFO or device in a bundle would
/// block the read or never end.
fn read_regular(path: &Path) -> std::io::Result<Vec<u8>> {
    if !std::fs::metadata(path)?.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    std::fs::read(path)
}
