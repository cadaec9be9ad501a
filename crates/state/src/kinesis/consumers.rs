//! Enhanced fan-out consumers (the registry, not SubscribeToShard): RegisterStreamConsumer,
//! DeregisterStreamConsumer, DescribeStreamConsumer, ListStreamConsumers, and what DeleteStream
//! and DescribeStreamSummary need to know of them.
//!
//! A consumer is CREATING for `create_delay_ms` after registration and ACTIVE from then on;
//! a deregistered one is DELETING for `delete_delay_ms` and then gone. Both are computed from
//! the clock when read, like a stream's status. Gone rows are removed when the name is reused
//! or the stream is deleted.
//!
//! Where no AWS wording for an error could be found (kinesalite has no consumers;
//! ferrokinesis, kinesis-mock and moto use made-up texts), the message is kinesin's own,
//! written in AWS's style, and says so.

use super::cache::{Status, StreamMeta};
use super::{epoch_secs, existing, resolve, shards::NEXT_TOKEN_TTL_MS, token};
use crate::db::Engine;
use crate::error::StateError;
use crate::Ctx;
use kinesin_protocol::kinesis::*;
use rusqlite::params;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Most consumers registered with one stream.
pub const MAX_CONSUMERS: usize = 20;
/// Most consumers of one stream that may be CREATING at once.
pub const MAX_CREATING: usize = 5;
/// ListStreamConsumers page size by default and at most.
pub const MAX_LIST: u32 = 100;
/// Token kind of ListStreamConsumers paging (apart from the kinds in `token`).
const LIST_CONSUMERS: u8 = 0x41;

/// A consumer as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ConsumerRow {
    /// Row id.
    pub id: i64,
    /// The stream's row id.
    pub stream: i64,
    /// Name.
    pub name: String,
    /// Registration time (ms, whole seconds: the ARN carries it in seconds).
    pub created_ms: i64,
    /// CREATING or DELETING as stored.
    pub status: String,
    /// When CREATING ends, or when a DELETING consumer is gone (ms).
    pub status_until: i64,
}

/// What a consumer's status means right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsumerStatus {
    /// Being registered.
    Creating,
    /// Usable.
    Active,
    /// Being deregistered.
    Deleting,
    /// Deregistration finished.
    Gone,
}

impl ConsumerStatus {
    /// The AWS name.
    pub fn as_str(self) -> &'static str {
        match self {
            ConsumerStatus::Creating => "CREATING",
            ConsumerStatus::Active => "ACTIVE",
            ConsumerStatus::Deleting | ConsumerStatus::Gone => "DELETING",
        }
    }
}

impl ConsumerRow {
    /// The status at `now`.
    pub fn status_at(&self, now: i64) -> ConsumerStatus {
        let over = now >= self.status_until;
        match self.status.as_str() {
            "DELETING" if over => ConsumerStatus::Gone,
            "DELETING" => ConsumerStatus::Deleting,
            "CREATING" if !over => ConsumerStatus::Creating,
            _ => ConsumerStatus::Active,
        }
    }

    /// Registration time in epoch seconds, as in the ARN.
    pub fn created_secs(&self) -> i64 {
        self.created_ms.div_euclid(1000)
    }

    /// `STREAM_ARN/consumer/NAME:CREATION_EPOCH_SECONDS`.
    pub fn arn(&self, m: &StreamMeta) -> String {
        format!("{}/consumer/{}:{}", m.arn(), self.name, self.created_secs())
    }

    fn to_wire(&self, m: &StreamMeta, now: i64) -> Consumer {
        Consumer {
            consumer_name: self.name.clone(),
            consumer_arn: self.arn(m),
            consumer_status: self.status_at(now).as_str().into(),
            consumer_creation_timestamp: epoch_secs(self.created_ms),
        }
    }
}

/// The consumers of a stream that are not gone, in registration order.
pub fn live(eng: &Engine, stream: i64, now: i64) -> Result<Vec<ConsumerRow>, StateError> {
    let mut st = eng.conn.prepare_cached(
        "SELECT id, stream, name, created_ms, status, status_until FROM consumers WHERE stream=?1 ORDER BY id",
    )?;
    let rows = st.query_map([stream], |r| {
        Ok(ConsumerRow {
            id: r.get(0)?,
            stream: r.get(1)?,
            name: r.get(2)?,
            created_ms: r.get(3)?,
            status: r.get(4)?,
            status_until: r.get(5)?,
        })
    })?;
    let mut out = Vec::new();
    for row in rows {
        let row = row?;
        if row.status_at(now) != ConsumerStatus::Gone {
            out.push(row);
        }
    }
    Ok(out)
}

/// Registered consumers of a stream (CREATING or ACTIVE), for DescribeStreamSummary's
/// `ConsumerCount`.
pub fn count(eng: &Engine, stream: i64) -> Result<u32, StateError> {
    let now = eng.now();
    Ok(live(eng, stream, now)?.iter().filter(|c| c.status_at(now) != ConsumerStatus::Deleting).count() as u32)
}

/// Parses `arn:aws:kinesis:REGION:ACCOUNT:stream/NAME/consumer/CONSUMER:SECONDS` into the
/// namespace, stream name, consumer name and creation seconds.
pub fn parse_consumer_arn(arn: &str) -> Option<(Ctx, String, String, i64)> {
    let (stream_arn, rest) = arn.split_once("/consumer/")?;
    let (ctx, stream) = super::parse_arn(stream_arn)?;
    if stream_arn.split_once("stream/")?.1.contains('/') {
        return None;
    }
    let (name, secs) = rest.rsplit_once(':')?;
    let secs: i64 = secs.parse().ok()?;
    (!name.is_empty() && !name.contains('/')).then(|| (ctx, stream, name.to_string(), secs))
}

/// The stream of a `StreamARN`, with the namespace the ARN names.
fn stream_of(eng: &mut Engine, ctx: &Ctx, stream_arn: &str) -> Result<(Ctx, Arc<StreamMeta>), StateError> {
    let (sctx, name) = resolve(ctx, &StreamRef { stream_name: None, stream_arn: Some(stream_arn.to_string()) })?;
    let m = existing(eng, &sctx, &name)?;
    Ok((sctx, m))
}

// kinesin's wording: AWS's message for a missing consumer was not found. It follows the form
// of AWS's "Consumer NAME with creation timestamp TS under stream S and account A is not in
// ACTIVE status." (quoted from a CloudFormation error).
fn consumer_not_found(ctx: &Ctx, stream: &str, name: &str, secs: Option<i64>) -> StateError {
    let ts = secs.map(|s| format!(" with creation timestamp {s}")).unwrap_or_default();
    StateError::NotFound(format!("Consumer {name}{ts} under stream {stream} and account {} not found.", ctx.account))
}

/// Finds a consumer by `ConsumerARN`, or by `StreamARN` and `ConsumerName`.
pub fn find(eng: &mut Engine, ctx: &Ctx, r: &ConsumerRef) -> Result<(Arc<StreamMeta>, ConsumerRow), StateError> {
    let now = eng.now();
    match (&r.consumer_arn, &r.stream_arn, &r.consumer_name) {
        (Some(arn), _, _) => {
            let (cctx, stream, name, secs) = parse_consumer_arn(arn).ok_or_else(|| {
                // kinesin's wording (not found).
                StateError::InvalidArgument(format!("ConsumerARN {arn} is not a valid Kinesis stream consumer ARN."))
            })?;
            let m = existing(eng, &cctx, &stream).map_err(|_| consumer_not_found(&cctx, &stream, &name, Some(secs)))?;
            let c = live(eng, m.id, now)?
                .into_iter()
                .find(|c| c.name == name && c.created_secs() == secs)
                .ok_or_else(|| consumer_not_found(&cctx, &stream, &name, Some(secs)))?;
            Ok((m, c))
        }
        (None, Some(stream_arn), Some(name)) => {
            let (sctx, m) = stream_of(eng, ctx, stream_arn)?;
            let c = live(eng, m.id, now)?
                .into_iter()
                .find(|c| &c.name == name)
                .ok_or_else(|| consumer_not_found(&sctx, &m.name, name, None))?;
            Ok((m, c))
        }
        // kinesin's wording (not found).
        _ => Err(StateError::InvalidArgument(
            "Either ConsumerARN or both StreamARN and ConsumerName must be provided.".into(),
        )),
    }
}

/// The consumer must be ACTIVE (resource policies); AWS's wording, quoted from a
/// CloudFormation error surfacing it.
pub fn require_active(m: &StreamMeta, c: &ConsumerRow, now: i64) -> Result<(), StateError> {
    if c.status_at(now) == ConsumerStatus::Active {
        return Ok(());
    }
    Err(StateError::InUse(format!(
        "Consumer {} with creation timestamp {} under stream {} and account {} is not in ACTIVE status.",
        c.name,
        c.created_secs(),
        m.name,
        m.account
    )))
}

/// RegisterStreamConsumer.
pub fn register(
    eng: &mut Engine,
    ctx: &Ctx,
    input: RegisterStreamConsumerInput,
) -> Result<RegisterStreamConsumerOutput, StateError> {
    let (sctx, m) = stream_of(eng, ctx, &input.stream_arn)?;
    let now = eng.now();
    let status = m.status_at(now);
    if !matches!(status, Status::Active | Status::Updating) {
        // The "not ACTIVE" form AWS uses for stream changes; whether AWS refuses
        // registration on a CREATING stream with exactly this text was not verified.
        return Err(StateError::InUse(format!(
            "Stream {} under account {} not ACTIVE, instead in state {}",
            m.name,
            sctx.account,
            status.as_str()
        )));
    }
    let name = input.consumer_name;
    let live = live(eng, m.id, now)?;
    if live.iter().any(|c| c.name == name) {
        // kinesin's wording (not found).
        return Err(StateError::InUse(format!(
            "Consumer {name} under stream {} and account {} already exists.",
            m.name, sctx.account
        )));
    }
    if live.len() >= MAX_CONSUMERS {
        // kinesin's wording (not found); the limit is AWS's documented 20 per stream.
        return Err(StateError::LimitExceeded(format!(
            "Stream {} under account {} already has {MAX_CONSUMERS} registered consumers, the most a stream can have.",
            m.name, sctx.account
        )));
    }
    if live.iter().filter(|c| c.status_at(now) == ConsumerStatus::Creating).count() >= MAX_CREATING {
        // kinesin's wording (not found); the limit is AWS's documented 5 CREATING at once.
        return Err(StateError::LimitExceeded(format!(
            "Stream {} under account {} already has {MAX_CREATING} consumers in CREATING status, the most that can be created at the same time.",
            m.name, sctx.account
        )));
    }
    let tags = input.tags.unwrap_or_default();
    let texts = tags.iter().flat_map(|(k, v)| [k.as_str(), v.as_str()]);
    super::tags::check_tag_chars(texts, super::tags::TagAction::Add, &m.name, &sctx.account)?;
    eng.conn.prepare_cached("DELETE FROM consumers WHERE stream=?1 AND name=?2")?.execute(params![m.id, name])?;
    let created_ms = now.div_euclid(1000) * 1000;
    let until = now + eng.settings.kinesis.create_delay_ms.max(0);
    eng.conn
        .prepare_cached(
            "INSERT INTO consumers(stream, name, created_ms, status, status_until) VALUES (?1, ?2, ?3, 'CREATING', ?4)",
        )?
        .execute(params![m.id, name, created_ms, until])?;
    let c = ConsumerRow {
        id: eng.conn.last_insert_rowid(),
        stream: m.id,
        name,
        created_ms,
        status: "CREATING".into(),
        status_until: until,
    };
    add_tags(eng, &m, &c, &tags)?;
    Ok(RegisterStreamConsumerOutput { consumer: c.to_wire(&m, now) })
}

/// Sets tags on a consumer (at most [`super::tags::MAX_TAGS`] in all).
pub fn add_tags(
    eng: &mut Engine,
    m: &StreamMeta,
    c: &ConsumerRow,
    tags: &BTreeMap<String, String>,
) -> Result<(), StateError> {
    let current: Vec<String> = eng
        .conn
        .prepare_cached("SELECT key FROM consumer_tags WHERE consumer=?1")?
        .query_map([c.id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let total = current.len() + tags.keys().filter(|k| !current.contains(k)).count();
    if total > super::tags::MAX_TAGS {
        // kinesin's wording, after AWS's message for streams.
        return Err(StateError::InvalidArgument(format!(
            "Failed to add tags to consumer {} of stream {} under account {} because a given consumer cannot have more than {} tags associated with it.",
            c.name,
            m.name,
            m.account,
            super::tags::MAX_TAGS
        )));
    }
    for (k, v) in tags {
        eng.conn
            .prepare_cached("INSERT OR REPLACE INTO consumer_tags(consumer, key, value) VALUES (?1, ?2, ?3)")?
            .execute(params![c.id, k, v])?;
    }
    Ok(())
}

/// DeregisterStreamConsumer: the consumer is DELETING for `delete_delay_ms`, then gone.
/// Deregistering a consumer that is already DELETING succeeds and changes nothing.
pub fn deregister(eng: &mut Engine, ctx: &Ctx, input: ConsumerRef) -> Result<(), StateError> {
    let (_, c) = find(eng, ctx, &input)?;
    let now = eng.now();
    if c.status_at(now) == ConsumerStatus::Deleting {
        return Ok(());
    }
    let delay = eng.settings.kinesis.delete_delay_ms;
    if delay <= 0 {
        eng.conn.prepare_cached("DELETE FROM consumers WHERE id=?1")?.execute([c.id])?;
    } else {
        eng.conn
            .prepare_cached("UPDATE consumers SET status='DELETING', status_until=?2 WHERE id=?1")?
            .execute(params![c.id, now + delay])?;
    }
    Ok(())
}

/// DescribeStreamConsumer.
pub fn describe(eng: &mut Engine, ctx: &Ctx, input: ConsumerRef) -> Result<DescribeStreamConsumerOutput, StateError> {
    let (m, c) = find(eng, ctx, &input)?;
    let w = c.to_wire(&m, eng.now());
    Ok(DescribeStreamConsumerOutput {
        consumer_description: ConsumerDescription {
            consumer_name: w.consumer_name,
            consumer_arn: w.consumer_arn,
            consumer_status: w.consumer_status,
            consumer_creation_timestamp: w.consumer_creation_timestamp,
            stream_arn: m.arn(),
        },
    })
}

/// ListStreamConsumers: consumers in registration order, at most 100 a page.
pub fn list(
    eng: &mut Engine,
    ctx: &Ctx,
    input: ListStreamConsumersInput,
) -> Result<ListStreamConsumersOutput, StateError> {
    let (sctx, m) = stream_of(eng, ctx, &input.stream_arn)?;
    if let Some(ts) = input.stream_creation_timestamp {
        if ts.floor() as i64 != m.created_ms.div_euclid(1000) {
            return Err(super::not_found(&sctx, &m.name));
        }
    }
    let now = eng.now();
    let after = match &input.next_token {
        Some(t) => open_token(eng, t, m.id, now)?,
        None => 0,
    };
    let limit = input.max_results.unwrap_or(MAX_LIST).clamp(1, MAX_LIST) as usize;
    let rows: Vec<ConsumerRow> = live(eng, m.id, now)?.into_iter().filter(|c| c.id > after).collect();
    let more = rows.len() > limit;
    let page: Vec<&ConsumerRow> = rows.iter().take(limit).collect();
    let next_token = match (more, page.last()) {
        (true, Some(last)) => {
            Some(token::seal(&eng.secret, LIST_CONSUMERS, &token::Fields::default().i64(now).i64(m.id).i64(last.id).0))
        }
        _ => None,
    };
    Ok(ListStreamConsumersOutput { consumers: page.iter().map(|c| c.to_wire(&m, now)).collect(), next_token })
}

fn open_token(eng: &Engine, t: &str, stream: i64, now: i64) -> Result<i64, StateError> {
    // kinesin's wording, as for ListStreams/ListShards tokens (AWS's was not found).
    let bad = || StateError::InvalidArgument(format!("Invalid NextToken: {t}"));
    let payload = token::open(&eng.secret, LIST_CONSUMERS, t).ok_or_else(bad)?;
    let mut r = token::Reader(&payload);
    let (issued, id, last) = (r.i64().ok_or_else(bad)?, r.i64().ok_or_else(bad)?, r.i64().ok_or_else(bad)?);
    if id != stream {
        return Err(bad());
    }
    if now - issued > NEXT_TOKEN_TTL_MS {
        return Err(StateError::ExpiredNextToken(format!("The NextToken {t} has expired.")));
    }
    Ok(last)
}

/// Called by DeleteStream before a stream is deleted: with registered consumers it fails
/// unless `enforce` (EnforceConsumerDeletion) is set, in which case the consumers are
/// DELETING until the stream is gone (its deletion removes them).
pub fn before_stream_delete(eng: &mut Engine, m: &StreamMeta, enforce: bool) -> Result<(), StateError> {
    let now = eng.now();
    let registered: Vec<i64> = live(eng, m.id, now)?
        .into_iter()
        .filter(|c| c.status_at(now) != ConsumerStatus::Deleting)
        .map(|c| c.id)
        .collect();
    if registered.is_empty() {
        return Ok(());
    }
    if !enforce {
        // AWS's wording, quoted from real errors (terraform-provider-aws #8420, aws-cli #3580,
        // aws-nuke #497); the apostrophe is U+2019 as in those quotes (CloudFormation showed it
        // as "can?t", which an ASCII apostrophe would not become).
        return Err(StateError::InUse(format!(
            "DeleteStream can\u{2019}t delete {}:{} because there are consumers associated with this data stream. To delete {} anyway, set the EnforceConsumerDeletion parameter to true to force the deletion of all the consumers that are associated with it.",
            m.account, m.name, m.name
        )));
    }
    let until = now + eng.settings.kinesis.delete_delay_ms.max(0);
    for id in registered {
        eng.conn
            .prepare_cached("UPDATE consumers SET status='DELETING', status_until=?2 WHERE id=?1")?
            .execute(params![id, until])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testing::{by_name, ctx, engine};
    use super::super::{streams, testing};
    use super::*;

    const S_ARN: &str = "arn:aws:kinesis:us-east-1:000000000000:stream/s";

    fn setup() -> (Engine, crate::clock::ManualClock) {
        let (mut eng, clock) = engine();
        streams::create(
            &mut eng,
            &ctx(),
            CreateStreamInput {
                stream_name: "s".into(),
                shard_count: Some(1),
                stream_mode_details: None,
                tags: None,
                max_record_size_in_kib: None,
                warm_throughput_mibps: None,
            },
        )
        .unwrap();
        (eng, clock)
    }

    fn reg(eng: &mut Engine, name: &str) -> Result<Consumer, StateError> {
        register(
            eng,
            &ctx(),
            RegisterStreamConsumerInput { stream_arn: S_ARN.into(), consumer_name: name.into(), tags: None },
        )
        .map(|o| o.consumer)
    }

    fn by_stream(name: &str) -> ConsumerRef {
        ConsumerRef { stream_arn: Some(S_ARN.into()), consumer_name: Some(name.into()), consumer_arn: None }
    }

    fn by_arn(arn: &str) -> ConsumerRef {
        ConsumerRef { consumer_arn: Some(arn.into()), ..Default::default() }
    }

    #[test]
    fn register_creating_then_active_and_describe_both_ways() {
        let (mut eng, clock) = setup();
        eng.settings.kinesis.create_delay_ms = 2000;
        clock.advance(1234);
        let c = reg(&mut eng, "app").unwrap();
        let secs = (1_767_225_600_000i64 + 1234) / 1000;
        assert_eq!(c.consumer_arn, format!("{S_ARN}/consumer/app:{secs}"));
        assert_eq!(c.consumer_status, "CREATING");
        assert_eq!(c.consumer_creation_timestamp, secs as f64);
        let d = describe(&mut eng, &ctx(), by_arn(&c.consumer_arn)).unwrap().consumer_description;
        assert_eq!((d.consumer_status.as_str(), d.stream_arn.as_str()), ("CREATING", S_ARN));
        clock.advance(2000);
        let d = describe(&mut eng, &ctx(), by_stream("app")).unwrap().consumer_description;
        assert_eq!((d.consumer_status.as_str(), d.consumer_arn), ("ACTIVE", c.consumer_arn.clone()));
        let summary = streams::describe_summary(&mut eng, &ctx(), by_name("s")).unwrap();
        assert_eq!(summary.stream_description_summary.consumer_count, 1);
        let err = reg(&mut eng, "app").unwrap_err();
        assert_eq!(err.to_string(), "Consumer app under stream s and account 000000000000 already exists.");
        assert!(matches!(err, StateError::InUse(_)));
        let stale = c.consumer_arn.replace(&format!(":{secs}"), ":1");
        assert!(matches!(describe(&mut eng, &ctx(), by_arn(&stale)), Err(StateError::NotFound(_))));
        let err = describe(&mut eng, &ctx(), by_stream("nope")).unwrap_err();
        assert_eq!(err.to_string(), "Consumer nope under stream s and account 000000000000 not found.");
        let err = describe(&mut eng, &ctx(), ConsumerRef { consumer_name: Some("app".into()), ..Default::default() });
        assert!(matches!(err, Err(StateError::InvalidArgument(_))));
        let ghost = ConsumerRef {
            stream_arn: Some("arn:aws:kinesis:us-east-1:000000000000:stream/ghost".into()),
            consumer_name: Some("app".into()),
            consumer_arn: None,
        };
        let err = describe(&mut eng, &ctx(), ghost).unwrap_err();
        assert_eq!(err.to_string(), "Stream ghost under account 000000000000 not found.");
    }

    #[test]
    fn limits_twenty_per_stream_and_five_creating() {
        let (mut eng, clock) = setup();
        eng.settings.kinesis.create_delay_ms = 1000;
        for i in 0..5 {
            reg(&mut eng, &format!("c{i}")).unwrap();
        }
        let err = reg(&mut eng, "c5").unwrap_err();
        assert!(matches!(&err, StateError::LimitExceeded(m) if m.contains("CREATING")), "{err}");
        clock.advance(1000);
        for i in 5..20 {
            if i % 5 == 0 {
                clock.advance(1000);
            }
            reg(&mut eng, &format!("c{i}")).unwrap();
        }
        clock.advance(1000);
        let err = reg(&mut eng, "c20").unwrap_err();
        assert!(matches!(&err, StateError::LimitExceeded(m) if m.contains("20 registered consumers")), "{err}");
        deregister(&mut eng, &ctx(), by_stream("c3")).unwrap();
        reg(&mut eng, "c20").unwrap();
    }

    #[test]
    fn deregister_goes_through_deleting_and_frees_the_name() {
        let (mut eng, clock) = setup();
        eng.settings.kinesis.delete_delay_ms = 500;
        let c = reg(&mut eng, "app").unwrap();
        deregister(&mut eng, &ctx(), by_arn(&c.consumer_arn)).unwrap();
        let d = describe(&mut eng, &ctx(), by_stream("app")).unwrap().consumer_description;
        assert_eq!(d.consumer_status, "DELETING");
        deregister(&mut eng, &ctx(), by_stream("app")).unwrap();
        assert!(matches!(reg(&mut eng, "app"), Err(StateError::InUse(_))), "the name is taken while DELETING");
        let summary = streams::describe_summary(&mut eng, &ctx(), by_name("s")).unwrap();
        assert_eq!(summary.stream_description_summary.consumer_count, 0);
        clock.advance(1500);
        assert!(matches!(describe(&mut eng, &ctx(), by_stream("app")), Err(StateError::NotFound(_))));
        let again = reg(&mut eng, "app").unwrap();
        assert_ne!(again.consumer_arn, c.consumer_arn);
        let n: i64 = eng.conn.query_row("SELECT COUNT(*) FROM consumers", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 1, "the gone row was replaced");
        assert!(matches!(deregister(&mut eng, &ctx(), by_arn(&c.consumer_arn)), Err(StateError::NotFound(_))));
    }

    #[test]
    fn list_pages_with_tokens() {
        let (mut eng, clock) = setup();
        for i in 0..5 {
            reg(&mut eng, &format!("c{i}")).unwrap();
        }
        let page = |eng: &mut Engine, token: Option<String>, max: Option<u32>| {
            list(
                eng,
                &ctx(),
                ListStreamConsumersInput {
                    stream_arn: S_ARN.into(),
                    next_token: token,
                    max_results: max,
                    stream_creation_timestamp: None,
                },
            )
        };
        let all = page(&mut eng, None, None).unwrap();
        assert_eq!(all.consumers.len(), 5);
        assert!(all.next_token.is_none());
        let mut names = Vec::new();
        let mut token = None;
        loop {
            let p = page(&mut eng, token.clone(), Some(2)).unwrap();
            names.extend(p.consumers.iter().map(|c| c.consumer_name.clone()));
            match p.next_token {
                Some(t) => token = Some(t),
                None => break,
            }
        }
        assert_eq!(names, vec!["c0", "c1", "c2", "c3", "c4"]);
        let p = page(&mut eng, None, Some(2)).unwrap();
        assert!(matches!(page(&mut eng, Some("garbage".into()), None), Err(StateError::InvalidArgument(_))));
        clock.advance(NEXT_TOKEN_TTL_MS + 1);
        assert!(matches!(page(&mut eng, p.next_token, None), Err(StateError::ExpiredNextToken(_))));
        let created = streams::describe_summary(&mut eng, &ctx(), by_name("s"))
            .unwrap()
            .stream_description_summary
            .stream_creation_timestamp;
        let with_ts = |ts: f64| ListStreamConsumersInput {
            stream_arn: S_ARN.into(),
            next_token: None,
            max_results: None,
            stream_creation_timestamp: Some(ts),
        };
        assert_eq!(list(&mut eng, &ctx(), with_ts(created)).unwrap().consumers.len(), 5);
        assert!(matches!(list(&mut eng, &ctx(), with_ts(created - 10.0)), Err(StateError::NotFound(_))));
    }

    #[test]
    fn delete_stream_needs_enforce_with_consumers() {
        let (mut eng, _clock) = setup();
        reg(&mut eng, "app").unwrap();
        let del = |enforce: Option<bool>| DeleteStreamInput {
            stream: testing::by_name("s"),
            enforce_consumer_deletion: enforce,
        };
        let err = streams::delete(&mut eng, &ctx(), del(None)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "DeleteStream can\u{2019}t delete 000000000000:s because there are consumers associated with this data stream. To delete s anyway, set the EnforceConsumerDeletion parameter to true to force the deletion of all the consumers that are associated with it."
        );
        assert!(matches!(err, StateError::InUse(_)));
        assert!(streams::delete(&mut eng, &ctx(), del(Some(false))).is_err());
        streams::delete(&mut eng, &ctx(), del(Some(true))).unwrap();
        let n: i64 = eng.conn.query_row("SELECT COUNT(*) FROM consumers", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 0, "the stream's deletion removed its consumers");
    }

    #[test]
    fn enforced_delete_marks_consumers_deleting_while_the_stream_is_deleting() {
        let (mut eng, _clock) = setup();
        eng.settings.kinesis.delete_delay_ms = 1000;
        reg(&mut eng, "app").unwrap();
        streams::delete(
            &mut eng,
            &ctx(),
            DeleteStreamInput { stream: testing::by_name("s"), enforce_consumer_deletion: Some(true) },
        )
        .unwrap();
        let d = describe(&mut eng, &ctx(), by_stream("app")).unwrap().consumer_description;
        assert_eq!(d.consumer_status, "DELETING");
    }

    #[test]
    fn consumer_arns_parse() {
        let (c, s, n, t) =
            parse_consumer_arn("arn:aws:kinesis:eu-west-1:123456789012:stream/s1/consumer/app.v2:1700000000").unwrap();
        assert_eq!((c.region.as_str(), c.account.as_str()), ("eu-west-1", "123456789012"));
        assert_eq!((s.as_str(), n.as_str(), t), ("s1", "app.v2", 1_700_000_000));
        for bad in [
            "arn:aws:kinesis:eu-west-1:123456789012:stream/s1",
            "arn:aws:kinesis:eu-west-1:123456789012:stream/s1/consumer/app",
            "arn:aws:kinesis:eu-west-1:123456789012:stream/s1/consumer/:1",
            "arn:aws:kinesis:eu-west-1:123456789012:stream/s1/consumer/app:x",
            "arn:aws:sqs:eu-west-1:123456789012:stream/s1/consumer/app:1",
        ] {
            assert!(parse_consumer_arn(bad).is_none(), "{bad}");
        }
    }
}
