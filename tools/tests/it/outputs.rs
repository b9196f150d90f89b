//! Output files are written whole or not at all (`strata_tools::output`): a failing
//! `strata-opt -o FILE` or `strata-translate` leaves the old files as they were, and leaves no
//! temporary files beside them. `strata-translate`'s entries, header and listing.

use std::path::Path;
use std::process::{Command, Output};

use crate::common::{assert_clean_failure, strata_opt};

const GRAPH: &str = r#"func.func @add_relu(%x: tensor<5x7xf32>, %b: tensor<7xf32>) -> tensor<5x7xf32> {
  %a = "nn.add"(%x, %b) : (tensor<5x7xf32>, tensor<7xf32>) -> tensor<5x7xf32>
  %r = "nn.relu"(%a) : (tensor<5x7xf32>) -> tensor<5x7xf32>
  return %r : tensor<5x7xf32>
}

func.func @neg(%x: tensor<4xf32>) -> tensor<4xf32> {
  %n = "nn.neg"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  return %n : tensor<4xf32>
}
"#;

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

fn translate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_strata-translate")).args(args).output().unwrap()
}

#[test]
fn strata_opt_keeps_the_old_output_when_it_fails() {
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("out.mlir");
    let out = out_path.to_str().unwrap();
    std::fs::write(&out_path, "old contents\n").unwrap();
    let bad = b"func.func @f() {\n  %x = arith.addi %y, %y : i32\n  return\n}\n";
    let run = strata_opt(&["-o", out, "-"], Some(bad));
    assert_clean_failure(&run, "undefined value");
    assert_eq!(std::fs::read_to_string(&out_path).unwrap(), "old contents\n");
    assert_eq!(names_in(dir.path()), ["out.mlir"]);
    // On success the file is replaced, and nothing else is left in the folder.
    let good = b"func.func @f(%a: i32) -> i32 {\n  return %a : i32\n}\n";
    let run = strata_opt(&["-o", out, "-"], Some(good));
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    assert!(std::fs::read_to_string(&out_path).unwrap().contains("func.func @f"));
    assert_eq!(names_in(dir.path()), ["out.mlir"]);
}

#[test]
fn strata_opt_names_an_unwritable_output() {
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("no-such-dir").join("out.mlir");
    let run = strata_opt(&["-o", out_path.to_str().unwrap(), "-"], Some(b"func.func @f() {\n  return\n}\n"));
    assert_clean_failure(&run, "unwritable output");
    assert!(String::from_utf8_lossy(&run.stderr).contains(&out_path.display().to_string()));
}

#[test]
fn strata_translate_replaces_no_output_unless_all_are_written() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("g.mlir");
    std::fs::write(&input, GRAPH).unwrap();
    let object = dir.path().join("g.o");
    std::fs::write(&object, "old object").unwrap();
    // The header cannot be written: the object stays as it was.
    let header = dir.path().join("missing").join("g.h");
    let run = translate(&[
        input.to_str().unwrap(),
        "--target",
        "x86-64",
        "-o",
        object.to_str().unwrap(),
        "--header",
        header.to_str().unwrap(),
    ]);
    assert_clean_failure(&run, "unwritable header");
    assert!(String::from_utf8_lossy(&run.stderr).contains("missing/g.h"));
    assert_eq!(std::fs::read_to_string(&object).unwrap(), "old object");
    assert_eq!(names_in(dir.path()), ["g.mlir", "g.o"]);
}

#[test]
fn strata_translate_rejects_an_unknown_entry() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("g.mlir");
    std::fs::write(&input, GRAPH).unwrap();
    let object = dir.path().join("g.o");
    std::fs::write(&object, "old object").unwrap();
    let args = |entry: &'static str| {
        [input.to_str().unwrap().to_string(), "--target".into(), "x86-64".into()]
            .into_iter()
            .chain(["-o".into(), object.to_str().unwrap().into(), "--entry".into(), entry.into()])
            .collect::<Vec<String>>()
    };
    let run = Command::new(env!("CARGO_BIN_EXE_strata-translate")).args(args("nope")).output().unwrap();
    assert_clean_failure(&run, "unknown entry");
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("error: no public function @nope; the module defines @add_relu, @neg"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&object).unwrap(), "old object");
    // A known entry compiles.
    let run = Command::new(env!("CARGO_BIN_EXE_strata-translate")).args(args("neg")).output().unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    assert!(std::fs::read(&object).unwrap().starts_with(b"\x7fELF"));
}

#[test]
fn strata_translate_writes_a_listing_and_a_header_with_the_calling_rules() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("g.mlir");
    std::fs::write(&input, GRAPH).unwrap();
    let p = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    for flag in ["--listing", "--asm"] {
        let run =
            translate(&[&p("g.mlir"), "--target", "x86-64", "-o", &p("g.o"), "--header", &p("g.h"), flag, &p("g.txt")]);
        assert!(run.status.success(), "{flag}: {}", String::from_utf8_lossy(&run.stderr));
        let listing = std::fs::read_to_string(dir.path().join("g.txt")).unwrap();
        assert!(listing.starts_with("; A listing of the machine code of 'g' for x86-64"), "{listing}");
        assert!(listing.contains("not an\n; assembler's input"), "{listing}");
    }
    let header = std::fs::read_to_string(dir.path().join("g.h")).unwrap();
    assert!(header.contains("Calls are not reentrant"), "{header}");
    assert!(header.contains("must not overlap"), "{header}");
    assert!(header.contains("valid only until the next call of any entry point of this module"), "{header}");
    let help = translate(&["--help"]);
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("--listing") && !help.contains("--asm"), "{help}");
    assert!(!help.to_lowercase().contains("assembly"), "{help}");
}
