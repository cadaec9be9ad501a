//! Environment contracts of other emulators, so setups built for them switch without edits.
//!
//! kinesis-mock (used inside LocalStack) is configured by `KINESIS_MOCK_PLAIN_PORT`,
//! `INITIALIZE_STREAMS`, the `*_DURATION` delays, `SHARD_LIMIT`, `AWS_ACCOUNT_ID`,
//! `AWS_REGION`, `SHOULD_PERSIST_DATA`/`PERSIST_PATH`, `ON_DEMAND_STREAM_COUNT_LIMIT` and
//! `LOG_LEVEL`; LocalStack by `KINESIS_ERROR_PROBABILITY`, `KINESIS_LATENCY` (ms) and
//! `KINESIS_SHARD_LIMIT`. Each is mapped onto kinesin's own variable when that one is not set.

use std::time::Duration;

/// Copies the other emulators' variables onto kinesin's (before the command line is parsed).
pub fn map_env() {
    let set = |ours: &str, value: String| {
        if std::env::var_os(ours).is_none() {
            std::env::set_var(ours, value);
        }
    };
    let get = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    for (theirs, ours) in [
        ("KINESIS_MOCK_PLAIN_PORT", "KINESIN_PORT"),
        ("KINESIS_MOCK_TLS_PORT", "KINESIN_TLS_PORT"),
        ("AWS_ACCOUNT_ID", "KINESIN_ACCOUNT_ID"),
        ("AWS_REGION", "KINESIN_REGION"),
        ("SHARD_LIMIT", "KINESIN_SHARD_LIMIT"),
        ("KINESIS_SHARD_LIMIT", "KINESIN_SHARD_LIMIT"),
        ("LOG_LEVEL", "KINESIN_LOG_LEVEL"),
        ("INITIALIZE_STREAMS", "KINESIN_INITIALIZE_STREAMS"),
        ("ON_DEMAND_STREAM_COUNT_LIMIT", "KINESIN_ON_DEMAND_STREAM_LIMIT"),
        ("KINESIS_ERROR_PROBABILITY", "KINESIN_ERROR_PROBABILITY"),
        ("KINESIS_LATENCY", "KINESIN_LATENCY_MS"),
    ] {
        if let Some(v) = get(theirs) {
            set(ours, if ours == "KINESIN_LOG_LEVEL" { v.to_lowercase() } else { v });
        }
    }
    for (theirs, ours) in [
        ("CREATE_STREAM_DURATION", "KINESIN_CREATE_STREAM_DELAY_MS"),
        ("DELETE_STREAM_DURATION", "KINESIN_DELETE_STREAM_DELAY_MS"),
        ("UPDATE_SHARD_COUNT_DURATION", "KINESIN_UPDATE_STREAM_DELAY_MS"),
    ] {
        if let Some(d) = get(theirs).as_deref().and_then(parse_duration) {
            set(ours, d.as_millis().to_string());
        }
    }
    let persist = get("SHOULD_PERSIST_DATA").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    if persist {
        set("KINESIN_DATA_DIR", get("PERSIST_PATH").unwrap_or_else(|| "data".into()));
    }
}

/// Parses `500ms`, `1s`, `2 seconds`, `1.5s`, `250` (milliseconds), `1m`.
pub fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    let split = s.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num.parse().ok()?;
    let ms = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "ms" | "millis" | "milliseconds" | "millisecond" => n,
        "s" | "sec" | "secs" | "second" | "seconds" => n * 1000.0,
        "m" | "min" | "mins" | "minute" | "minutes" => n * 60_000.0,
        _ => return None,
    };
    (ms >= 0.0).then(|| Duration::from_millis(ms as u64))
}

/// One stream of `INITIALIZE_STREAMS` (`name[:shards[:region]],...`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitialStream {
    /// Stream name.
    pub name: String,
    /// Shard count (default 4).
    pub shards: u32,
    /// Region (default: kinesin's default region).
    pub region: Option<String>,
}

/// Parses `INITIALIZE_STREAMS`: a malformed entry (empty name, a shard count that is not a
/// positive number, an empty region, more than three fields) is an error naming it.
pub fn parse_initial_streams(spec: &str) -> Result<Vec<InitialStream>, String> {
    spec.split(',').map(str::trim).filter(|s| !s.is_empty()).map(parse_initial_stream).collect()
}

fn parse_initial_stream(entry: &str) -> Result<InitialStream, String> {
    let parts: Vec<&str> = entry.split(':').map(str::trim).collect();
    let bad = |why: &str| format!("{entry:?}: {why} (expected name[:shards[:region]])");
    if parts.len() > 3 {
        return Err(bad("too many fields"));
    }
    let name = parts[0].to_string();
    if name.is_empty() {
        return Err(bad("empty stream name"));
    }
    let shards = match parts.get(1) {
        None | Some(&"") => 4,
        Some(n) => {
            n.parse().ok().filter(|&n: &u32| n > 0).ok_or_else(|| bad("shard count is not a positive number"))?
        }
    };
    let region = match parts.get(2) {
        None => None,
        Some(&"") => return Err(bad("empty region")),
        Some(r) => Some(r.to_string()),
    };
    Ok(InitialStream { name, shards, region })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_streams() {
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("1.5s"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_duration("2 seconds"), Some(Duration::from_millis(2000)));
        assert_eq!(parse_duration("250"), Some(Duration::from_millis(250)));
        assert_eq!(parse_duration("soon"), None);
        assert!(parse_initial_streams("a:x").is_err());
        assert!(parse_initial_streams(":2").is_err());
        assert!(parse_initial_streams("a:1:r:x").is_err());
        assert_eq!(
            parse_initial_streams("a:2:eu-west-1, b ,c:3").unwrap(),
            vec![
                InitialStream { name: "a".into(), shards: 2, region: Some("eu-west-1".into()) },
                InitialStream { name: "b".into(), shards: 4, region: None },
                InitialStream { name: "c".into(), shards: 3, region: None },
            ]
        );
    }
}
