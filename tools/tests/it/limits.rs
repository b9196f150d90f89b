//! Nests thousands deep run everywhere: the interpreter, the verifier and the code generator
//! walk them on stacks grown on demand, and the code generator's time grows about linearly
//! with depth (it was cubic: 2,000 nested loops took 30 s to compile; figures in the issue's
//! note, not a timed test).

use std::path::Path;
use std::process::Command;

/// A function of `depth` nested `scf.for` loops (one iteration each) around a store of 1.0.
fn nested_loops(depth: usize) -> String {
    let mut s = String::from(
        "func.func @f(%m: memref<1xf32>) -> memref<1xf32> {\n%c0 = arith.constant 0 : index\n\
         %c1 = arith.constant 1 : index\n%one = arith.constant 1.0 : f32\n",
    );
    for i in 0..depth {
        s += &format!("\"scf.for\"(%c0, %c1, %c1) ({{\n^bb0(%i{i}: index):\n");
    }
    s += "memref.store %one, %m[%c0] : memref<1xf32>\n";
    for _ in 0..depth {
        s += "scf.yield\n}) : (index, index, index) -> ()\n";
    }
    s + "return %m : memref<1xf32>\n}\n"
}

/// A function of `depth` nested `scf.if`s on a true condition around the same store.
fn nested_ifs(depth: usize) -> String {
    let mut s = String::from(
        "func.func @f(%m: memref<1xf32>) -> memref<1xf32> {\n%c = arith.constant true\n\
         %c0 = arith.constant 0 : index\n%one = arith.constant 1.0 : f32\n",
    );
    for _ in 0..depth {
        s += "\"scf.if\"(%c) ({\n";
    }
    s += "memref.store %one, %m[%c0] : memref<1xf32>\n";
    for _ in 0..depth {
        s += "scf.yield\n}, {\nscf.yield\n}) : (i1) -> ()\n";
    }
    s + "return %m : memref<1xf32>\n}\n"
}

fn run(dir: &Path, name: &str, src: &str, target: &str) {
    let file = dir.join(format!("{name}.mlir"));
    std::fs::write(&file, src).unwrap();
    let out_dir = dir.join(format!("{name}-{target}"));
    let out = Command::new(env!("CARGO_BIN_EXE_strata-run"))
        .arg(&file)
        .args(["--entry", "f", "--random-inputs", "1", "--target", target, "--output-dir"])
        .arg(&out_dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{name} on {target}: {}", String::from_utf8_lossy(&out.stderr));
    let result = strata_runtime::npy::read(&out_dir.join("output0.npy")).unwrap();
    assert_eq!(*result.floats(), [1.0], "{name} on {target}: the innermost store ran once");
}

#[test]
fn nests_thousands_deep_run_on_every_target() {
    let dir = tempfile::tempdir().unwrap();
    let loops = nested_loops(6000);
    let ifs = nested_ifs(10_000);
    for target in ["interp", "host", "x86-64"] {
        run(dir.path(), "loops", &loops, target);
        run(dir.path(), "ifs", &ifs, target);
    }
}
