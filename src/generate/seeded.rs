//! What "seed N" means, in one place: `gen --seed N`, the golden scenarios and users' own tests all
//! draw bundle `index` of seed `seed` from the same ChaCha stream.

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

use super::emit::{emit_as, Emitted};
use super::scenario::{scenario, Size};
use crate::revision::Revision;

/// The runner bundle `index` of `seed` samples from: its own stream, so a bundle does not depend
/// on how many others are drawn.
pub fn runner(seed: u64, index: u64) -> TestRunner {
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    bytes[8..16].copy_from_slice(&index.to_le_bytes());
    bytes[16..].copy_from_slice(b"rollout-conf-gen");
    TestRunner::new_with_rng(Config::default(), TestRng::from_seed(RngAlgorithm::ChaCha, &bytes))
}

/// One value of a strategy. The generator strategies map and collect but never filter, so they
/// never reject.
pub fn sample<S: Strategy>(strategy: S, runner: &mut TestRunner) -> S::Value {
    strategy.new_tree(runner).expect("generator strategies never reject").current()
}

/// Scenario `index` of `seed`, emitted.
pub fn emitted(seed: u64, index: u64, size: Size) -> Emitted {
    emitted_as(seed, index, size, Revision::default_revision())
}

/// Scenario `index` of `seed`, emitted as a producer of `revision` writes it: the same scenario
/// under every revision.
pub fn emitted_as(seed: u64, index: u64, size: Size, revision: &Revision) -> Emitted {
    emit_as(&sample(scenario(size), &mut runner(seed, index)), revision)
}
