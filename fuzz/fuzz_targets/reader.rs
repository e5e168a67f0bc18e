#![no_main]
//! The bundle reader on a bundle written from the input: never a panic.
use libfuzzer_sys::fuzz_target;
use rollout_conformance::bundle::Bundle;
use rollout_conformance::rules::Limits;

mod common;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().unwrap();
    common::write_bundle(data, dir.path());
    if let Ok(bundle) = Bundle::read_dir_bounded(dir.path(), Limits::REDUCE.bounds()) {
        for record in &bundle.events {
            let _ = record.event.payload.payload_refs();
        }
    }
});
