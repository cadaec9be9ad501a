//! Reads a stream shard by shard, following resharding: a child shard is read from its
//! start once its parents are read to their end, so each partition key stays in order.

use crate::backoff::Backoff;
use crate::client::{Client, Svc};
use crate::error::CliError;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

/// Where reading starts in the shards open (or still readable) when it begins.
#[derive(Debug, Clone, PartialEq)]
pub enum From {
    /// The oldest record kept.
    TrimHorizon,
    /// Only records put from now on.
    Latest,
    /// Records that arrived at or after this time (epoch seconds).
    Timestamp(f64),
    /// From this sequence number in its shard; the other shards start at LATEST.
    Sequence(String),
}

/// Parses `trim-horizon`, `latest`, a sequence number (21 or more digits), epoch seconds
/// or an RFC 3339 timestamp.
pub fn parse_from(s: &str) -> Result<From, String> {
    let t = s.trim();
    match t.to_ascii_lowercase().replace('_', "-").as_str() {
        "trim-horizon" | "oldest" => return Ok(From::TrimHorizon),
        "latest" | "now" => return Ok(From::Latest),
        _ => {}
    }
    if t.len() > 20 && t.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(From::Sequence(t.to_string()));
    }
    if let Ok(secs) = t.parse::<f64>() {
        return Ok(From::Timestamp(secs));
    }
    let ts: jiff::Timestamp = t
        .parse()
        .map_err(|e| format!("--from {t}: not trim-horizon, latest, a sequence number or a timestamp ({e})"))?;
    Ok(From::Timestamp(ts.as_millisecond() as f64 / 1000.0))
}

/// One record read.
#[derive(Debug, Clone)]
pub struct Rec {
    /// Its shard.
    pub shard_id: String,
    /// Its sequence number.
    pub seq: String,
    /// Its partition key.
    pub key: String,
    /// ApproximateArrivalTimestamp, epoch seconds.
    pub arrival: f64,
    /// The data.
    pub data: Vec<u8>,
}

#[derive(Debug, Default)]
struct Shard {
    parents: Vec<String>,
    iterator: Option<String>,
    started: bool,
    done: bool,
    caught_up: bool,
}

/// The reading state of one stream.
pub struct Reader<'a> {
    client: &'a Client,
    stream: String,
    from: From,
    shards: BTreeMap<String, Shard>,
    initial: HashSet<String>,
}

fn text(v: &Value, k: &str) -> String {
    v.get(k).and_then(Value::as_str).unwrap_or_default().to_string()
}

impl<'a> Reader<'a> {
    /// A reader of `stream`, not yet started.
    pub fn new(client: &'a Client, stream: &str, from: From) -> Reader<'a> {
        Reader { client, stream: stream.to_string(), from, shards: BTreeMap::new(), initial: HashSet::new() }
    }

    /// Reads until interrupted (`follow`) or until every shard is read to its end,
    /// handing each record to `sink` in shard order.
    pub async fn run(
        &mut self,
        follow: bool,
        mut sink: impl FnMut(&Rec) -> Result<(), CliError>,
    ) -> Result<(), CliError> {
        self.refresh().await?;
        self.initial = self.shards.keys().cloned().collect();
        loop {
            self.start_ready().await?;
            let got = self.poll(&mut sink).await?;
            if self.shards.values().any(|s| s.done && !s.caught_up) {
                self.refresh().await?;
                for s in self.shards.values_mut().filter(|s| s.done) {
                    s.caught_up = true;
                }
                continue;
            }
            if !follow && self.finished() {
                return Ok(());
            }
            if got == 0 {
                if follow {
                    self.refresh().await?;
                }
                tokio::time::sleep(Duration::from_millis(if follow { 500 } else { 50 })).await;
            }
        }
    }

    /// Every shard read to its end (closed) or to its tip (open), none waiting to start.
    fn finished(&self) -> bool {
        self.shards.values().all(|s| s.done || (s.started && s.caught_up))
    }

    async fn refresh(&mut self) -> Result<(), CliError> {
        let mut token: Option<String> = None;
        loop {
            let body = match &token {
                Some(t) => json!({ "NextToken": t }),
                None => json!({ "StreamName": self.stream }),
            };
            let out = self.client.call(Svc::Kinesis, "ListShards", &body).await?;
            for s in out.get("Shards").and_then(Value::as_array).into_iter().flatten() {
                let id = text(s, "ShardId");
                let parents = ["ParentShardId", "AdjacentParentShardId"]
                    .iter()
                    .map(|k| text(s, k))
                    .filter(|p| !p.is_empty())
                    .collect();
                self.shards.entry(id).or_insert_with(|| Shard { parents, ..Shard::default() });
            }
            token = out.get("NextToken").and_then(Value::as_str).map(str::to_string);
            if token.is_none() {
                return Ok(());
            }
        }
    }

    /// Opens iterators on shards whose parents are read (or no longer listed).
    async fn start_ready(&mut self) -> Result<(), CliError> {
        let ready: Vec<String> = self
            .shards
            .iter()
            .filter(|(_, s)| !s.started)
            .filter(|(_, s)| s.parents.iter().all(|p| self.shards.get(p).is_none_or(|p| p.done)))
            .map(|(id, _)| id.clone())
            .collect();
        for id in ready {
            let iterator = self.iterator(&id).await?;
            let shard = self.shards.get_mut(&id).expect("listed shard");
            shard.started = true;
            shard.done = iterator.is_none();
            shard.caught_up = shard.done;
            shard.iterator = iterator;
        }
        Ok(())
    }

    async fn iterator(&self, shard: &str) -> Result<Option<String>, CliError> {
        let mut body = json!({ "StreamName": self.stream, "ShardId": shard });
        let from = if self.initial.contains(shard) { self.from.clone() } else { From::TrimHorizon };
        match &from {
            From::TrimHorizon => body["ShardIteratorType"] = "TRIM_HORIZON".into(),
            From::Latest => body["ShardIteratorType"] = "LATEST".into(),
            From::Timestamp(t) => {
                body["ShardIteratorType"] = "AT_TIMESTAMP".into();
                body["Timestamp"] = json!(t);
            }
            From::Sequence(seq) => {
                body["ShardIteratorType"] = "AT_SEQUENCE_NUMBER".into();
                body["StartingSequenceNumber"] = seq.as_str().into();
            }
        }
        let out = match self.client.call(Svc::Kinesis, "GetShardIterator", &body).await {
            Err(e) if matches!(from, From::Sequence(_)) && e.code() == Some("InvalidArgumentException") => {
                body["ShardIteratorType"] = "LATEST".into();
                body.as_object_mut().map(|o| o.remove("StartingSequenceNumber"));
                self.client.call(Svc::Kinesis, "GetShardIterator", &body).await?
            }
            other => other?,
        };
        Ok(out.get("ShardIterator").and_then(Value::as_str).map(str::to_string))
    }

    /// One GetRecords per started shard; the number of records read.
    async fn poll(&mut self, sink: &mut impl FnMut(&Rec) -> Result<(), CliError>) -> Result<usize, CliError> {
        let mut total = 0;
        let ids: Vec<String> =
            self.shards.iter().filter(|(_, s)| s.started && !s.done).map(|(i, _)| i.clone()).collect();
        for id in ids {
            let Some(it) = self.shards[&id].iterator.clone() else { continue };
            let out = self.get_records(&it).await?;
            let records = out.get("Records").and_then(Value::as_array).cloned().unwrap_or_default();
            for r in &records {
                sink(&record(&id, r)?)?;
            }
            total += records.len();
            let behind = out.get("MillisBehindLatest").and_then(Value::as_i64).unwrap_or(0);
            let shard = self.shards.get_mut(&id).expect("started shard");
            shard.iterator = out.get("NextShardIterator").and_then(Value::as_str).map(str::to_string);
            shard.done = shard.iterator.is_none();
            shard.caught_up = !shard.done && records.is_empty() && behind == 0;
        }
        Ok(total)
    }

    /// GetRecords, waiting out throttling.
    async fn get_records(&self, iterator: &str) -> Result<Value, CliError> {
        let body = json!({ "ShardIterator": iterator, "Limit": 10000 });
        let mut backoff = Backoff::new(200, 5000, 5);
        loop {
            match self.client.call(Svc::Kinesis, "GetRecords", &body).await {
                Err(e) if e.code() == Some("ProvisionedThroughputExceededException") && backoff.wait().await => {}
                other => return other,
            }
        }
    }
}

fn record(shard: &str, r: &Value) -> Result<Rec, CliError> {
    let data = aws_smithy_types::base64::decode(r.get("Data").and_then(Value::as_str).unwrap_or_default())
        .map_err(|e| CliError::Http(format!("record data is not base64: {e}")))?;
    Ok(Rec {
        shard_id: shard.to_string(),
        seq: text(r, "SequenceNumber"),
        key: text(r, "PartitionKey"),
        arrival: r.get("ApproximateArrivalTimestamp").and_then(Value::as_f64).unwrap_or(0.0),
        data,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_accepts_names_sequences_and_times() {
        assert_eq!(parse_from("TRIM_HORIZON").unwrap(), From::TrimHorizon);
        assert_eq!(parse_from("latest").unwrap(), From::Latest);
        let seq = "49590338271490256608559692538361571095921575989136588898";
        assert_eq!(parse_from(seq).unwrap(), From::Sequence(seq.into()));
        assert_eq!(parse_from("1700000000.5").unwrap(), From::Timestamp(1_700_000_000.5));
        assert_eq!(parse_from("2023-11-14T22:13:20Z").unwrap(), From::Timestamp(1_700_000_000.0));
        assert!(parse_from("yesterday").is_err());
    }
}
