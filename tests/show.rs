//! `show` and `check --format html`: reports rendered in headless Chromium have one lane per
//! thread, one span per call, one arrow per edge, a screenshot that is not blank, and trace text
//! only as text.

#[path = "common/fs.rs"]
mod fs_helpers;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use rollout_conformance::bundle::Bundle;
use rollout_conformance::diff::json_diff;
use rollout_conformance::reducer::replay_dir;
use rollout_conformance::report::html::{disagreement_page, Options};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn tool(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_rollout-conformance")).args(args).output().expect("run rollout-conformance")
}

/// Chromium, or `None` (said loudly) outside CI; in CI its absence fails the test.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("CHROMIUM").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    if path.is_file() {
        return Some(path);
    }
    assert!(std::env::var_os("CI").is_none(), "CI is set and Chromium is missing at {}", path.display());
    eprintln!("SKIPPED: no Chromium at {} (set CHROMIUM, or apt-get install chromium)", path.display());
    None
}

fn headless(chromium: &Path, profile: &Path, extra: &[&str], page: &Path) -> std::process::Output {
    let output = Command::new(chromium)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        .args(["--disable-component-update", "--disable-sync", "--no-first-run"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium");
    assert!(output.status.success(), "chromium failed: {}", String::from_utf8_lossy(&output.stderr));
    output
}

/// The DOM after the browser parsed the page.
fn dump_dom(chromium: &Path, page: &Path) -> String {
    let profile = tempfile::tempdir().unwrap();
    String::from_utf8(headless(chromium, profile.path(), &["--dump-dom"], page).stdout).unwrap()
}

/// How many different colours a screenshot of the page holds.
fn screenshot_colours(chromium: &Path, page: &Path) -> usize {
    let profile = tempfile::tempdir().unwrap();
    let png_path = profile.path().join("shot.png");
    let shot = format!("--screenshot={}", png_path.display());
    headless(chromium, profile.path(), &[&shot, "--window-size=1200,700"], page);
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&png_path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buffer = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buffer).unwrap();
    let pixel = info.color_type.samples();
    buffer[..info.buffer_size()].chunks(pixel).map(|p| p.to_vec()).collect::<BTreeSet<_>>().len()
}

fn count(dom: &str, needle: &str) -> usize {
    dom.matches(needle).count()
}

fn show(bundle: &Path, out: &Path, extra: &[&str]) {
    let mut args = vec!["show", bundle.to_str().unwrap(), "-o", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    let output = tool(&args);
    assert!(output.status.success(), "show failed: {}", String::from_utf8_lossy(&output.stderr));
}

/// The drawn page matches the reduced graph, object for object.
fn drawn_as_reduced(name: &str) -> String {
    let bundle = root().join("corpus/valid").join(name);
    let trace = replay_dir(&bundle).unwrap().trace;
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    show(&bundle, &page, &[]);
    let Some(chromium) = chromium() else { return String::new() };
    let dom = dump_dom(&chromium, &page);
    assert_eq!(count(&dom, "data-lane-thread="), trace.threads.len(), "lanes of {name}");
    for (thread_id, thread) in &trace.threads {
        assert!(dom.contains(&format!("data-lane-thread=\"{thread_id}\"")), "no lane for {thread_id}");
        assert!(dom.contains(thread.agent_path.as_str()), "lane label {}", thread.agent_path);
    }
    assert_eq!(count(&dom, "data-span-kind=\"inference\""), trace.inference_calls.len(), "inference calls of {name}");
    assert_eq!(count(&dom, "data-span-kind=\"tool_call\""), trace.tool_calls.len(), "tool calls of {name}");
    assert_eq!(count(&dom, "data-span-kind=\"code_cell\""), trace.code_cells.len(), "code cells of {name}");
    assert_eq!(count(&dom, "data-span-kind=\"turn\""), trace.codex_turns.len(), "turns of {name}");
    assert_eq!(count(&dom, "data-edge-id="), trace.interaction_edges.len(), "edges of {name}");
    for edge_id in trace.interaction_edges.keys() {
        assert!(dom.contains(&format!("data-edge-id=\"{edge_id}\"")), "no arrow for {edge_id}");
    }
    assert_eq!(count(&dom, "<script"), 0, "the page has no script");
    assert!(screenshot_colours(&chromium, &page) > 1, "screenshot of {name} is blank");
    dom
}

#[test]
fn agents_draw_a_lane_per_thread_and_an_arrow_per_edge() {
    let dom = drawn_as_reduced("spawn_child_receives_task");
    if !dom.is_empty() {
        assert!(dom.contains("(Ada)"), "the child lane names its nickname");
        assert_eq!(count(&dom, "data-instant-kind=\"agent_message\""), 1);
    }
    drawn_as_reduced("agent_result_reaches_parent");
}

#[test]
fn a_code_cell_queued_before_its_item_shows_its_queued_stretch() {
    for name in ["code_cell_fast_lifecycle", "code_cell_nested_tool_while_queued"] {
        let dom = drawn_as_reduced(name);
        if !dom.is_empty() {
            assert!(dom.contains("data-queued-until="), "{name}: no queued stretch");
        }
    }
}

#[test]
fn a_compaction_is_an_instant() {
    let dom = drawn_as_reduced("compaction_then_full_request");
    if !dom.is_empty() {
        assert_eq!(count(&dom, "data-instant-kind=\"compaction\""), 1);
    }
}

/// Rewrite every file of a bundle, replacing `from` by `to` (JSON-escaped by the caller).
fn replace_in_bundle(dir: &Path, from: &str, to: &str) {
    for entry in walk(dir) {
        let text = std::fs::read_to_string(&entry).unwrap();
        std::fs::write(&entry, text.replace(from, to)).unwrap();
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[test]
fn script_and_quotes_in_ids_and_payloads_render_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("hostile");
    fs_helpers::copy_dir(&root().join("corpus/valid/spawn_child_receives_task"), &bundle);
    // Ids (tool call, turn) and payload strings (the nickname, the message) all carry markup.
    let hostile = r#"<script>document.title='owned'</script><b id=\"injected\">'\"&amp;"#;
    replace_in_bundle(&bundle, "call_spawn_parser", &format!("call{hostile}"));
    replace_in_bundle(&bundle, "sub-sp15", &format!("turn{hostile}"));
    replace_in_bundle(&bundle, "\"Ada", &format!("\"Ada{hostile}"));
    let trace = replay_dir(&bundle).expect("the hostile bundle still reduces").trace;
    assert!(trace.tool_calls.keys().any(|id| id.contains("<script>")));
    for extra in [&[][..], &["--show-values"][..]] {
        let page = dir.path().join("report.html");
        show(&bundle, &page, extra);
        let html = std::fs::read_to_string(&page).unwrap();
        assert!(!html.contains("<script"), "raw <script> in the page ({extra:?})");
        assert!(html.contains("&lt;script&gt;"), "the markup is shown as text ({extra:?})");
        let Some(chromium) = chromium() else { continue };
        let dom = dump_dom(&chromium, &page);
        assert_eq!(count(&dom, "<script"), 0, "a script element was injected ({extra:?})");
        // Text nodes keep quotes but escape `<`: markup that became an element would show here.
        assert!(!dom.contains("<b id="), "an element was injected ({extra:?})");
        assert!(!dom.contains("<title>owned</title>"));
        assert_eq!(count(&dom, "data-lane-thread="), trace.threads.len());
        assert_eq!(count(&dom, "data-edge-id="), trace.interaction_edges.len());
    }
}

#[test]
fn check_format_html_marks_each_violation_on_its_event() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("check.html");
    let bundles =
        ["hazard-tool-started-before-response", "envelope-seq-gap"].map(|b| root().join("corpus/invalid").join(b));
    let mut args = vec!["check", "--format", "html", "-o", page.to_str().unwrap()];
    args.extend(bundles.iter().map(|b| b.to_str().unwrap()));
    tool(&args);
    let html = std::fs::read_to_string(&page).unwrap();
    assert_eq!(count(&html, "<section class=\"bundle\""), 2, "a section per bundle");
    // RC8002 sits on line 5 of a bundle that reduces: a mark on the timeline and a table row.
    assert!(html.contains("data-rule=\"RC8002\" data-seq=\"5\" data-line=\"5\""), "no RC8002 mark at line 5");
    assert!(html.contains("<tr class=\"info\" data-rule=\"RC8002\" data-line=\"5\""), "no RC8002 row");
    let hint = rollout_conformance::rules::catalog::find("RC8002").unwrap().hint;
    let escaped = hint.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
    assert!(html.contains(&escaped), "the hint is on the page");
    assert!(html.contains("data-rule=\"RC2003\""), "the seq gap is listed");
    if let Some(chromium) = chromium() {
        let dom = dump_dom(&chromium, &page);
        assert_eq!(count(&dom, "class=\"mark violation"), count(&html, "class=\"mark violation"));
        assert!(screenshot_colours(&chromium, &page) > 1);
    }
}

#[test]
fn a_large_bundle_collapses_to_density_bands() {
    let dir = tempfile::tempdir().unwrap();
    let out = tool(&["gen", "--seed", "1", "--events", "3000", "--out", dir.path().to_str().unwrap()]);
    assert!(out.status.success(), "gen failed: {}", String::from_utf8_lossy(&out.stderr));
    let bundle = dir.path().join("1-0");
    let page = dir.path().join("big.html");
    show(&bundle, &page, &["--max-lane-elements", "100", "--max-elements", "300"]);
    let html = std::fs::read_to_string(&page).unwrap();
    let trace = replay_dir(&bundle).unwrap().trace;
    let calls = trace.inference_calls.len() + trace.tool_calls.len() + trace.code_cells.len();
    assert!(calls > 300, "the generated bundle is big enough to collapse ({calls} calls)");
    assert!(html.contains("class=\"band\""), "no density band");
    let drawn = count(&html, "data-span-kind=") + count(&html, "data-instant-kind=");
    assert!(drawn <= 300, "{drawn} elements drawn one by one, limit 300");
    assert_eq!(count(&html, "data-lane-thread="), trace.threads.len(), "collapsed lanes are still lanes");
    // The stated bound: about 500 bytes per drawn element, 240 band columns per lane, and up to
    // 3000 per-event hover columns.
    let bound = 500 * (drawn + 240 * trace.threads.len() + 3000) + 64 * 1024;
    assert!(html.len() < bound, "{} bytes, bound {bound}", html.len());
    if let Some(chromium) = chromium() {
        let dom = dump_dom(&chromium, &page);
        assert_eq!(count(&dom, "data-lane-thread="), trace.threads.len());
    }
}

#[test]
fn a_disagreement_page_marks_the_events_of_the_differing_objects() {
    let dir = root().join("corpus/valid/code_cell_fast_lifecycle");
    let bundle = Bundle::read_dir(&dir).unwrap();
    let reference = replay_dir(&dir).unwrap().trace;
    let left = serde_json::to_value(&reference).unwrap();
    // A hand-made candidate that ended the code cell one event late, with a different status.
    let mut right = left.clone();
    let cell = &mut right["code_cells"]["code_cell:call_exec_count"]["execution"];
    cell["ended_seq"] = serde_json::json!(8);
    cell["status"] = serde_json::json!("failed");
    let differences = json_diff(&left, &right);
    assert_eq!(differences.len(), 2);
    let html = disagreement_page("hand-made", &bundle, &reference, Ok(&right), &differences, Options::default());
    assert_eq!(count(&html, "<svg"), 2, "both reductions are drawn");
    // The cell came from seqs 5 (start), 6 (initial response) and 7 (end) in the reference, and
    // the candidate put its end at 8.
    for seq in [5, 6, 7] {
        assert!(html.contains(&format!("data-seq=\"{seq}\" data-line=\"{seq}\"")), "no mark at seq {seq}");
    }
    assert!(html.contains("data-seq=\"8\" data-line=\"8\""), "the candidate's end is marked");
    assert!(html.contains("data-path=\"/code_cells/code_cell:call_exec_count/execution/ended_seq\""));
    assert!(
        html.contains("a string of 6 chars") && !html.contains("&quot;failed&quot;"),
        "values only with --show-values"
    );
    assert!(html.contains("data-span-kind=\"code_cell\" data-id=\"code_cell:call_exec_count\" data-status=\"failed\""));
    let failed = disagreement_page(
        "hand-made",
        &bundle,
        &reference,
        Err("candidate said <b>no</b>"),
        &differences,
        Options::default(),
    );
    assert!(failed.contains("produced no state") && !failed.contains("<b>no</b>"));
    let shown = Options { show_values: true, ..Options::default() };
    let failed =
        disagreement_page("hand-made", &bundle, &reference, Err("candidate said <b>no</b>"), &differences, shown);
    assert!(failed.contains("candidate said &lt;b&gt;no&lt;/b&gt;"));
}
