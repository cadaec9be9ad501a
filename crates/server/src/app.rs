//! The HTTP front: one port, routing by `X-Amz-Target` (and by path for the health and
//! admin endpoints), bounded bodies, AWS-shaped errors.

use crate::context::request_ctx;
use crate::http::{read_body, respond, BodyError, Resp};
use crate::kinesis;
use crate::subscribe;
use crate::wire::{aws_error, plain_xml_error, Wire};
use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::header::{CONTENT_LENGTH, CONTENT_TYPE};
use hyper::{Method, Request};
use kinesin_protocol::target::{parse_target, Service};
use kinesin_protocol::ApiError;
use kinesin_state::kinesis::Kinesis;
use kinesin_state::SystemClock;
use std::sync::Arc;

/// Everything a request needs.
pub struct App {
    /// Kinesis state.
    pub kinesis: Kinesis,
    /// SQS.
    pub sqs: crate::sqs::Sqs,
    /// EventBridge Pipes.
    pub pipes: crate::pipes::Pipes,
    /// Firehose.
    pub firehose: kinesin_state::firehose::Firehose,
    /// The S3 surface.
    pub s3: crate::s3::S3,
    /// Kinesis Data Analytics.
    pub analytics: kinesin_state::analytics::Analytics,
    /// The functions bound with `--lambda` (and the rest of the delivery environment).
    pub functions: Arc<kinesin_delivery::Env>,
    /// The clock (advanced by the time-travel endpoint when enabled).
    pub clock: Arc<SystemClock>,
    /// Default account id.
    pub account: String,
    /// Default region.
    pub region: String,
    /// Largest body accepted.
    pub max_body: usize,
    /// Store description for the health endpoint.
    pub store: String,
    /// Whether the clock may be advanced over HTTP.
    pub time_travel: bool,
    /// Open SubscribeToShard subscriptions.
    pub subscriptions: subscribe::Registry,
    /// Added before every Kinesis answer (fault injection).
    pub latency: std::time::Duration,
    /// Init hooks (for `/_localstack/init`).
    pub hooks: Arc<crate::init_hooks::Hooks>,
    /// When the server started (for `/_localstack/info`).
    pub started: std::time::Instant,
    /// This run's session id.
    pub session: String,
    /// Whether each request is logged.
    pub log_requests: bool,
    /// STS.
    pub sts: crate::sts::Sts,
    /// IAM.
    pub iam: crate::iam::Iam,
    /// The web console.
    pub console: crate::console::Console,
}

fn json_error(e: &ApiError) -> Resp {
    aws_error(Wire::Json, e)
}

impl App {
    /// Serves one request.
    pub async fn serve(self: Arc<Self>, req: Request<Incoming>) -> Result<Resp, std::convert::Infallible> {
        if !self.log_requests {
            return Ok(self.route(req).await);
        }
        let started = std::time::Instant::now();
        let described = crate::request_log::describe(&req);
        let resp = self.route(req).await;
        crate::request_log::log(described, &resp, started.elapsed());
        Ok(resp)
    }

    async fn route(&self, req: Request<Incoming>) -> Resp {
        let path = req.uri().path().to_string();
        match crate::unsupported::signing_name(&req) {
            Some("sts") => return self.sts(req).await,
            Some("iam") => return self.iam(req).await,
            Some(s) if !crate::unsupported::emulated(s) => {
                let service = s.to_string();
                return crate::unsupported::answer(&service, req, self.max_body).await;
            }
            _ => {}
        }
        match (req.method(), path.as_str()) {
            (&Method::GET, "/_kinesin/health" | "/healthcheck" | "/health") => self.health(),
            (&Method::GET | &Method::HEAD, p) if crate::localstack::handles(p) => self.localstack(p),
            (&Method::POST, "/_kinesin/clock") => self.advance_clock(req.uri().query().unwrap_or("")),
            (&Method::GET, p) if crate::console::handles(p) => crate::console::serve(&self.console, &req).await,
            (_, p) if crate::pipes::handles(p) => {
                self.pipes.serve(request_ctx(req.headers(), &self.account, &self.region), req, self.max_body).await
            }
            (&Method::GET, _) if crate::sqs::is_query_string(req.uri().query().unwrap_or("")) => {
                let ctx = request_ctx(req.headers(), &self.account, &self.region);
                let query = req.uri().query().unwrap_or("");
                self.sqs.handle_query(ctx, req.headers(), &path, query, b"").await
            }
            (&Method::POST, _) => self.aws(req).await,
            (&Method::GET, "/") if !crate::s3::claims(req.headers(), "/") => {
                plain_xml_error(403, "MissingAuthenticationTokenException", "Missing Authentication Token")
            }
            _ => self.s3.serve(request_ctx(req.headers(), &self.account, &self.region), req, self.max_body).await,
        }
    }

    fn health(&self) -> Resp {
        let body = crate::localstack::health(&self.hooks, &self.store);
        respond(200, "application/json", serde_json::to_vec(&body).unwrap_or_default())
    }

    /// IAM (signed for `iam`): global, by account.
    async fn iam(&self, req: Request<Incoming>) -> Resp {
        let ctx = request_ctx(req.headers(), &self.account, &self.region);
        let Ok(body) = read_body(req.into_body(), self.max_body).await else {
            return plain_xml_error(413, "RequestEntityTooLarge", "The request body is too large.");
        };
        let mut r = self.iam.handle(ctx, &body).await;
        if let Some(action) = crate::unsupported::form_action(&body) {
            r.extensions_mut().insert(crate::request_log::Operation(action));
        }
        r
    }

    /// STS (signed for `sts`).
    async fn sts(&self, req: Request<Incoming>) -> Resp {
        let headers = req.headers().clone();
        let Ok(body) = read_body(req.into_body(), self.max_body).await else {
            return plain_xml_error(413, "RequestEntityTooLarge", "The request body is too large.");
        };
        let ctx = request_ctx(&headers, &self.account, &self.region);
        let auth = headers.get(hyper::header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or("");
        let access_key = kinesin_protocol::sigv4::parse_authorization(auth).access_key.map(str::to_string);
        let mut r = self.sts.handle(kinesin_state::sts::Caller { ctx, access_key }, &body).await;
        if let Some(action) = crate::unsupported::form_action(&body) {
            r.extensions_mut().insert(crate::request_log::Operation(action));
        }
        r
    }

    /// LocalStack's internal endpoints (`/_localstack/...`).
    fn localstack(&self, path: &str) -> Resp {
        let body = match path {
            "/_localstack/health" => crate::localstack::health(&self.hooks, &self.store),
            "/_localstack/info" => {
                let now = kinesin_state::Clock::now_ms(self.clock.as_ref());
                crate::localstack::info(&self.session, self.started.elapsed().as_secs(), now)
            }
            _ => match crate::localstack::init(&self.hooks, path) {
                Some(v) => v,
                None => return respond(404, "application/json", r#"{"error":"no such stage"}"#),
            },
        };
        respond(200, "application/json", serde_json::to_vec(&body).unwrap_or_default())
    }

    fn advance_clock(&self, query: &str) -> Resp {
        if !self.time_travel {
            return json_error(
                &ApiError::new("AccessDeniedException", "Time travel is disabled; start kinesin with --time-travel.")
                    .with_status(403),
            );
        }
        let ms = query.split('&').find_map(|kv| kv.strip_prefix("advance_ms=")).and_then(|v| v.parse::<i64>().ok());
        match ms {
            Some(ms) if ms >= 0 => {
                self.clock.advance(ms);
                self.kinesis.wake_maintenance();
                self.sqs.wake_maintenance();
                self.pipes.wake();
                self.firehose.wake();
                self.analytics.wake();
                let now = kinesin_state::Clock::now_ms(self.clock.as_ref());
                respond(200, "application/json", format!("{{\"now_ms\":{now}}}"))
            }
            _ => json_error(&ApiError::invalid_argument("advance_ms must be a non-negative integer")),
        }
    }

    /// A POST to `/` (or a path): AWS JSON/CBOR by `X-Amz-Target`, else SQS's query protocol
    /// or S3's POST operations.
    async fn aws(&self, req: Request<Incoming>) -> Resp {
        let path = req.uri().path().to_string();
        let uri = req.uri().clone();
        let headers = req.headers().clone();
        let pending = req.extensions().get::<crate::sigv4check::Pending>().cloned();
        let target = headers.get("x-amz-target").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let wire = Wire::of_content_type(headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or(""));
        let declared = headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
        if declared.is_some_and(|n| n > self.max_body) {
            return self.too_large(wire, &headers);
        }
        let body = match read_body(req.into_body(), self.max_body).await {
            Ok(b) => b,
            Err(BodyError::TooLarge) => return self.too_large(wire, &headers),
            Err(BodyError::Unreadable) => {
                return aws_error(wire, &ApiError::serialization("The request body could not be read."))
            }
        };
        if let Some(refused) = pending.and_then(|p| p.verify(&Method::POST, &uri, &headers, &body)) {
            return refused;
        }
        match target {
            Some(target) => self.targeted(&target, &headers, wire, &body).await,
            None => self.untargeted(&uri, &headers, &path, body).await,
        }
    }

    /// A POST without `X-Amz-Target`: SQS's query protocol, S3, or AWS's refusal.
    async fn untargeted(&self, uri: &hyper::Uri, headers: &hyper::HeaderMap, path: &str, body: Bytes) -> Resp {
        let query = uri.query().unwrap_or("");
        if crate::sqs::is_query(headers, &body) || crate::sqs::is_query_string(query) {
            let ctx = request_ctx(headers, &self.account, &self.region);
            let mut r = self.sqs.handle_query(ctx, headers, path, query, &body).await;
            if let Some(action) = crate::unsupported::form_action(&body) {
                r.extensions_mut().insert(crate::request_log::Operation(action));
            }
            return r;
        }
        if crate::s3::claims(headers, path) {
            let ctx = request_ctx(headers, &self.account, &self.region);
            return self.s3.handle(ctx, &Method::POST, uri, headers, body).await;
        }
        let ct = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        if ct.contains("json") {
            return json_error(&ApiError::new("UnknownOperationException", ""));
        }
        plain_xml_error(403, "AccessDeniedException", "Unable to determine service/operation name to be authorized")
    }

    /// An AWS JSON/CBOR request: the service and operation its `X-Amz-Target` names.
    async fn targeted(&self, target: &str, headers: &hyper::HeaderMap, wire: Wire, body: &[u8]) -> Resp {
        let Some(t) = parse_target(target) else {
            return plain_xml_error(
                403,
                "AccessDeniedException",
                "Unable to determine service/operation name to be authorized",
            );
        };
        let ctx = request_ctx(headers, &self.account, &self.region);
        let result = match t.service {
            Some(Service::Kinesis) if t.operation == "SubscribeToShard" => {
                return match subscribe::open(&self.kinesis, &self.subscriptions, ctx, body, wire).await {
                    Ok(events) => {
                        let mut r = respond(200, subscribe::CONTENT_TYPE, Bytes::new());
                        *r.body_mut() = events.boxed();
                        r
                    }
                    Err(e) => aws_error(wire, &e),
                };
            }
            Some(Service::Kinesis) => {
                if !self.latency.is_zero() {
                    tokio::time::sleep(self.latency).await;
                }
                kinesis::handle(&self.kinesis, ctx, t.operation, body, wire).await
            }
            Some(Service::Sqs) => return self.sqs.handle_json(ctx, headers, t.operation, body).await,
            Some(Service::Firehose) => crate::firehose::handle(&self.firehose, ctx, t.operation, body, wire).await,
            Some(Service::KinesisAnalytics) => {
                crate::analytics::handle(&self.analytics, &self.functions, ctx, 1, t.operation, body).await
            }
            Some(Service::KinesisAnalyticsV2) => {
                crate::analytics::handle(&self.analytics, &self.functions, ctx, 2, t.operation, body).await
            }
            None => Err(ApiError::new("UnknownOperationException", "")),
        };
        match result {
            Ok(out) => respond(200, wire.content_type(), out),
            Err(e) => {
                tracing::debug!(target = %target, code = %e.code, message = %e.message, "request failed");
                aws_error(wire, &e)
            }
        }
    }

    /// A 413: in the query protocol's XML for form posts (SQS), else in the request's wire.
    fn too_large(&self, wire: Wire, headers: &hyper::HeaderMap) -> Resp {
        let message = format!("The request body exceeds the maximum permitted size of {} bytes.", self.max_body);
        if crate::sqs::is_query(headers, b"") {
            return crate::wire::refusal(headers, 413, "RequestEntityTooLarge", &message);
        }
        aws_error(wire, &ApiError::serialization(message).with_status(413))
    }
}
