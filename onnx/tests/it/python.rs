//! Test data made by the Python scripts in `tests/py/`, generated at test time so that no large
//! `.onnx` file is checked in: reference networks with seeded random weights (`models.py`), the
//! ONNX backend node-test cases from the `onnx` package's generators (`node_tests.py`), and
//! onnxruntime's outputs as the reference (`run_ort.py`, one thread, graph optimizations off).
//!
//! The scripts need `python3` with `onnx`, `onnxruntime` and `numpy`. A test calls
//! [`python_available`] first and returns on `Err`: it has then printed `SKIPPED: ...`, unless
//! `STRATA_REQUIRE_ALL=1`, which turns the missing tools into a failure (the rule of
//! runtime/tests/it/onnxruntime.rs). The helpers panic with the script's stderr when a script
//! fails: that is the test failing.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

/// Why a test did not run (already printed as `SKIPPED: ...`).
#[derive(Debug)]
pub struct Skip(pub String);

/// Whether python3 can import onnx (with its node-test generators), onnxruntime and numpy.
///
/// Probed once per test binary. Missing: prints `SKIPPED: ...` and returns `Err`, or panics
/// under `STRATA_REQUIRE_ALL=1`.
pub fn python_available() -> Result<(), Skip> {
    static FOUND: OnceLock<bool> = OnceLock::new();
    let found = *FOUND.get_or_init(|| {
        Command::new("python3")
            .args(["-c", "import numpy, onnxruntime, onnx; from onnx.backend.test.case.node import collect_testcases"])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if found {
        return Ok(());
    }
    assert!(
        std::env::var("STRATA_REQUIRE_ALL").as_deref() != Ok("1"),
        "STRATA_REQUIRE_ALL=1 but python3 cannot import onnx, onnxruntime and numpy"
    );
    let skip = Skip("python3 with onnx, onnxruntime and numpy not found (pip install onnx onnxruntime numpy)".into());
    eprintln!("SKIPPED: {}", skip.0);
    Err(skip)
}

/// The scripts' path from any crate of the workspace (the model tests of `strata-tests`
/// include this file too).
fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../onnx/tests/py").join(name)
}

/// Runs `python3 tests/py/<name> args...`; panics with its stderr if it fails.
fn run_script(name: &str, args: &[&OsStr]) {
    let out = Command::new("python3")
        .arg(script(name))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot start python3 {name}: {e}"));
    assert!(out.status.success(), "{name} {args:?} failed:\n{}", String::from_utf8_lossy(&out.stderr));
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn string(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap_or_else(|| panic!("no string {key:?} in {v}")).to_string()
}

fn number(v: &Value, key: &str) -> f64 {
    v[key].as_f64().unwrap_or_else(|| panic!("no number {key:?} in {v}"))
}

/// One tensor a script wrote: the graph's name for it, numpy's dtype name, shape and file.
#[derive(Clone, Debug)]
pub struct TensorFile {
    pub name: String,
    /// numpy's name: "float32", "int64", "bool".
    pub dtype: String,
    pub shape: Vec<usize>,
    pub path: PathBuf,
}

impl TensorFile {
    fn parse(v: &Value, dir: &Path) -> TensorFile {
        let shape = v["shape"].as_array().unwrap_or_else(|| panic!("no shape in {v}"));
        TensorFile {
            name: string(v, "name"),
            dtype: string(v, "dtype"),
            shape: shape
                .iter()
                .map(|d| d.as_u64().unwrap_or_else(|| panic!("bad dimension in {v}")) as usize)
                .collect(),
            path: dir.join(string(v, "file")),
        }
    }

    fn list(v: &Value, dir: &Path) -> Vec<TensorFile> {
        v.as_array().unwrap_or_else(|| panic!("not a list: {v}")).iter().map(|t| TensorFile::parse(t, dir)).collect()
    }
}

/// The file name `models.py` writes for these arguments, so variants can share a directory.
fn model_file(name: &str, small: bool, opset: Option<u32>, dynamic: bool) -> String {
    let mut file = name.to_string();
    if small {
        file.push_str("-small");
    }
    if let Some(v) = opset {
        file.push_str(&format!("-opset{v}"));
    }
    if dynamic {
        file.push_str("-dynamic");
    }
    file + ".onnx"
}

fn model_args(name: &str, small: bool, opset: Option<u32>, dynamic: bool, path: &Path) -> Vec<OsString> {
    let mut args: Vec<OsString> = vec![name.into(), path.into()];
    if small {
        args.push("--small".into());
    }
    if let Some(v) = opset {
        args.push("--opset".into());
        args.push(v.to_string().into());
    }
    if dynamic {
        args.push("--dynamic-batch".into());
    }
    args
}

/// Writes model `name` of `models.py` (resnet18, resnet50, mobilenetv2, mobilenetv2-folded,
/// mobilenetv2-constant-clip, bert, bert-decomposed, bert-gelu) into `dir`, seed 0. `small`:
/// the variant that runs in seconds in the interpreter; `opset`: None for the model's default;
/// `dynamic`: the batch dimension is the symbol "batch".
pub fn make_model(name: &str, small: bool, opset: Option<u32>, dynamic: bool, dir: &Path) -> PathBuf {
    let path = dir.join(model_file(name, small, opset, dynamic));
    let args = model_args(name, small, opset, dynamic, &path);
    run_script("models.py", &args.iter().map(|a| a.as_os_str()).collect::<Vec<_>>());
    path
}

/// A model with seeded inputs and onnxruntime's outputs on them.
#[derive(Debug)]
pub struct ModelData {
    pub model: PathBuf,
    /// In graph-input order.
    pub inputs: Vec<TensorFile>,
    /// onnxruntime's outputs, in graph-output order.
    pub outputs: Vec<TensorFile>,
}

/// [`make_model`] plus inputs for a batch of `batch` and the reference outputs, in one run of
/// `models.py` (files in `dir/<model file stem>-data/`).
pub fn make_model_data(
    name: &str,
    small: bool,
    opset: Option<u32>,
    dynamic: bool,
    batch: usize,
    dir: &Path,
) -> ModelData {
    let file = model_file(name, small, opset, dynamic);
    let model = dir.join(&file);
    let data = dir.join(format!("{}-batch{batch}-data", file.trim_end_matches(".onnx")));
    let mut args = model_args(name, small, opset, dynamic, &model);
    args.extend(["--batch".into(), batch.to_string().into(), "--reference".into(), data.clone().into()]);
    run_script("models.py", &args.iter().map(|a| a.as_os_str()).collect::<Vec<_>>());
    let io = read_json(&data.join("io.json"));
    ModelData {
        model,
        inputs: TensorFile::list(&io["inputs"], &data),
        outputs: TensorFile::list(&io["outputs"], &data),
    }
}

/// onnxruntime's outputs for `model` on `inputs` (graph-input order), as `.npy` files in
/// graph-output order, written to `<model stem>-ort/` beside the model.
pub fn reference(model: &Path, inputs: &[PathBuf]) -> Vec<PathBuf> {
    let stem = model.file_stem().unwrap_or_else(|| panic!("{}: no file name", model.display()));
    let mut out_name = stem.to_os_string();
    out_name.push("-ort");
    let out = model.with_file_name(out_name);
    let mut args = vec![model.as_os_str(), out.as_os_str()];
    args.extend(inputs.iter().map(|p| p.as_os_str()));
    run_script("run_ort.py", &args);
    (0..).map(|i| out.join(format!("output_{i}.npy"))).take_while(|p| p.exists()).collect()
}

/// One ONNX backend node test: a model, its inputs and the expected outputs.
#[derive(Debug)]
pub struct NodeCase {
    /// The upstream name ("test_conv_with_strides_padding").
    pub name: String,
    /// The op under test.
    pub op_type: String,
    /// The op's function body rather than the op itself (`graph_ops` lists what it uses).
    pub expanded: bool,
    pub graph_ops: Vec<String>,
    /// The model's ai.onnx opset.
    pub opset: u32,
    /// The generator's tolerances.
    pub rtol: f64,
    pub atol: f64,
    pub model: PathBuf,
    pub inputs: Vec<TensorFile>,
    pub outputs: Vec<TensorFile>,
}

/// The float32-eligible node tests of `ops` (empty: the list), written under `dir` by
/// `node_tests.py`, function-expanded variants included.
pub fn node_cases(ops: &[&str], dir: &Path) -> Vec<NodeCase> {
    let joined = ops.join(",");
    let mut args = vec![dir.as_os_str()];
    if !ops.is_empty() {
        args.extend([OsStr::new("--ops"), OsStr::new(&joined)]);
    }
    run_script("node_tests.py", &args);
    let index = read_json(&dir.join("index.json"));
    let cases = index["cases"].as_array().unwrap_or_else(|| panic!("index.json has no cases"));
    cases
        .iter()
        .map(|c| {
            let case_dir = dir.join(string(c, "name"));
            let graph_ops = c["graph_ops"].as_array().unwrap_or_else(|| panic!("no graph_ops in {c}"));
            NodeCase {
                name: string(c, "name"),
                op_type: string(c, "op_type"),
                expanded: c["expanded"].as_bool().unwrap_or_else(|| panic!("no expanded flag in {c}")),
                graph_ops: graph_ops.iter().filter_map(|o| o.as_str().map(str::to_string)).collect(),
                opset: number(c, "opset") as u32,
                rtol: number(c, "rtol"),
                atol: number(c, "atol"),
                model: case_dir.join("model.onnx"),
                inputs: TensorFile::list(&c["inputs"], &case_dir),
                outputs: TensorFile::list(&c["outputs"], &case_dir),
            }
        })
        .collect()
}

mod tests {
    use super::*;
    use strata_runtime::compare::{compare, Tolerance};
    use strata_runtime::{npy, Elem, Tensor};

    /// Cases come with their files, in the order and types index.json states, and each
    /// expected output belongs to its inputs (checked for Relu, which is max(x, 0) exactly).
    #[test]
    fn node_cases_pair_inputs_with_expected_outputs() {
        if python_available().is_err() {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let cases = node_cases(&["Relu", "Gather", "LayerNormalization"], dir.path());
        for op in ["Relu", "Gather", "LayerNormalization"] {
            assert!(cases.iter().any(|c| c.op_type == op && !c.expanded), "no {op} case");
        }
        for c in cases.iter().filter(|c| c.op_type == "LayerNormalization") {
            assert!(c.opset >= 17, "{}: LayerNormalization at opset {}", c.name, c.opset);
            // An expanded case is the function body: no LayerNormalization node left.
            assert_eq!(
                c.graph_ops.iter().any(|o| o == "LayerNormalization"),
                !c.expanded,
                "{}: {:?}",
                c.name,
                c.graph_ops
            );
        }
        assert!(
            cases.iter().any(|c| c.op_type == "LayerNormalization" && c.expanded),
            "no expanded LayerNormalization"
        );
        for c in &cases {
            assert!(c.model.is_file(), "{}: no model", c.name);
            for t in c.inputs.iter().chain(&c.outputs) {
                let value = npy::read(&t.path).unwrap();
                assert_eq!(value.shape, t.shape, "{}: {}", c.name, t.name);
            }
        }
        let gather = cases.iter().find(|c| c.op_type == "Gather").unwrap();
        assert_eq!(gather.inputs[1].dtype, "int64", "Gather's indices");
        for c in cases.iter().filter(|c| c.op_type == "Relu") {
            let x = npy::read(&c.inputs[0].path).unwrap();
            let y = npy::read(&c.outputs[0].path).unwrap();
            assert!(x.floats().iter().any(|v| *v < 0.0), "{}: Relu input has no negatives", c.name);
            let want = Tensor::from_floats(&x.shape, Elem::F32, x.floats().iter().map(|v| v.max(0.0)).collect());
            // Relu is exact; the case's own tolerances (the generator's) must hold all the more.
            compare(&y, &want, Tolerance { rtol: c.rtol, atol: c.atol })
                .unwrap_or_else(|m| panic!("{}: {m:?}", c.name));
        }
    }

    /// `make_model_data`'s outputs are `reference`'s on the same inputs (the same onnxruntime
    /// settings), bit for bit, with a dynamic batch of 2.
    #[test]
    fn model_data_matches_run_ort() {
        if python_available().is_err() {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let data = make_model_data("resnet18", true, None, true, 2, dir.path());
        assert_eq!(data.inputs[0].shape, [2, 3, 32, 32]);
        assert_eq!(data.outputs[0].shape, [2, 10]);
        let inputs: Vec<PathBuf> = data.inputs.iter().map(|t| t.path.clone()).collect();
        let again = reference(&data.model, &inputs);
        assert_eq!(again.len(), 1);
        assert_eq!(npy::read(&again[0]).unwrap(), npy::read(&data.outputs[0].path).unwrap());
    }

    /// The folded MobileNetV2 computes the unfolded one's function (same seed), as models.py
    /// promises; tolerance: folding rescales each weight once, a relative change of an f32
    /// rounding (6e-8) per product, so outputs of magnitude ~0.1 differ by ~1e-8 (measured
    /// 3e-8); 1e-5 relative with 1e-6 absolute leaves room and still catches a wrong fold.
    #[test]
    fn folded_mobilenet_matches_unfolded() {
        if python_available().is_err() {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let unfolded = make_model_data("mobilenetv2", true, None, false, 1, dir.path());
        let folded = make_model("mobilenetv2-folded", true, None, false, dir.path());
        let inputs: Vec<PathBuf> = unfolded.inputs.iter().map(|t| t.path.clone()).collect();
        let got = npy::read(&reference(&folded, &inputs)[0]).unwrap();
        let want = npy::read(&unfolded.outputs[0].path).unwrap();
        compare(&got, &want, Tolerance { rtol: 1e-5, atol: 1e-6 }).unwrap();
    }
}
