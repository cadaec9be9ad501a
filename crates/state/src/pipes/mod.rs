//! Amazon EventBridge Pipes: pipe definitions (the control plane) and the engine that moves
//! records from a source to a target (see [`engine`]), run on the store thread.
//!
//! Every control-plane operation takes its typed request (decoded from the validated
//! document of body, path and query parameters) and answers its typed response
//! ([`kinesin_protocol::pipes`]), so the server only routes and renders. States: a mutation puts the pipe in a transitional state
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
use kinesin_protocol::pipes::*;
use kinesin_protocol::ApiError;
use rusqlite::{params, OptionalExtension};
use serde_json::Value;
use std::sync::Arc;

/// Who calls and how long transitions take.
#[derive(Debug, Clone)]
pub struct Opts {
    /// Account and region.
    pub ctx: Ctx,
    /// How long CREATING, STARTING, STOPPING, UPDATING and DELETING last (ms).
    pub transition_ms: i64,
}

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
    pub spec: PipeDefinition,
    /// Tags.
    pub tags: TagMap,
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

/// Every stored pipe in id order with its source and target parsed: kept on the store
/// thread (`eng.pipes`) until a pipe row is written or a job or commit fails (what was
/// read may then have been undone).
pub fn all_parsed(eng: &mut Engine) -> Result<Arc<Vec<engine::Parsed>>, StateError> {
    if let Some(pipes) = eng.pipes.get() {
        return Ok(pipes);
    }
    let pipes: Arc<Vec<engine::Parsed>> = Arc::new(all_rows(eng)?.into_iter().map(engine::Parsed::new).collect());
    eng.pipes.set(pipes.clone());
    Ok(pipes)
}

/// Deletes a pipe and its checkpoints.
pub fn purge(eng: &mut Engine, id: i64) -> Result<(), StateError> {
    eng.pipes.clear();
    eng.conn.prepare_cached("DELETE FROM pipe_shards WHERE pipe=?1")?.execute([id])?;
    eng.conn.prepare_cached("DELETE FROM pipes WHERE id=?1")?.execute([id])?;
    Ok(())
}

/// Records (or clears) why a pipe cannot deliver.
pub fn set_reason(eng: &mut Engine, id: i64, reason: Option<&str>) -> Result<(), StateError> {
    eng.pipes.clear();
    eng.conn.prepare_cached("UPDATE pipes SET state_reason=?2 WHERE id=?1")?.execute(params![id, reason])?;
    Ok(())
}

/// A stored column's JSON text.
fn to_json(v: &impl serde::Serialize) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "{}".into())
}

fn save(eng: &mut Engine, p: &PipeRow) -> Result<(), ApiError> {
    eng.pipes.clear();
    let (spec, tags) = (to_json(&p.spec), to_json(&p.tags));
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

fn secs(ms: i64) -> f64 {
    ms as f64 / 1000.0
}

/// The short answer of Create/Update/Start/Stop/Delete.
fn summary(p: &PipeRow, desired: &str, current: &str) -> CreatePipeResponse {
    CreatePipeResponse {
        arn: p.arn(),
        name: p.name.clone(),
        desired_state: desired.to_string(),
        current_state: current.to_string(),
        creation_time: secs(p.created_ms),
        last_modified_time: secs(p.modified_ms),
    }
}

/// Checks that kinesin can run a pipe from `source` to `target` with these parameters.
fn check_definition(eng: &mut Engine, source: &str, target: &str, spec: &PipeDefinition) -> Result<(), ApiError> {
    if let Some(arn) = spec.enrichment.as_deref().filter(|a| !a.is_empty()) {
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
pub fn create_pipe(eng: &mut Engine, opts: &Opts, input: CreatePipeRequest) -> Result<CreatePipeResponse, ApiError> {
    let ctx = &opts.ctx;
    let name = input.name;
    if let Some(old) = find_row(eng, ctx, &name)? {
        if old.state_at(eng.now()).is_some() {
            return Err(conflict(format!("Pipe {name} already exists.")));
        }
        purge(eng, old.id)?;
    }
    check_definition(eng, &input.source, &input.target, &input.definition)?;
    let tags = input.tags.unwrap_or_default();
    let desired = input.desired_state.unwrap_or_else(|| "RUNNING".into());
    let now = eng.now();
    eng.pipes.clear();
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
            input.source,
            input.target,
            to_json(&input.definition),
            to_json(&tags),
            now
        ])
        .map_err(storage)?;
    let p = find_row(eng, ctx, &name)?.ok_or_else(|| not_found(&name))?;
    engine::initialize(eng, &p)?;
    Ok(summary(&p, &desired, "CREATING"))
}

/// DescribePipe.
pub fn describe_pipe(
    eng: &mut Engine,
    opts: &Opts,
    input: DescribePipeRequest,
) -> Result<DescribePipeResponse, ApiError> {
    let p = existing(eng, &opts.ctx, &input.name)?;
    let now = eng.now();
    Ok(DescribePipeResponse {
        arn: p.arn(),
        current_state: p.state_at(now).unwrap_or("DELETING").to_string(),
        name: p.name,
        desired_state: p.desired,
        state_reason: p.state_reason,
        source: p.source,
        target: p.target,
        definition: p.spec,
        tags: p.tags,
        creation_time: secs(p.created_ms),
        last_modified_time: secs(p.modified_ms),
    })
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

/// Merges a given parameter structure into the stored one (or sets it).
fn merge_member(slot: &mut Option<Value>, patch: Option<Value>) {
    match (slot.as_mut(), patch) {
        (Some(base), Some(patch)) if base.is_object() && patch.is_object() => merge(base, &patch),
        (_, Some(patch)) => *slot = Some(patch),
        (_, None) => {}
    }
}

/// Applies UpdatePipe's members to a definition: strings replace, structures are merged.
fn update_definition(spec: &mut PipeDefinition, patch: PipeDefinition) {
    let replace = |slot: &mut Option<String>, v: Option<String>| {
        if v.is_some() {
            *slot = v;
        }
    };
    replace(&mut spec.description, patch.description);
    merge_member(&mut spec.source_parameters, patch.source_parameters);
    replace(&mut spec.enrichment, patch.enrichment);
    merge_member(&mut spec.enrichment_parameters, patch.enrichment_parameters);
    merge_member(&mut spec.target_parameters, patch.target_parameters);
    replace(&mut spec.role_arn, patch.role_arn);
    merge_member(&mut spec.log_configuration, patch.log_configuration);
    replace(&mut spec.kms_key_identifier, patch.kms_key_identifier);
}

/// UpdatePipe: the members given replace (objects: are merged into) the definition.
pub fn update_pipe(eng: &mut Engine, opts: &Opts, input: UpdatePipeRequest) -> Result<UpdatePipeResponse, ApiError> {
    let mut p = settled(eng, &opts.ctx, &input.name, "updated")?;
    let mut spec = p.spec.clone();
    update_definition(&mut spec, input.definition);
    let target = input.target.unwrap_or_else(|| p.target.clone());
    check_definition(eng, &p.source, &target, &spec)?;
    let now = eng.now();
    p.spec = spec;
    p.target = target;
    if let Some(d) = input.desired_state {
        p.desired = d;
    }
    p.state = "UPDATING".into();
    p.state_until = now + opts.transition_ms;
    p.modified_ms = now;
    p.state_reason = None;
    save(eng, &p)?;
    Ok(summary(&p, &p.desired, "UPDATING"))
}

/// DeletePipe.
pub fn delete_pipe(eng: &mut Engine, opts: &Opts, input: DeletePipeRequest) -> Result<DeletePipeResponse, ApiError> {
    let name = &input.name;
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

fn set_desired(eng: &mut Engine, opts: &Opts, name: &str, desired: &str) -> Result<CreatePipeResponse, ApiError> {
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
pub fn start_pipe(eng: &mut Engine, opts: &Opts, input: StartPipeRequest) -> Result<StartPipeResponse, ApiError> {
    set_desired(eng, opts, &input.name, "RUNNING")
}

/// StopPipe.
pub fn stop_pipe(eng: &mut Engine, opts: &Opts, input: StopPipeRequest) -> Result<StopPipeResponse, ApiError> {
    set_desired(eng, opts, &input.name, "STOPPED")
}

/// The pipe name a ListPipes `NextToken` continues after.
fn list_after(token: Option<&str>) -> Result<Option<String>, ApiError> {
    let Some(t) = token else { return Ok(None) };
    aws_smithy_types::base64::decode(t)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.strip_prefix("kinesin-pipes:").map(str::to_string))
        .map(Some)
        .ok_or_else(|| invalid("Invalid NextToken."))
}

/// Whether a pipe passes ListPipes' filters at `now`.
fn listed(p: &PipeRow, q: &ListPipesRequest, now: i64) -> bool {
    let prefix = |filter: &Option<String>, value: &str| filter.as_deref().is_none_or(|x| value.starts_with(x));
    p.state_at(now).is_some()
        && prefix(&q.name_prefix, &p.name)
        && prefix(&q.source_prefix, &p.source)
        && prefix(&q.target_prefix, &p.target)
        && q.desired_state.as_deref().is_none_or(|x| p.desired == x)
        && q.current_state.as_deref().is_none_or(|x| p.state_at(now) == Some(x))
}

/// ListPipes: filtered by name, state, source and target prefixes; paged by name.
pub fn list_pipes(eng: &mut Engine, opts: &Opts, input: ListPipesRequest) -> Result<ListPipesResponse, ApiError> {
    let now = eng.now();
    let limit = input.limit.unwrap_or(100).clamp(1, 100) as usize;
    let after = list_after(input.next_token.as_deref())?;
    let mut rows: Vec<PipeRow> = all_rows(eng)?
        .into_iter()
        .filter(|p| p.account == opts.ctx.account && p.region == opts.ctx.region)
        .filter(|p| listed(p, &input, now))
        .filter(|p| after.as_ref().is_none_or(|a| p.name.as_str() > a.as_str()))
        .collect();
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    let more = rows.len() > limit;
    rows.truncate(limit);
    let next_token = rows
        .last()
        .filter(|_| more)
        .map(|last| aws_smithy_types::base64::encode(format!("kinesin-pipes:{}", last.name)));
    let pipes = rows
        .into_iter()
        .map(|p| Pipe {
            arn: p.arn(),
            current_state: p.state_at(now).unwrap_or("DELETING").to_string(),
            name: p.name,
            desired_state: p.desired,
            creation_time: secs(p.created_ms),
            last_modified_time: secs(p.modified_ms),
            source: p.source,
            target: p.target,
            state_reason: p.state_reason,
            enrichment: p.spec.enrichment,
        })
        .collect();
    Ok(ListPipesResponse { pipes, next_token })
}

fn by_arn(eng: &Engine, arn: &str) -> Result<PipeRow, ApiError> {
    let (region, account, name) = parse_pipe_arn(arn).ok_or_else(|| not_found(arn))?;
    existing(eng, &Ctx::new(account, region), &name)
}

/// TagResource.
pub fn tag_resource(eng: &mut Engine, _: &Opts, input: TagResourceRequest) -> Result<TagResourceResponse, ApiError> {
    let mut p = by_arn(eng, &input.resource_arn)?;
    p.tags.extend(input.tags);
    if p.tags.len() > 50 {
        return Err(invalid("A pipe can have at most 50 tags."));
    }
    save(eng, &p)?;
    Ok(TagResourceResponse {})
}

/// UntagResource.
pub fn untag_resource(
    eng: &mut Engine,
    _: &Opts,
    input: UntagResourceRequest,
) -> Result<UntagResourceResponse, ApiError> {
    let mut p = by_arn(eng, &input.resource_arn)?;
    for k in &input.tag_keys {
        p.tags.remove(k);
    }
    save(eng, &p)?;
    Ok(TagResourceResponse {})
}

/// ListTagsForResource.
pub fn list_tags_for_resource(
    eng: &mut Engine,
    _: &Opts,
    input: ListTagsForResourceRequest,
) -> Result<ListTagsForResourceResponse, ApiError> {
    let p = by_arn(eng, &input.resource_arn)?;
    Ok(ListTagsForResourceResponse { tags: p.tags })
}
