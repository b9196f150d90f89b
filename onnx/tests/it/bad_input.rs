//! Input the importer must refuse with a clear error, never a panic or a partial module:
//! truncated and foreign files, unsupported ops (all listed at once), attribute values it
//! does not handle, symbolic dimensions left open, opsets out of range. Models are built here
//! with the protobuf types, so these tests need no Python.

use prost::Message;
use strata_onnx::proto::{self, tensor_proto::DataType, tensor_shape_proto, type_proto};
use strata_onnx::{import_bytes, ImportError, ImportOptions};

fn ctx() -> strata_ir::Context {
    let mut ctx = strata_ir::Context::new();
    strata_dialects::register_all(&mut ctx);
    ctx
}

/// A float tensor value of `dims` (a string is a symbolic dimension).
fn value(name: &str, dims: &[&str]) -> proto::ValueInfoProto {
    let dim = |d: &&str| tensor_shape_proto::Dimension {
        value: Some(match d.parse::<i64>() {
            Ok(v) => tensor_shape_proto::dimension::Value::DimValue(v),
            Err(_) => tensor_shape_proto::dimension::Value::DimParam(d.to_string()),
        }),
        ..Default::default()
    };
    proto::ValueInfoProto {
        name: Some(name.into()),
        r#type: Some(proto::TypeProto {
            value: Some(type_proto::Value::TensorType(type_proto::Tensor {
                elem_type: Some(DataType::Float as i32),
                shape: Some(proto::TensorShapeProto { dim: dims.iter().map(dim).collect() }),
            })),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn node(name: &str, op: &str, inputs: &[&str], outputs: &[&str]) -> proto::NodeProto {
    proto::NodeProto {
        name: Some(name.into()),
        op_type: Some(op.into()),
        input: inputs.iter().map(|s| s.to_string()).collect(),
        output: outputs.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    }
}

fn string_attr(name: &str, v: &str) -> proto::AttributeProto {
    proto::AttributeProto {
        name: Some(name.into()),
        s: Some(v.as_bytes().to_vec()),
        r#type: Some(proto::attribute_proto::AttributeType::String as i32),
        ..Default::default()
    }
}

/// A model of `nodes` from input `x` of `dims` to output `y`.
fn model(opset: i64, dims: &[&str], nodes: Vec<proto::NodeProto>) -> Vec<u8> {
    proto::ModelProto {
        ir_version: Some(8),
        opset_import: vec![proto::OperatorSetIdProto { domain: Some(String::new()), version: Some(opset) }],
        graph: Some(proto::GraphProto {
            name: Some("g".into()),
            node: nodes,
            input: vec![value("x", dims)],
            output: vec![value("y", &[])],
            ..Default::default()
        }),
        ..Default::default()
    }
    .encode_to_vec()
}

fn import(bytes: &[u8], opts: &ImportOptions) -> Result<(), ImportError> {
    import_bytes(&ctx(), bytes, None, opts).map(|_| ())
}

#[test]
fn a_valid_model_imports() {
    let bytes = model(17, &["2", "3"], vec![node("r", "Relu", &["x"], &["y"])]);
    import(&bytes, &Default::default()).expect("imports");
}

#[test]
fn truncated_and_foreign_files_are_errors() {
    let bytes = model(17, &["2", "3"], vec![node("r", "Relu", &["x"], &["y"])]);
    for cut in [1, bytes.len() / 3, bytes.len() / 2, bytes.len() - 1] {
        let e = import(&bytes[..cut], &Default::default()).expect_err("a truncated model");
        assert!(matches!(e, ImportError::Decode(_) | ImportError::Model(_)), "cut at {cut}: {e}");
    }
    for foreign in [&b"module {\n}\n"[..], b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", b""] {
        let e = import(foreign, &Default::default()).expect_err("not a model");
        assert!(matches!(e, ImportError::Decode(_) | ImportError::Model(_)), "{e}");
    }
}

#[test]
fn every_unsupported_node_is_listed_at_once() {
    let mut custom = node("mine", "Frobnicate", &["x"], &["a"]);
    custom.domain = Some("com.example".into());
    let nodes = vec![
        custom,
        node("loop", "Loop", &["a"], &["b"]),
        node("ok", "Relu", &["b"], &["c"]),
        node("grid", "GridSample", &["c"], &["y"]),
    ];
    let e = import(&model(17, &["2"], nodes), &Default::default()).expect_err("unsupported");
    let ImportError::Unsupported(list) = &e else { panic!("{e}") };
    let seen: Vec<(&str, &str, &str)> =
        list.iter().map(|n| (n.node.as_str(), n.op_type.as_str(), n.domain.as_str())).collect();
    assert_eq!(
        seen,
        [("mine", "Frobnicate", "com.example"), ("loop", "Loop", "ai.onnx"), ("grid", "GridSample", "ai.onnx")]
    );
    let text = e.to_string();
    assert!(text.starts_with("3 unsupported nodes:") && text.contains("opset 17"), "{text}");
}

#[test]
fn an_unhandled_attribute_value_names_the_node() {
    let mut pool = node("/pool/MaxPool", "MaxPool", &["x"], &["y"]);
    pool.attribute.push(string_attr("auto_pad", "SAME_SIDEWAYS"));
    pool.attribute.push(proto::AttributeProto {
        name: Some("kernel_shape".into()),
        ints: vec![2, 2],
        r#type: Some(proto::attribute_proto::AttributeType::Ints as i32),
        ..Default::default()
    });
    let e = import(&model(17, &["1", "1", "4", "4"], vec![pool]), &Default::default()).expect_err("bad auto_pad");
    let text = e.to_string();
    assert!(text.contains("'/pool/MaxPool' (MaxPool)") && text.contains("SAME_SIDEWAYS"), "{text}");
}

#[test]
fn symbolic_dimensions_need_a_shape() {
    let bytes = model(17, &["batch", "3"], vec![node("r", "Relu", &["x"], &["y"])]);
    let e = import(&bytes, &Default::default()).expect_err("symbolic");
    assert!(matches!(&e, ImportError::DynamicDim { input, dim: 0, param } if input == "x" && param == "batch"), "{e}");
    assert!(e.to_string().contains("--input-shape x="), "{e}");
    let shape = |s: &str| ImportOptions {
        input_shapes: vec![strata_onnx::parse_input_shape(s).unwrap()],
        ..Default::default()
    };
    import(&bytes, &shape("x=4x3")).expect("specialised");
    for bad in ["x=4x5", "x=4", "z=4x3"] {
        let e = import(&bytes, &shape(bad)).expect_err(bad);
        assert!(matches!(e, ImportError::InputShape(_)), "{bad}: {e}");
    }
    assert!(strata_onnx::parse_input_shape("x=4xq").is_err());
    assert!(strata_onnx::parse_input_shape("x=0x3").is_err());
    assert!(strata_onnx::parse_input_shape("x").is_err());
}

#[test]
fn opsets_out_of_range_and_graphs_out_of_order_are_errors() {
    let relu = || vec![node("r", "Relu", &["x"], &["y"])];
    for opset in [7, 10, strata_onnx::MAX_OPSET + 1] {
        let e = import(&model(opset, &["2"], relu()), &Default::default()).expect_err("opset");
        assert!(e.to_string().contains(&format!("opset {opset}")), "{e}");
    }
    let nodes = vec![node("second", "Relu", &["a"], &["y"]), node("first", "Relu", &["x"], &["a"])];
    let e = import(&model(17, &["2"], nodes), &Default::default()).expect_err("order");
    assert!(e.to_string().contains("'second'") && e.to_string().contains("input 'a'"), "{e}");
}
