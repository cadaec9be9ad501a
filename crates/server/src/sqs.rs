//! Amazon SQS over AWS JSON 1.0 (`X-Amz-Target: AmazonSQS.<Op>`) and the query protocol
//! (form POSTs to `/` or to a queue URL, answered in XML): the operation table, long polling
//! that wakes when messages arrive, and the background upkeep (retention, move tasks).

use crate::http::{host_of, request_id, respond, Resp};
use crate::runner::{execute, invoke, BoxFuture, Front};
use crate::wire::{sqs_json_error, sqs_query_error};
use crate::worker::{Next, Worker};
use hyper::header::CONTENT_TYPE;
use hyper::HeaderMap;
use kinesin_protocol::sqs::{self as wire, query, types::*, xml};
use kinesin_protocol::{json, model, ApiError};
use kinesin_state::service::{Operation, Service, Visitor};
use kinesin_state::sqs::api::{ops, Op, SqsApi, SqsEffect};
use kinesin_state::sqs::{maintenance, Caller, QueueKey};
use kinesin_state::{Ctx, Db};
use serde_json::Value;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// The SQS service: the store plus the wake-ups of long polls and of the upkeep task.
#[derive(Clone)]
pub struct Sqs {
    db: Db,
    waiters: Arc<Mutex<HashMap<QueueKey, Arc<Notify>>>>,
    wake: Arc<Notify>,
    /// The region whose queue URLs need not name it.
    default_region: Arc<str>,
    /// Host in queue URLs instead of the request's `Host` (`LOCALSTACK_HOST`).
    public_host: Option<Arc<str>>,
}

impl Front<SqsApi> for Sqs {
    /// The request's queue, whose long polls an operation may wake.
    type Scope = Option<QueueKey>;

    fn db(&self) -> &Db {
        &self.db
    }

    fn scope(&self, caller: &Caller, _: &str, doc: &Value) -> Option<QueueKey> {
        doc.get("QueueUrl").and_then(Value::as_str).map(|u| QueueKey::of_url(caller, u))
    }

    fn apply(&self, effect: SqsEffect, queue: &Option<QueueKey>) {
        match (effect, queue) {
            (SqsEffect::Receivers, Some(key)) => self.notify(key),
            (SqsEffect::FifoReceivers, Some(key)) if key.is_fifo() => self.notify(key),
            (SqsEffect::Maintenance, _) => self.wake.notify_one(),
            _ => {}
        }
    }
}

/// One SQS operation on a validated document, answering its output document.
struct Call<'a> {
    sqs: &'a Sqs,
    caller: Caller,
    doc: Value,
}

impl<'a> Visitor<SqsApi> for Call<'a> {
    type Out = BoxFuture<'a, Result<Value, ApiError>>;

    fn visit<O: Operation<Service = SqsApi>>(self) -> Self::Out {
        Box::pin(async move {
            let out = invoke::<Sqs, O>(self.sqs, self.caller, self.doc).await?;
            serde_json::to_value(&out).map_err(|e| ApiError::internal(e.to_string()))
        })
    }
}

impl Sqs {
    /// SQS over a started store.
    pub fn new(db: Db) -> Self {
        Self {
            db,
            waiters: Arc::default(),
            wake: Arc::new(Notify::new()),
            default_region: "us-east-1".into(),
            public_host: None,
        }
    }

    /// The same service, whose queue URLs name every region but `region` (the server's).
    pub fn with_default_region(mut self, region: &str) -> Self {
        self.default_region = region.into();
        self
    }

    /// Puts `host[:port]` in queue URLs instead of the request's `Host` (`LOCALSTACK_HOST`).
    pub fn with_public_host(mut self, host: Option<&str>) -> Self {
        self.public_host = host.map(Arc::from);
        self
    }

    /// The host queue URLs carry: the configured public host, else the request's `Host`.
    fn url_host(&self, headers: &HeaderMap) -> String {
        self.public_host.as_deref().map_or_else(|| host_of(headers), str::to_owned)
    }

    fn caller(&self, ctx: Ctx, headers: &HeaderMap) -> Caller {
        Caller::new(ctx, self.url_host(headers)).with_default_region(&*self.default_region)
    }

    fn notifier(&self, key: &QueueKey) -> Arc<Notify> {
        let mut w = self.waiters.lock().unwrap_or_else(|e| e.into_inner());
        w.entry(key.clone()).or_default().clone()
    }

    /// Wakes the long polls of a queue `(account, region, name)`.
    pub fn notify(&self, key: &QueueKey) {
        let n = self.waiters.lock().unwrap_or_else(|e| e.into_inner()).get(key).cloned();
        if let Some(n) = n {
            n.notify_waiters();
        }
    }

    fn notify_all(&self) {
        let all: Vec<Arc<Notify>> = self.waiters.lock().unwrap_or_else(|e| e.into_inner()).values().cloned().collect();
        for n in all {
            n.notify_waiters();
        }
    }

    /// Wakes the upkeep task (after the clock moved, or new messages).
    pub fn wake_maintenance(&self) {
        self.wake.notify_one();
        self.notify_all();
    }

    /// ReceiveMessage with long polling: waits (up to WaitTimeSeconds) until a message is
    /// available, woken by sends to the queue or by the next visibility/delay deadline.
    async fn receive(&self, caller: Caller, doc: Value) -> Result<Value, ApiError> {
        let input: ReceiveMessageInput = json::into_input(doc)?;
        let key = QueueKey::of_url(&caller, &input.queue_url);
        let notify = self.notifier(&key);
        let start = Instant::now();
        loop {
            let notified = notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let r = execute::<Sqs, ops::ReceiveMessage>(self, caller.clone(), input.clone()).await?;
            // Messages past maxReceiveCount just arrived in their dead-letter queues.
            for dlq in &r.redriven_to {
                self.notify(dlq);
            }
            let deadline = start + Duration::from_secs(r.wait_seconds.max(0) as u64);
            let now = Instant::now();
            if !r.output.messages.is_empty() || now >= deadline {
                return serde_json::to_value(&r.output).map_err(|e| ApiError::internal(e.to_string()));
            }
            let mut wait = deadline - now;
            if let Some(at) = r.next_visible_ms {
                let ms = (at - self.db.clock().now_ms()).max(1) as u64;
                wait = wait.min(Duration::from_millis(ms));
            }
            tokio::select! {
                _ = &mut notified => {}
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }

    /// Runs one operation on a decoded (and validated) document; a success is metered
    /// (every SQS action is a billed request, one per started 64 KB of payload).
    async fn dispatch(&self, caller: Caller, operation: &str, doc: Value) -> Result<Value, ApiError> {
        let sent = crate::meter::sqs_request(&doc);
        let account = doc.get("QueueUrl").and_then(Value::as_str).map(|u| QueueKey::of_url(&caller, u).account);
        let ctx = caller.ctx.clone();
        let out = self.run_operation(caller, operation, doc).await;
        if let Ok(v) = &out {
            let account = account.filter(|a| !a.is_empty()).unwrap_or(ctx.account);
            crate::meter::count_sqs(&account, &ctx.region, &sent, v);
        }
        out
    }

    async fn run_operation(&self, caller: Caller, operation: &str, doc: Value) -> Result<Value, ApiError> {
        match Op::parse(operation) {
            Some(Op::ReceiveMessage) => self.receive(caller, doc).await,
            Some(op) => op.visit(Call { sqs: self, caller, doc }).await,
            None if model::sqs().has_operation(operation) => Err(wire::error(
                "UnsupportedOperation",
                format!("The operation {operation} is not supported by kinesin yet."),
            )),
            None => Err(ApiError::new("UnknownOperationException", "")),
        }
    }

    /// Validates a document of an operation the model has, as SQS does.
    fn validate(operation: &str, doc: &mut Value) -> Result<(), ApiError> {
        if !model::sqs().has_operation(operation) {
            return Ok(());
        }
        SqsApi::validate(operation, doc)
    }

    /// Runs one operation from a JSON document (`--init`), validated as a request is.
    pub async fn call(&self, ctx: Ctx, operation: &str, mut doc: Value) -> Result<Value, ApiError> {
        Self::validate(operation, &mut doc)?;
        self.dispatch(Caller::new(ctx, self.url_host(&HeaderMap::new())), operation, doc).await
    }

    /// Serves an AWS JSON 1.0 request.
    pub async fn handle_json(&self, ctx: Ctx, headers: &HeaderMap, operation: &str, body: &[u8]) -> Resp {
        let caller = self.caller(ctx, headers);
        let result = async {
            let mut doc = json::decode(body)?;
            inject_trace_header(headers, operation, &mut doc);
            Self::validate(operation, &mut doc)?;
            self.dispatch(caller, operation, doc).await
        }
        .await;
        match result {
            Ok(v) => {
                let body = if v.is_null() { b"{}".to_vec() } else { serde_json::to_vec(&v).unwrap_or_default() };
                respond(200, json::JSON_10, body)
            }
            Err(e) => {
                tracing::debug!(operation, code = %e.code, message = %e.message, "sqs request failed");
                sqs_json_error(&e)
            }
        }
    }

    /// Serves a query-protocol request: a form with `Action=` in the body (POST) or in the query
    /// string (GET, presigned URLs: `X-Amz-Credential` then names account and region); `path`
    /// is the request path (a queue URL path supplies `QueueUrl`).
    pub async fn handle_query(
        &self,
        ctx: Ctx,
        headers: &HeaderMap,
        path: &str,
        query_string: &str,
        body: &[u8],
    ) -> Resp {
        let request_id = request_id();
        let host = self.url_host(headers);
        let result = async {
            let mut form = query::parse_form(query_string.as_bytes())?;
            form.extend(query::parse_form(body)?);
            let caller = self.caller(presigned_ctx(&form, ctx), headers);
            let Some(action) = form.get("Action").cloned() else {
                return Err(wire::error("MissingAction", "The request must contain the parameter Action."));
            };
            let model = model::sqs();
            if !model.has_operation(&action) {
                return Err(wire::error(
                    "InvalidAction",
                    format!("The action {action} is not valid for this endpoint."),
                ));
            }
            // `Version` is not checked: SQS still serves its older API versions (2008-01-01 to
            // 2012-11-05) and AWS's answer to an unknown or missing one was not found; kinesin
            // answers every version with the 2012-11-05 shapes.
            let mut doc = query::decode_input(model, &action, &form);
            inject_trace_header(headers, &action, &mut doc);
            let segments = path.split('/').filter(|s| !s.is_empty()).count();
            if let (2.., Value::Object(map)) = (segments, &mut doc) {
                if model.input_shape(&action).and_then(|s| s.member("QueueUrl")).is_some()
                    && !map.contains_key("QueueUrl")
                {
                    map.insert("QueueUrl".into(), format!("http://{host}{path}").into());
                }
            }
            if let Value::Object(map) = &mut doc {
                // A form cannot carry an empty list: a batch without entries is an empty batch
                // (EmptyBatchRequest, whose message names the query-era entry element).
                if action.ends_with("Batch") && !map.contains_key("Entries") {
                    map.insert("Entries".into(), Value::Array(Vec::new()));
                }
            }
            Self::validate(&action, &mut doc)?;
            let out = self.dispatch(caller, &action, doc).await?;
            Ok(xml::encode_output(model, &action, &out, &request_id))
        }
        .await;
        match result {
            Ok(body) => respond(200, "text/xml", body),
            Err(e) => {
                tracing::debug!(code = %e.code, message = %e.message, "sqs query request failed");
                sqs_query_error(e, &request_id)
            }
        }
    }
}

/// The SQS upkeep: trims retention and runs move tasks at their deadlines or when woken;
/// after each pass the long polls look again (visibility and delays may have ended).
pub struct Upkeep(pub Sqs);

impl Worker for Upkeep {
    const NAME: &'static str = "sqs maintenance";
    const MIN_WAIT_MS: i64 = 10;
    const RETRY_MS: i64 = 5_000;

    async fn pass(&mut self) -> Result<Next, String> {
        let next = self.0.db.call(maintenance::run).await;
        self.0.notify_all();
        next.map(Next::At).map_err(|e| e.to_string())
    }

    fn woken(&mut self) -> impl Future<Output = ()> + Send {
        self.0.wake.notified()
    }

    fn now_ms(&self) -> i64 {
        self.0.db.clock().now_ms()
    }
}

/// Whether a GET (or other request without a body) carries an SQS query in its query string.
pub fn is_query_string(query: &str) -> bool {
    query.split('&').any(|p| p.starts_with("Action="))
}

/// Whether a request without `X-Amz-Target` is an SQS query request.
pub fn is_query(headers: &HeaderMap, body: &[u8]) -> bool {
    let ct = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    wire::is_form(ct) || (ct.is_empty() && body.starts_with(b"Action="))
}

/// `X-Amzn-Trace-Id` on a send becomes each message's `AWSTraceHeader` system attribute.
fn inject_trace_header(headers: &HeaderMap, operation: &str, doc: &mut Value) {
    if let Some(trace) = headers.get("x-amzn-trace-id").and_then(|v| v.to_str().ok()) {
        wire::add_trace_header(operation, doc, trace);
    }
}

/// A presigned query request names its caller in `X-Amz-Credential` (no `Authorization`).
fn presigned_ctx(form: &query::Form, ctx: Ctx) -> Ctx {
    let Some(cred) = form.get("X-Amz-Credential") else { return ctx };
    let c = kinesin_protocol::sigv4::parse_credential_scope(cred);
    let account = c.access_key.and_then(kinesin_protocol::sigv4::account_from_access_key).unwrap_or(&ctx.account);
    Ctx::new(account, c.region.unwrap_or(&ctx.region))
}
