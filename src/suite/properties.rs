//! The properties every generated stream must satisfy under a reducer (ARCHITECTURE.md, "The
//! properties"): determinism, confluence, queue draining, ownership, model agreement, rejection.

use std::fmt;

use super::Reducer;
use crate::bundle::Bundle;
use crate::canon::canonical_form;
use crate::diff::json_diff;
use crate::generate::emit::Emitted;
use crate::generate::facts::ExpectedFacts;
use crate::generate::mutate::Mutated;
use crate::generate::order_dependence::{beyond_bounds, is_late_end_record, masked};
use crate::reducer::Replayed;
use crate::revision::{Revision, ALL};
use crate::rules::graph;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Property {
    Determinism,
    Confluence,
    QueueDraining,
    Ownership,
    ModelAgreement,
    Rejection,
    /// Not a property of the reducer: the generator gave up before a case could be checked.
    Generation,
}

impl Property {
    pub fn slug(self) -> &'static str {
        match self {
            Property::Determinism => "determinism",
            Property::Confluence => "confluence",
            Property::QueueDraining => "queue-draining",
            Property::Ownership => "ownership",
            Property::ModelAgreement => "model-agreement",
            Property::Rejection => "rejection",
            Property::Generation => "generation",
        }
    }
}

impl fmt::Display for Property {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.slug())
    }
}

/// A property that does not hold, with what was seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub property: Property,
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.property, self.message)
    }
}

fn violation(property: Property, message: impl Into<String>) -> Violation {
    Violation { property, message: message.into() }
}

/// At most this many lines of a list of problems go into a message.
const SHOWN: usize = 8;

fn lines(problems: &[String]) -> String {
    let mut text = problems.iter().take(SHOWN).cloned().collect::<Vec<_>>().join("; ");
    if problems.len() > SHOWN {
        text.push_str(&format!("; … {} more", problems.len() - SHOWN));
    }
    text
}

pub(super) fn reduce(reducer: &dyn Reducer, bundle: &Bundle, what: &str) -> Result<Replayed, Violation> {
    reducer.reduce(bundle).map_err(|e| {
        let context = e.context_lines().join(", ");
        violation(Property::ModelAgreement, format!("the {what} of a valid stream was rejected: {e} ({context})"))
    })
}

/// Check one generated stream: its causal order and one legal reorder. `read_back` adds the
/// disk-vs-memory half of determinism (write the bundle, read it back, reduce it).
pub fn check_stream(
    reducer: &dyn Reducer,
    emitted: &Emitted,
    order: &[usize],
    read_back: bool,
) -> Result<(), Violation> {
    let causal_bundle = emitted.bundle(&emitted.causal_order());
    let reordered_bundle = emitted.bundle(order);
    let causal = reduce(reducer, &causal_bundle, "causal order")?;
    let reordered = reduce(reducer, &reordered_bundle, "reordered stream")?;

    // Determinism: twice from memory, and (when asked) once from disk, give the same bytes.
    let bytes = causal.trace.to_state_json();
    let again = reduce(reducer, &causal_bundle, "causal order")?.trace.to_state_json();
    if again != bytes {
        return Err(violation(Property::Determinism, "the same bundle reduced twice gave different bytes"));
    }
    if read_back {
        read_back_agrees(reducer, &causal_bundle, &bytes)?;
    }
    check_both_orders(&emitted.facts, &causal, &reordered)
}

/// The bundle written to a temporary directory and read back reduces to the same bytes. It is
/// opened as `reduce` opens one (the log streamed, payloads read ahead on a second thread), so
/// the check covers the path users run.
fn read_back_agrees(reducer: &dyn Reducer, causal_bundle: &Bundle, bytes: &str) -> Result<(), Violation> {
    let dir = tempfile::tempdir_in(super::scratch_dir())
        .map_err(|e| violation(Property::Determinism, format!("temp dir: {e}")))?;
    causal_bundle.write_dir(dir.path()).map_err(|e| violation(Property::Determinism, format!("write bundle: {e}")))?;
    let from_disk =
        Bundle::open_dir(dir.path()).map_err(|e| violation(Property::Determinism, format!("read back: {e}")))?;
    let disk_bytes = reduce(reducer, &from_disk, "bundle read from disk")?.trace.to_state_json();
    if disk_bytes != bytes {
        return Err(violation(Property::Determinism, "the bundle read from disk reduced differently from memory"));
    }
    Ok(())
}

/// Ownership, model agreement and queue draining on each order, then confluence between them.
pub(super) fn check_both_orders(
    facts: &ExpectedFacts,
    causal: &Replayed,
    reordered: &Replayed,
) -> Result<(), Violation> {
    let orders = [(causal, "causal"), (reordered, "reordered")];
    on_both_orders(Property::Ownership, orders, |replayed| {
        graph::check(&replayed.trace).iter().map(|v| format!("[{}] {}", v.rule.slug, v.message)).collect()
    })?;
    on_both_orders(Property::ModelAgreement, orders, |replayed| facts.check(&replayed.trace, &replayed.leftovers))?;
    on_both_orders(Property::QueueDraining, orders, |replayed| undrained(facts, replayed))?;

    // Confluence: the same canonical form, apart from the listed upstream order dependences,
    // which must stay within their bounds.
    let (left, right) = (canonical_form(&causal.trace), canonical_form(&reordered.trace));
    let beyond = beyond_bounds(&left, &right);
    if !beyond.is_empty() {
        return Err(violation(Property::Confluence, format!("beyond a listed order dependence: {}", lines(&beyond))));
    }
    let differences = json_diff(&masked(left), &masked(right));
    if !differences.is_empty() {
        let problems: Vec<String> = differences.iter().map(ToString::to_string).collect();
        return Err(violation(Property::Confluence, format!("causal vs reordered: {}", lines(&problems))));
    }
    Ok(())
}

/// Run one check on both orders; the first order with problems is reported.
fn on_both_orders(
    property: Property,
    orders: [(&Replayed, &str); 2],
    check: impl Fn(&Replayed) -> Vec<String>,
) -> Result<(), Violation> {
    for (replayed, what) in orders {
        let problems = check(replayed);
        if !problems.is_empty() {
            return Err(violation(property, format!("{what} order: {}", lines(&problems))));
        }
    }
    Ok(())
}

/// Queue draining: what stayed queued beyond what the scenario predicts.
fn undrained(facts: &ExpectedFacts, replayed: &Replayed) -> Vec<String> {
    let leftovers = &replayed.leftovers;
    let mut problems = Vec::new();
    for cell in &leftovers.unmaterialized_code_cells {
        if !facts.unmaterialized_cells.contains_key(&cell.code_cell_id) {
            problems.push(format!("code cell {} never materialized", cell.code_cell_id));
        }
    }
    for replacement in &leftovers.unconsumed_compaction_replacements {
        problems.push(format!("compaction replacement of {} never consumed", replacement.thread_id));
    }
    for edge in &leftovers.undelivered_edges {
        let predicted = facts.undelivered.get(&edge.edge_id) == Some(&edge.reason);
        if !predicted && !is_late_end_record(edge, &replayed.trace) {
            problems.push(format!("edge {} left undelivered ({:?})", edge.edge_id, edge.reason));
        }
    }
    problems
}

/// Rejection: a mutated stream fails with exactly the upstream error its mutation declares, in
/// the words of the `revision` it is reduced under.
pub fn check_rejection(reducer: &dyn Reducer, mutated: &Mutated, revision: &Revision) -> Result<(), Violation> {
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| reducer.reduce(&mutated.bundle)));
    match outcome {
        Err(_) => Err(violation(Property::Rejection, format!("{:?}: the reducer panicked", mutated.kind))),
        Ok(Ok(_)) => Err(violation(
            Property::Rejection,
            format!("{:?}: accepted; expected `{}` at seq {:?}", mutated.kind, mutated.expected_error, mutated.seq),
        )),
        Ok(Err(e)) if e.message() == mutated.expected_error && e.seq == mutated.seq => {
            match later_variants(e.detail.as_deref().unwrap_or_default(), revision) {
                None => Ok(()),
                Some(variant) => Err(violation(
                    Property::Rejection,
                    format!(
                        "{:?}: the reader under {} expected `{variant}`, a later revision's event",
                        mutated.kind, revision.name
                    ),
                )),
            }
        }
        Ok(Err(e)) => Err(violation(
            Property::Rejection,
            format!(
                "{:?}: expected `{}` at seq {:?}, got `{}` at seq {:?}",
                mutated.kind,
                mutated.expected_error,
                mutated.seq,
                e.message(),
                e.seq
            ),
        )),
    }
}

/// An event type of a later revision named in a reader's list of expected variants: a reader of
/// `revision` knows only its own events, so listing a later one misstates what it reads.
fn later_variants(detail: &str, revision: &Revision) -> Option<&'static str> {
    let (_, expected) = detail.split_once("expected one of")?;
    ALL.iter()
        .flat_map(|later| later.new_event_types.iter().copied())
        .find(|event| !revision.knows_event(event) && expected.contains(&format!("`{event}`")))
}
