//! The counting behind TOP_K_ITEMS_TUMBLING and COUNT_DISTINCT_ITEMS_TUMBLING, per window.
//!
//! AWS approximates both (a heavy-hitters sketch; HyperLogLog, exact up to 10,000 items).
//! kinesin counts deterministically and exactly up to [`CAPACITY`] distinct values per
//! window: the answer AWS's approximations converge to. Memory stays bounded beyond that:
//! top-K keeps CAPACITY counters with the Misra-Gries algorithm (a new value finding them all
//! in use decrements every counter: counts are underestimated by at most N / CAPACITY of N
//! rows), and the distinct count keeps the CAPACITY smallest 64-bit hashes of the values (a
//! K-minimum-values sketch, exact below CAPACITY, an estimate with about 0.3 % error above).

use crate::value::Value;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};
use std::hash::Hasher;

/// Distinct values one window counts exactly.
pub const CAPACITY: usize = 100_000;

/// The counting state of one tumbling window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Items {
    /// Counters keyed by the value's text (the values of one column share a type).
    TopK(HashMap<String, (Value, i64)>),
    /// The smallest hashes of the distinct values seen.
    Distinct(BTreeSet<u64>),
}

impl Items {
    /// Counts one value (NULLs are not items).
    pub fn add(&mut self, v: Value) {
        if v.is_null() {
            return;
        }
        match self {
            Items::TopK(counts) => count(counts, v),
            Items::Distinct(hashes) => {
                let h = hash(&v);
                if hashes.len() < CAPACITY {
                    hashes.insert(h);
                } else if hashes.last().is_some_and(|max| h < *max) && hashes.insert(h) {
                    hashes.pop_last();
                }
            }
        }
    }

    /// The `k` most frequent values with their counts, most frequent first (ties by value).
    pub fn top(&self, k: usize) -> Vec<(Value, i64)> {
        let Items::TopK(counts) = self else { return Vec::new() };
        let mut all: Vec<(Value, i64)> = counts.values().cloned().collect();
        all.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.total_cmp(&b.0)));
        all.truncate(k);
        all
    }

    /// The number of distinct values.
    pub fn distinct(&self) -> i64 {
        match self {
            Items::TopK(counts) => counts.len() as i64,
            Items::Distinct(hashes) if hashes.len() < CAPACITY => hashes.len() as i64,
            Items::Distinct(hashes) => {
                // K-minimum values: the k-th smallest of n uniform hashes sits near k / n.
                let kth = hashes.last().copied().unwrap_or(u64::MAX) as f64 / u64::MAX as f64;
                ((CAPACITY - 1) as f64 / kth.max(f64::MIN_POSITIVE)).round() as i64
            }
        }
    }
}

/// Misra-Gries: a new value finding every counter in use decrements them all instead.
fn count(counts: &mut HashMap<String, (Value, i64)>, v: Value) {
    let key = v.to_text().unwrap_or_default();
    if let Some(c) = counts.get_mut(&key) {
        c.1 += 1;
    } else if counts.len() < CAPACITY {
        counts.insert(key, (v, 1));
    } else {
        counts.retain(|_, c| {
            c.1 -= 1;
            c.1 > 0
        });
    }
}

/// A stable 64-bit hash of a value (FNV-1a of its text, then a SplitMix64 finalizer so the
/// bits are uniform): stable across builds, as checkpointed sketches need.
fn hash(v: &Value) -> u64 {
    let mut h = fnv::FnvHasher::default();
    h.write(v.to_text().unwrap_or_default().as_bytes());
    let mut z = h.finish();
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_k_is_exact_and_ordered() {
        let mut items = Items::TopK(HashMap::new());
        for (v, n) in [("b", 3), ("a", 3), ("c", 5), ("d", 1)] {
            (0..n).for_each(|_| items.add(Value::Str(v.into())));
        }
        items.add(Value::Null);
        let s = |v: &str| Value::Str(v.into());
        assert_eq!(items.top(3), vec![(s("c"), 5), (s("a"), 3), (s("b"), 3)]);
        assert_eq!(items.distinct(), 4);
    }

    #[test]
    fn memory_stays_bounded_past_capacity() {
        let mut top = Items::TopK(HashMap::new());
        let mut distinct = Items::Distinct(BTreeSet::new());
        let n = CAPACITY as i64 * 2;
        for i in 0..n {
            top.add(Value::Int(i));
            distinct.add(Value::Int(i));
            if i % 2 == 0 {
                top.add(Value::Int(-1));
            }
        }
        let Items::TopK(counts) = &top else { panic!() };
        assert!(counts.len() <= CAPACITY);
        // The heavy hitter keeps its counter, underestimated by at most N / CAPACITY.
        let (v, c) = top.top(1).remove(0);
        assert_eq!(v, Value::Int(-1));
        let total = n + n / 2;
        assert!(c <= n / 2 && c >= n / 2 - total / CAPACITY as i64, "{c}");
        let Items::Distinct(hashes) = &distinct else { panic!() };
        assert_eq!(hashes.len(), CAPACITY);
        let est = distinct.distinct();
        assert!((est - n).abs() < n / 50, "{est} vs {n}");
    }
}
