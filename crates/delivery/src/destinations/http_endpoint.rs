//! HTTP endpoint delivery, per AWS's "HTTP endpoint delivery request and response
//! specifications": one POST per batch with the `X-Amz-Firehose-*` headers and a JSON body
//! of base64 records; the endpoint must answer 200 with the same `requestId`.

use super::client::{self, Failure};
use super::{text, DeliveryCtx, DestError};
use crate::env::Env;
use aws_smithy_types::base64;
use flate2::write::GzEncoder;
use serde_json::{json, Map, Value};
use std::io::Write;

/// The request: headers and body, before any compression.
pub fn request(desc: &Value, ctx: &DeliveryCtx, records: &[Vec<u8>]) -> (Vec<(&'static str, String)>, Vec<u8>) {
    let mut headers = vec![
        ("Content-Type", "application/json".to_string()),
        ("X-Amz-Firehose-Protocol-Version", "1.0".to_string()),
        ("X-Amz-Firehose-Request-Id", ctx.request_id.clone()),
        ("X-Amz-Firehose-Source-Arn", ctx.stream_arn.clone()),
    ];
    if let Some(key) = desc.pointer("/EndpointConfiguration/AccessKey").and_then(Value::as_str) {
        headers.push(("X-Amz-Firehose-Access-Key", key.to_string()));
    }
    let attributes = desc.pointer("/RequestConfiguration/CommonAttributes").and_then(Value::as_array);
    if let Some(list) = attributes.filter(|l| !l.is_empty()) {
        let mut map = Map::new();
        for a in list {
            let name = a.get("AttributeName").and_then(Value::as_str).unwrap_or("");
            map.insert(name.to_string(), a.get("AttributeValue").cloned().unwrap_or(json!("")));
        }
        headers.push(("X-Amz-Firehose-Common-Attributes", json!({"commonAttributes": map}).to_string()));
    }
    let body = json!({
        "requestId": ctx.request_id,
        "timestamp": ctx.now_ms,
        "records": records.iter().map(|r| json!({"data": base64::encode(r)})).collect::<Vec<_>>(),
    });
    (headers, serde_json::to_vec(&body).unwrap_or_default())
}

/// Most records in one request (AWS's limit for the `records` array).
pub const MAX_RECORDS_PER_REQUEST: usize = 10_000;

/// The request id of the `i`th request of a batch: the batch's own for the first, one
/// derived from it (and as stable across retries) for the next ones.
pub fn chunk_request_id(batch_id: &str, i: usize) -> String {
    match (i, uuid::Uuid::parse_str(batch_id)) {
        (0, _) => batch_id.to_string(),
        (_, Ok(u)) => uuid::Uuid::from_u128(u.as_u128() ^ i as u128).to_string(),
        (_, Err(_)) => format!("{batch_id}-{i}"),
    }
}

/// One attempt: POST the batch (in requests of at most [`MAX_RECORDS_PER_REQUEST`]
/// records), check each answer.
pub async fn deliver(env: &Env, desc: &Value, ctx: &DeliveryCtx, records: &[Vec<u8>]) -> Result<(), DestError> {
    for (i, chunk) in records.chunks(MAX_RECORDS_PER_REQUEST).enumerate() {
        let ctx = DeliveryCtx { request_id: chunk_request_id(&ctx.request_id, i), ..ctx.clone() };
        post(env, desc, &ctx, chunk).await?;
    }
    Ok(())
}

async fn post(env: &Env, desc: &Value, ctx: &DeliveryCtx, records: &[Vec<u8>]) -> Result<(), DestError> {
    let url = text(desc, "/EndpointConfiguration/Url");
    let (mut headers, mut body) = request(desc, ctx, records);
    if text(desc, "/RequestConfiguration/ContentEncoding") == "GZIP" {
        body = gzip(&body).map_err(|e| DestError::permanent("HttpEndpoint.DeliveryFailed", e.to_string()))?;
        headers.push(("Content-Encoding", "gzip".to_string()));
    }
    let answer = match client::send(env, "POST", url, &headers, body, client::TIMEOUT).await {
        Ok(a) => a,
        Err(Failure::BadUrl(m)) => return Err(DestError::permanent("HttpEndpoint.InvalidUrl", m)),
        Err(Failure::Timeout) => {
            return Err(DestError::retryable(
                "HttpEndpoint.RequestTimeout",
                "The HTTP endpoint did not respond within the request timeout.",
            ))
        }
        Err(Failure::Connection(m)) => {
            return Err(DestError::retryable(
                "HttpEndpoint.ConnectionFailed",
                format!("Could not connect to the endpoint: {m}"),
            ))
        }
    };
    check(&answer, &ctx.request_id)
}

/// AWS's rules for the answer: 200 with a JSON body naming the same `requestId`; 413
/// (payload too large) cannot get better by retrying; any other status is retried.
pub fn check(answer: &client::Answer, request_id: &str) -> Result<(), DestError> {
    // The message form AWS logs: "The following response was received from the endpoint
    // destination. 413: {...}".
    let received = || {
        format!(
            "The following response was received from the endpoint destination. {}: {}",
            answer.status,
            answer.text()
        )
    };
    match answer.status {
        200 => {
            let doc: Value = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
            match doc.get("requestId").and_then(Value::as_str) {
                Some(id) if id == request_id => Ok(()),
                // kinesin's wording; AWS's code, its text was not found.
                _ => Err(DestError::retryable(
                    "HttpEndpoint.InvalidResponseFromDestination",
                    format!(
                        "The response from the endpoint is not valid: the requestId must be {request_id}. {}",
                        received()
                    ),
                )),
            }
        }
        413 => Err(DestError::permanent("HttpEndpoint.DestinationException", received())),
        _ => Err(DestError::retryable("HttpEndpoint.DestinationException", received())),
    }
}

fn gzip(data: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut enc = GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data)?;
    enc.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> DeliveryCtx {
        DeliveryCtx {
            stream_arn: "arn:aws:firehose:us-east-1:000000000000:deliverystream/s".into(),
            stream_name: "s".into(),
            request_id: "0f0e0d0c-0000-0000-0000-000000000001".into(),
            now_ms: 1_772_694_489_123,
            first_arrival_ms: 0,
            attempt: 1,
            first_attempt_ms: 0,
        }
    }

    #[test]
    fn request_has_the_aws_headers_and_body() {
        let desc = json!({"EndpointConfiguration": {"Url": "http://x", "AccessKey": "k"},
            "RequestConfiguration": {"CommonAttributes": [{"AttributeName": "a", "AttributeValue": "1"}]}});
        let (headers, body) = request(&desc, &ctx(), &[b"hi".to_vec(), b"there".to_vec()]);
        let h = |k: &str| headers.iter().find(|(n, _)| *n == k).map(|(_, v)| v.as_str());
        assert_eq!(h("X-Amz-Firehose-Protocol-Version"), Some("1.0"));
        assert_eq!(h("X-Amz-Firehose-Access-Key"), Some("k"));
        assert_eq!(h("X-Amz-Firehose-Common-Attributes"), Some(r#"{"commonAttributes":{"a":"1"}}"#));
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            body,
            json!({"requestId": "0f0e0d0c-0000-0000-0000-000000000001", "timestamp": 1_772_694_489_123i64,
                   "records": [{"data": "aGk="}, {"data": "dGhlcmU="}]})
        );
        assert!(h("Content-Encoding").is_none());
        let (bare, _) = request(&json!({}), &ctx(), &[]);
        assert!(!bare.iter().any(|(n, _)| n.contains("Access-Key") || n.contains("Common-Attributes")));
    }

    #[test]
    fn answers_are_checked() {
        let a = |status, body: &str| client::Answer { status, body: body.as_bytes().to_vec() };
        let id = "r1";
        assert!(check(&a(200, r#"{"requestId":"r1","timestamp":1}"#), id).is_ok());
        let e = check(&a(200, r#"{"requestId":"other"}"#), id).unwrap_err();
        assert_eq!((e.code.as_str(), e.permanent), ("HttpEndpoint.InvalidResponseFromDestination", false));
        assert!(check(&a(200, "not json"), id).is_err());
        let e = check(&a(413, r#"{"errorMessage":"too large"}"#), id).unwrap_err();
        assert!(e.permanent);
        assert!(e.message.contains("413: {\"errorMessage\""));
        let e = check(&a(201, r#"{"requestId":"r1"}"#), id).unwrap_err();
        assert!(!e.permanent);
        assert!(!check(&a(503, ""), id).unwrap_err().permanent);
    }
}
