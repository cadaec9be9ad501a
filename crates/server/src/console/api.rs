//! The console's read-only internal API: what the AWS APIs cannot show without changing
//! state (peeking at messages, FIFO group locks, Firehose buffers, pipe positions), the
//! resource counts, the cost estimate, and live updates as server-sent events.

use super::Console;
use crate::http::{respond, Resp};
use crate::meter::{self, Item};
use bytes::Bytes;
use http_body_util::BodyExt;
use kinesin_protocol::percent;
use kinesin_state::{inventory, Db, StateError};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::Duration;

/// How often the event stream sends the overview.
const TICK: Duration = Duration::from_secs(2);

/// The query string's parameters, percent-decoded.
pub(super) fn query(q: &str) -> HashMap<String, String> {
    q.split('&').filter_map(|kv| kv.split_once('=')).map(|(k, v)| (k.to_string(), percent::decode(v, true))).collect()
}

/// A 200 answer with `v` as JSON.
pub(super) fn ok(v: &impl serde::Serialize) -> Resp {
    respond(200, "application/json", serde_json::to_vec(v).unwrap_or_default())
}

/// An error answer: `{message}`.
pub(super) fn error_doc(status: u16, message: &str) -> Resp {
    respond(status, "application/json", json!({ "message": message }).to_string())
}

fn error(e: &StateError) -> Resp {
    error_doc(if matches!(e, StateError::NotFound(_)) { 404 } else { 500 }, &e.to_string())
}

/// The namespace a console request asks for (`account`, `region`; the defaults otherwise).
pub(super) fn namespace(app: &Console, q: &HashMap<String, String>) -> (String, String) {
    let account = q.get("account").cloned().unwrap_or_else(|| app.account.clone());
    let region = q.get("region").cloned().unwrap_or_else(|| app.region.clone());
    (account, region)
}

/// Serves `GET /_kinesin/api/...` (but Analytics's, in [`super::analytics`]).
pub async fn serve(app: &Console, path: &str, q: &HashMap<String, String>) -> Resp {
    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
    let num = |k: &str, d: i64| q.get(k).and_then(|v| v.parse().ok()).unwrap_or(d);
    let db = app.db.clone();
    let (account, region) = namespace(app, q);
    let result = match path {
        "/_kinesin/api/overview" => overview(&db, (&app.account, &app.region)).await,
        "/_kinesin/api/cost" => crate::cost::estimate(&db, meter::global().started_ms()).await.map(|e| json!(e)),
        "/_kinesin/api/events" => return events(db, (app.account.clone(), app.region.clone())),
        "/_kinesin/api/sqs/messages" => {
            let (name, after, limit) = (get("queue"), num("after", 0), num("limit", 50));
            db.call(move |eng| inventory::peek_messages(eng, (&account, &region, &name), after, limit))
                .await
                .map(|m| json!(m))
        }
        "/_kinesin/api/sqs/groups" => {
            let (name, after, limit) = (get("queue"), get("after"), num("limit", 100));
            db.call(move |eng| inventory::groups(eng, (&account, &region, &name), &after, limit))
                .await
                .map(|g| json!(g))
        }
        "/_kinesin/api/kinesis/incoming" => {
            let name = get("stream");
            let shards = db.call(move |eng| inventory::incoming(eng, (&account, &region, &name), 10_000, 30)).await;
            shards.map(|s| json!({ "bucketSecs": 10, "shards": s }))
        }
        "/_kinesin/api/kinesis/subscriptions" => {
            let open = app.subscriptions.list();
            Ok(json!(open
                .iter()
                .map(|(consumer, shard)| json!({ "consumerArn": consumer, "shardId": shard }))
                .collect::<Vec<_>>()))
        }
        "/_kinesin/api/firehose/buffers" => db.call(inventory::buffers).await.map(|b| json!(b)),
        "/_kinesin/api/firehose/deliveries" => {
            Ok(json!(app.firehose.recent().list(&account, &region, num("limit", 50).clamp(1, 500) as usize)))
        }
        "/_kinesin/api/pipes/positions" => {
            let name = get("pipe");
            db.call(move |eng| inventory::pipe_positions(eng, &account, &region, &name)).await.map(|p| json!(p))
        }
        "/_kinesin/api/pipes/counters" => Ok(pipe_counters(&account, &region, &get("pipe"))),
        _ => return respond(404, "application/json", r#"{"message":"no such console API"}"#),
    };
    match result {
        Ok(v) => ok(&v),
        Err(e) => error(&e),
    }
}

/// Counts per account and region, and the meter's totals per service (with the records Kinesis
/// read out, counted by the store), in all and per account and region (rates are their
/// differences between two overviews).
async fn overview(db: &Db, defaults: (&str, &str)) -> Result<Value, StateError> {
    let (counts, read) = db
        .call(|eng| Ok::<_, StateError>((inventory::region_counts(eng)?, eng.kinesis.records_out_by_region())))
        .await?;
    let mut counts = serde_json::to_value(counts).unwrap_or_default();
    let mut totals: HashMap<&str, u64> = HashMap::new();
    let mut scoped: HashMap<(String, String), HashMap<&str, u64>> = HashMap::new();
    for (scope, n) in read {
        *totals.entry("kinesisRecordsOut").or_default() += n;
        *scoped.entry(scope).or_default().entry("kinesisRecordsOut").or_default() += n;
    }
    for ((service, account, region, _), items) in meter::global().snapshot() {
        for (item, n) in items {
            let Some(name) = total_name(service, item) else { continue };
            *totals.entry(name).or_default() += n;
            *scoped.entry((account.clone(), region.clone())).or_default().entry(name).or_default() += n;
        }
    }
    for r in counts.as_array_mut().into_iter().flatten() {
        let key = (r["account"].as_str().unwrap_or("").to_string(), r["region"].as_str().unwrap_or("").to_string());
        r["totals"] = json!(scoped.remove(&key).unwrap_or_default());
    }
    let (account, region) = defaults;
    Ok(
        json!({ "nowMs": db.clock().now_ms(), "account": account, "region": region, "regions": counts, "totals": totals }),
    )
}

/// The overview's name of a metered item, if it shows it.
fn total_name(service: &str, item: Item) -> Option<&'static str> {
    Some(match (service, item) {
        ("kinesis", Item::RecordsIn) => "kinesisRecordsIn",
        ("firehose", Item::RecordsIn) => "firehoseRecordsIn",
        ("firehose", Item::Deliveries) => "firehoseDeliveries",
        ("sqs", Item::MessagesSent) => "sqsMessagesSent",
        ("sqs", Item::MessagesReceived) => "sqsMessagesReceived",
        ("pipes", Item::PipesRequests) => "pipesRequests",
        _ => return None,
    })
}

/// A pipe's counters since start: batches that reached the target, billed requests, failed
/// deliveries.
fn pipe_counters(account: &str, region: &str, pipe: &str) -> Value {
    let m = meter::global();
    let get = |item| m.get("pipes", account, region, pipe, item);
    json!({ "batches": get(Item::PipeBatches), "requests": get(Item::PipesRequests), "failures": get(Item::PipeFailures) })
}

/// `text/event-stream`: an `overview` event every two seconds while the page listens.
fn events(db: Db, defaults: (String, String)) -> Resp {
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(2);
    tokio::spawn(async move {
        loop {
            let data = overview(&db, (&defaults.0, &defaults.1))
                .await
                .map(|v| v.to_string())
                .unwrap_or_else(|e| json!({ "error": e.to_string() }).to_string());
            if tx.send(Bytes::from(format!("event: overview\ndata: {data}\n\n"))).await.is_err() {
                return;
            }
            tokio::time::sleep(TICK).await;
        }
    });
    let mut r = respond(200, "text/event-stream", Bytes::new());
    r.headers_mut().insert(hyper::header::CACHE_CONTROL, hyper::header::HeaderValue::from_static("no-cache"));
    *r.body_mut() = crate::subscribe::ChannelBody(rx).boxed();
    r
}
