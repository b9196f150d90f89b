//! Why an import failed. Every error names what it is about (the file, the graph input, the
//! node with its op type), and an import that fails returns no module at all.

use std::fmt;

/// A node the importer cannot convert: where it is and what it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnsupportedNode {
    /// The node's name (or, for an unnamed node, its first output's).
    pub node: String,
    pub op_type: String,
    /// `ai.onnx` for the default domain.
    pub domain: String,
    /// The model's opset for that domain.
    pub opset: i64,
}

impl fmt::Display for UnsupportedNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "node '{}': {} (domain {}, opset {})", self.node, self.op_type, self.domain, self.opset)
    }
}

/// An import failure.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
    /// The bytes are not a protobuf `ModelProto` (truncated, or another kind of file).
    #[error("not an ONNX model: {0}")]
    Decode(#[from] prost::DecodeError),
    /// A well-formed protobuf that is not a usable model (no graph, no opset, an opset out of range).
    #[error("{0}")]
    Model(String),
    /// Every node whose op the importer does not convert, found before any is converted.
    #[error("{} unsupported node{}:\n{}", .0.len(), if .0.len() == 1 { "" } else { "s" }, list(.0))]
    Unsupported(Vec<UnsupportedNode>),
    /// A node that cannot be converted as written: an attribute value, a shape, an input that
    /// must be a constant and is not.
    #[error("node '{node}' ({op_type}): {message}")]
    Node { node: String, op_type: String, message: String },
    /// A graph input with a dimension that is not a number and no `--input-shape` for it.
    #[error(
        "graph input '{input}' has a symbolic dimension {dim} ('{param}'): give its shape with \
         --input-shape {input}=<d0>x<d1>x..."
    )]
    DynamicDim { input: String, dim: usize, param: String },
    /// An `--input-shape` that does not fit the model.
    #[error("--input-shape {0}")]
    InputShape(String),
}

fn list(nodes: &[UnsupportedNode]) -> String {
    nodes.iter().map(|n| format!("  {n}")).collect::<Vec<_>>().join("\n")
}
