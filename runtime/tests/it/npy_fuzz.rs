//! `.npy` reading is input parsing: mutated and truncated files are errors, never panics or
//! huge allocations (a header may promise more data than the file holds).

use proptest::prelude::*;
use strata_runtime::{npy, Elem, Tensor};

fn valid_file(elem: Elem) -> Vec<u8> {
    let t = Tensor::from_fn(&[3, 5], elem, |i| i as f64 * 0.75 - 4.0);
    let mut bytes = Vec::new();
    npy::write_to(&mut bytes, &t).unwrap();
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mutated_npy_files_are_errors_not_crashes(
        which in 0usize..6,
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let elem = [Elem::F32, Elem::F64, Elem::Int(64), Elem::Int(8), Elem::Int(1), Elem::BF16][which];
        let mut bytes = valid_file(elem);
        for (at, b) in edits {
            let i = at.index(bytes.len());
            bytes[i] = b;
        }
        if truncate {
            bytes.truncate(cut.index(bytes.len()));
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.npy");
        std::fs::write(&path, &bytes).unwrap();
        // Any outcome but a panic: a read tensor has as many values as its shape says.
        if let Ok(t) = npy::read(&path) {
            prop_assert_eq!(t.len(), t.shape.iter().product::<usize>());
        }
    }
}
