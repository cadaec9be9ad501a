//! Shards as listed by DescribeStream and ListShards, with ListShards' filters and paging.

use super::cache::{ShardMeta, StreamMeta};
use super::{existing, resolve, seqnum, token};
use crate::db::Engine;
use crate::error::StateError;
use crate::Ctx;
use kinesin_protocol::kinesis::*;

/// How long a ListShards/ListStreams NextToken stays valid.
pub const NEXT_TOKEN_TTL_MS: i64 = 300_000;

/// The wire form of a shard.
pub fn to_wire(m: &StreamMeta, s: &ShardMeta) -> Shard {
    Shard {
        shard_id: seqnum::shard_id(s.idx),
        parent_shard_id: s.parent.map(seqnum::shard_id),
        adjacent_parent_shard_id: s.adj_parent.map(seqnum::shard_id),
        hash_key_range: HashKeyRange {
            starting_hash_key: s.start_hash.to_string(),
            ending_hash_key: s.end_hash.to_string(),
        },
        sequence_number_range: SequenceNumberRange {
            starting_sequence_number: seqnum::format(m.created_ms, s.idx, s.start_seq),
            ending_sequence_number: s.end_seq.map(|e| seqnum::format(m.created_ms, s.idx, e)),
        },
    }
}

/// ListShards' filter, decoded.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Filter {
    All,
    AfterShard(i64),
    AtTrimHorizon,
    FromTrimHorizon,
    AtLatest,
    AtTimestamp(i64),
    FromTimestamp(i64),
}

impl Filter {
    fn code(self) -> (i64, i64) {
        match self {
            Filter::All => (0, 0),
            Filter::AfterShard(i) => (1, i),
            Filter::AtTrimHorizon => (2, 0),
            Filter::FromTrimHorizon => (3, 0),
            Filter::AtLatest => (4, 0),
            Filter::AtTimestamp(t) => (5, t),
            Filter::FromTimestamp(t) => (6, t),
        }
    }

    fn from_code(c: i64, v: i64) -> Option<Self> {
        Some(match c {
            0 => Filter::All,
            1 => Filter::AfterShard(v),
            2 => Filter::AtTrimHorizon,
            3 => Filter::FromTrimHorizon,
            4 => Filter::AtLatest,
            5 => Filter::AtTimestamp(v),
            6 => Filter::FromTimestamp(v),
            _ => return None,
        })
    }

    fn parse(f: &ShardFilter) -> Result<Self, StateError> {
        let ts = || {
            f.timestamp.map(|t| (t * 1000.0) as i64).ok_or_else(|| {
                StateError::InvalidArgument(format!("Timestamp must be provided for ShardFilter type {}.", f.kind))
            })
        };
        Ok(match f.kind.as_str() {
            "AFTER_SHARD_ID" => {
                let id = f.shard_id.as_deref().ok_or_else(|| {
                    StateError::InvalidArgument("ShardId must be provided for ShardFilter type AFTER_SHARD_ID.".into())
                })?;
                Filter::AfterShard(seqnum::parse_shard_id(id).unwrap_or(-1))
            }
            "AT_TRIM_HORIZON" => Filter::AtTrimHorizon,
            "FROM_TRIM_HORIZON" => Filter::FromTrimHorizon,
            "AT_LATEST" => Filter::AtLatest,
            "AT_TIMESTAMP" => Filter::AtTimestamp(ts()?),
            "FROM_TIMESTAMP" => Filter::FromTimestamp(ts()?),
            other => return Err(StateError::InvalidArgument(format!("Unknown ShardFilter type {other}."))),
        })
    }

    /// Whether shard `s` passes the filter at time `now`.
    fn keeps(self, m: &StreamMeta, s: &ShardMeta, now: i64) -> bool {
        let open_at = |t: i64| s.created_ms <= t && s.closed_ms.is_none_or(|c| c > t);
        let horizon = now - m.retention_ms();
        match self {
            Filter::All | Filter::FromTrimHorizon => true,
            Filter::AfterShard(i) => s.idx > i,
            // Shards open at the trim horizon; shards created since then by resharding come later.
            Filter::AtTrimHorizon => {
                open_at(horizon) || (s.parent.is_none() && s.closed_ms.is_none_or(|c| c > horizon))
            }
            Filter::AtLatest => s.is_open(),
            Filter::AtTimestamp(t) => {
                open_at(t) || (s.parent.is_none() && s.created_ms > t && s.closed_ms.is_none_or(|c| c > t))
            }
            Filter::FromTimestamp(t) => s.closed_ms.is_none_or(|c| c >= t),
        }
    }
}

/// ListShards.
pub fn list(eng: &mut Engine, ctx: &Ctx, input: ListShardsInput) -> Result<ListShardsOutput, StateError> {
    let now = eng.now();
    let max = input.max_results.unwrap_or(1000).clamp(1, 1000) as usize;
    let (stream_id, filter, after) = match &input.next_token {
        Some(t) => {
            for (given, name) in [
                (input.stream.stream_name.is_some(), "StreamName"),
                (input.stream.stream_arn.is_some(), "StreamARN"),
                (input.exclusive_start_shard_id.is_some(), "ExclusiveStartShardId"),
                (input.shard_filter.is_some(), "ShardFilter"),
                (input.stream_creation_timestamp.is_some(), "StreamCreationTimestamp"),
            ] {
                if given {
                    return Err(StateError::InvalidArgument(format!(
                        "NextToken and {name} cannot be provided together."
                    )));
                }
            }
            open_token(eng, t, now)?
        }
        None => {
            if input.stream.stream_name.is_none() && input.stream.stream_arn.is_none() {
                return Err(StateError::InvalidArgument("Either NextToken or StreamName should be provided.".into()));
            }
            let (sctx, name) = resolve(ctx, &input.stream)?;
            let m = existing(eng, &sctx, &name)?;
            let filter = match &input.shard_filter {
                Some(f) => Filter::parse(f)?,
                None => Filter::All,
            };
            let after = input
                .exclusive_start_shard_id
                .as_deref()
                .map(|id| seqnum::parse_shard_id(id).unwrap_or(-1))
                .unwrap_or(-1);
            (m.id, filter, after)
        }
    };
    let m = super::cache::find_by_id(eng, stream_id)?
        .filter(|m| m.status_at(now) != super::cache::Status::Gone)
        .ok_or_else(|| StateError::NotFound("The stream of this NextToken no longer exists.".into()))?;
    let mut out = Vec::new();
    let mut last = None;
    let mut more = false;
    for s in m.shards.iter().filter(|s| s.idx > after && !m.shard_expired(s, now) && filter.keeps(&m, s, now)) {
        if out.len() == max {
            more = true;
            break;
        }
        out.push(to_wire(&m, s));
        last = Some(s.idx);
    }
    let next_token = match (more, last) {
        (true, Some(last)) => {
            let (c, v) = filter.code();
            let payload = token::Fields::default().i64(m.id).i64(last).i64(now).i64(c).i64(v).0;
            Some(token::seal(&eng.secret, token::LIST_SHARDS, &payload))
        }
        _ => None,
    };
    Ok(ListShardsOutput { shards: out, next_token })
}

fn open_token(eng: &Engine, t: &str, now: i64) -> Result<(i64, Filter, i64), StateError> {
    let bad = || StateError::InvalidArgument(format!("Invalid NextToken: {t}"));
    let p = token::open(&eng.secret, token::LIST_SHARDS, t).ok_or_else(bad)?;
    let mut r = token::Reader(&p);
    let (id, last, issued, c, v) = (
        r.i64().ok_or_else(bad)?,
        r.i64().ok_or_else(bad)?,
        r.i64().ok_or_else(bad)?,
        r.i64().ok_or_else(bad)?,
        r.i64().ok_or_else(bad)?,
    );
    if now - issued > NEXT_TOKEN_TTL_MS {
        return Err(StateError::ExpiredNextToken(format!("The NextToken {t} has expired.")));
    }
    Ok((id, Filter::from_code(c, v).ok_or_else(bad)?, last))
}
