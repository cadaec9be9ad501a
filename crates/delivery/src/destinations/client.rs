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
    /// The URL cannot be used (https needs TLS, which kinesin's client does not speak).
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

/// Sends `method url` with `headers` and `body`; waits at most `timeout` for the answer.
pub async fn send(
    env: &Env,
    method: &str,
    url: &str,
    headers: &[(&str, String)],
    body: Vec<u8>,
    timeout: Duration,
) -> Result<Answer, Failure> {
    if url.starts_with("https://") {
        return Err(Failure::BadUrl(format!(
            "{url}: kinesin delivers over plain http only (use an http:// URL for a local receiver)"
        )));
    }
    let mut req = Request::builder().method(method).uri(url);
    for (k, v) in headers {
        req = req.header(*k, v.as_str());
    }
    let req = req.body(Full::new(Bytes::from(body))).map_err(|e| Failure::BadUrl(format!("{url}: {e}")))?;
    let exchange = async {
        let resp = env.http.request(req).await.map_err(|e| Failure::Connection(format!("{url}: {e}")))?;
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
