//! Delivery timing shared by the store side ([`super::batch`]) and the delivery crate: a
//! buffer is delivered when it reaches its `SizeInMBs` or when its oldest record is
//! `IntervalInSeconds` old, whichever comes first (the interval shortened by
//! `--firehose-interval-override-secs`).

use super::destination::S3Target;

/// Firehose settings that come from the command line.
#[derive(Debug, Clone, Default)]
pub struct FirehoseSettings {
    /// The longest buffering interval used, whatever a stream asks for (seconds; shortens
    /// deliveries for fast tests).
    pub interval_override_secs: Option<u32>,
}

/// Wait before retrying a delivery that failed (the first retry of a batch whose objects
/// could not be written: later ones back off, [`super::batch::s3_backoff_ms`]).
pub const RETRY_MS: i64 = 5_000;

/// The buffering interval in force: the stream's, shortened by the global override.
pub fn interval_ms(target: &S3Target, override_secs: Option<u32>) -> i64 {
    let s = match override_secs {
        Some(o) => target.interval_s.min(u64::from(o)),
        None => target.interval_s,
    };
    s as i64 * 1000
}
