//! Tensors to and from NumPy `.npy` files (through the `npyz` crate): f64, f32, f16, bf16 (as
//! ml_dtypes writes it, 2-byte raw data), signed integers (exact) and booleans, C order.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::Path;

use npyz::{TypeChar, WriterBuilder};

use crate::tensor::{Elem, Scalar, Tensor};

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
    let fortran = file.order() == npyz::Order::Fortran;
    let shape: Vec<usize> = file.shape().iter().map(|d| *d as usize).collect();
    let npyz::DType::Plain(ts) = file.dtype() else {
        return Err(NpyError::Unsupported { path: name, message: "structured arrays are not supported".into() });
    };
    // A header that promises more data than the file holds is refused before anything is
    // allocated for it.
    let file_bytes = std::fs::metadata(path).map_err(io)?.len();
    let data_bytes = crate::limits::elements(&shape)
        .ok()
        .and_then(|n| n.checked_mul(ts.size_field().max(1)))
        .filter(|b| *b <= file_bytes)
        .ok_or_else(|| NpyError::Unsupported {
            path: name.clone(),
            message: format!("the header's shape {shape:?} of {ts} needs more bytes than the file's {file_bytes}"),
        })?;
    crate::limits::check_bytes(data_bytes.saturating_mul(2))
        .map_err(|e| NpyError::Unsupported { path: name.clone(), message: e.to_string() })?;
    let bad = |source: std::io::Error| match source.kind() {
        std::io::ErrorKind::UnexpectedEof => NpyError::Unsupported {
            path: name.clone(),
            message: format!("the file holds fewer values than its header says ({shape:?} of {ts})"),
        },
        _ => NpyError::Io { path: name.clone(), source },
    };
    let t = match (ts.type_char(), ts.size_field()) {
        (TypeChar::Float, 8) => Tensor::from_floats(&shape, Elem::F64, file.into_vec::<f64>().map_err(bad)?),
        (TypeChar::Float, 4) => {
            let v = file.into_vec::<f32>().map_err(bad)?;
            Tensor::from_floats(&shape, Elem::F32, v.into_iter().map(f64::from).collect())
        }
        (TypeChar::Float, 2) => {
            let v = file.into_vec::<half::f16>().map_err(bad)?;
            Tensor::from_floats(&shape, Elem::F16, v.into_iter().map(|v| v.to_f64()).collect())
        }
        (TypeChar::Int, 8) => Tensor::from_ints(&shape, Elem::Int(64), file.into_vec::<i64>().map_err(bad)?),
        (TypeChar::Int, 4) => ints(&shape, 32, file.into_vec::<i32>().map_err(bad)?),
        (TypeChar::Int, 2) => ints(&shape, 16, file.into_vec::<i16>().map_err(bad)?),
        (TypeChar::Int, 1) => ints(&shape, 8, file.into_vec::<i8>().map_err(bad)?),
        (TypeChar::Bool, 1) => ints(&shape, 1, file.into_vec::<bool>().map_err(bad)?),
        // bfloat16 has no NumPy type: ml_dtypes (JAX, TensorFlow) writes it as 2-byte void `|V2`.
        (TypeChar::RawData, 2) => {
            let raw = file.into_vec::<npyz::FixedSizeBytes<2>>().map_err(bad)?;
            let values = raw.into_iter().map(|b| half::bf16::from_le_bytes(b.0).to_f64()).collect();
            Tensor::from_floats(&shape, Elem::BF16, values)
        }
        (c, s) => {
            return Err(NpyError::Unsupported {
                path: name,
                message: format!("element type {c:?} of {s} bytes is not supported"),
            })
        }
    };
    Ok(if fortran { from_column_major(t) } else { t })
}

/// A tensor whose values were read in column-major order (NumPy's `fortran_order`, as it
/// saves a transposed array) put in row-major order: element (i0, ..., in) was at
/// sum(i_k * prod(shape[..k])).
fn from_column_major(t: Tensor) -> Tensor {
    let shape = t.shape.clone();
    let mut strides = vec![1usize; shape.len()];
    for k in 1..shape.len() {
        strides[k] = strides[k - 1] * shape[k - 1];
    }
    let offsets = (0..t.len()).map(|flat| {
        let (mut rest, mut offset) = (flat, 0);
        for k in (0..shape.len()).rev() {
            offset += (rest % shape[k]) * strides[k];
            rest /= shape[k];
        }
        offset
    });
    t.gather(&shape, offsets)
}

fn ints<T: Into<i64>>(shape: &[usize], width: u32, values: Vec<T>) -> Tensor {
    Tensor::from_ints(shape, Elem::Int(width), values.into_iter().map(Into::into).collect())
}

/// Writes `t` as a `.npy` file of its element type (`bf16`, which NumPy lacks, as 2-byte
/// raw data `|V2`, the encoding ml_dtypes reads).
pub fn write(path: &Path, t: &Tensor) -> Result<(), NpyError> {
    let name = path.display().to_string();
    let file = File::create(path).map_err(|source| NpyError::Io { path: name.clone(), source })?;
    write_to(BufWriter::new(file), t).map_err(|source| NpyError::Io { path: name, source })
}

/// Writes `t` in `.npy` form to `out`.
pub fn write_to<W: Write>(out: W, t: &Tensor) -> std::io::Result<()> {
    let shape: Vec<u64> = t.shape.iter().map(|d| *d as u64).collect();
    macro_rules! put {
        ($ty:ty, $conv:expr) => {{
            let mut w = npyz::WriteOptions::<$ty>::new().default_dtype().shape(&shape).writer(out).begin_nd()?;
            w.extend(t.scalars().map($conv))?;
            w.finish()
        }};
    }
    let int = |s: Scalar| match s {
        Scalar::Int(i) => i,
        Scalar::Float(x) => x as i64,
    };
    match t.elem {
        Elem::F64 => put!(f64, |v: Scalar| v.as_f64()),
        Elem::F32 => put!(f32, |v: Scalar| v.as_f64() as f32),
        // NumPy has no f8, f6, f4 or tf32: their values, all exact in f32, are written as f32.
        Elem::Narrow(_) => put!(f32, |v: Scalar| v.as_f64() as f32),
        Elem::F16 => put!(half::f16, |v: Scalar| half::f16::from_f64(v.as_f64())),
        Elem::BF16 => {
            let raw: npyz::TypeStr = "|V2".parse().map_err(|e| std::io::Error::other(format!("{e}")))?;
            let mut w = npyz::WriteOptions::<npyz::FixedSizeBytes<2>>::new()
                .dtype(npyz::DType::Plain(raw))
                .shape(&shape)
                .writer(out)
                .begin_nd()?;
            w.extend(t.scalars().map(|v| npyz::FixedSizeBytes(half::bf16::from_f64(v.as_f64()).to_le_bytes())))?;
            w.finish()
        }
        Elem::Int(1) => put!(bool, |v: Scalar| int(v) != 0),
        Elem::Int(8) => put!(i8, |v: Scalar| int(v) as i8),
        Elem::Int(16) => put!(i16, |v: Scalar| int(v) as i16),
        Elem::Int(32) => put!(i32, |v: Scalar| int(v) as i32),
        Elem::Int(64) => put!(i64, int),
        Elem::Int(w) => Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("i{w} has no NumPy type (i1, i8, i16, i32 and i64 do)"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `.npy` file of `shape` whose header says `fortran_order` and whose data is `values`.
    fn fortran_file(shape: &str, values: &[f32]) -> Vec<u8> {
        let mut header = format!("{{'descr': '<f4', 'fortran_order': True, 'shape': {shape}, }}");
        while (10 + header.len() + 1) % 64 != 0 {
            header.push(' ');
        }
        header.push('\n');
        let mut out = b"\x93NUMPY\x01\x00".to_vec();
        out.extend_from_slice(&(header.len() as u16).to_le_bytes());
        out.extend_from_slice(header.as_bytes());
        values.iter().for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
        out
    }

    #[test]
    fn fortran_order_is_read_in_row_major_order() {
        // The 2x3 matrix [[0, 1, 2], [3, 4, 5]] stored column by column.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.npy");
        std::fs::write(&path, fortran_file("(2, 3)", &[0.0, 3.0, 1.0, 4.0, 2.0, 5.0])).unwrap();
        let t = read(&path).unwrap();
        assert_eq!(t.shape, vec![2, 3]);
        assert_eq!(t.floats().to_vec(), vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
        // Rank 3: element (i, j, k) at i + 2j + 6k.
        let values: Vec<f32> = (0..24).map(|v| v as f32).collect();
        std::fs::write(&path, fortran_file("(2, 3, 4)", &values)).unwrap();
        let t = read(&path).unwrap();
        for (i, j, k) in (0..2).flat_map(|i| (0..3).flat_map(move |j| (0..4).map(move |k| (i, j, k)))) {
            assert_eq!(t.at(&[i, j, k]).as_f64(), (i + 2 * j + 6 * k) as f64);
        }
    }
}
