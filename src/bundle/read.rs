//! Reading a bundle directory: whole files, parsed from the slice, paths kept inside the bundle.
//!
//! The primitives here (line splitting, line parsing, path containment, bounded regular-file
//! reads) are the only bundle reader: `Bundle::read_dir` and the stream rules of `check` both use
//! them, so the two can never disagree about what a bundle holds.

use std::io::Read;
use std::path::{Component, Path, PathBuf};

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
        let manifest_bytes = read_regular(&manifest_path, None)
            .map_err(|e| Error::new(ErrorKind::ManifestOpen(e.to_string())).with_file(&manifest_path))?;
        let manifest: Manifest = serde_json::from_slice(&manifest_bytes).map_err(|e| {
            Error::new(ErrorKind::ManifestParse(manifest_path.display().to_string()))
                .with_file(&manifest_path)
                .with_detail(e)
        })?;
        let log_path = dir.join(RAW_EVENT_LOG_FILE_NAME);
        let log = read_regular(&log_path, None).map_err(|e| {
            Error::new(ErrorKind::TraceOpen(log_path.display().to_string())).with_file(&log_path).with_detail(e)
        })?;
        Ok(Bundle::from_log(manifest, &log, dir, LogBounds::NONE))
    }

    /// A directory-backed bundle from a manifest and the bytes of its log, already read.
    pub fn from_log(manifest: Manifest, log: &[u8], dir: &Path, bounds: LogBounds) -> Bundle {
        let log_path = dir.join(RAW_EVENT_LOG_FILE_NAME);
        let (events, stop) = parse_event_log_bounded(log, bounds);
        let stop = stop.map(|e| e.with_file(&log_path));
        // Resolved once: payload paths are checked against the real bundle root.
        let root = bundle_root(dir);
        Bundle {
            manifest,
            events,
            stop,
            payloads: PayloadStore::Dir { root, max_payload_bytes: bounds.max_payload_bytes },
        }
    }
}

/// The bundle directory's canonical path, against which every path is contained.
pub fn bundle_root(dir: &Path) -> PathBuf {
    dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf())
}

/// Where reading a bundle stops, so a hostile bundle is refused instead of read. `NONE` reads
/// everything, as upstream does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LogBounds {
    pub max_line_bytes: Option<u64>,
    pub max_events: Option<usize>,
    pub max_payload_bytes: Option<u64>,
}

impl LogBounds {
    pub const NONE: LogBounds = LogBounds { max_line_bytes: None, max_events: None, max_payload_bytes: None };
}

/// One physical line of `trace.jsonl`, without its `\n` (and a `\r` before it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogLine<'a> {
    /// 1-based physical line number.
    pub number: usize,
    pub bytes: &'a [u8],
    /// Whether a `\n` ended it; only the last line of a log can lack one.
    pub terminated: bool,
}

/// The physical lines of a log, in order.
pub fn log_lines(log: &[u8]) -> impl Iterator<Item = LogLine<'_>> {
    let mut rest = log;
    let mut number = 0;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        number += 1;
        let (raw, tail, terminated) = match rest.iter().position(|&b| b == b'\n') {
            Some(end) => (&rest[..end], &rest[end + 1..], true),
            None => (rest, &rest[rest.len()..], false),
        };
        rest = tail;
        let bytes = raw.strip_suffix(b"\r").unwrap_or(raw);
        Some(LogLine { number, bytes, terminated })
    })
}

/// Why one line is not an event.
#[derive(Debug)]
pub enum LineError {
    NotUtf8(std::str::Utf8Error),
    NotEvent(serde_json::Error),
}

/// Parse one line: `None` for a line that is blank after trimming (upstream skips those).
pub fn parse_line(bytes: &[u8]) -> Result<Option<RawTraceEvent>, LineError> {
    let text = std::str::from_utf8(bytes).map_err(LineError::NotUtf8)?;
    if text.trim().is_empty() {
        return Ok(None);
    }
    serde_json::from_str(text).map(Some).map_err(LineError::NotEvent)
}

/// Parse `trace.jsonl` up to its first bad line. Blank lines are skipped but still counted.
pub fn parse_event_log(log: &[u8]) -> (Vec<EventRecord>, Option<Error>) {
    parse_event_log_bounded(log, LogBounds::NONE)
}

/// As [`parse_event_log`], also stopping at a line longer than `max_line_bytes` or at the
/// event after `max_events` (each a `read trace event line` error at that line).
pub fn parse_event_log_bounded(log: &[u8], bounds: LogBounds) -> (Vec<EventRecord>, Option<Error>) {
    let mut events = Vec::new();
    for line in log_lines(log) {
        let number = line.number;
        let stop = |kind: ErrorKind, detail: String| {
            let error = Error::new(kind).with_detail(detail);
            Some(Error { line: Some(number), ..error })
        };
        if bounds.max_line_bytes.is_some_and(|max| line.bytes.len() as u64 > max) {
            return (events, stop(ErrorKind::TraceLineRead(number), "line longer than the line limit".into()));
        }
        match parse_line(line.bytes) {
            Ok(None) => {}
            Ok(Some(event)) => {
                if bounds.max_events.is_some_and(|max| events.len() >= max) {
                    return (events, stop(ErrorKind::TraceLineRead(number), "more events than the event limit".into()));
                }
                events.push(EventRecord { line: number, event });
            }
            Err(LineError::NotUtf8(e)) => return (events, stop(ErrorKind::TraceLineRead(number), e.to_string())),
            Err(LineError::NotEvent(e)) => return (events, stop(ErrorKind::TraceLineParse(number), e.to_string())),
        }
    }
    (events, None)
}

/// Why a bundle-relative path does not name a file inside the bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outside {
    /// A `..` component.
    Parent,
    /// An absolute path (or a Windows prefix).
    Absolute,
    /// It resolves, through a symlink, to somewhere outside the bundle.
    Symlink,
}

/// Resolve `relative` inside the bundle whose canonical path is `root`, without opening anything.
/// `Ok(None)` when nothing exists there.
pub fn resolve_inside(root: &Path, relative: &Path) -> Result<Option<PathBuf>, Outside> {
    for component in relative.components() {
        match component {
            Component::Normal(_) | Component::CurDir => {}
            Component::ParentDir => return Err(Outside::Parent),
            Component::RootDir | Component::Prefix(_) => return Err(Outside::Absolute),
        }
    }
    let full = root.join(relative);
    // `canonicalize` resolves links with lstat and readlink only: the target is not opened.
    let Ok(target) = full.canonicalize() else {
        // A dangling link is refused as missing; a link that exists but cannot resolve is too.
        return Ok(None);
    };
    if !target.starts_with(root) {
        return Err(Outside::Symlink);
    }
    Ok(Some(target))
}

/// Why a file could not be read whole.
#[derive(Debug)]
pub enum ReadError {
    Io(std::io::Error),
    /// A directory, FIFO, socket or device: a read would block, never end, or make no sense.
    NotRegular,
    /// Longer than the bound (by its metadata, or by what a read returned).
    TooLarge,
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Io(e) => e.fmt(f),
            ReadError::NotRegular => f.write_str("not a regular file"),
            ReadError::TooLarge => f.write_str("larger than the size limit"),
        }
    }
}

/// Read a whole file, refusing anything but a regular file (checked on its metadata before any
/// open) and, with `max_bytes`, anything longer: the bound holds while reading too, so a file that
/// grows or lies about its length is still cut off.
pub fn read_regular(path: &Path, max_bytes: Option<u64>) -> Result<Vec<u8>, ReadError> {
    let metadata = std::fs::metadata(path).map_err(ReadError::Io)?;
    if !metadata.is_file() {
        return Err(ReadError::NotRegular);
    }
    let Some(max) = max_bytes else {
        return std::fs::read(path).map_err(ReadError::Io);
    };
    if metadata.len() > max {
        return Err(ReadError::TooLarge);
    }
    let file = std::fs::File::open(path).map_err(ReadError::Io)?;
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    file.take(max + 1).read_to_end(&mut bytes).map_err(ReadError::Io)?;
    if bytes.len() as u64 > max {
        return Err(ReadError::TooLarge);
    }
    Ok(bytes)
}

/// Read a payload file, refusing any path that could leave the bundle directory. `root` is the
/// bundle directory's canonical path.
pub fn payload_file(root: &Path, payload: &RawPayloadRef, max_bytes: Option<u64>) -> Result<Vec<u8>, Error> {
    let open_error = |detail: String| {
        Error::new(ErrorKind::PayloadOpen(payload.raw_payload_id.clone())).with_file(&payload.path).with_detail(detail)
    };
    let outside = |detail: &str| {
        Error::new(ErrorKind::PayloadOutsideBundle(payload.raw_payload_id.clone()))
            .with_file(&payload.path)
            .with_detail(detail)
    };
    let target = match resolve_inside(root, Path::new(&payload.path)) {
        Ok(Some(target)) => target,
        Ok(None) => return Err(open_error(format!("no payload file at {}", root.join(&payload.path).display()))),
        Err(Outside::Parent | Outside::Absolute) => {
            return Err(outside("payload path must stay inside the bundle (no `..`, no absolute path)"))
        }
        Err(Outside::Symlink) => return Err(outside("payload path resolves outside the bundle (symlink)")),
    };
    read_regular(&target, max_bytes).map_err(|e| open_error(e.to_string()))
}
