//! Queue attributes: AWS's defaults and ranges, validation of CreateQueue and
//! SetQueueAttributes, and the values GetQueueAttributes answers.

use super::{find_by_arn, invalid_param, Queue, SqsError};
use crate::db::Engine;
use rusqlite::params;
use std::collections::BTreeMap;

/// Integer attributes: (name, min, max, default).
const INTS: &[(&str, i64, i64, i64)] = &[
    ("DelaySeconds", 0, 900, 0),
    ("MaximumMessageSize", 1024, 1_048_576, 1_048_576),
    ("MessageRetentionPeriod", 60, 1_209_600, 345_600),
    ("ReceiveMessageWaitTimeSeconds", 0, 20, 0),
    ("VisibilityTimeout", 0, 43_200, 30),
    ("KmsDataKeyReusePeriodSeconds", 60, 86_400, 300),
];

/// Attributes only FIFO queues have.
const FIFO_ONLY: &[&str] = &["FifoQueue", "ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit"];

/// Attributes GetQueueAttributes computes.
const READ_ONLY: &[&str] = &[
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
    "CreatedTimestamp",
    "LastModifiedTimestamp",
    "QueueArn",
];

/// Every attribute name AWS knows, in the order GetQueueAttributes `All` lists them.
pub const ALL: &[&str] = &[
    "QueueArn",
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
    "CreatedTimestamp",
    "LastModifiedTimestamp",
    "VisibilityTimeout",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "DelaySeconds",
    "ReceiveMessageWaitTimeSeconds",
    "Policy",
    "RedrivePolicy",
    "RedriveAllowPolicy",
    "KmsMasterKeyId",
    "KmsDataKeyReusePeriodSeconds",
    "SqsManagedSseEnabled",
    "FifoQueue",
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "FifoThroughputLimit",
];

/// The default of an integer attribute (0 for unknown names).
pub fn default_int(name: &str) -> i64 {
    INTS.iter().find(|(n, ..)| *n == name).map(|t| t.3).unwrap_or(0)
}

fn unknown(name: &str) -> SqsError {
    SqsError::new("InvalidAttributeName", format!("Unknown Attribute {name}."))
}

fn bad_value(name: &str) -> SqsError {
    SqsError::new("InvalidAttributeValue", format!("Invalid value for the parameter {name}."))
}

fn is_bool(v: &str) -> bool {
    v.eq_ignore_ascii_case("true") || v.eq_ignore_ascii_case("false")
}

/// Checks attributes given to CreateQueue (`creating`) or SetQueueAttributes and returns
/// them normalised. `source` is the queue being configured (its ARN, FIFO-ness).
pub fn validate(
    eng: &Engine,
    given: &BTreeMap<String, String>,
    fifo: bool,
    creating: bool,
    source_arn: &str,
) -> Result<BTreeMap<String, String>, SqsError> {
    let mut out = BTreeMap::new();
    for (name, value) in given {
        let name = name.as_str();
        if READ_ONLY.contains(&name) || !ALL.contains(&name) {
            return Err(unknown(name));
        }
        // FifoQueue is known only when creating a FIFO queue (AWS answers `Unknown Attribute
        // FifoQueue.` to `FifoQueue=false` on a standard queue), and never changes afterwards.
        if FIFO_ONLY.contains(&name) && !fifo {
            return Err(unknown(name));
        }
        if name == "FifoQueue" && !creating {
            return Err(SqsError::new(
                "InvalidAttributeValue",
                "Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported.",
            ));
        }
        let v = value.trim();
        let normalized = if let Some(&(_, min, max, _)) = INTS.iter().find(|(n, ..)| *n == name) {
            match v.parse::<i64>() {
                Ok(n) if (min..=max).contains(&n) => n.to_string(),
                _ => return Err(bad_value(name)),
            }
        } else {
            match name {
                "FifoQueue" => v.to_ascii_lowercase(),
                "ContentBasedDeduplication" | "SqsManagedSseEnabled" => {
                    if !is_bool(v) {
                        return Err(bad_value(name));
                    }
                    v.to_ascii_lowercase()
                }
                "DeduplicationScope" if v == "queue" || v == "messageGroup" => v.to_string(),
                "FifoThroughputLimit" if v == "perQueue" || v == "perMessageGroupId" => v.to_string(),
                "DeduplicationScope" | "FifoThroughputLimit" => return Err(bad_value(name)),
                "Policy" => {
                    if !v.is_empty()
                        && serde_json::from_str::<serde_json::Value>(v).map(|j| !j.is_object()).unwrap_or(true)
                    {
                        return Err(bad_value(name));
                    }
                    v.to_string()
                }
                "RedrivePolicy" => redrive_policy(eng, v, fifo, source_arn)?,
                "RedriveAllowPolicy" => redrive_allow_policy(v)?,
                _ => value.clone(),
            }
        };
        out.insert(name.to_string(), normalized);
    }
    Ok(out)
}

/// Checks that perMessageGroupId throughput comes with messageGroup deduplication.
pub fn check_combination(attrs: &BTreeMap<String, String>) -> Result<(), SqsError> {
    let limit = attrs.get("FifoThroughputLimit").map(String::as_str);
    let scope = attrs.get("DeduplicationScope").map(String::as_str).unwrap_or("queue");
    if limit == Some("perMessageGroupId") && scope != "messageGroup" {
        return Err(SqsError::new(
            "InvalidAttributeValue",
            "Invalid value for the parameter FifoThroughputLimit. Reason: perMessageGroupId can only be used with messageGroup deduplication scope.",
        ));
    }
    Ok(())
}

fn redrive_policy(eng: &Engine, v: &str, fifo: bool, source_arn: &str) -> Result<String, SqsError> {
    if v.is_empty() {
        return Ok(String::new());
    }
    let bad = |reason: &str| invalid_param(v, "RedrivePolicy", reason);
    let json: serde_json::Value =
        serde_json::from_str(v).map_err(|_| bad("Redrive policy is not a valid JSON map."))?;
    let Some(target) = json.get("deadLetterTargetArn").and_then(|t| t.as_str()) else {
        return Err(bad("Redrive policy does not contain mandatory attribute: deadLetterTargetArn."));
    };
    let max = match json.get("maxReceiveCount") {
        Some(serde_json::Value::Number(n)) => n.as_i64(),
        Some(serde_json::Value::String(s)) => s.parse::<i64>().ok(),
        None => return Err(bad("Redrive policy does not contain mandatory attribute: maxReceiveCount.")),
        _ => None,
    };
    let max = match max {
        Some(m) if (1..=1000).contains(&m) => m,
        _ => {
            let shown =
                json.get("maxReceiveCount").map(|m| m.to_string().trim_matches('"').to_string()).unwrap_or_default();
            return Err(bad(&format!(
                "Invalid value for maxReceiveCount: {shown}, valid values are from 1 to 1000 both inclusive."
            )));
        }
    };
    let Some(dlq) = find_by_arn(eng, target)? else {
        return Err(bad("Dead letter target does not exist."));
    };
    if dlq.fifo != fifo {
        return Err(bad("Dead-letter queue must be same type of queue as the source."));
    }
    if !allows_source(&dlq, source_arn) {
        return Err(bad(&format!("Queue {target} does not allow this queue to use it as dead-letter queue.")));
    }
    Ok(serde_json::json!({ "deadLetterTargetArn": target, "maxReceiveCount": max }).to_string())
}

/// Whether the dead-letter queue's RedriveAllowPolicy lets `source_arn` use it.
pub fn allows_source(dlq: &Queue, source_arn: &str) -> bool {
    let Some(policy) = dlq.attrs.get("RedriveAllowPolicy").filter(|p| !p.is_empty()) else { return true };
    let Ok(json) = serde_json::from_str::<serde_json::Value>(policy) else { return true };
    match json.get("redrivePermission").and_then(|p| p.as_str()) {
        Some("denyAll") => false,
        Some("byQueue") => json
            .get("sourceQueueArns")
            .and_then(|a| a.as_array())
            .is_some_and(|a| a.iter().any(|x| x.as_str() == Some(source_arn))),
        _ => true,
    }
}

fn redrive_allow_policy(v: &str) -> Result<String, SqsError> {
    if v.is_empty() {
        return Ok(String::new());
    }
    let bad = |reason: &str| invalid_param(v, "RedriveAllowPolicy", reason);
    let json: serde_json::Value = serde_json::from_str(v).map_err(|_| bad("Invalid JSON."))?;
    let permission = json.get("redrivePermission").and_then(|p| p.as_str());
    let sources = json.get("sourceQueueArns").and_then(|a| a.as_array());
    match permission {
        Some("allowAll") | Some("denyAll") if sources.is_none() => {}
        Some("byQueue") => match sources {
            Some(a) if !a.is_empty() && a.len() <= 10 => {}
            _ => {
                return Err(bad("Amazon SQS can't create the redrive allow policy, as it's in an unsupported format."))
            }
        },
        _ => return Err(bad("Amazon SQS can't create the redrive allow policy, as it's in an unsupported format.")),
    }
    Ok(v.to_string())
}

/// Counts of (visible, in flight, delayed) messages at `now`.
pub fn counts(eng: &Engine, queue: i64, now: i64) -> Result<(i64, i64, i64), SqsError> {
    Ok(eng
        .conn
        .prepare_cached(
            "SELECT COALESCE(SUM(visible_ms <= ?2), 0), COALESCE(SUM(visible_ms > ?2 AND receive_count > 0), 0),
                    COALESCE(SUM(visible_ms > ?2 AND receive_count = 0), 0)
             FROM sqs_messages WHERE queue = ?1 AND expires_ms > ?2",
        )?
        .query_row(params![queue, now], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?)
}

/// The value GetQueueAttributes answers for `name` (`None`: not shown for this queue).
pub fn value_of(q: &Queue, name: &str, counts: (i64, i64, i64)) -> Option<String> {
    if FIFO_ONLY.contains(&name) && !q.fifo {
        return None;
    }
    Some(match name {
        "QueueArn" => q.arn(),
        "ApproximateNumberOfMessages" => counts.0.to_string(),
        "ApproximateNumberOfMessagesNotVisible" => counts.1.to_string(),
        "ApproximateNumberOfMessagesDelayed" => counts.2.to_string(),
        "CreatedTimestamp" => (q.created_ms / 1000).to_string(),
        "LastModifiedTimestamp" => (q.modified_ms / 1000).to_string(),
        "FifoQueue" => "true".into(),
        "ContentBasedDeduplication" => q.flag(name).to_string(),
        "DeduplicationScope" => q.attrs.get(name).cloned().unwrap_or_else(|| "queue".into()),
        "FifoThroughputLimit" => q.attrs.get(name).cloned().unwrap_or_else(|| "perQueue".into()),
        "SqsManagedSseEnabled" => {
            if q.attrs.get("KmsMasterKeyId").is_some_and(|k| !k.is_empty()) {
                "false".into()
            } else {
                q.attrs.get(name).cloned().unwrap_or_else(|| "true".into())
            }
        }
        "Policy" | "RedrivePolicy" | "RedriveAllowPolicy" | "KmsMasterKeyId" => {
            q.attrs.get(name).filter(|v| !v.is_empty()).cloned()?
        }
        "KmsDataKeyReusePeriodSeconds" if q.attrs.get("KmsMasterKeyId").is_some_and(|k| !k.is_empty()) => {
            q.int(name).to_string()
        }
        "KmsDataKeyReusePeriodSeconds" => return None,
        _ if INTS.iter().any(|(n, ..)| *n == name) => q.int(name).to_string(),
        _ => return None,
    })
}

/// The effective value of a settable attribute, for comparing CreateQueue calls.
pub fn effective(q: &Queue, name: &str) -> String {
    value_of(q, name, (0, 0, 0)).unwrap_or_default()
}
