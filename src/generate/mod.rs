//! Generators: logical rollouts, their events in every legal order, and invalid variants.

pub mod emit;
pub mod facts;
pub mod reorder;
pub mod scenario;
pub mod coverage;
pub mod mutate;
