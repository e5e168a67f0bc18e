//! Keeping a bundle-relative path inside the bundle without canonicalizing every file.
//!
//! The bundle directory is resolved once (`bundle_root`). A path is first checked by its
//! components alone (no `..`, no absolute path); then each component is `lstat`ed under the root.
//! Only a component that is a symlink costs a full resolution, so a plain payload file costs one
//! `lstat` per component instead of a `readlink` per component of the whole absolute path. A
//! payload reader first asks [`SeenDirs::open`], which needs no walk at all once its directory is
//! held.

use std::fs::Metadata;
use std::path::{Component, Path, PathBuf};

use super::seen::SeenDirs;

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

/// A path found inside the bundle.
#[derive(Debug)]
pub struct Inside {
    pub path: PathBuf,
    /// The `lstat` of the last component when no component was a symlink: then it is also what
    /// `stat` would say, and the reader need not ask again.
    pub metadata: Option<Metadata>,
}

/// The bundle directory's canonical path, against which every path is contained.
pub fn bundle_root(dir: &Path) -> PathBuf {
    dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf())
}

/// Resolve `relative` inside the bundle whose canonical path is `root`, without opening anything.
/// `Ok(None)` when nothing exists there.
pub fn resolve_inside(root: &Path, relative: &Path) -> Result<Option<PathBuf>, Outside> {
    locate(root, relative).map(|found| found.map(|inside| inside.path))
}

/// As [`resolve_inside`], keeping the metadata seen on the way.
pub fn locate(root: &Path, relative: &Path) -> Result<Option<Inside>, Outside> {
    locate_in(root, relative, None)
}

/// As [`locate`], skipping the `lstat` of directories in `seen` and adding those it checks.
pub fn locate_seen(root: &Path, relative: &Path, seen: &SeenDirs) -> Result<Option<Inside>, Outside> {
    locate_in(root, relative, Some(seen))
}

fn locate_in(root: &Path, relative: &Path, seen: Option<&SeenDirs>) -> Result<Option<Inside>, Outside> {
    for component in relative.components() {
        match component {
            Component::Normal(_) | Component::CurDir => {}
            Component::ParentDir => return Err(Outside::Parent),
            Component::RootDir | Component::Prefix(_) => return Err(Outside::Absolute),
        }
    }
    let mut path = root.to_path_buf();
    let mut metadata = None;
    let mut names = relative.components().filter_map(|c| match c {
        Component::Normal(name) => Some(name),
        _ => None,
    });
    let mut next = names.next();
    while let Some(name) = next {
        path.push(name);
        next = names.next();
        if next.is_some() && seen.is_some_and(|seen| seen.has(&path)) {
            metadata = None;
            continue;
        }
        // `lstat` never follows the last component and never opens it.
        let Ok(found) = path.symlink_metadata() else { return Ok(None) };
        if found.file_type().is_symlink() {
            return through_symlink(root, relative);
        }
        if let Some(seen) = seen.filter(|_| next.is_some() && found.is_dir()) {
            seen.add(&path);
        }
        metadata = Some(found);
    }
    // `x.json/` names a directory: a file there is missing, as the OS would say on open.
    if ends_with_separator(relative) && !metadata.as_ref().is_none_or(Metadata::is_dir) {
        return Ok(None);
    }
    Ok(Some(Inside { path, metadata }))
}

/// A path with a symlink in it: resolved whole, and refused when it lands outside the root.
fn through_symlink(root: &Path, relative: &Path) -> Result<Option<Inside>, Outside> {
    // `canonicalize` resolves links with lstat and readlink only: the target is not opened.
    let Ok(target) = root.join(relative).canonicalize() else {
        // A dangling link is refused as missing; a link that exists but cannot resolve is too.
        return Ok(None);
    };
    if !target.starts_with(root) {
        return Err(Outside::Symlink);
    }
    Ok(Some(Inside { path: target, metadata: None }))
}

fn ends_with_separator(path: &Path) -> bool {
    let bytes = path.as_os_str().as_encoded_bytes();
    bytes.ends_with(b"/") || bytes.ends_with(b"/.") || (cfg!(windows) && bytes.ends_with(b"\\"))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    /// `<tmp>/bundle` (canonical) with `payloads/1.json`, and `<tmp>/outside.json` beside it.
    fn tree() -> (tempfile::TempDir, PathBuf) {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap().join("bundle");
        std::fs::create_dir_all(root.join("payloads")).unwrap();
        std::fs::write(root.join("payloads/1.json"), "{}").unwrap();
        std::fs::write(root.parent().unwrap().join("outside.json"), "{}").unwrap();
        (tmp, root)
    }

    fn resolve(root: &Path, relative: &str) -> Result<Option<PathBuf>, Outside> {
        resolve_inside(root, Path::new(relative))
    }

    #[test]
    fn a_plain_file_resolves_with_its_metadata() {
        let (_tmp, root) = tree();
        let inside = locate(&root, Path::new("payloads/./1.json")).unwrap().unwrap();
        assert_eq!(inside.path, root.join("payloads/1.json"));
        assert!(inside.metadata.is_some_and(|m| m.is_file()));
    }

    #[test]
    fn parent_and_absolute_paths_are_refused_by_their_components() {
        let (_tmp, root) = tree();
        assert_eq!(resolve(&root, "payloads/../payloads/1.json"), Err(Outside::Parent));
        assert_eq!(resolve(&root, "../outside.json"), Err(Outside::Parent));
        let absolute = root.join("payloads/1.json");
        assert_eq!(resolve(&root, absolute.to_str().unwrap()), Err(Outside::Absolute));
    }

    #[test]
    fn a_symlinked_file_or_directory_that_leaves_is_refused() {
        let (_tmp, root) = tree();
        let outside = root.parent().unwrap();
        symlink(outside.join("outside.json"), root.join("payloads/2.json")).unwrap();
        symlink(outside, root.join("up")).unwrap();
        assert_eq!(resolve(&root, "payloads/2.json"), Err(Outside::Symlink));
        assert_eq!(resolve(&root, "up/outside.json"), Err(Outside::Symlink));
        assert_eq!(resolve(&root, "up/bundle/payloads/1.json"), Ok(Some(root.join("payloads/1.json"))));
    }

    #[test]
    fn a_symlink_that_stays_inside_resolves_to_its_target_without_metadata() {
        let (_tmp, root) = tree();
        symlink("1.json", root.join("payloads/3.json")).unwrap();
        symlink("payloads", root.join("alias")).unwrap();
        let inside = locate(&root, Path::new("alias/3.json")).unwrap().unwrap();
        assert_eq!(inside.path, root.join("payloads/1.json"));
        assert!(inside.metadata.is_none());
    }

    #[test]
    fn a_cache_of_seen_directories_still_refuses_a_symlinked_directory() {
        let (_tmp, root) = tree();
        symlink(root.parent().unwrap(), root.join("up")).unwrap();
        let seen = SeenDirs::default();
        let found = |relative: &str| locate_seen(&root, Path::new(relative), &seen).map(|f| f.map(|i| i.path));
        assert_eq!(found("payloads/1.json"), Ok(Some(root.join("payloads/1.json"))));
        assert_eq!(found("up/outside.json"), Err(Outside::Symlink));
        assert_eq!(found("payloads/1.json"), Ok(Some(root.join("payloads/1.json"))), "from the cache");
        assert_eq!(found("payloads/9.json"), Ok(None));
    }

    #[test]
    fn missing_dangling_and_through_a_file_are_missing() {
        let (_tmp, root) = tree();
        symlink(root.join("nothing"), root.join("payloads/4.json")).unwrap();
        assert_eq!(resolve(&root, "payloads/9.json"), Ok(None));
        assert_eq!(resolve(&root, "payloads/4.json"), Ok(None));
        assert_eq!(resolve(&root, "payloads/1.json/x"), Ok(None));
        assert_eq!(resolve(&root, "payloads/1.json/"), Ok(None));
        assert_eq!(resolve(&root, "payloads/"), Ok(Some(root.join("payloads"))));
    }
}
