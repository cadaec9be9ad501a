//! Kinesis Data Streams: the domain logic, run on the store thread.
//!
//! Each operation is a plain function of `(&mut Engine, &Ctx, input)`, so tests call them
//! directly with a manual clock; [`api`] declares them as the service's operations and
//! [`Kinesis`] holds the wake-ups of its background tasks and subscribers.

pub mod api;
pub mod cache;
pub mod config;
pub mod consumers;
pub mod hashing;
pub mod maintenance;
pub mod memory;
pub mod meta;
pub mod policies;
pub mod records;
pub mod reshard;
pub mod seqnum;
pub mod settings;
pub mod shards;
pub mod streams;
pub mod subscribe;
pub mod tags;
pub mod throttle;
pub mod token;
pub mod written;

use crate::db::{Db, Engine};
use crate::error::StateError;
use crate::Ctx;
use cache::{Status, StreamMeta};
use kinesin_protocol::kinesis::StreamRef;
use std::sync::Arc;

/// The async face of the Kinesis state for the server.
#[derive(Clone)]
pub struct Kinesis {
    db: Db,
    wake: Arc<tokio::sync::Notify>,
    feeds: Arc<written::Feeds>,
}

impl Kinesis {
    /// Kinesis over a started store.
    pub fn new(db: Db) -> Self {
        Self { db, wake: Arc::new(tokio::sync::Notify::new()), feeds: Arc::default() }
    }

    /// Tells subscribers that shards changed or a stream was deleted (every stream is to be
    /// looked at).
    pub fn notify_data(&self) {
        self.feeds.tell(&written::Written::All);
    }

    /// Tells subscribers that records were written to the stream `name` of `ctx`.
    pub fn notify_written(&self, ctx: &Ctx, name: &str) {
        self.feeds.tell(&written::Written::one(ctx, name));
    }

    /// A receiver that changes whenever subscribers are told of a write or a change.
    pub fn watch_data(&self) -> tokio::sync::watch::Receiver<u64> {
        self.feeds.watch()
    }

    /// A reader of which streams were written (see [`written::Reader`]).
    pub fn written_reader(&self) -> written::Reader {
        self.feeds.reader()
    }

    /// The store.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Wakes the maintenance task (after creations, deletions, retention changes).
    pub fn wake_maintenance(&self) {
        self.wake.notify_one();
    }

    /// Waits until [`Kinesis::wake_maintenance`] is called.
    pub async fn maintenance_woken(&self) {
        self.wake.notified().await
    }
}

/// The message AWS gives for a missing stream.
pub fn not_found(ctx: &Ctx, name: &str) -> StateError {
    StateError::NotFound(format!("Stream {name} under account {} not found.", ctx.account))
}

/// Resolves `StreamName`/`StreamARN` to the namespace and name of the stream.
pub fn resolve(ctx: &Ctx, r: &StreamRef) -> Result<(Ctx, String), StateError> {
    match (&r.stream_name, &r.stream_arn) {
        (name, Some(arn)) => {
            let (arn_ctx, arn_name) = parse_arn(arn).ok_or_else(|| {
                StateError::InvalidArgument(format!("StreamARN {arn} is not a valid Kinesis stream ARN."))
            })?;
            if let Some(n) = name.as_ref().filter(|n| **n != arn_name) {
                return Err(StateError::InvalidArgument(format!(
                    "StreamName {n} and StreamARN {arn} do not name the same stream."
                )));
            }
            Ok((arn_ctx, arn_name))
        }
        (Some(name), None) => Ok((ctx.clone(), name.clone())),
        (None, None) => Err(StateError::InvalidArgument("Either StreamName or StreamARN should be provided.".into())),
    }
}

/// Parses `arn:aws:kinesis:region:account:stream/name`.
pub fn parse_arn(arn: &str) -> Option<(Ctx, String)> {
    let mut p = arn.splitn(6, ':');
    let (_arn, _partition, service, region, account, resource) =
        (p.next()?, p.next()?, p.next()?, p.next()?, p.next()?, p.next()?);
    let name = resource.strip_prefix("stream/")?;
    let name = name.split('/').next()?;
    (service == "kinesis" && !name.is_empty()).then(|| (Ctx::new(account, region), name.to_string()))
}

/// A stream that exists (any status but finished deletion).
pub fn existing(eng: &mut Engine, ctx: &Ctx, name: &str) -> Result<Arc<StreamMeta>, StateError> {
    let now = eng.now();
    match cache::find(eng, ctx, name)? {
        Some(m) if m.status_at(now) != Status::Gone => Ok(m),
        _ => Err(not_found(ctx, name)),
    }
}

/// A stream that takes reads and writes (ACTIVE or UPDATING).
pub fn usable(eng: &mut Engine, ctx: &Ctx, name: &str) -> Result<Arc<StreamMeta>, StateError> {
    let m = existing(eng, ctx, name)?;
    match m.status_at(eng.now()) {
        Status::Active | Status::Updating => Ok(m),
        _ => Err(not_found(ctx, name)),
    }
}

/// A stream that is ACTIVE, for operations that change it.
pub fn active(eng: &mut Engine, ctx: &Ctx, name: &str) -> Result<Arc<StreamMeta>, StateError> {
    let m = existing(eng, ctx, name)?;
    match m.status_at(eng.now()) {
        Status::Active => Ok(m),
        s => Err(StateError::InUse(format!(
            "Stream {name} under account {} not ACTIVE, instead in state {}",
            ctx.account,
            s.as_str()
        ))),
    }
}

/// Epoch milliseconds as the epoch seconds AWS JSON uses.
pub fn epoch_secs(ms: i64) -> f64 {
    ms as f64 / 1000.0
}

#[cfg(test)]
pub(crate) mod testing {
    use super::*;
    use crate::clock::ManualClock;

    /// An engine on a manual clock standing at 2026-01-01.
    pub fn engine() -> (Engine, ManualClock) {
        let clock = ManualClock::new(1_767_225_600_000);
        (Engine::memory(Arc::new(clock.clone())), clock)
    }

    /// The default test namespace.
    pub fn ctx() -> Ctx {
        Ctx::new("000000000000", "us-east-1")
    }

    /// A stream reference by name.
    pub fn by_name(name: &str) -> StreamRef {
        StreamRef { stream_name: Some(name.into()), stream_arn: None }
    }
}

#[cfg(test)]
mod arn_tests {
    use super::*;

    #[test]
    fn arn_parsing() {
        let (c, n) = parse_arn("arn:aws:kinesis:eu-west-1:123456789012:stream/s1").unwrap();
        assert_eq!((c.region.as_str(), c.account.as_str(), n.as_str()), ("eu-west-1", "123456789012", "s1"));
        assert!(parse_arn("arn:aws:sqs:eu-west-1:123456789012:q").is_none());
        let c = Ctx::new("000000000000", "us-east-1");
        let r = StreamRef {
            stream_name: Some("a".into()),
            stream_arn: Some("arn:aws:kinesis:us-east-1:000000000000:stream/b".into()),
        };
        assert!(matches!(resolve(&c, &r), Err(StateError::InvalidArgument(_))));
        assert!(matches!(resolve(&c, &StreamRef::default()), Err(StateError::InvalidArgument(_))));
    }
}

#[cfg(test)]
mod tests;
