//! Reading a bundle directory: the manifest, the log (held whole or opened to be streamed), and
//! payload files, every path kept inside the bundle.
//!
//! The primitives here and in `log` and `contain` (line splitting, line parsing, path
//! containment, bounded regular-file reads) are the only bundle reader: `Bundle::read_dir`,
//! `Bundle::open_dir` and the stream rules of `check` all use them, so they can never disagree
//! about what a bundle holds.

use compact_str::ToCompactString;
use std::fs::{File, Metadata};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::contain::{bundle_root, locate_seen, resolve_inside, Outside};
use super::log::{parse_event_log_bounded, LogFile};
use super::seen::{Found, SeenDirs};
use super::{Bundle, Manifest, PayloadStore, RawPayloadRef, MANIFEST_FILE_NAME, RAW_EVENT_LOG_FILE_NAME};
use crate::error::{Error, ErrorKind};

impl Bundle {
    /// Read `manifest.json` and `trace.jsonl`; payloads are read later, when the reducer asks.
    pub fn read_dir(dir: impl AsRef<Path>) -> Result<Bundle, Error> {
        Bundle::read_dir_bounded(dir, LogBounds::NONE)
    }

    /// As [`Bundle::read_dir`], refusing what exceeds `bounds` before holding it. The directory is
    /// resolved once; `manifest.json` and `trace.jsonl` must be regular files inside it.
    pub fn read_dir_bounded(dir: impl AsRef<Path>, bounds: LogBounds) -> Result<Bundle, Error> {
        let dir = dir.as_ref();
        let (root, manifest) = root_and_manifest(dir, bounds)?;
        // The log can be no larger than the bundle, so the bundle limit bounds its read.
        let log = read_top_level(&root, RAW_EVENT_LOG_FILE_NAME, bounds.max_bundle_bytes, bounds.max_line_bytes)
            .map_err(|e| log_error(e, dir, bounds))?;
        Ok(Bundle::from_log(manifest, &log, dir, bounds))
    }

    /// Read `manifest.json` and open `trace.jsonl`, refused as [`Bundle::read_dir`] refuses them,
    /// without reading the log: replay reads and parses it line by line, so memory holds the
    /// reduced state and one line, never the log or its events. `events` stays empty.
    pub fn open_dir(dir: impl AsRef<Path>) -> Result<Bundle, Error> {
        Bundle::open_dir_bounded(dir, LogBounds::NONE)
    }

    /// As [`Bundle::open_dir`], with the bounds of [`Bundle::read_dir_bounded`], applied as the
    /// lines are read.
    pub fn open_dir_bounded(dir: impl AsRef<Path>, bounds: LogBounds) -> Result<Bundle, Error> {
        let dir = dir.as_ref();
        let (root, manifest) = root_and_manifest(dir, bounds)?;
        let file = open_top_level(&root, RAW_EVENT_LOG_FILE_NAME, bounds.max_bundle_bytes)
            .map_err(|e| log_error(e, dir, bounds))?;
        Ok(Bundle {
            manifest,
            events: Vec::new(),
            stop: None,
            payloads: PayloadStore::Dir { root, max_payload_bytes: bounds.max_payload_bytes, seen: Arc::default() },
            log: Some(LogFile::new(file, dir.join(RAW_EVENT_LOG_FILE_NAME), bounds)),
        })
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
            payloads: PayloadStore::Dir { root, max_payload_bytes: bounds.max_payload_bytes, seen: Arc::default() },
            log: None,
        }
    }
}

/// The bundle's resolved root, within the bundle limit, and its parsed manifest.
fn root_and_manifest(dir: &Path, bounds: LogBounds) -> Result<(PathBuf, Manifest), Error> {
    let root = bundle_root(dir);
    if let Some(max) = bounds.max_bundle_bytes {
        if tree_size(&root) > max {
            return Err(Error::new(ErrorKind::BundleTooLarge { max }).with_file(dir));
        }
    }
    let manifest_path = dir.join(MANIFEST_FILE_NAME);
    let manifest_bytes = read_top_level(&root, MANIFEST_FILE_NAME, bounds.max_line_bytes, None).map_err(|e| {
        let kind = match e {
            ReadError::Io(e) => ErrorKind::ManifestOpen(e.to_compact_string()),
            ReadError::NotRegular => ErrorKind::ManifestNotRegular(manifest_path.display().to_compact_string()),
            ReadError::Outside => ErrorKind::FileOutsideBundle(manifest_path.display().to_compact_string()),
            ReadError::TooLarge => ErrorKind::ManifestTooLarge {
                path: manifest_path.display().to_compact_string(),
                max: bounds.max_line_bytes.unwrap_or_default(),
            },
        };
        Error::new(kind).with_file(&manifest_path)
    })?;
    let manifest = serde_json::from_slice(&manifest_bytes).map_err(|e| {
        Error::new(ErrorKind::ManifestParse(manifest_path.display().to_compact_string()))
            .with_file(&manifest_path)
            .with_detail(e)
    })?;
    Ok((root, manifest))
}

/// Why `trace.jsonl` of the bundle at `dir` could not be read or opened.
fn log_error(e: ReadError, dir: &Path, bounds: LogBounds) -> Error {
    let log_path = dir.join(RAW_EVENT_LOG_FILE_NAME);
    let shown = log_path.display().to_string();
    let error = match e {
        ReadError::NotRegular => Error::new(ErrorKind::TraceNotRegular(shown.into())).with_detail(e),
        ReadError::Outside => Error::new(ErrorKind::FileOutsideBundle(shown.into())),
        ReadError::TooLarge => {
            Error::new(ErrorKind::BundleTooLarge { max: bounds.max_bundle_bytes.unwrap_or_default() })
        }
        ReadError::Io(_) => Error::new(ErrorKind::TraceOpen(shown.into())).with_detail(e),
    };
    error.with_file(&log_path)
}

/// Where reading a bundle stops, so a hostile bundle is refused instead of read. `NONE` reads
/// everything, as upstream does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LogBounds {
    pub max_line_bytes: Option<u64>,
    pub max_events: Option<usize>,
    pub max_payload_bytes: Option<u64>,
    pub max_bundle_bytes: Option<u64>,
}

impl LogBounds {
    pub const NONE: LogBounds =
        LogBounds { max_line_bytes: None, max_events: None, max_payload_bytes: None, max_bundle_bytes: None };
}

/// Why a file could not be read whole.
#[derive(Debug)]
pub enum ReadError {
    Io(std::io::Error),
    /// A directory, FIFO, socket or device: a read would block, never end, or make no sense.
    NotRegular,
    /// Longer than the bound (by its metadata, or by what a read returned).
    TooLarge,
    /// A symlink (or a path) resolving outside the bundle: never opened.
    Outside,
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Io(e) => e.fmt(f),
            ReadError::NotRegular => f.write_str("not a regular file"),
            ReadError::TooLarge => f.write_str("larger than the size limit"),
            ReadError::Outside => f.write_str("resolves outside the bundle"),
        }
    }
}

/// Read a whole file, refusing anything but a regular file (checked on its metadata before any
/// open) and, with `max_bytes`, anything longer: the bound holds while reading too, so a file that
/// grows or lies about its length is still cut off.
pub fn read_regular(path: &Path, max_bytes: Option<u64>) -> Result<Vec<u8>, ReadError> {
    read_regular_known(path, None, max_bytes)
}

/// As [`read_regular`], with the file's metadata when it is already known (a non-symlink's
/// `lstat`, which is its `stat`), saving one call per file.
fn read_regular_known(path: &Path, known: Option<Metadata>, max_bytes: Option<u64>) -> Result<Vec<u8>, ReadError> {
    let metadata = match known {
        Some(metadata) => metadata,
        None => std::fs::metadata(path).map_err(ReadError::Io)?,
    };
    if !metadata.is_file() {
        return Err(ReadError::NotRegular);
    }
    if max_bytes.is_some_and(|max| metadata.len() > max) {
        return Err(ReadError::TooLarge);
    }
    let file = std::fs::File::open(path).map_err(ReadError::Io)?;
    read_opened(file, metadata.len(), max_bytes)
}

/// The bytes of an opened regular file whose length was `len` when it was checked, refused past
/// `max_bytes`. A file still of that length costs one `read`: asked for one byte more, a read that
/// stops at `len` is at the end. One that grew or shrank since is read to its end, the bound
/// holding throughout.
fn read_opened(file: File, len: u64, max_bytes: Option<u64>) -> Result<Vec<u8>, ReadError> {
    let limit = max_bytes.map_or(u64::MAX, |max| max.saturating_add(1));
    let mut file = file.take(limit);
    // A length is only what the metadata said: a sparse or lying file grows the buffer as it reads.
    let mut bytes = vec![0; len.saturating_add(1).min(limit).min(FIRST_READ_MOST) as usize];
    let mut filled = 0;
    loop {
        match file.read(&mut bytes[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(ReadError::Io(e)),
        }
        if filled as u64 == len && filled < bytes.len() {
            break;
        }
        if filled == bytes.len() {
            if filled as u64 >= limit {
                break;
            }
            bytes.resize((filled.saturating_mul(2) as u64).min(limit) as usize, 0);
        }
    }
    bytes.truncate(filled);
    if max_bytes.is_some_and(|max| filled as u64 > max) {
        return Err(ReadError::TooLarge);
    }
    Ok(bytes)
}

/// The most a first read asks for: past it the buffer grows with what arrives.
const FIRST_READ_MOST: u64 = 64 << 20;

/// Read `trace.jsonl` as [`read_regular`] does, also ending the read inside the first line longer
/// than `max_line_bytes`: the bytes kept end with more than that many of it, so the line is still
/// seen as too long, and a multi-gigabyte line (or a sparse file of zeros) is never held.
pub fn read_log_file(path: &Path, max_bytes: Option<u64>, max_line_bytes: Option<u64>) -> Result<Vec<u8>, ReadError> {
    let Some(max_line) = max_line_bytes else { return read_regular(path, max_bytes) };
    let metadata = std::fs::metadata(path).map_err(ReadError::Io)?;
    if !metadata.is_file() {
        return Err(ReadError::NotRegular);
    }
    if max_bytes.is_some_and(|max| metadata.len() > max) {
        return Err(ReadError::TooLarge);
    }
    let mut file = std::fs::File::open(path).map_err(ReadError::Io)?;
    let mut bytes = Vec::with_capacity(metadata.len().min(64 << 20) as usize);
    let mut chunk = vec![0u8; 1 << 16];
    let mut line_start = 0;
    loop {
        let n = match file.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(ReadError::Io(e)),
        };
        let scanned = bytes.len();
        bytes.extend_from_slice(&chunk[..n]);
        if max_bytes.is_some_and(|max| bytes.len() as u64 > max) {
            return Err(ReadError::TooLarge);
        }
        if let Some(at) = bytes[scanned..].iter().rposition(|&b| b == b'\n') {
            line_start = scanned + at + 1;
        }
        // One byte over for a `\r` the line splitter drops, one more to be over the limit.
        let keep = max_line.saturating_add(2);
        if (bytes.len() - line_start) as u64 >= keep {
            bytes.truncate(line_start + keep as usize);
            break;
        }
    }
    Ok(bytes)
}

/// Read a payload file, refusing any path that could leave the bundle directory. `root` is the
/// bundle directory's canonical path.
pub fn payload_file(
    root: &Path,
    payload: &RawPayloadRef,
    max_bytes: Option<u64>,
    seen: &SeenDirs,
) -> Result<Vec<u8>, Error> {
    let open_error = |detail: String| {
        Error::new(ErrorKind::PayloadOpen(payload.raw_payload_id.clone())).with_file(&payload.path).with_detail(detail)
    };
    let outside = |detail: &str| {
        Error::new(ErrorKind::PayloadOutsideBundle(payload.raw_payload_id.clone()))
            .with_file(&payload.path)
            .with_detail(detail)
    };
    let not_regular = || {
        Error::new(ErrorKind::PayloadNotRegular(payload.raw_payload_id.clone()))
            .with_file(&payload.path)
            .with_detail(ReadError::NotRegular)
    };
    let too_large = || {
        Error::new(ErrorKind::PayloadTooLarge {
            id: payload.raw_payload_id.clone(),
            max: max_bytes.unwrap_or_default(),
        })
        .with_file(&payload.path)
    };
    let missing = || open_error(format!("no payload file at {}", root.join(&payload.path).display()));
    let read = |read: Result<Vec<u8>, ReadError>| {
        read.map_err(|e| match e {
            ReadError::NotRegular => not_regular(),
            ReadError::TooLarge => too_large(),
            e => open_error(e.to_string()),
        })
    };
    match seen.open(root, Path::new(&payload.path), max_bytes) {
        Some(Ok(Found::File(file, len))) => return read(read_opened(file, len, max_bytes)),
        Some(Ok(Found::NotRegular)) => return Err(not_regular()),
        Some(Ok(Found::TooLarge)) => return Err(too_large()),
        Some(Ok(Found::Missing)) => return Err(missing()),
        Some(Err(e)) => return Err(open_error(e.to_string())),
        None => {}
    }
    let target = match locate_seen(root, Path::new(&payload.path), seen) {
        Ok(Some(target)) => target,
        Ok(None) => return Err(missing()),
        Err(Outside::Parent | Outside::Absolute) => {
            return Err(outside("payload path must stay inside the bundle (no `..`, no absolute path)"))
        }
        Err(Outside::Symlink) => {
            return Err(Error::new(ErrorKind::PayloadSymlinkOutside(payload.raw_payload_id.clone()))
                .with_file(&payload.path)
                .with_detail("payload path resolves outside the bundle (symlink)"))
        }
    };
    read(read_regular_known(&target.path, target.metadata, max_bytes))
}

/// Read `name`, a file at the top of the bundle whose canonical path is `root`: refused unopened
/// when it resolves outside the bundle or is not a regular file; `max_line_bytes` as
/// [`read_log_file`].
pub fn read_top_level(
    root: &Path,
    name: &str,
    max_bytes: Option<u64>,
    max_line_bytes: Option<u64>,
) -> Result<Vec<u8>, ReadError> {
    match resolve_inside(root, Path::new(name)) {
        Ok(Some(target)) => read_log_file(&target, max_bytes, max_line_bytes),
        // Missing, or a dangling link: the OS error of the plain path says which.
        Ok(None) => read_regular(&root.join(name), max_bytes),
        Err(_) => Err(ReadError::Outside),
    }
}

/// Open `name`, a file at the top of the bundle whose canonical path is `root`, refused unopened
/// as [`read_top_level`] refuses it; `max_bytes` is checked on its metadata.
pub fn open_top_level(root: &Path, name: &str, max_bytes: Option<u64>) -> Result<File, ReadError> {
    let path = match resolve_inside(root, Path::new(name)) {
        Ok(Some(target)) => target,
        // Missing, or a dangling link: the OS error of the plain path says which.
        Ok(None) => root.join(name),
        Err(_) => return Err(ReadError::Outside),
    };
    let metadata = std::fs::metadata(&path).map_err(ReadError::Io)?;
    if !metadata.is_file() {
        return Err(ReadError::NotRegular);
    }
    if max_bytes.is_some_and(|max| metadata.len() > max) {
        return Err(ReadError::TooLarge);
    }
    File::open(&path).map_err(ReadError::Io)
}

/// The sizes of the regular files under `dir`, from metadata; symlinks count as nothing and are
/// not followed.
pub fn tree_size(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    let mut total = 0u64;
    for entry in entries.filter_map(Result::ok) {
        let Ok(metadata) = entry.path().symlink_metadata() else { continue };
        if metadata.is_dir() {
            total = total.saturating_add(tree_size(&entry.path()));
        } else if metadata.is_file() {
            total = total.saturating_add(metadata.len());
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::{read_opened, ReadError};

    fn read(text: &str, len: u64, max: Option<u64>) -> Result<Vec<u8>, ReadError> {
        let mut file = tempfile::tempfile().unwrap();
        std::io::Write::write_all(&mut file, text.as_bytes()).unwrap();
        std::io::Seek::rewind(&mut file).unwrap();
        read_opened(file, len, max)
    }

    #[test]
    fn a_file_is_read_whole_whatever_length_was_checked() {
        let text = "x".repeat(10_000);
        for len in [0, 1, 9_999, 10_000, 10_001, 50_000] {
            assert_eq!(read(&text, len, None).unwrap(), text.as_bytes(), "checked length {len}");
        }
        assert_eq!(read("", 0, Some(0)).unwrap(), b"");
    }

    #[test]
    fn the_bound_holds_for_a_file_that_grew_past_its_checked_length() {
        let text = "x".repeat(10_000);
        assert!(matches!(read(&text, 10, Some(100)), Err(ReadError::TooLarge)));
        assert!(matches!(read(&text, 10, Some(9_999)), Err(ReadError::TooLarge)));
        assert_eq!(read(&text, 10, Some(10_000)).unwrap().len(), 10_000);
    }
}
