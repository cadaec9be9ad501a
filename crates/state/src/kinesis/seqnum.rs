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

/// Parses one of our sequence numbers; `None` for anything else. Ours lie below 2^185
/// (the seed's leading digits are zeros), where AWS's current (version 2) numbers start, so
/// the two never mix up.
pub fn parse(s: &str) -> Option<SeqParts> {
    if s.len() != 56 || !s.starts_with("49") || !s.bytes().all(|b| b.is_ascii_digit()) || s >= AWS_V2_MIN {
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

/// The index a ShardId names, read as AWS reads it: the digits after the first `-` (or the
/// whole id when it has none, or nothing follows it), leading zeros allowed, at most 2^31-1.
/// So `shardId-000000000001`, `shard-1`, `anything-01`, `-1` and `1` all name shard 1.
pub fn parse_shard_id(s: &str) -> Option<i64> {
    let digits = match s.split('-').nth(1) {
        Some(after) if !after.is_empty() => after,
        _ => s,
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let significant = digits.trim_start_matches('0');
    if significant.len() > 10 {
        return None;
    }
    let n: i64 = if significant.is_empty() { 0 } else { significant.parse().ok()? };
    (n <= i64::from(i32::MAX)).then_some(n)
}

/// 2^185: AWS's current (version 2) sequence numbers lie between it and 1.5 * 2^185.
const AWS_V2_MIN: &str = "49039857307708443467467104868809893875799651909875269632";

/// What AWS's encoding says about a sequence number that is not one of kinesin's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsSeq {
    /// The shard index it encodes.
    pub shard_idx: i64,
    /// When it was written (ms), for the versions that carry it.
    pub written_ms: Option<i64>,
    /// The number as AWS echoes it in "did not come from this stream": version 0 numbers
    /// are normalised (2^124 added to small ones, the leading digit set), others as sent.
    pub echo: String,
}

/// Decodes a sequence number the way AWS does (the layouts kinesalite's tests recorded from
/// the real service): numbers below 2^124 get 2^124 added; up to 2^129 they are version 0
/// (shard index in hex digits 28..32); between 2^185 and 1.5 * 2^185 the last hex digit is
/// the version, 1 or 2 (shard index in hex digits 38..46, write time in 29..38 or 13..22).
/// `None` when AWS calls the number invalid.
pub fn decode_aws(s: &str) -> Option<AwsSeq> {
    use num_bigint::BigUint;
    let mut n: BigUint = s.parse().ok()?;
    let p124 = BigUint::from(1u8) << 124u32;
    if n < p124 {
        n += &p124;
    }
    let hex = n.to_str_radix(16);
    let field = |from: usize, to: usize| hex.get(from..to).and_then(|h| u64::from_str_radix(h, 16).ok());
    if n < BigUint::from(1u8) << 129u32 {
        if field(1, 10)? >= 16_025_175_000 {
            return None;
        }
        let canonical = BigUint::parse_bytes(format!("1{}", hex.get(1..32)?).as_bytes(), 16)?;
        return Some(AwsSeq { shard_idx: field(28, 32)? as i64, written_ms: None, echo: canonical.to_string() });
    }
    let p185 = BigUint::from(1u8) << 185u32;
    if n <= p185 || n >= &p185 + (&p185 >> 1u32) {
        return None;
    }
    let (shard_idx, written) = match hex.as_bytes().last()? {
        b'2' if field(11, 12)? <= 7 && field(38, 39)? <= 7 => (field(38, 46)?, field(29, 38)?),
        b'1' => (field(38, 46)?, field(13, 22)?),
        _ => return None,
    };
    Some(AwsSeq { shard_idx: shard_idx as i64, written_ms: Some(written as i64 * 1000), echo: s.to_string() })
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

    #[test]
    fn shard_ids_as_aws_reads_them() {
        for ok in ["shardId-000000000001", "shard-1", "anything-01", "-1", "1", "a-b-1x-1"] {
            let want = if ok == "a-b-1x-1" { None } else { Some(1) };
            assert_eq!(parse_shard_id(ok), want, "{ok}");
        }
        assert_eq!(parse_shard_id("2147483647"), Some(2_147_483_647));
        assert_eq!(parse_shard_id("a-00002147483647"), Some(2_147_483_647));
        for bad in ["2147483648", "shardId-002147483648", "ABKLFD8", "2.14E4", "shard-", "", "99999999999999999999"] {
            assert_eq!(parse_shard_id(bad), None, "{bad}");
        }
    }

    #[test]
    fn aws_sequence_numbers_decode_as_aws_reports_them() {
        // Small numbers are version 0; the shard index is their last four hex digits.
        let five = decode_aws("5").unwrap();
        assert_eq!(five.shard_idx, 5);
        let zero = decode_aws("0").unwrap();
        assert_eq!((zero.shard_idx, zero.echo.as_str()), (0, "21267647932558653966460912964485513216"));
        let old = decode_aws("425352958651173072921826052383309826").unwrap();
        assert_eq!(old.echo, "21693000891209827039382739016868823042");
        // 0xf3bb2cc3d7ff7fffffffffffffff0000: the leading digit is echoed as 1.
        assert_eq!(
            decode_aws("323974270430642978495705530411780079616").unwrap().echo,
            "26227199374821822965252748908982894592"
        );
        // A version-0 date too large, and an 8 where a version-2 index must be below 8.
        assert_eq!(decode_aws("26227199374822427428162556223570313216"), None);
        assert_eq!(decode_aws("49039857307719593840066370180380661734935976090628259842"), None);
        // A real AWS number (from AWS's documentation): version 2, shard 6.
        let real = decode_aws("49590338271490256608559692538361571095921575989136588898").unwrap();
        assert_eq!((real.shard_idx, real.echo.len()), (6, 56));
        assert!(real.written_ms.is_some());
        // Ours are not AWS's, and AWS's are not ours.
        assert!(parse("49590338271490256608559692538361571095921575989136588898").is_none());
        assert_eq!(decode_aws(&format(1_700_000_000_000, 3, 7)), None);
    }
}
