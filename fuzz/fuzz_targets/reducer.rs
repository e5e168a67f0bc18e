#![no_main]
//! The reference reducer on a bundle written from the input: an error or a state, never a panic.
use libfuzzer_sys::fuzz_target;
use rollout_conformance::bundle::Bundle;
use rollout_conformance::reducer::replay;
use rollout_conformance::rules::Limits;

mod common;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().unwrap();
    common::write_bundle(data, dir.path());
    if let Ok(bundle) = Bundle::read_dir_bounded(dir.path(), Limits::REDUCE.bounds()) {
        if let Ok(replayed) = replay(&bundle) {
            let _ = replayed.trace.to_state_json();
        }
    }
});
