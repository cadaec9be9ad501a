//! AWS's per-shard throughput limits (opt-in) and fault injection.
//!
//! Writes: 1 MiB/s and 1,000 records/s per shard. Reads: 5 GetRecords calls/s and 2 MiB/s
//! per shard. Each is a token bucket that holds one second of budget and refills
//! continuously from the injected clock.

use std::collections::{HashMap, VecDeque};

/// UpdateShardCount calls allowed per stream in a rolling 24 hours.
pub const SCALINGS_PER_DAY: usize = 10;

/// Writes per shard per second.
pub const WRITE_RECORDS: f64 = 1000.0;
/// Write bytes per shard per second.
pub const WRITE_BYTES: f64 = 1024.0 * 1024.0;
/// GetRecords calls per shard per second.
pub const READ_CALLS: f64 = 5.0;
/// Read bytes per shard per second.
pub const READ_BYTES: f64 = 2.0 * 1024.0 * 1024.0;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    level: f64,
    at: i64,
}

impl Bucket {
    fn refill(&mut self, now: i64, rate: f64) {
        let elapsed = (now - self.at).max(0) as f64 / 1000.0;
        self.level = (self.level + elapsed * rate).min(rate);
        self.at = now;
    }
}

/// The buckets of every shard (by shard row id).
#[derive(Debug, Default)]
pub struct Budgets {
    write_records: HashMap<i64, Bucket>,
    write_bytes: HashMap<i64, Bucket>,
    read_calls: HashMap<i64, Bucket>,
    read_bytes: HashMap<i64, Bucket>,
    scalings: HashMap<i64, VecDeque<i64>>,
}

fn bucket(map: &mut HashMap<i64, Bucket>, shard: i64, now: i64, rate: f64) -> &mut Bucket {
    let b = map.entry(shard).or_insert(Bucket { level: rate, at: now });
    b.refill(now, rate);
    b
}

impl Budgets {
    /// Takes one record of `bytes` from the shard's write budget; false when it is spent.
    pub fn write(&mut self, shard: i64, bytes: usize, now: i64) -> bool {
        let records_ok = bucket(&mut self.write_records, shard, now, WRITE_RECORDS).level >= 1.0;
        let bytes_ok = bucket(&mut self.write_bytes, shard, now, WRITE_BYTES).level >= bytes as f64;
        if records_ok && bytes_ok {
            bucket(&mut self.write_records, shard, now, WRITE_RECORDS).level -= 1.0;
            bucket(&mut self.write_bytes, shard, now, WRITE_BYTES).level -= bytes as f64;
            true
        } else {
            false
        }
    }

    /// Takes one GetRecords call from the shard's read budget; false when the calls or the
    /// bytes of the last second are spent.
    pub fn read_call(&mut self, shard: i64, now: i64) -> bool {
        let bytes_ok = bucket(&mut self.read_bytes, shard, now, READ_BYTES).level > 0.0;
        let calls = bucket(&mut self.read_calls, shard, now, READ_CALLS);
        if calls.level >= 1.0 && bytes_ok {
            calls.level -= 1.0;
            true
        } else {
            false
        }
    }

    /// Records an UpdateShardCount of stream row `stream`; false when it already scaled
    /// [`SCALINGS_PER_DAY`] times in the last 24 hours.
    pub fn scale(&mut self, stream: i64, now: i64) -> bool {
        let times = self.scalings.entry(stream).or_default();
        while times.front().is_some_and(|t| now - t >= 86_400_000) {
            times.pop_front();
        }
        if times.len() >= SCALINGS_PER_DAY {
            return false;
        }
        times.push_back(now);
        true
    }

    /// Charges the bytes a GetRecords returned (the budget may go below zero).
    pub fn read_bytes(&mut self, shard: i64, bytes: usize, now: i64) {
        bucket(&mut self.read_bytes, shard, now, READ_BYTES).level -= bytes as f64;
    }
}

/// AWS's message for a throttled shard.
pub fn rate_exceeded(shard_id: &str, stream: &str, account: &str) -> String {
    format!("Rate exceeded for shard {shard_id} in stream {stream} under account {account}.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_budget_refills_with_time() {
        let mut b = Budgets::default();
        let t = 1_000_000;
        for _ in 0..1000 {
            assert!(b.write(1, 10, t));
        }
        assert!(!b.write(1, 10, t), "the 1001st record in one second is throttled");
        assert!(b.write(2, 10, t), "other shards have their own budget");
        assert!(b.write(1, 10, t + 1), "one millisecond refills one record");
        assert!(!b.write(3, 2 * 1024 * 1024, t), "more than 1 MiB at once never fits");
    }

    #[test]
    fn ten_scalings_per_rolling_day() {
        let mut b = Budgets::default();
        for i in 0..10 {
            assert!(b.scale(1, i * 1000));
        }
        assert!(!b.scale(1, 20_000));
        assert!(b.scale(2, 20_000));
        assert!(b.scale(1, 86_400_000), "the first one left the window");
    }

    #[test]
    fn reads_are_limited_by_calls_and_bytes() {
        let mut b = Budgets::default();
        let t = 0;
        for _ in 0..5 {
            assert!(b.read_call(1, t));
        }
        assert!(!b.read_call(1, t));
        assert!(b.read_call(2, t));
        b.read_bytes(2, 3 * 1024 * 1024, t);
        assert!(!b.read_call(2, t + 200), "2 MiB/s spent for the next half second");
        assert!(b.read_call(2, t + 1000));
    }
}
