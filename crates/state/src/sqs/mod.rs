//! Amazon SQS: queues and messages, run on the store thread.
//!
//! Every operation is a plain function `(&mut Engine, &Caller, Input) -> Result<Output,
//! SqsError>`, so tests call them with a manual clock and other modules (Pipes) call
//! [`messages::send_message`] directly on the store thread. Time comes from `eng.now()`:
//! visibility timeouts, delays and the FIFO group lock are evaluated lazily when messages are
//! received; retention is also trimmed by [`maintenance::run`].

pub mod api;
pub mod attributes;
pub mod maintenance;
pub mod md5;
pub mod messages;
pub mod moves;
pub mod number;
mod pick;
pub mod queues;
mod receipts;

#[cfg(test)]
mod tests;

use crate::db::Engine;
use crate::error::StateError;
use crate::Ctx;
use kinesin_protocol::sqs::error as api_error;
use kinesin_protocol::ApiError;
use rusqlite::{params, OptionalExtension};
use std::collections::BTreeMap;

/// Who calls, and the `Host` their queue URLs are built with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// Account and region.
    pub ctx: Ctx,
    /// `host[:port]` of queue URLs (`http://<host>/<account>/<name>`).
    pub host: String,
    /// The region whose queue URLs need not name it (the server's default region).
    pub default_region: String,
}

impl Caller {
    /// A caller in `ctx` whose URLs use `host`.
    pub fn new(ctx: Ctx, host: impl Into<String>) -> Self {
        let default_region = ctx.region.clone();
        Self { ctx, host: host.into(), default_region }
    }

    /// The same caller, with the server's default region.
    pub fn with_default_region(mut self, region: impl Into<String>) -> Self {
        self.default_region = region.into();
        self
    }

    /// The URL of queue `name` of `account` in `region`. Queue URLs identify their region, as
    /// AWS's do: a LocalStack-style host `sqs.<region>.<domain>` names it in the host; other
    /// hosts (`127.0.0.1:4566`) in the path, `/queue/<region>/<account>/<name>` (LocalStack's
    /// path form), except for the default region, whose URLs stay `http://<host>/<account>/<name>`.
    pub fn queue_url(&self, account: &str, region: &str, name: &str) -> String {
        if let Some((_, rest)) = regional_host(&self.host) {
            return format!("http://sqs.{region}.{rest}/{account}/{name}");
        }
        if region == self.default_region {
            format!("http://{}/{account}/{name}", self.host)
        } else {
            format!("http://{}/queue/{region}/{account}/{name}", self.host)
        }
    }
}

/// `(region, rest)` of a host `sqs.<region>.<rest>` (`sqs.eu-west-1.localhost.localstack.cloud:4566`,
/// `sqs.us-east-1.amazonaws.com`).
fn regional_host(host: &str) -> Option<(&str, &str)> {
    let rest = host.strip_prefix("sqs.")?;
    let (region, rest) = rest.split_once('.')?;
    is_region(region).then_some((region, rest))
}

/// Whether a URL label looks like a region (`us-east-1`, `eu-central-2`, `us-gov-west-1`).
fn is_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
        && parts.last().is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()))
}

/// An SQS error: AWS's code (see `kinesin_protocol::sqs::error_names`) and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqsError(pub ApiError);

impl SqsError {
    /// An error with an SQS code and message.
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        SqsError(api_error(code, message))
    }

    /// The code.
    pub fn code(&self) -> &str {
        &self.0.code
    }
}

impl std::fmt::Display for SqsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for SqsError {}

impl From<rusqlite::Error> for SqsError {
    fn from(e: rusqlite::Error) -> Self {
        SqsError(ApiError::internal(format!("storage error: {e}")))
    }
}

impl From<StateError> for SqsError {
    fn from(e: StateError) -> Self {
        SqsError(e.into())
    }
}

impl From<SqsError> for ApiError {
    fn from(e: SqsError) -> Self {
        e.0
    }
}

/// `InvalidParameterValue`.
pub fn invalid(message: impl Into<String>) -> SqsError {
    SqsError::new("InvalidParameterValue", message)
}

/// `Value X for parameter P is invalid. Reason: R`.
pub fn invalid_param(value: impl std::fmt::Display, param: &str, reason: &str) -> SqsError {
    invalid(format!("Value {value} for parameter {param} is invalid. Reason: {reason}"))
}

/// `MissingParameter`.
pub fn missing(param: &str) -> SqsError {
    SqsError::new("MissingParameter", format!("The request must contain the parameter {param}."))
}

/// `QueueDoesNotExist`.
pub fn no_queue() -> SqsError {
    SqsError::new("QueueDoesNotExist", "The specified queue does not exist.")
}

/// A queue's identity across accounts and regions: what long polls wait on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct QueueKey {
    /// Owner account.
    pub account: String,
    /// Region.
    pub region: String,
    /// Queue name.
    pub name: String,
}

impl QueueKey {
    /// The key of queue `name` of `account` in `region`.
    pub fn new(account: impl Into<String>, region: impl Into<String>, name: impl Into<String>) -> Self {
        Self { account: account.into(), region: region.into(), name: name.into() }
    }

    /// The key of the queue a URL names, for `caller` (see [`parse_url`]); empty when the
    /// URL names none.
    pub fn of_url(caller: &Caller, url: &str) -> Self {
        parse_url(caller, url).unwrap_or_default()
    }

    /// Whether it is a FIFO queue (by its name).
    pub fn is_fifo(&self) -> bool {
        self.name.ends_with(".fifo")
    }
}

/// A queue as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Queue {
    /// Row id.
    pub id: i64,
    /// Owner account.
    pub account: String,
    /// Region.
    pub region: String,
    /// Name.
    pub name: String,
    /// FIFO queue.
    pub fifo: bool,
    /// Attributes set explicitly.
    pub attrs: BTreeMap<String, String>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
    /// Creation time (ms).
    pub created_ms: i64,
    /// Last attribute change (ms).
    pub modified_ms: i64,
    /// Last purge (ms).
    pub purged_ms: Option<i64>,
}

impl Queue {
    /// The next FIFO sequence number: 20 digits, increasing, not consecutive.
    fn next_sequence_number(&self, eng: &Engine, now: i64) -> Result<String, SqsError> {
        let last: i64 = eng
            .conn
            .prepare_cached("SELECT last_seq FROM sqs_queues WHERE id=?1")?
            .query_row([self.id], |r| r.get(0))?;
        let next = (last + 1).max(now * 1000);
        eng.conn.prepare_cached("UPDATE sqs_queues SET last_seq=?2 WHERE id=?1")?.execute(params![self.id, next])?;
        Ok(format!("1{next:019}"))
    }

    /// Its key (what its long polls wait on).
    pub fn key(&self) -> QueueKey {
        QueueKey::new(&self.account, &self.region, &self.name)
    }

    /// `arn:aws:sqs:<region>:<account>:<name>`.
    pub fn arn(&self) -> String {
        arn(&self.region, &self.account, &self.name)
    }

    /// The queue's URL as `caller` sees it (see [`Caller::queue_url`]).
    pub fn url(&self, caller: &Caller) -> String {
        caller.queue_url(&self.account, &self.region, &self.name)
    }

    /// An integer attribute, or its default.
    pub fn int(&self, name: &str) -> i64 {
        self.attrs.get(name).and_then(|v| v.parse().ok()).unwrap_or_else(|| attributes::default_int(name))
    }

    /// A boolean attribute (false unless set to `true`).
    pub fn flag(&self, name: &str) -> bool {
        self.attrs.get(name).is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }

    /// Visibility timeout in ms.
    pub fn visibility_ms(&self) -> i64 {
        self.int("VisibilityTimeout") * 1000
    }

    /// Retention in ms.
    pub fn retention_ms(&self) -> i64 {
        self.int("MessageRetentionPeriod") * 1000
    }

    /// Whether deduplication ids are scoped to the message group.
    pub fn dedup_per_group(&self) -> bool {
        self.attrs.get("DeduplicationScope").is_some_and(|v| v == "messageGroup")
    }

    /// `(dead-letter queue ARN, maxReceiveCount)` of the redrive policy, if any.
    pub fn redrive(&self) -> Option<(String, i64)> {
        let v: serde_json::Value = serde_json::from_str(self.attrs.get("RedrivePolicy")?).ok()?;
        let arn = v.get("deadLetterTargetArn")?.as_str()?.to_string();
        let max = match v.get("maxReceiveCount")? {
            serde_json::Value::Number(n) => n.as_i64()?,
            serde_json::Value::String(s) => s.parse().ok()?,
            _ => return None,
        };
        Some((arn, max))
    }
}

/// An SQS queue ARN.
pub fn arn(region: &str, account: &str, name: &str) -> String {
    format!("arn:aws:sqs:{region}:{account}:{name}")
}

/// `(region, account, name)` of an SQS queue ARN.
pub fn parse_arn(arn: &str) -> Option<(String, String, String)> {
    let mut p = arn.splitn(6, ':');
    let (a, _partition, service, region, account, name) =
        (p.next()?, p.next()?, p.next()?, p.next()?, p.next()?, p.next()?);
    (a == "arn" && service == "sqs" && !name.is_empty() && !name.contains(':'))
        .then(|| (region.to_string(), account.to_string(), name.to_string()))
}

/// The queue a URL names: `http://host/<account>/<name>` (in the caller's region),
/// `http://host/queue/<region>/<account>/<name>`, `http://sqs.<region>.<domain>/<account>/<name>`,
/// or a bare name (the caller's account and region).
pub fn parse_url(caller: &Caller, url: &str) -> Option<QueueKey> {
    let (host, path) = match url.split_once("://") {
        Some((_, rest)) => rest.split_once('/').unwrap_or((rest, "")),
        None => ("", url),
    };
    let path = path.split(['?', '#']).next().unwrap_or("");
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    let host_region = regional_host(host).map(|(r, _)| r);
    let region = |r: Option<&str>| r.or(host_region).unwrap_or(&caller.ctx.region).to_string();
    let named = |account: &str, r: Option<&str>, name: &str| QueueKey {
        account: account.to_string(),
        region: region(r),
        name: name.to_string(),
    };
    match parts.as_slice() {
        [.., "queue", r, account, name] if is_region(r) => Some(named(account, Some(r), name)),
        [.., account, name] => Some(named(account, None, name)),
        [name] => Some(named(&caller.ctx.account, None, name)),
        _ => None,
    }
}

/// A statement that selects the columns [`queue_row`] reads from `sqs_queues`, then `$rest`
/// (a literal, so the statement cache is asked with a constant and nothing is formatted).
macro_rules! select_queues {
    ($rest:literal) => {
        concat!(
            "SELECT id, account, region, name, fifo, attributes, tags, created_ms, modified_ms, purged_ms \
             FROM sqs_queues ",
            $rest
        )
    };
}

fn queue_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Queue> {
    let attrs: String = r.get(5)?;
    let tags: String = r.get(6)?;
    Ok(Queue {
        id: r.get(0)?,
        account: r.get(1)?,
        region: r.get(2)?,
        name: r.get(3)?,
        fifo: r.get::<_, i64>(4)? != 0,
        attrs: serde_json::from_str(&attrs).unwrap_or_default(),
        tags: serde_json::from_str(&tags).unwrap_or_default(),
        created_ms: r.get(7)?,
        modified_ms: r.get(8)?,
        purged_ms: r.get(9)?,
    })
}

/// A queue by account, region and name.
pub fn find(eng: &Engine, account: &str, region: &str, name: &str) -> Result<Option<Queue>, SqsError> {
    Ok(eng
        .conn
        .prepare_cached(select_queues!("WHERE account=?1 AND region=?2 AND name=?3"))?
        .query_row(params![account, region, name], queue_row)
        .optional()?)
}

/// A queue by row id.
pub fn find_by_id(eng: &Engine, id: i64) -> Result<Option<Queue>, SqsError> {
    Ok(eng.conn.prepare_cached(select_queues!("WHERE id=?1"))?.query_row([id], queue_row).optional()?)
}

/// A queue by ARN.
pub fn find_by_arn(eng: &Engine, arn: &str) -> Result<Option<Queue>, SqsError> {
    match parse_arn(arn) {
        Some((region, account, name)) => find(eng, &account, &region, &name),
        None => Ok(None),
    }
}

/// The queue a URL names.
pub fn by_url(eng: &Engine, caller: &Caller, url: &str) -> Result<Queue, SqsError> {
    if url.is_empty() {
        return Err(missing("QueueUrl"));
    }
    let r = parse_url(caller, url).ok_or_else(no_queue)?;
    find(eng, &r.account, &r.region, &r.name)?.ok_or_else(no_queue)
}

/// All queues of an account and region, by name.
pub fn list_all(eng: &Engine, account: &str, region: &str) -> Result<Vec<Queue>, SqsError> {
    let rows = eng
        .conn
        .prepare_cached(select_queues!("WHERE account=?1 AND region=?2 ORDER BY name"))?
        .query_map(params![account, region], queue_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}
