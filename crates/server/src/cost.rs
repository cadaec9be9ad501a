//! The AWS cost estimate of the workload kinesin has seen: the metered counters
//! (crate::meter), the lifetimes of shards and consumers in the store, and the prices of
//! the region (one dated data file per region under `prices/`).

use crate::meter::{self, Item, Key};
use kinesin_state::inventory::{self, DeliveryUsage, StreamUsage};
use kinesin_state::{Db, StateError};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, OnceLock};

const HOUR_MS: f64 = 3_600_000.0;
const GIB_IN_KIB: f64 = 1024.0 * 1024.0;
/// Usage rates are measured over the last five minutes.
const RATE_WINDOW_MS: i64 = 300_000;

/// The prices of one region.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Prices {
    region: String,
    date: String,
    source: String,
    kinesis: KinesisPrices,
    firehose: FirehosePrices,
    sqs: SqsPrices,
    pipes: PipesPrices,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
struct KinesisPrices {
    shard_hour: f64,
    put_payload_units_per_million: f64,
    extended_retention_shard_hour: f64,
    efo_consumer_shard_hour: f64,
    on_demand_stream_hour: f64,
    on_demand_data_in_per_gb: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
struct FirehosePrices {
    ingested_per_gb: f64,
    format_conversion_per_gb: f64,
    dynamic_partitioning_per_gb: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
struct SqsPrices {
    standard_per_million: f64,
    fifo_per_million: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
struct PipesPrices {
    requests_per_million: f64,
}

/// The price files, by region. Regions without one are priced as us-east-1.
const PRICE_FILES: &[(&str, &str)] = &[("us-east-1", include_str!("../prices/us-east-1.json"))];

/// The prices of `region` (us-east-1's where no file exists).
pub fn prices(region: &str) -> &'static Prices {
    static PARSED: OnceLock<Vec<(String, Prices)>> = OnceLock::new();
    let all = PARSED.get_or_init(|| {
        PRICE_FILES
            .iter()
            .map(|(r, text)| (r.to_string(), serde_json::from_str(text).expect("valid price file")))
            .collect()
    });
    all.iter().find(|(r, _)| r == region).map_or(&all[0].1, |(_, p)| p)
}

/// One line of a resource's bill.
#[derive(Debug, Clone, Serialize)]
pub struct Line {
    item: &'static str,
    quantity: f64,
    unit: &'static str,
    usd: f64,
}

/// One resource's estimate.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Resource {
    service: &'static str,
    account: String,
    region: String,
    name: String,
    items: Vec<Line>,
    usd: f64,
    usd_per_hour: f64,
}

/// The whole estimate.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Estimate {
    prices: Prices,
    since_ms: i64,
    now_ms: i64,
    elapsed_hours: f64,
    resources: Vec<Resource>,
    usd: f64,
    usd_per_hour: f64,
}

/// Past usage costs per resource, for rates: `(time, usage usd by resource)`.
type Samples = VecDeque<(i64, HashMap<Key, f64>)>;

fn samples() -> &'static Mutex<Samples> {
    static S: OnceLock<Mutex<Samples>> = OnceLock::new();
    S.get_or_init(Default::default)
}

/// Hours of `[from, to]` that fall within `[since, now]`.
fn hours(from: i64, to: Option<i64>, since: i64, now: i64) -> f64 {
    let (a, b) = (from.max(since), to.unwrap_or(now).min(now));
    ((b - a).max(0)) as f64 / HOUR_MS
}

fn line(item: &'static str, quantity: f64, unit: &'static str, price: f64) -> Line {
    Line { item, quantity, unit, usd: quantity * price }
}

/// Makes the estimate now, `since` the server started (the `default_region`'s prices price
/// resources of regions without a price file).
pub async fn estimate(db: &Db, since: i64) -> Result<Estimate, StateError> {
    let (streams, deliveries) =
        db.call(|eng| Ok::<_, StateError>((inventory::streams(eng)?, inventory::delivery_streams(eng)?))).await?;
    let now = db.clock().now_ms();
    let counts = meter::global().snapshot();
    let mut resources = Vec::new();
    let mut seen: Vec<Key> = Vec::new();
    for s in &streams {
        let key: Key = ("kinesis", s.account.clone(), s.region.clone(), s.name.clone());
        let c = counts.get(&key).cloned().unwrap_or_default();
        resources.push(stream_cost(s, &c, since, now));
        seen.push(key);
    }
    for d in &deliveries {
        let key: Key = ("firehose", d.account.clone(), d.region.clone(), d.name.clone());
        resources.push(delivery_cost(d, counts.get(&key).cloned().unwrap_or_default()));
        seen.push(key);
    }
    for (key, c) in counts.iter().filter(|(k, _)| !seen.contains(k)) {
        if let Some(r) = request_cost(key, c) {
            resources.push(r);
        }
    }
    resources
        .sort_by(|a, b| (a.service, &a.account, &a.region, &a.name).cmp(&(b.service, &b.account, &b.region, &b.name)));
    add_usage_rates(&mut resources, now);
    let usd = resources.iter().map(|r| r.usd).sum();
    let usd_per_hour = resources.iter().map(|r| r.usd_per_hour).sum();
    let elapsed_hours = (now - since).max(0) as f64 / HOUR_MS;
    let prices = prices("us-east-1").clone();
    Ok(Estimate { prices, since_ms: since, now_ms: now, elapsed_hours, resources, usd, usd_per_hour })
}

/// Shard-hours (or stream-hours), extended retention, consumer-shard-hours, PUT payload
/// units and on-demand data-in; the hourly rate of the time-based items.
fn stream_cost(s: &StreamUsage, c: &HashMap<Item, u64>, since: i64, now: i64) -> Resource {
    let p = &prices(&s.region).kinesis;
    let count = |i: Item| c.get(&i).copied().unwrap_or(0) as f64;
    let open = s.shards.iter().filter(|(_, closed)| closed.is_none()).count() as f64;
    let mut items = Vec::new();
    let mut hourly = 0.0;
    if s.mode == "ON_DEMAND" {
        items.push(line("stream-hours", hours(s.created_ms, None, since, now), "stream-hour", p.on_demand_stream_hour));
        items.push(line("data-in", count(Item::DataInKib) / GIB_IN_KIB, "GB", p.on_demand_data_in_per_gb));
        hourly += p.on_demand_stream_hour;
    } else {
        let shard_hours: f64 = s.shards.iter().map(|(a, b)| hours(*a, *b, since, now)).sum();
        items.push(line("shard-hours", shard_hours, "shard-hour", p.shard_hour));
        items.push(line(
            "put-payload-units",
            count(Item::PutPayloadUnits),
            "unit",
            p.put_payload_units_per_million / 1e6,
        ));
        hourly += open * p.shard_hour;
        if s.retention_h > 24 {
            items.push(line("extended-retention", shard_hours, "shard-hour", p.extended_retention_shard_hour));
            hourly += open * p.extended_retention_shard_hour;
        }
        if !s.consumers.is_empty() {
            let consumer_shard_hours: f64 = s
                .consumers
                .iter()
                .flat_map(|c| s.shards.iter().map(move |(a, b)| hours((*a).max(*c), *b, since, now)))
                .sum();
            items.push(line(
                "efo-consumer-shard-hours",
                consumer_shard_hours,
                "consumer-shard-hour",
                p.efo_consumer_shard_hour,
            ));
            hourly += open * s.consumers.len() as f64 * p.efo_consumer_shard_hour;
        }
    }
    resource("kinesis", &s.account, &s.region, &s.name, items, hourly)
}

/// Data ingested in 5 KB increments, and format conversion and dynamic partitioning of it.
fn delivery_cost(d: &DeliveryUsage, c: HashMap<Item, u64>) -> Resource {
    let p = &prices(&d.region).firehose;
    let gb = c.get(&Item::FirehoseKib).copied().unwrap_or(0) as f64 / GIB_IN_KIB;
    let mut items = vec![line("ingested", gb, "GB", p.ingested_per_gb)];
    if d.conversion {
        items.push(line("format-conversion", gb, "GB", p.format_conversion_per_gb));
    }
    if d.partitioning {
        items.push(line("dynamic-partitioning", gb, "GB", p.dynamic_partitioning_per_gb));
    }
    resource("firehose", &d.account, &d.region, &d.name, items, 0.0)
}

/// SQS and Pipes resources: billed per request only.
fn request_cost(key: &Key, c: &HashMap<Item, u64>) -> Option<Resource> {
    let (service, account, region, name) = key;
    let p = prices(region);
    let count = |i: Item| c.get(&i).copied().unwrap_or(0) as f64;
    let items = match *service {
        "sqs" if name.ends_with(".fifo") => {
            vec![line("requests", count(Item::SqsFifoRequests), "request", p.sqs.fifo_per_million / 1e6)]
        }
        "sqs" => vec![line("requests", count(Item::SqsStandardRequests), "request", p.sqs.standard_per_million / 1e6)],
        "pipes" => vec![line("requests", count(Item::PipesRequests), "request", p.pipes.requests_per_million / 1e6)],
        _ => return None,
    };
    Some(resource(service, account, region, name, items, 0.0))
}

fn resource(service: &'static str, account: &str, region: &str, name: &str, items: Vec<Line>, hourly: f64) -> Resource {
    let usd = items.iter().map(|l| l.usd).sum();
    Resource {
        service,
        account: account.into(),
        region: region.into(),
        name: name.into(),
        items,
        usd,
        usd_per_hour: hourly,
    }
}

/// Whether a bill line is usage (metered per request or byte) rather than time.
fn is_usage(item: &str) -> bool {
    !item.ends_with("hours") && item != "extended-retention"
}

/// Adds to each resource's hourly rate its usage cost over the last five minutes, per hour.
fn add_usage_rates(resources: &mut [Resource], now: i64) {
    let usage: HashMap<Key, f64> = resources
        .iter()
        .map(|r| {
            let usd = r.items.iter().filter(|l| is_usage(l.item)).map(|l| l.usd).sum();
            ((r.service, r.account.clone(), r.region.clone(), r.name.clone()), usd)
        })
        .collect();
    let mut s = samples().lock().unwrap_or_else(|e| e.into_inner());
    while s.front().is_some_and(|(t, _)| *t < now - RATE_WINDOW_MS || *t > now) {
        s.pop_front();
    }
    if let Some((t0, before)) = s.front().filter(|(t, _)| *t < now) {
        let per_hour = HOUR_MS / (now - t0) as f64;
        for r in resources.iter_mut() {
            let key = (r.service, r.account.clone(), r.region.clone(), r.name.clone());
            let delta = usage.get(&key).unwrap_or(&0.0) - before.get(&key).unwrap_or(&0.0);
            r.usd_per_hour += delta.max(0.0) * per_hour;
        }
    }
    // At most one sample a second, so the history stays small however often it is asked.
    if s.back().is_none_or(|(t, _)| *t + 1000 <= now) {
        s.push_back((now, usage));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn price_file_parses_and_hours_clip_to_the_window() {
        assert_eq!(prices("us-east-1").kinesis.shard_hour, 0.015);
        assert_eq!(prices("xx-nowhere-1").region, "us-east-1");
        assert_eq!(hours(0, None, 1_800_000, 3_600_000), 0.5);
        assert_eq!(hours(0, Some(900_000), 1_800_000, 3_600_000), 0.0);
    }
}
