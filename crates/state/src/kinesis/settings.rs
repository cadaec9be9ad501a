//! Stream settings and account-level operations: Start/StopStreamEncryption,
//! Enable/DisableEnhancedMonitoring, DescribeLimits, UpdateStreamMode, UpdateMaxRecordSize,
//! UpdateStreamWarmThroughput, DescribeAccountSettings and UpdateAccountSettings.
//!
//! Where no AWS wording for an error could be found (kinesalite, ferrokinesis, kinesis-mock,
//! moto and the API reference were searched), the message is kinesin's own and says so.

use super::{active, epoch_secs, existing, resolve};
use crate::db::Engine;
use crate::error::StateError;
use crate::Ctx;
use kinesin_protocol::kinesis::*;
use rusqlite::{params, OptionalExtension};

/// The shard-level metrics of the model's `MetricsName` enum, without `ALL`, in model order.
pub const ALL_METRICS: [&str; 7] = [
    "IncomingBytes",
    "IncomingRecords",
    "OutgoingBytes",
    "OutgoingRecords",
    "WriteProvisionedThroughputExceeded",
    "ReadProvisionedThroughputExceeded",
    "IteratorAgeMilliseconds",
];

/// Largest warm throughput of an on-demand stream (10 GiB/s, the documented default limit).
pub const MAX_WARM_MIBPS: u32 = 10 * 1024;

/// How long a minimum throughput billing commitment lasts at least (24 hours, per the
/// `MinimumThroughputBillingCommitmentInput` documentation).
pub const COMMITMENT_MIN_MS: i64 = 24 * 3_600_000;

/// Puts a changed stream in UPDATING for `update_delay_ms` (ACTIVE at once without a delay),
/// as resharding does, and drops it from the cache.
pub(crate) fn mark_updating(eng: &mut Engine, id: i64) -> Result<(), StateError> {
    let now = eng.now();
    let delay = eng.settings.kinesis.update_delay_ms;
    let status = if delay > 0 { "UPDATING" } else { "ACTIVE" };
    eng.conn.prepare_cached("UPDATE streams SET status=?2, status_until=?3 WHERE id=?1")?.execute(params![
        id,
        status,
        now + delay.max(0)
    ])?;
    eng.kinesis.streams.forget(id);
    Ok(())
}

/// StartStreamEncryption: the stream must be ACTIVE; it is UPDATING while encryption starts.
/// The KMS key is not checked (there is no KMS here); any key id, ARN or alias is accepted.
pub fn start_encryption(eng: &mut Engine, ctx: &Ctx, input: StreamEncryptionInput) -> Result<(), StateError> {
    let (ctx, name) = resolve(ctx, &input.stream)?;
    let m = active(eng, &ctx, &name)?;
    if input.encryption_type != "KMS" {
        // kinesin's wording: AWS's message for EncryptionType NONE here was not found.
        return Err(StateError::InvalidArgument(format!(
            "EncryptionType {} is not valid for StartStreamEncryption on stream {name} under account {}. The only supported value is KMS.",
            input.encryption_type, ctx.account
        )));
    }
    eng.conn
        .prepare_cached("UPDATE streams SET encryption='KMS', key_id=?2 WHERE id=?1")?
        .execute(params![m.id, input.key_id])?;
    record_encryption_change(eng, &m, "KMS")?;
    mark_updating(eng, m.id)
}

/// StopStreamEncryption. On a stream that is not encrypted it succeeds and changes nothing
/// (terraform's `encryption_type = "NONE"` re-applies call it so); otherwise the stream must
/// be ACTIVE and is UPDATING while encryption stops. The given type and key are not compared
/// with the stream's (AWS's behaviour for a mismatch was not found).
pub fn stop_encryption(eng: &mut Engine, ctx: &Ctx, input: StreamEncryptionInput) -> Result<(), StateError> {
    let (ctx, name) = resolve(ctx, &input.stream)?;
    if existing(eng, &ctx, &name)?.encryption == "NONE" {
        return Ok(());
    }
    let m = active(eng, &ctx, &name)?;
    eng.conn.prepare_cached("UPDATE streams SET encryption='NONE', key_id=NULL WHERE id=?1")?.execute([m.id])?;
    record_encryption_change(eng, &m, "NONE")?;
    mark_updating(eng, m.id)
}

/// Remembers from which counter on records are written with `kind`, so records written
/// before keep reporting the encryption they were written with.
fn record_encryption_change(eng: &mut Engine, m: &super::cache::StreamMeta, kind: &str) -> Result<(), StateError> {
    let mut changes = m.encryption_changes.clone();
    changes.push((eng.kinesis.next_seq, kind.to_string()));
    let json = serde_json::to_string(&changes).unwrap_or_else(|_| "[]".into());
    eng.conn.prepare_cached("UPDATE streams SET encryption_changes=?2 WHERE id=?1")?.execute(params![m.id, json])?;
    eng.kinesis.streams.forget(m.id);
    Ok(())
}

/// EnableEnhancedMonitoring.
pub fn enable_monitoring(
    eng: &mut Engine,
    ctx: &Ctx,
    input: EnhancedMonitoringInput,
) -> Result<EnhancedMonitoringOutput, StateError> {
    change_monitoring(eng, ctx, input, true)
}

/// DisableEnhancedMonitoring.
pub fn disable_monitoring(
    eng: &mut Engine,
    ctx: &Ctx,
    input: EnhancedMonitoringInput,
) -> Result<EnhancedMonitoringOutput, StateError> {
    change_monitoring(eng, ctx, input, false)
}

/// The stream must be ACTIVE and is UPDATING afterwards (terraform waits for ACTIVE after
/// changing shard-level metrics). Metrics are kept in the model's order; `ALL` stands for all
/// seven.
fn change_monitoring(
    eng: &mut Engine,
    ctx: &Ctx,
    input: EnhancedMonitoringInput,
    enable: bool,
) -> Result<EnhancedMonitoringOutput, StateError> {
    let (ctx, name) = resolve(ctx, &input.stream)?;
    let m = active(eng, &ctx, &name)?;
    let all = input.shard_level_metrics.iter().any(|x| x == "ALL");
    let named = |x: &str| all || input.shard_level_metrics.iter().any(|r| r == x);
    let current = m.metrics.clone();
    let has = |x: &str| current.iter().any(|c| c == x);
    let desired: Vec<String> = ALL_METRICS
        .iter()
        .filter(|x| if enable { has(x) || named(x) } else { has(x) && !named(x) })
        .map(|x| x.to_string())
        .collect();
    let json = serde_json::to_string(&desired).map_err(|e| StateError::Storage(e.to_string()))?;
    eng.conn.prepare_cached("UPDATE streams SET metrics=?2 WHERE id=?1")?.execute(params![m.id, json])?;
    mark_updating(eng, m.id)?;
    Ok(EnhancedMonitoringOutput {
        stream_name: m.name.clone(),
        current_shard_level_metrics: current,
        desired_shard_level_metrics: desired,
        stream_arn: m.arn(),
    })
}

/// Streams in the namespace whose deletion has not finished.
const LIVE: &str = "NOT (streams.status='DELETING' AND streams.status_until <= ?3)";

fn open_shards(eng: &Engine, ctx: &Ctx, now: i64) -> Result<u32, StateError> {
    let n: i64 = eng
        .conn
        .prepare_cached(&format!(
            "SELECT COUNT(*) FROM shards JOIN streams ON streams.id = shards.stream
             WHERE streams.account=?1 AND streams.region=?2 AND shards.end_seq IS NULL AND {LIVE}"
        ))?
        .query_row(params![ctx.account, ctx.region, now], |r| r.get(0))?;
    Ok(n as u32)
}

fn on_demand_streams(eng: &Engine, ctx: &Ctx, now: i64) -> Result<u32, StateError> {
    let n: i64 = eng
        .conn
        .prepare_cached(&format!(
            "SELECT COUNT(*) FROM streams WHERE account=?1 AND region=?2 AND mode='ON_DEMAND' AND {LIVE}"
        ))?
        .query_row(params![ctx.account, ctx.region, now], |r| r.get(0))?;
    Ok(n as u32)
}

/// Fails when one more on-demand stream would exceed `on_demand_stream_limit`
/// (CreateStream and UpdateStreamMode to ON_DEMAND).
pub fn check_on_demand_limit(eng: &Engine, ctx: &Ctx) -> Result<(), StateError> {
    let count = on_demand_streams(eng, ctx, eng.now())?;
    let limit = eng.settings.kinesis.on_demand_stream_limit;
    if count >= limit {
        // kinesin's wording, shaped like AWS's shard-limit message: AWS's text for the
        // on-demand stream limit was not found.
        return Err(StateError::LimitExceeded(format!(
            "This request would exceed the on-demand stream limit for the account {} in {}. Current on-demand stream count for the account: {count}. Limit: {limit}.",
            ctx.account, ctx.region
        )));
    }
    Ok(())
}

/// DescribeLimits for the caller's account and region.
pub fn describe_limits(
    eng: &mut Engine,
    ctx: &Ctx,
    _input: DescribeLimitsInput,
) -> Result<DescribeLimitsOutput, StateError> {
    let now = eng.now();
    Ok(DescribeLimitsOutput {
        shard_limit: eng.settings.kinesis.shard_limit,
        open_shard_count: open_shards(eng, ctx, now)?,
        on_demand_stream_count: on_demand_streams(eng, ctx, now)?,
        on_demand_stream_count_limit: eng.settings.kinesis.on_demand_stream_limit,
    })
}

/// Checks a warm throughput: the account must have the minimum throughput billing
/// commitment and the value must be within the 10 GiB/s default limit.
fn check_warm(eng: &Engine, ctx: &Ctx, name: &str, mibps: u32) -> Result<(), StateError> {
    if !commitment_enabled(eng, ctx)? {
        // kinesin's wording (not found): the docs say warm throughput needs the account's
        // MinimumThroughputBillingCommitment enabled.
        return Err(StateError::InvalidArgument(format!(
            "Warm throughput cannot be configured for stream {name} under account {}: MinimumThroughputBillingCommitment is not enabled for the account in {}. Enable it with UpdateAccountSettings.",
            ctx.account, ctx.region
        )));
    }
    if mibps > MAX_WARM_MIBPS {
        // kinesin's wording (not found); the documented default limit is 10 GiBps.
        return Err(StateError::LimitExceeded(format!(
            "Requested warm throughput ({mibps} MiBps) for stream {name} under account {} exceeds the limit of {MAX_WARM_MIBPS} MiBps.",
            ctx.account
        )));
    }
    Ok(())
}

/// UpdateStreamMode: ACTIVE streams only; UPDATING afterwards. Switching to ON_DEMAND
/// counts against `on_demand_stream_limit`; shards are kept as they are.
pub fn update_stream_mode(eng: &mut Engine, ctx: &Ctx, input: UpdateStreamModeInput) -> Result<(), StateError> {
    let (ctx, name) = resolve(ctx, &input.stream)?;
    let m = active(eng, &ctx, &name)?;
    let mode = input.stream_mode_details.stream_mode;
    let warm = match (mode.as_str(), input.warm_throughput_mibps) {
        ("ON_DEMAND", Some(w)) => {
            check_warm(eng, &ctx, &name, w)?;
            Some(w)
        }
        ("ON_DEMAND", None) => m.warm_mibps,
        (_, Some(_)) => {
            // kinesin's wording (not found); the docs say the field is only valid when the
            // stream is switched to on-demand.
            return Err(StateError::InvalidArgument(format!(
                "WarmThroughputMiBps can only be specified when updating stream {name} under account {} to the ON_DEMAND capacity mode.",
                ctx.account
            )));
        }
        (_, None) => None,
    };
    if mode == "ON_DEMAND" && m.mode != "ON_DEMAND" {
        check_on_demand_limit(eng, &ctx)?;
    }
    eng.conn
        .prepare_cached("UPDATE streams SET mode=?2, warm_mibps=?3 WHERE id=?1")?
        .execute(params![m.id, mode, warm])?;
    mark_updating(eng, m.id)
}

/// UpdateMaxRecordSize: ACTIVE streams only; takes effect at once (the API reference does not
/// describe an UPDATING phase for it). PutRecord(s) size checks read the new value.
pub fn update_max_record_size(eng: &mut Engine, ctx: &Ctx, input: UpdateMaxRecordSizeInput) -> Result<(), StateError> {
    let (ctx, name) = resolve(ctx, &input.stream)?;
    let m = active(eng, &ctx, &name)?;
    eng.conn
        .prepare_cached("UPDATE streams SET max_record_kib=?2 WHERE id=?1")?
        .execute(params![m.id, input.max_record_size_in_kib])?;
    eng.kinesis.streams.forget(m.id);
    Ok(())
}

/// UpdateStreamWarmThroughput: ACTIVE on-demand streams of accounts with the minimum
/// throughput billing commitment; UPDATING afterwards. The output's `CurrentMiBps` is the
/// value before the update, `TargetMiBps` the new one.
pub fn update_warm_throughput(
    eng: &mut Engine,
    ctx: &Ctx,
    input: UpdateStreamWarmThroughputInput,
) -> Result<UpdateStreamWarmThroughputOutput, StateError> {
    let (ctx, name) = resolve(ctx, &input.stream)?;
    let m = active(eng, &ctx, &name)?;
    if m.mode != "ON_DEMAND" {
        // kinesin's wording (not found); the docs say provisioned streams do not support it.
        return Err(StateError::InvalidArgument(format!(
            "Warm throughput is only supported for streams in ON_DEMAND capacity mode. Stream {name} under account {} is in {} mode.",
            ctx.account, m.mode
        )));
    }
    let target = input.warm_throughput_mibps;
    check_warm(eng, &ctx, &name, target)?;
    eng.conn.prepare_cached("UPDATE streams SET warm_mibps=?2 WHERE id=?1")?.execute(params![m.id, target])?;
    mark_updating(eng, m.id)?;
    Ok(UpdateStreamWarmThroughputOutput {
        stream_arn: m.arn(),
        stream_name: m.name.clone(),
        warm_throughput: WarmThroughput { target_mibps: target, current_mibps: m.warm_mibps.unwrap_or(0) },
    })
}

/// A stored minimum throughput billing commitment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Commitment {
    started_ms: i64,
    earliest_end_ms: i64,
    ended_ms: Option<i64>,
}

impl Commitment {
    fn status(&self, now: i64) -> &'static str {
        match self.ended_ms {
            None => "ENABLED",
            Some(end) if now < end => "ENABLED_UNTIL_EARLIEST_ALLOWED_END",
            Some(_) => "DISABLED",
        }
    }
}

fn load_commitment(eng: &Engine, ctx: &Ctx) -> Result<Option<Commitment>, StateError> {
    Ok(eng
        .conn
        .prepare_cached(
            "SELECT started_ms, earliest_end_ms, ended_ms FROM account_settings WHERE account=?1 AND region=?2",
        )?
        .query_row(params![ctx.account, ctx.region], |r| {
            Ok(Commitment { started_ms: r.get(0)?, earliest_end_ms: r.get(1)?, ended_ms: r.get(2)? })
        })
        .optional()?)
}

/// Whether the account has the commitment now (ENABLED, or ENABLED until its earliest end).
pub fn commitment_enabled(eng: &Engine, ctx: &Ctx) -> Result<bool, StateError> {
    let now = eng.now();
    Ok(load_commitment(eng, ctx)?.is_some_and(|c| c.status(now) != "DISABLED"))
}

fn commitment_output(c: Option<Commitment>, now: i64) -> AccountSettingsOutput {
    let out = match c {
        None => MinimumThroughputBillingCommitmentOutput {
            status: "DISABLED".into(),
            started_at: None,
            ended_at: None,
            earliest_allowed_end_at: None,
        },
        Some(c) => {
            let status = c.status(now);
            MinimumThroughputBillingCommitmentOutput {
                status: status.into(),
                started_at: Some(epoch_secs(c.started_ms)),
                ended_at: c.ended_ms.filter(|_| status == "DISABLED").map(epoch_secs),
                earliest_allowed_end_at: Some(epoch_secs(c.earliest_end_ms)),
            }
        }
    };
    AccountSettingsOutput { minimum_throughput_billing_commitment: out }
}

/// DescribeAccountSettings for the caller's account and region (DISABLED until enabled).
pub fn describe_account_settings(
    eng: &mut Engine,
    ctx: &Ctx,
    _input: DescribeAccountSettingsInput,
) -> Result<AccountSettingsOutput, StateError> {
    Ok(commitment_output(load_commitment(eng, ctx)?, eng.now()))
}

/// UpdateAccountSettings. Enabling starts a commitment of at least 24 hours (or cancels a
/// pending disable); disabling before the earliest allowed end schedules the end for then
/// (status ENABLED_UNTIL_EARLIEST_ALLOWED_END), later it ends at once. Repeating the current
/// setting changes nothing.
pub fn update_account_settings(
    eng: &mut Engine,
    ctx: &Ctx,
    input: UpdateAccountSettingsInput,
) -> Result<AccountSettingsOutput, StateError> {
    let now = eng.now();
    let current = load_commitment(eng, ctx)?;
    let status = current.map(|c| c.status(now)).unwrap_or("DISABLED");
    let next = match (input.minimum_throughput_billing_commitment.status.as_str(), current) {
        ("ENABLED", Some(c)) if status == "ENABLED_UNTIL_EARLIEST_ALLOWED_END" => {
            Some(Commitment { ended_ms: None, ..c })
        }
        ("ENABLED", _) if status == "DISABLED" => {
            Some(Commitment { started_ms: now, earliest_end_ms: now + COMMITMENT_MIN_MS, ended_ms: None })
        }
        ("DISABLED", Some(c)) if status == "ENABLED" => {
            Some(Commitment { ended_ms: Some(now.max(c.earliest_end_ms)), ..c })
        }
        _ => None,
    };
    if let Some(c) = next {
        eng.conn
            .prepare_cached(
                "INSERT OR REPLACE INTO account_settings(account, region, started_ms, earliest_end_ms, ended_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![ctx.account, ctx.region, c.started_ms, c.earliest_end_ms, c.ended_ms])?;
    }
    Ok(commitment_output(next.or(current), now))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{by_name, ctx, engine};
    use super::super::{records, streams};
    use super::*;

    fn create(eng: &mut Engine, name: &str, mode: Option<&str>) {
        streams::create(
            eng,
            &ctx(),
            CreateStreamInput {
                stream_name: name.into(),
                shard_count: if mode == Some("ON_DEMAND") { None } else { Some(1) },
                stream_mode_details: mode.map(|m| StreamModeDetails { stream_mode: m.into() }),
                tags: None,
                max_record_size_in_kib: None,
                warm_throughput_mibps: None,
            },
        )
        .unwrap();
    }

    fn summary(eng: &mut Engine, name: &str) -> StreamDescriptionSummary {
        streams::describe_summary(eng, &ctx(), by_name(name)).unwrap().stream_description_summary
    }

    fn enc(kind: &str) -> StreamEncryptionInput {
        StreamEncryptionInput { stream: by_name("s"), encryption_type: kind.into(), key_id: "alias/aws/kinesis".into() }
    }

    #[test]
    fn encryption_starts_and_stops_with_an_updating_phase() {
        let (mut eng, clock) = engine();
        eng.settings.kinesis.update_delay_ms = 1000;
        create(&mut eng, "s", None);
        stop_encryption(&mut eng, &ctx(), enc("KMS")).unwrap();
        assert_eq!(summary(&mut eng, "s").stream_status, "ACTIVE", "stopping on a plain stream is a no-op");
        start_encryption(&mut eng, &ctx(), enc("KMS")).unwrap();
        let s = summary(&mut eng, "s");
        assert_eq!((s.stream_status.as_str(), s.encryption_type.as_str()), ("UPDATING", "KMS"));
        assert_eq!(s.key_id.as_deref(), Some("alias/aws/kinesis"));
        let err = start_encryption(&mut eng, &ctx(), enc("KMS")).unwrap_err();
        assert_eq!(err.to_string(), "Stream s under account 000000000000 not ACTIVE, instead in state UPDATING");
        assert!(matches!(err, StateError::InUse(_)));
        clock.advance(1000);
        let put = records::put_record(
            &mut eng,
            &ctx(),
            PutRecordInput {
                stream_name: Some("s".into()),
                stream_arn: None,
                data: vec![1],
                partition_key: "k".into(),
                explicit_hash_key: None,
                sequence_number_for_ordering: None,
            },
        )
        .unwrap();
        assert_eq!(put.encryption_type, "KMS");
        let err = start_encryption(&mut eng, &ctx(), enc("NONE")).unwrap_err();
        assert!(matches!(err, StateError::InvalidArgument(_)), "{err}");
        stop_encryption(&mut eng, &ctx(), enc("KMS")).unwrap();
        clock.advance(1000);
        let s = summary(&mut eng, "s");
        assert_eq!((s.stream_status.as_str(), s.encryption_type.as_str(), s.key_id), ("ACTIVE", "NONE", None));
        let err = start_encryption(&mut eng, &ctx(), StreamEncryptionInput { stream: by_name("ghost"), ..enc("KMS") })
            .unwrap_err();
        assert_eq!(err.to_string(), "Stream ghost under account 000000000000 not found.");
    }

    fn metrics(list: &[&str]) -> EnhancedMonitoringInput {
        EnhancedMonitoringInput {
            stream: by_name("s"),
            shard_level_metrics: list.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn enhanced_monitoring_adds_and_removes_metrics() {
        let (mut eng, _clock) = engine();
        create(&mut eng, "s", None);
        let out = enable_monitoring(&mut eng, &ctx(), metrics(&["OutgoingBytes", "IncomingBytes"])).unwrap();
        assert!(out.current_shard_level_metrics.is_empty());
        assert_eq!(out.desired_shard_level_metrics, vec!["IncomingBytes", "OutgoingBytes"]);
        assert_eq!(out.stream_arn, "arn:aws:kinesis:us-east-1:000000000000:stream/s");
        let out = enable_monitoring(&mut eng, &ctx(), metrics(&["ALL"])).unwrap();
        assert_eq!(out.current_shard_level_metrics, vec!["IncomingBytes", "OutgoingBytes"]);
        assert_eq!(out.desired_shard_level_metrics, ALL_METRICS.to_vec());
        assert_eq!(summary(&mut eng, "s").enhanced_monitoring[0].shard_level_metrics, ALL_METRICS.to_vec());
        let out = disable_monitoring(&mut eng, &ctx(), metrics(&["IteratorAgeMilliseconds", "IncomingBytes"])).unwrap();
        assert_eq!(out.desired_shard_level_metrics.len(), 5);
        assert!(!out.desired_shard_level_metrics.contains(&"IncomingBytes".to_string()));
        let out = disable_monitoring(&mut eng, &ctx(), metrics(&["ALL"])).unwrap();
        assert!(out.desired_shard_level_metrics.is_empty());
        eng.settings.kinesis.update_delay_ms = 10;
        enable_monitoring(&mut eng, &ctx(), metrics(&["ALL"])).unwrap();
        let err = disable_monitoring(&mut eng, &ctx(), metrics(&["ALL"])).unwrap_err();
        assert!(matches!(err, StateError::InUse(_)), "UPDATING streams refuse changes: {err}");
    }

    #[test]
    fn limits_count_open_shards_and_on_demand_streams_per_namespace() {
        let (mut eng, _clock) = engine();
        eng.settings.kinesis.on_demand_stream_limit = 2;
        create(&mut eng, "p", None);
        create(&mut eng, "d1", Some("ON_DEMAND"));
        let other = Ctx::new("111111111111", "us-east-1");
        let out = describe_limits(&mut eng, &ctx(), DescribeLimitsInput {}).unwrap();
        assert_eq!(
            out,
            DescribeLimitsOutput {
                shard_limit: 500,
                open_shard_count: 5,
                on_demand_stream_count: 1,
                on_demand_stream_count_limit: 2
            }
        );
        assert_eq!(describe_limits(&mut eng, &other, DescribeLimitsInput {}).unwrap().open_shard_count, 0);
        create(&mut eng, "d2", Some("ON_DEMAND"));
        let err = streams::create(
            &mut eng,
            &ctx(),
            CreateStreamInput {
                stream_name: "d3".into(),
                shard_count: None,
                stream_mode_details: Some(StreamModeDetails { stream_mode: "ON_DEMAND".into() }),
                tags: None,
                max_record_size_in_kib: None,
                warm_throughput_mibps: None,
            },
        )
        .unwrap_err();
        assert!(matches!(&err, StateError::LimitExceeded(m) if m.contains("Limit: 2.")), "{err}");
        let to_on_demand = |name: &str| UpdateStreamModeInput {
            stream: by_name(name),
            stream_mode_details: StreamModeDetails { stream_mode: "ON_DEMAND".into() },
            warm_throughput_mibps: None,
        };
        let err = update_stream_mode(&mut eng, &ctx(), to_on_demand("p")).unwrap_err();
        assert!(matches!(err, StateError::LimitExceeded(_)));
        update_stream_mode(&mut eng, &ctx(), to_on_demand("d1")).unwrap();
    }

    #[test]
    fn stream_mode_switches_with_an_updating_phase() {
        let (mut eng, clock) = engine();
        eng.settings.kinesis.update_delay_ms = 500;
        create(&mut eng, "s", None);
        let input = |mode: &str, warm: Option<u32>| UpdateStreamModeInput {
            stream: StreamRef {
                stream_name: None,
                stream_arn: Some("arn:aws:kinesis:us-east-1:000000000000:stream/s".into()),
            },
            stream_mode_details: StreamModeDetails { stream_mode: mode.into() },
            warm_throughput_mibps: warm,
        };
        let err = update_stream_mode(&mut eng, &ctx(), input("PROVISIONED", Some(10))).unwrap_err();
        assert!(matches!(err, StateError::InvalidArgument(_)));
        update_stream_mode(&mut eng, &ctx(), input("ON_DEMAND", None)).unwrap();
        let s = summary(&mut eng, "s");
        assert_eq!((s.stream_mode_details.stream_mode.as_str(), s.stream_status.as_str()), ("ON_DEMAND", "UPDATING"));
        let err = update_stream_mode(&mut eng, &ctx(), input("PROVISIONED", None)).unwrap_err();
        assert!(matches!(err, StateError::InUse(_)));
        clock.advance(500);
        update_stream_mode(&mut eng, &ctx(), input("PROVISIONED", None)).unwrap();
        clock.advance(500);
        let s = summary(&mut eng, "s");
        assert_eq!((s.stream_mode_details.stream_mode.as_str(), s.open_shard_count), ("PROVISIONED", 1));
    }

    #[test]
    fn max_record_size_applies_at_once() {
        let (mut eng, _clock) = engine();
        create(&mut eng, "s", None);
        let input = UpdateMaxRecordSizeInput { stream: by_name("s"), max_record_size_in_kib: 2048 };
        update_max_record_size(&mut eng, &ctx(), input).unwrap();
        let s = summary(&mut eng, "s");
        assert_eq!((s.max_record_size_in_kib, s.stream_status.as_str()), (2048, "ACTIVE"));
        let big = vec![0u8; 1536 * 1024];
        let put = |eng: &mut Engine, data: Vec<u8>| {
            records::put_record(
                eng,
                &ctx(),
                PutRecordInput {
                    stream_name: Some("s".into()),
                    stream_arn: None,
                    data,
                    partition_key: "k".into(),
                    explicit_hash_key: None,
                    sequence_number_for_ordering: None,
                },
            )
        };
        put(&mut eng, big).unwrap();
        assert!(put(&mut eng, vec![0u8; 2048 * 1024 + 1]).is_err());
        let ghost = UpdateMaxRecordSizeInput { stream: by_name("ghost"), max_record_size_in_kib: 2048 };
        assert!(matches!(update_max_record_size(&mut eng, &ctx(), ghost), Err(StateError::NotFound(_))));
    }

    #[test]
    fn warm_throughput_needs_on_demand_and_the_commitment() {
        let (mut eng, _clock) = engine();
        create(&mut eng, "p", None);
        create(&mut eng, "d", Some("ON_DEMAND"));
        let warm =
            |name: &str, w: u32| UpdateStreamWarmThroughputInput { stream: by_name(name), warm_throughput_mibps: w };
        let err = update_warm_throughput(&mut eng, &ctx(), warm("p", 100)).unwrap_err();
        assert!(matches!(&err, StateError::InvalidArgument(m) if m.contains("ON_DEMAND")), "{err}");
        let err = update_warm_throughput(&mut eng, &ctx(), warm("d", 100)).unwrap_err();
        assert!(matches!(&err, StateError::InvalidArgument(m) if m.contains("MinimumThroughputBillingCommitment")));
        let enable = UpdateAccountSettingsInput {
            minimum_throughput_billing_commitment: MinimumThroughputBillingCommitmentInput { status: "ENABLED".into() },
        };
        update_account_settings(&mut eng, &ctx(), enable).unwrap();
        let out = update_warm_throughput(&mut eng, &ctx(), warm("d", 100)).unwrap();
        assert_eq!(out.warm_throughput, WarmThroughput { target_mibps: 100, current_mibps: 0 });
        assert_eq!(out.stream_name, "d");
        let out = update_warm_throughput(&mut eng, &ctx(), warm("d", 50)).unwrap();
        assert_eq!(out.warm_throughput, WarmThroughput { target_mibps: 50, current_mibps: 100 });
        assert_eq!(summary(&mut eng, "d").warm_throughput.unwrap().target_mibps, 50);
        let err = update_warm_throughput(&mut eng, &ctx(), warm("d", MAX_WARM_MIBPS + 1)).unwrap_err();
        assert!(matches!(err, StateError::LimitExceeded(_)));
    }

    #[test]
    fn billing_commitment_lasts_at_least_a_day() {
        let (mut eng, clock) = engine();
        let t0 = eng.now();
        let set = |eng: &mut Engine, s: &str| {
            update_account_settings(
                eng,
                &ctx(),
                UpdateAccountSettingsInput {
                    minimum_throughput_billing_commitment: MinimumThroughputBillingCommitmentInput { status: s.into() },
                },
            )
            .unwrap()
            .minimum_throughput_billing_commitment
        };
        let get = |eng: &mut Engine| {
            describe_account_settings(eng, &ctx(), DescribeAccountSettingsInput {})
                .unwrap()
                .minimum_throughput_billing_commitment
        };
        assert_eq!(get(&mut eng).status, "DISABLED");
        assert_eq!(get(&mut eng).started_at, None);
        assert_eq!(set(&mut eng, "DISABLED").status, "DISABLED");
        let on = set(&mut eng, "ENABLED");
        assert_eq!(on.status, "ENABLED");
        assert_eq!(on.started_at, Some(epoch_secs(t0)));
        assert_eq!(on.earliest_allowed_end_at, Some(epoch_secs(t0 + COMMITMENT_MIN_MS)));
        clock.advance(3_600_000);
        assert_eq!(set(&mut eng, "ENABLED").started_at, Some(epoch_secs(t0)), "re-enabling keeps the commitment");
        let pending = set(&mut eng, "DISABLED");
        assert_eq!((pending.status.as_str(), pending.ended_at), ("ENABLED_UNTIL_EARLIEST_ALLOWED_END", None));
        assert!(commitment_enabled(&eng, &ctx()).unwrap());
        assert_eq!(set(&mut eng, "ENABLED").status, "ENABLED", "enabling cancels the pending disable");
        set(&mut eng, "DISABLED");
        clock.advance(COMMITMENT_MIN_MS);
        let off = get(&mut eng);
        assert_eq!(off.status, "DISABLED");
        assert_eq!(off.ended_at, Some(epoch_secs(t0 + COMMITMENT_MIN_MS)));
        assert!(!commitment_enabled(&eng, &ctx()).unwrap());
        let again = set(&mut eng, "ENABLED");
        assert_eq!(again.started_at, Some(epoch_secs(eng.now())));
        clock.advance(COMMITMENT_MIN_MS + 1);
        let off = set(&mut eng, "DISABLED");
        assert_eq!((off.status.as_str(), off.ended_at), ("DISABLED", Some(epoch_secs(eng.now()))));
        let other = Ctx::new("000000000000", "eu-west-1");
        let o = describe_account_settings(&mut eng, &other, DescribeAccountSettingsInput {}).unwrap();
        assert_eq!(o.minimum_throughput_billing_commitment.status, "DISABLED");
    }
}
