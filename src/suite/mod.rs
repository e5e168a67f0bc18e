//! The conformance suite as a library: any reducer implementing [`Reducer`] can be checked
//! against the corpus and the generated streams.

use crate::bundle::Bundle;
use crate::error::Error;
use crate::reducer::{replay, Replayed};

/// A reducer under test: a bundle in, a reduced state (or an error) and what stayed queued out.
pub trait Reducer {
    /// A short name for reports.
    fn name(&self) -> &str;

    /// Reduce a bundle. A reducer that cannot report leftovers returns them empty.
    fn reduce(&self, bundle: &Bundle) -> Result<Replayed, Error>;
}

/// The reference reducer: upstream's semantics, byte for byte.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReferenceReducer;

impl Reducer for ReferenceReducer {
    fn name(&self) -> &str {
        "reference"
    }

    fn reduce(&self, bundle: &Bundle) -> Result<Replayed, Error> {
        replay(bundle)
    }
}
