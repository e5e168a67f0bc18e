//! Drawing a laid-out timeline as inline SVG: an axis of seq, one lane per thread, spans,
//! instants, density bands, arrows for edges and markers for findings. Every element carries a
//! `<title>` (its ids, seq and line) and a stable class and `data-` attributes for tests.

use maud::{html, Markup};

use super::events::{wall_time, Events};
use super::layout::{Instant, Lane, LaneBody, Span, BAND_BINS};
use super::{Arrow, Mark, Timeline};

const LABEL_W: f64 = 260.0;
const AXIS_H: f64 = 30.0;
const MARK_H: f64 = 22.0;
const ROW_H: f64 = 16.0;
const LANE_GAP: f64 = 6.0;
/// Up to this many events, each gets a hover column on the axis with its wall time.
const EVENT_COLUMNS: usize = 3_000;

struct Geometry {
    first: u64,
    scale: f64,
    width: f64,
    /// Top of each lane.
    tops: Vec<f64>,
    height: f64,
}

impl Geometry {
    fn new(timeline: &Timeline) -> Self {
        let (first, last) = timeline.range;
        let count = (last - first + 1) as f64;
        let plot = (count * 22.0).clamp(800.0, 16_000.0);
        let mut tops = Vec::new();
        let mut y = AXIS_H + MARK_H;
        for lane in &timeline.placed.lanes {
            tops.push(y);
            y += lane.rows as f64 * ROW_H + LANE_GAP;
        }
        Geometry { first, scale: plot / count, width: LABEL_W + plot + 20.0, tops, height: y + 10.0 }
    }

    fn x(&self, seq: u64) -> f64 {
        LABEL_W + (seq.saturating_sub(self.first) as f64 + 0.5) * self.scale
    }

    fn row_y(&self, lane: usize, row: usize) -> f64 {
        self.tops[lane] + ROW_H * (row as f64 + 1.0)
    }
}

fn f(v: f64) -> String {
    format!("{v:.1}")
}

/// `seq 12 · line 13 · 2026-01-01T00:00:00.012Z`, or `seq 12` when no event has that seq.
pub fn at(events: &Events, seq: u64) -> String {
    match events.at_seq(seq) {
        Some(e) => format!("seq {seq} · line {} · {} · {}", e.line, e.kind, wall_time(e.wall)),
        None => format!("seq {seq}"),
    }
}

pub fn draw(timeline: &Timeline, events: &Events) -> Markup {
    let g = Geometry::new(timeline);
    let label = format!(
        "timeline of {} threads over seq {}–{}",
        timeline.placed.lanes.len(),
        timeline.range.0,
        timeline.range.1
    );
    html! {
        svg xmlns="http://www.w3.org/2000/svg" class="timeline" role="img" aria-label=(label)
            width=(f(g.width)) height=(f(g.height)) viewBox=(format!("0 0 {} {}", f(g.width), f(g.height))) {
            title { (label) }
            defs {
                marker id="arrowhead" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse" {
                    path d="M0,0 L10,5 L0,10 z" class="arrowhead" {}
                }
                pattern id="queued" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)" {
                    rect width="3" height="6" class="queued-stripe" {}
                }
            }
            (axis(timeline, events, &g))
            @for (i, lane) in timeline.placed.lanes.iter().enumerate() {
                (draw_lane(lane, i, events, &g))
            }
            @for arrow in &timeline.arrows {
                (draw_arrow(arrow, events, &g))
            }
            @for mark in &timeline.marks {
                (draw_mark(mark, &g))
            }
        }
    }
}

fn axis(timeline: &Timeline, events: &Events, g: &Geometry) -> Markup {
    let (first, last) = timeline.range;
    let step = [1u64, 2, 5]
        .iter()
        .flat_map(|&m| (0..12).map(move |p| m * 10u64.pow(p)))
        .filter(|&s| s as f64 * g.scale >= 60.0)
        .min()
        .unwrap_or(1);
    let ticks: Vec<u64> = (first / step * step..=last).step_by(step as usize).filter(|&s| s >= first).collect();
    let columns = events.list.len() <= EVENT_COLUMNS;
    html! {
        g class="axis" {
            text x="8" y="18" class="axis-label" { "seq →" }
            @for seq in &ticks {
                line x1=(f(g.x(*seq))) x2=(f(g.x(*seq))) y1=(f(AXIS_H - 6.0)) y2=(f(g.height)) class="tick" {}
                text x=(f(g.x(*seq))) y=(f(AXIS_H - 10.0)) class="tick-label" { title { (at(events, *seq)) } (seq) }
            }
            @if columns {
                @for e in &events.list {
                    rect class="event-col" x=(f(g.x(e.seq) - g.scale / 2.0)) y="0" width=(f(g.scale)) height=(f(AXIS_H)) {
                        title { (at(events, e.seq)) }
                    }
                }
            }
            text x="8" y=(f(AXIS_H + 15.0)) class="axis-label" { "findings" }
        }
    }
}

fn lane_title(lane: &Lane) -> String {
    let nickname = lane.nickname.as_deref().map(|n| format!(" ({n})")).unwrap_or_default();
    let end = lane.execution.ended_seq.map_or_else(|| "running".to_owned(), |s| s.to_string());
    format!(
        "thread {} · {}{nickname} · seq {}–{end} · {:?}",
        lane.thread_id, lane.agent_path, lane.execution.started_seq, lane.execution.status
    )
}

fn draw_lane(lane: &Lane, index: usize, events: &Events, g: &Geometry) -> Markup {
    let top = g.tops[index];
    let height = lane.rows as f64 * ROW_H;
    let nickname = lane.nickname.as_deref().map(|n| format!(" ({n})")).unwrap_or_default();
    let indent = 8.0 + 14.0 * lane.depth as f64;
    html! {
        g class="lane" role="group" aria-label=(lane_title(lane)) data-lane-thread=(lane.thread_id) data-depth=(lane.depth) {
            title { (lane_title(lane)) }
            rect class=(if index.is_multiple_of(2) { "lane-bg even" } else { "lane-bg odd" }) x="0" y=(f(top)) width=(f(g.width)) height=(f(height)) {}
            text class="lane-label" x=(f(indent)) y=(f(top + 12.0)) tabindex="0" { (lane.agent_path) (nickname) }
            @match &lane.body {
                LaneBody::Detailed { spans, instants } => {
                    @for span in spans { (draw_span(span, index, events, g)) }
                    @for point in instants { (draw_instant(point, index, lane.rows, events, g)) }
                }
                LaneBody::Band { bins, elements } => { (draw_band(bins, *elements, index, g)) }
            }
        }
    }
}

fn draw_span(span: &Span, lane: usize, events: &Events, g: &Geometry) -> Markup {
    let y = g.row_y(lane, span.row) - ROW_H + 3.0;
    let end_seq = span.end.unwrap_or(g.first + ((g.width - LABEL_W - 20.0) / g.scale) as u64);
    let (x0, x1) = (g.x(span.start) - g.scale * 0.4, g.x(end_seq) + g.scale * 0.4);
    let end = span.end.map_or_else(|| "still running".to_owned(), |s| at(events, s));
    let note = if span.note.is_empty() { String::new() } else { format!(" · {}", span.note) };
    let queued = span
        .queued_until
        .map(|q| format!("\nqueued before its source item existed, until {}", at(events, q)))
        .unwrap_or_default();
    let value = span.value.as_deref().map(|v| format!("\n{v}")).unwrap_or_default();
    let title = format!(
        "{} {}{note} · {}\nstart {}\nend {end}{queued}{value}",
        span.kind.tag(),
        span.id,
        span.status,
        at(events, span.start)
    );
    let class = format!("span {} st-{}{}", span.kind.tag(), span.status, if span.end.is_none() { " open" } else { "" });
    html! {
        g class=(class) role="img" tabindex="0" aria-label=(title) data-span-kind=(span.kind.tag()) data-id=(span.id) data-status=(span.status) {
            title { (title) }
            rect class="body" x=(f(x0)) y=(f(y)) width=(f((x1 - x0).max(2.0))) height=(f(ROW_H - 5.0)) rx="2" {}
            @if let Some(q) = span.queued_until {
                rect class="queued" data-queued-until=(q) x=(f(x0)) y=(f(y)) width=(f((g.x(q) - x0).max(2.0))) height=(f(ROW_H - 5.0)) {}
            }
        }
    }
}

fn draw_instant(point: &Instant, lane: usize, rows: usize, events: &Events, g: &Geometry) -> Markup {
    let (x, y) = (g.x(point.seq), g.row_y(lane, rows - 1) - ROW_H / 2.0 + 1.0);
    let value = point.value.as_deref().map(|v| format!("\n{v}")).unwrap_or_default();
    let title = format!("{} {} · {}\n{}{value}", point.kind.tag(), point.id, point.note, at(events, point.seq));
    let d = format!("M{},{} l5,5 l-5,5 l-5,-5 z", f(x), f(y - 5.0));
    html! {
        path class=(format!("instant {}", point.kind.tag())) role="img" tabindex="0" aria-label=(title)
            data-instant-kind=(point.kind.tag()) data-id=(point.id) data-seq=(point.seq) d=(d) {
            title { (title) }
        }
    }
}

fn draw_band(bins: &[u32], elements: usize, lane: usize, g: &Geometry) -> Markup {
    let max = bins.iter().copied().max().unwrap_or(1).max(1) as f64;
    let plot = g.width - LABEL_W - 20.0;
    let bin_w = plot / BAND_BINS as f64;
    let y = g.row_y(lane, 0) - ROW_H + 3.0;
    let title = format!("{elements} spans and instants, drawn as a density band (too many to draw one by one)");
    html! {
        g class="band" role="img" aria-label=(title) data-elements=(elements) {
            title { (title) }
            @for (i, &count) in bins.iter().enumerate().filter(|(_, &c)| c > 0) {
                rect class="bin" x=(f(LABEL_W + i as f64 * bin_w)) y=(f(y)) width=(f(bin_w.max(1.0))) height=(f(ROW_H * 2.0 - 5.0))
                    fill-opacity=(format!("{:.2}", 0.15 + 0.85 * count as f64 / max)) {
                    title { (count) " elements starting in this column" }
                }
            }
        }
    }
}

fn draw_arrow(arrow: &Arrow, events: &Events, g: &Geometry) -> Markup {
    let (x0, y0) = (g.x(arrow.from.seq), g.row_y(arrow.from_lane, 0) - ROW_H / 2.0);
    let (x1, y1) = (g.x(arrow.to.seq), g.row_y(arrow.to_lane, 0) - ROW_H / 2.0);
    let bend = ((y1 - y0).abs() / 2.0).max(24.0);
    let d = format!(
        "M{},{} C{},{} {},{} {},{}",
        f(x0),
        f(y0),
        f(x0 + bend / 2.0),
        f(y0 + (y1 - y0) / 3.0 - bend / 3.0),
        f(x1 - bend / 2.0),
        f(y1 - bend / 3.0),
        f(x1),
        f(y1)
    );
    let fallback = if arrow.to.anchor == "thread" { " (target fell back to the thread)" } else { "" };
    let title = format!(
        "edge {} · {}\nfrom {} {} at {}\nto {} {}{fallback} at {}",
        arrow.edge_id,
        arrow.kind,
        arrow.from.anchor,
        arrow.from.id,
        at(events, arrow.from.seq),
        arrow.to.anchor,
        arrow.to.id,
        at(events, arrow.to.seq)
    );
    let class = format!("edge {}{}", arrow.kind, if arrow.to.anchor == "thread" { " to-thread" } else { "" });
    html! {
        path class=(class) role="img" aria-label=(title) data-edge-id=(arrow.edge_id) data-edge-kind=(arrow.kind)
            data-source-anchor=(arrow.from.anchor) data-target-anchor=(arrow.to.anchor) d=(d) marker-end="url(#arrowhead)" {
            title { (title) }
        }
    }
}

fn draw_mark(mark: &Mark, g: &Geometry) -> Markup {
    let x = g.x(mark.seq);
    let top = AXIS_H + 2.0;
    let d = format!("M{},{} l-6,-0 l6,12 l6,-12 z", f(x), f(top));
    html! {
        g class=(format!("mark {}", mark.class)) role="img" tabindex="0" aria-label=(mark.title) data-rule=[mark.rule.as_deref()] data-seq=(mark.seq) data-line=[mark.line] {
            title { (mark.title) }
            line class="mark-line" x1=(f(x)) x2=(f(x)) y1=(f(top)) y2=(f(g.height - 10.0)) {}
            path class="mark-head" d=(d) {}
            @if let Some(rule) = &mark.rule {
                text class="mark-label" x=(f(x + 7.0)) y=(f(top + 10.0)) { (rule) }
            }
        }
    }
}
