//! `--init FILE`: resources created at start from a YAML or JSON file (`.json` is read as
//! JSON, anything else as YAML), through the same validation as API requests. What already
//! exists is left as it is, so the same file can be given at every start of a durable store.
//!
//! ```yaml
//! region: eu-west-1                  # default for every entry (else kinesin's region)
//! buckets: [archive, {name: logs, region: us-east-1}]
//! streams:
//!   - {name: orders, shards: 2, consumers: [billing], retention_hours: 48, tags: {team: a}}
//!   - {name: clicks, mode: ON_DEMAND}
//! queues:
//!   - {name: orders-dlq}
//!   - name: orders
//!     attributes: {VisibilityTimeout: 30, RedrivePolicy: '{"deadLetterTargetArn":"arn:aws:sqs:eu-west-1:000000000000:orders-dlq","maxReceiveCount":"3"}'}
//! delivery_streams:                  # CreateDeliveryStream inputs, as the API takes them
//!   - {DeliveryStreamName: to-archive, ExtendedS3DestinationConfiguration: {RoleARN: ..., BucketARN: "arn:aws:s3:::archive"}}
//! pipes:                             # CreatePipe inputs
//!   - {Name: orders-to-queue, RoleArn: ..., Source: ..., Target: ...}
//! ```

use crate::wire::Wire;
use kinesin_protocol::ApiError;
use kinesin_state::kinesis::Kinesis;
use kinesin_state::Ctx;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

/// The file's shape.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InitFile {
    region: Option<String>,
    #[serde(default)]
    buckets: Vec<BucketSpec>,
    #[serde(default)]
    streams: Vec<StreamSpec>,
    #[serde(default)]
    queues: Vec<QueueSpec>,
    #[serde(default)]
    delivery_streams: Vec<Map<String, Value>>,
    #[serde(default)]
    pipes: Vec<Map<String, Value>>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum BucketSpec {
    Name(String),
    Full { name: String, region: Option<String> },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StreamSpec {
    name: String,
    shards: Option<u32>,
    mode: Option<String>,
    region: Option<String>,
    retention_hours: Option<u32>,
    #[serde(default)]
    consumers: Vec<String>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct QueueSpec {
    name: String,
    region: Option<String>,
    #[serde(default)]
    attributes: BTreeMap<String, Value>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
}

/// Everything `--init` needs.
pub struct Services<'a> {
    /// Kinesis.
    pub kinesis: &'a Kinesis,
    /// SQS.
    pub sqs: &'a crate::sqs::Sqs,
    /// Firehose.
    pub firehose: &'a kinesin_state::firehose::Firehose,
    /// Pipes.
    pub pipes: &'a crate::pipes::Pipes,
    /// S3 (buckets).
    pub s3: &'a crate::s3::S3,
    /// Default account.
    pub account: &'a str,
    /// Default region.
    pub region: &'a str,
}

/// Reads and parses FILE.
pub fn read(path: &Path) -> Result<InitFile, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("--init {}: {e}", path.display()))?;
    let parsed = if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")) {
        serde_json::from_str(&text).map_err(|e| e.to_string())
    } else {
        serde_norway::from_str(&text).map_err(|e| e.to_string())
    };
    parsed.map_err(|e| format!("--init {}: {e}", path.display()))
}

impl InitFile {
    /// Creates what the file names and does not exist yet: buckets, streams (and their
    /// consumers), queues (those without a RedrivePolicy first), delivery streams, pipes.
    pub async fn apply(&self, s: &Services<'_>) -> Result<(), String> {
        let region = self.region.as_deref().unwrap_or(s.region);
        let ctx = |r: &Option<String>| Ctx::new(s.account, r.as_deref().unwrap_or(region));
        for b in &self.buckets {
            let (name, r) = match b {
                BucketSpec::Name(n) => (n.clone(), None),
                BucketSpec::Full { name, region } => (name.clone(), region.clone()),
            };
            create_bucket(s, ctx(&r), &name).await.map_err(|e| format!("bucket {name}: {e}"))?;
        }
        for st in &self.streams {
            create_stream(s.kinesis, ctx(&st.region), st).await.map_err(|e| format!("stream {}: {e}", st.name))?;
        }
        let mut queues: Vec<&QueueSpec> = self.queues.iter().collect();
        queues.sort_by_key(|q| q.attributes.contains_key("RedrivePolicy"));
        for q in queues {
            create_queue(s.sqs, ctx(&q.region), q).await.map_err(|e| format!("queue {}: {e}", q.name))?;
        }
        for d in &self.delivery_streams {
            let name = d.get("DeliveryStreamName").and_then(Value::as_str).unwrap_or("?").to_string();
            let body = serde_json::to_vec(d).unwrap_or_default();
            let out = crate::firehose::handle(s.firehose, ctx(&None), "CreateDeliveryStream", &body, Wire::Json).await;
            existing_ok(out.map(drop), "ResourceInUseException").map_err(|e| format!("delivery stream {name}: {e}"))?;
        }
        for p in &self.pipes {
            let name = p.get("Name").and_then(Value::as_str).unwrap_or("?").to_string();
            let out = s.pipes.create(ctx(&None), Value::Object(p.clone())).await;
            existing_ok(out, "ConflictException").map_err(|e| format!("pipe {name}: {e}"))?;
        }
        s.kinesis.wake_maintenance();
        s.firehose.wake();
        s.pipes.wake();
        Ok(())
    }
}

/// An error other than "it already exists", as `code: message`.
fn existing_ok(r: Result<(), ApiError>, exists: &str) -> Result<(), String> {
    match r {
        Err(e) if e.code != exists => Err(format!("{}: {}", e.code, e.message)),
        _ => Ok(()),
    }
}

async fn create_bucket(s: &Services<'_>, ctx: Ctx, name: &str) -> Result<(), String> {
    let out = s.s3.create_bucket(&ctx, name.to_string()).await;
    match out {
        Ok(_) => Ok(()),
        Err(e) if e.code == "BucketAlreadyOwnedByYou" => Ok(()),
        Err(e) => Err(format!("{}: {}", e.code, e.message)),
    }
}

async fn kinesis_call(k: &Kinesis, ctx: &Ctx, op: &str, doc: Value) -> Result<Value, ApiError> {
    let body = serde_json::to_vec(&doc).unwrap_or_default();
    let out = crate::kinesis::handle(k, ctx.clone(), op, &body, Wire::Json).await?;
    Ok(serde_json::from_slice(&out).unwrap_or(Value::Null))
}

async fn create_stream(k: &Kinesis, ctx: Ctx, st: &StreamSpec) -> Result<(), String> {
    let mut doc = json!({ "StreamName": st.name });
    match st.mode.as_deref() {
        Some("ON_DEMAND") => doc["StreamModeDetails"] = json!({ "StreamMode": "ON_DEMAND" }),
        Some("PROVISIONED") | None => doc["ShardCount"] = json!(st.shards.unwrap_or(1)),
        Some(other) => return Err(format!("mode must be PROVISIONED or ON_DEMAND, got {other}")),
    }
    if !st.tags.is_empty() {
        doc["Tags"] = json!(st.tags);
    }
    existing_ok(kinesis_call(k, &ctx, "CreateStream", doc).await.map(drop), "ResourceInUseException")?;
    let arn = wait_active(k, &ctx, &st.name).await?;
    if let Some(hours) = st.retention_hours.filter(|&h| h > 24) {
        let doc = json!({ "StreamName": st.name, "RetentionPeriodHours": hours });
        let out = kinesis_call(k, &ctx, "IncreaseStreamRetentionPeriod", doc).await.map(drop);
        existing_ok(out, "InvalidArgumentException")?;
        wait_active(k, &ctx, &st.name).await?;
    }
    for c in &st.consumers {
        let doc = json!({ "StreamARN": arn, "ConsumerName": c });
        existing_ok(kinesis_call(k, &ctx, "RegisterStreamConsumer", doc).await.map(drop), "ResourceInUseException")
            .map_err(|e| format!("consumer {c}: {e}"))?;
    }
    Ok(())
}

/// Waits (up to a minute, for `--create-stream-delay-ms`) until a stream is ACTIVE; its ARN.
async fn wait_active(k: &Kinesis, ctx: &Ctx, name: &str) -> Result<String, String> {
    for _ in 0..600 {
        let d = kinesis_call(k, ctx, "DescribeStreamSummary", json!({ "StreamName": name }))
            .await
            .map_err(|e| format!("{}: {}", e.code, e.message))?;
        let summary = &d["StreamDescriptionSummary"];
        if summary["StreamStatus"] == "ACTIVE" {
            return Ok(summary["StreamARN"].as_str().unwrap_or_default().to_string());
        }
        k.wake_maintenance();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err("did not become ACTIVE within a minute".into())
}

async fn create_queue(sqs: &crate::sqs::Sqs, ctx: Ctx, q: &QueueSpec) -> Result<(), String> {
    // Attributes are strings in the API; numbers and booleans in the file are written as such.
    let attributes: Map<String, Value> = q
        .attributes
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.as_str().map_or_else(|| v.to_string(), str::to_owned))))
        .collect();
    let mut doc = json!({ "QueueName": q.name, "Attributes": attributes });
    if !q.tags.is_empty() {
        doc["tags"] = json!(q.tags);
    }
    match sqs.call(ctx, "CreateQueue", doc).await {
        Ok(_) => Ok(()),
        Err(e) if e.code == "QueueAlreadyExists" || e.code.ends_with("QueueNameExists") => {
            tracing::warn!(queue = %q.name, "--init: queue exists with other attributes; left as it is");
            Ok(())
        }
        Err(e) => Err(format!("{}: {}", e.code, e.message)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_and_json_files_parse_and_unknown_keys_are_errors() {
        let f: InitFile = serde_norway::from_str(
            "region: eu-west-1\nbuckets: [a, {name: b, region: us-east-1}]\nstreams:\n  - {name: s, shards: 2, consumers: [c]}\nqueues:\n  - {name: q, attributes: {VisibilityTimeout: 30}}\n",
        )
        .unwrap();
        assert_eq!((f.buckets.len(), f.streams[0].consumers.len()), (2, 1));
        assert_eq!(f.queues[0].attributes["VisibilityTimeout"], json!(30));
        let e = serde_norway::from_str::<InitFile>("stream: []\n").unwrap_err().to_string();
        assert!(e.contains("unknown field `stream`"), "{e}");
        let j: InitFile = serde_json::from_str(r#"{"pipes": [{"Name": "p"}]}"#).unwrap();
        assert_eq!(j.pipes.len(), 1);
    }
}
