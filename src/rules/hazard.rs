//! Upstream hazards of a bundle our reducer accepts: each listed order dependence whose result this
//! bundle's event order decided, at the event that raced. (A bundle that makes upstream panic fails
//! replay; `catalog::hazard_rule_for` names its rule.)

use super::locate::Events;
use super::Violation;
use crate::bundle::Bundle;
use crate::generate::order_dependence::ORDER_DEPENDENCES;
use crate::reducer::Replayed;

/// Order dependences this bundle's result hinges on.
pub fn violations(bundle: &Bundle, replayed: &Replayed) -> Vec<Violation> {
    let events = Events::new(bundle);
    ORDER_DEPENDENCES
        .iter()
        .flat_map(|dependence| {
            let races = dependence.races(&events, replayed);
            races.into_iter().map(|race| Violation::new(dependence.rule, race.location, race.message))
        })
        .collect()
}
