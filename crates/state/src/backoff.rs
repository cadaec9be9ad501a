//! The one retry backoff of background work (pipe deliveries and their dead-letter sends,
//! Firehose deliveries): 1 s before the second attempt, doubling, capped.

/// The wait before attempt `attempt + 1` (`attempt` >= 1 failed so far): 1 s, 2 s, 4 s, ...,
/// at most `max_ms`.
pub fn backoff_ms(attempt: u32, max_ms: i64) -> i64 {
    (1000i64 << attempt.saturating_sub(1).min(20)).min(max_ms)
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
        for _ in 0..100 {
            assert!((850..=1150).contains(&jittered(1000)));
        }
    }
}
