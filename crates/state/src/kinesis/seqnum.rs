//! Sequence numbers: 56 decimal digits, `49` + stream seed + shard index + store counter.
//!
//! The counter is store-wide and only grows, and a child shard's index is greater than its
//! parents', so numbers increase within a shard and every child's numbers sort after its
//! parents' — also when compared as big integers, as the KCL does.

/// The parts of a sequence number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeqParts {
    /// The stream's creation time (ms), telling apart streams of the same name.
    pub seed: i64,
    /// The shard's index.
    pub shard_idx: i64,
    /// The store counter.
    pub counter: u64,
}

/// Formats a sequence number.
pub fn format(seed: i64, shard_idx: i64, counter: u64) -> String {
    String::from_utf8(digits(seed, shard_idx, counter).to_vec()).unwrap_or_default()
}

/// A sequence number's 56 ASCII digits, without allocating.
pub fn digits(seed: i64, shard_idx: i64, counter: u64) -> [u8; 56] {
    let mut buf = [b'0'; 56];
    buf[0] = b'4';
    buf[1] = b'9';
    write_digits(&mut buf[2..20], seed.max(0) as u64);
    write_digits(&mut buf[20..36], shard_idx.max(0) as u64);
    write_digits(&mut buf[36..56], counter);
    buf
}

/// Writes `v` right-aligned, zero-padded, into `out` (hot path: no formatter machinery).
fn write_digits(out: &mut [u8], mut v: u64) {
    for b in out.iter_mut().rev() {
        *b = b'0' + (v % 10) as u8;
        v /= 10;
    }
}

/// Parses one of our sequence numbers; `None` for anything else.
pub fn parse(s: &str) -> Option<SeqParts> {
    if s.len() != 56 || !s.starts_with("49") || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(SeqParts {
        seed: s[2..20].parse().ok()?,
        shard_idx: s[20..36].parse().ok()?,
        counter: s[36..56].parse().ok()?,
    })
}

/// The `shardId-000000000000` form of a shard index.
pub fn shard_id(idx: i64) -> String {
    format!("shardId-{idx:012}")
}

/// The index of a `shardId-NNNNNNNNNNNN` (AWS also accepts the bare number).
pub fn parse_shard_id(s: &str) -> Option<i64> {
    let digits = s.strip_prefix("shardId-").unwrap_or(s);
    if digits.is_empty() || digits.len() > 12 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_order() {
        let a = format(1_700_000_000_000, 0, 41);
        assert_eq!(a.len(), 56);
        assert_eq!(a, std::format!("49{:018}{:016}{:020}", 1_700_000_000_000u64, 0, 41));
        assert_eq!(format(1, 12, u64::MAX), std::format!("49{:018}{:016}{:020}", 1, 12, u64::MAX));
        assert_eq!(parse(&a), Some(SeqParts { seed: 1_700_000_000_000, shard_idx: 0, counter: 41 }));
        let b = format(1_700_000_000_000, 0, 42);
        let child = format(1_700_000_000_000, 1, 7);
        assert!(a < b && b < child, "lexicographic order equals numeric order at equal length");
        assert_eq!(parse("12"), None);
        assert_eq!(parse(&"4".repeat(56)), None);
        assert_eq!(shard_id(3), "shardId-000000000003");
        assert_eq!(parse_shard_id("shardId-000000000003"), Some(3));
        assert_eq!(parse_shard_id("3"), Some(3));
        assert_eq!(parse_shard_id("shardId-x"), None);
    }
}
