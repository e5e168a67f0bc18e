//! One containment rule for every command, shown by the files the binary opens: run under
//! `strace -f`, `reduce`, `check`, `diff` and `compare` (with `reduce --stdout` as its candidate,
//! so the child is watched too) attempt no open of any path under the test's temp root that lies
//! outside the bundle, though its payloads, manifest and log link to files beside it. The bundle is
//! also reached through a symlinked directory, which is resolved once; a clean bundle beside them
//! shows `diff` and `compare` read what they are given, and only that.

use std::path::{Path, PathBuf};
use std::process::Command;

const VALID: &str = "corpus/valid/cancelled_inference";

fn strace_available() -> bool {
    Command::new("strace").arg("-V").output().is_ok_and(|o| o.status.success())
}

fn copy_valid(to: &Path) {
    let from = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(VALID);
    std::fs::create_dir_all(to.join("payloads")).unwrap();
    for name in ["manifest.json", "trace.jsonl"] {
        std::fs::copy(from.join(name), to.join(name)).unwrap();
    }
    for entry in std::fs::read_dir(from.join("payloads")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join("payloads").join(entry.file_name())).unwrap();
    }
}

/// `<root>/bundle` whose payload 1 links to a readable copy beside the bundle (`<root>/outside`),
/// and `<root>/other` a second bundle whose manifest and log link out of it too.
fn hostile_tree(root: &Path) {
    let bundle = root.join("bundle");
    copy_valid(&bundle);
    std::fs::create_dir_all(root.join("outside")).unwrap();
    for name in ["payloads/1.json", "manifest.json", "trace.jsonl"] {
        let target = root.join("outside").join(name.replace('/', "_"));
        std::fs::copy(bundle.join(name), &target).unwrap();
        if name.starts_with("payloads") {
            std::fs::remove_file(bundle.join(name)).unwrap();
            std::os::unix::fs::symlink(&target, bundle.join(name)).unwrap();
        }
    }
    let other = root.join("other");
    copy_valid(&other);
    for name in ["manifest.json", "trace.jsonl"] {
        std::fs::remove_file(other.join(name)).unwrap();
        std::os::unix::fs::symlink(root.join("outside").join(name), other.join(name)).unwrap();
    }
    std::os::unix::fs::symlink(&bundle, root.join("link")).unwrap();
}

/// The paths of every open/openat/openat2 the command attempted, as strace logged them.
fn opened(root: &Path, args: &[&std::ffi::OsStr]) -> (i32, Vec<PathBuf>) {
    let log = root.join("strace.log");
    let status = Command::new("strace")
        .args(["-f", "-qq", "-y", "-e", "trace=open,openat,openat2", "-o"])
        .arg(&log)
        .arg(env!("CARGO_BIN_EXE_rollout-conformance"))
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    let text = std::fs::read_to_string(&log).unwrap();
    std::fs::remove_file(&log).unwrap();
    let paths = text.lines().filter_map(opened_path).collect();
    (status.code().unwrap_or(-1), paths)
}

/// The path one logged open names. A name opened from a directory's descriptor (`-y` shows it as
/// `3</dir>`) is joined to that directory, so a relative name stands for where it was opened.
fn opened_path(line: &str) -> Option<PathBuf> {
    let (call, rest) = line.split_once('(')?;
    let (_, name) = rest.split_once('"')?;
    let (name, _) = name.split_once('"')?;
    let dir = call.ends_with("openat").then(|| rest.split_once(", ")).flatten().and_then(|(fd, _)| {
        let (_, dir) = fd.split_once('<')?;
        dir.strip_suffix('>')
    });
    Some(match dir {
        Some(dir) => Path::new(dir).join(name),
        None => PathBuf::from(name),
    })
}

#[test]
fn no_command_opens_anything_outside_the_bundle() {
    if !strace_available() {
        // CI installs strace (.ci/run); only a user's machine without it skips.
        assert!(std::env::var_os("CI").is_none(), "strace is missing");
        eprintln!("SKIPPED: strace not installed");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().canonicalize().unwrap();
    hostile_tree(&root);
    let clean = root.join("clean");
    copy_valid(&clean);
    let out = tempfile::tempdir().unwrap();
    let state = root.join("bundle/state.json");
    let (bundle, link, other) = (root.join("bundle"), root.join("link"), root.join("other"));
    let candidate = shell_words::join([env!("CARGO_BIN_EXE_rollout-conformance"), "reduce", "--stdout", "{bundle}"]);
    let compare = |given: &Path| -> Vec<std::ffi::OsString> {
        let mut args: Vec<std::ffi::OsString> = ["compare", "--candidate", &candidate].map(Into::into).to_vec();
        args.extend(["--bundle".into(), given.into(), "--out".into(), out.path().into()]);
        args
    };
    let plain = |words: &[&std::ffi::OsStr]| words.iter().map(|w| w.to_os_string()).collect::<Vec<_>>();
    let runs = [
        ("reduce", plain(&["reduce".as_ref(), bundle.as_ref()]), &bundle, 2),
        ("reduce via link", plain(&["reduce".as_ref(), link.as_ref()]), &bundle, 2),
        ("reduce other", plain(&["reduce".as_ref(), other.as_ref()]), &other, 2),
        ("check", plain(&["check".as_ref(), bundle.as_ref()]), &bundle, 1),
        ("check other", plain(&["check".as_ref(), other.as_ref()]), &other, 1),
        ("diff", plain(&["diff".as_ref(), bundle.as_ref(), link.as_ref()]), &bundle, 2),
        ("diff other", plain(&["diff".as_ref(), other.as_ref(), bundle.as_ref()]), &other, 2),
        ("diff clean", plain(&["diff".as_ref(), clean.as_ref(), clean.as_ref()]), &clean, 0),
        // A refused bundle is given to neither reducer; compare still exits 0, naming the rule.
        ("compare", compare(&bundle), &bundle, 0),
        ("compare via link", compare(&link), &bundle, 0),
        ("compare other", compare(&other), &other, 0),
        ("compare clean", compare(&clean), &clean, 0),
    ];
    for (name, args, bundle, code) in runs {
        let args: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
        let (got, paths) = opened(&root, &args);
        assert_eq!(got, code, "{name} exit code");
        // `other` is refused before anything is opened; the rest show strace sees the opens.
        if !bundle.ends_with("other") {
            assert!(paths.iter().any(|p| p.starts_with(bundle)), "{name}: strace saw no open in the bundle");
        }
        let outside: Vec<&PathBuf> =
            paths.iter().filter(|p| p.is_absolute() && p.starts_with(&root) && !p.starts_with(bundle)).collect();
        assert!(outside.is_empty(), "{name} opened outside the bundle: {outside:?}");
        let relative: Vec<&PathBuf> = paths.iter().filter(|p| p.is_relative()).collect();
        assert!(relative.is_empty(), "{name} opened relative paths (resolve them against the bundle): {relative:?}");
    }
    assert!(!state.exists(), "reduce failed, so it wrote no state.json");
    assert!(!clean.join("state.json").exists(), "diff and compare write no state.json");
}
