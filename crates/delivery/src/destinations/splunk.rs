//! Splunk HTTP Event Collector delivery: the batch's records, as they are, in one POST to
//! `/services/collector/raw` (HECEndpointType Raw) or `/services/collector/event` (Event:
//! each record must already be a HEC event such as `{"event": ...}`; Firehose does not
//! wrap records), with `Authorization: Splunk <HECToken>` and a request channel. When the
//! collector answers with an `ackId` (indexer acknowledgment on, as Firehose requires on
//! AWS), the acknowledgment is polled until `HECAcknowledgmentTimeoutInSeconds`.

use super::client::{self, Answer, Failure};
use super::{text, DeliveryCtx, DestError};
use crate::env::Env;
use serde_json::{json, Value};
use std::time::Duration;

/// Wait between two acknowledgment polls.
const ACK_POLL: Duration = Duration::from_millis(250);

/// The collector URL of an endpoint type: `HECEndpoint` plus the collector path, unless
/// `HECEndpoint` already names a path.
pub fn collector_url(endpoint: &str, event: bool) -> String {
    let base = endpoint.trim_end_matches('/');
    let after_scheme = base.split_once("://").map_or(base, |(_, rest)| rest);
    if after_scheme.contains('/') {
        return base.to_string();
    }
    format!("{base}/services/collector/{}", if event { "event" } else { "raw" })
}

fn origin(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find('/') {
        Some(i) => &url[..after_scheme + i],
        None => url,
    }
}

/// AWS's error code for a collector's answer (HEC answers `{"text", "code"}`).
fn error_code(answer: &Answer) -> &'static str {
    let doc: Value = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
    match (answer.status, doc.get("code").and_then(Value::as_i64)) {
        (_, Some(1)) => "Splunk.DisabledToken",
        (_, Some(2..=4)) | (401 | 403, _) => "Splunk.InvalidToken",
        (_, Some(5 | 6 | 12 | 13)) => "Splunk.InvalidDataFormat",
        (_, Some(7)) => "Splunk.InvalidIndex",
        (s, _) if s >= 500 => "Splunk.ServerError",
        _ => "Splunk.InvalidEndpoint",
    }
}

fn connection_error(f: Failure) -> DestError {
    match f {
        Failure::BadUrl(m) => DestError::permanent("Splunk.InvalidEndpoint", m),
        Failure::Timeout => DestError::retryable("Splunk.ConnectionTimeout", "The connection to Splunk timed out."),
        Failure::Connection(m) => {
            DestError::retryable("Splunk.ConnectionClosed", format!("Could not send data to Splunk: {m}"))
        }
    }
}

/// One attempt: send the records, then wait for the acknowledgment if one was promised.
pub async fn deliver(env: &Env, desc: &Value, ctx: &DeliveryCtx, records: &[Vec<u8>]) -> Result<(), DestError> {
    let event = text(desc, "/HECEndpointType") == "Event";
    let url = collector_url(text(desc, "/HECEndpoint"), event);
    let channel = ctx.request_id.clone();
    let headers = [
        ("Authorization", format!("Splunk {}", text(desc, "/HECToken"))),
        ("X-Splunk-Request-Channel", channel.clone()),
        ("Content-Type", if event { "application/json" } else { "text/plain" }.to_string()),
    ];
    let body: Vec<u8> = records.concat();
    let answer = client::send(env, "POST", &url, &headers, body, client::TIMEOUT).await.map_err(connection_error)?;
    if answer.status != 200 {
        return Err(DestError::retryable(
            error_code(&answer),
            format!("Splunk answered {}: {}", answer.status, answer.text()),
        ));
    }
    let doc: Value = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
    let Some(ack) = doc.get("ackId").and_then(Value::as_i64) else { return Ok(()) };
    let timeout_s = desc.get("HECAcknowledgmentTimeoutInSeconds").and_then(Value::as_u64).unwrap_or(180);
    let ack_url = format!("{}/services/collector/ack?channel={channel}", origin(&url));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(timeout_s);
    loop {
        let body = serde_json::to_vec(&json!({"acks": [ack]})).unwrap_or_default();
        let answer = client::send(env, "POST", &ack_url, &headers[..2], body, client::TIMEOUT)
            .await
            .map_err(connection_error)?;
        let doc: Value = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
        if answer.status == 200 && doc.pointer(&format!("/acks/{ack}")).and_then(Value::as_bool) == Some(true) {
            return Ok(());
        }
        if tokio::time::Instant::now() + ACK_POLL >= deadline {
            // kinesin's wording; the code is AWS's.
            return Err(DestError::retryable(
                "Splunk.AckTimeout",
                format!("Did not receive an acknowledgement from Splunk for ackId {ack} within {timeout_s} seconds."),
            ));
        }
        tokio::time::sleep(ACK_POLL).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collector_urls() {
        assert_eq!(collector_url("http://h:8088", false), "http://h:8088/services/collector/raw");
        assert_eq!(collector_url("http://h:8088/", true), "http://h:8088/services/collector/event");
        assert_eq!(collector_url("http://h:8088/custom/path", true), "http://h:8088/custom/path");
        assert_eq!(origin("http://h:8088/services/collector/raw"), "http://h:8088");
        assert_eq!(origin("http://h:8088"), "http://h:8088");
    }

    #[test]
    fn error_codes() {
        let a = |status, body: &str| Answer { status, body: body.as_bytes().to_vec() };
        assert_eq!(error_code(&a(403, r#"{"text":"Invalid token","code":4}"#)), "Splunk.InvalidToken");
        assert_eq!(error_code(&a(400, r#"{"text":"Invalid data format","code":6}"#)), "Splunk.InvalidDataFormat");
        assert_eq!(error_code(&a(503, r#"{"text":"Server is busy","code":9}"#)), "Splunk.ServerError");
    }
}
