//! A disagreement on the picture: each differing path traced back to the events its object came
//! from, both reductions' timelines with those events marked, and the table of differences.

use maud::{html, Markup};

use super::events::Events;
use super::page::legend;
use super::{objects, svg, Mark, Options, Timeline};
use crate::diff::Difference;
use crate::model::{ExecutionWindow, RolloutTrace};

fn window(execution: &ExecutionWindow) -> Vec<u64> {
    std::iter::once(execution.started_seq).chain(execution.ended_seq).collect()
}

/// The seqs of the events an object of the reduced graph came from, by its collection and id
/// (the first two segments of a difference path, e.g. `/code_cells/code_cell:call-3/...`).
pub fn object_seqs(trace: &RolloutTrace, events: &Events, collection: &str, id: &str) -> Vec<u64> {
    match collection {
        "threads" => trace.threads.get(id).map(|t| window(&t.execution)),
        "codex_turns" => trace.codex_turns.get(id).map(|t| window(&t.execution)),
        "inference_calls" => trace.inference_calls.get(id).map(|c| window(&c.execution)),
        "tool_calls" => trace.tool_calls.get(id).map(|c| window(&c.execution)),
        "terminal_sessions" => trace.terminal_sessions.get(id).map(|s| window(&s.execution)),
        "terminal_operations" => trace.terminal_operations.get(id).map(|o| window(&o.execution)),
        "compaction_requests" => trace.compaction_requests.get(id).map(|r| window(&r.execution)),
        "code_cells" => trace.code_cells.get(id).map(|c| {
            let mut seqs = window(&c.execution);
            seqs.extend(c.initial_response_seq.into_iter().chain(c.yielded_seq));
            seqs
        }),
        "compactions" => events.compaction_installed(id).map(|e| vec![e.seq]),
        "conversation_items" => objects::item_seq(trace, events, id).map(|s| vec![s]),
        "interaction_edges" => trace.interaction_edges.get(id).map(|edge| {
            [&edge.source, &edge.target]
                .into_iter()
                .filter_map(|a| objects::anchor_end(trace, events, a))
                .map(|e| e.seq)
                .collect()
        }),
        _ => None,
    }
    .unwrap_or_default()
}

/// A mark on every event a differing object of `trace` came from.
pub fn difference_marks(trace: &RolloutTrace, events: &Events, differences: &[Difference]) -> Vec<Mark> {
    let mut marks: Vec<Mark> = Vec::new();
    for difference in differences {
        let mut segments = difference.path.trim_start_matches('/').splitn(3, '/');
        let (Some(collection), Some(id)) = (segments.next(), segments.next()) else { continue };
        for seq in object_seqs(trace, events, collection, id) {
            let title = format!("{collection} {id} differs ({})\n{}", difference.path, svg::at(events, seq));
            if let Some(mark) = marks.iter_mut().find(|m| m.seq == seq) {
                if !mark.title.contains(&difference.path) {
                    mark.title.push_str(&format!("\nalso {}", difference.path));
                }
                continue;
            }
            let line = events.at_seq(seq).map(|e| e.line);
            marks.push(Mark { seq, line, rule: None, class: "differs".to_owned(), title });
        }
    }
    marks
}

/// A JSON value's type, for pages without `--show-values`.
fn shape(value: Option<&serde_json::Value>, show_values: bool) -> String {
    match value {
        None => "(absent)".to_owned(),
        Some(v) if show_values => v.to_string(),
        Some(serde_json::Value::Null) => "null".to_owned(),
        Some(serde_json::Value::Bool(_)) => "a boolean".to_owned(),
        Some(serde_json::Value::Number(_)) => "a number".to_owned(),
        Some(serde_json::Value::String(s)) => format!("a string of {} chars", s.chars().count()),
        Some(serde_json::Value::Array(a)) => format!("an array of {}", a.len()),
        Some(serde_json::Value::Object(o)) => format!("an object of {} keys", o.len()),
    }
}

pub fn disagreement_body(
    name: &str,
    (events, reference, candidate): (&Events, Option<&Timeline>, Option<&Timeline>),
    candidate_error: Option<&str>,
    differences: &[Difference],
    options: Options,
) -> Markup {
    html! {
        header {
            h1 { "Disagreement: " (name) }
            p { (differences.len()) " difference(s); marked ▼ on the events the differing objects came from." }
        }
        section class="reduction" data-side="reference" {
            h2 { "Reference reduction" }
            @if let Some(timeline) = reference {
                (legend())
                div class="scroll" { (svg::draw(timeline, events)) }
            } @else { p class="note" { "The bundle has no events to draw." } }
        }
        section class="reduction" data-side="candidate" {
            h2 { "Candidate reduction" }
            @if let Some(timeline) = candidate {
                div class="scroll" { (svg::draw(timeline, events)) }
            } @else if let Some(error) = candidate_error {
                p class="note" { "The candidate produced no state." }
                @if options.show_values { pre class="value" { (error) } }
            } @else {
                p class="note" { "The candidate's state is not a reduced graph this page can draw." }
            }
        }
        table class="differences" {
            caption { "Differences (reference vs candidate)" }
            thead { tr { th { "path" } th { "reference" } th { "candidate" } } }
            tbody {
                @for d in differences {
                    tr data-path=(d.path) {
                        td { code { (d.path) } }
                        td { (shape(d.left.as_ref(), options.show_values)) }
                        td { (shape(d.right.as_ref(), options.show_values)) }
                    }
                }
            }
        }
    }
}
