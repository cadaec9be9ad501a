//! Partition keys to 128-bit hash keys, and even hash-key ranges.

use md5::{Digest, Md5};

/// The MD5 of the partition key as an unsigned 128-bit integer.
pub fn partition_hash(key: &str) -> u128 {
    u128::from_be_bytes(Md5::digest(key.as_bytes()).into())
}

/// Parses a decimal `ExplicitHashKey`; `None` when it is not in `0..=2^128-1`.
pub fn parse_hash_key(s: &str) -> Option<u128> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<u128>().ok()
}

/// Splits the hash-key space into `n` contiguous ranges as AWS does at creation.
pub fn even_ranges(n: u32) -> Vec<(u128, u128)> {
    split_range(0, u128::MAX, n)
}

/// Splits `[start, end]` into `n` contiguous ranges of equal width (the last takes the rest).
pub fn split_range(start: u128, end: u128, n: u32) -> Vec<(u128, u128)> {
    let n = n.max(1) as u128;
    if n == 1 {
        return vec![(start, end)];
    }
    let width = end - start;
    // floor((width + 1) / n) without overflowing when width is u128::MAX.
    let step = width / n + u128::from(width % n == n - 1);
    (0..n)
        .map(|i| {
            let s = start + step * i;
            let e = if i == n - 1 { end } else { start + step * (i + 1) - 1 };
            (s, e)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_match_aws() {
        let r = even_ranges(4);
        assert_eq!(r[0], (0, 85070591730234615865843651857942052863));
        assert_eq!(r[1].0, 85070591730234615865843651857942052864);
        assert_eq!(r[3].1, u128::MAX);
        let r = even_ranges(3);
        assert_eq!(r[0].1 + 1, r[1].0);
        assert_eq!(r[1].1 + 1, r[2].0);
        assert_eq!(even_ranges(1), vec![(0, u128::MAX)]);
        assert_eq!(split_range(10, 19, 2), vec![(10, 14), (15, 19)]);
    }

    #[test]
    fn md5_hash_is_big_endian() {
        // md5("a") = 0cc175b9c0f1b6a831c399e269772661
        assert_eq!(partition_hash("a"), 0x0cc175b9c0f1b6a831c399e269772661);
        assert_eq!(parse_hash_key("340282366920938463463374607431768211455"), Some(u128::MAX));
        assert_eq!(parse_hash_key("340282366920938463463374607431768211456"), None);
        assert_eq!(parse_hash_key("-1"), None);
    }
}
