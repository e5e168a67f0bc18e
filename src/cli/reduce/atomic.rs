//! Replacing `state.json` at once: a reader, or a `reduce` killed at any instant, finds the old
//! file or the whole new one, never part of one, and nothing else beside it.

use std::fs::File;
use std::io::{self, Write};
use std::path::Path;

/// Write through a temporary file renamed into place. On Linux the temporary file has no name
/// while it is written (`O_TMPFILE`), so a kill leaves nothing; elsewhere, or where the
/// filesystem lacks `O_TMPFILE`, it is a named temp file beside `path`. A symlink at `path` is
/// replaced, never followed out of the bundle. The file gets the mode a plain write would give it
/// (an existing file's, else 0666 less the umask). A FIFO or device at `path` is written to, not
/// replaced.
pub fn write_replacing(path: &Path, write: impl Fn(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
    let existing = std::fs::symlink_metadata(path).ok();
    if let Some(meta) = &existing {
        let kind = meta.file_type();
        if !kind.is_file() && !kind.is_symlink() && !kind.is_dir() {
            return write(&mut File::create(path)?);
        }
    }
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let permissions = existing.filter(|meta| meta.is_file()).map(|meta| meta.permissions());
    #[cfg(target_os = "linux")]
    let done = unnamed::write(dir, path, permissions.clone(), &write)?;
    #[cfg(not(target_os = "linux"))]
    let done = false;
    if !done {
        named(dir, path, permissions, &write)?;
    }
    // The rename is durable only once the directory is: best effort, the state is whole either way.
    let _ = File::open(dir).and_then(|dir| dir.sync_all());
    Ok(())
}

/// The portable way: a named temp file (`.tmpXXXXXX`) persisted over `path`. A kill after it is
/// created and before the rename leaves it behind.
fn named(
    dir: &Path,
    path: &Path,
    permissions: Option<std::fs::Permissions>,
    write: &impl Fn(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let mut builder = tempfile::Builder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut file = builder.tempfile_in(dir)?;
    if let Some(permissions) = permissions {
        file.as_file().set_permissions(permissions)?;
    }
    write(file.as_file_mut())?;
    file.as_file().sync_all()?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(target_os = "linux")]
mod unnamed {
    use std::ffi::CString;
    use std::fs::{File, OpenOptions};
    use std::io::{self, Write};
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::OpenOptionsExt;
    use std::os::unix::io::AsRawFd;
    use std::path::Path;

    /// Temp names tried before giving up (each taken one is a leftover of a killed run).
    const ATTEMPTS: u32 = 64;

    /// Write `path` through an `O_TMPFILE` file in `dir`. `Ok(false)` when the kernel or the
    /// filesystem cannot make one (or `/proc` is not mounted): the caller falls back.
    pub fn write(
        dir: &Path,
        path: &Path,
        permissions: Option<std::fs::Permissions>,
        write: &impl Fn(&mut dyn Write) -> io::Result<()>,
    ) -> io::Result<bool> {
        // The file is named through its /proc link; without /proc it could never be named.
        if !Path::new("/proc/self/fd").is_dir() {
            return Ok(false);
        }
        let opened = OpenOptions::new().write(true).mode(0o666).custom_flags(libc::O_TMPFILE).open(dir);
        let mut file = match opened {
            Ok(file) => file,
            // EISDIR: a kernel older than O_TMPFILE sees only its O_DIRECTORY bit.
            Err(e) if matches!(e.raw_os_error(), Some(libc::EOPNOTSUPP | libc::EISDIR | libc::EINVAL)) => {
                return Ok(false)
            }
            Err(e) => return Err(e),
        };
        if let Some(permissions) = permissions {
            file.set_permissions(permissions)?;
        }
        write(&mut file)?;
        file.sync_all()?;
        name_over(&file, dir, path)?;
        Ok(true)
    }

    fn c_path(path: &Path) -> io::Result<CString> {
        CString::new(path.as_os_str().as_bytes()).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))
    }

    /// Give the written file a temp name, then rename that over `path`. `linkat` cannot replace
    /// an existing file, hence the two steps.
    fn name_over(file: &File, dir: &Path, path: &Path) -> io::Result<()> {
        let source = CString::new(format!("/proc/self/fd/{}", file.as_raw_fd())).expect("no NUL in a number");
        let target = c_path(path)?;
        let stem = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        for attempt in 0..ATTEMPTS {
            let name = c_path(&dir.join(format!(".{stem}.{}.{attempt}.tmp", std::process::id())))?;
            // Everything is prepared before the link: between it and the rename a kill leaves the
            // temp name behind, so the two system calls follow each other with nothing between.
            // SAFETY: both paths are NUL-terminated C strings that outlive the calls.
            let linked = unsafe {
                libc::linkat(libc::AT_FDCWD, source.as_ptr(), libc::AT_FDCWD, name.as_ptr(), libc::AT_SYMLINK_FOLLOW)
            };
            if linked != 0 {
                let error = io::Error::last_os_error();
                if error.raw_os_error() == Some(libc::EEXIST) {
                    continue;
                }
                return Err(error);
            }
            // SAFETY: as above.
            if unsafe { libc::rename(name.as_ptr(), target.as_ptr()) } != 0 {
                let error = io::Error::last_os_error();
                // SAFETY: as above.
                unsafe { libc::unlink(name.as_ptr()) };
                return Err(error);
            }
            return Ok(());
        }
        Err(io::Error::new(io::ErrorKind::AlreadyExists, format!("{ATTEMPTS} temp names beside {stem} are taken")))
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        names.sort();
        names
    }

    /// Both ways replace the file whole, keep its mode, and leave nothing beside it.
    #[test]
    fn a_replaced_file_keeps_its_mode_and_nothing_is_left_beside_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        write_replacing(&path, |out| out.write_all(b"new")).unwrap();
        named(dir.path(), &path, Some(std::fs::Permissions::from_mode(0o640)), &|out: &mut dyn Write| {
            out.write_all(b"newer")
        })
        .unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "newer");
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o640);
        write_replacing(&path, |out| out.write_all(b"newest")).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o640);
        assert_eq!(names(dir.path()), ["state.json"]);
    }

    #[test]
    fn a_symlink_is_replaced_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("outside");
        std::fs::write(&outside, "keep").unwrap();
        let bundle = dir.path().join("bundle");
        std::fs::create_dir(&bundle).unwrap();
        let path = bundle.join("state.json");
        std::os::unix::fs::symlink(&outside, &path).unwrap();
        write_replacing(&path, |out| out.write_all(b"state")).unwrap();
        assert_eq!(std::fs::read_to_string(&outside).unwrap(), "keep");
        assert!(std::fs::symlink_metadata(&path).unwrap().is_file());
        assert_eq!(names(&bundle), ["state.json"]);
    }

    /// A failed write leaves the old file, and (unnamed or not) no temp file.
    #[test]
    fn a_failed_write_leaves_the_old_file_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        std::fs::write(&path, "old").unwrap();
        let failed = write_replacing(&path, |out| {
            out.write_all(b"half")?;
            Err(io::Error::other("disk full"))
        });
        assert!(failed.is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        assert_eq!(names(dir.path()), ["state.json"]);
    }
}
