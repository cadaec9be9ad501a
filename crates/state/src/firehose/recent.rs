//! The latest delivery attempts of each delivery stream, kept in memory for the console
//! (this run only): when, how many records and bytes, what came of it, the objects written.

use super::batch::Completed;
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

/// Attempts kept per delivery stream.
pub const KEPT: usize = 20;

/// One delivery attempt of a batch.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Attempt {
    /// Account.
    pub account: String,
    /// Region.
    pub region: String,
    /// Delivery stream.
    pub name: String,
    /// When the attempt completed (ms).
    pub at_ms: i64,
    /// Records in the batch.
    pub records: usize,
    /// Bytes of record data in the batch.
    pub bytes: i64,
    /// `delivered`, `retry` (failed, retried later) or `dropped` (given up).
    pub outcome: &'static str,
    /// Why it failed (retry, dropped).
    pub message: Option<String>,
    /// Failed attempts of this batch so far (retry).
    pub attempts: u32,
    /// Objects written: `bucket/key`.
    pub objects: Vec<String>,
}

impl Attempt {
    /// The attempt `done` reports for the delivery stream `(account, region, name)`, or
    /// `None` when nothing happened (a lost lease, or an empty batch).
    pub fn of(stream: (&str, &str, &str), done: &Completed, at_ms: i64, records: usize, bytes: i64) -> Option<Attempt> {
        let (outcome, message) = match (&done.retry, &done.dropped) {
            (Some(m), _) => ("retry", Some(m.clone())),
            (None, Some(m)) => ("dropped", Some(m.clone())),
            (None, None) if done.consumed => ("delivered", None),
            _ => return None,
        };
        let objects = done.written.iter().map(|w| format!("{}/{}", w.bucket, w.key)).collect();
        Some(Attempt {
            account: stream.0.to_string(),
            region: stream.1.to_string(),
            name: stream.2.to_string(),
            at_ms,
            records,
            bytes,
            outcome,
            message,
            attempts: done.attempts,
            objects,
        })
    }
}

/// The newest [`KEPT`] attempts of each delivery stream.
#[derive(Debug, Default)]
pub struct Recent {
    by_stream: Mutex<HashMap<(String, String, String), VecDeque<Attempt>>>,
}

impl Recent {
    /// Records an attempt.
    pub fn push(&self, attempt: Attempt) {
        let key = (attempt.account.clone(), attempt.region.clone(), attempt.name.clone());
        let mut map = self.by_stream.lock().unwrap_or_else(|e| e.into_inner());
        let list = map.entry(key).or_default();
        if list.len() == KEPT {
            list.pop_front();
        }
        list.push_back(attempt);
    }

    /// The attempts of one account and region, newest first, at most `limit`.
    pub fn list(&self, account: &str, region: &str, limit: usize) -> Vec<Attempt> {
        let map = self.by_stream.lock().unwrap_or_else(|e| e.into_inner());
        let mut out: Vec<Attempt> = map
            .iter()
            .filter(|((a, r, _), _)| a == account && r == region)
            .flat_map(|(_, list)| list.iter().cloned())
            .collect();
        out.sort_by(|a, b| b.at_ms.cmp(&a.at_ms).then_with(|| a.name.cmp(&b.name)));
        out.truncate(limit);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::firehose::batch::Written;

    fn attempt(name: &str, at_ms: i64) -> Attempt {
        let done = Completed {
            consumed: true,
            written: vec![Written { bucket: "b".into(), key: "k".into(), bytes: 3 }],
            ..Default::default()
        };
        Attempt::of(("1", "r", name), &done, at_ms, 1, 3).unwrap()
    }

    #[test]
    fn keeps_the_newest_per_stream() {
        let recent = Recent::default();
        for t in 0..(KEPT as i64 + 5) {
            recent.push(attempt("a", t));
        }
        recent.push(attempt("b", 100));
        let list = recent.list("1", "r", 1000);
        assert_eq!(list.len(), KEPT + 1);
        assert_eq!((list[0].name.as_str(), list[0].at_ms), ("b", 100));
        assert_eq!(list.last().map(|a| a.at_ms), Some(5));
        assert_eq!(list[1].objects, vec!["b/k".to_string()]);
        assert!(recent.list("2", "r", 10).is_empty());
        assert_eq!(recent.list("1", "r", 3).len(), 3);
    }

    #[test]
    fn outcomes() {
        let retry = Completed { retry: Some("S3.NoSuchBucket".into()), attempts: 2, ..Default::default() };
        let a = Attempt::of(("1", "r", "s"), &retry, 1, 4, 40).unwrap();
        assert_eq!((a.outcome, a.message.as_deref(), a.attempts), ("retry", Some("S3.NoSuchBucket"), 2));
        let dropped = Completed { dropped: Some("gone".into()), ..Default::default() };
        assert_eq!(Attempt::of(("1", "r", "s"), &dropped, 1, 1, 1).unwrap().outcome, "dropped");
        assert_eq!(Attempt::of(("1", "r", "s"), &Completed { stale: true, ..Default::default() }, 1, 1, 1), None);
    }
}
