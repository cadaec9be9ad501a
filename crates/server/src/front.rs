//! The door every request passes before it reaches [`App`]: the origin/host guard and CORS,
//! optional SigV4 verification, the body-memory budget, the request timeout, and the in-flight
//! mark the idle timeout looks at.

use crate::app::App;
use crate::budget::Budget;
use crate::conn::{Activity, InFlight};
use crate::guard::{add_cors, Guard, Verdict};
use crate::http::Resp;
use crate::sigv4check::{Pending, Verifier};
use crate::wire::refusal;
use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderName, HeaderValue, CONNECTION, CONTENT_TYPE};
use hyper::{HeaderMap, Request, Response, Uri};
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

/// The shared front.
pub struct Front {
    /// The services.
    pub app: Arc<App>,
    /// Origin and Host policy.
    pub guard: Guard,
    /// Request-body memory budget.
    pub budget: Budget,
    /// SigV4 verification, when enabled.
    pub verifier: Option<Arc<Verifier>>,
    /// Longest time from a request's headers to its answer (body upload included).
    pub request_timeout: Duration,
}

impl Front {
    /// Serves one request of a connection whose activity is `activity`.
    pub async fn serve(
        self: Arc<Self>,
        activity: Arc<Activity>,
        mut req: Request<Incoming>,
    ) -> Result<Resp, Infallible> {
        let in_flight = activity.begin();
        let origin = match self.guard.check(req.method(), req.uri(), req.headers()) {
            Verdict::Serve(origin) => origin,
            Verdict::Preflight(headers) => {
                let mut r = Response::new(Full::new(Bytes::new()).boxed());
                *r.headers_mut() = headers;
                return Ok(r);
            }
            Verdict::Refuse(why) => {
                tracing::info!(origin = ?req.headers().get("origin"), host = ?req.headers().get("host"), why, "request refused");
                return Ok(refusal(req.headers(), 403, "AccessDenied", why));
            }
        };
        if let Some(v) = self.verifier.as_ref().filter(|_| !is_admin_path(req.uri().path())) {
            if Verifier::needs_body(req.uri(), req.headers()) {
                // Checked by the handler once the body is read (see `Pending`).
                req.extensions_mut().insert(Pending(v.clone()));
            } else if let Err(e) = v.check(req.method(), req.uri(), req.headers(), None) {
                return Ok(with_cors(e.into_response(req.headers()), origin.as_ref()));
            }
        }
        let Some(reservation) = self.budget.reserve(req.method(), req.headers()).await else {
            // S3's code for "slow down"; the other services' common 503 code.
            let h = req.headers();
            let s3_style = !h.contains_key("x-amz-target") && !crate::sqs::is_query(h, b"");
            let code = if s3_style { "SlowDown" } else { "ServiceUnavailable" };
            let r = refusal(h, 503, code, "Too many request bodies in flight; reduce your request rate.");
            return Ok(with_cors(r, origin.as_ref()));
        };
        let shape = ErrorShape::of(&req);
        let resp = match tokio::time::timeout(self.request_timeout, self.app.clone().serve(req)).await {
            Ok(resp) => resp?,
            Err(_) => timed_out(&shape),
        };
        drop(reservation);
        let resp = with_cors(resp, origin.as_ref());
        // The request stays in flight (for the idle timeout) until its answer is sent.
        Ok(resp.map(|inner| Tracked { inner, _in_flight: in_flight }.boxed()))
    }
}

/// What chooses an error's shape (see [`refusal`]), kept for an answer given after the
/// request itself is gone: the headers that tell the protocol, and the path.
struct ErrorShape {
    headers: HeaderMap,
    uri: Uri,
}

impl ErrorShape {
    fn of<B>(req: &Request<B>) -> Self {
        let kept = [CONTENT_TYPE, HeaderName::from_static("x-amz-target")];
        let h = req.headers();
        let headers = kept.into_iter().filter_map(|name| Some((name.clone(), h.get(&name)?.clone()))).collect();
        Self { headers, uri: req.uri().clone() }
    }

    fn is_s3(&self) -> bool {
        let h = &self.headers;
        !h.contains_key("x-amz-target") && !crate::sqs::is_query(h, b"") && !crate::pipes::handles(self.uri.path())
    }
}

/// The answer to a request that ran past the request timeout: S3's `RequestTimeout` (400,
/// its documented text), elsewhere 408 `RequestTimeoutException` (both codes the AWS SDKs
/// retry); the connection is closed, since the rest of the body is not read.
fn timed_out(shape: &ErrorShape) -> Resp {
    tracing::info!("request timed out");
    let mut r = if shape.is_s3() {
        let message = "Your socket connection to the server was not read from or written to within the timeout period. Idle connections will be closed.";
        refusal(&HeaderMap::new(), 400, "RequestTimeout", message)
    } else {
        refusal(
            &shape.headers,
            408,
            "RequestTimeoutException",
            "The request was not completed within the request timeout.",
        )
    };
    r.headers_mut().insert(CONNECTION, HeaderValue::from_static("close"));
    r
}

/// kinesin's own endpoints (health, clock), which carry no signature.
fn is_admin_path(path: &str) -> bool {
    path.starts_with("/_kinesin/") || path.starts_with("/_localstack/") || matches!(path, "/health" | "/healthcheck")
}

/// A response body that keeps its request marked in flight until it is dropped; sizes and
/// frames are the inner body's (so `Content-Length` stays).
struct Tracked {
    inner: BoxBody<Bytes, Infallible>,
    _in_flight: InFlight,
}

impl hyper::body::Body for Tracked {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Bytes>, Infallible>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.inner.size_hint()
    }
}

fn with_cors(mut resp: Resp, origin: Option<&HeaderValue>) -> Resp {
    if let Some(o) = origin {
        add_cors(resp.headers_mut(), o);
    }
    resp
}
