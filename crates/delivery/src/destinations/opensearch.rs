//! OpenSearch Service / Elasticsearch delivery: one `_bulk` request per batch, each record
//! a document (one-line JSON) indexed into `IndexName` plus the rotation suffix of
//! `IndexRotationPeriod`, with `TypeName` as `_type` when given. Document ids are stable
//! across retries (FIREHOSE_DEFAULT) or left to the cluster (NO_DOCUMENT_ID).
//!
//! The cluster is `ClusterEndpoint`, or the URL bound to `DomainARN` with
//! `--opensearch-endpoint ARN=URL` (no domain resolves locally).

use super::client::{self, Failure};
use super::{text, DeliveryCtx, DestError, RecordError};
use crate::env::Env;
use kinesin_state::firehose::keys;
use serde_json::{json, Value};

/// The rotation suffix of `period` at `ms` (UTC): NoRotation none, OneHour
/// `-YYYY-MM-DD-HH`, OneDay `-YYYY-MM-DD`, OneWeek `-YYYY-wWW` (ISO week), OneMonth `-YYYY-MM`.
pub fn index_name(index: &str, period: &str, ms: i64) -> String {
    let t = keys::civil(ms);
    match period {
        "NoRotation" => index.to_string(),
        "OneHour" => format!("{index}-{:04}-{:02}-{:02}-{:02}", t.year, t.month, t.day, t.hour),
        "OneWeek" => {
            let (year, week) = iso_week(ms);
            format!("{index}-{year:04}-w{week:02}")
        }
        "OneMonth" => format!("{index}-{:04}-{:02}", t.year, t.month),
        _ => format!("{index}-{:04}-{:02}-{:02}", t.year, t.month, t.day),
    }
}

/// ISO-8601 week-based year and week number of the UTC day of `ms`.
pub fn iso_week(ms: i64) -> (i64, u32) {
    let days = ms.div_euclid(86_400_000);
    let weekday = (days + 3).rem_euclid(7) + 1; // Monday 1 .. Sunday 7 (1970-01-01 was a Thursday)
                                                // The week's Thursday decides the year.
    let thursday = days - weekday + 4;
    let t = keys::civil(thursday * 86_400_000);
    (t.year, (t.day_of_year - 1) / 7 + 1)
}

/// The cluster URL of a description.
pub fn endpoint(env: &Env, desc: &Value) -> Result<String, DestError> {
    endpoint_as("OS", env, desc)
}

fn endpoint_as(prefix: &str, env: &Env, desc: &Value) -> Result<String, DestError> {
    let cluster = text(desc, "/ClusterEndpoint");
    if !cluster.is_empty() {
        return Ok(cluster.trim_end_matches('/').to_string());
    }
    let arn = text(desc, "/DomainARN");
    env.domains.get(arn).cloned().ok_or_else(|| {
        DestError::permanent(
            &format!("{prefix}.DomainNotFound"),
            format!("Domain {arn} does not resolve locally: start kinesin with --opensearch-endpoint {arn}=http://host:port, or use ClusterEndpoint."),
        )
    })
}

/// The `_bulk` body: an `index` action and a one-line document per record.
pub fn bulk_body(desc: &Value, ctx: &DeliveryCtx, records: &[Vec<u8>]) -> Vec<u8> {
    let index = index_name(text(desc, "/IndexName"), text(desc, "/IndexRotationPeriod"), ctx.first_arrival_ms);
    let type_name = text(desc, "/TypeName");
    let ids = text(desc, "/DocumentIdOptions/DefaultDocumentIdFormat") != "NO_DOCUMENT_ID";
    let mut out = Vec::new();
    for (i, r) in records.iter().enumerate() {
        let mut action = json!({"_index": index});
        if !type_name.is_empty() {
            action["_type"] = json!(type_name);
        }
        if ids {
            action["_id"] = json!(document_id(ctx, i));
        }
        out.extend_from_slice(json!({"index": action}).to_string().as_bytes());
        out.push(b'\n');
        out.extend_from_slice(&one_line(r));
        out.push(b'\n');
    }
    out
}

/// The FIREHOSE_DEFAULT id of the `i`th record of a batch: the batch's request id (the same
/// on every attempt) and the position, so a retry overwrites instead of duplicating.
/// (AWS's own id format is internal; this one is kinesin's.)
pub fn document_id(ctx: &DeliveryCtx, i: usize) -> String {
    format!("{}-{i}", ctx.request_id)
}

/// A record as one line: JSON re-serialized compactly; anything else with its line breaks
/// turned into spaces (the cluster then rejects it as a document, as it would on AWS).
fn one_line(record: &[u8]) -> Vec<u8> {
    match serde_json::from_slice::<Value>(record) {
        Ok(v) => v.to_string().into_bytes(),
        Err(_) => record.iter().map(|b| if matches!(b, b'\n' | b'\r') { b' ' } else { *b }).collect(),
    }
}

/// One attempt to an OpenSearch Service destination: the bulk request, then the
/// per-document results.
pub async fn deliver(env: &Env, desc: &Value, ctx: &DeliveryCtx, records: &[Vec<u8>]) -> Result<(), DestError> {
    deliver_as("OS", env, desc, ctx, records).await
}

/// The same for a destination whose error codes start with `prefix` (`ES` for the legacy
/// Elasticsearch destination, `OS` for OpenSearch Service).
pub async fn deliver_as(
    prefix: &str,
    env: &Env,
    desc: &Value,
    ctx: &DeliveryCtx,
    records: &[Vec<u8>],
) -> Result<(), DestError> {
    let code = |c: &str| format!("{prefix}.{c}");
    let url = format!("{}/_bulk", endpoint_as(prefix, env, desc)?);
    let headers = [("Content-Type", "application/x-ndjson".to_string())];
    let answer = client::send(env, "POST", &url, &headers, bulk_body(desc, ctx, records), client::TIMEOUT)
        .await
        .map_err(|f| match f {
            Failure::BadUrl(m) => DestError::permanent(&code("InvalidEndpoint"), m),
            Failure::Timeout => DestError::retryable(&code("RequestTimeout"), "The cluster did not answer in time."),
            Failure::Connection(m) => {
                DestError::retryable(&code("ConnectionFailed"), format!("Could not connect to the cluster: {m}"))
            }
        })?;
    if answer.status != 200 {
        return Err(DestError::retryable(
            &code("ServiceException"),
            format!("The cluster answered {}: {}", answer.status, answer.text()),
        ));
    }
    let doc: Value = serde_json::from_slice(&answer.body)
        .map_err(|e| DestError::retryable(&code("InvalidResponse"), format!("The bulk response is not JSON: {e}")))?;
    if doc.get("errors").and_then(Value::as_bool) != Some(true) {
        return Ok(());
    }
    item_errors(&doc, &code("DocumentFailures"))
}

/// Failed bulk items, as AWS writes them to the backup: `errorCode` the item's HTTP status,
/// `errorMessage` its error object. Throttling (429) and server errors are retried; when
/// only client errors (a mapping conflict, ...) remain, retrying cannot help.
fn item_errors(doc: &Value, code: &str) -> Result<(), DestError> {
    let items = doc.get("items").and_then(Value::as_array).cloned().unwrap_or_default();
    let mut failed = Vec::new();
    let mut retry = false;
    for (index, item) in items.iter().enumerate() {
        let Some(result) = item.as_object().and_then(|o| o.values().next()) else { continue };
        let status = result.get("status").and_then(Value::as_u64).unwrap_or(0);
        if (200..300).contains(&status) {
            continue;
        }
        retry |= status == 429 || status >= 500;
        let error = result.get("error").cloned().unwrap_or(Value::Null);
        failed.push(RecordError { index, code: status.to_string(), message: error.to_string() });
    }
    if failed.is_empty() {
        return Ok(());
    }
    let message = format!("{} of {} documents failed; first: {}", failed.len(), items.len(), failed[0].message);
    let mut e = if retry { DestError::retryable(code, message) } else { DestError::permanent(code, message) };
    e.failed = failed;
    Err(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2026-03-05T07:08:09.123Z, a Thursday of ISO week 10.
    const T: i64 = 1_772_694_489_123;

    #[test]
    fn rotation_suffixes() {
        assert_eq!(index_name("logs", "NoRotation", T), "logs");
        assert_eq!(index_name("logs", "OneHour", T), "logs-2026-03-05-07");
        assert_eq!(index_name("logs", "OneDay", T), "logs-2026-03-05");
        assert_eq!(index_name("logs", "OneWeek", T), "logs-2026-w10");
        assert_eq!(index_name("logs", "OneMonth", T), "logs-2026-03");
        // 2021-01-01 (a Friday) is in ISO week 53 of 2020; 2024-12-30 in week 1 of 2025.
        assert_eq!(iso_week(1_609_459_200_000), (2020, 53));
        assert_eq!(iso_week(1_735_516_800_000), (2025, 1));
    }

    #[test]
    fn item_errors_are_sorted_out() {
        let doc = json!({"errors": true, "items": [
            {"index": {"status": 201}},
            {"index": {"status": 400, "error": {"type": "mapper_parsing_exception", "reason": "bad"}}},
        ]});
        let e = item_errors(&doc, "OS.DocumentFailures").unwrap_err();
        assert!(e.permanent);
        assert_eq!(e.failed.len(), 1);
        assert_eq!((e.failed[0].index, e.failed[0].code.as_str()), (1, "400"));
        assert!(e.failed[0].message.contains("mapper_parsing_exception"));
        let doc = json!({"errors": true, "items": [{"index": {"status": 429, "error": {"type": "x"}}}]});
        assert!(!item_errors(&doc, "ES.DocumentFailures").unwrap_err().permanent);
    }
}
