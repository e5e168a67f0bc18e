//! The HTML report: a self-contained page (inline SVG and CSS, no script, nothing fetched) that
//! draws a bundle and its reduction as a timeline, with findings marked on the events they are
//! about. Used by `show`, `check --format html`, and the page `compare` writes beside a
//! minimized case. All markup goes through `maud`, which escapes every interpolated string.

mod events;
mod findings;
mod layout;
mod objects;
mod page;
mod svg;

use std::io::{self, Write};

use serde_json::Value;

pub use layout::Limits;

use crate::bundle::Bundle;
use crate::diff::Difference;
use crate::model::RolloutTrace;
use crate::reducer;
use crate::rules::Violation;
use events::Events;
use layout::Placed;
use objects::End;

/// What the page may show and how much it may draw.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Add payload text (code, previews, agent messages, offending values) to tooltips and tables.
    pub show_values: bool,
    pub limits: Limits,
    /// The format revision the bundles are reduced under, as the run that made the report did.
    pub revision: &'static crate::revision::Revision,
}

/// An interaction edge drawn from its source to its target.
#[derive(Debug, Clone)]
pub struct Arrow {
    pub edge_id: String,
    pub kind: String,
    pub from: End,
    pub to: End,
    pub from_lane: usize,
    pub to_lane: usize,
}

/// A finding (or a differing object) pinned to one event.
#[derive(Debug, Clone)]
pub struct Mark {
    pub seq: u64,
    pub line: Option<usize>,
    pub rule: Option<String>,
    /// `violation error`, `differs`: extra classes for colour.
    pub class: String,
    pub title: String,
}

/// Everything one timeline draws.
pub struct Timeline {
    pub range: (u64, u64),
    pub placed: Placed,
    pub arrows: Vec<Arrow>,
    /// Edges of the graph not drawn: beyond `Limits::edges`, or with an end the graph lacks.
    pub edges_not_drawn: usize,
    pub marks: Vec<Mark>,
}

impl Timeline {
    fn new(trace: &RolloutTrace, events: &Events, marks: Vec<Mark>, options: Options) -> Option<Self> {
        let range = events.seq_range()?;
        let placed = layout::lanes(trace, events, range, options.limits, options.show_values);
        let mut arrows = Vec::new();
        for edge in trace.interaction_edges.values() {
            let from = objects::anchor_end(trace, events, &edge.source);
            let to = objects::anchor_end(trace, events, &edge.target);
            let (Some(from), Some(to)) = (from, to) else { continue };
            let lanes = (placed.lane_of.get(&from.thread_id), placed.lane_of.get(&to.thread_id));
            let (Some(&from_lane), Some(&to_lane)) = lanes else { continue };
            if arrows.len() < options.limits.edges {
                arrows.push(Arrow {
                    edge_id: edge.edge_id.to_string(),
                    kind: layout::tag(&edge.kind),
                    from,
                    to,
                    from_lane,
                    to_lane,
                });
            }
        }
        let edges_not_drawn = trace.interaction_edges.len() - arrows.len();
        Some(Timeline { range, placed, arrows, edges_not_drawn, marks })
    }
}

/// A bundle read, and reduced when it reduces.
struct Drawn {
    events: Events,
    trace: Option<RolloutTrace>,
    /// Why there is no reduction: the reducer's top-level message with its free text withheld.
    unreduced: Option<String>,
}

impl Drawn {
    fn new(bundle: &Bundle, revision: &'static crate::revision::Revision) -> Self {
        let events = Events::new(bundle);
        match reducer::replay_with(bundle, &reducer::ReplayOptions::revision(revision)) {
            Ok(replayed) => Drawn { events, trace: Some(replayed.trace), unreduced: None },
            Err(e) => Drawn { events, trace: None, unreduced: Some(crate::rules::catalog::public_message(&e.kind)) },
        }
    }
}

/// Each violation that names an event, as a mark on it.
fn violation_marks(violations: &[Violation], events: &Events, options: Options) -> Vec<Mark> {
    violations
        .iter()
        .filter_map(|v| {
            let by_line = v.location.line.and_then(|line| events.at_line(line));
            let seq = v.location.seq.or(by_line.map(|e| e.seq))?;
            let value = options
                .show_values
                .then_some(v.value.as_deref())
                .flatten()
                .map(|v| format!("\nvalue: {v}"))
                .unwrap_or_default();
            let title = format!(
                "{} {} · {:?} · {}\n{}\nhint: {}{value}",
                v.rule.id,
                v.rule.slug,
                v.severity,
                v.location.display(),
                v.message,
                v.rule.hint
            );
            Some(Mark {
                seq,
                line: v.location.line,
                rule: Some(v.rule.id.to_owned()),
                class: format!("violation {}", format!("{:?}", v.severity).to_lowercase()),
                title,
            })
        })
        .collect()
}

/// `show`: one bundle's timeline on a page of its own.
pub fn show_page(name: &str, bundle: &Bundle, options: Options) -> String {
    let drawn = Drawn::new(bundle, options.revision);
    let section = page::bundle_section(name, Some(bundle), &drawn, &[], options);
    page::page(&format!("{name}: timeline"), section).into_string()
}

/// `check --format html`: one page, a section per bundle (its timeline with each violation on
/// its event, then the table of violations).
pub fn render(report: &super::Report, out: &mut dyn Write) -> io::Result<()> {
    let options = Options { show_values: report.show_values, revision: report.revision, ..Options::default() };
    let sections = report.entries.iter().map(|entry| {
        // Within check's default limits: the page must not read what check itself refused.
        let bundles = crate::rules::Limits::CHECK.bounds();
        let bundle = entry.path.as_ref().and_then(|path| Bundle::read_dir_bounded(path, bundles).ok());
        let drawn = bundle.as_ref().map(|bundle| Drawn::new(bundle, options.revision));
        match (&bundle, &drawn) {
            (Some(bundle), Some(drawn)) => {
                page::bundle_section(&entry.name, Some(bundle), drawn, &entry.violations, options)
            }
            _ => page::bundle_section(&entry.name, None, &Drawn::empty(), &entry.violations, options),
        }
    });
    let body = page::check_body(report, sections.collect());
    out.write_all(page::page("rollout-conformance check", body).into_string().as_bytes())
}

impl Drawn {
    fn empty() -> Self {
        Drawn { events: Events::default(), trace: None, unreduced: Some("the bundle could not be read".to_owned()) }
    }
}

/// The page `compare` writes beside a minimized case: the reference reduction's timeline and,
/// when the candidate produced a state of the same shape, the candidate's, each with the events
/// the differing objects came from marked; then the differences. Values (and the candidate's
/// error text) appear only with `show_values`.
pub fn disagreement_page(
    name: &str,
    bundle: &Bundle,
    reference: &RolloutTrace,
    candidate: Result<&Value, &str>,
    differences: &[Difference],
    options: Options,
) -> String {
    let events = Events::new(bundle);
    let marks = |trace: &RolloutTrace| page::difference_marks(trace, &events, differences);
    let reference_timeline = Timeline::new(reference, &events, marks(reference), options);
    let candidate_trace = candidate.ok().and_then(|v| serde_json::from_value::<RolloutTrace>(v.clone()).ok());
    let candidate_timeline = candidate_trace.as_ref().and_then(|t| Timeline::new(t, &events, marks(t), options));
    let body = page::disagreement_body(
        name,
        (&events, reference_timeline.as_ref(), candidate_timeline.as_ref()),
        candidate.err(),
        differences,
        options,
    );
    page::page(&format!("{name}: disagreement"), body).into_string()
}
