//! Amazon EventBridge Pipes: pipe definitions (the control plane) and the engine that moves
//! records from a source to a target (see [`engine`]), run on the store thread.
//!
//! Every control-plane operation takes the validated JSON document of the request (body
//! merged with the path and query parameters) and answers the response document, so the
//! server only routes and renders. States: a mutation puts the pipe in a transitional state
//! (CREATING, STARTING, STOPPING, UPDATING, DELETING) for `transition_ms`, after which it is
//! its desired state (RUNNING or STOPPED) or, after DELETING, gone. Only a RUNNING pipe moves
//! records.

pub mod api;
pub mod dlq;
pub mod engine;
pub mod jsonpath;
pub mod pattern;

#[cfg(test)]
mod tests;

use crate::db::Engine;
use crate::error::StateError;
use crate::Ctx;
use kinesin_protocol::ApiError;
use rusqlite::{params, OptionalExtension};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// Who calls and how long transitions take.
#[derive(Debug, Clone)]
pub struct Opts {
    /// Account and region.
    pub ctx: Ctx,
    /// How long CREATING, STARTING, STOPPING, UPDATING and DELETING last (ms).
    pub transition_ms: i64,
}

/// Members of a pipe definition kept in `spec` (everything but name, state, ARNs and tags).
const SPEC_MEMBERS: &[&str] = &[
    "Description",
    "SourceParameters",
    "Enrichment",
    "EnrichmentParameters",
    "TargetParameters",
    "RoleArn",
    "LogConfiguration",
    "KmsKeyIdentifier",
];

/// Transitional states.
const TRANSITIONAL: &[&str] = &["CREATING", "STARTING", "STOPPING", "UPDATING", "DELETING"];

/// A pipe as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct PipeRow {
    /// Row id.
    pub id: i64,
    /// Account.
    pub account: String,
    /// Region.
    pub region: String,
    /// Name.
    pub name: String,
    /// RUNNING or STOPPED.
    pub desired: String,
    /// Stored state (transitional or final).
    pub state: String,
    /// When a transitional state ends (ms).
    pub state_until: i64,
    /// Why the pipe is not healthy (last delivery failure), if it is not.
    pub state_reason: Option<String>,
    /// Source ARN.
    pub source: String,
    /// Target ARN.
    pub target: String,
    /// The rest of the definition.
    pub spec: Map<String, Value>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
    /// Creation time (ms).
    pub created_ms: i64,
    /// Last change (ms).
    pub modified_ms: i64,
}

impl PipeRow {
    /// `arn:aws:pipes:<region>:<account>:pipe/<name>`.
    pub fn arn(&self) -> String {
        pipe_arn(&self.region, &self.account, &self.name)
    }

    /// The state at `now`; `None` once a deletion has finished.
    pub fn state_at(&self, now: i64) -> Option<&str> {
        if TRANSITIONAL.contains(&self.state.as_str()) && now < self.state_until {
            return Some(&self.state);
        }
        match self.state.as_str() {
            "DELETING" => None,
            s if TRANSITIONAL.contains(&s) => Some(&self.desired),
            s => Some(s),
        }
    }

    /// Whether the pipe moves records at `now`.
    pub fn running_at(&self, now: i64) -> bool {
        self.state_at(now) == Some("RUNNING")
    }

    /// A member of `spec` by path (`["SourceParameters", "KinesisStreamParameters"]`).
    pub fn spec_at(&self, path: &[&str]) -> Option<&Value> {
        let mut v = self.spec.get(*path.first()?)?;
        for k in &path[1..] {
            v = v.get(k)?;
        }
        Some(v)
    }
}

/// A pipe's ARN.
pub fn pipe_arn(region: &str, account: &str, name: &str) -> String {
    format!("arn:aws:pipes:{region}:{account}:pipe/{name}")
}

/// `(region, account, name)` of a pipe ARN.
pub fn parse_pipe_arn(arn: &str) -> Option<(String, String, String)> {
    let mut p = arn.splitn(6, ':');
    let (a, _partition, service, region, account, resource) =
        (p.next()?, p.next()?, p.next()?, p.next()?, p.next()?, p.next()?);
    let name = resource.strip_prefix("pipe/")?;
    (a == "arn" && service == "pipes" && !name.is_empty()).then(|| (region.into(), account.into(), name.into()))
}

// ---------------------------------------------------------------------------------------
// Errors

/// `NotFoundException` (404).
pub fn not_found(name: &str) -> ApiError {
    ApiError::new("NotFoundException", format!("Pipe {name} does not exist.")).with_status(404)
}

/// `ConflictException` (409).
pub fn conflict(message: impl Into<String>) -> ApiError {
    ApiError::new("ConflictException", message).with_status(409)
}

/// `ValidationException` (400) from a domain rule.
pub fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new("ValidationException", message)
}

fn storage(e: impl std::fmt::Display) -> ApiError {
    ApiError::new("InternalException", format!("storage error: {e}")).with_status(500)
}

// ---------------------------------------------------------------------------------------
// Storage

const COLUMNS: &str = "id, account, region, name, desired, state, state_until, state_reason, source, target, \
     spec, tags, created_ms, modified_ms";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<PipeRow> {
    let spec: String = r.get(10)?;
    let tags: String = r.get(11)?;
    Ok(PipeRow {
        id: r.get(0)?,
        account: r.get(1)?,
        region: r.get(2)?,
        name: r.get(3)?,
        desired: r.get(4)?,
        state: r.get(5)?,
        state_until: r.get(6)?,
        state_reason: r.get(7)?,
        source: r.get(8)?,
        target: r.get(9)?,
        spec: serde_json::from_str(&spec).unwrap_or_default(),
        tags: serde_json::from_str(&tags).unwrap_or_default(),
        created_ms: r.get(12)?,
        modified_ms: r.get(13)?,
    })
}

/// The stored pipe of that name (also one whose deletion has finished but is not purged).
pub fn find_row(eng: &Engine, ctx: &Ctx, name: &str) -> Result<Option<PipeRow>, StateError> {
    Ok(eng
        .conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM pipes WHERE account=?1 AND region=?2 AND name=?3"))?
        .query_row(params![ctx.account, ctx.region, name], row)
        .optional()?)
}

/// Every stored pipe.
pub fn all_rows(eng: &Engine) -> Result<Vec<PipeRow>, StateError> {
    let rows = eng
        .conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM pipes ORDER BY id"))?
        .query_map([], row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Deletes a pipe and its checkpoints.
pub fn purge(eng: &Engine, id: i64) -> Result<(), StateError> {
    eng.conn.prepare_cached("DELETE FROM pipe_shards WHERE pipe=?1")?.execute([id])?;
    eng.conn.prepare_cached("DELETE FROM pipes WHERE id=?1")?.execute([id])?;
    Ok(())
}

/// Records (or clears) why a pipe cannot deliver.
pub fn set_reason(eng: &Engine, id: i64, reason: Option<&str>) -> Result<(), StateError> {
    eng.conn.prepare_cached("UPDATE pipes SET state_reason=?2 WHERE id=?1")?.execute(params![id, reason])?;
    Ok(())
}

fn save(eng: &Engine, p: &PipeRow) -> Result<(), ApiError> {
    let spec = Value::Object(p.spec.clone()).to_string();
    let tags = serde_json::to_string(&p.tags).unwrap_or_else(|_| "{}".into());
    eng.conn
        .prepare_cached(
            "UPDATE pipes SET desired=?2, state=?3, state_until=?4, state_reason=?5, target=?6, spec=?7, tags=?8,
             modified_ms=?9 WHERE id=?1",
        )
        .and_then(|mut st| {
            st.execute(params![
                p.id,
                p.desired,
                p.state,
                p.state_until,
                p.state_reason,
                p.target,
                spec,
                tags,
                p.modified_ms
            ])
        })
        .map_err(storage)?;
    Ok(())
}

/// A pipe that exists at `now` (not deleted), or `NotFoundException`.
fn existing(eng: &Engine, ctx: &Ctx, name: &str) -> Result<PipeRow, ApiError> {
    match find_row(eng, ctx, name).map_err(ApiError::from)? {
        Some(p) if p.state_at(eng.now()).is_some() => Ok(p),
        _ => Err(not_found(name)),
    }
}

/// A pipe that is not in a transitional state, or `ConflictException`.
fn settled(eng: &Engine, ctx: &Ctx, name: &str, action: &str) -> Result<PipeRow, ApiError> {
    let p = existing(eng, ctx, name)?;
    let state = p.state_at(eng.now()).unwrap_or("DELETING").to_string();
    if TRANSITIONAL.contains(&state.as_str()) {
        return Err(conflict(format!("Pipe {name} cannot be {action} while it is in state {state}.")));
    }
    Ok(p)
}

// ---------------------------------------------------------------------------------------
// Operations

fn str_of<'a>(doc: &'a Value, key: &str) -> Option<&'a str> {
    doc.get(key).and_then(Value::as_str)
}

fn secs(ms: i64) -> Value {
    json!(ms as f64 / 1000.0)
}

/// The short answer of Create/Update/Start/Stop/Delete.
fn summary(p: &PipeRow, desired: &str, current: &str) -> Value {
    json!({
        "Arn": p.arn(),
        "Name": p.name,
        "DesiredState": desired,
        "CurrentState": current,
        "CreationTime": secs(p.created_ms),
        "LastModifiedTime": secs(p.modified_ms),
    })
}

/// Checks that kinesin can run a pipe from `source` to `target` with these parameters.
fn check_definition(eng: &mut Engine, source: &str, target: &str, spec: &Map<String, Value>) -> Result<(), ApiError> {
    if let Some(arn) = spec.get("Enrichment").and_then(Value::as_str).filter(|a| !a.is_empty()) {
        // Not AWS behaviour: AWS would invoke the Lambda function, Step Functions state
        // machine, API destination or API Gateway endpoint; kinesin runs no user code.
        return Err(invalid(format!(
            "Enrichment {arn} is not supported by kinesin: pipes deliver source events to the target without enrichment."
        )));
    }
    let src = engine::Source::parse(source, spec).map_err(invalid)?;
    src.check(eng).map_err(invalid)?;
    let tgt = engine::Target::parse(target, spec).map_err(invalid)?;
    tgt.check(eng).map_err(invalid)?;
    Ok(())
}

/// CreatePipe.
pub fn create_pipe(eng: &mut Engine, opts: &Opts, doc: Value) -> Result<Value, ApiError> {
    let ctx = &opts.ctx;
    let name = str_of(&doc, "Name").unwrap_or_default().to_string();
    if let Some(old) = find_row(eng, ctx, &name)? {
        if old.state_at(eng.now()).is_some() {
            return Err(conflict(format!("Pipe {name} already exists.")));
        }
        purge(eng, old.id)?;
    }
    let source = str_of(&doc, "Source").unwrap_or_default().to_string();
    let target = str_of(&doc, "Target").unwrap_or_default().to_string();
    let spec: Map<String, Value> = SPEC_MEMBERS
        .iter()
        .filter_map(|k| doc.get(*k).filter(|v| !v.is_null()).map(|v| (k.to_string(), v.clone())))
        .collect();
    check_definition(eng, &source, &target, &spec)?;
    let tags: BTreeMap<String, String> = doc
        .get("Tags")
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())).collect())
        .unwrap_or_default();
    let desired = str_of(&doc, "DesiredState").unwrap_or("RUNNING").to_string();
    let now = eng.now();
    eng.conn
        .prepare_cached(
            "INSERT INTO pipes(account, region, name, desired, state, state_until, source, target, spec, tags,
             created_ms, modified_ms) VALUES (?1, ?2, ?3, ?4, 'CREATING', ?5, ?6, ?7, ?8, ?9, ?10, ?10)",
        )
        .map_err(storage)?
        .execute(params![
            ctx.account,
            ctx.region,
            name,
            desired,
            now + opts.transition_ms,
            source,
            target,
            Value::Object(spec).to_string(),
            serde_json::to_string(&tags).unwrap_or_else(|_| "{}".into()),
            now
        ])
        .map_err(storage)?;
    let p = find_row(eng, ctx, &name)?.ok_or_else(|| not_found(&name))?;
    engine::initialize(eng, &p)?;
    Ok(summary(&p, &desired, "CREATING"))
}

/// DescribePipe.
pub fn describe_pipe(eng: &mut Engine, opts: &Opts, doc: Value) -> Result<Value, ApiError> {
    let name = str_of(&doc, "Name").unwrap_or_default();
    let p = existing(eng, &opts.ctx, name)?;
    let now = eng.now();
    let mut out = Map::new();
    out.insert("Arn".into(), p.arn().into());
    out.insert("Name".into(), p.name.clone().into());
    out.insert("DesiredState".into(), p.desired.clone().into());
    out.insert("CurrentState".into(), p.state_at(now).unwrap_or("DELETING").into());
    if let Some(r) = &p.state_reason {
        out.insert("StateReason".into(), r.clone().into());
    }
    out.insert("Source".into(), p.source.clone().into());
    out.insert("Target".into(), p.target.clone().into());
    for (k, v) in &p.spec {
        out.insert(k.clone(), v.clone());
    }
    out.insert("Tags".into(), json!(p.tags));
    out.insert("CreationTime".into(), secs(p.created_ms));
    out.insert("LastModifiedTime".into(), secs(p.modified_ms));
    Ok(Value::Object(out))
}

/// Merges `patch` into `base`: objects member by member, anything else replaced.
fn merge(base: &mut Value, patch: &Value) {
    match (base, patch) {
        (Value::Object(b), Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    continue;
                }
                match b.get_mut(k) {
                    Some(slot) if slot.is_object() && v.is_object() => merge(slot, v),
                    _ => {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (b, p) => *b = p.clone(),
    }
}

/// UpdatePipe: the members given replace (objects: are merged into) the definition.
pub fn update_pipe(eng: &mut Engine, opts: &Opts, doc: Value) -> Result<Value, ApiError> {
    let name = str_of(&doc, "Name").unwrap_or_default();
    let mut p = settled(eng, &opts.ctx, name, "updated")?;
    let mut spec = Value::Object(p.spec.clone());
    for k in SPEC_MEMBERS {
        if let Some(v) = doc.get(*k).filter(|v| !v.is_null()) {
            let mut patch = Map::new();
            patch.insert(k.to_string(), v.clone());
            merge(&mut spec, &Value::Object(patch));
        }
    }
    let Value::Object(spec) = spec else { return Err(storage("spec is not an object")) };
    let target = str_of(&doc, "Target").unwrap_or(&p.target).to_string();
    check_definition(eng, &p.source, &target, &spec)?;
    let now = eng.now();
    p.spec = spec;
    p.target = target;
    if let Some(d) = str_of(&doc, "DesiredState") {
        p.desired = d.to_string();
    }
    p.state = "UPDATING".into();
    p.state_until = now + opts.transition_ms;
    p.modified_ms = now;
    p.state_reason = None;
    save(eng, &p)?;
    Ok(summary(&p, &p.desired, "UPDATING"))
}

/// DeletePipe.
pub fn delete_pipe(eng: &mut Engine, opts: &Opts, doc: Value) -> Result<Value, ApiError> {
    let name = str_of(&doc, "Name").unwrap_or_default();
    let mut p = existing(eng, &opts.ctx, name)?;
    if p.state_at(eng.now()) == Some("DELETING") {
        return Err(conflict(format!("Pipe {name} is already being deleted.")));
    }
    let now = eng.now();
    p.modified_ms = now;
    if opts.transition_ms <= 0 {
        purge(eng, p.id)?;
    } else {
        p.state = "DELETING".into();
        p.state_until = now + opts.transition_ms;
        save(eng, &p)?;
    }
    Ok(summary(&p, "DELETED", "DELETING"))
}

fn set_desired(eng: &mut Engine, opts: &Opts, doc: Value, desired: &str) -> Result<Value, ApiError> {
    let name = str_of(&doc, "Name").unwrap_or_default();
    let action = if desired == "RUNNING" { "started" } else { "stopped" };
    let mut p = settled(eng, &opts.ctx, name, action)?;
    let now = eng.now();
    let transitional = if desired == "RUNNING" { "STARTING" } else { "STOPPING" };
    p.desired = desired.to_string();
    p.state = transitional.to_string();
    p.state_until = now + opts.transition_ms;
    p.modified_ms = now;
    save(eng, &p)?;
    Ok(summary(&p, desired, transitional))
}

/// StartPipe.
pub fn start_pipe(eng: &mut Engine, opts: &Opts, doc: Value) -> Result<Value, ApiError> {
    set_desired(eng, opts, doc, "RUNNING")
}

/// StopPipe.
pub fn stop_pipe(eng: &mut Engine, opts: &Opts, doc: Value) -> Result<Value, ApiError> {
    set_desired(eng, opts, doc, "STOPPED")
}

/// ListPipes: filtered by name, state, source and target prefixes; paged by name.
pub fn list_pipes(eng: &mut Engine, opts: &Opts, doc: Value) -> Result<Value, ApiError> {
    let now = eng.now();
    let limit = doc.get("Limit").and_then(Value::as_u64).unwrap_or(100).clamp(1, 100) as usize;
    let after = match str_of(&doc, "NextToken") {
        Some(t) => Some(
            aws_smithy_types::base64::decode(t)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .and_then(|s| s.strip_prefix("kinesin-pipes:").map(str::to_string))
                .ok_or_else(|| invalid("Invalid NextToken."))?,
        ),
        None => None,
    };
    let mut rows: Vec<PipeRow> = all_rows(eng)?
        .into_iter()
        .filter(|p| p.account == opts.ctx.account && p.region == opts.ctx.region)
        .filter(|p| p.state_at(now).is_some())
        .filter(|p| str_of(&doc, "NamePrefix").is_none_or(|x| p.name.starts_with(x)))
        .filter(|p| str_of(&doc, "SourcePrefix").is_none_or(|x| p.source.starts_with(x)))
        .filter(|p| str_of(&doc, "TargetPrefix").is_none_or(|x| p.target.starts_with(x)))
        .filter(|p| str_of(&doc, "DesiredState").is_none_or(|x| p.desired == x))
        .filter(|p| str_of(&doc, "CurrentState").is_none_or(|x| p.state_at(now) == Some(x)))
        .filter(|p| after.as_ref().is_none_or(|a| p.name.as_str() > a.as_str()))
        .collect();
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    let more = rows.len() > limit;
    rows.truncate(limit);
    let pipes: Vec<Value> = rows
        .iter()
        .map(|p| {
            let mut v = json!({
                "Name": p.name,
                "Arn": p.arn(),
                "DesiredState": p.desired,
                "CurrentState": p.state_at(now).unwrap_or("DELETING"),
                "CreationTime": secs(p.created_ms),
                "LastModifiedTime": secs(p.modified_ms),
                "Source": p.source,
                "Target": p.target,
            });
            if let Some(r) = &p.state_reason {
                v["StateReason"] = r.clone().into();
            }
            if let Some(e) = p.spec.get("Enrichment") {
                v["Enrichment"] = e.clone();
            }
            v
        })
        .collect();
    let mut out = json!({ "Pipes": pipes });
    if let (true, Some(last)) = (more, rows.last()) {
        out["NextToken"] = aws_smithy_types::base64::encode(format!("kinesin-pipes:{}", last.name)).into();
    }
    Ok(out)
}

fn by_arn(eng: &Engine, opts: &Opts, doc: &Value) -> Result<PipeRow, ApiError> {
    let arn = str_of(doc, "resourceArn").unwrap_or_default();
    let (region, account, name) = parse_pipe_arn(arn).ok_or_else(|| not_found(arn))?;
    let _ = opts;
    existing(eng, &Ctx::new(account, region), &name)
}

/// TagResource.
pub fn tag_resource(eng: &mut Engine, opts: &Opts, doc: Value) -> Result<Value, ApiError> {
    let mut p = by_arn(eng, opts, &doc)?;
    if let Some(tags) = doc.get("tags").and_then(Value::as_object) {
        for (k, v) in tags {
            p.tags.insert(k.clone(), v.as_str().unwrap_or_default().to_string());
        }
    }
    if p.tags.len() > 50 {
        return Err(invalid("A pipe can have at most 50 tags."));
    }
    save(eng, &p)?;
    Ok(json!({}))
}

/// UntagResource.
pub fn untag_resource(eng: &mut Engine, opts: &Opts, doc: Value) -> Result<Value, ApiError> {
    let mut p = by_arn(eng, opts, &doc)?;
    for k in doc.get("tagKeys").and_then(Value::as_array).into_iter().flatten() {
        if let Some(k) = k.as_str() {
            p.tags.remove(k);
        }
    }
    save(eng, &p)?;
    Ok(json!({}))
}

/// ListTagsForResource.
pub fn list_tags_for_resource(eng: &mut Engine, opts: &Opts, doc: Value) -> Result<Value, ApiError> {
    let p = by_arn(eng, opts, &doc)?;
    Ok(json!({ "tags": p.tags }))
}
