//! One ONNX node as the conversion rules see it: its attributes with defaults and typed
//! errors, its inputs (an empty name is an omitted optional input) and outputs.

use crate::proto::attribute_proto::AttributeType;
use crate::proto::{AttributeProto, NodeProto};

/// A node and the opset of its domain in this model.
pub struct Node<'a> {
    pub proto: &'a NodeProto,
    pub opset: i64,
}

impl<'a> Node<'a> {
    /// The node's name for messages and locations: its own, else its first output's.
    pub fn name(&self) -> &'a str {
        name_of(self.proto)
    }

    pub fn op_type(&self) -> &'a str {
        self.proto.op_type()
    }

    /// A conversion error at this node.
    pub fn error(&self, message: impl Into<String>) -> crate::ImportError {
        crate::ImportError::Node {
            node: self.name().to_string(),
            op_type: self.op_type().to_string(),
            message: message.into(),
        }
    }

    /// Input `i`'s name, `None` when absent or empty (an omitted optional input).
    pub fn input(&self, i: usize) -> Option<&'a str> {
        self.proto.input.get(i).map(String::as_str).filter(|s| !s.is_empty())
    }

    pub fn inputs(&self) -> usize {
        self.proto.input.len()
    }

    fn attr(&self, name: &str) -> Option<&'a AttributeProto> {
        self.proto.attribute.iter().find(|a| a.name() == name)
    }

    pub fn has(&self, name: &str) -> bool {
        self.attr(name).is_some()
    }

    fn typed(&self, name: &str, want: AttributeType) -> Result<Option<&'a AttributeProto>, crate::ImportError> {
        match self.attr(name) {
            None => Ok(None),
            Some(a) if a.r#type() == want || a.r#type() == AttributeType::Undefined => Ok(Some(a)),
            Some(a) => Err(self.error(format!(
                "attribute '{name}' is {}, expected {}",
                a.r#type().as_str_name(),
                want.as_str_name()
            ))),
        }
    }

    pub fn int(&self, name: &str, default: i64) -> Result<i64, crate::ImportError> {
        Ok(self.typed(name, AttributeType::Int)?.map_or(default, |a| a.i()))
    }

    pub fn float(&self, name: &str, default: f32) -> Result<f32, crate::ImportError> {
        Ok(self.typed(name, AttributeType::Float)?.map_or(default, |a| a.f()))
    }

    pub fn string(&self, name: &str, default: &str) -> Result<String, crate::ImportError> {
        Ok(self
            .typed(name, AttributeType::String)?
            .map_or_else(|| default.to_string(), |a| String::from_utf8_lossy(a.s()).into_owned()))
    }

    pub fn ints(&self, name: &str) -> Result<Option<Vec<i64>>, crate::ImportError> {
        Ok(self.typed(name, AttributeType::Ints)?.map(|a| a.ints.clone()))
    }

    pub fn floats(&self, name: &str) -> Result<Option<Vec<f32>>, crate::ImportError> {
        Ok(self.typed(name, AttributeType::Floats)?.map(|a| a.floats.clone()))
    }

    pub fn tensor(&self, name: &str) -> Result<Option<&'a crate::proto::TensorProto>, crate::ImportError> {
        Ok(self.typed(name, AttributeType::Tensor)?.and_then(|a| a.t.as_ref()))
    }

    /// An attribute this converter does not read, set to something other than its default:
    /// an error rather than a silently different computation.
    pub fn reject(&self, name: &str, why: &str) -> Result<(), crate::ImportError> {
        match self.attr(name) {
            Some(_) => Err(self.error(format!("attribute '{name}' is not supported: {why}"))),
            None => Ok(()),
        }
    }
}

/// A node's name, else its first output's, else its op type.
pub fn name_of(n: &NodeProto) -> &str {
    if !n.name().is_empty() {
        n.name()
    } else {
        n.output.iter().map(String::as_str).find(|s| !s.is_empty()).unwrap_or(n.op_type())
    }
}
