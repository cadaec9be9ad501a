//! One HTTP request to a destination, over the environment's shared client.

use crate::env::Env;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use std::time::Duration;

/// How long a destination has to answer (AWS gives HTTP endpoints 3 minutes).
pub const TIMEOUT: Duration = Duration::from_secs(180);
/// Most bytes of an answer read (answers are small JSON documents).
const MAX_ANSWER: usize = 1024 * 1024;

/// A destination's answer.
#[derive(Debug, Clone)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// Body (at most 1 MiB).
    pub body: Vec<u8>,
}

impl Answer {
    /// The body as text, for messages (at most 512 characters).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).chars().take(512).collect()
    }
}

/// Why a request got no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The URL cannot be used (it does not parse).
    BadUrl(String),
    /// No connection, or the connection broke.
    Connection(String),
    /// No answer within the timeout.
    Timeout,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::BadUrl(m) | Failure::Connection(m) => f.write_str(m),
            Failure::Timeout => f.write_str("the destination did not answer in time"),
        }
    }
}

/// An error with its causes (`client error (Connect): invalid peer certificate: ...`):
/// the client's own message alone does not say what went wrong.
pub fn causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let part = s.to_string();
        if !text.contains(&part) {
            text = format!("{text}: {part}");
        }
        source = s.source();
    }
    text
}

/// Sends `method url` with `headers` and `body`; waits at most `timeout` for the answer.
pub async fn send(
    env: &Env,
    method: &str,
    url: &str,
    headers: &[(&str, String)],
    body: Vec<u8>,
    timeout: Duration,
) -> Result<Answer, Failure> {
    let mut req = Request::builder().method(method).uri(url);
    for (k, v) in headers {
        req = req.header(*k, v.as_str());
    }
    let req = req.body(Full::new(Bytes::from(body))).map_err(|e| Failure::BadUrl(format!("{url}: {e}")))?;
    let exchange = async {
        let resp = env
            .http()
            .map_err(Failure::Connection)?
            .request(req)
            .await
            .map_err(|e| Failure::Connection(format!("{url}: {}", causes(&e))))?;
        let status = resp.status().as_u16();
        let mut body = Vec::new();
        let mut incoming = resp.into_body();
        while let Some(frame) = incoming.frame().await {
            let frame = frame.map_err(|e| Failure::Connection(format!("{url}: {e}")))?;
            if let Some(chunk) = frame.data_ref() {
                body.extend_from_slice(&chunk[..chunk.len().min(MAX_ANSWER - body.len())]);
                if body.len() >= MAX_ANSWER {
                    break;
                }
            }
        }
        Ok(Answer { status, body })
    };
    tokio::time::timeout(timeout, exchange).await.map_err(|_| Failure::Timeout)?
}
