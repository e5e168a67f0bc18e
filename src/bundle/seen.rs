//! Directories of one bundle already checked to be real directories, each held open, so that the
//! thousands of files of `payloads/` are reached from their directory's descriptor.
//!
//! Without it, each payload cost an `lstat` and an `open` of its whole path, each walking every
//! component again; that walk was most of the kernel time of a disk replay.

use std::fs::File;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

/// A bundle has one payload directory; a hostile one with many gains nothing from a cache.
const MOST: usize = 8;

/// Directories under one root already `lstat`ed as real directories (no symlink). A directory
/// swapped for a symlink after its check is not seen, as with any check made before an open; once
/// held open, it is the directory checked that is read.
#[derive(Debug, Default)]
pub struct SeenDirs(Mutex<Vec<SeenDir>>);

#[derive(Debug)]
struct SeenDir {
    path: PathBuf,
    /// The directory opened once, without following a symlink; `None` where it could not be.
    #[cfg(unix)]
    held: Option<Arc<std::os::fd::OwnedFd>>,
}

/// What a path under a seen directory names, found from that directory's descriptor.
#[derive(Debug)]
pub enum Found {
    /// A regular file, opened, and its length when it was checked.
    File(File, u64),
    /// Something else: a directory, FIFO, socket or device. It is not opened.
    NotRegular,
    /// Longer than the bound, by its length. It is not opened.
    TooLarge,
    /// Nothing there, as an `lstat` would say.
    Missing,
}

impl SeenDirs {
    pub(super) fn has(&self, dir: &Path) -> bool {
        self.lock().iter().any(|seen| seen.path == dir)
    }

    pub(super) fn add(&self, dir: &Path) {
        let mut seen = self.lock();
        if seen.len() < MOST && !seen.iter().any(|seen| seen.path == dir) {
            seen.push(SeenDir {
                path: dir.to_path_buf(),
                #[cfg(unix)]
                held: held_open(dir).map(Arc::new),
            });
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<SeenDir>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `relative` (under `root`) looked up from its seen directory: one `lstat` and one `open`
    /// of its last component, neither following a symlink. `None` when its directory is not seen
    /// or not held, when it is not a plain `dir/name` path, or when its last component is a
    /// symlink: the caller then resolves it the long way. An `Err` is the open's.
    #[cfg(unix)]
    pub fn open(&self, root: &Path, relative: &Path, max_bytes: Option<u64>) -> Option<std::io::Result<Found>> {
        use rustix::fs::{openat, statat, AtFlags, FileType, Mode, OFlags};
        let bytes = relative.as_os_str().as_encoded_bytes();
        if bytes.ends_with(b"/") || !relative.components().all(|c| matches!(c, Component::Normal(_))) {
            return None;
        }
        let (dir, name) = (relative.parent()?, relative.file_name()?);
        let dir = root.join(dir);
        let held = self.lock().iter().find(|seen| seen.path == dir)?.held.clone()?;
        let Ok(stat) = statat(&*held, name, AtFlags::SYMLINK_NOFOLLOW) else { return Some(Ok(Found::Missing)) };
        let len = match FileType::from_raw_mode(stat.st_mode) {
            FileType::Symlink => return None,
            FileType::RegularFile => stat.st_size.max(0) as u64,
            _ => return Some(Ok(Found::NotRegular)),
        };
        if max_bytes.is_some_and(|max| len > max) {
            return Some(Ok(Found::TooLarge));
        }
        let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        Some(openat(&*held, name, flags, Mode::empty()).map(|fd| Found::File(File::from(fd), len)).map_err(Into::into))
    }

    #[cfg(not(unix))]
    pub fn open(&self, _root: &Path, _relative: &Path, _max_bytes: Option<u64>) -> Option<std::io::Result<Found>> {
        None
    }
}

/// `dir` opened as a directory, refusing a symlink in its place.
#[cfg(unix)]
fn held_open(dir: &Path) -> Option<std::os::fd::OwnedFd> {
    use rustix::fs::{open, Mode, OFlags};
    open(dir, OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC, Mode::empty()).ok()
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    /// `<tmp>/bundle/payloads` seen, holding a file, a FIFO, a symlink and a subdirectory.
    fn tree() -> (tempfile::TempDir, PathBuf, SeenDirs) {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap().join("bundle");
        let payloads = root.join("payloads");
        std::fs::create_dir_all(payloads.join("sub")).unwrap();
        std::fs::write(payloads.join("1.json"), "{\"a\":1}").unwrap();
        std::os::unix::fs::symlink("1.json", payloads.join("link.json")).unwrap();
        rustix::fs::mknodat(rustix::fs::CWD, payloads.join("fifo.json"), rustix::fs::FileType::Fifo, 0o600.into(), 0)
            .unwrap();
        let seen = SeenDirs::default();
        seen.add(&payloads);
        (tmp, root, seen)
    }

    fn open(seen: &SeenDirs, root: &Path, relative: &str, max: Option<u64>) -> Option<String> {
        seen.open(root, Path::new(relative), max).map(|found| match found.unwrap() {
            Found::File(file, len) => format!("file of {len}, {:?}", file.metadata().map(|m| m.len()).ok()),
            other => format!("{other:?}"),
        })
    }

    #[test]
    fn a_file_under_a_seen_directory_opens_from_its_descriptor() {
        let (_tmp, root, seen) = tree();
        assert_eq!(open(&seen, &root, "payloads/1.json", None).as_deref(), Some("file of 7, Some(7)"));
        assert_eq!(open(&seen, &root, "payloads/9.json", None).as_deref(), Some("Missing"));
        assert_eq!(open(&seen, &root, "payloads/1.json", Some(6)).as_deref(), Some("TooLarge"));
        assert_eq!(
            open(&seen, &root, "payloads/1.json", Some(7)).as_deref(),
            Some("file of 7, Some(7)"),
            "at the bound"
        );
    }

    #[test]
    fn a_fifo_or_a_directory_is_refused_unopened() {
        let (_tmp, root, seen) = tree();
        // Opening the FIFO for reading would block this test until a writer came.
        assert_eq!(open(&seen, &root, "payloads/fifo.json", None).as_deref(), Some("NotRegular"));
        assert_eq!(open(&seen, &root, "payloads/sub", None).as_deref(), Some("NotRegular"));
    }

    #[test]
    fn a_symlink_an_unseen_directory_or_an_unusual_path_goes_the_long_way() {
        let (_tmp, root, seen) = tree();
        for relative in ["payloads/link.json", "payloads/sub/x.json", "other/1.json", "payloads/1.json/", "1.json"] {
            assert_eq!(open(&seen, &root, relative, None), None, "{relative}");
        }
        assert_eq!(open(&seen, &root, "payloads/../payloads/1.json", None), None);
    }

    #[test]
    fn a_directory_replaced_after_it_was_seen_is_still_the_one_read() {
        let (tmp, root, seen) = tree();
        let payloads = root.join("payloads");
        std::fs::rename(&payloads, tmp.path().join("moved")).unwrap();
        std::os::unix::fs::symlink(tmp.path(), &payloads).unwrap();
        // The held descriptor is of the directory that was checked, not of what the name holds now.
        assert_eq!(open(&seen, &root, "payloads/1.json", None).as_deref(), Some("file of 7, Some(7)"));
    }
}
