//! Delivery stream lifecycle: create, describe, list, delete, update the destination,
//! tags and server-side encryption.

use super::dest_kind::{self, DestKind};
use super::{arn, not_found, source, FhError, DESTINATION_ID};
use crate::db::Engine;
use crate::Ctx;
use kinesin_protocol::firehose::*;
use rusqlite::{params, OptionalExtension};
use serde_json::{json, Value};

/// Most tags on a delivery stream.
pub const MAX_TAGS: usize = 50;

/// A delivery stream as stored.
#[derive(Debug, Clone)]
pub struct StreamRow {
    /// Row id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// `DirectPut`, ...
    pub kind: String,
    /// Stored status.
    pub status: Status,
    /// When a transitional status ends (ms).
    pub status_until: i64,
    /// Creation time (ms).
    pub created_ms: i64,
    /// Last UpdateDestination (ms).
    pub updated_ms: Option<i64>,
    /// VersionId.
    pub version: i64,
    /// The destination description.
    pub dest: Value,
    /// The source description.
    pub source: Option<Value>,
    /// The encryption configuration.
    pub encryption: Option<DeliveryStreamEncryptionConfiguration>,
    /// The destination's kind (`fh_streams.dest_kind`).
    pub dest_kind: DestKind,
}

/// A delivery stream's status (`DeliveryStreamStatus`; the `*_FAILED` ones never happen here).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// `CREATING` until `status_until`.
    Creating,
    /// `ACTIVE`.
    Active,
    /// `DELETING` until `status_until`, then gone.
    Deleting,
}

impl Status {
    /// The name stored and answered.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Creating => "CREATING",
            Status::Active => "ACTIVE",
            Status::Deleting => "DELETING",
        }
    }

    /// The status stored as `s` (anything unknown reads as ACTIVE).
    pub fn parse(s: &str) -> Status {
        match s {
            "CREATING" => Status::Creating,
            "DELETING" => Status::Deleting,
            _ => Status::Active,
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl StreamRow {
    /// The status at `now`: CREATING turns ACTIVE when its time is up; `None` once a
    /// DELETING stream is gone.
    pub fn status_at(&self, now: i64) -> Option<Status> {
        match self.status {
            Status::Creating if now >= self.status_until => Some(Status::Active),
            Status::Deleting if now >= self.status_until => None,
            s => Some(s),
        }
    }

    /// Whether records are encrypted at rest.
    pub fn encrypted(&self) -> bool {
        self.encryption.as_ref().is_some_and(|e| e.status == "ENABLED")
    }
}

/// The columns [`from_row`] reads, in its order.
pub const COLUMNS: &str =
    "id, name, type, status, status_until, created_ms, updated_ms, version, dest, source, encryption, dest_kind";

/// Reads one stored row: the [`COLUMNS`] in order (`dest_kind` may be anywhere).
pub fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StreamRow> {
    fn json<T: serde::de::DeserializeOwned>(s: Option<String>) -> Option<T> {
        s.and_then(|s| serde_json::from_str(&s).ok())
    }
    Ok(StreamRow {
        id: r.get(0)?,
        name: r.get(1)?,
        kind: r.get(2)?,
        status: Status::parse(&r.get::<_, String>(3)?),
        status_until: r.get(4)?,
        created_ms: r.get(5)?,
        updated_ms: r.get(6)?,
        version: r.get(7)?,
        dest: json(r.get(8)?).unwrap_or(Value::Null),
        source: json(r.get(9)?),
        encryption: json(r.get(10)?),
        // By name: queries that read more columns after these place it where they like.
        dest_kind: DestKind::parse(&r.get::<_, String>("dest_kind")?),
    })
}

/// The stream named `name`, if stored (in any status).
pub fn find(eng: &Engine, ctx: &Ctx, name: &str) -> Result<Option<StreamRow>, FhError> {
    let sql = format!("SELECT {COLUMNS} FROM fh_streams WHERE account=?1 AND region=?2 AND name=?3");
    Ok(eng.conn.prepare_cached(&sql)?.query_row(params![ctx.account, ctx.region, name], from_row).optional()?)
}

/// A stream that exists (not gone after deletion).
pub fn existing(eng: &Engine, ctx: &Ctx, name: &str) -> Result<StreamRow, FhError> {
    let now = eng.now();
    match find(eng, ctx, name)? {
        Some(s) if s.status_at(now).is_some() => Ok(s),
        _ => Err(not_found(ctx, name)),
    }
}

/// A stream that is ACTIVE, for operations that change it.
pub fn active(eng: &Engine, ctx: &Ctx, name: &str) -> Result<StreamRow, FhError> {
    let s = existing(eng, ctx, name)?;
    match s.status_at(eng.now()) {
        Some(Status::Active) => Ok(s),
        // kinesin's wording: AWS answers ResourceInUseException; its exact text was not found.
        Some(status) => Err(FhError::in_use(format!(
            "Firehose {name} under account {} is not ACTIVE, instead in state {status}.",
            ctx.account
        ))),
        None => Err(not_found(ctx, name)),
    }
}

/// CreateDeliveryStream.
pub fn create(
    eng: &mut Engine,
    ctx: &Ctx,
    input: CreateDeliveryStreamInput,
) -> Result<CreateDeliveryStreamOutput, FhError> {
    let now = eng.now();
    let name = input.delivery_stream_name.clone();
    let kind = input.delivery_stream_type.clone().unwrap_or_else(|| "DirectPut".into());
    if kind != "DirectPut" && kind != source::KIND {
        return Err(FhError::invalid(format!("DeliveryStreamType {kind} is not supported by kinesin yet.")));
    }
    let kinesis_source = source::configure(eng, &kind, &input)?;
    let unsupported: Vec<&str> =
        dest_kind::UNSUPPORTED_CONFIGS.iter().copied().filter(|k| input.other.contains_key(*k)).collect();
    let mut configs: Vec<(DestKind, &Value)> = Vec::new();
    configs.extend(input.s3_destination_configuration.as_ref().map(|c| (DestKind::ExtendedS3, c)));
    configs.extend(input.extended_s3_destination_configuration.as_ref().map(|c| (DestKind::ExtendedS3, c)));
    for k in &dest_kind::ALL[1..] {
        configs.extend(input.other.get(k.config_member()).map(|c| (*k, c)));
    }
    if configs.len() + unsupported.len() != 1 {
        // moto's wording; AWS's exact text was not found.
        return Err(FhError::invalid("Exactly one destination configuration is supported for a Firehose"));
    }
    if let Some(other) = unsupported.first() {
        return Err(FhError::invalid(format!("{other} is not supported by kinesin yet.")));
    }
    let (kind_of_dest, config) = configs[0];
    let dest = dest_kind::from_config(kind_of_dest, config)?;
    if let Some(existing) = find(eng, ctx, &name)? {
        if existing.status_at(now).is_some() {
            // AWS: "Firehose <name> under accountId <account> already exists" (as moto records it).
            return Err(FhError::in_use(format!("Firehose {name} under accountId {} already exists", ctx.account)));
        }
        purge(eng, existing.id)?;
    }
    let tags = input.tags.unwrap_or_default();
    if tags.len() > MAX_TAGS {
        return Err(too_many_tags(&name));
    }
    let encryption = match input.delivery_stream_encryption_configuration_input {
        Some(e) => Some(encryption_config(&e)?),
        None => None,
    };
    let source = match &kinesis_source {
        Some(k) => Some(k.description(now).to_string()),
        None => input.direct_put_source_configuration.map(|c| json!({"DirectPutSourceDescription": c}).to_string()),
    };
    let delay = eng.settings.kinesis.create_delay_ms;
    let status = if delay > 0 { Status::Creating } else { Status::Active }.as_str();
    eng.conn
        .prepare_cached(
            "INSERT INTO fh_streams(account, region, name, type, status, status_until, created_ms, version,
                                    dest_kind, dest, source, encryption)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, ?8, ?9, ?10, ?11)",
        )?
        .execute(params![
            ctx.account,
            ctx.region,
            name,
            kind,
            status,
            now + delay,
            now,
            kind_of_dest.as_str(),
            dest.to_string(),
            source,
            encryption.map(|e| to_json(&e))
        ])?;
    let id = eng.conn.last_insert_rowid();
    crate::analytics::firehose_input::adopt(eng, ctx, &name, id).map_err(|e| FhError::internal(e.message))?;
    if let Some(k) = &kinesis_source {
        source::initialize(eng, id, k)?;
    }
    for t in tags {
        eng.conn
            .prepare_cached("INSERT OR REPLACE INTO fh_tags(stream, key, value) VALUES (?1, ?2, ?3)")?
            .execute(params![id, t.key, t.value])?;
    }
    Ok(CreateDeliveryStreamOutput { delivery_stream_arn: arn(ctx, &name) })
}

fn too_many_tags(name: &str) -> FhError {
    // kinesin's wording: AWS answers LimitExceededException; its exact text was not found.
    FhError::limit(format!("Firehose {name} would have more than {MAX_TAGS} tags."))
}

fn encryption_config(e: &EncryptionInput) -> Result<DeliveryStreamEncryptionConfiguration, FhError> {
    // kinesin's wording for both checks; AWS answers InvalidArgumentException, text not found.
    match (e.key_type.as_str(), &e.key_arn) {
        ("CUSTOMER_MANAGED_CMK", None) => {
            Err(FhError::invalid("KeyARN is required when KeyType is CUSTOMER_MANAGED_CMK."))
        }
        ("AWS_OWNED_CMK", Some(_)) => Err(FhError::invalid("KeyARN must not be given when KeyType is AWS_OWNED_CMK.")),
        _ => Ok(DeliveryStreamEncryptionConfiguration {
            key_type: Some(e.key_type.clone()),
            status: "ENABLED".into(),
            key_arn: e.key_arn.clone(),
        }),
    }
}

/// Removes a stream, its tags, its buffered records and the Analytics taps on it.
pub fn purge(eng: &mut Engine, id: i64) -> Result<(), FhError> {
    eng.conn.prepare_cached("DELETE FROM fh_records WHERE stream=?1")?.execute([id])?;
    eng.conn.prepare_cached("DELETE FROM kda_firehose_taps WHERE stream=?1")?.execute([id])?;
    eng.conn.prepare_cached("DELETE FROM fh_streams WHERE id=?1")?.execute([id])?;
    Ok(())
}

/// DeleteDeliveryStream. Buffered records that were not delivered yet are dropped, as on AWS.
pub fn delete(eng: &mut Engine, ctx: &Ctx, input: StreamNameInput) -> Result<Empty, FhError> {
    let s = existing(eng, ctx, &input.delivery_stream_name)?;
    if s.status == Status::Deleting {
        return Ok(Empty {});
    }
    let delay = eng.settings.kinesis.delete_delay_ms;
    if delay <= 0 {
        purge(eng, s.id)?;
    } else {
        eng.conn
            .prepare_cached("UPDATE fh_streams SET status='DELETING', status_until=?2 WHERE id=?1")?
            .execute(params![s.id, eng.now() + delay])?;
    }
    Ok(Empty {})
}

fn secs(ms: i64) -> f64 {
    ms as f64 / 1000.0
}

/// DescribeDeliveryStream.
pub fn describe(
    eng: &mut Engine,
    ctx: &Ctx,
    input: DescribeDeliveryStreamInput,
) -> Result<DescribeDeliveryStreamOutput, FhError> {
    let s = existing(eng, ctx, &input.delivery_stream_name)?;
    let status = s.status_at(eng.now()).unwrap_or(Status::Deleting).as_str();
    let mut destinations = Vec::new();
    let after_ours = input.exclusive_start_destination_id.as_deref().is_some_and(|id| id >= DESTINATION_ID);
    if !after_ours {
        destinations.push(dest_kind::describe(s.dest_kind, DESTINATION_ID, &s.dest));
    }
    let description = DeliveryStreamDescription {
        delivery_stream_arn: arn(ctx, &s.name),
        delivery_stream_name: s.name,
        delivery_stream_status: status.to_string(),
        delivery_stream_encryption_configuration: s
            .encryption
            .unwrap_or_else(DeliveryStreamEncryptionConfiguration::disabled),
        delivery_stream_type: s.kind,
        version_id: s.version.to_string(),
        create_timestamp: secs(s.created_ms),
        destinations,
        has_more_destinations: false,
        last_update_timestamp: s.updated_ms.map(secs),
        source: s.source,
    };
    Ok(DescribeDeliveryStreamOutput { delivery_stream_description: description })
}

/// ListDeliveryStreams: names in alphabetical order, 10 by default.
pub fn list(
    eng: &mut Engine,
    ctx: &Ctx,
    input: ListDeliveryStreamsInput,
) -> Result<ListDeliveryStreamsOutput, FhError> {
    let now = eng.now();
    let limit = input.limit.unwrap_or(10) as usize;
    let after = input.exclusive_start_delivery_stream_name.unwrap_or_default();
    let sql = format!("SELECT {COLUMNS} FROM fh_streams WHERE account=?1 AND region=?2 AND name > ?3 ORDER BY name");
    let mut stmt = eng.conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![ctx.account, ctx.region, after], from_row)?;
    let mut names = Vec::new();
    let mut more = false;
    for row in rows {
        let s = row?;
        if s.status_at(now).is_none() || input.delivery_stream_type.as_ref().is_some_and(|t| *t != s.kind) {
            continue;
        }
        if names.len() == limit {
            more = true;
            break;
        }
        names.push(s.name);
    }
    Ok(ListDeliveryStreamsOutput { delivery_stream_names: names, has_more_delivery_streams: more })
}

/// UpdateDestination: an update of the destination's kind merges into it, an update of
/// another kind replaces it (and must then be complete); VersionId + 1.
pub fn update_destination(eng: &mut Engine, ctx: &Ctx, input: UpdateDestinationInput) -> Result<Empty, FhError> {
    let name = &input.delivery_stream_name;
    let s = existing(eng, ctx, name)?;
    if let Some(status) = s.status_at(eng.now()).filter(|st| *st != Status::Active) {
        // Wording as other emulators record it; AWS's exact text was not found.
        return Err(FhError::in_use(format!("Cannot update firehose: {name} when it is in {status} status")));
    }
    if input.current_delivery_stream_version_id != s.version.to_string() {
        // AWS's wording, as moto records it.
        return Err(FhError::concurrent(format!(
            "Cannot update firehose: {name} since the current version id: {} and specified version id: {} do not match",
            s.version, input.current_delivery_stream_version_id
        )));
    }
    if input.destination_id != DESTINATION_ID {
        // kinesin's wording; AWS's exact text was not found.
        return Err(FhError::invalid(format!(
            "Destination {} does not exist for Firehose {name}.",
            input.destination_id
        )));
    }
    if let Some(other) = dest_kind::UNSUPPORTED_UPDATES.iter().find(|k| input.other.contains_key(**k)) {
        return Err(FhError::invalid(format!("{other} is not supported by kinesin yet.")));
    }
    let mut updates: Vec<(DestKind, &Value)> = Vec::new();
    updates.extend(input.s3_destination_update.as_ref().map(|u| (DestKind::ExtendedS3, u)));
    updates.extend(input.extended_s3_destination_update.as_ref().map(|u| (DestKind::ExtendedS3, u)));
    for k in &dest_kind::ALL[1..] {
        updates.extend(input.other.get(k.update_member()).map(|u| (*k, u)));
    }
    let (kind, dest) = match updates.as_slice() {
        [] => (s.dest_kind, s.dest.clone()),
        [(kind, u)] if *kind == s.dest_kind => (*kind, dest_kind::merge_update(*kind, &s.dest, u)?),
        [(kind, u)] => (*kind, dest_kind::from_config(*kind, &dest_kind::update_as_config(u))?),
        // kinesin's wording; AWS's exact text was not found.
        _ => return Err(FhError::invalid("Only one destination update may be specified.")),
    };
    eng.conn
        .prepare_cached("UPDATE fh_streams SET dest=?2, dest_kind=?4, version=version+1, updated_ms=?3 WHERE id=?1")?
        .execute(params![s.id, dest.to_string(), eng.now(), kind.as_str()])?;
    Ok(Empty {})
}

fn tag_count(eng: &Engine, id: i64) -> Result<usize, FhError> {
    let n: i64 =
        eng.conn.prepare_cached("SELECT COUNT(*) FROM fh_tags WHERE stream=?1")?.query_row([id], |r| r.get(0))?;
    Ok(n as usize)
}

/// TagDeliveryStream.
pub fn tag(eng: &mut Engine, ctx: &Ctx, input: TagDeliveryStreamInput) -> Result<Empty, FhError> {
    let s = existing(eng, ctx, &input.delivery_stream_name)?;
    for t in &input.tags {
        eng.conn
            .prepare_cached("INSERT OR REPLACE INTO fh_tags(stream, key, value) VALUES (?1, ?2, ?3)")?
            .execute(params![s.id, t.key, t.value])?;
    }
    if tag_count(eng, s.id)? > MAX_TAGS {
        return Err(too_many_tags(&s.name));
    }
    Ok(Empty {})
}

/// UntagDeliveryStream (keys that are not there are ignored).
pub fn untag(eng: &mut Engine, ctx: &Ctx, input: UntagDeliveryStreamInput) -> Result<Empty, FhError> {
    let s = existing(eng, ctx, &input.delivery_stream_name)?;
    for k in &input.tag_keys {
        eng.conn.prepare_cached("DELETE FROM fh_tags WHERE stream=?1 AND key=?2")?.execute(params![s.id, k])?;
    }
    Ok(Empty {})
}

/// ListTagsForDeliveryStream: tags by key.
pub fn list_tags(eng: &mut Engine, ctx: &Ctx, input: ListTagsInput) -> Result<ListTagsOutput, FhError> {
    let s = existing(eng, ctx, &input.delivery_stream_name)?;
    let limit = input.limit.unwrap_or(50) as usize;
    let after = input.exclusive_start_tag_key.unwrap_or_default();
    let mut stmt =
        eng.conn.prepare_cached("SELECT key, value FROM fh_tags WHERE stream=?1 AND key > ?2 ORDER BY key")?;
    let mut tags: Vec<Tag> = stmt
        .query_map(params![s.id, after], |r| Ok(Tag { key: r.get(0)?, value: r.get(1)? }))?
        .collect::<Result<_, _>>()?;
    let more = tags.len() > limit;
    tags.truncate(limit);
    Ok(ListTagsOutput { tags, has_more_tags: more })
}

/// StartDeliveryStreamEncryption (takes effect at once: ENABLED).
pub fn start_encryption(eng: &mut Engine, ctx: &Ctx, input: StartEncryptionInput) -> Result<Empty, FhError> {
    let s = active(eng, ctx, &input.delivery_stream_name)?;
    if s.kind == source::KIND {
        // SSE is for DirectPut streams only (API reference). The wording is AWS's answer to
        // PutRecord on such a stream; its answer here was not found.
        return Err(FhError::invalid("This operation is not permitted on KinesisStreamAsSource delivery stream type."));
    }
    let e = input
        .delivery_stream_encryption_configuration_input
        .unwrap_or(EncryptionInput { key_arn: None, key_type: "AWS_OWNED_CMK".into() });
    let config = encryption_config(&e)?;
    set_encryption(eng, s.id, &config)
}

/// StopDeliveryStreamEncryption (takes effect at once: DISABLED).
pub fn stop_encryption(eng: &mut Engine, ctx: &Ctx, input: StreamNameInput) -> Result<Empty, FhError> {
    let s = active(eng, ctx, &input.delivery_stream_name)?;
    set_encryption(eng, s.id, &DeliveryStreamEncryptionConfiguration::disabled())
}

fn set_encryption(eng: &Engine, id: i64, config: &DeliveryStreamEncryptionConfiguration) -> Result<Empty, FhError> {
    eng.conn
        .prepare_cached("UPDATE fh_streams SET encryption=?2 WHERE id=?1")?
        .execute(params![id, to_json(config)])?;
    Ok(Empty {})
}

/// A stored column's JSON text.
fn to_json(v: &impl serde::Serialize) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "{}".into())
}
