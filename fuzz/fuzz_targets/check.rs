#![no_main]
//! `check` of a bundle written from the input: violations, never a panic.
use libfuzzer_sys::fuzz_target;
use rollout_conformance::rules::check::check_bundle;
use rollout_conformance::rules::config::CheckConfig;

mod common;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().unwrap();
    common::write_bundle(data, dir.path());
    let _ = check_bundle(dir.path(), &CheckConfig::default());
});
