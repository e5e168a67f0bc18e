//! Generators: logical rollouts, their events in every legal order, and invalid variants.

pub mod coverage;
pub mod emit;
pub mod facts;
pub mod large;
pub mod mutate;
pub mod order_dependence;
pub mod reorder;
pub mod scenario;
pub mod seeded;
