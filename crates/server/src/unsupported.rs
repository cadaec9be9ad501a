//! Requests for services kinesin does not emulate (signed for `lambda`, `dynamodb`, `sns`,
//! ...) are answered in the caller's protocol with an error naming the service and
//! operation (from `X-Amz-Target`, the query `Action`, or for REST services the method and
//! path, `routes.rs`), instead of being mistaken for S3 or an unknown Kinesis operation.
//!
//! The code is `InternalFailure` with HTTP 501, as LocalStack answers an API it does not
//! provide; every SDK surfaces it as a service error carrying the message.

use crate::http::{request_id, Resp};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::{Request, StatusCode};
use kinesin_protocol::sigv4;

mod routes;

/// The SigV4 signing names kinesin serves.
const EMULATED: &[&str] = &["kinesis", "firehose", "sqs", "s3", "pipes", "sts", "iam", "kinesisanalytics"];

/// REST-XML services: their errors are XML documents (the rest of the REST services speak JSON).
const REST_XML: &[&str] = &["route53", "cloudfront", "s3-object-lambda"];

/// The SigV4 signing name of a request, if signed.
pub fn signing_name(req: &Request<Incoming>) -> Option<&str> {
    let auth = req.headers().get(hyper::header::AUTHORIZATION)?.to_str().ok()?;
    sigv4::parse_authorization(auth).service
}

/// Whether kinesin serves requests signed for `service`.
pub fn emulated(service: &str) -> bool {
    EMULATED.contains(&service)
}

/// The error answer for `service`, in the request's protocol.
pub async fn answer(service: &str, req: Request<Incoming>, max_body: usize) -> Resp {
    let target = req.headers().get("x-amz-target").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let ct = req.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let fallback = format!(" ({} {})", req.method(), req.uri().path());
    let route = routes::operation(service, req.method().as_str(), req.uri().path());
    let form = ct.starts_with("application/x-www-form-urlencoded");
    let body = if form {
        Limited::new(req.into_body(), max_body).collect().await.map(|b| b.to_bytes()).unwrap_or_default()
    } else {
        Bytes::new()
    };
    // JSON and query requests name their operation; a REST request is named by its route.
    let operation = match (&target, form, route) {
        (Some(t), ..) => format!(":{}", t.rsplit_once('.').map_or(t.as_str(), |(_, op)| op)),
        (None, true, _) => form_action(&body).map_or(fallback, |a| format!(":{a}")),
        (None, false, Some((_, op))) => format!(":{op}"),
        (None, false, None) => fallback,
    };
    let shown = route.map_or(service, |(s, _)| s);
    let message = format!("kinesin does not emulate {shown}{operation}");
    tracing::warn!("{message}");
    let id = request_id();
    let (content_type, body) = if form || REST_XML.contains(&service) {
        ("text/xml", xml_body(&message, &id))
    } else if target.is_some() {
        ("application/x-amz-json-1.1", json_body(&message))
    } else {
        ("application/json", json_body(&message))
    };
    let mut r = Resp::new(Full::new(Bytes::from(body)).boxed());
    *r.status_mut() = StatusCode::NOT_IMPLEMENTED;
    // The request log names the operation found (from the body or the route).
    if let Some(op) = operation.strip_prefix(':') {
        r.extensions_mut().insert(crate::request_log::Operation(op.to_string()));
    }
    let headers = r.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert("x-amzn-ErrorType", HeaderValue::from_static("InternalFailure"));
    if let Ok(v) = HeaderValue::from_str(&id) {
        headers.insert("x-amzn-RequestId", v);
    }
    r
}

/// `Action=...` of a query-protocol form (alphanumerics only, for messages and logs).
pub(crate) fn form_action(body: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    text.split('&')
        .find_map(|kv| kv.strip_prefix("Action="))
        .map(|a| a.chars().filter(|c| c.is_ascii_alphanumeric()).collect())
}

fn json_body(message: &str) -> String {
    serde_json::json!({ "__type": "InternalFailure", "message": message }).to_string()
}

fn xml_body(message: &str, id: &str) -> String {
    let m = message.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    format!(
        "<ErrorResponse><Error><Type>Sender</Type><Code>InternalFailure</Code><Message>{m}</Message></Error>\
         <RequestId>{id}</RequestId></ErrorResponse>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_action_is_read_and_sanitised() {
        assert_eq!(form_action(b"Action=Publish&TopicArn=x").as_deref(), Some("Publish"));
        assert_eq!(form_action(b"Version=1&Action=List%3CX").as_deref(), Some("List3CX"));
        assert_eq!(form_action(b"Version=1"), None);
    }
}
