//! Whether a candidate's outcome on one bundle agrees with the reference's, and if not, how.

use serde_json::Value;

use super::Outcome;
use crate::canon::canonical_form;
use crate::diff::{json_diff, Difference};
use crate::model::RolloutTrace;
use crate::report::DisagreementKind;

/// How strictly outcomes must agree.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Comparison {
    /// Compare canonical forms (for reducers that number items differently) instead of the
    /// states as written.
    pub canonical: bool,
    /// Two rejections must also carry the same top-level message.
    pub match_errors: bool,
}

/// One disagreement, before shrinking.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub kind: DisagreementKind,
    /// One line, ids and paths only.
    pub message: String,
    /// Where the states differ, most significant first (state disagreements only).
    pub differences: Vec<Difference>,
    /// The free text behind it (error messages, stderr tail, output excerpt), shown only on request.
    pub detail: Option<String>,
}

fn verdict(kind: DisagreementKind, message: impl Into<String>, detail: Option<String>) -> Option<Verdict> {
    Some(Verdict { kind, message: message.into(), differences: Vec::new(), detail })
}

/// `None` when the candidate agrees with the reference.
pub fn judge(reference: &Outcome, candidate: &Outcome, comparison: Comparison) -> Option<Verdict> {
    use DisagreementKind::*;
    use Outcome::*;
    // A failing process is its own finding, whatever the reference did.
    match candidate {
        Crashed { detail } => return verdict(CandidateCrashed, "the candidate crashed", Some(detail.clone())),
        TimedOut { stderr } => {
            return verdict(
                CandidateTimedOut,
                "the candidate ran past the timeout and was stopped",
                Some(stderr.clone()),
            )
        }
        Garbage { excerpt } => {
            return verdict(CandidateGarbage, "the candidate exited 0 but printed no JSON", Some(excerpt.clone()))
        }
        State(_) | Rejected { .. } => {}
    }
    match (reference, candidate) {
        (State(expected), State(got)) => state_differs(expected, got, comparison),
        (State(_), Rejected { message, stderr }) => {
            verdict(RejectedValid, "the candidate rejected a bundle the reference reduces", Some(join(message, stderr)))
        }
        (Rejected { message, .. }, State(_)) => verdict(
            AcceptedInvalid,
            "the candidate reduced a bundle the reference rejects",
            Some(format!("reference: {message}")),
        ),
        (Rejected { message: expected, .. }, Rejected { message: got, .. })
            if comparison.match_errors && expected != got =>
        {
            verdict(
                ErrorMessageDiffers,
                "both rejected the bundle, with different top-level messages",
                Some(format!("reference: {expected}\ncandidate: {got}")),
            )
        }
        (Rejected { .. }, Rejected { .. }) => None,
        // The reference itself failed (a baseline build that crashes): reported, never agreed with.
        (failed, _) => verdict(CandidateCrashed, "the reference failed on this bundle", Some(format!("{failed:?}"))),
    }
}

fn join(message: &str, stderr: &str) -> String {
    if stderr.is_empty() {
        format!("candidate: {message}")
    } else {
        format!("candidate: {message}\nstderr:\n{stderr}")
    }
}

fn state_differs(expected: &Value, got: &Value, comparison: Comparison) -> Option<Verdict> {
    let differences = if comparison.canonical {
        let canonical =
            |value: &Value| serde_json::from_value::<RolloutTrace>(value.clone()).map(|trace| canonical_form(&trace));
        match (canonical(expected), canonical(got)) {
            (Ok(expected), Ok(got)) => json_diff(&expected, &got),
            // A reference state outside our model (an old baseline): compare it as written.
            (Err(_), _) => json_diff(expected, got),
            (Ok(_), Err(e)) => {
                return verdict(
                    DisagreementKind::StateDiffers,
                    "the candidate's state is not a reduced graph, so it has no canonical form",
                    Some(e.to_string()),
                )
            }
        }
    } else {
        json_diff(expected, got)
    };
    let first = differences.first()?;
    let message = match differences.len() {
        1 => format!("the states differ at {}", first.path),
        n => format!("the states differ in {n} places, first at {}", first.path),
    };
    Some(Verdict { kind: DisagreementKind::StateDiffers, message, differences, detail: None })
}
