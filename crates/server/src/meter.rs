//! Metering of what passes through kinesin, for the AWS cost estimate: in-memory counters
//! per resource, bumped after each successful billable request (no store writes). Time-based
//! charges (shard-hours, consumer-shard-hours, stream-hours) are not counted here: they
//! come from the shards' and consumers' lifetimes in the store when the estimate is made.

use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// A metered quantity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Item {
    /// Kinesis PUT payload units (25 KB chunks of each record).
    PutPayloadUnits,
    /// Kinesis data written, each record rounded up to 1 KB (on-demand data-in), in KiB.
    DataInKib,
    /// Firehose data ingested, each record rounded up to 5 KB, in KiB.
    FirehoseKib,
    /// SQS requests in 64 KB chunks on a standard queue.
    SqsStandardRequests,
    /// SQS requests in 64 KB chunks on a FIFO queue.
    SqsFifoRequests,
    /// Pipes requests (64 KB chunks of event batches).
    PipesRequests,
    /// Records put (Kinesis, Firehose), for the console's rates.
    RecordsIn,
    /// SQS messages sent, for the console's rates.
    MessagesSent,
    /// SQS messages received, for the console's rates.
    MessagesReceived,
    /// Firehose batches delivered, for the console's rates.
    Deliveries,
    /// Pipes batches that reached the target, for the console.
    PipeBatches,
    /// Pipes deliveries to the target that failed, for the console.
    PipeFailures,
}

/// `(service, account, region, resource name)`.
pub type Key = (&'static str, String, String, String);

/// The counters of every resource seen since start.
#[derive(Default)]
pub struct Meter {
    counts: Mutex<HashMap<Key, HashMap<Item, u64>>>,
    started_ms: OnceLock<i64>,
}

/// The process's meter.
pub fn global() -> &'static Meter {
    static METER: OnceLock<Meter> = OnceLock::new();
    METER.get_or_init(Meter::default)
}

impl Meter {
    /// Marks the start of metering (the server's start, on its clock).
    pub fn start(&self, now_ms: i64) {
        let _ = self.started_ms.set(now_ms);
    }

    /// When metering started.
    pub fn started_ms(&self) -> i64 {
        self.started_ms.get().copied().unwrap_or(0)
    }

    /// Adds `n` of `item` to a resource.
    pub fn add(&self, service: &'static str, account: &str, region: &str, name: &str, item: Item, n: u64) {
        self.add_all(service, account, region, name, &[(item, n)]);
    }

    /// Adds several items to a resource under one lock.
    pub fn add_all(&self, service: &'static str, account: &str, region: &str, name: &str, items: &[(Item, u64)]) {
        let key = (service, account.to_string(), region.to_string(), name.to_string());
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let entry = counts.entry(key).or_default();
        for (item, n) in items.iter().filter(|(_, n)| *n > 0) {
            *entry.entry(*item).or_default() += n;
        }
    }

    /// One counter of one resource.
    pub fn get(&self, service: &'static str, account: &str, region: &str, name: &str, item: Item) -> u64 {
        let key = (service, account.to_string(), region.to_string(), name.to_string());
        let counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        counts.get(&key).and_then(|c| c.get(&item)).copied().unwrap_or(0)
    }

    /// A copy of every counter.
    pub fn snapshot(&self) -> HashMap<Key, HashMap<Item, u64>> {
        self.counts.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// The byte length of base64 text (without decoding it).
fn base64_len(v: &Value) -> u64 {
    let s = v.as_str().unwrap_or("").trim_end_matches('=');
    (s.len() as u64 * 3) / 4
}

/// The name a Kinesis request addresses (StreamName, else the ARN's last part).
fn stream_name(doc: &Value) -> String {
    match doc.get("StreamName").and_then(Value::as_str) {
        Some(n) => n.to_string(),
        None => {
            doc.get("StreamARN").and_then(Value::as_str).and_then(|a| a.rsplit('/').next()).unwrap_or("").to_string()
        }
    }
}

/// What a Kinesis PutRecord/PutRecords request will bill once it succeeds: the stream and
/// the record sizes (data plus partition key, as AWS counts the payload).
pub fn kinesis_put(operation: &str, doc: &Value) -> Option<(String, Vec<u64>)> {
    let size = |r: &Value| {
        base64_len(&r["Data"]) + r.get("PartitionKey").and_then(Value::as_str).map_or(0, |k| k.len() as u64)
    };
    let sizes = match operation {
        "PutRecord" => vec![size(doc)],
        "PutRecords" => doc.get("Records")?.as_array()?.iter().map(size).collect(),
        _ => return None,
    };
    Some((stream_name(doc), sizes))
}

/// Counts a successful put: 25 KB PUT payload units and 1 KB-rounded data-in.
pub fn count_kinesis_put(account: &str, region: &str, stream: &str, sizes: &[u64]) {
    let units: u64 = sizes.iter().map(|s| s.div_ceil(25 * 1024).max(1)).sum();
    let kib: u64 = sizes.iter().map(|s| s.div_ceil(1024).max(1)).sum();
    let items = [(Item::PutPayloadUnits, units), (Item::DataInKib, kib), (Item::RecordsIn, sizes.len() as u64)];
    global().add_all("kinesis", account, region, stream, &items);
}

/// The delivery stream and record sizes of a Firehose PutRecord/PutRecordBatch.
pub fn firehose_put(operation: &str, doc: &Value) -> Option<(String, Vec<u64>)> {
    let sizes = match operation {
        "PutRecord" => vec![base64_len(&doc["Record"]["Data"])],
        "PutRecordBatch" => doc.get("Records")?.as_array()?.iter().map(|r| base64_len(&r["Data"])).collect(),
        _ => return None,
    };
    Some((doc.get("DeliveryStreamName")?.as_str()?.to_string(), sizes))
}

/// Counts a successful Firehose put: each record rounded up to 5 KB.
pub fn count_firehose_put(account: &str, region: &str, name: &str, sizes: &[u64]) {
    let kib: u64 = sizes.iter().map(|s| s.div_ceil(5 * 1024).max(1) * 5).sum();
    let items = [(Item::FirehoseKib, kib), (Item::RecordsIn, sizes.len() as u64)];
    global().add_all("firehose", account, region, name, &items);
}

/// What an SQS request sends: the queue, message bytes and messages.
pub struct SqsSent {
    /// The queue's name ("" for account-wide actions).
    pub queue: String,
    /// Bytes of message bodies.
    pub bytes: u64,
    /// Messages.
    pub messages: u64,
}

/// The queue and billed payload of an SQS request (message bodies sent).
pub fn sqs_request(doc: &Value) -> SqsSent {
    let name = match doc.get("QueueUrl").and_then(Value::as_str) {
        Some(url) => url.rsplit('/').next().unwrap_or("").to_string(),
        None => doc.get("QueueName").and_then(Value::as_str).unwrap_or("").to_string(),
    };
    let body = |v: &Value| v.get("MessageBody").and_then(Value::as_str).map(|b| b.len() as u64);
    let all = std::iter::once(doc).chain(doc.get("Entries").and_then(Value::as_array).into_iter().flatten());
    let bodies: Vec<u64> = all.filter_map(body).collect();
    SqsSent { queue: name, bytes: bodies.iter().sum(), messages: bodies.len() as u64 }
}

/// The bytes of message bodies in a ReceiveMessage answer, and their number.
pub fn sqs_received(out: &Value) -> (u64, u64) {
    let msgs = out.get("Messages").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    (msgs.iter().map(|m| m.get("Body").and_then(Value::as_str).map_or(0, |b| b.len() as u64)).sum(), msgs.len() as u64)
}

/// Counts one successful SQS request: one billed request per started 64 KB of payload.
pub fn count_sqs(account: &str, region: &str, sent: &SqsSent, out: &Value) {
    let (got_bytes, got) = sqs_received(out);
    let item = if sent.queue.ends_with(".fifo") { Item::SqsFifoRequests } else { Item::SqsStandardRequests };
    let name = if sent.queue.is_empty() { "(account)" } else { &sent.queue };
    let requests = (sent.bytes + got_bytes).div_ceil(64 * 1024).max(1);
    let items = [(item, requests), (Item::MessagesSent, sent.messages), (Item::MessagesReceived, got)];
    global().add_all("sqs", account, region, name, &items);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn put_sizes_and_units() {
        let doc = json!({"StreamName": "s", "Records": [{"Data": "aGVsbG8=", "PartitionKey": "k"}]});
        assert_eq!(kinesis_put("PutRecords", &doc), Some(("s".to_string(), vec![6])));
        let arn = json!({"StreamARN": "arn:aws:kinesis:us-east-1:1:stream/t", "Data": "", "PartitionKey": "kk"});
        assert_eq!(kinesis_put("PutRecord", &arn), Some(("t".to_string(), vec![2])));
        let sent = sqs_request(
            &json!({"QueueUrl": "http://h/1/q.fifo", "Entries": [{"MessageBody": "abc"}, {"MessageBody": "de"}]}),
        );
        assert_eq!((sent.queue.as_str(), sent.bytes, sent.messages), ("q.fifo", 5, 2));
    }
}
