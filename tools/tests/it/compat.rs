//! Upstream compatibility: our text and mlir-opt-22's agree once both are normalised through
//! `mlir-opt --mlir-print-op-generic`, in both directions.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::common::*;

fn run(tool: &Path, args: &[&str], input: &[u8]) -> Result<String, String> {
    use std::io::Write;
    let mut child = Command::new(tool)
        .args(args)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    if out.status.success() {
        Ok(String::from_utf8(out.stdout).unwrap())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[test]
fn corpus_agrees_with_mlir_opt_22() {
    let Some(mlir) = mlir_opt() else { return };
    let ours = Path::new(env!("CARGO_BIN_EXE_strata-opt"));
    let flags = ["--allow-unregistered-dialect"];
    let generic = ["--allow-unregistered-dialect", "--mlir-print-op-generic"];
    let files = testdata("ir");
    assert!(files.len() >= 10);
    for file in files {
        let name = file.display();
        let src = std::fs::read(&file).unwrap();
        let reference =
            run(&mlir, &generic, &src).unwrap_or_else(|e| panic!("{name}: mlir-opt rejects the input:\n{e}"));
        // Our generic form, normalised by mlir-opt, is mlir-opt's own.
        let ours_generic = run(ours, &generic, &src).unwrap_or_else(|e| panic!("{name}: {e}"));
        let normalised = run(&mlir, &generic, ours_generic.as_bytes())
            .unwrap_or_else(|e| panic!("{name}: mlir-opt rejects our generic output:\n{e}\n{ours_generic}"));
        assert_eq!(normalised, reference, "{name}: generic forms differ");
        // Our custom form parses in mlir-opt to the same IR.
        let ours_custom = run(ours, &flags, &src).unwrap();
        let normalised = run(&mlir, &generic, ours_custom.as_bytes())
            .unwrap_or_else(|e| panic!("{name}: mlir-opt rejects our custom output:\n{e}\n{ours_custom}"));
        assert_eq!(normalised, reference, "{name}: custom form differs");
        // mlir-opt's generic and custom outputs parse here, to the same IR.
        for form in [&generic[..], &flags[..]] {
            let theirs = run(&mlir, form, &src).unwrap();
            let back = run(ours, &generic, theirs.as_bytes())
                .unwrap_or_else(|e| panic!("{name}: we reject mlir-opt's output ({form:?}):\n{e}"));
            let normalised = run(&mlir, &generic, back.as_bytes()).unwrap();
            assert_eq!(normalised, reference, "{name}: mlir-opt's {form:?} output read back differently");
        }
    }
}

/// What we reject, upstream rejects: every piece of these files of `testdata/invalid/` fails
/// in mlir-opt-22 too (the others hold checks that are deliberately stricter than upstream's:
/// launch operand groups, resources defined twice, shapes too large to count).
#[test]
fn invalid_pieces_are_rejected_by_mlir_opt_22() {
    let Some(mlir) = mlir_opt() else { return };
    let files: Vec<_> = testdata("invalid")
        .into_iter()
        .filter(|f| {
            f.file_name().is_some_and(|n| {
                ["memref.mlir", "scf.mlir", "structure.mlir", "tensor.mlir", "values.mlir", "vector.mlir", "views.mlir"]
                    .iter()
                    .any(|s| n == *s)
            })
        })
        .collect();
    assert_eq!(files.len(), 7);
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let flags: &[&str] =
            if text.contains("allow-unregistered-dialect") { &["--allow-unregistered-dialect"] } else { &[] };
        for (i, piece) in text.split("// -----").enumerate() {
            assert!(
                run(&mlir, flags, piece.as_bytes()).is_err(),
                "{}: piece {i} is accepted by mlir-opt-22:\n{piece}",
                file.display()
            );
        }
    }
}

/// mlir-opt's printing flags: `--mlir-elide-elementsattrs-if-larger` elides the attributes
/// mlir-opt elides (non-splat `dense` ones above the limit; splats and resources stay);
/// `--mlir-print-local-scope` writes no alias definitions, no resource section and the same IR
/// as mlir-opt's in local scope; booleans take `=true` and `=false`.
#[test]
fn printing_flags_agree_with_mlir_opt_22() {
    let Some(mlir) = mlir_opt() else { return };
    let ours = Path::new(env!("CARGO_BIN_EXE_strata-opt"));
    let allow = "--allow-unregistered-dialect";
    // `#map = affine_map<...>`, `!name = ...` (not the resource section's `#-}`).
    let has_aliases = |text: &str| {
        text.lines().any(|l| {
            l.strip_prefix(['#', '!']).is_some_and(|rest| rest.starts_with(|c: char| c.is_alphabetic() || c == '_'))
        })
    };
    let (mut elided, mut aliased) = (0, 0);
    // Values all equal are splats to MLIR, written as lists or not (never elided).
    let lists = r#""xt.c"() {a = dense<[2.0, 2.0]> : tensor<2xf32>, b = dense<[5.0]> : tensor<1xf32>, c = dense<[1, 2]> : tensor<2xi32>, d = dense<[[7, 7], [7, 7]]> : tensor<2x2xi8>} : () -> ()"#;
    let mut sources: Vec<(String, Vec<u8>)> =
        testdata("ir").into_iter().map(|f| (f.display().to_string(), std::fs::read(&f).unwrap())).collect();
    sources.push(("lists".to_string(), lists.as_bytes().to_vec()));
    for (name, src) in sources {
        for limit in ["0", "1", "3"] {
            let elide = format!("--mlir-elide-elementsattrs-if-larger={limit}");
            // Elided text need not parse (mlir-opt rejects its own where a property needs the
            // values), so the elided attributes are compared: their types, in order.
            let elisions = |text: &str| -> Vec<String> {
                text.split("dense_resource<__elided__> : ")
                    .skip(1)
                    .map(|rest| rest.split(['}', ',', ')', '\n']).next().unwrap_or("").to_string())
                    .collect()
            };
            let reference = run(&mlir, &[allow, "--mlir-print-op-generic", &elide], &src).unwrap();
            let ours_text = run(ours, &[allow, "--mlir-print-op-generic=true", &elide], &src)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            elided += elisions(&ours_text).len();
            assert_eq!(elisions(&ours_text), elisions(&reference), "{name}: {elide} elides other attributes");
        }
        aliased += usize::from(has_aliases(&run(ours, &[allow], &src).unwrap()));
        // In local scope the resource section goes too, so the blobs are unknown on reading.
        let reference = run(&mlir, &[allow, "--mlir-print-op-generic", "--mlir-print-local-scope"], &src).unwrap();
        for local in ["--mlir-print-local-scope", "--mlir-print-local-scope=true"] {
            let text = run(ours, &[allow, local, "--mlir-print-op-generic=false"], &src).unwrap();
            assert!(
                !has_aliases(&text) && !text.contains("{-#"),
                "{name}: {local} printed aliases or resources:\n{text}"
            );
            let normalised =
                run(&mlir, &[allow, "--mlir-print-op-generic", "--mlir-print-local-scope"], text.as_bytes()).unwrap();
            assert_eq!(normalised, reference, "{name}: {local} printed other IR");
        }
        let with = run(ours, &[allow, "--mlir-print-local-scope=false"], &src).unwrap();
        assert_eq!(with, run(ours, &[allow], &src).unwrap(), "{name}: =false is not the default");
    }
    assert!(elided > 0 && aliased > 0, "the corpus has dense attributes to elide and aliases to inline");
}

#[test]
fn debuginfo_output_of_mlir_opt_parses_here() {
    let Some(mlir) = mlir_opt() else { return };
    let ours = Path::new(env!("CARGO_BIN_EXE_strata-opt"));
    for file in testdata("ir") {
        let src = std::fs::read(&file).unwrap();
        let with_locs = run(&mlir, &["--allow-unregistered-dialect", "--mlir-print-debuginfo"], &src).unwrap();
        let back = run(
            ours,
            &["--allow-unregistered-dialect", "--mlir-print-debuginfo", "--mlir-print-op-generic"],
            with_locs.as_bytes(),
        );
        let back = back.unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let a = run(
            &mlir,
            &["--allow-unregistered-dialect", "--mlir-print-debuginfo", "--mlir-print-op-generic"],
            with_locs.as_bytes(),
        )
        .unwrap();
        let b = run(
            &mlir,
            &["--allow-unregistered-dialect", "--mlir-print-debuginfo", "--mlir-print-op-generic"],
            back.as_bytes(),
        )
        .unwrap();
        assert_eq!(a, b, "{}: locations differ after a trip through strata-opt", file.display());
    }
}

/// The locations strata-opt gives what the text leaves unlocated are mlir-opt's: an op's and
/// a block argument's are where they are written, the implicit module's line 0, column 0.
#[test]
fn default_locations_are_mlir_opts() {
    let Some(mlir) = mlir_opt() else { return };
    let ours = Path::new(env!("CARGO_BIN_EXE_strata-opt"));
    let flags = ["--allow-unregistered-dialect", "--mlir-print-debuginfo", "--mlir-print-op-generic"];
    for file in testdata("ir") {
        let src = std::fs::read(&file).unwrap();
        let theirs = run(&mlir, &flags, &src).unwrap();
        let printed = run(ours, &flags, &src).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let normalised = run(&mlir, &flags, printed.as_bytes()).unwrap();
        assert_eq!(normalised, theirs, "{}: strata-opt located the text differently", file.display());
    }
}

/// Blobs (`dense_resource`) in MLIR's own form: a file of blobs of several element types and
/// sizes (one of a megabyte), used in arrays, dictionaries and properties, under a bare and a
/// quoted key, printed by strata-opt, read and printed by mlir-opt-22, read and printed by
/// strata-opt again, is the text strata-opt first printed; mlir-opt-22 writes the same section.
#[test]
fn blobs_round_trip_through_mlir_opt_22() {
    let Some(mlir) = mlir_opt() else { return };
    let ours = Path::new(env!("CARGO_BIN_EXE_strata-opt"));
    let mut state = 0x9E3779B97F4A7C15u64;
    let mut hex = |bytes: usize| -> String {
        (0..bytes)
            .map(|_| {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                format!("{:02X}", (state >> 56) as u8)
            })
            .collect()
    };
    let src = format!(
        "\"xt.weights\"() <{{w = dense_resource<big> : tensor<262144xf32>}}> {{\
         list = [dense_resource<\"quoted key\"> : tensor<3xi16>], d = {{b = dense_resource<flags> : tensor<5xi1>}}}} : () -> ()\n\
         \"xt.more\"() {{again = dense_resource<big> : tensor<262144xf32>, h = dense_resource<halves> : tensor<2x2xbf16>}} : () -> ()\n\
         {{-#\n  dialect_resources: {{\n    builtin: {{\n      big: \"0x04000000{}\",\n      \"quoted key\": \"0x02000000{}\",\n      \
         flags: \"0x010000000100010001\",\n      halves: \"0x02000000{}\",\n      unused: \"0x0800000000\"\n    }}\n  }}\n#-}}\n",
        hex(4 * 262144),
        hex(6),
        hex(8)
    );
    for flags in [&["--allow-unregistered-dialect"][..], &["--allow-unregistered-dialect", "--mlir-print-op-generic"]] {
        let first = run(ours, flags, src.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        assert!(first.contains("      big: \"0x04000000") && !first.contains("unused"), "{first:.2000}");
        let theirs =
            run(&mlir, flags, first.as_bytes()).unwrap_or_else(|e| panic!("mlir-opt-22 rejects our blobs:\n{e}"));
        let section = |t: &str| t[t.find("{-#").expect("a resource section")..].trim_end().to_string();
        assert!(section(&theirs) == section(&first), "mlir-opt-22 writes other blobs ({flags:?})");
        let back = run(ours, flags, theirs.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        assert!(back == first, "a trip through mlir-opt-22 changed the text ({flags:?})");
    }
}

/// The loop level is upstream MLIR: every program of `testdata/codegen/` (all entries, blobs
/// included), the generated networks of `testdata/models/` (ResNet-18, a transformer block) and
/// the loop tests of `testdata/loops/`, through each target's default pipeline (egraph-opt,
/// memory plan, lower-to-loops, vectorize) and the profiling one (kernel tags in the
/// locations, printed generic with `--mlir-print-debuginfo`), parse and verify in mlir-opt-22
/// with no unregistered op allowed. Each file must also lower completely (no graph op left).
#[test]
fn loop_level_ir_verifies_in_mlir_opt_22() {
    use strata_lowering::codegen::{default_pipeline, profile_pipeline, Target};
    let Some(mlir) = mlir_opt() else { return };
    let ours = Path::new(env!("CARGO_BIN_EXE_strata-opt"));
    let mut files = testdata("codegen");
    files.extend(testdata("models"));
    let loops = ["lower-to-loops.mlir", "relayout.mlir", "sum.mlir", "vectorize-offset.mlir"];
    files
        .extend(testdata("loops").into_iter().filter(|f| f.file_name().is_some_and(|n| loops.iter().any(|l| n == *l))));
    assert!(files.len() >= 14, "{files:?}");
    let runs = [
        (default_pipeline(Target::X86_64).to_string(), &[][..]),
        (profile_pipeline(Target::Aarch64), &["--mlir-print-op-generic", "--mlir-print-debuginfo"][..]),
    ];
    for file in &files {
        let name = file.display();
        let src = std::fs::read(file).unwrap();
        for (pipeline, flags) in &runs {
            let mut args = vec!["--pass-pipeline", pipeline.as_str()];
            args.extend_from_slice(flags);
            let lowered = run(ours, &args, &src).unwrap_or_else(|e| panic!("{name}: {pipeline}: {e}"));
            assert!(graph_op(&lowered).is_none(), "{name}: {pipeline} left {:?}", graph_op(&lowered));
            run(&mlir, &[], lowered.as_bytes())
                .unwrap_or_else(|e| panic!("{name}: mlir-opt-22 rejects what {pipeline} writes ({flags:?}):\n{e}"));
        }
    }
}

/// `scf-forall-to-for` and `scf-forall-to-parallel` make what mlir-opt-22's passes of those
/// names make from a forall over buffers (same IR, in generic form); what `scf-forall-to-for`
/// makes of foralls with shared outputs (which mlir-opt-22's pass crashes on) verifies there.
#[test]
fn forall_lowerings_agree_with_mlir_opt_22() {
    let Some(mlir) = mlir_opt() else { return };
    let ours = Path::new(env!("CARGO_BIN_EXE_strata-opt"));
    let generic = ["--mlir-print-op-generic"];
    let run_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/run");
    let buffers = std::fs::read(run_dir.join("forall-buffers.mlir")).unwrap();
    for pass in ["--scf-forall-to-for", "--scf-forall-to-parallel"] {
        let theirs = run(&mlir, &[pass, "--mlir-print-op-generic"], &buffers).unwrap();
        let lowered = run(ours, &[pass], &buffers).unwrap();
        let normalised = run(&mlir, &generic, lowered.as_bytes()).unwrap();
        assert_eq!(normalised, theirs, "{pass}: our lowering differs from mlir-opt-22's");
    }
    let tensors = std::fs::read(run_dir.join("forall.mlir")).unwrap();
    let lowered = run(ours, &["--scf-forall-to-for"], &tensors).unwrap();
    assert!(!lowered.contains("scf.forall"), "{lowered}");
    run(&mlir, &[], lowered.as_bytes()).unwrap_or_else(|e| panic!("mlir-opt-22 rejects:\n{e}\n{lowered}"));
}

/// The first graph-level op (`"nn.…"(`, `"kernel.…"(`) or buffer of a tensor
/// (`bufferization.`) in printed IR; op names in kernel tags (`op = "nn.conv2d"`) are not ops.
fn graph_op(text: &str) -> Option<&str> {
    if let Some(at) = text.find("bufferization.") {
        return Some(&text[at..at + 30.min(text.len() - at)]);
    }
    ["\"nn.", "\"kernel."].iter().find_map(|prefix| {
        text.match_indices(prefix).find_map(|(at, _)| {
            let end = at + 1 + text[at + 1..].find('"')?;
            text[end + 1..].starts_with('(').then(|| &text[at..=end])
        })
    })
}

/// Float constants of every type, the core syntax of `upstream-core.mlir`, large `dense`
/// attributes in hex and `distinct` attributes print as mlir-opt-22 prints them, character for
/// character (the corpus test compares values, which would hide a different decimal form of
/// the same value), and what mlir-opt prints reads back to the same text here.
#[test]
fn floats_and_core_syntax_print_as_mlir_opt_22() {
    let Some(mlir) = mlir_opt() else { return };
    let ours = Path::new(env!("CARGO_BIN_EXE_strata-opt"));
    let names = [
        "floats.mlir",
        "upstream-core.mlir",
        "dense-hex.mlir",
        "dense-raw-bits.mlir",
        "distinct.mlir",
        "sparse.mlir",
        "affine.mlir",
    ];
    let files: Vec<_> =
        testdata("ir").into_iter().filter(|f| f.file_name().is_some_and(|n| names.iter().any(|m| n == *m))).collect();
    assert_eq!(files.len(), names.len());
    // mlir-opt notes block predecessors in comments; the text is otherwise the same.
    let without_comments =
        |s: &str| s.lines().map(|l| l.split("  // ").next().unwrap_or(l).trim_end()).collect::<Vec<_>>().join("\n");
    for file in files {
        let src = std::fs::read(&file).unwrap();
        // Large elements attributes: in hex above mlir-opt's default of 100 elements, never
        // (-1), above 2, and always (other negative limits). `distinct` numbers: with aliases, without, in generic form.
        let variants: &[&str] = if file.ends_with("dense-hex.mlir") {
            &[
                "",
                "--mlir-print-elementsattrs-with-hex-if-larger=-1",
                "--mlir-print-elementsattrs-with-hex-if-larger=2",
                "--mlir-print-elementsattrs-with-hex-if-larger=-5",
            ]
        } else if file.ends_with("dense-raw-bits.mlir") {
            &["", "--mlir-print-elementsattrs-with-hex-if-larger=2", "--mlir-print-elementsattrs-with-hex-if-larger=-5"]
        } else if file.ends_with("sparse.mlir") {
            &[
                "",
                "--mlir-print-elementsattrs-with-hex-if-larger=1",
                "--mlir-elide-elementsattrs-if-larger=2",
                "--mlir-print-op-generic",
            ]
        } else if file.ends_with("distinct.mlir") || file.ends_with("affine.mlir") {
            &["", "--mlir-print-local-scope", "--mlir-print-op-generic"]
        } else {
            &[""]
        };
        for limit in variants {
            let flags: Vec<&str> =
                ["--allow-unregistered-dialect", limit].into_iter().filter(|f| !f.is_empty()).collect();
            let what = format!("{} {limit}", file.display());
            let theirs = run(&mlir, &flags, &src).unwrap_or_else(|e| panic!("{what}: {e}"));
            let printed = run(ours, &flags, &src).unwrap_or_else(|e| panic!("{what}: {e}"));
            assert_eq!(without_comments(&printed).trim_end(), without_comments(&theirs).trim_end(), "{what}");
            // What mlir-opt printed reads back here to the same text.
            let reread =
                run(ours, &flags, theirs.as_bytes()).unwrap_or_else(|e| panic!("{what}, mlir-opt's output: {e}"));
            assert_eq!(reread, printed, "{what}: mlir-opt's output read back");
        }
    }
}

/// `f80` and `f128` values no `f64` holds keep every bit: strata-opt prints their bit patterns
/// (scalars, splats, list elements, complex parts, NaN payloads, subnormals), which mlir-opt-22
/// reads to the IR it reads from the source, and strata-opt reads its own text back unchanged.
/// mlir-opt prints such values in decimal (`1.00000000000000000011`), which it then reads back
/// through an `f64`, as 1.0; Strata reads decimals as it does, so only the bits are exact.
#[test]
fn wide_floats_keep_every_bit_through_mlir_opt_22() {
    let Some(mlir) = mlir_opt() else { return };
    let ours = Path::new(env!("CARGO_BIN_EXE_strata-opt"));
    let src = r#""xt.wide"() {scalars = [0x3FFF8000000000000001 : f80, 0xBFFF8000000000000003 : f80, 0x00000000000000000001 : f80, 0x7FFEFFFFFFFFFFFFFFFF : f80, 0x7FFFC000000000000001 : f80, 0x3FFB999999999999999A : f80, 0x3FFF0000000000000000000000000001 : f128, 0x7FFEFFFFFFFFFFFFFFFFFFFFFFFFFFFF : f128, 0x00000000000000000000000000000001 : f128, 0x80000000000000000000000000000003 : f128],
  decimals = [0.1 : f80, 3.14159265358979323846 : f80, 1.0e-300 : f128, 2.5e-310 : f80, -1.7976931348623157e308 : f128],
  splat = dense<0x3FFF8000000000000001> : tensor<2x2xf80>,
  list = dense<[[0x3FFF8000000000000001, 1.5], [0.1, 0x7FFFC000000000000001]]> : tensor<2x2xf80>,
  wide128 = dense<[0x3FFF0000000000000000000000000001, 2.0]> : tensor<2xf128>,
  cplx = dense<(0x3FFF8000000000000001, 2.0)> : tensor<2xcomplex<f80>>} : () -> ()
"#;
    let flags = ["--allow-unregistered-dialect"];
    let generic = ["--allow-unregistered-dialect", "--mlir-print-op-generic"];
    let printed = run(ours, &flags, src.as_bytes()).unwrap();
    for bits in
        ["0x3FFF8000000000000001 : f80", "0x3FFF0000000000000000000000000001 : f128", "dense<0x3FFF8000000000000001>"]
    {
        assert!(printed.contains(bits), "{bits} not in\n{printed}");
    }
    assert_eq!(run(ours, &flags, printed.as_bytes()).unwrap(), printed, "read back here");
    let reference = run(&mlir, &generic, src.as_bytes()).unwrap();
    let theirs =
        run(&mlir, &generic, printed.as_bytes()).unwrap_or_else(|e| panic!("mlir-opt rejects:\n{e}\n{printed}"));
    assert_eq!(theirs, reference, "mlir-opt reads different values from our text");
}

/// Under `--mlir-print-debuginfo` strata-opt prints what mlir-opt-22 prints, character for
/// character: every location aliased (`#loc3`), numbered by nesting depth then first visit,
/// block arguments' locations written out and their aliases defined first, the others after
/// the top-level op, in custom and generic form; and mlir-opt's output reads back here to the
/// same text.
#[test]
fn debuginfo_prints_as_mlir_opt_22() {
    let Some(mlir) = mlir_opt() else { return };
    let ours = Path::new(env!("CARGO_BIN_EXE_strata-opt"));
    let custom_only = ["locations.mlir", "floats.mlir", "func.mlir", "math.mlir", "memref.mlir", "views.mlir"];
    let both = [
        "affine.mlir",
        "attributes.mlir",
        "builtin.mlir",
        "distinct.mlir",
        "generic.mlir",
        "sparse.mlir",
        "tensor.mlir",
        "types.mlir",
    ];
    // mlir-opt notes block predecessors in comments and leaves trailing spaces and a last
    // blank line; the text is otherwise the same.
    let normal =
        |s: &str| s.lines().map(|l| l.split("  // ").next().unwrap_or(l).trim_end()).collect::<Vec<_>>().join("\n");
    let mut checked = 0;
    for file in testdata("ir") {
        let name = file.file_name().unwrap().to_str().unwrap().to_string();
        let forms: &[&[&str]] = if both.contains(&name.as_str()) {
            &[&[], &["--mlir-print-op-generic"]]
        } else if custom_only.contains(&name.as_str()) {
            &[&[]]
        } else {
            continue;
        };
        let src = std::fs::read(&file).unwrap();
        for form in forms {
            let flags: Vec<&str> =
                ["--allow-unregistered-dialect", "--mlir-print-debuginfo"].iter().chain(form.iter()).copied().collect();
            let what = format!("{name} {form:?}");
            let theirs = run(&mlir, &flags, &src).unwrap_or_else(|e| panic!("{what}: {e}"));
            let printed = run(ours, &flags, &src).unwrap_or_else(|e| panic!("{what}: {e}"));
            assert_eq!(normal(&printed).trim_end(), normal(&theirs).trim_end(), "{what}");
            let reread =
                run(ours, &flags, theirs.as_bytes()).unwrap_or_else(|e| panic!("{what}, mlir-opt's output: {e}"));
            assert_eq!(reread, printed, "{what}: mlir-opt's output read back");
            checked += 1;
        }
    }
    assert_eq!(checked, custom_only.len() + 2 * both.len());
}

/// `--mlir-print-ir-after` dumps as mlir-opt-22 writes them: the module whole, with its aliases
/// (and `#loc` aliases under `--mlir-print-debuginfo`); each function of a function pipeline in
/// local scope; a blank line after each. Functions are lent to threads here, so this also
/// checks that a lent function prints as a nested one. mlir-opt runs without threads so that
/// its dumps come in order. `vector.mlir` and `gpu.mlir` still differ after CSE (alias sets,
/// `gpu.shuffle`); `memref`, `tensor` and `views` agree since CSE erases dead ops as MLIR's does,
/// but are not in the list yet.
#[test]
fn ir_dumps_print_as_mlir_opt_22() {
    let Some(mlir) = mlir_opt() else { return };
    let ours = Path::new(env!("CARGO_BIN_EXE_strata-opt"));
    let files = [
        "affine.mlir",
        "builtin.mlir",
        "distinct.mlir",
        "floats.mlir",
        "func.mlir",
        "generic.mlir",
        "locations.mlir",
        "math.mlir",
        "sparse.mlir",
        "types.mlir",
    ];
    let dumps = |tool: &Path, flags: &[&str], input: &[u8]| -> String {
        use std::io::Write;
        let mut child = Command::new(tool)
            .args(flags)
            .args(["-o", "/dev/null", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(input).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}: {}", tool.display(), String::from_utf8_lossy(&out.stderr));
        // mlir-opt notes block predecessors in comments and leaves trailing spaces.
        let text = String::from_utf8(out.stderr).unwrap();
        text.lines().map(|l| l.split("  // ").next().unwrap_or(l).trim_end()).collect::<Vec<_>>().join("\n")
    };
    let mut checked = 0;
    for name in files {
        let src = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/ir").join(name)).unwrap();
        for pipeline in ["--pass-pipeline=builtin.module(cse)", "--pass-pipeline=builtin.module(func.func(cse))"] {
            for debug in [&[][..], &["--mlir-print-debuginfo"][..]] {
                let flags: Vec<&str> = ["--allow-unregistered-dialect", pipeline, "--mlir-print-ir-after=cse"]
                    .into_iter()
                    .chain(debug.iter().copied())
                    .collect();
                let theirs = dumps(&mlir, &[flags.as_slice(), &["--mlir-disable-threading"]].concat(), &src);
                let printed = dumps(ours, &flags, &src);
                // A file may hold no function at its top level.
                assert!(pipeline.contains("func.func") || theirs.contains("IR Dump After CSE"), "{name}: {theirs}");
                assert_eq!(printed, theirs, "{name} {pipeline} {debug:?}");
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 4 * files.len());
}
