//! Hexadecimal text of raw bytes, and the byte scans that find where long strings end: the
//! two costs of reading and writing megabytes of weights in `dense_resource` blobs.
//!
//! Both directions go through tables (one lookup per character or byte), and the scans test
//! fixed-size blocks branch-free so the compiler turns them into vector compares.

/// Uppercase digits of every byte, as MLIR prints blobs (`0x0400803F`).
static ENCODE: [[u8; 2]; 256] = {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    let mut table = [[0u8; 2]; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = [DIGITS[i >> 4], DIGITS[i & 15]];
        i += 1;
    }
    table
};

/// The value of each hex digit (either case); `INVALID` for any other byte.
static DECODE: [u8; 256] = {
    let mut table = [INVALID; 256];
    let mut i = 0;
    while i < 10 {
        table[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        table[b'a' as usize + i] = 10 + i as u8;
        table[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    table
};

const INVALID: u8 = 0xFF;

/// Bytes a scan tests per step.
const BLOCK: usize = 64;

/// Appends the uppercase hex digits of `bytes` to `out`.
pub(crate) fn encode_into(bytes: &[u8], out: &mut String) {
    out.reserve(bytes.len() * 2);
    // Digits go through a small buffer so the string is extended a block at a time (the UTF-8
    // check of pure ASCII is a fast scan) and no unsafe code is needed.
    let mut buf = [0u8; 2 * 1024];
    for chunk in bytes.chunks(1024) {
        for (b, slot) in chunk.iter().zip(buf.chunks_exact_mut(2)) {
            slot.copy_from_slice(&ENCODE[*b as usize]);
        }
        out.push_str(std::str::from_utf8(&buf[..chunk.len() * 2]).expect("hex digits are ASCII"));
    }
}

/// Why hex text did not decode: a byte that is not a hex digit (at its index), or an odd
/// number of digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HexError {
    NotHex(usize),
    OddLength,
}

/// The bytes that the hex digits `text` (no `0x`) spell, collected straight into `B` (an
/// `Arc<[u8]>` is written in place: a blob of weights is never copied after decoding).
pub(crate) fn decode<B: FromIterator<u8>>(text: &[u8]) -> Result<B, HexError> {
    // Where the first bad digit is matters only for the message; find it once, on failure.
    let first_bad = || text.iter().position(|b| DECODE[*b as usize] == INVALID);
    if !text.len().is_multiple_of(2) {
        return Err(first_bad().map_or(HexError::OddLength, HexError::NotHex));
    }
    let mut bad = 0u8;
    let bytes: B = text
        .chunks_exact(2)
        .map(|pair| {
            let (hi, lo) = (DECODE[pair[0] as usize], DECODE[pair[1] as usize]);
            bad |= hi | lo;
            (hi << 4) | (lo & 15)
        })
        .collect();
    // A valid digit is below 16; INVALID sets the high bits.
    if bad & 0xF0 != 0 {
        return Err(HexError::NotHex(first_bad().unwrap_or(0)));
    }
    Ok(bytes)
}

/// The index of the first byte at or after `from` for which `stop` holds, or `bytes.len()`.
/// Blocks of 64 bytes are tested with no branch (the compiler makes vector compares of it:
/// about 7 GB/s, where a byte loop makes 1.5).
#[inline(always)]
fn find(bytes: &[u8], from: usize, stop: impl Fn(u8) -> bool) -> usize {
    let mut i = from.min(bytes.len());
    while let Some(block) = bytes.get(i..i + BLOCK).and_then(|b| <&[u8; BLOCK]>::try_from(b).ok()) {
        let mut any = 0u8;
        for b in block {
            any |= stop(*b) as u8;
        }
        if any != 0 {
            break;
        }
        i += BLOCK;
    }
    bytes[i..].iter().position(|b| stop(*b)).map_or(bytes.len(), |k| i + k)
}

/// The index of the first byte at or after `from` that ends the body of a string literal: a
/// `"`, a `\` (an escape, which the caller steps over) or a line break (strings do not span
/// lines); `bytes.len()` when there is none (or `from` is past the end).
pub(crate) fn string_stop(bytes: &[u8], from: usize) -> usize {
    find(bytes, from, |b| (b == b'"') | (b == b'\\') | (b == b'\n'))
}

/// The index of the first line break at or after `from`, or `bytes.len()`.
pub(crate) fn line_end(bytes: &[u8], from: usize) -> usize {
    find(bytes, from, |b| b == b'\n')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_every_byte_in_uppercase_and_decodes_back() {
        let bytes: Vec<u8> = (0..=255u8).cycle().take(3000).collect();
        let mut text = String::new();
        encode_into(&bytes, &mut text);
        assert_eq!(&text[..8], "00010203");
        assert_eq!(&text[2 * 0xAB..2 * 0xAB + 2], "AB");
        assert_eq!(decode::<Vec<u8>>(text.as_bytes()).unwrap(), bytes);
        assert_eq!(decode::<std::sync::Arc<[u8]>>(text.to_lowercase().as_bytes()).unwrap()[..], bytes[..]);
    }

    #[test]
    fn decode_names_the_first_bad_digit_in_any_block() {
        for at in [0, 5, 63, 64, 65, 200, 255] {
            let mut text = vec![b'7'; 256];
            text[at] = b'g';
            assert_eq!(decode::<Vec<u8>>(&text), Err(HexError::NotHex(at)), "bad digit at {at}");
        }
        assert_eq!(decode::<Vec<u8>>(b"abc"), Err(HexError::OddLength));
        assert_eq!(decode::<Vec<u8>>(b"ab\""), Err(HexError::NotHex(2)));
        assert_eq!(decode::<Vec<u8>>(b""), Ok(Vec::new()));
    }

    #[test]
    fn scans_stop_at_the_first_stop_byte_in_any_position() {
        for len in [0, 1, 31, 63, 64, 65, 100, 200] {
            for stop in [b'"', b'\\', b'\n'] {
                let mut text = vec![b'a'; len];
                text.push(stop);
                text.extend_from_slice(b"\"\n");
                assert_eq!(string_stop(&text, 0), len);
                if stop == b'\n' {
                    assert_eq!(line_end(&text, 0), len);
                }
            }
            assert_eq!(string_stop(&vec![b'x'; len], 0), len);
            assert_eq!(line_end(&vec![b'x'; len], 0), len);
        }
        assert_eq!(string_stop(b"\"abc\"", 1), 4);
    }
}
