//! Upstream hazards: bundles upstream mishandles even though our reducer accepts them (being
//! written).

use super::Violation;
use crate::bundle::Bundle;
use crate::reducer::Replayed;

/// Order dependences this bundle's result hinges on.
pub fn violations(_bundle: &Bundle, _replayed: &Replayed) -> Vec<Violation> {
    Vec::new()
}
