//! HTTP plumbing every service shares: the response type and its builder, request ids,
//! bounded bodies, the `Host` of queue URLs (percent-decoding is `kinesin_protocol::percent`).

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::{HeaderMap, Response, StatusCode};

/// The response type.
pub type Resp = Response<BoxBody<Bytes, std::convert::Infallible>>;

/// A response with a status and a body, and nothing else.
pub fn response(status: u16, body: impl Into<Bytes>) -> Resp {
    let mut r = Response::new(Full::new(body.into()).boxed());
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r
}

/// A response with `Content-Type` and an `x-amzn-RequestId` (the AWS JSON, query and
/// restJson services' answer).
pub fn respond(status: u16, content_type: &str, body: impl Into<Bytes>) -> Resp {
    let mut r = response(status, body);
    header(&mut r, CONTENT_TYPE, content_type);
    header(&mut r, "x-amzn-RequestId", &request_id());
    r
}

/// Sets a header when the value is a valid header value.
pub fn header(r: &mut Resp, name: impl hyper::header::IntoHeaderName, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        r.headers_mut().insert(name, v);
    }
}

/// A request id in AWS's UUID form, for `x-amzn-RequestId` and XML `RequestId`s.
pub fn request_id() -> String {
    uuid::Builder::from_random_bytes(fastrand::u128(..).to_ne_bytes()).into_uuid().hyphenated().to_string()
}

/// Why a body could not be read.
pub enum BodyError {
    /// Longer than the limit.
    TooLarge,
    /// The connection failed while reading.
    Unreadable,
}

/// Reads a body of at most `max` bytes.
pub async fn read_body(body: Incoming, max: usize) -> Result<Bytes, BodyError> {
    match Limited::new(body, max).collect().await {
        Ok(b) => Ok(b.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(BodyError::TooLarge),
        Err(_) => Err(BodyError::Unreadable),
    }
}

/// A header's value as text (empty when absent or not text).
pub fn header_str(headers: &HeaderMap, name: impl hyper::header::AsHeaderName) -> &str {
    headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

/// `host[:port]` the client addressed (queue URLs are built with it).
pub fn host_of(headers: &HeaderMap) -> String {
    let host = header_str(headers, hyper::header::HOST);
    if host.is_empty() { "localhost:4566" } else { host }.to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn request_ids_are_random_version_4_uuids_in_lower_case() {
        let (a, b) = (super::request_id(), super::request_id());
        assert_ne!(a, b);
        let u = uuid::Uuid::parse_str(&a).unwrap();
        assert_eq!(u.get_version_num(), 4);
        assert_eq!(a, u.hyphenated().to_string());
        assert!(a.bytes().all(|c| c == b'-' || c.is_ascii_digit() || c.is_ascii_lowercase()));
    }
}
