//! Tensors to and from NumPy `.npy` files (through the `npyz` crate): f64, f32, f16, signed and
//! unsigned integers and booleans, C order.

use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::Path;

use npyz::{TypeChar, WriterBuilder};

use crate::tensor::{Elem, Tensor};

/// Why a file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum NpyError {
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("{path}: {message}")]
    Unsupported { path: String, message: String },
}

/// Reads a `.npy` file.
///
/// ```
/// use strata_runtime::{npy, Elem, Tensor};
/// let t = Tensor::from_fn(&[2, 3], Elem::F32, |i| i as f64 / 4.0);
/// let path = std::env::temp_dir().join(format!("strata-npy-doc-{}.npy", std::process::id()));
/// npy::write(&path, &t).unwrap();
/// assert_eq!(npy::read(&path).unwrap(), t);
/// # std::fs::remove_file(path).unwrap();
/// ```
pub fn read(path: &Path) -> Result<Tensor, NpyError> {
    let name = path.display().to_string();
    let io = |source| NpyError::Io { path: name.clone(), source };
    let file = npyz::NpyFile::new(BufReader::new(File::open(path).map_err(io)?)).map_err(io)?;
    if file.order() != npyz::Order::C {
        return Err(NpyError::Unsupported { path: name, message: "Fortran-ordered arrays are not supported".into() });
    }
    let shape: Vec<usize> = file.shape().iter().map(|d| *d as usize).collect();
    let npyz::DType::Plain(ts) = file.dtype() else {
        return Err(NpyError::Unsupported { path: name, message: "structured arrays are not supported".into() });
    };
    let (elem, data): (Elem, Vec<f64>) = match (ts.type_char(), ts.size_field()) {
        (TypeChar::Float, 8) => (Elem::F64, file.into_vec::<f64>().map_err(io)?),
        (TypeChar::Float, 4) => (Elem::F32, file.into_vec::<f32>().map_err(io)?.into_iter().map(f64::from).collect()),
        (TypeChar::Float, 2) => {
            (Elem::F16, file.into_vec::<half::f16>().map_err(io)?.into_iter().map(|v| v.to_f64()).collect())
        }
        (TypeChar::Int, 8) => {
            (Elem::Int(64), file.into_vec::<i64>().map_err(io)?.into_iter().map(|v| v as f64).collect())
        }
        (TypeChar::Int, 4) => (Elem::Int(32), file.into_vec::<i32>().map_err(io)?.into_iter().map(f64::from).collect()),
        (TypeChar::Int, 2) => (Elem::Int(16), file.into_vec::<i16>().map_err(io)?.into_iter().map(f64::from).collect()),
        (TypeChar::Int, 1) => (Elem::Int(8), file.into_vec::<i8>().map_err(io)?.into_iter().map(f64::from).collect()),
        (TypeChar::Bool, 1) => {
            (Elem::Int(1), file.into_vec::<bool>().map_err(io)?.into_iter().map(f64::from).collect())
        }
        (c, s) => {
            return Err(NpyError::Unsupported {
                path: name,
                message: format!("element type {c:?} of {s} bytes is not supported"),
            })
        }
    };
    Ok(Tensor { shape, elem, data })
}

/// Writes `t` as a `.npy` file of its element type (`bf16` has no NumPy type and is refused).
pub fn write(path: &Path, t: &Tensor) -> Result<(), NpyError> {
    let name = path.display().to_string();
    let io = |source| NpyError::Io { path: name.clone(), source };
    let out = BufWriter::new(File::create(path).map_err(io)?);
    let shape: Vec<u64> = t.shape.iter().map(|d| *d as u64).collect();
    macro_rules! put {
        ($ty:ty, $conv:expr) => {{
            let mut w =
                npyz::WriteOptions::<$ty>::new().default_dtype().shape(&shape).writer(out).begin_nd().map_err(io)?;
            w.extend(t.data.iter().map($conv)).map_err(io)?;
            w.finish().map_err(io)
        }};
    }
    match t.elem {
        Elem::F64 => put!(f64, |v: &f64| *v),
        Elem::F32 => put!(f32, |v: &f64| *v as f32),
        Elem::F16 => put!(half::f16, |v: &f64| half::f16::from_f64(*v)),
        Elem::Int(1) => put!(bool, |v: &f64| *v != 0.0),
        Elem::Int(8) => put!(i8, |v: &f64| *v as i8),
        Elem::Int(16) => put!(i16, |v: &f64| *v as i16),
        Elem::Int(32) => put!(i32, |v: &f64| *v as i32),
        Elem::Int(64) => put!(i64, |v: &f64| *v as i64),
        other => Err(NpyError::Unsupported { path: name, message: format!("{other} has no NumPy type") }),
    }
}
