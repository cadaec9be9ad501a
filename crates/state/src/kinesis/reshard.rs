//! Resharding: SplitShard, MergeShards and UpdateShardCount (uniform scaling, done as AWS
//! does it: splits at the new boundaries, then merges, so every shard has at most two parents).

use super::cache::{ShardMeta, StreamMeta};
use super::{active, resolve, seqnum};
use crate::db::Engine;
use crate::error::StateError;
use crate::Ctx;
use kinesin_protocol::kinesis::*;
use rusqlite::params;
use std::sync::Arc;

/// The index a ShardId names; an id AWS cannot read is "not found" before the stream is
/// looked at, so it is reported even when the stream does not exist either.
fn shard_index(ctx: &Ctx, name: &str, id: &str) -> Result<i64, StateError> {
    seqnum::parse_shard_id(id).ok_or_else(|| {
        StateError::NotFound(format!("Could not find shard {id} in stream {name} under account {}.", ctx.account))
    })
}

fn find_open(m: &StreamMeta, ctx: &Ctx, idx: i64) -> Result<ShardMeta, StateError> {
    let s = m.shard(idx).cloned().ok_or_else(|| {
        StateError::NotFound(format!(
            "Could not find shard {} in stream {} under account {}.",
            seqnum::shard_id(idx),
            m.name,
            ctx.account
        ))
    })?;
    if !s.is_open() {
        return Err(StateError::InUse(format!(
            "Shard {} in stream {} under account {} has already been merged or split, and thus is not eligible for merging or splitting.",
            seqnum::shard_id(s.idx),
            m.name,
            ctx.account
        )));
    }
    Ok(s)
}

/// Works on one stream's shards inside a job: closes parents, opens children.
struct Resharder<'a> {
    eng: &'a mut Engine,
    stream: i64,
    next_index: i64,
    now: i64,
}

impl Resharder<'_> {
    /// Closes `s`: its last sequence number is the last counter handed out so far.
    fn close(&mut self, s: &ShardMeta) -> Result<(), StateError> {
        if self.eng.kinesis.next_seq <= s.start_seq {
            self.eng.kinesis.next_seq = s.start_seq + 1;
        }
        let end = self.eng.kinesis.next_seq - 1;
        self.eng
            .conn
            .prepare_cached("UPDATE shards SET end_seq=?2, closed_ms=?3 WHERE id=?1")?
            .execute(params![s.id, end as i64, self.now])?;
        Ok(())
    }

    fn open(&mut self, range: (u128, u128), parent: i64, adj: Option<i64>) -> Result<ShardMeta, StateError> {
        let idx = self.next_index;
        self.next_index += 1;
        let start_seq = self.eng.kinesis.next_seq;
        self.eng
            .conn
            .prepare_cached(
                "INSERT INTO shards(stream, idx, start_hash, end_hash, parent, adj_parent, start_seq, created_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                self.stream,
                idx,
                range.0.to_string(),
                range.1.to_string(),
                parent,
                adj,
                start_seq as i64,
                self.now
            ])?;
        Ok(ShardMeta {
            id: self.eng.conn.last_insert_rowid(),
            idx,
            start_hash: range.0,
            end_hash: range.1,
            parent: Some(parent),
            adj_parent: adj,
            start_seq,
            end_seq: None,
            created_ms: self.now,
            closed_ms: None,
        })
    }

    fn split(&mut self, s: &ShardMeta, at: u128) -> Result<(ShardMeta, ShardMeta), StateError> {
        self.close(s)?;
        let left = self.open((s.start_hash, at - 1), s.idx, None)?;
        let right = self.open((at, s.end_hash), s.idx, None)?;
        Ok((left, right))
    }

    fn merge(&mut self, a: &ShardMeta, b: &ShardMeta) -> Result<ShardMeta, StateError> {
        self.close(a)?;
        self.close(b)?;
        let range = (a.start_hash.min(b.start_hash), a.end_hash.max(b.end_hash));
        self.open(range, a.idx, Some(b.idx))
    }

    /// Saves the stream's next index and status, and drops it from the cache.
    fn finish(self) -> Result<(), StateError> {
        let delay = self.eng.settings.kinesis.update_delay_ms;
        let status = if delay > 0 { "UPDATING" } else { "ACTIVE" };
        self.eng
            .conn
            .prepare_cached("UPDATE streams SET next_index=?2, status=?3, status_until=?4 WHERE id=?1")?
            .execute(params![self.stream, self.next_index, status, self.now + delay])?;
        self.eng.kinesis.save_next_seq(&self.eng.conn)?;
        self.eng.kinesis.streams.forget(self.stream);
        Ok(())
    }
}

fn resharder<'a>(eng: &'a mut Engine, m: &Arc<StreamMeta>) -> Resharder<'a> {
    let now = eng.now();
    Resharder { eng, stream: m.id, next_index: m.next_index, now }
}

/// SplitShard.
pub fn split(eng: &mut Engine, ctx: &Ctx, input: SplitShardInput) -> Result<(), StateError> {
    let (ctx, name) = resolve(ctx, &input.stream)?;
    let idx = shard_index(&ctx, &name, &input.shard_to_split)?;
    let m = active(eng, &ctx, &name)?;
    let s = find_open(&m, &ctx, idx)?;
    let key = &input.new_starting_hash_key;
    let at = super::hashing::parse_hash_key(key).filter(|k| *k > s.start_hash && *k <= s.end_hash).ok_or_else(|| {
        StateError::InvalidArgument(format!(
            "NewStartingHashKey {key} used in SplitShard() on shard {} in stream {name} under account {} is not both greater than one plus the shard's StartingHashKey {} and less than the shard's EndingHashKey {}.",
            seqnum::shard_id(s.idx),
            ctx.account,
            s.start_hash,
            s.end_hash
        ))
    })?;
    super::streams::check_shard_limit(eng, &ctx, 1)?;
    let mut r = resharder(eng, &m);
    r.split(&s, at)?;
    r.finish()
}

/// MergeShards.
pub fn merge(eng: &mut Engine, ctx: &Ctx, input: MergeShardsInput) -> Result<(), StateError> {
    let (ctx, name) = resolve(ctx, &input.stream)?;
    let ia = shard_index(&ctx, &name, &input.shard_to_merge)?;
    let ib = shard_index(&ctx, &name, &input.adjacent_shard_to_merge)?;
    let m = active(eng, &ctx, &name)?;
    let a = find_open(&m, &ctx, ia)?;
    let b = find_open(&m, &ctx, ib)?;
    let adjacent = a.end_hash.checked_add(1) == Some(b.start_hash) || b.end_hash.checked_add(1) == Some(a.start_hash);
    if !adjacent || a.idx == b.idx {
        return Err(StateError::InvalidArgument(format!(
            "Shards {} and {} in stream {name} under account {} are not an adjacent pair of shards eligible for merging",
            seqnum::shard_id(a.idx),
            seqnum::shard_id(b.idx),
            ctx.account
        )));
    }
    let mut r = resharder(eng, &m);
    r.merge(&a, &b)?;
    r.finish()
}

/// UpdateShardCount with UNIFORM_SCALING.
pub fn update_shard_count(
    eng: &mut Engine,
    ctx: &Ctx,
    input: UpdateShardCountInput,
) -> Result<UpdateShardCountOutput, StateError> {
    let (ctx, name) = resolve(ctx, &input.stream)?;
    let m = active(eng, &ctx, &name)?;
    if m.mode == "ON_DEMAND" {
        // AWS's wording (its answer to UpdateShardCount on an on-demand stream).
        return Err(StateError::Validation(format!(
            "Request is invalid. Stream {name} under account {} is in On-Demand mode.",
            ctx.account
        )));
    }
    let mut open: Vec<ShardMeta> = m.open_shards().cloned().collect();
    open.sort_by_key(|s| s.start_hash);
    let current = open.len() as u32;
    let target = input.target_shard_count;
    let (min, max) = (current.div_ceil(2), current * 2);
    if target < min || target > max {
        return Err(StateError::InvalidArgument(format!(
            "UpdateShardCount failed for stream {name} under account {}: TargetShardCount {target} must be between {min} (half the current open shard count) and {max} (double the current open shard count).",
            ctx.account
        )));
    }
    if target > current {
        super::streams::check_shard_limit(eng, &ctx, target - current)?;
    }
    let now = eng.now();
    if target != current && eng.settings.kinesis.aws_limits && !eng.kinesis.throttle.scale(m.id, now) {
        // kinesin's wording: AWS answers LimitExceededException; its exact text was not found.
        return Err(StateError::LimitExceeded(format!(
            "UpdateShardCount failed for stream {name} under account {}: a stream can be scaled at most {} times in a rolling 24-hour period.",
            ctx.account,
            super::throttle::SCALINGS_PER_DAY
        )));
    }
    if target != current {
        let ranges = super::hashing::even_ranges(target);
        let mut r = resharder(eng, &m);
        // 1. Split every open shard at each new boundary strictly inside it.
        let mut pieces = Vec::new();
        for s in open {
            let mut cur = s;
            for &(b, _) in ranges.iter().skip(1) {
                if b > cur.start_hash && b <= cur.end_hash {
                    let (left, right) = r.split(&cur, b)?;
                    pieces.push(left);
                    cur = right;
                }
            }
            pieces.push(cur);
        }
        // 2. Merge the pieces of each new range, left to right.
        for &(start, end) in &ranges {
            let mut inside = pieces.iter().filter(|p| p.start_hash >= start && p.end_hash <= end).cloned();
            let Some(mut acc) = inside.next() else { continue };
            for p in inside {
                acc = r.merge(&acc, &p)?;
            }
        }
        r.finish()?;
    }
    Ok(UpdateShardCountOutput {
        stream_name: name.clone(),
        current_shard_count: current,
        target_shard_count: target,
        stream_arn: m.arn(),
    })
}

#[cfg(test)]
mod tests {
    use super::super::testing::{by_name, ctx, engine};
    use super::*;

    fn setup(n: u32) -> Engine {
        let (mut eng, _) = engine();
        super::super::streams::create(
            &mut eng,
            &ctx(),
            CreateStreamInput {
                stream_name: "s".into(),
                shard_count: Some(n),
                stream_mode_details: None,
                tags: None,
                max_record_size_in_kib: None,
                warm_throughput_mibps: None,
            },
        )
        .unwrap();
        eng
    }

    fn open_ranges(eng: &mut Engine) -> Vec<(u128, u128)> {
        let m = super::super::existing(eng, &ctx(), "s").unwrap();
        let mut v: Vec<_> = m.open_shards().map(|s| (s.start_hash, s.end_hash)).collect();
        v.sort();
        v
    }

    #[test]
    fn uniform_scaling_gives_even_ranges_and_two_parents_at_most() {
        for (from, to) in [(1, 2), (2, 4), (4, 2), (5, 3), (3, 5), (3, 2), (7, 13), (8, 4)] {
            let mut eng = setup(from);
            let out = update_shard_count(
                &mut eng,
                &ctx(),
                UpdateShardCountInput {
                    stream: by_name("s"),
                    target_shard_count: to,
                    scaling_type: "UNIFORM_SCALING".into(),
                },
            )
            .unwrap();
            assert_eq!((out.current_shard_count, out.target_shard_count), (from, to));
            assert_eq!(open_ranges(&mut eng), super::super::hashing::even_ranges(to), "{from}->{to}");
            let m = super::super::existing(&mut eng, &ctx(), "s").unwrap();
            for s in &m.shards {
                if let Some(e) = s.end_seq {
                    assert!(e >= s.start_seq);
                    for c in m.shards.iter().filter(|c| c.parent == Some(s.idx) || c.adj_parent == Some(s.idx)) {
                        assert!(c.start_seq > e, "children start after the parent ends");
                    }
                }
            }
        }
    }

    #[test]
    fn split_and_merge_rules() {
        let mut eng = setup(2);
        let split_in = |shard: &str, key: &str| SplitShardInput {
            stream: by_name("s"),
            shard_to_split: shard.into(),
            new_starting_hash_key: key.into(),
        };
        let err = split(&mut eng, &ctx(), split_in("shardId-000000000000", "0")).unwrap_err();
        assert!(matches!(err, StateError::InvalidArgument(_)));
        split(&mut eng, &ctx(), split_in("shardId-000000000000", "1000")).unwrap();
        let err = split(&mut eng, &ctx(), split_in("shardId-000000000000", "10")).unwrap_err();
        assert!(matches!(&err, StateError::InUse(m) if m.contains("has already been merged or split")), "{err}");
        let err = split(&mut eng, &ctx(), split_in("shardId-000000000099", "10")).unwrap_err();
        assert!(matches!(err, StateError::NotFound(_)));
        let merge_in = |a: &str, b: &str| MergeShardsInput {
            stream: by_name("s"),
            shard_to_merge: a.into(),
            adjacent_shard_to_merge: b.into(),
        };
        let err = merge(&mut eng, &ctx(), merge_in("shardId-000000000002", "shardId-000000000001")).unwrap_err();
        assert!(matches!(err, StateError::InvalidArgument(_)), "2 and 1 are not adjacent");
        merge(&mut eng, &ctx(), merge_in("shardId-000000000003", "shardId-000000000001")).unwrap();
        let m = super::super::existing(&mut eng, &ctx(), "s").unwrap();
        let child = m.shard(4).unwrap();
        assert_eq!((child.parent, child.adj_parent), (Some(3), Some(1)));
        assert_eq!(open_ranges(&mut eng).len(), 2);
    }
}
