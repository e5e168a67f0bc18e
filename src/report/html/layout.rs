//! The timeline as data, before any drawing: lanes (one per thread, root first, children under
//! their parent), the spans and instants on each, and lanes too full to draw collapsed to bands.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::events::Events;
use crate::model::{AgentOrigin, ExecutionWindow, RolloutTrace};

/// How much one page may draw. Beyond these a lane is drawn as a density band.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Spans and instants on one lane.
    pub lane_elements: usize,
    /// Spans and instants over all lanes: the fullest lanes collapse first until the rest fit.
    pub total_elements: usize,
    /// Arrows drawn; beyond it edges are only counted.
    pub edges: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { lane_elements: 2_000, total_elements: 20_000, edges: 2_000 }
    }
}

/// Columns of a density band.
pub const BAND_BINS: usize = 240;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SpanKind {
    Turn,
    Inference,
    CodeCell,
    Tool,
}

impl SpanKind {
    pub fn tag(self) -> &'static str {
        match self {
            SpanKind::Turn => "turn",
            SpanKind::Inference => "inference",
            SpanKind::CodeCell => "code_cell",
            SpanKind::Tool => "tool_call",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Span {
    pub kind: SpanKind,
    pub id: String,
    pub start: u64,
    /// `None` while still running at the end of the log.
    pub end: Option<u64>,
    pub status: String,
    /// A code cell that started before the item holding its source existed: the seq at which
    /// that item appeared.
    pub queued_until: Option<u64>,
    /// A type tag shown after the id: the tool kind, the code cell's runtime status.
    pub note: String,
    pub row: usize,
    /// Payload text (`--show-values` only).
    pub value: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstantKind {
    Compaction,
    TerminalOperation,
    AgentMessage,
}

impl InstantKind {
    pub fn tag(self) -> &'static str {
        match self {
            InstantKind::Compaction => "compaction",
            InstantKind::TerminalOperation => "terminal_operation",
            InstantKind::AgentMessage => "agent_message",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Instant {
    pub kind: InstantKind,
    pub id: String,
    pub seq: u64,
    pub note: String,
    pub value: Option<String>,
}

#[derive(Debug, Clone)]
pub enum LaneBody {
    Detailed {
        spans: Vec<Span>,
        instants: Vec<Instant>,
    },
    /// Elements per column of `BAND_BINS` over the seq range.
    Band {
        bins: Vec<u32>,
        elements: usize,
    },
}

#[derive(Debug, Clone)]
pub struct Lane {
    pub thread_id: String,
    pub agent_path: String,
    pub nickname: Option<String>,
    pub depth: usize,
    pub execution: ExecutionWindow,
    pub rows: usize,
    pub body: LaneBody,
}

/// The serde name of a tag enum (`completed`, `exec_command`).
pub fn tag<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(serde_json::Value::Object(map)) => map.get("type").and_then(|t| t.as_str()).unwrap_or("").to_owned(),
        _ => String::new(),
    }
}

/// Thread ids in drawing order: root first, then each thread's children (by start) under it;
/// threads whose parent is unknown come last.
fn lane_order(trace: &RolloutTrace) -> Vec<(&str, usize)> {
    let mut children: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut orphans = Vec::new();
    for (id, thread) in &trace.threads {
        match &thread.origin {
            AgentOrigin::Spawned { parent_thread_id, .. } if trace.threads.contains_key(parent_thread_id) => {
                children.entry(parent_thread_id.as_str()).or_default().push(id.as_str());
            }
            AgentOrigin::Spawned { .. } => orphans.push(id.as_str()),
            AgentOrigin::Root if *id != trace.root_thread_id => orphans.push(id.as_str()),
            AgentOrigin::Root => {}
        }
    }
    for list in children.values_mut() {
        list.sort_by_key(|id| (trace.threads[*id].execution.started_seq, *id));
    }
    let mut order = Vec::new();
    let mut stack: Vec<(&str, usize)> = Vec::new();
    let roots = trace.threads.contains_key(&trace.root_thread_id).then_some(trace.root_thread_id.as_str());
    for root in roots.into_iter().chain(orphans.into_iter().rev()) {
        stack.push((root, 0));
        while let Some((id, depth)) = stack.pop() {
            if order.iter().any(|(seen, _)| *seen == id) {
                continue;
            }
            order.push((id, depth));
            for child in children.get(id).into_iter().flatten().rev() {
                stack.push((child, depth + 1));
            }
        }
    }
    order
}

/// Stack overlapping spans of one kind into rows, first fit; returns how many rows it took.
fn pack(spans: &mut [Span], first_row: usize, last_seq: u64) -> usize {
    spans.sort_by_key(|s| (s.start, s.id.clone()));
    let mut row_ends: Vec<u64> = Vec::new();
    for span in spans.iter_mut() {
        let begin = span.queued_until.map_or(span.start, |q| q.min(span.start));
        let end = span.end.unwrap_or(last_seq).max(span.queued_until.unwrap_or(0));
        let row = match row_ends.iter().position(|&e| e < begin) {
            Some(row) => row,
            None => {
                row_ends.push(0);
                row_ends.len() - 1
            }
        };
        row_ends[row] = end;
        span.row = first_row + row;
    }
    row_ends.len()
}

pub struct Placed {
    pub lanes: Vec<Lane>,
    /// Where each thread's lane is.
    pub lane_of: HashMap<String, usize>,
}

/// Lay out every lane of `trace`, collapsing lanes beyond `limits`.
pub fn lanes(
    trace: &RolloutTrace,
    events: &Events,
    (first, last): (u64, u64),
    limits: Limits,
    show_values: bool,
) -> Placed {
    let mut spans: HashMap<&str, Vec<Span>> = HashMap::new();
    let mut instants: HashMap<&str, Vec<Instant>> = HashMap::new();
    super::objects::collect(trace, events, show_values, &mut spans, &mut instants);
    let mut lanes = Vec::new();
    let mut lane_of = HashMap::new();
    for (thread_id, depth) in lane_order(trace) {
        let thread = &trace.threads[thread_id];
        let mut own = spans.remove(thread_id).unwrap_or_default();
        let mut rows = 0;
        for kind in [SpanKind::Turn, SpanKind::Inference, SpanKind::CodeCell, SpanKind::Tool] {
            let (mut of_kind, rest): (Vec<Span>, Vec<Span>) = own.into_iter().partition(|s| s.kind == kind);
            rows += pack(&mut of_kind, rows, last);
            own = rest.into_iter().chain(of_kind).collect();
        }
        let mut points = instants.remove(thread_id).unwrap_or_default();
        points.sort_by_key(|i| (i.seq, i.id.clone()));
        lane_of.insert(thread_id.to_owned(), lanes.len());
        lanes.push(Lane {
            thread_id: thread_id.to_owned(),
            agent_path: thread.agent_path.to_string(),
            nickname: thread.nickname.as_deref().map(str::to_owned),
            depth,
            execution: thread.execution.clone(),
            rows: rows.max(1) + 1,
            body: LaneBody::Detailed { spans: own, instants: points },
        });
    }
    collapse(&mut lanes, (first, last), limits);
    Placed { lanes, lane_of }
}

fn elements(lane: &Lane) -> usize {
    match &lane.body {
        LaneBody::Detailed { spans, instants } => spans.len() + instants.len(),
        LaneBody::Band { elements, .. } => *elements,
    }
}

/// Collapse every lane over the per-lane limit, then the fullest lanes until the total fits.
fn collapse(lanes: &mut [Lane], (first, last): (u64, u64), limits: Limits) {
    let mut by_size: Vec<usize> = (0..lanes.len()).collect();
    by_size.sort_by_key(|&i| std::cmp::Reverse(elements(&lanes[i])));
    let mut total: usize = lanes.iter().map(elements).sum();
    for i in by_size {
        let count = elements(&lanes[i]);
        if count <= limits.lane_elements && total <= limits.total_elements {
            break;
        }
        total -= count;
        let width = (last - first + 1) as f64;
        let mut bins = vec![0u32; BAND_BINS];
        let mut add = |seq: u64| {
            let bin = ((seq.saturating_sub(first)) as f64 / width * BAND_BINS as f64) as usize;
            bins[bin.min(BAND_BINS - 1)] += 1;
        };
        if let LaneBody::Detailed { spans, instants } = &lanes[i].body {
            spans.iter().for_each(|s| add(s.start));
            instants.iter().for_each(|p| add(p.seq));
        }
        lanes[i].body = LaneBody::Band { bins, elements: count };
        lanes[i].rows = 2;
    }
}
