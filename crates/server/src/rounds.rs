//! The rounds of a background task that reads Kinesis streams (the Pipes pump, the Firehose
//! source pump): a Kinesis write wakes a round over the written streams only; anything else
//! (a deadline, the task's own wake-up, the minute's look, a failed pass, shards changed)
//! a round over every stream. A round is the passes from its first until one has nothing
//! more to do; writes that arrive meanwhile join it.

use kinesin_state::kinesis::written::{Reader, Written};

/// Where a reader stands between passes.
pub struct Rounds {
    data: Reader,
    /// The streams of the current round.
    streams: Written,
    /// The earliest deadline known (store clock, ms).
    due: Option<i64>,
    /// The last pass had more to do: this one continues the round.
    again: bool,
    /// The last wake-up was a Kinesis write.
    by_data: bool,
}

impl Rounds {
    /// Rounds over what `data` reports written.
    pub fn new(data: Reader) -> Self {
        Self { data, streams: Written::default(), due: None, again: false, by_data: false }
    }

    /// The streams a pass at `now` looks at; `None`: nothing to look at.
    pub fn begin(&mut self, now: i64) -> Option<Written> {
        self.streams.merge(self.data.take());
        let due = self.due.is_some_and(|t| t <= now);
        if due || !(self.again || self.by_data) {
            self.streams = Written::All;
        }
        (self.by_data, self.again) = (false, false);
        (!self.streams.is_empty()).then(|| self.streams.clone())
    }

    /// The pass had more to do: the next one continues the round.
    pub fn again(&mut self) {
        self.again = true;
    }

    /// The round ended; its last pass found `next` the earliest deadline among the streams it
    /// looked at. The deadline to sleep until.
    pub fn end(&mut self, next: Option<i64>) -> Option<i64> {
        // A round over every stream saw every deadline; a narrower one only some.
        let all = std::mem::take(&mut self.streams) == Written::All;
        self.due = match (all, self.due, next) {
            (false, Some(a), Some(b)) => Some(a.min(b)),
            (false, a, b) => a.or(b),
            (true, _, b) => b,
        };
        self.due
    }

    /// The deadline known, for a pass that looked at nothing.
    pub fn due(&self) -> Option<i64> {
        self.due
    }

    /// Resolves after the next Kinesis write, noting that it woke the task.
    pub async fn written(&mut self) {
        self.data.changed().await;
        self.by_data = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kinesin_state::kinesis::written::Feeds;
    use kinesin_state::Ctx;

    #[test]
    fn writes_narrow_a_round_and_everything_else_widens_it() {
        let feeds = Feeds::default();
        let (a, b) = ((Ctx::new("1", "r"), "s"), (Ctx::new("1", "r"), "t"));
        let mut r = Rounds::new(feeds.reader());
        assert_eq!(r.begin(0), Some(Written::All), "start-up looks at everything");
        assert_eq!(r.end(Some(100)), Some(100));
        feeds.tell(&Written::one(&a.0, a.1));
        r.by_data = true;
        assert_eq!(r.begin(10), Some(Written::one(&a.0, a.1)), "a write: its stream only");
        r.again();
        feeds.tell(&Written::one(&b.0, b.1));
        let both = Written::Streams(vec![(a.0.clone(), a.1.into()), (b.0.clone(), b.1.into())]);
        assert_eq!(r.begin(11), Some(both), "a write during a round joins it");
        assert_eq!(r.end(None), Some(100), "a narrow round keeps the deadlines it did not see");
        r.by_data = true;
        assert_eq!(r.begin(12), None, "woken, but nothing written since");
        assert_eq!(r.begin(100), Some(Written::All), "a deadline looks at everything");
        assert_eq!(r.end(Some(300)), Some(300));
        assert_eq!(r.begin(150), Some(Written::All), "so does any other wake-up");
    }
}
