//! Rules a reduced graph or a stream must satisfy.

pub mod graph;
