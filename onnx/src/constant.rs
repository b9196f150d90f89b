//! Constant tensors: ONNX initializers, `Constant` nodes and folded shape sub-graphs.
//!
//! A constant keeps its elements as little-endian bytes in the element type's encoding
//! ([`Elem::write`]), which is both how ONNX's `raw_data` holds them and how a `dense_resource`
//! blob holds them, so weights go from the model file to the IR without being converted. The
//! values are decoded into a [`Tensor`] only when an import-time fold needs them.

use std::cell::OnceCell;
use std::path::Path;
use std::sync::Arc;

use strata_runtime::{Elem, Scalar, Tensor};

use crate::proto::tensor_proto::{DataLocation, DataType};
use crate::proto::TensorProto;

/// A constant tensor of a static shape.
#[derive(Debug)]
pub struct Constant {
    pub shape: Vec<usize>,
    pub elem: Elem,
    /// `len() * elem.bytes()` bytes.
    pub bytes: Arc<[u8]>,
    /// The initializer's name ("" for a computed constant): the blob's key in the IR.
    pub name: String,
    tensor: OnceCell<Tensor>,
}

impl Constant {
    pub fn from_bytes(shape: Vec<usize>, elem: Elem, bytes: Arc<[u8]>) -> Constant {
        Constant { shape, elem, bytes, name: String::new(), tensor: OnceCell::new() }
    }

    pub fn from_tensor(t: Tensor) -> Constant {
        let bytes = t.to_bytes().into();
        Constant { shape: t.shape.clone(), elem: t.elem, bytes, name: String::new(), tensor: OnceCell::from(t) }
    }

    /// A 1-D `i64` constant.
    pub fn ints(values: &[i64]) -> Constant {
        Constant::from_tensor(Tensor::from_ints(&[values.len()], Elem::Int(64), values.to_vec()))
    }

    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The values, decoded once.
    pub fn tensor(&self) -> &Tensor {
        self.tensor.get_or_init(|| Tensor::from_bytes(&self.shape, self.elem, &self.bytes))
    }

    /// The values as integers (shape operands: `Reshape`'s shape, `Slice`'s starts ...).
    pub fn as_ints(&self) -> Option<Vec<i64>> {
        (!self.elem.is_float()).then(|| {
            self.tensor()
                .scalars()
                .map(|s| match s {
                    Scalar::Int(i) => i,
                    Scalar::Float(x) => x as i64,
                })
                .collect()
        })
    }

    /// The single value of a constant with one element, as a float.
    pub fn scalar_f64(&self) -> Option<f64> {
        (self.len() == 1).then(|| self.tensor().get(0).as_f64())
    }

    /// Whether every element is the same (a splat).
    pub fn is_splat(&self) -> bool {
        let w = self.elem.bytes();
        self.bytes.chunks_exact(w).all(|c| c == &self.bytes[..w])
    }
}

/// The strata element type of an ONNX data type, or why there is none.
pub fn elem_of(data_type: i32) -> Result<Elem, String> {
    let t = DataType::try_from(data_type).map_err(|_| format!("unknown ONNX data type {data_type}"))?;
    Ok(match t {
        DataType::Float => Elem::F32,
        DataType::Double => Elem::F64,
        DataType::Float16 => Elem::F16,
        DataType::Bfloat16 => Elem::BF16,
        DataType::Int64 => Elem::Int(64),
        DataType::Int32 => Elem::Int(32),
        DataType::Int16 => Elem::Int(16),
        DataType::Int8 => Elem::Int(8),
        DataType::Bool => Elem::Int(1),
        other => return Err(format!("tensors of {} are not supported", other.as_str_name())),
    })
}

/// The ONNX name of a strata element type, for messages.
pub fn elem_name(e: Elem) -> &'static str {
    match e {
        Elem::F32 => "float",
        Elem::F64 => "double",
        Elem::F16 => "float16",
        Elem::BF16 => "bfloat16",
        Elem::Narrow(kind) => kind.keyword(),
        Elem::Int(1) => "bool",
        Elem::Int(8) => "int8",
        Elem::Int(16) => "int16",
        Elem::Int(32) => "int32",
        _ => "int64",
    }
}

/// A `TensorProto`'s values. `base` is the model's directory, where external data lives.
pub fn decode(t: &TensorProto, base: Option<&Path>) -> Result<Constant, String> {
    let elem = elem_of(t.data_type())?;
    let shape: Vec<usize> = t
        .dims
        .iter()
        .map(|d| usize::try_from(*d).map_err(|_| format!("negative dimension {d}")))
        .collect::<Result<_, _>>()?;
    let n = shape
        .iter()
        .try_fold(1usize, |a, d| a.checked_mul(*d))
        .ok_or_else(|| format!("{shape:?} has more elements than this machine can address"))?;
    let width = elem.bytes();
    let want = n.checked_mul(width).ok_or("too many bytes")?;
    let bytes: Vec<u8> = if t.data_location() == DataLocation::External {
        external(t, base, want)?
    } else if let Some(raw) = &t.raw_data {
        if elem == Elem::Int(1) {
            // ONNX stores bool as one byte; anything non-zero is true.
            raw.iter().map(|b| (*b != 0) as u8).collect()
        } else {
            raw.clone()
        }
    } else {
        typed_fields(t, elem, n)?
    };
    if bytes.len() != want {
        return Err(format!("{} bytes of data for {n} elements of {}", bytes.len(), elem_name(elem)));
    }
    let mut c = Constant::from_bytes(shape, elem, bytes.into());
    c.name = t.name().to_string();
    Ok(c)
}

/// Values in the type-specific repeated fields (`float_data`, `int64_data` ...).
fn typed_fields(t: &TensorProto, elem: Elem, n: usize) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(n * elem.bytes());
    let count = match elem {
        Elem::F32 => {
            t.float_data.iter().for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
            t.float_data.len()
        }
        Elem::F64 => {
            t.double_data.iter().for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
            t.double_data.len()
        }
        Elem::Int(64) => {
            t.int64_data.iter().for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
            t.int64_data.len()
        }
        // int32_data holds every narrower type, and f16/bf16 as their bit patterns.
        Elem::Int(1) => {
            t.int32_data.iter().for_each(|v| out.push((*v != 0) as u8));
            t.int32_data.len()
        }
        _ => {
            let w = elem.bytes();
            t.int32_data.iter().for_each(|v| out.extend_from_slice(&v.to_le_bytes()[..w]));
            t.int32_data.len()
        }
    };
    if count != n {
        return Err(format!("{count} values for {n} elements"));
    }
    Ok(out)
}

/// Data kept in a file beside the model (`external_data`: location, offset, length).
fn external(t: &TensorProto, base: Option<&Path>, want: usize) -> Result<Vec<u8>, String> {
    let key = |k: &str| t.external_data.iter().find(|e| e.key() == k).map(|e| e.value().to_string());
    let location = key("location").ok_or("external data without a location")?;
    let base = base.ok_or("external data needs the model's directory (import from a file)")?;
    let rel = Path::new(&location);
    if rel.is_absolute() || rel.components().any(|c| matches!(c, std::path::Component::ParentDir)) {
        return Err(format!("external data location '{location}' must stay inside the model's directory"));
    }
    let path = base.join(rel);
    let offset: u64 =
        key("offset").map(|o| o.parse().map_err(|_| format!("bad offset '{o}'"))).transpose()?.unwrap_or(0);
    let length = key("length").map(|l| l.parse::<usize>().map_err(|_| format!("bad length '{l}'"))).transpose()?;
    if length.is_some_and(|l| l != want) {
        return Err(format!("external data length {} for {want} bytes of values", length.unwrap_or(0)));
    }
    use std::io::{Read, Seek, SeekFrom};
    let mut f = std::fs::File::open(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    f.seek(SeekFrom::Start(offset)).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = vec![0u8; want];
    f.read_exact(&mut out).map_err(|e| format!("{}: {e} (wanted {want} bytes at offset {offset})", path.display()))?;
    Ok(out)
}
