//! Every mutation fails at its event with upstream's text, and none stops being exercised.

use std::collections::BTreeSet;
use std::panic::{catch_unwind, AssertUnwindSafe};

use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;

use super::*;
use crate::generate::emit::emit_as;
use crate::reducer::{replay, replay_with, ReplayOptions};
use crate::revision::{Revision, INFERENCE_TIMING};

#[test]
fn every_mutation_fails_at_its_event_with_upstream_text() {
    let mut runner = TestRunner::deterministic();
    let strategy = scenario(Size::MEDIUM);
    let mut exercised: BTreeSet<MutationKind> = BTreeSet::new();
    for case in 0..200 {
        let scenario = strategy.new_tree(&mut runner).expect("scenario generates").current();
        // Every fourth case in the timing revision, whose events some kinds target.
        let revision = if case % 4 == 3 { &INFERENCE_TIMING } else { Revision::default_revision() };
        let options = ReplayOptions::revision(revision);
        let replay = |bundle: &crate::bundle::Bundle| replay_with(bundle, &options);
        let emitted = emit_as(&scenario, revision);
        let valid = emitted.bundle(&emitted.causal_order());
        if let Err(e) = replay(&valid) {
            panic!("case {case}: the unmutated stream must reduce, got {} at {:?}", e.message(), e.seq);
        }
        for kind in applicable(&emitted) {
            let mutated = apply(&emitted, kind).expect("applicable kinds apply");
            assert_eq!(mutated.kind, kind);
            let result = catch_unwind(AssertUnwindSafe(|| replay(&mutated.bundle)))
                .unwrap_or_else(|_| panic!("case {case}: {kind:?} made the reducer panic"));
            let err = match result {
                Ok(_) => panic!("case {case}: {kind:?} was accepted; expected `{}`", mutated.expected_error),
                Err(err) => err,
            };
            assert_eq!(
                (err.message(), err.seq),
                (mutated.expected_error.clone(), mutated.seq),
                "case {case}: {kind:?}"
            );
            exercised.insert(kind);
        }
    }
    let missing: Vec<_> = MutationKind::ALL.into_iter().filter(|k| !exercised.contains(k)).collect();
    assert!(missing.is_empty(), "mutation kinds never applicable in 200 scenarios: {missing:?}");
}

#[test]
fn mutated_strategy_yields_rejected_bundles() {
    let mut runner = TestRunner::deterministic();
    let strategy = mutated(Size::TINY);
    for _ in 0..20 {
        let mutated = strategy.new_tree(&mut runner).expect("mutation generates").current();
        let err = replay(&mutated.bundle).expect_err("a mutated stream is rejected");
        assert_eq!((err.message(), err.seq), (mutated.expected_error, mutated.seq), "{:?}", mutated.kind);
    }
}

#[test]
fn inapplicable_kinds_return_none() {
    let mut runner = TestRunner::deterministic();
    let scenario = scenario(Size::TINY).new_tree(&mut runner).expect("scenario generates").current();
    let emitted = emit(&scenario);
    let kinds = applicable(&emitted);
    for kind in MutationKind::ALL {
        assert_eq!(apply(&emitted, kind).is_some(), kinds.contains(&kind), "{kind:?}");
    }
}
