//! The example `my-opt` runs its own dialect and pass next to the standard ones.

use std::io::Write;
use std::process::{Command, Stdio};

fn my_opt(args: &[&str], input: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_my-opt"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const INPUT: &str = "func.func @f(%x: i32) -> i32 {\n  %c = arith.constant 3 : i32\n  %d = toy.double %c : i32\n  %e = toy.double %x : i32\n  %s = arith.addi %d, %e : i32\n  return %s : i32\n}\n";

#[test]
fn lowers_its_dialect_with_its_pass_then_folds() {
    let (code, out, err) = my_opt(&["--toy-to-arith", "--canonicalize"], INPUT);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("toy."), "{out}");
    // 2 * 3 folds to 6; 2 * x stays an addition of x to itself.
    assert!(out.contains("arith.constant 6 : i32"), "{out}");
    assert!(out.contains("arith.addi %arg0, %arg0 : i32"), "{out}");
}

#[test]
fn lists_its_pass_and_the_standard_ones() {
    let (code, out, _) = my_opt(&["--list-passes"], "");
    assert_eq!(code, 0);
    assert!(out.contains("--toy-to-arith") && out.contains("--canonicalize"), "{out}");
}

#[test]
fn its_dialect_round_trips_without_passes() {
    let (code, out, err) = my_opt(&[], INPUT);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("toy.double %c3_i32 : i32") || out.contains("toy.double %"), "{out}");
}
