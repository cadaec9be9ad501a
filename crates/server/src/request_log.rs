//! The request log: one line per request (service, operation, status, duration, request
//! id), at `--log-requests` or `--log-level debug`.

use crate::http::Resp;
use hyper::body::Incoming;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE};
use hyper::Request;
use kinesin_protocol::sigv4;
use std::time::Duration;

/// The operation a handler names on its response when the request did not (query-protocol
/// `Action`, read from the body).
#[derive(Debug, Clone)]
pub struct Operation(pub String);

/// What the request line says about service and operation, before the body is read.
pub struct Described {
    service: String,
    operation: Option<String>,
    fallback: String,
}

/// Service and operation from `X-Amz-Target`, the SigV4 scope and the path.
pub fn describe(req: &Request<Incoming>) -> Described {
    let h = req.headers();
    let target = h.get("x-amz-target").and_then(|v| v.to_str().ok());
    let scope = h.get(AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|a| sigv4::parse_authorization(a).service);
    let path = req.uri().path();
    let form = h.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|c| c.contains("form-urlencoded"));
    let service = match (target, scope) {
        (Some(t), _) => target_service(t).to_string(),
        (None, Some(s)) => s.to_string(),
        _ if path.starts_with("/_") => "internal".to_string(),
        _ if form => "sqs".to_string(),
        _ => "s3".to_string(),
    };
    let operation = target.and_then(|t| t.rsplit_once('.')).map(|(_, op)| op.to_string());
    Described { service, operation, fallback: format!("{} {}", req.method(), path) }
}

fn target_service(target: &str) -> &str {
    let prefix = target.split_once('.').map_or(target, |(p, _)| p);
    match prefix {
        "Kinesis_20131202" => "kinesis",
        "AmazonSQS" => "sqs",
        "Firehose_20150804" => "firehose",
        other => other,
    }
}

/// Logs one finished request.
pub fn log(d: Described, resp: &Resp, took: Duration) {
    let op = resp.extensions().get::<Operation>().map(|o| o.0.clone()).or(d.operation).unwrap_or(d.fallback);
    let h = resp.headers();
    let id =
        h.get("x-amzn-RequestId").or_else(|| h.get("x-amz-request-id")).and_then(|v| v.to_str().ok()).unwrap_or("-");
    tracing::info!(
        target: "kinesin::request",
        service = %d.service,
        operation = %op,
        status = resp.status().as_u16(),
        duration_ms = format_args!("{:.3}", took.as_secs_f64() * 1000.0),
        request_id = %id,
        "request"
    );
}
