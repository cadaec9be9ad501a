//! The task that moves records from Kinesis data streams into the buffers of the
//! KinesisStreamAsSource delivery streams that read them (see
//! `kinesin_state::firehose::source`), then wakes the delivery task.

use kinesin_state::firehose::{source, Firehose};
use kinesin_state::kinesis::Kinesis;
use std::time::Duration;

/// Pumps forever: after every Kinesis write (while source delivery streams exist), after a
/// Firehose change or clock move, and when a delivery stream that is CREATING turns ACTIVE.
pub async fn pump_forever(f: Firehose, k: Kinesis) {
    let mut data = k.watch_data();
    loop {
        data.mark_unchanged();
        let report = f.db().call(|eng| source::pump(eng, source::JOB_BUDGET)).await;
        let (wait_ms, watch_data) = match report {
            Ok(r) => {
                if r.buffered > 0 {
                    f.wake_delivery();
                }
                if r.more {
                    tokio::task::yield_now().await;
                    continue;
                }
                let now = f.db().clock().now_ms();
                (r.next_ms.map_or(60_000, |t| (t - now).clamp(5, 60_000)), r.sources > 0)
            }
            Err(e) => {
                tracing::warn!(error = %e, "firehose: reading source streams failed");
                (1_000, true)
            }
        };
        tokio::select! {
            _ = data.changed(), if watch_data => {}
            _ = f.source_woken() => {}
            _ = tokio::time::sleep(Duration::from_millis(wait_ms as u64)) => {}
        }
    }
}
