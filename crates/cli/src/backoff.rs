//! The CLI's one retry backoff: waits that double from a first wait up to a cap, for a
//! bounded number of retries (throttled puts and reads).

use std::time::Duration;

/// Doubling waits between attempts.
pub struct Backoff {
    next_ms: u64,
    max_ms: u64,
    retries_left: u32,
}

impl Backoff {
    /// Waits of `first_ms`, twice that, ..., at most `max_ms`, for `retries` retries.
    pub fn new(first_ms: u64, max_ms: u64, retries: u32) -> Self {
        Self { next_ms: first_ms, max_ms, retries_left: retries }
    }

    /// The next wait, or `None` when no retry is left.
    pub fn next_wait(&mut self) -> Option<Duration> {
        self.retries_left = self.retries_left.checked_sub(1)?;
        let wait = self.next_ms.min(self.max_ms);
        self.next_ms = self.next_ms.saturating_mul(2);
        Some(Duration::from_millis(wait))
    }

    /// Sleeps the next wait; false when no retry is left.
    pub async fn wait(&mut self) -> bool {
        match self.next_wait() {
            Some(d) => {
                tokio::time::sleep(d).await;
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_up_to_the_cap_for_the_retries_given() {
        let mut b = Backoff::new(100, 500, 5);
        let waits: Vec<u64> = std::iter::from_fn(|| b.next_wait()).map(|d| d.as_millis() as u64).collect();
        assert_eq!(waits, [100, 200, 400, 500, 500]);
    }
}
