//! Family 5, reducer: one rule per upstream error text (being written).

use super::{Rule, MANIFEST_MISSING};
use crate::error::ErrorKind;

pub static REDUCER_RULES: [&Rule; 0] = [];

/// The rule a replay error violates.
pub fn rule_for(_kind: &ErrorKind) -> &'static Rule {
    &MANIFEST_MISSING
}

/// The top-level message of a replay error with any free text (a serde message that may quote a
/// value) left out: ids, type tags and field names only.
pub fn public_message(kind: &ErrorKind) -> String {
    kind.to_string()
}
