//! The page around the timelines: the document skeleton and its inline style, one section per
//! bundle (heading, legend, notes, timeline, violations table), and the check summary.

use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::layout::{LaneBody, Limits};
use super::{svg, violation_marks, Drawn, Options, Timeline};
use crate::bundle::Bundle;
use crate::report::Report;
use crate::rules::Violation;

pub use super::findings::{difference_marks, disagreement_body};

/// Our own stylesheet: a constant, never built from trace text.
const STYLE: &str = include_str!("style.css");

pub fn page(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                // Nothing on the page may be fetched: no network, no external script or style.
                meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (PreEscaped(STYLE)) }
            }
            body { (body) }
        }
    }
}

pub fn legend() -> Markup {
    html! {
        p class="legend" {
            span class="key turn" { "turn" } " "
            span class="key inference" { "inference" } " "
            span class="key code_cell" { "code cell" } " "
            span class="key tool_call" { "tool call" } " · status: "
            span class="key st-completed" { "completed" } " "
            span class="key st-failed" { "failed" } " "
            span class="key st-cancelled" { "cancelled" } " "
            span class="key st-aborted" { "aborted" } " "
            span class="key st-running" { "running" } " · "
            span class="key queued" { "queued before its item" } " · ◆ compaction, terminal operation, agent message · → edge (dashed: to a thread) · ▼ finding"
        }
    }
}

/// What the page left out, so a reader knows the picture is partial.
fn notes(timeline: &Timeline, limits: Limits) -> Markup {
    let bands = timeline.placed.lanes.iter().filter(|l| matches!(l.body, LaneBody::Band { .. })).count();
    html! {
        @if bands > 0 {
            p class="note" {
                (bands) " lane(s) hold more than " (limits.lane_elements) " elements (or the page more than "
                (limits.total_elements) ") and are drawn as density bands."
            }
        }
        @if timeline.edges_not_drawn > 0 {
            p class="note" { (timeline.edges_not_drawn) " interaction edge(s) not drawn (beyond " (limits.edges) " arrows, or an end not in the graph)." }
        }
    }
}

pub fn bundle_section(
    name: &str,
    bundle: Option<&Bundle>,
    drawn: &Drawn,
    violations: &[Violation],
    options: Options,
) -> Markup {
    let marks = violation_marks(violations, &drawn.events, options);
    let timeline = drawn.trace.as_ref().and_then(|t| Timeline::new(t, &drawn.events, marks.clone(), options));
    html! {
        section class="bundle" data-bundle=(name) {
            h2 { (name) }
            @if let Some(bundle) = bundle {
                p class="ids" {
                    "trace " code { (bundle.manifest.trace_id) } " · rollout " code { (bundle.manifest.rollout_id) }
                    " · " (bundle.events.len()) " events"
                    @if let Some(trace) = &drawn.trace {
                        " · " (trace.threads.len()) " threads · " (trace.inference_calls.len()) " inference calls · "
                        (trace.tool_calls.len()) " tool calls · " (trace.code_cells.len()) " code cells · "
                        (trace.interaction_edges.len()) " edges"
                    }
                }
            }
            @if let Some(why) = &drawn.unreduced {
                p class="note" { "No reduction to draw: " (why) }
            }
            @if let Some(timeline) = &timeline {
                (legend())
                (notes(timeline, options.limits))
                div class="scroll" { (svg::draw(timeline, &drawn.events)) }
            }
            @if !violations.is_empty() {
                (violation_table(violations, options))
            } @else if bundle.is_some() {
                p class="clean" { "No violations." }
            }
        }
    }
}

/// Rows beyond this are counted, not listed: the JSON report has them all.
const TABLE_ROWS: usize = 5_000;

fn violation_table(violations: &[Violation], options: Options) -> Markup {
    html! {
        table class="violations" {
            caption { (violations.len()) " violation(s)" }
            thead { tr { th { "rule" } th { "severity" } th { "where" } th { "message" } th { "hint" } @if options.show_values { th { "value" } } } }
            tbody {
                @for v in violations.iter().take(TABLE_ROWS) {
                    tr class=(format!("{:?}", v.severity).to_lowercase()) data-rule=(v.rule.id) data-line=[v.location.line] {
                        td { code { (v.rule.id) } " " (v.rule.slug) }
                        td { (format!("{:?}", v.severity).to_lowercase()) }
                        td { (v.location.display()) }
                        td { (v.message) }
                        td { (v.rule.hint) }
                        @if options.show_values { td { @if let Some(value) = &v.value { code { (value) } } } }
                    }
                }
            }
        }
        @if violations.len() > TABLE_ROWS {
            p class="note" { (violations.len() - TABLE_ROWS) " more not listed; `--format json` has them all." }
        }
    }
}

pub fn check_body(report: &Report, sections: Vec<Markup>) -> Markup {
    let summary = report.summary();
    html! {
        header {
            h1 { "rollout-conformance check" }
            p { (summary.entries) " bundle(s): " (summary.errors) " error(s), " (summary.warnings) " warning(s), " (summary.infos) " info(s)" }
            @if report.entries.len() > 1 {
                nav { ul { @for entry in &report.entries { li { (entry.name) " — " (entry.violations.len()) " violation(s)" } } } }
            }
        }
        @for section in sections { (section) }
    }
}
