//! SubscribeToShard: where a subscription starts and what each event carries. The server
//! drives the push loop; this module only answers "what is next from here".

use super::cache::{ShardMeta, Status, StreamMeta};
use super::consumers::{self, ConsumerRow};
use super::records::{self, Start};
use super::seqnum;
use crate::db::Engine;
use crate::error::StateError;
use crate::Ctx;
use kinesin_protocol::kinesis::{ConsumerRef, SubscribeToShardEvent, SubscribeToShardInput};
use std::sync::Arc;

/// How long a subscription lasts.
pub const SUBSCRIPTION_MS: i64 = 300_000;
/// Most records pushed in one event.
pub const MAX_EVENT_RECORDS: u32 = 10_000;

/// An accepted subscription and its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// The consumer's ARN (with the shard, the key of "one subscription at a time").
    pub consumer_arn: String,
    /// Stream row id.
    pub stream: i64,
    /// Shard row id.
    pub shard: i64,
    /// `shardId-...`.
    pub shard_id: String,
    /// Next counter to push.
    pub next: u64,
}

/// Checks a SubscribeToShard request and finds its starting position.
pub fn start(eng: &mut Engine, ctx: &Ctx, input: SubscribeToShardInput) -> Result<Subscription, StateError> {
    let r = ConsumerRef { stream_arn: None, consumer_name: None, consumer_arn: Some(input.consumer_arn.clone()) };
    let (m, c): (Arc<StreamMeta>, ConsumerRow) = consumers::find(eng, ctx, &r)?;
    let now = eng.now();
    consumers::require_active(&m, &c, now)?;
    if !matches!(m.status_at(now), Status::Active | Status::Updating) {
        return Err(super::not_found(ctx, &m.name));
    }
    let missing = || {
        StateError::NotFound(format!(
            "Shard {} in stream {} under account {} does not exist",
            input.shard_id, m.name, m.account
        ))
    };
    let idx = seqnum::parse_shard_id(&input.shard_id).ok_or_else(missing)?;
    let shard: ShardMeta = m.shard(idx).filter(|s| !m.shard_expired(s, now)).cloned().ok_or_else(missing)?;
    let p = &input.starting_position;
    let start = Start { kind: &p.kind, sequence_number: p.sequence_number.clone(), timestamp: p.timestamp };
    let sctx = Ctx::new(&m.account, &m.region);
    let next = records::start_position(eng, &sctx, &m, &shard, &start)?;
    Ok(Subscription { consumer_arn: c.arn(&m), stream: m.id, shard: shard.id, shard_id: seqnum::shard_id(idx), next })
}

/// The next event of a subscription from its position, and whether the shard has ended.
pub fn next_event(eng: &mut Engine, sub: &Subscription) -> Result<(SubscribeToShardEvent, u64, bool), StateError> {
    let now = eng.now();
    let gone = || StateError::NotFound(format!("The stream of shard {} no longer exists.", sub.shard_id));
    let m = super::cache::find_by_id(eng, sub.stream)?.ok_or_else(gone)?;
    if !matches!(m.status_at(now), Status::Active | Status::Updating) {
        return Err(gone());
    }
    let shard = m.shards.iter().find(|s| s.id == sub.shard).cloned().ok_or_else(gone)?;
    let read = records::read(eng, &m, &shard, sub.next, MAX_EVENT_RECORDS)?;
    m.count_out(read.records.len());
    let continuation = seqnum::format(m.created_ms, shard.idx, continuation(eng, &read)?);
    let ended = read.child_shards.is_some();
    let event = SubscribeToShardEvent {
        records: read.records,
        continuation_sequence_number: (!ended).then_some(continuation),
        millis_behind_latest: read.millis_behind_latest,
        child_shards: read.child_shards,
    };
    Ok((event, read.next, ended))
}

/// The counter of an event's `ContinuationSequenceNumber`: a position, not a record. As on
/// AWS it differs from the records' sequence numbers and resumes exactly after them, with
/// AT_SEQUENCE_NUMBER as with AFTER_SEQUENCE_NUMBER. Once the read has caught up, every counter
/// handed out so far is behind it, so the position is the last counter handed out; when that
/// is the last record read (or, before any, the read's start), the next counter is taken (and never given to a record).
/// A read that stopped short (more records wait) continues after its last record.
fn continuation(eng: &mut Engine, read: &records::Read) -> Result<u64, StateError> {
    let last_read = read.next.saturating_sub(1);
    if !read.caught_up {
        return Ok(last_read);
    }
    let handed_out = eng.kinesis.next_seq.saturating_sub(1).max(last_read);
    if handed_out > last_read {
        return Ok(handed_out);
    }
    eng.kinesis.next_seq = handed_out + 2;
    eng.kinesis.save_next_seq(&eng.conn)?;
    Ok(handed_out + 1)
}
