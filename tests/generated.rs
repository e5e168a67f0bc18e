//! A dozen fixed-seed generated scenarios and their reference reductions, as insta snapshots, so
//! a change to the generators or the reducer shows up in review. `gen --seed N --size S` writes
//! the same bundles (bundle index 0).

use rollout_conformance::generate::scenario::Size;
use rollout_conformance::generate::seeded;
use rollout_conformance::reducer::replay;

fn golden(seed: u64, size: Size, size_name: &str) {
    let emitted = seeded::emitted(seed, 0, size);
    let replayed = replay(&emitted.bundle(&emitted.causal_order())).expect("generated streams are valid");
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.set_info(&format!("gen --seed {seed} --size {size_name}: {} events", emitted.events.len()));
    settings.bind(|| {
        insta::assert_snapshot!(format!("generated__seed_{seed:02}_{size_name}"), replayed.trace.to_state_json())
    });
}

macro_rules! goldens {
    ($($name:ident: $seed:expr, $size:ident, $size_name:expr;)*) => {
        $(
            #[test]
            fn $name() {
                golden($seed, Size::$size, $size_name);
            }
        )*
    };
}

goldens! {
    seed_01_tiny: 1, TINY, "tiny";
    seed_02_tiny: 2, TINY, "tiny";
    seed_03_tiny: 3, TINY, "tiny";
    seed_04_tiny: 4, TINY, "tiny";
    seed_05_tiny: 5, TINY, "tiny";
    seed_06_tiny: 6, TINY, "tiny";
    seed_07_tiny: 7, TINY, "tiny";
    seed_08_tiny: 8, TINY, "tiny";
    seed_09_medium: 9, MEDIUM, "medium";
    seed_10_medium: 10, MEDIUM, "medium";
    seed_11_medium: 11, MEDIUM, "medium";
    seed_12_medium: 12, MEDIUM, "medium";
}
