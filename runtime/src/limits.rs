//! Sizes checked before anything is allocated: element counts and byte sizes computed without
//! overflow, and refused when they exceed this machine's memory, so an oversized tensor is a
//! clear error ("needs 512 GB, more than this machine's 24 GB") rather than an abort in the
//! allocator or a wrapped count.

use std::sync::OnceLock;

/// Why a buffer cannot be made.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SizeError {
    #[error("a shape of {shape:?} has more elements than 64 bits count")]
    Overflow { shape: Vec<u64> },
    #[error("needs {}, more than this machine's memory ({})", human(*.bytes), human(*.limit))]
    TooLarge { bytes: u64, limit: u64 },
}

/// `1.5 GB` and the like (decimal units, as `free -h --si`).
pub fn human(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["bytes", "kB", "MB", "GB", "TB", "PB"];
    let mut v = bytes as f64;
    let mut unit = 0;
    while v >= 1000.0 && unit + 1 < UNITS.len() {
        v /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} bytes")
    } else if v >= 100.0 {
        format!("{v:.0} {}", UNITS[unit])
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

/// The number of elements of `shape`, or an error when it overflows 64 bits.
pub fn elements(shape: &[usize]) -> Result<u64, SizeError> {
    shape
        .iter()
        .try_fold(1u64, |n, d| n.checked_mul(*d as u64))
        .ok_or_else(|| SizeError::Overflow { shape: shape.iter().map(|d| *d as u64).collect() })
}

/// The bytes of `shape` elements of `elem_bytes` each, checked against overflow and against
/// this machine's memory.
pub fn buffer_bytes(shape: &[usize], elem_bytes: usize) -> Result<usize, SizeError> {
    let n = elements(shape)?;
    let bytes = n
        .checked_mul(elem_bytes as u64)
        .ok_or_else(|| SizeError::Overflow { shape: shape.iter().map(|d| *d as u64).collect() })?;
    check_bytes(bytes)
}

/// `bytes` as a `usize`, or an error when it exceeds this machine's memory.
pub fn check_bytes(bytes: u64) -> Result<usize, SizeError> {
    let limit = memory_limit();
    if bytes > limit {
        return Err(SizeError::TooLarge { bytes, limit });
    }
    Ok(bytes as usize)
}

/// The most one buffer may take: the machine's physical memory (`MemTotal` of
/// `/proc/meminfo`), or `STRATA_MEMORY_LIMIT` bytes when set (tests use it to stay small).
pub fn memory_limit() -> u64 {
    static LIMIT: OnceLock<u64> = OnceLock::new();
    *LIMIT.get_or_init(|| {
        if let Some(v) = std::env::var("STRATA_MEMORY_LIMIT").ok().and_then(|v| v.parse().ok()) {
            return v;
        }
        std::fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|text| {
                let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
                let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
                kb.checked_mul(1024)
            })
            // Without /proc (not Linux), half the address space: only overflow is refused.
            .unwrap_or(u64::MAX / 2)
    })
}

/// A zeroed (or `fill`ed) vector of `bytes` bytes, or an error when it cannot be had: the
/// allocator's failure is reported instead of aborting the process.
pub fn try_vec(bytes: usize, fill: u8) -> Result<Vec<u8>, SizeError> {
    let mut v = Vec::new();
    v.try_reserve_exact(bytes).map_err(|_| SizeError::TooLarge { bytes: bytes as u64, limit: memory_limit() })?;
    v.resize(bytes, fill);
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overflow_and_size_are_errors() {
        assert!(matches!(elements(&[usize::MAX, 2]), Err(SizeError::Overflow { .. })));
        assert_eq!(elements(&[3, 0, 5]), Ok(0));
        assert!(matches!(buffer_bytes(&[1 << 40, 1 << 20], 4), Err(SizeError::TooLarge { .. })));
        assert_eq!(human(512_000_000_000), "512 GB");
        assert_eq!(human(1_500), "1.5 kB");
    }
}
