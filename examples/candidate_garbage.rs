//! A candidate that exits 0 with output that is not JSON: `compare` reports `candidate-garbage`.

fn main() {
    println!("reduced OK (state follows) {{ not json");
}
