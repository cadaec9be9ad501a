//! The one retry backoff: a wait that doubles with each failed attempt, capped. Background
//! work (pipe deliveries and their dead-letter sends, Firehose deliveries) starts at 1 s
//! ([`backoff_ms`]); Firehose's S3 writes and the server's accept loop start elsewhere
//! ([`doubling`]).

/// The wait before attempt `attempt + 1` (`attempt` >= 1 failed so far): `first_ms`, twice
/// that, four times, ..., at most `max_ms`.
pub fn doubling(first_ms: i64, attempt: u32, max_ms: i64) -> i64 {
    first_ms.saturating_mul(1 << attempt.saturating_sub(1).min(40)).min(max_ms)
}

/// [`doubling`] from 1 s: 1 s, 2 s, 4 s, ..., at most `max_ms`.
pub fn backoff_ms(attempt: u32, max_ms: i64) -> i64 {
    doubling(1000, attempt, max_ms)
}

/// `ms` +-15%, so that retries of many failures spread out.
pub fn jittered(ms: i64) -> i64 {
    let jitter = ms * 15 / 100;
    ms - jitter + fastrand::i64(0..=2 * jitter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_up_to_the_cap() {
        let waits: Vec<i64> = (0..9).map(|a| backoff_ms(a, 60_000)).collect();
        assert_eq!(waits, [1000, 1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000]);
        assert_eq!(backoff_ms(u32::MAX, 120_000), 120_000);
        let waits: Vec<i64> = (0..9).map(|a| doubling(10, a, 1000)).collect();
        assert_eq!(waits, [10, 10, 20, 40, 80, 160, 320, 640, 1000]);
        assert_eq!(doubling(i64::MAX / 2, 3, i64::MAX), i64::MAX);
        for _ in 0..100 {
            assert!((850..=1150).contains(&jittered(1000)));
        }
    }
}
