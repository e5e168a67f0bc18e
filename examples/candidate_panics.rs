//! A candidate that panics on every bundle (exit 101): `compare` reports `candidate-crashed`.

fn main() {
    let bundle = std::env::args().nth(1).unwrap_or_default();
    panic!("this candidate cannot reduce {bundle}");
}
