//! Stream lifecycle: create, delete, describe, list, retention.

use super::cache::{self, StreamMeta};
use super::maintenance::{self, purge};
use super::{active, epoch_secs, existing, hashing, resolve, seqnum, shards, token};
use crate::db::Engine;
use crate::error::StateError;
use crate::Ctx;
use kinesin_protocol::kinesis::*;
use rusqlite::params;

/// Shards of a new on-demand stream.
pub const ON_DEMAND_SHARDS: u32 = 4;
/// Default retention (hours).
pub const DEFAULT_RETENTION_H: u32 = 24;
/// Longest retention (hours).
pub const MAX_RETENTION_H: u32 = 8760;
/// Streams an account may have CREATING at once when AWS's limits are enforced.
pub const MAX_CREATING: i64 = 5;
/// Default maximum record size (KiB).
pub const DEFAULT_MAX_RECORD_KIB: u32 = 1024;

/// CreateStream.
pub fn create(eng: &mut Engine, ctx: &Ctx, input: CreateStreamInput) -> Result<(), StateError> {
    let now = eng.now();
    let name = input.stream_name;
    let (mode, count) = mode_and_shards(input.stream_mode_details, input.shard_count)?;
    if let Some(tags) = &input.tags {
        let texts = tags.iter().flat_map(|(k, v)| [k.as_str(), v.as_str()]);
        super::tags::check_tag_chars(texts, super::tags::TagAction::Add, &name, &ctx.account)?;
    }
    if let Some(existing) = cache::find(eng, ctx, &name)? {
        if existing.status_at(now) != cache::Status::Gone {
            return Err(StateError::InUse(format!("Stream {name} under account {} already exists.", ctx.account)));
        }
        purge(eng, existing.id)?;
    }
    if mode == "ON_DEMAND" {
        super::settings::check_on_demand_limit(eng, ctx)?;
    }
    check_shard_limit(eng, ctx, count)?;
    if eng.settings.kinesis.aws_limits {
        check_creating_limit(eng, ctx, now)?;
    }
    let delay = eng.settings.kinesis.create_delay_ms;
    let status = if delay > 0 { "CREATING" } else { "ACTIVE" };
    let max_kib = input.max_record_size_in_kib.unwrap_or(DEFAULT_MAX_RECORD_KIB);
    eng.conn
        .prepare_cached(
            "INSERT INTO streams(account, region, name, status, status_until, mode, retention_h, created_ms,
                             max_record_kib, warm_mibps, next_index)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )?
        .execute(params![
            ctx.account,
            ctx.region,
            name,
            status,
            now + delay,
            mode,
            DEFAULT_RETENTION_H,
            now,
            max_kib,
            input.warm_throughput_mibps,
            count
        ])?;
    let id = eng.conn.last_insert_rowid();
    let start_seq = eng.kinesis.next_seq as i64;
    for (idx, (s, e)) in hashing::even_ranges(count).into_iter().enumerate() {
        eng.conn
            .prepare_cached(
                "INSERT INTO shards(stream, idx, start_hash, end_hash, start_seq, created_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![id, idx as i64, s.to_string(), e.to_string(), start_seq, now])?;
    }
    for (k, v) in input.tags.unwrap_or_default() {
        eng.conn
            .prepare_cached("INSERT OR REPLACE INTO stream_tags(stream, key, value) VALUES (?1, ?2, ?3)")?
            .execute(params![id, k, v])?;
    }
    Ok(())
}

/// A new stream's mode and shard count. Without a mode, a shard count means PROVISIONED and
/// no shard count ON_DEMAND (AWS creates an on-demand stream of 4 shards then).
fn mode_and_shards(details: Option<StreamModeDetails>, shard_count: Option<u32>) -> Result<(String, u32), StateError> {
    let mode = match (details, shard_count) {
        (Some(d), _) => d.stream_mode,
        (None, Some(_)) => "PROVISIONED".into(),
        (None, None) => "ON_DEMAND".into(),
    };
    let count = match (mode.as_str(), shard_count) {
        ("ON_DEMAND", None) => ON_DEMAND_SHARDS,
        ("ON_DEMAND", Some(_)) => {
            return Err(StateError::InvalidArgument("ShardCount is not expected when StreamMode=ON_DEMAND".into()))
        }
        (_, Some(n)) => n,
        (_, None) => {
            return Err(StateError::InvalidArgument("ShardCount is required when StreamMode=PROVISIONED".into()))
        }
    };
    Ok((mode, count))
}

/// With AWS's limits, at most [`MAX_CREATING`] streams of an account and region are
/// CREATING at once.
fn check_creating_limit(eng: &Engine, ctx: &Ctx, now: i64) -> Result<(), StateError> {
    let creating: i64 = eng
        .conn
        .prepare_cached(
            "SELECT COUNT(*) FROM streams WHERE account=?1 AND region=?2 AND status='CREATING' AND status_until > ?3",
        )?
        .query_row(params![ctx.account, ctx.region, now], |r| r.get(0))?;
    if creating >= MAX_CREATING {
        // kinesin's wording: AWS answers LimitExceededException; its exact text was not found.
        return Err(StateError::LimitExceeded(format!(
            "Account {} already has {creating} streams in CREATING state in {}; at most {MAX_CREATING} streams can be created at once.",
            ctx.account, ctx.region
        )));
    }
    Ok(())
}

/// Fails with AWS's LimitExceededException when `extra` more open shards would exceed the
/// account's shard limit in the namespace (CreateStream, SplitShard, UpdateShardCount).
pub fn check_shard_limit(eng: &Engine, ctx: &Ctx, extra: u32) -> Result<(), StateError> {
    let open = open_shard_count(eng, ctx)?;
    let limit = eng.settings.kinesis.shard_limit;
    if open + extra > limit {
        return Err(StateError::LimitExceeded(format!(
            "This request would exceed the shard limit for the account {} in {}. Current shard count for the account: {open}. Limit: {limit}. Number of additional shards that would have resulted from this request: {extra}. Refer to the AWS Service Limits page (http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) for current limits and how to request higher limits.",
            ctx.account, ctx.region
        )));
    }
    Ok(())
}

/// Open shards of every stream in the namespace.
fn open_shard_count(eng: &Engine, ctx: &Ctx) -> Result<u32, StateError> {
    let n: i64 = eng
        .conn
        .prepare_cached(
            "SELECT COUNT(*) FROM shards JOIN streams ON streams.id = shards.stream
             WHERE streams.account = ?1 AND streams.region = ?2 AND shards.end_seq IS NULL",
        )?
        .query_row(params![ctx.account, ctx.region], |r| r.get(0))?;
    Ok(n as u32)
}

/// DeleteStream.
pub fn delete(eng: &mut Engine, ctx: &Ctx, input: DeleteStreamInput) -> Result<(), StateError> {
    let (ctx, name) = resolve(ctx, &input.stream)?;
    let m = existing(eng, &ctx, &name)?;
    if m.status == "DELETING" {
        return Ok(());
    }
    super::consumers::before_stream_delete(eng, &m, input.enforce_consumer_deletion.unwrap_or(false))?;
    let delay = eng.settings.kinesis.delete_delay_ms;
    if delay <= 0 {
        return purge(eng, m.id);
    }
    if m.status_at(eng.now()) == cache::Status::Creating {
        // Deleted before it became ACTIVE: its shards never came to be, and a DescribeStream
        // while it is DELETING lists none (as AWS does). Nothing can refer to them yet.
        eng.conn.prepare_cached("DELETE FROM shards WHERE stream=?1")?.execute([m.id])?;
    }
    let until = eng.now() + delay;
    eng.conn
        .prepare_cached("UPDATE streams SET status='DELETING', status_until=?2 WHERE id=?1")?
        .execute(params![m.id, until])?;
    eng.kinesis.streams.forget(m.id);
    Ok(())
}

fn mode_details(m: &StreamMeta) -> StreamModeDetails {
    StreamModeDetails { stream_mode: m.mode.clone() }
}

fn monitoring(m: &StreamMeta) -> Vec<EnhancedMetrics> {
    vec![EnhancedMetrics { shard_level_metrics: m.metrics.clone() }]
}

/// DescribeStream.
pub fn describe(eng: &mut Engine, ctx: &Ctx, input: DescribeStreamInput) -> Result<DescribeStreamOutput, StateError> {
    let (ctx, name) = resolve(ctx, &input.stream)?;
    let m = existing(eng, &ctx, &name)?;
    let now = eng.now();
    let status = m.status_at(now);
    let limit = input.limit.unwrap_or(100).min(100) as usize;
    let after = match &input.exclusive_start_shard_id {
        Some(id) => seqnum::parse_shard_id(id).unwrap_or(i64::MAX),
        None => -1,
    };
    let mut listed: Vec<Shard> = Vec::new();
    let mut more = false;
    if status != cache::Status::Creating {
        for s in m.shards.iter().filter(|s| s.idx > after && !m.shard_expired(s, now)) {
            if listed.len() == limit {
                more = true;
                break;
            }
            listed.push(shards::to_wire(&m, s));
        }
    }
    Ok(DescribeStreamOutput {
        stream_description: StreamDescription {
            stream_name: m.name.clone(),
            stream_arn: m.arn(),
            stream_status: status.as_str().into(),
            stream_mode_details: mode_details(&m),
            shards: listed,
            has_more_shards: more,
            retention_period_hours: m.retention_h,
            stream_creation_timestamp: epoch_secs(m.created_ms),
            enhanced_monitoring: monitoring(&m),
            encryption_type: m.encryption.clone(),
            key_id: m.key_id.clone(),
        },
    })
}

/// DescribeStreamSummary.
pub fn describe_summary(
    eng: &mut Engine,
    ctx: &Ctx,
    input: StreamRef,
) -> Result<DescribeStreamSummaryOutput, StateError> {
    let (ctx, name) = resolve(ctx, &input)?;
    let m = existing(eng, &ctx, &name)?;
    let now = eng.now();
    Ok(DescribeStreamSummaryOutput {
        stream_description_summary: StreamDescriptionSummary {
            stream_name: m.name.clone(),
            stream_arn: m.arn(),
            stream_status: m.status_at(now).as_str().into(),
            stream_mode_details: mode_details(&m),
            retention_period_hours: m.retention_h,
            stream_creation_timestamp: epoch_secs(m.created_ms),
            enhanced_monitoring: monitoring(&m),
            encryption_type: m.encryption.clone(),
            key_id: m.key_id.clone(),
            open_shard_count: m.open_shards().count() as u32,
            consumer_count: super::consumers::count(eng, m.id)?,
            max_record_size_in_kib: m.max_record_kib,
            warm_throughput: (m.mode == "ON_DEMAND").then(|| {
                let w = m.warm_mibps.unwrap_or(0);
                WarmThroughput { target_mibps: w, current_mibps: w }
            }),
        },
    })
}

/// ListStreams: names in order, after `ExclusiveStartStreamName` or the paging token.
pub fn list(eng: &mut Engine, ctx: &Ctx, input: ListStreamsInput) -> Result<ListStreamsOutput, StateError> {
    let now = eng.now();
    let after = match (&input.next_token, &input.exclusive_start_stream_name) {
        (Some(t), _) => open_list_token(eng, t, now)?,
        (None, Some(n)) => n.clone(),
        (None, None) => String::new(),
    };
    let limit = input.limit.unwrap_or(100).clamp(1, 100) as usize;
    let mut st = eng.conn.prepare_cached(
        "SELECT name FROM streams WHERE account=?1 AND region=?2 AND name > ?3
         AND NOT (status='DELETING' AND status_until <= ?4) ORDER BY name LIMIT ?5",
    )?;
    let mut names: Vec<String> = st
        .query_map(params![ctx.account, ctx.region, after, now, limit as i64 + 1], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    drop(st);
    let more = names.len() > limit;
    names.truncate(limit);
    let mut summaries = Vec::with_capacity(names.len());
    for n in &names {
        let m = existing(eng, ctx, n)?;
        summaries.push(StreamSummary {
            stream_name: m.name.clone(),
            stream_arn: m.arn(),
            stream_status: m.status_at(now).as_str().into(),
            stream_mode_details: mode_details(&m),
            stream_creation_timestamp: epoch_secs(m.created_ms),
        });
    }
    let next_token = match (more, names.last()) {
        (true, Some(last)) => {
            Some(token::seal(&eng.secret, token::LIST_STREAMS, &token::Fields::default().i64(now).str(last).0))
        }
        _ => None,
    };
    Ok(ListStreamsOutput { stream_names: names, has_more_streams: more, next_token, stream_summaries: summaries })
}

fn open_list_token(eng: &Engine, t: &str, now: i64) -> Result<String, StateError> {
    let bad = || StateError::InvalidArgument(format!("Invalid NextToken: {t}"));
    let payload = token::open(&eng.secret, token::LIST_STREAMS, t).ok_or_else(bad)?;
    let mut r = token::Reader(&payload);
    let issued = r.i64().ok_or_else(bad)?;
    let last = r.str().ok_or_else(bad)?;
    if now - issued > shards::NEXT_TOKEN_TTL_MS {
        return Err(StateError::ExpiredNextToken(format!("The NextToken {t} has expired.")));
    }
    Ok(last)
}

/// IncreaseStreamRetentionPeriod.
pub fn increase_retention(eng: &mut Engine, ctx: &Ctx, input: RetentionInput) -> Result<(), StateError> {
    change_retention(eng, ctx, input, true)
}

/// DecreaseStreamRetentionPeriod; records older than the new period are trimmed at once.
pub fn decrease_retention(eng: &mut Engine, ctx: &Ctx, input: RetentionInput) -> Result<(), StateError> {
    change_retention(eng, ctx, input, false)
}

fn change_retention(eng: &mut Engine, ctx: &Ctx, input: RetentionInput, increase: bool) -> Result<(), StateError> {
    let (ctx, name) = resolve(ctx, &input.stream)?;
    let m = active(eng, &ctx, &name)?;
    let h = input.retention_period_hours;
    if h < DEFAULT_RETENTION_H {
        return Err(StateError::InvalidArgument(format!(
            "Minimum allowed retention period is {DEFAULT_RETENTION_H} hours. Requested retention period ({h} hours) is too short."
        )));
    }
    if h > MAX_RETENTION_H {
        return Err(StateError::InvalidArgument(format!(
            "Maximum allowed retention period is {MAX_RETENTION_H} hours. Requested retention period ({h} hours) is too long."
        )));
    }
    let cur = m.retention_h;
    if increase && h < cur {
        return Err(StateError::InvalidArgument(format!(
            "Requested retention period ({h} hours) for stream {name} can not be shorter than existing retention period ({cur} hours). Use DecreaseRetentionPeriod API."
        )));
    }
    if !increase && h > cur {
        return Err(StateError::InvalidArgument(format!(
            "Requested retention period ({h} hours) for stream {name} can not be longer than existing retention period ({cur} hours). Use IncreaseRetentionPeriod API."
        )));
    }
    eng.conn.prepare_cached("UPDATE streams SET retention_h=?2 WHERE id=?1")?.execute(params![m.id, h])?;
    eng.kinesis.streams.forget(m.id);
    if !increase {
        maintenance::trim_stream(eng, m.id)?;
    }
    Ok(())
}
