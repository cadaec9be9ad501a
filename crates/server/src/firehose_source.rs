//! The task that moves records from Kinesis data streams into the buffers of the
//! KinesisStreamAsSource delivery streams that read them (see
//! `kinesin_state::firehose::source`), then wakes the delivery task.

use crate::rounds::Rounds;
use crate::worker::{Next, Worker};
use kinesin_state::firehose::{source, Firehose};
use kinesin_state::kinesis::Kinesis;

/// Pumps after every Kinesis write to a source stream (while source delivery streams exist),
/// after a Firehose change or clock move, and when a delivery stream that is CREATING turns
/// ACTIVE. A write wakes a round over the delivery streams reading the written streams only
/// (see [`Rounds`]).
pub struct SourcePump {
    f: Firehose,
    rounds: Rounds,
    /// Whether Kinesis writes wake the pump (some delivery stream reads a stream).
    watch_data: bool,
}

impl SourcePump {
    /// The pump of `f`'s stream sources, woken by `k`'s writes.
    pub fn new(f: Firehose, k: Kinesis) -> Self {
        Self { f, rounds: Rounds::new(k.written_reader()), watch_data: true }
    }
}

impl Worker for SourcePump {
    const NAME: &'static str = "firehose source pump";
    const MIN_WAIT_MS: i64 = 5;
    const RETRY_MS: i64 = 1_000;

    async fn pass(&mut self) -> Result<Next, String> {
        self.watch_data = true;
        let Some(streams) = self.rounds.begin(self.now_ms()) else {
            return Ok(Next::At(self.rounds.due()));
        };
        let pump = move |eng: &mut _| source::pump(eng, source::JOB_BUDGET, &streams);
        let r = self.f.db().call(pump).await.map_err(|e| e.to_string())?;
        if r.buffered > 0 {
            self.f.wake_delivery();
        }
        if r.more {
            self.rounds.again();
            return Ok(Next::Again);
        }
        self.watch_data = r.sources > 0;
        Ok(Next::At(self.rounds.end(r.next_ms)))
    }

    async fn woken(&mut self) {
        tokio::select! {
            _ = self.rounds.written(), if self.watch_data => {}
            _ = self.f.source_woken() => {}
        }
    }

    fn now_ms(&self) -> i64 {
        self.f.db().clock().now_ms()
    }
}
