//! `kinesin ls`: every stream, queue, delivery stream, pipe and bucket of the region.

use crate::client::{Client, Svc};
use crate::error::CliError;
use serde_json::{json, Value};
use std::io::Write;

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v.get(k).and_then(Value::as_str).unwrap_or("-")
}

/// Prints each resource kind as a section of `kind name details` lines.
pub async fn ls(client: &Client, out: &mut impl Write) -> Result<(), CliError> {
    for line in streams(client).await? {
        writeln!(out, "stream    {line}")?;
    }
    for line in queues(client).await? {
        writeln!(out, "queue     {line}")?;
    }
    for line in delivery_streams(client).await? {
        writeln!(out, "firehose  {line}")?;
    }
    for line in pipes(client).await? {
        writeln!(out, "pipe      {line}")?;
    }
    for line in buckets(client).await? {
        writeln!(out, "bucket    {line}")?;
    }
    Ok(())
}

async fn streams(client: &Client) -> Result<Vec<String>, CliError> {
    let mut lines = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let body = token.as_ref().map_or_else(|| json!({}), |t| json!({ "NextToken": t }));
        let out = client.call(Svc::Kinesis, "ListStreams", &body).await?;
        for st in out.get("StreamSummaries").and_then(Value::as_array).into_iter().flatten() {
            let name = s(st, "StreamName");
            let d = client.call(Svc::Kinesis, "DescribeStreamSummary", &json!({ "StreamName": name })).await?;
            let d = &d["StreamDescriptionSummary"];
            let mode = d.pointer("/StreamModeDetails/StreamMode").and_then(Value::as_str).unwrap_or("PROVISIONED");
            let shards = d.get("OpenShardCount").and_then(Value::as_u64).unwrap_or(0);
            lines.push(format!(
                "{name:<32} {} {mode} shards={shards} consumers={}",
                s(d, "StreamStatus"),
                d.get("ConsumerCount").and_then(Value::as_u64).unwrap_or(0)
            ));
        }
        token = out.get("NextToken").and_then(Value::as_str).map(str::to_string);
        if token.is_none() {
            return Ok(lines);
        }
    }
}

async fn queues(client: &Client) -> Result<Vec<String>, CliError> {
    let mut lines = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut body = json!({ "MaxResults": 1000 });
        if let Some(t) = &token {
            body["NextToken"] = t.as_str().into();
        }
        let out = client.call(Svc::Sqs, "ListQueues", &body).await?;
        for url in out.get("QueueUrls").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
            let names = [
                "ApproximateNumberOfMessages",
                "ApproximateNumberOfMessagesNotVisible",
                "ApproximateNumberOfMessagesDelayed",
            ];
            let a = client
                .call(Svc::Sqs, "GetQueueAttributes", &json!({ "QueueUrl": url, "AttributeNames": names }))
                .await?;
            let a = &a["Attributes"];
            let name = url.rsplit('/').next().unwrap_or(url);
            lines.push(format!(
                "{name:<32} visible={} in_flight={} delayed={}",
                s(a, names[0]),
                s(a, names[1]),
                s(a, names[2])
            ));
        }
        token = out.get("NextToken").and_then(Value::as_str).map(str::to_string);
        if token.is_none() {
            return Ok(lines);
        }
    }
}

async fn delivery_streams(client: &Client) -> Result<Vec<String>, CliError> {
    let mut lines = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let mut body = json!({ "Limit": 100 });
        if let Some(a) = &after {
            body["ExclusiveStartDeliveryStreamName"] = a.as_str().into();
        }
        let out = client.call(Svc::Firehose, "ListDeliveryStreams", &body).await?;
        let names: Vec<String> = out
            .get("DeliveryStreamNames")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect();
        for name in &names {
            let d =
                client.call(Svc::Firehose, "DescribeDeliveryStream", &json!({ "DeliveryStreamName": name })).await?;
            let d = &d["DeliveryStreamDescription"];
            lines.push(format!("{name:<32} {} {}", s(d, "DeliveryStreamStatus"), s(d, "DeliveryStreamType")));
        }
        after = names.last().cloned();
        if !out.get("HasMoreDeliveryStreams").and_then(Value::as_bool).unwrap_or(false) || after.is_none() {
            return Ok(lines);
        }
    }
}

async fn pipes(client: &Client) -> Result<Vec<String>, CliError> {
    let (status, body) = client.get(Svc::Pipes, "/v1/pipes").await?;
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    if status >= 300 {
        return Err(CliError::aws(status, &v, &body));
    }
    Ok(v.get("Pipes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|p| format!("{:<32} {} {} -> {}", s(p, "Name"), s(p, "CurrentState"), s(p, "Source"), s(p, "Target")))
        .collect())
}

/// ListBuckets: the `<Name>` of each `<Bucket>` in the XML answer.
async fn buckets(client: &Client) -> Result<Vec<String>, CliError> {
    let (status, body) = client.get(Svc::S3, "/").await?;
    let text = String::from_utf8_lossy(&body);
    if status >= 300 {
        return Err(CliError::Http(format!("ListBuckets: HTTP {status}: {}", &text[..text.len().min(300)])));
    }
    Ok(text
        .split("<Bucket>")
        .skip(1)
        .filter_map(|b| b.split_once("<Name>").and_then(|(_, r)| r.split_once("</Name>")).map(|(n, _)| n.to_string()))
        .collect())
}
